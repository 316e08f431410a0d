"""Sort probe: the distinct-score table of exact curves against numpy's sorts.

Exact PR/ROC curves, ROC AUC and average precision cost one sort. This probe
times, at n = 10^7 rows with ~30% positives:

* ``fastmetrics.kernels.cpu.ranking.distinct_score_table`` without and with
  weights (the whole table: distinct scores, counts, weight sums);
* ``np.sort`` of the packed uint64 keys (score key << 1 | label for float32;
  for float64 the 64-bit score keys alone, the label does not fit), the
  one-sort approach of docs/architecture.md ("Ranking tables") -- it only sorts, it does not
  count;
* ``np.argsort(y_score, kind="mergesort")``, the stable argsort that is 70-80%
  of scikit-learn's curve functions (which then still gather and cumsum);

for float32 and float64 scores, distinct (``rng.random``) and rounded to 3
decimals (heavy ties). Every table is checked against the reference kernel
before anything is timed. Each function runs ``--repeat`` times in a row
after a warm-up call (min and median reported). The peak extra memory of one
call is the process's RSS high-water mark, outputs included, and the table
says how much of it is the output itself.

On this VM, memory freed by one call is handed back to the host within
seconds and touching fresh pages is slow (docs/architecture.md, "Measured on this machine"): a call made
right after other large allocations (round-robin timing) ran up to 2x slower
than the back-to-back repeats reported here, for every column alike. Fewer
touched bytes are the lever; see the memory columns.

Run from the repository root::

    python benchmarks/sort_probe.py              # n = 10^7, about a minute
    python benchmarks/sort_probe.py --n 1000000  # another size

This is a probe, not part of the test suite; it asserts nothing on time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.memory import MemoryMeter  # noqa: E402
from fastmetrics.kernels import reference as ref  # noqa: E402
from fastmetrics.kernels.cpu import ranking  # noqa: E402

MiB = 2**20


def make_cases(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    labels = (rng.random(n) < 0.3).astype(np.uint8)
    weights = rng.random(n)
    cases = {}
    for dtype in (np.float32, np.float64):
        s = rng.random(n).astype(dtype)
        cases[f"{np.dtype(dtype).name} distinct"] = s
        cases[f"{np.dtype(dtype).name} rounded 3 dp"] = np.round(s, 3).astype(dtype)
    return cases, labels, weights


def packed_keys(scores, labels):
    keys = ranking.score_keys(scores)
    if keys.dtype == np.uint32:
        return (keys.astype(np.uint64) << np.uint64(1)) | labels
    return keys  # 64 key bits: no room for the label


def check(scores, labels, weights):
    got = ranking.distinct_score_table(scores, labels, weights)
    expected = ref.distinct_score_table(scores, labels, weights)
    np.testing.assert_array_equal(got[0], expected[0])
    np.testing.assert_array_equal(np.signbit(got[0]), np.signbit(expected[0]))
    for g, e in zip(got[1:3], expected[1:3]):
        np.testing.assert_array_equal(g, e)
    for g, e in zip(got[3:], expected[3:]):
        if e is None:
            assert g is None
        else:
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=0)
    return got[0].shape[0]


def time_back_to_back(fns: dict, repeat: int) -> dict:
    out = {}
    for name, fn in fns.items():
        fn()  # warm-up: compilation, caches
        ts = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        out[name] = (min(ts), float(np.median(ts)))
    return out


def output_bytes(table) -> int:
    return sum(a.nbytes for a in table if a is not None)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10**7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-check", action="store_true",
                        help="skip the reference check (it takes a few seconds per case)")
    args = parser.parse_args(argv)

    machine = describe_machine()
    print(f"n = {args.n:,}; numba threads {machine['numba'].get('num_threads')}; "
          f"numpy {machine['numpy_simd']['numpy']}: {machine['numpy_simd']['sort_dispatch']}")
    meter = MemoryMeter()
    cases, labels, weights = make_cases(args.n)
    rows = []
    for name, scores in cases.items():
        distinct = None
        if not args.no_check:
            distinct = check(scores, labels, None)
            check(scores, labels, weights)
        packed = packed_keys(scores, labels)
        fns = {
            "table": lambda: ranking.distinct_score_table(scores, labels),
            "table_w": lambda: ranking.distinct_score_table(scores, labels, weights),
            "np.sort": lambda: np.sort(packed),
            "argsort": lambda: np.argsort(scores, kind="mergesort"),
        }
        t = time_back_to_back(fns, args.repeat)
        table, mem = meter.measure(fns["table"])
        table_w, mem_w = meter.measure(fns["table_w"])
        in_bytes = scores.nbytes + labels.nbytes
        in_bytes_w = in_bytes + weights.nbytes
        rows.append((name, distinct, t, (mem / in_bytes, output_bytes(table) / in_bytes),
                     (mem_w / in_bytes_w, output_bytes(table_w) / in_bytes_w)))
        print(f"  {name}: done", flush=True)

    print()
    print("| scores | distinct | table | table, weighted | np.sort packed uint64 "
          "| stable argsort | argsort / table | peak extra memory / input: unweighted "
          "(output alone), weighted |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, distinct, t, (m, out), (m_w, out_w) in rows:
        def cell(key):
            lo, med = t[key]
            return f"{lo * 1e3:.0f} ms ({med * 1e3:.0f})"
        n_distinct = "n/a" if distinct is None else f"{distinct:,}"
        print(f"| {name} | {n_distinct} | {cell('table')} | {cell('table_w')} | "
              f"{cell('np.sort')} | {cell('argsort')} | "
              f"{t['argsort'][0] / t['table'][0]:.0f}x | {m:.1f}x ({out:.1f}x), "
              f"{m_w:.1f}x ({out_w:.1f}x) |")
    print("\nTimes: min over the back-to-back repeats (median in parentheses). Memory: "
          "peak extra RSS of one call, outputs included, over the bytes of its inputs "
          "(scores + labels, + weights); in parentheses the outputs' own bytes.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Multiclass ROC AUC and average precision: fastmetrics vs scikit-learn, side by side.

Run from the repository root::

    python -m benchmarks.multiclass_probe             # n = 10^6, K = 10 (about a minute)
    python -m benchmarks.multiclass_probe --n 100000  # smaller

Data: ``n`` rows of ``K`` float32 softmax probabilities of standard-normal
logits, labels uniform over the ``K`` classes (every score distinct: the
worst case for a sort). Each case first checks that both answers agree
(rtol 1e-12), then times both warm (median over repeats, ``time_call``) and
measures fastmetrics' peak extra memory. Prints a markdown table; asserts
nothing about time.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import sklearn.metrics as skm  # noqa: E402

import fastmetrics as fm  # noqa: E402
from benchmarks.harness import time_call  # noqa: E402
from benchmarks.machine import describe_machine  # noqa: E402
from benchmarks.memory import MemoryMeter  # noqa: E402


def data(n: int, k: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, k)).astype(np.float32)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    return rng.integers(0, k, n), p


CASES = [
    ("roc_auc_score", dict(multi_class="ovr")),
    ("roc_auc_score", dict(multi_class="ovr", average="weighted")),
    ("roc_auc_score", dict(multi_class="ovo")),
    ("roc_auc_score", dict(multi_class="ovr", average="micro")),
    ("average_precision_score", dict()),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**6)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per side and case")
    parser.add_argument("-k", dest="only", default="", help="substring of the case name")
    args = parser.parse_args(argv)
    y, p = data(args.n, args.k)
    meter = MemoryMeter()
    m = describe_machine()
    cpu, nb = m["cpu"], m["numba"]
    print(f"n = {args.n:,}, K = {args.k}, float32 probabilities; {cpu.get('model')} "
          f"({cpu.get('core')}), {cpu.get('usable_cpus')} CPUs; numba "
          f"{nb.get('threading_layer')} x {nb.get('num_threads')}")
    print("\n| case | fastmetrics (s) | scikit-learn (s) | speedup | fastmetrics peak extra MiB |")
    print("|---|---|---|---|---|")
    failed = 0
    for name, kwargs in CASES:
        label = f"{name}({', '.join(f'{a}={b!r}' for a, b in kwargs.items())})"
        if args.only not in label:
            continue
        ours = lambda: getattr(fm, name)(y, p, **kwargs)  # noqa: E731
        theirs = lambda: getattr(skm, name)(y, p, **kwargs)  # noqa: E731
        got, extra = meter.measure(ours)  # first call also compiles, if the cache is cold
        expected = theirs()
        if not np.allclose(got, expected, rtol=1e-12, atol=0):
            print(f"| {label} | answer {got!r} != sklearn {expected!r} | | | |")
            failed += 1
            continue
        _, extra = meter.measure(ours)
        t_ours = time_call(ours, budget_s=args.budget, min_repeats=5)
        t_theirs = time_call(theirs, budget_s=args.budget, min_repeats=3)
        print(f"| {label} | {t_ours.median:.3f} | {t_theirs.median:.3f} | "
              f"{t_theirs.median / t_ours.median:.1f}x | {extra / 2**20:.0f} |", flush=True)
    print(f"\nInput: y_score {p.nbytes / 2**20:.0f} MiB. Peak memory: {meter.description}.")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

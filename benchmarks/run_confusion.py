"""Confusion-matrix benchmarks of the foundation issue: fastmetrics vs scikit-learn.

Run from the repository root::

    python -m benchmarks.run_confusion            # full run, n = 10^7 (a few minutes)
    python -m benchmarks.run_confusion --quick    # small n, a smoke test (~20 s)
    python -m benchmarks.run_confusion --selftest # proves the harness on a numpy stand-in
    python benchmarks/run_confusion.py --n 1000000 -k f1

Every case checks fastmetrics' answer against sklearn's before anything is
timed. A full run writes ``benchmarks/results/confusion.{md,json}``;
``--quick``, ``--selftest`` and ``-k`` runs write to a temporary folder
(printed) unless ``--out`` is given, so partial or stand-in numbers never
replace the committed results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import sys
import tempfile
from functools import partial
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks import data  # noqa: E402
from benchmarks.coldstart import first_call_in_fresh_process  # noqa: E402
from benchmarks.harness import (Case, Unavailable, check_close, check_equal,  # noqa: E402
                                check_nested_close, run_cases)
from benchmarks.machine import describe_machine, machine_markdown  # noqa: E402
from benchmarks.memory import MemoryMeter  # noqa: E402
from benchmarks.report import cold_start_table, results_table, write_results  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
FIRST_CALL_TARGET_S = 1.0


def api(module, name: str):
    """``module.name``, resolved at call time; ``Unavailable`` if it does not exist.

    Resolving late lets the run go on, and report the row as ``missing``,
    while the library is still being written.
    """

    def call(*args, **kwargs):
        try:
            fn = getattr(module, name)
        except AttributeError:
            raise Unavailable(f"{module.__name__}.{name} does not exist") from None
        return fn(*args, **kwargs)

    call.__name__ = name
    return call


def foundation_cases(fm, sk, n: int, target_big: float | None) -> list[Case]:
    """The four cases of the foundation issue at size ``n``.

    ``target_big`` is None for the small size, where the target is only "no
    slower than sklearn" (ratio >= 1).
    """
    group = f"foundation, n = {n:,}"
    big = target_big is not None
    t = (lambda x: x) if big else (lambda x: 1.0)
    bl, sc = partial(data.binary_labels, n), partial(data.binary_scores, n)
    mc = partial(data.multiclass_labels, n, 10)
    cm, f1 = api(fm, "confusion_matrix"), api(fm, "f1_score")
    return [
        Case("binary confusion_matrix, int8", n, bl,
             lambda d: cm(d[0], d[1]), lambda d: sk.confusion_matrix(d[0], d[1]),
             check_equal, target=t(50), group=group),
        Case("binary confusion_matrix from float32 scores, threshold=0.5", n, sc,
             lambda d: cm(d[0], d[1], threshold=0.5),
             lambda d: sk.confusion_matrix(d[0], (d[1] >= 0.5).astype(np.int8)),
             check_equal, target=t(20), group=group,
             note="sklearn's time includes the thresholding `(y_score >= 0.5).astype(np.int8)`"),
        Case("multiclass K=10 confusion_matrix, int32", n, mc,
             lambda d: cm(d[0], d[1]), lambda d: sk.confusion_matrix(d[0], d[1]),
             check_equal, target=t(20), group=group),
        Case("multiclass K=10 f1_score(average='macro'), int32", n, mc,
             lambda d: f1(d[0], d[1], average="macro"),
             lambda d: sk.f1_score(d[0], d[1], average="macro"),
             check_close(1e-12), target=t(20), group=group),
    ]


def extra_cases(fm, sk, n_big: int, n_mid: int) -> list[Case]:
    """Informative rows without targets."""
    group = "informative"
    cm = api(fm, "confusion_matrix")
    report, mcc, kappa = (api(fm, "classification_report"), api(fm, "matthews_corrcoef"),
                          api(fm, "cohen_kappa_score"))
    weighted = lambda: (*data.binary_labels(n_big), data.dyadic_weights(n_big))  # noqa: E731
    mc_big = partial(data.multiclass_labels, n_big, 10)
    mc_mid = partial(data.multiclass_labels, n_mid, 10)
    strings = partial(data.string_labels, n_mid, 10)
    return [
        Case("binary confusion_matrix, float64 sample_weight", n_big, weighted,
             lambda d: cm(d[0], d[1], sample_weight=d[2]),
             lambda d: sk.confusion_matrix(d[0], d[1], sample_weight=d[2]),
             check_equal, group=group,
             note="weights are multiples of 1/8, so the float64 sums are exact and "
                  "checked for equality"),
        Case("K=10 confusion_matrix, numpy '<U' string labels", n_mid, strings,
             lambda d: cm(d["true_u"], d["pred_u"]),
             lambda d: sk.confusion_matrix(d["true_u"], d["pred_u"]),
             check_equal, group=group),
        Case("K=10 confusion_matrix, Arrow dictionary<int8, string>", n_mid, strings,
             lambda d: cm(d["true_dict"], d["pred_dict"]),
             lambda d: sk.confusion_matrix(d["true_u"], d["pred_u"]),
             check_equal, group=group,
             note="sklearn gets the same labels as numpy '<U' arrays; the conversion "
                  "from Arrow is not timed"),
        Case("K=10 classification_report(output_dict=True), int32", n_mid, mc_mid,
             lambda d: report(d[0], d[1], output_dict=True),
             lambda d: sk.classification_report(d[0], d[1], output_dict=True),
             check_nested_close(1e-12), group=group),
        Case("K=10 matthews_corrcoef, int32", n_big, mc_big,
             lambda d: mcc(d[0], d[1]), lambda d: sk.matthews_corrcoef(d[0], d[1]),
             check_close(1e-12), group=group),
        Case("K=10 cohen_kappa_score(weights='quadratic'), int32", n_big, mc_big,
             lambda d: kappa(d[0], d[1], weights="quadratic"),
             lambda d: sk.cohen_kappa_score(d[0], d[1], weights="quadratic"),
             check_close(1e-12), group=group),
    ]


def selftest_cases(n: int) -> list[Case]:
    """A case whose 'ours' allocates 500 MiB, to show the memory column sees it."""
    size = 500 * 2**20 // 8
    return [Case("selftest: ours allocates and touches 500 MiB", n, lambda: np.arange(n),
                 lambda d: d.sum() + int(np.ones(size)[-1]) - 1, lambda d: d.sum(),
                 check_equal, peer_name="numpy", group="selftest",
                 note="expected: about 500 MiB for ours and 0 for the peer")]


def cold_start(module: str, n: int) -> dict:
    """First binary confusion_matrix call on int8 data in fresh processes."""
    setup = ("import numpy as np\n"
             "rng = np.random.default_rng(0)\n"
             f"y = (rng.random({n}) < 0.1).astype(np.int8)\n"
             f"p = y ^ (rng.random({n}) < 0.1).astype(np.int8)")
    return first_call_in_fresh_process(module, setup, "fm.confusion_matrix(y, p)", runs=2)


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, short budget")
    ap.add_argument("--selftest", action="store_true",
                    help="use a numpy stand-in for fastmetrics (proves the harness)")
    ap.add_argument("--n", type=int, help="large size (default 10^7; 10^5 with --quick)")
    ap.add_argument("--n-small", type=int, default=1_000, help="small size (default 1000)")
    ap.add_argument("--n-mid", type=int,
                    help="size of string/report rows (default 10^6; 10^5 with --quick)")
    ap.add_argument("--budget", type=float, help="seconds of timing per side and case "
                    "(default 2; 0.5 with --quick)")
    ap.add_argument("-k", dest="only", help="run only cases whose name contains this")
    ap.add_argument("--no-cold-start", action="store_true", help="skip the fresh-process rows")
    ap.add_argument("--fail-fast", action="store_true", help="stop at the first failing case")
    ap.add_argument("--out", type=Path, help=f"results folder (default {RESULTS_DIR})")
    args = ap.parse_args(argv)
    small_run = args.quick or args.selftest
    args.n = args.n or (100_000 if small_run else 10_000_000)
    args.n_mid = args.n_mid or (100_000 if small_run else 1_000_000)
    args.budget = args.budget or (0.5 if small_run else 2.0)
    return args


def main(argv=None) -> int:
    """Run the benchmarks; return the exit status (1 if any answer was wrong)."""
    args = parse_args(argv)
    import sklearn.metrics as sk

    module = "benchmarks._standin" if args.selftest else "fastmetrics"
    fm = importlib.import_module(module)  # fails loudly if fastmetrics cannot import
    cases = (foundation_cases(fm, sk, args.n, 50.0)
             + foundation_cases(fm, sk, args.n_small, None)
             + extra_cases(fm, sk, args.n, args.n_mid))
    if args.selftest:
        cases += selftest_cases(args.n_small)
    if args.only:
        cases = [c for c in cases if args.only in c.name]

    meter = MemoryMeter()
    started = dt.datetime.now(dt.timezone.utc)
    print(f"ours = {module}; memory: {meter.description}")
    results = run_cases(cases, budget_s=args.budget, fail_fast=args.fail_fast, meter=meter)
    cold = None
    if not args.no_cold_start:
        print("  first call in fresh processes ...")
        try:
            cold = cold_start(module, args.n)
        except Exception as exc:  # noqa: BLE001 - reported as a row, run goes on
            if args.fail_fast:
                raise
            cold = {"error": str(exc)}
            print(f"    ERROR: {exc}")

    machine = describe_machine()
    md = render_markdown(module, args, started, machine, meter, results, cold)
    print("\n" + md)
    # Only a full run may replace the committed results; partial ones go to a
    # temporary folder unless --out says otherwise.
    partial_run = args.selftest or args.quick or args.only
    out = args.out or (Path(tempfile.mkdtemp(prefix="fm-bench-")) if partial_run
                       else RESULTS_DIR)
    stem = "confusion-selftest" if args.selftest else "confusion"
    payload = {
        "benchmark": "confusion", "date": started.isoformat(timespec="seconds"),
        "command": [Path(sys.argv[0]).name, *sys.argv[1:]], "ours": module,
        "settings": {"n": args.n, "n_small": args.n_small, "n_mid": args.n_mid,
                     "budget_s": args.budget, "min_repeats": 5},
        "memory_method": meter.description, "machine": machine,
        "results": [r.to_dict() for r in results], "cold_start": cold,
    }
    for path in write_results(out, stem, md, payload):
        print(f"wrote {path}")
    bad = [r for r in results if r.status in ("check failed", "error")]
    return 1 if bad or (cold and "error" in cold) else 0


def render_markdown(module, args, started, machine, meter, results, cold) -> str:
    """The results file: machine, main table, notes, fresh-process table."""
    who = "a numpy stand-in (`--selftest`), not fastmetrics" if args.selftest else "fastmetrics"
    parts = [
        "# Confusion-matrix benchmarks: fastmetrics vs scikit-learn", "",
        f"Run {started:%Y-%m-%d %H:%M} UTC; ours = {who}; "
        f"command `python -m benchmarks.run_confusion {' '.join(sys.argv[1:])}`.", "",
        "## Machine", "", machine_markdown(machine), "",
        "## Results", "",
        results_table(results, "ours (stand-in)" if args.selftest else "fastmetrics"), "",
        "Speed-up = peer median time / fastmetrics median time (above 1: fastmetrics is "
        "faster). Every answer was checked against the peer before timing. Times are "
        f"medians of per-call times (at least 5 samples, about {args.budget:g} s per side; "
        "calls under 1 ms are looped within a sample). Peak MiB is the extra resident "
        f"memory of one call: {meter.description}. Inputs are read-only numpy arrays "
        "built before timing.",
    ]
    notes = list(dict.fromkeys(f"- *{r.name}*: {r.note}" for r in results if r.note))
    failed = [f"- *{r.name}* (n={r.n:,}): {r.status}: `{r.error}`"
              for r in results if r.status in ("check failed", "error")]
    missing = sorted({r.error for r in results if r.status == "missing"})
    if notes:
        parts += ["", "Notes:", "", *notes]
    if failed:
        parts += ["", "Failures:", "", *failed]
    if missing:
        parts += ["", "Not run (missing in the library):", "", *(f"- `{m}`" for m in missing)]
    if cold is not None:
        parts += ["", "## First call in a fresh process", ""]
        if "error" in cold:
            parts += ["Failed:", "", "```", cold["error"].strip(), "```"]
        else:
            parts += [cold_start_table(cold, FIRST_CALL_TARGET_S), "",
                      f"`{cold['call']}` on int8 labels, n = {args.n:,}, in successive "
                      f"fresh Python processes sharing a {cold['cache']}. Import time is the "
                      f"whole `import {module}`, its dependencies included; inputs are "
                      "built between the two timers, so the call's time is the call alone."]
    return "\n".join(parts)


if __name__ == "__main__":
    sys.exit(main())

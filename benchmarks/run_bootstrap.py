"""Bootstrap benchmarks: fastmetrics vs scipy.stats.bootstrap and loops over scikit-learn on
resampled rows (count tables, distinct-score tables and the fused row route).

Run from the repository root::

    python -m benchmarks.run_bootstrap           # full run (a few minutes)
    python -m benchmarks.run_bootstrap --quick   # small sizes, a smoke test

Each row checks the answer first (the estimate against scikit-learn; the
interval against the peer's within Monte Carlo error), then times
fastmetrics (median of 3 calls, the pass over the data included) and the
peer, and measures both peaks of extra resident memory.

Peers that take minutes are timed on fewer resamples and their time scaled
to the row's resamples (the cost of a loop is linear in its iterations); the
note of the row says so. A full run writes
``benchmarks/results/bootstrap.{md,json}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from benchmarks.machine import describe_machine, machine_markdown  # noqa: E402
from benchmarks.memory import MemoryMeter  # noqa: E402

RESULTS_DIR = Path(__file__).resolve().parent / "results"
MiB = 1 << 20


def labels(n, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int8)
    a = np.where(rng.random(n) < 0.85, y, 1 - y).astype(np.int8)
    b = np.where(rng.random(n) < 0.83, y, 1 - y).astype(np.int8)
    return y, a, b


def scores(n, seed=0):
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(np.int8)
    a = np.clip(rng.normal(0.5 + 0.15 * (2 * y - 1), 0.25), 0, 1).astype(np.float32)
    b = np.clip(rng.normal(0.5 + 0.14 * (2 * y - 1), 0.25), 0, 1).astype(np.float32)
    return y, a, b


def _timed(fn, repeats=3):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def _row(name, n, resamples, ours, peer=None, peer_name="", peer_scale=1.0, check=None,
         target=None, target_ratio=None, note="", meter=None, repeats=3):
    """Check, time and measure one row."""
    ours()  # warm-up (JIT compile, caches)
    ours_out, t_ours = _timed(ours, repeats)
    mem_ours = meter.measure(ours)[1] / MiB
    row = {"name": name, "n": n, "resamples": resamples, "ours_s": t_ours,
           "ours_mib": mem_ours, "target_s": target, "target_ratio": target_ratio,
           "peer": peer_name, "note": note, "peer_s": None, "ratio": None, "peer_mib": None}
    if peer is not None:
        peer_out, t_peer = _timed(peer, 1)
        if check is not None:
            check(ours_out, peer_out)
        row["peer_mib"] = meter.measure(peer)[1] / MiB if peer_scale == 1.0 else None
        row["peer_s"] = t_peer * peer_scale
        row["ratio"] = row["peer_s"] / t_ours
    elif check is not None:
        check(ours_out, None)
    reached = []
    if target is not None:
        reached.append(t_ours < target)
    if target_ratio is not None and row["ratio"] is not None:
        reached.append(row["ratio"] >= target_ratio)
    row["reached"] = all(reached) if reached else None
    print(f"{name:<58} {t_ours:8.3f} s  peer {row['peer_s'] or float('nan'):9.2f} s  "
          f"ratio {row['ratio'] or float('nan'):7.1f}  mem {mem_ours:7.1f} MiB", flush=True)
    return row


def _same_interval(tolerance):
    def check(ours, theirs):
        lo, hi = theirs
        width = hi - lo
        assert abs(ours.low - lo) <= tolerance * width, (ours, theirs)
        assert abs(ours.high - hi) <= tolerance * width, (ours, theirs)
    return check


def _difference_is(expected):
    def check(ours, _):
        assert abs(ours.difference.estimate - expected) < 1e-12, (ours, expected)
        assert ours.difference.low < ours.difference.estimate < ours.difference.high
    return check


def _vectorized(metric):
    """F1 / accuracy / MCC of (y, p) along the last axis, for scipy.stats.bootstrap."""
    def stat(y, p, axis=-1):
        tp = np.sum((y == 1) & (p == 1), axis=axis).astype(float)
        tn = np.sum((y == 0) & (p == 0), axis=axis).astype(float)
        fp = np.sum((y == 0) & (p == 1), axis=axis).astype(float)
        fn = np.sum((y == 1) & (p == 0), axis=axis).astype(float)
        if metric == "f1_score":
            return 2 * tp / (2 * tp + fp + fn)
        if metric == "accuracy_score":
            return (tp + tn) / (tp + tn + fp + fn)
        return (tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return stat


def rows(fm, sk, quick, meter):
    out = []
    big = 100_000 if quick else 10_000_000
    mid = 100_000 if quick else 1_000_000
    small = 2_000 if quick else 10_000
    B = 10_000
    y, a, _ = labels(big)
    for metric in ("f1_score", "accuracy_score", "matthews_corrcoef"):
        f = getattr(fm, metric)
        expected = getattr(sk, metric)(y, a)

        def check(ours, _, expected=expected):
            assert abs(ours.estimate - expected) <= 1e-12 * abs(expected)
            assert ours.low < ours.estimate < ours.high
        out.append(_row(f"{metric}, BCa, incl. data pass", big, B,
                        lambda f=f: fm.bootstrap(f, y, a, n_resamples=B, method="bca"),
                        check=check, target=0.5, meter=meter,
                        note="checked: estimate equals sklearn's"))
    ys, as_, _ = labels(small, seed=1)
    from scipy import stats
    for metric in ("f1_score", "accuracy_score", "matthews_corrcoef"):
        f = getattr(fm, metric)

        def peer(metric=metric):
            r = stats.bootstrap((ys, as_), _vectorized(metric), paired=True, vectorized=True,
                                n_resamples=B, method="BCa", random_state=0)
            return r.confidence_interval.low, r.confidence_interval.high
        out.append(_row(f"{metric}, BCa", small, B,
                        lambda f=f: fm.bootstrap(f, ys, as_, n_resamples=B, method="bca"),
                        peer, "scipy.stats.bootstrap", check=_same_interval(0.15), meter=meter,
                        note="scipy with a vectorized statistic; checked: bounds within 15% "
                             "of the interval's width (Monte Carlo error)"))
    y, s, s2 = scores(mid)
    rng = np.random.default_rng(0)
    n_loop = 4 if quick else 20

    def sk_loop():
        values = []
        for _ in range(n_loop):
            i = rng.integers(0, mid, mid)
            values.append(sk.roc_auc_score(y[i], s[i]))
        return values

    def check_auc(ours, theirs):
        assert abs(ours.estimate - sk.roc_auc_score(y, s)) <= 1e-12
        if theirs is not None:
            # the loop's spread agrees with our standard error (loose: few resamples)
            assert abs(np.std(theirs, ddof=1) / ours.standard_error - 1) < 0.8

    R = 1000
    out.append(_row("roc_auc_score (exact), BCa", mid, R,
                    lambda: fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=R),
                    sk_loop, "loop over sklearn.roc_auc_score", peer_scale=R / n_loop,
                    check=check_auc, target=5.0, target_ratio=40.0, meter=meter,
                    note=f"peer timed on {n_loop} resampled row sets, scaled to {R:,}; "
                         "checked: estimate equals sklearn's, spreads agree"))
    out.append(_row("roc_auc_score (exact), BCa: memory vs resamples", mid, 10 * R,
                    lambda: fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=10 * R),
                    check=check_auc, meter=meter, repeats=1,
                    note="informative: 10x the resamples of the row above, same peak memory "
                         "but for the 32 bytes of output per resample"))
    yl, la, lb = labels(mid)
    out.append(_row("paired f1_score (A - B), BCa + p-value", mid, B,
                    lambda: fm.paired_bootstrap(fm.f1_score, yl, la, lb, n_resamples=B),
                    check=_difference_is(sk.f1_score(yl, la) - sk.f1_score(yl, lb)),
                    target=5.0, meter=meter, note="joint (truth, A, B) table"))
    out.append(_row("paired roc_auc_score (A - B), BCa + p-value", mid, R,
                    lambda: fm.paired_bootstrap(fm.roc_auc_score, y, s, s2, n_resamples=R),
                    check=_difference_is(sk.roc_auc_score(y, s) - sk.roc_auc_score(y, s2)),
                    meter=meter, note="informative: 1,000 resamples"))
    Rp = 1000 if quick else B
    out.append(_row("paired roc_auc_score (A - B), BCa + p-value", mid, Rp,
                    lambda: fm.paired_bootstrap(fm.roc_auc_score, y, s, s2, n_resamples=Rp),
                    check=_difference_is(sk.roc_auc_score(y, s) - sk.roc_auc_score(y, s2)),
                    target=5.0, meter=meter, repeats=1,
                    note="rows with Poisson weights keyed by row index, both models"))
    auc_difference = sk.roc_auc_score(y, s) - sk.roc_auc_score(y, s2)

    def check_little(ours, exact):
        _difference_is(auc_difference)(ours, None)
        width = exact.difference.high - exact.difference.low
        for bound in ("low", "high"):
            gap = getattr(ours.difference, bound) - getattr(exact.difference, bound)
            assert abs(gap) <= 0.2 * width, (ours, exact)

    out.append(_row("paired roc_auc_score (A - B), bag of little bootstraps + p-value", mid, Rp,
                    lambda: fm.paired_bootstrap(fm.roc_auc_score, y, s, s2, n_resamples=Rp,
                                                method="blb"),
                    lambda: fm.paired_bootstrap(fm.roc_auc_score, y, s, s2, n_resamples=Rp,
                                                method="percentile"),
                    "exact paired bootstrap (percentile)", check=check_little, target=5.0,
                    meter=meter,
                    note="method='blb' (explicit, never substituted): 20 subsets of n^0.7 "
                         "rows; checked: estimate, and bounds within 20% of the exact "
                         "interval's width of the exact ones"))
    out += row_route_rows(fm, sk, quick, meter)
    return out


def probabilities(n, k=5, seed=0):
    """``n`` rows of ``k`` float64 class probabilities (a softmax of noisy logits)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k)) + 1.5 * np.eye(k)[y]
    p = np.exp(logits)
    return y, p / p.sum(axis=1, keepdims=True)


def row_route_rows(fm, sk, quick, meter):
    """The row route: 1,000 percentile resamples of metrics whose state is not a count
    table, against the loop a user writes (the metric on resampled rows)."""
    out = []
    n = 100_000 if quick else 1_000_000
    R = 1000
    y, p = probabilities(n)
    input_mib = p.nbytes / MiB
    rng = np.random.default_rng(1)
    n_loop = 2 if quick else 5
    cases = [
        ("log_loss", fm.log_loss, {}, sk.log_loss, {}, 3.0),
        ("brier_score_loss", fm.brier_score_loss, {}, sk.brier_score_loss, {}, 3.0),
        ("expected_calibration_error (top-label, 15 bins)", fm.expected_calibration_error, {},
         None, {}, 3.0),
        ("roc_auc_score(multi_class='ovr')", fm.roc_auc_score, {"multi_class": "ovr"},
         sk.roc_auc_score, {"multi_class": "ovr"}, 10.0),
    ]
    for name, metric, kw, peer_metric, peer_kw, target in cases:
        loop_metric = peer_metric or metric
        loop_kw = peer_kw if peer_metric is not None else kw

        def loop(loop_metric=loop_metric, loop_kw=loop_kw):
            values = []
            for _ in range(n_loop):
                i = rng.integers(0, n, n)
                values.append(loop_metric(y[i], p[i], **loop_kw))
            return values

        def check(ours, theirs, metric=metric, kw=kw):
            assert abs(ours.estimate - metric(y, p, **kw)) <= 1e-12 * abs(ours.estimate)
            assert ours.low < ours.estimate < ours.high
            if theirs is not None:  # the loop's spread agrees with our standard error
                assert abs(np.std(theirs, ddof=1) / ours.standard_error - 1) < 1.5
        peer_name = (f"loop over sklearn.{peer_metric.__name__}" if peer_metric is not None
                     else "loop over the metric on resampled rows (the previous route)")
        out.append(_row(f"{name}, K=5, percentile", n, R,
                        lambda metric=metric, kw=kw: fm.bootstrap(
                            metric, y, p, n_resamples=R, method="percentile", **kw),
                        loop, peer_name, peer_scale=R / n_loop, check=check, target=target,
                        meter=meter, repeats=1,
                        note=f"peer timed on {n_loop} resampled row sets, scaled to {R:,}; "
                             f"input {input_mib:.0f} MiB of probabilities (target: peak "
                             "extra memory <= 2x the input)"))
    return out


def table(rows_) -> str:
    head = ("| case | n | resamples | fastmetrics | peer | peer time | ratio | peak MiB (ours / "
            "peer) | target | reached | note |\n|---|---:|---:|---:|---|---:|---:|---:|---|---|---|")
    lines = [head]
    for r in rows_:
        target = " and ".join(x for x in (
            f"< {r['target_s']:g} s" if r["target_s"] else "",
            f">= {r['target_ratio']:g}x" if r["target_ratio"] else "") if x) or "-"
        peer_mib = f"{r['peer_mib']:.0f}" if r["peer_mib"] is not None else "-"
        peer_s = "-" if r["peer_s"] is None else f"{r['peer_s']:.2f} s"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.1f}x"
        lines.append(
            f"| {r['name']} | {r['n']:,} | {r['resamples']:,} | {r['ours_s']:.3f} s | "
            f"{r['peer'] or '-'} | {peer_s} | {ratio} | "
            f"{r['ours_mib']:.0f} / {peer_mib} | {target} | "
            f"{'-' if r['reached'] is None else ('yes' if r['reached'] else 'no')} | "
            f"{r['note']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    import sklearn.metrics as sk

    import fastmetrics as fm
    meter = MemoryMeter()
    started = dt.datetime.now(dt.timezone.utc)
    results = rows(fm, sk, args.quick, meter)
    machine = describe_machine()
    text = table(results)
    print(text)
    out = args.out or (RESULTS_DIR if not args.quick else Path(tempfile.mkdtemp(prefix="fm-")))
    out.mkdir(parents=True, exist_ok=True)
    body = (f"# Bootstrap benchmarks: fastmetrics vs scipy.stats.bootstrap and sklearn loops\n\n"
            f"Run {started:%Y-%m-%d %H:%M} UTC; command `python -m benchmarks.run_bootstrap"
            f"{' ' + ' '.join(argv or sys.argv[1:])}`. Memory: {meter.description}.\n\n"
            f"## Machine\n\n{machine_markdown(machine)}\n\n## Results\n\n{text}\n")
    (out / "bootstrap.md").write_text(body)
    (out / "bootstrap.json").write_text(json.dumps(
        {"machine": machine, "started": started.isoformat(), "results": results}, indent=1,
        default=float))
    print(f"wrote {out / 'bootstrap.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""GPU benchmarks of the GPU issue (so far: confusion counts, exact ROC AUC and AP), run on
the device.

Run on a machine with CuPy and an NVIDIA GPU, from the repository root::

    python -m benchmarks.run_gpu --out benchmarks/results

Each case checks fastmetrics' answer against the CPU backend first, then times
it with CUDA events (median of 20 after 3 warm-ups; the time covers the whole
call: kernels, the copy of the small state to the host and the metric), and
torchmetrics on the same GPU with the same data. Bandwidth is the bytes of
labels read divided by the time, as a fraction of the measured device-to-device
copy bandwidth (bytes read plus written per second, as copy benchmarks report).
Writes ``gpu_confusion.{md,json}``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def _events_time(fn, repeats=20, warmup=3):
    import cupy
    for _ in range(warmup):
        fn()
    cupy.cuda.Device().synchronize()
    times = []
    for _ in range(repeats):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop) / 1e3)
    return statistics.median(times)


def copy_bandwidth(nbytes=4 << 30):
    import cupy
    src = cupy.ones(nbytes, dtype=cupy.uint8)
    dst = cupy.empty_like(src)

    def copy():
        dst[...] = src
    return 2 * nbytes / _events_time(copy, repeats=10)


def _gpu_name():
    import cupy
    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    try:
        driver = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,"
                                 "noheader"], capture_output=True, text=True).stdout.strip()
    except OSError:
        driver = "unknown"
    return name, driver, cupy.__version__


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=100_000_000)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = ap.parse_args(argv)
    import cupy

    import fastmetrics as fm
    n = args.n
    bandwidth = copy_bandwidth()
    rng = cupy.random.default_rng(0)
    rows = []
    try:
        import torch
        import torchmetrics.functional.classification as tmc
    except ImportError:
        torch = tmc = None

    from fastmetrics.kernels.gpu import confusion as gpu_kernels

    def kernel_only(t, p):
        """The counting kernel alone, without the host's part (state, metric)."""
        if t.dtype.itemsize == 1:
            return gpu_kernels.binary_confusion_sums(t, p)
        lookup = np.arange(32)
        return gpu_kernels.confusion_counts(t, p, lookup, lookup, 0, 0, 32)

    def case(name, t, p, k, tm_fn):
        host_t, host_p = t.get(), p.get()
        fm.confusion_matrix(host_t[:2_000_000], host_p[:2_000_000])  # compile (parallel paths)
        t0 = time.perf_counter()
        cpu = fm.confusion_matrix(host_t, host_p)
        cpu_s = time.perf_counter() - t0
        gpu = fm.confusion_matrix(t, p)
        np.testing.assert_array_equal(gpu, cpu)
        ours = _events_time(lambda: fm.confusion_matrix(t, p))
        kernel = _events_time(lambda: kernel_only(t, p))
        nbytes = t.nbytes + p.nbytes
        row = {"case": name, "n": n, "ours_s": ours, "read_GBps": nbytes / ours / 1e9,
               "fraction_of_copy": nbytes / ours / bandwidth, "kernel_s": kernel,
               "kernel_fraction_of_copy": nbytes / kernel / bandwidth, "cpu_backend_s": cpu_s,
               "torchmetrics_s": None, "ratio_vs_torchmetrics": None}
        if torch is not None:
            tt = torch.from_dlpack(t.astype(cupy.int64))
            tp = torch.from_dlpack(p.astype(cupy.int64))
            theirs = tm_fn(tt, tp).cpu().numpy()
            np.testing.assert_array_equal(gpu, theirs)
            row["torchmetrics_s"] = _events_time(lambda: tm_fn(tt, tp).cpu(), repeats=10)
            row["ratio_vs_torchmetrics"] = row["torchmetrics_s"] / ours
            del tt, tp
        rows.append(row)
        print(json.dumps(row), flush=True)

    t = (rng.random(n) < 0.3).astype(cupy.int8)
    p = cupy.where(rng.random(n) < 0.9, t, 1 - t).astype(cupy.int8)
    case("binary confusion_matrix, int8", t, p, 2,
         lambda a, b: tmc.binary_confusion_matrix(b, a))
    del t, p
    t = rng.integers(0, 10, n, dtype=cupy.int32)
    p = cupy.where(rng.random(n) < 0.8, t, rng.integers(0, 10, n, dtype=cupy.int32))
    case("multiclass K=10 confusion_matrix, int32", t, p, 10,
         lambda a, b: tmc.multiclass_confusion_matrix(b, a, num_classes=10))
    ranking = []

    def ranking_case(label, metric, tm_fn, y, s):
        host_y, host_s = y.get(), s.get()
        getattr(fm, metric)(host_y[:2_000_000], host_s[:2_000_000])  # compile (parallel paths)
        t0 = time.perf_counter()
        cpu = getattr(fm, metric)(host_y, host_s)
        cpu_s = time.perf_counter() - t0
        gpu = getattr(fm, metric)(y, s)
        assert abs(gpu - cpu) <= 1e-12 * abs(cpu), (gpu, cpu)
        ours = _events_time(lambda: getattr(fm, metric)(y, s), repeats=5, warmup=1)
        row = {"case": label, "n": n, "ours_s": ours, "cpu_backend_s": cpu_s,
               "torchmetrics_s": None, "ratio_vs_torchmetrics": None}
        if torch is not None:
            ty = torch.from_dlpack(y.astype(cupy.int64))
            ts = torch.from_dlpack(s)
            theirs = float(tm_fn(ts, ty))
            assert abs(theirs - gpu) < 1e-4, (theirs, gpu)
            row["torchmetrics_s"] = _events_time(lambda: float(tm_fn(ts, ty)), repeats=3,
                                                 warmup=1)
            row["ratio_vs_torchmetrics"] = row["torchmetrics_s"] / ours
            del ty, ts
        ranking.append(row)
        print(json.dumps(row), flush=True)

    y = (rng.random(n) < 0.3).astype(cupy.int8)
    s = cupy.clip(0.5 + 0.25 * rng.standard_normal(n, dtype=cupy.float32)
                  + 0.15 * (2 * y.astype(cupy.float32) - 1), 0,
                  1).astype(cupy.float32)
    for metric, tm_name in (("roc_auc_score", "binary_auroc"),
                            ("average_precision_score", "binary_average_precision")):
        ranking_case(f"{metric}, exact, float32 distinct scores", metric,
                     lambda a, b, f=tm_name: getattr(tmc, f)(a, b), y, s)
    host_y, host_s = y.get(), s.get()
    fm.precision_recall_curve(host_y[:2_000_000], host_s[:2_000_000], thresholds=1000)
    t0 = time.perf_counter()
    cpu_curve = fm.precision_recall_curve(host_y, host_s, thresholds=1000)
    cpu_s = time.perf_counter() - t0
    gpu_curve = fm.precision_recall_curve(y, s, thresholds=1000)
    for a, b in zip(gpu_curve, cpu_curve):
        np.testing.assert_array_equal(a, b)
    ours = _events_time(functools.partial(fm.precision_recall_curve, y, s, thresholds=1000),
                        repeats=10)
    row = {"case": "precision_recall_curve(thresholds=1000)", "n": n, "ours_s": ours,
           "cpu_backend_s": cpu_s, "torchmetrics_s": None, "ratio_vs_torchmetrics": None}
    if torch is not None:
        ty, ts = torch.from_dlpack(y.astype(cupy.int64)), torch.from_dlpack(s)

        def tm_binned():
            return tmc.binary_precision_recall_curve(ts, ty, thresholds=1000)
        _, tr, _ = tm_binned()
        # float32 thresholds vs our float64 ones move the rows between them only
        assert np.max(np.abs(tr.cpu().numpy()[:-1] - gpu_curve[1][:1000])) < 1e-3
        row["torchmetrics_s"] = _events_time(lambda: tm_binned()[0].cpu(), repeats=3, warmup=1)
        row["ratio_vs_torchmetrics"] = row["torchmetrics_s"] / ours
        del ty, ts
    ranking.append(row)
    print(json.dumps(row), flush=True)
    del y, s
    name, driver, cupy_version = _gpu_name()
    started = dt.datetime.now(dt.timezone.utc)
    lines = ["# GPU confusion counts: fastmetrics (CuPy) vs torchmetrics and the CPU backend\n",
             f"Run {started:%Y-%m-%d %H:%M} UTC on {name}, driver {driver}, CuPy {cupy_version}"
             f"{', torch ' + torch.__version__ if torch else ''}. Measured device-to-device "
             f"copy bandwidth: {bandwidth / 1e9:.0f} GB/s (read + write). Times: CUDA events, "
             "median of 20, the whole call (kernels, state to host, metric). CPU backend: "
             "the same call on numpy copies, one run, on the device machine's CPU.\n",
             "| case | n | fastmetrics GPU (whole call) | labels read | fraction of copy "
             "bandwidth | counting kernel alone | its fraction | torchmetrics GPU | speed-up | "
             "fastmetrics CPU |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        tm = "-" if r["torchmetrics_s"] is None else f"{r['torchmetrics_s'] * 1e3:.2f} ms"
        ratio = "-" if r["ratio_vs_torchmetrics"] is None else f"{r['ratio_vs_torchmetrics']:.1f}x"
        lines.append(f"| {r['case']} | {r['n']:,} | {r['ours_s'] * 1e3:.3f} ms | "
                     f"{r['read_GBps']:.0f} GB/s | {r['fraction_of_copy']:.0%} | "
                     f"{r['kernel_s'] * 1e3:.3f} ms | {r['kernel_fraction_of_copy']:.0%} | {tm} | "
                     f"{ratio} | {r['cpu_backend_s'] * 1e3:.1f} ms |")
    lines += ["", "Ranking metrics: exact ones from one device sort of packed 64-bit keys "
              "(torchmetrics with thresholds=None, its exact mode); the binned curve from "
              "per-class histograms (checked equal to the CPU backend):", "",
              "| case | n | fastmetrics GPU | torchmetrics GPU | speed-up | fastmetrics CPU |",
              "|---|---:|---:|---:|---:|---:|"]
    for r in ranking:
        tm = "-" if r["torchmetrics_s"] is None else f"{r['torchmetrics_s'] * 1e3:.1f} ms"
        ratio = "-" if r["ratio_vs_torchmetrics"] is None else f"{r['ratio_vs_torchmetrics']:.1f}x"
        lines.append(f"| {r['case']} | {r['n']:,} | {r['ours_s'] * 1e3:.1f} ms | {tm} | {ratio} "
                     f"| {r['cpu_backend_s'] * 1e3:.0f} ms |")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu_confusion.md").write_text("\n".join(lines) + "\n")
    (args.out / "gpu_confusion.json").write_text(json.dumps(
        {"gpu": name, "driver": driver, "cupy": cupy_version, "started": started.isoformat(),
         "copy_bandwidth_Bps": bandwidth, "results": rows, "ranking": ranking}, indent=1))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

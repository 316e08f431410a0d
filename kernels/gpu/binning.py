"""Binned score histograms on the GPU: twin of ``kernels/cpu/binning.py``.

The CUDA source is ``binning.cu`` beside this file (design in its header).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

__all__ = ["binned_counts", "SHARED_BYTES_MAX"]

#: Shared memory a block may use without opting in (thresholds + histogram).
SHARED_BYTES_MAX = 48 * 1024

_THREADS = 256
_BLOCK_ROWS_MAX = 1 << 31


@functools.lru_cache(maxsize=None)
def _module():
    import cupy
    return cupy.RawModule(code=Path(__file__).with_name("binning.cu").read_text(),
                          options=("-std=c++17",))


def shared_bytes(t: int, k: int) -> int:
    return 8 * t + 4 * k * (t + 1)


def binned_counts(scores, codes, thresholds, k: int, unit: bool):
    """(k, T + 1) uint64 counts of each class code's scores per bin, and bad-row counts.

    ``scores``: CuPy float32/float64 (n,); ``codes``: CuPy int32 (n,) in
    ``[0, k)``; ``thresholds``: CuPy float64 (T,), sorted. Returns
    ``(counts, bad)`` with ``bad = [NaN scores, scores outside [0, 1] (when
    unit)]``. Requires ``shared_bytes(T, k) <= SHARED_BYTES_MAX``.
    """
    import cupy
    n, t = int(scores.shape[0]), int(thresholds.shape[0])
    out = cupy.zeros(k * (t + 1), dtype=cupy.uint64)
    bad = cupy.zeros(2, dtype=cupy.uint64)
    if n:
        name = "binned_counts_f32" if scores.dtype == np.float32 else "binned_counts_f64"
        sms = cupy.cuda.Device().attributes["MultiProcessorCount"]
        grid = max(1, min(sms * 8, -(-n // _THREADS)), -(-n // _BLOCK_ROWS_MAX))
        _module().get_function(name)(
            (grid,), (_THREADS,),
            (scores if scores.dtype == np.float32 else scores.astype(cupy.float64, copy=False),
             codes, np.int64(n), thresholds, np.int32(t), np.int32(k), np.int32(bool(unit)),
             out, bad),
            shared_mem=shared_bytes(t, k))
    return out.reshape(k, t + 1), bad

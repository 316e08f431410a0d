"""Confusion counts on the GPU: twins of ``kernels/cpu/confusion.py``'s counting.

The CUDA source is ``confusion.cu`` beside this file (see its header for the
design: shared-memory histograms with 32-bit block counters flushed into exact
uint64 totals; a histogram-free sum kernel for one-byte 0/1 labels).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

__all__ = ["confusion_counts", "binary_sums", "SHARED_CELLS_MAX"]

#: Largest k * k histogram kept in shared memory (32 KiB of 32-bit counters).
SHARED_CELLS_MAX = 8192

#: Rows one block may count before its 32-bit shared counters could wrap.
_BLOCK_ROWS_MAX = 1 << 31

_THREADS = 256

_NAMES = {np.dtype(np.int8): "confusion_counts_i8_i8", np.dtype(np.uint8): "confusion_counts_u8_u8",
          np.dtype(np.int16): "confusion_counts_i16_i16",
          np.dtype(np.int32): "confusion_counts_i32_i32",
          np.dtype(np.int64): "confusion_counts_i64_i64"}


@functools.lru_cache(maxsize=None)
def _module():
    import cupy
    source = (Path(__file__).with_name("confusion.cu")).read_text()
    return cupy.RawModule(code=source, options=("-std=c++17",))


def _grid(n: int) -> int:
    import cupy
    sms = cupy.cuda.Device().attributes["MultiProcessorCount"]
    blocks = max(1, min(sms * 8, -(-n // _THREADS)))
    return max(blocks, -(-n // _BLOCK_ROWS_MAX))


def confusion_counts(t, p, k: int, t_offset: int, p_offset: int):
    """(k, k) uint64 counts of ``(t - t_offset, p - p_offset)`` on the device, and bad rows.

    ``t`` and ``p`` are CuPy integer arrays of one dtype (int8, uint8, int16,
    int32 or int64); ``k * k <= SHARED_CELLS_MAX``. Returns ``(counts, bad)``
    with ``counts`` a CuPy uint64 array and ``bad`` the number of rows whose
    code falls outside ``[0, k)``, as a CuPy scalar array.
    """
    import cupy
    n = int(t.shape[0])
    out = cupy.zeros(k * k, dtype=cupy.uint64)
    bad = cupy.zeros(1, dtype=cupy.uint64)
    if n:
        kernel = _module().get_function(_NAMES[np.dtype(t.dtype)])
        # one histogram per warp where they fit (8 warps of 256 threads), else fewer
        copies = max(1, min(_THREADS // 32, SHARED_CELLS_MAX // (k * k)))
        kernel((_grid(n),), (_THREADS,),
               (t, p, np.int64(n), np.int64(t_offset), np.int64(p_offset), np.int32(k),
                np.int32(copies), out, bad),
               shared_mem=4 * k * k * copies)
    return out.reshape(k, k), bad


def binary_sums(t, p):
    """``[rows, sum t, sum p, sum t & p, rows with a value above 1]`` of one-byte labels.

    ``t`` and ``p`` are CuPy uint8/int8/bool arrays whose data start on a
    16-byte boundary. Returns a CuPy uint64 array of 5 entries.
    """
    import cupy
    n = int(t.shape[0])
    sums = cupy.zeros(5, dtype=cupy.uint64)
    sums[0] = n
    if n:
        kernel = _module().get_function("binary_sums")
        kernel((_grid(max(1, n // 16)),), (_THREADS,),
               (t.view(cupy.uint8), p.view(cupy.uint8), np.int64(n), sums))
    return sums

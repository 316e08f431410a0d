"""Confusion counts on the GPU: twins of ``kernels/cpu/confusion.py``'s counting.

Each function here has its CPU twin's name, arguments and return order
(``tests/test_gpu.py`` compares the signatures); arrays live on the
device. What the GPU does not do yet (weights, groups, a score threshold,
class lookups other than ``value - offset``) raises NotImplementedError here:
the public layer refuses those first (``fastmetrics._backend``), so a user
never meets it.

The CUDA source is ``confusion.cu`` beside this file (see its header for the
design: shared-memory histograms with 32-bit block counters flushed into exact
uint64 totals; a histogram-free sum kernel for one-byte 0/1 labels).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

__all__ = ["confusion_counts", "binary_confusion_sums"]

#: Largest k * k histogram kept in shared memory (32 KiB of 32-bit counters).
SHARED_CELLS_MAX = 8192

#: Rows one block may count before its 32-bit shared counters could wrap.
_BLOCK_ROWS_MAX = 1 << 31

_THREADS = 256

#: ``bits_seen`` of binary_confusion_sums is read as an unsigned 64-bit integer.
_UINT64_MASK = (1 << 64) - 1

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


def _not_on_gpu(**options) -> None:
    """NotImplementedError for the first option given (the public layer refuses it first)."""
    for name, value in options.items():
        if value is not None:
            raise NotImplementedError(f"{name}: the GPU kernels do not take it yet")


def _is_identity(lookup, n_classes: int) -> bool:
    """Whether a host lookup maps ``value - offset`` to itself for ``n_classes`` values."""
    return (isinstance(lookup, np.ndarray) and lookup.shape == (n_classes,)
            and bool(np.array_equal(lookup, np.arange(n_classes))))


def confusion_counts(y_true, y_pred, true_lookup, pred_lookup, true_offset, pred_offset,
                     n_classes, weights=None, groups=None, group_lookup=None,
                     group_offset=0, n_groups=1, threshold=None, weight_dtype=np.float64):
    """Count (group, true class, predicted class) cells on the device.

    The CPU twin's contract (``kernels.reference.confusion_counts``), with
    what the GPU kernel takes: ``y_true`` and ``y_pred`` are CuPy integer
    arrays of one dtype (int8, uint8, int16, int32 or int64); the class code
    is ``value - offset``, so both lookups must be ``np.arange(n_classes)``
    (host arrays, as on the CPU); ``n_classes ** 2 <= SHARED_CELLS_MAX``; no
    weights, groups or threshold.

    Returns ``(counts, weight_sums, first_nonfinite)`` as on the CPU:
    ``counts`` a CuPy int64 array of shape ``(1, n_classes, n_classes)``,
    ``weight_sums`` None and ``first_nonfinite`` -1. Where the CPU twin
    requires every code to lie in ``[0, n_classes)``, rows whose code falls
    outside are left out here: a caller that guesses the range of the labels
    compares ``counts.sum()`` with the number of rows.
    """
    _not_on_gpu(weights=weights, groups=groups, group_lookup=group_lookup,
                threshold=threshold)
    if n_groups != 1 or group_offset != 0:
        raise NotImplementedError("groups: the GPU kernels do not take them yet")
    for name, lookup in (("true_lookup", true_lookup), ("pred_lookup", pred_lookup)):
        if not _is_identity(lookup, n_classes):
            raise NotImplementedError(f"{name}: the GPU kernel counts the codes value - "
                                      "offset; pass np.arange(n_classes)")
    import cupy
    n, k = int(y_true.shape[0]), int(n_classes)
    out = cupy.zeros(k * k, dtype=cupy.uint64)
    bad = cupy.zeros(1, dtype=cupy.uint64)  # rows outside [0, k): the kernel's, not read
    if n:
        kernel = _module().get_function(_NAMES[np.dtype(y_true.dtype)])
        # one histogram per warp where they fit (8 warps of 256 threads), else fewer
        copies = max(1, min(_THREADS // 32, SHARED_CELLS_MAX // (k * k)))
        kernel((_grid(n),), (_THREADS,),
               (y_true, y_pred, np.int64(n), np.int64(true_offset), np.int64(pred_offset),
                np.int32(k), np.int32(copies), out, bad),
               shared_mem=4 * k * k * copies)
    return out.astype(cupy.int64).reshape(1, k, k), None, -1


def _bits_seen(y_true, y_pred) -> int:
    """The bitwise OR of every value of one-byte labels, read as the CPU twin reads it."""
    import cupy
    v = y_true.view(cupy.uint8) | y_pred.view(cupy.uint8)
    # eight reductions over the OR (no atomics); one synchronization for all of them
    seen = cupy.stack([cupy.any(v & np.uint8(1 << b)) for b in range(8)]).get()
    bits = sum(1 << b for b in range(8) if seen[b])
    if np.dtype(y_true.dtype) == np.int8 and bits & 0x80:
        bits |= _UINT64_MASK ^ 0xFF  # a negative int8 widens to int64 with its sign bits
    return bits


def binary_confusion_sums(y_true, y_pred, threshold=None):
    """Sums behind a binary confusion matrix of one-byte 0/1 labels on the device.

    Returns ``(n, sum_true, sum_pred, sum_both, bits_seen, first_nonfinite)``
    as the CPU twin (``kernels.reference.binary_confusion_sums``); as there,
    the sums are to be trusted only when ``bits_seen <= 1``. ``y_true`` and
    ``y_pred`` are CuPy uint8, int8 or bool arrays of one dtype whose data
    start on a 16-byte boundary (the kernel loads 16 bytes at a time; other
    arrays raise ValueError: count them with :func:`confusion_counts`). No
    threshold. ``bits_seen`` costs a few more passes only when some value is
    above 1.
    """
    _not_on_gpu(threshold=threshold)
    import cupy
    for name, a in (("y_true", y_true), ("y_pred", y_pred)):
        if a.dtype != y_true.dtype or a.dtype.itemsize != 1 or a.data.ptr % 16:
            raise ValueError(f"{name} must hold one-byte labels of y_true's dtype, starting "
                             "on a 16-byte boundary")
    n = int(y_true.shape[0])
    sums = cupy.zeros(5, dtype=cupy.uint64)
    sums[0] = n
    if n:
        kernel = _module().get_function("binary_sums")
        kernel((_grid(max(1, n // 16)),), (_THREADS,),
               (y_true.view(cupy.uint8), y_pred.view(cupy.uint8), np.int64(n), sums))
    n, st, sp, both, above_one = (int(v) for v in sums.get())
    # all values 0 or 1: their OR is 1 if any is 1
    bits = _bits_seen(y_true, y_pred) if above_one else int(st > 0 or sp > 0)
    return n, st, sp, both, bits, -1

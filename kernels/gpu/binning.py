"""Binned score histograms on the GPU: twin of ``kernels/cpu/binning.py``.

:func:`score_bins` has its CPU twin's name, arguments and return order
(``tests/test_gpu.py`` compares the signatures); arrays live on the device.
What the GPU does not do yet (weights, 2-D labels or scores, class lookups
other than ``value - offset``) raises NotImplementedError here: the public
layer refuses those first (``fastmetrics._backend``).

The CUDA source is ``binning.cu`` beside this file (design in its header).
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from ..cpu.binning import FINITE
from .confusion import _is_identity, _not_on_gpu

__all__ = ["score_bins"]

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
    """Shared memory of one block for ``t`` thresholds and ``k`` classes (GPU only)."""
    return 8 * t + 4 * k * (t + 1)


def score_bins(labels, lookup, offset, n_classes, scores, thresholds, lo_ok=-FINITE,
               hi_ok=FINITE, weights=None):
    """Per (score column, class, bin) counts on the device; the CPU twin's contract.

    See ``kernels.reference_binning.score_bins``, with what the GPU kernel
    takes: ``labels`` a CuPy integer array (n,) whose class code is ``value -
    offset``, so ``lookup`` must be ``np.arange(n_classes)`` (a host array, as
    on the CPU); ``scores`` CuPy float32 or float64 (n,); ``thresholds``
    float64 (T,), strictly increasing; ``(lo_ok, hi_ok)`` either the default
    (any finite score) or ``(0.0, 1.0)`` (a threshold count); no weights;
    ``shared_bytes(T, n_classes) <= SHARED_BYTES_MAX``.

    Returns ``(counts, weight_sums, first_bad, first_bad_label)`` as on the
    CPU: ``counts`` a CuPy int64 array of shape ``(1, n_classes, T + 1)``,
    ``weight_sums`` None, ``first_bad`` the first row whose score is outside
    ``[lo_ok, hi_ok]`` (NaN included; -1 if none; ``counts`` are not to be
    used then) and ``first_bad_label`` -1.
    """
    _not_on_gpu(weights=weights)
    unit = (lo_ok, hi_ok) == (0.0, 1.0)
    if not unit and (lo_ok, hi_ok) != (-FINITE, FINITE):
        raise NotImplementedError("lo_ok, hi_ok: the GPU kernel checks [0, 1] or finiteness")
    if labels.ndim != 1 or scores.ndim != 1:
        raise NotImplementedError("labels, scores: the GPU kernel bins one column of scores")
    if not _is_identity(lookup, n_classes):
        raise NotImplementedError("lookup: the GPU kernel bins the codes value - offset; pass "
                                  "np.arange(n_classes)")
    import cupy
    k = int(n_classes)
    codes = (labels.astype(cupy.int64) - offset).astype(cupy.int32)
    grid_values = cupy.asarray(thresholds, dtype=cupy.float64)
    n, t = int(scores.shape[0]), int(grid_values.shape[0])
    out = cupy.zeros(k * (t + 1), dtype=cupy.uint64)
    bad = cupy.zeros(2, dtype=cupy.uint64)
    if n:
        name = "binned_counts_f32" if scores.dtype == np.float32 else "binned_counts_f64"
        sms = cupy.cuda.Device().attributes["MultiProcessorCount"]
        grid = max(1, min(sms * 8, -(-n // _THREADS)), -(-n // _BLOCK_ROWS_MAX))
        _module().get_function(name)(
            (grid,), (_THREADS,),
            (scores if scores.dtype == np.float32 else scores.astype(cupy.float64, copy=False),
             codes, np.int64(n), grid_values, np.int32(t), np.int32(k), np.int32(unit),
             out, bad),
            shared_mem=shared_bytes(t, k))
    n_nan, n_outside = (int(v) for v in bad.get())
    # The kernel finds NaN, and with unit scores outside [0, 1]; it bins infinite
    # scores otherwise, which the CPU twin reports: one more pass looks for them.
    first_bad = -1
    if n_nan or n_outside or (not unit and n and bool(cupy.isinf(scores).any())):
        wrong = ~((scores >= 0.0) & (scores <= 1.0)) if unit else ~cupy.isfinite(scores)
        first_bad = int(cupy.flatnonzero(wrong)[0])
    return out.astype(cupy.int64).reshape(1, k, t + 1), None, first_bad, -1

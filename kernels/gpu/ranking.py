"""Exact binary ROC AUC and average precision on the GPU: one sort of packed keys.

Twin of ``kernels/cpu/ranking.py::distinct_score_areas``. The CUDA source
``ranking.cu`` packs each row's score (as a descending order key) and class
into one 64-bit key; one device radix sort (CuPy's, CUB) orders them; a
cumulative sum of the classes and the ends of the groups of equal scores give
both areas in a few passes. Only four numbers come back to the host.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

__all__ = ["binary_areas"]

_THREADS = 256


@functools.lru_cache(maxsize=None)
def _module():
    import cupy
    return cupy.RawModule(code=Path(__file__).with_name("ranking.cu").read_text(),
                          options=("-std=c++17",))


def _grid(n):
    import cupy
    return max(1, min(cupy.cuda.Device().attributes["MultiProcessorCount"] * 8,
                      -(-n // _THREADS)))


def binary_areas(scores, positive):
    """``(twice_area, n_neg, n_pos, ap_sum, n_nan)`` of device scores and 0/1 classes.

    ``scores``: CuPy float32 or float64 (n,); ``positive``: CuPy uint8 (n,),
    nonzero for the positive class. ``twice_area`` is twice the Mann-Whitney
    count (ROC AUC = twice_area / (2 n_pos n_neg)); ``ap_sum`` the sum of
    precision at each distinct score weighted by its positives (average
    precision = ap_sum / n_pos). With NaN scores (``n_nan > 0``) the areas are
    not computed (zeros).
    """
    import cupy
    n = int(scores.shape[0])
    nan = cupy.zeros(1, dtype=cupy.uint64)
    keys = cupy.empty(n, dtype=cupy.uint64)
    if scores.dtype == np.float32:
        _module().get_function("descending_keys_f32")(
            (_grid(n),), (_THREADS,), (scores, positive, np.int64(n), keys, nan))
        n_nan = int(nan.get()[0])
        if n_nan:
            return 0, 0, 0, 0.0, n_nan
        keys.sort()
        labels = (keys & 1).astype(cupy.int64)
        score_keys = keys >> 1
    else:
        _module().get_function("descending_keys_f64")(
            (_grid(n),), (_THREADS,), (scores.astype(cupy.float64, copy=False), np.int64(n),
                                       keys, nan))
        n_nan = int(nan.get()[0])
        if n_nan:
            return 0, 0, 0, 0.0, n_nan
        order = cupy.argsort(keys)
        score_keys = keys[order]
        labels = (positive[order] != 0).astype(cupy.int64)
    del keys
    tp = cupy.cumsum(labels)                      # positives at or above each row
    ends = cupy.flatnonzero(score_keys[1:] != score_keys[:-1])
    ends = cupy.concatenate([ends, cupy.array([n - 1], dtype=ends.dtype)])
    tp_end = tp[ends]
    fp_end = (ends + 1) - tp_end                  # negatives at or above the group
    n_pos = int(tp_end[-1].get())
    n_neg = n - n_pos
    pos_g = cupy.diff(tp_end, prepend=0)
    neg_g = cupy.diff(fp_end, prepend=0)
    # a group's positives beat the negatives below it and tie with its own
    twice = cupy.sum(pos_g * (2 * (n_neg - fp_end) + neg_g))
    ap = cupy.sum(pos_g * (tp_end / (tp_end + fp_end)))
    twice, ap = (v.get() for v in (twice, ap))
    return int(twice), n_neg, n_pos, float(ap), 0

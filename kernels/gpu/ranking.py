"""Exact binary ROC AUC and average precision on the GPU: one sort of packed keys.

Twins of ``kernels/cpu/ranking.py``'s ``count_nonfinite`` and
``distinct_score_areas``: the same names, arguments and return order
(``tests/test_gpu.py`` compares the signatures); arrays live on the device.
As on the CPU, the caller checks the scores with :func:`count_nonfinite`
before it ranks them.

The CUDA source ``ranking.cu`` packs each row's score (as a descending order
key) and class into one 64-bit key; one device radix sort (CuPy's, CUB)
orders them; a cumulative sum of the classes and the ends of the groups of
equal scores give both areas in a few passes. Only four numbers come back to
the host.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

__all__ = ["count_nonfinite", "distinct_score_areas"]

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


def count_nonfinite(scores):
    """``(count, first_index)`` of NaN/inf device scores; ``(0, -1)`` when all are finite."""
    import cupy
    bad = ~cupy.isfinite(scores)
    count = int(cupy.count_nonzero(bad))
    return count, (int(cupy.flatnonzero(bad)[0]) if count else -1)


def distinct_score_areas(scores, labels):
    """ROC AUC and average precision of unweighted device rows, without a table.

    Returns ``(twice_area, n_pos, n_neg, ap_sum)`` as the CPU twin: the ROC
    AUC is ``twice_area / (2 n_pos n_neg)`` (twice the Mann-Whitney count)
    and the average precision ``ap_sum / n_pos`` (the sum of the precision
    at each distinct score weighted by its positives). ``scores``: CuPy
    float32 or float64 (n,) without NaN (see :func:`count_nonfinite`);
    ``labels``: CuPy (n,), nonzero for the positive class.
    """
    import cupy
    n = int(scores.shape[0])
    if n == 0:
        return 0, 0, 0, 0.0
    if labels.dtype != np.uint8:  # as the CPU twin reads them: nonzero is positive
        labels = labels.view(cupy.uint8) if labels.dtype.itemsize == 1 else (
            labels != 0).view(cupy.uint8)
    # the kernels also count NaN scores; the caller has ruled them out, so it is not read
    nan = cupy.zeros(1, dtype=cupy.uint64)
    keys = cupy.empty(n, dtype=cupy.uint64)
    if scores.dtype == np.float32:
        _module().get_function("descending_keys_f32")(
            (_grid(n),), (_THREADS,), (scores, labels, np.int64(n), keys, nan))
        keys.sort()
        positive = (keys & 1).astype(cupy.int64)
        score_keys = keys >> 1
    else:
        _module().get_function("descending_keys_f64")(
            (_grid(n),), (_THREADS,), (scores.astype(cupy.float64, copy=False), np.int64(n),
                                       keys, nan))
        order = cupy.argsort(keys)
        score_keys = keys[order]
        positive = (labels[order] != 0).astype(cupy.int64)
    del keys
    tp = cupy.cumsum(positive)                    # positives at or above each row
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
    return int(twice), n_pos, n_neg, float(ap)

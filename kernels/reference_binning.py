"""Plain-numpy twin of the kernel in ``kernels/cpu/binning.py``: the test oracle.

Same name, arguments and results as the Numba kernel, written for clarity.
"""

from __future__ import annotations

import numpy as np

__all__ = ["score_bins"]

FINITE = float(np.finfo(np.float64).max)


def _first(mask) -> int:
    found = np.flatnonzero(mask)
    return int(found[0]) if found.size else -1


def score_bins(labels, lookup, offset, n_classes, scores, thresholds, lo_ok=-FINITE,
               hi_ok=FINITE, weights=None):
    """Per (score column, class, bin) row counts and weight sums.

    Parameters
    ----------
    labels : ndarray of shape (n,) or (n, C)
        1-D: raw labels, the class code of row ``i`` being
        ``lookup[labels[i] - offset]`` in ``[0, n_classes)``, shared by every
        score column. 2-D: 0/1 indicators, the class (0 or 1) of each score
        entry (multilabel); ``lookup``, ``offset`` and ``n_classes`` are then
        ignored and there are two classes.
    scores : ndarray of float32 or float64, shape (n,) or (n, C)
        1-D scores are one column.
    thresholds : ndarray of float64, shape (T,)
        Strictly increasing.
    lo_ok, hi_ok : float
        Score entries outside ``[lo_ok, hi_ok]`` (NaN included) are not counted.
    weights : ndarray of float64, shape (n,), optional

    Returns
    -------
    counts : ndarray of int64, shape (C, n_classes, T + 1)
        ``counts[j, c, b]``: entries of score column ``j`` with class ``c``
        and ``b = searchsorted(thresholds, float64(score), "right")``, i.e. the
        number of thresholds at or below the score.
    weight_sums : ndarray of float64 of the same shape, or None
    first_bad : int
        Flat position ``row * C + column`` of the first score entry outside
        ``[lo_ok, hi_ok]``; -1 if none.
    first_bad_label : int
        Flat position of the first indicator that is neither 0 nor 1 (2-D
        ``labels`` only); -1 if none. Such entries are not counted either.
    """
    s = np.asarray(scores).astype(np.float64)
    if s.ndim == 1:
        s = s[:, None]
    n, n_columns = s.shape
    labels = np.asarray(labels)
    ok = (s >= lo_ok) & (s <= hi_ok)
    first_bad = _first(~ok.ravel())
    first_bad_label = -1
    if labels.ndim == 2:
        n_classes = 2
        is01 = (labels == 0) | (labels == 1)
        first_bad_label = _first((ok & ~is01).ravel())
        ok &= is01
        codes = np.where(is01, labels, 0).astype(np.int64)
    else:
        codes = np.asarray(lookup)[labels.astype(np.int64) - offset]
        codes = np.broadcast_to(codes[:, None], (n, n_columns))
    n_bins = len(thresholds) + 1
    bins = np.searchsorted(np.asarray(thresholds, dtype=np.float64), np.where(ok, s, 0.0),
                           side="right")
    columns = np.broadcast_to(np.arange(n_columns), (n, n_columns))
    flat = ((columns * n_classes + codes) * n_bins + bins)[ok]
    size = n_columns * n_classes * n_bins
    shape = (n_columns, n_classes, n_bins)
    counts = np.bincount(flat, minlength=size).astype(np.int64).reshape(shape)
    weight_sums = None
    if weights is not None:
        w = np.broadcast_to(np.asarray(weights, dtype=np.float64)[:, None], (n, n_columns))
        weight_sums = np.bincount(flat, weights=w[ok], minlength=size).reshape(shape)
    return counts, weight_sums, first_bad, first_bad_label

"""Plain-numpy twins of the kernels in ``kernels/cpu/topk.py``: the test oracle.

Same names, arguments and results as the Numba kernels, written for clarity:
the rank of the true class is read from scikit-learn's own ordering, a stable
ascending ``argsort`` reversed, rather than counted.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rank_counts", "binary_counts"]


def _codes(values, lookup, offset):
    return np.asarray(lookup)[np.asarray(values).astype(np.int64) - offset]


def _first(mask) -> int:
    found = np.flatnonzero(mask)
    return int(found[0]) if found.size else -1


def rank_counts(y_true, lookup, offset, y_score, weights=None):
    """Histogram of the rank of each row's true column among its scores.

    Row ``i`` has true column ``t = lookup[y_true[i] - offset]``; its rank is
    the position of ``t`` in ``argsort(y_score[i], kind="mergesort")[::-1]``
    (0 = ranked first; among equal scores the larger column ranks first).
    Returns ``(counts, weight_sums, first_bad)``: int64 counts of shape
    ``(K,)``, float64 weight sums (``None`` without weights), and the first row
    holding NaN or infinity (-1 if none). Such rows, and rows whose ``t`` is
    negative (column not known), are not counted.
    """
    y_score = np.asarray(y_score)
    n, k = y_score.shape
    t = _codes(y_true, lookup, offset)
    finite = np.isfinite(y_score).all(axis=1)
    first_bad = _first(~finite)
    order = np.argsort(y_score, axis=1, kind="mergesort")[:, ::-1]
    keep = finite & (t >= 0)
    rank = np.argmax(order == t[:, None], axis=1)[keep]
    counts = np.bincount(rank, minlength=k).astype(np.int64)
    sums = None
    if weights is not None:
        sums = np.bincount(rank, weights=np.asarray(weights, np.float64)[keep],
                           minlength=k).astype(np.float64)
    return counts, sums, first_bad


def binary_counts(y_true, lookup, offset, n_classes, y_score, weights=None):
    """Per-class counts of 1-D scores against scikit-learn's thresholds 0.5 and 0.

    Returns ``(counts, weight_sums, all_in_unit_interval, first_bad)``: int64
    counts of shape ``(n_classes, 4)`` whose columns are the rows with
    ``score > 0.5``, ``score <= 0.5``, ``score > 0`` and ``score <= 0``; the
    same as float64 weight sums (``None`` without weights); whether every
    finite score is in ``[0, 1]``; and the first row holding NaN or infinity
    (-1 if none). Non-finite rows are not counted.
    """
    s = np.asarray(y_score)
    finite = np.isfinite(s)
    first_bad = _first(~finite)
    c = _codes(y_true, lookup, offset)[finite]
    s = s[finite]
    columns = [s > 0.5, s <= 0.5, s > 0, s <= 0]
    w = None if weights is None else np.asarray(weights, np.float64)[finite]
    counts = np.stack([np.bincount(c[m], minlength=n_classes) for m in columns],
                      axis=1).astype(np.int64)
    sums = None
    if w is not None:
        sums = np.stack([np.bincount(c[m], weights=w[m], minlength=n_classes)
                         for m in columns], axis=1).astype(np.float64)
    unit = bool(np.all((s >= 0) & (s <= 1)))
    return counts.reshape(n_classes, 4), sums, unit, first_bad

"""Per-row ranking scores (``average="samples"``) of multilabel and multiclass targets.

``row_ranking_scores``: each row's ROC AUC (optionally McClish's partial AUC)
and average precision for a multilabel target; ``reciprocal_rank_sums``: the
per-class sums of ``1 / rank`` that a multiclass target's samples-averaged
average precision is made of.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._blocks import block_bounds, kernel, thread_blocks
from .class_sort import prepared_matrix

__all__ = ["row_ranking_scores", "reciprocal_rank_sums"]

#: Below this many score cells (rows x columns) a kernel runs on one thread.
PARALLEL_MIN_CELLS = 1 << 17

#: Rows of at most this many scores are sorted by insertion, longer ones by
#: ``np.argsort``.
ROW_INSERTION_MAX = 32


@kernel(nogil=True)
def _row_order(row, order):
    """Indices of ``row`` by descending score into ``order`` (ties in any order)."""
    m = row.shape[0]
    if m <= ROW_INSERTION_MAX:
        for i in range(m):
            order[i] = i
        for i in range(1, m):
            o = order[i]
            v = row[o]
            j = i - 1
            while j >= 0 and row[order[j]] < v:
                order[j + 1] = order[j]
                j -= 1
            order[j + 1] = o
    else:
        neg = np.empty(m, dtype=np.float64)
        for i in range(m):
            neg[i] = -np.float64(row[i])
        idx = np.argsort(neg)
        for i in range(m):
            order[i] = idx[i]


@kernel(nogil=True)
def _row_scores(truth, row, order, max_fpr, xs, ys):
    """(ROC AUC, average precision) of one row; NaN AUC when it holds one class."""
    m = row.shape[0]
    n_pos = 0
    for j in range(m):
        n_pos += truth[j] != 0
    n_neg = m - n_pos
    _row_order(row, order)
    tps = 0
    fps = 0
    twice = 0
    ap = 0.0
    n_points = 1
    xs[0] = 0.0
    ys[0] = 0.0
    i = 0
    while i < m:
        v = row[order[i]]
        p = 0
        q = 0
        while i < m and row[order[i]] == v:
            if truth[order[i]] != 0:
                p += 1
            else:
                q += 1
            i += 1
        twice += q * (2 * tps + p)
        tps += p
        fps += q
        if p != 0:
            ap += p * (tps / (tps + fps))
        if n_pos > 0 and n_neg > 0:
            xs[n_points] = fps / n_neg
            ys[n_points] = tps / n_pos
            n_points += 1
    ap_value = max(0.0, ap / n_pos) if n_pos > 0 else 0.0
    if n_pos == 0 or n_neg == 0:
        return np.nan, ap_value
    if not (max_fpr > 0.0 and max_fpr < 1.0):
        return twice / (2.0 * n_pos * n_neg), ap_value
    # McClish's standardized partial AUC, as scikit-learn: the ROC points up to
    # max_fpr, one more interpolated at max_fpr, the trapezoid over them.
    stop = 0
    while stop < n_points and xs[stop] <= max_fpr:
        stop += 1
    x0 = xs[stop - 1]
    y0 = ys[stop - 1]
    slope = (ys[stop] - y0) / (xs[stop] - x0)
    y_at = slope * (max_fpr - x0) + y0
    area = 0.0
    for j in range(stop - 1):
        area += (xs[j + 1] - xs[j]) * (ys[j + 1] + ys[j]) / 2.0
    area += (max_fpr - x0) * (y_at + y0) / 2.0
    min_area = 0.5 * max_fpr ** 2
    return 0.5 * (1 + (area - min_area) / (max_fpr - min_area)), ap_value


@kernel(nogil=True)
def _row_scores_block(truth, scores, max_fpr, auc, ap, lo, hi):
    m = scores.shape[1]
    order = np.empty(m, dtype=np.int64)
    xs = np.empty(m + 1, dtype=np.float64)
    ys = np.empty(m + 1, dtype=np.float64)
    for i in range(lo, hi):
        auc[i], ap[i] = _row_scores(truth[i], scores[i], order, max_fpr, xs, ys)


@kernel(parallel=True)
def _row_scores_parallel(truth, scores, max_fpr, auc, ap, n_blocks):
    n = scores.shape[0]
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        _row_scores_block(truth, scores, max_fpr, auc, ap, lo, hi)


def row_ranking_scores(truth, scores, max_fpr=None):
    """ROC AUC and average precision of each row of a multilabel target.

    ``truth`` (n, L) 0/1 indicators, ``scores`` (n, L) float32/float64 without
    NaN. Returns ``(auc, ap)`` float64 arrays of shape (n,): the AUC is NaN
    for a row holding one class and McClish's standardized partial AUC when
    ``0 < max_fpr < 1``; the AP is 0 for a row without positives.
    """
    truth = np.ascontiguousarray(truth, dtype=np.int32)
    scores = np.ascontiguousarray(scores)
    n = scores.shape[0]
    auc = np.empty(n, dtype=np.float64)
    ap = np.empty(n, dtype=np.float64)
    mf = np.float64(-1.0 if max_fpr is None else max_fpr)
    nb = thread_blocks(n * scores.shape[1], PARALLEL_MIN_CELLS)
    if nb == 1:
        _row_scores_block(truth, scores, mf, auc, ap, 0, n)
    else:
        _row_scores_parallel(truth, scores, mf, auc, ap, nb)
    return auc, ap


@kernel(nogil=True)
def _rank_block(scores, codes, weights, sums, lo, hi):
    m = scores.shape[1]
    weighted = weights.shape[0] != 0
    order = np.empty(m, dtype=np.int64)
    for i in range(lo, hi):
        row = scores[i]
        _row_order(row, order)
        w = weights[i] if weighted else 1.0
        c = codes[i]
        j = 0
        while j < m:  # a group of equal scores: each is at rank (its group's end)
            v = row[order[j]]
            e = j
            while e < m and row[order[e]] == v:
                e += 1
            share = w / e
            for g in range(j, e):
                sums[c, order[g]] += share
            j = e


@kernel(parallel=True)
def _rank_parallel(scores, codes, weights, sums):
    n = scores.shape[0]
    n_blocks = sums.shape[0]
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        _rank_block(scores, codes, weights, sums[b], lo, hi)


def reciprocal_rank_sums(scores, codes, n_classes, weights=None):
    """Per class and column, the sum over that class's rows of ``w / rank``.

    ``rank`` of column ``j`` in row ``i`` is the number of columns scoring at
    least ``scores[i, j]`` (ties count against), so that ``1 / rank`` at the
    true class's column is the row's average precision with one positive.
    Returns (n_classes, K) float64.
    """
    scores, _, codes, weights, _ = prepared_matrix(scores, codes, weights)
    n, m = scores.shape
    nb = thread_blocks(n * m, PARALLEL_MIN_CELLS)
    sums = np.zeros((nb, n_classes, m), dtype=np.float64)
    if nb == 1:
        _rank_block(scores, codes, weights, sums[0], 0, n)
    else:
        _rank_parallel(scores, codes, weights, sums)
    return sums.sum(axis=0)

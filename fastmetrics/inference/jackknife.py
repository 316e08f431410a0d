"""Leave-one-out values of ranking metrics from their distinct-score tables, for BCa.

A distinct-score table (entries in descending score order, positives and
negatives per entry) gives every leave-one-row-out ROC AUC (DeLong's
placements) and average precision (prefix and suffix sums) in O(U): rows of
one entry and class are interchangeable. The bootstrap's table route groups
them by entry (:func:`auc_jackknife`, :func:`ap_jackknife`); the row plans
read each row's entry (:mod:`fastmetrics.inference.rows`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["auc_jackknife", "ap_jackknife", "auc_leave_one_out", "ap_leave_one_out"]


def auc_jackknife(pos: np.ndarray, neg: np.ndarray):
    """Leave-one-out ROC AUCs from DeLong's placement values, grouped by score and class
    (:func:`auc_leave_one_out` of each table entry)."""
    return _grouped(pos, neg, *auc_leave_one_out(pos, neg))


def ap_jackknife(pos: np.ndarray, neg: np.ndarray):
    """Leave-one-out average precisions in O(U), grouped by score and class
    (:func:`ap_leave_one_out` of each table entry)."""
    return _grouped(pos, neg, *ap_leave_one_out(pos, neg))


def _grouped(pos, neg, without_pos, without_neg):
    """Jackknife values and their row counts: one value per class of each entry with rows."""
    values = np.concatenate([without_pos[pos > 0], without_neg[neg > 0]])
    counts = np.concatenate([pos[pos > 0], neg[neg > 0]])
    keep = ~np.isnan(values)
    return values[keep], counts[keep]


def auc_leave_one_out(pos: np.ndarray, neg: np.ndarray):
    """The ROC AUC of a distinct-score table (entries in descending score order) without
    one positive, and without one negative, of each entry: two (U,) arrays, NaN where
    the removal leaves a class empty.

    Removing a positive scored at table entry u leaves ``(W - a10_u) / (2 (m-1) n)``
    with ``W`` twice the Mann-Whitney count and ``a10_u = 2 (negatives below) +
    (negatives level)`` (DeLong's placement); removing a negative,
    ``(W - a01_u) / (2 m (n-1))``.
    """
    pos = np.asarray(pos, dtype=np.float64)
    neg = np.asarray(neg, dtype=np.float64)
    m, n = float(pos.sum()), float(neg.sum())
    neg_below = n - np.cumsum(neg)
    pos_above = np.cumsum(pos) - pos
    a10 = 2 * neg_below + neg
    a01 = 2 * pos_above + pos
    twice = float(a10 @ pos)
    nan = np.full(pos.size, np.nan)
    without_pos = (twice - a10) / (2.0 * (m - 1) * n) if m > 1 and n > 0 else nan
    without_neg = (twice - a01) / (2.0 * m * (n - 1)) if n > 1 and m > 0 else nan
    return without_pos, without_neg


def ap_leave_one_out(pos: np.ndarray, neg: np.ndarray):
    """The average precision of a distinct-score table (descending score order) without
    one positive, and without one negative, of each entry: two (U,) arrays (NaN where
    no positive would be left).

    Removing one row at entry u lowers the running count (TP or FP) of every
    entry from u on by one. With ``T_v = p_v TP_v / (TP_v + FP_v)`` the AP
    terms, the sums after a removal are prefix sums of ``T`` before u plus
    suffix sums of the shifted terms from u on, both precomputed.
    """
    p = np.asarray(pos, dtype=np.float64)
    tp = np.cumsum(p)
    fp = np.cumsum(np.asarray(neg, dtype=np.float64))
    m = float(tp[-1]) if tp.size else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(p > 0, p * tp / (tp + fp), 0.0)
        # removing a positive at or before v: TP_v - 1 (a term is 0 when no positive is left)
        minus_tp = np.where((p > 0) & (tp > 1), p * (tp - 1) / (tp + fp - 1), 0.0)
        minus_fp = np.where(p > 0, p * tp / (tp + fp - 1), 0.0)
    before = np.concatenate([[0.0], np.cumsum(term)[:-1]])

    def suffix(x):
        return np.cumsum(x[::-1])[::-1]

    after_tp, after_fp = suffix(minus_tp), suffix(minus_fp)
    without_pos = np.full(p.size, np.nan)
    if m > 1:
        # entry u itself loses one of its p_u positives: (p_u - 1) (TP_u - 1) / (TP_u + FP_u - 1)
        own = (p - 1) * (tp - 1) / np.maximum(tp + fp - 1, 1)
        rest = after_tp - minus_tp
        without_pos = np.maximum(0.0, (before + own + rest) / (m - 1))
    without_neg = np.maximum(0.0, (before + after_fp) / m) if m > 0 else np.full(p.size, np.nan)
    return without_pos, without_neg

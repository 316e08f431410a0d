"""Numba kernels that finalize curve areas from a distinct-score table.

The table holds, per distinct score in descending order, the positive and
negative amount (int64 counts or float64 weight sums). Areas need no curve
arrays: one pass over the table gives them, where building the ROC or PR arrays
first costs a dozen numpy passes over arrays as long as the data (most of the
time of a 10^7-row ROC AUC). Twins in ``kernels/reference.py``.
"""

from __future__ import annotations

import numpy as np

from . import _blocks, small_inputs
from ._blocks import kernel

__all__ = ["roc_auc_from_counts", "average_precision_from_counts", "pr_curve_from_counts",
           "roc_curve_from_counts"]


@kernel(nogil=True)
def _roc_area(pos, neg):
    # Trapezoids between consecutive ROC points: width neg_i, heights tps before
    # and after. Twice the area, so integer counts stay exact in int64.
    twice_area = pos.dtype.type(0)
    tps = pos.dtype.type(0)
    for i in range(pos.shape[0]):
        twice_area += neg[i] * (2 * tps + pos[i])
        tps += pos[i]
    return twice_area


def roc_auc_from_counts(pos, neg):
    """Area under the ROC curve from per-score positive/negative amounts.

    ``pos`` and ``neg`` run over distinct scores in descending order; both
    totals must be positive. Equal to the trapezoid over scikit-learn's ROC
    points (dropping collinear points does not change the area); exact in
    integer arithmetic for counts.
    """
    twice_area = _roc_area(pos, neg)
    return float(twice_area) / (2.0 * float(pos.sum()) * float(neg.sum()))


@kernel(nogil=True)
def _ap_sum(pos, neg, n_pos):
    total = 0.0
    tps = 0.0
    fps = 0.0
    for i in range(pos.shape[0]):
        tps += pos[i]
        fps += neg[i]
        if pos[i] != 0:
            total += (pos[i] / n_pos) * (tps / (tps + fps))
    return total


def average_precision_from_counts(pos, neg):
    """Average precision (the step sum) from per-score positive/negative amounts.

    ``sum_i (recall_i - recall_{i-1}) * precision_i`` over distinct scores in
    descending order; the positive total must be positive.
    """
    return max(0.0, float(_ap_sum(pos, neg, float(pos.sum()))))


@kernel(nogil=True)
def _pr_arrays(pos, neg, thresholds):
    m = pos.shape[0]
    precision = np.empty(m + 1)
    recall = np.empty(m + 1)
    out_thresholds = np.empty(m, thresholds.dtype)
    n_pos = 0
    for i in range(m):
        n_pos += pos[i]
    tps = 0
    fps = 0
    for i in range(m):  # descending scores, written from the end: recall decreasing
        tps += pos[i]
        fps += neg[i]
        j = m - 1 - i
        precision[j] = np.float64(tps) / np.float64(tps + fps)
        recall[j] = np.float64(tps) / np.float64(n_pos)
        out_thresholds[j] = thresholds[i]
    precision[m] = 1.0
    recall[m] = 0.0
    return precision, recall, out_thresholds


def pr_curve_from_counts(pos, neg, thresholds):
    """scikit-learn's ``precision_recall_curve`` arrays (no drop_intermediate).

    ``pos``/``neg`` are int64 counts per distinct score (descending, each score
    carried by at least one row, some positive row overall). The integer
    cumulative sums make the result bit-identical to scikit-learn's float64
    cumulative sums of 0/1 values.
    """
    if _blocks.is_small(pos.shape[0]):
        return small_inputs.pr_arrays(pos, neg, thresholds)
    return _pr_arrays(pos, neg, thresholds)


@kernel(nogil=True)
def _roc_arrays(pos, neg, thresholds):
    m = pos.shape[0]
    # A point between two others is dropped when both steps around it are the
    # same (collinear): scikit-learn's second differences of fps and tps.
    keep = np.ones(m, dtype=np.bool_)
    for i in range(1, m - 1):
        keep[i] = pos[i + 1] != pos[i] or neg[i + 1] != neg[i]
    k = 0
    for i in range(m):
        k += keep[i]
    fpr = np.empty(k + 1)
    tpr = np.empty(k + 1)
    out_thresholds = np.empty(k + 1)
    n_pos = 0
    n_neg = 0
    for i in range(m):
        n_pos += pos[i]
        n_neg += neg[i]
    fpr[0] = 0.0
    tpr[0] = 0.0
    out_thresholds[0] = np.inf
    tps = 0
    fps = 0
    j = 1
    for i in range(m):
        tps += pos[i]
        fps += neg[i]
        if keep[i]:
            fpr[j] = np.float64(fps) / np.float64(n_neg)
            tpr[j] = np.float64(tps) / np.float64(n_pos)
            out_thresholds[j] = thresholds[i]
            j += 1
    return fpr, tpr, out_thresholds


def roc_curve_from_counts(pos, neg, thresholds):
    """scikit-learn's ``roc_curve`` arrays with ``drop_intermediate=True``.

    Same contract as :func:`pr_curve_from_counts`, with both class totals
    positive; thresholds come back as float64 starting with ``inf``.
    """
    if pos.shape[0] <= 2:  # scikit-learn drops nothing from two points or fewer
        return _roc_arrays_all(pos, neg, thresholds)
    if _blocks.is_small(pos.shape[0]):
        return small_inputs.roc_arrays(pos, neg, thresholds)
    return _roc_arrays(pos, neg, thresholds)


def _roc_arrays_all(pos, neg, thresholds):
    tps = np.r_[0.0, np.cumsum(pos, dtype=np.float64)]
    fps = np.r_[0.0, np.cumsum(neg, dtype=np.float64)]
    return fps / fps[-1], tps / tps[-1], np.r_[np.inf, thresholds.astype(np.float64)]

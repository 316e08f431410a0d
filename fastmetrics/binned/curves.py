"""Curves and areas of a binned state: the finalizers of :class:`~fastmetrics.BinnedScoreState`.

The points of a binned curve are the exact curve's points at the fixed
thresholds; the areas come with bounds (the exact area lies between them).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._core.curves import check_max_fpr, descending, mcclish
from .._core.pipeline import is_multilabel_input
from ..exceptions import InputTypeError, LabelError, UndefinedMetricWarning, format_message
from ..kernels.cpu import curves as area_kernels
from .build import binned_score_state

__all__ = ['binned_roc_auc', 'binned_average_precision', 'binned_roc_auc_bound', 'binned_average_precision_bound']


def binned_state_of(y_true, y_score, thresholds, sample_weight, data, drop_nulls):
    """The one-column binned state of a binary curve."""
    for role, value in (("y_true", y_true), ("y_score", y_score)):
        if data is None and is_multilabel_input(value):
            raise InputTypeError(format_message(
                role, "is 2-D; this function takes one binary problem (1-D labels and "
                      "scores)", fix="Pass one column of scores"))
    state = binned_score_state(y_true, y_score, thresholds=thresholds,
                               sample_weight=sample_weight, data=data, drop_nulls=drop_nulls)
    return single_column(state, "y_score", fix="Pass one column of scores")


def binned_sums(state, pos_label):
    """Totals and the ``T`` threshold points, thresholds descending.

    Returns ``(fps, tps, n_neg, n_pos)``; the totals include the rows below
    every threshold, which no threshold predicts positive.
    """
    fps, tps, _ = state.curve_sums(pos_label)
    return fps[:-1], tps[:-1], fps[-1], tps[-1]


def binned_pr_curve(state, pos_label, stacklevel=4):
    """``precision_recall_curve`` at the thresholds of a :class:`BinnedScoreState`."""
    fps, tps, _, n_pos = binned_sums(state, pos_label)
    ps = tps + fps
    with np.errstate(divide="ignore", invalid="ignore"):
        # scikit-learn's 0 where no row is predicted positive (torchmetrics gives 1)
        precision = np.where(ps != 0, np.divide(tps, ps), 0.0)
    if n_pos == 0:
        warnings.warn("No positive class found in y_true, recall is set to one for all "
                      "thresholds.", UserWarning, stacklevel=stacklevel)
        recall = np.full(tps.shape, 1.0)
    else:
        recall = tps / n_pos
    return (np.concatenate((np.flip(precision), [1.0])),
            np.concatenate((np.flip(recall), [0.0])),
            state.thresholds.copy())


def binned_rates(state, pos_label, stacklevel=4):
    """(fpr, tpr) of the points ``+inf, t_{T-1}, ..., t_0, -inf``, with sklearn's warnings."""
    fps, tps, _ = state.curve_sums(pos_label)
    fps = np.r_[0.0, fps]
    tps = np.r_[0.0, tps]
    if fps[-1] <= 0:
        warnings.warn("No negative samples in y_true, false positive value should be "
                      "meaningless", UndefinedMetricWarning, stacklevel=stacklevel)
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        warnings.warn("No positive samples in y_true, true positive value should be "
                      "meaningless", UndefinedMetricWarning, stacklevel=stacklevel)
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr


def binned_roc_curve(state, pos_label):
    """``roc_curve`` at the thresholds of a :class:`BinnedScoreState`."""
    fpr, tpr = binned_rates(state, pos_label, stacklevel=5)
    # The -inf point (every row positive) is not a threshold of the curve.
    return fpr[:-1], tpr[:-1], np.r_[np.inf, state.thresholds[::-1]]


def binned_det_curve(state, pos_label):
    """``det_curve`` at the thresholds of a :class:`BinnedScoreState`."""
    if state.classes.size != 2:
        raise LabelError(format_message(
            "y_true", "Only one class is present in y_true. Detection error tradeoff curve "
                      "is not defined in that case", fix="Pass rows of both classes"))
    fps, tps, n_neg, n_pos = binned_sums(state, pos_label)
    # Thresholds increasing, then +inf (no row positive: fpr 0, fnr 1) as
    # scikit-learn's orientation; every threshold is kept.
    return (np.r_[np.flip(fps), 0.0] / n_neg, np.r_[np.flip(n_pos - tps), n_pos] / n_pos,
            np.r_[state.thresholds, np.inf])


def binned_roc_auc(state, *, max_fpr=None, pos_label=None):
    """Area under the ROC curve of a :class:`~fastmetrics.BinnedScoreState`.

    The trapezoid through (0, 0), the points of the thresholds and (1, 1):
    the last point is "every row predicted positive", which the rows below
    the lowest threshold reach only there. Equivalently, the Mann-Whitney
    statistic in which two rows of the same bin count as a tie. When the
    thresholds include every distinct score it is the exact
    :func:`~fastmetrics.roc_auc_score`; otherwise
    :func:`binned_roc_auc_bound` bounds the difference.

    Parameters
    ----------
    state : BinnedScoreState
        One score column (see :meth:`~fastmetrics.BinnedScoreState.column`).
    max_fpr : float in (0, 1], optional
        Standardized partial AUC up to this false positive rate (McClish), as
        :func:`~fastmetrics.roc_auc_score`.
    pos_label : label, optional
        The positive class; by default the larger of the two labels, as
        scikit-learn's binary ROC AUC. A target with more classes needs it
        (one class against the rest).

    Returns
    -------
    float
        NaN with an :class:`~fastmetrics.UndefinedMetricWarning` when
        ``y_true`` holds one class.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y, s = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    >>> fm.binned_roc_auc(fm.binned_score_state(y, s, thresholds=[0.1, 0.35, 0.4, 0.8]))
    0.75
    >>> fm.binned_roc_auc(fm.binned_score_state(y, s, thresholds=[0.2, 0.5]))  # 0.35 ~ 0.4
    0.875
    """
    check_max_fpr(max_fpr)
    state = single_column(state)
    pos_label = auc_pos_label(state, pos_label)
    if pos_label is None:
        warnings.warn("Only one class is present in y_true. ROC AUC score is not defined in "
                      "that case.", UndefinedMetricWarning, stacklevel=2)
        return np.nan
    if max_fpr is None or max_fpr == 1:
        pos, neg = state.bin_amounts(pos_label)
        if pos.sum() > 0 and neg.sum() > 0:
            # bins from the top down are the distinct scores of the exact kernel
            return area_kernels.roc_auc_from_counts(descending(pos), descending(neg))
    fpr, tpr = binned_rates(state, pos_label, stacklevel=3)
    if max_fpr is None or max_fpr == 1:  # a zero-weight class: NaN with the warnings
        return float(np.trapezoid(tpr, fpr))
    return mcclish(fpr, tpr, max_fpr)


def binned_average_precision(state, *, pos_label=1):
    """Average precision (the step sum) of a :class:`~fastmetrics.BinnedScoreState`.

    scikit-learn's ``sum_i (R_i - R_{i+1}) * P_i`` over the points of the
    thresholds plus the point "every row predicted positive" (recall 1), so
    that the rows below the lowest threshold count too (the binned PR curve
    of :func:`~fastmetrics.precision_recall_curve` ends at the lowest
    threshold; the two agree whenever no score is below it, e.g. for
    ``thresholds=<count>`` on probabilities). When the thresholds include
    every distinct score it is the exact
    :func:`~fastmetrics.average_precision_score`; otherwise
    :func:`binned_average_precision_bound` bounds the difference.

    Parameters
    ----------
    state : BinnedScoreState
        One score column.
    pos_label : label, default=1

    Returns
    -------
    float

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y, s = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    >>> round(fm.binned_average_precision(fm.binned_score_state(y, s, thresholds=s)), 4)
    0.8333
    >>> round(fm.binned_average_precision(fm.binned_score_state(y, s, thresholds=[0.2, 0.5])), 4)
    0.8333
    """
    state = single_column(state)
    present = state.classes.tolist()
    if len(present) == 2 and pos_label not in present:
        raise LabelError(format_message(
            "pos_label", f"={pos_label!r} is not a valid label. It should be one of "
                         f"{present}"))
    pos, neg = state.bin_amounts(pos_label)
    if pos.sum() > 0:
        return area_kernels.average_precision_from_counts(descending(pos), descending(neg))
    precision, recall, _ = binned_pr_curve(state, pos_label, stacklevel=3)  # warns
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def binned_roc_auc_bound(state, *, pos_label=None):
    """The largest possible ``|binned_roc_auc(state) - roc_auc_score(rows)|``.

    Rows in different bins are ordered by their bins as by their scores; only
    the pairs (positive, negative) inside one bin, which the binned AUC counts
    as ties (1/2), may be ordered either way by the exact scores (0 or 1). So

        |binned - exact| <= sum_b pos_b * neg_b / (2 * P * N)

    (amounts are weight sums with weights), which is at most half the largest
    share of negatives (or of positives) in one bin. Equivalently, between
    two consecutive binned ROC points the exact curve stays in the rectangle
    they span, and the trapezoid is off by at most half its area. The bound
    is reached when every such pair is ordered the same way.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y, s = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    >>> fm.binned_roc_auc_bound(fm.binned_score_state(y, s, thresholds=[0.2, 0.5]))
    0.125
    """
    state = single_column(state)
    pos_label = auc_pos_label(state, pos_label)
    if pos_label is None:
        return np.nan
    pos, neg = state.bin_amounts(pos_label)
    pos, neg = pos.astype(np.float64), neg.astype(np.float64)
    total = 2.0 * pos.sum() * neg.sum()
    return float(np.dot(pos, neg) / total) if total > 0 else np.nan


def binned_average_precision_bound(state, *, pos_label=1):
    """The largest possible ``|binned_average_precision(state) - average_precision_score(rows)|``.

    Take a bin between two consecutive binned points A (higher threshold;
    ``tp_A``, ``fp_A``) and B (``tp_B``, ``fp_B``). The exact step sum weighs
    each recall step ``dtp / P`` inside the bin by the precision
    ``tp / (tp + fp)`` of its point, where ``fp_A <= fp <= fp_B`` and ``tp``
    runs from ``tp_A`` to ``tp_B``; the binned one weighs the bin's whole
    recall gain by B's precision ``p_B``. As ``x / (x + f)`` grows with
    ``x``, the exact part lies between

        lower = (1 / P) * integral from tp_A to tp_B of x / (x + fp_B) dx
              = ((tp_B - tp_A) - fp_B * log((tp_B + fp_B) / (tp_A + fp_B))) / P
        upper = (tp_B - tp_A) / P * tp_B / (tp_B + fp_A)

    and so ``|binned - exact| <= sum over bins of max(upper - binned_part,
    binned_part - lower)``. A bin of positives alone (``fp_A = fp_B``) can
    still be off, since exact precision grows along it; a bin holding both
    classes is off by up to its recall gain times the spread of its
    precision: thresholds that resolve the highest scores (where precision
    moves fastest) keep the bound small. The bound treats the recall inside a
    bin as continuous, so it is conservative (not 0) even for bins of a
    single row.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y, s = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    >>> state = fm.binned_score_state(y, s, thresholds=[0.2, 0.5])
    >>> round(fm.binned_average_precision_bound(state), 4)
    0.1667
    """
    state = single_column(state)
    pos, neg = state.bin_amounts(pos_label)
    pos, neg = descending(pos).astype(np.float64), descending(neg).astype(np.float64)
    n_pos = pos.sum()
    if n_pos <= 0:
        return 0.0  # both are 0
    tp_b, fp_b = np.cumsum(pos), np.cumsum(neg)
    tp_a, fp_a = tp_b - pos, fp_b - neg
    m = pos > 0  # bins that gain recall (B then has tp_B > 0)
    tp_a, tp_b, fp_a, fp_b, gain = tp_a[m], tp_b[m], fp_a[m], fp_b[m], pos[m]
    binned = gain * tp_b / (tp_b + fp_b)
    upper = gain * tp_b / (tp_b + fp_a)
    with np.errstate(divide="ignore", invalid="ignore"):
        # fp_B = 0: precision 1 all along the bin
        lower = gain - np.where(fp_b > 0, fp_b * np.log1p(gain / (tp_a + fp_b)), 0.0)
    return float(np.sum(np.maximum(upper - binned, binned - lower)) / n_pos)


def single_column(state, argument="state", fix="Select one with state.column(j)"):
    """``state`` if it holds one score column (one binary problem), else the error
    naming ``argument``."""
    if state.n_columns != 1:
        raise InputTypeError(format_message(
            argument, f"has {state.n_columns} score columns; this function takes one binary "
                      "problem", fix=fix))
    return state


def auc_pos_label(state, pos_label):
    """The positive class of ROC AUC: scikit-learn's larger label, or ``pos_label``.

    ``None`` when the target has a single class (the AUC is then undefined).
    """
    if pos_label is not None:
        return pos_label
    if state.classes.size > 2:
        raise LabelError(format_message(
            "y_true", f"has {state.classes.size} classes; the binned ROC AUC of a binary "
                      "target takes two", fix="Pass pos_label= for one class against the rest"))
    if state.classes.size != 2:
        return None
    return state.classes[1].item()

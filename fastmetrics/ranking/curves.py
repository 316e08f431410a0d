"""Threshold-swept curves of a binary target: PR, ROC and DET curves, exact or binned.

Exact curves start from a :class:`~fastmetrics.ScoreState` (distinct scores,
descending, with per-class counts), built in one sort. :func:`_curve_sums`
turns it into scikit-learn's ``(fps, tps, thresholds)`` of
``confusion_matrix_at_thresholds``; each finalizer then follows scikit-learn's
code step by step (drop_intermediate rules, the +inf threshold, the final
precision-1 point, warnings and NaN where scikit-learn gives them).

Binned curves (``thresholds=``) start from a
:class:`~fastmetrics.BinnedScoreState` (per-class histograms over fixed
thresholds, one O(n) pass, no sort) and give one point per threshold, always
the same number, so that curves of different runs line up. Each point is the
exact curve's point at that threshold. :func:`binned_roc_auc` and
:func:`binned_average_precision` are the areas under them, with
:func:`binned_roc_auc_bound` and :func:`binned_average_precision_bound`
saying how far from the exact areas they can be.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._core.labels import resolve_pos_label
from .._core.metric import common_params_doc, fill_doc, finalized_by
from ..binned.curves import (binned_det_curve, binned_pr_curve, binned_roc_curve,
                             binned_state_of, single_column)
from ..binned.state import BinnedScoreState
from ..exceptions import (InvalidInputError, InvalidParameterError, LabelError,
                          UndefinedMetricWarning, format_message)
from ..kernels.cpu import curves as area_kernels
from .build import score_state

__all__ = ['precision_recall_curve', 'roc_curve', 'det_curve']


_THRESHOLDS_DOC = """\
    thresholds : int or array-like of float, optional
        Binned mode: the curve at these thresholds only, from one O(n) pass
        into per-class histograms (no sort; see
        :func:`fastmetrics.binned_score_state`). An integer count means
        ``np.linspace(0, 1, count)`` and takes probabilities in [0, 1]; an
        array gives the thresholds (any finite values, sorted here). Every
        threshold gives a point, so curves of different runs line up;
        ``drop_intermediate`` is not applied. Scores are compared with the
        thresholds in float64, positive iff ``score >= threshold``."""


_DOCS = dict(common_params=common_params_doc("``y_true``, ``y_score``"),
             thresholds_param=_THRESHOLDS_DOC)


def positive_column(state, pos_label):
    """Per-score (positive, negative) amounts: weight sums if weighted, else counts."""
    source = state.class_weights if state.weighted else state.class_counts
    index = {v: i for i, v in enumerate(state.classes.tolist())}
    if pos_label not in index:
        return np.zeros_like(source[0]), source.sum(axis=0)
    pos = source[index[pos_label]]
    others = [i for i in range(source.shape[0]) if i != index[pos_label]]
    neg = source[others[0]] if len(others) == 1 else source[others].sum(axis=0)
    return pos, neg


def _curve_sums(state, pos_label):
    """``(fps, tps, thresholds)`` as scikit-learn's ``confusion_matrix_at_thresholds``.

    Of either state: a :class:`~fastmetrics.BinnedScoreState` gives its
    thresholds followed by ``-inf`` (see its ``curve_sums``), so that here too
    ``fps[-1]`` and ``tps[-1]`` are the class totals.
    """
    if isinstance(state, BinnedScoreState):
        return state.curve_sums(pos_label)
    pos, neg = positive_column(state, pos_label)
    thresholds = state.thresholds
    if state.weighted:
        if not np.any(pos + neg):
            raise InvalidInputError(format_message(
                "sample_weight", "sums to zero, so the curve is undefined",
                fix="Give at least one row a positive weight"))
        # scikit-learn drops zero-weight rows before sorting: a score carried only
        # by such rows is no threshold.
        keep = (pos + neg) > 0
        pos, neg, thresholds = pos[keep], neg[keep], thresholds[keep]
    tps = np.cumsum(pos, dtype=np.float64)
    fps = np.cumsum(neg, dtype=np.float64)
    return fps, tps, thresholds


def _check_drop_intermediate(drop_intermediate):
    if not isinstance(drop_intermediate, (bool, np.bool_)):
        raise InvalidParameterError(format_message(
            "drop_intermediate", f"must be True or False, got {drop_intermediate!r}"))


def _curve_state(y_true, y_score, thresholds, sample_weight, data, drop_nulls,
                 drop_intermediate):
    """The state a curve function reads: binned at ``thresholds`` when given (its
    curve keeps every threshold, so ``drop_intermediate`` is checked, not
    applied), else the exact distinct-score table."""
    _check_drop_intermediate(drop_intermediate)  # before the pass over the data
    if thresholds is not None:
        return binned_state_of(y_true, y_score, thresholds, sample_weight, data, drop_nulls)
    return score_state(y_true, y_score, sample_weight=sample_weight, data=data,
                       drop_nulls=drop_nulls)


def _tp_changes(tps):
    """Indices keeping the first and last point of each run of equal tps."""
    return np.where(np.r_[True, np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), True])[0]


def _pr_curve_from_state(state, *, pos_label=None, drop_intermediate=False):
    """``precision_recall_curve`` from a :class:`~fastmetrics.ScoreState` or a
    :class:`~fastmetrics.BinnedScoreState` (then ``drop_intermediate`` is not applied)."""
    _check_drop_intermediate(drop_intermediate)
    pos_label = resolve_pos_label(state.classes, pos_label, check_kind=False)
    if isinstance(state, BinnedScoreState):
        return binned_pr_curve(single_column(state), pos_label)
    if not state.weighted and not drop_intermediate:
        pos, neg = positive_column(state, pos_label)
        if pos.sum() > 0:  # the common case, in one pass over the table
            return area_kernels.pr_curve_from_counts(pos, neg, state.thresholds)
    fps, tps, thresholds = _curve_sums(state, pos_label)
    if drop_intermediate and fps.shape[0] > 2:
        keep = _tp_changes(tps)
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    ps = tps + fps
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(ps != 0, np.divide(tps, ps), 0.0)
    if tps[-1] == 0:
        warnings.warn("No positive class found in y_true, recall is set to one for all "
                      "thresholds.", UserWarning, stacklevel=3)
        recall = np.full(tps.shape, 1.0)
    else:
        recall = tps / tps[-1]
    return (np.concatenate((np.flip(precision), [1.0])),
            np.concatenate((np.flip(recall), [0.0])),
            np.flip(thresholds))


@finalized_by(_pr_curve_from_state)
@fill_doc(**_DOCS)
def precision_recall_curve(y_true, y_score, *, pos_label=None, sample_weight=None,
                           drop_intermediate=False, thresholds=None, data=None,
                           drop_nulls=False):
    """Precision-recall pairs at every distinct score (or given thresholds), as scikit-learn's.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        Binary labels; without ``pos_label`` they must be {0, 1} or {-1, 1}.
    y_score : array-like of shape (n_samples,) or column name
        Scores of the positive class (finite).
    pos_label : int, float, bool or str, optional
        The positive class (1 by default for {0, 1} and {-1, 1} targets).
    sample_weight : array-like of shape (n_samples,), optional
    drop_intermediate : bool, default=False
        Drop thresholds that do not change recall (all but the first and last
        point of each vertical run).
%(thresholds_param)s
%(common_params)s

    Returns
    -------
    precision : ndarray of shape (n_thresholds + 1,)
        Ends with 1. In binned mode, 0 at thresholds above every score (no
        row predicted positive), as scikit-learn's code gives for 0/0
        (torchmetrics gives 1 there).
    recall : ndarray of shape (n_thresholds + 1,)
        Decreasing, ends with 0. In binned mode over all rows, also those
        below the lowest threshold.
    thresholds : ndarray of shape (n_thresholds,)
        Increasing distinct scores, in the scores' dtype; in binned mode the
        given thresholds, sorted, as float64.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> p, r, t = fm.precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> p.round(3).tolist(), r.tolist(), t.tolist()
    ([0.5, 0.667, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0], [0.1, 0.35, 0.4, 0.8])

    Binned at five thresholds:

    >>> p, r, t = fm.precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], thresholds=5)
    >>> p.round(3).tolist(), r.tolist(), t.tolist()
    ([0.5, 0.667, 1.0, 1.0, 0.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0, 0.0], [0.0, 0.25, 0.5, 0.75, 1.0])
    """
    state = _curve_state(y_true, y_score, thresholds, sample_weight, data, drop_nulls,
                         drop_intermediate)
    return _pr_curve_from_state(state, pos_label=pos_label,
                                drop_intermediate=drop_intermediate)


def _roc_curve_from_state(state, *, pos_label=None, drop_intermediate=True):
    """``roc_curve`` from a :class:`~fastmetrics.ScoreState` or a
    :class:`~fastmetrics.BinnedScoreState` (then ``drop_intermediate`` is not applied)."""
    _check_drop_intermediate(drop_intermediate)
    pos_label = resolve_pos_label(state.classes, pos_label, check_kind=False)
    if isinstance(state, BinnedScoreState):
        return binned_roc_curve(single_column(state), pos_label)
    if not state.weighted and drop_intermediate:
        pos, neg = positive_column(state, pos_label)
        if pos.sum() > 0 and neg.sum() > 0:  # the common case, in one pass
            return area_kernels.roc_curve_from_counts(pos, neg, state.thresholds)
    fps, tps, thresholds = _curve_sums(state, pos_label)
    if drop_intermediate and fps.shape[0] > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    tps = np.r_[0.0, tps]
    fps = np.r_[0.0, fps]
    thresholds = np.r_[np.inf, thresholds.astype(np.float64)]
    if fps[-1] <= 0:
        warnings.warn("No negative samples in y_true, false positive value should be "
                      "meaningless", UndefinedMetricWarning, stacklevel=3)
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        warnings.warn("No positive samples in y_true, true positive value should be "
                      "meaningless", UndefinedMetricWarning, stacklevel=3)
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thresholds


@finalized_by(_roc_curve_from_state)
@fill_doc(**_DOCS)
def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True,
              thresholds=None, data=None, drop_nulls=False):
    """Receiver operating characteristic curve, as :func:`sklearn.metrics.roc_curve`.

    Parameters
    ----------
    y_true, y_score, pos_label, sample_weight
        As for :func:`precision_recall_curve`.
    drop_intermediate : bool, default=True
        Drop thresholds of collinear points, which do not change the plot or
        the area. Not applied in binned mode (whatever its value: the
        default is ``True``).
%(thresholds_param)s
%(common_params)s

    Returns
    -------
    fpr, tpr : ndarray
        Increasing rates, starting at 0 (threshold +inf). In binned mode the
        rates are over all rows, so the last point (the lowest threshold) is
        (1, 1) only if no score is below it.
    thresholds : ndarray of float64
        Decreasing; the first is ``inf`` (in binned mode followed by the
        given thresholds).

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fpr, tpr, thr = fm.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr.tolist(), tpr.tolist(), thr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0], [inf, 0.8, 0.4, 0.35, 0.1])
    >>> fpr, tpr, thr = fm.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], thresholds=[0.3, 0.5])
    >>> fpr.tolist(), tpr.tolist(), thr.tolist()
    ([0.0, 0.0, 0.5], [0.0, 0.5, 1.0], [inf, 0.5, 0.3])
    """
    state = _curve_state(y_true, y_score, thresholds, sample_weight, data, drop_nulls,
                         drop_intermediate)
    return _roc_curve_from_state(state, pos_label=pos_label,
                                 drop_intermediate=drop_intermediate)


def _det_curve_from_state(state, *, pos_label=None, drop_intermediate=False):
    """``det_curve`` from a :class:`~fastmetrics.ScoreState` or a
    :class:`~fastmetrics.BinnedScoreState` (then ``drop_intermediate`` is not applied)."""
    _check_drop_intermediate(drop_intermediate)
    pos_label = resolve_pos_label(state.classes, pos_label, check_kind=False)
    if isinstance(state, BinnedScoreState):
        return binned_det_curve(single_column(state), pos_label)
    fps, tps, thresholds = _curve_sums(state, pos_label)
    tps = np.r_[0.0, tps]
    fps = np.r_[0.0, fps]
    thresholds = np.r_[np.inf, thresholds.astype(np.float64)]
    if drop_intermediate and len(fps) > 2:
        keep = _tp_changes(tps)
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    if state.classes.size != 2:
        raise LabelError(format_message(
            "y_true", "Only one class is present in y_true. Detection error tradeoff curve "
                      "is not defined in that case", fix="Pass rows of both classes"))
    fns = tps[-1] - tps
    p_count = tps[-1]
    n_count = fps[-1]
    first = np.searchsorted(fps, fps[0], side="right")
    first_ind = first - 1 if first > 0 else None
    last_ind = np.searchsorted(tps, tps[-1]) + 1
    sl = slice(first_ind, last_ind)
    return np.flip(fps[sl]) / n_count, np.flip(fns[sl]) / p_count, np.flip(thresholds[sl])


@finalized_by(_det_curve_from_state)
@fill_doc(**_DOCS)
def det_curve(y_true, y_score, pos_label=None, sample_weight=None, drop_intermediate=False,
              *, thresholds=None, data=None, drop_nulls=False):
    """Detection error tradeoff curve (FPR vs FNR), as scikit-learn's.

    Parameters
    ----------
    y_true, y_score, pos_label, sample_weight
        As for :func:`precision_recall_curve`.
    drop_intermediate : bool, default=False
        Drop thresholds where the false negative rate does not change.
%(thresholds_param)s
%(common_params)s

    Returns
    -------
    fpr, fnr : ndarray
        Decreasing false positive rate, increasing false negative rate.
    thresholds : ndarray of float64
        Increasing. In binned mode the given thresholds followed by ``inf``
        (fpr 0, fnr 1), always: ``n_thresholds + 1`` points, none dropped.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fpr, fnr, thr = fm.det_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr.tolist(), fnr.tolist(), thr.tolist()
    ([0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.35, 0.4, 0.8])
    >>> fpr, fnr, thr = fm.det_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], thresholds=[0.3, 0.5])
    >>> fpr.tolist(), fnr.tolist(), thr.tolist()
    ([0.5, 0.0, 0.0], [0.0, 0.5, 1.0], [0.3, 0.5, inf])
    """
    state = _curve_state(y_true, y_score, thresholds, sample_weight, data, drop_nulls,
                         drop_intermediate)
    return _det_curve_from_state(state, pos_label=pos_label,
                                 drop_intermediate=drop_intermediate)



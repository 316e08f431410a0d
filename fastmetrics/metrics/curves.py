"""Exact threshold-swept curves of a binary target: PR, ROC and DET curves.

All of them start from a :class:`~fastmetrics.ScoreState` (distinct scores,
descending, with per-class counts), built in one sort. :func:`_curve_sums`
turns it into scikit-learn's ``(fps, tps, thresholds)`` of
``confusion_matrix_at_thresholds``; each finalizer then follows scikit-learn's
code step by step (drop_intermediate rules, the +inf threshold, the final
precision-1 point, warnings and NaN where scikit-learn gives them).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..build import score_state
from ..exceptions import (InvalidInputError, InvalidParameterError, LabelError,
                          UndefinedMetricWarning, format_message)
from ..kernels.cpu import curves as area_kernels
from ._common import fill_doc, finalized_by
from .confusion import _COMMON_PARAMS_DOC

__all__ = ["precision_recall_curve", "roc_curve", "det_curve"]

_DOCS = dict(common_params=_COMMON_PARAMS_DOC)
_BINARY_SETS = ({0, 1}, {-1, 1}, {0}, {-1}, {1})


def _resolve_pos_label(state, pos_label):
    """scikit-learn's ``_check_pos_label_consistency`` on the state's classes."""
    if pos_label is not None:
        return pos_label
    classes = state.classes
    if classes.dtype.kind in "OUS" or set(classes.tolist()) not in _BINARY_SETS:
        shown = ", ".join(repr(c) for c in classes.tolist())
        raise LabelError(format_message(
            "pos_label", f"is not specified and y_true takes value in {{{shown}}}",
            fix="Either make y_true take value in {0, 1} or {-1, 1} or pass pos_label "
                "explicitly"))
    return 1


def _positive_column(state, pos_label):
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
    """``(fps, tps, thresholds)`` as scikit-learn's ``confusion_matrix_at_thresholds``."""
    pos, neg = _positive_column(state, pos_label)
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


def _tp_changes(tps):
    """Indices keeping the first and last point of each run of equal tps."""
    return np.where(np.r_[True, np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), True])[0]


# ---------------------------------------------------------------------------
# precision_recall_curve
# ---------------------------------------------------------------------------

def _pr_curve_from_state(state, *, pos_label=None, drop_intermediate=False):
    """``precision_recall_curve`` from a :class:`~fastmetrics.ScoreState`."""
    _check_drop_intermediate(drop_intermediate)
    pos_label = _resolve_pos_label(state, pos_label)
    if not state.weighted and not drop_intermediate:
        pos, neg = _positive_column(state, pos_label)
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
                           drop_intermediate=False, data=None, drop_nulls=False):
    """Precision-recall pairs at every distinct score, as scikit-learn's.

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
%(common_params)s

    Returns
    -------
    precision : ndarray of shape (n_thresholds + 1,)
        Ends with 1.
    recall : ndarray of shape (n_thresholds + 1,)
        Decreasing, ends with 0.
    thresholds : ndarray of shape (n_thresholds,)
        Increasing distinct scores, in the scores' dtype.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> p, r, t = fm.precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> p.round(3).tolist(), r.tolist(), t.tolist()
    ([0.5, 0.667, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0], [0.1, 0.35, 0.4, 0.8])
    """
    _check_drop_intermediate(drop_intermediate)
    state = score_state(y_true, y_score, sample_weight=sample_weight, data=data,
                        drop_nulls=drop_nulls)
    return _pr_curve_from_state(state, pos_label=pos_label,
                                drop_intermediate=drop_intermediate)


# ---------------------------------------------------------------------------
# roc_curve and det_curve
# ---------------------------------------------------------------------------

def _roc_curve_from_state(state, *, pos_label=None, drop_intermediate=True):
    """``roc_curve`` from a :class:`~fastmetrics.ScoreState`."""
    _check_drop_intermediate(drop_intermediate)
    pos_label = _resolve_pos_label(state, pos_label)
    if not state.weighted and drop_intermediate:
        pos, neg = _positive_column(state, pos_label)
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
              data=None, drop_nulls=False):
    """Receiver operating characteristic curve, as :func:`sklearn.metrics.roc_curve`.

    Parameters
    ----------
    y_true, y_score, pos_label, sample_weight
        As for :func:`precision_recall_curve`.
    drop_intermediate : bool, default=True
        Drop thresholds of collinear points, which do not change the plot or
        the area.
%(common_params)s

    Returns
    -------
    fpr, tpr : ndarray
        Increasing rates, starting at 0 (threshold +inf).
    thresholds : ndarray of float64
        Decreasing; the first is ``inf``.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fpr, tpr, thr = fm.roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr.tolist(), tpr.tolist(), thr.tolist()
    ([0.0, 0.0, 0.5, 0.5, 1.0], [0.0, 0.5, 0.5, 1.0, 1.0], [inf, 0.8, 0.4, 0.35, 0.1])
    """
    _check_drop_intermediate(drop_intermediate)
    state = score_state(y_true, y_score, sample_weight=sample_weight, data=data,
                        drop_nulls=drop_nulls)
    return _roc_curve_from_state(state, pos_label=pos_label,
                                 drop_intermediate=drop_intermediate)


def _det_curve_from_state(state, *, pos_label=None, drop_intermediate=False):
    """``det_curve`` from a :class:`~fastmetrics.ScoreState`."""
    _check_drop_intermediate(drop_intermediate)
    pos_label = _resolve_pos_label(state, pos_label)
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
              *, data=None, drop_nulls=False):
    """Detection error tradeoff curve (FPR vs FNR), as scikit-learn's.

    Parameters
    ----------
    y_true, y_score, pos_label, sample_weight
        As for :func:`precision_recall_curve`.
    drop_intermediate : bool, default=False
        Drop thresholds where the false negative rate does not change.
%(common_params)s

    Returns
    -------
    fpr, fnr : ndarray
        Decreasing false positive rate, increasing false negative rate.
    thresholds : ndarray of float64

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fpr, fnr, thr = fm.det_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> fpr.tolist(), fnr.tolist(), thr.tolist()
    ([0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.35, 0.4, 0.8])
    """
    _check_drop_intermediate(drop_intermediate)
    state = score_state(y_true, y_score, sample_weight=sample_weight, data=data,
                        drop_nulls=drop_nulls)
    return _det_curve_from_state(state, pos_label=pos_label,
                                 drop_intermediate=drop_intermediate)

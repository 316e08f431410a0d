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

from ..binned import BinnedScoreState, binned_score_state
from ..build import is_multilabel_input, score_state
from ..exceptions import (InputTypeError, InvalidInputError, InvalidParameterError,
                          LabelError, UndefinedMetricWarning, format_message)
from ..kernels.cpu import curves as area_kernels
from ._common import fill_doc, finalized_by
from .confusion import _COMMON_PARAMS_DOC

__all__ = ["precision_recall_curve", "roc_curve", "det_curve", "binned_roc_auc",
           "binned_average_precision", "binned_roc_auc_bound",
           "binned_average_precision_bound"]

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

_DOCS = dict(common_params=_COMMON_PARAMS_DOC, thresholds_param=_THRESHOLDS_DOC)
_BINARY_SETS = ({0, 1}, {-1, 1}, {0}, {-1}, {1})


def _check_max_fpr(max_fpr):
    """``max_fpr`` of the (binned) ROC AUC: None or in (0, 1]."""
    if max_fpr is not None and not (isinstance(max_fpr, (int, float, np.floating))
                                    and not isinstance(max_fpr, bool) and 0 < max_fpr <= 1):
        raise InvalidParameterError(format_message(
            "max_fpr", f"must be in (0, 1] or None, got {max_fpr!r}"))


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
    """``(fps, tps, thresholds)`` as scikit-learn's ``confusion_matrix_at_thresholds``.

    Of either state: a :class:`~fastmetrics.BinnedScoreState` gives its
    thresholds followed by ``-inf`` (see its ``curve_sums``), so that here too
    ``fps[-1]`` and ``tps[-1]`` are the class totals.
    """
    if isinstance(state, BinnedScoreState):
        return state.curve_sums(pos_label)
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
# binned curves: one point per threshold of a BinnedScoreState
# ---------------------------------------------------------------------------

def _binned_state(y_true, y_score, thresholds, sample_weight, data, drop_nulls):
    """The one-column binned state of a binary curve."""
    for role, value in (("y_true", y_true), ("y_score", y_score)):
        if data is None and is_multilabel_input(value):
            raise InputTypeError(format_message(
                role, "is 2-D; this function takes one binary problem (1-D labels and "
                      "scores)", fix="Pass one column of scores"))
    state = binned_score_state(y_true, y_score, thresholds=thresholds,
                               sample_weight=sample_weight, data=data, drop_nulls=drop_nulls)
    if state.n_columns != 1:
        raise InputTypeError(format_message(
            "y_score", f"has {state.n_columns} columns; this function takes one binary "
                       "problem", fix="Pass one column of scores"))
    return state


def _binned_sums(state, pos_label):
    """Totals and the ``T`` threshold points, thresholds descending.

    Returns ``(fps, tps, n_neg, n_pos)``; the totals include the rows below
    every threshold, which no threshold predicts positive.
    """
    fps, tps, _ = state.curve_sums(pos_label)
    return fps[:-1], tps[:-1], fps[-1], tps[-1]


def _binned_pr_curve(state, pos_label, stacklevel=4):
    """``precision_recall_curve`` at the thresholds of a :class:`BinnedScoreState`."""
    fps, tps, _, n_pos = _binned_sums(state, pos_label)
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


def _binned_rates(state, pos_label, stacklevel=4):
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


def _binned_roc_curve(state, pos_label):
    """``roc_curve`` at the thresholds of a :class:`BinnedScoreState`."""
    fpr, tpr = _binned_rates(state, pos_label, stacklevel=5)
    # The -inf point (every row positive) is not a threshold of the curve.
    return fpr[:-1], tpr[:-1], np.r_[np.inf, state.thresholds[::-1]]


def _binned_det_curve(state, pos_label):
    """``det_curve`` at the thresholds of a :class:`BinnedScoreState`."""
    if state.classes.size != 2:
        raise LabelError(format_message(
            "y_true", "Only one class is present in y_true. Detection error tradeoff curve "
                      "is not defined in that case", fix="Pass rows of both classes"))
    fps, tps, n_neg, n_pos = _binned_sums(state, pos_label)
    # Thresholds increasing, then +inf (no row positive: fpr 0, fnr 1) as
    # scikit-learn's orientation; every threshold is kept.
    return (np.r_[np.flip(fps), 0.0] / n_neg, np.r_[np.flip(n_pos - tps), n_pos] / n_pos,
            np.r_[state.thresholds, np.inf])


def _one_column(state):
    if state.n_columns != 1:
        raise InputTypeError(format_message(
            "state", f"has {state.n_columns} score columns; this finalizer takes one binary "
                     "problem", fix="Select one with state.column(j)"))
    return state


# ---------------------------------------------------------------------------
# precision_recall_curve
# ---------------------------------------------------------------------------

def _pr_curve_from_state(state, *, pos_label=None, drop_intermediate=False):
    """``precision_recall_curve`` from a :class:`~fastmetrics.ScoreState` or a
    :class:`~fastmetrics.BinnedScoreState` (then ``drop_intermediate`` is not applied)."""
    _check_drop_intermediate(drop_intermediate)
    pos_label = _resolve_pos_label(state, pos_label)
    if isinstance(state, BinnedScoreState):
        return _binned_pr_curve(_one_column(state), pos_label)
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
    _check_drop_intermediate(drop_intermediate)
    if thresholds is not None:
        state = _binned_state(y_true, y_score, thresholds, sample_weight, data, drop_nulls)
        return _pr_curve_from_state(state, pos_label=pos_label)
    state = score_state(y_true, y_score, sample_weight=sample_weight, data=data,
                        drop_nulls=drop_nulls)
    return _pr_curve_from_state(state, pos_label=pos_label,
                                drop_intermediate=drop_intermediate)


# ---------------------------------------------------------------------------
# roc_curve and det_curve
# ---------------------------------------------------------------------------

def _roc_curve_from_state(state, *, pos_label=None, drop_intermediate=True):
    """``roc_curve`` from a :class:`~fastmetrics.ScoreState` or a
    :class:`~fastmetrics.BinnedScoreState` (then ``drop_intermediate`` is not applied)."""
    _check_drop_intermediate(drop_intermediate)
    pos_label = _resolve_pos_label(state, pos_label)
    if isinstance(state, BinnedScoreState):
        return _binned_roc_curve(_one_column(state), pos_label)
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
    _check_drop_intermediate(drop_intermediate)
    if thresholds is not None:
        state = _binned_state(y_true, y_score, thresholds, sample_weight, data, drop_nulls)
        return _roc_curve_from_state(state, pos_label=pos_label)
    state = score_state(y_true, y_score, sample_weight=sample_weight, data=data,
                        drop_nulls=drop_nulls)
    return _roc_curve_from_state(state, pos_label=pos_label,
                                 drop_intermediate=drop_intermediate)


def _det_curve_from_state(state, *, pos_label=None, drop_intermediate=False):
    """``det_curve`` from a :class:`~fastmetrics.ScoreState` or a
    :class:`~fastmetrics.BinnedScoreState` (then ``drop_intermediate`` is not applied)."""
    _check_drop_intermediate(drop_intermediate)
    pos_label = _resolve_pos_label(state, pos_label)
    if isinstance(state, BinnedScoreState):
        return _binned_det_curve(_one_column(state), pos_label)
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
    _check_drop_intermediate(drop_intermediate)
    if thresholds is not None:
        state = _binned_state(y_true, y_score, thresholds, sample_weight, data, drop_nulls)
        return _det_curve_from_state(state, pos_label=pos_label)
    state = score_state(y_true, y_score, sample_weight=sample_weight, data=data,
                        drop_nulls=drop_nulls)
    return _det_curve_from_state(state, pos_label=pos_label,
                                 drop_intermediate=drop_intermediate)


# ---------------------------------------------------------------------------
# areas under binned curves, and how far they can be from the exact areas
# ---------------------------------------------------------------------------

def _mcclish(fpr, tpr, max_fpr):
    """Standardized partial AUC up to ``max_fpr`` (McClish), as scikit-learn computes it."""
    stop = np.searchsorted(fpr, max_fpr, "right")
    if stop == 0:  # NaN rates: scikit-learn's auc() refuses the single point left
        raise InvalidInputError(format_message(
            "sample_weight", "leaves a class without weight, so the partial ROC AUC is "
                             "undefined", fix="Give rows of both classes a positive weight"))
    x_interp = [fpr[stop - 1], fpr[stop]]
    y_interp = [tpr[stop - 1], tpr[stop]]
    tpr = np.append(tpr[:stop], np.interp(max_fpr, x_interp, y_interp))
    fpr = np.append(fpr[:stop], max_fpr)
    partial_auc = float(np.trapezoid(tpr, fpr))
    # 0.5 for a non-discriminant model, 1 for a perfect one
    min_area = 0.5 * max_fpr ** 2
    max_area = max_fpr
    return 0.5 * (1 + (partial_auc - min_area) / (max_area - min_area))


def _auc_pos_label(state, pos_label):
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


def _descending(a):
    return np.ascontiguousarray(a[::-1])


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
    _check_max_fpr(max_fpr)
    state = _one_column(state)
    pos_label = _auc_pos_label(state, pos_label)
    if pos_label is None:
        warnings.warn("Only one class is present in y_true. ROC AUC score is not defined in "
                      "that case.", UndefinedMetricWarning, stacklevel=2)
        return np.nan
    if max_fpr is None or max_fpr == 1:
        pos, neg = state.bin_amounts(pos_label)
        if pos.sum() > 0 and neg.sum() > 0:
            # bins from the top down are the distinct scores of the exact kernel
            return area_kernels.roc_auc_from_counts(_descending(pos), _descending(neg))
    fpr, tpr = _binned_rates(state, pos_label, stacklevel=3)
    if max_fpr is None or max_fpr == 1:  # a zero-weight class: NaN with the warnings
        return float(np.trapezoid(tpr, fpr))
    return _mcclish(fpr, tpr, max_fpr)


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
    state = _one_column(state)
    present = state.classes.tolist()
    if len(present) == 2 and pos_label not in present:
        raise LabelError(format_message(
            "pos_label", f"={pos_label!r} is not a valid label. It should be one of "
                         f"{present}"))
    pos, neg = state.bin_amounts(pos_label)
    if pos.sum() > 0:
        return area_kernels.average_precision_from_counts(_descending(pos), _descending(neg))
    precision, recall, _ = _binned_pr_curve(state, pos_label, stacklevel=3)  # warns
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
    state = _one_column(state)
    pos_label = _auc_pos_label(state, pos_label)
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
    state = _one_column(state)
    pos, neg = state.bin_amounts(pos_label)
    pos, neg = _descending(pos).astype(np.float64), _descending(neg).astype(np.float64)
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

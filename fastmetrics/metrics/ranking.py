"""Ranking scores of a binary target: ROC AUC (with McClish's partial AUC) and
average precision.

Both are areas under the curves of :mod:`fastmetrics.metrics.curves` and start
from the same :class:`~fastmetrics.ScoreState`; the common case is computed in
one pass over the table of distinct scores without building the curve.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..build import score_state
from ..exceptions import (InvalidParameterError, LabelError, UndefinedMetricWarning,
                          format_message)
from ..kernels.cpu import curves as area_kernels
from ._common import fill_doc, finalized_by
from .confusion import _COMMON_PARAMS_DOC
from .curves import _positive_column, _pr_curve_from_state, _roc_curve_from_state

__all__ = ["roc_auc_score", "average_precision_score"]

_DOCS = dict(common_params=_COMMON_PARAMS_DOC)


# ---------------------------------------------------------------------------
# scores: ROC AUC and average precision (binary)
# ---------------------------------------------------------------------------

def _check_max_fpr(max_fpr):
    if max_fpr is not None and not (isinstance(max_fpr, (int, float, np.floating))
                                    and not isinstance(max_fpr, bool) and 0 < max_fpr <= 1):
        raise InvalidParameterError(format_message(
            "max_fpr", f"must be in (0, 1] or None, got {max_fpr!r}"))


def _roc_auc_from_state(state, *, max_fpr=None):
    """Binary ``roc_auc_score`` from a :class:`~fastmetrics.ScoreState`."""
    _check_max_fpr(max_fpr)
    if state.classes.size != 2:
        warnings.warn("Only one class is present in y_true. ROC AUC score is not defined in "
                      "that case.", UndefinedMetricWarning, stacklevel=3)
        return np.nan
    # scikit-learn binarizes y_true with the larger label as the positive class.
    pos_label = state.classes[1].item()
    if max_fpr is None or max_fpr == 1:
        pos, neg = _positive_column(state, pos_label)
        if pos.sum() > 0 and neg.sum() > 0:
            # One pass over the table; the ROC arrays are not needed for the area.
            return area_kernels.roc_auc_from_counts(pos, neg)
    fpr, tpr, _ = _roc_curve_from_state(state, pos_label=pos_label)
    if max_fpr is None or max_fpr == 1:  # a zero-weight class: sklearn's NaN and warnings
        return float(np.trapezoid(tpr, fpr))
    stop = np.searchsorted(fpr, max_fpr, "right")
    x_interp = [fpr[stop - 1], fpr[stop]]
    y_interp = [tpr[stop - 1], tpr[stop]]
    tpr = np.append(tpr[:stop], np.interp(max_fpr, x_interp, y_interp))
    fpr = np.append(fpr[:stop], max_fpr)
    partial_auc = float(np.trapezoid(tpr, fpr))
    # McClish correction: 0.5 for a non-discriminant model, 1 for a perfect one
    min_area = 0.5 * max_fpr ** 2
    max_area = max_fpr
    return 0.5 * (1 + (partial_auc - min_area) / (max_area - min_area))


@finalized_by(_roc_auc_from_state)
@fill_doc(**_DOCS)
def roc_auc_score(y_true, y_score, *, sample_weight=None, max_fpr=None, data=None,
                  drop_nulls=False):
    """Area under the ROC curve of a binary target, as scikit-learn's.

    The positive class is the larger label, as in scikit-learn. (Multiclass
    ``ovr``/``ovo`` and multilabel targets are not supported yet.)

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        Binary labels.
    y_score : array-like of shape (n_samples,) or column name
        Scores of the larger label.
    sample_weight : array-like of shape (n_samples,), optional
    max_fpr : float in (0, 1], optional
        Standardized partial AUC up to this false positive rate (McClish).
%(common_params)s

    Returns
    -------
    auc : float
        NaN with an :class:`~fastmetrics.UndefinedMetricWarning` when ``y_true``
        holds one class.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    _check_max_fpr(max_fpr)
    state = score_state(y_true, y_score, sample_weight=sample_weight, data=data,
                        drop_nulls=drop_nulls)
    return _roc_auc_from_state(state, max_fpr=max_fpr)


def _average_precision_from_state(state, *, pos_label=1):
    """Binary ``average_precision_score`` from a :class:`~fastmetrics.ScoreState`."""
    present = state.classes.tolist()
    if len(present) == 2 and pos_label not in present:
        raise LabelError(format_message(
            "pos_label", f"={pos_label!r} is not a valid label. It should be one of "
                         f"{present}"))
    pos, neg = _positive_column(state, pos_label)
    if pos.sum() > 0:
        # The step sum (not the trapezoid), in one pass over the table.
        return area_kernels.average_precision_from_counts(pos, neg)
    precision, recall, _ = _pr_curve_from_state(state, pos_label=pos_label)  # warns
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


@finalized_by(_average_precision_from_state)
@fill_doc(**_DOCS)
def average_precision_score(y_true, y_score, *, pos_label=1, sample_weight=None, data=None,
                            drop_nulls=False):
    """Average precision (step-wise area under the PR curve) of a binary target.

    As :func:`sklearn.metrics.average_precision_score` for binary ``y_true``
    (multiclass and multilabel averaging are not supported yet).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
    y_score : array-like of shape (n_samples,) or column name
    pos_label : int, float, bool or str, default=1
    sample_weight : array-like of shape (n_samples,), optional
%(common_params)s

    Returns
    -------
    average_precision : float

    Examples
    --------
    >>> import fastmetrics as fm
    >>> round(fm.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    """
    state = score_state(y_true, y_score, sample_weight=sample_weight, data=data,
                        drop_nulls=drop_nulls)
    return _average_precision_from_state(state, pos_label=pos_label)

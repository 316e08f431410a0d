"""Whole-table agreement metrics: accuracy, balanced accuracy, MCC, Cohen's kappa,
Hamming loss and zero-one loss.

Each finalizer follows the formula of its scikit-learn twin term by term, so the
results agree to float64 rounding (exactly where sklearn's arithmetic is on
integer counts).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._core.metric import (COMMON_PARAMS_DOC, check_normalize_flag, check_unique_labels,
                            fill_doc, finalized_by, label_positions, require_rows,
                            require_single_label_target, weighted_total_is_zero)
from ..exceptions import (InvalidParameterError, LabelError, UndefinedMetricWarning,
                          format_message)
from .build import confusion_state, state_for
from .matrix import warn_if_single_label
from .state import MultilabelState
from .tables import (balanced_accuracy_values, count_ratio, kappa_values,
                     matthews_values)

__all__ = ['accuracy_score', 'balanced_accuracy_score', 'matthews_corrcoef', 'cohen_kappa_score', 'hamming_loss', 'zero_one_loss']


_DOCS = dict(common_params=COMMON_PARAMS_DOC)


def _correct_and_total(state):
    """Weight (or count) of exactly-right rows, and of all rows."""
    if isinstance(state, MultilabelState):
        _, fp, fn = state.sample_triples()
        per_key = state.sample_weight_sums if state.weighted else state.sample_counts
        exact = (fp == 0) & (fn == 0)
        return per_key[exact].sum(), per_key.sum()
    cm = state.totals()
    return np.trace(cm), cm.sum()


def _accuracy_from_state(state, *, normalize=True):
    """``accuracy_score`` from a state."""
    check_normalize_flag(normalize)
    require_rows(state)
    correct, total = _correct_and_total(state)
    if not normalize:
        return float(correct)
    weighted_total_is_zero(state)
    return float(count_ratio("accuracy", correct, total))


@finalized_by(_accuracy_from_state)
@fill_doc(**_DOCS)
def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None, threshold=None,
                   pos_label=1, data=None, drop_nulls=False):
    """Fraction (or number) of correct predictions, as scikit-learn's.

    For a multilabel target this is subset accuracy: a row counts only when
    every label is right.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels), or column names
    normalize : bool, default=True
        False returns the number (or total weight) of correct rows.
    sample_weight : array-like of shape (n_samples,), optional
    threshold : float, optional
        Binary targets: predict ``pos_label`` where ``y_pred >= threshold``.
    pos_label : default=1
%(common_params)s

    Returns
    -------
    score : float

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.accuracy_score([0, 1, 2, 3], [0, 2, 1, 3])
    0.5
    >>> fm.accuracy_score([0, 1, 2, 3], [0, 2, 1, 3], normalize=False)
    2.0
    """
    check_normalize_flag(normalize)
    state = state_for(y_true, y_pred, sample_weight=sample_weight, threshold=threshold,
                      pos_label=pos_label, data=data, drop_nulls=drop_nulls)
    return _accuracy_from_state(state, normalize=normalize)


def _balanced_accuracy_from_state(state, *, adjusted=False):
    """``balanced_accuracy_score`` from a state."""
    require_rows(state)
    require_single_label_target(state, "balanced_accuracy_score")
    cm = state.totals()
    warn_if_single_label(cm)
    score, dropped = balanced_accuracy_values(np.diag(cm)[None], cm.sum(axis=1)[None],
                                              adjusted)
    if dropped[0]:
        warnings.warn("y_pred contains classes not in y_true", UserWarning, stacklevel=3)
    return float(score[0])


@finalized_by(_balanced_accuracy_from_state)
@fill_doc(**_DOCS)
def balanced_accuracy_score(y_true, y_pred, *, sample_weight=None, adjusted=False,
                            threshold=None, pos_label=1, data=None, drop_nulls=False):
    """Mean recall over classes, as :func:`sklearn.metrics.balanced_accuracy_score`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or column names
    sample_weight : array-like of shape (n_samples,), optional
    adjusted : bool, default=False
        Rescale so that chance scores 0 and perfect scores 1.
    threshold, pos_label
        As for :func:`accuracy_score`.
%(common_params)s

    Returns
    -------
    balanced_accuracy : float

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.balanced_accuracy_score([0, 1, 0, 0, 1, 0], [0, 1, 0, 0, 0, 1])
    0.625
    """
    state = state_for(y_true, y_pred, sample_weight=sample_weight, threshold=threshold,
                      pos_label=pos_label, data=data, drop_nulls=drop_nulls,
                      multilabel_ok=False)
    return _balanced_accuracy_from_state(state, adjusted=adjusted)


def _matthews_from_state(state):
    """``matthews_corrcoef`` from a state."""
    require_rows(state)
    require_single_label_target(state, "matthews_corrcoef")
    C = state.totals()
    warn_if_single_label(C)
    t_sum = C.sum(axis=1, dtype=np.float64)
    p_sum = C.sum(axis=0, dtype=np.float64)
    n_correct = np.trace(C, dtype=np.float64)
    return float(matthews_values(t_sum[None], p_sum[None], np.array([n_correct]))[0])


@finalized_by(_matthews_from_state)
@fill_doc(**_DOCS)
def matthews_corrcoef(y_true, y_pred, *, sample_weight=None, threshold=None, pos_label=1,
                      data=None, drop_nulls=False):
    """Matthews correlation coefficient (multiclass R_K), as scikit-learn's.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or column names
    sample_weight : array-like of shape (n_samples,), optional
    threshold, pos_label
        As for :func:`accuracy_score`.
%(common_params)s

    Returns
    -------
    mcc : float
        In [-1, 1]; 0 when undefined (a constant column), as in scikit-learn.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> round(fm.matthews_corrcoef([1, 1, 1, 0], [1, 0, 1, 1]), 4)
    -0.3333
    """
    state = state_for(y_true, y_pred, sample_weight=sample_weight, threshold=threshold,
                      pos_label=pos_label, data=data, drop_nulls=drop_nulls,
                      multilabel_ok=False)
    return _matthews_from_state(state)


def check_kappa_params(weights, replace_undefined_by):
    if weights not in (None, "linear", "quadratic"):
        raise InvalidParameterError(format_message(
            "weights", f"must be None, 'linear' or 'quadratic', got {weights!r}"))
    ok = isinstance(replace_undefined_by, (int, float, np.floating)) and not isinstance(
        replace_undefined_by, bool) and (math.isnan(replace_undefined_by)
                                         or -1.0 <= replace_undefined_by <= 1.0)
    if not ok:
        raise InvalidParameterError(format_message(
            "replace_undefined_by", f"must be np.nan or a number in [-1, 1], got "
                                    f"{replace_undefined_by!r}"))


def _kappa_from_state(state, *, labels=None, weights=None, replace_undefined_by=np.nan):
    """``cohen_kappa_score`` from a state (``y1`` as true, ``y2`` as predicted)."""
    check_kappa_params(weights, replace_undefined_by)
    require_rows(state, "y1")
    require_single_label_target(state, "cohen_kappa_score")
    cm_all = state.totals()
    if labels is None:
        confusion = cm_all
    else:
        labels, pos = label_positions(labels, state.classes)
        true_present = state.counts.sum(axis=(0, 2)) > 0
        if labels.size == 0 or not any(p >= 0 and true_present[p] for p in pos.tolist()):
            raise LabelError(format_message(
                "labels", "At least one label in `labels` must be present in `y1` (even "
                          "though `cohen_kappa_score` is otherwise agnostic to the order of "
                          "`y1` and `y2`)"))
        check_unique_labels(labels)
        present = pos >= 0
        confusion = np.zeros((labels.size, labels.size), dtype=cm_all.dtype)
        confusion[np.ix_(present, present)] = cm_all[np.ix_(pos[present], pos[present])]
    warn_if_single_label(confusion)
    kappa, no_rows, one_label = kappa_values(confusion[None], weights)
    if no_rows[0]:
        warnings.warn(
            "`y2` contains no labels that are present in both `y1` and `labels`."
            "`cohen_kappa_score` is undefined and set to the value defined by "
            f"the `replace_undefined_by` param, which is set to {replace_undefined_by}.",
            UndefinedMetricWarning, stacklevel=3)
        return replace_undefined_by
    if one_label[0]:
        warnings.warn(
            "`y1`, `y2` and `labels` have only one label in common. "
            "`cohen_kappa_score` is undefined and set to the value defined by the "
            f"the `replace_undefined_by` param, which is set to {replace_undefined_by}.",
            UndefinedMetricWarning, stacklevel=3)
        return replace_undefined_by
    return float(kappa[0])


@finalized_by(_kappa_from_state)
@fill_doc(**_DOCS)
def cohen_kappa_score(y1, y2, *, labels=None, weights=None, sample_weight=None,
                      replace_undefined_by=np.nan, data=None, drop_nulls=False):
    """Cohen's kappa, agreement of two annotators, as scikit-learn's.

    Parameters
    ----------
    y1, y2 : array-like of shape (n_samples,) or column names
        Labels of the two annotators (or truth and prediction).
    labels : array-like, optional
        Labels to keep (rows with other labels are left out); at least one must
        occur in ``y1``.
    weights : {None, 'linear', 'quadratic'}
        Disagreement weights for ordinal labels (by position in the sorted
        labels).
    sample_weight : array-like of shape (n_samples,), optional
    replace_undefined_by : np.nan or float in [-1, 1], default=np.nan
        Value returned (with a warning) where kappa is 0/0.
%(common_params)s

    Returns
    -------
    kappa : float

    Examples
    --------
    >>> import fastmetrics as fm
    >>> round(fm.cohen_kappa_score([0, 1, 2, 2], [0, 2, 2, 2], weights="quadratic"), 4)
    0.8333
    """
    check_kappa_params(weights, replace_undefined_by)
    state = confusion_state(y1, y2, sample_weight=sample_weight, data=data,
                            drop_nulls=drop_nulls)
    return _kappa_from_state(state, labels=labels, weights=weights,
                             replace_undefined_by=replace_undefined_by)


def _hamming_from_state(state):
    """``hamming_loss`` from a state."""
    require_rows(state)
    weighted_total_is_zero(state)
    if isinstance(state, MultilabelState):
        source = state.weight_sums if state.weighted else state.counts
        n_differences = source[:, 0, 1].sum() + source[:, 1, 0].sum()
        n_rows = state.n_rows
        weight_average = (state.sample_weight_sums.sum() / n_rows) if state.weighted else 1.0
        return float(n_differences) / (n_rows * state.n_labels * weight_average)
    correct, total = _correct_and_total(state)
    return float(count_ratio("hamming", correct, total))


@finalized_by(_hamming_from_state)
@fill_doc(**_DOCS)
def hamming_loss(y_true, y_pred, *, sample_weight=None, threshold=None, pos_label=1,
                 data=None, drop_nulls=False):
    """Fraction of wrong labels, as :func:`sklearn.metrics.hamming_loss`.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels), or column names
    sample_weight : array-like of shape (n_samples,), optional
    threshold, pos_label
        As for :func:`accuracy_score`.
%(common_params)s

    Returns
    -------
    loss : float

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.hamming_loss([1, 2, 3, 4], [2, 2, 3, 4])
    0.25
    >>> import numpy as np
    >>> fm.hamming_loss(np.array([[0, 1], [1, 1]]), np.zeros((2, 2)))
    0.75
    """
    state = state_for(y_true, y_pred, sample_weight=sample_weight, threshold=threshold,
                      pos_label=pos_label, data=data, drop_nulls=drop_nulls)
    return _hamming_from_state(state)


def _zero_one_from_state(state, *, normalize=True):
    """``zero_one_loss`` from a state."""
    check_normalize_flag(normalize)
    require_rows(state)
    correct, total = _correct_and_total(state)
    if normalize:
        weighted_total_is_zero(state)
    return float(count_ratio("zero_one", correct, total, normalize))


@finalized_by(_zero_one_from_state)
@fill_doc(**_DOCS)
def zero_one_loss(y_true, y_pred, *, normalize=True, sample_weight=None, threshold=None,
                  pos_label=1, data=None, drop_nulls=False):
    """Fraction (or number) of misclassified rows, as scikit-learn's.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels), or column names
    normalize : bool, default=True
        False returns the number (or total weight) of misclassified rows.
    sample_weight : array-like of shape (n_samples,), optional
    threshold, pos_label
        As for :func:`accuracy_score`.
%(common_params)s

    Returns
    -------
    loss : float

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.zero_one_loss([1, 2, 3, 4], [2, 2, 3, 4])
    0.25
    """
    check_normalize_flag(normalize)
    state = state_for(y_true, y_pred, sample_weight=sample_weight, threshold=threshold,
                      pos_label=pos_label, data=data, drop_nulls=drop_nulls)
    return _zero_one_from_state(state, normalize=normalize)

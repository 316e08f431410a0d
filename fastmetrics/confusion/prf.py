"""Set-wise ratio metrics: precision, recall, F-beta, Jaccard, specificity, NPV.

All of them are ratios of per-label (tp, fp, fn, tn) sums followed by an
average; :func:`_setwise_scores` holds that shared path, following
scikit-learn's ``precision_recall_fscore_support`` and ``jaccard_score``
step by step (label selection, ``zero_division`` and its warnings, averaging).
``average="samples"`` on a multilabel target uses the state's table of
distinct per-row ``(tp, fp, fn)`` triples instead of the rows.
"""

from __future__ import annotations

import math
import warnings
from typing import Callable, NamedTuple

import numpy as np

from .._core.metric import (AVERAGE_OPTIONS, COMMON_PARAMS_DOC, check_average,
                            check_multilabel_labels, check_zero_division, fill_doc,
                            finalized_by, require_rows, warn_zero_division)
from ..exceptions import InvalidParameterError, LabelError, format_message
from .build import state_for
from .matrix import label_sums
from .state import MultilabelState
from .tables import prf_values, ratio_values

__all__ = ['precision_recall_fscore_support', 'precision_score', 'recall_score', 'f1_score', 'fbeta_score', 'jaccard_score', 'specificity_score', 'negative_predictive_value_score']


def _set_wise_labels(state, average, labels, pos_label):
    """scikit-learn's ``_check_set_wise_labels`` on a state."""
    check_average(average)
    y_type = state.target_type
    present = state.classes.tolist()
    if average == "binary":
        if y_type == "binary":
            if pos_label not in present and len(present) >= 2:
                raise LabelError(format_message(
                    "pos_label", f"={pos_label!r} is not a valid label. It should be one "
                                 f"of {present}"))
            return [pos_label]
        options = list(AVERAGE_OPTIONS)
        if y_type == "multiclass":
            options.remove("samples")
        raise InvalidParameterError(format_message(
            "average", f"Target is {y_type} but average='binary'. Please choose another "
                       f"average setting, one of {options}"))
    if pos_label not in (None, 1):
        warnings.warn(
            "Note that pos_label (set to %r) is ignored when average != 'binary' (got %r). "
            "You may use labels=[pos_label] to specify a single positive class."
            % (pos_label, average), UserWarning, stacklevel=4)
    return labels


def _samples_only_for_multilabel(state, average):
    if average == "samples" and not isinstance(state, MultilabelState):
        raise InvalidParameterError(format_message(
            "average", "Sample-based precision, recall, fscore is not meaningful outside "
                       "multilabel classification. See the accuracy_score instead"))


def check_beta(beta):
    if not isinstance(beta, (int, float, np.integer, np.floating)) or isinstance(beta, bool) \
            or not beta >= 0:
        raise InvalidParameterError(format_message(
            "beta", f"must be a non-negative real number, got {beta!r}"))


def _sample_sums(state: MultilabelState, labels):
    """Per distinct row triple: tp, fp, fn, tn and the row weight."""
    if labels is not None and not np.array_equal(np.sort(np.asarray(labels)),
                                                 np.arange(state.n_labels)):
        raise InvalidParameterError(format_message(
            "labels", "average='samples' with a subset of the label columns cannot be "
                      "computed from a state built on all columns",
            fix="Select the columns before building the state "
                "(the public metric functions do this for you)"))
    tp, fp, fn = state.sample_triples()
    tn = state.n_labels - tp - fp - fn
    return tp, fp, fn, tn


def _samples_average(values, state: MultilabelState) -> float:
    """``_nanaverage`` over rows, with per-row values held per distinct triple.

    A triple stands for ``sample_counts`` rows (of total weight
    ``sample_weight_sums``). As in scikit-learn, NaN rows are ignored, and
    all-zero weights fall back to the unweighted mean over rows.
    """
    values = np.asarray(values, dtype=np.float64)
    keep = ~np.isnan(values)
    if not keep.any():
        return math.nan
    v = values[keep]
    counts = state.sample_counts[keep].astype(np.float64)
    if state.weighted:
        w = state.sample_weight_sums[keep].astype(np.float64)
        if w.sum() != 0:
            return float(np.average(v, weights=w))
    return float(np.average(v, weights=counts))


#: (metric, modifier) of each component's zero-division warning, in scikit-learn's order.
_PRF_WARNINGS = (("precision", "predicted"), ("recall", "true"),
                 ("f-score", "true nor predicted"))


def _prfs_from_state(state, *, beta=1.0, labels=None, pos_label=1, average=None,
                     warn_for=("precision", "recall", "f-score"), zero_division="warn"):
    """``precision_recall_fscore_support`` from a state.

    The arithmetic is :func:`~fastmetrics.confusion.tables.prf_values` on a
    stack of one table, the code the bootstrap runs on its resampled tables;
    this function picks the labels and turns the 0/0 masks into warnings.
    """
    check_zero_division(zero_division)
    check_beta(beta)
    require_rows(state)
    labels = _set_wise_labels(state, average, labels, pos_label)
    _samples_only_for_multilabel(state, average)
    if average == "samples":
        # One entry per distinct row triple; the warnings speak of rows.
        tp, fp, fn, _ = _sample_sums(state, labels)
        scores = prf_values(tp[None], fp[None], fn[None], _every(tp), beta=beta,
                            average=None, zero_division=zero_division)
        _warn_zeros(scores.zeros, average, warn_for, zero_division, state.n_rows)
        return (_samples_average(scores.precision[0], state),
                _samples_average(scores.recall[0], state),
                _samples_average(scores.fscore[0], state), None)
    # average='binary': labels is [pos_label], which scikit-learn scores as absent
    # (0 and a warning) when the target has a single class of another type.
    tp, fp, fn, _ = label_sums(state, labels, strict=average != "binary")
    scores = prf_values(tp[None], fp[None], fn[None], _every(tp), beta=beta,
                        average=average, zero_division=zero_division)
    _warn_zeros(scores.zeros, average, warn_for, zero_division, scores.zeros[0].shape[1])
    if average is None:
        return scores.precision[0], scores.recall[0], scores.fscore[0], scores.true_sum[0]
    return (float(scores.precision[0]), float(scores.recall[0]), float(scores.fscore[0]),
            None)


def _every(per_label):
    """The (1, L) selection of one table: every label it scores enters the average."""
    return np.ones((1, per_label.shape[0]), dtype=bool)


def _warn_zeros(zeros, average, warn_for, zero_division, n_outputs):
    for zero, (metric, modifier) in zip(zeros, _PRF_WARNINGS):
        warn_zero_division(zero, metric, modifier, average, warn_for, zero_division, n_outputs)


def _state(y_true, y_pred, sample_weight, threshold, pos_label, data, drop_nulls, labels,
           average):
    """Build the state; for ``average='samples'`` with a column subset, select first."""
    if average == "samples" and labels is not None:
        y_true, y_pred = _select_columns(y_true, labels), _select_columns(y_pred, labels)
    return state_for(y_true, y_pred, sample_weight=sample_weight, threshold=threshold,
                     pos_label=pos_label, data=data, drop_nulls=drop_nulls)


def _select_columns(y, labels):
    import scipy.sparse as sp
    cols = check_multilabel_labels(labels)
    if sp.issparse(y):
        return y.tocsc()[:, cols]
    arr = np.asarray(y)
    if arr.ndim != 2:
        return y
    if cols.size and (cols.max() >= arr.shape[1] or cols.min() < 0):
        raise LabelError(format_message(
            "labels", f"All labels must be in [0, n labels) for multilabel targets. "
                      f"Got {cols.tolist()}"))
    return arr[:, cols]


_PRF_PARAMS = """    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or column name
        True labels, or a 2-D 0/1 indicator array for a multilabel target.
    y_pred : array-like, same shape, or column name
        Predicted labels (or scores of ``pos_label`` with ``threshold``).
    labels : array-like, optional
        Labels to include (and their order for ``average=None``). Labels
        present in the data may be left out; absent ones score 0 (with a
        warning) as in scikit-learn.
    pos_label : int, float, bool or str, default=1
        The class to report with ``average='binary'`` (and the positive class
        for ``threshold``).
    average : {'binary', 'micro', 'macro', 'weighted', 'samples'} or None
        None gives one score per label; 'binary' the score of ``pos_label``;
        'micro' pools the counts; 'macro' is the unweighted mean over labels;
        'weighted' weights by support; 'samples' averages over rows
        (multilabel only).
    sample_weight : array-like of shape (n_samples,) or column name, optional
    zero_division : {'warn', 0.0, 1.0, np.nan}, default='warn'
        Value where a ratio is 0/0; 'warn' gives 0.0 and an
        :class:`~fastmetrics.exceptions.UndefinedMetricWarning`.
    threshold : float, optional
        Binary targets: predict ``pos_label`` where ``y_pred >= threshold``.
""" + COMMON_PARAMS_DOC


_DOCS = dict(prf_params=_PRF_PARAMS,
             prf_params_jaccard=_PRF_PARAMS.replace("{'warn', 0.0, 1.0, np.nan}",
                                                    "{'warn', 0.0, 1.0}"))


@finalized_by(_prfs_from_state)
@fill_doc(**_DOCS)
def precision_recall_fscore_support(y_true, y_pred, *, beta=1.0, labels=None, pos_label=1,
                                    average=None, warn_for=("precision", "recall", "f-score"),
                                    sample_weight=None, zero_division="warn", threshold=None,
                                    data=None, drop_nulls=False):
    """Precision, recall, F-beta and support, as scikit-learn's function.

    Parameters
    ----------
    beta : float, default=1.0
        Weight of recall relative to precision.
%(prf_params)s
    warn_for : tuple of str
        Which metrics may warn about ``zero_division``.

    Returns
    -------
    precision, recall, fbeta_score : float or ndarray of shape (n_labels,)
    support : None or ndarray of shape (n_labels,)
        True rows (or weight) per label when ``average=None``.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> p, r, f, s = fm.precision_recall_fscore_support([0, 1, 2, 0], [0, 2, 2, 0],
    ...                                                 zero_division=0.0)
    >>> p.tolist(), s.tolist()
    ([1.0, 0.0, 0.5], [2, 1, 1])
    """
    check_average(average)
    check_zero_division(zero_division)
    check_beta(beta)
    state = _state(y_true, y_pred, sample_weight, threshold, pos_label, data, drop_nulls,
                   labels, average)
    if average == "samples":
        labels = None
    return _prfs_from_state(state, beta=beta, labels=labels, pos_label=pos_label,
                            average=average, warn_for=warn_for, zero_division=zero_division)


def _single(index, metric):
    """Finalizer of one component of ``precision_recall_fscore_support``."""
    def from_state(state, *, labels=None, pos_label=1, average="binary",
                   zero_division="warn", beta=1.0):
        return _prfs_from_state(state, beta=beta, labels=labels, pos_label=pos_label,
                                average=average, warn_for=(metric,),
                                zero_division=zero_division)[index]
    from_state.__doc__ = f"The {metric} metric from a state (see the public function)."
    return from_state


def _component(index, metric, y_true, y_pred, beta, labels, pos_label, average,
               sample_weight, zero_division, threshold, data, drop_nulls):
    check_average(average)
    check_zero_division(zero_division)
    check_beta(beta)
    state = _state(y_true, y_pred, sample_weight, threshold, pos_label, data, drop_nulls,
                   labels, average)
    if average == "samples":
        labels = None
    return _prfs_from_state(state, beta=beta, labels=labels, pos_label=pos_label,
                            average=average, warn_for=(metric,),
                            zero_division=zero_division)[index]


@finalized_by(_single(0, "precision"))
@fill_doc(**_DOCS)
def precision_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                    sample_weight=None, zero_division="warn", threshold=None, data=None,
                    drop_nulls=False):
    """Precision ``tp / (tp + fp)``, as :func:`sklearn.metrics.precision_score`.

    Parameters
    ----------
%(prf_params)s

    Returns
    -------
    precision : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.precision_score([0, 1, 1, 0, 1], [0, 1, 0, 1, 1])
    0.6666666666666666
    >>> fm.precision_score(["a", "b", "c"], ["a", "c", "c"], average="macro",
    ...                    zero_division=0.0)
    0.5
    """
    return _component(0, "precision", y_true, y_pred, 1.0, labels, pos_label, average,
                      sample_weight, zero_division, threshold, data, drop_nulls)


@finalized_by(_single(1, "recall"))
@fill_doc(**_DOCS)
def recall_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                 sample_weight=None, zero_division="warn", threshold=None, data=None,
                 drop_nulls=False):
    """Recall ``tp / (tp + fn)``, as :func:`sklearn.metrics.recall_score`.

    Parameters
    ----------
%(prf_params)s

    Returns
    -------
    recall : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.recall_score([0, 1, 1, 0, 1], [0, 1, 0, 1, 1])
    0.6666666666666666
    """
    return _component(1, "recall", y_true, y_pred, 1.0, labels, pos_label, average,
                      sample_weight, zero_division, threshold, data, drop_nulls)


@finalized_by(_single(2, "f-score"))
@fill_doc(**_DOCS)
def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
             sample_weight=None, zero_division="warn", threshold=None, data=None,
             drop_nulls=False):
    """F1 score, the harmonic mean of precision and recall, as scikit-learn's.

    Parameters
    ----------
%(prf_params)s

    Returns
    -------
    f1 : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.f1_score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], average="macro")
    0.26666666666666666
    """
    return _component(2, "f-score", y_true, y_pred, 1.0, labels, pos_label, average,
                      sample_weight, zero_division, threshold, data, drop_nulls)


@finalized_by(_single(2, "f-score"))
@fill_doc(**_DOCS)
def fbeta_score(y_true, y_pred, *, beta, labels=None, pos_label=1, average="binary",
                sample_weight=None, zero_division="warn", threshold=None, data=None,
                drop_nulls=False):
    """F-beta score, as :func:`sklearn.metrics.fbeta_score`.

    Parameters
    ----------
    beta : float
        Recall is ``beta`` times as important as precision.
%(prf_params)s

    Returns
    -------
    fbeta : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> import fastmetrics as fm
    >>> round(fm.fbeta_score([0, 1, 1, 0, 1], [0, 1, 0, 1, 1], beta=2), 4)
    0.6667
    """
    return _component(2, "f-score", y_true, y_pred, beta, labels, pos_label, average,
                      sample_weight, zero_division, threshold, data, drop_nulls)


class RatioMetric(NamedTuple):
    """A single-ratio metric: its parts as functions of per-label ``(tp, fp, fn, tn)``.

    ``name`` and ``modifier`` fill scikit-learn's zero-division warning;
    ``support`` weights ``average='weighted'``. The one-table finalizers and
    the bootstrap's batched route both read these.
    """

    name: str
    modifier: str
    numerator: Callable
    denominator: Callable
    support: Callable


def _support(tp, fp, fn, tn):
    return tp + fn


JACCARD = RatioMetric("jaccard", "true or predicted", lambda tp, fp, fn, tn: tp,
                      lambda tp, fp, fn, tn: tp + fp + fn, _support)
SPECIFICITY = RatioMetric("specificity", "negative", lambda tp, fp, fn, tn: tn,
                          lambda tp, fp, fn, tn: tn + fp, _support)
NEGATIVE_PREDICTIVE_VALUE = RatioMetric(
    "negative predictive value", "predicted negative", lambda tp, fp, fn, tn: tn,
    lambda tp, fp, fn, tn: tn + fn, _support)


def _ratio_score(state, ratio: RatioMetric, *, labels, pos_label, average, zero_division):
    """Shared path of single-ratio metrics (jaccard_score and the two sklearn lacks).

    The arithmetic is :func:`~fastmetrics.confusion.tables.ratio_values` on a
    stack of one table.
    """
    require_rows(state)
    labels = _set_wise_labels(state, average, labels, pos_label)
    _samples_only_for_multilabel(state, average)
    if average == "samples":
        sums = [s[None] for s in _sample_sums(state, labels)]
        value, zero = ratio_values(ratio.numerator(*sums), ratio.denominator(*sums), None,
                                   _every(sums[0][0]), average=None,
                                   zero_division=zero_division)
        warn_zero_division(zero, ratio.name, ratio.modifier, average, (ratio.name,), zero_division,
                           state.n_rows)
        return _samples_average(value[0], state)
    sums = [s[None] for s in label_sums(state, labels, strict=average != "binary")]
    value, zero = ratio_values(ratio.numerator(*sums), ratio.denominator(*sums), ratio.support(*sums),
                               _every(sums[0][0]), average=average,
                               zero_division=zero_division)
    warn_zero_division(zero, ratio.name, ratio.modifier, average, (ratio.name,), zero_division,
                       zero.shape[1])
    return value[0] if average is None else float(value[0])


def _jaccard_from_state(state, *, labels=None, pos_label=1, average="binary",
                        zero_division="warn"):
    """``jaccard_score`` from a state."""
    check_average(average)
    check_zero_division(zero_division, allow_nan=False)
    return _ratio_score(state, JACCARD, labels=labels, pos_label=pos_label, average=average,
                        zero_division=zero_division)


@finalized_by(_jaccard_from_state)
@fill_doc(**_DOCS)
def jaccard_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                  sample_weight=None, zero_division="warn", threshold=None, data=None,
                  drop_nulls=False):
    """Jaccard index ``tp / (tp + fp + fn)``, as :func:`sklearn.metrics.jaccard_score`.

    Parameters
    ----------
%(prf_params_jaccard)s

    Returns
    -------
    score : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.jaccard_score([0, 1, 1, 1], [1, 1, 0, 1])
    0.5
    """
    check_average(average)
    check_zero_division(zero_division, allow_nan=False)
    state = _state(y_true, y_pred, sample_weight, threshold, pos_label, data, drop_nulls,
                   labels, average)
    return _jaccard_from_state(state, labels=None if average == "samples" else labels,
                               pos_label=pos_label, average=average,
                               zero_division=zero_division)


def _specificity_from_state(state, *, labels=None, pos_label=1, average="binary",
                            zero_division="warn"):
    """``specificity_score`` from a state."""
    check_average(average)
    check_zero_division(zero_division)
    return _ratio_score(state, SPECIFICITY, labels=labels, pos_label=pos_label,
                        average=average, zero_division=zero_division)


@finalized_by(_specificity_from_state)
@fill_doc(**_DOCS)
def specificity_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary",
                      sample_weight=None, zero_division="warn", threshold=None, data=None,
                      drop_nulls=False):
    """Specificity (true negative rate) ``tn / (tn + fp)``; scikit-learn has none.

    For a binary target this equals ``recall_score`` of the negative class.
    Multiclass labels are scored one-vs-rest; averages follow
    :func:`precision_score` ('weighted' weights each label by its support, as
    imbalanced-learn's ``specificity_score`` does).

    Parameters
    ----------
%(prf_params)s

    Returns
    -------
    specificity : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.specificity_score([0, 0, 0, 1, 1], [0, 1, 0, 1, 1])
    0.6666666666666666
    """
    check_average(average)
    check_zero_division(zero_division)
    state = _state(y_true, y_pred, sample_weight, threshold, pos_label, data, drop_nulls,
                   labels, average)
    return _specificity_from_state(state, labels=None if average == "samples" else labels,
                                   pos_label=pos_label, average=average,
                                   zero_division=zero_division)


def _npv_from_state(state, *, labels=None, pos_label=1, average="binary",
                    zero_division="warn"):
    """``negative_predictive_value_score`` from a state."""
    check_average(average)
    check_zero_division(zero_division)
    return _ratio_score(state, NEGATIVE_PREDICTIVE_VALUE, labels=labels, pos_label=pos_label,
                        average=average, zero_division=zero_division)


@finalized_by(_npv_from_state)
@fill_doc(**_DOCS)
def negative_predictive_value_score(y_true, y_pred, *, labels=None, pos_label=1,
                                    average="binary", sample_weight=None,
                                    zero_division="warn", threshold=None, data=None,
                                    drop_nulls=False):
    """Negative predictive value ``tn / (tn + fn)``; scikit-learn has none.

    For a binary target this equals ``precision_score`` of the negative class.

    Parameters
    ----------
%(prf_params)s

    Returns
    -------
    npv : float or ndarray of shape (n_labels,)

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.negative_predictive_value_score([0, 0, 1, 1, 1], [0, 0, 0, 1, 1])
    0.6666666666666666
    """
    check_average(average)
    check_zero_division(zero_division)
    state = _state(y_true, y_pred, sample_weight, threshold, pos_label, data, drop_nulls,
                   labels, average)
    return _npv_from_state(state, labels=None if average == "samples" else labels,
                           pos_label=pos_label, average=average,
                           zero_division=zero_division)

"""Confidence intervals for proportions: Wilson score and Clopper-Pearson (exact).

Accuracy, precision, recall, specificity and negative predictive value are
each a count of successes out of a count of trials, read off the confusion
matrix: recall is ``tp`` successes out of ``tp + fn`` trials (the positive
rows), precision ``tp`` out of ``tp + fp`` (the rows predicted positive), and
so on. Treating the trials as independent draws, the successes are binomial
and the classical binomial intervals apply:

* **Wilson** (score) interval: the inversion of the score test; good coverage
  even for small counts and proportions near 0 or 1. The default.
* **Clopper-Pearson**: the inversion of two one-sided binomial tests, via
  beta quantiles; never covers less than the nominal level (it is
  conservative), and is exact in that sense.

Both match ``statsmodels.stats.proportion.proportion_confint`` with
``method="wilson"`` and ``method="beta"``.

Weighted rows are refused: a weighted proportion is not a binomial count, and
its interval needs another model (an effective sample size, or the
bootstrap).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..confusion.build import confusion_state
from ..exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                          InvalidParameterError, LabelError, format_message)
from .._core.metric import finalized_by
from ..confusion.agreement import accuracy_score
from ..confusion.matrix import label_sums
from ..confusion.prf import negative_predictive_value_score, precision_score, recall_score, specificity_score
from ..confusion.state import ConfusionState
from .._core.binomial import clopper_pearson_bounds, wilson_bounds
from .results import ConfidenceInterval, check_confidence_level

__all__ = ["wilson_interval", "clopper_pearson_interval", "proportion_interval"]

#: Proportions ``proportion_interval`` knows, with what they count.
_METRICS = {
    "accuracy": "correct rows out of all rows",
    "precision": "true positives out of the rows predicted positive",
    "recall": "true positives out of the positive rows",
    "specificity": "true negatives out of the negative rows",
    "npv": "true negatives out of the rows predicted negative",
}
_FUNCTIONS = {accuracy_score: "accuracy", precision_score: "precision",
              recall_score: "recall", specificity_score: "specificity",
              negative_predictive_value_score: "npv"}
_METHODS = {"wilson": "wilson", "clopper-pearson": "clopper-pearson",
            "clopper_pearson": "clopper-pearson", "exact": "clopper-pearson",
            "beta": "clopper-pearson"}


def _count(value, name: str) -> int:
    """A non-negative integer count (integral floats are accepted)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(format_message(
            name, f"must be a non-negative integer count, got {value!r}"))
    if isinstance(value, numbers.Integral):
        value = int(value)
    else:
        f = float(value)
        if not (math.isfinite(f) and f == math.floor(f)):
            raise InvalidParameterError(format_message(
                name, f"must be a non-negative integer count, got {value!r}",
                fix="Binomial intervals need counts; weighted proportions are not binomial"))
        value = int(f)
    if value < 0:
        raise InvalidParameterError(format_message(
            name, f"must be a non-negative integer count, got {value!r}"))
    return value


def _counts(successes, trials) -> tuple[int, int]:
    successes, trials = _count(successes, "successes"), _count(trials, "trials")
    if trials == 0:
        raise InvalidInputError(format_message(
            "trials", "is 0, so the proportion is undefined",
            fix="An interval needs at least one trial"))
    if successes > trials:
        raise InvalidParameterError(format_message(
            "successes", f"({successes}) exceeds trials ({trials})"))
    return successes, trials


def wilson_interval(successes, trials, *, confidence_level=0.95) -> ConfidenceInterval:
    """Wilson score interval for a binomial proportion ``successes / trials``.

    Parameters
    ----------
    successes : int
        Number of successes, ``0 <= successes <= trials``.
    trials : int
        Number of trials, at least 1.
    confidence_level : float, default=0.95
        Nominal coverage, strictly between 0 and 1.

    Returns
    -------
    ConfidenceInterval
        ``estimate`` is ``successes / trials``; ``method`` is ``"wilson"``.

    Notes
    -----
    With ``z`` the normal quantile of ``1 - (1 - confidence_level) / 2``,
    ``p = successes / trials`` and ``n = trials``, the interval is
    ``(p + z^2 / 2n +- z sqrt(p (1 - p) / n + z^2 / 4n^2)) / (1 + z^2 / n)``,
    clipped to [0, 1], and exactly 0 (1) at ``p = 0`` (``p = 1``). It matches
    ``statsmodels.stats.proportion.proportion_confint`` with
    ``method="wilson"`` (to float64 rounding).

    Examples
    --------
    >>> from fastmetrics.inference import wilson_interval
    >>> wilson_interval(8, 10)
    ConfidenceInterval(estimate=0.8, low=0.490162, high=0.943318, confidence_level=0.95, method='wilson')
    >>> wilson_interval(0, 20).low
    0.0
    """
    successes, trials = _counts(successes, trials)
    level = check_confidence_level(confidence_level)
    low, high = wilson_bounds(successes, trials, level)
    return ConfidenceInterval(successes / float(trials), float(low), float(high), level,
                              "wilson")


def clopper_pearson_interval(successes, trials, *, confidence_level=0.95) -> ConfidenceInterval:
    """Clopper-Pearson ("exact") interval for a binomial proportion.

    Parameters
    ----------
    successes : int
        Number of successes, ``0 <= successes <= trials``.
    trials : int
        Number of trials, at least 1.
    confidence_level : float, default=0.95
        Nominal coverage, strictly between 0 and 1.

    Returns
    -------
    ConfidenceInterval
        ``estimate`` is ``successes / trials``; ``method`` is
        ``"clopper-pearson"``.

    Notes
    -----
    With ``alpha = 1 - confidence_level``, ``x`` successes and ``n`` trials:
    ``low`` is the ``alpha / 2`` quantile of Beta(x, n - x + 1) (0 when
    ``x = 0``) and ``high`` the ``1 - alpha / 2`` quantile of
    Beta(x + 1, n - x) (1 when ``x = n``). The coverage is at least the
    nominal level for every true proportion. Matches
    ``statsmodels.stats.proportion.proportion_confint`` with ``method="beta"``.

    Examples
    --------
    >>> from fastmetrics.inference import clopper_pearson_interval
    >>> ci = clopper_pearson_interval(8, 10)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.4439, 0.9748)
    >>> clopper_pearson_interval(10, 10).high
    1.0
    """
    successes, trials = _counts(successes, trials)
    level = check_confidence_level(confidence_level)
    low, high = clopper_pearson_bounds(successes, trials, level)
    return ConfidenceInterval(successes / float(trials), float(low), float(high), level,
                              "clopper-pearson")


# ---------------------------------------------------------------------------
# intervals of confusion-matrix proportions
# ---------------------------------------------------------------------------

def _metric_name(metric) -> str:
    if isinstance(metric, str) and metric in _METRICS:
        return metric
    if callable(metric) and metric in _FUNCTIONS:
        return _FUNCTIONS[metric]
    raise InvalidParameterError(format_message(
        "metric", f"must be one of {list(_METRICS)} or the matching fastmetrics function "
                  f"(e.g. fastmetrics.recall_score), got {metric!r}"))


def _method_name(method) -> str:
    if isinstance(method, str) and method in _METHODS:
        return _METHODS[method]
    raise InvalidParameterError(format_message(
        "method", f"must be 'wilson' or 'clopper-pearson', got {method!r}"))


def _refuse_weights(argument: str):
    return InvalidParameterError(format_message(
        argument, "is not supported: a weighted proportion is not a binomial count, so "
                  "Wilson and Clopper-Pearson intervals do not apply to it",
        fix="Drop the weights, repeat rows for integer weights, or use a bootstrap "
            "interval"))


def _successes_and_trials(state: ConfusionState, metric: str, pos_label):
    """``(successes, trials)`` of ``metric`` from the state's int64 counts."""
    if state.n_rows == 0:
        raise EmptyInputError(format_message(
            "y_true", "is empty: no rows to evaluate", fix="Pass at least one row"))
    cm = state.counts.sum(axis=0)
    if metric == "accuracy":  # any number of classes: correct rows out of all rows
        return int(np.trace(cm)), int(cm.sum())
    present = state.classes.tolist()
    if len(present) > 2:
        raise LabelError(format_message(
            "y_true and y_pred", f"hold {len(present)} classes ({present[:5]}); the "
                                 f"{metric} interval takes a binary target",
            fix="Binarize the labels (e.g. y_true == pos_label), or use metric='accuracy'"))
    if len(present) == 2 and pos_label not in present:
        raise LabelError(format_message(
            "pos_label", f"={pos_label!r} is not a valid label. It should be one of {present}"))
    # Counts, not weight sums: label_sums on an unweighted state (its float64 quirk
    # for a zero trace only changes the dtype, never the integer values).
    tp, fp, fn, tn = (int(x[0]) for x in label_sums(state.total(), [pos_label], strict=False))
    successes, trials, undefined = {
        "precision": (tp, tp + fp, f"no row is predicted pos_label={pos_label!r}"),
        "recall": (tp, tp + fn, f"no row of y_true is pos_label={pos_label!r}"),
        "specificity": (tn, tn + fp, f"every row of y_true is pos_label={pos_label!r}"),
        "npv": (tn, tn + fn, f"every row is predicted pos_label={pos_label!r}"),
    }[metric]
    if trials == 0:
        raise InvalidInputError(format_message(
            "metric", f"{metric!r} is undefined on this data: {undefined}, so it counts "
                      f"{_METRICS[metric]} over 0 trials",
            fix="Check pos_label, or evaluate on data holding both classes"))
    return successes, trials


def _proportion_interval_from_state(state, metric, *, method="wilson", confidence_level=0.95,
                                    pos_label=1) -> ConfidenceInterval:
    """``proportion_interval`` from a :class:`~fastmetrics.ConfusionState`."""
    name = _metric_name(metric)
    method = _method_name(method)
    check_confidence_level(confidence_level)
    if not isinstance(state, ConfusionState):
        raise InputTypeError(format_message(
            "state", f"must be a ConfusionState (binary or multiclass labels), got "
                     f"{type(state).__name__}", fix="Build it with fastmetrics.confusion_state"))
    if state.weighted:
        raise _refuse_weights("state")
    successes, trials = _successes_and_trials(state, name, pos_label)
    make = wilson_interval if method == "wilson" else clopper_pearson_interval
    return make(successes, trials, confidence_level=confidence_level)


@finalized_by(_proportion_interval_from_state)
def proportion_interval(metric, y_true, y_pred, *, method="wilson", confidence_level=0.95,
                        pos_label=1, sample_weight=None, data=None,
                        drop_nulls=False) -> ConfidenceInterval:
    """Confidence interval for accuracy, precision, recall, specificity or NPV.

    Each of these metrics is a binomial proportion: ``successes`` out of
    ``trials`` counted in the confusion matrix (accuracy: correct rows out of
    all rows; precision: ``tp`` out of ``tp + fp``; recall: ``tp`` out of
    ``tp + fn``; specificity: ``tn`` out of ``tn + fp``; NPV: ``tn`` out of
    ``tn + fn``). The interval treats those trials as independent.

    Parameters
    ----------
    metric : {"accuracy", "precision", "recall", "specificity", "npv"} or function
        The proportion; the fastmetrics functions (``fm.accuracy_score``,
        ``fm.precision_score``, ``fm.recall_score``, ``fm.specificity_score``,
        ``fm.npv_score``) are accepted for their names.
    y_true, y_pred : array-like of shape (n_samples,) or column names
        True and predicted labels. A binary target (at most two classes),
        except for ``"accuracy"``, which takes any number of classes.
    method : {"wilson", "clopper-pearson"}, default="wilson"
        Wilson score interval, or the Clopper-Pearson exact interval (also
        spelled ``"exact"`` or ``"beta"``).
    confidence_level : float, default=0.95
        Nominal coverage, strictly between 0 and 1.
    pos_label : int, float, bool or str, default=1
        The positive class (ignored for ``"accuracy"``).
    sample_weight : None
        Must be None: weighted proportions are not binomial counts, and are
        refused with :class:`~fastmetrics.exceptions.InvalidParameterError`.
        (Rows with integer weights can be repeated instead.)
    data : table, DataFrame or path, optional
        Source of the columns named by ``y_true`` and ``y_pred``.
    drop_nulls : bool, default=False
        Drop rows holding a null (with a warning) instead of raising.

    Returns
    -------
    ConfidenceInterval
        ``estimate`` equals the fastmetrics (and scikit-learn) metric.

    Raises
    ------
    InvalidInputError
        The proportion has no trials (e.g. precision when nothing is predicted
        positive).
    LabelError
        More than two classes (except for accuracy), or a ``pos_label`` that is
        not one of the two classes.

    See Also
    --------
    wilson_interval, clopper_pearson_interval : the intervals from raw counts.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y_true = [1, 1, 1, 1, 0, 0, 0, 0, 1, 1]
    >>> y_pred = [1, 1, 1, 0, 0, 0, 1, 0, 1, 1]
    >>> fm.proportion_interval("recall", y_true, y_pred)
    ConfidenceInterval(estimate=0.833333, low=0.436497, high=0.969947, confidence_level=0.95, method='wilson')
    >>> ci = fm.proportion_interval(fm.precision_score, y_true, y_pred, method="clopper-pearson")
    >>> round(ci.estimate, 4), round(ci.low, 4), round(ci.high, 4)
    (0.8333, 0.3588, 0.9958)
    >>> state = fm.confusion_state(y_true, y_pred)
    >>> fm.proportion_interval.from_state(state, "accuracy").estimate
    0.8
    """
    # Cheap checks first: a bad parameter must not cost a pass over the data.
    _metric_name(metric)
    _method_name(method)
    check_confidence_level(confidence_level)
    if sample_weight is not None:
        raise _refuse_weights("sample_weight")
    state = confusion_state(y_true, y_pred, data=data, drop_nulls=drop_nulls)
    return _proportion_interval_from_state(state, metric, method=method,
                                           confidence_level=confidence_level,
                                           pos_label=pos_label)

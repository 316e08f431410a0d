""":func:`top_k_accuracy_score` and its finalizer.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .._core.metric import (check_normalize_flag, common_params_doc, fill_doc, finalized_by,
                             label_positions)
from ..exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                          InvalidParameterError, LabelError, UndefinedMetricWarning,
                          format_message)
from .build import top_k_state
from .state import TopKState

__all__ = ['top_k_accuracy_score']


COMMON_PARAMS_DOC = common_params_doc(
    "``y_true``", ", and ``y_score`` a column name (1-D scores or a fixed-size-list column) "
                  "or a list of column names (one per class, in the order of the classes)")


_DOCS = dict(common_params=COMMON_PARAMS_DOC)


def _check_k(k) -> int:
    if (not isinstance(k, numbers.Integral) or isinstance(k, (bool, np.bool_)) or k < 1):
        raise InvalidParameterError(format_message(
            "k", f"must be an integer >= 1, got {k!r}", fix="Pass for example k=5"))
    return int(k)


def _n_classes(state: TopKState) -> int:
    """scikit-learn's target-type and label checks; the number of classes."""
    labels = state.column_classes if state.labels_given else None
    shown = state.classes.tolist()[:10]
    multiclass = state.classes.size > 2 or (labels is not None and labels.size > 2)
    if state.one_d:
        if multiclass:
            raise InputTypeError(format_message(
                "y_score", f"is 1-D but the target is multiclass ({labels.size} labels "
                           "given)", fix="Pass one column of scores per class"))
        expected = 2
    else:
        expected = state.n_columns
        if not multiclass:
            raise InputTypeError(format_message(
                "y_score", f"is 2-D with {expected} columns but y_true is binary (classes "
                           f"{shown})",
                fix="Pass the scores of the positive class as a 1-D array, or, if y_true "
                    "does not show every class, pass labels="))
    if labels is not None:
        if labels.size != expected:
            raise LabelError(format_message(
                "labels", f"lists {labels.size} labels but y_score has scores of {expected} "
                          "classes", fix="Pass one label per score column"))
        return expected
    if state.classes.size != expected:
        raise LabelError(format_message(
            "y_true", f"has {state.classes.size} classes ({shown}) but y_score has scores of "
                      f"{expected} classes",
            fix="Pass labels= listing every class, in the order of the score columns"))
    return expected


def _top_k_from_state(state: TopKState, *, k=2, normalize=True) -> float:
    """``top_k_accuracy_score`` from a :class:`TopKState`."""
    k = _check_k(k)
    check_normalize_flag(normalize)
    if state.n_rows == 0:
        raise EmptyInputError(format_message(
            "y_true", "is empty: no rows to evaluate", fix="Pass at least one row"))
    n_classes = _n_classes(state)
    if k >= n_classes:
        warnings.warn(f"'k' ({k}) greater than or equal to 'n_classes' ({n_classes}) will "
                      "result in a perfect score and is therefore meaningless.",
                      UndefinedMetricWarning, stacklevel=3)
    amounts = state.amounts()
    if state.one_d:
        total = amounts[:, :2].sum()
        if k >= 2:
            hits = total
        else:
            columns = state.column_classes if state.labels_given else state.classes
            # The second column class (the greater label) is the positive class.
            positive = label_positions(state.classes, columns, "y_true", strict=False)[1] == 1
            hit, miss = (0, 1) if state.in_unit_interval else (2, 3)
            hits = amounts[positive, hit].sum() + amounts[~positive, miss].sum()
    else:
        hits = amounts[:k].sum()
        total = amounts.sum()
    if not normalize:
        return float(hits)
    if total == 0:
        raise InvalidInputError(format_message(
            "sample_weight", "sums to zero, so the normalized score is undefined",
            fix="Give at least one row a positive weight, or pass normalize=False"))
    if state.weighted:
        return float(hits / total)
    return int(hits) / int(total)


@finalized_by(_top_k_from_state)
@fill_doc(**_DOCS)
def top_k_accuracy_score(y_true, y_score, *, k=2, normalize=True, sample_weight=None,
                         labels=None, data=None, drop_nulls=False):
    """Top-k accuracy: the fraction of rows whose true class is among the k best scored.

    As :func:`sklearn.metrics.top_k_accuracy_score`. Among equal scores the
    class with the larger column index ranks higher, as in scikit-learn.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes), or column name(s)
        Binary target: scores of the greater label (1-D); ``k=1`` predicts it
        where ``score > 0.5`` if every score is in [0, 1], else ``score > 0``.
        Multiclass: one column per class, in sorted label order or in the
        order of ``labels``. Finite values.
    k : int, default=2
        Number of highest-scored classes in which the true class must be.
    normalize : bool, default=True
        Return the fraction (weighted) of hits, else their number (sum of weights).
    sample_weight : array-like of shape (n_samples,) or column name, optional
        Non-negative weights.
    labels : array-like of shape (n_classes,), optional
        The classes of the score columns, unique and sorted; needed when
        ``y_true`` does not show every class.
%(common_params)s

    Returns
    -------
    score : float
        With ``normalize=False``, the count (or weight) of hits, as a float as
        in scikit-learn.

    Warns
    -----
    UndefinedMetricWarning
        When ``k >= n_classes``: every row is a hit.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y_true = [0, 1, 2, 2]
    >>> y_score = [[0.5, 0.2, 0.2], [0.3, 0.4, 0.2], [0.2, 0.4, 0.3], [0.7, 0.2, 0.1]]
    >>> fm.top_k_accuracy_score(y_true, y_score, k=2)
    0.75
    >>> fm.top_k_accuracy_score(y_true, y_score, k=2, normalize=False)
    3.0
    >>> fm.top_k_accuracy_score([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.6], k=1)
    0.5
    """
    _check_k(k)
    check_normalize_flag(normalize)
    state = top_k_state(y_true, y_score, sample_weight=sample_weight, labels=labels, data=data,
                        drop_nulls=drop_nulls)
    return _top_k_from_state(state, k=k, normalize=normalize)

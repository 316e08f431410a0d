"""Build a :class:`~fastmetrics.LossState`: per-class loss sums, one pass per batch.
"""

from __future__ import annotations

import numpy as np

from .._core.columns import Column, float_weights, probability_values, raise_invalid_probability
from .._core.labels import column_ranges, present_classes, sorted_labels
from .._core.pipeline import batch_column, is_multilabel_input, merge_batches, open_batches
from ..exceptions import InputTypeError, InvalidParameterError, format_message
from ..kernels.cpu import calibration as kernels
from .state import LossState

__all__ = ['loss_state']


def _count_losses(t: Column, p: Column, w: Column | None, labels, log, brier) -> LossState:
    """Loss state of one batch."""
    probs = probability_values(p, allow_2d=True)
    weights = float_weights(w)
    classes, array, lookup, offset = present_classes(t)
    k = max(classes.size, 1)
    if probs.ndim == 1:
        if brier:  # pos_label may name either class: fill both columns
            col_lo = np.zeros(k, dtype=np.int64)
            col_hi = np.ones(k, dtype=np.int64)
        else:  # the greater label is the positive class (LabelBinarizer)
            col_lo, col_hi = column_ranges(t, classes, array, lookup, offset, 2, labels)
        counts, wsums, lsums, bsums, first = kernels.binary_loss_sums(
            array, lookup, offset, k, probs, col_lo, col_hi, weights, log, brier)
        n_columns = 2
        unnormalized = False
    else:
        n_columns = probs.shape[1]
        col_lo, col_hi = column_ranges(t, classes, array, lookup, offset, n_columns, labels)
        counts, wsums, lsums, bsums, first, unnormalized_row = kernels.multiclass_loss_sums(
            array, lookup, offset, k, probs, col_lo, col_hi, weights, log, brier)
        unnormalized = unnormalized_row >= 0
    raise_invalid_probability(p, probs, first)
    columns = np.arange(n_columns)
    known = (columns >= col_lo[:, None]) & (columns <= col_hi[:, None])
    c = classes.size
    return LossState(classes, probs.ndim == 1, counts[:c],
                     None if wsums is None else wsums[:c],
                     None if lsums is None else lsums[:c],
                     None if bsums is None else bsums[:c], known, unnormalized)


def loss_state(y_true, y_proba, *, sample_weight=None, labels=None, log=True, brier=True,
               data=None, drop_nulls=False) -> LossState:
    """Sum the log loss and Brier terms of probabilistic predictions into a :class:`LossState`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels (any label type).
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes), or column name(s)
        Probabilities of the positive class (1-D), or of each class in sorted
        label order (2-D). With ``data=``, a list of column names makes the
        2-D array.
    sample_weight : array-like of shape (n_samples,) or column name, optional
    labels : array-like, optional
        All the classes, when ``y_true`` may not show every column's class:
        column ``j`` of 2-D probabilities is ``sorted(labels)[j]``.
    log, brier : bool, default=True
        Which sums to keep (each costs a little time per row).
    data, drop_nulls
        As for :func:`fastmetrics.confusion_state`.

    Returns
    -------
    LossState

    Examples
    --------
    >>> from fastmetrics.losses.build import loss_state
    >>> s = loss_state(["a", "b", "c"], [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8]])
    >>> s.classes.tolist(), s.counts.tolist()
    (['a', 'b', 'c'], [1, 1, 1])
    """
    for flag, value in (("log", log), ("brier", brier)):
        if not isinstance(value, (bool, np.bool_)):
            raise InvalidParameterError(format_message(
                flag, f"must be True or False, got {value!r}"))
    sorted_ = None if labels is None else sorted_labels(labels)
    roles = {"y_true": y_true, "y_proba": y_proba, "sample_weight": sample_weight}
    if data is None and is_multilabel_input(y_true):
        raise InputTypeError(format_message(
            "y_true", "is a 2-D indicator array; these losses take one label per row",
            fix="Pass 1-D labels (e.g. y.argmax(axis=1) for one-hot rows)"))
    _, names, batches = open_batches(roles, data, drop_nulls, two_d=frozenset({"y_proba"}))
    return merge_batches(batches, lambda batch: _count_losses(
        batch_column(batch, names, "y_true"), batch_column(batch, names, "y_proba"),
        batch_column(batch, names, "sample_weight"), sorted_, bool(log), bool(brier)),
        skip_empty=True)

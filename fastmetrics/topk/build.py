"""Build a :class:`~fastmetrics.TopKState`: each row's rank of its true class, one pass.
"""

from __future__ import annotations

import numpy as np

from .._core.columns import Column, float_values, float_weights, raise_nonfinite
from .._core.labels import (checked_sorted_labels, first_row_of, label_index, present_classes,
                            union_labels)
from .._core.metric import label_positions
from .._core.pipeline import batch_column, merge_batches, open_batches
from ..exceptions import InputTypeError, LabelError, format_message
from ..kernels.cpu import topk as kernels
from .state import TopKState, _Pending, _check_one_d_classes, _too_many_classes

__all__ = ['top_k_state']


def _scores(col: Column) -> np.ndarray:
    """The score column as a C-contiguous float32/float64 array, 1-D or (n, K >= 2)."""
    v = float_values(col)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]  # scikit-learn's column_or_1d
    if v.ndim == 2 and v.shape[1] == 0:
        raise InputTypeError(format_message(col.name, "has no columns",
                                            fix="Pass one column of scores per class"))
    return np.ascontiguousarray(v)


def _class_columns(t: Column, classes, array, lookup, offset, labels) -> np.ndarray:
    """Column of each present class within ``labels``; a class not listed is an error."""
    _, positions = label_positions(labels, classes, "labels")
    col_of = np.full(classes.size, -1, dtype=np.int64)
    listed = positions >= 0
    col_of[positions[listed]] = np.flatnonzero(listed)
    if (col_of < 0).any():
        c = int(np.flatnonzero(col_of < 0)[0])
        raise LabelError(format_message(
            t.name, f"holds {classes[c].item()!r}, which is not in labels="
                    f"{labels.tolist()[:10]}", row=first_row_of(t, array, lookup, offset, c),
            fix="List every class of y_true in labels="))
    return col_of


def _count_batch(t: Column, s: Column, w: Column | None, labels, known) -> TopKState:
    """State of one batch; ``known`` is the state of the batches before it."""
    scores = _scores(s)
    weights = float_weights(w)
    classes, array, lookup, offset = present_classes(t)
    given = labels is not None
    col_of = None if not given else _class_columns(t, classes, array, lookup, offset, labels)
    if scores.ndim == 1:
        _check_one_d_classes(classes)
        counts, sums, unit, bad = kernels.binary_counts(array, lookup, offset,
                                                        max(classes.size, 1), scores, weights)
        raise_nonfinite(s, bad)
        c = classes.size
        return TopKState(classes, 0, counts[:c], None if sums is None else sums[:c], labels,
                         given, unit)
    k = scores.shape[1]
    columns = labels
    if not given:
        seen = classes if known is None else union_labels(known.classes, classes, "y_true")
        if seen.size > k:
            raise _too_many_classes(seen.size, k)
        if seen.size == k:
            columns = seen
            col_of = label_index(classes, seen)
    if columns is not None:
        # Fused lookup: raw label -> score column (-1 for values no row holds).
        column_lookup = np.where(lookup >= 0, col_of[np.maximum(lookup, 0)], -1)
        counts, sums, bad = kernels.rank_counts(array, column_lookup, offset, scores, weights)
        raise_nonfinite(s, bad)
        return TopKState(classes, k, counts, sums, columns, given)
    # Columns not settled yet: check the scores now, count the rows later.
    _, _, bad = kernels.rank_counts(array, np.full(lookup.size, -1, np.int64), offset, scores)
    raise_nonfinite(s, bad)
    codes = lookup[np.asarray(array).astype(np.int64) - offset]
    return TopKState(classes, k, np.zeros(k, np.int64),
                     None if weights is None else np.zeros(k), None, False, True,
                     (_Pending(classes, codes, scores, weights),))


def top_k_state(y_true, y_score, *, sample_weight=None, labels=None, data=None,
                drop_nulls=False) -> TopKState:
    """Count the rank of each row's true class into a mergeable :class:`TopKState`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels (any label type).
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes), or column name(s)
        Scores of the positive class (1-D, binary target), or of each class
        (2-D), in sorted label order or in the order of ``labels``.
    sample_weight : array-like of shape (n_samples,) or column name, optional
    labels : array-like of shape (n_classes,), optional
        The class of each score column (unique and sorted), when ``y_true``
        may not show every class. It also lets every chunk of a stream be
        counted at once (see the module notes).
    data, drop_nulls
        As for :func:`fastmetrics.confusion_state`.

    Returns
    -------
    TopKState

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.top_k_state(["a", "c"], [[0.5, 0.3, 0.2], [0.6, 0.1, 0.3]],
    ...                    labels=["a", "b", "c"])
    >>> s.counts.tolist(), s.column_classes.tolist()
    ([1, 1, 0], ['a', 'b', 'c'])
    """
    labels = None if labels is None else checked_sorted_labels(labels)
    roles = {"y_true": y_true, "y_score": y_score, "sample_weight": sample_weight}
    _, names, batches = open_batches(roles, data, drop_nulls, two_d=frozenset({"y_score"}))
    return merge_batches(batches, lambda batch, known: _count_batch(
        batch_column(batch, names, "y_true"), batch_column(batch, names, "y_score"),
        batch_column(batch, names, "sample_weight"), labels, known),
        skip_empty=True, running=True)

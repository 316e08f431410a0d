"""Build states from the caller's inputs: validate -> coerce -> count -> merge.

:func:`confusion_state` and :func:`multilabel_state` are the one place where
inputs become states. Every public metric calls one of them and then its
finalizer (``metric.from_state``); streaming, distributed and bootstrap code
call them (or merge their results) directly.
"""

from __future__ import annotations

import numpy as np

from .. import _backend
from .._core import gpu as _gpu
from .._core.columns import (Column, check_weights, numeric_values, raise_nonfinite,
                             raise_not_indicator, weight_dtype, widen)
from .._core.labels import (check_label_kind, encode_columns, encode_groups, label_index,
                            spread_onto, union_labels, value_dtype)
from .._core.pipeline import (batch_column, is_multilabel_input, merge_batches, open_batches,
                              warn_dropped)
from ..exceptions import InputTypeError, InvalidParameterError, LabelError, format_message
from ..inputs import DictionaryChunk
from ..kernels.cpu import confusion as kernels
from .state import ConfusionState, MultilabelState

__all__ = ['confusion_state', 'multilabel_state', 'state_for']


def confusion_state(y_true, y_pred, *, sample_weight=None, groups=None, threshold=None,
                    pos_label=1, labels=None, data=None, drop_nulls=False) -> ConfusionState:
    """Count a binary or multiclass target into a mergeable :class:`ConfusionState`.

    Parameters
    ----------
    y_true, y_pred : array-like or column name
        True and predicted labels: numpy arrays or array-likes, pyarrow arrays,
        chunked arrays or record-batch readers, pandas or polars series, or
        column names of ``data``. With ``threshold`` given, ``y_pred`` holds
        scores of the positive class instead.
    sample_weight : array-like or column name, optional
        Non-negative finite weight per row.
    groups : array-like or column name, optional
        A group per row (e.g. language, region); the state then keeps one
        confusion matrix per group (see :meth:`ConfusionState.by_group`).
    threshold : float, optional
        Predict ``pos_label`` where ``y_pred >= threshold``, else the negative
        class, without building an intermediate array. The comparison is made in
        the precision of the scores, as NumPy does for a Python float.
    pos_label : int, float, bool or str, default=1
        The positive class for ``threshold``.
    labels : array-like, optional
        Used with ``threshold`` only: the two classes ``[negative, positive]``
        when ``y_true`` alone does not tell the negative class.
    data : table, DataFrame or path, optional
        Source of the columns named by the other arguments (see
        :func:`fastmetrics.confusion_matrix`).
    drop_nulls : bool, default=False
        Drop rows holding a null in any column (and warn how many) instead of
        raising :class:`~fastmetrics.exceptions.NullValueError`.

    Returns
    -------
    ConfusionState

    Examples
    --------
    >>> import fastmetrics as fm
    >>> state = fm.confusion_state(["cat", "dog", "dog"], ["cat", "cat", "dog"])
    >>> state.classes.tolist(), state.counts[0].tolist()
    (['cat', 'dog'], [[1, 0], [1, 1]])
    >>> fm.confusion_state([0, 1, 1], [0.2, 0.7, 0.4], threshold=0.5).counts[0].tolist()
    [[1, 0], [1, 1]]
    """
    if data is None and _backend.backend_of(y_true=y_true, y_pred=y_pred) == _backend.CUDA:
        # labels on a GPU are counted there; only the K x K counts come back
        _backend.refuse_options("confusion_state", sample_weight=sample_weight,
                                groups=groups, threshold=threshold)
        return ConfusionState(*_gpu.device_confusion_counts(y_true, y_pred))
    roles = {"y_true": y_true, "y_pred": y_pred, "sample_weight": sample_weight,
             "groups": groups}
    for role in ("y_true", "y_pred"):
        if is_multilabel_input(roles[role]) and data is None:
            raise InputTypeError(format_message(
                role, "is a 2-D indicator array (multilabel target)",
                fix="Use multilabel_state / multilabel_confusion_matrix, or pass 1-D labels"))
    given, names, batches = open_batches(roles, data, drop_nulls)
    if threshold is not None:
        return _thresholded_state(batches, names, threshold, pos_label, labels)
    return merge_batches(
        batches,
        lambda batch: count_pair(*(batch_column(batch, names, role)
                                   for role in ("y_true", "y_pred", "sample_weight", "groups"))),
        empty=lambda: ConfusionState.empty(weighted=sample_weight is not None,
                                           group_names=None if groups is None else []))


def _thresholded_state(batches, names, threshold, pos_label, labels) -> ConfusionState:
    """Accumulate (true class, score >= threshold) counts, then name the predictions."""
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise InvalidParameterError(format_message(
            "threshold", f"must be a real number, got {threshold!r}",
            fix="Pass a number such as threshold=0.5")) from None
    if threshold != threshold:
        raise InvalidParameterError(format_message(
            "threshold", "is NaN", fix="Pass a number such as threshold=0.5"))
    acc = None
    n_dropped = 0
    for batch in batches:
        n_dropped += batch.n_dropped
        part = _ThresholdCounts(*count_thresholded(
            batch_column(batch, names, "y_true"), batch_column(batch, names, "y_pred"), threshold,
            batch_column(batch, names, "sample_weight"), batch_column(batch, names, "groups")))
        acc = part if acc is None else acc.merge(part)
    warn_dropped(n_dropped)
    if acc is None:
        return ConfusionState.empty()
    return acc.name_predictions(names, pos_label, labels, n_dropped)


class _ThresholdCounts:
    """(group, true class, below/at-or-above threshold) counts of some batches.

    The predicted *labels* are only named once every batch has been seen (the
    negative class may appear in a later batch), so chunking never changes the
    answer.
    """

    def __init__(self, classes, counts, sums, groups):
        self.classes, self.counts, self.sums, self.groups = classes, counts, sums, groups

    def merge(self, other: "_ThresholdCounts") -> "_ThresholdCounts":
        classes = union_labels(self.classes, other.classes, "labels")
        groups = None if self.groups is None else union_labels(self.groups, other.groups,
                                                               "groups")
        parts = []
        for s in (self, other):
            arrays = [s.counts] + ([] if s.sums is None else [s.sums])
            arrays = [spread_onto(a, 1, label_index(s.classes, classes), classes.size)
                      for a in arrays]
            if groups is not None:
                arrays = [spread_onto(a, 0, label_index(s.groups, groups), groups.size)
                          for a in arrays]
            parts.append(arrays)
        sums = None if self.sums is None else parts[0][1] + parts[1][1]
        return _ThresholdCounts(classes, parts[0][0] + parts[1][0], sums, groups)

    def name_predictions(self, names, pos_label, labels, n_dropped) -> ConfusionState:
        """The labelled state: below -> negative class, at or above -> ``pos_label``."""
        listed = self.classes.tolist()
        check_label_kind("pos_label", pos_label, self.classes, names["y_true"])
        negative = _negative_class(listed, names, pos_label, labels)
        present = set(listed)
        if self.counts[..., 0].any():
            present.add(negative)
        if self.counts[..., 1].any():
            present.add(pos_label)
        classes = np.unique(np.array(sorted(present), dtype=self.classes.dtype
                                     if listed else None))
        index = {v: i for i, v in enumerate(classes.tolist())}
        rows = np.array([index[v] for v in listed], dtype=np.int64)

        def lay_out(src):
            out = np.zeros((src.shape[0], classes.size, classes.size), dtype=src.dtype)
            for column, label in ((0, negative), (1, pos_label)):
                if label in index:  # absent only when its column holds no row
                    out[:, rows, index[label]] += src[:, :, column]
            return out

        return ConfusionState(classes, lay_out(self.counts),
                              None if self.sums is None else lay_out(self.sums),
                              self.groups, n_dropped)


def _negative_class(listed, names, pos_label, labels):
    """The class predicted below the threshold."""
    if labels is not None:
        labels = list(np.asarray(labels).tolist())
        if len(labels) != 2 or pos_label not in labels:
            raise LabelError(format_message(
                "labels", f"must list exactly two classes including pos_label={pos_label!r} "
                          f"when threshold= is given, got {labels}",
                fix="Pass labels=[negative, positive]"))
        stray = [c for c in listed if c not in labels]
        if stray:
            raise LabelError(format_message(
                names["y_true"], f"holds {stray[0]!r}, which is not in labels={labels}",
                fix="With threshold= the target must be binary"))
        return labels[0] if labels[1] == pos_label else labels[1]
    others = [c for c in listed if c != pos_label]
    if len(others) > 1 or (len(listed) == 2 and pos_label not in listed):
        raise LabelError(format_message(
            names["y_true"], f"has classes {listed}; threshold= needs a binary target "
                             f"whose positive class is pos_label={pos_label!r}",
            fix="Pass pos_label= (one of the classes) or binarize y_true"))
    if others:
        return others[0]
    if isinstance(pos_label, (bool, np.bool_)):
        return not pos_label
    if pos_label in (0, 1):  # 0/1 targets: the other class is implied
        return 1 - pos_label
    raise LabelError(format_message(
        names["y_true"], f"does not show the negative class (classes {listed})",
        fix="Pass labels=[negative, positive] with threshold="))


def multilabel_state(y_true, y_pred, *, sample_weight=None, data=None,
                     drop_nulls=False) -> MultilabelState:
    """Count a multilabel indicator target into a mergeable :class:`MultilabelState`.

    Parameters
    ----------
    y_true, y_pred : 2-D array-like of 0/1, shape (n_samples, n_labels)
        numpy arrays, lists of lists, scipy sparse matrices, pyarrow
        fixed-size-list arrays, or pandas/polars DataFrames of indicator columns.
    sample_weight : array-like, optional
    data, drop_nulls
        As for :func:`confusion_state`.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.multilabel_state([[1, 0], [1, 1]], [[1, 1], [0, 1]])
    >>> s.counts.tolist()
    [[[0, 0], [1, 1]], [[0, 1], [0, 1]]]
    """
    roles = {"y_true": y_true, "y_pred": y_pred, "sample_weight": sample_weight}
    given, names, batches = open_batches(roles, data, drop_nulls,
                                     two_d=frozenset({"y_true", "y_pred"}))
    return merge_batches(batches, lambda batch: count_multilabel(
        *(batch_column(batch, names, role) for role in ("y_true", "y_pred", "sample_weight"))))


def state_for(y_true, y_pred, *, sample_weight=None, threshold=None, pos_label=1,
              data=None, drop_nulls=False, multilabel_ok=True):
    """The state a metric needs: multilabel for 2-D inputs, else confusion."""
    if is_multilabel_input(y_true) or is_multilabel_input(y_pred):
        if not multilabel_ok:
            raise InputTypeError(format_message(
                "y_true", "is a multilabel indicator array, which this metric does not "
                          "support", fix="Pass 1-D labels"))
        if threshold is not None:
            raise InputTypeError(format_message(
                "threshold", "is not supported for multilabel targets",
                fix="Threshold the indicator scores yourself"))
        return multilabel_state(y_true, y_pred, sample_weight=sample_weight, data=data,
                                drop_nulls=drop_nulls)
    return confusion_state(y_true, y_pred, sample_weight=sample_weight, threshold=threshold,
                           pos_label=pos_label, data=data, drop_nulls=drop_nulls)


def _compact(candidates, counts, sums, group_candidates):
    """Drop candidate labels (and groups) that no row carries."""
    per_class = counts.sum(axis=(0, 1)) + counts.sum(axis=(0, 2))
    keep = per_class > 0
    if not keep.all():
        counts = counts[:, keep][:, :, keep]
        sums = None if sums is None else sums[:, keep][:, :, keep]
        candidates = candidates[keep]
    return (candidates,) + _drop_empty_groups(counts, sums, group_candidates)


def _drop_empty_groups(counts, sums, group_candidates):
    """Drop groups that no row carries (a group's candidates come from a pass
    over its values, but a wide range may hold values that do not occur)."""
    if group_candidates is not None:
        keep = counts.sum(axis=(1, 2)) > 0
        if not keep.all():
            counts, group_candidates = counts[keep], group_candidates[keep]
            sums = None if sums is None else sums[keep]
    return counts, sums, group_candidates


def _binary_fast_path(t: np.ndarray, p: np.ndarray):
    """2x2 counts of 0/1 labels from vectorized sums, or None if not all 0/1."""
    n, st, sp, sb, bits, _ = kernels.binary_confusion_sums(t, p)
    if bits > 1:
        return None
    return np.array([[[n - st - sp + sb, sp - sb], [st - sb, sb]]], dtype=np.int64)


def count_pair(t: Column, p: Column, w: Column | None, g: Column | None) -> ConfusionState:
    """Confusion state of one batch of (y_true, y_pred[, weight][, group])."""
    weights = None if w is None else check_weights(w)
    tv, pv = t.values, p.values
    if (weights is None and g is None and not t.is_dictionary and not p.is_dictionary
            and tv.dtype.itemsize == 1 and pv.dtype.itemsize == 1
            and tv.dtype.kind in "biu" and pv.dtype.kind in "biu"):
        counts = _binary_fast_path(numeric_values(t), numeric_values(p))
        if counts is not None:
            classes = np.array([0, 1], dtype=value_dtype([t, p]))
            classes, counts, _, _ = _compact(classes, counts, None, None)
            return ConfusionState(classes, counts)
    candidates, [(ta, tl, to), (pa_, pl, po)] = encode_columns([t, p])
    group_candidates, ga, gl, go, n_groups = encode_groups(g)
    k = candidates.shape[0]
    if k == 0:
        return ConfusionState.empty(candidates, weighted=weights is not None,
                                    group_names=group_candidates)
    wdtype = None if weights is None else weight_dtype(weights)
    counts, sums, _ = kernels.confusion_counts(
        ta, pa_, tl, pl, to, po, k, weights=weights, groups=ga, group_lookup=gl,
        group_offset=go, n_groups=n_groups, weight_dtype=wdtype or np.float64)
    classes, counts, sums, group_candidates = _compact(candidates, counts, sums,
                                                       group_candidates)
    return ConfusionState(classes, counts, sums, group_candidates)


def count_thresholded(t: Column, scores: Column, threshold: float, w: Column | None,
                      g: Column | None):
    """Counts of (group, true class, score >= threshold) for one batch.

    Returns ``(true_classes, counts, sums, group_names)`` with counts of shape
    ``(G, K, 2)``: column 0 counts scores below the threshold, column 1 at or
    above it. The predicted *labels* are only decided once every batch has been
    seen (see :func:`fastmetrics.confusion_state`), so that chunking never
    changes the answer.
    """
    weights = None if w is None else check_weights(w)
    s = scores.values
    if isinstance(s, DictionaryChunk) or s.dtype.kind not in "iuf":
        raise InputTypeError(format_message(
            scores.name, "must hold numeric scores when threshold= is given",
            fix="Pass the score or probability of the positive class"))
    thr = s.dtype.type(threshold) if s.dtype.kind == "f" else float(threshold)
    if s.dtype.kind == "f" and s.dtype.itemsize > 8:
        # Numba has no long double: compare here, exactly, and count 1.0 >= 1.0 or
        # 0.0 >= 1.0 (NaN and infinity kept, so the kernel still names their row).
        s, thr = np.where(np.isfinite(s), s >= thr, s).astype(np.float64), 1.0
    s = widen(s)  # after rounding the threshold to the scores' own precision
    tv = t.values
    if (weights is None and g is None and not t.is_dictionary and tv.dtype.itemsize == 1
            and tv.dtype.kind in "biu"):
        n, st, sp, sb, bits, bad = kernels.binary_confusion_sums(numeric_values(t), s, thr)
        raise_nonfinite(scores, bad)
        if bits <= 1:
            counts = np.array([[[n - st - (sp - sb), sp - sb], [st - sb, sb]]], np.int64)
            classes = np.array([0, 1], dtype=value_dtype([t]))
            keep = counts[0].sum(axis=1) > 0
            return classes[keep], counts[:, keep], None, None
    candidates, [(ta, tl, to)] = encode_columns([t])
    group_candidates, ga, gl, go, n_groups = encode_groups(g)
    k = candidates.shape[0]
    if k == 0:
        return candidates, np.zeros((n_groups, 0, 2), np.int64), None, group_candidates
    # Two virtual predicted classes after the K true ones: below / at-or-above.
    pred_lookup = np.array([k, k + 1], dtype=np.int64)
    wdtype = None if weights is None else weight_dtype(weights)
    counts, sums, bad = kernels.confusion_counts(
        ta, s, tl, pred_lookup, to, 0, k + 2, weights=weights, groups=ga, group_lookup=gl,
        group_offset=go, n_groups=n_groups, threshold=thr, weight_dtype=wdtype or np.float64)
    raise_nonfinite(scores, bad)
    counts = counts[:, :k, k:]
    sums = None if sums is None else sums[:, :k, k:]
    keep = counts.sum(axis=(0, 2)) > 0
    counts = counts[:, keep]
    sums = None if sums is None else sums[:, keep]
    return (candidates[keep],) + _drop_empty_groups(counts, sums, group_candidates)


def count_multilabel(t: Column, p: Column, w: Column | None) -> MultilabelState:
    """Multilabel state of one batch of 2-D indicator arrays."""
    tv, pv = t.values, p.values
    for c in (t, p):
        if isinstance(c.values, DictionaryChunk) or c.values.ndim != 2:
            raise InputTypeError(format_message(
                c.name, "must be a 2-D 0/1 indicator array for a multilabel target",
                fix="Pass y_true and y_pred both as (n_samples, n_labels) indicator "
                    "arrays, or both as 1-D labels"))
        if c.values.dtype.kind not in "biuf":
            raise InputTypeError(format_message(
                c.name, f"has unsupported dtype {c.values.dtype} for indicators",
                fix="Pass 0/1 integers or booleans"))
    if tv.shape[1] != pv.shape[1]:
        raise InputTypeError(format_message(
            f"{t.name} and {p.name}", f"have {tv.shape[1]} and {pv.shape[1]} indicator "
                                      "columns", fix="Give both the same label columns"))
    weights = None if w is None else check_weights(w)
    wdtype = np.float64 if weights is None else weight_dtype(weights)
    tv = np.ascontiguousarray(tv.view(np.uint8) if tv.dtype.kind == "b" else tv)
    pv = np.ascontiguousarray(pv.view(np.uint8) if pv.dtype.kind == "b" else pv)
    tv, pv = widen(tv), widen(pv)
    counts, sums, keys, first_invalid = kernels.multilabel_confusion_counts(
        tv, pv, weights=weights, weight_dtype=wdtype)
    if first_invalid >= 0:
        row, col = divmod(first_invalid, tv.shape[1])
        bad = t if not np.isin(tv[row, col], (0, 1)) else p
        raise_not_indicator(bad, row, col, bad.values[row, col])
    n_labels = tv.shape[1]
    space = (n_labels + 1) ** 3
    if space <= (1 << 22):
        key_counts = np.bincount(keys, minlength=space)
        uniq = np.flatnonzero(key_counts)
        key_counts = key_counts[uniq]
        key_sums = None
        if weights is not None:
            key_sums = np.bincount(keys, weights=weights, minlength=space)[uniq]
    else:
        uniq, inverse = np.unique(keys, return_inverse=True)
        key_counts = np.bincount(inverse, minlength=uniq.size)
        key_sums = None if weights is None else np.bincount(inverse, weights=weights,
                                                            minlength=uniq.size)
    if key_sums is not None and wdtype == np.int64:
        key_sums = np.rint(key_sums).astype(np.int64)
    return MultilabelState(counts, sums, uniq.astype(np.int64),
                           key_counts.astype(np.int64), key_sums)

"""Mergeable sufficient statistics ("states") of the confusion-matrix family.

Every metric of the confusion family is ``finalize(state)``. A state is small
(K x K counts, not n rows), is built chunk by chunk, and merges by addition, so
the same finalizers serve one-shot calls, streamed Arrow batches, Dask
partitions, GPU runs and bootstrap resamples (which redraw the counts).

Three states live here, with the protocol of :class:`~fastmetrics._state.State`
(merge, ``merge_all``, ``n_rows``, ``weighted``, ``==``, ``to_bytes``):

* :class:`ConfusionState` for binary and multiclass targets: int64 counts of
  ``(group, true class, predicted class)``, optionally float64 (or int64, for
  integer weights) sums of ``sample_weight`` per cell, and the sorted labels.
  Counts are kept even when weights are given: they decide which labels are
  *present* (scikit-learn counts a label seen only on zero-weight rows) and
  they are what a multinomial bootstrap redraws.
* :class:`MultilabelState` for multilabel indicator targets: per-label 2 x 2
  counts plus a table of distinct per-row ``(tp, fp, fn)`` triples, from which
  every ``average="samples"`` metric (any beta, any ``zero_division``) follows.
* :class:`ScoreState` for the exact curves of a binary target: its distinct
  scores with the rows (and weights) of each class at each score.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ._state import State
from .exceptions import LabelError, StateMergeError, format_message

__all__ = ["ConfusionState", "MultilabelState", "ScoreState", "union_labels", "merged_labels",
           "label_index"]


def union_labels(a: np.ndarray, b: np.ndarray, what: str) -> np.ndarray:
    """Sorted union of two label arrays, refusing to mix strings and numbers."""
    if a.size and b.size and (a.dtype.kind in "UO") != (b.dtype.kind in "UO"):
        raise LabelError(format_message(
            what, f"cannot merge string labels with numeric labels ({a[:3].tolist()} "
                  f"vs {b[:3].tolist()})",
            fix="Encode the labels the same way in every chunk"))
    if a.dtype == b.dtype:
        return np.union1d(a, b)
    if a.size == 0:
        return np.unique(b)
    if b.size == 0:
        return np.unique(a)
    if {a.dtype.kind, b.dtype.kind} == {"i", "u"}:
        # numpy unites int64 with uint64 as float64, rounding labels beyond 2**53:
        # pick the integer type that holds both exactly.
        signed, unsigned = (a, b) if a.dtype.kind == "i" else (b, a)
        if signed.min() >= 0:
            return np.union1d(signed.astype(np.uint64), unsigned.astype(np.uint64))
        if unsigned.max() <= np.iinfo(np.int64).max:
            return np.union1d(signed.astype(np.int64), unsigned.astype(np.int64))
        raise LabelError(format_message(
            what, "cannot merge negative labels with uint64 labels above 2**63 - 1: no "
                  "integer type holds both", fix="Encode the labels as strings"))
    return np.union1d(a, b)


def merged_labels(a: np.ndarray, b: np.ndarray, what: str) -> np.ndarray:
    """:func:`union_labels` for a state merge: label arrays that cannot be united
    (strings with numbers) make the states unmergeable
    (:class:`~fastmetrics.exceptions.StateMergeError`, also a ``LabelError``)."""
    try:
        return union_labels(a, b, what)
    except LabelError as exc:
        raise StateMergeError.like(LabelError, str(exc)) from None


def label_index(values: np.ndarray, universe: np.ndarray) -> np.ndarray:
    """Index of each of ``values`` in the sorted array ``universe`` (all present)."""
    if values.dtype.kind in "iu" and universe.dtype.kind in "iu":
        values = values.astype(universe.dtype)  # exact: every value is in universe
    return np.searchsorted(universe, values).astype(np.int64)


@dataclass(frozen=True, eq=False)
class ConfusionState(State, kind="confusion"):
    """Counts of (group, true label, predicted label) for binary/multiclass targets.

    Parameters
    ----------
    classes : ndarray of shape (K,)
        The labels seen in ``y_true`` or ``y_pred``, sorted as
        :func:`sklearn.utils.multiclass.unique_labels` sorts them.
    counts : ndarray of int64, shape (G, K, K)
        ``counts[g, i, j]``: rows of group ``g`` with true label ``classes[i]``
        predicted as ``classes[j]``.
    weight_sums : ndarray of shape (G, K, K), optional
        Sums of ``sample_weight`` per cell (float64, or int64 for integer
        weights); ``None`` when no weights were given.
    group_names : ndarray of shape (G,), optional
        Sorted group values when the state was built with ``groups=``.
    n_dropped : int
        Rows dropped because of nulls (``drop_nulls=True``).

    Examples
    --------
    >>> import fastmetrics as fm
    >>> a = fm.confusion_state([0, 1, 1], [0, 1, 0])
    >>> b = fm.confusion_state([2, 1], [2, 2])
    >>> fm.confusion_matrix.from_state(a.merge(b))
    array([[1, 0, 0],
           [1, 1, 1],
           [0, 0, 1]])
    """

    classes: np.ndarray
    counts: np.ndarray
    weight_sums: np.ndarray | None = None
    group_names: np.ndarray | None = None
    n_dropped: int = 0

    # -- construction ------------------------------------------------------

    @classmethod
    def empty(cls, classes=(), *, weighted: bool = False, weight_dtype=np.float64,
              group_names=None) -> "ConfusionState":
        """A state with no rows over ``classes`` (the neutral element of merge)."""
        classes = np.asarray(classes)
        if classes.dtype == object:
            classes = classes.astype(str)
        k = classes.shape[0]
        g = 1 if group_names is None else len(group_names)
        counts = np.zeros((g, k, k), dtype=np.int64)
        sums = np.zeros((g, k, k), dtype=weight_dtype) if weighted else None
        return cls(classes, counts, sums,
                   None if group_names is None else np.asarray(group_names))

    # -- basic facts -------------------------------------------------------

    @property
    def n_classes(self) -> int:
        return int(self.classes.shape[0])

    @property
    def n_rows(self) -> int:
        """Number of rows counted (after any dropped nulls)."""
        return int(self.counts.sum())

    @property
    def weighted(self) -> bool:
        return self.weight_sums is not None

    @property
    def target_type(self) -> str:
        """``"binary"`` or ``"multiclass"``, as ``sklearn.utils.multiclass`` says."""
        return "binary" if self.n_classes <= 2 else "multiclass"

    def totals(self) -> np.ndarray:
        """The (K, K) matrix over all groups: weight sums if weighted, else counts."""
        source = self.weight_sums if self.weight_sums is not None else self.counts
        return source.sum(axis=0)

    # -- combining ---------------------------------------------------------

    def reindex(self, classes, group_names=None) -> "ConfusionState":
        """The same counts laid out over a superset of labels (and groups)."""
        classes = np.asarray(classes)
        same_groups = (group_names is None or (self.group_names is not None
                                               and np.array_equal(group_names, self.group_names)))
        if np.array_equal(classes, self.classes) and same_groups:
            return self
        k = classes.shape[0]
        pos = label_index(self.classes, classes)
        if group_names is None:
            g_total, gpos = self.counts.shape[0], np.arange(self.counts.shape[0])
        else:
            g_total = len(group_names)
            gpos = (np.zeros(1, dtype=np.int64) if self.group_names is None
                    else label_index(self.group_names, np.asarray(group_names)))

        def spread(a):
            out = np.zeros((g_total, k, k), dtype=a.dtype)
            out[np.ix_(gpos, pos, pos)] = a
            return out

        sums = None if self.weight_sums is None else spread(self.weight_sums)
        return replace(self, classes=classes, counts=spread(self.counts), weight_sums=sums,
                       group_names=None if group_names is None else np.asarray(group_names))

    def merge(self, other: "ConfusionState") -> "ConfusionState":
        """Combine the states of two disjoint sets of rows.

        Labels and groups are united; rows counted without weights count with
        weight 1 when merged into a weighted state.
        """
        self._check_kind(other)
        if (self.group_names is None) != (other.group_names is None):
            raise StateMergeError.like(LabelError, format_message(
                "state", "cannot merge a grouped state with an ungrouped one",
                fix="Build both with groups= or both without"))
        classes = merged_labels(self.classes, other.classes, "labels")
        groups = None
        if self.group_names is not None:
            groups = merged_labels(self.group_names, other.group_names, "groups")
        a = self.reindex(classes, groups)
        b = other.reindex(classes, groups)
        sums = None
        if a.weight_sums is not None or b.weight_sums is not None:
            wa = a.weight_sums if a.weight_sums is not None else a.counts
            wb = b.weight_sums if b.weight_sums is not None else b.counts
            # A state without rows (an empty chunk) cannot know its weights' dtype:
            # it must not turn exact int64 sums into float64.
            if not a.counts.any():
                wa = wa.astype(wb.dtype)
            elif not b.counts.any():
                wb = wb.astype(wa.dtype)
            sums = wa + wb
        return ConfusionState(classes, a.counts + b.counts, sums, groups,
                              self.n_dropped + other.n_dropped)

    def total(self) -> "ConfusionState":
        """The ungrouped state: all groups summed."""
        if self.group_names is None:
            return self
        sums = None if self.weight_sums is None else self.weight_sums.sum(axis=0, keepdims=True)
        return ConfusionState(self.classes, self.counts.sum(axis=0, keepdims=True), sums,
                              None, self.n_dropped)

    def by_group(self) -> dict:
        """One ungrouped state per group, keyed by group value, in sorted order.

        Each group's state keeps only the labels present in that group, as if
        the metric had been computed on that group's rows alone.
        """
        if self.group_names is None:
            raise LabelError(format_message(
                "state", "was built without groups=", fix="Pass groups= to confusion_state"))
        out = {}
        for g, name in enumerate(self.group_names.tolist()):
            c = self.counts[g]
            present = (c.sum(axis=0) + c.sum(axis=1)) > 0
            sums = None
            if self.weight_sums is not None:
                sums = self.weight_sums[g][np.ix_(present, present)][None]
            out[name] = ConfusionState(self.classes[present],
                                       c[np.ix_(present, present)][None], sums)
        return out


@dataclass(frozen=True, eq=False)
class MultilabelState(State, kind="multilabel"):
    """Sufficient statistics of a multilabel-indicator target with ``L`` labels.

    Parameters
    ----------
    counts : ndarray of int64, shape (L, 2, 2)
        ``counts[l, t, p]``: rows whose indicator for label ``l`` is ``t`` in
        ``y_true`` and ``p`` in ``y_pred``.
    weight_sums : ndarray of shape (L, 2, 2), optional
        The same, as sums of ``sample_weight``.
    sample_keys : ndarray of int64, shape (S,)
        Distinct per-row ``(tp, fp, fn)`` triples, encoded as
        ``(tp * (L + 1) + fp) * (L + 1) + fn``, sorted.
    sample_counts : ndarray of int64, shape (S,)
        Rows per triple.
    sample_weight_sums : ndarray, shape (S,), optional
        ``sample_weight`` summed per triple.
    n_dropped : int
        Rows dropped because of nulls.
    """

    counts: np.ndarray
    weight_sums: np.ndarray | None
    sample_keys: np.ndarray
    sample_counts: np.ndarray
    sample_weight_sums: np.ndarray | None = None
    n_dropped: int = 0

    @property
    def n_labels(self) -> int:
        return int(self.counts.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.sample_counts.sum())

    @property
    def weighted(self) -> bool:
        return self.weight_sums is not None

    @property
    def target_type(self) -> str:
        return "multilabel-indicator"

    @property
    def classes(self) -> np.ndarray:
        """Labels of a multilabel target are its column indices, as in sklearn."""
        return np.arange(self.n_labels)

    def sample_triples(self):
        """``(tp, fp, fn)`` arrays, one entry per distinct row triple."""
        base = self.n_labels + 1
        keys = self.sample_keys
        return keys // (base * base), (keys // base) % base, keys % base

    def merge(self, other: "MultilabelState") -> "MultilabelState":
        """Combine the states of two disjoint sets of rows with the same labels."""
        self._check_kind(other)
        if other.n_labels != self.n_labels:
            raise StateMergeError.like(LabelError, format_message(
                "state", f"cannot merge multilabel states with {self.n_labels} and "
                         f"{other.n_labels} labels",
                fix="Give every chunk the same indicator columns"))
        keys = np.concatenate([self.sample_keys, other.sample_keys])
        uniq, inverse = np.unique(keys, return_inverse=True)
        counts = np.bincount(inverse, np.concatenate([self.sample_counts, other.sample_counts]),
                             minlength=uniq.size).astype(np.int64)
        sums = wsums = None
        if self.weighted or other.weighted:
            def w(s):
                return (s.sample_weight_sums if s.sample_weight_sums is not None
                        else s.sample_counts.astype(np.float64))
            dtype = np.result_type(*(x.weight_sums.dtype for x in (self, other) if x.weighted))
            wsums = np.zeros(uniq.size, dtype=dtype)
            np.add.at(wsums, inverse, np.concatenate([w(self), w(other)]).astype(dtype))
            sa = self.weight_sums if self.weighted else self.counts
            sb = other.weight_sums if other.weighted else other.counts
            sums = (sa + sb).astype(dtype)
        return MultilabelState(self.counts + other.counts, sums, uniq, counts, wsums,
                               self.n_dropped + other.n_dropped)


@dataclass(frozen=True, eq=False)
class ScoreState(State, kind="score"):
    """Distinct scores with per-class row counts: the state of exact curves.

    Every threshold-swept curve and ranking metric of a binary target (PR, ROC
    and DET curves, ROC AUC, average precision) is a function of this table,
    so it is built in one sort and merged by a sorted merge.

    Parameters
    ----------
    thresholds : ndarray of shape (U,)
        The distinct scores, strictly descending (``-0.0`` and ``0.0`` are one
        score, as for scikit-learn).
    counts : ndarray of int64, shape (K, U)
        Rows of each ``y_true`` class at each score (one contiguous row per
        class, so a class's column of the curve is a view). Also readable as
        ``class_counts``, its name before the fields of every state followed
        one convention.
    weight_sums : ndarray of float64, shape (K, U), optional
        Sums of ``sample_weight`` per score and class (also ``class_weights``).
    classes : ndarray of shape (K,)
        The ``y_true`` labels, sorted.
    n_dropped : int
        Rows dropped because of nulls.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> a = fm.score_state([0, 1, 1], [0.1, 0.8, 0.4])
    >>> b = fm.score_state([0, 1], [0.4, 0.9], sample_weight=[2.0, 1.0])
    >>> m = a.merge(b)
    >>> m.thresholds.tolist(), m.counts.tolist()
    ([0.9, 0.8, 0.4, 0.1], [[0, 0, 1, 1], [1, 1, 1, 0]])
    >>> m.weight_sums.tolist()  # a's rows weigh 1
    [[0.0, 0.0, 2.0, 1.0], [1.0, 1.0, 1.0, 0.0]]
    """

    thresholds: np.ndarray
    counts: np.ndarray
    weight_sums: np.ndarray | None
    classes: np.ndarray
    n_dropped: int = 0

    @property
    def class_counts(self) -> np.ndarray:
        """:attr:`counts`, by its former name."""
        return self.counts

    @property
    def class_weights(self) -> np.ndarray | None:
        """:attr:`weight_sums`, by its former name."""
        return self.weight_sums

    @property
    def n_rows(self) -> int:
        return int(self.counts.sum())

    @property
    def weighted(self) -> bool:
        return self.weight_sums is not None

    def merge(self, other: "ScoreState") -> "ScoreState":
        """Combine the states of two disjoint sets of rows (a sorted merge)."""
        self._check_kind(other)
        return self._merge_many([self, other])

    @classmethod
    def _merge_many(cls, parts: list) -> "ScoreState":
        """One sorted merge of all the parts: their distinct scores united once, then
        each part's counts added in order (each cell sums as a left fold would)."""
        if len(parts) == 1:
            return parts[0]
        classes = parts[0].classes
        for s in parts[1:]:
            classes = merged_labels(classes, s.classes, "labels")
        thresholds = np.concatenate([s.thresholds for s in parts])
        # Distinct scores, descending. np.unique treats -0.0 and 0.0 as one value.
        ascending, inverse = np.unique(thresholds, return_inverse=True)
        merged_thresholds = ascending[::-1].copy()
        rows_of = ascending.size - 1 - inverse.ravel()
        if merged_thresholds.dtype.kind == "f":
            merged_thresholds[merged_thresholds == 0] = 0.0  # one sign for the zero group
        out_counts = np.zeros((classes.size, ascending.size), dtype=np.int64)
        out_weights = (np.zeros((classes.size, ascending.size))
                       if any(s.weighted for s in parts) else None)
        offset = 0
        for s in parts:
            rows = rows_of[offset:offset + s.thresholds.size]
            offset += s.thresholds.size
            cols = label_index(s.classes, classes)
            np.add.at(out_counts, (cols[:, None], rows[None, :]), s.counts)
            if out_weights is not None:
                w = s.weight_sums if s.weighted else s.counts.astype(np.float64)
                np.add.at(out_weights, (cols[:, None], rows[None, :]), w)
        return ScoreState(merged_thresholds, out_counts, out_weights, classes,
                          sum(s.n_dropped for s in parts))

"""Mergeable sufficient statistics ("states") of the confusion-matrix family.

Every metric of the confusion family is ``finalize(state)``. A state is small
(K x K counts, not n rows), is built chunk by chunk, and merges by addition, so
the same finalizers serve one-shot calls, streamed Arrow batches, Dask
partitions, GPU runs and bootstrap resamples (which redraw the counts).

Three states live here, with the protocol of :class:`~fastmetrics._core.state.State`
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

from .._core.labels import label_index, merged_labels
from .._core.state import State
from ..exceptions import LabelError, StateMergeError, format_message

__all__ = ['ConfusionState', 'MultilabelState']


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

"""Top-k accuracy: is the true class among the ``k`` highest scores of its row?

:func:`top_k_accuracy_score` follows scikit-learn 1.9.1's function of the same
name: the same binary rules for 1-D scores (``k=1`` predicts the positive
class where ``score > 0.5`` if every score is in [0, 1], else ``> 0``; ``k >= 2``
hits every row), the same tie-breaking for 2-D scores (scikit-learn ranks a row
with a stable ascending argsort reversed, so among equal scores the larger
column index ranks higher), the same ``labels=`` checks, warning and float
results.

It is computed from a :class:`TopKState`, filled in one O(n x K) pass without
sorting: a histogram of each row's rank of its true class,
``rank = #{j: s_j > s_true} + #{j > true: s_j == s_true}``, so that top-k
accuracy for *every* ``k`` is read off the same small state
(``top_k_accuracy_score.from_state(state, k=...)``), and states of chunks merge
by addition. 1-D scores keep, per class, the rows above and at-or-below 0.5 and
0 and whether every score lies in [0, 1], which decides the threshold once all
chunks are seen.

Which class a score column belongs to is ``labels[j]`` when ``labels=`` is
given, else the ``j``-th of ``y_true``'s sorted classes, which a chunk that
does not show every class cannot know. Such chunks are kept aside (their class
codes and scores, by reference) until the classes seen reach the number of
columns, then counted; a stream whose first batches lack some class holds those
batches in memory until it appears. Pass ``labels=`` to count every batch at
once, in bounded memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._core.labels import label_index, merged_labels
from .._core.state import State, record
from ..exceptions import InputTypeError, LabelError, StateMergeError, format_message
from ..kernels.cpu import topk as kernels

__all__ = ['TopKState']


@record("top_k.pending")
class _Pending(NamedTuple):
    """Rows of a chunk whose score columns are not yet tied to classes."""

    classes: np.ndarray   # the chunk's classes, sorted
    codes: np.ndarray     # int64 index of each row's class in ``classes``
    scores: np.ndarray    # (n, K) float32/float64, C-contiguous
    weights: np.ndarray | None


@dataclass(frozen=True, eq=False)
class TopKState(State, kind="top_k"):
    """Ranks of the true class, the mergeable state of :func:`top_k_accuracy_score`.

    Parameters
    ----------
    classes : ndarray of shape (C,)
        The ``y_true`` labels seen, sorted.
    n_columns : int
        Columns of 2-D ``y_score`` (K >= 2); 0 for 1-D scores of the positive
        class (a ``(n, 1)`` array counts as 1-D, as scikit-learn ravels it).
    counts : ndarray of int64
        2-D scores: shape ``(K,)``, ``counts[r]`` rows whose true class ranked
        ``r``-th in its row (0 = highest score). 1-D scores: shape ``(C, 4)``,
        rows of each class with ``score > 0.5``, ``<= 0.5``, ``> 0``, ``<= 0``.
    weight_sums : ndarray of float64, optional
        The same, as sums of ``sample_weight``; ``None`` without weights.
    column_classes : ndarray, optional
        The class of each score column: ``labels=`` (sorted) when it was given;
        for 2-D scores without it, ``y_true``'s classes once all K were seen,
        ``None`` until then.
    labels_given : bool
        Whether ``labels=`` fixed ``column_classes``.
    in_unit_interval : bool
        1-D scores: every score is in [0, 1] (``k=1`` then thresholds at 0.5,
        else at 0).
    pending : tuple
        2-D chunks without ``labels=`` whose columns were not settled when
        counted; they are counted as soon as a merge settles the columns.
    n_dropped : int
        Rows dropped because of nulls.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.top_k_state([0, 1, 2, 2], [[0.5, 0.2, 0.2], [0.3, 0.4, 0.2],
    ...                                   [0.2, 0.4, 0.3], [0.7, 0.2, 0.1]])
    >>> s.counts.tolist()
    [2, 1, 1]
    >>> fm.top_k_accuracy_score.from_state(s, k=1), fm.top_k_accuracy_score.from_state(s, k=2)
    (0.5, 0.75)
    """

    classes: np.ndarray
    n_columns: int
    counts: np.ndarray
    weight_sums: np.ndarray | None
    column_classes: np.ndarray | None = None
    labels_given: bool = False
    in_unit_interval: bool = True
    pending: tuple = ()
    n_dropped: int = 0

    @property
    def one_d(self) -> bool:
        return self.n_columns == 0

    @property
    def n_rows(self) -> int:
        if self.one_d:
            return int(self.counts[:, :2].sum())
        return int(self.counts.sum()) + sum(p.codes.shape[0] for p in self.pending)

    @property
    def settled(self) -> bool:
        """Whether every row is counted (no chunk waits for its columns)."""
        return not self.pending

    def amounts(self) -> np.ndarray:
        """Weight sums if weighted, else counts."""
        return self.weight_sums if self.weighted else self.counts

    def merge(self, other: "TopKState") -> "TopKState":
        """Combine the states of two disjoint sets of rows."""
        self._check_kind(other)
        if self.n_columns != other.n_columns:
            def shape(s):
                return "1-D" if s.one_d else f"{s.n_columns} columns"
            raise StateMergeError.like(InputTypeError, format_message(
                "y_score", f"has {shape(self)} in one part and {shape(other)} in another",
                fix="Give every chunk the same score columns"))
        if self.labels_given != other.labels_given or (
                self.labels_given and not _same(self.column_classes, other.column_classes)):
            raise StateMergeError.like(LabelError, format_message(
                "state", "cannot merge states built with different labels=",
                fix="Build every chunk's state with the same labels="))
        classes = merged_labels(self.classes, other.classes, "y_true")
        weighted = self.weighted or other.weighted
        n_dropped = self.n_dropped + other.n_dropped
        if self.one_d:
            _check_one_d_classes(classes, merging=True)
            parts = []
            for s in (self, other):
                pos = label_index(s.classes, classes)
                out = np.zeros((classes.size, 4), dtype=np.int64)
                out[pos] = s.counts
                sums = None
                if weighted:
                    sums = np.zeros((classes.size, 4))
                    sums[pos] = s.weight_sums if s.weighted else s.counts
                parts.append((out, sums))
            (ca, wa), (cb, wb) = parts
            return TopKState(classes, 0, ca + cb, None if wa is None else wa + wb,
                             self.column_classes, self.labels_given,
                             self.in_unit_interval and other.in_unit_interval, (), n_dropped)
        columns = self.column_classes if self.column_classes is not None else other.column_classes
        if not self.labels_given:
            k = self.n_columns
            both = self.column_classes is not None and other.column_classes is not None
            if classes.size > k or (both and not _same(self.column_classes,
                                                       other.column_classes)):
                raise StateMergeError.like(LabelError, str(
                    _too_many_classes(max(classes.size, k + 1), k)))
            if columns is None and classes.size == k:
                columns = classes
        counts = self.counts + other.counts
        sums = None
        if weighted:
            sums = sum(s.weight_sums if s.weighted else s.counts.astype(np.float64)
                       for s in (self, other))
        pending = self.pending + other.pending
        if columns is not None and pending:
            counts, sums = _count_pending(pending, columns, counts, sums)
            pending = ()
        return TopKState(classes, self.n_columns, counts, sums, columns, self.labels_given,
                         True, pending, n_dropped)


def _same(a, b) -> bool:
    return a is not None and b is not None and a.shape == b.shape and bool(np.all(a == b))


def _count_pending(pending, columns, counts, sums):
    """Count kept-aside chunks now that the class of each column is known."""
    counts = counts.copy()
    sums = None if sums is None else sums.copy()
    for p in pending:
        c, w, _ = kernels.rank_counts(p.codes, label_index(p.classes, columns), 0, p.scores,
                                      p.weights)
        counts += c
        if sums is not None:
            sums += w if w is not None else c
    return counts, sums


def _too_many_classes(n_classes, n_columns):
    return LabelError(format_message(
        "y_true", f"has at least {n_classes} classes but y_score has {n_columns} columns",
        fix="Give y_score one column per class (in sorted label order, or in the order of "
            "labels=)"))


def _check_one_d_classes(classes, merging=False):
    if classes.size > 2:
        message = format_message(
            "y_score", f"is 1-D but y_true has {classes.size} classes "
                       f"({classes.tolist()[:10]}); y_score needs to be of shape "
                       "(n_samples, n_classes) for a multiclass target",
            fix="Pass one column of scores per class")
        raise (StateMergeError.like(InputTypeError, message) if merging
               else InputTypeError(message))

"""Mergeable states of the ranking family: distinct scores with their classes.

* :class:`ScoreState` for the exact curves of a binary target: its distinct
  scores with the rows (and weights) of each class at each score.
* :class:`BinaryAreas`: the ROC AUC and average-precision sums of one
  unweighted batch, when no table is needed.


``roc_auc_score`` and ``average_precision_score`` take, besides binary targets
(:class:`~fastmetrics.ScoreState`), an ``(n_samples, n_columns)`` score matrix
with either 1-D multiclass labels or a 2-D multilabel indicator target. Their
mergeable states live here.

:class:`MulticlassScoreState`
    Per score column ``k`` and true class ``c``, the distinct scores of column
    ``k`` among the rows of class ``c`` with their counts (and weight sums),
    sorted: the *class tables* of ``kernels/cpu/class_tables.py``. One-vs-rest
    (column ``k``'s class against the sum of the others), one-vs-one (Hand &
    Till: column ``a``'s tables of classes ``a`` and ``b`` only) and the
    micro average (all tables as one binary problem) all read them, without
    a new pass over the data.

    *Memory.* A dense ``(C, U_k)`` count table per column, as
    :class:`~fastmetrics.ScoreState` holds for two classes, would be ``C``
    times the data (``K x C x U`` int64: 800 MB for 10^6 rows and 10 classes).
    The class tables hold one entry per distinct (score, class) pair of a
    column, at most ``n`` per column: 12 bytes per score cell for float32
    scores (float32 threshold, int64 count; 8 more with weights), about three
    times the float32 score matrix when every score is distinct, much less
    with ties (building it peaks at twice that: each column's entries are
    written at an offset bounded by ``n``, then packed). One-shot calls need
    not even that: with one batch of rows
    they reduce each column as soon as it is sorted (``class_score_areas``)
    and keep ``K x C`` numbers (:class:`MulticlassAreas`), so their extra
    memory is a few buffers of ``n`` entries per thread.

:class:`MultilabelScoreState`
    One binary :class:`~fastmetrics.ScoreState` per indicator column, plus
    what ``average="samples"`` needs: sums over rows of each row's ROC AUC and
    average precision, and of the weights, which merge by addition.

Both merge (``a.merge(b)``) and are finalized by ``roc_auc_score.from_state``
and ``average_precision_score.from_state``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._core.labels import add_onto, label_index, merged_labels
from .._core.state import State
from ..exceptions import (InputTypeError, InvalidParameterError, LabelError, StateMergeError,
                          format_message)
from ..kernels.cpu import class_tables as kernels, ranking as ranking_kernels

__all__ = ['ScoreState', 'MulticlassScoreState', 'MulticlassAreas', 'MultilabelScoreState']


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


@dataclass(frozen=True)
class BinaryAreas:
    """ROC AUC and average-precision sums of an unweighted binary target.

    What :func:`binary_areas` gives when the rows arrive in one batch: the
    sums of ``kernels.cpu.ranking.distinct_score_areas`` without any table of
    distinct scores, so that ``roc_auc_score`` and
    ``average_precision_score`` need no more memory than the sort's keys.
    ``classes`` are the labels present (code 1 is the larger).
    """

    classes: np.ndarray
    twice_area: int
    n_neg: int
    n_pos: int
    ap_sum: float
    n_dropped: int = 0

    @property
    def roc_auc(self) -> float:
        return float(self.twice_area) / (2.0 * float(self.n_pos) * float(self.n_neg))

    @property
    def average_precision(self) -> float:
        return max(0.0, self.ap_sum / self.n_pos)


@dataclass(frozen=True, eq=False)
class MulticlassScoreState(State, kind="multiclass_score"):
    """Class tables of an ``(n, K)`` score matrix with 1-D multiclass labels.

    Parameters
    ----------
    classes : ndarray of shape (C,)
        The labels present in ``y_true``, sorted.
    n_columns : int
        ``K``, the number of score columns.
    thresholds : ndarray of shape (T,)
        Distinct scores of every (column, class) segment, each segment
        strictly descending, in the scores' dtype.
    counts : ndarray of int64, shape (T,)
        Rows per entry.
    weight_sums : ndarray of float64, shape (T,), optional
        ``sample_weight`` summed per entry.
    offsets : ndarray of int64, shape (K * C + 1,)
        Segment ``(k, c)`` (column ``k``'s scores of the rows of class
        ``classes[c]``) is ``[offsets[k * C + c], offsets[k * C + c + 1])``.
    class_counts : ndarray of int64, shape (C,)
        Rows per class.
    class_weights : ndarray of float64, shape (C,), optional
        Weight per class.
    labels : ndarray of shape (K,), optional
        The class of each score column, when the state was built with
        ``labels=`` (otherwise column ``k`` is ``classes[k]``).
    rank_sums : ndarray of float64, shape (C, K), optional
        ``rank_sums[c, j]``: over the rows of class ``c``, the sum of
        ``weight / rank of column j`` (the number of columns scoring at least
        as high); what the samples-averaged average precision needs.
    n_unnormalized : int
        Rows whose scores do not sum to 1 (scikit-learn's tolerance); the
        multiclass ROC AUC refuses them.
    first_unnormalized : int
        The first such row (in the caller's numbering), -1 if none.
    n_dropped : int
        Rows dropped because of nulls.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y_score = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.3, 0.4, 0.3]]
    >>> a = fm.multiclass_score_state([0, 1, 2, 1], y_score)
    >>> b = fm.multiclass_score_state([0], [[0.2, 0.5, 0.3]])  # another chunk
    >>> state = a.merge(b)
    >>> state.classes.tolist(), state.class_counts.tolist()
    ([0, 1, 2], [2, 2, 1])
    >>> fm.roc_auc_score.from_state(state, multi_class="ovr", average=None)
    array([0.75, 0.75, 1.  ])
    """

    classes: np.ndarray
    n_columns: int
    thresholds: np.ndarray
    counts: np.ndarray
    weight_sums: np.ndarray | None
    offsets: np.ndarray
    class_counts: np.ndarray
    class_weights: np.ndarray | None = None
    labels: np.ndarray | None = None
    rank_sums: np.ndarray | None = None
    n_unnormalized: int = 0
    first_unnormalized: int = -1
    n_dropped: int = 0

    @property
    def n_classes(self) -> int:
        return int(self.classes.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.class_counts.sum())

    @property
    def target_type(self) -> str:
        """``"binary"`` or ``"multiclass"``, as ``type_of_target(y_true)`` says."""
        return "binary" if self.n_classes <= 2 else "multiclass"

    def class_amounts(self) -> np.ndarray:
        """Weight per class, or rows per class without weights."""
        return self.class_weights if self.weighted else self.class_counts

    def segment(self, column: int, c: int):
        """``(thresholds, counts, weight_sums or None)`` of column ``column``'s
        scores among the rows of class ``classes[c]``, descending."""
        k = self.n_classes
        s = slice(self.offsets[column * k + c], self.offsets[column * k + c + 1])
        return (self.thresholds[s], self.counts[s],
                None if self.weight_sums is None else self.weight_sums[s])

    def areas(self, diag: np.ndarray):
        """``(twice_area (K, C), ap_sum (K,))`` for columns scoring classes ``diag``.

        See :func:`fastmetrics.kernels.cpu.class_tables.class_table_areas`.
        """
        return kernels.class_table_areas(self.thresholds, self.counts, self.weight_sums,
                                         self.offsets, self.n_classes, diag)

    def binary_state(self, positive) -> ScoreState:
        """One binary :class:`~fastmetrics.ScoreState` of chosen segments.

        ``positive`` is an int (K, C) array over the (column, class) segments:
        1 counts a segment's rows as positives, 0 as negatives, -1 leaves it
        out. Column ``k`` with its class positive and the rest of column ``k``
        negative is that column's one-vs-rest problem; every column with its
        own class positive is the micro-averaged (raveled) problem. Classes of
        the result: 0 (negative) and 1 (positive), those present.
        """
        lengths = np.diff(self.offsets)
        flags = np.repeat(np.asarray(positive).ravel(), lengths)
        keep = flags >= 0
        weights = self.weight_sums
        if not keep.all():
            return _binary_from_entries(self.thresholds[keep], flags[keep] == 1,
                                        self.counts[keep],
                                        None if weights is None else weights[keep])
        return _binary_from_entries(self.thresholds, flags == 1, self.counts, weights)

    def column_state(self, column: int, c: int) -> ScoreState:
        """Column ``column``'s one-vs-rest problem: class ``classes[c]`` (-1: none)
        against the other classes, as a binary :class:`~fastmetrics.ScoreState`."""
        positive = np.full((self.n_columns, self.n_classes), -1, dtype=np.int8)
        positive[column] = 0
        if c >= 0:
            positive[column, c] = 1
        return self.binary_state(positive)

    def merge(self, other: "MulticlassScoreState") -> "MulticlassScoreState":
        """Combine the states of two disjoint sets of rows (same score columns)."""
        self._check_kind(other)
        if other.n_columns != self.n_columns:
            raise StateMergeError.like(InputTypeError, format_message(
                "state", f"cannot merge states of {self.n_columns} and {other.n_columns} "
                         "score columns", fix="Give every chunk the same score columns"))
        labels = self.labels if other.labels is None else other.labels
        if (self.labels is not None and other.labels is not None
                and not np.array_equal(self.labels, other.labels)):
            raise StateMergeError.like(LabelError, format_message(
                "state", f"cannot merge states built with different labels= "
                         f"({self.labels.tolist()[:5]} vs {other.labels.tolist()[:5]})",
                fix="Build every chunk's state with the same labels="))
        classes = merged_labels(self.classes, other.classes, "labels")
        map_a = label_index(self.classes, classes)
        map_b = label_index(other.classes, classes)
        thresholds, counts, wsums, offsets = kernels.merge_class_tables(
            (self.thresholds, self.counts, self.weight_sums, self.offsets), map_a,
            (other.thresholds, other.counts, other.weight_sums, other.offsets), map_b,
            classes.size)
        class_counts = add_onto(classes.size, self.class_counts, map_a, other.class_counts,
                                map_b)
        class_weights = None
        if self.weighted or other.weighted:
            class_weights = add_onto(classes.size, self.class_amounts().astype(np.float64), map_a,
                                     other.class_amounts().astype(np.float64), map_b)
        rank_sums = None
        if self.rank_sums is not None and other.rank_sums is not None:
            rank_sums = np.zeros((classes.size, self.n_columns))
            rank_sums[map_a] += self.rank_sums
            rank_sums[map_b] += other.rank_sums
        first = [r for r in (self.first_unnormalized, other.first_unnormalized) if r >= 0]
        return MulticlassScoreState(
            classes, self.n_columns, thresholds, counts, wsums, offsets, class_counts,
            class_weights, labels, rank_sums, self.n_unnormalized + other.n_unnormalized,
            min(first) if first else -1, self.n_dropped + other.n_dropped)


@dataclass(frozen=True, eq=False)
class MulticlassAreas:
    """What a one-shot call keeps of one batch of rows: the areas, not the tables.

    Built straight from the rows by ``roc_auc_score`` and
    ``average_precision_score`` when the rows come in one batch: each
    column's class tables are reduced as soon as they are sorted and never
    kept (a :class:`MulticlassScoreState` gives the same numbers through
    :meth:`MulticlassScoreState.areas`). Not mergeable.

    ``diag[k]`` is the index (in ``classes``) of column ``k``'s class, -1 when
    no row carries it; ``twice_area[k, c]`` twice the Mann-Whitney count of
    that class over class ``c`` in column ``k`` (counts: exact int64), or, of
    shape (K, 1), over all the other classes together when built for
    one-vs-rest only; ``ap_sum[k]`` the average-precision sum of column
    ``k``. ``micro``, when built for the micro average instead, is the
    raveled binary problem: ``(twice_area, n_pos, n_neg, ap_sum)`` without
    weights, a binary :class:`~fastmetrics.ScoreState` with. The other fields
    are those of :class:`MulticlassScoreState`.
    """

    classes: np.ndarray
    n_columns: int
    diag: np.ndarray
    twice_area: np.ndarray
    ap_sum: np.ndarray
    class_counts: np.ndarray
    class_weights: np.ndarray | None = None
    labels: np.ndarray | None = None
    rank_sums: np.ndarray | None = None
    n_unnormalized: int = 0
    first_unnormalized: int = -1
    n_dropped: int = 0
    micro: object = None

    n_classes = MulticlassScoreState.n_classes
    n_rows = MulticlassScoreState.n_rows
    target_type = MulticlassScoreState.target_type

    @property
    def weighted(self) -> bool:
        return self.class_weights is not None

    def class_amounts(self) -> np.ndarray:
        return self.class_weights if self.weighted else self.class_counts


@dataclass(frozen=True, eq=False)
class MultilabelScoreState(State, kind="multilabel_score"):
    """Ranking state of a multilabel indicator target with ``L`` columns.

    Parameters
    ----------
    columns : tuple of ScoreState
        One binary state per indicator column (classes 0 and 1, those present).
    sample_auc_sum, sample_ap_sum : float, optional
        Over the rows, ``sum(weight * score)`` of each row's ROC AUC and
        average precision across its columns (rows of zero weight left out, as
        scikit-learn forces their scores to 0); None when not computed.
    sample_weight_sum : float
        The weights of all rows (the rows' number without weights).
    n_auc_undefined : int
        Rows holding one class only (their ROC AUC is NaN).
    n_ap_undefined : int
        Rows without a positive label (their average precision is 0).
    samples_max_fpr : float, optional
        The ``max_fpr`` of the rows' ROC AUC (None: the full area).
    n_dropped : int
        Rows dropped because of nulls.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y_true = [[1, 0, 1], [0, 1, 1], [1, 1, 0]]
    >>> y_score = [[0.9, 0.2, 0.6], [0.3, 0.8, 0.4], [0.6, 0.1, 0.7]]
    >>> s = fm.multiclass_score_state(y_true, y_score)
    >>> s.n_labels, round(fm.average_precision_score.from_state(s, average="samples"), 4)
    (3, 0.8611)
    """

    columns: tuple
    sample_auc_sum: float | None = None
    sample_ap_sum: float | None = None
    sample_weight_sum: float = 0.0
    n_auc_undefined: int = 0
    n_ap_undefined: int = 0
    samples_max_fpr: float | None = None
    n_dropped: int = 0

    @property
    def n_labels(self) -> int:
        return len(self.columns)

    @property
    def n_rows(self) -> int:
        return self.columns[0].n_rows if self.columns else 0

    @property
    def weighted(self) -> bool:
        return bool(self.columns) and self.columns[0].weighted

    @property
    def target_type(self) -> str:
        return "multilabel-indicator"

    @property
    def classes(self) -> np.ndarray:
        """Labels of a multilabel target are its column indices, as in sklearn."""
        return np.arange(self.n_labels)

    @property
    def has_samples(self) -> bool:
        return self.sample_auc_sum is not None

    def positive_amounts(self) -> np.ndarray:
        """Weight (or rows without weights) of the positives of each column."""
        out = np.zeros(self.n_labels, dtype=np.float64 if self.weighted else np.int64)
        for j, col in enumerate(self.columns):
            source = col.weight_sums if col.weighted else col.counts
            hit = np.flatnonzero(col.classes == 1)
            if hit.size:
                out[j] = source[hit[0]].sum()
        return out

    def micro_state(self) -> ScoreState:
        """The raveled (micro-averaged) problem: every column's table as one."""
        parts = [_score_state_entries(c) for c in self.columns]
        return _binary_from_entries(
            np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]),
            np.concatenate([p[3] for p in parts]) if self.weighted else None)

    def merge(self, other: "MultilabelScoreState") -> "MultilabelScoreState":
        """Combine the states of two disjoint sets of rows with the same columns."""
        self._check_kind(other)
        if other.n_labels != self.n_labels:
            raise StateMergeError.like(InputTypeError, format_message(
                "state", f"cannot merge multilabel states with {self.n_labels} and "
                         f"{other.n_labels} columns",
                fix="Give every chunk the same indicator columns"))
        both = self.has_samples and other.has_samples
        if both and self.samples_max_fpr != other.samples_max_fpr:
            raise StateMergeError.like(InvalidParameterError, format_message(
                "state", "cannot merge per-row scores built for different max_fpr",
                fix="Build every chunk with the same max_fpr"))
        return MultilabelScoreState(
            tuple(a.merge(b) for a, b in zip(self.columns, other.columns)),
            self.sample_auc_sum + other.sample_auc_sum if both else None,
            self.sample_ap_sum + other.sample_ap_sum if both else None,
            self.sample_weight_sum + other.sample_weight_sum,
            self.n_auc_undefined + other.n_auc_undefined,
            self.n_ap_undefined + other.n_ap_undefined,
            self.samples_max_fpr, self.n_dropped + other.n_dropped)


def _score_state_entries(state: ScoreState):
    """``(thresholds, positive flags, counts, weights)`` of a binary state's rows."""
    u = state.thresholds.shape[0]
    thresholds, flags, counts, weights = [], [], [], []
    for i, label in enumerate(state.classes.tolist()):
        thresholds.append(state.thresholds)
        flags.append(np.full(u, label == 1))
        counts.append(state.counts[i])
        if state.weighted:
            weights.append(state.weight_sums[i])
    cat = (lambda parts: np.concatenate(parts) if parts else np.zeros(0))
    return (cat(thresholds).astype(state.thresholds.dtype, copy=False),
            cat(flags).astype(bool), cat(counts).astype(np.int64),
            cat(weights) if state.weighted else None)


def _binary_from_entries(thresholds, positive, counts, weights) -> ScoreState:
    """A binary ScoreState from table entries (score, is-positive, count[, weight]).

    The entries are sorted as rows with their counts as weights (float64 sums
    of integer counts are exact below 2**53), and with their weights in a
    second pass when the state is weighted.
    """
    thresholds = np.ascontiguousarray(thresholds).reshape(-1, 1)
    if thresholds.dtype.kind != "f":
        thresholds = thresholds.astype(np.float64)
    labels = np.asarray(positive).reshape(-1, 1)
    if thresholds.shape[0] >= kernels.PARALLEL_MIN_CELLS:
        # many entries: the two-thread radix sort of the binary kernel
        flat, flags = thresholds.reshape(-1), np.ascontiguousarray(labels.reshape(-1),
                                                                    dtype=np.uint8)
        t, _, _, pos_c, neg_c = ranking_kernels.distinct_score_table(
            flat, flags, counts.astype(np.float64))
        class_weights = None
        if weights is not None:
            _, _, _, pos_w, neg_w = ranking_kernels.distinct_score_table(
                flat, flags, np.asarray(weights, np.float64))
            class_weights = np.stack([neg_w, pos_w])
        return _binary_state(t, np.rint(np.stack([neg_c, pos_c])).astype(np.int64),
                             class_weights)
    t, _, count_sums, _ = kernels.binary_score_tables(thresholds, labels,
                                                      counts.astype(np.float64))
    class_weights = None
    if weights is not None:
        _, _, class_weights, _ = kernels.binary_score_tables(thresholds, labels,
                                                             np.asarray(weights, np.float64))
    return _binary_state(t, np.rint(count_sums).astype(np.int64), class_weights)


def _binary_state(thresholds, counts, weights) -> ScoreState:
    """ScoreState of a (2, U) table (negatives, positives), keeping the classes present."""
    classes = np.array([0, 1])
    keep = counts.any(axis=1)
    if not keep.all():
        counts, classes = counts[keep], classes[keep]
        weights = None if weights is None else weights[keep]
    return ScoreState(thresholds, counts, weights, classes)

"""States of ranking scores with a score matrix: multiclass and multilabel targets.

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

from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np

from .build import _batches, _columns, _warn_dropped, is_multilabel_input, score_state
from .build import binary_areas as build_binary_areas
from ._state import State
from ._encode import Column, check_weights, count_scores, float_values
from .calibration_build import present_classes
from .exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                         InvalidParameterError, LabelError, StateMergeError, format_message)
from .inputs import DictionaryChunk
from .kernels.cpu import class_tables as kernels
from .kernels.cpu import row_ranking
from .kernels.cpu.score_checks import score_checks
from .kernels.cpu import ranking as ranking_kernels
from .kernels.cpu.confusion import label_codes
from .states import ScoreState, label_index, merged_labels

__all__ = ["MulticlassScoreState", "MultilabelScoreState", "MulticlassAreas",
           "multiclass_score_state", "check_score_labels"]


# ---------------------------------------------------------------------------
# states
# ---------------------------------------------------------------------------

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
    def weighted(self) -> bool:
        return self.weight_sums is not None

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
        class_counts = _spread_add(self.class_counts, map_a, other.class_counts, map_b,
                                   classes.size)
        class_weights = None
        if self.weighted or other.weighted:
            class_weights = _spread_add(
                self.class_amounts().astype(np.float64), map_a,
                other.class_amounts().astype(np.float64), map_b, classes.size)
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


def _spread_add(a, map_a, b, map_b, size):
    out = np.zeros(size, dtype=np.result_type(a.dtype, b.dtype))
    out[map_a] += a
    out[map_b] += b
    return out


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


# ---------------------------------------------------------------------------
# labels=
# ---------------------------------------------------------------------------

def check_score_labels(labels, n_columns: int | None) -> np.ndarray:
    """scikit-learn's checks of ``labels=`` for a multiclass ROC AUC.

    Unique, ordered (sorted) and, when ``n_columns`` is given, one per score
    column. Returns the labels as an array (strings as ``str``).
    """
    arr = np.asarray(labels)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()
    if arr.ndim != 1:
        raise InvalidParameterError(format_message(
            "labels", f"must be a 1-D list of labels, got shape {arr.shape}"))
    if arr.dtype == object:
        arr = arr.astype(str)
    classes = np.unique(arr)
    if classes.size != arr.size:
        raise LabelError(format_message("labels", "Parameter 'labels' must be unique",
                                        fix="List each class once"))
    if not np.array_equal(classes, arr):
        raise LabelError(format_message(
            "labels", "Parameter 'labels' must be ordered",
            fix="List the classes sorted, in the order of y_score's columns"))
    if n_columns is not None and arr.size != n_columns:
        raise LabelError(format_message(
            "labels", f"Number of given labels, {arr.size}, not equal to the number of "
                      f"columns in 'y_score', {n_columns}",
            fix="Give one label per score column"))
    return arr


def column_classes(classes: np.ndarray, labels, n_columns: int) -> np.ndarray:
    """Index in ``classes`` of each score column's class (-1: no row carries it)."""
    if labels is None:
        return np.arange(n_columns) if classes.size == n_columns else np.full(n_columns, -1)
    index = {v: i for i, v in enumerate(classes.tolist())}
    return np.array([index.get(v, -1) for v in np.asarray(labels).tolist()], dtype=np.int64)


def _check_labels_cover(t: Column, classes, array, lookup, offset, labels) -> None:
    """Every class of this batch of ``y_true`` must be in ``labels``."""
    if classes.size and labels.size and (
            (classes.dtype.kind in "OUS") != (labels.dtype.kind in "OUS")):
        raise LabelError(format_message(
            "labels", f"holds {labels.tolist()[:5]} but {t.name} holds "
                      f"{classes.tolist()[:5]} (strings and numbers do not mix)",
            fix="Pass labels of the same type as y_true"))
    missing = ~np.isin(classes, labels)
    if missing.any():
        c = int(np.flatnonzero(missing)[0])
        codes = lookup[np.asarray(array).astype(np.int64) - offset]
        raise LabelError(format_message(
            t.name, f"'y_true' contains labels not in parameter 'labels' (such as "
                    f"{classes[c].item()!r}, not in {labels.tolist()[:10]})",
            row=t.row(int(np.flatnonzero(codes == c)[0])),
            fix="List every class of y_true in labels="))


# ---------------------------------------------------------------------------
# one batch
# ---------------------------------------------------------------------------

def _score_matrix(col: Column, allow_1d: bool = False) -> np.ndarray:
    """Scores as a C-contiguous float32/float64 array (2-D unless ``allow_1d``)."""
    v = float_values(col)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim == 1 and not allow_1d:
        raise InputTypeError(format_message(
            col.name, "is 1-D; a score matrix (n_samples, n_classes) is needed here",
            fix="Pass one column of scores per class, or use score_state for a binary "
                "target"))
    return np.ascontiguousarray(v)


def _raise_nonfinite(col: Column, v: np.ndarray, first: int) -> None:
    """The error for the first NaN/inf score (``first``: row-major flat index)."""
    row, j = divmod(first, v.shape[1]) if v.ndim == 2 else (first, None)
    value = v.reshape(-1)[first].item()
    what = "NaN" if value != value else ("infinity" if value > 0 else "-infinity")
    raise InvalidInputError(format_message(
        col.name, f"contains {what}" + (f" in column {j}" if j is not None else ""),
        row=col.row(row), fix="Scores must be finite: drop or impute those rows"))


def _finite_scores(col: Column, allow_1d: bool = False) -> np.ndarray:
    v = _score_matrix(col, allow_1d)
    flat = v.reshape(-1)
    if flat.size < kernels.PARALLEL_MIN_CELLS:  # no parallel launch for a few rows
        bad = np.flatnonzero(~np.isfinite(flat))
        n_bad, first = bad.size, (int(bad[0]) if bad.size else -1)
    else:
        n_bad, first = ranking_kernels.count_nonfinite(flat)
    if n_bad:
        _raise_nonfinite(col, v, first)
    return v


def _weights(col: Column | None):
    return None if col is None else np.ascontiguousarray(
        check_weights(col).astype(np.float64, copy=False))


def _class_codes(array, lookup, offset, n_classes) -> np.ndarray:
    if n_classes <= 256:
        return label_codes(array, lookup, offset).astype(np.int32)
    return lookup[np.asarray(array).astype(np.int64) - offset].astype(np.int32)


def _multiclass_rows(t: Column, s: Column, w: Column | None, labels):
    """Checked arrays of one batch: ``(scores, classes, codes, weights, unnormalized)``."""
    scores = _score_matrix(s)
    # NaN/inf and the rows' sums in one pass over the scores
    n_nonfinite, first_nonfinite, n_bad, first = score_checks(scores)
    if n_nonfinite:
        _raise_nonfinite(s, scores, first_nonfinite)
    weights = _weights(w)
    if not isinstance(t.values, DictionaryChunk) and t.values.ndim != 1:
        raise InputTypeError(format_message(
            t.name, "must be 1-D labels with a score matrix (or a 2-D indicator target "
                    "with more than one column)", fix="Pass one label per row"))
    classes, array, lookup, offset = present_classes(t)
    if labels is not None:
        check_score_labels(labels, scores.shape[1])
        _check_labels_cover(t, classes, array, lookup, offset, labels)
    codes = _class_codes(array, lookup, offset, classes.size)
    return scores, classes, codes, weights, (n_bad, s.row(first) if n_bad else -1)


def _multiclass_part(t, s, w, labels, samples) -> MulticlassScoreState:
    scores, classes, codes, weights, (n_bad, first) = _multiclass_rows(t, s, w, labels)
    thresholds, counts, wsums, offsets = kernels.class_score_tables(
        scores, codes, classes.size, weights)
    return MulticlassScoreState(
        classes, scores.shape[1], thresholds, counts, wsums, offsets,
        np.bincount(codes, minlength=classes.size).astype(np.int64),
        None if weights is None else np.bincount(codes, weights, minlength=classes.size),
        labels,
        row_ranking.reciprocal_rank_sums(scores, codes, classes.size, weights) if samples else None,
        n_bad, first)


def _multiclass_areas(t, s, w, labels, samples, n_dropped, pairwise, micro):
    """:class:`MulticlassAreas` of one batch, or None where tables are needed.

    Tables are needed where a finalizer must fall back to the curves: a
    column whose positive (or negative) rows all weigh zero. With ``micro``
    only the raveled problem is solved (see :class:`MulticlassAreas`).
    """
    scores, classes, codes, weights, (n_bad, first) = _multiclass_rows(t, s, w, labels)
    n_columns = scores.shape[1]
    counts = np.bincount(codes, minlength=classes.size).astype(np.int64)
    cweights = None if weights is None else np.bincount(codes, weights,
                                                        minlength=classes.size)
    diag = column_classes(classes, labels, n_columns)
    width = classes.size if pairwise else 1
    twice = np.zeros((n_columns, width), dtype=np.int64 if weights is None else np.float64)
    ap = np.zeros(n_columns)
    raveled = None
    if micro:
        if (diag >= 0).any():
            raveled = _raveled(scores, codes, diag, weights)
    elif (diag >= 0).any():  # else the finalizer refuses: classes and columns differ
        if cweights is not None:
            present = diag >= 0
            pos_c = np.where(present, counts[np.maximum(diag, 0)], 0)
            pos_w = np.where(present, cweights[np.maximum(diag, 0)], 0.0)
            both = (pos_c > 0) & (counts.sum() - pos_c > 0)
            if np.any(both & ((pos_w == 0) | (cweights.sum() - pos_w == 0))):
                return None
        twice, ap = kernels.class_score_areas(scores, codes, classes.size, diag, weights,
                                              pairwise=pairwise)
    return MulticlassAreas(
        classes, n_columns, diag, twice, ap, counts, cweights, labels,
        row_ranking.reciprocal_rank_sums(scores, codes, classes.size, weights) if samples else None,
        n_bad, first, n_dropped, raveled)


def _raveled(scores, codes, diag, weights):
    """The micro-averaged problem: every score cell, positive where it is the row's class.

    The raveled scores are a view of the C-contiguous matrix (no copy); the
    labels take one byte per cell. Without weights only the areas come back
    (``distinct_score_areas``: no table), with weights (or few cells) a
    binary ScoreState (each row's weight repeated over its cells, as
    scikit-learn does).
    """
    positive = (codes[:, None] == diag[None, :]).reshape(-1).view(np.uint8)
    flat = scores.reshape(-1)
    repeated = None if weights is None else np.repeat(weights, scores.shape[1])
    if flat.size < kernels.PARALLEL_MIN_CELLS:
        # few cells: one thread, without the parallel launches of the radix kernel
        t, counts, sums, _ = kernels.binary_score_tables(flat.reshape(-1, 1),
                                                         positive.reshape(-1, 1), repeated)
        return _binary_state(t, counts, sums)
    if weights is None:
        twice, n_pos, n_neg, ap_sum = ranking_kernels.distinct_score_areas(flat, positive)
        return (twice, n_pos, n_neg, ap_sum)
    t, pos, neg, pos_w, neg_w = ranking_kernels.distinct_score_table(flat, positive, repeated)
    return _binary_state(t, np.stack([neg, pos]), np.stack([neg_w, pos_w]))


def _indicators(col: Column) -> np.ndarray:
    """A 2-D 0/1 target as contiguous uint8, refusing any other value."""
    v = col.values
    if isinstance(v, DictionaryChunk) or v.dtype.kind not in "biuf":
        raise InputTypeError(format_message(
            col.name, "must be a 2-D 0/1 indicator array for a multilabel target",
            fix="Pass 0/1 integers or booleans"))
    if v.dtype.kind == "b":
        return np.ascontiguousarray(v).view(np.uint8)
    bad = (v != 0) & (v != 1)
    if bad.any():
        row, j = divmod(int(np.flatnonzero(bad.ravel())[0]), v.shape[1])
        raise LabelError(format_message(
            col.name, f"holds {v[row, j].item()!r} in indicator column {j}; a multilabel "
                      "target must contain only 0 and 1 (scikit-learn calls this target "
                      "'multiclass-multioutput', which ranking scores do not support)",
            row=col.row(row),
            fix="Binarize the labels (e.g. sklearn.preprocessing.MultiLabelBinarizer)"))
    return np.ascontiguousarray(v, dtype=np.uint8)


def _multilabel_part(t, s, w, samples, max_fpr) -> MultilabelScoreState:
    truth = _indicators(t)
    if truth.shape[1] < 2:
        raise InputTypeError(format_message(
            t.name, "is 2-D with one column", fix="Pass 1-D labels, e.g. y.ravel()"))
    scores = _finite_scores(s, allow_1d=True)
    if scores.ndim != 2 or scores.shape[1] != truth.shape[1]:
        shape = scores.shape[1] if scores.ndim == 2 else "no"
        raise InputTypeError(format_message(
            f"{t.name} and {s.name}", f"have {truth.shape[1]} indicator columns and "
                                      f"{shape} score columns",
            fix="Pass one score column per indicator column"))
    weights = _weights(w)
    thresholds, counts, sums, offsets = kernels.binary_score_tables(scores, truth, weights)
    columns = []
    for j in range(truth.shape[1]):
        part = slice(offsets[j], offsets[j + 1])
        columns.append(_binary_state(thresholds[part], counts[:, part],
                                     None if sums is None else sums[:, part]))
    n = truth.shape[0]
    wsum = float(n) if weights is None else float(weights.sum())
    if not samples:
        return MultilabelScoreState(tuple(columns), sample_weight_sum=wsum,
                                    samples_max_fpr=max_fpr)
    auc, ap = row_ranking.row_ranking_scores(truth, scores, max_fpr)
    n_undefined = int(np.isnan(auc).sum())
    n_no_positive = int((truth.sum(axis=1) == 0).sum())
    if weights is not None:  # scikit-learn forces the scores of zero-weight rows to 0
        nz = weights != 0
        auc_sum = float(np.sum(auc[nz] * weights[nz]))
        ap_sum = float(np.sum(ap[nz] * weights[nz]))
    else:
        auc_sum, ap_sum = float(np.sum(auc)), float(np.sum(ap))
    return MultilabelScoreState(tuple(columns), auc_sum, ap_sum, wsum, n_undefined,
                                n_no_positive, max_fpr)


# ---------------------------------------------------------------------------
# builders
# ---------------------------------------------------------------------------

def _kind(batch, names) -> str:
    t = batch.columns["y_true"]
    s = batch.columns["y_score"]
    if not isinstance(t, DictionaryChunk) and t.ndim == 2:
        if t.shape[1] == 1:
            raise InputTypeError(format_message(
                names["y_true"], "is 2-D with one column",
                fix="Pass 1-D labels, e.g. y.ravel()"))
        return "multilabel"
    if isinstance(s, DictionaryChunk) or s.ndim == 1 or s.shape[1] == 1:
        return "binary"
    return "multiclass"


def ranking_state(y_true, y_score, *, sample_weight=None, labels=None, data=None,
                  drop_nulls=False, allow_binary=True, areas=False, pairwise=True,
                  micro=False, samples=True, samples_max_fpr=None, binary_areas=False):
    """The state of a ranking score: binary, multiclass or multilabel.

    1-D scores give a :class:`~fastmetrics.ScoreState` (exactly as
    :func:`~fastmetrics.score_state`), a score matrix with 1-D labels a
    :class:`MulticlassScoreState` (or, with ``areas=True`` and one batch of
    rows, the smaller :class:`MulticlassAreas`, with the one-vs-one counts of
    every pair of classes when ``pairwise``, or only the raveled problem when
    ``micro``), a 2-D indicator target a
    :class:`MultilabelScoreState`. ``samples`` asks for what
    ``average="samples"`` needs (per-row sums). ``binary_areas``: an unweighted
    binary target in one batch gives its :class:`~fastmetrics.build.BinaryAreas`
    (ROC AUC and AP sums without the table of distinct scores).
    """
    if data is None and not is_multilabel_input(y_true) and not is_multilabel_input(y_score):
        if allow_binary:
            with _one_score_column():
                if binary_areas and sample_weight is None:
                    return build_binary_areas(y_true, y_score, drop_nulls=drop_nulls)
                return score_state(y_true, y_score, sample_weight=sample_weight,
                                   drop_nulls=drop_nulls)
    roles = {"y_true": y_true, "y_score": y_score, "sample_weight": sample_weight}
    _, names, batches = _batches(roles, data, drop_nulls,
                                 two_d=frozenset({"y_true", "y_score"}))
    batches = iter(batches)
    pushed_back = []  # a batch read ahead (to learn whether there is only one)
    parts = []
    kind = None
    n_dropped = 0
    labels_checked = False
    while True:
        batch = pushed_back.pop() if pushed_back else next(batches, None)
        if batch is None:
            break
        n_dropped += batch.n_dropped
        if batch.length == 0:
            continue
        this = _kind(batch, names)
        if kind is None:
            kind = this
            if kind == "binary" and not allow_binary:
                raise InputTypeError(format_message(
                    names["y_score"], "is 1-D; a score matrix (n_samples, n_classes) or a "
                                      "multilabel target is needed here",
                    fix="Use score_state for a binary target"))
        elif this != kind:
            raise InputTypeError(format_message(
                names["y_score"], f"changes shape between batches ({kind} then {this})",
                fix="Give every batch the same columns"))
        t, s, w = (_columns(batch, names, r) for r in ("y_true", "y_score", "sample_weight"))
        if kind == "binary":
            with _one_score_column():
                parts.append(count_scores(t, s, w))
        elif kind == "multilabel":  # labels= is for multiclass targets only, as in sklearn
            parts.append(_multilabel_part(t, s, w, samples, samples_max_fpr))
        else:
            if labels is not None and not labels_checked:
                labels = check_score_labels(labels, None)
                labels_checked = True
            if areas and not parts:
                nxt = next(batches, None)
                while nxt is not None and nxt.length == 0:
                    n_dropped += nxt.n_dropped
                    nxt = next(batches, None)
                if nxt is None:  # one batch: reduce as the columns are sorted
                    found = _multiclass_areas(t, s, w, labels, samples, n_dropped,
                                              pairwise, micro)
                    if found is not None:
                        _warn_dropped(n_dropped)
                        return found
                parts.append(_multiclass_part(t, s, w, labels, samples))
                if nxt is not None:
                    pushed_back.append(nxt)
                continue
            parts.append(_multiclass_part(t, s, w, labels, samples))
    _warn_dropped(n_dropped)
    if not parts:
        raise EmptyInputError(format_message("y_true", "is empty", fix="Pass at least one row"))
    if kind == "binary":  # sequential merges, as score_state does
        state = parts[0]
        for part in parts[1:]:
            state = state.merge(part)
        return replace(state, n_dropped=n_dropped) if n_dropped else state
    state = State.merge_all(parts)  # a balanced tree: O(T log B) for B parts
    return replace(state, n_dropped=n_dropped) if n_dropped else state


@contextmanager
def _one_score_column():
    """Word the binary scorer's "more than two classes" for ranking scores, which
    take such a target with a score matrix."""
    try:
        yield
    except LabelError as exc:
        message = str(exc)
        if "exact curves take a binary target" not in message:
            raise
        name, problem = message.split(": ", 1)
        raise LabelError(format_message(
            name, f"{problem.split('; ')[0]} but y_score is 1-D: a multiclass target needs "
                  "one score column per class",
            fix="Pass y_score of shape (n_samples, n_classes) (with multi_class='ovr' or "
                "'ovo' for roc_auc_score)")) from None


def multiclass_score_state(y_true, y_score, *, labels=None, sample_weight=None, data=None,
                           drop_nulls=False):
    """Sort a score matrix once into a mergeable multiclass or multilabel state.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or column name
        1-D class labels (any label type) for a multiclass target, or a 2-D 0/1
        indicator array (numpy, scipy sparse, pyarrow fixed-size lists, lists of
        lists) for a multilabel target.
    y_score : array-like of shape (n_samples, n_columns), or column name(s)
        One score column per class (in sorted label order, or the order of
        ``labels``) or per indicator column: numpy arrays, lists of lists,
        pyarrow fixed-size-list arrays, DataFrames; with ``data=``, a
        fixed-size-list column or a list of column names.
    labels : array-like of shape (n_columns,), optional
        Multiclass only: the class of each score column, sorted and unique
        (scikit-learn's ``labels`` of ``roc_auc_score``). Every class of
        ``y_true`` must be listed; checked batch by batch, naming the first
        offending row.
    sample_weight : array-like of shape (n_samples,) or column name, optional
    data, drop_nulls
        As for :func:`fastmetrics.confusion_state`.

    Returns
    -------
    MulticlassScoreState or MultilabelScoreState

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.multiclass_score_state(["a", "b", "c", "b"],
    ...                               [[0.6, 0.3, 0.1], [0.2, 0.7, 0.1],
    ...                                [0.1, 0.3, 0.6], [0.5, 0.4, 0.1]])
    >>> s.classes.tolist(), s.n_columns
    (['a', 'b', 'c'], 3)
    >>> s.segment(1, 1)  # column 1's scores of class "b", descending, with counts
    (array([0.7, 0.4]), array([1, 1]), None)
    >>> fm.roc_auc_score.from_state(s, multi_class="ovo")
    np.float64(1.0)
    """
    return ranking_state(y_true, y_score, sample_weight=sample_weight, labels=labels,
                         data=data, drop_nulls=drop_nulls, allow_binary=False)

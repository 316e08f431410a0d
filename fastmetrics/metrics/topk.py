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

import numbers
import warnings
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .._encode import Column, _raise_nonfinite, check_weights, float_values
from .._state import State, record
from ..build import _batches, _columns, _warn_dropped
from ..calibration_build import _first_row_of, present_classes
from ..exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                          InvalidParameterError, LabelError, StateMergeError,
                          UndefinedMetricWarning, format_message)
from ..kernels.cpu import topk as kernels
from ..states import label_index, merged_labels, union_labels
from ._common import check_normalize_flag, fill_doc, finalized_by, label_positions

__all__ = ["top_k_accuracy_score", "top_k_state", "TopKState"]

_COMMON_PARAMS_DOC = """    data : pyarrow Table, RecordBatchReader, DataFrame, dict or path, optional
        When given, ``y_true`` (and ``sample_weight``) are column names of
        ``data``, and ``y_score`` a column name (1-D scores or a fixed-size-list
        column) or a list of column names (one per class, in the order of the
        classes); an in-memory table or a Parquet / Arrow IPC / CSV file or
        dataset directory, read batch by batch.
    drop_nulls : bool, default=False
        Rows holding a null raise :class:`~fastmetrics.exceptions.NullValueError`
        unless this is True; then they are dropped and a
        :class:`~fastmetrics.exceptions.NullsDroppedWarning` says how many."""

_DOCS = dict(common_params=_COMMON_PARAMS_DOC)


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
    def weighted(self) -> bool:
        return self.weight_sums is not None

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


# ---------------------------------------------------------------------------
# building the state
# ---------------------------------------------------------------------------

def _check_labels(labels):
    """``labels=`` as scikit-learn accepts it: 1-D, unique and sorted."""
    if labels is None:
        return None
    arr = np.asarray(labels)
    if arr.ndim != 1:
        raise InvalidParameterError(format_message(
            "labels", f"must be a 1-D list of labels, got shape {arr.shape}"))
    if arr.dtype == object:
        if not all(isinstance(v, str) for v in arr.tolist()):
            raise LabelError(format_message(
                "labels", f"mixes strings and other values ({arr.tolist()[:5]})",
                fix="Pass labels of one type, as in y_true"))
        arr = arr.astype(str)
    uniq = np.unique(arr)
    if uniq.size != arr.size:
        raise LabelError(format_message("labels", "must be unique",
                                        fix="List each label once"))
    if not np.array_equal(uniq, arr):
        raise LabelError(format_message(
            "labels", f"must be ordered (sorted), got {arr.tolist()[:10]}",
            fix=f"Pass labels={uniq.tolist()[:10]}{'...' if uniq.size > 10 else ''} and "
                "order the y_score columns the same way"))
    return arr


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
                    f"{labels.tolist()[:10]}", row=_first_row_of(t, array, lookup, offset, c),
            fix="List every class of y_true in labels="))
    return col_of


def _count_batch(t: Column, s: Column, w: Column | None, labels, known) -> TopKState:
    """State of one batch; ``known`` is the state of the batches before it."""
    scores = _scores(s)
    weights = None if w is None else np.ascontiguousarray(
        check_weights(w).astype(np.float64, copy=False))
    classes, array, lookup, offset = present_classes(t)
    given = labels is not None
    col_of = None if not given else _class_columns(t, classes, array, lookup, offset, labels)
    if scores.ndim == 1:
        _check_one_d_classes(classes)
        counts, sums, unit, bad = kernels.binary_counts(array, lookup, offset,
                                                        max(classes.size, 1), scores, weights)
        _raise_nonfinite(s, bad)
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
        _raise_nonfinite(s, bad)
        return TopKState(classes, k, counts, sums, columns, given)
    # Columns not settled yet: check the scores now, count the rows later.
    _, _, bad = kernels.rank_counts(array, np.full(lookup.size, -1, np.int64), offset, scores)
    _raise_nonfinite(s, bad)
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
    labels = _check_labels(labels)
    roles = {"y_true": y_true, "y_score": y_score, "sample_weight": sample_weight}
    _, names, batches = _batches(roles, data, drop_nulls, two_d=frozenset({"y_score"}))
    state = None
    n_dropped = 0
    for batch in batches:
        n_dropped += batch.n_dropped
        if batch.length == 0:
            continue
        part = _count_batch(_columns(batch, names, "y_true"), _columns(batch, names, "y_score"),
                            _columns(batch, names, "sample_weight"), labels, state)
        state = part if state is None else state.merge(part)
    _warn_dropped(n_dropped)
    if state is None:
        raise EmptyInputError(format_message("y_true", "is empty", fix="Pass at least one row"))
    if n_dropped:
        state = TopKState(state.classes, state.n_columns, state.counts, state.weight_sums,
                          state.column_classes, state.labels_given, state.in_unit_interval,
                          state.pending, n_dropped)
    return state


# ---------------------------------------------------------------------------
# top_k_accuracy_score
# ---------------------------------------------------------------------------

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

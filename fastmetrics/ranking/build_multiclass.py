"""Build the states of a score matrix: multiclass and multilabel targets.

:func:`multiclass_score_state` (and the metrics' :func:`ranking_state`) read an
``(n_samples, n_columns)`` score matrix with 1-D multiclass labels or a 2-D
indicator target, count each batch into the class tables of
``kernels/cpu/class_tables.py`` (or, for one batch, straight into the areas)
and merge them.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace

import numpy as np

from .._core.columns import (Column, float_values, float_weights, raise_nonfinite,
                             raise_not_indicator)
from .._core.labels import check_labels_kind, checked_sorted_labels, present_classes
from .._core.pipeline import batch_column, is_multilabel_input, open_batches, warn_dropped
from .._core.state import State
from ..exceptions import EmptyInputError, InputTypeError, LabelError, format_message
from ..inputs import DictionaryChunk
from ..kernels.cpu import class_tables as kernels, ranking as ranking_kernels, row_ranking
from ..kernels.cpu.confusion import label_codes
from ..kernels.cpu.score_checks import score_checks
from .build import binary_areas as build_binary_areas, count_scores, score_state
from .state import MulticlassAreas, MulticlassScoreState, MultilabelScoreState, _binary_state

__all__ = ['check_score_labels', 'multiclass_score_state']


def check_score_labels(labels, n_columns: int | None) -> np.ndarray:
    """scikit-learn's checks of ``labels=`` for a multiclass ROC AUC.

    Unique, ordered (sorted) and, when ``n_columns`` is given, one per score
    column. Returns the labels as an array (strings as ``str``).
    """
    arr = checked_sorted_labels(labels)
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
    check_labels_kind(labels, classes, t.name)
    missing = ~np.isin(classes, labels)
    if missing.any():
        c = int(np.flatnonzero(missing)[0])
        codes = lookup[np.asarray(array).astype(np.int64) - offset]
        raise LabelError(format_message(
            t.name, f"'y_true' contains labels not in parameter 'labels' (such as "
                    f"{classes[c].item()!r}, not in {labels.tolist()[:10]})",
            row=t.row(int(np.flatnonzero(codes == c)[0])),
            fix="List every class of y_true in labels="))


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


def _finite_scores(col: Column, allow_1d: bool = False) -> np.ndarray:
    v = _score_matrix(col, allow_1d)
    flat = v.reshape(-1)
    if flat.size < kernels.PARALLEL_MIN_CELLS:  # no parallel launch for a few rows
        bad = np.flatnonzero(~np.isfinite(flat))
        n_bad, first = bad.size, (int(bad[0]) if bad.size else -1)
    else:
        n_bad, first = ranking_kernels.count_nonfinite(flat)
    if n_bad:
        raise_nonfinite(col, first, v)
    return v


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
        raise_nonfinite(s, first_nonfinite, scores)
    weights = float_weights(w)
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
        raise_not_indicator(col, row, j, v[row, j].item(),
                            note=" (scikit-learn calls this target 'multiclass-multioutput', "
                                 "which ranking scores do not support)")
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
    weights = float_weights(w)
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
    binary target in one batch gives its :class:`~fastmetrics.ranking.state.BinaryAreas`
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
    _, names, batches = open_batches(roles, data, drop_nulls,
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
        t, s, w = (batch_column(batch, names, r) for r in ("y_true", "y_score", "sample_weight"))
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
                        warn_dropped(n_dropped)
                        return found
                parts.append(_multiclass_part(t, s, w, labels, samples))
                if nxt is not None:
                    pushed_back.append(nxt)
                continue
            parts.append(_multiclass_part(t, s, w, labels, samples))
    warn_dropped(n_dropped)
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

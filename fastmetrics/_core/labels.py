"""Map label columns of one batch to class codes, and count them into a state.

Labels arrive as numeric numpy arrays (bool, int, uint, integral float) or as
:class:`~fastmetrics._inputs.DictionaryChunk` (strings and categoricals). The
kernels want, per column, an array plus an int64 lookup table such that
``lookup[value - offset]`` is the class code. How that table is built depends
on the labels:

* numeric labels whose range ``hi - lo + 1`` is small: an identity table over
  the whole range; absent values are compacted away after counting;
* numeric labels with a wide but bounded range (e.g. {3, 70000}): one
  presence pass marks the values that occur, the table maps them to 0..K-1;
* anything wider (or uint64 beyond int64): ``np.unique`` (sort-based; slow but
  rare);
* dictionaries: the union of the (small) dictionaries is sorted once and the
  indices are used directly, so strings are never compared per row.

Classes always end up sorted exactly as ``sklearn.utils.multiclass.unique_labels``
sorts them, so every finalizer can follow scikit-learn line by line.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import (InvalidInputError, InvalidParameterError, LabelError,
                          StateMergeError, format_message)
from ..inputs import DictionaryChunk
from ..kernels.cpu import confusion as kernels
from ..kernels.cpu.confusion import label_presence
from .columns import Column, numeric_values

__all__ = ['union_labels', 'merged_labels', 'label_index']


#: Numeric label ranges up to this size are counted directly over the range.
DENSE_RANGE = 256


#: Up to this range a presence pass maps values to codes; beyond, np.unique.
PRESENCE_RANGE = 1 << 24


_INT64_MAX = np.iinfo(np.int64).max


def is_text(labels: np.ndarray) -> bool:
    """Whether labels are strings (the one test of the label kind)."""
    return labels.dtype.kind in "OUS"


def check_label_values(col: Column, scan) -> None:
    """Raise the project's error for NaN/inf or non-integral float labels."""
    _, _, first_nonfinite, first_nonintegral = scan
    if first_nonfinite >= 0:
        raise InvalidInputError(format_message(
            col.name, "contains NaN or infinity", row=col.row(first_nonfinite),
            fix="Labels must be finite: drop or impute those rows"))
    if first_nonintegral >= 0:
        value = numeric_values(col)[first_nonintegral]
        what = ("the non-integral value" if value != np.floor(value)
                else "a value beyond the int64 range,")
        raise LabelError(format_message(
            col.name, f"holds {what} {value!r}; classification labels "
                      "must be integers, booleans or strings (scikit-learn calls this "
                      "target 'continuous')", row=col.row(first_nonintegral),
            fix="If these are scores, pass threshold= to turn them into predictions"))


def _label_kind(col: Column) -> str:
    v = col.values
    if isinstance(v, DictionaryChunk):
        return "number" if v.dictionary.dtype.kind in "biuf" else "string"
    return "number"


def _check_same_kind(cols) -> str:
    kinds = {c.name: _label_kind(c) for c in cols}
    if len(set(kinds.values())) > 1:
        desc = ", ".join(f"{n} has {k} labels" for n, k in kinds.items())
        raise LabelError(format_message(
            " and ".join(kinds), f"mix label types ({desc})",
            fix="Encode both columns the same way, e.g. both as strings"))
    return next(iter(kinds.values()))


def value_dtype(cols) -> np.dtype:
    """dtype of the class values: bool only if every column is bool, float if any is."""
    kinds = {c.values.dictionary.dtype.kind if c.is_dictionary else c.values.dtype.kind
             for c in cols}
    if kinds == {"b"}:
        return np.dtype(bool)
    if "f" in kinds:
        return np.dtype(np.float64)
    return np.dtype(np.int64)


def encode_columns(cols):
    """Shared class candidates and per-column ``(array, lookup, offset)``.

    The candidates are sorted; some may not occur (they are compacted away
    after counting, using the unweighted counts).
    """
    kind = _check_same_kind(cols)
    if kind == "string" or all(c.is_dictionary for c in cols):
        dicts = [c.values.dictionary for c in cols]
        if kind == "string":
            dicts = [d.astype(str) if d.dtype.kind == "O" else d for d in dicts]
        candidates = np.unique(np.concatenate(dicts)) if len(dicts) > 1 else np.unique(dicts[0])
        parts = [(c.values.indices, np.searchsorted(candidates, d).astype(np.int64), 0)
                 for c, d in zip(cols, dicts)]
        return candidates, parts

    arrays = [numeric_values(c) for c in cols]
    dtype = value_dtype(cols)
    if any(a.dtype == np.uint64 and a.size and a.max() > _INT64_MAX for a in arrays):
        # Beyond int64: exact only as uint64, which needs every label non-negative.
        if dtype.kind == "f" or any(a.dtype.kind == "i" and a.size and a.min() < 0
                                    for a in arrays):
            raise LabelError(format_message(
                " and ".join(c.name for c in cols),
                "mix uint64 labels above 2**63 - 1 with negative or float labels, which "
                "have no exact common type", fix="Encode the labels as strings"))
        return _encode_by_unique([a.astype(np.uint64, copy=False) for a in arrays],
                                 np.dtype(np.uint64))
    lo, hi = None, None
    for c, a in zip(cols, arrays):
        scan = kernels.scan_labels(a)
        check_label_values(c, scan)
        if scan[0] <= scan[1]:
            lo = scan[0] if lo is None else min(lo, scan[0])
            hi = scan[1] if hi is None else max(hi, scan[1])
    if lo is None:  # no rows
        return np.zeros(0, dtype=dtype), [(a, np.zeros(1, np.int64), 0) for a in arrays]
    width = hi - lo + 1
    if width <= DENSE_RANGE:
        lookup = np.arange(width, dtype=np.int64)
        candidates = np.arange(lo, hi + 1).astype(dtype)
        return candidates, [(a, lookup, lo) for a in arrays]
    if width <= PRESENCE_RANGE:
        present = np.zeros(width, dtype=bool)
        for a in arrays:
            present |= kernels.label_presence(a, lo, width)
        lookup = np.full(width, -1, dtype=np.int64)
        lookup[present] = np.arange(int(present.sum()))
        candidates = (lo + np.flatnonzero(present)).astype(dtype)
        return candidates, [(a, lookup, lo) for a in arrays]
    return _encode_by_unique(arrays, dtype)


def _encode_by_unique(arrays, dtype):
    """Sort-based fallback for labels spread over a huge range."""
    candidates = np.unique(np.concatenate([np.unique(a) for a in arrays]))
    identity = np.arange(candidates.size, dtype=np.int64)
    parts = [(np.searchsorted(candidates, a).astype(np.int64), identity, 0) for a in arrays]
    return candidates.astype(dtype), parts


def encode_groups(col: Column | None):
    """Kernel arguments for an optional ``groups`` column.

    Returns ``(candidates, array, lookup, offset, n_groups)``; without groups,
    ``(None, None, None, 0, 1)``: one implicit group.
    """
    if col is None:
        return None, None, None, 0, 1
    candidates, [(array, lookup, offset)] = encode_columns([col])
    return candidates, array, lookup, offset, candidates.shape[0]


def check_label_kind(argument: str, label, classes: np.ndarray, column: str) -> None:
    """Refuse a string ``label`` for numeric ``classes`` of ``column``, and the reverse."""
    if classes.size and is_text(classes) != isinstance(label, str):
        raise LabelError(format_message(
            argument, f"={label!r} does not match the type of the labels in {column} "
                      f"({classes.tolist()[:3]})", fix="Pass one of those labels"))


def union_labels(a: np.ndarray, b: np.ndarray, what: str) -> np.ndarray:
    """Sorted union of two label arrays, refusing to mix strings and numbers."""
    if a.size and b.size and is_text(a) != is_text(b):
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


def present_classes(col: Column):
    """Classes present in a label column and a lookup to their codes.

    Returns ``(classes, array, lookup, offset)``: sorted labels that occur in
    the batch, and ``lookup[array - offset]`` giving each row's index among
    them (candidates of the label encoding that no row carries are removed).
    """
    candidates, [(array, lookup, offset)] = encode_columns([col])
    if candidates.size == 0:
        return candidates, array, lookup, offset
    # Numeric labels over a range of <= 2 values: the min and max occur. Wider
    # dense ranges and dictionaries may list values that no row holds.
    dense = lookup.size == candidates.size and np.array_equal(
        lookup, np.arange(candidates.size))
    if (not col.is_dictionary and candidates.size <= 2) or (
            not dense and not col.is_dictionary):
        return candidates, array, lookup, offset
    raw_present = label_presence(array, np.int64(offset), lookup.size)
    codes = np.unique(lookup[raw_present])
    rank = np.full(candidates.size, -1, dtype=np.int64)
    rank[codes] = np.arange(codes.size)
    return candidates[codes], array, rank[lookup], offset


def first_row_of(col: Column, array, lookup, offset, code) -> int:
    """Global row of the first row whose class code is ``code`` (error path only)."""
    codes = lookup[np.asarray(array).astype(np.int64) - offset]
    return col.row(int(np.flatnonzero(codes == code)[0]))


def sorted_labels(labels) -> np.ndarray:
    """``labels=`` as LabelBinarizer orders them: sorted and unique."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise InvalidParameterError(format_message(
            "labels", f"must be a 1-D list of labels, got shape {labels.shape}"))
    if labels.dtype == object:
        labels = labels.astype(str)
    return np.unique(labels)


def checked_sorted_labels(labels) -> np.ndarray:
    """``labels=`` where scikit-learn requires them unique and already sorted
    (they name the score columns in order): as an array, strings as ``str``."""
    arr = np.asarray(labels)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr.ravel()  # scikit-learn's column_or_1d
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
        raise LabelError(format_message("labels", "Parameter 'labels' must be unique",
                                        fix="List each label once"))
    if not np.array_equal(uniq, arr):
        raise LabelError(format_message(
            "labels", f"Parameter 'labels' must be ordered (sorted), got {arr.tolist()[:10]}",
            fix=f"Pass labels={uniq.tolist()[:10]}{'...' if uniq.size > 10 else ''} and "
                "order the y_score columns the same way"))
    return arr


def spread_onto(x, axis: int, positions, size: int, fill=0):
    """``x`` laid out at ``positions`` of an array ``size`` long on ``axis``, the rest ``fill``.

    The one way a state's arrays move onto the union of two label sets (see
    :func:`merged_labels` and :func:`label_index`); ``None`` (no weights)
    stays ``None``.

    >>> spread_onto(np.array([5, 7]), 0, np.array([0, 2]), 3).tolist()
    [5, 0, 7]
    """
    if x is None:
        return None
    shape = list(x.shape)
    shape[axis] = size
    out = np.full(shape, fill, dtype=x.dtype)
    index = [slice(None)] * x.ndim
    index[axis] = positions
    out[tuple(index)] = x
    return out


def add_onto(size: int, a, positions_a, b, positions_b):
    """``a`` and ``b`` (1-D) added onto a zero array of ``size`` at their positions."""
    out = np.zeros(size, dtype=np.result_type(a.dtype, b.dtype))
    out[positions_a] += a
    out[positions_b] += b
    return out


#: Label sets whose positive class is implied (1), as scikit-learn's
#: ``_check_pos_label_consistency`` accepts them.
BINARY_SETS = ({0, 1}, {-1, 1}, {0}, {-1}, {1})


def check_labels_kind(labels: np.ndarray, classes: np.ndarray, column: str = "y_true",
                      argument: str = "labels") -> None:
    """Refuse a ``labels=`` list of strings for numeric classes of ``column``, and the reverse.

    >>> import numpy as np
    >>> check_labels_kind(np.array(["a"]), np.array([0, 1]))
    Traceback (most recent call last):
    fastmetrics.exceptions.LabelError: labels: holds ['a'] but y_true holds [0, 1] (strings and numbers do not mix). Pass labels of the same type as y_true.
    """
    if labels.size and classes.size and is_text(labels) != is_text(classes):
        raise LabelError(format_message(
            argument, f"holds {labels.tolist()[:5]} but {column} holds "
                      f"{classes.tolist()[:5]} (strings and numbers do not mix)",
            fix="Pass labels of the same type as y_true"))


def resolve_pos_label(classes, pos_label, *, greater_fallback=False, check_kind=True):
    """scikit-learn's ``_check_pos_label_consistency`` on the state's classes.

    Without ``pos_label``, classes in :data:`BINARY_SETS` imply 1; otherwise
    ``greater_fallback`` takes the greater numeric label (as
    ``brier_score_loss`` does) instead of raising. ``check_kind`` refuses a
    given ``pos_label`` of the other kind than the classes (scikit-learn's
    curves instead find no positive row, and so do ours with
    ``check_kind=False``).
    """
    listed = classes.tolist()
    if pos_label is not None:
        if check_kind:
            check_label_kind("pos_label", pos_label, classes, "y_true")
        return pos_label
    strings = is_text(classes)
    if not strings and len(listed) <= 2 and set(listed) in BINARY_SETS:
        return 1
    if greater_fallback and not strings and listed:
        return listed[-1]
    shown = ", ".join(repr(c) for c in listed)
    raise LabelError(format_message(
        "pos_label", f"is not specified and y_true takes value in {{{shown}}}",
        fix="Either make y_true take value in {0, 1} or {-1, 1} or pass pos_label "
            "explicitly"))


def column_ranges(t: Column, classes, array, lookup, offset, n_columns, labels):
    """For each present class, the probability columns it can still be."""
    m = classes.size
    if labels is not None:
        check_labels_kind(labels, classes, t.name)
        index = {v: i for i, v in enumerate(labels.tolist())}
        cols = np.array([index.get(v, -1) for v in classes.tolist()], dtype=np.int64)
        if (cols < 0).any() or (cols >= n_columns).any():
            c = int(np.flatnonzero((cols < 0) | (cols >= n_columns))[0])
            if cols[c] < 0:
                raise LabelError(format_message(
                    t.name, f"holds {classes[c].item()!r}, which is not in labels="
                            f"{labels.tolist()}",
                    row=first_row_of(t, array, lookup, offset, c),
                    fix="List every class of y_true in labels="))
            cols = np.minimum(cols, n_columns - 1)  # the finalizer reports the mismatch
        return cols, cols
    if m > n_columns:
        raise LabelError(format_message(
            t.name, f"has at least {m} classes ({classes.tolist()[:10]}) but y_proba has "
                    f"{n_columns} columns",
            fix="Give y_proba one column per class, in sorted label order, or pass labels="))
    lo = np.arange(m, dtype=np.int64)
    return lo, lo + (n_columns - m)

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

from .inputs import DictionaryChunk
from .exceptions import InputTypeError, InvalidInputError, LabelError, format_message
from .kernels.cpu import confusion as kernels
from .states import ConfusionState, MultilabelState, ScoreState

#: Numeric label ranges up to this size are counted directly over the range.
DENSE_RANGE = 256
#: Up to this range a presence pass maps values to codes; beyond, np.unique.
PRESENCE_RANGE = 1 << 24

_INT64_MAX = np.iinfo(np.int64).max


class Column:
    """One label column of a batch, with its display name and row numbering."""

    __slots__ = ("name", "values", "batch")

    def __init__(self, name, values, batch):
        self.name = name
        self.values = values
        self.batch = batch

    @property
    def is_dictionary(self) -> bool:
        return isinstance(self.values, DictionaryChunk)

    def row(self, i: int) -> int:
        """Global row number (in the caller's numbering) of batch row ``i``."""
        b = self.batch
        return int(b.row_index[i]) if b.row_index is not None else b.start + int(i)


def _numeric_values(col: Column) -> np.ndarray:
    """The column as a numeric array (bool viewed as uint8), refusing other kinds."""
    v = col.values
    if isinstance(v, DictionaryChunk):
        if v.dictionary.dtype.kind in "biuf":
            return _numeric_values(Column(col.name, v.dictionary[v.indices], col.batch))
        raise LabelError(format_message(
            col.name, "holds string labels where numbers were expected"))
    if v.dtype.kind == "b":
        return v.view(np.uint8)
    if v.dtype.kind not in "iuf":
        raise InputTypeError(format_message(
            col.name, f"has unsupported dtype {v.dtype}",
            fix="Pass integer, boolean, float or string labels"))
    return _widen(v)


def _widen(v: np.ndarray) -> np.ndarray:
    """float16 as float32 (exactly): Numba has no float16 arithmetic."""
    return v.astype(np.float32) if v.dtype == np.float16 else v


def float_values(col: Column, what: str = "scores",
                 fix: str = "Pass probabilities, scores or decision values", *,
                 float16=np.float32) -> np.ndarray:
    """A numeric column (scores, probabilities) as float32 or float64, any shape.

    float32 and float64 stay as they are; integers, booleans and long doubles
    become float64 (exact for integers up to 2**53); float16 becomes
    ``float16``: float32 by default (exact, and half the memory; Numba has
    no float16 arithmetic), float64 where the dtype sets a tolerance, as
    scikit-learn's ``check_array(dtype=[float64, float32])`` does for
    probabilities. Strings and other kinds raise :class:`InputTypeError`
    ("must hold numeric ``what``", with ``fix``). The caller checks the
    shape and makes the array contiguous.
    """
    v = col.values
    if isinstance(v, DictionaryChunk) or v.dtype.kind not in "biuf":
        raise InputTypeError(format_message(
            col.name, f"must hold numeric {what}, got "
                      f"{'strings' if isinstance(v, DictionaryChunk) else v.dtype}", fix=fix))
    if v.dtype in (np.float32, np.float64):
        return v
    return v.astype(float16 if v.dtype == np.float16 else np.float64)


def check_label_values(col: Column, scan) -> None:
    """Raise the project's error for NaN/inf or non-integral float labels."""
    _, _, first_nonfinite, first_nonintegral = scan
    if first_nonfinite >= 0:
        raise InvalidInputError(format_message(
            col.name, "contains NaN or infinity", row=col.row(first_nonfinite),
            fix="Labels must be finite: drop or impute those rows"))
    if first_nonintegral >= 0:
        value = _numeric_values(col)[first_nonintegral]
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


def _value_dtype(cols) -> np.dtype:
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

    arrays = [_numeric_values(c) for c in cols]
    dtype = _value_dtype(cols)
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


# ---------------------------------------------------------------------------
# weights
# ---------------------------------------------------------------------------

def check_weights(col: Column) -> np.ndarray:
    """Validate ``sample_weight``: numeric, finite and non-negative."""
    w = col.values
    if isinstance(w, DictionaryChunk) or w.dtype.kind not in "biuf":
        raise InputTypeError(format_message(
            col.name, f"must be numeric, got {getattr(w, 'dtype', 'strings')}",
            fix="Pass numbers, e.g. np.asarray(sample_weight, dtype=float)"))
    if w.dtype.kind == "b":
        w = w.view(np.uint8)
    if w.dtype.kind == "f":
        bad = ~np.isfinite(w)
        if bad.any():
            raise InvalidInputError(format_message(
                col.name, "contains NaN or infinity", row=col.row(np.flatnonzero(bad)[0]),
                fix="Weights must be finite and non-negative"))
    if w.dtype.kind in "if" and w.size and w.min() < 0:
        i = int(np.flatnonzero(w < 0)[0])
        raise InvalidInputError(format_message(
            col.name, f"contains the negative weight {w[i]!r}", row=col.row(i),
            fix="Weights must be non-negative"))
    return _widen(w)


def weight_dtype(w: np.ndarray) -> np.dtype:
    """Accumulator type for weight sums: exact int64 for integer weights."""
    return np.dtype(np.int64) if w.dtype.kind in "iu" else np.dtype(np.float64)


# ---------------------------------------------------------------------------
# counting one batch
# ---------------------------------------------------------------------------

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
        counts = _binary_fast_path(_numeric_values(t), _numeric_values(p))
        if counts is not None:
            classes = np.array([0, 1], dtype=_value_dtype([t, p]))
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
    seen (see :func:`fastmetrics.build.confusion_state`), so that chunking never
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
    s = _widen(s)  # after rounding the threshold to the scores' own precision
    tv = t.values
    if (weights is None and g is None and not t.is_dictionary and tv.dtype.itemsize == 1
            and tv.dtype.kind in "biu"):
        n, st, sp, sb, bits, bad = kernels.binary_confusion_sums(_numeric_values(t), s, thr)
        _raise_nonfinite(scores, bad)
        if bits <= 1:
            counts = np.array([[[n - st - (sp - sb), sp - sb], [st - sb, sb]]], np.int64)
            classes = np.array([0, 1], dtype=_value_dtype([t]))
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
    _raise_nonfinite(scores, bad)
    counts = counts[:, :k, k:]
    sums = None if sums is None else sums[:, :k, k:]
    keep = counts.sum(axis=(0, 2)) > 0
    counts = counts[:, keep]
    sums = None if sums is None else sums[:, keep]
    return (candidates[keep],) + _drop_empty_groups(counts, sums, group_candidates)


def _raise_nonfinite(scores: Column, first) -> None:
    if first is not None and first >= 0:
        raise InvalidInputError(format_message(
            scores.name, "contains NaN or infinity", row=scores.row(first),
            fix="Scores must be finite: drop or impute those rows"))


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
    tv, pv = _widen(tv), _widen(pv)
    counts, sums, keys, first_invalid = kernels.multilabel_confusion_counts(
        tv, pv, weights=weights, weight_dtype=wdtype)
    if first_invalid >= 0:
        row, col = divmod(first_invalid, tv.shape[1])
        bad = t if not np.isin(tv[row, col], (0, 1)) else p
        raise LabelError(format_message(
            bad.name, f"holds {bad.values[row, col]!r} in indicator column {col}; a "
                      "multilabel target must contain only 0 and 1", row=bad.row(row),
            fix="Binarize the labels (e.g. sklearn.preprocessing.MultiLabelBinarizer)"))
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


def check_label_kind(argument: str, label, classes: np.ndarray, column: str) -> None:
    """Refuse a string ``label`` for numeric ``classes`` of ``column``, and the reverse."""
    if classes.size and (classes.dtype.kind in "OUS") != isinstance(label, str):
        raise LabelError(format_message(
            argument, f"={label!r} does not match the type of the labels in {column} "
                      f"({classes.tolist()[:3]})", fix="Pass one of those labels"))


def _binary_scores(t: Column, scores: Column, w: Column | None, positive_class=None):
    """Checked inputs of a binary ranking problem, one batch.

    Returns ``(scores, score_dtype, codes, candidates, weights)``: finite
    float32/float64 scores, the scores' own dtype, uint8 class codes (0 or
    1) indexing ``candidates`` (the sorted labels, at most two) and float64
    weights or None. With ``positive_class``, ``y_true`` may have any number
    of classes and is binarized as ``y_true == positive_class`` (candidates
    ``[False, True]``).
    """
    from .kernels.cpu import ranking

    weights = None if w is None else check_weights(w).astype(np.float64, copy=False)
    s = float_values(scores)
    # Thresholds come back in the scores' own dtype, as scikit-learn's do; long
    # doubles are ranked as float64 (Numba has none), so their thresholds are too.
    score_dtype = scores.values.dtype
    if score_dtype.kind == "f" and score_dtype.itemsize > 8:
        score_dtype = s.dtype
    n_bad, first_bad = ranking.count_nonfinite(s)
    if n_bad:
        raise InvalidInputError(format_message(
            scores.name, "contains NaN or infinity", row=scores.row(first_bad),
            fix="Scores must be finite: drop or impute those rows"))
    candidates, [(array, lookup, offset)] = encode_columns([t])
    if positive_class is not None:
        check_label_kind("positive_class", positive_class, candidates, t.name)
        hit = np.flatnonzero(candidates == positive_class)
        is_positive = (lookup == hit[0]) if hit.size else np.zeros(lookup.size, dtype=bool)
        codes = kernels.label_codes(array, is_positive.astype(np.int64), offset)
        return s, score_dtype, codes, np.array([False, True]), weights
    if candidates.size > DENSE_RANGE:  # past the dense range every candidate occurs
        raise LabelError(format_message(
            t.name, f"has {candidates.size} classes; exact curves take a binary target",
            fix="Binarize it, e.g. y_true == pos_label"))
    if (candidates.size <= 2 and array.dtype.itemsize == 1 and array.dtype.kind in "biu"
            and offset == 0 and np.array_equal(lookup, np.arange(lookup.size))):
        codes = array.view(np.uint8)  # 0/1 labels in one byte are their own codes
    else:
        codes = kernels.label_codes(array, lookup, offset)
    if candidates.size > 2:
        # A dense range may hold values no row carries (labels {3, 5} give the
        # candidates 3, 4, 5): keep the present ones and renumber them 0, 1.
        present = np.bincount(codes, minlength=candidates.size) > 0
        if present.sum() > 2:
            raise LabelError(format_message(
                t.name, f"has {int(present.sum())} classes; exact curves take a binary "
                        "target", fix="Binarize it, e.g. y_true == pos_label"))
        codes = (np.cumsum(present) - 1).astype(np.uint8)[codes]
        candidates = candidates[present]
    return s, score_dtype, codes, candidates, weights


def count_scores(t: Column, scores: Column, w: Column | None,
                 positive_class=None) -> ScoreState:
    """Distinct-score table of one batch of (y_true, y_score[, weight])."""
    from .kernels.cpu import ranking

    s, score_dtype, codes, candidates, weights = _binary_scores(t, scores, w, positive_class)
    thresholds, counts, pos_w, neg_w = ranking.distinct_score_counts(s, codes, weights)
    # Thresholds are shown in the scores' own dtype, as scikit-learn does.
    thresholds = thresholds.astype(score_dtype, copy=False)
    # One row per candidate class (code 0: neg, code 1: pos); drop absent ones.
    counts = counts[:candidates.size]
    sums = None if weights is None else np.stack([neg_w, pos_w])[:candidates.size]
    keep = counts.any(axis=1)
    if not keep.all():
        counts, candidates = counts[keep], candidates[keep]
        sums = None if sums is None else sums[keep]
    return ScoreState(thresholds, counts, sums, candidates)


def score_areas(t: Column, scores: Column, positive_class=None):
    """ROC AUC and AP sums of one unweighted batch, without the score table.

    Returns ``(candidates, twice_area, n_by_code, ap_sum)``, see
    ``kernels.cpu.ranking.distinct_score_areas``; ``n_by_code`` is the rows
    of code 0 and code 1 (the larger label is code 1).
    """
    from .kernels.cpu import ranking

    s, _, codes, candidates, _ = _binary_scores(t, scores, None, positive_class)
    twice_area, n_pos, n_neg, ap_sum = ranking.distinct_score_areas(s, codes)
    return candidates, twice_area, (n_neg, n_pos), ap_sum

"""One column of a batch as the kernels want it, and the first bad row of it.

:class:`Column` is a column of one aligned batch with its display name and its
global row numbering; the getters here turn it into the numpy array a kernel
takes (labels as numbers, scores and probabilities as float32/float64, weights
checked finite and non-negative) and name the argument and the first offending
row in the caller's numbering when a value is refused.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InputTypeError, InvalidInputError, LabelError, format_message
from ..inputs import DictionaryChunk


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


def numeric_values(col: Column) -> np.ndarray:
    """The column as a numeric array (bool viewed as uint8), refusing other kinds."""
    v = col.values
    if isinstance(v, DictionaryChunk):
        if v.dictionary.dtype.kind in "biuf":
            return numeric_values(Column(col.name, v.dictionary[v.indices], col.batch))
        raise LabelError(format_message(
            col.name, "holds string labels where numbers were expected"))
    if v.dtype.kind == "b":
        return v.view(np.uint8)
    if v.dtype.kind not in "iuf":
        raise InputTypeError(format_message(
            col.name, f"has unsupported dtype {v.dtype}",
            fix="Pass integer, boolean, float or string labels"))
    return widen(v)


def widen(v: np.ndarray) -> np.ndarray:
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
    return widen(w)


def weight_dtype(w: np.ndarray) -> np.dtype:
    """Accumulator type for weight sums: exact int64 for integer weights."""
    return np.dtype(np.int64) if w.dtype.kind in "iu" else np.dtype(np.float64)


def raise_nonfinite(col: Column, first, values: np.ndarray | None = None) -> None:
    """The error for the first NaN or infinite score of ``col``; nothing if ``first`` < 0.

    ``first`` is what the kernels' checks return (-1 or None: every score is
    finite). With ``values``, the array that was checked (1-D, or 2-D with
    ``first`` its row-major flat index), the message names the value and its
    score column.
    """
    if first is None or first < 0:
        return
    fix = "Scores must be finite: drop or impute those rows"
    if values is None:
        raise InvalidInputError(format_message(
            col.name, "contains NaN or infinity", row=col.row(first), fix=fix))
    row, where, value = locate(values, first)
    raise InvalidInputError(format_message(
        col.name, f"contains {nonfinite_word(value)}{where}", row=col.row(row), fix=fix))


def locate(values: np.ndarray, flat: int):
    """``(row, where, value)`` of the row-major flat index ``flat`` of a 1-D or
    2-D column: ``where`` is ``" in column j"`` for a 2-D one, else empty, so
    that every "first bad value" error names its place in the same words."""
    if values.ndim == 2:
        row, j = divmod(int(flat), values.shape[1])
        return row, f" in column {j}", values[row, j].item()
    return int(flat), "", values[flat].item()


def nonfinite_word(value) -> str:
    """``"NaN"``, ``"infinity"`` or ``"-infinity"``."""
    return "NaN" if value != value else ("infinity" if value > 0 else "-infinity")


def raise_not_indicator(col: Column, row: int, j: int, value, note: str = "") -> None:
    """The error for a multilabel indicator cell that is neither 0 nor 1."""
    raise LabelError(format_message(
        col.name, f"holds {value!r} in indicator column {j}; a multilabel target must "
                  f"contain only 0 and 1{note}", row=col.row(row),
        fix="Binarize the labels (e.g. sklearn.preprocessing.MultiLabelBinarizer)"))


def probability_values(col: Column, *, allow_2d: bool) -> np.ndarray:
    """The probability column as a contiguous float32/float64 array (1-D or 2-D)."""
    # float16 as float64, as scikit-learn: the dtype sets log loss's clipping eps
    v = float_values(col, "probabilities",
                     fix="Pass predicted probabilities, e.g. predict_proba(X)[:, 1]",
                     float16=np.float64)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v[:, 0]
    if v.ndim == 2 and not allow_2d:
        raise InputTypeError(format_message(
            col.name, f"is 2-D with {v.shape[1]} columns; this metric takes the "
                      "probabilities of the positive class of a binary target",
            fix="Pass one column, e.g. predict_proba(X)[:, 1]"))
    return np.ascontiguousarray(v)


def raise_invalid_probability(col: Column, values: np.ndarray, first: int) -> None:
    """Word the error for the first probability that is not in [0, 1]."""
    if first < 0:
        return
    row, where, v = locate(values, first)
    if not np.isfinite(v):
        raise InvalidInputError(format_message(
            col.name, f"contains {nonfinite_word(v)}{where}", row=col.row(row),
            fix="Probabilities must be finite: drop or impute those rows"))
    raise InvalidInputError(format_message(
        col.name, f"holds {v!r}{where}, outside [0, 1]", row=col.row(row),
        fix="Pass probabilities (e.g. predict_proba output), not scores or logits"))


def float_weights(col: Column | None):
    """Checked ``sample_weight`` as contiguous float64 (the kernels' one weight type), or None."""
    return None if col is None else np.ascontiguousarray(
        check_weights(col).astype(np.float64, copy=False))

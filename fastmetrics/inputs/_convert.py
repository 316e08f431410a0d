"""Chunk conversion: one Arrow or numpy chunk -> ``(values, null mask or None)``.

``values`` is a numpy array (1-D, or 2-D for 2-D roles) or a :class:`DictionaryChunk`;
the mask is a bool array with True at null rows, or None when the chunk has no null
(known from Arrow's ``null_count`` without looking at the rows).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import InputTypeError, LabelError, format_message
from ._types import DictionaryChunk, _what


def _is_stringlike(t) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _is_numeric(t) -> bool:
    return pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)


def _check_arrow_type(t, label: str, is_2d: bool) -> None:
    """Refuse, before reading rows, Arrow types that cannot be labels, scores or weights."""
    if _is_numeric(t) or _is_stringlike(t) or pa.types.is_null(t):
        return
    if pa.types.is_dictionary(t) and (_is_numeric(t.value_type) or _is_stringlike(t.value_type)):
        return
    if is_2d and pa.types.is_fixed_size_list(t) and _is_numeric(t.value_type):
        return
    allowed = "integer, floating, boolean, string or dictionary (categorical) values"
    if is_2d:
        allowed += ", or a fixed_size_list of numbers for a 2-D input"
    raise InputTypeError(format_message(label, f"has Arrow type {t}, which cannot be used here",
                                        fix=f"Pass {allowed}; cast the column first if needed"))


def _buffer_view(arr: pa.Array) -> np.ndarray:
    """Zero-copy view of a primitive array's values, nulls included (their slots hold junk)."""
    dtype = np.dtype(arr.type.to_pandas_dtype())
    if len(arr) == 0:
        return np.empty(0, dtype)
    return np.frombuffer(arr.buffers()[1], dtype=dtype, count=arr.offset + len(arr))[arr.offset:]


def _null_mask(arr: pa.Array) -> np.ndarray:
    # Only called when null_count > 0: the O(n) mask is paid only by data that has nulls.
    return arr.is_null().to_numpy(zero_copy_only=False)


def _from_arrow(arr: pa.Array, label: str, is_2d: bool):
    """One Arrow chunk -> (values, null mask or None)."""
    t = arr.type
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        if arr.null_count == 0:
            return arr.to_numpy(zero_copy_only=True), None
        return _buffer_view(arr), _null_mask(arr)
    if pa.types.is_boolean(t):
        # Arrow booleans are bit-packed: numpy needs one byte per value, a copy per chunk.
        if arr.null_count == 0:
            return arr.to_numpy(zero_copy_only=False), None
        return pc.fill_null(arr, False).to_numpy(zero_copy_only=False), _null_mask(arr)
    if _is_stringlike(t):
        # Hash-based encoding, O(n); a sort-based np.unique would be O(n log n) on strings.
        return _from_dictionary(pc.dictionary_encode(arr), label)
    if pa.types.is_dictionary(t):
        return _from_dictionary(arr, label)
    if pa.types.is_null(t):
        # Every row is null: the int8 zeros only hold the place until the rows are dropped.
        n = len(arr)
        return np.zeros(n, np.int8), (np.ones(n, bool) if n else None)
    if is_2d and pa.types.is_fixed_size_list(t):
        return _from_fixed_size_list(arr, label)
    _check_arrow_type(t, label, is_2d)  # raises
    raise AssertionError(t)  # pragma: no cover


def _from_dictionary(arr: pa.DictionaryArray, label: str):
    _check_arrow_type(arr.type, label, False)
    indices, dictionary = arr.indices, arr.dictionary
    if indices.null_count:
        idx, mask = _buffer_view(indices), _null_mask(indices)
    else:
        idx, mask = indices.to_numpy(zero_copy_only=True), None
    if dictionary.null_count:
        # A null *value* in the dictionary makes the rows that point at it null.
        safe = idx if mask is None else np.where(mask, 0, idx)
        hit = _null_mask(dictionary)[safe]
        mask = hit if mask is None else (mask | hit)
        if not _is_stringlike(dictionary.type):
            fill = False if pa.types.is_boolean(dictionary.type) else 0
            dictionary = pc.fill_null(dictionary, fill)
    values = dictionary.to_numpy(zero_copy_only=False)
    if mask is not None and not mask.any():
        mask = None
    return DictionaryChunk(idx, values), mask


def _from_fixed_size_list(arr: pa.FixedSizeListArray, label: str):
    size, n = arr.type.list_size, len(arr)
    # .values ignores the array's offset and .flatten() skips null lists: slice by hand.
    child = arr.values.slice(arr.offset * size, n * size)
    values, cmask = _from_arrow(child, label, False)
    values = values.reshape(n, size)
    mask = _null_mask(arr) if arr.null_count else None
    if cmask is not None:
        rows = cmask.reshape(n, size).any(axis=1)
        mask = rows if mask is None else (mask | rows)
    return values, mask


def _stack(batch: pa.RecordBatch, label: str):
    """Columns of a record batch -> one C-contiguous (n, k) array (a copy, unavoidable)."""
    if batch.num_columns == 1 and pa.types.is_fixed_size_list(batch.column(0).type):
        return _from_fixed_size_list(batch.column(0), label)
    cols, mask = [], None
    for name, col in zip(batch.schema.names, batch.columns):
        values, m = _from_arrow(col, f"{label}[{name!r}]", False)
        cols.append(values)
        if m is not None:
            mask = m if mask is None else (mask | m)
    return np.column_stack(cols), mask


def _check_table_2d(schema: pa.Schema, label: str) -> None:
    if len(schema) == 0:
        raise InputTypeError(format_message(label, "has no columns"))
    if len(schema) == 1 and pa.types.is_fixed_size_list(schema[0].type):
        _check_arrow_type(schema[0].type, label, True)
        return
    for field in schema:
        if not (_is_numeric(field.type) or pa.types.is_null(field.type)):
            raise InputTypeError(format_message(
                label, f"column {field.name!r} has Arrow type {field.type}; the columns of "
                       "a 2-D input must be numeric", fix="Select the numeric columns only"))


def _check_ndim(arr: np.ndarray, label: str, is_2d: bool) -> None:
    if arr.ndim == 1 or (arr.ndim == 2 and is_2d):
        return
    expected = "a 1-D or 2-D array-like" if is_2d else "a 1-D array-like"
    if arr.ndim == 0:
        got = f"a scalar ({type(arr.item()).__name__} {arr.item()!r:.40})"
        raise InputTypeError(format_message(label, f"expected {expected}, got {got}",
                                            fix="Pass one value per sample"))
    if arr.ndim == 2 and arr.shape[1] == 1:
        raise InputTypeError(format_message(
            label, f"expected {expected}, got a column vector of shape {arr.shape}",
            fix="Pass a 1-D array, e.g. y.ravel() (scikit-learn warns and ravels; fastmetrics "
                "refuses so that a wrongly shaped input is never guessed)"))
    raise InputTypeError(format_message(
        label, f"expected {expected}, got an array of shape {arr.shape}",
        fix="Pass one value per sample" + (" (or one row of 0/1 indicators per sample)"
                                           if is_2d else "")))


def _from_numpy(arr: np.ndarray, label: str, is_2d: bool, from_pandas: bool = False):
    """One numpy array (or masked array) -> (values, null mask or None)."""
    if isinstance(arr, np.ma.MaskedArray):
        values, vmask = _from_numpy(np.ma.getdata(arr), label, is_2d, from_pandas)
        mask = np.ma.getmask(arr)
        if mask is np.ma.nomask:
            return values, vmask
        if mask.ndim == 2:
            mask = mask.any(axis=1)
        if not mask.any():
            return values, vmask
        return values, (mask if vmask is None else (mask | vmask))
    arr = np.asarray(arr)  # drops subclasses such as np.matrix
    _check_ndim(arr, label, is_2d)
    kind = arr.dtype.kind
    if kind in "biuf":
        if not arr.dtype.isnative:
            arr = arr.astype(arr.dtype.newbyteorder("="))
        return (arr if arr.flags.c_contiguous else np.ascontiguousarray(arr)), None
    if arr.ndim == 2:
        raise InputTypeError(format_message(
            label, f"a 2-D input must be numeric, got dtype {arr.dtype}",
            fix="Convert it, e.g. np.asarray(x, dtype=float)"))
    if kind == "U":
        return _encode_fixed_width(arr), None
    if kind == "T":
        # large_string: pyarrow splits a big str array into chunks otherwise.
        return _from_arrow(_single(pa.array(arr, type=pa.large_string())), label, False)
    if kind == "O":
        return _from_objects(arr, label, from_pandas)
    raise InputTypeError(format_message(
        label, f"has dtype {arr.dtype}, which cannot be used here",
        fix="Pass integer, floating, boolean or string values"))


def _encode_fixed_width(arr: np.ndarray) -> DictionaryChunk:
    """Dictionary-encode a numpy str array by hashing its fixed-width UTF-32 cells in place.

    Viewing the buffer as Arrow fixed_size_binary skips the UTF-32 -> UTF-8 conversion of
    every string (3x faster than pa.array() at 10^7 rows); only the small dictionary is
    turned back into numpy strings.
    """
    if not arr.dtype.isnative:
        arr = arr.astype(arr.dtype.newbyteorder("="))
    arr = np.ascontiguousarray(arr)
    width, n = arr.dtype.itemsize, len(arr)
    if n == 0 or width == 0:
        return DictionaryChunk(np.zeros(n, np.int32), np.array([""] if n else [], dtype=arr.dtype))
    cells = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), n, [None, pa.py_buffer(arr)])
    encoded = pc.dictionary_encode(cells)
    d = encoded.dictionary
    labels = np.frombuffer(d.buffers()[1], dtype=arr.dtype, count=d.offset + len(d))[d.offset:]
    return DictionaryChunk(encoded.indices.to_numpy(zero_copy_only=True), labels)


def _single(arr):
    """pa.array() of a huge sequence may return a ChunkedArray: make it one array (rare)."""
    if isinstance(arr, pa.ChunkedArray):
        if pa.types.is_string(arr.type):
            arr = arr.cast(pa.large_string())  # 32-bit offsets could overflow once combined
        arr = arr.combine_chunks()
    return arr


def _kind_of(v) -> str:
    if isinstance(v, str):
        return "str"
    if isinstance(v, (bool, np.bool_)):
        return "bool"
    if isinstance(v, (int, np.integer)):
        return "int"
    if isinstance(v, (float, np.floating)):
        return "float NaN" if v != v else "float"
    return type(v).__name__


def _from_objects(arr: np.ndarray, label: str, from_pandas: bool):
    """Object array (Python lists, pandas object columns): Arrow infers one type or fails."""
    try:
        # from_pandas: NaN means missing in pandas object columns, but is a value elsewhere.
        parr = _single(pa.array(arr, from_pandas=from_pandas))
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise _mixed_types_error(arr, label, from_pandas) or InputTypeError(format_message(
            label, f"holds values Arrow cannot convert ({exc})")) from None
    return _from_arrow(parr, label, False)


def _mixed_types_error(arr: np.ndarray, label: str, from_pandas: bool):
    """Find the first row whose label type differs from the first label's (error path)."""
    group = {"int": "number", "float": "number"}
    first = None
    for i, v in enumerate(arr):
        if v is None or (from_pandas and _kind_of(v) == "float NaN"):
            continue
        k = _kind_of(v)
        if first is None:
            first = k
        elif group.get(k, k) != group.get(first, first):
            fix = ("Labels must be all strings or all numbers: convert them to one type, "
                   "e.g. np.asarray(y, dtype=str)")
            if k == "float NaN" or first == "float NaN":
                fix = "Mark missing labels with None, then clean the data or pass drop_nulls=True"
            return LabelError(format_message(label, f"mix of label types ({first} and {k})",
                                             row=i, fix=fix))
    return None


def _as_array(obj, label: str, is_2d: bool) -> np.ndarray:
    """Python sequences and other array-likes -> numpy, refusing scalars and ragged input."""
    if isinstance(obj, (str, bytes)) or np.isscalar(obj):
        raise InputTypeError(format_message(
            label, f"expected a 1-D array-like, got {_what(obj)}",
            fix="Pass one value per sample; to select a column by name, also pass data=<table>"))
    try:
        arr = np.asarray(obj)
        if arr.dtype.kind == "U" and arr.ndim == 1 and isinstance(obj, (list, tuple)):
            # np.asarray(['a', 1]) gives ['a', '1']: re-read as objects so a mix is caught.
            arr = np.asarray(obj, dtype=object)
    except (ValueError, TypeError) as exc:
        raise InputTypeError(format_message(
            label, f"cannot be read as an array ({exc})",
            fix="Pass a flat sequence with one value per sample")) from None
    if arr.dtype.kind == "O" and arr.ndim == 0:
        raise InputTypeError(format_message(
            label, f"expected a 1-D array-like, got {_what(obj)}",
            fix="Pass a list, numpy array, Series or Arrow array with one value per sample"))
    return arr

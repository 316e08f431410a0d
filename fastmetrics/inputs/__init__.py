"""Input layer: turn the caller's arguments into row-aligned batches of numpy arrays.

Every public metric starts here. :func:`iter_batches` takes the arguments by role
(``y_true``, ``y_pred``, ``sample_weight``, ...) and yields :class:`Batch` objects, each
holding the same rows of every role as numpy arrays (or :class:`DictionaryChunk` for
string and categorical labels), ready for the kernels.

Flow
----
1. **Resolve.** Each role becomes a *source*: a lazy iterator of converted chunks plus
   its length when that is known without reading the data. With ``data=`` all roles
   come from one stream of Arrow record batches (a table, a reader, a file, a dataset
   directory), or, for a ``dict`` / pandas / polars frame, from one column each.
   Unsupported Arrow types, missing columns and missing files are reported here, when
   the function is called, before any row is read.
2. **Convert** each chunk to ``(values, null_mask)``. Numeric buffers are viewed, not
   copied; strings are dictionary-encoded per chunk by hashing (no sort of n strings);
   Arrow dictionaries are kept as they are, their values being the label names.
3. **Align.** Roles may be chunked differently; a small aligner cuts zero-copy slices so
   that every batch has the same rows for all roles, without concatenating anything.
4. **Nulls** are detected from Arrow metadata (``null_count``), masks of masked arrays,
   or ``None`` in Python sequences; they raise :class:`~fastmetrics.exceptions.NullValueError`
   naming the first null row, or with ``drop_nulls=True`` the union of null rows is
   dropped from every role and counted.

Conventions
-----------
- Empty input (0 rows) yields **no batch**; the caller decides whether that is an error.
- A batch may have ``length == 0`` when ``drop_nulls=True`` removed all its rows; it is
  still yielded so that ``n_dropped`` adds up.
- Arrays viewed from Arrow buffers are read-only. Numeric numpy inputs are passed through
  unchanged (made C-contiguous and native-endian only when they are not).
- A :class:`DictionaryChunk`'s dictionary may hold values no index of the chunk refers to
  (unused pandas categories, rows sliced or dropped away); which labels are *present*
  must be read from the indices.
- A 2-D array with one column is refused for a 1-D role: scikit-learn's ``column_or_1d``
  warns and ravels, we ask the caller to ``.ravel()`` so that a column vector passed by
  mistake (for example ``predict_proba(X)[:, [1]]`` vs a 2-column matrix) is never guessed.

Modules
-------
``_types``: :class:`Batch`, :class:`DictionaryChunk`, :func:`describe_role`;
``_convert``: one chunk to ``(values, mask)``; ``_sources``: role values and ``data=``
to lazy chunk iterators (files, datasets, frames; tunable block sizes live there);
``_align``: alignment and the null policy. No Numba here: this layer only views,
slices and encodes.
"""

from __future__ import annotations

from typing import Iterator, Mapping

import numpy as np
import pyarrow as pa

from ..exceptions import InputTypeError, format_message
from ._align import _aligned, _check_known_lengths
from ._sources import _from_data, _resolve
from ._types import Batch, DictionaryChunk, _module_root, _what, describe_role

__all__ = ["Batch", "DictionaryChunk", "iter_batches", "num_rows_hint", "describe_role"]


def num_rows_hint(obj) -> int | None:
    """Number of rows of an array-like when known without reading data, else ``None``.

    Streams (``RecordBatchReader``, ``__arrow_c_stream__`` objects that are not pandas or
    polars) and paths give ``None``.
    """
    if isinstance(obj, np.ndarray):
        return obj.shape[0] if obj.ndim else None
    if isinstance(obj, (pa.Array, pa.ChunkedArray, list, tuple)):
        return len(obj)
    if isinstance(obj, (pa.Table, pa.RecordBatch)):
        return obj.num_rows
    # shape is a cheap attribute only for these in-memory libraries (it runs a query on
    # a duckdb relation, for example).
    if _module_root(obj) in ("pandas", "polars", "scipy"):
        shape = getattr(obj, "shape", None)
        if isinstance(shape, tuple) and shape:
            return int(shape[0])
    return None


def iter_batches(columns: Mapping[str, object], *, data=None, drop_nulls: bool = False,
                 two_d: frozenset[str] = frozenset()) -> Iterator[Batch]:
    """Yield row-aligned batches of the inputs, chunk by chunk, without concatenating.

    Parameters
    ----------
    columns : mapping of str to object
        Role name (``"y_true"``, ``"y_pred"``, ``"sample_weight"``, ...) to what the caller
        passed: an array-like, or with ``data=`` a column name (a list of column names is
        also taken for a role in ``two_d``; they become the columns of a 2-D array).
        Roles whose value is ``None`` are skipped.
    data : optional
        A pyarrow Table, RecordBatch, RecordBatchReader or dataset, any object with
        ``__arrow_c_stream__`` (pandas/polars DataFrame, duckdb relation), a ``dict`` of
        column name to array-like, or a path to a Parquet (``.parquet``, ``.pq``), Arrow
        IPC (``.arrow``, ``.feather``, ``.ipc``) or CSV (``.csv``, ``.csv.gz``) file or a
        directory of such files (hive-style ``key=value`` folders become columns). Only
        the needed columns are read (a generic ``__arrow_c_stream__`` object such as a
        duckdb relation streams all its columns; select them first to avoid that).
    drop_nulls : bool, default False
        Drop every row where any role is null, instead of raising ``NullValueError``.
    two_d : frozenset of str
        Roles that may be 2-D (``n x k``): numpy 2-D arrays, DataFrames/tables (their
        columns become the array's columns), fixed-size-list arrays, scipy.sparse
        matrices (densified in blocks of ``_sources.SPARSE_BLOCK_ROWS`` rows). 1-D input
        is accepted for them as well.

    Yields
    ------
    Batch
        Boundaries follow the inputs' chunks (the common refinement of all roles'
        chunkings, record batches of files); one batch for in-memory numpy inputs; no
        batch at all for empty inputs. The iterator can be consumed once.

    Raises
    ------
    InputTypeError
        An unsupported type, dtype or dimension; a non-str value with ``data=``.
    InvalidInputError
        A column missing from ``data`` (the message lists the available ones), or a file
        that cannot be read.
    DataSourceError
        ``data`` is a path that does not exist, or a directory without data files.
    LengthMismatchError, NullValueError, LabelError
        Lengths differ; nulls without ``drop_nulls``; object labels mixing str and numbers.
        Raised when the call is made when this is known from metadata, otherwise while
        iterating, as soon as the data shows it.
    """
    if data is None:
        # Fast path: plain, well-formed numpy arrays give one batch with no conversion.
        # Keep it to a handful of attribute checks (it runs for every n=1000 call).
        n = -1
        for role, v in columns.items():
            if (type(v) is not np.ndarray or v.dtype.kind not in "biuf"
                    or not v.flags.c_contiguous or not v.dtype.isnative
                    or (v.ndim != 1 and (v.ndim != 2 or role not in two_d))):
                break
            if n < 0:
                n = v.shape[0]
            elif v.shape[0] != n:
                break
        else:
            return iter((Batch(0, n, dict(columns), 0, None),) if n > 0 else ())
        names, labels, sources = [], [], []
        for role, v in columns.items():
            if v is None:
                continue
            names.append(role)
            labels.append(role)
            sources.append(_resolve(v, role, role in two_d))
        _check_known_lengths(labels, sources)
        return _aligned(names, labels, [s[0] for s in sources], drop_nulls)
    plan = [(role, spec) for role, spec in columns.items() if spec is not None]
    for role, spec in plan:
        ok = isinstance(spec, str) or (role in two_d and isinstance(spec, (list, tuple))
                                       and spec and all(isinstance(c, str) for c in spec))
        if not ok:
            raise InputTypeError(format_message(
                role, f"with data= given, expected a column name (str), got {_what(spec)}",
                fix=f"Pass {role}='column_name' and data=<table>, or leave data= out and "
                    "pass the array itself"))
    return _from_data(data, plan, two_d, drop_nulls)

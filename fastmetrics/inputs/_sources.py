"""Sources: each role's value, or ``data=``, -> lazy iterators of converted chunks.

A source is ``(iterator of (values, mask), number of rows or None)``. Types, missing
columns and missing files are checked here, eagerly, before any row is read.
"""

from __future__ import annotations

import difflib
import os
import re
import sys

import numpy as np
import pyarrow as pa

from .._backend import is_device_array, refuse_device
from ..exceptions import DataSourceError, InputTypeError, InvalidInputError, format_message
from ._align import _aligned, _check_known_lengths, _record_batches
from ._convert import (_as_array, _check_arrow_type, _check_table_2d, _from_arrow,
                       _from_numpy, _is_stringlike, _stack)
from ._types import _module_root, _what, describe_role

#: Rows per dense block when a scipy.sparse matrix is densified (bounded memory).
SPARSE_BLOCK_ROWS = 1 << 16
#: Rows per record batch asked of Parquet files and datasets: large enough that the
#: per-batch Python overhead is negligible next to the kernels.
FILE_BATCH_ROWS = 1 << 20
#: Bytes per block of the streaming CSV reader.
CSV_BLOCK_BYTES = 1 << 24

#: The oldest polars whose Arrow export fastmetrics reads correctly: before it, Series
#: lacked ``__arrow_c_stream__`` (nulls reached us as NaN) and 1.33.0 exported enum and
#: categorical columns with a dictionary type its own stream then contradicted.
MIN_POLARS = (1, 33, 1)

_FORMATS = {".parquet": "parquet", ".pq": "parquet", ".arrow": "ipc", ".feather": "ipc",
            ".ipc": "ipc", ".csv": "csv", ".csv.gz": "csv"}


def _one(chunk):
    return iter((chunk,))


def _resolve(obj, label: str, is_2d: bool):
    """Role value -> (iterator of converted chunks, number of rows or None)."""
    if isinstance(obj, np.ndarray):
        values, mask = _from_numpy(obj, label, is_2d)
        return _one((values, mask)), len(values)
    if isinstance(obj, pa.ChunkedArray):
        _check_arrow_type(obj.type, label, is_2d)
        return (_from_arrow(c, label, is_2d) for c in obj.chunks), len(obj)
    if isinstance(obj, pa.Array):
        if pa.types.is_struct(obj.type):
            return _resolve(pa.RecordBatch.from_struct_array(obj), label, is_2d)
        _check_arrow_type(obj.type, label, is_2d)
        return _one(_from_arrow(obj, label, is_2d)), len(obj)
    if isinstance(obj, (pa.Table, pa.RecordBatch, pa.RecordBatchReader)):
        return _from_tabular(obj, label, is_2d)
    if isinstance(obj, (list, tuple)):
        return _resolve(_as_array(obj, label, is_2d), label, is_2d)
    if is_device_array(obj):
        # read on the host it would fail as "cannot be read as an array"; builders
        # with a GPU path took their device arrays before reaching the input layer
        refuse_device(label)
    root = _module_root(obj)
    if root == "polars":
        _check_polars(label)
    if root == "pandas":
        return _from_pandas(obj, label, is_2d)
    if root == "scipy" and hasattr(obj, "tocsr"):
        return _from_sparse(obj, label, is_2d)
    if hasattr(obj, "__arrow_c_stream__"):
        if hasattr(obj, "columns"):  # frame-like: a stream of record batches
            return _from_tabular(pa.RecordBatchReader.from_stream(obj), label, is_2d)
        return _resolve(pa.chunked_array(obj), label, is_2d)
    if hasattr(obj, "__arrow_c_array__"):
        return _resolve(pa.array(obj), label, is_2d)
    return _resolve(_as_array(obj, label, is_2d), label, is_2d)


def _check_polars(label: str) -> None:
    """Refuse a polars object from a polars release older than :data:`MIN_POLARS`."""
    version = getattr(sys.modules.get("polars"), "__version__", "")
    release = tuple(int(p) for p in re.findall(r"\d+", version)[:3])
    if release and release < MIN_POLARS:
        oldest = ".".join(map(str, MIN_POLARS))
        raise InputTypeError(format_message(
            label, f"is a polars object from polars {version}; fastmetrics reads polars "
                   f"{oldest} and newer (older releases export nulls and enum columns "
                   "through Arrow in ways that would be misread)",
            fix=f"Upgrade polars (pip install 'polars>={oldest}'), or pass a NumPy array "
                "or a pyarrow array instead"))


def _from_tabular(obj, label: str, is_2d: bool):
    """Table, RecordBatch or RecordBatchReader as one role."""
    schema = obj.schema
    rows = None if isinstance(obj, pa.RecordBatchReader) else obj.num_rows
    if is_2d:
        _check_table_2d(schema, label)
        batches = obj.to_batches() if isinstance(obj, pa.Table) else (
            [obj] if isinstance(obj, pa.RecordBatch) else obj)
        return (_stack(b, label) for b in batches), rows
    if len(schema) != 1:
        raise InputTypeError(format_message(
            label, f"expected a 1-D array-like, got a table with {len(schema)} columns "
                   f"{schema.names[:10]}",
            fix="Select one column, or pass data=<table> and the column name"))
    _check_arrow_type(schema[0].type, label, False)
    if isinstance(obj, pa.RecordBatch):
        return _one(_from_arrow(obj.column(0), label, False)), rows
    chunks = obj.column(0).chunks if isinstance(obj, pa.Table) else (b.column(0) for b in obj)
    return (_from_arrow(c, label, False) for c in chunks), rows


def _from_pandas(obj, label: str, is_2d: bool):
    if getattr(obj, "ndim", 1) == 2:  # DataFrame
        if not is_2d:
            if obj.shape[1] != 1:
                raise InputTypeError(format_message(
                    label, f"expected a 1-D array-like, got a DataFrame with {obj.shape[1]} "
                           "columns", fix="Select one column, e.g. df['label'], or pass "
                                          "data=df and the column name"))
            return _from_pandas(obj.iloc[:, 0], label, False)
        if all(isinstance(d, np.dtype) and d.kind in "biuf" for d in obj.dtypes):
            # One common dtype (bool + float -> float, not object as pandas would give).
            return _resolve(obj.to_numpy(dtype=np.result_type(*obj.dtypes)), label, True)
        return _from_tabular(pa.Table.from_pandas(obj, preserve_index=False), label, True)
    dtype = getattr(obj, "dtype", None)
    if isinstance(dtype, np.dtype):
        # numpy-backed: view it (zero copy); NaN stays NaN like any numpy float. Object
        # columns use pandas' missing-value rules (None and NaN are null).
        values, mask = _from_numpy(np.asarray(obj), label, is_2d, from_pandas=True)
        return _one((values, mask)), len(values)
    # Extension dtypes (categorical, str, Int64, ArrowDtype): Arrow keeps nulls and
    # dictionaries; categories arrive as dictionary arrays with their names.
    arrow = pa.chunked_array(obj) if hasattr(obj, "__arrow_c_stream__") else pa.array(obj)
    return _resolve(arrow, label, is_2d)


def _from_sparse(obj, label: str, is_2d: bool):
    if not is_2d or len(obj.shape) != 2:
        raise InputTypeError(format_message(
            label, f"got a scipy.sparse input of shape {obj.shape}; sparse input is taken "
                   "only for 2-D roles", fix="Pass a dense 1-D array, e.g. x.toarray().ravel()"))
    if obj.dtype.kind not in "biuf":
        raise InputTypeError(format_message(label, f"sparse input has dtype {obj.dtype}; "
                                                   "it must be numeric"))
    csr = obj.tocsr()
    n = csr.shape[0]
    # Dense blocks of bounded size: never an n x k dense copy of a large sparse matrix.
    blocks = ((csr[a:a + SPARSE_BLOCK_ROWS].toarray(), None)
              for a in range(0, n, SPARSE_BLOCK_ROWS))
    return blocks, n


def _missing_column(col: str, available, label: str) -> InvalidInputError:
    avail = [str(a) for a in available]
    shown = ", ".join(repr(a) for a in avail[:30]) + (", ..." if len(avail) > 30 else "")
    close = difflib.get_close_matches(col, avail, n=1)
    fix = (f"Did you mean {close[0]!r}? Pass one of the available column names" if close
           else "Pass one of the available column names")
    return InvalidInputError(format_message(
        label, f"no column {col!r} in data (available: {shown or 'none'})", fix=fix))


def _check_columns(plan, available) -> None:
    have = set(available)
    for role, spec in plan:
        for col in ([spec] if isinstance(spec, str) else spec):
            if col not in have:
                raise _missing_column(col, available, describe_role(role, True, col))


def _needed(plan) -> list[str]:
    cols = []
    for _, spec in plan:
        for col in ([spec] if isinstance(spec, str) else spec):
            if col not in cols:
                cols.append(col)
    return cols


def _from_data(data, plan, two_d, drop_nulls):
    labels = [describe_role(role, True, spec) for role, spec in plan]
    names = [role for role, _ in plan]
    root = _module_root(data)
    if root == "polars":
        _check_polars("data")
    if (isinstance(data, dict) or (root == "pandas" and hasattr(data, "columns"))
            or (root == "polars" and hasattr(data, "get_column"))):
        # Columns of an in-memory frame: one source per column, aligned like arrays.
        available = list(data.keys()) if isinstance(data, dict) else list(data.columns)
        _check_columns(plan, available)
        sources = []
        for (role, spec), label in zip(plan, labels):
            if isinstance(spec, str):
                col = data.get_column(spec) if root == "polars" else data[spec]
            elif isinstance(data, dict):
                for c in spec:
                    if is_device_array(data[c]):
                        refuse_device(f"data[{c!r}]")
                col = np.column_stack([np.asarray(data[c]) for c in spec])
            else:
                col = data.select(list(spec)) if root == "polars" else data[list(spec)]
            sources.append(_resolve(col, label, role in two_d))
        _check_known_lengths(labels, sources)
        return _aligned(names, labels, [s[0] for s in sources], drop_nulls)
    schema, batches = _open_tabular(data, plan)
    for (role, spec), label in zip(plan, labels):
        if isinstance(spec, str):
            _check_arrow_type(schema.field(spec).type, label, role in two_d)
        else:
            _check_table_2d(pa.schema([schema.field(c) for c in spec]), label)
    return _record_batches(batches, plan, names, labels, two_d, drop_nulls)


def _open_tabular(data, plan):
    """data= -> (schema, iterator of record batches holding the needed columns)."""
    cols = _needed(plan)
    if isinstance(data, (str, os.PathLike)):
        return _open_path(os.fspath(data), plan, cols)
    if isinstance(data, (pa.Table, pa.RecordBatch)):
        _check_columns(plan, data.schema.names)
        sub = data.select(cols)
        return sub.schema, (sub.to_batches() if isinstance(sub, pa.Table) else [sub])
    if _module_root(data) == "pyarrow" and hasattr(data, "to_batches") and hasattr(data, "schema"):
        _check_columns(plan, data.schema.names)  # a pyarrow.dataset.Dataset
        return data.schema, data.to_batches(columns=cols, batch_size=FILE_BATCH_ROWS)
    if isinstance(data, pa.RecordBatchReader) or hasattr(data, "__arrow_c_stream__"):
        reader = data if isinstance(data, pa.RecordBatchReader) else \
            pa.RecordBatchReader.from_stream(data)
        _check_columns(plan, reader.schema.names)
        return reader.schema, (b.select(cols) for b in reader)
    raise InputTypeError(format_message(
        "data", f"expected a table, a stream of record batches, a dict of columns or a path, "
                f"got {_what(data)}",
        fix="Pass a pyarrow Table, a pandas or polars DataFrame, a dict of arrays or a file path"))


def _format_of(path: str) -> str | None:
    low = path.lower()
    for ext in sorted(_FORMATS, key=len, reverse=True):
        if low.endswith(ext):
            return _FORMATS[ext]
    return None


def _read_error(path: str, fmt: str, exc: Exception) -> InvalidInputError:
    return InvalidInputError(format_message(
        "data", f"cannot read {path!r} as {fmt}: {exc}",
        fix="Check the file, or open it yourself and pass a pyarrow Table or RecordBatchReader"))


def _open_path(path: str, plan, cols):
    if not os.path.exists(path):
        raise DataSourceError(format_message("data", f"no such file or directory: {path!r}",
                                             fix="Check the path"))
    if os.path.isdir(path):
        return _open_directory(path, plan, cols)
    fmt = _format_of(path)
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq
            schema = pq.read_schema(path)
            _check_columns(plan, schema.names)
            # Read string columns as dictionaries: Parquet stores them dictionary-encoded,
            # which spares materialising then re-hashing every string.
            strings = [c for c in cols if _is_stringlike(schema.field(c).type)]
            pf = pq.ParquetFile(path, read_dictionary=strings)
            return pf.schema_arrow, _closing(pf, pf.iter_batches(batch_size=FILE_BATCH_ROWS,
                                                                 columns=cols))
        if fmt == "ipc":
            source = pa.memory_map(path, "r")  # pages of unused columns are never read
            try:
                reader = pa.ipc.open_file(source)
                _check_columns(plan, reader.schema.names)
                batches = (reader.get_batch(i).select(cols)
                           for i in range(reader.num_record_batches))
            except pa.ArrowInvalid:
                source.seek(0)
                reader = pa.ipc.open_stream(source)
                _check_columns(plan, reader.schema.names)
                batches = (b.select(cols) for b in reader)
            return reader.schema, _closing(source, batches)
        if fmt == "csv":
            return _open_csv(path, plan, cols)
    except pa.ArrowException as exc:
        raise _read_error(path, fmt, exc) from exc
    raise InputTypeError(format_message(
        "data", f"cannot tell the format of {path!r} from its extension",
        fix="Use .parquet/.pq, .arrow/.feather/.ipc or .csv/.csv.gz, or open it yourself and "
            "pass a pyarrow Table or RecordBatchReader"))


def _closing(handle, batches):
    try:
        yield from batches
    finally:
        handle.close()


def _csv_convert_options(cols=None):
    """CSV conversion: an empty field is a missing value, for strings too.

    Arrow reads an empty string field as ``""`` by default, which would make a
    missing label a class of its own, silently. As a null it is reported (or
    dropped with ``drop_nulls=True``) like any other.
    """
    import pyarrow.csv as pacsv
    return pacsv.ConvertOptions(include_columns=cols, strings_can_be_null=True)


def _open_csv(path: str, plan, cols):
    import pyarrow.csv as pacsv

    read = pacsv.ReadOptions(block_size=CSV_BLOCK_BYTES)
    try:
        reader = pacsv.open_csv(path, read_options=read,
                                convert_options=_csv_convert_options(cols))
    except (pa.ArrowInvalid, pa.ArrowKeyError):
        _check_columns(plan, pacsv.open_csv(path, read_options=read).schema.names)
        raise

    def batches():
        try:
            yield from reader
        except pa.ArrowInvalid as exc:  # e.g. a later block does not fit the inferred type
            raise _read_error(path, "CSV", exc) from exc
    return reader.schema, _closing(reader, batches())


def _open_directory(path: str, plan, cols):
    import pyarrow.dataset as ds

    files = {}
    for root, dirs, names in os.walk(path):
        # Same rule as Arrow's dataset discovery: skip hidden and underscore entries.
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in names:
            fmt = _format_of(name)
            if fmt and not name.startswith((".", "_")):
                files.setdefault(fmt, []).append(os.path.join(root, name))
    if not files:
        raise DataSourceError(format_message(
            "data", f"directory {path!r} holds no .parquet, .arrow/.feather/.ipc or .csv files"))
    if len(files) > 1:
        raise InvalidInputError(format_message(
            "data", f"directory {path!r} mixes file formats ({', '.join(sorted(files))})",
            fix="Keep one format per directory"))
    fmt, paths = next(iter(files.items()))
    file_format = (ds.CsvFileFormat(convert_options=_csv_convert_options()) if fmt == "csv"
                   else fmt)
    try:
        dataset = ds.dataset(sorted(paths), format=file_format, partitioning="hive",
                             partition_base_dir=path)
    except pa.ArrowException as exc:
        raise _read_error(path, fmt, exc) from exc
    _check_columns(plan, dataset.schema.names)
    return dataset.schema, dataset.to_batches(columns=cols, batch_size=FILE_BATCH_ROWS)

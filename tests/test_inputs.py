"""Tests of the input layer (fastmetrics.inputs): every input kind, alignment, nulls, errors."""

from __future__ import annotations

import gzip
import os

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.dataset as ds
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastmetrics.exceptions import (
    DataSourceError,
    FastMetricsError,
    InputTypeError,
    InvalidInputError,
    LabelError,
    LengthMismatchError,
    NullValueError,
)
from fastmetrics.inputs import (
    Batch,
    DictionaryChunk,
    describe_role,
    iter_batches,
    num_rows_hint,
)
import fastmetrics.inputs._sources as sources_mod

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
sparse = pytest.importorskip("scipy.sparse")

Y = np.array([0, 1, 2, 1, 0, 2, 2, 1, 0, 1], dtype=np.int64)
S = np.array(["cat", "dog", "cat", "emu", "dog", "dog", "cat", "emu", "emu", "cat"])


# ----------------------------------------------------------------------------- helpers

def collect(it) -> list[Batch]:
    """Consume batches and check the invariants every batch must satisfy."""
    batches = list(it)
    expected_start = 0
    for b in batches:
        assert isinstance(b, Batch)
        assert b.start == expected_start
        for v in b.columns.values():
            assert len(v) == b.length
        if b.n_dropped == 0:
            assert b.row_index is None
        else:
            assert b.row_index.dtype == np.int64 and len(b.row_index) == b.length
        expected_start = b.start + b.length + b.n_dropped
    return batches


def values(batches, role) -> np.ndarray:
    """Concatenate a role over the batches, decoding dictionary chunks to their labels."""
    out = []
    for b in batches:
        v = b.columns[role]
        if isinstance(v, DictionaryChunk):
            v = np.asarray(v.dictionary)[v.indices]
        out.append(np.asarray(v))
    return np.concatenate(out) if out else np.array([])


def rows_of(batches) -> np.ndarray:
    return np.concatenate([b.row_index if b.row_index is not None
                           else np.arange(b.start, b.start + b.length) for b in batches])


def reader(table: pa.Table, max_chunksize: int) -> pa.RecordBatchReader:
    return pa.RecordBatchReader.from_batches(table.schema,
                                             table.to_batches(max_chunksize=max_chunksize))


# ------------------------------------------------------------------------- numpy path

def test_numpy_fast_path_is_one_zero_copy_batch():
    y, p = Y.copy(), np.linspace(0, 1, len(Y))
    batches = collect(iter_batches({"y_true": y, "y_pred": p}))
    assert len(batches) == 1
    assert batches[0].columns["y_true"] is y and batches[0].columns["y_pred"] is p
    assert batches[0].length == len(Y) and batches[0].n_dropped == 0


def test_numpy_non_contiguous_and_big_endian_are_normalised():
    y = np.arange(20)[::2]
    big = Y.astype(">i4")
    (b,) = collect(iter_batches({"y_true": y, "y_pred": big}))
    assert b.columns["y_true"].flags.c_contiguous
    assert b.columns["y_pred"].dtype.isnative
    np.testing.assert_array_equal(b.columns["y_pred"], Y)


def test_numpy_str_and_object_become_dictionary_chunks():
    for arr in (S, S.astype(object), list(S), tuple(S)):
        (b,) = collect(iter_batches({"y_true": arr}))
        chunk = b.columns["y_true"]
        assert isinstance(chunk, DictionaryChunk)
        assert np.issubdtype(chunk.indices.dtype, np.integer)
        assert sorted(chunk.dictionary) == ["cat", "dog", "emu"]
        assert list(values([b], "y_true")) == list(S)


# -------------------------------------------------------- every input kind, same values

def _int_inputs():
    t = pa.table({"y": Y})
    return {
        "numpy": Y,
        "list": Y.tolist(),
        "tuple": tuple(Y.tolist()),
        "masked_no_mask": np.ma.masked_array(Y),
        "pa.Array": pa.array(Y),
        "pa.ChunkedArray": pa.chunked_array([Y[:3], Y[3:4], Y[4:4], Y[4:]]),
        "pa.Table": pa.Table.from_batches(t.to_batches(max_chunksize=4)),
        "pa.RecordBatch": t.to_batches()[0],
        "pa.RecordBatchReader": reader(t, 3),
        "pandas": pd.Series(Y),
        "pandas_Int64": pd.Series(Y, dtype="Int64"),
        "pandas_df_1col": pd.DataFrame({"y": Y}),
        "polars": pl.Series(Y),
        "polars_df_1col": pl.DataFrame({"y": Y}),
    }


@pytest.mark.parametrize("kind", list(_int_inputs()))
def test_every_int_input_kind_gives_the_same_values(kind):
    obj = _int_inputs()[kind]
    batches = collect(iter_batches({"y_true": obj, "y_pred": Y[::-1].copy()}))
    np.testing.assert_array_equal(values(batches, "y_true"), Y)
    np.testing.assert_array_equal(values(batches, "y_pred"), Y[::-1])


def _str_inputs():
    return {
        "numpy_U": S,
        "numpy_object": S.astype(object),
        "list": S.tolist(),
        "pa.string": pa.array(S.tolist()),
        "pa.large_string": pa.array(S.tolist(), type=pa.large_string()),
        "pa.string_view": pa.array(S.tolist(), type=pa.string_view()),
        "pa.dictionary": pa.array(S.tolist()).dictionary_encode(),
        "pa.ChunkedArray": pa.chunked_array([S[:4].tolist(), S[4:].tolist()]),
        "pandas_object": pd.Series(S.astype(object), dtype=object),
        "pandas_str": pd.Series(S.tolist(), dtype="str"),
        "pandas_category": pd.Series(S).astype("category"),
        "polars_str": pl.Series(S.tolist()),
        "polars_categorical": pl.Series(S.tolist()).cast(pl.Categorical),
        "polars_enum": pl.Series(S.tolist()).cast(pl.Enum(["emu", "dog", "cat"])),
    }


@pytest.mark.parametrize("kind", list(_str_inputs()))
def test_every_string_input_kind_gives_dictionary_chunks_with_the_labels(kind):
    batches = collect(iter_batches({"y_true": _str_inputs()[kind]}))
    assert all(isinstance(b.columns["y_true"], DictionaryChunk) for b in batches)
    assert list(values(batches, "y_true")) == S.tolist()


def test_pandas_categorical_keeps_category_names_and_order():
    cat = pd.Categorical(["b", "a", "b"], categories=["c", "b", "a"])
    (b,) = collect(iter_batches({"y_true": pd.Series(cat)}))
    chunk = b.columns["y_true"]
    assert list(chunk.dictionary) == ["c", "b", "a"]  # unused 'c' kept, order kept
    np.testing.assert_array_equal(chunk.indices, [1, 2, 1])


def test_polars_enum_keeps_its_categories():
    s = pl.Series(["a", "b", "a"]).cast(pl.Enum(["b", "a", "z"]))
    (b,) = collect(iter_batches({"y_true": s}))
    assert list(b.columns["y_true"].dictionary)[:2] == ["b", "a"]
    assert list(values([b], "y_true")) == ["a", "b", "a"]


@pytest.mark.parametrize("where", ["argument", "data"])
def test_a_polars_older_than_the_floor_is_refused(monkeypatch, where):
    # Older releases exported nulls and enum columns in ways we would misread: they are
    # refused by name rather than read. The installed release claims to be older here.
    monkeypatch.setattr(pl, "__version__", "1.20.0")
    frame = pl.DataFrame({"y": [0, 1, 1]})
    args = ({"y_true": frame.get_column("y")}, {}) if where == "argument" else \
        ({"y_true": "y"}, {"data": frame})
    with pytest.raises(InputTypeError, match=r"polars 1\.20\.0.*polars>=1\.33\.1"):
        collect(iter_batches(args[0], **args[1]))
    monkeypatch.setattr(pl, "__version__", "1.33.1")
    (b,) = collect(iter_batches(*args[:1], **args[1]))
    assert list(values([b], "y_true")) == [0, 1, 1]


def test_numeric_dictionary_values_stay_numeric():
    arr = pa.DictionaryArray.from_arrays(pa.array([1, 0, 1], pa.int8()), pa.array([10, 20]))
    (b,) = collect(iter_batches({"y_true": arr}))
    assert b.columns["y_true"].dictionary.dtype == np.int64
    np.testing.assert_array_equal(values([b], "y_true"), [20, 10, 20])


def test_boolean_arrow_becomes_numpy_bool():
    (b,) = collect(iter_batches({"y_true": pa.array([True, False, True])}))
    assert b.columns["y_true"].dtype == np.bool_


# ----------------------------------------------------------------------------- data=

FRAME = {"label": S.tolist(), "pred": Y.tolist(), "w": np.linspace(0.5, 1.5, 10).tolist()}


def _check_data_result(batches):
    assert list(values(batches, "y_true")) == S.tolist()
    np.testing.assert_array_equal(values(batches, "y_pred"), Y)
    np.testing.assert_allclose(values(batches, "sample_weight"), FRAME["w"])


def _data_sources(tmp_path):
    table = pa.table(FRAME)
    out = {
        "pa.Table": table,
        "pa.RecordBatch": table.to_batches()[0],
        "pa.RecordBatchReader": reader(table, 3),
        "pa.dataset": ds.dataset(table),
        "pandas": pd.DataFrame(FRAME),
        "polars": pl.DataFrame(FRAME),
        "dict_numpy": {k: np.asarray(v) for k, v in FRAME.items()},
        "dict_mixed_chunking": {"label": pa.chunked_array([S[:7].tolist(), S[7:].tolist()]),
                                "pred": Y, "w": FRAME["w"]},
    }
    pq.write_table(table, tmp_path / "f.parquet", row_group_size=4)
    out["parquet"] = str(tmp_path / "f.parquet")
    pq.write_table(table, tmp_path / "f.pq")
    out["pq_pathlike"] = tmp_path / "f.pq"
    feather.write_feather(table, tmp_path / "f.feather", chunksize=3)
    out["feather"] = str(tmp_path / "f.feather")
    with pa.ipc.new_stream(tmp_path / "s.arrow", table.schema) as w:
        for batch in table.to_batches(max_chunksize=4):
            w.write_batch(batch)
    out["ipc_stream"] = str(tmp_path / "s.arrow")
    with pa.ipc.new_file(tmp_path / "f.ipc", table.schema) as w:
        w.write_table(table)
    out["ipc_file"] = str(tmp_path / "f.ipc")
    pacsv.write_csv(table, tmp_path / "f.csv")
    out["csv"] = str(tmp_path / "f.csv")
    with gzip.open(tmp_path / "f.csv.gz", "wb") as fh:
        fh.write((tmp_path / "f.csv").read_bytes())
    out["csv_gz"] = str(tmp_path / "f.csv.gz")
    (tmp_path / "dir").mkdir()
    pq.write_table(table.slice(0, 6), tmp_path / "dir" / "part-0.parquet")
    pq.write_table(table.slice(6), tmp_path / "dir" / "part-1.parquet")
    (tmp_path / "dir" / "_SUCCESS").write_text("")
    out["parquet_dir"] = str(tmp_path / "dir")
    (tmp_path / "csvdir").mkdir()
    pacsv.write_csv(table.slice(0, 5), tmp_path / "csvdir" / "a.csv")
    pacsv.write_csv(table.slice(5), tmp_path / "csvdir" / "b.csv")
    out["csv_dir"] = str(tmp_path / "csvdir")
    return out


DATA_KINDS = ["pa.Table", "pa.RecordBatch", "pa.RecordBatchReader", "pa.dataset", "pandas",
              "polars", "dict_numpy", "dict_mixed_chunking", "parquet", "pq_pathlike",
              "feather", "ipc_stream", "ipc_file", "csv", "csv_gz", "parquet_dir", "csv_dir"]


@pytest.mark.parametrize("kind", DATA_KINDS)
def test_data_sources_give_the_same_values(kind, tmp_path):
    data = _data_sources(tmp_path)[kind]
    batches = collect(iter_batches(
        {"y_true": "label", "y_pred": "pred", "sample_weight": "w"}, data=data))
    _check_data_result(batches)


@pytest.mark.parametrize("kind", ["pa.Table", "pandas", "polars", "dict_numpy", "parquet",
                                  "ipc_file", "csv", "parquet_dir"])
def test_missing_column_lists_the_available_ones(kind, tmp_path):
    data = _data_sources(tmp_path)[kind]
    with pytest.raises(InvalidInputError) as exc:
        iter_batches({"y_true": "lable", "y_pred": "pred"}, data=data)
    msg = str(exc.value)
    assert "data['lable']" in msg and "'label'" in msg and "'pred'" in msg and "'w'" in msg
    assert "Did you mean 'label'" in msg


def test_parquet_reads_only_the_needed_columns_and_as_dictionaries(tmp_path, monkeypatch):
    table = pa.table({**FRAME, "huge": [b"x" * 10] * 10})  # binary: would be refused
    pq.write_table(table, tmp_path / "f.parquet", row_group_size=3)
    monkeypatch.setattr(sources_mod, "FILE_BATCH_ROWS", 3)
    batches = collect(iter_batches({"y_true": "label", "y_pred": "pred", "sample_weight": "w"},
                                   data=tmp_path / "f.parquet"))
    assert len(batches) == 4
    _check_data_result(batches)


def test_same_column_for_two_roles_and_columns_list_for_2d_role():
    table = pa.table({"y": Y, "p0": np.linspace(0, 1, 10), "p1": np.linspace(1, 0, 10)})
    (b,) = collect(iter_batches({"y_true": "y", "y_pred": "y", "y_score": ["p0", "p1"]},
                                data=table, two_d=frozenset({"y_score"})))
    assert b.columns["y_true"] is b.columns["y_pred"]
    np.testing.assert_array_equal(b.columns["y_score"][:, 1], np.linspace(1, 0, 10))
    (b2,) = collect(iter_batches({"y_score": ["p0", "p1"]}, data=table.to_pandas(),
                                 two_d=frozenset({"y_score"})))
    np.testing.assert_array_equal(b2.columns["y_score"], b.columns["y_score"])


def test_non_str_value_with_data_is_a_type_error():
    with pytest.raises(InputTypeError, match="column name"):
        iter_batches({"y_true": Y}, data=pa.table({"y": Y}))
    with pytest.raises(InputTypeError, match="column name"):
        iter_batches({"y_true": ["y"]}, data=pa.table({"y": Y}))  # list only for 2-D roles


def test_path_errors(tmp_path):
    with pytest.raises(DataSourceError) as exc:
        iter_batches({"y_true": "y"}, data=tmp_path / "nope.parquet")
    assert isinstance(exc.value, FileNotFoundError) and isinstance(exc.value, FastMetricsError)
    assert "nope.parquet" in str(exc.value)
    (tmp_path / "f.txt").write_text("y\n1\n")
    with pytest.raises(InputTypeError, match="extension"):
        iter_batches({"y_true": "y"}, data=tmp_path / "f.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataSourceError, match="no .parquet"):
        iter_batches({"y_true": "y"}, data=tmp_path / "empty")
    (tmp_path / "bad.parquet").write_bytes(b"not a parquet file")
    with pytest.raises(InvalidInputError, match="cannot read"):
        iter_batches({"y_true": "y"}, data=tmp_path / "bad.parquet")
    with pytest.raises(InputTypeError, match="data"):
        iter_batches({"y_true": "y"}, data=42)


def test_hive_partitioned_directory_exposes_partition_keys(tmp_path):
    table = pa.table({"y": Y, "model": ["a"] * 5 + ["b"] * 5})
    pq.write_to_dataset(table, tmp_path / "ds", partition_cols=["model"])
    batches = collect(iter_batches({"y_true": "y", "groups": "model"}, data=tmp_path / "ds"))
    got = sorted(zip(values(batches, "groups").tolist(), values(batches, "y_true").tolist()))
    assert got == sorted(zip(["a"] * 5 + ["b"] * 5, Y.tolist()))


def test_csv_streams_block_by_block_with_global_rows(tmp_path, monkeypatch):
    n = 3000
    y = np.arange(n) % 3
    text = "y,p\n" + "".join(("" if i == 2500 else str(v)) + ",1\n" for i, v in enumerate(y))
    (tmp_path / "big.csv").write_text(text)
    monkeypatch.setattr(sources_mod, "CSV_BLOCK_BYTES", 1024)
    batches = collect(iter_batches({"y_true": "y"}, data=tmp_path / "big.csv",
                                   drop_nulls=True))
    assert len(batches) > 5
    assert sum(b.n_dropped for b in batches) == 1
    np.testing.assert_array_equal(values(batches, "y_true"), np.delete(y, 2500))
    with pytest.raises(NullValueError, match=r"data\['y'\].*row 2500"):
        list(iter_batches({"y_true": "y"}, data=tmp_path / "big.csv"))


# -------------------------------------------------------------------------- zero copy

def _arrow_data_view(arr: pa.Array) -> np.ndarray:
    return np.frombuffer(arr.buffers()[1], dtype=arr.type.to_pandas_dtype())


def test_arrow_numeric_is_zero_copy():
    arr = pa.array(np.arange(100, dtype=np.float32))
    chunked = pa.chunked_array([pa.array(np.arange(5)), pa.array(np.arange(5, 12))])
    (b,) = collect(iter_batches({"y_true": arr}))
    assert np.shares_memory(b.columns["y_true"], _arrow_data_view(arr))
    batches = collect(iter_batches({"y_true": chunked}))
    for b, chunk in zip(batches, chunked.chunks):
        assert np.shares_memory(b.columns["y_true"], _arrow_data_view(chunk))


def test_dictionary_indices_are_zero_copy():
    arr = pa.array(S.tolist()).dictionary_encode()
    (b,) = collect(iter_batches({"y_true": arr}))
    assert np.shares_memory(b.columns["y_true"].indices, _arrow_data_view(arr.indices))


def test_pandas_numpy_backed_series_is_zero_copy():
    s = pd.Series(np.arange(50, dtype=np.int32))
    (b,) = collect(iter_batches({"y_true": s}))
    assert np.shares_memory(b.columns["y_true"], s.to_numpy())


def test_aligned_slices_are_views():
    y = np.arange(10)
    chunked = pa.chunked_array([np.arange(4), np.arange(4, 10)])
    batches = collect(iter_batches({"y_true": chunked, "y_pred": y}))
    assert [b.length for b in batches] == [4, 6]
    assert all(np.shares_memory(b.columns["y_pred"], y) for b in batches)


# -------------------------------------------------------------------------- alignment

def _chunks(n):
    """Strategy: a random split of range(n) into chunk sizes (zero-size chunks included)."""
    return st.lists(st.integers(0, n), max_size=6).map(
        lambda cuts: np.diff([0, *sorted(cuts), n]).tolist())


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40).flatmap(lambda n: st.tuples(st.just(n), _chunks(n), _chunks(n),
                                                       st.booleans())))
def test_random_chunkings_are_aligned_exactly(args):
    n, sizes_a, sizes_b, as_reader = args
    a = np.arange(n, dtype=np.int64)
    b = np.arange(n, dtype=np.float64) * 10
    offsets_a = np.cumsum([0, *sizes_a])
    ca = pa.chunked_array([a[i:j] for i, j in zip(offsets_a[:-1], offsets_a[1:])], pa.int64())
    offsets_b = np.cumsum([0, *sizes_b])
    tb = pa.Table.from_batches(
        [pa.record_batch({"b": b[i:j]}) for i, j in zip(offsets_b[:-1], offsets_b[1:])],
        schema=pa.schema({"b": pa.float64()}))
    other = pa.RecordBatchReader.from_batches(tb.schema, tb.to_batches()) if as_reader else tb
    batches = collect(iter_batches({"y_true": ca, "y_pred": other, "w": b}))
    if n == 0:
        assert batches == []
        return
    assert all(bt.length > 0 for bt in batches)
    np.testing.assert_array_equal(values(batches, "y_true"), a)
    np.testing.assert_array_equal(values(batches, "y_pred"), b)
    np.testing.assert_array_equal(values(batches, "w"), b)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    _chunks(n), _chunks(n), st.lists(st.booleans(), min_size=n, max_size=n),
    st.lists(st.booleans(), min_size=n, max_size=n))))
def test_random_nulls_drop_exactly_their_union(args):
    sizes_a, sizes_b, null_a, null_b = args
    n = len(null_a)
    a = [None if z else i for i, z in enumerate(null_a)]
    b = [None if z else f"s{i}" for i, z in enumerate(null_b)]
    oa, ob = np.cumsum([0, *sizes_a]), np.cumsum([0, *sizes_b])
    ca = pa.chunked_array([a[i:j] for i, j in zip(oa[:-1], oa[1:])], pa.int64())
    cb = pa.chunked_array([b[i:j] for i, j in zip(ob[:-1], ob[1:])], pa.string())
    union = np.array(null_a) | np.array(null_b)
    if union.any():
        with pytest.raises(NullValueError, match=rf"row {int(np.argmax(union))}\)"):
            list(iter_batches({"y_true": ca, "y_pred": cb}))
    batches = collect(iter_batches({"y_true": ca, "y_pred": cb}, drop_nulls=True))
    kept = np.flatnonzero(~union)
    assert sum(bt.n_dropped for bt in batches) == union.sum()
    if kept.size:
        np.testing.assert_array_equal(rows_of(batches), kept)
        np.testing.assert_array_equal(values(batches, "y_true"), kept)
        assert list(values(batches, "y_pred")) == [f"s{i}" for i in kept]


def test_length_mismatch_known_lengths_raises_at_call():
    with pytest.raises(LengthMismatchError, match="y_pred: has 9 rows but y_true has 10"):
        iter_batches({"y_true": Y, "y_pred": Y[:9]})
    with pytest.raises(LengthMismatchError, match="has 9 rows"):
        iter_batches({"y_true": pa.chunked_array([Y[:5], Y[5:]]), "y_pred": Y[:9].tolist()})


def test_length_mismatch_of_streams_raises_while_iterating():
    short = reader(pa.table({"p": Y[:7]}), 3)
    it = iter_batches({"y_true": reader(pa.table({"y": Y}), 4), "y_pred": short})
    with pytest.raises(LengthMismatchError, match="y_pred: ended after 7 rows while y_true"):
        list(it)
    long = reader(pa.table({"p": np.arange(12)}), 5)
    with pytest.raises(LengthMismatchError, match="y_true: ended after 10 rows while y_pred"):
        list(iter_batches({"y_true": Y, "y_pred": long}))


# ------------------------------------------------------------------------------ nulls

def test_null_error_names_role_and_global_row_in_a_later_chunk():
    y = pa.chunked_array([[0, 1, 0, 1], [1, 1, None, 0]])
    with pytest.raises(NullValueError) as exc:
        list(iter_batches({"y_true": Y[:8], "y_pred": y}))
    msg = str(exc.value)
    assert msg.startswith("y_pred: contains null values (first at row 6)")
    assert "drop_nulls=True" in msg


def test_null_error_reports_the_earliest_null_across_roles():
    a = pa.chunked_array([[0, 1, 0, 1, 1, None, 0, 1]])  # null at 5, one big chunk
    b = pa.chunked_array([[0.1, 0.2], [0.3, None, 0.5, 0.6, 0.7, 0.8]])  # null at 3
    with pytest.raises(NullValueError, match=r"y_pred: .*row 3\)"):
        list(iter_batches({"y_true": a, "y_pred": b}))


def test_null_error_with_data_names_the_column():
    table = pa.table({"label": ["a", "b", None], "p": [1, 2, 3]})
    with pytest.raises(NullValueError, match=r"^data\['label'\]: contains null values "
                                             r"\(first at row 2\)"):
        list(iter_batches({"y_true": "label", "y_pred": "p"}, data=table))


@pytest.mark.parametrize("make", [
    lambda: [1, None, 0, 1, 0, 1],
    lambda: np.ma.masked_array([1, 7, 0, 1, 0, 1], mask=[0, 1, 0, 0, 0, 0]),
    lambda: pd.Series([1, None, 0, 1, 0, 1], dtype="Int64"),
    lambda: pd.Series(["a", None, "b", "a", "b", "a"], dtype=object),
    lambda: pd.Series(["a", np.nan, "b", "a", "b", "a"], dtype=object),
    lambda: pd.Series(["a", None, "b", "a", "b", "a"]).astype("category"),
    lambda: pl.Series([1, None, 0, 1, 0, 1]),
    lambda: pa.array(["a", None, "b", "a", "b", "a"]).dictionary_encode(),
    lambda: pa.DictionaryArray.from_arrays(pa.array([0, 1, 0, 0, 0, 0], pa.int8()),
                                           pa.array(["a", None])),
])
def test_null_kinds_are_detected(make):
    with pytest.raises(NullValueError, match=r"row 1\)"):
        list(iter_batches({"y_true": make(), "y_pred": np.arange(6)}))
    (b,) = collect(iter_batches({"y_true": make(), "y_pred": np.arange(6)}, drop_nulls=True))
    assert b.n_dropped == 1 and b.length == 5
    np.testing.assert_array_equal(b.row_index, [0, 2, 3, 4, 5])
    np.testing.assert_array_equal(b.columns["y_pred"], [0, 2, 3, 4, 5])


def test_drop_nulls_drops_the_union_across_roles_and_chunks():
    y = pa.chunked_array([[0, None, 1], [1, 0, 1, None, 0]])
    p = pa.chunked_array([[0.5, 0.1, 0.2, None, 0.3], [0.4, 0.6, 0.7]])
    w = np.ma.masked_array(np.ones(8), mask=[0, 0, 0, 0, 0, 1, 0, 0])
    batches = collect(iter_batches({"y_true": y, "y_score": p, "w": w}, drop_nulls=True))
    assert sum(b.n_dropped for b in batches) == 4
    np.testing.assert_array_equal(rows_of(batches), [0, 2, 4, 7])
    np.testing.assert_array_equal(values(batches, "y_true"), [0, 1, 0, 0])
    np.testing.assert_array_equal(values(batches, "y_score"), [0.5, 0.2, 0.3, 0.7])


def test_batch_with_every_row_dropped_is_still_yielded():
    y = pa.chunked_array([[None, None], [1, 0]], pa.int64())
    batches = collect(iter_batches({"y_true": y}, drop_nulls=True))
    assert [(b.length, b.n_dropped) for b in batches] == [(0, 2), (2, 0)]


def test_all_null_column():
    y = pa.nulls(3, pa.null())
    with pytest.raises(NullValueError, match="row 0"):
        list(iter_batches({"y_true": y}))
    (b,) = collect(iter_batches({"y_true": y, "y_pred": [1, 2, 3]}, drop_nulls=True))
    assert b.length == 0 and b.n_dropped == 3


def test_nan_is_not_null():
    (b,) = collect(iter_batches({"y_score": [0.1, np.nan], "w": pa.array([1.0, np.nan],
                                                                          from_pandas=False)}))
    assert np.isnan(b.columns["y_score"][1]) and np.isnan(b.columns["w"][1])


# ------------------------------------------------------------------------------- 2-D

TWO_D = frozenset({"y_score"})
P = np.arange(12, dtype=np.float64).reshape(4, 3) / 12


def test_2d_numpy_passes_through_and_1d_is_accepted():
    (b,) = collect(iter_batches({"y_true": Y[:4], "y_score": P}, two_d=TWO_D))
    assert b.columns["y_score"] is P
    (b,) = collect(iter_batches({"y_score": P[:, 0].copy()}, two_d=TWO_D))
    assert b.columns["y_score"].ndim == 1


@pytest.mark.parametrize("make", [
    lambda: pa.FixedSizeListArray.from_arrays(pa.array(P.ravel()), 3),
    lambda: pa.chunked_array([pa.FixedSizeListArray.from_arrays(pa.array(P[:1].ravel()), 3),
                              pa.FixedSizeListArray.from_arrays(pa.array(P[1:].ravel()), 3)]),
    lambda: pa.FixedSizeListArray.from_arrays(pa.array(np.r_[np.zeros(3), P.ravel()]), 3)[1:],
    lambda: pa.table({"a": P[:, 0], "b": P[:, 1], "c": P[:, 2]}),
    lambda: reader(pa.table({"a": P[:, 0], "b": P[:, 1], "c": P[:, 2]}), 3),
    lambda: pd.DataFrame(P, columns=list("abc")),
    lambda: pd.DataFrame({"a": pd.array(P[:, 0], dtype="Float64"), "b": P[:, 1], "c": P[:, 2]}),
    lambda: pl.DataFrame({"a": P[:, 0], "b": P[:, 1], "c": P[:, 2]}),
    lambda: sparse.csr_matrix(P),
    lambda: sparse.coo_array(P),
])
def test_2d_inputs_give_the_same_matrix(make):
    batches = collect(iter_batches({"y_true": Y[:4], "y_score": make()}, two_d=TWO_D))
    got = np.concatenate([b.columns["y_score"] for b in batches])
    np.testing.assert_array_equal(got, P)
    assert all(b.columns["y_score"].flags.c_contiguous for b in batches)


def test_fixed_size_list_is_zero_copy_and_list_nulls_are_row_nulls():
    fsl = pa.FixedSizeListArray.from_arrays(pa.array(P.ravel()), 3)
    (b,) = collect(iter_batches({"y_score": fsl}, two_d=TWO_D))
    assert np.shares_memory(b.columns["y_score"], _arrow_data_view(fsl.values))
    with_null = pa.array([[0.1, 0.9], None, [0.5, None]], type=pa.list_(pa.float64(), 2))
    (b,) = collect(iter_batches({"y_score": with_null}, two_d=TWO_D, drop_nulls=True))
    np.testing.assert_array_equal(b.row_index, [0])
    np.testing.assert_array_equal(b.columns["y_score"], [[0.1, 0.9]])


def test_sparse_is_densified_in_bounded_blocks(monkeypatch):
    monkeypatch.setattr(sources_mod, "SPARSE_BLOCK_ROWS", 3)
    m = sparse.random(10, 4, density=0.3, format="csc", random_state=0)
    batches = collect(iter_batches({"y_true": Y, "y_score": m}, two_d=TWO_D))
    assert [b.length for b in batches] == [3, 3, 3, 1]
    np.testing.assert_array_equal(np.concatenate([b.columns["y_score"] for b in batches]),
                                  m.toarray())


def test_2d_errors():
    with pytest.raises(InputTypeError, match=r"ravel"):
        iter_batches({"y_true": Y.reshape(-1, 1)})
    with pytest.raises(InputTypeError, match=r"expected a 1-D array-like.*\(4, 3\)"):
        iter_batches({"y_true": P})
    with pytest.raises(InputTypeError, match="sparse"):
        iter_batches({"y_true": sparse.csr_matrix(P)})
    with pytest.raises(InputTypeError, match="must be numeric"):
        iter_batches({"y_score": pa.table({"a": ["x"], "b": [1.0]})}, two_d=TWO_D)
    with pytest.raises(InputTypeError, match="2 columns"):
        iter_batches({"y_true": pa.table({"a": [1], "b": [1]})})
    with pytest.raises(InputTypeError, match="fixed_size_list"):
        iter_batches({"y_true": pa.FixedSizeListArray.from_arrays(pa.array(P.ravel()), 3)})


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("obj, pattern", [
    (3, "expected a 1-D array-like, got an object of type builtins.int"),
    (np.float64(0.5), "expected a 1-D array-like"),
    (np.array(3), "got a scalar"),
    (np.zeros((2, 2, 2)), r"shape \(2, 2, 2\)"),
    ("label", "to select a column by name"),
    ({1, 2}, "expected a 1-D array-like"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), "datetime64"),
    (np.array([1 + 2j]), "complex128"),
    (pa.array([1, 2], pa.timestamp("s")), "timestamp"),
    (pa.array([1, 2], pa.decimal128(5, 2)), "decimal"),
    (pa.array([b"a"], pa.binary()), "binary"),
    ([b"a", b"b"], r"dtype \|S1"),
    (pa.array([[1], [2]]), "list"),
    ([[1, 2], [3]], "cannot be read as an array"),
])
def test_bad_types_are_input_type_errors_at_call_time(obj, pattern):
    with pytest.raises(InputTypeError, match=pattern) as exc:
        iter_batches({"y_true": obj})
    assert str(exc.value).startswith("y_true: ")
    assert isinstance(exc.value, TypeError)


def test_mixed_label_types_name_the_first_odd_row():
    with pytest.raises(LabelError, match=r"mix of label types \(str and int\) \(first at row 2\)"):
        list(iter_batches({"y_true": ["a", "b", 3, "c"]}))
    with pytest.raises(LabelError, match=r"\(int and str\) \(first at row 3\)"):
        list(iter_batches({"y_true": np.array([1, 2.5, None, "x"], dtype=object)}))
    with pytest.raises(LabelError, match=r"str and float NaN.*drop_nulls"):
        list(iter_batches({"y_true": ["a", float("nan")]}))
    with pytest.raises(LabelError):
        list(iter_batches({"y_true": pd.Series(["a", 1], dtype=object)}))


# ------------------------------------------------------------------------------ empty

@pytest.mark.parametrize("make", [
    lambda: np.array([], dtype=np.int64), lambda: [], lambda: pa.array([], pa.string()),
    lambda: pa.chunked_array([], pa.int64()),
    lambda: reader(pa.table({"y": pa.array([], pa.int8())}), 3),
])
def test_empty_inputs_yield_no_batches(make):
    assert list(iter_batches({"y_true": make(), "y_pred": make()})) == []


def test_empty_file_yields_no_batches(tmp_path):
    pq.write_table(pa.table({"y": pa.array([], pa.int64())}), tmp_path / "e.parquet")
    assert list(iter_batches({"y_true": "y"}, data=tmp_path / "e.parquet")) == []


# ---------------------------------------------------------------------------- helpers

def test_describe_role_and_num_rows_hint():
    assert describe_role("y_true", False) == "y_true"
    assert describe_role("y_true", True, "label") == "data['label']"
    assert describe_role("label", True) == "data['label']"
    assert num_rows_hint(Y) == 10 and num_rows_hint(Y.tolist()) == 10
    assert num_rows_hint(pa.chunked_array([Y, Y])) == 20
    assert num_rows_hint(pa.table({"y": Y})) == 10
    assert num_rows_hint(pd.Series(Y)) == 10 and num_rows_hint(pl.DataFrame({"y": Y})) == 10
    assert num_rows_hint(sparse.csr_matrix(P)) == 4
    assert num_rows_hint(reader(pa.table({"y": Y}), 3)) is None
    assert num_rows_hint(np.array(3)) is None


def test_batches_are_frozen():
    (b,) = iter_batches({"y_true": Y})
    with pytest.raises(AttributeError):
        b.start = 3  # type: ignore[misc]


def test_pathlike_and_os_fspath(tmp_path):
    pq.write_table(pa.table({"y": Y}), tmp_path / "f.parquet")
    (b,) = collect(iter_batches({"y_true": "y"}, data=os.fspath(tmp_path / "f.parquet")))
    np.testing.assert_array_equal(b.columns["y_true"], Y)


def test_csv_type_change_in_a_later_block_is_a_clear_error(tmp_path, monkeypatch):
    text = "y\n" + "1\n" * 2000 + "oops\n"
    (tmp_path / "t.csv").write_text(text)
    monkeypatch.setattr(sources_mod, "CSV_BLOCK_BYTES", 1024)
    with pytest.raises(InvalidInputError, match="cannot read .*t.csv.* as CSV"):
        list(iter_batches({"y_true": "y"}, data=tmp_path / "t.csv"))


def test_pandas_float_nan_stays_nan_and_nullable_na_is_null():
    (b,) = collect(iter_batches({"y_score": pd.Series([0.1, np.nan])}))
    assert np.isnan(b.columns["y_score"][1])
    with pytest.raises(NullValueError, match="row 1"):
        list(iter_batches({"y_score": pd.Series([0.1, None], dtype="Float64")}))


def test_csv_empty_string_label_is_a_null_not_a_class(tmp_path):
    # Arrow reads an empty CSV field as "" by default: a missing label would
    # silently become a class of its own. It must be a null instead.
    import fastmetrics as fm
    from fastmetrics.exceptions import NullValueError, NullsDroppedWarning
    path = tmp_path / "preds.csv"
    path.write_text("label,pred\na,a\nb,\na,b\nb,b\n")
    with pytest.raises(NullValueError, match=r"data\['pred'\].*row 1"):
        fm.confusion_matrix("label", "pred", data=str(path))
    with pytest.warns(NullsDroppedWarning, match="1 row"):
        cm = fm.confusion_matrix("label", "pred", data=str(path), drop_nulls=True)
    np.testing.assert_array_equal(cm, [[1, 1], [0, 1]])
    folder = tmp_path / "dir"
    folder.mkdir()
    (folder / "part-0.csv").write_text(path.read_text())
    with pytest.raises(NullValueError):
        fm.confusion_matrix("label", "pred", data=str(folder))

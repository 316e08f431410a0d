"""Invariance tests over a registry of metrics.

What must not change an answer: the container the data comes in (lists, numpy,
Arrow arrays, chunked arrays, tables, record-batch streams, pandas and polars,
Parquet / Arrow IPC / CSV files and datasets, dictionaries that differ per chunk),
the order of the rows, how the rows are split into chunks and in what order the
chunk states are merged, and whether the rows are counted per group. Thresholded
predictions and sample weights are checked against scikit-learn.

Section 7 holds the invariances of every state kind, not only the confusion
family's (the registry of ``tests/_states.py``): merged chunk states equal the
state of the whole (``==``), row order does not matter, integer weights equal
repeated rows, and bytes and pickles round-trip.

Weights in the property tests are multiples of 1/4, so their float64 sums are
exact in any order, and every comparison here is exact.
"""

from __future__ import annotations

import functools
import os
import pickle
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st

import fastmetrics as fm
import fastmetrics.inputs._sources as sources_mod
from fastmetrics.exceptions import FastMetricsError, InvalidInputError, LabelError
from fastmetrics.inputs import iter_batches

from . import _states
from .conftest import assert_same_result

pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")

# One-class inputs warn as scikit-learn does; that is tested in test_sklearn_parity.
pytestmark = pytest.mark.filterwarnings("ignore:A single label was found:UserWarning")

#: metric name -> keyword sets; every invariance below holds for every entry.
REGISTRY = {
    "confusion_matrix": [{}, {"normalize": "true"}, {"labels": None}],
    "multilabel_confusion_matrix": [{}],
    "accuracy_score": [{}, {"normalize": False}],
    "balanced_accuracy_score": [{}, {"adjusted": True}],
    "precision_score": [{}, {"average": "micro"}, {"average": "macro"},
                        {"average": "weighted", "zero_division": np.nan}],
    "recall_score": [{"average": "macro"}, {"average": None}],
    "f1_score": [{}, {"average": "weighted"}, {"average": None, "zero_division": 1.0}],
    "fbeta_score": [{"beta": 0.5, "average": "macro"}],
    "precision_recall_fscore_support": [{"average": None}],
    "jaccard_score": [{"average": "macro"}, {"average": None}],
    "specificity_score": [{"average": "macro"}],
    "negative_predictive_value_score": [{"average": None}],
    "matthews_corrcoef": [{}],
    "cohen_kappa_score": [{}, {"weights": "quadratic"}],
    "hamming_loss": [{}],
    "zero_one_loss": [{}, {"normalize": False}],
    "classification_report": [{"output_dict": True}, {"digits": 3}],
}
CASES = [(name, kw) for name, kws in REGISTRY.items() for kw in kws]

ML_REGISTRY = {
    "multilabel_confusion_matrix": [{}, {"labels": [1, 0]}],
    "accuracy_score": [{}, {"normalize": False}],
    "hamming_loss": [{}],
    "zero_one_loss": [{}],
    "precision_score": [{"average": a} for a in ("micro", "macro", "weighted", "samples",
                                                 None)],
    "recall_score": [{"average": "samples"}, {"average": "macro"}],
    "f1_score": [{"average": "samples", "zero_division": 1.0}, {"average": None}],
    "fbeta_score": [{"beta": 2.0, "average": "samples"}],
    "jaccard_score": [{"average": "samples"}, {"average": "micro"}],
    "classification_report": [{"output_dict": True}],
}
ML_CASES = [(name, kw) for name, kws in ML_REGISTRY.items() for kw in kws]


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _quiet(call):
    """The result, or the class of the project's exception it raised."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return call()
        except (ValueError, TypeError) as exc:
            assert isinstance(exc, FastMetricsError), f"not our exception type: {exc!r}"
            return type(exc)


def evaluate(cases, *args, **kwargs):
    """Every registry entry computed by the public function on the same arguments."""
    return {(name, repr(kw)): _quiet(lambda: getattr(fm, name)(*args, **kw, **kwargs))
            for name, kw in cases}


def evaluate_fresh(cases, build):
    """Like :func:`evaluate`, with arguments from ``build()`` for every call (a record
    batch reader is consumed by the first metric that reads it)."""
    out = {}
    for name, kw in cases:
        args, kwargs = build()
        out[(name, repr(kw))] = _quiet(lambda: getattr(fm, name)(*args, **kw, **kwargs))
    return out


def evaluate_state(cases, state):
    """Every registry entry computed by ``metric.from_state``."""
    return {(name, repr(kw)): _quiet(lambda: getattr(fm, name).from_state(state, **kw))
            for name, kw in cases}


def assert_same(got, expected, exact=True):
    """Equality of two results, including the dtype of arrays; exact unless told
    otherwise (then ratios to float64 rounding, as against scikit-learn)."""
    if isinstance(expected, type):
        assert got is expected, f"expected {expected.__name__}, got {got!r}"
        return
    assert not isinstance(got, type), f"raised {got.__name__}, expected {expected!r}"
    assert_same_result(got, expected, exact=exact)
    if isinstance(expected, np.ndarray):
        assert got.dtype == expected.dtype, (got.dtype, expected.dtype)


def assert_same_results(got: dict, expected: dict):
    assert list(got) == list(expected)
    for key in expected:
        try:
            assert_same(got[key], expected[key])
        except AssertionError as exc:
            raise AssertionError(f"{key}: {exc}") from None


def _is_text(a):
    return a.dtype.kind in "UOT"


def assert_same_state(got, expected):
    """Same labels (and label kind), groups, int64 counts and weight sums (with dtype)."""
    assert got.classes.tolist() == expected.classes.tolist()
    if expected.classes.size:
        assert _is_text(got.classes) == _is_text(expected.classes)
        if not _is_text(expected.classes):  # bool, int64 or float64 labels
            assert got.classes.dtype == expected.classes.dtype
    assert (got.group_names is None) == (expected.group_names is None)
    if expected.group_names is not None:
        assert got.group_names.tolist() == expected.group_names.tolist()
    assert got.counts.dtype == np.int64
    np.testing.assert_array_equal(got.counts, expected.counts)
    assert (got.weight_sums is None) == (expected.weight_sums is None)
    if expected.weight_sums is not None:
        assert got.weight_sums.dtype == expected.weight_sums.dtype
        np.testing.assert_array_equal(got.weight_sums, expected.weight_sums)


def assert_same_multilabel_state(got, expected):
    for field in ("counts", "weight_sums", "sample_keys", "sample_counts",
                  "sample_weight_sums"):
        a, b = getattr(got, field), getattr(expected, field)
        assert (a is None) == (b is None), field
        if b is not None:
            assert a.dtype == b.dtype, (field, a.dtype, b.dtype)
            np.testing.assert_array_equal(a, b, err_msg=field)


def merge_in_random_tree(states, rng):
    """Merge states pairwise in a random order and shape of tree."""
    states = list(states)
    while len(states) > 1:
        i, j = rng.choice(len(states), size=2, replace=False)
        a, b = states[i], states[j]
        merged = a.merge(b) if rng.random() < 0.5 else b.merge(a)
        states = [s for k, s in enumerate(states) if k not in (i, j)] + [merged]
    return states[0]


def split_points(rng, n, max_chunks=5):
    """Sorted cut points 0 = c0 <= ... <= ck = n (empty chunks allowed)."""
    cuts = np.sort(rng.integers(0, n + 1, size=rng.integers(0, max_chunks)))
    return [0, *cuts.tolist(), n]


def chunked(arr, points):
    parts = [arr[a:b] for a, b in zip(points[:-1], points[1:])]
    return pa.chunked_array(parts, type=arr.type)


# ---------------------------------------------------------------------------
# strategies
# ---------------------------------------------------------------------------

ALPHABETS = [[0, 1], [0, 1, 2, 3], [-2, 5, 9], ["a", "b"], ["cat", "dog", "emu"]]


def quarter_weights(n):
    return st.lists(st.integers(0, 40), min_size=n, max_size=n).map(
        lambda v: np.array(v, dtype=np.float64) / 4)


@st.composite
def labelled(draw, min_rows=1, max_rows=40, weights=True):
    alphabet = draw(st.sampled_from(ALPHABETS))
    n = draw(st.integers(min_rows, max_rows))
    y_true = np.array(draw(st.lists(st.sampled_from(alphabet), min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(st.sampled_from(alphabet), min_size=n, max_size=n)))
    if y_true.dtype.kind != "U":
        y_true, y_pred = y_true.astype(np.int64), y_pred.astype(np.int64)
    w = None
    if weights:
        w = draw(st.one_of(
            st.none(), quarter_weights(n),
            st.lists(st.integers(0, 5), min_size=n, max_size=n).map(np.array)))
    return y_true, y_pred, w


@st.composite
def seeds(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


# ---------------------------------------------------------------------------
# 1. every input type gives the numpy answer
# ---------------------------------------------------------------------------

class Dataset:
    """Labels and weights of one fixed case, plus the files written from them."""

    def __init__(self, y_true, y_pred, weights, unused):
        self.y_true, self.y_pred, self.w = y_true, y_pred, weights
        self.unused = unused  # label values absent from the data (for dictionaries)
        self.table = pa.table({"t": y_true, "p": y_pred, "w": weights})
        self.files = {}

    def write(self, folder):
        table = self.table
        self.files["parquet"] = str(folder / "data.parquet")
        pq.write_table(table, self.files["parquet"], row_group_size=25)
        self.files["ipc"] = str(folder / "data.arrow")
        with pa.ipc.new_file(self.files["ipc"], table.schema) as writer:
            for batch in table.to_batches(max_chunksize=30):
                writer.write_batch(batch)
        self.files["csv"] = str(folder / "data.csv")
        pacsv.write_csv(table, self.files["csv"])
        folder_ds = folder / "parts"
        os.makedirs(folder_ds)
        for i, (a, b) in enumerate([(0, 40), (40, 41), (41, len(self.y_true))]):
            pq.write_table(table.slice(a, b - a), str(folder_ds / f"part-{i}.parquet"),
                           row_group_size=15)
        self.files["parquet dir"] = str(folder_ds)


def _make_datasets():
    rng = np.random.default_rng(20240611)
    n = 120
    w = rng.integers(0, 12, n) / 4
    w[0] = 0.25  # CSV type inference must see a fractional weight in its first block
    ints_true = rng.integers(0, 4, n)
    ints_pred = rng.integers(0, 5, n)  # class 4 is only ever predicted
    names = np.array(["bird", "cat", "dog", "emu", "fox"])
    strings_true, strings_pred = names[rng.integers(0, 4, n)], names[rng.integers(1, 5, n)]
    binary_true, binary_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
    return {
        "ints": Dataset(ints_true, ints_pred, w, [-7, 99]),
        "strings": Dataset(strings_true, strings_pred, w, ["zzz", "aardvark"]),
        "binary": Dataset(binary_true, binary_pred, w, [5]),
    }


DATASETS = _make_datasets()


def dictionary_chunks(values, unused, rng, index_type=pa.int8()):
    """A chunked dictionary array whose chunks have different (shuffled) dictionaries,
    each with entries no row uses."""
    points = split_points(rng, len(values), max_chunks=4)
    chunks = []
    for a, b in zip(points[:-1], points[1:]):
        part = values[a:b]
        dictionary = np.concatenate([np.unique(part), np.asarray(unused)])
        dictionary = dictionary[rng.permutation(len(dictionary))]
        index = {v: i for i, v in enumerate(dictionary.tolist())}
        indices = pa.array([index[v] for v in part.tolist()], type=index_type)
        chunks.append(pa.DictionaryArray.from_arrays(indices, pa.array(dictionary)))
    return pa.chunked_array(chunks)


def _categorical(values, unused):
    categories = sorted(set(values.tolist()) | set(unused))[::-1]
    return pd.Series(pd.Categorical(values, categories=categories))


def _labels_and_weights(label_form, weight_form=None):
    weight_form = weight_form or label_form

    def build(d, rng):
        return ((label_form(d.y_true, d, rng), label_form(d.y_pred, d, rng)),
                {"sample_weight": weight_form(d.w, d, rng)})
    return build


def _from_data(make):
    def build(d, rng):
        return ("t", "p"), {"sample_weight": "w", "data": make(d, rng)}
    return build


FORMS = {
    "list": _labels_and_weights(lambda a, d, r: a.tolist()),
    "numpy": _labels_and_weights(lambda a, d, r: a),
    "pa.array": _labels_and_weights(lambda a, d, r: pa.array(a)),
    "pa.chunked_array": _labels_and_weights(
        lambda a, d, r: chunked(pa.array(a), split_points(r, len(a)))),
    "pa.Table data=": _from_data(lambda d, r: pa.Table.from_batches(
        d.table.to_batches(max_chunksize=23))),
    "RecordBatchReader data=": _from_data(lambda d, r: d.table.to_reader(max_chunksize=19)),
    "pandas Series": _labels_and_weights(lambda a, d, r: pd.Series(a)),
    "pandas categorical": _labels_and_weights(lambda a, d, r: _categorical(a, d.unused),
                                              lambda a, d, r: pd.Series(a)),
    "polars Series": _labels_and_weights(lambda a, d, r: pl.Series(a)),
    "pandas DataFrame data=": _from_data(lambda d, r: d.table.to_pandas()),
    "polars DataFrame data=": _from_data(lambda d, r: pl.from_arrow(d.table)),
    "dict data=": _from_data(lambda d, r: {"t": d.y_true, "p": d.y_pred, "w": d.w}),
    "parquet data=": _from_data(lambda d, r: d.files["parquet"]),
    "arrow ipc data=": _from_data(lambda d, r: d.files["ipc"]),
    "csv data=": _from_data(lambda d, r: d.files["csv"]),
    "parquet dir data=": _from_data(lambda d, r: d.files["parquet dir"]),
    "dictionary chunks": _labels_and_weights(
        lambda a, d, r: dictionary_chunks(a, d.unused, r),
        lambda a, d, r: chunked(pa.array(a), split_points(r, len(a)))),
}
STRING_FORMS = {
    "polars Categorical": _labels_and_weights(
        lambda a, d, r: pl.Series(a, dtype=pl.Categorical), lambda a, d, r: pl.Series(a)),
    "polars Enum": _labels_and_weights(
        lambda a, d, r: pl.Series(a, dtype=pl.Enum(sorted(set(a) | set(d.unused)))),
        lambda a, d, r: pl.Series(a)),
    "large_string dictionary chunks": _labels_and_weights(
        lambda a, d, r: dictionary_chunks(a, d.unused, r, pa.int32()).cast(
            pa.dictionary(pa.int32(), pa.large_string())),
        lambda a, d, r: pa.array(a)),
}
FILE_FORMS = {"parquet data=": "parquet", "arrow ipc data=": "ipc", "csv data=": "csv",
              "parquet dir data=": "parquet dir"}
FORM_CASES = ([(d, f) for d in DATASETS for f in FORMS]
              + [("strings", f) for f in STRING_FORMS])


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    for name, d in DATASETS.items():
        d.write(tmp_path_factory.mktemp(name))
    return DATASETS


@pytest.fixture
def small_batches(monkeypatch):
    """Files are read in many small batches (several row groups and CSV blocks)."""
    monkeypatch.setattr(sources_mod, "FILE_BATCH_ROWS", 16)
    monkeypatch.setattr(sources_mod, "CSV_BLOCK_BYTES", 256)


@pytest.mark.parametrize("weighted", [True, False], ids=["weighted", "unweighted"])
@pytest.mark.parametrize("dataset,form", FORM_CASES, ids=[f"{d}-{f}" for d, f in FORM_CASES])
def test_input_types_give_the_numpy_answer(datasets, small_batches, dataset, form, weighted):
    d = datasets[dataset]
    build = {**FORMS, **STRING_FORMS}[form]
    rng = np.random.default_rng(len(form))

    def arguments():
        args, kwargs = build(d, rng)
        if not weighted:
            kwargs.pop("sample_weight")
        return args, kwargs

    w = {"sample_weight": d.w} if weighted else {}
    args, kwargs = arguments()
    assert_same_state(fm.confusion_state(*args, **kwargs),
                      fm.confusion_state(d.y_true, d.y_pred, **w))
    expected = numpy_answers(dataset, weighted)
    assert sum(isinstance(v, type) for v in expected.values()) <= 2  # not vacuous
    assert_same_results(evaluate_fresh(CASES, arguments), expected)


@functools.lru_cache(maxsize=None)
def numpy_answers(dataset, weighted):
    d = DATASETS[dataset]
    w = {"sample_weight": d.w} if weighted else {}
    return evaluate(CASES, d.y_true, d.y_pred, **w)


@pytest.mark.parametrize("form", FILE_FORMS)
def test_files_are_read_in_several_batches(datasets, small_batches, form):
    d = datasets["strings"]
    path = d.files[FILE_FORMS[form]]
    batches = list(iter_batches({"y_true": "t", "y_pred": "p"}, data=path))
    assert len(batches) > 2
    assert sum(b.length for b in batches) == len(d.y_true)


@given(data=labelled(max_rows=60), rng=seeds())
def test_chunked_arrays_with_random_boundaries(data, rng):
    """Each role chunked differently (empty chunks included): the numpy answer."""
    y_true, y_pred, w = data
    args = [chunked(pa.array(a), split_points(rng, len(a), 6)) for a in (y_true, y_pred)]
    kw = {} if w is None else {"sample_weight": chunked(pa.array(w),
                                                        split_points(rng, len(w), 6))}
    expected_kw = {} if w is None else {"sample_weight": w}
    assert_same_state(fm.confusion_state(*args, **kw),
                      fm.confusion_state(y_true, y_pred, **expected_kw))
    assert_same_results(evaluate(CASES, *args, **kw),
                        evaluate(CASES, y_true, y_pred, **expected_kw))


@given(data=labelled(max_rows=40, weights=False), rng=seeds())
def test_dictionaries_differing_per_chunk(data, rng):
    y_true, y_pred, _ = data
    unused = ["zz", "a0"] if y_true.dtype.kind == "U" else [-100, 77]
    args = [dictionary_chunks(a, unused, rng) for a in (y_true, y_pred)]
    assert_same_state(fm.confusion_state(*args), fm.confusion_state(y_true, y_pred))
    assert_same_results(evaluate(CASES, *args), evaluate(CASES, y_true, y_pred))


# ---------------------------------------------------------------------------
# 2. row order
# ---------------------------------------------------------------------------

@given(data=labelled(), rng=seeds())
def test_row_order_does_not_matter(data, rng):
    y_true, y_pred, w = data
    order = rng.permutation(len(y_true))
    kw = {} if w is None else {"sample_weight": w}
    kw_perm = {} if w is None else {"sample_weight": w[order]}
    assert_same_results(evaluate(CASES, y_true[order], y_pred[order], **kw_perm),
                        evaluate(CASES, y_true, y_pred, **kw))


# ---------------------------------------------------------------------------
# 3. chunk states merge to the state of the whole
# ---------------------------------------------------------------------------

@given(data=labelled(max_rows=50), rng=seeds())
def test_merged_chunk_states_equal_the_whole(data, rng):
    y_true, y_pred, w = data
    points = split_points(rng, len(y_true), 6)
    parts = []
    for a, b in zip(points[:-1], points[1:]):  # empty chunks included
        kw = {} if w is None else {"sample_weight": w[a:b]}
        parts.append(fm.confusion_state(y_true[a:b], y_pred[a:b], **kw))
    kw = {} if w is None else {"sample_weight": w}
    whole = fm.confusion_state(y_true, y_pred, **kw)
    merged = merge_in_random_tree(parts, rng)
    assert_same_state(merged, whole)
    assert_same_results(evaluate_state(CASES, merged), evaluate(CASES, y_true, y_pred, **kw))


def test_merge_labels_seen_in_some_chunks_only():
    chunks = [([0, 1, 1], [1, 1, 0]), ([7, 7], [7, 3]), ([3], [0]), ([-4, 0], [0, -4])]
    states = [fm.confusion_state(t, p) for t, p in chunks]
    y_true = np.concatenate([t for t, _ in chunks])
    y_pred = np.concatenate([p for _, p in chunks])
    whole = fm.confusion_state(y_true, y_pred)
    rng = np.random.default_rng(3)
    for _ in range(5):
        merged = merge_in_random_tree(states, rng)
        assert merged.classes.tolist() == [-4, 0, 1, 3, 7]
        assert_same_state(merged, whole)
    assert_same_results(evaluate_state(CASES, merged), evaluate(CASES, y_true, y_pred))
    # Strings: each chunk its own labels; weighted and unweighted chunks merge too
    # (rows counted without weights count with weight 1).
    a = fm.confusion_state(["x", "y"], ["y", "y"], sample_weight=[0.5, 2.0])
    b = fm.confusion_state(["z"], ["x"])
    merged = b.merge(a)
    assert merged.classes.tolist() == ["x", "y", "z"]
    np.testing.assert_array_equal(merged.weight_sums[0],
                                  [[0, 0.5, 0], [0, 2.0, 0], [1.0, 0, 0]])


def test_merging_an_empty_state_changes_nothing():
    whole = fm.confusion_state([1, 2, 2], [2, 2, 1], sample_weight=[1, 2, 3])
    assert whole.weight_sums.dtype == np.int64
    for empty in (fm.ConfusionState.empty(), fm.confusion_state([], []),
                  fm.ConfusionState.empty(weighted=True),
                  fm.confusion_state([], [], sample_weight=[])):
        for merged in (whole.merge(empty), empty.merge(whole)):
            assert merged.classes.tolist() == [1, 2]
            np.testing.assert_array_equal(merged.counts, whole.counts)
            assert merged.weight_sums.dtype == np.int64
            np.testing.assert_array_equal(merged.weight_sums, whole.weight_sums)


@st.composite
def multilabel_data(draw):
    n = draw(st.integers(1, 40))
    n_labels = draw(st.integers(2, 5))
    cells = st.lists(st.integers(0, 1), min_size=n * n_labels, max_size=n * n_labels)
    yt = np.array(draw(cells)).reshape(n, n_labels)
    yp = np.array(draw(cells)).reshape(n, n_labels)
    w = draw(st.one_of(st.none(), quarter_weights(n),
                       st.lists(st.integers(0, 3), min_size=n, max_size=n).map(np.array)))
    return yt, yp, w


@given(data=multilabel_data(), rng=seeds())
def test_merged_multilabel_states_equal_the_whole(data, rng):
    yt, yp, w = data
    points = split_points(rng, len(yt), 5)
    parts = []
    for a, b in zip(points[:-1], points[1:]):
        if b > a:
            kw = {} if w is None else {"sample_weight": w[a:b]}
            parts.append(fm.multilabel_state(yt[a:b], yp[a:b], **kw))
    kw = {} if w is None else {"sample_weight": w}
    whole = fm.multilabel_state(yt, yp, **kw)
    merged = merge_in_random_tree(parts, rng)
    assert_same_multilabel_state(merged, whole)
    assert_same_results(evaluate_state(ML_CASES, merged), evaluate(ML_CASES, yt, yp, **kw))


# ---------------------------------------------------------------------------
# 4. groups
# ---------------------------------------------------------------------------

@given(data=labelled(max_rows=40),
       groups=st.sampled_from([[0, 1, 2], ["de", "en"], [5]]), rng=seeds())
def test_by_group_equals_the_metric_on_the_group_rows(data, groups, rng):
    y_true, y_pred, w = data
    g = np.array(groups)[rng.integers(0, len(groups), len(y_true))]
    kw = {} if w is None else {"sample_weight": w}
    state = fm.confusion_state(y_true, y_pred, groups=g, **kw)
    assert_same_state(state.total(), fm.confusion_state(y_true, y_pred, **kw))
    by_group = state.by_group()
    assert list(by_group) == np.unique(g).tolist()
    for name, group_state in by_group.items():
        rows = g == name
        kw_g = {} if w is None else {"sample_weight": w[rows]}
        assert_same_state(group_state, fm.confusion_state(y_true[rows], y_pred[rows], **kw_g))
        assert_same_results(evaluate_state(CASES, group_state),
                            evaluate(CASES, y_true[rows], y_pred[rows], **kw_g))


def test_groups_from_chunked_and_dictionary_inputs():
    rng = np.random.default_rng(11)
    y_true, y_pred = rng.integers(0, 3, 90), rng.integers(0, 3, 90)
    g = np.array(["a", "b", "c"])[rng.integers(0, 3, 90)]
    g[:30] = "a"  # groups "b" and "c" only from the second chunk on
    w = rng.integers(0, 9, 90) / 4
    expected = fm.confusion_state(y_true, y_pred, groups=g, sample_weight=w)
    got = fm.confusion_state(
        chunked(pa.array(y_true), [0, 30, 60, 90]), chunked(pa.array(y_pred), [0, 45, 90]),
        groups=dictionary_chunks(g, ["unused"], rng), sample_weight=w)
    assert_same_state(got, expected)
    for (ka, a), (kb, b) in zip(got.by_group().items(), expected.by_group().items()):
        assert ka == kb
        assert_same_state(a, b)


# ---------------------------------------------------------------------------
# 5. threshold
# ---------------------------------------------------------------------------

GRID = np.array([0.0, 0.1, 0.25, 0.3, 0.5, 0.7, 0.9, 1.0])


def sk_predictions(scores, threshold, pos, neg):
    """What NumPy's ``scores >= threshold`` gives: compared in the scores' precision."""
    return np.where(scores >= scores.dtype.type(threshold), pos, neg)


def sk(name, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(skm, name)(*args, **kwargs)


def sk_confusion(y_true, y_pred, w=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return skm.confusion_matrix(y_true, y_pred, sample_weight=w)


#: (target kind, positive class, negative class)
TARGETS = [("int8 0/1", 1, 0), ("int64 0/1", 1, 0), ("strings", "pos", "neg")]


def _targets(kind, bits):
    if kind == "int8 0/1":
        return bits.astype(np.int8)
    if kind == "int64 0/1":
        return bits.astype(np.int64)
    return np.where(bits == 1, "pos", "neg")


@st.composite
def thresholded(draw):
    kind, pos, neg = draw(st.sampled_from(TARGETS))
    n = draw(st.integers(1, 50))
    rng = draw(seeds())
    bits = (rng.random(n) < draw(st.sampled_from([0.0, 0.4, 1.0]))).astype(np.int64)
    dtype = draw(st.sampled_from([np.float16, np.float32, np.float64]))
    scores = GRID[rng.integers(0, GRID.size, n)].astype(dtype)  # ties with the threshold
    threshold = draw(st.one_of(st.sampled_from(GRID.tolist()), st.floats(-0.5, 1.5)))
    w = draw(st.one_of(st.none(), quarter_weights(n),
                       st.lists(st.integers(0, 4), min_size=n, max_size=n).map(np.array)))
    return _targets(kind, bits), scores, threshold, w, pos, neg


@given(case=thresholded())
def test_threshold_matches_sklearn_on_thresholded_predictions(case):
    y, scores, t, w, pos, neg = case
    kw = {} if pos == 1 else {"pos_label": pos}
    if isinstance(pos, str) and neg not in y.tolist():
        # The negative class cannot be named from y_true alone.
        with pytest.raises(LabelError):
            fm.confusion_matrix(y, scores, threshold=t, sample_weight=w, **kw)
        return
    pred = sk_predictions(scores, t, pos, neg)
    if w is not None and not np.any(w):
        # All-zero weights: scikit-learn refuses them ("at least one non-zero"), so do we.
        with pytest.raises(InvalidInputError, match="sums to zero"):
            fm.confusion_matrix(y, scores, threshold=t, sample_weight=w, **kw)
        with pytest.raises(ValueError):
            sk_confusion(y, pred, w)
        return
    got = fm.confusion_matrix(y, scores, threshold=t, sample_weight=w, **kw)
    assert_same(got, sk_confusion(y, pred, w))
    # The same through chunked Arrow inputs (chunked differently per role).
    rng = np.random.default_rng(len(y))
    got = fm.confusion_matrix(chunked(pa.array(y), split_points(rng, len(y))),
                              chunked(pa.array(scores), split_points(rng, len(y))),
                              threshold=t, sample_weight=w, **kw)
    assert_same(got, sk_confusion(y, pred, w))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("f1_score", "accuracy_score", "recall_score", "matthews_corrcoef"):
            extra = {"pos_label": pos} if name in ("f1_score", "recall_score") else {}
            got = _quiet(lambda: getattr(fm, name)(y, scores, threshold=t, sample_weight=w,
                                                   **kw))
            try:
                expected = getattr(skm, name)(y, pred, sample_weight=w, **extra)
            except ValueError:
                assert isinstance(got, type)  # e.g. f1 with pos_label not among the labels
                continue
            except ZeroDivisionError:  # sklearn's accuracy with all-zero weights
                continue
            assert_same(got, expected, exact=False)


@pytest.mark.parametrize("kind,pos,neg", TARGETS)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_threshold_fixed(kind, pos, neg, dtype):
    rng = np.random.default_rng(5)
    bits = rng.integers(0, 2, 200)
    y = _targets(kind, bits)
    scores = (rng.random(200) * 0.5 + 0.35 * bits).astype(dtype)
    scores[:5] = dtype(0.7)  # exactly at a threshold that float16/32 cannot hold
    kw = {} if pos == 1 else {"pos_label": pos}
    for t in (0.7, 0.5, 0.0, 2.0):
        pred = sk_predictions(scores, t, pos, neg)
        assert_same(fm.confusion_matrix(y, scores, threshold=t, **kw), sk_confusion(y, pred))
        w_int = rng.integers(0, 5, 200)
        assert_same(fm.confusion_matrix(y, scores, threshold=t, sample_weight=w_int, **kw),
                    sk_confusion(y, pred, w_int))
        w_float = rng.random(200)
        got = fm.confusion_matrix(y, scores, threshold=t, sample_weight=w_float, **kw)
        expected = sk_confusion(y, pred, w_float)
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert_same(fm.f1_score(y, scores, threshold=t, **kw),
                        skm.f1_score(y, pred, pos_label=pos), exact=False)
            assert_same(fm.accuracy_score(y, scores, threshold=t, **kw),
                        skm.accuracy_score(y, pred), exact=False)
        # per group
        g = np.array(["x", "y", "z"])[rng.integers(0, 3, 200)]
        state = fm.confusion_state(y, scores, threshold=t, groups=g, sample_weight=w_int,
                                   **kw)
        assert_same(fm.confusion_matrix.from_state(state.total()),
                    sk_confusion(y, pred, w_int))
        for name, s in state.by_group().items():
            rows = g == name
            assert_same(fm.confusion_matrix.from_state(s),
                        sk_confusion(y[rows], pred[rows], w_int[rows]))


@pytest.mark.parametrize("kind,pos,neg", TARGETS)
def test_threshold_negative_class_only_in_a_later_chunk(kind, pos, neg):
    bits = np.array([1, 1, 1, 1, 0, 1, 0, 0])
    y = _targets(kind, bits)
    scores = np.array([0.9, 0.2, 0.6, 0.8, 0.1, 0.95, 0.7, 0.3], np.float32)
    kw = {} if pos == 1 else {"pos_label": pos}
    pred = sk_predictions(scores, 0.5, pos, neg)
    expected = sk_confusion(y, pred)
    y_chunks = chunked(pa.array(y), [0, 4, 8])  # first chunk: positives only
    s_chunks = chunked(pa.array(scores), [0, 2, 3, 8])
    assert_same(fm.confusion_matrix(y_chunks, s_chunks, threshold=0.5, **kw), expected)
    # ... and only predicted, never true, in the first chunk: still the whole's answer.
    states = [fm.confusion_state(y[a:b], scores[a:b], threshold=0.5,
                                 **({"labels": [neg, pos]} if isinstance(pos, str) else {}),
                                 **kw) for a, b in ((0, 4), (4, 8))]
    merged = states[0].merge(states[1])
    assert_same(fm.confusion_matrix.from_state(merged), expected)
    assert_same(fm.f1_score(y_chunks, s_chunks, threshold=0.5, **kw),
                skm.f1_score(y, pred, pos_label=pos), exact=False)


# ---------------------------------------------------------------------------
# 6. weights
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int16", "uint32", "int64",
                                   "float32", "float64"])
def test_weight_dtype_decides_the_matrix_dtype(dtype):
    rng = np.random.default_rng(9)
    y_true, y_pred = rng.integers(0, 3, 100), rng.integers(0, 3, 100)
    w = (rng.integers(0, 4, 100) + (0.5 if dtype.startswith("float") else 0)).astype(dtype)
    expected = skm.confusion_matrix(y_true, y_pred, sample_weight=w)
    want = np.float64 if dtype.startswith("float") else np.int64
    assert expected.dtype == want
    for weights in (w, pa.array(w), pd.Series(w)):
        got = fm.confusion_matrix(y_true, y_pred, sample_weight=weights)
        assert_same(got, expected)
    state = fm.confusion_state(y_true, y_pred, sample_weight=w, groups=y_true % 2)
    assert state.weight_sums.dtype == want
    assert_same(fm.confusion_matrix.from_state(state.total()), expected)


@given(data=labelled(max_rows=40, weights=False),
       w=st.lists(st.integers(0, 1000), min_size=40, max_size=40))
def test_integer_weights_give_an_exact_int64_matrix(data, w):
    y_true, y_pred, _ = data
    w = np.array(w[:len(y_true)], dtype=np.int64)
    for weights in (w, w.astype(np.float64)):
        got = _quiet(lambda: fm.confusion_matrix(y_true, y_pred, sample_weight=weights))
        try:
            expected = sk_confusion(y_true, y_pred, weights)
        except ValueError:  # all weights zero
            assert isinstance(got, type)
            continue
        assert expected.dtype == (np.int64 if weights.dtype == np.int64 else np.float64)
        assert_same(got, expected)


def test_float16_inputs_give_the_float32_answer():
    """Numba has no float16: labels, scores, weights and indicators are widened exactly."""
    rng = np.random.default_rng(16)
    y_true, y_pred = rng.integers(-3, 4, 80), rng.integers(-3, 4, 80)
    w = rng.integers(0, 8, 80) / 4
    half = [a.astype(np.float16) for a in (y_true, y_pred, w)]
    single = [a.astype(np.float32) for a in (y_true, y_pred, w)]
    assert_same_results(evaluate(CASES, half[0], half[1], sample_weight=half[2]),
                        evaluate(CASES, single[0], single[1], sample_weight=single[2]))
    assert_same_results(evaluate(CASES, pa.array(half[0]), pa.array(half[1])),
                        evaluate(CASES, single[0], single[1]))
    yt, yp = rng.integers(0, 2, (30, 4)), rng.integers(0, 2, (30, 4))
    assert_same_results(evaluate(ML_CASES, yt.astype(np.float16), yp.astype(np.float16)),
                        evaluate(ML_CASES, yt, yp))


@pytest.mark.skipif(np.dtype(np.longdouble).itemsize <= 8, reason="long double is float64 here")
def test_long_double_scores_give_the_float64_answer():
    """Numba has no long double: scores and probabilities are ranked as float64, the
    answer scikit-learn gives (before, the kernels raised a Numba TypingError)."""
    rng = np.random.default_rng(128)
    y = rng.integers(0, 3, 60)
    p = rng.dirichlet(np.ones(3), 60).round(2)  # ties
    p[:, 2] = 1.0 - p[:, 0] - p[:, 1]
    binary, s = (y == 2).astype(int), p[:, 2]
    calls = [
        (fm.roc_auc_score, skm.roc_auc_score, (binary, s), {}),
        (fm.average_precision_score, skm.average_precision_score, (binary, s), {}),
        (fm.roc_curve, skm.roc_curve, (binary, s), {}),
        (fm.precision_recall_curve, skm.precision_recall_curve, (binary, s), {}),
        (fm.roc_auc_score, skm.roc_auc_score, (y, p), {"multi_class": "ovr"}),
        (fm.top_k_accuracy_score, skm.top_k_accuracy_score, (y, p), {"k": 2}),
        (fm.log_loss, skm.log_loss, (binary, s), {}),
        (fm.brier_score_loss, skm.brier_score_loss, (binary, s), {}),
    ]
    for ours, theirs, (y_true, score), kw in calls:
        got = ours(y_true, score.astype(np.longdouble), **kw)
        assert_same_result(got, theirs(y_true, score, **kw))
    near = np.longdouble(0.5) - np.longdouble(2.0) ** -60  # 0.5 once rounded to float64
    long_scores = np.r_[s, near].astype(np.longdouble)
    truth = np.r_[binary, 1]
    assert_same_result(fm.confusion_matrix(truth, long_scores, threshold=0.5),
                       skm.confusion_matrix(truth, (long_scores >= 0.5).astype(int)))
    with pytest.raises(fm.FastMetricsError, match="row 3"):
        fm.f1_score(binary[:5], np.r_[s[:3], np.nan, 0.5].astype(np.longdouble), threshold=0.5)
    binned = fm.precision_recall_curve(binary, s.astype(np.longdouble), thresholds=11)
    assert_same_result(binned, fm.precision_recall_curve(binary, s, thresholds=11), exact=True)


@pytest.mark.parametrize("y", [[1e20, 0.0], [5.0, -1e19, 3.0], [2.0**63, 1.0]])
def test_float_labels_beyond_int64_are_refused_like_sklearn(y):
    """sklearn calls them 'continuous'; any chunking gives the same error."""
    with pytest.raises(ValueError), np.errstate(invalid="ignore"):
        skm.confusion_matrix(y, y)
    for y_true in (np.array(y), chunked(pa.array(y), [0, 1, len(y)])):
        with pytest.raises(LabelError, match="beyond the int64 range"):
            fm.confusion_matrix(y_true, np.zeros(len(y)))
    assert fm.confusion_matrix([2.0**62, 0.0], [0.0, 0.0]).shape == (2, 2)  # an int64


def test_merge_keeps_huge_uint64_labels_exact():
    big = np.array([2**63 + 1, 2**63 + 3], dtype=np.uint64)
    a = fm.confusion_state(big, big[::-1].copy())
    b = fm.confusion_state(np.array([5, 7]), np.array([5, 5]))
    merged = a.merge(b)
    assert merged.classes.dtype == np.uint64
    assert merged.classes.tolist() == [5, 7, 2**63 + 1, 2**63 + 3]
    whole = fm.confusion_state(np.array([2**63 + 1, 2**63 + 3, 5, 7], dtype=np.uint64),
                               np.array([2**63 + 3, 2**63 + 1, 5, 5], dtype=np.uint64))
    np.testing.assert_array_equal(merged.counts, whole.counts)
    with pytest.raises(fm.exceptions.LabelError):
        a.merge(fm.confusion_state(np.array([-1, 2]), np.array([2, 2])))


# ---------------------------------------------------------------------------
# 7. every state kind (the registry of tests/_states.py)
# ---------------------------------------------------------------------------

STATE_CASES = pytest.mark.parametrize("case", _states.CASES, ids=lambda c: c.name)


def _state_weights(draw, n):
    """None, multiples of 1/4 (exact float64 sums in any order) or integers."""
    return draw(st.one_of(st.none(), quarter_weights(n),
                          st.lists(st.integers(0, 5), min_size=n, max_size=n).map(np.array)))


def _build(case, rows, w):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # one-class chunks warn as scikit-learn does
        return case.build(rows, w)


@STATE_CASES
@given(data=st.data())
def test_state_merged_chunks_equal_the_whole(case, data):
    rows = data.draw(case.rows())
    n = _states.n_rows_of(rows)
    w = _state_weights(data.draw, n)
    rng = data.draw(seeds())
    points = split_points(rng, n, 6)
    parts = [_build(case, _states.take(rows, slice(a, b)), None if w is None else w[a:b])
             for a, b in zip(points[:-1], points[1:]) if b > a]
    whole = _build(case, rows, w)
    assert type(whole) is case.cls
    _states.assert_state_equal(merge_in_random_tree(parts, rng), whole, case.approx)
    _states.assert_state_equal(case.cls.merge_all(parts), whole, case.approx)
    assert whole.n_rows == n and whole.weighted == (w is not None)


@STATE_CASES
@given(data=st.data())
def test_state_row_order_does_not_matter(case, data):
    rows = data.draw(case.rows())
    n = _states.n_rows_of(rows)
    w = _state_weights(data.draw, n)
    order = data.draw(seeds()).permutation(n)
    shuffled = _build(case, _states.take(rows, order), None if w is None else w[order])
    _states.assert_state_equal(shuffled, _build(case, rows, w), case.approx)


@STATE_CASES
@given(data=st.data())
def test_state_integer_weights_equal_repeated_rows(case, data):
    rows = data.draw(case.rows())
    n = _states.n_rows_of(rows)
    # >= 1: a row of weight 0 still shows its labels, a row repeated 0 times does not
    w = np.array(data.draw(st.lists(st.integers(1, 4), min_size=n, max_size=n)))
    repeated = _build(case, _states.take(rows, np.repeat(np.arange(n), w)), None)
    for weights in (w, w.astype(np.float64)):
        weighted = _build(case, rows, weights)
        _states.assert_state_equal(_states.as_repeated_rows(case, weighted), repeated,
                                   case.approx, ignore=case.row_counted)


@STATE_CASES
@given(data=st.data())
def test_state_bytes_and_pickle_round_trip(case, data):
    rows = data.draw(case.rows())
    state = _build(case, rows, _state_weights(data.draw, _states.n_rows_of(rows)))
    blob = state.to_bytes()
    copies = [fm.State.from_bytes(blob), case.cls.from_bytes(bytearray(blob)),
              fm.State.from_bytes(memoryview(blob))]
    copies += [pickle.loads(pickle.dumps(state, protocol=p)) for p in (2, 5)]
    for copy in copies:
        assert type(copy) is case.cls
        assert copy == state
        assert _states.field_dtypes(copy) == _states.field_dtypes(state)
    assert copies[0].to_bytes() == blob  # the same state writes the same bytes

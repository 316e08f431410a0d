"""top_k_accuracy_score against scikit-learn 1.9, its state, and its kernels.

Fixed cases (ties, every k, labels= with classes y_true lacks, string labels,
weights, binary 1-D scores inside and outside [0, 1], the errors scikit-learn
raises), hypothesis cases against scikit-learn, chunked states (including
chunks that do not show every class) equal to the whole, Arrow inputs, and the
Numba kernels against their numpy twins on the serial and the threaded path.
"""

from __future__ import annotations

import warnings

import numba
import numpy as np
import pyarrow as pa
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

import fastmetrics as fm
from fastmetrics.exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                                    InvalidParameterError, LabelError)
from fastmetrics.kernels import reference_topk as ref
from fastmetrics.kernels.cpu import topk as cpu

from .conftest import KERNEL_PATHS, assert_same_outputs, assert_same_result, call_both, kernel_path


def check(y_true, y_score, **kwargs):
    """Same value and type (or both raise), same warnings."""
    got, expected, w_ours, w_theirs = call_both(fm.top_k_accuracy_score,
                                                skm.top_k_accuracy_score, y_true, y_score,
                                                **kwargs)
    assert_same_result(got, expected)
    if not isinstance(expected, Exception):
        assert type(got) is float
        assert w_ours == w_theirs, f"warnings differ:\nours    {w_ours}\nsklearn {w_theirs}"
    return got


# ---------------------------------------------------------------------------
# fixed cases
# ---------------------------------------------------------------------------

S4 = [[0.5, 0.2, 0.2], [0.3, 0.4, 0.2], [0.2, 0.4, 0.3], [0.7, 0.2, 0.1]]
TIES = [[0.3, 0.3, 0.3, 0.1], [0.2, 0.5, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0],
        [0.1, 0.4, 0.1, 0.4], [0.9, 0.9, 0.1, 0.0], [-0.0, 0.0, 0.0, -1.0]]

FIXED = {
    "sklearn_doc": ([0, 1, 2, 2], S4, {}),
    "ties": ([0, 3, 2, 1, 0, 1], TIES, {}),
    "ties_weighted": ([0, 3, 2, 1, 0, 1], TIES, {"sample_weight": [1, 2, 0, 3.5, 1, 0.25]}),
    "ties_int_weights": ([2, 1, 0, 3, 1, 0], TIES, {"sample_weight": [1, 2, 0, 3, 1, 4]}),
    "strings": (["b", "c", "a", "c"], S4, {}),
    "labels_unseen": ([0, 1, 1, 0], S4, {"labels": [0, 1, 2]}),
    "labels_strings": (["x", "z", "z"], S4[:3], {"labels": ["x", "y", "z"]}),
    "labels_one_class": ([2, 2, 2, 2], S4, {"labels": [0, 1, 2]}),
    "float32": ([0, 1, 2, 2], np.array(S4, np.float32), {}),
    "int_scores": ([0, 1, 2, 2], [[3, 1, 1], [1, 2, 2], [0, 0, 0], [5, 2, 9]], {}),
    "float_labels": ([0.0, 1.0, 2.0, 2.0], S4, {}),
    "column_vector": ([0, 1, 1, 0], [[0.2], [0.7], [0.5], [0.6]], {}),
    "binary_unit": ([0, 1, 1, 0], [0.2, 0.7, 0.5, 0.6], {}),
    "binary_outside": ([0, 1, 1, 0], [-1.5, 2.0, 0.3, 0.0], {}),
    "binary_strings": (["no", "yes", "yes"], [0.2, 0.9, 0.4], {}),
    "binary_labels_one_class": ([1, 1, 1], [0.2, 0.9, 0.5], {"labels": [0, 1]}),
    "binary_labels_neg_only": ([3, 3], [0.7, 0.1], {"labels": [3, 7]}),
    "binary_bool": (np.array([True, False, True]), [0.6, 0.6, 0.4], {}),
    "binary_weights": ([0, 1, 1, 0, 1], [0.2, 0.7, 0.5, 0.6, 0.5],
                       {"sample_weight": [0.5, 2, 0, 1, 3]}),
    "binary_minus_one": ([-1, 1, 1, -1], [-0.3, 0.2, 0.0, 0.4], {}),
    "one_row_labels": ([1], [[0.1, 0.5, 0.4]], {"labels": [0, 1, 2]}),
    # errors scikit-learn raises too
    "binary_2d_two_columns": ([0, 1, 1], [[0.1, 0.9], [0.3, 0.7], [0.6, 0.4]], {}),
    "binary_2d_three_columns": ([0, 1, 1, 0], S4, {}),
    "multiclass_1d": ([0, 1, 2], [0.1, 0.5, 0.9], {}),
    "one_class_no_labels": ([1, 1, 1], [0.2, 0.9, 0.5], {}),
    "too_few_columns": ([0, 1, 2, 3], S4, {}),
    "labels_not_unique": ([0, 1, 2, 2], S4, {"labels": [0, 1, 1, 2]}),
    "labels_not_ordered": ([0, 1, 2, 2], S4, {"labels": [0, 2, 1]}),
    "labels_wrong_count": ([0, 1, 2, 2], S4, {"labels": [0, 1, 2, 3]}),
    "labels_missing_class": ([0, 1, 3, 2], S4, {"labels": [0, 1, 2]}),
    "binary_labels_missing": ([0, 1, 5], [0.1, 0.2, 0.3], {"labels": [0, 1]}),
    "binary_labels_one": ([1, 1], [0.1, 0.2], {"labels": [1]}),
    "binary_labels_three": ([0, 1], [0.1, 0.2], {"labels": [0, 1, 2]}),
    "nan_score": ([0, 1, 2, 2], [[0.5, 0.2, 0.2], [0.3, np.nan, 0.2], [0.2, 0.4, 0.3],
                                 [0.7, 0.2, 0.1]], {}),
    "inf_score_binary": ([0, 1, 1], [0.1, np.inf, 0.3], {}),
    "continuous_target": ([0.5, 1.5, 2.5], [[0.5, 0.2, 0.3]] * 3, {}),
}


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("normalize", [True, False])
@pytest.mark.parametrize("case", list(FIXED))
def test_fixed(case, k, normalize):
    y_true, y_score, kwargs = FIXED[case]
    check(y_true, y_score, k=k, normalize=normalize, **kwargs)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_tie_breaking_prefers_the_larger_column():
    # All equal: sklearn ranks column K-1 first, then K-2, ...; the true class 0 is last.
    y_score = np.zeros((3, 4))
    for k in (1, 2, 3, 4):
        expected = skm.top_k_accuracy_score([0, 3, 2], y_score, k=k, labels=[0, 1, 2, 3])
        got = fm.top_k_accuracy_score([0, 3, 2], y_score, k=k, labels=[0, 1, 2, 3])
        assert got == expected
    state = fm.top_k_state([0, 3, 2, 1], np.zeros((4, 4)))
    assert state.counts.tolist() == [1, 1, 1, 1]  # rank of class c is K-1-c


def test_nonfinite_scores_name_the_row():
    y_score = np.array(S4, dtype=np.float32)
    y_score[2, 1] = np.inf
    with pytest.raises(InvalidInputError, match=r"y_score.*row 2"):
        fm.top_k_accuracy_score([0, 1, 2, 2], y_score)
    with pytest.raises(InvalidInputError, match=r"y_score.*row 1"):
        fm.top_k_accuracy_score([0, 1, 1], [0.2, np.nan, np.nan])


def test_errors_are_our_types():
    cases = [
        (dict(k=0), InvalidParameterError),
        (dict(k=2.0), InvalidParameterError),
        (dict(k=True), InvalidParameterError),  # deliberate: sklearn takes True as 1
        (dict(normalize="yes"), InvalidParameterError),
        (dict(labels=[[0, 1, 2]]), InvalidParameterError),
        (dict(labels=[0, 2, 1]), LabelError),
        (dict(labels=["a", "b", "c"]), LabelError),  # strings for numeric labels
        (dict(sample_weight=[1, -1, 1, 1]), InvalidInputError),  # sklearn takes it
    ]
    for kwargs, error in cases:
        with pytest.raises(error):
            fm.top_k_accuracy_score([0, 1, 2, 2], S4, **kwargs)
    with pytest.raises(EmptyInputError):
        fm.top_k_accuracy_score(np.zeros(0, int), np.zeros((0, 3)))
    with pytest.raises(InvalidInputError, match="sums to zero"):
        fm.top_k_accuracy_score([0, 1, 2, 2], S4, sample_weight=[0, 0, 0, 0])
    assert fm.top_k_accuracy_score([0, 1, 2, 2], S4, sample_weight=[0, 0, 0, 0],
                                   normalize=False) == 0.0
    with pytest.raises(InputTypeError):
        fm.top_k_accuracy_score([0, 1, 2], ["a", "b", "c"])
    with pytest.raises(LabelError, match="at least 4 classes"):
        fm.top_k_state([0, 1, 2, 3], S4)


# ---------------------------------------------------------------------------
# property cases against scikit-learn
# ---------------------------------------------------------------------------

@st.composite
def topk_cases(draw):
    n = draw(st.integers(1, 40))
    n_columns = draw(st.sampled_from([0, 3, 4, 6]))  # 0: 1-D binary scores
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    levels = draw(st.sampled_from([1, 2, 3, 50]))  # constant scores to nearly distinct
    use_labels = draw(st.booleans())
    k_classes = 2 if n_columns == 0 else n_columns
    n_present = draw(st.integers(1, k_classes)) if use_labels else k_classes
    y = np.array(draw(st.lists(st.integers(0, n_present - 1), min_size=n, max_size=n)))
    if not use_labels:
        y[:n_present] = np.arange(min(n, n_present))  # show every class (if n allows)
    classes = draw(st.sampled_from([np.arange(k_classes) * 3 - 1,
                                    np.array(["ant", "bee", "cat", "dog", "eel", "fox"])]))
    classes = classes[:k_classes]
    y_true = classes[y]
    shape = (n,) if n_columns == 0 else (n, n_columns)
    raw = np.array(draw(st.lists(st.integers(0, levels), min_size=int(np.prod(shape)),
                                 max_size=int(np.prod(shape))))).reshape(shape)
    offset = draw(st.sampled_from([0.0, -0.5]))  # binary: inside or outside [0, 1]
    y_score = (raw / max(levels, 1) + offset).astype(dtype)
    weights = draw(st.one_of(
        st.none(),
        st.lists(st.integers(0, 4), min_size=n, max_size=n).map(np.array),
        st.lists(st.floats(0, 10, allow_nan=False, width=32), min_size=n,
                 max_size=n).map(np.array)))
    kwargs = {"labels": classes} if use_labels else {}
    return y_true, y_score, weights, kwargs


@given(case=topk_cases(), k=st.integers(1, 7), normalize=st.booleans())
def test_property_against_sklearn(case, k, normalize):
    y_true, y_score, weights, kwargs = case
    if normalize and weights is not None and weights.sum() == 0:
        # scikit-learn raises ZeroDivisionError from np.average; we raise our own
        with pytest.raises(InvalidInputError, match="sums to zero"):
            fm.top_k_accuracy_score(y_true, y_score, k=k, sample_weight=weights, **kwargs)
        return
    got = check(y_true, y_score, k=k, normalize=normalize, sample_weight=weights, **kwargs)
    if isinstance(got, Exception):  # only when y_true does not show every class
        n_classes = 2 if y_score.ndim == 1 else y_score.shape[1]
        assert not kwargs and np.unique(y_true).size < n_classes


@pytest.mark.filterwarnings("ignore::fastmetrics.UndefinedMetricWarning")
@given(case=topk_cases())
def test_integer_weights_equal_repeated_rows(case):
    y_true, y_score, weights, kwargs = case
    if weights is None or weights.dtype.kind != "i" or weights.sum() == 0:
        return
    if np.unique(y_true[weights > 0]).size != np.unique(y_true).size:
        return  # a class seen only on zero-weight rows still counts as a class (sklearn)
    a = fm.top_k_state(y_true, y_score, sample_weight=weights, **kwargs)
    b = fm.top_k_state(np.repeat(y_true, weights), np.repeat(y_score, weights, axis=0),
                       **kwargs)
    np.testing.assert_array_equal(a.weight_sums, b.counts)
    for k in range(1, 7):
        try:
            expected = fm.top_k_accuracy_score.from_state(b, k=k)
        except ValueError:
            continue
        assert fm.top_k_accuracy_score.from_state(a, k=k) == pytest.approx(expected, rel=1e-12)


def _result(state, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return fm.top_k_accuracy_score.from_state(state, **kwargs)
        except ValueError as exc:
            return exc


def _merged(states):
    out = states[0]
    for s in states[1:]:
        out = out.merge(s)
    return out


@pytest.mark.filterwarnings("ignore::fastmetrics.UndefinedMetricWarning")
@given(case=topk_cases(), cuts=st.lists(st.integers(0, 40), max_size=4),
       reverse=st.booleans())
def test_merged_chunks_equal_whole(case, cuts, reverse):
    y_true, y_score, weights, kwargs = case
    n = len(y_true)
    bounds = sorted({0, n, *(c % (n + 1) for c in cuts)})
    parts = [fm.top_k_state(y_true[a:b], y_score[a:b], **kwargs,
                            sample_weight=None if weights is None else weights[a:b])
             for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    merged = _merged(parts[::-1] if reverse else parts)
    whole = fm.top_k_state(y_true, y_score, sample_weight=weights, **kwargs)
    assert merged.settled == whole.settled
    np.testing.assert_array_equal(merged.classes, whole.classes)
    np.testing.assert_array_equal(merged.counts, whole.counts)
    if weights is not None:
        np.testing.assert_allclose(merged.weight_sums, whole.weight_sums, rtol=1e-12)
    for k in range(1, 7):
        for normalize in (True, False):
            a = _result(merged, k=k, normalize=normalize)
            c = _result(whole, k=k, normalize=normalize)
            if isinstance(c, Exception):
                assert type(a) is type(c)
            else:
                assert a == pytest.approx(c, rel=1e-12)


def test_chunks_without_every_class_wait_for_their_columns():
    rng = np.random.default_rng(3)
    n, k = 600, 5
    y = np.sort(rng.integers(0, k, n))  # sorted: early chunks lack the late classes
    S = rng.integers(0, 4, (n, k)).astype(np.float32)
    w = rng.random(n)
    cuts = [0, 100, 250, 251, 400, 600]
    parts = [fm.top_k_state(y[a:b], S[a:b], sample_weight=w[a:b])
             for a, b in zip(cuts[:-1], cuts[1:])]
    assert not parts[0].settled and parts[0].column_classes is None
    with pytest.raises(InputTypeError, match="y_true is binary"):  # alone: sklearn's error
        fm.top_k_accuracy_score.from_state(parts[0])
    with pytest.raises(LabelError, match="has 3 classes"):
        fm.top_k_accuracy_score.from_state(_merged(parts[:2]))
    merged = _merged(parts)
    assert merged.settled and merged.column_classes.tolist() == list(range(k))
    for kk in range(1, k + 1):
        for normalize in (True, False):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = skm.top_k_accuracy_score(y, S, k=kk, normalize=normalize,
                                                    sample_weight=w)
                got = fm.top_k_accuracy_score.from_state(merged, k=kk, normalize=normalize)
            assert got == pytest.approx(expected, rel=1e-12)
    # through the input layer: a chunked Arrow stream of fixed-size lists
    scores = pa.chunked_array([pa.FixedSizeListArray.from_arrays(pa.array(S[a:b].ravel()), k)
                               for a, b in zip(cuts[:-1], cuts[1:])])
    labels = pa.chunked_array([y[a:b] for a, b in zip(cuts[:-1], cuts[1:])])
    got = fm.top_k_accuracy_score(labels, scores, k=2, sample_weight=pa.array(w))
    assert got == pytest.approx(skm.top_k_accuracy_score(y, S, k=2, sample_weight=w),
                                rel=1e-12)
    # with labels= every chunk is counted at once
    part = fm.top_k_state(y[:100], S[:100], labels=np.arange(k))
    assert part.settled and part.counts.sum() == 100


def test_merge_refuses_mismatched_states():
    a = fm.top_k_state([0, 1, 2], S4[:3])
    with pytest.raises(InputTypeError, match="1-D in one part"):
        fm.top_k_state([0, 1], [0.2, 0.6]).merge(a)
    with pytest.raises(LabelError, match="different labels"):
        a.merge(fm.top_k_state([0, 1, 2], S4[:3], labels=[0, 1, 2]))
    with pytest.raises(LabelError, match="at least 4 classes"):
        a.merge(fm.top_k_state([0, 1, 5], S4[:3]))
    with pytest.raises(InputTypeError, match="1-D but y_true has 3"):
        fm.top_k_state([0, 1], [0.2, 0.6]).merge(fm.top_k_state([1, 2], [0.2, 0.6]))


def test_arrow_and_data_inputs_match_numpy(tmp_path):
    import pyarrow.parquet as pq
    rng = np.random.default_rng(0)
    n, k = 3000, 4
    names = np.array(["ant", "bee", "cat", "dog"])
    y = rng.integers(0, k, n)
    S = np.round(rng.random((n, k)), 1)
    w = rng.random(n)
    expected = skm.top_k_accuracy_score(names[y], S, k=2, sample_weight=w)
    table = pa.table({"y": names[y], **{f"s{j}": S[:, j] for j in range(k)}, "w": w})
    cols = [f"s{j}" for j in range(k)]
    got = fm.top_k_accuracy_score("y", cols, k=2, sample_weight="w", data=table)
    assert got == pytest.approx(expected, rel=1e-12)
    path = tmp_path / "scores.parquet"
    pq.write_table(table, path, row_group_size=700)
    got = fm.top_k_accuracy_score("y", cols, k=2, sample_weight="w", data=str(path))
    assert got == pytest.approx(expected, rel=1e-12)
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    assert fm.top_k_accuracy_score(pd.Series(names[y]), pd.DataFrame(S), k=2,
                                   sample_weight=w) == pytest.approx(expected, rel=1e-12)
    assert fm.top_k_accuracy_score(pl.Series(names[y]), pl.DataFrame(S), k=2,
                                   sample_weight=w) == pytest.approx(expected, rel=1e-12)
    # dictionary-encoded labels, binary scores in a chunked array
    yb = (rng.random(n) < 0.4).astype(np.int64)
    s = rng.random(n)
    dict_labels = pa.chunked_array([pa.array(names[[0, 3]][yb[:1000]]).dictionary_encode(),
                                    pa.array(names[[0, 3]][yb[1000:]]).dictionary_encode()])
    got = fm.top_k_accuracy_score(dict_labels, pa.chunked_array([s[:1500], s[1500:]]), k=1)
    assert got == skm.top_k_accuracy_score(names[[0, 3]][yb], s, k=1)


def test_nulls_are_reported_or_dropped():
    y = pa.array([0, 1, None, 2, 2])
    S = np.array(S4 + [[0.1, 0.1, 0.8]])
    with pytest.raises(fm.exceptions.NullValueError):
        fm.top_k_accuracy_score(y, S)
    with pytest.warns(fm.NullsDroppedWarning, match="dropped 1 row"):
        state = fm.top_k_state(y, S, drop_nulls=True)
    assert state.n_dropped == 1
    keep = [0, 1, 3, 4]
    assert fm.top_k_accuracy_score.from_state(state, k=1) == skm.top_k_accuracy_score(
        [0, 1, 2, 2], S[keep], k=1)


# ---------------------------------------------------------------------------
# kernels against their numpy twins, serial and threaded
# ---------------------------------------------------------------------------

share = settings(max_examples=max(10, settings.default.max_examples // 3))


def _raw_labels(rng, n, n_classes):
    """Raw labels ``offset + code`` (int8) and a lookup with an absent value (-1)."""
    codes = rng.integers(0, n_classes, n)
    lookup = np.r_[np.arange(n_classes), -1]  # value offset + n_classes never occurs
    return (codes + 5).astype(np.int8), lookup.astype(np.int64)


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@share
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200), n_columns=st.integers(2, 7),
       levels=st.sampled_from([1, 3, 100]), weighted=st.booleans(), bad=st.integers(0, 2),
       unknown=st.booleans())
def test_rank_counts_kernel(path, dtype, seed, n, n_columns, levels, weighted, bad, unknown):
    rng = np.random.default_rng(seed)
    y, lookup = _raw_labels(rng, n, n_columns)
    if unknown:  # some classes' columns not known: only checked
        lookup[rng.integers(0, n_columns)] = -1
    S = (rng.integers(0, levels + 1, (n, n_columns)) / levels).astype(dtype)
    if n:
        S[: n // 4] *= -1  # signed zeros and negative ties
    for i in (rng.choice(n, size=min(bad, n), replace=False) if n else []):
        S[i, rng.integers(0, n_columns)] = rng.choice([np.nan, np.inf, -np.inf])
    w = rng.random(n) if weighted else None
    args = (y, lookup, 5, np.ascontiguousarray(S), w)
    with kernel_path(path):
        got = cpu.rank_counts(*args)
    assert_same_outputs(got, ref.rank_counts(*args))


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@share
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200), n_classes=st.integers(1, 2),
       weighted=st.booleans(), bad=st.integers(0, 2), outside=st.booleans())
def test_binary_counts_kernel(path, dtype, seed, n, n_classes, weighted, bad, outside):
    rng = np.random.default_rng(seed)
    y, lookup = _raw_labels(rng, n, n_classes)
    s = rng.choice([0.0, 0.5, 1.0, 0.25, 0.75, np.nextafter(0.5, 1)], n)
    if outside and n:
        s[rng.integers(0, n)] = rng.choice([-0.5, 1.5, -0.0])
    s = s.astype(dtype)
    for i in (rng.choice(n, size=min(bad, n), replace=False) if n else []):
        s[i] = rng.choice([np.nan, np.inf])
    w = rng.random(n) if weighted else None
    args = (y, lookup, 5, n_classes, s, w)
    with kernel_path(path):
        got = cpu.binary_counts(*args)
    assert_same_outputs(got, ref.binary_counts(*args))


def test_big_inputs_take_the_threaded_path():
    """300,000 rows with the real threshold: same answers as the reference."""
    if numba.get_num_threads() < 2:
        pytest.skip("single thread")
    rng = np.random.default_rng(7)
    n, k = 300_000, 4
    assert cpu.thread_blocks(n * k, cpu.PARALLEL_MIN_CELLS) > 1 and cpu.thread_blocks(
        n, cpu.PARALLEL_MIN_CELLS) > 1
    y, lookup = _raw_labels(rng, n, k)
    S = rng.integers(0, 5, (n, k)).astype(np.float32)
    S[200_001, 2] = np.nan
    S[250_000, 0] = np.inf
    w = rng.random(n)
    got = cpu.rank_counts(y, lookup, 5, S, w)
    assert_same_outputs(got, ref.rank_counts(y, lookup, 5, S, w))
    assert got[-1] == 200_001
    s = rng.random(n) * 1.2
    s[123_457] = np.nan
    got = cpu.binary_counts(y % 2, lookup, 0, 2, s, w)
    assert_same_outputs(got, ref.binary_counts(y % 2, lookup, 0, 2, s, w))
    assert got[-1] == 123_457 and got[2] is False

"""Exact curves and ranking scores of a binary target against scikit-learn.

Fixed cases and property-based cases with heavy ties, constant scores, one
class, weights (integer weights equal repeated rows), float32 and float64
scores, and merged chunk states equal to the whole.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st

import fastmetrics as fm

from .conftest import call_both

CURVES = {
    "precision_recall_curve": [{}, {"drop_intermediate": True}],
    "roc_curve": [{}, {"drop_intermediate": False}],
    "det_curve": [{}, {"drop_intermediate": True}],
    "roc_auc_score": [{}, {"max_fpr": 0.3}, {"max_fpr": 1.0}],
    "average_precision_score": [{}],
}
CASES = [(name, kw) for name, kws in CURVES.items() for kw in kws]
IDS = [f"{n}-{kw}" for n, kw in CASES]


def assert_same(got, expected):
    if isinstance(expected, Exception):
        assert isinstance(got, fm.FastMetricsError), f"sklearn raised {expected!r}, got {got!r}"
        return
    assert not isinstance(got, Exception), f"we raised {got!r}, sklearn gave {expected!r}"
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same(g, e)
        return
    e, g = np.asarray(expected), np.asarray(got)
    assert g.shape == e.shape, (g.shape, e.shape)
    assert g.dtype == e.dtype or (g.dtype.kind == e.dtype.kind == "f"
                                  and np.ndim(expected) == 0), (g.dtype, e.dtype)
    np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15, equal_nan=True)


def check(name, y_true, y_score, **kwargs):
    got, expected, w_ours, w_theirs = call_both(getattr(fm, name), getattr(skm, name),
                                                y_true, y_score, **kwargs)
    assert_same(got, expected)
    if not isinstance(expected, Exception):
        assert w_ours == w_theirs, f"warnings differ:\nours    {w_ours}\nsklearn {w_theirs}"


FIXED = {
    "simple": ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
    "ties": ([0, 1, 1, 0, 1, 0, 1], [0.5, 0.5, 0.2, 0.2, 0.9, 0.9, 0.1]),
    "constant": ([0, 1, 1, 0], [0.3, 0.3, 0.3, 0.3]),
    "perfect": ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]),
    "inverted": ([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]),
    "all_positive": ([1, 1, 1], [0.2, 0.5, 0.7]),
    "all_negative": ([0, 0, 0], [0.2, 0.5, 0.7]),
    "minus_one_one": ([-1, 1, 1, -1], [0.3, 0.9, 0.2, 0.1]),
    "signed_zero": ([0, 1, 1, 0], [-0.0, 0.0, 0.5, -0.5]),
    "float32": (np.array([0, 1, 1, 0, 1]), np.array([0.1, 0.7, 0.7, 0.3, 0.2], np.float32)),
    "int_scores": ([0, 1, 1, 0, 1], [3, 7, 7, 1, 2]),
    "bool_target": (np.array([False, True, True, False]), [0.2, 0.9, 0.4, 0.5]),
    "one_row": ([1], [0.5]),
}


@pytest.mark.parametrize("data", list(FIXED), ids=list(FIXED))
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_fixed(name, kwargs, data):
    y_true, y_score = FIXED[data]
    check(name, y_true, y_score, **kwargs)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_weighted(name, kwargs):
    y_true, y_score = FIXED["ties"]
    for w in ([1, 2, 0, 1, 3, 1, 1], [0.5, 2.25, 0.0, 1.0, 3.5, 1.0, 0.1],
              [0, 0, 1, 1, 1, 0, 1]):
        check(name, y_true, y_score, sample_weight=np.array(w), **kwargs)


@pytest.mark.parametrize("name", ["precision_recall_curve", "roc_curve", "det_curve"])
def test_string_labels_need_pos_label(name):
    y_true = np.array(["neg", "pos", "pos", "neg"])
    y_score = [0.2, 0.8, 0.4, 0.5]
    check(name, y_true, y_score)  # both refuse: pos_label not given
    check(name, y_true, y_score, pos_label="pos")
    check(name, y_true, y_score, pos_label="neg")


def test_average_precision_pos_label():
    y_true, y_score = FIXED["simple"]
    check("average_precision_score", y_true, y_score, pos_label=0)
    check("average_precision_score", y_true, y_score, pos_label=2)  # both raise
    check("average_precision_score", np.array(["a", "b", "b", "a"]), y_score,
          pos_label="b")


@st.composite
def binary_scores(draw):
    n = draw(st.integers(1, 60))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    levels = draw(st.sampled_from([2, 5, 1000]))  # heavy ties to nearly distinct
    scores = np.array(draw(st.lists(st.integers(0, levels - 1), min_size=n, max_size=n)))
    scores = (scores / levels).astype(dtype)
    weights = draw(st.one_of(
        st.none(),
        st.lists(st.integers(0, 4), min_size=n, max_size=n).map(np.array),
        st.lists(st.floats(0, 10, allow_nan=False, width=32), min_size=n,
                 max_size=n).map(np.array)))
    return y, scores, weights


@given(data=binary_scores(), case=st.sampled_from(CASES))
def test_property_against_sklearn(data, case):
    y, scores, weights = data
    name, kwargs = case
    check(name, y, scores, sample_weight=weights, **kwargs)


@pytest.mark.filterwarnings("ignore:No positive:UserWarning",
                            "ignore::fastmetrics.UndefinedMetricWarning")
@given(data=binary_scores())
def test_integer_weights_equal_repeated_rows(data):
    y, scores, weights = data
    if weights is None or weights.dtype.kind != "i" or weights.sum() == 0:
        return
    a = fm.score_state(y, scores, sample_weight=weights)
    b = fm.score_state(np.repeat(y, weights), np.repeat(scores, weights))
    for name in ("precision_recall_curve", "roc_curve"):
        f = getattr(fm, name).from_state
        for x, z in zip(f(a, pos_label=1), f(b, pos_label=1)):
            np.testing.assert_allclose(x, z, rtol=1e-12)


@given(data=binary_scores(), cuts=st.lists(st.integers(0, 60), max_size=4))
def test_merged_chunks_equal_whole(data, cuts):
    y, scores, weights = data
    bounds = sorted({0, len(y), *(c % (len(y) + 1) for c in cuts)})
    parts = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        if hi > lo:
            parts.append(fm.score_state(y[lo:hi], scores[lo:hi],
                                        sample_weight=None if weights is None
                                        else weights[lo:hi]))
    merged = parts[0]
    for p in parts[1:]:
        merged = merged.merge(p)
    whole = fm.score_state(y, scores, sample_weight=weights)
    np.testing.assert_array_equal(merged.thresholds, whole.thresholds)
    np.testing.assert_array_equal(merged.class_counts, whole.class_counts)
    np.testing.assert_array_equal(merged.classes, whole.classes)
    if weights is not None:
        np.testing.assert_allclose(merged.class_weights, whole.class_weights, rtol=1e-12)


def test_arrow_and_data_inputs_match_numpy(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    rng = np.random.default_rng(0)
    y = (rng.random(5000) < 0.3).astype(np.int8)
    s = np.round(rng.random(5000), 2).astype(np.float32)
    expected = skm.roc_auc_score(y, s)
    chunked = pa.chunked_array([s[:1000], s[1000:3500], s[3500:]])
    assert fm.roc_auc_score(pa.array(y), chunked) == pytest.approx(expected, rel=1e-12)
    path = tmp_path / "scores.parquet"
    pq.write_table(pa.table({"y": y, "s": s}), path, row_group_size=700)
    assert fm.roc_auc_score("y", "s", data=str(path)) == pytest.approx(expected, rel=1e-12)
    p, r, t = fm.precision_recall_curve("y", "s", data=str(path))
    ep, er, et = skm.precision_recall_curve(y, s)
    np.testing.assert_allclose(p, ep, rtol=1e-12)
    np.testing.assert_array_equal(t, et)


@pytest.mark.parametrize("scores, row", [([0.1, np.nan, 0.3], 1), ([0.1, 0.2, np.inf], 2)])
def test_nonfinite_scores_are_refused_with_the_row(scores, row):
    with pytest.raises(fm.exceptions.InvalidInputError, match=f"y_score.*row {row}"):
        fm.roc_auc_score([0, 1, 1], scores)


def test_multiclass_target_is_refused_clearly():
    with pytest.raises(fm.exceptions.LabelError, match="3 classes"):
        fm.roc_curve([0, 1, 2], [0.1, 0.5, 0.9])


def test_bool_scores_merge():
    y = np.array([0, 1, 1, 0, 1])
    s = np.array([False, True, True, False, False])
    merged = fm.score_state(y[:2], s[:2]).merge(fm.score_state(y[2:], s[2:]))
    whole = fm.score_state(y, s)
    np.testing.assert_array_equal(merged.thresholds, whole.thresholds)
    np.testing.assert_array_equal(merged.class_counts, whole.class_counts)
    check("precision_recall_curve", y, s)


@given(pos=st.lists(st.integers(0, 5), min_size=1, max_size=80),
       neg=st.lists(st.integers(0, 5), min_size=1, max_size=80),
       as_float=st.booleans())
def test_area_kernels_match_reference(pos, neg, as_float):
    from fastmetrics.kernels import reference
    from fastmetrics.kernels.cpu import curves
    m = min(len(pos), len(neg))
    p, q = np.array(pos[:m], np.int64), np.array(neg[:m], np.int64)
    if as_float:
        p, q = p * 0.75, q * 1.25
    if p.sum() > 0 and q.sum() > 0:
        assert curves.roc_auc_from_counts(p, q) == pytest.approx(
            reference.roc_auc_from_counts(p, q), rel=1e-12, abs=1e-15)
    if p.sum() > 0:
        assert curves.average_precision_from_counts(p, q) == pytest.approx(
            reference.average_precision_from_counts(p, q), rel=1e-12, abs=1e-15)


@given(pos=st.lists(st.integers(0, 4), min_size=1, max_size=60),
       neg=st.lists(st.integers(0, 4), min_size=1, max_size=60))
def test_curve_kernels_match_reference_bit_for_bit(pos, neg):
    from fastmetrics.kernels import reference
    from fastmetrics.kernels.cpu import curves
    m = min(len(pos), len(neg))
    p, q = np.array(pos[:m], np.int64), np.array(neg[:m], np.int64)
    keep = (p + q) > 0  # every distinct score is carried by a row
    p, q = p[keep], q[keep]
    thresholds = np.linspace(1, 0, p.size).astype(np.float32)
    if p.sum() > 0:
        for a, b in zip(curves.pr_curve_from_counts(p, q, thresholds),
                        reference.pr_curve_from_counts(p, q, thresholds)):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype
    if p.sum() > 0 and q.sum() > 0:
        for a, b in zip(curves.roc_curve_from_counts(p, q, thresholds),
                        reference.roc_curve_from_counts(p, q, thresholds)):
            np.testing.assert_array_equal(a, b)
            assert a.dtype == b.dtype


# ---------------------------------------------------------------------------
# score_state(positive_class=): one class of a multiclass column vs the rest
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["int", "str", "dictionary"])
def test_positive_class_binarizes(kind):
    import pyarrow as pa
    rng = np.random.default_rng(5)
    n = 4_000
    codes = rng.integers(0, 4, n)
    score = np.round(rng.random(n), 2) + 0.2 * (codes == 2)
    names = np.array(["ant", "bee", "cat", "dog"])
    y = {"int": codes, "str": names[codes],
         "dictionary": pa.DictionaryArray.from_arrays(pa.array(codes, pa.int8()),
                                                      pa.array(names))}[kind]
    positive = 2 if kind == "int" else "cat"
    truth = codes == 2
    state = fm.score_state(y, score, positive_class=positive)
    assert state.classes.tolist() == [False, True]
    for name in ("roc_auc_score", "average_precision_score", "precision_recall_curve",
                 "roc_curve"):
        assert_same(getattr(fm, name).from_state(state), getattr(skm, name)(truth, score))
    # chunks merge to the whole
    table = pa.table({"y": pa.chunked_array([y[:1500], y[1500:]]) if kind != "dictionary"
                      else pa.chunked_array([y[:1500], y[1500:]]), "s": score})
    chunked = fm.score_state("y", "s", positive_class=positive, data=table)
    assert_same(fm.roc_auc_score.from_state(chunked), skm.roc_auc_score(truth, score))
    assert np.array_equal(chunked.class_counts, state.class_counts)


def test_positive_class_errors_and_absent_class():
    with pytest.raises(fm.exceptions.LabelError, match="positive_class"):
        fm.score_state(["a", "b"], [0.1, 0.2], positive_class=1)
    state = fm.score_state([0, 1, 2], [0.1, 0.2, 0.3], positive_class=7)
    assert state.classes.tolist() == [False] and state.class_counts.tolist() == [[1, 1, 1]]

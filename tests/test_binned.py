"""Binned curves (``thresholds=``) and their state, against exact curves and brute force.

* the kernel against its numpy twin, serial and threaded, and its bin search
  against ``np.searchsorted`` at and next to every threshold;
* with the data's own distinct scores as thresholds, the binned curves and
  areas are scikit-learn's exact ones;
* at arbitrary thresholds, every point is ``confusion_matrix(y, s >= t)``
  computed row by row;
* the binned areas stay within their stated bounds of the exact areas;
* weights (integer weights equal repeated rows), float32/float64, one class,
  empty bins, merged chunks, 2-D and multilabel scores, errors, Arrow inputs.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings
from hypothesis import strategies as st

import fastmetrics as fm
from fastmetrics.exceptions import (InputTypeError, InvalidInputError, InvalidParameterError,
                                    LabelError)
from fastmetrics.kernels import reference_binning as ref
from fastmetrics.kernels.cpu import binning as cpu

from .conftest import KERNEL_PATHS, kernel_path

share = settings(max_examples=max(10, settings.default.max_examples // 3))
quiet = pytest.mark.filterwarnings("ignore:No positive:UserWarning",
                                   "ignore::fastmetrics.UndefinedMetricWarning",
                                   "ignore::sklearn.exceptions.UndefinedMetricWarning")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def brute_counts(y, s, thresholds, pos_label=1, w=None):
    """(tp, fp, P, N) at each threshold (ascending), row by row in float64."""
    y = np.asarray(y)
    s = np.asarray(s).astype(np.float64)
    w = np.ones(len(y)) if w is None else np.asarray(w, dtype=np.float64)
    pos = y == pos_label
    tp = np.array([w[pos & (s >= t)].sum() for t in thresholds])
    fp = np.array([w[~pos & (s >= t)].sum() for t in thresholds])
    return tp, fp, w[pos].sum(), w[~pos].sum()


def brute_pr(y, s, thresholds, pos_label=1, w=None):
    tp, fp, n_pos, _ = brute_counts(y, s, thresholds, pos_label, w)
    precision = np.where(tp + fp > 0, tp / np.where(tp + fp > 0, tp + fp, 1), 0.0)
    recall = tp / n_pos if n_pos > 0 else np.ones_like(tp)
    return np.r_[precision, 1.0], np.r_[recall, 0.0], np.asarray(thresholds, float)


def brute_roc(y, s, thresholds, pos_label=1, w=None):
    desc = np.asarray(thresholds, float)[::-1]
    tp, fp, n_pos, n_neg = brute_counts(y, s, desc, pos_label, w)
    return np.r_[0.0, fp] / n_neg, np.r_[0.0, tp] / n_pos, np.r_[np.inf, desc]


def brute_det(y, s, thresholds, pos_label=1, w=None):
    tp, fp, n_pos, n_neg = brute_counts(y, s, thresholds, pos_label, w)
    return (np.r_[fp, 0.0] / n_neg, np.r_[n_pos - tp, n_pos] / n_pos,
            np.r_[np.asarray(thresholds, float), np.inf])


def assert_curves(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        g, e = np.asarray(g), np.asarray(e)
        assert g.shape == e.shape, (g.shape, e.shape)
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15, equal_nan=True)


def states_equal(a, b, weighted=False):
    np.testing.assert_array_equal(a.thresholds, b.thresholds)
    np.testing.assert_array_equal(a.classes, b.classes)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert a.counts.dtype == np.int64
    assert a.weighted == b.weighted == weighted
    if weighted:
        np.testing.assert_allclose(a.weight_sums, b.weight_sums, rtol=1e-12, atol=1e-12)


@st.composite
def binary_data(draw, max_n=60):
    n = draw(st.integers(1, max_n))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    levels = draw(st.sampled_from([2, 5, 1000]))  # heavy ties to nearly distinct
    s = np.array(draw(st.lists(st.integers(0, levels), min_size=n, max_size=n)))
    s = (s / levels).astype(dtype)
    w = draw(st.one_of(
        st.none(),
        st.lists(st.integers(0, 4), min_size=n, max_size=n).map(np.array),
        st.lists(st.floats(0, 10, allow_nan=False, width=32), min_size=n,
                 max_size=n).map(np.array)))
    return y, s, w


@st.composite
def threshold_grids(draw):
    kind = draw(st.sampled_from(["count", "subset", "random", "one"]))
    if kind == "count":
        return draw(st.integers(2, 30))
    if kind == "one":
        return [draw(st.floats(-0.5, 1.5, allow_nan=False))]
    if kind == "subset":  # thresholds that coincide with scores
        return np.unique(draw(st.lists(st.integers(0, 10), min_size=1, max_size=12))) / 10
    return np.unique(draw(st.lists(st.floats(-0.25, 1.25, allow_nan=False, width=32),
                                   min_size=1, max_size=20)))


# ---------------------------------------------------------------------------
# the kernel
# ---------------------------------------------------------------------------

def _kernel_inputs(rng, n, n_columns, n_t, grid_kind, dtype, bad):
    if grid_kind == "linspace":
        thresholds = np.linspace(0, 1, max(n_t, 2))
    elif grid_kind == "shifted":
        lo = rng.normal() * 10
        thresholds = np.linspace(lo, lo + rng.random() * 5 + 0.01, max(n_t, 2))
    elif grid_kind == "clustered":  # most thresholds in a tiny range
        thresholds = np.unique(np.r_[rng.random(n_t) * 1e-3, rng.random(3)])
    else:
        thresholds = np.unique(rng.normal(0.5, 0.5, n_t))
    levels = rng.choice([3, 20, 1000])
    scores = rng.integers(-levels // 2, levels + levels // 2, (n, n_columns)) / levels
    k = min(n * n_columns, 40)
    scores.ravel()[:k] = rng.choice(thresholds, k)  # scores on the thresholds
    scores = scores.astype(dtype)
    for _ in range(bad if n else 0):
        scores.ravel()[rng.integers(scores.size)] = rng.choice([np.nan, np.inf, -np.inf, 2.0])
    return thresholds, scores


@pytest.mark.parametrize("path", KERNEL_PATHS)
@share
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200), n_columns=st.integers(1, 3),
       n_t=st.integers(1, 40), grid=st.sampled_from(["linspace", "shifted", "clustered",
                                                     "random"]),
       dtype=st.sampled_from([np.float32, np.float64]), weighted=st.booleans(),
       labels=st.sampled_from(["codes", "indicators"]), bad=st.integers(0, 2),
       unit=st.booleans())
def test_kernel_matches_reference(path, seed, n, n_columns, n_t, grid, dtype, weighted,
                                  labels, bad, unit):
    rng = np.random.default_rng(seed)
    thresholds, scores = _kernel_inputs(rng, n, n_columns, n_t, grid, dtype, bad)
    if n_columns == 1 and rng.random() < 0.5:
        scores = np.ascontiguousarray(scores[:, 0])
    weights = rng.random(n) * 3 if weighted else None
    bounds = (0.0, 1.0) if unit else (-cpu.FINITE, cpu.FINITE)
    if labels == "codes" or scores.ndim == 1:
        k = int(rng.integers(1, 4))
        y = (rng.integers(0, k, n) + 7).astype(rng.choice([np.int8, np.int64, np.float64]))
        args = (y, np.arange(k, dtype=np.int64), 7, k)
    else:
        y = rng.integers(0, 2, scores.shape).astype(rng.choice([np.uint8, np.int64]))
        if bad and n:
            y.ravel()[rng.integers(y.size)] = 3
        args = (y, np.zeros(1, np.int64), 0, 2)
    with kernel_path(path):
        got = cpu.score_bins(*args, scores, thresholds, *bounds, weights=weights)
    expected = ref.score_bins(*args, scores, thresholds, *bounds, weights=weights)
    np.testing.assert_array_equal(got[0], expected[0])
    assert got[0].dtype == np.int64
    if weighted:
        np.testing.assert_allclose(got[1], expected[1], rtol=1e-12, atol=1e-12)
    else:
        assert got[1] is None
    assert got[2:] == expected[2:]


def test_kernel_threaded_at_the_real_threshold():
    rng = np.random.default_rng(3)
    n = cpu.PARALLEL_MIN_ROWS * 2 + 11
    y = (rng.random(n) < 0.3).astype(np.int8)
    s = rng.random(n).astype(np.float32)
    s[n - 5] = np.nan
    s[n // 2 + 3] = 1.5  # the first bad row is in the second block
    for grid in (np.linspace(0, 1, 1000), np.sort(rng.random(300))):
        got = cpu.score_bins(y, np.arange(2), 0, 2, s, grid, 0.0, 1.0, rng.random(n))
        expected = ref.score_bins(y, np.arange(2), 0, 2, s, grid, 0.0, 1.0, rng.random(n))
        np.testing.assert_array_equal(got[0], expected[0])
        assert got[2] == expected[2] == n // 2 + 3


@pytest.mark.parametrize("grid", [
    np.linspace(0, 1, 2), np.linspace(0, 1, 1000), np.linspace(0, 1, 1001),
    np.linspace(0, 1, 4097), np.linspace(-3, 7, 313), np.linspace(1e15, 1e15 + 1, 1000),
    np.linspace(-1e300, 1e300, 50), np.geomspace(1e-8, 1, 500), np.array([0.5]),
    np.array([-1e308, 0.0, 1e308]), np.unique(np.r_[np.linspace(0, 1e-9, 200), 0.5, 1.0]),
], ids=lambda g: f"{g.size}:{g[0]:.3g}..{g[-1]:.3g}")
def test_bin_search_is_searchsorted_at_and_next_to_every_threshold(grid):
    probes = np.r_[grid, np.nextafter(grid, -np.inf), np.nextafter(grid, np.inf),
                   (grid[:-1] + grid[1:]) / 2, -np.inf, np.inf, 0.0, -1e308, 1e308]
    probes = probes[np.isfinite(probes)]
    counts, _, _, _ = cpu.score_bins(np.zeros(probes.size, np.int8), np.zeros(1, np.int64),
                                     0, 1, probes, grid)
    expected = np.bincount(np.searchsorted(grid, probes, side="right"),
                           minlength=grid.size + 1)
    np.testing.assert_array_equal(counts[0, 0], expected)


def test_linspace_thresholds_take_the_arithmetic_path():
    for t in (2, 3, 10, 100, 999, 1000, 1001, 10_000, 100_000):
        assert cpu.bin_plan(np.linspace(0, 1, t))[1], t
    assert not cpu.bin_plan(np.array([0.1, 0.2, 0.7]))[1]


# ---------------------------------------------------------------------------
# binned equals exact at the data's own scores
# ---------------------------------------------------------------------------

FIXED = {
    "simple": ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
    "ties": ([0, 1, 1, 0, 1, 0, 1], [0.5, 0.5, 0.2, 0.2, 0.9, 0.9, 0.1]),
    "constant": ([0, 1, 1, 0], [0.3, 0.3, 0.3, 0.3]),
    "perfect": ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]),
    "minus_one_one": ([-1, 1, 1, -1], [0.3, 0.9, 0.2, 0.1]),
    "float32": (np.array([0, 1, 1, 0, 1]), np.array([0.1, 0.7, 0.7, 0.3, 0.2], np.float32)),
    "decision_values": ([0, 1, 1, 0, 1], [-3.5, 7, 7, 1, -2]),
    "one_row": ([1], [0.5]),
}


@pytest.mark.parametrize("data", list(FIXED), ids=list(FIXED))
def test_distinct_scores_as_thresholds_give_the_exact_curves(data):
    y, s = FIXED[data]
    grid = np.unique(np.asarray(s).astype(np.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, kw in (("precision_recall_curve", {}),
                         ("roc_curve", {"drop_intermediate": False})):
            got = getattr(fm, name)(y, s, thresholds=grid)
            expected = getattr(skm, name)(y, s, **kw)
            assert_curves(got, expected)
        if len(set(np.asarray(y).tolist())) == 2:
            state = fm.binned_score_state(y, s, thresholds=grid)
            assert fm.binned_roc_auc(state) == pytest.approx(skm.roc_auc_score(y, s),
                                                             rel=1e-12)
            assert fm.binned_roc_auc(state, max_fpr=0.3) == pytest.approx(
                skm.roc_auc_score(y, s, max_fpr=0.3), rel=1e-12)
            assert fm.binned_average_precision(state) == pytest.approx(
                skm.average_precision_score(y, s), rel=1e-12)
            assert fm.binned_roc_auc_bound(state) >= 0.0  # tied pairs are not known to tie


@quiet
@given(data=binary_data())
def test_property_distinct_scores_give_sklearn(data):
    y, s, w = data
    if w is not None:
        w = np.where(w > 0, w, 1)  # sklearn drops thresholds carried by zero weights only
    grid = np.unique(s.astype(np.float64))
    p = fm.precision_recall_curve(y, s, thresholds=grid, sample_weight=w)
    assert_curves(p, skm.precision_recall_curve(y, s, sample_weight=w))
    if len(set(y.tolist())) == 2:
        roc = fm.roc_curve(y, s, thresholds=grid, sample_weight=w)
        assert_curves(roc, skm.roc_curve(y, s, sample_weight=w, drop_intermediate=False))
        state = fm.binned_score_state(y, s, thresholds=grid, sample_weight=w)
        assert fm.binned_roc_auc(state) == pytest.approx(
            skm.roc_auc_score(y, s, sample_weight=w), rel=1e-12)
        assert fm.binned_average_precision(state) == pytest.approx(
            skm.average_precision_score(y, s, sample_weight=w), rel=1e-12, abs=1e-15)


# ---------------------------------------------------------------------------
# binned equals brute force at arbitrary thresholds; areas within their bounds
# ---------------------------------------------------------------------------

@quiet
@given(data=binary_data(), grid=threshold_grids(), pos_label=st.sampled_from([0, 1]))
def test_property_points_equal_brute_force(data, grid, pos_label):
    y, s, w = data
    if isinstance(grid, int) and s.min() < 0:
        return
    if w is not None and w.sum() == 0:
        with pytest.raises(InvalidInputError, match="sums to zero"):
            fm.precision_recall_curve(y, s, thresholds=grid, sample_weight=w)
        return
    thresholds = fm.binned_score_state(y, s, thresholds=grid).thresholds
    got = fm.precision_recall_curve(y, s, thresholds=grid, sample_weight=w,
                                    pos_label=pos_label)
    assert_curves(got, brute_pr(y, s, thresholds, pos_label, w))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # 0/0 rates of a zero-weight class
        got = fm.roc_curve(y, s, thresholds=grid, sample_weight=w, pos_label=pos_label)
        expected = brute_roc(y, s, thresholds, pos_label, w)
        assert_curves(got, expected)
        if len(set(y.tolist())) == 2:
            got = fm.det_curve(y, s, thresholds=grid, sample_weight=w, pos_label=pos_label)
            assert_curves(got, brute_det(y, s, thresholds, pos_label, w))


@quiet
@given(data=binary_data(), grid=threshold_grids())
def test_property_areas_within_their_bounds(data, grid):
    y, s, w = data
    if isinstance(grid, int) and s.min() < 0 or len(set(y.tolist())) < 2:
        return
    if w is not None and (w[y == 1].sum() == 0 or w[y == 0].sum() == 0):
        return
    state = fm.binned_score_state(y, s, thresholds=grid, sample_weight=w)
    auc = fm.binned_roc_auc(state)
    exact = skm.roc_auc_score(y, s, sample_weight=w)
    assert abs(auc - exact) <= fm.binned_roc_auc_bound(state) + 1e-12
    # The AUC is the Mann-Whitney statistic with same-bin pairs as ties.
    fpr, tpr, _ = fm.roc_curve(y, s, thresholds=grid, sample_weight=w)
    assert auc == pytest.approx(np.trapezoid(np.r_[tpr, 1.0], np.r_[fpr, 1.0]), rel=1e-12)
    ap = fm.binned_average_precision(state)
    exact = skm.average_precision_score(y, s, sample_weight=w)
    assert abs(ap - exact) <= fm.binned_average_precision_bound(state) + 1e-12
    if s.min() >= state.thresholds[0]:  # no row below the lowest threshold
        p, r, _ = fm.precision_recall_curve(y, s, thresholds=grid, sample_weight=w)
        assert ap == pytest.approx(-np.sum(np.diff(r) * p[:-1]), rel=1e-12, abs=1e-15)


def test_area_bounds_are_reached():
    # Inside the one bin every positive is below every negative: the largest error.
    y = np.array([1, 1, 0, 0, 1])
    s = np.array([0.1, 0.2, 0.3, 0.4, 0.9])
    state = fm.binned_score_state(y, s, thresholds=[0.05, 0.5])
    err = abs(fm.binned_roc_auc(state) - skm.roc_auc_score(y, s))
    assert err == pytest.approx(fm.binned_roc_auc_bound(state), rel=1e-12)


# ---------------------------------------------------------------------------
# state: weights, dtypes, one class, empty bins, merging, 2-D
# ---------------------------------------------------------------------------

@quiet
@given(data=binary_data(), grid=threshold_grids())
def test_integer_weights_equal_repeated_rows(data, grid):
    y, s, w = data
    if w is None or w.dtype.kind != "i" or w.sum() == 0 or (
            isinstance(grid, int) and s.min() < 0):
        return
    a = fm.binned_score_state(y, s, thresholds=grid, sample_weight=w)
    b = fm.binned_score_state(np.repeat(y, w), np.repeat(s, w), thresholds=grid)
    # a class carried only by zero weights is in a (as in scikit-learn), not in b
    np.testing.assert_array_equal(a.weight_sums, b.reindex(a.classes).counts)
    for f in (fm.precision_recall_curve.from_state, fm.roc_curve.from_state):
        assert_curves(f(a, pos_label=1), f(b, pos_label=1))


@given(data=binary_data(), grid=threshold_grids(), cuts=st.lists(st.integers(0, 60),
                                                                 max_size=4))
def test_merged_chunks_equal_whole(data, grid, cuts):
    y, s, w = data
    if isinstance(grid, int) and s.min() < 0:
        return
    bounds = sorted({0, len(y), *(c % (len(y) + 1) for c in cuts)})
    parts = [fm.binned_score_state(y[lo:hi], s[lo:hi], thresholds=grid,
                                   sample_weight=None if w is None else w[lo:hi])
             for lo, hi in zip(bounds[:-1], bounds[1:]) if hi > lo]
    merged = parts[0]
    for p in parts[1:]:
        merged = merged.merge(p)
    whole = fm.binned_score_state(y, s, thresholds=grid, sample_weight=w)
    states_equal(merged, whole, weighted=w is not None)


def test_merge_mixes_weighted_and_unweighted_and_unites_classes():
    a = fm.binned_score_state(["a", "a"], [0.1, 0.6], thresholds=[0.5])
    b = fm.binned_score_state(["b"], [0.7], thresholds=[0.5], sample_weight=[2.5])
    m = a.merge(b)
    assert m.classes.tolist() == ["a", "b"]
    assert m.counts[0].tolist() == [[1, 1], [0, 1]]
    assert m.weight_sums[0].tolist() == [[1.0, 1.0], [0.0, 2.5]]


def test_merge_refuses_other_thresholds_and_shapes():
    a = fm.binned_score_state([0, 1], [0.1, 0.6], thresholds=10)
    with pytest.raises(InvalidParameterError, match="same thresholds"):
        a.merge(fm.binned_score_state([0, 1], [0.1, 0.6], thresholds=11))
    with pytest.raises(InputTypeError, match="score column"):
        a.merge(fm.binned_score_state([0, 1], [[0.1, 0.2], [0.6, 0.3]], thresholds=10))


def test_float32_scores_are_compared_in_float64():
    s32 = np.array([0.1, 0.7], np.float32)  # float32(0.1) > 0.1 but float32(0.7) < 0.7
    state = fm.binned_score_state([0, 1], s32, thresholds=[0.1, 0.7])
    assert state.counts[0].tolist() == [[0, 1, 0], [0, 1, 0]]
    f64 = fm.binned_score_state([0, 1], s32.astype(np.float64), thresholds=[0.1, 0.7])
    states_equal(state, f64)


def test_count_thresholds_are_torchmetrics_linspace():
    state = fm.binned_score_state([0, 1], [0.0, 1.0], thresholds=5)
    np.testing.assert_array_equal(state.thresholds, np.linspace(0, 1, 5))
    assert state.counts[0].tolist() == [[0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]]


@quiet
def test_one_class_warns_as_sklearn():
    y, s = [0, 0, 0], [0.2, 0.5, 0.7]
    with pytest.warns(UserWarning, match="No positive class found in y_true"):
        p, r, _ = fm.precision_recall_curve(y, s, thresholds=4)
    ep, er, _ = brute_pr(y, s, np.linspace(0, 1, 4))
    assert_curves((p, r), (ep, er))
    with pytest.warns(fm.UndefinedMetricWarning, match="No positive samples"):
        fpr, tpr, _ = fm.roc_curve(y, s, thresholds=4)
    assert np.isnan(tpr).all() and not np.isnan(fpr).any()
    with pytest.raises(LabelError, match="Only one class"):
        fm.det_curve(y, s, thresholds=4)
    state = fm.binned_score_state(y, s, thresholds=4)
    with pytest.warns(fm.UndefinedMetricWarning, match="Only one class"):
        assert np.isnan(fm.binned_roc_auc(state))
    with pytest.warns(UserWarning, match="No positive class"):
        assert fm.binned_average_precision(state, pos_label=1) == 0.0


def test_empty_bins_and_thresholds_above_every_score():
    y, s = [0, 1, 1], [0.2, 0.3, 0.4]
    p, r, t = fm.precision_recall_curve(y, s, thresholds=[0.25, 0.35, 5, 6])
    assert p.tolist() == [1.0, 1.0, 0.0, 0.0, 1.0]  # 0 where no row is predicted positive
    assert r.tolist() == [1.0, 0.5, 0.0, 0.0, 0.0]
    fps, tps, thr = fm.binned_score_state(y, s, thresholds=[0.25, 0.35, 5, 6]).curve_sums(1)
    assert thr.tolist() == [6.0, 5.0, 0.35, 0.25, -np.inf]
    assert tps.tolist() == [0.0, 0.0, 1.0, 2.0, 2.0] and fps.tolist() == [0, 0, 0, 0, 1.0]


def test_rows_below_the_lowest_threshold_count_in_the_totals():
    y, s = [1, 1, 0, 0], [0.1, 0.6, 0.2, 0.7]
    state = fm.binned_score_state(y, s, thresholds=[0.5])
    fpr, tpr, thr = fm.roc_curve.from_state(state)
    assert (fpr.tolist(), tpr.tolist(), thr.tolist()) == ([0.0, 0.5], [0.0, 0.5], [np.inf, 0.5])
    # the area goes on to (1, 1): the trapezoid through (0,0), (.5,.5), (1,1)
    assert fm.binned_roc_auc(state) == 0.5
    assert fm.binned_average_precision(state) == pytest.approx(0.5 * 0.5 + 0.5 * 0.5)


def test_drop_intermediate_is_not_applied():
    y, s = [0, 1, 1, 0, 1], [0.1, 0.7, 0.7, 0.3, 0.2]
    for name in ("precision_recall_curve", "roc_curve", "det_curve"):
        f = getattr(fm, name)
        assert_curves(f(y, s, thresholds=7, drop_intermediate=True),
                      f(y, s, thresholds=7, drop_intermediate=False))
        with pytest.raises(InvalidParameterError):
            f(y, s, thresholds=7, drop_intermediate="yes")


def test_from_state_takes_both_states():
    y, s = [0, 1, 1, 0, 1], [0.1, 0.7, 0.7, 0.3, 0.2]
    exact = fm.score_state(y, s)
    binned = fm.binned_score_state(y, s, thresholds=[0.15, 0.5])
    assert_curves(fm.precision_recall_curve.from_state(binned),
                  fm.precision_recall_curve(y, s, thresholds=[0.5, 0.15]))
    assert_curves(fm.roc_curve.from_state(binned), fm.roc_curve(y, s, thresholds=[0.15, 0.5]))
    assert_curves(fm.det_curve.from_state(binned), fm.det_curve(y, s, thresholds=[0.15, 0.5]))
    converted = fm.BinnedScoreState.from_score_state(exact, [0.15, 0.5])
    states_equal(converted, binned)


@given(data=binary_data(), grid=threshold_grids())
def test_from_score_state_equals_binning_the_rows(data, grid):
    y, s, w = data
    if isinstance(grid, int) and s.min() < 0:
        with pytest.raises(InvalidInputError, match="outside"):
            fm.BinnedScoreState.from_score_state(fm.score_state(y, s), grid)
        return
    exact = fm.score_state(y, s, sample_weight=w)
    states_equal(fm.BinnedScoreState.from_score_state(exact, grid),
                 fm.binned_score_state(y, s, thresholds=grid, sample_weight=w),
                 weighted=w is not None)


def test_curve_sums_contract():
    y = np.array([0, 1, 1, 0, 1, 2])
    s = np.array([0.1, 0.7, 0.7, 0.3, -1.0, 0.9])
    state = fm.binned_score_state(y, s, thresholds=[0.0, 0.5, 0.8])
    fps, tps, thr = state.curve_sums(1)
    assert thr.tolist() == [0.8, 0.5, 0.0, -np.inf]
    assert tps.tolist() == [0, 2, 2, 3] and fps.tolist() == [1, 1, 3, 3]  # 0 and 2 negative
    assert fps.dtype == tps.dtype == np.float64
    pos, neg = state.bin_amounts(1)
    assert pos.tolist() == [1, 0, 2, 0] and neg.tolist() == [0, 2, 0, 1]
    assert state.curve_sums("absent", column=0)[1].tolist() == [0, 0, 0, 0]


def test_2d_scores_per_column_equal_1d_scores():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 3, 400)
    proba = rng.dirichlet([1, 1, 1], 400)
    w = rng.random(400)
    state = fm.binned_score_state(y, proba, thresholds=50, sample_weight=w)
    assert state.counts.shape == (3, 3, 51) and not state.multilabel
    for j in range(3):
        one = fm.binned_score_state(y, np.ascontiguousarray(proba[:, j]), thresholds=50,
                                    sample_weight=w)
        states_equal(state.column(j), one, weighted=True)
        assert fm.binned_roc_auc(state.column(j), pos_label=j) == pytest.approx(
            fm.binned_roc_auc(one, pos_label=j), rel=1e-12)
    with pytest.raises(InputTypeError, match="score columns"):
        fm.binned_roc_auc(state)


def test_multilabel_indicators_per_column_equal_1d():
    rng = np.random.default_rng(6)
    y = rng.integers(0, 2, (300, 4)).astype(bool)
    scores = rng.random((300, 4)).astype(np.float32)
    state = fm.binned_score_state(y, scores, thresholds=[0.2, 0.5, 0.9])
    assert state.multilabel and state.classes.tolist() == [0, 1]
    assert state.counts.shape == (4, 2, 4)
    for j in range(4):
        one = fm.binned_score_state(y[:, j].astype(int), np.ascontiguousarray(scores[:, j]),
                                    thresholds=[0.2, 0.5, 0.9])
        states_equal(state.column(j), one)
    bad = y.astype(np.int8)
    bad[7, 2] = 2
    with pytest.raises(LabelError, match="only 0 and 1.*row 7"):
        fm.binned_score_state(bad, scores, thresholds=3)


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("scores, row, what", [
    ([0.1, np.nan, 0.3], 1, "contains NaN or infinity"),
    ([0.1, 0.2, np.inf], 2, "contains NaN or infinity"),
    ([0.1, 1.5, -0.5], 1, r"holds 1\.5, outside \[0, 1\]; thresholds=1000 spaces thresholds "
                          r"over \[0, 1\]"),
])
def test_bad_scores_are_refused_with_the_row(scores, row, what):
    for dtype in (np.float32, np.float64):
        with pytest.raises(InvalidInputError, match=f"y_score: {what}.*row {row}.*"):
            fm.precision_recall_curve([0, 1, 1], np.array(scores, dtype), thresholds=1000)


def test_count_thresholds_message_names_the_fix():
    with pytest.raises(InvalidInputError, match="Pass probabilities or an explicit array"):
        fm.roc_curve([0, 1], [-2.0, 3.0], thresholds=10)
    # an explicit array takes any finite scores
    fm.roc_curve([0, 1], [-2.0, 3.0], thresholds=np.linspace(0, 1, 10))


def test_bad_score_in_a_2d_column():
    s = np.full((4, 3), 0.5)
    s[2, 1] = np.nan
    with pytest.raises(InvalidInputError, match="NaN or infinity in column 1.*row 2"):
        fm.binned_score_state([0, 1, 1, 0], s, thresholds=5)


@pytest.mark.parametrize("thresholds, match", [
    (1, "at least 2"), (0, "at least 2"), (True, "integer count or an array"),
    (0.5, "0-D array"), ([[0.1, 0.2]], "2-D array"), ([], "is empty"),
    ([0.1, np.nan], "NaN or infinity"), ([0.1, np.inf], "NaN or infinity"),
    ([0.3, 0.1, 0.3], "lists 0.3 more than once"), ([0.0, -0.0], "more than once"),
    (["a", "b"], "array of <U1"),
])
def test_bad_thresholds(thresholds, match):
    with pytest.raises(InvalidParameterError, match=match):
        fm.precision_recall_curve([0, 1], [0.2, 0.8], thresholds=thresholds)


def test_2d_scores_are_refused_by_the_binary_curves():
    with pytest.raises(InputTypeError, match="2-D"):
        fm.roc_curve([0, 1], [[0.2, 0.8], [0.4, 0.6]], thresholds=5)


def test_empty_input():
    with pytest.raises(fm.exceptions.EmptyInputError):
        fm.binned_score_state(np.array([], int), np.array([]), thresholds=5)


# ---------------------------------------------------------------------------
# Arrow and data= inputs
# ---------------------------------------------------------------------------

def test_arrow_and_data_inputs_match_numpy(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    rng = np.random.default_rng(0)
    y = (rng.random(5000) < 0.3).astype(np.int8)
    s = np.round(rng.random(5000), 3).astype(np.float32)
    expected = fm.precision_recall_curve(y, s, thresholds=100)
    chunked = pa.chunked_array([s[:1000], s[1000:3500], s[3500:]])
    assert_curves(fm.precision_recall_curve(pa.array(y), chunked, thresholds=100), expected)
    path = tmp_path / "scores.parquet"
    pq.write_table(pa.table({"y": y, "s": s, "t": s[::-1]}), path, row_group_size=700)
    assert_curves(fm.precision_recall_curve("y", "s", data=str(path), thresholds=100),
                  expected)
    two = fm.binned_score_state("y", ["s", "t"], data=str(path), thresholds=100)
    states_equal(two.column(0), fm.binned_score_state(y, s, thresholds=100))
    states_equal(two.column(1), fm.binned_score_state(y, s[::-1].copy(), thresholds=100))


def test_drop_nulls_counts_the_dropped_rows():
    import pyarrow as pa
    y = pa.array([0, 1, None, 1])
    s = pa.array([0.1, 0.9, 0.5, None])
    with pytest.raises(fm.exceptions.NullValueError):
        fm.binned_score_state(y, s, thresholds=3)
    with pytest.warns(fm.NullsDroppedWarning, match="2 row"):
        state = fm.binned_score_state(y, s, thresholds=3, drop_nulls=True)
    assert state.n_dropped == 2 and state.n_rows == 2


@quiet
def test_zero_weight_class_gives_nan_or_refuses_partial_auc():
    y, s, w = np.r_[np.zeros(5, int), 1], np.zeros(6), np.r_[np.zeros(5), 1.0]
    state = fm.binned_score_state(y, s, thresholds=[0.0, 0.5], sample_weight=w)
    assert np.isnan(fm.binned_roc_auc(state)) and np.isnan(skm.roc_auc_score(y, s,
                                                                             sample_weight=w))
    with pytest.raises(InvalidInputError, match="partial ROC AUC"):
        fm.binned_roc_auc(state, max_fpr=0.3)
    with pytest.raises(ValueError):
        skm.roc_auc_score(y, s, sample_weight=w, max_fpr=0.3)


def test_curve_sums_of_either_state_share_the_contract():
    from fastmetrics.ranking.curves import _curve_sums
    y, s = [0, 1, 1, 0, 1], [0.1, 0.7, 0.7, 0.3, 0.2]
    exact = _curve_sums(fm.score_state(y, s), 1)
    binned = _curve_sums(fm.binned_score_state(y, s, thresholds=np.unique(s)), 1)
    for e, b in zip(exact, binned):
        np.testing.assert_array_equal(b[:-1], e)  # the distinct scores, then -inf
    assert binned[0][-1] == exact[0][-1] and binned[1][-1] == exact[1][-1]


# ---------------------------------------------------------------------------
# thresholds= in roc_auc_score and average_precision_score
# ---------------------------------------------------------------------------

def test_scores_thresholds_equal_exact_at_every_distinct_score():
    """With every distinct score as a threshold, binned AUC/AP are sklearn's exact ones."""
    import sklearn.metrics as skm
    rng = np.random.default_rng(21)
    n, k = 3_000, 4
    y = rng.integers(0, 2, n)
    s = np.round(rng.random(n), 3)
    every = np.unique(s)
    np.testing.assert_allclose(fm.roc_auc_score(y, s, thresholds=every),
                               skm.roc_auc_score(y, s), rtol=1e-12)
    np.testing.assert_allclose(fm.average_precision_score(y, s, thresholds=every),
                               skm.average_precision_score(y, s), rtol=1e-12)
    logits = rng.normal(size=(n, k))
    proba = np.round(np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True), 3)
    proba /= proba.sum(axis=1, keepdims=True)
    yk = rng.integers(0, k, n)
    every = np.unique(proba)
    for average in ("macro", "weighted", None):
        np.testing.assert_allclose(
            fm.roc_auc_score(yk, proba, multi_class="ovr", average=average, thresholds=every),
            skm.roc_auc_score(yk, proba, multi_class="ovr", average=average), rtol=1e-12)
        indicator = (rng.random((n, 3)) < 0.4).astype(int)
        np.testing.assert_allclose(
            fm.roc_auc_score(indicator, proba[:, :3], average=average, thresholds=every),
            skm.roc_auc_score(indicator, proba[:, :3], average=average), rtol=1e-12)
        np.testing.assert_allclose(
            fm.average_precision_score(indicator, proba[:, :3], average=average,
                                       thresholds=every),
            skm.average_precision_score(indicator, proba[:, :3], average=average), rtol=1e-12)


def test_scores_thresholds_count_and_errors():
    rng = np.random.default_rng(22)
    y = rng.integers(0, 2, 2_000)
    s = rng.random(2_000)
    state = fm.binned_score_state(y, s, thresholds=100)
    assert fm.roc_auc_score(y, s, thresholds=100) == fm.binned_roc_auc(state)
    assert abs(fm.roc_auc_score(y, s, thresholds=100) - fm.roc_auc_score(y, s)) <= \
        fm.binned_roc_auc_bound(state)
    proba = rng.dirichlet(np.ones(3), 2_000)
    yk = rng.integers(0, 3, 2_000)
    with pytest.raises(fm.exceptions.InvalidParameterError, match="multi_class"):
        fm.roc_auc_score(yk, proba, multi_class="ovo", thresholds=10)
    with pytest.raises(fm.exceptions.InvalidParameterError, match="average"):
        fm.roc_auc_score(yk, proba, multi_class="ovr", average="micro", thresholds=10)
    with pytest.raises(fm.exceptions.LabelError, match="1-D"):
        fm.roc_auc_score(yk, proba[:, 0], thresholds=10)

"""Calibration curve, reliability diagram, ECE and MCE.

``calibration_curve`` is checked against scikit-learn on fixed and random
cases; ECE / MCE / the reliability diagram (which scikit-learn lacks) against
a slow row-by-row implementation written here, against torchmetrics'
``BinaryCalibrationError`` formula (re-implemented in numpy: torchmetrics is
not a test dependency) and against scikit-learn's calibration curve.
"""

from __future__ import annotations

import doctest
import importlib
import math
import warnings

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve as sk_calibration_curve

from fastmetrics.calibration.build import calibration_state
from fastmetrics.calibration.state import CalibrationState
from fastmetrics.exceptions import (EmptyInputError, FastMetricsError, InputTypeError,
                                    InvalidInputError, InvalidParameterError, LabelError,
                                    NullsDroppedWarning, NullValueError)
from fastmetrics.calibration.metrics import ReliabilityDiagram, calibration_curve, expected_calibration_error, maximum_calibration_error, reliability_diagram

RTOL = 1e-12


def assert_curve_equal(got, expected):
    assert isinstance(got, tuple) and len(got) == 2
    for g, e in zip(got, expected):
        assert g.dtype == np.float64 and g.shape == e.shape, (g, e)
        np.testing.assert_allclose(g, e, rtol=RTOL, atol=1e-15)


# ---------------------------------------------------------------------------
# independent implementations used as oracles
# ---------------------------------------------------------------------------

def slow_bins(y_true, y_prob, sample_weight, pos_label, n_bins, strategy):
    """Per-bin (weight, weighted prob sum, weighted positives), one row at a time."""
    y_prob = [float(v) for v in y_prob]
    if strategy == "uniform":
        edges = list(np.linspace(0, 1, n_bins + 1))
    else:
        edges = list(np.percentile(np.asarray(y_prob), np.linspace(0, 100, n_bins + 1)))
    w = [1.0] * len(y_prob) if sample_weight is None else [float(v) for v in sample_weight]
    mass = [0.0] * n_bins
    conf = [0.0] * n_bins
    pos = [0.0] * n_bins
    for t, p, wi in zip(y_true, y_prob, w):
        b = 0
        while b < n_bins - 1 and p > edges[b + 1]:  # bins (e_b, e_b+1]
            b += 1
        mass[b] += wi
        conf[b] += wi * p
        pos[b] += wi * (t == pos_label)
    return np.array(edges), np.array(mass), np.array(conf), np.array(pos)


def slow_ece(y_true, y_prob, sample_weight=None, pos_label=1, n_bins=15,
             strategy="uniform", norm="l1"):
    _, mass, conf, pos = slow_bins(y_true, y_prob, sample_weight, pos_label, n_bins, strategy)
    total = mass.sum()
    gaps = []
    for m, c, a in zip(mass, conf, pos):
        if m > 0:
            gaps.append((abs(a / m - c / m), m / total))
    if norm == "max":
        return max(g for g, _ in gaps)
    if norm == "l2":
        return math.sqrt(sum(g * g * s for g, s in gaps))
    return sum(g * s for g, s in gaps)


def torchmetrics_binary_ece(preds, target, n_bins, norm="l1"):
    """torchmetrics' ``binary_calibration_error`` (``_binning_bucketize`` and
    ``_ce_compute``), line by line in numpy."""
    preds = np.asarray(preds, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    bounds = np.linspace(0, 1, n_bins + 1)
    indices = np.searchsorted(bounds, preds, side="right") - 1  # bucketize(right=True) - 1
    count = np.bincount(indices, minlength=n_bins + 1).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        conf = np.nan_to_num(np.bincount(indices, preds, minlength=n_bins + 1) / count)
        acc = np.nan_to_num(np.bincount(indices, target, minlength=n_bins + 1) / count)
    prop = count / count.sum()
    if norm == "l1":
        return float(np.sum(np.abs(acc - conf) * prop))
    if norm == "max":
        return float(np.max(np.abs(acc - conf)))
    ce = np.sum((acc - conf) ** 2 * prop)
    return float(np.sqrt(ce)) if ce > 0 else 0.0


# ---------------------------------------------------------------------------
# calibration_curve against scikit-learn
# ---------------------------------------------------------------------------

FIXED = [
    # scikit-learn's docstring example
    ([0, 0, 0, 0, 1, 1, 1, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0], {}),
    # probabilities exactly on the edges, 0 and 1
    ([0, 1, 0, 1, 1, 0, 1], [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 0.5], {}),
    ([0, 1, 0, 1, 1, 0, 1], [0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 0.5], {"n_bins": 10}),
    ([-1, 1, 1, -1], [0.3, 0.9, 0.5, 0.5], {"n_bins": 2}),
    ([False, True, True], [0.3, 0.9, 0.5], {"n_bins": 3}),
    ([0.0, 1.0, 1.0], [0.3, 0.9, 0.5], {"n_bins": 3}),
    (["no", "yes", "yes"], [0.3, 0.9, 0.5], {"pos_label": "yes"}),
    (["no", "yes", "yes"], [0.3, 0.9, 0.5], {"pos_label": "no"}),
    ([3, 7, 7, 3], [0.3, 0.9, 0.5, 0.1], {"pos_label": 7}),
    ([3, 7, 7, 3], [0.3, 0.9, 0.5, 0.1], {"pos_label": 5}),  # absent: no positives
    ([1, 1, 1], [0.3, 0.9, 0.5], {}),
    ([0, 0, 0], [0.3, 0.9, 0.5], {"n_bins": 1}),
    ([0, 1, 1, 0, 1, 0, 1, 1], [0.1, 0.1, 0.1, 0.5, 0.5, 0.9, 0.9, 0.9],
     {"strategy": "quantile", "n_bins": 4}),
    ([0, 1, 1, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.5, 0.55, 0.9, 0.95, 0.97],
     {"strategy": "quantile", "n_bins": 3}),
]


@pytest.mark.parametrize("y_true, y_prob, kwargs", FIXED)
def test_calibration_curve_fixed(y_true, y_prob, kwargs):
    expected = sk_calibration_curve(y_true, y_prob, **kwargs)
    assert_curve_equal(calibration_curve(y_true, y_prob, **kwargs), expected)
    for dtype in (np.float32, np.float64):
        p = np.asarray(y_prob, dtype=dtype)
        assert_curve_equal(calibration_curve(np.asarray(y_true), p, **kwargs),
                           sk_calibration_curve(np.asarray(y_true), p, **kwargs))


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 120), n_bins=st.integers(1, 12),
       strategy=st.sampled_from(["uniform", "quantile"]), rounding=st.sampled_from([0, 1, 2]),
       dtype=st.sampled_from(["float32", "float64"]), labels=st.sampled_from(
           ["01", "pm1", "strings", "one"]))
def test_calibration_curve_matches_sklearn(seed, n, n_bins, strategy, rounding, dtype, labels):
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    if rounding:  # ties and values on the edges
        p = np.round(p, rounding)
    p = p.astype(dtype)
    y = rng.integers(0, 2, n)
    kwargs = {}
    if labels == "pm1":
        y = 2 * y - 1
    elif labels == "strings":
        y = np.array(["neg", "pos"])[y]
        kwargs["pos_label"] = "pos"
    elif labels == "one":
        y = np.ones(n, dtype=int)
    expected = sk_calibration_curve(y, p, n_bins=n_bins, strategy=strategy, **kwargs)
    assert_curve_equal(calibration_curve(y, p, n_bins=n_bins, strategy=strategy, **kwargs),
                       expected)


def test_calibration_curve_arrow_pandas_polars_and_data():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    p = rng.random(500)
    expected = sk_calibration_curve(y, p, n_bins=7)
    chunked = pa.chunked_array([p[:100], p[100:101], p[101:]])
    for yy, pp in [(pa.array(y), pa.array(p)), (pa.chunked_array([y[:250], y[250:]]), chunked),
                   (pd.Series(y), pd.Series(p)), (pl.Series(y), pl.Series(p))]:
        assert_curve_equal(calibration_curve(yy, pp, n_bins=7), expected)
    table = pa.table({"label": y, "prob": p})
    assert_curve_equal(calibration_curve("label", "prob", data=table, n_bins=7), expected)
    # quantile bins from a chunked stream are exact too
    assert_curve_equal(calibration_curve(pa.chunked_array([y[:250], y[250:]]), chunked,
                                         n_bins=7, strategy="quantile"),
                       sk_calibration_curve(y, p, n_bins=7, strategy="quantile"))
    # dictionary-encoded string labels
    names = pa.array(np.array(["a", "b"])[y]).dictionary_encode()
    assert_curve_equal(calibration_curve(names, p, pos_label="b", n_bins=7), expected)


def test_calibration_curve_drop_nulls():
    y = pa.array([0, 1, None, 1, 0])
    p = pa.array([0.1, 0.8, 0.5, None, 0.3])
    with pytest.raises(NullValueError, match="row 2"):
        calibration_curve(y, p)
    with pytest.warns(NullsDroppedWarning, match="2 row"):
        got = calibration_curve(y, p, drop_nulls=True)
    assert_curve_equal(got, sk_calibration_curve([0, 1, 0], [0.1, 0.8, 0.3]))


# ---------------------------------------------------------------------------
# ECE, MCE and the reliability diagram
# ---------------------------------------------------------------------------

@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 150), n_bins=st.integers(1, 20),
       strategy=st.sampled_from(["uniform", "quantile"]), weighted=st.booleans(),
       rounding=st.sampled_from([0, 1, 2]), norm=st.sampled_from(["l1", "l2", "max"]))
def test_ece_matches_slow_implementation(seed, n, n_bins, strategy, weighted, rounding, norm):
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    if rounding:
        p = np.round(p, rounding)
    y = rng.integers(0, 2, n)
    w = None
    if weighted:
        w = rng.random(n) * rng.integers(0, 2, n)  # some zero weights
        if not w.any():
            w[0] = 1.0
    got = expected_calibration_error(y, p, sample_weight=w, n_bins=n_bins, strategy=strategy,
                                     norm=norm)
    expected = slow_ece(y, p, w, 1, n_bins, strategy, norm)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-14)
    if norm == "max":
        assert maximum_calibration_error(y, p, sample_weight=w, n_bins=n_bins,
                                         strategy=strategy) == got


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 300), n_bins=st.integers(1, 20),
       norm=st.sampled_from(["l1", "l2", "max"]))
def test_ece_matches_torchmetrics_formula(seed, n, n_bins, norm):
    """Away from the bin edges (continuous probabilities, never exactly 1.0),
    the binary ECE is torchmetrics' ``BinaryCalibrationError``."""
    rng = np.random.default_rng(seed)
    p = rng.random(n) * 0.999999
    y = rng.integers(0, 2, n)
    got = expected_calibration_error(y, p, n_bins=n_bins, norm=norm)
    assert got == pytest.approx(torchmetrics_binary_ece(p, y, n_bins, norm), rel=1e-10,
                                abs=1e-14)


def test_ece_on_the_edges_follows_sklearn_bins():
    """A probability on an interior edge is in the bin below (scikit-learn's
    calibration_curve), where torchmetrics puts it in the bin above."""
    y = [1, 1, 0, 1]
    p = [0.5, 0.5, 0.1, 0.9]
    prob_true, prob_pred = sk_calibration_curve(y, p, n_bins=2)
    counts = np.array([3, 1])
    ours = expected_calibration_error(y, p, n_bins=2)
    assert ours == pytest.approx(np.sum(np.abs(prob_true - prob_pred) * counts / 4))
    assert ours == pytest.approx(0.25)
    assert torchmetrics_binary_ece(p, y, 2) == pytest.approx(0.3)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 200), n_bins=st.integers(1, 12),
       strategy=st.sampled_from(["uniform", "quantile"]))
def test_l1_ece_is_the_weighted_gap_of_sklearn_calibration_curve(seed, n, n_bins, strategy):
    rng = np.random.default_rng(seed)
    p = np.round(rng.random(n), 2)
    y = rng.integers(0, 2, n)
    prob_true, prob_pred = sk_calibration_curve(y, p, n_bins=n_bins, strategy=strategy)
    d = reliability_diagram(y, p, n_bins=n_bins, strategy=strategy)
    filled = d.counts > 0
    np.testing.assert_allclose(d.fraction_positive[filled], prob_true, rtol=RTOL)
    np.testing.assert_allclose(d.mean_predicted[filled], prob_pred, rtol=RTOL)
    expected = np.sum(np.abs(prob_true - prob_pred) * d.counts[filled] / n)
    got = expected_calibration_error(y, p, n_bins=n_bins, strategy=strategy)
    assert got == pytest.approx(expected, rel=1e-10, abs=1e-14)


def test_reliability_diagram_fields():
    y = np.array([0, 1, 1, 0, 1])
    p = np.array([0.05, 0.15, 0.95, 0.9, 1.0])
    w = np.array([1.0, 2.0, 1.0, 1.0, 3.0])
    d = reliability_diagram(y, p, sample_weight=w, n_bins=4)
    assert isinstance(d, ReliabilityDiagram)
    edges, counts, weights, mean_predicted, fraction_positive, low, high, interval = d
    assert low is None and high is None and interval is None  # intervals only when asked
    np.testing.assert_array_equal(edges, [0, 0.25, 0.5, 0.75, 1])
    assert counts.dtype == np.int64 and counts.tolist() == [2, 0, 0, 3]
    assert weights.tolist() == [3.0, 0.0, 0.0, 5.0]
    np.testing.assert_allclose(mean_predicted, [(0.05 + 0.3) / 3, np.nan, np.nan,
                                                (0.95 + 0.9 + 3.0) / 5])
    np.testing.assert_allclose(fraction_positive, [2 / 3, np.nan, np.nan, 4 / 5])
    assert "ReliabilityDiagram(bin_edges=" in repr(d)


def test_weights_integer_equal_repeated_rows_and_zero_equals_dropped():
    rng = np.random.default_rng(11)
    n = 300
    y = rng.integers(0, 2, n)
    p = np.round(rng.random(n), 2)
    reps = rng.integers(0, 4, n)
    for n_bins in (10, 3):  # equal-width bins (quantile edges are unweighted)
        kw = dict(n_bins=n_bins)
        weighted = expected_calibration_error(y, p, sample_weight=reps, **kw)
        repeated = expected_calibration_error(np.repeat(y, reps), np.repeat(p, reps), **kw)
        assert weighted == pytest.approx(repeated, rel=1e-12)
        d1 = reliability_diagram(y, p, sample_weight=reps, **kw)
        d2 = reliability_diagram(np.repeat(y, reps), np.repeat(p, reps), **kw)
        np.testing.assert_allclose(d1.weights, d2.counts)
        np.testing.assert_allclose(d1.mean_predicted, d2.mean_predicted, rtol=1e-12)
    keep = reps > 0
    w = np.where(keep, 1.0, 0.0)
    assert maximum_calibration_error(y, p, sample_weight=w, n_bins=7) == pytest.approx(
        maximum_calibration_error(y[keep], p[keep], n_bins=7), rel=1e-12)


def test_pos_label_and_string_labels():
    y = np.array(["cat", "dog", "dog", "cat", "dog"])
    p_dog = np.array([0.2, 0.7, 0.9, 0.4, 0.6])
    ece_dog = expected_calibration_error(y, p_dog, pos_label="dog", n_bins=5)
    ece_cat = expected_calibration_error(y, 1 - p_dog, pos_label="cat", n_bins=5)
    assert ece_dog == pytest.approx(slow_ece(y, p_dog, None, "dog", 5))
    assert ece_cat == pytest.approx(slow_ece(y, 1 - p_dog, None, "cat", 5))
    with pytest.raises(LabelError, match="pos_label"):
        expected_calibration_error(y, p_dog)
    with pytest.raises(LabelError, match="does not match the type"):
        expected_calibration_error(y, p_dog, pos_label=1)


def test_perfect_and_worst_calibration():
    assert expected_calibration_error([0, 1], [0.0, 1.0]) == 0.0
    assert expected_calibration_error([1, 0], [0.0, 1.0]) == 1.0
    assert maximum_calibration_error([1, 0, 0], [0.0, 1.0, 0.9], n_bins=1) == pytest.approx(
        abs(1 / 3 - 1.9 / 3))


# ---------------------------------------------------------------------------
# states: merging chunks
# ---------------------------------------------------------------------------

def test_merged_chunk_states_equal_the_whole():
    rng = np.random.default_rng(5)
    n = 1000
    y = rng.integers(0, 2, n)
    p = rng.random(n).astype(np.float32)
    w = rng.random(n)
    whole = calibration_state(y, p, sample_weight=w, n_bins=10)
    cuts = [0, 1, 1, 300, 301, 999, n]
    merged = None
    for a, b in zip(cuts[:-1], cuts[1:]):
        part = calibration_state(y[a:b], p[a:b], sample_weight=w[a:b], n_bins=10)
        merged = part if merged is None else merged.merge(part)
    assert isinstance(merged, CalibrationState)
    np.testing.assert_array_equal(merged.counts, whole.counts)
    np.testing.assert_array_equal(merged.classes, whole.classes)
    for attr in ("prob_sums", "weight_sums", "weighted_prob_sums"):
        np.testing.assert_allclose(getattr(merged, attr), getattr(whole, attr), rtol=1e-12)
    for metric in (expected_calibration_error, maximum_calibration_error):
        assert metric.from_state(merged) == pytest.approx(metric(y, p, sample_weight=w,
                                                                 n_bins=10), rel=1e-12)
    assert_curve_equal(calibration_curve.from_state(merged),
                       sk_calibration_curve(y, p, n_bins=10))
    # chunks that each hold one class only
    order = np.argsort(y, kind="stable")
    a = calibration_state(y[order][:400], p[order][:400], n_bins=10)
    b = calibration_state(y[order][400:], p[order][400:], n_bins=10)
    assert a.classes.tolist() == [0]
    assert_curve_equal(calibration_curve.from_state(a.merge(b)),
                       sk_calibration_curve(y[order], p[order], n_bins=10))
    # an unweighted state merges into a weighted one with weight 1 per row
    mixed = calibration_state(y[:500], p[:500], n_bins=10).merge(
        calibration_state(y[500:], p[500:], sample_weight=np.ones(500), n_bins=10))
    assert expected_calibration_error.from_state(mixed) == pytest.approx(
        expected_calibration_error(y, p, n_bins=10), rel=1e-12)


def test_states_with_other_edges_do_not_merge():
    a = calibration_state([0, 1], [0.2, 0.7], n_bins=5)
    with pytest.raises(InputTypeError, match="different bin edges"):
        a.merge(calibration_state([0, 1], [0.2, 0.7], n_bins=4))
    q = calibration_state([0, 1], [0.2, 0.7], n_bins=2, strategy="quantile")
    np.testing.assert_allclose(q.edges, [0.2, 0.45, 0.7])
    with pytest.raises(InputTypeError, match="quantile"):
        q.merge(q)


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("func", [calibration_curve, expected_calibration_error,
                                  maximum_calibration_error, reliability_diagram])
def test_errors(func):
    y = [0, 1, 1, 0]
    with pytest.raises(InvalidInputError,
                       match=r"y_prob: contains NaN \(first at row 2\)"):
        func(y, [0.1, 0.2, np.nan, 0.3])
    with pytest.raises(InvalidInputError,
                       match=r"y_prob: holds 1\.5, outside \[0, 1\] \(first at row 3\)"):
        func(y, [0.1, 0.2, 0.3, 1.5])
    with pytest.raises(InvalidInputError, match=r"outside \[0, 1\].*row 0"):
        func(y, [-0.1, 0.2, 0.3, 0.5], strategy="quantile")
    for n_bins in (0, -3, 2.5, True, "5"):
        with pytest.raises(InvalidParameterError, match="n_bins"):
            func(y, [0.1, 0.2, 0.3, 0.5], n_bins=n_bins)
    with pytest.raises(InvalidParameterError, match="strategy"):
        func(y, [0.1, 0.2, 0.3, 0.5], strategy="kmeans")
    with pytest.raises(LabelError, match="binary"):
        func([0, 1, 2, 1], [0.1, 0.2, 0.3, 0.5], pos_label=1)
    with pytest.raises(LabelError, match="pos_label"):
        func([0, 1, 2, 1], [0.1, 0.2, 0.3, 0.5])
    if func is calibration_curve:  # the others take 2-D (top-label) probabilities
        with pytest.raises(InputTypeError, match="1-D"):
            func(y, np.full((4, 2), 0.5))
    with pytest.raises(InputTypeError, match="numeric probabilities"):
        func(y, ["a", "b", "c", "d"])
    with pytest.raises(EmptyInputError):
        func(np.zeros(0, int), np.zeros(0), pos_label=1)
    with pytest.raises(FastMetricsError, match="length|rows"):
        func([0, 1], [0.1, 0.2, 0.3])


def test_sklearn_also_refuses_what_we_refuse():
    for args, kwargs in [(([0, 1], [0.2, 1.1]), {}), (([0, 1], [0.2, 0.3]), {"n_bins": 0}),
                         (([0, 1, 2], [0.2, 0.3, 0.1]), {}), (([0, 1], [0.2, 0.3]),
                                                              {"strategy": "x"})]:
        with pytest.raises((ValueError, TypeError)):
            sk_calibration_curve(*args, **kwargs)
        with pytest.raises(FastMetricsError):
            calibration_curve(*args, **kwargs)


def test_weight_and_norm_errors():
    with pytest.raises(InvalidInputError, match="sample_weight"):
        expected_calibration_error([0, 1], [0.2, 0.7], sample_weight=[0, 0])
    with pytest.raises(InvalidInputError, match="negative"):
        expected_calibration_error([0, 1], [0.2, 0.7], sample_weight=[1, -1])
    with pytest.raises(InvalidParameterError, match="norm"):
        expected_calibration_error([0, 1], [0.2, 0.7], norm="l3")
    state = calibration_state([0, 1], [0.2, 0.7])
    with pytest.raises(InvalidParameterError, match="norm"):
        expected_calibration_error.from_state(state, norm=None)


@pytest.mark.parametrize("name", ["fastmetrics.calibration.state",
                                  "fastmetrics.calibration.build",
                                  "fastmetrics.calibration.metrics"])
def test_docstring_examples(name):
    module = importlib.import_module(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_calibration_state_positive_class():
    """One class of a multiclass column against its own probability column."""
    from fastmetrics.calibration.build import calibration_state
    rng = np.random.default_rng(11)
    y = rng.choice(np.array(["a", "b", "c"]), 2_000)
    p = np.clip(rng.random(2_000) * 0.6 + 0.35 * (y == "b"), 0, 1)
    state = calibration_state(y, p, n_bins=10, positive_class="b")
    direct = calibration_state(y == "b", p, n_bins=10)
    assert state.classes.tolist() == [False, True]
    np.testing.assert_array_equal(state.counts, direct.counts)
    assert expected_calibration_error.from_state(state) == expected_calibration_error(
        y == "b", p, n_bins=10)
    with pytest.raises(LabelError, match="positive_class"):
        calibration_state(y, p, positive_class=1)
    with pytest.raises(InvalidParameterError, match="positive_class"):
        calibration_state(y, np.full((2_000, 3), 1 / 3), positive_class="b")


@pytest.mark.parametrize("interval", ["wilson", "clopper-pearson"])
def test_reliability_diagram_bin_intervals(interval):
    from fastmetrics.inference import clopper_pearson_interval, wilson_interval
    rng = np.random.default_rng(5)
    p = rng.random(500)
    y = (rng.random(500) < p).astype(int)
    d = reliability_diagram(y, p, n_bins=8, interval=interval, confidence_level=0.9)
    one = wilson_interval if interval == "wilson" else clopper_pearson_interval
    for b in range(8):
        successes = int(np.round(d.fraction_positive[b] * d.counts[b]))
        ci = one(successes, int(d.counts[b]), confidence_level=0.9)
        assert (d.low[b], d.high[b]) == pytest.approx((ci.low, ci.high), rel=1e-12)
    assert d.interval == interval
    empty = reliability_diagram([0, 1], [0.1, 0.2], n_bins=4, interval=interval)
    assert np.isnan(empty.low[2]) and np.isnan(empty.high[3])
    with pytest.raises(InvalidParameterError, match="unweighted"):
        reliability_diagram(y, p, sample_weight=np.ones(500), interval=interval)
    with pytest.raises(InvalidParameterError, match="interval"):
        reliability_diagram(y, p, interval="normal")


def test_debiased_ece_removes_the_binomial_noise():
    rng = np.random.default_rng(6)
    plug, debiased = [], []
    for _ in range(200):  # a perfectly calibrated model: the true l2 error is 0
        p = rng.random(300)
        y = (rng.random(300) < p).astype(int)
        plug.append(expected_calibration_error(y, p, n_bins=10, norm="l2"))
        debiased.append(expected_calibration_error(y, p, n_bins=10, norm="l2", debiased=True))
    assert np.mean(np.square(debiased)) < 0.25 * np.mean(np.square(plug))
    # by hand on a small case: bins of 4 rows, acc 0.5 and 1.0
    y = [0, 1, 0, 1, 1, 1, 1, 1]
    p = [0.2] * 4 + [0.9] * 4
    sq = 0.5 * ((0.5 - 0.2) ** 2 - 0.25 / 3) + 0.5 * (0.1 ** 2 - 0.0)
    assert expected_calibration_error(y, p, n_bins=2, norm="l2", debiased=True) == \
        pytest.approx(np.sqrt(sq), rel=1e-12)
    with pytest.raises(InvalidParameterError, match="norm='l2'"):
        expected_calibration_error(y, p, debiased=True)

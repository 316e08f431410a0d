"""Analytic inference: proportion intervals, McNemar's test, DeLong's AUC variance and test.

Oracles: statsmodels (``proportion_confint`` with ``method="wilson"`` / ``"beta"``,
``contingency_tables.mcnemar``), scikit-learn (the metrics the intervals are
centred on, ``roc_auc_score``), and for DeLong an independent, slow,
obviously-correct implementation written here: the O(m n) Mann-Whitney kernel
matrix, its row and column means as placement values, and ``np.cov``.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, strategies as st
from scipy import stats
from sklearn import metrics as skm
from statsmodels.stats.contingency_tables import mcnemar as sm_mcnemar
from statsmodels.stats.proportion import proportion_confint

import fastmetrics as fm
from fastmetrics.exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                                    InvalidParameterError, LabelError, LengthMismatchError,
                                    NullsDroppedWarning, UndefinedMetricWarning)
from fastmetrics.inference import ConfidenceInterval, TestResult
from fastmetrics.inference import mcnemar as mcnemar_module
from fastmetrics.kernels import reference_inference as ref
from fastmetrics.kernels.cpu import inference as kernels

TOL = dict(rtol=1e-12, atol=1e-12)
LEVELS = (0.5, 0.8, 0.9, 0.95, 0.99, 0.999)


# ---------------------------------------------------------------------------
# result types and shared checks
# ---------------------------------------------------------------------------

def test_confidence_interval_fields_repr_dict():
    ci = ConfidenceInterval(0.75, 0.5, 0.9, 0.95, "wilson")
    assert ci.width == pytest.approx(0.4)
    assert repr(ci) == ("ConfidenceInterval(estimate=0.75, low=0.5, high=0.9, "
                        "confidence_level=0.95, method='wilson')")
    assert ci.to_dict() == {"estimate": 0.75, "low": 0.5, "high": 0.9,
                            "confidence_level": 0.95, "method": "wilson",
                            "standard_error": None}
    with_se = ConfidenceInterval(np.float64(0.5), 0.25, 0.75, 0.9, "delong", np.float64(0.1))
    assert "standard_error=0.1" in repr(with_se)
    assert type(with_se.to_dict()["estimate"]) is float
    with pytest.raises(AttributeError):
        ci.low = 0.0  # frozen


def test_test_result_to_dict_is_json_ready():
    r = TestResult(2.0, 0.05, "McNemar exact",
                   details={"table": np.array([[1, 2], [3, 4]], dtype=np.int64),
                            "b": np.int64(2)})
    d = r.to_dict()
    assert d["details"] == {"table": [[1, 2], [3, 4]], "b": 2}
    assert d["alternative"] == "two-sided"
    json.dumps(d)
    assert repr(r) == ("TestResult(statistic=2, pvalue=0.05, method='McNemar exact', "
                       "alternative='two-sided', details={'table': [[1, 2], [3, 4]], 'b': 2})")
    assert TestResult(1.0, 0.5, "x").details == {}


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, float("nan"), True, "0.95", None])
def test_confidence_level_must_lie_in_open_unit_interval(level):
    for call in (lambda: fm.wilson_interval(3, 10, confidence_level=level),
                 lambda: fm.clopper_pearson_interval(3, 10, confidence_level=level),
                 lambda: fm.proportion_interval("recall", [0, 1], [0, 1],
                                                confidence_level=level),
                 lambda: fm.delong_interval([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4],
                                            confidence_level=level)):
        with pytest.raises(InvalidParameterError, match="confidence_level"):
            call()


# ---------------------------------------------------------------------------
# Wilson and Clopper-Pearson against statsmodels
# ---------------------------------------------------------------------------

def _statsmodels(x, n, level, method):
    return proportion_confint(x, n, alpha=1 - level, method=method)


@pytest.mark.parametrize("level", LEVELS)
def test_intervals_match_statsmodels_on_a_grid(level):
    for n in list(range(1, 31)) + [97, 1000, 123457]:
        for x in sorted({0, 1, 2, n // 3, n // 2, n - 2, n - 1, n} & set(range(n + 1))):
            w = fm.wilson_interval(x, n, confidence_level=level)
            cp = fm.clopper_pearson_interval(x, n, confidence_level=level)
            np.testing.assert_allclose((w.low, w.high), _statsmodels(x, n, level, "wilson"),
                                       **TOL)
            np.testing.assert_allclose((cp.low, cp.high), _statsmodels(x, n, level, "beta"),
                                       **TOL)
            assert w.estimate == cp.estimate == x / n
            assert w.low <= x / n <= w.high and cp.low <= x / n <= cp.high
            assert (w.method, cp.method, w.confidence_level) == ("wilson", "clopper-pearson",
                                                                 level)


def test_interval_edges():
    assert fm.clopper_pearson_interval(0, 7).low == 0.0
    assert fm.clopper_pearson_interval(7, 7).high == 1.0
    assert fm.wilson_interval(0, 7).low == 0.0
    assert fm.wilson_interval(7, 7).high == 1.0
    # Clopper-Pearson is the wider (conservative) one
    assert fm.clopper_pearson_interval(3, 10).width > fm.wilson_interval(3, 10).width
    # integral floats and numpy integers are counts too
    assert fm.wilson_interval(np.int64(3), 10.0).to_dict() == fm.wilson_interval(3, 10).to_dict()


@given(n=st.integers(1, 10 ** 9), frac=st.floats(0, 1),
       level=st.floats(0.01, 0.999))
def test_intervals_match_statsmodels_property(n, frac, level):
    x = min(n, int(frac * n))
    w = fm.wilson_interval(x, n, confidence_level=level)
    cp = fm.clopper_pearson_interval(x, n, confidence_level=level)
    np.testing.assert_allclose((w.low, w.high), _statsmodels(x, n, level, "wilson"), **TOL)
    np.testing.assert_allclose((cp.low, cp.high), _statsmodels(x, n, level, "beta"), **TOL)
    assert 0.0 <= w.low <= w.high <= 1.0 and 0.0 <= cp.low <= cp.high <= 1.0


@pytest.mark.parametrize("successes, trials, error, match", [
    (-1, 10, InvalidParameterError, "successes"),
    (11, 10, InvalidParameterError, "exceeds trials"),
    (0, 0, InvalidInputError, "trials: is 0"),
    (1.5, 10, InvalidParameterError, "integer count"),
    (True, 10, InvalidParameterError, "successes"),
    ("3", 10, InvalidParameterError, "successes"),
    (3, float("inf"), InvalidParameterError, "trials"),
])
def test_count_errors(successes, trials, error, match):
    for f in (fm.wilson_interval, fm.clopper_pearson_interval):
        with pytest.raises(error, match=match):
            f(successes, trials)


# ---------------------------------------------------------------------------
# proportion_interval: metrics of a confusion matrix
# ---------------------------------------------------------------------------

def _negative(pos_label):
    return {0: 1, 1: 0, "yes": "no", "no": "yes"}[pos_label]


def _sk_counts(y_true, y_pred, metric, pos_label):
    """(successes, trials) from scikit-learn's confusion matrix."""
    cm = skm.confusion_matrix(y_true, y_pred, labels=[_negative(pos_label), pos_label])
    tn, fp, fn, tp = cm[0, 0], cm[0, 1], cm[1, 0], cm[1, 1]
    return {"accuracy": (tn + tp, cm.sum()), "precision": (tp, tp + fp),
            "recall": (tp, tp + fn), "specificity": (tn, tn + fp),
            "npv": (tn, tn + fn)}[metric]


def _sk_estimate(y_true, y_pred, metric, pos_label):
    if metric == "accuracy":
        return skm.accuracy_score(y_true, y_pred)
    f = skm.precision_score if metric in ("precision", "npv") else skm.recall_score
    label = pos_label if metric in ("precision", "recall") else _negative(pos_label)
    return f(y_true, y_pred, pos_label=label, zero_division=np.nan)


METRICS = ("accuracy", "precision", "recall", "specificity", "npv")
FIXED = [
    ([1, 1, 1, 1, 0, 0, 0, 0, 1, 1], [1, 1, 1, 0, 0, 0, 1, 0, 1, 1], 1),
    ([0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0], [0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0], 1),
    (["no", "yes", "yes", "no", "yes"], ["no", "yes", "no", "yes", "yes"], "yes"),
    (["no", "yes", "yes", "no", "yes"], ["no", "yes", "no", "yes", "yes"], "no"),
]


@pytest.mark.parametrize("case", range(len(FIXED)))
@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("method, sm_method", [("wilson", "wilson"),
                                               ("clopper-pearson", "beta")])
def test_proportion_interval_fixed(case, metric, method, sm_method):
    y_true, y_pred, pos_label = FIXED[case]
    ci = fm.proportion_interval(metric, y_true, y_pred, method=method, pos_label=pos_label,
                                confidence_level=0.9)
    x, n = _sk_counts(y_true, y_pred, metric, pos_label)
    assert ci.estimate == pytest.approx(_sk_estimate(y_true, y_pred, metric, pos_label),
                                        rel=1e-15)
    np.testing.assert_allclose((ci.low, ci.high), _statsmodels(x, n, 0.9, sm_method), **TOL)
    assert ci.method == method


def test_proportion_interval_takes_the_metric_functions():
    y_true, y_pred, _ = FIXED[1]
    for func, name in ((fm.accuracy_score, "accuracy"), (fm.precision_score, "precision"),
                       (fm.recall_score, "recall"), (fm.specificity_score, "specificity"),
                       (fm.npv_score, "npv"), (fm.negative_predictive_value_score, "npv")):
        ci = fm.proportion_interval(func, y_true, y_pred)
        assert ci.to_dict() == fm.proportion_interval(name, y_true, y_pred).to_dict()
        assert ci.estimate == func(y_true, y_pred)
    for alias in ("exact", "beta", "clopper_pearson"):
        assert fm.proportion_interval("recall", y_true, y_pred, method=alias).method == \
            "clopper-pearson"


def test_proportion_interval_from_state_chunks_and_data():
    rng = np.random.default_rng(1)
    y_true = rng.integers(0, 2, 500)
    y_pred = np.where(rng.random(500) < 0.8, y_true, 1 - y_true)
    whole = fm.proportion_interval("precision", y_true, y_pred)
    merged = fm.confusion_state(y_true[:123], y_pred[:123]).merge(
        fm.confusion_state(y_true[123:], y_pred[123:]))
    assert fm.proportion_interval.from_state(merged, "precision").to_dict() == whole.to_dict()
    table = pa.table({"t": y_true, "p": y_pred})
    assert fm.proportion_interval("precision", "t", "p", data=table).to_dict() == \
        whole.to_dict()
    chunked = fm.proportion_interval("precision", pa.chunked_array([y_true[:7], y_true[7:]]),
                                     pa.chunked_array([y_pred[:300], y_pred[300:]]))
    assert chunked.to_dict() == whole.to_dict()
    # grouped states count all their groups
    grouped = fm.confusion_state(y_true, y_pred, groups=rng.integers(0, 3, 500))
    assert fm.proportion_interval.from_state(grouped, "precision").to_dict() == whole.to_dict()
    with pytest.warns(NullsDroppedWarning):
        dropped = fm.proportion_interval("recall", [1, None, 0, 1], [1, 1, 0, 0],
                                         drop_nulls=True)
    assert dropped.estimate == 0.5


def test_proportion_interval_multiclass_accuracy_only():
    y_true, y_pred = [0, 1, 2, 2, 1, 0, 2], [0, 2, 2, 2, 1, 1, 0]
    ci = fm.proportion_interval("accuracy", y_true, y_pred)
    assert ci.estimate == skm.accuracy_score(y_true, y_pred)
    np.testing.assert_allclose((ci.low, ci.high), _statsmodels(4, 7, 0.95, "wilson"), **TOL)
    with pytest.raises(LabelError, match="binary target"):
        fm.proportion_interval("recall", y_true, y_pred)


@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1)), min_size=1, max_size=60),
       st.sampled_from(METRICS), st.sampled_from([0, 1]), st.sampled_from(LEVELS))
def test_proportion_interval_property(rows, metric, pos_label, level):
    y_true = [r[0] for r in rows]
    y_pred = [r[1] for r in rows]
    x, n = _sk_counts(y_true, y_pred, metric, pos_label)
    if n == 0:
        with pytest.raises(InvalidInputError, match=f"{metric!r} is undefined"):
            fm.proportion_interval(metric, y_true, y_pred, pos_label=pos_label)
        return
    for method, sm_method in (("wilson", "wilson"), ("clopper-pearson", "beta")):
        ci = fm.proportion_interval(metric, y_true, y_pred, pos_label=pos_label,
                                    method=method, confidence_level=level)
        assert ci.estimate == x / n
        np.testing.assert_allclose((ci.low, ci.high), _statsmodels(x, n, level, sm_method),
                                   **TOL)


def test_proportion_interval_errors():
    with pytest.raises(InvalidInputError, match="'precision' is undefined.*predicted"):
        fm.proportion_interval("precision", [0, 1, 1], [0, 0, 0])
    with pytest.raises(InvalidInputError, match="'specificity' is undefined"):
        fm.proportion_interval("specificity", [1, 1], [1, 0])
    with pytest.raises(InvalidParameterError, match="sample_weight.*not a binomial"):
        fm.proportion_interval("recall", [0, 1], [0, 1], sample_weight=[1, 2])
    weighted = fm.confusion_state([0, 1], [0, 1], sample_weight=[1.0, 2.0])
    with pytest.raises(InvalidParameterError, match="state.*not a binomial"):
        fm.proportion_interval.from_state(weighted, "recall")
    with pytest.raises(InvalidParameterError, match="metric"):
        fm.proportion_interval("f1", [0, 1], [0, 1])
    with pytest.raises(InvalidParameterError, match="metric"):
        fm.proportion_interval(fm.f1_score, [0, 1], [0, 1])
    with pytest.raises(InvalidParameterError, match="method"):
        fm.proportion_interval("recall", [0, 1], [0, 1], method="wald")
    with pytest.raises(LabelError, match="pos_label"):
        fm.proportion_interval("recall", [0, 1], [0, 1], pos_label=2)
    with pytest.raises(EmptyInputError):
        fm.proportion_interval("accuracy", [], [])
    with pytest.raises(LengthMismatchError):
        fm.proportion_interval("recall", [0, 1, 1], [0, 1])
    with pytest.raises(InputTypeError, match="ConfusionState"):
        fm.proportion_interval.from_state(fm.score_state([0, 1], [0.1, 0.2]), "recall")
    # one class present, pos_label absent: scikit-learn's counts (tp = 0)
    ci = fm.proportion_interval("specificity", [0, 0, 0], [0, 1, 0])
    assert ci.estimate == 2 / 3


# ---------------------------------------------------------------------------
# McNemar
# ---------------------------------------------------------------------------

def test_paired_kernel_matches_reference(monkeypatch):
    rng = np.random.default_rng(3)
    for n, parallel_min in ((0, 1 << 17), (1, 1 << 17), (1000, 1 << 17), (5001, 64)):
        monkeypatch.setattr(kernels, "PARALLEL_MIN_ROWS", parallel_min)
        t = rng.integers(5, 9, n).astype(np.int16)
        a = rng.integers(0, 6, n).astype(np.int32)
        b = rng.integers(0, 4, n)
        tl = np.array([0, 1, 2, 3], dtype=np.int64)
        al = np.array([7, 7, 7, 2, 0, 1], dtype=np.int64)
        bl = np.array([0, 3, 2, 1], dtype=np.int64)
        args = (t, a, b, tl, al, bl, 5, 0, 0)
        got = kernels.paired_correct_counts(*args)
        np.testing.assert_array_equal(got, ref.paired_correct_counts(*args))
        assert got.dtype == np.int64 and got.sum() == n


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_placement_kernels_match_reference(monkeypatch, dtype):
    from fastmetrics.kernels.cpu import _blocks, radix_sort
    rng = np.random.default_rng(5)
    for n, parallel_min in ((2, 1 << 17), (50, 1 << 17), (3000, 64), (20000, 1 << 17)):
        monkeypatch.setattr(radix_sort, "PARALLEL_MIN_ROWS", parallel_min)
        monkeypatch.setattr(kernels, "PARALLEL_MIN_ROWS", parallel_min)
        monkeypatch.setattr(_blocks, "SMALL_INPUT_ROWS", 0)  # the Numba code
        labels = rng.integers(0, 2, n).astype(np.uint8)
        labels[:2] = [0, 1]
        # heavy ties, signed zeros, negative scores, and distinct values
        a = rng.choice(np.array([-1.5, -0.0, 0.0, 0.25, 3.0]), n).astype(dtype)
        b = rng.normal(size=n).astype(dtype)
        got_a = kernels.score_placements(a, labels)
        got_b = kernels.score_placements(b, labels)
        for got, want in ((got_a, ref.score_placements(a, labels)),
                          (got_b, ref.score_placements(b, labels))):
            np.testing.assert_array_equal(got[0], want[0])
            assert got[0].dtype == np.int64 and got[1:] == want[1:]
        m, n_neg = got_a[2], got_a[3]
        args = (got_a[0], got_b[0], labels, got_a[1], got_b[1], m, n_neg)
        np.testing.assert_allclose(kernels.placement_moments(*args),
                                   ref.placement_moments(*args), rtol=1e-11, atol=1e-6)


def _mcnemar_table(y_true, y_a, y_b):
    """The (A correct, B correct) table, by brute force."""
    table = np.zeros((2, 2), dtype=np.int64)
    for t, a, b in zip(y_true, y_a, y_b):
        table[int(a != t), int(b != t)] += 1
    return table


def _assert_mcnemar_matches(result, table, exact, correction):
    expected = sm_mcnemar(table, exact=exact, correction=correction)
    np.testing.assert_array_equal(result.details["table"], table)
    assert result.details["b"] == table[0, 1] and result.details["c"] == table[1, 0]
    assert result.statistic == pytest.approx(float(expected.statistic), rel=1e-12, abs=1e-300)
    assert result.pvalue == pytest.approx(float(expected.pvalue), rel=1e-12, abs=1e-300)


MCNEMAR_TABLES = [[[30, 12], [3, 55]], [[0, 1], [0, 0]], [[5, 0], [9, 2]], [[10, 7], [7, 3]],
                  [[100, 40], [20, 40]], [[0, 300], [250, 0]], [[1, 24], [1, 1]]]


@pytest.mark.parametrize("table", MCNEMAR_TABLES)
@pytest.mark.parametrize("exact", [True, False])
@pytest.mark.parametrize("correction", [True, False])
def test_mcnemar_from_table_matches_statsmodels(table, exact, correction):
    result = fm.mcnemar_test.from_table(table, exact=exact, correction=correction)
    _assert_mcnemar_matches(result, np.array(table), exact, correction)
    assert result.method.startswith("McNemar exact" if exact else "McNemar chi-square")


def test_mcnemar_fixed_labels_of_any_type():
    y_true = ["cat", "dog", "dog", "bird", "cat", "dog", "bird", "cat", "dog", "bird"]
    y_a = ["cat", "dog", "dog", "bird", "cat", "dog", "cat", "cat", "cat", "bird"]
    y_b = ["dog", "dog", "cat", "bird", "bird", "dog", "cat", "dog", "dog", "cat"]
    table = _mcnemar_table(y_true, y_a, y_b)
    for exact in (True, False):
        for correction in (True, False):
            result = fm.mcnemar_test(y_true, y_a, y_b, exact=exact, correction=correction)
            _assert_mcnemar_matches(result, table, exact, correction)
    # the same rows as integer, float and mixed-width integer labels; as Arrow columns
    codes = {"bird": 0, "cat": 1, "dog": 2}
    t, a, b = (np.array([codes[v] for v in y]) for y in (y_true, y_a, y_b))
    reference = fm.mcnemar_test(y_true, y_a, y_b).to_dict()
    for t_, a_, b_ in ((t, a, b), (t.astype(float), a.astype(float), b.astype(float)),
                       (t.astype(np.int8), a.astype(np.uint16), b.astype(np.int64)),
                       (pa.array(y_true).dictionary_encode(), pa.array(y_a), y_b)):
        assert fm.mcnemar_test(t_, a_, b_).to_dict() == reference
    data = pa.table({"truth": y_true, "a": y_a, "b": y_b})
    assert fm.mcnemar_test("truth", "a", "b", data=data).to_dict() == reference
    details = fm.mcnemar_test(y_true, y_a, y_b).details
    assert details["accuracy_a"] == skm.accuracy_score(y_true, y_a)
    assert details["accuracy_b"] == skm.accuracy_score(y_true, y_b)


def test_mcnemar_chunked_and_nulls():
    rng = np.random.default_rng(7)
    t = rng.integers(0, 4, 1000)
    a = np.where(rng.random(1000) < 0.7, t, rng.integers(0, 4, 1000))
    b = np.where(rng.random(1000) < 0.6, t, rng.integers(0, 4, 1000))
    whole = fm.mcnemar_test(t, a, b)
    chunked = fm.mcnemar_test(pa.chunked_array([t[:10], t[10:500], t[500:]]),
                              pa.chunked_array([a[:600], a[600:]]), b)
    assert chunked.to_dict() == whole.to_dict()
    _assert_mcnemar_matches(whole, _mcnemar_table(t, a, b), False, True)
    with pytest.warns(NullsDroppedWarning, match="dropped 1 row"):
        r = fm.mcnemar_test([1, 0, None, 1], [1, 1, 0, 0], [1, 0, 0, 0], drop_nulls=True)
    np.testing.assert_array_equal(r.details["table"], [[1, 0], [1, 1]])


def test_mcnemar_exact_rule():
    # exact=None: exact below 25 discordant rows, chi-square from 25 on
    below = fm.mcnemar_test.from_table([[10, 20], [4, 10]])
    at = fm.mcnemar_test.from_table([[10, 20], [5, 10]])
    assert below.method == "McNemar exact" and below.details["b"] + below.details["c"] == 24
    assert at.method == "McNemar chi-square (continuity-corrected)"
    assert mcnemar_module.EXACT_BELOW == 25
    _assert_mcnemar_matches(below, np.array([[10, 20], [4, 10]]), True, True)
    _assert_mcnemar_matches(at, np.array([[10, 20], [5, 10]]), False, True)


def test_mcnemar_models_that_never_disagree():
    assert fm.mcnemar_test([0, 1, 2], [0, 1, 1], [0, 1, 1]).pvalue == 1.0
    with pytest.warns(UndefinedMetricWarning, match="never disagree"):
        r = fm.mcnemar_test([0, 1, 2], [0, 1, 1], [0, 1, 1], exact=False)
    assert math.isnan(r.statistic) and math.isnan(r.pvalue)


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
                min_size=1, max_size=80),
       st.sampled_from([None, True, False]), st.booleans())
def test_mcnemar_property(rows, exact, correction):
    y_true, y_a, y_b = (np.array([r[i] for r in rows]) for i in range(3))
    table = _mcnemar_table(y_true, y_a, y_b)
    discordant = table[0, 1] + table[1, 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        result = fm.mcnemar_test(y_true, y_a, y_b, exact=exact, correction=correction)
    use_exact = discordant < 25 if exact is None else exact
    if not use_exact and discordant == 0:
        assert math.isnan(result.pvalue)
        np.testing.assert_array_equal(result.details["table"], table)
        return
    _assert_mcnemar_matches(result, table, use_exact, correction)
    # labels as strings give the same table
    as_str = fm.mcnemar_test(y_true.astype(str), y_a.astype(str), y_b.astype(str),
                             exact=exact, correction=correction)
    assert as_str.to_dict() == result.to_dict()


def test_mcnemar_errors():
    t, a, b = [0, 1, 1], [0, 1, 0], [1, 1, 0]
    for bad in ("yes", 1, 0.0):
        with pytest.raises(InvalidParameterError, match="exact"):
            fm.mcnemar_test(t, a, b, exact=bad)
    with pytest.raises(InvalidParameterError, match="correction"):
        fm.mcnemar_test(t, a, b, correction=None)
    with pytest.raises(InvalidParameterError, match="sample_weight"):
        fm.mcnemar_test(t, a, b, sample_weight=[1, 1, 1])
    with pytest.raises(LengthMismatchError):
        fm.mcnemar_test(t, a, [0, 1])
    with pytest.raises(EmptyInputError):
        fm.mcnemar_test([], [], [])
    with pytest.raises(InputTypeError, match="y_pred_b"):
        fm.mcnemar_test(t, a, None)
    with pytest.raises(InputTypeError, match="multilabel"):
        fm.mcnemar_test(t, a, [[0, 1], [1, 0], [1, 1]])
    with pytest.raises(LabelError, match="mix label types"):
        fm.mcnemar_test(["a", "b", "b"], a, b)
    with pytest.raises(InvalidInputError, match="y_pred_a: contains NaN.*row 1"):
        fm.mcnemar_test(t, [0.0, np.nan, 1.0], b)
    with pytest.raises(InputTypeError, match="2 x 2"):
        fm.mcnemar_test.from_table([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    with pytest.raises(InvalidInputError, match="negative"):
        fm.mcnemar_test.from_table([[1, -2], [3, 4]])
    with pytest.raises(InvalidInputError, match="non-integral"):
        fm.mcnemar_test.from_table([[1, 2.5], [3, 4]])
    with pytest.raises(EmptyInputError):
        fm.mcnemar_test.from_table([[0, 0], [0, 0]])


# ---------------------------------------------------------------------------
# DeLong
# ---------------------------------------------------------------------------

def brute_delong(y_true, *scores):
    """AUCs and their DeLong covariance matrix from the O(m n) kernel matrix.

    ``psi(x, y) = 1, 1/2, 0`` for a positive scored above, level with, below a
    negative; placement values are its row (positive) and column (negative)
    means; the covariance is ``cov(V10) / m + cov(V01) / n`` with the 1/(k-1)
    normalization of ``np.cov``. The larger label is positive.
    """
    y_true = np.asarray(y_true)
    pos = y_true == np.unique(y_true)[-1]
    v10, v01, aucs = [], [], []
    for s in scores:
        s = np.asarray(s, dtype=np.float64)
        x, y = s[pos], s[~pos]
        psi = (x[:, None] > y[None, :]) + 0.5 * (x[:, None] == y[None, :])
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
        aucs.append(psi.mean())
    s10 = np.atleast_2d(np.cov(np.array(v10)))
    s01 = np.atleast_2d(np.cov(np.array(v01)))
    return np.array(aucs), s10 / pos.sum() + s01 / (~pos).sum()


DELONG_FIXED = [
    ([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9]),
    ([0, 1, 0, 1, 0, 1, 1, 0], [0.5, 0.5, 0.5, 0.5, 0.2, 0.9, 0.2, 0.9]),    # ties across classes
    ([1, 1, 0, 0, 1, 0, 0], [3, 3, 3, 1, 2, 2, 1]),                          # integer scores
    (["n", "y", "y", "n", "n", "y"], [-0.0, 0.0, 1.0, 0.0, -1.0, -0.0]),     # signed zeros
    ([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]),                                    # perfect
    ([0, 0, 1, 1, 1], [0.7, 0.7, 0.7, 0.7, 0.7]),                            # constant
]


@pytest.mark.parametrize("y_true, y_score", DELONG_FIXED)
def test_delong_variance_matches_brute_force(y_true, y_score):
    auc, var = fm.delong_roc_variance(y_true, y_score)
    aucs, cov = brute_delong(y_true, y_score)
    assert auc == fm.roc_auc_score(y_true, y_score)
    assert auc == pytest.approx(skm.roc_auc_score(y_true, y_score), rel=1e-12)
    assert auc == pytest.approx(aucs[0], rel=1e-12)
    assert var == pytest.approx(cov[0, 0], rel=1e-10, abs=1e-15)


@pytest.mark.parametrize("y_true, y_score", DELONG_FIXED)
def test_delong_interval_fixed(y_true, y_score):
    auc, var = fm.delong_roc_variance(y_true, y_score)
    se = math.sqrt(var)
    for level in (0.8, 0.95, 0.99):
        z = stats.norm.ppf(0.5 + level / 2)
        ci = fm.delong_interval(y_true, y_score, confidence_level=level)
        assert (ci.estimate, ci.standard_error, ci.method) == (auc, se, "delong")
        assert ci.low == pytest.approx(max(0.0, auc - z * se), abs=1e-12)
        assert ci.high == pytest.approx(min(1.0, auc + z * se), abs=1e-12)
        logit = fm.delong_interval(y_true, y_score, confidence_level=level, transform="logit")
        if se == 0:
            assert logit.low == logit.high == auc
            continue
        centre, half = math.log(auc / (1 - auc)), z * se / (auc * (1 - auc))
        assert logit.low == pytest.approx(1 / (1 + math.exp(half - centre)), rel=1e-12)
        assert logit.high == pytest.approx(1 / (1 + math.exp(-half - centre)), rel=1e-12)
        assert 0 < logit.low < auc < logit.high < 1 and logit.method == "delong-logit"


def test_delong_perfect_separation_has_zero_variance():
    ci = fm.delong_interval([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])
    assert (ci.estimate, ci.low, ci.high, ci.standard_error) == (1.0, 1.0, 1.0, 0.0)


scores_st = st.one_of(st.integers(0, 3).map(float),             # heavy ties
                      st.floats(-2, 2, allow_nan=False, width=32),
                      st.sampled_from([0.0, -0.0, 0.5]))


@given(st.lists(st.tuples(st.integers(0, 1), scores_st, scores_st), min_size=4,
                max_size=60),
       st.sampled_from([np.float32, np.float64]))
def test_delong_property(rows, dtype):
    y_true = np.array([r[0] for r in rows])
    sa = np.array([r[1] for r in rows], dtype=dtype)
    sb = np.array([r[2] for r in rows], dtype=dtype)
    counts = np.bincount(y_true, minlength=2)
    if counts.min() < 2:
        with pytest.raises(InvalidInputError):
            fm.delong_roc_variance(y_true, sa)
        with pytest.raises(InvalidInputError):
            fm.delong_test(y_true, sa, sb)
        return
    aucs, cov = brute_delong(y_true, sa, sb)
    auc_a, var_a = fm.delong_roc_variance(y_true, sa)
    assert auc_a == pytest.approx(skm.roc_auc_score(y_true, sa), rel=1e-12)
    assert auc_a == pytest.approx(aucs[0], rel=1e-12)
    assert var_a == pytest.approx(cov[0, 0], rel=1e-9, abs=1e-15)
    # a state merged from chunks gives the same variance
    cut = len(rows) // 3
    merged = fm.score_state(y_true[:cut], sa[:cut]).merge(fm.score_state(y_true[cut:], sa[cut:]))
    np.testing.assert_allclose(fm.delong_roc_variance.from_state(merged), (auc_a, var_a),
                               rtol=1e-12, atol=1e-15)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        result = fm.delong_test(y_true, sa, sb)
    d = result.details
    var_diff = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    assert (d["auc_a"], d["auc_b"]) == pytest.approx(tuple(aucs), rel=1e-12)
    assert d["variance_a"] == pytest.approx(var_a, rel=1e-9, abs=1e-15)
    assert d["variance_b"] == pytest.approx(cov[1, 1], rel=1e-9, abs=1e-15)
    assert d["covariance"] == pytest.approx(cov[0, 1], rel=1e-9, abs=1e-15)
    assert d["variance"] == pytest.approx(var_diff, rel=1e-9, abs=1e-14)
    assert (d["n_positive"], d["n_negative"]) == (counts[1], counts[0])
    if d["variance"] > 1e-12:
        z = (aucs[0] - aucs[1]) / math.sqrt(var_diff)
        assert result.statistic == pytest.approx(z, rel=1e-7, abs=1e-12)
        assert result.pvalue == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("y_true, y_score", DELONG_FIXED[:4])
def test_delong_test_fixed_against_brute_force(y_true, y_score):
    rng = np.random.default_rng(len(y_true))
    other = (rng.permutation(np.asarray(y_score, dtype=float))
             + 0.25 * rng.integers(0, 2, len(y_true)))
    result = fm.delong_test(y_true, y_score, other)
    aucs, cov = brute_delong(y_true, y_score, other)
    var_diff = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    z = (aucs[0] - aucs[1]) / math.sqrt(var_diff)
    assert result.statistic == pytest.approx(z, rel=1e-9)
    assert result.pvalue == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)
    assert result.details["difference"] == result.details["auc_a"] - result.details["auc_b"]
    assert result.details["auc_a"] == fm.roc_auc_score(y_true, y_score)
    assert result.method == "DeLong" and result.alternative == "two-sided"


def test_delong_test_inputs_chunks_and_data():
    rng = np.random.default_rng(11)
    y = rng.integers(0, 2, 400)
    sa = (y + rng.normal(0, 1.0, 400)).astype(np.float32)
    sb = np.round(y * 0.5 + rng.normal(0, 1.0, 400), 1)
    whole = fm.delong_test(y, sa, sb).to_dict()
    # batches of one class only, different chunkings per column, labels as strings
    order = np.argsort(y, kind="stable")
    y, sa, sb = y[order], sa[order], sb[order]
    ys = np.where(y == 1, "spam", "ham")
    chunked = fm.delong_test(pa.chunked_array([ys[:50], ys[50:]]),
                             pa.chunked_array([sa[:300], sa[300:]]), sb)
    direct = fm.delong_test(y, sa, sb)
    for key in ("auc_a", "auc_b", "variance", "covariance"):
        assert chunked.details[key] == pytest.approx(direct.details[key], rel=1e-12)
        assert direct.details[key] == pytest.approx(whole["details"][key], rel=1e-12)
    assert chunked.statistic == pytest.approx(direct.statistic, rel=1e-12)
    table = pa.table({"label": ys, "a": sa, "b": sb})
    via_data = fm.delong_test("label", "a", "b", data=table)
    assert via_data.details["auc_a"] == direct.details["auc_a"]
    assert via_data.statistic == pytest.approx(direct.statistic, rel=1e-12)
    # a categorical with an unused category is still binary
    cat = pa.DictionaryArray.from_arrays(pa.array(np.where(y == 1, 2, 0), pa.int32()),
                                         pa.array(["ham", "maybe", "spam"]))
    assert fm.delong_test(cat, sa, sb).statistic == pytest.approx(direct.statistic, rel=1e-12)
    with pytest.warns(NullsDroppedWarning):
        r = fm.delong_test([0, 0, 1, 1, 1, 0], [0.1, 0.5, 0.4, 0.8, None, 0.3],
                           [0.2, 0.1, 0.6, 0.3, 0.5, 0.4], drop_nulls=True)
    assert r.details["n_positive"] == 2


def test_delong_test_degenerate_differences():
    y, s = [0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9]
    with pytest.warns(UndefinedMetricWarning, match="both 0"):
        same = fm.delong_test(y, s, s)
    assert math.isnan(same.statistic) and math.isnan(same.pvalue)
    assert same.details["variance"] == 0.0
    # perfect model against constant scores: every placement differs by 1/2
    perfect = fm.delong_test([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], [1, 1, 1, 1])
    assert perfect.statistic == math.inf and perfect.pvalue == 0.0
    assert perfect.details["difference"] == 0.5


def test_delong_errors():
    with pytest.raises(InvalidInputError, match="one class"):
        fm.delong_roc_variance([1, 1, 1], [0.1, 0.2, 0.3])
    with pytest.raises(InvalidInputError, match="one class"):
        fm.delong_test([1, 1, 1], [0.1, 0.2, 0.3], [0.3, 0.2, 0.1])
    with pytest.raises(InvalidInputError, match="at least two rows of each class"):
        fm.delong_interval([0, 0, 1], [0.1, 0.2, 0.3])
    with pytest.raises(LabelError, match="3 classes"):
        fm.delong_roc_variance([0, 1, 2, 2], [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(LabelError, match="binary"):
        fm.delong_test([0, 1, 2, 2], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4])
    with pytest.raises(InvalidParameterError, match="sample_weight"):
        fm.delong_roc_variance([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], sample_weight=[1, 1, 1, 1])
    with pytest.raises(InvalidParameterError, match="sample_weight"):
        fm.delong_interval([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], sample_weight=[1, 1, 1, 1])
    weighted = fm.score_state([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], sample_weight=[1, 2, 1, 1])
    with pytest.raises(InvalidParameterError, match="state"):
        fm.delong_roc_variance.from_state(weighted)
    with pytest.raises(InputTypeError, match="ScoreState"):
        fm.delong_interval.from_state(fm.confusion_state([0, 1], [0, 1]))
    with pytest.raises(InvalidParameterError, match="transform"):
        fm.delong_interval([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], transform="probit")
    with pytest.raises(InvalidInputError, match="y_score_b: contains NaN.*row 2"):
        fm.delong_test([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, np.nan, 0.4])
    with pytest.raises(LengthMismatchError):
        fm.delong_test([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3])
    with pytest.raises(EmptyInputError):
        fm.delong_test([], [], [])
    with pytest.raises(InputTypeError, match="y_score_b"):
        fm.delong_test([0, 1], [0.1, 0.2], None)
    with pytest.raises(InputTypeError, match="2-D"):
        fm.delong_test([0, 1], [0.1, 0.2], [[0.1, 0.9], [0.2, 0.8]])


# ---------------------------------------------------------------------------
# coverage: the intervals cover the true value about as often as they claim
# ---------------------------------------------------------------------------

def test_binomial_interval_coverage_is_exact_to_compute():
    """Exact coverage over all outcomes: Clopper-Pearson never below the level,
    Wilson close to it on average."""
    n, level = 30, 0.95
    lows = {m: np.array([getattr(fm, f)(x, n).low for x in range(n + 1)])
            for m, f in (("cp", "clopper_pearson_interval"), ("w", "wilson_interval"))}
    highs = {m: np.array([getattr(fm, f)(x, n).high for x in range(n + 1)])
             for m, f in (("cp", "clopper_pearson_interval"), ("w", "wilson_interval"))}
    pmf_x = np.arange(n + 1)
    coverage = {"cp": [], "w": []}
    for p in np.linspace(0.01, 0.99, 99):
        pmf = stats.binom.pmf(pmf_x, n, p)
        for m in coverage:
            coverage[m].append(pmf[(lows[m] <= p) & (p <= highs[m])].sum())
    assert min(coverage["cp"]) >= level - 1e-12
    assert 0.93 < np.mean(coverage["w"]) < 0.97


def _score_state(y, scores):
    """A ScoreState built with numpy alone (keeps the simulation fast and independent)."""
    thresholds, inverse = np.unique(scores, return_inverse=True)
    counts = np.zeros((2, thresholds.size), dtype=np.int64)
    np.add.at(counts, (y, inverse), 1)
    return fm.ScoreState(thresholds[::-1].copy(), counts[:, ::-1].copy(), None,
                         np.array([0, 1]))


def test_delong_interval_coverage_simulated():
    """Binormal scores with a known AUC: 95% intervals cover it about 95% of the time."""
    rng = np.random.default_rng(2024)
    m = n = 60
    shift = 1.0
    true_auc = stats.norm.cdf(shift / math.sqrt(2))
    y = np.r_[np.zeros(n, dtype=np.int64), np.ones(m, dtype=np.int64)]
    reps = 1000
    covered = {None: 0, "logit": 0}
    for _ in range(reps):
        state = _score_state(y, np.r_[rng.normal(0, 1, n), rng.normal(shift, 1, m)])
        for transform in covered:
            ci = fm.delong_interval.from_state(state, transform=transform)
            covered[transform] += ci.low <= true_auc <= ci.high
    # 1000 draws: a binomial standard deviation of 0.007 around ~0.95
    for transform, count in covered.items():
        assert 0.92 <= count / reps <= 0.97, (transform, count / reps)

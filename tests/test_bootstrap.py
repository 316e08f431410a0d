"""The bootstrap API: routes, jackknives, intervals, errors, paired comparisons.

Statistical validity (coverage, type-I error, agreement with scipy) lives in
``test_bootstrap_validity.py``; the batched finalizers in
``test_bootstrap_batched.py``; the random kernels in ``test_resample_kernels.py``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given, settings, strategies as st

import fastmetrics as fm
from fastmetrics.exceptions import (InputTypeError, InvalidInputError, InvalidParameterError,
                                    UndefinedMetricWarning)
from fastmetrics.inference import intervals
from fastmetrics.inference.statistics import ap_jackknife, auc_jackknife


def _binary(n, seed=0, accuracy=0.8):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    pred = np.where(rng.random(n) < accuracy, y, 1 - y)
    score = y + rng.normal(0, 1.2, n)
    return y, pred, score


# ---------------------------------------------------------------------------
# interval formulas
# ---------------------------------------------------------------------------

def _scipy_bca(values, estimate, jack, alpha):
    """scipy.stats._resampling._bca_interval, transcribed (ungrouped jackknife)."""
    from scipy.special import ndtr, ndtri
    percentile = ((values < estimate).sum() + (values <= estimate).sum()) / (2 * values.size)
    z0 = ndtri(percentile)
    mean = jack.mean()
    a = ((mean - jack) ** 3).sum() / (6 * ((mean - jack) ** 2).sum() ** 1.5)
    out = []
    for z in (ndtri(alpha), ndtri(1 - alpha)):
        out.append(ndtr(z0 + (z0 + z) / (1 - a * (z0 + z))))
    return np.percentile(values, np.array(out) * 100)


def test_bca_matches_scipy_formula_with_grouped_jackknife():
    rng = np.random.default_rng(3)
    values = rng.gamma(2.0, 1.0, 5000)
    jack_rows = rng.choice([0.9, 1.0, 1.3, 2.0], size=400)
    uniq, counts = np.unique(jack_rows, return_counts=True)
    low, high = intervals.bootstrap_interval(values, 1.7, 0.9, "bca", (uniq, counts))
    np.testing.assert_allclose([low, high], _scipy_bca(values, 1.7, jack_rows, 0.05),
                               rtol=1e-12)


def test_percentile_basic_normal():
    values = np.linspace(0, 1, 1001)
    assert intervals.bootstrap_interval(values, 0.4, 0.9, "percentile") == pytest.approx(
        (0.05, 0.95))
    assert intervals.bootstrap_interval(values, 0.4, 0.9, "basic") == pytest.approx(
        (0.8 - 0.95, 0.8 - 0.05))
    se = np.std(values, ddof=1)
    assert intervals.bootstrap_interval(values, 0.4, 0.95, "normal") == pytest.approx(
        (0.4 - 1.959963984540054 * se, 0.4 + 1.959963984540054 * se))


def test_acceleration_zero_without_spread():
    assert intervals.acceleration(np.array([0.5, 0.5]), np.array([3, 4])) == 0.0


# ---------------------------------------------------------------------------
# jackknives from states equal brute force leave-one-out
# ---------------------------------------------------------------------------

def _grouped_equal(fast, brute):
    values, counts = fast
    expanded = np.repeat(values, counts)
    np.testing.assert_allclose(np.sort(expanded), np.sort(brute), rtol=1e-12, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 4)), min_size=4, max_size=30))
def test_auc_and_ap_jackknife_equal_leave_one_out(rows):
    y = np.array([r[0] for r in rows])
    s = np.array([r[1] for r in rows], dtype=float)
    if np.bincount(y, minlength=2).min() < 2:
        return
    state = fm.score_state(y, s)
    pos, neg = state.class_counts[1], state.class_counts[0]
    keep = np.ones(y.size, bool)
    auc, ap = [], []
    for i in range(y.size):
        keep[:] = True
        keep[i] = False
        auc.append(skm.roc_auc_score(y[keep], s[keep]))
        ap.append(skm.average_precision_score(y[keep], s[keep]))
    _grouped_equal(auc_jackknife(pos, neg), auc)
    _grouped_equal(ap_jackknife(pos, neg), ap)


def test_confusion_jackknife_equals_leave_one_out():
    from fastmetrics.inference.statistics import build_statistic
    y, pred, _ = _binary(60, seed=5)
    stat = build_statistic(fm.matthews_corrcoef, y, pred, state=None, sample_weight=None,
                           threshold=None, positive_class=None, strata=None, stratify=False,
                           data=None, drop_nulls=False, metric_params={})
    brute = [skm.matthews_corrcoef(np.delete(y, i), np.delete(pred, i)) for i in range(y.size)]
    _grouped_equal(stat.jackknife(), brute)


# ---------------------------------------------------------------------------
# the public function
# ---------------------------------------------------------------------------

def test_same_seed_same_result_and_seed_matters():
    y, pred, score = _binary(2000)
    a = fm.bootstrap(fm.f1_score, y, pred, n_resamples=500, seed=7, return_values=True)
    b = fm.bootstrap(fm.f1_score, y, pred, n_resamples=500, seed=7, return_values=True)
    c = fm.bootstrap(fm.f1_score, y, pred, n_resamples=500, seed=8, return_values=True)
    np.testing.assert_array_equal(a.bootstrap_distribution, b.bootstrap_distribution)
    assert not np.array_equal(a.bootstrap_distribution, c.bootstrap_distribution)
    r = fm.bootstrap(fm.roc_auc_score, y, score, n_resamples=300, seed=7, return_values=True)
    r2 = fm.bootstrap(fm.roc_auc_score, y, score, n_resamples=300, seed=7, return_values=True)
    np.testing.assert_array_equal(r.bootstrap_distribution, r2.bootstrap_distribution)


def test_first_resamples_do_not_depend_on_n_resamples():
    y, pred, score = _binary(3000)
    for metric, x in ((fm.accuracy_score, pred), (fm.roc_auc_score, score)):
        short = fm.bootstrap(metric, y, x, n_resamples=100, method="percentile",
                             return_values=True).bootstrap_distribution
        long = fm.bootstrap(metric, y, x, n_resamples=3000, method="percentile",
                            return_values=True).bootstrap_distribution
        np.testing.assert_array_equal(short, long[:100])


def test_estimates_and_routes():
    y, pred, score = _binary(5000)
    r = fm.bootstrap(fm.f1_score, y, pred, n_resamples=1000)
    assert r.estimate == pytest.approx(skm.f1_score(y, pred), rel=1e-15)
    assert r.resampling == "multinomial" and r.method == "bca" and r.low < r.estimate < r.high
    r = fm.bootstrap(fm.roc_auc_score, y, score, n_resamples=1000)
    assert r.estimate == pytest.approx(skm.roc_auc_score(y, score), rel=1e-15)
    assert r.resampling == "poisson table"
    r = fm.bootstrap(fm.average_precision_score, y, score, n_resamples=500)
    assert r.estimate == pytest.approx(skm.average_precision_score(y, score), rel=1e-12)
    r = fm.bootstrap(fm.log_loss, y, 1 / (1 + np.exp(-score)), n_resamples=60,
                     method="percentile")
    assert r.resampling == "poisson rows"
    w = np.random.default_rng(0).integers(1, 3, y.size)
    r = fm.bootstrap(fm.accuracy_score, y, pred, sample_weight=w, n_resamples=60,
                     method="percentile")
    assert r.resampling == "poisson rows"
    assert r.estimate == pytest.approx(skm.accuracy_score(y, pred, sample_weight=w))
    r = fm.bootstrap(fm.f1_score, y, pred, stratify=True, n_resamples=500)
    assert r.resampling == "stratified multinomial"


def test_standard_error_matches_row_bootstrap():
    """The multinomial route and resampling actual rows give the same spread."""
    y, pred, score = _binary(4000, seed=2)
    fast = fm.bootstrap(fm.matthews_corrcoef, y, pred, n_resamples=4000)
    rng = np.random.default_rng(0)
    slow = []
    for _ in range(400):
        i = rng.integers(0, y.size, y.size)
        slow.append(skm.matthews_corrcoef(y[i], pred[i]))
    # SE of an SE estimated from 400 resamples: about 1 / sqrt(800) = 3.5% relative
    assert fast.standard_error == pytest.approx(np.std(slow, ddof=1), rel=0.15)
    auc = fm.bootstrap(fm.roc_auc_score, y, score, n_resamples=2000)
    slow = []
    for _ in range(300):
        i = rng.integers(0, y.size, y.size)
        slow.append(skm.roc_auc_score(y[i], score[i]))
    assert auc.standard_error == pytest.approx(np.std(slow, ddof=1), rel=0.15)


def test_user_function_of_a_state():
    y, pred, _ = _binary(3000)
    state = fm.confusion_state(y, pred)

    def prevalence(s):
        c = s.counts.sum(axis=0)
        return c[-1].sum() / c.sum() if s.classes.size == 2 else math.nan

    r = fm.bootstrap(prevalence, state=state, n_resamples=500, method="percentile")
    assert r.estimate == pytest.approx(y.mean())
    fixed = fm.bootstrap(prevalence, state=state, stratify=True, n_resamples=200,
                         method="percentile", return_values=True)
    assert np.all(fixed.bootstrap_distribution == r.estimate)
    with pytest.raises(InputTypeError, match="state="):
        fm.bootstrap(prevalence, y, pred)


def test_undefined_resamples_are_counted_not_hidden():
    y = np.array([0] * 60 + [1] * 2)
    pred = np.array([0] * 60 + [1, 0])
    with pytest.warns(UndefinedMetricWarning, match="resamples"):
        r = fm.bootstrap(fm.precision_score, y, pred, n_resamples=2000, method="percentile",
                         return_values=True)
    assert r.n_undefined == int(np.isnan(r.bootstrap_distribution).sum()) > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r0 = fm.bootstrap(fm.precision_score, y, pred, n_resamples=2000, method="percentile",
                          zero_division=0.0)
    assert r0.n_undefined == 0


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_resamples": 0}, InvalidParameterError, "n_resamples"),
    ({"n_resamples": 2.5}, InvalidParameterError, "n_resamples"),
    ({"confidence_level": 1.0}, InvalidParameterError, "confidence_level"),
    ({"confidence_level": 0}, InvalidParameterError, "confidence_level"),
    ({"method": "studentized"}, InvalidParameterError, "method"),
    ({"seed": -1}, InvalidParameterError, "seed"),
    ({"n_resamples": 10}, InvalidInputError, "at least 40"),
    ({"average": None}, InvalidParameterError, "one number"),
])
def test_bad_parameters(kwargs, error, match):
    y, pred, _ = _binary(200)
    with pytest.raises(error, match=match):
        fm.bootstrap(fm.f1_score, y, pred, **kwargs)


def test_bca_refused_where_no_jackknife():
    y, _, score = _binary(300)
    proba = 1 / (1 + np.exp(-score))
    with pytest.raises(InvalidParameterError, match="percentile"):
        fm.bootstrap(fm.expected_calibration_error, y, proba, n_resamples=50,
                     sample_weight=np.ones(300))
    # an additive loss has its leave-one-out values in O(n), a calibration error one bin's
    # term per row: BCa works
    assert fm.bootstrap(fm.log_loss, y, proba, n_resamples=500).method == "bca"
    assert fm.bootstrap(fm.expected_calibration_error, y, proba, n_resamples=500).method == "bca"


def test_undefined_on_the_data_is_an_error():
    with pytest.raises(InvalidInputError, match="on the data itself"), \
            pytest.warns(UndefinedMetricWarning, match="one class"):
        fm.bootstrap(fm.roc_auc_score, [1, 1, 1], [0.2, 0.5, 0.9], n_resamples=100)


def test_strata_keep_stratum_sizes():
    y, pred, _ = _binary(3000)
    strata = np.repeat([0, 1, 2], 1000)
    r = fm.bootstrap(fm.accuracy_score, y, pred, strata=strata, n_resamples=500)
    assert r.resampling == "multinomial"
    with pytest.raises(InvalidParameterError, match="strata"):
        fm.bootstrap(fm.roc_auc_score, y, pred.astype(float), strata=strata)


# ---------------------------------------------------------------------------
# paired comparisons
# ---------------------------------------------------------------------------

def test_paired_bootstrap_confusion_and_auc():
    rng = np.random.default_rng(4)
    n = 4000
    y = rng.integers(0, 3, n)
    a = np.where(rng.random(n) < 0.8, y, rng.integers(0, 3, n))
    b = np.where(rng.random(n) < 0.7, y, rng.integers(0, 3, n))
    r = fm.paired_bootstrap(fm.f1_score, y, a, b, average="macro", n_resamples=2000)
    assert r.estimate_a == pytest.approx(skm.f1_score(y, a, average="macro"))
    assert r.estimate_b == pytest.approx(skm.f1_score(y, b, average="macro"))
    assert r.difference.low > 0 and r.pvalue < 0.01
    same = fm.paired_bootstrap(fm.accuracy_score, y, a, a, n_resamples=500)
    assert same.difference.estimate == 0 and same.pvalue == 1.0
    yb = (y == 0).astype(int)
    sa = yb + rng.normal(0, 0.7, n)
    sb = yb + rng.normal(0, 0.7, n)
    r = fm.paired_bootstrap(fm.roc_auc_score, yb, sa, sb, n_resamples=1000)
    assert r.estimate_a == pytest.approx(skm.roc_auc_score(yb, sa))
    assert r.difference.resampling == "poisson rows"
    delong = fm.delong_test(yb, sa, sb)
    # the bootstrap SE of the difference agrees with DeLong's
    se_delong = abs(delong.details["difference"] / delong.statistic)
    assert r.difference.standard_error == pytest.approx(se_delong, rel=0.15)


def test_permutation_test():
    rng = np.random.default_rng(5)
    n = 3000
    y = rng.integers(0, 2, n)
    a = np.where(rng.random(n) < 0.8, y, 1 - y)
    b = np.where(rng.random(n) < 0.75, y, 1 - y)
    t = fm.permutation_test(fm.accuracy_score, y, a, b, n_resamples=2000)
    assert t.statistic == pytest.approx(skm.accuracy_score(y, a) - skm.accuracy_score(y, b))
    assert t.pvalue < 0.01
    # McNemar's exact test is the permutation test of accuracy: compare p-values
    exact = fm.mcnemar_test(y, a, b, exact=True)
    t_null = fm.permutation_test(fm.accuracy_score, y, a, a, n_resamples=200)
    assert t_null.pvalue == 1.0
    assert exact.pvalue < 0.01


def test_chunked_inputs_give_the_same_resamples():
    """Draws are keyed by global row (rows) or by the merged state (tables)."""
    import pyarrow as pa
    y, pred, score = _binary(3000, seed=9)
    prob = 1 / (1 + np.exp(-score))
    chunks = [slice(0, 700), slice(700, 2100), slice(2100, 3000)]

    def chunked(a):
        return pa.chunked_array([a[s] for s in chunks])

    for metric, x, kw in ((fm.f1_score, pred, {}), (fm.roc_auc_score, score, {}),
                          (fm.log_loss, prob, {"method": "percentile"})):
        one = fm.bootstrap(metric, y, x, n_resamples=60, return_values=True, **kw)
        many = fm.bootstrap(metric, chunked(y), chunked(x), n_resamples=60,
                            return_values=True, **kw)
        np.testing.assert_array_equal(one.bootstrap_distribution, many.bootstrap_distribution)


def test_mismatched_model_columns_are_an_error():
    from fastmetrics.exceptions import LengthMismatchError
    y, pred, score = _binary(100)
    with pytest.raises(LengthMismatchError):
        fm.paired_bootstrap(fm.accuracy_score, y, pred, pred[:-1], n_resamples=100)
    with pytest.raises(LengthMismatchError):
        fm.paired_bootstrap(fm.roc_auc_score, y, score, score[:-1], n_resamples=100)
    with pytest.raises(LengthMismatchError):
        fm.bootstrap(fm.f1_score, y, pred[:-1], n_resamples=100)


def test_row_route_resamples_rows():
    """The row route's resamples are the metric on rows repeated by their Poisson weights."""
    from fastmetrics.kernels.cpu import resample as kernels
    y, _, score = _binary(500, seed=3)
    prob = 1 / (1 + np.exp(-score))
    r = fm.bootstrap(fm.brier_score_loss, y, prob, n_resamples=50, method="percentile",
                     seed=11, return_values=True)
    for i in (0, 17, 49):
        idx = np.repeat(np.arange(y.size), kernels.row_weights(11, 0, y.size, i))
        assert r.bootstrap_distribution[i] == pytest.approx(
            skm.brier_score_loss(y[idx], prob[idx]), rel=1e-12)


def test_multilabel_and_weighted_go_through_rows():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, (400, 3))
    p = np.where(rng.random((400, 3)) < 0.8, y, 1 - y)
    r = fm.bootstrap(fm.f1_score, y, p, average="micro", n_resamples=60, method="percentile")
    assert r.resampling == "poisson rows"
    assert r.estimate == pytest.approx(skm.f1_score(y, p, average="micro"))


def test_permutation_test_of_scores_swaps_rows():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 800)
    a = y + rng.normal(0, 0.5, 800)
    t = fm.permutation_test(fm.roc_auc_score, y, a, a.copy(), n_resamples=50)
    assert t.statistic == 0 and t.pvalue == 1.0
    b = y + rng.normal(0, 2.0, 800)
    t = fm.permutation_test(fm.roc_auc_score, y, a, b, n_resamples=60)
    assert t.pvalue == pytest.approx(1 / 61)


def test_other_functions_of_a_score_state_resample_the_table():
    from fastmetrics.kernels.cpu import resample as kernels
    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, 600)
    s = np.round(y * 0.3 + rng.random(600), 2)
    r = fm.bootstrap(fm.roc_auc_score, y, s, max_fpr=0.5, n_resamples=80, seed=4,
                     return_values=True)
    assert r.resampling == "poisson table" and r.method == "bca"
    assert r.estimate == pytest.approx(skm.roc_auc_score(y, s, max_fpr=0.5), rel=1e-12)
    state = fm.score_state(y, s)
    for i in (0, 79):
        counts = kernels.table_resample_counts(state.class_counts, 4, i)
        keep = counts.sum(axis=0) > 0
        yy = np.repeat(np.tile([0, 1], keep.sum()), counts[:, keep].T.ravel())
        ss = np.repeat(np.repeat(state.thresholds[keep], 2), counts[:, keep].T.ravel())
        assert r.bootstrap_distribution[i] == pytest.approx(
            skm.roc_auc_score(yy, ss, max_fpr=0.5), rel=1e-12)

    def positive_share(st):
        return st.class_counts[-1].sum() / st.class_counts.sum()

    r = fm.bootstrap(positive_share, state=state, n_resamples=200)
    assert r.estimate == pytest.approx(y.mean())


def test_paired_stratified_keeps_class_counts():
    rng = np.random.default_rng(12)
    n = 2000
    y = rng.integers(0, 3, n)
    a = np.where(rng.random(n) < 0.8, y, rng.integers(0, 3, n))
    b = np.where(rng.random(n) < 0.8, y, rng.integers(0, 3, n))

    plain = fm.paired_bootstrap(fm.recall_score, y, a, b, average="macro", n_resamples=500)
    strat = fm.paired_bootstrap(fm.recall_score, y, a, b, average="macro", stratify=True,
                                n_resamples=500)
    assert strat.difference.resampling == "stratified multinomial"
    assert strat.difference.estimate == plain.difference.estimate
    # strata= keeps each stratum's rows (and with stratify=, each class within it)
    both = fm.paired_bootstrap(fm.recall_score, y, a, b, average="macro", strata=y % 2,
                               stratify=True, n_resamples=500)
    assert both.difference.resampling == "stratified multinomial"
    assert both.difference.estimate == plain.difference.estimate
    with pytest.raises(InvalidParameterError, match="alternative"):
        fm.paired_bootstrap(fm.recall_score, y, a, b, alternative="bigger")


def test_binned_curves_and_top_k_redraw_their_counts():
    rng = np.random.default_rng(13)
    n = 5000
    y = rng.integers(0, 2, n)
    s = np.clip(0.5 + 0.2 * (y - 0.5) + rng.normal(0, 0.2, n), 0, 1)
    r = fm.bootstrap(fm.roc_auc_score, y, s, thresholds=50, n_resamples=2000)
    assert r.resampling == "multinomial"
    assert r.estimate == fm.roc_auc_score(y, s, thresholds=50)
    exact = fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=2000)
    assert r.standard_error == pytest.approx(exact.standard_error, rel=0.15)
    ap = fm.bootstrap(fm.average_precision_score, y, s, thresholds=50, n_resamples=300,
                      method="percentile")
    assert ap.estimate == fm.average_precision_score(y, s, thresholds=50)
    k = 4
    yk = rng.integers(0, k, n)
    scores = rng.random((n, k))
    scores[np.arange(n), yk] += 0.3
    t = fm.bootstrap(fm.top_k_accuracy_score, yk, scores, k=2, n_resamples=2000)
    p = skm.top_k_accuracy_score(yk, scores, k=2)
    assert t.resampling == "multinomial" and t.estimate == pytest.approx(p)
    assert t.standard_error == pytest.approx(math.sqrt(p * (1 - p) / n), rel=0.1)
    state = fm.top_k_state(yk, scores)
    assert fm.bootstrap(fm.top_k_accuracy_score, state=state, k=2,
                        n_resamples=500).estimate == pytest.approx(p)
    with pytest.raises(InputTypeError, match="BinnedScoreState"):
        fm.bootstrap(fm.roc_auc_score, state=fm.binned_score_state(
            np.eye(3, dtype=int)[yk % 3], scores[:, :3] / 2, thresholds=10), n_resamples=100)

"""Paired tests on per-row values and adjusted p-values, against scipy and statsmodels."""

import numpy as np
import pytest
from scipy import stats

import fastmetrics as fm
from fastmetrics.exceptions import InvalidInputError, InvalidParameterError, LengthMismatchError


def _pair(n=500, shift=0.02, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(0.3, 0.1, n)
    return a, a + rng.normal(shift, 0.05, n)


@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_paired_t_test_is_scipys(alternative):
    a, b = _pair()
    ours = fm.paired_t_test(a, b, alternative=alternative, confidence_level=0.9)
    ref = stats.ttest_rel(a, b, alternative=alternative)
    assert ours.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert ours.pvalue == pytest.approx(ref.pvalue, rel=1e-10, abs=1e-300)
    ci = stats.ttest_rel(a, b).confidence_interval(0.9)
    assert (ours.details["low"], ours.details["high"]) == pytest.approx((ci.low, ci.high),
                                                                        rel=1e-12)
    assert ours.details["df"] == a.size - 1


def test_cluster_robust_t_test_is_statsmodels_cluster_ols():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(1)
    cluster = np.repeat(np.arange(40), 25)
    d = rng.normal(0.01, 0.05, 40)[cluster] + rng.normal(0, 0.05, cluster.size)
    ours = fm.paired_t_test(d, np.zeros_like(d), cluster=cluster)
    fit = sm.OLS(d, np.ones((d.size, 1))).fit(cov_type="cluster", cov_kwds={"groups": cluster},
                                              use_t=True)
    assert ours.details["standard_error"] == pytest.approx(float(fit.bse[0]), rel=1e-10)
    assert ours.statistic == pytest.approx(float(fit.tvalues[0]), rel=1e-10)
    assert ours.pvalue == pytest.approx(float(fit.pvalues[0]), rel=1e-8)
    assert ours.details["n_clusters"] == 40 and ours.details["df"] == 39
    plain = fm.paired_t_test(d, np.zeros_like(d))
    assert plain.details["standard_error"] < ours.details["standard_error"]


@pytest.mark.parametrize("kwargs", [{}, {"alternative": "greater"}, {"zero_method": "pratt"},
                                    {"correction": True, "method": "approx"}])
def test_wilcoxon_is_scipys(kwargs):
    a, b = _pair(80)
    b[:5] = a[:5]  # zero differences
    ours = fm.wilcoxon_signed_rank_test(a, b, **kwargs)
    ref = stats.wilcoxon(a - b, **kwargs)
    assert ours.statistic == ref.statistic and ours.pvalue == pytest.approx(ref.pvalue)
    assert ours.details["n_zero"] == 5


def test_row_losses_average_to_the_metrics():
    rng = np.random.default_rng(2)
    y = rng.choice(["a", "b", "c"], 300)
    p = rng.dirichlet(np.ones(3), 300)
    assert fm.row_losses(y, p).mean() == pytest.approx(fm.log_loss(y, p), rel=1e-12)
    assert fm.row_losses(y, p, loss="brier").mean() == pytest.approx(
        fm.brier_score_loss(y, p, scale_by_half=False), rel=1e-12)
    yb = rng.integers(0, 2, 300)
    pb = rng.random(300)
    assert fm.row_losses(yb, pb, loss="brier", pos_label=0).mean() == pytest.approx(
        2 * fm.brier_score_loss(yb, pb, pos_label=0), rel=1e-12)
    with pytest.raises(InvalidParameterError, match="loss"):
        fm.row_losses(yb, pb, loss="hinge")


def test_paired_tests_refuse_bad_rows():
    with pytest.raises(LengthMismatchError, match="values_b"):
        fm.paired_t_test([1.0, 2.0], [1.0])
    with pytest.raises(InvalidInputError, match="not finite.*row 1"):
        fm.paired_t_test([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(InvalidInputError, match="at least 2"):
        fm.paired_t_test([1.0], [1.0])
    with pytest.raises(InvalidInputError, match="every row"):
        fm.wilcoxon_signed_rank_test([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(InvalidParameterError, match="alternative"):
        fm.paired_t_test([1.0, 2.0, 3.0], [1.0, 2.0, 2.0], alternative="bigger")


@pytest.mark.parametrize("ours,theirs", [("holm", "holm"), ("bh", "fdr_bh"),
                                         ("bonferroni", "bonferroni")])
def test_adjusted_pvalues_are_statsmodels(ours, theirs):
    multitest = pytest.importorskip("statsmodels.stats.multitest")
    rng = np.random.default_rng(3)
    for _ in range(20):
        p = np.round(rng.random(rng.integers(1, 12)) ** 2, 3)  # ties included
        a = fm.adjust_pvalues(list(p), method=ours)
        _, ref, _, _ = multitest.multipletests(p, method=theirs)
        np.testing.assert_allclose(a.adjusted, ref, rtol=1e-12)
        assert np.array_equal(a.raw, p)


def test_adjusted_pvalues_of_results_name_their_family():
    a, b = _pair()
    tests = {"t": fm.paired_t_test(a, b), "w": fm.wilcoxon_signed_rank_test(a, b), "x": 0.5}
    adj = fm.adjust_pvalues(tests, method="bh", family="2 tests of model A vs B")
    assert adj.family == "2 tests of model A vs B" and adj.names == ("t", "w", "x")
    assert adj["x"] == 0.5 and adj.to_dict()["method"] == "bh"
    with pytest.raises(InvalidInputError, match="not a p-value"):
        fm.adjust_pvalues([0.1, float("nan")])
    with pytest.raises(InvalidParameterError, match="method"):
        fm.adjust_pvalues([0.1], method="sidak")
    with pytest.raises(InvalidInputError, match="empty"):
        fm.adjust_pvalues({})

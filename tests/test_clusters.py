"""cluster=: whole clusters resampled on every route, their checks and their reports."""

import warnings

import numpy as np
import pytest

import fastmetrics as fm
from fastmetrics.exceptions import InvalidInputError, InvalidParameterError
from fastmetrics.inference.clusters import FewClustersWarning, cluster_codes
from fastmetrics.inference.resampling import ClusterTable, block_generator
from fastmetrics.inference.rows import row_plan
from fastmetrics.inference.statistics import RowResamples, second_argument


def _clustered(n_clusters=60, size=10, seed=0):
    """Binary rows whose errors are shared within clusters."""
    rng = np.random.default_rng(seed)
    cluster = np.repeat(np.arange(n_clusters), size)
    n = cluster.size
    y = rng.integers(0, 2, n)
    hard = rng.random(n_clusters) < 0.4
    correct = rng.random(n) < np.where(hard[cluster], 0.55, 0.95)
    pred = np.where(correct, y, 1 - y)
    p = np.clip(np.where(correct, 0.8, 0.35) + rng.normal(0, 0.05, n), 0.01, 0.99)
    proba = np.where(y == 1, p, 1 - p)
    return cluster, y, pred, proba


def test_cluster_codes_and_their_errors():
    codes, g = cluster_codes(np.array(["b", "a", "b", "c"]))
    assert g == 3 and codes.tolist() == [1, 0, 1, 2]
    with pytest.raises(InvalidInputError, match="missing id.*row 1"):
        cluster_codes(np.array([1.0, np.nan]))
    with pytest.raises(InvalidInputError, match="1-D"):
        cluster_codes(np.zeros((2, 2)))


def test_a_cluster_table_draws_whole_clusters_per_stratum():
    counts = np.array([[3, 0], [0, 2], [1, 1], [4, 0]])
    table = ClusterTable(counts, cluster_strata=[0, 0, 1, 1])
    drawn = table.draw(block_generator(0, 1, 0), 500)
    # each resample adds two clusters of stratum 0 (sizes 3, 2) and two of stratum 1 (2, 4)
    possible = {a + b for a in (6, 5, 4) for b in (4, 6, 8)}
    assert set(drawn.sum(axis=1).tolist()) <= possible
    assert drawn.mean(axis=0) == pytest.approx(counts.sum(axis=0), rel=0.1)
    tables, weights = table.leave_one_out()
    assert tables.tolist() == [[5, 3], [8, 1], [7, 2], [4, 3]] and weights.tolist() == [1] * 4


def test_clusters_widen_the_interval_of_correlated_rows():
    cluster, y, pred, proba = _clustered()
    rows = fm.bootstrap(fm.accuracy_score, y, pred, n_resamples=2000, seed=1)
    clusters = fm.bootstrap(fm.accuracy_score, y, pred, cluster=cluster, n_resamples=2000,
                            seed=1)
    assert clusters.resampling == "cluster multinomial" and clusters.n_clusters == 60
    assert clusters.standard_error > 1.5 * rows.standard_error
    assert clusters.estimate == rows.estimate
    for metric in (fm.log_loss, fm.roc_auc_score, fm.expected_calibration_error):
        plain = fm.bootstrap(metric, y, proba, n_resamples=500, method="percentile", seed=2)
        grouped = fm.bootstrap(metric, y, proba, cluster=cluster, n_resamples=500,
                               method="percentile", seed=2)
        assert grouped.resampling == "poisson clusters" and grouped.n_clusters == 60
        assert grouped.standard_error > plain.standard_error


def test_one_row_clusters_are_the_row_bootstrap():
    _, y, pred, _ = _clustered(300, 1)
    rows = fm.bootstrap(fm.accuracy_score, y, pred, n_resamples=4000, seed=3)
    clusters = fm.bootstrap(fm.accuracy_score, y, pred, cluster=np.arange(y.size),
                            n_resamples=4000, seed=3)
    assert clusters.standard_error == pytest.approx(rows.standard_error, rel=0.08)


def test_the_cluster_jackknife_leaves_one_cluster_out():
    cluster, y, pred, proba = _clustered(12, 5)
    from fastmetrics.inference.statistics import build_statistic
    s = build_statistic(fm.f1_score, y, pred, state=None, sample_weight=None, threshold=None,
                        positive_class=None, strata=None, stratify=False, data=None,
                        drop_nulls=False, metric_params={}, cluster=cluster)
    values, weights = s.jackknife_all()
    expected = [fm.f1_score(y[cluster != g], pred[cluster != g]) for g in range(12)]
    np.testing.assert_allclose(values[0], expected)
    plan = row_plan(fm.log_loss, y, [proba], None, {}, "log_loss", keys=cluster)
    values, _ = plan.jackknife_all()
    expected = [fm.log_loss(y[cluster != g], proba[cluster != g]) for g in range(12)]
    np.testing.assert_allclose(values[0], expected, rtol=1e-10)


@pytest.mark.parametrize("metric,params", [
    (fm.log_loss, {}), (fm.brier_score_loss, {}), (fm.expected_calibration_error, {}),
    (fm.roc_auc_score, {}), (fm.average_precision_score, {})])
def test_clustered_plans_give_the_clustered_rows_metric(metric, params):
    cluster, y, _, proba = _clustered(40, 8)
    plan = row_plan(metric, y, [proba], None, params, "m", keys=cluster)
    slow = RowResamples([(metric, {"y_true": y, second_argument(metric): proba, **params})],
                        "m", keys=cluster)
    np.testing.assert_allclose(plan.resampled_all(64, 5), slow.resampled_all(64, 5),
                               rtol=1e-9)


def test_clusters_with_strata():
    cluster, y, pred, _ = _clustered()
    strata = cluster // 20
    r = fm.bootstrap(fm.accuracy_score, y, pred, cluster=cluster, strata=strata,
                     n_resamples=1000)
    assert r.resampling == "cluster multinomial" and r.n_clusters == 60
    with pytest.raises(InvalidParameterError, match="several strata"):
        fm.bootstrap(fm.accuracy_score, y, pred, cluster=cluster, strata=np.arange(y.size) % 2)
    with pytest.raises(InvalidParameterError, match="stratify"):
        fm.bootstrap(fm.accuracy_score, y, pred, cluster=cluster, stratify=True)
    with pytest.raises(InvalidParameterError, match="strata"):
        fm.bootstrap(fm.log_loss, y, pred.astype(float) * 0.8 + 0.1, cluster=cluster,
                     strata=strata)


def test_too_few_clusters():
    cluster, y, pred, _ = _clustered()
    with pytest.raises(InvalidInputError, match="3 cluster.*needs at least 40"):
        fm.bootstrap(fm.accuracy_score, y, pred, cluster=cluster % 3)
    with pytest.warns(FewClustersWarning, match="only 10 clusters"):
        r = fm.bootstrap(fm.accuracy_score, y, pred, cluster=cluster % 10, n_resamples=500)
    assert r.n_clusters == 10
    assert "n_clusters=10" in repr(r) and r.to_dict()["n_clusters"] == 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fm.bootstrap(fm.accuracy_score, y, pred, cluster=cluster, n_resamples=500)


def test_paired_comparisons_with_clusters_and_strata():
    cluster, y, pred, proba = _clustered()
    rng = np.random.default_rng(4)
    other = np.where(rng.random(y.size) < 0.85, y, 1 - y)
    plain = fm.paired_bootstrap(fm.accuracy_score, y, pred, other, n_resamples=2000)
    grouped = fm.paired_bootstrap(fm.accuracy_score, y, pred, other, cluster=cluster,
                                  n_resamples=2000)
    assert grouped.difference.n_clusters == 60
    assert grouped.difference.estimate == plain.difference.estimate
    assert grouped.difference.standard_error > plain.difference.standard_error
    stratified = fm.paired_bootstrap(fm.accuracy_score, y, pred, other, strata=cluster // 20,
                                     n_resamples=2000)
    assert stratified.difference.resampling == "stratified multinomial"
    other_p = np.clip(proba + rng.normal(0, 0.1, y.size), 0.01, 0.99)
    for metric in (fm.log_loss, fm.roc_auc_score):
        r = fm.paired_bootstrap(metric, y, proba, other_p, cluster=cluster, n_resamples=500,
                                method="percentile")
        assert r.difference.resampling == "poisson clusters"
        assert r.difference.low < r.difference.estimate < r.difference.high
    t = fm.permutation_test(fm.accuracy_score, y, pred, other, cluster=cluster,
                            n_resamples=500)
    assert t.details["n_clusters"] == 60 and 0 < t.pvalue <= 1
    t2 = fm.permutation_test(fm.log_loss, y, proba, other_p, cluster=cluster, n_resamples=200)
    assert t2.details["n_clusters"] == 60

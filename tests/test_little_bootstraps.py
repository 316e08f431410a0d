"""The bag of little bootstraps (``method="blb"``): its draws, its walk, its results.

Each little resample is checked against its definition: the subset's rows
weighed by ``poisson_general(n / b, ...)`` and the metric called on them
(scikit-learn's for the binary walk); the interval against its definition
(the subsets' percentile intervals of the deviations, averaged). Coverage by
simulation is in ``tests/test_row_validity.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

import fastmetrics as fm
from fastmetrics.exceptions import InvalidInputError, InvalidParameterError
from fastmetrics.inference.intervals import bootstrap_interval
from fastmetrics.inference.little_bootstraps import BagOfLittleBootstraps, little_statistic
from fastmetrics.kernels.cpu import little_bootstrap as lb
from fastmetrics.kernels.cpu import resample as rs


def _binary(n=3000, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = y + rng.normal(0, 1.5, n)
    s2 = y + rng.normal(0, 1.8, n)
    if ties:
        s, s2 = np.round(s, 1), np.round(s2, 1)
    return y, s, s2


def _statistic(metric, y, preds, weights=None, cluster=None, **params):
    return little_statistic([metric] * len(preds), y, preds, sample_weight=weights,
                            threshold=None, positive_class=None, data=None, drop_nulls=False,
                            params=params, name=metric.__name__, cluster=cluster)


# ---------------------------------------------------------------------------
# kernels
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("lam", [3.5, 10.0, 63.1, 250.0])
def test_little_weights_are_poisson_general_draws(lam):
    w = lb.little_weights(lam, 2 ** 40 + 7, 5, 3, 4, 9)
    k0, k1 = 7, 2 ** 8
    ref = [[rs.poisson_general(lam, k0, k1, i, 5, 3 + r, rs.STREAM_LITTLE) for i in range(9)]
           for r in range(4)]
    assert (w == np.array(ref)).all()
    # a resample's draws do not depend on its block
    assert (lb.little_weights(lam, 2 ** 40 + 7, 5, 5, 1, 9)[0] == w[2]).all()


def test_little_weights_distribution():
    w = lb.little_weights(40.0, 1, 0, 0, 200, 1000).ravel()
    assert abs(w.mean() - 40.0) < 0.1 and abs(w.var() - 40.0) < 0.6


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 60), st.integers(0, 2 ** 32 - 1), st.booleans(), st.booleans())
def test_weighted_areas_match_sklearn(n, seed, weighted, ties):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = rng.integers(0, 4, n).astype(float) if ties else rng.normal(size=n)
    W = rng.integers(0, 5, (3, n)).astype(float)
    sw = rng.random(n) + 0.1 if weighted else None
    order = np.argsort(-s, kind="stable")
    starts = np.r_[True, s[order][1:] != s[order][:-1]]
    area, pos, neg, ap = lb.weighted_areas(y[order] == 1, starts, W[:, order],
                                           None if sw is None else sw[order])
    for r in range(3):
        w = W[r] * (1.0 if sw is None else sw)
        assert pos[r] == pytest.approx(w[y == 1].sum()) and neg[r] == pytest.approx(
            w[y == 0].sum())
        if pos[r] > 0 and neg[r] > 0:
            assert area[r] / (2 * pos[r] * neg[r]) == pytest.approx(
                skm.roc_auc_score(y, s, sample_weight=w), abs=1e-12)
        if pos[r] > 0:
            assert ap[r] / pos[r] == pytest.approx(
                skm.average_precision_score(y, s, sample_weight=w), abs=1e-12)


# ---------------------------------------------------------------------------
# one little resample is the metric of the weighted subset
# ---------------------------------------------------------------------------

def _resample_by_definition(statistic, config, seed, j, r, m=0):
    """Model m's value in resample r of subset j, by calling the metric."""
    rows, unit_of_row, b = statistic._units(config, j, seed)
    w = lb.little_weights(statistic.n_units / b, seed, j, r, 1, b)[0][unit_of_row]
    metric, kwargs = statistic.calls[m]
    picked = {k: (v[rows] if isinstance(v, np.ndarray) else v) for k, v in kwargs.items()}
    base = picked.pop("sample_weight", None)
    weights = w if base is None else w * base
    keep = weights > 0
    picked = {k: (v[keep] if isinstance(v, np.ndarray) else v) for k, v in picked.items()}
    centre = metric(**{k: (v[rows] if isinstance(v, np.ndarray) else v)
                       for k, v in kwargs.items()})
    return metric(**picked, sample_weight=weights[keep]) - centre


@pytest.mark.parametrize("metric", [fm.roc_auc_score, fm.average_precision_score])
@pytest.mark.parametrize("ties", [False, True])
def test_binary_walk_is_the_metric_of_each_resample(metric, ties):
    y, s, s2 = _binary(ties=ties)
    config = BagOfLittleBootstraps(subsets=3, exponent=0.8)
    statistic = _statistic(metric, y, [s, s2])
    assert statistic.fast == [True, True]
    out = {j: values for j, values, _ in statistic.subset_deviations(config, 30, 11)}
    for j in range(3):
        for r in (0, 4, 9):
            for m in range(2):
                assert out[j][m, r] == pytest.approx(
                    _resample_by_definition(statistic, config, 11, j, r, m), abs=1e-12)


@pytest.mark.parametrize("case", ["log_loss", "weighted_auc", "f1_macro", "clusters"])
def test_called_metric_is_the_metric_of_each_resample(case):
    rng = np.random.default_rng(3)
    n = 2000
    y = rng.integers(0, 3, n)
    p = rng.dirichlet(np.ones(3), n)
    config = BagOfLittleBootstraps(subsets=2, exponent=0.8)
    if case == "log_loss":
        statistic = _statistic(fm.log_loss, y, [p])
    elif case == "weighted_auc":
        yb, s, _ = _binary(n)
        statistic = _statistic(fm.roc_auc_score, yb, [s], weights=rng.random(n) + 0.5)
    elif case == "f1_macro":
        statistic = _statistic(fm.f1_score, y, [p.argmax(axis=1)], average="macro")
    else:
        statistic = _statistic(fm.log_loss, y, [p], cluster=rng.integers(0, 300, n))
        assert statistic.n_units == 300
    out = {j: values for j, values, _ in statistic.subset_deviations(config, 8, 5)}
    for j in range(2):
        for r in (0, 3):
            assert out[j][0, r] == pytest.approx(
                _resample_by_definition(statistic, config, 5, j, r), abs=1e-12)


def test_fast_walk_equals_the_called_metric():
    y, s, s2 = _binary()
    config = BagOfLittleBootstraps(subsets=2)
    fast = _statistic(fm.roc_auc_score, y, [s, s2])
    slow = _statistic(fm.roc_auc_score, y, [s, s2])
    slow.fast = [False, False]
    a = [v for _, v, _ in fast.subset_deviations(config, 20, 2)]
    b = [v for _, v, _ in slow.subset_deviations(config, 20, 2)]
    np.testing.assert_allclose(np.concatenate(a, axis=1), np.concatenate(b, axis=1),
                               rtol=0, atol=1e-12)


def test_clusters_keep_their_rows_together():
    rng = np.random.default_rng(4)
    cluster = np.repeat(np.arange(400), 5)
    y = rng.integers(0, 2, cluster.size)
    s = y + rng.normal(size=cluster.size)
    statistic = _statistic(fm.roc_auc_score, y, [s], cluster=cluster)
    config = BagOfLittleBootstraps(subsets=2)
    rows, unit_of_row, b = statistic._units(config, 0, 9)
    assert rows.size == 5 * b and np.unique(cluster[rows]).size == b
    assert (np.bincount(unit_of_row) == 5).all()


# ---------------------------------------------------------------------------
# results
# ---------------------------------------------------------------------------

def test_interval_is_the_average_of_the_subsets_percentile_intervals():
    y, s, _ = _binary(20_000)
    config = BagOfLittleBootstraps(subsets=4)
    r = fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=400, method=config, seed=3,
                     return_values=True)
    statistic = _statistic(fm.roc_auc_score, y, [s])
    devs = [v[0] for _, v, _ in statistic.subset_deviations(config, 400, 3)]
    bounds = [bootstrap_interval(r.estimate + d, r.estimate, 0.95, "percentile", None)
              for d in devs]
    assert r.low == pytest.approx(np.mean([b[0] for b in bounds]), abs=1e-15)
    assert r.high == pytest.approx(np.mean([b[1] for b in bounds]), abs=1e-15)
    assert r.standard_error == pytest.approx(np.mean([np.std(d, ddof=1) for d in devs]))
    assert r.estimate == fm.roc_auc_score(y, s) == pytest.approx(skm.roc_auc_score(y, s), abs=1e-15)
    assert (r.method, r.resampling, r.n_subsets, r.subset_size) == (
        "blb", "little bootstraps", 4, config.subset_size(20_000))
    np.testing.assert_allclose(r.bootstrap_distribution, r.estimate + np.concatenate(devs))
    assert r.to_dict()["n_subsets"] == 4 and "n_subsets=4" in repr(r)


def test_blb_agrees_with_the_exact_bootstrap_at_scale():
    y, s, _ = _binary(200_000, seed=8)
    exact = fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=2000, method="percentile")
    little = fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=2000, method="blb")
    width = exact.high - exact.low
    assert abs(little.low - exact.low) < 0.15 * width
    assert abs(little.high - exact.high) < 0.15 * width
    assert little.standard_error == pytest.approx(exact.standard_error, rel=0.15)


def test_paired_blb():
    y, s, s2 = _binary(50_000, seed=2)
    r = fm.paired_bootstrap(fm.roc_auc_score, y, s, s2, n_resamples=1000, method="blb")
    assert r.difference.estimate == pytest.approx(
        skm.roc_auc_score(y, s) - skm.roc_auc_score(y, s2), abs=1e-15)
    assert r.difference.low < r.difference.estimate < r.difference.high
    # no subset's resample crosses zero: the p-value is its floor, 1 / (1 + 1000 / 20)
    assert r.difference.method == "blb" and r.pvalue == pytest.approx(1 / 51)
    swapped = fm.paired_bootstrap(fm.roc_auc_score, y, s2, s, n_resamples=1000, method="blb")
    assert swapped.difference.low == pytest.approx(-r.difference.high, abs=1e-12)
    assert swapped.pvalue == pytest.approx(r.pvalue)
    same = fm.paired_bootstrap(fm.roc_auc_score, y, s, s, n_resamples=1000, method="blb")
    assert same.difference.low == same.difference.high == 0.0 and same.pvalue == 1.0


def test_same_seed_same_result_and_clusters_reported():
    y, s, _ = _binary(5000)
    cluster = np.arange(5000) // 10
    a = fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=800, method="blb", cluster=cluster)
    b = fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=800, method="blb", cluster=cluster)
    assert (a.low, a.high) == (b.low, b.high)
    assert a.n_clusters == 500 and a.resampling == "little bootstraps of clusters"
    c = fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=800, method="blb", seed=1)
    assert (c.low, c.high) != (a.low, a.high) and c.n_clusters is None


def test_exponent_one_resamples_the_whole_data():
    y, s, _ = _binary(500)
    r = fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=400, seed=0,
                     method=BagOfLittleBootstraps(subsets=2, exponent=1.0))
    assert r.subset_size == 500


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{"subsets": 1}, {"subsets": 2.5}, {"subsets": True},
                                    {"exponent": 0.5}, {"exponent": 1.2}, {"exponent": "0.7"}])
def test_bad_configuration(kwargs):
    with pytest.raises(InvalidParameterError):
        BagOfLittleBootstraps(**kwargs)


def test_refusals():
    y, s, s2 = _binary(2000)
    with pytest.raises(InvalidParameterError, match="strata"):
        fm.bootstrap(fm.roc_auc_score, y, s, method="blb", strata=y)
    with pytest.raises(InvalidParameterError, match="state"):
        fm.bootstrap(fm.roc_auc_score, state=fm.score_state(y, s), method="blb")
    with pytest.raises(InvalidParameterError, match="stratify"):
        fm.paired_bootstrap(fm.accuracy_score, y, s > 0.5, s2 > 0.5, method="blb",
                            stratify=True)
    with pytest.raises(InvalidParameterError, match="n_resamples.*at least 800"):
        fm.bootstrap(fm.roc_auc_score, y, s, method="blb", n_resamples=500)
    with pytest.raises(InvalidParameterError, match="method"):
        fm.bootstrap(fm.roc_auc_score, y, s, method="little")


def test_a_subset_without_a_class_is_a_clear_error():
    y = np.zeros(10_000, dtype=int)
    y[:3] = 1
    s = np.random.default_rng(0).random(10_000)
    with pytest.raises(InvalidInputError, match="little bootstrap .* undefined"):
        fm.bootstrap(fm.roc_auc_score, y, s, method="blb", n_resamples=1000)


def test_columns_of_a_table_and_positive_class():
    import pyarrow as pa
    y, s, _ = _binary(4000)
    labels = np.where(y == 1, "spam", "ham")
    table = pa.table({"label": labels, "score": s})
    by_name = fm.bootstrap(fm.roc_auc_score, "label", "score", data=table, method="blb",
                           positive_class="spam", n_resamples=800)
    by_array = fm.bootstrap(fm.roc_auc_score, y, s, method="blb", n_resamples=800)
    assert (by_name.low, by_name.high, by_name.estimate) == (
        by_array.low, by_array.high, by_array.estimate)

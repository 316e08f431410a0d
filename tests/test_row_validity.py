"""Coverage of the row bootstrap's intervals and of the cluster bootstrap, by simulation.

Against the true value of the data-generating model:

* multiclass log loss, one-vs-rest and one-vs-one ROC AUC and macro average
  precision (percentile and BCa each) of a K = 3 softmax model;
* the top-label ECE of an overconfident model, with the interval the report
  shows (percentile). The plug-in ECE is biased upward and its resamples
  again: over 500 data sets the percentile interval covered 93.4%, the basic
  one 92.2%, Efron's bias-corrected one 91.6% and the percentile interval
  shifted by the bootstrap's bias estimate 93.8% (1,000 data sets:
  percentile 93.9%); the slow test accepts 92-97% for it, not the 93-97% of
  the others;
* accuracy on clustered rows (150 clusters of 20 rows sharing a hit rate):
  ``cluster=`` covers, the row bootstrap does not;
* a point of :func:`fastmetrics.roc_band` (binormal scores, TPR at FPR 0.2
  in closed form);
* the bag of little bootstraps (``method="blb"``): binary ROC AUC, a paired
  AUC difference and the multiclass log loss.

The true values of the softmax models have no closed form: they are the
metric on 4 x 10^6 rows drawn from the model (Monte Carlo error below 3% of
the standard error of a 1,000-row estimate). The quick tests (a few seconds
each) use 150 data sets and a band of 3.5 binomial standard deviations plus
2 points; the slow ones (``--run-slow``) 1,000 data sets and the issue's
95% +- 2 points.
"""

from __future__ import annotations

import functools
import warnings

import numba
import numpy as np
import pytest

import fastmetrics as fm

from ._simulate import Coverage, binomial_band


@pytest.fixture(autouse=True, scope="module")
def _one_numba_thread():
    """Thousands of small kernel calls: one thread avoids waiting on a busy second core
    (the draws do not depend on the thread count)."""
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


class Softmax:
    """``y ~ Categorical(prior)``; probabilities ``softmax(temperature * (strength * e_y + Z))``."""

    def __init__(self, prior, strength, temperature=1.0):
        self.prior = np.asarray(prior)
        self.strength, self.temperature = strength, temperature

    def sample(self, rng, n):
        k = self.prior.size
        y = rng.choice(k, size=n, p=self.prior)
        logits = self.temperature * (self.strength * np.eye(k)[y] + rng.normal(size=(n, k)))
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        return y, p / p.sum(axis=1, keepdims=True)


MODEL = Softmax((0.5, 0.3, 0.2), strength=1.5)
#: top-label ECE 0.069 with 10 bins. Where the true ECE is within the plug-in's bias
#: (about 0.02 at 1,000 rows and 10 bins), no interval of the plug-in covers: at
#: temperature 1.6 (true ECE 0.013) the basic interval covered 86% of 150 data sets.
OVERCONFIDENT = Softmax((0.5, 0.3, 0.2), strength=1.5, temperature=2.2)


@functools.lru_cache(maxsize=None)
def _truth(name):
    model, metric, params = CASES[name][:3]
    y, p = model.sample(np.random.default_rng(12345), 4_000_000)
    return metric(y, p, **params)


CASES = {
    "log_loss": (MODEL, fm.log_loss, {}, ("percentile", "bca")),
    "ovr_auc": (MODEL, fm.roc_auc_score, {"multi_class": "ovr"}, ("percentile", "bca")),
    "ovo_auc": (MODEL, fm.roc_auc_score, {"multi_class": "ovo"}, ("percentile", "bca")),
    "macro_ap": (MODEL, fm.average_precision_score, {}, ("percentile", "bca")),
    "top_label_ece": (OVERCONFIDENT, fm.expected_calibration_error, {"n_bins": 10},
                      ("percentile",)),
}


def _coverage(name, datasets, n=1000, seed=3):
    model, metric, params, methods = CASES[name]
    truth = _truth(name)
    rng = np.random.default_rng(seed)
    out = {m: Coverage(m, truth) for m in methods}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for d in range(datasets):
            y, p = model.sample(rng, n)
            for m in methods:
                r = fm.bootstrap(metric, y, p, n_resamples=1000, method=m, seed=d, **params)
                out[m].add(r.low, r.high, r.estimate)
    return out


def _check(results, datasets, allowance):
    for c in results.values():
        low, high = binomial_band(0.95, datasets, z=3.5, allowance=allowance)
        assert low <= c.rate <= high, str(c)


@pytest.mark.parametrize("name", list(CASES))
def test_row_bootstrap_coverage_quick(name):
    _check(_coverage(name, 150), 150, allowance=0.02)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_row_bootstrap_coverage_full(name):
    """95% +- 2 points over 1,000 data sets of 1,000 rows (see the closing notes of the
    issue for the measured rates)."""
    results = _coverage(name, 1000)
    low = 0.92 if name == "top_label_ece" else 0.93  # see the module docstring
    for c in results.values():
        print(c)
        assert low <= c.rate <= 0.97, str(c)


# ---------------------------------------------------------------------------
# clustered rows
# ---------------------------------------------------------------------------

def _clustered(rng, n_clusters=150, size=20, mean=0.8, icc=0.1):
    """Each cluster's hit rate ~ Beta with mean ``mean`` and intra-cluster correlation
    ``icc``; the population accuracy is ``mean``."""
    total = 1.0 / icc - 1.0
    rates = rng.beta(mean * total, (1 - mean) * total, n_clusters)
    cluster = np.repeat(np.arange(n_clusters), size)
    y = rng.integers(0, 2, cluster.size)
    correct = rng.random(cluster.size) < rates[cluster]
    return cluster, y, np.where(correct, y, 1 - y)


def _cluster_coverage(datasets, seed=5):
    rng = np.random.default_rng(seed)
    rows, clusters = Coverage("rows", 0.8), Coverage("clusters", 0.8)
    for d in range(datasets):
        cluster, y, pred = _clustered(rng)
        r = fm.bootstrap(fm.accuracy_score, y, pred, n_resamples=2000, method="percentile",
                         seed=d)
        rows.add(r.low, r.high, r.estimate)
        r = fm.bootstrap(fm.accuracy_score, y, pred, cluster=cluster, n_resamples=2000,
                         method="percentile", seed=d)
        clusters.add(r.low, r.high, r.estimate)
    return rows, clusters


def test_cluster_bootstrap_coverage_quick():
    rows, clusters = _cluster_coverage(200)
    low, high = binomial_band(0.95, 200, z=3.5, allowance=0.02)
    assert low <= clusters.rate <= high, str(clusters)
    assert rows.rate < 0.85, str(rows)  # the row bootstrap's intervals are too narrow


@pytest.mark.slow
def test_cluster_bootstrap_coverage_full():
    rows, clusters = _cluster_coverage(2000)
    print(rows, clusters, sep="\n")
    assert 0.93 <= clusters.rate <= 0.97, str(clusters)
    assert rows.rate < 0.85, str(rows)


# ---------------------------------------------------------------------------
# a point of a ROC band
# ---------------------------------------------------------------------------

def _band_coverage(datasets, n=1000, fpr=0.2, delta=1.0, seed=7):
    """Binormal scores (negatives N(0, 1), positives N(delta, 1)): the true TPR at FPR x
    is Phi(delta - Phi^-1(1 - x))."""
    from scipy.stats import norm
    truth = float(norm.cdf(delta - norm.ppf(1 - fpr)))
    rng = np.random.default_rng(seed)
    out = Coverage("percentile", truth)
    for d in range(datasets):
        y = (rng.random(n) < 0.4).astype(int)
        s = rng.normal(size=n) + delta * y
        band = fm.roc_band(y, s, fpr=[fpr], n_resamples=1000, seed=d)
        out.add(band.low[0], band.high[0], band.curve[0])
    return out


def test_roc_band_point_coverage_quick():
    c = _band_coverage(150)
    low, high = binomial_band(0.95, 150, z=3.5, allowance=0.02)
    assert low <= c.rate <= high, str(c)


@pytest.mark.slow
def test_roc_band_point_coverage_full():
    c = _band_coverage(1000)
    print(c)
    assert 0.93 <= c.rate <= 0.97, str(c)


# ---------------------------------------------------------------------------
# the bag of little bootstraps (method="blb")
# ---------------------------------------------------------------------------

LITTLE = fm.BagOfLittleBootstraps(subsets=10)


def _little_coverage(datasets, n_resamples=1000, seed=9):
    """BLB percentile intervals (10 subsets) of the binary ROC AUC
    (binormal, 20,000 rows), the paired AUC difference (correlated binormal scorers) and
    the multiclass log loss of ``MODEL`` (5,000 rows: the called-metric path)."""
    from ._simulate import BinormalScores, PairedScores
    single, paired = BinormalScores(0.4, 1.0), PairedScores(0.4, 1.0, 0.8, rho=0.5)
    rng = np.random.default_rng(seed)
    out = {"auc": Coverage("blb auc", single.auc),
           "paired": Coverage("blb paired auc", paired.auc_a - paired.auc_b),
           "log_loss": Coverage("blb log loss", _truth("log_loss"))}
    for d in range(datasets):
        y, s = single.sample(rng, 20_000)
        r = fm.bootstrap(fm.roc_auc_score, y, s, n_resamples=n_resamples, method=LITTLE,
                         seed=d)
        out["auc"].add(r.low, r.high, r.estimate)
        y, a, b = paired.sample(rng, 20_000)
        r = fm.paired_bootstrap(fm.roc_auc_score, y, a, b, n_resamples=n_resamples,
                                method=LITTLE, seed=d).difference
        out["paired"].add(r.low, r.high, r.estimate)
        y, p = MODEL.sample(rng, 5000)
        r = fm.bootstrap(fm.log_loss, y, p, n_resamples=n_resamples, method=LITTLE, seed=d)
        out["log_loss"].add(r.low, r.high, r.estimate)
    return out


def test_little_bootstrap_coverage_quick():
    _check(_little_coverage(100, n_resamples=600), 100, allowance=0.02)


@pytest.mark.slow
def test_little_bootstrap_coverage_full():
    for c in _little_coverage(1000).values():
        print(c)
        assert 0.93 <= c.rate <= 0.97, str(c)

"""Statistical validity of the bootstrap: coverage, type-I error, power, agreement with scipy.

Data sets are simulated from models whose population metrics are known in
closed form (``tests/_simulate.py``): binary labels with class-wise hit rates
(accuracy, F1), a 3-class confusion model (macro F1) and binormal scores (ROC
AUC = Phi(delta / sqrt 2)). We then count

* how often a 95% interval (percentile and BCa) covers the population value;
* how often the paired bootstrap and the permutation test reject a true null
  (two models with the same population accuracy or AUC) at alpha = 0.05, and
  how often they reject a real difference;

and compare the intervals with :func:`scipy.stats.bootstrap` on the same data.

Two versions of the simulations:

* the quick one (regular suite, a few seconds): a few hundred data sets and a
  tolerance derived from the binomial Monte Carlo error (see
  :func:`_quick_band`), wide enough that a correct method passes, narrow
  enough that a broken one (an interval of the wrong width or shifted, a
  p-value not centred on the null) fails;
* the full one (``@pytest.mark.slow``, minutes; skipped unless ``pytest --run-slow``):
  2,000 data sets per case, and the issue's tolerance of 95% +- 1.5 points
  for coverage and 5% +- 1.5 points for the rejection rate (the Monte Carlo
  standard deviation of a rate near 95% over 2,000 data sets is 0.49 points,
  so a correct method is 3 standard deviations inside).

Everything is seeded (numpy Generators and the bootstrap's ``seed=``), so each
run draws the same data and resamples.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtr

import fastmetrics as fm

from ._simulate import (BinaryLabels, BinormalScores, MulticlassLabels, PairedLabels,
                        PairedScores, binomial_band, coverage, rejection_rate)

bootstrap, paired_bootstrap, permutation_test = (
    fm.bootstrap, fm.paired_bootstrap, fm.permutation_test)


@pytest.fixture(autouse=True, scope="module")
def _one_numba_thread():
    """Run the resampling kernels on one thread while these tests run.

    The draws are keyed by (seed, resample, cell/row), so results do not
    depend on the thread count; but these tests make thousands of small
    kernel calls, and on a busy 2-core machine each parallel region waits for
    a descheduled thread (tens of ms a call, against 1-10 ms on one thread).
    """
    before = numba.get_num_threads()
    numba.set_num_threads(1)
    yield
    numba.set_num_threads(before)


# ---------------------------------------------------------------------------
# the models
# ---------------------------------------------------------------------------

#: Imbalanced binary labels, the classifier better on negatives: accuracy 0.84,
#: F1 = 2 * 0.21 / (2 * 0.21 + 0.07 + 0.09) = 0.7241...
BINARY = BinaryLabels(pi=0.3, tpr=0.7, tnr=0.9)
#: Three classes, unequal priors and errors.
MULTICLASS = MulticlassLabels(prior=(0.5, 0.3, 0.2),
                              confusion=((0.80, 0.15, 0.05),
                                         (0.20, 0.70, 0.10),
                                         (0.10, 0.20, 0.70)))
#: Binormal scores: AUC = Phi(1 / sqrt 2) = 0.7602...
SCORES = BinormalScores(pi=0.3, delta=1.0)

COVERAGE_CASES = {
    "accuracy": (fm.accuracy_score, BINARY, BINARY.accuracy, {}),
    "f1": (fm.f1_score, BINARY, BINARY.f1, {}),
    "macro_f1": (fm.f1_score, MULTICLASS, MULTICLASS.macro_f1, {"average": "macro"}),
    "roc_auc": (fm.roc_auc_score, SCORES, SCORES.auc, {}),
}


def test_population_values_of_the_models():
    """The closed forms agree with the empirical metrics of a very large sample."""
    rng = np.random.default_rng(0)
    n = 2_000_000
    y, pred = BINARY.sample(rng, n)
    assert BINARY.accuracy == pytest.approx(0.84)
    assert BINARY.f1 == pytest.approx(0.42 / 0.58)
    assert fm.accuracy_score(y, pred) == pytest.approx(BINARY.accuracy, abs=2e-3)
    assert fm.f1_score(y, pred) == pytest.approx(BINARY.f1, abs=2e-3)
    assert fm.precision_score(y, pred) == pytest.approx(BINARY.precision, abs=2e-3)
    assert fm.recall_score(y, pred) == pytest.approx(BINARY.recall, abs=2e-3)
    y, pred = MULTICLASS.sample(rng, n)
    assert fm.f1_score(y, pred, average="macro") == pytest.approx(MULTICLASS.macro_f1,
                                                                  abs=2e-3)
    assert fm.accuracy_score(y, pred) == pytest.approx(MULTICLASS.accuracy, abs=2e-3)
    y, score = SCORES.sample(rng, n)
    assert SCORES.auc == pytest.approx(0.76025, abs=1e-5)
    assert fm.roc_auc_score(y, score) == pytest.approx(SCORES.auc, abs=2e-3)
    model = PairedScores(pi=0.4, delta_a=1.0, delta_b=1.3, rho=0.5)
    y, a, b = model.sample(rng, n)
    assert fm.roc_auc_score(y, a) == pytest.approx(model.auc_a, abs=2e-3)
    assert fm.roc_auc_score(y, b) == pytest.approx(model.auc_b, abs=2e-3)
    model = PairedLabels(pi=0.4, qa=0.8, qb=0.8, shared=0.6)
    y, a, b = model.sample(rng, n)
    assert fm.accuracy_score(y, a) == pytest.approx(0.8, abs=2e-3)
    assert fm.accuracy_score(y, b) == pytest.approx(0.8, abs=2e-3)
    # shared errors: P(both right) = 0.6 * 0.8 + 0.4 * 0.8^2
    assert np.mean((a == y) & (b == y)) == pytest.approx(0.736, abs=2e-3)


# ---------------------------------------------------------------------------
# coverage of 95% intervals
# ---------------------------------------------------------------------------

def _quick_band(rate: float, datasets: int) -> tuple[float, float]:
    """Acceptance band of a simulated rate in the quick tests.

    3.5 binomial standard deviations (a correct method falls outside with
    probability ~5e-4) plus 1 point for finite-sample error of the bootstrap
    itself (n = 500 rows). For coverage at D = 400: sd 1.09 points, band
    95% +- 4.8 points = [90.2%, 99.8%]. An interval of half the right width
    covers 2 Phi(1.96 / 2) - 1 = 67%, one 30% too narrow 2 Phi(1.37) - 1 =
    83%: both far outside. Too wide intervals are caught by the width check
    of :func:`_check_quick_coverage`.
    """
    return binomial_band(rate, datasets, z=3.5, allowance=0.01)


def _check_quick_coverage(results, datasets):
    for c in results.values():
        low, high = _quick_band(0.95, datasets)
        assert low <= c.rate <= high, str(c)
        # Each tail misses about 2.5%: a shifted interval (e.g. basic for
        # percentile on a skewed statistic, a wrong bias correction) piles
        # its misses on one side.
        tail_high = binomial_band(0.025, datasets, z=3.5, allowance=0.01)[1]
        assert c.below / c.n <= tail_high and c.above / c.n <= tail_high, str(c)
        # The width against the spread of the estimates over the data sets:
        # 2 * 1.96 * sd. The sd of the sd over D = 400 data sets is ~3.5%, so
        # +-15% leaves room; an interval twice too wide (coverage 99.99%,
        # which the band above could miss) fails here.
        ratio = c.mean_width / (2 * 1.959964 * c.estimates_sd)
        assert 0.85 <= ratio <= 1.15, f"{c}; width / (2 z sd) = {ratio:.3f}"


@pytest.mark.parametrize("case", list(COVERAGE_CASES))
def test_coverage_quick(case):
    metric, model, truth, params = COVERAGE_CASES[case]
    datasets = 400
    n, seed = 500, 11
    res = coverage(bootstrap, metric, model, truth, n=n, datasets=datasets,
                   n_resamples=1000, seed=seed, **params)
    _check_quick_coverage(res, datasets)


class _Broken:
    """``bootstrap`` with its interval spoiled: the quick checks must catch it."""

    def __init__(self, how):
        self.how = how

    def __call__(self, *args, **kwargs):
        r = bootstrap(*args, **kwargs)
        mid, half, se = (r.low + r.high) / 2, (r.high - r.low) / 2, r.standard_error
        low, high = {"half_width": (mid - half / 2, mid + half / 2),
                     "double_width": (mid - 2 * half, mid + 2 * half),
                     "shifted": (r.low + 0.75 * se, r.high + 0.75 * se)}[self.how]
        return type("R", (), {"low": low, "high": high, "estimate": r.estimate})()


@pytest.mark.parametrize("how", ["half_width", "double_width", "shifted"])
def test_quick_coverage_check_catches_broken_intervals(how):
    """Half width (coverage ~67%), double width (~99.99%, caught by the width
    check) and a shift by 0.75 se (coverage ~89%, 11% misses on one side)."""
    datasets = 400
    res = coverage(_Broken(how), fm.accuracy_score, BINARY, BINARY.accuracy, n=500,
                   datasets=datasets, methods=("percentile",), n_resamples=1000, seed=11)
    with pytest.raises(AssertionError):
        _check_quick_coverage(res, datasets)


@pytest.mark.slow
@pytest.mark.parametrize("case", list(COVERAGE_CASES))
def test_coverage_full(case):
    """The issue's criterion: 95% +- 1.5 points over 2,000 data sets of 1,000 rows.

    Measured (percentile / BCa): accuracy 94.85% / 94.70%, F1 93.75% /
    93.85%, macro F1 95.20% / 95.00%, ROC AUC 95.35% / 95.50%. F1's data sets
    happen to be unkind: a plain numpy multinomial percentile bootstrap on the
    same 2,000 data sets covers 93.8%, and 94.5-95.2% (mean 94.9%) on six other
    draws of 2,000.
    """
    metric, model, truth, params = COVERAGE_CASES[case]
    res = coverage(bootstrap, metric, model, truth, n=1000, datasets=2000,
                   n_resamples=2000, seed=12, **params)
    for c in res.values():
        print(f"{case} {c}")
    for c in res.values():
        assert abs(c.rate - 0.95) <= 0.015, f"{case} {c}"


# ---------------------------------------------------------------------------
# type-I error and power of the paired tests
# ---------------------------------------------------------------------------

#: Two models with the same population accuracy (0.8): independent errors, and
#: errors shared on 60% of the rows (the usual case: models fail on the same
#: hard rows).
NULL_LABELS = {
    "independent": PairedLabels(pi=0.4, qa=0.8, qb=0.8, shared=0.0),
    "shared": PairedLabels(pi=0.4, qa=0.8, qb=0.8, shared=0.6),
}
#: Two scorers with the same population AUC (0.760), correlated noise.
NULL_SCORES = PairedScores(pi=0.4, delta_a=1.0, delta_b=1.0, rho=0.5)

#: Rows per data set for the accuracy nulls. Accuracy differences are
#: discrete, and both tests count resamples as extreme as the observed one
#: (ties included), so they are conservative: the permutation test of accuracy
#: is McNemar's exact test (B -> infinity), whose size at alpha = 0.05 is, by
#: exact summation over the binomial null, 4.39% (independent errors) and
#: 4.06% (shared) at n = 1000, but 4.80% and 4.68% at n = 10,000. Table
#: resampling costs the same for any n, so we take n = 10,000, where "about
#: 5%" is the right target.
NULL_ROWS_ACCURACY = 10_000

TESTS = {"paired_bootstrap": lambda: paired_bootstrap,
         "permutation": lambda: permutation_test}


def _accuracy_power(model: PairedLabels, n: int, alpha: float = 0.05) -> float:
    """Power of a two-sided z-test of the accuracy difference (independent errors)."""
    var = model.qa * (1 - model.qa) + model.qb * (1 - model.qb)
    z = abs(model.qa - model.qb) / math.sqrt(var / n)
    crit = float(stats.norm.ppf(1 - alpha / 2))
    return float(ndtr(z - crit) + ndtr(-z - crit))


def _check_null_rates(pvalues, datasets, name):
    """Rejection rates at alpha = 0.05, 0.1 and 0.2 within the quick band.

    At D = 400 and alpha = 0.05: sd 1.09 points, band [0.2%, 9.8%]. A p-value
    that is not centred on the null (e.g. counting |d*| >= |d| instead of
    |d* - d| >= |d|) is between ~0.5 and 1 on almost every data set and
    rejects nothing; one from a too-narrow null distribution rejects far more
    than 10%. The three levels together check that the p-values are roughly
    uniform.
    """
    for alpha in (0.05, 0.1, 0.2):
        rate = float(np.mean(pvalues <= alpha))
        low, high = binomial_band(alpha, datasets, z=3.5, allowance=0.01)
        assert low <= rate <= high, f"{name}: rejection rate {rate:.4f} at alpha={alpha}"


@pytest.mark.parametrize("test", list(TESTS))
@pytest.mark.parametrize("errors", list(NULL_LABELS))
def test_type_one_error_accuracy_quick(test, errors):
    datasets = 400
    _, pvalues = rejection_rate(TESTS[test](), fm.accuracy_score, NULL_LABELS[errors],
                                n=NULL_ROWS_ACCURACY, datasets=datasets, n_resamples=1000,
                                seed=21)
    _check_null_rates(pvalues, datasets, f"{test} accuracy {errors}")


def test_quick_null_check_catches_an_uncentred_pvalue():
    """A bootstrap p-value that forgets to shift the resampled differences to the
    null (counting |d*| >= |d|) is ~0.5 or more on every data set: caught."""

    def uncentred(metric, y, a, b, **kwargs):
        r = paired_bootstrap(metric, y, a, b, return_values=True, method="percentile",
                             **kwargs)
        d, values = r.difference.estimate, r.difference.bootstrap_distribution
        p = (1 + np.count_nonzero(np.abs(values) >= abs(d))) / (1 + values.size)
        return type("T", (), {"pvalue": p})()

    datasets = 400
    _, pvalues = rejection_rate(uncentred, fm.accuracy_score, NULL_LABELS["shared"],
                                n=NULL_ROWS_ACCURACY, datasets=datasets, n_resamples=1000,
                                seed=21)
    with pytest.raises(AssertionError):
        _check_null_rates(pvalues, datasets, "uncentred")


#: (data sets, resamples) of the quick AUC runs. The permutation test of ROC AUC
#: re-ranks the rows for every permutation (about 0.3 ms per permutation of 300
#: rows, against ~2 us per resample for the paired bootstrap's one-pass kernel),
#: so it gets fewer of both; the band at D = 100 is [0%, 13.6%] at alpha = 0.05,
#: still far from a p-value stuck near 0 or 1.
AUC_QUICK = {"paired_bootstrap": (200, 1000), "permutation": (100, 200)}


@pytest.mark.parametrize("test", list(TESTS))
def test_type_one_error_auc_quick(test):
    datasets, n_resamples = AUC_QUICK[test]
    _, pvalues = rejection_rate(TESTS[test](), fm.roc_auc_score, NULL_SCORES, n=300,
                                datasets=datasets, n_resamples=n_resamples, seed=22)
    _check_null_rates(pvalues, datasets, f"{test} roc_auc")


@pytest.mark.parametrize("test", list(TESTS))
def test_power_quick(test):
    """A real difference is found about as often as a z-test predicts."""
    # accuracy 0.85 vs 0.80, n = 1000, independent errors: power 0.84
    model = PairedLabels(pi=0.4, qa=0.85, qb=0.80)
    datasets = 200
    two_sided, _ = rejection_rate(TESTS[test](), fm.accuracy_score, model, n=1000,
                                  datasets=datasets, n_resamples=1000, seed=23)
    expected = _accuracy_power(model, 1000)
    low, high = binomial_band(expected, datasets, z=3.5, allowance=0.03)
    assert low <= two_sided <= high, (f"{test}: power {two_sided:.3f}, z-test predicts "
                                      f"{expected:.3f}")
    # AUC 0.856 vs 0.760 with correlated noise, n = 500: found nearly always
    model = PairedScores(pi=0.4, delta_a=1.5, delta_b=1.0, rho=0.5)
    rate, _ = rejection_rate(TESTS[test](), fm.roc_auc_score, model, n=500, datasets=30,
                             n_resamples=100, seed=24)
    assert rate >= 0.8, f"{test}: power {rate:.3f} for an AUC difference of 0.096"
    # the one-sided alternative in the right direction is more powerful
    model = PairedLabels(pi=0.4, qa=0.85, qb=0.80)
    greater, _ = rejection_rate(TESTS[test](), fm.accuracy_score, model, n=1000,
                                datasets=datasets, n_resamples=1000, seed=23,
                                alternative="greater")
    less, _ = rejection_rate(TESTS[test](), fm.accuracy_score, model, n=1000,
                             datasets=datasets, n_resamples=1000, seed=23,
                             alternative="less")
    assert greater >= two_sided and greater > 0.8 and less <= 0.01


NULL_CASES = {
    "accuracy_independent": (fm.accuracy_score, NULL_LABELS["independent"],
                             NULL_ROWS_ACCURACY),
    "accuracy_shared": (fm.accuracy_score, NULL_LABELS["shared"], NULL_ROWS_ACCURACY),
    "roc_auc": (fm.roc_auc_score, NULL_SCORES, 500),
}


@pytest.mark.slow
@pytest.mark.parametrize("test", list(TESTS))
@pytest.mark.parametrize("case", list(NULL_CASES))
def test_type_one_error_full(test, case):
    """Rejection rate of a true null at alpha = 0.05: 5% +- 1.5 points over 2,000 data sets.

    Measured (paired bootstrap / permutation): accuracy, independent errors
    5.65% / 5.35%; shared errors 4.35% / 4.20%; ROC AUC 5.05% / 5.35%.
    """
    metric, model, n = NULL_CASES[case]
    # the AUC permutation test re-ranks rows per permutation: 500 keep it to minutes
    n_resamples = 500 if (test, case) == ("permutation", "roc_auc") else 1000
    rate, pvalues = rejection_rate(TESTS[test](), metric, model, n=n, datasets=2000,
                                   n_resamples=n_resamples, seed=31)
    print(f"{test} {case}: rejection rate {rate:.4f} at 0.05, "
          f"{np.mean(pvalues <= 0.1):.4f} at 0.1, {np.mean(pvalues <= 0.2):.4f} at 0.2")
    assert abs(rate - 0.05) <= 0.015, f"{test} {case}: rejection rate {rate:.4f}"


# ---------------------------------------------------------------------------
# agreement with scipy.stats.bootstrap
# ---------------------------------------------------------------------------

def _accuracy_rows(y, p, axis=-1):
    return np.mean(y == p, axis=axis)


def _f1_rows(y, p, axis=-1):
    tp = np.sum((y == 1) & (p == 1), axis=axis)
    wrong = np.sum(y != p, axis=axis)
    return 2 * tp / (2 * tp + wrong)


def _precision_rows(y, p, axis=-1):
    tp = np.sum((y == 1) & (p == 1), axis=axis)
    return tp / np.sum(p == 1, axis=axis)


SKEWED = BinaryLabels(pi=0.05, tpr=0.8, tnr=0.99)

SCIPY_CASES = {
    # a moderate data set (n = 2000), where BCa and percentile nearly coincide
    "accuracy": (fm.accuracy_score, _accuracy_rows, BINARY, 2000, 5000),
    "f1": (fm.f1_score, _f1_rows, BINARY, 2000, 5000),
    # a skewed one: 5% positives, ~30 rows predicted positive out of 600
    "precision_skewed": (fm.precision_score, _precision_rows, SKEWED, 600, 20000),
    "f1_skewed": (fm.f1_score, _f1_rows, SKEWED, 600, 20000),
}

#: ``B * Var(quantile) / se^2`` of a bootstrap bound at the 2.5% / 97.5% level:
#: ``q (1 - q) / phi(z_q)^2`` (7.15) for a normal bootstrap distribution. BCa
#: adds the Monte Carlo error of its bias correction z0 (var ~ pi / (2 B) in z
#: units, moving a bound by about twice that: ~6.3 / B), and on the skewed
#: data its bounds sit where the distribution is thinner: we triple it (over 6
#: seeds per case, the largest |ours - scipy| was 0.74 of the tolerance, for
#: BCa of the skewed precision; 0.2-0.47 elsewhere).
_QUANTILE_VAR = {"percentile": 0.025 * 0.975 / float(stats.norm.pdf(1.959964)) ** 2}
_QUANTILE_VAR["bca"] = 3 * _QUANTILE_VAR["percentile"]


@pytest.mark.parametrize("method", ["percentile", "bca"])
@pytest.mark.parametrize("case", list(SCIPY_CASES))
def test_intervals_agree_with_scipy(case, method):
    """Bounds and standard error agree with scipy.stats.bootstrap within Monte Carlo error.

    Both resample rows with replacement (fastmetrics by redrawing the count
    table, which has the same distribution). The tolerance is 4 standard
    deviations of the difference of two independent quantile estimates,
    ``se * sqrt(c / B_scipy + c / B_ours)``, plus one grid step ``1 / n``
    (accuracy's resampled values lie on a grid of step 1 / n, and a quantile
    can snap to the neighbouring grid point). Measured over 8 seeds at
    n = 2000: the bounds' sd is 0.02-0.07 se for scipy (B = 5000) and
    0.01-0.04 se for fastmetrics (B = 20000), and the mean bounds differ by
    0.02 se at most; the tolerance is 0.23 se (percentile) and 0.35 se (BCa)
    for accuracy at n = 2000, so a 90% interval passed off as a 95% one
    (bounds 0.32 se too close) fails the percentile case.
    """
    metric, rows_statistic, model, n, b_scipy = SCIPY_CASES[case]
    b_ours = 20000
    y, p = model.sample(np.random.default_rng(41), n)
    ref = stats.bootstrap((y, p), rows_statistic, paired=True, vectorized=True,
                          n_resamples=b_scipy, batch=1000, confidence_level=0.95,
                          method="BCa" if method == "bca" else "percentile",
                          random_state=np.random.default_rng(42))
    ours = bootstrap(metric, y, p, n_resamples=b_ours, method=method, seed=43)
    assert ours.estimate == pytest.approx(rows_statistic(y, p), abs=1e-12)
    se = ref.standard_error
    tol = 4 * se * math.sqrt(_QUANTILE_VAR[method] * (1 / b_scipy + 1 / b_ours)) + 1 / n
    assert ours.low == pytest.approx(ref.confidence_interval.low, abs=tol)
    assert ours.high == pytest.approx(ref.confidence_interval.high, abs=tol)
    # sd of a standard error from B resamples: se / sqrt(2 B)
    assert ours.standard_error == pytest.approx(
        se, rel=4 * math.sqrt(1 / (2 * b_scipy) + 1 / (2 * b_ours)) + 0.01)


@pytest.mark.parametrize("case", ["precision_skewed", "f1_skewed"])
def test_bca_correction_matches_scipy_on_a_skewed_case(case):
    """Where BCa moves the bounds well beyond the Monte Carlo error, it moves them
    as scipy does: the shift BCa - percentile agrees in sign and size.

    Precision of ~30 predicted positives is skewed: BCa lowers its bounds by
    ~0.44 and ~0.28 se (F1: ~0.28 and ~0.12 se). Each shift is taken on one set
    of resamples, so part of the quantile noise cancels; over 8 seeds at
    B = 40000 the shifts' sd is 0.017-0.036 se, for scipy and for us alike,
    and the mean shifts agree within 0.02 se. 0.15 se is 3 sd of the
    difference of two runs; a BCa that applied no correction (shift 0) fails
    the precision case.
    """
    metric, rows_statistic, model, n, _ = SCIPY_CASES[case]
    y, p = model.sample(np.random.default_rng(41), n)
    shifts = {}
    for who in ("ours", "scipy"):
        bounds = {}
        for method in ("percentile", "bca"):
            if who == "scipy":
                ref = stats.bootstrap((y, p), rows_statistic, paired=True, vectorized=True,
                                      n_resamples=40000, batch=4000,
                                      method="BCa" if method == "bca" else "percentile",
                                      random_state=np.random.default_rng(44))
                bounds[method] = (ref.confidence_interval.low, ref.confidence_interval.high)
            else:
                r = bootstrap(metric, y, p, n_resamples=40000, method=method, seed=45)
                bounds[method] = (r.low, r.high)
                se = r.standard_error  # ours come first
        shifts[who] = np.subtract(bounds["bca"], bounds["percentile"]) / se
    assert shifts["scipy"][0] < -0.15  # BCa lowers the lower bound here
    assert shifts["ours"] == pytest.approx(shifts["scipy"], abs=0.15), shifts


# ---------------------------------------------------------------------------
# stratified resampling
# ---------------------------------------------------------------------------

def _positives(state) -> float:
    """Rows of true class 1 in a state (a function of the class totals only)."""
    classes = list(state.classes)
    if 1 not in classes:
        return 0.0
    return float(state.counts.sum(axis=(0, 2))[classes.index(1)])


def test_stratified_resamples_keep_class_counts():
    y, p = BINARY.sample(np.random.default_rng(51), 1000)
    state = fm.confusion_state(y, p)
    n_pos = float(np.sum(y == 1))
    fixed = bootstrap(_positives, state=state, stratify=True, n_resamples=2000,
                      method="percentile", return_values=True)
    assert fixed.resampling == "stratified multinomial"
    assert np.all(fixed.bootstrap_distribution == n_pos)
    assert fixed.standard_error == 0.0 and fixed.low == fixed.high == n_pos
    free = bootstrap(_positives, state=state, n_resamples=2000, method="percentile",
                     return_values=True)
    assert free.resampling == "multinomial"
    # unstratified: Binomial(n, n_pos / n) positives per resample
    sd = math.sqrt(n_pos * (1 - n_pos / 1000))
    assert free.standard_error == pytest.approx(sd, rel=0.1)
    mc = 4 * sd / math.sqrt(2000)
    assert free.bootstrap_distribution.mean() == pytest.approx(n_pos, abs=mc)


def test_stratified_standard_errors_are_the_exact_bootstrap_ones():
    """The bootstrap variance of accuracy and recall is known exactly given the data.

    Unstratified, the resampled accuracy is Binomial(n, acc) / n: variance
    acc (1 - acc) / n. Stratified by class, the hits of class k are
    Binomial(n_k, r_k): variance sum_k n_k r_k (1 - r_k) / n^2, smaller by
    ~pi (1 - pi) (tpr - tnr)^2 / n. Recall, stratified, is Binomial(n_1, r_1) / n_1.
    The SE from B resamples has relative sd ~1 / sqrt(2 B) = 0.5% at B = 20000.
    """
    n, b = 2000, 20000
    y, p = BINARY.sample(np.random.default_rng(52), n)
    acc = float(np.mean(y == p))
    counts = np.array([np.sum(y == k) for k in (0, 1)])
    rates = np.array([np.mean(p[y == k] == k) for k in (0, 1)])
    se_free = math.sqrt(acc * (1 - acc) / n)
    se_strat = math.sqrt(np.sum(counts * rates * (1 - rates))) / n
    free = bootstrap(fm.accuracy_score, y, p, n_resamples=b, method="percentile", seed=1,
                     return_values=True)
    strat = bootstrap(fm.accuracy_score, y, p, n_resamples=b, method="percentile", seed=1,
                      stratify=True, return_values=True)
    assert free.standard_error == pytest.approx(se_free, rel=0.03)
    assert strat.standard_error == pytest.approx(se_strat, rel=0.03)
    assert strat.standard_error < free.standard_error
    # the resampled accuracies have the data's accuracy as their mean
    for r, se in ((free, se_free), (strat, se_strat)):
        assert r.bootstrap_distribution.mean() == pytest.approx(acc, abs=4 * se / math.sqrt(b))
    recall = bootstrap(fm.recall_score, y, p, n_resamples=b, method="percentile", seed=2,
                       stratify=True)
    se_recall = math.sqrt(rates[1] * (1 - rates[1]) / counts[1])
    assert recall.standard_error == pytest.approx(se_recall, rel=0.03)


def test_auc_standard_error_matches_delong():
    """The Poisson bootstrap SE of the ROC AUC agrees with DeLong's (asymptotically equal)."""
    y, s = SCORES.sample(np.random.default_rng(53), 3000)
    r = bootstrap(fm.roc_auc_score, y, s, n_resamples=10000, method="percentile", seed=3)
    auc, var = fm.inference.delong_roc_variance(y, s)
    assert r.estimate == pytest.approx(auc, abs=1e-12)
    assert r.standard_error == pytest.approx(math.sqrt(var), rel=0.05)

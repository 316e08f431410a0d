"""Shift statistics: scipy's two-sample KS statistic and asymptotic p-value exactly, the
PSI against its definition with numpy's quantiles, and both from merged chunk states."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import fastmetrics as fm
from fastmetrics.exceptions import InvalidInputError, InvalidParameterError
from fastmetrics.inference import ks_2samp_test, population_stability_index, shift_state


def _samples(seed, n=3000, m=2000, shift=0.1, ties=False):
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(shift, 1.1, m)
    if ties:
        a, b = np.round(a, 1), np.round(b, 1)
    return a, b


@pytest.mark.parametrize("alternative", ["two-sided", "less", "greater"])
@pytest.mark.parametrize("ties", [False, True])
def test_ks_equals_scipy(alternative, ties):
    a, b = _samples(1, ties=ties)
    ours = ks_2samp_test(a, b, alternative=alternative)
    theirs = stats.ks_2samp(a, b, alternative=alternative, method="asymp")
    assert ours.statistic == theirs.statistic
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-12, abs=1e-300)
    assert ours.details["location"] == theirs.statistic_location
    assert ours.details["sign"] == theirs.statistic_sign


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-5, 5), min_size=1, max_size=40),
       st.lists(st.integers(-5, 5), min_size=1, max_size=40))
def test_ks_statistic_equals_scipy_on_small_tied_samples(a, b):
    a, b = np.array(a, dtype=float), np.array(b, dtype=float)
    ours = ks_2samp_test(a, b)
    with np.errstate(divide="ignore", invalid="ignore"):
        theirs = stats.ks_2samp(a, b, method="asymp")
    assert ours.statistic == pytest.approx(theirs.statistic, abs=1e-15)
    # NaN for both where m n / (m + n) rounds to 0 (one row each): no asymptotic answer
    assert ours.pvalue == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-15, nan_ok=True)


def _psi_by_definition(a, b, bins, eps=1e-4):
    cuts = np.quantile(a, np.arange(1, bins) / bins, method="inverted_cdf")
    r = np.bincount(np.searchsorted(cuts, a, side="right"), minlength=bins) / a.size
    c = np.bincount(np.searchsorted(cuts, b, side="right"), minlength=bins) / b.size
    r, c = np.maximum(r, eps), np.maximum(c, eps)
    return float(np.sum((c - r) * np.log(c / r)))


@pytest.mark.parametrize("bins", [1, 4, 10, 37])
@pytest.mark.parametrize("ties", [False, True])
def test_psi_by_definition(bins, ties):
    a, b = _samples(2, shift=0.3, ties=ties)
    assert population_stability_index(a, b, bins=bins) == pytest.approx(
        _psi_by_definition(a, b, bins), rel=1e-12, abs=1e-15)


def test_identical_samples_and_out_of_range_values():
    a, _ = _samples(3)
    assert population_stability_index(a, a) == 0.0
    assert ks_2samp_test(a, a).statistic == 0.0
    far = a + 100.0  # every current value above the reference's range: the open last bin
    assert population_stability_index(a, far) == pytest.approx(_psi_by_definition(a, far, 10))
    assert ks_2samp_test(a, far).statistic == 1.0


def test_merged_chunk_states_give_the_whole_answer():
    a, b = _samples(4, ties=True)
    whole = shift_state(a, b)
    parts = [shift_state(a[i::3], b[i::3]) for i in range(3)]
    merged = parts[0].merge(parts[1]).merge(parts[2])
    assert ks_2samp_test(state=merged).statistic == ks_2samp_test(state=whole).statistic
    assert population_stability_index(state=merged) == population_stability_index(a, b)
    # one chunk may hold only one sample
    only_ref = fm.score_state(np.zeros(a.size, dtype=np.int8), a)
    only_cur = fm.score_state(np.ones(b.size, dtype=np.int8), b)
    assert ks_2samp_test(state=only_ref.merge(only_cur)).statistic == \
        ks_2samp_test(a, b).statistic


def test_errors():
    a, b = _samples(5)
    with pytest.raises(InvalidInputError, match="reference"):
        ks_2samp_test([], b)
    with pytest.raises(InvalidInputError):
        population_stability_index(a, np.r_[b, np.nan])
    with pytest.raises(InvalidParameterError, match="state"):
        ks_2samp_test(a, b, state=shift_state(a, b))
    with pytest.raises(InvalidParameterError, match="current"):
        ks_2samp_test(a)
    with pytest.raises(InvalidParameterError, match="weighted"):
        ks_2samp_test(state=fm.score_state([0, 1], [0.1, 0.2], sample_weight=[1.0, 2.0]))
    with pytest.raises(InvalidInputError, match="current"):
        ks_2samp_test(state=fm.score_state(np.zeros(3, dtype=int), [0.1, 0.2, 0.3]))
    with pytest.raises(InvalidParameterError, match="bins"):
        population_stability_index(a, b, bins=0)
    with pytest.raises(InvalidParameterError, match="eps"):
        population_stability_index(a, b, eps=0.0)
    with pytest.raises(InvalidParameterError, match="alternative"):
        ks_2samp_test(a, b, alternative="both")


def test_binned_states():
    a, b = _samples(6, shift=0.4)
    edges = np.linspace(-3, 3, 25)
    state = shift_state(a, b, thresholds=edges)
    assert isinstance(state, fm.BinnedScoreState)
    # by definition: the CDFs below each threshold, and the PSI of the same bins
    below_a = np.searchsorted(np.sort(a), edges, side="left") / a.size
    below_b = np.searchsorted(np.sort(b), edges, side="left") / b.size
    t = ks_2samp_test(state=state)
    assert t.statistic == pytest.approx(np.max(np.abs(below_a - below_b)), abs=1e-15)
    assert t.statistic <= ks_2samp_test(a, b).statistic
    r = np.bincount(np.searchsorted(edges, a, side="right"), minlength=26) / a.size
    c = np.bincount(np.searchsorted(edges, b, side="right"), minlength=26) / b.size
    r, c = np.maximum(r, 1e-4), np.maximum(c, 1e-4)
    assert population_stability_index(state=state) == pytest.approx(
        float(np.sum((c - r) * np.log(c / r))), rel=1e-12)
    # values on the thresholds: the binned statistic is the exact one
    ra, rb = np.round(a * 4) / 4, np.round(b * 4) / 4
    grid = np.unique(np.r_[ra, rb])
    assert ks_2samp_test(state=shift_state(ra, rb, thresholds=grid)).statistic == \
        pytest.approx(ks_2samp_test(ra, rb).statistic, abs=1e-15)
    merged = shift_state(a[:1000], b[:500], thresholds=edges).merge(
        shift_state(a[1000:], b[500:], thresholds=edges))
    assert ks_2samp_test(state=merged).statistic == t.statistic
    with pytest.raises(InvalidParameterError, match="bins"):
        population_stability_index(state=state, bins=5)


# ---------------------------------------------------------------------------
# labels
# ---------------------------------------------------------------------------

def _labels(seed=7):
    rng = np.random.default_rng(seed)
    ref = rng.choice(["cat", "dog", "eel", "fox"], 4000, p=[0.4, 0.3, 0.2, 0.1])
    cur = rng.choice(["cat", "dog", "eel", "fox", "gnu"], 3000, p=[0.3, 0.3, 0.2, 0.15, 0.05])
    return ref, cur


def test_label_shift_equals_scipy_and_the_definition():
    from fastmetrics.inference import label_shift_state, label_shift_test
    ref, cur = _labels()
    t = label_shift_test(ref, cur)
    classes = np.unique(np.r_[ref, cur])
    table = np.array([[np.sum(ref == c) for c in classes], [np.sum(cur == c) for c in classes]])
    chi2, p, dof, _ = stats.chi2_contingency(table)
    assert (t.statistic, t.pvalue, t.details["dof"]) == (chi2, p, dof)
    assert t.details["classes"] == classes.tolist()
    r, c = np.maximum(table[0] / table[0].sum(), 1e-4), np.maximum(table[1] / table[1].sum(), 1e-4)
    psi = float(np.sum((c - r) * np.log(c / r)))
    assert t.details["psi"] == pytest.approx(psi, rel=1e-12)
    state = label_shift_state(ref, cur)
    assert population_stability_index(state=state) == pytest.approx(psi, rel=1e-12)
    # chunks (one holding a class the others lack) merge to the whole
    merged = label_shift_state(ref[:100], cur[:50]).merge(label_shift_state(ref[100:], cur[50:]))
    assert label_shift_test(state=merged).statistic == t.statistic
    # two classes: Yates' correction, as scipy
    two = label_shift_test([0] * 30 + [1] * 20, [0] * 20 + [1] * 30)
    assert two.statistic == stats.chi2_contingency([[30, 20], [20, 30]])[0]


def test_label_shift_errors():
    from fastmetrics.inference import label_shift_state, label_shift_test
    with pytest.raises(InvalidInputError, match="one class"):
        label_shift_test(["a", "a"], ["a"])
    with pytest.raises(InvalidInputError, match="current"):
        label_shift_test(["a"], [])
    with pytest.raises(InvalidParameterError, match="bins"):
        population_stability_index(state=label_shift_state(["a", "b"], ["b"]), bins=3)
    with pytest.raises(InvalidParameterError, match="groups"):
        label_shift_test(state=fm.confusion_state(["a", "b"], ["a", "b"], groups=[3, 4]))
    with pytest.raises(InvalidParameterError, match="state"):
        label_shift_test(["a"], ["b"], state=label_shift_state(["a"], ["b"]))

"""Curve bands and operating-point intervals (fastmetrics.inference.bands)."""

import numpy as np
import pytest

import fastmetrics as fm
from fastmetrics.exceptions import InvalidInputError, InvalidParameterError
from fastmetrics.inference.bands import precision_at, tpr_at


def _scores(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, np.round(y * 0.8 + rng.normal(0, 1, n), 2)


def test_tpr_at_follows_the_piecewise_linear_roc_curve():
    from sklearn.metrics import roc_curve
    y, s = _scores(500)
    fpr, tpr, _ = roc_curve(y, s, drop_intermediate=False)
    state = fm.score_state(y, s)
    neg, pos = state.counts[0], state.counts[1]
    grid = np.linspace(0, 1, 57)
    ours = tpr_at(neg, pos, grid)
    for x, v in zip(grid, ours):
        at = np.flatnonzero(fpr == x)
        if at.size:  # on a vertical step: the highest TPR
            assert v == pytest.approx(tpr[at].max())
        else:
            j = np.searchsorted(fpr, x) - 1
            assert v == pytest.approx(np.interp(x, fpr[j:j + 2], tpr[j:j + 2]))


def test_precision_at_is_the_interpolated_precision():
    from sklearn.metrics import precision_recall_curve
    y, s = _scores(500)
    precision, recall, _ = precision_recall_curve(y, s)
    state = fm.score_state(y, s)
    grid = np.linspace(0, 1, 41)
    ours = precision_at(state.counts[0], state.counts[1], grid)
    for r, v in zip(grid, ours):
        assert v == pytest.approx(precision[recall >= r].max())


@pytest.mark.parametrize("band", [fm.roc_band, fm.pr_band])
def test_bands_hold_the_curve_and_narrow_with_rows(band):
    y, s = _scores(3000)
    b = band(y, s, n_resamples=400, seed=1)
    assert b.grid.size == 101 and b.n_resamples == 400
    inner = slice(5, 96)
    assert np.all(b.low[inner] <= b.curve[inner]) and np.all(b.curve[inner] <= b.high[inner])
    y2, s2 = _scores(30000, seed=2)
    wide = np.mean((b.high - b.low)[inner])
    narrow = np.mean((band(y2, s2, n_resamples=200).high - band(y2, s2, n_resamples=200).low)
                     [inner])
    assert narrow < 0.5 * wide
    assert b.to_dict()["kind"] in ("roc", "pr")


def test_band_errors():
    y, s = _scores(200)
    with pytest.raises(InvalidParameterError, match="fpr"):
        fm.roc_band(y, s, fpr=[0.5, 2.0])
    with pytest.raises(InvalidInputError, match="one class"):
        fm.roc_band(np.ones(50, int), np.arange(50.0))


@pytest.mark.parametrize("rule,params", [
    (fm.best_fbeta_threshold, {}), (fm.youden_threshold, {}),
    (fm.precision_at_recall, {"min_recall": 0.8}),
    ("recall_at_precision", {"min_precision": 0.7})])
def test_operating_point_intervals_reselect_the_threshold(rule, params):
    y, s = _scores(3000)
    r = fm.operating_point_interval(rule, y, s, n_resamples=300, seed=3, **params)
    fn = getattr(fm, rule) if isinstance(rule, str) else rule
    assert r.point.threshold == fn(y, s, **params).threshold
    low, high = r.intervals["threshold"]
    assert low <= r.point.threshold <= high and low < high  # the threshold moves
    for name in ("precision", "recall", "f1"):
        low, high = r.intervals[name]
        assert low <= getattr(r.point, name) <= high
    # re-selecting moves the threshold: the resamples do not all pick the data's point
    assert r.n_undefined == 0 and r.to_dict()["rule"] == fn.__name__
    with pytest.raises(InvalidParameterError, match="rule"):
        fm.operating_point_interval(fm.f1_score, y, s)

"""Threshold selection against a brute force built from scikit-learn.

At every distinct score ``t`` (and at ``+inf``, predicting nothing), the
oracle asks ``sklearn.metrics.confusion_matrix(y == pos_label, s >= t)`` for
the four counts and computes each criterion as scikit-learn does; the expected
point is the best one, the highest threshold among (numerically) equal values.
Fixed cases, weights, ties, one class, errors, hypothesis cases, merged chunk
states, and a binned-like state that offers ``curve_sums``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st

import fastmetrics as fm
from fastmetrics.exceptions import InvalidInputError, InvalidParameterError, LabelError
from fastmetrics.ranking.thresholds import OperatingPoint

NAMES = ["best_fbeta_threshold", "youden_threshold", "precision_at_recall",
         "recall_at_precision"]


# ---------------------------------------------------------------------------
# the oracle
# ---------------------------------------------------------------------------

def sweep(y, s, w, pos_label, thresholds=None):
    """``[(threshold, tn, fp, fn, tp)]``, +inf first, then each distinct score."""
    y = np.asarray(y)
    s = np.asarray(s)
    yb = y == pos_label
    if thresholds is None:
        carried = s if w is None else s[np.asarray(w) > 0]  # zero-weight scores: no point
        thresholds = np.unique(carried.astype(np.float64))[::-1]
    out = [(math.inf, *_cm(yb, np.zeros(len(y), bool), w))]
    for t in thresholds:
        out.append((float(t), *_cm(yb, s.astype(np.float64) >= t, w)))
    return out


def _cm(yb, pred, w):
    return skm.confusion_matrix(yb, pred, labels=[False, True], sample_weight=w).ravel()


def criterion(name, tn, fp, fn, tp, **kw):
    """The criterion at one point, as scikit-learn computes it; None: not eligible."""
    P, N, PP = tp + fn, fp + tn, tp + fp
    if name == "best_fbeta_threshold":
        b2 = kw.get("beta", 1.0) ** 2
        return (1 + b2) * tp / (b2 * P + PP)  # sklearn's precision_recall_fscore_support
    if name == "youden_threshold":
        return tp / P - fp / N
    precision = tp / PP if PP > 0 else None
    if name == "precision_at_recall":
        return precision if precision is not None and tp / P >= kw["min_recall"] else None
    return tp / P if precision is not None and precision >= kw["min_precision"] else None


def expected_points(name, points, **kw):
    """Indices of the acceptable answers: best value, up to float rounding."""
    values = [criterion(name, *p[1:], **kw) for p in points]
    ok = [i for i, v in enumerate(values) if v is not None]
    if not ok:
        return None, []
    best = max(values[i] for i in ok)
    near = [i for i in ok if values[i] >= best - 1e-12 * max(1.0, abs(best))]
    return best, near


def same_point(a, b):
    """Equal fields, NaN equal to NaN."""
    da, db = a.to_dict(), b.to_dict()
    assert da.keys() == db.keys()
    for key in da:
        x, y = da[key], db[key]
        assert x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y)), key
    return True


def call(name, y, s, **kw):
    f = getattr(fm, name)
    return f(y, s, **kw)


def check(name, y, s, *, sample_weight=None, pos_label=None, **kw):
    resolved = 1 if pos_label is None else pos_label
    points = sweep(y, s, sample_weight, resolved)
    best, near = expected_points(name, points, **kw)
    got = call(name, y, s, sample_weight=sample_weight, pos_label=pos_label, **kw)
    assert isinstance(got, OperatingPoint)
    assert got.value == pytest.approx(best, rel=1e-12, abs=1e-15)
    thresholds = [points[i][0] for i in near]
    assert got.threshold in thresholds
    if sample_weight is None:  # exact values: the documented tie-break, exactly
        assert got.threshold == max(thresholds)
    check_point(got, y, s, sample_weight, resolved)
    return got


def check_point(got, y, s, w, pos_label):
    """Counts and rates of ``got`` against scikit-learn at ``got.threshold``."""
    yb = np.asarray(y) == pos_label
    pred = np.asarray(s).astype(np.float64) >= got.threshold
    tn, fp, fn, tp = _cm(yb, pred, w)
    if w is None:
        assert all(isinstance(v, np.int64) for v in (got.tp, got.fp, got.fn, got.tn))
        assert (got.tp, got.fp, got.fn, got.tn) == (tp, fp, fn, tn)
    else:
        assert all(isinstance(v, np.float64) for v in (got.tp, got.fp, got.fn, got.tn))
        np.testing.assert_allclose([got.tp, got.fp, got.fn, got.tn], [tp, fp, fn, tn],
                                   rtol=1e-12, atol=1e-9)
    nan = np.nan
    expected = dict(
        precision=skm.precision_score(yb, pred, sample_weight=w, zero_division=nan),
        recall=skm.recall_score(yb, pred, sample_weight=w, zero_division=nan),
        specificity=tn / (tn + fp) if tn + fp > 0 else nan,
        fpr=fp / (tn + fp) if tn + fp > 0 else nan,
        f1=skm.f1_score(yb, pred, sample_weight=w, zero_division=nan))
    for key, value in expected.items():
        assert getattr(got, key) == pytest.approx(value, rel=1e-12, abs=1e-12, nan_ok=True), key


# ---------------------------------------------------------------------------
# fixed cases
# ---------------------------------------------------------------------------

FIXED = {
    "simple": ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]),
    "ties": ([0, 1, 1, 0, 1, 0, 1], [0.5, 0.5, 0.2, 0.2, 0.9, 0.9, 0.1]),
    "constant": ([0, 1, 1, 0], [0.3, 0.3, 0.3, 0.3]),
    "perfect": ([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]),
    "inverted": ([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9]),
    "all_positive": ([1, 1, 1], [0.2, 0.5, 0.7]),
    "minus_one_one": ([-1, 1, 1, -1, 1], [0.3, 0.9, 0.2, 0.1, 0.9]),
    "signed_zero": ([0, 1, 1, 0], [-0.0, 0.0, 0.5, -0.5]),
    "float32": (np.array([0, 1, 1, 0, 1]), np.array([0.1, 0.7, 0.7, 0.3, 0.2], np.float32)),
    "int_scores": ([0, 1, 1, 0, 1], [3, 7, 7, 1, 2]),
    "bool_target": (np.array([False, True, True, False]), [0.2, 0.9, 0.4, 0.5]),
    "one_row": ([1], [0.5]),
    "equal_f1": ([1, 0, 0, 1], [0.9, 0.8, 0.7, 0.6]),  # F1 = 2/3 at 0.9 and at 0.6
}
KWARGS = {
    "best_fbeta_threshold": [{}, {"beta": 0.5}, {"beta": 2.0}, {"beta": 1.7}],
    "youden_threshold": [{}],
    "precision_at_recall": [{"min_recall": 0.0}, {"min_recall": 0.5}, {"min_recall": 0.75},
                            {"min_recall": 1.0}],
    "recall_at_precision": [{"min_precision": 0.0}, {"min_precision": 0.5},
                            {"min_precision": 0.6}, {"min_precision": 1.0}],
}
CASES = [(name, kw) for name, kws in KWARGS.items() for kw in kws]
IDS = [f"{n}-{kw}" for n, kw in CASES]


def expect_or_raise(name, y, s, **kw):
    """Run ``check`` unless the case is one the documented rules refuse."""
    resolved = 1 if kw.get("pos_label") is None else kw["pos_label"]
    yb = np.asarray(y) == resolved
    w = kw.get("sample_weight")
    weight = np.ones(len(yb)) if w is None else np.asarray(w, dtype=float)
    has_pos, has_neg = weight[yb].sum() > 0, weight[~yb].sum() > 0
    if not has_pos or (name == "youden_threshold" and not has_neg):
        with pytest.raises(LabelError, match="no (positive|negative) rows"):
            call(name, y, s, **kw)
        return None
    extra = {k: v for k, v in kw.items() if k not in ("sample_weight", "pos_label")}
    points = sweep(y, s, w, resolved)
    if expected_points(name, points, **extra)[0] is None:
        with pytest.raises(InvalidParameterError, match="is reached at no threshold"):
            call(name, y, s, **kw)
        return None
    return check(name, y, s, **kw)


@pytest.mark.parametrize("data", list(FIXED), ids=list(FIXED))
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_fixed(name, kwargs, data):
    y, s = FIXED[data]
    expect_or_raise(name, y, s, **kwargs)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_weighted(name, kwargs):
    y, s = FIXED["ties"]
    for w in ([1, 2, 0, 1, 3, 1, 1], [0.5, 2.25, 0.0, 1.0, 3.5, 1.0, 0.1],
              [0, 0, 1, 1, 1, 0, 1]):
        expect_or_raise(name, y, s, sample_weight=np.array(w), **kwargs)


def test_fbeta_matches_sklearn_fbeta_score_at_the_chosen_threshold():
    y, s = FIXED["ties"]
    for beta in (0.5, 1.0, 3.0):
        p = fm.best_fbeta_threshold(y, s, beta=beta)
        pred = np.asarray(s) >= p.threshold
        assert p.value == skm.fbeta_score(y, pred, beta=beta)  # the same float
        for t in np.unique(s):
            assert skm.fbeta_score(y, np.asarray(s) >= t, beta=beta) <= p.value


def test_documented_choices():
    y, s = FIXED["equal_f1"]
    # F1 = 2/3 at 0.9 (tp 1, fp 0, fn 1) and at 0.6 (tp 2, fp 2, fn 0): the highest wins
    p = fm.best_fbeta_threshold(y, s)
    assert p.criterion == "f1" and p.threshold == 0.9 and p.value == 2 / 3
    # no threshold beats chance: Youden's J is 0 at +inf (predict nothing) and at the
    # lowest threshold; the highest wins
    q = fm.youden_threshold([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])
    assert q.threshold == math.inf and q.value == 0.0 and q.tp == 0 and q.fp == 0
    assert math.isnan(q.precision) and q.recall == 0.0
    # precision is NaN when nothing is predicted positive
    r = fm.operating_point([0, 1], [0.2, 0.4], threshold=0.5)
    assert math.isnan(r.precision) and r.recall == 0.0 and r.f1 == 0.0
    assert r.value is None and r.criterion is None
    # recall at precision: unreachable constraint raises with the best precision
    with pytest.raises(InvalidParameterError, match=r"highest precision is 0\.5"):
        fm.recall_at_precision([1, 0, 0, 1], [0.9, 0.9, 0.5, 0.1], min_precision=0.6)
    # among equal recall the highest threshold (fewest false positives)
    t = fm.recall_at_precision([1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.6, 0.5], min_precision=0.5)
    assert t.threshold == 0.7 and t.value == 1.0 and t.fp == 1


def test_operating_point_against_confusion_matrix():
    y, s = FIXED["ties"]
    w = np.array([0.5, 2.25, 0.0, 1.0, 3.5, 1.0, 0.1])
    for t in (-np.inf, -1.0, 0.1, 0.15, 0.2, 0.5, 0.50000001, 0.9, 0.95, np.inf):
        for weights in (None, w):
            for pos_label in (None, 0):
                p = fm.operating_point(y, s, threshold=t, sample_weight=weights,
                                       pos_label=pos_label)
                assert p.threshold == t
                check_point(p, y, s, weights, 1 if pos_label is None else pos_label)
    # float32 scores are compared in float64 (0.7 as float32 is below 0.7)
    s32 = np.array([0.1, 0.7, 0.7], np.float32)
    assert fm.operating_point([0, 1, 1], s32, threshold=0.7).tp == 0
    assert fm.operating_point([0, 1, 1], s32, threshold=float(s32[1])).tp == 2
    # one class: the rates that need the other class are NaN
    p = fm.operating_point([0, 0, 0], [0.1, 0.5, 0.9], threshold=0.5)
    assert (p.tp, p.fp, p.fn, p.tn) == (0, 2, 0, 1)
    assert math.isnan(p.recall) and p.fpr == 2 / 3 and p.precision == 0.0


def test_repr_and_to_dict():
    p = fm.best_fbeta_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    text = repr(p)
    assert text.startswith("OperatingPoint(criterion='f1', value=0.8, threshold=0.35, tp=2")
    d = p.to_dict()
    assert d == {"threshold": 0.35, "tp": 2, "fp": 1, "fn": 0, "tn": 1,
                 "precision": 2 / 3, "recall": 1.0, "specificity": 0.5, "fpr": 0.5,
                 "f1": 0.8, "value": 0.8, "criterion": "f1"}
    assert type(d["tp"]) is int
    w = fm.best_fbeta_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8],
                                sample_weight=[1.0, 1, 1, 1]).to_dict()
    assert type(w["tp"]) is float
    with pytest.raises(AttributeError):
        p.threshold = 0.5  # frozen


def test_string_labels_and_pos_label():
    y = np.array(["neg", "pos", "pos", "neg", "pos"])
    s = [0.2, 0.8, 0.4, 0.5, 0.9]
    with pytest.raises(LabelError, match="pos_label"):
        fm.best_fbeta_threshold(y, s)  # as the curves: pos_label needed
    for pos_label in ("pos", "neg"):
        yb = (y == pos_label).astype(int)
        a = fm.youden_threshold(y, s, pos_label=pos_label)
        b = fm.youden_threshold(yb, s)
        assert same_point(a, b)
    with pytest.raises(LabelError, match="not a valid label"):
        fm.youden_threshold(y, s, pos_label="maybe")


def test_errors():
    y, s = FIXED["simple"]
    bad = [
        ("best_fbeta_threshold", {"beta": 0}), ("best_fbeta_threshold", {"beta": -1.0}),
        ("best_fbeta_threshold", {"beta": np.inf}), ("best_fbeta_threshold", {"beta": "1"}),
        ("best_fbeta_threshold", {"beta": np.nan}), ("best_fbeta_threshold", {"beta": True}),
        ("precision_at_recall", {"min_recall": 1.5}),
        ("precision_at_recall", {"min_recall": -0.1}),
        ("precision_at_recall", {"min_recall": None}),
        ("recall_at_precision", {"min_precision": 2}),
        ("recall_at_precision", {"min_precision": np.nan}),
        ("operating_point", {"threshold": np.nan}), ("operating_point", {"threshold": "0.5"}),
    ]
    for name, kw in bad:
        with pytest.raises(InvalidParameterError):
            call(name, y, s, **kw)
    with pytest.raises(TypeError):
        fm.precision_at_recall(y, s)  # min_recall is required
    for name in NAMES:
        kw = {"best_fbeta_threshold": {}, "youden_threshold": {},
              "precision_at_recall": {"min_recall": 0.5},
              "recall_at_precision": {"min_precision": 0.5}}[name]
        with pytest.raises(LabelError, match="no positive rows"):
            call(name, [0, 0, 0], [0.1, 0.2, 0.3], **kw)  # one class
        with pytest.raises(InvalidInputError, match="NaN"):
            call(name, [0, 1, 1], [0.1, np.nan, 0.3], **kw)
        with pytest.raises(InvalidInputError, match="sums to zero"):
            call(name, [0, 1, 1], [0.1, 0.2, 0.3], sample_weight=[0, 0, 0], **kw)
    with pytest.raises(LabelError, match="no negative rows"):
        fm.youden_threshold([1, 1], [0.1, 0.2])
    assert fm.best_fbeta_threshold([1, 1], [0.1, 0.2]).threshold == 0.1  # all positive: ok


# ---------------------------------------------------------------------------
# property cases
# ---------------------------------------------------------------------------

@st.composite
def binary_scores(draw):
    n = draw(st.integers(1, 30))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    levels = draw(st.sampled_from([1, 3, 1000]))  # constant, heavy ties, nearly distinct
    scores = np.array(draw(st.lists(st.integers(0, levels), min_size=n, max_size=n)))
    scores = (scores / levels).astype(dtype)
    weights = draw(st.one_of(
        st.none(),
        st.lists(st.integers(0, 4), min_size=n, max_size=n).map(np.array),
        st.lists(st.floats(0, 10, allow_nan=False, width=32), min_size=n,
                 max_size=n).map(np.array)))
    return y, scores, weights


CRITERIA = st.sampled_from(CASES) | st.tuples(
    st.just("precision_at_recall"), st.fixed_dictionaries({"min_recall": st.floats(0, 1)})) | \
    st.tuples(st.just("recall_at_precision"),
              st.fixed_dictionaries({"min_precision": st.floats(0, 1)})) | \
    st.tuples(st.just("best_fbeta_threshold"),
              st.fixed_dictionaries({"beta": st.floats(0.1, 10)}))


@given(data=binary_scores(), case=CRITERIA)
def test_property_against_brute_force(data, case):
    y, s, w = data
    name, kw = case
    if w is not None and w.sum() == 0:
        with pytest.raises(InvalidInputError):
            call(name, y, s, sample_weight=w, **kw)
        return
    expect_or_raise(name, y, s, sample_weight=w, **kw)


@given(data=binary_scores(), t=st.floats(-0.5, 1.5) | st.sampled_from([0.0, 0.5, 1.0]))
def test_property_operating_point(data, t):
    y, s, w = data
    if w is not None and w.sum() == 0:
        return
    check_point(fm.operating_point(y, s, threshold=t, sample_weight=w), y, s, w, 1)


@given(data=binary_scores(), case=st.sampled_from(CASES),
       cuts=st.lists(st.integers(0, 30), max_size=3))
def test_merged_chunks_give_the_same_point(data, case, cuts):
    y, s, w = data
    name, kw = case
    n = len(y)
    bounds = sorted({0, n, *(c % (n + 1) for c in cuts)})
    parts = [fm.score_state(y[a:b], s[a:b], sample_weight=None if w is None else w[a:b])
             for a, b in zip(bounds[:-1], bounds[1:]) if b > a]
    merged = parts[0]
    for p in parts[1:]:
        merged = merged.merge(p)
    whole = fm.score_state(y, s, sample_weight=w)
    f = getattr(fm, name).from_state

    def result(state):
        try:
            return f(state, **kw)
        except ValueError as exc:
            return type(exc)

    a, b = result(merged), result(whole)
    if isinstance(b, type):
        assert a is b
    elif w is None:
        assert same_point(a, b)
    else:
        assert a.value == pytest.approx(b.value, rel=1e-12, abs=1e-15)


# ---------------------------------------------------------------------------
# a binned state plugs in through curve_sums
# ---------------------------------------------------------------------------

class GridState:
    """A stand-in for a binned state: cumulative counts at fixed descending thresholds."""

    def __init__(self, y, s, grid):
        self.classes = np.unique(y)
        self.weighted = False
        self._y, self._s = np.asarray(y), np.asarray(s)
        self.grid = np.asarray(grid, dtype=np.float64)

    def curve_sums(self, pos_label):
        yb = self._y == pos_label
        tps = np.array([(yb & (self._s >= t)).sum() for t in self.grid], dtype=np.float64)
        fps = np.array([(~yb & (self._s >= t)).sum() for t in self.grid], dtype=np.float64)
        return fps, tps, self.grid


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_binned_state_plugs_in(name, kwargs):
    rng = np.random.default_rng(5)
    y = (rng.random(300) < 0.4).astype(int)
    s = np.clip(0.3 * y + rng.random(300) * 0.7, 0, 1)
    grid = np.linspace(1, 0, 21)  # the lowest edge holds every row
    state = GridState(y, s, grid)
    f = getattr(fm, name).from_state
    try:
        got = f(state, **kwargs)
    except InvalidParameterError:
        assert name == "recall_at_precision"
        return
    best, near = expected_points(name, sweep(y, s, None, 1, thresholds=grid), **kwargs)
    assert got.value == pytest.approx(best, rel=1e-12)
    assert got.threshold == max(sweep(y, s, None, 1, thresholds=grid)[i][0] for i in near)
    check_point(got, y, s, None, 1)


def test_binned_operating_point_needs_one_of_its_thresholds():
    state = GridState([0, 1, 1, 0], [0.1, 0.7, 0.4, 0.5], [0.9, 0.5, 0.0])
    assert fm.operating_point.from_state(state, threshold=0.5).tp == 1
    assert fm.operating_point.from_state(state, threshold=np.inf).tp == 0
    with pytest.raises(InvalidParameterError, match="not one of the binned"):
        fm.operating_point.from_state(state, threshold=0.6)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_binned_score_state(name, kwargs):
    """The binned state of the package: its thresholds and a final -inf are the points."""
    binned = pytest.importorskip("fastmetrics.binned.build")
    rng = np.random.default_rng(9)
    y = (rng.random(400) < 0.3).astype(int)
    s = np.clip(0.25 * y + rng.random(400) * 0.75, 0, 1)
    grid = np.array([0.2, 0.35, 0.5, 0.65, 0.8])  # the lowest is above some scores
    w = rng.random(400)
    for weights in (None, w):
        state = binned.binned_score_state(y, s, thresholds=grid, sample_weight=weights)
        points = sweep(y, s, weights, 1, thresholds=np.r_[grid[::-1], -np.inf])
        best, near = expected_points(name, points, **kwargs)
        f = getattr(fm, name).from_state
        if best is None:
            with pytest.raises(InvalidParameterError):
                f(state, **kwargs)
            continue
        got = f(state, **kwargs)
        assert got.value == pytest.approx(best, rel=1e-12)
        assert got.threshold in [points[i][0] for i in near]
        check_point(got, y, s, weights, 1)

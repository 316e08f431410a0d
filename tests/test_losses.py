"""log_loss and brier_score_loss against scikit-learn 1.9, and their mergeable state."""

from __future__ import annotations

import doctest
import importlib
import warnings

import numpy as np
import pyarrow as pa
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st

from fastmetrics.losses.build import loss_state
from fastmetrics.losses.state import LossState
from fastmetrics.exceptions import (EmptyInputError, FastMetricsError, InputTypeError,
                                    InvalidInputError, InvalidParameterError, LabelError)
from fastmetrics.losses.metrics import brier_score_loss, log_loss

from .conftest import assert_same_result, call_both


def check_both(ours, theirs, *args, rtol=1e-12, **kwargs):
    """Same value (or both raise), same warnings."""
    got, expected, w_ours, w_theirs = call_both(ours, theirs, *args, **kwargs)
    if isinstance(expected, Exception) or isinstance(got, Exception):
        assert_same_result(got, expected)
        return got
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=rtol, abs=1e-15)
    assert w_ours == w_theirs
    return got


# ---------------------------------------------------------------------------
# fixed cases
# ---------------------------------------------------------------------------

P3 = [[0.2, 0.7, 0.1], [0.6, 0.2, 0.2], [0.6, 0.1, 0.3], [0.1, 0.1, 0.8]]

LOG_LOSS_CASES = [
    (["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]], {}),
    ([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3], {}),
    ([0, 1, 1, 0], [0.0, 1.0, 0.8, 1.0], {}),  # clipped to [eps, 1 - eps]
    ([-1, 1, 1], [0.1, 0.9, 0.8], {"normalize": False}),
    ([True, False, True], [0.6, 0.3, 0.7], {"sample_weight": [1, 2, 0.5]}),
    ([2, 7, 7], [0.1, 0.9, 0.8], {}),  # 1-D: probability of the greater label
    ([1, 2, 0, 2], P3, {}),
    ([1, 2, 0, 2], P3, {"sample_weight": [3, 0, 1, 2], "normalize": False}),
    (["b", "c", "a", "c"], P3, {}),
    ([1, 1, 0, 1], P3, {"labels": [0, 1, 2]}),
    ([1, 1, 0, 1], P3, {"labels": [2, 0, 1]}),  # unsorted: warning, sorted columns
    ([1, 1, 1, 1], [0.2, 0.3, 0.9, 0.5], {"labels": [0, 1]}),
    ([0, 1, 2, 1], [[0.5, 0.5, 0.1], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4], [1, 0, 0]], {}),
    # errors scikit-learn raises too
    ([1, 1, 1], [0.2, 0.3, 0.9], {}),  # one class, no labels
    ([1, 1, 1], [0.2, 0.3, 0.9], {"labels": [1]}),
    ([0, 1, 2], [0.2, 0.3, 0.9], {}),  # 3 classes, 1-D probabilities
    ([0, 1, 1, 0], P3, {}),  # 2 classes, 3 columns
    ([0, 1, 3, 0], P3, {"labels": [0, 1, 2]}),  # 3 not in labels
    ([0, 1, 2, 0], P3, {"labels": [0, 1, 2, 3]}),
    ([0, 1], [0.2, 1.3], {}),
    ([0, 1], [-0.2, 0.3], {}),
    ([0, 1], [0.2, np.nan], {}),
]


@pytest.mark.parametrize("y_true, y_proba, kwargs", LOG_LOSS_CASES)
def test_log_loss_fixed(y_true, y_proba, kwargs):
    check_both(log_loss, skm.log_loss, y_true, y_proba, **kwargs)


BRIER_CASES = [
    ([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3], {}),
    ([0, 1, 1, 0], [0.9, 0.1, 0.2, 0.7], {"pos_label": 0}),
    (["spam", "ham", "ham", "spam"], [0.1, 0.9, 0.8, 0.3], {"pos_label": "ham"}),
    ([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3], {"scale_by_half": False}),
    ([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3], {"sample_weight": [1, 0, 2, 3.5]}),
    ([1, 2, 2, 1], [0.1, 0.9, 0.8, 0.3], {}),  # numeric fallback: the greater label
    ([3, 3, 3], [0.1, 0.9, 0.8], {}),  # one numeric class: positive
    ([0, 0, 0], [0.1, 0.9, 0.8], {}),  # {0}: positive is 1, absent
    ([-1, 1, 1], [0.1, 0.9, 0.8], {"pos_label": 5}),  # absent pos_label: no positives
    ([0, 1, 1, 0], [[0.1], [0.9], [0.8], [0.3]], {}),  # one column = 1-D
    ([0, 1, 1, 0], [[0.9, 0.1], [0.1, 0.9], [0.2, 0.8], [0.7, 0.3]], {}),  # two columns
    ([1, 2, 0, 2], P3, {}),
    ([1, 2, 0, 2], P3, {"scale_by_half": True, "sample_weight": [1, 2, 3, 4]}),
    (["eggs", "ham", "spam"], [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]],
     {"labels": ["eggs", "ham", "spam"]}),
    ([1, 1, 0, 1], P3, {"labels": [0, 1, 2]}),
    # errors scikit-learn raises too
    (["a", "b"], [0.1, 0.9], {}),
    ([0, 1, 2], [0.1, 0.9, 0.5], {}),
    ([0, 1, 1, 0], P3, {}),
    ([0, 1], [0.2, 1.3], {}),
    ([0, 1], [0.2, np.inf], {}),
    ([0, 1], [0.2, 0.3], {"scale_by_half": "yes"}),
]


@pytest.mark.parametrize("y_true, y_proba, kwargs", BRIER_CASES)
def test_brier_fixed(y_true, y_proba, kwargs):
    check_both(brier_score_loss, skm.brier_score_loss, y_true, y_proba, **kwargs)


# ---------------------------------------------------------------------------
# random cases
# ---------------------------------------------------------------------------

def _random_case(seed, n, k, one_d, weighted, dtype, extremes):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    if one_d:
        P = rng.random(n)
        if extremes:
            P[: n // 3] = rng.integers(0, 2, n // 3)
    else:
        P = rng.dirichlet(np.ones(k), n)
        if extremes:
            P[: n // 3] = np.eye(k)[rng.integers(0, k, n // 3)]
    w = None
    if weighted:
        w = rng.random(n) * rng.integers(0, 2, n)
        w[0] = 1.0
    return y, P.astype(dtype), w


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), k=st.integers(2, 5),
       one_d=st.booleans(), weighted=st.booleans(), extremes=st.booleans(),
       labels=st.booleans(), normalize=st.booleans())
def test_log_loss_matches_sklearn(seed, n, k, one_d, weighted, extremes, labels, normalize):
    if one_d:
        k = 2
    y, P, w = _random_case(seed, n, k, one_d, weighted, "float64", extremes)
    kwargs = dict(sample_weight=w, normalize=normalize)
    if labels:
        kwargs["labels"] = list(range(k))
    check_both(log_loss, skm.log_loss, y, P, rtol=1e-10, **kwargs)


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 80), k=st.integers(2, 5),
       one_d=st.booleans(), weighted=st.booleans(), extremes=st.booleans(),
       labels=st.booleans(), pos_label=st.sampled_from([None, 0, 1]))
def test_brier_matches_sklearn(seed, n, k, one_d, weighted, extremes, labels, pos_label):
    if one_d:
        k = 2
    y, P, w = _random_case(seed, n, k, one_d, weighted, "float64", extremes)
    kwargs = dict(sample_weight=w, pos_label=pos_label)
    if labels:
        kwargs["labels"] = list(range(k))
    check_both(brier_score_loss, skm.brier_score_loss, y, P, rtol=1e-10, **kwargs)


@pytest.mark.parametrize("one_d", [True, False])
def test_float32_probabilities(one_d):
    """float32 probabilities are clipped with float32's eps, as scikit-learn
    does; our float64 sums then agree with its float32 ones to float32 rounding."""
    y, P, w = _random_case(4, 500, 2 if one_d else 4, one_d, True, "float32", True)
    assert log_loss(y, P, sample_weight=w) == pytest.approx(
        skm.log_loss(y, P, sample_weight=w), rel=2e-6)
    assert brier_score_loss(y, P, sample_weight=w) == pytest.approx(
        skm.brier_score_loss(y, P, sample_weight=w), rel=2e-6)
    # clipping at float32's eps, not float64's: a zero probability costs -log(eps32)
    assert log_loss([1], np.array([0.0], np.float32), labels=[0, 1]) == pytest.approx(
        -np.log(np.finfo(np.float32).eps), rel=1e-12)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_certain_predictions_are_clipped_below_one(dtype):
    """A probability of exactly 1 for the true class costs -log(1 - eps), not 0."""
    eps = np.finfo(dtype).eps
    expected = -np.log(np.float64(np.asarray(1, dtype) - eps))
    assert expected > 0
    perfect_2d = np.eye(3, dtype=dtype)
    assert log_loss([0, 1, 2], perfect_2d) == pytest.approx(expected, rel=1e-9)
    assert log_loss([0, 1, 1], np.array([0, 1, 1], dtype)) == pytest.approx(expected, rel=1e-9)
    assert skm.log_loss([0, 1, 2], perfect_2d) == pytest.approx(expected, rel=1e-6)


def test_unnormalized_rows_warn_like_sklearn():
    y = [0, 1, 2]
    P = [[0.5, 0.5, 0.0], [0.2, 0.2, 0.2], [0.1, 0.1, 0.8]]
    with pytest.warns(UserWarning, match="do not sum to one"):
        ours = log_loss(y, P)
    with pytest.warns(UserWarning, match="do not sum to one"):
        assert ours == pytest.approx(skm.log_loss(y, P), rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_loss(y, [[0.5, 0.5, 0.0], [0.2, 0.2, 0.6], [0.1, 0.1, 0.8]])


# ---------------------------------------------------------------------------
# weights, chunks, states
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("one_d", [True, False])
def test_integer_weights_equal_repeated_rows_zero_equals_dropped(one_d):
    y, P, _ = _random_case(8, 300, 2 if one_d else 3, one_d, False, "float64", True)
    reps = np.random.default_rng(1).integers(0, 4, y.size)
    for metric in (log_loss, brier_score_loss):
        weighted = metric(y, P, sample_weight=reps)
        assert weighted == pytest.approx(metric(np.repeat(y, reps), np.repeat(P, reps, axis=0)),
                                         rel=1e-12)
        keep = reps > 0
        assert metric(y, P, sample_weight=keep.astype(float)) == pytest.approx(
            metric(y[keep], P[keep]), rel=1e-12)


@pytest.mark.parametrize("one_d", [True, False])
def test_chunks_lacking_classes_merge_exactly(one_d):
    """Chunk states merge to the whole, also when a chunk lacks classes (its
    columns are then settled only at the end)."""
    k = 2 if one_d else 4
    y, P, w = _random_case(9, 400, k, one_d, True, "float64", False)
    order = np.argsort(y, kind="stable")
    y, P, w = y[order], P[order], w[order]
    cuts = [0, 1, 50, 150, 151, 300, 400]
    expected_log = skm.log_loss(y, P, sample_weight=w)
    expected_brier = skm.brier_score_loss(y, P, sample_weight=w)
    merged = None
    for a, b in zip(cuts[:-1], cuts[1:]):
        part = loss_state(y[a:b], P[a:b], sample_weight=w[a:b])
        merged = part if merged is None else merged.merge(part)
    assert isinstance(merged, LossState)
    assert merged.known.all() if one_d else not merged.known.all()
    assert log_loss.from_state(merged) == pytest.approx(expected_log, rel=1e-12)
    assert brier_score_loss.from_state(merged) == pytest.approx(expected_brier, rel=1e-12)
    # the same through the input layer: an Arrow stream of sorted chunks
    chunks = [y[a:b] for a, b in zip(cuts[:-1], cuts[1:])]
    if one_d:
        proba = pa.chunked_array([P[a:b] for a, b in zip(cuts[:-1], cuts[1:])])
    else:
        proba = pa.chunked_array([pa.FixedSizeListArray.from_arrays(pa.array(P[a:b].ravel()), k)
                                  for a, b in zip(cuts[:-1], cuts[1:])])
    got = log_loss(pa.chunked_array(chunks), proba, sample_weight=pa.array(w))
    assert got == pytest.approx(expected_log, rel=1e-12)
    got = brier_score_loss(pa.chunked_array(chunks), proba, sample_weight=pa.array(w))
    assert got == pytest.approx(expected_brier, rel=1e-12)


def test_state_built_for_other_columns_is_refused():
    # a chunk with classes {1, 2} of 3 columns: without labels its classes may
    # sit in columns (0, 1) or (1, 2); labels=[0, 1, 2] settles (1, 2)
    state = loss_state([1, 2], [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]], labels=[1, 2, 3])
    with pytest.raises(LabelError, match="no sums for class"):
        log_loss.from_state(state, labels=[0, 1, 2])
    assert log_loss.from_state(state, labels=[1, 2, 3]) == pytest.approx(
        skm.log_loss([1, 2], [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]], labels=[1, 2, 3]))
    with pytest.raises(LabelError, match="without the brier"):
        brier_score_loss.from_state(loss_state([0, 1], [0.2, 0.6], brier=False))
    with pytest.raises(InputTypeError, match="1-D in one part"):
        loss_state([0, 1], [0.2, 0.6]).merge(loss_state([0, 1], [[0.8, 0.2], [0.4, 0.6]]))


def test_inputs_arrow_pandas_polars_and_data_columns():
    pd = pytest.importorskip("pandas")
    pl = pytest.importorskip("polars")
    y, P, w = _random_case(12, 200, 3, False, True, "float64", False)
    names = np.array(["cat", "cow", "dog"])[y]
    expected = skm.log_loss(names, P, sample_weight=w)
    frame = pd.DataFrame(P, columns=["p_cat", "p_cow", "p_dog"])
    assert log_loss(pd.Series(names), frame, sample_weight=pd.Series(w)) == pytest.approx(
        expected, rel=1e-12)
    assert log_loss(pl.Series(names), pl.from_pandas(frame), sample_weight=w) == pytest.approx(
        expected, rel=1e-12)
    table = pa.table({"label": names, "p_cat": P[:, 0], "p_cow": P[:, 1], "p_dog": P[:, 2],
                      "w": w, "p": pa.FixedSizeListArray.from_arrays(pa.array(P.ravel()), 3)})
    cols = ["p_cat", "p_cow", "p_dog"]
    assert log_loss("label", cols, sample_weight="w", data=table) == pytest.approx(
        expected, rel=1e-12)
    assert log_loss("label", "p", sample_weight="w", data=table) == pytest.approx(
        expected, rel=1e-12)
    assert brier_score_loss("label", cols, sample_weight="w", data=table) == pytest.approx(
        skm.brier_score_loss(names, P, sample_weight=w), rel=1e-12)
    with pytest.raises(FastMetricsError, match="missing|not found|p_cat2"):
        log_loss("label", ["p_cat2", "p_cow"], data=table)


# ---------------------------------------------------------------------------
# parameters and errors
# ---------------------------------------------------------------------------

def test_y_pred_is_a_deprecated_alias():
    with pytest.warns(FutureWarning, match="renamed to `y_proba`"):
        got = log_loss([0, 1], y_pred=[0.3, 0.6])
    assert got == pytest.approx(skm.log_loss([0, 1], [0.3, 0.6]))
    with pytest.raises(InvalidParameterError, match="y_pred"):
        log_loss([0, 1], [0.3, 0.6], y_pred=[0.3, 0.6])


def test_errors_name_argument_and_row():
    with pytest.raises(InvalidInputError, match=r"y_proba: holds 1\.25 in column 1, outside "
                                                r"\[0, 1\] \(first at row 2\)"):
        log_loss([0, 1, 1], [[0.5, 0.5], [0.5, 0.5], [0.25, 1.25]])
    with pytest.raises(InvalidInputError, match=r"contains NaN \(first at row 1\)"):
        brier_score_loss([0, 1, 1], [0.5, np.nan, 0.2])
    with pytest.raises(LabelError, match=r"y_true: holds 3, which is not in labels.*row 2"):
        log_loss([0, 1, 3], [[0.5, 0.3, 0.2]] * 3, labels=[0, 1, 2])
    with pytest.raises(LabelError, match="only one label"):
        log_loss([1, 1], [0.2, 0.4])
    with pytest.raises(LabelError, match="at least two labels"):
        log_loss([1, 1], [0.2, 0.4], labels=[1])
    with pytest.raises(LabelError, match="3 columns but y_true has 2 classes"):
        log_loss([0, 1], [[0.2, 0.4, 0.4], [0.2, 0.4, 0.4]])
    with pytest.raises(LabelError, match="at least 3 classes"):
        log_loss([0, 1, 2], [[0.5, 0.5]] * 3)
    with pytest.raises(LabelError, match="strings and numbers"):
        log_loss(["a", "b"], [[0.5, 0.5]] * 2, labels=[0, 1])
    with pytest.raises(LabelError, match="does not match the type"):
        brier_score_loss([0, 1], [0.2, 0.4], pos_label="a")
    with pytest.raises(LabelError, match="binary target"):
        brier_score_loss([0, 1, 2], [0.2, 0.4, 0.1])
    with pytest.raises(EmptyInputError):
        log_loss(np.zeros(0, int), np.zeros(0))
    with pytest.raises(InvalidInputError, match="sample_weight"):
        brier_score_loss([0, 1], [0.2, 0.4], sample_weight=[0, 0])
    with pytest.raises(InvalidParameterError, match="normalize"):
        log_loss([0, 1], [0.2, 0.4], normalize="yes")
    with pytest.raises(InvalidParameterError, match="scale_by_half"):
        brier_score_loss([0, 1], [0.2, 0.4], scale_by_half=None)
    with pytest.raises(InputTypeError, match="indicator"):
        log_loss(np.eye(3, dtype=int), np.full((3, 3), 1 / 3))
    with pytest.raises(InputTypeError, match="numeric probabilities"):
        log_loss([0, 1], ["a", "b"])


def test_docstring_examples():
    module = importlib.import_module("fastmetrics.losses.metrics")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0

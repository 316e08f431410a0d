"""Multiclass and multilabel ROC AUC and average precision against scikit-learn.

Fixed cases (ties, a class absent from y_true, labels= with unseen classes,
string labels, weights, 2-D scores with a binary target, multilabel columns
without positives or without negatives, the samples average), property cases
(hypothesis), the error catalogue, merged chunk states, Arrow and ``data=``
inputs, and the class-table kernels against their numpy oracles.
"""

from __future__ import annotations

import warnings

import numpy as np
import pyarrow as pa
import pytest
import scipy.sparse as sp
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st

import fastmetrics as fm
from fastmetrics.exceptions import (InputTypeError, InvalidInputError, InvalidParameterError,
                                    LabelError)
from fastmetrics.kernels import reference_ranking as ref
from fastmetrics.kernels.cpu import class_tables as kern
from fastmetrics.kernels.cpu import row_ranking
from fastmetrics.kernels.cpu.score_checks import score_checks
from fastmetrics.ranking.state import MulticlassAreas
from fastmetrics.ranking.build_multiclass import ranking_state

from .conftest import assert_same_result, call_both

# Warnings are compared with scikit-learn's inside ``check``; elsewhere (direct
# calls of either library on inputs with an undefined class) they are noise.
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _sklearn(name):
    """scikit-learn's function, its ZeroDivisionError (numpy.average of weights summing
    to zero: the samples average, one-vs-one without a pair) read as the ValueError
    fastmetrics raises there."""
    def call(*args, **kwargs):
        try:
            return getattr(skm, name)(*args, **kwargs)
        except ZeroDivisionError as exc:
            raise ValueError(str(exc)) from None
    return call


def check(name, y_true, y_score, **kwargs):
    """Same value (rtol 1e-12), type and warnings as scikit-learn, or both raise."""
    got, expected, w_ours, w_theirs = call_both(getattr(fm, name), _sklearn(name),
                                                y_true, y_score, **kwargs)
    assert_same_result(got, expected)
    if not isinstance(expected, Exception):
        assert w_ours == w_theirs, f"warnings differ:\nours    {w_ours}\nsklearn {w_theirs}"
    return got


def probabilities(rng, n, k, levels=None, dtype=np.float64):
    raw = rng.random((n, k)) if levels is None else rng.integers(1, levels + 1, (n, k))
    return (raw / raw.sum(axis=1, keepdims=True)).astype(dtype)


OVR = [{"multi_class": "ovr", "average": a} for a in ("macro", "weighted", "micro", None)]
OVO = [{"multi_class": "ovo", "average": a} for a in ("macro", "weighted")]
AVERAGES = ["macro", "weighted", "micro", "samples", None]


# ---------------------------------------------------------------------------
# multiclass: fixed cases
# ---------------------------------------------------------------------------

def _multiclass_cases():
    rng = np.random.default_rng(7)
    y = rng.integers(0, 4, 80)
    cases = {
        "distinct": (y, probabilities(rng, 80, 4)),
        "ties": (y, probabilities(rng, 80, 4, levels=3)),
        "float32": (y, probabilities(rng, 80, 4, dtype=np.float32)),
        "strings": (np.array(["cat", "dog", "emu"])[rng.integers(0, 3, 50)],
                    probabilities(rng, 50, 3, levels=4)),
        "constant": (np.array([0, 1, 2, 1, 0, 2]), np.full((6, 3), 1 / 3)),
        "tiny": (np.array([2, 0, 1]), np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2],
                                                [0.1, 0.8, 0.1]])),
        "lists": ([0, 1, 2, 2, 1], [[0.5, 0.25, 0.25], [0.2, 0.6, 0.2], [0.1, 0.1, 0.8],
                                     [0.3, 0.3, 0.4], [0.4, 0.4, 0.2]]),
    }
    return cases


MULTICLASS = _multiclass_cases()


@pytest.mark.parametrize("case", list(MULTICLASS))
@pytest.mark.parametrize("kwargs", OVR + OVO, ids=lambda kw: f"{kw['multi_class']}-"
                                                             f"{kw['average']}")
def test_multiclass_roc_auc_fixed(case, kwargs):
    y, s = MULTICLASS[case]
    check("roc_auc_score", y, s, **kwargs)


@pytest.mark.parametrize("case", list(MULTICLASS))
@pytest.mark.parametrize("average", AVERAGES)
def test_multiclass_average_precision_fixed(case, average):
    y, s = MULTICLASS[case]
    if isinstance(s, list):
        # scikit-learn 1.9.1 fails on a list of lists here (AttributeError: 'list'
        # object has no attribute 'shape'); the same values as an array:
        expected = skm.average_precision_score(y, np.asarray(s), average=average)
        assert_same_result(fm.average_precision_score(y, s, average=average), expected)
        return
    check("average_precision_score", y, s, average=average)


@pytest.mark.parametrize("kwargs", OVR + OVO, ids=str)
def test_multiclass_weights(kwargs):
    y, s = MULTICLASS["ties"]
    rng = np.random.default_rng(3)
    for w in (rng.integers(0, 4, y.size), rng.random(y.size) * 3, np.ones(y.size)):
        check("roc_auc_score", y, s, sample_weight=w, **kwargs)  # ovo: both refuse
        if kwargs["multi_class"] == "ovr":
            for average in AVERAGES:
                check("average_precision_score", y, s, sample_weight=w, average=average)


def test_zero_weight_class_falls_back_to_the_curve():
    """A class whose rows all weigh zero: scikit-learn's NaN and warnings, via the curve."""
    y, s = MULTICLASS["ties"]
    w = np.where(y == 2, 0.0, 1.5)
    for average in ("macro", "weighted", None, "micro"):
        check("roc_auc_score", y, s, sample_weight=w, multi_class="ovr", average=average)
        check("average_precision_score", y, s, sample_weight=w, average=average)
    # built through the class tables (two batches) as well as in one pass
    state = fm.multiclass_score_state(y, s, sample_weight=w)
    expected = skm.roc_auc_score(y, s, sample_weight=w, multi_class="ovr", average=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = fm.roc_auc_score.from_state(state, multi_class="ovr", average=None)
    np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)
    all_zero = np.zeros(y.size)
    check("roc_auc_score", y, s, sample_weight=all_zero, multi_class="ovr",
          average="weighted")  # scikit-learn's early 0


@pytest.mark.parametrize("kwargs", OVR + OVO, ids=str)
def test_labels_with_unseen_classes(kwargs):
    rng = np.random.default_rng(11)
    y = rng.choice([0, 1, 3], 40)
    s = probabilities(rng, 40, 4, levels=5)
    check("roc_auc_score", y, s, labels=[0, 1, 2, 3], **kwargs)
    # a binary y_true with more than two score columns is scored as multiclass
    yb = rng.choice(["a", "c"], 30)
    sb = probabilities(rng, 30, 3)
    check("roc_auc_score", yb, sb, labels=["a", "b", "c"], **kwargs)
    # one class only: one-vs-rest NaN everywhere, one-vs-one no pair
    one = (np.zeros(6, int), probabilities(rng, 6, 3))
    if kwargs == {"multi_class": "ovo", "average": "weighted"}:
        with pytest.raises(ZeroDivisionError):  # numpy.average of no pair, no weight
            skm.roc_auc_score(*one, labels=[0, 1, 2], **kwargs)
        with pytest.raises(InvalidInputError, match="no one-vs-one pair"):
            fm.roc_auc_score(*one, labels=[0, 1, 2], **kwargs)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's mean of an empty slice
        check("roc_auc_score", *one, labels=[0, 1, 2], **kwargs)


def test_average_precision_class_absent_is_refused():
    rng = np.random.default_rng(5)
    y = rng.choice([0, 1, 3], 30)
    check("average_precision_score", y, probabilities(rng, 30, 4))  # both raise


def test_binary_target_with_score_matrix_is_refused():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 20)
    s2 = probabilities(rng, 20, 2)
    for kwargs in ({}, {"multi_class": "ovr"}, {"average": None}):
        check("roc_auc_score", y, s2, **kwargs)
    check("average_precision_score", y, s2)
    check("average_precision_score", y, s2, pos_label=5)
    # without labels, K=3 columns for two classes: both refuse
    check("roc_auc_score", y, probabilities(rng, 20, 3), multi_class="ovr")


def test_integer_weights_equal_repeated_rows():
    y, s = MULTICLASS["ties"]
    w = np.random.default_rng(1).integers(0, 4, y.size)
    for kwargs in OVR:
        a = fm.roc_auc_score(y, s, sample_weight=w, **kwargs)
        b = fm.roc_auc_score(np.repeat(y, w), np.repeat(s, w, axis=0), **kwargs)
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for average in AVERAGES:
        a = fm.average_precision_score(y, s, sample_weight=w, average=average)
        b = fm.average_precision_score(np.repeat(y, w), np.repeat(s, w, axis=0),
                                       average=average)
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_one_pass_and_tables_agree_exactly():
    """The one-shot reduction (no table) and the stored tables give the same counts."""
    y, s = MULTICLASS["ties"]
    areas = ranking_state(y, s, areas=True, pairwise=True)
    assert isinstance(areas, MulticlassAreas)
    state = fm.multiclass_score_state(y, s)
    twice, ap = state.areas(areas.diag)
    np.testing.assert_array_equal(twice, areas.twice_area)
    np.testing.assert_allclose(ap, areas.ap_sum, rtol=1e-14)
    ovr = ranking_state(y, s, areas=True, pairwise=False)
    np.testing.assert_array_equal(ovr.twice_area[:, 0], twice.sum(axis=1))


# ---------------------------------------------------------------------------
# multilabel: fixed cases
# ---------------------------------------------------------------------------

def _multilabel_cases():
    rng = np.random.default_rng(9)
    y = (rng.random((60, 4)) < 0.4).astype(int)
    y[:, 2] = 0  # a column without positives
    y[:, 3] = 1  # a column without negatives
    y[5] = 0  # rows of one class for the samples average
    y[6] = 1
    s = rng.integers(0, 6, (60, 4)) / 5
    yb = (rng.random((40, 3)) < 0.5)
    yb[:, 0] = [True, False] * 20
    return {
        "edge_columns": (y, s),
        "ties_bool": (yb, rng.integers(0, 3, (40, 3)).astype(np.float32)),
        "float_indicators": (yb.astype(float), rng.random((40, 3))),
        "distinct": ((rng.random((50, 5)) < 0.3).astype(np.int8), rng.standard_normal((50, 5))),
        "lists": ([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]],
                  [[0.9, 0.2, 0.6], [0.3, 0.8, 0.4], [0.6, 0.1, 0.7], [0.2, 0.4, 0.4]]),
    }


MULTILABEL = _multilabel_cases()


@pytest.mark.parametrize("case", list(MULTILABEL))
@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("name", ["roc_auc_score", "average_precision_score"])
def test_multilabel_fixed(name, case, average):
    y, s = MULTILABEL[case]
    check(name, y, s, average=average)


@pytest.mark.parametrize("average", AVERAGES)
def test_multilabel_partial_auc(average):
    for case in ("ties_bool", "distinct", "edge_columns"):
        y, s = MULTILABEL[case]
        for max_fpr in (0.3, 0.75, 1.0):
            check("roc_auc_score", y, s, average=average, max_fpr=max_fpr)


@pytest.mark.parametrize("levels", [3, 10, None])
def test_samples_average_of_rows_with_both_classes(levels):
    """Every row holds both classes, so the samples mean is not NaN: per-row areas
    (and McClish's partial areas) are compared one by one through the mean."""
    rng = np.random.default_rng(levels or 0)
    n, k = 60, 7
    y = (rng.random((n, k)) < 0.4).astype(int)
    y[:, 0], y[:, 1] = 1, 0
    raw = rng.random((n, k)) if levels is None else rng.integers(0, levels, (n, k)) / levels
    for dtype in (np.float32, np.float64):
        s = raw.astype(dtype)
        for w in (None, rng.random(n), rng.integers(0, 3, n)):
            for max_fpr in (None, 0.1, 0.3, 0.5, 0.8, 1.0):
                check("roc_auc_score", y, s, average="samples", max_fpr=max_fpr,
                      sample_weight=w)
            check("average_precision_score", y, s, average="samples", sample_weight=w)


@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("name", ["roc_auc_score", "average_precision_score"])
def test_multilabel_weights(name, average):
    rng = np.random.default_rng(4)
    for case in ("edge_columns", "ties_bool"):
        y, s = MULTILABEL[case]
        n = len(y)
        for w in (rng.integers(0, 3, n), rng.random(n), np.r_[np.zeros(n - 3), [1, 2, 0.5]]):
            check(name, y, s, sample_weight=w, average=average)


def test_multilabel_sparse_and_zero_weights():
    y, s = MULTILABEL["ties_bool"]
    for average in AVERAGES:
        for name in ("roc_auc_score", "average_precision_score"):
            expected = getattr(skm, name)(y, s, average=average)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                got = getattr(fm, name)(sp.csr_matrix(y.astype(np.int8)), s, average=average)
            np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)
    w0 = np.zeros(len(y))
    with pytest.raises(InvalidInputError, match="Weights sum to zero"):
        fm.roc_auc_score(y, s, sample_weight=w0, average="samples")
    with pytest.raises(ZeroDivisionError):  # scikit-learn's answer to the same
        skm.roc_auc_score(y, s, sample_weight=w0, average="samples")
    assert fm.average_precision_score(y, s, sample_weight=w0, average="weighted") == 0


# ---------------------------------------------------------------------------
# property cases
# ---------------------------------------------------------------------------

@st.composite
def multiclass_inputs(draw):
    k = draw(st.integers(3, 5))
    n = draw(st.integers(k, 50))
    y = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    levels = draw(st.sampled_from([2, 4, 1000]))
    raw = np.array(draw(st.lists(st.integers(1, levels), min_size=n * k, max_size=n * k)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scores = raw.reshape(n, k)
    scores = (scores / scores.sum(axis=1, keepdims=True)).astype(dtype)
    weights = draw(st.one_of(
        st.none(), st.lists(st.integers(0, 3), min_size=n, max_size=n).map(np.array),
        st.lists(st.floats(0, 5, allow_nan=False, width=32), min_size=n,
                 max_size=n).map(np.array)))
    return y, scores, weights


@given(multiclass_inputs(), st.sampled_from(OVR + OVO))
def test_multiclass_roc_auc_property(data, kwargs):
    y, s, w = data
    check("roc_auc_score", y, s, sample_weight=w, **kwargs)
    if len(np.unique(y)) < s.shape[1]:  # a class absent: labels= names the columns
        check("roc_auc_score", y, s, sample_weight=w, labels=np.arange(s.shape[1]), **kwargs)


@given(multiclass_inputs(), st.sampled_from(AVERAGES))
def test_multiclass_average_precision_property(data, average):
    y, s, w = data
    check("average_precision_score", y, s, sample_weight=w, average=average)


@st.composite
def multilabel_inputs(draw):
    k = draw(st.integers(2, 5))
    n = draw(st.integers(1, 40))
    y = np.array(draw(st.lists(st.integers(0, 1), min_size=n * k, max_size=n * k))).reshape(
        n, k)
    if draw(st.booleans()):  # every row of both classes: a samples mean that is not NaN
        y[:, 0], y[:, 1] = 1, 0
    levels = draw(st.sampled_from([2, 5, 1000]))
    s = np.array(draw(st.lists(st.integers(0, levels), min_size=n * k, max_size=n * k)))
    s = (s.reshape(n, k) / levels).astype(draw(st.sampled_from([np.float32, np.float64])))
    weights = draw(st.one_of(
        st.none(), st.lists(st.integers(0, 3), min_size=n, max_size=n).map(np.array),
        st.lists(st.floats(0, 5, allow_nan=False, width=32), min_size=n,
                 max_size=n).map(np.array)))
    return y, s, weights


@given(multilabel_inputs(), st.sampled_from(AVERAGES), st.sampled_from([None, 0.4]))
def test_multilabel_property(data, average, max_fpr):
    y, s, w = data
    check("roc_auc_score", y, s, sample_weight=w, average=average, max_fpr=max_fpr)
    check("average_precision_score", y, s, sample_weight=w, average=average)


def same_outcome(from_state, one_shot):
    """Equal results (NaN included), or the same error type from both."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outcomes = []
        for f in (from_state, one_shot):
            try:
                outcomes.append(f())
            except (ValueError, TypeError) as exc:
                outcomes.append(exc)
    a, b = outcomes
    if isinstance(b, Exception):
        assert type(a) is type(b), (a, b)
    else:
        assert not isinstance(a, Exception), a
        np.testing.assert_allclose(a, b, rtol=1e-12, equal_nan=True)


@given(multiclass_inputs(), st.integers(1, 4))
def test_merged_chunks_equal_the_whole(data, n_chunks):
    y, s, w = data
    labels = np.arange(s.shape[1])  # a chunk may miss classes: labels= names the columns
    whole = fm.multiclass_score_state(y, s, sample_weight=w, labels=labels)
    cuts = np.array_split(np.arange(len(y)), n_chunks)
    parts = [fm.multiclass_score_state(y[c], s[c], sample_weight=None if w is None else w[c],
                                       labels=labels)
             for c in cuts if c.size]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    np.testing.assert_array_equal(merged.classes, whole.classes)
    np.testing.assert_array_equal(merged.offsets, whole.offsets)
    np.testing.assert_array_equal(merged.thresholds, whole.thresholds)
    np.testing.assert_array_equal(merged.counts, whole.counts)
    np.testing.assert_array_equal(merged.class_counts, whole.class_counts)
    if w is not None:
        np.testing.assert_allclose(merged.weight_sums, whole.weight_sums, rtol=1e-12)
    np.testing.assert_allclose(merged.rank_sums, whole.rank_sums, rtol=1e-12)
    for kwargs in OVR + OVO:
        same_outcome(lambda: fm.roc_auc_score.from_state(merged, **kwargs),
                     lambda: fm.roc_auc_score(y, s, sample_weight=w, labels=labels, **kwargs))
    for average in AVERAGES:
        same_outcome(lambda: fm.average_precision_score.from_state(merged, average=average),
                     lambda: fm.average_precision_score(y, s, sample_weight=w,
                                                        average=average))


@given(multilabel_inputs(), st.integers(2, 3))
def test_multilabel_merged_chunks_equal_the_whole(data, n_chunks):
    y, s, w = data
    cuts = [c for c in np.array_split(np.arange(len(y)), n_chunks) if c.size]
    parts = [fm.multiclass_score_state(y[c], s[c], sample_weight=None if w is None else w[c])
             for c in cuts]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    for average in AVERAGES:
        for name in ("roc_auc_score", "average_precision_score"):
            same_outcome(lambda: getattr(fm, name).from_state(merged, average=average),
                         lambda: getattr(fm, name)(y, s, sample_weight=w, average=average))


def test_medium_sizes_against_sklearn():
    """Past the one-thread threshold: parallel kernels, and the raveled micro problem
    through the radix-sort kernel without a table."""
    rng = np.random.default_rng(21)
    n, k = 30_000, 5
    y = rng.integers(0, k, n)
    s = probabilities(rng, n, k, dtype=np.float32)
    w = rng.random(n)
    for kwargs in OVR + OVO:
        check("roc_auc_score", y, s, **kwargs)
    for average in ("micro", "weighted"):
        check("roc_auc_score", y, s, sample_weight=w, multi_class="ovr", average=average)
        check("average_precision_score", y, s, sample_weight=w, average=average)
    check("average_precision_score", y, s, average="micro")
    ym = (rng.random((n, k)) < 0.2).astype(int)
    for average in ("macro", "weighted", "micro", None):  # sklearn's "samples" loops in
        check("roc_auc_score", ym, s, sample_weight=w, average=average)  # Python: 10 s
        check("average_precision_score", ym, s, average=average)
    # from states: the micro average's table of all entries through the radix kernel
    for weights in (None, w):
        state = fm.multiclass_score_state(y, s, sample_weight=weights)
        assert state.thresholds.size >= kern.PARALLEL_MIN_CELLS
        for name, kwargs in (("roc_auc_score", {"multi_class": "ovr"}),
                             ("average_precision_score", {})):
            np.testing.assert_allclose(
                getattr(fm, name).from_state(state, average="micro", **kwargs),
                getattr(skm, name)(y, s, sample_weight=weights, average="micro", **kwargs),
                rtol=1e-12)
        ml = fm.multiclass_score_state(ym, s, sample_weight=weights)
        np.testing.assert_allclose(
            fm.roc_auc_score.from_state(ml, average="micro"),
            skm.roc_auc_score(ym, s, sample_weight=weights, average="micro"), rtol=1e-12)


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------

Y3 = np.array([0, 1, 2, 1, 0, 2])
S3 = np.array([[0.6, 0.3, 0.1], [0.2, 0.7, 0.1], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3],
               [0.5, 0.25, 0.25], [0.2, 0.2, 0.6]])

ERRORS = [
    # (kwargs for roc_auc_score, exception type, message fragment)
    (dict(y_true=Y3, y_score=S3), InvalidParameterError, "multi_class must be in"),
    (dict(y_true=Y3, y_score=S3, multi_class="ovr", max_fpr=0.5), InvalidParameterError,
     "Partial AUC computation not available"),
    (dict(y_true=Y3, y_score=S3 * 2, multi_class="ovr"), InvalidInputError,
     "sum up to 1.0 over classes (6 row(s) do not) (first at row 0)"),
    (dict(y_true=Y3, y_score=np.r_[S3[:3], [[0.5, 0.5, 0.5]], S3[4:]], multi_class="ovo"),
     InvalidInputError, "first at row 3"),
    (dict(y_true=Y3, y_score=S3, multi_class="ovr", average="samples"),
     InvalidParameterError, "for multiclass problems"),
    (dict(y_true=Y3, y_score=S3, multi_class="ovo", average="micro"),
     InvalidParameterError, "for multiclass problems"),
    (dict(y_true=Y3, y_score=S3, multi_class="ovo", average=None), InvalidParameterError,
     "average=None is not implemented"),
    (dict(y_true=Y3, y_score=S3, multi_class="ovo", sample_weight=np.ones(6)),
     InvalidParameterError, "sample_weight is not supported"),
    (dict(y_true=Y3, y_score=S3, multi_class="ovr", labels=[0, 1, 1]), LabelError,
     "must be unique"),
    (dict(y_true=Y3, y_score=S3, multi_class="ovr", labels=[0, 2, 1]), LabelError,
     "must be ordered"),
    (dict(y_true=Y3, y_score=S3, multi_class="ovr", labels=[0, 1, 2, 3]), LabelError,
     "Number of given labels, 4, not equal to the number of columns in 'y_score', 3"),
    (dict(y_true=np.array([0, 1, 3, 1, 0, 2]), y_score=S3, multi_class="ovr",
          labels=[0, 1, 2]), LabelError, "not in parameter 'labels' (such as 3"),
    (dict(y_true=np.array([0, 1, 3, 1, 0, 2]), y_score=S3, multi_class="ovr",
          labels=[0, 1, 2]), LabelError, "(first at row 2)"),
    (dict(y_true=Y3, y_score=S3, multi_class="ovr", labels=["a", "b", "c"]), LabelError,
     "strings and numbers do not mix"),
    (dict(y_true=Y3, y_score=S3[:, :2] / S3[:, :2].sum(1, keepdims=True),
          multi_class="ovr"), LabelError, "Number of classes in y_true not equal"),
    (dict(y_true=Y3, y_score=np.r_[S3[:4], [[np.nan, 0.5, 0.5]], S3[5:]],
          multi_class="ovr"), InvalidInputError, "contains NaN in column 0 (first at row 4)"),
    (dict(y_true=Y3, y_score=np.r_[S3[:2], [[0.5, np.inf, 0.5]], S3[3:]],
          multi_class="ovr"), InvalidInputError, "infinity in column 1 (first at row 2)"),
    (dict(y_true=Y3, y_score=S3, multi_class="ova"), InvalidParameterError,
     "must be 'raise', 'ovr' or 'ovo'"),
    (dict(y_true=Y3, y_score=S3, multi_class="ovr", average="mean"), InvalidParameterError,
     "average"),
    (dict(y_true=Y3, y_score=np.array([["a", "b", "c"]] * 6)), InputTypeError,
     "must be numeric"),
    (dict(y_true=Y3, y_score=pa.array([["a", "b", "c"]] * 6, pa.list_(pa.string(), 3))),
     InputTypeError, "y_score"),
    (dict(y_true=[[0, 2], [1, 0]], y_score=[[0.1, 0.2], [0.3, 0.4]]), LabelError,
     "holds 2 in indicator column 1"),
    (dict(y_true=[[0, 2], [1, 0]], y_score=[[0.1, 0.2], [0.3, 0.4]]), LabelError,
     "(first at row 0)"),
    (dict(y_true=[[0, 1], [1, 0]], y_score=[[0.1, 0.2, 0.3], [0.3, 0.4, 0.1]]),
     InputTypeError, "2 indicator columns and 3 score columns"),
    (dict(y_true=[[0, 1], [1, 0]], y_score=[0.1, 0.2]), InputTypeError,
     "2 indicator columns and no score columns"),
    (dict(y_true=[[0, 1], [1, 0]], y_score=[[0.1, np.nan], [0.3, 0.4]]), InvalidInputError,
     "contains NaN in column 1 (first at row 0)"),
    (dict(y_true=np.zeros((0,)), y_score=np.zeros((0, 3))), fm.exceptions.EmptyInputError,
     "is empty"),
    (dict(y_true=[0, 1, 1], y_score=[[0.2, 0.8], [0.4, 0.6], [0.1, 0.9]]), InputTypeError,
     "y_true is binary"),
    (dict(y_true=Y3, y_score=S3[:, 0], multi_class="ovr"), LabelError,
     "has 3 classes but y_score is 1-D"),
    (dict(y_true="y", y_score="s", data={"y": Y3, "s": S3[:, 0]}, multi_class="ovr"),
     LabelError, "has 3 classes but y_score is 1-D"),
]


@pytest.mark.parametrize("kwargs,error,fragment", ERRORS,
                         ids=[f"{i}-{e[2][:30]}" for i, e in enumerate(ERRORS)])
def test_roc_auc_errors(kwargs, error, fragment):
    with pytest.raises(error) as info:
        fm.roc_auc_score(**kwargs)
    assert fragment in str(info.value), str(info.value)
    if "data" in kwargs:
        data = kwargs.pop("data")
        kwargs = {k: data.get(v, v) if isinstance(v, str) else v for k, v in kwargs.items()}
    # (scikit-learn answers indicator and score widths that differ with an IndexError)
    with pytest.raises((ValueError, TypeError, NotImplementedError, IndexError)):
        skm.roc_auc_score(**{k: v.to_pylist() if isinstance(v, pa.Array) else v
                             for k, v in kwargs.items()})


def test_average_precision_errors():
    with pytest.raises(LabelError, match="pos_label is fixed to 1 for multiclass"):
        fm.average_precision_score(Y3, S3, pos_label=0)
    with pytest.raises(LabelError, match="pos_label is fixed to 1 for multilabel"):
        fm.average_precision_score([[0, 1], [1, 0]], [[0.1, 0.2], [0.3, 0.4]], pos_label=2)
    with pytest.raises(InputTypeError, match=r"needs to be of shape.*4 classes"):
        fm.average_precision_score(np.array([0, 1, 2, 3, 1, 0]), S3)
    # unnormalized scores are fine for average precision (as in scikit-learn)
    check("average_precision_score", Y3, S3 * 3)


def test_state_errors():
    with pytest.raises(InputTypeError, match="1-D"):
        fm.multiclass_score_state([0, 1, 0], [0.2, 0.3, 0.4])
    a = fm.multiclass_score_state(Y3, S3)
    b = fm.multiclass_score_state([[0, 1], [1, 0]], [[0.1, 0.2], [0.3, 0.4]])
    with pytest.raises(InputTypeError, match="cannot merge"):
        a.merge(b)
    with pytest.raises(InputTypeError, match="cannot merge"):
        b.merge(a)
    with pytest.raises(InputTypeError, match="score columns"):
        a.merge(fm.multiclass_score_state([0, 1], [[0.5, 0.5], [0.2, 0.8]]))
    with pytest.raises(LabelError, match="different labels"):
        fm.multiclass_score_state(Y3, S3, labels=[0, 1, 2]).merge(
            fm.multiclass_score_state([5], [[0.2, 0.3, 0.5]], labels=[1, 5, 7]))
    with pytest.raises(LabelError, match="first at row 1"):
        fm.multiclass_score_state([0, 4, 1], S3[:3], labels=[0, 1, 2])
    with pytest.raises(InputTypeError, match="takes a ScoreState"):
        fm.roc_auc_score.from_state("nope")
    ml = fm.multiclass_score_state([[0, 1], [1, 1]], [[0.1, 0.2], [0.3, 0.4]])
    with pytest.raises(InvalidParameterError, match="max_fpr"):
        fm.roc_auc_score.from_state(ml, average="samples", max_fpr=0.5)
    # the state's labels apply unless from_state is given others
    y = np.array([0, 1, 3, 3, 1, 0])
    st_ = fm.multiclass_score_state(y, S3, labels=[0, 1, 3])
    expected = skm.roc_auc_score(y, S3, multi_class="ovr", labels=[0, 1, 3])
    assert fm.roc_auc_score.from_state(st_, multi_class="ovr") == pytest.approx(expected,
                                                                                rel=1e-12)
    with pytest.raises(LabelError, match="not in parameter 'labels'"):
        fm.roc_auc_score.from_state(st_, multi_class="ovr", labels=[0, 1, 2])


# ---------------------------------------------------------------------------
# Arrow and data= inputs
# ---------------------------------------------------------------------------

def _fixed_size_list(matrix):
    matrix = np.asarray(matrix)
    return pa.FixedSizeListArray.from_arrays(pa.array(matrix.ravel()), matrix.shape[1])


def test_arrow_and_data_inputs():
    y, s = MULTICLASS["strings"]
    expected = skm.roc_auc_score(y, s, multi_class="ovr", average=None)
    got = fm.roc_auc_score(pa.array(y), _fixed_size_list(s), multi_class="ovr", average=None)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    table = pa.table({"label": y, "proba": _fixed_size_list(s),
                      "p0": s[:, 0], "p1": s[:, 1], "p2": s[:, 2]})
    got = fm.roc_auc_score("label", "proba", data=table, multi_class="ovo")
    assert got == pytest.approx(skm.roc_auc_score(y, s, multi_class="ovo"), rel=1e-12)
    got = fm.average_precision_score("label", ["p0", "p1", "p2"], data=table, average="micro")
    assert got == pytest.approx(skm.average_precision_score(y, s, average="micro"), rel=1e-12)
    # several record batches: the class tables of each batch are merged
    batches = pa.Table.from_batches(table.to_batches(max_chunksize=7))
    for kwargs in OVR + OVO:
        got = fm.roc_auc_score("label", "proba", data=batches, **kwargs)
        np.testing.assert_allclose(got, skm.roc_auc_score(y, s, **kwargs), rtol=1e-12)
    for average in AVERAGES:
        got = fm.average_precision_score("label", "proba", data=batches, average=average)
        np.testing.assert_allclose(got, skm.average_precision_score(y, s, average=average),
                                   rtol=1e-12)
    # multilabel, fixed-size lists on both sides, in one batch and in several
    ym, sm = MULTILABEL["distinct"]
    mtable = pa.table({"y": _fixed_size_list(ym), "s": _fixed_size_list(sm)})
    for data in (mtable, pa.Table.from_batches(mtable.to_batches(max_chunksize=9))):
        for average in AVERAGES:
            got = fm.average_precision_score("y", "s", data=data, average=average)
            np.testing.assert_allclose(
                got, skm.average_precision_score(ym, sm, average=average), rtol=1e-12)
    # a binary target through data= keeps the binary path
    bt = pa.table({"y": [0, 1, 1, 0], "s": [0.1, 0.8, 0.4, 0.5]})
    assert fm.roc_auc_score("y", "s", data=bt) == skm.roc_auc_score([0, 1, 1, 0],
                                                                    [0.1, 0.8, 0.4, 0.5])


def test_drop_nulls_with_score_matrix():
    y, s = MULTICLASS["tiny"]
    y_null = pa.array([2, None, 0, 1])
    s_null = _fixed_size_list(np.r_[s[:1], [[0.5, 0.25, 0.25]], s[1:]])
    with pytest.raises(fm.exceptions.NullValueError, match="row 1"):
        fm.roc_auc_score(y_null, s_null, multi_class="ovr")
    with pytest.warns(fm.NullsDroppedWarning):
        got = fm.roc_auc_score(y_null, s_null, multi_class="ovr", drop_nulls=True)
    assert got == pytest.approx(skm.roc_auc_score(y, s, multi_class="ovr"), rel=1e-12)
    with pytest.warns(fm.NullsDroppedWarning):
        state = fm.multiclass_score_state(y_null, s_null, drop_nulls=True)
    assert state.n_dropped == 1
    bad = np.r_[s[:1], [[np.nan, 0.5, 0.5]], s[1:]]
    with pytest.raises(InvalidInputError, match="first at row 1"):
        fm.roc_auc_score(np.array([2, 1, 0, 1]), bad, multi_class="ovr")


# ---------------------------------------------------------------------------
# kernels against their oracles
# ---------------------------------------------------------------------------

def _assert_tables(a, b):
    for x, y in zip(a, b):
        if y is None:
            assert x is None
            continue
        assert x.dtype == y.dtype and x.shape == y.shape
        np.testing.assert_allclose(x, y, rtol=1e-12)


@pytest.mark.parametrize("parallel", [False, True], ids=["one-thread", "threads"])
@pytest.mark.parametrize("seed", range(6))
def test_class_table_kernels(seed, parallel, monkeypatch):
    from fastmetrics.kernels.cpu import _blocks
    monkeypatch.setattr(_blocks, "SMALL_INPUT_ROWS", 0)  # the Numba code, not numpy's
    if parallel:  # every size through the parallel launch (2 threads where there are 2)
        monkeypatch.setattr(_blocks, "FORCE_THREADS", True)
    rng = np.random.default_rng(seed)
    n, k, c = int(rng.integers(0, 400)), int(rng.integers(1, 6)), int(rng.integers(1, 5))
    dtype = [np.float32, np.float64][seed % 2]
    s = (rng.integers(-3, [4, 60, 10**6][seed % 3], (n, k)) / 7).astype(dtype)
    s[rng.random((n, k)) < 0.05] = -0.0
    codes = rng.integers(0, c, n)
    w = None if seed % 3 == 0 else rng.random(n) * (rng.random(n) < 0.9)
    tables = kern.class_score_tables(s, codes, c, w)
    _assert_tables(tables, ref.class_score_tables(s, codes, c, w))
    diag = rng.integers(-1, c, k)
    expected = ref.class_table_areas(*tables, c, diag)
    for got in (kern.class_table_areas(*tables, c, diag),
                kern.class_score_areas(s, codes, c, diag, w)):
        assert got[0].dtype == expected[0].dtype
        np.testing.assert_allclose(got[0], expected[0], rtol=1e-12)
        np.testing.assert_allclose(got[1], expected[1], rtol=1e-12)
    twice, ap = kern.class_score_areas(s, codes, c, diag, w, pairwise=False)
    np.testing.assert_allclose(twice[:, 0], expected[0].sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(ap, expected[1], rtol=1e-12)
    # merging with a second table over one more class
    s2 = (rng.integers(0, 9, (30, k)) / 8).astype(np.float64)
    c2 = rng.integers(0, c + 1, 30)
    w2 = None if w is None else rng.random(30)
    maps = (np.arange(c), np.arange(c + 1))
    _assert_tables(kern.merge_class_tables(tables, maps[0], kern.class_score_tables(
        s2, c2, c + 1, w2), maps[1], c + 1), ref.merge_class_tables(
        ref.class_score_tables(s, codes, c, w), maps[0], ref.class_score_tables(
            s2, c2, c + 1, w2), maps[1], c + 1))
    np.testing.assert_allclose(row_ranking.reciprocal_rank_sums(s, codes, c, w),
                               ref.reciprocal_rank_sums(s, codes, c, w), rtol=1e-12)
    labels = (rng.random((n, k)) < 0.4).astype(np.int8)
    _assert_tables(kern.binary_score_tables(s, labels, w), ref.binary_score_tables(s, labels, w))
    truth = (rng.random((n, k)) < 0.4).astype(np.uint8)
    for max_fpr in (None, 0.3):
        got = row_ranking.row_ranking_scores(truth, s, max_fpr)
        want = ref.row_ranking_scores(truth, s, max_fpr)
        np.testing.assert_allclose(got[0], want[0], rtol=1e-12, equal_nan=True)
        np.testing.assert_allclose(got[1], want[1], rtol=1e-12)
    assert score_checks(s) == ref.score_checks(s)


@pytest.mark.parametrize("k", [1, 2, 3, 7, 8, 9, 16, 17, 130, 300])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_score_checks_are_numpy_allclose(k, dtype):
    """Bit for bit numpy's row sums and tolerance, on rows at the edge of it."""
    rng = np.random.default_rng(k)
    p = rng.random((400, k))
    p = (p / p.sum(axis=1, keepdims=True)).astype(dtype)
    eps = np.finfo(dtype).eps
    p[::3, 0] += dtype(rng.choice([1e-5, 1.001e-5, 0.999e-5, 3 * eps, 5e-6]))
    clean = score_checks(p)
    assert clean[:2] == (0, -1)
    p[1::7, -1] = np.inf
    p[5, 0] = np.nan
    got = score_checks(p)
    assert got == ref.score_checks(p)
    bad = ~np.isclose(1, p.sum(axis=1))
    assert got[2] == bad.sum() and got[3] == np.flatnonzero(bad)[0]
    assert got[0] == np.sum(~np.isfinite(p))

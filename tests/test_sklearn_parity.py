"""Every confusion-family metric against scikit-learn: fixed cases and property tests.

A registry lists each metric with the parameter combinations to try; every
case compares the value (exact for counts, float64 rounding for ratios), the
error-or-not outcome, and the warnings raised.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sklearn.metrics as skm
from hypothesis import given
from hypothesis import strategies as st

import fastmetrics as fm

from .conftest import assert_same_result, call_both

AVERAGES = ["binary", "micro", "macro", "weighted", None]
ZERO_DIVISIONS = ["warn", 0.0, 1.0, np.nan]

#: metric name -> list of keyword sets tried on every binary/multiclass case
REGISTRY = {
    "confusion_matrix": [{}, {"normalize": "true"}, {"normalize": "pred"},
                         {"normalize": "all"}],
    "multilabel_confusion_matrix": [{}],
    "accuracy_score": [{}, {"normalize": False}],
    "balanced_accuracy_score": [{}, {"adjusted": True}],
    "precision_score": [{"average": a, "zero_division": z}
                        for a, z in itertools.product(AVERAGES, ZERO_DIVISIONS)],
    "recall_score": [{"average": a} for a in AVERAGES],
    "f1_score": [{"average": a, "zero_division": z}
                 for a, z in itertools.product(AVERAGES, ["warn", 1.0, np.nan])],
    "fbeta_score": [{"beta": b, "average": a} for b, a in
                    itertools.product([0.5, 2.0, 0.0, np.inf], ["macro", "weighted", None])],
    "precision_recall_fscore_support": [{"average": a} for a in AVERAGES],
    "jaccard_score": [{"average": a, "zero_division": z}
                      for a, z in itertools.product(AVERAGES, ["warn", 1])],
    "matthews_corrcoef": [{}],
    "cohen_kappa_score": [{}, {"weights": "linear"}, {"weights": "quadratic"}],
    "hamming_loss": [{}],
    "zero_one_loss": [{}, {"normalize": False}],
    "classification_report": [{}, {"output_dict": True}, {"digits": 4},
                              {"output_dict": True, "zero_division": 0.0}],
}

#: metrics whose signature has no labels= / no sample_weight=
NO_LABELS = {"accuracy_score", "balanced_accuracy_score", "matthews_corrcoef",
             "hamming_loss", "zero_one_loss"}


def check(name, y_true, y_pred, exact=False, **kwargs):
    ours, theirs = getattr(fm, name), getattr(skm, name)
    got, expected, w_ours, w_theirs = call_both(ours, theirs, y_true, y_pred, **kwargs)
    assert_same_result(got, expected, exact=exact)
    if not isinstance(expected, Exception):
        assert w_ours == w_theirs, f"warnings differ:\nours   {w_ours}\nsklearn {w_theirs}"


def all_cases(name):
    return [(name, kw) for kw in REGISTRY[name]]


CASES = [c for name in REGISTRY for c in all_cases(name)]
IDS = [f"{n}-{kw}" for n, kw in CASES]

FIXED_DATA = {
    "binary": ([0, 1, 1, 0, 1, 1, 0, 0], [0, 1, 0, 0, 1, 1, 1, 0]),
    "multiclass": ([0, 1, 2, 0, 1, 2, 2, 2, 1], [0, 2, 1, 0, 0, 2, 2, 1, 1]),
    "strings": (["cat", "dog", "dog", "bird", "cat"], ["cat", "dog", "bird", "bird", "dog"]),
    "one_class": ([1, 1, 1], [1, 1, 1]),
    "one_row": ([3], [2]),
    "pred_only_class": ([0, 0, 1, 1], [0, 2, 1, 1]),
    "true_only_class": ([0, 3, 1, 1], [0, 0, 1, 1]),
    "bools": (np.array([True, False, True, True]), np.array([True, True, False, True])),
    "floats": (np.array([0.0, 1.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0, 2.0])),
    "int8": (np.array([0, 1, 1, 0, 1], np.int8), np.array([1, 1, 1, 0, 0], np.int8)),
    "negative_ints": (np.array([-5, 3, 3, -5]), np.array([-5, -5, 3, 3])),
    "wide_range": (np.array([7, 70000, 7, 5]), np.array([7, 7, 70000, 5])),
    "all_wrong": ([0, 0, 1, 1], [1, 1, 0, 0]),
}


@pytest.mark.parametrize("data", list(FIXED_DATA), ids=list(FIXED_DATA))
@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_fixed_cases(name, kwargs, data):
    y_true, y_pred = FIXED_DATA[data]
    if name == "cohen_kappa_score":
        check(name, y_true, y_pred, **kwargs)
        return
    check(name, y_true, y_pred, **kwargs)


@pytest.mark.parametrize("name,kwargs", CASES, ids=IDS)
def test_weighted_fixed(name, kwargs):
    y_true, y_pred = FIXED_DATA["multiclass"]
    for w in (np.array([1, 2, 0, 1, 3, 1, 1, 2, 5]),
              np.array([0.5, 2.25, 0.0, 1.0, 3.5, 1.0, 0.1, 2.0, 5.0])):
        check(name, y_true, y_pred, sample_weight=w, **kwargs)


LABEL_CHOICES = [[2, 0, 1], [0, 1], [2], [0, 5, 1], [1, 2, 0, 7]]


@pytest.mark.parametrize("labels", LABEL_CHOICES, ids=str)
@pytest.mark.parametrize("name,kwargs",
                         [c for c in CASES if c[0] not in NO_LABELS], ids=str)
def test_labels_parameter(name, kwargs, labels):
    y_true, y_pred = FIXED_DATA["multiclass"]
    check(name, y_true, y_pred, labels=labels, **kwargs)


@pytest.mark.parametrize("pos_label", [0, 1, 2, "x"])
@pytest.mark.parametrize("name", ["precision_score", "recall_score", "f1_score",
                                  "jaccard_score"])
def test_pos_label(name, pos_label):
    for y_true, y_pred in (FIXED_DATA["binary"], ([1, 2, 2, 1], [2, 2, 1, 1])):
        for average in ("binary", "macro"):
            check(name, y_true, y_pred, pos_label=pos_label, average=average)


def test_string_pos_label():
    y_true, y_pred = ["neg", "pos", "pos", "neg"], ["pos", "pos", "neg", "neg"]
    for name in ("precision_score", "recall_score", "f1_score", "jaccard_score"):
        check(name, y_true, y_pred, pos_label="pos")
        check(name, y_true, y_pred)  # pos_label=1 is not a valid label: both raise


# ---------------------------------------------------------------------------
# multilabel
# ---------------------------------------------------------------------------

ML_TRUE = np.array([[1, 0, 1, 0], [0, 1, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [1, 0, 1, 1]])
ML_PRED = np.array([[1, 0, 0, 0], [0, 1, 1, 0], [0, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 0]])

ML_REGISTRY = {
    "multilabel_confusion_matrix": [{}, {"labels": [3, 0]}, {"samplewise": True}],
    "accuracy_score": [{}, {"normalize": False}],
    "hamming_loss": [{}],
    "zero_one_loss": [{}, {"normalize": False}],
    "precision_score": [{"average": a, "zero_division": z} for a, z in itertools.product(
        ["micro", "macro", "weighted", "samples", None], ["warn", 1.0, np.nan])],
    "recall_score": [{"average": a} for a in ["micro", "macro", "weighted", "samples", None]],
    "f1_score": [{"average": a, "labels": lab} for a, lab in itertools.product(
        ["micro", "macro", "weighted", "samples", None], [None, [0, 2], [3, 1, 0]])],
    "fbeta_score": [{"beta": 0.5, "average": "samples"}, {"beta": 2, "average": "macro"}],
    "jaccard_score": [{"average": a} for a in ["micro", "macro", "weighted", "samples"]],
    "precision_recall_fscore_support": [{"average": "samples"}, {"average": None}],
    "classification_report": [{}, {"output_dict": True}],
}
ML_CASES = [(n, kw) for n, kws in ML_REGISTRY.items() for kw in kws]


@pytest.mark.parametrize("name,kwargs", ML_CASES, ids=[f"{n}-{k}" for n, k in ML_CASES])
def test_multilabel_fixed(name, kwargs):
    check(name, ML_TRUE, ML_PRED, **kwargs)
    w = np.array([1.0, 0.5, 2.0, 0.0, 3.0])
    check(name, ML_TRUE, ML_PRED, sample_weight=w, **kwargs)
    check(name, ML_TRUE.astype(bool), ML_PRED.astype(bool), **kwargs)


def test_multilabel_sparse_input():
    import scipy.sparse as sp
    for name in ("f1_score", "hamming_loss", "accuracy_score"):
        kw = {"average": "samples"} if name == "f1_score" else {}
        check(name, sp.csr_matrix(ML_TRUE), sp.csr_matrix(ML_PRED), **kw)


# ---------------------------------------------------------------------------
# property-based: random labels, weights, label sets
# ---------------------------------------------------------------------------

label_alphabets = st.sampled_from([
    [0, 1], [0, 1, 2], [0, 1, 2, 3, 4], [-1, 1], [3, 9], ["a", "b"], ["x", "y", "z"],
])


@st.composite
def classification_data(draw):
    alphabet = draw(label_alphabets)
    n = draw(st.integers(1, 30))
    y_true = draw(st.lists(st.sampled_from(alphabet), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.sampled_from(alphabet), min_size=n, max_size=n))
    weights = draw(st.one_of(
        st.none(),
        st.lists(st.integers(0, 4), min_size=n, max_size=n).map(np.array),
        st.lists(st.floats(0, 10, allow_nan=False, width=32), min_size=n,
                 max_size=n).map(np.array)))
    return np.array(y_true), np.array(y_pred), weights, alphabet


@given(data=classification_data(), case=st.sampled_from(CASES))
def test_property_against_sklearn(data, case):
    y_true, y_pred, weights, _ = data
    name, kwargs = case
    if weights is not None and weights.sum() == 0 and name in (
            "accuracy_score", "zero_one_loss", "hamming_loss", "balanced_accuracy_score"):
        weights = weights + 1  # sklearn crashes with ZeroDivisionError; we raise (tested)
    check(name, y_true, y_pred, sample_weight=weights, **kwargs)


@given(data=classification_data(), case=st.sampled_from(
    [c for c in CASES if c[0] not in NO_LABELS]), extra=st.booleans())
def test_property_labels(data, case, extra):
    y_true, y_pred, _, alphabet = data
    name, kwargs = case
    labels = list(alphabet[::-1])
    if extra:
        labels = labels + ([99] if isinstance(alphabet[0], int) else ["zz"])
    else:
        labels = labels[:max(1, len(labels) - 1)]
    check(name, y_true, y_pred, labels=labels, **kwargs)


@given(data=classification_data())
def test_integer_weights_equal_repeated_rows(data):
    y_true, y_pred, weights, _ = data
    if weights is None or weights.dtype.kind != "i" or weights.sum() == 0:
        return
    rep_t, rep_p = np.repeat(y_true, weights), np.repeat(y_pred, weights)
    for name, kwargs in [("confusion_matrix", {}), ("accuracy_score", {}),
                         ("f1_score", {"average": "macro", "zero_division": 0.0}),
                         ("matthews_corrcoef", {}), ("cohen_kappa_score", {})]:
        f = getattr(fm, name)
        labels = {"labels": np.unique(np.concatenate([y_true, y_pred]))} \
            if name in ("confusion_matrix", "f1_score") else {}
        a = f(y_true, y_pred, sample_weight=weights, **labels, **kwargs)
        b = f(rep_t, rep_p, **labels, **kwargs)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, equal_nan=True)


@given(data=classification_data(), drop=st.integers(0, 29))
def test_zero_weight_equals_dropped_row(data, drop):
    y_true, y_pred, _, alphabet = data
    if len(y_true) < 2:
        return
    drop = drop % len(y_true)
    w = np.ones(len(y_true))
    w[drop] = 0
    keep = np.arange(len(y_true)) != drop
    labels = list(alphabet)
    a = fm.confusion_matrix(y_true, y_pred, sample_weight=w, labels=labels)
    b = fm.confusion_matrix(y_true[keep], y_pred[keep], labels=labels)
    np.testing.assert_array_equal(a, b)
    pa = fm.precision_recall_fscore_support(y_true, y_pred, sample_weight=w, labels=labels,
                                            zero_division=0.0)
    pb = fm.precision_recall_fscore_support(y_true[keep], y_pred[keep], labels=labels,
                                            zero_division=0.0)
    for x, y in zip(pa, pb):
        np.testing.assert_allclose(x, y, rtol=1e-12)


@st.composite
def multilabel_data(draw):
    n = draw(st.integers(1, 20))
    n_labels = draw(st.integers(2, 5))
    cells = st.lists(st.integers(0, 1), min_size=n * n_labels, max_size=n * n_labels)
    yt = np.array(draw(cells)).reshape(n, n_labels)
    yp = np.array(draw(cells)).reshape(n, n_labels)
    w = draw(st.one_of(st.none(), st.lists(st.floats(0.1, 5), min_size=n, max_size=n)
                       .map(np.array)))
    return yt, yp, w


@given(data=multilabel_data(), case=st.sampled_from(ML_CASES))
def test_property_multilabel(data, case):
    yt, yp, w = data
    name, kwargs = case
    if "labels" in kwargs and kwargs["labels"] is not None and \
            max(kwargs["labels"]) >= yt.shape[1]:
        return
    check(name, yt, yp, sample_weight=w, **kwargs)


@pytest.mark.parametrize("name", ["jaccard_score", "precision_score", "f1_score"])
def test_samples_warning_counts_rows_not_distinct_triples(name):
    # Three identical all-zero rows form one distinct (tp, fp, fn) triple; the
    # warning must still say "in samples with", as it counts three rows.
    y = np.zeros((3, 2), dtype=int)
    check(name, y, y, average="samples")

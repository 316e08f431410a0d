"""Top-label calibration of 2-D probabilities: ECE, MCE and the reliability diagram.

The oracle is a direct numpy transcription of the definition (Guo et al.
2017): confidence = the row's largest probability (first column on ties),
correct = that column's class is the true one, bins closed on the right as
in ``sklearn.calibration.calibration_curve``. torchmetrics' multiclass
calibration error, where installed, must agree on data without values on
bin edges (it closes bins on the left).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastmetrics as fm
from fastmetrics.exceptions import (InputTypeError, InvalidInputError, InvalidParameterError,
                                    LabelError)


def oracle(y_true, proba, labels, n_bins=15, norm="l1", weights=None, strategy="uniform"):
    proba = np.asarray(proba, dtype=np.float64)
    labels = np.asarray(labels)
    conf = proba.max(axis=1)
    correct = labels[proba.argmax(axis=1)] == np.asarray(y_true)
    w = np.ones(len(conf)) if weights is None else np.asarray(weights, dtype=np.float64)
    if strategy == "uniform":
        edges = np.linspace(0, 1, n_bins + 1)
    else:
        edges = np.percentile(conf, np.linspace(0, 100, n_bins + 1))
    bins = np.searchsorted(edges[1:-1], conf)
    mass = np.bincount(bins, w, n_bins)
    filled = mass > 0
    acc = np.bincount(bins, w * correct, n_bins)[filled] / mass[filled]
    mean_conf = np.bincount(bins, w * conf, n_bins)[filled] / mass[filled]
    gap = np.abs(acc - mean_conf)
    share = mass[filled] / mass.sum()
    if norm == "l1":
        return float(np.sum(gap * share))
    if norm == "l2":
        return float(np.sqrt(np.sum(gap ** 2 * share)))
    return float(gap.max())


def softmax_rows(rng, n, k, sharp=2.0, decimals=None):
    z = rng.normal(size=(n, k)) * sharp
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    return np.round(p, decimals) if decimals is not None else p


@pytest.mark.parametrize("norm", ["l1", "l2", "max"])
@pytest.mark.parametrize("strategy", ["uniform", "quantile"])
def test_fixed_against_oracle(norm, strategy):
    rng = np.random.default_rng(0)
    k, n = 4, 5_000
    proba = softmax_rows(rng, n, k)
    y = rng.integers(0, k, n)
    w = rng.random(n)
    for weights in (None, w):
        got = fm.expected_calibration_error(y, proba, n_bins=10, norm=norm, strategy=strategy,
                                            sample_weight=weights)
        expected = oracle(y, proba, np.arange(k), 10, norm, weights, strategy)
        np.testing.assert_allclose(got, expected, rtol=1e-12)
    mce = fm.maximum_calibration_error(y, proba, n_bins=10, strategy=strategy)
    np.testing.assert_allclose(mce, oracle(y, proba, np.arange(k), 10, "max", None, strategy),
                               rtol=1e-12)


def test_string_labels_and_labels_argument():
    proba = [[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]]
    y = ["a", "b", "b", "c"]
    assert fm.expected_calibration_error(y, proba, n_bins=2) == pytest.approx(0.15, abs=1e-15)
    # labels= gives the class of each column (here reversed: column 0 is "c")
    got = fm.expected_calibration_error(y, proba, n_bins=2, labels=["c", "b", "a"])
    assert got == pytest.approx(oracle(y, proba, ["c", "b", "a"], 2), abs=1e-15)
    # a class of the model that y_true never shows needs labels=
    got = fm.expected_calibration_error(["a", "b", "b", "a"], proba, n_bins=2,
                                        labels=["a", "b", "z"])
    assert got == pytest.approx(oracle(["a", "b", "b", "a"], proba, ["a", "b", "z"], 2),
                                abs=1e-15)


def test_ties_take_the_first_column():
    proba = [[0.4, 0.4, 0.2], [0.3, 0.35, 0.35]]
    d = fm.reliability_diagram([1, 2], proba, n_bins=2, labels=[0, 1, 2])
    # row 0 predicts column 0 (class 0: wrong), row 1 column 1 (class 1: wrong)
    assert d.counts.tolist() == [2, 0]
    np.testing.assert_allclose(d.fraction_positive[0], 0.0)
    d = fm.reliability_diagram([0, 1], proba, n_bins=2, labels=[0, 1, 2])
    np.testing.assert_allclose(d.fraction_positive[0], 1.0)


def test_reliability_diagram_top_label():
    rng = np.random.default_rng(1)
    proba = softmax_rows(rng, 2_000, 3)
    y = rng.integers(0, 3, 2_000)
    d = fm.reliability_diagram(y, proba, n_bins=5)
    conf = proba.max(axis=1)
    correct = proba.argmax(axis=1) == y
    bins = np.searchsorted(np.linspace(0, 1, 6)[1:-1], conf)
    assert d.counts.tolist() == np.bincount(bins, minlength=5).tolist()
    filled = d.counts > 0
    rows = np.bincount(bins, None, 5)[filled]
    np.testing.assert_allclose(d.fraction_positive[filled],
                               np.bincount(bins, correct, 5)[filled] / rows)


def test_chunks_merge_and_arrow_inputs():
    rng = np.random.default_rng(2)
    k, n = 5, 3_000
    proba = softmax_rows(rng, n, k).astype(np.float32)
    y = rng.integers(0, k, n)
    whole = fm.expected_calibration_error(y, proba)
    flat = pa.array(proba.ravel())
    lists = pa.FixedSizeListArray.from_arrays(flat, k)
    table = pa.table({"y": pa.chunked_array([y[:1000], y[1000:]]),
                      "p": pa.chunked_array([lists[:1000], lists[1000:]])})
    got = fm.expected_calibration_error("y", "p", data=table, labels=np.arange(k))
    np.testing.assert_allclose(got, whole, rtol=1e-12)
    a = fm.calibration_state(y[:1000], proba[:1000], n_bins=15)
    b = fm.calibration_state(y[1000:], proba[1000:], n_bins=15)
    assert a.top_label and b.top_label
    np.testing.assert_allclose(fm.expected_calibration_error.from_state(a.merge(b)), whole,
                               rtol=1e-12)
    binary = fm.calibration_state([0, 1], [0.2, 0.7], n_bins=15)
    with pytest.raises(InputTypeError, match="top-label"):
        a.merge(binary)


def test_errors():
    proba = np.array([[0.7, 0.3], [0.4, 0.6], [0.5, 0.5]])
    with pytest.raises(LabelError, match=r"3 classes .* 2 columns"):
        fm.expected_calibration_error([0, 1, 2], proba)
    with pytest.raises(LabelError, match=r"holds 2, which is not in labels.*row 2"):
        fm.expected_calibration_error([0, 1, 2], proba, labels=[0, 1])
    with pytest.raises(LabelError, match="names 3 classes but y_prob has 2 columns"):
        fm.expected_calibration_error([0, 1, 1], proba, labels=[0, 1, 2])
    with pytest.raises(InvalidParameterError, match="duplicates"):
        fm.expected_calibration_error([0, 1, 1], proba, labels=[1, 1])
    with pytest.raises(InvalidParameterError, match="pos_label"):
        fm.expected_calibration_error([0, 1, 1], proba, pos_label=1)
    with pytest.raises(InvalidParameterError, match="labels"):
        fm.expected_calibration_error([0, 1, 1], [0.2, 0.5, 0.9], labels=[0, 1])
    bad = proba.copy()
    bad[2, 1] = np.nan
    with pytest.raises(InvalidInputError, match=r"NaN in column 1 .*row 2"):
        fm.expected_calibration_error([0, 1, 1], bad)
    bad[2, 1] = 1.2
    with pytest.raises(InvalidInputError, match=r"outside \[0, 1\].*row 2"):
        fm.expected_calibration_error([0, 1, 1], bad)
    with pytest.raises(InputTypeError, match="1-D"):
        fm.calibration_curve([0, 1, 1], proba)
    lists = pa.FixedSizeListArray.from_arrays(pa.array(proba.ravel()), 2)
    table = pa.table({"y": pa.chunked_array([[0, 1], [1]]),
                      "p": pa.chunked_array([lists[:2], lists[2:]])})
    with pytest.raises(LabelError, match="labels= .*several batches|several batches"):
        fm.expected_calibration_error("y", "p", data=table)


@given(data=st.data())
def test_property_against_oracle(data):
    seed = data.draw(st.integers(0, 2**32 - 1))
    k = data.draw(st.integers(2, 5))
    n = data.draw(st.integers(1, 300))
    n_bins = data.draw(st.integers(1, 12))
    decimals = data.draw(st.sampled_from([None, 1, 2]))  # rounding makes ties and edges
    weighted = data.draw(st.booleans())
    rng = np.random.default_rng(seed)
    proba = softmax_rows(rng, n, k, decimals=decimals)
    y = rng.integers(0, k, n)
    w = rng.integers(0, 4, n).astype(np.float64) if weighted else None
    if w is not None and w.sum() == 0:
        w[0] = 1.0
    labels = np.arange(k)
    for norm in ("l1", "l2", "max"):
        got = fm.expected_calibration_error(y, proba, n_bins=n_bins, norm=norm, labels=labels,
                                            sample_weight=w)
        np.testing.assert_allclose(got, oracle(y, proba, labels, n_bins, norm, w), rtol=1e-12,
                                   atol=1e-15)
    if w is not None:  # integer weights equal repeated rows
        rep = np.repeat(np.arange(n), w.astype(int))
        np.testing.assert_allclose(
            fm.expected_calibration_error(y, proba, n_bins=n_bins, labels=labels,
                                          sample_weight=w),
            fm.expected_calibration_error(y[rep], proba[rep], n_bins=n_bins, labels=labels),
            rtol=1e-12, atol=1e-15)


def test_torchmetrics_agrees():
    torch = pytest.importorskip("torch")
    tmc = pytest.importorskip("torchmetrics.functional.classification")
    rng = np.random.default_rng(3)
    k, n = 5, 20_000
    proba = softmax_rows(rng, n, k).astype(np.float32)
    y = rng.integers(0, k, n)
    for norm in ("l1", "max"):
        theirs = float(tmc.multiclass_calibration_error(
            torch.from_numpy(proba), torch.from_numpy(y), num_classes=k, n_bins=15, norm=norm))
        ours = fm.expected_calibration_error(y, proba, n_bins=15, norm=norm)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)

"""Calibration and loss kernels against their numpy twins, serial and threaded.

``kernels/cpu/calibration.py`` switches to one contiguous block per thread above
``PARALLEL_MIN_ROWS`` rows; the ``parallel`` path forces the threads so small
inputs take the threaded code, and one fixed case of 300,000 rows takes it with
the real threshold. Counts and first-offending positions must be identical,
sums equal to float64 rounding.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastmetrics.kernels import reference_calibration as ref
from fastmetrics.kernels.cpu import calibration as cpu

from .conftest import KERNEL_PATHS, assert_same_outputs, kernel_path

share = settings(max_examples=max(10, settings.default.max_examples // 4))


def _labels(rng, n, n_classes, offset):
    """Raw labels ``offset + code`` with an identity lookup over the classes."""
    values = rng.integers(0, n_classes, n) + offset  # int64, as the metric tests use
    return values, np.arange(n_classes, dtype=np.int64)


def _probabilities(rng, n, dtype, n_bins, bad_rows=0):
    p = rng.random(n)
    # ties and values exactly on the edges, 0 and 1
    k = n // 4
    p[:k] = rng.integers(0, n_bins + 1, k) / n_bins
    p = p.astype(dtype)
    for i in rng.choice(n, size=min(bad_rows, n), replace=False) if n else []:
        p[i] = rng.choice([np.nan, -0.25, 1.5, np.inf])
    return p


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@share
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), n_bins=st.integers(1, 12),
       weighted=st.booleans(), uniform=st.booleans(), bad=st.integers(0, 2))
def test_calibration_bins(path, dtype, seed, n, n_bins, weighted, uniform, bad):
    rng = np.random.default_rng(seed)
    y, lookup = _labels(rng, n, 2, 3)
    p = _probabilities(rng, n, dtype, n_bins, bad)
    if uniform:
        edges = np.linspace(0, 1, n_bins + 1)
    else:  # arbitrary sorted edges with ties, as quantiles give
        edges = np.sort(np.r_[0.0, rng.choice([0.1, 0.25, 0.5, rng.random()], n_bins - 1),
                              1.0])
    w = rng.random(n) if weighted else None
    args = (y, lookup, 3, 2, p, edges[1:-1], uniform, w)
    with kernel_path(path):
        got = cpu.calibration_bins(*args)
    assert_same_outputs(got, ref.calibration_bins(*args))
    valid = (p >= 0) & (p <= 1)
    assert got[0].sum() == valid.sum()


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@share
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), n_classes=st.integers(1, 3),
       weighted=st.booleans(), bad=st.integers(0, 2))
def test_binary_loss_sums(path, dtype, seed, n, n_classes, weighted, bad):
    rng = np.random.default_rng(seed)
    y, lookup = _labels(rng, n, n_classes, -1)
    p = _probabilities(rng, n, dtype, 4, bad)
    w = rng.random(n) if weighted else None
    col_lo = rng.integers(0, 2, n_classes)  # columns [1 - p, p] to fill, per class
    col_hi = np.maximum(col_lo, rng.integers(0, 2, n_classes))
    args = (y, lookup, -1, n_classes, p, col_lo, col_hi, w)
    # The metrics ask for one loss at a time (log_loss / brier_score_loss).
    for flags in (dict(log=True, brier=False), dict(log=False, brier=True)):
        with kernel_path(path):
            got = cpu.binary_loss_sums(*args, **flags)
        assert_same_outputs(got, ref.binary_loss_sums(*args, **flags))
        assert (got[2] is None) == (not flags["log"]) and (got[3] is None) == flags["log"]


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@share
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200), n_columns=st.integers(2, 5),
       weighted=st.booleans(), bad=st.integers(0, 2), unnormalized=st.booleans())
def test_multiclass_loss_sums(path, dtype, seed, n, n_columns, weighted, bad, unnormalized):
    rng = np.random.default_rng(seed)
    n_classes = int(rng.integers(1, n_columns + 1))
    y, lookup = _labels(rng, n, n_classes, 0)
    P = rng.dirichlet(np.ones(n_columns), n) if n else np.zeros((0, n_columns))
    P[: n // 5] = np.eye(n_columns)[rng.integers(0, n_columns, n // 5)]  # exact 0 and 1
    if unnormalized and n:
        P[rng.integers(0, n)] *= 0.5
    P = P.astype(dtype)
    for i in (rng.choice(n, size=min(bad, n), replace=False) if n else []):
        P[i, rng.integers(0, n_columns)] = rng.choice([np.nan, -0.5, 2.0])
    lo = np.arange(n_classes)
    hi = lo + (n_columns - n_classes)
    w = rng.random(n) if weighted else None
    args = (y, lookup, 0, n_classes, np.ascontiguousarray(P), lo, hi, w)
    for flags in (dict(log=True, brier=False), dict(log=False, brier=True)):
        with kernel_path(path):
            got = cpu.multiclass_loss_sums(*args, **flags)
        assert_same_outputs(got, ref.multiclass_loss_sums(*args, **flags))


def test_big_inputs_take_the_threaded_path():
    """300,000 rows with the real threshold: same answers as the reference."""
    if numba.get_num_threads() < 2:
        pytest.skip("single thread")
    assert cpu.thread_blocks(300_000, cpu.PARALLEL_MIN_ROWS) > 1
    rng = np.random.default_rng(7)
    n = 300_000
    y, lookup = _labels(rng, n, 2, 0)
    p = _probabilities(rng, n, "float64", 10, 0)
    p[123_457] = np.nan
    p[250_000] = 2.0
    w = rng.random(n)
    args = (y, lookup, 0, 2, p, np.linspace(0, 1, 11)[1:-1], True, w)
    got = cpu.calibration_bins(*args)
    assert_same_outputs(got, ref.calibration_bins(*args))
    assert got[-1] == 123_457
    args = (y, lookup, 0, 2, p, np.array([0, 1]), np.array([0, 1]), w)
    assert_same_outputs(cpu.binary_loss_sums(*args, brier=False), ref.binary_loss_sums(*args, brier=False))
    P = np.ascontiguousarray(rng.dirichlet(np.ones(3), n))
    P[200_001] = [0.2, 0.2, 0.2]
    y3, lookup3 = _labels(rng, n, 3, 0)
    args = (y3, lookup3, 0, 3, P, np.arange(3), np.arange(3), w)
    got = cpu.multiclass_loss_sums(*args, log=False)
    assert_same_outputs(got, ref.multiclass_loss_sums(*args, log=False))
    assert got[-1] == 200_001


def test_binning_matches_searchsorted_on_the_edges():
    """Values on and next to every edge fall where np.searchsorted puts them."""
    for n_bins in (1, 3, 5, 7, 10, 100):
        edges = np.linspace(0, 1, n_bins + 1)
        p = np.concatenate([edges, np.nextafter(edges, 2), np.nextafter(edges, -1)])
        p = np.clip(p, 0, 1)
        y = np.zeros(p.size, np.int8)
        counts = cpu.calibration_bins(y, np.zeros(1, np.int64), 0, 1, p, edges[1:-1],
                                      True)[0][:, 0]
        expected = np.bincount(np.searchsorted(edges[1:-1], p), minlength=n_bins)
        np.testing.assert_array_equal(counts, expected)

"""The numpy answers of small inputs equal the Numba kernels' bit for bit.

``kernels/cpu/small_inputs.py`` answers the ranking kernels below
``_blocks.SMALL_INPUT_ROWS`` rows so that a first call compiles nothing. Its
contract is bit-identity with the Numba code (not agreement to rounding):
every output here is compared with ``np.array_equal`` on its bits, against
the same kernel run with the threshold at 0 (the Numba path).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastmetrics.kernels.cpu import _blocks, class_tables, ranking, score_checks, small_inputs


def _numba(func, *args, **kwargs):
    """``func`` with the numpy path switched off."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_blocks, "SMALL_INPUT_ROWS", 0)
        return func(*args, **kwargs)


def _same(a, b):
    """Equal outputs, floats compared on their bits (so -0.0 != 0.0, NaN == NaN)."""
    if isinstance(a, tuple):
        assert isinstance(b, tuple) and len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
        return
    if a is None or b is None:
        assert a is None and b is None
        return
    if isinstance(a, (int, float)):
        assert type(a) is type(b), (a, b)
        a, b = np.float64(a) if isinstance(a, float) else a, (
            np.float64(b) if isinstance(b, float) else b)
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
    if a.dtype.kind == "f":
        a, b = a.view(np.uint64 if a.itemsize == 8 else np.uint32), b.view(
            np.uint64 if b.itemsize == 8 else np.uint32)
    np.testing.assert_array_equal(a, b)


_SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-30, -1e30, 3.0e38, np.inf, -np.inf]


@st.composite
def rows(draw, max_rows=300):
    n = draw(st.integers(0, max_rows))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    distinct = draw(st.integers(1, 40))
    pool = np.array(draw(st.lists(st.sampled_from(_SPECIAL) | st.floats(-2, 2, width=32),
                                  min_size=distinct, max_size=distinct)), dtype=dtype)
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scores = pool[rng.integers(0, distinct, n)] if draw(st.booleans()) else (
        rng.standard_normal(n).astype(dtype))
    labels = (rng.random(n) < draw(st.floats(0, 1))).astype(np.uint8)
    weights = None
    if draw(st.booleans()):
        weights = rng.choice([0.0, 0.1, 1.0, 2.5, 1e-3, 7.0], n)
    return scores, labels, weights


@given(rows())
def test_score_table(data):
    scores, labels, weights = data
    _same(ranking.distinct_score_counts(scores, labels, weights),
          _numba(ranking.distinct_score_counts, scores, labels, weights))


@given(rows())
def test_score_areas(data):
    scores, labels, _ = data
    _same(ranking.distinct_score_areas(scores, labels),
          _numba(ranking.distinct_score_areas, scores, labels))


def test_score_areas_of_many_rows_per_score():
    """The hash path (few distinct scores, >= 1,024 rows) shares ``table_areas``."""
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 7, 5000).astype(np.float64) / 7
    labels = (rng.random(5000) < 0.3).astype(np.uint8)
    _same(ranking.distinct_score_areas(scores, labels),
          _numba(ranking.distinct_score_areas, scores, labels))


@given(st.lists(st.sampled_from([0.0, 1.0, np.nan, np.inf, -np.inf, -0.0]), max_size=50))
def test_count_nonfinite(values):
    scores = np.array(values, dtype=np.float64)
    _same(ranking.count_nonfinite(scores), _numba(ranking.count_nonfinite, scores))


@st.composite
def matrices(draw):
    n = draw(st.integers(1, 120))
    k = draw(st.integers(2, 6))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scores = rng.dirichlet(np.ones(k), n)
    if draw(st.booleans()):
        scores = np.round(scores, draw(st.integers(0, 2)))  # ties, unnormalized rows
    scores = scores.astype(dtype)
    if draw(st.booleans()):
        scores.flat[rng.integers(0, scores.size)] = draw(st.sampled_from([np.nan, np.inf]))
    codes = rng.integers(0, k, n).astype(np.int32)
    weights = rng.choice([0.0, 0.5, 1.0, 3.0], n) if draw(st.booleans()) else None
    return scores, codes, k, weights


@given(matrices())
def test_score_checks(data):
    scores = data[0]
    _same(score_checks.score_checks(scores), _numba(score_checks.score_checks, scores))


@given(matrices())
def test_rest_areas(data):
    scores, codes, k, weights = data
    if not np.isfinite(scores).all():
        scores = np.nan_to_num(scores, posinf=1.0)
    diag = np.arange(k)
    diag[0] = -1  # a column whose class is absent
    _same(class_tables.class_score_areas(scores, codes, k, diag, weights, pairwise=False),
          tuple(np.ascontiguousarray(a) for a in _numba(
              class_tables.class_score_areas, scores, codes, k, diag, weights,
              pairwise=False)))


def test_threshold_is_the_switch():
    """Below the threshold the numpy path answers; at it, the Numba kernels."""
    assert _blocks.is_small(0) and _blocks.is_small(_blocks.SMALL_INPUT_ROWS - 1)
    assert not _blocks.is_small(_blocks.SMALL_INPUT_ROWS)
    assert small_inputs.sort_keys(np.array([-0.0]))[0] == small_inputs.sort_keys(
        np.array([0.0]))[0]


@given(rows())
def test_curve_arrays(data):
    from fastmetrics.kernels.cpu import curves
    scores, labels, _ = data
    thresholds, counts, _, _ = ranking.distinct_score_counts(scores, labels)
    if counts[1].sum() == 0 or counts[0].sum() == 0:
        return
    args = (counts[1], counts[0], thresholds)
    _same(curves.pr_curve_from_counts(*args), _numba(curves.pr_curve_from_counts, *args))
    _same(curves.roc_curve_from_counts(*args), _numba(curves.roc_curve_from_counts, *args))


@given(st.sampled_from([np.int8, np.int64, np.uint8, np.uint32, np.bool_, np.float64]),
       st.lists(st.integers(0, 5), min_size=1, max_size=60))
def test_label_kernels(dtype, values):
    from fastmetrics.kernels.cpu import confusion
    v = np.array(values).astype(dtype)
    _same(confusion.scan_labels(v), _numba(confusion.scan_labels, v))
    lo = int(v.min())
    size = int(v.max()) - lo + 1
    _same(confusion.label_presence(v, lo, size), _numba(confusion.label_presence, v, lo, size))
    lookup = np.arange(size)[::-1].copy()
    _same(confusion.label_codes(v, lookup, lo), _numba(confusion.label_codes, v, lookup, lo))

"""The ranking kernels (distinct-score tables) against their oracle in ``kernels/reference.py``.

Thresholds and counts must be identical (thresholds bit for bit, the sign of a
zero included), weight sums equal to 1e-12 relative. ``distinct_score_table``
has four ways through it, and every property test runs each of them:

* ``radix``: the LSD radix sort on one thread;
* ``parallel``: the radix sort on all threads (``_blocks.FORCE_THREADS``);
* ``blocks3``: three row blocks whatever the thread count, so that the merge
  has a pair of parts meeting at their edge plus a lone last part;
* ``hash``: the hash-count path for few distinct scores, with a capacity so
  small that inputs with more distinct scores give up half-way and fall back
  to the sort, and a table that starts tiny so that it grows (rehashes) on
  the way; on all threads.

Every path runs the Numba code (``_blocks.SMALL_INPUT_ROWS`` set to 0): the
numpy answers of small inputs are checked in ``tests/test_small_inputs.py``.

Two fixed cases of 300,000 rows per dtype take the threaded code with the
thresholds as shipped: distinct scores (the radix sort) and scores rounded to
3 decimals (the hash path). The property inputs cover heavy ties, -0.0 mixed
with +0.0, +-inf, extremes and subnormals, random bit patterns, float32 values
held in float64 (digits the radix sort skips), one-class labels and weights
with zeros. Numba compiles one version per score dtype, so a cold cache costs
about 20 s here; warm, the file takes 2 s.
"""

from __future__ import annotations

import contextlib

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastmetrics.kernels import reference as ref
from fastmetrics.kernels.cpu import _blocks, hash_count, radix_sort
from fastmetrics.kernels.cpu import ranking as cpu

PATHS = ["radix", "parallel", "blocks3", "hash"]
FLOAT_DTYPES = ["float32", "float64"]
LABEL_DTYPES = ["uint8", "bool", "int8"]
BIG_N = 300_000

share = settings(max_examples=max(10, settings.default.max_examples // 4))


@contextlib.contextmanager
def kernel_path(path):
    """Force one way through ``distinct_score_table`` on small inputs (Numba's, not numpy's)."""
    if path == "parallel" and numba.get_num_threads() < 2:
        pytest.skip("Numba has a single thread: no parallel path to test")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_blocks, "SMALL_INPUT_ROWS", 0)
        mp.setattr(hash_count, "HASH_MIN_ROWS", 0 if path == "hash" else 1 << 62)
        if path == "hash":
            mp.setattr(hash_count, "HASH_MAX_DISTINCT", 16)
            mp.setattr(hash_count, "HASH_ROWS_PER_KEY", 1)
            mp.setattr(hash_count, "HASH_INITIAL_SLOTS", 2)  # grows 2 -> 8 -> 32
        if path in ("parallel", "hash"):
            mp.setattr(_blocks, "FORCE_THREADS", True)
            assert _blocks.thread_blocks(1, radix_sort.PARALLEL_MIN_ROWS) == (
                numba.get_num_threads())
        if path == "blocks3":
            for module in (radix_sort, hash_count):
                mp.setattr(module, "thread_blocks", lambda n_rows, min_rows, table_bytes=0: 3)
        yield


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _special(dtype):
    info = np.finfo(dtype)
    tiny = info.smallest_subnormal
    return np.array([0.0, -0.0, np.inf, -np.inf, info.max, -info.max, info.tiny, -info.tiny,
                     tiny, -tiny, 3 * tiny, 1.0, -1.0, 0.5], dtype=dtype)


def _random_bits(rng, n, dtype):
    """Floats with uniformly random bit patterns (all signs and exponents), no NaN."""
    kdt = np.uint32 if dtype == np.float32 else np.uint64
    values = rng.integers(0, np.iinfo(kdt).max, size=n, dtype=kdt, endpoint=True).view(dtype)
    return np.where(np.isnan(values), dtype.type(0.25), values).astype(dtype)


@st.composite
def ranking_inputs(draw, dtype):
    dtype = np.dtype(dtype)
    rng = _rng(draw)
    n = draw(st.integers(0, 300))
    kind = draw(st.sampled_from(["distinct", "ties", "special", "rounded", "upcast", "bits"]))
    if kind == "distinct":
        scores = (rng.standard_normal(n) * draw(st.sampled_from([1e-3, 1.0, 1e6]))).astype(dtype)
    elif kind == "ties":  # few values: the hash path, and long runs in the merge
        pool = rng.standard_normal(draw(st.integers(1, 6))).astype(dtype)
        pool = np.r_[pool, np.array([0.0, -0.0], dtype)][: draw(st.integers(1, pool.size + 2))]
        scores = rng.choice(pool, size=n)
    elif kind == "special":  # +-0, +-inf, extremes and subnormals, mixed with ordinary
        scores = rng.choice(np.r_[_special(dtype), rng.random(5).astype(dtype)], size=n)
    elif kind == "rounded":
        scores = np.round(rng.random(n), draw(st.integers(1, 3))).astype(dtype)
    elif kind == "upcast":  # float32 values (in float64: low digits constant, skipped)
        scores = rng.random(n).astype(np.float32).astype(dtype)
    else:
        scores = _random_bits(rng, n, dtype)
    p = draw(st.sampled_from([0.0, 1.0, 0.5, 0.1]))  # all negative / all positive / mixed
    labels = (rng.random(n) < p).astype(draw(st.sampled_from(LABEL_DTYPES)))
    weights = None
    wkind = draw(st.sampled_from([None, "random", "zeros", "integers"]))
    if wkind == "random":
        weights = rng.random(n) * 10
    elif wkind == "zeros":
        weights = np.where(rng.random(n) < 0.5, 0.0, rng.random(n))
    elif wkind == "integers":
        weights = rng.integers(0, 4, size=n).astype(np.float64)
    return scores, labels, weights


def assert_same_thresholds(got, expected):
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    assert got.shape == expected.shape, (got.shape, expected.shape)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))  # -0.0 vs +0.0
    assert np.all(got[1:] < got[:-1]), "thresholds must strictly descend"


def assert_same_table(got, expected):
    assert len(got) == 5
    assert_same_thresholds(got[0], expected[0])
    for g, e in zip(got[1:3], expected[1:3]):
        assert g.dtype == np.int64, g.dtype
        np.testing.assert_array_equal(g, e)
    for g, e in zip(got[3:], expected[3:]):
        if e is None:
            assert g is None
            continue
        assert g.dtype == np.float64 and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=0)


# ----------------------------------------------------------------------------
# score_keys and count_nonfinite
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@share
@given(data=st.data())
def test_score_keys(dtype, data):
    scores, _, _ = data.draw(ranking_inputs(dtype))
    got = cpu.score_keys(scores)
    expected = ref.score_keys(scores)
    assert got.dtype == (np.uint32 if dtype == "float32" else np.uint64)
    np.testing.assert_array_equal(got, expected)
    # Unsigned key order is numeric order; +-0 share a key.
    ordered = got[np.argsort(scores, kind="stable")]
    assert np.all(ordered[1:] >= ordered[:-1])
    a, b = scores[:, None], scores[None, :]
    np.testing.assert_array_equal(got[:, None] < got[None, :], a < b)
    np.testing.assert_array_equal(got[:, None] == got[None, :], a == b)


@pytest.mark.parametrize("path", ["radix", "parallel"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_score_keys_fixed(path, dtype):
    with kernel_path(path):
        assert cpu.score_keys(np.zeros(0, dtype)).shape == (0,)
        s = np.array([-np.inf, -1.0, -0.0, 0.0, np.finfo(dtype).smallest_subnormal, 1.0,
                      np.inf], dtype)
        keys = cpu.score_keys(s)
        np.testing.assert_array_equal(keys, ref.score_keys(s))
        assert keys[2] == keys[3]
        distinct = np.r_[keys[:3], keys[4:]]
        assert np.all(distinct[1:] > distinct[:-1])


@pytest.mark.parametrize("path", ["radix", "parallel"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_count_nonfinite(path, dtype, rng):
    with kernel_path(path):
        assert cpu.count_nonfinite(np.zeros(0, dtype)) == (0, -1)
        s = rng.random(1000).astype(dtype)
        assert cpu.count_nonfinite(s) == (0, -1)
        for bad in ([7], [999, 3, 500], [0]):
            t = s.copy()
            t[bad] = [np.nan, np.inf, -np.inf][: len(bad)]
            assert cpu.count_nonfinite(t) == ref.count_nonfinite(t) == (len(bad), min(bad))


# ----------------------------------------------------------------------------
# distinct_score_table
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@share
@given(data=st.data())
def test_distinct_score_table(path, dtype, data):
    scores, labels, weights = data.draw(ranking_inputs(dtype))
    with kernel_path(path):
        got = cpu.distinct_score_table(scores, labels, weights)
    expected = ref.distinct_score_table(scores, labels, weights)
    assert_same_table(got, expected)
    assert int(got[1].sum() + got[2].sum()) == scores.shape[0]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_distinct_score_table_fixed(path, dtype):
    with kernel_path(path):
        for weights in (None, np.zeros(0)):
            t, p, q, pw, nw = cpu.distinct_score_table(np.zeros(0, dtype),
                                                       np.zeros(0, np.uint8), weights)
            assert t.dtype == dtype and t.shape == p.shape == q.shape == (0,)
            assert p.dtype == q.dtype == np.int64
            assert (pw is None) == (weights is None) and (nw is None) == (weights is None)
        cases = [
            ([0.5], [1]),
            ([0.0, -0.0, 0.5, -0.0], [1, 0, 1, 1]),  # sklearn reports -0.0 here ...
            ([-0.0, 0.0, 0.5, 0.0], [1, 0, 1, 1]),  # ... and 0.0 here: the last row's
            ([np.inf, -np.inf, np.inf, 1.0], [0, 1, 1, 0]),
            ([2.0, 2.0, 2.0], [0, 0, 0]),
        ]
        for scores, labels in cases:
            s = np.array(scores, dtype)
            y = np.array(labels, np.uint8)
            for w in (None, np.arange(1.0, len(s) + 1)):
                assert_same_table(cpu.distinct_score_table(s, y, w),
                                  ref.distinct_score_table(s, y, w))
        t, p, q, _, _ = cpu.distinct_score_table(np.array([0.0, -0.0, 0.5, -0.0], dtype),
                                                 np.array([1, 0, 1, 1], np.uint8))
        assert list(t) == [0.5, 0.0] and np.signbit(t[1])
        assert list(p) == [1, 2] and list(q) == [0, 1]


@pytest.mark.parametrize("kind", ["distinct", "tied"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_distinct_score_table_big(kind, dtype):
    """300,000 rows: the threaded radix sort (distinct) or hash count (tied) as shipped."""
    rng = np.random.default_rng(7)
    scores = rng.random(BIG_N)
    if kind == "tied":
        scores = np.round(scores, 3)
    scores = scores.astype(dtype)
    scores[rng.choice(BIG_N, 50, replace=False)] = rng.choice([0.0, -0.0], 50)
    labels = (rng.random(BIG_N) < 0.3).astype(np.uint8)
    weights = np.where(rng.random(BIG_N) < 0.1, 0.0, rng.random(BIG_N))
    for w in (None, weights):
        got = cpu.distinct_score_table(scores, labels, w)
        assert_same_table(got, ref.distinct_score_table(scores, labels, w))


# ----------------------------------------------------------------------------
# merge_score_tables
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@share
@given(data=st.data())
def test_merge_score_tables(dtype, data):
    """Tables of two consecutive chunks merge into the table of the whole."""
    scores, labels, weights = data.draw(ranking_inputs(dtype))
    cut = data.draw(st.integers(0, scores.shape[0]))
    parts = [(scores[a:b], labels[a:b], None if weights is None else weights[a:b])
             for a, b in ((0, cut), (cut, scores.shape[0]))]
    tables = [cpu.distinct_score_table(*part) for part in parts]
    got = cpu.merge_score_tables(*tables)
    assert_same_table(got, ref.merge_score_tables(*[ref.distinct_score_table(*part)
                                                    for part in parts]))
    assert_same_table(got, ref.distinct_score_table(scores, labels, weights))


def test_merge_score_tables_mixed():
    a = cpu.distinct_score_table(np.array([1.0, 2.0]), np.array([0, 1], np.uint8))
    b = cpu.distinct_score_table(np.array([1.0]), np.array([1], np.uint8), np.ones(1))
    with pytest.raises(ValueError, match="weighted"):
        cpu.merge_score_tables(a, b)


# ----------------------------------------------------------------------------
# distinct_score_areas: ROC AUC and AP sums straight from the sorted keys
# ----------------------------------------------------------------------------

def _expected_areas(scores, labels):
    """Twice the ROC area (exact integers) and the AP sum, from the oracle's table."""
    _, pos, neg, _, _ = ref.distinct_score_table(scores, labels)
    tps = np.cumsum(pos)
    fps = np.cumsum(neg)
    twice = int(np.sum(neg * (2 * (tps - pos) + pos)))
    with np.errstate(invalid="ignore", divide="ignore"):
        ap = float(np.sum(np.where(pos > 0, pos * (tps / (tps + fps)), 0.0)))
    return twice, int(pos.sum()), int(neg.sum()), ap


def assert_same_areas(got, expected):
    assert got[:3] == expected[:3]
    np.testing.assert_allclose(got[3], expected[3], rtol=1e-12)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@share
@given(data=st.data())
def test_distinct_score_areas(path, dtype, data):
    scores, labels, _ = data.draw(ranking_inputs(dtype))
    with kernel_path(path):
        got = cpu.distinct_score_areas(scores, labels)
    assert_same_areas(got, _expected_areas(scores, labels))


@pytest.mark.parametrize("kind", ["distinct", "tied"])
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_distinct_score_areas_big(kind, dtype):
    """300,000 rows on the threaded radix sort (distinct) or the hash count (tied)."""
    rng = np.random.default_rng(8)
    scores = rng.random(BIG_N)
    if kind == "tied":
        scores = np.round(scores, 3)
    scores = scores.astype(dtype)
    labels = (rng.random(BIG_N) < 0.3).astype(np.uint8)
    assert_same_areas(cpu.distinct_score_areas(scores, labels),
                      _expected_areas(scores, labels))
    assert cpu.distinct_score_areas(scores[:0], labels[:0]) == (0, 0, 0, 0.0)

"""Every Numba CPU kernel against its plain-numpy oracle in ``kernels/reference.py``.

Counts and first-offending-row indices must be identical, weight sums equal to
float64 rounding (exact for integer weights). Above ``PARALLEL_MIN_ROWS`` rows the
kernels switch to a multi-threaded path (contiguous blocks, one partial table per
thread); each property test runs both paths: ``parallel`` sets
``_blocks.FORCE_THREADS`` so that small inputs take the threaded code, and one
fixed case per kernel of 300,000 rows takes it with the real threshold.

Each dtype combination is one Numba specialization, and compiling is what costs
time here, so the combinations are listed explicitly rather than multiplied out.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastmetrics.kernels import reference as ref
from fastmetrics.kernels.cpu import confusion as cpu

from .conftest import KERNEL_PATHS, kernel_path

BIG_N = 300_000

INT_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
FLOAT_DTYPES = ["float32", "float64"]
_INT64_MAX = np.iinfo(np.int64).max

#: The property tests are parametrized by dtype case and path; each runs a quarter
#: of the profile's examples (tests/conftest.py), so the file stays quick in CI and
#: the "thorough" profile still scales it up.
share = settings(max_examples=max(10, settings.default.max_examples // 4))


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _int_range(dtype):
    info = np.iinfo(dtype)
    return int(info.min), int(min(info.max, _INT64_MAX))


def _positions(rng, n, k):
    """Up to ``k`` distinct random row positions of ``n`` rows."""
    return rng.choice(n, size=min(k, n), replace=False) if n else np.zeros(0, np.int64)


def assert_same_counts(got, expected):
    assert got.dtype == np.int64, got.dtype
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


def assert_same_sums(got, expected, dtype):
    if expected is None:
        assert got is None
        return
    assert got.dtype == np.dtype(dtype), (got.dtype, dtype)
    assert got.shape == expected.shape
    if np.dtype(dtype).kind in "iu":
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def assert_scan_equal(values):
    got = cpu.scan_labels(values)
    expected = ref.scan_labels(values)
    assert got == expected, (got, expected)
    assert all(type(x) is int for x in got), [type(x) for x in got]


# ----------------------------------------------------------------------------
# scan_labels
# ----------------------------------------------------------------------------

@st.composite
def int_labels(draw, dtype):
    dtype = np.dtype(dtype)
    rng = _rng(draw)
    lo_cap, hi_cap = _int_range(dtype)
    a = draw(st.integers(lo_cap, hi_cap))
    b = draw(st.one_of(st.integers(a, min(a + 300, hi_cap)), st.integers(a, hi_cap)))
    n = draw(st.integers(0, 300))
    values = rng.integers(a, b, size=n, endpoint=True, dtype=dtype)
    if n and draw(st.booleans()):  # the extremes of the dtype at random rows
        values[_positions(rng, n, 2)] = [lo_cap, hi_cap][:min(2, n)]
    return values


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("dtype", INT_DTYPES)
@share
@given(data=st.data())
def test_scan_labels_int(path, dtype, data):
    values = data.draw(int_labels(dtype))
    with kernel_path(path):
        assert_scan_equal(values)


@st.composite
def float_labels(draw, dtype):
    dtype = np.dtype(dtype)
    rng = _rng(draw)
    n = draw(st.integers(0, 300))
    span = draw(st.sampled_from([3, 1000, 2**24]))
    values = rng.integers(-span, span, size=n).astype(dtype)
    if n:
        bad = draw(st.lists(st.sampled_from([np.nan, np.inf, -np.inf]), max_size=3))
        values[_positions(rng, n, len(bad))] = bad[:n]
        # Non-integral values, and integral ones no int64 holds (sklearn: continuous).
        frac = draw(st.lists(st.sampled_from([0.5, -0.25, 1e-3, 7.75, -1e6 + 0.5, 1e20,
                                              -1e19, 2.0**63]), max_size=3))
        values[_positions(rng, n, len(frac))] = frac[:n]
        if draw(st.integers(0, 9)) == 0:  # no finite value at all
            values[:] = np.nan
    return values


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@share
@given(data=st.data())
def test_scan_labels_float(path, dtype, data):
    values = data.draw(float_labels(dtype))
    with kernel_path(path):
        assert_scan_equal(values)


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("dtype", INT_DTYPES + FLOAT_DTYPES)
def test_scan_labels_fixed(path, dtype):
    with kernel_path(path):
        assert cpu.scan_labels(np.zeros(0, dtype)) == (0, -1, -1, -1)
        for values in ([5], [3, 1], [0, 0, 0, 7, 2]):  # 1 row: one thread gets no row
            assert_scan_equal(np.array(values, dtype))
        lo, hi = _int_range(dtype) if dtype in INT_DTYPES else (-2**60, 2**60)
        assert_scan_equal(np.array([hi, lo, 0, hi, lo], dtype))
    if dtype in FLOAT_DTYPES:
        with kernel_path(path):
            for values in ([np.nan], [np.inf, -np.inf], [1.5], [np.nan, 2.5, 3.0, np.inf],
                           [-0.0, 0.0], [2.0, 1.0, np.nan, 0.5]):
                assert_scan_equal(np.array(values, dtype))
            assert cpu.scan_labels(np.array([1.0, np.nan, 2.5, np.inf], dtype)) == (1, 2, 1, 2)
            # -2**63 is an int64; 2**63 and beyond are not: flagged, left out of the range.
            assert_scan_equal(np.array([-2.0**63, 3.0, 2.0**63, 1e30], dtype))
            assert cpu.scan_labels(np.array([-2.0**63, 3.0, 2.0**63], dtype)) == (
                -2**63, 3, -1, 2)
            assert cpu.scan_labels(np.array([1e20, 7.0], dtype)) == (7, 7, -1, 0)


# ----------------------------------------------------------------------------
# label_presence
# ----------------------------------------------------------------------------

PRESENCE_DTYPES = ["int8", "uint16", "int32", "int64", "float64"]


@st.composite
def presence_inputs(draw, dtype):
    dtype = np.dtype(dtype)
    rng = _rng(draw)
    lo_cap, hi_cap = _int_range(dtype) if dtype.kind in "iu" else (-10**6, 10**6)
    size = draw(st.integers(1, 200))
    width = draw(st.integers(1, size))  # values use part of the range
    offset = draw(st.integers(lo_cap, hi_cap - size + 1))
    n = draw(st.integers(0, 300))
    values = (offset + rng.integers(0, width, size=n)).astype(dtype)
    return values, offset, size


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("dtype", PRESENCE_DTYPES)
@share
@given(data=st.data())
def test_label_presence(path, dtype, data):
    values, offset, size = data.draw(presence_inputs(dtype))
    with kernel_path(path):
        got = cpu.label_presence(values, offset, size)
    expected = ref.label_presence(values, offset, size)
    assert got.dtype == np.bool_ and got.shape == (size,)
    np.testing.assert_array_equal(got, expected)


# ----------------------------------------------------------------------------
# confusion_counts
# ----------------------------------------------------------------------------

#: (y_true dtype, y_pred dtype (scores with threshold), weights dtype, groups dtype,
#: threshold): each line is one Numba specialization of the counting kernel.
COUNT_CASES = [
    ("int8", "int8", None, None, False),
    ("int64", "int32", "float64", None, False),
    ("uint16", "uint16", "int64", "int16", False),
    ("float64", "float64", None, "int64", False),
    ("uint8", "uint8", "float32", None, False),
    ("int64", "int64", "float64", "int32", False),
    ("int32", "float32", None, None, True),
    ("int8", "float64", "float64", "int8", True),
    ("int64", "int64", "int64", None, True),
]


def _coded(draw, rng, dtype, n, n_codes):
    """Values ``offset .. offset + width - 1`` of ``dtype`` and a random lookup to codes."""
    dtype = np.dtype(dtype)
    width = n_codes + draw(st.integers(0, 8))
    lo_cap, hi_cap = _int_range(dtype) if dtype.kind in "iu" else (-10**6, 10**6)
    offset = draw(st.integers(lo_cap, hi_cap - width + 1))
    lookup = rng.integers(0, n_codes, size=width).astype(np.int64)
    lookup[rng.permutation(width)[:n_codes]] = np.arange(n_codes)  # every code reachable
    values = (offset + rng.integers(0, width, size=n)).astype(dtype)
    return values, lookup, offset


def _scores(draw, rng, dtype, n):
    """Scores with ties, and NaN/inf at random rows; a threshold in their precision."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        scores = np.round(rng.normal(size=n), draw(st.integers(0, 3))).astype(dtype)
        bad = draw(st.lists(st.sampled_from([np.nan, np.inf, -np.inf]), max_size=3))
        if n:
            scores[_positions(rng, n, len(bad))] = bad[:n]
    else:
        scores = rng.integers(-3, 4, size=n).astype(dtype)
    finite = scores[np.isfinite(scores)] if dtype.kind == "f" else scores
    if finite.size and draw(st.booleans()):
        threshold = finite[draw(st.integers(0, finite.size - 1))]  # a tie
    else:
        threshold = draw(st.one_of(st.floats(-3, 3), st.sampled_from([np.inf, -np.inf, 0.5])))
    # The caller rounds the threshold to the scores' precision (NumPy's rule for a
    # Python float); both implementations then compare exactly.
    if dtype.kind == "f":
        threshold = dtype.type(threshold)
    return scores, float(threshold)


def _weights(rng, dtype, n):
    if dtype is None:
        return None, np.float64
    if np.dtype(dtype).kind == "f":
        w = rng.random(n) * 10
        w[rng.random(n) < 0.2] = 0
        return w.astype(dtype), np.float64
    return rng.integers(0, 1000, size=n).astype(dtype), np.int64


@st.composite
def count_inputs(draw, case, max_rows=400):
    tdt, pdt, wdt, gdt, use_threshold = case
    rng = _rng(draw)
    n = draw(st.integers(0, max_rows))
    k = draw(st.one_of(st.integers(1, 6), st.integers(7, 60)))
    y_true, true_lookup, true_offset = _coded(draw, rng, tdt, n, k)
    kwargs = {}
    if use_threshold:
        y_pred, kwargs["threshold"] = _scores(draw, rng, pdt, n)
        pred_lookup = rng.integers(0, k, size=2).astype(np.int64)
        pred_offset = 0
    else:
        y_pred, pred_lookup, pred_offset = _coded(draw, rng, pdt, n, k)
    kwargs["weights"], kwargs["weight_dtype"] = _weights(rng, wdt, n)
    if gdt is not None:
        n_groups = draw(st.integers(1, 5))
        groups, group_lookup, group_offset = _coded(draw, rng, gdt, n, n_groups)
        kwargs.update(groups=groups, group_lookup=group_lookup, group_offset=group_offset,
                      n_groups=n_groups)
    return (y_true, y_pred, true_lookup, pred_lookup, true_offset, pred_offset, k), kwargs


def check_confusion_counts(args, kwargs):
    counts, sums, first = cpu.confusion_counts(*args, **kwargs)
    e_counts, e_sums, e_first = ref.confusion_counts(*args, **kwargs)
    assert_same_counts(counts, e_counts)
    assert counts.shape == (kwargs.get("n_groups", 1), args[6], args[6])
    assert counts.sum() == args[0].shape[0]
    assert_same_sums(sums, e_sums, kwargs["weight_dtype"])
    assert type(first) is int and first == e_first, (first, e_first)


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("case", COUNT_CASES, ids=str)
@share
@given(data=st.data())
def test_confusion_counts(path, case, data):
    args, kwargs = data.draw(count_inputs(case))
    with kernel_path(path):
        check_confusion_counts(args, kwargs)


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("case", COUNT_CASES, ids=str)
def test_confusion_counts_one_lane_table(path, case):
    """60 classes (and groups): more than 1024 cells, so one sub-table per thread."""
    tdt, pdt, wdt, gdt, use_threshold = case
    rng = np.random.default_rng(7)
    n, k = 3000, 60
    y_true = rng.integers(0, k, n).astype(tdt)
    lookup = np.arange(k, dtype=np.int64)
    kwargs = {}
    if use_threshold:
        y_pred = rng.normal(size=n).astype(pdt)
        pred_lookup, kwargs["threshold"] = np.array([3, 59], np.int64), 0.0
        if np.dtype(pdt).kind == "f":
            y_pred[[10, 2000]] = [np.inf, np.nan]
    else:
        y_pred, pred_lookup = rng.integers(0, k, n).astype(pdt), lookup
    kwargs["weights"], kwargs["weight_dtype"] = _weights(rng, wdt, n)
    if gdt is not None:
        kwargs.update(groups=rng.integers(0, 3, n).astype(gdt),
                      group_lookup=np.array([2, 0, 1], np.int64), n_groups=3)
    assert k * k > 1024
    with kernel_path(path):
        check_confusion_counts((y_true, y_pred, lookup, pred_lookup, 0, 0, k), kwargs)


def test_confusion_counts_nonfinite_scores():
    scores = np.array([0.2, 0.9, np.nan, 0.5, -np.inf, np.nan], np.float32)
    y_true = np.array([0, 1, 1, 0, 1, 0], np.int32)
    lookup = np.arange(2, dtype=np.int64)
    for path in KERNEL_PATHS:
        with kernel_path(path):
            counts, _, first = cpu.confusion_counts(y_true, scores, lookup, lookup, 0, 0, 2,
                                                    threshold=0.5)
        assert first == 2
        # NaN and -inf compare below the threshold; 0.5 >= 0.5 is positive.
        np.testing.assert_array_equal(counts[0], [[2, 1], [2, 1]])


# ----------------------------------------------------------------------------
# binary_confusion_sums
# ----------------------------------------------------------------------------

#: (y_true dtype, y_pred dtype (scores with threshold), threshold)
BINARY_CASES = [
    ("int8", "int8", False),
    ("uint8", "uint8", False),
    ("bool", "bool", False),
    ("int64", "int64", False),
    ("int8", "float32", True),
    ("uint8", "float64", True),
    ("bool", "float32", True),
]
#: values other than 0/1 each dtype can hold
ODD_VALUES = {"int8": [-1, 2, 127, -128, 3], "uint8": [2, 255, 3, 128],
              "int64": [-1, 2, -(2**62), 2**40], "bool": []}


def _zero_one(draw, rng, dtype, n):
    values = (rng.random(n) < draw(st.sampled_from([0.0, 0.3, 0.5, 1.0]))).astype(dtype)
    odd = draw(st.lists(st.sampled_from(ODD_VALUES[dtype]), max_size=2)) \
        if ODD_VALUES[dtype] else []
    if n and odd:
        values[_positions(rng, n, len(odd))] = odd[:n]
    return values


@st.composite
def binary_inputs(draw, case):
    tdt, pdt, use_threshold = case
    rng = _rng(draw)
    n = draw(st.integers(0, 400))
    y_true = _zero_one(draw, rng, tdt, n)
    if use_threshold:
        y_pred, threshold = _scores(draw, rng, pdt, n)
    else:
        y_pred, threshold = _zero_one(draw, rng, pdt, n), None
    return y_true, y_pred, threshold


def check_binary(y_true, y_pred, threshold):
    got = cpu.binary_confusion_sums(y_true, y_pred, threshold)
    expected = ref.binary_confusion_sums(y_true, y_pred, threshold)
    assert got == expected, (got, expected)
    assert all(type(x) is int for x in got)
    checked = [y_true] if threshold is not None else [y_true, y_pred]
    all_binary = all(np.isin(v.astype(np.int64), (0, 1)).all() for v in checked)
    n, st_, sp, sb, bits, _ = got
    assert (bits <= 1) == all_binary, (bits, checked)
    if all_binary:  # the sums then are a confusion matrix
        p = y_pred.astype(np.int64) if threshold is None else (y_pred >= threshold)
        t = y_true.astype(np.int64)
        assert (n, st_, sp, sb) == (t.size, t.sum(), p.sum(), (t * p).sum())


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("case", BINARY_CASES, ids=str)
@share
@given(data=st.data())
def test_binary_confusion_sums(path, case, data):
    inputs = data.draw(binary_inputs(case))
    with kernel_path(path):
        check_binary(*inputs)


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("case", BINARY_CASES, ids=str)
def test_binary_confusion_sums_fixed(path, case):
    tdt, pdt, use_threshold = case
    with kernel_path(path):
        for t, p in (([], []), ([1], [0]), ([0, 1, 1, 0], [1, 1, 0, 0])):
            y_pred = np.array(p, pdt) if not use_threshold else np.array(p, pdt) * 0.7
            check_binary(np.array(t, tdt), y_pred, 0.5 if use_threshold else None)
        for odd in ODD_VALUES[tdt]:  # in the last row, the first, alone
            for t in ([0, 1, odd], [odd, 0, 1], [odd]):
                y_true = np.array(t, tdt)
                y_pred = np.zeros(len(t), pdt)
                got = cpu.binary_confusion_sums(y_true, y_pred,
                                                0.5 if use_threshold else None)
                assert got[4] > 1, (t, got)
                check_binary(y_true, y_pred, 0.5 if use_threshold else None)
        if use_threshold:
            got = cpu.binary_confusion_sums(np.array([0, 1, 1], tdt),
                                            np.array([0.1, np.nan, np.inf], pdt), 0.5)
            assert got[3:] == (1, 1, 1)  # inf is positive, NaN negative; first bad row 1


# ----------------------------------------------------------------------------
# multilabel_confusion_counts
# ----------------------------------------------------------------------------

MULTILABEL_CASES = [("int64", None), ("uint8", "float64"), ("float64", "int64")]
ODD_INDICATORS = {"int64": [2, -1], "uint8": [2, 255], "float64": [0.5, -1.0, np.nan, 2.0]}


@st.composite
def multilabel_inputs(draw, case):
    dtype, wdt = case
    rng = _rng(draw)
    n = draw(st.integers(0, 200))
    n_labels = draw(st.integers(1, 8))
    y = []
    for _ in range(2):
        v = (rng.random((n, n_labels)) < 0.4).astype(dtype)
        odd = draw(st.lists(st.sampled_from(ODD_INDICATORS[dtype]), max_size=2))
        if n and odd:
            flat = v.reshape(-1)
            flat[_positions(rng, flat.size, len(odd))] = odd[:flat.size]
        y.append(v)
    weights, wdtype = _weights(rng, wdt, n)
    return y[0], y[1], weights, wdtype


def check_multilabel(y_true, y_pred, weights, wdtype):
    counts, sums, keys, first = cpu.multilabel_confusion_counts(
        y_true, y_pred, weights=weights, weight_dtype=wdtype)
    e_counts, e_sums, e_keys, e_first = ref.multilabel_confusion_counts(
        y_true, y_pred, weights=weights, weight_dtype=wdtype)
    assert_same_counts(counts, e_counts)
    assert counts.shape == (y_true.shape[1], 2, 2)
    assert_same_sums(sums, e_sums, wdtype)
    assert keys.dtype == np.int64
    np.testing.assert_array_equal(keys, e_keys)
    assert type(first) is int and first == e_first, (first, e_first)
    valid = np.isin(y_true, (0, 1)) & np.isin(y_pred, (0, 1))
    assert first == (-1 if valid.all() else int(np.flatnonzero(~valid.reshape(-1))[0]))


@pytest.mark.parametrize("path", KERNEL_PATHS)
@pytest.mark.parametrize("case", MULTILABEL_CASES, ids=str)
@share
@given(data=st.data())
def test_multilabel_confusion_counts(path, case, data):
    inputs = data.draw(multilabel_inputs(case))
    with kernel_path(path):
        check_multilabel(*inputs)


@pytest.mark.parametrize("path", KERNEL_PATHS)
def test_multilabel_first_invalid_is_the_first_flat_index(path):
    y = np.zeros((5, 3), np.int64)
    p = np.zeros((5, 3), np.int64)
    y[4, 0] = 2
    p[3, 2] = -1  # earlier in row-major order than y[4, 0]
    with kernel_path(path):
        assert cpu.multilabel_confusion_counts(y, p)[3] == 3 * 3 + 2
        assert cpu.multilabel_confusion_counts(y, np.zeros_like(p))[3] == 4 * 3
        assert cpu.multilabel_confusion_counts(y[:1], p[:1])[3] == -1
        check_multilabel(y, p, None, np.float64)


# ----------------------------------------------------------------------------
# 300,000 rows: the threaded path with the real PARALLEL_MIN_ROWS
# ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big():
    if numba.get_num_threads() > 1:
        assert cpu.thread_blocks(BIG_N, cpu.PARALLEL_MIN_ROWS) > 1, "300k rows should run on several threads"
    return np.random.default_rng(2024)


def test_big_scan_labels(big):
    v = big.integers(-40, 90, BIG_N).astype(np.int16)
    assert_scan_equal(v)
    f = v.astype(np.float64)
    f[[150_001, 299_999]] = [np.nan, 3.5]
    f[[200_000]] = np.inf
    assert_scan_equal(f)
    assert cpu.scan_labels(f)[2:] == (150_001, 299_999)


def test_big_label_presence(big):
    v = big.integers(0, 5000, BIG_N).astype(np.int32) * 2 + 11
    np.testing.assert_array_equal(cpu.label_presence(v, 11, 10_000),
                                  ref.label_presence(v, 11, 10_000))


@pytest.mark.parametrize("case", [COUNT_CASES[2], COUNT_CASES[5], COUNT_CASES[7]], ids=str)
def test_big_confusion_counts(big, case):
    tdt, pdt, wdt, gdt, use_threshold = case
    k = 7
    y_true = big.integers(0, k, BIG_N).astype(tdt)
    lookup = np.arange(k, dtype=np.int64)
    kwargs = {}
    if use_threshold:
        y_pred = big.normal(size=BIG_N).astype(pdt)
        y_pred[[170_000, 250_000]] = [np.nan, -np.inf]
        pred_lookup, kwargs["threshold"] = np.array([0, 1], np.int64), 0.25
    else:
        y_pred, pred_lookup = big.integers(0, k, BIG_N).astype(pdt), lookup
    kwargs["weights"], kwargs["weight_dtype"] = _weights(big, wdt, BIG_N)
    if gdt is not None:
        kwargs.update(groups=big.integers(0, 4, BIG_N).astype(gdt),
                      group_lookup=np.arange(4, dtype=np.int64), n_groups=4)
    check_confusion_counts((y_true, y_pred, lookup, pred_lookup, 0, 0, k), kwargs)
    if use_threshold:
        assert cpu.confusion_counts(y_true, y_pred, lookup, pred_lookup, 0, 0, k,
                                    **kwargs)[2] == 170_000


def test_big_binary_confusion_sums(big):
    t = (big.random(BIG_N) < 0.3).astype(np.int8)
    p = (big.random(BIG_N) < 0.6).astype(np.int8)
    check_binary(t, p, None)
    s = big.random(BIG_N).astype(np.float32)
    s[[160_000, 299_000]] = np.nan
    check_binary(t, s, float(np.float32(0.4)))
    assert cpu.binary_confusion_sums(t, s, 0.5)[5] == 160_000
    t[200_000] = -1  # a bad value in the second thread's block
    assert cpu.binary_confusion_sums(t, p)[4] > 1
    check_binary(t, p, None)


def test_big_multilabel_confusion_counts(big):
    y = (big.random((BIG_N, 4)) < 0.3).astype(np.uint8)
    p = (big.random((BIG_N, 4)) < 0.5).astype(np.uint8)
    w = big.random(BIG_N)
    check_multilabel(y, p, w, np.float64)
    p[250_000, 3] = 7
    assert cpu.multilabel_confusion_counts(y, p, weights=w)[3] == 250_000 * 4 + 3

"""The bootstrap's resampling kernels against their oracle in ``kernels/reference_resample.py``.

Every output must be identical (integers and the AP float sums bit for bit):
Philox known-answer tests, the Poisson draws, the table and row kernels on
small random inputs (all cell kinds: counts 0, 1, 2..9 by inversion, 10..50
and 10^6 by PTRS), odd and even first resamples and counts that leave lane
groups partly used, split runs against one run, serial against threaded.
Then the statistics: the binary row walk (``row_resample.walk_areas``) against an O(n^2) weighted AUC,
``table_resample_counts`` against ``table_resample_areas``, and the draws'
distributions (fixed seeds, so no test is flaky). Cold Numba cache: about
10 s of compiling; warm, a few seconds.
"""

from __future__ import annotations

import contextlib

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from fastmetrics.kernels import reference_resample as ref
from fastmetrics.kernels.cpu import resample as cpu
from fastmetrics.kernels.cpu import row_resample as row_kernels

SEEDS = [0, 1, 0x9E3779B97F4A7C15, 2 ** 32 - 1, 2 ** 32, 2 ** 64 - 1]
seeds = st.one_of(st.sampled_from(SEEDS), st.integers(0, 2 ** 64 - 1))
# Cell counts of every kind: empty, one row, inversion (< 10), PTRS (>= 10).
cell_counts = st.one_of(st.sampled_from([0, 0, 1, 1, 1]), st.integers(2, 9),
                        st.integers(10, 50), st.just(10 ** 6))


def _same(got, expected):
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype
        np.testing.assert_array_equal(g, e)


@contextlib.contextmanager
def _threaded():
    """Take the threaded path of the areas kernels even on small inputs."""
    saved = cpu.PARALLEL_MIN_WORK
    cpu.PARALLEL_MIN_WORK = row_kernels.PARALLEL_MIN_WORK = 0
    try:
        yield
    finally:
        cpu.PARALLEL_MIN_WORK = row_kernels.PARALLEL_MIN_WORK = saved


def _areas_from_counts(p, q):
    """(twice_area, n_pos, n_neg, ap_sum) of one drawn table, by the definitions."""
    n_neg = int(q.sum())
    twice, ap, tp, fp = 0, 0.0, 0, 0
    for pu, qu in zip(p.tolist(), q.tolist()):
        tp += pu
        fp += qu
        twice += pu * (2 * (n_neg - fp) + qu)
        if pu:
            ap += float(pu * tp) / float(tp + fp)
    return twice, int(p.sum()), n_neg, ap


# ----------------------------------------------------------------------------
# Philox and the Poisson draws
# ----------------------------------------------------------------------------

KATS = [  # Random123's kat_vectors for philox4x32_10: counter, key, output
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize("ctr, key, expected", KATS)
def test_philox_known_answers(ctr, key, expected):
    assert tuple(int(x) for x in cpu.philox4x32(*ctr, *key)) == expected
    assert ref.philox4x32(*ctr, *key) == expected


def test_poisson1_table_and_edges():
    assert ref.POISSON1_TABLE == [int(x) for x in cpu.POISSON1_TABLE]
    assert len(ref.POISSON1_TABLE) == cpu.POISSON1_MAX + 1
    # The table is floor(2**32 F(k)): compare with scipy to double precision.
    cdf = stats.poisson.cdf(np.arange(12), 1.0) * 2.0 ** 32
    assert np.all(np.abs(np.asarray(ref.POISSON1_TABLE[:12]) - cdf) < 2.0)
    for k, t in enumerate(ref.POISSON1_TABLE[:12]):
        assert cpu.poisson1(t - 1) == ref.poisson1(t - 1) == k
        assert cpu.poisson1(t) == ref.poisson1(t) == k + 1
    assert cpu.poisson1(0) == 0 and cpu.poisson1(0xFFFFFFFF) == ref.poisson1(0xFFFFFFFF) == 12
    words = np.random.default_rng(0).integers(0, 2 ** 32, 2000, dtype=np.uint64)
    assert [cpu.poisson1(w) for w in words] == [ref.poisson1(int(w)) for w in words]


@pytest.mark.parametrize("lam", [0.0, 0.25, 1.0, 2.0, 9.999, 10.0, 10.5, 17.0, 50.0, 1e3,
                                 1e6, 1e9, 1e12, 1e15])
def test_poisson_general_matches_reference(lam):
    for i, seed in enumerate(SEEDS * 15):
        k0, k1 = seed & 0xFFFFFFFF, seed >> 32
        stream = 2 + i % 3
        got = cpu.poisson_general(lam, k0, k1, i, i >> 3, 7 * i, stream)
        assert got == ref.poisson_general(lam, k0, k1, i, i >> 3, 7 * i, stream)
    many = cpu._poisson_general_many(lam, np.uint64(5), np.uint64(6), 40, 11, 3)
    assert many.tolist() == [ref.poisson_general(lam, 5, 6, i, 0, 11, 3) for i in range(40)]


def test_log_pmf():
    """The PTRS acceptance's log-probability: kernel == oracle, both right.

    scipy's ``logpmf`` cancels terms of size ``k log(lam)`` (hence its
    tolerance); the pmf summing to 1 checks the Stirling branch to ~1e-13.
    """
    for lam in [10.0, 12.5, 77.0, 1e4, 1e8, 1e12]:
        sd = np.sqrt(lam)
        for kf in sorted({0.0, 1.0, 15.0, 16.0, 17.0, *(np.floor(lam + z * sd)
                                                       for z in (-8, -2, -0.5, 0, 1, 3, 9))}):
            if kf < 0:
                continue
            got = cpu._log_pmf(kf, lam, np.log(lam))
            assert got == ref._log_pmf(kf, lam)
            tol = 1e-15 * (kf * abs(np.log(lam)) + lam) + 1e-13
            assert abs(got - stats.poisson.logpmf(kf, lam)) <= tol
    for lam in [10.0, 33.3, 1e4, 1e6]:
        sd = np.sqrt(lam)
        ks = np.arange(max(0.0, np.floor(lam - 13 * sd)), np.ceil(lam + 13 * sd) + 1)
        total = sum(np.exp(cpu._log_pmf(k, lam, np.log(lam))) for k in ks)
        assert abs(total - 1.0) < 1e-12


def _moment_check(draws, lam):
    n = draws.size
    mean, var = draws.mean(), draws.var(ddof=1)
    assert abs(mean - lam) < 5 * np.sqrt(lam / n)
    # var of the sample variance of a Poisson: (mu4 - sigma^4) / n = (2 lam^2 + lam) / n
    assert abs(var - lam) < 5 * np.sqrt((2 * lam * lam + lam) / n)


def _chi_square_p(draws, lam):
    lo, hi = int(stats.poisson.ppf(1e-6, lam)), int(stats.poisson.isf(1e-6, lam))
    ks = np.arange(lo, hi + 1)
    observed = np.array([np.sum(draws <= lo)] + [np.sum(draws == k) for k in ks[1:-1]]
                        + [np.sum(draws >= hi)], dtype=np.float64)
    expected = np.concatenate([[stats.poisson.cdf(lo, lam)], stats.poisson.pmf(ks[1:-1], lam),
                               [stats.poisson.sf(hi - 1, lam)]]) * draws.size
    # Merge bins (from the tails in) until each expects at least 5.
    obs, exp, o, e = [], [], 0.0, 0.0
    for ob, ex in zip(observed, expected):
        o, e = o + ob, e + ex
        if e >= 5:
            obs.append(o)
            exp.append(e)
            o = e = 0.0
    obs[-1] += o
    exp[-1] += e
    obs, exp = np.array(obs), np.array(exp)
    return stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue


N_DRAWS = 100_000


@pytest.mark.parametrize("lam", [1.0, 3.0, 9.0, 10.0, 12.5, 100.0, 1e6])
def test_poisson_general_moments(lam):
    draws = cpu._poisson_general_many(lam, np.uint64(0xC0FFEE), np.uint64(42), N_DRAWS, 3, 2)
    _moment_check(draws, lam)


@pytest.mark.parametrize("lam", [1.0, 4.0, 30.0])
def test_poisson_general_goodness_of_fit(lam):
    draws = cpu._poisson_general_many(lam, np.uint64(12345), np.uint64(678), N_DRAWS, 0, 2)
    assert _chi_square_p(draws, lam) > 1e-4


def test_poisson1_distribution():
    # 4 resamples share each Philox call: take all four words of 25,000 rows.
    draws = np.concatenate([cpu.row_weights(2024, 0, N_DRAWS // 4, r) for r in range(4)])
    draws = draws.astype(np.int64)
    _moment_check(draws, 1.0)
    assert _chi_square_p(draws, 1.0) > 1e-4
    table_draws = cpu._poisson1_many(np.uint64(3), np.uint64(4), N_DRAWS, 9)
    _moment_check(table_draws, 1.0)
    assert _chi_square_p(table_draws, 1.0) > 1e-4
    coins = np.concatenate([cpu.swap_mask(99, 0, N_DRAWS // 4, r) for r in range(4)])
    assert abs(coins.mean() - 0.5) < 5 * 0.5 / np.sqrt(coins.size)


# ----------------------------------------------------------------------------
# table_resample_areas and table_resample_counts
# ----------------------------------------------------------------------------

@settings(max_examples=25)
@given(cells=st.lists(st.tuples(cell_counts, cell_counts), min_size=0, max_size=10),
       seed=seeds, first=st.integers(0, 200), count=st.integers(0, 70))
def test_table_matches_reference(cells, seed, first, count):
    pos = np.array([c[0] for c in cells], dtype=np.int64)
    neg = np.array([c[1] for c in cells], dtype=np.int64)
    expected = ref.table_resample_areas(pos, neg, seed, first, count)
    _same(cpu.table_resample_areas(pos, neg, seed, first, count), expected)
    with _threaded():
        _same(cpu.table_resample_areas(pos, neg, np.uint64(seed), first, count), expected)


@pytest.mark.parametrize("first", [0, 1, 2 ** 32 - 70])
def test_table_every_cell_kind(first):
    """70 resamples (three lane groups, the last partial; odd first: both ends partial)."""
    pos = np.array([1, 0, 1, 1, 0, 3, 12, 0, 1, 10 ** 6, 2, 0, 1], dtype=np.int64)
    neg = np.array([0, 1, 1, 0, 0, 1, 0, 9, 40, 5, 10 ** 6, 1, 1], dtype=np.int64)
    expected = ref.table_resample_areas(pos, neg, 2 ** 64 - 1, first, 70)
    _same(cpu.table_resample_areas(pos, neg, 2 ** 64 - 1, first, 70), expected)
    with _threaded():
        _same(cpu.table_resample_areas(pos, neg, 2 ** 64 - 1, first, 70), expected)
    assert len(set(expected[0].tolist())) > 30  # the resamples differ


def test_table_split_runs_and_threads():
    rng = np.random.default_rng(3)
    pos = rng.choice([0, 1, 1, 2, 7, 15], 6000).astype(np.int64)
    neg = rng.choice([0, 1, 1, 1, 3, 11], 6000).astype(np.int64)
    whole = cpu.table_resample_areas(pos, neg, 77, 5, 101)    # threaded as shipped
    assert pos.size * 101 >= cpu.PARALLEL_MIN_WORK
    parts = [cpu.table_resample_areas(pos, neg, 77, a, b - a)
             for a, b in [(5, 6), (6, 38), (38, 39), (39, 106)]]
    _same(whole, tuple(np.concatenate(x) for x in zip(*parts)))
    saved = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        _same(cpu.table_resample_areas(pos, neg, 77, 5, 101), whole)
    finally:
        numba.set_num_threads(saved)
    # One spot check of a threaded run against the oracle (first 600 cells).
    _same(tuple(x[:3] for x in cpu.table_resample_areas(pos[:600], neg[:600], 77, 5, 101)),
          ref.table_resample_areas(pos[:600], neg[:600], 77, 5, 3))


@settings(max_examples=20)
@given(cells=st.lists(st.tuples(cell_counts, cell_counts), min_size=1, max_size=12),
       seed=seeds, r=st.one_of(st.integers(0, 100), st.just(2 ** 32 - 1)))
def test_table_counts_match_areas(cells, seed, r):
    counts = np.array(cells, dtype=np.int64).T.copy()     # row 0 neg, row 1 pos
    drawn = cpu.table_resample_counts(counts, seed, r)
    assert drawn.dtype == np.int64 and drawn.shape == counts.shape
    np.testing.assert_array_equal(drawn, ref.table_resample_counts(counts, seed, r))
    assert np.all(drawn[counts == 0] == 0)
    twice, n_pos, n_neg, ap = cpu.table_resample_areas(counts[1], counts[0], seed, r, 1)
    assert _areas_from_counts(drawn[1], drawn[0]) == (twice[0], n_pos[0], n_neg[0], ap[0])


@pytest.mark.parametrize("k", [1, 3, 5])
def test_table_counts_many_classes(k):
    rng = np.random.default_rng(k)
    counts = rng.choice([0, 1, 1, 4, 12, 10 ** 6], size=(k, 9)).astype(np.int64)
    for seed, r in [(0, 0), (2 ** 64 - 1, 7), (31337, 2 ** 32 - 1)]:
        drawn = cpu.table_resample_counts(counts, seed, r)
        np.testing.assert_array_equal(drawn, ref.table_resample_counts(counts, seed, r))
        # The first two classes are those of a 2-row table.
        np.testing.assert_array_equal(drawn[:2], cpu.table_resample_counts(counts[:2], seed, r))
    np.testing.assert_array_equal(cpu.table_resample_counts(counts[0], 5, 3),
                                  cpu.table_resample_counts(counts[:1], 5, 3)[0])


def test_table_counts_distribution_of_extra_classes():
    counts = np.ones((6, 20_000), dtype=np.int64)
    counts[5] = 7
    drawn = np.concatenate([cpu.table_resample_counts(counts, 11, r) for r in range(3)], axis=1)
    for cls in range(5):
        _moment_check(drawn[cls], 1.0)
    _moment_check(drawn[5], 7.0)
    # Classes use independent draws: correlations near 0.
    corr = np.corrcoef(drawn[:5])
    assert np.all(np.abs(corr[np.triu_indices(5, 1)]) < 5 / np.sqrt(drawn.shape[1]))


def test_table_edges():
    for out in (cpu.table_resample_areas([1, 2], [3, 0], 1, 4, 0),
                cpu.table_resample_areas([], [], 1, 4, 5),
                cpu.table_resample_areas([0, 0], [0, 0], 1, 0, 5)):
        assert [x.dtype for x in out] == [np.int64, np.int64, np.int64, np.float64]
        assert all(np.all(x == 0) for x in out)
    # A table of 10^6 rows at one score: n = Poisson(10^6) draws, every pair tied.
    twice, n_pos, n_neg, ap = cpu.table_resample_areas([10 ** 6], [10 ** 6], 3, 0, 40)
    np.testing.assert_array_equal(twice, n_pos * n_neg)
    assert np.all(np.abs(n_pos - 10 ** 6) < 6000)
    np.testing.assert_allclose(ap, n_pos * (n_pos / (n_pos + n_neg)), rtol=1e-12)


# ----------------------------------------------------------------------------
# the binary row walk (walk_areas of row_resample), row_weights, swap_mask
# ----------------------------------------------------------------------------

def _binary_walk(rows, labels, starts, seed, first, count):
    """``row_resample.walk_areas`` of a binary column as the reference's
    ``paired_row_areas`` returns it: (twice_area, n_pos, n_neg), int64."""
    area, amount, _ = row_kernels.walk_areas(rows, np.asarray(labels).astype(np.int64),
                                             starts, 1, 2, seed, first, count)
    return (np.rint(area[:, 0]).astype(np.int64), np.rint(amount[:, 1]).astype(np.int64),
            np.rint(amount[:, 0]).astype(np.int64))


def _rows_case(rng, n, levels, offset):
    scores = rng.integers(0, levels, n).astype(np.float64)
    labels = rng.integers(0, 2, n).astype(np.uint8)
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = s[1:] != s[:-1]
    return scores, labels, order, starts, order.astype(np.int64) + offset


@settings(max_examples=25)
@given(n=st.integers(0, 30), levels=st.integers(1, 40), seed=seeds,
       first=st.integers(0, 100), count=st.integers(0, 70), data_seed=st.integers(0, 2 ** 16),
       offset=st.sampled_from([0, 3, 2 ** 32 - 10, 2 ** 40]))
def test_rows_match_reference(n, levels, seed, first, count, data_seed, offset):
    rng = np.random.default_rng(data_seed)
    _, labels, order, starts, rows = _rows_case(rng, n, levels, offset)
    lab = labels[order]
    expected = ref.paired_row_areas(rows, lab, starts, seed, first, count)
    _same(_binary_walk(rows, lab, starts, seed, first, count), expected)
    with _threaded():
        _same(_binary_walk(rows, lab.astype(bool), starts.astype(np.int64),
                                   np.uint64(seed), first, count), expected)


@pytest.mark.parametrize("levels", [3, 25, 10 ** 9])
def test_rows_against_bruteforce_weighted_auc(levels):
    rng = np.random.default_rng(levels)
    n = 60
    scores, labels, order, starts, rows = _rows_case(rng, n, levels, 0)
    first, count = 3, 70
    twice, n_pos, n_neg = _binary_walk(rows, labels[order], starts, 8, first, count)
    pos = labels != 0
    above = scores[:, None] > scores[None, :]
    tied = scores[:, None] == scores[None, :]
    for i in range(count):
        w = cpu.row_weights(8, 0, n, first + i).astype(np.int64)
        pair_w = (w * pos)[:, None] * (w * ~pos)[None, :]
        assert twice[i] == np.sum(pair_w * (2 * above + tied))
        assert n_pos[i] == w[pos].sum() and n_neg[i] == w[~pos].sum()


def test_rows_split_runs_threads_and_pairing():
    rng = np.random.default_rng(5)
    scores, labels, order, starts, rows = _rows_case(rng, 9000, 3000, 0)
    lab = labels[order]
    whole = _binary_walk(rows, lab, starts, 2 ** 63, 1, 99)
    assert rows.size * 99 >= cpu.PARALLEL_MIN_WORK
    parts = [_binary_walk(rows, lab, starts, 2 ** 63, a, b - a)
             for a, b in [(1, 2), (2, 33), (33, 100)]]
    _same(whole, tuple(np.concatenate(x) for x in zip(*parts)))
    saved = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        _same(_binary_walk(rows, lab, starts, 2 ** 63, 1, 99), whole)
    finally:
        numba.set_num_threads(saved)
    # Paired: another model's order of the same rows resamples the same rows.
    other = rng.permutation(9000)
    _, n_pos_b, n_neg_b = _binary_walk(other, labels[other], np.ones(9000, bool),
                                               2 ** 63, 1, 99)
    np.testing.assert_array_equal(n_pos_b, whole[1])
    np.testing.assert_array_equal(n_neg_b, whole[2])


@pytest.mark.parametrize("seed, first_row, n, r", [
    (0, 0, 37, 0), (2 ** 64 - 1, 5, 50, 3), (123, 2 ** 32 - 20, 40, 2 ** 32 - 1),
    (9, 2 ** 45, 20, 6)])
def test_row_draws_match_reference(seed, first_row, n, r):
    w = cpu.row_weights(seed, first_row, n, r)
    assert w.dtype == np.uint8 and w.shape == (n,)
    np.testing.assert_array_equal(w, ref.row_weights(seed, first_row, n, r))
    m = cpu.swap_mask(seed, first_row, n, r)
    assert m.dtype == np.bool_ and m.shape == (n,)
    np.testing.assert_array_equal(m, ref.swap_mask(seed, first_row, n, r))


def test_row_draws_threaded_slices():
    big = cpu.row_weights(4, 0, 200_000, 5)           # threaded as shipped
    np.testing.assert_array_equal(big[150_000:150_030], cpu.row_weights(4, 150_000, 30, 5))
    np.testing.assert_array_equal(big[150_000:150_010], ref.row_weights(4, 150_000, 10, 5))
    coins = cpu.swap_mask(4, 0, 200_000, 5)
    np.testing.assert_array_equal(coins[99_990:100_010], ref.swap_mask(4, 99_990, 20, 5))


# ----------------------------------------------------------------------------
# Reproducibility and validation
# ----------------------------------------------------------------------------

def test_reproducible_and_seed_sensitive():
    pos = np.array([1, 0, 2, 1, 11], dtype=np.int64)
    neg = np.array([0, 1, 1, 5, 0], dtype=np.int64)
    a = cpu.table_resample_areas(pos, neg, 2 ** 64 - 1, 0, 40)
    _same(cpu.table_resample_areas(pos, neg, np.uint64(2 ** 64 - 1), 0, 40), a)
    b = cpu.table_resample_areas(pos, neg, 2 ** 64 - 2, 0, 40)
    assert not np.array_equal(a[0], b[0])
    np.testing.assert_array_equal(cpu.row_weights(np.uint64(7), 0, 100, 1),
                                  cpu.row_weights(7, 0, 100, 1))
    assert not np.array_equal(cpu.row_weights(7, 0, 100, 1), cpu.row_weights(7, 0, 100, 2))
    assert not np.array_equal(cpu.row_weights(7, 0, 100, 1), cpu.row_weights(2 ** 32 + 7,
                                                                              0, 100, 1))


BAD_SEEDS = [(True, TypeError), (np.bool_(False), TypeError), (1.0, TypeError),
             (np.float64(3), TypeError), ("1", TypeError), (None, TypeError),
             (-1, ValueError), (np.int64(-5), ValueError), (2 ** 64, ValueError)]


@pytest.mark.parametrize("seed, error", BAD_SEEDS)
def test_seed_validation(seed, error):
    calls = [
        lambda s: cpu.table_resample_areas([1], [1], s, 0, 2),
        lambda s: _binary_walk([0, 1], [0, 1], [True, True], s, 0, 2),
        lambda s: cpu.row_weights(s, 0, 3, 0),
        lambda s: cpu.swap_mask(s, 0, 3, 0),
        lambda s: cpu.table_resample_counts(np.ones((2, 2), np.int64), s, 0),
        lambda s: ref.table_resample_areas([1], [1], s, 0, 2),
        lambda s: ref.row_weights(s, 0, 3, 0),
    ]
    for call in calls:
        with pytest.raises(error):
            call(seed)


def test_resample_range_validation():
    for first, count in [(-1, 2), (0, -1), (2 ** 32 - 1, 2)]:
        with pytest.raises(ValueError):
            cpu.table_resample_areas([1], [1], 0, first, count)
        with pytest.raises(ValueError):
            _binary_walk([0], [1], [True], 0, first, count)
    for r in (-1, 2 ** 32):
        with pytest.raises(ValueError):
            cpu.row_weights(0, 0, 3, r)
        with pytest.raises(ValueError):
            cpu.table_resample_counts(np.ones((2, 2), np.int64), 0, r)
    cpu.table_resample_areas([1], [1], 0, 2 ** 32 - 1, 1)   # the last resample is fine

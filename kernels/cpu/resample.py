"""Numba CPU kernels of the bootstrap: counter-based random resampling.

Twins of the functions of the same names in ``kernels/reference_resample.py``
(plain Python, the test oracle); outputs are equal bit for bit.

**The generator.** No kernel here keeps a random state or builds a
(resamples x rows) array. Every draw is a pure function of its key:
Philox4x32-10 (Salmon, Moraes, Dror & Shaw 2011, "Parallel random numbers:
as easy as 1, 2, 3"; the generator of Random123, cuRAND and JAX) maps a
128-bit counter and a 64-bit key to four 32-bit words. The key is the seed
(``k0 = seed & 0xffffffff``, ``k1 = seed >> 32``; an integer ``0 <= seed <
2**64``, bools and floats refused); the counter names the draw: ``c0, c1``
the low and high 32 bits of a cell or row index, ``c2`` the resample number
``r`` (or ``r >> 1``, ``r >> 2`` where one call serves two or four
resamples), ``c3 = (stream << 24) | j`` a stream (``STREAM_*``) and a
sub-counter ``j``. So any thread, chunk or device recomputes any draw, and
splitting resamples or rows across calls changes nothing. Resamples are
numbered ``0 <= r < MAX_RESAMPLES = 2**32`` (``c2`` is one word). 32-bit
words are held in uint64 values (products of two words fit) and every
constant is a uint64: Numba turns mixed int64/uint64 arithmetic into float64.

**Poisson(1) from one word** (``poisson1``): the smallest ``k`` with ``x <
POISSON1_TABLE[k]``, the table being ``floor(2**32 F(k))`` for ``F`` the
Poisson(1) CDF, computed exactly (rational arithmetic; the reference
recomputes it). ``F(11) 2**32`` is 4.4 below ``2**32`` and ``F(12) 2**32``
0.27 below, so the table stops at ``POISSON1_TABLE[12] = 2**32``: the largest
value drawn is ``POISSON1_MAX = 12``, which takes the tail mass ``P(X >= 12)``
(1.0e-9, as 4 words in 2**32), and each probability is low by less than
``2**-32`` (floor). Net bias: mean ``1 + 1.40e-9``, variance ``1 +
1.26e-8``. The kernels count ``x >= POISSON1_TABLE[j]`` over ``j < 12``
without branches (twelve compares against constants: vector code).

**Poisson(lam) for other counts** (``poisson_general``), from the uniforms of
``philox(c0, c1, c2, (stream << 24) | j)`` for ``j = 0, 1, ...``: each call
gives ``U = (x0 * 2**21 + (x1 >> 11)) * 2**-53`` and ``V`` the same from
``x2, x3`` (53-bit, exact, in ``[0, 1)``).

* ``lam <= 0``: 0 (no call).
* ``0 < lam < 10``: inversion with ``U`` of ``j = 0``: the smallest ``k``
  with ``U < s_k``, ``s_k = p_0 + ... + p_k``, ``p_0 = exp(-lam)``, ``p_k =
  p_{k-1} * lam / k`` (float64, in that order); the search stops if ``s_k``
  no longer grows (``U`` above every rounded partial sum: probability below
  1e-15).
* ``lam >= 10``: Hormann's PTRS (transformed rejection with squeeze, 1993),
  numpy's ``random_poisson_ptrs`` step for step, one ``(U - 0.5, V)`` pair per
  attempt ``j``. Two deviations, both for exactness: the log-probability of
  ``k`` is ``(k - lam) - k log1p((k - lam) / lam) - log(k) / 2 - log(2 pi) / 2
  - (Stirling series of log k! to 1/k^7)`` for ``k >= 16`` (``-lam + k
  log(lam) - log k!`` from an exact table below): ``-lam + k log(lam) -
  lgamma(k + 1)`` cancels terms of size ``k log k`` (about 0.004 absolute
  error at lam = 1e12), and ``math.lgamma`` is CPython's own code in the
  reference but the C library's in Numba, so the two would disagree. Only
  ``exp``, ``log``, ``log1p`` and ``sqrt`` are used, the C library's in both.
  And an attempt whose ``U - 0.5`` is exactly ``-0.5`` is skipped, one whose
  ``k`` is negative, or above 2**62 (``U`` within 2**-53 of -0.5, where the
  probability is 0 anyway) is rejected before the integer conversion. After
  ``2**24`` attempts (never, in practice) the draw is ``floor(lam)``.

**table_resample_areas** redraws every cell of a binary distinct-score table
(``pos``, ``neg`` non-negative counts in descending score order) as
independent Poisson counts (the Poisson bootstrap: the rows' resampled
multiplicities, summed per cell) and reduces each resample to the ROC area
numerator and the average precision sum in one pass. The draw of class
``cls`` (0 for ``neg``, 1 for ``pos``) at cell ``u`` in resample ``r``:

* count 0: 0;
* count 1: ``poisson1`` of word ``2 (r & 1) + cls`` of ``philox(u_lo, u_hi,
  r >> 1, STREAM_TABLE << 24)``, so one call serves both classes of two
  consecutive resamples;
* count ``c >= 2``: ``poisson_general(c, k0, k1, u_lo, u_hi, r,
  STREAM_TABLE_GENERAL + cls)``.

Per resample, with ``p_u, q_u`` the drawn counts and ``TP_u``, ``Qincl_u``
the positives and negatives at cells ``<= u``:

* ``twice_area = 2 N P - sum_u p_u (2 Qincl_u - q_u)`` (exact int64, valid
  while ``2 P N < 2**63``), i.e. ``sum_u p_u (2 Q_below_u + q_u)``;
* ``ap_sum = sum_u p_u * TP_u / (TP_u + FP_u)`` accumulated in cell order,
  each term ``float64(p_u TP_u) / float64(max(TP_u + FP_u, 1))`` (exactly 0.0
  where ``p_u = 0``, with no branch).

**table_resample_counts** gives one resample ``r`` of a whole ``(K, U)``
count table (the route for an arbitrary function of a ScoreState, one
resampled table at a time):
classes 0 and 1 are drawn exactly as above (row 0 of a 2-row table is
``neg``, row 1 ``pos``: the same draws as ``table_resample_areas``). Classes
``cls >= 2`` (multiclass tables) use their own stream and put the class in
the counter's second word (``u < 2**32`` there, which any table in memory
satisfies): count 1 is ``poisson1`` of word 0 of ``philox(u, cls, r,
STREAM_TABLE_CLASS << 24)``, count ``c >= 2`` is ``poisson_general(c, k0, k1,
u, cls, r, STREAM_TABLE_CLASS)``. One thread; no lanes.

**Row weights.** The row bootstrap draws row ``row`` ``w(row, r)`` =
``poisson1`` of word ``r & 3`` of ``philox(row_lo, row_hi, r >> 2,
STREAM_ROWS << 24)`` times in resample ``r``: global rows, so every model,
column and chunk of the same rows is resampled alike (a paired bootstrap
for free). The fused kernels of ``row_resample.py`` draw them in place
(32 resamples per walk, lanes as below); the reference's
``paired_row_areas`` is their binary oracle.

``row_weights`` and ``swap_mask`` give one resample's weights ``w(row, r)``
or coin flips (bit 31 of word ``r & 3`` of ``philox(row_lo, row_hi, r >> 2,
STREAM_SWAP << 24)``) for a row range.

**Lanes: why the kernels look the way they do.** The cost is the Philox
calls (10 rounds of two 32 x 32 -> 64-bit multiplies) and the per-cell or
per-row bookkeeping (loading the counts, the branch on the cell's kind). A
thread therefore walks the table (or the rows) once for many resamples at a
time, one lane per resample, so the bookkeeping is paid once per 32
resamples and the lanes are SIMD work:

* ``table_resample_areas``: a walk serves ``TABLE_PAIRS = 16`` resample
  pairs, i.e. 32 lanes (lanes ``m`` the even resamples ``2 (pair0 + m)``,
  lanes ``TABLE_PAIRS + m`` the odd ones); the row walks of
  ``row_resample.py``: ``ROW_QUADS = 8`` quads, 32 lanes (lane ``w ROW_QUADS + m`` resample ``4 (quad0 + m) +
  w``, from word ``w`` of the quad's Philox call). The parallel loop runs
  over these groups of lanes, so splitting resamples across threads needs
  no reduction. The 16 (8) Philox calls of a step are two (one) AVX-512
  vectors of uint64 per word: enough independent multiplies to hide their
  latency, few enough to stay in registers; the 32 lanes' sums are four.
* All six Philox inputs are masked to 32 bits inside ``_philox``, so LLVM
  knows the high halves are zero and emits one ``vpmuludq`` (32 x 32 -> 64)
  per multiply instead of a 64 x 64-bit product.
* Each cell kind has its own loops (a one-row cell of either class, a cell
  of counts <= 1, a cell with a larger count), and the draws go into a lane
  buffer first, then a second loop updates the running sums: both loops
  vectorize, where one fused loop did not. A one-row cell draws and updates
  only its own class (a negative touches no area or AP sum); in a tie group
  of rows the weights are summed per class and the group is added once, at
  its end (``P_g (2 Q_below + Q_g)``): the row loop is then a pure draw-and-
  add, and singleton groups take a direct path.

Below ``PARALLEL_MIN_WORK`` cell-resamples (row-resamples) or with a single
group of lanes the kernels run on the calling thread.

Timings (AMD EPYC Zen 4 with AVX-512, 2 cores, quiet machine): a table of
10^6 one-row cells x 1,000 resamples, 1.0 s on 2 threads (2.1 s on one);
10^6 rows x 1,000 resamples of the binary row walk (then in this module),
0.8 s (1.6 s; 2.1 s on the 2-core Intel Xeon of later runs). The first version (4 pairs / 2 quads, fused loops) took
6.9 s and 3.1 s. Compiling every kernel of the module costs about 10 s once
(``_blocks.kernel``'s on-disk cache), loading it from the cache under a second.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import prange

from ._blocks import block_bounds, kernel, thread_blocks

__all__ = [
    "STREAM_TABLE", "STREAM_TABLE_GENERAL", "STREAM_TABLE_CLASS", "STREAM_ROWS",
    "STREAM_SWAP", "STREAM_LITTLE", "POISSON1_TABLE", "POISSON1_MAX", "LOG_FACTORIAL", "MAX_RESAMPLES",
    "TABLE_PAIRS", "ROW_QUADS", "seed_key", "philox4x32", "poisson1", "poisson_general",
    "table_resample_areas", "table_resample_counts", "row_weights",
    "swap_mask",
]

#: Streams: the top 8 bits of the counter's last word.
STREAM_TABLE = 1
STREAM_TABLE_GENERAL = 2  # + class: 2 for negatives, 3 for positives
STREAM_TABLE_CLASS = 4    # classes >= 2 of table_resample_counts (class in c1)
STREAM_ROWS = 8
STREAM_SWAP = 9
STREAM_LITTLE = 10  # the bag of little bootstraps' weights (little_bootstrap.py)

#: Resamples are numbered below this (the resample number is one counter word).
MAX_RESAMPLES = 1 << 32

_MASK = np.uint64(0xFFFFFFFF)
_M0 = np.uint64(0xD2511F53)
_M1 = np.uint64(0xCD9E8D57)
_W0 = np.uint64(0x9E3779B9)
_W1 = np.uint64(0xBB67AE85)
_SH32 = np.uint64(32)
_SH31 = np.uint64(31)
_SH24 = np.uint64(24)
_SH21 = np.uint64(21)
_SH11 = np.uint64(11)
_ONE = np.uint64(1)
_TWO_M53 = 2.0 ** -53

_C3_TABLE = np.uint64(STREAM_TABLE << 24)
_C3_ROWS = np.uint64(STREAM_ROWS << 24)
_C3_SWAP = np.uint64(STREAM_SWAP << 24)
_C3_GENERAL_NEG = np.uint64((STREAM_TABLE_GENERAL + 0) << 24)
_C3_GENERAL_POS = np.uint64((STREAM_TABLE_GENERAL + 1) << 24)
_C3_CLASS = np.uint64(STREAM_TABLE_CLASS << 24)

#: ``floor(2**32 F(k))`` for the Poisson(1) CDF ``F``, k = 0..11, then 2**32.
POISSON1_TABLE = np.array([
    1580030168, 3160060337, 3950075421, 4213413783, 4279248373, 4292415291,
    4294609777, 4294923276, 4294962463, 4294966817, 4294967252, 4294967292,
    4294967296], dtype=np.uint64)
#: The largest ``poisson1`` value.
POISSON1_MAX = 12
(_T0, _T1, _T2, _T3, _T4, _T5, _T6, _T7, _T8, _T9, _T10, _T11) = (
    np.uint64(t) for t in POISSON1_TABLE[:POISSON1_MAX])

#: ``log(k!)`` for k < 16 (``math.lgamma``; the reference computes the same).
LOG_FACTORIAL = np.array([math.lgamma(k + 1.0) for k in range(16)])
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
_S1 = 1.0 / 12.0
_S3 = 1.0 / 360.0
_S5 = 1.0 / 1260.0
_S7 = 1.0 / 1680.0
_KF_MAX = 2.0 ** 62
_J_MAX = 1 << 24

#: Resample pairs per walk of ``table_resample_areas`` (lanes: twice that).
TABLE_PAIRS = 16
#: Resample quads per row walk (``row_resample.py``; lanes: 4 times that).
ROW_QUADS = 8
#: Below this many rows ``row_weights`` and ``swap_mask`` run on one thread.
PARALLEL_MIN_ROWS = 1 << 16
#: Below this many cell-resamples (or row-resamples) the areas run on one thread.
PARALLEL_MIN_WORK = 1 << 18


def seed_key(seed):
    """The Philox key ``(k0, k1)`` (np.uint64) of a seed ``0 <= seed < 2**64``.

    ``seed`` is a Python or numpy integer (not a bool): TypeError otherwise,
    ValueError out of range.
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    s = int(seed)
    if not 0 <= s < 1 << 64:
        raise ValueError(f"seed must be in [0, 2**64), got {s}")
    return np.uint64(s & 0xFFFFFFFF), np.uint64(s >> 32)


def _check_resamples(first, count):
    first, count = int(first), int(count)
    if first < 0 or count < 0 or first + count > MAX_RESAMPLES:
        raise ValueError(f"resamples [{first}, {first + count}) must lie in [0, 2**32)")
    return first, count


# ----------------------------------------------------------------------------
# Philox4x32-10 and the draws made from it
# ----------------------------------------------------------------------------

@kernel(nogil=True, inline="always")
def _philox(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of uint64 words (Random123's round order).

    The inputs are masked to 32 bits here, which also tells LLVM that the
    multiplies are 32 x 32-bit (one ``vpmuludq`` each in vector code).
    """
    c0 &= _MASK
    c1 &= _MASK
    c2 &= _MASK
    c3 &= _MASK
    k0 &= _MASK
    k1 &= _MASK
    for _ in range(10):
        p0 = c0 * _M0
        p1 = c2 * _M1
        c0 = (p1 >> _SH32) ^ c1 ^ k0
        c1 = p1 & _MASK
        c2 = (p0 >> _SH32) ^ c3 ^ k1
        c3 = p0 & _MASK
        k0 = (k0 + _W0) & _MASK
        k1 = (k1 + _W1) & _MASK
    return c0, c1, c2, c3


@kernel(nogil=True)
def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 of a counter ``(c0, c1, c2, c3)`` and key ``(k0, k1)``.

    Integers below 2**32 (any integer type; higher bits are dropped); returns
    four np.uint64 words.
    """
    return _philox(np.uint64(c0), np.uint64(c1), np.uint64(c2), np.uint64(c3),
                   np.uint64(k0), np.uint64(k1))


@kernel(nogil=True, inline="always")
def _poisson1(x):
    return (np.int64(x >= _T0) + np.int64(x >= _T1) + np.int64(x >= _T2)
            + np.int64(x >= _T3) + np.int64(x >= _T4) + np.int64(x >= _T5)
            + np.int64(x >= _T6) + np.int64(x >= _T7) + np.int64(x >= _T8)
            + np.int64(x >= _T9) + np.int64(x >= _T10) + np.int64(x >= _T11))


@kernel(nogil=True)
def poisson1(x):
    """Poisson(1) draw from a 32-bit word ``x``: the smallest k with x < POISSON1_TABLE[k]."""
    return _poisson1(np.uint64(x) & _MASK)


@kernel(nogil=True, inline="always")
def _u53(a, b):
    return np.float64((a << _SH21) | (b >> _SH11)) * _TWO_M53


@kernel(nogil=True)
def _log_pmf(kf, lam, loglam):
    """log P(X = kf) for X ~ Poisson(lam), kf a non-negative integer in a float64."""
    if kf < 16.0:
        return -lam + kf * loglam - LOG_FACTORIAL[np.int64(kf)]
    d = kf - lam
    x = 1.0 / kf
    x2 = x * x
    series = x * (_S1 - x2 * (_S3 - x2 * (_S5 - x2 * _S7)))
    return d - kf * math.log1p(d / lam) - 0.5 * math.log(kf) - _HALF_LOG_2PI - series


@kernel(nogil=True)
def _poisson_general(lam, k0, k1, c0, c1, c2, c3base):
    """Poisson(lam) draw; uint64 key and counter words, ``c3base = stream << 24``."""
    if not lam > 0.0:
        return np.int64(0)
    if lam < 10.0:
        x0, x1, _, _ = _philox(c0, c1, c2, c3base, k0, k1)
        u = _u53(x0, x1)
        k = np.int64(0)
        p = math.exp(-lam)
        s = p
        while u >= s:
            k += 1
            p = p * lam / k
            t = s + p
            if t == s:
                break
            s = t
        return k
    return _ptrs(lam, *_ptrs_constants(lam), k0, k1, c0, c1, c2, c3base)


@kernel(nogil=True, inline="always")
def _ptrs_constants(lam):
    """The constants of PTRS for ``lam >= 10``, computed once for many draws of one ``lam``."""
    slam = math.sqrt(lam)
    b = 0.931 + 2.53 * slam
    return (math.log(lam), b, -0.059 + 0.02483 * b, math.log(1.1239 + 1.1328 / (b - 3.4)),
            0.9277 - 3.6224 / (b - 2.0))


@kernel(nogil=True)
def _ptrs(lam, loglam, b, a, log_invalpha, vr, k0, k1, c0, c1, c2, c3base):
    """Hormann's PTRS draw of Poisson(lam), lam >= 10, from ``_ptrs_constants(lam)``."""
    for j in range(_J_MAX):
        x0, x1, x2, x3 = _philox(c0, c1, c2, c3base | np.uint64(j), k0, k1)
        U = _u53(x0, x1) - 0.5
        V = _u53(x2, x3)
        us = 0.5 - abs(U)
        if us == 0.0:
            continue
        kf = np.floor((2.0 * a / us + b) * U + lam + 0.43)
        if us >= 0.07 and V <= vr:
            return np.int64(kf)
        if kf < 0.0 or (us < 0.013 and V > us):
            continue
        if kf > _KF_MAX:
            continue
        if V == 0.0:
            return np.int64(kf)
        lhs = math.log(V) + log_invalpha - math.log(a / (us * us) + b)
        if lhs <= _log_pmf(kf, lam, loglam):
            return np.int64(kf)
    return np.int64(np.floor(lam))


@kernel(nogil=True)
def poisson_general(lam, k0, k1, c0, c1, c2, stream):
    """Poisson(lam) draw (``lam >= 0``) from ``philox(c0, c1, c2, (stream << 24) | j)``.

    ``k0, k1, c0, c1, c2`` integers below 2**32, ``stream`` below 256; returns
    an int64. See the module docstring for the algorithm.
    """
    return _poisson_general(np.float64(lam), np.uint64(k0) & _MASK, np.uint64(k1) & _MASK,
                            np.uint64(c0) & _MASK, np.uint64(c1) & _MASK,
                            np.uint64(c2) & _MASK,
                            (np.uint64(stream) & np.uint64(255)) << _SH24)


@kernel(nogil=True)
def _poisson_general_many(lam, k0, k1, n, c2, stream):
    """``poisson_general(lam, k0, k1, i, 0, c2, stream)`` for i < n (distribution tests)."""
    out = np.empty(n, dtype=np.int64)
    c3 = (np.uint64(stream) & np.uint64(255)) << _SH24
    for i in range(n):
        out[i] = _poisson_general(np.float64(lam), np.uint64(k0), np.uint64(k1),
                                  np.uint64(i) & _MASK, np.uint64(i) >> _SH32,
                                  np.uint64(c2), c3)
    return out


@kernel(nogil=True)
def _poisson1_many(k0, k1, n, c2):
    """Word 0 of ``philox(i, 0, c2, STREAM_TABLE << 24)`` through ``poisson1``, i < n."""
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        x0, _, _, _ = _philox(np.uint64(i), np.uint64(i) >> _SH32, np.uint64(c2), _C3_TABLE,
                              k0, k1)
        out[i] = _poisson1(x0)
    return out


# ----------------------------------------------------------------------------
# table_resample_areas: Poisson bootstrap of a binary distinct-score table
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _table_general_cell(cp, cq, ulo, uhi, k0, k1, pair0, dp, dq):
    """Lane draws of a cell with a count above 1 (the other class any count)."""
    NP = TABLE_PAIRS
    lam_p = np.float64(cp)
    lam_q = np.float64(cq)
    for l in range(NP):
        pair = np.uint64(pair0 + l)
        x0 = x1 = x2 = x3 = np.uint64(0)
        if cp == 1 or cq == 1:
            x0, x1, x2, x3 = _philox(ulo, uhi, pair, _C3_TABLE, k0, k1)
        for h in range(2):
            i = h * NP + l
            r = (pair << _ONE) | np.uint64(h)
            if cp == 1:
                dp[i] = _poisson1(x3 if h else x1)
            elif cp > 1:
                dp[i] = _poisson_general(lam_p, k0, k1, ulo, uhi, r, _C3_GENERAL_POS)
            else:
                dp[i] = 0
            if cq == 1:
                dq[i] = _poisson1(x2 if h else x0)
            elif cq > 1:
                dq[i] = _poisson_general(lam_q, k0, k1, ulo, uhi, r, _C3_GENERAL_NEG)
            else:
                dq[i] = 0


@kernel(nogil=True, error_model="numpy")
def _table_group(pos, neg, k0, k1, pair0, first, count, out_area, out_pos, out_neg, out_ap):
    """Resamples ``2 pair0 .. 2 (pair0 + TABLE_PAIRS) - 1`` (those in range are written)."""
    NP = TABLE_PAIRS
    G = 2 * NP
    Q = np.zeros(G, dtype=np.int64)     # negatives so far (Qincl)
    TP = np.zeros(G, dtype=np.int64)    # positives so far
    S = np.zeros(G, dtype=np.int64)     # sum p_u (2 Qincl_u - q_u)
    AP = np.zeros(G, dtype=np.float64)
    dp = np.zeros(G, dtype=np.int64)
    dq = np.zeros(G, dtype=np.int64)
    one = np.int64(1)
    for u in range(pos.shape[0]):
        cp = pos[u]
        cq = neg[u]
        if cp == 0 and cq == 0:
            continue
        uu = np.uint64(u)
        ulo = uu & _MASK
        uhi = uu >> _SH32
        if cp + cq == 1:
            # One row: only its class is drawn and updated.
            if cp == 1:
                for l in range(NP):
                    _, x1, _, x3 = _philox(ulo, uhi, np.uint64(pair0 + l), _C3_TABLE, k0, k1)
                    dp[l] = _poisson1(x1)
                    dp[NP + l] = _poisson1(x3)
                for i in range(G):
                    p = dp[i]
                    ti = TP[i] + p
                    qi = Q[i]
                    TP[i] = ti
                    S[i] += 2 * p * qi
                    AP[i] += np.float64(p * ti) / np.float64(max(ti + qi, one))
            else:
                for l in range(NP):
                    x0, _, x2, _ = _philox(ulo, uhi, np.uint64(pair0 + l), _C3_TABLE, k0, k1)
                    dq[l] = _poisson1(x0)
                    dq[NP + l] = _poisson1(x2)
                for i in range(G):
                    Q[i] += dq[i]
            continue
        if cp <= 1 and cq <= 1:
            for l in range(NP):
                x0, x1, x2, x3 = _philox(ulo, uhi, np.uint64(pair0 + l), _C3_TABLE, k0, k1)
                dq[l] = _poisson1(x0) * cq
                dp[l] = _poisson1(x1) * cp
                dq[NP + l] = _poisson1(x2) * cq
                dp[NP + l] = _poisson1(x3) * cp
        else:
            _table_general_cell(cp, cq, ulo, uhi, k0, k1, pair0, dp, dq)
        for i in range(G):
            p = dp[i]
            q = dq[i]
            qi = Q[i] + q
            ti = TP[i] + p
            Q[i] = qi
            TP[i] = ti
            S[i] += p * (2 * qi - q)
            AP[i] += np.float64(p * ti) / np.float64(max(ti + qi, one))
    for i in range(G):
        r = 2 * (pair0 + i % NP) + i // NP
        o = r - first
        if 0 <= o < count:
            out_pos[o] = TP[i]
            out_neg[o] = Q[i]
            out_area[o] = 2 * TP[i] * Q[i] - S[i]
            out_ap[o] = AP[i]


@kernel(nogil=True)
def _table_serial(pos, neg, k0, k1, pair_lo, groups, first, count, out_area, out_pos,
                  out_neg, out_ap):
    for g in range(groups):
        _table_group(pos, neg, k0, k1, pair_lo + g * TABLE_PAIRS, first, count,
                     out_area, out_pos, out_neg, out_ap)


@kernel(parallel=True)
def _table_parallel(pos, neg, k0, k1, pair_lo, groups, first, count, out_area, out_pos,
                    out_neg, out_ap):
    for g in prange(groups):
        _table_group(pos, neg, k0, k1, pair_lo + g * TABLE_PAIRS, first, count,
                     out_area, out_pos, out_neg, out_ap)


def table_resample_areas(pos, neg, seed, first, count):
    """Poisson-bootstrap ROC area and AP sums of a binary distinct-score table.

    See ``kernels.reference_resample.table_resample_areas`` for the contract.
    ``pos``, ``neg``: non-negative int64 counts per distinct score, descending
    score order. Returns ``(twice_area, n_pos, n_neg, ap_sum)`` for resamples
    ``first .. first + count - 1``: int64, int64, int64, float64 arrays of
    ``count``.
    """
    k0, k1 = seed_key(seed)
    first, count = _check_resamples(first, count)
    out_area = np.zeros(count, dtype=np.int64)
    out_pos = np.zeros(count, dtype=np.int64)
    out_neg = np.zeros(count, dtype=np.int64)
    out_ap = np.zeros(count, dtype=np.float64)
    if count == 0:
        return out_area, out_pos, out_neg, out_ap
    pos = np.ascontiguousarray(pos, dtype=np.int64)
    neg = np.ascontiguousarray(neg, dtype=np.int64)
    pair_lo = first >> 1
    groups = -(-(((first + count + 1) >> 1) - pair_lo) // TABLE_PAIRS)
    args = (pos, neg, k0, k1, np.int64(pair_lo), np.int64(groups), np.int64(first),
            np.int64(count), out_area, out_pos, out_neg, out_ap)
    if (groups < 2 or numba.get_num_threads() < 2
            or pos.shape[0] * count < PARALLEL_MIN_WORK):
        _table_serial(*args)
    else:
        _table_parallel(*args)
    return out_area, out_pos, out_neg, out_ap


# ----------------------------------------------------------------------------
# table_resample_counts: one resample of a whole (K, U) count table
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _table_counts(counts, k0, k1, r, out):
    n_classes, n_cells = counts.shape
    pair = np.uint64(r >> 1)
    odd = r & 1
    rr = np.uint64(r)
    for cls in range(n_classes):
        if cls < 2:
            c3 = _C3_GENERAL_POS if cls == 1 else _C3_GENERAL_NEG
            word = 2 * odd + cls
            for u in range(n_cells):
                c = counts[cls, u]
                uu = np.uint64(u)
                if c == 1:
                    x0, x1, x2, x3 = _philox(uu & _MASK, uu >> _SH32, pair, _C3_TABLE, k0, k1)
                    x = x0
                    if word == 1:
                        x = x1
                    elif word == 2:
                        x = x2
                    elif word == 3:
                        x = x3
                    out[cls, u] = _poisson1(x)
                elif c > 1:
                    out[cls, u] = _poisson_general(np.float64(c), k0, k1, uu & _MASK,
                                                   uu >> _SH32, rr, c3)
                else:
                    out[cls, u] = 0
        else:
            cc = np.uint64(cls)
            for u in range(n_cells):
                c = counts[cls, u]
                uu = np.uint64(u)
                if c == 1:
                    x0, _, _, _ = _philox(uu, cc, rr, _C3_CLASS, k0, k1)
                    out[cls, u] = _poisson1(x0)
                elif c > 1:
                    out[cls, u] = _poisson_general(np.float64(c), k0, k1, uu, cc, rr,
                                                   _C3_CLASS)
                else:
                    out[cls, u] = 0


def table_resample_counts(counts, seed, r):
    """Resample ``r`` of a ``(K, U)`` table of non-negative counts: int64 ``(K, U)``.

    Row ``cls`` of the result holds class ``cls``'s Poisson-bootstrap counts;
    for ``K = 2`` rows 0 and 1 are exactly the ``neg`` and ``pos`` draws of
    ``table_resample_areas(counts[1], counts[0], seed, r, 1)``. See
    ``kernels.reference_resample.table_resample_counts`` and the module
    docstring (classes >= 2). A 1-D ``counts`` is one class (row 0).
    """
    k0, k1 = seed_key(seed)
    r, _ = _check_resamples(r, 1)
    counts = np.asarray(counts)
    one_d = counts.ndim == 1
    counts = np.ascontiguousarray(np.atleast_2d(counts), dtype=np.int64)
    if counts.ndim != 2:
        raise ValueError(f"counts must be (K, U), got shape {counts.shape}")
    if counts.shape[0] > 2 and counts.shape[1] > MAX_RESAMPLES:
        raise ValueError("tables of more than 2 classes must have fewer than 2**32 columns")
    out = np.empty(counts.shape, dtype=np.int64)
    _table_counts(counts, k0, k1, np.int64(r), out)
    return out[0] if one_d else out


# ----------------------------------------------------------------------------
# row_weights, swap_mask: one resample's draws for a range of rows
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _row_draws_block(k0, k1, first_row, c2, word, c3, coin, out, lo, hi):
    for i in range(lo, hi):
        g = np.uint64(first_row + i)
        a = _philox(g & _MASK, g >> _SH32, c2, c3, k0, k1)
        x = a[0]
        if word == 1:
            x = a[1]
        elif word == 2:
            x = a[2]
        elif word == 3:
            x = a[3]
        if coin:
            out[i] = np.uint8(x >> _SH31)
        else:
            out[i] = np.uint8(_poisson1(x))


@kernel(parallel=True)
def _row_draws_parallel(k0, k1, first_row, c2, word, c3, coin, out, blocks):
    n = out.shape[0]
    for b in prange(blocks):
        lo, hi = block_bounds(n, blocks, np.int64(b))
        _row_draws_block(k0, k1, first_row, c2, word, c3, coin, out, lo, hi)


def _row_draws(seed, first_row, n, r, c3, coin):
    k0, k1 = seed_key(seed)
    r, _ = _check_resamples(r, 1)
    n = int(n)
    first_row = int(first_row)
    if n < 0 or first_row < 0 or first_row + n > 1 << 63:
        raise ValueError(f"rows [{first_row}, {first_row + n}) out of range")
    out = np.empty(n, dtype=np.uint8)
    args = (k0, k1, np.int64(first_row), np.uint64(r >> 2), np.int64(r & 3), c3, coin, out)
    blocks = thread_blocks(n, PARALLEL_MIN_ROWS)
    if blocks == 1:
        _row_draws_block(*args, np.int64(0), np.int64(n))
    else:
        _row_draws_parallel(*args, np.int64(blocks))
    return out


def row_weights(seed, first_row, n, r):
    """Poisson(1) weights ``w(first_row + i, r)``, i < n, of resample ``r``: uint8 (n,).

    See ``kernels.reference_resample.row_weights``.
    """
    return _row_draws(seed, first_row, n, r, _C3_ROWS, False)


def swap_mask(seed, first_row, n, r):
    """Fair coins of rows ``first_row + i``, i < n, for permutation ``r``: bool (n,).

    See ``kernels.reference_resample.swap_mask``.
    """
    return _row_draws(seed, first_row, n, r, _C3_SWAP, True).view(np.bool_)

"""Plain-Python twins of the kernels in ``kernels/cpu/resample.py``: the test oracle.

Written from the definitions in that module's docstring, one draw at a time
and one resample at a time (slow: for small inputs), with Python integers for
Philox and ``math`` for the floating point, so that every output equals the
kernel's bit for bit. The formulas for the areas are the textbook ones
(negatives scored below plus half the tied ones), not the kernels' running
sums.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

__all__ = [
    "STREAM_TABLE", "STREAM_TABLE_GENERAL", "STREAM_TABLE_CLASS", "STREAM_ROWS",
    "STREAM_SWAP", "POISSON1_TABLE", "philox4x32", "poisson1", "poisson_general",
    "table_resample_areas", "table_resample_counts", "paired_row_areas", "row_weights",
    "swap_mask",
]

STREAM_TABLE = 1
STREAM_TABLE_GENERAL = 2
STREAM_TABLE_CLASS = 4
STREAM_ROWS = 8
STREAM_SWAP = 9

_M32 = 0xFFFFFFFF


def _poisson1_table():
    """``floor(2**32 F(k))``, k = 0..11, then ``2**32``: F the Poisson(1) CDF, exactly.

    ``F(k) = e^-1 sum_{i<=k} 1/i!``; ``e^-1`` is bracketed by partial sums of
    its alternating series (error below the first omitted term), tight enough
    that both ends give the same floor.
    """
    def e_inv(terms):  # sum_{i < terms} (-1)^i / i!
        total, term = Fraction(0), Fraction(1)
        for i in range(terms):
            total += term if i % 2 == 0 else -term
            term /= i + 1
        return total
    lo, hi = e_inv(40), e_inv(41)  # the last term negative / positive: below / above
    table = []
    partial = Fraction(0)
    fact = 1
    for k in range(12):
        if k:
            fact *= k
        partial += Fraction(1, fact)
        a = math.floor(lo * partial * 2 ** 32)
        b = math.floor(hi * partial * 2 ** 32)
        assert a == b
        table.append(a)
    table.append(2 ** 32)
    return table


#: ``floor(2**32 F(k))`` for the Poisson(1) CDF ``F``, k = 0..11, then 2**32.
POISSON1_TABLE = _poisson1_table()
_LOG_FACTORIAL = [math.lgamma(k + 1.0) for k in range(16)]


def _key(seed):
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
    s = int(seed)
    if not 0 <= s < 1 << 64:
        raise ValueError(f"seed must be in [0, 2**64), got {s}")
    return s & _M32, s >> 32


def philox4x32(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 (Salmon et al. 2011, Random123): four 32-bit words (Python ints)."""
    c0, c1, c2, c3 = (int(c) & _M32 for c in (c0, c1, c2, c3))
    k0, k1 = int(k0) & _M32, int(k1) & _M32
    for _ in range(10):
        p0 = 0xD2511F53 * c0
        p1 = 0xCD9E8D57 * c2
        c0, c1, c2, c3 = (p1 >> 32) ^ c1 ^ k0, p1 & _M32, (p0 >> 32) ^ c3 ^ k1, p0 & _M32
        k0 = (k0 + 0x9E3779B9) & _M32
        k1 = (k1 + 0xBB67AE85) & _M32
    return c0, c1, c2, c3


def poisson1(x):
    """The smallest ``k`` with ``x < POISSON1_TABLE[k]`` (``x`` a 32-bit word)."""
    x = int(x) & _M32
    k = 0
    while x >= POISSON1_TABLE[k]:
        k += 1
    return k


def _uniform(a, b):
    """``(a 2**21 + (b >> 11)) 2**-53``: 53 bits from two words, in [0, 1)."""
    return float((a << 21) | (b >> 11)) * 2.0 ** -53


def _log_pmf(k, lam):
    """log P(X = k), X ~ Poisson(lam), k a whole float: exact table below 16, Stirling above."""
    if k < 16.0:
        return -lam + k * math.log(lam) - _LOG_FACTORIAL[int(k)]
    d = k - lam
    x = 1.0 / k
    x2 = x * x
    series = x * (1.0 / 12.0 - x2 * (1.0 / 360.0 - x2 * (1.0 / 1260.0 - x2 * (1.0 / 1680.0))))
    return (d - k * math.log1p(d / lam) - 0.5 * math.log(k) - 0.5 * math.log(2.0 * math.pi)
            - series)


def poisson_general(lam, k0, k1, c0, c1, c2, stream):
    """Poisson(lam) draw from ``philox4x32(c0, c1, c2, (stream << 24) | j, k0, k1)``.

    Inversion for ``lam < 10`` (one call, ``j = 0``), Hormann's PTRS above
    (attempt ``j`` uses call ``j``); ``lam <= 0`` gives 0.
    """
    lam = float(lam)
    if not lam > 0.0:
        return 0
    base = (int(stream) & 255) << 24
    if lam < 10.0:
        x0, x1, _, _ = philox4x32(c0, c1, c2, base, k0, k1)
        u = _uniform(x0, x1)
        k = 0
        p = math.exp(-lam)
        s = p
        while u >= s:
            k += 1
            p = p * lam / k
            if s + p == s:
                break
            s = s + p
        return k
    b = 0.931 + 2.53 * math.sqrt(lam)
    a = -0.059 + 0.02483 * b
    log_invalpha = math.log(1.1239 + 1.1328 / (b - 3.4))
    vr = 0.9277 - 3.6224 / (b - 2.0)
    for j in range(1 << 24):
        x0, x1, x2, x3 = philox4x32(c0, c1, c2, base | j, k0, k1)
        U = _uniform(x0, x1) - 0.5
        V = _uniform(x2, x3)
        us = 0.5 - abs(U)
        if us == 0.0:
            continue
        k = math.floor((2.0 * a / us + b) * U + lam + 0.43)
        if us >= 0.07 and V <= vr:
            return k
        if k < 0 or (us < 0.013 and V > us) or k > 2 ** 62:
            continue
        if V == 0.0:
            return k
        if (math.log(V) + log_invalpha - math.log(a / (us * us) + b)
                <= _log_pmf(float(k), lam)):
            return k
    return math.floor(lam)


def _cell_draw(count, cls, u, r, k0, k1):
    """Class ``cls``'s resampled count at cell ``u`` (count ``count``) in resample ``r``."""
    if count <= 0:
        return 0
    if cls < 2:
        if count == 1:
            words = philox4x32(u & _M32, u >> 32, r >> 1, STREAM_TABLE << 24, k0, k1)
            return poisson1(words[2 * (r & 1) + cls])
        return poisson_general(count, k0, k1, u & _M32, u >> 32, r, STREAM_TABLE_GENERAL + cls)
    if count == 1:
        return poisson1(philox4x32(u, cls, r, STREAM_TABLE_CLASS << 24, k0, k1)[0])
    return poisson_general(count, k0, k1, u, cls, r, STREAM_TABLE_CLASS)


def table_resample_counts(counts, seed, r):
    """Resample ``r`` of a ``(K, U)`` count table: each cell an independent Poisson(count).

    Classes 0 and 1 (``neg``, ``pos``) as in ``table_resample_areas``; classes
    ``cls >= 2``: count 1 is ``poisson1`` of word 0 of ``philox(u, cls, r,
    STREAM_TABLE_CLASS << 24)``, larger counts ``poisson_general(count, k0, k1,
    u, cls, r, STREAM_TABLE_CLASS)``. A 1-D ``counts`` is class 0.
    """
    k0, k1 = _key(seed)
    counts = np.asarray(counts, dtype=np.int64)
    one_d = counts.ndim == 1
    counts = np.atleast_2d(counts)
    out = np.zeros(counts.shape, dtype=np.int64)
    for cls in range(counts.shape[0]):
        for u in range(counts.shape[1]):
            out[cls, u] = _cell_draw(int(counts[cls, u]), cls, u, int(r), k0, k1)
    return out[0] if one_d else out


def table_resample_areas(pos, neg, seed, first, count):
    """ROC-area numerator and AP sum of resamples ``first .. first + count - 1``.

    Each resample redraws every cell of the descending-score table (``pos``,
    ``neg`` counts) as ``table_resample_counts`` does and returns, per
    resample, ``twice_area = sum_u p_u (2 (negatives at cells after u) +
    q_u)`` (twice the number of (positive, negative) pairs ranked right, ties
    counting half), ``n_pos``, ``n_neg`` and ``ap_sum = sum_u p_u TP_u /
    (TP_u + FP_u)`` added in cell order (cumulative counts at cells ``<= u``;
    cells with ``p_u = 0`` add nothing). Average precision is ``ap_sum /
    n_pos``, ROC AUC ``twice_area / (2 n_pos n_neg)``.
    """
    k0, k1 = _key(seed)
    pos = [int(x) for x in np.asarray(pos)]
    neg = [int(x) for x in np.asarray(neg)]
    n = len(pos)
    out_area = np.zeros(count, dtype=np.int64)
    out_pos = np.zeros(count, dtype=np.int64)
    out_neg = np.zeros(count, dtype=np.int64)
    out_ap = np.zeros(count, dtype=np.float64)
    for i in range(count):
        r = first + i
        p = [_cell_draw(pos[u], 1, u, r, k0, k1) for u in range(n)]
        q = [_cell_draw(neg[u], 0, u, r, k0, k1) for u in range(n)]
        n_pos, n_neg = sum(p), sum(q)
        twice, ap, tp, fp = 0, 0.0, 0, 0
        for u in range(n):
            tp += p[u]
            fp += q[u]
            below = n_neg - fp
            twice += p[u] * (2 * below + q[u])
            if p[u]:
                ap += float(p[u] * tp) / float(tp + fp)
        out_area[i], out_pos[i], out_neg[i], out_ap[i] = twice, n_pos, n_neg, ap
    return out_area, out_pos, out_neg, out_ap


def _row_word(seed, row, r, stream):
    k0, k1 = _key(seed)
    return philox4x32(row & _M32, row >> 32, r >> 2, stream << 24, k0, k1)[r & 3]


def row_weights(seed, first_row, n, r):
    """Poisson(1) weight of rows ``first_row + i`` (i < n) in resample ``r``: uint8 (n,).

    ``poisson1`` of word ``r & 3`` of ``philox(row_lo, row_hi, r >> 2,
    STREAM_ROWS << 24)``.
    """
    return np.array([poisson1(_row_word(seed, first_row + i, int(r), STREAM_ROWS))
                     for i in range(n)], dtype=np.uint8)


def swap_mask(seed, first_row, n, r):
    """Coin of rows ``first_row + i`` (i < n) in permutation ``r``: bool (n,).

    Bit 31 of word ``r & 3`` of ``philox(row_lo, row_hi, r >> 2, STREAM_SWAP << 24)``.
    """
    return np.array([_row_word(seed, first_row + i, int(r), STREAM_SWAP) >> 31
                     for i in range(n)], dtype=np.bool_)


def paired_row_areas(order, labels, starts, seed, first, count):
    """Row-resampled ROC-area numerators of one model, resamples ``first ..``.

    ``order``: global row indices in descending score order; ``labels``: 0/1
    in that order; ``starts``: true where a tie group (equal scores) starts
    (row 0 always starts one). Row ``g`` weighs ``row_weights(seed, g, 1,
    r)``; per resample ``twice_area = sum over tie groups of P_g (2 Q_below +
    Q_g)`` with ``P_g``, ``Q_g`` the group's weighted positives and negatives
    and ``Q_below`` the weighted negatives of later groups.
    """
    order = [int(x) for x in np.asarray(order)]
    labels = [bool(x) for x in np.asarray(labels)]
    starts = [bool(x) for x in np.asarray(starts)]
    _key(seed)
    group, g = [], -1
    for i in range(len(order)):
        if i == 0 or starts[i]:
            g += 1
        group.append(g)
    out_area = np.zeros(count, dtype=np.int64)
    out_pos = np.zeros(count, dtype=np.int64)
    out_neg = np.zeros(count, dtype=np.int64)
    for i in range(count):
        r = first + i
        gp = [0] * (g + 1)
        gq = [0] * (g + 1)
        for row, lab, grp in zip(order, labels, group):
            w = poisson1(_row_word(seed, row, r, STREAM_ROWS))
            if lab:
                gp[grp] += w
            else:
                gq[grp] += w
        n_neg = sum(gq)
        twice, seen = 0, 0
        for h in range(g + 1):
            seen += gq[h]
            twice += gp[h] * (2 * (n_neg - seen) + gq[h])
        out_area[i], out_pos[i], out_neg[i] = twice, sum(gp), n_neg
    return out_area, out_pos, out_neg

"""Numba CPU kernels of the row bootstrap: Poisson-weighted rows reduced in one pass.

The row route of :mod:`fastmetrics.inference.rows` draws every row ``i``
``w(i, r)`` times in resample ``r``, with exactly the weights of
``resample.row_weights`` (Poisson(1) from word ``r & 3`` of ``philox(i_lo,
i_hi, r >> 2, STREAM_ROWS << 24)``, the generator of ``resample.py``), and
never builds the resampled rows: each metric is a function of sums over the
rows, and these kernels compute the sums of many resamples in one pass.

* ``cell_sums``: every row falls in one cell and carries ``V`` values
  (already multiplied by its sample weight where the state wants that);
  resample ``r``'s sums are ``S[r, c, v] = sum over rows i in cell c of
  w(i, r) values[i, v]``. The states of the losses (cell: the true class),
  of the calibration bins (cell: bin and class) and weighted confusion
  tables (cell: true and predicted class) are such sums.
* ``walk_areas``: rows in one score column's descending order, each with a
  class code; the code ``target`` is positive. Per resample, for every code
  ``c``: ``area[c] = sum over tie groups g of Q_cg (2 TP_above_g + P_g)``
  (twice the Mann-Whitney count of the positives over code ``c``, the
  ``twice_area`` of the ranking states), ``amount[c]`` the resampled weight
  of code ``c``, and ``ap = sum_g P_g TP_g / (TP_g + FP_g)`` (the average
  precision sum, ``TP_g``, ``FP_g`` the weights scored at least as high as
  group ``g``), with ``P_g`` and ``Q_cg`` the group's weighted positives and
  negatives of code ``c``. Multiclass one-vs-rest and one-vs-one ROC AUC and
  average precision walk each column once; weighted binary AUC and AP walk
  one.

Both kernels walk the rows once per 32 resamples (``ROW_QUADS`` Philox calls
per row, four words each, one lane per resample; see "Lanes" in
``resample.py``), and the parallel loop runs over groups of lanes. Drawing
the weights in place, not from a buffer: a buffer of 16 resamples' weights
shared by the K columns of a one-vs-rest walk was measured no faster (8.5 s
for 5 columns x 10^6 rows x 1,000 resamples either way), as its random
reads in score order cost what the Philox calls save. ``weights`` (the rows' sample weights, in the walk's order) is
``NO_WEIGHTS`` when absent. Outputs are float64 (counts of unweighted rows are
whole numbers, exact below 2**53).
"""

from __future__ import annotations

import numba
import numpy as np
from numba import prange

from ._blocks import NO_WEIGHTS, kernel
from .resample import (_C3_ROWS, _MASK, _SH32, ROW_QUADS, _check_resamples, _philox,
                       _poisson1, seed_key)

__all__ = ["LANES", "PARALLEL_MIN_WORK", "cell_sums", "walk_areas"]

#: Resamples per pass over the rows.
LANES = 4 * ROW_QUADS

#: Below this many row-resamples the kernels run on the calling thread.
PARALLEL_MIN_WORK = 1 << 18

#: Absent keys (weights keyed by row): empty, so keyed and unkeyed calls share code.
_NO_KEYS = np.zeros(0, dtype=np.int64)


@kernel(nogil=True, inline="always")
def _draw(row, k0, k1, quad0, wb):
    """The weights of ``row`` in the group's 32 resamples, into ``wb``."""
    NQ = ROW_QUADS
    rlo = row & _MASK
    rhi = row >> _SH32
    for m in range(NQ):
        x0, x1, x2, x3 = _philox(rlo, rhi, np.uint64(quad0 + m), _C3_ROWS, k0, k1)
        wb[m] = _poisson1(x0)
        wb[NQ + m] = _poisson1(x1)
        wb[2 * NQ + m] = _poisson1(x2)
        wb[3 * NQ + m] = _poisson1(x3)


@kernel(nogil=True, inline="always")
def _lane_resample(lane, quad0):
    return 4 * (quad0 + lane % ROW_QUADS) + lane // ROW_QUADS


# ----------------------------------------------------------------------------
# cell_sums
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _cells_group(cells, values, keys, row0, n_cells, k0, k1, quad0, first, count, out):
    G = LANES
    n, n_values = values.shape
    acc = np.zeros((n_cells, n_values, G))
    wb = np.zeros(G)
    keyed = keys.shape[0] != 0
    for i in range(n):
        _draw(np.uint64(keys[i] if keyed else row0 + i), k0, k1, quad0, wb)
        c = cells[i]
        for v in range(n_values):
            x = values[i, v]
            a = acc[c, v]
            for k in range(G):
                a[k] += wb[k] * x
    for k in range(G):
        o = _lane_resample(k, quad0) - first
        if 0 <= o < count:
            for c in range(n_cells):
                for v in range(n_values):
                    out[o, c, v] = acc[c, v, k]


@kernel(nogil=True)
def _cells_serial(cells, values, keys, row0, n_cells, k0, k1, quad_lo, groups, first, count,
                  out):
    for g in range(groups):
        _cells_group(cells, values, keys, row0, n_cells, k0, k1, quad_lo + g * ROW_QUADS, first,
                     count, out)


@kernel(parallel=True)
def _cells_parallel(cells, values, keys, row0, n_cells, k0, k1, quad_lo, groups, first, count,
                    out):
    for g in prange(groups):
        _cells_group(cells, values, keys, row0, n_cells, k0, k1, quad_lo + g * ROW_QUADS, first,
                     count, out)


def _groups(first, count):
    quad_lo = first >> 2
    return quad_lo, -(-(((first + count + 3) >> 2) - quad_lo) // ROW_QUADS)


def _parallel(groups, work):
    return groups >= 2 and numba.get_num_threads() >= 2 and work >= PARALLEL_MIN_WORK


def cell_sums(cells, values, n_cells, seed, first, count, row0=0, keys=None):
    """Per-cell sums of Poisson-weighted row values, resamples ``first .. first + count - 1``.

    Parameters
    ----------
    cells : ndarray of int64, shape (n,)
        Each row's cell, ``0 <= cell < n_cells``.
    values : ndarray of float64, shape (n, V)
    n_cells : int
    seed : int
        The bootstrap seed (``0 <= seed < 2**64``).
    first, count : int
        The resamples.
    row0 : int
        Global index of row 0 (the weights are keyed by global rows).
    keys : ndarray of int64, shape (n,), optional
        Draw row ``i``'s weights as those of row ``keys[i]`` instead: rows
        sharing a key (a cluster) get the same weights.

    Returns
    -------
    ndarray of float64, shape (count, n_cells, V)
    """
    k0, k1 = seed_key(seed)
    first, count = _check_resamples(first, count)
    values = np.ascontiguousarray(values, dtype=np.float64)
    cells = np.ascontiguousarray(cells, dtype=np.int64)
    out = np.zeros((count, int(n_cells), values.shape[1]))
    if count == 0 or values.shape[0] == 0:
        return out
    quad_lo, groups = _groups(first, count)
    keys = _NO_KEYS if keys is None else np.ascontiguousarray(keys, dtype=np.int64)
    args = (cells, values, keys, np.int64(row0), np.int64(n_cells), k0, k1, np.int64(quad_lo),
            np.int64(groups), np.int64(first), np.int64(count), out)
    if _parallel(groups, values.shape[0] * count):
        _cells_parallel(*args)
    else:
        _cells_serial(*args)
    return out


# ----------------------------------------------------------------------------
# walk_areas
# ----------------------------------------------------------------------------

@kernel(nogil=True, inline="always")
def _flush(gp, gq, touched, n_touched, seen, TP, FP, AP, area, amount, target):
    """Close the open tie group: its positives ``gp``, negatives ``gq`` of the touched codes."""
    G = gp.shape[0]
    for t in range(n_touched):
        c = touched[t]
        seen[c] = False
        q = gq[c]
        ar = area[c]
        am = amount[c]
        for k in range(G):
            ar[k] += q[k] * (2.0 * TP[k] + gp[k])
            am[k] += q[k]
            FP[k] += q[k]
            q[k] = 0.0
    amt = amount[target]
    for k in range(G):
        p = gp[k]
        tp = TP[k] + p
        TP[k] = tp
        amt[k] += p
        den = tp + FP[k]
        if den > 0.0:
            AP[k] += p * tp / den
        gp[k] = 0.0


@kernel(nogil=True)
def _walk_group(order, codes, starts, weights, stride, target, n_codes, k0, k1, quad0, first,
                count, out_area, out_amount, out_ap):
    G = LANES
    TP = np.zeros(G)
    FP = np.zeros(G)
    AP = np.zeros(G)
    area = np.zeros((n_codes, G))
    amount = np.zeros((n_codes, G))
    gp = np.zeros(G)
    gq = np.zeros((n_codes, G))
    seen = np.zeros(n_codes, dtype=np.bool_)
    touched = np.zeros(n_codes, dtype=np.int64)
    n_touched = 0
    wb = np.zeros(G)
    weighted = weights.shape[0] != 0
    n = order.shape[0]
    for j in range(n):
        if j > 0 and starts[j] != 0:
            _flush(gp, gq, touched, n_touched, seen, TP, FP, AP, area, amount, target)
            n_touched = 0
        _draw(np.uint64(order[j] // stride), k0, k1, quad0, wb)
        if weighted:
            s = weights[j]
            for k in range(G):
                wb[k] *= s
        c = codes[j]
        if c == target:
            for k in range(G):
                gp[k] += wb[k]
        else:
            if not seen[c]:
                seen[c] = True
                touched[n_touched] = c
                n_touched += 1
            q = gq[c]
            for k in range(G):
                q[k] += wb[k]
    if n > 0:
        _flush(gp, gq, touched, n_touched, seen, TP, FP, AP, area, amount, target)
    for k in range(G):
        o = _lane_resample(k, quad0) - first
        if 0 <= o < count:
            for c in range(n_codes):
                out_area[o, c] = area[c, k]
                out_amount[o, c] = amount[c, k]
            out_ap[o] = AP[k]


@kernel(nogil=True)
def _walk_serial(order, codes, starts, weights, stride, target, n_codes, k0, k1, quad_lo,
                 groups, first, count, out_area, out_amount, out_ap):
    for g in range(groups):
        _walk_group(order, codes, starts, weights, stride, target, n_codes, k0, k1,
                    quad_lo + g * ROW_QUADS, first, count, out_area, out_amount, out_ap)


@kernel(parallel=True)
def _walk_parallel(order, codes, starts, weights, stride, target, n_codes, k0, k1, quad_lo,
                   groups, first, count, out_area, out_amount, out_ap):
    for g in prange(groups):
        _walk_group(order, codes, starts, weights, stride, target, n_codes, k0, k1,
                    quad_lo + g * ROW_QUADS, first, count, out_area, out_amount, out_ap)


def _index_array(a):
    """int32 or int64 indices as they are (int32 halves a sort order's memory), else int64."""
    a = np.asarray(a)
    if a.dtype not in (np.int32, np.int64):
        a = a.astype(np.int64)
    return np.ascontiguousarray(a)


def walk_areas(order, codes, starts, target, n_codes, seed, first, count, weights=None,
               stride=1):
    """Poisson-bootstrap area, amount and AP sums of one descending score column.

    Parameters
    ----------
    order : ndarray of int32 or int64, shape (m,)
        Entries in descending score order; entry ``e`` takes the weights of
        global row ``e // stride`` (``stride`` > 1 walks a raveled (rows,
        stride) matrix). Only the weights read it: pass each entry's cluster
        instead to resample clusters.
    codes : ndarray of int32 or int64, shape (m,)
        Class code of each entry in that order, ``0 <= code < n_codes``.
    starts : ndarray of bool or uint8, shape (m,)
        Nonzero where the score differs from the previous entry's.
    target : int
        The positive code.
    n_codes, seed, first, count
        As for :func:`cell_sums`.
    weights : ndarray of float64, shape (m,), optional
        Sample weights in that order.

    Returns
    -------
    area : ndarray of float64, shape (count, n_codes)
        Twice the Mann-Whitney count of the positives over each code (0 at
        ``target``).
    amount : ndarray of float64, shape (count, n_codes)
        Resampled weight of each code.
    ap : ndarray of float64, shape (count,)
        Average-precision sums (divide by ``amount[:, target]``).
    """
    k0, k1 = seed_key(seed)
    first, count = _check_resamples(first, count)
    n_codes = int(n_codes)
    out_area = np.zeros((count, n_codes))
    out_amount = np.zeros((count, n_codes))
    out_ap = np.zeros(count)
    order = _index_array(order)
    if count == 0 or order.shape[0] == 0:
        return out_area, out_amount, out_ap
    codes = _index_array(codes)
    starts = np.ascontiguousarray(starts).view(np.uint8) if np.asarray(starts).dtype in (
        np.bool_, np.uint8) else np.ascontiguousarray(np.asarray(starts) != 0).view(np.uint8)
    weights = NO_WEIGHTS if weights is None else np.ascontiguousarray(weights, np.float64)
    quad_lo, groups = _groups(first, count)
    args = (order, codes, starts, weights, np.int64(stride), np.int64(target),
            np.int64(n_codes), k0, k1, np.int64(quad_lo), np.int64(groups), np.int64(first),
            np.int64(count), out_area, out_amount, out_ap)
    if _parallel(groups, order.shape[0] * count):
        _walk_parallel(*args)
    else:
        _walk_serial(*args)
    return out_area, out_amount, out_ap


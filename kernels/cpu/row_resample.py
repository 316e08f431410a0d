"""Numba CPU kernels of the row bootstrap: Poisson-weighted rows reduced in one pass.

The row route of :mod:`fastmetrics.inference.rows` draws every row ``i``
``w(i, r)`` times in resample ``r``, with exactly the weights of
``resample.row_weights`` (Poisson(1) from word ``r & 3`` of ``philox(i_lo,
i_hi, r >> 2, STREAM_ROWS << 24)``, the generator of ``resample.py``), and
never builds the resampled rows: each metric is a function of sums over the
rows, and these kernels compute the sums of many resamples in one pass.

* ``cell_sums`` (``parts_sums`` for several at once, one draw of the
  weights for all): every row falls in one cell and carries ``V`` values
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
from .resample import (_C3_ROWS, _MASK, _SH32, POISSON1_MAX, POISSON1_TABLE, ROW_QUADS,
                       _check_resamples, _philox, seed_key)

__all__ = ["LANES", "PARALLEL_MIN_WORK", "cell_sums", "parts_sums", "walk_areas"]

#: Resamples per pass over the rows.
LANES = 4 * ROW_QUADS

#: Below this many row-resamples the kernels run on the calling thread.
PARALLEL_MIN_WORK = 1 << 18

#: Absent keys (weights keyed by row): empty, so keyed and unkeyed calls share code.
_NO_KEYS = np.zeros(0, dtype=np.int64)


#: ``POISSON1_TABLE[:12]`` as int64: the words are below 2**32, so signed compares
#: (which the vector units have for 64-bit lanes) give the unsigned order.
(_S0, _S1, _S2, _S3, _S4, _S5, _S6, _S7, _S8, _S9, _S10, _S11) = (
    np.int64(t) for t in POISSON1_TABLE[:POISSON1_MAX])


@kernel(nogil=True, inline="always")
def _draw(row, k0, k1, quad0, xb, wb):
    """The weights of ``row`` in the group's 32 resamples, into ``wb`` (``xb``: scratch).

    ``poisson1`` of each word, computed as five compares for all lanes and
    the other seven only when some lane's word reaches ``POISSON1_TABLE[5]``
    (probability 0.06% per word, 2% per row): the words go into a buffer
    first and the compares run in their own loop, which vectorizes (50 ns per
    row and 32 resamples on the 2-core Xeon, against 80 ns for twelve
    compares fused with the Philox loop). The values are ``poisson1``'s.
    """
    NQ = ROW_QUADS
    rlo = row & _MASK
    rhi = row >> _SH32
    for m in range(NQ):
        x0, x1, x2, x3 = _philox(rlo, rhi, np.uint64(quad0 + m), _C3_ROWS, k0, k1)
        xb[m] = np.int64(x0)
        xb[NQ + m] = np.int64(x1)
        xb[2 * NQ + m] = np.int64(x2)
        xb[3 * NQ + m] = np.int64(x3)
    tail = 0
    for k in range(4 * NQ):
        x = xb[k]
        wb[k] = (np.int64(x >= _S0) + np.int64(x >= _S1) + np.int64(x >= _S2)
                 + np.int64(x >= _S3) + np.int64(x >= _S4))
        tail += np.int64(x >= _S5)
    if tail:
        for k in range(4 * NQ):
            x = xb[k]
            wb[k] += (np.int64(x >= _S5) + np.int64(x >= _S6) + np.int64(x >= _S7)
                      + np.int64(x >= _S8) + np.int64(x >= _S9) + np.int64(x >= _S10)
                      + np.int64(x >= _S11))


@kernel(nogil=True, inline="always")
def _lane_resample(lane, quad0):
    return 4 * (quad0 + lane % ROW_QUADS) + lane // ROW_QUADS


# ----------------------------------------------------------------------------
# cell_sums
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _cells_group(cells, values, value_of, offsets, keys, row0, n_acc, k0, k1, quad0, first,
                 count, out):
    G = LANES
    n_parts, n = cells.shape
    n_values = values.shape[0]
    acc = np.zeros((n_acc, G))
    wb = np.zeros(G)
    xb = np.zeros(G, dtype=np.int64)
    keyed = keys.shape[0] != 0
    for i in range(n):
        _draw(np.uint64(keys[i] if keyed else row0 + i), k0, k1, quad0, xb, wb)
        for v in range(n_values):
            part = value_of[v]
            # value v of the row adds to its part's cell, at the value's offset
            a = acc[offsets[v] + cells[part, i]]
            x = values[v, i]
            for k in range(G):
                a[k] += wb[k] * x
    for k in range(G):
        o = _lane_resample(k, quad0) - first
        if 0 <= o < count:
            for c in range(n_acc):
                out[o, c] = acc[c, k]


@kernel(nogil=True)
def _cells_serial(cells, values, value_of, offsets, keys, row0, n_acc, k0, k1, quad_lo, groups,
                  first, count, out):
    for g in range(groups):
        _cells_group(cells, values, value_of, offsets, keys, row0, n_acc, k0, k1,
                     quad_lo + g * ROW_QUADS, first, count, out)


@kernel(parallel=True)
def _cells_parallel(cells, values, value_of, offsets, keys, row0, n_acc, k0, k1, quad_lo,
                    groups, first, count, out):
    for g in prange(groups):
        _cells_group(cells, values, value_of, offsets, keys, row0, n_acc, k0, k1,
                     quad_lo + g * ROW_QUADS, first, count, out)


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
    values = np.asarray(values, dtype=np.float64)
    return parts_sums([(cells, values, n_cells)], seed, first, count, row0, keys)[0]


def parts_sums(parts, seed, first, count, row0=0, keys=None):
    """:func:`cell_sums` of several parts of the same rows in one pass (one draw of the
    weights for all: the losses, calibration bins and class counts of every model).

    ``parts`` is a list of ``(cells (n,), values (n, V_p), n_cells_p)``; the
    result a list of (count, n_cells_p, V_p) arrays.
    """
    k0, k1 = seed_key(seed)
    first, count = _check_resamples(first, count)
    n = np.asarray(parts[0][0]).shape[0]
    cells = np.empty((len(parts), n), dtype=np.int64)
    columns, value_of, offsets, layout = [], [], [], []
    n_acc = 0
    for p, (part_cells, part_values, n_cells) in enumerate(parts):
        part_values = np.asarray(part_values, dtype=np.float64)
        part_values = part_values.reshape(n, part_values.shape[-1] if part_values.ndim > 1
                                          else 1)
        cells[p] = part_cells
        layout.append((n_acc, int(n_cells), part_values.shape[1]))
        for v in range(part_values.shape[1]):
            columns.append(part_values[:, v])
            value_of.append(p)
            offsets.append(n_acc + v * int(n_cells))  # value-major: acc[off + cell]
        n_acc += int(n_cells) * part_values.shape[1]
    out = np.zeros((count, n_acc))
    if count and n and columns:
        values = np.ascontiguousarray(np.stack(columns))
        keys = _NO_KEYS if keys is None else np.ascontiguousarray(keys, dtype=np.int64)
        quad_lo, groups = _groups(first, count)
        args = (cells, values, np.asarray(value_of, dtype=np.int64),
                np.asarray(offsets, dtype=np.int64), keys, np.int64(row0), np.int64(n_acc),
                k0, k1, np.int64(quad_lo), np.int64(groups), np.int64(first), np.int64(count),
                out)
        if _parallel(groups, n * count):
            _cells_parallel(*args)
        else:
            _cells_serial(*args)
    return [out[:, start:start + n_cells * n_values].reshape(count, n_values, n_cells)
            .transpose(0, 2, 1) for start, n_cells, n_values in layout]


# ----------------------------------------------------------------------------
# walk_areas
# ----------------------------------------------------------------------------

@kernel(nogil=True, inline="always")
def _flush(gp, gq, touched, n_touched, seen, TP, FP, AP, area, amount, target, has_pos):
    """Close the open tie group: its positives ``gp``, negatives ``gq`` of the touched codes.

    A group without a positive row adds nothing to TP or AP: its lanes skip the
    AP division (most groups, with many classes or rare positives)."""
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
    if not has_pos:
        return
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
    xb = np.zeros(G, dtype=np.int64)
    weighted = weights.shape[0] != 0
    n = order.shape[0]
    has_pos = False
    for j in range(n):
        if j > 0 and starts[j] != 0:
            _flush(gp, gq, touched, n_touched, seen, TP, FP, AP, area, amount, target,
                   has_pos)
            n_touched = 0
            has_pos = False
        _draw(np.uint64(order[j] // stride), k0, k1, quad0, xb, wb)
        if weighted:
            s = weights[j]
            for k in range(G):
                wb[k] *= s
        c = codes[j]
        if c == target:
            has_pos = True
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
        _flush(gp, gq, touched, n_touched, seen, TP, FP, AP, area, amount, target, has_pos)
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


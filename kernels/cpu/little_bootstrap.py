"""Numba CPU kernels of the bag of little bootstraps (Kleiner et al. 2014).

A little bootstrap resamples a subset of ``b`` of the ``n`` units (rows or
clusters) as if it were a sample of ``n``: unit ``i`` of subset ``s`` weighs
``W[r, i] ~ Poisson(n / b)`` in resample ``r`` (the Poisson bootstrap of
``n`` units drawn from the subset's empirical distribution; Kleiner et al.
draw a multinomial of ``n`` over the ``b`` units, to which this is
asymptotically equivalent, as the row route's Poisson(1) weights are to the
classic bootstrap). The metric then sees ``b`` weighted units instead of
``n``, so a resample costs O(b).

* ``little_weights``: ``W[r, i] = poisson_general(n / b, k0, k1, i, s,
  first + r, STREAM_LITTLE)``, keyed by (seed, subset, resample, unit's
  position in the subset): the same draws in any order, block or thread.
* ``weighted_areas``: one pass over a subset's rows in descending score
  order per resample (the resamples in parallel), giving the binary ROC AUC
  and average-precision sums of every resample's weighted rows, as
  ``row_resample.walk_areas`` gives them for Poisson(1) weights.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._blocks import NO_WEIGHTS, kernel
from .resample import (STREAM_LITTLE, _check_resamples, _poisson_general, _ptrs,
                       _ptrs_constants, seed_key)

__all__ = ["little_weights", "weighted_areas"]

_C3_LITTLE = np.uint64(STREAM_LITTLE << 24)


@kernel(parallel=True)
def _weights(lam, k0, k1, subset, first, count, b, out):
    # exactly poisson_general's draws; PTRS's constants computed once, not per draw
    small = lam < 10.0
    loglam, pb, pa, log_invalpha, vr = _ptrs_constants(max(lam, 10.0))
    for r in prange(count):
        c2 = np.uint64(first + r)
        for i in range(b):
            if small:
                out[r, i] = _poisson_general(lam, k0, k1, np.uint64(i), np.uint64(subset), c2,
                                             _C3_LITTLE)
            else:
                out[r, i] = _ptrs(lam, loglam, pb, pa, log_invalpha, vr, k0, k1, np.uint64(i),
                                  np.uint64(subset), c2, _C3_LITTLE)


def little_weights(lam, seed, subset, first, count, b):
    """The weights of resamples ``first .. first + count - 1`` of little bootstrap ``subset``.

    Parameters
    ----------
    lam : float
        The mean weight ``n / b`` (units in the data over units in the subset).
    seed : int
        The bootstrap seed (``0 <= seed < 2**64``).
    subset : int
        The subset's number (``0 <= subset < 2**32``).
    first, count : int
        The resamples.
    b : int
        Units in the subset (``b < 2**32``).

    Returns
    -------
    ndarray of float64, shape (count, b)
        Whole numbers: unit ``i``'s weight in each resample.

    Examples
    --------
    >>> w = little_weights(250.0, 0, 3, 0, 2, 5)
    >>> w.shape, bool((w == np.round(w)).all())
    ((2, 5), True)

    A resample's weights do not depend on the block it is drawn in:

    >>> bool((w[1] == little_weights(250.0, 0, 3, 1, 1, 5)[0]).all())
    True
    """
    k0, k1 = seed_key(seed)
    first, count = _check_resamples(first, count)
    if not 0 <= int(subset) < 1 << 32 or not 0 <= int(b) < 1 << 32:
        raise ValueError(f"subset and b must be in [0, 2**32), got {subset} and {b}")
    out = np.empty((count, int(b)))
    if count and b:
        _weights(np.float64(lam), k0, k1, np.int64(subset), np.int64(first), np.int64(count),
                 np.int64(b), out)
    return out


@kernel(parallel=True)
def _areas(positive, starts, weights, W, order, out_area, out_pos, out_neg, out_ap):
    count = W.shape[0]
    m = order.shape[0]
    weighted = weights.shape[0] != 0
    for r in prange(count):
        w = W[r]
        tp = 0.0
        fp = 0.0
        area = 0.0
        ap = 0.0
        gp = 0.0
        gq = 0.0
        for j in range(m + 1):
            if j == m or (j > 0 and starts[j] != 0):
                # close the tie group: its negatives against every positive above it
                area += gq * (2.0 * tp + gp)
                fp += gq
                if gp > 0.0:
                    tp += gp
                    ap += gp * tp / (tp + fp)
                gp = 0.0
                gq = 0.0
                if j == m:
                    break
            x = w[order[j]] * weights[j] if weighted else w[order[j]]
            if positive[j] != 0:
                gp += x
            else:
                gq += x
        out_area[r] = area
        out_pos[r] = tp
        out_neg[r] = fp
        out_ap[r] = ap


def weighted_areas(positive, starts, W, weights=None, order=None):
    """Binary ROC AUC and average-precision sums of rows under many weightings.

    Parameters
    ----------
    positive : ndarray of bool or uint8, shape (m,)
        Whether each row is positive, in descending score order.
    starts : ndarray of bool or uint8, shape (m,)
        Nonzero where the score differs from the previous row's.
    W : ndarray of float64, shape (count, m)
        Each resample's row weights, in row order (``order`` given) or in
        descending score order.
    weights : ndarray of float64, shape (m,), optional
        Sample weights in descending score order (multiplied into every
        resample's).
    order : ndarray of int32 or int64, shape (m,), optional
        The rows in descending score order: the walk reads ``W[r, order[j]]``
        (no reordered copy of ``W``).

    Returns
    -------
    area : ndarray of float64, shape (count,)
        Twice the weighted Mann-Whitney count (AUC = area / (2 pos neg)).
    pos, neg : ndarray of float64, shape (count,)
        Weighted positives and negatives.
    ap : ndarray of float64, shape (count,)
        Average-precision sums (AP = ap / pos).

    Examples
    --------
    >>> area, pos, neg, ap = weighted_areas(np.array([1, 0, 1, 0], np.uint8),
    ...                                     np.ones(4, np.uint8), np.ones((1, 4)))
    >>> float(area[0] / (2 * pos[0] * neg[0])), float(ap[0] / pos[0])
    (0.75, 0.8333333333333333)
    """
    W = np.ascontiguousarray(W, dtype=np.float64)
    count = W.shape[0]
    positive = np.ascontiguousarray(np.asarray(positive) != 0).view(np.uint8)
    starts = np.ascontiguousarray(np.asarray(starts) != 0).view(np.uint8)
    weights = NO_WEIGHTS if weights is None else np.ascontiguousarray(weights, np.float64)
    order = (np.arange(W.shape[1]) if order is None
             else np.ascontiguousarray(order if np.asarray(order).dtype in (np.int32, np.int64)
                                       else np.asarray(order, dtype=np.int64)))
    outs = [np.zeros(count) for _ in range(4)]
    if count and order.size:
        _areas(positive, starts, weights, W, order, *outs)
    return tuple(outs)

"""Numba CPU kernels for top-k accuracy: the rank of each row's true class.

Twins of the functions in ``kernels/reference_topk.py`` (same names, arguments
and results). Inputs are validated, contiguous numpy arrays; the true class
comes as ``lookup[y_true - offset]`` (as in :mod:`.calibration`) so that no
per-row code array is built. The kernels never raise on data: a row whose
score(s) hold NaN or infinity is skipped and the first one is reported, and
the caller words the error.

* :func:`rank_counts` (2-D scores, one column per class): a histogram of the
  rank of each row's true column ``t`` among the row's ``K`` scores, where
  ``rank = #{j: s_j > s_t} + #{j > t: s_j == s_t}``. That is the position of
  ``t`` in scikit-learn's ``argsort(s, kind="mergesort")[::-1]`` (a stable
  ascending sort reversed: among equal scores the larger column comes first),
  found in one pass over the row with no sort. Top-k accuracy for every ``k``
  is then ``counts[:k].sum()``. A row whose lookup is negative (its column
  is not known yet) is only checked for finite scores.
* :func:`binary_counts` (1-D scores of the positive class): per class, the
  rows with ``score > 0.5``, ``<= 0.5``, ``> 0`` and ``<= 0`` (scikit-learn's
  two possible thresholds of ``k=1``), and whether every score lies in
  ``[0, 1]``, which picks the threshold once all chunks are seen.

Performance notes: one pass over the rows; each thread gets a contiguous block
(sliced, indexed from 0) and its own partial tables, summed at the end. Counts
are int64 and weight sums float64; scores are compared in their own dtype
(float32 or float64), as scikit-learn sorts them.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._blocks import block_bounds, kernel, thread_blocks
from .confusion import _first_found

__all__ = ["rank_counts", "binary_counts"]

#: Below this many score cells (rows x columns) a kernel runs on one thread
#: (tests lower it to reach the threaded path on small inputs).
PARALLEL_MIN_CELLS = 1 << 18



# ----------------------------------------------------------------------------
# rank_counts: 2-D scores
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _rank_block(y_true, lookup, offset, y_score, weights, counts, wsums, block, lo, hi):
    """Histogram the true-class ranks of rows ``lo:hi`` into ``counts[block]``."""
    n_columns = y_score.shape[1]
    yt = y_true[lo:hi]
    ys = y_score[lo:hi]
    cnt = counts[block]
    if weights is not None:
        w = weights[lo:hi]
        ws = wsums[block]
    first_bad = -1
    for i in range(yt.shape[0]):
        row = ys[i]
        t = lookup[np.uint64(np.int64(yt[i]) - offset)]
        s = row[t if t >= 0 else 0]
        finite = True
        rank = np.int64(0)
        # No early exit and no branch: this loop vectorizes.
        for j in range(n_columns):
            v = row[j]
            finite &= (v - v) == 0  # False for NaN and +-inf
            rank += (v > s) | ((v == s) & (j > t))
        if not finite:
            if first_bad < 0:
                first_bad = lo + i
            continue
        if t < 0:
            continue
        cnt[rank] += 1
        if weights is not None:
            ws[rank] += w[i]
    return first_bad


@kernel(parallel=True)
def _rank_parallel(y_true, lookup, offset, y_score, weights, counts, wsums, found):
    n_blocks = counts.shape[0]
    n = y_true.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, np.int64(b))
        found[b] = _rank_block(y_true, lookup, offset, y_score, weights, counts, wsums, b,
                               lo, hi)


def rank_counts(y_true, lookup, offset, y_score, weights=None):
    """Histogram of the rank of each row's true column; see the reference twin."""
    n, n_columns = y_score.shape
    weighted = weights is not None
    blocks = thread_blocks(n * n_columns, PARALLEL_MIN_CELLS, n_columns * (16 if weighted else 8))
    counts = np.zeros((blocks, n_columns), dtype=np.int64)
    wsums = np.zeros((blocks, n_columns), dtype=np.float64) if weighted else None
    args = (y_true, np.ascontiguousarray(lookup, dtype=np.int64), np.int64(offset), y_score,
            weights, counts, wsums)
    if blocks == 1:
        first_bad = int(_rank_block(*args, 0, 0, n))
    else:
        found = np.full(blocks, -1, dtype=np.int64)
        _rank_parallel(*args, found)
        first_bad = _first_found(found)
    return counts.sum(axis=0), None if wsums is None else wsums.sum(axis=0), first_bad


# ----------------------------------------------------------------------------
# binary_counts: 1-D scores
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _binary_block(y_true, lookup, offset, y_score, weights, counts, wsums, block, lo, hi):
    """Count rows ``lo:hi`` into ``counts[block]``; return (first bad row, all in [0, 1])."""
    yt = y_true[lo:hi]
    ys = y_score[lo:hi]
    cnt = counts[block]
    if weights is not None:
        w = weights[lo:hi]
        ws = wsums[block]
    first_bad = -1
    unit = True
    for i in range(yt.shape[0]):
        s = ys[i]
        if not ((s - s) == 0):
            if first_bad < 0:
                first_bad = lo + i
            continue
        c = lookup[np.uint64(np.int64(yt[i]) - offset)]
        # Columns: > 0.5, <= 0.5, > 0, <= 0 (no subtraction at the end, so
        # weighted hits are sums, never differences of large sums).
        half = np.int64(s > 0.5)
        zero = np.int64(s > 0)
        cnt[c, 1 - half] += 1
        cnt[c, 3 - zero] += 1
        unit &= (s >= 0) & (s <= 1)
        if weights is not None:
            ws[c, 1 - half] += w[i]
            ws[c, 3 - zero] += w[i]
    return first_bad, unit


@kernel(parallel=True)
def _binary_parallel(y_true, lookup, offset, y_score, weights, counts, wsums, found, units):
    n_blocks = counts.shape[0]
    n = y_true.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, np.int64(b))
        r = _binary_block(y_true, lookup, offset, y_score, weights, counts, wsums, b, lo, hi)
        found[b] = r[0]
        units[b] = r[1]


def binary_counts(y_true, lookup, offset, n_classes, y_score, weights=None):
    """Per-class counts of 1-D scores against 0.5 and 0; see the reference twin."""
    n = y_score.shape[0]
    weighted = weights is not None
    blocks = thread_blocks(n, PARALLEL_MIN_CELLS, n_classes * (64 if weighted else 32))
    counts = np.zeros((blocks, n_classes, 4), dtype=np.int64)
    wsums = np.zeros((blocks, n_classes, 4), dtype=np.float64) if weighted else None
    args = (y_true, np.ascontiguousarray(lookup, dtype=np.int64), np.int64(offset), y_score,
            weights, counts, wsums)
    if blocks == 1:
        first_bad, unit = _binary_block(*args, 0, 0, n)
        first_bad, unit = int(first_bad), bool(unit)
    else:
        found = np.full(blocks, -1, dtype=np.int64)
        units = np.ones(blocks, dtype=np.bool_)
        _binary_parallel(*args, found, units)
        first_bad, unit = _first_found(found), bool(units.all())
    return (counts.sum(axis=0), None if wsums is None else wsums.sum(axis=0), unit,
            first_bad)

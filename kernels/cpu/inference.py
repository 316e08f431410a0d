"""Numba CPU kernels of the analytic tests: McNemar's table, DeLong's placements.

Twins of ``kernels/reference_inference.py``.

``paired_correct_counts``. McNemar's test compares two
classifiers on the same rows through one 2 x 2 table: how many rows each
model gets right, and how many both get right. One pass over the three label
columns (true, model A, model B) counts it, for labels of any type: the
columns arrive as arrays plus int64 lookup tables mapping ``value - offset``
to a class code shared by the three columns (see ``fastmetrics._core.labels``), and
"correct" is "same code as the true label".

The loop keeps three int64 sums (rows A gets right, rows B gets right, rows
both get right) instead of a histogram: no store-to-load chain on a table
cell, and the four cells follow from the sums. Parallel runs hand each thread
one contiguous block and its own sums (no atomics, exact int64 totals).

``score_placements``. DeLong's paired test needs every row's placement value
under each model (how its score ranks against the other class). A binary
search of each row's score in the model's distinct-score table costs a cache
miss per step: 10 s for 10^7 float32 scores on the development machine.
Instead the scores are radix-sorted once by ``kernels.cpu.ranking``'s sort
(negatives' and positives' keys sorted side by side), carrying each row's
index as the sort's float64 payload (exact below 2**53 rows), and one merge
of the two sorted halves walks the distinct scores in descending order and
writes each row's placement to its index: 0.25 s for the same 10^7 rows.

``placement_moments``. The variances and the covariance of the two models'
placements, per class, in one pass: the class means are known exactly
beforehand (each class's numerators sum to twice the Mann-Whitney count), so
the pass sums centred products directly, which keeps float64 precision
(raw moments would cancel, and overflow int64).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from .radix_sort import radix_sorted
from .sort_keys import prepared
from ._blocks import block_bounds, kernel, thread_blocks

__all__ = ["paired_correct_counts", "score_placements", "placement_moments"]

#: Below this many rows one thread counts (starting the pool costs more).
PARALLEL_MIN_ROWS = 1 << 17


@kernel(nogil=True)
def _paired_block(y_true, pred_a, pred_b, true_lookup, a_lookup, b_lookup, true_offset,
                  a_offset, b_offset, out, block, lo, hi):
    # Slices indexed from 0 and uint64 indices: see kernels/cpu/confusion.py.
    yt = y_true[lo:hi]
    ya = pred_a[lo:hi]
    yb = pred_b[lo:hi]
    right_a = np.int64(0)
    right_b = np.int64(0)
    right_both = np.int64(0)
    for i in range(yt.shape[0]):
        t = true_lookup[np.uint64(np.int64(yt[i]) - true_offset)]
        a = a_lookup[np.uint64(np.int64(ya[i]) - a_offset)] == t
        b = b_lookup[np.uint64(np.int64(yb[i]) - b_offset)] == t
        right_a += a
        right_b += b
        right_both += a & b
    out[block, 0] = right_a
    out[block, 1] = right_b
    out[block, 2] = right_both


@kernel(parallel=True)
def _paired_parallel(y_true, pred_a, pred_b, true_lookup, a_lookup, b_lookup, true_offset,
                     a_offset, b_offset, out):
    n = y_true.shape[0]
    blocks = out.shape[0]
    for b in prange(blocks):
        lo, hi = block_bounds(n, blocks, np.int64(b))
        _paired_block(y_true, pred_a, pred_b, true_lookup, a_lookup, b_lookup, true_offset,
                      a_offset, b_offset, out, np.int64(b), lo, hi)


def paired_correct_counts(y_true, pred_a, pred_b, true_lookup, a_lookup, b_lookup,
                          true_offset, a_offset, b_offset):
    """2 x 2 int64 table of (A correct, B correct) over the rows.

    See ``kernels.reference_inference.paired_correct_counts`` for the contract.
    ``table[0, 0]``: both right; ``[0, 1]``: A right, B wrong; ``[1, 0]``: A
    wrong, B right; ``[1, 1]``: both wrong.
    """
    n = y_true.shape[0]
    blocks = thread_blocks(n, PARALLEL_MIN_ROWS)
    out = np.zeros((blocks, 3), dtype=np.int64)
    args = (y_true, pred_a, pred_b, true_lookup, a_lookup, b_lookup, np.int64(true_offset),
            np.int64(a_offset), np.int64(b_offset), out)
    if blocks == 1:
        _paired_block(*args, np.int64(0), np.int64(0), np.int64(n))
    else:
        _paired_parallel(*args)
    right_a, right_b, both = (int(x) for x in out.sum(axis=0))
    return np.array([[both, right_a - both],
                     [right_b - both, n - right_a - right_b + both]], dtype=np.int64)


# ----------------------------------------------------------------------------
# score_placements: DeLong's placement value of every row
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _placements_merge(keys, rows, n_neg, out):
    """Walk both sorted segments in key order (descending score), one group of equal
    keys at a time, writing each row's placement numerator to ``out[row]``.

    ``keys[:n_neg]`` are the negatives' keys and ``keys[n_neg:]`` the
    positives', each ascending; ``rows`` the row index of each key. Returns
    twice the Mann-Whitney count (the ROC area times ``2 m n``).
    """
    n = keys.shape[0]
    i = np.int64(0)          # next negative
    j = np.int64(n_neg)      # next positive
    neg_seen = np.int64(0)   # negatives at or above the current score
    pos_above = np.int64(0)  # positives strictly above the current score
    twice_area = np.int64(0)
    while i < n_neg or j < n:
        if j >= n or (i < n_neg and keys[i] <= keys[j]):
            key = keys[i]
        else:
            key = keys[j]
        i_end = i
        while i_end < n_neg and keys[i_end] == key:
            i_end += 1
        j_end = j
        while j_end < n and keys[j_end] == key:
            j_end += 1
        neg_here = i_end - i
        pos_here = j_end - j
        neg_seen += neg_here
        # positives: 2 (negatives strictly below) + negatives level with them
        a10 = 2 * (n_neg - neg_seen) + neg_here
        # negatives: 2 (positives strictly above) + positives level with them
        a01 = 2 * pos_above + pos_here
        for r in range(j, j_end):
            out[np.int64(rows[r])] = a10
        for r in range(i, i_end):
            out[np.int64(rows[r])] = a01
        twice_area += neg_here * a01
        pos_above += pos_here
        i = i_end
        j = j_end
    return twice_area


def score_placements(scores, labels):
    """Each row's DeLong placement value, as an exact integer numerator.

    See ``kernels.reference_inference.score_placements`` for the contract.
    ``scores`` float32 or float64 without NaN; ``labels`` uint8 (nonzero =
    positive). Returns ``(numerators, twice_area, n_pos, n_neg)``.
    """
    n = scores.shape[0]
    out = np.empty(n, dtype=np.int64)
    if n == 0:
        return out, 0, 0, 0
    rows = np.arange(n, dtype=np.float64)  # the payload the sort carries
    scores, bits, labels, rows, sign_shift, low_mask, kdt = prepared(
        scores, labels, rows)
    keys, sorted_rows, _, _, n_neg, _ = radix_sorted(bits, labels, rows, sign_shift,
                                                     low_mask, kdt)
    twice_area = int(_placements_merge(keys, sorted_rows, np.int64(n_neg), out))
    return out, twice_area, n - n_neg, n_neg


# ----------------------------------------------------------------------------
# placement_moments: centred second moments of two models' placements
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _moments_block(xa, xb, labels, means, out, block, lo, hi):
    a = xa[lo:hi]
    b = xb[lo:hi]
    lab = labels[lo:hi]
    acc = np.zeros((2, 4))
    for i in range(a.shape[0]):
        c = 1 if lab[i] != 0 else 0
        da = a[i] - means[c, 0]
        db = b[i] - means[c, 1]
        # the difference from the integers themselves: exactly 0 when it is constant
        dd = np.float64(a[i] - b[i]) - means[c, 2]
        acc[c, 0] += da * da
        acc[c, 1] += db * db
        acc[c, 2] += da * db
        acc[c, 3] += dd * dd
    out[block] = acc


@kernel(parallel=True)
def _moments_parallel(xa, xb, labels, means, out):
    n = xa.shape[0]
    blocks = out.shape[0]
    for b in prange(blocks):
        lo, hi = block_bounds(n, blocks, np.int64(b))
        _moments_block(xa, xb, labels, means, out, np.int64(b), lo, hi)


def placement_moments(xa, xb, labels, twice_a, twice_b, n_pos, n_neg):
    """Centred second moments of two models' placement numerators, per class.

    See ``kernels.reference_inference.placement_moments`` for the contract.
    Returns float64 of shape (2, 4): row 0 the negatives, row 1 the positives;
    columns ``sum(da^2)``, ``sum(db^2)``, ``sum(da db)``, ``sum(dd^2)``.
    """
    n = xa.shape[0]
    means = np.array([[twice_a / n_neg, twice_b / n_neg, (twice_a - twice_b) / n_neg],
                      [twice_a / n_pos, twice_b / n_pos, (twice_a - twice_b) / n_pos]])
    blocks = thread_blocks(n, PARALLEL_MIN_ROWS)
    out = np.zeros((blocks, 2, 4))
    if blocks == 1:
        _moments_block(xa, xb, labels, means, out, np.int64(0), np.int64(0), np.int64(n))
    else:
        _moments_parallel(xa, xb, labels, means, out)
    return out.sum(axis=0)

"""The "scores must sum to 1" check of class probabilities, with the NaN/inf check.

scikit-learn refuses multiclass scores whose rows do not sum to 1
(``np.allclose(1, y_score.sum(axis=1))``). ``score_checks`` runs that check bit
for bit (numpy's pairwise row sum in the scores' dtype, ``np.isclose``'s
arithmetic) in the same pass that finds NaN/inf cells.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from . import _blocks, small_inputs
from ._blocks import block_bounds, kernel, thread_blocks

__all__ = ["score_checks"]

#: Below this many score cells (rows x columns) the check runs on one thread.
PARALLEL_MIN_CELLS = 1 << 17


@kernel(nogil=True, inline="always")
def _pairwise_sum(row, lo, n, zero):
    """numpy's ``pairwise_sum`` of ``row[lo:lo + n]`` in the row's dtype (n <= 128).

    Checked bit for bit against ``ndarray.sum(axis=1)`` of C-contiguous float32
    and float64 matrices (numpy 2.4): the reduction starts from 0 and sums each
    row pairwise, whatever the number of rows.
    """
    if n < 8:
        res = zero
        for i in range(lo, lo + n):
            res += row[i]
        return res
    r0 = row[lo]
    r1 = row[lo + 1]
    r2 = row[lo + 2]
    r3 = row[lo + 3]
    r4 = row[lo + 4]
    r5 = row[lo + 5]
    r6 = row[lo + 6]
    r7 = row[lo + 7]
    i = 8
    while i < n - n % 8:
        r0 += row[lo + i]
        r1 += row[lo + i + 1]
        r2 += row[lo + i + 2]
        r3 += row[lo + i + 3]
        r4 += row[lo + i + 4]
        r5 += row[lo + i + 5]
        r6 += row[lo + i + 6]
        r7 += row[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += row[lo + i]
        i += 1
    return res


@kernel(nogil=True)
def _row_sum(row, zero, stack):
    """numpy's ``np.add.reduce`` of a contiguous row: blocks of at most 128
    summed pairwise, longer runs split in halves rounded down to multiples of 8
    and the halves' sums added. The recursion runs on an explicit stack
    (``stack``: (3, depth) int64 scratch): Numba's cache does not hold
    recursive functions.
    """
    n = row.shape[0]
    if n <= 128:
        return _pairwise_sum(row, 0, n, zero)
    vals = np.empty(stack.shape[1], dtype=row.dtype)
    sp = 0
    vp = 0
    stack[0, 0] = 0
    stack[1, 0] = n
    stack[2, 0] = 0
    sp = 1
    while sp > 0:
        sp -= 1
        lo = stack[0, sp]
        m = stack[1, sp]
        phase = stack[2, sp]
        if m <= 128:
            vals[vp] = _pairwise_sum(row, lo, m, zero)
            vp += 1
        elif phase == 1:
            vals[vp - 2] = vals[vp - 2] + vals[vp - 1]
            vp -= 1
        else:
            n2 = m // 2
            n2 -= n2 % 8
            stack[0, sp] = lo
            stack[1, sp] = m
            stack[2, sp] = 1
            stack[0, sp + 1] = lo + n2
            stack[1, sp + 1] = m - n2
            stack[2, sp + 1] = 0
            stack[0, sp + 2] = lo
            stack[1, sp + 2] = n2
            stack[2, sp + 2] = 0
            sp += 3
    return vals[0]


@kernel(nogil=True)
def _checks_block(scores, consts, lo, hi, out):
    """Rows ``lo:hi``: NaN/inf cells (count, first flat index) and rows whose sum is
    not close to 1 (count, first row), into ``out``."""
    one = consts[0]
    rtol = consts[1]
    atol = consts[2]
    zero = consts[3]
    m = scores.shape[1]
    n_bad = np.int64(0)
    first_bad = np.int64(-1)
    count = np.int64(0)
    first = np.int64(-1)
    stack = np.empty((3, 256), dtype=np.int64)
    for i in range(lo, hi):
        row = scores[i]
        finite = np.int64(0)
        for j in range(m):
            v = row[j]
            finite += np.int64(v - v == 0.0)  # vectorizes; NaN and +-inf fail
        if finite != m:
            if first_bad < 0:
                for j in range(m):
                    if not (row[j] - row[j] == 0.0):
                        first_bad = i * m + j
                        break
            n_bad += m - finite
        y = _row_sum(row, zero, stack)
        close = (abs(one - y) <= atol + rtol * abs(y)) and (y - y == 0) or y == one
        if not close:
            if first < 0:
                first = i
            count += 1
    out[0] = n_bad
    out[1] = first_bad
    out[2] = count
    out[3] = first


@kernel(parallel=True)
def _checks_parallel(scores, consts, out):
    n = scores.shape[0]
    n_blocks = out.shape[0]
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        _checks_block(scores, consts, lo, hi, out[b])


def score_checks(scores):
    """NaN/inf cells and rows failing ``np.allclose(1, scores.sum(axis=1))``, in one pass.

    Returns ``(n_nonfinite, first_nonfinite, n_unnormalized, first_unnormalized)``:
    the first non-finite cell as a flat (row-major) index and the first
    unnormalized row, -1 where there is none. The row sums are numpy's
    (pairwise, in the scores' dtype) and so is the tolerance arithmetic
    (``|1 - s| <= 1e-8 + 1e-5 |s|`` in that dtype; a non-finite sum fails).
    """
    scores = np.ascontiguousarray(scores)
    n = scores.shape[0]
    if n == 0 or scores.shape[1] == 0:
        return 0, -1, 0, -1
    if _blocks.is_small(scores.size):
        return small_inputs.score_checks(scores)
    consts = np.array([1.0, 1e-5, 1e-8, 0.0], dtype=scores.dtype)
    nb = thread_blocks(n * scores.shape[1], PARALLEL_MIN_CELLS)
    out = np.zeros((nb, 4), dtype=np.int64)
    if nb == 1:
        _checks_block(scores, consts, 0, n, out[0])
    else:
        _checks_parallel(scores, consts, out)
    firsts = [out[out[:, c] >= 0, c] for c in (1, 3)]
    return (int(out[:, 0].sum()), int(firsts[0].min()) if firsts[0].size else -1,
            int(out[:, 2].sum()), int(firsts[1].min()) if firsts[1].size else -1)

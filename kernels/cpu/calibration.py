"""Numba CPU kernels for calibration (probability bins) and probabilistic losses.

Twins of the functions in ``kernels/reference_calibration.py`` (same names,
arguments and results). Inputs are validated, contiguous numpy arrays; class
codes come as ``lookup[y_true - offset]`` (as in :mod:`.confusion`) so that no
per-row code array is built. The kernels never raise on data: a probability
that is NaN, infinite or outside [0, 1] is skipped and its first position is
reported, and the caller words the error.

* :func:`calibration_bins`: per (probability bin, class) row counts, sums of
  the probability, and with weights the sums of the weight and of
  weight * probability. A row with probability ``p`` falls in bin
  ``searchsorted(inner_edges, p, side="left")``, which is scikit-learn's
  ``calibration_curve`` binning (bins are closed on the right). Equal-width
  edges are found from a guess ``floor(p * B)`` corrected against the true
  edges, so the answer is the same as the binary search used for other edges.
* :func:`binary_loss_sums` (1-D probabilities of the positive class) and
  :func:`multiclass_loss_sums` (2-D probabilities): per (true class, column)
  sums of the log loss ``-log(clip(P[i, j], eps, 1 - eps))`` and of the
  multiclass Brier term ``sum_l (delta_lj - P[i, l]) ** 2``, as if row ``i``'s
  class were column ``j``, for the columns ``col_lo[c] .. col_hi[c]`` of its
  class ``c``. Which column a class is decides only once every chunk is seen;
  the caller passes the range of columns it can still be. A 1-D input has the
  two virtual columns ``[1 - p, p]`` (``1 - p`` rounded in the input's dtype,
  as scikit-learn stacks it). A logarithm costs more than the rest of a row's
  work, so a class whose column is settled gets one logarithm, not two.

Performance notes: one pass over the rows; each thread gets a contiguous block
(sliced, indexed from 0) and its own partial tables, summed at the end. Counts
are int64 and every sum float64, also for float32 probabilities (the clip to
``[eps, 1 - eps]`` is done in the input's precision, the logarithm in float64).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._blocks import block_bounds, kernel, thread_blocks
from .confusion import _first_found

__all__ = ["calibration_bins", "binary_loss_sums", "multiclass_loss_sums", "loss_row_terms"]

#: Below this many rows a kernel runs on one thread (tests lower it to reach
#: the threaded path on small inputs).
PARALLEL_MIN_ROWS = 1 << 17



# ----------------------------------------------------------------------------
# calibration_bins
# ----------------------------------------------------------------------------

@kernel(nogil=True, inline="always")
def _bin_of(p, inner, uniform):
    """``searchsorted(inner, p, side="left")``: the number of inner edges < p."""
    n_inner = inner.shape[0]
    if uniform:
        j = np.int64(p * (n_inner + 1))
        if j > n_inner:
            j = n_inner
        while j > 0 and p <= inner[j - 1]:
            j -= 1
        while j < n_inner and p > inner[j]:
            j += 1
        return j
    lo = np.int64(0)
    hi = np.int64(n_inner)
    while lo < hi:
        mid = (lo + hi) >> 1
        if inner[mid] < p:
            lo = mid + 1
        else:
            hi = mid
    return lo


@kernel(nogil=True)
def _bins_block(y_true, lookup, offset, y_prob, inner, uniform, weights, n_classes,
                counts, prob_sums, weight_sums, wprob_sums, block, lo, hi):
    """Bin rows ``lo:hi`` into the flat ``(bin, class)`` tables of ``block``."""
    k = np.uint64(n_classes)
    yt = y_true[lo:hi]
    yp = y_prob[lo:hi]
    table = counts[block]
    psum = prob_sums[block]
    if weights is not None:
        w = weights[lo:hi]
        wsum = weight_sums[block]
        wpsum = wprob_sums[block]
    first_invalid = -1
    for i in range(yt.shape[0]):
        p = np.float64(yp[i])
        if not (p >= 0.0 and p <= 1.0):  # NaN fails both compares
            if first_invalid < 0:
                first_invalid = lo + i
            continue
        c = np.uint64(lookup[np.uint64(np.int64(yt[i]) - offset)])
        cell = np.uint64(_bin_of(p, inner, uniform)) * k + c
        table[cell] += 1
        psum[cell] += p
        if weights is not None:
            wsum[cell] += w[i]
            wpsum[cell] += w[i] * p
    return first_invalid


@kernel(parallel=True)
def _bins_parallel(y_true, lookup, offset, y_prob, inner, uniform, weights, n_classes,
                   counts, prob_sums, weight_sums, wprob_sums, found):
    n_blocks = counts.shape[0]
    n = y_true.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, b)
        found[b] = _bins_block(y_true, lookup, offset, y_prob, inner, uniform, weights,
                               n_classes, counts, prob_sums, weight_sums, wprob_sums, b,
                               lo, hi)


def calibration_bins(y_true, lookup, offset, n_classes, y_prob, inner_edges, uniform,
                     weights=None):
    """Per (bin, class) counts and probability sums; see the reference twin."""
    n = y_true.shape[0]
    n_bins = inner_edges.shape[0] + 1
    cells = n_bins * n_classes
    weighted = weights is not None
    n_blocks = thread_blocks(n, PARALLEL_MIN_ROWS, cells * (32 if weighted else 16))
    counts = np.zeros((n_blocks, cells), dtype=np.int64)
    prob_sums = np.zeros((n_blocks, cells), dtype=np.float64)
    weight_sums = np.zeros((n_blocks, cells), dtype=np.float64) if weighted else None
    wprob_sums = np.zeros((n_blocks, cells), dtype=np.float64) if weighted else None
    inner = np.ascontiguousarray(inner_edges, dtype=np.float64)
    args = (y_true, lookup, np.int64(offset), y_prob, inner, bool(uniform), weights,
            np.int64(n_classes), counts, prob_sums, weight_sums, wprob_sums)
    if n_blocks == 1:
        first_invalid = int(_bins_block(*args, 0, 0, n))
    else:
        found = np.full(n_blocks, -1, dtype=np.int64)
        _bins_parallel(*args, found)
        first_invalid = _first_found(found)
    shape = (n_bins, n_classes)

    def total(a):
        return None if a is None else a.sum(axis=0).reshape(shape)

    return (total(counts), total(prob_sums), total(weight_sums), total(wprob_sums),
            first_invalid)


# ----------------------------------------------------------------------------
# loss sums: binary (1-D probabilities) and multiclass (2-D)
# ----------------------------------------------------------------------------

@kernel(nogil=True, inline="always")
def _neg_log_clipped(v, eps, top):
    if v < eps:
        v = eps
    if v > top:
        v = top
    return -np.log(np.float64(v))


@kernel(nogil=True, inline="always")
def _binary_brier(p, q, column):
    """Brier term of 1-D probability ``p`` (``q = 1 - p`` in its precision) scored as
    virtual column ``column`` of ``[q, p]``."""
    pf = np.float64(p)
    qf = np.float64(q)
    if column == 0:
        return (1.0 - qf) * (1.0 - qf) + pf * pf
    return qf * qf + (1.0 - pf) * (1.0 - pf)


@kernel(nogil=True, inline="always")
def _multiclass_brier(row, j):
    """Brier term ``sum_m (delta_mj - row[m]) ** 2`` of a row scored as column ``j``."""
    sq = 0.0
    for m in range(row.shape[0]):
        d = np.float64(row[m])
        if m == j:
            d = 1.0 - d
        sq += d * d
    return sq


@kernel(nogil=True)
def _binary_loss_block(y_true, lookup, offset, y_prob, col_lo, col_hi, weights, eps, one,
                       counts, wsums, log_sums, brier_sums, block, lo, hi):
    yt = y_true[lo:hi]
    yp = y_prob[lo:hi]
    cnt = counts[block]
    if weights is not None:
        w = weights[lo:hi]
        ws = wsums[block]
    if log_sums is not None:
        ls = log_sums[block]
    if brier_sums is not None:
        bs = brier_sums[block]
    top = one - eps
    first_invalid = -1
    for i in range(yt.shape[0]):
        p = yp[i]
        if not (p >= 0.0 and p <= 1.0):
            if first_invalid < 0:
                first_invalid = lo + i
            continue
        c = np.uint64(lookup[np.uint64(np.int64(yt[i]) - offset)])
        q = one - p  # in the input's precision, as scikit-learn's column 1 - p
        cnt[c] += 1
        wi = 1.0
        if weights is not None:
            wi = np.float64(w[i])
            ws[c] += wi
        first_col = col_lo[c]
        if log_sums is not None:
            if first_col == col_hi[c]:
                # one column (the usual case): pick the value without a branch
                ls[c, first_col] += wi * _neg_log_clipped(p if first_col == 1 else q, eps, top)
            else:
                ls[c, 0] += wi * _neg_log_clipped(q, eps, top)
                ls[c, 1] += wi * _neg_log_clipped(p, eps, top)
        if brier_sums is not None:
            if first_col == 0:
                bs[c, 0] += wi * _binary_brier(p, q, 0)
            if col_hi[c] == 1:
                bs[c, 1] += wi * _binary_brier(p, q, 1)
    return first_invalid


@kernel(parallel=True)
def _binary_loss_parallel(y_true, lookup, offset, y_prob, col_lo, col_hi, weights, eps, one,
                          counts, wsums, log_sums, brier_sums, found):
    n_blocks = counts.shape[0]
    n = y_true.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, b)
        found[b] = _binary_loss_block(y_true, lookup, offset, y_prob, col_lo, col_hi, weights,
                                      eps, one, counts, wsums, log_sums, brier_sums, b, lo, hi)


def _loss_tables(n_blocks, n_classes, n_columns, weighted, log, brier):
    counts = np.zeros((n_blocks, n_classes), dtype=np.int64)
    wsums = np.zeros((n_blocks, n_classes)) if weighted else None
    log_sums = np.zeros((n_blocks, n_classes, n_columns)) if log else None
    brier_sums = np.zeros((n_blocks, n_classes, n_columns)) if brier else None
    return counts, wsums, log_sums, brier_sums


def _sum_tables(*tables):
    return tuple(None if t is None else t.sum(axis=0) for t in tables)


def binary_loss_sums(y_true, lookup, offset, n_classes, y_prob, col_lo, col_hi, weights=None,
                     log=True, brier=True):
    """Per (class, virtual column) log-loss and Brier sums of 1-D probabilities."""
    n = y_true.shape[0]
    table_bytes = n_classes * (8 + 8 * (weights is not None) + 16 * log + 16 * brier)
    n_blocks = thread_blocks(n, PARALLEL_MIN_ROWS, table_bytes)
    tables = _loss_tables(n_blocks, n_classes, 2, weights is not None, log, brier)
    eps = y_prob.dtype.type(np.finfo(y_prob.dtype).eps)
    one = y_prob.dtype.type(1)
    args = (y_true, lookup, np.int64(offset), y_prob,
            np.ascontiguousarray(col_lo, dtype=np.int64),
            np.ascontiguousarray(col_hi, dtype=np.int64), weights, eps, one) + tables
    if n_blocks == 1:
        first_invalid = int(_binary_loss_block(*args, 0, 0, n))
    else:
        found = np.full(n_blocks, -1, dtype=np.int64)
        _binary_loss_parallel(*args, found)
        first_invalid = _first_found(found)
    return _sum_tables(*tables) + (first_invalid,)


@kernel(nogil=True)
def _multiclass_loss_block(y_true, lookup, offset, y_proba, col_lo, col_hi, weights, eps,
                           one, rtol, counts, wsums, log_sums, brier_sums, block, lo, hi):
    n_columns = y_proba.shape[1]
    yt = y_true[lo:hi]
    yp = y_proba[lo:hi]
    cnt = counts[block]
    if weights is not None:
        w = weights[lo:hi]
        ws = wsums[block]
    if log_sums is not None:
        ls = log_sums[block]
    if brier_sums is not None:
        bs = brier_sums[block]
    top = one - eps
    first_invalid = -1
    first_unnormalized = -1
    for i in range(yt.shape[0]):
        row = yp[i]
        total = row[0] - row[0]  # zero of the input's dtype
        ok = True
        for j in range(n_columns):  # no early exit: this loop vectorizes
            v = row[j]
            ok &= (v >= 0.0) & (v <= 1.0)
            total += v
        if not ok:
            if first_invalid < 0:
                bad = 0
                while row[bad] >= 0.0 and row[bad] <= 1.0:
                    bad += 1
                first_invalid = (lo + i) * n_columns + bad
            continue
        # numpy.isclose(total, 1, rtol=sqrt(eps), atol=1e-8), as scikit-learn checks
        if first_unnormalized < 0 and not abs(np.float64(total) - 1.0) <= 1e-8 + rtol:
            first_unnormalized = lo + i
        c = np.uint64(lookup[np.uint64(np.int64(yt[i]) - offset)])
        cnt[c] += 1
        wi = 1.0
        if weights is not None:
            wi = np.float64(w[i])
            ws[c] += wi
        for j in range(col_lo[c], col_hi[c] + 1):
            if log_sums is not None:
                ls[c, j] += wi * _neg_log_clipped(row[j], eps, top)
            if brier_sums is not None:
                bs[c, j] += wi * _multiclass_brier(row, j)
    return first_invalid, first_unnormalized


@kernel(parallel=True)
def _multiclass_loss_parallel(y_true, lookup, offset, y_proba, col_lo, col_hi, weights, eps,
                              one, rtol, counts, wsums, log_sums, brier_sums, found):
    n_blocks = counts.shape[0]
    n = y_true.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, b)
        r = _multiclass_loss_block(y_true, lookup, offset, y_proba, col_lo, col_hi, weights,
                                   eps, one, rtol, counts, wsums, log_sums, brier_sums, b,
                                   lo, hi)
        found[b, 0] = r[0]
        found[b, 1] = r[1]


def multiclass_loss_sums(y_true, lookup, offset, n_classes, y_proba, col_lo, col_hi,
                         weights=None, log=True, brier=True):
    """Per (class, column) log-loss and Brier sums of 2-D probabilities."""
    n, n_columns = y_proba.shape
    table_bytes = n_classes * (8 + 8 * (weights is not None)
                               + 8 * n_columns * (int(log) + int(brier)))
    n_blocks = thread_blocks(n, PARALLEL_MIN_ROWS, table_bytes)
    tables = _loss_tables(n_blocks, n_classes, n_columns, weights is not None, log, brier)
    eps = y_proba.dtype.type(np.finfo(y_proba.dtype).eps)
    one = y_proba.dtype.type(1)
    rtol = float(np.sqrt(np.float64(eps)))
    args = (y_true, lookup, np.int64(offset), y_proba,
            np.ascontiguousarray(col_lo, dtype=np.int64),
            np.ascontiguousarray(col_hi, dtype=np.int64), weights, eps, one, rtol) + tables
    if n_blocks == 1:
        first_invalid, first_unnormalized = (
            int(x) for x in _multiclass_loss_block(*args, 0, 0, n))
    else:
        found = np.full((n_blocks, 2), -1, dtype=np.int64)
        _multiclass_loss_parallel(*args, found)
        first_invalid, first_unnormalized = _first_found(found[:, 0]), _first_found(found[:, 1])
    return _sum_tables(*tables) + (first_invalid, first_unnormalized)


# ----------------------------------------------------------------------------
# per-row terms (the row bootstrap sums them with resampled weights)
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _row_terms(column_of_row, y_prob, eps, one, log, out):
    top = one - eps
    for i in range(out.shape[0]):
        j = column_of_row[i]
        if y_prob.ndim == 1:
            p = y_prob[i]
            q = one - p
            if log:
                out[i] = _neg_log_clipped(p if j == 1 else q, eps, top)
            else:
                out[i] = _binary_brier(p, q, j)
        else:
            row = y_prob[i]
            if log:
                out[i] = _neg_log_clipped(row[j], eps, top)
            else:
                out[i] = _multiclass_brier(row, j)


def loss_row_terms(column_of_row, y_prob, log):
    """Each row's log-loss (``log=True``) or Brier term at its class's column, float64 (n,).

    The terms the loss sums add (``binary_loss_sums``, ``multiclass_loss_sums``),
    unweighted; 1-D probabilities have the virtual columns ``[1 - p, p]``.
    """
    y_prob = np.ascontiguousarray(y_prob)
    eps = y_prob.dtype.type(np.finfo(y_prob.dtype).eps)
    one = y_prob.dtype.type(1)
    out = np.empty(y_prob.shape[0])
    _row_terms(np.ascontiguousarray(column_of_row, dtype=np.int64), y_prob, eps, one,
               bool(log), out)
    return out

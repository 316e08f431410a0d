"""Numba CPU kernels for confusion counts.

Twins of the functions in ``kernels/reference.py`` (same names, arguments and
results). Inputs are validated, contiguous 1-D (or 2-D for multilabel) numpy
arrays; the kernels never raise on data: they report what they found (first
non-finite score, first invalid indicator) and leave the message to the caller.

Performance notes, measured on the 2-core Zen 4 development machine:

* A histogram loop ``counts[t, p] += 1`` is limited by store-to-load forwarding
  when consecutive rows hit the same cell (binary data hits four cells). Rows are
  therefore spread round-robin over ``LANES`` private sub-tables, which breaks the
  dependency chain; the sub-tables are summed at the end.
* Binary 0/1 labels skip the histogram entirely: ``sum(t)``, ``sum(p)``,
  ``sum(t & p)`` and ``OR(t | p)`` are plain reductions that LLVM vectorizes,
  which runs close to memory bandwidth. The OR tells afterwards whether the
  values really were 0/1.
* Parallel work hands each thread a contiguous block of rows and its own
  partial table (no atomics, exact int64 totals); Numba's ``prange`` body only
  dispatches to the serial block function (docs/architecture.md, "Measured on this machine").
* Counters are int64 and weight sums float64 (or int64 for integer weights):
  never 32-bit accumulators.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from . import _blocks, small_inputs
from ._blocks import block_bounds, kernel, thread_blocks

__all__ = [
    "scan_labels",
    "label_presence",
    "confusion_counts",
    "binary_confusion_sums",
    "multilabel_confusion_counts",
    "label_codes",
]

#: Below this many rows a kernel runs on one thread: starting the thread pool
#: and reducing partial tables costs more than it saves.
PARALLEL_MIN_ROWS = 1 << 17


#: Interleaved sub-tables per thread for small tables (power of two).
LANES = 4

_NO_LOOKUP = np.zeros(1, dtype=np.int64)

#: ``bits`` of binary_confusion_sums are read as an unsigned 64-bit integer.
_UINT64_MASK = (1 << 64) - 1

#: Float labels must lie in [-2**63, 2**63) to be read as int64 class values.
_TWO_63 = 2.0 ** 63


# ----------------------------------------------------------------------------
# scan_labels: range and validity of numeric labels
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _scan_int_block(values, lo, hi):
    # Slice first and loop from 0: with ``range(lo, hi)`` on the parent array
    # Numba cannot prove the index non-negative and the loop does not vectorize
    # (6x slower). ``if`` compares vectorize where ``min()``/``max()`` do not.
    block = values[lo:hi]
    if block.shape[0] == 0:  # the last threads get no row when rows are few
        return np.int64(0), np.int64(-1)
    mn = block[0]
    mx = block[0]
    for i in range(block.shape[0]):
        v = block[i]
        if v < mn:
            mn = v
        if v > mx:
            mx = v
    return np.int64(mn), np.int64(mx)


@kernel(nogil=True)
def _scan_float_loop(values, lo, hi, wide):
    mn = np.inf
    mx = -np.inf
    first_nonfinite = -1
    first_nonintegral = -1
    block = values[lo:hi]
    for i in range(block.shape[0]):
        v = block[i]
        if v - v != 0.0:  # NaN or +-inf
            if first_nonfinite < 0:
                first_nonfinite = lo + i
            continue
        if wide and not -_TWO_63 <= v < _TWO_63:  # integral maybe, but not an int64
            if first_nonintegral < 0:
                first_nonintegral = lo + i
            continue
        if first_nonintegral < 0 and v != np.floor(v):
            first_nonintegral = lo + i
        if v < mn:
            mn = v
        if v > mx:
            mx = v
    return mn, mx, first_nonfinite, first_nonintegral


@kernel(nogil=True)
def _scan_float_block(values, lo, hi):
    # Values no int64 holds (beyond +-2**63) are rare: the first pass notices
    # them only through its min/max (a compare per row would cost 30%), then a
    # second pass flags them and leaves them out of the range.
    mn, mx, first_nonfinite, first_nonintegral = _scan_float_loop(values, lo, hi, False)
    if mn < -_TWO_63 or mx >= _TWO_63:
        mn, mx, first_nonfinite, first_nonintegral = _scan_float_loop(values, lo, hi, True)
    if mn > mx:
        return np.int64(0), np.int64(-1), first_nonfinite, first_nonintegral
    return np.int64(mn), np.int64(mx), first_nonfinite, first_nonintegral


@kernel(parallel=True)
def _scan_parallel(values, n_blocks, is_float):
    out = np.empty((n_blocks, 4), dtype=np.int64)
    n = values.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, b)
        if is_float:
            r = _scan_float_block(values, lo, hi)
            out[b, 0] = r[0]
            out[b, 1] = r[1]
            out[b, 2] = r[2]
            out[b, 3] = r[3]
        else:
            r2 = _scan_int_block(values, lo, hi)
            out[b, 0] = r2[0]
            out[b, 1] = r2[1]
            out[b, 2] = -1
            out[b, 3] = -1
    return out


def _first_found(column):
    found = column[column >= 0]
    return int(found.min()) if found.size else -1


def scan_labels(values):
    """Range and validity of numeric labels; see ``kernels.reference.scan_labels``."""
    n = values.shape[0]
    if n == 0:
        return 0, -1, -1, -1
    if _blocks.is_small(n):
        found = small_inputs.int_label_range(values)
        if found is not None:
            return found[0], found[1], -1, -1
    is_float = values.dtype.kind == "f"
    n_blocks = thread_blocks(n, PARALLEL_MIN_ROWS)
    if n_blocks == 1:
        if is_float:
            lo, hi, a, b = _scan_float_block(values, 0, n)
            return int(lo), int(hi), int(a), int(b)
        lo, hi = _scan_int_block(values, 0, n)
        return int(lo), int(hi), -1, -1
    out = _scan_parallel(values, n_blocks, is_float)
    valid = out[:, 0] <= out[:, 1]
    if not valid.any():
        return 0, -1, _first_found(out[:, 2]), _first_found(out[:, 3])
    return (int(out[valid, 0].min()), int(out[valid, 1].max()),
            _first_found(out[:, 2]), _first_found(out[:, 3]))


# ----------------------------------------------------------------------------
# label_presence: which values of a known range occur
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _presence_block(values, offset, present, lo, hi):
    block = values[lo:hi]
    for i in range(block.shape[0]):
        present[np.int64(block[i]) - offset] = True


@kernel(parallel=True)
def _presence_parallel(values, offset, present):
    n_blocks = present.shape[0]
    n = values.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, b)
        _presence_block(values, offset, present[b], lo, hi)


def label_presence(values, offset, size):
    """Boolean mask of the values ``offset .. offset + size - 1`` that occur."""
    if _blocks.is_small(values.shape[0]):
        return small_inputs.label_presence(values, offset, size)
    n_blocks = thread_blocks(values.shape[0], PARALLEL_MIN_ROWS, size)
    present = np.zeros((n_blocks, size), dtype=np.bool_)
    if n_blocks == 1:
        _presence_block(values, np.int64(offset), present[0], 0, values.shape[0])
        return present[0]
    _presence_parallel(values, np.int64(offset), present)
    return present.any(axis=0)


# ----------------------------------------------------------------------------
# confusion_counts: the general (group, true, pred) histogram
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _count_block(y_true, y_pred, weights, groups, true_lookup, pred_lookup, group_lookup,
                 true_offset, pred_offset, group_offset, threshold, n_classes, n_lanes,
                 counts, sums, block, lo, hi):
    """Count rows ``lo:hi`` into ``counts[block]`` (and ``sums[block]``).

    ``counts[block]`` is a flat table of ``n_lanes * cells`` entries (``n_lanes``
    a power of two): row ``i`` goes to lane ``i % n_lanes`` so that consecutive
    rows hitting the same cell do not wait on each other's store. ``weights``, ``groups`` and ``threshold``
    may be ``None``; Numba compiles one specialization per combination and
    prunes the dead branches, so the plain case pays nothing for the options.
    Indices are cast to uint64: Numba then skips its negative-index
    wraparound check, which makes this loop 1.7x faster.
    """
    k = np.uint64(n_classes)
    cells = np.uint64(counts.shape[1]) // np.uint64(n_lanes)
    lanes_mask = np.uint64(n_lanes - 1)
    first_nonfinite = -1
    neg_code = np.uint64(pred_lookup[0])
    pos_code = np.uint64(pred_lookup[1 if pred_lookup.shape[0] > 1 else 0])
    table = counts[block]
    # Work on slices indexed from 0 (see _scan_int_block for why).
    yt = y_true[lo:hi]
    yp = y_pred[lo:hi]
    if weights is not None:
        w = weights[lo:hi]
        wtable = sums[block]
    if groups is not None:
        gr = groups[lo:hi]
    for i in range(yt.shape[0]):
        t = np.uint64(true_lookup[np.uint64(np.int64(yt[i]) - true_offset)])
        if threshold is None:
            p = np.uint64(pred_lookup[np.uint64(np.int64(yp[i]) - pred_offset)])
        else:
            s = yp[i]
            if s >= threshold:
                p = pos_code
            else:
                p = neg_code
            if s - s != 0.0 and first_nonfinite < 0:
                first_nonfinite = lo + i
        if groups is None:
            cell = t * k + p
        else:
            g = np.uint64(group_lookup[np.uint64(np.int64(gr[i]) - group_offset)])
            cell = (g * k + t) * k + p
        slot = (np.uint64(i) & lanes_mask) * cells + cell
        table[slot] += 1
        if weights is not None:
            wtable[slot] += w[i]
    return first_nonfinite


@kernel(parallel=True)
def _count_parallel(y_true, y_pred, weights, groups, true_lookup, pred_lookup, group_lookup,
                    true_offset, pred_offset, group_offset, threshold, n_classes, n_lanes,
                    counts, sums, first_nonfinite):
    n_blocks = counts.shape[0]
    n = y_true.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, b)
        first_nonfinite[b] = _count_block(
            y_true, y_pred, weights, groups, true_lookup, pred_lookup, group_lookup,
            true_offset, pred_offset, group_offset, threshold, n_classes, n_lanes,
            counts, sums, b, lo, hi)


def confusion_counts(y_true, y_pred, true_lookup, pred_lookup, true_offset, pred_offset,
                     n_classes, weights=None, groups=None, group_lookup=None,
                     group_offset=0, n_groups=1, threshold=None, weight_dtype=np.float64):
    """Count (group, true class, predicted class) cells.

    See ``kernels.reference.confusion_counts`` for the contract. Lookups are
    int64 arrays mapping ``value - offset`` to a class code in ``[0, n_classes)``.
    """
    n = y_true.shape[0]
    cells = n_groups * n_classes * n_classes
    lanes = LANES if cells <= 1024 else 1
    n_blocks = thread_blocks(n, PARALLEL_MIN_ROWS, lanes * cells * 16)
    counts = np.zeros((n_blocks, lanes * cells), dtype=np.int64)
    sums = None if weights is None else np.zeros((n_blocks, lanes * cells), dtype=weight_dtype)
    if group_lookup is None:
        group_lookup = _NO_LOOKUP
    thr = None if threshold is None else float(threshold)
    args = (y_true, y_pred, weights, groups, true_lookup, pred_lookup, group_lookup,
            np.int64(true_offset), np.int64(pred_offset), np.int64(group_offset), thr,
            np.int64(n_classes), np.int64(lanes), counts, sums)
    if n_blocks == 1:
        first_nonfinite = int(_count_block(*args, 0, 0, n))
    else:
        found = np.full(n_blocks, -1, dtype=np.int64)
        _count_parallel(*args, found)
        first_nonfinite = _first_found(found)
    shape = (n_groups, n_classes, n_classes)
    total = counts.reshape(n_blocks, lanes, cells).sum(axis=(0, 1)).reshape(shape)
    total_sums = (None if sums is None
                  else sums.reshape(n_blocks, lanes, cells).sum(axis=(0, 1)).reshape(shape))
    return total, total_sums, first_nonfinite


# ----------------------------------------------------------------------------
# binary_confusion_sums: vectorized fast path for 0/1 labels
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _binary_block(y_true, y_pred, lo, hi):
    sum_true = np.int64(0)
    sum_pred = np.int64(0)
    sum_both = np.int64(0)
    bits = np.int64(0)
    yt = y_true[lo:hi]
    yp = y_pred[lo:hi]
    for i in range(yt.shape[0]):
        t = np.int64(yt[i])
        p = np.int64(yp[i])
        sum_true += t
        sum_pred += p
        sum_both += t & p
        bits |= t | p
    return sum_true, sum_pred, sum_both, bits, np.int64(0)


@kernel(nogil=True)
def _binary_threshold_block(y_true, y_score, threshold, lo, hi):
    sum_true = np.int64(0)
    sum_pred = np.int64(0)
    sum_both = np.int64(0)
    bits = np.int64(0)
    n_nonfinite = np.int64(0)
    yt = y_true[lo:hi]
    ys = y_score[lo:hi]
    for i in range(yt.shape[0]):
        t = np.int64(yt[i])
        s = ys[i]
        p = np.int64(s >= threshold)
        sum_true += t
        sum_pred += p
        sum_both += t & p
        bits |= t
        n_nonfinite += np.int64(s - s != 0.0)
    return sum_true, sum_pred, sum_both, bits, n_nonfinite


@kernel(parallel=True)
def _binary_parallel(y_true, y_pred, threshold, out):
    n_blocks = out.shape[0]
    n = y_true.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, b)
        if threshold is None:
            r = _binary_block(y_true, y_pred, lo, hi)
        else:
            r = _binary_threshold_block(y_true, y_pred, threshold, lo, hi)
        for j in range(5):
            out[b, j] = r[j]


def binary_confusion_sums(y_true, y_pred, threshold=None):
    """Sums behind a binary confusion matrix of 0/1 labels.

    See ``kernels.reference.binary_confusion_sums``. Runs at memory bandwidth;
    the caller checks ``bits <= 1`` before trusting the sums, and searches for
    the first non-finite score only when there is one.
    """
    n = y_true.shape[0]
    thr = None if threshold is None else float(threshold)
    n_blocks = thread_blocks(n, PARALLEL_MIN_ROWS)
    if n_blocks == 1:
        if thr is None:
            r = _binary_block(y_true, y_pred, 0, n)
        else:
            r = _binary_threshold_block(y_true, y_pred, thr, 0, n)
        st, sp, sb, bits, bad = (int(x) for x in r)
    else:
        out = np.zeros((n_blocks, 5), dtype=np.int64)
        _binary_parallel(y_true, y_pred, thr, out)
        st, sp, sb, _, bad = (int(x) for x in out.sum(axis=0))
        bits = int(np.bitwise_or.reduce(out[:, 3]))
    bits &= _UINT64_MASK  # a negative value sets the sign bit: bits > 1, not < 0
    first_nonfinite = -1
    if bad:
        first_nonfinite = int(np.flatnonzero(~np.isfinite(y_pred))[0])
    return n, st, sp, sb, bits, first_nonfinite


# ----------------------------------------------------------------------------
# multilabel_confusion_counts
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _multilabel_block(y_true, y_pred, weights, counts, sums, row_keys, block, lo, hi):
    n_labels = y_true.shape[1]
    base = n_labels + 1
    first_invalid = -1
    yt = y_true[lo:hi]
    yp = y_pred[lo:hi]
    keys = row_keys[lo:hi]
    table = counts[block]
    if weights is not None:
        w = weights[lo:hi]
        wtable = sums[block]
    for i in range(yt.shape[0]):
        tp = 0
        fp = 0
        fn = 0
        for j in range(n_labels):
            a = yt[i, j]
            b = yp[i, j]
            if first_invalid < 0 and ((a != 0 and a != 1) or (b != 0 and b != 1)):
                first_invalid = (lo + i) * n_labels + j
            t = 1 if a != 0 else 0
            p = 1 if b != 0 else 0
            table[j, t, p] += 1
            if weights is not None:
                wtable[j, t, p] += w[i]
            tp += t & p
            fp += (1 - t) & p
            fn += t & (1 - p)
        keys[i] = (np.int64(tp) * base + fp) * base + fn
    return first_invalid


@kernel(parallel=True)
def _multilabel_parallel(y_true, y_pred, weights, counts, sums, row_keys, first_invalid):
    n_blocks = counts.shape[0]
    n = y_true.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, b)
        first_invalid[b] = _multilabel_block(y_true, y_pred, weights, counts, sums,
                                             row_keys, b, lo, hi)


def multilabel_confusion_counts(y_true, y_pred, weights=None, weight_dtype=np.float64):
    """Per-label 2x2 counts and per-row (tp, fp, fn) keys of a multilabel task.

    See ``kernels.reference.multilabel_confusion_counts``.
    """
    n, n_labels = y_true.shape
    n_blocks = thread_blocks(n, PARALLEL_MIN_ROWS, n_labels * 4 * 16)
    counts = np.zeros((n_blocks, n_labels, 2, 2), dtype=np.int64)
    sums = None if weights is None else np.zeros((n_blocks, n_labels, 2, 2),
                                                 dtype=weight_dtype)
    row_keys = np.empty(n, dtype=np.int64)
    if n_blocks == 1:
        first_invalid = int(_multilabel_block(y_true, y_pred, weights, counts, sums,
                                              row_keys, 0, 0, n))
    else:
        found = np.full(n_blocks, -1, dtype=np.int64)
        _multilabel_parallel(y_true, y_pred, weights, counts, sums, row_keys, found)
        first_invalid = _first_found(found)
    total_sums = None if sums is None else sums.sum(axis=0)
    return counts.sum(axis=0), total_sums, row_keys, first_invalid


# ----------------------------------------------------------------------------
# label_codes: class code per row, for kernels that take codes directly
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _codes_block(values, lookup, offset, out, lo, hi):
    block = values[lo:hi]
    dest = out[lo:hi]
    for i in range(block.shape[0]):
        dest[i] = lookup[np.uint64(np.int64(block[i]) - offset)]


@kernel(parallel=True)
def _codes_parallel(values, lookup, offset, out, n_blocks):
    n = values.shape[0]
    for b in prange(n_blocks):
        lo, hi = block_bounds(n, n_blocks, b)
        _codes_block(values, lookup, offset, out, lo, hi)


def label_codes(values, lookup, offset):
    """uint8 class code of each row: ``lookup[values - offset]`` (at most 256 classes).

    One byte per row instead of an int64 temporary: the sort kernels carry the
    code next to each score.
    """
    if _blocks.is_small(values.shape[0]):
        return small_inputs.label_codes(values, lookup, offset)
    out = np.empty(values.shape[0], dtype=np.uint8)
    lookup = lookup.astype(np.uint8)
    n_blocks = thread_blocks(values.shape[0], PARALLEL_MIN_ROWS)
    if n_blocks == 1:
        _codes_block(values, lookup, np.int64(offset), out, 0, values.shape[0])
    else:
        _codes_parallel(values, lookup, np.int64(offset), out, n_blocks)
    return out

"""Numba CPU kernel for binned curves: per (score column, class, bin) histograms.

Twin of ``kernels/reference_binning.py`` (same name, arguments and results).
A binned curve is evaluated at ``T`` fixed thresholds ``t_0 < ... < t_{T-1}``;
a score ``s`` is predicted positive at ``t_j`` iff ``s >= t_j``. So all a curve
needs is, per class, how many rows fall in each of the ``T + 1`` bins

    bin(s) = number of thresholds <= s = searchsorted(thresholds, s, "right"),

bin 0 holding the rows below every threshold. One pass over the rows fills the
histogram (never ``n x T`` comparisons), and histograms of chunks add up.

* Scores are compared in float64 (a float32 score is widened exactly).
* Class codes come as ``lookup[label - offset]`` (as in :mod:`.confusion` and
  :mod:`.calibration`), so no per-row code array is built; a 2-D ``labels``
  array instead holds 0/1 indicators, one per score column (multilabel).
* Equally spaced thresholds (``np.linspace``) find the bin arithmetically:
  ``q = round((s - t_0) / step)`` is the bin or one below it, and one
  comparison with the threshold ``t_q`` settles it. :func:`bin_plan` checks
  that property for the actual float64 thresholds before choosing this path,
  so the result is exactly ``searchsorted`` of the array. Other thresholds go
  through a table of equal-width cells (8 per threshold): the cell of ``s``
  tells which thresholds are certainly below and above it, and a search runs
  only among the (usually zero or one) thresholds of its own cell.
* The kernel never raises on data: a score entry outside ``[lo_ok, hi_ok]``
  (NaN and +-inf included) is skipped and the first is reported, as is the
  first indicator that is not 0 or 1; the caller words the error.

Performance notes (2-core Zen 4, 10^7 float32 scores, int8 labels, 1,000
thresholds): about 12 ms with linspace thresholds and 20 ms with arbitrary
ones on two threads (23 / 45 ms on one); the loop is bound by instructions per
row, not memory (a plain binary search, with its unpredictable branches, was
20x slower; LLVM does not vectorize the gathers here). Each thread gets one
contiguous block of rows (sliced, indexed from 0) and private int64 tables,
summed at the end. Within a block, row ``i`` counts into sub-table
``i % n_lanes`` while the tables stay small: consecutive rows of tied scores
hit the same cell, and separate sub-tables keep those increments from waiting
on each other's store (see :mod:`.confusion`; here it gains 5-10%). Indices
are uint64, which spares Numba's negative-index checks.

The reason this is not :func:`.calibration.calibration_bins`: calibration bins
are closed on the right (``searchsorted(..., "left")`` of the inner edges),
refuse probabilities outside [0, 1] and also sum the probabilities per bin;
binned curves need the other side, any finite score for explicit thresholds,
2-D scores and indicator labels, and nothing but counts in the hot loop.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._blocks import block_bounds, kernel, thread_blocks
from .confusion import _first_found

__all__ = ["score_bins"]

#: Below this many rows the kernel runs on one thread (tests lower it to reach
#: the threaded path on small inputs).
PARALLEL_MIN_ROWS = 1 << 17


#: Interleaved sub-tables per thread (a power of two) while they stay small
#: enough to sit in the core's caches.
LANES = 4
LANE_TABLE_BYTES = 1 << 17

#: Largest finite float64: ``lo_ok``/``hi_ok`` that let every finite score pass.
FINITE = float(np.finfo(np.float64).max)


@kernel(nogil=True, inline="always")
def _bin_right(s, thresholds, uniform, t0, scale, cell_max, cell_starts):
    """``searchsorted(thresholds, s, "right")``: the number of thresholds <= s.

    ``thresholds`` is padded: ``thresholds[0] = -inf``, then the ``T`` real
    ones, then ``+inf``. See :func:`bin_plan` for ``uniform``, ``t0``,
    ``scale``, ``cell_max`` and ``cell_starts``.
    """
    h = (s - t0) * scale
    if not h >= 0.0:  # NaN only where bin_plan chose a single cell
        h = 0.0
    if h > cell_max:
        h = cell_max
    if uniform:
        # q = round(h) is the bin or one below it (bin_plan checked this for
        # every threshold), so one comparison finishes the job.
        q = np.uint64(h + 0.5)
        return q + np.uint64(thresholds[q + np.uint64(1)] <= s)
    # The thresholds of other cells are all below / all above s (the cell
    # index is monotone in s); binary search among those of s's own cell.
    k = np.uint64(h)
    lo = cell_starts[k]
    hi = cell_starts[k + np.uint64(1)]
    if hi - lo <= np.uint64(1):  # the usual case, without a hard-to-predict branch
        return lo + (np.uint64(lo < hi) & np.uint64(thresholds[lo + np.uint64(1)] <= s))
    while lo < hi:
        mid = (lo + hi) >> np.uint64(1)
        if thresholds[mid + np.uint64(1)] <= s:
            lo = mid + np.uint64(1)
        else:
            hi = mid
    return lo


@kernel(nogil=True)
def _bins_block(labels, lookup, offset, scores, thresholds, uniform, t0, scale, cell_max,
                cell_starts, lo_ok, hi_ok, weights, n_classes, n_lanes, counts, sums, block,
                lo, hi):
    """Count rows ``lo:hi`` into the flat tables ``counts[block]`` (``sums[block]``).

    Returns the flat positions ``row * n_columns + column`` of the first score
    outside ``[lo_ok, hi_ok]`` and of the first indicator that is not 0/1
    (-1 when none). ``scores`` and ``labels`` are 1-D or 2-D; Numba compiles one
    version per combination and drops the branches of the others.
    """
    n_bins = np.uint64(thresholds.shape[0] - 1)  # thresholds are padded
    k = np.uint64(n_classes)
    lane_size = np.uint64(counts.shape[1]) // np.uint64(n_lanes)
    lanes_mask = np.uint64(n_lanes - 1)
    table = counts[block]
    yt = labels[lo:hi]
    ys = scores[lo:hi]
    if weights is not None:
        w = weights[lo:hi]
        wtable = sums[block]
    first_bad = -1
    first_bad_label = -1
    if scores.ndim == 1:
        for i in range(ys.shape[0]):
            s = np.float64(ys[i])
            if not (s >= lo_ok and s <= hi_ok):  # NaN fails both compares
                if first_bad < 0:
                    first_bad = lo + i
                continue
            c = np.uint64(lookup[np.uint64(np.int64(yt[i]) - offset)])
            b = np.uint64(_bin_right(s, thresholds, uniform, t0, scale, cell_max,
                                         cell_starts))
            slot = (np.uint64(i) & lanes_mask) * lane_size + c * n_bins + b
            table[slot] += 1
            if weights is not None:
                wtable[slot] += w[i]
        return first_bad, first_bad_label
    n_columns = ys.shape[1]
    for i in range(ys.shape[0]):
        lane = (np.uint64(i) & lanes_mask) * lane_size
        if labels.ndim == 1:
            c = np.uint64(lookup[np.uint64(np.int64(yt[i]) - offset)])
        for j in range(n_columns):
            s = np.float64(ys[i, j])
            if not (s >= lo_ok and s <= hi_ok):
                if first_bad < 0:
                    first_bad = (lo + i) * n_columns + j
                continue
            if labels.ndim == 2:
                v = yt[i, j]
                if v == 0:
                    c = np.uint64(0)
                elif v == 1:
                    c = np.uint64(1)
                else:
                    if first_bad_label < 0:
                        first_bad_label = (lo + i) * n_columns + j
                    continue
            b = np.uint64(_bin_right(s, thresholds, uniform, t0, scale, cell_max,
                                         cell_starts))
            slot = lane + (np.uint64(j) * k + c) * n_bins + b
            table[slot] += 1
            if weights is not None:
                wtable[slot] += w[i]
    return first_bad, first_bad_label


@kernel(parallel=True)
def _bins_parallel(labels, lookup, offset, scores, thresholds, uniform, t0, scale, cell_max,
                   cell_starts, lo_ok, hi_ok, weights, n_classes, n_lanes, counts, sums, found):
    n_blocks = counts.shape[0]
    n = scores.shape[0]
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        r = _bins_block(labels, lookup, offset, scores, thresholds, uniform, t0, scale,
                        cell_max, cell_starts, lo_ok, hi_ok, weights, n_classes, n_lanes,
                        counts, sums, b, lo, hi)
        found[b, 0] = r[0]
        found[b, 1] = r[1]


#: Cells per threshold of the lookup table for thresholds that are not evenly
#: spaced: most cells then hold no threshold, and few more than one.
CELLS_PER_THRESHOLD = 8
MAX_CELLS = 1 << 22


def _cell_index(x, t0, scale, cell_max):
    """The kernel's ``h`` (clamped ``(x - t0) * scale``) for an array ``x``, in numpy."""
    with np.errstate(invalid="ignore", over="ignore"):
        h = (x - t0) * scale
    h = np.where(h >= 0.0, h, 0.0)
    return np.minimum(h, cell_max)


def bin_plan(thresholds):
    """How the kernel finds bins: ``(padded, uniform, t0, scale, cell_max, cell_starts)``.

    ``padded`` is ``[-inf, *thresholds, +inf]``. With ``h = clip((s - t0) *
    scale, 0, cell_max)`` (NaN counts as 0):

    * ``uniform``: ``round(h)`` is the bin of ``s`` or one below it, for every
      float64 ``s``. That holds for ``np.linspace`` thresholds; it is checked
      here, not assumed: ``round(h)`` is monotone in ``s`` and the bin is a
      step function, so checking it at every threshold and just below it
      covers all ``s``.
    * otherwise ``s`` lies in cell ``floor(h)`` of ``cell_max + 1`` cells and
      ``cell_starts[k]`` is the number of thresholds in cells before ``k``: the
      thresholds of other cells are all below or all above ``s``, so only
      those of its own cell are searched.
    """
    t = np.ascontiguousarray(thresholds, dtype=np.float64)
    n_t = t.shape[0]
    padded = np.concatenate([[-np.inf], t, [np.inf]])
    t0 = float(t[0])
    if n_t >= 2:
        with np.errstate(over="ignore", divide="ignore"):
            scale = (n_t - 1) / (t[-1] - t[0])
        if np.isfinite(scale) and scale > 0:
            cell_max = float(n_t - 1)
            q_at = (_cell_index(t, t0, scale, cell_max) + 0.5).astype(np.int64)
            below = np.nextafter(t, -np.inf)
            q_below = (_cell_index(below, t0, scale, cell_max) + 0.5).astype(np.int64)
            j = np.arange(n_t)
            if (q_at >= j).all() and (q_below <= j).all():
                return padded, True, t0, float(scale), cell_max, np.zeros(1, np.uint64)
    n_cells = min(CELLS_PER_THRESHOLD * n_t, MAX_CELLS)
    scale = 0.0
    if n_t >= 2:
        with np.errstate(over="ignore", divide="ignore"):
            scale = n_cells / (t[-1] - t[0])
        if not (np.isfinite(scale) and scale > 0):
            n_cells, scale = 1, 0.0
    else:
        n_cells = 1
    cell_max = float(n_cells - 1)
    cell_of = _cell_index(t, t0, scale, cell_max).astype(np.int64)
    starts = np.searchsorted(cell_of, np.arange(n_cells + 1), side="left").astype(np.uint64)
    return padded, False, t0, float(scale), cell_max, starts


def score_bins(labels, lookup, offset, n_classes, scores, thresholds, lo_ok=-FINITE,
               hi_ok=FINITE, weights=None):
    """Per (score column, class, bin) counts; see the reference twin for the contract."""
    n = scores.shape[0]
    n_columns = 1 if scores.ndim == 1 else scores.shape[1]
    if labels.ndim == 2:
        n_classes = 2
        lookup = np.zeros(1, dtype=np.int64)
    padded, uniform, t0, scale, cell_max, cell_starts = bin_plan(thresholds)
    n_bins = padded.shape[0] - 1
    cells = n_columns * n_classes * n_bins
    weighted = weights is not None
    cell_bytes = 16 if weighted else 8
    lanes = LANES if LANES * cells * cell_bytes <= LANE_TABLE_BYTES else 1
    n_blk = thread_blocks(n, PARALLEL_MIN_ROWS, lanes * cells * cell_bytes)
    counts = np.zeros((n_blk, lanes * cells), dtype=np.int64)
    sums = np.zeros((n_blk, lanes * cells), dtype=np.float64) if weighted else None
    args = (labels, lookup, np.int64(offset), scores, padded, uniform, np.float64(t0),
            np.float64(scale), np.float64(cell_max), cell_starts, np.float64(lo_ok),
            np.float64(hi_ok), weights, np.int64(n_classes), np.int64(lanes), counts, sums)
    if n_blk == 1:
        first_bad, first_bad_label = (int(x) for x in _bins_block(*args, 0, 0, n))
    else:
        found = np.full((n_blk, 2), -1, dtype=np.int64)
        _bins_parallel(*args, found)
        first_bad, first_bad_label = _first_found(found[:, 0]), _first_found(found[:, 1])
    shape = (lanes, n_columns, n_classes, n_bins)
    counts = counts.reshape((n_blk,) + shape).sum(axis=(0, 1))
    if weighted:
        sums = sums.reshape((n_blk,) + shape).sum(axis=(0, 1))
    return counts, sums, first_bad, first_bad_label

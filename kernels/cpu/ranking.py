"""Numba CPU kernels for ranking metrics: the table of distinct scores.

Twins of the functions of the same names in ``kernels/reference.py``. Exact
curves (PR, ROC, DET), ROC AUC and average precision of a binary target need,
per distinct score in descending order, how many positive and negative rows
(and how much positive and negative weight) carry that score. Building that
table is a sort, and the sort is the whole cost.

How it is built (measured on the 2-core Zen 4 development machine; the
figures are in ``benchmarks/sort_probe.py``'s table):

* **Keys.** A float's bits, with the sign bit flipped for positives and every
  bit flipped for negatives, order as unsigned integers the way the floats
  order as numbers (``score_keys``). ``-0.0`` is mapped to ``+0.0`` first:
  scikit-learn treats them as one threshold. The sort works on the bitwise
  complement of that key, so that its ascending order is the descending score
  order of the curves; ties keep the row order, so weights add up in row
  order, as ``np.bincount`` adds them.
* **Few distinct scores** (rounded probabilities, small integer scores): no
  sort. An open-addressing hash table counts the rows per distinct key in one
  pass (one table per thread), and only the distinct keys are sorted. The
  table starts small and grows, so that a few keys touch few pages; it is
  abandoned as soon as it would hold more than ``HASH_MAX_DISTINCT`` keys or
  one per ``HASH_ROWS_PER_KEY`` rows, which bounds the wasted work (a few
  percent of a pass). 10^7 rows with 1,000 distinct scores take ~14 ms
  instead of the sort's 80-135 ms.
* **Otherwise an LSD radix sort with 8-bit digits.** A scatter to 256 buckets
  runs at about 1 ns per row; 1,024 or 2,048 buckets (10- or 11-bit digits,
  fewer passes) ran 3-4x slower per pass here (TLB and cache-line pressure of
  that many write streams; the VM gives no huge pages), more than the saved
  passes. float32 keys take 4 passes, float64 keys 8. Passes over digits
  that no key changes are skipped (float32 values held in float64 skip 3),
  and so are digits constant within each label.
* **Labels are not carried.** The first pass reads scores and labels and
  scatters negatives' keys into ``[0, n_neg)``, positives' into
  ``[n_neg, n)``; the later passes sort the two segments side by side. A
  final merge of the two sorted segments counts equal keys. A float32 row
  thus moves 4 bytes per pass, not 8 (key and label packed into a uint64),
  and needs 8 bytes of buffers instead of 16. The merge is branch-free; it
  runs at the speed of writing the table (20-24 bytes per distinct score).
* **Weights** ride along: each key carries its float64 weight through the
  passes. Carrying a 4-byte row index instead and gathering the weights in
  the merge ran 5x slower (random reads over the weights miss TLB and caches).
* **Two threads.** Each pass is a parallel histogram (one contiguous block of
  rows per thread, per segment) and a parallel scatter to per-thread,
  per-bucket offsets: no atomics, and the sort stays stable. The merge splits
  at key values into one part per thread; each part only knows a bound of its
  size, so pairs of parts write towards each other from a common edge and the
  table comes out without gaps. ``PARALLEL_MIN_ROWS`` /
  ``HASH_PARALLEL_MIN_ROWS`` are where two threads started to win.
* **Memory.** The keys plus one scratch buffer of the same size (4 or 8 bytes
  per row), with weights also two float64 buffers: at most 2x the input.
  When the merge runs the scratch buffers are free and their pages already
  touched, so the thresholds (and positive weight sums) are written there.
  The counts get fresh arrays as long as the keys, of which only the pages
  written are ever touched; on one thread they are then shrunk in place, on
  more the table is a slice of them. On this VM touching fresh pages costs
  more than sorting in them (DESIGN.md section 9).

Kernels never raise on data: callers check for NaN first (``count_nonfinite``).
Any nonzero label counts as positive.
"""

from __future__ import annotations

import ctypes

import numpy as np
from numba import prange

from . import _blocks, small_inputs
from ._blocks import block_bounds, kernel, n_blocks

__all__ = [
    "score_keys",
    "count_nonfinite",
    "distinct_score_table",
    "distinct_score_counts",
    "distinct_score_areas",
    "merge_score_tables",
]

#: Below this many rows a kernel runs on one thread: starting the thread pool
#: and the extra histograms cost more than they save. Measured on 2 cores: the
#: radix sort of 2**17 rows ran 15-30% faster on one thread (its keys fit in
#: the L2 cache), that of 2**18 rows 1.6x faster on two.
PARALLEL_MIN_ROWS = 1 << 18

#: The same for the hash-count path, which has no per-pass overhead: two
#: threads won from 2**16 rows on.
HASH_PARALLEL_MIN_ROWS = 1 << 16

#: The hash-count path gives up once it has seen more distinct keys than this,
#: or more than one per ``HASH_ROWS_PER_KEY`` rows (it pays off only when
#: there are many rows per distinct score).
HASH_MAX_DISTINCT = 1 << 17
HASH_ROWS_PER_KEY = 64

#: Inputs shorter than this go straight to the radix sort: the hash path
#: saves little on them.
HASH_MIN_ROWS = 1 << 10

#: Slots the hash table starts with (a power of two; it grows 4x when a quarter
#: full). Smaller starts touch fewer pages but probe more often: on 1,000
#: distinct scores 2**12 slots ran 1.4x and 2**14 1.2x slower than 2**16
#: (1.5 MiB per thread, in L2/L3).
HASH_INITIAL_SLOTS = 1 << 16

#: Bits per radix digit and buckets per pass (see the module docstring).
DIGIT_BITS = 8
RADIX = 1 << DIGIT_BITS

# Compile time: every distinct argument-type signature of a kernel is one more
# compilation (about 0.5 s each; a user's first-ever call waits for them, and
# so does a test run on a cold cache). So the ``prange`` loops cast their index
# to int64 before passing it on (Numba types it uint64 in some loops and int64
# in others), absent weights are an empty array rather than ``None``, and runs
# on one thread go through the same parallel kernels with a single block
# (about 2 us more per call than a separate one-thread twin).

_KEY_DTYPE = {np.dtype(np.float32): np.dtype(np.uint32),
              np.dtype(np.float64): np.dtype(np.uint64)}

#: Stands in for absent weights (and their buffers and sums): the kernels test
#: ``w.shape[0] != 0``, a loop-invariant branch that LLVM hoists out of the
#: radix loops (measured: no cost); the hash loop is inlined twice instead.
_NO_WEIGHTS = np.zeros(0, dtype=np.float64)


def _n_blocks(n_rows: int, min_rows: int | None = None) -> int:
    # PARALLEL_MIN_ROWS is read at call time: tests lower it.
    return n_blocks(n_rows, PARALLEL_MIN_ROWS if min_rows is None else min_rows)


# ----------------------------------------------------------------------------
# Keys
# ----------------------------------------------------------------------------

@kernel(nogil=True, inline="always")
def _sort_key(u, sign_shift, low_mask):
    """Sort key of a float's bits ``u`` (as uint64): ascending key = descending score.

    ``-0.0`` becomes ``+0.0``. Negative floats keep their bits (a larger
    magnitude is a larger key), positive ones flip every bit below the sign.
    The map is its own inverse on keys of non-negative-zero floats
    (``_key_bits``).
    """
    if u == np.uint64(1) << sign_shift:
        u = np.uint64(0)
    return u ^ (((u >> sign_shift) - np.uint64(1)) & low_mask)


@kernel(nogil=True, inline="always")
def _key_bits(k, sign_shift, low_mask):
    """The float bits of sort key ``k`` (inverse of ``_sort_key``)."""
    return k ^ (((k >> sign_shift) - np.uint64(1)) & low_mask)


@kernel(nogil=True)
def _score_keys_block(bits, out, sign_shift, low_mask, lo, hi):
    src = bits[lo:hi]
    dst = out[lo:hi]
    full = (low_mask << np.uint64(1)) | np.uint64(1)
    for i in range(src.shape[0]):
        dst[i] = _sort_key(np.uint64(src[i]), sign_shift, low_mask) ^ full


@kernel(parallel=True)
def _score_keys_parallel(bits, out, sign_shift, low_mask, n_blocks):
    n = bits.shape[0]
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        _score_keys_block(bits, out, sign_shift, low_mask, lo, hi)


def _key_params(dtype):
    bits = np.dtype(dtype).itemsize * 8
    return np.uint64(bits - 1), np.uint64((1 << (bits - 1)) - 1)


def _key_dtype(dtype):
    try:
        return _KEY_DTYPE[np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"scores must be float32 or float64, not {dtype} (cast them to "
                        "float64 first)") from None


def score_keys(scores):
    """Unsigned keys ordered like the scores; see ``kernels.reference.score_keys``."""
    scores = np.ascontiguousarray(scores)
    kdt = _key_dtype(scores.dtype)
    sign_shift, low_mask = _key_params(scores.dtype)
    bits = scores.view(kdt)
    out = np.empty(scores.shape[0], dtype=kdt)
    _score_keys_parallel(bits, out, sign_shift, low_mask, _n_blocks(scores.shape[0]))
    return out


# ----------------------------------------------------------------------------
# count_nonfinite
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _nonfinite_block(scores, lo, hi):
    block = scores[lo:hi]
    count = np.int64(0)
    for i in range(block.shape[0]):
        v = block[i]
        count += np.int64(v - v != 0.0)  # NaN or +-inf; vectorizes
    return count


@kernel(nogil=True)
def _first_nonfinite(scores, lo, hi):
    block = scores[lo:hi]
    for i in range(block.shape[0]):
        v = block[i]
        if v - v != 0.0:
            return lo + i
    return -1


@kernel(parallel=True)
def _nonfinite_parallel(scores, n_blocks):
    """Per block: (count, first row) of NaN/inf; the search runs only where found."""
    n = scores.shape[0]
    out = np.full((n_blocks, 2), -1, dtype=np.int64)
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        out[b, 0] = _nonfinite_block(scores, lo, hi)
        if out[b, 0] > 0:
            out[b, 1] = _first_nonfinite(scores, lo, hi)
    return out


def count_nonfinite(scores):
    """``(count, first_index)`` of NaN/inf scores; ``(0, -1)`` when all are finite."""
    if _blocks.is_small(scores.shape[0]):
        return small_inputs.nonfinite(scores)
    counts = _nonfinite_parallel(scores, _n_blocks(scores.shape[0]))
    count = int(counts[:, 0].sum())
    found = counts[counts[:, 1] >= 0, 1]
    return count, (int(found.min()) if count else -1)


# ----------------------------------------------------------------------------
# distinct_score_table: radix path
# ----------------------------------------------------------------------------

@kernel(nogil=True, inline="always")
def _first_bucket(k, label):
    """Bucket of the first pass: the label, then the lowest digit of key ``k``."""
    return (np.uint64(label != 0) << np.uint64(DIGIT_BITS)) | (k & np.uint64(RADIX - 1))


@kernel(nogil=True)
def _first_hist_block(bits, labels, sign_shift, low_mask, hist, varying, lo, hi):
    """Histogram of (label, lowest digit) over rows ``lo:hi`` into ``hist`` (2 * RADIX).

    Also stores in ``varying`` the key bits that differ between rows, and the
    block's first key: passes over digits that no key changes are then skipped
    without a histogram (float32 values held in float64, for instance, leave
    the lowest 29 bits alone). Unlike ``_hist_block`` a single table: here the
    key arithmetic, not the increment, is the bottleneck, and interleaved
    sub-tables ran 1.5x slower.
    """
    src = bits[lo:hi]
    lab = labels[lo:hi]
    if src.shape[0] == 0:
        return
    first = _sort_key(np.uint64(src[0]), sign_shift, low_mask)
    diff = np.uint64(0)
    for i in range(src.shape[0]):
        k = _sort_key(np.uint64(src[i]), sign_shift, low_mask)
        diff |= k ^ first
        hist[_first_bucket(k, lab[i])] += 1
    varying[0] = diff
    varying[1] = first


@kernel(nogil=True)
def _first_scatter_block(bits, labels, weights, keys, wkeys, sign_shift, low_mask, offsets,
                         lo, hi):
    """First pass, straight from the scores: key, split by label, bucket by digit 0.

    With weights, each key carries its row's weight along (``wkeys``);
    without, both are empty.
    """
    src = bits[lo:hi]
    lab = labels[lo:hi]
    weighted = weights.shape[0] != 0
    w = weights[lo:hi] if weighted else weights
    for i in range(src.shape[0]):
        k = _sort_key(np.uint64(src[i]), sign_shift, low_mask)
        j = _first_bucket(k, lab[i])
        o = offsets[j]
        keys[np.uint64(o)] = k
        if weighted:
            wkeys[np.uint64(o)] = w[i]
        offsets[j] = o + 1


@kernel(nogil=True)
def _hist_block(keys, shift, hist, lo, hi):
    """Histogram of the digit at ``shift`` over ``keys[lo:hi]`` (four sub-histograms)."""
    src = keys[lo:hi]
    m = src.shape[0]
    mask = np.uint64(RADIX - 1)
    lanes = np.zeros((4, RADIX), dtype=np.int64)
    l0 = lanes[0]
    l1 = lanes[1]
    l2 = lanes[2]
    l3 = lanes[3]
    q = m - m % 4
    for i in range(0, q, 4):
        l0[(np.uint64(src[i]) >> shift) & mask] += 1
        l1[(np.uint64(src[i + 1]) >> shift) & mask] += 1
        l2[(np.uint64(src[i + 2]) >> shift) & mask] += 1
        l3[(np.uint64(src[i + 3]) >> shift) & mask] += 1
    for i in range(q, m):
        l0[(np.uint64(src[i]) >> shift) & mask] += 1
    for d in range(RADIX):
        hist[d] += l0[d] + l1[d] + l2[d] + l3[d]


@kernel(nogil=True)
def _scatter_block(src, dst, psrc, pdst, shift, offsets, lo, hi):
    """One LSD pass over rows ``lo:hi``: each key (and payload) to its bucket's next slot.

    ``psrc``/``pdst``: the payload, or empty arrays for none.
    """
    block = src[lo:hi]
    carry = psrc.shape[0] != 0
    pblock = psrc[lo:hi] if carry else psrc
    for i in range(block.shape[0]):
        k = block[i]
        d = (np.uint64(k) >> shift) & np.uint64(RADIX - 1)
        o = offsets[d]
        dst[np.uint64(o)] = k
        if carry:
            pdst[np.uint64(o)] = pblock[i]
        offsets[d] = o + 1


@kernel(nogil=True, inline="always")
def _segment_parts(n, n_neg, n_blocks, b):
    """Rows of block ``b`` that are negatives' keys, and those that are positives'."""
    lo, hi = block_bounds(n, n_blocks, b)
    return lo, min(hi, n_neg), max(lo, n_neg), hi


@kernel(nogil=True)
def _pass_hist(keys, shift, n_neg, hist, b):
    """Histogram of block ``b`` (per segment) into ``hist[b]`` of shape (2, RADIX)."""
    n_blocks = hist.shape[0]
    a0, a1, b0, b1 = _segment_parts(keys.shape[0], n_neg, n_blocks, b)
    hist[b] = 0
    _hist_block(keys, shift, hist[b, 0], a0, a1)
    _hist_block(keys, shift, hist[b, 1], b0, b1)


@kernel(nogil=True)
def _pass_scatter(src, dst, psrc, pdst, shift, n_neg, offsets, b):
    n_blocks = offsets.shape[0]
    a0, a1, b0, b1 = _segment_parts(src.shape[0], n_neg, n_blocks, b)
    _scatter_block(src, dst, psrc, pdst, shift, offsets[b, 0], a0, a1)
    _scatter_block(src, dst, psrc, pdst, shift, offsets[b, 1], b0, b1)


@kernel(nogil=True)
def _offsets(hist, seg_start, offsets):
    """Per (block, segment, bucket) start positions; False if no key would move.

    ``hist`` is (blocks, 2, RADIX). Buckets of a segment follow each other from
    the segment's start; within a bucket, block 0's keys come first (stable).
    """
    n_blocks = hist.shape[0]
    moves = False
    for s in range(2):
        pos = seg_start[s]
        for d in range(RADIX):
            in_bucket = 0
            for b in range(n_blocks):
                offsets[b, s, d] = pos
                pos += hist[b, s, d]
                in_bucket += hist[b, s, d]
            if 0 < in_bucket < seg_start[s + 1] - seg_start[s]:
                moves = True
    return moves


@kernel(parallel=True)
def _first_pass(bits, labels, weights, keys, wkeys, sign_shift, low_mask, hist, varying,
                seg_start, offsets):
    """Pass 0, straight from the scores, over ``hist.shape[0]`` row blocks in parallel.

    Histograms (label, digit 0) per block, places the segments (``seg_start``
    = 0, n_neg, n), and scatters every key (and weight) into its segment.
    """
    n = bits.shape[0]
    n_blocks = hist.shape[0]
    flat_hist = hist.reshape(n_blocks, 2 * RADIX)
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        _first_hist_block(bits, labels, sign_shift, low_mask, flat_hist[b], varying[b], lo, hi)
    n_neg = 0
    for b in range(n_blocks):
        for d in range(RADIX):
            n_neg += hist[b, 0, d]
    seg_start[0] = 0
    seg_start[1] = n_neg
    seg_start[2] = n
    _offsets(hist, seg_start, offsets)
    flat_offsets = offsets.reshape(n_blocks, 2 * RADIX)
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        _first_scatter_block(bits, labels, weights, keys, wkeys, sign_shift, low_mask,
                             flat_offsets[b], lo, hi)


@kernel(parallel=True)
def _radix_pass(src, dst, psrc, pdst, shift, seg_start, hist, offsets):
    """One LSD pass over both segments, in parallel blocks; False if nothing moved."""
    n_neg = seg_start[1]
    for bb in prange(hist.shape[0]):
        b = np.int64(bb)
        _pass_hist(src, shift, n_neg, hist, b)
    if not _offsets(hist, seg_start, offsets):
        return False  # the digit is constant within each segment (not across them)
    for bb in prange(hist.shape[0]):
        b = np.int64(bb)
        _pass_scatter(src, dst, psrc, pdst, shift, n_neg, offsets, b)
    return True


@kernel(nogil=True, inline="always")
def _lower_bound(keys, lo, hi, key):
    """First index of ascending ``keys[lo:hi]`` holding a key ``>= key`` (else ``hi``)."""
    while lo < hi:
        mid = (lo + hi) // 2
        if keys[mid] < key:
            lo = mid + 1
        else:
            hi = mid
    return lo


@kernel(nogil=True, inline="always")
def _merge_parts(keys, n_neg, n_parts):
    """Split the merge of both sorted segments into ``n_parts`` independent parts.

    Returns ``(n_parts, 4)`` int64 rows ``(i, i_end, j, j_end)``: part ``t``
    merges negatives ``keys[i:i_end]`` with positives ``keys[j:j_end]``.
    Splits fall on key values taken at quantiles of the longer segment, so
    equal keys stay in one part.
    """
    n = keys.shape[0]
    parts = np.zeros((n_parts, 4), dtype=np.int64)
    long_lo, long_hi = (0, n_neg) if n_neg >= n - n_neg else (n_neg, n)
    i = 0
    j = n_neg
    for t in range(n_parts):
        if t == n_parts - 1:
            i_end = n_neg
            j_end = n
        else:
            pivot = keys[long_lo + (long_hi - long_lo) * (t + 1) // n_parts]
            i_end = max(i, _lower_bound(keys, np.int64(0), n_neg, pivot))
            j_end = max(j, _lower_bound(keys, n_neg, n, pivot))
        parts[t, 0] = i
        parts[t, 1] = i_end
        parts[t, 2] = j
        parts[t, 3] = j_end
        i = i_end
        j = j_end
    return parts


@kernel(nogil=True)
def _merge_part(keys, wkeys, parts, t, sign_shift, low_mask, out_bits, pos, neg, pos_w,
                neg_w, edge):
    """Merge part ``t`` into table entries; returns how many it wrote.

    Even parts but the last write downward, ending just below entry ``edge``
    (merging from the largest keys), the others upward from ``edge``: each
    even part and the odd part after it then meet at their common edge, with
    no gap between them, although each only knows a bound of its size.

    Branch-free where it matters: each step takes the head key that comes first
    (the negative on a tie), and a new table entry starts where the key
    changes; the running counts and sums are stored every step, so the last
    store of a run leaves its totals. Loads are guarded by branches that are
    predictable (a part ends once), not by sentinels, so NaN bit patterns cannot
    send an index out of its segment.
    """
    down = t % 2 == 0 and t < parts.shape[0] - 1
    total = (parts[t, 1] - parts[t, 0]) + (parts[t, 3] - parts[t, 2])
    if total == 0:
        return 0
    # Unsigned indices and steps (-1 wraps around): no negative-index checks,
    # and no multiply on the loop-carried chain index -> load -> compare.
    zero = np.uint64(0)
    step = zero - np.uint64(1) if down else np.uint64(1)
    if down:
        i, i_stop = np.uint64(parts[t, 1] - 1), np.uint64(parts[t, 0] - 1)
        j, j_stop = np.uint64(parts[t, 3] - 1), np.uint64(parts[t, 2] - 1)
        u = np.uint64(edge)
    else:
        i, i_stop = np.uint64(parts[t, 0]), np.uint64(parts[t, 1])
        j, j_stop = np.uint64(parts[t, 2]), np.uint64(parts[t, 3])
        u = np.uint64(edge) - np.uint64(1)  # the index before the first entry
    prev = np.uint64(keys[i] if i != i_stop else keys[j]) ^ np.uint64(1)  # != first key
    c_pos = np.int64(0)
    c_neg = np.int64(0)
    s_pos = 0.0
    s_neg = 0.0
    weighted = wkeys.shape[0] != 0  # else wkeys, pos_w and neg_w are empty
    for _ in range(total):
        has_a = i != i_stop
        has_b = j != j_stop
        a = np.uint64(keys[i]) if has_a else zero
        b = np.uint64(keys[j]) if has_b else zero
        b_first = b > a if down else b < a
        take_b = has_b and (not has_a or b_first)
        k = b if take_b else a
        if weighted:
            wa = wkeys[i] if has_a else 0.0
            wb = wkeys[j] if has_b else 0.0
        i += zero if take_b else step
        j += step if take_b else zero
        new = k != prev
        prev = k
        u += step if new else zero
        c_pos = (0 if new else c_pos) + np.int64(take_b)
        c_neg = (0 if new else c_neg) + np.int64(not take_b)
        pos[u] = c_pos
        neg[u] = c_neg
        out_bits[u] = _key_bits(k, sign_shift, low_mask)
        if weighted:
            s_pos = (0.0 if new else s_pos) + (wb if take_b else 0.0)
            s_neg = (0.0 if new else s_neg) + (0.0 if take_b else wa)
            pos_w[u] = s_pos
            neg_w[u] = s_neg
    return np.int64(edge - np.int64(u)) if down else np.int64(np.int64(u) + 1 - edge)


@kernel(parallel=True)
def _merge_parallel(keys, wkeys, n_neg, sign_shift, low_mask, out_bits, pos, neg, pos_w,
                    neg_w, edges, used):
    """Merge the sorted segments into the table, one part per entry of ``used``.

    A part writes at most one entry per key it merges, so the keys before it
    bound where its entries go; pairs of parts meet at the start of the odd
    one (see ``_merge_part``). The outputs are as long as ``keys``; ``edges``
    and ``used`` say where the entries landed (``_merge_spans``).
    """
    n_parts = used.shape[0]
    parts = _merge_parts(keys, n_neg, n_parts)
    for t in range(n_parts):
        edges[t] = parts[t, 0] + (parts[t, 2] - n_neg)  # keys merged by earlier parts
    for t in range(0, n_parts - 1, 2):
        edges[t] = edges[t + 1]
    for tt in prange(n_parts):
        t = np.int64(tt)
        used[t] = _merge_part(keys, wkeys, parts, t, sign_shift, low_mask, out_bits, pos,
                              neg, pos_w, neg_w, edges[t])


def _merge_spans(edges, used):
    """``(lo, hi)`` of the filled entries of each pair of parts (or lone last part)."""
    spans = []
    n_parts = edges.shape[0]
    t = 0
    while t < n_parts:
        if t + 1 < n_parts:
            spans.append((int(edges[t] - used[t]), int(edges[t + 1] + used[t + 1])))
            t += 2
        else:
            spans.append((int(edges[t]), int(edges[t] + used[t])))
            t += 1
    return spans


def _move_down(a, src, dst, count):
    """``a[dst:dst + count] = a[src:src + count]`` in place (overlapping: memmove)."""
    if count > 0 and src != dst:
        size = a.itemsize
        ctypes.memmove(a.ctypes.data + dst * size, a.ctypes.data + src * size, count * size)


def _radix_sorted(bits, labels, weights, sign_shift, low_mask, kdt):
    """Sort the keys: negatives' in ``keys[:n_neg]``, positives' in ``keys[n_neg:]``.

    Returns ``(keys, wkeys, scratch, wscratch, n_neg, n_blocks)``; the scratch
    buffers are free (and their pages touched) once this returns.
    """
    n = bits.shape[0]
    n_blocks = _n_blocks(n)
    keys = np.empty(n, dtype=kdt)
    scratch = np.empty(n, dtype=kdt)
    # With weights each key carries its weight through the passes. (Carrying a
    # 4-byte row index instead, and gathering the weights in the merge, ran 5x
    # slower here: random reads over the weights miss the TLB and the caches.)
    weighted = weights.shape[0] != 0
    wkeys = wscratch = _NO_WEIGHTS
    if weighted:
        wkeys = np.empty(n, dtype=np.float64)
        wscratch = np.empty(n, dtype=np.float64)
    hist = np.zeros((n_blocks, 2, RADIX), dtype=np.int64)
    offsets = np.empty((n_blocks, 2, RADIX), dtype=np.int64)
    varying = np.zeros((n_blocks, 2), dtype=np.uint64)  # (bits that vary, first key)
    seg_start = np.zeros(3, dtype=np.int64)
    _first_pass(bits, labels, weights, keys, wkeys, sign_shift, low_mask, hist, varying,
                seg_start, offsets)
    step = -(-n // n_blocks)
    blocks_used = np.arange(n_blocks) * step < n  # the last blocks of few rows are empty
    varies = int(np.bitwise_or.reduce(varying[blocks_used, 0]
                                      | (varying[blocks_used, 1] ^ varying[0, 1])))
    n_neg = int(seg_start[1])
    # Later passes sort both segments, from keys to scratch and back.
    for p in range(1, kdt.itemsize * 8 // DIGIT_BITS):
        if (varies >> (p * DIGIT_BITS)) & (RADIX - 1) == 0:
            continue  # no key differs in this digit
        if _radix_pass(keys, scratch, wkeys, wscratch, np.uint64(p * DIGIT_BITS), seg_start,
                       hist, offsets):
            keys, scratch = scratch, keys
            wkeys, wscratch = wscratch, wkeys
    return keys, wkeys, scratch, wscratch, n_neg, n_blocks


def _radix_table(bits, labels, weights, sign_shift, low_mask, kdt):
    """The distinct-score table by LSD radix sort (see the module docstring).

    One code path for any number of row blocks: Numba's parallel functions
    run a single block inline at a cost of about 2 us per call, and compiling
    separate one-thread twins doubled the first-ever compile time.
    """
    n = bits.shape[0]
    weighted = weights.shape[0] != 0
    keys, wkeys, scratch, wscratch, n_neg, n_blocks = _radix_sorted(
        bits, labels, weights, sign_shift, low_mask, kdt)
    # Merge both segments into the table, in parallel parts. A part knows only
    # a bound of its size (the keys it merges), so the outputs are as long as
    # the keys and pairs of parts write towards each other from a common edge:
    # with two threads the table comes out without a gap. Pages never written
    # are never touched. The scratch buffers are free now and their pages
    # already touched: the thresholds (and positive weight sums) go there.
    # Fresh pages cost more than the sort itself on a VM that hands freed
    # memory back to its host.
    # Both count rows live in one (2, n) buffer (negatives' row first), so the
    # caller gets its (2, U) class-count table as a view, without a copy.
    recycled = [True, False, False, True, False]
    counts = np.empty((2, n), dtype=np.int64)
    out = [scratch, counts[1], counts[0], _NO_WEIGHTS, _NO_WEIGHTS]
    if weighted:
        out[3] = wscratch
        out[4] = np.empty(n, dtype=np.float64)
    del scratch, wscratch
    edges = np.empty(n_blocks, dtype=np.int64)
    used = np.empty(n_blocks, dtype=np.int64)
    _merge_parallel(keys, wkeys, n_neg, sign_shift, low_mask, *out, edges, used)
    del keys, wkeys
    spans = _merge_spans(edges, used)
    lo = spans[0][0]
    hi = spans[0][1]
    if not weighted:
        del out[3:]
    for s_lo, s_hi in spans[1:]:  # more than two threads: close the gaps
        for a in out:
            _move_down(a, s_lo, hi, s_hi - s_lo)
        hi += s_hi - s_lo
    for k, a in enumerate(out):
        if recycled[k] or (lo == 0 and a.base is None):
            if lo > 0:
                _move_down(a, lo, 0, hi - lo)
            a.resize(hi - lo, refcheck=False)  # shrinks in place, no copy
        else:
            out[k] = a[lo:hi]  # the pages below lo were never touched
    if not weighted:
        out += [None, None]
    return out[0], counts[:, lo:hi], out[3], out[4]


# ----------------------------------------------------------------------------
# distinct_score_table: hash path for few distinct scores
# ----------------------------------------------------------------------------

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # multiplicative (Fibonacci) hashing


@kernel(nogil=True, inline="always")
def _hash_find(table, tag, k, shift, mask):
    """Slot of ``tag`` in ``table[:mask + 1]``, or the empty slot where it belongs."""
    h = (k * _GOLDEN) >> shift
    while True:
        e = table[h, 0]
        if e == tag or e == 0:
            return h
        h = (h + np.uint64(1)) & mask


@kernel(nogil=True)
def _hash_grow(table, sums, size, new_size, weighted):
    """Rehash the ``size`` slots in use into the first ``new_size`` slots."""
    old = table[:size].copy()
    table[:size] = 0
    if weighted:
        old_sums = sums[:size].copy()
        sums[:size] = 0.0
    shift = np.uint64(64 - int(np.log2(new_size)))
    mask = np.uint64(new_size - 1)
    for r in range(size):
        tag = old[r, 0]
        if tag != 0:
            h = _hash_find(table, tag, ~tag, shift, mask)
            table[h, 0] = tag
            table[h, 1] = old[r, 1]
            table[h, 2] = old[r, 2]
            if weighted:
                sums[h, 0] = old_sums[r, 0]
                sums[h, 1] = old_sums[r, 1]


@kernel(nogil=True, inline="always")
def _hash_rows(src, lab, w, weighted, sign_shift, low_mask, table, sums, max_distinct, size):
    """The counting loop of ``_hash_count_block``; returns ``(keys or -1, slots)``.

    Inlined twice, with ``weighted`` a constant: the unweighted copy then has
    no weight test in its loop (10% faster than one loop testing a flag).
    """
    shift = np.uint64(64 - int(np.log2(size)))
    mask = np.uint64(size - 1)
    used = 0
    for i in range(src.shape[0]):
        k = _sort_key(np.uint64(src[i]), sign_shift, low_mask)
        tag = ~k
        h = _hash_find(table, tag, k, shift, mask)
        if table[h, 0] == 0:
            if used == max_distinct:
                return -1, size
            used += 1
            if 4 * used > size and size < table.shape[0]:
                # Keep the load at most 1/4 (at most 1/2 once at full size):
                # second probes, and their mispredicted branches, are dear.
                new_size = min(4 * size, table.shape[0])
                _hash_grow(table, sums, size, new_size, weighted)
                size = new_size
                shift = np.uint64(64 - int(np.log2(size)))
                mask = np.uint64(size - 1)
                h = _hash_find(table, tag, k, shift, mask)
            table[h, 0] = tag
        c = np.uint64(lab[i] != 0)
        table[h, np.uint64(1) + c] += np.uint64(1)
        if weighted:
            sums[h, c] += w[i]
    return used, size


@kernel(nogil=True)
def _hash_count_block(bits, labels, weights, sign_shift, low_mask, table, sums, max_distinct,
                      state, lo, hi):
    """Count rows ``lo:hi`` per (distinct key, label) in an open-addressing table.

    ``table`` rows are ``(~key, negatives, positives)`` (uint64), zero when
    empty (``~key`` is never 0: that key is a NaN bit pattern); ``sums`` the
    weight sums ``(negatives, positives)`` per slot. Linear probing from a
    multiplicative hash. Only the first slots are used, a power of two at most
    a quarter full, growing 4x as keys come: the pages of a large, sparsely
    hit table would all be touched, and fresh pages are dear. ``state`` holds
    ``(0, initial slots)`` on entry and ``(keys, slots in use)`` on return;
    keys is -1 as soon as there would be more than ``max_distinct`` (the table
    is then partial and useless). Memory-safe on any bits, NaN included.
    """
    src = bits[lo:hi]
    lab = labels[lo:hi]
    if weights.shape[0] != 0:
        used, size = _hash_rows(src, lab, weights[lo:hi], True, sign_shift, low_mask, table,
                                sums, max_distinct, state[1])
    else:  # weights and sums are dummies
        used, size = _hash_rows(src, lab, weights, False, sign_shift, low_mask, table, sums,
                                max_distinct, state[1])
    state[0] = used
    state[1] = size


@kernel(parallel=True)
def _hash_count_parallel(bits, labels, weights, sign_shift, low_mask, table, sums,
                         max_distinct, state):
    n = bits.shape[0]
    n_blocks = table.shape[0]
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        _hash_count_block(bits, labels, weights, sign_shift, low_mask, table[b], sums[b],
                          max_distinct, state[b], lo, hi)


def _hash_collect(table, sums, state, weighted, sign_shift, low_mask, kdt):
    """The table in descending score order, from the per-thread hash tables.

    Plain numpy on the few distinct keys: the occupied slots of every block,
    sorted by key, equal keys (from different blocks) added up in block order.
    """
    keys, counts, wsums = [], [], []
    for b in range(table.shape[0]):
        slots = table[b, :state[b, 1]]  # the slots in use; the rest was never touched
        occupied = slots[:, 0] != 0
        keys.append(~slots[occupied, 0])
        counts.append(slots[occupied, 1:].astype(np.int64))
        if weighted:
            wsums.append(sums[b, :state[b, 1]][occupied])
    keys = np.concatenate(keys)
    order = np.argsort(keys, kind="stable")  # stable: block 0's sums first
    keys = keys[order]
    start = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    counts = np.add.reduceat(np.concatenate(counts)[order], start, axis=0)
    counts = np.ascontiguousarray(counts.T)  # (2, U): negatives, positives
    neg_w = pos_w = None
    if weighted:
        wsums = np.add.reduceat(np.concatenate(wsums)[order], start, axis=0)
        neg_w, pos_w = (np.ascontiguousarray(c) for c in wsums.T)
    keys = keys[start]
    bits = keys ^ (((keys >> np.uint64(sign_shift)) - np.uint64(1)) & np.uint64(low_mask))
    return bits.astype(kdt), counts, pos_w, neg_w  # _key_bits, vectorized


def _hash_table(bits, labels, weights, sign_shift, low_mask, kdt):
    """The distinct-score table by hashing, or ``None`` if there are too many keys.

    Worth it only when there are many rows per distinct score, so the table
    holds at most ``n / HASH_ROWS_PER_KEY`` keys (and ``HASH_MAX_DISTINCT``):
    giving up then costs at most that share of a pass over the rows.
    """
    n = bits.shape[0]
    cap = min(HASH_MAX_DISTINCT, n // HASH_ROWS_PER_KEY)
    if cap < 1:
        return None
    n_slots = 1 << (2 * cap - 1).bit_length()  # load factor <= 1/2
    n_blocks = _n_blocks(n, HASH_PARALLEL_MIN_ROWS)
    # Zeroed lazily by the OS: only the pages of the slots in use are touched.
    table = np.zeros((n_blocks, n_slots, 3), dtype=np.uint64)
    weighted = weights.shape[0] != 0
    sums = np.zeros((n_blocks, n_slots if weighted else 1, 2), dtype=np.float64)
    state = np.zeros((n_blocks, 2), dtype=np.int64)  # (keys or -1, slots in use)
    state[:, 1] = min(HASH_INITIAL_SLOTS, n_slots)
    _hash_count_parallel(bits, labels, weights, sign_shift, low_mask, table, sums, cap, state)
    if (state[:, 0] < 0).any():
        return None
    return _hash_collect(table, sums, state, weighted, sign_shift, low_mask, kdt)


# ----------------------------------------------------------------------------
# distinct_score_table
# ----------------------------------------------------------------------------

def distinct_score_table(scores, labels, weights=None):
    """Distinct scores, descending, with per-label counts and weight sums.

    See ``kernels.reference.distinct_score_table`` for the contract. ``scores``
    is float32 or float64 without NaN, ``labels`` uint8/bool/int8 (nonzero =
    positive), ``weights`` None or float64.
    """
    thresholds, counts, pos_w, neg_w = distinct_score_counts(scores, labels, weights)
    return thresholds, counts[1], counts[0], pos_w, neg_w


def _prepared(scores, labels, weights):
    scores = np.ascontiguousarray(scores)
    labels = np.ascontiguousarray(labels)
    if labels.dtype != np.uint8:
        labels = labels.view(np.uint8) if labels.dtype.itemsize == 1 else (
            labels != 0).view(np.uint8)
    weights = (_NO_WEIGHTS if weights is None
               else np.ascontiguousarray(weights, dtype=np.float64))
    sign_shift, low_mask = _key_params(scores.dtype)
    kdt = _key_dtype(scores.dtype)
    return scores, scores.view(kdt), labels, weights, sign_shift, low_mask, kdt


def distinct_score_counts(scores, labels, weights=None):
    """``distinct_score_table`` with the counts as one (2, U) table.

    Returns ``(thresholds, counts, pos_w, neg_w)``: ``counts[0]`` holds the
    negatives and ``counts[1]`` the positives per distinct score (rows of one
    buffer, so a caller keeping both needs no copy).
    """
    scores, bits, labels, weights, sign_shift, low_mask, kdt = _prepared(
        scores, labels, weights)
    n = scores.shape[0]
    if _blocks.is_small(n):
        return small_inputs.score_table(scores, labels, None if weights is _NO_WEIGHTS
                                        else weights)
    table = None
    if n >= HASH_MIN_ROWS:
        table = _hash_table(bits, labels, weights, sign_shift, low_mask, kdt)
    if table is None:
        table = _radix_table(bits, labels, weights, sign_shift, low_mask, kdt)
    out_bits, counts, pos_w, neg_w = table
    thresholds = out_bits.view(scores.dtype)
    _fix_zero_sign(thresholds, scores)
    return thresholds, counts, pos_w, neg_w


# ----------------------------------------------------------------------------
# distinct_score_areas: ROC AUC and average precision without the table
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _areas_part(keys, n_neg, i, i_end, j, j_end):
    """Twice the ROC area and the AP sum (times the positives) of one merge part.

    Walks the sorted negatives ``keys[i:i_end]`` and positives ``keys[j:j_end]``
    in key order (descending score), one group of equal keys at a time, with
    the counts of all earlier parts as the starting point: the area terms are
    exact integers, the AP terms ``pos * tps / (tps + fps)``.
    """
    tps = np.int64(j - n_neg)
    fps = np.int64(i)
    twice_area = np.int64(0)
    ap = 0.0
    while i < i_end or j < j_end:
        if j == j_end or (i < i_end and keys[i] <= keys[j]):
            k = keys[i]
        else:
            k = keys[j]
        q = np.int64(0)
        while i < i_end and keys[i] == k:
            i += 1
            q += 1
        p = np.int64(0)
        while j < j_end and keys[j] == k:
            j += 1
            p += 1
        twice_area += q * (2 * tps + p)
        tps += p
        fps += q
        if p != 0:
            ap += p * (tps / (tps + fps))
    return twice_area, ap


@kernel(parallel=True)
def _areas_parallel(keys, n_neg, twice_areas, aps):
    n_parts = twice_areas.shape[0]
    parts = _merge_parts(keys, n_neg, n_parts)
    for tt in prange(n_parts):
        t = np.int64(tt)
        twice_areas[t], aps[t] = _areas_part(keys, np.int64(n_neg), parts[t, 0], parts[t, 1],
                                             parts[t, 2], parts[t, 3])


def distinct_score_areas(scores, labels):
    """ROC AUC and average precision of unweighted rows, without building the table.

    Returns ``(twice_area, n_pos, n_neg, ap_sum)``: the ROC AUC is
    ``twice_area / (2 n_pos n_neg)`` and the average precision
    ``ap_sum / n_pos`` (both need ``n_pos > 0``; the AUC also ``n_neg > 0``).
    Sorting as ``distinct_score_table`` does, but merging the two sorted halves
    straight into the two sums: no table of distinct scores (24 bytes each) is
    written, so the peak memory is the keys and their scratch buffer, 2x the
    scores.
    """
    scores, bits, labels, weights, sign_shift, low_mask, kdt = _prepared(scores, labels, None)
    n = scores.shape[0]
    if _blocks.is_small(n):
        return small_inputs.table_areas(small_inputs.score_table(scores, labels, None)[1])
    table = None
    if n >= HASH_MIN_ROWS:
        table = _hash_table(bits, labels, weights, sign_shift, low_mask, kdt)
    if table is not None:
        return small_inputs.table_areas(table[1])
    keys, _, scratch, _, n_neg, n_blocks = _radix_sorted(bits, labels, weights, sign_shift,
                                                          low_mask, kdt)
    del scratch
    twice_areas = np.zeros(n_blocks, dtype=np.int64)
    aps = np.zeros(n_blocks, dtype=np.float64)
    _areas_parallel(keys, n_neg, twice_areas, aps)
    return int(twice_areas.sum()), n - n_neg, n_neg, float(aps.sum())


@kernel(nogil=True)
def _fix_zero_sign(thresholds, scores):
    """Give the +-0 threshold the value of the group's last row, as sklearn reports it."""
    lo = 0
    hi = thresholds.shape[0]
    while lo < hi:  # thresholds descend: find the first one <= 0
        mid = (lo + hi) // 2
        if thresholds[mid] > 0.0:
            lo = mid + 1
        else:
            hi = mid
    if lo == thresholds.shape[0] or thresholds[lo] != 0.0:
        return
    for i in range(scores.shape[0] - 1, -1, -1):
        if scores[i] == 0.0:
            thresholds[lo] = scores[i]
            return


# ----------------------------------------------------------------------------
# merge_score_tables
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _merge_tables(ta, pa, na, pwa, nwa, tb, pb, nb, pwb, nwb, t, p, q, pw, nw, weighted):
    i = 0
    j = 0
    u = 0
    la = ta.shape[0]
    lb = tb.shape[0]
    while i < la or j < lb:
        if j == lb or (i < la and ta[i] > tb[j]):
            t[u] = ta[i]
            p[u] = pa[i]
            q[u] = na[i]
            if weighted:
                pw[u] = pwa[i]
                nw[u] = nwa[i]
            i += 1
        elif i == la or tb[j] > ta[i]:
            t[u] = tb[j]
            p[u] = pb[j]
            q[u] = nb[j]
            if weighted:
                pw[u] = pwb[j]
                nw[u] = nwb[j]
            j += 1
        else:  # equal thresholds (+0.0 == -0.0): add up, keep b's value (the later rows)
            t[u] = tb[j]
            p[u] = pa[i] + pb[j]
            q[u] = na[i] + nb[j]
            if weighted:
                pw[u] = pwa[i] + pwb[j]
                nw[u] = nwa[i] + nwb[j]
            i += 1
            j += 1
        u += 1
    return u


def merge_score_tables(table_a, table_b):
    """Merge two distinct-score tables (``table_a``'s rows coming first).

    See ``kernels.reference.merge_score_tables``.
    """
    ta, pa, na, pwa, nwa = table_a
    tb, pb, nb, pwb, nwb = table_b
    weighted = pwa is not None
    if weighted != (pwb is not None):
        raise ValueError("cannot merge a weighted and an unweighted score table")
    dtype = np.result_type(ta.dtype, tb.dtype)
    ta = ta.astype(dtype, copy=False)
    tb = tb.astype(dtype, copy=False)
    size = ta.shape[0] + tb.shape[0]
    t = np.empty(size, dtype=dtype)
    p = np.empty(size, dtype=np.int64)
    q = np.empty(size, dtype=np.int64)
    if weighted:
        pw = np.empty(size, dtype=np.float64)
        nw = np.empty(size, dtype=np.float64)
    else:
        pwa = nwa = pwb = nwb = pw = nw = _NO_WEIGHTS
    used = int(_merge_tables(ta, pa, na, pwa, nwa, tb, pb, nb, pwb, nwb, t, p, q, pw, nw,
                             weighted))
    out = [t, p, q, pw, nw] if weighted else [t, p, q]
    for a in out:
        if used < size:
            a.resize(used, refcheck=False)
    return (*out, None, None) if not weighted else tuple(out)

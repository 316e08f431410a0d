"""The LSD radix sort of the binary sort kernels, and its merge into tables and areas.

How and why it is built this way: ``ranking``'s module docstring (keys with
8-bit digits, labels split into two segments by the first pass, weights
riding along, per-thread histograms and offsets, a merge split at key values
into parts that write towards each other).
"""

from __future__ import annotations

import ctypes

import numpy as np
from numba import prange

from ._blocks import NO_WEIGHTS, block_bounds, kernel, thread_blocks
from .sort_keys import key_bits, sort_key

__all__ = ["DIGIT_BITS", "RADIX", "PARALLEL_MIN_ROWS", "radix_sorted", "radix_table",
           "radix_areas", "merge_parts"]

#: Below this many rows a kernel runs on one thread: starting the thread pool
#: and the extra histograms cost more than they save. Measured on 2 cores: the
#: radix sort of 2**17 rows ran 15-30% faster on one thread (its keys fit in
#: the L2 cache), that of 2**18 rows 1.6x faster on two.
PARALLEL_MIN_ROWS = 1 << 18

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
    first = sort_key(np.uint64(src[0]), sign_shift, low_mask)
    diff = np.uint64(0)
    for i in range(src.shape[0]):
        k = sort_key(np.uint64(src[i]), sign_shift, low_mask)
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
        k = sort_key(np.uint64(src[i]), sign_shift, low_mask)
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
def merge_parts(keys, n_neg, n_parts):
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
        out_bits[u] = key_bits(k, sign_shift, low_mask)
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
    parts = merge_parts(keys, n_neg, n_parts)
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


def radix_sorted(bits, labels, weights, sign_shift, low_mask, kdt):
    """Sort the keys: negatives' in ``keys[:n_neg]``, positives' in ``keys[n_neg:]``.

    Returns ``(keys, wkeys, scratch, wscratch, n_neg, n_blocks)``; the scratch
    buffers are free (and their pages touched) once this returns.
    """
    n = bits.shape[0]
    n_blocks = thread_blocks(n, PARALLEL_MIN_ROWS)
    keys = np.empty(n, dtype=kdt)
    scratch = np.empty(n, dtype=kdt)
    # With weights each key carries its weight through the passes. (Carrying a
    # 4-byte row index instead, and gathering the weights in the merge, ran 5x
    # slower here: random reads over the weights miss the TLB and the caches.)
    weighted = weights.shape[0] != 0
    wkeys = wscratch = NO_WEIGHTS
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


def radix_table(bits, labels, weights, sign_shift, low_mask, kdt):
    """The distinct-score table by LSD radix sort (see the module docstring).

    One code path for any number of row blocks: Numba's parallel functions
    run a single block inline at a cost of about 2 us per call, and compiling
    separate one-thread twins doubled the first-ever compile time.
    """
    n = bits.shape[0]
    weighted = weights.shape[0] != 0
    keys, wkeys, scratch, wscratch, n_neg, n_blocks = radix_sorted(
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
    out = [scratch, counts[1], counts[0], NO_WEIGHTS, NO_WEIGHTS]
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
    parts = merge_parts(keys, n_neg, n_parts)
    for tt in prange(n_parts):
        t = np.int64(tt)
        twice_areas[t], aps[t] = _areas_part(keys, np.int64(n_neg), parts[t, 0], parts[t, 1],
                                             parts[t, 2], parts[t, 3])


def radix_areas(keys, n_neg, n_blocks):
    """``(twice_area, ap_sum)`` of sorted segments (``radix_sorted``), in ``n_blocks`` parts."""
    twice_areas = np.zeros(n_blocks, dtype=np.int64)
    aps = np.zeros(n_blocks, dtype=np.float64)
    _areas_parallel(keys, n_neg, twice_areas, aps)
    return int(twice_areas.sum()), float(aps.sum())

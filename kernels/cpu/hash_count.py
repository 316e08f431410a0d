"""The hash-count path of the binary sort kernels: few distinct scores, no sort.

An open-addressing table per thread counts the rows per distinct key in one
pass; only the distinct keys are then sorted (``ranking``'s module docstring
says when it pays and how it gives up).
"""

from __future__ import annotations

import numpy as np
from numba import prange

from ._blocks import block_bounds, kernel, thread_blocks
from .sort_keys import sort_key

__all__ = ["HASH_MIN_ROWS", "HASH_PARALLEL_MIN_ROWS", "HASH_MAX_DISTINCT", "HASH_ROWS_PER_KEY",
           "HASH_INITIAL_SLOTS", "hash_table"]

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
        k = sort_key(np.uint64(src[i]), sign_shift, low_mask)
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


def hash_table(bits, labels, weights, sign_shift, low_mask, kdt):
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
    n_blocks = thread_blocks(n, HASH_PARALLEL_MIN_ROWS)
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

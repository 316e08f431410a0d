"""Sorting one score column into class segments: the core of the class tables.

One pass over the rows scatters each score's sort key (``sort_keys.sort_key``)
into its class's segment; each segment is then sorted on its own, small ones by
insertion, larger ones by an LSD radix sort with 8-bit digits (the digit
histograms of a segment come from one read of it, and digits constant within
the segment are skipped); a last read writes its runs of equal keys as table
entries (``class_tables``' module docstring has the measurements).
"""

from __future__ import annotations

import numpy as np

from ._blocks import NO_WEIGHTS, kernel
from .radix_sort import DIGIT_BITS, RADIX
from .sort_keys import key_bits, key_dtype, sort_key

__all__ = ["INSERTION_MAX", "prepared_matrix", "class_start_of", "scatter_sort", "sort_column",
           "sort_buffers"]

#: Segments shorter than this are sorted by insertion: a radix pass costs a
#: 256-bucket prefix sum whatever the segment's length.
INSERTION_MAX = 48


def prepared_matrix(scores, codes, weights):
    """Contiguous 2-D scores, their key bits, int32 codes, weights (``NO_WEIGHTS`` if None)."""
    scores = np.ascontiguousarray(scores)
    if scores.ndim != 2:
        raise ValueError("scores must be 2-D (n_samples, n_columns)")
    kdt = key_dtype(scores.dtype)
    codes = np.ascontiguousarray(codes, dtype=np.int32)
    weights = (NO_WEIGHTS if weights is None
               else np.ascontiguousarray(weights, dtype=np.float64))
    return scores, scores.view(kdt), codes, weights, kdt


def class_start_of(codes, n_classes):
    """Where each class's segment starts in a column sorted by class (``n_classes + 1``)."""
    counts = np.bincount(codes, minlength=n_classes)[:n_classes] if codes.size else np.zeros(
        n_classes, dtype=np.int64)
    start = np.zeros(n_classes + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    return start


# ----------------------------------------------------------------------------
# sorting one column into its class segments
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _insertion_sort(keys, wkeys, weighted, s, e):
    """Stable insertion sort of ``keys[s:e]`` (and the weights riding along)."""
    for i in range(s + 1, e):
        k = keys[i]
        w = wkeys[i] if weighted else 0.0
        j = i - 1
        while j >= s and keys[j] > k:
            keys[j + 1] = keys[j]
            if weighted:
                wkeys[j + 1] = wkeys[j]
            j -= 1
        keys[j + 1] = k
        if weighted:
            wkeys[j + 1] = w


@kernel(nogil=True)
def _radix_segment(keys, scratch, wkeys, wscratch, weighted, s, e, n_digits, hist, offs):
    """LSD radix sort of ``keys[s:e]``; True if the result ended in ``scratch``.

    The histograms of every digit come from one read of the segment; digits
    that no key of the segment changes are skipped.
    """
    m = e - s
    mask = np.uint64(RADIX - 1)
    hist[:, :] = 0
    seg = keys[s:e]
    for i in range(m):
        k = np.uint64(seg[i])
        for d in range(n_digits):
            hist[d, (k >> np.uint64(d * DIGIT_BITS)) & mask] += 1
    src, dst, wsrc, wdst = keys, scratch, wkeys, wscratch
    in_scratch = False
    for d in range(n_digits):
        h = hist[d]
        constant = False
        for b in range(RADIX):
            if h[b] == m:
                constant = True
                break
        if constant:
            continue  # every key has the same digit here
        pos = s
        for b in range(RADIX):
            offs[b] = pos
            pos += h[b]
        shift = np.uint64(d * DIGIT_BITS)
        block = src[s:e]
        wblock = wsrc[s:e] if weighted else wsrc
        for i in range(m):
            k = block[i]
            b = (np.uint64(k) >> shift) & mask
            o = offs[b]
            dst[o] = k
            if weighted:
                wdst[o] = wblock[i]
            offs[b] = o + 1
        src, dst = dst, src
        wsrc, wdst = wdst, wsrc
        in_scratch = not in_scratch
    return in_scratch


@kernel(nogil=True)
def _run_lengths(src, wsrc, weighted, s, e, as_bits, sign_shift, low_mask, out_keys,
                 out_counts, out_weights, u):
    """Write the runs of equal keys of sorted ``src[s:e]`` as entries from ``u`` on.

    Entries hold the float bits of the score (``as_bits``) or its sort key.
    """
    prev = src[s]
    count = np.int64(0)
    wsum = 0.0
    for i in range(s, e):
        k = src[i]
        if k != prev:
            out_keys[u] = key_bits(np.uint64(prev), sign_shift, low_mask) if as_bits else prev
            out_counts[u] = count
            if weighted:
                out_weights[u] = wsum
            u += 1
            prev = k
            count = 0
            wsum = 0.0
        count += 1
        if weighted:
            wsum += wsrc[i]
    out_keys[u] = key_bits(np.uint64(prev), sign_shift, low_mask) if as_bits else prev
    out_counts[u] = count
    if weighted:
        out_weights[u] = wsum
    return u + 1


@kernel(nogil=True)
def scatter_sort(bits, col, codes, code_col, positive, weights, class_start, sign_shift,
                  low_mask, n_digits, buf, in_scratch):
    """Sort column ``col``'s keys into class segments (``class_start``), each ascending.

    The class of row ``i`` is ``codes[i, code_col]``, or with ``positive >=
    0`` whether it equals ``positive`` (two segments: the rest, then that
    class). ``buf`` holds the thread's buffers; segment ``c`` ends up in
    ``scratch`` (not ``keys``) where ``in_scratch[c]``. Rows of equal score
    keep their row order (weights then add up in row order).
    """
    keys, scratch, wkeys, wscratch, hist, offs = buf
    n = bits.shape[0]
    n_classes = class_start.shape[0] - 1
    weighted = weights.shape[0] != 0
    for c in range(n_classes):
        offs[c] = class_start[c]
    for i in range(n):
        c = codes[i, code_col]
        if positive >= 0:
            c = np.int32(c == positive)
        o = offs[c]
        keys[o] = sort_key(np.uint64(bits[i, col]), sign_shift, low_mask)
        if weighted:
            wkeys[o] = weights[i]
        offs[c] = o + 1
    for c in range(n_classes):
        s = class_start[c]
        e = class_start[c + 1]
        in_scratch[c] = False
        if e - s <= INSERTION_MAX:
            _insertion_sort(keys, wkeys, weighted, s, e)
        else:
            in_scratch[c] = _radix_segment(keys, scratch, wkeys, wscratch, weighted, s, e,
                                           n_digits, hist, offs)


@kernel(nogil=True)
def sort_column(bits, col, codes, code_col, positive, weights, class_start, sign_shift,
                 low_mask, n_digits, as_bits, buf, out_keys, out_counts, out_weights, seg):
    """The class tables of column ``col``: entries from index 0, ``seg`` their offsets.

    Classes as for ``_scatter_sort``. Returns the number of entries.
    """
    keys, scratch, wkeys, wscratch, _, _ = buf
    n_classes = class_start.shape[0] - 1
    weighted = weights.shape[0] != 0
    in_scratch = np.empty(n_classes, dtype=np.bool_)
    scatter_sort(bits, col, codes, code_col, positive, weights, class_start, sign_shift,
                  low_mask, n_digits, buf, in_scratch)
    u = 0
    for c in range(n_classes):
        s = class_start[c]
        e = class_start[c + 1]
        seg[c] = u
        if e == s:
            continue
        if in_scratch[c]:
            u = _run_lengths(scratch, wscratch, weighted, s, e, as_bits, sign_shift,
                             low_mask, out_keys, out_counts, out_weights, u)
        else:
            u = _run_lengths(keys, wkeys, weighted, s, e, as_bits, sign_shift, low_mask,
                             out_keys, out_counts, out_weights, u)
    seg[n_classes] = u
    return u


@kernel(nogil=True)
def sort_buffers(n, like, weighted, n_classes, n_digits):
    """One thread's sort buffers: keys, scratch (and weights riding along), histograms."""
    return (np.empty(n, dtype=like.dtype), np.empty(n, dtype=like.dtype),
            np.empty(n if weighted else 0, dtype=np.float64),
            np.empty(n if weighted else 0, dtype=np.float64),
            np.empty((n_digits, RADIX), dtype=np.int64),
            np.empty(max(n_classes, RADIX), dtype=np.int64))

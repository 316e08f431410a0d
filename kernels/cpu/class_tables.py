"""Numba CPU kernels for multiclass and multilabel ranking scores.

Twins of the functions of the same names in ``kernels/reference_ranking.py``.

**Class tables.** Every one-vs-rest and one-vs-one ROC AUC and average
precision of a multiclass target with a ``(n, K)`` score matrix is a function
of, per score column ``k`` and per true class ``c``, the distinct scores of
column ``k`` among the rows of class ``c`` with their counts (and weight
sums). Those are the *class tables*: ``K x C`` sorted segments holding at most
``n`` entries per column, so the whole is never more entries than the score
matrix (a dense ``(C, U_k)`` table per column would be ``C`` times larger).

How a column's segments are built (``class_sort.sort_column``): one pass over the rows
scatters each score's sort key (``sort_keys.sort_key``: ascending key =
descending score, ``-0.0`` as ``+0.0``) into its class's segment; then each
segment is sorted on its own, small ones by insertion, larger ones by an LSD
radix sort with 8-bit digits (the digit histograms of a segment come from one
read of it, so they stay in cache whatever the number of classes, and digits
constant within the segment are skipped); a last read writes its runs of
equal keys as table entries. The score column is read in place (a strided
view of the C-contiguous matrix): no copy of the data per column or class.
Columns are sorted in parallel, one thread per column at a time, each thread
reusing its own buffers. ``binary_score_tables`` sorts each column of a
multilabel target into its two label segments and merges them into the
joint table of a binary target.

Small inputs run each kernel's one-thread body directly: a parallel launch
costs microseconds on an idle machine but milliseconds on a loaded one (12 ms
measured with the OpenMP layer while other processes kept both cores busy).

**Areas.** ``class_score_areas`` and ``class_table_areas`` reduce the tables
to what the scores need: for each column ``k`` whose class is ``d[k]``, twice
the Mann-Whitney count of class ``d[k]`` over each other class ``c`` (exact
int64 for counts: ``sum_i p_i (2 below_i + equal_i)``) and the average
precision sum ``sum_i p_i * TP_i / (TP_i + FP_i)`` over the distinct scores of
class ``d[k]``. One-vs-rest AUC, one-vs-one (Hand & Till) AUC and average
precision all follow from these ``K x C`` numbers. ``class_score_areas`` goes
straight from the rows to them, keeping no table (one-shot calls);
``class_table_areas`` reads a stored, possibly merged, table. Where only
one-vs-rest and average precision are asked for, ``class_score_areas`` sorts
each column into two segments (its class, the rest) and walks the two sorted
key runs once, writing nothing: per column, a radix sort and one merge, the
cost of one binary ROC AUC (about 13 ms for 10^6 float32 rows on one Zen 4
core, as ``ranking.distinct_score_areas``). Measured choices: the merge walk
branches (a branch-free, select-per-step walk was as fast on balanced classes
and 2.4x slower when the positives are rare, the one-vs-rest case); fresh
per-call buffers of ``n`` entries cost more than the walk itself (page faults),
so the one-vs-rest path writes no table and allocates only the sort's.

Per-row scores live in ``row_ranking``, the "scores sum to 1" check in
``score_checks``, the sort of one column into class segments in ``class_sort``.

Kernels never raise on data: callers check for NaN first.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from . import _blocks, small_inputs
from ._blocks import NO_WEIGHTS, kernel, thread_blocks
from .class_sort import (class_start_of, prepared_matrix, scatter_sort, sort_buffers,
                         sort_column)
from .radix_sort import DIGIT_BITS
from .sort_keys import key_bits, key_dtype, key_params, sort_key

__all__ = [
    "class_score_tables",
    "binary_score_tables",
    "class_score_areas",
    "class_table_areas",
    "merge_class_tables",
]

#: Below this many score cells (rows x columns) a kernel runs on one thread.
PARALLEL_MIN_CELLS = 1 << 17


def _threads(n_cells: int, n_columns: int) -> int:
    return max(1, min(thread_blocks(n_cells, PARALLEL_MIN_CELLS), n_columns))


# ----------------------------------------------------------------------------
# class_score_tables and binary_score_tables
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _merge_binary(keys, counts, weights, seg, sign_shift, low_mask, out_bits, out_counts,
                  out_weights):
    """Merge a column's two sorted segments (negatives, positives) into one table.

    ``out_counts``/``out_weights`` are (2, n) views: row 0 the negatives, row
    1 the positives per distinct score. Returns the number of entries.
    """
    weighted = weights.shape[0] != 0
    i = seg[0]
    ie = seg[1]
    j = seg[1]
    je = seg[2]
    u = 0
    while i < ie or j < je:
        take_i = i < ie and (j == je or keys[i] <= keys[j])
        take_j = j < je and (i == ie or keys[j] <= keys[i])
        k = keys[i] if take_i else keys[j]
        out_bits[u] = key_bits(np.uint64(k), sign_shift, low_mask)
        out_counts[0, u] = counts[i] if take_i else 0
        out_counts[1, u] = counts[j] if take_j else 0
        if weighted:
            out_weights[0, u] = weights[i] if take_i else 0.0
            out_weights[1, u] = weights[j] if take_j else 0.0
        i += np.int64(take_i)
        j += np.int64(take_j)
        u += 1
    return u


@kernel(nogil=True)
def _tables_thread(bits, codes, weights, class_start, sign_shift, low_mask, n_digits,
                   out_bits, out_counts, out_weights, seg, t, n_threads):
    """Class tables of columns ``t, t + n_threads, ...`` (classes ``codes[:, 0]``)."""
    n = bits.shape[0]
    n_classes = class_start.shape[1] - 1
    buf = sort_buffers(n, bits[:1, 0], weights.shape[0] != 0, n_classes, n_digits)
    for col in range(t, bits.shape[1], n_threads):
        sort_column(bits, col, codes, 0, np.int64(-1), weights, class_start[col],
                     sign_shift, low_mask, n_digits, True, buf, out_bits[col],
                     out_counts[col], out_weights[col], seg[col])


@kernel(parallel=True)
def _tables_parallel(bits, codes, weights, class_start, sign_shift, low_mask, n_digits,
                     out_bits, out_counts, out_weights, seg, n_threads):
    for tt in prange(n_threads):
        _tables_thread(bits, codes, weights, class_start, sign_shift, low_mask, n_digits,
                       out_bits, out_counts, out_weights, seg, np.int64(tt), n_threads)


@kernel(nogil=True)
def _binary_thread(bits, labels, weights, class_start, sign_shift, low_mask, n_digits,
                   out_bits, out_counts, out_weights, seg, t, n_threads):
    """Binary tables of columns ``t, t + n_threads, ...``: column ``k``'s rows split
    by ``labels[:, k]``, sorted, and the two segments merged into one table."""
    n = bits.shape[0]
    weighted = weights.shape[0] != 0
    buf = sort_buffers(n, bits[:1, 0], weighted, 2, n_digits)
    t_keys = np.empty(n, dtype=bits.dtype)
    t_counts = np.empty(n, dtype=np.int64)
    t_weights = np.empty(n if weighted else 0, dtype=np.float64)
    for col in range(t, bits.shape[1], n_threads):
        sort_column(bits, col, labels, col, np.int64(-1), weights, class_start[col],
                     sign_shift, low_mask, n_digits, False, buf, t_keys, t_counts,
                     t_weights, seg[col])
        seg[col, 0] = _merge_binary(t_keys, t_counts, t_weights, seg[col], sign_shift,
                                    low_mask, out_bits[col], out_counts[col],
                                    out_weights[col])


@kernel(parallel=True)
def _binary_parallel(bits, labels, weights, class_start, sign_shift, low_mask, n_digits,
                     out_bits, out_counts, out_weights, seg, n_threads):
    for tt in prange(n_threads):
        _binary_thread(bits, labels, weights, class_start, sign_shift, low_mask, n_digits,
                       out_bits, out_counts, out_weights, seg, np.int64(tt), n_threads)


def _run(thread, parallel, args, n_threads):
    """One thread: the body alone, without the parallel launch (microseconds on an
    idle machine, milliseconds on a busy one)."""
    if n_threads == 1:
        thread(*args, np.int64(0), np.int64(1))
    else:
        parallel(*args, np.int64(n_threads))


@kernel(nogil=True)
def _compact(out, lengths, starts, flat):
    """Copy each column's entries (a prefix of its padded row) into ``flat``."""
    for c in range(lengths.shape[0]):
        s = starts[c]
        m = lengths[c]
        flat[s:s + m] = out[c, :m]


def class_score_tables(scores, codes, n_classes, weights=None):
    """Per score column and true class, the distinct scores with counts (and weights).

    Parameters: ``scores`` (n, K) float32/float64 without NaN, ``codes`` (n,)
    class codes in ``[0, n_classes)``, ``weights`` None or (n,) float64.

    Returns ``(thresholds, counts, weight_sums, offsets)``: flat arrays over
    all segments, segment ``(k, c)`` being ``[offsets[k * C + c], offsets[k *
    C + c + 1])``, its thresholds strictly descending in the scores' dtype
    (``-0.0`` stored as ``0.0``); ``weight_sums`` is None without weights. See
    ``kernels.reference_ranking.class_score_tables``.
    """
    scores, bits, codes, weights, kdt = prepared_matrix(scores, codes, weights)
    n, n_columns = scores.shape
    weighted = weights.shape[0] != 0
    sign_shift, low_mask = key_params(scores.dtype)
    class_start = np.repeat(class_start_of(codes, n_classes)[None, :], n_columns, axis=0)
    # Each column's entries go to a row of padded outputs first (at most n
    # entries; pages past the entries written are never touched), then to the
    # flat arrays: their offsets are only known once every column is sorted.
    out_bits = np.empty((n_columns, n), dtype=kdt)
    out_counts = np.empty((n_columns, n), dtype=np.int64)
    out_weights = np.empty((n_columns, n) if weighted else (n_columns, 0), dtype=np.float64)
    seg = np.zeros((n_columns, n_classes + 1), dtype=np.int64)
    if n:
        _run(_tables_thread, _tables_parallel,
             (bits, codes.reshape(-1, 1), weights, class_start, sign_shift, low_mask,
              kdt.itemsize * 8 // DIGIT_BITS, out_bits, out_counts, out_weights, seg),
             _threads(n * n_columns, n_columns))
    lengths = seg[:, n_classes].copy()
    starts = np.zeros(n_columns + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    total = int(starts[-1])
    flat_bits = np.empty(total, dtype=kdt)
    counts = np.empty(total, dtype=np.int64)
    _compact(out_bits, lengths, starts, flat_bits)
    _compact(out_counts, lengths, starts, counts)
    wsums = None
    if weighted:
        wsums = np.empty(total, dtype=np.float64)
        _compact(out_weights, lengths, starts, wsums)
    del out_bits, out_counts, out_weights
    offsets = (seg[:, :n_classes] + starts[:-1, None]).ravel()
    offsets = np.append(offsets, total).astype(np.int64)
    return flat_bits.view(scores.dtype), counts, wsums, offsets


def binary_score_tables(scores, labels, weights=None):
    """One binary distinct-score table per column, column ``k``'s labels ``labels[:, k]``.

    ``scores`` (n, K) float32/float64 without NaN, ``labels`` (n, K) 0/1,
    ``weights`` None or (n,) float64. Returns ``(thresholds, counts,
    weight_sums, offsets)``: column ``k``'s table is ``[offsets[k],
    offsets[k + 1])`` of the flat arrays, thresholds strictly descending
    (``-0.0`` as ``0.0``), ``counts`` (2, T) with the negatives in row 0 and
    the positives in row 1 (``weight_sums`` likewise, or None). Each column
    is sorted into its two label segments, which are then merged.
    """
    scores, bits, _, weights, kdt = prepared_matrix(scores, np.zeros(0, np.int32), weights)
    labels = np.ascontiguousarray(labels, dtype=np.int32)
    n, n_columns = scores.shape
    weighted = weights.shape[0] != 0
    sign_shift, low_mask = key_params(scores.dtype)
    n_pos = labels.sum(axis=0, dtype=np.int64) if n else np.zeros(n_columns, np.int64)
    class_start = np.stack([np.zeros(n_columns, np.int64), n - n_pos,
                            np.full(n_columns, n, np.int64)], axis=1)
    out_bits = np.empty((n_columns, n), dtype=kdt)
    out_counts = np.empty((n_columns, 2, n), dtype=np.int64)
    out_weights = np.empty((n_columns, 2, n) if weighted else (n_columns, 2, 0),
                           dtype=np.float64)
    seg = np.zeros((n_columns, 3), dtype=np.int64)
    if n:
        _run(_binary_thread, _binary_parallel,
             (bits, labels, weights, class_start, sign_shift, low_mask,
              kdt.itemsize * 8 // DIGIT_BITS, out_bits, out_counts, out_weights, seg),
             _threads(n * n_columns, n_columns))
    lengths = seg[:, 0].copy()
    offsets = np.zeros(n_columns + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    total = int(offsets[-1])
    flat_bits = np.empty(total, dtype=kdt)
    _compact(out_bits, lengths, offsets, flat_bits)
    counts = np.empty((2, total), dtype=np.int64)
    wsums = np.empty((2, total), dtype=np.float64) if weighted else None
    for r in range(2):
        _compact(np.ascontiguousarray(out_counts[:, r]), lengths, offsets, counts[r])
        if weighted:
            _compact(np.ascontiguousarray(out_weights[:, r]), lengths, offsets, wsums[r])
    return flat_bits.view(scores.dtype), counts, wsums, offsets


# ----------------------------------------------------------------------------
# areas: Mann-Whitney counts and average-precision sums
# ----------------------------------------------------------------------------

@kernel(nogil=True, inline="always")
def _walk(keys, amounts, ps, pe, ns, ne, ge, zero):
    """Positive segment ``[ps, pe)`` against negative segment ``[ns, ne)``.

    ``keys`` ascending (descending score), distinct within a segment;
    ``amounts`` the counts (int64) or weights (float64) of the entries,
    ``zero`` a 0 of their type. Writes to ``ge[i - ps]`` the negative amount
    scoring at least positive entry ``i``'s score and returns twice the
    Mann-Whitney count ``sum_i p_i (2 below_i + equal_i)``.

    One merged pass in score order. Branch-free variants (selecting which
    side each step consumes) ran as fast on balanced classes and 2.4x slower
    when positives are rare (one class against the rest), where the inner
    loop's branch is predictable.
    """
    total = zero
    for j in range(ns, ne):
        total += amounts[j]
    j = ns
    above = zero  # negative amount scoring higher than the current positive
    twice = zero
    for i in range(ps, pe):
        kp = keys[i]
        while j < ne and keys[j] < kp:
            above += amounts[j]
            j += 1
        equal = amounts[j] if j < ne and keys[j] == kp else zero
        at_least = above + equal
        ge[i - ps] = at_least
        twice += amounts[i] * (2 * (total - at_least) + equal)
    return twice


@kernel(nogil=True)
def _column_areas(keys, counts, weights, seg, d, twice_i, twice_f, acc, ge_i, ge_f):
    """Areas of one column whose class is segment ``d`` (-1: absent); returns the AP sum."""
    n_classes = seg.shape[0] - 1
    twice_i[:] = 0
    twice_f[:] = 0.0
    if d < 0:
        return 0.0
    ps = seg[d]
    pe = seg[d + 1]
    m = pe - ps
    if m == 0:
        return 0.0
    weighted = weights.shape[0] != 0
    acc[:m] = 0.0
    for c in range(n_classes):
        if c == d or seg[c + 1] == seg[c]:
            continue
        if weighted:
            twice_f[c] = _walk(keys, weights, ps, pe, seg[c], seg[c + 1], ge_f, 0.0)
            for i in range(m):
                acc[i] += ge_f[i]
        else:
            twice_i[c] = _walk(keys, counts, ps, pe, seg[c], seg[c + 1], ge_i, np.int64(0))
            for i in range(m):
                acc[i] += ge_i[i]
    tps = 0.0
    ap = 0.0
    for i in range(m):
        p = weights[ps + i] if weighted else np.float64(counts[ps + i])
        tps += p
        if p != 0.0:
            ap += p * (tps / (tps + acc[i]))
    return ap


@kernel(nogil=True)
def _raw_binary_areas(nk, nw, ns, ne, pk, pw, ps, pe, weighted):
    """One-vs-rest areas straight from the sorted keys of both segments.

    Negatives ``nk[ns:ne]``, positives ``pk[ps:pe]`` (weights ``nw``/``pw``),
    each ascending with repeats: runs of equal positive keys are the distinct
    scores. Returns ``(twice_i, twice_f, ap_sum)``; no table is written, so
    one-vs-rest needs no buffer beyond the sort's.
    """
    total_i = np.int64(ne - ns)
    total_f = 0.0
    if weighted:
        for j in range(ns, ne):
            total_f += nw[j]
    j = ns
    above_i = np.int64(0)
    above_f = 0.0
    twice_i = np.int64(0)
    twice_f = 0.0
    tps = 0.0
    ap = 0.0
    i = ps
    while i < pe:
        kp = pk[i]
        p_i = np.int64(0)
        p_f = 0.0
        while i < pe and pk[i] == kp:
            p_i += 1
            if weighted:
                p_f += pw[i]
            i += 1
        while j < ne and nk[j] < kp:  # negatives scoring higher
            above_i += 1
            if weighted:
                above_f += nw[j]
            j += 1
        e_i = np.int64(0)
        e_f = 0.0
        jj = j
        while jj < ne and nk[jj] == kp:  # negatives of the same score
            e_i += 1
            if weighted:
                e_f += nw[jj]
            jj += 1
        if weighted:
            at_least = above_f + e_f
            twice_f += p_f * (2.0 * (total_f - at_least) + e_f)
            tps += p_f
            if p_f != 0.0:
                ap += p_f * (tps / (tps + at_least))
        else:
            at_least_i = above_i + e_i
            twice_i += p_i * (2 * (total_i - at_least_i) + e_i)
            tps += p_i
            ap += p_i * (tps / (tps + at_least_i))
    return twice_i, twice_f, ap


@kernel(nogil=True)
def _areas_thread(bits, codes, weights, class_start, diag, binary, sign_shift, low_mask,
                  n_digits, twice_i, twice_f, ap, t, n_threads):
    n = bits.shape[0]
    n_columns = bits.shape[1]
    n_classes = class_start.shape[1] - 1
    weighted = weights.shape[0] != 0
    buf = sort_buffers(n, bits[:1, 0], weighted, n_classes, n_digits)
    in_scratch = np.empty(n_classes, dtype=np.bool_)
    # pairwise: the column's tables, and per positive entry the negatives above
    longest = 0
    if not binary:
        for c in range(n_classes):
            longest = max(longest, class_start[0, c + 1] - class_start[0, c])
    m = n if not binary else 0
    t_keys = np.empty(m, dtype=bits.dtype)
    t_counts = np.empty(m, dtype=np.int64)
    t_weights = np.empty(m if weighted else 0, dtype=np.float64)
    seg = np.empty(n_classes + 1, dtype=np.int64)
    acc = np.empty(longest, dtype=np.float64)
    ge_i = np.empty(0 if weighted else longest, dtype=np.int64)
    ge_f = np.empty(longest if weighted else 0, dtype=np.float64)
    keys, scratch, wkeys, wscratch, _, _ = buf
    for col in range(t, n_columns, n_threads):
        d = diag[col]
        if binary:
            if d < 0:
                continue  # no row of this column's class
            scatter_sort(bits, col, codes, 0, d, weights, class_start[col], sign_shift,
                          low_mask, n_digits, buf, in_scratch)
            nk, nw = (scratch, wscratch) if in_scratch[0] else (keys, wkeys)
            pk, pw = (scratch, wscratch) if in_scratch[1] else (keys, wkeys)
            cs = class_start[col]
            ti, tf, a = _raw_binary_areas(nk, nw, cs[0], cs[1], pk, pw, cs[1], cs[2],
                                          weighted)
            twice_i[col, 0] = ti
            twice_f[col, 0] = tf
            ap[col] = a
        else:
            sort_column(bits, col, codes, 0, np.int64(-1), weights, class_start[col],
                         sign_shift, low_mask, n_digits, False, buf, t_keys, t_counts,
                         t_weights, seg)
            ap[col] = _column_areas(t_keys, t_counts, t_weights, seg, d, twice_i[col],
                                    twice_f[col], acc, ge_i, ge_f)


@kernel(parallel=True)
def _areas_parallel(bits, codes, weights, class_start, diag, binary, sign_shift, low_mask,
                    n_digits, twice_i, twice_f, ap, n_threads):
    for tt in prange(n_threads):
        _areas_thread(bits, codes, weights, class_start, diag, binary, sign_shift, low_mask,
                      n_digits, twice_i, twice_f, ap, np.int64(tt), n_threads)


def class_score_areas(scores, codes, n_classes, diag, weights=None, pairwise=True):
    """The areas of ``class_table_areas`` straight from the rows, keeping no table.

    Each thread sorts one column at a time into its own buffers and reduces
    it at once, so memory stays at a few buffers of ``n`` entries per thread
    whatever the number of columns. With ``pairwise=False`` each column is
    sorted into two segments only (its class, the rest): one merge instead of
    one per other class, all that one-vs-rest and average precision need.

    Returns ``(twice_area, ap_sum)``: ``twice_area`` (K, C), or (K, 1)
    against the rest when not ``pairwise``, int64 without weights and float64
    with; ``ap_sum`` (K,) float64.
    """
    scores, bits, codes, weights, kdt = prepared_matrix(scores, codes, weights)
    n, n_columns = scores.shape
    weighted = weights.shape[0] != 0
    sign_shift, low_mask = key_params(scores.dtype)
    diag = np.ascontiguousarray(diag, dtype=np.int64)
    if not pairwise and _blocks.is_small(n * n_columns):
        return small_inputs.rest_areas(scores, codes, diag, weights if weighted else None)
    start = class_start_of(codes, n_classes)
    if pairwise:
        class_start = np.repeat(start[None, :], n_columns, axis=0)
        width = n_classes
    else:  # per column: the rest, then the column's class
        sizes = np.diff(start)[np.maximum(diag, 0)] * (diag >= 0)
        class_start = np.stack([np.zeros(n_columns, np.int64), n - sizes,
                                np.full(n_columns, n, np.int64)], axis=1)
        width = 2
    class_start = np.ascontiguousarray(class_start, dtype=np.int64)
    twice_i = np.zeros((n_columns, width), dtype=np.int64)
    twice_f = np.zeros((n_columns, width), dtype=np.float64)
    ap = np.zeros(n_columns, dtype=np.float64)
    if n:
        args = (bits, codes.reshape(-1, 1), weights, class_start, diag, not pairwise,
                sign_shift, low_mask, kdt.itemsize * 8 // DIGIT_BITS, twice_i, twice_f, ap)
        _run(_areas_thread, _areas_parallel, args, _threads(n * n_columns, n_columns))
    twice = twice_f if weighted else twice_i
    return (twice if pairwise else twice[:, :1]), ap


@kernel(nogil=True)
def _table_areas_thread(bits, counts, weights, offsets, n_classes, diag, sign_shift,
                        low_mask, twice_i, twice_f, ap, t, n_threads):
    n_columns = diag.shape[0]
    longest = 1
    widest = 1
    for col in range(n_columns):
        widest = max(widest, offsets[(col + 1) * n_classes] - offsets[col * n_classes])
        d = diag[col]
        if d >= 0:
            longest = max(longest, offsets[col * n_classes + d + 1]
                          - offsets[col * n_classes + d])
    weighted = weights.shape[0] != 0
    acc = np.empty(longest, dtype=np.float64)
    ge_i = np.empty(0 if weighted else longest, dtype=np.int64)
    ge_f = np.empty(longest if weighted else 0, dtype=np.float64)
    keys = np.empty(widest, dtype=bits.dtype)
    seg = np.empty(n_classes + 1, dtype=np.int64)
    for col in range(t, n_columns, n_threads):
        base = offsets[col * n_classes]
        end = offsets[(col + 1) * n_classes]
        for c in range(n_classes + 1):
            seg[c] = offsets[col * n_classes + c] - base
        part = bits[base:end]
        for i in range(end - base):
            keys[i] = sort_key(np.uint64(part[i]), sign_shift, low_mask)
        w = weights[base:end] if weighted else weights
        ap[col] = _column_areas(keys, counts[base:end], w, seg, diag[col], twice_i[col],
                                twice_f[col], acc, ge_i, ge_f)


@kernel(parallel=True)
def _table_areas_parallel(bits, counts, weights, offsets, n_classes, diag, sign_shift,
                          low_mask, twice_i, twice_f, ap, n_threads):
    for tt in prange(n_threads):
        _table_areas_thread(bits, counts, weights, offsets, n_classes, diag, sign_shift,
                            low_mask, twice_i, twice_f, ap, np.int64(tt), n_threads)


def class_table_areas(thresholds, counts, weight_sums, offsets, n_classes, diag):
    """Mann-Whitney counts and AP sums of stored class tables.

    ``diag[k]`` is the class (index among the ``n_classes``) that column
    ``k`` scores, -1 for a class no row carries. Returns ``(twice_area,
    ap_sum)``: ``twice_area[k, c]`` is twice the Mann-Whitney count of class
    ``diag[k]`` over class ``c`` in column ``k`` (0 where ``c == diag[k]``),
    ``ap_sum[k]`` the sum over the distinct scores of class ``diag[k]`` of its
    amount times the precision there. Amounts are counts (int64 result) or,
    with ``weight_sums``, weights (float64).
    """
    thresholds = np.ascontiguousarray(thresholds)
    kdt = key_dtype(thresholds.dtype)
    sign_shift, low_mask = key_params(thresholds.dtype)
    diag = np.ascontiguousarray(diag, dtype=np.int64)
    n_columns = diag.shape[0]
    weighted = weight_sums is not None
    twice_i = np.zeros((n_columns, n_classes), dtype=np.int64)
    twice_f = np.zeros((n_columns, n_classes), dtype=np.float64)
    ap = np.zeros(n_columns, dtype=np.float64)
    if n_columns and n_classes:
        args = (thresholds.view(kdt), np.ascontiguousarray(counts, dtype=np.int64),
                NO_WEIGHTS if not weighted else np.ascontiguousarray(weight_sums, np.float64),
                np.ascontiguousarray(offsets, dtype=np.int64), np.int64(n_classes), diag,
                sign_shift, low_mask, twice_i, twice_f, ap)
        _run(_table_areas_thread, _table_areas_parallel, args,
             _threads(thresholds.shape[0], n_columns))
    return (twice_f if weighted else twice_i), ap


# ----------------------------------------------------------------------------
# merging class tables
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _merge_segments(bits_a, counts_a, weights_a, off_a, map_a, bits_b, counts_b, weights_b,
                    off_b, map_b, n_columns, n_classes, sign_shift, low_mask, bits, counts,
                    weights, offsets):
    """Sorted merge of every segment of two class tables, adding equal scores."""
    ca = map_a.shape[0]
    cb = map_b.shape[0]
    weighted = weights.shape[0] != 0
    wa = weights_a.shape[0] != 0
    wb = weights_b.shape[0] != 0
    # which input class feeds each output class
    src_a = np.full(n_classes, -1, dtype=np.int64)
    src_b = np.full(n_classes, -1, dtype=np.int64)
    for c in range(ca):
        src_a[map_a[c]] = c
    for c in range(cb):
        src_b[map_b[c]] = c
    u = 0
    for k in range(n_columns):
        for c in range(n_classes):
            offsets[k * n_classes + c] = u
            i = ie = j = je = 0
            if src_a[c] >= 0:
                i = off_a[k * ca + src_a[c]]
                ie = off_a[k * ca + src_a[c] + 1]
            if src_b[c] >= 0:
                j = off_b[k * cb + src_b[c]]
                je = off_b[k * cb + src_b[c] + 1]
            while i < ie or j < je:
                ka = np.uint64(0)
                kb = np.uint64(0)
                if i < ie:
                    ka = sort_key(np.uint64(bits_a[i]), sign_shift, low_mask)
                if j < je:
                    kb = sort_key(np.uint64(bits_b[j]), sign_shift, low_mask)
                take_a = i < ie and (j == je or ka <= kb)
                take_b = j < je and (i == ie or kb <= ka)
                count = np.int64(0)
                wsum = 0.0
                if take_a:
                    bits[u] = bits_a[i]
                    count += counts_a[i]
                    if weighted:
                        wsum += weights_a[i] if wa else np.float64(counts_a[i])
                    i += 1
                if take_b:
                    bits[u] = bits_b[j]
                    count += counts_b[j]
                    if weighted:
                        wsum += weights_b[j] if wb else np.float64(counts_b[j])
                    j += 1
                counts[u] = count
                if weighted:
                    weights[u] = wsum
                u += 1
    offsets[n_columns * n_classes] = u
    return u


def merge_class_tables(table_a, map_a, table_b, map_b, n_classes):
    """Merge two class tables over the same columns (``table_a``'s rows first).

    ``table_*`` are ``(thresholds, counts, weight_sums, offsets)`` as from
    :func:`class_score_tables`; ``map_*`` give the output class of each of
    their classes. Thresholds come out in the wider dtype; a table without
    weights counts each row with weight 1 when the other has weights.
    """
    ta, ca, wa, oa = table_a
    tb, cb, wb, ob = table_b
    dtype = np.result_type(ta.dtype, tb.dtype)
    ta = np.ascontiguousarray(ta, dtype=dtype)
    tb = np.ascontiguousarray(tb, dtype=dtype)
    kdt = key_dtype(dtype)
    sign_shift, low_mask = key_params(dtype)
    map_a = np.ascontiguousarray(map_a, dtype=np.int64)
    map_b = np.ascontiguousarray(map_b, dtype=np.int64)
    n_columns = (oa.shape[0] - 1) // max(map_a.shape[0], 1) if map_a.shape[0] else (
        (ob.shape[0] - 1) // max(map_b.shape[0], 1) if map_b.shape[0] else 0)
    weighted = wa is not None or wb is not None
    size = ta.shape[0] + tb.shape[0]
    bits = np.empty(size, dtype=kdt)
    counts = np.empty(size, dtype=np.int64)
    weights = np.empty(size if weighted else 0, dtype=np.float64)
    offsets = np.zeros(n_columns * n_classes + 1, dtype=np.int64)
    used = _merge_segments(ta.view(kdt), np.ascontiguousarray(ca, dtype=np.int64),
                           NO_WEIGHTS if wa is None else np.ascontiguousarray(wa, np.float64),
                           np.ascontiguousarray(oa, dtype=np.int64), map_a, tb.view(kdt),
                           np.ascontiguousarray(cb, dtype=np.int64),
                           NO_WEIGHTS if wb is None else np.ascontiguousarray(wb, np.float64),
                           np.ascontiguousarray(ob, dtype=np.int64), map_b,
                           np.int64(n_columns), np.int64(n_classes), sign_shift, low_mask,
                           bits, counts, weights, offsets)
    bits, counts = bits[:used].copy(), counts[:used].copy()
    weights = weights[:used].copy() if weighted else None
    return bits.view(dtype), counts, weights, offsets

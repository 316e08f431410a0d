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
  more than sorting in them (docs/architecture.md, "Measured on this machine").

Kernels never raise on data: callers check for NaN first (``count_nonfinite``).
Any nonzero label counts as positive.
"""


from __future__ import annotations

import numpy as np

from . import _blocks, hash_count, small_inputs
from ._blocks import NO_WEIGHTS, kernel
from .radix_sort import radix_areas, radix_sorted, radix_table
from .sort_keys import count_nonfinite, prepared, score_keys

__all__ = [
    "score_keys",
    "count_nonfinite",
    "distinct_score_table",
    "distinct_score_counts",
    "distinct_score_areas",
    "merge_score_tables",
]

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


def distinct_score_counts(scores, labels, weights=None):
    """``distinct_score_table`` with the counts as one (2, U) table.

    Returns ``(thresholds, counts, pos_w, neg_w)``: ``counts[0]`` holds the
    negatives and ``counts[1]`` the positives per distinct score (rows of one
    buffer, so a caller keeping both needs no copy).
    """
    scores, bits, labels, weights, sign_shift, low_mask, kdt = prepared(
        scores, labels, weights)
    n = scores.shape[0]
    if _blocks.is_small(n):
        return small_inputs.score_table(scores, labels, None if weights is NO_WEIGHTS
                                        else weights)
    table = None
    if n >= hash_count.HASH_MIN_ROWS:
        table = hash_count.hash_table(bits, labels, weights, sign_shift, low_mask, kdt)
    if table is None:
        table = radix_table(bits, labels, weights, sign_shift, low_mask, kdt)
    out_bits, counts, pos_w, neg_w = table
    thresholds = out_bits.view(scores.dtype)
    _fix_zero_sign(thresholds, scores)
    return thresholds, counts, pos_w, neg_w


# ----------------------------------------------------------------------------
# distinct_score_areas: ROC AUC and average precision without the table
# ----------------------------------------------------------------------------

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
    scores, bits, labels, weights, sign_shift, low_mask, kdt = prepared(scores, labels, None)
    n = scores.shape[0]
    if _blocks.is_small(n):
        return small_inputs.table_areas(small_inputs.score_table(scores, labels, None)[1])
    table = None
    if n >= hash_count.HASH_MIN_ROWS:
        table = hash_count.hash_table(bits, labels, weights, sign_shift, low_mask, kdt)
    if table is not None:
        return small_inputs.table_areas(table[1])
    keys, _, scratch, _, n_neg, n_blocks = radix_sorted(bits, labels, weights, sign_shift,
                                                         low_mask, kdt)
    del scratch
    twice_area, ap_sum = radix_areas(keys, n_neg, n_blocks)
    return twice_area, n - n_neg, n_neg, ap_sum


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
        pwa = nwa = pwb = nwb = pw = nw = NO_WEIGHTS
    used = int(_merge_tables(ta, pa, na, pwa, nwa, tb, pb, nb, pwb, nwb, t, p, q, pw, nw,
                             weighted))
    out = [t, p, q, pw, nw] if weighted else [t, p, q]
    for a in out:
        if used < size:
            a.resize(used, refcheck=False)
    return (*out, None, None) if not weighted else tuple(out)

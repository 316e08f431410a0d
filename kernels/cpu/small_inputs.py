"""numpy answers of the kernels for small inputs: no compile on a first call.

**The rule** (one, for every kernel with a function here): a kernel called on
fewer than ``_blocks.SMALL_INPUT_ROWS`` rows (score cells, for a score
matrix) answers with the function of the same role in this module, and the
Numba code runs from that size on. A Numba kernel is compiled the first time
it is ever called (or loaded from the on-disk cache later): the radix sort,
merge and area kernels behind a first ``roc_auc_score`` cost 5-10 s of
compiling on a 2-core machine, for an input that numpy answers in
microseconds. Above the threshold the compile is amortized by the work; below
it a user should never wait on the compiler.

**Bit for bit.** Each function here returns exactly what its Numba kernel
returns, not only to rounding: the same sums in the same order. Numba's
loops add up from ``0.0`` in row order (ties keep the row order, the sort is
stable), and so do ``np.bincount`` (weights summed per bin in input order)
and ``np.cumsum`` over an array with a leading ``0.0``; ``np.sum`` (pairwise)
and ``np.add.reduceat`` are never used on floats here. Integer counts are
exact whichever the order. ``tests/test_small_inputs.py`` checks every
function against its kernel's Numba path on random and adversarial inputs
(ties, signed zeros, infinities, zero weights).

Float keys: a float's bits map to unsigned sort keys whose ascending order is
the scores' descending order, ``-0.0`` as ``+0.0`` (``sort_keys.sort_key``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["int_label_range", "label_presence", "label_codes", "nonfinite", "score_table",
           "table_areas", "pr_arrays", "roc_arrays", "score_checks", "rest_areas"]

#: the unsigned key type of each score dtype (``sort_keys`` reads it here: it
#: imports this module, so the table cannot live there)
KEY_DTYPE = {np.dtype(np.float32): np.dtype(np.uint32),
             np.dtype(np.float64): np.dtype(np.uint64)}


def sort_keys(scores: np.ndarray) -> np.ndarray:
    """Unsigned keys of float scores: ascending key order = descending score order.

    ``-0.0`` becomes ``+0.0``; negative floats keep their bits, positive ones
    flip every bit below the sign (``sort_keys.sort_key``, vectorized).

    Examples
    --------
    >>> import numpy as np
    >>> keys = sort_keys(np.array([0.5, -1.0, 2.0, -0.0, 0.0]))
    >>> np.argsort(keys, kind="stable").tolist()
    [2, 0, 3, 4, 1]
    """
    kdt = KEY_DTYPE[scores.dtype]
    u = scores.view(kdt).copy()
    shift = kdt.type(kdt.itemsize * 8 - 1)
    one = kdt.type(1)
    u[u == one << shift] = 0  # -0.0 -> +0.0
    low_mask = (one << shift) - one
    return u ^ (((u >> shift) - one) & low_mask)


def key_bits(keys: np.ndarray) -> np.ndarray:
    """The float bits of sort keys (the inverse of :func:`sort_keys` on them)."""
    kdt = keys.dtype
    shift = kdt.type(kdt.itemsize * 8 - 1)
    one = kdt.type(1)
    return keys ^ (((keys >> shift) - one) & ((one << shift) - one))


def int_label_range(values: np.ndarray) -> tuple[int, int] | None:
    """``(min, max)`` of integer labels as ``confusion.scan_labels`` finds them.

    None for the dtypes left to the kernel: floats (their scan also checks
    integrality) and uint64 (the kernel's int64 view wraps above 2**63).
    """
    kind = values.dtype.kind
    if not (kind in "ib" or (kind == "u" and values.dtype.itemsize < 8)):
        return None
    return int(values.min()), int(values.max())


def label_presence(values: np.ndarray, offset: int, size: int) -> np.ndarray:
    """Which of the values ``offset .. offset + size - 1`` occur (``confusion.label_presence``)."""
    present = np.zeros(size, dtype=np.bool_)
    present[values.astype(np.int64) - offset] = True
    return present


def label_codes(values: np.ndarray, lookup: np.ndarray, offset: int) -> np.ndarray:
    """uint8 ``lookup[values - offset]`` (``confusion.label_codes``)."""
    return lookup.astype(np.uint8)[values.astype(np.int64) - offset]


def nonfinite(values: np.ndarray) -> tuple[int, int]:
    """``(count, first_index)`` of NaN/inf values; ``(0, -1)`` when all are finite."""
    bad = np.flatnonzero(~np.isfinite(values))
    return int(bad.size), (int(bad[0]) if bad.size else -1)


def _sequential_sum(values: np.ndarray) -> float:
    """Left-to-right sum from ``0.0``, as a Numba loop adds (``np.sum`` is pairwise)."""
    if values.size == 0:
        return 0.0
    return float(np.cumsum(np.concatenate(([0.0], values)))[-1])


def _groups(keys: np.ndarray):
    """Stable order of ``keys``, the sorted keys, and each sorted row's group."""
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    new = np.empty(sorted_keys.size, dtype=bool)
    new[:1] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new[1:])
    return order, sorted_keys, new, np.cumsum(new) - 1


def score_table(scores: np.ndarray, labels: np.ndarray, weights: np.ndarray | None):
    """``ranking.distinct_score_counts`` of finite ``scores``, in numpy.

    Returns ``(thresholds, counts, pos_w, neg_w)``: distinct scores descending,
    ``counts`` a (2, U) int64 table (negatives, positives), the weight sums
    (None without weights). The ``+-0`` threshold carries the value of the
    last row that scored zero, as scikit-learn reports it.

    Examples
    --------
    >>> import numpy as np
    >>> t, counts, _, _ = score_table(np.array([0.2, 0.9, 0.2]), np.array([1, 0, 0]), None)
    >>> t.tolist(), counts.tolist()
    ([0.9, 0.2], [[1, 1], [0, 1]])
    """
    n = scores.shape[0]
    if n == 0:
        empty = None if weights is None else np.zeros(0)
        return np.zeros(0, dtype=scores.dtype), np.zeros((2, 0), dtype=np.int64), empty, empty
    order, sorted_keys, new, group = _groups(sort_keys(scores))
    size = int(group[-1]) + 1
    positive = labels[order] != 0
    counts = np.empty((2, size), dtype=np.int64)
    counts[0] = np.bincount(group[~positive], minlength=size)
    counts[1] = np.bincount(group[positive], minlength=size)
    pos_w = neg_w = None
    if weights is not None:
        w = weights[order]
        # (astype: bincount of no rows gives int64 zeros, even with weights)
        pos_w = np.bincount(group[positive], weights=w[positive],
                            minlength=size).astype(np.float64, copy=False)
        neg_w = np.bincount(group[~positive], weights=w[~positive],
                            minlength=size).astype(np.float64, copy=False)
    thresholds = key_bits(sorted_keys[new]).view(scores.dtype)
    zero = np.flatnonzero(thresholds == 0.0)
    if zero.size:
        thresholds[zero[0]] = scores[np.flatnonzero(scores == 0.0)[-1]]
    return thresholds, counts, pos_w, neg_w


def table_areas(counts: np.ndarray) -> tuple[int, int, int, float]:
    """``(twice_area, n_pos, n_neg, ap_sum)`` of a (2, U) count table, descending scores.

    The ROC AUC is ``twice_area / (2 n_pos n_neg)`` (exact in int64), the
    average precision ``ap_sum / n_pos``, its terms
    ``pos * tps / (tps + fps)`` added in descending score order.
    """
    neg, pos = counts[0], counts[1]
    tps = np.cumsum(pos)
    fps = np.cumsum(neg)
    twice_area = int(np.dot(neg, 2 * (tps - pos) + pos)) if pos.size else 0
    hit = pos != 0
    ap = _sequential_sum(pos[hit] * (tps[hit] / (tps[hit] + fps[hit])))
    return twice_area, int(tps[-1]) if tps.size else 0, int(fps[-1]) if fps.size else 0, ap


def pr_arrays(pos: np.ndarray, neg: np.ndarray, thresholds: np.ndarray):
    """``curves.pr_curve_from_counts``: precision, recall, thresholds, recall decreasing."""
    tps = np.cumsum(pos)
    fps = np.cumsum(neg)
    n_pos = tps[-1] if tps.size else 0
    precision = np.concatenate(((tps / (tps + fps))[::-1], [1.0]))
    recall = np.concatenate(((tps / np.float64(n_pos))[::-1], [0.0]))
    return precision, recall, thresholds[::-1].copy()


def roc_arrays(pos: np.ndarray, neg: np.ndarray, thresholds: np.ndarray):
    """``curves.roc_curve_from_counts`` of more than two distinct scores.

    A point between two others is dropped when both steps around it are the
    same (collinear), as scikit-learn's ``drop_intermediate`` drops it.
    """
    keep = np.ones(pos.shape[0], dtype=np.bool_)
    keep[1:-1] = (pos[2:] != pos[1:-1]) | (neg[2:] != neg[1:-1])
    tps = np.cumsum(pos)
    fps = np.cumsum(neg)
    fpr = np.concatenate(([0.0], fps[keep] / np.float64(fps[-1])))
    tpr = np.concatenate(([0.0], tps[keep] / np.float64(tps[-1])))
    return fpr, tpr, np.concatenate(([np.inf], thresholds[keep].astype(np.float64)))


def score_checks(scores: np.ndarray) -> tuple[int, int, int, int]:
    """``score_checks.score_checks`` in numpy: NaN/inf cells and unnormalized rows.

    Returns ``(n_nonfinite, first_nonfinite, n_unnormalized, first_unnormalized)``
    (flat index of the first bad cell, first bad row; -1 where none). A row is
    normalized where ``np.allclose(1, row.sum())`` holds, in the scores' dtype.
    """
    n_bad, first_bad = nonfinite(scores.reshape(-1))
    dtype = scores.dtype.type
    total = scores.sum(axis=1)  # numpy's pairwise row sums, as the kernel computes them
    with np.errstate(invalid="ignore", over="ignore"):
        close = (np.abs(dtype(1.0) - total) <= dtype(1e-8) + dtype(1e-5) * np.abs(total))
        close = (close & np.isfinite(total)) | (total == dtype(1.0))
    wrong = np.flatnonzero(~close)
    return n_bad, first_bad, int(wrong.size), (int(wrong[0]) if wrong.size else -1)


def rest_areas(scores: np.ndarray, codes: np.ndarray, diag: np.ndarray,
               weights: np.ndarray | None):
    """``class_tables.class_score_areas(..., pairwise=False)`` in numpy.

    Column ``k`` against the rest: its class ``diag[k]`` (-1: absent) is the
    positive one. Returns ``(twice_area, ap_sum)`` of shapes (K, 1) and (K,):
    int64 areas without weights, float64 with, summed as the kernel's merge
    walk sums them (per distinct positive score, in descending order).
    """
    n_columns = scores.shape[1]
    twice = np.zeros((n_columns, 1), dtype=np.int64 if weights is None else np.float64)
    ap = np.zeros(n_columns)
    for k in range(n_columns):
        if diag[k] < 0:
            continue
        positive = codes == diag[k]
        if weights is None:
            _, counts, _, _ = score_table(np.ascontiguousarray(scores[:, k]), positive, None)
            twice[k, 0], _, _, ap[k] = table_areas(counts)
        else:
            twice[k, 0], ap[k] = _weighted_rest_areas(scores[:, k], positive, weights)
    return twice, ap


def _weighted_rest_areas(scores, positive, weights):
    """The weighted walk of ``class_tables._raw_binary_areas``, group by group.

    Per distinct positive score in descending order: ``p`` its positive
    weight, ``e`` the negative weight at that score, ``above`` the negative
    weight scoring higher, summed row by row (not group by group) as the
    kernel walks the sorted negatives.
    """
    keys = sort_keys(np.ascontiguousarray(scores))
    neg_order = np.argsort(keys[~positive], kind="stable")
    neg_keys = keys[~positive][neg_order]
    neg_w = weights[~positive][neg_order]
    order = np.argsort(keys[positive], kind="stable")  # sorted once: keys and weights
    pos_keys = keys[positive][order]
    pos_w = weights[positive][order]
    if pos_keys.size == 0:
        return 0.0, 0.0
    new = np.r_[True, pos_keys[1:] != pos_keys[:-1]]
    group = np.cumsum(new) - 1
    distinct = pos_keys[new]
    p = np.bincount(group, weights=pos_w, minlength=distinct.size).astype(np.float64)
    running = np.cumsum(np.concatenate(([0.0], neg_w)))  # running[j]: first j negatives
    total = running[-1]
    lo = np.searchsorted(neg_keys, distinct, side="left")
    hi = np.searchsorted(neg_keys, distinct, side="right")
    above = running[lo]
    neg_group = np.repeat(np.arange(distinct.size), hi - lo)
    e = np.bincount(neg_group, weights=neg_w[_ranges(lo, hi)],
                    minlength=distinct.size).astype(np.float64)
    at_least = above + e
    twice = _sequential_sum(p * (2.0 * (total - at_least) + e))
    tps = np.cumsum(np.concatenate(([0.0], p)))[1:]
    hit = p != 0.0
    ap = _sequential_sum(p[hit] * (tps[hit] / (tps[hit] + at_least[hit])))
    return twice, ap


def _ranges(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The indices ``lo[0]:hi[0], lo[1]:hi[1], ...`` concatenated."""
    lengths = hi - lo
    if lengths.sum() == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(lo - np.cumsum(np.r_[0, lengths[:-1]]), lengths)
    return starts + np.arange(lengths.sum())

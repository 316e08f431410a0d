"""Plain-numpy reference implementations of every kernel: the oracle for tests.

Each function here has the same name, arguments and results as its twin in
``kernels/cpu`` (and, later, ``kernels/gpu``). They are written for clarity, not
speed: tests compare the fast kernels against them on random inputs.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "scan_labels",
    "label_presence",
    "confusion_counts",
    "binary_confusion_sums",
    "multilabel_confusion_counts",
    "label_codes",
    "roc_auc_from_counts",
    "average_precision_from_counts",
    "pr_curve_from_counts",
    "roc_curve_from_counts",
    "score_keys",
    "count_nonfinite",
    "distinct_score_table",
    "merge_score_tables",
]


def scan_labels(values):
    """Range and validity of numeric labels.

    Returns ``(lo, hi, first_nonfinite, first_nonintegral)``: the smallest and
    largest value as int64 (over finite values within the int64 range for
    floats), and the first row holding NaN/inf and the first row holding a finite
    value that is non-integral or outside ``[-2**63, 2**63)``, each -1 when there
    is none. An empty array gives ``(0, -1, -1, -1)``.
    """
    values = np.asarray(values)
    n = values.shape[0]
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        bad = np.flatnonzero(~finite)
        first_nonfinite = int(bad[0]) if bad.size else -1
        in_range = finite & (values >= -2.0**63) & (values < 2.0**63)
        fv = values[in_range]
        nonint = np.flatnonzero(finite & ~(in_range & (values == np.trunc(
            np.where(finite, values, 0)))))
        first_nonintegral = int(nonint[0]) if nonint.size else -1
        if fv.size == 0:
            return 0, -1, first_nonfinite, first_nonintegral
        return int(fv.min()), int(fv.max()), first_nonfinite, first_nonintegral
    if n == 0:
        return 0, -1, -1, -1
    return int(values.min()), int(values.max()), -1, -1


def label_presence(values, offset, size):
    """Boolean mask of length ``size``: which ``value - offset`` occur in ``values``."""
    present = np.zeros(size, dtype=np.bool_)
    present[np.asarray(values).astype(np.int64) - offset] = True
    return present


def _codes(values, lookup, offset):
    return np.asarray(lookup)[np.asarray(values).astype(np.int64) - offset]


def confusion_counts(y_true, y_pred, true_lookup, pred_lookup, true_offset, pred_offset,
                     n_classes, weights=None, groups=None, group_lookup=None,
                     group_offset=0, n_groups=1, threshold=None, weight_dtype=np.float64):
    """Count (group, true class, predicted class) cells.

    Class codes are ``true_lookup[y_true - true_offset]`` and likewise for
    ``y_pred``; with ``threshold`` given, ``y_pred`` holds scores and the
    predicted code is ``pred_lookup[1]`` where ``score >= threshold``, else
    ``pred_lookup[0]``.

    Returns ``(counts, weight_sums, first_nonfinite)``: int64 counts of shape
    ``(n_groups, n_classes, n_classes)``, the same shape of weight sums in
    ``weight_dtype`` (``None`` without weights), and the first row whose score is
    NaN or infinite (-1 if none; always -1 without ``threshold``).
    """
    t = _codes(y_true, true_lookup, true_offset)
    first_nonfinite = -1
    if threshold is None:
        p = _codes(y_pred, pred_lookup, pred_offset)
    else:
        scores = np.asarray(y_pred)
        bad = np.flatnonzero(~np.isfinite(scores))
        first_nonfinite = int(bad[0]) if bad.size else -1
        p = np.where(scores >= threshold, pred_lookup[1], pred_lookup[0]).astype(np.int64)
    g = np.zeros_like(t) if groups is None else _codes(groups, group_lookup, group_offset)
    flat = (g * n_classes + t) * n_classes + p
    size = n_groups * n_classes * n_classes
    counts = np.bincount(flat, minlength=size).astype(np.int64).reshape(
        n_groups, n_classes, n_classes)
    sums = None
    if weights is not None:
        sums = np.zeros(size, dtype=weight_dtype)
        np.add.at(sums, flat, np.asarray(weights).astype(weight_dtype))
        sums = sums.reshape(n_groups, n_classes, n_classes)
    return counts, sums, first_nonfinite


def binary_confusion_sums(y_true, y_pred, threshold=None):
    """Sums behind a binary confusion matrix of 0/1 labels.

    Returns ``(n, sum_true, sum_pred, sum_both, bits_seen, first_nonfinite)``:
    row count, number of rows with label 1, with prediction 1, with both, the
    bitwise OR of every label and prediction value as an unsigned 64-bit integer
    (``<= 1`` iff all values are 0 or 1, a negative value setting the high bits;
    only labels with ``threshold``), and the first NaN/inf score row.
    """
    t = np.asarray(y_true).astype(np.int64)
    first_nonfinite = -1
    if threshold is None:
        p = np.asarray(y_pred).astype(np.int64)
        bits = int(np.bitwise_or.reduce(t | p)) if t.size else 0
    else:
        scores = np.asarray(y_pred)
        bad = np.flatnonzero(~np.isfinite(scores))
        first_nonfinite = int(bad[0]) if bad.size else -1
        p = (scores >= threshold).astype(np.int64)
        bits = int(np.bitwise_or.reduce(t)) if t.size else 0
    bits &= (1 << 64) - 1
    return (t.size, int(t.sum()), int(p.sum()), int((t & p).sum()), bits, first_nonfinite)


def multilabel_confusion_counts(y_true, y_pred, weights=None, weight_dtype=np.float64):
    """Per-label 2x2 counts and the per-row (tp, fp, fn) table of a multilabel task.

    ``y_true`` and ``y_pred`` are ``(n, L)`` 0/1 indicator arrays. Returns
    ``(counts, weight_sums, row_keys, first_invalid)`` where ``counts`` is int64
    ``(L, 2, 2)`` ([label, true, pred]), ``weight_sums`` the same in
    ``weight_dtype`` or ``None``, ``row_keys`` int64 ``(n,)`` encoding each row's
    ``(tp, fp, fn)`` as ``(tp * (L + 1) + fp) * (L + 1) + fn``, and
    ``first_invalid`` the first flat index ``row * L + col`` of a value not in
    {0, 1} (-1 if none).
    """
    yt = np.asarray(y_true)
    yp = np.asarray(y_pred)
    n, L = yt.shape
    bad = np.flatnonzero(((yt != 0) & (yt != 1)).ravel() | ((yp != 0) & (yp != 1)).ravel())
    first_invalid = int(bad[0]) if bad.size else -1
    t = (yt != 0).astype(np.int64)
    p = (yp != 0).astype(np.int64)
    counts = np.zeros((L, 2, 2), dtype=np.int64)
    for a in (0, 1):
        for b in (0, 1):
            counts[:, a, b] = ((t == a) & (p == b)).sum(axis=0)
    sums = None
    if weights is not None:
        w = np.asarray(weights).astype(weight_dtype)[:, None]
        sums = np.zeros((L, 2, 2), dtype=weight_dtype)
        for a in (0, 1):
            for b in (0, 1):
                sums[:, a, b] = (((t == a) & (p == b)) * w).sum(axis=0)
    tp = (t & p).sum(axis=1)
    fp = ((1 - t) & p).sum(axis=1)
    fn = (t & (1 - p)).sum(axis=1)
    keys = (tp * (L + 1) + fp) * (L + 1) + fn
    return counts, sums, keys.astype(np.int64), first_invalid


def label_codes(values, lookup, offset):
    """uint8 class code of each row: ``lookup[values - offset]``."""
    return np.asarray(lookup)[np.asarray(values).astype(np.int64) - offset].astype(np.uint8)


def score_keys(scores):
    """Unsigned integer keys whose order is the numeric order of the scores.

    float32 scores give uint32 keys, float64 scores uint64 keys. ``-0.0`` and
    ``+0.0`` get the same key; +-inf get the smallest and largest keys of finite
    and infinite scores. NaN has no meaningful key (callers refuse it first).
    """
    scores = np.asarray(scores)
    kdt = np.uint32 if scores.dtype == np.float32 else np.uint64
    bits = (scores + scores.dtype.type(0.0)).view(kdt)  # -0.0 + 0.0 == +0.0
    sign = kdt(1) << kdt(bits.dtype.itemsize * 8 - 1)
    negative = (bits & sign) != 0
    return np.where(negative, ~bits, bits | sign).astype(kdt)


def count_nonfinite(scores):
    """``(count, first_index)`` of NaN/inf scores; ``(0, -1)`` when all are finite."""
    bad = np.flatnonzero(~np.isfinite(np.asarray(scores)))
    return int(bad.size), (int(bad[0]) if bad.size else -1)


def distinct_score_table(scores, labels, weights=None):
    """Table of the distinct scores of a binary problem, in descending order.

    ``scores`` is float32 or float64 (no NaN), ``labels`` 0/1 (any nonzero
    value counts as positive), ``weights`` None or float64. Returns
    ``(thresholds, pos_counts, neg_counts, pos_weights, neg_weights)``:

    * ``thresholds``: the distinct scores, descending, in the scores' dtype.
      ``-0.0`` and ``+0.0`` are one threshold; its value is that of the group's
      last row (in row order), the value scikit-learn's curves report: they
      sort stably in descending order and keep each tie group's last row.
      (With weights sklearn first drops zero-weight rows; its zero threshold
      then differs in sign only if the group's last row has zero weight and
      another sign than its last row of nonzero weight.) Keeping the last row
      makes tables of consecutive chunks merge into the table of the whole.
    * ``pos_counts``, ``neg_counts``: int64 rows per threshold with label 1 / 0.
    * ``pos_weights``, ``neg_weights``: float64 weight sums per threshold, or
      ``None`` without weights.

    Rows of zero weight are counted like any other (callers that follow
    scikit-learn drop them). Empty input gives empty arrays.
    """
    scores = np.asarray(scores)
    positive = np.asarray(labels).astype(bool)
    keys = score_keys(scores)
    # np.unique's return_index is the first occurrence; reverse to get the last.
    uniq, last_rev, inverse = np.unique(keys[::-1], return_index=True, return_inverse=True)
    last = scores.shape[0] - 1 - last_rev
    inverse = inverse.reshape(-1)[::-1]
    size = uniq.size
    pos = np.bincount(inverse[positive], minlength=size).astype(np.int64)
    neg = np.bincount(inverse[~positive], minlength=size).astype(np.int64)
    pos_w = neg_w = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        pos_w = np.bincount(inverse[positive], weights=w[positive], minlength=size)
        neg_w = np.bincount(inverse[~positive], weights=w[~positive], minlength=size)
        pos_w, neg_w = pos_w[::-1].astype(np.float64), neg_w[::-1].astype(np.float64)
    thresholds = scores[last][::-1].copy()
    return thresholds, pos[::-1].copy(), neg[::-1].copy(), pos_w, neg_w


def merge_score_tables(table_a, table_b):
    """Merge two distinct-score tables as if their rows had been one input.

    ``table_a`` holds the earlier rows: for equal thresholds (``+0.0 == -0.0``)
    counts and weight sums add up and the value of ``table_b`` is kept (the
    group's last row is in b). Both tables are weighted or neither is.
    """
    ta, pa, na, pwa, nwa = table_a
    tb, pb, nb, pwb, nwb = table_b
    t = np.concatenate([np.asarray(ta), np.asarray(tb)])
    # Stable sort on the key: within a tie a's entry precedes b's.
    keys = score_keys(t)
    order = np.argsort(~keys, kind="stable")
    k = keys[order]
    start = np.flatnonzero(np.r_[True, k[1:] != k[:-1]]) if k.size else np.zeros(0, int)
    end = np.r_[start[1:], k.size] - 1 if k.size else np.zeros(0, int)

    def add(a, b, dtype):
        return np.add.reduceat(np.concatenate([a, b]).astype(dtype)[order], start) \
            if k.size else np.zeros(0, dtype)

    pos = add(pa, pb, np.int64)
    neg = add(na, nb, np.int64)
    pos_w = None if pwa is None else add(pwa, pwb, np.float64)
    neg_w = None if nwa is None else add(nwa, nwb, np.float64)
    return t[order][end], pos, neg, pos_w, neg_w


def roc_auc_from_counts(pos, neg):
    """Area under the ROC curve from per-score amounts (descending scores)."""
    tps = np.r_[0.0, np.cumsum(pos, dtype=np.float64)]
    fps = np.r_[0.0, np.cumsum(neg, dtype=np.float64)]
    return float(np.trapezoid(tps / tps[-1], fps / fps[-1]))


def average_precision_from_counts(pos, neg):
    """Average precision (step sum) from per-score amounts (descending scores)."""
    tps = np.cumsum(pos, dtype=np.float64)
    fps = np.cumsum(neg, dtype=np.float64)
    recall = np.r_[0.0, tps / tps[-1]]
    return max(0.0, float(np.sum(np.diff(recall) * (tps / (tps + fps)))))


def pr_curve_from_counts(pos, neg, thresholds):
    """Precision-recall arrays as scikit-learn returns them (descending input)."""
    tps = np.cumsum(pos, dtype=np.float64)
    fps = np.cumsum(neg, dtype=np.float64)
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    return (np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0],
            np.asarray(thresholds)[::-1].copy())


def roc_curve_from_counts(pos, neg, thresholds):
    """ROC arrays with scikit-learn's drop_intermediate=True (descending input)."""
    tps = np.cumsum(pos, dtype=np.float64)
    fps = np.cumsum(neg, dtype=np.float64)
    thresholds = np.asarray(thresholds)
    if fps.shape[0] > 2:
        keep = np.where(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])[0]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    tps = np.r_[0.0, tps]
    fps = np.r_[0.0, fps]
    return fps / fps[-1], tps / tps[-1], np.r_[np.inf, thresholds.astype(np.float64)]

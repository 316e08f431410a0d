"""Plain-numpy oracles of the multiclass ranking kernels (``kernels/cpu/class_tables.py``).

Same names, arguments and results as their twins; written for clarity, not
speed: tests compare the fast kernels against them on random inputs.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "class_score_tables",
    "binary_score_tables",
    "class_score_areas",
    "class_table_areas",
    "merge_class_tables",
    "score_checks",
    "row_ranking_scores",
    "reciprocal_rank_sums",
]


def _positive_zero(values):
    values = np.array(values, copy=True)
    values[values == 0] = 0.0  # -0.0 and 0.0 are one score
    return values


def class_score_tables(scores, codes, n_classes, weights=None):
    """Per score column and true class, the distinct scores with counts (and weights).

    Returns ``(thresholds, counts, weight_sums, offsets)``: segment ``(k, c)``
    of the flat arrays is ``[offsets[k * C + c], offsets[k * C + c + 1])``,
    its thresholds strictly descending (``-0.0`` as ``0.0``), in the scores'
    dtype; ``weight_sums`` is None without weights.
    """
    scores = np.asarray(scores)
    codes = np.asarray(codes, dtype=np.int64)
    n, n_columns = scores.shape
    thresholds, counts, wsums, offsets = [], [], [], [0]
    for k in range(n_columns):
        for c in range(n_classes):
            rows = codes == c
            values = _positive_zero(scores[rows, k])
            uniq, inverse = np.unique(values, return_inverse=True)
            uniq, inverse = uniq[::-1], uniq.size - 1 - inverse.ravel()
            thresholds.append(uniq)
            counts.append(np.bincount(inverse, minlength=uniq.size).astype(np.int64))
            if weights is not None:
                wsums.append(np.bincount(inverse, weights=np.asarray(weights, np.float64)[rows],
                                         minlength=uniq.size))
            offsets.append(offsets[-1] + uniq.size)
    cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts
           else np.zeros(0, dtype=dt))
    return (cat(thresholds, scores.dtype), cat(counts, np.int64),
            None if weights is None else cat(wsums, np.float64),
            np.array(offsets, dtype=np.int64))


def binary_score_tables(scores, labels, weights=None):
    """One binary distinct-score table per column (labels ``labels[:, k]``).

    Returns ``(thresholds, counts, weight_sums, offsets)``: column ``k``'s
    table is ``[offsets[k], offsets[k + 1])``, thresholds strictly descending
    (``-0.0`` as ``0.0``), ``counts`` (2, T): negatives, positives per score.
    """
    scores = np.asarray(scores)
    labels = np.asarray(labels) != 0
    thresholds, counts, wsums, offsets = [], [], [], [0]
    for k in range(scores.shape[1]):
        values = _positive_zero(scores[:, k])
        uniq, inverse = np.unique(values, return_inverse=True)
        uniq, inverse = uniq[::-1], uniq.size - 1 - inverse.ravel()
        thresholds.append(uniq)
        counts.append(np.stack([np.bincount(inverse[labels[:, k] == v], minlength=uniq.size)
                                for v in (False, True)]).astype(np.int64))
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            wsums.append(np.stack([np.bincount(inverse[labels[:, k] == v],
                                               weights=w[labels[:, k] == v],
                                               minlength=uniq.size) for v in (False, True)]))
        offsets.append(offsets[-1] + uniq.size)
    cat = (lambda parts, dt, shape: np.concatenate(parts, axis=-1).astype(dt) if parts
           else np.zeros(shape, dtype=dt))
    return (cat(thresholds, scores.dtype, (0,)), cat(counts, np.int64, (2, 0)),
            None if weights is None else cat(wsums, np.float64, (2, 0)),
            np.array(offsets, dtype=np.int64))


def _pair_areas(pos_t, pos_a, neg_t, neg_a):
    """Twice the Mann-Whitney count of (pos_t, pos_a) over (neg_t, neg_a), and for
    each positive score the negative amount at or above it."""
    above = np.array([neg_a[neg_t > t].sum() for t in pos_t])
    equal = np.array([neg_a[neg_t == t].sum() for t in pos_t])
    below = neg_a.sum() - above - equal
    return (pos_a * (2 * below + equal)).sum(), above + equal


def class_table_areas(thresholds, counts, weight_sums, offsets, n_classes, diag):
    """Twice the Mann-Whitney counts (K, C) and the AP sums (K,) of stored class tables.

    ``twice_area[k, c]``: class ``diag[k]`` over class ``c`` in column ``k``;
    ``ap_sum[k]``: sum over the distinct scores ``t`` of class ``diag[k]`` of
    its amount at ``t`` times ``TP(>= t) / (TP(>= t) + FP(>= t))``. Amounts are
    the counts (int64 result) or the weight sums (float64).
    """
    amounts = counts if weight_sums is None else weight_sums
    n_columns = len(diag)
    twice = np.zeros((n_columns, n_classes), dtype=np.asarray(amounts).dtype)
    ap = np.zeros(n_columns)
    for k, d in enumerate(diag):
        if d < 0:
            continue
        seg = lambda c: slice(offsets[k * n_classes + c], offsets[k * n_classes + c + 1])
        pos_t, pos_a = thresholds[seg(d)], amounts[seg(d)]
        if pos_t.size == 0:
            continue
        fp = np.zeros(pos_t.size)
        for c in range(n_classes):
            if c == d:
                continue
            twice[k, c], at_least = _pair_areas(pos_t, pos_a, thresholds[seg(c)],
                                                amounts[seg(c)])
            fp += at_least
        tp = np.cumsum(pos_a, dtype=np.float64)
        nz = pos_a != 0
        ap[k] = float(np.sum(pos_a[nz] * (tp[nz] / (tp[nz] + fp[nz]))))
    return twice, ap


def class_score_areas(scores, codes, n_classes, diag, weights=None):
    """The areas of :func:`class_table_areas` straight from the rows."""
    return class_table_areas(*class_score_tables(scores, codes, n_classes, weights),
                             n_classes, diag)


def merge_class_tables(table_a, map_a, table_b, map_b, n_classes):
    """Merge two class tables over the same columns (``table_a``'s rows first).

    ``map_*`` give the output class of each input class; thresholds come out in
    the wider dtype; without weights on one side each row weighs 1.
    """
    dtype = np.result_type(table_a[0].dtype, table_b[0].dtype)
    weighted = table_a[2] is not None or table_b[2] is not None
    n_columns = None
    for (t, c, w, o), m in ((table_a, map_a), (table_b, map_b)):
        if len(m):
            n_columns = (len(o) - 1) // len(m)
    n_columns = n_columns or 0
    thresholds, counts, wsums, offsets = [], [], [], [0]
    for k in range(n_columns):
        for c in range(n_classes):
            ts, cs, ws = [], [], []
            for t, cnt, w, o, m in ((*table_a, map_a), (*table_b, map_b)):
                for ci, target in enumerate(m):
                    if target == c:
                        s = slice(o[k * len(m) + ci], o[k * len(m) + ci + 1])
                        ts.append(t[s].astype(dtype))
                        cs.append(cnt[s])
                        ws.append(w[s] if w is not None else cnt[s].astype(np.float64))
            t = np.concatenate(ts) if ts else np.zeros(0, dtype)
            uniq, inverse = np.unique(t, return_inverse=True)
            uniq, inverse = uniq[::-1], uniq.size - 1 - inverse.ravel()
            thresholds.append(uniq)
            counts.append(np.bincount(inverse, weights=np.concatenate(cs) if cs else None,
                                      minlength=uniq.size).astype(np.int64))
            if weighted:
                wsums.append(np.bincount(inverse, weights=np.concatenate(ws) if ws else None,
                                         minlength=uniq.size))
            offsets.append(offsets[-1] + uniq.size)
    cat = (lambda parts, dt: np.concatenate(parts).astype(dt) if parts
           else np.zeros(0, dtype=dt))
    return (cat(thresholds, dtype), cat(counts, np.int64),
            cat(wsums, np.float64) if weighted else None, np.array(offsets, dtype=np.int64))


def score_checks(scores):
    """``(n_nonfinite, first_nonfinite, n_unnormalized, first_unnormalized)``.

    NaN/inf cells (the first as a row-major flat index) and rows failing
    scikit-learn's check ``np.allclose(1, y_score.sum(axis=1))``; -1 where none.
    """
    scores = np.asarray(scores)
    if scores.size == 0:
        return 0, -1, 0, -1
    bad_cells = np.flatnonzero(~np.isfinite(scores).ravel())
    bad = ~np.isclose(1, scores.sum(axis=1))
    return (int(bad_cells.size), int(bad_cells[0]) if bad_cells.size else -1,
            int(bad.sum()), (int(np.flatnonzero(bad)[0]) if bad.any() else -1))


def row_ranking_scores(truth, scores, max_fpr=None):
    """ROC AUC (NaN for one class; partial for 0 < max_fpr < 1) and AP per row."""
    truth = np.asarray(truth)
    scores = np.asarray(scores)
    n = scores.shape[0]
    auc = np.empty(n)
    ap = np.empty(n)
    for i in range(n):
        y, s = truth[i] != 0, scores[i].astype(np.float64)
        n_pos, n_neg = int(y.sum()), int((~y).sum())
        order = np.argsort(-s, kind="stable")
        s, y = s[order], y[order]
        last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
        tps = np.cumsum(y)[last].astype(np.float64)
        fps = np.cumsum(~y)[last].astype(np.float64)
        if n_pos:
            precision = tps / (tps + fps)
            gain = np.diff(np.r_[0.0, tps])
            ap[i] = max(0.0, float(np.sum(gain * precision)) / n_pos)
        else:
            ap[i] = 0.0
        if n_pos == 0 or n_neg == 0:
            auc[i] = np.nan
            continue
        fpr = np.r_[0.0, fps / n_neg]
        tpr = np.r_[0.0, tps / n_pos]
        if max_fpr is None or max_fpr == 1:
            auc[i] = np.trapezoid(tpr, fpr)
            continue
        stop = np.searchsorted(fpr, max_fpr, "right")
        y_at = np.interp(max_fpr, fpr[stop - 1:stop + 1], tpr[stop - 1:stop + 1])
        area = np.trapezoid(np.r_[tpr[:stop], y_at], np.r_[fpr[:stop], max_fpr])
        min_area = 0.5 * max_fpr ** 2
        auc[i] = 0.5 * (1 + (area - min_area) / (max_fpr - min_area))
    return auc, ap


def reciprocal_rank_sums(scores, codes, n_classes, weights=None):
    """``sums[c, j]``: over rows of class ``c``, ``w / #{columns scoring >= column j}``."""
    scores = np.asarray(scores)
    codes = np.asarray(codes, dtype=np.int64)
    n, m = scores.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    ranks = (scores[:, None, :] >= scores[:, :, None]).sum(axis=2)  # (n, m)
    sums = np.zeros((n_classes, m))
    np.add.at(sums, codes, w[:, None] / ranks)
    return sums

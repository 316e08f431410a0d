"""Plain-numpy twins of the kernels in ``kernels/cpu/calibration.py``: the test oracle.

Same names, arguments and results as the Numba kernels, written for clarity.
Class codes are ``lookup[y_true - offset]``; rows whose probability is NaN,
infinite or outside [0, 1] are left out and the first one is reported.
"""

from __future__ import annotations

import numpy as np

__all__ = ["calibration_bins", "binary_loss_sums", "multiclass_loss_sums"]


def _codes(values, lookup, offset):
    return np.asarray(lookup)[np.asarray(values).astype(np.int64) - offset]


def _first(mask) -> int:
    found = np.flatnonzero(mask)
    return int(found[0]) if found.size else -1


def _sums(codes, values, size):
    """float64 sums of ``values`` per code (``np.bincount`` with weights)."""
    return np.bincount(codes, weights=values, minlength=size).astype(np.float64)


def calibration_bins(y_true, lookup, offset, n_classes, y_prob, inner_edges, uniform,
                     weights=None):
    """Per (probability bin, class) sums.

    ``inner_edges`` are the ``B - 1`` interior bin edges (sorted); a row with
    probability ``p`` falls in bin ``searchsorted(inner_edges, p, side="left")``
    (``uniform`` only says the edges are equal-width, a hint for the fast
    kernel). Returns ``(counts, prob_sums, weight_sums, weighted_prob_sums,
    first_invalid)``: int64 counts and float64 sums of ``p`` of shape
    ``(B, n_classes)``; with ``weights``, the float64 sums of the weight and of
    ``weight * p`` (else ``None``); and the first row whose probability is not
    in [0, 1] (NaN included), -1 if none. Such rows are not counted.
    """
    p = np.asarray(y_prob).astype(np.float64)
    valid = (p >= 0) & (p <= 1)
    first_invalid = _first(~valid)
    n_bins = len(inner_edges) + 1
    codes = _codes(y_true, lookup, offset)[valid]
    p = p[valid]
    bins = np.searchsorted(np.asarray(inner_edges, dtype=np.float64), p, side="left")
    flat = bins * n_classes + codes
    size = n_bins * n_classes
    shape = (n_bins, n_classes)
    counts = np.bincount(flat, minlength=size).astype(np.int64).reshape(shape)
    prob_sums = _sums(flat, p, size).reshape(shape)
    weight_sums = wprob_sums = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)[valid]
        weight_sums = _sums(flat, w, size).reshape(shape)
        wprob_sums = _sums(flat, w * p, size).reshape(shape)
    return counts, prob_sums, weight_sums, wprob_sums, first_invalid


def _neg_log_clipped(v, dtype):
    eps = np.finfo(dtype).eps
    return -np.log(np.clip(v, eps, dtype.type(1) - eps).astype(np.float64))


def binary_loss_sums(y_true, lookup, offset, n_classes, y_prob, col_lo, col_hi, weights=None,
                     log=True, brier=True):
    """Loss sums of probabilities of the positive class, per true class.

    Row ``i`` has the two columns ``[q, p]`` with ``q = 1 - p`` rounded in the
    dtype of ``y_prob``; for a row of class ``c`` only the columns
    ``col_lo[c] .. col_hi[c]`` (within 0 .. 1) are filled. Returns ``(counts, weight_sums, log_sums, brier_sums,
    first_invalid)``: int64 rows per class; float64 weight per class (``None``
    without weights); ``log_sums[c, j]``, the (weighted) sum over rows of class
    ``c`` of ``-log(clip(column j, eps, 1 - eps))`` with ``eps`` the dtype's
    machine epsilon; ``brier_sums[c, j]`` the sum of ``(delta_0j - q)**2 +
    (delta_1j - p)**2`` (``None`` when not asked for); and the first row whose
    probability is not in [0, 1], -1 if none (such rows are left out).
    """
    p = np.asarray(y_prob)
    dtype = p.dtype
    valid = (p >= 0) & (p <= 1)
    first_invalid = _first(~valid)
    p = p[valid]
    q = (dtype.type(1) - p).astype(dtype)
    codes = _codes(y_true, lookup, offset)[valid]
    w = (np.ones(p.size) if weights is None
         else np.asarray(weights, dtype=np.float64)[valid])
    counts = np.bincount(codes, minlength=n_classes).astype(np.int64)
    wsums = None if weights is None else _sums(codes, w, n_classes)
    log_sums = brier_sums = None
    fill = [np.asarray(col_lo)[codes] <= j for j in (0, 1)]
    fill = [f & (j <= np.asarray(col_hi)[codes]) for j, f in enumerate(fill)]
    if log:
        log_sums = np.stack([_sums(codes[f], (w * _neg_log_clipped(col, dtype))[f], n_classes)
                             for col, f in zip((q, p), fill)], axis=1)
    if brier:
        pf, qf = p.astype(np.float64), q.astype(np.float64)
        as_neg = (1 - qf) ** 2 + pf ** 2
        as_pos = qf ** 2 + (1 - pf) ** 2
        brier_sums = np.stack([_sums(codes[f], (w * t)[f], n_classes)
                               for t, f in zip((as_neg, as_pos), fill)], axis=1)
    return counts, wsums, log_sums, brier_sums, first_invalid


def multiclass_loss_sums(y_true, lookup, offset, n_classes, y_proba, col_lo, col_hi,
                         weights=None, log=True, brier=True):
    """Loss sums of 2-D probabilities, per (true class, column).

    For a row of class ``c`` only the columns ``col_lo[c] .. col_hi[c]``
    (inclusive) are filled: ``log_sums[c, j]`` adds ``-log(clip(P[i, j], eps,
    1 - eps))`` and ``brier_sums[c, j]`` adds ``sum_m (delta_mj - P[i, m])**2``
    (both weighted). Returns ``(counts, weight_sums, log_sums, brier_sums,
    first_invalid, first_unnormalized)`` where ``first_invalid`` is the first
    flat index ``row * K + column`` of a value not in [0, 1] (its row is left
    out) and ``first_unnormalized`` the first (valid) row whose sum, in the
    input's dtype, is not ``isclose`` to 1 with ``rtol=sqrt(eps)``,
    ``atol=1e-8``; -1 when there is none.
    """
    P = np.asarray(y_proba)
    dtype = P.dtype
    n, k = P.shape
    bad = ~((P >= 0) & (P <= 1))
    first_invalid = _first(bad.ravel())
    valid = ~bad.any(axis=1)
    eps = np.finfo(dtype).eps
    totals = np.zeros(n, dtype=dtype)
    for j in range(k):  # left to right, as the kernel adds
        totals = (totals + P[:, j]).astype(dtype)
    close = np.abs(totals.astype(np.float64) - 1.0) <= 1e-8 + float(np.sqrt(np.float64(eps)))
    first_unnormalized = _first(valid & ~close)
    P = P[valid]
    codes = _codes(y_true, lookup, offset)[valid]
    w = (np.ones(codes.size) if weights is None
         else np.asarray(weights, dtype=np.float64)[valid])
    counts = np.bincount(codes, minlength=n_classes).astype(np.int64)
    wsums = None if weights is None else _sums(codes, w, n_classes)
    log_sums = np.zeros((n_classes, k)) if log else None
    brier_sums = np.zeros((n_classes, k)) if brier else None
    lo = np.asarray(col_lo)[codes]
    hi = np.asarray(col_hi)[codes]
    Pf = P.astype(np.float64)
    for j in range(k):
        rows = (lo <= j) & (j <= hi)
        if log:
            log_sums[:, j] = _sums(codes[rows], w[rows] * _neg_log_clipped(
                P[rows, j], dtype), n_classes)
        if brier:
            target = np.zeros(k)
            target[j] = 1.0
            sq = ((target - Pf[rows]) ** 2).sum(axis=1)
            brier_sums[:, j] = _sums(codes[rows], w[rows] * sq, n_classes)
    return counts, wsums, log_sums, brier_sums, first_invalid, first_unnormalized

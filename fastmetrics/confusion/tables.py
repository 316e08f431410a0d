"""The arithmetic of every confusion-matrix metric, on a stack of B tables.

Each function here is the one implementation of a metric's formula. It takes
per-label sums as (B, L) arrays (or per-table totals as (B,) arrays) and
returns (B,) values with the masks of the cases where the metric is 0/0, so
that

* a one-table finalizer (:mod:`fastmetrics.confusion.prf`,
  :mod:`fastmetrics.confusion.agreement`) calls it with B = 1 and turns the
  masks into scikit-learn's warnings, and
* the bootstrap's batched route (:mod:`fastmetrics.inference.batched`) calls
  it with B resampled tables at once and turns the masks into *undefined*
  resamples.

Both routes therefore run the same operations in the same order, and agree bit
for bit. The reductions are chosen for that: a row of B tables is reduced as
numpy reduces that row alone (:func:`row_sum`, :func:`masked_mean`), dot
products go through ``np.matmul`` (which calls the same BLAS dot as
``np.dot`` for each table), and sums over a variable subset of labels pack the
selected entries to the left (:func:`row_groups`), so that weighted (float)
tables round exactly as scikit-learn's one-table formulas do.

Examples
--------
>>> import numpy as np
>>> tp, fp, fn = np.array([[3, 1]]), np.array([[1, 0]]), np.array([[0, 2]])
>>> scores = prf_values(tp, fp, fn, np.ones((1, 2), dtype=bool), beta=1.0,
...                     average="macro", zero_division="warn")
>>> scores.precision.tolist(), scores.recall.tolist()
([0.875], [0.6666666666666666])
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._core.metric import divide_or_fill

__all__ = ["row_sum", "row_groups", "masked_mean", "masked_weighted_mean", "masked_sums",
           "prf_values", "ratio_values", "count_ratio", "balanced_accuracy_values",
           "matthews_values", "kappa_values", "PRF"]


# ---------------------------------------------------------------------------
# Reductions that round as numpy rounds one table
# ---------------------------------------------------------------------------

def row_sum(a: np.ndarray) -> np.ndarray:
    """Row sums of a 2-D array, each added as ``np.sum`` adds that row alone.

    numpy sums a row of fewer than 8 numbers left to right, so a loop over the
    columns gives the same bits at a fraction of the cost of a reduction over a
    short axis; longer rows go to numpy's own (pairwise) reduction, which sums
    each contiguous row as it sums a 1-D array.

    >>> row_sum(np.array([[0.1, 0.2, 0.3]])).tolist() == [np.sum([0.1, 0.2, 0.3])]
    True
    """
    if a.shape[1] >= 8:
        return np.ascontiguousarray(a).sum(axis=1)
    out = np.zeros(a.shape[0], dtype=np.result_type(a.dtype, np.int64))
    for j in range(a.shape[1]):
        out += a[:, j]
    return out


def row_groups(mask: np.ndarray):
    """Group rows of a (B, L) mask by their number m of selected entries.

    Yields ``(rows, m, cols)``: ``rows`` indexes the tables of the group (a
    slice when it is all of them), ``cols`` is an (n_rows, m) array of their
    selected columns in order, or None when every column is selected. Packing
    the selected entries to the left with ``cols`` gives, row by row, the very
    array a one-table formula reduces, so a row sum of it adds the same
    numbers in the same order.
    """
    sizes = np.count_nonzero(mask, axis=1)
    width = mask.shape[1]
    if sizes.size and sizes.min() == width:  # the common case: nothing to pack
        yield slice(None), width, None
        return
    for m in np.unique(sizes).tolist():
        rows = np.flatnonzero(sizes == m)
        cols = None if m == width else np.nonzero(mask[rows])[1].reshape(rows.size, m)
        yield rows, m, cols


def packed(a: np.ndarray, rows, cols) -> np.ndarray:
    """The rows ``rows`` of ``a`` with their selected columns packed to the left."""
    sub = a[rows]
    return sub if cols is None else np.take_along_axis(sub, cols, axis=1)


def masked_mean(values: np.ndarray, mask: np.ndarray, *, skip_nan: bool = False) -> np.ndarray:
    """``np.mean`` (or ``np.nanmean`` with ``skip_nan``) of each row's selected entries.

    NaN where a row selects nothing (or, with ``skip_nan``, only NaN).
    """
    out = np.full(values.shape[0], np.nan)
    for rows, m, cols in row_groups(mask):
        if m == 0:
            continue
        a = packed(values, rows, cols)
        if skip_nan:
            # np.nanmean: NaN replaced by 0, the sum divided by the non-NaN count.
            nan = np.isnan(a)
            kept = np.count_nonzero(~nan, axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = row_sum(np.where(nan, 0.0, a)) / kept
            mean[kept == 0] = np.nan  # all NaN: np.nan itself, not the sign 0/0 leaves
            out[rows] = mean
        else:
            out[rows] = row_sum(a) / m
    return out


def masked_weighted_mean(values: np.ndarray, weights: np.ndarray,
                         mask: np.ndarray) -> np.ndarray:
    """``np.average(values, weights=weights)`` over each row's selected entries.

    Rows whose selected weights sum to zero get the unweighted mean: the
    fallback of scikit-learn's ``_nanaverage`` (on ``ZeroDivisionError``) and
    of its single-ratio metrics (``if not np.any(weights)``; weights are
    supports, never negative).
    """
    out = np.full(values.shape[0], np.nan)
    weights = weights.astype(np.float64)
    for rows, m, cols in row_groups(mask):
        if m == 0:
            continue
        a, w = packed(values, rows, cols), packed(weights, rows, cols)
        scale = row_sum(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            avg = row_sum(a * w) / scale
        zero = scale == 0
        if zero.any():
            avg[zero] = row_sum(a[zero]) / m
        out[rows] = avg
    return out


def masked_sums(mask: np.ndarray, *arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each array's sum over the selected labels, as (B, 1) arrays (``average='micro'``)."""
    every = bool(mask.all())
    return tuple(row_sum(a if every else np.where(mask, a, 0))[:, None] for a in arrays)


# ---------------------------------------------------------------------------
# Set-wise ratios: precision, recall, F-beta, Jaccard, specificity, NPV
# ---------------------------------------------------------------------------

class PRF(NamedTuple):
    """Precision, recall and F-beta of B tables, and where each was 0/0.

    ``precision``, ``recall``, ``fscore``: (B,) averages, or (B, L) per label
    with ``average=None``. ``true_sum``: (B, L) supports. ``zeros``: the (B, L)
    masks of 0/0 for precision, recall and F-beta (None for F-beta when
    ``beta`` is 0 or infinite, where it *is* precision or recall and never
    warns as an F-score).
    """

    precision: np.ndarray
    recall: np.ndarray
    fscore: np.ndarray
    true_sum: np.ndarray
    zeros: tuple


def prf_values(tp, fp, fn, selected, *, beta, average, zero_division) -> PRF:
    """scikit-learn's ``precision_recall_fscore_support`` on (B, L) per-label sums.

    Parameters
    ----------
    tp, fp, fn : ndarray of shape (B, L)
        True positives, false positives and false negatives of the L labels
        scored (int64 counts, or float64 weight sums).
    selected : ndarray of bool, shape (B, L)
        The labels that enter each table's averages (the labels present in a
        resampled table; all of them for one table).
    beta : float
    average : {'binary', 'micro', 'macro', 'weighted'} or None
    zero_division : {'warn', 0.0, 1.0, np.nan}

    Returns
    -------
    PRF
    """
    pred_sum = tp + fp
    true_sum = tp + fn
    if average == "micro":
        tp, pred_sum, true_sum = masked_sums(selected, tp, pred_sum, true_sum)
        fp, fn = pred_sum - tp, true_sum - tp
        selected = np.ones(tp.shape, dtype=bool)
    precision, p_zero = divide_or_fill(tp, pred_sum, zero_division)
    recall, r_zero = divide_or_fill(tp, true_sum, zero_division)
    if np.isposinf(beta):
        fscore, f_zero = recall, None
    elif beta == 0:
        fscore, f_zero = precision, None
    else:
        beta2 = beta ** 2
        # scikit-learn's _fscore recomputes the sums from (tp, fp, fn); on
        # weighted tables tp + (true - tp) may differ from true in the last bit.
        denom = (beta2 * np.asarray(tp + fn, dtype=np.float64)
                 + np.asarray(tp + fp, dtype=np.float64))
        fscore, f_zero = divide_or_fill((1 + beta2) * np.asarray(tp, dtype=np.float64), denom,
                                        zero_division)
    zeros = (p_zero, r_zero, f_zero)
    if average is None:
        return PRF(precision, recall, fscore, true_sum, zeros)
    if average in ("binary", "micro"):
        return PRF(precision[:, 0], recall[:, 0], fscore[:, 0], true_sum, zeros)
    # _nanaverage: NaN entries (zero_division=np.nan) are left out.
    if average == "macro":
        return PRF(*(masked_mean(v, selected, skip_nan=True)
                     for v in (precision, recall, fscore)), true_sum, zeros)
    return PRF(*(masked_weighted_mean(v, true_sum, selected & ~np.isnan(v))
                 for v in (precision, recall, fscore)), true_sum, zeros)


def ratio_values(numerator, denominator, support, selected, *, average, zero_division):
    """One set-wise ratio (Jaccard, specificity, NPV) on (B, L) per-label sums.

    Returns ``(values, zero)``: (B,) averages (or (B, L) with ``average=None``)
    and the (B, L) mask of 0/0. ``average='weighted'`` weights by ``support``;
    a NaN (``zero_division=np.nan``) makes an average NaN, as ``np.average``.
    """
    if average == "micro":
        numerator, denominator = masked_sums(selected, numerator, denominator)
        selected = np.ones(numerator.shape, dtype=bool)
    values, zero = divide_or_fill(numerator, denominator, zero_division)
    if average is None:
        return values, zero
    if average in ("binary", "micro"):
        return values[:, 0], zero
    if average == "macro":
        return masked_mean(values, selected), zero
    return masked_weighted_mean(values, support, selected), zero


# ---------------------------------------------------------------------------
# Whole-table agreement metrics
# ---------------------------------------------------------------------------

def count_ratio(kind: str, correct, total, normalize: bool = True):
    """Accuracy, zero-one loss or Hamming loss from correct and total rows (or weight).

    ``kind`` is ``"accuracy"``, ``"zero_one"`` or ``"hamming"`` (single-label
    targets; ``normalize`` does not apply to it). Arrays or scalars; 0/0 is NaN.
    The operations are scikit-learn's, so ``(n - c) / n`` and ``1 - c / n``
    keep their own roundings.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        if kind == "hamming":
            return (total - correct) / total
        if kind == "zero_one":
            return 1 - correct / total if normalize else np.asarray(total - correct, float)
        return correct / total if normalize else np.asarray(correct, dtype=float)


def balanced_accuracy_values(tp, true, adjusted: bool):
    """Mean recall over the labels with support, of (B, K) diagonals and row sums.

    Returns ``(score, dropped)``: (B,) scores and the (B,) tables where a label
    was only predicted (its recall 0/0 is left out, with scikit-learn's
    ``UserWarning``). With one label with support the adjusted score is -inf
    (NaN if all right), as in scikit-learn.
    """
    has_support = true > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = tp / true
        score = masked_mean(per_class, has_support)
        if adjusted:
            chance = 1 / np.count_nonzero(has_support, axis=1)
            score = (score - chance) / (1 - chance)
    return score, ~has_support.all(axis=1)


def matthews_values(t_sum, p_sum, n_correct):
    """Matthews correlation of (B, K) float64 row and column sums and (B,) traces.

    0.0 (defined, no warning) where a margin is constant, as in scikit-learn.
    """
    n_samples = row_sum(p_sum)
    cov_ytyp = n_correct * n_samples - _dot(t_sum, p_sum)
    cov_ypyp = n_samples ** 2 - _dot(p_sum, p_sum)
    cov_ytyt = n_samples ** 2 - _dot(t_sum, t_sum)
    product = cov_ypyp * cov_ytyt
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(product == 0, 0.0, cov_ytyp / np.sqrt(product))


def _dot(a, b):
    """Row-wise dot products, each the BLAS dot ``np.dot`` computes for that row."""
    return np.matmul(a[:, None, :], b[:, :, None])[:, 0, 0]


def _kappa_weight_matrix(m: int, weights) -> np.ndarray:
    """Disagreement weights over m labels, by position (scikit-learn's ``w_mat``)."""
    if weights is None:
        w_mat = np.ones([m, m], dtype=np.float64)
        np.fill_diagonal(w_mat, 0)
        return w_mat
    w_mat = np.zeros([m, m], dtype=np.float64)
    w_mat += np.arange(m)
    return np.abs(w_mat - w_mat.T) if weights == "linear" else (w_mat - w_mat.T) ** 2


def kappa_values(confusion, weights):
    """Cohen's kappa of a (B, m, m) stack of tables over the same m labels.

    Returns ``(kappa, no_rows, one_label)``: (B,) values (NaN where 0/0) and
    the two masks where scikit-learn warns that kappa is undefined: a table
    without rows, and tables whose expected disagreement is zero.
    """
    conf = np.asarray(confusion, dtype=np.float64)
    b, m = conf.shape[0], conf.shape[1]
    sum0 = conf.sum(axis=1)
    sum1 = conf.sum(axis=2)
    total = row_sum(sum0)
    w_mat = _kappa_weight_matrix(m, weights)
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = (sum0[:, :, None] * sum1[:, None, :]) / total[:, None, None]
        # np.sum of an m x m matrix: the sum of its m * m entries in memory order.
        numerator = row_sum((w_mat * conf).reshape(b, m * m))
        denominator = row_sum((w_mat * expected).reshape(b, m * m))
        kappa = 1 - numerator / denominator
    no_rows = total == 0
    one_label = ~no_rows & (denominator == 0)
    kappa[no_rows | one_label] = np.nan
    return kappa, no_rows, one_label

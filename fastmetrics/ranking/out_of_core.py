"""Exact binary ROC AUC and average precision of data larger than memory.

The distinct-score table of ``10^9`` distinct float32 scores does not fit in
memory, but neither metric needs it whole: both are sums over the distinct
scores in descending order, each term needing only the positives and
negatives above it. So:

1. **Count pass**: each score's sort key (its float bits, ordered like the
   scores) is cut to its top ``bucket_bits`` bits, and the positives and
   negatives of every bucket are counted (``2 ** bucket_bits`` counters).
2. The buckets, in descending score order, are grouped into *ranges* of at
   most ``range_rows`` rows (a bucket larger than that is a range of its
   own): disjoint intervals of scores, each small enough to tabulate.
3. **Spill pass**: every batch's rows are tabulated per range (distinct keys
   with their positive and negative counts, ties collapsed) and appended to
   that range's file in ``spill_dir`` (a temporary folder by default).
4. Each range's file is read back, its partial tables merged into the
   range's exact distinct-score table, and its AUC and AP terms added with
   the positives and negatives of the ranges above it.

Memory: the bucket counters, one batch, and one range's table; disk: one
range table per batch at most (less with ties). The AUC is exact (its
Mann-Whitney count is an int64 sum, as in memory); the AP equals the
in-memory one to float64 rounding (its terms are summed per range).
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass

import numpy as np

from .. import inputs as _inputs
from ..exceptions import (InvalidInputError, InvalidParameterError, LabelError,
                          UndefinedMetricWarning, format_message)
from .._core.columns import Column, float_values
from ..inputs import DictionaryChunk
from ..kernels.cpu import sort_keys

__all__ = ["ExactRanking", "out_of_core_ranking"]


@dataclass(frozen=True)
class ExactRanking:
    """Exact binary ranking metrics of a dataset read twice.

    Attributes
    ----------
    roc_auc : float
        :func:`~fastmetrics.roc_auc_score` of the rows (NaN with one class).
    average_precision : float
        :func:`~fastmetrics.average_precision_score` of the rows (NaN without
        positives).
    n_positive, n_negative : int
    n_distinct : int
        Distinct scores.
    n_ranges : int
        Score ranges tabulated one at a time.
    largest_range : int
        Rows of the largest range (what one range's table can hold at most).
    """

    roc_auc: float
    average_precision: float
    n_positive: int
    n_negative: int
    n_distinct: int
    n_ranges: int
    largest_range: int


def _check_int(name, value, low, high):
    if (isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer))
            or not low <= value <= high):
        raise InvalidParameterError(format_message(
            name, f"must be an integer in [{low}, {high}], got {value!r}"))
    return int(value)


def _batches(y_true, y_score, data, drop_nulls, pos_label):
    """``(positive mask, keys)`` of each batch: keys of ``score + 0.0`` (``-0.0`` is
    ``0.0``, as for scikit-learn)."""
    for batch in _inputs.iter_batches({"y_true": y_true, "y_score": y_score}, data=data,
                                      drop_nulls=drop_nulls):
        score_col = Column("y_score", batch.columns["y_score"], batch)
        score = np.ascontiguousarray(float_values(score_col))
        if score.ndim != 1:
            raise InvalidInputError(format_message(
                "y_score", f"must be 1-D (one score per row), got shape {score.shape}"))
        bad = ~np.isfinite(score)
        if bad.any():
            raise InvalidInputError(format_message(
                "y_score", "holds NaN or infinity", row=score_col.row(int(np.flatnonzero(bad)[0])),
                fix="Drop or fix those rows"))
        truth = batch.columns["y_true"]
        if isinstance(truth, DictionaryChunk):
            truth = truth.dictionary[np.asarray(truth.indices, dtype=np.int64)]
        positive = _positive(np.asarray(truth), pos_label, Column("y_true", truth, batch))
        yield positive, sort_keys.score_keys(score + score.dtype.type(0.0))


def _positive(truth, pos_label, col):
    if pos_label is not None:
        return truth == pos_label
    if truth.dtype == np.bool_:
        return truth
    bad = (~np.isin(truth, (0, 1, -1)) if truth.dtype.kind in "iuf"
           else np.ones(truth.size, dtype=bool))
    if not bad.any():
        return truth == 1
    first = int(np.flatnonzero(bad)[0])
    raise LabelError(format_message(
        "y_true", f"holds {truth[first]!r}; without pos_label= the labels must be 0/1, -1/1 "
                  "or booleans", row=col.row(first),
        fix="Pass pos_label= (the positive class)"))


def out_of_core_ranking(y_true, y_score, *, data=None, pos_label=None, drop_nulls=False,
                        range_rows=1 << 24, bucket_bits=16, spill_dir=None) -> ExactRanking:
    """Exact ROC AUC and average precision of a dataset too large for memory.

    The rows are read twice (see the module docstring), so ``data`` must be
    readable twice: a path to a Parquet / Arrow IPC / CSV file or a directory
    of them, a table or a dataset (not a one-shot reader).

    Parameters
    ----------
    y_true, y_score : column names or array-like
        Binary labels and scores (float32 keys keep float32 ties exact).
    data : path, table or dataset, optional
    pos_label : label, optional
        The positive class; by default labels are 0/1, -1/1 or booleans.
    drop_nulls : bool, default=False
    range_rows : int, default=2**24
        Most rows of a score range (memory: about 24 bytes a distinct score).
    bucket_bits : int, default=16
        Bits of the count pass's buckets (``2 ** bucket_bits`` counters).
    spill_dir : path, optional
        Folder for the range files (a temporary folder, removed after).

    Returns
    -------
    ExactRanking

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 100_000)
    >>> s = (y + rng.normal(0, 1, 100_000)).astype(np.float32)
    >>> r = fm.out_of_core_ranking(y, s, range_rows=20_000)
    >>> r.roc_auc == fm.roc_auc_score(y, s), r.n_ranges > 4
    (True, True)
    """
    range_rows = _check_int("range_rows", range_rows, 1, 1 << 40)
    bucket_bits = _check_int("bucket_bits", bucket_bits, 1, 24)
    # 1. count pass: positives and negatives per bucket of the key's top bits
    pos_counts = np.zeros(1 << bucket_bits, dtype=np.int64)
    all_counts = np.zeros(1 << bucket_bits, dtype=np.int64)
    key_bits = None
    for positive, keys in _batches(y_true, y_score, data, drop_nulls, pos_label):
        key_bits = keys.dtype.itemsize * 8
        bucket = (keys >> np.uint64(key_bits - bucket_bits)).astype(np.int64)
        all_counts += np.bincount(bucket, minlength=all_counts.size)
        pos_counts += np.bincount(bucket[positive], minlength=all_counts.size)
    n = int(all_counts.sum())
    if n == 0:
        raise InvalidInputError(format_message(
            "y_true", "is empty: no rows to evaluate", fix="Pass at least one row"))
    n_pos = int(pos_counts.sum())
    n_neg = n - n_pos
    # 2. ranges of buckets, highest scores first
    range_of_bucket = np.zeros(all_counts.size, dtype=np.int64)
    sizes, current, size = [], 0, 0
    for b in range(all_counts.size - 1, -1, -1):
        c = int(all_counts[b])
        if c and size and size + c > range_rows:
            sizes.append(size)
            current, size = current + 1, 0
        range_of_bucket[b] = current
        size += c
    sizes.append(size)
    n_ranges = current + 1
    # 3. spill pass: per batch, each range's distinct keys with their class counts
    folder = tempfile.mkdtemp(prefix="fastmetrics-ranges-", dir=spill_dir)
    try:
        files = [open(os.path.join(folder, f"range{r}.bin"), "wb") for r in range(n_ranges)]
        second_pass = 0
        try:
            for positive, keys in _batches(y_true, y_score, data, drop_nulls, pos_label):
                second_pass += keys.size
                bucket = (keys >> np.uint64(key_bits - bucket_bits)).astype(np.int64)
                ranges = range_of_bucket[bucket]
                order = np.argsort(ranges, kind="stable")
                bounds = np.searchsorted(ranges[order], np.arange(n_ranges + 1))
                for r in np.flatnonzero(np.diff(bounds)):
                    rows = order[bounds[r]:bounds[r + 1]]
                    _table(keys[rows], positive[rows]).tofile(files[r])
        finally:
            for f in files:
                f.close()
        if second_pass != n:
            raise InvalidInputError(format_message(
                "data", f"gave {n} rows to the first pass and {second_pass} to the second: "
                        "it changed between the two reads (or is a one-shot reader)",
                fix="Pass a file, a directory or a table that reads the same twice"))
        # 4. each range's exact table, in descending score order, with the counts above
        twice, ap, tp_above, fp_above, n_distinct = 0, 0.0, 0, 0, 0
        for r in range(n_ranges):
            parts = np.fromfile(os.path.join(folder, f"range{r}.bin"), dtype=np.uint64)
            table = _merge(parts.reshape(-1, 3))
            keys, pos, neg = table[::-1, 0], table[::-1, 1].astype(np.int64), \
                table[::-1, 2].astype(np.int64)
            tp = tp_above + np.cumsum(pos)
            fp = fp_above + np.cumsum(neg)
            twice += int(np.dot(neg, 2 * (tp - pos) + pos))
            with np.errstate(divide="ignore", invalid="ignore"):
                terms = np.where(pos > 0, pos * (tp / (tp + fp)), 0.0)
            ap += float(np.sum(terms))
            tp_above, fp_above = int(tp[-1]) if tp.size else tp_above, \
                int(fp[-1]) if fp.size else fp_above
            n_distinct += keys.size
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if not (n_pos and n_neg):
        warnings.warn(f"Only one class is present in y_true ({n_pos} positive, {n_neg} "
                      "negative rows): ROC AUC is not defined in that case (NaN).",
                      UndefinedMetricWarning, stacklevel=2)
    auc = twice / (2.0 * n_pos * n_neg) if n_pos and n_neg else math.nan
    return ExactRanking(auc, max(0.0, ap / n_pos) if n_pos else math.nan, n_pos, n_neg,
                        n_distinct, n_ranges, max(sizes))


def _table(keys, positive):
    """(U, 3) uint64: distinct keys, positives, negatives of some rows."""
    distinct, inverse = np.unique(keys, return_inverse=True)
    pos = np.bincount(inverse, weights=positive, minlength=distinct.size)
    total = np.bincount(inverse, minlength=distinct.size)
    return np.column_stack([distinct.astype(np.uint64), pos.astype(np.uint64),
                            (total - pos).astype(np.uint64)])


def _merge(parts):
    """Partial tables of one range -> its table, keys ascending."""
    distinct, inverse = np.unique(parts[:, 0], return_inverse=True)
    pos = np.bincount(inverse, weights=parts[:, 1].astype(np.float64), minlength=distinct.size)
    neg = np.bincount(inverse, weights=parts[:, 2].astype(np.float64), minlength=distinct.size)
    return np.column_stack([distinct, pos.astype(np.uint64), neg.astype(np.uint64)])

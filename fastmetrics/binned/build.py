"""Build a :class:`~fastmetrics.BinnedScoreState`: one histogram pass per batch.
"""

from __future__ import annotations

import numpy as np

from .. import _backend
from .._core import gpu as _gpu
from .._core.columns import (Column, float_values, float_weights, locate, raise_not_indicator,
                             widen)
from .._core.labels import present_classes
from .._core.pipeline import batch_column, merge_batches, open_batches
from ..exceptions import InputTypeError, InvalidInputError, InvalidParameterError, format_message
from ..kernels.cpu import binning as kernels
from .state import BinnedScoreState, MAX_CELLS, check_thresholds

__all__ = ['binned_score_state']


def _scores(col: Column) -> np.ndarray:
    """The score column as a contiguous float32/float64 array (1-D or 2-D)."""
    v = float_values(col)
    if v.ndim == 2 and v.shape[1] == 0:
        raise InputTypeError(format_message(col.name, "has no columns",
                                            fix="Pass at least one score column"))
    return np.ascontiguousarray(v)


def _indicators(col: Column, n_columns: int) -> np.ndarray:
    """A 2-D ``y_true`` as a contiguous numeric indicator array of ``n_columns``."""
    v = col.values
    if v.dtype.kind not in "biuf":
        raise InputTypeError(format_message(
            col.name, f"has unsupported dtype {v.dtype} for indicators",
            fix="Pass 0/1 integers or booleans"))
    if v.shape[1] != n_columns:
        raise InputTypeError(format_message(
            col.name, f"has {v.shape[1]} indicator columns but y_score has {n_columns}",
            fix="Give y_true and y_score the same label columns"))
    if v.dtype.kind == "b":
        v = v.view(np.uint8)
    return np.ascontiguousarray(widen(v))


def _raise_bad_score(col: Column, scores: np.ndarray, flat: int, count) -> None:
    if flat < 0:
        return
    row, where, value = locate(scores, flat)
    if not np.isfinite(value):
        raise InvalidInputError(format_message(
            col.name, f"contains NaN or infinity{where}", row=col.row(row),
            fix="Scores must be finite: drop or impute those rows"))
    raise InvalidInputError(format_message(
        col.name, f"holds {value!r}{where}, outside [0, 1]; thresholds={count} spaces "
                  "thresholds over [0, 1]", row=col.row(row),
        fix="Pass probabilities or an explicit array of thresholds"))


def _count_batch(t: Column, p: Column, w: Column | None, grid, count) -> BinnedScoreState:
    """Binned state of one batch."""
    scores = _scores(p)
    n_columns = 1 if scores.ndim == 1 else scores.shape[1]
    weights = float_weights(w)
    lo_ok, hi_ok = (0.0, 1.0) if count is not None else (-kernels.FINITE, kernels.FINITE)
    multilabel = not t.is_dictionary and t.values.ndim == 2 and t.values.shape[1] > 1
    if multilabel:
        if scores.ndim != 2:
            raise InputTypeError(format_message(
                t.name, "is a 2-D indicator array (multilabel) but y_score is 1-D",
                fix="Pass one score column per label"))
        labels = _indicators(t, n_columns)
        classes = np.array([0, 1])
        _check_size(n_columns, 2, grid.size)
        counts, sums, first_bad, first_bad_label = kernels.score_bins(
            labels, np.zeros(1, np.int64), 0, 2, scores, grid, lo_ok, hi_ok, weights)
        if first_bad_label >= 0 and (first_bad < 0 or first_bad_label < first_bad):
            row, j = divmod(first_bad_label, n_columns)
            raise_not_indicator(t, row, j, t.values[row, j])
    else:
        if not t.is_dictionary and t.values.ndim == 2:  # one column: 1-D labels
            t = Column(t.name, np.ascontiguousarray(t.values[:, 0]), t.batch)
        classes, array, lookup, offset = present_classes(t)
        k = max(classes.size, 1)
        _check_size(n_columns, k, grid.size)
        counts, sums, first_bad, _ = kernels.score_bins(
            array, lookup, offset, k, scores, grid, lo_ok, hi_ok, weights)
        counts = counts[:, :classes.size]
        sums = None if sums is None else sums[:, :classes.size]
    _raise_bad_score(p, scores, first_bad, count)
    return BinnedScoreState(grid, counts, sums, classes, multilabel)


def _check_size(n_columns, n_classes, n_thresholds) -> None:
    cells = n_columns * n_classes * (n_thresholds + 1)
    if cells > MAX_CELLS:
        raise InvalidParameterError(format_message(
            "thresholds", f"{n_thresholds} thresholds x {n_columns} score column(s) x "
                          f"{n_classes} classes make a histogram of {cells:,} cells, more "
                          f"than the {MAX_CELLS:,} allowed",
            fix="Pass fewer thresholds"))


def binned_score_state(y_true, y_score, *, thresholds, sample_weight=None, data=None,
                       drop_nulls=False) -> BinnedScoreState:
    """Count scores into per-class histograms over fixed thresholds (one O(n) pass).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or column name(s)
        Labels (any label type, any number of classes), or a 2-D 0/1
        indicator array with one column per score column (multilabel).
    y_score : array-like of shape (n_samples,) or (n_samples, n_columns), or column name(s)
        Scores; a 2-D array (for example multiclass probabilities) is binned
        column by column against the same ``y_true``. With ``data=``, a list
        of column names makes a 2-D input.
    thresholds : int or array-like of float
        An integer ``count >= 2`` means ``np.linspace(0, 1, count)``; the
        scores must then be probabilities in [0, 1] (anything else is an
        error naming the first offending row, never clipped). Otherwise the
        thresholds themselves (any finite values, sorted here, each once).
    sample_weight : array-like of shape (n_samples,) or column name, optional
    data, drop_nulls
        As for :func:`fastmetrics.confusion_state`.

    Returns
    -------
    BinnedScoreState

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.binned_score_state([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.45], thresholds=3)
    >>> s.thresholds.tolist(), s.counts[0].tolist()
    ([0.0, 0.5, 1.0], [[0, 2, 0, 0], [0, 0, 2, 0]])
    """
    grid, count = check_thresholds(thresholds)
    if data is None and _backend.backend_of(y_true=y_true, y_score=y_score) == _backend.CUDA:
        _backend.refuse_options("binned_score_state", sample_weight=sample_weight)
        classes, counts = _gpu.device_binned_counts(y_true, y_score, grid, count)
        return BinnedScoreState(grid, counts, None, classes, False)
    roles = {"y_true": y_true, "y_score": y_score, "sample_weight": sample_weight}
    two_d = frozenset({"y_true", "y_score"})
    _, names, batches = open_batches(roles, data, drop_nulls, two_d=two_d)
    return merge_batches(batches, lambda batch: _count_batch(
        *(batch_column(batch, names, role) for role in ("y_true", "y_score", "sample_weight")),
        grid, count), skip_empty=True)

"""Bands on curves and intervals of chosen operating points, from the resampled score table.

A binary ROC or precision-recall curve is a function of the distinct-score
table (positives and negatives at each distinct score). Each resample redraws
every entry of the table as a Poisson count (the Poisson bootstrap of
:mod:`fastmetrics.inference.bootstrap`, keyed by seed, resample and entry)
and recomputes the curve, so

* :func:`roc_band`: the TPR at a grid of FPR values (the ROC curve is
  piecewise linear between its points; on a vertical step the highest TPR),
  with pointwise percentile intervals;
* :func:`pr_band`: the interpolated precision at a grid of recall values
  (``max`` precision over the points with recall >= r, the usual PR
  interpolation), with pointwise percentile intervals;
* :func:`operating_point_interval`: a threshold chosen from the data (best
  F-beta, Youden's J, precision at recall >= r, recall at precision >= p) is
  chosen again in every resample, so the intervals of the threshold and of
  the precision, recall, F1 ... at it include the selection, not only the
  noise of the rates at a fixed threshold.

Pointwise intervals each cover their grid point at the level; the band as a
whole covers the entire curve less often. Unweighted rows only (a weighted
table cannot be redrawn without its rows); a resample with one class only is
undefined and left out (counted in ``n_undefined``).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import (FastMetricsError, InvalidInputError, InvalidParameterError,
                          UndefinedMetricWarning, format_message)
from ..kernels.cpu import resample as resample_kernels
from ..ranking.build import score_state
from ..ranking.thresholds import (best_fbeta_threshold, precision_at_recall,
                                  recall_at_precision, youden_threshold)
from .intervals import min_resamples
from .resampling import check_n_resamples, check_seed
from .results import _plain, check_confidence_level
from ..ranking.curves import positive_column
from .statistics import state_of_counts

__all__ = ["CurveBand", "OperatingPointInterval", "roc_band", "pr_band",
           "operating_point_interval"]

#: Default grid points of a band.
GRID_POINTS = 101


@dataclass(frozen=True, eq=False)
class CurveBand:
    """A curve on a grid with pointwise bootstrap intervals.

    Attributes
    ----------
    grid : ndarray of float64
        The FPR (ROC) or recall (PR) values.
    curve : ndarray of float64
        The TPR (ROC) or interpolated precision (PR) of the data at ``grid``.
    low, high : ndarray of float64
        Pointwise percentile bounds.
    kind : str
        ``"roc"`` or ``"pr"``.
    confidence_level : float
    n_resamples, n_undefined : int
    seed : int
    """

    grid: np.ndarray
    curve: np.ndarray
    low: np.ndarray
    high: np.ndarray
    kind: str
    confidence_level: float
    n_resamples: int
    n_undefined: int
    seed: int

    def to_dict(self) -> dict:
        return {"grid": self.grid.tolist(), "curve": self.curve.tolist(),
                "low": self.low.tolist(), "high": self.high.tolist(), "kind": self.kind,
                "confidence_level": self.confidence_level, "n_resamples": self.n_resamples,
                "n_undefined": self.n_undefined, "seed": self.seed}


def _check_grid(grid, name):
    if grid is None:
        return np.linspace(0.0, 1.0, GRID_POINTS)
    grid = np.asarray(grid, dtype=np.float64).reshape(-1)
    if grid.size == 0 or not np.all((grid >= 0) & (grid <= 1)):
        raise InvalidParameterError(format_message(
            name, "must be a non-empty array of values in [0, 1]",
            fix=f"Pass e.g. {name}=np.linspace(0, 1, 101)"))
    return grid


def tpr_at(neg: np.ndarray, pos: np.ndarray, fpr_grid: np.ndarray) -> np.ndarray:
    """TPR of the piecewise-linear ROC curve of a table (descending scores) at ``fpr_grid``."""
    fps = np.concatenate([[0.0], np.cumsum(neg, dtype=np.float64)])
    tps = np.concatenate([[0.0], np.cumsum(pos, dtype=np.float64)])
    fpr, tpr = fps / fps[-1], tps / tps[-1]
    last = fpr.size - 1
    j = np.searchsorted(fpr, fpr_grid, side="right") - 1  # the highest TPR at FPR <= x
    nxt = np.minimum(j + 1, last)
    span = fpr[nxt] - fpr[j]
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where(span > 0, (tpr[nxt] - tpr[j]) / span, 0.0)
    return np.where((j == last) | (fpr[j] == fpr_grid), tpr[j],
                    tpr[j] + (fpr_grid - fpr[j]) * slope)


def precision_at(neg: np.ndarray, pos: np.ndarray, recall_grid: np.ndarray) -> np.ndarray:
    """Interpolated precision (max over points with recall >= r) of a table at ``recall_grid``."""
    tps = np.cumsum(pos, dtype=np.float64)
    fps = np.cumsum(neg, dtype=np.float64)
    predicted = tps + fps
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(predicted > 0, tps / predicted, 0.0)
    recall = tps / tps[-1]
    best_after = np.maximum.accumulate(precision[::-1])[::-1]
    first = np.searchsorted(recall, recall_grid, side="left")  # recall is non-decreasing
    return best_after[np.minimum(first, recall.size - 1)]


def _check_defined(defined: np.ndarray, confidence_level: float, where: str, what: str) -> int:
    """Refuse fewer defined resamples than the level needs; return that minimum."""
    needed = min_resamples(confidence_level)
    if defined.sum() < needed:
        raise InvalidInputError(format_message(
            "n_resamples", f"left {int(defined.sum())} resamples where {where}; a "
                           f"{confidence_level:g} {what} needs at least {needed}",
            fix="Raise n_resamples, or evaluate on more rows"))
    return needed


def _resampled_tables(counts: np.ndarray, n_resamples: int, seed: int):
    for r in range(n_resamples):
        yield resample_kernels.table_resample_counts(counts, np.uint64(seed), r)


def _band(kind, y_true, y_score, grid, pos_label, n_resamples, confidence_level, seed, data,
          drop_nulls):
    n_resamples = check_n_resamples(n_resamples)
    confidence_level = check_confidence_level(confidence_level)
    seed = check_seed(seed)
    state = score_state(y_true, y_score, data=data, drop_nulls=drop_nulls)
    classes = state.classes.tolist()
    if kind == "roc" or pos_label is None:  # the greater label, as roc_auc_score
        pos_label = classes[-1] if len(classes) == 2 else 1
    pos, neg = positive_column(state, pos_label)
    if pos.sum() == 0 or (kind == "roc" and neg.sum() == 0):
        raise InvalidInputError(format_message(
            "y_true", "holds one class only, so the curve is undefined",
            fix="Pass rows of both classes"))
    at = tpr_at if kind == "roc" else precision_at
    curve = at(neg, pos, grid)
    values = np.full((n_resamples, grid.size), np.nan)
    table = np.ascontiguousarray(np.stack([neg, pos]))
    for r, drawn in enumerate(_resampled_tables(table, n_resamples, seed)):
        q, p = drawn[0], drawn[1]
        if p.sum() > 0 and (kind == "pr" or q.sum() > 0):
            values[r] = at(q, p, grid)
    defined = ~np.isnan(values[:, 0])
    _check_defined(defined, confidence_level, "the curve is defined", "band")
    alpha = 1.0 - confidence_level
    low, high = np.quantile(values[defined], [alpha / 2, 1 - alpha / 2], axis=0)
    return CurveBand(grid, curve, low, high, kind, confidence_level, n_resamples,
                     int(n_resamples - defined.sum()), seed)


def roc_band(y_true, y_score, *, fpr=None, n_resamples=1000, confidence_level=0.95, seed=0,
             data=None, drop_nulls=False) -> CurveBand:
    """Pointwise bootstrap band of the ROC curve: the TPR at a grid of FPR values.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        Binary labels; the greater label is positive (as
        :func:`~fastmetrics.roc_auc_score`).
    y_score : array-like of shape (n_samples,) or column name
    fpr : array-like, optional
        The grid, values in [0, 1]; default 101 evenly spaced points.
    n_resamples : int, default=1000
    confidence_level : float, default=0.95
    seed : int or None, default=0
    data, drop_nulls
        As for the metrics.

    Returns
    -------
    CurveBand

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 5000)
    >>> band = fm.roc_band(y, y + rng.normal(0, 1, 5000), fpr=[0.1, 0.5], n_resamples=500)
    >>> bool(np.all(band.low < band.curve)), bool(np.all(band.curve < band.high))
    (True, True)
    """
    return _band("roc", y_true, y_score, _check_grid(fpr, "fpr"), None, n_resamples,
                 confidence_level, seed, data, drop_nulls)


def pr_band(y_true, y_score, *, recall=None, pos_label=None, n_resamples=1000,
            confidence_level=0.95, seed=0, data=None, drop_nulls=False) -> CurveBand:
    """Pointwise bootstrap band of the precision-recall curve at a grid of recall values.

    The precision at recall ``r`` is the interpolated one: the highest
    precision of the curve's points with recall ``>= r``.

    Parameters
    ----------
    y_true, y_score, n_resamples, confidence_level, seed, data, drop_nulls
        As for :func:`roc_band`.
    recall : array-like, optional
        The grid, values in [0, 1]; default 101 evenly spaced points.
    pos_label : label, optional
        The positive class (default: the greater label).

    Returns
    -------
    CurveBand

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 5000)
    >>> band = fm.pr_band(y, y + rng.normal(0, 1, 5000), recall=[0.5], n_resamples=500)
    >>> bool(band.low[0] < band.curve[0] < band.high[0])
    True
    """
    return _band("pr", y_true, y_score, _check_grid(recall, "recall"), pos_label,
                 n_resamples, confidence_level, seed, data, drop_nulls)


# ---------------------------------------------------------------------------
# operating points chosen from the data
# ---------------------------------------------------------------------------

_RULES = {"best_fbeta_threshold": best_fbeta_threshold, "youden_threshold": youden_threshold,
          "precision_at_recall": precision_at_recall,
          "recall_at_precision": recall_at_precision}
_FIELDS = ("threshold", "precision", "recall", "specificity", "fpr", "f1", "value")


@dataclass(frozen=True, eq=False)
class OperatingPointInterval:
    """A threshold chosen from the data, with intervals that include its selection.

    Attributes
    ----------
    point : OperatingPoint
        The rule's choice on the data.
    intervals : dict
        Field name (``threshold``, ``precision``, ``recall``, ``specificity``,
        ``fpr``, ``f1``, ``value``) -> ``(low, high)``, percentile intervals
        over the resamples, each re-selecting the threshold.
    confidence_level : float
    n_resamples, n_undefined : int
    rule : str
    seed : int
    """

    point: object
    intervals: dict = field(default_factory=dict)
    confidence_level: float = 0.95
    n_resamples: int = 0
    n_undefined: int = 0
    rule: str = ""
    seed: int = 0

    def to_dict(self) -> dict:
        return {"point": self.point.to_dict(), "rule": self.rule,
                "intervals": {k: [_plain(a), _plain(b)] for k, (a, b) in self.intervals.items()},
                "confidence_level": self.confidence_level, "n_resamples": self.n_resamples,
                "n_undefined": self.n_undefined, "seed": self.seed}


def _rule(rule):
    if isinstance(rule, str) and rule in _RULES:
        return _RULES[rule]
    for fn in _RULES.values():
        if rule is fn:
            return fn
    raise InvalidParameterError(format_message(
        "rule", f"must be one of {list(_RULES)} (or the function), got {rule!r}",
        fix="Pass e.g. fm.best_fbeta_threshold"))


def operating_point_interval(rule, y_true, y_score, *, n_resamples=1000,
                             confidence_level=0.95, seed=0, data=None, drop_nulls=False,
                             **rule_params) -> OperatingPointInterval:
    """Bootstrap intervals of an operating point chosen by ``rule``, re-chosen per resample.

    Parameters
    ----------
    rule : callable or str
        :func:`~fastmetrics.best_fbeta_threshold`,
        :func:`~fastmetrics.youden_threshold`,
        :func:`~fastmetrics.precision_at_recall` or
        :func:`~fastmetrics.recall_at_precision` (or its name).
    y_true, y_score, n_resamples, confidence_level, seed, data, drop_nulls
        As for :func:`roc_band`.
    **rule_params
        The rule's parameters (``beta=``, ``min_recall=``, ``min_precision=``,
        ``pos_label=``).

    Returns
    -------
    OperatingPointInterval

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 5000)
    >>> s = y + rng.normal(0, 1, 5000)
    >>> r = fm.operating_point_interval(fm.best_fbeta_threshold, y, s, n_resamples=300)
    >>> low, high = r.intervals["f1"]
    >>> bool(low < r.point.f1 < high)
    True
    """
    fn = _rule(rule)
    n_resamples = check_n_resamples(n_resamples)
    confidence_level = check_confidence_level(confidence_level)
    seed = check_seed(seed)
    state = score_state(y_true, y_score, data=data, drop_nulls=drop_nulls)
    if state.weighted:  # pragma: no cover - score_state above takes no weights
        raise InvalidParameterError(format_message("sample_weight", "is not supported"))
    point = fn.from_state(state, **rule_params)
    values = np.full((n_resamples, len(_FIELDS)), np.nan)
    counts = np.ascontiguousarray(state.class_counts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        for r, drawn in enumerate(_resampled_tables(counts, n_resamples, seed)):
            try:
                chosen = fn.from_state(state_of_counts(state, drawn), **rule_params)
            except FastMetricsError:
                continue  # undefined on this resample (one class, no point reaching it)
            values[r] = [getattr(chosen, f) if getattr(chosen, f) is not None else np.nan
                         for f in _FIELDS]
    defined = ~np.isnan(values[:, 2])  # recall: defined whenever a point was chosen
    needed = _check_defined(defined, confidence_level, "the rule chose a point", "interval")
    alpha = 1.0 - confidence_level
    intervals = {}
    for i, name in enumerate(_FIELDS):
        column = values[defined, i]
        column = column[np.isfinite(column)]
        if column.size < needed:
            intervals[name] = (math.nan, math.nan)
            continue
        low, high = np.quantile(column, [alpha / 2, 1 - alpha / 2])
        intervals[name] = (float(low), float(high))
    return OperatingPointInterval(point, intervals, confidence_level, n_resamples,
                                  int(n_resamples - defined.sum()), fn.__name__, seed)

"""The bag of little bootstraps (Kleiner, Talwalkar, Sarkar & Jordan 2014): ``method="blb"``.

The exact row bootstrap costs O(n) per resample; at 10^6 rows and 10,000
resamples that is seconds per score column even with the fused walks of
:mod:`fastmetrics.inference.rows`. The bag of little bootstraps estimates the
same interval at O(b) per resample, ``b = ceil(n ** exponent)`` much smaller
than ``n``:

1. draw ``subsets`` subsets of ``b`` of the ``n`` units (rows, or whole
   clusters with ``cluster=``), each without replacement;
2. resample each subset as if it were a sample of ``n``: every unit weighs
   ``Poisson(n / b)`` in each resample (keyed Philox draws,
   :mod:`fastmetrics.kernels.cpu.little_bootstrap`; Kleiner et al. draw a
   multinomial of ``n`` over the ``b`` units, asymptotically the same, as the
   row route's Poisson(1) weights are to the classic bootstrap), and compute
   the metric on the weighted units;
3. per subset, take the deviations ``d = metric(resample) - metric(subset)``;
   the subset's percentile interval is ``estimate + (q(alpha / 2),
   q(1 - alpha / 2))`` of ``d`` (``estimate``: the metric on all the data),
   its standard error the deviations' standard deviation, and for a paired
   comparison its p-value the bootstrap p-value of the paired bootstrap with
   ``d`` as the null values (:func:`~fastmetrics.paired_bootstrap`);
4. average each over the subsets.

``n_resamples`` is the total, spread evenly over the subsets. It is offered
only when asked for (``method="blb"`` or a :class:`BagOfLittleBootstraps`),
never substituted for the exact bootstrap: its intervals are those of the
percentile bootstrap only asymptotically, and on small or very unbalanced
data (a subset with a handful of positives) they are worse. The coverage of
its intervals is simulated in ``tests/test_row_validity.py``.

Binary ROC AUC and average precision of 1-D scores walk each subset in score
order once per resample (``weighted_areas``); every other metric is called
on each resample's weighted units (it must take ``sample_weight=``).
"""

from __future__ import annotations

import inspect
import math
import numbers
import warnings
from dataclasses import dataclass

import numpy as np

from ..exceptions import (InvalidInputError, InvalidParameterError, UndefinedMetricWarning,
                          format_message)
from ..kernels.cpu import little_bootstrap as little_kernels
from ..kernels.cpu.resample import STREAM_LITTLE
from ..ranking.auc import average_precision_score, roc_auc_score
from .intervals import bootstrap_interval, min_resamples
from .results import ConfidenceInterval
from .rows import descending_order
from .statistics import call_defined, metric_rows

__all__ = ["BagOfLittleBootstraps", "little_method", "little_statistic", "LittleBootstraps",
           "little_summary"]

#: Row-weights held at once per subset (resamples x the subset's rows: 8 MiB).
_BLOCK_WEIGHTS = 1 << 20


@dataclass(frozen=True)
class BagOfLittleBootstraps:
    """``method=`` of :func:`~fastmetrics.bootstrap` and :func:`~fastmetrics.paired_bootstrap`.

    ``method="blb"`` is ``BagOfLittleBootstraps()``.

    Parameters
    ----------
    subsets : int, default=20
        Little bootstraps (``s`` in Kleiner et al., who found 10 to 20
        enough); ``n_resamples`` is spread evenly over them.
    exponent : float, default=0.7
        Each subset holds ``b = ceil(n ** exponent)`` of the ``n`` units
        (rows, or clusters), ``0.5 < exponent <= 1`` (Kleiner et al. use 0.6
        to 0.9; a smaller ``b`` is faster and, on small data, less accurate).

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 100_000)
    >>> score = y + rng.normal(0, 1.5, 100_000)
    >>> r = fm.bootstrap(fm.roc_auc_score, y, score, n_resamples=2000,
    ...                  method=fm.BagOfLittleBootstraps(subsets=10))
    >>> r.method, r.n_subsets, r.subset_size, r.low < r.estimate < r.high
    ('blb', 10, 3163, True)
    """

    subsets: int = 20
    exponent: float = 0.7

    def __post_init__(self):
        if (isinstance(self.subsets, (bool, np.bool_))
                or not isinstance(self.subsets, numbers.Integral) or self.subsets < 2):
            raise InvalidParameterError(format_message(
                "subsets", f"must be an integer >= 2, got {self.subsets!r}",
                fix="Pass subsets=20 (the default) or more"))
        if (isinstance(self.exponent, (bool, np.bool_))
                or not isinstance(self.exponent, numbers.Real)
                or not 0.5 < float(self.exponent) <= 1.0):
            raise InvalidParameterError(format_message(
                "exponent", f"must be a number in (0.5, 1], got {self.exponent!r}",
                fix="Pass exponent=0.7 (the default); 1 resamples the whole data"))

    def subset_size(self, n_units: int) -> int:
        """``b``: units per subset (at least 2, at most ``n_units``)."""
        return int(min(n_units, max(2, math.ceil(n_units ** float(self.exponent) - 1e-9))))

    def resamples_per_subset(self, n_resamples: int) -> list[int]:
        """``n_resamples`` spread over the subsets (the first ones take the remainder)."""
        q, extra = divmod(int(n_resamples), int(self.subsets))
        return [q + (j < extra) for j in range(int(self.subsets))]


def little_method(method):
    """The :class:`BagOfLittleBootstraps` that ``method`` asks for, or None for an
    interval method of the exact bootstrap."""
    if isinstance(method, BagOfLittleBootstraps):
        return method
    if isinstance(method, str) and method.lower() == "blb":
        return BagOfLittleBootstraps()
    return None


def _fast_binary(metric, kwargs, truth, scores) -> bool:
    """Whether the binary walk computes ``metric(**kwargs)``: ROC AUC or AP of 1-D float
    scores against 0/1 (or bool) labels, with no other option."""
    if metric is not roc_auc_score and metric is not average_precision_score:
        return False
    options = {k for k in kwargs} - {"y_true", "y_score", "sample_weight"}
    if options - {"pos_label"} or kwargs.get("pos_label", 1) != 1:
        return False
    if scores.ndim != 1 or scores.dtype.kind != "f" or truth.ndim != 1:
        return False
    if truth.dtype == np.bool_:
        return True
    return truth.dtype.kind in "iu" and bool(np.isin(truth, (0, 1)).all())


class LittleBootstraps:
    """Metrics of one or more models on the little bootstraps of the same units.

    Parameters
    ----------
    rows : MetricRows
        The rows and each model's call (:func:`~fastmetrics.inference.statistics.metric_rows`).
    name : str
        How messages call the statistic.
    """

    def __init__(self, rows, name):
        self.rows, self.name = rows, name
        self.calls = rows.calls
        self.n = next(len(v) for v in self.calls[0][1].values() if isinstance(v, np.ndarray))
        self.n_clusters = rows.n_clusters
        self.n_units = self.n if rows.keys is None else rows.n_clusters
        for metric, _ in self.calls:
            if "sample_weight" not in inspect.signature(metric).parameters:
                raise InvalidParameterError(format_message(
                    "method", f"'blb' weighs the rows of each little bootstrap, and "
                              f"{self.name} takes no sample_weight",
                    fix="Use the exact bootstrap: method='percentile' (or 'bca')"))
        self.estimates = []
        for metric, kwargs in self.calls:
            self.estimates.append(call_defined(metric, **kwargs))
        self.estimate = self.estimates[0]
        truth = np.asarray(rows.truth)
        self.fast = [_fast_binary(m, kw, truth, np.asarray(p))
                     for (m, kw), p in zip(self.calls, rows.preds)]

    # -- one subset -------------------------------------------------------------------

    def _units(self, config, j: int, seed: int):
        """Subset ``j``: its rows and each row's unit (position among the subset's units)."""
        b = config.subset_size(self.n_units)
        rng = np.random.default_rng([int(seed), STREAM_LITTLE, j])
        chosen = np.sort(rng.choice(self.n_units, b, replace=False))
        if self.rows.keys is None:
            return chosen, np.arange(b), b
        rows = np.flatnonzero(np.isin(self.rows.keys, chosen))
        return rows, np.searchsorted(chosen, self.rows.keys[rows]), b

    def _evaluate(self, m: int, sub: dict, row_weights: np.ndarray) -> np.ndarray:
        """Model ``m``'s metric of the subset's rows under each row of ``row_weights``."""
        metric, kwargs = self.calls[m]
        base = sub.get("sample_weight")
        if self.fast[m]:
            order, starts, positive = sub["_walk", m]
            area, pos, neg, ap = little_kernels.weighted_areas(
                positive, starts, row_weights, None if base is None else base[order], order)
            with np.errstate(divide="ignore", invalid="ignore"):
                if metric is roc_auc_score:
                    values = area / (2.0 * pos * neg)
                    values[(pos <= 0) | (neg <= 0)] = np.nan
                else:
                    values = ap / pos
                    values[pos <= 0] = np.nan
            return values
        out = np.empty(row_weights.shape[0])
        for r, weights in enumerate(row_weights):
            if base is not None:
                weights = weights * base
            keep = weights > 0  # a unit drawn 0 times is not in the resample
            picked = {k: (v[keep] if isinstance(v, np.ndarray) else v)
                      for k, v in sub.items() if not isinstance(k, tuple)}
            picked["sample_weight"] = weights[keep]
            out[r] = call_defined(metric, **picked)
        return out

    def subset_deviations(self, config, n_resamples: int, seed: int):
        """Per subset: the (models, resamples) deviations from the subset's own values.

        Yields ``(j, deviations, b)``; raises when a subset leaves a model's metric
        undefined (too few units of a class in ``b``).
        """
        for j, count in enumerate(config.resamples_per_subset(n_resamples)):
            rows, unit_of_row, b = self._units(config, j, seed)
            subs = []
            for m, (_, kwargs) in enumerate(self.calls):
                sub = {k: (v[rows] if isinstance(v, np.ndarray) and v.shape[:1] == (self.n,)
                           else v) for k, v in kwargs.items()}
                if self.fast[m]:
                    scores = np.asarray(self.rows.preds[m])[rows]
                    order, starts = descending_order(scores)
                    truth = np.asarray(self.rows.truth)[rows]
                    sub["_walk", m] = (order, starts, truth[order] != 0)
                subs.append(sub)
            centres = [self._evaluate(m, subs[m], np.ones((1, rows.size)))[0]
                       for m in range(len(self.calls))]
            if not all(math.isfinite(c) for c in centres):
                raise InvalidInputError(format_message(
                    "method", f"little bootstrap {j} ({b} of {self.n_units} "
                              f"{'clusters' if self.rows.keys is not None else 'rows'}) "
                              f"leaves {self.name} undefined (one class only?)",
                    fix="Raise BagOfLittleBootstraps(exponent=...) towards 1, or use the "
                        "exact bootstrap (method='percentile')"))
            values = np.empty((len(self.calls), count))
            block = max(1, _BLOCK_WEIGHTS // max(1, rows.size))
            lam = self.n_units / b
            for first in range(0, count, block):
                unit_weights = little_kernels.little_weights(lam, seed, j, first,
                                                             min(block, count - first), b)
                row_weights = (unit_weights if self.rows.keys is None
                               else unit_weights[:, unit_of_row])  # rows: the units themselves
                for m in range(len(self.calls)):
                    values[m, first:first + unit_weights.shape[0]] = (
                        self._evaluate(m, subs[m], row_weights) - centres[m])
            yield j, values, b


def little_statistic(metrics, y_true, preds, *, sample_weight, threshold, positive_class,
                     data, drop_nulls, params, name, cluster) -> LittleBootstraps:
    """The :class:`LittleBootstraps` of metrics (one per model) on the same rows."""
    rows = metric_rows(metrics, y_true, preds, sample_weight=sample_weight,
                       threshold=threshold, positive_class=positive_class, data=data,
                       drop_nulls=drop_nulls, params=params, cluster=cluster)
    return LittleBootstraps(rows, name)


def little_summary(estimate: float, deviations: list, *, confidence_level: float, what: str):
    """Average the subsets' percentile intervals and standard errors.

    ``deviations``: one 1-D array per subset (NaN where undefined). Returns
    ``(ConfidenceInterval, n_undefined)``; raises when a subset keeps fewer
    defined resamples than the level needs.
    """
    needed = min_resamples(confidence_level)
    lows, highs, ses, n_undefined, total = [], [], [], 0, 0
    for j, d in enumerate(deviations):
        defined = d[~np.isnan(d)]
        n_undefined += d.size - defined.size
        total += d.size
        if defined.size < needed:
            raise InvalidInputError(format_message(
                "n_resamples", f"left {defined.size} resample(s) of little bootstrap {j} "
                               f"where {what} is defined; a {confidence_level:g} interval "
                               f"needs at least {needed} in every subset",
                fix=f"Raise n_resamples (to at least {needed * len(deviations)} or far "
                    "more), or pass fewer subsets"))
        low, high = bootstrap_interval(estimate + defined, estimate, confidence_level,
                                       "percentile", None)
        lows.append(low)
        highs.append(high)
        ses.append(float(np.std(defined, ddof=1)))
    if n_undefined:
        warnings.warn(
            f"{n_undefined} of {total} little-bootstrap resamples left {what} undefined; "
            "they are left out of their subset's interval.", UndefinedMetricWarning,
            stacklevel=3)
    se = float(np.mean(ses))
    ci = ConfidenceInterval(float(estimate), float(np.mean(lows)), float(np.mean(highs)),
                            confidence_level, "blb", se)
    return ci, n_undefined

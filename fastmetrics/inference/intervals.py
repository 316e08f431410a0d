"""Confidence intervals from a bootstrap distribution: percentile, basic, BCa, normal.

The four methods of :func:`fastmetrics.bootstrap`, computed from the
resampled values of a statistic (its *bootstrap distribution*), the estimate
on the data and, for BCa, jackknife values:

* ``percentile``: the ``alpha / 2`` and ``1 - alpha / 2`` quantiles of the
  resampled values (Efron & Tibshirani 1993, ch. 13);
* ``basic`` (reverse percentile): ``2 * estimate - q(1 - alpha / 2)`` and
  ``2 * estimate - q(alpha / 2)``;
* ``bca`` (bias-corrected and accelerated, Efron 1987): quantiles at levels
  shifted by the bias correction ``z0`` (from the share of resampled values
  below the estimate, ties counting half) and the acceleration ``a`` (from
  the skewness of the jackknife values);
* ``normal``: ``estimate -/+ z * standard_error``.

Quantiles interpolate linearly between order statistics and the share
below the estimate counts ties half, both as :func:`scipy.stats.bootstrap`
does, so that the intervals agree with scipy's on the same resampled values.

The jackknife values come *grouped*: a value and how many rows give it.
Count states have one leave-one-out value per nonzero cell (all rows of a
cell are interchangeable), so the acceleration costs O(cells), never the
O(n) re-evaluations (O(n^2) in all) of a row-by-row jackknife.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr, ndtri

from ..exceptions import InvalidInputError, InvalidParameterError, format_message

__all__ = ["METHODS", "check_method", "acceleration", "bootstrap_interval",
           "min_resamples"]

#: Interval methods of the bootstrap.
METHODS = ("percentile", "basic", "bca", "normal")


def check_method(method) -> str:
    """``method`` lower-cased if it is one of :data:`METHODS`, else an error."""
    if isinstance(method, str) and method.lower() in METHODS:
        return method.lower()
    raise InvalidParameterError(format_message(
        "method", f"must be one of {list(METHODS)}, got {method!r}",
        fix="Pass method='bca' (the default), 'percentile', 'basic' or 'normal'"))


def min_resamples(confidence_level: float) -> int:
    """Fewest defined resamples for an interval at ``confidence_level``.

    Each tail must hold at least one resampled value beyond the bound
    (``B * alpha / 2 >= 1``); with fewer, the bound is the sample's extreme
    value and the nominal level is meaningless.
    """
    alpha = 1.0 - confidence_level
    return max(2, math.ceil(2.0 / alpha - 1e-9))


def acceleration(values: np.ndarray, counts: np.ndarray) -> float:
    """BCa's acceleration from grouped jackknife values.

    Parameters
    ----------
    values : ndarray of float64, shape (m,)
        Leave-one-out values of the statistic, one per group of
        interchangeable rows.
    counts : ndarray, shape (m,)
        Rows per group (the number of times each value occurs among the n
        leave-one-out values).

    Returns
    -------
    float
        ``sum(c (mean - v)^3) / (6 * sum(c (mean - v)^2) ^ 1.5)``; 0.0 when the
        jackknife values do not vary (no skewness to correct).

    Examples
    --------
    >>> acceleration(np.array([0.5, 0.6]), np.array([3, 1]))  # doctest: +ELLIPSIS
    -0.0962...
    """
    counts = np.asarray(counts, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    mean = float(np.dot(counts, values) / counts.sum())
    d = mean - values
    second = float(np.dot(counts, d * d))
    if second <= 0.0 or not math.isfinite(second):
        return 0.0
    return float(np.dot(counts, d * d * d)) / (6.0 * second ** 1.5)


def _quantiles(sorted_values: np.ndarray, levels) -> np.ndarray:
    """Linear-interpolation quantiles (numpy's default) of sorted values."""
    return np.percentile(sorted_values, np.asarray(levels) * 100.0)


def bootstrap_interval(values: np.ndarray, estimate: float, confidence_level: float,
                       method: str, jackknife=None) -> tuple[float, float]:
    """Bounds of a two-sided interval from resampled values.

    Parameters
    ----------
    values : ndarray of float64
        The defined resampled values (NaN already removed).
    estimate : float
        The statistic on the data.
    confidence_level : float
        In (0, 1).
    method : {"percentile", "basic", "bca", "normal"}
    jackknife : tuple of (values, counts), optional
        Grouped leave-one-out values; required for ``"bca"``.

    Returns
    -------
    (low, high) : tuple of float
        NaN bounds for BCa when the estimate lies outside the resampled values
        (its bias correction is infinite); the caller reports it.

    Examples
    --------
    >>> v = np.arange(1, 100, dtype=float)
    >>> np.round(bootstrap_interval(v, 50.0, 0.9, "percentile"), 6).tolist()
    [5.9, 94.1]
    >>> np.round(bootstrap_interval(v, 50.0, 0.9, "basic"), 6).tolist()
    [5.9, 94.1]
    """
    alpha = 1.0 - confidence_level
    values = np.sort(np.asarray(values, dtype=np.float64))
    if values.size < 2:
        raise InvalidInputError(format_message(
            "n_resamples", f"left {values.size} defined resampled value(s); an interval "
                           "needs at least two", fix="Raise n_resamples"))
    if method == "percentile":
        low, high = _quantiles(values, [alpha / 2, 1 - alpha / 2])
    elif method == "basic":
        q_low, q_high = _quantiles(values, [alpha / 2, 1 - alpha / 2])
        low, high = 2 * estimate - q_high, 2 * estimate - q_low
    elif method == "normal":
        se = float(np.std(values, ddof=1))
        z = float(ndtri(1 - alpha / 2))
        low, high = estimate - z * se, estimate + z * se
    elif method == "bca":
        if jackknife is None:
            raise InvalidParameterError(format_message(
                "method", "'bca' needs jackknife values, which this statistic does not "
                          "provide", fix="Use method='percentile'"))
        # Share of resampled values below the estimate, ties counting half (scipy's
        # _percentile_of_score), then the bias correction z0.
        below = np.searchsorted(values, estimate, side="left")
        at_or_below = np.searchsorted(values, estimate, side="right")
        z0 = float(ndtri((below + at_or_below) / (2.0 * values.size)))
        a = acceleration(*jackknife)
        levels = []
        for z_alpha in (ndtri(alpha / 2), ndtri(1 - alpha / 2)):
            shifted = z0 + z_alpha
            levels.append(float(ndtr(z0 + shifted / (1 - a * shifted))))
        if not all(math.isfinite(x) for x in levels):
            return math.nan, math.nan
        low, high = _quantiles(values, levels)
    else:  # pragma: no cover - check_method guards the public entry points
        raise InvalidParameterError(format_message("method", f"unknown method {method!r}"))
    return float(low), float(high)

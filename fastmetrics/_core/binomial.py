"""Confidence levels, and bounds of binomial proportions: Wilson and Clopper-Pearson.

:func:`check_confidence_level` is the one check of a ``confidence_level=``
argument. The bounds are vectorized, and the one place their formulas live: :func:`fastmetrics.inference.wilson_interval`
and :func:`~fastmetrics.inference.clopper_pearson_interval` (one proportion),
and the per-bin intervals of :func:`fastmetrics.reliability_diagram` (one per
bin) all call these.
"""

from __future__ import annotations

import numbers

import numpy as np

from ..exceptions import InvalidParameterError, format_message

__all__ = ["check_confidence_level", "wilson_bounds", "clopper_pearson_bounds"]


def check_confidence_level(confidence_level) -> float:
    """``confidence_level`` as a float strictly between 0 and 1, else an error."""
    ok = (isinstance(confidence_level, numbers.Real)
          and not isinstance(confidence_level, (bool, np.bool_))
          and 0.0 < float(confidence_level) < 1.0)
    if not ok:
        raise InvalidParameterError(format_message(
            "confidence_level", f"must be a number strictly between 0 and 1, got "
                                f"{confidence_level!r}",
            fix="Pass e.g. confidence_level=0.95 for a 95% interval"))
    return float(confidence_level)


def wilson_bounds(successes, trials, confidence_level: float):
    """Wilson score bounds ``(low, high)`` of ``successes / trials`` (``trials >= 1``).

    At ``successes == 0`` (``== trials``) the lower (upper) bound is exactly 0
    (1): rounding could otherwise leave 1 - 1e-16, an interval that does not
    hold its own estimate.
    """
    from scipy import stats

    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    p = x / n
    z = float(stats.norm.isf((1.0 - confidence_level) / 2.0))
    z2 = z * z
    denom = 1.0 + z2 / n
    center = (p + z2 / (2.0 * n)) / denom
    half = z * np.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    low = np.where(x == 0, 0.0, np.clip(center - half, 0.0, 1.0))
    high = np.where(x == n, 1.0, np.clip(center + half, 0.0, 1.0))
    return low, high


def clopper_pearson_bounds(successes, trials, confidence_level: float):
    """Clopper-Pearson bounds: the ``alpha / 2`` quantile of Beta(x, n - x + 1) (0 at
    ``x = 0``) and the ``1 - alpha / 2`` quantile of Beta(x + 1, n - x) (1 at ``x = n``)."""
    from scipy import stats

    x = np.asarray(successes, dtype=np.float64)
    n = np.asarray(trials, dtype=np.float64)
    half_alpha = (1.0 - confidence_level) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(x == 0, 0.0, stats.beta.ppf(half_alpha, np.maximum(x, 1), n - x + 1))
        high = np.where(x == n, 1.0, stats.beta.isf(half_alpha, x + 1, np.maximum(n - x, 1)))
    return low, high

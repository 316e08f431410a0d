"""Result types of the inference functions: a confidence interval and a test result.

Both are small frozen dataclasses shared by every function of
:mod:`fastmetrics.inference` (analytic intervals and tests here, the bootstrap
later), so that reports and serializers deal with two shapes only. They print
on one line with six significant digits and turn into plain dicts with
:meth:`to_dict` (JSON-ready: numpy scalars and arrays become Python numbers
and lists).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from .._core.binomial import check_confidence_level
from ..exceptions import InvalidParameterError, format_message

__all__ = ["ConfidenceInterval", "TestResult", "check_confidence_level"]


def _plain(value):
    """Python scalars and lists instead of numpy ones (for dicts and reprs)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _short(value) -> str:
    """One value as a repr shows it: floats to six significant digits."""
    value = _plain(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_short(v)}" for k, v in value.items()) + "}"
    return repr(value)


@dataclass(frozen=True)
class ConfidenceInterval:
    """A point estimate with a two-sided confidence interval.

    Parameters
    ----------
    estimate : float
        The statistic computed on the data (e.g. the recall, the ROC AUC).
    low, high : float
        Bounds of the interval, ``low <= high``.
    confidence_level : float
        Nominal coverage, e.g. 0.95.
    method : str
        How the interval was made, e.g. ``"wilson"``, ``"clopper-pearson"``,
        ``"delong"``.
    standard_error : float, optional
        The estimate's standard error where the method gives one (DeLong),
        else None.

    Examples
    --------
    >>> from fastmetrics.inference import ConfidenceInterval
    >>> ci = ConfidenceInterval(0.8, 0.7, 0.875, 0.95, "wilson")
    >>> ci
    ConfidenceInterval(estimate=0.8, low=0.7, high=0.875, confidence_level=0.95, method='wilson')
    >>> round(ci.width, 3), ci.to_dict()["high"]
    (0.175, 0.875)
    """

    estimate: float
    low: float
    high: float
    confidence_level: float
    method: str
    standard_error: float | None = None

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low

    def to_dict(self) -> dict:
        """The fields as a dict of plain Python values."""
        return {"estimate": _plain(self.estimate), "low": _plain(self.low),
                "high": _plain(self.high), "confidence_level": _plain(self.confidence_level),
                "method": self.method, "standard_error": _plain(self.standard_error)}

    def __repr__(self) -> str:
        parts = [f"estimate={_short(self.estimate)}", f"low={_short(self.low)}",
                 f"high={_short(self.high)}",
                 f"confidence_level={_short(self.confidence_level)}",
                 f"method={self.method!r}"]
        if self.standard_error is not None:
            parts.append(f"standard_error={_short(self.standard_error)}")
        return f"ConfidenceInterval({', '.join(parts)})"


@dataclass(frozen=True, eq=False)
class TestResult:
    """The outcome of a significance test.

    Parameters
    ----------
    statistic : float
        The test statistic (its meaning depends on ``method``).
    pvalue : float
        The p-value for ``alternative``.
    method : str
        The test, e.g. ``"McNemar exact"``, ``"DeLong"``.
    alternative : str, default="two-sided"
    details : dict
        Test-specific quantities (counts, the estimates compared, variances).

    Results compare by identity (``details`` may hold arrays); compare
    ``to_dict()`` outputs to compare values.

    Examples
    --------
    >>> from fastmetrics.inference import TestResult
    >>> TestResult(1.5, 0.1336, "DeLong", details={"difference": 0.05})
    TestResult(statistic=1.5, pvalue=0.1336, method='DeLong', alternative='two-sided', details={'difference': 0.05})
    """

    __test__ = False  # not a pytest test class, despite its name

    statistic: float
    pvalue: float
    method: str
    alternative: str = "two-sided"
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The fields as a dict of plain Python values (details included)."""
        return {"statistic": _plain(self.statistic), "pvalue": _plain(self.pvalue),
                "method": self.method, "alternative": self.alternative,
                "details": _plain(dict(self.details))}

    def __repr__(self) -> str:
        return (f"TestResult(statistic={_short(self.statistic)}, pvalue={_short(self.pvalue)}, "
                f"method={self.method!r}, alternative={self.alternative!r}, "
                f"details={_short(dict(self.details))})")

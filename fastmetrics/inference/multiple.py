"""Adjusted p-values over a family of tests (several metrics, models or groups).

Testing many comparisons at level alpha each rejects some true nulls by
chance. :func:`adjust_pvalues` adjusts the p-values of a named family:

* ``"bonferroni"``: ``min(1, m p)``, the family-wise error rate;
* ``"holm"``: Holm's step-down (1979), the family-wise error rate, never
  less powerful than Bonferroni;
* ``"bh"``: Benjamini & Hochberg's step-up (1995), the false discovery rate
  (for independent or positively dependent tests).

They equal statsmodels' ``multipletests`` (``"bonferroni"``, ``"holm"``,
``"fdr_bh"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..exceptions import InvalidInputError, InvalidParameterError, format_message

__all__ = ["ADJUSTMENTS", "AdjustedPValues", "adjust_pvalues"]

#: The adjustments, by name.
ADJUSTMENTS = ("holm", "bh", "bonferroni")


@dataclass(frozen=True, eq=False)
class AdjustedPValues:
    """The p-values of a family of tests, raw and adjusted.

    Attributes
    ----------
    names : tuple of str
        The tests, in the order given.
    raw, adjusted : ndarray of float64
        Their p-values before and after the adjustment.
    method : str
        One of :data:`ADJUSTMENTS`.
    family : str
        What the family is (e.g. ``"3 metrics x 2 models"``); reports name it.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> a = fm.adjust_pvalues({"f1": 0.01, "auc": 0.04, "ece": 0.30}, method="holm")
    >>> a["f1"], a["auc"], a["ece"]
    (0.03, 0.08, 0.3)
    >>> a.reject(0.05).tolist(), a.family
    ([True, False, False], 'f1, auc, ece')
    """

    names: tuple
    raw: np.ndarray
    adjusted: np.ndarray
    method: str
    family: str

    def __getitem__(self, name) -> float:
        return float(self.adjusted[self.names.index(name)])

    def reject(self, alpha: float = 0.05) -> np.ndarray:
        """Which nulls are rejected at ``alpha`` (adjusted p-value <= alpha)."""
        return self.adjusted <= alpha

    def to_dict(self) -> dict:
        return {"method": self.method, "family": self.family,
                "tests": [{"name": n, "pvalue": float(r), "adjusted_pvalue": float(a)}
                          for n, r, a in zip(self.names, self.raw, self.adjusted)]}


def _pvalue_of(item):
    value = getattr(item, "pvalue", item)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(format_message(
            "pvalues", f"holds {type(item).__name__}, which is neither a p-value nor a "
                       "test result", fix="Pass numbers or results with a .pvalue")) from None


def adjust_pvalues(pvalues, method="holm", *, family=None) -> AdjustedPValues:
    """Adjust a family's p-values for multiple comparisons.

    Parameters
    ----------
    pvalues : dict or sequence
        The family: ``{name: p-value or result}`` (any result with a
        ``pvalue``: :class:`~fastmetrics.inference.TestResult`,
        :class:`~fastmetrics.PairedBootstrapResult`), or a sequence of them
        (named by position).
    method : {"holm", "bh", "bonferroni"}, default="holm"
    family : str, optional
        What the family is, for reports; by default the tests' names.

    Returns
    -------
    AdjustedPValues
    """
    if not isinstance(method, str) or method not in ADJUSTMENTS:
        raise InvalidParameterError(format_message(
            "method", f"must be one of {list(ADJUSTMENTS)}, got {method!r}",
            fix="'holm' controls the family-wise error, 'bh' the false discovery rate"))
    if isinstance(pvalues, dict):
        names = tuple(str(k) for k in pvalues)
        items = list(pvalues.values())
    else:
        items = list(pvalues)
        names = tuple(str(i) for i in range(len(items)))
    if not items:
        raise InvalidInputError(format_message(
            "pvalues", "is empty", fix="Pass the p-values of at least one test"))
    raw = np.array([_pvalue_of(v) for v in items], dtype=np.float64)
    bad = ~((raw >= 0) & (raw <= 1))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InvalidInputError(format_message(
            "pvalues", f"holds {raw[i]!r} for {names[i]!r}, not a p-value in [0, 1]",
            fix="Leave out tests without a p-value (NaN: e.g. an undefined metric)"))
    m = raw.size
    order = np.argsort(raw, kind="stable")
    ranked = raw[order]
    if method == "bonferroni":
        adjusted = np.minimum(1.0, m * raw)
    else:
        if method == "holm":
            steps = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ranked))
        else:  # Benjamini-Hochberg: running minimum from the largest p-value down
            scaled = np.minimum(1.0, m / np.arange(1, m + 1) * ranked)
            steps = np.minimum.accumulate(scaled[::-1])[::-1]
        adjusted = np.empty(m)
        adjusted[order] = steps
    if family is None:
        family = ", ".join(names) if m <= 6 else f"{m} tests"
    return AdjustedPValues(names, raw, adjusted, method, str(family))

"""Tests on per-row values of two models: the paired t-test and the Wilcoxon signed-rank test.

Where a metric is the mean of a per-row value (the log loss and the Brier
score of each row, :func:`~fastmetrics.row_losses`; a row's 0/1
correctness), two models scored on the same rows are compared on the
per-row differences ``d_i = a_i - b_i``, with no resampling:

* :func:`paired_t_test`: the mean difference, its interval and a t-test
  (scipy's ``ttest_rel``). With ``cluster=`` the standard error is the
  cluster-robust one (sums of ``d`` per cluster; small-sample factor
  ``G / (G - 1)``, the CR1 of statsmodels' ``cov_type="cluster"``) on
  ``G - 1`` degrees of freedom.
* :func:`wilcoxon_signed_rank_test`: the rank test of a symmetric
  difference around 0, scipy's ``wilcoxon`` (exact for small samples
  without ties, else the normal approximation with the tie correction).
"""

from __future__ import annotations

import math

import numpy as np

from ..exceptions import InvalidInputError, InvalidParameterError, LengthMismatchError, \
    format_message
from .clusters import cluster_codes
from .compare import check_alternative
from .results import TestResult, check_confidence_level

__all__ = ["paired_t_test", "wilcoxon_signed_rank_test"]


def _differences(values_a, values_b) -> np.ndarray:
    a = np.asarray(values_a, dtype=np.float64)
    b = np.asarray(values_b, dtype=np.float64)
    for name, v in (("values_a", a), ("values_b", b)):
        if v.ndim != 1:
            raise InvalidInputError(format_message(
                name, f"must be 1-D (one value per row), got shape {v.shape}",
                fix="Pass per-row values, e.g. fm.row_losses(y_true, y_proba)"))
        bad = ~np.isfinite(v)
        if bad.any():
            raise InvalidInputError(format_message(
                name, "holds a value that is not finite", row=int(np.flatnonzero(bad)[0]),
                fix="Drop or fix the rows without a value"))
    if a.size != b.size:
        raise LengthMismatchError(format_message(
            "values_b", f"has {b.size} rows but values_a has {a.size}",
            fix="Pass both models' values of the same rows"))
    if a.size < 2:
        raise InvalidInputError(format_message(
            "values_a", f"has {a.size} row(s); a paired test needs at least 2",
            fix="Pass more rows"))
    return a - b


def paired_t_test(values_a, values_b, *, cluster=None, alternative="two-sided",
                  confidence_level=0.95) -> TestResult:
    """Paired t-test of the mean difference of per-row values ``values_a - values_b``.

    Parameters
    ----------
    values_a, values_b : array-like of shape (n,)
        Both models' value of each row (e.g. per-row log loss).
    cluster : array-like of shape (n,), optional
        A cluster id per row: the cluster-robust standard error, ``G - 1``
        degrees of freedom.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        "greater": the alternative is a positive mean difference.
    confidence_level : float, default=0.95
        Of the interval of the mean difference in ``details``.

    Returns
    -------
    TestResult
        ``statistic`` is t; ``details``: ``mean_difference``,
        ``standard_error``, ``low``/``high`` (two-sided interval),
        ``confidence_level``, ``df``, ``n`` and ``n_clusters``.

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(0.30, 0.1, 1000)
    >>> b = a + rng.normal(0.02, 0.05, 1000)
    >>> t = fm.paired_t_test(a, b)
    >>> t.pvalue < 1e-10, round(t.details["mean_difference"], 3)
    (True, -0.02)
    """
    from scipy import stats

    d = _differences(values_a, values_b)
    alternative = check_alternative(alternative)
    confidence_level = check_confidence_level(confidence_level)
    n = d.size
    mean = float(d.mean())
    n_clusters = None
    if cluster is None:
        df = n - 1
        se = float(d.std(ddof=1) / math.sqrt(n))
    else:
        keys, n_clusters = cluster_codes(cluster)
        if keys.size != n:
            raise LengthMismatchError(format_message(
                "cluster", f"has {keys.size} rows but the values have {n}",
                fix="Pass one cluster id per row"))
        if n_clusters < 2:
            raise InvalidInputError(format_message(
                "cluster", f"has {n_clusters} cluster; the cluster-robust test needs at "
                           "least 2", fix="Evaluate on more clusters"))
        residual_sums = np.bincount(keys, weights=d - mean, minlength=n_clusters)
        df = n_clusters - 1
        se = math.sqrt(n_clusters / df * float(residual_sums @ residual_sums)) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        t = mean / se if se > 0 else (math.copysign(math.inf, mean) if mean else math.nan)
    if alternative == "two-sided":
        pvalue = float(2 * stats.t.sf(abs(t), df))
    elif alternative == "greater":
        pvalue = float(stats.t.sf(t, df))
    else:
        pvalue = float(stats.t.cdf(t, df))
    half = float(stats.t.ppf(0.5 + confidence_level / 2, df)) * se
    return TestResult(float(t), pvalue, "paired t-test" if cluster is None else
                      "paired t-test (cluster-robust)", alternative,
                      {"mean_difference": mean, "standard_error": se, "low": mean - half,
                       "high": mean + half, "confidence_level": confidence_level, "df": df,
                       "n": n, "n_clusters": n_clusters})


def wilcoxon_signed_rank_test(values_a, values_b, *, alternative="two-sided",
                              zero_method="wilcox", correction=False,
                              method="auto") -> TestResult:
    """Wilcoxon signed-rank test of the per-row differences ``values_a - values_b``.

    scipy's :func:`scipy.stats.wilcoxon` on the differences, after the
    project's checks of the inputs.

    Parameters
    ----------
    values_a, values_b : array-like of shape (n,)
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
    zero_method : {"wilcox", "pratt", "zsplit"}, default="wilcox"
        How zero differences count (scipy's meaning).
    correction : bool, default=False
        Continuity correction of the normal approximation.
    method : {"auto", "exact", "approx"}, default="auto"

    Returns
    -------
    TestResult
        ``statistic`` is scipy's (the smaller rank sum, two-sided; the sum of
        positive ranks, one-sided); ``details``: ``n``, ``n_zero`` and
        ``median_difference``.

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(0.30, 0.1, 200)
    >>> t = fm.wilcoxon_signed_rank_test(a, a + rng.normal(0.02, 0.05, 200))
    >>> t.pvalue < 0.01
    True
    """
    from scipy import stats

    d = _differences(values_a, values_b)
    alternative = check_alternative(alternative)
    for name, value, allowed in (("zero_method", zero_method, ("wilcox", "pratt", "zsplit")),
                                 ("method", method, ("auto", "exact", "approx"))):
        if value not in allowed:
            raise InvalidParameterError(format_message(
                name, f"must be one of {list(allowed)}, got {value!r}"))
    n_zero = int(np.count_nonzero(d == 0))
    if zero_method == "wilcox" and n_zero == d.size:
        raise InvalidInputError(format_message(
            "values_b", "equals values_a on every row: no difference to rank",
            fix="There is nothing to test; the models agree on every row"))
    result = stats.wilcoxon(d, zero_method=zero_method, correction=bool(correction),
                            alternative=alternative, method=method)
    return TestResult(float(result.statistic), float(result.pvalue), "Wilcoxon signed-rank",
                      alternative, {"n": int(d.size), "n_zero": n_zero,
                                    "median_difference": float(np.median(d))})

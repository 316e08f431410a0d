"""The bootstrap of any metric, resampling states instead of rows.

:func:`bootstrap` gives a confidence interval (percentile, basic, BCa or
normal) and the standard error of a metric, from thousands of resamples, at
a cost that barely depends on the number of rows:

* **Confusion-matrix metrics** (accuracy, precision, recall, F1, MCC, kappa,
  ...): one pass over the rows builds the K x K count table; each resample
  redraws the table from a multinomial (exactly the distribution of the table
  of n rows drawn with replacement), and the metric of all resampled tables is
  computed at once (:mod:`fastmetrics.inference.batched`). O(resamples x K^2).
* **Binary ROC AUC and average precision**: one sort builds the table of
  distinct scores; each resample redraws every entry of the table as a
  Poisson count (the Poisson bootstrap, see below) and one O(U) pass over the
  sorted table gives both areas. No re-sort, no row array.
* **Binned curves of a binary target and top-k accuracy**: their histograms
  partition the rows too, and are redrawn from a multinomial, the metric
  evaluated per resampled state.
* **Everything else** (weighted rows, multiclass scores, calibration and
  losses, multilabel targets): the rows are resampled with Poisson(1)
  weights. Losses, calibration errors and multiclass rankings never build
  the resampled rows: fused kernels add the weighted sums their states are
  made of, 32 resamples per pass (:mod:`fastmetrics.inference.rows`); any
  other metric is computed on each resample's rows (O(resamples x n)).
* **Clustered rows** (``cluster=``): whole clusters are resampled on every
  route (:mod:`fastmetrics.inference.clusters`).
* **The bag of little bootstraps** (``method="blb"``, only when asked for):
  subsets of ``n ** 0.7`` rows or clusters resampled as samples of ``n``,
  O(n ** 0.7) per resample (:mod:`fastmetrics.inference.little_bootstraps`).

**Poisson bootstrap.** Where a table is not a small multinomial (the
distinct-score table has up to n entries) or rows must be drawn one by one,
each row (or entry of count c) is drawn Poisson(1) (or Poisson(c)) times,
independently: the classic bootstrap up to a random total, asymptotically
equivalent (Hanley & MacGibbon 2006; Chamandy et al. 2012). The draws come
from Philox4x32-10, a counter-based generator, keyed by (seed, resample,
entry or global row index): no resamples x rows array is ever built, and a
chunked or partitioned run gives the same draws as one pass.

A metric is found by its declared spec (:mod:`fastmetrics.inference.specs`),
so ``functools.partial(fm.f1_score, average="macro")`` and ``"f1_score"``
take ``fm.f1_score``'s route; a callable the project does not know is refused
(unless it is a function of a state given with ``state=``).

**Undefined resamples.** A resample where the metric is undefined (it
raises, returns NaN, or falls back on ``zero_division`` while that is
``"warn"``; a ROC AUC resample with one class only) is set to NaN, left out
of the interval and counted in :attr:`BootstrapResult.n_undefined`, with an
:class:`~fastmetrics.UndefinedMetricWarning`. Pass ``zero_division=0.0`` (or
1.0) to score such resamples by that convention instead.

**BCa** needs the jackknife. Count tables have one leave-one-out value per
nonzero cell (O(K^2); one per cluster with ``cluster=``), the ROC AUC's come
from DeLong's placement values and the average precision's from suffix sums
over the distinct-score table (O(U) each); on the row route (unweighted
rows), the losses' from leave-one-out sums, the one-vs-rest and one-vs-one
AUC's and multiclass AP's from each column's (or class pair's) table
(:mod:`fastmetrics.inference.jackknife`) and the calibration errors' by
replacing one bin's term (O(n) each). Elsewhere the row route has no cheap
jackknife: BCa is refused there and the error names the methods that work.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from ..exceptions import (InvalidInputError, InvalidParameterError, UndefinedMetricWarning,
                          format_message)
from .clusters import check_clusters
from .intervals import bootstrap_interval, check_method, min_resamples
from .little_bootstraps import little_method, little_statistic, little_summary
from .resampling import check_n_resamples, check_seed
from .results import ConfidenceInterval, _plain, _short, check_confidence_level
from .specs import resolve
from .statistics import build_statistic, refuse_non_scalar

__all__ = ["BootstrapResult", "bootstrap", "summarize", "check_estimate", "check_bca"]


@dataclass(frozen=True, eq=False)
class BootstrapResult:
    """A metric's estimate with its bootstrap interval and standard error.

    Attributes
    ----------
    estimate : float
        The metric on the data.
    confidence_interval : ConfidenceInterval
        The interval (its ``method`` names the interval method); ``low`` and
        ``high`` are also attributes of the result.
    standard_error : float
        Standard deviation of the defined resampled values (``ddof=1``).
    n_resamples : int
        Resamples drawn.
    n_undefined : int
        Resamples on which the metric was undefined (left out).
    resampling : str
        How resamples were drawn: ``"multinomial"`` (count tables),
        ``"stratified multinomial"``, ``"poisson table"`` (distinct-score
        table), ``"poisson rows"``, or with ``cluster=``: ``"cluster
        multinomial"`` (count tables per cluster) or ``"poisson clusters"``;
        with ``method="blb"``: ``"little bootstraps"`` (of rows) or ``"little
        bootstraps of clusters"``.
    seed : int
        The seed used (drawn from the OS when ``seed=None`` was passed).
    bootstrap_distribution : ndarray of shape (n_resamples,) or None
        The resampled values (NaN where undefined), with
        ``return_values=True``.
    n_clusters : int or None
        Clusters resampled (with ``cluster=``); None when rows were.
    n_subsets, subset_size : int or None
        With ``method="blb"``: the little bootstraps and the units (rows or
        clusters) each holds; None otherwise.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> r = fm.bootstrap(fm.accuracy_score, [0, 1, 1, 0, 1] * 20, [0, 1, 0, 0, 1] * 20,
    ...                  n_resamples=2000, method="percentile", seed=1)
    >>> r.estimate, r.low < 0.8 < r.high, r.n_undefined
    (0.8, True, 0)
    """

    estimate: float
    confidence_interval: ConfidenceInterval
    standard_error: float
    n_resamples: int
    n_undefined: int
    resampling: str
    seed: int
    bootstrap_distribution: np.ndarray | None = None
    n_clusters: int | None = None
    n_subsets: int | None = None
    subset_size: int | None = None

    @property
    def low(self) -> float:
        return self.confidence_interval.low

    @property
    def high(self) -> float:
        return self.confidence_interval.high

    @property
    def method(self) -> str:
        return self.confidence_interval.method

    @property
    def confidence_level(self) -> float:
        return self.confidence_interval.confidence_level

    def to_dict(self) -> dict:
        """Plain Python values (the distribution as a list when kept)."""
        return {"estimate": _plain(self.estimate), "low": _plain(self.low),
                "high": _plain(self.high), "confidence_level": self.confidence_level,
                "method": self.method, "standard_error": _plain(self.standard_error),
                "n_resamples": self.n_resamples, "n_undefined": self.n_undefined,
                "resampling": self.resampling, "seed": self.seed,
                "n_clusters": self.n_clusters, "n_subsets": self.n_subsets,
                "subset_size": self.subset_size}

    def __repr__(self) -> str:
        return (f"BootstrapResult(estimate={_short(self.estimate)}, low={_short(self.low)}, "
                f"high={_short(self.high)}, confidence_level={_short(self.confidence_level)}, "
                f"method={self.method!r}, standard_error={_short(self.standard_error)}, "
                f"n_resamples={self.n_resamples}, n_undefined={self.n_undefined}, "
                f"resampling={self.resampling!r}"
                + ("" if self.n_clusters is None else f", n_clusters={self.n_clusters}")
                + ("" if self.n_subsets is None else
                   f", n_subsets={self.n_subsets}, subset_size={self.subset_size}") + ")")


def check_bca(method: str, statistic) -> None:
    """BCa needs a jackknife that the statistic's route can give cheaply."""
    if method == "bca" and not statistic.has_jackknife:
        raise InvalidParameterError(format_message(
            "method", f"'bca' needs jackknife values, which {statistic.route} resampling "
                      "cannot give without re-evaluating the metric once per row",
            fix="Use method='percentile' (or 'basic', 'normal')"))


def check_estimate(estimate: float, what: str) -> None:
    """A metric undefined on the data itself has no interval: say so before resampling."""
    if not math.isfinite(estimate):
        raise InvalidInputError(format_message(
            "y_true", f"gives {what} = {estimate} on the data itself, so it has no "
                      "confidence interval",
            fix="Check the data (both classes present? rows predicted positive?) or pass "
                "zero_division=0.0"))


def summarize(estimate: float, values: np.ndarray, *, method: str, confidence_level: float,
              jackknife, resampling: str, seed: int, return_values: bool,
              what: str = "the metric", n_clusters: int | None = None) -> BootstrapResult:
    """The :class:`BootstrapResult` of resampled ``values`` (NaN = undefined).

    ``jackknife`` is a callable returning grouped jackknife values (only
    called for BCa). Raises when fewer defined resamples remain than the
    confidence level needs; warns when some were undefined.
    """
    values = np.asarray(values, dtype=np.float64)
    defined = values[~np.isnan(values)]
    n_undefined = int(values.size - defined.size)
    needed = min_resamples(confidence_level)
    check_estimate(estimate, what)
    if defined.size < needed:
        raise InvalidInputError(format_message(
            "n_resamples", f"left {defined.size} resample(s) where {what} is defined "
                           f"({n_undefined} of {values.size} undefined); a "
                           f"{confidence_level:g} interval needs at least {needed}",
            fix=f"Raise n_resamples (to at least {math.ceil(needed * values.size / max(1, defined.size))}"
                " or far more), or evaluate on more rows"))
    if n_undefined:
        warnings.warn(
            f"{n_undefined} of {values.size} resamples ({n_undefined / values.size:.2%}) left "
            f"{what} undefined (e.g. one class drawn, or 0/0 with zero_division='warn'); they "
            "are left out, so the interval describes the resamples where it is defined. "
            "Pass zero_division=0.0 to count 0/0 as 0, or evaluate on more rows.",
            UndefinedMetricWarning, stacklevel=3)
    jack = jackknife() if method == "bca" else None
    low, high = bootstrap_interval(defined, float(estimate), confidence_level, method, jack)
    if method == "bca" and math.isnan(low):
        warnings.warn(
            "The BCa interval is undefined: the estimate lies outside the resampled values, "
            "so the bias correction is infinite. Use method='percentile'.",
            UndefinedMetricWarning, stacklevel=3)
    se = float(np.std(defined, ddof=1))
    ci = ConfidenceInterval(float(estimate), low, high, confidence_level, method, se)
    return BootstrapResult(float(estimate), ci, se, int(values.size), n_undefined,
                           resampling, seed, values if return_values else None, n_clusters)


def bootstrap(metric, y_true=None, y_pred=None, *, state=None, sample_weight=None,
              threshold=None, positive_class=None, strata=None, stratify=False,
              cluster=None, n_resamples=10_000, confidence_level=0.95, method="bca", seed=0,
              return_values=False, data=None, drop_nulls=False,
              **metric_params) -> BootstrapResult:
    """Bootstrap confidence interval and standard error of a metric.

    Parameters
    ----------
    metric : callable or str
        A fastmetrics metric (``fm.f1_score``, ``fm.roc_auc_score``,
        ``fm.log_loss``, ...), a :func:`functools.partial` of one binding
        its keyword arguments (``functools.partial(fm.f1_score,
        average="macro")``), or its name (``"f1_score"``): all three take the
        same route with the same result (see
        :mod:`fastmetrics.inference.specs`). Or a function of a state,
        ``f(state) -> float``, given with ``state=`` (a
        :class:`~fastmetrics.ConfusionState` or a
        :class:`~fastmetrics.ScoreState`); any other callable is refused.
    y_true, y_pred : array-like or column name, optional
        The rows, as for the metric itself (``y_pred`` holds scores or
        probabilities for score metrics). Not with ``state=``.
    state : ConfusionState or ScoreState, optional
        A state built (and merged) beforehand, e.g. from streamed chunks,
        instead of rows. It must be unweighted.
    sample_weight : array-like or column name, optional
        Row weights; rows are then resampled one by one (Poisson weights).
    threshold : float, optional
        For confusion metrics of scores: predict positive where
        ``y_pred >= threshold`` (see :func:`~fastmetrics.confusion_state`).
    positive_class : label, optional
        For ROC AUC and average precision of a multiclass ``y_true`` with
        1-D scores: score this class against the rest.
    strata : array-like or column name, optional
        A stratum per row (e.g. a data source): each resample keeps the
        number of rows of every stratum. Confusion metrics only.
    stratify : bool, default=False
        Keep the number of rows of every true class (stratified by class).
        Confusion metrics only (for a ranking metric the distinct-score table
        is resampled per class anyway: positives and negatives are drawn
        independently).
    cluster : array-like or column name, optional
        A cluster id per row (document, user, question, patient): whole
        clusters are resampled, so rows of one cluster stay together (see
        :mod:`fastmetrics.inference.clusters`). Combines with ``strata=``
        for confusion metrics (each cluster within one stratum). The result
        reports ``n_clusters``; too few clusters for the level is an error,
        fewer than 30 a :class:`~fastmetrics.inference.clusters.FewClustersWarning`.
    n_resamples : int, default=10_000
    confidence_level : float, default=0.95
    method : {"bca", "percentile", "basic", "normal", "blb"} or BagOfLittleBootstraps, default="bca"
        See :mod:`fastmetrics.inference.intervals`. ``"blb"`` (or a
        :class:`~fastmetrics.BagOfLittleBootstraps` with its own subsets and
        subset size) asks for the bag of little bootstraps of Kleiner et al.
        2014 instead of the exact bootstrap: percentile intervals at O(b)
        rather than O(n) per resample, for row-route metrics at scale (see
        :mod:`fastmetrics.inference.little_bootstraps`). Never chosen for you.
    seed : int or None, default=0
        The same seed gives the same result; None draws a seed (reported in
        the result).
    return_values : bool, default=False
        Keep the resampled values in ``bootstrap_distribution``.
    data, drop_nulls
        As for the metric.
    **metric_params
        Keyword arguments of the metric (``average=``, ``pos_label=``,
        ``zero_division=``, ``beta=``, ...). They win over the same keyword
        bound by a partial, as when calling the partial.

    Returns
    -------
    BootstrapResult

    Raises
    ------
    InputTypeError
        A callable that is neither a fastmetrics metric (nor a partial of
        one) given with rows.
    InvalidParameterError
        Bad ``n_resamples``, ``confidence_level``, ``method`` or ``seed``; BCa
        where no jackknife is available; a metric returning an array; an
        unknown metric name; a partial binding positional arguments or
        arguments of the rows (``threshold=``, ``sample_weight=``, ...).
    InvalidInputError
        Too few rows, the metric undefined on the data, or too few defined
        resamples for the interval.

    Notes
    -----
    See :mod:`fastmetrics.inference.bootstrap` for how each metric is
    resampled and what an undefined resample is.

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 100_000)
    >>> pred = np.where(rng.random(100_000) < 0.8, y, 1 - y)
    >>> r = fm.bootstrap(fm.f1_score, y, pred, n_resamples=10_000, seed=0)
    >>> round(r.estimate, 2), r.low < r.estimate < r.high, r.method
    (0.8, True, 'bca')
    >>> score = y + rng.normal(0, 1, 100_000)
    >>> r = fm.bootstrap(fm.roc_auc_score, y, score, n_resamples=1000)
    >>> round(r.estimate, 2), round(r.standard_error, 4) < 0.01
    (0.76, True)

    A partial or a name is the metric itself, on the same route:

    >>> import functools
    >>> macro = fm.bootstrap(functools.partial(fm.f1_score, average="macro"), y, pred)
    >>> macro.resampling, macro.low == fm.bootstrap("f1_score", y, pred, average="macro").low
    ('multinomial', True)
    """
    n_resamples = check_n_resamples(n_resamples)
    confidence_level = check_confidence_level(confidence_level)
    little = little_method(method)
    method = "blb" if little is not None else check_method(method)
    seed = check_seed(seed)
    if little is not None:
        refuse_little(state=state, strata=strata, stratify=stratify)
        function, params, name = resolve_scalar(metric, metric_params)
        statistic = little_statistic(
            [function], y_true, [y_pred], sample_weight=sample_weight, threshold=threshold,
            positive_class=positive_class, data=data, drop_nulls=drop_nulls, params=params,
            name=name, cluster=cluster)
        if statistic.n_clusters is not None:
            check_clusters(statistic.n_clusters, confidence_level)
        check_estimate(statistic.estimate, statistic.name)
        return little_result(statistic, little, n_resamples, confidence_level, seed,
                             return_values)
    statistic = build_statistic(
        metric, y_true, y_pred, state=state, sample_weight=sample_weight, threshold=threshold,
        positive_class=positive_class, strata=strata, stratify=stratify, data=data,
        drop_nulls=drop_nulls, metric_params=metric_params, cluster=cluster)
    n_clusters = getattr(statistic, "n_clusters", None)
    if n_clusters is not None:
        check_clusters(n_clusters, confidence_level)
    check_bca(method, statistic)
    check_estimate(statistic.estimate, statistic.name)
    values = statistic.resampled(n_resamples, seed)
    return summarize(statistic.estimate, values, method=method,
                     confidence_level=confidence_level, jackknife=statistic.jackknife,
                     resampling=statistic.route, seed=seed, return_values=return_values,
                     what=statistic.name, n_clusters=n_clusters)


def resolve_scalar(metric, metric_params):
    """``(metric function, params, name)`` of a scalar metric given as a function,
    partial or name (:func:`~fastmetrics.inference.specs.resolve`)."""
    spec, params = resolve(metric, metric_params, state_allowed=False)
    refuse_non_scalar(spec)
    return spec.metric, params, spec.name


def refuse_little(*, state=None, strata=None, stratify=False) -> None:
    """What the bag of little bootstraps cannot take: a state (it needs the rows) and strata."""
    for argument, given in (("state", state is not None), ("strata", strata is not None),
                            ("stratify", bool(stratify))):
        if given:
            raise InvalidParameterError(format_message(
                argument, "cannot be combined with method='blb' (the little bootstraps draw "
                          "subsets of rows or clusters, not of a state or within strata)",
                fix="Use the exact bootstrap (method='bca' or 'percentile') here"))


def little_result(statistic, little, n_resamples, confidence_level, seed,
                  return_values) -> BootstrapResult:
    """The :class:`BootstrapResult` of one model's little bootstraps."""
    check_little_resamples(little, n_resamples, confidence_level)
    deviations, b = [], None
    for _, values, b in statistic.subset_deviations(little, n_resamples, seed):
        deviations.append(values[0])
    ci, n_undefined = little_summary(statistic.estimate, deviations,
                                     confidence_level=confidence_level, what=statistic.name)
    return BootstrapResult(ci.estimate, ci, ci.standard_error, n_resamples, n_undefined,
                           little_route(statistic), seed,
                           statistic.estimate + np.concatenate(deviations) if return_values
                           else None, statistic.n_clusters, little.subsets, b)


def little_route(statistic) -> str:
    return "little bootstraps" + ("" if statistic.n_clusters is None else " of clusters")


def check_little_resamples(little, n_resamples: int, confidence_level: float) -> None:
    """Every subset needs the resamples of an interval at ``confidence_level``."""
    needed = min_resamples(confidence_level) * little.subsets
    if n_resamples < needed:
        raise InvalidParameterError(format_message(
            "n_resamples", f"is {n_resamples}, spread over {little.subsets} little "
                           f"bootstraps; a {confidence_level:g} interval needs at least "
                           f"{needed}",
            fix=f"Raise n_resamples to {needed} or more (10,000 is the default)"))

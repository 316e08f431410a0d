"""Is model A better than model B on the same rows? Paired bootstrap and permutation test.

Two models scored on the same rows are compared on the *difference* of a
metric, resampling rows jointly so that the correlation between the models
(they err on the same hard rows) is kept; comparing two separate intervals
would ignore it and be far too conservative.

* :func:`paired_bootstrap`: interval of ``metric(A) - metric(B)`` and a
  bootstrap p-value. Confusion metrics resample the joint table of
  (true class, A's prediction, B's prediction), K^3 cells, by multinomials;
  ROC AUC resamples rows with Poisson(1) weights keyed by global row index, one
  pass over each model's sorted scores per 32 resamples; other metrics
  resample rows (:mod:`fastmetrics.inference.rows`).
* :func:`permutation_test` (approximate randomization): under the null
  hypothesis that the models are exchangeable, each row's two predictions are
  swapped with probability 1/2. For confusion metrics only the rows where the
  models disagree can change, so a permutation draws one binomial per joint
  cell (O(K^3)); other metrics swap rows one by one.

The bootstrap p-value shifts the resampled differences to the null: with
``d`` the observed difference and ``d*`` the resampled ones, the two-sided
p-value is ``(1 + #{|d* - d| >= |d|}) / (1 + B)`` (Efron & Tibshirani 1993,
sec. 16.4), one-sided ones count one tail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..confusion.build import confusion_state
from ..exceptions import InvalidInputError, InvalidParameterError, format_message
from ..kernels.cpu import inference as inference_kernels
from ..kernels.cpu import resample as resample_kernels
from ..kernels.cpu import row_resample as row_kernels
from ..ranking.auc import roc_auc_score
from .._core.labels import label_index, union_labels
from .bootstrap import (BootstrapResult, check_bca, check_estimate, check_little_resamples,
                        little_route, refuse_little, resolve_scalar, summarize)
from .little_bootstraps import little_method, little_statistic, little_summary
from .clusters import check_clusters
from .delong import _paired_rows
from .intervals import check_method
from .resampling import (STREAM_PERMUTATION, block_generator, block_size, check_n_resamples,
                         check_seed)
from .results import TestResult, _short, check_confidence_level
from .specs import resolve
from .resampling import ClusterTable
from .rows import descending_order
from .statistics import (ConfusionTables, _refuse_strata, _two_d, call_defined,
                         grouped_tables, metric_name, refuse_non_scalar, row_statistic,
                         second_argument)

__all__ = ["PairedBootstrapResult", "paired_bootstrap", "permutation_test"]

_ALTERNATIVES = ("two-sided", "greater", "less")


def check_alternative(alternative) -> str:
    """``alternative`` if one of the three, else an error (every paired test's check)."""
    if alternative not in _ALTERNATIVES:
        raise InvalidParameterError(format_message(
            "alternative", f"must be one of {list(_ALTERNATIVES)}, got {alternative!r}",
            fix="'greater' tests whether model A scores higher than model B"))
    return alternative


def tail_pvalue(null_values: np.ndarray, observed: float, alternative: str) -> float:
    """``(1 + extreme) / (1 + R)`` over null values centred on 0 (NaN left out)."""
    null_values = null_values[~np.isnan(null_values)]
    # A tolerance so that resamples equal to the observed value up to rounding count.
    tol = 1e-12 * max(1.0, abs(observed))
    if alternative == "two-sided":
        extreme = np.abs(null_values) >= abs(observed) - tol
    elif alternative == "greater":
        extreme = null_values >= observed - tol
    else:
        extreme = null_values <= observed + tol
    return float((1 + np.count_nonzero(extreme)) / (1 + null_values.size))


@dataclass(frozen=True, eq=False)
class PairedBootstrapResult:
    """Two models compared on the same rows by a paired bootstrap.

    Attributes
    ----------
    estimate_a, estimate_b : float
        The metric of each model on the data.
    difference : BootstrapResult
        ``metric(A) - metric(B)``: its estimate, interval and standard error.
    pvalue : float
        Bootstrap p-value of "no difference" against ``alternative``.
    alternative : str
    metric : str
        The metric's name.

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 20_000)
    >>> a = np.where(rng.random(20_000) < 0.85, y, 1 - y)
    >>> b = np.where(rng.random(20_000) < 0.80, y, 1 - y)
    >>> r = fm.paired_bootstrap(fm.accuracy_score, y, a, b, n_resamples=2000)
    >>> round(r.difference.estimate, 2), r.pvalue < 0.01, r.difference.low > 0
    (0.05, True, True)
    """

    estimate_a: float
    estimate_b: float
    difference: BootstrapResult
    pvalue: float
    alternative: str
    metric: str

    @property
    def test(self) -> TestResult:
        """The comparison as a :class:`TestResult` (statistic: the difference)."""
        d = self.difference
        return TestResult(d.estimate, self.pvalue, "paired bootstrap", self.alternative,
                          {"metric": self.metric, "estimate_a": self.estimate_a,
                           "estimate_b": self.estimate_b, "low": d.low, "high": d.high,
                           "confidence_level": d.confidence_level, "interval": d.method,
                           "n_resamples": d.n_resamples, "n_undefined": d.n_undefined})

    def to_dict(self) -> dict:
        return {"metric": self.metric, "estimate_a": self.estimate_a,
                "estimate_b": self.estimate_b, "difference": self.difference.to_dict(),
                "pvalue": self.pvalue, "alternative": self.alternative}

    def __repr__(self) -> str:
        d = self.difference
        return (f"PairedBootstrapResult(metric={self.metric!r}, "
                f"estimate_a={_short(self.estimate_a)}, estimate_b={_short(self.estimate_b)}, "
                f"difference={_short(d.estimate)}, low={_short(d.low)}, high={_short(d.high)}, "
                f"pvalue={_short(self.pvalue)}, alternative={self.alternative!r})")


# ---------------------------------------------------------------------------
# the joint table of two models' labels
# ---------------------------------------------------------------------------

def _joint_cells(y_true, y_pred_a, y_pred_b, data, drop_nulls):
    """Nonzero cells of the (true, A, B) table: (classes, t, a, b, counts)."""
    state = confusion_state(y_true, y_pred_a, groups=y_pred_b, data=data,
                            drop_nulls=drop_nulls)
    classes = union_labels(state.classes, state.group_names, "y_pred_b")
    state = state.reindex(classes, state.group_names)
    g, t, a = np.nonzero(state.counts)
    b = label_index(state.group_names, classes)[g]
    return classes, t, a, b, state.counts[g, t, a]


def _paired_tables(metric, params, y_true, y_pred_a, y_pred_b, stratify, data, drop_nulls):
    classes, t, a, b, counts = _joint_cells(y_true, y_pred_a, y_pred_b, data, drop_nulls)
    k = classes.size
    if stratify:
        strata = np.zeros((k, counts.size), dtype=np.int64)
        strata[t, np.arange(counts.size)] = counts
        strata = strata[strata.any(axis=1)]
    else:
        strata = counts[None]
    return ConfusionTables(metric, params, classes, strata, [t * k + a, t * k + b],
                           stratified=bool(stratify), name=metric_name(metric))


# ---------------------------------------------------------------------------
# ROC AUC of two models: rows with Poisson weights keyed by their index
# ---------------------------------------------------------------------------

class _PairedAUC:
    """Both models' ROC AUC on the same Poisson-resampled rows."""

    route = "poisson rows"
    has_jackknife = True

    def __init__(self, y_true, score_a, score_b, data, drop_nulls):
        sa, sb, codes, classes, _ = _paired_rows(y_true, score_a, score_b, data, drop_nulls)
        self.name = "roc_auc_score"
        self.labels = codes
        self.scores = (sa, sb)
        self.estimates = [roc_auc_score(codes, s) for s in (sa, sb)]
        self.estimate = self.estimates[0]
        sorted_rows = [descending_order(s) for s in (sa, sb)]
        self.orders = np.stack([order for order, _ in sorted_rows])
        self.sorted_labels = codes[self.orders].astype(np.int32)
        self.starts = np.stack([starts for _, starts in sorted_rows])

    def resampled_all(self, n_resamples: int, seed: int) -> np.ndarray:
        # the weights are keyed by row, so both models' walks resample the same rows
        out = np.empty((2, n_resamples))
        for m in range(2):
            area, amount, _ = row_kernels.walk_areas(self.orders[m], self.sorted_labels[m],
                                                     self.starts[m], 1, 2, seed, 0,
                                                     n_resamples)
            n_pos, n_neg = amount[:, 1], amount[:, 0]
            with np.errstate(divide="ignore", invalid="ignore"):
                values = area[:, 0] / (2.0 * n_pos * n_neg)
            values[(n_pos == 0) | (n_neg == 0)] = np.nan
            out[m] = values
        return out

    def jackknife_all(self):
        """Leave-one-row-out AUCs of both models from DeLong's placements (O(n))."""
        out = []
        positive = self.labels != 0
        m = int(np.count_nonzero(positive))
        n = self.labels.size - m
        for s in self.scores:
            numer, twice, _, _ = inference_kernels.score_placements(s, self.labels)
            with np.errstate(divide="ignore", invalid="ignore"):
                out.append(np.where(positive, (twice - numer) / (2.0 * (m - 1) * n),
                                    (twice - numer) / (2.0 * m * (n - 1))))
        return np.vstack(out), np.ones(self.labels.size, dtype=np.int64)


# ---------------------------------------------------------------------------
# public functions
# ---------------------------------------------------------------------------

def _paired_statistic(metric, y_true, y_pred_a, y_pred_b, *, sample_weight, threshold,
                      positive_class, strata, stratify, data, drop_nulls, params,
                      swappable=False, cluster=None):
    """The statistic of two models: joint table, paired AUC rows, or rows.

    ``swappable``: the permutation test swaps the models' columns row by row, which
    the paired-AUC kernel (sorted once per model) cannot do; rows are used instead.
    ``metric`` is resolved by :func:`fastmetrics.inference.specs.resolve` (names and
    partials too; ``params`` win over a partial's keywords).
    """
    spec, params = resolve(metric, params, state_allowed=False)
    refuse_non_scalar(spec)
    metric, name = spec.metric, spec.name
    if y_pred_b is None or y_pred_a is None:
        raise InvalidParameterError(format_message(
            "y_pred_b" if y_pred_b is None else "y_pred_a", "is None",
            fix="Pass both models' predictions for the same rows"))
    two_d = any(_two_d(v, data) for v in (y_true, y_pred_a, y_pred_b))
    if (spec.resampling == "count_table" and sample_weight is None and threshold is None
            and not two_d):
        if cluster is None and strata is None:
            return _paired_tables(metric, params, y_true, y_pred_a, y_pred_b, stratify, data,
                                  drop_nulls)
        return grouped_tables(metric, params, y_true, [y_pred_a, y_pred_b], cluster=cluster,
                              strata=strata, stratify=stratify, threshold=None, data=data,
                              drop_nulls=drop_nulls, name=name)
    _refuse_strata(strata, stratify, "row")
    if (metric is roc_auc_score and sample_weight is None and not two_d and cluster is None
            and positive_class is None and not params and not swappable):
        return _PairedAUC(y_true, y_pred_a, y_pred_b, data, drop_nulls)
    return row_statistic([metric, metric], y_true, [y_pred_a, y_pred_b],
                         sample_weight=sample_weight, threshold=threshold,
                         positive_class=positive_class, data=data, drop_nulls=drop_nulls,
                         params=params, name=name, fused=not swappable, cluster=cluster)


def paired_bootstrap(metric, y_true, y_pred_a, y_pred_b, *, sample_weight=None,
                     threshold=None, positive_class=None, strata=None, stratify=False,
                     cluster=None, n_resamples=10_000, confidence_level=0.95, method="bca", seed=0,
                     alternative="two-sided", return_values=False, data=None,
                     drop_nulls=False, **metric_params) -> PairedBootstrapResult:
    """Paired bootstrap of the difference ``metric(A) - metric(B)`` on the same rows.

    Parameters
    ----------
    metric : callable or str
        A fastmetrics metric, e.g. ``fm.f1_score`` or ``fm.roc_auc_score``, a
        :func:`functools.partial` of one binding keyword arguments, or its
        name (see :mod:`fastmetrics.inference.specs`).
    y_true : array-like or column name
    y_pred_a, y_pred_b : array-like or column name
        The two models' predictions (labels, or scores for score metrics) of
        the same rows. Pass the candidate as A: a positive difference means A
        scores higher.
    sample_weight, threshold, positive_class, strata, stratify, cluster
        As for :func:`~fastmetrics.bootstrap`: ``strata=`` and ``stratify=``
        for confusion metrics, ``cluster=`` for every metric (whole clusters
        resampled, both models together).
    n_resamples, confidence_level, method, seed, return_values
        As for :func:`~fastmetrics.bootstrap`; the interval is the
        difference's. With ``method="blb"`` (the bag of little bootstraps)
        both models are scored on the same subsets and weights, and the
        p-value is the subsets' average.
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
        "greater": the alternative is that A scores higher than B.
    data, drop_nulls, **metric_params
        As for the metric.

    Returns
    -------
    PairedBootstrapResult

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(1)
    >>> y = rng.integers(0, 2, 5_000)
    >>> a = y + rng.normal(0, 0.8, 5_000)
    >>> b = y + rng.normal(0, 1.0, 5_000)
    >>> r = fm.paired_bootstrap(fm.roc_auc_score, y, a, b, n_resamples=1000)
    >>> r.difference.estimate > 0, r.pvalue < 0.05
    (True, True)
    """
    n_resamples = check_n_resamples(n_resamples)
    confidence_level = check_confidence_level(confidence_level)
    little = little_method(method)
    method = "blb" if little is not None else check_method(method)
    seed = check_seed(seed)
    alternative = check_alternative(alternative)
    if little is not None:
        return _paired_little(metric, y_true, y_pred_a, y_pred_b, little, sample_weight=sample_weight,
                              threshold=threshold, positive_class=positive_class,
                              strata=strata, stratify=stratify, cluster=cluster,
                              n_resamples=n_resamples, confidence_level=confidence_level,
                              seed=seed, alternative=alternative,
                              return_values=return_values, data=data, drop_nulls=drop_nulls,
                              params=metric_params)
    statistic = _paired_statistic(metric, y_true, y_pred_a, y_pred_b,
                                  sample_weight=sample_weight, threshold=threshold,
                                  positive_class=positive_class, strata=strata,
                                  stratify=stratify, data=data, drop_nulls=drop_nulls,
                                  params=metric_params, cluster=cluster)
    n_clusters = getattr(statistic, "n_clusters", None)
    if n_clusters is not None:
        check_clusters(n_clusters, confidence_level)
    check_bca(method, statistic)
    est_a, est_b = statistic.estimates
    observed = est_a - est_b
    check_estimate(est_a, statistic.name)
    check_estimate(est_b, statistic.name)
    values = statistic.resampled_all(n_resamples, seed)
    diffs = values[0] - values[1]

    def jackknife():
        jack, counts = statistic.jackknife_all()
        d = jack[0] - jack[1]
        keep = ~np.isnan(d)
        return d[keep], counts[keep]

    difference = summarize(observed, diffs, method=method, confidence_level=confidence_level,
                           jackknife=jackknife, resampling=statistic.route, seed=seed,
                           return_values=return_values,
                           what=f"the difference of {statistic.name}", n_clusters=n_clusters)
    pvalue = tail_pvalue(diffs - observed, observed, alternative)
    return PairedBootstrapResult(est_a, est_b, difference, pvalue, alternative,
                                 statistic.name)


def _paired_little(metric, y_true, y_pred_a, y_pred_b, little, *, sample_weight, threshold,
                   positive_class, strata, stratify, cluster, n_resamples, confidence_level,
                   seed, alternative, return_values, data, drop_nulls, params):
    """:func:`paired_bootstrap` by the bag of little bootstraps: both models on the same
    subsets and weights; interval, standard error and p-value averaged over subsets."""
    refuse_little(strata=strata, stratify=stratify)
    function, params, name = resolve_scalar(metric, params)
    statistic = little_statistic([function, function], y_true, [y_pred_a, y_pred_b],
                                 sample_weight=sample_weight, threshold=threshold,
                                 positive_class=positive_class, data=data,
                                 drop_nulls=drop_nulls, params=params, name=name,
                                 cluster=cluster)
    if statistic.n_clusters is not None:
        check_clusters(statistic.n_clusters, confidence_level)
    est_a, est_b = statistic.estimates
    check_estimate(est_a, name)
    check_estimate(est_b, name)
    observed = est_a - est_b
    check_little_resamples(little, n_resamples, confidence_level)
    deviations, pvalues, b = [], [], None
    for _, values, b in statistic.subset_deviations(little, n_resamples, seed):
        d = values[0] - values[1]
        deviations.append(d)
        pvalues.append(tail_pvalue(d, observed, alternative))
    what = f"the difference of {name}"
    ci, n_undefined = little_summary(observed, deviations, confidence_level=confidence_level,
                                     what=what)
    difference = BootstrapResult(
        ci.estimate, ci, ci.standard_error, n_resamples, n_undefined, little_route(statistic),
        seed, observed + np.concatenate(deviations) if return_values else None,
        statistic.n_clusters, little.subsets, b)
    return PairedBootstrapResult(est_a, est_b, difference, float(np.mean(pvalues)),
                                 alternative, name)


def permutation_test(metric, y_true, y_pred_a, y_pred_b, *, sample_weight=None,
                     threshold=None, positive_class=None, cluster=None, n_resamples=10_000,
                     seed=0,
                     alternative="two-sided", data=None, drop_nulls=False,
                     **metric_params) -> TestResult:
    """Approximate-randomization test of ``metric(A) == metric(B)`` on the same rows.

    Each permutation swaps the two models' predictions of every row with
    probability 1/2 and recomputes the difference; the p-value is the share of
    permutations at least as extreme as the observed difference,
    ``(1 + count) / (1 + R)``. For score metrics, swapping assumes the two
    models' scores are on the same scale (e.g. both probabilities).

    Parameters
    ----------
    metric, y_true, y_pred_a, y_pred_b, sample_weight, threshold, positive_class
        As for :func:`paired_bootstrap`.
    cluster : array-like or column name, optional
        A cluster id per row: the rows of a cluster swap their predictions
        together (``details["n_clusters"]`` reports how many).
    n_resamples : int, default=10_000
        Permutations drawn.
    seed : int or None, default=0
    alternative : {"two-sided", "greater", "less"}, default="two-sided"
    data, drop_nulls, **metric_params
        As for the metric.

    Returns
    -------
    TestResult
        ``statistic`` is the observed difference; ``details`` holds both
        estimates, the permutations and how many were undefined.

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 10_000)
    >>> a = np.where(rng.random(10_000) < 0.7, y, rng.integers(0, 3, 10_000))
    >>> b = np.where(rng.random(10_000) < 0.6, y, rng.integers(0, 3, 10_000))
    >>> t = fm.permutation_test(fm.f1_score, y, a, b, average="macro", n_resamples=2000)
    >>> t.pvalue < 0.01, t.method
    (True, 'approximate randomization')
    """
    n_resamples = check_n_resamples(n_resamples)
    seed = check_seed(seed)
    alternative = check_alternative(alternative)
    statistic = _paired_statistic(metric, y_true, y_pred_a, y_pred_b,
                                  sample_weight=sample_weight, threshold=threshold,
                                  positive_class=positive_class, strata=None, stratify=False,
                                  data=data, drop_nulls=drop_nulls, params=metric_params,
                                  swappable=True, cluster=cluster)
    n_clusters = getattr(statistic, "n_clusters", None)
    if n_clusters is not None and n_clusters < 2:
        raise InvalidInputError(format_message(
            "cluster", f"has {n_clusters} cluster: swapping it cannot test anything",
            fix="Evaluate on more clusters"))
    est_a, est_b = statistic.estimates
    observed = est_a - est_b
    if isinstance(statistic, ConfusionTables):
        null = _table_permutations(statistic, n_resamples, seed)
    else:
        null = _row_permutations(statistic, n_resamples, seed)
    undefined = int(np.count_nonzero(np.isnan(null)))
    if undefined == null.size:
        pvalue = math.nan
    else:
        pvalue = tail_pvalue(null, observed, alternative)
    return TestResult(observed, pvalue, "approximate randomization", alternative,
                      {"metric": statistic.name, "estimate_a": est_a, "estimate_b": est_b,
                       "n_resamples": n_resamples, "n_undefined": undefined, "seed": seed,
                       "n_clusters": n_clusters})


def _table_permutations(statistic: ConfusionTables, n_resamples: int, seed: int):
    """Null differences: binomial(count, 1/2) swapped rows per joint cell, O(R x cells).

    Each joint cell is split in two: its kept rows (counted as observed) and its
    swapped rows (A's table gets B's prediction and back).
    """
    total = statistic.table.total
    t_a, t_b = statistic.targets
    split = ConfusionTables(statistic.metric, statistic.params, statistic.classes,
                            np.concatenate([total, np.zeros_like(total)])[None],
                            [np.concatenate([t_a, t_b]), np.concatenate([t_b, t_a])],
                            name=statistic.name)
    disagree = t_a != t_b  # rows where both models agree do not change when swapped
    clustered = isinstance(statistic.table, ClusterTable)
    out = np.empty(n_resamples)
    step = block_size(max(2 * total.size, statistic.table.n_clusters if clustered else 0))
    for block, first in enumerate(range(0, n_resamples, step)):
        size = min(step, n_resamples - first)
        rng = block_generator(seed, STREAM_PERMUTATION, block)
        if clustered:  # a fair coin per cluster: all its rows swap, or none
            swaps = statistic.table.swapped(rng, size)
        else:
            swaps = np.zeros((size, total.size), dtype=np.int64)
            swaps[:, disagree] = rng.binomial(total[disagree], 0.5,
                                              size=(size, disagree.sum()))
        values = split._values(np.concatenate([total[None] - swaps, swaps], axis=1))
        out[first:first + size] = values[0] - values[1]
    return out


def _row_permutations(statistic, n_resamples: int, seed: int):
    """Null differences by swapping the models' columns row by row."""
    out = np.empty(n_resamples)
    (metric_a, kw_a), (metric_b, kw_b) = statistic.calls
    key = second_argument(metric_a)
    a, b = kw_a[key], kw_b[key]
    n = len(a)
    keys = statistic.keys
    for r in range(n_resamples):
        if keys is None:
            mask = resample_kernels.swap_mask(np.uint64(seed), 0, n, r)
        else:  # one coin per cluster
            mask = resample_kernels.swap_mask(np.uint64(seed), 0, statistic.n_clusters, r)[keys]
        if a.ndim == 2:
            mask = mask[:, None]
        va = call_defined(metric_a, **{**kw_a, key: np.where(mask, b, a)})
        vb = call_defined(metric_b, **{**kw_b, key: np.where(mask, a, b)})
        out[r] = va - vb
    return out

"""Uncertainty for the evaluation report: an interval per metric, a test per comparison.

:func:`fastmetrics.evaluate` calls :func:`model_intervals` for every model and
:func:`compare_models` for a (candidate, baseline) pair when asked to. Each
metric gets the cheapest honest method available:

* confusion-matrix metrics (the summary): BCa bootstrap of the count table
  already built for the report (no pass over the data), and the paired
  bootstrap of the joint (truth, candidate, baseline) table for the comparison;
* one class's ROC AUC and average precision: BCa bootstrap of the
  distinct-score table; DeLong's paired test for the AUC comparison;
* everything else (class-probability metrics, calibration errors, the
  average-precision comparison): the row bootstrap (Poisson-weighted rows,
  ``row_resamples`` of them, 1,000 by default, summed by the fused plans of
  :mod:`fastmetrics.inference.rows`; percentile intervals: for the
  calibration errors, whose plug-in is biased upward, it covered 93.9% in
  simulation, better than the basic and bias-corrected ones, see
  tests/test_row_validity.py). The same row weights serve
  every model and metric (:func:`row_figures`), so the comparison's
  differences pair up;
* the "By group" figures: BCa of each group's count table, groups under
  :data:`MIN_GROUP_ROWS` rows flagged instead (:func:`group_intervals`);
* the comparison's p-values are Holm-adjusted over its metrics, the family
  named in the report (:func:`adjust_comparison`).

Every entry records its method and resample count, so the report can say
what each interval and p-value is.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..calibration.metrics import expected_calibration_error
from ..confusion.agreement import (accuracy_score, balanced_accuracy_score, cohen_kappa_score,
                                   matthews_corrcoef)
from ..confusion.prf import f1_score
from ..exceptions import FastMetricsError, UndefinedMetricWarning
from ..inference.bootstrap import bootstrap, summarize
from ..inference.multiple import adjust_pvalues
from ..inference.compare import paired_bootstrap, tail_pvalue
from ..inference.delong import delong_test
from ..inference.rows import CellRows, RankingRows, resample_together, row_plan
from ..inference.statistics import (RowResamples, encode_labels, first_argument, materialize,
                                    second_argument)
from ..losses.metrics import brier_score_loss, log_loss
from ..ranking.auc import average_precision_score, roc_auc_score

__all__ = ['SUMMARY_PUBLIC', 'LOWER_IS_BETTER', 'GROUP_METRICS', 'MIN_GROUP_ROWS',
           'model_intervals', 'group_intervals', 'row_figures', 'compare_models',
           'adjust_comparison']


#: The summary metrics as public functions with their keyword arguments (the
#: bootstrap's registry knows them: batched finalizers, joint tables).
SUMMARY_PUBLIC = {
    "accuracy": (accuracy_score, {}),
    "balanced_accuracy": (balanced_accuracy_score, {}),
    "macro_f1": (f1_score, {"average": "macro", "zero_division": 0.0}),
    "weighted_f1": (f1_score, {"average": "weighted", "zero_division": 0.0}),
    "mcc": (matthews_corrcoef, {}),
    "cohen_kappa": (cohen_kappa_score, {}),
}


#: Metrics where a smaller value is better (losses, calibration errors).
LOWER_IS_BETTER = frozenset({"log_loss", "brier_score", "top_label_ece", "ece"})


def _interval_entry(result) -> dict:
    return {"estimate": result.estimate, "low": result.low, "high": result.high,
            "method": f"bootstrap {result.method}", "n_resamples": result.n_resamples,
            "n_undefined": result.n_undefined}


def _probability_metrics(labels, bins):
    """name -> (public metric, kwargs) of the class-probability section."""
    return {
        "roc_auc_ovr_macro": (roc_auc_score, {"multi_class": "ovr", "labels": labels}),
        "roc_auc_ovo_macro": (roc_auc_score, {"multi_class": "ovo", "labels": labels}),
        "top_label_ece": (expected_calibration_error, {"labels": labels, "n_bins": bins}),
        "log_loss": (log_loss, {"labels": labels}),
        "brier_score": (brier_score_loss, {"labels": labels}),
    }


def model_intervals(ev, *, scores_state, confidence_level, n_resamples, seed) -> dict:
    """metric name -> interval entry of one model's table-resampled figures."""
    common = dict(confidence_level=confidence_level, seed=seed)
    out = {}
    for name, (metric, kw) in SUMMARY_PUBLIC.items():
        out[name] = _interval_entry(bootstrap(metric, state=ev.state, n_resamples=n_resamples,
                                              **common, **kw))
    if scores_state is not None:
        ranking = min(n_resamples, 1000)
        out["roc_auc"] = _interval_entry(bootstrap(roc_auc_score, state=scores_state,
                                                   n_resamples=ranking, **common))
        out["average_precision"] = _interval_entry(bootstrap(
            average_precision_score, state=scores_state, n_resamples=ranking, pos_label=True,
            **common))
    return out


def _row_statistics(metric, kw, truth, preds, name):
    """The fused plan of ``metric`` over the models' ``preds``, or the per-resample calls."""
    plan = row_plan(metric, truth, preds, None, kw, name)
    if plan is not None:
        return plan
    return RowResamples([(metric, {first_argument(metric): truth, second_argument(metric): p,
                                   **kw})
                         for p in preds], name)


#: The "By group" table's metrics (names of :data:`SUMMARY_PUBLIC`).
GROUP_METRICS = ("accuracy", "macro_f1", "mcc")

#: Groups with fewer rows get no interval (flagged in the report): a bootstrap of a
#: handful of rows says little about the rows to come.
MIN_GROUP_ROWS = 30


def group_intervals(state, *, confidence_level, n_resamples, seed) -> dict:
    """group -> metric -> interval entry (BCa of the group's count table), or
    ``{"too_small": True}`` for a group below :data:`MIN_GROUP_ROWS` rows or whose
    metrics have no interval (one class, say)."""
    out = {}
    for group, s in state.by_group().items():
        if s.n_rows < MIN_GROUP_ROWS:
            out[str(group)] = {"too_small": True}
            continue
        entries = {}
        for name in GROUP_METRICS:
            metric, kw = SUMMARY_PUBLIC[name]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UndefinedMetricWarning)
                    r = bootstrap(metric, state=s, n_resamples=n_resamples, seed=seed,
                                  confidence_level=confidence_level, **kw)
            except FastMetricsError:
                entries = {"too_small": True}
                break
            entries[name] = _interval_entry(r)
        out[str(group)] = entries
    return out


def adjust_comparison(comparison: dict, *, candidate, baseline, alpha, method="holm"):
    """Holm-adjusted p-values over the comparison's metrics (the family), in place.

    Each entry gets ``adjusted_pvalue`` and its verdict is read from it; the
    returned dict names the method and the family. Metrics without a p-value
    (NaN) stay out of the family.
    """
    tested = {name: e["pvalue"] for name, e in comparison.items()
              if np.isfinite(e["pvalue"])}
    if not tested:
        return None
    family = f"{len(tested)} metrics of {candidate} vs {baseline}"
    adjusted = adjust_pvalues(tested, method=method, family=family)
    for name in tested:
        e = comparison[name]
        e["adjusted_pvalue"] = adjusted[name]
        e["verdict"] = _verdict(name, e["difference"], e["adjusted_pvalue"], alpha)
    return {"method": method, "family": family, "metrics": list(tested)}


def row_figures(*, data, y_true, columns, positive_class, labels, bins, confidence_level,
                row_resamples, seed, drop_nulls, compared=None):
    """Intervals (and comparisons) of the row-resampled figures of every model.

    Every figure is resampled with the same Poisson row weights (keyed by
    seed, resample and row), so the candidate's and the baseline's values
    pair up for the comparison. Each metric takes its fused plan
    (:mod:`fastmetrics.inference.rows`): the one-vs-rest and one-vs-one ROC
    AUC share one walk of each score column, and the losses and calibration
    bins of every model one pass over the rows.

    Returns ``(intervals, comparison)``: model -> metric -> entry, and metric ->
    comparison entry (empty without ``compared``).
    """
    roles = {"y_true": y_true}
    for m, cols in columns.items():
        roles.update({f"{m}/{k}": v for k, v in cols.items() if k != "pred" and v is not None})
    arrays = materialize(roles, data, drop_nulls, frozenset(r for r in roles if "/" in r))
    truth = arrays["y_true"]
    codes, params = encode_labels(truth, {"labels": list(labels)})
    is_positive = truth == positive_class
    figures = {}  # (model, name) -> (estimate, resampled values)
    with_proba = [m for m, cols in columns.items() if cols.get("proba") is not None]
    with_score = [m for m, cols in columns.items() if cols.get("score") is not None]

    together = []  # the cell-sum plans: one pass over the rows for all of them

    def run(names, statistic, values=None):
        if values is None and isinstance(statistic, CellRows):
            together.append((names, statistic))
            return
        values = statistic.resampled_all(row_resamples, seed) if values is None else values
        for i, model in enumerate(names[0]):
            figures[model, names[1]] = (statistic.estimates[i], values[i])

    if with_proba:
        probas = [arrays[f"{m}/proba"] for m in with_proba]
        metrics = _probability_metrics(params["labels"], bins)
        ovr_metric, ovr_kw = metrics.pop("roc_auc_ovr_macro")
        _, ovo_kw = metrics.pop("roc_auc_ovo_macro")
        auc = _row_statistics(ovr_metric, ovr_kw, codes, probas, "roc_auc_ovr_macro")
        if isinstance(auc, RankingRows):  # one walk of each column serves both averages
            ovr, ovo = auc.resampled_with(row_resamples, seed, [auc.params,
                                                                 {**auc.params,
                                                                  "multi_class": "ovo"}])
            run((with_proba, "roc_auc_ovr_macro"), auc, ovr)
            ovo_estimates = [ovr_metric(codes, p, **ovo_kw) for p in probas]
            for i, model in enumerate(with_proba):
                figures[model, "roc_auc_ovo_macro"] = (ovo_estimates[i], ovo[i])
        else:
            run((with_proba, "roc_auc_ovr_macro"), auc)
            run((with_proba, "roc_auc_ovo_macro"),
                _row_statistics(ovr_metric, ovo_kw, codes, probas, "roc_auc_ovo_macro"))
        for name, (metric, kw) in metrics.items():
            run((with_proba, name), _row_statistics(metric, kw, codes, probas, name))
    if with_score:
        scores = [arrays[f"{m}/score"] for m in with_score]
        run((with_score, "ece"), _row_statistics(expected_calibration_error,
                                                 {"n_bins": bins}, is_positive, scores, "ece"))
        if compared:
            run((with_score, "average_precision"),
                _row_statistics(average_precision_score, {}, is_positive, scores,
                                "average_precision"))
    if together:
        resampled = resample_together([plan for _, plan in together], row_resamples, seed)
        for (names, plan), values in zip(together, resampled):
            run(names, plan, values)
    if not figures:
        return {}, {}
    common = dict(confidence_level=confidence_level, jackknife=None,
                  resampling="poisson rows", seed=seed, return_values=False)
    intervals = {}
    for (m, name), (estimate, values) in figures.items():
        if name == "average_precision":
            continue  # its interval comes from the distinct-score table (model_intervals)
        result = summarize(estimate, values, what=name, method="percentile", **common)
        intervals.setdefault(m, {})[name] = _interval_entry(result)
    comparison = {}
    if compared:
        cand, base = compared
        test = f"paired bootstrap (rows, percentile, {row_resamples:,} resamples)"
        for (m, name), (estimate, values) in figures.items():
            if m != cand or (base, name) not in figures:
                continue
            base_estimate, base_values = figures[base, name]
            observed = estimate - base_estimate
            diffs = values - base_values
            result = summarize(observed, diffs, what=f"the difference of {name}",
                               method="percentile", **common)
            pvalue = tail_pvalue(diffs - observed, observed, "two-sided")
            comparison[name] = _comparison_entry(name, estimate, base_estimate, result, pvalue,
                                                 test, 1.0 - confidence_level)
    return intervals, comparison


def _verdict(name, difference, pvalue, alpha) -> str:
    better = difference < 0 if name in LOWER_IS_BETTER else difference > 0
    if pvalue >= alpha:
        return "no significant difference"
    return "candidate better" if better else "baseline better"


def _comparison_entry(name, candidate, baseline, difference, pvalue, test, alpha) -> dict:
    return {"candidate": candidate, "baseline": baseline, "difference": difference.estimate,
            "low": difference.low, "high": difference.high, "pvalue": pvalue,
            # a bootstrap p-value is at least 1 / (B + 1): the report says "<=" there
            "pvalue_floor": 1.0 / (difference.n_resamples + 1), "test": test,
            "verdict": _verdict(name, difference.estimate, pvalue, alpha)}


def compare_models(*, data, y_true, candidate, baseline, columns, positive_class,
                   confidence_level, n_resamples, seed, drop_nulls) -> dict:
    """metric name -> comparison entry of the candidate against the baseline.

    The table-resampled part: summary metrics by the paired bootstrap of the
    joint table, one class's ROC AUC by DeLong's test. ``columns`` maps each
    model name to its dict of columns (``pred``, ``score``). Differences are
    candidate minus baseline; ``verdict`` reads the p-value at ``1 -
    confidence_level``.
    """
    alpha = 1.0 - confidence_level
    cand, base = columns[candidate], columns[baseline]
    out = {}
    test = f"paired bootstrap (joint table, BCa, {n_resamples:,} resamples)"
    for name, (metric, kw) in SUMMARY_PUBLIC.items():
        r = paired_bootstrap(metric, y_true, cand["pred"], base["pred"], data=data,
                             drop_nulls=drop_nulls, confidence_level=confidence_level,
                             seed=seed, n_resamples=n_resamples, **kw)
        out[name] = _comparison_entry(name, r.estimate_a, r.estimate_b, r.difference,
                                      r.pvalue, test, alpha)
    if cand.get("score") is not None and base.get("score") is not None:
        rows = materialize({"y_true": y_true, "a": cand["score"], "b": base["score"]}, data,
                           drop_nulls)
        result = delong_test(rows["y_true"] == positive_class, rows["a"], rows["b"])
        d = result.details
        out["roc_auc"] = {"candidate": d["auc_a"], "baseline": d["auc_b"],
                          "difference": d["difference"], "low": np.nan, "high": np.nan,
                          "pvalue": result.pvalue, "test": "DeLong",
                          "verdict": _verdict("roc_auc", d["difference"], result.pvalue,
                                              alpha)}
    return out

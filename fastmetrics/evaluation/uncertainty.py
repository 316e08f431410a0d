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
  average-precision comparison): the row bootstrap (percentile intervals
  from Poisson-resampled rows, ``row_resamples`` of them, each recomputing
  the metrics: the costly part of the report). One set of resampled rows
  serves every model and metric (:func:`row_figures`), so the comparison's
  differences pair up and each row is gathered once per resample.

Every entry records its method and resample count, so the report can say
what each interval and p-value is.
"""

from __future__ import annotations

import numpy as np

from ..calibration.metrics import expected_calibration_error
from ..confusion.agreement import (accuracy_score, balanced_accuracy_score, cohen_kappa_score,
                                   matthews_corrcoef)
from ..confusion.prf import f1_score
from ..inference.bootstrap import bootstrap, summarize
from ..inference.compare import paired_bootstrap, tail_pvalue
from ..inference.delong import delong_test
from ..inference.statistics import RowResamples, encode_labels, materialize, second_argument
from ..losses.metrics import brier_score_loss, log_loss
from ..ranking.auc import average_precision_score, roc_auc_score

__all__ = ['SUMMARY_PUBLIC', 'LOWER_IS_BETTER', 'model_intervals', 'row_figures', 'compare_models']


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


def row_figures(*, data, y_true, columns, positive_class, labels, bins, confidence_level,
                row_resamples, seed, drop_nulls, compared=None):
    """Intervals (and comparisons) of the row-resampled figures of every model.

    One set of Poisson-resampled rows serves every metric of every model, so
    each row is gathered once per resample and the candidate's and the
    baseline's values pair up for the comparison.

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
    calls, keys = [], []
    for m, cols in columns.items():
        if cols.get("proba") is not None:
            for name, (metric, kw) in _probability_metrics(params["labels"], bins).items():
                calls.append((metric, {"y_true": codes,
                                       second_argument(metric): arrays[f"{m}/proba"], **kw}))
                keys.append((m, name))
        if cols.get("score") is not None:
            calls.append((expected_calibration_error,
                          {"y_true": is_positive, "y_prob": arrays[f"{m}/score"],
                           "n_bins": bins}))
            keys.append((m, "ece"))
            if compared:
                calls.append((average_precision_score,
                              {"y_true": is_positive, "y_score": arrays[f"{m}/score"]}))
                keys.append((m, "average_precision"))
    if not calls:
        return {}, {}
    statistic = RowResamples(calls, "the row-resampled figures")
    values = statistic.resampled_all(row_resamples, seed)
    common = dict(method="percentile", confidence_level=confidence_level, jackknife=None,
                  resampling=statistic.route, seed=seed, return_values=False)
    intervals = {}
    position = {}
    for i, (m, name) in enumerate(keys):
        position[m, name] = i
        if name == "average_precision":
            continue  # its interval comes from the distinct-score table (model_intervals)
        result = summarize(statistic.estimates[i], values[i], what=name, **common)
        intervals.setdefault(m, {})[name] = _interval_entry(result)
    comparison = {}
    if compared:
        cand, base = compared
        test = f"paired bootstrap (rows, percentile, {row_resamples:,} resamples)"
        for (m, name), i in position.items():
            if m != cand or (base, name) not in position:
                continue
            j = position[base, name]
            observed = statistic.estimates[i] - statistic.estimates[j]
            diffs = values[i] - values[j]
            result = summarize(observed, diffs, what=f"the difference of {name}", **common)
            pvalue = tail_pvalue(diffs - observed, observed, "two-sided")
            comparison[name] = _comparison_entry(
                name, statistic.estimates[i], statistic.estimates[j], result, pvalue, test,
                1.0 - confidence_level)
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

"""Evaluate one or more models' predictions on a table: the engine of the main job.

:func:`evaluate` reads each model's prediction column once into a grouped
:class:`~fastmetrics.ConfusionState` and derives every figure of the report
from that state (overall and per group), so adding a metric never costs
another pass over the data. The result prints as a text report and converts
to a dict for JSON output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from ..calibration.build import calibration_state
from ..calibration.metrics import expected_calibration_error
from ..confusion.agreement import (accuracy_score, balanced_accuracy_score, cohen_kappa_score,
                                   matthews_corrcoef)
from ..confusion.build import confusion_state
from ..confusion.matrix import confusion_matrix
from ..confusion.prf import f1_score
from ..confusion.report import classification_report
from ..exceptions import InvalidParameterError, LabelError, format_message
from ..losses.build import loss_state
from ..losses.metrics import brier_score_loss, log_loss
from ..ranking.auc import average_precision_score, roc_auc_score
from ..ranking.build import score_state
from ..ranking.thresholds import (best_fbeta_threshold, precision_at_recall,
                                  recall_at_precision, youden_threshold)
from .uncertainty import (MIN_GROUP_ROWS, adjust_comparison, compare_models, group_intervals,
                          model_intervals, row_figures)

__all__ = ['ModelEvaluation', 'Evaluation', 'evaluate']


#: Headline metrics: name -> (finalizer, keyword arguments).
SUMMARY_METRICS = {
    "accuracy": (accuracy_score.from_state, {}),
    "balanced_accuracy": (balanced_accuracy_score.from_state, {}),
    "macro_f1": (f1_score.from_state, {"average": "macro", "zero_division": 0.0}),
    "weighted_f1": (f1_score.from_state, {"average": "weighted", "zero_division": 0.0}),
    "mcc": (matthews_corrcoef.from_state, {}),
    "cohen_kappa": (cohen_kappa_score.from_state, {}),
}


#: Bins of the calibration errors in the report (torchmetrics' default, Guo et al.).
CALIBRATION_BINS = 15


#: Operating points chosen on the positive class's scores: name -> (rule, kwargs).
THRESHOLD_RULES = {
    "best_f1": (best_fbeta_threshold.from_state, {}),
    "youden_j": (youden_threshold.from_state, {}),
    "precision_at_recall_0.9": (precision_at_recall.from_state, {"min_recall": 0.9}),
    "recall_at_precision_0.9": (recall_at_precision.from_state, {"min_precision": 0.9}),
}


@dataclass
class ModelEvaluation:
    """Everything the report says about one model.

    ``probabilistic`` holds the figures of its class probabilities (ranking
    and calibration over all classes), ``positive`` those of one class's
    scores against the rest, and ``thresholds`` the operating points chosen
    on those scores; each is empty when the model has no such column.
    """

    name: str
    state: object
    summary: dict
    confusion: np.ndarray
    per_class: dict
    by_group: dict = field(default_factory=dict)
    group_intervals: dict = field(default_factory=dict)
    probabilistic: dict = field(default_factory=dict)
    positive: dict = field(default_factory=dict)
    thresholds: dict = field(default_factory=dict)
    intervals: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"summary": self.summary, "labels": self.state.classes.tolist(),
                "confusion_matrix": self.confusion.tolist(), "per_class": self.per_class,
                "by_group": self.by_group, "group_intervals": self.group_intervals,
                "n_rows": self.state.n_rows,
                "n_dropped": self.state.n_dropped, "probabilistic": self.probabilistic,
                "positive_class": self.positive,
                "thresholds": {k: v.to_dict() for k, v in self.thresholds.items()},
                "intervals": self.intervals}


@dataclass
class Evaluation:
    """The evaluation of several models on the same rows."""

    source: str
    y_true: str
    models: list
    positive_class: object = None
    confidence_level: float = 0.95
    comparison: dict = field(default_factory=dict)
    compared: tuple | None = None
    adjustment: dict | None = None

    def to_dict(self) -> dict:
        return {"source": self.source, "y_true": self.y_true,
                "positive_class": _plain(self.positive_class),
                "models": {m.name: m.to_dict() for m in self.models},
                "confidence_level": self.confidence_level,
                "comparison": ({"candidate": self.compared[0], "baseline": self.compared[1],
                                "metrics": self.comparison, "adjustment": self.adjustment}
                               if self.compared else None)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        return _render(self)

    def __str__(self) -> str:
        return self.to_text()


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _summarize(state) -> dict:
    return {name: float(f(state, **kw)) for name, (f, kw) in SUMMARY_METRICS.items()}


def _probabilistic(data, y_true, column, labels, sample_weight, drop_nulls) -> dict:
    """Ranking and calibration of a model's class probabilities (all classes)."""
    common = dict(sample_weight=sample_weight, data=data, drop_nulls=drop_nulls)
    out = {
        "roc_auc_ovr_macro": roc_auc_score(y_true, column, multi_class="ovr", labels=labels,
                                           **common),
        "roc_auc_ovo_macro": roc_auc_score(y_true, column, multi_class="ovo", labels=labels,
                                           **common),
        "top_label_ece": expected_calibration_error(y_true, column, labels=labels,
                                                    n_bins=CALIBRATION_BINS, **common),
    }
    losses = loss_state(y_true, column, labels=labels, **common)
    out["log_loss"] = log_loss.from_state(losses, labels=labels)
    out["brier_score"] = brier_score_loss.from_state(losses, labels=labels)
    return {k: float(v) for k, v in out.items()}


def _positive_class(data, y_true, column, positive_class, sample_weight, drop_nulls,
                    scores_out):
    """One class's scores against the rest: areas, calibration, operating points."""
    common = dict(sample_weight=sample_weight, positive_class=positive_class, data=data,
                  drop_nulls=drop_nulls)
    scores = score_state(y_true, column, **common)
    scores_out.append(scores)
    figures = {"roc_auc": roc_auc_score.from_state(scores),
               "average_precision": average_precision_score.from_state(scores,
                                                                        pos_label=True)}
    calibration = calibration_state(y_true, column, n_bins=CALIBRATION_BINS, **common)
    figures["ece"] = expected_calibration_error.from_state(calibration)
    points = {}
    for name, (rule, kwargs) in THRESHOLD_RULES.items():
        try:
            points[name] = rule(scores, pos_label=True, **kwargs)
        except (LabelError, InvalidParameterError):
            # one class only, or no threshold reaches the constraint: not in the report
            continue
    return {k: float(v) for k, v in figures.items()}, points


def evaluate(data, y_true: str, models: dict, *, groups: str | None = None,
             sample_weight: str | None = None, drop_nulls: bool = False,
             source: str | None = None, probabilities: dict | None = None,
             scores: dict | None = None, positive_class=None,
             labels=None, n_resamples: int | None = None, row_resamples: int = 1000,
             confidence_level: float = 0.95, seed: int = 0,
             compare: tuple | None = None) -> Evaluation:
    """Evaluate each model's predictions against ``y_true``.

    Parameters
    ----------
    data : table, DataFrame or path
        Anything :func:`fastmetrics.confusion_state` accepts as ``data=``.
    y_true : str
        Column of true labels.
    models : dict of str to str
        Model name -> column of its predicted labels.
    groups : str, optional
        Column to break the headline metrics down by (e.g. language).
    sample_weight : str, optional
        Column of row weights.
    drop_nulls : bool, default=False
        Drop rows holding nulls (reported) instead of raising.
    source : str, optional
        How to name ``data`` in the report.
    probabilities : dict of str to str, optional
        Model name -> column of its class probabilities (a fixed-size list,
        one entry per class in ``labels`` order): adds one-vs-rest and
        one-vs-one ROC AUC, top-label calibration error, log loss and Brier
        score.
    scores : dict of str to str, optional
        Model name -> column of its score (probability) for
        ``positive_class``: adds that class's ROC AUC, average precision and
        calibration error, and operating points chosen on its scores (best
        F1, Youden's J, best precision at recall >= 0.9, best recall at
        precision >= 0.9).
    positive_class : label, optional
        The class ``scores`` are for (required with ``scores``).
    labels : array-like, optional
        The class of each probability column; by default the sorted classes
        of ``y_true`` and the predictions, as scikit-learn orders
        ``predict_proba``.
    n_resamples : int, optional
        Give every figure a bootstrap confidence interval
        (:mod:`fastmetrics.evaluation.uncertainty` says which method each gets):
        ``n_resamples`` resamples for confusion metrics, at most 1,000 for
        one class's ROC AUC and average precision. None: no intervals.
    row_resamples : int, default=1000
        Resamples of the metrics that are bootstrapped by resampling rows
        (class-probability metrics, calibration errors): Poisson-weighted
        rows summed in fused passes (:mod:`fastmetrics.inference.rows`), 32
        resamples per pass over the rows.
    confidence_level : float, default=0.95
    seed : int, default=0
        Seed of every bootstrap (the same seed gives the same report).
    compare : (str, str), optional
        ``(candidate, baseline)`` model names: test, metric by metric,
        whether the candidate beats the baseline on the same rows (needs
        ``n_resamples``).

    Returns
    -------
    Evaluation

    Examples
    --------
    >>> import fastmetrics as fm
    >>> from fastmetrics.datasets import make_demo_predictions
    >>> table = make_demo_predictions(2_000, seed=1)
    >>> ev = fm.evaluate(table, "label", {"baseline": "baseline_pred"}, groups="group")
    >>> sorted(ev.models[0].summary)[:2]
    ['accuracy', 'balanced_accuracy']
    """
    probabilities = probabilities or {}
    scores = scores or {}
    unknown = [m for m in (*probabilities, *scores) if m not in models]
    if unknown:
        raise InvalidParameterError(format_message(
            "probabilities/scores", f"name the model {unknown[0]!r}, which is not in models="
                                    f"{list(models)}", fix="Use the names given in models="))
    if scores and positive_class is None:
        raise InvalidParameterError(format_message(
            "positive_class", "is required with scores= (the class the scores are for)",
            fix="Pass e.g. positive_class='fraud'"))
    if compare is not None:
        if n_resamples is None:
            raise InvalidParameterError(format_message(
                "compare", "needs n_resamples (the comparisons are bootstrap tests)",
                fix="Pass e.g. n_resamples=10_000"))
        if len(compare) != 2 or any(m not in models for m in compare):
            raise InvalidParameterError(format_message(
                "compare", f"must name two models of models={list(models)}, got {compare!r}",
                fix="Pass compare=(candidate, baseline)"))
    out = []
    for name, column in models.items():
        state = confusion_state(y_true, column, sample_weight=sample_weight, groups=groups,
                                data=data, drop_nulls=drop_nulls)
        total = state.total()
        per_group = {}
        if groups is not None:
            per_group = {str(g): {"n_rows": s.n_rows, **_summarize(s)}
                         for g, s in state.by_group().items()}
        ev = ModelEvaluation(
            name=name, state=total, summary=_summarize(total),
            confusion=confusion_matrix.from_state(total),
            per_class=classification_report.from_state(total, output_dict=True,
                                                       zero_division=0.0),
            by_group=per_group)
        if name in probabilities:
            column_labels = total.classes if labels is None else labels
            ev.probabilistic = _probabilistic(data, y_true, probabilities[name], column_labels,
                                              sample_weight, drop_nulls)
        scores_state = []
        if name in scores:
            ev.positive, ev.thresholds = _positive_class(data, y_true, scores[name],
                                                         positive_class, sample_weight,
                                                         drop_nulls, scores_state)
        if n_resamples is not None:
            ev.intervals = model_intervals(
                ev, scores_state=scores_state[0] if scores_state else None,
                confidence_level=confidence_level, n_resamples=n_resamples, seed=seed)
            if groups is not None and state.weighted is False:
                ev.group_intervals = group_intervals(
                    state, confidence_level=confidence_level, n_resamples=n_resamples,
                    seed=seed)
        out.append(ev)
    comparison = {}
    adjustment = None
    if n_resamples is not None:
        columns = {m: {"pred": models[m], "proba": probabilities.get(m),
                       "score": scores.get(m)} for m in models}
        rows_intervals, rows_comparison = row_figures(
            data=data, y_true=y_true, columns=columns, positive_class=positive_class,
            labels=out[0].state.classes if labels is None else labels, bins=CALIBRATION_BINS,
            confidence_level=confidence_level, row_resamples=row_resamples, seed=seed,
            drop_nulls=drop_nulls, compared=compare)
        for ev in out:
            ev.intervals.update(rows_intervals.get(ev.name, {}))
        if compare is not None:
            comparison = compare_models(
                data=data, y_true=y_true, candidate=compare[0], baseline=compare[1],
                columns=columns, positive_class=positive_class,
                confidence_level=confidence_level, n_resamples=n_resamples, seed=seed,
                drop_nulls=drop_nulls)
            comparison.update(rows_comparison)
            adjustment = adjust_comparison(comparison, candidate=compare[0],
                                           baseline=compare[1], alpha=1.0 - confidence_level)
    return Evaluation(source=source or type(data).__name__, y_true=y_true, models=out,
                      positive_class=positive_class, confidence_level=confidence_level,
                      comparison=comparison, compared=tuple(compare) if compare else None,
                      adjustment=adjustment)


def _matrix_text(labels, cm) -> str:
    names = [str(x) for x in labels]
    width = max(8, *(len(n) for n in names), *(len(f"{v:,}") for v in np.ravel(cm)))
    head = " " * (width + 2) + " ".join(f"{n:>{width}}" for n in names)
    rows = [f"{n:>{width}}  " + " ".join(f"{v:>{width},}" for v in row)
            for n, row in zip(names, cm)]
    return "\n".join(["  true \\ predicted", head, *rows])


def _render(ev: Evaluation) -> str:
    lines = [f"Evaluation of {len(ev.models)} model(s) on {ev.source} "
             f"(truth: {ev.y_true!r})", ""]
    names = [m.name for m in ev.models]
    width = max(12, *(len(n) for n in names))
    lines.append("Summary".ljust(20) + "".join(f"{n:>{width}}" for n in names))
    for metric in SUMMARY_METRICS:
        lines.append(metric.ljust(20) + "".join(f"{m.summary[metric]:>{width}.4f}"
                                                for m in ev.models))
    lines.append("rows".ljust(20) + "".join(f"{m.state.n_rows:>{width},}" for m in ev.models))
    lines += _ranking_lines(ev, width)
    lines += _interval_lines(ev)
    lines += _comparison_lines(ev)
    for m in ev.models:
        lines += ["", "=" * 72, f"Model: {m.name}", "=" * 72, "",
                  _matrix_text(m.state.classes, m.confusion), "",
                  classification_report.from_state(m.state, digits=4, zero_division=0.0)]
        if m.by_group:
            lines += _group_lines(m, ev.confidence_level)
        if m.state.n_dropped:
            lines.append(f"({m.state.n_dropped:,} rows with nulls dropped)")
    return "\n".join(lines) + "\n"


def _group_lines(m, confidence_level) -> list:
    """The "By group" table; with intervals, each figure's interval below it."""
    w = 16 if m.group_intervals else 12  # room for "[0.822, 0.826]" under each figure
    lines = ["By group".ljust(14) + f"{'rows':>10}" + "".join(
        f"{k:>{w}}" for k in ("accuracy", "macro_f1", "mcc"))]
    small = []
    for g, s in m.by_group.items():
        lines.append(f"{g:<14}{s['n_rows']:>10,}" + "".join(
            f"{s[k]:>{w}.4f}" for k in ("accuracy", "macro_f1", "mcc")))
        entry = m.group_intervals.get(g)
        if entry is None:
            continue
        if entry.get("too_small"):
            small.append(g)
            lines.append(f"{'':<24}{'(too few rows for an interval)':>{3 * w}}")
            continue
        lines.append(f"{'':<24}" + "".join(
            f"[{entry[k]['low']:.3f}, {entry[k]['high']:.3f}]".rjust(w)
            for k in ("accuracy", "macro_f1", "mcc")))
    if m.group_intervals:
        any_entry = next((e for e in m.group_intervals.values() if not e.get("too_small")),
                         None)
        if any_entry is not None:
            e = any_entry["accuracy"]
            lines.append(f"({confidence_level:.0%} intervals: {e['method']}, "
                         f"{e['n_resamples']:,} resamples of each group's table"
                         + (f"; {', '.join(small)}: fewer than {MIN_GROUP_ROWS} rows or "
                            "undefined" if small else "") + ")")
    return lines


def _interval_lines(ev: Evaluation) -> list:
    """Each model's figures with their confidence intervals (when computed)."""
    if not any(m.intervals for m in ev.models):
        return []
    level = f"{ev.confidence_level:.0%}"
    lines = ["", f"{level} confidence intervals",
             f"{'metric':<20}" + "".join(f"{m.name + ' [low, high]':>30}" for m in ev.models)
             + "  method"]
    names = list(dict.fromkeys(k for m in ev.models for k in m.intervals))
    for metric in names:
        cells, method = [], ""
        for m in ev.models:
            e = m.intervals.get(metric)
            if e is None:
                cells.append(" " * 30)
                continue
            cells.append(f"{e['estimate']:.4f} [{e['low']:.4f}, {e['high']:.4f}]".rjust(30))
            method = f"{e['method']}, {e['n_resamples']:,}"
        lines.append(f"{metric:<20}" + "".join(cells) + f"  {method}")
    return lines


def _comparison_lines(ev: Evaluation) -> list:
    """Does the candidate beat the baseline, metric by metric (when compared)."""
    if not ev.comparison:
        return []
    cand, base = ev.compared
    lines = ["", f"{cand} vs {base} on the same rows (difference = {cand} - {base}; "
                 f"{1 - ev.confidence_level:.0%} significance)",
             f"{'metric':<20}{'difference':>11}{'interval':>22}{'p-value':>10}"
             f"{'adjusted':>10}  {'verdict':<26}test"]
    for metric, e in ev.comparison.items():
        interval = (f"[{e['low']:+.4f}, {e['high']:+.4f}]"
                    if np.isfinite(e["low"]) else "")
        p = e["pvalue"]
        floor = e.get("pvalue_floor", 0.0)
        if floor > 0 and p <= floor:
            p_text = f"<={p:.1g}"  # no resample reached the null: the resolution of B
        else:
            p_text = f"{p:.2g}" if p >= 1e-4 else "<1e-4"
        adjusted = e.get("adjusted_pvalue")
        adj_text = "" if adjusted is None else (f"{adjusted:.2g}" if adjusted >= 1e-4
                                                else "<1e-4")
        if adjusted is not None and floor > 0 and p <= floor:
            adj_text = "<=" + adj_text  # adjusted from a p-value known only as a bound
        lines.append(f"{metric:<20}{e['difference']:>+11.4f}{interval:>22}{p_text:>10}"
                     f"{adj_text:>10}  {e['verdict']:<26}{e['test']}")
    if ev.adjustment:
        lines.append(f"(adjusted: {ev.adjustment['method'].capitalize()}'s method over the "
                     f"family of {ev.adjustment['family']}; verdicts read the adjusted "
                     "p-values)")
    return lines


def _ranking_lines(ev: Evaluation, width: int) -> list:
    """The probability, positive-class and threshold sections (where there are any)."""
    lines = []

    def table(title, key):
        names = sorted({k for m in ev.models for k in getattr(m, key)},
                       key=lambda k: [k for m in ev.models for k in getattr(m, key)].index(k))
        if not names:
            return
        lines.extend(["", title])
        for metric in names:
            cells = []
            for m in ev.models:
                value = getattr(m, key).get(metric)
                cells.append(f"{value:>{width}.4f}" if value is not None else " " * width)
            lines.append(metric.ljust(20) + "".join(cells))

    table("Class probabilities", "probabilistic")
    if any(m.positive for m in ev.models):
        table(f"{ev.positive_class!s} vs rest", "positive")
    if any(m.thresholds for m in ev.models):
        lines += ["", f"Operating points for {ev.positive_class!s} (predict it when score >= "
                      "threshold)",
                  f"{'model':<12}{'rule':<26}{'threshold':>10}{'precision':>11}{'recall':>9}"
                  f"{'F1':>8}{'FPR':>9}"]
        for m in ev.models:
            for rule, p in m.thresholds.items():
                lines.append(f"{m.name:<12}{rule:<26}{p.threshold:>10.4f}{p.precision:>11.4f}"
                             f"{p.recall:>9.4f}{p.f1:>8.4f}{p.fpr:>9.4f}")
    return lines

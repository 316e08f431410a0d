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

from .build import confusion_state
from .metrics import (accuracy_score, balanced_accuracy_score, classification_report,
                      cohen_kappa_score, confusion_matrix, f1_score, matthews_corrcoef)

__all__ = ["ModelEvaluation", "Evaluation", "evaluate"]

#: Headline metrics: name -> (finalizer, keyword arguments).
SUMMARY_METRICS = {
    "accuracy": (accuracy_score.from_state, {}),
    "balanced_accuracy": (balanced_accuracy_score.from_state, {}),
    "macro_f1": (f1_score.from_state, {"average": "macro", "zero_division": 0.0}),
    "weighted_f1": (f1_score.from_state, {"average": "weighted", "zero_division": 0.0}),
    "mcc": (matthews_corrcoef.from_state, {}),
    "cohen_kappa": (cohen_kappa_score.from_state, {}),
}


@dataclass
class ModelEvaluation:
    """Everything the report says about one model."""

    name: str
    state: object
    summary: dict
    confusion: np.ndarray
    per_class: dict
    by_group: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"summary": self.summary, "labels": self.state.classes.tolist(),
                "confusion_matrix": self.confusion.tolist(), "per_class": self.per_class,
                "by_group": self.by_group, "n_rows": self.state.n_rows,
                "n_dropped": self.state.n_dropped}


@dataclass
class Evaluation:
    """The evaluation of several models on the same rows."""

    source: str
    y_true: str
    models: list

    def to_dict(self) -> dict:
        return {"source": self.source, "y_true": self.y_true,
                "models": {m.name: m.to_dict() for m in self.models}}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_text(self) -> str:
        return _render(self)

    def __str__(self) -> str:
        return self.to_text()


def _summarize(state) -> dict:
    return {name: float(f(state, **kw)) for name, (f, kw) in SUMMARY_METRICS.items()}


def evaluate(data, y_true: str, models: dict, *, groups: str | None = None,
             sample_weight: str | None = None, drop_nulls: bool = False,
             source: str | None = None) -> Evaluation:
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
    out = []
    for name, column in models.items():
        state = confusion_state(y_true, column, sample_weight=sample_weight, groups=groups,
                                data=data, drop_nulls=drop_nulls)
        total = state.total()
        per_group = {}
        if groups is not None:
            per_group = {str(g): {"n_rows": s.n_rows, **_summarize(s)}
                         for g, s in state.by_group().items()}
        out.append(ModelEvaluation(
            name=name, state=total, summary=_summarize(total),
            confusion=confusion_matrix.from_state(total),
            per_class=classification_report.from_state(total, output_dict=True,
                                                       zero_division=0.0),
            by_group=per_group))
    return Evaluation(source=source or type(data).__name__, y_true=y_true, models=out)


# ---------------------------------------------------------------------------
# text rendering
# ---------------------------------------------------------------------------

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
    for m in ev.models:
        lines += ["", "=" * 72, f"Model: {m.name}", "=" * 72, "",
                  _matrix_text(m.state.classes, m.confusion), "",
                  classification_report.from_state(m.state, digits=4, zero_division=0.0)]
        if m.by_group:
            lines.append("By group".ljust(14) + f"{'rows':>10}{'accuracy':>12}"
                         f"{'macro_f1':>12}{'mcc':>10}")
            for g, s in m.by_group.items():
                lines.append(f"{g:<14}{s['n_rows']:>10,}{s['accuracy']:>12.4f}"
                             f"{s['macro_f1']:>12.4f}{s['mcc']:>10.4f}")
        if m.state.n_dropped:
            lines.append(f"({m.state.n_dropped:,} rows with nulls dropped)")
    return "\n".join(lines) + "\n"

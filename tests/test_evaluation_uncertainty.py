"""The evaluation report's statistics: group intervals, adjusted comparisons, row figures."""

import numpy as np
import pytest

import fastmetrics as fm
from fastmetrics.evaluation.uncertainty import MIN_GROUP_ROWS, adjust_comparison


def _data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    a = np.where(rng.random(n) < 0.85, y, rng.integers(0, 3, n))
    b = np.where(rng.random(n) < 0.80, y, rng.integers(0, 3, n))
    g = np.where(np.arange(n) < 20, "tiny", np.where(rng.random(n) < 0.5, "x", "z"))
    logits = rng.normal(size=(n, 3)) + 2.0 * np.eye(3)[y]
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    q = np.exp(0.7 * logits) / np.exp(0.7 * logits).sum(axis=1, keepdims=True)
    return {"y": y, "a": a, "b": b, "g": g, "pa": list(p), "pb": list(q)}


def test_group_intervals_and_small_groups():
    d = _data()
    ev = fm.evaluate(d, "y", {"A": "a", "B": "b"}, groups="g", n_resamples=1000)
    m = ev.models[0]
    assert m.group_intervals["tiny"] == {"too_small": True}
    assert MIN_GROUP_ROWS == 30
    for group in ("x", "z"):
        entry = m.group_intervals[group]["accuracy"]
        assert entry["low"] < m.by_group[group]["accuracy"] < entry["high"]
        assert entry["n_resamples"] == 1000
    assert "too few rows for an interval" in ev.to_text()
    assert m.to_dict()["group_intervals"]["x"]["mcc"]["method"] == "bootstrap bca"


def test_comparison_is_adjusted_over_its_family():
    d = _data()
    ev = fm.evaluate(d, "y", {"A": "a", "B": "b"}, probabilities={"A": "pa", "B": "pb"},
                     n_resamples=1000, row_resamples=200, compare=("A", "B"))
    assert ev.adjustment["method"] == "holm"
    assert ev.adjustment["family"] == f"{len(ev.adjustment['metrics'])} metrics of A vs B"
    raw = {k: e["pvalue"] for k, e in ev.comparison.items() if "adjusted_pvalue" in e}
    adjusted = fm.adjust_pvalues(raw, method="holm")
    for name, e in ev.comparison.items():
        if name in raw:
            assert e["adjusted_pvalue"] == pytest.approx(adjusted[name])
            assert e["adjusted_pvalue"] >= e["pvalue"]
    assert "Holm's method over the family" in ev.to_text()
    assert ev.to_dict()["comparison"]["adjustment"]["method"] == "holm"
    # the row figures rest on the fused plans with the requested resamples
    assert ev.models[0].intervals["log_loss"]["n_resamples"] == 200


def test_adjusted_verdicts():
    comparison = {"f1": {"pvalue": 0.03, "difference": 0.1},
                  "auc": {"pvalue": 0.04, "difference": 0.1},
                  "ece": {"pvalue": float("nan"), "difference": 0.0}}
    out = adjust_comparison(comparison, candidate="A", baseline="B", alpha=0.05)
    assert out["metrics"] == ["f1", "auc"] and "adjusted_pvalue" not in comparison["ece"]
    assert comparison["f1"]["adjusted_pvalue"] == pytest.approx(0.06)
    assert comparison["f1"]["verdict"] == "no significant difference"

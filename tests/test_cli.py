"""The fastmetrics command: demo and evaluate, end to end on small data."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sklearn.metrics as skm

from fastmetrics.bindings.cli import main
from fastmetrics.datasets import make_demo_predictions
from fastmetrics.exceptions import NullsDroppedWarning


def test_demo_prints_both_models(tmp_path, capsys):
    assert main(["demo", "--rows", "5000", "--output", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Model: baseline" in out and "Model: finetuned" in out
    assert "By group" in out and "macro avg" in out
    assert "roc_auc_ovr_macro" in out and "fraud vs rest" in out and "best_f1" in out
    assert (tmp_path / "demo_predictions.parquet").exists()


def test_evaluate_json_matches_sklearn(tmp_path, capsys):
    table = make_demo_predictions(3000, seed=3)
    path = tmp_path / "p.parquet"
    pq.write_table(table, path)
    assert main(["evaluate", str(path), "--y-true", "label", "--model", "ft=finetuned_pred",
                 "--groups", "group", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["models"]["ft"]
    y = np.array(table.column("label").to_pylist())
    p = np.array(table.column("finetuned_pred").to_pylist())
    assert report["summary"]["accuracy"] == skm.accuracy_score(y, p)
    assert report["summary"]["macro_f1"] == pytest.approx(
        skm.f1_score(y, p, average="macro"), rel=1e-12)
    assert report["confusion_matrix"] == skm.confusion_matrix(y, p).tolist()
    g = np.array(table.column("group").to_pylist())
    assert report["by_group"]["ja"]["accuracy"] == skm.accuracy_score(y[g == "ja"],
                                                                      p[g == "ja"])


def test_evaluate_reports_nulls_and_missing_columns(tmp_path, capsys):
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"y": ["a", "b", None], "p": ["a", "a", "b"]}), path)
    assert main(["evaluate", str(path), "--y-true", "y", "--model", "p"]) == 2
    err = capsys.readouterr().err
    assert "data['y']" in err and "row 2" in err and "--drop-nulls" in err
    with pytest.warns(NullsDroppedWarning, match="1 row"):
        assert main(["evaluate", str(path), "--y-true", "y", "--model", "p",
                     "--drop-nulls"]) == 0
    assert main(["evaluate", str(path), "--y-true", "truth", "--model", "p"]) == 2
    assert "no column 'truth'" in capsys.readouterr().err


def test_evaluate_probabilities_and_scores_match_sklearn(tmp_path, capsys):
    """The ranking, calibration and threshold sections agree with sklearn / brute force."""
    from fastmetrics.datasets import PROBA_CLASSES
    table = make_demo_predictions(4000, seed=5)
    path = tmp_path / "p.parquet"
    pq.write_table(table, path, row_group_size=1500)  # several batches
    assert main(["evaluate", str(path), "--y-true", "label", "--model", "ft=finetuned_pred",
                 "--proba", "ft=finetuned_proba", "--score", "ft=finetuned_score",
                 "--positive-class", "fraud", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["models"]["ft"]
    y = np.array(table.column("label").to_pylist())
    proba = table.column("finetuned_proba").combine_chunks().values.to_numpy().reshape(-1, 5)
    score = table.column("finetuned_score").to_numpy()
    assert list(PROBA_CLASSES) == sorted(PROBA_CLASSES)
    prob = report["probabilistic"]
    assert prob["roc_auc_ovr_macro"] == pytest.approx(
        skm.roc_auc_score(y, proba, multi_class="ovr", labels=list(PROBA_CLASSES)), rel=1e-12)
    assert prob["roc_auc_ovo_macro"] == pytest.approx(
        skm.roc_auc_score(y, proba, multi_class="ovo", labels=list(PROBA_CLASSES)), rel=1e-12)
    # sklearn sums float32 probabilities' logs in float32; we sum in float64
    assert prob["log_loss"] == pytest.approx(skm.log_loss(y, proba, labels=list(PROBA_CLASSES)),
                                             rel=1e-6)
    pos = report["positive_class"]
    truth = y == "fraud"
    assert pos["roc_auc"] == pytest.approx(skm.roc_auc_score(truth, score), rel=1e-12)
    assert pos["average_precision"] == pytest.approx(
        skm.average_precision_score(truth, score), rel=1e-12)
    best = report["thresholds"]["best_f1"]
    f1_at = {t: skm.f1_score(truth, score >= t) for t in np.unique(score)}
    assert best["f1"] == pytest.approx(max(f1_at.values()), rel=1e-12)
    assert best["f1"] == pytest.approx(f1_at[np.float32(best["threshold"])], rel=1e-12)


def test_evaluate_scores_need_positive_class(tmp_path, capsys):
    table = make_demo_predictions(500, seed=2)
    path = tmp_path / "p.parquet"
    pq.write_table(table, path)
    assert main(["evaluate", str(path), "--y-true", "label", "--model", "ft=finetuned_pred",
                 "--score", "ft=finetuned_score"]) == 2
    assert "positive_class" in capsys.readouterr().err
    assert main(["evaluate", str(path), "--y-true", "label", "--model", "ft=finetuned_pred",
                 "--score", "other=finetuned_score", "--positive-class", "fraud"]) == 2
    assert "'other'" in capsys.readouterr().err


def test_demo_reports_intervals_and_comparison(tmp_path, capsys):
    assert main(["demo", "--rows", "4000", "--output", str(tmp_path), "--resamples", "2000",
                 "--row-resamples", "40", "--json"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out[out.index("{"):out.rindex("}") + 1])  # after the "Wrote" line
    table = pq.read_table(tmp_path / "demo_predictions.parquet")
    y = np.array(table.column("label").to_pylist())
    for model in ("baseline", "finetuned"):
        m = report["models"][model]
        shown = {**m["summary"], **m["probabilistic"], **m["positive_class"]}
        # every figure of the report has an interval around it (ECE excepted: a
        # bootstrap of a calibration error is biased upwards, its percentile interval
        # may sit above the estimate)
        assert set(shown) == set(m["intervals"])
        for name, entry in m["intervals"].items():
            assert entry["estimate"] == pytest.approx(shown[name], rel=1e-12), name
            assert entry["low"] <= entry["high"], name
            if "ece" not in name:
                assert entry["low"] <= entry["estimate"] <= entry["high"], name
    comparison = report["comparison"]
    assert (comparison["candidate"], comparison["baseline"]) == ("finetuned", "baseline")
    metrics = comparison["metrics"]
    assert set(metrics) == set(report["models"]["finetuned"]["intervals"])
    p_ft = np.array(table.column("finetuned_pred").to_pylist())
    p_base = np.array(table.column("baseline_pred").to_pylist())
    assert metrics["accuracy"]["difference"] == pytest.approx(
        skm.accuracy_score(y, p_ft) - skm.accuracy_score(y, p_base), rel=1e-12)
    assert metrics["roc_auc"]["test"] == "DeLong"
    for entry in metrics.values():
        assert 0 < entry["pvalue"] <= 1 or entry["test"] == "DeLong"
        assert entry["verdict"] in ("candidate better", "baseline better",
                                    "no significant difference")


def test_demo_text_has_interval_and_test_sections(tmp_path, capsys):
    assert main(["demo", "--rows", "3000", "--output", str(tmp_path), "--resamples", "1000",
                 "--row-resamples", "40"]) == 0
    out = capsys.readouterr().out
    assert "95% confidence intervals" in out
    assert "finetuned vs baseline on the same rows" in out and "DeLong" in out


def test_evaluate_compare_needs_resamples(tmp_path, capsys):
    table = make_demo_predictions(500, seed=2)
    path = tmp_path / "p.parquet"
    pq.write_table(table, path)
    assert main(["evaluate", str(path), "--y-true", "label", "--model", "a=finetuned_pred",
                 "--model", "b=baseline_pred", "--compare", "a", "b"]) == 2
    assert "n_resamples" in capsys.readouterr().err
    assert main(["evaluate", str(path), "--y-true", "label", "--model", "a=finetuned_pred",
                 "--model", "b=baseline_pred", "--compare", "a", "b", "--resamples", "500",
                 "--row-resamples", "40"]) == 0
    assert "a vs b on the same rows" in capsys.readouterr().out

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

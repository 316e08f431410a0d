"""Tests of the deterministic demo data (fastmetrics.datasets).

scikit-learn is the independent judge of accuracy and F1 here, so that these
tests do not depend on the metrics under development.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sklearn_metrics = pytest.importorskip("sklearn.metrics")

from fastmetrics.datasets import (  # noqa: E402
    CLASS_NAMES,
    GROUP_NAMES,
    PROBA_CLASSES,
    make_demo_predictions,
    write_demo_parquet,
)

N = 10_000
K = len(CLASS_NAMES)
MODELS = ("baseline", "finetuned")


@pytest.fixture(scope="module")
def table() -> pa.Table:
    return make_demo_predictions(N, seed=0)


def codes(table: pa.Table, column: str) -> np.ndarray:
    """Dictionary indices of a column as a numpy array."""
    return table[column].combine_chunks().indices.to_numpy()


def proba(table: pa.Table, model: str) -> np.ndarray:
    """The (n, K) float32 probability matrix of a model."""
    return table[f"{model}_proba"].combine_chunks().values.to_numpy().reshape(-1, K)


def test_same_seed_gives_identical_table(table):
    again = make_demo_predictions(N, seed=0)
    assert again.equals(table, check_metadata=True)
    # Bit-identical floats, not merely equal after rounding.
    for model in MODELS:
        assert proba(again, model).tobytes() == proba(table, model).tobytes()


def test_different_seed_gives_different_table(table):
    other = make_demo_predictions(N, seed=1)
    assert not other.equals(table)
    assert not np.array_equal(codes(other, "label"), codes(table, "label"))


def test_schema(table):
    label_type = pa.dictionary(pa.int8(), pa.string())
    expected = pa.schema([
        ("label", label_type),
        ("group", label_type),
        ("baseline_pred", label_type),
        ("finetuned_pred", label_type),
        ("baseline_proba", pa.list_(pa.float32(), K)),
        ("finetuned_proba", pa.list_(pa.float32(), K)),
        ("baseline_score", pa.float32()),
        ("finetuned_score", pa.float32()),
    ])
    assert table.schema.equals(expected)
    assert table.num_rows == N
    for column in ("label", "baseline_pred", "finetuned_pred"):
        assert table[column].combine_chunks().dictionary.to_pylist() == list(CLASS_NAMES)
    assert table["group"].combine_chunks().dictionary.to_pylist() == list(GROUP_NAMES)
    assert all(column.null_count == 0 for column in table.columns)
    assert table.schema.metadata[b"fastmetrics.seed"] == b"0"


@pytest.mark.parametrize("model", MODELS)
def test_probabilities_sum_to_one_and_argmax_is_pred(table, model):
    p = proba(table, model)
    assert p.dtype == np.float32
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=1, dtype=np.float64), 1.0, rtol=0, atol=1e-6)
    # Columns follow the sorted class names; the prediction is the argmax.
    to_dictionary = np.array([CLASS_NAMES.index(c) for c in PROBA_CLASSES])
    np.testing.assert_array_equal(to_dictionary[p.argmax(axis=1)], codes(table, f"{model}_pred"))
    assert list(PROBA_CLASSES) == sorted(CLASS_NAMES)


@pytest.mark.parametrize("model", MODELS)
def test_score_is_fraud_probability(table, model):
    score = table[f"{model}_score"].to_numpy()
    assert score.dtype == np.float32
    np.testing.assert_array_equal(score, proba(table, model)[:, PROBA_CLASSES.index("fraud")])


def test_finetuned_beats_baseline(table):
    y = codes(table, "label")
    acc = {m: sklearn_metrics.accuracy_score(y, codes(table, f"{m}_pred")) for m in MODELS}
    f1 = {m: sklearn_metrics.f1_score(y, codes(table, f"{m}_pred"), average=None)
          for m in MODELS}
    # Better, by a modest margin, and both in a realistic range.
    assert 0.78 < acc["baseline"] < acc["finetuned"] < 0.92
    assert 0.01 < acc["finetuned"] - acc["baseline"] < 0.08
    # Fine-tuning helps the rare class more than the majority class.
    gain = f1["finetuned"] - f1["baseline"]
    assert gain[CLASS_NAMES.index("fraud")] > gain[CLASS_NAMES.index("billing")] > 0


def test_imbalance_and_all_categories_present(table):
    class_counts = np.bincount(codes(table, "label"), minlength=K)
    group_counts = np.bincount(codes(table, "group"), minlength=len(GROUP_NAMES))
    assert np.all(class_counts > 0) and np.all(group_counts > 0)
    shares = class_counts / N
    assert shares[0] > 0.4 and shares[-1] < 0.1       # imbalanced priors
    assert np.all(np.diff(shares) < 0)                # most frequent first
    assert group_counts.max() > 3 * group_counts.min()  # groups of unequal size
    for model in MODELS:                              # every class gets predicted
        assert np.all(np.bincount(codes(table, f"{model}_pred"), minlength=K) > 0)


def test_group_difficulty_varies(table):
    y = codes(table, "label")
    g = codes(table, "group")
    correct = codes(table, "finetuned_pred") == y
    per_group = np.array([correct[g == i].mean() for i in range(len(GROUP_NAMES))])
    assert per_group.max() - per_group.min() > 0.05


def test_zero_rows_and_bad_size():
    empty = make_demo_predictions(0)
    assert empty.num_rows == 0
    with pytest.raises(ValueError, match="n_rows"):
        make_demo_predictions(-1)


def test_write_demo_parquet_round_trips(tmp_path):
    out = write_demo_parquet(tmp_path / "sub" / "demo.parquet", n_rows=1_000, seed=3)
    assert out.exists()
    expected = make_demo_predictions(1_000, seed=3)
    # Readers choose the width of dictionary indices (pyarrow 16 reads int8 back as
    # int32), so compare under the written schema: same columns, values and order.
    assert pq.read_table(out).cast(expected.schema).equals(expected)

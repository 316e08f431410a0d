"""Exact ranking metrics out of core: equal to the in-memory metrics, whatever the ranges."""

from __future__ import annotations

import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import fastmetrics as fm
from fastmetrics.exceptions import InvalidInputError, InvalidParameterError, LabelError


def _data(n=50_000, seed=0, dtype=np.float32, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    s = (y + rng.normal(0, 1.2, n)).astype(dtype)
    if ties:
        s = np.round(s, 1).astype(dtype)
    return y, s


def _check(r, y, s):
    assert r.roc_auc == fm.roc_auc_score(y, s)
    assert r.average_precision == pytest.approx(fm.average_precision_score(y, s), rel=1e-13)
    assert (r.n_positive, r.n_negative) == (int(y.sum()), int(y.size - y.sum()))
    assert r.n_distinct == np.unique(s).size


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("range_rows", [1, 997, 10_000, 1 << 24])
def test_equals_the_in_memory_metrics(dtype, ties, range_rows):
    y, s = _data(dtype=dtype, ties=ties)
    r = fm.out_of_core_ranking(y, s, range_rows=range_rows, bucket_bits=12)
    _check(r, y, s)
    if range_rows == 1:  # every bucket with rows its own range
        assert r.n_ranges > 10
    if range_rows == 1 << 24:
        assert r.n_ranges == 1


def test_reads_a_parquet_directory_twice(tmp_path):
    y, s = _data(120_000, seed=1)
    for i in range(3):
        part = slice(i * 40_000, (i + 1) * 40_000)
        pq.write_table(pa.table({"label": y[part], "score": s[part]}), tmp_path / f"p{i}.parquet",
                       row_group_size=10_000)
    r = fm.out_of_core_ranking("label", "score", data=str(tmp_path), range_rows=30_000,
                               spill_dir=tmp_path)
    _check(r, y, s)
    assert r.largest_range <= 30_000 or r.n_ranges == 1
    assert not any(p.name.startswith("fastmetrics-ranges-") for p in tmp_path.iterdir())


def test_signed_zero_labels_and_one_class():
    y = np.array([1, 0, 1, 0, 1])
    s = np.array([0.0, -0.0, 0.5, -0.5, -0.0])
    _check(fm.out_of_core_ranking(y, s, range_rows=1), y, s)
    words = np.where(y == 1, "spam", "ham")
    assert fm.out_of_core_ranking(words, s, pos_label="spam").roc_auc == fm.roc_auc_score(y, s)
    assert fm.out_of_core_ranking(y * 2 - 1, s).roc_auc == fm.roc_auc_score(y, s)
    with pytest.warns(fm.UndefinedMetricWarning, match="one class"):
        r = fm.out_of_core_ranking(np.ones(4, int), np.arange(4.0))
    assert np.isnan(r.roc_auc) and r.average_precision == 1.0


def test_errors():
    y, s = _data(100)
    s = s.astype(np.float64)
    s[37] = np.nan
    with pytest.raises(InvalidInputError, match="row 37"):
        fm.out_of_core_ranking(y, s)
    with pytest.raises(LabelError, match="pos_label"):
        fm.out_of_core_ranking(np.where(y == 1, "a", "b"), np.ones(100))
    with pytest.raises(InvalidInputError, match="empty"):
        fm.out_of_core_ranking(np.zeros(0, int), np.zeros(0))
    for kwargs in ({"range_rows": 0}, {"bucket_bits": 30}, {"range_rows": 1.5}):
        with pytest.raises(InvalidParameterError):
            fm.out_of_core_ranking(y, np.ones(100), **kwargs)


def test_a_one_shot_reader_is_refused():
    y, s = _data(1000)
    reader = pa.table({"label": y, "score": s}).to_reader()
    with pytest.raises(InvalidInputError, match="changed between the two reads"):
        fm.out_of_core_ranking("label", "score", data=reader)

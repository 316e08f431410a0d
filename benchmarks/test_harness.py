"""Tests of the benchmark harness itself; they never import fastmetrics.

Run with ``python -m pytest benchmarks -q`` (not part of the default test
paths, because the end-to-end test takes several seconds). No test asserts
anything about time: only that checks fail when they should, that the
memory meter sees allocations, and that a full run writes its files.
"""

from __future__ import annotations

import json
import types

import numpy as np
import pytest

from benchmarks import run_confusion
from benchmarks.harness import (Case, CheckError, check_close, check_equal,
                                check_nested_close, run_case, run_cases)
from benchmarks.machine import describe_machine, machine_markdown
from benchmarks.memory import MiB, MemoryMeter, verify
from benchmarks.report import fmt_time

sk = pytest.importorskip("sklearn.metrics")


def bincount_cm(d):
    y, p = d
    return np.bincount(2 * y.astype(np.intp) + p, minlength=4).reshape(2, 2)


def small_binary():
    rng = np.random.default_rng(0)
    y = (rng.random(5_000) < 0.2).astype(np.int8)
    return y, y ^ (rng.random(5_000) < 0.1).astype(np.int8)


def test_check_equal():
    check_equal(np.array([[1, 2], [3, 4]], np.int64), np.array([[1, 2], [3, 4]], np.int32))
    with pytest.raises(CheckError, match="shape"):
        check_equal(np.zeros((2, 2), int), np.zeros((3, 3), int))
    with pytest.raises(CheckError):
        check_equal(np.array([1, 2]), np.array([1, 3]))
    with pytest.raises(CheckError, match="kind"):
        check_equal(np.array([1.0, 2.0]), np.array([1, 2]))


def test_check_close_and_nested():
    check_close(1e-12)(0.1 + 0.2, 0.3)
    with pytest.raises(CheckError):
        check_close(1e-12)(0.3 + 1e-9, 0.3)
    nested = check_nested_close(1e-12)
    nested({"a": {"x": 1.0}, "b": 2}, {"a": {"x": 1.0}, "b": 2})
    with pytest.raises(CheckError, match="keys"):
        nested({"a": 1.0}, {"b": 1.0})
    with pytest.raises(CheckError, match=r"\['a'\]"):
        nested({"a": 1.0}, {"a": 1.5})


def test_run_case_ok():
    case = Case("bincount", 5_000, small_binary, bincount_cm,
                lambda d: sk.confusion_matrix(*d), check_equal, target=1.0)
    r = run_case(case, budget_s=0.05)
    assert r.status == "ok"
    assert r.ours.repeats >= 5 and r.peer.repeats >= 5
    assert r.speedup > 0 and r.reached in (True, False)
    assert r.ours_peak_mib >= 0 and r.peer_peak_mib >= 0
    json.dumps(r.to_dict())  # serializable as is


def test_wrong_answer_fails_loudly_and_is_recorded():
    wrong = Case("off by one", 5_000, small_binary, lambda d: bincount_cm(d) + np.eye(2, dtype=int),
                 lambda d: sk.confusion_matrix(*d), check_equal)
    with pytest.raises(CheckError, match="off by one"):
        run_case(wrong, budget_s=0.05)
    [r] = run_cases([wrong], budget_s=0.05, log=lambda s: None)
    assert r.status == "check failed" and r.ours is None and "off by one" in r.error


def test_missing_function_is_reported_as_missing():
    empty = types.ModuleType("empty_module")
    cm = run_confusion.api(empty, "confusion_matrix")
    case = Case("missing", 10, small_binary, lambda d: cm(*d), lambda d: sk.confusion_matrix(*d),
                check_equal)
    [r] = run_cases([case], budget_s=0.05, log=lambda s: None)
    assert r.status == "missing" and "does not exist" in r.error


def test_memory_meter_sees_numpy_allocations():
    meter = MemoryMeter()
    _, extra = meter.measure(lambda: np.ones(200 * MiB // 8).sum())
    assert 190 * MiB < extra < 215 * MiB, (meter.method, extra / MiB)


def test_memory_meter_sees_numba_allocations():
    pytest.importorskip("numba")
    seen = verify(size_mib=200)
    assert 190 < seen["numba_ones_mib"] < 215, seen
    # A repeated 20 MiB temporary must be seen every time (glibc heap cache).
    assert all(19 < x < 22 for x in seen["numpy_20mib_twice"]), seen


def test_machine_description():
    d = describe_machine()
    assert d["cpu"]["logical_cpus"] >= 1
    assert "numpy" in d["versions"]
    assert "CPU:" in machine_markdown(d)


def test_fmt_time():
    assert fmt_time(0.2314) == "231 ms"
    assert fmt_time(1.5) == "1.5 s"
    assert fmt_time(12.34e-6) == "12.3 µs"
    assert fmt_time(None) == "—"


def test_selftest_end_to_end(tmp_path):
    status = run_confusion.main(["--selftest", "--n", "20000", "--n-mid", "20000",
                                 "--budget", "0.02", "--out", str(tmp_path)])
    assert status == 0
    payload = json.loads((tmp_path / "confusion-selftest.json").read_text())
    assert {r["status"] for r in payload["results"]} == {"ok"}
    assert len(payload["cold_start"]["runs"]) == 2
    probe = payload["results"][-1]
    assert probe["ours_peak_mib"] > 450  # the 500 MiB probe is seen
    assert "| binary confusion_matrix, int8 |" in (tmp_path / "confusion-selftest.md").read_text()

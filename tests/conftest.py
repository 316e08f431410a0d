"""Shared fixtures and helpers: comparing fastmetrics with scikit-learn."""

from __future__ import annotations

import contextlib
import os
import warnings

import numba
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# Property tests: a fixed, modest budget in CI; more locally with
# HYPOTHESIS_PROFILE=thorough.
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=600, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def call_both(ours, theirs, *args, **kwargs):
    """Call both functions; return ``(kind, our_result, their_result)``.

    ``kind`` is ``"error"`` when scikit-learn raised (then ours must raise a
    ValueError/TypeError too, which the caller checks via the returned
    exception), else ``"ok"``. Warnings are recorded and returned as sets of
    (category name, message) so that tests can compare them.
    """
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        try:
            expected = theirs(*args, **kwargs)
        except (ValueError, TypeError) as exc:
            expected = exc
    with warnings.catch_warnings(record=True) as wo:
        warnings.simplefilter("always")
        try:
            got = ours(*args, **kwargs)
        except (ValueError, TypeError) as exc:
            got = exc
    return got, expected, _warning_set(wo), _warning_set(wt)


def _warning_set(records):
    return {(w.category.__name__, str(w.message)) for w in records
            if w.category.__name__ in ("UndefinedMetricWarning", "UserWarning")}


def assert_same_result(got, expected, *, exact=False):
    """Same type of answer, same values (exact for counts, float64 rounding else)."""
    if isinstance(expected, Exception):
        assert isinstance(got, Exception), f"sklearn raised {expected!r}, we returned {got!r}"
        from fastmetrics.exceptions import FastMetricsError
        assert isinstance(got, FastMetricsError), f"not our exception type: {got!r}"
        return
    assert not isinstance(got, Exception), f"we raised {got!r}, sklearn returned {expected!r}"
    if isinstance(expected, dict):
        assert isinstance(got, dict) and list(got) == list(expected)
        for key in expected:
            assert_same_result(got[key], expected[key], exact=exact)
        return
    if isinstance(expected, tuple):
        assert isinstance(got, tuple) and len(got) == len(expected)
        for g, e in zip(got, expected):
            assert_same_result(g, e, exact=exact)
        return
    if expected is None:
        assert got is None
        return
    if isinstance(expected, str):
        assert got == expected, f"\n{got}\n!=\n{expected}"
        return
    e = np.asarray(expected)
    g = np.asarray(got)
    assert g.shape == e.shape, f"shape {g.shape} != {e.shape}"
    if exact or e.dtype.kind in "iub":
        np.testing.assert_array_equal(g, e)
        if e.dtype.kind in "iu":
            assert g.dtype.kind in "iu", f"expected integer result, got {g.dtype}"
    else:
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15, equal_nan=True)
    assert np.ndim(got) == np.ndim(expected)
    if np.ndim(expected) == 0:
        assert isinstance(got, float) == isinstance(expected, float), (type(got), type(expected))


#: The two code paths of a CPU kernel module, for ``kernel_path``.
KERNEL_PATHS = ["serial", "parallel"]


@contextlib.contextmanager
def kernel_path(path):
    """Run the Numba kernels on one thread (``"serial"``) or on all (``"parallel"``).

    Both paths set ``_blocks.SMALL_INPUT_ROWS`` to 0, so that small test inputs
    run the Numba code rather than the numpy answers of ``small_inputs``
    (``tests/test_small_inputs.py`` checks those against the Numba code).
    ``"serial"`` leaves the modules' thresholds alone (small test inputs stay
    on one thread); ``"parallel"`` sets ``_blocks.FORCE_THREADS``, so small
    inputs take the multi-threaded code. Skips where Numba has a single thread.
    """
    from fastmetrics.kernels.cpu import _blocks

    if path == "parallel" and numba.get_num_threads() < 2:
        pytest.skip("Numba has a single thread: no parallel path to test")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_blocks, "SMALL_INPUT_ROWS", 0)
        if path == "parallel":
            mp.setattr(_blocks, "FORCE_THREADS", True)
            assert _blocks.thread_blocks(1, 1 << 62) == numba.get_num_threads()
        yield


def assert_same_outputs(got, expected):
    """A kernel's outputs equal its numpy oracle's, output by output.

    None stays None; Python scalars are equal and of the same type; integer
    arrays are int64 and equal; float arrays are float64 within 1e-12.
    """
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        if e is None:
            assert g is None
        elif isinstance(e, (bool, int, np.integer)):
            assert g == e and type(g) is type(e)
        elif np.asarray(e).dtype.kind in "iu":
            assert np.asarray(g).dtype == np.int64
            np.testing.assert_array_equal(g, e)
        else:
            assert np.asarray(g).dtype == np.float64
            np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run the tests marked slow (the full bootstrap validity "
                          "simulations: minutes)")


def pytest_collection_modifyitems(config, items):
    """Skip ``slow`` tests unless asked for (``--run-slow`` or FASTMETRICS_RUN_SLOW=1),
    so that the README's test command (CI's) stays quick."""
    if config.getoption("--run-slow") or os.environ.get("FASTMETRICS_RUN_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: pass --run-slow (or FASTMETRICS_RUN_SLOW=1)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)

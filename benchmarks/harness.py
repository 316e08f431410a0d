"""A small benchmark harness: check the answer, then time and measure both sides.

The rule it implements (developers' guide): a benchmark checks its answer
first, then times fastmetrics and the peer side by side in one run, and
reports the ratio, the times and the peak memory. It never asserts on time.

A :class:`Case` holds the inputs' recipe and the two callables;
:func:`run_case` turns it into a :class:`Result`:

1. ``data = case.setup()`` builds the inputs (deterministically, untimed).
2. One call of each side; ``case.check(ours, theirs)`` must pass, else the
   case fails loudly with :class:`CheckError` and nothing is timed. This
   first call also compiles ours (Numba JIT or cache load); its time is
   kept as ``ours_first_s``.
3. One more warm-up call each, then :func:`time_call` on each side.
4. One more call each under :class:`~benchmarks.memory.MemoryMeter` for
   the peak extra resident memory.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
import traceback
from dataclasses import asdict, dataclass, field
from typing import Any, Callable

import numpy as np

from benchmarks.memory import MiB, MemoryMeter

__all__ = [
    "Case",
    "CheckError",
    "Result",
    "Timing",
    "Unavailable",
    "check_close",
    "check_equal",
    "check_nested_close",
    "run_case",
    "run_cases",
    "time_call",
]


class CheckError(AssertionError):
    """Ours and the peer disagree: the benchmark's numbers would be meaningless."""


class Unavailable(Exception):
    """The function under test does not exist (yet) in the library."""


def _classify(exc: BaseException) -> tuple[str, str]:
    """Map a case's exception to a (status, message) pair for the report."""
    if isinstance(exc, CheckError):
        return "check failed", str(exc)
    if isinstance(exc, Unavailable):
        return "missing", str(exc)
    message = "".join(traceback.format_exception_only(exc)).strip()
    if isinstance(exc, NotImplementedError):
        return "missing", message
    return "error", message


# --------------------------------------------------------------------------- checks
def check_equal(ours: Any, theirs: Any) -> None:
    """Exact equality, for counts: same shape, same values, same dtype kind.

    The dtype kind (integer vs float) is part of sklearn's contract: an
    unweighted confusion matrix is int64 there, and float counts would be a
    different answer even when the values agree.
    """
    a, b = np.asarray(ours), np.asarray(theirs)
    if a.shape != b.shape:
        raise CheckError(f"shape {a.shape} != peer's {b.shape}")
    if a.dtype.kind != b.dtype.kind and not {a.dtype.kind, b.dtype.kind} <= {"i", "u"}:
        raise CheckError(f"dtype {a.dtype} is not the same kind as peer's {b.dtype}")
    try:
        np.testing.assert_array_equal(a, b)
    except AssertionError as exc:
        raise CheckError(str(exc)) from None


def check_close(rtol: float = 1e-12, atol: float = 0.0) -> Callable[[Any, Any], None]:
    """Return a check for ratios: equal shapes and values to ``rtol``.

    ``1e-12`` allows for a different but sound order of float64 operations
    (a few ulp) and still catches any real difference, such as a float32
    accumulator or an off-by-one in a count.
    """

    def check(ours: Any, theirs: Any) -> None:
        a, b = np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64)
        if a.shape != b.shape:
            raise CheckError(f"shape {a.shape} != peer's {b.shape}")
        try:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
        except AssertionError as exc:
            raise CheckError(str(exc)) from None

    return check


def check_nested_close(rtol: float = 1e-12) -> Callable[[Any, Any], None]:
    """Return a check for nested dicts of numbers (``classification_report``)."""
    leaf = check_close(rtol)

    def check(ours: Any, theirs: Any, path: str = "") -> None:
        if isinstance(theirs, dict):
            if not isinstance(ours, dict) or list(ours) != list(theirs):
                got = list(ours) if isinstance(ours, dict) else type(ours).__name__
                raise CheckError(f"{path or 'result'}: keys {got} != peer's {list(theirs)}")
            for key in theirs:
                check(ours[key], theirs[key], f"{path}[{key!r}]")
            return
        try:
            leaf(ours, theirs)
        except CheckError as exc:
            raise CheckError(f"{path}: {exc}") from None

    return check


# --------------------------------------------------------------------------- timing
@dataclass(frozen=True)
class Timing:
    """Per-call times of one callable, in seconds."""

    median: float
    q1: float
    q3: float
    min: float
    repeats: int  # samples taken
    number: int   # calls per sample


def time_call(fn: Callable[[], Any], *, budget_s: float = 2.0, min_repeats: int = 5,
              max_repeats: int = 1000, min_sample_s: float = 1e-3) -> Timing:
    """Time ``fn()``: median over repeats of the per-call time.

    Parameters
    ----------
    fn : callable
        Called with no arguments; must already be warm (compiled).
    budget_s : float, default=2.0
        Time to spend sampling. Slow calls still get ``min_repeats`` samples.
    min_repeats, max_repeats : int
        Bounds on the number of samples.
    min_sample_s : float, default=1e-3
        Calls faster than this are looped ``number`` times per sample (as
        ``timeit`` does), so that a sample is far above the timer's
        resolution and the loop overhead.

    Returns
    -------
    Timing
        Median, quartiles and minimum of the per-call time.
    """
    t0 = time.perf_counter()
    fn()
    estimate = max(time.perf_counter() - t0, 1e-9)
    number = 1 if estimate >= min_sample_s else math.ceil(min_sample_s / estimate)
    repeats = int(min(max_repeats, max(min_repeats, budget_s // (estimate * number))))
    samples = []
    # No collector pauses inside a sample (as timeit does); a pause would
    # land on whichever side happened to be running.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            samples.append((time.perf_counter() - t0) / number)
    finally:
        if gc_was_enabled:
            gc.enable()
    q1, _, q3 = statistics.quantiles(samples, n=4) if len(samples) > 1 else samples * 3
    return Timing(statistics.median(samples), q1, q3, min(samples), repeats, number)


# --------------------------------------------------------------------------- cases
@dataclass
class Case:
    """One benchmark: the same question asked of fastmetrics and of a peer.

    Parameters
    ----------
    name : str
        Short description, shown in the table.
    n : int
        Number of rows, shown in the table.
    setup : callable
        ``setup() -> data``; builds the inputs deterministically. Not timed.
    ours, peer : callable
        ``ours(data)`` and ``peer(data)`` compute the answer. Whatever work
        a user of the peer must do (e.g. thresholding scores) belongs in
        ``peer``; preparation a user would do once belongs in ``setup``.
    check : callable
        ``check(ours_result, peer_result)``; raises (``CheckError`` or
        ``AssertionError``) on disagreement. See :func:`check_equal`,
        :func:`check_close`.
    target : float, optional
        Minimum speed-up (peer time / our time) asked for; ``None`` for an
        informative row.
    peer_name : str, default="sklearn"
        Who the peer is, shown in the table.
    group : str, default=""
        Section of the report the row belongs to.
    note : str, default=""
        Anything a reader must know to interpret the row.
    """

    name: str
    n: int
    setup: Callable[[], Any]
    ours: Callable[[Any], Any]
    peer: Callable[[Any], Any]
    check: Callable[[Any, Any], None]
    target: float | None = None
    peer_name: str = "sklearn"
    group: str = ""
    note: str = ""


@dataclass
class Result:
    """Outcome of one :class:`Case`; ``status`` is ``ok``, ``check failed``,
    ``missing`` (ours lacks the function) or ``error``."""

    name: str
    n: int
    group: str
    peer_name: str
    status: str
    target: float | None = None
    ours: Timing | None = None
    peer: Timing | None = None
    ours_first_s: float | None = None
    ours_peak_mib: float | None = None
    peer_peak_mib: float | None = None
    note: str = ""
    error: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def speedup(self) -> float | None:
        """Peer median time over ours: above 1 means fastmetrics is faster."""
        if self.ours is None or self.peer is None:
            return None
        return self.peer.median / self.ours.median

    @property
    def reached(self) -> bool | None:
        """Whether the target speed-up was met (``None`` when there is none)."""
        if self.target is None or self.speedup is None:
            return None
        return self.speedup >= self.target

    def to_dict(self) -> dict:
        """Plain-JSON form, with the derived speed-up and verdict."""
        d = asdict(self)
        d["speedup"] = self.speedup
        d["reached"] = self.reached
        return d


def run_case(case: Case, *, meter: MemoryMeter | None = None, budget_s: float = 2.0,
             min_repeats: int = 5) -> Result:
    """Check, then time and measure one case.

    Raises
    ------
    CheckError
        If the answers disagree; the message names the case.
    """
    meter = meter or MemoryMeter()
    data = case.setup()
    t0 = time.perf_counter()
    ours_out = case.ours(data)
    first = time.perf_counter() - t0
    peer_out = case.peer(data)
    try:
        case.check(ours_out, peer_out)
    except AssertionError as exc:
        raise CheckError(f"{case.name} (n={case.n}): fastmetrics disagrees with "
                         f"{case.peer_name}: {exc}") from None
    del ours_out, peer_out

    timings = {}
    for side, fn in (("ours", case.ours), ("peer", case.peer)):
        fn(data)  # warm-up: caches, page tables, lazy imports
        timings[side] = time_call(lambda fn=fn: fn(data), budget_s=budget_s,
                                  min_repeats=min_repeats)
    peaks = {side: meter.measure(lambda fn=fn: fn(data))[1] / MiB
             for side, fn in (("ours", case.ours), ("peer", case.peer))}
    return Result(case.name, case.n, case.group, case.peer_name, "ok", case.target,
                  timings["ours"], timings["peer"], first, peaks["ours"], peaks["peer"],
                  case.note)


def run_cases(cases, *, budget_s: float = 2.0, min_repeats: int = 5, fail_fast: bool = False,
              meter: MemoryMeter | None = None, log: Callable[[str], None] = print):
    """Run cases in order; a failing case is recorded, logged, and the rest go on.

    Returns
    -------
    list of Result
        One per case. A ``CheckError`` gives status ``check failed``;
        ``Unavailable`` or ``NotImplementedError`` gives ``missing`` (the
        library is being written); any other exception gives ``error``.
        With ``fail_fast`` the first failure is raised instead.
    """
    meter = meter or MemoryMeter()
    results = []
    for case in cases:
        log(f"  {case.name} (n={case.n:,}) ...")
        try:
            results.append(run_case(case, meter=meter, budget_s=budget_s,
                                    min_repeats=min_repeats))
            continue
        except Exception as exc:  # noqa: BLE001 - recorded and logged, never swallowed
            if fail_fast:
                raise
            status, error = _classify(exc)
        log(f"    {status.upper()}: {error}")
        results.append(Result(case.name, case.n, case.group, case.peer_name, status,
                              case.target, note=case.note, error=error))
        gc.collect()
    return results

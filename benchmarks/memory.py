"""Peak extra memory of one call, measured on the process's resident set.

Why RSS and not ``tracemalloc``: Numba's ``np.empty`` inside a jitted kernel,
Arrow's buffers and C extensions allocate outside Python's allocator hooks, so
``tracemalloc`` does not see them. The kernel does, and Linux keeps the
high-water mark of the resident set (``VmHWM`` in ``/proc/self/status``).
Writing ``5`` to ``/proc/self/clear_refs`` resets that mark to the current
RSS, so ``VmHWM`` after a call minus ``VmRSS`` before it is the call's peak
extra memory, however short-lived the peak was.

Two details make the number honest:

* glibc keeps freed chunks below its dynamic mmap threshold (which grows to
  32 MiB after large frees) in the heap and reuses them without touching new
  pages. A call whose temporaries fit in that cache would show 0 MiB the
  second time. ``malloc_trim(0)`` before each measurement returns the cache
  to the kernel, so every call pays for its own temporaries.
* ``gc.collect()`` first, so that garbage from earlier calls is not freed,
  and re-used, during the measured one.

Where ``clear_refs`` is not available (not Linux, no permission), a helper
process samples this process's RSS with ``psutil`` every 0.2 ms; that misses
peaks shorter than the interval, and the result files say which method ran.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import time
from typing import Any, Callable

__all__ = ["MemoryMeter", "verify"]

MiB = 2**20


def _status_kib(key: str) -> int:
    """Read one ``kB`` field of ``/proc/self/status``."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def _load_malloc_trim() -> Callable[[], None]:
    """Return ``malloc_trim(0)`` of the C library, or a no-op without glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]
    return lambda: trim(0)


class MemoryMeter:
    """Measure the peak extra resident memory of a call.

    Parameters
    ----------
    method : {"auto", "vmhwm", "psutil"}, default="auto"
        ``"vmhwm"`` resets and reads the kernel's RSS high-water mark (exact,
        Linux only); ``"psutil"`` samples RSS from a helper process;
        ``"auto"`` takes ``"vmhwm"`` when ``/proc/self/clear_refs`` accepts
        a reset.

    Examples
    --------
    >>> import numpy as np
    >>> meter = MemoryMeter()
    >>> _, extra = meter.measure(lambda: np.ones(2**24).sum())  # 128 MiB
    >>> 120 * 2**20 < extra < 140 * 2**20
    True
    """

    def __init__(self, method: str = "auto") -> None:
        if method == "auto":
            method = "vmhwm" if self._can_reset_hwm() else "psutil"
        if method not in ("vmhwm", "psutil"):
            raise ValueError(f"method: unknown {method!r}. Use 'auto', 'vmhwm' or 'psutil'.")
        self.method = method
        self._trim = _load_malloc_trim()
        self._sampler = None  # the psutil sampling process, started on first use

    @staticmethod
    def _can_reset_hwm() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            _status_kib("VmHWM")
            return True
        except (OSError, KeyError):
            return False

    @property
    def description(self) -> str:
        """One line saying how the peak is measured, for result files."""
        if self.method == "vmhwm":
            return ("Linux VmHWM after resetting it via /proc/self/clear_refs, minus VmRSS "
                    "before the call; gc.collect() and malloc_trim(0) first")
        return ("psutil RSS sampled every 0.2 ms by a helper process, minus RSS before "
                "the call (misses shorter peaks)")

    def _settle(self) -> None:
        gc.collect()
        self._trim()

    def measure(self, fn: Callable[[], Any]) -> tuple[Any, int]:
        """Call ``fn()`` once; return its result and the peak extra RSS in bytes."""
        self._settle()
        if self.method == "vmhwm":
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            before = _status_kib("VmRSS")
            out = fn()
            peak = _status_kib("VmHWM")
            return out, max(0, peak - before) * 1024
        return self._measure_psutil(fn)

    def _measure_psutil(self, fn):
        if self._sampler is None:
            self._sampler = _Sampler()
        return self._sampler.measure(fn)


def _sample_loop(pid, start, stop, done, peak, interval):
    """Body of the sampling process: track the max RSS of ``pid`` between events."""
    import psutil

    proc = psutil.Process(pid)
    while True:
        start.wait()
        start.clear()
        high = proc.memory_info().rss
        while not stop.is_set():
            high = max(high, proc.memory_info().rss)
            time.sleep(interval)
        stop.clear()
        peak.value = max(high, proc.memory_info().rss)
        done.set()


class _Sampler:
    """A helper *process* that samples this process's RSS with psutil.

    A process, not a thread: a thread needs the GIL to run, and a Numba
    kernel or C extension that holds the GIL for the whole call would stop
    it, so a thread would report 0 MiB for exactly the calls we care about.
    """

    interval = 0.0002

    def __init__(self) -> None:
        import multiprocessing as mp
        import os

        import psutil  # fail here, in the parent, if it is missing

        ctx = mp.get_context("spawn")  # never fork a process that runs Numba threads
        self.start, self.stop, self.done = ctx.Event(), ctx.Event(), ctx.Event()
        self.peak = ctx.Value("q", 0)
        self.proc = ctx.Process(
            target=_sample_loop,
            args=(os.getpid(), self.start, self.stop, self.done, self.peak, self.interval),
            daemon=True,
        )
        self.proc.start()
        self._me = psutil.Process()

    def measure(self, fn):
        """Call ``fn()`` while the helper samples; return (result, peak extra bytes)."""
        before = self._me.memory_info().rss
        self.done.clear()
        self.start.set()
        time.sleep(0.01)  # let the sampler take its first sample before the call
        try:
            out = fn()
        finally:
            self.stop.set()
            self.done.wait(5.0)
        return out, max(0, self.peak.value - before)


def verify(size_mib: int = 500, meter: MemoryMeter | None = None) -> dict:
    """Check that the meter sees allocations made by numpy and by Numba.

    Allocates and touches ``size_mib`` MiB inside the measured call, once
    with numpy, once inside a Numba-jitted function (whose allocations
    ``tracemalloc`` cannot see), and once with ``np.empty`` left untouched
    (the kernel never backs those pages, so about 0 MiB is the right answer).
    Also measures a 20 MiB temporary twice in a row, the case glibc's heap
    cache would hide without ``malloc_trim``.

    Returns
    -------
    dict
        The method and each observed peak in MiB.
    """
    import numpy as np

    meter = meter or MemoryMeter()
    n = size_mib * MiB // 8
    seen = {"method": meter.method, "expected_mib": size_mib}
    seen["numpy_ones_mib"] = meter.measure(lambda: float(np.ones(n).sum()))[1] / MiB
    seen["numpy_empty_untouched_mib"] = meter.measure(lambda: np.empty(n).shape)[1] / MiB
    small = 20 * MiB // 8
    seen["numpy_20mib_twice"] = [
        meter.measure(lambda: float(np.ones(small).sum()))[1] / MiB for _ in range(2)
    ]
    try:
        import numba
    except ImportError:
        return seen

    @numba.njit
    def allocate(m):
        a = np.ones(m)
        return a.sum()

    allocate(10)  # compile outside the measured call
    seen["numba_ones_mib"] = meter.measure(lambda: allocate(n))[1] / MiB
    return seen


if __name__ == "__main__":
    import json

    for method in ("vmhwm", "psutil"):
        try:
            print(json.dumps(verify(meter=MemoryMeter(method)), indent=None))
        except (OSError, ImportError) as exc:
            print(f"{method}: unavailable ({exc})")

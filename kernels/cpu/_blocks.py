"""What every CPU kernel module shares: the cache rule, the small-input rule, the blocks.

* **Cache.** Kernels are compiled with :func:`kernel`, Numba's ``njit`` with
  its on-disk cache keyed on *all* the kernel sources of this folder, not only
  the function's own file. Numba's own key is the function's file: a cached
  kernel that calls a jitted function of another file (``block_bounds``
  below, the sort keys of ``ranking``) would otherwise keep its stale
  machine code when that other file changes. One stamp over the folder costs
  a recompile of every kernel after any edit here, and nothing in a release.
* **Small inputs** take numpy, not Numba (``SMALL_INPUT_ROWS``, see
  ``small_inputs``).
* **Blocks.** Parallel kernels hand each thread one contiguous block of rows
  (never a ``range(lo, hi)`` over the parent array, which does not vectorize;
  see ``confusion._scan_int_block``) and a private partial result.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numba
import numpy as np
from numba.core import caching

__all__ = ["CACHE", "SMALL_INPUT_ROWS", "is_small", "kernel", "sources_stamp", "thread_blocks",
           "FORCE_THREADS", "PARALLEL_TABLE_BUDGET", "NO_WEIGHTS", "block_bounds"]

#: Numba's on-disk cache is keyed by source file, not by module name, and the
#: cached code records the module it came from. Imported from a checkout under
#: its bare name (``kernels.cpu...``) a kernel file would write cache entries
#: that the installed package (``fastmetrics.kernels...``) then fails to load
#: ("No module named 'kernels'"). So cache only under the package name.
CACHE = __name__.startswith("fastmetrics.")


def sources_stamp(folder: Path = Path(__file__).parent) -> str:
    """SHA-256 over the names and bytes of every ``.py`` file in ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


_STAMP = sources_stamp()


def _stamped(locator):
    """``locator`` (a Numba cache locator class) whose source stamp adds ``_STAMP``."""
    def get_source_stamp(self):
        return super(cls, self).get_source_stamp(), _STAMP

    cls = type("Kernels" + locator.__name__.lstrip("_"), (locator,),
               {"get_source_stamp": get_source_stamp})
    return cls


class _KernelCacheImpl(caching.CompileResultCacheImpl):
    _locator_classes = [_stamped(c) for c in caching.CompileResultCacheImpl._locator_classes]


class _KernelCache(caching.FunctionCache):
    _impl_class = _KernelCacheImpl


def kernel(**options):
    """``numba.njit(**options)``, cached on disk under the folder-wide stamp.

    Examples
    --------
    >>> import numpy as np
    >>> @kernel(nogil=True)
    ... def twice(x):
    ...     return 2 * x
    >>> int(twice(np.int64(21)))
    42
    """
    def decorate(func):
        dispatcher = numba.njit(**options)(func)
        if CACHE and Path(func.__code__.co_filename).parent == Path(__file__).parent:
            dispatcher._cache = _KernelCache(func)  # what njit(cache=True) does
        return dispatcher
    return decorate


#: Below this many rows (score cells, for a score matrix) the kernels that
#: have a numpy twin in ``small_inputs`` answer with it: no Numba compile on a
#: user's first call with a small input. Read at call time (tests set it to 0
#: to run the Numba code on small inputs). See ``small_inputs`` for the rule.
SMALL_INPUT_ROWS = 1 << 13


def is_small(n_rows: int) -> bool:
    """Whether an input of ``n_rows`` rows (or cells) takes the numpy path (empty ones do)."""
    return n_rows == 0 or n_rows < SMALL_INPUT_ROWS


#: Absent weights inside the sort kernels (and their buffers and sums): an
#: empty array, not ``None``, so that weighted and unweighted calls share one
#: compiled specialization. The kernels test ``w.shape[0] != 0``, a
#: loop-invariant branch that LLVM hoists out of the loops (measured: no cost).
NO_WEIGHTS = np.zeros(0, dtype=np.float64)

#: Partial tables of all threads together may use at most this many bytes;
#: above, a kernel counts on one thread.
PARALLEL_TABLE_BUDGET = 1 << 28

#: Tests set this to run the threaded code on inputs of any size.
FORCE_THREADS = False


def thread_blocks(n_rows: int, min_rows: int, table_bytes: int = 0) -> int:
    """How many contiguous row blocks (one per thread) to split ``n_rows`` into.

    One block below ``min_rows`` rows (the kernel module's measured
    ``PARALLEL_MIN_ROWS``: starting threads and reducing partial results costs
    more than it saves there) or when the threads' partial tables of
    ``table_bytes`` each would exceed ``PARALLEL_TABLE_BUDGET`` together.
    The module constants are read at call time, so tests can move them.
    """
    threads = numba.get_num_threads()
    if threads < 2 or (n_rows < min_rows and not FORCE_THREADS):
        return 1
    if table_bytes * threads > PARALLEL_TABLE_BUDGET:
        return 1
    return threads


@kernel(nogil=True, inline="always")
def block_bounds(n, n_blocks, b):
    """Rows ``[lo, hi)`` of block ``b`` when ``n`` rows are split in ``n_blocks``."""
    step = (n + n_blocks - 1) // n_blocks
    lo = min(b * step, n)
    return lo, min(lo + step, n)

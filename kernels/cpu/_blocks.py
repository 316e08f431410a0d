"""What every CPU kernel module shares: the cache rule and the split into blocks.

Parallel kernels hand each thread one contiguous block of rows (never a
``range(lo, hi)`` over the parent array, which does not vectorize; see
``confusion._scan_int_block``) and a private partial result.
"""

from __future__ import annotations

import numba
from numba import njit

__all__ = ["CACHE", "n_blocks", "block_bounds"]

#: Numba's on-disk cache is keyed by source file, not by module name, and the
#: cached code records the module it came from. Imported from a checkout under
#: its bare name (``kernels.cpu...``) a kernel file would write cache entries
#: that the installed package (``fastmetrics.kernels...``) then fails to load
#: ("No module named 'kernels'"). So cache only under the package name.
CACHE = __name__.startswith("fastmetrics.")


def n_blocks(n_rows: int, min_rows: int, table_bytes: int = 0,
             table_budget: int = 1 << 28) -> int:
    """How many contiguous row blocks (one per thread) to split ``n_rows`` into.

    One block below ``min_rows`` rows (starting threads and reducing partial
    results costs more than it saves) or when the threads' partial tables of
    ``table_bytes`` each would exceed ``table_budget`` together.
    """
    threads = numba.get_num_threads()
    if threads < 2 or n_rows < min_rows:
        return 1
    if table_bytes * threads > table_budget:
        return 1
    return threads


@njit(cache=CACHE, nogil=True, inline="always")
def block_bounds(n, n_blocks, b):
    """Rows ``[lo, hi)`` of block ``b`` when ``n`` rows are split in ``n_blocks``."""
    step = (n + n_blocks - 1) // n_blocks
    lo = min(b * step, n)
    return lo, min(lo + step, n)

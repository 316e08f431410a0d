"""Resampling count tables: multinomial draws instead of rows.

Drawing n rows with replacement from rows that fall into cells with counts
``c`` gives cell counts distributed as ``Multinomial(n, c / n)``. A statistic
that depends on the rows only through the cell counts (every confusion-matrix
metric) therefore has the same bootstrap distribution when the *table* is
redrawn, at O(cells) per resample instead of O(n).

Stratified resampling fixes the number of rows of each stratum: one
multinomial per stratum, over that stratum's cells.

Random numbers come from numpy's Philox generator. Resamples are drawn in
blocks (:func:`block_size`) and block ``j`` uses its own Philox stream keyed by
``(seed, stream, j)``, so that resample ``r`` is the same whatever part of
the run asks for it, and results depend only on the seed and the data.
"""

from __future__ import annotations

import numbers
import secrets

import numpy as np

from ..exceptions import InvalidParameterError, format_message

__all__ = ["BLOCK", "check_seed", "check_n_resamples", "block_generator", "CountTable",
           "ClusterTable",
           "resample_blocks", "block_size"]

#: Resamples per random stream (and per evaluation batch of small tables).
BLOCK = 1024

#: Stream numbers of the numpy Philox generators (kernels use their own streams).
STREAM_MULTINOMIAL = 1
STREAM_PERMUTATION = 2


def check_seed(seed) -> int:
    """``seed`` as an int in [0, 2**64); None draws one from the OS (reported back)."""
    if seed is None:
        return secrets.randbits(64)
    if (isinstance(seed, numbers.Integral) and not isinstance(seed, (bool, np.bool_))
            and 0 <= int(seed) < 2 ** 64):
        return int(seed)
    raise InvalidParameterError(format_message(
        "seed", f"must be an integer in [0, 2**64) or None, got {seed!r}",
        fix="Pass e.g. seed=0 (the same seed gives the same result)"))


def check_n_resamples(n_resamples) -> int:
    """``n_resamples`` as a positive int, else an error."""
    if (isinstance(n_resamples, numbers.Integral)
            and not isinstance(n_resamples, (bool, np.bool_)) and int(n_resamples) >= 1):
        return int(n_resamples)
    raise InvalidParameterError(format_message(
        "n_resamples", f"must be a positive integer, got {n_resamples!r}",
        fix="Pass e.g. n_resamples=10_000"))


def block_generator(seed: int, stream: int, block: int) -> np.random.Generator:
    """The numpy Generator of resample block ``block`` (Philox, key = seed and stream)."""
    return np.random.Generator(np.random.Philox(key=seed + (stream << 64),
                                                counter=block << 192))


class CountTable:
    """A table of cell counts split into strata, redrawn by multinomials.

    Parameters
    ----------
    counts : ndarray of int64, shape (S, C)
        ``counts[s, c]``: rows of stratum ``s`` in cell ``c``. Without
        strata, S = 1.

    Only nonzero cells are drawn (a cell without rows never gets any), so a
    resample costs O(nonzero cells).
    """

    def __init__(self, counts: np.ndarray):
        counts = np.asarray(counts, dtype=np.int64)
        self.n_cells = counts.shape[1]
        self.total = counts.sum(axis=0)
        self._strata = []
        for row in counts:
            cells = np.flatnonzero(row)
            n = int(row[cells].sum())
            if n:
                self._strata.append((cells, n, row[cells] / n))

    @property
    def n_rows(self) -> int:
        return int(self.total.sum())

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` resampled tables, int64 of shape (size, C)."""
        out = np.zeros((size, self.n_cells), dtype=np.int64)
        for cells, n, p in self._strata:
            out[:, cells] += rng.multinomial(n, p, size=size)
        return out

    def leave_one_out(self):
        """Tables without one row each, one per nonzero cell (rows of a cell give the
        same table), and the rows each stands for: BCa's grouped jackknife."""
        cells = np.flatnonzero(self.total)
        tables = np.repeat(self.total[None], cells.size, axis=0)
        tables[np.arange(cells.size), cells] -= 1
        return tables, self.total[cells]


class ClusterTable:
    """Cell counts per cluster, redrawn by resampling whole clusters.

    Parameters
    ----------
    cluster_counts : ndarray of int64, shape (G, C)
        ``cluster_counts[g, c]``: rows of cluster ``g`` in cell ``c``.
    cluster_strata : ndarray of int64, shape (G,), optional
        The stratum of each cluster: each resample then draws, per stratum,
        as many clusters as it holds.

    A resample draws the ``G_s`` clusters of each stratum ``G_s`` times with
    replacement (a multinomial over them) and adds their tables: the
    cluster bootstrap (Davison & Hinkley 1997, sec. 3.8), which keeps the
    correlation of the rows within a cluster. Same interface as
    :class:`CountTable`.
    """

    def __init__(self, cluster_counts: np.ndarray, cluster_strata=None):
        counts = np.asarray(cluster_counts, dtype=np.int64)
        self.n_clusters, self.n_cells = counts.shape
        self.block_cells = max(self.n_cells, self.n_clusters)
        self.total = counts.sum(axis=0)
        self._cells = counts.astype(np.float64)  # matmul in float64: exact below 2**53
        self._counts = counts
        strata = (np.zeros(self.n_clusters, dtype=np.int64) if cluster_strata is None
                  else np.asarray(cluster_strata, dtype=np.int64))
        self._strata = [np.flatnonzero(strata == s) for s in np.unique(strata)]

    @property
    def n_rows(self) -> int:
        return int(self.total.sum())

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` resampled tables, int64 of shape (size, C)."""
        times = np.zeros((size, self.n_clusters))
        for members in self._strata:
            times[:, members] = rng.multinomial(members.size, np.full(members.size,
                                                                      1.0 / members.size),
                                                size=size)
        return np.rint(times @ self._cells).astype(np.int64)

    def swapped(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Rows per cell of the clusters a fair coin picks, ``size`` times: (size, C) int64."""
        coins = rng.integers(0, 2, size=(size, self.n_clusters)).astype(np.float64)
        return np.rint(coins @ self._cells).astype(np.int64)

    def leave_one_out(self):
        """Tables without one cluster each, and each cluster's weight (1): BCa's
        grouped jackknife over clusters."""
        return self.total[None] - self._counts, np.ones(self.n_clusters, dtype=np.int64)


def block_size(n_cells: int) -> int:
    """Resamples per block: :data:`BLOCK`, fewer for big tables (a block stays under
    64 MiB of int64 counts). It depends on the table's shape only, so a seed
    still gives the same result for the same data."""
    return max(16, min(BLOCK, (1 << 23) // max(1, n_cells)))


def resample_blocks(table: CountTable, n_resamples: int, seed: int,
                    stream: int = STREAM_MULTINOMIAL):
    """Yield ``(first, tables)`` blocks of resampled tables covering ``n_resamples``."""
    step = block_size(getattr(table, "block_cells", table.n_cells))
    for block, first in enumerate(range(0, n_resamples, step)):
        size = min(step, n_resamples - first)
        yield first, table.draw(block_generator(seed, stream, block), size)

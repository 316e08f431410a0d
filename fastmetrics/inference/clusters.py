"""Clustered rows: resample whole clusters, not rows.

Rows are often not independent: several predictions per document, user,
question or patient. A bootstrap of rows then treats correlated rows as
independent draws and its intervals are too narrow (with 150 clusters of 20
rows and an intra-cluster correlation of the errors, a row bootstrap's 95%
interval of accuracy covers the truth about 70% of the time). Passing
``cluster=`` (one id per row) to :func:`~fastmetrics.bootstrap`,
:func:`~fastmetrics.paired_bootstrap` or
:func:`~fastmetrics.permutation_test` resamples clusters instead, on every
route:

* **Count tables** (confusion metrics): one K x K table (two models: one
  joint table) per cluster; a resample draws the ``G`` clusters ``G`` times
  with replacement (a multinomial over the clusters, per stratum with
  ``strata=``: clusters must then lie within one stratum) and adds their
  tables (:class:`~fastmetrics.inference.resampling.ClusterTable`). BCa's
  jackknife leaves one cluster out.
* **Rows** (every other metric): each cluster draws one Poisson(1) weight per
  resample, keyed by (seed, resample, cluster) as rows are keyed otherwise,
  and all its rows take it (the Poisson cluster bootstrap). The fused plans
  of :mod:`fastmetrics.inference.rows` and the per-resample call of the
  metric both take it; additive losses keep BCa (leave one cluster out).
* **Permutations**: each cluster's rows swap the two models' predictions
  together.

The result reports ``n_clusters``. The cluster bootstrap needs clusters,
not rows, to be many: with ``G`` clusters there are at most
``C(2G - 1, G)`` distinct resamples, and fewer than the interval's level
needs (:func:`~fastmetrics.inference.intervals.min_resamples`) is an error;
below :data:`MIN_CLUSTERS` clusters a warning says that the intervals are
likely too narrow (Cameron, Gelbach & Miller 2008 find cluster-robust
inference unreliable with fewer than 30 to 50 clusters).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..exceptions import InvalidInputError, InvalidParameterError, format_message
from .intervals import min_resamples

__all__ = ["MIN_CLUSTERS", "FewClustersWarning", "cluster_codes", "check_clusters",
           "cluster_strata"]

#: Fewer clusters than this give a :class:`FewClustersWarning`.
MIN_CLUSTERS = 30


class FewClustersWarning(UserWarning):
    """A cluster bootstrap over fewer than :data:`MIN_CLUSTERS` clusters."""


def cluster_codes(values) -> tuple[np.ndarray, int]:
    """Each row's cluster as a code ``0 <= code < G`` (clusters in sorted order), and ``G``.

    Raises :class:`~fastmetrics.exceptions.InvalidInputError` for a missing
    id (None or NaN), naming the first such row.
    """
    values = np.asarray(values)
    if values.ndim != 1:
        raise InvalidInputError(format_message(
            "cluster", f"must be 1-D (one cluster id per row), got shape {values.shape}",
            fix="Pass one id per row, e.g. the document or user each row belongs to"))
    if values.dtype.kind == "f":
        missing = np.isnan(values)
    elif values.dtype == object:
        missing = np.array([v is None or (isinstance(v, float) and math.isnan(v))
                            for v in values], dtype=bool)
    else:
        missing = np.zeros(values.size, dtype=bool)
    if missing.any():
        raise InvalidInputError(format_message(
            "cluster", "holds a missing id", row=int(np.flatnonzero(missing)[0]),
            fix="Give every row a cluster id (its own id, if it belongs to no group)"))
    return _sorted_codes(values, "cluster")


def _sorted_codes(values: np.ndarray, argument: str) -> tuple[np.ndarray, int]:
    """Each value's index among the sorted distinct values (int64), and their number."""
    try:
        names, codes = np.unique(values, return_inverse=True)
    except TypeError:
        raise InvalidInputError(format_message(
            argument, "mixes values of different types that cannot be ordered",
            fix="Pass values of one type (all strings or all integers)")) from None
    return codes.astype(np.int64).reshape(-1), int(names.size)


def check_clusters(n_clusters: int, confidence_level: float) -> None:
    """Refuse too few clusters for the level; warn below :data:`MIN_CLUSTERS`."""
    needed = min_resamples(confidence_level)
    distinct = math.comb(2 * n_clusters - 1, n_clusters) if n_clusters >= 1 else 0
    if n_clusters < 2 or distinct < needed:
        raise InvalidInputError(format_message(
            "cluster", f"has {n_clusters} cluster(s): their resamples take at most "
                       f"{distinct} distinct values, and a {confidence_level:g} interval "
                       f"needs at least {needed}",
            fix="Evaluate on more clusters, or lower confidence_level"))
    if n_clusters < MIN_CLUSTERS:
        warnings.warn(
            f"The cluster bootstrap has only {n_clusters} clusters; with fewer than "
            f"{MIN_CLUSTERS} its intervals are usually too narrow. Read them with care, or "
            "evaluate on more clusters.", FewClustersWarning, stacklevel=3)


def cluster_strata(keys: np.ndarray, n_clusters: int, strata) -> np.ndarray:
    """The stratum code of each cluster; every cluster must lie within one stratum."""
    codes, _ = _sorted_codes(np.asarray(strata), "strata")
    of_cluster = np.full(n_clusters, -1, dtype=np.int64)
    of_cluster[keys] = codes
    mixed = of_cluster[keys] != codes
    if mixed.any():
        row = int(np.flatnonzero(mixed)[0])
        raise InvalidParameterError(format_message(
            "strata", "puts the rows of one cluster into several strata", row=row,
            fix="Give each cluster one stratum (strata are groups of clusters), or drop "
                "strata="))
    return of_cluster

"""The mergeable state of the calibration metrics.

:class:`CalibrationState`: per (probability bin, true class) row counts and
sums of the predicted probability (and of weights). Calibration curves,
reliability diagrams and expected / maximum calibration errors are functions
of it. With equal-width bins (``strategy="uniform"``) the edges are fixed in
advance, so states of chunks merge by addition. Equal-mass bins
(``strategy="quantile"``) take their edges from the quantiles of all the
probabilities: such a state is exact for the rows it was built from, but
cannot be merged with another one (its edges would not be the quantiles of
the union).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._core.labels import label_index, merged_labels, spread_onto
from .._core.state import State
from ..exceptions import InputTypeError, StateMergeError, format_message

__all__ = ['CalibrationState']


@dataclass(frozen=True, eq=False)
class CalibrationState(State, kind="calibration"):
    """Per (probability bin, class) sums of a binary target's probabilities.

    A row with probability ``p`` falls in bin ``searchsorted(edges[1:-1], p)``:
    bins are closed on the right (``(e_b, e_b+1]``, the first one also holds
    0), exactly as in :func:`sklearn.calibration.calibration_curve`.

    Parameters
    ----------
    edges : ndarray of float64, shape (B + 1,)
        Bin edges, ``edges[0] == 0`` and ``edges[-1] == 1`` for equal-width
        bins, the 0th and 100th percentile of the probabilities for
        ``strategy="quantile"``.
    strategy : {"uniform", "quantile"}
        How the edges were chosen; only ``"uniform"`` states merge.
    classes : ndarray of shape (C,)
        The ``y_true`` labels seen, sorted (at most two).
    counts : ndarray of int64, shape (B, C)
        Rows of each class in each bin.
    prob_sums : ndarray of float64, shape (B, C)
        Sums of the predicted probability.
    weight_sums, weighted_prob_sums : ndarray of float64, shape (B, C), optional
        Sums of ``sample_weight`` and of ``sample_weight * p``; ``None``
        without weights.
    n_dropped : int
        Rows dropped because of nulls.
    top_label : bool
        The state of 2-D probabilities: the target is whether the row's top
        column is its true class (``False``/``True``), the probability that
        column's.

    Examples
    --------
    >>> from fastmetrics.calibration.build import calibration_state
    >>> a = calibration_state([0, 1, 1], [0.1, 0.8, 0.9], n_bins=2)
    >>> b = calibration_state([0, 0], [0.3, 0.6], n_bins=2)
    >>> a.merge(b).counts.tolist()
    [[2, 0], [1, 2]]
    """

    edges: np.ndarray
    strategy: str
    classes: np.ndarray
    counts: np.ndarray
    prob_sums: np.ndarray
    weight_sums: np.ndarray | None = None
    weighted_prob_sums: np.ndarray | None = None
    n_dropped: int = 0
    top_label: bool = False

    @property
    def n_bins(self) -> int:
        return int(self.counts.shape[0])

    @property
    def n_rows(self) -> int:
        return int(self.counts.sum())

    def amounts(self):
        """Per (bin, class) mass and probability mass: weighted if the state is."""
        if self.weighted:
            return self.weight_sums, self.weighted_prob_sums
        return self.counts.astype(np.float64), self.prob_sums

    def merge(self, other: "CalibrationState") -> "CalibrationState":
        """Combine the states of two disjoint sets of rows over the same bins.

        Rows counted without weights count with weight 1 when merged into a
        weighted state.
        """
        self._check_kind(other)
        if "quantile" in (self.strategy, other.strategy) or not np.array_equal(
                self.edges, other.edges):
            raise StateMergeError.like(InputTypeError, format_message(
                "state", "cannot merge calibration states with different bin edges "
                         f"({self.strategy} with {self.n_bins} bins and {other.strategy} "
                         f"with {other.n_bins} bins)",
                fix="Equal-mass (quantile) edges depend on all the rows: build one state "
                    "over all of them, or use strategy='uniform' with the same n_bins "
                    "for states that merge"))
        if self.top_label != other.top_label:
            raise StateMergeError.like(InputTypeError, format_message(
                "state", "cannot merge a top-label (2-D probabilities) calibration state "
                         "with a binary one", fix="Build both from the same kind of y_prob"))
        classes = merged_labels(self.classes, other.classes, "y_true")
        parts = []
        for s in (self, other):
            pos, k = label_index(s.classes, classes), classes.size
            mass, pmass = (s.amounts() if self.weighted or other.weighted else (None, None))
            parts.append([spread_onto(a, 1, pos, k) for a in
                          (s.counts, s.prob_sums, mass, pmass)])
        a, b = parts
        summed = [None if x is None else x + y for x, y in zip(a, b)]
        return CalibrationState(self.edges, self.strategy, classes, *summed,
                                n_dropped=self.n_dropped + other.n_dropped,
                                top_label=self.top_label)

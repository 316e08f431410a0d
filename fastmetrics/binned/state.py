"""Binned curves: per-class histograms of the scores over fixed thresholds.

An exact curve has one point per distinct score and needs a sort. A binned
curve is evaluated at ``T`` thresholds fixed in advance, ``t_0 < ... <
t_{T-1}``: a row with score ``s`` is predicted positive at ``t_j`` iff
``s >= t_j``. Everything such a curve needs is how many rows of each class
fall in each of the ``T + 1`` bins

    bin(s) = number of thresholds <= s = searchsorted(thresholds, s, "right"),

bin 0 holding the rows below every threshold. One O(n) pass fills the
histogram, whatever ``T`` (never ``n x T`` comparisons), and the histograms of
chunks add up, so the state streams and merges like the others.

Comparisons are made in float64: a float32 score is widened exactly and
compared with the float64 threshold. (torchmetrics compares in the scores'
dtype, with float32 thresholds: a score equal to a float32-rounded threshold
can fall on the other side there.)

The curve at a threshold is exactly the exact curve at that threshold: the
binned points are a subset of the exact ones (see :meth:`BinnedScoreState.
from_score_state`, and ``tests/test_binned.py``).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, replace

import numpy as np

from .._core.labels import label_index, merged_labels
from .._core.state import State
from ..exceptions import (InputTypeError, InvalidInputError, InvalidParameterError,
                          StateMergeError, format_message)

__all__ = ['check_thresholds', 'BinnedScoreState']


#: A histogram of more cells than this (columns x classes x bins) is refused:
#: it would take gigabytes per thread.
MAX_CELLS = 1 << 26


def check_thresholds(thresholds):
    """``thresholds=`` as ``(sorted float64 array, count or None)``.

    An integer ``count >= 2`` means ``np.linspace(0, 1, count)`` (as in
    torchmetrics); an array-like gives the thresholds themselves: 1-D, finite,
    at least one, no value twice (they are sorted here).
    """
    if isinstance(thresholds, (bool, np.bool_)):
        raise InvalidParameterError(format_message(
            "thresholds", f"must be an integer count or an array of thresholds, got "
                          f"{thresholds!r}", fix="Pass for example thresholds=1000"))
    if isinstance(thresholds, numbers.Integral):
        if thresholds < 2:
            raise InvalidParameterError(format_message(
                "thresholds", f"={thresholds} is too few: an integer count must be at "
                              "least 2 (it means np.linspace(0, 1, count))",
                fix="Pass for example thresholds=1000, or an array of thresholds"))
        return np.linspace(0.0, 1.0, int(thresholds)), int(thresholds)
    try:
        grid = np.asarray(thresholds)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(format_message(
            "thresholds", f"cannot be read as an array ({exc})",
            fix="Pass an integer count or a 1-D array of numbers")) from None
    if grid.ndim != 1 or grid.dtype.kind not in "iuf":
        what = (f"a {grid.ndim}-D array" if grid.ndim != 1 or grid.dtype.kind in "biufc"
                else f"an array of {grid.dtype}")
        raise InvalidParameterError(format_message(
            "thresholds", f"must be an integer count or a 1-D array of numbers, got {what}",
            fix="Pass for example thresholds=1000 or thresholds=np.linspace(0, 1, 101)"))
    if grid.size == 0:
        raise InvalidParameterError(format_message(
            "thresholds", "is empty", fix="Pass at least one threshold"))
    grid = np.sort(grid.astype(np.float64)) + 0.0  # + 0.0: one sign for zero
    if not np.isfinite(grid).all():
        raise InvalidParameterError(format_message(
            "thresholds", "contains NaN or infinity",
            fix="Pass finite thresholds (every score is >= -inf: it needs no threshold)"))
    same = np.flatnonzero(np.diff(grid) == 0)
    if same.size:
        raise InvalidParameterError(format_message(
            "thresholds", f"lists {grid[same[0]].item()!r} more than once",
            fix="Pass distinct thresholds, e.g. np.unique(thresholds)"))
    return grid, None


def _describe(grid) -> str:
    return f"{grid.size} from {grid[0].item()!r} to {grid[-1].item()!r}"


@dataclass(frozen=True, eq=False)
class BinnedScoreState(State, kind="binned"):
    """Per-class histograms of scores over fixed thresholds: the binned curves' state.

    A score ``s`` falls in bin ``searchsorted(thresholds, s, "right")`` (the
    number of thresholds ``<= s``, compared in float64), so it is predicted
    positive at ``thresholds[j]`` iff its bin is ``> j``. Bin 0 holds the rows
    below every threshold: they count in the class totals (recall and rates
    are over all rows) but are never predicted positive.

    Parameters
    ----------
    thresholds : ndarray of float64, shape (T,)
        Strictly increasing.
    counts : ndarray of int64, shape (C, K, T + 1)
        ``counts[j, k, b]``: rows of class ``classes[k]`` whose score in
        column ``j`` falls in bin ``b``. 1-D scores are one column (C = 1).
    weight_sums : ndarray of float64, shape (C, K, T + 1), optional
        The same, as sums of ``sample_weight``; ``None`` without weights.
    classes : ndarray of shape (K,)
        The ``y_true`` labels seen, sorted; ``[0, 1]`` for a multilabel state.
    multilabel : bool
        Built from a 2-D indicator ``y_true``: the class of column ``j`` is
        the row's indicator ``y_true[:, j]`` (K = 2), not a label shared by
        all columns.
    n_dropped : int
        Rows dropped because of nulls.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.binned_score_state([0, 1, 1, 0], [0.1, 0.8, 0.5, 0.5], thresholds=[0.5, 0.75])
    >>> s.counts[0].tolist()  # bins: below 0.5, [0.5, 0.75), at or above 0.75
    [[1, 1, 0], [0, 1, 1]]
    >>> fps, tps, thr = s.curve_sums(1)
    >>> fps.tolist(), tps.tolist(), thr.tolist()
    ([0.0, 1.0, 2.0], [1.0, 2.0, 2.0], [0.75, 0.5, -inf])
    """

    thresholds: np.ndarray
    counts: np.ndarray
    weight_sums: np.ndarray | None
    classes: np.ndarray
    multilabel: bool = False
    n_dropped: int = 0

    # -- basic facts -------------------------------------------------------

    @property
    def n_thresholds(self) -> int:
        return int(self.thresholds.shape[0])

    @property
    def n_columns(self) -> int:
        return int(self.counts.shape[0])

    @property
    def n_rows(self) -> int:
        """Number of rows counted (after any dropped nulls)."""
        return int(self.counts[0].sum()) if self.n_columns else 0

    def column(self, j: int) -> "BinnedScoreState":
        """The one-column state of score column ``j`` (a binary problem for the curves).

        For a multilabel state, the classes of column ``j`` are its indicator
        values ``[0, 1]``; for 1-D labels they are all the labels.
        """
        j = self._column_index(j)
        sums = None if self.weight_sums is None else self.weight_sums[j:j + 1]
        return replace(self, counts=self.counts[j:j + 1], weight_sums=sums, multilabel=False)

    def bin_amounts(self, pos_label, column: int | None = None):
        """Per-bin ``(positive, negative)`` amounts, bins ascending (length T + 1).

        Weight sums (float64) if the state is weighted, else counts (int64).
        The negative amount sums every class other than ``pos_label``; a
        ``pos_label`` absent from the classes has no positive row.
        """
        j = self._column_index(column)
        source = (self.weight_sums if self.weighted else self.counts)[j]
        index = {v: i for i, v in enumerate(self.classes.tolist())}
        if pos_label not in index:
            return np.zeros_like(source[0]), source.sum(axis=0)
        k = index[pos_label]
        pos = source[k]
        neg = source[:k].sum(axis=0) + source[k + 1:].sum(axis=0)
        return pos, neg

    def curve_sums(self, pos_label, column: int | None = None):
        """scikit-learn's ``(fps, tps, thresholds)`` over the state's thresholds.

        The contract of ``confusion_matrix_at_thresholds`` (and of the exact
        ``curves._curve_sums``): thresholds decreasing; ``fps[i]``/``tps[i]``
        the negative/positive amount (float64; weight sums if weighted) with
        score ``>= thresholds[i]``; ``fps[-1]``/``tps[-1]`` the class totals.
        So that the totals come last, the ``T`` thresholds are followed by
        ``-inf`` (every row predicted positive): ``T + 1`` entries, always
        (empty bins repeat a point; nothing is dropped). Take ``[:-1]`` for the
        user's thresholds only.

        Raises :class:`~fastmetrics.exceptions.InvalidInputError` when the
        weights sum to zero, as the exact curves do.
        """
        pos, neg = self.bin_amounts(pos_label, column)
        if self.weighted and not (np.any(pos) or np.any(neg)):
            raise InvalidInputError(format_message(
                "sample_weight", "sums to zero, so the curve is undefined",
                fix="Give at least one row a positive weight"))
        tps = np.cumsum(pos[::-1], dtype=np.float64)
        fps = np.cumsum(neg[::-1], dtype=np.float64)
        return fps, tps, np.concatenate([self.thresholds[::-1], [-np.inf]])

    def _column_index(self, column) -> int:
        if column is None:
            if self.n_columns != 1:
                raise InvalidParameterError(format_message(
                    "state", f"has {self.n_columns} score columns; a curve takes one",
                    fix="Pass column= (or use state.column(j))"))
            return 0
        if not isinstance(column, numbers.Integral) or not 0 <= column < self.n_columns:
            raise InvalidParameterError(format_message(
                "column", f"={column!r} is not a score column of a state with "
                          f"{self.n_columns} column(s)"))
        return int(column)

    # -- combining ---------------------------------------------------------

    def reindex(self, classes) -> "BinnedScoreState":
        """The same histograms laid out over a superset of classes."""
        classes = np.asarray(classes)
        if np.array_equal(classes, self.classes):
            return self
        pos = label_index(self.classes, classes)

        def spread(a):
            out = np.zeros((a.shape[0], classes.size, a.shape[2]), dtype=a.dtype)
            out[:, pos] = a
            return out

        sums = None if self.weight_sums is None else spread(self.weight_sums)
        return replace(self, classes=classes, counts=spread(self.counts), weight_sums=sums)

    def merge(self, other: "BinnedScoreState") -> "BinnedScoreState":
        """Combine the states of two disjoint sets of rows over the same thresholds.

        Rows counted without weights count with weight 1 when merged into a
        weighted state.
        """
        self._check_kind(other)
        if not np.array_equal(self.thresholds, other.thresholds):
            raise StateMergeError.like(InvalidParameterError, format_message(
                "thresholds", f"differ between the states ({_describe(self.thresholds)} vs "
                              f"{_describe(other.thresholds)}); binned states merge only "
                              "over the same thresholds",
                fix="Build every chunk's state with the same thresholds="))
        if self.n_columns != other.n_columns or self.multilabel != other.multilabel:
            def shape(s):
                return f"{s.n_columns} score column(s){' (multilabel)' if s.multilabel else ''}"
            raise StateMergeError.like(InputTypeError, format_message(
                "y_score", f"has {shape(self)} in one part and {shape(other)} in another",
                fix="Give every chunk the same score columns"))
        classes = merged_labels(self.classes, other.classes, "labels")
        a, b = self.reindex(classes), other.reindex(classes)
        sums = None
        if a.weighted or b.weighted:
            sums = ((a.weight_sums if a.weighted else a.counts.astype(np.float64))
                    + (b.weight_sums if b.weighted else b.counts.astype(np.float64)))
        return BinnedScoreState(self.thresholds, a.counts + b.counts, sums, classes,
                                self.multilabel, self.n_dropped + other.n_dropped)

    # -- from an exact state -----------------------------------------------

    @classmethod
    def from_score_state(cls, state, thresholds) -> "BinnedScoreState":
        """Bin an exact :class:`~fastmetrics.ScoreState` over ``thresholds``.

        Each distinct score goes to bin ``searchsorted(thresholds, score,
        "right")``, so the binned curve is the exact curve read at the
        thresholds (the point of the smallest score at or above each one).
        ``thresholds`` as for :func:`binned_score_state`.

        Examples
        --------
        >>> import fastmetrics as fm
        >>> exact = fm.score_state([0, 1, 1, 0], [0.1, 0.8, 0.5, 0.5])
        >>> fm.BinnedScoreState.from_score_state(exact, [0.5, 0.75]).counts[0].tolist()
        [[1, 1, 0], [0, 1, 1]]
        """
        grid, count = check_thresholds(thresholds)
        scores = np.asarray(state.thresholds).astype(np.float64)
        if count is not None and scores.size and (scores.min() < 0 or scores.max() > 1):
            bad = scores.min() if scores.min() < 0 else scores.max()
            raise InvalidInputError(format_message(
                "state", f"holds the score {bad!r}, outside [0, 1]; thresholds={count} "
                         "spaces thresholds over [0, 1]",
                fix="Pass probabilities or an explicit array of thresholds"))
        bins = np.searchsorted(grid, scores, side="right")
        n_bins = grid.size + 1
        k = state.classes.size
        counts = np.zeros((1, k, n_bins), dtype=np.int64)
        for c in range(k):
            np.add.at(counts[0, c], bins, state.counts[c])
        sums = None
        if state.weighted:
            sums = np.zeros((1, k, n_bins))
            for c in range(k):
                sums[0, c] = np.bincount(bins, weights=state.weight_sums[c],
                                         minlength=n_bins)
        return cls(grid, counts, sums, state.classes, False, state.n_dropped)

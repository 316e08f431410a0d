"""The mergeable state of the probabilistic losses (log loss, Brier score).

:class:`LossState`: per (true class, probability column) sums of the log
loss and of the Brier term, plus rows and weight per class. Which column
belongs to which class is only known once every chunk is seen (a chunk may
lack a class), so the sums are kept per (class, column) for every column a
class can still take, and ``known`` says which cells were accumulated.
States merge by addition.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._core.labels import label_index, merged_labels, spread_onto
from .._core.state import State
from ..exceptions import InputTypeError, LabelError, StateMergeError, format_message

__all__ = ['LossState']


@dataclass(frozen=True, eq=False)
class LossState(State, kind="loss"):
    """Per (true class, probability column) sums of the log loss and Brier terms.

    For the rows of class ``classes[c]``, ``log_sums[c, j]`` adds
    ``-log(clip(P[i, j], eps, 1 - eps))`` (``eps`` the machine epsilon of
    the probabilities' dtype, as scikit-learn clips) and ``brier_sums[c, j]``
    adds ``sum_m (delta_mj - P[i, m]) ** 2``, each times the row's weight: the
    row's loss if its class is column ``j``. For 1-D probabilities of the
    positive class the columns are ``[1 - p, p]``.

    Parameters
    ----------
    classes : ndarray of shape (C,)
        The ``y_true`` labels seen, sorted.
    one_d : bool
        Whether the probabilities were 1-D (of the positive class).
    counts : ndarray of int64, shape (C,)
    weight_sums : ndarray of float64, shape (C,), optional
    log_sums, brier_sums : ndarray of float64, shape (C, K), optional
        ``None`` when the state was built without that loss.
    known : ndarray of bool, shape (C, K)
        Cells that were accumulated for every row of their class; a finalizer
        only ever reads known cells.
    unnormalized : bool
        Some row of 2-D probabilities does not sum to one (``numpy.isclose``
        with ``rtol=sqrt(eps)``), which scikit-learn warns about.
    n_dropped : int
        Rows dropped because of nulls.
    """

    classes: np.ndarray
    one_d: bool
    counts: np.ndarray
    weight_sums: np.ndarray | None
    log_sums: np.ndarray | None
    brier_sums: np.ndarray | None
    known: np.ndarray
    unnormalized: bool = False
    n_dropped: int = 0

    @property
    def n_columns(self) -> int:
        return int(self.known.shape[1])

    @property
    def n_rows(self) -> int:
        return int(self.counts.sum())

    def total_weight(self) -> float:
        source = self.weight_sums if self.weighted else self.counts
        return float(source.sum())

    def merge(self, other: "LossState") -> "LossState":
        """Combine the states of two disjoint sets of rows."""
        self._check_kind(other)
        if self.one_d != other.one_d or self.n_columns != other.n_columns:
            def shape(s):
                return "1-D" if s.one_d else f"{s.n_columns} columns"
            raise StateMergeError.like(InputTypeError, format_message(
                "y_proba", f"has {shape(self)} in one part and {shape(other)} in another",
                fix="Give every chunk the same probability columns"))
        classes = merged_labels(self.classes, other.classes, "y_true")
        k = classes.size
        laid = []
        for s in (self, other):
            pos = label_index(s.classes, classes)
            weights = (s.weight_sums if s.weighted else s.counts.astype(np.float64)) \
                if self.weighted or other.weighted else None
            laid.append([spread_onto(s.counts, 0, pos, k), spread_onto(weights, 0, pos, k),
                         spread_onto(s.log_sums, 0, pos, k), spread_onto(s.brier_sums, 0, pos, k),
                         spread_onto(s.known, 0, pos, k, fill=True)])
        a, b = laid
        add = [None if x is None or y is None else x + y for x, y in zip(a[:4], b[:4])]
        return LossState(classes, self.one_d, *add, a[4] & b[4],
                         self.unnormalized or other.unnormalized,
                         self.n_dropped + other.n_dropped)

    def column_sums(self, which: str, columns) -> float:
        """Sum of ``which`` ("log" or "brier") over classes, class ``c`` read at
        column ``columns[c]``."""
        sums = self.log_sums if which == "log" else self.brier_sums
        if sums is None:
            raise LabelError(format_message(
                "state", f"was built without the {which} loss sums",
                fix=f"Build it with {which}=True"))
        columns = np.asarray(columns, dtype=np.int64)
        rows = np.arange(self.classes.size)
        if not self.known[rows, columns].all():
            c = int(np.flatnonzero(~self.known[rows, columns])[0])
            raise LabelError(format_message(
                "state", f"holds no sums for class {self.classes[c]!r} in probability "
                         f"column {int(columns[c])}: it was built for another assignment "
                         "of classes to columns",
                fix="Build the state with the same labels= as the metric"))
        return float(sums[rows, columns].sum())

"""Confusion-matrix metrics of many count tables at once (the bootstrap's inner loop).

A bootstrap of a :class:`~fastmetrics.ConfusionState` redraws its K x K count
table B times (B = 10^4 to 10^5) and needs the metric of every redrawn table.
Calling ``metric.from_state`` once per table costs 15-220 us a table, so this
module evaluates a whole stack of tables, shape (B, K, K), with numpy
operations over the table axis instead.

Two routes, one semantics
-------------------------
:func:`table_values` is the definition: it builds, for each table, the state
that the resampled rows would have built (only the labels that occur in the
table) and calls the metric's own finalizer on it, recording its warnings. It
serves any metric, including a user's ``f(state) -> float``.

:func:`fastmetrics.inference.specs.batched_finalizer` returns, for the metrics and parameters it knows, a
vectorized function that gives the same values and the same ``undefined``
mask. Each one mirrors its finalizer in :mod:`fastmetrics.confusion.agreement`
or :mod:`fastmetrics.confusion.prf` term by term, so that the two routes agree
bit for bit on every table the tests try (and to float64 rounding in any case):

* The per-label sums every metric starts from -- diagonal, row and column
  sums, the labels present -- are computed once per stack (:class:`_Tables`)
  and shared; the precision/recall family goes through one helper
  (:func:`_setwise_sums`), not one per metric. Sums of counts are exact
  integers in any order, so they use ``np.einsum``, several times faster than
  numpy's reductions over a short axis.
* "Which labels does this resample have" is a (B, K) mask. Elementwise
  arithmetic is done on all K labels and the mask decides what enters a sum
  or an average. Averages over a variable subset of labels are taken by
  grouping the tables by the size of their subset and packing the selected
  entries to the left (:func:`_row_groups`) and adding each row in the order
  numpy adds it alone (:func:`_row_sum`): the same numbers in the same order
  as the per-table finalizer. That keeps results such as Cohen's kappa or
  adjusted balanced accuracy, where a difference of nearly equal numbers
  magnifies the last bit, identical.
* Warnings become masks: the finalizer warns (``UndefinedMetricWarning``)
  exactly where a ratio it reports is 0/0 with ``zero_division="warn"``, and
  raises where a resample makes the parameters invalid (``average="binary"``
  when a resample has three labels, or two without ``pos_label``); both cases
  are computed as masks and reported as undefined.

Loops run over K (or over the at most K + 1 subset sizes), never over B.
Anything not listed in :func:`fastmetrics.inference.specs.batched_finalizer` (``average=None`` or
``"samples"``, ``cohen_kappa_score`` with ``labels=``, invalid parameter
values, user callables) returns ``None`` there, and :func:`fastmetrics.inference.specs.evaluate_tables`
falls back to :func:`table_values`.
"""

from __future__ import annotations

import math
import warnings
from functools import cached_property
from typing import Callable

import numpy as np

from ..exceptions import (FastMetricsError, InputTypeError, InvalidParameterError,
                          UndefinedMetricWarning, format_message)
from .._core.metric import check_zero_division, label_positions
from ..confusion.agreement import check_kappa_params
from ..confusion.prf import JACCARD, NEGATIVE_PREDICTIVE_VALUE, SPECIFICITY, check_beta
from ..confusion.state import ConfusionState
from ..confusion.tables import (balanced_accuracy_values, count_ratio, kappa_values,
                                matthews_values, prf_values, ratio_values, row_groups)

__all__ = ["table_values", "BATCHED_TWINS"]

BatchedFinalizer = Callable[[np.ndarray, np.ndarray], "tuple[np.ndarray, np.ndarray]"]


# ---------------------------------------------------------------------------
# The definition: one finalizer call per table
# ---------------------------------------------------------------------------

def table_values(metric, params, counts, classes) -> tuple[np.ndarray, np.ndarray]:
    """The metric of each of B count tables, one finalizer call per table.

    This loop is the definition of the bootstrap's value of a resample and of
    an *undefined* resample; :func:`fastmetrics.inference.specs.batched_finalizer` returns vectorized
    equivalents of it. For table ``b``:

    1. The labels present are those with a nonzero row or column sum in the
       table. A label that no resampled row carries is absent, exactly as if
       the metric had been called on the resampled rows (scikit-learn derives
       the labels from the data). A table without rows is NaN and undefined.
    2. ``state = ConfusionState(classes[present], table[present][:, present])``.
    3. ``value = float(f(state, **params))`` with every warning recorded
       (``warnings.simplefilter("always")``); a
       :class:`~fastmetrics.exceptions.FastMetricsError` raised makes the table
       NaN and undefined (other exceptions propagate).
    4. The table is undefined when an
       :class:`~fastmetrics.exceptions.UndefinedMetricWarning` was recorded or
       the value is NaN; undefined values are set to NaN. So with the default
       ``zero_division="warn"`` a resample whose precision is 0/0 is undefined
       (not 0.0), while with ``zero_division=0.0`` given it is 0.0 and defined.
       Other warnings (e.g. scikit-learn's "single label" ``UserWarning``) do
       not make a value undefined, nor does an infinite value.

    No warning reaches the caller.

    Parameters
    ----------
    metric : callable
        A public fastmetrics metric (its ``from_state`` is used), a finalizer,
        or any ``f(state, **params) -> float`` taking a
        :class:`~fastmetrics.ConfusionState`.
    params : dict
        Keyword arguments of the finalizer (empty for a plain callable).
    counts : ndarray of int, shape (B, K, K)
        ``counts[b, i, j]``: rows of table ``b`` with true label ``classes[i]``
        predicted as ``classes[j]``.
    classes : ndarray of shape (K,)
        The sorted labels of the original state.

    Returns
    -------
    values : ndarray of float64, shape (B,)
        The metric of each table, NaN where undefined.
    undefined : ndarray of bool, shape (B,)

    Raises
    ------
    InvalidParameterError
        When the metric returns more than one number (e.g. ``average=None``).

    Examples
    --------
    >>> import numpy as np
    >>> import fastmetrics as fm
    >>> counts = np.array([[[3, 1], [0, 2]], [[4, 0], [0, 0]]])
    >>> values, undefined = table_values(fm.precision_score, {}, counts, np.array([0, 1]))
    >>> values.tolist(), undefined.tolist()
    ([0.6666666666666666, nan], [False, True])
    """
    finalize = getattr(metric, "from_state", metric)
    params = dict(params or {})
    counts, classes = _check_tables(counts, classes)
    values = np.full(counts.shape[0], np.nan)
    for b in range(counts.shape[0]):
        if counts[b].any():
            values[b] = metric_value(finalize, present_state(counts[b], classes), **params)
    return values, np.isnan(values)


def present_state(table: np.ndarray, classes: np.ndarray) -> ConfusionState:
    """The state of one K x K table restricted to its present labels.

    A label no row carries (zero row and column sums) is absent, exactly as if
    the metric had been called on the rows the table stands for.
    """
    present = (table.sum(axis=0) + table.sum(axis=1)) > 0
    return ConfusionState(classes[present], table[np.ix_(present, present)][None])


def metric_value(func, *args, **kwargs) -> float:
    """``func(...)`` as a float, NaN where the metric is undefined.

    The bootstrap's rule: undefined when a
    :class:`~fastmetrics.exceptions.FastMetricsError` is raised, an
    :class:`~fastmetrics.exceptions.UndefinedMetricWarning` is emitted, or the
    value is NaN. No warning escapes. A result of more than one number raises
    :class:`~fastmetrics.exceptions.InvalidParameterError`.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = func(*args, **kwargs)
        except FastMetricsError:
            return math.nan
        check_scalar(result, func)
    if any(issubclass(w.category, UndefinedMetricWarning) for w in caught):
        return math.nan
    return float(result)


def check_scalar(result, metric) -> None:
    """Refuse a metric result of more than one number (``average=None``, a curve)."""
    if isinstance(result, (tuple, list, dict)) or np.ndim(result) != 0:
        name = getattr(metric, "__name__", type(metric).__name__)
        raise InvalidParameterError(format_message(
            "metric", f"{name} returned more than one number, but the bootstrap needs a "
                      "scalar metric",
            fix="Pass average='macro' (or 'micro', 'weighted'), or average='macro' with "
                "labels=[one label] for the score of a single class"))


def _check_tables(counts, classes):
    """(B, K, K) int64 counts and (K,) labels, or an error naming the mismatch."""
    counts = np.asarray(counts)
    classes = np.asarray(classes)
    if (counts.ndim != 3 or classes.ndim != 1 or counts.shape[1] != counts.shape[2]
            or counts.shape[1] != classes.shape[0]):
        raise InputTypeError(format_message(
            "counts", f"must have shape (B, K, K) with K = len(classes) = "
                      f"{classes.shape[0] if classes.ndim == 1 else classes.shape}, got "
                      f"{counts.shape}"))
    if counts.dtype.kind not in "iu":
        raise InputTypeError(format_message(
            "counts", f"must hold integer counts, got dtype {counts.dtype}"))
    return np.ascontiguousarray(counts, dtype=np.int64), classes


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------

# ---------------------------------------------------------------------------
# Shared per-table sums and masked reductions
# ---------------------------------------------------------------------------

class _Tables:
    """Per-label sums of a stack of tables, computed once and shared.

    Attributes are (B, K) int64 arrays (``tp``, ``true``, ``pred``), (B,)
    totals, and the ``present`` mask of step 1 of :func:`table_values`.
    Integer sums use ``np.einsum``: exact in any order, and several times
    faster than ``ndarray.sum`` over a short axis.
    """

    def __init__(self, counts, classes):
        self.counts, self.classes = _check_tables(counts, classes)
        self.n_tables, self.k = self.counts.shape[0], self.counts.shape[1]

    @cached_property
    def tp(self):
        return np.ascontiguousarray(np.diagonal(self.counts, axis1=1, axis2=2))

    @cached_property
    def true(self):
        """Row sums: support of each label."""
        return np.einsum("bij->bi", self.counts)

    @cached_property
    def pred(self):
        """Column sums: rows predicted as each label."""
        return np.einsum("bij->bj", self.counts)

    @cached_property
    def n(self):
        return np.einsum("bi->b", self.true)

    @cached_property
    def trace(self):
        return np.einsum("bii->b", self.counts)

    @cached_property
    def present(self):
        return (self.true + self.pred) > 0

    @cached_property
    def n_present(self):
        return np.count_nonzero(self.present, axis=1)

    def finish(self, values, undefined=None):
        """Step 4 of :func:`table_values`: NaN and empty tables are undefined, set NaN."""
        bad = (self.n == 0) | np.isnan(values)
        if undefined is not None:
            bad |= undefined
        return np.where(bad, np.nan, values), bad


# ---------------------------------------------------------------------------
# Agreement metrics
# ---------------------------------------------------------------------------

def _count_ratio(params, kind):
    """accuracy_score / zero_one_loss (``normalize``) and hamming_loss."""
    if not set(params) <= ({"normalize"} if kind != "hamming" else set()):
        return None
    normalize = params.get("normalize", True)
    if not isinstance(normalize, (bool, np.bool_)):
        return None

    def finalize(counts, classes):
        t = _Tables(counts, classes)
        # The finalizers' own function, so the same roundings (hamming's
        # (n - c) / n and zero-one's 1 - c / n may differ in the last bit).
        values = count_ratio(kind, t.trace, t.n, normalize)
        return t.finish(values)
    return finalize


def _balanced_accuracy(params):
    """balanced_accuracy_score: mean recall over the labels with support."""
    if not set(params) <= {"adjusted"}:
        return None
    adjusted = bool(params.get("adjusted", False))

    def finalize(counts, classes):
        t = _Tables(counts, classes)
        # Labels only predicted give 0/0 recall, which the finalizer drops (with a
        # UserWarning, which does not make the value undefined).
        score, _ = balanced_accuracy_values(t.tp, t.true, adjusted)
        return t.finish(score)
    return finalize


def _matthews(params):
    """matthews_corrcoef: 0.0 (defined, no warning) where a margin is constant."""
    if params:
        return None

    def finalize(counts, classes):
        t = _Tables(counts, classes)
        # Integer-valued float64 sums: exact in any order (below 2**53).
        values = matthews_values(t.true.astype(np.float64), t.pred.astype(np.float64),
                                 t.trace.astype(np.float64))
        return t.finish(values)
    return finalize


def _kappa(params):
    """cohen_kappa_score without ``labels``: NaN (undefined) with a single label."""
    if not set(params) <= {"weights", "replace_undefined_by", "labels"}:
        return None
    if params.get("labels") is not None:
        return None
    weights = params.get("weights")
    try:
        check_kappa_params(weights, params.get("replace_undefined_by", np.nan))
    except FastMetricsError:
        return None
    # replace_undefined_by does not matter: the finalizer warns wherever it is used.

    def finalize(counts, classes):
        t = _Tables(counts, classes)
        values = np.full(t.n_tables, np.nan)
        # Linear and quadratic weights depend on each label's position among the
        # labels *present*, and the finalizer sums m x m products whose rounding
        # depends on m: pack each table's present sub-table, one group per m.
        for rows, m, cols in row_groups(t.present):
            if m == 0:
                continue
            conf = t.counts[rows]
            if cols is not None:
                conf = np.take_along_axis(conf, cols[:, :, None], axis=1)
                conf = np.take_along_axis(conf, cols[:, None, :], axis=2)
            # Both 0/0 cases warn (UndefinedMetricWarning) in the finalizer.
            values[rows], _, _ = kappa_values(conf, weights)
        return t.finish(values)
    return finalize


# ---------------------------------------------------------------------------
# Set-wise ratio metrics: precision, recall, F-beta, Jaccard, specificity, NPV
# ---------------------------------------------------------------------------

class _Spec:
    """What one set-wise metric computes: a component of precision/recall/F, or a ratio."""

    def __init__(self, *, prf_index=None, ratio=None, allow_nan=True,
                 keys=("labels", "pos_label", "average", "zero_division")):
        self.prf_index = prf_index  # 0, 1, 2: a component of precision_recall_fscore_support
        self.ratio = ratio          # a RatioMetric of fastmetrics.confusion.prf
        self.allow_nan = allow_nan  # jaccard_score refuses zero_division=np.nan
        self.keys = frozenset(keys)


_PRF_KEYS = ("labels", "pos_label", "average", "zero_division", "beta")
_PRECISION = _Spec(prf_index=0, keys=_PRF_KEYS)
_RECALL = _Spec(prf_index=1, keys=_PRF_KEYS)
_FSCORE = _Spec(prf_index=2, keys=_PRF_KEYS)
_JACCARD = _Spec(ratio=JACCARD, allow_nan=False)
_SPECIFICITY = _Spec(ratio=SPECIFICITY)
_NPV = _Spec(ratio=NEGATIVE_PREDICTIVE_VALUE)


def _setwise(params, spec):
    """Builder of the batched route of ``_prfs_from_state`` / ``_ratio_score``.

    Both routes compute with :func:`~fastmetrics.confusion.tables.prf_values`
    and :func:`~fastmetrics.confusion.tables.ratio_values`; this one selects
    the labels of each resampled table and turns 0/0 into undefined resamples.
    """
    if not set(params) <= spec.keys:
        return None
    average = params.get("average", "binary")
    if not isinstance(average, str) or average not in ("binary", "micro", "macro", "weighted"):
        return None
    zero_division = params.get("zero_division", "warn")
    beta = params.get("beta", 1.0)
    try:
        check_zero_division(zero_division, allow_nan=spec.allow_nan)
        check_beta(beta)
    except FastMetricsError:
        return None
    labels = params.get("labels")
    pos_label = params.get("pos_label", 1)
    if average != "binary" and labels is not None:
        as_array = np.asarray(labels)
        if as_array.ndim != 1 or as_array.size == 0:
            return None
    warns = isinstance(zero_division, str)  # "warn": 0/0 gives 0.0 and a warning

    def finalize(counts, classes):
        t = _Tables(counts, classes)
        try:
            tp, fp, fn, selected, failed = _setwise_sums(t, average, labels, pos_label)
        except FastMetricsError:
            # labels= the finalizer refuses on every table (e.g. strings for int labels).
            return t.finish(np.full(t.n_tables, np.nan), np.ones(t.n_tables, dtype=bool))
        if spec.prf_index is not None:
            scores = prf_values(tp, fp, fn, selected, beta=beta, average=average,
                                zero_division=zero_division)
            values, zero = scores[spec.prf_index], scores.zeros[spec.prf_index]
        else:
            sums = (tp, fp, fn, t.n[:, None] - tp - fp - fn)
            values, zero = ratio_values(spec.ratio.numerator(*sums),
                                        spec.ratio.denominator(*sums),
                                        spec.ratio.support(*sums), selected,
                                        average=average, zero_division=zero_division)
        undefined = failed
        if warns and zero is not None:
            # The finalizer warns where a ratio it scores is 0/0 (micro: the pooled one).
            undefined = failed | np.any(zero if average == "micro" else zero & selected,
                                        axis=1)
        return t.finish(values, undefined)
    return finalize


def _setwise_sums(t, average, labels, pos_label):
    """Per-label sums of every table, as ``label_sums`` gives them.

    Returns ``(tp, fp, fn, selected, failed)``: (B, L) int64 true
    positives, false positives and false negatives (``tn = n - tp - fp -
    fn``) of the L labels the finalizer scores; the
    (B, L) mask of those that are labels of the resampled state (with
    ``labels=None`` only the present ones count); and the (B,) tables on which
    the finalizer raises.
    """
    failed = np.zeros(t.n_tables, dtype=bool)
    if average == "binary":
        # _set_wise_labels: a table with 3+ labels is multiclass (error); with 2 it
        # must hold pos_label (error otherwise); with 1 the pos_label column is
        # scored even if absent (then all zeros: 0/0 -> zero_division).
        member = [i for i, c in enumerate(t.classes.tolist()) if c == pos_label]
        has_pos = (t.present[:, member].any(axis=1) if member
                   else np.zeros(t.n_tables, dtype=bool))
        failed = (t.n_present >= 3) | ((t.n_present == 2) & ~has_pos)
        _, pos = label_positions([pos_label], t.classes, strict=False)
        selected = np.ones((t.n_tables, 1), dtype=bool)
    elif labels is None:
        pos = None
        selected = t.present
    else:
        _, pos = label_positions(labels, t.classes)
        selected = np.ones((t.n_tables, pos.size), dtype=bool)
    tp, pred, true = t.tp, t.pred, t.true
    if pos is not None:
        # A label absent from a table (or from the data) has zero sums there,
        # which is what label_sums gives for a label missing from the state.
        found = pos >= 0
        tp, pred, true = (np.zeros((t.n_tables, pos.size), dtype=np.int64)
                          for _ in range(3))
        tp[:, found], pred[:, found], true[:, found] = (
            t.tp[:, pos[found]], t.pred[:, pos[found]], t.true[:, pos[found]])
    return tp, pred - tp, true - tp, selected, failed


# ---------------------------------------------------------------------------
# The twins, by public metric (each metric's MetricSpec points at its own)
# ---------------------------------------------------------------------------

#: Public metric name -> ``builder(params)``, which gives the vectorized finalizer
#: for those params or None (see :func:`fastmetrics.inference.specs.batched_finalizer`).
BATCHED_TWINS = {
    "accuracy_score": lambda p: _count_ratio(p, "accuracy"),
    "zero_one_loss": lambda p: _count_ratio(p, "zero_one"),
    "hamming_loss": lambda p: _count_ratio(p, "hamming"),
    "balanced_accuracy_score": _balanced_accuracy,
    "matthews_corrcoef": _matthews,
    "cohen_kappa_score": _kappa,
    "precision_score": lambda p: _setwise(p, _PRECISION),
    "recall_score": lambda p: _setwise(p, _RECALL),
    "f1_score": lambda p: _setwise(p, _FSCORE),
    "fbeta_score": lambda p: _setwise(p, _FSCORE),
    "jaccard_score": lambda p: _setwise(p, _JACCARD),
    "specificity_score": lambda p: _setwise(p, _SPECIFICITY),
    "negative_predictive_value_score": lambda p: _setwise(p, _NPV),
}

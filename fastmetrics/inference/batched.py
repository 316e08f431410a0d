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
from ..confusion.state import ConfusionState

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


def _row_sum(a):
    """Row sums of a 2-D float array, each added as ``np.sum`` adds that row alone.

    numpy sums a row of fewer than 8 numbers left to right, so a loop over the
    columns gives the same bits at a fraction of the cost of a reduction over a
    short axis; longer rows go to numpy's own (pairwise) reduction, which sums
    each contiguous row as it sums a 1-D array.
    """
    if a.shape[1] >= 8:
        return np.ascontiguousarray(a).sum(axis=1)
    out = np.zeros(a.shape[0])
    for j in range(a.shape[1]):
        out += a[:, j]
    return out


def _row_groups(mask):
    """Group rows of a (B, L) mask by their number m of selected entries.

    Yields ``(rows, m, cols)``: ``rows`` indexes the tables of the group (a
    slice when it is all of them), ``cols`` is an (n_rows, m) array of their
    selected columns in order, or None when every column is selected. Packing
    the selected entries to the left with ``cols`` gives, row by row, the very
    array the per-table finalizer reduces, so a row sum of it adds the same
    numbers in the same order (numpy reduces each contiguous row of a 2-D
    array as it reduces a 1-D array).
    """
    sizes = np.count_nonzero(mask, axis=1)
    width = mask.shape[1]
    if sizes.size and sizes.min() == width:  # the common case: nothing to pack
        yield slice(None), width, None
        return
    for m in np.unique(sizes).tolist():
        rows = np.flatnonzero(sizes == m)
        cols = None if m == width else np.nonzero(mask[rows])[1].reshape(rows.size, m)
        yield rows, m, cols


def _packed(a, rows, cols):
    sub = a[rows]
    return sub if cols is None else np.take_along_axis(sub, cols, axis=1)


def _mean(values, mask, *, skip_nan=False):
    """``np.mean`` (or ``np.nanmean`` with ``skip_nan``) of each row's selected entries.

    NaN where a row selects nothing (or, with ``skip_nan``, only NaN).
    """
    out = np.full(values.shape[0], np.nan)
    for rows, m, cols in _row_groups(mask):
        if m == 0:
            continue
        a = _packed(values, rows, cols)
        if skip_nan:
            # np.nanmean: NaN replaced by 0 in place, sum divided by the non-NaN count.
            nan = np.isnan(a)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[rows] = _row_sum(np.where(nan, 0.0, a)) / np.count_nonzero(~nan, axis=1)
        else:
            out[rows] = _row_sum(a) / m
    return out


def _weighted_mean(values, weights, mask):
    """``np.average(values, weights=weights)`` over each row's selected entries.

    Rows whose selected weights sum to zero get the unweighted mean: the
    fallback of both ``_nanaverage`` (on ``ZeroDivisionError``) and the
    single-ratio metrics (``if not np.any(weights)``; weights are supports,
    never negative).
    """
    out = np.full(values.shape[0], np.nan)
    weights = weights.astype(np.float64)
    for rows, m, cols in _row_groups(mask):
        if m == 0:
            continue
        a, w = _packed(values, rows, cols), _packed(weights, rows, cols)
        scale = _row_sum(w)
        with np.errstate(invalid="ignore", divide="ignore"):
            avg = _row_sum(a * w) / scale
        zero = scale == 0
        if zero.any():
            avg[zero] = _row_sum(a[zero]) / m
        out[rows] = avg
    return out


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
        correct, total = t.trace, t.n
        # The same int64 operations as the finalizers, so the same roundings
        # (hamming's (n - c) / n and zero-one's 1 - c / n may differ in the last bit).
        with np.errstate(invalid="ignore", divide="ignore"):
            if kind == "hamming":
                values = (total - correct) / total
            elif kind == "zero_one":
                values = 1 - correct / total if normalize else (total - correct).astype(float)
            else:
                values = correct / total if normalize else correct.astype(float)
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
        has_support = t.true > 0
        with np.errstate(invalid="ignore", divide="ignore"):
            per_class = t.tp / t.true
            score = _mean(per_class, has_support)
            if adjusted:
                # One label with support: 1 - chance is 0 and the score becomes
                # -inf (NaN if all right), as in scikit-learn.
                chance = 1 / np.count_nonzero(has_support, axis=1)
                score = (score - chance) / (1 - chance)
        return t.finish(score)
    return finalize


def _matthews(params):
    """matthews_corrcoef: 0.0 (defined, no warning) where a margin is constant."""
    if params:
        return None

    def finalize(counts, classes):
        t = _Tables(counts, classes)
        t_sum, p_sum = t.true.astype(np.float64), t.pred.astype(np.float64)
        n_correct = t.trace.astype(np.float64)
        n_samples = t.n.astype(np.float64)
        # Integer-valued float64 throughout, so sums are exact in any order (below
        # 2**53), and einsum's dot products equal the finalizer's np.dot.
        cov_ytyp = n_correct * n_samples - np.einsum("bk,bk->b", t_sum, p_sum)
        cov_ypyp = n_samples ** 2 - np.einsum("bk,bk->b", p_sum, p_sum)
        cov_ytyt = n_samples ** 2 - np.einsum("bk,bk->b", t_sum, t_sum)
        product = cov_ypyp * cov_ytyt
        with np.errstate(invalid="ignore", divide="ignore"):
            values = np.where(product == 0, 0.0, cov_ytyp / np.sqrt(product))
        return t.finish(values)
    return finalize


def _kappa_weight_matrix(m, weights):
    """The finalizer's disagreement weights over m labels, by position."""
    if weights is None:
        w_mat = np.ones([m, m], dtype=np.float64)
        np.fill_diagonal(w_mat, 0)
        return w_mat
    w_mat = np.zeros([m, m], dtype=np.float64)
    w_mat += np.arange(m)
    return np.abs(w_mat - w_mat.T) if weights == "linear" else (w_mat - w_mat.T) ** 2


def _kappa(params):
    """cohen_kappa_score without ``labels``: NaN (undefined) with a single label."""
    if not set(params) <= {"weights", "replace_undefined_by", "labels"}:
        return None
    if params.get("labels") is not None:
        return None
    from ..confusion.agreement import check_kappa_params
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
        for rows, m, cols in _row_groups(t.present):
            if m == 0:
                continue
            conf = t.counts[rows]
            if cols is not None:
                conf = np.take_along_axis(conf, cols[:, :, None], axis=1)
                conf = np.take_along_axis(conf, cols[:, None, :], axis=2)
            conf = conf.astype(np.float64)
            # Integer-valued sums: exact in any order.
            sum0 = np.einsum("bij->bj", conf)
            sum1 = np.einsum("bij->bi", conf)
            total = np.einsum("bj->b", sum0)
            w_mat = _kappa_weight_matrix(m, weights)
            with np.errstate(invalid="ignore", divide="ignore"):
                expected = (sum0[:, :, None] * sum1[:, None, :]) / total[:, None, None]
                numerator = np.einsum("ij,bij->b", w_mat, conf)
                # Not integers: summed as np.sum sums the m x m matrix.
                denominator = _row_sum((w_mat * expected).reshape(-1, m * m))
                kappa = 1 - numerator / denominator
            # Both 0/0 cases warn (UndefinedMetricWarning) in the finalizer.
            kappa[(total == 0) | (denominator == 0)] = np.nan
            values[rows] = kappa
        return t.finish(values)
    return finalize


# ---------------------------------------------------------------------------
# Set-wise ratio metrics: precision, recall, F-beta, Jaccard, specificity, NPV
# ---------------------------------------------------------------------------

class _Spec:
    """What one set-wise metric computes from per-label (tp, fp, fn, tn)."""

    def __init__(self, name, *, prf_index=None, numerator=None, denominator=None,
                 allow_nan=True, keys=("labels", "pos_label", "average", "zero_division")):
        self.name = name            # the ``metric`` name of prf_divide's warn_for
        self.prf_index = prf_index  # 0, 1, 2: a component of precision_recall_fscore_support
        self.numerator, self.denominator = numerator, denominator
        self.allow_nan = allow_nan  # jaccard_score refuses zero_division=np.nan
        self.keys = frozenset(keys)


_PRF_KEYS = ("labels", "pos_label", "average", "zero_division", "beta")
_PRECISION = _Spec("precision", prf_index=0, keys=_PRF_KEYS)
_RECALL = _Spec("recall", prf_index=1, keys=_PRF_KEYS)
_FSCORE = _Spec("f-score", prf_index=2, keys=_PRF_KEYS)
_JACCARD = _Spec("jaccard", numerator=lambda tp, fp, fn, tn: tp,
                 denominator=lambda tp, fp, fn, tn: tp + fp + fn, allow_nan=False)
_SPECIFICITY = _Spec("specificity", numerator=lambda tp, fp, fn, tn: tn,
                     denominator=lambda tp, fp, fn, tn: tn + fp)
_NPV = _Spec("negative predictive value", numerator=lambda tp, fp, fn, tn: tn,
             denominator=lambda tp, fp, fn, tn: tn + fn)


def _setwise(params, spec):
    """Builder of the batched twin of ``_prfs_from_state`` / ``_ratio_score``."""
    from .._core.metric import check_zero_division
    from ..confusion.prf import check_beta
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
    fill = 0.0 if warns else float(zero_division)

    def ratio(numerator, denominator, warn):
        """``prf_divide``: values, and where it warns (None if it cannot)."""
        zero = denominator == 0
        with np.errstate(invalid="ignore", divide="ignore"):
            values = (np.asarray(numerator, dtype=np.float64)
                      / np.where(zero, 1.0, np.asarray(denominator, dtype=np.float64)))
        values[zero] = fill
        return values, (zero if warn and warns else None)

    def finalize(counts, classes):
        t = _Tables(counts, classes)
        try:
            sums = _setwise_sums(t, average, labels, pos_label)
        except FastMetricsError:
            # labels= the finalizer refuses on every table (e.g. strings for int labels).
            return t.finish(np.full(t.n_tables, np.nan), np.ones(t.n_tables, dtype=bool))
        tp, pred, true, selected, failed = sums
        if spec.prf_index is not None:
            values, warned = _prf_component(spec, ratio, tp, pred, true, average, selected,
                                            beta)
        else:
            fp, fn = pred - tp, true - tp
            tn = t.n[:, None] - tp - fp - fn
            values, warned = _single_ratio(spec, ratio, tp, fp, fn, tn, average, selected)
        undefined = failed if warned is None else failed | warned
        return t.finish(values, undefined)
    return finalize


def _setwise_sums(t, average, labels, pos_label):
    """Per-label sums of every table, as ``label_sums`` gives them.

    Returns ``(tp, pred, true, selected, failed)``: (B, L) int64 true
    positives, predicted and true counts (``fp = pred - tp``, ``fn = true -
    tp``, ``tn = n - tp - fp - fn``) of the L labels the finalizer scores; the
    (B, L) mask of those that are labels of the resampled state (with
    ``labels=None`` only the present ones count); and the (B,) tables on which
    the finalizer raises.
    """
    from .._core.metric import label_positions
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
    return tp, pred, true, selected, failed


def _warned(zero, selected):
    """Tables where ``prf_divide`` warns: a 0/0 among the labels it scores."""
    if zero is None:
        return None
    return np.any(zero if selected.all() else zero & selected, axis=1)


def _micro(selected, *arrays):
    """Sums over the selected labels, as (B, 1) arrays."""
    return tuple(np.einsum("bl->b", np.where(selected, a, 0))[:, None] for a in arrays)


def _prf_component(spec, ratio, tp, pred_sum, true_sum, average, selected, beta):
    """One of precision, recall, F-beta (``_prfs_from_state``): values, warned rows."""
    if average == "micro":
        tp, pred_sum, true_sum = _micro(selected, tp, pred_sum, true_sum)
        selected = np.ones_like(tp, dtype=bool)
    if spec.prf_index == 0:
        values, zero = ratio(tp, pred_sum, True)
    elif spec.prf_index == 1:
        values, zero = ratio(tp, true_sum, True)
    else:
        # _fscore: beta = inf is recall and beta = 0 precision, neither of which
        # warns for "f-score".
        beta2 = beta ** 2
        if np.isposinf(beta):
            values, zero = ratio(tp, true_sum, False)
        elif beta == 0:
            values, zero = ratio(tp, pred_sum, False)
        else:
            denom = (beta2 * np.asarray(true_sum, dtype=np.float64)
                     + np.asarray(pred_sum, dtype=np.float64))
            values, zero = ratio((1 + beta2) * np.asarray(tp, dtype=np.float64), denom, True)
    warned = _warned(zero, selected)
    if average in ("binary", "micro"):
        return values[:, 0], warned
    # _nanaverage: NaN entries (zero_division=np.nan) are left out.
    if average == "macro":
        return _mean(values, selected, skip_nan=True), warned
    keep = selected & ~np.isnan(values)
    return _weighted_mean(values, true_sum, keep), warned


def _single_ratio(spec, ratio, tp, fp, fn, tn, average, selected):
    """Jaccard, specificity or NPV (``_ratio_score``): values, warned rows."""
    numerator = spec.numerator(tp, fp, fn, tn)
    denominator = spec.denominator(tp, fp, fn, tn)
    if average == "micro":
        numerator, denominator = _micro(selected, numerator, denominator)
        selected = np.ones_like(numerator, dtype=bool)
    values, zero = ratio(numerator, denominator, True)
    warned = _warned(zero, selected)
    if average in ("binary", "micro"):
        return values[:, 0], warned
    # np.average: a NaN (zero_division=np.nan) makes the average NaN.
    if average == "macro":
        return _mean(values, selected), warned
    return _weighted_mean(values, tp + fn, selected), warned


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

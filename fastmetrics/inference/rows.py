"""The row route without resampled rows: Poisson-weighted sums in fused kernels.

A metric whose state is not a count table is bootstrapped by drawing each
row ``w(i, r) ~ Poisson(1)`` times in resample ``r`` (weights keyed by seed,
resample and global row: :mod:`fastmetrics.kernels.cpu.resample`). The
resampled state is then the state of the rows *weighted* by ``w``: every
state here is a sum over rows. So instead of gathering rows and calling the
metric once per resample (O(n) with a large constant, 80 to 200 ms per
resample at 10^6 rows), each plan below reduces the rows once to what the
state sums, and :mod:`fastmetrics.kernels.cpu.row_resample` adds the
weighted sums of 32 resamples per pass over the rows. The metric's own
finalizer turns each resampled state into its value, so a resample's value
is the metric of the resampled rows (to float64 rounding of the sums).

* :class:`LossRows`: ``log_loss`` and ``brier_score_loss``. Each row's term
  at its class's column (the column the finalizer would read), summed per
  class with the rows and weights: a :class:`~fastmetrics.LossState`.
  Additive, so BCa's jackknife is exact in O(n) (leave-one-out sums).
* :class:`CalibrationRows`: ``expected_calibration_error`` and
  ``maximum_calibration_error`` with equal-width bins (binary or top-label):
  each row's (bin, class) cell and probability, a
  :class:`~fastmetrics.calibration.state.CalibrationState`. BCa for
  unweighted rows: a row changes its own bin only, so every leave-one-out
  error is the full sum with one term replaced (O(n)).
* :class:`ConfusionRows`: confusion metrics of weighted rows (each row's
  cell, count and weight: the weighted :class:`~fastmetrics.ConfusionState`).
* :class:`MultilabelConfusionRows`: confusion metrics of a multilabel
  indicator target (each label's 2 x 2 cell and each row's (TP, FP, FN)
  triple: the :class:`~fastmetrics.MultilabelState`).
* :class:`RankingRows`: multiclass one-vs-rest and one-vs-one ROC AUC,
  multiclass average precision, and weighted binary ROC AUC and average
  precision. Each score column is sorted once; each resample walks it once
  with the weights drawn in place, giving the Mann-Whitney areas per class,
  the class amounts and the AP sum: the
  :class:`~fastmetrics.ranking.state.MulticlassAreas` the finalizer reads.
  ``average="micro"`` walks the raveled (rows x classes) binary problem once
  per model, each entry weighed as its row.
  BCa for unweighted rows averaged by class (macro or weighted): one-vs-rest
  and one-vs-one ROC AUC from DeLong's placements, average precision from
  each column's distinct-score table, O(n) per column (per pair for
  one-vs-one).
* :class:`TopKRows`: top-k accuracy of weighted 2-D scores (each row's rank
  of its true class: the rank histogram of :class:`~fastmetrics.TopKState`).
* :class:`MultilabelRows`: ROC AUC and average precision of a multilabel
  indicator target (macro or weighted): one walk per label column.

Every plan keeps the classes of the data: a resample that misses a class is
scored as the metric would score rows whose ``labels=`` name it (a loss
still has a value; a ROC AUC with a class lacking positives is undefined).
Memory: the rows' terms (one or two float64 per row and model) and, for
rankings, one sorted order per score column; never a resamples x rows array.

The cell-sum plans (losses, calibration) of the same rows run together in
one pass (:func:`resample_together`: one draw of the weights for all of
them, as the evaluation report does). With ``keys`` (each row's cluster)
every row takes its cluster's weights: the Poisson cluster bootstrap.

:func:`row_plan` picks the plan of a metric and its parameters, or returns
None: the metric is then called on each resample's rows
(:class:`fastmetrics.inference.statistics.RowResamples`).
"""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numba

import numpy as np

from .._core.labels import union_labels
from ..calibration.build import calibration_state, row_targets
from ..calibration.metrics import (calibration_leave_one_out, expected_calibration_error,
                                   maximum_calibration_error)
from ..calibration.state import CalibrationState
from ..confusion.build import confusion_state, multilabel_state
from ..confusion.state import ConfusionState, MultilabelState
from ..exceptions import FastMetricsError, InvalidParameterError, format_message
from ..inference import batched
from ..kernels.cpu import calibration as calibration_kernels
from ..kernels.cpu import row_resample as kernels
from ..losses.build import loss_state
from ..losses.metrics import brier_score_loss, log_loss, state_columns
from ..losses.state import LossState
from ..ranking.auc import average_precision_score, roc_auc_score
from ..ranking.state import MulticlassAreas
from ..topk.build import top_k_state
from ..topk.metrics import top_k_accuracy_score
from .jackknife import ap_leave_one_out, auc_leave_one_out
from .._core.labels import label_index

__all__ = ["RowPlan", "CellRows", "LossRows", "CalibrationRows", "ConfusionRows",
           "MultilabelConfusionRows", "RankingRows",
           "MultilabelRows", "TopKRows", "row_plan",
           "resample_together", "descending_order"]

#: Resamples per kernel call: their sums (resamples x cells x values float64)
#: stay under about 64 MiB.
_SUM_BYTES = 1 << 26


def _resample_blocks(n_resamples: int, per_resample: int):
    """``(first, count)`` chunks of resamples whose sums fit :data:`_SUM_BYTES`."""
    step = max(kernels.LANES, (_SUM_BYTES // max(8 * per_resample, 1)) // kernels.LANES
               * kernels.LANES)
    for first in range(0, n_resamples, step):
        yield first, min(step, n_resamples - first)


def _finalized(finalize, states, params) -> np.ndarray:
    """The metric of each resampled state, NaN where undefined (the bootstrap's rule)."""
    out = np.empty(len(states))
    for i, state in enumerate(states):
        value = batched.metric_value(finalize, state, **params)
        out[i] = value if math.isfinite(value) else math.nan
    return out


class RowPlan:
    """What every plan offers the bootstrap (as ``RowResamples`` does).

    ``keys`` (set by :func:`row_plan`): each row's cluster, whose weights it
    takes, or None (rows are drawn one by one).

    ``estimates`` (one per model), ``estimate`` (the first), ``route``,
    ``name``, ``has_jackknife``, ``resampled_all(n_resamples, seed)`` of shape
    (models, n_resamples), ``resampled`` (the first model's) and, where
    ``has_jackknife``, ``jackknife_all()``: ((models, m) leave-one-out values,
    (m,) counts).
    """

    route = "poisson rows"
    has_jackknife = False
    keys = None

    def resampled(self, n_resamples: int, seed: int) -> np.ndarray:
        return self.resampled_all(n_resamples, seed)[0]

    def jackknife(self):
        values, counts = self.jackknife_all()
        keep = ~np.isnan(values[0])
        return values[0][keep], counts[keep]


# ---------------------------------------------------------------------------
# losses
# ---------------------------------------------------------------------------

class CellRows(RowPlan):
    """A plan whose state is per-cell sums of row values (losses, calibration bins).

    ``parts``: ``(cells, values, n_cells)`` of the rows (one per sum the state
    needs); ``finish(sums)``: the (models, count) values of a block of
    resampled sums, one (count, n_cells, V) array per part. Several plans run
    in one pass with :func:`resample_together`.
    """

    def resampled_all(self, n_resamples: int, seed: int) -> np.ndarray:
        return resample_together([self], n_resamples, seed)[0]


def resample_together(plans, n_resamples: int, seed: int) -> list:
    """The resampled values of several :class:`CellRows` plans of the same rows, from one
    pass over the rows per 32 resamples (the weights drawn once for all of them).

    Returns one (models, n_resamples) array per plan. The plans must share
    their ``keys`` (clusters).
    """
    parts, sizes = [], []
    for plan in plans:
        parts.extend(plan.parts)
        sizes.append(len(plan.parts))
    keys = plans[0].keys
    outs = [np.empty((len(plan.estimates), n_resamples)) for plan in plans]
    per_resample = sum(n_cells * np.asarray(values).reshape(len(cells), -1).shape[1]
                       for cells, values, n_cells in parts)
    for first, count in _resample_blocks(n_resamples, per_resample):
        sums = kernels.parts_sums(parts, seed, first, count, keys=keys)
        at = 0
        for plan, size, out in zip(plans, sizes, outs):
            out[:, first:first + count] = plan.finish(sums[at:at + size])
            at += size
    return outs


class LossRows(CellRows):
    """``log_loss`` or ``brier_score_loss`` of one or more models on resampled rows."""

    has_jackknife = True

    def __init__(self, metric, y_true, probas, weights, params, name):
        self.metric, self.params, self.name = metric, dict(params), name
        self.which = "log" if metric is log_loss else "brier"
        self.finalize = metric.from_state
        labels = params.get("labels")
        self.estimates, self.states, terms = [], [], []
        for proba in probas:
            state = loss_state(y_true, proba, sample_weight=weights, labels=labels,
                               log=self.which == "log", brier=self.which == "brier")
            value = self.finalize(state, **self.params)
            batched.check_scalar(value, metric)
            columns = state_columns(state, self.which, labels=labels,
                                    pos_label=params.get("pos_label"))
            codes = label_index(np.asarray(y_true), state.classes)
            term = calibration_kernels.loss_row_terms(columns[codes], np.asarray(proba),
                                                      self.which == "log")
            self.estimates.append(float(value))
            self.states.append((state, columns))
            terms.append(term if weights is None else term * weights)
        self.estimate = self.estimates[0]
        self.codes = codes
        self.weights = weights
        n = codes.shape[0]
        # values: rows (1), weights (with weights), then each model's weighted term
        head = [np.ones(n)] + ([] if weights is None else [weights])
        self.values = np.column_stack(head + terms)
        self.terms = terms

    def _state(self, m: int, sums: np.ndarray) -> LossState:
        state, columns = self.states[m]
        weighted = self.weights is not None
        c = state.classes.size
        table = np.zeros((c, state.n_columns))
        table[np.arange(c), columns] = sums[:, (2 if weighted else 1) + m]
        known = np.zeros_like(state.known)
        known[np.arange(c), columns] = True
        return LossState(state.classes, state.one_d, np.rint(sums[:, 0]).astype(np.int64),
                         sums[:, 1].copy() if weighted else None,
                         table if self.which == "log" else None,
                         table if self.which == "brier" else None, known)

    @property
    def parts(self):
        return [(self.codes, self.values, self.states[0][0].classes.size)]

    def finish(self, sums) -> np.ndarray:
        (block,) = sums
        out = np.empty((len(self.terms), block.shape[0]))
        for m in range(len(self.terms)):
            states = [self._state(m, s) for s in block]
            out[m] = _finalized(self.finalize, states, self.params)
        return out

    def jackknife_all(self):
        """Leave-one-out values in O(n): the sums minus the row's (or cluster's) own terms."""
        n = self.codes.shape[0]
        weights = np.ones(n) if self.weights is None else self.weights
        total_weight = float(weights.sum())
        terms = self.terms
        if self.keys is not None:  # leave one cluster out
            n = int(self.keys.max()) + 1
            weights = np.bincount(self.keys, weights=weights, minlength=n)
            terms = [np.bincount(self.keys, weights=t, minlength=n) for t in terms]
        out = np.empty((len(terms), n))
        for m, term in enumerate(terms):
            total = float(term.sum())
            if self.params.get("normalize", True) is False:
                out[m] = total - term
                continue
            # the finalizer's constant factor (Brier's 1/2): estimate = scale * total / weight
            ratio = total / total_weight
            scale = self.estimates[m] / ratio if ratio != 0 else 1.0
            with np.errstate(divide="ignore", invalid="ignore"):
                out[m] = scale * (total - term) / (total_weight - weights)
        return out, np.ones(n, dtype=np.int64)


# ---------------------------------------------------------------------------
# calibration
# ---------------------------------------------------------------------------

class CalibrationRows(CellRows):
    """Calibration errors with equal-width bins of one or more models on resampled rows."""

    def __init__(self, metric, y_true, probas, weights, params, name):
        self.metric, self.params, self.name = metric, dict(params), name
        self.finalize = metric.from_state
        self.weights = weights
        finalizer_params = {k: v for k, v in params.items()
                            if k in ("pos_label", "norm", "debiased")}
        self.finalizer_params = finalizer_params
        n_bins, labels = params.get("n_bins", 15), params.get("labels")
        self.estimates, self.states, self.cells, self.values = [], [], [], []
        for proba in probas:
            state = calibration_state(y_true, proba, sample_weight=weights, n_bins=n_bins,
                                      strategy="uniform", labels=labels)
            value = self.finalize(state, **finalizer_params)
            batched.check_scalar(value, metric)
            self.estimates.append(float(value))
            target, confidence = row_targets(y_true, proba, labels)
            codes = label_index(target, state.classes)
            bins = np.searchsorted(state.edges[1:-1], confidence)
            columns = [np.ones(confidence.size), confidence]
            if weights is not None:
                columns += [weights, weights * confidence]
            self.states.append(state)
            self.cells.append(bins * state.classes.size + codes)
            self.values.append(np.column_stack(columns))
        self.estimate = self.estimates[0]

    def _state(self, m: int, sums: np.ndarray) -> CalibrationState:
        state = self.states[m]
        shape = state.counts.shape
        weighted = self.weights is not None
        return CalibrationState(
            state.edges, state.strategy, state.classes,
            np.rint(sums[:, 0]).astype(np.int64).reshape(shape), sums[:, 1].reshape(shape),
            sums[:, 2].reshape(shape) if weighted else None,
            sums[:, 3].reshape(shape) if weighted else None, top_label=state.top_label)

    @property
    def parts(self):
        return [(cells, values, state.counts.size)
                for cells, values, state in zip(self.cells, self.values, self.states)]

    def finish(self, sums) -> np.ndarray:
        out = np.empty((len(self.states), sums[0].shape[0]))
        for m, block in enumerate(sums):
            states = [self._state(m, s) for s in block]
            out[m] = _finalized(self.finalize, states, self.finalizer_params)
        return out

    @property
    def has_jackknife(self) -> bool:
        # unweighted rows: each row changes its own bin only (calibration_leave_one_out)
        return self.weights is None and self.keys is None

    def jackknife_all(self):
        """Leave-one-row-out calibration errors of every model, O(n) each."""
        params = dict(self.finalizer_params)
        if self.metric is maximum_calibration_error:
            params["norm"] = "max"
        out = []
        for state, cells, values in zip(self.states, self.cells, self.values):
            c = state.classes.size
            out.append(calibration_leave_one_out(state, cells // c, cells % c, values[:, 1],
                                                 **params))
        return np.vstack(out), np.ones(self.states[0].counts.sum(), dtype=np.int64)


# ---------------------------------------------------------------------------
# confusion tables of weighted (or clustered) rows
# ---------------------------------------------------------------------------

def _is_confusion_metric(metric) -> bool:
    from .specs import lookup  # the specs sit beside the plans; looked up when asked
    spec = lookup(metric)[0]
    return spec is not None and spec.resampling == "count_table" and \
        spec.state_type is ConfusionState


class ConfusionRows(CellRows):
    """A confusion metric of weighted rows: each row's (true, predicted) cell with its
    count and weight, summed into the resampled weighted K x K table.

    Unweighted rows redraw the count table from a multinomial instead (exact and
    cheaper); this plan serves ``sample_weight=`` (and clustered rows whose
    metric is not on the cluster-table route). A label no resampled row carries
    is absent from the resample's state, as if the metric were called on those
    rows.
    """

    def __init__(self, metric, y_true, preds, weights, params, name):
        self.metric, self.params, self.name = metric, dict(params), name
        self.finalize = metric.from_state
        self.weights = weights
        self.estimates, self.cells = [], []
        states = [confusion_state(y_true, p, sample_weight=weights) for p in preds]
        classes = states[0].classes
        for state in states[1:]:
            classes = union_labels(classes, state.classes, "y_pred")
        self.classes = classes
        k = classes.size
        t = label_index(np.asarray(y_true), classes)
        for pred, state in zip(preds, states):
            value = self.finalize(state, **self.params)
            batched.check_scalar(value, metric)
            self.estimates.append(float(value))
            self.cells.append(t * k + label_index(np.asarray(pred), classes))
        self.estimate = self.estimates[0]
        columns = [np.ones(t.size)] + ([] if weights is None else [weights])
        self.values = np.column_stack(columns)

    @property
    def parts(self):
        k = self.classes.size
        return [(cells, self.values, k * k) for cells in self.cells]

    def _state(self, sums: np.ndarray) -> ConfusionState:
        k = self.classes.size
        counts = np.rint(sums[:, 0]).astype(np.int64).reshape(k, k)
        present = (counts.sum(axis=0) + counts.sum(axis=1)) > 0
        keep = np.ix_(present, present)
        weight_sums = None if self.weights is None else sums[:, 1].reshape(k, k)[keep][None]
        return ConfusionState(self.classes[present], counts[keep][None], weight_sums)

    def finish(self, sums) -> np.ndarray:
        out = np.empty((len(self.cells), sums[0].shape[0]))
        for m, block in enumerate(sums):
            out[m] = _finalized(self.finalize, [self._state(s) for s in block], self.params)
        return out


class MultilabelConfusionRows(CellRows):
    """A confusion metric of a multilabel indicator target on resampled rows.

    The :class:`~fastmetrics.MultilabelState` is sums over rows: label ``l``'s
    2 x 2 table (each row in cell ``2 t + p`` of it) and the count of each
    distinct per-row (TP, FP, FN) triple (for ``average="samples"``), so each
    label is one part of the rows and the triples another, all summed from
    one draw of the weights. A triple no resampled row carries is left out,
    as in the state of those rows.
    """

    def __init__(self, metric, y_true, preds, weights, params, name):
        self.metric, self.params, self.name = metric, dict(params), name
        self.finalize = metric.from_state
        self.weights = weights
        self.estimates, self.states, self.label_cells, self.triples = [], [], [], []
        truth = np.asarray(y_true) != 0
        columns = [np.ones(truth.shape[0])] + ([] if weights is None else [weights])
        self.values = np.column_stack(columns)
        for pred in preds:
            state = multilabel_state(y_true, pred, sample_weight=weights)
            value = self.finalize(state, **self.params)
            batched.check_scalar(value, metric)
            self.estimates.append(float(value))
            predicted = np.asarray(pred) != 0
            self.label_cells.append((2 * truth + predicted).astype(np.int64).T)
            base = state.n_labels + 1
            tp = (truth & predicted).sum(axis=1)
            fp = (~truth & predicted).sum(axis=1)
            fn = (truth & ~predicted).sum(axis=1)
            keys = (tp * base + fp) * base + fn
            self.triples.append(np.searchsorted(state.sample_keys, keys))
            self.states.append(state)
        self.estimate = self.estimates[0]

    @property
    def parts(self):
        out = []
        for cells, triples, state in zip(self.label_cells, self.triples, self.states):
            out.extend((label, self.values, 4) for label in cells)
            out.append((triples, self.values, state.sample_keys.size))
        return out

    def _state(self, m: int, label_sums, triple_sums) -> MultilabelState:
        state = self.states[m]
        tables = np.stack(label_sums)                       # (L, 4, V)
        counts = np.rint(tables[:, :, 0]).astype(np.int64).reshape(-1, 2, 2)
        rows = np.rint(triple_sums[:, 0]).astype(np.int64)
        kept = rows > 0
        weighted = self.weights is not None
        return MultilabelState(
            counts, tables[:, :, 1].reshape(-1, 2, 2) if weighted else None,
            state.sample_keys[kept], rows[kept], triple_sums[kept, 1] if weighted else None)

    def finish(self, sums) -> np.ndarray:
        count = sums[0].shape[0]
        out = np.empty((len(self.states), count))
        at = 0
        for m, state in enumerate(self.states):
            n_labels = state.n_labels
            labels, triples = sums[at:at + n_labels], sums[at + n_labels]
            at += n_labels + 1
            states = [self._state(m, [block[i] for block in labels], triples[i])
                      for i in range(count)]
            out[m] = _finalized(self.finalize, states, self.params)
        return out


class TopKRows(CellRows):
    """Top-k accuracy of 2-D scores of weighted (or clustered) rows: each row's rank of
    its true class (``#{j: s_j > s_true} + #{j > true: s_j == s_true}``, the state's
    rule) with its count and weight, summed into the resampled rank histogram."""

    def __init__(self, metric, y_true, preds, weights, params, name):
        self.metric, self.name = metric, name
        self.finalize = metric.from_state
        self.params = {k: v for k, v in params.items() if k != "labels"}
        self.weights = weights
        self.estimates, self.states, self.ranks = [], [], []
        for scores in preds:
            scores = np.asarray(scores)
            state = top_k_state(y_true, scores, sample_weight=weights,
                                labels=params.get("labels"))
            if state.one_d or not state.settled or state.column_classes is None:
                raise InvalidParameterError(format_message(
                    "y_score", "is not a settled 2-D score matrix"))  # no plan: the caller
            value = self.finalize(state, **self.params)
            batched.check_scalar(value, metric)
            column = label_index(np.asarray(y_true), state.column_classes)
            true_score = np.take_along_axis(scores, column[:, None], axis=1)
            later = np.arange(scores.shape[1])[None, :] > column[:, None]
            ranks = ((scores > true_score) | ((scores == true_score) & later)).sum(axis=1)
            self.estimates.append(float(value))
            self.states.append(state)
            self.ranks.append(ranks.astype(np.int64))
        self.estimate = self.estimates[0]
        n = self.ranks[0].size
        self.values = np.column_stack([np.ones(n)] + ([] if weights is None else [weights]))

    @property
    def parts(self):
        return [(ranks, self.values, state.counts.size)
                for ranks, state in zip(self.ranks, self.states)]

    def finish(self, sums) -> np.ndarray:
        out = np.empty((len(self.states), sums[0].shape[0]))
        for m, (state, block) in enumerate(zip(self.states, sums)):
            states = [replace(state, counts=np.rint(b[:, 0]).astype(np.int64),
                              weight_sums=None if self.weights is None else b[:, 1].copy())
                      for b in block]
            out[m] = _finalized(self.finalize, states, self.params)
        return out


# ---------------------------------------------------------------------------
# rankings
# ---------------------------------------------------------------------------

def descending_order(scores: np.ndarray):
    """Rows by descending score (ties in row order) and where each tie group starts."""
    # one float64 temporary (the negated key), not two: the sort's peak memory is the
    # row route's
    order = np.argsort(np.negative(scores, dtype=np.float64), kind="stable")
    order = order.astype(_index_dtype(order.size))
    s = scores[order]
    starts = np.ones(s.size, dtype=np.bool_)
    np.not_equal(s[1:], s[:-1], out=starts[1:])
    return order, starts


def _index_dtype(n: int):
    """int32 row indices below 2**31 rows (half the memory of a sort order)."""
    return np.int32 if n < 2 ** 31 else np.int64


class RankingRows(RowPlan):
    """ROC AUC or average precision of score columns on resampled rows.

    Multiclass (2-D scores, one column per class of ``y_true``, classes in
    sorted order): every column is walked with its class positive and each
    other class its own negative code. Binary (1-D scores, weighted rows): one
    walk with the positive class's code as the target.
    """

    def __init__(self, metric, y_true, scores_list, weights, params, name):
        self.metric, self.params, self.name = metric, dict(params), name
        self.finalize = metric.from_state
        self.weights = weights
        y_true = np.asarray(y_true)
        self.classes, codes = np.unique(y_true, return_inverse=True)
        self.codes = codes.astype(_index_dtype(codes.size))
        del codes  # the int64 codes would stay for the sorts below: peak memory
        self.estimates, self.model_columns = [], []
        # micro average: the raveled (rows x classes) binary problem, one column per model
        self.stride = 1
        self.micro = np.asarray(scores_list[0]).ndim == 2 and params.get("average") == "micro"
        if self.micro:
            self.stride = np.asarray(scores_list[0]).shape[1]
            self.indicator = (self.codes[:, None] == np.arange(self.stride)).ravel().astype(
                np.int32)
        columns = []
        for scores in scores_list:
            scores = np.asarray(scores)
            value = metric(y_true, scores, sample_weight=weights, **params)
            batched.check_scalar(value, metric)
            self.estimates.append(float(value))
            if scores.ndim == 1:
                model_targets, model_columns = [self._binary_target()], [scores]
            elif self.micro:
                model_targets, model_columns = [1], [scores.ravel()]
            else:
                model_targets = list(range(scores.shape[1]))
                model_columns = [scores[:, k] for k in model_targets]
            self.model_columns.append(slice(len(columns), len(columns) + len(model_columns)))
            columns.extend(zip(model_targets, model_columns))
        # every column of every model: its rows in score order and where tie groups start
        # (filled in place: a stack of per-column arrays would hold them twice)
        n = self.codes.size * self.stride
        self.orders = np.empty((len(columns), n), dtype=_index_dtype(n))
        self.starts = np.empty((len(columns), n), dtype=np.bool_)
        def sort(j):
            self.orders[j], self.starts[j] = descending_order(columns[j][1])

        # numpy's sort releases the GIL: the columns sort on every core
        with ThreadPoolExecutor(max(1, min(len(columns), numba.get_num_threads()))) as pool:
            list(pool.map(sort, range(len(columns))))
        self.columns = [column for _, column in columns]
        self.targets = np.array([target for target, _ in columns], dtype=np.int64)
        self.estimate = self.estimates[0]
        self.binary = np.asarray(scores_list[0]).ndim == 1 or self.micro
        self.counts_needed = weights is not None and not self.binary

    def _binary_target(self) -> int:
        if self.metric is roc_auc_score:
            return self.classes.size - 1  # the greater label (scikit-learn)
        listed = self.classes.tolist()
        return listed.index(self.params.get("pos_label", 1))

    def _walk(self, j, seed, first, count):
        order, stride = self.orders[j], self.stride
        rows = order if stride == 1 else order // stride
        if self.micro:  # entry (row, class) is positive where the row is of that class
            codes, n_codes = self.indicator[order], 2
        else:
            codes, n_codes = self.codes[order], self.classes.size  # one column's, in order
        if self.keys is not None:  # each row takes its cluster's weights
            order, stride = self.keys[rows], 1
        weights = None if self.weights is None else self.weights[rows]
        return kernels.walk_areas(order, codes, self.starts[j], self.targets[j], n_codes,
                                  seed, first, count, weights, stride=stride)

    def _binary_values(self, area, amount, ap, target):
        pos = amount[:, target]
        neg = amount.sum(axis=1) - pos
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.metric is roc_auc_score:
                values = area.sum(axis=1) / (2.0 * pos * neg)
                values[(pos == 0) | (neg == 0)] = np.nan
            else:
                values = np.maximum(0.0, ap / pos)
                values[pos == 0] = np.nan
        return values

    def resampled_all(self, n_resamples: int, seed: int) -> np.ndarray:
        return self.resampled_with(n_resamples, seed, [self.params])[0]

    def resampled_with(self, n_resamples: int, seed: int, params_list) -> list:
        """The resampled values under each parameter set of ``params_list`` (one-vs-rest
        and one-vs-one from the same walks): a list of (models, n_resamples) arrays."""
        outs = [np.empty((len(self.model_columns), n_resamples)) for _ in params_list]
        c = self.classes.size
        per_resample = 3 * c * self.targets.size
        for first, count in _resample_blocks(n_resamples, per_resample):
            counts = None
            if self.counts_needed:  # rows per class, besides their weight
                counts = kernels.cell_sums(self.codes, np.ones((self.codes.size, 1)), c, seed,
                                           first, count, keys=self.keys)[:, :, 0]
            walks = [self._walk(j, seed, first, count) for j in range(self.targets.size)]
            area = np.stack([w[0] for w in walks])    # (columns, count, C)
            amount = np.stack([w[1] for w in walks])
            ap = np.stack([w[2] for w in walks])      # (columns, count)
            for m, cols in enumerate(self.model_columns):
                if self.binary:
                    values = self._binary_values(area[cols.start], amount[cols.start],
                                                 ap[cols.start], self.targets[cols.start])
                    for out in outs:
                        out[m, first:first + count] = values
                    continue
                twice = area[cols].transpose(1, 0, 2)  # (count, K, C)
                model_ap = ap[cols].T                  # (count, K)
                weight = amount[cols.start]            # (count, C)
                states = []
                for i in range(count):
                    rows = np.rint(counts[i] if counts is not None else weight[i])
                    states.append(MulticlassAreas(
                        self.classes, c, np.arange(c), twice[i], model_ap[i],
                        rows.astype(np.int64), weight[i] if counts is not None else None))
                for out, params in zip(outs, params_list):
                    out[m, first:first + count] = _finalized(self.finalize, states, params)
        return outs

    @property
    def has_jackknife(self) -> bool:
        """Unweighted multiclass rows, averaged by class ("macro" or "weighted"): one-vs-rest
        and one-vs-one ROC AUC from DeLong's placements, average precision from each
        column's table (O(n) per column or pair)."""
        if self.weights is not None or self.binary or self.keys is not None:
            return False
        if self.params.get("average", "macro") not in ("macro", "weighted"):
            return False
        if self.params.get("labels") is not None:
            return False
        if self.metric is roc_auc_score:
            return self.params.get("multi_class") in ("ovr", "ovo")
        return self.metric is average_precision_score

    def jackknife_all(self):
        """Leave-one-row-out values of every model (rows left out one by one, O(n) per
        column, or per class pair for one-vs-one)."""
        out = np.empty((len(self.model_columns), self.codes.size))
        for m, cols in enumerate(self.model_columns):
            if self.params.get("multi_class") == "ovo":
                out[m] = self._ovo_jackknife(cols)
            else:
                out[m] = self._by_class_average(self._column_jackknife(cols))
        return out, np.ones(self.codes.size, dtype=np.int64)

    def _column_table(self, j, positive, negative):
        """Column ``j``'s distinct-score table of classes ``positive`` against
        ``negative`` (a class, or None for every other class), and each sorted row's entry."""
        entry = np.cumsum(self.starts[j]) - 1
        codes = self.codes[self.orders[j]]
        size = int(entry[-1]) + 1 if entry.size else 0
        pos = np.bincount(entry, weights=codes == positive, minlength=size)
        if negative is None:
            neg = np.bincount(entry, minlength=size) - pos
        else:
            neg = np.bincount(entry, weights=codes == negative, minlength=size)
        return pos, neg, entry, codes

    def _column_jackknife(self, cols):
        """(K, n): each column's one-vs-rest AUC or AP without each row."""
        leave_out = auc_leave_one_out if self.metric is roc_auc_score else ap_leave_one_out
        per_column = np.empty((self.classes.size, self.codes.size))
        for j in range(cols.start, cols.stop):
            target = self.targets[j]
            pos, neg, entry, codes = self._column_table(j, target, None)
            without_pos, without_neg = leave_out(pos, neg)
            per_column[target, self.orders[j]] = np.where(codes == target, without_pos[entry],
                                                          without_neg[entry])
        return per_column

    def _by_class_average(self, per_column):
        """The finalizer's average of per-class values left one row out."""
        if self.params.get("average", "macro") != "weighted":
            return per_column.mean(axis=0)
        # prevalence without the row: class counts minus one for the row's class
        n, c = self.codes.size, self.classes.size
        loo = np.repeat(np.bincount(self.codes, minlength=c).astype(np.float64)[:, None], n,
                        axis=1)
        loo[self.codes, np.arange(n)] -= 1
        return (per_column * loo).sum(axis=0) / loo.sum(axis=0)

    def _ovo_jackknife(self, cols):
        """Hand & Till's mean over class pairs (prevalence-weighted with "weighted") of
        both one-vs-one AUCs, each row left out: only the K - 1 pairs of its class change."""
        c = self.classes.size
        counts = np.bincount(self.codes, minlength=c).astype(np.float64)
        weighted = self.params.get("average", "macro") == "weighted"
        total, weight_total = 0.0, 0.0
        delta = np.zeros(self.codes.size)
        column_of = {int(self.targets[j]): j for j in range(cols.start, cols.stop)}
        for a in range(c):
            for b in range(a + 1, c):
                full, without = 0.0, np.zeros(self.codes.size)
                for positive, negative in ((a, b), (b, a)):
                    j = column_of[positive]
                    pos, neg, entry, codes = self._column_table(j, positive, negative)
                    twice = float((2.0 * (neg.sum() - np.cumsum(neg)) + neg) @ pos)
                    full += twice / (2.0 * pos.sum() * neg.sum()) / 2.0
                    without_pos, without_neg = auc_leave_one_out(pos, neg)
                    in_pair = (codes == positive) | (codes == negative)
                    rows = self.orders[j][in_pair]
                    without[rows] += np.where(codes[in_pair] == positive,
                                              without_pos[entry[in_pair]],
                                              without_neg[entry[in_pair]]) / 2.0
                members = (self.codes == a) | (self.codes == b)
                w = counts[a] + counts[b] if weighted else 1.0
                total += w * full
                weight_total += w
                delta[members] += (w - 1.0 if weighted else 1.0) * without[members] - w * full
        # with "weighted" each row's class is in c - 1 pairs, each losing one row's weight
        return (total + delta) / (weight_total - (c - 1 if weighted else 0))


class MultilabelRows(RowPlan):
    """ROC AUC or average precision (macro or weighted) of a multilabel indicator target.

    Column ``c`` is walked in its score order with the rows' indicator ``Y[:, c]``
    as the class code (1 positive): its binary area and AP sums per resample,
    averaged as the finalizer averages (``weighted``: by each column's
    positive amount). As the metric on the resampled rows: a resample whose
    column holds one class leaves the ROC AUC undefined, and an average
    precision column without a positive scores 0.
    """

    def __init__(self, metric, y_true, scores_list, weights, params, name):
        self.metric, self.params, self.name = metric, dict(params), name
        self.weights = weights
        y_true = np.asarray(y_true)
        self.indicator = y_true.astype(_index_dtype(y_true.size))
        self.average = params.get("average", "macro")
        self.estimates, self.walks = [], []
        for scores in scores_list:
            scores = np.asarray(scores)
            value = metric(y_true, scores, sample_weight=weights, **params)
            batched.check_scalar(value, metric)
            self.estimates.append(float(value))
            self.walks.append([descending_order(scores[:, c]) for c in range(scores.shape[1])])
        self.estimate = self.estimates[0]

    def _column(self, c, order, starts, seed, first, count):
        keys = order if self.keys is None else self.keys[order]
        weights = None if self.weights is None else self.weights[order]
        area, amount, ap = kernels.walk_areas(keys, self.indicator[order, c], starts, 1, 2,
                                              seed, first, count, weights)
        pos, neg = amount[:, 1], amount[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.metric is roc_auc_score:
                values = area[:, 0] / (2.0 * pos * neg)
                values[(pos == 0) | (neg == 0)] = np.nan
            else:
                values = np.where(pos > 0, np.maximum(0.0, ap / pos), 0.0)
        return values, pos

    def resampled_all(self, n_resamples: int, seed: int) -> np.ndarray:
        out = np.empty((len(self.walks), n_resamples))
        for first, count in _resample_blocks(n_resamples, 4 * self.indicator.shape[1]):
            for m, walks in enumerate(self.walks):
                columns = [self._column(c, order, starts, seed, first, count)
                           for c, (order, starts) in enumerate(walks)]
                values = np.stack([v for v, _ in columns], axis=1)  # (count, L)
                if self.average == "macro":
                    out[m, first:first + count] = values.mean(axis=1)
                    continue
                amounts = np.stack([a for _, a in columns], axis=1)
                total = amounts.sum(axis=1)
                with np.errstate(divide="ignore", invalid="ignore"):
                    weighted = np.where(amounts > 0, values, 0.0)
                    result = (weighted * amounts).sum(axis=1) / total
                undefined = np.isnan(values).any(axis=1)  # a one-class column (ROC AUC)
                result[undefined] = np.nan
                result[total == 0] = 0.0  # the finalizer's zero-total rule
                out[m, first:first + count] = result
        return out


# ---------------------------------------------------------------------------
# choosing a plan
# ---------------------------------------------------------------------------

_LOSS_PARAMS = {log_loss: {"normalize", "labels"},
                brier_score_loss: {"pos_label", "labels", "scale_by_half"}}
_CALIBRATION_PARAMS = {"pos_label", "n_bins", "strategy", "norm", "labels", "debiased"}


def _float_scores(arrays) -> bool:
    return all(a.dtype.kind == "f" for a in arrays)


def row_plan(metric, y_true, preds, weights, params, name, keys=None):
    """The fused plan of ``metric`` over the models' ``preds`` (numpy rows), or None.

    None where no plan covers the arguments: the caller then evaluates the
    metric on each resample's rows. ``y_true`` is 1-D; ``weights`` float64 or
    None; ``keys`` each row's cluster code (int64) or None.
    """
    plan = _plan(metric, y_true, preds, weights, params, name, keys is not None)
    if plan is not None and keys is not None:
        plan.keys = np.ascontiguousarray(keys, dtype=np.int64)
    return plan


def _plan(metric, y_true, preds, weights, params, name, clustered):
    y_true = np.asarray(y_true)
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)
    if y_true.ndim == 2 and metric in (roc_auc_score, average_precision_score):
        return _multilabel_plan(metric, y_true, preds, weights, params, name)
    if y_true.ndim == 2 and _is_confusion_metric(metric):
        if not all(np.asarray(p).shape == y_true.shape for p in preds):
            return None
        try:
            return MultilabelConfusionRows(metric, y_true, preds, weights, params, name)
        except (FastMetricsError, TypeError):
            return None  # the metric's own call on the rows raises its own error
    if y_true.ndim != 1 or y_true.size == 0:
        return None
    if weights is not None:
        weights = np.asarray(weights, dtype=np.float64)
    if _is_confusion_metric(metric):
        if any(np.asarray(p).ndim != 1 for p in preds):
            return None
        try:
            return ConfusionRows(metric, y_true, preds, weights, params, name)
        except (FastMetricsError, TypeError):
            return None  # the metric's own call on the rows raises its own error
    if metric is top_k_accuracy_score:
        if not all(np.asarray(p).ndim == 2 for p in preds) or not set(params) <= {
                "k", "normalize", "labels"}:
            return None
        try:
            return TopKRows(metric, y_true, preds, weights, params, name)
        except (FastMetricsError, TypeError):
            return None
    if not _float_scores(preds):
        return None
    two_d = [p.ndim == 2 for p in preds]
    if len(set(two_d)) != 1:
        return None
    try:
        if metric in _LOSS_PARAMS and set(params) <= _LOSS_PARAMS[metric]:
            return LossRows(metric, y_true, preds, weights, params, name)
        if (metric in (expected_calibration_error, maximum_calibration_error)
                and set(params) <= _CALIBRATION_PARAMS
                and params.get("strategy", "uniform") == "uniform"):
            return CalibrationRows(metric, y_true, preds, weights, params, name)
        if metric in (roc_auc_score, average_precision_score):
            return _ranking_plan(metric, y_true, preds, weights, params, name, two_d[0],
                                 clustered)
    except FastMetricsError:
        return None  # the metric's own call on the rows raises its own error
    return None


def _multilabel_plan(metric, y_true, preds, weights, params, name):
    allowed = {"average"} if metric is roc_auc_score else {"average", "pos_label"}
    if (not set(params) <= allowed or params.get("average", "macro") not in ("macro",
                                                                             "weighted")
            or params.get("pos_label", 1) != 1 or y_true.size == 0
            or not np.isin(y_true, (0, 1)).all()
            or not all(np.asarray(p).shape == y_true.shape for p in preds)
            or not _float_scores(preds)):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an undefined estimate is the metric's to report
        try:
            return MultilabelRows(metric, y_true, preds, weights, params, name)
        except (Warning, FastMetricsError):
            return None


def _ranking_plan(metric, y_true, preds, weights, params, name, two_d, clustered):
    labels = params.get("labels")
    if labels is not None and np.array_equal(np.asarray(labels), np.unique(y_true)):
        # labels= naming exactly the classes present, sorted: the columns as without it
        params = {k: v for k, v in params.items() if k != "labels"}
    allowed = {"average", "multi_class"} if metric is roc_auc_score else {"average", "pos_label"}
    averages = ("macro", "weighted", "micro") if two_d else ("macro", "weighted")
    if not set(params) <= allowed or params.get("average", "macro") not in averages:
        return None
    classes = np.unique(y_true)
    if two_d:
        k = preds[0].shape[1]
        if classes.size < 3 or classes.size != k:
            return None
        if metric is roc_auc_score and params.get("multi_class") not in ("ovr", "ovo"):
            return None
        if metric is roc_auc_score and params["multi_class"] == "ovo" and weights is not None:
            return None  # refused by the metric itself
    else:
        if (weights is None and not clustered and len(preds) == 1) or classes.size != 2:
            return None  # one model's unweighted binary rows: the distinct-score table
        if metric is average_precision_score and params.get("pos_label", 1) not in \
                classes.tolist():
            return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an undefined estimate is the metric's to report
        try:
            return RankingRows(metric, y_true, preds, weights, params, name)
        except Warning:
            return None

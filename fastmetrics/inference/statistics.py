"""What the bootstrap resamples: one class per route, chosen by :func:`build_statistic`.

Each *statistic* knows its estimate on the data, how to draw resampled
values (``resampled(n_resamples, seed)``, NaN where undefined) and, where
one is cheap, its grouped jackknife for BCa. Paired comparisons use the same
classes with two models (``values`` then have one row per model).

* :class:`ConfusionTables`: a count table redrawn by multinomials, one or two
  models' K x K tables read from it (``targets``).
* :class:`ScoreTable`: a binary distinct-score table redrawn by Poisson
  counts, ROC AUC or average precision in one O(U) pass per resample.
* :class:`ScoreTableLoop`: any other function of a binary ScoreState (partial
  AUC, a user's function), one resampled ScoreState at a time.
* :class:`CountStateLoop`: binned curves' one-column histograms and top-k rank
  counts, redrawn by a multinomial, one state at a time.
* :class:`RowResamples`: rows drawn with Poisson(1) weights, the metric called
  on each resample (any metric, weights, 2-D scores).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, replace

import numpy as np

from .. import inputs as _inputs
from .._core.labels import is_text, label_index, union_labels
from .._core.pipeline import is_multilabel_input
from ..binned.build import binned_score_state
from ..binned.state import BinnedScoreState
from ..confusion.build import confusion_state
from ..confusion.state import ConfusionState
from ..exceptions import InputTypeError, InvalidParameterError, format_message
from ..inputs._types import DictionaryChunk
from ..kernels.cpu import resample as resample_kernels
from ..ranking.build import score_state
from ..ranking.state import ScoreState
from ..topk.build import top_k_state
from ..topk.state import TopKState
from .batched import check_scalar, metric_value, present_state
from .clusters import cluster_codes, cluster_strata
from .jackknife import ap_jackknife, auc_jackknife
from .resampling import ClusterTable, CountTable, resample_blocks
from .rows import row_plan
from .specs import evaluate_tables, lookup, resolve

__all__ = ["ConfusionTables", "ScoreTable", "ScoreTableLoop", "CountStateLoop", "RowResamples",
           "state_of_counts",
           "build_statistic", "call_defined", "metric_name", "refuse_non_scalar",
           "first_argument", "second_argument", "MetricRows", "metric_rows"]

#: Above this many distinct scores a generic function of a ScoreState gets no BCa
#: (its jackknife costs one evaluation per distinct score and class).
LOOP_JACKKNIFE_MAX = 2000


def metric_name(metric) -> str:
    return getattr(metric, "__name__", type(metric).__name__)


def call_defined(func, *args, **kwargs) -> float:
    """``func(...)`` as a float, NaN where undefined: the rule of
    :func:`fastmetrics.inference.batched.metric_value`, and an infinite value too
    (the adjusted balanced accuracy of a one-class resample is -inf)."""
    value = metric_value(func, *args, **kwargs)
    return value if math.isfinite(value) else math.nan


# ---------------------------------------------------------------------------
# count tables
# ---------------------------------------------------------------------------

class ConfusionTables:
    """Confusion metrics of one or more models from one resampled count table.

    Parameters
    ----------
    metric : callable
        A public confusion metric or a function of a ConfusionState.
    params : dict
        Keyword arguments of ``metric.from_state``.
    classes : ndarray (K,)
        Labels of the K x K tables.
    strata_counts : ndarray of int64 (S, C)
        Rows per stratum and cell.
    targets : list of ndarray of int64 (C,)
        For each model, the flat index ``true * K + predicted`` of each cell.
    stratified : bool
        Whether the strata include the true class (for the route's name).
    """

    has_jackknife = True

    def __init__(self, metric, params, classes, strata_counts, targets, *, stratified=False,
                 name=None, table=None):
        self.metric, self.params, self.classes = metric, params, np.asarray(classes)
        self.k = self.classes.shape[0]
        self.table = CountTable(strata_counts) if table is None else table
        self.targets = [np.asarray(t, dtype=np.int64) for t in targets]
        self.route = "stratified multinomial" if stratified else "multinomial"
        if isinstance(self.table, ClusterTable):
            self.route = "cluster multinomial"
            self.n_clusters = self.table.n_clusters
        self.name = name or metric_name(metric)
        self._plans = [self._plan(t) for t in self.targets]
        self.estimates = [self._estimate(m) for m in range(len(self.targets))]
        self.estimate = self.estimates[0]

    def _plan(self, target):
        """How to sum cells into flat K x K tables: identity, or a sorted reduceat."""
        if target.shape[0] == self.k * self.k and np.array_equal(
                target, np.arange(self.k * self.k)):
            return None
        order = np.argsort(target, kind="stable")
        uniq, starts = np.unique(target[order], return_index=True)
        return order, starts, uniq

    def _tables(self, cells: np.ndarray, m: int) -> np.ndarray:
        """(B, K, K) tables of model ``m`` from (B, C) cell counts."""
        plan = self._plans[m]
        if plan is None:
            return cells.reshape(-1, self.k, self.k)
        order, starts, uniq = plan
        out = np.zeros((cells.shape[0], self.k * self.k), dtype=np.int64)
        if uniq.size:
            out[:, uniq] = np.add.reduceat(cells[:, order], starts, axis=1)
        return out.reshape(-1, self.k, self.k)

    def _estimate(self, m: int) -> float:
        table = self._tables(self.table.total[None], m)[0]
        finalize = getattr(self.metric, "from_state", self.metric)
        # the metric's own warnings reach the user
        value = finalize(present_state(table, self.classes), **self.params)
        check_scalar(value, self.metric)
        return float(value)

    def _values(self, cells: np.ndarray) -> np.ndarray:
        """(M, B) metric values of (B, C) cell counts, NaN where undefined."""
        out = np.empty((len(self.targets), cells.shape[0]))
        for m in range(len(self.targets)):
            values, undefined = evaluate_tables(self.metric, self.params,
                                                self._tables(cells, m), self.classes)
            # -inf (adjusted balanced accuracy of a one-class resample) is undefined too
            out[m] = np.where(undefined | ~np.isfinite(values), np.nan, values)
        return out

    def resampled_all(self, n_resamples: int, seed: int) -> np.ndarray:
        out = np.empty((len(self.targets), n_resamples))
        for first, cells in resample_blocks(self.table, n_resamples, seed):
            out[:, first:first + cells.shape[0]] = self._values(cells)
        return out

    def resampled(self, n_resamples: int, seed: int) -> np.ndarray:
        return self.resampled_all(n_resamples, seed)[0]

    def jackknife_all(self):
        """Leave-one-out values (one row per nonzero cell, or one cluster):
        ((M, m) values, (m,) counts)."""
        tables, counts = self.table.leave_one_out()
        values = np.empty((len(self.targets), counts.size))
        step = max(1, (1 << 22) // max(1, tables.shape[1]))
        for lo in range(0, counts.size, step):
            values[:, lo:lo + step] = self._values(tables[lo:lo + step])
        return values, counts

    def jackknife(self):
        values, counts = self.jackknife_all()
        keep = ~np.isnan(values[0])
        return values[0][keep], counts[keep]


def _confusion_strata(counts: np.ndarray, stratify: bool) -> np.ndarray:
    """(S, K*K) strata counts of a (G, K, K) grouped table (groups = strata)."""
    g, k, _ = counts.shape
    if not stratify:
        return counts.reshape(g, k * k)
    out = np.zeros((g, k, k, k), dtype=np.int64)  # (group, class, true, predicted)
    idx = np.arange(k)
    out[:, idx, idx, :] = counts
    return out.reshape(g * k, k * k)


# ---------------------------------------------------------------------------
# distinct-score tables
# ---------------------------------------------------------------------------

def _binary_columns(state: ScoreState, kind: str, params: dict):
    """(positives, negatives) count rows of the table, or None if the kernel can't serve.

    ``kind`` is the metric's name, ``"roc_auc_score"`` or ``"average_precision_score"``.
    """
    if state.weighted or state.classes.size != 2:
        return None
    counts = state.class_counts
    if kind == "roc_auc_score":
        if params.get("max_fpr") not in (None, 1) or params.get("labels") is not None:
            return None
        return counts[1], counts[0]  # the greater label is positive (sklearn)
    pos_label = params.get("pos_label", 1)
    listed = state.classes.tolist()
    if pos_label not in listed:
        return None  # the finalizer raises its own error for the estimate
    i = listed.index(pos_label)
    return counts[i], counts[1 - i]


#: The last resampled areas: (key, arrays, result). The kernel gives the ROC AUC and the
#: AP sums in one pass, so bootstrapping both metrics of one state (as a report does)
#: costs one pass. The key holds the arrays' memory addresses, and the arrays are kept
#: alive beside it so that no other array can take those addresses.
_LAST_AREAS: list = []


def _table_areas(pos, neg, seed, n_resamples):
    # the checksums guard against arrays changed in place (O(U), far below a resample run)
    key = (pos.ctypes.data, neg.ctypes.data, pos.shape, zlib.crc32(pos), zlib.crc32(neg), seed,
           n_resamples)
    if _LAST_AREAS and _LAST_AREAS[0][0] == key:
        return _LAST_AREAS[0][2]
    result = resample_kernels.table_resample_areas(pos, neg, np.uint64(seed), 0, n_resamples)
    _LAST_AREAS[:] = [(key, (pos, neg), result)]
    return result


class ScoreTable:
    """Binary ROC AUC or average precision of a Poisson-resampled ScoreState.

    ``kind`` is the metric's name, ``"roc_auc_score"`` or ``"average_precision_score"``.
    """

    has_jackknife = True
    route = "poisson table"

    def __init__(self, kind: str, pos: np.ndarray, neg: np.ndarray, estimate: float, name):
        self.kind, self.name, self.estimate = kind, name, float(estimate)
        self.pos = np.ascontiguousarray(pos, dtype=np.int64)
        self.neg = np.ascontiguousarray(neg, dtype=np.int64)

    def resampled(self, n_resamples: int, seed: int) -> np.ndarray:
        twice_area, n_pos, n_neg, ap_sum = _table_areas(self.pos, self.neg, seed, n_resamples)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.kind == "roc_auc_score":
                values = twice_area / (2.0 * n_pos.astype(np.float64) * n_neg)
                values[(n_pos == 0) | (n_neg == 0)] = np.nan
            else:
                values = np.maximum(0.0, ap_sum / n_pos)
                values[n_pos == 0] = np.nan
        return values

    def jackknife(self):
        return (auc_jackknife if self.kind == "roc_auc_score" else ap_jackknife)(self.pos,
                                                                                  self.neg)


def state_of_counts(state: ScoreState, counts: np.ndarray) -> ScoreState:
    """The unweighted ScoreState of ``state``'s scores with resampled ``counts`` (K, U):
    scores and classes left without rows are dropped, as a state of those rows has none."""
    keep = counts.sum(axis=0) > 0
    classes_kept = counts.sum(axis=1) > 0
    return ScoreState(state.thresholds[keep],
                      np.ascontiguousarray(counts[np.ix_(classes_kept, keep)]), None,
                      state.classes[classes_kept])


class ScoreTableLoop:
    """Any function of a binary ScoreState, one Poisson-resampled state at a time."""

    route = "poisson table"

    def __init__(self, func, params, state: ScoreState, name):
        if state.weighted:
            raise InvalidParameterError(format_message(
                "state", "is weighted; a weighted table cannot be resampled without its rows",
                fix="Pass the rows (y_true, y_score, sample_weight) instead"))
        self.func, self.params, self.state, self.name = func, params, state, name
        finalize = getattr(func, "from_state", func)
        self._finalize = finalize
        value = finalize(state, **params)
        check_scalar(value, func)
        self.estimate = float(value)
        self.has_jackknife = state.thresholds.size <= LOOP_JACKKNIFE_MAX

    def _value(self, counts: np.ndarray) -> float:
        return call_defined(self._finalize, state_of_counts(self.state, counts), **self.params)

    def resampled(self, n_resamples: int, seed: int) -> np.ndarray:
        counts = self.state.class_counts
        out = np.empty(n_resamples)
        for r in range(n_resamples):
            out[r] = self._value(resample_kernels.table_resample_counts(counts, np.uint64(seed),
                                                                        r))
        return out

    def jackknife(self):
        counts = self.state.class_counts
        values, weights = [], []
        for c, u in zip(*np.nonzero(counts)):
            loo = counts.copy()
            loo[c, u] -= 1
            values.append(self._value(loo))
            weights.append(counts[c, u])
        values, weights = np.array(values), np.array(weights)
        keep = ~np.isnan(values)
        return values[keep], weights[keep]


class CountStateLoop:
    """Any function of a state whose count array partitions the rows, one state at a time.

    A binned one-column :class:`~fastmetrics.BinnedScoreState` (each row in
    one (class, bin) cell) and a 2-D :class:`~fastmetrics.TopKState` (each row
    in one rank cell) depend on the rows only through these counts, so
    redrawing the counts from a multinomial is the row bootstrap exactly, as
    for a confusion matrix. The metric is evaluated per resampled state (tens
    of microseconds each); BCa's jackknife is one evaluation per nonzero cell.
    """

    route = "multinomial"
    has_jackknife = True

    def __init__(self, func, params, state, name):
        self.func, self.params, self.state, self.name = func, params, state, name
        self._finalize = getattr(func, "from_state", func)
        value = self._finalize(state, **params)
        check_scalar(value, func)
        self.estimate = float(value)
        self.shape = state.counts.shape
        self.table = CountTable(state.counts.reshape(1, -1))

    def _value(self, counts: np.ndarray) -> float:
        return call_defined(self._finalize, replace(self.state, counts=counts.reshape(self.shape)),
                            **self.params)

    def resampled(self, n_resamples: int, seed: int) -> np.ndarray:
        out = np.empty(n_resamples)
        for first, cells in resample_blocks(self.table, n_resamples, seed):
            for i, row in enumerate(cells):
                out[first + i] = self._value(row)
        return out

    def jackknife(self):
        total = self.table.total
        cells = np.flatnonzero(total)
        values = np.empty(cells.size)
        for i, c in enumerate(cells):
            loo = total.copy()
            loo[c] -= 1
            values[i] = self._value(loo)
        keep = ~np.isnan(values)
        return values[keep], total[cells][keep]


def _partitioning_counts(state) -> bool:
    """Whether every row of ``state`` is counted in exactly one cell of ``state.counts``."""
    if isinstance(state, BinnedScoreState):
        return state.n_columns == 1 and not state.multilabel and not state.weighted
    if isinstance(state, TopKState):
        return not state.one_d and not state.pending and not state.weighted
    return False


# ---------------------------------------------------------------------------
# rows
# ---------------------------------------------------------------------------

def _numpy_column(values):
    if isinstance(values, DictionaryChunk):
        return np.asarray(values.dictionary)[np.asarray(values.indices, dtype=np.int64)]
    return np.asarray(values)


def materialize(roles: dict, data, drop_nulls, two_d=frozenset()) -> dict:
    """The given roles as whole numpy arrays (for resampling rows)."""
    given = {r: v for r, v in roles.items() if v is not None}
    parts = {r: [] for r in given}
    for batch in _inputs.iter_batches(given, data=data, drop_nulls=drop_nulls, two_d=two_d):
        for r in given:
            parts[r].append(_numpy_column(batch.columns[r]))
    out = {}
    for r, chunks in parts.items():
        if not chunks:
            out[r] = np.empty(0)
        else:
            out[r] = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    return out


class RowResamples:
    """Metrics on rows drawn with Poisson(1) weights (O(n) per resample).

    Parameters
    ----------
    calls : list of (metric, kwargs)
        Each metric is called as ``metric(**kwargs)``; the kwargs' arrays of
        ``n`` rows are the rows resampled (an array shared by several calls
        is gathered once per resample), other values are passed as they are.
        All calls see the same resampled rows: their values pair up (one
        model against another, one metric against another).
    name : str
        How messages call the statistic.
    keys : ndarray of int64, optional
        Each row's cluster code: a resample draws each cluster's weight once
        (``row_weights`` of the cluster's code) and every row of the cluster
        takes it.
    """

    route = "poisson rows"
    has_jackknife = False

    def __init__(self, calls, name, keys=None):
        self.calls, self.name, self.keys = calls, name, keys
        self.n = next(len(v) for v in calls[0][1].values() if isinstance(v, np.ndarray))
        self.estimates = []
        for metric, kwargs in calls:
            value = metric(**kwargs)
            check_scalar(value, metric)
            self.estimates.append(float(value))
        self.estimate = self.estimates[0]

    def resampled_all(self, n_resamples: int, seed: int) -> np.ndarray:
        out = np.empty((len(self.calls), n_resamples))
        rows = np.arange(self.n)
        for r in range(n_resamples):
            if self.keys is None:
                weights = resample_kernels.row_weights(np.uint64(seed), 0, self.n, r)
            else:
                weights = resample_kernels.row_weights(np.uint64(seed), 0,
                                                       int(self.keys.max()) + 1, r)[self.keys]
            idx = np.repeat(rows, weights)
            gathered = {}
            for m, (metric, kwargs) in enumerate(self.calls):
                picked = {}
                for k, v in kwargs.items():
                    if isinstance(v, np.ndarray) and v.shape[:1] == (self.n,):
                        if id(v) not in gathered:
                            gathered[id(v)] = v[idx]
                        v = gathered[id(v)]
                    picked[k] = v
                out[m, r] = call_defined(metric, **picked)
        return out

    def resampled(self, n_resamples: int, seed: int) -> np.ndarray:
        return self.resampled_all(n_resamples, seed)[0]

    def jackknife(self):  # pragma: no cover - has_jackknife is False
        raise NotImplementedError


def encode_labels(truth: np.ndarray, params: dict):
    """String labels as sorted integer codes, with ``labels=`` and ``pos_label=`` mapped.

    Gathering and re-encoding object arrays of strings on every resample costs
    more than most metrics; codes in sorted label order keep every semantics
    that depends on labels only through equality and order (sklearn sorts
    labels), so the metric's value does not change. Numeric labels and
    parameters naming labels absent from the universe are left alone.
    """
    if not is_text(truth):
        return truth, params
    universe = np.unique(truth.astype(str))
    extra = []
    for key in ("labels", "pos_label"):
        if params.get(key) is not None:
            extra.extend(np.atleast_1d(np.asarray(params[key], dtype=object)).tolist())
    if any(not isinstance(v, str) for v in extra):
        return truth, params
    universe = np.unique(np.concatenate([universe, np.asarray(extra, dtype=str)]))
    codes = np.searchsorted(universe, truth.astype(str)).astype(np.int64)
    mapped = dict(params)
    for key in ("labels", "pos_label"):
        if params.get(key) is not None:
            value = np.searchsorted(universe, np.asarray(params[key], dtype=str))
            mapped[key] = value.tolist() if np.ndim(value) else int(value)
    return codes, mapped


# ---------------------------------------------------------------------------
# choosing the route
# ---------------------------------------------------------------------------

def _two_d(y, data) -> bool:
    return (data is not None and isinstance(y, (list, tuple))) or (
        data is None and is_multilabel_input(y))


def _refuse_strata(strata, stratify, route):
    if strata is not None or stratify:
        raise InvalidParameterError(format_message(
            "strata" if strata is not None else "stratify",
            f"is supported for confusion-matrix metrics of unweighted rows only, not for "
            f"{route} resampling",
            fix="Drop strata=/stratify=, or bootstrap a confusion metric"))


def row_statistic(metrics, y_true, preds, *, sample_weight, threshold, positive_class, data,
                  drop_nulls, params, name, fused=True, cluster=None):
    """The row statistic of one metric over one or more models' prediction columns.

    The fused plan of :mod:`fastmetrics.inference.rows` where one covers the
    metric and ``fused`` (the permutation test swaps the rows' columns, which
    the plans cannot), else a :class:`RowResamples`.
    """
    rows = metric_rows(metrics, y_true, preds, sample_weight=sample_weight,
                       threshold=threshold, positive_class=positive_class, data=data,
                       drop_nulls=drop_nulls, params=params, cluster=cluster)
    if fused and threshold is None and all(m is metrics[0] for m in metrics):
        plan = row_plan(metrics[0], rows.truth, rows.preds, rows.weights, rows.params, name,
                        rows.keys)
        if plan is not None:
            _mark_clusters(plan, rows.keys, rows.n_clusters)
            return plan
    statistic = RowResamples(rows.calls, name, rows.keys)
    _mark_clusters(statistic, rows.keys, rows.n_clusters)
    return statistic


@dataclass(frozen=True)
class MetricRows:
    """The rows of a row statistic as numpy arrays, and each metric's call on them.

    ``truth`` has ``positive_class`` applied and text labels encoded
    (:func:`encode_labels`, with ``params`` mapped alike); ``keys`` and
    ``n_clusters`` are each row's cluster code and their number (None
    without ``cluster=``); ``calls`` are ``(metric, kwargs)`` as
    :class:`RowResamples` takes them.
    """

    truth: np.ndarray
    preds: list
    weights: np.ndarray | None
    params: dict
    keys: np.ndarray | None
    n_clusters: int | None
    calls: list


def metric_rows(metrics, y_true, preds, *, sample_weight, threshold, positive_class, data,
                drop_nulls, params, cluster) -> MetricRows:
    """The :class:`MetricRows` of metrics (one per prediction column) on the same rows."""
    roles = {"y_true": y_true, "sample_weight": sample_weight, "cluster": cluster}
    roles.update({f"y_pred_{i}": p for i, p in enumerate(preds)})
    # every role but the weights may be 2-D (scores, indicator targets; 1-D is accepted too)
    arrays = materialize(roles, data, drop_nulls,
                         frozenset(roles) - {"sample_weight", "cluster"})
    keys = n_clusters = None
    if cluster is not None:
        keys, n_clusters = cluster_codes(arrays["cluster"])
    truth = arrays["y_true"]
    if positive_class is not None:
        truth = truth == positive_class
    score_inputs = all(arrays[f"y_pred_{i}"].dtype.kind == "f" for i in range(len(preds)))
    if score_inputs and threshold is None:
        truth, params = encode_labels(truth, params)
    columns = [arrays[f"y_pred_{i}"] for i in range(len(preds))]
    weights = arrays.get("sample_weight")
    calls = []
    for metric, column in zip(metrics, columns):
        kw = {first_argument(metric): truth, "sample_weight": weights,
              second_argument(metric): column, "threshold": threshold}
        calls.append((metric, {**{k: v for k, v in kw.items() if v is not None}, **params}))
    return MetricRows(truth, columns, weights, params, keys, n_clusters, calls)


def _mark_clusters(statistic, keys, n_clusters):
    statistic.n_clusters = n_clusters if keys is not None else None
    if keys is not None:
        statistic.route = "poisson clusters"


def first_argument(metric) -> str:
    """The name of the metric's truth argument (``y_true``; ``y1`` for cohen_kappa_score)."""
    import inspect
    return list(inspect.signature(metric).parameters)[0]


def second_argument(metric) -> str:
    """The name of the metric's prediction argument (``y_pred``, ``y_score``, ``y_prob``...)."""
    import inspect
    return list(inspect.signature(metric).parameters)[1]


def refuse_non_scalar(spec) -> None:
    """A metric returning more than one number (its spec has no route) cannot be resampled."""
    if spec.resampling is None:
        raise InvalidParameterError(format_message(
            "metric", f"{spec.name} returns more than one number (a matrix, curve, interval "
                      "or report), but the bootstrap needs a scalar metric",
            fix="Bootstrap a scalar metric (e.g. fm.f1_score, fm.roc_auc_score), or pass "
                "state= and a function f(state) -> float of your own"))


def grouped_tables(metric, params, y_true, preds, *, cluster, strata, stratify, threshold,
                   data, drop_nulls, name):
    """Count tables per cluster or per stratum, for one model (K x K cells) or two (the
    joint (true, A, B) cells).

    With ``cluster=`` whole clusters are resampled
    (:class:`~fastmetrics.inference.resampling.ClusterTable`, within strata
    when given); with ``strata=`` only, each stratum's cells are redrawn by
    their own multinomial (:class:`~fastmetrics.inference.resampling.CountTable`).
    """
    if stratify and cluster is not None:
        raise InvalidParameterError(format_message(
            "stratify", "cannot be combined with cluster=: a cluster holds rows of several "
                        "classes, so clusters cannot keep the class sizes",
            fix="Drop stratify=, or pass strata= (groups of whole clusters)"))
    roles = {"y_true": y_true, "cluster": cluster, "strata": strata}
    roles.update({f"y_pred_{i}": p for i, p in enumerate(preds)})
    arrays = materialize(roles, data, drop_nulls)
    if cluster is not None:
        keys, n_groups = cluster_codes(arrays["cluster"])
    else:
        keys, n_groups = cluster_codes(arrays["strata"])
    pos_label = params.get("pos_label", 1)
    states = [confusion_state(arrays["y_true"], arrays[f"y_pred_{i}"], groups=keys,
                              threshold=threshold, pos_label=pos_label)
              for i in range(len(preds))]
    if len(states) == 1:
        k = states[0].n_classes
        classes, cells = states[0].classes, np.arange(k * k)
        counts = states[0].counts.reshape(n_groups, k * k)
        targets = [cells]
    else:
        classes = union_labels(states[0].classes, states[1].classes, "y_pred_b")
        k = classes.size
        t, a, b = (label_index(np.asarray(arrays[r]), classes)
                   for r in ("y_true", "y_pred_0", "y_pred_1"))
        cells, joint = np.unique((t * k + a) * k + b, return_inverse=True)
        counts = np.bincount(keys * cells.size + joint.reshape(-1),
                             minlength=n_groups * cells.size).reshape(n_groups, cells.size)
        targets = [cells // (k * k) * k + cells // k % k, cells // (k * k) * k + cells % k]
    if cluster is None:  # strata: one multinomial per stratum (and per class with stratify)
        true_class = cells // (k * k) if len(states) > 1 else cells // k
        if stratify:
            counts = np.concatenate([np.where(true_class == c, counts, 0) for c in range(k)])
        return ConfusionTables(metric, params, classes, counts[counts.any(axis=1)], targets,
                               stratified=True, name=name)
    of_cluster = None if strata is None else cluster_strata(keys, n_groups, arrays["strata"])
    return ConfusionTables(metric, params, classes, None, targets, name=name,
                           table=ClusterTable(counts, of_cluster))


def build_statistic(metric, y_true, y_pred, *, state, sample_weight, threshold,
                    positive_class, strata, stratify, data, drop_nulls, metric_params,
                    cluster=None):
    """The statistic of one model (see the module docstring).

    ``metric`` is resolved by :func:`fastmetrics.inference.specs.resolve` (a
    partial's keywords join ``metric_params``, which win); with ``state=`` it
    may also be a user's function of the state. With ``cluster=`` whole
    clusters are resampled (:mod:`fastmetrics.inference.clusters`).
    """
    if state is not None:
        extra = [k for k, v in (("y_true", y_true), ("y_pred", y_pred),
                                ("sample_weight", sample_weight), ("data", data),
                                ("threshold", threshold), ("strata", strata),
                                ("cluster", cluster)) if v is not None]
        ours = lookup(metric)[0] is not None
        if extra:
            raise InvalidParameterError(format_message(
                extra[0], "cannot be combined with state= (the state already holds the rows)",
                fix="Pass either the rows or a state"))
        if not ours:  # a user's function of a state
            return _state_statistic(metric, None, state, stratify, metric_params,
                                    metric_name(metric))
        spec, metric_params = resolve(metric, metric_params)
        refuse_non_scalar(spec)
        return _state_statistic(spec.metric, spec, state, stratify, metric_params, spec.name)
    spec, metric_params = resolve(metric, metric_params)
    refuse_non_scalar(spec)
    metric, name, route = spec.metric, spec.name, spec.resampling
    if cluster is not None:
        multilabel = _two_d(y_true, data) or _two_d(y_pred, data)
        if route == "count_table" and sample_weight is None and not multilabel:
            return grouped_tables(metric, metric_params, y_true, [y_pred], cluster=cluster,
                                  strata=strata, stratify=stratify, threshold=threshold,
                                  data=data, drop_nulls=drop_nulls, name=name)
        _refuse_strata(strata, stratify, "clustered row")
        return row_statistic([metric], y_true, [y_pred], sample_weight=sample_weight,
                             threshold=threshold, positive_class=positive_class, data=data,
                             drop_nulls=drop_nulls, params=metric_params, name=name,
                             cluster=cluster)
    if route == "count_table":
        multilabel = _two_d(y_true, data) or _two_d(y_pred, data)
        if sample_weight is None and not multilabel:
            pos_label = metric_params.get("pos_label", 1)
            built = confusion_state(y_true, y_pred, groups=strata, threshold=threshold,
                                    pos_label=pos_label, data=data, drop_nulls=drop_nulls)
            return _state_statistic(metric, spec, built, stratify, metric_params, name)
    elif route == "score_table":
        _refuse_strata(strata, stratify, "distinct-score table")
        binned = metric_params.get("thresholds")
        if (binned is not None and sample_weight is None and threshold is None
                and not _two_d(y_pred, data) and not _two_d(y_true, data)):
            built = binned_score_state(y_true, y_pred, thresholds=binned, data=data,
                                       drop_nulls=drop_nulls)
            if _partitioning_counts(built):
                params = {k: v for k, v in metric_params.items() if k != "thresholds"}
                return CountStateLoop(metric, params, built, name)
        simple = (sample_weight is None and not _two_d(y_pred, data) and threshold is None
                  and binned is None
                  and metric_params.get("multi_class", "raise") == "raise"
                  and metric_params.get("labels") is None)
        if simple:
            try:
                built = score_state(y_true, y_pred, positive_class=positive_class, data=data,
                                    drop_nulls=drop_nulls)
            except InputTypeError:
                built = None  # 2-D scores named by a column of data=: resample rows
            if built is not None:
                return _state_statistic(metric, spec, built, False, metric_params, name)
    elif route == "rank_counts" and sample_weight is None and threshold is None:
        built = top_k_state(y_true, y_pred, labels=metric_params.get("labels"), data=data,
                            drop_nulls=drop_nulls)
        if _partitioning_counts(built):
            _refuse_strata(strata, stratify, "rank-count")
            params = {k: v for k, v in metric_params.items() if k != "labels"}
            return CountStateLoop(metric, params, built, name)
    _refuse_strata(strata, stratify, "row")
    return row_statistic([metric], y_true, [y_pred], sample_weight=sample_weight,
                         threshold=threshold, positive_class=positive_class, data=data,
                         drop_nulls=drop_nulls, params=metric_params, name=name)


def _state_statistic(metric, spec, state, stratify, params, name):
    """The statistic of a state; ``spec`` is None for a user's function of the state."""
    if isinstance(state, ConfusionState):
        if state.weighted:
            raise InvalidParameterError(format_message(
                "state", "is weighted; a weighted table cannot be resampled without its rows",
                fix="Pass the rows with sample_weight= instead (rows are then resampled)"))
        k = state.n_classes
        strata = _confusion_strata(state.counts, bool(stratify))
        return ConfusionTables(metric, params, state.classes, strata, [np.arange(k * k)],
                               stratified=bool(stratify), name=name)
    if isinstance(state, ScoreState):
        if stratify:
            _refuse_strata(None, stratify, "distinct-score table")
        scored = spec is not None and spec.resampling == "score_table"
        columns = _binary_columns(state, spec.name, params) if scored else None
        if columns is not None:
            estimate = spec.from_state(state, **params)
            return ScoreTable(spec.name, *columns, estimate, name)
        return ScoreTableLoop(metric, params, state, name)
    if _partitioning_counts(state):
        if stratify:
            _refuse_strata(None, stratify, "count-state")
        return CountStateLoop(metric, params, state, name)
    raise InputTypeError(format_message(
        "state", f"must be an unweighted ConfusionState, ScoreState, one-column "
                 f"BinnedScoreState or 2-D TopKState, got {type(state).__name__}",
        fix="Build it with fastmetrics.confusion_state or fastmetrics.score_state, or pass "
            "the rows (they are then resampled one by one)"))

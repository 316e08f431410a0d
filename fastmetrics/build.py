"""Build states from the caller's inputs: validate -> coerce -> count -> merge.

:func:`confusion_state` and :func:`multilabel_state` are the one place where
inputs become states. Every public metric calls one of them and then its
finalizer (``metric.from_state``); streaming, distributed and bootstrap code
call them (or merge their results) directly.
"""

from __future__ import annotations

import dataclasses
import itertools
import warnings
from dataclasses import dataclass

import numpy as np

from . import _backend
from . import gpu as _gpu
from . import inputs as _inputs
from ._encode import (Column, count_multilabel, count_pair, count_scores, count_thresholded,
                      score_areas)
from .exceptions import (EmptyInputError, InputTypeError, InvalidParameterError, LabelError,
                         NullsDroppedWarning, format_message)
from .states import ConfusionState, MultilabelState, ScoreState, label_index, union_labels

__all__ = ["confusion_state", "multilabel_state", "score_state", "is_multilabel_input",
           "state_for"]


def _columns(batch, names, role):
    values = batch.columns.get(role)
    return None if values is None else Column(names[role], values, batch)


def _batches(roles: dict, data, drop_nulls, two_d=frozenset()):
    """Aligned batches plus the display name of each role, warning about drops."""
    if not isinstance(drop_nulls, (bool, np.bool_)):
        raise InvalidParameterError(format_message(
            "drop_nulls", f"must be True or False, got {drop_nulls!r}"))
    for role in list(roles)[:2]:  # y_true and y_pred / y_score are required
        if roles[role] is None:
            what = "label" if role in ("y_true", "y_pred") else "value"
            raise InputTypeError(format_message(
                role, "is None", fix=f"Pass one {what} per sample (or, with data=, a "
                                     "column name)"))
    given = {r: v for r, v in roles.items() if v is not None}
    # With data=, a role is named by its column, or by its list of columns (2-D roles).
    names = {r: _inputs.describe_role(r, data is not None,
                                      v if isinstance(v, (str, list, tuple)) and data is not None
                                      else None)
             for r, v in given.items()}
    return given, names, _inputs.iter_batches(given, data=data, drop_nulls=drop_nulls,
                                              two_d=two_d)


def _warn_dropped(n_dropped: int, stacklevel: int = 4) -> None:
    if n_dropped:
        warnings.warn(f"drop_nulls=True: dropped {n_dropped} row(s) holding nulls.",
                      NullsDroppedWarning, stacklevel=stacklevel)


def merge_batches(batches, count, *, empty=None, skip_empty=False):
    """Count each batch into a state with ``count(batch)`` and merge the states in order.

    The one loop of every state builder: it also adds up the rows dropped for
    nulls (one warning for all of them, recorded as the state's
    ``n_dropped``). Without any batch the state is ``empty()``, or
    :class:`~fastmetrics.exceptions.EmptyInputError` when ``empty`` is None.
    ``skip_empty`` leaves batches of no rows uncounted.
    """
    state = None
    n_dropped = 0
    for batch in batches:
        n_dropped += batch.n_dropped
        if skip_empty and batch.length == 0:
            continue
        part = count(batch)
        state = part if state is None else state.merge(part)
    _warn_dropped(n_dropped, stacklevel=5)
    if state is None:
        if empty is None:
            raise EmptyInputError(format_message("y_true", "is empty",
                                                 fix="Pass at least one row"))
        state = empty()
    return dataclasses.replace(state, n_dropped=n_dropped) if n_dropped else state


def is_multilabel_input(y) -> bool:
    """Whether ``y`` is a 2-D indicator input with more than one column."""
    if y is None or isinstance(y, str):
        return False
    shape = getattr(y, "shape", None)
    if shape is not None and len(shape) == 2 and not hasattr(y, "num_columns"):
        # numpy, scipy.sparse, pandas/polars DataFrame
        return shape[1] > 1
    typ = getattr(y, "type", None)
    if typ is not None and str(typ).startswith("fixed_size_list"):
        return True
    num_columns = getattr(y, "num_columns", None)
    if num_columns is not None:  # pyarrow Table / RecordBatch
        return num_columns > 1
    if isinstance(y, (list, tuple)) and y and isinstance(y[0], (list, tuple, np.ndarray)):
        try:
            return np.ndim(y) == 2 and np.shape(y)[1] > 1
        except ValueError:  # ragged: the input layer reports it
            return False
    return False


def confusion_state(y_true, y_pred, *, sample_weight=None, groups=None, threshold=None,
                    pos_label=1, labels=None, data=None, drop_nulls=False) -> ConfusionState:
    """Count a binary or multiclass target into a mergeable :class:`ConfusionState`.

    Parameters
    ----------
    y_true, y_pred : array-like or column name
        True and predicted labels: numpy arrays or array-likes, pyarrow arrays,
        chunked arrays or record-batch readers, pandas or polars series, or
        column names of ``data``. With ``threshold`` given, ``y_pred`` holds
        scores of the positive class instead.
    sample_weight : array-like or column name, optional
        Non-negative finite weight per row.
    groups : array-like or column name, optional
        A group per row (e.g. language, region); the state then keeps one
        confusion matrix per group (see :meth:`ConfusionState.by_group`).
    threshold : float, optional
        Predict ``pos_label`` where ``y_pred >= threshold``, else the negative
        class, without building an intermediate array. The comparison is made in
        the precision of the scores, as NumPy does for a Python float.
    pos_label : int, float, bool or str, default=1
        The positive class for ``threshold``.
    labels : array-like, optional
        Used with ``threshold`` only: the two classes ``[negative, positive]``
        when ``y_true`` alone does not tell the negative class.
    data : table, DataFrame or path, optional
        Source of the columns named by the other arguments (see
        :func:`fastmetrics.confusion_matrix`).
    drop_nulls : bool, default=False
        Drop rows holding a null in any column (and warn how many) instead of
        raising :class:`~fastmetrics.exceptions.NullValueError`.

    Returns
    -------
    ConfusionState

    Examples
    --------
    >>> import fastmetrics as fm
    >>> state = fm.confusion_state(["cat", "dog", "dog"], ["cat", "cat", "dog"])
    >>> state.classes.tolist(), state.counts[0].tolist()
    (['cat', 'dog'], [[1, 0], [1, 1]])
    >>> fm.confusion_state([0, 1, 1], [0.2, 0.7, 0.4], threshold=0.5).counts[0].tolist()
    [[1, 0], [1, 1]]
    """
    if data is None and _backend.backend_of(y_true=y_true, y_pred=y_pred) == _backend.CUDA:
        # labels on a GPU are counted there; only the K x K counts come back
        _backend.refuse_options("confusion_state", sample_weight=sample_weight,
                                groups=groups, threshold=threshold)
        return ConfusionState(*_gpu.device_confusion_counts(y_true, y_pred))
    roles = {"y_true": y_true, "y_pred": y_pred, "sample_weight": sample_weight,
             "groups": groups}
    for role in ("y_true", "y_pred"):
        if is_multilabel_input(roles[role]) and data is None:
            raise InputTypeError(format_message(
                role, "is a 2-D indicator array (multilabel target)",
                fix="Use multilabel_state / multilabel_confusion_matrix, or pass 1-D labels"))
    given, names, batches = _batches(roles, data, drop_nulls)
    if threshold is not None:
        return _thresholded_state(batches, names, threshold, pos_label, labels)
    return merge_batches(
        batches,
        lambda batch: count_pair(*(_columns(batch, names, role)
                                   for role in ("y_true", "y_pred", "sample_weight", "groups"))),
        empty=lambda: ConfusionState.empty(weighted=sample_weight is not None,
                                           group_names=None if groups is None else []))


def _thresholded_state(batches, names, threshold, pos_label, labels) -> ConfusionState:
    """Accumulate (true class, score >= threshold) counts, then name the predictions."""
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        raise InvalidParameterError(format_message(
            "threshold", f"must be a real number, got {threshold!r}",
            fix="Pass a number such as threshold=0.5")) from None
    if threshold != threshold:
        raise InvalidParameterError(format_message(
            "threshold", "is NaN", fix="Pass a number such as threshold=0.5"))
    acc = None
    n_dropped = 0
    for batch in batches:
        n_dropped += batch.n_dropped
        part = _ThresholdCounts(*count_thresholded(
            _columns(batch, names, "y_true"), _columns(batch, names, "y_pred"), threshold,
            _columns(batch, names, "sample_weight"), _columns(batch, names, "groups")))
        acc = part if acc is None else acc.merge(part)
    _warn_dropped(n_dropped)
    if acc is None:
        return ConfusionState.empty()
    return acc.name_predictions(names, pos_label, labels, n_dropped)


def _spread(x: np.ndarray, axis: int, positions: np.ndarray, size: int) -> np.ndarray:
    """Place ``x`` at ``positions`` of a zero array that is ``size`` long on ``axis``."""
    shape = list(x.shape)
    shape[axis] = size
    out = np.zeros(shape, dtype=x.dtype)
    index = [slice(None)] * x.ndim
    index[axis] = positions
    out[tuple(index)] = x
    return out


class _ThresholdCounts:
    """(group, true class, below/at-or-above threshold) counts of some batches.

    The predicted *labels* are only named once every batch has been seen (the
    negative class may appear in a later batch), so chunking never changes the
    answer.
    """

    def __init__(self, classes, counts, sums, groups):
        self.classes, self.counts, self.sums, self.groups = classes, counts, sums, groups

    def merge(self, other: "_ThresholdCounts") -> "_ThresholdCounts":
        classes = union_labels(self.classes, other.classes, "labels")
        groups = None if self.groups is None else union_labels(self.groups, other.groups,
                                                               "groups")
        parts = []
        for s in (self, other):
            arrays = [s.counts] + ([] if s.sums is None else [s.sums])
            arrays = [_spread(a, 1, label_index(s.classes, classes), classes.size)
                      for a in arrays]
            if groups is not None:
                arrays = [_spread(a, 0, label_index(s.groups, groups), groups.size)
                          for a in arrays]
            parts.append(arrays)
        sums = None if self.sums is None else parts[0][1] + parts[1][1]
        return _ThresholdCounts(classes, parts[0][0] + parts[1][0], sums, groups)

    def name_predictions(self, names, pos_label, labels, n_dropped) -> ConfusionState:
        """The labelled state: below -> negative class, at or above -> ``pos_label``."""
        listed = self.classes.tolist()
        numeric_target = self.classes.dtype.kind not in "UO"
        if listed and numeric_target == isinstance(pos_label, str):
            raise LabelError(format_message(
                "pos_label", f"={pos_label!r} does not match the type of the labels in "
                             f"{names['y_true']} ({listed[:3]})", fix="Pass one of those"))
        negative = _negative_class(listed, names, pos_label, labels)
        present = set(listed)
        if self.counts[..., 0].any():
            present.add(negative)
        if self.counts[..., 1].any():
            present.add(pos_label)
        classes = np.unique(np.array(sorted(present), dtype=self.classes.dtype
                                     if listed else None))
        index = {v: i for i, v in enumerate(classes.tolist())}
        rows = np.array([index[v] for v in listed], dtype=np.int64)

        def lay_out(src):
            out = np.zeros((src.shape[0], classes.size, classes.size), dtype=src.dtype)
            for column, label in ((0, negative), (1, pos_label)):
                if label in index:  # absent only when its column holds no row
                    out[:, rows, index[label]] += src[:, :, column]
            return out

        return ConfusionState(classes, lay_out(self.counts),
                              None if self.sums is None else lay_out(self.sums),
                              self.groups, n_dropped)


def _negative_class(listed, names, pos_label, labels):
    """The class predicted below the threshold."""
    if labels is not None:
        labels = list(np.asarray(labels).tolist())
        if len(labels) != 2 or pos_label not in labels:
            raise LabelError(format_message(
                "labels", f"must list exactly two classes including pos_label={pos_label!r} "
                          f"when threshold= is given, got {labels}",
                fix="Pass labels=[negative, positive]"))
        stray = [c for c in listed if c not in labels]
        if stray:
            raise LabelError(format_message(
                names["y_true"], f"holds {stray[0]!r}, which is not in labels={labels}",
                fix="With threshold= the target must be binary"))
        return labels[0] if labels[1] == pos_label else labels[1]
    others = [c for c in listed if c != pos_label]
    if len(others) > 1 or (len(listed) == 2 and pos_label not in listed):
        raise LabelError(format_message(
            names["y_true"], f"has classes {listed}; threshold= needs a binary target "
                             f"whose positive class is pos_label={pos_label!r}",
            fix="Pass pos_label= (one of the classes) or binarize y_true"))
    if others:
        return others[0]
    if isinstance(pos_label, (bool, np.bool_)):
        return not pos_label
    if pos_label in (0, 1):  # 0/1 targets: the other class is implied
        return 1 - pos_label
    raise LabelError(format_message(
        names["y_true"], f"does not show the negative class (classes {listed})",
        fix="Pass labels=[negative, positive] with threshold="))


def multilabel_state(y_true, y_pred, *, sample_weight=None, data=None,
                     drop_nulls=False) -> MultilabelState:
    """Count a multilabel indicator target into a mergeable :class:`MultilabelState`.

    Parameters
    ----------
    y_true, y_pred : 2-D array-like of 0/1, shape (n_samples, n_labels)
        numpy arrays, lists of lists, scipy sparse matrices, pyarrow
        fixed-size-list arrays, or pandas/polars DataFrames of indicator columns.
    sample_weight : array-like, optional
    data, drop_nulls
        As for :func:`confusion_state`.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.multilabel_state([[1, 0], [1, 1]], [[1, 1], [0, 1]])
    >>> s.counts.tolist()
    [[[0, 0], [1, 1]], [[0, 1], [0, 1]]]
    """
    roles = {"y_true": y_true, "y_pred": y_pred, "sample_weight": sample_weight}
    given, names, batches = _batches(roles, data, drop_nulls,
                                     two_d=frozenset({"y_true", "y_pred"}))
    return merge_batches(batches, lambda batch: count_multilabel(
        *(_columns(batch, names, role) for role in ("y_true", "y_pred", "sample_weight"))))


def state_for(y_true, y_pred, *, sample_weight=None, threshold=None, pos_label=1,
              data=None, drop_nulls=False, multilabel_ok=True):
    """The state a metric needs: multilabel for 2-D inputs, else confusion."""
    if is_multilabel_input(y_true) or is_multilabel_input(y_pred):
        if not multilabel_ok:
            raise InputTypeError(format_message(
                "y_true", "is a multilabel indicator array, which this metric does not "
                          "support", fix="Pass 1-D labels"))
        if threshold is not None:
            raise InputTypeError(format_message(
                "threshold", "is not supported for multilabel targets",
                fix="Threshold the indicator scores yourself"))
        return multilabel_state(y_true, y_pred, sample_weight=sample_weight, data=data,
                                drop_nulls=drop_nulls)
    return confusion_state(y_true, y_pred, sample_weight=sample_weight, threshold=threshold,
                           pos_label=pos_label, data=data, drop_nulls=drop_nulls)


def score_state(y_true, y_score, *, sample_weight=None, positive_class=None, data=None,
                drop_nulls=False) -> ScoreState:
    """Sort a binary target's scores once into a mergeable :class:`ScoreState`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels, at most two classes (any label type).
    y_score : array-like of shape (n_samples,) or column name
        Scores, probabilities or decision values; higher means more positive.
    sample_weight : array-like of shape (n_samples,) or column name, optional
    positive_class : label, optional
        Score one class against the rest: ``y_true`` (any number of classes)
        is binarized as ``y_true == positive_class``, and the state's classes
        are ``[False, True]`` (finalize with ``pos_label=True``, the default
        of every metric for such a target).
    data, drop_nulls
        As for :func:`confusion_state`.

    Returns
    -------
    ScoreState

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.score_state([0, 1, 1, 0], [0.1, 0.8, 0.8, 0.3])
    >>> s.thresholds.tolist(), s.class_counts.tolist()
    ([0.8, 0.3, 0.1], [[0, 1, 1], [2, 0, 0]])
    """
    for role, value in (("y_true", y_true), ("y_score", y_score)):
        if _backend.is_device_array(value):
            _backend.refuse_device(role, "score_state (exact curves)")
    roles = {"y_true": y_true, "y_score": y_score, "sample_weight": sample_weight}
    for role in ("y_true", "y_score"):
        if is_multilabel_input(roles[role]) and data is None:
            raise InputTypeError(format_message(
                role, "is 2-D; this function takes one binary problem (1-D labels and "
                      "scores)", fix="Pass one column of scores"))
    given, names, batches = _batches(roles, data, drop_nulls)
    return _merged_score_state(batches, names, positive_class)


def _merged_score_state(batches, names, positive_class=None) -> ScoreState:
    """Count each batch into a ScoreState and merge them (warning of dropped rows)."""
    return merge_batches(batches, lambda batch: count_scores(
        *(_columns(batch, names, role) for role in ("y_true", "y_score", "sample_weight")),
        positive_class))


@dataclass(frozen=True)
class BinaryAreas:
    """ROC AUC and average-precision sums of an unweighted binary target.

    What :func:`binary_areas` gives when the rows arrive in one batch: the
    sums of ``kernels.cpu.ranking.distinct_score_areas`` without any table of
    distinct scores, so that ``roc_auc_score`` and
    ``average_precision_score`` need no more memory than the sort's keys.
    ``classes`` are the labels present (code 1 is the larger).
    """

    classes: np.ndarray
    twice_area: int
    n_neg: int
    n_pos: int
    ap_sum: float
    n_dropped: int = 0

    @property
    def roc_auc(self) -> float:
        return float(self.twice_area) / (2.0 * float(self.n_pos) * float(self.n_neg))

    @property
    def average_precision(self) -> float:
        return max(0.0, self.ap_sum / self.n_pos)


def binary_areas(y_true, y_score, *, positive_class=None, data=None, drop_nulls=False):
    """:class:`BinaryAreas` of an unweighted binary target, or its ScoreState.

    One batch (numpy arrays, a single Arrow chunk) and both classes present:
    the areas straight from the sort. Otherwise (several batches to merge, or
    one class, where the metrics warn): the :class:`ScoreState`, exactly as
    :func:`score_state` builds it.
    """
    if data is None and _backend.backend_of(y_true=y_true, y_score=y_score) == _backend.CUDA:
        areas = _gpu.device_binary_areas(y_true, y_score, positive_class)
        if areas is not None:
            return BinaryAreas(*areas)
        # one class (or several): the host path gives the metric's own warning or error
        y_true, y_score = _gpu.to_host(y_true, "y_true"), _gpu.to_host(y_score, "y_score")
    roles = {"y_true": y_true, "y_score": y_score, "sample_weight": None}
    for role in ("y_true", "y_score"):
        if is_multilabel_input(roles[role]) and data is None:
            return score_state(y_true, y_score, positive_class=positive_class, data=data,
                               drop_nulls=drop_nulls)
    given, names, batches = _batches(roles, data, drop_nulls)
    batches = iter(batches)
    first = next(batches, None)
    second = next(batches, None) if first is not None else None
    if first is not None and second is None:
        classes, twice, (n_neg, n_pos), ap_sum = score_areas(
            _columns(first, names, "y_true"), _columns(first, names, "y_score"), positive_class)
        if n_pos > 0 and n_neg > 0:
            _warn_dropped(first.n_dropped)
            return BinaryAreas(classes, twice, n_neg, n_pos, ap_sum, first.n_dropped)
    read = [b for b in (first, second) if b is not None]
    return _merged_score_state(itertools.chain(read, batches), names, positive_class)

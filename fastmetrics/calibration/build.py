"""Build calibration and loss states from the caller's inputs.

The same pipeline as :mod:`fastmetrics._core.pipeline`: iterate aligned batches of the
inputs, count each batch into a state with one kernel pass, merge. The
per-batch work (class codes, probability checks, error messages) lives here
too, next to the kernels it feeds.
"""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from .._core.columns import Column, float_weights, probability_values, raise_invalid_probability
from .._core.labels import check_label_kind, label_index, present_classes, union_labels
from .._core.pipeline import batch_column, open_batches, warn_dropped
from ..exceptions import (EmptyInputError, InputTypeError, InvalidParameterError, LabelError,
                          format_message)
from ..inputs import DictionaryChunk
from ..kernels.cpu import calibration as kernels
from ..losses.build import column_ranges
from .state import CalibrationState

__all__ = ['check_n_bins', 'check_strategy', 'calibration_state', 'row_targets']


STRATEGIES = ("uniform", "quantile")


def check_n_bins(n_bins) -> int:
    if (not isinstance(n_bins, numbers.Integral) or isinstance(n_bins, (bool, np.bool_))
            or n_bins < 1):
        raise InvalidParameterError(format_message(
            "n_bins", f"must be an integer >= 1, got {n_bins!r}",
            fix="Pass for example n_bins=10"))
    return int(n_bins)


def check_strategy(strategy) -> str:
    if not isinstance(strategy, str) or strategy not in STRATEGIES:
        raise InvalidParameterError(format_message(
            "strategy", f"must be 'uniform' or 'quantile', got {strategy!r}"))
    return strategy


def _binary_classes(col: Column, classes):
    if classes.size > 2:
        raise LabelError(format_message(
            col.name, f"has the classes {classes.tolist()[:10]}; calibration takes a "
                      "binary target (only binary classification is supported)",
            fix="Binarize it, e.g. y_true == pos_label"))


def _top_label_labels(labels) -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size < 2:
        raise InvalidParameterError(format_message(
            "labels", f"must list the class of each probability column (at least 2), got "
                      f"{labels.tolist()!r}"))
    if labels.dtype == object:
        labels = labels.astype(str)
    if np.unique(labels).size != labels.size:
        raise InvalidParameterError(format_message(
            "labels", f"holds duplicates: {labels.tolist()}", fix="List each class once"))
    return labels


def _binary_columns(batches, names, labels, top_label, seen, positive_class=None):
    """``(y_true, y_prob, weight, n_dropped)`` Columns per batch, of a binary target.

    1-D probabilities pass through. 2-D ones become top-label columns: the
    row's largest probability, and whether its column's class is the true
    one; then ``seen["top_label"]`` is set. ``y_true``/``y_prob`` are None
    for an empty batch.
    """
    n_batches = 0
    for batch in batches:
        n_batches += 1
        if batch.length == 0:
            yield None, None, None, batch.n_dropped
            continue
        t, p = batch_column(batch, names, "y_true"), batch_column(batch, names, "y_prob")
        w = batch_column(batch, names, "sample_weight")
        v = p.values
        two_d = not isinstance(v, DictionaryChunk) and v.ndim == 2 and v.shape[1] > 1
        if not two_d:
            if labels is not None:
                raise InvalidParameterError(format_message(
                    "labels", "is only used with 2-D probabilities (one column per class)",
                    fix="Leave labels=None for the probabilities of a binary target"))
            if positive_class is not None:
                t = _one_vs_rest(t, positive_class)
            yield t, p, w, batch.n_dropped
            continue
        if positive_class is not None:
            raise InvalidParameterError(format_message(
                "positive_class", "is only used with 1-D probabilities (of that class)",
                fix="Pass the probability column of the positive class"))
        if not top_label:
            raise InputTypeError(format_message(
                p.name, f"is 2-D with {v.shape[1]} columns; this function takes 1-D "
                        "probabilities of the positive class of a binary target",
                fix="Pass one column, e.g. predict_proba(X)[:, 1]"))
        if labels is None and n_batches > 1:
            raise LabelError(format_message(
                "labels", "is needed for 2-D probabilities read in several batches: the "
                          "classes of the columns cannot be inferred from one batch",
                fix="Pass labels= (the class of each column, e.g. the model's classes_)"))
        seen["top_label"] = True
        correct, confidence = _top_label(t, p, labels)
        yield correct, confidence, w, batch.n_dropped


def _one_vs_rest(t: Column, positive_class) -> Column:
    """``y_true == positive_class`` as a bool Column (any number of classes)."""
    classes, array, lookup, offset = present_classes(t)
    check_label_kind("positive_class", positive_class, classes, t.name)
    hit = classes == positive_class
    codes = lookup[np.asarray(array).astype(np.int64) - offset]
    return Column(t.name, hit[codes] if hit.size else np.zeros(codes.size, dtype=bool), t.batch)


def _top_label(t: Column, p: Column, labels):
    """Top-label columns of one batch: ``(is the top column's class true, its probability)``."""
    probs = probability_values(p, allow_2d=True)
    k = probs.shape[1]
    bad = ~((probs >= 0) & (probs <= 1))
    if bad.any():
        raise_invalid_probability(p, probs, int(np.flatnonzero(bad.ravel())[0]))
    classes, array, lookup, offset = present_classes(t)
    if labels is None:
        if classes.size != k:
            raise LabelError(format_message(
                t.name, f"has {classes.size} classes ({classes.tolist()[:10]}) but "
                        f"{p.name} has {k} columns",
                fix="Pass labels= (the class of each probability column)"))
        labels = classes
    elif labels.size != k:
        raise LabelError(format_message(
            "labels", f"names {labels.size} classes but {p.name} has {k} columns",
            fix="Pass one label per probability column"))
    columns, _ = column_ranges(t, classes, array, lookup, offset, k, labels)
    true_column = columns[lookup[np.asarray(array).astype(np.int64) - offset]]
    predicted = probs.argmax(axis=1)  # ties: the first column, as numpy and torch
    confidence = np.take_along_axis(probs, predicted[:, None], axis=1)[:, 0]
    return (Column(t.name, predicted == true_column, t.batch),
            Column(p.name, confidence, p.batch))


def _uniform_edges(n_bins: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, n_bins + 1)


def _count_bins(t: Column, p: Column, w: Column | None, edges, strategy) -> CalibrationState:
    """Calibration state of one batch over fixed edges."""
    probs = probability_values(p, allow_2d=False)
    weights = float_weights(w)
    classes, array, lookup, offset = present_classes(t)
    _binary_classes(t, classes)
    k = max(classes.size, 1)
    counts, psums, wsums, wpsums, first = kernels.calibration_bins(
        array, lookup, offset, k, probs, edges[1:-1], strategy == "uniform", weights)
    raise_invalid_probability(p, probs, first)
    k = classes.size
    return CalibrationState(edges, strategy, classes, counts[:, :k], psums[:, :k],
                            None if wsums is None else wsums[:, :k],
                            None if wpsums is None else wpsums[:, :k])


def calibration_state(y_true, y_prob, *, sample_weight=None, n_bins=5, strategy="uniform",
                      labels=None, positive_class=None, data=None, drop_nulls=False,
                      top_label=True) -> CalibrationState:
    """Count a binary target's probabilities into a :class:`CalibrationState`.

    With 2-D probabilities of a multiclass target the state is that of
    *top-label* calibration (Guo et al. 2017): each row's confidence is its
    largest probability, and the binary target is whether that column's class
    is the true one (classes ``False``/``True``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels, at most two classes (any label type), or any number of
        classes with 2-D ``y_prob``.
    y_prob : array-like of shape (n_samples,) or (n_samples, n_classes), or column name
        Probabilities of the positive class, in [0, 1]; or one column per
        class (top-label calibration).
    sample_weight : array-like of shape (n_samples,) or column name, optional
    n_bins : int, default=5
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins on [0, 1] (the state merges with others of the same
        ``n_bins``), or equal-mass bins whose edges are the percentiles
        ``np.percentile(y_prob, linspace(0, 100, n_bins + 1))`` of all the
        rows (exact, as scikit-learn's; all probabilities are held in memory
        and the state does not merge).
    labels : array-like of shape (n_classes,), optional
        With 2-D ``y_prob``: the class of each column. By default the sorted
        classes of ``y_true``, which must then number ``n_classes`` (and the
        rows come in one batch: a chunked input needs ``labels=``).
    positive_class : label, optional
        With 1-D ``y_prob``, the probabilities of this class: ``y_true`` (any
        number of classes) is binarized as ``y_true == positive_class``
        (classes ``[False, True]``).
    data, drop_nulls
        As for :func:`fastmetrics.confusion_state`.
    top_label : bool, default=True
        Accept 2-D probabilities (top-label calibration); False refuses them,
        as :func:`~fastmetrics.calibration_curve` does.

    Returns
    -------
    CalibrationState

    Examples
    --------
    >>> from fastmetrics.calibration.build import calibration_state
    >>> s = calibration_state([0, 1, 1, 0], [0.1, 0.8, 0.6, 0.45], n_bins=2)
    >>> s.edges.tolist(), s.counts.tolist()
    ([0.0, 0.5, 1.0], [[2, 0], [0, 2]])
    """
    n_bins = check_n_bins(n_bins)
    strategy = check_strategy(strategy)
    roles = {"y_true": y_true, "y_prob": y_prob, "sample_weight": sample_weight}
    if labels is not None:
        labels = _top_label_labels(labels)
    _, names, batches = open_batches(roles, data, drop_nulls, two_d=frozenset({"y_prob"}))
    seen = {}
    batches = _binary_columns(batches, names, labels, top_label, seen, positive_class)
    if strategy == "quantile":
        state = _quantile_state(batches, n_bins, names["y_true"])
        return dataclasses.replace(state, top_label=seen.get("top_label", False))
    edges = _uniform_edges(n_bins)
    state = None
    n_dropped = 0
    for t, p, w, dropped in batches:
        n_dropped += dropped
        if t is None:
            continue
        part = _count_bins(t, p, w, edges, strategy)
        state = part if state is None else state.merge(part)
    warn_dropped(n_dropped)
    if state is None:
        shape = (n_bins, 0)
        weighted = sample_weight is not None
        state = CalibrationState(edges, strategy, np.zeros(0), np.zeros(shape, np.int64),
                                 np.zeros(shape), np.zeros(shape) if weighted else None,
                                 np.zeros(shape) if weighted else None)
    if n_dropped:
        state = CalibrationState(state.edges, state.strategy, state.classes, state.counts,
                                 state.prob_sums, state.weight_sums,
                                 state.weighted_prob_sums, n_dropped)
    return dataclasses.replace(state, top_label=seen.get("top_label", False))


def _quantile_state(batches, n_bins, y_true_name) -> CalibrationState:
    """Equal-mass bins: hold the rows, take their percentiles, then bin them."""
    parts = []
    n_dropped = 0
    for t, p, w, dropped in batches:
        n_dropped += dropped
        if t is None:
            continue
        probs = probability_values(p, allow_2d=False)
        bad = ~((probs >= 0) & (probs <= 1))
        if bad.any():
            raise_invalid_probability(p, probs, int(np.flatnonzero(bad)[0]))
        classes, array, lookup, offset = present_classes(t)
        _binary_classes(t, classes)
        parts.append((classes, array, lookup, offset, probs, float_weights(w)))
    warn_dropped(n_dropped)
    if not parts:
        raise EmptyInputError(format_message("y_true", "is empty", fix="Pass at least one row"))
    if len(parts) == 1:  # one batch (numpy input): bin the caller's arrays as they are
        classes, array, lookup, offset, probs, weights = parts[0]
    else:
        classes = parts[0][0]
        for part in parts[1:]:
            classes = union_labels(classes, part[0], "y_true")
        _binary_classes(Column(y_true_name, None, None), classes)
        array = np.concatenate([
            label_index(c, classes)[lookup[np.asarray(a).astype(np.int64) - o]]
            for c, a, lookup, o, _, _ in parts])
        lookup, offset = np.arange(classes.size, dtype=np.int64), 0
        probs = np.concatenate([part[4] for part in parts])
        weights = None
        if any(part[5] is not None for part in parts):
            weights = np.concatenate([part[5] for part in parts])
    # np.percentile's own linear interpolation, so the edges are scikit-learn's
    edges = np.asarray(np.percentile(probs, np.linspace(0, 1, n_bins + 1) * 100),
                       dtype=np.float64)
    k = classes.size
    counts, psums, wsums, wpsums, _ = kernels.calibration_bins(
        array, lookup, offset, k, probs, edges[1:-1], False, weights)
    return CalibrationState(edges, "quantile", classes, counts, psums, wsums, wpsums,
                            n_dropped)


def row_targets(y_true, y_prob, labels=None):
    """Each row's binary target and probability, as :func:`calibration_state` bins them.

    1-D probabilities: ``y_true`` and ``y_prob`` as they are. 2-D: the
    top-label columns (whether the row's top column is its true class, and
    that column's probability), by the builder's own code. Numpy arrays in
    one batch; the row bootstrap resamples them.
    """
    y_prob = np.asarray(y_prob)
    if y_prob.ndim == 1 or y_prob.shape[1] == 1:
        return np.asarray(y_true), np.asarray(y_prob, dtype=np.float64).reshape(-1)
    roles = {"y_true": y_true, "y_prob": y_prob, "sample_weight": None}
    _, names, batches = open_batches(roles, None, False, two_d=frozenset({"y_prob"}))
    labels = None if labels is None else _top_label_labels(labels)
    targets, confidences = [], []
    for t, p, _, _ in _binary_columns(batches, names, labels, True, {}):
        if t is not None:
            targets.append(np.asarray(t.values))
            confidences.append(np.asarray(p.values, dtype=np.float64))
    return np.concatenate(targets), np.concatenate(confidences)

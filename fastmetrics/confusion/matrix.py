"""Confusion matrices: ``confusion_matrix``, ``multilabel_confusion_matrix``.

Also :func:`label_sums`, the per-label (tp, fp, fn, tn) that every
precision/recall-style finalizer starts from (scikit-learn derives them from
``multilabel_confusion_matrix`` in the same way).
"""

from __future__ import annotations

import warnings

import numpy as np

from .._core.metric import (COMMON_PARAMS_DOC, check_multilabel_labels, check_unique_labels,
                            fill_doc, finalized_by, label_positions, require_rows)
from .._core.pipeline import is_multilabel_input
from ..exceptions import InvalidParameterError, LabelError, format_message
from .build import confusion_state, multilabel_state
from .state import MultilabelState

__all__ = ['warn_if_single_label', 'confusion_matrix', 'label_sums', 'multilabel_confusion_matrix']


def _check_normalize(normalize):
    if normalize not in (None, "true", "pred", "all"):
        raise InvalidParameterError(format_message(
            "normalize", f"must be one of 'true', 'pred', 'all' or None, got {normalize!r}"))


def _confusion_matrix_from_state(state, *, labels=None, normalize=None):
    """``confusion_matrix`` from a :class:`~fastmetrics.ConfusionState`."""
    _check_normalize(normalize)
    require_rows(state)
    if isinstance(state, MultilabelState):
        raise InvalidParameterError(format_message(
            "y_true", "is a multilabel indicator target, which confusion_matrix does not "
                      "support", fix="Use multilabel_confusion_matrix"))
    cm_all = state.totals()
    if labels is None:
        cm = cm_all
    else:
        labels, pos = label_positions(labels, state.classes)
        if labels.size == 0:
            raise LabelError(format_message(
                "labels", "is empty", fix="Pass at least one label, or labels=None"))
        check_unique_labels(labels)
        true_present = state.counts.sum(axis=(0, 2)) > 0
        if not any(p >= 0 and true_present[p] for p in pos.tolist()):
            raise LabelError(format_message(
                "labels", f"={labels.tolist()} holds no label present in y_true "
                          f"({state.classes[true_present].tolist()[:10]})",
                fix="At least one label specified must be in y_true"))
        present = pos >= 0
        cm = np.zeros((labels.size, labels.size), dtype=cm_all.dtype)
        idx = pos[present]
        cm[np.ix_(present, present)] = cm_all[np.ix_(idx, idx)]
    with np.errstate(all="ignore"):
        if normalize == "true":
            cm = cm / cm.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            cm = cm / cm.sum(axis=0, keepdims=True)
        elif normalize == "all":
            cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    warn_if_single_label(cm)
    return cm


def warn_if_single_label(cm) -> None:
    """scikit-learn's warning for a 1 x 1 matrix (also raised by the metrics built on it)."""
    if cm.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion "
            "matrix to have the correct shape, use the 'labels' parameter to pass "
            "all known labels.", UserWarning, stacklevel=4)


@finalized_by(_confusion_matrix_from_state)
@fill_doc(common_params=COMMON_PARAMS_DOC)
def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None,
                     threshold=None, pos_label=1, data=None, drop_nulls=False):
    """Compute a confusion matrix, as :func:`sklearn.metrics.confusion_matrix`.

    ``C[i, j]`` is the number (or weight) of rows with true label ``i`` and
    predicted label ``j``, labels in sorted order unless ``labels`` says
    otherwise.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels (int, bool, integral float or string; Arrow dictionary and
        pandas/polars categoricals keep their names).
    y_pred : array-like of shape (n_samples,) or column name
        Predicted labels, or scores of ``pos_label`` when ``threshold`` is given.
    labels : array-like of shape (n_classes,), optional
        Labels to index the matrix by, in that order; rows whose true or
        predicted label is not listed are left out (scikit-learn's documented
        behaviour). At least one must occur in ``y_true``.
    sample_weight : array-like of shape (n_samples,) or column name, optional
        Non-negative weights. Integer weights give an exact int64 matrix.
    normalize : {'true', 'pred', 'all'}, optional
        Normalize over true labels (rows), predictions (columns) or everything.
    threshold : float, optional
        Treat ``y_pred`` as scores and predict ``pos_label`` where
        ``y_pred >= threshold``, fused into the counting pass (no intermediate
        array).
    pos_label : int, float, bool or str, default=1
        Positive class for ``threshold``.
%(common_params)s

    Returns
    -------
    C : ndarray of shape (n_classes, n_classes)
        int64, or float64 with float weights or ``normalize``.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2])
    array([[2, 0, 0],
           [0, 0, 1],
           [1, 0, 2]])
    >>> fm.confusion_matrix([0, 1, 1, 0], [0.1, 0.9, 0.4, 0.6], threshold=0.5)
    array([[1, 1],
           [1, 1]])
    """
    _check_normalize(normalize)
    state = confusion_state(y_true, y_pred, sample_weight=sample_weight, threshold=threshold,
                            pos_label=pos_label, data=data, drop_nulls=drop_nulls)
    return _confusion_matrix_from_state(state, labels=labels, normalize=normalize)


def label_sums(state, labels=None, *, strict=True):
    """Per-label ``(tp, fp, fn, tn)``, as scikit-learn's ``multilabel_confusion_matrix``.

    For a :class:`~fastmetrics.ConfusionState`, each label is scored one-vs-rest
    over *all* rows (labels not listed still count as the other class); labels
    absent from the data give zeros. For a :class:`~fastmetrics.MultilabelState`
    ``labels`` are column indices. Arrays are int64, or weight sums when the
    state is weighted. ``strict``: see :func:`label_positions`.
    """
    if isinstance(state, MultilabelState):
        source = state.weight_sums if state.weighted else state.counts
        if labels is not None:
            labels = check_multilabel_labels(labels)
            if labels.size and not np.array_equal(labels, np.arange(state.n_labels)):
                if labels.max() >= state.n_labels:
                    raise LabelError(format_message(
                        "labels", f"All labels must be in [0, n labels) for multilabel "
                                  f"targets. Got {labels.max()} > {state.n_labels - 1}"))
                if labels.min() < 0:
                    raise LabelError(format_message(
                        "labels", f"All labels must be in [0, n labels) for multilabel "
                                  f"targets. Got {labels.min()} < 0"))
            source = source[labels.astype(np.int64)]
        return source[:, 1, 1], source[:, 0, 1], source[:, 1, 0], source[:, 0, 0]
    cm = state.totals()
    if state.weighted or np.trace(cm) == 0:
        # scikit-learn returns float64 sums when weighted, and also -- a quirk of
        # its bincount path -- when no row at all is predicted correctly; the
        # support column of its reports then prints as "4.0". We mirror it.
        cm = cm.astype(np.float64, copy=False)
    tp_all = np.diagonal(cm)
    pred_all = cm.sum(axis=0)
    true_all = cm.sum(axis=1)
    total = cm.sum()
    if labels is None:
        tp, pred, true = tp_all, pred_all, true_all
    else:
        _, pos = label_positions(labels, state.classes, strict=strict)
        found = pos >= 0
        tp = np.zeros(pos.size, dtype=cm.dtype)
        pred = np.zeros(pos.size, dtype=cm.dtype)
        true = np.zeros(pos.size, dtype=cm.dtype)
        tp[found], pred[found], true[found] = (tp_all[pos[found]], pred_all[pos[found]],
                                               true_all[pos[found]])
    fp = pred - tp
    fn = true - tp
    return tp, fp, fn, total - tp - fp - fn


def _multilabel_confusion_matrix_from_state(state, *, labels=None):
    """``multilabel_confusion_matrix`` (not samplewise) from a state."""
    require_rows(state)
    tp, fp, fn, tn = label_sums(state, labels)
    return np.stack([tn, fp, fn, tp]).T.reshape(-1, 2, 2)


@finalized_by(_multilabel_confusion_matrix_from_state)
@fill_doc(common_params=COMMON_PARAMS_DOC)
def multilabel_confusion_matrix(y_true, y_pred, *, sample_weight=None, labels=None,
                                samplewise=False, data=None, drop_nulls=False):
    """One-vs-rest 2x2 confusion matrix per label, as scikit-learn's.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        1-D labels, or 2-D 0/1 indicator arrays for a multilabel target.
    sample_weight : array-like of shape (n_samples,), optional
    labels : array-like, optional
        Labels (column indices for multilabel targets) to report, in order.
    samplewise : bool, default=False
        For multilabel targets, one 2x2 matrix per row instead of per label.
%(common_params)s

    Returns
    -------
    multi_confusion : ndarray of shape (n_outputs, 2, 2)
        ``[[tn, fp], [fn, tp]]`` per label (or per row).

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.multilabel_confusion_matrix(["a", "b", "a"], ["a", "a", "a"]).tolist()
    [[[0, 1], [0, 2]], [[2, 0], [1, 0]]]
    """
    multilabel = is_multilabel_input(y_true) or is_multilabel_input(y_pred)
    if samplewise:
        if not multilabel:
            raise InvalidParameterError(format_message(
                "samplewise", "Samplewise metrics are not available outside of multilabel "
                              "classification"))
        if data is not None or drop_nulls:
            raise InvalidParameterError(format_message(
                "samplewise", "returns one matrix per row and needs the rows in memory, so "
                              "it does not take data= or drop_nulls=",
                fix="Pass the indicator arrays themselves"))
        return _samplewise_matrices(y_true, y_pred, sample_weight, labels)
    if multilabel:
        state = multilabel_state(y_true, y_pred, sample_weight=sample_weight, data=data,
                                 drop_nulls=drop_nulls)
    else:
        state = confusion_state(y_true, y_pred, sample_weight=sample_weight, data=data,
                                drop_nulls=drop_nulls)
    return _multilabel_confusion_matrix_from_state(state, labels=labels)


def _samplewise_matrices(y_true, y_pred, sample_weight, labels):
    """Per-row 2x2 matrices: a per-row output, so computed from the rows directly."""
    # Validation (shapes, 0/1 values, weights) comes from building the state.
    state = multilabel_state(y_true, y_pred, sample_weight=sample_weight)
    yt = _indicator_rows(y_true)
    yp = _indicator_rows(y_pred)
    if labels is not None:
        label_sums(state, labels)  # same range checks as the per-label path
        cols = np.asarray(labels, dtype=np.int64)
        yt, yp = yt[:, cols], yp[:, cols]
    tp = (yt & yp).sum(axis=1)
    fp = yp.sum(axis=1) - tp
    fn = yt.sum(axis=1) - tp
    n_labels = yt.shape[1]
    if sample_weight is not None:
        w = np.asarray(sample_weight)
        tp, fp, fn = tp * w, fp * w, fn * w
        tn = w * n_labels - tp - fp - fn
    else:
        tn = n_labels - tp - fp - fn
    return np.stack([tn, fp, fn, tp]).T.reshape(-1, 2, 2)


def _indicator_rows(y):
    import scipy.sparse as sp
    if sp.issparse(y):
        y = y.toarray()
    return (np.asarray(y) != 0).astype(np.int64)

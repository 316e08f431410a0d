"""Losses of probabilistic predictions: log loss (cross-entropy) and the Brier score.

Both are functions of a :class:`~fastmetrics.losses.state.LossState`:
per (true class, probability column), the sums of the per-row loss as if the
class were that column, plus rows and weight per class. A chunk may lack a
class, so which column is which class is only settled when the state is
finalized; the state merges by addition.

Each finalizer follows scikit-learn 1.9.1's code: the same clipping of
probabilities to ``[eps, 1 - eps]`` (``eps`` of the probabilities' dtype), the
same class-to-column rules (sorted labels, ``labels=``), warnings and errors.
Per-row terms are summed in float64 (scikit-learn sums float32 probabilities
in float32, so results on float32 inputs agree to float32 rounding).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .._core.labels import check_labels_kind, label_index, resolve_pos_label, sorted_labels
from .._core.metric import check_normalize_flag, common_params_doc, fill_doc, finalized_by
from ..exceptions import (EmptyInputError, InvalidInputError, InvalidParameterError,
                          LabelError, format_message)
from ..kernels.cpu import calibration as kernels
from .build import loss_state

__all__ = ['log_loss', 'brier_score_loss', 'row_losses']


COMMON_PARAMS_DOC = common_params_doc(
    "``y_true``", ", and ``y_proba`` a column name (1-D probabilities or a fixed-size-list "
                  "column) or a list of column names (one per class, in sorted label order)")


_DOCS = dict(common_params=COMMON_PARAMS_DOC)


def _check_rows(state):
    if state.n_rows == 0:
        raise EmptyInputError(format_message(
            "y_true", "is empty: no rows to evaluate", fix="Pass at least one row"))
    if state.weighted and not state.weight_sums.any():
        raise InvalidInputError(format_message(
            "sample_weight", "sums to zero (sample weights must contain at least one "
                             "non-zero number)", fix="Give at least one row a positive weight"))


def _multiclass_columns(state, labels):
    """Column of each state class, with scikit-learn's label checks and warnings.

    As ``_validate_multiclass_probabilistic_prediction``: ``labels`` (or the
    classes of ``y_true``) sorted are the columns; one class is refused; the
    number of classes must match the number of columns.
    """
    if labels is not None:
        lb_classes = sorted_labels(labels)
        given = np.asarray(labels)
        if given.shape != lb_classes.shape or not np.all(
                given.astype(lb_classes.dtype) == lb_classes):
            warnings.warn(
                f"Labels passed were {labels}. But this function assumes labels are "
                "ordered lexicographically. Pass the ordered "
                f"labels={lb_classes.tolist()} and ensure that the columns of y_prob "
                "correspond to this ordering.", UserWarning, stacklevel=5)
        check_labels_kind(lb_classes, state.classes)
        stray = sorted(set(state.classes.tolist()) - set(lb_classes.tolist()))
        if stray:
            raise LabelError(format_message(
                "y_true", f"contains values {stray[:10]} not belonging to the passed "
                          f"labels {lb_classes.tolist()}", fix="List every class in labels="))
        if lb_classes.size < 2:
            raise LabelError(format_message(
                "labels", f"must contain at least two labels, got {lb_classes.tolist()}",
                fix="List every class, e.g. labels=[0, 1]"))
    else:
        lb_classes = state.classes
        if lb_classes.size == 1:
            raise LabelError(format_message(
                "y_true", f"contains only one label ({lb_classes[0].item()!r})",
                fix="Provide the list of all expected class labels explicitly through the "
                    "labels argument"))
    if state.unnormalized:
        warnings.warn("The y_prob values do not sum to one. Make sure to pass probabilities.",
                      UserWarning, stacklevel=5)
    if lb_classes.size != state.n_columns:
        columns = "1-D probabilities (2 classes)" if state.one_d else \
            f"{state.n_columns} columns"
        where = "labels" if labels is not None else "y_true"
        raise LabelError(format_message(
            "y_proba", f"has {columns} but {where} has {lb_classes.size} classes "
                       f"({lb_classes.tolist()[:10]})",
            fix="Give y_proba one column per class in sorted label order" +
                ("" if labels is not None else ", or pass the classes through labels=")))
    return label_index(state.classes, lb_classes)


def state_columns(state, which, *, labels=None, pos_label=None):
    """The probability column each class of ``state`` is scored at, as the finalizer of
    ``which`` (``"log"`` or ``"brier"``) reads it, with its checks and warnings.

    The row bootstrap scores each row at its class's column; this is the one
    place that decides which column that is.
    """
    if which == "brier" and state.one_d:
        if state.classes.size > 2:
            raise LabelError(format_message(
                "y_true", f"has {state.classes.size} classes ({state.classes.tolist()[:10]}), "
                          "but 1-D y_proba needs a binary target",
                fix="Pass one column of probabilities per class (2-D y_proba)"))
        pos_label = resolve_pos_label(state.classes, pos_label, greater_fallback=True)
        return np.array([1 if c == pos_label else 0 for c in state.classes.tolist()])
    return _multiclass_columns(state, labels)


def _log_loss_from_state(state, *, normalize=True, labels=None):
    """``log_loss`` from a :class:`LossState`."""
    check_normalize_flag(normalize)
    _check_rows(state)
    columns = state_columns(state, "log", labels=labels)
    total = state.column_sums("log", columns)
    if not normalize:
        return total
    return total / state.total_weight()


@finalized_by(_log_loss_from_state)
@fill_doc(**_DOCS)
def log_loss(y_true, y_proba=None, *, normalize=True, sample_weight=None, labels=None,
             data=None, drop_nulls=False, y_pred="deprecated"):
    """Log loss (cross-entropy), as :func:`sklearn.metrics.log_loss` 1.9.

    ``-sum_i w_i log(P[i, y_i]) / sum_i w_i`` with the probabilities clipped to
    ``[eps, 1 - eps]``, ``eps`` the machine epsilon of their dtype.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels (any label type; sorted labels name the columns).
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Probabilities: of the positive class (the greater label) when 1-D,
        of each class in sorted label order when 2-D.
    normalize : bool, default=True
        Mean loss per sample (weighted mean with weights); else the sum.
    sample_weight : array-like of shape (n_samples,) or column name, optional
    labels : array-like, optional
        The classes, when ``y_true`` does not show them all; columns follow
        their sorted order (a warning says so when they are not sorted).
%(common_params)s
    y_pred : array-like
        Deprecated alias of ``y_proba``, as in scikit-learn 1.9.

    Returns
    -------
    float

    Notes
    -----
    The loss state keeps, per class, the sums for every column the class can
    still be, so chunks that lack a class merge exactly; with 2-D
    probabilities and no ``labels``, a chunk that lacks ``m`` classes computes
    ``m + 1`` logarithms per row instead of one.

    Examples
    --------
    >>> from fastmetrics.losses.metrics import log_loss
    >>> round(log_loss(["spam", "ham", "ham", "spam"],
    ...                [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]), 5)
    0.21616
    >>> round(log_loss([0, 1, 1], [0.2, 0.7, 0.9]), 6)
    0.228393
    """
    if not (isinstance(y_pred, str) and y_pred == "deprecated"):
        if y_proba is not None:
            raise InvalidParameterError(format_message(
                "y_pred", "cannot be used together with y_proba",
                fix="y_pred is deprecated: pass y_proba only"))
        warnings.warn("`y_pred` was renamed to `y_proba` in version 1.9 and will be removed "
                      "in 1.11. Use `y_proba` instead.", FutureWarning, stacklevel=2)
        y_proba = y_pred
    check_normalize_flag(normalize)
    state = loss_state(y_true, y_proba, sample_weight=sample_weight, labels=labels, log=True,
                       brier=False, data=data, drop_nulls=drop_nulls)
    return _log_loss_from_state(state, normalize=normalize, labels=labels)


def _check_scale_by_half(scale_by_half):
    if not (isinstance(scale_by_half, (bool, np.bool_))
            or (isinstance(scale_by_half, str) and scale_by_half == "auto")):
        raise InvalidParameterError(format_message(
            "scale_by_half", f"must be True, False or 'auto', got {scale_by_half!r}"))


def _check_pos_label(pos_label):
    if pos_label is not None and not isinstance(pos_label, (numbers.Real, str, np.bool_)):
        raise InvalidParameterError(format_message(
            "pos_label", f"must be a number, a bool, a string or None, got {pos_label!r}"))


def _brier_from_state(state, *, pos_label=None, labels=None, scale_by_half="auto"):
    """``brier_score_loss`` from a :class:`LossState`."""
    _check_scale_by_half(scale_by_half)
    _check_pos_label(pos_label)
    _check_rows(state)
    columns = state_columns(state, "brier", labels=labels, pos_label=pos_label)
    score = state.column_sums("brier", columns) / state.total_weight()
    if isinstance(scale_by_half, str):
        scale_by_half = state.n_columns < 3
    if scale_by_half:
        score *= 0.5
    return float(score)


@finalized_by(_brier_from_state)
@fill_doc(**_DOCS)
def brier_score_loss(y_true, y_proba, *, sample_weight=None, pos_label=None, labels=None,
                     scale_by_half="auto", data=None, drop_nulls=False):
    """Brier score loss, as :func:`sklearn.metrics.brier_score_loss` 1.9.

    ``sum_i w_i sum_c (y_ic - P[i, c]) ** 2 / sum_i w_i``, halved for a
    binary target by default (then ``mean((y_i - p_i) ** 2)``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels.
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
        Probabilities of ``pos_label`` (1-D), or of each class in sorted label
        order (2-D).
    sample_weight : array-like of shape (n_samples,) or column name, optional
    pos_label : int, float, bool or str, optional
        The positive class of 1-D probabilities: 1 for {0, 1} and {-1, 1}
        targets, else the greater label; string labels need it.
    labels : array-like, optional
        The classes of 2-D probabilities, when ``y_true`` does not show them all.
    scale_by_half : bool or "auto", default="auto"
        Halve the score (range [0, 1]); "auto" halves it for 1-D or two-column
        probabilities.
%(common_params)s

    Returns
    -------
    float

    Examples
    --------
    >>> from fastmetrics.losses.metrics import brier_score_loss
    >>> round(brier_score_loss([0, 1, 1, 0], [0.1, 0.9, 0.8, 0.3]), 6)
    0.0375
    >>> round(brier_score_loss(["spam", "ham", "ham", "spam"], [0.9, 0.1, 0.2, 0.7],
    ...                        pos_label="spam"), 6)
    0.0375
    >>> round(brier_score_loss(["eggs", "ham", "spam"],
    ...                        [[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.2, 0.2, 0.6]],
    ...                        labels=["eggs", "ham", "spam"]), 6)
    0.146667
    """
    _check_scale_by_half(scale_by_half)
    _check_pos_label(pos_label)
    state = loss_state(y_true, y_proba, sample_weight=sample_weight, labels=labels, log=False,
                       brier=True, data=data, drop_nulls=drop_nulls)
    return _brier_from_state(state, pos_label=pos_label, labels=labels,
                             scale_by_half=scale_by_half)


def row_losses(y_true, y_proba, *, loss="log", labels=None, pos_label=None):
    """Each row's log loss or Brier term: the values :func:`log_loss` and
    :func:`brier_score_loss` average.

    For per-row tests of two models on the same rows
    (:func:`~fastmetrics.paired_t_test`,
    :func:`~fastmetrics.wilcoxon_signed_rank_test`). The probabilities are
    clipped and the columns chosen exactly as the metric does (``labels=``,
    ``pos_label=``); Brier terms are not halved, so their mean is
    ``brier_score_loss(..., scale_by_half=False)``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_proba : array-like of shape (n_samples,) or (n_samples, n_classes)
    labels : array-like, optional
        As for :func:`log_loss`.
    loss : {"log", "brier"}, default="log"
    pos_label : label, optional
        With ``loss="brier"`` and 1-D probabilities, as for
        :func:`brier_score_loss`.

    Returns
    -------
    ndarray of float64, shape (n_samples,)

    Examples
    --------
    >>> import fastmetrics as fm
    >>> v = fm.row_losses([0, 1, 1], [0.2, 0.9, 0.6])
    >>> round(float(v.mean()), 6) == round(fm.log_loss([0, 1, 1], [0.2, 0.9, 0.6]), 6)
    True
    """
    if loss not in ("log", "brier"):
        raise InvalidParameterError(format_message(
            "loss", f"must be 'log' or 'brier', got {loss!r}"))
    truth, proba = np.asarray(y_true), np.asarray(y_proba)
    state = loss_state(truth, proba, labels=labels, log=loss == "log", brier=loss == "brier")
    _check_rows(state)
    columns = state_columns(state, loss, labels=labels, pos_label=pos_label)
    codes = label_index(np.asarray(truth), state.classes)
    return kernels.loss_row_terms(columns[codes], proba, loss == "log")

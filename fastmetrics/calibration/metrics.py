"""Calibration of a binary target's probabilities: calibration curve, reliability
diagram, expected and maximum calibration error.

All of them are functions of a :class:`~fastmetrics.calibration.state.CalibrationState`:
per probability bin, the rows (or weight) of each class and the sum of the
predicted probability, built in one O(n) pass.

Bins follow :func:`sklearn.calibration.calibration_curve` exactly: a row with
probability ``p`` falls in bin ``searchsorted(edges[1:-1], p)``, so bins are
closed on the right (``(e_b, e_b+1]``; the first also holds 0). ``"uniform"``
edges are ``linspace(0, 1, n_bins + 1)``; ``"quantile"`` edges are
``np.percentile(y_prob, linspace(0, 100, n_bins + 1))`` of all the rows (exact,
but such a state does not merge with others: its edges depend on every row).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from .._core.binomial import check_confidence_level, clopper_pearson_bounds, wilson_bounds

from .._core.labels import resolve_pos_label
from .._core.metric import common_params_doc, fill_doc, finalized_by
from ..exceptions import (EmptyInputError, InvalidInputError, InvalidParameterError,
                          LabelError, format_message)
from .build import calibration_state

__all__ = ['calibration_curve', 'ReliabilityDiagram', 'reliability_diagram', 'expected_calibration_error', 'maximum_calibration_error']


COMMON_PARAMS_DOC = common_params_doc("``y_true``, ``y_prob``")


_BINNING_DOC = """    n_bins : int, default=15
        Number of bins (15, as torchmetrics' default and Guo et al. 2017).
    strategy : {"uniform", "quantile"}, default="uniform"
        ``"uniform"``: equal-width bins ``linspace(0, 1, n_bins + 1)``, closed
        on the right as in :func:`sklearn.calibration.calibration_curve`.
        ``"quantile"``: equal-mass bins whose edges are the (unweighted)
        percentiles of ``y_prob``; bins may then be empty where edges tie."""


_TOP_LABEL_DOC = """    labels : array-like of shape (n_classes,), optional
        With 2-D ``y_prob``: the class of each probability column. By default
        the sorted classes of ``y_true``, which must then number
        ``n_classes`` (and a chunked input needs ``labels=``)."""


_INPUTS_DOC = """    y_true : array-like of shape (n_samples,) or column name
        True labels: of a binary target, or of any target with 2-D ``y_prob``.
    y_prob : array-like of shape (n_samples,) or (n_samples, n_classes), or column name
        Probabilities of the positive class, in [0, 1]; or one column per
        class, for *top-label* calibration: the confidence is the row's
        largest probability and the event that its class is the true one
        (ties: the first column, as ``argmax``).
    pos_label : int, float, bool or str, optional
        The positive class; 1 by default for {0, 1} and {-1, 1} targets. Not
        used with 2-D ``y_prob``.
    sample_weight : array-like of shape (n_samples,) or column name, optional"""


_DOCS = dict(common_params=COMMON_PARAMS_DOC, binning=_BINNING_DOC, top_label=_TOP_LABEL_DOC,
             inputs=_INPUTS_DOC)


def _state_pos_label(state, pos_label):
    """The positive class of a state: ``True`` (a correct top label) for top-label states."""
    if state.top_label:
        if pos_label is not None and pos_label is not True and pos_label is not np.True_:
            raise InvalidParameterError(format_message(
                "pos_label", f"={pos_label!r} is not used with 2-D probabilities (top-label "
                             "calibration: the target is whether the top class is right)",
                fix="Leave pos_label=None"))
        return True
    return resolve_pos_label(state.classes, pos_label)


def _positive(state, pos_label, amounts):
    """Column of ``amounts`` (B, C) for ``pos_label``; zeros when it is absent."""
    return amounts @ positive_codes(state, pos_label).astype(amounts.dtype)


def positive_codes(state, pos_label) -> np.ndarray:
    """Which of the state's class codes is the positive class (``pos_label`` already
    resolved by ``_state_pos_label``): a bool array over ``state.classes``."""
    return np.array([v == pos_label for v in state.classes.tolist()], dtype=np.bool_)


def calibration_leave_one_out(state, bins, codes, confidence, *, pos_label=None, norm="l1",
                              debiased=False) -> np.ndarray:
    """``expected_calibration_error`` of an unweighted state without each of its rows.

    Row ``i`` (in bin ``bins[i]``, class code ``codes[i]``, confidence
    ``confidence[i]``) changes its own bin only: its count by one, its
    positives by the row's target, its confidence sum by the row's. So every
    leave-one-out error is the full sum with one bin's term replaced (for
    ``norm="max"``: the largest other gap, from the two largest), O(n) in all.
    For BCa's jackknife on the row route.
    """
    pos_label = _state_pos_label(state, pos_label)
    n = state.counts.sum(axis=1).astype(np.float64)            # rows per bin
    k = state.counts[:, positive_codes(state, pos_label)].sum(axis=1).astype(np.float64)
    c = state.prob_sums.sum(axis=1)                            # confidence per bin
    total = n.sum()
    t = positive_codes(state, pos_label)[codes].astype(np.float64)
    nb, kb, cb = n[bins], k[bins], c[bins]
    left = nb - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        if norm == "max":
            gaps = np.where(n > 0, np.abs(k - c) / n, -np.inf)
            top = np.argsort(gaps)[::-1][:2]
            other = np.where(bins == top[0], gaps[top[1]] if top.size > 1 else -np.inf,
                             gaps[top[0]])
            own = np.where(left > 0, np.abs(kb - t - cb + confidence) / left, -np.inf)
            return np.maximum(other, own)
        if norm == "l1":
            terms, own = np.abs(k - c), np.abs(kb - t - cb + confidence)
        else:
            terms = np.where(n > 0, (k - c) ** 2 / n, 0.0)
            own = np.where(left > 0, (kb - t - cb + confidence) ** 2 / left, 0.0)
            if debiased:
                terms = terms - np.where(n > 1, k * (n - k) / (n * (n - 1.0)), 0.0)
                own = own - np.where(left > 1, (kb - t) * (left - kb + t)
                                     / (left * (left - 1.0)), 0.0)
        own = np.where(left > 0, own, 0.0)
        value = (terms.sum() - terms[bins] + own) / (total - 1.0)
    if norm == "l1":
        return value
    return np.sqrt(np.maximum(value, 0.0) if debiased else value)


def _check_state(state):
    if state.n_rows == 0:
        raise EmptyInputError(format_message(
            "y_true", "is empty: no rows to evaluate", fix="Pass at least one row"))
    if state.classes.size > 2:
        raise LabelError(format_message(
            "y_true", f"has the classes {state.classes.tolist()[:10]}; calibration takes a "
                      "binary target (only binary classification is supported)",
            fix="Binarize it, e.g. y_true == pos_label"))
    if state.weighted and not state.weight_sums.any():
        raise InvalidInputError(format_message(
            "sample_weight", "sums to zero, so the metric is undefined",
            fix="Give at least one row a positive weight"))


def _calibration_curve_from_state(state, *, pos_label=None):
    """``calibration_curve`` from a :class:`CalibrationState` (unweighted counts)."""
    pos_label = _state_pos_label(state, pos_label)
    _check_state(state)
    total = state.counts.sum(axis=1)
    nonzero = total != 0
    prob_true = _positive(state, pos_label, state.counts)[nonzero] / total[nonzero]
    prob_pred = state.prob_sums.sum(axis=1)[nonzero] / total[nonzero]
    return prob_true.astype(np.float64), prob_pred


@finalized_by(_calibration_curve_from_state)
@fill_doc(**_DOCS)
def calibration_curve(y_true, y_prob, *, pos_label=None, n_bins=5, strategy="uniform",
                      data=None, drop_nulls=False):
    """True and predicted probabilities per bin, as scikit-learn's ``calibration_curve``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels of a binary target.
    y_prob : array-like of shape (n_samples,) or column name
        Probabilities of the positive class, in [0, 1] (NaN is refused).
    pos_label : int, float, bool or str, optional
        The positive class; 1 by default for {0, 1} and {-1, 1} targets.
    n_bins : int, default=5
        Number of bins; empty bins are left out of the result.
    strategy : {"uniform", "quantile"}, default="uniform"
        Equal-width bins on [0, 1], or bins holding the same number of rows
        (edges from ``np.percentile`` of ``y_prob``, as scikit-learn).
%(common_params)s

    Returns
    -------
    prob_true : ndarray of shape (n_nonempty_bins,)
        Fraction of positives in each non-empty bin.
    prob_pred : ndarray of shape (n_nonempty_bins,)
        Mean predicted probability in each non-empty bin.

    Notes
    -----
    With ``strategy="uniform"`` the state merges across chunks; with
    ``"quantile"`` every probability is held in memory to find the edges.

    Examples
    --------
    >>> from fastmetrics.calibration.metrics import calibration_curve
    >>> y_true = [0, 0, 0, 0, 1, 1, 1, 1, 1]
    >>> y_prob = [0.1, 0.2, 0.3, 0.4, 0.65, 0.7, 0.8, 0.9, 1.0]
    >>> prob_true, prob_pred = calibration_curve(y_true, y_prob, n_bins=3)
    >>> prob_true.tolist(), prob_pred.round(3).tolist()
    ([0.0, 0.5, 1.0], [0.2, 0.525, 0.85])
    """
    state = calibration_state(y_true, y_prob, n_bins=n_bins, strategy=strategy, top_label=False,
                              data=data,
                              drop_nulls=drop_nulls)
    return _calibration_curve_from_state(state, pos_label=pos_label)


class ReliabilityDiagram(NamedTuple):
    """The data of a reliability diagram: one entry per bin, empty bins included.

    Attributes
    ----------
    bin_edges : ndarray of float64, shape (n_bins + 1,)
        Bin ``b`` holds the probabilities in ``(bin_edges[b], bin_edges[b + 1]]``
        (the first bin also holds ``bin_edges[0]``).
    counts : ndarray of int64, shape (n_bins,)
        Rows in each bin.
    weights : ndarray of float64, shape (n_bins,)
        Sum of ``sample_weight`` in each bin (the counts without weights).
    mean_predicted : ndarray of float64, shape (n_bins,)
        (Weighted) mean predicted probability of the positive class: the
        confidence; NaN for an empty bin.
    fraction_positive : ndarray of float64, shape (n_bins,)
        (Weighted) fraction of rows of the positive class: the observed
        frequency; NaN for an empty bin.
    low, high : ndarray of float64, shape (n_bins,), or None
        With ``interval=``: each bin's interval of ``fraction_positive`` (a
        binomial proportion of its rows; NaN for an empty bin); else None.
    interval : str or None
        The interval method (``"wilson"`` or ``"clopper-pearson"``), or None.
    """

    bin_edges: np.ndarray
    counts: np.ndarray
    weights: np.ndarray
    mean_predicted: np.ndarray
    fraction_positive: np.ndarray
    low: np.ndarray | None = None
    high: np.ndarray | None = None
    interval: str | None = None


_INTERVALS = ("wilson", "clopper-pearson")


def _bin_intervals(state, pos_label, interval, confidence_level):
    """Each bin's interval of its fraction of positives (a binomial proportion)."""
    if not isinstance(interval, str) or interval not in _INTERVALS:
        raise InvalidParameterError(format_message(
            "interval", f"must be 'wilson', 'clopper-pearson' or None, got {interval!r}"))
    if state.weighted:
        raise InvalidParameterError(format_message(
            "interval", "needs unweighted rows: a bin's weighted fraction is not a binomial "
                        "proportion of its rows",
            fix="Drop sample_weight=, or bootstrap the figure you need"))
    level = check_confidence_level(confidence_level)
    bounds = wilson_bounds if interval == "wilson" else clopper_pearson_bounds
    trials = state.counts.sum(axis=1)
    successes = _positive(state, pos_label, state.counts)
    filled = trials > 0
    low = np.full(trials.shape, np.nan)
    high = np.full(trials.shape, np.nan)
    low[filled], high[filled] = bounds(successes[filled], trials[filled], level)
    return low, high


def _reliability_from_state(state, *, pos_label=None, interval=None,
                            confidence_level=0.95) -> ReliabilityDiagram:
    """``reliability_diagram`` from a :class:`CalibrationState`."""
    pos_label = _state_pos_label(state, pos_label)
    _check_state(state)
    mass, pmass = state.amounts()
    weight = mass.sum(axis=1)
    filled = weight > 0
    mean_predicted = np.full(weight.shape, np.nan)
    fraction_positive = np.full(weight.shape, np.nan)
    mean_predicted[filled] = pmass.sum(axis=1)[filled] / weight[filled]
    fraction_positive[filled] = _positive(state, pos_label, mass)[filled] / weight[filled]
    low = high = None
    if interval is not None:
        low, high = _bin_intervals(state, pos_label, interval, confidence_level)
    return ReliabilityDiagram(state.edges.copy(), state.counts.sum(axis=1), weight,
                              mean_predicted, fraction_positive, low, high, interval)


@finalized_by(_reliability_from_state)
@fill_doc(**_DOCS)
def reliability_diagram(y_true, y_prob, *, pos_label=None, sample_weight=None, n_bins=15,
                        strategy="uniform", labels=None, interval=None, confidence_level=0.95,
                        data=None, drop_nulls=False) -> ReliabilityDiagram:
    """Per-bin confidence and observed frequency: the data of a reliability diagram.

    Unlike :func:`calibration_curve`, every bin is reported (empty ones with
    NaN), with its edges and its size, so the diagram (and a histogram of the
    confidences under it) can be drawn as is.

    Parameters
    ----------
%(inputs)s
%(binning)s
%(top_label)s
    interval : {"wilson", "clopper-pearson"}, optional
        Give each bin's observed frequency a confidence interval: the
        fraction of positives of its rows as a binomial proportion (Wilson's
        score interval, or the conservative Clopper-Pearson one). Unweighted
        rows only.
    confidence_level : float, default=0.95
%(common_params)s

    Returns
    -------
    ReliabilityDiagram
        A named tuple ``(bin_edges, counts, weights, mean_predicted,
        fraction_positive, low, high, interval)``.

    Examples
    --------
    >>> from fastmetrics.calibration.metrics import reliability_diagram
    >>> d = reliability_diagram([0, 0, 1, 1], [0.1, 0.4, 0.6, 0.9], n_bins=4)
    >>> d.bin_edges.tolist(), d.counts.tolist()
    ([0.0, 0.25, 0.5, 0.75, 1.0], [1, 1, 1, 1])
    >>> d.mean_predicted.tolist(), d.fraction_positive.tolist()
    ([0.1, 0.4, 0.6, 0.9], [0.0, 0.0, 1.0, 1.0])
    >>> d = reliability_diagram([0, 1] * 50, [0.3, 0.6] * 50, n_bins=2, interval="wilson")
    >>> d.fraction_positive.tolist(), d.low.round(3).tolist(), d.high.round(3).tolist()
    ([0.0, 1.0], [0.0, 0.929], [0.071, 1.0])
    """
    state = calibration_state(y_true, y_prob, sample_weight=sample_weight, n_bins=n_bins,
                              strategy=strategy, labels=labels, data=data,
                              drop_nulls=drop_nulls)
    return _reliability_from_state(state, pos_label=pos_label, interval=interval,
                                   confidence_level=confidence_level)


_NORMS = ("l1", "l2", "max")


def _gaps(state, pos_label):
    """``(|observed - confidence|, share of the weight)`` over non-empty bins."""
    d = _reliability_from_state(state, pos_label=pos_label)
    filled = d.weights > 0
    gap = np.abs(d.fraction_positive[filled] - d.mean_predicted[filled])
    return gap, d.weights[filled] / d.weights.sum()


def _debiased_l2(state, pos_label):
    """Kumar, Liang & Ma (2019)'s debiased l2 calibration error of the bins.

    Each bin's squared gap ``(acc_b - conf_b) ** 2`` overestimates the
    squared true gap by the variance of ``acc_b``; subtracting its unbiased
    estimate ``acc_b (1 - acc_b) / (n_b - 1)`` gives an unbiased estimate of
    the squared l2 error, clipped at 0 before the square root. Bins of one
    row have no variance estimate and count as their plug-in term.
    """
    if state.weighted:
        raise InvalidParameterError(format_message(
            "debiased", "needs unweighted rows (the bias correction counts rows per bin)",
            fix="Drop sample_weight=, or debiased=False"))
    d = _reliability_from_state(state, pos_label=pos_label)
    filled = d.counts > 0
    n = d.counts[filled].astype(np.float64)
    acc, conf = d.fraction_positive[filled], d.mean_predicted[filled]
    with np.errstate(divide="ignore", invalid="ignore"):
        correction = np.where(n > 1, acc * (1.0 - acc) / (n - 1.0), 0.0)
    squared = float(np.sum(n / n.sum() * ((acc - conf) ** 2 - correction)))
    return math.sqrt(max(squared, 0.0))


def _ece_from_state(state, *, pos_label=None, norm="l1", debiased=False):
    """``expected_calibration_error`` from a :class:`CalibrationState`."""
    if not isinstance(norm, str) or norm not in _NORMS:
        raise InvalidParameterError(format_message(
            "norm", f"must be 'l1', 'l2' or 'max', got {norm!r}"))
    if not isinstance(debiased, (bool, np.bool_)):
        raise InvalidParameterError(format_message(
            "debiased", f"must be True or False, got {debiased!r}"))
    if debiased:
        if norm != "l2":
            raise InvalidParameterError(format_message(
                "debiased", f"is defined for norm='l2' (Kumar et al. 2019), not norm={norm!r}",
                fix="Pass norm='l2' with debiased=True"))
        return _debiased_l2(state, pos_label)
    gap, share = _gaps(state, pos_label)
    if norm == "l1":
        return float(np.sum(gap * share))
    if norm == "l2":
        return math.sqrt(float(np.sum(gap * gap * share)))
    return float(gap.max())


@finalized_by(_ece_from_state)
@fill_doc(**_DOCS)
def expected_calibration_error(y_true, y_prob, *, pos_label=None, sample_weight=None,
                               n_bins=15, strategy="uniform", norm="l1", labels=None,
                               debiased=False, data=None, drop_nulls=False):
    """Expected calibration error (ECE) of a classifier's probabilities.

    The rows are binned by ``y_prob``, the probability of the positive class
    (the *confidence*). In each non-empty bin ``b`` with weight ``W_b`` (rows,
    or the sum of ``sample_weight``) out of ``W``, ``conf_b`` is the mean
    ``y_prob`` and ``acc_b`` the fraction of rows of the positive class
    (weighted means with weights). Then

    * ``norm="l1"``: ``ECE = sum_b W_b / W * |acc_b - conf_b|``;
    * ``norm="l2"``: ``sqrt(sum_b W_b / W * (acc_b - conf_b) ** 2)``;
    * ``norm="max"``: ``max_b |acc_b - conf_b|``, the maximum calibration
      error (see :func:`maximum_calibration_error`).

    This is torchmetrics' ``BinaryCalibrationError`` (same norms), except at
    the bin edges: a probability exactly on an interior edge belongs here to
    the bin below (``(e_b, e_b+1]``, as ``sklearn.calibration.calibration_curve``),
    in torchmetrics to the bin above. The l1 ECE is the weighted mean of
    ``|prob_true - prob_pred|`` over :func:`calibration_curve`'s bins.

    Parameters
    ----------
%(inputs)s
%(binning)s
%(top_label)s
    norm : {"l1", "l2", "max"}, default="l1"
    debiased : bool, default=False
        With ``norm="l2"``: Kumar, Liang & Ma (2019)'s debiased estimator.
        The plug-in error is biased upward (a bin's observed frequency is
        noisy, and ``|noise|`` adds to every gap, most in small bins); the
        debiased one subtracts each bin's binomial variance
        ``acc_b (1 - acc_b) / (n_b - 1)`` from its squared gap.
%(common_params)s

    Returns
    -------
    float
        In [0, 1]; 0 for perfectly calibrated bins.

    References
    ----------
    M. P. Naeini, G. Cooper, M. Hauskrecht (2015). Obtaining Well Calibrated
    Probabilities Using Bayesian Binning. AAAI.
    C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger (2017). On Calibration of
    Modern Neural Networks. ICML.

    Examples
    --------
    >>> from fastmetrics.calibration.metrics import expected_calibration_error
    >>> y_true = [0, 0, 1, 1, 1]
    >>> y_prob = [0.1, 0.3, 0.6, 0.8, 0.9]
    >>> round(expected_calibration_error(y_true, y_prob, n_bins=2), 6)
    0.22
    >>> round(expected_calibration_error(y_true, y_prob, n_bins=2, norm="max"), 6)
    0.233333

    Top-label ECE of a 3-class model (confidence: the largest probability):

    >>> proba = [[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.5, 0.4, 0.1]]
    >>> round(expected_calibration_error(["a", "b", "b", "c"], proba, n_bins=2), 6)
    0.15
    """
    if not isinstance(norm, str) or norm not in _NORMS:
        raise InvalidParameterError(format_message(
            "norm", f"must be 'l1', 'l2' or 'max', got {norm!r}"))
    state = calibration_state(y_true, y_prob, sample_weight=sample_weight, n_bins=n_bins,
                              strategy=strategy, labels=labels, data=data,
                              drop_nulls=drop_nulls)
    return _ece_from_state(state, pos_label=pos_label, norm=norm, debiased=debiased)


def _mce_from_state(state, *, pos_label=None):
    """``maximum_calibration_error`` from a :class:`CalibrationState`."""
    return _ece_from_state(state, pos_label=pos_label, norm="max")


@finalized_by(_mce_from_state)
@fill_doc(**_DOCS)
def maximum_calibration_error(y_true, y_prob, *, pos_label=None, sample_weight=None,
                              n_bins=15, strategy="uniform", labels=None, data=None,
                              drop_nulls=False):
    """Maximum calibration error (MCE): the largest gap of a non-empty bin.

    ``MCE = max_b |acc_b - conf_b|`` over the non-empty bins (bins whose
    weight is positive), with ``acc_b`` and ``conf_b`` as in
    :func:`expected_calibration_error` (torchmetrics' ``norm="max"``).

    Parameters
    ----------
    y_true, y_prob, pos_label, sample_weight
        As for :func:`expected_calibration_error`.
%(binning)s
%(top_label)s
%(common_params)s

    Returns
    -------
    float

    Examples
    --------
    >>> from fastmetrics.calibration.metrics import maximum_calibration_error
    >>> round(maximum_calibration_error([0, 0, 1, 1, 1], [0.1, 0.3, 0.6, 0.8, 0.9],
    ...                                 n_bins=2), 6)
    0.233333
    """
    state = calibration_state(y_true, y_prob, sample_weight=sample_weight, n_bins=n_bins,
                              strategy=strategy, labels=labels, data=data,
                              drop_nulls=drop_nulls)
    return _mce_from_state(state, pos_label=pos_label)

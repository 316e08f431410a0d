"""Choose a decision threshold for a binary target, with its full operating point.

scikit-learn draws the curves but does not pick a point on them. These
functions do, from the same exact :class:`~fastmetrics.ScoreState` as the
curves (or from any state offering ``state.curve_sums(pos_label)``, such as a
binned state), and return an :class:`OperatingPoint`: the threshold, the four
confusion counts and the usual rates.

Conventions (the same in every function):

* **Thresholds.** A threshold ``t`` predicts the positive class where
  ``score >= t``. The candidates are the distinct scores (one point per score,
  as on :func:`~fastmetrics.roc_curve`), plus the point that predicts nothing
  positive, reported with threshold ``+inf``. Under a weighted state, scores
  carried only by zero-weight rows are no candidates (as on scikit-learn's
  curves).
* **Undefined ratios are NaN.** Precision with no predicted positive, recall
  (and F1) with no positive row, specificity and FPR with no negative row are
  0/0 and reported as NaN, never as 0 or 1.
* **The +inf point** ("predict nothing") takes part where its criterion is
  defined: F-beta (where it is 0, so it never wins) and Youden's J (where it
  is 0, the ROC curve's first point). Its precision is undefined, so it never
  satisfies ``min_precision`` nor ranks in :func:`precision_at_recall`: a
  constraint that no threshold meets raises an error naming the best value
  reachable, rather than answering "recall 0 at an impossible threshold".
* **Ties.** Among points with the same criterion value the highest
  threshold wins (the fewest predicted positives). Values are compared as
  computed in float64; for counts, equal fractions give equal floats (F1,
  precision, recall), and Youden's J is compared exactly on integers.
* **Classes.** The selection functions need positive rows (recall is
  undefined without them); :func:`youden_threshold` also needs negative rows.
  Otherwise they raise :class:`~fastmetrics.exceptions.LabelError`.
  :func:`operating_point` evaluates any state and reports NaN where undefined.
* **Binned states.** From a state with ``curve_sums`` (a binned state), the
  candidates are its thresholds as that method lists them (a binned state
  ends with ``-inf``: predict everything positive), whose last entry must
  count every row (the class totals); an :func:`operating_point` must sit on
  one of them.
* ``pos_label`` is resolved as for :func:`~fastmetrics.precision_recall_curve`:
  1 for {0, 1} and {-1, 1} targets, else it must be given.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass

import numpy as np

from .._core.labels import resolve_pos_label
from .._core.metric import common_params_doc, fill_doc, finalized_by
from ..exceptions import InvalidParameterError, LabelError, format_message
from .build import score_state
from .curves import _curve_sums

__all__ = ['OperatingPoint', 'best_fbeta_threshold', 'youden_threshold', 'precision_at_recall', 'recall_at_precision', 'operating_point']


COMMON_PARAMS_DOC = common_params_doc("``y_true``, ``y_score``")


_DOCS = dict(common_params=COMMON_PARAMS_DOC)


@dataclass(frozen=True)
class OperatingPoint:
    """A threshold and what it does: ``predict positive iff score >= threshold``.

    Attributes
    ----------
    threshold : float
        ``+inf`` for the point that predicts nothing positive.
    tp, fp, fn, tn : numpy.int64 or numpy.float64
        Confusion counts (sums of ``sample_weight`` when weighted).
    precision, recall, specificity, fpr, f1 : float
        ``tp / (tp + fp)``, ``tp / (tp + fn)``, ``tn / (tn + fp)``,
        ``fp / (fp + tn)`` and ``2 tp / (2 tp + fp + fn)``; NaN where the
        denominator is 0 (e.g. precision when nothing is predicted positive).
    value : float or None
        The criterion that chose the point (None for :func:`operating_point`).
    criterion : str or None
        Its name: ``"f1"``, ``"f0.5"``, ``"youden_j"``, ``"precision"``, ``"recall"``.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> p = fm.operating_point([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], threshold=0.35)
    >>> p
    OperatingPoint(threshold=0.35, tp=2, fp=1, fn=0, tn=1, precision=0.666667, recall=1,
                   specificity=0.5, fpr=0.5, f1=0.8)
    >>> p.to_dict()["precision"]
    0.6666666666666666
    """

    threshold: float
    tp: np.int64 | np.float64
    fp: np.int64 | np.float64
    fn: np.int64 | np.float64
    tn: np.int64 | np.float64
    precision: float
    recall: float
    specificity: float
    fpr: float
    f1: float
    value: float | None = None
    criterion: str | None = None

    def to_dict(self) -> dict:
        """The fields as plain Python numbers (ints for counts, floats for the rest)."""
        out = asdict(self)
        for key in ("tp", "fp", "fn", "tn"):
            out[key] = out[key].item()
        return out

    def __repr__(self) -> str:
        def num(v):
            return f"{v:.6g}" if isinstance(v, (float, np.floating)) else str(v)

        head = ""
        if self.criterion is not None:
            head = f"criterion={self.criterion!r}, value={num(self.value)}, "
        body = ", ".join(f"{k}={num(getattr(self, k))}" for k in (
            "tp", "fp", "fn", "tn", "precision", "recall", "specificity", "fpr", "f1"))
        return f"OperatingPoint({head}threshold={self.threshold!r}, {body})"


class _Sweep:
    """Every candidate point, by descending threshold, the "+inf" point first.

    ``tp[i]``, ``fp[i]``: positives and negatives with ``score >= threshold[i]``
    (int64 counts, or float64 weight sums); ``P``, ``N``: the totals.
    """

    def __init__(self, state, pos_label):
        pos_label = resolve_pos_label(state.classes, pos_label, check_kind=False)
        classes = getattr(state, "classes", None)
        if classes is not None and classes.size == 2 and pos_label not in classes.tolist():
            raise LabelError(format_message(
                "pos_label", f"={pos_label!r} is not a valid label: y_true holds "
                             f"{classes.tolist()}", fix="Pass one of those"))
        self.pos_label = pos_label
        # A binned state offers the same triple; the exact one comes from curves.
        curve_sums = getattr(state, "curve_sums", None)
        self.binned = curve_sums is not None
        fps, tps, thresholds = (curve_sums(pos_label) if self.binned
                                else _curve_sums(state, pos_label))
        if not getattr(state, "weighted", True):
            # Exact integers in float64 (counts < 2**53): back to int64 counts.
            fps, tps = fps.astype(np.int64), tps.astype(np.int64)
        zero = tps.dtype.type(0)
        self.tp = np.concatenate([[zero], tps])
        self.fp = np.concatenate([[zero], fps])
        self.threshold = np.concatenate([[np.inf], np.asarray(thresholds, dtype=np.float64)])
        # The last threshold is the lowest score: every row is at or above it.
        self.P = self.tp[-1]
        self.N = self.fp[-1]

    def require(self, *, negatives=False):
        what = None
        if not self.P > 0:
            what = f"no positive rows (pos_label={self.pos_label!r})"
        elif negatives and not self.N > 0:
            what = "no negative rows"
        if what is not None:
            raise LabelError(format_message(
                "y_true", f"has {what} of positive weight, so the criterion is undefined",
                fix="Pass rows of both classes, or the right pos_label="))

    def point(self, i, *, threshold=None, value=None, criterion=None) -> OperatingPoint:
        tp, fp = self.tp[i], self.fp[i]
        P, N = self.P, self.N
        return OperatingPoint(
            threshold=float(self.threshold[i] if threshold is None else threshold),
            tp=tp, fp=fp, fn=P - tp, tn=N - fp,
            precision=_ratio(tp, tp + fp), recall=_ratio(tp, P),
            specificity=_ratio(N - fp, N), fpr=_ratio(fp, N),
            f1=_ratio(2 * tp, P + tp + fp), value=value, criterion=criterion)

    def best(self, values, eligible, criterion, shown=None) -> OperatingPoint:
        """The eligible point of the greatest value; among equals the highest threshold.

        ``shown`` is the float value reported when ``values`` are exact integer
        keys (Youden's J).
        """
        candidates = np.flatnonzero(eligible)
        top = values[candidates].max()
        i = int(candidates[np.argmax(values[candidates] == top)])  # first = highest threshold
        value = float(values[i] if shown is None else shown[i])
        return self.point(i, value=value, criterion=criterion)


def _ratio(a, b) -> float:
    return float(a / b) if b > 0 else math.nan


def _real(name, value, *, low=None, high=None, low_open=False):
    """A real parameter (not bool, not NaN) within [low, high] (or (low, high])."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    if ok:
        value = float(value)
        ok = not math.isnan(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value <= high
    if not ok:
        where = ""
        if high is not None:
            where = f" in {'(' if low_open else '['}{low}, {high}]"
        elif low is not None:
            where = f" > {low}" if low_open else f" >= {low}"
        raise InvalidParameterError(format_message(
            name, f"must be a real number{where}, got {value!r}"))
    return value


def _check_beta(beta) -> float:
    beta = _real("beta", beta, low=0.0, low_open=True)
    if math.isinf(beta):
        raise InvalidParameterError(format_message(
            "beta", "must be finite, got inf", fix="For recall alone use recall_at_precision"))
    return beta


def _state(y_true, y_score, sample_weight, data, drop_nulls):
    return score_state(y_true, y_score, sample_weight=sample_weight, data=data,
                       drop_nulls=drop_nulls)


def _best_fbeta_from_state(state, *, beta=1.0, pos_label=None) -> OperatingPoint:
    """``best_fbeta_threshold`` from a :class:`~fastmetrics.ScoreState`."""
    beta = _check_beta(beta)
    sweep = _Sweep(state, pos_label)
    sweep.require()
    b2 = beta * beta
    # scikit-learn's form: (1 + b2) tp / (b2 (tp + fn) + (tp + fp)); P > 0, so no 0/0.
    f = (1 + b2) * sweep.tp / (b2 * sweep.P + (sweep.tp + sweep.fp))
    name = "f1" if beta == 1 else f"f{beta:g}"
    return sweep.best(f, np.ones(f.shape, dtype=bool), name)


@finalized_by(_best_fbeta_from_state)
@fill_doc(**_DOCS)
def best_fbeta_threshold(y_true, y_score, *, beta=1.0, pos_label=None, sample_weight=None,
                         data=None, drop_nulls=False) -> OperatingPoint:
    """The threshold of the highest F-beta score.

    Every distinct score is tried as a threshold (``score >= threshold``
    predicts ``pos_label``); F-beta is computed as
    :func:`sklearn.metrics.fbeta_score` does. Among equal scores the highest
    threshold wins.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        Binary labels; without ``pos_label`` they must be {0, 1} or {-1, 1}.
    y_score : array-like of shape (n_samples,) or column name
        Scores of the positive class (finite).
    beta : float, default=1.0
        Weight of recall against precision (positive, finite).
    pos_label : int, float, bool or str, optional
    sample_weight : array-like of shape (n_samples,), optional
%(common_params)s

    Returns
    -------
    OperatingPoint
        ``value`` is the F-beta score.

    Raises
    ------
    LabelError
        When ``y_true`` has no positive row.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> p = fm.best_fbeta_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> p
    OperatingPoint(criterion='f1', value=0.8, threshold=0.35, tp=2, fp=1, fn=0, tn=1,
                   precision=0.666667, recall=1, specificity=0.5, fpr=0.5, f1=0.8)
    """
    _check_beta(beta)
    state = _state(y_true, y_score, sample_weight, data, drop_nulls)
    return _best_fbeta_from_state(state, beta=beta, pos_label=pos_label)


def _youden_from_state(state, *, pos_label=None) -> OperatingPoint:
    """``youden_threshold`` from a :class:`~fastmetrics.ScoreState`."""
    sweep = _Sweep(state, pos_label)
    sweep.require(negatives=True)
    P, N = sweep.P, sweep.N
    if sweep.tp.dtype.kind == "i" and int(P) * int(N) < 2 ** 62:
        # J = (tp N - fp P) / (P N): compared exactly on the integer numerator.
        key = sweep.tp * N - sweep.fp * P
        shown = key / (int(P) * int(N))
    else:
        key = shown = sweep.tp / P - sweep.fp / N
    return sweep.best(key, np.ones(key.shape, dtype=bool), "youden_j", shown)


@finalized_by(_youden_from_state)
@fill_doc(**_DOCS)
def youden_threshold(y_true, y_score, *, pos_label=None, sample_weight=None, data=None,
                     drop_nulls=False) -> OperatingPoint:
    """The threshold of the highest Youden's J = TPR - FPR (sensitivity + specificity - 1).

    The candidates are the distinct scores and the ``+inf`` point (predict
    nothing, J = 0), the points of :func:`~fastmetrics.roc_curve` with
    ``drop_intermediate=False``. Among equal J the highest threshold wins, so
    a classifier no better than chance gets ``+inf``.

    Parameters
    ----------
    y_true, y_score, pos_label, sample_weight
        As for :func:`best_fbeta_threshold`.
%(common_params)s

    Returns
    -------
    OperatingPoint
        ``value`` is J.

    Raises
    ------
    LabelError
        When ``y_true`` lacks positive or negative rows.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> p = fm.youden_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> p.threshold, p.value, p.recall, p.fpr
    (0.8, 0.5, 0.5, 0.0)
    """
    state = _state(y_true, y_score, sample_weight, data, drop_nulls)
    return _youden_from_state(state, pos_label=pos_label)


def _precision_at_recall_from_state(state, *, min_recall, pos_label=None) -> OperatingPoint:
    """``precision_at_recall`` from a :class:`~fastmetrics.ScoreState`."""
    min_recall = _real("min_recall", min_recall, low=0.0, high=1.0)
    sweep = _Sweep(state, pos_label)
    sweep.require()
    predicted = sweep.tp + sweep.fp
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = sweep.tp / predicted
    recall = sweep.tp / sweep.P
    # The lowest threshold has recall 1, so some point always qualifies.
    return sweep.best(precision, (predicted > 0) & (recall >= min_recall), "precision")


@finalized_by(_precision_at_recall_from_state)
@fill_doc(**_DOCS)
def precision_at_recall(y_true, y_score, *, min_recall, pos_label=None, sample_weight=None,
                        data=None, drop_nulls=False) -> OperatingPoint:
    """The highest precision among thresholds whose recall is at least ``min_recall``.

    Among equal precision the highest threshold wins. The ``+inf`` point has
    no precision and never qualifies; some threshold always does (the lowest
    has recall 1).

    Parameters
    ----------
    y_true, y_score
        As for :func:`best_fbeta_threshold`.
    min_recall : float in [0, 1]
        Recall is compared in float64: ``tp / (tp + fn) >= min_recall``.
    pos_label, sample_weight
        As for :func:`best_fbeta_threshold`.
%(common_params)s

    Returns
    -------
    OperatingPoint
        ``value`` is the precision.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> p = fm.precision_at_recall([0, 0, 1, 1, 1], [0.1, 0.4, 0.35, 0.8, 0.7],
    ...                            min_recall=0.6)
    >>> p.threshold, p.value, p.recall
    (0.7, 1.0, 0.6666666666666666)
    """
    _real("min_recall", min_recall, low=0.0, high=1.0)
    state = _state(y_true, y_score, sample_weight, data, drop_nulls)
    return _precision_at_recall_from_state(state, min_recall=min_recall, pos_label=pos_label)


def _recall_at_precision_from_state(state, *, min_precision, pos_label=None) -> OperatingPoint:
    """``recall_at_precision`` from a :class:`~fastmetrics.ScoreState`."""
    min_precision = _real("min_precision", min_precision, low=0.0, high=1.0)
    sweep = _Sweep(state, pos_label)
    sweep.require()
    predicted = sweep.tp + sweep.fp
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = sweep.tp / predicted
    defined = predicted > 0
    eligible = defined & (precision >= min_precision)
    if not eligible.any():
        best = int(np.flatnonzero(defined)[np.argmax(precision[defined])])
        raise InvalidParameterError(format_message(
            "min_precision", f"{min_precision!r} is reached at no threshold: the highest "
                             f"precision is {float(precision[best])!r} (at threshold "
                             f"{float(sweep.threshold[best])!r}, recall "
                             f"{float(sweep.tp[best] / sweep.P)!r})",
            fix="Lower min_precision"))
    return sweep.best(sweep.tp / sweep.P, eligible, "recall")


@finalized_by(_recall_at_precision_from_state)
@fill_doc(**_DOCS)
def recall_at_precision(y_true, y_score, *, min_precision, pos_label=None, sample_weight=None,
                        data=None, drop_nulls=False) -> OperatingPoint:
    """The highest recall among thresholds whose precision is at least ``min_precision``.

    Among equal recall the highest threshold wins (the fewest false
    positives). The ``+inf`` point (predict nothing) has no precision and
    never qualifies: when no threshold reaches ``min_precision`` this raises,
    naming the highest precision there is, instead of answering recall 0.

    Parameters
    ----------
    y_true, y_score
        As for :func:`best_fbeta_threshold`.
    min_precision : float in [0, 1]
        Precision is compared in float64: ``tp / (tp + fp) >= min_precision``.
    pos_label, sample_weight
        As for :func:`best_fbeta_threshold`.
%(common_params)s

    Returns
    -------
    OperatingPoint
        ``value`` is the recall.

    Raises
    ------
    InvalidParameterError
        When no threshold reaches ``min_precision``.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> p = fm.recall_at_precision([0, 0, 1, 1, 1], [0.1, 0.4, 0.35, 0.8, 0.7],
    ...                            min_precision=0.75)
    >>> p.threshold, p.value, p.precision
    (0.35, 1.0, 0.75)
    """
    _real("min_precision", min_precision, low=0.0, high=1.0)
    state = _state(y_true, y_score, sample_weight, data, drop_nulls)
    return _recall_at_precision_from_state(state, min_precision=min_precision,
                                           pos_label=pos_label)


def _operating_point_from_state(state, *, threshold, pos_label=None) -> OperatingPoint:
    """``operating_point`` from a :class:`~fastmetrics.ScoreState`."""
    threshold = _real("threshold", threshold)
    sweep = _Sweep(state, pos_label)
    if sweep.binned and not (math.isinf(threshold) or np.any(sweep.threshold == threshold)):
        # Rows between two of a binned state's thresholds are not told apart.
        raise InvalidParameterError(format_message(
            "threshold", f"{threshold!r} is not one of the binned state's thresholds",
            fix="Pass one of them (state.thresholds), or use the exact score_state"))
    # Points are cumulative by descending score: point i holds the i highest scores.
    i = int(np.count_nonzero(sweep.threshold[1:] >= threshold))
    return sweep.point(i, threshold=threshold)


@finalized_by(_operating_point_from_state)
@fill_doc(**_DOCS)
def operating_point(y_true, y_score, *, threshold, pos_label=None, sample_weight=None,
                    data=None, drop_nulls=False) -> OperatingPoint:
    """Counts and rates of predicting ``pos_label`` where ``score >= threshold``.

    Scores are compared with the threshold in float64. Any target is taken:
    ratios without rows to divide by are NaN. ``value`` and ``criterion`` are
    None. From a binned state (``operating_point.from_state``) the threshold
    must be one of the state's thresholds (or infinite): rows between two
    thresholds are not told apart.

    Parameters
    ----------
    y_true, y_score
        As for :func:`best_fbeta_threshold`.
    threshold : float
        Any real number (``inf`` predicts nothing positive).
    pos_label, sample_weight
        As for :func:`best_fbeta_threshold`.
%(common_params)s

    Returns
    -------
    OperatingPoint

    Examples
    --------
    >>> import fastmetrics as fm
    >>> p = fm.operating_point([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], threshold=0.5)
    >>> p.tp, p.fp, p.precision, p.recall
    (np.int64(1), np.int64(0), 1.0, 0.5)
    """
    _real("threshold", threshold)
    state = _state(y_true, y_score, sample_weight, data, drop_nulls)
    return _operating_point_from_state(state, threshold=threshold, pos_label=pos_label)

"""DeLong's variance of the ROC AUC, its confidence interval, and the paired test.

The AUC of a binary target is the mean of the Mann-Whitney kernel
``psi(x, y)`` (1 if the positive's score ``x`` is above the negative's ``y``,
1/2 on a tie, 0 below) over all (positive, negative) pairs. DeLong, DeLong &
Clarke-Pearson (1988) write its variance with the *placement values* (the
structural components) of each row:

* a positive row with score ``x``: ``V10 = mean over negatives of psi(x, y)``,
* a negative row with score ``y``: ``V01 = mean over positives of psi(x, y)``,

both averaging to the AUC. With ``m`` positives and ``n`` negatives::

    S10 = sum over positives (V10 - AUC)^2 / (m - 1)
    S01 = sum over negatives (V01 - AUC)^2 / (n - 1)
    Var(AUC) = S10 / m + S01 / n

(the unbiased ``1 / (m - 1)`` and ``1 / (n - 1)`` normalization of the 1988
paper, as R's pROC and Sun & Xu's fast DeLong use). Two models scored on the
same rows have the covariance ``S10_ab / m + S01_ab / n`` from the products
of their centred placements, and the paired test's z statistic is
``(AUC_a - AUC_b) / sqrt(Var_a + Var_b - 2 Cov_ab)``.

How it is computed. Rows sharing a (score, class) share their placement, so
with the :class:`~fastmetrics.ScoreState` of distinct scores (descending,
counts per class) a placement is a running sum over the table, as in Sun &
Xu (2014): a positive at distinct score ``u`` has ``2 n V10 = 2 (negatives
below u) + (negatives at u)``, an integer. The single-model variance is thus
O(U) over the table, no per-row array. The paired test needs each row's
placement under *both* models, so it keeps the rows' scores: each model's
scores are radix-sorted once (``kernels.cpu.ranking``'s sort, carrying the row
index), and one merge of the sorted classes writes every row's placement
(``kernels.cpu.inference.score_placements``): O(n) passes after the sort, no
search per row, no O(m n) pairs.

Weighted rows are refused: DeLong's formulas are for counts of rows.

References
----------
E. R. DeLong, D. M. DeLong, D. L. Clarke-Pearson (1988). Comparing the areas
under two or more correlated receiver operating characteristic curves: a
nonparametric approach. Biometrics 44(3), 837-845.

X. Sun, W. Xu (2014). Fast implementation of DeLong's algorithm for comparing
the areas under correlated receiver operating characteristic curves. IEEE
Signal Processing Letters 21(11), 1389-1393.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._core.pipeline import open_batches, batch_column, warn_dropped, is_multilabel_input
from ..ranking.build import score_state
from ..ranking.build import checked_binary_scores
from ..exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                          InvalidParameterError, LabelError, UndefinedMetricWarning,
                          format_message)
from ..kernels.cpu import curves as area_kernels
from ..kernels.cpu import inference as inference_kernels
from .._core.metric import finalized_by
from ..ranking.state import ScoreState
from .._core.labels import label_index, union_labels
from .results import ConfidenceInterval, TestResult, check_confidence_level

__all__ = ["delong_roc_variance", "delong_interval", "delong_test"]

_TRANSFORMS = (None, "logit")


def _refuse_weights(argument):
    return InvalidParameterError(format_message(
        argument, "is not supported: DeLong's variance is defined for counts of rows",
        fix="Drop the weights, repeat rows for integer weights, or use a bootstrap interval"))


def _check_classes(classes, counts_per_class, argument="y_true"):
    """Both classes present, with at least two rows each (for the 1/(m-1) terms)."""
    listed = classes.tolist()
    if len(listed) > 2:
        raise LabelError(format_message(
            argument, f"has {len(listed)} classes ({listed[:5]}); DeLong's AUC variance "
                      "takes a binary target", fix="Binarize it, e.g. y_true == pos_label"))
    if len(listed) < 2:
        raise InvalidInputError(format_message(
            argument, f"holds one class only ({listed}): the ROC AUC and DeLong's "
                      "variance are undefined", fix="Evaluate on rows of both classes"))
    for label, count in zip(listed, counts_per_class):
        if count < 2:
            raise InvalidInputError(format_message(
                argument, f"has {count} row(s) of class {label!r}; DeLong's variance needs "
                          "at least two rows of each class (it divides by m - 1 and n - 1)",
                fix="Evaluate on more rows"))


def _placement_numerators(pos, neg):
    """Per distinct score (descending): ``2 n V10`` of its positives, ``2 m V01`` of its
    negatives, both exact int64 (``n`` negatives and ``m`` positives in all)."""
    n_neg = neg.sum()
    neg_below = n_neg - np.cumsum(neg)      # negatives strictly below each score
    pos_above = np.cumsum(pos) - pos        # positives strictly above each score
    return 2 * neg_below + neg, 2 * pos_above + pos


def _centred_sum(values, weights, mean):
    """``sum(weights * (values - mean)^2)`` in float64."""
    d = values.astype(np.float64) - mean
    return float(np.dot(weights.astype(np.float64), d * d))


def _variance_from_state(state) -> tuple[float, float]:
    """(AUC, DeLong variance) of an unweighted binary :class:`ScoreState`, O(U)."""
    if not isinstance(state, ScoreState):
        raise InputTypeError(format_message(
            "state", f"must be a ScoreState (binary labels, 1-D scores), got "
                     f"{type(state).__name__}", fix="Build it with fastmetrics.score_state"))
    if state.weighted:
        raise _refuse_weights("state")
    counts = state.class_counts
    _check_classes(state.classes, counts.sum(axis=1).tolist())
    # The larger label is positive, as roc_auc_score binarizes a binary y_true.
    neg, pos = counts[0], counts[1]
    m, n = int(pos.sum()), int(neg.sum())
    auc = area_kernels.roc_auc_from_counts(pos, neg)
    a10, a01 = _placement_numerators(pos, neg)
    twice_area = int(a10 @ pos)  # twice the Mann-Whitney count, exact (= a01 @ neg)
    s10 = _centred_sum(a10, pos, twice_area / m) / ((m - 1) * (2.0 * n) ** 2)
    s01 = _centred_sum(a01, neg, twice_area / n) / ((n - 1) * (2.0 * m) ** 2)
    return auc, s10 / m + s01 / n


@finalized_by(_variance_from_state)
def delong_roc_variance(y_true, y_score, *, sample_weight=None, data=None,
                        drop_nulls=False) -> tuple[float, float]:
    """ROC AUC of a binary target and its DeLong variance.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        Binary labels (any type); the larger label is the positive class, as
        in :func:`fastmetrics.roc_auc_score`. At least two rows of each class.
    y_score : array-like of shape (n_samples,) or column name
        Scores of the positive class (higher means more positive).
    sample_weight : None
        Must be None; weighted rows are refused with
        :class:`~fastmetrics.exceptions.InvalidParameterError`.
    data : table, DataFrame or path, optional
        Source of the columns named by ``y_true`` and ``y_score``.
    drop_nulls : bool, default=False
        Drop rows holding a null (with a warning) instead of raising.

    Returns
    -------
    auc : float
        Equal to :func:`sklearn.metrics.roc_auc_score`.
    variance : float
        DeLong's estimate ``S10 / m + S01 / n`` with the ``1 / (m - 1)``,
        ``1 / (n - 1)`` normalization (see :mod:`fastmetrics.inference.delong`).

    Notes
    -----
    ``delong_roc_variance.from_state(state)`` takes a
    :class:`~fastmetrics.ScoreState` (``fm.score_state``, merged from chunks
    if need be): the variance is one O(U) pass over its U distinct scores.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> auc, var = fm.delong_roc_variance([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    >>> round(auc, 4), round(var, 6)
    (0.8889, 0.024691)
    >>> state = fm.score_state([0, 0, 1, 1, 0, 1], [0.1, 0.4, 0.35, 0.8, 0.2, 0.9])
    >>> fm.delong_roc_variance.from_state(state) == (auc, var)
    True
    """
    if sample_weight is not None:
        raise _refuse_weights("sample_weight")
    state = score_state(y_true, y_score, data=data, drop_nulls=drop_nulls)
    return _variance_from_state(state)


def _check_transform(transform):
    if not (transform is None or (isinstance(transform, str) and transform in _TRANSFORMS)):
        raise InvalidParameterError(format_message(
            "transform", f"must be None or 'logit', got {transform!r}"))


def _interval_from_state(state, *, confidence_level=0.95, transform=None) -> ConfidenceInterval:
    """``delong_interval`` from a :class:`~fastmetrics.ScoreState`."""
    from scipy import stats

    level = check_confidence_level(confidence_level)
    _check_transform(transform)
    auc, variance = _variance_from_state(state)
    se = math.sqrt(variance)
    z = float(stats.norm.isf((1.0 - level) / 2.0))
    method = "delong" if transform is None else "delong-logit"
    if se == 0.0:  # every placement equals the AUC (e.g. perfect separation)
        return ConfidenceInterval(auc, auc, auc, level, method, se)
    if transform is None:
        low, high = max(auc - z * se, 0.0), min(auc + z * se, 1.0)
    else:
        # 0 < auc < 1 here: an AUC of 0 or 1 has zero variance.
        centre = math.log(auc / (1.0 - auc))
        half = z * se / (auc * (1.0 - auc))  # delta method: d logit(p) / dp = 1 / p(1-p)
        low = 1.0 / (1.0 + math.exp(-(centre - half)))
        high = 1.0 / (1.0 + math.exp(-(centre + half)))
    return ConfidenceInterval(auc, low, high, level, method, se)


@finalized_by(_interval_from_state)
def delong_interval(y_true, y_score, *, confidence_level=0.95, transform=None,
                    sample_weight=None, data=None, drop_nulls=False) -> ConfidenceInterval:
    """Confidence interval for the ROC AUC from DeLong's variance.

    Parameters
    ----------
    y_true, y_score, sample_weight, data, drop_nulls
        As for :func:`delong_roc_variance`.
    confidence_level : float, default=0.95
        Nominal coverage, strictly between 0 and 1.
    transform : {None, "logit"}, default=None
        None: the normal interval ``AUC +- z SE`` on the AUC scale, clipped to
        [0, 1] (as R's pROC). ``"logit"``: the normal interval of
        ``logit(AUC)`` with the delta-method standard error
        ``SE / (AUC (1 - AUC))``, mapped back; it stays inside (0, 1) and is
        asymmetric near the bounds, where it covers better.

    Returns
    -------
    ConfidenceInterval
        ``estimate`` is the AUC, ``standard_error`` the square root of
        DeLong's variance; ``method`` is ``"delong"`` or ``"delong-logit"``.
        A zero variance (every placement value equal to the AUC, as with
        perfectly separated classes) gives the interval ``[AUC, AUC]``.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y_true = [0, 0, 1, 1, 0, 1, 1, 0]
    >>> y_score = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.6, 0.7]
    >>> fm.delong_interval(y_true, y_score)
    ConfidenceInterval(estimate=0.8125, low=0.480775, high=1, confidence_level=0.95, method='delong', standard_error=0.169251)
    >>> ci = fm.delong_interval(y_true, y_score, transform="logit")
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.3293, 0.9745)
    """
    check_confidence_level(confidence_level)
    _check_transform(transform)
    if sample_weight is not None:
        raise _refuse_weights("sample_weight")
    state = score_state(y_true, y_score, data=data, drop_nulls=drop_nulls)
    return _interval_from_state(state, confidence_level=confidence_level, transform=transform)


# ---------------------------------------------------------------------------
# the paired test
# ---------------------------------------------------------------------------

_PAIRED_ROLES = ("y_true", "y_score_a", "y_score_b")


def _paired_rows(y_true, y_score_a, y_score_b, data, drop_nulls):
    """Checked scores of both models and 0/1 class codes of all rows.

    Batches are checked as they come (scores finite, labels binary) and their
    arrays kept; class codes are renumbered over the labels of all batches.
    Returns ``(scores_a, scores_b, codes, classes, name)``, ``name`` being how
    messages call ``y_true``.
    """
    roles = dict(zip(_PAIRED_ROLES, (y_true, y_score_a, y_score_b)))
    if y_score_b is None:  # open_batches checks the first two roles
        raise InputTypeError(format_message(
            "y_score_b", "is None", fix="Pass model B's score for every row"))
    for role, value in roles.items():
        if data is None and is_multilabel_input(value):
            raise InputTypeError(format_message(
                role, "is 2-D; the DeLong test takes one binary problem (1-D labels and "
                      "scores)", fix="Pass one column of scores per model"))
    _, names, batches = open_batches(roles, data, drop_nulls)
    parts = []
    classes = None
    n_dropped = 0
    for batch in batches:
        n_dropped += batch.n_dropped
        t = batch_column(batch, names, "y_true")
        sa, _, codes, candidates, _ = checked_binary_scores(t, batch_column(batch, names, "y_score_a"), None)
        sb = checked_binary_scores(t, batch_column(batch, names, "y_score_b"), None)[0]
        if candidates.size:
            # A dictionary may list labels no row carries (unused categories): only
            # the present ones are classes.
            present = np.bincount(codes, minlength=candidates.size) > 0
            if not present.all():
                codes = (np.cumsum(present) - 1).astype(np.uint8)[codes]
                candidates = candidates[present]
        parts.append((sa, sb, codes, candidates))
        classes = candidates if classes is None else union_labels(classes, candidates,
                                                                  names["y_true"])
    warn_dropped(n_dropped)
    if classes is None or not sum(p[0].shape[0] for p in parts):
        raise EmptyInputError(format_message("y_true", "is empty", fix="Pass at least one row"))
    if classes.size > 2:
        _check_classes(classes, [], names["y_true"])
    codes = []
    for _, _, c, candidates in parts:
        # A batch's code indexes its own candidates; renumber to the classes of all.
        remap = label_index(candidates, classes).astype(np.uint8)
        codes.append(c if np.array_equal(remap, np.arange(remap.size)) else remap[c])

    def joined(arrays):
        return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)

    return (joined([p[0] for p in parts]), joined([p[1] for p in parts]), joined(codes),
            classes, names["y_true"])


def delong_test(y_true, y_score_a, y_score_b, *, data=None, drop_nulls=False) -> TestResult:
    """DeLong's test of equal ROC AUC of two models scored on the same rows.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        Binary labels (any type); the larger label is the positive class. At
        least two rows of each class.
    y_score_a, y_score_b : array-like of shape (n_samples,) or column names
        Scores of model A and model B for the same rows.
    data : table, DataFrame or path, optional
        Source of the columns named by the other arguments.
    drop_nulls : bool, default=False
        Drop rows holding a null in any of the three columns (with a warning)
        instead of raising.

    Returns
    -------
    TestResult
        ``statistic`` is ``z = (AUC_a - AUC_b) / sqrt(Var(AUC_a - AUC_b))``,
        ``pvalue`` the two-sided normal p-value. ``details``: ``auc_a``,
        ``auc_b``, ``difference`` (``auc_a - auc_b``), ``variance`` (of the
        difference), ``covariance`` (of the two AUCs), ``variance_a``,
        ``variance_b``, ``n_positive``, ``n_negative``. A zero variance of the
        difference gives ``z = +-inf`` (p = 0) for different AUCs, and NaN
        with an :class:`~fastmetrics.UndefinedMetricWarning` for equal ones
        (e.g. identical scores).

    Notes
    -----
    Per-row placement values under both models are needed (their products
    give the covariance), so the scores of all rows are held in memory
    (about 17 bytes per row for float64 scores, plus the sort's buffers and
    8 bytes per row and model for the placements); each model's scores are
    radix-sorted once and one merge writes every row's placement, never the
    O(m n) of all pairs. About 0.3 s per model for 10^7 float32 scores.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y_true  = [0, 0, 1, 1, 0, 1, 1, 0, 1, 0]
    >>> score_a = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.6, 0.7, 0.75, 0.3]
    >>> score_b = [0.3, 0.5, 0.2, 0.6, 0.4, 0.55, 0.3, 0.9, 0.5, 0.6]
    >>> result = fm.delong_test(y_true, score_a, score_b)
    >>> round(result.details["auc_a"], 2), round(result.details["auc_b"], 2)
    (0.88, 0.38)
    >>> round(result.statistic, 4), round(result.pvalue, 4)
    (3.7268, 0.0002)
    """
    from scipy import stats

    scores_a, scores_b, codes, classes, true_name = _paired_rows(
        y_true, y_score_a, y_score_b, data, drop_nulls)
    m = int(np.count_nonzero(codes))
    n = codes.shape[0] - m
    present = [c for c, k in zip(classes.tolist(), (n, m)) if k > 0]
    _check_classes(np.array(present, dtype=classes.dtype), [n, m] if len(present) == 2 else [],
                   true_name)
    # Each row's placement numerator under each model: 2 n V10 (positives), 2 m V01
    # (negatives); integers, so sums of them are exact.
    ra, twice_a, _, _ = inference_kernels.score_placements(scores_a, codes)
    rb, twice_b, _, _ = inference_kernels.score_placements(scores_b, codes)
    auc_a = float(twice_a) / (2.0 * float(m) * float(n))  # as roc_auc_score computes it
    auc_b = float(twice_b) / (2.0 * float(m) * float(n))
    # Centred second moments per class; S10 (positives) and S01 (negatives) are
    # them over (m - 1) (2n)^2 and (n - 1) (2m)^2: placements are numerators / 2n, / 2m.
    sums = inference_kernels.placement_moments(ra, rb, codes, twice_a, twice_b, m, n)
    per_row = (sums[1] / ((m - 1) * (2.0 * n) ** 2) / m
               + sums[0] / ((n - 1) * (2.0 * m) ** 2) / n)
    # The difference's variance from the differences themselves (integers): exactly 0
    # when they are constant, where var_a + var_b - 2 cov may leave rounding noise.
    var_a, var_b, cov, var_diff = (float(v) for v in per_row)
    difference = auc_a - auc_b
    details = {"auc_a": auc_a, "auc_b": auc_b, "difference": difference,
               "variance": var_diff, "covariance": cov, "variance_a": var_a,
               "variance_b": var_b, "n_positive": m, "n_negative": n}
    if var_diff > 0.0:
        z = difference / math.sqrt(var_diff)
        pvalue = float(2.0 * stats.norm.sf(abs(z)))
    elif difference != 0.0:
        z, pvalue = math.copysign(math.inf, difference), 0.0
    else:
        warnings.warn("DeLong test statistic is undefined: the AUC difference and its "
                      "variance are both 0 (e.g. identical scores); statistic and p-value "
                      "are NaN.", UndefinedMetricWarning, stacklevel=2)
        z, pvalue = math.nan, math.nan
    return TestResult(float(z), pvalue, "DeLong", details=details)

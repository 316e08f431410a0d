"""Ranking scores: ROC AUC (with McClish's partial AUC) and average precision.

Binary, multiclass (one-vs-rest, one-vs-one) and multilabel targets, as
scikit-learn's ``roc_auc_score`` and ``average_precision_score``.

Each public function builds a state first and then calls its finalizer
(``metric.from_state``), which dispatches on the state's type:

* :class:`~fastmetrics.ScoreState` (1-D scores): the binary areas, computed
  in one pass over the table of distinct scores without building the curve;
* :class:`~fastmetrics.MulticlassScoreState` (a score matrix with 1-D
  labels), or the :class:`~fastmetrics.ranking.state.MulticlassAreas` a
  one-shot call reduces it to: one-vs-rest and one-vs-one areas from exact
  Mann-Whitney counts per (column, class), the micro average from all the
  class tables as one binary table;
* :class:`~fastmetrics.MultilabelScoreState`: one binary state per column,
  the raveled table for ``"micro"`` and per-row sums for ``"samples"``.

Every step, warning and error follows scikit-learn 1.9's code, in its order.
Where scikit-learn would fall back to a curve (a class whose rows all weigh
zero), the finalizer builds that column's binary state and uses the binary
code path, so NaN and warnings are scikit-learn's.
"""

from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np

from .._core.curves import check_max_fpr, mcclish
from .._core.labels import check_labels_kind
from .._core.metric import common_params_doc, fill_doc, finalized_by
from ..binned.build import binned_score_state
from ..binned.curves import binned_average_precision, binned_roc_auc
from ..binned.state import BinnedScoreState
from ..exceptions import (InputTypeError, InvalidInputError, InvalidParameterError, LabelError,
                          UndefinedMetricWarning, format_message)
from ..kernels.cpu import curves as area_kernels
from .build import score_state
from .build_multiclass import check_score_labels, column_classes, ranking_state
from .curves import positive_column, _pr_curve_from_state, _roc_curve_from_state
from .state import (BinaryAreas, MulticlassAreas, MulticlassScoreState, MultilabelScoreState,
                    ScoreState)

__all__ = ['roc_auc_score', 'average_precision_score']


_DOCS = dict(common_params=common_params_doc("``y_true``, ``y_score``"))


_AVERAGES = ("micro", "macro", "samples", "weighted")


_ONE_CLASS = ("Only one class is present in y_true. ROC AUC score is not defined in that "
              "case.")


_NO_POSITIVE = "No positive class found in y_true, recall is set to one for all thresholds."


def _check_average(average):
    if average is not None and not (isinstance(average, str) and average in _AVERAGES):
        raise InvalidParameterError(format_message(
            "average", f"must be one of {list(_AVERAGES) + [None]}, got {average!r}"))


def _check_multi_class(multi_class):
    if not (isinstance(multi_class, str) and multi_class in ("raise", "ovr", "ovo")):
        raise InvalidParameterError(format_message(
            "multi_class", f"must be 'raise', 'ovr' or 'ovo', got {multi_class!r}"))


def _check_state(state, metric):
    if not isinstance(state, (ScoreState, MulticlassScoreState, MulticlassAreas,
                              MultilabelScoreState, BinaryAreas)):
        raise InputTypeError(format_message(
            "state", f"{metric}.from_state takes a ScoreState, MulticlassScoreState or "
                     f"MultilabelScoreState, got {type(state).__name__}",
            fix="Build it with score_state or multiclass_score_state"))


def _binary_with_score_matrix(state):
    """scikit-learn reads a binary y_true with 2-D scores as 1-D scores, and fails."""
    return InputTypeError(format_message(
        "y_score", f"is 2-D with {state.n_columns} columns but y_true is binary (classes "
                   f"{state.classes.tolist()}); a binary target takes 1-D scores",
        fix="Pass the scores of the greater label, e.g. y_score[:, 1]"))


def _zero_total(average, weights):
    """scikit-learn returns 0 for a weighted average of zero total weight, before
    scoring any column."""
    return average == "weighted" and bool(np.isclose(np.sum(weights), 0))


def _average(scores, average, weights):
    """scikit-learn's ``_average_binary_score`` averaging of per-column scores."""
    if average is None:
        return scores
    if average == "weighted":
        scores = scores.copy()
        scores[weights == 0] = 0  # 0-weight columns' NaN must not poison the mean
        return float(np.average(scores, weights=weights))
    return float(np.average(scores))


def _samples_mean(total, weight, weighted):
    if weighted and weight == 0:
        raise InvalidInputError(format_message(
            "sample_weight", "Weights sum to zero, can't be normalized",
            fix="Give at least one row a positive weight"))
    return float(total / weight)


def _binary_roc_auc(state, max_fpr):
    """Binary ``roc_auc_score`` from a :class:`~fastmetrics.ScoreState`."""
    if state.classes.size != 2:
        warnings.warn(_ONE_CLASS, UndefinedMetricWarning, stacklevel=4)
        return np.nan
    # scikit-learn binarizes y_true with the larger label as the positive class.
    pos_label = state.classes[1].item()
    if max_fpr is None or max_fpr == 1:
        pos, neg = positive_column(state, pos_label)
        if pos.sum() > 0 and neg.sum() > 0:
            # One pass over the table; the ROC arrays are not needed for the area.
            return area_kernels.roc_auc_from_counts(pos, neg)
    fpr, tpr, _ = _roc_curve_from_state(state, pos_label=pos_label)
    if max_fpr is None or max_fpr == 1:  # a zero-weight class: sklearn's NaN and warnings
        return float(np.trapezoid(tpr, fpr))
    return mcclish(fpr, tpr, max_fpr)


def _column_diag(state, labels):
    """Each score column's class index, after scikit-learn's checks of ``labels``."""
    k = state.n_columns
    if labels is None:
        if state.n_classes != k:
            raise LabelError(format_message(
                "y_true", f"Number of classes in y_true not equal to the number of columns "
                          f"in 'y_score' ({state.n_classes} classes "
                          f"{state.classes.tolist()[:10]}, {k} columns)",
                fix="Give y_score one column per class, or pass labels="))
        return np.arange(k)
    labels = check_score_labels(labels, k)
    classes = state.classes
    check_labels_kind(labels, classes)
    missing = ~np.isin(classes, labels)
    if missing.any():
        raise LabelError(format_message(
            "y_true", f"'y_true' contains labels not in parameter 'labels' (such as "
                      f"{classes[missing][0].item()!r})",
            fix="List every class of y_true in labels="))
    return column_classes(classes, labels, k)


def _areas(state, diag):
    if isinstance(state, MulticlassAreas):
        if not np.array_equal(diag, state.diag):
            raise LabelError(format_message(
                "labels", "differ from those the areas were computed for",
                fix="Finalize a MulticlassScoreState to change labels="))
        return state.twice_area, state.ap_sum
    return state.areas(diag)


def _micro_areas(state):
    """The raveled problem of one-shot areas: a binary ScoreState, or the sums."""
    if state.micro is None:
        _needs_tables(state, "average='micro'")
    return state.micro


def _needs_tables(state, what):
    if isinstance(state, MulticlassAreas):  # the one-shot builder avoids this case
        raise InputTypeError(format_message(
            "state", f"{what} needs the class tables", fix="Pass a MulticlassScoreState"))


def _ovr_roc_auc(state, diag, average):
    counts = state.class_counts
    amounts = state.class_amounts()
    if average == "micro":
        if isinstance(state, MulticlassAreas):
            micro = _micro_areas(state)
            if isinstance(micro, ScoreState):
                return _binary_roc_auc(micro, None)
            twice, n_pos, n_neg, _ = micro  # both > 0: every row is one cell's positive
            return float(twice) / (2.0 * float(n_pos) * float(n_neg))
        positive = (diag[:, None] == np.arange(state.n_classes)[None, :]).astype(np.int8)
        return _binary_roc_auc(state.binary_state(positive), None)
    weights = np.array([amounts[d] if d >= 0 else 0 for d in diag.tolist()],
                       dtype=amounts.dtype)
    if _zero_total(average, weights):
        return 0
    twice, _ = _areas(state, diag)
    total_c, total_a = counts.sum(), amounts.sum()
    scores = np.zeros(state.n_columns)
    for k, d in enumerate(diag.tolist()):
        pos_c = counts[d] if d >= 0 else 0
        if pos_c == 0 or pos_c == total_c:
            # label_binarize gives this column one class: scikit-learn's warning and NaN
            warnings.warn(_ONE_CLASS, UndefinedMetricWarning, stacklevel=4)
            scores[k] = np.nan
            continue
        pos, neg = amounts[d], total_a - amounts[d]
        if pos == 0 or neg == 0:  # a class whose rows all weigh zero: via the curve
            _needs_tables(state, "a class of zero weight")
            scores[k] = _binary_roc_auc(state.column_state(k, d), None)
            continue
        scores[k] = float(twice[k].sum()) / (2.0 * float(pos) * float(neg))
    return _average(scores, average, weights)


def _ovo_roc_auc(state, diag, average):
    """Hand & Till (2001): the mean over class pairs of both one-vs-one AUCs."""
    if state.weighted:
        raise InvalidParameterError(format_message(
            "sample_weight", "sample_weight is not supported for multiclass one-vs-one ROC "
                             "AUC, 'sample_weight' must be None in this case",
            fix="Use multi_class='ovr' with weights"))
    twice, _ = _areas(state, diag)
    if twice.shape[1] != state.n_classes:
        raise InputTypeError(format_message(
            "state", "holds one-vs-rest areas only", fix="Pass a MulticlassScoreState"))
    counts = state.class_counts
    column_of = {d: k for k, d in enumerate(diag.tolist()) if d >= 0}
    present = sorted(column_of, key=column_of.get)  # scikit-learn's order: by column
    n = counts.sum()
    pair_scores, prevalence = [], []
    for a, b in combinations(present, 2):
        both = 2.0 * float(counts[a]) * float(counts[b])
        a_true = float(twice[column_of[a], b]) / both
        b_true = float(twice[column_of[b], a]) / both
        pair_scores.append((a_true + b_true) / 2)
        prevalence.append((counts[a] + counts[b]) / n)
    pair_scores = np.array(pair_scores, dtype=np.float64)
    try:
        return np.average(pair_scores,
                          weights=np.array(prevalence) if average == "weighted" else None)
    except ZeroDivisionError:  # no pair: one class in y_true
        raise InvalidInputError(format_message(
            "y_true", "holds one class, so no one-vs-one pair can be scored",
            fix="Pass rows of at least two classes")) from None


def _multiclass_roc_auc(state, average, max_fpr, multi_class, labels):
    if state.target_type == "binary" and state.n_columns <= 2:
        raise _binary_with_score_matrix(state)
    if max_fpr is not None and max_fpr != 1.0:
        raise InvalidParameterError(format_message(
            "max_fpr", "Partial AUC computation not available in multiclass setting, "
                       f"'max_fpr' must be set to `None`, received `max_fpr={max_fpr}` instead",
            fix="Leave max_fpr out for multiclass targets"))
    if multi_class == "raise":
        raise InvalidParameterError(format_message(
            "multi_class", "multi_class must be in ('ovo', 'ovr')",
            fix="Pass multi_class='ovr' or multi_class='ovo' for a multiclass target"))
    if state.n_unnormalized:
        raise InvalidInputError(format_message(
            "y_score", "Target scores need to be probabilities for multiclass roc_auc, i.e. "
                       f"they should sum up to 1.0 over classes ({state.n_unnormalized} "
                       "row(s) do not)", row=state.first_unnormalized,
            fix="Pass predict_proba output, or normalize each row (e.g. a softmax)"))
    options = ("macro", "weighted", None)
    if multi_class == "ovr":
        options = ("micro",) + options
    if average not in options:
        raise InvalidParameterError(format_message(
            "average", f"average must be one of {options} for multiclass problems"))
    if average is None and multi_class == "ovo":
        raise InvalidParameterError(format_message(
            "average", "average=None is not implemented for multi_class='ovo'",
            fix="Pass average='macro' or 'weighted'"))
    diag = _column_diag(state, labels if labels is not None else state.labels)
    if multi_class == "ovo":
        return _ovo_roc_auc(state, diag, average)
    return _ovr_roc_auc(state, diag, average)


def _multilabel_roc_auc(state, average, max_fpr):
    if average == "micro":
        return _binary_roc_auc(state.micro_state(), max_fpr)
    if average == "samples":
        wanted = None if max_fpr in (None, 1) else float(max_fpr)
        if not state.has_samples or state.samples_max_fpr != wanted:
            raise InvalidParameterError(format_message(
                "average", f"'samples' with max_fpr={max_fpr} needs per-row areas the state "
                           f"does not hold (it holds them for max_fpr="
                           f"{state.samples_max_fpr})",
                fix="Call roc_auc_score on the data: a state keeps the rows' full areas"))
        if state.n_auc_undefined:
            warnings.warn(_ONE_CLASS, UndefinedMetricWarning, stacklevel=3)
        return _samples_mean(state.sample_auc_sum, state.sample_weight_sum, state.weighted)
    weights = state.positive_amounts()
    if _zero_total(average, weights):
        return 0
    scores = np.array([_binary_roc_auc(col, max_fpr) for col in state.columns],
                      dtype=np.float64)
    return _average(scores, average, weights)


def _roc_auc_from_state(state, *, average="macro", max_fpr=None, multi_class="raise",
                        labels=None):
    """``roc_auc_score`` from a state (binary, multiclass or multilabel).

    ``labels`` (multiclass only) overrides the labels the state was built
    with. Binary states ignore ``average``, ``multi_class`` and ``labels``, as
    scikit-learn does for binary targets.
    """
    _check_average(average)
    check_max_fpr(max_fpr)
    _check_multi_class(multi_class)
    if isinstance(state, BinnedScoreState):
        return _binned_roc_auc(state, average, max_fpr, multi_class, labels)
    _check_state(state, "roc_auc_score")
    if isinstance(state, BinaryAreas):
        if max_fpr not in (None, 1):
            raise InvalidParameterError(format_message(
                "max_fpr", "needs the ROC curve, which BinaryAreas does not keep",
                fix="Build a ScoreState (fm.score_state) for a partial AUC"))
        return state.roc_auc  # both classes present (else a ScoreState is built)
    if isinstance(state, ScoreState):
        return _binary_roc_auc(state, max_fpr)
    if isinstance(state, MultilabelScoreState):
        return _multilabel_roc_auc(state, average, max_fpr)
    return _multiclass_roc_auc(state, average, max_fpr, multi_class, labels)


def _binned_columns(state, average, labels, what):
    """``(column states, positive class of each, weights)`` of a binned score matrix.

    Binned mode answers per column (one class, or one indicator, against the
    rest) and averages with ``macro``, ``weighted`` or None; the averages that
    need the rows (``micro``, ``samples``) are refused.
    """
    if average not in ("macro", "weighted", None):
        raise InvalidParameterError(format_message(
            "average", f"={average!r} is not available with thresholds= for {what}: binned "
                       "states keep per-column histograms",
            fix="Use average='macro', 'weighted' or None, or the exact mode (thresholds=None)"))
    if state.multilabel:
        columns = [state.column(j) for j in range(state.n_columns)]
        positives = [1] * state.n_columns
    else:
        positives = list(state.classes if labels is None else np.asarray(labels))
        if len(positives) != state.n_columns:
            raise LabelError(format_message(
                "y_score", f"has {state.n_columns} columns but there are {len(positives)} "
                           f"classes ({positives[:10]})",
                fix="Give one score column per class, or pass labels="))
        columns = [state.column(j) for j in range(state.n_columns)]
    weights = []
    for col, positive in zip(columns, positives):
        pos, _ = col.bin_amounts(positive)
        weights.append(float(pos.sum()))
    return columns, positives, np.asarray(weights)


def _binned_roc_auc(state, average, max_fpr, multi_class, labels):
    """``roc_auc_score`` of a :class:`~fastmetrics.BinnedScoreState`."""
    if state.n_columns == 1 and not state.multilabel:
        if state.classes.size > 2:
            raise LabelError(format_message(
                "y_score", f"is 1-D but y_true has {state.classes.size} classes",
                fix="Pass one score column per class with multi_class='ovr'"))
        positive = state.classes[-1].item() if state.classes.size == 2 else None
        return binned_roc_auc(state, max_fpr=max_fpr, pos_label=positive)
    if not state.multilabel:
        if multi_class != "ovr":
            raise InvalidParameterError(format_message(
                "multi_class", f"={multi_class!r}: with thresholds= a multiclass target "
                               "takes multi_class='ovr'",
                fix="Pass multi_class='ovr', or the exact mode (thresholds=None) for 'ovo'"))
        if max_fpr not in (None, 1):
            raise InvalidParameterError(format_message(
                "max_fpr", "is not supported for multiclass targets (as scikit-learn)"))
    columns, positives, weights = _binned_columns(state, average, labels, "roc_auc_score")
    scores = np.array([binned_roc_auc(c, max_fpr=max_fpr, pos_label=p)
                       for c, p in zip(columns, positives)])
    return _average(scores, average, weights)


@finalized_by(_roc_auc_from_state)
@fill_doc(**_DOCS)
def roc_auc_score(y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None,
                  multi_class="raise", labels=None, thresholds=None, data=None,
                  drop_nulls=False):
    """Area under the ROC curve, as :func:`sklearn.metrics.roc_auc_score`.

    Binary targets take 1-D scores of the greater label; multiclass targets a
    score matrix of probabilities (rows summing to 1) with
    ``multi_class="ovr"`` or ``"ovo"``; multilabel targets a 2-D indicator
    array with one score column per label.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or column name
        Binary or multiclass labels, or a 0/1 indicator matrix (numpy, scipy
        sparse, pyarrow fixed-size lists, lists of lists).
    y_score : array-like of shape (n_samples,) or (n_samples, n_columns), or column name(s)
        Scores: 1-D for a binary target; one column per class (sorted label
        order, or that of ``labels``) or per indicator column otherwise. With
        ``data=``, a fixed-size-list column or a list of column names.
    average : {"macro", "weighted", "micro", "samples"} or None, default="macro"
        Averaging of per-class scores (ignored for binary targets). Multiclass
        ``"ovr"`` takes ``"micro"``, ``"macro"``, ``"weighted"`` and None;
        ``"ovo"`` takes ``"macro"`` and ``"weighted"``; multilabel targets all.
        None returns one score per column.
    sample_weight : array-like of shape (n_samples,), optional
        Not with ``multi_class="ovo"`` (as scikit-learn).
    max_fpr : float in (0, 1], optional
        Standardized partial AUC up to this false positive rate (McClish);
        binary and multilabel targets only.
    multi_class : {"raise", "ovr", "ovo"}, default="raise"
        For multiclass targets: one-vs-rest, or one-vs-one (Hand & Till).
    labels : array-like of shape (n_columns,), optional
        Multiclass only: the class of each score column, sorted and unique;
        every class of ``y_true`` must be listed.
    thresholds : int or array-like, optional
        Binned mode: the area of the ROC curve through these thresholds (a
        count means ``np.linspace(0, 1, count)``), from per-class histograms
        built in one O(n) pass (:func:`~fastmetrics.binned_roc_auc`; its bound
        :func:`~fastmetrics.binned_roc_auc_bound`). Binary targets, multiclass
        ``"ovr"`` and multilabel targets with ``average`` macro, weighted or None.
%(common_params)s

    Returns
    -------
    auc : float or ndarray of shape (n_columns,)
        An array with ``average=None`` (multiclass one-vs-rest, multilabel).
        NaN with an :class:`~fastmetrics.UndefinedMetricWarning` for a class
        (column) holding one class only.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> fm.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> y_score = [[0.7, 0.2, 0.1], [0.4, 0.3, 0.3], [0.1, 0.8, 0.1],
    ...            [0.2, 0.3, 0.5], [0.4, 0.4, 0.2], [0.1, 0.2, 0.7]]
    >>> round(fm.roc_auc_score([0, 0, 1, 1, 2, 2], y_score, multi_class="ovr"), 4)
    0.8333
    >>> fm.roc_auc_score([[1, 0], [0, 1], [1, 1]], [[0.8, 0.3], [0.4, 0.6], [0.9, 0.2]],
    ...                  average=None)
    array([1. , 0.5])
    """
    _check_average(average)
    check_max_fpr(max_fpr)
    _check_multi_class(multi_class)
    if thresholds is not None:
        state = binned_score_state(y_true, y_score, thresholds=thresholds,
                                   sample_weight=sample_weight, data=data, drop_nulls=drop_nulls)
        return _roc_auc_from_state(state, average=average, max_fpr=max_fpr,
                                   multi_class=multi_class, labels=labels)
    state = ranking_state(y_true, y_score, sample_weight=sample_weight, labels=labels,
                          data=data, drop_nulls=drop_nulls, areas=True,
                          pairwise=multi_class == "ovo", micro=average == "micro",
                          samples=average == "samples",
                          samples_max_fpr=None if max_fpr in (None, 1) else float(max_fpr),
                          binary_areas=max_fpr in (None, 1))
    return _roc_auc_from_state(state, average=average, max_fpr=max_fpr,
                               multi_class=multi_class, labels=labels)


def _binary_average_precision(state, pos_label):
    """Binary ``average_precision_score`` from a :class:`~fastmetrics.ScoreState`."""
    present = state.classes.tolist()
    if len(present) == 2 and pos_label not in present:
        raise LabelError(format_message(
            "pos_label", f"={pos_label!r} is not a valid label. It should be one of "
                         f"{present}"))
    pos, neg = positive_column(state, pos_label)
    if pos.sum() > 0:
        # The step sum (not the trapezoid), in one pass over the table.
        return area_kernels.average_precision_from_counts(pos, neg)
    precision, recall, _ = _pr_curve_from_state(state, pos_label=pos_label)  # warns
    return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))


def _fixed_pos_label(pos_label, target):
    if pos_label != 1:
        raise LabelError(format_message(
            "pos_label", f"Parameter pos_label is fixed to 1 for {target} y_true. Do not "
                         "set pos_label or set pos_label to 1"))


def _multiclass_average_precision(state, average, pos_label):
    if state.target_type == "binary":
        present = state.classes.tolist()
        if len(present) == 2 and pos_label not in present:
            raise LabelError(format_message(
                "pos_label", f"={pos_label!r} is not a valid label. It should be one of "
                             f"{present}"))
        raise _binary_with_score_matrix(state)
    _fixed_pos_label(pos_label, "multiclass")
    k = state.n_columns
    if state.n_classes != k:
        raise InputTypeError(format_message(
            "y_score", "`y_score` needs to be of shape `(n_samples, n_classes)`, since "
                       f"`y_true` contains multiple classes. Got `y_score.shape=("
                       f"{state.n_rows}, {k})` for {state.n_classes} classes "
                       f"{state.classes.tolist()[:10]}",
            fix="Give y_score one column per class present in y_true"))
    diag = np.arange(k)  # scikit-learn binarizes y_true over the classes present
    amounts = state.class_amounts()
    if average == "micro":
        if isinstance(state, MulticlassAreas):
            micro = _micro_areas(state)
            if isinstance(micro, ScoreState):
                return _binary_average_precision(micro, 1)
            _, n_pos, _, ap_sum = micro
            return max(0.0, float(ap_sum) / float(n_pos))
        return _binary_average_precision(state.binary_state(np.eye(k, dtype=np.int8)), 1)
    if average == "samples":
        if state.rank_sums is None:
            raise InvalidParameterError(format_message(
                "average", "'samples' needs per-row sums the state was not built with",
                fix="Build the state with multiclass_score_state"))
        total = float(np.trace(state.rank_sums[:, :k]))
        return _samples_mean(total, float(amounts.sum()), state.weighted)
    if _zero_total(average, amounts):
        return 0
    _, ap = _areas(state, diag)
    scores = np.zeros(k)
    for j in range(k):
        if amounts[j] == 0:  # the class's rows all weigh zero: via the curve
            _needs_tables(state, "a class of zero weight")
            scores[j] = _binary_average_precision(state.column_state(j, j), 1)
        else:
            scores[j] = max(0.0, float(ap[j]) / float(amounts[j]))
    return _average(scores, average, amounts)


def _multilabel_average_precision(state, average, pos_label):
    _fixed_pos_label(pos_label, "multilabel-indicator")
    if average == "micro":
        return _binary_average_precision(state.micro_state(), 1)
    if average == "samples":
        if not state.has_samples:
            raise InvalidParameterError(format_message(
                "average", "'samples' needs per-row sums the state was not built with",
                fix="Build the state with multiclass_score_state"))
        if state.n_ap_undefined:
            warnings.warn(_NO_POSITIVE, UserWarning, stacklevel=3)
        return _samples_mean(state.sample_ap_sum, state.sample_weight_sum, state.weighted)
    weights = state.positive_amounts()
    if _zero_total(average, weights):
        return 0
    scores = np.array([_binary_average_precision(col, 1) for col in state.columns],
                      dtype=np.float64)
    return _average(scores, average, weights)


def _binned_average_precision(state, average, pos_label):
    """``average_precision_score`` of a :class:`~fastmetrics.BinnedScoreState`."""
    if state.n_columns == 1 and not state.multilabel:
        return binned_average_precision(state, pos_label=pos_label)
    if pos_label != 1:
        raise InvalidParameterError(format_message(
            "pos_label", f"={pos_label!r}: for multiclass and multilabel targets pos_label "
                         "must stay 1 (as scikit-learn)"))
    columns, positives, weights = _binned_columns(state, average, None,
                                                  "average_precision_score")
    scores = np.array([binned_average_precision(c, pos_label=p)
                       for c, p in zip(columns, positives)])
    return _average(scores, average, weights)


def _average_precision_from_state(state, *, average="macro", pos_label=1):
    """``average_precision_score`` from a state (binary, multiclass or multilabel)."""
    _check_average(average)
    if isinstance(state, BinnedScoreState):
        return _binned_average_precision(state, average, pos_label)
    _check_state(state, "average_precision_score")
    if isinstance(state, BinaryAreas):
        if pos_label not in state.classes.tolist():
            raise LabelError(format_message(
                "pos_label", f"={pos_label!r} is not a valid label. It should be one of "
                             f"{state.classes.tolist()}"))
        if pos_label != state.classes[1]:
            raise InvalidParameterError(format_message(
                "pos_label", f"={pos_label!r} is the smaller label; BinaryAreas hold the "
                             "average precision of the larger one",
                fix="Build a ScoreState (fm.score_state) for the other class"))
        return state.average_precision
    if isinstance(state, ScoreState):
        return _binary_average_precision(state, pos_label)
    if isinstance(state, MultilabelScoreState):
        return _multilabel_average_precision(state, average, pos_label)
    return _multiclass_average_precision(state, average, pos_label)


@finalized_by(_average_precision_from_state)
@fill_doc(**_DOCS)
def average_precision_score(y_true, y_score, *, average="macro", pos_label=1,
                            sample_weight=None, thresholds=None, data=None, drop_nulls=False):
    """Average precision (step-wise area under the PR curve), as scikit-learn's.

    Binary targets take 1-D scores of ``pos_label``; multiclass targets are
    binarized over the classes present in ``y_true`` (one score column per
    class, in sorted order) and averaged as multilabel targets are.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels), or column name
        Binary or multiclass labels, or a 0/1 indicator matrix.
    y_score : array-like of shape (n_samples,) or (n_samples, n_columns), or column name(s)
        As for :func:`roc_auc_score`.
    average : {"macro", "weighted", "micro", "samples"} or None, default="macro"
        Averaging over classes (ignored for binary targets); None returns one
        score per column.
    pos_label : int, float, bool or str, default=1
        The positive class of a binary target; must stay 1 otherwise.
    sample_weight : array-like of shape (n_samples,), optional
    thresholds : int or array-like, optional
        Binned mode: the step sum over the PR points of these thresholds (see
        :func:`~fastmetrics.binned_average_precision` and its bound), from one
        O(n) pass; ``average`` macro, weighted or None.
%(common_params)s

    Returns
    -------
    average_precision : float or ndarray of shape (n_columns,)

    Examples
    --------
    >>> import fastmetrics as fm
    >>> round(fm.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 4)
    0.8333
    >>> y_score = [[0.7, 0.2, 0.1], [0.4, 0.3, 0.3], [0.1, 0.8, 0.1],
    ...            [0.2, 0.3, 0.5], [0.4, 0.4, 0.2], [0.1, 0.2, 0.7]]
    >>> round(fm.average_precision_score([0, 0, 1, 1, 2, 2], y_score), 4)
    0.7778
    """
    _check_average(average)
    if thresholds is not None:
        state = binned_score_state(y_true, y_score, thresholds=thresholds,
                                   sample_weight=sample_weight, data=data, drop_nulls=drop_nulls)
        return _average_precision_from_state(state, average=average, pos_label=pos_label)
    state = ranking_state(y_true, y_score, sample_weight=sample_weight, data=data,
                          drop_nulls=drop_nulls, areas=True, pairwise=False,
                          micro=average == "micro", samples=average == "samples",
                          binary_areas=True)
    if isinstance(state, BinaryAreas) and (pos_label not in state.classes.tolist()
                                           or pos_label != state.classes[1]):
        # The areas are those of the larger label: the table answers for the other
        # (or words scikit-learn's error).
        state = score_state(y_true, y_score, drop_nulls=drop_nulls)
    return _average_precision_from_state(state, average=average, pos_label=pos_label)

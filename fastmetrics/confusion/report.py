"""``classification_report``: the per-class table, text or dict, as scikit-learn's."""

from __future__ import annotations

import warnings

import numpy as np

from .._core.metric import (COMMON_PARAMS_DOC, check_zero_division, fill_doc, finalized_by,
                            require_rows)
from ..exceptions import InvalidParameterError, LabelError, format_message
from .build import state_for
from .prf import _prfs_from_state
from .state import MultilabelState

__all__ = ['classification_report']


def _report_from_state(state, *, labels=None, target_names=None, digits=2, output_dict=False,
                       zero_division="warn"):
    """``classification_report`` from a state."""
    check_zero_division(zero_division)
    if not isinstance(digits, (int, np.integer)) or isinstance(digits, bool) or digits < 0:
        raise InvalidParameterError(format_message(
            "digits", f"must be a non-negative integer, got {digits!r}"))
    require_rows(state)
    y_type = state.target_type
    present = state.classes
    if labels is None:
        labels = present
        labels_given = False
    else:
        labels = np.asarray(labels)
        labels_given = True
    micro_is_accuracy = y_type in ("multiclass", "binary") and (
        not labels_given or set(labels.tolist()) >= set(present.tolist()))
    if target_names is not None and len(labels) != len(target_names):
        if labels_given:
            warnings.warn("labels size, {0}, does not match size of target_names, {1}".format(
                len(labels), len(target_names)), stacklevel=3)
        else:
            raise LabelError(format_message(
                "target_names", f"Number of classes, {len(labels)}, does not match size of "
                                f"target_names, {len(target_names)}",
                fix="Try specifying the labels parameter"))
    if target_names is None:
        target_names = ["%s" % label for label in labels.tolist()]

    headers = ["precision", "recall", "f1-score", "support"]
    p, r, f1, s = _prfs_from_state(state, labels=labels, average=None,
                                   zero_division=zero_division)
    rows = zip(target_names, p, r, f1, s)
    if isinstance(state, MultilabelState):
        average_options = ("micro", "macro", "weighted", "samples")
    else:
        average_options = ("micro", "macro", "weighted")

    if output_dict:
        report_dict = {row[0]: row[1:] for row in rows}
        for label, scores in report_dict.items():
            report_dict[label] = dict(zip(headers, [float(i) for i in scores]))
    else:
        longest_last_line_heading = "weighted avg"
        name_width = max(len(cn) for cn in target_names)
        width = max(name_width, len(longest_last_line_heading), digits)
        head_fmt = "{:>{width}s} " + " {:>9}" * len(headers)
        report = head_fmt.format("", *headers, width=width)
        report += "\n\n"
        row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
        for row in rows:
            report += row_fmt.format(*row, width=width, digits=digits)
        report += "\n"

    for average in average_options:
        if average.startswith("micro") and micro_is_accuracy:
            line_heading = "accuracy"
        else:
            line_heading = average + " avg"
        avg_labels = None if average == "samples" else labels
        avg_p, avg_r, avg_f1, _ = _prfs_from_state(state, labels=avg_labels, average=average,
                                                   zero_division=zero_division)
        avg = [avg_p, avg_r, avg_f1, np.sum(s)]
        if output_dict:
            report_dict[line_heading] = dict(zip(headers, [float(i) for i in avg]))
        elif line_heading == "accuracy":
            row_fmt_accuracy = ("{:>{width}s} " + " {:>9.{digits}}" * 2
                                + " {:>9.{digits}f}" + " {:>9}\n")
            report += row_fmt_accuracy.format(line_heading, "", "", *avg[2:], width=width,
                                              digits=digits)
        else:
            report += row_fmt.format(line_heading, *avg, width=width, digits=digits)

    if output_dict:
        if "accuracy" in report_dict:
            report_dict["accuracy"] = report_dict["accuracy"]["precision"]
        return report_dict
    return report


@finalized_by(_report_from_state)
@fill_doc(common_params=COMMON_PARAMS_DOC)
def classification_report(y_true, y_pred, *, labels=None, target_names=None,
                          sample_weight=None, digits=2, output_dict=False,
                          zero_division="warn", threshold=None, pos_label=1, data=None,
                          drop_nulls=False):
    """Per-class precision, recall, F1 and support, as scikit-learn's report.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,) or (n_samples, n_labels), or column names
    labels : array-like of shape (n_labels,), optional
        Labels to include in the report, in order.
    target_names : list of str, optional
        Display names of ``labels``. String and categorical labels are shown
        by their own names without this.
    sample_weight : array-like of shape (n_samples,), optional
    digits : int, default=2
        Decimals in the text report.
    output_dict : bool, default=False
        Return a dict (floats) instead of text.
    zero_division : {'warn', 0.0, 1.0, np.nan}, default='warn'
    threshold, pos_label
        Binary targets: predict ``pos_label`` where ``y_pred >= threshold``.
%(common_params)s

    Returns
    -------
    report : str or dict

    Examples
    --------
    >>> import fastmetrics as fm
    >>> print(fm.classification_report(["cat", "dog", "dog"], ["cat", "dog", "cat"]))
                  precision    recall  f1-score   support
    <BLANKLINE>
             cat       0.50      1.00      0.67         1
             dog       1.00      0.50      0.67         2
    <BLANKLINE>
        accuracy                           0.67         3
       macro avg       0.75      0.75      0.67         3
    weighted avg       0.83      0.67      0.67         3
    <BLANKLINE>
    """
    check_zero_division(zero_division)
    state = state_for(y_true, y_pred, sample_weight=sample_weight, threshold=threshold,
                      pos_label=pos_label, data=data, drop_nulls=drop_nulls)
    return _report_from_state(state, labels=labels, target_names=target_names, digits=digits,
                              output_dict=output_dict, zero_division=zero_division)

"""McNemar's test: do two classifiers, scored on the same rows, differ in accuracy?

The test reads one 2 x 2 table, counted in a single pass over the true labels
and both models' predictions (labels of any type and any number of classes; a
prediction is correct when it equals the true label)::

                    B correct   B wrong
        A correct   n11         b
        A wrong     c           n00

Only the discordant rows ``b`` and ``c`` carry information: under the null
hypothesis (equal accuracy) each discordant row is A's win or B's with
probability 1/2. The exact test is the two-sided binomial test of ``b`` out of
``b + c``; the chi-square test (with or without Edwards' continuity
correction) is its large-sample approximation. Results match
``statsmodels.stats.contingency_tables.mcnemar``.

The table is a sum over rows, so it is counted chunk by chunk and merged by
addition; ``mcnemar_test.from_table`` tests a table counted elsewhere.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._core.pipeline import open_batches, batch_column, warn_dropped, is_multilabel_input
from .._core.labels import encode_columns
from ..exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                          InvalidParameterError, UndefinedMetricWarning, format_message)
from ..kernels.cpu import inference as kernels
from .results import TestResult

__all__ = ["mcnemar_test"]

#: ``exact=None`` runs the exact binomial test below this many discordant rows
#: (``b + c``), the chi-square approximation from here on.
EXACT_BELOW = 25

_ROLES = ("y_true", "y_pred_a", "y_pred_b")


def _check_flag(value, name, allow_none=False):
    if allow_none and value is None:
        return
    if not isinstance(value, (bool, np.bool_)):
        allowed = "True, False or None" if allow_none else "True or False"
        raise InvalidParameterError(format_message(name, f"must be {allowed}, got {value!r}"))


def _check_table(table) -> np.ndarray:
    """A 2 x 2 table of non-negative integer counts, as int64."""
    try:
        arr = np.asarray(table)
    except (TypeError, ValueError):
        arr = None
    if arr is None or arr.shape != (2, 2) or arr.dtype.kind not in "biuf":
        shape = None if arr is None else arr.shape
        raise InputTypeError(format_message(
            "table", f"must be a 2 x 2 array of counts, got shape {shape}",
            fix="Pass [[both correct, A correct B wrong], [A wrong B correct, both wrong]]"))
    if arr.dtype.kind == "f":
        if not (np.isfinite(arr).all() and (arr == np.floor(arr)).all()):
            raise InvalidInputError(format_message(
                "table", f"holds non-integral values {arr.tolist()}",
                fix="McNemar's test needs counts of rows (weighted sums are not counts)"))
    if (arr < 0).any():
        raise InvalidInputError(format_message(
            "table", f"holds negative counts {arr.tolist()}", fix="Pass counts of rows"))
    return arr.astype(np.int64)


def _mcnemar_from_table(table, *, exact=None, correction=True) -> TestResult:
    """McNemar's test of a 2 x 2 table of counts.

    ``table``: ``[[both correct, A correct B wrong], [A wrong B correct, both
    wrong]]`` (only the off-diagonal cells enter the test). ``exact`` and
    ``correction`` as for :func:`mcnemar_test`.
    """
    _check_flag(exact, "exact", allow_none=True)
    _check_flag(correction, "correction")
    return _mcnemar(_check_table(table), exact, correction)


def _mcnemar(table, exact, correction) -> TestResult:
    """The test of a checked int64 table (warnings point at the public caller)."""
    from scipy import stats

    n = int(table.sum())
    if n == 0:
        raise EmptyInputError(format_message(
            "table", "counts no rows", fix="Pass at least one row"))
    b, c = int(table[0, 1]), int(table[1, 0])
    discordant = b + c
    use_exact = discordant < EXACT_BELOW if exact is None else bool(exact)
    details = {"b": b, "c": c, "table": table, "n": n,
               "accuracy_a": (int(table[0, 0]) + b) / n,
               "accuracy_b": (int(table[0, 0]) + c) / n}
    if use_exact:
        # Two-sided binomial test of min(b, c) out of b + c at p = 1/2, as statsmodels.
        statistic = float(min(b, c))
        pvalue = min(float(stats.binom.cdf(min(b, c), discordant, 0.5)) * 2.0, 1.0)
        return TestResult(statistic, pvalue, "McNemar exact", details=details)
    method = "McNemar chi-square" + (" (continuity-corrected)" if correction else "")
    if discordant == 0:
        warnings.warn("McNemar chi-square statistic is undefined: the two models never "
                      "disagree (b + c = 0); statistic and p-value are NaN. Use exact=True "
                      "(p-value 1).", UndefinedMetricWarning, stacklevel=3)
        return TestResult(math.nan, math.nan, method, details=details)
    statistic = (abs(b - c) - int(bool(correction))) ** 2 / float(discordant)
    pvalue = float(stats.chi2.sf(statistic, 1))
    return TestResult(float(statistic), pvalue, method, details=details)


def _paired_table(y_true, y_pred_a, y_pred_b, data, drop_nulls) -> np.ndarray:
    """The (A correct, B correct) table, counted batch by batch."""
    roles = dict(zip(_ROLES, (y_true, y_pred_a, y_pred_b)))
    if y_pred_b is None:  # open_batches checks the first two roles
        raise InputTypeError(format_message(
            "y_pred_b", "is None", fix="Pass model B's predicted label for every row"))
    for role, value in roles.items():
        if data is None and is_multilabel_input(value):
            raise InputTypeError(format_message(
                role, "is a 2-D indicator array (multilabel target)",
                fix="Pass 1-D labels, one per row"))
    _, names, batches = open_batches(roles, data, drop_nulls)
    table = np.zeros((2, 2), dtype=np.int64)
    n_dropped = 0
    for batch in batches:
        n_dropped += batch.n_dropped
        cols = [batch_column(batch, names, role) for role in _ROLES]
        # One class code space for the three columns: same label, same code.
        _, [(t, tl, to), (a, al, ao), (p, pl, po)] = encode_columns(cols)
        if t.shape[0]:
            table += kernels.paired_correct_counts(t, a, p, tl, al, pl, to, ao, po)
    warn_dropped(n_dropped)
    return table


def mcnemar_test(y_true, y_pred_a, y_pred_b, *, exact=None, correction=True,
                 sample_weight=None, data=None, drop_nulls=False) -> TestResult:
    """McNemar's test of equal accuracy of two classifiers on the same rows.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels (any type, any number of classes).
    y_pred_a, y_pred_b : array-like of shape (n_samples,) or column names
        Predicted labels of model A and model B for the same rows. A
        prediction is correct when it equals the true label.
    exact : bool or None, default=None
        True: the exact binomial test of the discordant rows. False: the
        chi-square approximation. None: exact when the discordant rows
        ``b + c`` are fewer than 25, chi-square otherwise (the usual rule:
        the approximation is poor for few discordant rows).
    correction : bool, default=True
        Edwards' continuity correction of the chi-square statistic,
        ``(|b - c| - 1)^2 / (b + c)`` instead of ``(b - c)^2 / (b + c)``.
        Ignored by the exact test.
    sample_weight : None
        Must be None: the test needs counts of rows; weighted rows are
        refused with :class:`~fastmetrics.exceptions.InvalidParameterError`.
    data : table, DataFrame or path, optional
        Source of the columns named by the label arguments.
    drop_nulls : bool, default=False
        Drop rows holding a null in any of the three columns (with a warning)
        instead of raising.

    Returns
    -------
    TestResult
        ``statistic``: ``min(b, c)`` for the exact test, the chi-square
        statistic (1 degree of freedom) otherwise; two-sided ``pvalue``.
        ``details``: ``b`` (A right, B wrong), ``c`` (A wrong, B right), the
        2 x 2 int64 ``table`` (rows: A correct, A wrong; columns: B correct,
        B wrong), ``n`` and both accuracies. When the models never disagree
        the chi-square test is undefined: NaN with an
        :class:`~fastmetrics.UndefinedMetricWarning` (the exact p-value is 1).

    Notes
    -----
    Matches ``statsmodels.stats.contingency_tables.mcnemar(table, exact,
    correction)``; the exact p-value is ``min(1, 2 * P(X <= min(b, c)))``
    for ``X ~ Binomial(b + c, 1/2)``.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> y_true = ["cat", "dog", "dog", "bird", "cat", "dog", "bird", "cat"]
    >>> y_a    = ["cat", "dog", "dog", "bird", "cat", "dog", "cat",  "cat"]
    >>> y_b    = ["dog", "dog", "cat", "bird", "bird", "dog", "cat", "dog"]
    >>> result = fm.mcnemar_test(y_true, y_a, y_b)
    >>> result.method, result.details["b"], result.details["c"], round(result.pvalue, 4)
    ('McNemar exact', 4, 0, 0.125)
    >>> fm.mcnemar_test.from_table([[30, 12], [3, 55]], exact=False).statistic
    4.266666666666667
    """
    _check_flag(exact, "exact", allow_none=True)
    _check_flag(correction, "correction")
    if sample_weight is not None:
        raise InvalidParameterError(format_message(
            "sample_weight", "is not supported: McNemar's test needs counts of rows, and "
                             "weighted rows are not counts",
            fix="Drop the weights, or repeat rows for integer weights"))
    table = _paired_table(y_true, y_pred_a, y_pred_b, data, drop_nulls)
    if not table.any():
        raise EmptyInputError(format_message(
            "y_true", "is empty: no rows to compare", fix="Pass at least one row"))
    return _mcnemar(table, exact, correction)


mcnemar_test.from_table = _mcnemar_from_table

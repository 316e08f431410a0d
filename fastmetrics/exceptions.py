"""Exception and warning types raised by fastmetrics.

Every error subclasses :class:`FastMetricsError` and also the builtin type that
scikit-learn would raise in the same situation (``ValueError`` or ``TypeError``),
so code written against scikit-learn keeps catching what it caught before.

Messages follow one shape, built by :func:`input_error` and friends::

    <argument>: <what is wrong>[ (first at row N)]. <what to do>

so that a user reading a traceback from a ten-million-row job learns which
argument, which row, and what to change without opening the source.
"""

from __future__ import annotations

__all__ = [
    "FastMetricsError",
    "InvalidInputError",
    "InputTypeError",
    "InvalidParameterError",
    "NullValueError",
    "LengthMismatchError",
    "EmptyInputError",
    "LabelError",
    "DataSourceError",
    "StateMergeError",
    "StateFormatError",
    "MissingDependencyError",
    "UndefinedMetricWarning",
    "NullsDroppedWarning",
    "format_message",
]


class FastMetricsError(Exception):
    """Base class of every error raised by fastmetrics."""


class InvalidInputError(FastMetricsError, ValueError):
    """The data passed in has a value that cannot be evaluated (NaN, bad label, ...)."""


class InputTypeError(FastMetricsError, TypeError, ValueError):
    """An argument has a type or shape fastmetrics cannot take.

    Also a :class:`ValueError`: scikit-learn answers most of these inputs (3-D
    arrays, complex or 2-D weights, multilabel where 1-D labels are expected,
    indicator arrays of different widths) with ``ValueError``, others (strings
    as weights) with ``TypeError``.
    """


class InvalidParameterError(FastMetricsError, ValueError, TypeError):
    """A parameter such as ``average`` or ``zero_division`` has an unknown value.

    Also a :class:`TypeError`, as scikit-learn's own ``InvalidParameterError``
    (raised by its parameter validation) is both.
    """


class NullValueError(InvalidInputError):
    """A column holds nulls and the caller did not ask for them to be dropped."""


class LengthMismatchError(InvalidInputError):
    """Columns that must be aligned row by row have different lengths."""


class EmptyInputError(InvalidInputError):
    """The input has no rows where the metric needs at least one."""


class LabelError(InvalidInputError):
    """Labels are inconsistent: mixed types, not in ``labels=``, bad ``pos_label``, ..."""


class DataSourceError(InvalidInputError, FileNotFoundError):
    """``data=`` names a path that does not exist, or a directory without data files.

    Also a :class:`FileNotFoundError`, which is what ``open()`` would raise.
    """


class StateMergeError(FastMetricsError, ValueError):
    """Two states cannot be merged: of other kinds, over other thresholds or bins,
    with other score columns, or with label sets that fix different layouts.

    Every ``merge`` and ``merge_all`` of a state raises this type. Where a merge
    raised a more specific type before (:class:`LabelError`,
    :class:`InputTypeError` or :class:`InvalidParameterError`), the error is
    an instance of that type too, so ``except`` clauses written for it still
    catch it; :meth:`like` builds such an error.

    Examples
    --------
    >>> err = StateMergeError.like(LabelError, "state: other labels.")
    >>> isinstance(err, StateMergeError), isinstance(err, LabelError)
    (True, True)
    """

    @staticmethod
    def like(base: type | None, message: str) -> "StateMergeError":
        """A StateMergeError that is also a ``base`` (None: only a StateMergeError)."""
        return _MERGE_ERRORS[base](message)


class _LabelMergeError(StateMergeError, LabelError):
    """A :class:`StateMergeError` that is also a :class:`LabelError`."""


class _InputTypeMergeError(StateMergeError, InputTypeError):
    """A :class:`StateMergeError` that is also an :class:`InputTypeError`."""


class _ParameterMergeError(StateMergeError, InvalidParameterError):
    """A :class:`StateMergeError` that is also an :class:`InvalidParameterError`."""


_MERGE_ERRORS = {None: StateMergeError, LabelError: _LabelMergeError,
                 InputTypeError: _InputTypeMergeError,
                 InvalidParameterError: _ParameterMergeError}


class StateFormatError(InvalidInputError):
    """Bytes given to ``State.from_bytes`` are not a serialized state this version
    reads: no state header, an unknown format version or state kind, or cut short."""


class MissingDependencyError(FastMetricsError, ImportError):
    """An optional dependency is needed; the message names the extra to install."""


class UndefinedMetricWarning(UserWarning):
    """A metric is ill-defined for the data; the value of ``zero_division`` was used.

    Same name and meaning as :class:`sklearn.exceptions.UndefinedMetricWarning`.
    """


class NullsDroppedWarning(UserWarning):
    """Rows with nulls were dropped because the caller passed ``drop_nulls=True``."""


def format_message(argument: str, problem: str, *, row: int | None = None,
                   fix: str | None = None) -> str:
    """Build an error message in the project's single format.

    Parameters
    ----------
    argument : str
        Name of the offending argument or column, e.g. ``"y_true"`` or
        ``"data['label']"``.
    problem : str
        What is wrong, in a short clause.
    row : int, optional
        Zero-based index of the first offending row, when there is one.
    fix : str, optional
        What the caller can do about it.

    Examples
    --------
    >>> format_message("y_pred", "contains NaN", row=17, fix="Drop or impute those rows")
    'y_pred: contains NaN (first at row 17). Drop or impute those rows.'
    """
    msg = f"{argument}: {problem}"
    if row is not None:
        msg += f" (first at row {row})"
    msg += "."
    if fix:
        msg += f" {fix.rstrip('.')}."
    return msg

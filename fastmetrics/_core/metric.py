"""The shared parts of every public metric: its type, its docs, its parameter checks.

:class:`Metric` is the type of every public metric function (``f(y_true, ...)``
plus ``f.from_state(state, ...)``); :func:`finalized_by` attaches the
finalizer and names it in the docstring; :func:`fill_doc` fills the shared
parameter sections; the ``check_*`` functions validate the parameters that
several families take, with one wording each.
"""

from __future__ import annotations

import inspect
import math
import numbers
import textwrap
import warnings
from typing import Any, Callable, ParamSpec, Protocol, TypeVar, cast

import numpy as np

from ..exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                          InvalidParameterError, LabelError, UndefinedMetricWarning,
                          format_message)
from .labels import check_labels_kind


AVERAGE_OPTIONS = (None, "micro", "macro", "weighted", "samples")


P = ParamSpec("P")


R = TypeVar("R", covariant=True)


F = TypeVar("F", bound=Callable[..., Any])


class Metric(Protocol[P, R]):
    """What :func:`finalized_by` makes of a public metric, for type checkers.

    The function keeps its own signature (``P``) and result (``R``), and
    carries its finalizer: ``metric.from_state(state, **params)`` computes
    the same metric from a state built beforehand.
    """

    __name__: str

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R: ...

    def from_state(self, state: Any, /, **params: Any) -> R: ...


def finalized_by(finalizer: Callable[..., Any]) -> Callable[[Callable[P, R]], Metric[P, R]]:
    """Attach ``finalizer`` to a public metric as ``metric.from_state``.

    ``metric.from_state(state, **params)`` computes the metric from a state
    built by :func:`fastmetrics.confusion_state` (or merged from chunks),
    which is how streaming, distributed and bootstrap code reuse the metric.
    The result is typed as a :class:`Metric` (so type checkers know
    ``from_state``), and the docstring gains a "See Also" entry naming
    ``metric.from_state`` and its keywords (so ``help(metric)`` shows it).
    """
    def attach(public: Callable[P, R]) -> Metric[P, R]:
        public.from_state = finalizer  # type: ignore[attr-defined]
        public.__doc__ = _with_from_state_entry(public.__doc__, public.__name__, finalizer)
        return cast("Metric[P, R]", public)
    return attach


#: numpydoc sections that come after "See Also", in order.
_AFTER_SEE_ALSO = ("Notes", "References", "Examples")


def _with_from_state_entry(doc, name: str, finalizer) -> str | None:
    """``doc`` with a "See Also" entry for ``name.from_state`` (before Notes/Examples)."""
    if not doc:
        return doc
    signature = inspect.signature(finalizer)
    # annotations are strings under postponed evaluation; the call reads better without
    signature = signature.replace(
        parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
        return_annotation=signature.empty)
    call = f"{name}.from_state{signature}"
    lines = doc.split("\n")
    headers = {line.strip(): i for i, line in enumerate(lines)
               if i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"}}
    indent = next((lines[i][:len(lines[i]) - len(lines[i].lstrip())]
                   for i in headers.values()), "    ")
    body = textwrap.wrap(f"The same result from a state built beforehand (or merged from "
                         f"chunks): ``{call}``.", width=88 - len(indent) - 4,
                         break_on_hyphens=False)
    entry = [f"{indent}{name}.from_state :"] + [f"{indent}    {part}" for part in body]
    if "See Also" in headers:
        at = headers["See Also"] + 2
        return "\n".join(lines[:at] + entry + lines[at:])
    at = min((headers[h] for h in _AFTER_SEE_ALSO if h in headers), default=None)
    section = [f"{indent}See Also", f"{indent}--------", *entry, ""]
    if at is None:
        return doc.rstrip() + "\n\n" + "\n".join(section) + indent
    return "\n".join(lines[:at] + section + lines[at:])


def fill_doc(**parts: str) -> Callable[[F], F]:
    """Fill ``%(name)s`` markers of a docstring with shared parameter text."""
    def fill(func: F) -> F:
        func.__doc__ = func.__doc__ % parts
        return func
    return fill


def check_average(average, *, allowed=AVERAGE_OPTIONS + ("binary",)):
    if average not in allowed:
        raise InvalidParameterError(format_message(
            "average", f"must be one of {list(allowed)}, got {average!r}"))


def check_zero_division(zero_division, *, allow_nan=True):
    """Validate ``zero_division`` ("warn", 0, 1 or NaN)."""
    ok = (isinstance(zero_division, str) and zero_division == "warn") or (
        isinstance(zero_division, numbers.Real) and not isinstance(zero_division, bool)
        and (zero_division in (0, 1) or (allow_nan and math.isnan(zero_division))))
    if not ok:
        choices = '"warn", 0.0, 1.0' + (" or np.nan" if allow_nan else "")
        raise InvalidParameterError(format_message(
            "zero_division", f"must be {choices}, got {zero_division!r}"))


def zero_division_value(zero_division) -> float:
    if isinstance(zero_division, str):
        return 0.0
    return float(zero_division)


def check_normalize_flag(normalize):
    if not isinstance(normalize, (bool, np.bool_)):
        raise InvalidParameterError(format_message(
            "normalize", f"must be True or False, got {normalize!r}"))


def require_rows(state, name: str = "y_true") -> None:
    """Empty input is an error, as in scikit-learn (which says so less clearly).

    So are weights that are all zero: every metric is then 0/0 (scikit-learn
    1.9 refuses them in every metric too).
    """
    if state.n_rows == 0:
        raise EmptyInputError(format_message(
            name, "is empty: no rows to evaluate", fix="Pass at least one row"))
    weighted_total_is_zero(state)


def require_single_label_target(state, metric: str) -> None:
    """Refuse multilabel states in metrics that sklearn defines for 1-D labels only."""
    if state.target_type.startswith("multilabel"):
        raise InputTypeError(format_message(
            "y_true", f"is a multilabel indicator target, which {metric} does not support",
            fix="Pass 1-D labels"))


def warn_prf(average, modifier, msg_start, result_size):
    """scikit-learn's ``_warn_prf``, word for word."""
    axis0, axis1 = "sample", "label"
    if average == "samples":
        axis0, axis1 = axis1, axis0
    msg = ("{0} ill-defined and being set to 0.0 {{0}} "
           "no {1} {2}s. Use `zero_division` parameter to control"
           " this behavior.".format(msg_start, modifier, axis0))
    if result_size == 1:
        msg = msg.format("due to")
    else:
        msg = msg.format("in {0}s with".format(axis1))
    warnings.warn(msg, UndefinedMetricWarning, stacklevel=4)


def divide_or_fill(numerator, denominator, zero_division):
    """``numerator / denominator`` in float64, ``zero_division`` where 0/0, and where.

    Elementwise on arrays of any shape; returns ``(values, zero)`` with the
    boolean mask of the 0/0 entries. ``'warn'`` fills 0.0 (the caller warns).
    """
    zero = np.asarray(denominator == 0)
    denominator = np.asarray(denominator, dtype=np.float64).copy()
    denominator[zero] = 1
    values = np.asarray(numerator, dtype=np.float64) / denominator
    if zero.any():
        values[zero] = zero_division_value(zero_division)
    return values, zero


def warn_zero_division(zero, metric, modifier, average, warn_for, zero_division,
                       n_outputs) -> None:
    """scikit-learn's ``_prf_divide`` warning, where a ratio it reports was 0/0."""
    if (zero is not None and zero.any() and isinstance(zero_division, str)
            and zero_division == "warn" and metric in warn_for):
        warn_prf(average, modifier, f"{metric.capitalize()} is", n_outputs)


def prf_divide(numerator, denominator, metric, modifier, average, warn_for, zero_division,
               n_outputs=None):
    """scikit-learn's ``_prf_divide``: ratio with ``zero_division`` where 0/0.

    ``n_outputs`` is the number of values the warning speaks of when it is not
    ``len(numerator)``: ``average='samples'`` holds one entry per distinct row
    triple, but scikit-learn's message counts rows.
    """
    result, zero = divide_or_fill(numerator, denominator, zero_division)
    warn_zero_division(zero, metric, modifier, average, warn_for, zero_division,
                       result.shape[0] if n_outputs is None else n_outputs)
    return result


def weighted_total_is_zero(state) -> None:
    """Ratios over all rows are undefined when every weight is zero."""
    if not state.weighted:
        return
    total = (state.sample_weight_sums if hasattr(state, "sample_weight_sums")
             else state.totals())
    if not np.any(total):
        raise InvalidInputError(format_message(
            "sample_weight", "sums to zero, so the metric is undefined",
            fix="Give at least one row a positive weight"))


def check_unique_labels(labels: np.ndarray, argument: str = "labels") -> None:
    """Refuse a label listed twice (it would index two rows of one matrix)."""
    seen = set()
    for v in labels.tolist():
        if v in seen:
            raise LabelError(format_message(
                argument, f"lists the label {v!r} more than once", fix="List each label once"))
        seen.add(v)


def check_multilabel_labels(labels) -> np.ndarray:
    """``labels`` of a multilabel target: integer column indices, as an int64 array."""
    labels = np.asarray(labels)
    if labels.size and labels.dtype.kind not in "iu":
        raise LabelError(format_message(
            "labels", f"must be integer column indices for a multilabel target, got "
                      f"{labels.tolist()[:5]}",
            fix="Pass the positions of the indicator columns, e.g. labels=[0, 2]"))
    return labels.astype(np.int64)


def label_positions(labels, classes, argument="labels", *, strict=True):
    """Index of each requested label among the state's classes (-1 if absent).

    ``strict`` refuses labels of another type than the data's (strings for
    numbers or the reverse), which scikit-learn would silently score as absent.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise InvalidParameterError(format_message(argument, "must be a 1-D list of labels"))
    if strict:
        check_labels_kind(labels, classes, "the data", argument)
    index = {v: i for i, v in enumerate(classes.tolist())}
    return labels, np.array([index.get(v, -1) for v in labels.tolist()], dtype=np.int64)


def common_params_doc(named: str, more: str = "") -> str:
    """The ``data`` and ``drop_nulls`` entries of a metric's Parameters section.

    ``named`` lists the arguments that become column names of ``data``
    (``sample_weight`` is added); ``more`` continues the sentence for an
    argument that may also be a list of columns.
    """
    read = (f"When given, {named} (and ``sample_weight``) are column names of ``data``{more}: "
            "an in-memory table or a Parquet / Arrow IPC / CSV file or dataset directory, "
            "read batch by batch (only the named columns).")
    return ("    data : pyarrow Table, RecordBatchReader, DataFrame, dict or path, optional\n"
            + textwrap.fill(read, 88, initial_indent=" " * 8, subsequent_indent=" " * 8)
            + """
    drop_nulls : bool, default=False
        Rows holding a null raise :class:`~fastmetrics.exceptions.NullValueError`
        unless this is True; then they are dropped and a
        :class:`~fastmetrics.exceptions.NullsDroppedWarning` says how many.""")


#: the entries of a metric of ``y_true`` and ``y_pred``
COMMON_PARAMS_DOC = common_params_doc("``y_true``, ``y_pred``")

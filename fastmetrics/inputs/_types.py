"""Batch types and the small helpers every part of the input layer shares."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class DictionaryChunk:
    """Labels of one chunk as integer codes into a small array of label values.

    Attributes
    ----------
    indices : numpy.ndarray
        Integer codes, of the integer type Arrow gives (int8 ... int64, or unsigned from
        polars), viewed without copy from the Arrow buffer where possible.
    dictionary : numpy.ndarray
        The label values the codes refer to: an object array of ``str``, or numeric.
        It may contain values no code refers to.
    """

    indices: np.ndarray
    dictionary: np.ndarray

    def __len__(self) -> int:
        return len(self.indices)


@dataclass(frozen=True, slots=True)
class Batch:
    """The same rows of every role, ready for the kernels.

    Attributes
    ----------
    start : int
        Global index, in the caller's numbering (dropped rows counted), of the first row.
    length : int
        Rows in this batch after dropping nulls.
    columns : dict of str to numpy.ndarray or DictionaryChunk
        One entry per role, each with ``length`` rows (2-D arrays: ``length`` rows).
    n_dropped : int
        Rows dropped from this batch because some role was null (0 unless ``drop_nulls``).
    row_index : numpy.ndarray of int64 or None
        Only when rows were dropped: the global index of each kept row, so that later
        errors can name the caller's row. ``None`` otherwise (row ``i`` is ``start + i``).
    """

    start: int
    length: int
    columns: dict
    n_dropped: int = 0
    row_index: np.ndarray | None = None


def describe_role(role: str, data_given: bool,
                  column: str | list[str] | tuple[str, ...] | None = None) -> str:
    """Name of an input as error messages print it.

    Parameters
    ----------
    role : str
        The argument name, e.g. ``"y_true"``.
    data_given : bool
        Whether the caller passed ``data=`` (then the role's value is a column name).
    column : str or list of str, optional
        The column name(s) the caller passed for the role; defaults to ``role``.

    Returns
    -------
    str
        ``"y_true"`` without ``data=``, ``"data['label']"`` with it.
    """
    if not data_given:
        return role
    if isinstance(column, (list, tuple)):
        return f"data[{list(column)!r}]"
    return f"data[{(role if column is None else column)!r}]"


def _module_root(obj) -> str:
    return type(obj).__module__.partition(".")[0]


def _what(obj) -> str:
    if isinstance(obj, np.ndarray):
        return f"a {obj.ndim}-D numpy array of shape {obj.shape}"
    if isinstance(obj, str):
        return f"a str ({obj[:40]!r})"
    return f"an object of type {type(obj).__module__}.{type(obj).__qualname__}"

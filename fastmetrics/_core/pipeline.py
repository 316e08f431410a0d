"""The batch pipeline of every state builder: validate -> coerce -> count -> merge.

A builder names its roles (``y_true``, ``y_score``, ``sample_weight``...),
:func:`open_batches` reads them (arrays, Arrow, DataFrames or the columns of
``data=``) as aligned batches, a family's per-batch count turns each batch into
a state, and :func:`merge_batches` merges them in order, counting the rows
dropped for nulls once.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from .. import inputs as _inputs
from ..exceptions import (EmptyInputError, InputTypeError, InvalidParameterError,
                          NullsDroppedWarning, format_message)
from .columns import Column

__all__ = ['is_multilabel_input']


def batch_column(batch, names, role):
    values = batch.columns.get(role)
    return None if values is None else Column(names[role], values, batch)


def open_batches(roles: dict, data, drop_nulls, two_d=frozenset()):
    """Aligned batches plus the display name of each role, warning about drops."""
    if not isinstance(drop_nulls, (bool, np.bool_)):
        raise InvalidParameterError(format_message(
            "drop_nulls", f"must be True or False, got {drop_nulls!r}"))
    for role in list(roles)[:2]:  # y_true and y_pred / y_score are required
        if roles[role] is None:
            what = "label" if role in ("y_true", "y_pred") else "value"
            raise InputTypeError(format_message(
                role, "is None", fix=f"Pass one {what} per sample (or, with data=, a "
                                     "column name)"))
    given = {r: v for r, v in roles.items() if v is not None}
    # With data=, a role is named by its column, or by its list of columns (2-D roles).
    names = {r: _inputs.describe_role(r, data is not None,
                                      v if isinstance(v, (str, list, tuple)) and data is not None
                                      else None)
             for r, v in given.items()}
    return given, names, _inputs.iter_batches(given, data=data, drop_nulls=drop_nulls,
                                              two_d=two_d)


def warn_dropped(n_dropped: int, stacklevel: int = 4) -> None:
    if n_dropped:
        warnings.warn(f"drop_nulls=True: dropped {n_dropped} row(s) holding nulls.",
                      NullsDroppedWarning, stacklevel=stacklevel)


def merge_batches(batches, count, *, empty=None, skip_empty=False, running=False):
    """Count each batch into a state with ``count(batch)`` and merge the states in order.

    The one loop of every state builder: it also adds up the rows dropped for
    nulls (one warning for all of them, recorded as the state's
    ``n_dropped``). Without any batch the state is ``empty()``, or
    :class:`~fastmetrics.exceptions.EmptyInputError` when ``empty`` is None.
    ``skip_empty`` leaves batches of no rows uncounted. With ``running``,
    ``count(batch, state)`` also gets the state of the batches before it
    (None for the first), for a builder whose layout grows with the stream.
    """
    state = None
    n_dropped = 0
    for batch in batches:
        n_dropped += batch.n_dropped
        if skip_empty and batch.length == 0:
            continue
        part = count(batch, state) if running else count(batch)
        state = part if state is None else state.merge(part)
    warn_dropped(n_dropped, stacklevel=5)
    if state is None:
        if empty is None:
            raise EmptyInputError(format_message("y_true", "is empty",
                                                 fix="Pass at least one row"))
        state = empty()
    return dataclasses.replace(state, n_dropped=n_dropped) if n_dropped else state


def is_multilabel_input(y) -> bool:
    """Whether ``y`` is a 2-D indicator input with more than one column."""
    if y is None or isinstance(y, str):
        return False
    shape = getattr(y, "shape", None)
    if shape is not None and len(shape) == 2 and not hasattr(y, "num_columns"):
        # numpy, scipy.sparse, pandas/polars DataFrame
        return shape[1] > 1
    typ = getattr(y, "type", None)
    if typ is not None and str(typ).startswith("fixed_size_list"):
        return True
    num_columns = getattr(y, "num_columns", None)
    if num_columns is not None:  # pyarrow Table / RecordBatch
        return num_columns > 1
    if isinstance(y, (list, tuple)) and y and isinstance(y[0], (list, tuple, np.ndarray)):
        try:
            return np.ndim(y) == 2 and np.shape(y)[1] > 1
        except ValueError:  # ragged: the input layer reports it
            return False
    return False

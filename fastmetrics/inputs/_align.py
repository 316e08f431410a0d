"""Alignment of roles chunked differently, and the null policy applied to each batch."""

from __future__ import annotations

import numpy as np

from ..exceptions import LengthMismatchError, NullValueError, format_message
from ._convert import _from_arrow, _stack
from ._types import Batch, DictionaryChunk

_NULL_FIX = "Clean the data, or pass drop_nulls=True to drop every row where any input is null"


def _check_known_lengths(labels, sources) -> None:
    known = [(lab, s[1]) for lab, s in zip(labels, sources) if s[1] is not None]
    for lab, n in known[1:]:
        if n != known[0][1]:
            raise LengthMismatchError(format_message(
                lab, f"has {n} rows but {known[0][0]} has {known[0][1]}",
                fix=f"Pass {', '.join(labels)} with one entry per sample each"))


def _slice(values, a: int, b: int):
    if isinstance(values, DictionaryChunk):
        return DictionaryChunk(values.indices[a:b], values.dictionary)
    return values[a:b]


def _aligned(names, labels, iters, drop_nulls):
    """Cut the roles' chunks into common row ranges (zero-copy slices) and emit batches."""
    k = len(iters)
    cur = [None] * k
    off = [0] * k
    rem = [0] * k
    start = 0
    while True:
        for i in range(k):
            while rem[i] == 0:
                chunk = next(iters[i], None)
                if chunk is None:
                    break
                cur[i], off[i], rem[i] = chunk, 0, len(chunk[0])
        live = [r > 0 for r in rem]
        if not any(live):
            return
        if not all(live):
            ended, going = live.index(False), live.index(True)
            raise LengthMismatchError(format_message(
                labels[ended], f"ended after {start} rows while {labels[going]} continues",
                fix=f"Pass {', '.join(labels)} with one entry per sample each"))
        m = min(rem)
        parts = []
        for i in range(k):
            values, mask = cur[i]
            a = off[i]
            if a == 0 and m == len(values):
                parts.append(cur[i])
            else:
                parts.append((_slice(values, a, a + m),
                              None if mask is None else mask[a:a + m]))
            off[i] += m
            rem[i] -= m
        yield _emit(start, m, names, labels, parts, drop_nulls)
        start += m


def _emit(start, m, names, labels, parts, drop_nulls) -> Batch:
    """Build one Batch from aligned (values, mask) parts: raise on nulls or drop them."""
    any_null = None
    for _, mask in parts:
        if mask is not None:
            any_null = mask if any_null is None else (any_null | mask)
    if any_null is None or not any_null.any():
        return Batch(start, m, {n: p[0] for n, p in zip(names, parts)}, 0, None)
    if not drop_nulls:
        # First null row over all roles (the first role wins ties), in global numbering.
        row, label = min((int(np.argmax(mask)), i) for i, (_, mask) in enumerate(parts)
                         if mask is not None and mask.any())
        raise NullValueError(format_message(labels[label], "contains null values",
                                            row=start + row, fix=_NULL_FIX))
    keep = ~any_null
    cols = {}
    for name, (values, _) in zip(names, parts):
        if isinstance(values, DictionaryChunk):
            cols[name] = DictionaryChunk(values.indices[keep], values.dictionary)
        else:
            cols[name] = values[keep]
    row_index = np.flatnonzero(keep).astype(np.int64, copy=False) + start
    return Batch(start, len(row_index), cols, m - len(row_index), row_index)


def _record_batches(batches, plan, names, labels, two_d, drop_nulls):
    """All roles from the same record batches: already aligned, convert and emit."""
    start = 0
    for rb in batches:
        m = rb.num_rows
        if m == 0:
            continue
        cache = {}  # a column used by two roles is converted once per batch
        parts = []
        for (role, spec), label in zip(plan, labels):
            key = (spec if isinstance(spec, str) else tuple(spec), role in two_d)
            if key not in cache:
                if isinstance(spec, str):
                    cache[key] = _from_arrow(rb.column(spec), label, role in two_d)
                else:
                    cache[key] = _stack(rb.select(list(spec)), label)
            parts.append(cache[key])
        yield _emit(start, m, names, labels, parts, drop_nulls)
        start += m

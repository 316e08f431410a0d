"""The one protocol of every mergeable state: merge, facts, equality, bytes.

Each metric family keeps its sufficient statistics in a small frozen
dataclass, its *state*: :class:`~fastmetrics.ConfusionState`,
:class:`~fastmetrics.MultilabelState`, :class:`~fastmetrics.ScoreState`
(distinct-score table), :class:`~fastmetrics.MulticlassScoreState`,
:class:`~fastmetrics.MultilabelScoreState`,
:class:`~fastmetrics.BinnedScoreState`, :class:`~fastmetrics.CalibrationState`,
:class:`~fastmetrics.LossState` and :class:`~fastmetrics.TopKState`. Streaming
readers, Dask partitions and the bindings carry states, not rows, so all of
them share the surface of :class:`State`:

``a.merge(b)``
    The state of the union of two disjoint sets of rows. Merging is
    associative and commutative up to the rounding of float sums.
``SomeState.merge_all(states)`` (or ``State.merge_all``)
    Many states at once: a balanced tree of pairwise merges, so a state that
    grows with its rows (a table of distinct scores) is copied ``log B`` times
    for ``B`` states, not ``B`` times as in a left fold. The distinct-score
    table merges all its parts in one pass.
``n_rows``, ``weighted``
    Rows counted (after dropped nulls), and whether ``sample_weight`` was
    given. A state without weights merges into a weighted one, each of its
    rows weighing 1.
``a == b``
    Exact equality: the same kind, and every field equal; arrays of the same
    shape and dtype (text labels: any width of the same kind of string) with
    equal values (NaN equals NaN). States hold arrays, so they are not
    hashable.
``a.to_bytes()`` / ``State.from_bytes(data)``
    A stable, self-describing serialization for shipping states between
    processes, machines and languages (below). It holds no pickle, so loading
    bytes from elsewhere runs no code. :mod:`pickle` works too (numpy's own
    pickling of the arrays, zero-copy under protocol 5 as Dask uses it).

When two states cannot merge (other kinds, other thresholds or bins, other
score columns, label sets that fix different layouts, a grouped with an
ungrouped state), ``merge`` and ``merge_all`` raise
:class:`~fastmetrics.exceptions.StateMergeError`, and nothing else.

Field names follow one convention: ``classes`` the sorted ``y_true`` labels
seen; ``counts`` the int64 row counts of the state's table (what a bootstrap
redraws); ``weight_sums`` the same table as sums of ``sample_weight``, None
without weights; ``class_counts`` / ``class_weights`` totals per class where
the table is not laid out per class; ``thresholds`` the scores of a table;
``n_columns`` score columns; ``n_dropped`` rows dropped for nulls.

Format (version 1), all integers little-endian::

    b"FMSTATE\\0"          8 bytes, magic
    uint32                 format version (1)
    uint32                 length H of the header
    H bytes                JSON header (UTF-8, keys sorted, space-padded so that
                           the data starts at a multiple of 8 bytes)
    data                   the arrays' bytes in C order, each padded to 8 bytes

The header is ``{"kind": ..., "fields": {...}, "arrays": [...]}``: the state
kind (``"confusion"``, ``"multilabel"``, ``"score"``, ``"multiclass_score"``,
``"multilabel_score"``, ``"binned"``, ``"calibration"``, ``"loss"``,
``"top_k"``), each field's value (JSON ``null``, booleans, integers and
strings as they are; ``{"float": hex}`` a float, exactly as
:meth:`float.hex`; ``{"array": i}`` and ``{"scalar": i}`` the ``i``-th array,
a numpy scalar being a 0-d array; ``{"tuple": [...]}``; ``{"state": kind,
"fields": {...}}`` a nested state; ``{"record": name, "fields": [...]}`` a
named tuple), and per array its ``dtype`` (numpy's ``dtype.str``, byte order
included, so dtypes come back exactly), ``shape`` and ``offset`` into the data.
Object arrays are refused. A reader refuses any other magic, version or kind
with :class:`~fastmetrics.exceptions.StateFormatError`.

Examples
--------
>>> import pickle
>>> import fastmetrics as fm
>>> a = fm.confusion_state([0, 1, 1], [0, 1, 0])
>>> b = fm.confusion_state([1, 2], [1, 2])
>>> whole = fm.confusion_state([0, 1, 1, 1, 2], [0, 1, 0, 1, 2])
>>> a.merge(b) == whole == fm.ConfusionState.merge_all([b, a])
True
>>> whole.n_rows, whole.weighted
(5, False)
>>> data = whole.to_bytes()
>>> data[:8]
b'FMSTATE\\x00'
>>> fm.State.from_bytes(data) == whole, pickle.loads(pickle.dumps(whole)) == whole
(True, True)
>>> try:
...     a.merge(fm.score_state([0, 1], [0.2, 0.7]))
... except fm.exceptions.StateMergeError as exc:
...     print(exc)
state: cannot merge a ConfusionState with a ScoreState. Merge states built from the
same kind of target.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import fields
from typing import ClassVar

import numpy as np

from ..exceptions import (EmptyInputError, InputTypeError, StateFormatError, StateMergeError,
                          format_message)

__all__ = ['MAGIC', 'FORMAT_VERSION', 'record', 'State']


MAGIC = b"FMSTATE\x00"


FORMAT_VERSION = 1


_PREFIX = struct.Struct("<8sII")  # magic, format version, header length


_ALIGN = 8


#: state kind -> class, filled by ``class X(State, kind=...)``
_KINDS: dict[str, type] = {}


#: named tuples held inside states (name -> type and back)
_RECORDS: dict[str, type] = {}


_RECORD_NAMES: dict[type, str] = {}


def record(name: str):
    """Register a :class:`~typing.NamedTuple` type that a state's fields hold, so
    that :meth:`State.to_bytes` can write it (a class decorator)."""
    def register(cls):
        _RECORDS[name] = cls
        _RECORD_NAMES[cls] = name
        return cls
    return register


class State:
    """Base of every mergeable state (a mixin of frozen dataclasses).

    A subclass names its kind, ``class ConfusionState(State, kind="confusion")``,
    defines ``merge`` and ``n_rows`` (and ``weighted`` where its weights are not
    ``weight_sums``), and gets the rest of the
    protocol described in :mod:`fastmetrics._core.state`.
    """

    #: the name of the state's kind in serialized bytes
    kind: ClassVar[str] = ""

    def __init_subclass__(cls, kind: str | None = None, **kwargs):
        super().__init_subclass__(**kwargs)
        if kind is not None:
            if kind in _KINDS:
                raise RuntimeError(f"state kind {kind!r} is already {_KINDS[kind].__name__}")
            cls.kind = kind
            _KINDS[kind] = cls

    # -- facts ---------------------------------------------------------------

    @property
    def n_rows(self) -> int:
        """Rows counted (after any dropped nulls)."""
        raise NotImplementedError

    @property
    def weighted(self) -> bool:
        """Whether the state holds sums of ``sample_weight``: by the field
        convention, whether ``weight_sums`` is set (a state that keeps its
        weights elsewhere overrides this)."""
        return self.weight_sums is not None

    # -- merging -------------------------------------------------------------

    def merge(self, other):
        """The state of the rows of ``self`` and of ``other`` (disjoint sets of rows)."""
        raise NotImplementedError

    def _check_kind(self, other) -> None:
        """Refuse to merge with a state of another kind (the first check of a merge)."""
        if type(other) is not type(self):
            raise StateMergeError.like(InputTypeError, format_message(
                "state", f"cannot merge a {type(self).__name__} with a "
                         f"{type(other).__name__}",
                fix="Merge states built from the same kind of target"))

    @classmethod
    def merge_all(cls, states):
        """Merge any number of states (at least one) of one kind.

        Parameters
        ----------
        states : iterable of State
            All of the kind of the class it is called on (of the first
            state's kind when called on :class:`State`).

        Returns
        -------
        State
            As merging them pairwise. Float sums may round differently from a
            left fold (the merges are a balanced tree).

        Raises
        ------
        StateMergeError
            When a state is of another kind, or two cannot merge.
        """
        parts = list(states)
        if not parts:
            raise EmptyInputError(format_message("states", "is empty",
                                                 fix="Pass at least one state"))
        kind = type(parts[0]) if cls is State else cls
        for part in parts:
            if type(part) is not kind or not isinstance(part, State):
                raise StateMergeError.like(InputTypeError, format_message(
                    "states", f"mixes a {type(part).__name__} into states of "
                              f"{kind.__name__}",
                    fix="Merge states built from the same kind of target"))
        return kind._merge_many(parts)

    @classmethod
    def _merge_many(cls, parts: list):
        """Adjacent pairs merged level by level: O(size x log B) for B parts."""
        while len(parts) > 1:
            parts = [parts[i].merge(parts[i + 1]) if i + 1 < len(parts) else parts[i]
                     for i in range(0, len(parts), 2)]
        return parts[0]

    # -- equality ------------------------------------------------------------

    def __eq__(self, other):
        if not isinstance(other, State):
            return NotImplemented
        return type(other) is type(self) and all(
            _same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    __hash__ = None  # equal states hold equal (mutable) arrays

    # -- bytes ---------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The state in the stable format of :mod:`fastmetrics._core.state` (version 1)."""
        arrays: list = []
        encoded = _encode_fields(self, arrays)
        specs, chunks, offset = [], [], 0
        for a in arrays:
            a, spec = _array_spec(a)
            raw = a.tobytes()
            spec["offset"] = offset
            specs.append(spec)
            pad = -len(raw) % _ALIGN
            chunks.append(raw + b"\0" * pad)
            offset += len(raw) + pad
        header = json.dumps({"kind": self.kind, "fields": encoded, "arrays": specs},
                            sort_keys=True, separators=(",", ":"),
                            allow_nan=False).encode("utf-8")
        header += b" " * (-(_PREFIX.size + len(header)) % _ALIGN)
        return b"".join([_PREFIX.pack(MAGIC, FORMAT_VERSION, len(header)), header, *chunks])

    @classmethod
    def from_bytes(cls, data):
        """The state that :meth:`to_bytes` wrote.

        Parameters
        ----------
        data : bytes, bytearray or memoryview

        Returns
        -------
        State
            Of the kind written; called on a subclass (``ScoreState.from_bytes``),
            that kind must be the subclass.

        Raises
        ------
        StateFormatError
            Not a state, another format version or an unknown kind, or cut short.
        """
        try:
            data = memoryview(data).cast("B")
        except TypeError:
            raise StateFormatError(format_message(
                "data", f"must be bytes, got {type(data).__name__}",
                fix="Pass what State.to_bytes returned")) from None
        if data.nbytes < _PREFIX.size:
            raise _format_error(f"is {data.nbytes} bytes long, shorter than a state header")
        magic, version, length = _PREFIX.unpack_from(data)
        if magic != MAGIC:
            raise _format_error("does not start with a fastmetrics state header",
                                fix="Pass the bytes of State.to_bytes (not a pickle or a "
                                    "file of another format)")
        if version != FORMAT_VERSION:
            raise _format_error(
                f"is in state format version {version}; this fastmetrics reads version "
                f"{FORMAT_VERSION}",
                fix="Read it with the fastmetrics version that wrote it, or upgrade")
        start = _PREFIX.size + length
        if start > data.nbytes:
            raise _format_error("is cut short inside its header")
        try:
            header = json.loads(bytes(data[_PREFIX.size:start]).decode("utf-8"))
            kind, encoded, specs = header["kind"], header["fields"], header["arrays"]
        except (ValueError, KeyError, TypeError):
            raise _format_error("has a header that is not a state's") from None
        target = _kind_class(kind)
        if cls is not State and target is not cls:
            raise _format_error(f"holds a {target.__name__}, not a {cls.__name__}",
                                fix=f"Read it with State.from_bytes or "
                                    f"{target.__name__}.from_bytes")
        arrays = [_read_array(data, start, spec) for spec in specs]
        return _decode_state(kind, encoded, arrays)


def _is_text(a: np.ndarray) -> bool:
    return a.dtype.kind in "UST"


def _same(a, b) -> bool:
    """Exact equality of two field values (arrays: shape, dtype and values)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.shape != b.shape:
            return False
        if a.dtype != b.dtype and not (_is_text(a) and _is_text(b)
                                       and a.dtype.kind == b.dtype.kind):
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, State) or isinstance(b, State):
        return a == b
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same(x, y) for x, y in zip(a, b)))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


def _format_error(problem: str, fix: str = "Pass the bytes of State.to_bytes, whole"):
    return StateFormatError(format_message("data", problem, fix=fix))


def _kind_class(kind) -> type:
    if not isinstance(kind, str) or kind not in _KINDS:
        raise _format_error(f"holds a state of kind {kind!r}, which this fastmetrics does "
                            f"not know (it knows {sorted(_KINDS)})",
                            fix="Read it with the fastmetrics version that wrote it")
    return _KINDS[kind]


def _encode(value, arrays: list):
    """A field value as JSON, its arrays appended to ``arrays``."""
    if isinstance(value, np.ndarray):
        arrays.append(value)
        return {"array": len(arrays) - 1}
    if isinstance(value, np.generic):  # before float: np.float64 is a float
        arrays.append(np.asarray(value))
        return {"scalar": len(arrays) - 1}
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return {"float": float(value).hex()}
    if isinstance(value, State):
        return {"state": value.kind, "fields": _encode_fields(value, arrays)}
    if isinstance(value, tuple):
        items = [_encode(v, arrays) for v in value]
        name = _RECORD_NAMES.get(type(value))
        if name is not None:
            return {"record": name, "fields": items}
        if type(value) is tuple:
            return {"tuple": items}
    raise InputTypeError(format_message(
        "state", f"holds a {type(value).__name__}, which the state format cannot write",
        fix="Keep arrays, numbers, strings, tuples and states in state fields"))


def _encode_fields(state: State, arrays: list) -> dict:
    return {f.name: _encode(getattr(state, f.name), arrays) for f in fields(state)}


def _array_spec(a: np.ndarray):
    """``(C-contiguous array to write, header entry)``."""
    extra = {}
    if a.dtype.kind == "T" and not hasattr(a.dtype, "na_object"):
        # variable-width strings, written as fixed-width ones (numpy needs the width)
        width = max((len(v) for v in a.ravel().tolist()), default=1)
        a = a.astype(f"U{max(width, 1)}")
        extra = {"text": "StringDType"}
    if a.dtype.hasobject or a.dtype.fields is not None:
        raise InputTypeError(format_message(
            "state", f"holds an array of dtype {a.dtype}, which the state format cannot "
                     "write", fix="Keep numbers, booleans, strings or datetimes in states"))
    return np.ascontiguousarray(a), {"dtype": a.dtype.str, "shape": list(a.shape), **extra}


def _read_array(data: memoryview, start: int, spec) -> np.ndarray:
    try:
        dtype = np.dtype(spec["dtype"])
        shape = tuple(int(n) for n in spec["shape"])
        offset = start + int(spec["offset"])
    except (KeyError, TypeError, ValueError):
        raise _format_error("has an array entry that is not a state's") from None
    if dtype.hasobject or any(n < 0 for n in shape):
        raise _format_error(f"has an array of dtype {dtype} and shape {shape}")
    count = math.prod(shape)
    if offset < start or offset + count * dtype.itemsize > data.nbytes:
        raise _format_error("is cut short inside its arrays")
    if count == 0:
        out = np.empty(shape, dtype=dtype)
    else:  # a copy: the state owns writable arrays, not views of the bytes
        out = np.frombuffer(data, dtype=dtype, count=count, offset=offset).reshape(shape).copy()
    if spec.get("text") == "StringDType":
        out = out.astype(np.dtypes.StringDType())
    return out


def _decode(obj, arrays: list):
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, dict) and len(obj) in (1, 2):
        try:
            if "float" in obj:
                return float.fromhex(obj["float"])
            if "array" in obj:
                return arrays[obj["array"]]
            if "scalar" in obj:
                return arrays[obj["scalar"]][()]
            if "tuple" in obj:
                return tuple(_decode(v, arrays) for v in obj["tuple"])
            if "state" in obj:
                return _decode_state(obj["state"], obj["fields"], arrays)
            if "record" in obj:
                cls = _RECORDS[obj["record"]]
                return cls(*(_decode(v, arrays) for v in obj["fields"]))
        except (KeyError, IndexError, TypeError, ValueError):
            pass
    raise _format_error(f"has a field value {str(obj)[:60]!r} that is not a state's")


def _decode_state(kind, encoded, arrays: list) -> State:
    cls = _kind_class(kind)
    names = [f.name for f in fields(cls) if f.init]
    if not isinstance(encoded, dict) or set(encoded) - set(names):
        unknown = sorted(set(encoded) - set(names)) if isinstance(encoded, dict) else encoded
        raise _format_error(f"holds fields {unknown} that a {cls.__name__} does not have",
                            fix="Read it with the fastmetrics version that wrote it")
    try:
        return cls(**{name: _decode(value, arrays) for name, value in encoded.items()})
    except TypeError as exc:  # a field without a default is missing
        raise _format_error(f"does not hold every field of a {cls.__name__} ({exc})") from None

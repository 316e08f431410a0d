"""The State protocol shared by every state kind: merge errors, merge_all, equality
and the serialization format (the invariances over the registry of
``tests/_states.py`` are in ``test_invariance.py``)."""

from __future__ import annotations

import dataclasses
import json
import pickle
import struct
import warnings

import numpy as np
import pytest

import fastmetrics as fm
from fastmetrics._core.state import FORMAT_VERSION, MAGIC
from fastmetrics.exceptions import (EmptyInputError, FastMetricsError, InputTypeError,
                                    InvalidParameterError, LabelError, StateFormatError,
                                    StateMergeError)

from . import _states


def _example(case):
    """A small weighted state of the case."""
    rng = np.random.default_rng(7)
    labels = {"y_true": np.array([0, 1, 2, 1]), "y_pred": np.array([0, 2, 2, 1]),
              "groups": np.array(["x", "y", "x", "y"])}
    binary = {"y_true": np.array([0, 1, 1, 0]), "y_score": np.array([0.1, 0.8, 0.4, 0.4])}
    three = {"y_true": np.array([0, 1, 2, 2, 1]), "y_score": _states._simplex_rows(rng, 5, 3)}
    four = {"y_true": np.array([0, 3, 1, 3]), "y_score": _states._simplex_rows(rng, 4, 4)}
    rows = {
        "confusion": labels, "confusion groups": labels,
        "multilabel": {"y_true": rng.integers(0, 2, (6, 3)),
                       "y_pred": rng.integers(0, 2, (6, 3))},
        "multilabel score": {"y_true": np.array([[0, 1], [1, 0], [1, 1]]),
                             "y_score": np.array([[0.25, 0.5], [0.75, 0.5], [0.5, 0.125]])},
        "multiclass score labels": four, "top k labels": four,
        "binned columns": three, "multiclass score": three, "loss": three, "top k": three,
    }.get(case.name, binary)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return case.build(rows, np.arange(1, _states.n_rows_of(rows) + 1) / 4)


EXAMPLES = {case.cls: _example(case) for case in _states.CASES}


# ---------------------------------------------------------------------------
# merging
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("case", [c for c in _states.CASES if c.name in {
    "confusion", "multilabel", "score", "binned", "multiclass score", "multilabel score",
    "calibration", "loss", "top k"}], ids=lambda c: c.name)
def test_unmergeable_states_raise_the_one_error(case):
    pairs = case.incompatible()
    assert pairs
    for a, b, was in pairs:
        for x, y in ((a, b), (b, a)):
            with pytest.raises(StateMergeError) as info:
                x.merge(y)
            # ... which is still the type this merge raised before
            assert isinstance(info.value, was) and isinstance(info.value, FastMetricsError)
            assert str(info.value).endswith(".")
            with pytest.raises(StateMergeError):
                case.cls.merge_all([x, x, y])


@pytest.mark.parametrize("a", _states.KINDS, ids=lambda c: c.__name__)
def test_states_of_other_kinds_do_not_merge(a):
    for b in _states.KINDS:
        if b is a:
            continue
        with pytest.raises(StateMergeError, match=f"cannot merge a {a.__name__} with a "
                                                  f"{b.__name__}") as info:
            EXAMPLES[a].merge(EXAMPLES[b])
        assert isinstance(info.value, InputTypeError)
        with pytest.raises(StateMergeError, match=f"mixes a {b.__name__}"):
            fm.State.merge_all([EXAMPLES[a], EXAMPLES[b]])
        with pytest.raises(StateMergeError, match=f"mixes a {a.__name__}"):
            b.merge_all([EXAMPLES[a]])


def test_merge_all():
    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 4, 300), rng.integers(0, 4, 300)
    w = rng.random(300)  # not multiples of a power of two: the order of sums shows
    parts = [fm.confusion_state(y[a:a + 30], p[a:a + 30], sample_weight=w[a:a + 30])
             for a in range(0, 300, 30)]
    whole = fm.confusion_state(y, p, sample_weight=w)
    merged = fm.ConfusionState.merge_all(parts)
    np.testing.assert_array_equal(merged.counts, whole.counts)
    np.testing.assert_allclose(merged.weight_sums, whole.weight_sums, rtol=1e-14)
    assert fm.State.merge_all(iter(parts)) == merged  # the kind of the first state
    assert fm.ConfusionState.merge_all(parts[:1]) is parts[0]
    # a balanced tree: ((0 1) (2 3)) ((4 5) (6 7)) ...
    tree = parts
    while len(tree) > 1:
        tree = [tree[i].merge(tree[i + 1]) if i + 1 < len(tree) else tree[i]
                for i in range(0, len(tree), 2)]
    assert merged == tree[0]
    with pytest.raises(EmptyInputError, match="states: is empty"):
        fm.ConfusionState.merge_all([])
    with pytest.raises(StateMergeError, match="mixes a list"):
        fm.State.merge_all([[1, 2]])


def test_score_states_merge_all_in_one_pass_as_a_left_fold():
    """ScoreState.merge_all unites every part's scores at once; each cell still sums
    its parts in order, so the answer is bit for bit the left fold's (the sequential
    merges of score_state), float weights included."""
    rng = np.random.default_rng(11)
    y, s = rng.integers(0, 2, 500), rng.random(500).round(2)
    w = rng.random(500)
    parts = [fm.score_state(y[a:a + 50], s[a:a + 50], sample_weight=w[a:a + 50])
             for a in range(0, 500, 50)]
    parts[3] = fm.score_state(y[150:200], s[150:200])  # unweighted rows weigh 1
    fold = parts[0]
    for part in parts[1:]:
        fold = fold.merge(part)
    merged = fm.ScoreState.merge_all(parts)
    assert merged == fold
    assert merged.weight_sums.tobytes() == fold.weight_sums.tobytes()


def test_score_state_fields_follow_the_convention_with_the_old_names_kept():
    s = fm.score_state([0, 1, 1], [0.2, 0.9, 0.2], sample_weight=[1.0, 2.0, 0.5])
    assert [f.name for f in dataclasses.fields(s)] == [
        "thresholds", "counts", "weight_sums", "classes", "n_dropped"]
    assert s.class_counts is s.counts and s.class_weights is s.weight_sums
    with pytest.raises(AttributeError):
        s.class_counts = s.counts  # read-only
    for kind, state in EXAMPLES.items():
        names = {f.name for f in dataclasses.fields(state)}
        if kind is not fm.MultilabelScoreState:  # its tables are its column states
            assert "counts" in names and "n_dropped" in names, kind
        if "weight_sums" in names:
            assert state.weighted == (state.weight_sums is not None)


def test_merge_error_pickles_as_its_type():
    a = fm.binned_score_state([0, 1], [0.1, 0.6], thresholds=10)
    with pytest.raises(StateMergeError) as info:
        a.merge(fm.binned_score_state([0, 1], [0.1, 0.6], thresholds=11))
    again = pickle.loads(pickle.dumps(info.value))
    assert isinstance(again, StateMergeError) and isinstance(again, InvalidParameterError)
    assert str(again) == str(info.value)


# ---------------------------------------------------------------------------
# equality
# ---------------------------------------------------------------------------

def test_equality_is_exact_and_states_are_not_hashable():
    a = fm.confusion_state([0, 1, 1], [0, 1, 0])
    assert a == fm.confusion_state([1, 0, 1], [1, 0, 0])
    assert a != fm.confusion_state([0, 1, 1], [0, 1, 1])
    assert a != fm.confusion_state([0, 1, 1], [0, 1, 0], sample_weight=[1, 1, 1])
    assert a != dataclasses.replace(a, n_dropped=2)
    assert a != dataclasses.replace(a, classes=a.classes.astype(np.int32))  # dtypes count
    assert a != "a state" and a.__eq__(a.counts) is NotImplemented
    with pytest.raises(TypeError, match="unhashable"):
        hash(a)
    # Text labels: the same strings are the same labels whatever numpy's width.
    t = fm.confusion_state(["x", "y"], ["y", "y"])
    assert t == dataclasses.replace(t, classes=t.classes.astype("<U9"))
    # NaN equals NaN (an undefined per-row score sum), and nested states compare.
    m = fm.multiclass_score_state([[0, 1], [1, 0]], [[0.25, 0.5], [0.75, 0.5]])
    assert dataclasses.replace(m, sample_auc_sum=np.nan) == dataclasses.replace(
        m, sample_auc_sum=float("nan"))
    assert m != dataclasses.replace(m, columns=m.columns[::-1])


# ---------------------------------------------------------------------------
# bytes
# ---------------------------------------------------------------------------

def _blob(header: dict, *arrays) -> bytes:
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    text += b" " * (-(16 + len(text)) % 8)
    data = b"".join(a.tobytes() + b"\0" * (-a.nbytes % 8) for a in arrays)
    return MAGIC + struct.pack("<II", FORMAT_VERSION, len(text)) + text + data


def test_format_version_1_is_stable():
    """The bytes of format version 1, spelled out: a reader of any later fastmetrics
    must still read them, and this version must still write them."""
    state = fm.confusion_state(["a", "b", "b"], ["a", "b", "a"], sample_weight=[1.0, 0.5, 2.0])
    expected = _blob(
        {"kind": "confusion",
         "fields": {"classes": {"array": 0}, "counts": {"array": 1}, "group_names": None,
                    "n_dropped": 0, "weight_sums": {"array": 2}},
         "arrays": [{"dtype": "<U1", "offset": 0, "shape": [2]},
                    {"dtype": "<i8", "offset": 8, "shape": [1, 2, 2]},
                    {"dtype": "<f8", "offset": 40, "shape": [1, 2, 2]}]},
        np.array(["a", "b"]), np.array([[[1, 0], [1, 1]]], "<i8"),
        np.array([[[1.0, 0.0], [2.0, 0.5]]], "<f8"))
    assert state.to_bytes() == expected
    assert fm.State.from_bytes(expected) == state
    assert expected[:8] == b"FMSTATE\x00" and len(expected) % 8 == 0


def test_bytes_keep_every_kind_of_field():
    topk = fm.top_k_state([0, 1], [[0.5, 0.25, 0.25], [0.25, 0.5, 0.25]],
                          sample_weight=[0.5, 1.5])
    assert not topk.settled  # named tuples of pending rows
    quantile = fm.calibration_state([0, 1, 1, 0], [0.1, 0.3, 0.8, 0.6], n_bins=2,
                                    strategy="quantile")
    big = np.array([2**63 + 1, 5], dtype=np.uint64)
    scalars = dataclasses.replace(fm.confusion_state(big, big), n_dropped=np.int64(3))
    nan = dataclasses.replace(
        fm.multiclass_score_state([[0, 1], [1, 0]], [[0.25, 0.5], [0.75, 0.5]]),
        sample_auc_sum=float("nan"), samples_max_fpr=0.1 + 0.2)
    varlen = dataclasses.replace(fm.confusion_state(["ab", "c"], ["c", "c"]),
                                 classes=np.array(["ab", "c"], dtype=np.dtypes.StringDType()))
    f32 = fm.score_state([0, 1, 1], np.array([0.1, 0.7, 0.7], np.float32))
    big_endian = dataclasses.replace(f32, thresholds=f32.thresholds.astype(">f4"))
    for state in (topk, quantile, scalars, nan, varlen, f32, big_endian,
                  fm.ConfusionState.empty(), fm.ConfusionState.empty(weighted=True),
                  *EXAMPLES.values()):
        copy = fm.State.from_bytes(state.to_bytes())
        assert copy == state
        assert _states.field_dtypes(copy) == _states.field_dtypes(state)
    assert type(fm.State.from_bytes(scalars.to_bytes()).n_dropped) is np.int64
    assert fm.State.from_bytes(nan.to_bytes()).samples_max_fpr == 0.1 + 0.2
    copy = fm.State.from_bytes(topk.to_bytes())
    assert type(copy.pending[0]) is type(topk.pending[0])
    # the copy owns writable arrays
    assert copy.counts.flags.writeable and copy.counts.base is None


def test_bytes_refuse_what_they_cannot_write():
    odd = dataclasses.replace(fm.confusion_state([0], [0]),
                              classes=np.array([object()], dtype=object))
    with pytest.raises(InputTypeError, match="dtype object"):
        odd.to_bytes()
    with pytest.raises(InputTypeError, match="holds a dict"):
        dataclasses.replace(fm.confusion_state([0], [0]), n_dropped={}).to_bytes()


def test_bytes_that_are_not_a_state_are_refused_clearly():
    state = EXAMPLES[fm.ScoreState]
    blob = state.to_bytes()
    header_length = struct.unpack_from("<I", blob, 12)[0]
    header = json.loads(blob[16:16 + header_length])

    def with_header(**changes):
        return _blob({**header, **changes}) + blob[16 + header_length:]

    cases = {
        b"": "shorter than a state header",
        pickle.dumps(state): "does not start with a fastmetrics state header",
        MAGIC + struct.pack("<II", 2, 0): "format version 2; this fastmetrics reads version 1",
        blob[:40]: "cut short inside its header",
        blob[:-8]: "cut short inside its arrays",
        with_header(kind="hologram"): "kind 'hologram', which this fastmetrics does not know",
        with_header(fields={**header["fields"], "colour": 1}): r"fields \['colour'\]",
        with_header(fields={"thresholds": {"array": 0}}): "does not hold every field",
        with_header(fields={**header["fields"], "n_dropped": [1]}): "field value",
        blob[:16] + b"[" + blob[17:]: "header that is not a state's",
    }
    for data, message in cases.items():
        with pytest.raises(StateFormatError, match=message):
            fm.State.from_bytes(data)
    with pytest.raises(StateFormatError, match="holds a ScoreState, not a ConfusionState"):
        fm.ConfusionState.from_bytes(blob)
    with pytest.raises(StateFormatError, match="must be bytes, got str"):
        fm.State.from_bytes("FMSTATE")
    assert issubclass(StateFormatError, ValueError)
    assert issubclass(StateMergeError, ValueError) and not issubclass(StateMergeError, LabelError)

"""A registry of every state kind, for the invariance and protocol tests.

Each :class:`StateCase` says how to draw rows for one family (as numpy arrays,
one entry per row), how to build its state from rows and optional weights,
which float fields sum in an order-dependent way (compared to 1e-12 rather than
exactly), how its weight sums become the counts of repeated rows, and which
pairs of its states must refuse to merge.

Values are chosen so that every other sum is exact in any order: scores and
probabilities are multiples of 1/8 (rows of a score matrix sum to exactly 1),
weights multiples of 1/4 or integers.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from hypothesis import strategies as st

import fastmetrics as fm
from fastmetrics._core.state import _same as same_value
from fastmetrics.exceptions import InputTypeError, InvalidParameterError, LabelError


@dataclass(frozen=True)
class StateCase:
    name: str
    cls: type
    #: hypothesis strategy of ``{role: array}``, all arrays of the same length n >= 1
    rows: Callable[[], st.SearchStrategy]
    #: ``build(rows, sample_weight or None) -> state``
    build: Callable
    #: float fields summed in an order that depends on the chunks (not exact)
    approx: tuple = ()
    #: weight field -> count field: an integer-weighted state read as repeated rows
    weight_fields: dict = field(default_factory=dict)
    #: fields that count rows whatever their weights (not comparable to repeats)
    row_counted: tuple = ()
    #: nested states (field name -> StateCase name) converted the same way
    nested: dict = field(default_factory=dict)
    #: ``() -> [(state_a, state_b, legacy error type)]`` that must not merge
    incompatible: Callable = lambda: []


def take(rows: dict, index) -> dict:
    return {k: v[index] for k, v in rows.items()}


def n_rows_of(rows: dict) -> int:
    return len(next(iter(rows.values())))


# ---------------------------------------------------------------------------
# row strategies
# ---------------------------------------------------------------------------

ALPHABETS = [np.array([0, 1]), np.array([0, 1, 2, 3]), np.array([-2, 5, 9]),
             np.array(["a", "b"]), np.array(["cat", "dog", "emu"])]
GRID = np.arange(9) / 8  # scores and probabilities: exact in every sum


@st.composite
def _seeded(draw, max_rows=40):
    n = draw(st.integers(1, max_rows))
    return n, np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _simplex_rows(rng, n, k):
    """(n, k) probabilities, multiples of 1/8 that sum to exactly 1 per row."""
    cuts = np.sort(rng.integers(0, 9, (n, k - 1)), axis=1)
    edges = np.concatenate([np.zeros((n, 1), int), cuts, np.full((n, 1), 8)], axis=1)
    return np.diff(edges, axis=1) / 8


@st.composite
def labels_pair(draw):
    alphabet = draw(st.sampled_from(ALPHABETS))
    n, rng = draw(_seeded())
    groups = np.array(["de", "en", "fr"])[rng.integers(0, 3, n)]
    return {"y_true": alphabet[rng.integers(0, alphabet.size, n)],
            "y_pred": alphabet[rng.integers(0, alphabet.size, n)], "groups": groups}


@st.composite
def indicators(draw):
    n, rng = draw(_seeded())
    k = draw(st.integers(2, 4))
    return {"y_true": rng.integers(0, 2, (n, k)), "y_pred": rng.integers(0, 2, (n, k))}


@st.composite
def binary_scores(draw):
    alphabet = draw(st.sampled_from([np.array([0, 1]), np.array(["neg", "pos"])]))
    n, rng = draw(_seeded())
    return {"y_true": alphabet[rng.integers(0, 2, n)], "y_score": GRID[rng.integers(0, 9, n)]}


@st.composite
def labelled_scores(draw):
    alphabet = draw(st.sampled_from(ALPHABETS))
    n, rng = draw(_seeded())
    return {"y_true": alphabet[rng.integers(0, alphabet.size, n)],
            "y_score": GRID[rng.integers(0, 9, n)]}


@st.composite
def class_probabilities(draw, k=3, all_classes=False):
    """Labels in range(k) with rows of k probabilities; every class shown once when
    ``all_classes`` (the rows are permuted, so any chunk may lack some)."""
    n, rng = draw(_seeded())
    y = rng.integers(0, k, n + (k if all_classes else 0))
    if all_classes:
        y[:k] = np.arange(k)
    order = rng.permutation(y.size)
    return {"y_true": y[order], "y_score": _simplex_rows(rng, y.size, k)}


@st.composite
def indicator_scores(draw):
    n, rng = draw(_seeded())
    k = draw(st.integers(2, 4))
    return {"y_true": rng.integers(0, 2, (n, k)), "y_score": GRID[rng.integers(0, 9, (n, k))]}


# ---------------------------------------------------------------------------
# builders
# ---------------------------------------------------------------------------

def _w(w):
    return {} if w is None else {"sample_weight": w}


def confusion(r, w):
    return fm.confusion_state(r["y_true"], r["y_pred"], **_w(w))


def confusion_groups(r, w):
    return fm.confusion_state(r["y_true"], r["y_pred"], groups=r["groups"], **_w(w))


def multilabel(r, w):
    return fm.multilabel_state(r["y_true"], r["y_pred"], **_w(w))


def score(r, w):
    return fm.score_state(r["y_true"], r["y_score"], **_w(w))


def binned(r, w):
    return fm.binned_score_state(r["y_true"], r["y_score"], thresholds=[0.25, 0.5, 0.6],
                                 **_w(w))


def binned_columns(r, w):
    return fm.binned_score_state(r["y_true"], r["y_score"], thresholds=5, **_w(w))


def multiclass_score(r, w):
    return fm.multiclass_score_state(r["y_true"], r["y_score"], **_w(w))


def multiclass_score_labels(r, w):
    return fm.multiclass_score_state(r["y_true"], r["y_score"], labels=[0, 1, 2, 3], **_w(w))


def multilabel_score(r, w):
    return fm.multiclass_score_state(r["y_true"], r["y_score"], **_w(w))


def calibration(r, w):
    return fm.calibration_state(r["y_true"], r["y_score"], n_bins=4, **_w(w))


def loss(r, w):
    return fm.loss_state(r["y_true"], r["y_score"], labels=[0, 1, 2], **_w(w))


def loss_binary(r, w):
    return fm.loss_state(r["y_true"], r["y_score"], **_w(w))


def top_k(r, w):
    return fm.top_k_state(r["y_true"], r["y_score"], **_w(w))


def top_k_labels(r, w):
    return fm.top_k_state(r["y_true"], r["y_score"], labels=[0, 1, 2, 3], **_w(w))


# ---------------------------------------------------------------------------
# states that must not merge
# ---------------------------------------------------------------------------

def _confusion_pairs():
    ints = fm.confusion_state([0, 1], [1, 1])
    return [(ints, fm.confusion_state(["a"], ["b"]), LabelError),
            (ints, fm.confusion_state([0, 1], [1, 1], groups=["x", "y"]), LabelError),
            (fm.confusion_state([0], [0], groups=["x"]),
             fm.confusion_state([0], [0], groups=[3]), LabelError)]


def _multilabel_pairs():
    return [(fm.multilabel_state([[0, 1]], [[1, 1]]),
             fm.multilabel_state([[0, 1, 0]], [[1, 1, 0]]), LabelError)]


def _score_pairs():
    return [(fm.score_state([0, 1], [0.2, 0.4]), fm.score_state(["a", "b"], [0.2, 0.4]),
             LabelError)]


def _binned_pairs():
    a = fm.binned_score_state([0, 1], [0.1, 0.6], thresholds=10)
    return [(a, fm.binned_score_state([0, 1], [0.1, 0.6], thresholds=11),
             InvalidParameterError),
            (a, fm.binned_score_state([0, 1], [[0.1, 0.2], [0.6, 0.3]], thresholds=10),
             InputTypeError),
            (a, fm.binned_score_state(["x"], [0.3], thresholds=10), LabelError)]


def _multiclass_score_pairs():
    s3 = [[0.5, 0.25, 0.25], [0.25, 0.5, 0.25]]
    a = fm.multiclass_score_state([0, 1], s3)
    return [(a, fm.multiclass_score_state([0, 1], [[0.5, 0.5], [0.25, 0.75]]),
             InputTypeError),
            (fm.multiclass_score_state([0, 1], s3, labels=[0, 1, 2]),
             fm.multiclass_score_state([1, 5], s3, labels=[1, 5, 7]), LabelError),
            (a, fm.multiclass_score_state(["a", "b"], s3), LabelError)]


def _multilabel_score_pairs():
    a = fm.multiclass_score_state([[0, 1], [1, 0]], [[0.25, 0.5], [0.75, 0.5]])
    b = fm.multiclass_score_state([[0, 1, 1], [1, 0, 0]], [[0.25, 0.5, 0.5], [0.75, 0.5, 0]])
    return [(a, b, InputTypeError),
            (a, dataclasses.replace(a, samples_max_fpr=0.5), InvalidParameterError)]


def _calibration_pairs():
    a = fm.calibration_state([0, 1], [0.25, 0.75], n_bins=4)
    return [(a, fm.calibration_state([0, 1], [0.25, 0.75], n_bins=5), InputTypeError),
            (a, fm.calibration_state([0, 1], [0.25, 0.75], n_bins=4, strategy="quantile"),
             InputTypeError),
            (a, fm.calibration_state([0, 1, 2], [[0.5, 0.25, 0.25], [0.25, 0.5, 0.25],
                                                 [0.25, 0.25, 0.5]], n_bins=4),
             InputTypeError),
            (a, fm.calibration_state(["u", "v"], [0.25, 0.75], n_bins=4), LabelError)]


def _loss_pairs():
    one_d = fm.loss_state([0, 1], [0.25, 0.75])
    p3 = [[0.5, 0.25, 0.25], [0.25, 0.5, 0.25]]
    p4 = [[0.25, 0.25, 0.25, 0.25]] * 2
    return [(one_d, fm.loss_state([0, 1], p3, labels=[0, 1, 2]), InputTypeError),
            (fm.loss_state([0, 1], p3, labels=[0, 1, 2]),
             fm.loss_state([0, 1], p4, labels=[0, 1, 2, 3]), InputTypeError),
            (one_d, fm.loss_state(["a", "b"], [0.25, 0.75]), LabelError)]


def _top_k_pairs():
    s3 = [[0.5, 0.25, 0.25], [0.25, 0.5, 0.25], [0.25, 0.25, 0.5]]
    a = fm.top_k_state([0, 1, 2], s3)
    return [(fm.top_k_state([0, 1], [0.25, 0.5]), a, InputTypeError),
            (a, fm.top_k_state([0, 1, 2], s3, labels=[0, 1, 2]), LabelError),
            (a, fm.top_k_state([3], s3[:1]), LabelError),  # 4 classes, 3 columns
            (fm.top_k_state([0, 1], [0.25, 0.5]), fm.top_k_state([1, 2], [0.25, 0.5]),
             InputTypeError),  # 1-D scores of 3 classes
            (a, fm.top_k_state(["a", "b", "c"], s3), LabelError)]


# ---------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------

_COUNTS = {"weight_sums": "counts"}

CASES = [
    StateCase("confusion", fm.ConfusionState, labels_pair, confusion,
              weight_fields=_COUNTS, incompatible=_confusion_pairs),
    StateCase("confusion groups", fm.ConfusionState, labels_pair, confusion_groups,
              weight_fields=_COUNTS),
    StateCase("multilabel", fm.MultilabelState, indicators, multilabel,
              weight_fields={"weight_sums": "counts", "sample_weight_sums": "sample_counts"},
              incompatible=_multilabel_pairs),
    StateCase("score", fm.ScoreState, binary_scores, score, weight_fields=_COUNTS,
              incompatible=_score_pairs),
    StateCase("binned", fm.BinnedScoreState, labelled_scores, binned, weight_fields=_COUNTS,
              incompatible=_binned_pairs),
    StateCase("binned columns", fm.BinnedScoreState, class_probabilities, binned_columns,
              weight_fields=_COUNTS),
    # Reciprocal ranks (1/3) make rank_sums order-dependent.
    StateCase("multiclass score", fm.MulticlassScoreState, class_probabilities,
              multiclass_score, approx=("rank_sums",),
              weight_fields={"weight_sums": "counts", "class_weights": "class_counts"},
              incompatible=_multiclass_score_pairs),
    StateCase("multiclass score labels", fm.MulticlassScoreState,
              lambda: class_probabilities(k=4), multiclass_score_labels, approx=("rank_sums",),
              weight_fields={"weight_sums": "counts", "class_weights": "class_counts"}),
    # Per-row ROC AUC and AP (1/3, 2/3, ...) make their sums order-dependent; the
    # rows holding one class (or no positive) are counted whatever their weight.
    StateCase("multilabel score", fm.MultilabelScoreState, indicator_scores,
              multilabel_score, approx=("sample_auc_sum", "sample_ap_sum"),
              row_counted=("n_auc_undefined", "n_ap_undefined"), nested={"columns": "score"},
              incompatible=_multilabel_score_pairs),
    StateCase("calibration", fm.CalibrationState, binary_scores, calibration,
              weight_fields={"weight_sums": "counts", "weighted_prob_sums": "prob_sums"},
              incompatible=_calibration_pairs),
    # -log(p) is not exact; with labels= every chunk knows each class's column.
    StateCase("loss", fm.LossState, class_probabilities, loss, approx=("log_sums",),
              weight_fields=_COUNTS, incompatible=_loss_pairs),
    StateCase("loss binary", fm.LossState, binary_scores, loss_binary, approx=("log_sums",),
              weight_fields=_COUNTS),
    # Without labels= a chunk lacking a class waits for it; the whole shows every class.
    StateCase("top k", fm.TopKState, lambda: class_probabilities(k=3, all_classes=True),
              top_k, weight_fields=_COUNTS, incompatible=_top_k_pairs),
    StateCase("top k labels", fm.TopKState, lambda: class_probabilities(k=4), top_k_labels,
              weight_fields=_COUNTS),
    StateCase("top k binary", fm.TopKState, binary_scores, top_k, weight_fields=_COUNTS),
]
BY_NAME = {case.name: case for case in CASES}
KINDS = [fm.ConfusionState, fm.MultilabelState, fm.ScoreState, fm.MulticlassScoreState,
         fm.MultilabelScoreState, fm.BinnedScoreState, fm.CalibrationState, fm.LossState,
         fm.TopKState]
assert {case.cls for case in CASES} == set(KINDS)


def as_repeated_rows(case: StateCase, state):
    """An integer-weighted state read as the state of its rows repeated ``weight``
    times: the weight sums become the counts, and the state is unweighted."""
    changes = {}
    for weight_field, count_field in case.weight_fields.items():
        sums = getattr(state, weight_field)
        like = getattr(state, count_field)
        if like.dtype.kind in "iu":
            assert np.array_equal(sums, np.rint(sums)), weight_field
            sums = np.rint(sums).astype(like.dtype)
        changes[count_field] = sums
        changes[weight_field] = None
    for name, inner in case.nested.items():
        changes[name] = tuple(as_repeated_rows(BY_NAME[inner], s) for s in getattr(state, name))
    return dataclasses.replace(state, **changes)


def assert_state_equal(got, expected, approx=(), ignore=()):
    """``got == expected``, the ``approx`` float fields to 1e-12 (relative) only and the
    ``ignore`` fields not at all."""
    changes = {}
    for name in approx:
        a, b = getattr(got, name), getattr(expected, name)
        assert (a is None) == (b is None), name
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12, err_msg=name)
        changes[name] = b
    changes.update({name: getattr(expected, name) for name in ignore})
    got = dataclasses.replace(got, **changes) if changes else got
    if got != expected:
        diff = [f.name for f in dataclasses.fields(got)
                if not same_value(getattr(got, f.name), getattr(expected, f.name))]
        raise AssertionError(f"{type(got).__name__} differs in {diff}:\n{got}\n!=\n{expected}")


def field_dtypes(state) -> list:
    """Every array's dtype (text width included) and every scalar's type, in field order."""
    out = []

    def walk(value):
        if isinstance(value, np.ndarray):
            out.append(value.dtype)
        elif isinstance(value, fm.State):
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))
        elif isinstance(value, tuple):
            for v in value:
                walk(v)
        else:
            out.append(type(value))
    walk(state)
    return out

"""Batched finalizers (fastmetrics.inference.batched) against the per-table definition.

``table_values`` is the definition of a resample's value (one finalizer call on
the state of the labels present); every batched finalizer must reproduce it --
values to float64 rounding and the ``undefined`` mask exactly -- on random
multinomial resamples of small tables (where classes go missing, tables become
single-class, rows or columns empty) and on hypothesis-generated tables. The
definition itself is checked against scikit-learn on the rows each table
stands for.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning as SkUndefinedMetricWarning

import fastmetrics as fm
from fastmetrics.exceptions import InvalidParameterError, LabelError
from fastmetrics.inference.batched import table_values
from fastmetrics.inference.specs import batched_finalizer, evaluate_tables

# -- the supported matrix ----------------------------------------------------

# Placeholders resolved against each table's classes: a label list holding the
# last class, the first one and one absent from the data; a pos_label that is
# the first class, or absent.
SUBSET, FIRST, ABSENT = "<subset>", "<first>", "<absent>"

SETWISE = [
    (fm.precision_score, {}), (fm.recall_score, {}), (fm.f1_score, {}),
    (fm.fbeta_score, {"beta": 0.5}), (fm.fbeta_score, {"beta": 2}),
    (fm.jaccard_score, {}), (fm.specificity_score, {}),
    (fm.negative_predictive_value_score, {}),
]
ZERO_DIVISION = ["warn", 0.0, 1.0, np.nan]


def _combos():
    out = [
        (fm.accuracy_score, {}), (fm.accuracy_score, {"normalize": False}),
        (fm.zero_one_loss, {}), (fm.zero_one_loss, {"normalize": False}),
        (fm.hamming_loss, {}),
        (fm.balanced_accuracy_score, {}), (fm.balanced_accuracy_score, {"adjusted": True}),
        (fm.matthews_corrcoef, {}),
        (fm.cohen_kappa_score, {}), (fm.cohen_kappa_score, {"weights": "linear"}),
        (fm.cohen_kappa_score, {"weights": "quadratic"}),
        (fm.cohen_kappa_score, {"weights": "quadratic", "replace_undefined_by": 0.0}),
        (fm.fbeta_score, {"beta": 0, "average": "macro"}),
        (fm.fbeta_score, {"beta": 0, "average": "binary"}),
        (fm.fbeta_score, {"beta": np.inf, "average": "weighted"}),
        (fm.fbeta_score, {"beta": np.inf, "average": "binary", "zero_division": 1.0}),
    ]
    for metric, base in SETWISE:
        for zd in ZERO_DIVISION:
            if metric is fm.jaccard_score and isinstance(zd, float) and math.isnan(zd):
                continue
            for pos_label in (None, FIRST, ABSENT):
                params = dict(base, average="binary", zero_division=zd)
                if pos_label is not None:
                    params["pos_label"] = pos_label
                out.append((metric, params))
            for average in ("micro", "macro", "weighted"):
                for labels in (None, SUBSET):
                    params = dict(base, average=average, zero_division=zd)
                    if labels is not None:
                        params["labels"] = labels
                    out.append((metric, params))
    return out


COMBOS = _combos()


def _combo_id(combo):
    metric, params = combo
    return metric.__name__ + "-" + "-".join(f"{k}={v}" for k, v in params.items())


def _resolve(params, classes):
    """Put the classes of the data in place of the placeholders."""
    absent = "zz" if classes.dtype.kind == "U" else 99
    out = {}
    for key, value in params.items():
        if isinstance(value, str) and value == SUBSET:
            value = [classes[-1].item(), classes[0].item(), absent]
        elif isinstance(value, str) and value == FIRST:
            value = classes[0].item()
        elif isinstance(value, str) and value == ABSENT:
            value = absent
        out[key] = value
    return out


def _classes(k, kind):
    if kind == "str":
        return np.array(list("abcdefghij"[:k]))
    return np.array([0, 1, 3, 4, 7, 8, 9, 11, 12, 13][:k])  # 1 may be pos_label


def assert_same(metric, params, counts, classes):
    fn = batched_finalizer(metric, params)
    assert fn is not None, f"unsupported: {metric.__name__} {params}"
    want_v, want_u = table_values(metric, params, counts, classes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # batched finalizers never warn
        got_v, got_u = fn(counts, classes)
    assert got_v.dtype == np.float64 and got_u.dtype == bool
    assert got_v.shape == got_u.shape == (counts.shape[0],)
    bad = np.flatnonzero(got_u != want_u)
    assert bad.size == 0, (f"undefined differs on {counts[bad[0]].tolist()}: "
                           f"batched {got_u[bad[0]]}, loop {want_u[bad[0]]} ({want_v[bad[0]]})")
    assert np.isnan(got_v[got_u]).all()
    np.testing.assert_allclose(got_v, want_v, rtol=1e-12, atol=0, equal_nan=True,
                               err_msg=f"{metric.__name__} {params}")


# -- (a) multinomial resamples of small base tables ----------------------------

BASES = [
    [[40, 7], [9, 44]],                                  # K=2, ordinary
    [[3, 1], [0, 1]],                                    # K=2, n=5: classes go missing
    [[3, 2], [0, 0]],                                    # K=2, class 1 only predicted
    [[6]],                                               # K=1: single class
    [[4, 1, 0], [0, 2, 1], [0, 0, 1]],                   # K=3, rare class
    [[0, 0, 1], [0, 0, 0], [1, 0, 3]],                   # K=3, middle label absent
    [[0, 0, 0], [0, 1, 0], [0, 0, 0]],                   # one row in total
    [[3, 1, 0, 0, 0], [0, 2, 0, 1, 0], [1, 0, 0, 0, 0],  # K=5: all-zero row and column
     [0, 0, 0, 0, 0], [0, 1, 0, 0, 1]],
    [[9, 2, 1, 0, 1], [1, 8, 0, 2, 0], [0, 1, 7, 1, 1],
     [2, 0, 1, 9, 0], [0, 1, 0, 1, 6]],                  # K=5, ordinary
]


def _resampled_batch(rng, n_per_base=20):
    """Resamples of every base table (grouped by K), plus an empty table each."""
    batches = {}
    for base in BASES:
        base = np.array(base)
        k = base.shape[0]
        n = int(base.sum())
        draws = rng.multinomial(n, base.ravel() / n, size=n_per_base).reshape(-1, k, k)
        batches.setdefault(k, [np.zeros((1, k, k), dtype=np.int64), base[None]])
        batches[k].append(draws)
    return {k: np.concatenate(v).astype(np.int64) for k, v in batches.items()}


BATCHES = _resampled_batch(np.random.default_rng(2024))


@pytest.mark.parametrize("combo", COMBOS, ids=_combo_id)
@pytest.mark.parametrize("kind", ["int", "str"])
def test_batched_equals_table_values_on_resamples(combo, kind):
    metric, params = combo
    for k, counts in BATCHES.items():
        classes = _classes(k, kind)
        assert_same(metric, _resolve(params, classes), counts, classes)


def test_batched_larger_k_and_many_tables():
    """K=10, B=2000: several present-label patterns and the grouped reductions."""
    rng = np.random.default_rng(7)
    k = 10
    p = rng.dirichlet(np.ones(k * k) * 0.3)
    counts = rng.multinomial(25, p, size=2000).reshape(-1, k, k)
    classes = _classes(k, "int")
    for metric, params in [(fm.f1_score, {"average": "macro"}),
                           (fm.f1_score, {"average": "weighted", "zero_division": np.nan}),
                           (fm.precision_score, {"average": "macro", "zero_division": 1.0}),
                           (fm.jaccard_score, {"average": "weighted", "zero_division": 0.0}),
                           (fm.specificity_score, {"average": "micro"}),
                           (fm.balanced_accuracy_score, {"adjusted": True}),
                           (fm.matthews_corrcoef, {}),
                           (fm.cohen_kappa_score, {"weights": "quadratic"}),
                           (fm.cohen_kappa_score, {})]:
        assert_same(metric, params, counts, classes)


# -- (b) hypothesis-generated tables ---------------------------------------------

@st.composite
def tables(draw):
    k = draw(st.integers(1, 5))
    b = draw(st.integers(1, 8))
    # Mostly zeros, so that labels go missing and margins vanish.
    cell = st.one_of(st.just(0), st.just(0), st.integers(0, 4))
    counts = draw(hnp.arrays(np.int64, (b, k, k), elements=cell))
    kind = draw(st.sampled_from(["int", "str"]))
    return counts, _classes(k, kind)


@settings(max_examples=40, deadline=None)
@given(tables(), st.sampled_from(COMBOS))
def test_batched_equals_table_values_hypothesis(data, combo):
    counts, classes = data
    metric, params = combo
    assert_same(metric, _resolve(params, classes), counts, classes)


# -- the definition against scikit-learn on the rows a table stands for -----------

def _rows(table, classes):
    k = table.shape[0]
    true_idx = np.repeat(np.repeat(np.arange(k), k), table.ravel())
    pred_idx = np.repeat(np.tile(np.arange(k), k), table.ravel())
    return classes[true_idx], classes[pred_idx]


def _sklearn_value(func, params, table, classes):
    """sklearn on the expanded rows: (value, undefined) by the same rule."""
    y_true, y_pred = _rows(table, classes)
    if y_true.size == 0:
        return math.nan, True
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = float(func(y_true, y_pred, **params))
        except ValueError:
            return math.nan, True
    undefined = math.isnan(value) or any(issubclass(w.category, SkUndefinedMetricWarning)
                                         for w in caught)
    return (math.nan if undefined else value), undefined


SKLEARN_PAIRS = [
    (fm.accuracy_score, skm.accuracy_score, {}),
    (fm.balanced_accuracy_score, skm.balanced_accuracy_score, {}),
    (fm.balanced_accuracy_score, skm.balanced_accuracy_score, {"adjusted": True}),
    (fm.matthews_corrcoef, skm.matthews_corrcoef, {}),
    (fm.cohen_kappa_score, skm.cohen_kappa_score, {}),
    (fm.cohen_kappa_score, skm.cohen_kappa_score, {"weights": "linear"}),
    (fm.f1_score, skm.f1_score, {}),
    (fm.f1_score, skm.f1_score, {"zero_division": 1.0}),
    (fm.f1_score, skm.f1_score, {"average": "macro"}),
    (fm.f1_score, skm.f1_score, {"average": "weighted", "zero_division": np.nan}),
    (fm.precision_score, skm.precision_score, {"average": "micro"}),
    (fm.precision_score, skm.precision_score, {"average": "macro", "zero_division": 0.0}),
    (fm.recall_score, skm.recall_score, {"average": "macro", "labels": [0, 3, 99]}),
    (fm.recall_score, skm.recall_score, {"pos_label": 0, "zero_division": 1.0}),
    (fm.jaccard_score, skm.jaccard_score, {"average": "weighted"}),
    (fm.fbeta_score, skm.fbeta_score, {"beta": 2, "average": "micro", "labels": [0, 1]}),
]


@pytest.mark.parametrize("ours, theirs, params", SKLEARN_PAIRS,
                         ids=[f"{o.__name__}-{p}" for o, _, p in SKLEARN_PAIRS])
def test_table_values_match_sklearn_on_expanded_rows(ours, theirs, params):
    """The 'labels present' rule is what scikit-learn does with the resampled rows."""
    for k in (1, 2, 3, 5):
        counts = BATCHES[k][:12]
        classes = _classes(k, "int")
        values, undefined = table_values(ours, params, counts, classes)
        for b in range(counts.shape[0]):
            want_v, want_u = _sklearn_value(theirs, params, counts[b], classes)
            assert undefined[b] == want_u, (counts[b].tolist(), values[b], want_v)
            if not want_u:
                np.testing.assert_allclose(values[b], want_v, rtol=1e-12, atol=1e-15)


def test_present_labels_rule():
    """A class no resampled row carries is absent: macro F1 averages over the others."""
    classes = np.array([0, 1, 2])
    counts = np.array([[[2, 0, 0], [0, 0, 0], [0, 0, 2]]])  # label 1 absent
    values, undefined = evaluate_tables(fm.f1_score, {"average": "macro"}, counts, classes)
    assert values.tolist() == [1.0] and not undefined[0]
    # average='binary' on a resample that lost the positive class: 0/0.
    counts = np.array([[[3, 0], [0, 0]]])
    for zd, want in (("warn", (math.nan, True)), (0.0, (0.0, False)), (1.0, (1.0, False))):
        v, u = evaluate_tables(fm.precision_score, {"zero_division": zd}, counts,
                               np.array([0, 1]))
        assert (v[0], u[0]) == want or (math.isnan(v[0]) and u[0] and want[1])
    # Three labels present is a multiclass table: average='binary' is undefined.
    counts = np.array([[[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[1, 0, 0], [0, 1, 0], [0, 0, 0]]])
    v, u = evaluate_tables(fm.f1_score, {}, counts, np.array([0, 1, 2]))
    assert u.tolist() == [True, False] and v[1] == 1.0


def test_hamming_is_one_minus_accuracy_for_1d_targets():
    """Same number up to rounding; each mirrors its own finalizer's arithmetic."""
    for k, counts in BATCHES.items():
        classes = _classes(k, "int")
        hamming, u_h = evaluate_tables(fm.hamming_loss, {}, counts, classes)
        accuracy, u_a = evaluate_tables(fm.accuracy_score, {}, counts, classes)
        assert (u_h == u_a).all() and u_h.sum() == 1  # only the empty table
        np.testing.assert_allclose(hamming, 1 - accuracy, rtol=1e-12, atol=1e-15)


def test_matthews_constant_margin_is_zero_not_undefined():
    counts = np.array([[[3, 2], [0, 0]], [[4, 0], [0, 0]]])
    v, u = evaluate_tables(fm.matthews_corrcoef, {}, counts, np.array([0, 1]))
    assert v.tolist() == [0.0, 0.0] and not u.any()


def test_kappa_single_label_is_undefined():
    counts = np.array([[[4, 0], [0, 0]], [[2, 1], [0, 3]]])
    for rub in (np.nan, 0.0):
        v, u = evaluate_tables(fm.cohen_kappa_score, {"replace_undefined_by": rub},
                               counts, np.array([0, 1]))
        assert u.tolist() == [True, False] and math.isnan(v[0])


# -- what is not supported, and errors ---------------------------------------------

@pytest.mark.parametrize("metric, params", [
    (fm.f1_score, {"average": None}),
    (fm.precision_score, {"average": "samples"}),
    (fm.cohen_kappa_score, {"labels": [0, 1]}),
    (fm.f1_score, {"average": "bogus"}),
    (fm.jaccard_score, {"zero_division": np.nan}),
    (fm.f1_score, {"labels": [], "average": "macro"}),
    (fm.f1_score, {"unknown": 1}),
    (fm.accuracy_score, {"normalize": "yes"}),
    (fm.precision_recall_fscore_support, {"average": "macro"}),
    (fm.roc_auc_score, {}),
    (lambda state: 0.5, {}),
])
def test_unsupported_returns_none(metric, params):
    assert batched_finalizer(metric, params) is None


@pytest.mark.parametrize("metric, params", [
    (fm.f1_score, {"average": None}),
    (fm.recall_score, {"average": None, "labels": [1]}),
    (fm.precision_recall_fscore_support, {"average": "macro"}),
])
def test_non_scalar_metric_raises(metric, params):
    counts = np.array([[[3, 1], [1, 2]]])
    with pytest.raises(InvalidParameterError, match="scalar metric"):
        table_values(metric, params, counts, np.array([0, 1]))
    with pytest.raises(InvalidParameterError, match="scalar metric"):
        evaluate_tables(metric, params, counts, np.array([0, 1]))


def test_user_callable_through_table_values():
    def true_positive_share(state):
        cm = state.totals()
        if cm.shape[0] < 2:
            warnings.warn("one class", fm.UndefinedMetricWarning)
            return 0.0
        return cm[-1, -1] / cm.sum()

    counts = np.array([[[3, 1], [1, 5]], [[4, 0], [0, 0]], [[0, 0], [0, 0]]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, undefined = evaluate_tables(true_positive_share, {}, counts, np.array([0, 1]))
    assert values[0] == 0.5 and undefined.tolist() == [False, True, True]
    assert np.isnan(values[1:]).all()


def test_other_exceptions_propagate_and_fastmetrics_errors_are_undefined():
    def broken(state):
        raise RuntimeError("bug")

    counts = np.array([[[1, 0], [0, 1]]])
    with pytest.raises(RuntimeError):
        table_values(broken, {}, counts, np.array([0, 1]))

    def refuses(state):
        raise LabelError("no")

    values, undefined = table_values(refuses, {}, counts, np.array([0, 1]))
    assert undefined.all() and np.isnan(values).all()


def test_labels_of_the_wrong_type_make_every_table_undefined():
    counts = BATCHES[3]
    params = {"average": "macro", "labels": ["a", "b"]}
    assert_same(fm.f1_score, params, counts, _classes(3, "int"))
    assert batched_finalizer(fm.f1_score, params)(counts, _classes(3, "int"))[1].all()


def test_bad_counts_shape():
    with pytest.raises(ValueError, match="shape"):
        evaluate_tables(fm.accuracy_score, {}, np.zeros((2, 2, 3), dtype=np.int64),
                        np.array([0, 1]))

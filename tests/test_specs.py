"""Metric specs: a partial of a metric, or its name, takes the metric's own route.

Every public function with a finalizer has one MetricSpec
(:mod:`fastmetrics.inference.specs`); the bootstrap, the paired comparisons
and the report find a metric's route through it. These tests pin that a
metric given as ``functools.partial(metric, **params)`` or as ``"name"``
gives bit for bit the result of ``metric`` with ``**params``, that what the
project cannot recognise is refused with an error saying what to pass, and
that ``from_state`` is documented (``help()``) and typed.
"""

from __future__ import annotations

import functools
import os
import pydoc
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import fastmetrics as fm
from fastmetrics.exceptions import InputTypeError, InvalidParameterError
from fastmetrics.inference.specs import batched_finalizer
from fastmetrics.inference.specs import (ROUTES, MetricSpec, find_spec, metric_specs, resolve,
                                         spec_of)

SPECS = metric_specs()
COUNT_TABLE = sorted(n for n, s in SPECS.items()
                     if s.resampling == "count_table" and n == s.name)

#: Parameters each count-table metric is bootstrapped with (not the defaults, so the
#: partial's keywords visibly reach the finalizer).
CONFUSION_PARAMS = {
    "accuracy_score": {"normalize": True},
    "balanced_accuracy_score": {"adjusted": True},
    "cohen_kappa_score": {"weights": "quadratic"},
    "matthews_corrcoef": {},
    "zero_one_loss": {"normalize": True},
    "hamming_loss": {},
    "precision_score": {"average": "macro", "zero_division": 0.0},
    "recall_score": {"average": "weighted"},
    "f1_score": {"average": "macro"},
    "fbeta_score": {"beta": 2.0, "average": "weighted"},
    "jaccard_score": {"average": "micro"},
    "specificity_score": {"average": "macro"},
    "negative_predictive_value_score": {"average": "macro", "zero_division": 0.0},
}


def _labels(n=3000, k=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    pred = np.where(rng.random(n) < 0.7, y, rng.integers(0, k, n))
    return y, pred


def _same(a, b):
    """Two bootstrap results agree bit for bit (the distribution included)."""
    assert a.resampling == b.resampling
    assert (a.estimate, a.low, a.high, a.standard_error, a.n_undefined) == \
        (b.estimate, b.low, b.high, b.standard_error, b.n_undefined)
    np.testing.assert_array_equal(a.bootstrap_distribution, b.bootstrap_distribution)


def _run(metric, *args, **kwargs):
    return fm.bootstrap(metric, *args, n_resamples=400, seed=3, return_values=True, **kwargs)


# ---------------------------------------------------------------------------
# the registry
# ---------------------------------------------------------------------------

def test_every_public_metric_with_a_finalizer_has_its_spec():
    """Iterates fastmetrics.__all__: a new metric with from_state and no spec fails here."""
    # (fm.Metric, the protocol class of them all, names from_state too but is no metric)
    with_finalizer = [n for n in fm.__all__ if hasattr(getattr(fm, n), "from_state")
                      and not isinstance(getattr(fm, n), type)]
    assert len(with_finalizer) > 30
    for name in with_finalizer:
        metric = getattr(fm, name)
        spec = spec_of(metric)
        assert spec_of(name) is spec and name in SPECS, name
        assert spec.metric is metric and spec.from_state is metric.from_state, name
        assert spec.name == metric.__name__ and spec.resampling in (*ROUTES, None), name
        assert isinstance(spec, MetricSpec) and callable(spec.build_state), name
    # and no spec names a function that is not public
    assert set(SPECS) == set(with_finalizer)


def test_the_specs_state_builders_build_what_the_finalizers_take():
    y, pred = _labels(200, k=2)
    score = np.random.default_rng(1).random(200)
    rows = {fm.ConfusionState: (y, pred), fm.ScoreState: (y, score),
            fm.CalibrationState: (y, score), fm.LossState: (y, score),
            fm.TopKState: (y, np.column_stack([1 - score, score])),
            fm.MultilabelState: (np.column_stack([y, pred]), np.column_stack([pred, y]))}
    for name, spec in SPECS.items():
        state = spec.build_state(*rows[spec.state_type])
        assert isinstance(state, spec.state_type), name


def test_batched_finalizers_are_the_count_table_specs():
    for name, spec in SPECS.items():
        assert (spec.batched is not None) == (spec.resampling == "count_table"), name
    # the finalizer leads to the same spec (batched_finalizer is handed either)
    assert find_spec(fm.f1_score.from_state) is spec_of(fm.f1_score)
    assert batched_finalizer(fm.f1_score.from_state, {"average": "macro"}) is not None
    assert batched_finalizer(functools.partial(fm.f1_score), {}) is None
    assert find_spec(lambda s: 0.0) is None


def test_routes_of_the_specs():
    assert spec_of(fm.roc_auc_score).resampling == "score_table"
    assert spec_of(fm.top_k_accuracy_score).resampling == "rank_counts"
    assert spec_of(fm.log_loss).resampling == "rows"
    assert spec_of(fm.roc_curve).resampling is None
    assert set(COUNT_TABLE) == set(CONFUSION_PARAMS)
    with pytest.raises(InvalidParameterError, match="resampling"):
        MetricSpec("x", fm.f1_score, fm.ConfusionState, fm.confusion_state,
                   fm.f1_score.from_state, None, "table")


# ---------------------------------------------------------------------------
# partials and names take the metric's route
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", COUNT_TABLE)
def test_partial_and_name_of_each_confusion_metric_match_the_metric(name):
    y, pred = _labels()
    metric, params = getattr(fm, name), CONFUSION_PARAMS[name]
    bare = _run(metric, y, pred, **params)
    assert bare.resampling == "multinomial"
    _same(_run(functools.partial(metric, **params), y, pred), bare)
    _same(_run(name, y, pred, **params), bare)
    state = fm.confusion_state(y, pred)
    _same(_run(functools.partial(metric, **params), state=state),
          _run(metric, state=state, **params))


def test_partial_of_the_ranking_metrics_and_top_k():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 2000)
    score = y + rng.normal(0, 1.0, 2000)
    auc = _run(fm.roc_auc_score, y, score)
    assert auc.resampling == "poisson table"
    _same(_run(functools.partial(fm.roc_auc_score), y, score), auc)
    _same(_run("roc_auc_score", y, score), auc)
    # a parameter the one-pass kernel does not serve: the partial goes the same way
    _same(_run(functools.partial(fm.roc_auc_score, max_fpr=0.5), y, score, method="percentile"),
          _run(fm.roc_auc_score, y, score, max_fpr=0.5, method="percentile"))
    _same(_run(functools.partial(fm.average_precision_score, pos_label=1), y, score),
          _run(fm.average_precision_score, y, score, pos_label=1))
    prob = 1 / (1 + np.exp(-score))
    binned = _run(fm.roc_auc_score, y, prob, thresholds=20)
    assert binned.resampling == "multinomial"
    _same(_run(functools.partial(fm.roc_auc_score, thresholds=20), y, prob), binned)
    scores = rng.random((2000, 3))
    yk = rng.integers(0, 3, 2000)
    _same(_run(functools.partial(fm.top_k_accuracy_score, k=2), yk, scores),
          _run(fm.top_k_accuracy_score, yk, scores, k=2))


def test_partial_of_a_row_metric():
    rng = np.random.default_rng(6)
    y = rng.integers(0, 2, 300)
    prob = np.clip(0.5 + 0.3 * (y - 0.5) + rng.normal(0, 0.2, 300), 0.01, 0.99)
    bare = fm.bootstrap(fm.log_loss, y, prob, normalize=False, n_resamples=40,
                        method="percentile", return_values=True)
    assert bare.resampling == "poisson rows"
    _same(fm.bootstrap(functools.partial(fm.log_loss, normalize=False), y, prob,
                       n_resamples=40, method="percentile", return_values=True), bare)


def test_nested_partials_merge_their_keywords_outer_first():
    y, pred = _labels(seed=2)
    inner = functools.partial(fm.fbeta_score, beta=2.0, average="micro")
    outer = functools.partial(inner, average="macro")
    assert resolve(outer)[1] == {"beta": 2.0, "average": "macro"}
    _same(_run(outer, y, pred), _run(fm.fbeta_score, y, pred, beta=2.0, average="macro"))


def test_keywords_given_to_the_bootstrap_win_over_the_partials():
    """As when calling the partial: partial(f, average="macro")(..., average="micro")."""
    y, pred = _labels(seed=3)
    macro = functools.partial(fm.f1_score, average="macro")
    assert macro(y, pred, average="micro") == fm.f1_score(y, pred, average="micro")
    _same(_run(macro, y, pred, average="micro"), _run(fm.f1_score, y, pred, average="micro"))
    assert resolve(macro, {"average": "weighted", "zero_division": 0.0})[1] == {
        "average": "weighted", "zero_division": 0.0}


def test_paired_bootstrap_and_permutation_test_take_partials_and_names():
    y, a = _labels(seed=4)
    _, b = _labels(seed=5)
    kw = dict(n_resamples=300, seed=1, return_values=True)
    bare = fm.paired_bootstrap(fm.recall_score, y, a, b, average="macro", **kw)
    for metric in (functools.partial(fm.recall_score, average="macro"), "recall_score"):
        extra = {} if not isinstance(metric, str) else {"average": "macro"}
        r = fm.paired_bootstrap(metric, y, a, b, **kw, **extra)
        assert r.metric == bare.metric == "recall_score"
        assert (r.estimate_a, r.estimate_b, r.pvalue) == (bare.estimate_a, bare.estimate_b,
                                                          bare.pvalue)
        _same(r.difference, bare.difference)
    t = fm.permutation_test(functools.partial(fm.f1_score, average="macro"), y, a, b,
                            n_resamples=300)
    same = fm.permutation_test(fm.f1_score, y, a, b, average="macro", n_resamples=300)
    assert (t.statistic, t.pvalue, t.details) == (same.statistic, same.pvalue, same.details)
    rng = np.random.default_rng(7)
    yb = rng.integers(0, 2, 1000)
    sa, sb = yb + rng.normal(0, 1, 1000), yb + rng.normal(0, 1.3, 1000)
    auc = fm.paired_bootstrap(fm.roc_auc_score, yb, sa, sb, **kw)
    assert auc.difference.resampling == "poisson rows" and auc.difference.method == "bca"
    _same(fm.paired_bootstrap(functools.partial(fm.roc_auc_score), yb, sa, sb, **kw).difference,
          auc.difference)


# ---------------------------------------------------------------------------
# what the project cannot recognise
# ---------------------------------------------------------------------------

def test_an_unknown_callable_is_told_how_to_be_recognised():
    import sklearn.metrics as skm
    y, pred = _labels(300, k=2)
    for metric in (skm.f1_score, lambda y_true, y_pred: 0.5):
        with pytest.raises(InputTypeError) as info:
            fm.bootstrap(metric, y, pred)
        text = str(info.value)
        assert "is not a fastmetrics metric" in text
        assert "functools.partial(fm.f1_score, average='macro')" in text
        assert "'f1_score'" in text and "state=fm.confusion_state" in text
        with pytest.raises(InputTypeError, match="is not a fastmetrics metric") as info:
            fm.paired_bootstrap(metric, y, pred, pred)
        assert "state=" not in str(info.value)  # the paired tests take no state
    # a partial of a function that is not ours is not ours either
    with pytest.raises(InputTypeError, match="partial is not a fastmetrics metric"):
        fm.bootstrap(functools.partial(skm.f1_score, average="macro"), y, pred)
    with pytest.raises(InvalidParameterError, match="must be a fastmetrics metric"):
        fm.bootstrap(42, y, pred)


def test_a_users_function_of_a_state_still_works_and_may_be_a_partial():
    y, pred = _labels(1000, k=2, seed=8)
    state = fm.confusion_state(y, pred)

    def share(s, *, label):
        c = s.counts.sum(axis=0)
        present = list(s.classes)
        return c[:, present.index(label)].sum() / c.sum() if label in present else np.nan

    r = fm.bootstrap(functools.partial(share, label=1), state=state, n_resamples=200,
                     method="percentile")
    assert r.estimate == pytest.approx(np.mean(pred == 1))
    same = fm.bootstrap(share, state=state, label=1, n_resamples=200, method="percentile")
    assert (r.low, r.high) == (same.low, same.high)


def test_unknown_names_get_suggestions():
    y, pred = _labels(300, k=2)
    with pytest.raises(InvalidParameterError, match="Did you mean 'f1_score'"):
        fm.bootstrap("f1", y, pred)
    with pytest.raises(InvalidParameterError, match="not the name of a fastmetrics metric"):
        spec_of("no_such_metric")
    assert spec_of("npv_score") is spec_of(fm.negative_predictive_value_score)


def test_partials_binding_positional_or_row_arguments_are_refused():
    y, pred = _labels(300, k=2)
    with pytest.raises(InvalidParameterError, match="positional arguments"):
        fm.bootstrap(functools.partial(fm.f1_score, y), pred, pred)
    with pytest.raises(InvalidParameterError, match="positional arguments"):
        spec_of(functools.partial(functools.partial(fm.accuracy_score, y), pred))
    for bound in ({"threshold": 0.5}, {"sample_weight": np.ones(300)}, {"y_true": y},
                  {"drop_nulls": True}):
        key = next(iter(bound))
        with pytest.raises(InvalidParameterError, match=f"binding {key}="):
            fm.bootstrap(functools.partial(fm.f1_score, **bound), y, pred)


def test_metrics_of_more_than_one_number_are_refused_up_front():
    y, pred = _labels(300)
    for metric in (fm.confusion_matrix, functools.partial(fm.classification_report,
                                                          output_dict=True), "roc_curve"):
        with pytest.raises(InvalidParameterError, match="more than one number"):
            fm.bootstrap(metric, y, pred)
    with pytest.raises(InvalidParameterError, match="more than one number"):
        fm.bootstrap(fm.confusion_matrix, state=fm.confusion_state(y, pred))
    with pytest.raises(InvalidParameterError, match="more than one number"):
        fm.paired_bootstrap(fm.confusion_matrix, y, pred, pred)


# ---------------------------------------------------------------------------
# from_state: documented, typed, unchanged
# ---------------------------------------------------------------------------

def test_help_names_from_state():
    for name, spec in SPECS.items():
        doc = spec.metric.__doc__
        entry = f"{spec.name}.from_state :"
        assert doc.count(entry) == 1, name
        # numpydoc order: "See Also" before Notes / References / Examples
        assert doc.index(entry) < doc.index("\n    Examples\n"), name
        assert f"``{spec.name}.from_state(state" in doc, name
    text = pydoc.render_doc(fm.f1_score, renderer=pydoc.plaintext)
    assert "f1_score.from_state(state, *, labels=None, pos_label=1, average='binary'" in text


def test_from_state_is_unchanged():
    y, pred = _labels(500)
    state = fm.confusion_state(y, pred)
    assert fm.f1_score.from_state(state, average="macro") == fm.f1_score(y, pred,
                                                                         average="macro")
    assert fm.f1_score.from_state.__doc__.startswith("The f-score metric from a state")


def test_type_checkers_see_from_state_and_the_signature(tmp_path):
    """mypy (where installed) knows ``metric.from_state`` and the metric's own keywords."""
    pytest.importorskip("mypy")
    source = tmp_path / "use.py"
    source.write_text(textwrap.dedent("""
        import fastmetrics as fm
        state = fm.confusion_state([0, 1], [0, 1])
        reveal_type(fm.f1_score.from_state)
        fm.f1_score.from_state(state, average="macro")
        fm.f1_score([0, 1], [0, 1], averag="macro")
    """))
    root = Path(fm.__file__).resolve().parent.parent
    env = {**os.environ, "MYPYPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "--follow-imports=silent", "--ignore-missing-imports",
         "--no-incremental", "--cache-dir", str(tmp_path / "cache"), str(source)],
        capture_output=True, text=True, env=env, cwd=tmp_path)
    assert 'Revealed type is "def (Any, **params: Any) -> Any"' in out.stdout, out.stdout
    assert 'Unexpected keyword argument "averag"' in out.stdout, out.stdout
    assert out.stdout.count("error:") == 1, out.stdout  # the misspelt keyword only

"""One declared spec per public metric: how the bootstrap and the reports find their way.

Every public function that carries a finalizer (``metric.from_state``) has
one :class:`MetricSpec` here: its name, the state it is computed from and
the function that builds that state from rows, the finalizer, the batched
finalizer of the count-table bootstrap (or None), and how the bootstrap
resamples it. :func:`~fastmetrics.bootstrap`,
:func:`~fastmetrics.paired_bootstrap`, :func:`~fastmetrics.permutation_test`
and the evaluation report look metrics up here (:func:`resolve`) instead of
comparing functions, so a metric given

* as the function itself, ``fm.f1_score``;
* as a :func:`functools.partial` of it binding keyword arguments,
  ``functools.partial(fm.f1_score, average="macro")`` (nested partials too);
* by its public name, ``"f1_score"`` (or ``"npv_score"``),

takes exactly the same route, with the same result. The partial's keywords
become the metric's keyword arguments; a keyword given both in the partial
and to the bootstrap is the bootstrap's, as when calling the partial itself
(``partial(f, average="macro")(y, p, average="micro")`` is micro-averaged).

Routes (:attr:`MetricSpec.resampling`):

* ``"count_table"``: a function of a confusion matrix; the K x K count table
  is redrawn from a multinomial and the batched finalizer evaluates every
  redrawn table at once.
* ``"score_table"``: binary ROC AUC and average precision; the distinct-score
  table is redrawn by Poisson counts, one O(U) pass per resample (a binned
  state's histogram by a multinomial).
* ``"rank_counts"``: top-k accuracy; the histogram of true-class ranks is
  redrawn from a multinomial.
* ``"rows"``: rows are redrawn with Poisson(1) weights and the metric called
  on each resample.
* None: the metric returns more than one number (a matrix, a curve, an
  interval, a report), which the bootstrap cannot summarize.

The spec's route is where the metric starts; arguments can send it to the
row route (sample weights, multilabel targets, 2-D scores), as
:mod:`fastmetrics.inference.bootstrap` describes.

This module sits in :mod:`fastmetrics.inference` because the routes and the
batched finalizers are the bootstrap's; the metric families never import it
(they sit below inference in the layers).

>>> import functools
>>> import fastmetrics as fm
>>> from fastmetrics.inference.specs import resolve, spec_of
>>> spec = spec_of(fm.f1_score)
>>> spec.name, spec.state_type.__name__, spec.resampling
('f1_score', 'ConfusionState', 'count_table')
>>> spec_of("f1_score") is spec
True
>>> spec, params = resolve(functools.partial(fm.f1_score, average="macro"), {"beta": 1.0})
>>> spec.name, params
('f1_score', {'average': 'macro', 'beta': 1.0})
"""

from __future__ import annotations

import difflib
import functools
import inspect
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ..confusion.build import confusion_state, multilabel_state
from ..ranking.build import score_state
from ..calibration.build import calibration_state
from ..losses.build import loss_state
from ..calibration.state import CalibrationState
from ..losses.state import LossState
from ..exceptions import InputTypeError, InvalidParameterError, format_message
from ..confusion.agreement import accuracy_score, balanced_accuracy_score, cohen_kappa_score, hamming_loss, matthews_corrcoef, zero_one_loss
from ..ranking.auc import average_precision_score, roc_auc_score
from ..losses.metrics import brier_score_loss, log_loss
from ..calibration.metrics import calibration_curve, expected_calibration_error, maximum_calibration_error, reliability_diagram
from ..confusion.report import classification_report
from ..confusion.matrix import confusion_matrix, multilabel_confusion_matrix
from ..ranking.curves import det_curve, precision_recall_curve, roc_curve
from ..confusion.prf import f1_score, fbeta_score, jaccard_score, negative_predictive_value_score, precision_recall_fscore_support, precision_score, recall_score, specificity_score
from ..topk.metrics import top_k_accuracy_score
from ..ranking.thresholds import best_fbeta_threshold, operating_point, precision_at_recall, recall_at_precision, youden_threshold
from ..topk.state import TopKState
from ..topk.build import top_k_state
from ..confusion.state import ConfusionState, MultilabelState
from ..ranking.state import ScoreState
from .batched import BATCHED_TWINS, BatchedFinalizer, table_values
from .delong import delong_interval, delong_roc_variance
from .proportions import proportion_interval

__all__ = ["MetricSpec", "ROUTES", "spec_of", "resolve", "lookup", "find_spec", "metric_specs",
           "batched_finalizer", "evaluate_tables"]

#: The bootstrap's routes, cheapest first (None: not a scalar, not resampled).
ROUTES = ("count_table", "score_table", "rank_counts", "rows")

#: Arguments of the rows, which the bootstrap takes itself (besides the metric's
#: first two parameters, its y_true and y_pred / y_score / y_prob).
_ROW_ARGUMENTS = frozenset({"sample_weight", "threshold", "data", "drop_nulls"})


@dataclass(frozen=True, eq=False)
class MetricSpec:
    """What the project knows about one public metric.

    Attributes
    ----------
    name : str
        The public name (``fastmetrics.<name>``).
    metric : callable
        The public function, called on rows.
    state_type : type
        The state its finalizer takes (:class:`~fastmetrics.ConfusionState`,
        :class:`~fastmetrics.ScoreState`, ...).
    build_state : callable
        The function building that state from rows
        (:func:`~fastmetrics.confusion_state`, :func:`~fastmetrics.score_state`,
        ...).
    from_state : callable
        The finalizer, ``metric.from_state(state, **params)``.
    batched : callable or None
        ``batched(params)`` returns the vectorized finalizer of a stack of
        count tables for these params, or None where it has none (see
        :func:`fastmetrics.inference.batched.batched_finalizer`); None for
        metrics without one.
    resampling : str or None
        The bootstrap's route, one of :data:`ROUTES`, or None for a metric
        returning more than one number.
    """

    name: str
    metric: Callable
    state_type: type
    build_state: Callable
    from_state: Callable
    batched: Callable[[dict], Any] | None
    resampling: str | None

    def __post_init__(self):
        if self.resampling is not None and self.resampling not in ROUTES:
            raise InvalidParameterError(format_message(
                "resampling", f"must be one of {list(ROUTES)} or None, got "
                              f"{self.resampling!r}"))

    def __repr__(self) -> str:
        return (f"MetricSpec(name={self.name!r}, state_type={self.state_type.__name__}, "
                f"build_state={self.build_state.__name__}, resampling={self.resampling!r}, "
                f"batched={self.batched is not None})")


def _declare(metric, state_type, build_state, resampling) -> MetricSpec:
    name = metric.__name__
    return MetricSpec(name, metric, state_type, build_state, metric.from_state,
                      BATCHED_TWINS.get(name), resampling)


_SPECS = (
    # functions of a confusion matrix: the count-table route
    *(_declare(m, ConfusionState, confusion_state, "count_table") for m in (
        accuracy_score, balanced_accuracy_score, cohen_kappa_score, matthews_corrcoef,
        zero_one_loss, hamming_loss, precision_score, recall_score, f1_score, fbeta_score,
        jaccard_score, specificity_score, negative_predictive_value_score)),
    *(_declare(m, ConfusionState, confusion_state, None) for m in (
        confusion_matrix, precision_recall_fscore_support, classification_report,
        proportion_interval)),
    _declare(multilabel_confusion_matrix, MultilabelState, multilabel_state, None),
    # functions of the distinct-score table
    *(_declare(m, ScoreState, score_state, "score_table") for m in (
        roc_auc_score, average_precision_score)),
    *(_declare(m, ScoreState, score_state, None) for m in (
        roc_curve, precision_recall_curve, det_curve, best_fbeta_threshold,
        youden_threshold, precision_at_recall, recall_at_precision, operating_point,
        delong_roc_variance, delong_interval)),
    _declare(top_k_accuracy_score, TopKState, top_k_state, "rank_counts"),
    # calibration and losses: per-row terms, resampled as rows
    *(_declare(m, CalibrationState, calibration_state, "rows") for m in (
        expected_calibration_error, maximum_calibration_error)),
    *(_declare(m, CalibrationState, calibration_state, None) for m in (
        calibration_curve, reliability_diagram)),
    *(_declare(m, LossState, loss_state, "rows") for m in (log_loss, brier_score_loss)),
)

#: Other public names of the same functions (``fastmetrics.npv_score``).
_ALIASES = {"npv_score": "negative_predictive_value_score"}

_BY_NAME = {s.name: s for s in _SPECS}
_BY_NAME.update({alias: _BY_NAME[name] for alias, name in _ALIASES.items()})
# The public function and its finalizer both lead to the spec (batched_finalizer
# is handed either).
_BY_FUNCTION = {**{s.from_state: s for s in _SPECS}, **{s.metric: s for s in _SPECS}}


def metric_specs() -> dict:
    """Public name -> :class:`MetricSpec` of every metric with a finalizer (aliases too).

    >>> import fastmetrics as fm
    >>> specs = metric_specs()
    >>> specs["npv_score"] is specs["negative_predictive_value_score"]
    True
    >>> sorted(n for n, s in specs.items() if s.resampling == "score_table")
    ['average_precision_score', 'roc_auc_score']
    """
    return dict(_BY_NAME)


def find_spec(metric) -> MetricSpec | None:
    """The spec of a public metric or of its finalizer, else None (no partials, no names)."""
    try:
        return _BY_FUNCTION.get(metric)
    except TypeError:  # an unhashable callable is none of ours
        return None


def _unwrap(metric):
    """``(base, positional, keywords)`` of a (nested) partial; keywords of the outer one win."""
    args, keywords = (), {}
    while isinstance(metric, functools.partial):
        args = metric.args + args
        keywords = {**metric.keywords, **keywords}
        metric = metric.func
    return metric, args, keywords


def _lookup(metric):
    """``(spec or None, keywords bound by a partial)``; raises for names and bad partials."""
    if isinstance(metric, str):
        spec = _BY_NAME.get(metric)
        if spec is None:
            # "f1" or "auc" are part of a name; "f1_scor" is close to one
            close = ([n for n in _BY_NAME if metric.lower() in n][:3] if metric.strip() else []
                     ) or difflib.get_close_matches(metric, list(_BY_NAME), n=3)
            raise InvalidParameterError(format_message(
                "metric", f"{metric!r} is not the name of a fastmetrics metric",
                fix=(f"Did you mean {' or '.join(map(repr, close))}? " if close else "")
                + "Pass a public name such as 'f1_score', or the function itself"))
        return spec, {}
    base, args, keywords = _unwrap(metric)
    spec = find_spec(base)
    if spec is None or base is not spec.metric:
        # a user's function, a partial of one, or a bare finalizer: a function of a state
        return None, {}
    if args:
        raise InvalidParameterError(format_message(
            "metric", f"is functools.partial({spec.name}, ...) binding positional arguments "
                      f"{args!r}; the bootstrap passes the rows itself",
            fix=f"Bind keyword arguments only, e.g. functools.partial(fm.{spec.name}, "
                "average='macro')"))
    rows = _ROW_ARGUMENTS | set(list(inspect.signature(spec.metric).parameters)[:2])
    bound_rows = sorted(rows & set(keywords))
    if bound_rows:
        raise InvalidParameterError(format_message(
            "metric", f"is functools.partial({spec.name}, ...) binding {bound_rows[0]}=, an "
                      "argument of the rows",
            fix=f"Pass {bound_rows[0]}= to the bootstrap (or test) itself and bind only the "
                "metric's parameters in the partial"))
    return spec, keywords


def _unrecognised(metric, *, state_allowed: bool) -> InputTypeError:
    name = getattr(metric, "__name__", type(metric).__name__)
    fix = ("Pass a fastmetrics metric (fm.f1_score), its name ('f1_score') or "
           "functools.partial(fm.f1_score, average='macro')")
    if state_allowed:
        fix += ("; for a function of your own, pass it a state: "
                "state=fm.confusion_state(y_true, y_pred) (or fm.score_state) and "
                "f(state) -> float")
    return InputTypeError(format_message(
        "metric", f"{name} is not a fastmetrics metric (nor a partial or name of one), so "
                  "its resampling route is unknown", fix=fix))


def resolve(metric, params: dict | None = None, *, state_allowed: bool = True):
    """The spec of ``metric`` and its keyword arguments.

    Parameters
    ----------
    metric : callable or str
        A public metric, a :func:`functools.partial` of one binding keyword
        arguments (nested partials too), or a public name.
    params : dict, optional
        Keyword arguments given beside the metric (the bootstrap's
        ``**metric_params``). They win over the partial's.
    state_allowed : bool, default=True
        Whether the caller also accepts a function of a state (``state=``);
        the error for an unrecognised callable then says so.

    Returns
    -------
    spec : MetricSpec
    params : dict
        The partial's keywords updated with ``params``.

    Raises
    ------
    InputTypeError
        ``metric`` is a callable the project does not know.
    InvalidParameterError
        An unknown name, a partial binding positional arguments or arguments
        of the rows (``sample_weight=``, ``threshold=``, ``data=``, ...), or
        a value that is neither callable nor a name.

    Examples
    --------
    >>> import functools, fastmetrics as fm
    >>> inner = functools.partial(fm.fbeta_score, beta=2.0, average="micro")
    >>> spec, params = resolve(functools.partial(inner, average="macro"))
    >>> spec.name, params
    ('fbeta_score', {'beta': 2.0, 'average': 'macro'})
    """
    spec, keywords = lookup(metric)
    if spec is None:
        raise _unrecognised(metric, state_allowed=state_allowed)
    return spec, {**keywords, **(params or {})}


def lookup(metric):
    """:func:`resolve` without the error for an unknown callable: ``(None, {})`` then.

    For callers that also take a user's function of a state (``bootstrap(f,
    state=...)``). Names and partials of public metrics are checked as in
    :func:`resolve`; a value neither callable nor a string is refused.
    """
    if not isinstance(metric, str) and not callable(metric):
        raise InvalidParameterError(format_message(
            "metric", f"must be a fastmetrics metric, its name or a function of a state, "
                      f"got {metric!r}"))
    return _lookup(metric)


def spec_of(metric) -> MetricSpec:
    """The :class:`MetricSpec` of a public metric, a partial of one, or its public name.

    Raises as :func:`resolve` does for anything else.

    >>> import fastmetrics as fm
    >>> spec_of(fm.roc_auc_score).resampling
    'score_table'
    >>> spec_of(fm.npv_score).name
    'negative_predictive_value_score'
    """
    return resolve(metric)[0]


# ---------------------------------------------------------------------------
# Batched finalizers: many count tables at once
# ---------------------------------------------------------------------------

def batched_finalizer(metric, params) -> BatchedFinalizer | None:
    """A vectorized equivalent of :func:`table_values` for this metric and these params.

    Supported (everything else gives ``None``):

    * ``accuracy_score``, ``zero_one_loss`` (``normalize``), ``hamming_loss``;
    * ``balanced_accuracy_score`` (``adjusted``), ``matthews_corrcoef``;
    * ``cohen_kappa_score`` (``weights`` None, ``"linear"``, ``"quadratic"``;
      ``replace_undefined_by``; not ``labels=``);
    * ``precision_score``, ``recall_score``, ``f1_score``, ``fbeta_score``
      (``beta``), ``jaccard_score``, ``specificity_score``,
      ``negative_predictive_value_score`` with ``average`` in ``"binary"``,
      ``"micro"``, ``"macro"``, ``"weighted"``, ``labels`` None or a non-empty
      1-D list, any ``pos_label`` and any valid ``zero_division``.

    Parameter values the finalizer would refuse on every table give ``None``
    too (the caller should validate them on the original state first).

    Parameters
    ----------
    metric : callable
        A public fastmetrics metric, its ``from_state``, or a user callable.
    params : dict
        Keyword arguments of the finalizer.

    Returns
    -------
    callable or None
        ``fn(counts, classes) -> (values, undefined)`` with the arguments and
        results of :func:`table_values`.

    Examples
    --------
    >>> import numpy as np
    >>> import fastmetrics as fm
    >>> fn = batched_finalizer(fm.f1_score, {"average": "macro"})
    >>> counts = np.array([[[3, 1], [0, 2]], [[4, 0], [0, 0]]])
    >>> values, undefined = fn(counts, np.array([0, 1]))
    >>> [round(v, 4) for v in values.tolist()], undefined.tolist()
    ([0.8286, 1.0], [False, False])
    >>> batched_finalizer(fm.f1_score, {"average": None}) is None
    True
    """
    spec = find_spec(metric)
    if spec is None or spec.batched is None:
        return None
    return spec.batched(dict(params or {}))


def evaluate_tables(metric, params, counts, classes) -> tuple[np.ndarray, np.ndarray]:
    """The metric of each of B count tables: vectorized where possible.

    Uses :func:`batched_finalizer` when it supports ``metric`` and ``params``,
    else the per-table loop :func:`table_values`; both give the same result.

    Parameters
    ----------
    metric, params, counts, classes
        As for :func:`table_values`.

    Returns
    -------
    values : ndarray of float64, shape (B,)
    undefined : ndarray of bool, shape (B,)
    """
    fn = batched_finalizer(metric, params)
    if fn is None:
        return table_values(metric, params, counts, classes)
    return fn(counts, classes)

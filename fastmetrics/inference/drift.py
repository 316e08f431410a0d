"""Has the distribution moved? Two-sample shift statistics from mergeable states.

Production data drifts: this week's scores (or labels) against a reference
window's. Both tests here read a two-sample :class:`~fastmetrics.ScoreState`,
the exact distinct-value table of the values with one "class" per sample
(0: the reference, 1: the current window), built by :func:`shift_state` or
merged from chunks, partitions or days (:meth:`ScoreState.merge`), so a
stream or a cluster gives the answer of the whole arrays:

* :func:`ks_2samp_test`: the two-sample Kolmogorov-Smirnov statistic, exactly
  :func:`scipy.stats.ks_2samp`'s (ties included), with scipy's asymptotic
  p-value (``method="asymp"``: the table is for large samples; for a few
  hundred rows call scipy's exact test);
* :func:`population_stability_index`: ``sum_b (c_b - r_b) ln(c_b / r_b)``
  over bins of the reference's quantiles, ``r_b`` and ``c_b`` the two
  samples' shares of bin ``b`` (empty shares taken as ``eps``).

Labels (any classes, strings too) shift by their class shares: their
:func:`label_shift_state` is a :class:`~fastmetrics.ConfusionState` grouped by
sample (mergeable, new classes included), read by
:func:`population_stability_index` (one bin per class) and by
:func:`label_shift_test` (the chi-square test of homogeneity,
:func:`scipy.stats.chi2_contingency`'s).
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InvalidInputError, InvalidParameterError, format_message
from ..binned.build import binned_score_state
from ..confusion.build import confusion_state
from ..confusion.state import ConfusionState
from ..binned.state import BinnedScoreState
from ..ranking.build import score_state
from ..ranking.state import ScoreState
from .compare import check_alternative
from .results import TestResult

__all__ = ["shift_state", "ks_2samp_test", "population_stability_index", "label_shift_state",
           "label_shift_test"]


def shift_state(reference, current, *, thresholds=None):
    """The two-sample state of ``reference`` and ``current`` values (classes 0 and 1).

    Parameters
    ----------
    reference, current : array-like of shape (n,) and (m,)
        The values of each sample (scores, probabilities, any numbers; no NaN).
    thresholds : int or array-like of float, optional
        Count the values into the bins of these thresholds instead (a
        :class:`~fastmetrics.BinnedScoreState`, memory bounded by the bins:
        see :func:`~fastmetrics.binned_score_state` for the bins). The KS
        statistic is then read at the thresholds only (at most the exact one),
        and the PSI uses these bins.

    Returns
    -------
    ScoreState or BinnedScoreState
        Classes ``[0, 1]``: class 0 is the reference, 1 the current sample.
        States of chunks merge with their ``merge``.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.inference.shift_state([0.1, 0.4, 0.4], [0.4, 0.9])
    >>> s.thresholds.tolist(), s.counts.tolist()
    ([0.9, 0.4, 0.1], [[0, 2, 1], [1, 1, 0]])
    """
    reference = _sample(reference, "reference", "values")
    current = _sample(current, "current", "values")
    labels = np.concatenate([np.zeros(reference.size, dtype=np.int8),
                             np.ones(current.size, dtype=np.int8)])
    values = np.concatenate([reference, current])
    try:
        if thresholds is not None:
            return binned_score_state(labels, values, thresholds=thresholds)
        return score_state(labels, values)
    except InvalidInputError as error:  # name the sample, not the concatenation
        raise InvalidInputError(str(error).replace("y_score", "reference/current")) from None


def _sample(values, name: str, what: str) -> np.ndarray:
    """One sample as a non-empty 1-D array, else an error naming it."""
    values = np.asarray(values)
    if values.ndim != 1 or values.size == 0:
        raise InvalidInputError(format_message(
            name, f"must be a non-empty 1-D array of {what}, got shape {values.shape}",
            fix=f"Pass the sample's {what}, one per row"))
    return values


def _given_state(reference, current, state, build, what: str):
    """``state``, or the state ``build`` makes of both samples: exactly one of the two."""
    if state is None:
        if reference is None or current is None:
            raise InvalidParameterError(format_message(
                "reference" if reference is None else "current", "is None",
                fix=f"Pass both samples' {what}, or state= (see {build.__name__})"))
        return build(reference, current)
    if reference is not None or current is not None:
        raise InvalidParameterError(format_message(
            "state", "cannot be combined with reference=/current= (it holds them already)",
            fix="Pass either the two samples or their state"))
    return state


def _by_sample(rows: dict, width: int):
    """The reference's (key 0) and current sample's (key 1) counts, each with rows."""
    zero = np.zeros(width, dtype=np.int64)
    ref, cur = rows.get(0, zero), rows.get(1, zero)
    for name, sample in (("reference", ref), ("current", cur)):
        if sample.sum() == 0:
            raise InvalidInputError(format_message(
                name, "has no rows in the state", fix="Give both samples at least one row"))
    return ref, cur


def _two_samples(reference, current, state):
    """``(ascending values, reference counts, current counts)`` of the two samples.

    For a binned state the "values" are the bins' upper thresholds (``inf`` for
    the last bin): the counts up to an entry are the values below it."""
    state = _given_state(reference, current, state, shift_state, "values")
    if not isinstance(state, (ScoreState, BinnedScoreState)):
        raise InvalidParameterError(format_message(
            "state", f"must be a ScoreState or BinnedScoreState (see shift_state), got "
                     f"{type(state).__name__}"))
    if isinstance(state, BinnedScoreState) and (state.counts.shape[0] != 1
                                                or state.multilabel):
        raise InvalidParameterError(format_message(
            "state", "holds several score columns; a shift state has one",
            fix="Build it with shift_state"))
    if state.weight_sums is not None:
        raise InvalidParameterError(format_message(
            "state", "is weighted; the shift statistics count rows",
            fix="Build it with shift_state (no weights)"))
    classes = state.classes.tolist()
    binned = isinstance(state, BinnedScoreState)
    counts = state.counts[0] if binned else state.counts
    rows = {c: counts[i] for i, c in enumerate(classes)}
    if set(classes) - {0, 1}:
        raise InvalidParameterError(format_message(
            "state", f"has the classes {classes}; a shift state has 0 (reference) and 1 "
                     "(current)", fix="Build it with shift_state"))
    ref, cur = _by_sample(rows, counts.shape[1])
    if binned:
        return np.append(state.thresholds, np.inf), ref, cur
    return state.thresholds[::-1], ref[::-1], cur[::-1]


def ks_2samp_test(reference=None, current=None, *, state=None,
                  alternative="two-sided") -> TestResult:
    """Two-sample Kolmogorov-Smirnov test of ``reference`` against ``current``.

    The statistic is :func:`scipy.stats.ks_2samp`'s for the same samples (its
    ``data1``: the reference), computed from the distinct-value table: the
    empirical CDFs after each distinct value, so ties count as scipy counts
    them. The p-value is scipy's ``method="asymp"``. From a binned state the
    CDFs are compared below each threshold only: the statistic is then at
    most the exact one (equal where every value is a threshold), and its
    ``location`` is the threshold.

    Parameters
    ----------
    reference, current : array-like, optional
        The two samples' values; or
    state : ScoreState, optional
        Their :func:`shift_state` (merged from chunks, partitions, windows).
    alternative : {"two-sided", "less", "greater"}, default="two-sided"
        As for scipy: "greater" takes the largest ``F_ref - F_cur``, "less" the
        largest ``F_cur - F_ref``.

    Returns
    -------
    TestResult
        ``statistic`` (D), ``pvalue`` (NaN where ``m n / (m + n)`` rounds to 0,
        as scipy's), and in ``details``: ``location`` (the
        value where D is reached), ``sign`` (+1 where ``F_ref > F_cur``),
        ``n_reference``, ``n_current``.

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> t = fm.inference.ks_2samp_test(rng.normal(size=5000), rng.normal(0.1, 1, 5000))
    >>> round(t.statistic, 3), t.pvalue < 0.001
    (0.068, True)
    """
    alternative = check_alternative(alternative)
    values, ref, cur = _two_samples(reference, current, state)
    n1, n2 = int(ref.sum()), int(cur.sum())
    diff = np.cumsum(ref) / n1 - np.cumsum(cur) / n2
    arg_min, arg_max = int(np.argmin(diff)), int(np.argmax(diff))
    min_s = float(np.clip(-diff[arg_min], 0, 1))
    max_s = float(diff[arg_max])
    if alternative == "less" or (alternative == "two-sided" and min_s > max_s):
        d, location, sign = min_s, values[arg_min], -1
    else:
        d, location, sign = max_s, values[arg_max], 1
    m, n = sorted([float(n1), float(n2)], reverse=True)
    en = m * n / (m + n)
    from scipy import stats  # scipy.stats takes a while to import: only when used
    with np.errstate(divide="ignore", invalid="ignore"):  # NaN below one effective row
        if alternative == "two-sided":
            prob = stats.kstwo.sf(d, np.round(en))
        else:  # Hodges' approximation (scipy's), m the larger sample
            z = np.sqrt(en) * d
            prob = np.exp(-2 * z ** 2 - 2 * z * (m + 2 * n) / np.sqrt(m * n * (m + n)) / 3.0)
    return TestResult(float(d), float(np.clip(prob, 0, 1)),
                      "two-sample Kolmogorov-Smirnov (asymptotic)", alternative,
                      {"location": location.item(), "sign": sign, "n_reference": n1,
                       "n_current": n2})


def population_stability_index(reference=None, current=None, *, state=None, bins=None,
                               eps=1e-4) -> float:
    """Population stability index of ``current`` against ``reference``.

    ``PSI = sum_b (c_b - r_b) ln(c_b / r_b)``, ``r_b`` and ``c_b`` the shares
    of the reference's and the current sample's rows in bin ``b``. The bins
    are cut at the reference's ``1/bins, ..., (bins-1)/bins`` quantiles (the
    inverted-CDF quantiles, numpy's ``method="inverted_cdf"``: values of the
    sample, so ties never split), a value goes to the bin of the last cut at
    or below it, and the outer bins are open, so no value of either sample
    falls outside. A share of 0 counts as ``eps`` (the logarithm needs it).
    Rules of thumb: below 0.1 stable, 0.1 to 0.25 a moderate shift, above
    0.25 a large one. From a binned state (``shift_state(...,
    thresholds=...)``) the state's own bins are the bins.

    Parameters
    ----------
    reference, current : array-like, optional
        The two samples' values; or
    state : ScoreState, BinnedScoreState or ConfusionState, optional
        Their :func:`shift_state`, or the :func:`label_shift_state` of two
        samples of labels (one bin per class).
    bins : int, optional
        Quantile bins of the reference (10 by default); not with a binned
        state, whose bins are fixed.
    eps : float, default=1e-4
        The share an empty bin counts as (0 < eps < 1).

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np, fastmetrics as fm
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=10_000)
    >>> psi = fm.inference.population_stability_index
    >>> psi(ref, rng.normal(size=10_000)) < 0.01, psi(ref, rng.normal(0.5, 1, 10_000)) > 0.2
    (True, True)
    """
    if not (isinstance(eps, (int, float, np.floating)) and 0 < float(eps) < 1):
        raise InvalidParameterError(format_message(
            "eps", f"must be a number in (0, 1), got {eps!r}", fix="Pass eps=1e-4"))
    if isinstance(state, ConfusionState):
        if bins is not None:
            raise InvalidParameterError(format_message(
                "bins", "cannot be chosen for labels (each class is a bin)",
                fix="Drop bins="))
        ref, cur = _class_counts(state)
        return _psi(ref / ref.sum(), cur / cur.sum(), eps)
    if isinstance(state, BinnedScoreState):
        if bins is not None:
            raise InvalidParameterError(format_message(
                "bins", "cannot be chosen for a binned state (its thresholds are the bins)",
                fix="Drop bins=, or build an exact shift_state"))
        _, ref, cur = _two_samples(reference, current, state)
        return _psi(ref / ref.sum(), cur / cur.sum(), eps)
    bins = 10 if bins is None else bins
    if (isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (int, np.integer))
            or bins < 1):
        raise InvalidParameterError(format_message(
            "bins", f"must be an integer >= 1, got {bins!r}", fix="Pass bins=10"))
    values, ref, cur = _two_samples(reference, current, state)
    n_ref = int(ref.sum())
    # the reference's inverted-CDF quantiles: the value at rank ceil(q n) (1-based)
    ranks = np.ceil(n_ref * (np.arange(1, bins) / bins)).astype(np.int64)
    cuts = values[np.searchsorted(np.cumsum(ref), np.maximum(ranks, 1))]
    of_value = np.searchsorted(cuts, values, side="right")
    r = np.bincount(of_value, weights=ref, minlength=bins) / n_ref
    c = np.bincount(of_value, weights=cur, minlength=bins) / cur.sum()
    return _psi(r, c, eps)


def _psi(r, c, eps):
    r, c = np.maximum(r, eps), np.maximum(c, eps)
    return float(np.sum((c - r) * np.log(c / r)))



def label_shift_state(reference, current) -> ConfusionState:
    """The class counts of two samples of labels: a ConfusionState grouped by sample.

    Parameters
    ----------
    reference, current : array-like of labels (any type, strings too)

    Returns
    -------
    ConfusionState
        Groups ``[0, 1]`` (the reference, the current sample); each label is
        its own "prediction", so the class counts are the diagonal. Merges with
        :meth:`ConfusionState.merge` (classes seen in one chunk only included).

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.inference.label_shift_state(["cat", "dog", "dog"], ["dog", "eel"])
    >>> s.classes.tolist(), s.counts.diagonal(axis1=1, axis2=2).tolist()
    (['cat', 'dog', 'eel'], [[1, 2, 0], [0, 1, 1]])
    """
    reference = _sample(reference, "reference", "labels")
    current = _sample(current, "current", "labels")
    labels = np.concatenate([reference.astype(object), current.astype(object)]) if (
        reference.dtype != current.dtype) else np.concatenate([reference, current])
    sample = np.concatenate([np.zeros(reference.size, dtype=np.int8),
                             np.ones(current.size, dtype=np.int8)])
    return confusion_state(labels, labels, groups=sample)


def _class_counts(state):
    """Each sample's class counts (two (K,) arrays) of a :func:`label_shift_state`."""
    if state.weighted:
        raise InvalidParameterError(format_message(
            "state", "is weighted; the shift statistics count rows",
            fix="Build it with label_shift_state"))
    groups = np.asarray(state.group_names).tolist() if state.group_names is not None else []
    if set(groups) - {0, 1} or state.counts.ndim != 3:
        raise InvalidParameterError(format_message(
            "state", f"has the groups {groups}; a label shift state has 0 (reference) and 1 "
                     "(current)", fix="Build it with label_shift_state"))
    diagonal = state.counts.diagonal(axis1=1, axis2=2)
    ref, cur = _by_sample({g: diagonal[i] for i, g in enumerate(groups)}, state.n_classes)
    return ref.astype(np.float64), cur.astype(np.float64)


def label_shift_test(reference=None, current=None, *, state=None) -> TestResult:
    """Chi-square test that two samples of labels share one class distribution.

    :func:`scipy.stats.chi2_contingency` of the 2 x K table of class counts
    (its defaults: Yates' correction with one degree of freedom), classes no
    sample holds left out.

    Parameters
    ----------
    reference, current : array-like of labels, optional
    state : ConfusionState, optional
        Their :func:`label_shift_state`.

    Returns
    -------
    TestResult
        ``statistic`` (chi-square), ``pvalue``; ``details``: ``dof``, ``psi``
        (the population stability index of the class shares), the
        ``classes`` and each sample's ``reference_counts`` and
        ``current_counts``.

    Examples
    --------
    >>> import fastmetrics as fm
    >>> t = fm.inference.label_shift_test(["a"] * 60 + ["b"] * 40, ["a"] * 40 + ["b"] * 60)
    >>> round(t.statistic, 2), t.pvalue < 0.01, t.details["dof"]
    (7.22, True, 1)
    """
    from scipy import stats  # only when used (see ks_2samp_test)
    state = _given_state(reference, current, state, label_shift_state, "labels")
    ref, cur = _class_counts(state)
    held = (ref + cur) > 0
    table = np.vstack([ref[held], cur[held]])
    if table.shape[1] < 2:
        raise InvalidInputError(format_message(
            "reference", "and current hold one class only: no distribution to compare",
            fix="Pass labels of at least two classes"))
    chi2, pvalue, dof, _ = stats.chi2_contingency(table)
    return TestResult(float(chi2), float(pvalue), "chi-square test of homogeneity",
                      "two-sided",
                      {"dof": int(dof), "psi": _psi(ref / ref.sum(), cur / cur.sum(), 1e-4),
                       "classes": state.classes[held].tolist(),
                       "reference_counts": table[0].astype(np.int64).tolist(),
                       "current_counts": table[1].astype(np.int64).tolist()})

"""Build the binary ranking states: one sort of the scores per batch.

:func:`score_state` counts each batch's distinct scores per class
(``kernels/cpu/ranking.py``) into a :class:`~fastmetrics.ScoreState` and merges
them; :func:`binary_areas` skips the table when one unweighted batch holds the
rows, and keeps only the ROC and AP sums of the sort.
"""

from __future__ import annotations

import itertools

import numpy as np

from .. import _backend
from .._core import gpu as _gpu
from .._core.columns import Column, float_values, float_weights, raise_nonfinite
from .._core.labels import DENSE_RANGE, check_label_kind, encode_columns
from .._core.pipeline import (batch_column, is_multilabel_input, merge_batches, open_batches,
                              warn_dropped)
from ..exceptions import InputTypeError, LabelError, format_message
from ..kernels.cpu import confusion as kernels
from .state import BinaryAreas, ScoreState

__all__ = ['score_state']


def score_state(y_true, y_score, *, sample_weight=None, positive_class=None, data=None,
                drop_nulls=False) -> ScoreState:
    """Sort a binary target's scores once into a mergeable :class:`ScoreState`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or column name
        True labels, at most two classes (any label type).
    y_score : array-like of shape (n_samples,) or column name
        Scores, probabilities or decision values; higher means more positive.
    sample_weight : array-like of shape (n_samples,) or column name, optional
    positive_class : label, optional
        Score one class against the rest: ``y_true`` (any number of classes)
        is binarized as ``y_true == positive_class``, and the state's classes
        are ``[False, True]`` (finalize with ``pos_label=True``, the default
        of every metric for such a target).
    data, drop_nulls
        As for :func:`confusion_state`.

    Returns
    -------
    ScoreState

    Examples
    --------
    >>> import fastmetrics as fm
    >>> s = fm.score_state([0, 1, 1, 0], [0.1, 0.8, 0.8, 0.3])
    >>> s.thresholds.tolist(), s.class_counts.tolist()
    ([0.8, 0.3, 0.1], [[0, 1, 1], [2, 0, 0]])
    """
    for role, value in (("y_true", y_true), ("y_score", y_score)):
        if _backend.is_device_array(value):
            _backend.refuse_device(role, "score_state (exact curves)")
    roles = {"y_true": y_true, "y_score": y_score, "sample_weight": sample_weight}
    for role in ("y_true", "y_score"):
        if is_multilabel_input(roles[role]) and data is None:
            raise InputTypeError(format_message(
                role, "is 2-D; this function takes one binary problem (1-D labels and "
                      "scores)", fix="Pass one column of scores"))
    given, names, batches = open_batches(roles, data, drop_nulls)
    return _merged_score_state(batches, names, positive_class)


def _merged_score_state(batches, names, positive_class=None) -> ScoreState:
    """Count each batch into a ScoreState and merge them (warning of dropped rows)."""
    return merge_batches(batches, lambda batch: count_scores(
        *(batch_column(batch, names, role) for role in ("y_true", "y_score", "sample_weight")),
        positive_class))


def binary_areas(y_true, y_score, *, positive_class=None, data=None, drop_nulls=False):
    """:class:`BinaryAreas` of an unweighted binary target, or its ScoreState.

    One batch (numpy arrays, a single Arrow chunk) and both classes present:
    the areas straight from the sort. Otherwise (several batches to merge, or
    one class, where the metrics warn): the :class:`ScoreState`, exactly as
    :func:`score_state` builds it.
    """
    if data is None and _backend.backend_of(y_true=y_true, y_score=y_score) == _backend.CUDA:
        areas = _gpu.device_binary_areas(y_true, y_score, positive_class)
        if areas is not None:
            return BinaryAreas(*areas)
        # one class (or several): the host path gives the metric's own warning or error
        y_true, y_score = _gpu.to_host(y_true, "y_true"), _gpu.to_host(y_score, "y_score")
    roles = {"y_true": y_true, "y_score": y_score, "sample_weight": None}
    for role in ("y_true", "y_score"):
        if is_multilabel_input(roles[role]) and data is None:
            return score_state(y_true, y_score, positive_class=positive_class, data=data,
                               drop_nulls=drop_nulls)
    given, names, batches = open_batches(roles, data, drop_nulls)
    batches = iter(batches)
    first = next(batches, None)
    second = next(batches, None) if first is not None else None
    if first is not None and second is None:
        classes, twice, (n_neg, n_pos), ap_sum = score_areas(
            batch_column(first, names, "y_true"), batch_column(first, names, "y_score"), positive_class)
        if n_pos > 0 and n_neg > 0:
            warn_dropped(first.n_dropped)
            return BinaryAreas(classes, twice, n_neg, n_pos, ap_sum, first.n_dropped)
    read = [b for b in (first, second) if b is not None]
    return _merged_score_state(itertools.chain(read, batches), names, positive_class)


def checked_binary_scores(t: Column, scores: Column, w: Column | None, positive_class=None):
    """Checked inputs of a binary ranking problem, one batch.

    Returns ``(scores, score_dtype, codes, candidates, weights)``: finite
    float32/float64 scores, the scores' own dtype, uint8 class codes (0 or
    1) indexing ``candidates`` (the sorted labels, at most two) and float64
    weights or None. With ``positive_class``, ``y_true`` may have any number
    of classes and is binarized as ``y_true == positive_class`` (candidates
    ``[False, True]``).
    """
    from ..kernels.cpu import ranking

    weights = float_weights(w)
    s = float_values(scores)
    # Thresholds come back in the scores' own dtype, as scikit-learn's do; long
    # doubles are ranked as float64 (Numba has none), so their thresholds are too.
    score_dtype = scores.values.dtype
    if score_dtype.kind == "f" and score_dtype.itemsize > 8:
        score_dtype = s.dtype
    n_bad, first_bad = ranking.count_nonfinite(s)
    if n_bad:
        raise_nonfinite(scores, first_bad)
    candidates, [(array, lookup, offset)] = encode_columns([t])
    if positive_class is not None:
        check_label_kind("positive_class", positive_class, candidates, t.name)
        hit = np.flatnonzero(candidates == positive_class)
        is_positive = (lookup == hit[0]) if hit.size else np.zeros(lookup.size, dtype=bool)
        codes = kernels.label_codes(array, is_positive.astype(np.int64), offset)
        return s, score_dtype, codes, np.array([False, True]), weights
    if candidates.size > DENSE_RANGE:  # past the dense range every candidate occurs
        raise LabelError(format_message(
            t.name, f"has {candidates.size} classes; exact curves take a binary target",
            fix="Binarize it, e.g. y_true == pos_label"))
    if (candidates.size <= 2 and array.dtype.itemsize == 1 and array.dtype.kind in "biu"
            and offset == 0 and np.array_equal(lookup, np.arange(lookup.size))):
        codes = array.view(np.uint8)  # 0/1 labels in one byte are their own codes
    else:
        codes = kernels.label_codes(array, lookup, offset)
    if candidates.size > 2:
        # A dense range may hold values no row carries (labels {3, 5} give the
        # candidates 3, 4, 5): keep the present ones and renumber them 0, 1.
        present = np.bincount(codes, minlength=candidates.size) > 0
        if present.sum() > 2:
            raise LabelError(format_message(
                t.name, f"has {int(present.sum())} classes; exact curves take a binary "
                        "target", fix="Binarize it, e.g. y_true == pos_label"))
        codes = (np.cumsum(present) - 1).astype(np.uint8)[codes]
        candidates = candidates[present]
    return s, score_dtype, codes, candidates, weights


def count_scores(t: Column, scores: Column, w: Column | None,
                 positive_class=None) -> ScoreState:
    """Distinct-score table of one batch of (y_true, y_score[, weight])."""
    from ..kernels.cpu import ranking

    s, score_dtype, codes, candidates, weights = checked_binary_scores(t, scores, w, positive_class)
    thresholds, counts, pos_w, neg_w = ranking.distinct_score_counts(s, codes, weights)
    # Thresholds are shown in the scores' own dtype, as scikit-learn does.
    thresholds = thresholds.astype(score_dtype, copy=False)
    # One row per candidate class (code 0: neg, code 1: pos); drop absent ones.
    counts = counts[:candidates.size]
    sums = None if weights is None else np.stack([neg_w, pos_w])[:candidates.size]
    keep = counts.any(axis=1)
    if not keep.all():
        counts, candidates = counts[keep], candidates[keep]
        sums = None if sums is None else sums[keep]
    return ScoreState(thresholds, counts, sums, candidates)


def score_areas(t: Column, scores: Column, positive_class=None):
    """ROC AUC and AP sums of one unweighted batch, without the score table.

    Returns ``(candidates, twice_area, n_by_code, ap_sum)``, see
    ``kernels.cpu.ranking.distinct_score_areas``; ``n_by_code`` is the rows
    of code 0 and code 1 (the larger label is code 1).
    """
    from ..kernels.cpu import ranking

    s, _, codes, candidates, _ = checked_binary_scores(t, scores, None, positive_class)
    twice_area, n_pos, n_neg, ap_sum = ranking.distinct_score_areas(s, codes)
    return candidates, twice_area, (n_neg, n_pos), ap_sum

"""Plain-numpy twins of the kernels in ``kernels/cpu/inference.py``: the test oracle."""

from __future__ import annotations

import numpy as np

__all__ = ["paired_correct_counts", "score_placements", "placement_moments"]


def _codes(values, lookup, offset):
    return np.asarray(lookup)[np.asarray(values).astype(np.int64) - offset]


def paired_correct_counts(y_true, pred_a, pred_b, true_lookup, a_lookup, b_lookup,
                          true_offset, a_offset, b_offset):
    """2 x 2 int64 table of (model A correct, model B correct).

    Row ``i`` has true class ``lookup_true[y_true[i] - true_offset]`` and
    predicted classes read the same way through each model's lookup; a model
    is correct on the row when its class equals the true class. Rows of the
    table are A correct / A wrong, columns B correct / B wrong.
    """
    t = _codes(y_true, true_lookup, true_offset)
    a = _codes(pred_a, a_lookup, a_offset) == t
    b = _codes(pred_b, b_lookup, b_offset) == t
    table = np.zeros((2, 2), dtype=np.int64)
    np.add.at(table, ((~a).astype(np.int64), (~b).astype(np.int64)), 1)
    return table


def score_placements(scores, labels):
    """DeLong placement value of each row, times twice the other class's size.

    For a positive row (``labels != 0``) with score ``x``: ``2 * (negatives
    scored below x) + (negatives scored x)``, i.e. ``2 n V10``; for a negative
    row with score ``y``: ``2 * (positives above y) + (positives at y)``, i.e.
    ``2 m V01`` (``-0.0`` and ``0.0`` are one score). Returns
    ``(numerators, twice_area, n_pos, n_neg)`` with int64 numerators and
    ``twice_area`` the sum of the negatives' numerators (= the positives').
    """
    s = np.asarray(scores, dtype=np.float64) + 0.0  # -0.0 + 0.0 == +0.0
    pos = np.asarray(labels) != 0
    neg_sorted, pos_sorted = np.sort(s[~pos]), np.sort(s[pos])
    neg_below = np.searchsorted(neg_sorted, s, "left")
    neg_level = np.searchsorted(neg_sorted, s, "right") - neg_below
    pos_not_above = np.searchsorted(pos_sorted, s, "right")
    pos_level = pos_not_above - np.searchsorted(pos_sorted, s, "left")
    pos_above = pos_sorted.size - pos_not_above
    out = np.where(pos, 2 * neg_below + neg_level, 2 * pos_above + pos_level).astype(np.int64)
    return out, int(out[~pos].sum()), int(pos.sum()), int((~pos).sum())


def placement_moments(xa, xb, labels, twice_a, twice_b, n_pos, n_neg):
    """Per class (row 0 negatives, row 1 positives) sums of centred products.

    With ``da = xa - mean(xa)``, ``db = xb - mean(xb)`` and ``dd = (xa - xb) -
    mean(xa - xb)`` over the rows of the class (each class's numerators sum
    to ``twice_a`` and ``twice_b``, which give the means), the columns are
    ``sum(da^2)``, ``sum(db^2)``, ``sum(da db)`` and ``sum(dd^2)``.
    """
    pos = np.asarray(labels) != 0
    out = np.zeros((2, 4))
    for c, mask, count in ((0, ~pos, n_neg), (1, pos, n_pos)):
        a = np.asarray(xa)[mask].astype(np.float64)
        b = np.asarray(xb)[mask].astype(np.float64)
        da, db = a - a.mean(), b - b.mean()
        d = (np.asarray(xa)[mask] - np.asarray(xb)[mask]).astype(np.float64)
        dd = d - d.mean()
        out[c] = [da @ da, db @ db, da @ db, dd @ dd]
    return out

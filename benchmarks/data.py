"""Deterministic inputs for the classification benchmarks.

Every generator takes ``n`` and ``seed``, uses its own
``numpy.random.Generator``, and returns the same arrays every time. Labels
are imbalanced (as real evaluation sets are), yet every class is present in
both ``y_true`` and ``y_pred`` (the first ``k`` rows cycle through the
classes), so that sklearn and fastmetrics agree on the label set for any
``n >= k``.

Results are cached per arguments: several cases share the same arrays, and
building 10^7 rows costs more than some of the calls being timed.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyarrow as pa

__all__ = [
    "TICKET_CLASSES",
    "binary_labels",
    "binary_scores",
    "dyadic_weights",
    "multiclass_labels",
    "string_labels",
]

#: Ten realistic class names, deliberately not in sorted order, so that
#: code mapping an Arrow dictionary to sklearn's sorted labels is exercised.
TICKET_CLASSES = ("billing", "technical", "account", "shipping", "fraud",
                  "refund", "login", "delivery", "warranty", "other")


def _readonly(*arrays):
    # Shared, cached inputs: make sure no callable mutates them for the next.
    for a in arrays:
        a.flags.writeable = False
    return arrays if len(arrays) > 1 else arrays[0]


def _all_classes_first(k: int, *arrays) -> None:
    """Make rows 0..k-1 hold classes 0..k-1 in every array (in place)."""
    m = min(k, len(arrays[0]))
    for a in arrays:
        a[:m] = np.arange(m, dtype=a.dtype)


@lru_cache(maxsize=None)
def binary_labels(n: int, seed: int = 0, pos_rate: float = 0.1, accuracy: float = 0.9):
    """``(y_true, y_pred)`` int8 in {0, 1}: 10% positives, 90% correct predictions."""
    rng = np.random.default_rng([seed, 1])
    y = (rng.random(n, dtype=np.float32) < pos_rate).astype(np.int8)
    flip = (rng.random(n, dtype=np.float32) >= accuracy).astype(np.int8)
    p = y ^ flip
    _all_classes_first(2, y, p)
    return _readonly(y, p)


@lru_cache(maxsize=None)
def binary_scores(n: int, seed: int = 0, pos_rate: float = 0.1):
    """``(y_true int8, y_score float32)``: scores of a decent classifier in (0, 1).

    Scores are a sigmoid of a label-shifted normal, so about a tenth of them
    fall on the wrong side of 0.5, and both predicted classes occur.
    """
    rng = np.random.default_rng([seed, 2])
    y = (rng.random(n, dtype=np.float32) < pos_rate).astype(np.int8)
    z = rng.standard_normal(n, dtype=np.float32)
    z += np.where(y == 1, np.float32(1.5), np.float32(-1.5))
    score = (1.0 / (1.0 + np.exp(-z))).astype(np.float32)
    _all_classes_first(2, y)
    score[:2] = (0.25, 0.75)  # a negative and a positive prediction
    return _readonly(y, score)


@lru_cache(maxsize=None)
def multiclass_labels(n: int, k: int = 10, seed: int = 0, dtype: str = "int32",
                      accuracy: float = 0.8):
    """``(y_true, y_pred)`` with ``k`` classes, priors proportional to 0.75**i.

    A prediction is right with probability ``accuracy``, else a class drawn
    from the priors (errors toward frequent classes, as real models make).
    """
    rng = np.random.default_rng([seed, 3, k])
    priors = 0.75 ** np.arange(k)
    edges = (np.cumsum(priors) / priors.sum())[:-1].astype(np.float32)
    y = np.searchsorted(edges, rng.random(n, dtype=np.float32), side="right").astype(dtype)
    other = np.searchsorted(edges, rng.random(n, dtype=np.float32), side="right").astype(dtype)
    p = np.where(rng.random(n, dtype=np.float32) < accuracy, y, other)
    _all_classes_first(k, y, p)
    return _readonly(y, p)


@lru_cache(maxsize=None)
def dyadic_weights(n: int, seed: int = 0):
    """float64 sample weights, multiples of 1/8 in [0.125, 4].

    Dyadic values make every partial sum exact in float64 (for n up to about
    10^14), whatever the summation order; so a weighted confusion matrix can
    be checked for exact equality, and a float32 accumulator (which loses
    those eighths past 2^21) is caught.
    """
    rng = np.random.default_rng([seed, 4])
    return _readonly(rng.integers(1, 33, size=n).astype(np.float64) / 8.0)


@lru_cache(maxsize=None)
def string_labels(n: int, k: int = 10, seed: int = 0):
    """Multiclass labels as numpy ``<U`` arrays and as Arrow dictionary arrays.

    Returns
    -------
    dict
        ``true_u``, ``pred_u``: numpy unicode arrays; ``true_dict``,
        ``pred_dict``: ``dictionary<int8, string>`` arrays over
        :data:`TICKET_CLASSES` (unsorted dictionary order) with the same
        labels.
    """
    names = np.array(TICKET_CLASSES[:k])
    codes_t, codes_p = multiclass_labels(n, k, seed, "int8")
    dictionary = pa.array(list(names), type=pa.string())
    return {
        "true_u": _readonly(names[codes_t]),
        "pred_u": _readonly(names[codes_p]),
        "true_dict": pa.DictionaryArray.from_arrays(pa.array(codes_t), dictionary),
        "pred_dict": pa.DictionaryArray.from_arrays(pa.array(codes_p), dictionary),
    }

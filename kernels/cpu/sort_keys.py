"""Sort keys of float scores, and the NaN/inf check every sort kernel starts from.

A float's bits, with the sign bit flipped for positives and every bit flipped
for negatives, order as unsigned integers the way the floats order as numbers.
``sort_key`` maps a float's bits to the key whose *ascending* order is the
*descending* score order (the order of the curves), ``-0.0`` as ``+0.0``
(scikit-learn treats them as one threshold); ``key_bits`` maps it back.
``score_keys`` is the ascending-score variant of ``kernels.reference``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from . import _blocks, small_inputs
from ._blocks import NO_WEIGHTS, block_bounds, kernel, thread_blocks

__all__ = ["sort_key", "key_bits", "key_params", "key_dtype", "prepared", "score_keys",
           "count_nonfinite"]

#: Below this many rows the passes run on one thread (as the radix sort's).
PARALLEL_MIN_ROWS = 1 << 18

# ----------------------------------------------------------------------------
# Keys
# ----------------------------------------------------------------------------

@kernel(nogil=True, inline="always")
def sort_key(u, sign_shift, low_mask):
    """Sort key of a float's bits ``u`` (as uint64): ascending key = descending score.

    ``-0.0`` becomes ``+0.0``. Negative floats keep their bits (a larger
    magnitude is a larger key), positive ones flip every bit below the sign.
    The map is its own inverse on keys of non-negative-zero floats
    (``_key_bits``).
    """
    if u == np.uint64(1) << sign_shift:
        u = np.uint64(0)
    return u ^ (((u >> sign_shift) - np.uint64(1)) & low_mask)


@kernel(nogil=True, inline="always")
def key_bits(k, sign_shift, low_mask):
    """The float bits of sort key ``k`` (inverse of ``_sort_key``)."""
    return k ^ (((k >> sign_shift) - np.uint64(1)) & low_mask)


@kernel(nogil=True)
def _score_keys_block(bits, out, sign_shift, low_mask, lo, hi):
    src = bits[lo:hi]
    dst = out[lo:hi]
    full = (low_mask << np.uint64(1)) | np.uint64(1)
    for i in range(src.shape[0]):
        dst[i] = sort_key(np.uint64(src[i]), sign_shift, low_mask) ^ full


@kernel(parallel=True)
def _score_keys_parallel(bits, out, sign_shift, low_mask, n_blocks):
    n = bits.shape[0]
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        _score_keys_block(bits, out, sign_shift, low_mask, lo, hi)


def key_params(dtype):
    bits = np.dtype(dtype).itemsize * 8
    return np.uint64(bits - 1), np.uint64((1 << (bits - 1)) - 1)


def key_dtype(dtype):
    try:
        return small_inputs.KEY_DTYPE[np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"scores must be float32 or float64, not {dtype} (cast them to "
                        "float64 first)") from None


def score_keys(scores):
    """Unsigned keys ordered like the scores; see ``kernels.reference.score_keys``."""
    scores = np.ascontiguousarray(scores)
    kdt = key_dtype(scores.dtype)
    sign_shift, low_mask = key_params(scores.dtype)
    bits = scores.view(kdt)
    out = np.empty(scores.shape[0], dtype=kdt)
    blocks = thread_blocks(scores.shape[0], PARALLEL_MIN_ROWS)
    _score_keys_parallel(bits, out, sign_shift, low_mask, blocks)
    return out


def prepared(scores, labels, weights):
    """Contiguous scores, their key bits, uint8 labels, weights (``NO_WEIGHTS`` if None)
    and the key parameters: what the binary sort kernels take."""
    scores = np.ascontiguousarray(scores)
    labels = np.ascontiguousarray(labels)
    if labels.dtype != np.uint8:
        labels = labels.view(np.uint8) if labels.dtype.itemsize == 1 else (
            labels != 0).view(np.uint8)
    weights = (NO_WEIGHTS if weights is None
               else np.ascontiguousarray(weights, dtype=np.float64))
    sign_shift, low_mask = key_params(scores.dtype)
    kdt = key_dtype(scores.dtype)
    return scores, scores.view(kdt), labels, weights, sign_shift, low_mask, kdt


# ----------------------------------------------------------------------------
# count_nonfinite
# ----------------------------------------------------------------------------

@kernel(nogil=True)
def _nonfinite_block(scores, lo, hi):
    block = scores[lo:hi]
    count = np.int64(0)
    for i in range(block.shape[0]):
        v = block[i]
        count += np.int64(v - v != 0.0)  # NaN or +-inf; vectorizes
    return count


@kernel(nogil=True)
def _first_nonfinite(scores, lo, hi):
    block = scores[lo:hi]
    for i in range(block.shape[0]):
        v = block[i]
        if v - v != 0.0:
            return lo + i
    return -1


@kernel(parallel=True)
def _nonfinite_parallel(scores, n_blocks):
    """Per block: (count, first row) of NaN/inf; the search runs only where found."""
    n = scores.shape[0]
    out = np.full((n_blocks, 2), -1, dtype=np.int64)
    for bb in prange(n_blocks):
        b = np.int64(bb)
        lo, hi = block_bounds(n, n_blocks, b)
        out[b, 0] = _nonfinite_block(scores, lo, hi)
        if out[b, 0] > 0:
            out[b, 1] = _first_nonfinite(scores, lo, hi)
    return out


def count_nonfinite(scores):
    """``(count, first_index)`` of NaN/inf scores; ``(0, -1)`` when all are finite."""
    if _blocks.is_small(scores.shape[0]):
        return small_inputs.nonfinite(scores)
    counts = _nonfinite_parallel(scores, thread_blocks(scores.shape[0], PARALLEL_MIN_ROWS))
    count = int(counts[:, 0].sum())
    found = counts[counts[:, 1] >= 0, 1]
    return count, (int(found.min()) if count else -1)

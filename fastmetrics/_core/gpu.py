"""The GPU backend: the counts of arrays that live on an NVIDIA GPU, computed there.

Arrays already on a GPU (CuPy arrays, and torch/JAX/other device arrays
through ``__cuda_array_interface__`` or DLPack) are counted on their device
by the CuPy kernels of ``kernels/gpu`` (the twins of ``kernels/cpu``); only
the small counts (a K x K table) come back to the host. This module is the
device side of the builders, as ``_encode`` is the host side: it checks the
device arrays and returns host arrays of counts and the classes they belong
to; the builders (``build``, ``binned``) decide the backend
(``fastmetrics._backend.backend_of``) and make the states, so that every
metric finalizes as on the CPU.

``import fastmetrics`` never imports CuPy: nothing here touches it until a
device array actually arrives. Asking for the GPU without CuPy gives a
:class:`~fastmetrics.exceptions.MissingDependencyError` that names the extra
to install. What the GPU does not do yet is refused by ``fastmetrics._backend``
in one wording.

Status: confusion-matrix counts of integer or boolean labels (the whole
confusion family through ``confusion_state``, and so its bootstrap, which
resamples the state on the host), the exact ROC AUC and average precision of
a binary target (one device sort of packed keys), and binned curves'
histograms of 1-D scores (``thresholds=``).

Examples
--------
>>> from fastmetrics._backend import is_device_array
>>> import numpy as np
>>> is_device_array(np.zeros(3))
False
"""

from __future__ import annotations

import numpy as np

from ..exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                          InvalidParameterError, LengthMismatchError, MissingDependencyError,
                          format_message)

__all__ = ['require_cupy', 'as_cupy', 'to_host', 'device_confusion_counts', 'device_binary_areas', 'device_binned_counts']


def require_cupy(argument: str = "y_true"):
    """The ``cupy`` module, or an error naming the extra to install."""
    try:
        import cupy
    except ImportError:
        raise MissingDependencyError(format_message(
            argument, "is a GPU array, and computing on the GPU needs CuPy, which is not "
                      "installed",
            fix="pip install 'fastmetrics[gpu-cuda13]' (or gpu-cuda12 for CUDA 12)")) from None
    return cupy


def as_cupy(x, argument: str):
    """A CuPy view of a device array (no copy): CUDA array interface or DLPack."""
    cupy = require_cupy(argument)
    if isinstance(x, cupy.ndarray):
        return x
    if hasattr(x, "__cuda_array_interface__"):
        return cupy.asarray(x)
    return cupy.from_dlpack(x)


def to_host(x, argument: str) -> np.ndarray:
    """A numpy copy of a device array."""
    return as_cupy(x, argument).get()


def _labels(x, argument: str):
    """A 1-D integer CuPy array of labels (booleans as uint8), else an error."""
    a = as_cupy(x, argument)
    if a.ndim != 1:
        raise InputTypeError(format_message(
            argument, f"has shape {a.shape}; labels must be 1-D", fix="Pass one label per row"))
    if a.dtype == np.bool_:
        return a.view(np.uint8), True
    if a.dtype.kind not in "iu":
        raise InputTypeError(format_message(
            argument, f"is a GPU array of {a.dtype}; the GPU backend counts integer or boolean "
                      "labels", fix=f"Cast on the device, e.g. {argument}.astype('int64'), or "
                                    "encode string labels as integer codes"))
    return a, False


def _scores(y_score):
    s = as_cupy(y_score, "y_score")
    if s.ndim != 1 or s.dtype.kind != "f":
        raise InputTypeError(format_message(
            "y_score", f"is a GPU array of {s.dtype} with shape {s.shape}; the GPU backend "
                       "takes 1-D float32 or float64 scores", fix="Cast on the device"))
    return s


def _device_pair(y_true, second, second_name: str):
    """CuPy labels (and whether they were boolean) and the second input, checked alike.

    Both are GPU arrays (``backend_of`` said so), with the same number of
    rows, at least one.
    """
    require_cupy()
    t, t_bool = _labels(y_true, "y_true")
    other = _scores(second) if second_name == "y_score" else _labels(second, second_name)[0]
    if t.shape[0] != other.shape[0]:
        raise LengthMismatchError(format_message(
            second_name, f"has {other.shape[0]} rows but y_true has {t.shape[0]}",
            fix="Pass the same rows for both"))
    if t.shape[0] == 0:
        raise EmptyInputError(format_message("y_true", "is empty", fix="Pass at least one row"))
    return t, t_bool, other


def _identity(k: int) -> np.ndarray:
    """The lookup of the GPU kernels: class code = value - offset."""
    return np.arange(k, dtype=np.int64)


def _binary_counts(t, p):
    """(2, 2) counts of one-byte 0/1 labels from four sums, or None if a value is above 1."""
    from ..kernels.gpu import confusion as gpu_kernels
    if t.data.ptr % 16 or p.data.ptr % 16:  # the sum kernel loads 16 bytes at a time
        return None
    n, st, sp, both, bits, _ = gpu_kernels.binary_confusion_sums(t, p)
    if bits > 1:
        return None
    return np.array([[n - st - sp + both, sp - both], [st - both, both]], dtype=np.int64)


#: Labels 0 .. GUESS - 1 (the usual class codes) are counted in one pass without first
#: finding the smallest and largest label (two more passes over the data).
GUESS = 32


def _kernel_dtype(a):
    return a.dtype if a.dtype in (np.int8, np.uint8, np.int16, np.int32,
                                  np.int64) else np.dtype(np.int64)


def _small_label_counts(t, p):
    """(counts, 0) if every label is in [0, GUESS), counted in one pass; else (None, 0)."""
    from ..kernels.gpu import confusion as gpu_kernels
    kd = _kernel_dtype(t)
    lookup = _identity(GUESS)
    dense, _, _ = gpu_kernels.confusion_counts(t.astype(kd, copy=False),
                                               p.astype(kd, copy=False), lookup, lookup,
                                               0, 0, GUESS)
    counts = dense.get()[0]  # one synchronization
    if int(counts.sum()) != t.shape[0]:  # rows outside [0, GUESS) are left out
        return None, 0
    return counts, 0


def device_confusion_counts(y_true, y_pred):
    """The classes and confusion counts of labels on a GPU, counted there.

    Parameters
    ----------
    y_true, y_pred : device arrays of shape (n,)
        Integer or boolean labels (CuPy, or any array with
        ``__cuda_array_interface__`` or CUDA DLPack), both on the GPU.

    Returns
    -------
    classes : ndarray
        The labels present, sorted, in the labels' dtype (bool if both are).
    counts : ndarray of int64, shape (1, K, K)
        Equal to the CPU backend's counts of the same labels (exact).
    """
    from ..kernels.gpu import confusion as gpu_kernels
    cupy = require_cupy()
    t, t_bool, p = _device_pair(y_true, y_pred, "y_pred")
    p_bool = as_cupy(y_pred, "y_pred").dtype == np.bool_
    out_dtype = np.result_type(t.dtype, p.dtype) if not (t_bool and p_bool) else np.bool_
    if t.dtype != p.dtype:
        common = np.result_type(t.dtype, p.dtype)
        if common.kind == "f":  # int64 with uint64: no integer type holds both
            raise InputTypeError(format_message(
                "y_pred", f"mixes {t.dtype} and {p.dtype} labels", fix="Cast both to int64"))
        t, p = t.astype(common), p.astype(common)
    counts = None
    if t.dtype.itemsize == 1:
        counts = _binary_counts(t, p)
        lo = 0
    if counts is None:
        counts, lo = _small_label_counts(t, p)
    if counts is None:
        bounds = cupy.stack([t.min(), p.min(), t.max(), p.max()]).astype(np.int64).get()
        lo, hi = int(min(bounds[:2])), int(max(bounds[2:]))
        k = hi - lo + 1
        if k * k <= gpu_kernels.SHARED_CELLS_MAX:
            kd = _kernel_dtype(t)
            dense, _, _ = gpu_kernels.confusion_counts(
                t.astype(kd, copy=False), p.astype(kd, copy=False), _identity(k),
                _identity(k), lo, lo, k)
            counts = dense.get()[0]
        else:
            # sparse labels: code them by their sorted distinct values first
            values = cupy.unique(cupy.concatenate([t, p]))
            k = int(values.shape[0])
            tc = cupy.searchsorted(values, t).astype(np.int32)
            pc = cupy.searchsorted(values, p).astype(np.int32)
            if k * k <= gpu_kernels.SHARED_CELLS_MAX:
                dense, _, _ = gpu_kernels.confusion_counts(tc, pc, _identity(k), _identity(k),
                                                           0, 0, k)
                counts = dense.get()[0]
            else:
                counts = cupy.bincount(tc.astype(np.int64) * k + pc,
                                       minlength=k * k).get().astype(np.int64).reshape(k, k)
            present = (counts.sum(axis=0) + counts.sum(axis=1)) > 0
            classes = values.get().astype(out_dtype)[present]
            return classes, counts[np.ix_(present, present)][None]
    k = counts.shape[0]
    present = (counts.sum(axis=0) + counts.sum(axis=1)) > 0
    classes = np.arange(lo, lo + k).astype(out_dtype)[present]
    return classes, counts[np.ix_(present, present)][None]


def device_binary_areas(y_true, y_score, positive_class=None):
    """ROC AUC and AP sums of labels and scores on a GPU, or None where the host must do it.

    Returns ``(classes, twice_area, n_neg, n_pos, ap_sum)``, the fields of
    :class:`~fastmetrics.ranking.state.BinaryAreas`, when both classes are present;
    None for one class only or more than two (the host path then gives the
    metric's own warning or error on the gathered arrays).
    """
    from ..kernels.gpu import ranking as gpu_ranking
    cupy = require_cupy()
    t, t_bool, s = _device_pair(y_true, y_score, "y_score")
    n_bad, first_bad = gpu_ranking.count_nonfinite(s)
    if n_bad:
        raise InvalidInputError(format_message(
            "y_score", "contains NaN or infinity", row=first_bad,
            fix="Scores must be finite: drop or impute those rows"))
    if positive_class is not None:
        positive = (t == positive_class).view(np.uint8)
        classes = np.array([False, True])
    else:
        lo, hi = (int(v) for v in cupy.stack([t.min(), t.max()]).get())
        if lo == hi or int(cupy.count_nonzero((t != lo) & (t != hi)).get()):
            return None
        positive = (t == hi).view(np.uint8)
        classes = np.array([lo, hi]).astype(np.bool_ if t_bool else t.dtype)
    twice, n_pos, n_neg, ap_sum = gpu_ranking.distinct_score_areas(s, positive)
    if n_pos == 0 or n_neg == 0:
        return None
    return classes, twice, n_neg, n_pos, ap_sum


def device_binned_counts(y_true, y_score, grid, count):
    """The classes and binned counts of 1-D labels and scores on a GPU.

    ``grid`` and ``count`` are :func:`fastmetrics.binned.state.check_thresholds`'
    output. Labels are integer or boolean (at most 64 distinct consecutive
    values: class codes). Returns ``(classes, counts)``: the classes present
    and their int64 counts of shape (1, K, T + 1), equal to the CPU backend's.
    """
    from ..kernels.cpu.binning import FINITE
    from ..kernels.gpu import binning as gpu_binning
    cupy = require_cupy()
    t, t_bool, s = _device_pair(y_true, y_score, "y_score")
    lo, hi = (int(v) for v in cupy.stack([t.min(), t.max()]).astype(np.int64).get())
    k = hi - lo + 1
    if k > 64 or gpu_binning.shared_bytes(grid.size, k) > gpu_binning.SHARED_BYTES_MAX:
        raise InvalidParameterError(format_message(
            "thresholds", f"with {grid.size} thresholds and labels spanning {k} values, the "
                          "GPU histograms do not fit in shared memory",
            fix="Use fewer thresholds, class codes 0..K-1, or host arrays"))
    lo_ok, hi_ok = (0.0, 1.0) if count is not None else (-FINITE, FINITE)
    counts, _, first_bad, _ = gpu_binning.score_bins(t, _identity(k), lo, k, s, grid,
                                                     lo_ok, hi_ok)
    if first_bad >= 0:
        value = float(s[first_bad].get())
        finite = bool(np.isfinite(value))
        problem = (f"holds {value!r}, outside [0, 1]; thresholds={count} spaces thresholds "
                   "over [0, 1]" if finite else "contains NaN or infinity")
        raise InvalidInputError(format_message(
            "y_score", problem, row=first_bad,
            fix="Pass probabilities or an explicit array of thresholds" if finite
            else "Scores must be finite: drop or impute those rows"))
    counts = counts.get()[0]
    present = counts.sum(axis=1) > 0
    classes = np.arange(lo, hi + 1).astype(np.bool_ if t_bool else t.dtype)[present]
    return classes, counts[present][None]

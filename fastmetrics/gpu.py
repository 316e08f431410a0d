"""The GPU backend: metrics of arrays that live on an NVIDIA GPU, computed there.

Arrays already on a GPU (CuPy arrays, and torch/JAX/other device arrays
through ``__cuda_array_interface__`` or DLPack) are counted on their device
by the CuPy kernels of ``kernels/gpu``; only the small state (a K x K table)
comes back to the host, and every metric finalizes from it as on the CPU.

``import fastmetrics`` never imports CuPy: this module only looks at an
array's attributes until a device array actually arrives. Asking for the GPU
without CuPy gives a :class:`~fastmetrics.exceptions.MissingDependencyError`
that names the extra to install.

Status: confusion-matrix states of integer or boolean labels (the whole
confusion family through ``confusion_state``, and so its bootstrap, which
resamples the state on the host), and the exact ROC AUC and average
precision of a binary target (one device sort of packed keys), and binned
curves' histograms of 1-D scores (``thresholds=``). Weights,
groups, thresholds, curves and multiclass scores on the device are not built
yet and say so.

Examples
--------
>>> from fastmetrics.gpu import is_device_array
>>> import numpy as np
>>> is_device_array(np.zeros(3))
False
"""

from __future__ import annotations

import numpy as np

from .exceptions import (EmptyInputError, InputTypeError, InvalidInputError,
                         InvalidParameterError, LengthMismatchError, MissingDependencyError,
                         format_message)
from .states import ConfusionState

__all__ = ["is_device_array", "require_cupy", "as_cupy", "device_confusion_state",
           "device_binary_areas", "device_binned_state", "refuse_device_arrays"]

#: DLPack's device type of CUDA memory (kDLCUDA); 13 is managed memory (kDLCUDAManaged).
_DLPACK_CUDA = (2, 13)


def is_device_array(x) -> bool:
    """Whether ``x`` holds its data in GPU memory (checked without importing CuPy)."""
    if x is None or isinstance(x, (str, np.ndarray)):
        return False
    if hasattr(x, "__cuda_array_interface__"):
        return True
    device = getattr(x, "__dlpack_device__", None)
    if device is not None:
        try:
            return device()[0] in _DLPACK_CUDA
        except Exception:  # an object that cannot tell: not a GPU array we can read
            return False
    return False


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

    Both must be on the GPU, with the same number of rows, at least one.
    """
    for name, value in (("y_true", y_true), (second_name, second)):
        if not is_device_array(value):
            raise InputTypeError(format_message(
                name, "is a host array while the other input is on the GPU",
                fix="Put both on the same device (cupy.asarray(...) or .get())"))
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


def _binary_counts(cupy, t, p):
    """(2, 2) counts of one-byte 0/1 labels from four sums, or None if a value is above 1."""
    from .kernels.gpu import confusion as gpu_kernels
    aligned = t.data.ptr % 16 == 0 and p.data.ptr % 16 == 0
    if not aligned:
        return None
    n, st, sp, both, bad = (int(v) for v in gpu_kernels.binary_sums(t, p).get())
    if bad:
        return None
    return np.array([[n - st - sp + both, sp - both], [st - both, both]], dtype=np.int64)


#: Labels 0 .. GUESS - 1 (the usual class codes) are counted in one pass without first
#: finding the smallest and largest label (two more passes over the data).
GUESS = 32


def _kernel_dtype(a):
    return a.dtype if a.dtype in (np.int8, np.uint8, np.int16, np.int32,
                                  np.int64) else np.dtype(np.int64)


def _small_label_counts(cupy, t, p):
    """(counts, 0) if every label is in [0, GUESS), counted in one pass; else (None, 0)."""
    from .kernels.gpu import confusion as gpu_kernels
    kd = _kernel_dtype(t)
    dense, bad = gpu_kernels.confusion_counts(t.astype(kd, copy=False), p.astype(kd, copy=False),
                                              GUESS, 0, 0)
    both = cupy.concatenate([dense.ravel(), bad]).get()  # one synchronization
    if both[-1]:
        return None, 0
    return both[:-1].astype(np.int64).reshape(GUESS, GUESS), 0


def device_confusion_state(y_true, y_pred, *, sample_weight=None, groups=None,
                           threshold=None) -> ConfusionState:
    """The :class:`~fastmetrics.ConfusionState` of labels on a GPU, counted there.

    Parameters
    ----------
    y_true, y_pred : device arrays of shape (n,)
        Integer or boolean labels (CuPy, or any array with
        ``__cuda_array_interface__`` or CUDA DLPack). Both must be on the GPU.

    Returns
    -------
    ConfusionState
        Equal to the CPU backend's state of the same labels (exact counts).
    """
    from .kernels.gpu import confusion as gpu_kernels
    for name, value in (("sample_weight", sample_weight), ("groups", groups),
                        ("threshold", threshold)):
        if value is not None:
            raise InvalidParameterError(format_message(
                name, "is not supported by the GPU backend yet",
                fix="Drop it, or pass host (numpy/Arrow) arrays to compute on the CPU"))
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
        counts = _binary_counts(cupy, t, p)
        lo = 0
    if counts is None:
        counts, lo = _small_label_counts(cupy, t, p)
    if counts is None:
        bounds = cupy.stack([t.min(), p.min(), t.max(), p.max()]).astype(np.int64).get()
        lo, hi = int(min(bounds[:2])), int(max(bounds[2:]))
        k = hi - lo + 1
        if k * k <= gpu_kernels.SHARED_CELLS_MAX:
            kd = _kernel_dtype(t)
            dense, _ = gpu_kernels.confusion_counts(t.astype(kd, copy=False),
                                                    p.astype(kd, copy=False), k, lo, lo)
            counts = dense.get().astype(np.int64)
        else:
            # sparse labels: code them by their sorted distinct values first
            values = cupy.unique(cupy.concatenate([t, p]))
            k = int(values.shape[0])
            tc = cupy.searchsorted(values, t).astype(np.int32)
            pc = cupy.searchsorted(values, p).astype(np.int32)
            if k * k <= gpu_kernels.SHARED_CELLS_MAX:
                dense, _ = gpu_kernels.confusion_counts(tc, pc, k, 0, 0)
                counts = dense.get().astype(np.int64)
            else:
                counts = cupy.bincount(tc.astype(np.int64) * k + pc,
                                       minlength=k * k).get().astype(np.int64).reshape(k, k)
            present = (counts.sum(axis=0) + counts.sum(axis=1)) > 0
            classes = values.get().astype(out_dtype)[present]
            return ConfusionState(classes, counts[np.ix_(present, present)][None])
    k = counts.shape[0]
    present = (counts.sum(axis=0) + counts.sum(axis=1)) > 0
    classes = np.arange(lo, lo + k).astype(out_dtype)[present]
    return ConfusionState(classes, counts[np.ix_(present, present)][None])


def refuse_device_arrays(what: str, *arrays) -> None:
    """An error for a function that has no GPU path yet, instead of a confusing one."""
    for name, value in arrays:
        if is_device_array(value):
            raise InputTypeError(format_message(
                name, f"is a GPU array, and {what} has no GPU backend yet",
                fix="Pass host arrays (e.g. array.get() for CuPy)"))


def device_binary_areas(y_true, y_score, positive_class=None):
    """ROC AUC and AP sums of labels and scores on a GPU, or None where the host must do it.

    Returns a :class:`~fastmetrics.build.BinaryAreas` when both classes are
    present; None for one class only or more than two (the host path then
    gives the metric's own warning or error on the gathered arrays).
    """
    from .build import BinaryAreas
    from .kernels.gpu import ranking as gpu_ranking
    cupy = require_cupy()
    t, t_bool, s = _device_pair(y_true, y_score, "y_score")
    if positive_class is not None:
        positive = (t == positive_class).view(np.uint8)
        classes = np.array([False, True])
    else:
        lo, hi = (int(v) for v in cupy.stack([t.min(), t.max()]).get())
        if lo == hi or int(cupy.count_nonzero((t != lo) & (t != hi)).get()):
            return None
        positive = (t == hi).view(np.uint8)
        classes = np.array([lo, hi]).astype(np.bool_ if t_bool else t.dtype)
    twice, n_neg, n_pos, ap_sum, n_nan = gpu_ranking.binary_areas(s, positive)
    if n_nan:
        raise InvalidInputError(format_message(
            "y_score", f"contains {n_nan} NaN score(s)", fix="Scores must be finite: drop or "
                                                            "impute those rows"))
    if n_pos == 0 or n_neg == 0:
        return None
    return BinaryAreas(classes, twice, n_neg, n_pos, ap_sum)


def device_binned_state(y_true, y_score, grid, count):
    """The :class:`~fastmetrics.BinnedScoreState` of 1-D labels and scores on a GPU.

    ``grid`` and ``count`` are :func:`fastmetrics.binned.check_thresholds`'
    output. Labels are integer or boolean (at most 64 distinct consecutive
    values: class codes); the state equals the CPU backend's.
    """
    from .binned import BinnedScoreState
    from .kernels.gpu import binning as gpu_binning
    cupy = require_cupy()
    t, t_bool, s = _device_pair(y_true, y_score, "y_score")
    lo, hi = (int(v) for v in cupy.stack([t.min(), t.max()]).astype(np.int64).get())
    k = hi - lo + 1
    if k > 64 or gpu_binning.shared_bytes(grid.size, k) > gpu_binning.SHARED_BYTES_MAX:
        raise InvalidParameterError(format_message(
            "thresholds", f"with {grid.size} thresholds and labels spanning {k} values, the "
                          "GPU histograms do not fit in shared memory",
            fix="Use fewer thresholds, class codes 0..K-1, or host arrays"))
    codes = (t.astype(np.int64) - lo).astype(np.int32)
    counts, bad = gpu_binning.binned_counts(s, codes, cupy.asarray(grid), k, count is not None)
    n_nan, n_outside = (int(v) for v in bad.get())
    if n_nan or n_outside:
        wrong = ~((s >= 0) & (s <= 1)) if n_outside else cupy.isnan(s)
        row = int(cupy.flatnonzero(wrong)[0].get())
        problem = ("contains NaN or infinity" if n_nan else
                   f"holds {float(s[row].get())!r}, outside [0, 1]; thresholds={count} spaces "
                   "thresholds over [0, 1]")
        raise InvalidInputError(format_message(
            "y_score", problem, row=row,
            fix="Pass probabilities or an explicit array of thresholds" if n_outside
            else "Scores must be finite: drop or impute those rows"))
    counts = counts.get().astype(np.int64)
    present = counts.sum(axis=1) > 0
    classes = np.arange(lo, hi + 1).astype(np.bool_ if t_bool else t.dtype)[present]
    return BinnedScoreState(grid, counts[present][None], None, classes, False)

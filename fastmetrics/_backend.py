"""The backend seam: which backend computes a call, and what the GPU does not do yet.

Arrays already on an NVIDIA GPU (CuPy arrays, torch CUDA tensors, anything with
``__cuda_array_interface__`` or CUDA DLPack) are computed on the device by the
few builders that have a GPU path (:mod:`fastmetrics._core.gpu`). Those builders ask
:func:`backend_of` which backend the arguments call for; it is the one place
that decides, and it refuses host and GPU arrays mixed in one call.

Everything else the GPU backend does not do yet is refused here, in one
wording with one fix, rather than by copying the array to the host behind the
caller's back or by a vague error from reading it as a host array:
:func:`refuse_device` for a GPU array where there is no GPU path (every role
the input layer reads passes through it), :func:`refuse_options` for an option
that a GPU path does not take yet (the table :data:`GPU_UNSUPPORTED_OPTIONS`).

This module only reads attributes: it never imports CuPy, so ``import
fastmetrics`` does not either.

Examples
--------
>>> import numpy as np
>>> from fastmetrics._backend import backend_of
>>> backend_of(y_true=np.zeros(3), y_pred=[0, 1, 1])
'cpu'
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np

from .exceptions import InputTypeError, InvalidParameterError, format_message

__all__ = ["CPU", "CUDA", "GPU_COMPUTES", "GPU_UNSUPPORTED_OPTIONS", "is_device_array",
           "backend_of", "refuse_device", "refuse_options"]

CPU = "cpu"
CUDA = "cuda"

#: What the GPU backend computes today, named in every refusal so that the caller
#: knows what stays on the device.
GPU_COMPUTES = ("the confusion-matrix metrics of integer or boolean labels, binary "
                "roc_auc_score and average_precision_score, and binned curves "
                "(thresholds=) of 1-D scores")

#: The options each GPU path does not take yet (given with GPU arrays, they are
#: refused by :func:`refuse_options`, never ignored).
GPU_UNSUPPORTED_OPTIONS = {
    "confusion_state": ("sample_weight", "groups", "threshold"),
    "binned_score_state": ("sample_weight",),
}

#: DLPack's device type of CUDA memory (kDLCUDA); 13 is managed memory (kDLCUDAManaged).
_DLPACK_CUDA = (2, 13)

_TO_HOST = "cupy.asnumpy(x), or x.cpu() for a torch tensor"


def is_device_array(x) -> bool:
    """Whether ``x`` holds its data in GPU memory (checked without importing CuPy).

    Examples
    --------
    >>> import numpy as np
    >>> is_device_array(np.zeros(3)), is_device_array([1, 2])
    (False, False)
    """
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


def backend_of(**arrays) -> str:
    """The backend the arguments call for: ``"cuda"`` if they are on a GPU, else ``"cpu"``.

    Parameters
    ----------
    **arrays
        The call's data arguments by name (``y_true=..., y_pred=...``): GPU
        arrays, host array-likes, or ``None``.

    Returns
    -------
    str
        ``"cuda"`` when every argument is a GPU array, ``"cpu"`` when none is.

    Raises
    ------
    InputTypeError
        Some arguments are on the GPU and others are not (``None`` included):
        one call computes on one device.

    Examples
    --------
    >>> backend_of(y_true=[0, 1], y_score=[0.2, 0.9])
    'cpu'
    """
    on_device = {name: is_device_array(value) for name, value in arrays.items()}
    if not any(on_device.values()):
        return CPU
    for name, device in on_device.items():
        if not device:
            what = "None" if arrays[name] is None else "a host array"
            raise InputTypeError(format_message(
                name, f"is {what} while the other input is on the GPU",
                fix="Put both on the same device (cupy.asarray(x) to the GPU, "
                    f"{_TO_HOST} to the host)"))
    return CUDA


def refuse_device(argument: str, what: str | None = None) -> NoReturn:
    """Raise the error for a GPU array given where there is no GPU path yet.

    Parameters
    ----------
    argument : str
        The argument (or column) that holds the GPU array.
    what : str, optional
        The function or feature that has no GPU path; "this function" if not given.

    Raises
    ------
    InputTypeError
        Always, with the one wording: what has no GPU backend, and what to do.

    Examples
    --------
    >>> refuse_device("y_true", "score_state (exact curves)")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fastmetrics.exceptions.InputTypeError: y_true: is a GPU array, and score_state ...
    """
    raise InputTypeError(format_message(
        argument, f"is a GPU array, and {what or 'this function'} has no GPU backend yet",
        fix=f"Copy the arrays to the host first ({_TO_HOST}); the GPU computes "
            f"{GPU_COMPUTES}"))


def refuse_options(path: str, **options) -> None:
    """Refuse the options a GPU path does not take yet, if given (not ``None``).

    Parameters
    ----------
    path : str
        The GPU path, a key of :data:`GPU_UNSUPPORTED_OPTIONS`.
    **options
        The call's values of those options.

    Raises
    ------
    InvalidParameterError
        For the first option given, in the same wording as :func:`refuse_device`.

    Examples
    --------
    >>> refuse_options("confusion_state", sample_weight=None, groups=None, threshold=None)
    >>> refuse_options("confusion_state", sample_weight=[1.0, 2.0], groups=None,
    ...                threshold=None)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fastmetrics.exceptions.InvalidParameterError: sample_weight: is not supported with ...
    """
    unsupported = GPU_UNSUPPORTED_OPTIONS[path]
    if set(options) != set(unsupported):  # a programming error: keep the table true
        raise TypeError(f"refuse_options({path!r}) takes {unsupported}, got {tuple(options)}")
    for name in unsupported:
        if options[name] is not None:
            raise InvalidParameterError(format_message(
                name, f"is not supported with GPU arrays: {path} with {name} has no GPU "
                      "backend yet",
                fix=f"Drop {name}, or copy the arrays to the host first ({_TO_HOST}); the "
                    f"GPU computes {GPU_COMPUTES}"))

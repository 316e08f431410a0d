"""Curve arithmetic that the exact (ranking) and binned families share.

The ROC AUC's ``max_fpr`` check, McClish's standardized partial area, and the
reversal of ascending sums into scikit-learn's descending-threshold order.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InvalidInputError, InvalidParameterError, format_message


def check_max_fpr(max_fpr):
    """``max_fpr`` of the (binned) ROC AUC: None or in (0, 1]."""
    if max_fpr is not None and not (isinstance(max_fpr, (int, float, np.floating))
                                    and not isinstance(max_fpr, bool) and 0 < max_fpr <= 1):
        raise InvalidParameterError(format_message(
            "max_fpr", f"must be in (0, 1] or None, got {max_fpr!r}"))


def mcclish(fpr, tpr, max_fpr):
    """Standardized partial AUC up to ``max_fpr`` (McClish), as scikit-learn computes it."""
    stop = np.searchsorted(fpr, max_fpr, "right")
    if stop == 0:  # NaN rates: scikit-learn's auc() refuses the single point left
        raise InvalidInputError(format_message(
            "sample_weight", "leaves a class without weight, so the partial ROC AUC is "
                             "undefined", fix="Give rows of both classes a positive weight"))
    x_interp = [fpr[stop - 1], fpr[stop]]
    y_interp = [tpr[stop - 1], tpr[stop]]
    tpr = np.append(tpr[:stop], np.interp(max_fpr, x_interp, y_interp))
    fpr = np.append(fpr[:stop], max_fpr)
    partial_auc = float(np.trapezoid(tpr, fpr))
    # 0.5 for a non-discriminant model, 1 for a perfect one
    min_area = 0.5 * max_fpr ** 2
    max_area = max_fpr
    return 0.5 * (1 + (partial_auc - min_area) / (max_area - min_area))


def descending(a):
    return np.ascontiguousarray(a[::-1])

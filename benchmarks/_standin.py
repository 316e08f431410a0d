"""A plain-numpy stand-in for the fastmetrics API, used by ``--selftest``.

It lets the harness be proven end to end (check, timing, memory, cold start,
report files) without importing fastmetrics, which may not exist yet or may
be broken mid-development. It implements just what the confusion benchmarks
call, with sklearn's semantics for those calls, on ``np.bincount``. It is not
a reference implementation: ``kernels/reference.py`` is.
"""

from __future__ import annotations

import numpy as np

__all__ = ["classification_report", "cohen_kappa_score", "confusion_matrix", "f1_score",
           "matthews_corrcoef"]


def _to_numpy(y):
    """numpy view of y; an Arrow dictionary array becomes its label values."""
    if hasattr(y, "dictionary") and hasattr(y, "indices"):
        return y.dictionary.to_numpy(zero_copy_only=False)[y.indices.to_numpy()]
    return np.asarray(y)


def _encode(y_true, y_pred):
    """Return (codes_true, codes_pred, labels) with sklearn's sorted label set."""
    t, p = _to_numpy(y_true), _to_numpy(y_pred)
    if t.dtype.kind in "iu" and p.dtype.kind in "iu":
        lo = int(min(t.min(), p.min()))
        present = (np.bincount(t - lo) > 0)
        present_p = np.bincount(p - lo) > 0
        width = max(len(present), len(present_p))
        present = np.pad(present, (0, width - len(present))) | \
            np.pad(present_p, (0, width - len(present_p)))
        labels = np.flatnonzero(present) + lo
        remap = np.cumsum(present) - 1
        return remap[t - lo], remap[p - lo], labels
    labels, codes = np.unique(np.concatenate([t, p]), return_inverse=True)
    return codes[: len(t)], codes[len(t):], labels


def _counts(y_true, y_pred, sample_weight=None):
    ct, cp, labels = _encode(y_true, y_pred)
    k = len(labels)
    cm = np.bincount(ct * k + cp, weights=sample_weight, minlength=k * k).reshape(k, k)
    return (cm if sample_weight is not None else cm.astype(np.int64)), labels


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None,
                     threshold=None):
    """Confusion matrix with sklearn's semantics (``labels``/``normalize`` unsupported)."""
    if labels is not None or normalize is not None:
        raise NotImplementedError("stand-in supports labels=None, normalize=None only")
    if threshold is not None:
        y_pred = (np.asarray(y_pred) >= threshold).astype(np.int8)
    return _counts(y_true, y_pred, sample_weight)[0]


def _prf(cm):
    tp = np.diag(cm).astype(np.float64)
    pred, true = cm.sum(axis=0), cm.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pred > 0, tp / pred, 0.0)
        recall = np.where(true > 0, tp / true, 0.0)
        denom = precision + recall
        f1 = np.where(denom > 0, 2 * precision * recall / denom, 0.0)
    return precision, recall, f1, true


def f1_score(y_true, y_pred, *, average="binary"):
    """F1; ``average="macro"`` only."""
    if average != "macro":
        raise NotImplementedError("stand-in supports average='macro' only")
    cm, _ = _counts(y_true, y_pred)
    tp = np.diag(cm)
    denom = 2 * tp + (cm.sum(axis=0) - tp) + (cm.sum(axis=1) - tp)
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    return float(np.mean(f1))


def classification_report(y_true, y_pred, *, output_dict=False):
    """``output_dict=True`` only; same keys and numbers as sklearn's."""
    if not output_dict:
        raise NotImplementedError("stand-in supports output_dict=True only")
    cm, labels = _counts(y_true, y_pred)
    precision, recall, f1, support = _prf(cm)
    n = int(support.sum())
    report = {str(lab): {"precision": float(precision[i]), "recall": float(recall[i]),
                         "f1-score": float(f1[i]), "support": float(support[i])}
              for i, lab in enumerate(labels)}
    report["accuracy"] = float(np.trace(cm) / n)
    for name, w in (("macro avg", None), ("weighted avg", support)):
        report[name] = {"precision": float(np.average(precision, weights=w)),
                        "recall": float(np.average(recall, weights=w)),
                        "f1-score": float(np.average(f1, weights=w)),
                        "support": float(n)}
    return report


def matthews_corrcoef(y_true, y_pred):
    """Multiclass MCC from the confusion matrix (sklearn's formula)."""
    cm = _counts(y_true, y_pred)[0].astype(np.float64)
    t, p, n = cm.sum(axis=1), cm.sum(axis=0), cm.sum()
    cov_tp = np.trace(cm) * n - t @ p
    cov_pp = n * n - p @ p
    cov_tt = n * n - t @ t
    return float(cov_tp / np.sqrt(cov_tt * cov_pp)) if cov_tt * cov_pp else 0.0


def cohen_kappa_score(y_true, y_pred, *, weights=None):
    """Cohen's kappa; ``weights`` None, ``"linear"`` or ``"quadratic"``."""
    cm = _counts(y_true, y_pred)[0].astype(np.float64)
    k = cm.shape[0]
    expected = np.outer(cm.sum(axis=1), cm.sum(axis=0)) / cm.sum()
    i = np.arange(k)
    if weights is None:
        w = 1.0 - np.eye(k)
    elif weights == "linear":
        w = np.abs(i[:, None] - i[None, :]).astype(np.float64)
    else:
        w = ((i[:, None] - i[None, :]) ** 2).astype(np.float64)
    return float(1.0 - (w * cm).sum() / (w * expected).sum())

"""Public metric functions, one module per family.

Every function has scikit-learn's name, signature and semantics, plus
``threshold=``, ``data=`` and ``drop_nulls=``; each carries its finalizer as
``function.from_state(state, ...)``, typed as :class:`Metric` for type
checkers and named in each function's "See Also" section.
"""

from ._common import Metric  # noqa: F401 - the type of every public metric (not a metric)
from .agreement import (accuracy_score, balanced_accuracy_score, cohen_kappa_score,
                        hamming_loss, matthews_corrcoef, zero_one_loss)
from .confusion import confusion_matrix, multilabel_confusion_matrix
from .prf import (f1_score, fbeta_score, jaccard_score, negative_predictive_value_score,
                  precision_recall_fscore_support, precision_score, recall_score,
                  specificity_score)
from .calibration import (ReliabilityDiagram, calibration_curve, expected_calibration_error,
                          maximum_calibration_error, reliability_diagram)
from .curves import det_curve, precision_recall_curve, roc_curve
from .ranking import average_precision_score, roc_auc_score
from .losses import brier_score_loss, log_loss
from .report import classification_report
from .topk import top_k_accuracy_score
from .thresholds import (OperatingPoint, best_fbeta_threshold, operating_point,
                         precision_at_recall, recall_at_precision, youden_threshold)

__all__ = [
    "accuracy_score", "balanced_accuracy_score", "classification_report",
    "cohen_kappa_score", "confusion_matrix", "f1_score", "fbeta_score", "hamming_loss",
    "jaccard_score", "matthews_corrcoef", "multilabel_confusion_matrix",
    "negative_predictive_value_score", "precision_recall_fscore_support", "precision_score",
    "recall_score", "specificity_score", "zero_one_loss",
    "precision_recall_curve", "roc_curve", "det_curve", "roc_auc_score",
    "average_precision_score", "calibration_curve", "expected_calibration_error",
    "maximum_calibration_error", "reliability_diagram", "ReliabilityDiagram", "log_loss",
    "brier_score_loss",
    "top_k_accuracy_score",
    "OperatingPoint", "best_fbeta_threshold", "youden_threshold", "precision_at_recall",
    "recall_at_precision", "operating_point",
]

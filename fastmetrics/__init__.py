"""fastmetrics: fast, exact evaluation of classifiers.

scikit-learn compatible metrics computed by Numba kernels over numpy and Arrow
inputs, built on small mergeable states (see :class:`ConfusionState`).

>>> import fastmetrics as fm
>>> fm.f1_score([0, 1, 1, 0], [0, 1, 0, 0])
0.6666666666666666

``import fastmetrics`` never imports CuPy, Dask, matplotlib or torch.
"""

from . import exceptions
from ._core.metric import Metric
from ._core.state import State
from .exceptions import FastMetricsError, NullsDroppedWarning, UndefinedMetricWarning

# the families: state, builder, finalizers
from .confusion.state import ConfusionState, MultilabelState
from .confusion.build import confusion_state, multilabel_state
from .confusion.matrix import confusion_matrix, multilabel_confusion_matrix
from .confusion.prf import (f1_score, fbeta_score, jaccard_score,
                            negative_predictive_value_score, precision_recall_fscore_support,
                            precision_score, recall_score, specificity_score)
from .confusion.agreement import (accuracy_score, balanced_accuracy_score, cohen_kappa_score,
                                  hamming_loss, matthews_corrcoef, zero_one_loss)
from .confusion.report import classification_report
from .ranking.state import MulticlassScoreState, MultilabelScoreState, ScoreState
from .ranking.build import score_state
from .ranking.build_multiclass import multiclass_score_state
from .ranking.curves import det_curve, precision_recall_curve, roc_curve
from .ranking.auc import average_precision_score, roc_auc_score
from .ranking.out_of_core import ExactRanking, out_of_core_ranking
from .ranking.thresholds import (OperatingPoint, best_fbeta_threshold, operating_point,
                                 precision_at_recall, recall_at_precision, youden_threshold)
from .binned.state import BinnedScoreState
from .binned.build import binned_score_state
from .binned.curves import (binned_average_precision, binned_average_precision_bound,
                            binned_roc_auc, binned_roc_auc_bound)
from .calibration.state import CalibrationState
from .calibration.build import calibration_state
from .calibration.metrics import (ReliabilityDiagram, calibration_curve,
                                  expected_calibration_error, maximum_calibration_error,
                                  reliability_diagram)
from .losses.state import LossState
from .losses.build import loss_state
from .losses.metrics import brier_score_loss, log_loss, row_losses
from .topk.state import TopKState
from .topk.build import top_k_state
from .topk.metrics import top_k_accuracy_score

# above the families: intervals and tests, then the evaluation job
from . import inference
from .inference import (BootstrapResult, ConfidenceInterval, PairedBootstrapResult, TestResult,
                        bootstrap, clopper_pearson_interval, delong_interval,
                        delong_roc_variance, delong_test, mcnemar_test, paired_bootstrap,
                        permutation_test, proportion_interval, wilson_interval,
                        paired_t_test, wilcoxon_signed_rank_test, adjust_pvalues,
                        AdjustedPValues, roc_band, pr_band, CurveBand,
                        operating_point_interval, OperatingPointInterval,
                        BagOfLittleBootstraps)
from .evaluation.job import Evaluation, evaluate

__version__ = "0.1.0"

#: scikit-learn has no such metric; aliases kept short for reports.
npv_score = negative_predictive_value_score

__all__ = [
    # the metric functions: each a Metric, finalized by its ``.from_state``
    "accuracy_score", "balanced_accuracy_score", "classification_report",
    "cohen_kappa_score", "confusion_matrix", "f1_score", "fbeta_score", "hamming_loss",
    "jaccard_score", "matthews_corrcoef", "multilabel_confusion_matrix",
    "negative_predictive_value_score", "precision_recall_fscore_support", "precision_score",
    "recall_score", "specificity_score", "zero_one_loss",
    "precision_recall_curve", "roc_curve", "det_curve", "roc_auc_score",
    "average_precision_score", "calibration_curve", "expected_calibration_error",
    "maximum_calibration_error", "reliability_diagram", "log_loss", "brier_score_loss",
    "top_k_accuracy_score", "best_fbeta_threshold", "youden_threshold", "precision_at_recall",
    "recall_at_precision", "operating_point",
    "npv_score", "Metric", "ReliabilityDiagram", "OperatingPoint",
    "confusion_state", "multilabel_state", "score_state", "calibration_state", "loss_state",
    "State", "ConfusionState", "MultilabelState", "ScoreState", "CalibrationState",
    "LossState",
    "multiclass_score_state", "MulticlassScoreState", "MultilabelScoreState",
    "binned_score_state", "BinnedScoreState", "binned_roc_auc", "binned_average_precision",
    "binned_roc_auc_bound", "binned_average_precision_bound",
    "evaluate", "Evaluation",
    "top_k_state", "TopKState",
    "inference", "ConfidenceInterval", "TestResult", "wilson_interval",
    "clopper_pearson_interval", "proportion_interval", "mcnemar_test", "delong_roc_variance",
    "delong_interval", "delong_test", "bootstrap", "BootstrapResult", "paired_bootstrap",
    "PairedBootstrapResult", "permutation_test", "paired_t_test",
    "wilcoxon_signed_rank_test", "adjust_pvalues", "AdjustedPValues", "row_losses",
    "roc_band", "pr_band", "CurveBand", "operating_point_interval", "OperatingPointInterval",
    "BagOfLittleBootstraps", "out_of_core_ranking", "ExactRanking",
    "FastMetricsError", "UndefinedMetricWarning", "NullsDroppedWarning", "exceptions",
    "__version__",
]

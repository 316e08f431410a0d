"""fastmetrics: fast, exact evaluation of classifiers.

scikit-learn compatible metrics computed by Numba kernels over numpy and Arrow
inputs, built on small mergeable states (see :class:`ConfusionState`).

>>> import fastmetrics as fm
>>> fm.f1_score([0, 1, 1, 0], [0, 1, 0, 0])
0.6666666666666666

``import fastmetrics`` never imports CuPy, Dask, matplotlib or torch.
"""

from . import exceptions
from ._state import State
from .binned import BinnedScoreState, binned_score_state
from .build import confusion_state, multilabel_state, score_state
from .calibration_build import calibration_state, loss_state
from .calibration_state import CalibrationState, LossState
from .evaluate import Evaluation, evaluate
from .exceptions import (FastMetricsError, NullsDroppedWarning, UndefinedMetricWarning)
from .metrics import *  # noqa: F401,F403 - the public metric functions
from .metrics import __all__ as _metric_names
from .multiclass_scores import (MulticlassScoreState, MultilabelScoreState,
                                multiclass_score_state)
from .metrics.curves import (binned_average_precision, binned_average_precision_bound,
                             binned_roc_auc, binned_roc_auc_bound)
from .states import ConfusionState, MultilabelState, ScoreState
from .metrics.topk import TopKState, top_k_state
from . import inference
from .inference import (BootstrapResult, ConfidenceInterval, PairedBootstrapResult, TestResult,
                        bootstrap, clopper_pearson_interval, delong_interval,
                        delong_roc_variance, delong_test, mcnemar_test, paired_bootstrap,
                        permutation_test, proportion_interval, wilson_interval)

__version__ = "0.1.0"

#: scikit-learn has no such metric; aliases kept short for reports.
npv_score = negative_predictive_value_score  # noqa: F405

__all__ = [
    *_metric_names, "npv_score",
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
    "PairedBootstrapResult", "permutation_test",
    "FastMetricsError", "UndefinedMetricWarning", "NullsDroppedWarning", "exceptions",
    "__version__",
]

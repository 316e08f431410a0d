"""fastmetrics: fast, exact evaluation of classifiers.

scikit-learn compatible metrics computed by Numba kernels over numpy and Arrow
inputs, built on small mergeable states (see :class:`ConfusionState`).

>>> import fastmetrics as fm
>>> fm.f1_score([0, 1, 1, 0], [0, 1, 0, 0])
0.6666666666666666

``import fastmetrics`` never imports CuPy, Dask, matplotlib or torch.
"""

from . import exceptions
from .build import confusion_state, multilabel_state, score_state
from .calibration_build import calibration_state, loss_state
from .calibration_state import CalibrationState, LossState
from .evaluate import Evaluation, evaluate
from .exceptions import (FastMetricsError, NullsDroppedWarning, UndefinedMetricWarning)
from .metrics import *  # noqa: F401,F403 - the public metric functions
from .metrics import __all__ as _metric_names
from .states import ConfusionState, MultilabelState, ScoreState

__version__ = "0.1.0"

#: scikit-learn has no such metric; aliases kept short for reports.
npv_score = negative_predictive_value_score  # noqa: F405

__all__ = [
    *_metric_names, "npv_score",
    "confusion_state", "multilabel_state", "score_state", "calibration_state", "loss_state",
    "ConfusionState", "MultilabelState", "ScoreState", "CalibrationState", "LossState",
    "evaluate", "Evaluation",
    "FastMetricsError", "UndefinedMetricWarning", "NullsDroppedWarning", "exceptions",
    "__version__",
]

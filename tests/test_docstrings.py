"""Run the examples in the docstrings of the public modules: docs that cannot rot."""

import doctest
import importlib

import pytest

MODULES = [
    "fastmetrics", "fastmetrics.exceptions", "fastmetrics._state", "fastmetrics.states", "fastmetrics.build",
    "fastmetrics.evaluate", "fastmetrics.datasets", "fastmetrics.metrics.confusion",
    "fastmetrics.metrics.prf", "fastmetrics.metrics.agreement", "fastmetrics.metrics.report",
    "fastmetrics.metrics.curves", "fastmetrics.metrics.ranking", "fastmetrics.calibration_state", "fastmetrics.calibration_build",
    "fastmetrics.metrics.calibration", "fastmetrics.metrics.losses", "fastmetrics.binned",
    "fastmetrics.metrics.topk", "fastmetrics.metrics.thresholds", "fastmetrics.multiclass_scores",
    "fastmetrics.inference", "fastmetrics.inference.results",
    "fastmetrics.inference.proportions", "fastmetrics.inference.mcnemar",
    "fastmetrics.inference.delong", "fastmetrics.inference.batched",
    "fastmetrics.inference.bootstrap", "fastmetrics.inference.compare",
    "fastmetrics.inference.intervals", "fastmetrics.inference.specs",
    "fastmetrics.kernels.cpu._blocks", "fastmetrics.kernels.cpu.small_inputs",
    "fastmetrics._backend", "fastmetrics.gpu",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no runnable examples"
    assert result.failed == 0

"""Run the examples in the docstrings of the public modules: docs that cannot rot."""

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _modules_with_examples() -> list[str]:
    """Every project module whose source holds a ``>>>`` example (found, not listed,
    so that a moved or new module cannot fall out of the doctests)."""
    found = []
    for folder, package in ((ROOT / "fastmetrics", "fastmetrics"),
                            (ROOT / "kernels", "fastmetrics.kernels")):
        for path in sorted(folder.rglob("*.py")):
            if ">>> " not in path.read_text():
                continue
            parts = list(path.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append(".".join([package] + parts))
    return found


MODULES = _modules_with_examples()


def test_the_public_modules_are_found():
    assert {"fastmetrics", "fastmetrics.confusion.prf", "fastmetrics.ranking.auc",
            "fastmetrics.calibration.metrics", "fastmetrics._core.state"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no runnable examples"
    assert result.failed == 0

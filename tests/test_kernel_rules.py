"""The rules every CPU kernel module follows (``kernels/cpu/_blocks.py``)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

from numba.core.registry import CPUDispatcher

import fastmetrics.kernels.cpu as cpu
from fastmetrics.kernels.cpu import _blocks


def _dispatchers():
    for info in pkgutil.iter_modules(cpu.__path__):
        module = importlib.import_module(f"{cpu.__name__}.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, CPUDispatcher) and value.__module__ == module.__name__:
                yield f"{info.name}.{name}", value


def test_every_kernel_is_cached_under_the_folder_stamp():
    """A kernel calling a jitted function of another file must not keep stale code:
    every dispatcher's cache is keyed on the whole folder (``_blocks.kernel``)."""
    found = dict(_dispatchers())
    assert len(found) > 100
    plain = [name for name, d in found.items() if not isinstance(d._cache, _blocks._KernelCache)]
    assert not plain, f"compiled without _blocks.kernel: {plain}"


def test_no_bare_njit_in_kernel_sources():
    """Only ``_blocks.kernel`` calls ``numba.njit`` (else the cache rule is bypassed)."""
    for path in Path(cpu.__file__).parent.glob("*.py"):
        if path.name == "_blocks.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            name = getattr(node, "id", None) or getattr(node, "attr", None)
            assert name not in ("njit", "jit"), f"{path.name}:{node.lineno} uses numba.{name}"


def test_stamp_changes_with_any_kernel_file(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("y = 2\n")
    before = _blocks.sources_stamp(tmp_path)
    assert _blocks.sources_stamp(tmp_path) == before
    (tmp_path / "b.py").write_text("y = 3\n")
    assert _blocks.sources_stamp(tmp_path) != before
    (tmp_path / "c.py").write_text("")
    assert len({before, _blocks.sources_stamp(tmp_path)}) == 2

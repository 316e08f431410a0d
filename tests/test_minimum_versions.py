"""The minimum versions that ``pyproject.toml`` declares are the ones tested.

``constraints/minimum.txt`` pins every declared floor (``numpy>=2.0`` ->
``numpy==2.0.0``); ``.ci/minimum`` installs the project under those pins and
runs this suite with ``FASTMETRICS_MINIMUM_VERSIONS=1``. These tests keep the
two files in step, and, in that run, check that the installed versions are
the floors, so that a floor cannot drift away from what was run.
"""

from __future__ import annotations

import os
import re
from importlib import metadata
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the files are checked there

ROOT = Path(__file__).resolve().parents[1]
PINS_FILE = ROOT / "constraints" / "minimum.txt"
#: the extras the floor run installs (``pip install -e '.[test]'``) besides the core
TESTED_EXTRAS = ("test",)
_SPEC = re.compile(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*>=\s*([0-9][0-9A-Za-z.]*)\s*$")


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_floors() -> dict[str, str]:
    """``{distribution: floor}`` of the core dependencies and the tested extras."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in TESTED_EXTRAS:
        specs += project["optional-dependencies"][extra]
    floors = {}
    for spec in specs:
        match = _SPEC.match(spec)
        assert match, f"pyproject.toml: {spec!r} is not of the form 'name>=floor'"
        floors[_name(match[1])] = match[2]
    return floors


def pinned() -> dict[str, str]:
    """``{distribution: version}`` of ``constraints/minimum.txt``."""
    pins = {}
    for n, line in enumerate(PINS_FILE.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        name, sep, version = line.partition("==")
        assert sep, f"constraints/minimum.txt:{n}: {line!r} is not a 'name==version' pin"
        pins[_name(name)] = version.strip()
    return pins


def _release(version: str) -> tuple[int, ...]:
    """``"2.0"`` and ``"2.0.0"`` as the same release."""
    parts = [int(p) for p in re.findall(r"\d+", version)]
    while parts and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def test_every_floor_is_pinned_at_the_floor():
    floors, pins = declared_floors(), pinned()
    missing = sorted(set(floors) - set(pins))
    assert not missing, f"floors without a pin in constraints/minimum.txt: {missing}"
    off = {name: (floors[name], pins[name]) for name in floors
           if _release(floors[name]) != _release(pins[name])}
    assert not off, f"pyproject floor vs constraints/minimum.txt pin: {off}"


def test_every_pin_is_a_declared_floor_or_needed_by_one():
    # A pin without a floor would test a version that users are never held to;
    # the only others allowed are dependencies of the pinned packages whose
    # newest release no longer works with them (named here, with why).
    allowed_extra = {}
    stray = sorted(set(pinned()) - set(declared_floors()) - set(allowed_extra))
    assert not stray, f"pins in constraints/minimum.txt that pyproject does not declare: {stray}"


@pytest.mark.skipif(os.environ.get("FASTMETRICS_MINIMUM_VERSIONS") != "1",
                    reason="only in the floor run (.ci/minimum)")
def test_the_floor_run_has_the_floors_installed():
    wrong = {}
    for name, version in pinned().items():
        installed = metadata.version(name)
        if _release(installed) != _release(version):
            wrong[name] = (version, installed)
    assert not wrong, f"pinned vs installed: {wrong}"

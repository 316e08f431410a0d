"""The project's modules form layers, and their imports have no cycle.

The import graph is read from the source with ``ast`` (nothing is imported):
every ``import`` and ``from ... import`` of the package's own modules, at
module level or inside a function (an import hidden in a function is still a
dependency, and hiding one is how a cycle gets in), relative imports resolved,
and a submodule import also counting as one of each package ``__init__`` that
Python runs on the way to it.

Two rules:

* no cycle among the modules;
* a module imports only modules of its own layer or of lower layers
  (:data:`LAYERS`, lowest first): the layers are what each part of the
  project may know about.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: The layers, lowest first: (name, the modules in it). A module belongs to the
#: first entry that is its name or a package above it. Same-layer imports are
#: allowed (the cycle check still applies to them).
#: The metric families: one package each, with the same module roles.
FAMILIES = ("fastmetrics.confusion", "fastmetrics.ranking", "fastmetrics.binned",
            "fastmetrics.calibration", "fastmetrics.losses", "fastmetrics.topk")

LAYERS = (
    # compute kernels (Numba, CuPy, numpy oracles): they know nothing of the public
    # package, so they can be tested, benchmarked and replaced on their own
    ("kernels", ("fastmetrics.kernels",)),
    ("exceptions", ("fastmetrics.exceptions",)),
    # reading the caller's arguments: batches of numpy arrays, and which backend
    # (host or GPU) holds them
    ("inputs", ("fastmetrics.inputs", "fastmetrics._backend")),
    # what every family shares: the State protocol, the batch pipeline, column
    # getters, label encoding and rules, metric docs and checks, the device side
    ("core", ("fastmetrics._core",)),
    # the metric families, each a package of state, build and finalizers
    ("families", FAMILIES),
    ("inference", ("fastmetrics.inference",)),
    # the report (the evaluation job and its demo data), the command line, and the
    # package's own __init__, which re-exports everything below it
    ("report", ("fastmetrics.evaluation", "fastmetrics.datasets", "fastmetrics.bindings",
                "fastmetrics")),
)

#: Imports that climb a layer today, each with why it is tolerated:
#: {(importer, imported): reason}. Empty: none does.
ALLOWED_CLIMBS: dict[tuple[str, str], str] = {}


def _package_dirs() -> dict[str, Path]:
    """Package name -> source folder, as pyproject.toml's package-dir maps them.

    Read with a pattern, not tomllib, which Python 3.10 (supported) lacks.
    """
    text = (ROOT / "pyproject.toml").read_text()
    section = text.split("[tool.setuptools.package-dir]", 1)[1].split("\n[", 1)[0]
    dirs = {name: ROOT / folder
            for name, folder in re.findall(r'^"([^"]+)"\s*=\s*"([^"]+)"', section, re.M)}
    assert "fastmetrics" in dirs, "pyproject.toml's package-dir was not understood"
    return dirs


def _modules() -> dict[str, tuple[Path, bool]]:
    """Module name -> (source file, whether it is a package's __init__)."""
    dirs = _package_dirs()
    modules = {}
    for package, folder in dirs.items():
        for path in sorted(folder.rglob("*.py")):
            # a sub-folder mapped to a package of its own is listed under that name
            if any(other != folder and other.is_relative_to(folder)
                   and path.is_relative_to(other) for other in dirs.values()):
                continue
            parts = list(path.relative_to(folder).with_suffix("").parts)
            is_package = parts[-1] == "__init__"
            modules[".".join([package] + (parts[:-1] if is_package else parts))] = (
                path, is_package)
    return modules


MODULES = _modules()


def _known(name: str) -> str | None:
    """The module ``name`` names, or the nearest package of it that is one of ours."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported(module: str, is_package: bool, node) -> list[str]:
    """Our modules an import statement names (relative imports resolved)."""
    if isinstance(node, ast.Import):
        return [m for m in (_known(a.name) for a in node.names) if m]
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[:len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module
    found = []
    for alias in node.names:
        # "from package import submodule" imports the submodule; else the name is
        # an attribute of the module it comes from
        target = _known(f"{source}.{alias.name}")
        if target != f"{source}.{alias.name}":
            target = _known(source)
        if target:
            found.append(target)
    return found


def _graph() -> dict[str, dict[str, int]]:
    """Importer -> {imported module: line of the first such import}."""
    graph = {}
    for module, (path, is_package) in MODULES.items():
        edges = {}
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _imported(module, is_package, node):
                # Python runs each package __init__ on the way to a submodule, except
                # those the importer is itself inside (already running)
                parts = target.split(".")
                for i in range(1, len(parts) + 1):
                    step = ".".join(parts[:i])
                    if step in MODULES and step != module and not module.startswith(step + "."):
                        edges.setdefault(step, node.lineno)
        graph[module] = edges
    return graph


GRAPH = _graph()


def _layer(module: str) -> int:
    for index, (_, members) in enumerate(LAYERS):
        for member in members:
            if module == member or module.startswith(member + "."):
                return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")


def _cycles(graph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _cycle_path(graph, component) -> str:
    """One cycle through a component, as ``a (line) -> b (line) -> ... -> a``."""
    members = set(component)
    start = component[0]
    path, seen = [start], {start}
    while True:
        nexts = sorted(w for w in graph[path[-1]] if w in members)
        back = [w for w in nexts if w == start]
        step = back[0] if back and len(path) > 1 else next(
            (w for w in nexts if w not in seen), start)
        path.append(step)
        if step == start:
            break
        seen.add(step)
    return " -> ".join(f"{a} (line {graph[a][b]})" for a, b in zip(path, path[1:])) + \
        f" -> {start}"


def test_the_graph_sees_the_project():
    # the reader must find the modules and their imports, or the checks below pass vacuously
    assert {"fastmetrics.confusion.build", "fastmetrics.kernels.cpu.confusion",
            "fastmetrics.bindings.cli", "fastmetrics.inputs._sources"} <= set(MODULES)
    assert "fastmetrics.inputs" in GRAPH["fastmetrics._core.pipeline"]
    assert "fastmetrics.kernels.cpu.ranking" in GRAPH["fastmetrics.ranking.build"]  # in a function
    assert "fastmetrics.evaluation.job" in GRAPH["fastmetrics.bindings.cli"]


def test_cycle_finder_finds_a_cycle_hidden_in_a_function():
    graph = {"a": {"b": 3}, "b": {"c": 7}, "c": {"a": 12}, "d": {"a": 1}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycle_path(graph, ["a", "b", "c"]) == "a (line 3) -> b (line 7) -> c (line 12) -> a"


def test_every_module_has_a_layer():
    for module in MODULES:
        _layer(module)


def test_no_import_cycle():
    cycles = [f"{_cycle_path(GRAPH, c)}  (all of {', '.join(c)} reach each other)"
              for c in _cycles(GRAPH)]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_no_import_climbs_a_layer():
    climbs = []
    for module, edges in sorted(GRAPH.items()):
        for target, line in sorted(edges.items()):
            if _layer(target) > _layer(module) and (module, target) not in ALLOWED_CLIMBS:
                climbs.append(f"{module} (layer {LAYERS[_layer(module)][0]}, line {line}) "
                              f"imports {target} (layer {LAYERS[_layer(target)][0]})")
    assert not climbs, "imports that climb the layers:\n" + "\n".join(climbs)


def test_allowed_climbs_still_exist():
    # an exception that no longer happens must leave the table
    for module, target in ALLOWED_CLIMBS:
        assert target in GRAPH[module] and _layer(target) > _layer(module), (module, target)


def test_kernels_import_nothing_of_the_public_package():
    for module, edges in GRAPH.items():
        if _layer(module) == 0:
            outside = [t for t in edges if _layer(t) != 0]
            assert not outside, f"{module} imports {outside}"


def _package(module: str) -> str:
    """The top package of one of our modules: ``fastmetrics.<name>`` (or the root)."""
    return ".".join(module.split(".")[:2])


def _private_imports(modules=MODULES) -> list[str]:
    """``from X import _name`` where X is in another package than the importer."""
    found = []
    for module, (path, is_package) in modules.items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[:len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if not source.startswith("fastmetrics") or _package(source) == _package(module):
                continue
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and f"{source}.{alias.name}" not in MODULES:  # a module is not a name
                    found.append(f"{module} (line {node.lineno}) imports {alias.name} "
                                 f"from {source}")
    return found


def test_no_package_imports_another_packages_private_names():
    # what two packages share has a public name (in _core/ when families share it), so
    # a family's private helpers can change without reading the other families
    private = _private_imports()
    assert not private, "private names imported across packages:\n" + "\n".join(private)


def test_the_private_import_check_finds_one(tmp_path):
    path = tmp_path / "state.py"
    path.write_text("from ..ranking.curves import _curve_sums, precision_recall_curve\n"
                    "from .build import _count_batch\n")
    found = _private_imports({"fastmetrics.binned.state": (path, False)})
    assert found == ["fastmetrics.binned.state (line 1) imports _curve_sums from "
                     "fastmetrics.ranking.curves"]

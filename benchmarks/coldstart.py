"""Time ``import`` and the first call in fresh Python processes.

What a user feels the first time they call a jitted library is import time
plus compilation. Numba's on-disk cache (``cache=True``) turns the compile
into a load from the second process on. So the child script below runs in
``runs`` successive fresh interpreters that share one Numba cache folder:
run 1 is the first-ever call (compiles, fills the cache), run 2 and later
are what every later process pays.

By default that cache folder is a new temporary one (``NUMBA_CACHE_DIR``),
so run 1 really is first-ever, whatever earlier runs left in
``__pycache__``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["first_call_in_fresh_process"]

_MARK = "COLDSTART "

# Inputs are built between the two timers, so the call timer holds only the
# call. The module is imported first thing, so its timer includes numpy,
# numba and pyarrow, as a user's first import does.
_CHILD = """
import json, sys, time
sys.path[:0] = {paths!r}
t0 = time.perf_counter()
import {module} as fm
t1 = time.perf_counter()
{setup}
t2 = time.perf_counter()
out = {call}
t3 = time.perf_counter()
print({mark!r} + json.dumps({{"import_s": t1 - t0, "first_call_s": t3 - t2,
                             "result": repr(out)[:300]}}))
"""

_DEPS = """
import time
t0 = time.perf_counter()
import {modules}
print({mark!r} + '{{"import_s": %r}}' % (time.perf_counter() - t0))
"""


def _run_child(code: str, env: dict, cwd: Path) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"child process failed (exit {proc.returncode}):\n{proc.stderr}")
    line = next(x for x in proc.stdout.splitlines() if x.startswith(_MARK))
    out = json.loads(line[len(_MARK):])
    out["process_wall_s"] = wall  # includes interpreter start-up
    return out


def first_call_in_fresh_process(module: str, setup: str, call: str, *, runs: int = 2,
                                fresh_cache: bool = True,
                                deps: tuple[str, ...] = ("numpy", "numba", "pyarrow"),
                                cwd: str | os.PathLike | None = None) -> dict:
    """Run ``import module; setup; call`` in ``runs`` fresh processes.

    Parameters
    ----------
    module : str
        Module to import (``"fastmetrics"``); bound to ``fm`` in the child.
    setup : str
        Python statements building the call's inputs (not timed).
    call : str
        Python expression of the first call, e.g.
        ``"fm.confusion_matrix(y, p)"``.
    runs : int, default=2
        Number of successive processes; run 1 compiles, later ones load the
        cache.
    fresh_cache : bool, default=True
        Point ``NUMBA_CACHE_DIR`` at a new temporary folder shared by the
        runs, so that run 1 is truly the first ever.
    deps : tuple of str
        Modules whose bare import time is measured in one more fresh process,
        to show how much of the import time is fastmetrics' own.
    cwd : path, optional
        Working directory and first ``sys.path`` entry of the children;
        defaults to the repository root.

    Returns
    -------
    dict
        ``runs``: one dict per process with ``import_s``, ``first_call_s``,
        ``process_wall_s`` and the call's ``result`` (repr); ``deps_import_s``;
        ``cache``: which Numba cache folder was used.
    """
    root = Path(cwd) if cwd is not None else Path(__file__).resolve().parents[1]
    env = dict(os.environ)
    tmp = tempfile.TemporaryDirectory(prefix="fastmetrics-numba-cache-") if fresh_cache else None
    try:
        if tmp is not None:
            env["NUMBA_CACHE_DIR"] = tmp.name
        code = _CHILD.format(paths=[str(root)], module=module, setup=setup, call=call,
                             mark=_MARK)
        results = [_run_child(code, env, root) for _ in range(runs)]
        deps_s = None
        if deps:
            deps_code = _DEPS.format(modules=", ".join(deps), mark=_MARK)
            deps_s = _run_child(deps_code, env, root)["import_s"]
    finally:
        if tmp is not None:
            tmp.cleanup()
    return {
        "module": module,
        "call": call,
        "runs": results,
        "deps": list(deps),
        "deps_import_s": deps_s,
        "cache": "fresh temporary NUMBA_CACHE_DIR" if fresh_cache else "default Numba cache",
    }

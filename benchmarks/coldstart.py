"""Time ``import`` and the first call in fresh Python processes.

Run from the repository root::

    python -m benchmarks.coldstart           # the first-call targets (about a minute)
    python -m benchmarks.coldstart --demo    # also the README's main job, cold vs warm

writes ``benchmarks/results/coldstart.{md,json}`` (``--out`` elsewhere).

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

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

__all__ = ["first_call_in_fresh_process", "TARGET_CALLS", "demo_cold_and_warm", "main"]

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


#: The first calls of the issue's targets, on 1,000 rows (``SETUP``'s inputs).
TARGET_CALLS = {
    "f1_score": "fm.f1_score(y, p)",
    "roc_auc_score (binary)": "fm.roc_auc_score(y, s)",
    "roc_auc_score (multiclass, ovr)": "fm.roc_auc_score(yk, P, multi_class='ovr')",
    "precision_recall_curve": "fm.precision_recall_curve(y, s)",
    "log_loss": "fm.log_loss(y, s)",
    "bootstrap(f1_score)": "fm.bootstrap(fm.f1_score, y, p)",
    "expected_calibration_error": "fm.expected_calibration_error(y, s)",
}
FIRST_CALL_TARGET_S = 1.5
DEMO_RATIO_TARGET = 1.5

SETUP = """import numpy as np
rng = np.random.default_rng(0)
n = {n}
y = rng.integers(0, 2, n)
p = rng.integers(0, 2, n)
s = rng.random(n)
yk = rng.integers(0, 3, n)
P = rng.dirichlet(np.ones(3), n)
"""

_EVALUATED = re.compile(r"Evaluated .* rows in ([0-9.]+) s")


def demo_cold_and_warm(rows: int = 1_000_000, cwd: str | os.PathLike | None = None) -> dict:
    """The README's main job (``fastmetrics demo``) twice, sharing an empty Numba cache.

    Returns the evaluation time each run prints (``Evaluated ... in X s``):
    run 1 compiles, run 2 is warm.
    """
    root = Path(cwd) if cwd is not None else Path(__file__).resolve().parents[1]
    code = ("import sys; sys.path.insert(0, {root!r}); "
            "from fastmetrics.bindings.cli import main; "
            "sys.exit(main(['demo', '--rows', '{rows}', '--output', {out!r}]))")
    times = []
    with tempfile.TemporaryDirectory(prefix="fastmetrics-numba-cache-") as cache, \
            tempfile.TemporaryDirectory(prefix="fastmetrics-demo-") as out:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for _ in range(2):
            proc = subprocess.run([sys.executable, "-c", code.format(root=str(root), rows=rows,
                                                                     out=out)],
                                  env=env, cwd=root, capture_output=True, text=True,
                                  timeout=1800)
            if proc.returncode != 0:
                raise RuntimeError(f"demo failed (exit {proc.returncode}):\n{proc.stderr}")
            times.append(float(_EVALUATED.search(proc.stdout).group(1)))
    return {"rows": rows, "first_s": times[0], "warm_s": times[1],
            "ratio": times[0] / times[1]}


def _markdown(machine_md: str, calls: dict, n: int, demo: dict | None, started: str) -> str:
    from benchmarks.report import fmt_time
    lines = ["# Cold start: the first call in a fresh process with an empty Numba cache", "",
             f"Run {started}; command `python -m benchmarks.coldstart"
             f"{' --demo' if demo else ''}`.", "", "## Machine", "", machine_md, "",
             "## First calls", "",
             f"{n:,} rows, each call in its own fresh interpreter with a new, empty "
             "`NUMBA_CACHE_DIR` (run 1), then once more sharing that cache (run 2). Import "
             "time is `import fastmetrics` with its dependencies; inputs are built between "
             "the timers.", "",
             f"| call | import | first call, empty cache | first call, cached | target: "
             f"first call <= {FIRST_CALL_TARGET_S:g} s |", "|---|---|---|---|---|"]
    for name, r in calls.items():
        first, cached = r["runs"][0], r["runs"][1]
        ok = "yes" if first["first_call_s"] <= FIRST_CALL_TARGET_S else "**no**"
        lines.append(f"| `{r['call']}` | {fmt_time(first['import_s'])} | "
                     f"{fmt_time(first['first_call_s'])} | {fmt_time(cached['first_call_s'])} "
                     f"| {ok} |")
    if demo:
        ok = "yes" if demo["ratio"] <= DEMO_RATIO_TARGET else "**no**"
        lines += ["", "## The README's main job", "",
                  f"`fastmetrics demo --rows {demo['rows']:,}` twice, sharing an empty Numba "
                  "cache: the evaluation time it prints.", "",
                  f"| first run (compiles) | warm run | ratio | target: <= "
                  f"{DEMO_RATIO_TARGET:g}x |", "|---|---|---|---|",
                  f"| {fmt_time(demo['first_s'])} | {fmt_time(demo['warm_s'])} | "
                  f"{demo['ratio']:.2f}x | {ok} |"]
    return "\n".join(lines)


def main(argv=None) -> int:
    """Measure :data:`TARGET_CALLS` (and with ``--demo`` the main job); write the tables."""
    if __package__ in (None, ""):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks.machine import describe_machine, machine_markdown
    from benchmarks.report import write_results

    ap = argparse.ArgumentParser(description="first calls in fresh processes, empty cache")
    ap.add_argument("--n", type=int, default=1_000, help="rows of the first calls")
    ap.add_argument("--demo", action="store_true", help="also time the README's main job")
    ap.add_argument("--demo-rows", type=int, default=1_000_000)
    ap.add_argument("--out", default=str(Path(__file__).resolve().parent / "results"))
    args = ap.parse_args(argv)
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = describe_machine()
    calls = {}
    for name, call in TARGET_CALLS.items():
        calls[name] = first_call_in_fresh_process("fastmetrics", SETUP.format(n=args.n), call,
                                                  runs=2, deps=())
        first = calls[name]["runs"][0]["first_call_s"]
        print(f"{name:34s} first {first:6.2f} s   cached "
              f"{calls[name]['runs'][1]['first_call_s']:6.2f} s", flush=True)
    demo = demo_cold_and_warm(args.demo_rows) if args.demo else None
    if demo:
        print(f"demo: first {demo['first_s']:.1f} s, warm {demo['warm_s']:.1f} s, "
              f"{demo['ratio']:.2f}x", flush=True)
    md = _markdown(machine_markdown(machine), calls, args.n, demo, started)
    for path in write_results(args.out, "coldstart", md, {
            "started": started, "machine": machine, "n": args.n, "calls": calls,
            "demo": demo, "first_call_target_s": FIRST_CALL_TARGET_S}):
        print(f"wrote {path}")
    missed = [n for n, r in calls.items() if r["runs"][0]["first_call_s"] > FIRST_CALL_TARGET_S]
    return 1 if missed or (demo and demo["ratio"] > DEMO_RATIO_TARGET) else 0


if __name__ == "__main__":
    raise SystemExit(main())

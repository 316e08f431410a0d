"""Render benchmark results as markdown and JSON files."""

from __future__ import annotations

import json
import math
from pathlib import Path

from benchmarks.harness import Result

__all__ = ["fmt_time", "results_table", "cold_start_table", "write_results"]


def fmt_time(seconds: float | None) -> str:
    """Three significant digits in s, ms or µs: ``0.231 s``, ``1.05 ms``, ``12.3 µs``."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    for scale, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def _fmt_ratio(x: float | None) -> str:
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:.0f}x"
    return f"{x:.3g}x" if x >= 0.01 else f"{x:.1e}x"


def _fmt_mib(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}"


def _verdict(r: Result) -> str:
    if r.status != "ok":
        return f"**{r.status}**"
    if r.reached is None:
        return "—"
    return "yes" if r.reached else "**no**"


def results_table(results: list[Result], ours: str = "fastmetrics") -> str:
    """Markdown table: one row per result, grouped under bold section rows."""
    head = (f"| case | n | {ours} | peer | peer time | speed-up | "
            f"{ours} peak MiB | peer peak MiB | target | reached |")
    lines = [head, "|" + "---|" * 10]
    group = None
    for r in results:
        if r.group and r.group != group:
            group = r.group
            lines.append(f"| **{group}** |" + " |" * 9)
        ours = fmt_time(r.ours.median) if r.ours else "—"
        peer = fmt_time(r.peer.median) if r.peer else "—"
        target = f">= {r.target:g}x" if r.target is not None else "—"
        lines.append(f"| {r.name} | {r.n:,} | {ours} | {r.peer_name} | {peer} | "
                     f"{_fmt_ratio(r.speedup)} | {_fmt_mib(r.ours_peak_mib)} | "
                     f"{_fmt_mib(r.peer_peak_mib)} | {target} | {_verdict(r)} |")
    return "\n".join(lines)


def cold_start_table(cold: dict, target_s: float) -> str:
    """Markdown table of :func:`benchmarks.coldstart.first_call_in_fresh_process`."""
    lines = ["| process | import | first call | import + first call | target: first call "
             f"< {target_s:g} s |", "|---|---|---|---|---|"]
    for i, run in enumerate(cold["runs"], start=1):
        label = "run 1 (first ever: compiles, fills the cache)" if i == 1 else \
            f"run {i} (cached compilation)"
        reached = "—" if i == 1 else ("yes" if run["first_call_s"] < target_s else "**no**")
        lines.append(f"| {label} | {fmt_time(run['import_s'])} | "
                     f"{fmt_time(run['first_call_s'])} | "
                     f"{fmt_time(run['import_s'] + run['first_call_s'])} | {reached} |")
    if cold.get("deps_import_s") is not None:
        lines.append(f"| for scale: `import {', '.join(cold['deps'])}` alone | "
                     f"{fmt_time(cold['deps_import_s'])} | | | |")
    return "\n".join(lines)


def write_results(out_dir: str | Path, stem: str, markdown: str, payload: dict) -> list[Path]:
    """Write ``<stem>.md`` and ``<stem>.json`` under ``out_dir``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    md, js = out / f"{stem}.md", out / f"{stem}.json"
    md.write_text(markdown + "\n", encoding="utf-8")
    js.write_text(json.dumps(payload, indent=2, default=_json_default) + "\n", encoding="utf-8")
    return [md, js]


def _json_default(obj):
    """numpy scalars and dataclasses that json does not know."""
    if hasattr(obj, "item"):
        return obj.item()
    if hasattr(obj, "__dataclass_fields__"):
        from dataclasses import asdict
        return asdict(obj)
    raise TypeError(f"not JSON serializable: {type(obj).__name__}")

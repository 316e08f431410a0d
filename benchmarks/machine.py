"""Describe the machine and software a benchmark ran on.

Ratios measured in one run are comparable across machines far better than
absolute times, but both depend on the CPU (numpy's sort kernels differ by
instruction set), the core count (Numba's threads) and the library versions,
so every result file carries this description.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

__all__ = ["describe_machine", "machine_markdown"]

_PACKAGES = ("numpy", "numba", "llvmlite", "pyarrow", "scipy", "scikit-learn", "pandas",
             "polars", "torch", "torchmetrics", "psutil", "fastmetrics")
_ENV_VARS = ("NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER", "NUMBA_CACHE_DIR",
             "OMP_NUM_THREADS", "NPY_DISABLE_CPU_FEATURES", "NPY_ENABLE_CPU_FEATURES")


def _cpuinfo() -> dict:
    """First processor's fields from /proc/cpuinfo (empty off Linux)."""
    info = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(":")
                info[key.strip()] = value.strip()
    except OSError:
        pass
    return info


def _amd_core(family: int, model: int) -> str | None:
    """Name AMD's core generation, because cpuinfo in VMs often says only "AMD EPYC"."""
    if family == 23:
        return "Zen / Zen 2"
    if family == 25:
        # Family 19h: Zen 3 models 00-0F and 20-5F; Zen 4 models 10-1F, 60-7F, A0-AF.
        if 0x10 <= model <= 0x1F or 0x60 <= model <= 0x7F or 0xA0 <= model <= 0xAF:
            return "Zen 4"
        return "Zen 3"
    if family == 26:
        return "Zen 5"
    return None


def _cpu() -> dict:
    info = _cpuinfo()
    flags = set(info.get("flags", "").split())
    cpu = {
        "model": info.get("model name") or platform.processor() or platform.machine(),
        "vendor": info.get("vendor_id"),
        "family": info.get("cpu family"),
        "model_number": info.get("model"),
        "stepping": info.get("stepping"),
        "virtualized": "hypervisor" in flags,
        "simd_flags": sorted(flags & {"avx2", "avx512f", "avx512bw", "avx512vl",
                                      "avx512_vbmi2", "sse4_2", "fma"}),
        "logical_cpus": os.cpu_count(),
    }
    if hasattr(os, "sched_getaffinity"):
        cpu["usable_cpus"] = len(os.sched_getaffinity(0))
    if cpu["vendor"] == "AuthenticAMD" and cpu["family"] and cpu["model_number"]:
        cpu["core"] = _amd_core(int(cpu["family"]), int(cpu["model_number"]))
    try:  # a container's CPU quota, which os.cpu_count() does not show
        cpu["cgroup_cpu_max"] = Path("/sys/fs/cgroup/cpu.max").read_text().strip()
    except OSError:
        pass
    return cpu


def _memory_gib() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _versions() -> dict:
    out = {"python": f"{platform.python_implementation()} {platform.python_version()}"}
    for name in _PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def _numba() -> dict:
    try:
        import numba
    except ImportError:
        return {}
    # get_num_threads() starts the thread pool, after which the layer is known.
    threads = numba.get_num_threads()
    try:
        layer = numba.threading_layer()
    except ValueError:
        layer = f"not started (configured: {numba.config.THREADING_LAYER})"
    return {"threading_layer": layer, "num_threads": threads,
            "config_num_threads": numba.config.NUMBA_NUM_THREADS}


def _numpy_simd() -> dict:
    """numpy's SIMD dispatch, and which sort kernel np.sort will use.

    On Zen 4 the AVX-512 (x86-simd-sort) kernel for 32/64-bit keys is slower
    than the AVX2 one (docs/architecture.md, "Measured on this machine"), so a sort timing without this
    note cannot be interpreted.
    """
    import numpy as np

    try:
        from numpy._core._multiarray_umath import (
            __cpu_baseline__, __cpu_dispatch__, __cpu_features__)
    except ImportError:  # numpy < 2
        from numpy.core._multiarray_umath import (
            __cpu_baseline__, __cpu_dispatch__, __cpu_features__)
    found = [f for f in __cpu_dispatch__ if __cpu_features__.get(f)]
    # numpy >= 2.4 dispatches on feature groups (X86_V4 = AVX-512 SKX level,
    # X86_V3 = AVX2 level); older numpy names the features themselves.
    v4 = "X86_V4" if "X86_V4" in __cpu_features__ else "AVX512_SKX"
    v3 = "X86_V3" if "X86_V3" in __cpu_features__ else "AVX2"
    if __cpu_features__.get(v4):
        sort = f"x86-simd-sort AVX-512 kernels for 32/64-bit np.sort/argsort ({v4} on)"
    elif __cpu_features__.get(v3):
        sort = f"x86-simd-sort AVX2 kernels for 32/64-bit np.sort/argsort ({v4} off)"
    else:
        sort = "numpy's generic introsort/radix sort (no x86-simd-sort dispatch)"
    return {"numpy": np.__version__, "baseline": list(__cpu_baseline__),
            "dispatch_found": found,
            "dispatch_not_found": [f for f in __cpu_dispatch__ if f not in found],
            "sort_dispatch": sort}


def _git() -> str | None:
    root = Path(__file__).resolve().parents[1]
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                              capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root,
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    if head.returncode != 0:
        return "no commit yet"
    return head.stdout.strip() + (" (uncommitted changes)" if dirty.stdout.strip() else "")


def describe_machine() -> dict:
    """Return a JSON-able description of this machine and its software.

    Returns
    -------
    dict
        ``cpu``, ``memory_gib``, ``os``, ``versions``, ``numba``,
        ``numpy_simd``, ``env`` (the environment variables that change
        threading or dispatch), ``git`` (commit, or "no commit yet") and
        ``executable``.

    Examples
    --------
    >>> d = describe_machine()
    >>> sorted(d)[:2]
    ['cpu', 'env']
    """
    return {
        "cpu": _cpu(),
        "memory_gib": _memory_gib(),
        "os": f"{platform.system()} {platform.release()} ({platform.platform()})",
        "versions": _versions(),
        "numba": _numba(),
        "numpy_simd": _numpy_simd(),
        "env": {k: os.environ[k] for k in _ENV_VARS if k in os.environ},
        "git": _git(),
        "executable": sys.executable,
    }


def machine_markdown(d: dict) -> str:
    """Render :func:`describe_machine`'s dict as a few markdown bullet lines."""
    cpu = d["cpu"]
    core = f", {cpu['core']}" if cpu.get("core") else ""
    vm = ", virtual machine" if cpu.get("virtualized") else ""
    cpus = cpu.get("usable_cpus", cpu.get("logical_cpus"))
    nb = d.get("numba", {})
    versions = ", ".join(f"{k} {v}" for k, v in d["versions"].items())
    lines = [
        f"- CPU: {cpu['model']}{core} (family {cpu.get('family')}, model "
        f"{cpu.get('model_number')}){vm}; {cpus} usable logical CPUs; "
        f"{d['memory_gib']} GiB memory",
        f"- OS: {d['os']}",
        f"- Software: {versions}",
        f"- Numba threading: layer {nb.get('threading_layer')}, {nb.get('num_threads')} threads",
        f"- numpy SIMD: dispatch found {', '.join(d['numpy_simd']['dispatch_found'])}; "
        f"sort: {d['numpy_simd']['sort_dispatch']}",
    ]
    if d["env"]:
        lines.append("- Environment: " + ", ".join(f"{k}={v}" for k, v in d["env"].items()))
    if d.get("git"):
        lines.append(f"- Repository: {d['git']}")
    return "\n".join(lines)


if __name__ == "__main__":
    import json

    d = describe_machine()
    print(json.dumps(d, indent=2))
    print(machine_markdown(d))

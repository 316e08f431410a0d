"""The CUDA source the project ships compiles with the machine's nvcc (CI has one).

CuPy compiles ``kernels/gpu/*.cu`` with NVRTC at run time, where a syntax
error would only show on a GPU machine; compiling them here makes it fail in CI.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SOURCES = sorted((Path(__file__).resolve().parents[1] / "kernels" / "gpu").glob("*.cu"))
NVCC = shutil.which("nvcc") or next(
    (str(p) for p in Path("/usr/local").glob("cuda*/bin/nvcc") if p.exists()), None)


def test_there_are_sources():
    assert SOURCES, "kernels/gpu holds no .cu file"


@pytest.mark.skipif(NVCC is None, reason="nvcc is not installed")
@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_source_compiles(source, tmp_path):
    # -std=c++17 as CuPy compiles it; sm_90 (Hopper), the GPUs the benchmarks run on
    result = subprocess.run([NVCC, "-std=c++17", "-arch=sm_90", "-c", str(source), "-o",
                             str(tmp_path / "out.o")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr

"""The GPU backend: the same states and metrics as the CPU, computed on the device.

These tests run where CuPy and an NVIDIA GPU are present and skip cleanly
elsewhere (CI has no GPU). ``test_cuda_sources.py`` compiles the CUDA source
with nvcc wherever nvcc is, so that CI catches a syntax error.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import subprocess
import sys

import numpy as np
import pytest
import sklearn.metrics as skm

import fastmetrics as fm
from fastmetrics.exceptions import (InputTypeError, InvalidParameterError,
                                    LengthMismatchError, MissingDependencyError)
from fastmetrics._backend import is_device_array


def _device_available() -> bool:
    if importlib.util.find_spec("cupy") is None:
        return False
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


requires_gpu = pytest.mark.skipif(not _device_available(), reason="no CuPy or no CUDA device")


class _FakeDeviceArray:
    """Claims GPU memory through the CUDA array interface (never read without CuPy)."""

    __cuda_array_interface__ = {"shape": (3,), "typestr": "<i8", "data": (0, False),
                                "version": 3}
    shape = (3,)


def test_device_arrays_are_recognized_without_cupy():
    assert is_device_array(_FakeDeviceArray())
    assert not is_device_array(np.arange(3)) and not is_device_array([1, 2])


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed")
def test_missing_cupy_names_the_extra():
    with pytest.raises(MissingDependencyError, match=r"fastmetrics\[gpu-cuda13\]"):
        fm.confusion_matrix(_FakeDeviceArray(), _FakeDeviceArray())


#: The GPU kernel modules: each is the twin of the CPU module of the same name.
GPU_KERNEL_MODULES = ("binning", "confusion", "ranking")


@pytest.mark.parametrize("name", GPU_KERNEL_MODULES)
def test_gpu_kernels_take_their_cpu_twins_signatures(name):
    gpu = importlib.import_module(f"fastmetrics.kernels.gpu.{name}")
    cpu = importlib.import_module(f"fastmetrics.kernels.cpu.{name}")
    assert gpu.__all__, f"kernels/gpu/{name}.py exports no kernel"
    for kernel in gpu.__all__:
        assert hasattr(cpu, kernel), f"gpu.{name}.{kernel} has no CPU twin"
        assert inspect.signature(getattr(gpu, kernel)) == inspect.signature(
            getattr(cpu, kernel)), f"gpu.{name}.{kernel} differs from its CPU twin"
    # a public GPU function named like a CPU kernel is a twin: it must be exported, and so
    # compared above (helpers such as binning.shared_bytes are GPU-only)
    for attr, value in vars(gpu).items():
        if (inspect.isfunction(value) and value.__module__ == gpu.__name__
                and not attr.startswith("_") and hasattr(cpu, attr)):
            assert attr in gpu.__all__, f"gpu.{name}.{attr} is a twin missing from __all__"


def test_gpu_kernel_modules_import_without_cupy():
    code = ("import sys\n"
            + "".join(f"import fastmetrics.kernels.gpu.{m}\n" for m in GPU_KERNEL_MODULES)
            + "print('cupy' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_builders_without_a_gpu_path_refuse_device_arrays_clearly():
    # read on the host, a device array used to fail as "cannot be read as an array"
    with pytest.raises(InputTypeError, match="y_true: is a GPU array, and this function has "
                                             "no GPU backend yet.*cupy.asnumpy"):
        fm.log_loss(_FakeDeviceArray(), np.array([[0.3, 0.7]] * 3))
    with pytest.raises(InputTypeError, match=r"y_proba?: is a GPU array.*no GPU backend yet"):
        fm.brier_score_loss(np.array([0, 1, 1]), _FakeDeviceArray())
    with pytest.raises(InputTypeError, match=r"y_score: .*score_state \(exact curves\) has no "
                                             "GPU backend yet"):
        fm.roc_curve(np.array([0, 1, 1]), _FakeDeviceArray())


def test_the_backend_is_decided_before_any_device_work():
    # without CuPy: mixing devices and unsupported options are refused before CuPy is needed
    with pytest.raises(InputTypeError, match="y_pred: is a host array while the other input "
                                             "is on the GPU"):
        fm.confusion_matrix(_FakeDeviceArray(), np.arange(3))
    with pytest.raises(InvalidParameterError, match="groups: .*confusion_state with groups "
                                                    "has no GPU backend yet"):
        fm.confusion_state(_FakeDeviceArray(), _FakeDeviceArray(), groups=np.arange(3))
    with pytest.raises(InvalidParameterError, match="sample_weight: .*binned_score_state"):
        fm.binned_score_state(_FakeDeviceArray(), _FakeDeviceArray(), thresholds=5,
                              sample_weight=np.ones(3))


@requires_gpu
@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "int32", "int64", "bool"])
@pytest.mark.parametrize("k", [1, 2, 3, 17])
def test_confusion_state_equals_cpu(dtype, k):
    import cupy
    rng = np.random.default_rng(k)
    for n in (1, 15, 16, 17, 1000, 300_001):
        if dtype == "bool":
            t, p = rng.random(n) < 0.4, rng.random(n) < 0.5
        else:
            lo = -3 if np.dtype(dtype).kind == "i" else 0
            t = rng.integers(lo, lo + k, n).astype(dtype)
            p = rng.integers(lo, lo + k, n).astype(dtype)
        cpu = fm.confusion_state(t, p)
        gpu = fm.confusion_state(cupy.asarray(t), cupy.asarray(p))
        np.testing.assert_array_equal(gpu.classes, cpu.classes)
        np.testing.assert_array_equal(gpu.counts, cpu.counts)
        assert gpu.counts.dtype == np.int64


@requires_gpu
def test_unaligned_views_sparse_labels_and_metrics():
    import cupy
    rng = np.random.default_rng(0)
    t = rng.integers(0, 2, 100_003).astype(np.uint8)
    p = rng.integers(0, 2, 100_003).astype(np.uint8)
    gt, gp = cupy.asarray(t), cupy.asarray(p)
    # views starting off a 16-byte boundary take the histogram kernel
    np.testing.assert_array_equal(fm.confusion_matrix(gt[3:], gp[3:]),
                                  skm.confusion_matrix(t[3:], p[3:]))
    sparse_t = rng.choice([-10**12, 5, 7, 10**15], 5000)
    sparse_p = rng.choice([-10**12, 5, 8, 10**15], 5000)
    np.testing.assert_array_equal(
        fm.confusion_matrix(cupy.asarray(sparse_t), cupy.asarray(sparse_p)),
        skm.confusion_matrix(sparse_t, sparse_p))
    many_t = rng.integers(0, 300, 20_000)
    many_p = rng.integers(0, 300, 20_000)
    assert fm.f1_score(cupy.asarray(many_t), cupy.asarray(many_p), average="macro") == \
        pytest.approx(skm.f1_score(many_t, many_p, average="macro"), rel=1e-12)
    assert fm.matthews_corrcoef(gt, gp) == pytest.approx(skm.matthews_corrcoef(t, p),
                                                         rel=1e-12)


@requires_gpu
def test_torch_tensors_through_dlpack_or_interface():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch without CUDA")
    t = torch.randint(0, 4, (10_000,), device="cuda")
    p = torch.randint(0, 4, (10_000,), device="cuda")
    np.testing.assert_array_equal(fm.confusion_matrix(t, p),
                                  skm.confusion_matrix(t.cpu().numpy(), p.cpu().numpy()))


@requires_gpu
def test_gpu_errors():
    import cupy
    t = cupy.arange(5) % 2
    with pytest.raises(InputTypeError, match="host array"):
        fm.confusion_matrix(t, np.arange(5) % 2)
    with pytest.raises(LengthMismatchError):
        fm.confusion_matrix(t, t[:-1])
    with pytest.raises(InputTypeError, match="integer or boolean"):
        fm.confusion_matrix(t.astype(float), t.astype(float))
    with pytest.raises(InvalidParameterError, match="GPU backend"):
        fm.confusion_state(t, t, sample_weight=cupy.ones(5))


@requires_gpu
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_roc_auc_and_average_precision_equal_cpu(dtype):
    import cupy
    rng = np.random.default_rng(1)
    for n, rounded in ((50, True), (10_001, False), (200_000, True), (200_000, False)):
        y = (rng.random(n) < 0.3).astype(np.int8)
        s = (rng.normal(0, 1, n) + y).astype(dtype)
        if rounded:
            s = np.round(s, 1)
        s[:3] = [0.0, -0.0, 0.0]  # -0.0 and 0.0 are one score
        gy, gs = cupy.asarray(y), cupy.asarray(s)
        assert fm.roc_auc_score(gy, gs) == pytest.approx(skm.roc_auc_score(y, s), rel=1e-12)
        assert fm.average_precision_score(gy, gs) == pytest.approx(
            skm.average_precision_score(y, s), rel=1e-12)
    labels = rng.choice([3, 7], 1000)
    scores = rng.random(1000)
    assert fm.roc_auc_score(cupy.asarray(labels), cupy.asarray(scores)) == pytest.approx(
        skm.roc_auc_score(labels, scores), rel=1e-12)


@requires_gpu
def test_gpu_ranking_edge_cases():
    import cupy
    from fastmetrics.exceptions import InvalidInputError, UndefinedMetricWarning
    with pytest.warns(UndefinedMetricWarning):
        assert np.isnan(fm.roc_auc_score(cupy.ones(5, dtype=cupy.int8), cupy.arange(5.0)))
    with pytest.raises(InvalidInputError, match="NaN"):
        fm.roc_auc_score(cupy.asarray([0, 1, 1]), cupy.asarray([0.1, float("nan"), 0.3]))
    with pytest.raises(InputTypeError, match="no GPU backend"):
        fm.roc_curve(cupy.asarray([0, 1]), cupy.asarray([0.1, 0.2]))


@requires_gpu
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binned_state_equals_cpu(dtype):
    import cupy
    from fastmetrics.exceptions import InvalidInputError
    rng = np.random.default_rng(3)
    for labels in (np.array([0, 1]), np.array([2, 5, 7]), np.array([False, True])):
        y = rng.choice(labels, 100_001)
        s = rng.random(100_001).astype(dtype)
        s[:4] = [0.0, 1.0, 0.5, 0.25]  # on thresholds
        for thresholds in (11, 1000, np.array([0.1, 0.3, 0.9])):
            cpu = fm.binned_score_state(y, s, thresholds=thresholds)
            gpu = fm.binned_score_state(cupy.asarray(y), cupy.asarray(s), thresholds=thresholds)
            np.testing.assert_array_equal(gpu.thresholds, cpu.thresholds)
            np.testing.assert_array_equal(gpu.classes, cpu.classes)
            np.testing.assert_array_equal(gpu.counts, cpu.counts)
    yb = (rng.random(5000) < 0.3).astype(np.int8)
    sb = rng.random(5000)
    for got, want in zip(fm.precision_recall_curve(cupy.asarray(yb), cupy.asarray(sb),
                                                   thresholds=100),
                         fm.precision_recall_curve(yb, sb, thresholds=100)):
        np.testing.assert_array_equal(got, want)
    assert fm.roc_auc_score(cupy.asarray(yb), cupy.asarray(sb), thresholds=50) == \
        fm.roc_auc_score(yb, sb, thresholds=50)
    with pytest.raises(InvalidInputError, match=r"outside \[0, 1\].*row 2"):
        fm.binned_score_state(cupy.asarray([0, 1, 1]), cupy.asarray([0.1, 0.2, 1.5]),
                              thresholds=10)
    with pytest.raises(InvalidInputError, match="NaN"):
        fm.binned_score_state(cupy.asarray([0, 1, 1]), cupy.asarray([0.1, np.nan, 0.5]),
                              thresholds=np.array([0.2]))

"""CuPy GPU kernels, twins of ``kernels/cpu`` (same names, same results).

The CUDA C++ sources (``*.cu``) are compiled by CuPy (NVRTC) on first use and
cached by CuPy; CI compiles them with nvcc so that a syntax error cannot land.
Importing this package does not import CuPy: each module imports it when a
kernel is first called.
"""

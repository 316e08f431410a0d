"""Compute kernels of fastmetrics, shipped as ``fastmetrics.kernels``.

Plain-numpy oracles live in ``reference``; Numba CPU kernels in ``cpu``. Kernels take
validated arrays, never raise on data and never import from ``fastmetrics``.
"""

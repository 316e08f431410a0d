"""Numba CPU kernels, one module per operation family."""

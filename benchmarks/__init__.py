"""Benchmarks of fastmetrics against its peers (scikit-learn, scipy, torchmetrics).

Not part of the installed package. See ``benchmarks/README.md``.
"""

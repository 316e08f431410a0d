"""Adapters that let other tools use fastmetrics (CLI, scikit-learn namespace, ...).

Shipped as ``fastmetrics.bindings``; each adapter imports its tool lazily.
"""

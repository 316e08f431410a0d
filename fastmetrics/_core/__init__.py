"""What every metric family shares (private: import from :mod:`fastmetrics`).

* ``state``: the State protocol (merge, n_rows, weighted, ==, to_bytes).
* ``pipeline``: the batch loop of every builder (roles -> aligned batches ->
  per-batch count -> merge), with the one warning for dropped null rows.
* ``columns``: a batch column as the kernels want it, with first-bad-row errors.
* ``labels``: label encoding to class codes, the label-kind and ``pos_label``
  rules, and merging onto the union of classes.
* ``metric``: the :class:`Metric` type, shared docs and parameter checks.
* ``gpu``: the device side of the builders (CuPy, imported only when used).

This package imports nothing at import time, so that no family pulls in
another through it.
"""

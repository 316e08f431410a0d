"""The calibration family: per-bin counts and probability sums.

Fixed module roles, the same in every family:

* ``state``: the mergeable state (the State protocol of :mod:`fastmetrics._core.state`);
* ``build``: the builder (inputs -> batches -> per-batch count -> merged state);
* ``metrics``: the finalizers (calibration curve, reliability diagram, ECE, MCE).

The public names are re-exported by :mod:`fastmetrics`; this ``__init__``
imports nothing, so that importing one family never imports another.
"""

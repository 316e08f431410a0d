"""The top-k family: a histogram of each row's rank of its true class.

Fixed module roles, the same in every family:

* ``state``: the mergeable state (the State protocol of :mod:`fastmetrics._core.state`);
* ``build``: the builder (inputs -> batches -> per-batch count -> merged state);
* ``metrics``: the finalizer (top-k accuracy).

The public names are re-exported by :mod:`fastmetrics`; this ``__init__``
imports nothing, so that importing one family never imports another.
"""

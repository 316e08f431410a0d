"""The binned family: per-class histograms of the scores over fixed thresholds.

Fixed module roles, the same in every family:

* ``state``: the mergeable state (the State protocol of :mod:`fastmetrics._core.state`);
* ``build``: the builder (inputs -> batches -> per-batch count -> merged state);
* ``curves``: the finalizers (binned curves, areas and their bounds).

The public names are re-exported by :mod:`fastmetrics`; this ``__init__``
imports nothing, so that importing one family never imports another.
"""

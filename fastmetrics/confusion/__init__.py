"""The confusion family: binary, multiclass and multilabel label counts.

Fixed module roles, the same in every family:

* ``state``: the mergeable state (the State protocol of :mod:`fastmetrics._core.state`);
* ``build``: the builder (inputs -> batches -> per-batch count -> merged state);
* ``matrix``, ``prf``, ``agreement``, ``report``: the finalizers (confusion
  matrices; precision, recall, F-scores; accuracy, kappa, MCC; the text report).

The public names are re-exported by :mod:`fastmetrics`; this ``__init__``
imports nothing, so that importing one family never imports another.
"""

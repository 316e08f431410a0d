"""The ranking family: exact curves and areas from the distinct scores of each class.

Fixed module roles, the same in every family:

* ``state``: the mergeable state (the State protocol of :mod:`fastmetrics._core.state`);
* ``build``: the builder (inputs -> batches -> per-batch count -> merged state);
* ``build_multiclass``: the builder of score matrices (multiclass, multilabel);
* ``curves``, ``auc``, ``thresholds``: the finalizers (PR, ROC and DET
  curves; ROC AUC and average precision; operating points).

The public names are re-exported by :mod:`fastmetrics`; this ``__init__``
imports nothing, so that importing one family never imports another.
"""

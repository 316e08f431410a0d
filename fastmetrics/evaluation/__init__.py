"""The evaluation job: every metric of several models with intervals, and its report.

* ``job``: :func:`fastmetrics.evaluate` and the :class:`Evaluation` it returns;
* ``uncertainty``: the intervals and the paired model comparisons it reports.
"""

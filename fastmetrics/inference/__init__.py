"""Statistical inference for metrics: confidence intervals and significance tests.

Analytic companions of the metrics, cheap enough to report every time:

* :func:`wilson_interval`, :func:`clopper_pearson_interval` and
  :func:`proportion_interval` (accuracy, precision, recall, specificity, NPV
  as binomial proportions of the confusion counts);
* :func:`mcnemar_test`: do two classifiers differ in accuracy on the same rows
  (exact binomial or chi-square);
* :func:`delong_roc_variance`, :func:`delong_interval` and
  :func:`delong_test`: DeLong's variance and interval of the ROC AUC, and the
  paired test of two models' AUCs;
* :func:`bootstrap`: percentile, basic, BCa or normal intervals of any metric,
  resampling states (count tables, distinct-score tables) instead of rows;
* :class:`BagOfLittleBootstraps` (``method="blb"``): the bag of little
  bootstraps, an explicit O(b)-per-resample alternative for row-route
  metrics at scale;
* :func:`paired_bootstrap` and :func:`permutation_test`: is model A better
  than model B on the same rows, for any metric;
* :func:`paired_t_test` and :func:`wilcoxon_signed_rank_test`: the same
  question on per-row values (per-row losses, 0/1 correctness);
* :func:`adjust_pvalues`: Holm, Benjamini-Hochberg or Bonferroni over a
  family of tests;
* :func:`ks_2samp_test` and :func:`population_stability_index`: has a
  distribution moved between two samples (windows), from their mergeable
  :func:`shift_state`;
* :func:`roc_band`, :func:`pr_band` and :func:`operating_point_interval`:
  pointwise bands on curves, and intervals of thresholds chosen from the data
  that include the choice.

Every analytic interval is a :class:`ConfidenceInterval` and every test a
:class:`TestResult`; the bootstrap returns a :class:`BootstrapResult` (which
holds a ConfidenceInterval) and a :class:`PairedBootstrapResult`.

>>> import fastmetrics as fm
>>> fm.inference.wilson_interval(45, 50).low > 0.78
True
"""

from .bands import (CurveBand, OperatingPointInterval, operating_point_interval, pr_band,
                    roc_band)
from .bootstrap import BootstrapResult, bootstrap
from .compare import PairedBootstrapResult, paired_bootstrap, permutation_test
from .little_bootstraps import BagOfLittleBootstraps
from .drift import (ks_2samp_test, label_shift_state, label_shift_test,
                    population_stability_index, shift_state)
from .delong import delong_interval, delong_roc_variance, delong_test
from .mcnemar import mcnemar_test
from .multiple import AdjustedPValues, adjust_pvalues
from .paired_tests import paired_t_test, wilcoxon_signed_rank_test
from .proportions import clopper_pearson_interval, proportion_interval, wilson_interval
from .results import ConfidenceInterval, TestResult

__all__ = [
    "ConfidenceInterval", "TestResult",
    "wilson_interval", "clopper_pearson_interval", "proportion_interval",
    "mcnemar_test",
    "delong_roc_variance", "delong_interval", "delong_test",
    "bootstrap", "BootstrapResult", "paired_bootstrap", "PairedBootstrapResult",
    "permutation_test", "paired_t_test", "wilcoxon_signed_rank_test", "adjust_pvalues",
    "AdjustedPValues", "roc_band", "pr_band", "CurveBand", "operating_point_interval",
    "OperatingPointInterval", "BagOfLittleBootstraps", "shift_state", "ks_2samp_test",
    "population_stability_index", "label_shift_state", "label_shift_test",
]

"""Data-generating models with known population metrics, for the bootstrap validity tests.

Every model here has closed-form *population* values of the metrics it is used
for, so that a simulation can count how often an interval covers the truth and
how often a test rejects a true null hypothesis.

* :class:`BinaryLabels`: ``y ~ Bernoulli(pi)``; a positive row is predicted
  positive with probability ``tpr``, a negative one negative with probability
  ``tnr``. In population proportions ``TP = pi tpr``, ``FN = pi (1 - tpr)``,
  ``FP = (1 - pi) (1 - tnr)``, ``TN = (1 - pi) tnr``; accuracy is ``TP + TN``
  and F1 is ``2 TP / (2 TP + FP + FN)``.
* :class:`MulticlassLabels`: ``y ~ Categorical(prior)``, ``y_pred | y ~
  Categorical(confusion[y])``; the population joint table is ``P[i, j] =
  prior[i] confusion[i, j]`` and class ``k``'s F1 is ``2 P[k, k] / (P[k, :].sum()
  + P[:, k].sum())`` (macro F1: their mean).
* :class:`BinormalScores`: negatives score ``N(0, 1)``, positives ``N(delta, 1)``:
  ROC AUC ``= P(X_pos > X_neg) = Phi(delta / sqrt(2))``.
* :class:`PairedLabels` / :class:`PairedScores`: two models on the same rows
  with given population accuracies (AUCs) and correlated errors, for the
  paired bootstrap and the permutation test.

Every sampler takes a :class:`numpy.random.Generator`, so simulations are
deterministic for a fixed seed.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.special import ndtr

__all__ = ["BinaryLabels", "MulticlassLabels", "BinormalScores", "PairedLabels",
           "PairedScores", "Coverage", "coverage", "rejection_rate", "binomial_band"]


@dataclass(frozen=True)
class BinaryLabels:
    """``y ~ Bernoulli(pi)``, predictions right with probability ``tpr`` / ``tnr``."""

    pi: float
    tpr: float
    tnr: float

    def cells(self) -> tuple[float, float, float, float]:
        """Population (TP, FP, FN, TN) proportions."""
        tp = self.pi * self.tpr
        fn = self.pi * (1 - self.tpr)
        fp = (1 - self.pi) * (1 - self.tnr)
        tn = (1 - self.pi) * self.tnr
        return tp, fp, fn, tn

    @property
    def accuracy(self) -> float:
        tp, _, _, tn = self.cells()
        return tp + tn

    @property
    def f1(self) -> float:
        tp, fp, fn, _ = self.cells()
        return 2 * tp / (2 * tp + fp + fn)

    @property
    def precision(self) -> float:
        tp, fp, _, _ = self.cells()
        return tp / (tp + fp)

    @property
    def recall(self) -> float:
        return self.tpr

    def sample(self, rng: np.random.Generator, n: int):
        y = (rng.random(n) < self.pi).astype(np.int64)
        right = rng.random(n) < np.where(y == 1, self.tpr, self.tnr)
        return y, np.where(right, y, 1 - y)


@dataclass(frozen=True)
class MulticlassLabels:
    """``y ~ Categorical(prior)``, ``y_pred | y ~ Categorical(confusion[y])``."""

    prior: tuple
    confusion: tuple  # rows: P(y_pred = j | y = i)

    def joint(self) -> np.ndarray:
        prior = np.asarray(self.prior, dtype=np.float64)
        m = np.asarray(self.confusion, dtype=np.float64)
        assert np.allclose(prior.sum(), 1) and np.allclose(m.sum(axis=1), 1)
        return prior[:, None] * m

    @property
    def per_class_f1(self) -> np.ndarray:
        p = self.joint()
        return 2 * np.diag(p) / (p.sum(axis=1) + p.sum(axis=0))

    @property
    def macro_f1(self) -> float:
        return float(self.per_class_f1.mean())

    @property
    def accuracy(self) -> float:
        return float(np.trace(self.joint()))

    def sample(self, rng: np.random.Generator, n: int):
        k = len(self.prior)
        y = rng.choice(k, size=n, p=np.asarray(self.prior))
        cdf = np.cumsum(np.asarray(self.confusion), axis=1)[y]
        pred = (rng.random(n)[:, None] > cdf).sum(axis=1)
        return y, np.minimum(pred, k - 1)


@dataclass(frozen=True)
class BinormalScores:
    """Scores ``N(0, 1)`` for negatives and ``N(delta, 1)`` for positives."""

    pi: float
    delta: float

    @property
    def auc(self) -> float:
        return float(ndtr(self.delta / math.sqrt(2.0)))

    def sample(self, rng: np.random.Generator, n: int):
        y = (rng.random(n) < self.pi).astype(np.int64)
        return y, rng.standard_normal(n) + self.delta * y


@dataclass(frozen=True)
class PairedLabels:
    """Two binary classifiers on the same rows, right with probabilities ``qa``, ``qb``.

    Whether B is right is a copy of whether A is right with probability
    ``shared`` (when ``qa == qb``; otherwise B's own draw is used), and an
    independent draw otherwise, so ``P(A right) = qa``, ``P(B right) = qb`` and
    the models' errors are positively correlated for ``shared > 0``.
    Population accuracies: ``qa`` and ``qb``.
    """

    pi: float
    qa: float
    qb: float
    shared: float = 0.0

    def sample(self, rng: np.random.Generator, n: int):
        y = (rng.random(n) < self.pi).astype(np.int64)
        right_a = rng.random(n) < self.qa
        own_b = rng.random(n) < self.qb
        if self.qa == self.qb:
            right_b = np.where(rng.random(n) < self.shared, right_a, own_b)
        else:
            right_b = own_b
        return y, np.where(right_a, y, 1 - y), np.where(right_b, y, 1 - y)


@dataclass(frozen=True)
class PairedScores:
    """Two binormal scorers on the same rows: ``score = delta * y + noise``.

    The two noises are standard normal with correlation ``rho``, so the models'
    population AUCs are ``Phi(delta_a / sqrt 2)`` and ``Phi(delta_b / sqrt 2)``.
    """

    pi: float
    delta_a: float
    delta_b: float
    rho: float = 0.0

    @property
    def auc_a(self) -> float:
        return float(ndtr(self.delta_a / math.sqrt(2.0)))

    @property
    def auc_b(self) -> float:
        return float(ndtr(self.delta_b / math.sqrt(2.0)))

    def sample(self, rng: np.random.Generator, n: int):
        y = (rng.random(n) < self.pi).astype(np.int64)
        e_a = rng.standard_normal(n)
        e_b = self.rho * e_a + math.sqrt(1 - self.rho ** 2) * rng.standard_normal(n)
        return y, self.delta_a * y + e_a, self.delta_b * y + e_b


# ---------------------------------------------------------------------------
# simulation drivers
# ---------------------------------------------------------------------------

@dataclass
class Coverage:
    """Outcome of a coverage simulation of one interval method."""

    method: str
    truth: float
    covered: int = 0
    below: int = 0  # the truth lies below the interval (the interval is too high)
    above: int = 0  # the truth lies above the interval
    undefined: int = 0  # NaN bounds (an undefined BCa interval)
    widths: list = field(default_factory=list)
    estimates: list = field(default_factory=list)

    @property
    def n(self) -> int:
        return self.covered + self.below + self.above + self.undefined

    @property
    def rate(self) -> float:
        return self.covered / self.n

    @property
    def mean_width(self) -> float:
        return float(np.mean(self.widths))

    @property
    def estimates_sd(self) -> float:
        """Standard deviation of the estimates over the data sets (the true SE, up to
        Monte Carlo error)."""
        return float(np.std(self.estimates, ddof=1))

    def add(self, low: float, high: float, estimate: float) -> None:
        self.estimates.append(estimate)
        if not (math.isfinite(low) and math.isfinite(high)):
            self.undefined += 1
            return
        self.widths.append(high - low)
        if self.truth < low:
            self.below += 1
        elif self.truth > high:
            self.above += 1
        else:
            self.covered += 1

    def __str__(self) -> str:
        return (f"{self.method}: coverage {self.rate:.4f} of {self.n} (truth below "
                f"{self.below / self.n:.4f}, above {self.above / self.n:.4f}, undefined "
                f"{self.undefined}), mean width {self.mean_width:.5f}")


def coverage(bootstrap, metric, model, truth: float, *, n: int, datasets: int,
             methods=("percentile", "bca"), n_resamples: int = 1000, seed: int = 0,
             confidence_level: float = 0.95, **params) -> dict[str, Coverage]:
    """Simulate ``datasets`` data sets of ``n`` rows from ``model`` and count coverage.

    ``bootstrap`` is the function under test (``fm.bootstrap``). Each data set
    gets its own bootstrap seed. Returns one :class:`Coverage` per method.
    """
    rng = np.random.default_rng(seed)
    out = {m: Coverage(m, truth) for m in methods}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rare undefined resamples (e.g. no positive)
        for d in range(datasets):
            y, pred = model.sample(rng, n)
            for m in methods:
                r = bootstrap(metric, y, pred, n_resamples=n_resamples, method=m,
                              confidence_level=confidence_level, seed=seed * 100_003 + d,
                              **params)
                out[m].add(r.low, r.high, r.estimate)
    return out


def rejection_rate(test, metric, model, *, n: int, datasets: int, alpha: float = 0.05,
                   n_resamples: int = 1000, seed: int = 0,
                   **params) -> tuple[float, np.ndarray]:
    """Share of ``datasets`` simulated data sets where ``test(...).pvalue <= alpha``.

    ``test`` is ``fm.paired_bootstrap`` or ``fm.permutation_test``. Returns the
    rate and all p-values.
    """
    rng = np.random.default_rng(seed)
    pvalues = np.empty(datasets)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for d in range(datasets):
            y, a, b = model.sample(rng, n)
            pvalues[d] = test(metric, y, a, b, n_resamples=n_resamples,
                              seed=seed * 100_003 + d, **params).pvalue
    return float(np.mean(pvalues <= alpha)), pvalues


def binomial_band(rate: float, trials: int, *, z: float = 3.5, allowance: float = 0.0):
    """``rate -/+ (z * sqrt(rate (1 - rate) / trials) + allowance)``.

    The Monte Carlo band of a simulated rate: at ``z = 3.5`` a correct method
    falls outside it with probability about 5e-4.
    """
    half = z * math.sqrt(rate * (1 - rate) / trials) + allowance
    return rate - half, rate + half

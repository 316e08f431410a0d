"""The fused row route (fastmetrics.inference.rows): the same resampled values as calling
the metric on each resample's rows, the kernels against brute force, BCa's jackknife
against leaving each row out."""

import numpy as np
import pytest

import fastmetrics as fm
from fastmetrics.inference import rows as row_plans
from fastmetrics.inference.statistics import RowResamples, build_statistic
from fastmetrics.kernels.cpu import resample as resample_kernels
from fastmetrics.kernels.cpu import row_resample as kernels

SEED = 11


def _weights(n, r, seed=SEED):
    return resample_kernels.row_weights(np.uint64(seed), 0, n, r).astype(np.float64)


@pytest.fixture(params=[False, True], ids=["serial", "parallel"])
def threads(request, monkeypatch):
    if request.param:
        monkeypatch.setattr(kernels, "PARALLEL_MIN_WORK", 0)
    return request.param


# ---------------------------------------------------------------------------
# kernels
# ---------------------------------------------------------------------------

def test_cell_sums_are_the_weighted_sums_of_each_resample(threads):
    rng = np.random.default_rng(0)
    n, cells = 700, 5
    cell = rng.integers(0, cells, n)
    values = rng.normal(size=(n, 3))
    first, count = 3, 70  # not on a lane boundary, across three groups of lanes
    out = kernels.cell_sums(cell, values, cells, SEED, first, count)
    assert out.shape == (count, cells, 3)
    for r in (3, 34, 35, 72):
        ref = np.zeros((cells, 3))
        np.add.at(ref, cell, _weights(n, r)[:, None] * values)
        np.testing.assert_allclose(out[r - first], ref, rtol=1e-12, atol=1e-12)


def test_cell_sums_of_rows_from_row0_use_the_global_rows():
    rng = np.random.default_rng(1)
    cell = rng.integers(0, 2, 100)
    values = rng.random((100, 1))
    whole = kernels.cell_sums(cell, values, 2, SEED, 0, 40)
    parts = (kernels.cell_sums(cell[:60], values[:60], 2, SEED, 0, 40)
             + kernels.cell_sums(cell[60:], values[60:], 2, SEED, 0, 40, row0=60))
    np.testing.assert_allclose(whole, parts, rtol=1e-13)


def test_cell_sums_of_nothing():
    assert kernels.cell_sums(np.zeros(0, np.int64), np.zeros((0, 2)), 3, 0, 0, 5).sum() == 0
    assert kernels.cell_sums(np.zeros(3, np.int64), np.ones((3, 2)), 1, 0, 0, 0).shape == (0, 1, 2)


@pytest.mark.parametrize("weighted", [False, True])
def test_walk_areas_are_mann_whitney_and_ap_sums(weighted, threads):
    from sklearn.metrics import average_precision_score
    rng = np.random.default_rng(2)
    n, codes = 400, 4
    y = rng.integers(0, codes, n)
    s = rng.normal(size=n).round(1)  # many ties
    sw = rng.random(n) if weighted else None
    order = np.argsort(-s, kind="stable")
    starts = np.r_[True, s[order][1:] != s[order][:-1]]
    target = 2
    area, amount, ap = kernels.walk_areas(order, y[order], starts, target, codes, SEED, 5, 40,
                                          None if sw is None else sw[order])
    for r in (5, 20, 44):
        w = _weights(n, r) * (1 if sw is None else sw)
        pos = y == target
        for c in range(codes):
            assert amount[r - 5, c] == pytest.approx(w[y == c].sum(), rel=1e-12)
            if c == target:
                assert area[r - 5, c] == 0
                continue
            neg = y == c
            above = 2 * (s[pos][:, None] > s[neg][None, :]) + (s[pos][:, None] == s[neg][None, :])
            assert area[r - 5, c] == pytest.approx(w[pos] @ above @ w[neg], rel=1e-12)
        expected = average_precision_score(pos, s, sample_weight=w) * w[pos].sum()
        assert ap[r - 5] == pytest.approx(expected, rel=1e-12)


def test_walk_areas_of_a_raveled_matrix_key_weights_by_row():
    rng = np.random.default_rng(3)
    n, k = 50, 3
    scores = rng.random((n, k)).ravel()
    codes = np.tile(np.arange(k), n) == 1
    order = np.argsort(-scores, kind="stable")
    starts = np.ones(order.size, dtype=bool)
    _, amount, _ = kernels.walk_areas(order, codes[order].astype(np.int64), starts, 1, 2, SEED,
                                      0, 8, stride=k)
    for r in range(8):
        assert amount[r, 1] == _weights(n, r).sum()


# ---------------------------------------------------------------------------
# plans: the values of the metric on each resample's rows
# ---------------------------------------------------------------------------

def _probabilities(rng, n, k, dtype=np.float64):
    p = rng.dirichlet(np.ones(k), n).astype(dtype)
    return p


def _slow(metric, y, preds, weights, params):
    calls = []
    for p in preds:
        from fastmetrics.inference.statistics import first_argument
        kw = {first_argument(metric): y, row_plans_second(metric): p, **params}
        if weights is not None:
            kw["sample_weight"] = weights
        calls.append((metric, kw))
    return RowResamples(calls, "slow")


def row_plans_second(metric):
    from fastmetrics.inference.statistics import second_argument
    return second_argument(metric)


def _check_plan(metric, y, preds, row_weights=None, plan_type=None, n_resamples=70,
                **params):
    weights = row_weights
    plan = row_plans.row_plan(metric, y, preds, weights, params, metric.__name__)
    assert plan is not None
    if plan_type is not None:
        assert isinstance(plan, plan_type)
    slow = _slow(metric, y, preds, weights, params)
    np.testing.assert_allclose(plan.estimates, slow.estimates, rtol=1e-12)
    fast_values = plan.resampled_all(n_resamples, SEED)
    slow_values = slow.resampled_all(n_resamples, SEED)
    np.testing.assert_allclose(fast_values, slow_values, rtol=1e-9, atol=1e-12)
    return plan


@pytest.mark.parametrize("metric", [fm.log_loss, fm.brier_score_loss])
@pytest.mark.parametrize("weighted", [False, True])
def test_losses_of_2d_probabilities(metric, weighted):
    rng = np.random.default_rng(4)
    n = 600
    y = rng.integers(0, 4, n)
    p = _probabilities(rng, n, 4)
    p[:5, 0] = 0.0  # clipped
    p[:5] /= p[:5].sum(axis=1, keepdims=True)
    w = rng.random(n) * 3 if weighted else None
    _check_plan(metric, y, [p, _probabilities(rng, n, 4)], w, row_plans.LossRows,
                labels=[0, 1, 2, 3])


@pytest.mark.parametrize("metric", [fm.log_loss, fm.brier_score_loss])
def test_losses_of_1d_probabilities_and_string_labels(metric):
    rng = np.random.default_rng(5)
    n = 500
    y = np.where(rng.random(n) < 0.3, "yes", "no")
    p = rng.random(n).astype(np.float32)
    params = {"pos_label": "yes"} if metric is fm.brier_score_loss else {}
    _check_plan(metric, y, [p], None, row_plans.LossRows, **params)


def test_log_loss_sum_and_brier_scaling():
    rng = np.random.default_rng(6)
    n = 400
    y = rng.integers(0, 3, n)
    p = _probabilities(rng, n, 3)
    _check_plan(fm.log_loss, y, [p], None, normalize=False, labels=[0, 1, 2])
    _check_plan(fm.brier_score_loss, y, [p], None, scale_by_half=True, labels=[0, 1, 2])


@pytest.mark.parametrize("metric", [fm.expected_calibration_error,
                                    fm.maximum_calibration_error])
@pytest.mark.parametrize("weighted", [False, True])
def test_calibration_errors(metric, weighted):
    rng = np.random.default_rng(7)
    n = 800
    y = rng.integers(0, 3, n)
    p = _probabilities(rng, n, 3)
    w = rng.random(n) if weighted else None
    _check_plan(metric, y, [p, _probabilities(rng, n, 3)], w, row_plans.CalibrationRows,
                n_bins=10)
    yb = rng.integers(0, 2, n)
    pb = np.round(rng.random(n), 1)  # on the bin edges
    _check_plan(metric, yb, [pb], w, row_plans.CalibrationRows, n_bins=10)


def test_top_label_calibration_with_labels_and_norms():
    rng = np.random.default_rng(8)
    n = 600
    y = rng.choice(["a", "b", "c"], n)
    p = _probabilities(rng, n, 3)
    for norm in ("l1", "l2", "max"):
        _check_plan(fm.expected_calibration_error, y, [p], None, norm=norm,
                    labels=["c", "a", "b"])


@pytest.mark.parametrize("multi_class", ["ovr", "ovo"])
@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_multiclass_roc_auc(multi_class, average):
    rng = np.random.default_rng(9)
    n = 500
    y = rng.integers(0, 4, n)
    p = np.round(_probabilities(rng, n, 4) + 0.2 * np.eye(4)[y], 2)
    p /= p.sum(axis=1, keepdims=True)
    _check_plan(fm.roc_auc_score, y, [p, _probabilities(rng, n, 4)], None,
                row_plans.RankingRows, multi_class=multi_class, average=average)


def test_weighted_multiclass_roc_auc_and_average_precision():
    rng = np.random.default_rng(10)
    n = 500
    y = rng.integers(0, 3, n)
    p = _probabilities(rng, n, 3)
    w = rng.random(n)
    _check_plan(fm.roc_auc_score, y, [p], w, multi_class="ovr", average="weighted")
    for average in ("macro", "weighted"):
        _check_plan(fm.average_precision_score, y, [p], w, average=average)
        _check_plan(fm.average_precision_score, y, [p], None, average=average)


@pytest.mark.parametrize("metric", [fm.roc_auc_score, fm.average_precision_score])
def test_weighted_binary_rankings(metric):
    rng = np.random.default_rng(12)
    n = 600
    y = rng.integers(0, 2, n)
    s = np.round(y * 0.5 + rng.random(n), 1)
    w = rng.random(n) * 2
    _check_plan(metric, y, [s, rng.random(n)], w, row_plans.RankingRows)


def test_no_plan_where_the_arguments_need_the_metric_itself():
    rng = np.random.default_rng(13)
    y = rng.integers(0, 3, 100)
    p = _probabilities(rng, 100, 3)
    assert row_plans.row_plan(fm.expected_calibration_error, y, [p], None,
                              {"strategy": "quantile"}, "x") is None
    assert row_plans.row_plan(fm.roc_auc_score, y % 2, [p[:, 0]], None, {}, "x") is None


def test_the_bootstrap_takes_the_plans():
    rng = np.random.default_rng(14)
    n = 2000
    y = rng.integers(0, 3, n)
    p = _probabilities(rng, n, 3)
    s = build_statistic(fm.log_loss, y, p, state=None, sample_weight=None, threshold=None,
                        positive_class=None, strata=None, stratify=False, data=None,
                        drop_nulls=False, metric_params={})
    assert isinstance(s, row_plans.LossRows)
    r = fm.bootstrap(fm.log_loss, y, p, n_resamples=500, seed=0)
    assert r.method == "bca" and r.resampling == "poisson rows"
    assert r.low < fm.log_loss(y, p) < r.high


# ---------------------------------------------------------------------------
# the jackknife of BCa
# ---------------------------------------------------------------------------

def _leave_one_out(metric, y, p, w=None, **params):
    out = []
    for i in range(y.size):
        keep = np.arange(y.size) != i
        kw = {} if w is None else {"sample_weight": w[keep]}
        out.append(metric(y[keep], p[keep], **kw, **params))
    return np.array(out)


@pytest.mark.parametrize("metric,params", [
    (fm.log_loss, {}), (fm.log_loss, {"normalize": False}), (fm.brier_score_loss, {}),
    (fm.brier_score_loss, {"scale_by_half": False})])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_jackknife_leaves_each_row_out(metric, params, weighted):
    rng = np.random.default_rng(15)
    n = 60
    y = rng.integers(0, 3, n)
    p = _probabilities(rng, n, 3)
    w = rng.random(n) if weighted else None
    plan = row_plans.row_plan(metric, y, [p], w, {**params, "labels": [0, 1, 2]}, "m")
    values, counts = plan.jackknife_all()
    np.testing.assert_allclose(values[0], _leave_one_out(metric, y, p, w, labels=[0, 1, 2],
                                                         **params), rtol=1e-10)
    assert counts.sum() == n


@pytest.mark.parametrize("average", ["macro", "weighted"])
def test_ovr_auc_jackknife_leaves_each_row_out(average):
    rng = np.random.default_rng(16)
    n = 80
    y = rng.integers(0, 3, n)
    p = np.round(_probabilities(rng, n, 3), 1)
    p /= p.sum(axis=1, keepdims=True)
    plan = row_plans.row_plan(fm.roc_auc_score, y, [p], None,
                              {"multi_class": "ovr", "average": average}, "m")
    assert plan.has_jackknife
    values, _ = plan.jackknife_all()
    np.testing.assert_allclose(values[0], _leave_one_out(fm.roc_auc_score, y, p,
                                                         multi_class="ovr", average=average),
                               rtol=1e-10)


@pytest.mark.parametrize("metric,params", [
    (fm.accuracy_score, {}), (fm.f1_score, {"average": "macro", "zero_division": 0.0}),
    (fm.matthews_corrcoef, {}), (fm.cohen_kappa_score, {"weights": "quadratic"}),
    (fm.precision_score, {"labels": [0, 2], "average": "micro"})])
def test_weighted_confusion_metrics(metric, params):
    rng = np.random.default_rng(17)
    n = 400
    y = rng.integers(0, 3, n)
    a = np.where(rng.random(n) < 0.7, y, rng.integers(0, 3, n))
    b = np.where(rng.random(n) < 0.6, y, rng.integers(0, 3, n))
    w = rng.random(n) * 2
    _check_plan(metric, y, [a, b], w, row_plans.ConfusionRows, **params)
    if metric in (fm.accuracy_score, fm.matthews_corrcoef):  # string labels too
        s = np.where(y == 1, "yes", "no")
        _check_plan(metric, s, [np.where(a == 1, "yes", "no")], w, row_plans.ConfusionRows)


def test_weighted_confusion_bootstrap_takes_the_plan():
    rng = np.random.default_rng(18)
    y = rng.integers(0, 2, 3000)
    p = np.where(rng.random(3000) < 0.8, y, 1 - y)
    r = fm.bootstrap(fm.f1_score, y, p, sample_weight=rng.random(3000), n_resamples=300,
                     method="percentile")
    assert r.resampling == "poisson rows" and r.low < r.estimate < r.high


@pytest.mark.parametrize("metric", [fm.roc_auc_score, fm.average_precision_score])
@pytest.mark.parametrize("average", ["macro", "weighted"])
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_rankings(metric, average, weighted):
    rng = np.random.default_rng(19)
    n, labels = 300, 4
    y = (rng.random((n, labels)) < [0.5, 0.3, 0.2, 0.0]).astype(int)
    y[:2, 3] = 1  # a label of two rows: many resamples draw neither (undefined AUC, AP 0)
    s = np.round(y * 0.6 + rng.random((n, labels)), 2)
    w = rng.random(n) if weighted else None
    plan = _check_plan(metric, y, [s, rng.random((n, labels))], w, row_plans.MultilabelRows,
                       n_resamples=96, average=average)
    assert plan.route == "poisson rows"


@pytest.mark.parametrize("params", [{"k": 1}, {"k": 2}, {"k": 2, "normalize": False},
                                    {"k": 2, "labels": [0, 1, 2, 3]}])
def test_weighted_top_k(params):
    rng = np.random.default_rng(20)
    n = 400
    y = rng.integers(0, 4, n)
    s = np.round(rng.random((n, 4)) + 0.4 * np.eye(4)[y], 1)  # ties
    w = rng.random(n)
    _check_plan(fm.top_k_accuracy_score, y, [s, rng.random((n, 4))], w, row_plans.TopKRows,
                **params)


@pytest.mark.parametrize("metric,params", [
    (fm.roc_auc_score, {"multi_class": "ovo", "average": "macro"}),
    (fm.roc_auc_score, {"multi_class": "ovo", "average": "weighted"}),
    (fm.average_precision_score, {}),
    (fm.average_precision_score, {"average": "weighted"})])
@pytest.mark.parametrize("ties", [False, True])
def test_ovo_and_ap_jackknife_leave_each_row_out(metric, params, ties):
    rng = np.random.default_rng(19)
    n = 90
    y = rng.integers(0, 4, n)
    p = _probabilities(rng, n, 4)
    if ties:
        p = np.round(p, 1)
        p /= p.sum(axis=1, keepdims=True)
    plan = row_plans.row_plan(metric, y, [p, p[:, ::-1].copy()], None, params, "m")
    assert plan.has_jackknife
    values, counts = plan.jackknife_all()
    assert counts.sum() == n
    for m, scores in enumerate([p, p[:, ::-1]]):
        np.testing.assert_allclose(values[m], _leave_one_out(metric, y, scores, **params),
                                   rtol=1e-10)


def test_bca_on_the_row_route_for_ovo_and_ap():
    rng = np.random.default_rng(20)
    y = rng.integers(0, 3, 3000)
    p = _probabilities(rng, 3000, 3)
    for metric, params in ((fm.roc_auc_score, {"multi_class": "ovo"}),
                           (fm.average_precision_score, {})):
        r = fm.bootstrap(metric, y, p, n_resamples=400, **params)
        assert r.method == "bca" and r.low < r.estimate < r.high
    with pytest.raises(fm.exceptions.InvalidParameterError, match="bca"):
        fm.bootstrap(fm.average_precision_score, y, p, sample_weight=rng.random(3000),
                     n_resamples=400)


@pytest.mark.parametrize("metric,params", [
    (fm.expected_calibration_error, {}),
    (fm.expected_calibration_error, {"norm": "l2", "n_bins": 7}),
    (fm.expected_calibration_error, {"norm": "l2", "debiased": True, "n_bins": 6}),
    (fm.expected_calibration_error, {"norm": "max"}),
    (fm.maximum_calibration_error, {"n_bins": 5})])
@pytest.mark.parametrize("top_label", [False, True])
def test_calibration_jackknife_leaves_each_row_out(metric, params, top_label):
    rng = np.random.default_rng(21)
    n = 120
    if top_label:
        y = rng.integers(0, 3, n)
        p = _probabilities(rng, n, 3)
    else:
        y = rng.integers(0, 2, n)
        p = rng.random(n)
    # a bin of one row, emptied by its leave-one-out
    p = p.copy()
    if top_label:
        p[0] = [0.999, 0.0005, 0.0005]
    else:
        p[0] = 0.999
    plan = row_plans.row_plan(metric, y, [p], None, params, "m")
    assert isinstance(plan, row_plans.CalibrationRows) and plan.has_jackknife
    values, counts = plan.jackknife_all()
    assert counts.sum() == n
    np.testing.assert_allclose(values[0], _leave_one_out(metric, y, p, **params), rtol=1e-10,
                               atol=1e-15)


@pytest.mark.parametrize("metric,params", [
    (fm.roc_auc_score, {"multi_class": "ovr", "average": "micro"}),
    (fm.average_precision_score, {"average": "micro"})])
@pytest.mark.parametrize("weighted", [False, True])
def test_micro_averages_walk_the_raveled_problem(metric, params, weighted):
    rng = np.random.default_rng(22)
    n = 400
    y = rng.integers(0, 3, n)
    p = np.round(_probabilities(rng, n, 3), 2)  # ties
    p /= p.sum(axis=1, keepdims=True)
    w = rng.random(n) + 0.2 if weighted else None
    plan = _check_plan(metric, y, [p, _probabilities(rng, n, 3)], w, row_plans.RankingRows,
                       **params)
    assert plan.micro and not plan.has_jackknife


def test_micro_average_of_clustered_rows():
    rng = np.random.default_rng(23)
    n = 300
    y = rng.integers(0, 3, n)
    p = _probabilities(rng, n, 3)
    cluster = rng.integers(0, 40, n)
    params = {"multi_class": "ovr", "average": "micro"}
    plan = row_plans.row_plan(fm.roc_auc_score, y, [p], None, params, "m", keys=cluster)
    slow = RowResamples([(fm.roc_auc_score, {"y_true": y, "y_score": p, **params})], "m",
                        keys=cluster)
    np.testing.assert_allclose(plan.resampled_all(64, 5), slow.resampled_all(64, 5),
                               rtol=1e-9)


@pytest.mark.parametrize("metric,params", [
    (fm.f1_score, {"average": "macro"}), (fm.f1_score, {"average": "micro"}),
    (fm.f1_score, {"average": "samples", "zero_division": 0.0}),
    (fm.precision_score, {"average": "weighted", "zero_division": 0.0}),
    (fm.jaccard_score, {"average": "samples", "zero_division": 0.0}),
    (fm.hamming_loss, {}), (fm.accuracy_score, {})])
@pytest.mark.parametrize("weighted", [False, True])
def test_multilabel_confusion_metrics(metric, params, weighted):
    rng = np.random.default_rng(24)
    n, labels = 300, 4
    y = (rng.random((n, labels)) < 0.35).astype(int)
    a = np.where(rng.random((n, labels)) < 0.8, y, 1 - y)
    b = np.where(rng.random((n, labels)) < 0.7, y, 1 - y)
    w = rng.random(n) + 0.1 if weighted else None
    _check_plan(metric, y, [a, b], w, row_plans.MultilabelConfusionRows, **params)


def test_multilabel_confusion_bootstrap_takes_the_plan():
    rng = np.random.default_rng(25)
    y = (rng.random((2000, 3)) < 0.4).astype(int)
    p = np.where(rng.random((2000, 3)) < 0.8, y, 1 - y)
    r = fm.bootstrap(fm.f1_score, y, p, average="macro", n_resamples=300, method="percentile")
    assert r.resampling == "poisson rows" and r.low < r.estimate < r.high

"""benchmarks/anomaly.py: its generated data set and how seeds become the table's rows."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from sklearn_lstmae._series_detector import windows_to_points

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "anomaly.py"


@pytest.fixture(scope="module")
def anomaly():
    spec = importlib.util.spec_from_file_location("anomaly_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return module


def _run(method, window, auc_pr, fit_s=1.0):
    return {
        "dataset": "kdd135",
        "window": window,
        "method": method,
        "auc_roc": auc_pr,
        "auc_pr": auc_pr,
        "vus_pr": auc_pr,
        "fit_s": fit_s,
        "score_s": 0.1,
    }


def test_seeds_of_a_method_become_one_row_of_medians_and_a_range(anomaly):
    runs = [
        _run("lstmae", 61, 0.978, fit_s=30.0),
        _run("lstmae", 61, 1.000, fit_s=20.0),
        _run("lstmae", 61, 0.900, fit_s=21.0),
        _run("knn", 61, 0.95),
        _run("knn", 183, 0.10),
    ]
    rows = {(row["method"], row["window"]): row for row in anomaly._medians(runs)}
    assert set(rows) == {("lstmae", 61), ("knn", 61), ("knn", 183)}
    ours = rows["lstmae", 61]
    assert ours["auc_pr"] == pytest.approx(0.978) and ours["fit_s"] == pytest.approx(21.0)
    assert (ours["pr_low"], ours["pr_high"], ours["runs"]) == (0.900, 1.000, 3)
    assert rows["knn", 183]["auc_pr"] == 0.10 and rows["knn", 183]["runs"] == 1


def test_the_multivariate_set_is_reproducible_and_labels_twelve_anomalies(anomaly):
    train, test, labels = anomaly.make_multivariate()
    again = anomaly.make_multivariate()
    np.testing.assert_array_equal(test, again[1])
    assert train.shape == (3000, 6) and test.shape == (5400, 6) and labels.shape == (5400,)
    starts = np.flatnonzero(np.diff(np.concatenate([[0], labels])) == 1)
    assert len(starts) == 12  # separate intervals, at least 300 steps apart
    assert np.all(np.diff(starts) >= 300)
    assert not np.array_equal(test, anomaly.make_multivariate(seed=1)[1])
    # --attribution's ground truth: the same data, and each anomaly's interval and channel.
    *same, anomalies = anomaly.make_multivariate(return_anomalies=True)
    for array, other in zip(same, (train, test, labels)):
        np.testing.assert_array_equal(array, other)
    assert [start for start, *_ in anomalies] == list(starts)
    marked = np.zeros_like(labels)
    for start, length, channel, kind in anomalies:
        marked[start : start + length] = 1
        assert 0 <= channel < 6 and kind in ("spike", "level", "frequency", "decorrelate")
    np.testing.assert_array_equal(marked, labels)


def test_our_detector_also_scores_the_test_series_from_its_second_point(anomaly):
    # The lstmae-from1 row: scores of test[1:], measured against labels[1:] (first_point 1).
    # With every window scored (the default) they are the full series' scores from one
    # window past the start.
    time = np.arange(400)
    train = np.sin(2 * np.pi * time[:300] / 20)
    test = np.sin(2 * np.pi * time / 20)
    test[200:205] += 2.0
    results = anomaly.run_method("lstmae", train, test, [20], quick=True, seed=0)
    scores, _, _, window, first_point = results["lstmae-from1"]
    assert (window, first_point) == (20, 1) and scores.shape == (399,)
    np.testing.assert_allclose(scores[19:], results["lstmae"][0][20:], rtol=1e-6)
    assert len(results["lstmae"]) == 4  # the others cover the whole test series


def test_knn_baseline_is_also_reduced_as_our_detector_reduces(anomaly):
    # One row per reduction at each window: aeon's mean (as kNN's users run it), and our
    # detector's harmonic and geometric means of the same distances, each its own row.
    rng = np.random.RandomState(0)
    train, test = rng.standard_normal(200), rng.standard_normal(120)
    test[60:63] += 5.0
    results = anomaly.run_method("knn", train, test, [10, 20], quick=True)
    assert set(results) == {
        f"{name} w={window}" for name in ("knn", "knn-hmean", "knn-gmean") for window in (10, 20)
    }
    for window in (10, 20):
        distances = np.maximum(_knn_distances(train, test, window), np.finfo(np.float32).tiny)
        starts = np.arange(len(distances))
        for name, reduction in (("knn", "mean"), ("knn-hmean", "hmean"), ("knn-gmean", "gmean")):
            points = results[f"{name} w={window}"][0]
            expected = windows_to_points(distances, starts, window, len(test), reduction)
            np.testing.assert_allclose(points, expected, rtol=1e-10)
        harmonic, arithmetic = results[f"knn-hmean w={window}"][0], results[f"knn w={window}"][0]
        assert (harmonic < arithmetic * (1 - 1e-6)).any()


def _knn_distances(train, test, window):
    """Distance of each test window to its 5th nearest training window, the slow way."""
    train_windows = np.lib.stride_tricks.sliding_window_view(train, window)
    test_windows = np.lib.stride_tricks.sliding_window_view(test, window)
    distances = np.linalg.norm(test_windows[:, None, :] - train_windows[None, :, :], axis=2)
    return np.sort(distances, axis=1)[:, 4]

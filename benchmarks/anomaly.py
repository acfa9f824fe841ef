"""Anomaly detection on labelled series: LSTMAutoencoderSeriesDetector against baselines.

    python benchmarks/anomaly.py            # the README's table (6 min on a 2-core Xeon VM)
    python benchmarks/anomaly.py --seeds 0  # one fit of our detector per data set, not three
    python benchmarks/anomaly.py --params '{"stride": 1}'   # our detector with other settings
    python benchmarks/anomaly.py --quick    # a smoke run: fewer epochs, shorter series
                                            # (a data set whose shortened test series holds
                                            # no anomaly, KDD-TSAD 135, is left out)
    python benchmarks/anomaly.py --memory   # peak memory scoring 1,000,000 and 10,000,000 points
    python benchmarks/anomaly.py --memory --params '{"score_stride": 1}'  # every window scored
    python benchmarks/anomaly.py --trial ecg3 --params '{"stride": 2}' --window 40
                                            # one fit, AUC-PR of every way of scoring it
    python benchmarks/anomaly.py --attribution  # which channel: reconstruction_error on the
                                                # multivariate set's one-channel anomalies

Needs ``pip install -e ".[anomaly-bench]"`` (aeon, and stumpy for aeon's STOMP).

Data sets (one normal training series, one labelled test series each):

- ``kdd135``: aeon's ``load_kdd_tsad_135`` (UCR InternalBleeding16): 1,200 normal
  training points; the test series is the whole 7,501-point recording, one
  anomaly of 12 points.
- ``ecg3``: aeon's ``load_ecg_diff_count_3`` (GutenTAG ECG, three anomalies; only
  while the installed aeon ships it): 10,000 normal training points, 10,000 test.
- ``multivariate``: generated here with a fixed seed (``make_multivariate``):
  six channels mixed from three shared periodic sources (periods 50, 80 and 130
  steps) plus noise; in the test part, twelve anomalies of four kinds (spikes,
  level shifts, a frequency change in one channel, and one channel replaced by
  its own past, which keeps its values and breaks its link to the others).

Two window sizes, the same for every method: the dominant period of the training
series (``dominant_period``, the highest autocorrelation peak) and the window our
detector picks with ``window_size="auto"`` (that period, or the whole fraction of
it that fits in 64 points). Every baseline runs at both, and the better of the
two is the baseline's figure; windows slide by one point. Baselines, each run as
its users run it, with its own defaults:

- ``knn``: sub-sequence kNN, scikit-learn's ``NearestNeighbors`` fitted on the
  training windows; a test window scores its distance to the 5th nearest
  (PyOD's KNN defaults); ``knn-hmean`` and ``knn-gmean``: the same distances,
  each point the harmonic (our detector's default reduction) or geometric
  mean of its windows' (its default until 2026-12-03), so that a reduction
  alone earns our detector nothing;
- ``iforest``: scikit-learn's ``IsolationForest`` fitted on the training windows;
- ``stomp``: aeon's ``STOMP`` (matrix profile) on the test series, unsupervised;
  on the multivariate set, the mean over channels of each channel's profile.

Window scores become point scores with aeon's ``reverse_windowing`` (mean of the
covering windows). Our detector, ``LSTMAutoencoderSeriesDetector`` with its
defaults (``window_size="auto"``, training windows every ``stride=2`` points,
every window scored, ``score_stride=1``), is fitted on the training series and
scores the test series: ``lstmae`` with its defaults (the squared error,
``anomaly_score="error"``, and the harmonic mean of the covering windows'
scores, ``reduction="hmean"``); on the same fitted network, ``lstmae-maha``
with the EncDec-AD score, ``lstmae-gmean`` and ``lstmae-mean`` with the
geometric and the arithmetic mean of the windows' scores (the latter is
aeon's ``reverse_windowing``), and ``lstmae-from1`` the
defaults' scores of the test series without its first point (scored against
the labels from point 1 on): a detector whose scores depend on where the series
starts shows it there. Our detector is fitted once
per ``random_state`` (``--seeds``, default 0, 1, 2): its rows give the median of
each metric over the seeds and the lowest and highest AUC-PR (``PR range``); the
baselines are deterministic (IsolationForest with ``random_state=0``). Each
method runs in its own fresh process, one after the other, so that no two
libraries' thread pools share a process. Metrics are aeon's: AUC-ROC and
AUC-PR of the point scores, and VUS-PR (the range-based PR volume, buffers up to
the window size).
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

METHODS = ("lstmae", "knn", "iforest", "stomp")
# Our detector's settings in this benchmark: its defaults (--params adds to them). Until
# 2026-12-03 this was {"stride": 2} over a default stride of 1; 2 is the default now.
LSTMAE_PARAMS = {}
SEEDS = (0, 1, 2)
# Rows of our detector, each a way of scoring the one fitted network: its defaults, then one
# parameter changed.
SCORINGS = {
    "lstmae": {"anomaly_score": "error", "reduction": "hmean"},
    "lstmae-maha": {"anomaly_score": "mahalanobis", "reduction": "hmean"},
    "lstmae-gmean": {"anomaly_score": "error", "reduction": "gmean"},
    "lstmae-mean": {"anomaly_score": "error", "reduction": "mean"},
}


def make_multivariate(seed=0, n_train=3000, n_test=5400, return_anomalies=False):
    """Six channels from three shared sources; twelve labelled anomalies in the test part.

    Returns
    -------
    train, test : ndarray of shape (n_train, 6), (n_test, 6)
    labels : ndarray of int of shape (n_test,)
    anomalies : list of (start, length, channel, kind)
        Only with ``return_anomalies=True``: where each anomaly is, and in which channel.
    """
    rng = np.random.RandomState(seed)
    n_points = n_train + n_test
    time_steps = np.arange(n_points)
    periods = np.array([50.0, 80.0, 130.0])
    phases = rng.uniform(0, 2 * np.pi, 3)
    sources = np.sin(2 * np.pi * time_steps[:, None] / periods + phases)
    mixing = rng.normal(size=(6, 3))
    clean = sources @ mixing.T
    values = clean + 0.1 * rng.standard_normal((n_points, 6))
    test, labels = values[n_train:].copy(), np.zeros(n_test, dtype=int)
    scale = values[:n_train].std(axis=0)
    # Twelve anomalies of four kinds in random order, at least 300 steps apart.
    slots = (np.arange(12) + 1) * 400 + rng.randint(0, 100, 12)
    kinds = rng.permutation(["spike", "level", "frequency", "decorrelate"] * 3)
    anomalies = []
    for start, kind in zip(slots, kinds):
        channel = rng.randint(6)
        if kind == "spike":
            length = 1
            test[start, channel] += rng.choice([-1, 1]) * 4 * scale[channel]
        elif kind == "level":
            length = 60
            test[start : start + length, channel] += 1.5 * scale[channel]
        elif kind == "frequency":
            length = 100
            span = time_steps[n_train + start : n_train + start + length]
            faster = np.sin(2 * np.pi * span / (periods[0] * 0.6) + phases[0])
            test[start : start + length, channel] += mixing[channel, 0] * (
                faster - sources[n_train + start : n_train + start + length, 0]
            )
        else:
            length = 100
            # The channel's own values from 37 steps earlier: same range, wrong partners.
            test[start : start + length, channel] = test[start - 37 : start - 37 + length, channel]
        labels[start : start + length] = 1
        anomalies.append((int(start), length, int(channel), str(kind)))
    if return_anomalies:
        return values[:n_train], test, labels, anomalies
    return values[:n_train], test, labels


def load_datasets(quick):
    """``{name: (train, test, labels)}``; ecg3 only where the installed aeon ships it."""
    import aeon.datasets

    datasets = {}
    train, _ = aeon.datasets.load_kdd_tsad_135("train")
    test, labels = aeon.datasets.load_kdd_tsad_135("test")
    datasets["kdd135"] = (train, test, labels)
    if hasattr(aeon.datasets, "load_ecg_diff_count_3"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # deprecated in aeon 1.6
            test, labels, train, _ = aeon.datasets.load_ecg_diff_count_3("semi-supervised")
        datasets["ecg3"] = (train, test, labels)
    datasets["multivariate"] = make_multivariate()
    if quick:
        datasets = {
            name: (train[:1000], test[:2500], labels[:2500])
            for name, (train, test, labels) in datasets.items()
            if labels[:2500].any()
        }
    return datasets


# -- each method, in its own process -----------------------------------------------
def _windows(values, window_size):
    from numpy.lib.stride_tricks import sliding_window_view

    values = values.reshape(len(values), -1)
    return sliding_window_view(values, window_size, axis=0).reshape(
        len(values) - window_size + 1, -1
    )


def _to_points(window_scores, window_size):
    from aeon.utils.windowing import reverse_windowing

    return reverse_windowing(window_scores, window_size, reduction=np.nanmean)


def run_method(method, train, test, window_sizes, quick, seed=0, overrides=None):
    """``{name: (scores, fit_seconds, score_seconds, window_size[, first_point])}``.

    ``first_point``, where given, is the first point of the test series the scores cover.
    """
    if method == "lstmae":
        from sklearn_lstmae import LSTMAutoencoderSeriesDetector

        params = {**LSTMAE_PARAMS, **(overrides or {}), "random_state": seed}
        if quick:
            params["epochs"] = 5
        # The defaults, as a user fits them: the error model behind "mahalanobis" is fitted
        # whatever anomaly_score is, so every scoring below reads the same fitted network.
        detector = LSTMAutoencoderSeriesDetector(**params)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning at the epoch limit
            detector.fit(train)
        fit_seconds = time.perf_counter() - start
        results = {}
        for name, scoring in SCORINGS.items():
            # The same network: these parameters only change how its errors are scored.
            detector.set_params(**scoring)
            start = time.perf_counter()
            scores = detector.score_timesteps(test)
            seconds = time.perf_counter() - start
            results[name] = (scores, fit_seconds, seconds, detector.window_size_)
        # The defaults' scores of the test series started one point later: a detector whose
        # scores depend on where the series starts shows it here.
        detector.set_params(**SCORINGS["lstmae"])
        start = time.perf_counter()
        scores = detector.score_timesteps(test[1:])
        seconds = time.perf_counter() - start
        results["lstmae-from1"] = (scores, fit_seconds, seconds, detector.window_size_, 1)
        return results
    results = {}
    for window_size in window_sizes:
        name = f"{method} w={window_size}"
        if method == "knn":
            from sklearn.neighbors import NearestNeighbors

            start = time.perf_counter()
            model = NearestNeighbors(n_neighbors=5).fit(_windows(train, window_size))
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            distances, _ = model.kneighbors(_windows(test, window_size))
            search_seconds = time.perf_counter() - start
            # Also with our detector's reductions (the harmonic mean, its default, and the
            # geometric mean, its default until 2026-12-03), so that the table shows what the
            # reduction alone does, and the better of them counts as a baseline too. Each
            # row's score time is the search plus its own reduction.
            floored = np.maximum(distances[:, -1], np.finfo(np.float32).tiny)
            for reduced_name, transform, inverse in (
                ("knn-hmean", np.reciprocal, np.reciprocal),
                ("knn-gmean", np.log, np.exp),
            ):
                start = time.perf_counter()
                points = inverse(_to_points(transform(floored), window_size))
                results[f"{reduced_name} w={window_size}"] = (
                    points,
                    fit_seconds,
                    search_seconds + time.perf_counter() - start,
                    window_size,
                )
            start = time.perf_counter() - search_seconds  # the row below: search + aeon's mean
            scores = _to_points(distances[:, -1], window_size)
        elif method == "iforest":
            from sklearn.ensemble import IsolationForest

            start = time.perf_counter()
            model = IsolationForest(random_state=0).fit(_windows(train, window_size))
            fit_seconds = time.perf_counter() - start
            start = time.perf_counter()
            scores = _to_points(-model.score_samples(_windows(test, window_size)), window_size)
        elif method == "stomp":
            from aeon.anomaly_detection.series.distance_based import STOMP

            fit_seconds, start = 0.0, time.perf_counter()
            channels = test.reshape(len(test), -1).T
            scores = np.mean(
                [STOMP(window_size=window_size).fit_predict(channel) for channel in channels],
                axis=0,
            )
        else:
            raise ValueError(f"unknown method {method!r}")
        results[name] = (scores, fit_seconds, time.perf_counter() - start, window_size)
    return results


def child(arguments):
    data = np.load(arguments.data)
    window_sizes = [int(w) for w in data["window_sizes"]]
    results = run_method(
        arguments.child,
        data["train"],
        data["test"],
        window_sizes,
        arguments.quick,
        arguments.seed,
        json.loads(arguments.params),
    )
    output = {}
    for name, (scores, fit_seconds, score_seconds, window_size, *first) in results.items():
        path = f"{arguments.data}.{name.replace(' ', '_')}.{arguments.seed}.npy"
        np.save(path, np.asarray(scores, dtype=np.float64))
        output[name] = {
            "scores": path,
            "fit_s": fit_seconds,
            "score_s": score_seconds,
            "window": int(window_size),
            "first_point": first[0] if first else 0,  # the scores cover test[first_point:]
        }
    print(json.dumps(output))


# -- memory over a long series ---------------------------------------------------------
def _rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


MEMORY_PARAMS = {"stride": 50, "score_stride": 50, "units": 16, "epochs": 3, "random_state": 0}


def memory_child(n_points, overrides=None):
    """Score ``n_points`` points; print the peak growth of the resident set while scoring."""
    import threading

    from sklearn_lstmae import LSTMAutoencoderSeriesDetector

    rng = np.random.RandomState(0)
    series = np.sin(2 * np.pi * np.arange(n_points) / 50) + 0.1 * rng.standard_normal(n_points)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        detector = LSTMAutoencoderSeriesDetector(50, **{**MEMORY_PARAMS, **(overrides or {})})
        detector.fit(series[:5000])
    detector.score_timesteps(series[:200_000])  # warm up the compiled inference
    before, peak, scoring = _rss_bytes(), [0], [True]

    def sample():
        while scoring[0]:
            peak[0] = max(peak[0], _rss_bytes())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample)
    sampler.start()
    start = time.perf_counter()
    scores = detector.score_timesteps(series)
    seconds = time.perf_counter() - start
    scoring[0] = False
    sampler.join()
    peak[0] = max(peak[0], _rss_bytes())
    print(
        json.dumps(
            {
                "n_points": n_points,
                "series_mb": series.nbytes / 1e6,
                "scores_mb": scores.nbytes / 1e6,
                "growth_mb": (peak[0] - before) / 1e6,
                "seconds": seconds,
            }
        )
    )


def memory_table(params):
    overrides = json.loads(params)
    print(
        f"LSTMAutoencoderSeriesDetector(50, **{ {**MEMORY_PARAMS, **overrides} }) scoring a "
        "univariate series; peak growth of the resident set while scoring (sampled every "
        "5 ms), each size in a fresh process"
    )
    print(f"load {os.getloadavg()[0]:.1f}")
    header = f"{'points':>12}{'series MB':>11}{'scores MB':>11}{'growth MB':>11}"
    header += f"{'growth - scores':>17}{'seconds':>9}"
    print(header)
    for n_points in (1_000_000, 10_000_000):
        command = [sys.executable, __file__, "--memory-child", str(n_points), "--params", params]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            print(f"{n_points} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{row['n_points']:>12,}{row['series_mb']:>11.0f}{row['scores_mb']:>11.0f}"
            f"{row['growth_mb']:>11.0f}{row['growth_mb'] - row['scores_mb']:>17.0f}"
            f"{row['seconds']:>9.1f}"
        )


# -- one trial: AUC-PR of every way of scoring one fitted network -------------------------
def trial(dataset, params, window):
    """Fit once on ``dataset``; print the AUC-PR of each anomaly_score, reduction and level."""
    import itertools

    from aeon.benchmarking.metrics.anomaly_detection import pr_auc_score

    from sklearn_lstmae import LSTMAutoencoderSeriesDetector

    train, test, labels = load_datasets(False)[dataset]
    params = {"random_state": 0, **params}
    detector = LSTMAutoencoderSeriesDetector(window or "auto", **params)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        detector.fit(train)
    figures = []
    for score, level, reduction in itertools.product(
        ("error", "mahalanobis"), ("window", "step"), ("mean", "gmean", "hmean", "min", "max")
    ):
        detector.set_params(anomaly_score=score, score_level=level, reduction=reduction)
        auc_pr = pr_auc_score(labels, detector.score_timesteps(test))
        figures.append(f"{score}/{level}/{reduction} {auc_pr:.3f}")
    print(
        f"{dataset} w={detector.window_size_} {params}: fit {time.perf_counter() - start:.0f} s, "
        f"{detector.n_iter_} epochs; AUC-PR " + ", ".join(figures)
    )


def attribution(params, seeds):
    """Which channel? For each anomaly of the multivariate set (each is in one channel).

    Our detector's channel: the largest mean standardized ``reconstruction_error``
    over the anomaly's points. Against the simplest rule a user has without a
    model: the channel whose points lie farthest from its training mean, in
    training standard deviations (mean absolute z-score over the same points).
    """
    from sklearn_lstmae import LSTMAutoencoderSeriesDetector

    train, test, _, anomalies = make_multivariate(return_anomalies=True)
    z_scores = np.abs(test - train.mean(axis=0)) / train.std(axis=0)
    print(
        f"LSTMAutoencoderSeriesDetector(**{params}) on the multivariate set, random_state in "
        f"{', '.join(map(str, seeds))}: the channel each anomaly is put in, and the channel "
        "named by the largest mean standardized reconstruction error over its points (ours) "
        "or by the largest mean |z-score| (z)"
    )
    named = []
    for seed in seeds:
        detector = LSTMAutoencoderSeriesDetector(**{**params, "random_state": seed})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            detector.fit(train)
        errors = detector.reconstruction_error(test, standardized=True)
        named.append([int(errors[s : s + n].mean(axis=0).argmax()) for s, n, _, _ in anomalies])
    print(f"{'start':>6} {'length':>6}  {'kind':<12}{'channel':>8}  {'ours':<14}{'z':>3}")
    right = np.zeros(len(seeds), dtype=int)
    right_z = 0
    for index, (start, length, channel, kind) in enumerate(anomalies):
        ours = [names[index] for names in named]
        right += np.equal(ours, channel)
        by_z = int(z_scores[start : start + length].mean(axis=0).argmax())
        right_z += by_z == channel
        print(
            f"{start:>6} {length:>6}  {kind:<12}{channel:>8}  "
            f"{' '.join(map(str, ours)):<14}{by_z:>3}"
        )
    print(
        f"right: ours {', '.join(map(str, right))} of {len(anomalies)} (per seed); "
        f"z {right_z} of {len(anomalies)}; chance {len(anomalies) / 6:.0f}"
    )


# -- the table -----------------------------------------------------------------------
def metrics(labels, scores, window_size):
    from aeon.benchmarking.metrics.anomaly_detection import (
        pr_auc_score,
        range_pr_vus_score,
        roc_auc_score,
    )

    return {
        "auc_roc": roc_auc_score(labels, scores),
        "auc_pr": pr_auc_score(labels, scores),
        "vus_pr": range_pr_vus_score(labels, scores, max_buffer_size=window_size),
    }


def _int_list(text):
    return tuple(int(item) for item in text.split(",") if item.strip())


def _medians(per_run):
    """One row per (method, window): the median of each figure over the runs, AUC-PR's range."""
    groups = {}
    for row in per_run:
        groups.setdefault((row["method"], row["window"]), []).append(row)
    rows = []
    for group in groups.values():
        row = {key: group[0][key] for key in ("dataset", "window", "method")}
        for key in ("auc_roc", "auc_pr", "vus_pr", "fit_s", "score_s"):
            row[key] = float(np.median([run[key] for run in group]))
        row["pr_low"] = min(run["auc_pr"] for run in group)
        row["pr_high"] = max(run["auc_pr"] for run in group)
        row["runs"] = len(group)
        rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, not the table")
    parser.add_argument("--memory", action="store_true", help="memory scoring long series")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--trial", help="a data set: one fit, every way of scoring it")
    parser.add_argument(
        "--params",
        default="{}",
        help="our detector's parameters over the table's (with --trial, its own; with --memory, "
        "over the memory run's), JSON",
    )
    parser.add_argument("--window", type=int, help='--trial: window_size (default "auto")')
    parser.add_argument(
        "--attribution",
        action="store_true",
        help="the multivariate set: which channel each anomaly is in, as reconstruction_error "
        "names it",
    )
    parser.add_argument(
        "--seeds",
        help="comma-separated random_state values of our detector "
        f"(default: {','.join(map(str, SEEDS))}; 0 with --quick)",
    )
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        return child(arguments)
    if arguments.memory_child:
        return memory_child(arguments.memory_child, json.loads(arguments.params))
    if arguments.memory:
        return memory_table(arguments.params)
    if arguments.trial:
        return trial(arguments.trial, json.loads(arguments.params), arguments.window)
    if arguments.attribution:
        seeds = SEEDS if arguments.seeds is None else _int_list(arguments.seeds)
        return attribution({**LSTMAE_PARAMS, **json.loads(arguments.params)}, seeds)

    from sklearn_lstmae._kernel_build import kernels_in_use
    from sklearn_lstmae._series_detector import auto_window_size, dominant_period

    print(
        f"{time.strftime('%Y-%m-%d')}  {platform.machine()}  {os.cpu_count()} CPUs  "
        f"Python {platform.python_version()}  load {os.getloadavg()[0]:.1f}  {kernels_in_use()}"
    )
    overrides = json.loads(arguments.params)
    seeds = SEEDS if arguments.seeds is None else _int_list(arguments.seeds)
    if arguments.quick and arguments.seeds is None:
        seeds = (0,)
    print(
        f"lstmae: LSTMAutoencoderSeriesDetector(**{ {**LSTMAE_PARAMS, **overrides} }), "
        f"random_state in {', '.join(map(str, seeds))}: medians, and AUC-PR's range"
    )
    rows = []
    with tempfile.TemporaryDirectory() as directory:
        for dataset, (train, test, labels) in load_datasets(arguments.quick).items():
            window_sizes = sorted({dominant_period(train) or 100, auto_window_size(train)})
            path = os.path.join(directory, f"{dataset}.npz")
            np.savez(path, train=train, test=test, window_sizes=window_sizes)
            runs = [(method, 0) for method in METHODS if method != "lstmae"]
            runs = [("lstmae", seed) for seed in seeds] + runs
            per_run = []
            for method, seed in runs:
                command = [sys.executable, __file__, "--child", method, "--data", path]
                command += ["--seed", str(seed), "--params", arguments.params]
                command += ["--quick"] if arguments.quick else []
                done = subprocess.run(command, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"{dataset} {method} failed:\n{done.stderr[-2000:]}", file=sys.stderr)
                    continue
                results = json.loads(done.stdout.strip().splitlines()[-1])
                for name, result in results.items():
                    scores = np.load(result["scores"])
                    first_point = result["first_point"]
                    per_run.append(
                        {
                            "dataset": dataset,
                            "window": result["window"],
                            "method": name.split()[0],
                            **metrics(labels[first_point:], scores, result["window"]),
                            "fit_s": result["fit_s"],
                            "score_s": result["score_s"],
                        }
                    )
            rows += _medians(per_run)
    header = f"{'data set':<13}{'w':>5}  {'method':<12}"
    header += "".join(f"{c:>9}" for c in ("AUC-ROC", "AUC-PR", "VUS-PR", "fit s", "score s"))
    header += f"{'PR range':>14}"
    print(header)
    print("-" * len(header))
    for row in rows:
        spread = f"{row['pr_low']:.3f}-{row['pr_high']:.3f}" if row["runs"] > 1 else "-"
        print(
            f"{row['dataset']:<13}{row['window']:>5}  {row['method']:<12}"
            f"{row['auc_roc']:>9.3f}{row['auc_pr']:>9.3f}{row['vus_pr']:>9.3f}"
            f"{row['fit_s']:>9.1f}{row['score_s']:>9.1f}{spread:>14}"
        )
    print()
    print("Median AUC-PR of each detector / the best baseline's (lowest and highest seed's):")
    for dataset in dict.fromkeys(row["dataset"] for row in rows):
        these = [row for row in rows if row["dataset"] == dataset]
        baselines = [row for row in these if not row["method"].startswith("lstmae")]
        best = max(baselines, key=lambda row: row["auc_pr"])
        ours = "  ".join(
            f"{row['method']} {row['auc_pr'] / best['auc_pr']:.2f}x "
            f"({row['pr_low'] / best['auc_pr']:.2f}-{row['pr_high'] / best['auc_pr']:.2f})"
            for row in these
            if row["method"].startswith("lstmae")
        )
        print(
            f"  {dataset:<13}{ours}   (best baseline: {best['method']} at w={best['window']}, "
            f"{best['auc_pr']:.3f})"
        )
    print(f"load {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    sys.exit(main())

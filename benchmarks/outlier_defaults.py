"""Do default fits of LSTMAutoencoderOutlierDetector stop on their own, and how well do they detect?

One-class protocol: train on the sequences of one class (the normal data), score
a test set where every other class is an outlier; AUC-ROC of ``-score_samples``.
Sets: scikit-learn's digits (each 8x8 image as 8 steps of 8 features; normal
class 0, 3 or 8, trained on its share of 900 shuffled images, tested on the
other 897) and aeon's bundled GunPoint, ArrowHead, ItalyPowerDemand and
BasicMotions (normal: the first class of the train split; tested on the test
split). Each configuration is fitted with ``random_state`` 0, 1, 2; the table
gives the mean AUC-ROC, mean epochs, mean fit time and the ConvergenceWarnings
over the three fits. Timings share one process (fits after the first are
warm); compare them between columns, not with other scripts.

Run::

    python benchmarks/outlier_defaults.py                     # the defaults
    python benchmarks/outlier_defaults.py --params '{"epochs": 100}' '{}'
"""

import argparse
import json
import os
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from sklearn_lstmae import LSTMAutoencoderOutlierDetector  # noqa: E402

SEEDS = (0, 1, 2)


def digit_sets():
    digits = load_digits()
    images, target = digits.data.reshape(-1, 8, 8) / 16, digits.target
    for normal in (0, 3, 8):
        order = np.random.default_rng(normal).permutation(len(images))
        train, test = order[:900], order[900:]
        yield (
            f"digits {normal}",
            images[train][target[train] == normal],
            images[test],
            (target[test] != normal).astype(int),
        )


def ucr_sets():
    from aeon.datasets import (
        load_arrow_head,
        load_basic_motions,
        load_gunpoint,
        load_italy_power_demand,
    )

    for name, loader in (
        ("GunPoint", load_gunpoint),
        ("ArrowHead", load_arrow_head),
        ("ItalyPowerDemand", load_italy_power_demand),
        ("BasicMotions", load_basic_motions),
    ):
        X_train, y_train = loader(split="train")
        X_test, y_test = loader(split="test")
        normal = np.unique(y_train)[0]
        # aeon's (n_cases, n_channels, n_timepoints) as (n_cases, n_timepoints, n_channels)
        yield (
            name,
            np.transpose(X_train[y_train == normal], (0, 2, 1)),
            np.transpose(X_test, (0, 2, 1)),
            (y_test != normal).astype(int),
        )


def evaluate(params, normal, test, is_outlier):
    aucs, epochs, seconds, n_warnings = [], [], [], 0
    for seed in SEEDS:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            start = time.perf_counter()
            detector = LSTMAutoencoderOutlierDetector(random_state=seed, **params).fit(normal)
            seconds.append(time.perf_counter() - start)
        n_warnings += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        aucs.append(roc_auc_score(is_outlier, -detector.score_samples(test)))
        epochs.append(detector.n_iter_)
    return np.mean(aucs), np.mean(epochs), np.mean(seconds), n_warnings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--params",
        nargs="+",
        default=["{}"],
        help="one JSON dict of parameters per column ('{}': the defaults)",
    )
    args = parser.parse_args()
    columns = [json.loads(text) for text in args.params]
    print(f"LSTMAutoencoderOutlierDetector, random_state in {SEEDS}: mean AUC-ROC (epochs, fit s)")
    for params in columns:
        print(f"  column {json.dumps(params)}")
    totals = [[0.0, 0] for _ in columns]
    n_sets = 0
    for name, normal, test, is_outlier in [*digit_sets(), *ucr_sets()]:
        cells = []
        for total, params in zip(totals, columns):
            auc, epochs, seconds, n_warnings = evaluate(params, normal, test, is_outlier)
            total[0] += auc
            total[1] += n_warnings
            cells.append(f"{auc:.3f} ({epochs:4.0f} ep, {seconds:5.1f} s, {n_warnings} warn)")
        n_sets += 1
        print(f"{name:17s} n={len(normal):4d}  " + "   ".join(cells), flush=True)
    means = "   ".join(
        f"{auc / n_sets:.3f} ({n_warnings} ConvergenceWarnings)" for auc, n_warnings in totals
    )
    print(f"{'mean':24s}  {means}")


if __name__ == "__main__":
    main()

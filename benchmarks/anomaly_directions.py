"""Do window scores that read each window both ways rank anomalies better?

A pre-registered trial for issue 17 (rule and result in ``anomaly_results.txt``).
The series detector scored a KDD-TSAD 135 window higher when the anomaly lay at
its start than at its end, and the hypothesis was the forward-reading encoder
(the result refuted it: a network reading the windows backward does the same;
the point after the label is itself off the trend). This script fits, per data set and
seed, four default detectors: on the training series (``forward``), on the
training series reversed in time (``reverse``, scoring the reversed test series,
so each window is read end to start), and on the training series with another
seed (``forward2``, a control: two networks of the same cost without the
reversal), and one more (``one-net``) on both the training series and its
reversal, as two series of one fit, that scores every test window read forward
and read backward. Every test window gets each network's mean step score; the
point scores are the harmonic mean (the default reduction) over the covering
windows of

- ``forward``: the forward network's window scores (the defaults: must equal the
  ``lstmae`` row of ``anomaly.py``'s table, a check of this script);
- ``both-ways``: the mean of the forward and the reverse network's scores of each
  window;
- ``two-forward``: the mean of the two forward networks' scores (the control);
- ``one-net``: the mean of the one network's scores of each window read forward
  and backward (as cheap to keep as the defaults: one network of the same size).

Printed: the median AUC-PR over the seeds and its range, per data set, and the
mean score of a window by where one labelled point lies in it (start or end).

    python benchmarks/anomaly_directions.py            # seeds 0, 1, 2
"""

import argparse
import time
import warnings

import numpy as np
from anomaly import load_datasets


def window_scores(detector, values):
    """The default score (mean over steps and features of the squared standardized
    error) of every window, in start order."""
    from sklearn_lstmae._detectors import step_scores

    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    scores = []
    for _, block in detector._blocks(values):
        residuals = detector._standardized_errors(block)
        scores.append(step_scores(residuals, "error").mean(axis=1))
    return np.concatenate(scores)


def fitted(train, window_size, seed):
    from sklearn_lstmae import LSTMAutoencoderSeriesDetector

    detector = LSTMAutoencoderSeriesDetector(window_size, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return detector.fit(train)


def main():
    from aeon.benchmarking.metrics.anomaly_detection import pr_auc_score

    from sklearn_lstmae._series_detector import windows_to_points

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default="0,1,2")
    arguments = parser.parse_args()
    seeds = [int(seed) for seed in arguments.seeds.split(",")]
    for name, (train, test, labels) in load_datasets(False).items():
        figures = {"forward": [], "both-ways": [], "two-forward": [], "one-net": []}
        edges = {"forward": [], "both-ways": [], "one-net": []}
        seconds = []
        for seed in seeds:
            start = time.perf_counter()
            forward = fitted(train, "auto", seed)
            w = forward.window_size_
            reverse = fitted(np.ascontiguousarray(train[::-1]), w, seed)
            forward2 = fitted(train, w, seed + 100)
            one_net = fitted([train, np.ascontiguousarray(train[::-1])], w, seed)
            seconds.append(time.perf_counter() - start)
            by_forward = window_scores(forward, test)
            by_reverse = window_scores(reverse, np.ascontiguousarray(test[::-1]))[::-1]
            by_forward2 = window_scores(forward2, test)
            by_one_net = (
                window_scores(one_net, test)
                + window_scores(one_net, np.ascontiguousarray(test[::-1]))[::-1]
            ) / 2
            windows = {
                "forward": by_forward,
                "both-ways": (by_forward + by_reverse) / 2,
                "two-forward": (by_forward + by_forward2) / 2,
                "one-net": by_one_net,
            }
            starts = np.arange(len(by_forward))
            for method, scores in windows.items():
                points = windows_to_points(scores, starts, w, len(test), "hmean")
                figures[method].append(pr_auc_score(labels, points))
            # A window holding exactly one labelled point, at its first or its last step.
            labelled = np.flatnonzero(labels)
            first, last = labelled.min(), labelled.max()
            for method in edges:
                edges[method].append((windows[method][last], windows[method][first - w + 1]))
        print(
            f"{name} w={w} seeds {seeds}: four fits per seed took "
            f"{np.median(seconds):.0f} s (median)"
        )
        for method, values in figures.items():
            print(
                f"  {method:12s} AUC-PR median {np.median(values):.3f} "
                f"({min(values):.3f}-{max(values):.3f}) per seed "
                + " ".join(f"{value:.3f}" for value in values)
            )
        normal = np.median(by_forward[: max(1, len(by_forward) // 4)])
        for method, pairs in edges.items():
            at_start, at_end = np.median(np.array(pairs), axis=0)
            print(
                f"  {method:12s} window holding the last labelled point at its start "
                f"{at_start:.4f}, the first at its end {at_end:.4f} (last seed's forward "
                f"median of the first quarter's windows {normal:.4f})"
            )


if __name__ == "__main__":
    main()

"""How much of KDD-TSAD 135's AUC-PR gap is the one point after its label?

KDD-TSAD 135 (UCR InternalBleeding16) labels points 4187-4198. Point 4199 is
unlabelled but still off the series' trend (the last high point of the
labelled zigzag; ``anomaly_results.txt``). This script scores the test series
with the series detector's defaults (seeds 0, 1, 2) and with ``anomaly.py``'s
kNN baselines at the same window, and prints, for each, the AUC-PR against

- the labels as aeon ships them;
- the labels with point 4199 left out of the evaluation (neither normal nor
  anomalous);
- the labels with point 4199 labelled too;

and how many labelled points score below point 4199.

    python benchmarks/anomaly_label_edge.py
"""

import warnings

import numpy as np
from anomaly import _to_points, _windows, load_datasets


def main():
    from aeon.benchmarking.metrics.anomaly_detection import pr_auc_score
    from sklearn.neighbors import NearestNeighbors

    from sklearn_lstmae import LSTMAutoencoderSeriesDetector

    train, test, labels = load_datasets(False)["kdd135"]
    labels = np.asarray(labels, dtype=bool)
    after = np.flatnonzero(labels).max() + 1  # 4199
    scores = {}
    window = None
    for seed in (0, 1, 2):
        detector = LSTMAutoencoderSeriesDetector(random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            detector.fit(train)
        window = detector.window_size_
        scores[f"lstmae seed {seed}"] = detector.score_timesteps(test)
    distances, _ = (
        NearestNeighbors(n_neighbors=5)
        .fit(_windows(train, window))
        .kneighbors(_windows(test, window))
    )
    floored = np.maximum(distances[:, -1], np.finfo(np.float32).tiny)
    scores["knn"] = _to_points(distances[:, -1], window)
    scores["knn-hmean"] = np.reciprocal(_to_points(np.reciprocal(floored), window))
    scores["knn-gmean"] = np.exp(_to_points(np.log(floored), window))

    keep = np.ones(len(labels), dtype=bool)
    keep[after] = False
    with_after = labels.copy()
    with_after[after] = True
    print(
        f"KDD-TSAD 135, window {window}: labelled points {np.flatnonzero(labels).min()}-"
        f"{after - 1}; point {after} is the first after the label"
    )
    print(
        f"{'method':16s} {'AUC-PR':>8s} {'w/o ' + str(after):>9s} {'with ' + str(after):>10s}"
        f"   labelled points below {after}"
    )
    for name, points in scores.items():
        below = int(np.sum(points[labels] < points[after]))
        print(
            f"{name:16s} {pr_auc_score(labels, points):8.3f} "
            f"{pr_auc_score(labels[keep], points[keep]):9.3f} "
            f"{pr_auc_score(with_after, points):10.3f}   {below} of {labels.sum()}"
        )


if __name__ == "__main__":
    main()

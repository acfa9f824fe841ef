"""Find unusual intervals in a multivariate sensor series with LSTMAutoencoderSeriesDetector.

    python examples/anomaly_detection.py [plot.png]

Three sensors of a pump, sampled every 30 minutes for six weeks (a daily cycle
of 48 points): inlet temperature, pressure, and flow, which follows pressure.
The first four weeks are normal; the detector learns them (semi-supervised),
then scores the last two weeks, in which three things go wrong: a pressure
sensor glitch, a clogged filter (flow drops while pressure stays), and a day
of stuck temperature readings. The flagged intervals are printed, each with the
sensor the network rebuilt worst there (``reconstruction_error``), and the plot
(series, scores, threshold, the true faults shaded) is saved to the path given
on the command line, or to a temporary folder.
"""

import argparse
import os
import tempfile

try:
    import matplotlib
except ImportError:  # the detection runs without it; only the plot is skipped
    matplotlib = None
else:
    matplotlib.use("Agg")  # this script only: draw to a file without a display

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sklearn_lstmae import AnomalyScoreDisplay, LSTMAutoencoderSeriesDetector  # noqa: E402


def make_sensor_data(seed=0):
    """Six weeks of three sensors every 30 minutes, and the labels of three faults."""
    rng = np.random.RandomState(seed)
    index = pd.date_range("2026-03-02", periods=6 * 7 * 48, freq="30min")
    day = 2 * np.pi * np.arange(len(index)) / 48
    temperature = 20 + 4 * np.sin(day - 1.0) + 0.3 * rng.standard_normal(len(index))
    pressure = (
        3 + 0.8 * np.sin(day) + 0.4 * np.sin(2 * day) + 0.05 * rng.standard_normal(len(index))
    )
    flow = 10 + 2.5 * (pressure - 3) + 0.1 * rng.standard_normal(len(index))
    frame = pd.DataFrame(
        {"temperature": temperature, "pressure": pressure, "flow": flow}, index=index
    )
    labels = pd.Series(0, index=index, name="fault")
    faults = {
        "pressure glitch": (pd.Timestamp("2026-04-02 09:00"), 3),
        "clogged filter": (pd.Timestamp("2026-04-05 06:00"), 16),
        "stuck temperature": (pd.Timestamp("2026-04-09 00:00"), 48),
    }
    for name, (start, length) in faults.items():
        at = frame.index.get_loc(start)
        where = slice(at, at + length)
        if name == "pressure glitch":
            frame.iloc[where, 1] += 1.5
        elif name == "clogged filter":
            frame.iloc[where, 2] -= 2.5  # flow drops; pressure unchanged
        else:
            frame.iloc[where, 0] = frame.iloc[at, 0]  # the last reading, repeated
        labels.iloc[where] = 1
    return frame, labels, faults


def flagged_intervals(labels):
    """``(first, last)`` timestamps of each run of points labelled -1."""
    flagged = (labels == -1).to_numpy().astype(np.int8)
    edges = np.diff(np.concatenate([[0], flagged, [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    return [(labels.index[start], labels.index[stop - 1]) for start, stop in zip(starts, stops)]


def main(plot_path=None):
    frame, labels, faults = make_sensor_data()
    train, test = frame.iloc[: 4 * 7 * 48], frame.iloc[4 * 7 * 48 :]

    # window_size="auto" finds the daily cycle (48 points); fit trains on a window every 4
    # points (stride), and every window is scored (score_stride=1, the default).
    # contamination=0.01: the threshold flags 1% of the training points.
    detector = LSTMAutoencoderSeriesDetector(stride=4, contamination=0.01, units=32, random_state=0)
    detector.fit(train)
    print(f"window_size_ = {detector.window_size_} points (one day)")
    print(f"trained {detector.n_iter_} epochs; threshold_ = {detector.threshold_:.2f}")

    predicted = detector.predict(test)  # +1 normal, -1 anomalous, on the test's time index
    # A window scores all of its points: a fault raises the scores up to a window around it.
    print("\nflagged intervals, and the true faults inside them:")
    spans = {
        name: (start, start + pd.Timedelta(minutes=30 * (length - 1)))
        for name, (start, length) in faults.items()
    }
    # Which sensor the network could not rebuild: the largest standardized reconstruction
    # error over the interval (standardized, every sensor counts in the same units).
    errors = detector.reconstruction_error(test, standardized=True)
    for first, last in flagged_intervals(predicted):
        inside = [name for name, (start, end) in spans.items() if start <= last and end >= first]
        sensor = errors.loc[first:last].mean().idxmax()
        print(
            f"  {first:%a %d %b %H:%M} - {last:%a %d %b %H:%M}  worst rebuilt: {sensor:<12}"
            f"{', '.join(inside) or '-'}"
        )
    print("\ntrue faults:")
    for name, (start, end) in spans.items():
        print(f"  {start:%a %d %b %H:%M} - {end:%a %d %b %H:%M}  {name}")

    if matplotlib is None:
        print('\nno plot: matplotlib is not installed (pip install -e ".[plot]" adds it).')
        return detector, predicted, labels.loc[test.index]
    display = AnomalyScoreDisplay.from_estimator(detector, test, labels=labels.loc[test.index])
    display.figure_.set_size_inches(12, 4)
    display.ax_.set_title("Pump sensors: anomaly score of each half hour")
    display.figure_.autofmt_xdate()
    display.figure_.tight_layout()
    if plot_path is None:
        plot_path = os.path.join(tempfile.mkdtemp(), "anomaly_detection.png")
    if not os.path.splitext(plot_path)[1]:
        plot_path += ".png"  # what matplotlib would write: say the name it gets
    display.figure_.savefig(plot_path, dpi=100)
    print(f"\nplot saved to {plot_path}")
    return detector, predicted, labels.loc[test.index]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "plot", nargs="?", help="where to save the plot (default: a temporary folder)"
    )
    main(parser.parse_args().plot)

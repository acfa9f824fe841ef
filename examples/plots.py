"""Plots of fitted LSTM autoencoders: loss curves, reconstructions and codes.

The script fits two models on generated data and saves three figures made
with the Displays of ``sklearn_lstmae._plotting``:

- an :class:`~sklearn_lstmae.LSTMAutoencoderTransformer` on noisy sinusoids
  of three classes (slow, medium and fast oscillations), trained with
  ``early_stopping=True`` so that a validation loss is recorded;
- a :class:`~sklearn_lstmae.CompositeLSTMRegressor` on windows of one long
  series, which rebuilds each 30-step window and predicts the next 10 steps.

Figures written (into ``--out``, by default the current directory):

``loss_curves.png``
    Training and validation loss of each epoch of both models.
``reconstruction.png``
    A sinusoid beside the transformer's reconstruction, and a held-out window
    of the series beside the composite model's reconstruction, with its
    prediction of the next steps beside the true ones.
``codes.png``
    The transformer's codes of all sinusoids in two dimensions (PCA and
    t-SNE), colored by class: the classes separate without the model having
    seen a label.

Run it with::

    pip install -e ".[plot]" && python examples/plots.py --out /tmp/plots

It takes well under a minute on a 2-core CPU; with ``random_state`` set the
figures are the same on every run on CPU.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
import pathlib  # noqa: E402

import numpy as np  # noqa: E402

try:
    import matplotlib
except ImportError:  # said after --help, which describes the script without it
    matplotlib = plt = None
else:
    matplotlib.use("Agg")  # this script's own process: draw to files, no display needed
    import matplotlib.pyplot as plt

from sklearn_lstmae import (  # noqa: E402
    CodeScatterDisplay,
    CompositeLSTMRegressor,
    LossCurveDisplay,
    LSTMAutoencoderTransformer,
    ReconstructionDisplay,
    make_windows,
)

RANDOM_STATE = 0
CLASSES = {"slow": 0.15, "medium": 0.35, "fast": 0.6}  # angular frequency per step
N_PER_CLASS = 50
N_TIMESTEPS = 40


def make_sinusoids(rng):
    """Noisy sinusoids of three frequencies, random phase and amplitude."""
    time = np.arange(N_TIMESTEPS)
    sequences, labels = [], []
    for label, frequency in CLASSES.items():
        phase = rng.uniform(0, 2 * np.pi, size=(N_PER_CLASS, 1))
        amplitude = rng.uniform(0.7, 1.3, size=(N_PER_CLASS, 1))
        noise = 0.1 * rng.standard_normal((N_PER_CLASS, N_TIMESTEPS))
        sequences.append(amplitude * np.sin(frequency * time + phase) + noise)
        labels += [label] * N_PER_CLASS
    return np.concatenate(sequences), np.array(labels)


def make_series(rng, n_steps=700):
    """One long series: two seasonal waves and noise."""
    time = np.arange(n_steps)
    return np.sin(time / 5) + 0.5 * np.sin(time / 13) + 0.1 * rng.standard_normal(n_steps)


def main(out):
    out = pathlib.Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(RANDOM_STATE)

    X_classes, labels = make_sinusoids(rng)
    transformer = LSTMAutoencoderTransformer(
        units=16,
        epochs=300,  # a limit: it stops on its own (at 163 epochs), as the title says
        learning_rate=1e-2,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=8,
        random_state=RANDOM_STATE,
    ).fit(X_classes)

    X, y = make_windows(make_series(rng), n_timesteps=30, n_future=10, stride=2)
    n_train = int(0.8 * len(X))
    composite = CompositeLSTMRegressor(
        units=16,
        epochs=150,
        learning_rate=5e-3,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=8,
        random_state=RANDOM_STATE,
    ).fit(X[:n_train], y[:n_train])

    written = []

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    LossCurveDisplay.from_estimator(transformer, ax=left, name="transformer")
    left.set_title("LSTMAutoencoderTransformer on sinusoids")
    LossCurveDisplay.from_estimator(composite, ax=right, name="composite")
    right.set_title("CompositeLSTMRegressor on windows of a series")
    fig.suptitle(
        "Loss per epoch: training stops once the validation loss stops improving "
        "(the best epoch's weights are kept)"
    )
    written.append(save(fig, out / "loss_curves.png"))

    fig, (left, right) = plt.subplots(
        1, 2, figsize=(12, 4), layout="constrained", gridspec_kw={"width_ratios": [4, 5]}
    )
    index = int(np.flatnonzero(labels == "medium")[0])
    ReconstructionDisplay.from_estimator(transformer, X_classes, index=index, ax=left)
    left.set_title(f"Transformer: a '{labels[index]}' sinusoid (sample {index})")
    test_index = n_train + 20
    ReconstructionDisplay.from_estimator(composite, X, y, index=test_index, ax=right)
    right.set_title(f"Composite: held-out window {test_index} and its next 10 steps")
    fig.suptitle("Input (solid) beside reconstruction (dashed); prediction in the shaded band")
    written.append(save(fig, out / "reconstruction.png"))

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
    CodeScatterDisplay.from_estimator(transformer, X_classes, labels=labels, ax=left)
    left.set_title("PCA of the codes")
    CodeScatterDisplay.from_estimator(
        transformer, X_classes, labels=labels, method="tsne", ax=right
    )
    right.set_title("t-SNE of the codes")
    fig.suptitle(
        f"Codes of {len(X_classes)} sinusoids ({transformer.transform(X_classes[:1]).shape[1]} "
        "values each), colored by frequency class"
    )
    written.append(save(fig, out / "codes.png"))
    return written


def save(fig, path):
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        default=".",
        metavar="DIR",
        help="directory to write the PNG files into (created if missing; default: .)",
    )
    out = parser.parse_args().out
    if matplotlib is None:
        raise SystemExit(
            'This example draws with matplotlib: pip install -e ".[plot]" (or pip install '
            "matplotlib), then run it again."
        )
    for path in main(out):
        print(path)

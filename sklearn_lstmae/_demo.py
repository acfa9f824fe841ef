"""The digits demo: LSTM autoencoder codes as features for a classifier.

scikit-learn's bundled 8x8 digit images are read as sequences: each image is
8 timesteps (its rows) of 8 features (the pixels of a row). The transformer
learns to encode each sequence into a fixed-length code without using the
labels; a logistic regression then classifies the codes. Two baselines use
the same classifier: the 64 raw pixels, and PCA with as many components as
the code has values.

Used by ``python -m sklearn_lstmae`` and by ``examples/digits_pipeline.py``.
"""

import time
import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

__all__ = [
    "DEFAULTS",
    "QUICK",
    "Result",
    "format_codes",
    "format_table",
    "load_digit_sequences",
    "make_lstm_pipeline",
    "run",
    "split_digit_sequences",
]

# Settings of the transformer for a short fit on a 2-core CPU (see CHANGELOG.md for
# how they were chosen); the rest are the transformer's defaults.
DEFAULTS = {
    "units": 128,
    "latent_dim": 32,
    "epochs": 30,
    "batch_size": 32,
    "learning_rate": 3e-3,
    "random_state": 0,
}

# Very few epochs of a small network: checks that the demo runs end to end,
# not its accuracy.
QUICK = {**DEFAULTS, "units": 16, "latent_dim": None, "epochs": 2}

TABLE_HEADER = ("features", "size", "test accuracy", "fit time (s)")


@dataclass
class Result:
    """One row of the demo table.

    Attributes
    ----------
    name : str
        What the classifier sees.
    n_features : int
        Number of features per sample given to the classifier.
    accuracy : float
        Accuracy on the held-out test images.
    fit_seconds : float
        Wall-clock time of fitting the whole pipeline.
    model : sklearn.pipeline.Pipeline
        The fitted pipeline.
    """

    name: str
    n_features: int
    accuracy: float
    fit_seconds: float
    model: Pipeline


def load_digit_sequences():
    """The bundled digits as sequences of image rows.

    Returns
    -------
    X : ndarray of shape (1797, 8, 8)
        ``[samples, timesteps, features]``: the rows of each image, top to
        bottom, with pixel values in 0..16.
    y : ndarray of shape (1797,)
        The digit of each image.
    """
    digits = load_digits()
    return digits.data.reshape(-1, 8, 8), digits.target


def split_digit_sequences(test_size=0.25, random_state=0):
    """The digit sequences, split into stratified train and test sets.

    Parameters
    ----------
    test_size : float, default=0.25
        Fraction of the images held out, stratified by digit.
    random_state : int, default=0
        Seeds the split.

    Returns
    -------
    X_train, X_test : ndarray of shape (n, 8, 8)
    y_train, y_test : ndarray of shape (n,)
    """
    X, y = load_digit_sequences()
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=random_state)


def _classifier():
    return LogisticRegression(max_iter=5000)


def make_lstm_pipeline(**transformer_params):
    """LSTM autoencoder codes, then standardization, then logistic regression.

    Parameters
    ----------
    **transformer_params
        Parameters of :class:`LSTMAutoencoderTransformer`.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Takes 3-D sequences ``[samples, timesteps, features]``.
    """
    from ._transformer import LSTMAutoencoderTransformer  # TensorFlow starts here

    return Pipeline(
        [
            ("lstm", LSTMAutoencoderTransformer(**transformer_params)),
            ("scale", StandardScaler()),
            ("classify", _classifier()),
        ]
    )


def _fit_and_score(name, model, X_train, X_test, y_train, y_test):
    start = time.perf_counter()
    with warnings.catch_warnings():
        # The demo trains for a fixed, short number of epochs on purpose: the
        # loss is still falling, which the transformer reports as not converged.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    accuracy = float(np.mean(model.predict(X_test) == y_test))
    # What the classifier, the pipeline's last step, was given per sample.
    return Result(name, model[-1].n_features_in_, accuracy, fit_seconds, model)


def run(
    *,
    units=DEFAULTS["units"],
    latent_dim=DEFAULTS["latent_dim"],
    epochs=DEFAULTS["epochs"],
    batch_size=DEFAULTS["batch_size"],
    learning_rate=DEFAULTS["learning_rate"],
    random_state=DEFAULTS["random_state"],
    test_size=0.25,
    baselines=True,
):
    """Fit the LSTM-code pipeline and the baselines; score them on held-out digits.

    Parameters
    ----------
    units, latent_dim, epochs, batch_size, learning_rate : see LSTMAutoencoderTransformer
        Settings of the transformer. The code has ``latent_dim`` values, or
        3 x ``units`` (the last one, if a tuple) when ``latent_dim`` is None.
    random_state : int, default=0
        Seeds the train/test split and the transformer.
    test_size : float, default=0.25
        Fraction of the images held out, stratified by digit.
    baselines : bool, default=True
        Also fit the raw-pixel and PCA baselines.

    Notes
    -----
    The fused CPU kernels are built (on a machine's first run) or loaded
    before anything is timed: no fit time includes their one-time build.

    Returns
    -------
    results : list of Result
        Raw pixels, PCA (when ``baselines``), then the LSTM codes, last.
    """
    X_train, X_test, y_train, y_test = split_digit_sequences(test_size, random_state)
    # A machine's first fit builds the fused kernels (once, 20-60 s, announced on
    # stderr): built here, before any clock starts, the fit column times fitting only.
    from ._kernel_build import load_fused_kernels

    load_fused_kernels()
    transformer_params = {
        "units": units,
        "latent_dim": latent_dim,
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "random_state": random_state,
    }
    # The codes first: the PCA baseline gets as many components as they have values.
    codes = _fit_and_score(
        "LSTM autoencoder codes",
        make_lstm_pipeline(**transformer_params),
        X_train,
        X_test,
        y_train,
        y_test,
    )

    results = []
    if baselines:
        # The baselines see each image as one flat vector of 64 pixels.
        X_train_flat = X_train.reshape(len(X_train), -1)
        X_test_flat = X_test.reshape(len(X_test), -1)
        flat_data = (X_train_flat, X_test_flat, y_train, y_test)
        raw = make_pipeline(StandardScaler(), _classifier())
        results.append(_fit_and_score("raw pixels", raw, *flat_data))
        n_components = min(codes.n_features, X_train_flat.shape[1])
        pca = make_pipeline(
            StandardScaler(),
            PCA(n_components=n_components, random_state=random_state),
            _classifier(),
        )
        results.append(_fit_and_score(f"PCA ({n_components})", pca, *flat_data))
    results.append(codes)
    return results


def format_table(results):
    """The results as a plain-text table.

    Parameters
    ----------
    results : list of Result

    Returns
    -------
    table : str
    """
    name_width = max(len(TABLE_HEADER[0]), *(len(r.name) for r in results))
    lines = [
        f"{TABLE_HEADER[0]:<{name_width}}  {TABLE_HEADER[1]:>4}  "
        f"{TABLE_HEADER[2]:>13}  {TABLE_HEADER[3]:>12}",
        "-" * (name_width + 37),
    ]
    for r in results:
        lines.append(
            f"{r.name:<{name_width}}  {r.n_features:>4}  {r.accuracy:>13.3f}  "
            f"{r.fit_seconds:>12.1f}"
        )
    return "\n".join(lines)


def format_codes(codes, n_values=6, decimals=2):
    """The first values of a few codes, one line per sample.

    Parameters
    ----------
    codes : ndarray of shape (n_samples, code_size)
    n_values : int, default=6
        Values shown per code.
    decimals : int, default=2
        Rounding of the values shown.

    Returns
    -------
    text : str
    """
    lines = []
    for index, code in enumerate(codes):
        values = ", ".join(f"{v:+.{decimals}f}" for v in np.round(code[:n_values], decimals))
        more = ", ..." if len(code) > n_values else ""
        lines.append(f"sample {index}: [{values}{more}]")
    return "\n".join(lines)

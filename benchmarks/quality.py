"""How good are the codes? UCR/UEA classification with the published protocol.

The protocol of the published unsupervised representations (T-Loss, TS2Vec):
learn the encoder on the TRAIN series without their labels, encode the train
and test series, fit an RBF ``SVC(gamma="scale")`` on the train codes as they
are (no scaler), with its C chosen by 5-fold (unshuffled, stratified)
cross-validation on the train codes only (C in 10**-4 ... 10**4 and inf), and
report the test accuracy. This is the SVM evaluation of the T-Loss and TS2Vec
code (``fit_svm``), except that C is cross-validated on every dataset, however
small; with it, the raw series reproduce the issue's figures (0.953, 0.846,
0.956, 0.975, 0.973).

For five datasets shipped in aeon's wheel (default train/test splits) one
table gives, per dataset:

ours        ``LSTMAutoencoderTransformer`` codes + the SVM above, the mean
            test accuracy over encoders fitted with ``random_state`` 0, 1
            and 2 (``SEEDS``; ``--seeds`` to change). One
            configuration for every dataset: the transformer alone with its
            defaults (``ENCODER_PARAMS``, below, is empty), which fold
            every ``ceil(T / max_timesteps)`` consecutive steps of a long
            series into one step holding all their values (its
            ``max_timesteps=16``). The rule looks only at the length of
            the longest training series, never at a dataset's name.
            ``--pipeline`` puts ``TimestepPatches(max_timesteps=16)`` in
            front of a transformer with ``max_timesteps=None`` instead, as
            0.3.0 documented.
lowest,     The lowest and highest of those test accuracies.
highest
cv          The (mean) cross-validated train accuracy of the SVM on our codes
            (what the configuration was first chosen by; the last choices were
            made by encoder-in-fold CV, see quality_results.txt; the test sets
            were never used).
+scaler     Our codes through a ``StandardScaler`` (fitted on the train
            codes) before the same SVM, as ``examples/ucr_classification.py``
            builds its Pipeline. Not the protocol: shown because the codes'
            features differ in scale, and the RBF kernel's ``gamma="scale"``
            uses one variance for all of them.
raw         The raw series, zero-padded to a common length where ragged,
            flattened, + the same SVM.
minirocket  MiniRocket features (aeon, computed in this run) +
            ``RidgeClassifierCV`` (alphas 10**-3 ... 10**3), its reference
            classifier. Ragged series are zero-padded to a common length.
T-Loss      Published: Franceschi, Dieuleveut and Jaggi, "Unsupervised
            Scalable Representation Learning for Multivariate Time Series",
            NeurIPS 2019 (UCR table and UEA table, SVM on the codes).
TS2Vec      Published: Yue et al., "TS2Vec: Towards Universal Representation
            of Time Series", AAAI 2022 (UCR table and UEA table).
fit s       Seconds to fit our encoder on the training series (mean).
epochs      Epochs the fits ran (mean); the line under the table counts the
            ConvergenceWarnings over all fits.

The last row is the mean of each column over the datasets run.

``--held-out`` runs three other classification sets shipped in aeon's wheel
(OSULeaf, PickupGestureWiimoteZ, ACSF1) that were never used to choose the
configuration: they show whether it holds on data it was not tuned on. The
published columns are left empty there (n/a).

Run::

    python benchmarks/quality.py                  # all five, about 2 minutes on 2 cores
    python benchmarks/quality.py --datasets GunPoint,BasicMotions
    python benchmarks/quality.py --quick          # ItalyPowerDemand, tiny encoder
    python benchmarks/quality.py --held-out       # OSULeaf, PickupGestureWiimoteZ, ACSF1
    python benchmarks/quality.py --in-fold        # the selection criterion: train series only
    python benchmarks/quality.py --pipeline --params '{"cell": "gru", "early_stopping": false,
        "epochs": 400, "tol": 1e-6, "n_iter_no_change": 30}'   # 0.3.0's defaults

Needs aeon (``pip install -e ".[datasets]"``).
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.linear_model import RidgeClassifierCV  # noqa: E402
from sklearn.model_selection import GridSearchCV, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

DATASETS = ("GunPoint", "ArrowHead", "ItalyPowerDemand", "BasicMotions", "JapaneseVowels")
# aeon's other shipped classification sets: never used to choose anything here,
# they check that the configuration holds on data it was not tuned on.
HELD_OUT_DATASETS = ("OSULeaf", "PickupGestureWiimoteZ", "ACSF1")
QUICK_DATASETS = ("ItalyPowerDemand",)

# Published test accuracies (SVM on the unsupervised codes).
# T-Loss: Franceschi et al., NeurIPS 2019, "Unsupervised Scalable Representation
#   Learning for Multivariate Time Series" (UCR: GunPoint, ArrowHead,
#   ItalyPowerDemand; UEA: BasicMotions, JapaneseVowels).
# TS2Vec: Yue et al., AAAI 2022, "TS2Vec: Towards Universal Representation of
#   Time Series" (UCR table; UEA table for BasicMotions and JapaneseVowels).
PUBLISHED = {
    "T-Loss": {
        "GunPoint": 0.980,
        "ArrowHead": 0.766,
        "ItalyPowerDemand": 0.954,
        "BasicMotions": 1.000,
        "JapaneseVowels": 0.986,
    },
    "TS2Vec": {
        "GunPoint": 0.987,
        "ArrowHead": 0.817,
        "ItalyPowerDemand": 0.960,
        "BasicMotions": 0.975,
        "JapaneseVowels": 0.984,
    },
}

# The one configuration of the library used for every dataset: the
# transformer's defaults. In 0.3.0 (GRU(128), code="pooled", input_noise=0.25,
# epochs=400, tol=1e-6, n_iter_no_change=30, behind TimestepPatches(16)) they
# were chosen here. First by the mean
# cross-validated train accuracy of the protocol over the five datasets (with a
# StandardScaler before the SVC: GRU 0.926, LSTM 0.922, the classic model's
# settings 0.861; code="pooled" 0.948; a denoising autoencoder 0.973; then
# under the protocol, with patches of at most 16 steps, over seeds 0, 1, 2:
# input_noise=0.5 0.949; bidirectional 0.939; LSTM cells 0.939). That CV scores
# codes of series the encoder was trained on, so the last choices were made by
# encoder-in-fold CV (the whole pipeline fitted inside each fold, scored on the
# held-out part), by rules written down before their results: input_noise 0.25
# 0.938 against 0.5 0.920, 0.1 0.930, 0.0 0.929; the other candidates 0.911 to
# 0.930. 0.4.0 made LSTM cells the default, folds long series inside the
# transformer (max_timesteps=16, the rule below), and stops on a held-out
# noise-free loss (early_stopping="auto"). See quality_results.txt.
ENCODER_PARAMS = {}
# Our column is the mean over these random_state values: one seed moved a data
# set by up to 0.05 (GunPoint 0.933 to 0.980 with input_noise=0.5; 0.013 at
# most with the defaults), which no table of one run shows.
SEEDS = (0, 1, 2)
# The defaults that make the configuration, printed with the table.
DEFAULTS_SHOWN = (
    "units",
    "cell",
    "code",
    "input_noise",
    "max_timesteps",
    "epochs",
    "tol",
    "n_iter_no_change",
    "early_stopping",
)
# Shape-based preprocessing rule of --pipeline (and of the transformer's
# default max_timesteps): series longer than this are cut into consecutive
# windows, each folded into one step (TimestepPatches), so that at most
# MAX_STEPS steps remain. Chosen over three seeds (0, 1, 2) by the mean
# cross-validated accuracy under the protocol, where it ties averaging windows
# to at most 32 steps (0.949 against 0.950) and beats patches to 32 or 8 steps
# (0.947 and 0.944 over seeds 0 and 1, against 0.955); the tie is broken by
# fit time (about 40% less) and by keeping every value. See quality_results.txt.
MAX_STEPS = 16
# --quick: a tiny encoder, seconds per fit; for smoke tests only.
QUICK_PARAMS = dict(units=16, epochs=5, batch_size=32)

# The published grid: 10**-4 ... 10**4 and a hard margin.
C_GRID = [*(10.0 ** np.arange(-4, 5)), np.inf]


# -- data -------------------------------------------------------------------
def load(name):
    """Train and test series in the library's layout, and their labels.

    Returns
    -------
    X_train, y_train, X_test, y_test
        ``X`` is a float array ``(n_samples, n_timesteps, n_features)``, or a
        list of ``(T_i, n_features)`` arrays when the lengths differ.
    """
    from aeon.datasets import load_classification

    data = []
    for split in ("train", "test"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            X, y = load_classification(name, split=split)
        if isinstance(X, np.ndarray):
            X = np.transpose(X, (0, 2, 1)).astype(np.float64)
        else:
            X = [np.asarray(x, dtype=np.float64).T for x in X]
        data += [X, np.asarray(y)]
    return tuple(data)


def _series(X):
    return list(X) if isinstance(X, list) else [x for x in X]


def pad(X, length):
    """Zero-pad (or cut) every series to ``length`` steps: ``(n, length, n_features)``."""
    series = _series(X)
    out = np.zeros((len(series), length, series[0].shape[1]))
    for i, x in enumerate(series):
        n = min(len(x), length)
        out[i, :n] = x[:n]
    return out


# -- classifiers ----------------------------------------------------------------
def svm_accuracy(F_train, y_train, F_test, y_test, scale=False):
    """RBF SVC on the features as they are, C by 5-fold CV on train: (cv, test) accuracy.

    ``scale=True`` puts a StandardScaler before the SVC (not the protocol).
    """
    n_splits = int(min(5, np.unique(y_train, return_counts=True)[1].min()))
    steps = [StandardScaler()] if scale else []
    search = GridSearchCV(
        make_pipeline(*steps, SVC(kernel="rbf", gamma="scale")),
        {"svc__C": C_GRID},
        cv=StratifiedKFold(n_splits),
        n_jobs=1,
    )
    search.fit(F_train, y_train)
    return float(search.best_score_), float(search.score(F_test, y_test))


def raw_accuracy(X_train, y_train, X_test, y_test):
    """The raw series, zero-padded and flattened, + the SVM: test accuracy."""
    length = max(len(x) for x in _series(X_train) + _series(X_test))
    F_train = pad(X_train, length).reshape(len(y_train), -1)
    F_test = pad(X_test, length).reshape(len(y_test), -1)
    return svm_accuracy(F_train, y_train, F_test, y_test)[1]


def minirocket_accuracy(X_train, y_train, X_test, y_test, random_state=0):
    """MiniRocket features + RidgeClassifierCV: test accuracy."""
    from aeon.transformations.collection.convolution_based import MiniRocket

    # MiniRocket needs at least 9 steps and one length: zero-pad ragged series.
    length = max(9, *(len(x) for x in _series(X_train) + _series(X_test)))
    A_train = np.transpose(pad(X_train, length), (0, 2, 1))
    A_test = np.transpose(pad(X_test, length), (0, 2, 1))
    rocket = MiniRocket(random_state=random_state)
    F_train = rocket.fit_transform(A_train)
    F_test = rocket.transform(A_test)
    model = make_pipeline(
        StandardScaler(with_mean=False), RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))
    )
    model.fit(F_train, y_train)
    return float(model.score(F_test, y_test))


# -- ours -------------------------------------------------------------------------
def make_encoder(params=None):
    """The library's transformer with ``params`` (default ``ENCODER_PARAMS``)."""
    from sklearn_lstmae import LSTMAutoencoderTransformer

    return LSTMAutoencoderTransformer(**(ENCODER_PARAMS if params is None else params))


def codes_accuracy(X_train, y_train, X_test, y_test, params=None, max_steps=None):
    """Fit our encoder on the train series (no labels), SVM on the codes.

    Parameters
    ----------
    params : dict, optional
        Parameters of the transformer (default ``ENCODER_PARAMS``).
    max_steps : int or None, default=None
        ``TimestepPatches(max_timesteps=max_steps)`` before an encoder with
        ``max_timesteps=None``; None: the transformer alone, which folds
        long series itself.

    Returns
    -------
    result : dict
        ``cv`` and ``test`` accuracies, ``scaled_test`` (a StandardScaler
        between codes and SVM), ``fit_s`` seconds to fit the encoder,
        ``epochs`` it ran, ``warnings`` the ConvergenceWarnings it gave.
    """
    from sklearn_lstmae import TimestepPatches

    if max_steps is None:
        encoder = make_pipeline(make_encoder(params))
    else:
        params = {**(ENCODER_PARAMS if params is None else params), "max_timesteps": None}
        encoder = make_pipeline(TimestepPatches(max_timesteps=max_steps), make_encoder(params))
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        encoder.fit(X_train)
    fit_s = time.perf_counter() - start
    n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    codes = encoder.transform(X_train), y_train, encoder.transform(X_test), y_test
    cv, test = svm_accuracy(*codes)
    scaled_test = svm_accuracy(*codes, scale=True)[1]
    return {
        "cv": cv,
        "test": test,
        "scaled_test": scaled_test,
        "fit_s": fit_s,
        "epochs": encoder[-1].n_iter_,
        "warnings": n_warnings,
    }


# -- the table --------------------------------------------------------------------
COLUMNS = (
    "ours",
    "lowest",
    "highest",
    "cv",
    "+scaler",
    "raw",
    "minirocket",
    "T-Loss",
    "TS2Vec",
    "fit s",
    "epochs",
)


def run(datasets=DATASETS, quick=False, seeds=SEEDS, log=print, max_steps=None, params=None):
    """Evaluate every dataset; return one row (a dict) per dataset.

    ``ours``, ``cv``, ``+scaler`` and ``fit s`` are means over one encoder fit
    per seed in ``seeds``; ``lowest`` and ``highest`` are the extremes of
    ``ours`` over them. ``params`` override the configuration's.
    """
    base = {**(QUICK_PARAMS if quick else ENCODER_PARAMS), **(params or {})}
    rows = []
    for name in datasets:
        X_train, y_train, X_test, y_test = load(name)
        fits = [
            codes_accuracy(
                X_train,
                y_train,
                X_test,
                y_test,
                params={**base, "random_state": seed},
                max_steps=max_steps,
            )
            for seed in seeds
        ]
        tests = [fit["test"] for fit in fits]
        row = {
            "dataset": name,
            "ours": float(np.mean(tests)),
            "lowest": min(tests),
            "highest": max(tests),
            "cv": float(np.mean([fit["cv"] for fit in fits])),
            "+scaler": float(np.mean([fit["scaled_test"] for fit in fits])),
            "raw": raw_accuracy(X_train, y_train, X_test, y_test),
            "minirocket": minirocket_accuracy(X_train, y_train, X_test, y_test),
            "T-Loss": PUBLISHED["T-Loss"].get(name, np.nan),
            "TS2Vec": PUBLISHED["TS2Vec"].get(name, np.nan),
            "fit s": float(np.mean([fit["fit_s"] for fit in fits])),
            "epochs": float(np.mean([fit["epochs"] for fit in fits])),
            "warnings": sum(fit["warnings"] for fit in fits),
        }
        rows.append(row)
        if log is not None:
            log(f"{name}: " + ", ".join(f"{c}={row[c]:.3f}" for c in COLUMNS), flush=True)
    return rows


def in_fold_accuracy(X_train, y_train, params):
    """Encoder-in-fold CV on the training series: mean held-out accuracy and warnings.

    The selection criterion of the defaults (the test series are never
    read): the protocol's folds (``StratifiedKFold``, unshuffled, as many as
    the smallest class allows, at most 5); in each, the encoder is fitted on
    the fold's training series alone, the SVM of :func:`svm_accuracy` on
    their codes, and the held-out series are scored.
    """
    from sklearn.model_selection import StratifiedKFold

    n_splits = int(min(5, np.unique(y_train, return_counts=True)[1].min()))
    series = _series(X_train)

    def take(index):
        if isinstance(X_train, list):
            return [series[i] for i in index]
        return X_train[index]

    accuracies, n_warnings = [], 0
    for train, held_out in StratifiedKFold(n_splits).split(np.zeros(len(y_train)), y_train):
        encoder = make_encoder(params)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            encoder.fit(take(train))
        n_warnings += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
        codes = encoder.transform(take(train)), encoder.transform(take(held_out))
        accuracies.append(svm_accuracy(codes[0], y_train[train], codes[1], y_train[held_out])[1])
    return float(np.mean(accuracies)), n_warnings


def run_in_fold(datasets=DATASETS, quick=False, seeds=SEEDS, log=print, params=None):
    """``--in-fold``: one line per seed, the in-fold accuracy of each data set and their mean."""
    base = {**(QUICK_PARAMS if quick else ENCODER_PARAMS), **(params or {})}
    data = {name: load(name)[:2] for name in datasets}
    means = []
    for seed in seeds:
        start = time.perf_counter()
        results = [
            in_fold_accuracy(*data[name], {**base, "random_state": seed}) for name in datasets
        ]
        means.append(float(np.mean([accuracy for accuracy, _ in results])))
        log(
            f"seed {seed}: "
            + " ".join(f"{name} {accuracy:.3f}" for name, (accuracy, _) in zip(datasets, results))
            + f"  mean {means[-1]:.4f}  ({sum(w for _, w in results)} warnings, "
            f"{time.perf_counter() - start:.0f} s)",
            flush=True,
        )
    log(f"in-fold CV mean over seeds {', '.join(map(str, seeds))}: {np.mean(means):.4f}")
    return means


def format_table(rows):
    """The rows and their column means as a fixed-width text table."""

    def cell(value, column):
        if value is None or not np.isfinite(value):
            return "n/a"
        if column == "epochs":
            return f"{value:.0f}"
        return f"{value:.1f}" if column == "fit s" else f"{value:.3f}"

    width = max(len("dataset"), len("mean"), *(len(r["dataset"]) for r in rows))
    header = f"{'dataset':<{width}}" + "".join(f"{c:>12}" for c in COLUMNS)
    lines = [header, "-" * len(header)]
    for row in rows:
        lines.append(
            f"{row['dataset']:<{width}}" + "".join(f"{cell(row[c], c):>12}" for c in COLUMNS)
        )
    means = {c: float(np.mean([row[c] for row in rows])) for c in COLUMNS}
    lines.append("-" * len(header))
    lines.append(f"{'mean':<{width}}" + "".join(f"{cell(means[c], c):>12}" for c in COLUMNS))
    n_warnings = sum(row.get("warnings", 0) for row in rows)
    lines.append(f"ConvergenceWarnings over all fits: {n_warnings}")
    return "\n".join(lines)


def describe_configuration(quick=False, seeds=SEEDS, max_steps=None, params=None):
    overrides = params or {}
    params = {**(QUICK_PARAMS if quick else ENCODER_PARAMS), **overrides}
    if max_steps is not None:
        params = {key: value for key, value in params.items() if key != "max_timesteps"}
    text = "LSTMAutoencoderTransformer(" + ", ".join(f"{k}={v!r}" for k, v in params.items())
    if max_steps is None:
        text += ") alone"
    else:
        text += f", max_timesteps=None) behind TimestepPatches(max_timesteps={max_steps})"
    text += f"; random_state {', '.join(map(str, seeds))}: ours, cv, +scaler, fit s are means"
    if not quick:
        shown = {**ENCODER_PARAMS, **overrides}
        if max_steps is not None:
            shown["max_timesteps"] = None  # the patches come first; see codes_accuracy
        defaults = make_encoder(shown).get_params()
        text += "\ndefaults: " + ", ".join(f"{k}={defaults[k]!r}" for k in DEFAULTS_SHOWN)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="ItalyPowerDemand, tiny encoder")
    parser.add_argument("--datasets", help="comma-separated names (default: all five)")
    parser.add_argument(
        "--held-out",
        action="store_true",
        help=f"the sets never tuned on instead: {', '.join(HELD_OUT_DATASETS)}",
    )
    parser.add_argument(
        "--seeds",
        help="comma-separated random_state values of the encoder "
        f"(default: {','.join(map(str, SEEDS))}; 0 with --quick)",
    )
    parser.add_argument(
        "--pipeline",
        action="store_true",
        help=f"TimestepPatches(max_timesteps={MAX_STEPS}) in front, as 0.3.0 documented",
    )
    parser.add_argument(
        "--in-fold",
        action="store_true",
        help="encoder-in-fold CV on the training series only (how defaults are chosen)",
    )
    parser.add_argument(
        "--params",
        type=json.loads,
        default={},
        help='the transformer\'s parameters over the defaults, JSON: \'{"cell": "gru"}\'',
    )
    args = parser.parse_args(argv)
    max_steps = MAX_STEPS if args.pipeline else None
    if args.seeds:
        seeds = tuple(int(seed) for seed in args.seeds.split(",") if seed.strip())
    else:
        seeds = (0,) if args.quick else SEEDS
    if args.datasets:
        datasets = tuple(name.strip() for name in args.datasets.split(",") if name.strip())
    elif args.held_out:
        datasets = HELD_OUT_DATASETS
    else:
        datasets = QUICK_DATASETS if args.quick else DATASETS
    start = time.perf_counter()
    if args.in_fold:
        if args.pipeline:
            parser.error("--in-fold runs the transformer alone; drop --pipeline")
        print(describe_configuration(args.quick, seeds, max_steps, args.params))
        means = run_in_fold(datasets, quick=args.quick, seeds=seeds, params=args.params)
        print(f"total {time.perf_counter() - start:.0f} s")
        return means
    rows = run(datasets, quick=args.quick, seeds=seeds, max_steps=max_steps, params=args.params)
    from sklearn_lstmae._kernel_build import kernels_in_use

    print()
    print(
        f"{datetime.date.today().isoformat()}  {platform.node()}  {platform.machine()}  "
        f"{os.cpu_count()} CPUs  Python {sys.version.split()[0]}  {kernels_in_use()}"
    )
    print(describe_configuration(args.quick, seeds, max_steps, args.params))
    print(format_table(rows))
    print(f"total {time.perf_counter() - start:.0f} s")
    return rows


if __name__ == "__main__":
    main()

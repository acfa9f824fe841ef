"""Training: the epoch loop with its stopping rules, callbacks and progress.

Also the pieces of a fit that are not Keras's job: one seed drawn from
``random_state``, the per-feature standardization, the validation split.
"""

import os
import sys
import time
import warnings

import keras
import numpy as np
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "Progress",
    "draw_seed",
    "holds_out",
    "learn_standardization",
    "run_epochs",
    "standardization",
    "n_held_out",
    "validation_split",
]


_PACKAGE_DIRECTORY = os.path.dirname(os.path.abspath(__file__))


# Keras's callbacks whose batch hooks add nothing here: the progress bar and NaN check also act
# at the end of an epoch (training refuses a non-finite loss itself), and ModelCheckpoint saves
# per epoch (a batch frequency is refused with the parameters).
_EPOCH_LEVEL_TOO = (
    keras.callbacks.ProgbarLogger,
    keras.callbacks.TerminateOnNaN,
    keras.callbacks.ModelCheckpoint,
)
_BATCH_HOOKS = ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end")


def warn_of_batch_hooks(callbacks):
    """Warn of each callback's batch hooks: training runs whole epochs and never calls them."""
    for callback in callbacks or []:
        if isinstance(callback, _EPOCH_LEVEL_TOO):
            continue
        hooks = [
            hook
            for hook in _BATCH_HOOKS
            if hook in vars(callback)  # a LambdaCallback's
            or getattr(type(callback), hook) is not getattr(keras.callbacks.Callback, hook)
        ]
        if hooks:
            warnings.warn(
                f"callbacks: {type(callback).__name__} defines {', '.join(hooks)}, which "
                "training here never calls: it runs an epoch at a time in a compiled loop. "
                "Do that work in on_epoch_end (or on_epoch_begin).",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )


def caller_stacklevel():
    """The ``stacklevel`` of the first frame outside this package: the user's call.

    Estimators reach the training loop through more or fewer frames (a series
    detector's ``fit`` adds one, a search or a Pipeline adds scikit-learn's),
    so a fixed level would point into the library for some of them. Python
    3.12's ``skip_file_prefixes`` does the same; this works on 3.10 and 3.11.
    """
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_DIRECTORY + os.sep
    ):
        frame, level = frame.f_back, level + 1
    return level


def draw_seed(random_state):
    """One integer seed from ``random_state``: it seeds the weights and the shuffling.

    ``None`` draws fresh entropy from the operating system rather than from
    numpy's global generator, so that fitting never moves the user's global
    random state.
    """
    if random_state is None:
        rng = np.random.RandomState(np.random.SeedSequence().generate_state(1))
    elif isinstance(random_state, np.random.RandomState):
        rng = random_state
    else:
        rng = np.random.RandomState(random_state)
    return int(rng.randint(0, 2**31 - 2**16))


# A spread within this many of the network dtype's rounding steps of a feature's mean is float
# rounding, not data: the feature counts as constant. float32's factor keeps the 1e-7 of earlier
# versions; float64's covers the few steps that averaging a constant in float64 leaves behind.
_CONSTANT_SPREAD_IN_EPS = {"float32": 1e-7 / float(np.finfo(np.float32).eps), "float64": 64.0}
# Warn when the network's dtype rounds a feature's values (near its mean) by more than this
# fraction of its standard deviation.
_RESOLVED_FRACTION = 0.01


def _rounding_spread(mean, dtype):
    """The largest spread around ``mean`` that ``dtype``'s rounding alone can make."""
    return _CONSTANT_SPREAD_IN_EPS[str(dtype)] * float(np.finfo(dtype).eps) * np.abs(mean)


def standardization(
    values, standardize, sample_weight=None, dtype="float32", name=None, feature_labels=None
):
    """Per-feature mean and standard deviation over samples and real timesteps.

    Weighted by ``sample_weight``, so that a weight of 2 equals repeating the
    sequence. ``dtype`` is the networks' precision: a spread that it cannot
    tell from rounding counts as none (the feature is divided by 1). Given
    the data's ``name`` (and its ``feature_labels``), warns about features
    that ``dtype`` rounds coarsely (:func:`warn_if_unresolved`).
    """
    n_samples, n_timesteps, n_features = values.shape
    if not standardize:
        return np.zeros(n_features), np.ones(n_features)
    flat = values.reshape(-1, n_features)
    weights = np.ones(n_samples) if sample_weight is None else sample_weight
    weights = np.repeat(weights, n_timesteps)
    is_real = ~np.isnan(flat).all(axis=1)  # drop padding
    flat, weights = flat[is_real].astype(np.float64), weights[is_real]
    with np.errstate(over="ignore"):
        mean = np.average(flat, axis=0, weights=weights)
    if not np.isfinite(mean).all():
        # Values near float64's limit (1e307 and up) overflow even in their sum.
        largest = np.abs(flat).max(axis=0)
        mean = largest * np.average(flat / largest, axis=0, weights=weights)
    with np.errstate(over="ignore"):
        scale = np.sqrt(np.average((flat - mean) ** 2, axis=0, weights=weights))
    overflowed = ~np.isfinite(scale)
    if overflowed.any():
        # Deviations beyond 1e154 (float64 data in large units) overflow when squared: take
        # those features' spread in units of their largest deviation.
        deviations = flat[:, overflowed] - mean[overflowed]
        largest = np.abs(deviations).max(axis=0)
        spread = np.average((deviations / largest) ** 2, axis=0, weights=weights)
        scale[overflowed] = largest * np.sqrt(spread)
    # Constant features: divide by 1 rather than by ~0, as StandardScaler does. "Constant" is
    # relative to the feature's own mean (a spread at float rounding's level), so that data in
    # small units (1e-8) is standardized like the same data in large ones; a spread too small
    # for the network's dtype to divide by counts as none.
    constant = (scale <= _rounding_spread(mean, dtype)) | (scale < float(np.finfo(dtype).tiny))
    if name is not None:
        # A feature that varies (beyond float64's rounding) has a spread to lose, even one that
        # the network's dtype cannot see at all; a constant (a machine's id) has none.
        varies = scale > _rounding_spread(mean, "float64")
        warn_if_unresolved(mean, np.where(varies, scale, np.inf), dtype, name, feature_labels)
    scale[constant] = 1.0
    return mean, scale


def warn_if_unresolved(mean, scale, dtype, name, feature_labels=None):
    """Warn when ``dtype`` rounds a feature's values by a noticeable part of its spread.

    The networks cast their input to ``dtype`` before they standardize it, so
    values far from zero next to their spread (a level of 1e6 that moves by
    units: positions in metres, counters, timestamps) arrive rounded: in
    float32 each lies on a grid of ``|mean| * 1.2e-7``, and the model sees a
    few distinct levels where the data had many. ``feature_labels`` name the
    user's feature behind each of the network's (folded patches repeat them).
    """
    spacing = np.spacing(np.abs(mean).astype(dtype)).astype(np.float64)
    coarse = np.flatnonzero(spacing > _RESOLVED_FRACTION * scale)
    if coarse.size == 0:
        return
    labels = [str(j) for j in range(len(mean))] if feature_labels is None else feature_labels
    feature = int(coarse[0])
    n_others = len(dict.fromkeys(labels[j] for j in coarse)) - 1
    others = f" (and {n_others} other feature{'s' * (n_others > 1)})" if n_others else ""
    warnings.warn(
        f"Feature {labels[feature]} of {name}{others} lies around {mean[feature]:.6g} but "
        f"varies by about {scale[feature]:.3g}: in {dtype} its values are rounded to steps of "
        f"{spacing[feature]:.3g} ({spacing[feature] / scale[feature]:.0%} of its standard "
        f"deviation) before the model standardizes them, so it sees them coarsened. Pass "
        f"dtype='float64', or subtract an offset from {name} before fitting (and add it back "
        "to what the model returns).",
        UserWarning,
        stacklevel=caller_stacklevel(),
    )


def set_standardization(layer, mean, scale):
    layer.set_weights([mean, scale])


def learn_standardization(
    networks, targets, standardize, sample_weight, dtype="float32", name="X", feature_labels=None
):
    """Set the networks' standardization layers from ``targets``; return the scales.

    ``name`` and ``feature_labels`` name the input in warnings.
    """
    mean, scale = standardization(
        targets[0], standardize, sample_weight, dtype, name, feature_labels
    )
    set_standardization(networks["encoder"].get_layer("input_scale"), mean, scale)
    set_standardization(networks["decoder"].get_layer("reconstruction_unscale"), mean, scale)
    scales = [scale]
    if len(targets) > 1:
        target_mean, target_scale = standardization(
            targets[1], standardize, sample_weight, dtype, "y"
        )
        set_standardization(
            networks["predictor"].get_layer("prediction_unscale"), target_mean, target_scale
        )
        scales.append(target_scale)
    return scales


# early_stopping="auto" holds out a validation split only when it has at least this many sequences.
AUTO_MIN_VALIDATION = 10


def _n_validation(validation_fraction, n_samples):
    return int(round(validation_fraction * n_samples))


def holds_out(early_stopping, validation_fraction, n_samples):
    """Whether a fit on ``n_samples`` sequences holds out a validation split.

    ``"auto"`` does when the split leaves at least ``AUTO_MIN_VALIDATION``
    sequences to validate on and one to train on.

    Examples
    --------
    >>> from sklearn_lstmae._training import holds_out
    >>> holds_out("auto", 0.1, 300), holds_out("auto", 0.1, 10), holds_out(False, 0.1, 300)
    (True, False, False)
    """
    if early_stopping != "auto":
        return bool(early_stopping)
    n_validation = _n_validation(validation_fraction, n_samples)
    return AUTO_MIN_VALIDATION <= n_validation < n_samples


def n_held_out(validation_fraction, n_samples, counted="sequences", more="add data"):
    """How many of ``n_samples`` early stopping holds out; raises if none or all.

    ``counted`` names what is split and ``more`` how to get a validation set
    otherwise, in the message.
    """
    n_validation = _n_validation(validation_fraction, n_samples)
    if n_validation < 1 or n_validation >= n_samples:
        # Too few held out: raise the fraction; none left to train on: lower it.
        change = "Raise" if n_validation < 1 else "Lower"
        raise ValueError(
            f"early_stopping needs a validation set: validation_fraction="
            f"{validation_fraction} of {n_samples} {counted} leaves "
            f"{n_validation} for validation and {n_samples - n_validation} for "
            f"training. {change} validation_fraction, {more}."
        )
    return n_validation


def validation_split(
    validation_fraction,
    n_samples,
    rng,
    counted="sequences",
    more="pass validation_data, or add data",
):
    """Indices of the training and of the held-out sequences for early stopping.

    ``counted`` names what is split and ``more`` how to get a validation set
    otherwise, in the message when the split leaves none.
    """
    n_validation = n_held_out(validation_fraction, n_samples, counted, more)
    order = rng.permutation(n_samples)
    return np.sort(order[n_validation:]), np.sort(order[:n_validation])


def align_curves(history):
    """Make every curve of ``history`` as long as ``"loss"``, NaN for the epochs in
    which it was not measured (a continued fit that validates when an earlier one did
    not, or the other way round), so that entry i of each curve is epoch i + 1."""
    n_epochs = len(history["loss"])
    for values in history.values():
        values.extend([np.nan] * (n_epochs - len(values)))


def run_epochs(
    estimator,
    trainer,
    model,
    train_data,
    validation_data,
    epochs,
    rng,
    history,
    *,
    stop_early,
    monitor_validation,
    training_is_noisy=False,
):
    """The epoch loop: stopping rules, callbacks, progress, divergence.

    The monitored loss is the validation loss (noise-free, on held-out
    sequences) when ``monitor_validation``, else the training loss. When the
    training loss is noisy (``training_is_noisy``: input noise or dropout)
    and training may stop early, the training sequences' loss is measured
    again after each epoch without noise or dropout (one forward pass,
    ``history["noise_free_loss"]``) and that is monitored: a noisy epoch loss
    can stall by chance while the model still improves, and stop a fit that
    has not converged. It is skipped when ``epochs`` is at most
    ``n_iter_no_change``: no loss could stop such a fit.

    Returns the key in ``history`` of the loss this run monitored:
    ``"val_loss"``, ``"noise_free_loss"`` or ``"loss"``.
    """
    n_train = int(train_data[0].shape[0])
    batch_size = min(estimator.batch_size, n_train)
    warn_of_batch_hooks(estimator.callbacks)
    callbacks = keras.callbacks.CallbackList(
        list(estimator.callbacks or []),
        model=model,
        # As model.fit sets them (verbose="auto" there is 1): a ProgbarLogger given in
        # callbacks reads all three, and prints only if verbose. It prints whatever the
        # estimator's verbose (default 0, which silences the library's own progress): it
        # was asked for by name.
        epochs=epochs,
        verbose=1,
        steps=-(-n_train // batch_size),
    )
    progress = Progress(epochs, estimator.verbose)
    monitor_validation = monitor_validation and validation_data is not None
    # Measured only where it can stop the fit: not when the epochs run out first.
    can_stop = stop_early and epochs > estimator.n_iter_no_change
    monitor_noise_free = can_stop and training_is_noisy and not monitor_validation
    if monitor_noise_free:
        history.setdefault("noise_free_loss", [])
    align_curves(history)  # a curve new in a continued fit starts at its own epoch
    if monitor_validation:
        monitored_key = "val_loss"
    else:
        monitored_key = "noise_free_loss" if monitor_noise_free else "loss"
    try:
        best_loss, best_weights, epochs_without_improvement = np.inf, None, 0
        model.stop_training = False
        if estimator.callbacks:
            trainer.write_to(model)
        callbacks.on_train_begin()
        stopped = False
        for epoch in range(epochs):
            callbacks.on_epoch_begin(epoch)
            if estimator.callbacks:
                # A callback may have set weights, as Keras lets it at the start of training
                # or of an epoch (the network holds the trainer's weights here).
                trainer.read_from(model)
            loss = trainer.run_epoch(train_data, rng.permutation(n_train), batch_size)
            if not np.isfinite(loss) or not trainer.weights_are_finite():
                callbacks.on_train_end()
                raise ValueError(
                    f"Training diverged: the loss became {loss} at epoch {epoch + 1}. "
                    "Lower learning_rate, keep standardize=True, or check X for extreme "
                    "values. The estimator was left as it was before this fit."
                )
            logs = {"loss": loss}
            history["loss"].append(loss)
            if validation_data is not None:
                logs["val_loss"] = trainer.evaluate(validation_data)
                history["val_loss"].append(logs["val_loss"])
            if monitor_noise_free:
                logs["noise_free_loss"] = trainer.evaluate(train_data)
                history["noise_free_loss"].append(logs["noise_free_loss"])
            monitored = logs[monitored_key]
            if monitored < best_loss - estimator.tol:
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
            if monitored < best_loss:
                best_loss = monitored
                if monitor_validation:
                    best_weights = trainer.snapshot()
            if estimator.callbacks:
                trainer.write_to(model)
                callbacks.on_epoch_end(epoch, logs)
                trainer.read_from(model)  # a callback may have changed the weights
            progress.update(epoch, logs, last=epoch + 1 == epochs)
            if model.stop_training or (
                stop_early and epochs_without_improvement >= estimator.n_iter_no_change
            ):
                stopped = True
                break
        if best_weights is not None:
            trainer.restore(best_weights)
        trainer.write_to(model)
        callbacks.on_train_end()
        trainer.read_from(model)
    finally:
        # Also when a callback or the loss failed: end the progress line, keep the estimator
        # picklable and clonable, and leave no callback on a network the fit discarded.
        align_curves(history)
        progress.close()
        for callback in estimator.callbacks or []:
            callback.set_model(None)
    if stop_early and not stopped:
        which = {
            "val_loss": "validation loss",
            "noise_free_loss": "noise-free training loss",
            "loss": "training loss",
        }[monitored_key]
        warnings.warn(
            f"{type(estimator).__name__} stopped at its limit of epochs={epochs} while the "
            f"{which} was still improving (by more than tol={estimator.tol} within the last "
            f"{min(estimator.n_iter_no_change, epochs)} epochs): more epochs would likely "
            "lower it further. Raise epochs, or raise tol to stop sooner.",
            ConvergenceWarning,
            stacklevel=caller_stacklevel(),
        )
    return monitored_key


class Progress:
    """Training progress on standard output.

    ``verbose=1``: in a terminal, one bar over the epochs redrawn in place;
    in a log file (not a terminal), a line at every tenth of the epochs and
    at the end, so that logs stay short and free of control characters.
    ``verbose>=2``: one line per epoch.
    """

    def __init__(self, epochs, verbose, stream=None):
        self.epochs = epochs
        self.verbose = verbose
        self.stream = stream or sys.stdout
        self.interactive = verbose == 1 and getattr(self.stream, "isatty", lambda: False)()
        self._every = max(1, epochs // 10) if verbose == 1 else 1
        self._start = time.perf_counter()
        self._last = None

    def _line(self, epoch, logs):
        values = " - ".join(f"{key}: {value:.4g}" for key, value in logs.items())
        seconds = (time.perf_counter() - self._start) / epoch
        if self.verbose == 1:
            done = int(20 * epoch / self.epochs)
            bar = "[" + "=" * done + ">" * (done < 20) + " " * (19 - done) + "]"
            return f"Epoch {epoch}/{self.epochs} {bar} {seconds:.3g}s/epoch - {values}"
        return f"Epoch {epoch}/{self.epochs} - {seconds:.3g}s/epoch - {values}"

    def update(self, epoch, logs, last):
        if not self.verbose:
            return
        self._last = (epoch + 1, dict(logs))
        line = self._line(epoch + 1, logs)
        if self.interactive:
            # Pad over the previous, possibly longer, line.
            padded = line.ljust(getattr(self, "_width", 0))
            self._width = len(line)
            self.stream.write("\r" + padded + ("\n" if last else ""))
            self.stream.flush()
        elif last or self.verbose >= 2 or (epoch + 1) % self._every == 0:
            print(line, file=self.stream, flush=True)
            self._last = None

    def close(self):
        """End the output on the last epoch run, when training stopped early."""
        if self._last is None:
            return
        if self.interactive:
            self.stream.write("\n")
        else:
            print(self._line(*self._last), file=self.stream, flush=True)
        self.stream.flush()
        self._last = None

"""The estimators' hyperparameters: the checks that need Keras, and one check of them all.

``check_parameters`` raises before anything is fitted or changed, with a
message that names the parameter and the values it can take.
"""

import inspect
import numbers
import warnings

import keras
import numpy as np

from ._engine import LOSSES, OptimizerConfig
from ._networks import RECURRENT_LAYERS
from ._validation import (
    InvalidParameterError,
    check_bool,
    check_fraction,
    check_positive_int,
    is_int,
    is_real,
)

__all__ = ["check_parameters", "loss_name", "optimizer_config", "units_tuple"]

_OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
}


# Keras's names for the same losses, matched case-insensitively as ``optimizer`` is.
_LOSS_ALIASES = {
    "mean_squared_error": "mse",
    "mean_absolute_error": "mae",
    "huber_loss": "huber",
}


def loss_name(loss):
    """The engine's name for the ``loss`` parameter: ``"MSE"`` and
    ``"mean_squared_error"`` are ``"mse"``; None when it names no supported loss."""
    if not isinstance(loss, str):
        return None
    name = _LOSS_ALIASES.get(loss.lower(), loss.lower())
    return name if name in LOSSES else None


def check_activation(name, value):
    if not isinstance(value, str):
        raise InvalidParameterError(
            f"{name} must be the name of a Keras activation, got {value!r}."
        )
    try:
        keras.activations.get(value)
    except ValueError:
        raise InvalidParameterError(
            f"{name}={value!r} is not a Keras activation; use for example 'tanh', "
            "'relu', 'sigmoid' or 'linear'."
        ) from None


def optimizer_config(optimizer, learning_rate):
    """Resolve the ``optimizer`` parameter into the engine's update rule."""
    by_name = isinstance(optimizer, str)
    if by_name:
        if optimizer.lower() not in _OPTIMIZERS:
            raise InvalidParameterError(
                f"optimizer={optimizer!r} is not supported; use one of "
                f"{sorted(_OPTIMIZERS)} or an instance of those Keras optimizers."
            )
        # float(): Keras refuses an int or a NumPy scalar learning rate.
        optimizer = _OPTIMIZERS[optimizer.lower()](learning_rate=float(learning_rate))
    supported = tuple(_OPTIMIZERS.values())
    if type(optimizer) not in supported:
        raise InvalidParameterError(
            f"optimizer must be one of {sorted(_OPTIMIZERS)} or an instance of "
            f"keras.optimizers.Adam, AdamW, SGD or RMSprop; got {optimizer!r}."
        )
    config = optimizer.get_config()
    unsupported = {
        "clipnorm": None,
        "clipvalue": None,
        "global_clipnorm": None,
        "use_ema": False,
        "loss_scale_factor": None,
        "gradient_accumulation_steps": None,
        "amsgrad": False,
        "centered": False,
    }
    for key, plain in unsupported.items():
        if config.get(key, plain) not in (plain, None, False):
            raise InvalidParameterError(
                f"optimizer option {key}={config[key]!r} is not supported by the "
                "compiled training loop; remove it."
            )
    excluding = getattr(optimizer, "_exclude_from_weight_decay", None) or (
        getattr(optimizer, "_exclude_from_weight_decay_pattern", None) is not None
    )
    if excluding and (config.get("weight_decay") or 0) > 0:  # without decay they do nothing
        raise InvalidParameterError(
            "optimizer: exclude_from_weight_decay is not supported by the compiled training "
            "loop, which decays every weight by weight_decay; use an optimizer without "
            "exclusions, or without weight_decay."
        )
    if not is_real(config["learning_rate"]):
        raise InvalidParameterError(
            "optimizer learning-rate schedules are not supported; pass a number as "
            "the optimizer's learning_rate."
        )
    name = {"adamw": "adam"}.get(type(optimizer).__name__.lower(), type(optimizer).__name__.lower())
    fields = ("beta_1", "beta_2", "epsilon", "momentum", "nesterov", "rho")
    return OptimizerConfig(
        name=name,
        # By name: the number given, not the optimizer's variable (stored in Keras's floatx,
        # which would round it to float16 when a user set that globally).
        learning_rate=float(learning_rate if by_name else config["learning_rate"]),
        weight_decay=float(config.get("weight_decay") or 0.0),
        **{field: config[field] for field in fields if field in config},
    )


def network_dtype(dtype):
    """The networks' dtype by name, ``"float32"`` or ``"float64"``, from any numpy spelling.

    ``"float64"``, ``np.float64`` and ``np.dtype("float64")`` name the same
    precision, as they do for scikit-learn's own ``dtype`` parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae._parameters import network_dtype
    >>> network_dtype(np.float64), network_dtype(np.dtype("float32")), network_dtype("float32")
    ('float64', 'float32', 'float32')
    """
    try:
        # None and booleans have numpy meanings (float64, bool) that no one means here.
        name = None if dtype is None or isinstance(dtype, bool) else np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in ("float32", "float64"):
        raise InvalidParameterError(
            f"dtype must be 'float32' or 'float64' (or np.float32, np.float64), got {dtype!r}."
        )
    return name


def units_tuple(units):
    """``units`` (an int or a sequence of ints, one per stacked layer) as a tuple."""
    layers = (units,) if is_int(units) else units
    if not isinstance(layers, (tuple, list)) or len(layers) == 0:
        raise InvalidParameterError(
            "units must be a positive integer or a non-empty tuple of positive "
            f"integers (one per stacked layer), got {units!r}."
        )
    for n_units in layers:
        check_positive_int("each entry of units", n_units)
    return tuple(int(n) for n in layers)


# Keras callbacks that steer model.optimizer, which training here never reads.
_OPTIMIZER_CALLBACKS = (keras.callbacks.ReduceLROnPlateau, keras.callbacks.LearningRateScheduler)


def check_parameters(estimator):
    """Check the parameters every LSTM autoencoder shares; raise before anything changes."""
    units_tuple(estimator.units)
    if estimator.latent_dim is not None:
        check_positive_int("latent_dim", estimator.latent_dim)
    if estimator.cell not in RECURRENT_LAYERS:
        raise InvalidParameterError(
            f"cell must be one of {sorted(RECURRENT_LAYERS)}, got {estimator.cell!r}."
        )
    for name in ("bidirectional", "warm_start", "standardize"):
        check_bool(name, getattr(estimator, name))
    if not (isinstance(estimator.early_stopping, str) and estimator.early_stopping == "auto"):
        check_bool('early_stopping (or "auto")', estimator.early_stopping)
    check_activation("activation", estimator.activation)
    check_activation("latent_activation", estimator.latent_activation)
    check_fraction("dropout", estimator.dropout, high_open=True)
    check_fraction("recurrent_dropout", estimator.recurrent_dropout, high_open=True)
    if loss_name(estimator.loss) is None:
        raise InvalidParameterError(
            f"loss must be one of {list(LOSSES)} (or Keras's long names such as "
            f"'mean_squared_error'), got {estimator.loss!r}."
        )
    if (
        not is_real(estimator.learning_rate)
        or not np.isfinite(estimator.learning_rate)
        or (estimator.learning_rate <= 0)
    ):
        raise InvalidParameterError(
            f"learning_rate must be a positive number, got {estimator.learning_rate!r}."
        )
    config = optimizer_config(estimator.optimizer, estimator.learning_rate)
    default_rate = inspect.signature(type(estimator)).parameters["learning_rate"].default
    if not isinstance(estimator.optimizer, str) and estimator.learning_rate != default_rate:
        from ._training import caller_stacklevel

        # An instance brings its own rate: a search over learning_rate would fit one model.
        warnings.warn(
            f"learning_rate={estimator.learning_rate!r} is not used: the optimizer is an "
            f"instance ({type(estimator.optimizer).__name__}), whose own learning rate "
            f"({config.learning_rate:g}) trains. Set the rate on the instance, or pass the "
            "optimizer by name.",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
    check_positive_int("epochs", estimator.epochs)
    check_positive_int("batch_size", estimator.batch_size)
    if not is_real(estimator.tol) or not estimator.tol >= 0:
        raise InvalidParameterError(f"tol must be a non-negative number, got {estimator.tol!r}.")
    check_positive_int("n_iter_no_change", estimator.n_iter_no_change)
    check_fraction(
        "validation_fraction", estimator.validation_fraction, low_open=True, high_open=True
    )
    if estimator.callbacks is not None and (
        not isinstance(estimator.callbacks, (list, tuple))
        or not all(isinstance(c, keras.callbacks.Callback) for c in estimator.callbacks)
    ):
        raise InvalidParameterError(
            f"callbacks must be None or a list of keras.callbacks.Callback, got "
            f"{estimator.callbacks!r}."
        )
    for callback in estimator.callbacks or []:
        if isinstance(callback, keras.callbacks.TensorBoard):
            raise InvalidParameterError(
                "callbacks: TensorBoard reads the Keras model's optimizer (its step counter), "
                "which this library's training step does not use (it keeps its own optimizer "
                "state). The losses of every epoch are in loss_curve_ (and "
                "validation_loss_curve_) after fit; a CSVLogger or a LambdaCallback's "
                "on_epoch_end gets them as training goes."
            )
        if isinstance(callback, keras.callbacks.BackupAndRestore):
            raise InvalidParameterError(
                "callbacks: BackupAndRestore saves and restores the Keras model's optimizer, "
                "which this library's training step does not use (it keeps its own optimizer "
                "state), so it cannot resume a fit. To train in stages, save() the estimator "
                "and continue with warm_start=True (or partial_fit) after load()."
            )
        if isinstance(callback, keras.callbacks.ModelCheckpoint) and not isinstance(
            callback.save_freq, str
        ):
            raise InvalidParameterError(
                f"callbacks: ModelCheckpoint(save_freq={callback.save_freq!r}) saves every "
                f"{callback.save_freq} batches, and training here runs an epoch at a time "
                "(batch hooks are not called), so it would never save; use "
                "save_freq='epoch'."
            )
        if isinstance(callback, _OPTIMIZER_CALLBACKS):
            raise InvalidParameterError(
                f"callbacks: {type(callback).__name__} changes the learning rate of the Keras "
                "model's optimizer, which this library's training step does not use (it keeps "
                "its own optimizer state); set learning_rate, and use early_stopping and "
                "n_iter_no_change to stop."
            )
    if estimator.code not in ("last", "pooled"):
        raise InvalidParameterError(f"code must be 'last' or 'pooled', got {estimator.code!r}.")
    if not is_real(estimator.input_noise) or not 0 <= estimator.input_noise < np.inf:
        raise InvalidParameterError(
            "input_noise must be a non-negative number (the standard deviation of the "
            f"training noise), got {estimator.input_noise!r}."
        )
    network_dtype(estimator.dtype)
    # A bool is an int here, as in scikit-learn's own verbose parameters (True: 1).
    if not isinstance(estimator.verbose, numbers.Integral) or estimator.verbose < 0:
        raise InvalidParameterError(
            f"verbose must be a non-negative integer (0: silent, 1: one progress bar, 2 or more: "
            f"one line per epoch), got {estimator.verbose!r}."
        )
    if not (
        estimator.random_state is None
        or is_int(estimator.random_state)
        or isinstance(estimator.random_state, np.random.RandomState)
    ):
        raise InvalidParameterError(
            "random_state must be None, an integer or a numpy RandomState, got "
            f"{estimator.random_state!r}."
        )
    if is_int(estimator.random_state) and not 0 <= estimator.random_state < 2**32:
        # numpy's own message ("Seed must be between 0 and 2**32 - 1") names no parameter.
        raise InvalidParameterError(
            f"random_state must be an integer in [0, 2**32 - 1] (numpy's seeds), got "
            f"{estimator.random_state!r}."
        )

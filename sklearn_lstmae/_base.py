"""The estimator shared by the transformer and the regressor.

It holds the parameters, validates them, runs the one fit path (``fit``,
warm starts and ``partial_fit`` alike), seeds every random choice from
``random_state`` without touching global random state, and keeps the fitted
Keras models picklable.
"""

import inspect
import numbers
import pathlib
import string
import sys
import time
import warnings

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_array, check_is_fitted

from ._engine import LOSSES, OptimizerConfig, get_engine
from ._networks import RECURRENT_LAYERS, NetworkSpec, build_networks
from ._sequences import check_representable, pad_to

# Fitted attributes that hold Keras objects: rebuilt from weights on unpickling.
_KERAS_ATTRIBUTES = ("model_", "encoder_", "decoder_", "predictor_")
# Attributes validate_data sets on the estimator: restored if a fit fails.
_VALIDATION_ATTRIBUTES = ("n_features_in_", "feature_names_in_")

_OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
}


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_positive_int(name, value):
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def _check_fraction(name, value, *, low_open=False, high_open=False):
    ok = _is_real(value) and np.isfinite(value)
    ok = ok and (value > 0 if low_open else value >= 0) and (value < 1 if high_open else value <= 1)
    if not ok:
        interval = ("(" if low_open else "[") + "0, 1" + (")" if high_open else "]")
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}.")


def _check_activation(name, value):
    if not isinstance(value, str):
        raise ValueError(f"{name} must be the name of a Keras activation, got {value!r}.")
    try:
        keras.activations.get(value)
    except ValueError:
        raise ValueError(
            f"{name}={value!r} is not a Keras activation; use for example 'tanh', "
            "'relu', 'sigmoid' or 'linear'."
        ) from None


def _optimizer_config(optimizer, learning_rate):
    """Resolve the ``optimizer`` parameter into the engine's update rule."""
    if isinstance(optimizer, str):
        if optimizer.lower() not in _OPTIMIZERS:
            raise ValueError(
                f"optimizer={optimizer!r} is not supported; use one of "
                f"{sorted(_OPTIMIZERS)} or an instance of those Keras optimizers."
            )
        optimizer = _OPTIMIZERS[optimizer.lower()](learning_rate=learning_rate)
    supported = tuple(_OPTIMIZERS.values())
    if type(optimizer) not in supported:
        raise ValueError(
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
            raise ValueError(
                f"optimizer option {key}={config[key]!r} is not supported by the "
                "compiled training loop; remove it."
            )
    if not _is_real(config["learning_rate"]):
        raise ValueError(
            "optimizer learning-rate schedules are not supported; pass a number as "
            "the optimizer's learning_rate."
        )
    name = {"adamw": "adam"}.get(type(optimizer).__name__.lower(), type(optimizer).__name__.lower())
    fields = ("beta_1", "beta_2", "epsilon", "momentum", "nesterov", "rho")
    return OptimizerConfig(
        name=name,
        learning_rate=float(config["learning_rate"]),
        weight_decay=float(config.get("weight_decay") or 0.0),
        **{field: config[field] for field in fields if field in config},
    )


def _draw_seed(random_state):
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


def _standardization(values, standardize, sample_weight=None):
    """Per-feature mean and standard deviation over samples and real timesteps.

    Weighted by ``sample_weight``, so that a weight of 2 equals repeating the
    sequence.
    """
    n_samples, n_timesteps, n_features = values.shape
    if not standardize:
        return np.zeros(n_features), np.ones(n_features)
    flat = values.reshape(-1, n_features)
    weights = np.ones(n_samples) if sample_weight is None else sample_weight
    weights = np.repeat(weights, n_timesteps)
    is_real = ~np.isnan(flat).all(axis=1)  # drop padding
    flat, weights = flat[is_real].astype(np.float64), weights[is_real]
    mean = np.average(flat, axis=0, weights=weights)
    scale = np.sqrt(np.average((flat - mean) ** 2, axis=0, weights=weights))
    # Constant features: divide by 1 rather than by ~0, as StandardScaler does.
    scale[scale <= 1e-7 * np.maximum(np.abs(mean), 1.0)] = 1.0
    return mean, scale


def _set_standardization(layer, mean, scale):
    layer.set_weights([mean, scale])


def _check_sample_weight(sample_weight, n_samples):
    if sample_weight is None:
        return None
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
    )
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per sequence; got "
            f"{sample_weight.shape}."
        )
    if np.any(sample_weight < 0):
        raise ValueError("sample_weight must be non-negative.")
    if not np.any(sample_weight > 0):
        raise ValueError("sample_weight are all zero: at least one weight must be positive.")
    return sample_weight


def _signature_defaults(function):
    """``{name: default}`` of ``function``'s parameters that have one."""
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is not parameter.empty
    }


class _BaseLSTMAutoencoder(BaseEstimator):
    """Parameters, validation and the one fit path of the LSTM autoencoders."""

    def __init__(
        self,
        units=64,
        *,
        latent_dim=None,
        cell="lstm",
        bidirectional=False,
        activation="tanh",
        latent_activation="linear",
        dropout=0.0,
        recurrent_dropout=0.0,
        loss="mse",
        optimizer="adam",
        learning_rate=1e-3,
        epochs=100,
        batch_size=32,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        callbacks=None,
        standardize=True,
        dtype="float32",
        code="last",
        input_noise=0.0,
        random_state=None,
        verbose=0,
    ):
        self.units = units
        self.latent_dim = latent_dim
        self.cell = cell
        self.bidirectional = bidirectional
        self.activation = activation
        self.latent_activation = latent_activation
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.loss = loss
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.standardize = standardize
        self.dtype = dtype
        self.code = code
        self.input_noise = input_noise
        self.random_state = random_state
        self.verbose = verbose

    # -- parameters ----------------------------------------------------------
    def _units_tuple(self):
        units = (self.units,) if _is_int(self.units) else self.units
        if not isinstance(units, (tuple, list)) or len(units) == 0:
            raise ValueError(
                "units must be a positive integer or a non-empty tuple of positive "
                f"integers (one per stacked layer), got {self.units!r}."
            )
        for n_units in units:
            _check_positive_int("each entry of units", n_units)
        return tuple(int(n) for n in units)

    def _validate_params(self):
        """Check every parameter; raise before anything is fitted or changed."""
        self._units_tuple()
        if self.latent_dim is not None:
            _check_positive_int("latent_dim", self.latent_dim)
        if self.cell not in RECURRENT_LAYERS:
            raise ValueError(f"cell must be one of {sorted(RECURRENT_LAYERS)}, got {self.cell!r}.")
        for name in ("bidirectional", "early_stopping", "warm_start", "standardize"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}.")
        _check_activation("activation", self.activation)
        _check_activation("latent_activation", self.latent_activation)
        _check_fraction("dropout", self.dropout, high_open=True)
        _check_fraction("recurrent_dropout", self.recurrent_dropout, high_open=True)
        if self.loss not in LOSSES:
            raise ValueError(f"loss must be one of {list(LOSSES)}, got {self.loss!r}.")
        if (
            not _is_real(self.learning_rate)
            or not np.isfinite(self.learning_rate)
            or (self.learning_rate <= 0)
        ):
            raise ValueError(
                f"learning_rate must be a positive number, got {self.learning_rate!r}."
            )
        _optimizer_config(self.optimizer, self.learning_rate)
        _check_positive_int("epochs", self.epochs)
        _check_positive_int("batch_size", self.batch_size)
        if not _is_real(self.tol) or not self.tol >= 0:
            raise ValueError(f"tol must be a non-negative number, got {self.tol!r}.")
        _check_positive_int("n_iter_no_change", self.n_iter_no_change)
        _check_fraction(
            "validation_fraction", self.validation_fraction, low_open=True, high_open=True
        )
        if self.callbacks is not None and (
            not isinstance(self.callbacks, (list, tuple))
            or not all(isinstance(c, keras.callbacks.Callback) for c in self.callbacks)
        ):
            raise ValueError(
                f"callbacks must be None or a list of keras.callbacks.Callback, got "
                f"{self.callbacks!r}."
            )
        if self.code not in ("last", "pooled"):
            raise ValueError(f"code must be 'last' or 'pooled', got {self.code!r}.")
        if not _is_real(self.input_noise) or not 0 <= self.input_noise < np.inf:
            raise ValueError(
                "input_noise must be a non-negative number (the standard deviation of the "
                f"training noise), got {self.input_noise!r}."
            )
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}.")
        if not _is_int(self.verbose) or self.verbose < 0:
            raise ValueError(f"verbose must be 0, 1 or 2, got {self.verbose!r}.")
        if not (
            self.random_state is None
            or _is_int(self.random_state)
            or isinstance(self.random_state, np.random.RandomState)
        ):
            raise ValueError(
                "random_state must be None, an integer or a numpy RandomState, got "
                f"{self.random_state!r}."
            )

    def _network_spec(self, sequences, n_future, n_targets):
        return NetworkSpec(
            n_timesteps=sequences.values.shape[1],
            n_features=sequences.values.shape[2],
            units=self._units_tuple(),
            latent_dim=self.latent_dim,
            activation=self.activation,
            latent_activation=self.latent_activation,
            n_future=n_future,
            n_targets=n_targets,
            cell=self.cell,
            bidirectional=bool(self.bidirectional),
            dropout=float(self.dropout),
            recurrent_dropout=float(self.recurrent_dropout),
            dtype=self.dtype,
            code=self.code,
            input_noise=float(self.input_noise),
        )

    def _check_same_architecture(self, spec, sequences, n_future, n_targets):
        """Refuse to continue training when an architecture parameter changed."""
        wanted = self._network_spec(sequences, n_future, n_targets).to_dict()
        fitted = spec.to_dict()
        changed = [
            name
            for name in wanted
            if name not in ("n_timesteps", "n_features", "n_future", "n_targets")
            and wanted[name] != fitted[name]
        ]
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the model was fitted, but warm_start and "
                "partial_fit continue the fitted network; set them back, or fit anew with "
                "warm_start=False."
            )

    # -- the one fit path -----------------------------------------------------
    # Subclasses say how data is validated and what the networks learn:
    #   _validate_training_data(X, y, reset) -> (Sequences, y or None)
    #   _targets(sequences, y) -> (targets, loss_weights, n_future, n_targets)
    #   _validation_set(validation_data) -> (Sequences, y or None)
    #   _fitted_extras(sequences, y, spec) -> dict of fitted attributes

    def _fit(self, X, y, sample_weight, validation_data, *, incremental):
        """Validate, then train; commit the fitted state only if all succeeded.

        A failure anywhere (bad input, bad parameters, diverging training)
        leaves a previously fitted estimator exactly as it was.
        """
        saved = {
            name: self.__dict__[name] for name in _VALIDATION_ATTRIBUTES if name in self.__dict__
        }
        try:
            self._validate_params()
            continuing = self.__sklearn_is_fitted__() and (incremental or self.warm_start)
            sequences, y = self._validate_training_data(X, y, reset=not continuing)
            sample_weight = _check_sample_weight(sample_weight, len(sequences.values))
            fitted = self._train(
                sequences,
                y,
                sample_weight,
                validation_data,
                continuing=continuing,
                incremental=incremental,
            )
        except BaseException:
            for name in _VALIDATION_ATTRIBUTES:
                self.__dict__.pop(name, None)
            self.__dict__.update(saved)
            raise
        for attribute in _KERAS_ATTRIBUTES:
            self.__dict__.pop(attribute, None)
        self.__dict__.update(fitted)
        return self

    def _train(self, sequences, y, sample_weight, validation_data, *, continuing, incremental):
        targets, loss_weights, n_future, n_targets = self._targets(sequences, y)
        for values in targets:
            check_representable(values, self._spec.dtype if continuing else self.dtype)
        if continuing:
            spec = self._spec
            if (n_future, n_targets) != (spec.n_future, spec.n_targets):
                raise ValueError(
                    f"y has {n_future} steps of {n_targets} targets, but the model was fitted "
                    f"on {spec.n_future} of {spec.n_targets}; fit anew (warm_start=False)."
                )
            self._check_same_architecture(spec, sequences, n_future, n_targets)
            targets[0] = pad_to(targets[0], spec.n_timesteps, "continue training on")
            seed = self._seed
            # get_weights() does not carry the dropout and noise layers' seed
            # generators: give each continuation its own streams, reproducible
            # from the seed, instead of replaying the same draws every time.
            networks = build_networks(
                spec, seed=int(np.random.RandomState([seed, self.n_iter_]).randint(2**30))
            )
            networks["model"].set_weights(self.model_.get_weights())
            # A new shuffling stream for each continuation, reproducible from the seed.
            shuffle_rng = np.random.RandomState([seed, self.n_iter_])
            scales = list(self._scales)
            optimizer_state = self._optimizer_state
            history = {key: list(value) for key, value in self.history_.items()}
        else:
            spec = self._network_spec(sequences, n_future, n_targets)
            seed = _draw_seed(self.random_state)
            shuffle_rng = np.random.RandomState(seed)
            networks = build_networks(spec, seed=seed)
            optimizer_state = None
            history = {"loss": []}
            scales = self._learn_standardization(networks, targets, sample_weight)
        model = networks["model"]

        n_samples = len(sequences.values)
        train_index, validation = np.arange(n_samples), None
        if validation_data is not None:
            validation = self._validation_targets(validation_data, spec)
        elif self.early_stopping and not incremental:
            train_index, validation_index = self._validation_split(n_samples, shuffle_rng)
            validation = (
                targets[0][validation_index],
                [t[validation_index] for t in targets],
                None if sample_weight is None else sample_weight[validation_index],
            )
        if validation is not None:
            history.setdefault("val_loss", [])

        trainer = get_engine(spec).trainer(
            model,
            loss=self.loss,
            optimizer=_optimizer_config(self.optimizer, self.learning_rate),
            scales=scales,
            loss_weights=loss_weights,
            state=optimizer_state,
        )
        train_data = trainer.data(
            targets[0][train_index],  # the inputs, padded to the decoder's length
            [t[train_index] for t in targets],
            None if sample_weight is None else sample_weight[train_index],
        )
        validation_data = None if validation is None else trainer.data(*validation)
        epochs = 1 if incremental else self.epochs
        self._run_epochs(
            trainer,
            model,
            train_data,
            validation_data,
            epochs,
            shuffle_rng,
            history,
            stop_early=not incremental,
        )

        fitted = {
            "_spec": spec,
            "_seed": seed,
            "_scales": [np.asarray(s) for s in scales],
            "_optimizer_state": trainer.optimizer_state(),
            "history_": history,
            "loss_curve_": list(history["loss"]),
            "validation_loss_curve_": list(history["val_loss"]) if "val_loss" in history else None,
            "n_iter_": len(history["loss"]),
            "n_timesteps_in_": spec.n_timesteps,
            "n_channels_in_": spec.n_features,
        }
        monitored = fitted["validation_loss_curve_"] if self.early_stopping and validation else None
        fitted["best_loss_"] = float(np.min(monitored or fitted["loss_curve_"]))
        fitted.update(self._fitted_extras(sequences, y, spec) if not continuing else {})
        fitted.update(self._keras_attributes(networks))
        return fitted

    def _learn_standardization(self, networks, targets, sample_weight):
        mean, scale = _standardization(targets[0], self.standardize, sample_weight)
        _set_standardization(networks["encoder"].get_layer("input_scale"), mean, scale)
        _set_standardization(networks["decoder"].get_layer("reconstruction_unscale"), mean, scale)
        scales = [scale]
        if len(targets) > 1:
            target_mean, target_scale = _standardization(
                targets[1], self.standardize, sample_weight
            )
            _set_standardization(
                networks["predictor"].get_layer("prediction_unscale"), target_mean, target_scale
            )
            scales.append(target_scale)
        return scales

    def _validation_split(self, n_samples, rng):
        n_validation = int(round(self.validation_fraction * n_samples))
        if n_validation < 1 or n_validation >= n_samples:
            raise ValueError(
                f"early_stopping needs a validation set: validation_fraction="
                f"{self.validation_fraction} of {n_samples} sequences leaves "
                f"{n_validation} for validation and {n_samples - n_validation} for "
                "training. Raise validation_fraction, pass validation_data, or add data."
            )
        order = rng.permutation(n_samples)
        return np.sort(order[n_validation:]), np.sort(order[:n_validation])

    def _validation_targets(self, validation_data, spec):
        sequences, y = self._validation_set(validation_data)
        if sequences.values.shape[2] != spec.n_features:
            raise ValueError(
                f"validation_data has {sequences.values.shape[2]} features per timestep, but "
                f"X has {spec.n_features}."
            )
        targets, _, n_future, n_targets = self._targets(sequences, y)
        if (n_future, n_targets) != (spec.n_future, spec.n_targets):
            raise ValueError("validation_data's y is shaped unlike y.")
        targets[0] = pad_to(targets[0], spec.n_timesteps, "validate on")
        return targets[0], targets, None

    def _run_epochs(
        self, trainer, model, train_data, validation_data, epochs, rng, history, *, stop_early
    ):
        """The epoch loop: stopping rules, callbacks, progress, divergence."""
        callbacks = keras.callbacks.CallbackList(
            list(self.callbacks or []), model=model, epochs=epochs, verbose=0
        )
        progress = _Progress(epochs, self.verbose)
        monitor_validation = self.early_stopping and validation_data is not None
        best_loss, best_weights, epochs_without_improvement = np.inf, None, 0
        n_train = int(train_data[0].shape[0])
        batch_size = min(self.batch_size, n_train)
        model.stop_training = False
        callbacks.on_train_begin()
        stopped = False
        for epoch in range(epochs):
            callbacks.on_epoch_begin(epoch)
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
            monitored = logs["val_loss"] if monitor_validation else loss
            if monitored < best_loss - self.tol:
                epochs_without_improvement = 0
            else:
                epochs_without_improvement += 1
            if monitored < best_loss:
                best_loss = monitored
                if monitor_validation:
                    best_weights = trainer.snapshot()
            if self.callbacks:
                trainer.write_to(model)
                callbacks.on_epoch_end(epoch, logs)
                trainer.read_from(model)  # a callback may have changed the weights
            progress.update(epoch, logs, last=epoch + 1 == epochs)
            if model.stop_training or (
                stop_early and epochs_without_improvement >= self.n_iter_no_change
            ):
                stopped = True
                break
        progress.close()
        if best_weights is not None:
            trainer.restore(best_weights)
        trainer.write_to(model)
        callbacks.on_train_end()
        trainer.read_from(model)
        for callback in self.callbacks or []:
            callback.set_model(None)  # keep the estimator picklable and clonable
        if stop_early and not stopped:
            warnings.warn(
                f"{type(self).__name__} ran its {epochs} epochs without converging (the loss "
                f"still improved by more than tol={self.tol} within the last "
                f"{self.n_iter_no_change} epochs); raise epochs to train further.",
                ConvergenceWarning,
                stacklevel=4,
            )

    # -- using the fitted networks ----------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def _apply(self, network_name, inputs):
        check_is_fitted(self)
        network = getattr(self, network_name + "_")
        return get_engine(self._spec).apply(network, network_name, inputs)

    def _encode(self, X_3d):
        check_representable(X_3d, self._spec.dtype)
        return self._apply("encoder", X_3d)

    def _reconstruction_error(self, X_3d):
        """Mean squared reconstruction error per sample, in standardized units."""
        reconstruction = self._decode(self._encode(X_3d), X_3d.shape[1])
        squared_error = np.square((reconstruction - X_3d) / self._scales[0], dtype=np.float64)
        # Padding (NaN) counts neither in the sum nor in the mean.
        return np.nanmean(squared_error, axis=(1, 2))

    def _decode(self, codes, n_steps):
        """Decode codes into ``n_steps`` steps (at most the longest seen in fit)."""
        if n_steps > self.n_timesteps_in_:
            raise ValueError(
                f"Sequences of {n_steps} timesteps cannot be rebuilt: the decoder was "
                f"fitted on sequences of at most {self.n_timesteps_in_} timesteps. "
                "transform encodes sequences of any length."
            )
        return self._apply("decoder", codes)[:, :n_steps]

    # -- tags and persistence ---------------------------------------------------------
    def save(self, path):
        """Save the fitted estimator to one file that loading cannot turn into code.

        The file is a zip archive of the parameters and fitted state as JSON
        and the network in Keras's own ``.keras`` format, which
        :func:`sklearn_lstmae.load` opens in Keras's safe mode. Writing is
        atomic: a crash while saving leaves any previous file at ``path``
        intact. Pickle and joblib work too, but load code from the file.

        Parameters
        ----------
        path : str or path-like
            Where to write (conventionally ending in ``.lstmae``).

        Returns
        -------
        path : pathlib.Path
            The file written.
        """
        from ._persistence import save_estimator

        save_estimator(self, path)
        return pathlib.Path(path)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags

    @staticmethod
    def _keras_attributes(networks):
        attributes = {
            "model_": networks["model"],
            "encoder_": networks["encoder"],
            "decoder_": networks["decoder"],
        }
        if "predictor" in networks:
            attributes["predictor_"] = networks["predictor"]
        return attributes

    def __getstate__(self):
        state = super().__getstate__()
        if "model_" in state:
            state = dict(state)
            state["_weights"] = state["model_"].get_weights()
            for attribute in _KERAS_ATTRIBUTES:
                state.pop(attribute, None)
        return state

    @classmethod
    def _with_missing_parameters(cls, params):
        """``params`` plus every parameter it lacks, set to what a version without it did.

        Pickles and saved files from an older version lack newer parameters.
        Each gets the classic model's value, this base class's default, not
        the estimator's own where it differs (the transformer's
        ``code="pooled"`` and ``input_noise=0.25``): that is what the fitted
        networks were built with.
        """
        defaults = {
            **_signature_defaults(cls.__init__),
            **_signature_defaults(_BaseLSTMAutoencoder.__init__),  # the base's win
        }
        missing = {name: value for name, value in defaults.items() if name not in params}
        return {**params, **missing}  # the given order first, as it was pickled

    def __setstate__(self, state):
        state = self._with_missing_parameters(state)
        weights = state.pop("_weights", None)
        super().__setstate__(state)
        if weights is not None:
            networks = build_networks(self._spec)
            networks["model"].set_weights(weights)
            self.__dict__.update(self._keras_attributes(networks))


class _Progress:
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


# Numpydoc for the parameters both estimators share, placed into each class docstring.
# The Parameters shared by both estimators. Each estimator has its own defaults
# for some of them: ``$name`` stands for the default of ``name`` in that
# estimator's signature, filled in by ``document_defaults``.
COMMON_PARAMETERS_DOC = """\
latent_dim : int or None, default=None
        None: the code is read off the encoder as ``code`` says (with
        ``code="last"``, the last encoder layer's final hidden state, size
        ``units[-1]``, doubled when bidirectional, as in the classic model).
        An int adds a Dense bottleneck of that size.
    cell : {"lstm", "gru"}, default=$cell
        Recurrent layer of the encoder and the decoders.
    bidirectional : bool, default=False
        Read each sequence both ways in the encoder; the code joins the final
        states of both directions.
    activation : str, default="tanh"
        Activation of the recurrent cells (any Keras activation name).
    latent_activation : str, default="linear"
        Activation of the Dense bottleneck (only with ``latent_dim``).
    dropout : float, default=0.0
        Dropout on the inputs of every recurrent layer, in training only.
    recurrent_dropout : float, default=0.0
        Dropout on the recurrent state, in training only. Any value above 0
        leaves Keras's cuDNN kernel on a GPU, as does an activation other
        than ``"tanh"``; the defaults keep it.
    loss : {"mse", "mae", "huber"}, default="mse"
        Error measured on standardized values (Huber with delta 1).
    optimizer : str or keras.optimizers.Optimizer, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"``, ``"rmsprop"``, or an instance of
        those Keras optimizers (its own learning rate and settings are then
        used). Updates follow Keras's formulas exactly.
    learning_rate : float, default=1e-3
        Learning rate of an optimizer given by name.
    epochs : int, default=$epochs
        Most passes over the training data.
    batch_size : int, default=32
        Sequences per gradient step (clipped to the number of samples).
    tol : float, default=$tol
        Improvement of the monitored loss that counts as progress.
    n_iter_no_change : int, default=$n_iter_no_change
        Training stops once the monitored loss (the validation loss with
        ``early_stopping``, else the training loss) has not improved by
        ``tol`` for this many epochs. Reaching ``epochs`` first raises a
        ``ConvergenceWarning``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training sequences (or use
        ``validation_data`` given to fit), stop when their loss stops
        improving, and restore the weights of the best epoch.
    validation_fraction : float, default=0.1
        Share of the training sequences held out for early stopping.
    warm_start : bool, default=False
        When fitted already, ``fit`` continues from the current weights,
        standardization and optimizer state instead of starting anew.
    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks called during training with ``model_`` as their
        model and the epoch's ``loss`` (and ``val_loss``) in the logs;
        ``model.stop_training = True`` stops training.
    standardize : bool, default=True
        Standardize each feature (mean and standard deviation over samples
        and real timesteps, learned in the first fit) inside the Keras graph:
        ``encoder_`` takes raw sequences and outputs come back in the data's
        units. The loss and :meth:`score` are in standardized units.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the networks (set on each layer, never globally).
    code : {"last", "pooled"}, default=$code
        How the code is read off the encoder: its final hidden state (the
        classic model), or that joined with the mean and the maximum of its
        outputs over the real timesteps (three times as long; better
        features for classification in benchmarks/quality.py). With
        ``bidirectional=True`` both forms start with each direction's final
        state (the backward one after reading back to the first step). The three
        parts differ in scale: before a distance-based model such as an RBF
        SVM, a ``StandardScaler`` is worth trying (chosen by cross-validation).
    input_noise : float, default=$input_noise
        Standard deviation of Gaussian noise added to the standardized inputs
        (to the raw inputs with ``standardize=False``) during training only:
        a denoising autoencoder (Vincent et al., 2008), whose codes must
        capture the shape of a sequence rather than its noise. The noise is
        seeded by ``random_state``; ``transform`` and the networks at
        inference never add it. 0 turns it off. The training loss is then
        noisy and keeps finding new lows by more than a small ``tol``, so
        training often runs all ``epochs`` and warns; a larger ``tol`` stops
        it earlier.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, dropout and the shuffling. An int gives
        the same results on every run on CPU. No global random state
        (numpy's, Python's, TensorFlow's, Keras's) is read or changed.
    verbose : int, default=0
        0 silent, 1 one progress bar over the epochs with the loss, 2 one line
        per epoch."""


def document_defaults(estimator_class):
    """Fill the ``$name`` defaults of the shared Parameters section.

    Class decorator: the defaults are read from ``estimator_class.__init__``'s
    signature, so the documentation cannot drift from the code.
    """
    defaults = {
        name: f'"{default}"' if isinstance(default, str) else repr(default)
        for name, default in _signature_defaults(estimator_class.__init__).items()
    }
    doc = estimator_class.__doc__
    if doc is not None:  # None under python -OO
        if COMMON_PARAMETERS_DOC not in doc:
            raise ValueError(f"{estimator_class.__name__}'s docstring lacks the shared Parameters.")
        # Only the shared section holds placeholders: a "$" elsewhere stays as written.
        filled = string.Template(COMMON_PARAMETERS_DOC).substitute(defaults)
        estimator_class.__doc__ = doc.replace(COMMON_PARAMETERS_DOC, filled)
    return estimator_class


COMMON_ATTRIBUTES_DOC = """\
loss_curve_ : list of float
        Mean training loss of each epoch (over all fits when warm-started).
    validation_loss_curve_ : list of float or None
        Validation loss of each epoch, when validating.
    best_loss_ : float
        Lowest monitored loss (validation loss with early stopping).
    history_ : dict of str to list of float
        Keras-style history: ``"loss"`` and, when validating, ``"val_loss"``.
    n_iter_ : int
        Epochs run (over all fits when warm-started or with partial_fit).
    n_features_in_ : int
        Columns of ``X`` seen in fit as scikit-learn counts them: the
        (padded) number of timesteps.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.
    n_timesteps_in_ : int
        Timesteps of the longest training sequence: what the decoder rebuilds.
    n_channels_in_ : int
        Features per timestep of the training sequences (1 for univariate)."""

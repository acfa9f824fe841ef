"""The estimator shared by the transformer and the regressor.

It holds the parameters, validates them, runs the one fit path, seeds every
random choice from ``random_state`` without touching global random state, and
keeps the fitted Keras models picklable.
"""

import numbers
import sys

import keras
import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ._engine import get_engine
from ._networks import NetworkSpec, build_networks

# Fitted attributes that hold Keras objects: rebuilt from weights on unpickling.
_KERAS_ATTRIBUTES = ("model_", "encoder_", "decoder_", "predictor_")


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _check_positive_int(name, value):
    if not _is_int(value) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


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


def _draw_seeds(random_state):
    """Two independent seeds (weights, shuffling) from ``random_state``.

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
    weight_seed, shuffle_seed = rng.randint(0, 2**31 - 2**16, size=2)
    return int(weight_seed), np.random.RandomState(int(shuffle_seed))


def _standardization(values, standardize):
    """Per-feature mean and standard deviation over samples and real timesteps."""
    n_features = values.shape[-1]
    if not standardize:
        return np.zeros(n_features), np.ones(n_features)
    flat = values.reshape(-1, n_features)
    flat = flat[~np.isnan(flat).all(axis=1)].astype(np.float64)  # drop padding
    mean = flat.mean(axis=0)
    scale = flat.std(axis=0)
    # Constant features: divide by 1 rather than by ~0, as StandardScaler does.
    scale[scale <= 1e-7 * np.maximum(np.abs(mean), 1.0)] = 1.0
    return mean, scale


def _set_standardization(layer, mean, scale):
    layer.set_weights([mean.astype(np.float32), scale.astype(np.float32)])


class _BaseLSTMAutoencoder(BaseEstimator):
    """Parameters, validation and the one fit path of the LSTM autoencoders."""

    def __init__(
        self,
        units=64,
        *,
        latent_dim=None,
        activation="tanh",
        latent_activation="linear",
        epochs=100,
        batch_size=32,
        learning_rate=1e-3,
        standardize=True,
        random_state=None,
        verbose=0,
    ):
        self.units = units
        self.latent_dim = latent_dim
        self.activation = activation
        self.latent_activation = latent_activation
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.standardize = standardize
        self.random_state = random_state
        self.verbose = verbose

    # -- parameters ----------------------------------------------------------
    def _units_tuple(self):
        units = (self.units,) if _is_int(self.units) else self.units
        if not isinstance(units, (tuple, list)) or len(units) == 0:
            raise ValueError(
                "units must be a positive integer or a non-empty tuple of positive "
                f"integers (one per stacked LSTM layer), got {self.units!r}."
            )
        for n_units in units:
            _check_positive_int("each entry of units", n_units)
        return tuple(int(n) for n in units)

    def _validate_params(self):
        """Check every parameter; raise before anything is fitted or changed."""
        self._units_tuple()
        if self.latent_dim is not None:
            _check_positive_int("latent_dim", self.latent_dim)
        _check_activation("activation", self.activation)
        _check_activation("latent_activation", self.latent_activation)
        _check_positive_int("epochs", self.epochs)
        _check_positive_int("batch_size", self.batch_size)
        if (
            not isinstance(self.learning_rate, numbers.Real)
            or isinstance(self.learning_rate, bool)
            or not np.isfinite(self.learning_rate)
            or self.learning_rate <= 0
        ):
            raise ValueError(
                f"learning_rate must be a positive number, got {self.learning_rate!r}."
            )
        if not isinstance(self.standardize, (bool, np.bool_)):
            raise ValueError(f"standardize must be True or False, got {self.standardize!r}.")
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

    # -- fitting ---------------------------------------------------------------
    def _fit_networks(self, X_3d, targets, loss_weights, n_future=0, n_targets=1):
        """Build, standardize and train the networks; return the fitted state.

        Nothing is stored on ``self`` here: the caller commits the returned
        state only once everything succeeded, so a failed fit leaves a
        previously fitted estimator as it was.
        """
        n_samples, n_timesteps, n_features = X_3d.shape
        spec = NetworkSpec(
            n_timesteps=n_timesteps,
            n_features=n_features,
            units=self._units_tuple(),
            latent_dim=self.latent_dim,
            activation=self.activation,
            latent_activation=self.latent_activation,
            n_future=n_future,
            n_targets=n_targets,
        )
        weight_seed, shuffle_rng = _draw_seeds(self.random_state)
        networks = build_networks(spec, seed=weight_seed)
        model = networks["model"]

        input_mean, input_scale = _standardization(X_3d, self.standardize)
        _set_standardization(networks["encoder"].get_layer("input_scale"), input_mean, input_scale)
        _set_standardization(
            networks["decoder"].get_layer("reconstruction_unscale"), input_mean, input_scale
        )
        scales = [input_scale]
        if n_future:
            target_mean, target_scale = _standardization(targets[1], self.standardize)
            _set_standardization(
                networks["predictor"].get_layer("prediction_unscale"), target_mean, target_scale
            )
            scales.append(target_scale)

        progress = _Progress(self.epochs, self.verbose)
        losses = get_engine(spec).train(
            model,
            X_3d,
            targets,
            scales=scales,
            loss_weights=loss_weights,
            batch_size=min(self.batch_size, n_samples),
            learning_rate=float(self.learning_rate),
            epochs=self.epochs,
            rng=shuffle_rng,
            on_epoch_end=progress.update,
        )
        if not np.all(np.isfinite(losses)) or not all(
            np.all(np.isfinite(w)) for w in model.get_weights()
        ):
            raise ValueError(
                f"Training diverged: the loss became {losses[-1]} after {len(losses)} "
                "epochs. Lower learning_rate, keep standardize=True, or check X for "
                "extreme values."
            )
        fitted = {
            "_spec": spec,
            "loss_curve_": losses,
            "n_iter_": len(losses),
            "n_timesteps_in_": n_timesteps,
            "n_channels_in_": n_features,
        }
        fitted.update(self._keras_attributes(networks))
        return fitted

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

    def _commit(self, fitted):
        for attribute in _KERAS_ATTRIBUTES:
            self.__dict__.pop(attribute, None)
        self.__dict__.update(fitted)

    def _run_fit(self, validate, fit):
        """Validate then fit; on any failure restore what validation changed."""
        saved = {
            name: self.__dict__[name]
            for name in ("n_features_in_", "feature_names_in_")
            if name in self.__dict__
        }
        try:
            self._validate_params()
            validated = validate()
            self._commit(fit(*validated))
        except BaseException:
            for name in ("n_features_in_", "feature_names_in_"):
                self.__dict__.pop(name, None)
            self.__dict__.update(saved)
            raise
        return self

    # -- using the fitted networks ----------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def _apply(self, network_name, inputs):
        check_is_fitted(self)
        network = getattr(self, network_name + "_")
        return get_engine(self._spec).apply(network, network_name, inputs)

    def _encode(self, X_3d):
        return self._apply("encoder", X_3d)

    def _reconstruction_error(self, X_3d):
        """Mean squared reconstruction error per sample, in standardized units."""
        reconstruction = self._decode(self._encode(X_3d), X_3d.shape[1])
        scale = self.encoder_.get_layer("input_scale").scale.numpy()
        squared_error = np.square((reconstruction - X_3d) / scale, dtype=np.float64)
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
    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags

    def __getstate__(self):
        state = super().__getstate__()
        if "model_" in state:
            state = dict(state)
            state["_weights"] = state["model_"].get_weights()
            for attribute in _KERAS_ATTRIBUTES:
                state.pop(attribute, None)
        return state

    def __setstate__(self, state):
        state = dict(state)
        weights = state.pop("_weights", None)
        super().__setstate__(state)
        if weights is not None:
            networks = build_networks(self._spec)
            networks["model"].set_weights(weights)
            self.__dict__.update(self._keras_attributes(networks))


class _Progress:
    """Training progress: verbose=1 one bar over epochs, verbose>=2 a line per epoch."""

    def __init__(self, epochs, verbose):
        self.epochs = epochs
        self.verbose = verbose
        self._bar = keras.utils.Progbar(epochs, unit_name="epoch") if verbose == 1 else None

    def update(self, epoch, loss):
        if self._bar is not None:
            self._bar.update(epoch + 1, values=[("loss", loss)], finalize=epoch + 1 == self.epochs)
        elif self.verbose >= 2:
            print(f"Epoch {epoch + 1}/{self.epochs} - loss: {loss:.6g}", file=sys.stdout)
        return False

"""The estimator that every LSTM autoencoder of the library builds on.

It holds the parameters, runs the one fit path (``fit``, warm starts and
``partial_fit`` alike) that commits a new fitted state only when all of it
succeeded, applies the fitted networks, and keeps them picklable. What a
subclass learns is said by its hooks, the abstract methods below.
"""

import dataclasses
import os
import pathlib
from abc import ABCMeta, abstractmethod
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.base import BaseEstimator, is_regressor
from sklearn.utils.validation import check_is_fitted

from ._aggregate import fold_padded, fold_sequences, step_scales, unfold_patches
from ._engine import active_strategy, get_engine
from ._networks import NetworkSpec, build_networks, require_eager_execution
from ._parameters import (
    check_parameters,
    loss_name,
    network_dtype,
    optimizer_config,
    units_tuple,
)
from ._persistence import (
    KERAS_ATTRIBUTES,
    keras_attributes,
    save_estimator,
    with_legacy_parameters,
)
from ._sequences import (
    check_longest,
    check_representable,
    like_input,
    pad_to,
    validate_sequences,
    validation_attributes_kept_on_failure,
)
from ._training import draw_seed, holds_out, learn_standardization, run_epochs, validation_split
from ._validation import check_sample_weight

# Parameters that a first fit settles and a continued fit keeps (see _check_same_architecture).
_FIXED_IN_FIT = ("standardize", "max_timesteps")


def _built_outside_strategies(spec, seed, weights):
    """The networks with ``weights``, in plain variables of no ``tf.distribute`` strategy.

    Trained inside a strategy's scope, the networks hold that strategy's
    variables (``MirroredVariable``...): the fitted estimator would keep the
    strategy alive and could not train on under another one. A strategy's
    scope belongs to the thread that entered it, so networks built in a
    thread of their own get ordinary variables.
    """

    def build():
        networks = build_networks(spec, seed=seed)
        networks["model"].set_weights(weights)
        return networks

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(build).result()


class _BaseLSTMAutoencoder(BaseEstimator, metaclass=ABCMeta):
    """Parameters, the one fit path and the fitted networks of the LSTM autoencoders."""

    # What early stopping's split holds out, and how else to get a validation set (messages).
    _SPLIT_UNITS = "sequences"
    _MORE_VALIDATION_DATA = "pass validation_data, or add data"
    # What messages call the training data, and the attribute naming its features.
    _DATA_NAME = "X"
    _FEATURE_NAMES_ATTRIBUTE = "channel_names_in_"

    def _feature_labels(self, n_network_features, patch_size):
        """The user's feature behind each network feature, as messages name it.

        Folded patches hold each feature ``patch_size`` times, step by step.
        """
        n_features = n_network_features // patch_size
        names = getattr(self, self._FEATURE_NAMES_ATTRIBUTE, None)
        return [
            f"{j % n_features}" + ("" if names is None else f" ({names[j % n_features]!r})")
            for j in range(n_network_features)
        ]

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

    # -- what a subclass says: how data is validated and what the networks learn ----
    @abstractmethod
    def _validate_training_data(self, X, y, reset):
        """Validate training data: ``(Sequences, y or None)``; ``reset`` as in ``validate_data``."""

    @abstractmethod
    def _targets(self, sequences, y):
        """``(targets, loss_weights, n_future, n_targets)``: what the networks learn to output.

        ``targets[0]`` is the reconstruction target (the inputs themselves);
        a second entry, the prediction target, adds the prediction decoder.
        """

    @abstractmethod
    def _validation_set(self, validation_data):
        """Validate ``validation_data`` given to fit: ``(Sequences, y or None)``."""

    @abstractmethod
    def _fitted_extras(self, sequences, y, spec):
        """The subclass's own fitted attributes, as a dict, after a first fit."""

    # -- parameters ----------------------------------------------------------
    def _check_params(self):
        """Check every parameter before anything changes (not scikit-learn's _validate_params)."""
        require_eager_execution()  # first: the checks build Keras objects (the optimizer)
        check_parameters(self)

    def _network_spec(self, sequences, n_future, n_targets):
        return NetworkSpec(
            n_timesteps=sequences.values.shape[1],
            n_features=sequences.values.shape[2],
            n_future=n_future,
            n_targets=n_targets,
            **self._architecture(),
        )

    def _architecture(self):
        """The fields of the network's :class:`NetworkSpec` that the parameters set."""
        return dict(
            units=units_tuple(self.units),
            latent_dim=self.latent_dim,
            activation=self.activation,
            latent_activation=self.latent_activation,
            cell=self.cell,
            bidirectional=bool(self.bidirectional),
            dropout=float(self.dropout),
            recurrent_dropout=float(self.recurrent_dropout),
            dtype=network_dtype(self.dtype),
            code=self.code,
            input_noise=float(self.input_noise),
        )

    def _check_same_architecture(self, spec):
        """Refuse to continue training when an architecture parameter changed.

        Also when a parameter that the first fit settled outside the network
        changed: ``standardize`` (whether the scales were learned) and
        ``max_timesteps`` (the patches the network reads).
        """
        changed = self._architecture_changes(spec)
        now = self._parameters_fixed_in_fit()
        fixed = getattr(self, "_fixed_in_fit", {})  # absent: fitted by an older version
        changed += [name for name, value in fixed.items() if now.get(name) != value]
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the model was fitted, but warm_start and "
                "partial_fit continue the fitted network; set them back, or fit anew with "
                "warm_start=False."
            )

    def _architecture_changes(self, spec):
        """Names of the parameters that would build another network than ``spec``."""
        architecture = self._architecture()
        wanted, fitted = dataclasses.replace(spec, **architecture).to_dict(), spec.to_dict()
        return [name for name in architecture if wanted[name] != fitted[name]]

    def _parameters_fixed_in_fit(self):
        """Parameters a first fit settles that the network spec does not record."""
        params = self.get_params(deep=False)
        return {name: params[name] for name in _FIXED_IN_FIT if name in params}

    # -- long sequences folded into patches ------------------------------------
    def _choose_patch_size(self, sequences):
        """Timesteps the network reads as one step, chosen in a first fit: 1 unless overridden."""
        return 1

    @property
    def _patch_size(self):
        # Estimators fitted before folding existed have no patch_size_.
        return getattr(self, "patch_size_", 1)

    def _step_scales(self, n_steps):
        """Each input step's per-feature standardization scale, ``(n_steps, n_features)``."""
        return step_scales(self._scales[0], self._patch_size, n_steps)

    # -- the one fit path -----------------------------------------------------
    def _fit(self, X, y, sample_weight, validation_data, *, incremental):
        """Validate, then train; commit the fitted state only if all succeeded.

        A failure anywhere (bad input, bad parameters, diverging training)
        leaves a previously fitted estimator exactly as it was.
        """
        with validation_attributes_kept_on_failure(self):
            self._check_params()
            continuing = self.__sklearn_is_fitted__() and (incremental or self.warm_start)
            sequences, y = self._validate_training_data(X, y, reset=not continuing)
            sample_weight = check_sample_weight(sample_weight, len(sequences.values))
            patch_size = self._patch_size if continuing else self._choose_patch_size(sequences)
            # The longest sequence the network rebuilds, in the user's timesteps.
            n_timesteps_in = self.n_timesteps_in_ if continuing else sequences.values.shape[1]
            if continuing:
                check_longest(sequences, n_timesteps_in, "continue training on")
            fitted = self._train(
                fold_sequences(sequences, patch_size),
                y,
                sample_weight,
                validation_data,
                continuing=continuing,
                incremental=incremental,
                patch_size=patch_size,
                n_timesteps_in=n_timesteps_in,
            )
            fitted["patch_size_"] = patch_size
            if not continuing:
                fitted["_fixed_in_fit"] = self._parameters_fixed_in_fit()
                # What users see: their own timesteps and features, not the network's patches.
                fitted["n_timesteps_in_"] = n_timesteps_in
                fitted["n_channels_in_"] = sequences.values.shape[2]
        for attribute in KERAS_ATTRIBUTES:
            self.__dict__.pop(attribute, None)
        self.__dict__.update(fitted)
        return self

    def _train(
        self,
        sequences,
        y,
        sample_weight,
        validation_data,
        *,
        continuing,
        incremental,
        patch_size,
        n_timesteps_in,
    ):
        targets, loss_weights, n_future, n_targets = self._targets(sequences, y)
        dtype = self._spec.dtype if continuing else network_dtype(self.dtype)
        for name, values in zip(("X", "y", "y"), targets):
            check_representable(values, dtype, name)
        if continuing:
            spec = self._spec
            if (n_future, n_targets) != (spec.n_future, spec.n_targets):
                raise ValueError(
                    f"y has {n_future} steps of {n_targets} targets, but the model was fitted "
                    f"on {spec.n_future} of {spec.n_targets}; fit anew (warm_start=False)."
                )
            self._check_same_architecture(spec)
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
            seed = draw_seed(self.random_state)
            shuffle_rng = np.random.RandomState(seed)
            networks = build_networks(spec, seed=seed)
            optimizer_state = None
            history = {"loss": []}
            scales = learn_standardization(
                networks,
                targets,
                self.standardize,
                sample_weight,
                spec.dtype,
                name=self._DATA_NAME,
                feature_labels=self._feature_labels(spec.n_features, patch_size),
            )
        model = networks["model"]

        n_samples = len(sequences.values)
        train_index, validation = np.arange(n_samples), None
        # Sequences of weight 0 count in neither loss: a split is drawn among the others, so
        # that it cannot hold out only zeros (a validation loss of 0 that stops every fit).
        weighted = train_index if sample_weight is None else np.flatnonzero(sample_weight > 0)
        # Monitor a validation loss: given validation_data, or a held-out split.
        early_stopping = (isinstance(self.early_stopping, str) or bool(self.early_stopping)) and (
            validation_data is not None
            or holds_out(self.early_stopping, self.validation_fraction, len(weighted))
        )
        if validation_data is not None:
            validation = self._validation_targets(validation_data, spec, patch_size, n_timesteps_in)
        elif early_stopping and not incremental:
            train_index, validation_index = self._early_stopping_split(
                weighted, n_samples, shuffle_rng
            )
            if validation_index is None:  # "auto", and too little to hold out
                early_stopping = False
            else:
                validation = (
                    targets[0][validation_index],
                    [t[validation_index] for t in targets],
                    None if sample_weight is None else sample_weight[validation_index],
                )
        if validation is not None:
            history.setdefault("val_loss", [])

        trainer = get_engine(spec).trainer(
            model,
            loss=loss_name(self.loss),
            optimizer=optimizer_config(self.optimizer, self.learning_rate),
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
        monitored_key = run_epochs(
            self,
            trainer,
            model,
            train_data,
            validation_data,
            epochs,
            shuffle_rng,
            history,
            stop_early=not incremental,
            monitor_validation=early_stopping,
            training_is_noisy=max(self.input_noise, self.dropout, self.recurrent_dropout) > 0,
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
        }
        # The curve this fit monitored (a warm start's history may also hold a
        # curve that an earlier fit monitored and this one did not).
        fitted["best_loss_"] = float(np.nanmin(history[monitored_key]))
        fitted.update(self._fitted_extras(sequences, y, spec) if not continuing else {})
        if active_strategy() is not None:
            networks = _built_outside_strategies(spec, seed, model.get_weights())
        fitted.update(keras_attributes(networks))
        return fitted

    def _early_stopping_split(self, weighted, n_samples, rng):
        """Indices of the training and of the held-out samples for early stopping.

        Sequences are independent: a random ``validation_fraction`` of those of
        weight > 0 (``weighted``) is held out; the others train. A subclass may
        return ``(all indices, None)`` when ``early_stopping="auto"`` finds too
        little to hold out: the fit then monitors its training loss.
        """
        _, held_out = validation_split(
            self.validation_fraction,
            len(weighted),
            rng,
            counted=self._SPLIT_UNITS
            if len(weighted) == n_samples
            else f"{self._SPLIT_UNITS} of weight > 0",
            more=self._MORE_VALIDATION_DATA,
        )
        validation_index = weighted[held_out]
        return np.setdiff1d(np.arange(n_samples), validation_index), validation_index

    def _validation_targets(self, validation_data, spec, patch_size, n_timesteps_in):
        unfolded, y = self._validation_set(validation_data)
        sequences = fold_sequences(unfolded, patch_size)
        if sequences.values.shape[2] != spec.n_features:
            keras_tuple = isinstance(validation_data, tuple) and len(validation_data) == 2
            # In the user's features, not the folded patches' (patch_size values each).
            raise ValueError(
                f"validation_data has {unfolded.values.shape[2]} features per timestep, but "
                f"X has {spec.n_features // patch_size}."
                + (
                    " A tuple of two arrays is read as two sequences; if it is Keras's "
                    "(X_val, y_val), pass X_val alone."
                    if keras_tuple and not is_regressor(self)
                    else ""
                )
            )
        check_longest(unfolded, n_timesteps_in, "validate on")  # after the features' hint
        targets, _, n_future, n_targets = self._targets(sequences, y)
        if (n_future, n_targets) != (spec.n_future, spec.n_targets):
            raise ValueError(
                f"validation_data's y has shape {np.shape(y)}: targets of {n_future} step(s) "
                f"of {n_targets} value(s), but the model predicts {spec.n_future} step(s) of "
                f"{spec.n_targets} value(s), as y has them. Shape y_val like y."
            )
        targets[0] = pad_to(targets[0], spec.n_timesteps, "validate on")
        for values in targets:
            check_representable(values, spec.dtype, "validation_data")
        return targets[0], targets, None

    # -- using the fitted networks ----------------------------------------------
    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")

    def _apply(self, network_name, inputs):
        check_is_fitted(self)
        network = getattr(self, network_name + "_")
        return get_engine(self._spec).apply(network, network_name, inputs)

    def _encode(self, X_3d):
        check_representable(X_3d, self._spec.dtype)
        return self._apply("encoder", fold_padded(X_3d, self._patch_size))

    def _standardized_errors(self, X_3d):
        """Reconstruction minus input at every step and feature, in standardized units.

        float64 ``(n_samples, n_timesteps, n_features)``, NaN at padding.
        """
        reconstruction = self._decode(self._encode(X_3d), X_3d.shape[1])
        return (reconstruction.astype(np.float64) - X_3d) / self._step_scales(X_3d.shape[1])

    def _reconstruction_error(self, X_3d):
        """Mean squared reconstruction error per sample, in standardized units."""
        # Padding (NaN) counts neither in the sum nor in the mean.
        return np.nanmean(np.square(self._standardized_errors(X_3d)), axis=(1, 2))

    def _decode(self, codes, n_steps):
        """Decode codes into ``n_steps`` steps (at most the longest seen in fit)."""
        if n_steps > self.n_timesteps_in_:
            hint = ""
            if hasattr(self, "transform"):  # the detectors have none
                hint = " transform encodes sequences of any length."
            raise ValueError(
                f"Sequences of {n_steps} timesteps cannot be rebuilt: the decoder was "
                f"fitted on sequences of at most {self.n_timesteps_in_} timesteps.{hint}"
            )
        decoded = self._apply("decoder", codes)
        if self._patch_size > 1:
            decoded = unfold_patches(decoded, self._patch_size)
        return decoded[:, :n_steps]

    def reconstruct(self, X):
        """Encode then decode sequences: each comes back at its own length.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences as accepted by :meth:`transform`, no longer than the
            longest seen in fit.

        Returns
        -------
        X_rebuilt : ndarray or list of ndarray
            Shaped like ``X`` (a list for a list of sequences, NaN where ``X``
            was padding), in the input's units.
        """
        check_is_fitted(self)
        sequences = validate_sequences(self, X, reset=False)
        codes = self._encode(sequences.values)
        return like_input(self._decode(codes, sequences.values.shape[1]), sequences)

    # -- tags and persistence ---------------------------------------------------
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
        save_estimator(self, path)
        return pathlib.Path(os.fsdecode(os.fspath(path)))

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
            for attribute in KERAS_ATTRIBUTES:
                state.pop(attribute, None)
        return state

    def __setstate__(self, state):
        state = with_legacy_parameters(type(self), state)
        weights = state.pop("_weights", None)
        super().__setstate__(state)
        if weights is not None:
            networks = build_networks(self._spec)
            networks["model"].set_weights(weights)
            self.__dict__.update(keras_attributes(networks))


# The transformers' transform (the transformer and the regressor name it in their class, where
# scikit-learn's set_output wraps it); the detectors score sequences and have none: scikit-learn
# treats anything with a transform as a transformer, in its checks and in Pipelines.
def transform(self, X):
    """Encode sequences into codes.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
        Sequences shaped as in fit: a list of sequences of any lengths, a
        3-D array of any width (wider than ``n_timesteps_in_`` only where
        the extra steps are all NaN), or a 2-D array with the fit's
        ``n_timesteps_in_`` columns (scikit-learn's features).

    Returns
    -------
    codes : ndarray of shape (n_samples, code_size)
        float32 for float32 input, float64 otherwise.
    """
    check_is_fitted(self)
    sequences = validate_sequences(self, X, reset=False)
    return self._encode(sequences.values).astype(sequences.dtype, copy=False)

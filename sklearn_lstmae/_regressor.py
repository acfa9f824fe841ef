"""CompositeLSTMRegressor: one encoder, a reconstruction decoder and a prediction decoder."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, RegressorMixin, TransformerMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from ._base import _BaseLSTMAutoencoder
from ._base import transform as _transform
from ._docs import COMMON_ATTRIBUTES_DOC, COMMON_PARAMETERS_DOC, document_defaults
from ._persistence import register_estimator
from ._sequences import (
    _check_targets_alike,
    _DataSet,
    check_channels_as_in_fit,
    check_columns_as_in_fit,
    masked_as_nan,
    targets_to_3d,
    validate_sequences,
    validate_sequences_and_targets,
)
from ._validation import check_fraction


def _without_unit_axes(values):
    """The shape of ``values`` without the axes of length 1 after the first."""
    return values.shape[:1] + tuple(n for n in values.shape[1:] if n != 1)


@register_estimator
@document_defaults
class CompositeLSTMRegressor(
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
    TransformerMixin,
    _BaseLSTMAutoencoder,
):
    __doc__ = f"""Composite LSTM autoencoder: rebuild each sequence and predict what follows.

    One encoder LSTM reads the input sequence into a code; two decoders read
    the code: one rebuilds the input, the other predicts the target sequence
    ``y`` (for example the next steps of the series). Both are trained
    together; the reconstruction task keeps the code a faithful summary of
    the input, which regularizes the prediction. As a transformer
    (``transform``, ``fit_transform(X, y)``) it gives the codes, learned with
    supervision.

    Parameters
    ----------
    units : int or tuple of int, default=64
        Units of the encoder's recurrent layer; a tuple stacks layers,
        outermost first. Both decoders mirror the encoder.
    reconstruction_weight : float, default=0.5
        Weight of the reconstruction loss in ``[0, 1]``; the prediction loss
        gets ``1 - reconstruction_weight``. 0 trains a plain sequence-to-
        sequence forecaster.
    {COMMON_PARAMETERS_DOC}

    Attributes
    ----------
    model_ : keras.Model
        The whole network: raw sequences to ``[reconstruction, prediction]``.
    encoder_ : keras.Model
        Standalone encoder from raw 3-D sequences to codes.
    decoder_ : keras.Model
        Codes to reconstructed input sequences.
    predictor_ : keras.Model
        Codes to predicted target sequences, shaped ``(n, n_future, n_targets)``.
    {COMMON_ATTRIBUTES_DOC}

    See Also
    --------
    LSTMAutoencoderTransformer : The autoencoder alone, as a transformer.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae import CompositeLSTMRegressor
    >>> series = np.sin(np.arange(60) / 3)
    >>> X = np.stack([series[i : i + 10] for i in range(40)])
    >>> y = np.stack([series[i + 10 : i + 13] for i in range(40)])
    >>> model = CompositeLSTMRegressor(units=16, epochs=5, random_state=0).fit(X, y)
    >>> model.predict(X).shape
    (40, 3)
    >>> model.reconstruct(X).shape
    (40, 10)
    """

    def __init__(
        self,
        units=64,
        *,
        reconstruction_weight=0.5,
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
        super().__init__(
            units,
            latent_dim=latent_dim,
            cell=cell,
            bidirectional=bidirectional,
            activation=activation,
            latent_activation=latent_activation,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            loss=loss,
            optimizer=optimizer,
            learning_rate=learning_rate,
            epochs=epochs,
            batch_size=batch_size,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            warm_start=warm_start,
            callbacks=callbacks,
            standardize=standardize,
            dtype=dtype,
            code=code,
            input_noise=input_noise,
            random_state=random_state,
            verbose=verbose,
        )
        self.reconstruction_weight = reconstruction_weight

    def _check_params(self):
        super()._check_params()
        check_fraction("reconstruction_weight", self.reconstruction_weight)

    def fit(self, X, y, sample_weight=None, validation_data=None):
        """Train the encoder and both decoders.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Input sequences: a 2-D array or DataFrame holds one univariate
            sequence per row; a 3-D array is ``[samples, timesteps, features]``;
            a list of arrays holds sequences of different lengths.
        y : array-like of shape (n_samples,), (n_samples, n_future) or \
(n_samples, n_future, n_targets)
            Target sequences: one value, a univariate sequence of ``n_future``
            steps, or a multivariate one, per sample.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.
        validation_data : tuple (X_val, y_val), default=None
            Data whose loss is reported each epoch (``val_loss``) and, with
            ``early_stopping``, monitored instead of a held-out split.

        Returns
        -------
        self : CompositeLSTMRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, validation_data, incremental=False)

    def partial_fit(self, X, y, sample_weight=None, validation_data=None):
        """Train for one epoch on ``(X, y)``, continuing from the current state.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            A chunk of input sequences, shaped as in the first call.
        y : array-like of shape (n_samples, ...)
            Its targets, shaped as in the first call.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss.
        validation_data : tuple (X_val, y_val), default=None
            Data whose loss is recorded for this epoch.

        Returns
        -------
        self : CompositeLSTMRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight, validation_data, incremental=True)

    def _validate_training_data(self, X, y, reset):
        sequences, y = validate_sequences_and_targets(self, X, y, reset=reset)
        # The steps and values per step the network predicts (as targets_to_3d reads y), as
        # validation_data is checked: (n,) and (n, 1) are the same targets.
        steps_and_values = (*y.shape[1:], 1, 1)[:2]
        if not reset and steps_and_values != (self._spec.n_future, self._spec.n_targets):
            fitted_shape = ", ".join(["n_samples", *map(str, self._target_shape)])
            raise ValueError(
                f"y has shape {y.shape}, but the model was fitted on targets of shape "
                f"({fitted_shape}{',' if not self._target_shape else ''}): partial_fit and "
                "warm_start continue that model; call fit with warm_start=False to fit a new "
                "one on these targets."
            )
        return sequences, y

    def _targets(self, sequences, y):
        y_3d = targets_to_3d(y)
        weight = float(self.reconstruction_weight)
        return [sequences.values, y_3d], [weight, 1.0 - weight], y_3d.shape[1], y_3d.shape[2]

    def _validation_set(self, validation_data):
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a tuple (X_val, y_val).")
        X_val, y_val = validation_data
        check_columns_as_in_fit(self, X_val, "validation_data's X_val")
        check_channels_as_in_fit(self, X_val, "validation_data's X_val")
        return validate_sequences_and_targets(
            _DataSet(), X_val, y_val, names=("validation_data's X_val", "validation_data's y_val")
        )

    def _fitted_extras(self, sequences, y, spec):
        return {"_target_shape": y.shape[1:], "_n_features_out": spec.code_size}

    def predict(self, X):
        """Predict the target sequence of each input sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Input sequences shaped as in fit.

        Returns
        -------
        y_pred : ndarray of shape (n_samples, *y.shape[1:])
            Shaped like the ``y`` given to fit, in its units; float32 for
            float32 input, float64 otherwise.
        """
        check_is_fitted(self)
        sequences = validate_sequences(self, X, reset=False)
        prediction = self._apply("predictor", self._encode(sequences.values))
        prediction = prediction.reshape(len(prediction), *self._target_shape)
        return prediction.astype(sequences.dtype, copy=False)

    # Named in the class itself: scikit-learn's set_output wraps only such methods.
    transform = _transform

    def score(self, X, y, sample_weight=None):
        """Coefficient of determination R^2 of the predictions.

        Target sequences are flattened per sample, and R^2 is averaged
        uniformly over every (step, target) column.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Input sequences.
        y : array-like of shape (n_samples, ...)
            True target sequences, shaped as in fit.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in R^2.

        Returns
        -------
        score : float
        """
        _check_targets_alike(y, "y")
        y_pred = self.predict(X)
        y_true = np.asarray(masked_as_nan(y), dtype=np.float64)  # masked: missing
        n_samples = len(y_pred)
        n_targets = len(y_true) if y_true.ndim else "a single value, no"
        if n_targets != n_samples:
            raise ValueError(
                f"X holds {n_samples} sequences but y holds {n_targets} targets: give one "
                "target per sequence."
            )
        # As r2_score takes (n,) against (n, 1): axes of length 1 after the first do not count.
        if _without_unit_axes(y_true) != _without_unit_axes(y_pred):
            raise ValueError(
                f"y has shape {y_true.shape}, but predictions have shape {y_pred.shape}: "
                "pass targets shaped as at fit."
            )
        return r2_score(
            y_true.reshape(n_samples, -1),
            y_pred.reshape(n_samples, -1),
            sample_weight=sample_weight,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

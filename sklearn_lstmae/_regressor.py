"""CompositeLSTMRegressor: one encoder, a reconstruction decoder and a prediction decoder."""

import numbers

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, RegressorMixin, TransformerMixin
from sklearn.metrics import r2_score
from sklearn.utils.validation import check_is_fitted

from ._base import _BaseLSTMAutoencoder
from ._sequences import (
    like_input,
    targets_to_3d,
    validate_sequences,
    validate_sequences_and_targets,
)


class CompositeLSTMRegressor(
    ClassNamePrefixFeaturesOutMixin, RegressorMixin, TransformerMixin, _BaseLSTMAutoencoder
):
    """Composite LSTM autoencoder: rebuild each sequence and predict what follows.

    One encoder LSTM reads the input sequence into a code; two decoders read
    the code: one rebuilds the input, the other predicts the target sequence
    ``y`` (for example the next steps of the series). Both are trained
    together; the reconstruction task keeps the code a faithful summary of
    the input, which regularizes the prediction. As a transformer (``transform``,
    ``fit_transform(X, y)``) it gives the codes, learned with supervision.

    Parameters
    ----------
    units : int or tuple of int, default=64
        Units of the encoder LSTM; a tuple stacks layers, outermost first.
        Both decoders mirror the encoder.
    reconstruction_weight : float, default=0.5
        Weight of the reconstruction loss in ``[0, 1]``; the prediction loss
        gets ``1 - reconstruction_weight``. 0 trains a plain sequence-to-
        sequence forecaster.
    latent_dim : int or None, default=None
        None: the code is the last encoder layer's final hidden state. An int
        adds a Dense bottleneck of that size.
    activation : str, default="tanh"
        Activation of the LSTM cells (any Keras activation name).
    latent_activation : str, default="linear"
        Activation of the Dense bottleneck (only with ``latent_dim``).
    epochs : int, default=100
        Passes over the training data.
    batch_size : int, default=32
        Sequences per gradient step (clipped to the number of samples).
    learning_rate : float, default=1e-3
        Adam's learning rate.
    standardize : bool, default=True
        Standardize each input feature and each target feature inside the
        Keras graph (learned in fit); predictions come back in ``y``'s units.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights and the shuffling without touching any
        global random state.
    verbose : int, default=0
        0 silent, 1 one progress bar over the epochs, 2 one line per epoch.

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
    loss_curve_ : list of float
        Mean training loss of each epoch (weighted sum of both decoders'
        mean squared errors, in standardized units).
    n_iter_ : int
        Epochs run.
    n_features_in_ : int
        Columns of ``X`` seen in fit as scikit-learn counts them: the timesteps.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.
    n_timesteps_in_ : int
        Timesteps of the input sequences.
    n_channels_in_ : int
        Features per timestep of the input sequences.

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
        activation="tanh",
        latent_activation="linear",
        epochs=100,
        batch_size=32,
        learning_rate=1e-3,
        standardize=True,
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            units,
            latent_dim=latent_dim,
            activation=activation,
            latent_activation=latent_activation,
            epochs=epochs,
            batch_size=batch_size,
            learning_rate=learning_rate,
            standardize=standardize,
            random_state=random_state,
            verbose=verbose,
        )
        self.reconstruction_weight = reconstruction_weight

    def _validate_params(self):
        super()._validate_params()
        weight = self.reconstruction_weight
        if (
            not isinstance(weight, numbers.Real)
            or isinstance(weight, bool)
            or not 0.0 <= weight <= 1.0
        ):
            raise ValueError(
                f"reconstruction_weight must be a number in [0, 1], got {weight!r}."
            )

    def fit(self, X, y):
        """Train the encoder and both decoders.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Input sequences: a 2-D array or DataFrame holds one univariate
            sequence per row; a 3-D array is ``[samples, timesteps, features]``.
        y : array-like of shape (n_samples,), (n_samples, n_future) or (n_samples, n_future, n_targets)
            Target sequences: one value, a univariate sequence of ``n_future``
            steps, or a multivariate one, per sample.

        Returns
        -------
        self : CompositeLSTMRegressor
            The fitted estimator.
        """

        def fit(sequences, y):
            X_3d = sequences.values
            y_3d = targets_to_3d(y)
            weight = float(self.reconstruction_weight)
            fitted = self._fit_networks(
                X_3d,
                [X_3d, y_3d],
                loss_weights=[weight, 1.0 - weight],
                n_future=y_3d.shape[1],
                n_targets=y_3d.shape[2],
            )
            fitted["_target_shape"] = y.shape[1:]
            fitted["_n_features_out"] = fitted["_spec"].code_size
            return fitted

        return self._run_fit(lambda: validate_sequences_and_targets(self, X, y), fit)

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
        return prediction.reshape(len(prediction), *self._target_shape).astype(sequences.dtype)

    def transform(self, X):
        """Encode sequences into codes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Input sequences shaped as in fit.

        Returns
        -------
        codes : ndarray of shape (n_samples, code_size)
        """
        check_is_fitted(self)
        sequences = validate_sequences(self, X, reset=False)
        return self._encode(sequences.values).astype(sequences.dtype)

    def reconstruct(self, X):
        """Rebuild the input sequences through the reconstruction decoder.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Input sequences shaped as in fit.

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
        y_pred = self.predict(X)
        y_true = np.asarray(y, dtype=np.float64)
        if y_true.shape != y_pred.shape:
            raise ValueError(
                f"y has shape {y_true.shape}, but predictions have shape {y_pred.shape}: "
                "pass targets shaped as at fit."
            )
        n_samples = len(y_true)
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

"""LSTMAutoencoderTransformer: sequences to fixed-length codes."""

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._aggregate import patch_size_for
from ._base import _BaseLSTMAutoencoder
from ._base import transform as _transform
from ._docs import COMMON_ATTRIBUTES_DOC, COMMON_PARAMETERS_DOC, document_defaults
from ._persistence import register_estimator
from ._sequences import (
    check_channels_as_in_fit,
    check_columns_as_in_fit,
    sequences_without_estimator,
    validate_codes,
    validate_sequences,
)
from ._validation import check_positive_int


@register_estimator
@document_defaults
class LSTMAutoencoderTransformer(
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, _BaseLSTMAutoencoder
):
    __doc__ = f"""Encode sequences into fixed-length vectors with an LSTM autoencoder.

    An encoder LSTM reads each sequence into one vector (its code); a decoder
    (RepeatVector, LSTM, per-step Dense) learns to rebuild the sequence from
    it. After ``fit``, :meth:`transform` returns the codes, which serve as
    features for any scikit-learn model, and :meth:`inverse_transform` decodes
    codes back into sequences.

    The defaults are chosen for the codes (``benchmarks/quality.py``): LSTM
    cells, a code that joins the encoder's last state with the mean and the
    maximum of its outputs over time, a denoising objective, and long
    sequences folded into at most ``max_timesteps`` steps. The classic model
    is ``code="last", input_noise=0, max_timesteps=None``.

    Parameters
    ----------
    units : int or tuple of int, default=128
        Units of the encoder's recurrent layer; a tuple stacks layers,
        outermost first (``(128, 64)``). The decoder mirrors the encoder.
    {COMMON_PARAMETERS_DOC}
    max_timesteps : int or None, default=16
        Longest sequence the networks read step by step. A longer one is cut
        into consecutive patches of ``patch_size_ = ceil(T / max_timesteps)``
        steps (``T``: the longest training sequence), each read as one step
        holding all its values, as :class:`TimestepPatches` does; the
        sequence's last step fills its last patch. Recurrent networks learn
        long sequences slowly and poorly; this keeps the fit fast whatever
        the length. Codes, :meth:`inverse_transform` and :meth:`reconstruct`
        are in the sequences' own timesteps, and :meth:`score` counts only
        their real steps; the training loss (``loss_curve_``, ``best_loss_``)
        also counts the copies of the last step that fill a last patch. None
        never folds.

    Attributes
    ----------
    model_ : keras.Model
        The whole autoencoder: raw sequences to reconstructions.
    encoder_ : keras.Model
        Standalone encoder from raw 3-D sequences ``[samples, timesteps,
        features]`` (NaN-padded when of different lengths) to codes; with
        ``patch_size_ > 1`` it reads the sequences folded into patches.
        It shares its weights with ``model_``.
    decoder_ : keras.Model
        Codes to reconstructed sequences (3-D, in patches when folded).
    patch_size_ : int
        Timesteps folded into each step the networks read (1: none).
    {COMMON_ATTRIBUTES_DOC}

    See Also
    --------
    CompositeLSTMRegressor : Adds a decoder that predicts the future of each
        sequence.
    TimestepPatches : The same folding as a separate Pipeline step.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae import LSTMAutoencoderTransformer
    >>> X = np.sin(np.linspace(0, 3, 20))[None, :] * np.arange(1, 9)[:, None]
    >>> encoder = LSTMAutoencoderTransformer(units=8, epochs=5, random_state=0)
    >>> codes = encoder.fit_transform(X)  # code="pooled": last state, mean, max
    >>> codes.shape
    (8, 24)
    >>> encoder.inverse_transform(codes).shape
    (8, 20)
    """

    # The regressor keeps the classic model's defaults.
    def __init__(
        self,
        units=128,
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
        epochs=2000,
        batch_size=32,
        tol=1e-4,
        n_iter_no_change=50,
        early_stopping="auto",
        validation_fraction=0.1,
        warm_start=False,
        callbacks=None,
        standardize=True,
        dtype="float32",
        code="pooled",
        input_noise=0.25,
        max_timesteps=16,
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
        self.max_timesteps = max_timesteps

    def fit(self, X, y=None, sample_weight=None, validation_data=None):
        """Train the autoencoder to rebuild ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences: a 2-D array or DataFrame holds one univariate sequence
            per row; a 3-D array is ``[samples, timesteps, features]``.
            Sequences of different lengths come as a list of ``(T_i,)`` or
            ``(T_i, n_features)`` arrays, or padded with trailing all-NaN
            timesteps; padding is masked and never counts in the loss.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence in the loss.
        validation_data : array-like or list of arrays, default=None
            Sequences whose loss is reported each epoch (``val_loss``) and,
            with ``early_stopping``, monitored instead of a held-out split.
            In cross-validation and searches, scikit-learn splits every fit
            parameter as long as ``X`` with ``X``'s folds: validation
            sequences exactly as many as ``X``'s are split too, silently.

        Returns
        -------
        self : LSTMAutoencoderTransformer
            The fitted estimator.
        """
        return self._fit(X, None, sample_weight, validation_data, incremental=False)

    def partial_fit(self, X, y=None, sample_weight=None, validation_data=None):
        """Train for one epoch on ``X``, continuing from the current state.

        The first call initializes the model (and learns the standardization
        from this first chunk); later calls continue with the same weights
        and optimizer state, so data too big for memory can be streamed in
        chunks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            A chunk of sequences, shaped as in the first call.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence in the loss.
        validation_data : array-like or list of arrays, default=None
            Sequences whose loss is recorded for this epoch.

        Returns
        -------
        self : LSTMAutoencoderTransformer
            The updated estimator.
        """
        return self._fit(X, None, sample_weight, validation_data, incremental=True)

    def _validate_training_data(self, X, y, reset):
        return validate_sequences(self, X, reset=reset), None

    def _targets(self, sequences, y):
        return [sequences.values], [1.0], 0, 1

    def _validation_set(self, validation_data):
        if isinstance(validation_data, tuple) and len(validation_data) in (1, 2):
            first, second = (*validation_data, None)[:2]
            if second is None or isinstance(first, list) or getattr(first, "ndim", 0) == 3:
                # Keras's (X_val, y_val): it would be read as a list of two sequences.
                shown = "(X_val, y_val)" if len(validation_data) == 2 else "(X_val,)"
                raise ValueError(
                    f"validation_data is a tuple {shown} as Keras takes it; here it is the "
                    "validation sequences alone (an autoencoder's targets are its inputs): "
                    "pass validation_data=X_val."
                )
        check_columns_as_in_fit(self, validation_data, "validation_data")
        check_channels_as_in_fit(self, validation_data, "validation_data")
        return sequences_without_estimator(validation_data), None

    def _fitted_extras(self, sequences, y, spec):
        return {"_n_features_out": spec.code_size, "_output_ndim": sequences.ndim}

    def _check_params(self):
        super()._check_params()
        if self.max_timesteps is not None:
            check_positive_int("max_timesteps", self.max_timesteps)

    def _choose_patch_size(self, sequences):
        if self.max_timesteps is None:
            return 1
        return patch_size_for(sequences.lengths.max(), self.max_timesteps)

    # Named in the class itself: scikit-learn's set_output wraps only such methods.
    transform = _transform

    def inverse_transform(self, X, lengths=None):
        """Decode codes back into sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, code_size)
            Codes, as returned by :meth:`transform`.
        lengths : array-like of int of shape (n_samples,), default=None
            Length of each sequence to rebuild (codes do not record it). None
            rebuilds ``n_timesteps_in_`` steps for every code and returns one
            array; given lengths return a list of arrays, one per sequence.

        Returns
        -------
        sequences : ndarray or list of ndarray
            Shaped like the training input: ``(n_samples, n_timesteps)`` when
            fitted on univariate sequences, else ``(n_samples, n_timesteps,
            n_features)``, in the input's units; with ``lengths``, a list of
            ``(length,)`` or ``(length, n_features)`` arrays.
        """
        check_is_fitted(self)
        codes = validate_codes(X, self._n_features_out)
        decoded = self._decode(codes, self.n_timesteps_in_).astype(codes.dtype, copy=False)
        if self._output_ndim == 2:
            decoded = decoded[:, :, 0]
        if lengths is None:
            return decoded
        lengths = np.asarray(lengths)
        if lengths.shape != (len(codes),) or not np.issubdtype(lengths.dtype, np.integer):
            raise ValueError(
                f"lengths must hold one integer per code ({len(codes)}), got "
                f"{lengths.shape} of {lengths.dtype}."
            )
        if lengths.min(initial=1) < 1 or lengths.max(initial=1) > self.n_timesteps_in_:
            raise ValueError(
                f"lengths must be between 1 and {self.n_timesteps_in_} (the longest "
                "sequence seen in fit)."
            )
        return [sequence[:length] for sequence, length in zip(decoded, lengths)]

    def score(self, X, y=None):
        """Negative mean squared reconstruction error (higher is better).

        Errors are measured in standardized units (as the training loss), so
        ``GridSearchCV`` can compare settings with no scorer given, except
        ``standardize``: with ``standardize=False`` they are in the data's own
        units, which do not compare with standardized ones. To search over it,
        give a scorer that measures every candidate in one unit (for example
        the mean squared error of :meth:`inverse_transform` of the codes).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences shaped as in fit.
        y : None
            Ignored.

        Returns
        -------
        score : float
        """
        check_is_fitted(self)
        sequences = validate_sequences(self, X, reset=False)
        return -float(np.mean(self._reconstruction_error(sequences.values)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

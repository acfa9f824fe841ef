"""LSTMAutoencoderOutlierDetector: unusual sequences, by how badly they are rebuilt.

Also the scoring both detectors share (the per-step anomaly score of a
reconstruction, the EncDec-AD error model, the thresholds set by
``contamination``); the detector for one long series is in
``_series_detector.py``.
"""

import contextlib

import numpy as np
from sklearn.base import OutlierMixin
from sklearn.utils.validation import check_is_fitted

from ._base import _BaseLSTMAutoencoder
from ._docs import COMMON_ATTRIBUTES_DOC, COMMON_PARAMETERS_DOC, document_defaults
from ._persistence import register_estimator
from ._sequences import like_input, validate_sequences
from ._transformer import LSTMAutoencoderTransformer
from ._validation import InvalidParameterError, check_sample_weight, is_real

__all__ = ["LSTMAutoencoderOutlierDetector"]

# Parameters that change the scores of a fitted network (and so the threshold's meaning).
_SCORING_PARAMETERS = ("anomaly_score",)

ANOMALY_SCORES = ("error", "mahalanobis")

DEFAULT_ANOMALY_SCORE = "error"

ANOMALY_SCORE_DOC = f"""\
anomaly_score : {{"error", "mahalanobis"}}, default="{DEFAULT_ANOMALY_SCORE}"
        How a reconstructed step is scored. ``"error"``: the squared
        reconstruction error of the standardized values, averaged over
        features (every feature counts equally). ``"mahalanobis"``: the
        EncDec-AD score (Malhotra et al., 2016): a Gaussian is fitted to the
        vectors of absolute standardized errors of the training steps (one
        value per feature), and a step scores the squared Mahalanobis
        distance of its error vector from it, so that features that are
        rebuilt less well in normal data, and errors that break the usual
        pattern between features, are weighed accordingly. The default,
        ``"error"``, scored a higher AUC-PR on two of the three series of
        ``benchmarks/anomaly.py`` and a lower one on the third (the series
        detector's medians over ten fits, scored with the same networks,
        ``"error"`` against ``"mahalanobis"``: 0.973 against 0.955 on the
        multivariate set, 0.978 against 0.962 on KDD-TSAD 135, 0.789 against
        0.816 on the ECG).
        The error model is fitted either way, so a fitted detector scores
        both ways (``set_params(anomaly_score=...)`` needs no new fit);
        its threshold holds for the scores of fit's parameters, and
        ``predict`` refuses other ones.
    contamination : "auto" or float, default="auto"
        Share of outliers expected in the training data; it sets the
        threshold. A float in (0, 0.5]: that share of the training data
        (weighted by ``sample_weight``) is flagged. ``"auto"``: Tukey's rule
        on the training anomaly scores, the third quartile plus 1.5 times
        the interquartile range. The threshold is set in fit: after
        ``set_params(contamination=...)``, ``predict`` and
        ``decision_function`` refuse until the detector is fitted again."""


def check_anomaly_score(value):
    if value not in ANOMALY_SCORES:
        raise InvalidParameterError(
            f"anomaly_score must be one of {list(ANOMALY_SCORES)}, got {value!r}."
        )


def check_contamination(value):
    if isinstance(value, str) and value == "auto":
        return
    if not is_real(value) or not 0 < value <= 0.5:
        raise InvalidParameterError(
            f"contamination must be 'auto' or a number in (0, 0.5] (the share of outliers "
            f"expected in the training data), got {value!r}."
        )


def check_mahalanobis_fitted(estimator):
    """Refuse ``anomaly_score="mahalanobis"`` on a detector without a fitted error model.

    Detectors fitted by this version always fit the model; one loaded from an
    older file may have fitted it only for the Mahalanobis score.
    """
    if estimator.anomaly_score == "mahalanobis" and estimator._error_mean is None:
        raise ValueError(
            "anomaly_score='mahalanobis' needs the error model fitted on the training data, "
            "which this detector does not hold (it was fitted by an older version with "
            "anomaly_score='error'): fit it again."
        )


@contextlib.contextmanager
def all_or_nothing(estimator):
    """Restore every attribute of ``estimator`` if the block fails.

    A fit that fails after training (while scoring its training data, say)
    leaves a previously fitted detector exactly as it was, not a new network
    with an old threshold.
    """
    state = estimator.__dict__.copy()
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(state)
        raise


def scoring_at_fit(estimator, names):
    """The parameters that set the threshold, kept beside it.

    Those that shaped the training scores, and ``contamination``, which chose
    the threshold among them.
    """
    return {name: getattr(estimator, name) for name in (*names, "contamination")}


class _StaleThresholdError(ValueError):
    """The threshold belongs to other scoring parameters: about the estimator, not the data."""


def check_threshold_current(estimator, threshold_name):
    """Refuse to apply a threshold set for other scores than the current parameters give.

    The scoring parameters may be changed after fit (the network stays the
    same, so scores under another reduction can be compared); the threshold
    was set from the training scores under the parameters of fit.
    """
    at_fit = getattr(estimator, "_scoring_at_fit", None)  # None: saved by an older version
    if not at_fit:
        return
    changed = {name: value for name, value in at_fit.items() if getattr(estimator, name) != value}
    if changed:
        now = ", ".join(f"{name}={getattr(estimator, name)!r}" for name in changed)
        before = ", ".join(f"{name}={value!r}" for name, value in changed.items())
        raise _StaleThresholdError(
            f"{threshold_name} was set in fit with {before}, but the detector now has {now}. "
            f"Fit again to set a threshold for these parameters, or set_params({before}) to "
            "use it; the scores themselves follow the current parameters."
        )


class ErrorModel:
    """The Gaussian of EncDec-AD over per-step absolute error vectors, fitted in chunks.

    Moments are accumulated chunk by chunk (weighted, so that a weight of 2
    equals repeating a sequence), which keeps memory flat over long series.
    """

    def __init__(self, n_features):
        self.weight = 0.0
        self.sum = np.zeros(n_features)
        self.outer = np.zeros((n_features, n_features))

    def add(self, residuals, sample_weight=None):
        errors = np.abs(residuals)
        real = ~np.isnan(errors).any(axis=2)
        weights = real.astype(np.float64)
        if sample_weight is not None:
            weights *= sample_weight[:, np.newaxis]
        errors = np.where(real[:, :, np.newaxis], errors, 0.0)
        self.weight += weights.sum()
        self.sum += np.einsum("nt,ntf->f", weights, errors)
        self.outer += np.einsum("nt,ntf,ntg->fg", weights, errors, errors)
        return self

    def finish(self):
        """``(mean, precision)``: the mean error vector and the inverse covariance."""
        mean = self.sum / self.weight
        covariance = self.outer / self.weight - np.outer(mean, mean)
        covariance = (covariance + covariance.T) / 2
        # A small ridge keeps features that are rebuilt exactly (zero variance) finite.
        ridge = 1e-6 * max(float(np.mean(np.diag(covariance))), 1e-12)
        covariance[np.diag_indices_from(covariance)] += ridge
        return mean, np.linalg.pinv(covariance, hermitian=True)


def step_scores(residuals, anomaly_score, error_mean=None, error_precision=None):
    """Anomaly score of each step, ``(n, n_steps)``, from ``(n, n_steps, n_features)`` residuals.

    NaN where the residuals are padding.
    """
    if anomaly_score == "error":
        return np.mean(np.square(residuals), axis=2)
    deviation = np.abs(residuals) - error_mean
    return np.einsum("ntf,fg,ntg->nt", deviation, error_precision, deviation)


def weighted_quantile(values, q, sample_weight=None):
    """The ``q`` quantile as the inverted weighted CDF: weights act as repetitions."""
    order = np.argsort(values, kind="stable")
    weights = np.ones(len(values)) if sample_weight is None else sample_weight[order]
    cumulative = np.cumsum(weights)
    index = np.searchsorted(cumulative, q * cumulative[-1] * (1 - 1e-12), side="left")
    return float(values[order][min(index, len(values) - 1)])


def threshold_for(anomaly_scores, contamination, sample_weight=None):
    """The anomaly score above which a training sample is flagged.

    A float ``contamination`` flags the highest-scoring samples that carry
    that share of the weight: the threshold lies halfway between the last
    flagged score and the next one, so ties aside exactly that share is
    above it. ``"auto"`` is Tukey's upper fence.
    """
    anomaly_scores = np.asarray(anomaly_scores, dtype=np.float64)
    if contamination == "auto":
        q1, q3 = (weighted_quantile(anomaly_scores, q, sample_weight) for q in (0.25, 0.75))
        return q3 + 1.5 * (q3 - q1)
    # Equal scores are flagged together: weights then act exactly as repetitions.
    ranked, inverse = np.unique(-anomaly_scores, return_inverse=True)
    ranked = -ranked  # distinct scores, highest first
    weights = np.ones(len(anomaly_scores)) if sample_weight is None else sample_weight
    cumulative = np.cumsum(np.bincount(inverse.ravel(), weights=weights, minlength=len(ranked)))
    n_flagged = int(
        np.searchsorted(cumulative, contamination * cumulative[-1] * (1 + 1e-12), side="right")
    )
    if n_flagged == 0:
        return float(ranked[0])
    if n_flagged == len(ranked):
        return float(np.nextafter(ranked[-1], -np.inf))
    return float(ranked[n_flagged - 1] + (ranked[n_flagged] - ranked[n_flagged - 1]) / 2)


@register_estimator
@document_defaults
class LSTMAutoencoderOutlierDetector(OutlierMixin, _BaseLSTMAutoencoder):
    __doc__ = f"""Flag unusual sequences by how badly an LSTM autoencoder rebuilds them.

    The autoencoder learns to rebuild the training sequences (mostly
    normal); a sequence it rebuilds badly is unusual. The API is
    scikit-learn's for outlier detectors, as :class:`~sklearn.ensemble.IsolationForest`'s:
    :meth:`score_samples` is higher for normal sequences,
    :meth:`decision_function` is ``score_samples(X) - offset_`` (negative for
    outliers), :meth:`predict` returns +1 for inliers and -1 for outliers,
    and ``contamination`` sets ``offset_`` from the training scores.
    :meth:`reconstruction_error` shows where, in each sequence, and in which
    feature the errors are. Input is taken as by
    :class:`LSTMAutoencoderTransformer` (2-D, 3-D, lists of sequences of
    different lengths, trailing NaN padding).

    A sequence's anomaly score is the mean over its real steps of the
    per-step score chosen by ``anomaly_score``.

    Parameters
    ----------
    units : int or tuple of int, default=64
        Units of the encoder's recurrent layer; a tuple stacks layers,
        outermost first. The decoder mirrors the encoder.
    {ANOMALY_SCORE_DOC}
    {COMMON_PARAMETERS_DOC}

    Attributes
    ----------
    offset_ : float
        ``decision_function(X) = score_samples(X) - offset_``: sequences
        scoring below it are outliers.
    model_ : keras.Model
        The whole autoencoder: raw sequences to reconstructions.
    encoder_ : keras.Model
        Raw 3-D sequences to codes.
    decoder_ : keras.Model
        Codes to reconstructed sequences.
    {COMMON_ATTRIBUTES_DOC}

    See Also
    --------
    LSTMAutoencoderSeriesDetector : One score per time point of one long series.
    sklearn.ensemble.IsolationForest : The same API on tables.

    References
    ----------
    P. Malhotra, A. Ramakrishnan, G. Anand, L. Vig, P. Agarwal and G. Shroff,
    "LSTM-based Encoder-Decoder for Multi-sensor Anomaly Detection", ICML
    Anomaly Detection Workshop, 2016.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae import LSTMAutoencoderOutlierDetector
    >>> rng = np.random.RandomState(0)
    >>> normal = np.sin(np.linspace(0, 6, 20) + rng.uniform(0, 6, (60, 1)))
    >>> detector = LSTMAutoencoderOutlierDetector(units=8, random_state=0)  # stops by itself
    >>> detector = detector.fit(normal)
    >>> odd = normal[:2] + np.where(np.arange(20) == 10, 3.0, 0.0)  # a spike
    >>> detector.predict(odd)
    array([-1, -1])
    >>> bool(detector.score_samples(odd).max() < detector.score_samples(normal).min())
    True
    >>> detector.reconstruction_error(odd).shape  # per step, in X's units
    (2, 20)
    """

    def __init__(
        self,
        units=64,
        *,
        anomaly_score=DEFAULT_ANOMALY_SCORE,
        contamination="auto",
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
        epochs=1000,
        batch_size=32,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        callbacks=None,
        standardize=True,
        dtype="float32",
        code="pooled",
        input_noise=0.25,
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
        self.anomaly_score = anomaly_score
        self.contamination = contamination

    # The detector's network learns what the transformer's does: to rebuild X.
    _validate_training_data = LSTMAutoencoderTransformer._validate_training_data
    _targets = LSTMAutoencoderTransformer._targets
    _validation_set = LSTMAutoencoderTransformer._validation_set

    def _fitted_extras(self, sequences, y, spec):
        return {}

    def _check_params(self):
        super()._check_params()
        check_anomaly_score(self.anomaly_score)
        check_contamination(self.contamination)

    def fit(self, X, y=None, sample_weight=None, validation_data=None):
        """Train the autoencoder on ``X`` and set the threshold from its scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Training sequences, mostly normal: a 2-D array or DataFrame holds
            one univariate sequence per row; a 3-D array is ``[samples,
            timesteps, features]``; sequences of different lengths come as a
            list of arrays or padded with trailing all-NaN timesteps.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sequence in the loss, the error model and the
            threshold.
        validation_data : array-like or list of arrays, default=None
            Sequences whose loss is reported each epoch (and monitored with
            ``early_stopping``). In cross-validation and searches,
            scikit-learn splits every fit parameter as long as ``X`` with
            ``X``'s folds: validation sequences exactly as many as ``X``'s
            are split too, silently.

        Returns
        -------
        self : LSTMAutoencoderOutlierDetector
            The fitted detector.
        """
        with all_or_nothing(self):
            self._fit(X, None, sample_weight, validation_data, incremental=False)
            sequences = validate_sequences(self, X, reset=False)
            sample_weight = check_sample_weight(sample_weight, len(sequences.values))
            residuals = self._standardized_errors(sequences.values)
            # Fitted whatever the score, so that either can be compared on the same network.
            model = ErrorModel(residuals.shape[2]).add(residuals, sample_weight)
            self._error_mean, self._error_precision = model.finish()
            anomaly = self._anomaly_scores(residuals)
            self.offset_ = -threshold_for(anomaly, self.contamination, sample_weight)
            self._scoring_at_fit = scoring_at_fit(self, _SCORING_PARAMETERS)
        return self

    def _anomaly_scores(self, residuals):
        check_anomaly_score(self.anomaly_score)
        check_mahalanobis_fitted(self)
        steps = step_scores(residuals, self.anomaly_score, self._error_mean, self._error_precision)
        return np.nanmean(steps, axis=1)

    def _validated(self, X):
        check_is_fitted(self)
        return validate_sequences(self, X, reset=False)

    def score_samples(self, X):
        """Opposite of each sequence's anomaly score: the lower, the more abnormal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences shaped as in fit: a list of sequences of any lengths or
            a 3-D array of any width, up to the longest seen in fit
            (``n_timesteps_in_``; wider only where the extra steps are all
            NaN); a 2-D array has the fit's ``n_timesteps_in_`` columns.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the mean per-step anomaly score of each sequence (float64).
        """
        sequences = self._validated(X)
        return -self._anomaly_scores(self._standardized_errors(sequences.values))

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers, positive for inliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences shaped as in fit.

        Returns
        -------
        decision : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        check_threshold_current(self, "offset_")
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 for an inlier, -1 for an outlier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences shaped as in fit.

        Returns
        -------
        labels : ndarray of int of shape (n_samples,)
        """
        return np.where(self.decision_function(X) < 0, -1, 1)

    def reconstruction_error(self, X, *, standardized=False):
        """Absolute reconstruction error of every step and feature of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences shaped as in fit.
        standardized : bool, default=False
            False: in ``X``'s own units. True: divided by each feature's
            standard deviation learned in fit (the units the anomaly score
            uses, in which every feature counts equally); with
            ``standardize=False`` nothing is learned and the errors stay in
            ``X``'s units, so features on larger scales weigh more in both.

        Returns
        -------
        errors : ndarray or list of ndarray
            Shaped like ``X``: ``|X - rebuilt X|``, at each sequence's own
            length (a list for a list of sequences, NaN where ``X`` was
            padding).
        """
        sequences = self._validated(X)
        errors = np.abs(self._standardized_errors(sequences.values))
        if not standardized:
            errors = errors * self._scales[0]
        return like_input(errors, sequences)

"""The series detector inside aeon: an adapter to aeon's series anomaly detection API.

Needs aeon (``pip install "sklearn-lstmae[datasets]"``)::

    from sklearn_lstmae.aeon import LSTMAutoencoderAeonDetector

:class:`LSTMAutoencoderAeonDetector` is an aeon ``BaseSeriesAnomalyDetector``:
``fit(X)`` on normal data then ``predict(X)`` (semi-supervised), or
``fit_predict(X)`` (unsupervised), each returning one anomaly score per time
point, higher is more anomalous, which aeon's metrics
(``aeon.benchmarking.metrics.anomaly_detection``) take as they are.
"""

import contextlib

try:
    from aeon.anomaly_detection.series.base import BaseSeriesAnomalyDetector
except ImportError as error:  # pragma: no cover - depends on the environment
    raise ImportError(
        "sklearn_lstmae.aeon needs aeon, which is not installed. Install it with "
        '`pip install "sklearn-lstmae[datasets]"` (or `pip install aeon`).'
    ) from error

from sklearn.base import clone

from ._series_detector import LSTMAutoencoderSeriesDetector

__all__ = ["LSTMAutoencoderAeonDetector"]


@contextlib.contextmanager
def _axis_hint(X):
    """Name aeon's ``axis`` when a refused series looks like one read the wrong way round.

    aeon's ``fit`` and ``predict`` take channels first (``axis=1``) by default, so a
    ``(n_timepoints, n_channels)`` array reaches the detector as many channels of a few
    points; the detector's own advice (a smaller window, ``series.T``) does not apply here.
    """
    try:
        yield
    except ValueError as error:
        # Only the refusals of too few points, which a transposed series meets.
        if X.ndim == 2 and X.shape[1] > X.shape[0] and "points" in str(error):
            raise type(error)(
                f"aeon handed the detector {X.shape[1]} channels of {X.shape[0]} points. "
                "aeon's fit and predict read a 2-D series as (n_channels, n_timepoints) "
                "unless given axis=0: if your series has time along its rows, pass axis=0 "
                f"(fit(X, axis=0), predict(X, axis=0)). The detector said: {error}"
            ) from None
        raise


class LSTMAutoencoderAeonDetector(BaseSeriesAnomalyDetector):
    """aeon's series anomaly detector API over :class:`LSTMAutoencoderSeriesDetector`.

    aeon hands the series over as ``(n_timepoints, n_channels)`` (``axis=0``
    inside; aeon's ``fit(X, axis=...)`` and ``predict`` read a 2-D ``X`` channels
    first by default, so pass ``axis=0`` for ``(n_timepoints, n_channels)``
    data); the wrapped detector is cloned and fitted in ``fit``, and its
    :meth:`~LSTMAutoencoderSeriesDetector.score_timesteps` is the output of
    ``predict``: one float per time point, higher is more anomalous.

    Parameters
    ----------
    detector : LSTMAutoencoderSeriesDetector, default=None
        The detector's settings (it is cloned, never fitted in place); None
        uses ``LSTMAutoencoderSeriesDetector()``'s defaults.

    Attributes
    ----------
    detector_ : LSTMAutoencoderSeriesDetector
        The fitted clone.

    Examples
    --------
    >>> import numpy as np
    >>> from aeon.benchmarking.metrics.anomaly_detection import roc_auc_score
    >>> from sklearn_lstmae import LSTMAutoencoderSeriesDetector
    >>> from sklearn_lstmae.aeon import LSTMAutoencoderAeonDetector
    >>> series = np.sin(2 * np.pi * np.arange(500) / 25)
    >>> test, labels = series.copy(), np.zeros(500, dtype=int)
    >>> test[300:306], labels[300:306] = test[300:306] + 2.0, 1
    >>> inner = LSTMAutoencoderSeriesDetector(stride=5, units=8, epochs=20, random_state=0)
    >>> detector = LSTMAutoencoderAeonDetector(inner).fit(series)
    >>> scores = detector.predict(test)
    >>> scores.shape
    (500,)
    >>> bool(roc_auc_score(labels, scores) > 0.9)
    True
    """

    _tags = {
        "capability:univariate": True,
        "capability:multivariate": True,
        "capability:missing_values": False,
        "fit_is_empty": False,
        "anomaly_output_type": "anomaly_scores",
        "learning_type:unsupervised": True,
        "learning_type:semi_supervised": True,
        "python_dependencies": ["tensorflow"],
    }

    def __init__(self, detector=None):
        self.detector = detector
        super().__init__(axis=0)

    def _fit(self, X, y=None):
        detector = LSTMAutoencoderSeriesDetector() if self.detector is None else self.detector
        with _axis_hint(X):
            self.detector_ = clone(detector).fit(X)
        return self

    def _predict(self, X):
        with _axis_hint(X):
            return self.detector_.score_timesteps(X)

    def _fit_predict(self, X, y=None):
        self._fit(X, y)
        return self._predict(X)

    @classmethod
    def _get_test_params(cls, parameter_set="default"):
        """Small, quick settings for aeon's estimator checks."""
        return {
            "detector": LSTMAutoencoderSeriesDetector(
                window_size=5, stride=2, units=4, epochs=2, random_state=0
            )
        }

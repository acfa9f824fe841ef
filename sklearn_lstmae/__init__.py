"""LSTM autoencoders as scikit-learn estimators: sequences to fixed-length features."""

from . import _preflight  # noqa: F401  (first: Keras's backend checked before TensorFlow loads)
from ._aggregate import PiecewiseAggregate, TimestepPatches
from ._detectors import LSTMAutoencoderOutlierDetector
from ._persistence import load
from ._plotting import (
    AnomalyScoreDisplay,
    CodeScatterDisplay,
    LossCurveDisplay,
    ReconstructionDisplay,
)
from ._regressor import CompositeLSTMRegressor
from ._series_detector import LSTMAutoencoderSeriesDetector
from ._transformer import LSTMAutoencoderTransformer
from ._version import __version__
from ._windows import LongFormatSequences, from_long_format, make_windows

__all__ = [
    "AnomalyScoreDisplay",
    "CodeScatterDisplay",
    "CompositeLSTMRegressor",
    "LSTMAutoencoderOutlierDetector",
    "LSTMAutoencoderSeriesDetector",
    "LSTMAutoencoderTransformer",
    "LossCurveDisplay",
    "LongFormatSequences",
    "PiecewiseAggregate",
    "ReconstructionDisplay",
    "TimestepPatches",
    "__version__",
    "from_long_format",
    "load",
    "make_windows",
]

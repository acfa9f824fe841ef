"""LSTM autoencoders as scikit-learn estimators: sequences to fixed-length features.

The public names are imported on first use (PEP 562), so that ``import
sklearn_lstmae`` and the Keras-free helpers (``make_windows``,
``from_long_format``, ``TimestepPatches``...) do not start TensorFlow; the
estimators, ``load`` and the displays import it when first touched. The
Keras backend is checked here, at import, before anything can load Keras.
"""

import importlib

from . import _preflight  # noqa: F401  (first: Keras's backend checked before TensorFlow loads)
from ._version import __version__

# Public name -> the private module that defines it.
_PUBLIC = {
    "AnomalyScoreDisplay": "_plotting",
    "CodeScatterDisplay": "_plotting",
    "CompositeLSTMRegressor": "_regressor",
    "LSTMAutoencoderOutlierDetector": "_detectors",
    "LSTMAutoencoderSeriesDetector": "_series_detector",
    "LSTMAutoencoderTransformer": "_transformer",
    "LossCurveDisplay": "_plotting",
    "LongFormatSequences": "_windows",
    "PiecewiseAggregate": "_aggregate",
    "ReconstructionDisplay": "_plotting",
    "TimestepPatches": "_aggregate",
    "from_long_format": "_windows",
    "load": "_persistence",
    "make_windows": "_windows",
}
# The modules whose estimators register themselves with the loader (load() imports them).
_ESTIMATOR_MODULES = ("_transformer", "_regressor", "_detectors", "_series_detector")

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


def __getattr__(name):
    if name not in _PUBLIC:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_PUBLIC[name]}", __name__), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted({*globals(), *_PUBLIC})

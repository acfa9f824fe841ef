"""LSTM autoencoders as scikit-learn estimators: sequences to fixed-length features."""

from ._regressor import CompositeLSTMRegressor
from ._transformer import LSTMAutoencoderTransformer

__version__ = "0.1.0"

__all__ = ["CompositeLSTMRegressor", "LSTMAutoencoderTransformer", "__version__"]

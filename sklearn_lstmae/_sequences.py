"""Input validation and conversion: user input to float32 ``[samples, timesteps, features]``.

Nothing here knows Keras. scikit-learn's ``validate_data`` does the checks it
already knows (finite values, dtypes, sparse input, DataFrames and feature
names); this module adds what is particular to sequences.
"""

import numpy as np
from sklearn.utils.validation import check_array, check_consistent_length, validate_data

__all__ = ["validate_sequences", "validate_sequences_and_targets", "targets_to_3d"]

_FLOAT_DTYPES = (np.float64, np.float32)

_LAYOUT_HELP = (
    "Pass a 2-D array or DataFrame [samples, timesteps] of univariate "
    "sequences, or a 3-D array [samples, timesteps, features]."
)


def _check_layout(X):
    """Reject shapes that are not sequences before anything is validated or stored."""
    shape = getattr(X, "shape", None)
    if shape is None:
        return
    if len(shape) > 3:
        raise ValueError(
            f"X must be 2-D or 3-D, got a {len(shape)}-D array of shape {tuple(shape)}. "
            + _LAYOUT_HELP
        )
    if len(shape) == 3 and (shape[1] == 0 or shape[2] == 0):
        raise ValueError(
            f"X has shape {tuple(shape)}: sequences need at least one timestep and "
            "one feature. " + _LAYOUT_HELP
        )


def _as_3d(X):
    return X[:, :, np.newaxis] if X.ndim == 2 else X


def _check_shape_against_fit(estimator, shape):
    """Compare a 2-D or 3-D input shape with the sequences seen in fit."""
    n_timesteps = shape[1]
    n_features = shape[2] if len(shape) == 3 else 1
    if n_timesteps != estimator.n_timesteps_in_:
        # Keep scikit-learn's wording: tools and tests look for it.
        raise ValueError(
            f"X has {n_timesteps} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input: it was fitted on sequences of "
            f"{estimator.n_timesteps_in_} timesteps and got sequences of {n_timesteps} "
            "timesteps."
        )
    if n_features != estimator.n_channels_in_:
        raise ValueError(
            f"X has {n_features} features per timestep, but {type(estimator).__name__} "
            f"was fitted on {estimator.n_channels_in_} features per timestep."
        )


def validate_sequences(estimator, X, *, reset):
    """Validate ``X`` and return it as float32 ``[samples, timesteps, features]``.

    With ``reset=True`` (in fit) it records ``n_features_in_`` (the timesteps,
    as scikit-learn counts the second axis) and ``feature_names_in_`` on the
    estimator; otherwise it checks ``X`` against them.

    Parameters
    ----------
    estimator : BaseEstimator
    X : array-like of shape (n_samples, n_timesteps) or (n_samples, n_timesteps, n_features)
    reset : bool

    Returns
    -------
    X_3d : ndarray of shape (n_samples, n_timesteps, n_features), float32
    input_dtype : numpy dtype
        float32 when the input was float32, float64 otherwise: outputs follow it.
    input_ndim : int
        2 or 3: outputs shaped like sequences follow it.
    """
    _check_layout(X)
    if not reset and len(getattr(X, "shape", ())) in (2, 3):
        # Before validate_data, whose message would count timesteps as features.
        _check_shape_against_fit(estimator, X.shape)
    X = validate_data(
        estimator, X, reset=reset, allow_nd=True, dtype=_FLOAT_DTYPES,
        ensure_min_features=1,
    )
    if X.ndim == 1:  # pragma: no cover - validate_data rejects 1-D already
        raise ValueError("X must be 2-D or 3-D. " + _LAYOUT_HELP)
    X_3d = _as_3d(X)
    if not reset:
        _check_shape_against_fit(estimator, X.shape)
    return X_3d.astype(np.float32, copy=False), X.dtype, X.ndim


def validate_sequences_and_targets(estimator, X, y):
    """Validate ``X`` and the target sequences ``y`` together, in fit.

    Returns
    -------
    X_3d : ndarray of shape (n_samples, n_timesteps, n_features), float32
    y : ndarray of shape (n_samples,), (n_samples, n_future) or (n_samples, n_future, n_targets)
        As given, as a float array.
    input_dtype : numpy dtype
    input_ndim : int
    """
    _check_layout(X)
    X, y = validate_data(
        estimator,
        X,
        y,
        reset=True,
        validate_separately=(
            {"allow_nd": True, "dtype": _FLOAT_DTYPES, "ensure_min_features": 1},
            {"ensure_2d": False, "allow_nd": True, "dtype": _FLOAT_DTYPES},
        ),
    )
    check_consistent_length(X, y)
    if y.ndim > 3:
        raise ValueError(
            f"y must have shape (n_samples,), (n_samples, n_future) or "
            f"(n_samples, n_future, n_targets); got shape {y.shape}."
        )
    if y.ndim >= 2 and 0 in y.shape[1:]:
        raise ValueError(f"y has shape {y.shape}: it needs at least one step and target.")
    return _as_3d(X).astype(np.float32, copy=False), y, X.dtype, X.ndim


def targets_to_3d(y):
    """``y`` of shape (n,), (n, n_future) or (n, n_future, n_targets) as 3-D float32."""
    y = np.asarray(y)
    if y.ndim == 1:
        y = y[:, np.newaxis]
    return _as_3d(y).astype(np.float32, copy=False)


def validate_codes(Z, code_size):
    """Validate codes given to ``inverse_transform``; return them as float32."""
    Z = check_array(Z, dtype=_FLOAT_DTYPES)
    if Z.shape[1] != code_size:
        raise ValueError(
            f"Z has {Z.shape[1]} columns, but the codes of this model have "
            f"{code_size}: pass the output of transform."
        )
    return Z.astype(np.float32, copy=False)

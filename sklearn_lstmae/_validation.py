"""Checks of parameter values shared by every estimator and helper; nothing here knows Keras.

Every check raises :class:`InvalidParameterError`, which is both a
``ValueError`` and a ``TypeError`` (as scikit-learn's own), so callers can
catch either and the library has one exception type for a bad parameter.
"""

import numbers

import numpy as np
from sklearn.utils.validation import check_array

__all__ = [
    "InvalidParameterError",
    "check_bool",
    "check_fraction",
    "check_int",
    "check_positive_int",
    "check_sample_weight",
    "is_int",
    "is_real",
]


class InvalidParameterError(ValueError, TypeError):
    """A parameter (or argument) has a value or a type it cannot take.

    Examples
    --------
    >>> from sklearn_lstmae._validation import InvalidParameterError, check_positive_int
    >>> try:
    ...     check_positive_int("epochs", 0)
    ... except ValueError as error:
    ...     print(error)
    epochs must be a positive integer, got 0.
    >>> issubclass(InvalidParameterError, TypeError)
    True
    """


def is_int(value):
    """Whether ``value`` is an integer (NumPy's too), not a boolean."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def is_real(value):
    """Whether ``value`` is a real number (NumPy's too), not a boolean."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_positive_int(name, value):
    """Raise unless ``value`` is an integer >= 1."""
    if not is_int(value) or value < 1:
        raise InvalidParameterError(f"{name} must be a positive integer, got {value!r}.")


def check_int(value, name, minimum):
    """Return ``value`` as a Python int, checking its type and lower bound.

    Examples
    --------
    >>> from sklearn_lstmae._validation import check_int
    >>> check_int(3, "stride", 1)
    3
    """
    if not is_int(value):
        raise InvalidParameterError(
            f"{name} must be an integer, got {value!r} of type {type(value).__name__}."
        )
    if value < minimum:
        raise InvalidParameterError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def check_fraction(name, value, *, low_open=False, high_open=False):
    """Raise unless ``value`` is a number in [0, 1] (ends open as asked)."""
    ok = is_real(value) and np.isfinite(value)
    ok = ok and (value > 0 if low_open else value >= 0) and (value < 1 if high_open else value <= 1)
    if not ok:
        interval = ("(" if low_open else "[") + "0, 1" + (")" if high_open else "]")
        raise InvalidParameterError(f"{name} must be a number in {interval}, got {value!r}.")


def check_bool(name, value):
    """Raise unless ``value`` is ``True`` or ``False`` (NumPy's booleans too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"{name} must be True or False, got {value!r}.")


def check_sample_weight(sample_weight, n_samples):
    """``sample_weight`` as a float64 array of shape ``(n_samples,)``, or None."""
    if sample_weight is None:
        return None
    # (Not np.ndim: scikit-learn's checks pass array-likes that refuse NumPy's functions.)
    if isinstance(sample_weight, (numbers.Number, np.generic)) or (
        isinstance(sample_weight, np.ndarray) and sample_weight.ndim == 0
    ):
        kind = np.asarray(sample_weight).dtype.kind
        if kind == "b":
            raise ValueError(
                f"sample_weight is the boolean {sample_weight!r}: pass one number per "
                "sequence, or one number for all."
            )
        if kind in "iuf":
            # One number for every sequence, as scikit-learn's estimators take it.
            sample_weight = np.full(n_samples, float(sample_weight))
    sample_weight = check_array(
        sample_weight, ensure_2d=False, dtype=np.float64, input_name="sample_weight"
    )
    if sample_weight.shape != (n_samples,):
        raise ValueError(
            f"sample_weight must have shape ({n_samples},), one weight per sequence; got "
            f"{sample_weight.shape}."
        )
    if np.any(sample_weight < 0):
        raise ValueError("sample_weight must be non-negative.")
    if not np.any(sample_weight > 0):
        raise ValueError("sample_weight are all zero: at least one weight must be positive.")
    return sample_weight

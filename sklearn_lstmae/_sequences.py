"""Input validation and conversion: user input to float ``[samples, timesteps, features]``.

Nothing here knows Keras. scikit-learn's ``validate_data`` does the checks it
already knows (finite values, dtypes, sparse input, DataFrames and feature
names); this module adds what is particular to sequences:

- a 2-D array or DataFrame holds one univariate sequence per row;
- a 3-D array is ``[samples, timesteps, features]``;
- variable-length sequences come either as a list of arrays of shape
  ``(T_i, n_features)`` or ``(T_i,)`` (a 1-D object array or pandas Series of
  them is read as that list), or as an array padded with trailing
  all-NaN timesteps (the convention of tslearn). Inside, they are one
  NaN-padded float array plus their lengths; the networks mask the padding.
"""

import contextlib
import reprlib
import warnings
from typing import NamedTuple

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import (
    _get_feature_names,
    check_array,
    validate_data,
)

__all__ = [
    "Sequences",
    "pad_to",
    "sequences_without_estimator",
    "validate_sequences",
    "validate_sequences_and_targets",
    "targets_to_3d",
    "validate_codes",
    "check_representable",
    "check_channels_as_in_fit",
    "like_input",
    "validation_attributes_kept_on_failure",
]

_FLOAT_DTYPES = (np.float64, np.float32)

# What validate_sequences(reset=True) records on an estimator, before its fit can fail.
VALIDATION_ATTRIBUTES = ("n_features_in_", "feature_names_in_", "channel_names_in_")


@contextlib.contextmanager
def validation_attributes_kept_on_failure(estimator):
    """Put back what validation recorded on ``estimator`` when the block raises.

    ``validate_sequences(..., reset=True)`` records the new data's features
    and names as it validates; a fit that then fails must leave a fitted
    estimator as it was, not half-set to data it refused.
    """
    saved = {
        name: estimator.__dict__[name]
        for name in VALIDATION_ATTRIBUTES
        if name in estimator.__dict__
    }
    try:
        yield
    except BaseException:
        for name in VALIDATION_ATTRIBUTES:
            estimator.__dict__.pop(name, None)
        estimator.__dict__.update(saved)
        raise


_LAYOUT_HELP = (
    "Pass a 2-D array or DataFrame [samples, timesteps] of univariate sequences, a 3-D "
    "array [samples, timesteps, features], or a list of arrays of shape (timesteps, "
    "features) for sequences of different lengths."
)


class Sequences(NamedTuple):
    """Validated sequences and what outputs shaped like them need to know."""

    values: np.ndarray
    """float32 or float64 ``(n_samples, n_timesteps, n_features)``, NaN after each length."""
    lengths: np.ndarray
    """int ``(n_samples,)``: the real timesteps of each sequence."""
    dtype: np.dtype
    """float32 when the input was float32, float64 otherwise."""
    ndim: int
    """2 for univariate input (2-D array, list of 1-D arrays), else 3."""
    is_list: bool
    """True when the input was a list of sequences: outputs are lists too."""
    input_width: int | None = None
    """The input array's own timesteps when they differ from the fit's: wider, its
    trailing all-NaN steps were dropped; narrower (3-D), it was NaN-padded to the
    fit's width. Outputs shaped like the input get its width back; else None."""


def _is_sequence_list(X):
    return isinstance(X, (list, tuple))


def ragged_as_list(X):
    """A 1-D object array or pandas Series of sequences (as NumPy and pandas hold
    sequences of different lengths) as the list of those sequences; else ``X``."""
    if getattr(X, "ndim", None) != 1 or getattr(getattr(X, "dtype", None), "kind", None) != "O":
        return X
    values = list(X)  # a Series' values, in order
    if values and all(np.ndim(value) >= 1 for value in values):
        return values
    return X


def _check_kind(values, name="X"):
    """Refuse what is not numeric data with a message that names the problem."""
    if values is None:
        raise ValueError(f"{name} is None: pass sequences. " + _LAYOUT_HELP)
    if isinstance(values, (str, bytes)):
        raise ValueError(f"{name} is a string, not sequences. " + _LAYOUT_HELP)
    dtypes = getattr(values, "dtypes", None)
    if dtypes is not None and hasattr(dtypes, "items"):  # a DataFrame
        kinds = [(str(c), t.kind, position) for position, (c, t) in enumerate(dtypes.items())]
        text = [c for c, kind, i in kinds if kind not in "biuf" and not _numbers(values, i)]
        if text:
            raise ValueError(
                f"{name} has non-numeric columns {text}: every column must hold numbers "
                "(encode or drop them first)."
            )
        boolean = [c for c, kind, _ in kinds if kind == "b"]
        if boolean:  # refused, as a boolean array is
            raise ValueError(
                f"{name} has boolean columns {boolean}: "
                f"sequences must be numbers; convert with {name}.astype(float) if that is "
                "what you mean."
            )
    kind = getattr(getattr(values, "dtype", None), "kind", None)
    if kind == "b":
        raise ValueError(
            f"{name} has boolean dtype: sequences must be numbers; convert with "
            f"{name}.astype(float) if that is what you mean."
        )
    if kind in ("U", "S", "a"):
        raise ValueError(f"{name} holds text (dtype {values.dtype}): sequences must be numbers.")


def _numbers(frame, position):
    """True when the DataFrame column at ``position`` holds numbers in an object
    column (as a NumPy object array of numbers is accepted)."""
    import pandas as pd

    column = frame.iloc[:, position]
    return column.dtype.kind == "O" and pd.api.types.infer_dtype(column, skipna=True) in (
        "integer",
        "floating",
        "mixed-integer-float",
    )


def _check_layout(X):
    """Reject shapes that are not sequences before anything is validated or stored."""
    _check_kind(X)
    shape = getattr(X, "shape", None)
    if shape is None:
        return
    if len(shape) == 1:
        # scikit-learn's advice, reshape(-1, 1), would make T sequences of one step each.
        raise ValueError(
            f"X is a 1-D array of shape {tuple(shape)}: one sequence, not a collection of "
            "sequences. Reshape your data: for this one sequence pass X.reshape(1, -1) (or "
            "[X]); for a long series cut into windows see make_windows. " + _LAYOUT_HELP
        )
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


def _as_float(values):
    """``values`` as float32 (when float32) or float64; None when they are not numbers."""
    try:
        return values.astype(np.float32 if values.dtype == np.float32 else np.float64)
    except (TypeError, ValueError):
        return None


def masked_as_nan(X):
    """A NumPy masked array with its masked values as NaN (missing), else ``X``.

    Without this the values stored under the mask would be read as data:
    masked padding as real steps. Masked trailing steps are then NaN padding;
    a masked value inside a sequence is refused as any NaN there is. Only
    numbers are converted: a boolean or text array reaches the checks that
    refuse it.
    """
    if not isinstance(X, np.ma.MaskedArray):
        return X
    if not np.ma.getmaskarray(X).any() or X.dtype.kind not in "iufO":
        return np.ma.getdata(X)  # nothing masked, or not numbers: validated as an array
    values = _as_float(np.ma.getdata(X))
    if values is None:
        return np.ma.getdata(X)  # objects that are not numbers: refused as such
    values[np.ma.getmaskarray(X)] = np.nan
    return values


def _as_3d(X):
    return X[:, :, np.newaxis] if X.ndim == 2 else X


def _lengths_of_padded(X_3d):
    """Lengths of NaN-padded sequences; only whole trailing NaN timesteps are padding."""
    full_lengths = np.full(len(X_3d), X_3d.shape[1], dtype=np.int64)
    # A reduction allocates nothing, unlike an isnan mask: the common no-NaN case
    # of a large (even memory-mapped) array stays cheap.
    if not np.isnan(np.min(X_3d)):
        return full_lengths
    nan = np.isnan(X_3d)
    step_is_padding = nan.all(axis=2)
    partly_nan = nan.any(axis=2) & ~step_is_padding
    if partly_nan.any():
        sample, step = np.argwhere(partly_nan)[0]
        n_nan = int(nan[sample, step].sum())
        others = int(partly_nan.any(axis=1).sum()) - 1
        raise ValueError(
            f"Input X contains NaN inside a timestep: sequence {sample}, step {step} has NaN "
            f"in {n_nan} of its {X_3d.shape[2]} features"
            + (f" (as do {others} other sequence{'s' if others > 1 else ''})" if others else "")
            + ". NaN may only mark padding, as whole timesteps (every feature NaN) after "
            "the end of a sequence. Impute missing values first (for example with "
            "sklearn.impute)."
        )
    # A padding step followed by a real step is a gap, not padding.
    is_real = ~step_is_padding
    lengths = is_real.sum(axis=1)
    last_real = X_3d.shape[1] - np.argmax(is_real[:, ::-1], axis=1)
    gapped = np.flatnonzero((last_real != lengths) & (lengths > 0))
    if gapped.size:
        sample = gapped[0]
        step = int(np.argmax(step_is_padding[sample]))
        raise ValueError(
            f"Input X contains NaN timesteps before the end of a sequence: sequence "
            f"{sample} has an all-NaN step {step} before its last value, at step "
            f"{last_real[sample] - 1}. NaN may only mark trailing padding. Impute missing "
            "values first."
        )
    return lengths


def _check_lengths(lengths):
    empty = np.flatnonzero(lengths == 0)
    if empty.size:
        raise ValueError(
            f"Sequences of length 0 are not allowed: sequence {empty[0]} has no "
            "timestep (all values NaN or an empty array): drop it from X."
        )


def _pad_sequence_list(X):
    """A list of (T_i,) or (T_i, n_features) arrays -> NaN-padded 3-D array."""
    if len(X) == 0:
        raise ValueError("X is an empty list: at least one sequence is needed.")
    arrays = []
    for index, sequence in enumerate(X):
        if isinstance(sequence, (str, bytes)):
            raise ValueError(
                f"X holds text: sequence {index} is the string {reprlib.repr(sequence)}, "
                "but sequences must be numbers. " + _LAYOUT_HELP
            )
        if getattr(sequence, "ndim", np.ndim(sequence)) not in (1, 2):
            raise ValueError(
                f"Sequence {index} of X has {np.ndim(sequence)} dimensions; each sequence "
                "must be 1-D (timesteps,) or 2-D (timesteps, features)."
            )
        sequence = masked_as_nan(sequence)
        if len(sequence) == 0:
            raise ValueError(
                f"Sequences of length 0 are not allowed: sequence {index} of X is empty. "
                "Drop it from X."
            )
        _check_kind(np.asarray(sequence), f"Sequence {index} of X")
        array = check_array(
            sequence,
            ensure_2d=False,
            dtype=_FLOAT_DTYPES,
            ensure_all_finite="allow-nan",
            input_name=f"Sequence {index} of X",
        )
        arrays.append(array)
    ndims = {array.ndim for array in arrays}
    if len(ndims) > 1:
        raise ValueError(
            "X mixes 1-D and 2-D sequences: pass all as (timesteps,) or all as "
            "(timesteps, features)."
        )
    arrays = [_as_3d(array[np.newaxis])[0] for array in arrays]
    n_features = {array.shape[1] for array in arrays}
    if len(n_features) > 1:
        raise ValueError(
            f"The sequences in X have different numbers of features: {sorted(n_features)}. "
            "Every sequence needs the same features."
        )
    dtype = np.result_type(*arrays)
    longest = max(len(array) for array in arrays)
    padded = np.full((len(arrays), longest, arrays[0].shape[1]), np.nan, dtype=dtype)
    for row, array in enumerate(arrays):
        padded[row, : len(array)] = array
    # As for a padded array: a listed sequence's trailing all-NaN steps are padding (as in
    # list(X_padded)), and NaN anywhere else is refused, naming the sequence and step.
    lengths = _lengths_of_padded(padded)
    return padded, lengths, ndims.pop() + 1  # as the 2-D / 3-D array it stands for


def _list_lengths(estimator):
    """What lengths a list of sequences may have after ``estimator``'s fit, for messages."""
    if not hasattr(estimator, "transform"):  # the detectors rebuild every sequence they score
        return f" of sequences of at most {estimator.n_timesteps_in_} timesteps"
    encoders = (
        "transform and predict encode" if hasattr(estimator, "predict") else "transform encodes"
    )
    return (
        f": {encoders} listed sequences of any length, while fitting further and rebuilding "
        f"take at most {estimator.n_timesteps_in_} timesteps"
    )


def _check_shape_against_fit(estimator, n_timesteps, n_features, *, any_length, ndim=3):
    """Compare input sequences with the sequences seen in fit."""
    if ndim == 2 and estimator.n_channels_in_ > 1:
        # A 2-D array holds univariate sequences: likely one (T, F) sequence passed bare.
        # Not scikit-learn's "X has N features, but ... expecting M" (its checks never fit
        # several channels): its two counts are timesteps here, and may well be equal.
        raise ValueError(
            f"X is 2-D, which holds univariate sequences (n_samples, n_timesteps), but "
            f"{type(estimator).__name__} was fitted on sequences of "
            f"{estimator.n_channels_in_} features per timestep. Pass a 3-D array (n_samples, "
            "n_timesteps, n_features) or a list of (n_timesteps, n_features) arrays; one "
            "sequence is [X] (or X[np.newaxis] for an array)."
        )
    if not any_length and n_timesteps != estimator.n_timesteps_in_:
        # Keep scikit-learn's wording: tools and tests look for it.
        raise ValueError(
            f"X has {n_timesteps} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input: it was fitted on sequences of "
            f"{estimator.n_timesteps_in_} timesteps and got sequences of {n_timesteps} "
            "timesteps. Pad shorter sequences with trailing NaN to that length, or pass "
            f"a list of arrays{_list_lengths(estimator)}."
        )
    if n_features != estimator.n_channels_in_:
        raise ValueError(
            f"X has {n_features} features per timestep, but {type(estimator).__name__} "
            f"was fitted on {estimator.n_channels_in_} features per timestep."
        )


def _without_padding_beyond_fit(estimator, X):
    """``X`` less its trailing timesteps beyond the fit's, when they are all NaN padding.

    A NaN-padded array may be padded wider than the sequences seen in fit:
    steps that are padding in every sequence carry nothing. A value in one of
    them is a sequence longer than the model knows, refused with its place.
    """
    n_timesteps = getattr(estimator, "n_timesteps_in_", None)
    shape = getattr(X, "shape", ())
    if n_timesteps is None or len(shape) not in (2, 3) or shape[1] <= n_timesteps:
        return X
    by_position = X.iloc if hasattr(X, "iloc") else X  # a DataFrame's columns by position
    try:
        extra = np.asarray(by_position[:, n_timesteps:], dtype=np.float64)
    except (TypeError, ValueError):
        return X  # not numbers: validate_data says what is wrong
    is_value = ~np.isnan(extra)
    if is_value.any():
        sample, step = np.argwhere(is_value)[0][:2]
        # scikit-learn's wording for a 2-D table (its tools look for it); a 3-D array's
        # features are its last axis, so there it speaks of timesteps only.
        opening = (
            f"X has {shape[1]} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input: it"
            if len(shape) == 2
            else f"X holds sequences of {shape[1]} timesteps, but {type(estimator).__name__}"
        )
        raise ValueError(
            f"{opening} was fitted on sequences of "
            f"{n_timesteps} timesteps, and sequence {sample} of X has a value at step "
            f"{n_timesteps + step} (counting from 0). Steps beyond the first {n_timesteps} "
            f"may only be NaN padding: cut the sequences to that length"
            + (
                f", or pass a list of arrays{_list_lengths(estimator)}."
                if hasattr(estimator, "transform")
                else "."
            )
        )
    return by_position[:, :n_timesteps]


def _padded_to_fit(estimator, X):
    """A 3-D array of shorter sequences than the fit's, NaN-padded to the fit's width.

    Its sequences are as good as a list of them (any length encodes; a list
    would be padded the same way). A 2-D array is left as it is: its columns
    are scikit-learn's features, checked against ``n_features_in_``.
    """
    n_timesteps = getattr(estimator, "n_timesteps_in_", None)
    shape = getattr(X, "shape", ())
    if (
        n_timesteps is None
        or not isinstance(X, np.ndarray)
        or len(shape) != 3
        or shape[0] == 0  # validate_data names the empty input by its own shape
        or not 0 < shape[1] < n_timesteps
        or X.dtype.kind not in "iufO"
    ):
        return X
    values = _as_float(X)
    if values is None:
        return X  # objects that are not numbers: refused as such
    return pad_to(values, n_timesteps, "")


def validate_sequences(estimator, X, *, reset):
    """Validate ``X`` and return it as NaN-padded float sequences.

    With ``reset=True`` (in fit) it records ``n_features_in_`` (the padded
    timesteps, as scikit-learn counts the second axis) and
    ``feature_names_in_`` on the estimator; otherwise it checks ``X`` against
    them. After fit, a list of sequences may have any lengths, and a 3-D
    array may be narrower than the fit's (shorter sequences).

    Parameters
    ----------
    estimator : BaseEstimator
    X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
    reset : bool

    Returns
    -------
    sequences : Sequences
    """
    X = masked_as_nan(ragged_as_list(X))
    _check_layout(X)
    if _is_sequence_list(X):
        padded, lengths, ndim = _pad_sequence_list(X)
        if reset:
            validate_data(
                estimator, padded, reset=True, allow_nd=True, ensure_all_finite="allow-nan"
            )
            _set_channel_names(estimator, _channel_names(X))
        else:
            _check_shape_against_fit(estimator, padded.shape[1], padded.shape[2], any_length=True)
            check_channels_as_in_fit(estimator, X, "X")
        values, is_list, input_width = padded, True, None
    else:
        if reset:
            _set_channel_names(estimator, None)
        shape = getattr(X, "shape", ())
        input_width = None
        if not reset:
            X = _padded_to_fit(estimator, _without_padding_beyond_fit(estimator, X))
            if getattr(X, "shape", shape) != shape:
                input_width, shape = shape[1], X.shape
        if not reset and len(shape) in (2, 3):
            # Before validate_data, whose message would count timesteps as features.
            _check_shape_against_fit(
                estimator,
                shape[1],
                shape[2] if len(shape) == 3 else 1,
                any_length=False,
                ndim=len(shape),
            )
        values = validate_data(
            estimator,
            X,
            reset=reset,
            allow_nd=True,
            dtype=_FLOAT_DTYPES,
            ensure_all_finite="allow-nan",
        )
        ndim, is_list = values.ndim, False
        values = _as_3d(values)
        lengths = _lengths_of_padded(values)
    _check_lengths(lengths)
    return Sequences(values, lengths, values.dtype, ndim, is_list, input_width)


class _DataSet(BaseEstimator):
    """Stands in for an estimator when a data set is validated on its own."""


def sequences_without_estimator(X):
    """Validate sequences that belong to no fit, such as ``validation_data``."""
    return validate_sequences(_DataSet(), X, reset=True)


def check_columns_as_in_fit(estimator, X, name):
    """Refuse a DataFrame ``X`` whose columns are not the fit's, in the fit's order.

    ``X`` may have fewer timesteps than the fit's (it is then padded), so its
    names must be the first of ``feature_names_in_``. An array is read by
    position and passes.
    """
    expected = getattr(estimator, "feature_names_in_", None)
    columns = getattr(X, "columns", None)
    if expected is None or columns is None:
        return
    given, expected = [str(c) for c in columns], [str(c) for c in expected]
    if given != expected[: len(given)]:
        raise ValueError(
            f"{name}'s columns {reprlib.repr(given)} are not the columns of X in fit "
            f"{reprlib.repr(expected)}, in that order; its columns are read by position. "
            f"Select them as in fit: {name}[estimator.feature_names_in_]."
        )


def _channel_names(X, name="X"):
    """The column names of the DataFrames in a list of sequences; None if none.

    Names as scikit-learn takes them from a DataFrame: string column names
    only (other names are no names; mixed types are refused). Every named
    DataFrame of the list must have the same columns in the same order: they
    are recordings of the same features.
    """
    first = None
    for index, sequence in enumerate(X):
        names = _get_feature_names(sequence) if hasattr(sequence, "columns") else None
        if names is None:
            continue
        names = names.tolist()
        if first is None:
            first = index, names
        elif names != first[1]:
            raise ValueError(
                f"Sequence {index} of {name} has the columns {reprlib.repr(names)}, but "
                f"sequence {first[0]} has {reprlib.repr(first[1])}: the sequences of a list "
                "are recordings of the same features, in the same order."
            )
    return None if first is None else first[1]


def _set_channel_names(estimator, names):
    """Record (or forget) the column names of the DataFrames a list was fitted on."""
    if names is None:
        estimator.__dict__.pop("channel_names_in_", None)
    else:
        estimator.channel_names_in_ = np.asarray(names, dtype=object)


def check_channels_as_in_fit(estimator, X, name):
    """Refuse a list of DataFrames whose columns are not those of the fit's, in order.

    Columns are read by position, so swapped or other columns would be
    scored as the fit's features without notice. Arrays (no names) pass, as
    scikit-learn reads arrays by position.
    """
    if not _is_sequence_list(X):
        return
    expected = getattr(estimator, "channel_names_in_", None)
    expected = None if expected is None else [str(c) for c in expected]
    names = _channel_names(X, name)
    # scikit-learn's warnings when names are given on one side only (arrays go by position).
    if names is not None and expected is None:
        warnings.warn(
            f"{name} has feature names (its DataFrames' columns), but "
            f"{type(estimator).__name__} was fitted without feature names",
            UserWarning,
            stacklevel=4,
        )
    elif names is None and expected is not None:
        warnings.warn(
            f"{name} does not have valid feature names, but {type(estimator).__name__} was "
            "fitted with feature names",
            UserWarning,
            stacklevel=4,
        )
    if expected is None or names is None or names == expected:
        return
    raise ValueError(
        f"The DataFrames of {name} have the columns {reprlib.repr(names)}, but the "
        f"sequences in fit had {reprlib.repr(expected)}, in that order; columns are read by "
        f"position. Select them as in fit: [frame[estimator.channel_names_in_] for frame in "
        f"{name}]."
    )


def at_width(values, width):
    """``[samples, timesteps, features]`` values cut or NaN-padded to ``width`` timesteps."""
    if width <= values.shape[1]:
        return values[:, :width]
    return pad_to(values, width, "shape")


def _longer_than_fitted(n_steps, n_timesteps, doing):
    return ValueError(
        f"Cannot {doing} sequences of {n_steps} timesteps: the model rebuilds "
        f"at most {n_timesteps} timesteps, the longest seen when it was first fitted. "
        f"Cut longer sequences into windows of at most {n_timesteps} steps (make_windows), "
        "or fit on sequences as long as these."
    )


def check_longest(sequences, n_timesteps, doing):
    """Refuse validated ``sequences`` with a real step beyond ``n_timesteps``.

    In the user's timesteps, before they are folded into patches (whose
    count would name neither the sequences' length nor the fit's).
    """
    longest = int(sequences.lengths.max()) if len(sequences.lengths) else 0
    if longest > n_timesteps:
        raise _longer_than_fitted(longest, n_timesteps, doing)


def pad_to(values, n_timesteps, doing):
    """NaN-pad ``[samples, timesteps, features]`` values to ``n_timesteps``.

    Longer values lose their trailing steps when those are NaN padding only;
    a real value beyond ``n_timesteps`` is refused.
    """
    if values.shape[1] > n_timesteps:
        if np.isnan(values[:, n_timesteps:]).all():
            return values[:, :n_timesteps]
        raise _longer_than_fitted(values.shape[1], n_timesteps, doing)
    if values.shape[1] == n_timesteps:
        return values
    padding = np.full(
        (len(values), n_timesteps - values.shape[1], values.shape[2]), np.nan, dtype=values.dtype
    )
    return np.concatenate([values, padding], axis=1)


def validate_sequences_and_targets(estimator, X, y, *, reset=True, names=("X", "y")):
    """Validate ``X`` and the target sequences ``y`` together, in fit.

    ``names`` are what messages call them (``validation_data``'s own names).

    Returns
    -------
    sequences : Sequences
    y : ndarray of shape (n_samples,), (n_samples, n_future) or (n_samples, n_future, n_targets)
        As given, as a float array.
    """
    if y is None:
        # validate_data's own wording, which scikit-learn's checks look for.
        validate_data(estimator, X, y)
    sequences = validate_sequences(estimator, X, reset=reset)
    y_name = names[1]
    y = masked_as_nan(y)  # masked targets are missing, refused below as NaN is
    _check_kind(y, y_name)
    try:
        y = check_array(y, ensure_2d=False, allow_nd=True, dtype=_FLOAT_DTYPES, input_name=y_name)
    except ValueError:
        _check_targets_alike(y, y_name)
        raise
    if y.ndim > 3:
        raise ValueError(
            f"{y_name} must have shape (n_samples,), (n_samples, n_future) or "
            f"(n_samples, n_future, n_targets); got shape {y.shape}."
        )
    if y.ndim >= 2 and 0 in y.shape[1:]:
        raise ValueError(f"{y_name} has shape {y.shape}: it needs at least one step and target.")
    if len(y) != len(sequences.values):
        raise ValueError(
            f"{names[0]} holds {len(sequences.values)} sequences but {y_name} holds {len(y)} "
            "targets (inconsistent numbers of samples): give one target per sequence."
        )
    return sequences, y


def _check_targets_alike(y, name):
    """Refuse targets of different shapes (horizons) with a message of their own."""
    if isinstance(y, (list, tuple)) or (
        getattr(getattr(y, "dtype", None), "kind", None) == "O" and getattr(y, "ndim", 0) == 1
    ):
        shapes = {}
        for index, target in enumerate(y):
            shapes.setdefault(np.shape(target), index)
        if len(shapes) > 1:
            (first, _), (other, index) = list(shapes.items())[:2]
            raise ValueError(
                f"{name} holds targets of different shapes: {name}[0] has shape {first} and "
                f"{name}[{index}] has shape {other}. Every sequence's target needs the same "
                "number of steps (and values): cut them to a common horizon, or fit one "
                "model per horizon."
            )


def targets_to_3d(y):
    """``y`` of shape (n,), (n, n_future) or (n, n_future, n_targets) as 3-D."""
    y = np.asarray(y)
    if y.ndim == 1:
        y = y[:, np.newaxis]
    return _as_3d(y)


def check_representable(values, dtype, name="X"):
    """Refuse values that overflow the networks' precision (inf inside the graph)."""
    limit = float(np.finfo(dtype).max)  # a Python float: no cast of the values to dtype
    if values.size and max(abs(float(np.nanmin(values))), abs(float(np.nanmax(values)))) > limit:
        raise ValueError(
            f"{name} holds values beyond {dtype}'s range (about {limit:.3g}): they would "
            f"overflow to infinity. Rescale {name}, or use dtype='float64'."
        )


def validate_codes(Z, code_size):
    """Validate codes given to ``inverse_transform``."""
    Z = check_array(Z, dtype=_FLOAT_DTYPES)
    if Z.shape[1] != code_size:
        raise ValueError(
            f"Z has {Z.shape[1]} columns, but the codes of this model have "
            f"{code_size}: pass the output of transform."
        )
    return Z


def like_input(outputs, sequences):
    """Shape decoded sequences like the input they came from.

    Parameters
    ----------
    outputs : ndarray of shape (n_samples, n_steps, n_features)
        Decoded sequences, at least as long as the input's timesteps.
    sequences : Sequences
        The validated input.

    Returns
    -------
    decoded : ndarray or list of ndarray
        A list of ``(T_i, n_features)`` (or ``(T_i,)``) arrays for list input;
        otherwise an array shaped like the input (2-D for univariate input),
        NaN after each sequence's length.
    """
    outputs = outputs[:, : sequences.values.shape[1]].astype(sequences.dtype)
    if sequences.input_width is not None:  # the input's own width: wider or narrower
        outputs = at_width(outputs, sequences.input_width)
    if sequences.ndim == 2:
        outputs = outputs[:, :, 0]
    if sequences.is_list:
        return [output[:length] for output, length in zip(outputs, sequences.lengths)]
    for row in np.flatnonzero(sequences.lengths < outputs.shape[1]):
        outputs[row, sequences.lengths[row] :] = np.nan
    return outputs

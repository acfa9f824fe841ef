"""Turn raw time series into sequences: sliding windows and long-format frames.

Nothing here knows Keras. :func:`make_windows` cuts one long series into
(possibly overlapping) training windows without copying it, and
:func:`from_long_format` splits a long-format (tidy) DataFrame with one row per
(id, time) into one array per id.
"""

from typing import NamedTuple

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from ._validation import check_int

__all__ = ["LongFormatSequences", "from_long_format", "make_windows"]

# Only real numbers (and booleans, as 0/1) make sense as LSTM inputs.
_NUMERIC_KINDS = "buif"


def _frame_to_numpy(frame):
    """Values of a DataFrame or Series without copying where pandas allows it."""
    is_frame = isinstance(frame, pd.DataFrame)
    dtypes = frame.dtypes if is_frame else pd.Series([frame.dtype], index=[frame.name])
    bad = [
        label
        for label, dtype in dtypes.items()
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_complex_dtype(dtype)
    ]
    if bad:
        what = f"columns {bad}" if is_frame else f"dtype {frame.dtype}"
        raise TypeError(
            f"series must hold real numbers, but the {what} of the "
            f"{type(frame).__name__} are not numeric."
        )
    if all(isinstance(dtype, np.dtype) for dtype in dtypes):
        # Plain NumPy dtypes: a view of the data when they all agree.
        return frame.to_numpy()
    # Nullable extension dtypes (Int64, Float64, ...): a float copy, missing values as NaN.
    return frame.to_numpy(dtype=np.float64, na_value=np.nan)


def _check_finite(values):
    """Reject NaN and infinity without allocating an array the size of ``values``."""
    if values.dtype.kind != "f" or values.size == 0:
        return
    # min and max propagate NaN and reach +-inf, and need no temporary arrays.
    low, high = values.min(), values.max()
    if np.isfinite(low) and np.isfinite(high):
        return
    # Only on failure: locate the first bad timestep for the message.
    bad = ~np.isfinite(values)
    first = int(np.argmax(bad.reshape(len(values), -1).any(axis=1)))
    if np.isnan(low) or np.isnan(high):
        problem = "NaN"
    else:
        problem = "infinity"
    raise ValueError(
        f"Input series contains {problem} (first at timestep {first}). "
        "LSTMs cannot train on missing or infinite values: fill or drop them first, "
        "for example with pandas' interpolate() or ffill()."
    )


def make_windows(series, n_timesteps, n_future=0, stride=1):
    """Cut one long series into fixed-length training windows, without copying it.

    Window ``i`` holds the steps ``[i * stride, i * stride + n_timesteps)`` of
    ``series`` and, when ``n_future > 0``, its target holds the ``n_future``
    steps right after it. Windows start at 0, ``stride``, ``2 * stride``, ...
    and only windows whose targets fit completely in the series are returned,
    so there are ``(len(series) - n_timesteps - n_future) // stride + 1``
    windows.

    Parameters
    ----------
    series : array-like of shape (n_steps,) or (n_steps, n_features), \
            pandas Series or DataFrame
        One series ordered in time. A 1-D array or a pandas Series is a
        univariate series; a 2-D array or a DataFrame has one row per
        timestep and one column per feature (a DataFrame's index is ignored,
        its rows are taken in their current order). Values must be real
        numbers without NaN or infinity.
    n_timesteps : int
        Length of each window (the sequences' timesteps), at least 1.
    n_future : int, default=0
        Number of steps after each window to return as its target, at least
        0. With 0, only the windows are returned.
    stride : int, default=1
        Steps between the starts of consecutive windows, at least 1. With
        ``stride >= n_timesteps + n_future`` windows and targets do not
        overlap.

    Returns
    -------
    X : ndarray of shape (n_windows, n_timesteps) or \
            (n_windows, n_timesteps, n_features)
        The windows: 2-D (one univariate sequence per row, the layout the
        estimators take for univariate sequences) for a 1-D series or pandas
        Series, 3-D otherwise (also for a single-column DataFrame).
    y : ndarray of shape (n_windows, n_future) or \
            (n_windows, n_future, n_features)
        Only when ``n_future > 0``, returned as ``(X, y)``: the steps that
        follow each window, 2-D for a 1-D series and 3-D otherwise.

    Raises
    ------
    TypeError
        If a parameter is not an integer (booleans included) or the series is
        not numeric.
    ValueError
        If a parameter is out of range, the series is not 1-D or 2-D, has no
        feature, contains NaN or infinity, or is too short for one window.

    Notes
    -----
    ``X`` and ``y`` are read-only views into the series's memory, built with
    :func:`numpy.lib.stride_tricks.sliding_window_view`: windowing takes
    constant extra memory whatever the length of the series and the overlap
    of the windows. Consequently they cannot be written to, and changing the
    series changes them. Call ``np.array(X)`` or ``X.copy()`` for an
    independent, writable copy (of ``n_windows * n_timesteps * n_features``
    values). A list or a DataFrame whose columns have different dtypes or
    nullable pandas dtypes is first converted to one array, which copies it
    once.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae._windows import make_windows
    >>> series = np.arange(10.0)
    >>> make_windows(series, n_timesteps=4, stride=3)
    array([[0., 1., 2., 3.],
           [3., 4., 5., 6.],
           [6., 7., 8., 9.]])
    >>> X, y = make_windows(series, n_timesteps=4, n_future=2, stride=2)
    >>> X
    array([[0., 1., 2., 3.],
           [2., 3., 4., 5.],
           [4., 5., 6., 7.]])
    >>> y
    array([[4., 5.],
           [6., 7.],
           [8., 9.]])
    >>> np.shares_memory(X, series), X.flags.writeable
    (True, False)

    Several features give 3-D windows [windows, timesteps, features]:

    >>> two_features = np.stack([series, -series], axis=1)
    >>> X, y = make_windows(two_features, n_timesteps=3, n_future=1, stride=4)
    >>> X.shape, y.shape
    ((2, 3, 2), (2, 1, 2))
    >>> X[1]
    array([[ 4., -4.],
           [ 5., -5.],
           [ 6., -6.]])
    """
    n_timesteps = check_int(n_timesteps, "n_timesteps", 1)
    n_future = check_int(n_future, "n_future", 0)
    stride = check_int(stride, "stride", 1)

    if isinstance(series, (pd.DataFrame, pd.Series)):
        values = _frame_to_numpy(series)
    elif isinstance(series, np.ma.MaskedArray) and np.ma.getmaskarray(series).any():
        raise ValueError(
            f"series is a masked array with {np.ma.count_masked(series)} masked values: "
            "windows cannot skip missing points (the values under the mask would be cut "
            "as data). Fill or interpolate them first, or cut the series at the gaps."
        )
    else:
        values = np.asarray(series)
        if values.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"series must hold real numbers, got an array of dtype {values.dtype}.")
    if values.ndim not in (1, 2):
        raise ValueError(
            f"series must be 1-D (time,) or 2-D (time, features), got a {values.ndim}-D "
            f"array of shape {values.shape}."
        )
    if values.ndim == 2 and values.shape[1] == 0:
        raise ValueError(f"series has shape {values.shape}: it needs at least one feature.")

    n_steps = len(values)
    needed = n_timesteps + n_future
    if n_steps < needed:
        raise ValueError(
            f"series has {n_steps} timesteps, but one window of n_timesteps={n_timesteps} "
            f"followed by n_future={n_future} target steps needs at least {needed}."
        )
    _check_finite(values)

    n_windows = (n_steps - needed) // stride + 1

    def windows(part, length):
        # sliding_window_view puts the window axis last: move it after the windows.
        view = sliding_window_view(part, length, axis=0)
        if view.ndim == 3:
            view = view.transpose(0, 2, 1)
        return view[::stride][:n_windows]

    X = windows(values[: n_steps - n_future], n_timesteps)
    if n_future == 0:
        return X
    return X, windows(values[n_timesteps:], n_future)


class LongFormatSequences(NamedTuple):
    """Per-id sequences returned by :func:`from_long_format`.

    A named tuple, so ``sequences, ids, feature_names = from_long_format(...)``
    unpacks it.

    Attributes
    ----------
    sequences : list of ndarray of shape (n_timesteps_i, n_features)
        One float64 array per id, rows sorted by time; ``sequences[i]``
        belongs to ``ids[i]``. Lengths may differ between ids.
    ids : ndarray of shape (n_ids,)
        The distinct ids, in sorted order.
    feature_names : ndarray of object dtype, shape (n_features,)
        The value columns, in the order of the arrays' last axis.

    See Also
    --------
    from_long_format : Makes it.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_lstmae import from_long_format
    >>> df = pd.DataFrame({"id": [7, 7, 3], "t": [1, 0, 0], "x": [1.5, 0.5, 9.0]})
    >>> result = from_long_format(df, "id", "t")
    >>> result.ids, result.feature_names
    (array([3, 7]), array(['x'], dtype=object))
    >>> result.sequences[1]  # id 7, sorted by time
    array([[0.5],
           [1.5]])
    >>> sequences, ids, feature_names = result  # or unpacked
    """

    sequences: list[np.ndarray]
    ids: np.ndarray
    feature_names: np.ndarray


def _is_real_numeric(dtype):
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_complex_dtype(dtype)


def _resolve_levels(df, id_column, time_column):
    """Positions of the id and time levels of a 2-level MultiIndex."""
    names = list(df.index.names)
    if df.index.nlevels != 2:
        raise ValueError(
            f"df has a MultiIndex with {df.index.nlevels} levels {names}; it must have "
            "exactly 2 levels, (id, time)."
        )
    if id_column is not None and time_column is not None and id_column == time_column:
        raise ValueError(f"id_column and time_column are both {id_column!r}.")
    if names[0] == names[1] and (id_column is not None or time_column is not None):
        raise ValueError(f"Both MultiIndex levels are named {names[0]!r}; pass None for both.")
    id_level = names.index(id_column) if id_column is not None else None
    time_level = names.index(time_column) if time_column is not None else None
    if id_level is None:
        id_level = 0 if time_level is None else 1 - time_level
    if time_level is None:
        time_level = 1 - id_level
    return id_level, time_level


def from_long_format(df, id_column=None, time_column=None, value_columns=None):
    """Split a long-format DataFrame into one sequence per id.

    A long-format (tidy) frame holds one row per (id, time) pair, with the
    values observed at that time in other columns. This returns, for each
    id, the array of its values sorted by time.

    Parameters
    ----------
    df : pandas DataFrame
        Either with an id column, a time column and value columns, or with a
        2-level (id, time) MultiIndex and value columns. Each (id, time) pair
        must appear at most once. Rows may come in any order.
    id_column : column label, default=None
        The column identifying the sequences. With a MultiIndex, the name of
        the id level, or None for the level that is not ``time_column`` (the
        first level when both are None). Required otherwise.
    time_column : column label, default=None
        The column ordering the rows within a sequence: numbers, datetimes,
        timedeltas, or anything else pandas can sort. With a MultiIndex, the
        name of the time level, or None for the level that is not the id
        level. Required otherwise.
    value_columns : column label or list of column labels, default=None
        The features. None selects every column other than the id and time
        columns whose dtype is numeric (booleans included), skipping the
        others (text labels, for example).

    Returns
    -------
    result : LongFormatSequences
        A named tuple ``(sequences, ids, feature_names)``:

        - ``sequences``: list of float64 ndarrays of shape
          (n_timesteps_i, n_features), one per id, rows sorted by time.
        - ``ids``: ndarray of shape (n_ids,), the distinct ids in sorted
          order (the order pandas sorts them in), matching ``sequences``.
        - ``feature_names``: ndarray of object dtype, the value columns in
          the order of the arrays' columns.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame, or a selected value column is not
        numeric.
    ValueError
        If ``df`` has no rows, columns are missing, the id or time columns are
        not given (without a MultiIndex), ids or times are missing (NaN/NaT),
        an (id, time) pair is repeated, or no numeric value column remains.

    Notes
    -----
    Missing values in the value columns are kept as NaN, so that they can be
    imputed afterwards; the estimators reject them, except at the end of a
    sequence: time points missing every value there read as padding (the
    sequence ends before them), as trailing all-NaN steps do everywhere in
    this library. Impute or drop them first if they are observations. The
    sequences may have different lengths: cut them into equal-length windows
    with :func:`make_windows`, or pad or truncate them, before fitting.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_lstmae._windows import from_long_format
    >>> df = pd.DataFrame({
    ...     "sensor": ["b", "a", "b", "a", "a"],
    ...     "t": [2, 1, 1, 3, 2],
    ...     "temperature": [20.5, 10.0, 20.0, 12.0, 11.0],
    ...     "pressure": [2.5, 1.0, 2.0, 1.2, 1.1],
    ... })
    >>> sequences, ids, feature_names = from_long_format(df, "sensor", "t")
    >>> ids
    array(['a', 'b'], dtype=object)
    >>> feature_names
    array(['temperature', 'pressure'], dtype=object)
    >>> sequences[0]
    array([[10. ,  1. ],
           [11. ,  1.1],
           [12. ,  1.2]])
    >>> sequences[1]
    array([[20. ,  2. ],
           [20.5,  2.5]])

    A frame indexed by (id, time) works the same way:

    >>> indexed = df.set_index(["sensor", "t"])
    >>> result = from_long_format(indexed, value_columns=["pressure"])
    >>> [sequence.ravel().tolist() for sequence in result.sequences]
    [[1.0, 1.1, 1.2], [2.0, 2.5]]
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}.")
    if len(df) == 0:
        raise ValueError("df is empty: it has no rows to make sequences from.")

    columns = list(df.columns)
    use_levels = isinstance(df.index, pd.MultiIndex) and all(
        key is None or (key in df.index.names and key not in columns)
        for key in (id_column, time_column)
    )
    if use_levels:
        id_level, time_level = _resolve_levels(df, id_column, time_column)
        ids = df.index.get_level_values(id_level)
        times = df.index.get_level_values(time_level)
        id_name, time_name = df.index.names[id_level], df.index.names[time_level]
        key_columns = []
    else:
        if id_column is None or time_column is None:
            raise ValueError(
                "id_column and time_column are required unless df has a 2-level (id, time) "
                f"MultiIndex; got id_column={id_column!r}, time_column={time_column!r}."
            )
        if id_column == time_column:
            raise ValueError(f"id_column and time_column are both {id_column!r}.")
        id_name, time_name = id_column, time_column
        key_columns = [id_column, time_column]
    where = f"; its columns are {columns}" + (
        f" and its index levels {list(df.index.names)}."
        if isinstance(df.index, pd.MultiIndex)
        else "."
    )

    if value_columns is None:
        selected = [
            label
            for label, dtype in df.dtypes.items()
            if label not in key_columns and _is_real_numeric(dtype)
        ]
    elif isinstance(value_columns, (str, bytes)) or not pd.api.types.is_list_like(value_columns):
        selected = [value_columns]
    else:
        selected = list(value_columns)

    missing = [label for label in key_columns + selected if label not in columns]
    if missing:
        raise ValueError(f"Columns {missing} are not in df" + where)
    repeated_labels = [
        label for label in dict.fromkeys(key_columns + selected) if columns.count(label) > 1
    ]
    if repeated_labels or len(set(selected)) != len(selected):
        raise ValueError(
            f"Column labels {repeated_labels or selected} are repeated in df or in "
            "value_columns; each column must be selected once and have a unique label."
        )
    if not selected:
        raise ValueError(
            "df has no numeric value column besides the id and time"
            + where
            + " Pass value_columns."
        )
    bad = [label for label in selected if not _is_real_numeric(df[label].dtype)]
    if bad:
        raise TypeError(
            f"Value columns must be numeric, but columns {bad} have dtypes "
            f"{[str(df[label].dtype) for label in bad]}."
        )

    if not use_levels:
        ids, times = df[id_column], df[time_column]
    # .array keeps pandas dtypes (categories, datetimes) and drops the index.
    keys = pd.DataFrame({"id": ids.array, "time": times.array})
    for name, label in (("id", id_name), ("time", time_name)):
        n_missing = int(keys[name].isna().sum())
        if n_missing:
            raise ValueError(
                f"{n_missing} rows have a missing {name} (NaN/NaT) in {label!r}; every row "
                "needs an id and a time."
            )
    duplicated = keys.duplicated(keep=False)
    if duplicated.any():
        examples = keys[duplicated].drop_duplicates().head(5)
        pairs = list(examples.itertuples(index=False, name=None))
        raise ValueError(
            f"{int(duplicated.sum())} rows repeat an (id, time) pair of ({id_name!r}, "
            f"{time_name!r}), for example {pairs}. Each id may have one row per time: "
            "aggregate or drop the duplicates first."
        )

    try:
        order = keys.sort_values(["id", "time"], kind="mergesort").index.to_numpy()
    except TypeError as error:
        raise TypeError(
            f"The ids ({id_name!r}) and times ({time_name!r}) must each be sortable: {error}"
        ) from error
    values = df[selected].to_numpy(dtype=np.float64, na_value=np.nan)[order]
    codes, uniques = pd.factorize(keys["id"].to_numpy()[order])
    sequences = np.split(values, np.flatnonzero(np.diff(codes)) + 1)
    return LongFormatSequences(
        sequences=sequences,
        ids=np.asarray(uniques),
        feature_names=np.asarray(selected, dtype=object),
    )

"""make_windows and from_long_format against slow loop-based references."""

import tracemalloc

import numpy as np
import pandas as pd
import pytest

from sklearn_lstmae._windows import LongFormatSequences, from_long_format, make_windows

# --------------------------------------------------------------------------- make_windows


def reference_windows(values, n_timesteps, n_future, stride):
    """Windows and targets built one by one, with copies."""
    values = np.asarray(values)
    windows, targets = [], []
    start = 0
    while start + n_timesteps + n_future <= len(values):
        windows.append(values[start : start + n_timesteps].copy())
        targets.append(values[start + n_timesteps : start + n_timesteps + n_future].copy())
        start += stride
    return np.array(windows), np.array(targets)


def make_series(kind, n_steps=23, seed=0):
    """A series of the given kind and the plain array holding its values."""
    values = np.random.RandomState(seed).standard_normal((n_steps, 3))
    if kind == "1d":
        return values[:, 0].copy(), values[:, 0]
    if kind == "series":
        return pd.Series(values[:, 0], index=pd.date_range("2024", periods=n_steps)), values[:, 0]
    if kind == "2d":
        return values, values
    if kind == "dataframe":
        frame = pd.DataFrame(values, columns=["a", "b", "c"], index=np.arange(n_steps) * 10)
        return frame, values
    raise AssertionError(kind)


def base_chain(array):
    while array is not None:
        yield array
        array = getattr(array, "base", None)


@pytest.mark.parametrize("kind", ["1d", "series", "2d", "dataframe"])
@pytest.mark.parametrize("n_timesteps", [1, 3, 7])
@pytest.mark.parametrize("n_future", [0, 1, 4])
@pytest.mark.parametrize("stride", [1, 2, 5])
def test_make_windows_matches_the_reference(kind, n_timesteps, n_future, stride):
    series, values = make_series(kind)
    expected_X, expected_y = reference_windows(values, n_timesteps, n_future, stride)
    n_windows = (len(values) - n_timesteps - n_future) // stride + 1
    assert len(expected_X) == n_windows

    result = make_windows(series, n_timesteps, n_future=n_future, stride=stride)
    if n_future == 0:
        assert isinstance(result, np.ndarray)
        X = result
    else:
        X, y = result
        assert y.shape == (
            (n_windows, n_future) if kind in ("1d", "series") else (n_windows, n_future, 3)
        )
        np.testing.assert_array_equal(y, expected_y)
    assert X.shape == (
        (n_windows, n_timesteps) if kind in ("1d", "series") else (n_windows, n_timesteps, 3)
    )
    np.testing.assert_array_equal(X, expected_X)


@pytest.mark.parametrize(("n_timesteps", "n_future", "stride"), [(5, 0, 1), (3, 2, 4), (1, 4, 9)])
def test_a_series_exactly_one_window_long(n_timesteps, n_future, stride):
    series = np.arange(5.0)
    result = make_windows(series, n_timesteps, n_future, stride)
    X = result if n_future == 0 else result[0]
    np.testing.assert_array_equal(X, series[None, :n_timesteps])
    if n_future:
        np.testing.assert_array_equal(result[1], series[None, n_timesteps:])


def test_a_single_column_dataframe_gives_3d_windows():
    X, y = make_windows(pd.DataFrame({"x": np.arange(6.0)}), 3, n_future=1, stride=2)
    assert X.shape == (2, 3, 1)
    assert y.shape == (2, 1, 1)


def test_integer_and_boolean_series_keep_their_dtype():
    X = make_windows(np.arange(6), 2, stride=2)
    assert X.dtype == np.arange(6).dtype
    np.testing.assert_array_equal(X, [[0, 1], [2, 3], [4, 5]])
    assert make_windows(np.array([True, False, True]), 2).dtype == bool


def test_numpy_integer_parameters_are_accepted():
    X, y = make_windows(np.arange(10.0), np.int64(3), np.int32(2), np.uint8(5))
    np.testing.assert_array_equal(X, [[0, 1, 2], [5, 6, 7]])
    np.testing.assert_array_equal(y, [[3, 4], [8, 9]])


@pytest.mark.parametrize("kind", ["1d", "2d", "series", "dataframe"])
def test_windows_are_read_only_views_of_the_series(kind):
    series, _ = make_series(kind)
    memory = series.to_numpy() if kind in ("series", "dataframe") else series
    X, y = make_windows(series, 4, n_future=2, stride=3)
    for view in (X, y):
        assert np.shares_memory(view, memory)
        assert view.flags.writeable is False
        assert view.flags.owndata is False
        with pytest.raises(ValueError, match="read-only"):
            view[0, 0] = 1.0
    if kind in ("1d", "2d"):
        assert any(base is series for base in base_chain(X))
        assert any(base is series for base in base_chain(y))

    copy = np.array(X)
    assert copy.flags.writeable and not np.shares_memory(copy, memory)
    np.testing.assert_array_equal(copy, X)


def test_windows_follow_changes_to_the_series():
    series = np.arange(8.0)
    X = make_windows(series, 3, stride=2)
    series[4] = -1.0
    assert X[1, 2] == -1.0 and X[2, 0] == -1.0


def _peak_allocation(function):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before, _ = tracemalloc.get_traced_memory()
        result = function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak - before


@pytest.mark.parametrize("shape", [(10_000_000,), (2_500_000, 4)])
def test_ten_million_values_window_in_constant_memory(shape):
    series = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)  # 80 MB
    (X, y), peak = _peak_allocation(lambda: make_windows(series, 50, n_future=10, stride=1))

    assert peak < 1_000_000, f"make_windows allocated {peak} bytes"
    n_windows = shape[0] - 60 + 1
    assert X.shape == (n_windows, 50, *shape[1:])
    assert y.shape == (n_windows, 10, *shape[1:])
    # The windows' logical size is about 50 times the series; none of it exists.
    assert X.size * X.itemsize > 40 * series.nbytes
    assert np.shares_memory(X, series) and np.shares_memory(y, series)
    np.testing.assert_array_equal(X[-1], series[-60:-10])
    np.testing.assert_array_equal(y[-1], series[-10:])
    np.testing.assert_array_equal(X[12_345], series[12_345:12_395])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_timesteps": 0}, ValueError, r"n_timesteps must be an integer >= 1, got 0"),
        ({"n_timesteps": -3}, ValueError, r"n_timesteps must be an integer >= 1"),
        ({"n_timesteps": 2, "n_future": -1}, ValueError, r"n_future must be an integer >= 0"),
        ({"n_timesteps": 2, "stride": 0}, ValueError, r"stride must be an integer >= 1, got 0"),
        ({"n_timesteps": 2.0}, TypeError, r"n_timesteps must be an integer, got 2.0 of type float"),
        ({"n_timesteps": "3"}, TypeError, r"n_timesteps must be an integer"),
        ({"n_timesteps": None}, TypeError, r"n_timesteps must be an integer"),
        ({"n_timesteps": True}, TypeError, r"must be an integer, got True of type bool"),
        ({"n_timesteps": 2, "n_future": False}, TypeError, r"n_future must be an integer"),
        ({"n_timesteps": 2, "stride": np.True_}, TypeError, r"stride must be an integer"),
        ({"n_timesteps": 2, "stride": 1.5}, TypeError, r"stride must be an integer"),
    ],
)
def test_invalid_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_windows(np.arange(10.0), **kwargs)


def test_series_too_short_says_how_long_it_is_and_must_be():
    with pytest.raises(ValueError, match=r"series has 7 timesteps.*at least 9"):
        make_windows(np.arange(7.0), 5, n_future=4)
    with pytest.raises(ValueError, match=r"series has 0 timesteps.*at least 1"):
        make_windows(np.empty((0, 2)), 1)


@pytest.mark.parametrize(
    ("series", "error", "match"),
    [
        (np.float64(3.0), ValueError, r"got a 0-D array of shape \(\)"),
        (np.ones((4, 2, 2)), ValueError, r"got a 3-D array of shape \(4, 2, 2\)"),
        (np.ones((4, 0)), ValueError, r"at least one feature"),
        (np.array(["a", "b", "c"]), TypeError, r"real numbers.*dtype <U1"),
        (np.array([1, "b", 3.0], dtype=object), TypeError, r"real numbers.*dtype object"),
        (np.ones(4, dtype=complex), TypeError, r"real numbers.*complex128"),
        (pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), TypeError, r"columns \['b'\]"),
        (pd.Series(pd.date_range("2024", periods=3)), TypeError, r"not numeric"),
        (np.array([1.0, 2.0, np.nan, 4.0]), ValueError, r"contains NaN \(first at timestep 2\)"),
        (np.array([[1.0, 2.0], [3.0, -np.inf]]), ValueError, r"contains infinity.*timestep 1"),
        (pd.Series([1.0, None, 3.0], dtype="Float64"), ValueError, r"contains NaN"),
    ],
)
def test_invalid_series(series, error, match):
    with pytest.raises(error, match=match):
        make_windows(series, 1)


def test_nullable_and_mixed_dtype_frames_are_converted():
    frame = pd.DataFrame({"a": pd.array([1, 2, 3], dtype="Int64"), "b": [0.5, 1.5, 2.5]})
    X = make_windows(frame, 2)
    np.testing.assert_array_equal(X, [[[1, 0.5], [2, 1.5]], [[2, 1.5], [3, 2.5]]])
    assert X.dtype == np.float64


def test_lists_are_accepted():
    np.testing.assert_array_equal(make_windows([1, 2, 3], 2), [[1, 2], [2, 3]])


# ----------------------------------------------------------------------- from_long_format


def make_long_frame(id_kind, seed=0):
    """A shuffled long frame with unequal lengths, a text column and non-contiguous times."""
    rng = np.random.RandomState(seed)
    raw_ids = [7, 2, 11, 30, 5]
    lengths = [4, 1, 6, 3, 9]
    records = []
    for raw_id, length in zip(raw_ids, lengths, strict=True):
        times = rng.choice(100, size=length, replace=False)
        for time in times:
            records.append(
                {
                    "label": f"note{rng.randint(3)}",
                    "unit": raw_id if id_kind == "int" else f"unit-{raw_id}",
                    "speed": rng.standard_normal(),
                    "time": int(time),
                    "load": rng.randint(0, 50),  # an integer value column
                }
            )
    frame = pd.DataFrame(records)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def reference_long(frame, id_column, time_column, value_columns):
    """Sequences grouped and sorted by loops over the rows."""
    rows = frame.to_dict("records")
    ids = sorted({row[id_column] for row in rows})
    sequences = []
    for unit in ids:
        mine = sorted((row for row in rows if row[id_column] == unit), key=lambda r: r[time_column])
        sequences.append(
            np.array([[float(row[name]) for name in value_columns] for row in mine]).reshape(
                len(mine), len(value_columns)
            )
        )
    return sequences, ids


def assert_sequences_equal(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        assert a.dtype == np.float64
        np.testing.assert_array_equal(a, e)


@pytest.mark.parametrize("id_kind", ["str", "int"])
def test_from_long_format_matches_the_reference(id_kind):
    frame = make_long_frame(id_kind)
    result = from_long_format(frame, "unit", "time")

    assert isinstance(result, LongFormatSequences)
    sequences, ids, feature_names = result
    # Numeric columns other than the id and time, in frame order; the text column is skipped.
    assert feature_names.tolist() == ["speed", "load"]
    assert feature_names.dtype == object
    expected, expected_ids = reference_long(frame, "unit", "time", ["speed", "load"])
    assert ids.tolist() == expected_ids
    assert [len(s) for s in sequences] == [len(s) for s in expected]
    assert_sequences_equal(sequences, expected)
    if id_kind == "str":  # sorted as text, not by the number inside
        assert ids.tolist()[:2] == ["unit-11", "unit-2"]
    else:
        assert ids.tolist() == [2, 5, 7, 11, 30]


@pytest.mark.parametrize("id_kind", ["str", "int"])
def test_value_columns_selection(id_kind):
    frame = make_long_frame(id_kind)
    for value_columns in (["load", "speed"], ["load"], "speed"):
        names = [value_columns] if isinstance(value_columns, str) else value_columns
        sequences, ids, feature_names = from_long_format(frame, "unit", "time", value_columns)
        assert feature_names.tolist() == names
        expected, expected_ids = reference_long(frame, "unit", "time", names)
        assert ids.tolist() == expected_ids
        assert_sequences_equal(sequences, expected)


def test_multiindex_input():
    frame = make_long_frame("str", seed=1)
    expected, expected_ids = reference_long(frame, "unit", "time", ["speed", "load"])
    indexed = frame.set_index(["unit", "time"])
    for id_column, time_column in [(None, None), ("unit", "time"), ("unit", None), (None, "time")]:
        sequences, ids, names = from_long_format(indexed, id_column, time_column)
        assert ids.tolist() == expected_ids
        assert names.tolist() == ["speed", "load"]
        assert_sequences_equal(sequences, expected)

    # Level names pick the levels whatever their order.
    swapped = frame.set_index(["time", "unit"])
    for id_column, time_column in [("unit", "time"), ("unit", None), (None, "time")]:
        sequences, ids, _ = from_long_format(swapped, id_column, time_column)
        assert ids.tolist() == expected_ids
        assert_sequences_equal(sequences, expected)

    # Unnamed levels: (id, time) in that order.
    unnamed = indexed.rename_axis([None, None])
    sequences, ids, _ = from_long_format(unnamed, value_columns=["speed", "load"])
    assert ids.tolist() == expected_ids
    assert_sequences_equal(sequences, expected)


def test_datetime_times_and_missing_values_are_kept():
    frame = pd.DataFrame(
        {
            "id": [1, 1, 1, 2],
            "when": pd.to_datetime(["2024-03-02", "2024-01-01", "2024-02-01", "2023-01-01"]),
            "value": [3.0, np.nan, 2.0, 9.0],
            "flag": [True, False, True, True],
        }
    )
    sequences, ids, names = from_long_format(frame, "id", "when")
    assert names.tolist() == ["value", "flag"]
    assert ids.tolist() == [1, 2]
    np.testing.assert_array_equal(sequences[0], [[np.nan, 0.0], [2.0, 1.0], [3.0, 1.0]])
    np.testing.assert_array_equal(sequences[1], [[9.0, 1.0]])


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (
            ("unit", "when"),
            {},
            ValueError,
            r"Columns \['when'\] are not in df; its columns are "
            r"\['label', 'unit', 'speed', 'time', 'load'\]",
        ),
        (("id", "time"), {}, ValueError, r"Columns \['id'\] are not in df"),
        (
            ("unit", "time", ["speed", "torque", "rpm"]),
            {},
            ValueError,
            r"Columns \['torque', 'rpm'\] are not in df",
        ),
        (
            ("unit", "time", ["speed", "label"]),
            {},
            TypeError,
            r"must be numeric, but columns \['label'\]",
        ),
        (("unit", "time", "label"), {}, TypeError, r"columns \['label'\]"),
        (("unit", "time", []), {}, ValueError, r"no numeric value column"),
        (("unit", "time", ["speed", "speed"]), {}, ValueError, r"repeated"),
        (("unit", None), {}, ValueError, r"id_column and time_column are required"),
        ((), {}, ValueError, r"id_column and time_column are required"),
        (("unit", "unit"), {}, ValueError, r"both 'unit'"),
    ],
)
def test_from_long_format_errors(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        from_long_format(make_long_frame("str"), *args, **kwargs)


def test_duplicate_id_time_pairs_are_rejected():
    frame = pd.DataFrame({"id": ["a", "b", "a", "a"], "t": [1, 1, 2, 1], "v": [1.0, 2, 3, 4]})
    with pytest.raises(ValueError, match=r"2 rows repeat an \(id, time\) pair.*\('a', 1\)"):
        from_long_format(frame, "id", "t")
    with pytest.raises(ValueError, match=r"repeat an \(id, time\) pair"):
        from_long_format(frame.set_index(["id", "t"]))


def test_other_invalid_frames():
    frame = pd.DataFrame({"id": ["a", "b"], "t": [1, 2], "v": [1.0, 2.0]})
    with pytest.raises(ValueError, match="df is empty"):
        from_long_format(frame.iloc[:0], "id", "t")
    with pytest.raises(TypeError, match="must be a pandas DataFrame, got ndarray"):
        from_long_format(frame.to_numpy(), "id", "t")
    with pytest.raises(ValueError, match=r"no numeric value column.*Pass value_columns"):
        from_long_format(frame.assign(v=["x", "y"]), "id", "t")
    with pytest.raises(ValueError, match=r"1 rows have a missing id \(NaN/NaT\) in 'id'"):
        from_long_format(frame.assign(id=["a", None]), "id", "t")
    with pytest.raises(ValueError, match=r"missing time"):
        from_long_format(frame.assign(t=[1.0, np.nan]), "id", "t")
    with pytest.raises(ValueError, match="exactly 2 levels"):
        from_long_format(frame.assign(k=0).set_index(["id", "t", "k"]))
    with pytest.raises(ValueError, match=r"are not in df.*index levels \['id', 't'\]"):
        from_long_format(frame.set_index(["id", "t"]), "sensor", "t")

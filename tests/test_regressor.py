import numpy as np
import pytest

from sklearn_lstmae import CompositeLSTMRegressor

from ._helpers import TINY, make_sequences


@pytest.fixture(scope="module")
def series_windows():
    series = np.sin(np.arange(260) / 4.0) + 0.5 * np.sin(np.arange(260) / 11.0)
    X = np.stack([series[i : i + 16] for i in range(240)])
    y = np.stack([series[i + 16 : i + 20] for i in range(240)])
    return X, y


@pytest.mark.parametrize(
    "y_shape", [(40,), (40, 1), (40, 3), (40, 3, 2)], ids=["1d", "column", "steps", "steps-targets"]
)
def test_predict_has_the_shape_y_had_at_fit(y_shape):
    X = make_sequences(n_samples=40)
    y = np.random.RandomState(0).rand(*y_shape)
    model = CompositeLSTMRegressor(**TINY).fit(X, y)
    assert model.predict(X).shape == y_shape
    assert model.reconstruct(X).shape == X.shape
    assert model.transform(X).shape == (40, 8)
    assert model.predictor_.output.shape[1:] == (
        (y_shape[1] if len(y_shape) > 1 else 1),
        (y_shape[2] if len(y_shape) > 2 else 1),
    )
    assert np.isfinite(model.score(X, y))


def test_learns_to_forecast_a_series(series_windows):
    X, y = series_windows
    model = CompositeLSTMRegressor(units=32, epochs=40, learning_rate=5e-3, random_state=0)
    model.fit(X[:200], y[:200])
    assert model.score(X[200:], y[200:]) > 0.9
    rebuilt = model.reconstruct(X[200:])
    assert np.mean((rebuilt - X[200:]) ** 2) < 0.1 * np.var(X)


def test_reconstruction_weight_steers_the_two_losses(series_windows):
    X, y = series_windows
    predict_only = CompositeLSTMRegressor(
        units=16, epochs=15, learning_rate=5e-3, reconstruction_weight=0.0, random_state=0
    ).fit(X, y)
    rebuild_only = CompositeLSTMRegressor(
        units=16, epochs=15, learning_rate=5e-3, reconstruction_weight=1.0, random_state=0
    ).fit(X, y)
    assert predict_only.score(X, y) > rebuild_only.score(X, y)
    error = lambda model: np.mean((model.reconstruct(X) - X) ** 2)  # noqa: E731
    assert error(rebuild_only) < error(predict_only)


def test_predictions_come_back_in_the_units_of_y(series_windows):
    X, y = series_windows
    model = CompositeLSTMRegressor(units=16, epochs=20, learning_rate=5e-3, random_state=0)
    model.fit(X, 1000.0 + 50.0 * y)
    prediction = model.predict(X)
    assert abs(prediction.mean() - (1000.0 + 50.0 * y.mean())) < 10.0


@pytest.mark.parametrize("weight", [-0.1, 1.5, "half", None])
def test_reconstruction_weight_is_validated(weight):
    X = make_sequences(n_samples=10)
    with pytest.raises(ValueError, match="reconstruction_weight"):
        CompositeLSTMRegressor(**TINY, reconstruction_weight=weight).fit(X, np.zeros(10))


def test_y_of_the_wrong_length_or_shape_is_refused():
    X = make_sequences(n_samples=10)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        CompositeLSTMRegressor(**TINY).fit(X, np.zeros(9))
    with pytest.raises(ValueError, match="y must have shape"):
        CompositeLSTMRegressor(**TINY).fit(X, np.zeros((10, 2, 2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        CompositeLSTMRegressor(**TINY).fit(X, np.full(10, np.nan))
    model = CompositeLSTMRegressor(**TINY).fit(X, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="shaped as at fit"):
        model.score(X, np.zeros((10, 4)))


def test_messages_about_targets_name_the_data_at_fault():
    # A short validation y got scikit-learn's bare "[5, 4]" without naming validation_data; a
    # short y at score was told to be "shaped as at fit"; partial_fit's advice named warm_start.
    X = make_sequences(n_samples=10)
    with pytest.raises(ValueError, match="X_val holds 5 sequences but validation_data's y_val"):
        CompositeLSTMRegressor(**TINY).fit(X, np.zeros(10), validation_data=(X[:5], np.zeros(4)))
    with pytest.raises(ValueError, match="Input validation_data's y_val contains NaN"):
        CompositeLSTMRegressor(**TINY).fit(
            X, np.zeros(10), validation_data=(X, np.full(10, np.nan))
        )
    model = CompositeLSTMRegressor(**TINY).fit(X, np.zeros((10, 3)))
    with pytest.raises(ValueError, match="X holds 10 sequences but y holds 9 targets"):
        model.score(X, np.zeros((9, 3)))
    with pytest.raises(ValueError, match="partial_fit and warm_start continue that model"):
        model.partial_fit(X, np.zeros((10, 2)))


def test_score_takes_targets_with_or_without_axes_of_length_one():
    # As r2_score does: (n,) against (n, 1) was refused although the values line up.
    X = make_sequences(n_samples=20)
    y = np.random.RandomState(0).rand(20, 3)
    model = CompositeLSTMRegressor(**TINY).fit(X, y[:, :1])
    assert model.predict(X).shape == (20, 1)
    assert model.score(X, y[:, 0]) == model.score(X, y[:, :1]) == model.score(X, y[:, None, :1])
    model = CompositeLSTMRegressor(**TINY).fit(X, y.reshape(20, 3, 1))
    assert model.score(X, y) == model.score(X, y.reshape(20, 3, 1))
    with pytest.raises(ValueError, match="shaped as at fit"):
        model.score(X, y.reshape(20, 1, 3).repeat(2, axis=1))


def test_longer_sequences_get_advice_that_works_where_they_are_given():
    # partial_fit on longer sequences advised "pass a list of arrays for sequences of any
    # length", and the list was then refused: only encoding takes any length.
    rng = np.random.default_rng(0)
    X, y = rng.random((20, 10)), rng.random((20, 3))
    model = CompositeLSTMRegressor(**TINY).fit(X, y)
    longer = rng.random((20, 14))
    with pytest.raises(ValueError, match="sequence 0 of X has a value at step 10") as error:
        model.partial_fit(longer, y)
    message = str(error.value)
    assert "transform and predict encode listed sequences of any length" in message
    assert "fitting further and rebuilding take at most 10 timesteps" in message
    assert model.predict(list(longer)).shape == (20, 3)  # the advice holds for predict
    with pytest.raises(ValueError, match="at most 10"):
        model.partial_fit(list(longer), y)  # and says so for fitting


def test_detectors_are_not_advised_lists_of_longer_sequences():
    from sklearn_lstmae import LSTMAutoencoderOutlierDetector

    rng = np.random.default_rng(0)
    detector = LSTMAutoencoderOutlierDetector(**TINY).fit(rng.random((20, 10)))
    with pytest.raises(ValueError, match=r"cut the sequences to that length\.$"):
        detector.score_samples(rng.random((20, 14)))
    with pytest.raises(ValueError, match="a list of arrays of sequences of at most 10 timesteps"):
        detector.score_samples(rng.random((20, 8)))


@pytest.mark.parametrize("as_series", [False, True])
def test_targets_of_different_horizons_are_named(as_series):
    # NumPy's "setting an array element with a sequence ... inhomogeneous shape" before.
    import pandas as pd

    rng = np.random.default_rng(0)
    X = [rng.random((8, 2)) for _ in range(20)]
    y = [rng.random(4 if i == 5 else 3) for i in range(20)]
    y = pd.Series(y) if as_series else y
    match = r"y\[0\] has shape \(3,\) and y\[5\] has shape \(4,\).*common horizon"
    with pytest.raises(ValueError, match=match):
        CompositeLSTMRegressor(**TINY).fit(X, y)
    model = CompositeLSTMRegressor(**TINY).fit(X, [target[:3] for target in y])
    with pytest.raises(ValueError, match=match):
        model.score(X, y)


def test_continuing_takes_targets_as_score_and_validation_data_do():
    # (n,) at fit and (n, 1) in partial_fit are the same targets: score and validation_data
    # took them, partial_fit refused them, saying "(n_samples, )".
    rng = np.random.default_rng(0)
    X, y = rng.random((20, 10)), rng.random(20)
    model = CompositeLSTMRegressor(**TINY).fit(X, y)
    model.partial_fit(X, y[:, None])
    assert model.predict(X).shape == (20,)  # still shaped as at fit
    with pytest.raises(ValueError, match=r"fitted on targets of shape \(n_samples,\): "):
        model.partial_fit(X, rng.random((20, 2)))


def test_validation_targets_of_another_shape_are_described():
    rng = np.random.default_rng(0)
    X, y = rng.random((20, 10)), rng.random((20, 3))
    match = r"validation_data's y has shape \(5, 2\).*predicts 3 step\(s\) of 1 value\(s\)"
    with pytest.raises(ValueError, match=match):
        CompositeLSTMRegressor(**TINY).fit(X[:15], y[:15], validation_data=(X[15:], y[15:, :2]))


def test_the_transformer_is_told_that_transform_encodes_longer_listed_sequences():
    from sklearn_lstmae import LSTMAutoencoderTransformer

    rng = np.random.default_rng(0)
    model = LSTMAutoencoderTransformer(**TINY).fit(rng.random((20, 10)))
    with pytest.raises(ValueError, match="pass a list of arrays: transform encodes listed"):
        model.transform(rng.random((3, 12)))
    assert model.transform(list(rng.random((3, 12)))).shape[0] == 3

"""Variable-length sequences: lists and NaN padding, masked exactly."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lstmae import CompositeLSTMRegressor, LSTMAutoencoderTransformer

from ._helpers import TINY


def ragged_sequences(n_samples=30, n_features=2, min_length=4, max_length=15, seed=0):
    rng = np.random.RandomState(seed)
    lengths = rng.randint(min_length, max_length + 1, n_samples)
    return [
        np.sin(rng.uniform(0.2, 1.0) * np.arange(length)[:, None] + rng.uniform(0, 6, n_features))
        for length in lengths
    ]


def nan_padded(sequences, n_timesteps=None):
    n_timesteps = n_timesteps or max(len(s) for s in sequences)
    padded = np.full((len(sequences), n_timesteps, sequences[0].shape[1]), np.nan)
    for row, sequence in enumerate(sequences):
        padded[row, : len(sequence)] = sequence
    return padded


@pytest.fixture(scope="module")
def ragged():
    return ragged_sequences()


@pytest.fixture(scope="module")
def fitted_on_ragged(ragged):
    return LSTMAutoencoderTransformer(units=8, epochs=5, random_state=0).fit(ragged)


def test_a_code_does_not_depend_on_padding_or_batch(fitted_on_ragged, ragged):
    short = ragged[0][:5]
    alone = fitted_on_ragged.transform([short])
    long_batch = [short] + [np.tile(s, (3, 1)) for s in ragged[1:10]]  # up to 45 steps
    in_batch = fitted_on_ragged.transform(long_batch)[:1]
    padded = fitted_on_ragged.encoder_.predict(nan_padded([short], 40), verbose=0)
    assert np.max(np.abs(alone - in_batch)) <= 1e-5
    assert np.max(np.abs(alone - padded)) <= 1e-5


def test_list_and_nan_padded_array_are_the_same_input(fitted_on_ragged, ragged):
    padded = nan_padded(ragged, fitted_on_ragged.n_timesteps_in_)
    np.testing.assert_allclose(
        fitted_on_ragged.transform(ragged), fitted_on_ragged.transform(padded), atol=1e-6
    )
    assert fitted_on_ragged.score(ragged) == pytest.approx(fitted_on_ragged.score(padded))


def test_a_frame_of_numbers_held_as_objects_is_read_as_numbers():
    # As a NumPy object array of numbers is; it was refused as "non-numeric columns".
    values = np.random.RandomState(0).rand(12, 6)
    frame = pd.DataFrame(values, columns=[f"t{i}" for i in range(6)])
    model = LSTMAutoencoderTransformer(**TINY).fit(frame)
    np.testing.assert_array_equal(model.transform(frame.astype(object)), model.transform(frame))


def test_a_list_of_padded_rows_is_the_padded_array(fitted_on_ragged, ragged):
    # list(X_padded) was refused ("Sequence 0 of X contains NaN") though X_padded is taken.
    padded = nan_padded(ragged, fitted_on_ragged.n_timesteps_in_)
    np.testing.assert_array_equal(
        fitted_on_ragged.transform(list(padded)), fitted_on_ragged.transform(ragged)
    )
    rebuilt = fitted_on_ragged.reconstruct(list(padded))
    assert [len(r) for r in rebuilt] == [len(s) for s in ragged]


def test_a_series_or_object_array_of_sequences_is_that_list(fitted_on_ragged, ragged):
    # pandas and NumPy hold sequences of different lengths this way; both got numpy's
    # "setting an array element with a sequence".
    expected = fitted_on_ragged.transform(ragged)
    for container in (pd.Series(ragged, index=range(100, 100 + len(ragged))), as_objects(ragged)):
        np.testing.assert_array_equal(fitted_on_ragged.transform(container), expected)
        rebuilt = fitted_on_ragged.reconstruct(container)
        assert [len(r) for r in rebuilt] == [len(s) for s in ragged]
    refit = clone(fitted_on_ragged).fit(pd.Series(ragged))
    np.testing.assert_array_equal(
        refit.transform(ragged), clone(fitted_on_ragged).fit(ragged).transform(ragged)
    )


def as_objects(sequences):
    array = np.empty(len(sequences), dtype=object)
    array[:] = sequences
    return array


def test_padded_steps_never_count_in_the_loss():
    sequences = ragged_sequences(n_samples=20)
    garbage = [np.vstack([s, np.full((30, 2), 1e3)]) for s in sequences]
    # The same real steps with NaN padding of two different widths train identically.
    a = LSTMAutoencoderTransformer(**TINY).fit(nan_padded(sequences))
    b = LSTMAutoencoderTransformer(**TINY).fit(sequences)
    assert a.loss_curve_ == pytest.approx(b.loss_curve_, rel=1e-5)
    # Real values in place of the padding change the loss: the mask is what hides it.
    c = LSTMAutoencoderTransformer(**TINY).fit(garbage)
    assert c.loss_curve_[0] != pytest.approx(b.loss_curve_[0], rel=1e-3)


def test_score_ignores_padding(fitted_on_ragged, ragged):
    rebuilt = fitted_on_ragged.reconstruct(ragged)
    scale = fitted_on_ragged.encoder_.get_layer("input_scale").scale.numpy()
    per_sequence = [np.mean(((r - s) / scale) ** 2) for r, s in zip(rebuilt, ragged)]
    assert fitted_on_ragged.score(ragged) == pytest.approx(-np.mean(per_sequence), rel=1e-5)


def test_outputs_come_back_at_each_sequence_length(fitted_on_ragged, ragged):
    rebuilt = fitted_on_ragged.reconstruct(ragged)
    assert isinstance(rebuilt, list)
    assert [r.shape for r in rebuilt] == [s.shape for s in ragged]
    padded = nan_padded(ragged, fitted_on_ragged.n_timesteps_in_)
    rebuilt_padded = fitted_on_ragged.reconstruct(padded)
    np.testing.assert_array_equal(np.isnan(rebuilt_padded), np.isnan(padded))
    lengths = [len(s) for s in ragged]
    decoded = fitted_on_ragged.inverse_transform(
        fitted_on_ragged.transform(ragged), lengths=lengths
    )
    assert [len(d) for d in decoded] == lengths
    np.testing.assert_allclose(decoded[3], rebuilt[3], rtol=1e-5, atol=1e-6)


def test_univariate_lists(ragged):
    univariate = [s[:, 0] for s in ragged]
    model = LSTMAutoencoderTransformer(**TINY).fit(univariate)
    assert model.transform(univariate).shape == (len(univariate), 24)  # 3 x 8 units, pooled
    assert [r.shape for r in model.reconstruct(univariate)] == [s.shape for s in univariate]


def test_composite_model_on_ragged_input(ragged):
    y = np.array([s[-1, 0] for s in ragged])
    inputs = [s[:-1] for s in ragged]
    model = CompositeLSTMRegressor(**TINY).fit(inputs, y)
    assert model.predict(inputs).shape == (len(inputs),)
    assert [r.shape for r in model.reconstruct(inputs)] == [s.shape for s in inputs]


def test_longer_sequences_encode_but_are_not_rebuilt(fitted_on_ragged, ragged):
    longer = [np.tile(ragged[0], (5, 1))]
    assert fitted_on_ragged.transform(longer).shape == (1, 24)
    with pytest.raises(ValueError, match="at most 15 timesteps"):
        fitted_on_ragged.reconstruct(longer)


@pytest.mark.parametrize(
    "bad, message",
    [
        ([np.zeros((3, 2)), np.zeros((0, 2))], "length 0"),
        ([np.zeros((3, 2)), np.zeros((4, 3))], "different numbers of features"),
        ([np.zeros(3), np.zeros((4, 1))], "mixes 1-D and 2-D"),
        ([], "empty list"),
        ([np.zeros((3, 2)), np.full((4, 2), np.inf)], "infinity"),
        (np.array([[[1.0, np.nan], [2.0, 3.0]]]), "NaN inside a timestep"),
        (np.array([[1.0, np.nan, 2.0]]), "before the end"),
        (np.array([[np.nan, np.nan], [1.0, 2.0]]), "length 0"),
    ],
)
def test_bad_ragged_input_is_refused(bad, message):
    with pytest.raises(ValueError, match=message):
        LSTMAutoencoderTransformer(**TINY).fit(bad)


@pytest.mark.slow  # many fits or grid searches
def test_ragged_lists_through_pipeline_and_grid_search():
    rng = np.random.RandomState(0)
    labels = rng.randint(0, 2, 60)
    sequences = [
        np.sin((0.3 + 0.6 * label) * np.arange(rng.randint(8, 20)) + rng.uniform(0, 6))
        for label in labels
    ]
    pipeline = make_pipeline(
        LSTMAutoencoderTransformer(units=8, epochs=60, learning_rate=1e-2, random_state=0),
        StandardScaler(),
        LogisticRegression(),
    )
    search = GridSearchCV(pipeline, {"lstmautoencodertransformer__units": [4, 8]}, cv=2)
    search.fit(sequences, labels)
    assert search.best_score_ > 0.8
    assert search.predict(sequences[:5]).shape == (5,)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.slow  # many fits or grid searches
def test_pooled_codes_do_not_depend_on_padding_or_batch(ragged, bidirectional):
    model = LSTMAutoencoderTransformer(
        units=6, epochs=2, code="pooled", bidirectional=bidirectional, random_state=0
    )
    codes = model.fit(ragged).transform(ragged)
    assert codes.shape == (len(ragged), 36 if bidirectional else 18)
    short = ragged[3][:4]
    alone = model.transform([short])
    in_batch = model.transform([short] + [np.tile(s, (3, 1)) for s in ragged[:8]])[:1]
    padded = model.encoder_.predict(nan_padded([short], 40), verbose=0)
    assert np.max(np.abs(alone - in_batch)) <= 1e-5
    assert np.max(np.abs(alone - padded)) <= 1e-5


# -- NaN padding wider than in fit ---------------------------------------------------
def test_padding_wider_than_in_fit_is_only_padding(fitted_on_ragged, ragged):
    model = fitted_on_ragged
    assert model.n_timesteps_in_ == 15
    exact, wide = nan_padded(ragged, 15), nan_padded(ragged, 21)
    np.testing.assert_array_equal(model.transform(wide), model.transform(exact))
    assert model.score(wide) == model.score(exact)
    rebuilt = model.reconstruct(wide)
    assert rebuilt.shape == wide.shape  # shaped like the input, its padding given back
    np.testing.assert_array_equal(rebuilt[:, :15], model.reconstruct(exact))
    assert np.isnan(rebuilt[:, 15:]).all()


def test_a_value_beyond_the_fit_length_is_refused_with_its_place(fitted_on_ragged, ragged):
    wide = nan_padded(ragged, 21)
    wide[4, 17, 0] = 0.5
    message = r"sequence 4 of X has a value at step 17 \(counting from 0\)"
    for method in (fitted_on_ragged.transform, fitted_on_ragged.reconstruct):
        with pytest.raises(ValueError, match=message):
            method(wide)


@pytest.mark.slow  # many fits or grid searches
def test_wider_padding_of_univariate_frames_and_for_the_other_estimators():
    import pandas as pd

    from sklearn_lstmae import LSTMAutoencoderOutlierDetector

    rng = np.random.RandomState(0)
    X = pd.DataFrame(rng.rand(16, 6), columns=[f"t{i}" for i in range(6)])
    model = LSTMAutoencoderTransformer(**TINY).fit(X)
    wide = X.assign(t6=np.nan, t7=np.nan)
    np.testing.assert_array_equal(model.transform(wide), model.transform(X))
    rebuilt = model.reconstruct(wide)
    assert rebuilt.shape == (16, 8) and np.isnan(rebuilt[:, 6:]).all()

    X_3d, y = rng.rand(16, 6, 2), rng.rand(16, 2)
    composite = CompositeLSTMRegressor(**TINY).fit(X_3d, y)
    wide_3d = np.concatenate([X_3d, np.full((16, 3, 2), np.nan)], axis=1)
    np.testing.assert_array_equal(composite.predict(wide_3d), composite.predict(X_3d))
    detector = LSTMAutoencoderOutlierDetector(**TINY).fit(X_3d)
    np.testing.assert_array_equal(detector.score_samples(wide_3d), detector.score_samples(X_3d))


def test_wider_padding_to_validate_on_and_to_continue_training(ragged):
    model = LSTMAutoencoderTransformer(**TINY).fit(ragged, validation_data=nan_padded(ragged, 21))
    assert model.n_timesteps_in_ == 15 and len(model.validation_loss_curve_) == TINY["epochs"]
    model.partial_fit(nan_padded(ragged, 18))
    assert len(model.loss_curve_) == TINY["epochs"] + 1

import numpy as np
import pandas as pd
import pytest

from sklearn_lstmae import LSTMAutoencoderTransformer

from ._helpers import TINY


@pytest.fixture(scope="module")
def fitted_3d(sequences_3d):
    return LSTMAutoencoderTransformer(**TINY).fit(sequences_3d)


@pytest.fixture(scope="module")
def fitted_2d(sequences_2d):
    return LSTMAutoencoderTransformer(**TINY).fit(sequences_2d)


def test_transform_gives_one_code_per_sequence(fitted_3d, sequences_3d):
    codes = fitted_3d.transform(sequences_3d)
    assert codes.shape == (len(sequences_3d), 24)  # code="pooled": last, mean, max of 8 units
    assert codes.dtype == np.float64
    assert np.all(np.isfinite(codes))
    assert fitted_3d.transform(sequences_3d.astype(np.float32)).dtype == np.float32
    assert fitted_3d.n_timesteps_in_ == 12 and fitted_3d.n_channels_in_ == 2
    assert fitted_3d.n_features_in_ == 12


def test_encoder_is_a_standalone_model_on_raw_sequences(fitted_3d, sequences_3d):
    # Standardization lives in the graph: the encoder takes the user's raw units.
    np.testing.assert_allclose(
        fitted_3d.encoder_.predict(sequences_3d, verbose=0),
        fitted_3d.transform(sequences_3d),
        rtol=1e-5,
        atol=1e-6,
    )


def test_inverse_transform_is_shaped_like_the_input(
    fitted_3d, fitted_2d, sequences_3d, sequences_2d
):
    rebuilt = fitted_3d.inverse_transform(fitted_3d.transform(sequences_3d))
    assert rebuilt.shape == sequences_3d.shape
    np.testing.assert_allclose(
        rebuilt, fitted_3d.model_.predict(sequences_3d, verbose=0), rtol=1e-4, atol=1e-5
    )
    assert (
        fitted_2d.inverse_transform(fitted_2d.transform(sequences_2d)).shape == sequences_2d.shape
    )


def test_inverse_transform_keeps_the_codes_dtype(fitted_3d, sequences_3d):
    # It returned float64 for float32 codes, unlike transform and reconstruct.
    for dtype in (np.float32, np.float64):
        codes = fitted_3d.transform(sequences_3d.astype(dtype))
        assert codes.dtype == fitted_3d.reconstruct(sequences_3d.astype(dtype)).dtype == dtype
        assert fitted_3d.inverse_transform(codes).dtype == dtype
        assert fitted_3d.inverse_transform(codes, lengths=[3] * len(codes))[0].dtype == dtype


def test_score_is_negative_standardized_reconstruction_error(fitted_3d, sequences_3d):
    rebuilt = fitted_3d.inverse_transform(fitted_3d.transform(sequences_3d))
    flat = sequences_3d.reshape(-1, 2)
    expected = np.mean(((rebuilt - sequences_3d) / flat.std(axis=0)) ** 2)
    assert fitted_3d.score(sequences_3d) == pytest.approx(-expected, rel=1e-4)


def test_training_records_its_loss(fitted_3d):
    assert fitted_3d.n_iter_ == 3
    assert len(fitted_3d.loss_curve_) == 3
    assert all(np.isfinite(fitted_3d.loss_curve_))


def test_reconstruction_improves_with_training(sequences_3d):
    settings = {"units": 16, "learning_rate": 1e-2, "random_state": 0}
    short = LSTMAutoencoderTransformer(epochs=1, **settings).fit(sequences_3d)
    longer = LSTMAutoencoderTransformer(epochs=60, **settings).fit(sequences_3d)
    assert longer.loss_curve_[-1] < 0.5 * short.loss_curve_[-1]
    assert longer.score(sequences_3d) > short.score(sequences_3d)


def test_classic_single_sequence_is_rebuilt():
    sequence = np.linspace(0.1, 0.9, 9).reshape(1, 9)
    model = LSTMAutoencoderTransformer(
        100,
        cell="lstm",
        code="last",
        input_noise=0.0,
        activation="relu",
        epochs=300,
        random_state=0,
    )
    rebuilt = model.fit(sequence).inverse_transform(model.transform(sequence))
    assert np.mean((rebuilt - sequence) ** 2) <= 5e-5


def test_latent_dim_and_stacked_units(sequences_3d):
    model = LSTMAutoencoderTransformer(units=(8, 6), latent_dim=3, epochs=2, random_state=0)
    assert model.fit_transform(sequences_3d).shape == (len(sequences_3d), 3)
    assert list(model.get_feature_names_out()) == [
        "lstmautoencodertransformer0",
        "lstmautoencodertransformer1",
        "lstmautoencodertransformer2",
    ]


def test_dataframe_input_keeps_names_and_pandas_output(sequences_2d):
    frame = pd.DataFrame(sequences_2d, columns=[f"t{i}" for i in range(sequences_2d.shape[1])])
    model = LSTMAutoencoderTransformer(**TINY).set_output(transform="pandas").fit(frame)
    assert list(model.feature_names_in_) == list(frame.columns)
    codes = model.transform(frame)
    assert isinstance(codes, pd.DataFrame)
    assert list(codes.columns) == list(model.get_feature_names_out())
    assert codes.index.equals(frame.index)


def test_standardize_false_trains_on_raw_values(sequences_3d):
    model = LSTMAutoencoderTransformer(**TINY, standardize=False).fit(sequences_3d * 3 + 1)
    scale = model.encoder_.get_layer("input_scale")
    np.testing.assert_array_equal(scale.mean.numpy(), [0, 0])
    np.testing.assert_array_equal(scale.scale.numpy(), [1, 1])


def test_standardization_is_learned_in_fit_and_lives_in_the_graph(sequences_3d):
    model = LSTMAutoencoderTransformer(**TINY).fit(sequences_3d * 100 + 7)
    scale = model.encoder_.get_layer("input_scale")
    flat = (sequences_3d * 100 + 7).reshape(-1, 2)
    np.testing.assert_allclose(scale.mean.numpy(), flat.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(scale.scale.numpy(), flat.std(axis=0), rtol=1e-5)
    # Same data in other units gives the same codes: the scaling is undone inside.
    small = LSTMAutoencoderTransformer(**TINY).fit(sequences_3d)
    np.testing.assert_allclose(
        model.transform(sequences_3d * 100 + 7), small.transform(sequences_3d), atol=1e-4
    )


@pytest.mark.parametrize(
    "bad_input, message",
    [
        (np.ones((5, 13, 2)), "has a value at step 12"),
        (np.zeros((5, 12, 3)), "3 features per timestep"),
        (np.zeros((5, 12)), r"X is 2-D, which holds univariate sequences"),
    ],
)
def test_inputs_shaped_unlike_fit_are_refused(fitted_3d, bad_input, message):
    with pytest.raises(ValueError, match=message):
        fitted_3d.transform(bad_input)


def test_a_narrower_3d_array_reads_as_shorter_sequences(fitted_3d, sequences_3d):
    from sklearn_lstmae import CompositeLSTMRegressor, LSTMAutoencoderOutlierDetector

    # Refused before ("X has 9 features, ... expecting 12"), though a list of the same
    # sequences was accepted: now read as that list is, and given back at its own width.
    short = sequences_3d[:5, :9]
    as_list = list(short)
    np.testing.assert_allclose(fitted_3d.transform(short), fitted_3d.transform(as_list), atol=1e-6)
    rebuilt = fitted_3d.reconstruct(short)
    assert rebuilt.shape == (5, 9, 2)
    np.testing.assert_allclose(rebuilt, np.stack(fitted_3d.reconstruct(as_list)), atol=1e-6)
    padded = short.copy()
    padded[0, 6:] = np.nan  # NaN padding inside the narrower array still ends a sequence
    assert np.isnan(fitted_3d.reconstruct(padded)[0, 6:]).all()
    detector = LSTMAutoencoderOutlierDetector(**TINY).fit(sequences_3d)
    np.testing.assert_allclose(
        detector.score_samples(short), detector.score_samples(as_list), rtol=1e-5
    )
    regressor = CompositeLSTMRegressor(**TINY).fit(sequences_3d, sequences_3d[:, -3:, 0])
    np.testing.assert_allclose(regressor.predict(short), regressor.predict(as_list), atol=1e-6)
    # A 2-D array's columns are scikit-learn's features: their count is still checked.
    univariate = LSTMAutoencoderTransformer(**TINY).fit(sequences_3d[:, :, 0])
    with pytest.raises(ValueError, match="X has 9 features, but .* expecting 12 features"):
        univariate.transform(short[:, :, 0])


def test_inverse_transform_refuses_codes_of_the_wrong_size(fitted_3d):
    with pytest.raises(ValueError, match="codes of this model have 24"):
        fitted_3d.inverse_transform(np.zeros((2, 5)))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"units": 0}, "units"),
        ({"units": ()}, "units"),
        ({"units": (8, -1)}, "units"),
        ({"latent_dim": 0}, "latent_dim"),
        ({"activation": "nope"}, "not a Keras activation"),
        ({"latent_activation": 3}, "latent_activation"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
        ({"batch_size": -1}, "batch_size"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"standardize": "yes"}, "standardize"),
        ({"verbose": -1}, "verbose"),
        ({"random_state": "seed"}, "random_state"),
    ],
)
def test_invalid_parameters_are_named(sequences_3d, params, message):
    with pytest.raises(ValueError, match=message):
        LSTMAutoencoderTransformer(**{**TINY, **params}).fit(sequences_3d)


@pytest.mark.parametrize(
    "bad_input, message",
    [
        (np.zeros((4, 3, 2, 1)), "2-D or 3-D"),
        (np.zeros((4, 0, 2)), "at least one timestep"),
        (np.zeros(5), "1-D array of shape \\(5,\\): one sequence"),
    ],
)
def test_bad_shapes_are_refused_at_fit(bad_input, message):
    with pytest.raises(ValueError, match=message):
        LSTMAutoencoderTransformer(**TINY).fit(bad_input)


@pytest.mark.parametrize("verbose, expected_lines", [(0, 0), (2, 3)])
def test_verbose_output(sequences_3d, capsys, verbose, expected_lines):
    LSTMAutoencoderTransformer(**{**TINY, "verbose": verbose}).fit(sequences_3d)
    lines = [line for line in capsys.readouterr().out.splitlines() if "loss" in line]
    assert len(lines) == expected_lines


def test_verbose_one_shows_a_progress_bar_over_epochs(sequences_3d, capsys):
    LSTMAutoencoderTransformer(**{**TINY, "verbose": 1}).fit(sequences_3d)
    output = capsys.readouterr().out
    assert "3/3" in output and "loss" in output


def test_folded_fits_count_validation_features_and_long_sequences_in_the_users_terms():
    # Under folding, validation_data with 3 features against X's 2 was reported as "9 features
    # per timestep, but X has 6" (patches of 3 steps); a 3-D array one step too long was said
    # to have "34 features" (its timesteps).
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20, 33, 2))
    model = LSTMAutoencoderTransformer(units=4, epochs=1, random_state=0)
    with pytest.raises(
        ValueError, match="validation_data has 3 features per timestep, but X has 2"
    ):
        model.fit(X, validation_data=rng.standard_normal((5, 33, 3)))
    model.fit(X)
    with pytest.raises(ValueError) as error:
        model.partial_fit(rng.standard_normal((10, 34, 2)))
    assert str(error.value).startswith(
        "X holds sequences of 34 timesteps, but LSTMAutoencoderTransformer was fitted on "
        "sequences of 33 timesteps, and sequence 0 of X has a value at step 33"
    )

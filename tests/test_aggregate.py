import math
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import make_pipeline

from sklearn_lstmae import LSTMAutoencoderTransformer, PiecewiseAggregate, TimestepPatches


def _reference(sequence, window):
    """Slow loop: the mean of each run of ``window`` steps, the last one partial."""
    return np.stack(
        [sequence[start : start + window].mean(axis=0) for start in range(0, len(sequence), window)]
    )


def _patches_reference(sequence, window):
    """Slow loop: pad with the last step to a multiple of ``window``, then fold."""
    steps = [
        sequence[min(t, len(sequence) - 1)] for t in range(-(-len(sequence) // window) * window)
    ]
    return np.stack(
        [np.concatenate(steps[start : start + window]) for start in range(0, len(steps), window)]
    )


@pytest.mark.parametrize("max_timesteps", [1, 3, 7, 10, 64])
@pytest.mark.parametrize("n_timesteps", [1, 10, 23])
def test_matches_a_loop_over_windows(max_timesteps, n_timesteps):
    X = np.random.default_rng(0).normal(size=(4, n_timesteps, 3))
    paa = PiecewiseAggregate(max_timesteps=max_timesteps).fit(X)
    window = max(1, math.ceil(n_timesteps / max_timesteps))
    assert paa.window_ == window
    out = paa.transform(X)
    assert out.shape == (4, math.ceil(n_timesteps / window), 3)
    assert out.shape[1] <= max_timesteps
    for sequence, short in zip(X, out):
        np.testing.assert_allclose(short, _reference(sequence, window))


def test_short_sequences_pass_unchanged():
    X = np.random.default_rng(1).normal(size=(5, 8))
    np.testing.assert_array_equal(PiecewiseAggregate(max_timesteps=8).fit_transform(X), X)


@pytest.mark.parametrize(
    "shortener, reference, width, univariate_shapes",
    [
        (PiecewiseAggregate, lambda x: _reference(x, 3), 2, [(4,), (3,), (1,)]),
        (TimestepPatches, lambda x: _patches_reference(x, 3), 6, [(4, 3), (3, 3), (1, 3)]),
    ],
)
def test_ragged_stays_ragged_and_padding_stays_padding(
    shortener, reference, width, univariate_shapes
):
    rng = np.random.default_rng(2)
    ragged = [rng.normal(size=(n, 2)) for n in (10, 7, 3)]
    fitted = shortener(max_timesteps=4).fit(ragged)
    assert fitted.window_ == 3
    out = fitted.transform(ragged)
    assert isinstance(out, list)
    assert [x.shape for x in out] == [(4, width), (3, width), (1, width)]
    for sequence, short in zip(ragged, out):
        np.testing.assert_allclose(short, reference(sequence))
    # The same sequences NaN-padded: the same values, NaN after each length.
    padded = np.full((3, 10, 2), np.nan)
    for i, sequence in enumerate(ragged):
        padded[i, : len(sequence)] = sequence
    out_padded = fitted.transform(padded)
    assert out_padded.shape == (3, 4, width)
    for short, from_padded in zip(out, out_padded):
        np.testing.assert_array_equal(from_padded[: len(short)], short)
        assert np.isnan(from_padded[len(short) :]).all()
    # Univariate sequences; a list of equal lengths gives an array.
    univariate = fitted.fit([x[:, 0] for x in ragged]).transform([x[:, 0] for x in ragged])
    assert [x.shape for x in univariate] == univariate_shapes
    same_length = fitted.fit(ragged).transform([x[:3] for x in ragged])
    assert isinstance(same_length, np.ndarray) and same_length.shape == (3, 1, width)


@pytest.mark.parametrize("shortener, channels_out", [(PiecewiseAggregate, 1), (TimestepPatches, 3)])
def test_a_pipeline_encodes_test_sequences_longer_than_the_training_ones(shortener, channels_out):
    rng = np.random.default_rng(4)
    train = [rng.normal(size=(n, 1)) for n in (30, 20, 25, 12)]
    test = [rng.normal(size=(n, 1)) for n in (40, 9)]
    pipe = make_pipeline(
        shortener(max_timesteps=10),
        LSTMAutoencoderTransformer(units=3, epochs=1, random_state=0),
    ).fit(train)
    assert pipe[-1].n_channels_in_ == channels_out  # windows of ceil(30 / 10) steps
    assert pipe.transform(test).shape == (2, 9)  # code="pooled": 3 x 3 units


@pytest.mark.parametrize("shortener", [PiecewiseAggregate, TimestepPatches])
def test_float32_stays_float32(shortener):
    X = np.ones((2, 9, 1), dtype=np.float32)
    assert shortener(max_timesteps=3).fit_transform(X).dtype == np.float32


@pytest.mark.parametrize("bad", [0, -1, 2.5, "64", None, True])
@pytest.mark.parametrize("shortener", [PiecewiseAggregate, TimestepPatches])
def test_bad_max_timesteps_is_refused(shortener, bad):
    with pytest.raises(ValueError, match="max_timesteps must be a positive integer"):
        shortener(max_timesteps=bad).fit(np.ones((2, 5)))


@pytest.mark.parametrize("shortener", [PiecewiseAggregate, TimestepPatches])
def test_wrong_shape_after_fit_is_refused(shortener):
    fitted = shortener(max_timesteps=2).fit(np.ones((2, 6, 3)))
    with pytest.raises(ValueError, match="fitted on 3 features per timestep"):
        fitted.transform(np.ones((2, 6, 2)))


@pytest.mark.parametrize("shortener", [PiecewiseAggregate, TimestepPatches])
def test_a_refused_refit_leaves_the_fitted_shortener_as_it_was(shortener):
    # validate_sequences recorded the refused data's width (12) and dropped the fitted column
    # names: the shortener then refused its own training data ("expecting 12 features").
    import pandas as pd

    X = pd.DataFrame(np.arange(16.0).reshape(2, 8), columns=[f"c{i}" for i in range(8)])
    fitted = shortener(max_timesteps=4).fit(X)
    expected = fitted.transform(X)

    def state():
        return {key: value for key, value in vars(fitted).items() if key != "feature_names_in_"}

    before = state()
    bad = np.arange(24.0).reshape(2, 12)
    bad[0, 3] = np.nan  # inside a sequence: refused
    with pytest.raises(ValueError, match="NaN timesteps before the end of a sequence"):
        fitted.fit(bad)
    np.testing.assert_array_equal(fitted.transform(X), expected)
    assert list(fitted.feature_names_in_) == list(X.columns)
    assert state() == before


def test_in_front_of_the_autoencoder_in_a_pipeline():
    rng = np.random.default_rng(3)
    X = np.sin(np.linspace(0, 6, 120))[None, :, None] + 0.1 * rng.normal(size=(12, 120, 1))
    pipe = make_pipeline(
        PiecewiseAggregate(max_timesteps=16),
        LSTMAutoencoderTransformer(units=4, epochs=2, random_state=0),
    ).fit(X)
    assert pipe[-1].n_timesteps_in_ == 15  # ceil(120 / 8)
    assert pipe.transform(X).shape == (12, 12)  # code="pooled": 3 x 4 units


def test_feature_names_only_where_the_output_has_fixed_columns():
    X = np.random.default_rng(5).normal(size=(3, 10))
    paa = PiecewiseAggregate(max_timesteps=4).fit(X)
    names = paa.get_feature_names_out()
    assert list(names) == ["step0", "step1", "step2", "step3"]
    frame = paa.set_output(transform="pandas").transform(X)
    assert list(frame.columns) == list(names) and frame.shape == (3, 4)
    with pytest.raises(ValueError, match="input_features has 3 names"):
        paa.get_feature_names_out(["a", "b", "c"])
    # Sequences out (3-D input, or windows folded into features): no columns.
    for fitted in (
        PiecewiseAggregate(max_timesteps=4).fit(X[:, :, None]),
        TimestepPatches(max_timesteps=4).fit(X),
    ):
        assert not hasattr(fitted, "get_feature_names_out")
        with pytest.raises(AttributeError) as error:
            fitted.get_feature_names_out()
        assert "which have no named columns" in str(error.value.__cause__)
    # Patches that keep one value per step name their steps like the averages.
    assert list(TimestepPatches(max_timesteps=10).fit(X).get_feature_names_out())[-1] == "step9"


@pytest.mark.parametrize("shortener", [PiecewiseAggregate, TimestepPatches])
def test_a_configured_table_refuses_sequences_that_cannot_fill_it(shortener):
    # Fitted on a 2-D table with one value per output step (patches: window 1).
    X = np.random.default_rng(6).normal(size=(4, 12))
    fitted = shortener(max_timesteps=12 if shortener is TimestepPatches else 4).fit(X)
    ragged = [X[0], X[1, :7]]
    assert isinstance(fitted.transform(ragged), list)  # default output: a list
    fitted.set_output(transform="pandas")
    assert fitted.transform(X).shape[0] == 4
    for other in (ragged, [X[0, :7], X[1, :7]]):
        with pytest.raises(ValueError, match='set_output\\(transform="default"\\)'):
            fitted.transform(other)
    fitted.set_output(transform="default")
    assert isinstance(fitted.transform(ragged), list)
    # Configured globally instead: the same refusal (it was pandas' "Length mismatch").
    unset = shortener(max_timesteps=12 if shortener is TimestepPatches else 4).fit(X)
    with config_context(transform_output="pandas"):
        assert unset.transform(X).shape[0] == 4
        with pytest.raises(ValueError, match='set_output\\(transform="default"\\)'):
            unset.transform(ragged)


@pytest.mark.parametrize("shortener", [PiecewiseAggregate, TimestepPatches])
@pytest.mark.parametrize("n_channels", [None, 2])
def test_a_pandas_pipeline_passes_sequences_through_and_names_the_codes(shortener, n_channels):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6, 20) if n_channels is None else (6, 20, n_channels))
    pipe = make_pipeline(
        shortener(max_timesteps=5), LSTMAutoencoderTransformer(units=3, epochs=1, random_state=0)
    ).set_output(transform="pandas")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        codes = pipe.fit(X).transform(X)
    assert codes.shape == (6, 9)  # code="pooled": 3 x 3 units
    assert list(codes.columns) == [f"lstmautoencodertransformer{i}" for i in range(9)]
    np.testing.assert_allclose(codes.to_numpy(), pipe[-1].transform(pipe[0].transform(X)))


# -- TimestepPatches ----------------------------------------------------------------


@pytest.mark.parametrize("max_timesteps", [1, 3, 7, 10, 64])
@pytest.mark.parametrize("n_timesteps", [1, 10, 23])
def test_patches_match_a_loop_over_windows(max_timesteps, n_timesteps):
    X = np.random.default_rng(0).normal(size=(4, n_timesteps, 3))
    patches = TimestepPatches(max_timesteps=max_timesteps).fit(X)
    window = max(1, math.ceil(n_timesteps / max_timesteps))
    assert patches.window_ == window
    out = patches.transform(X)
    assert out.shape == (4, math.ceil(n_timesteps / window), 3 * window)
    assert out.shape[1] <= max_timesteps
    for sequence, folded in zip(X, out):
        np.testing.assert_array_equal(folded, _patches_reference(sequence, window))


def test_patches_keep_every_value_in_time_order():
    X = np.random.default_rng(6).normal(size=(3, 12, 2))
    out = TimestepPatches(max_timesteps=4).fit_transform(X)
    assert out.shape == (3, 4, 6)
    np.testing.assert_array_equal(out.reshape(3, 12, 2), X)


def test_patches_pass_short_sequences_unchanged_and_fold_univariate_into_3d():
    X = np.random.default_rng(1).normal(size=(5, 8))
    np.testing.assert_array_equal(TimestepPatches(max_timesteps=8).fit_transform(X), X)
    folded = TimestepPatches(max_timesteps=4).fit_transform(X)
    np.testing.assert_array_equal(folded, X.reshape(5, 4, 2))


@pytest.mark.parametrize("shortener", [PiecewiseAggregate, TimestepPatches])
def test_set_output_stays_available_after_a_fit_on_sequences(shortener):
    X = np.random.default_rng(8).normal(size=(4, 12, 2))
    fitted = shortener(max_timesteps=4).fit(X)
    expected = fitted.transform(X)
    # Configuring after the fit works, and sequences are never wrapped.
    for transform in ("pandas", "default"):
        assert fitted.set_output(transform=transform) is fitted
        np.testing.assert_array_equal(fitted.transform(X), expected)
    assert not hasattr(fitted, "get_feature_names_out")
    # A fitted Pipeline can be switched to pandas codes and back.
    pipe = make_pipeline(
        shortener(max_timesteps=4), LSTMAutoencoderTransformer(units=2, epochs=1, random_state=0)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipe.fit(X)
    assert list(pipe.set_output(transform="pandas").transform(X).columns)[0].endswith("0")
    assert isinstance(pipe.set_output(transform="default").transform(X), np.ndarray)


@pytest.mark.parametrize("shortener", [PiecewiseAggregate, TimestepPatches])
@pytest.mark.parametrize("n_fit, n_given", [(40, 25), (40, 48), (12, 9)])
def test_an_array_of_another_width_comes_back_at_its_own(shortener, n_fit, n_given):
    rng = np.random.default_rng(0)
    fitted = shortener(max_timesteps=16).fit(rng.normal(size=(10, n_fit, 2)))
    window = fitted.window_
    given = rng.normal(size=(4, n_given, 2))
    given[:, min(n_given, n_fit) :] = np.nan  # beyond the fit's width: padding only
    out = fitted.transform(given)
    # ceil(T / window_) steps of the input's own width T, as a list of the same sequences
    # gives them (a narrower array came back at the fit's width, NaN-padded).
    assert out.shape[:2] == (4, -(-n_given // window))
    as_list = fitted.transform([sequence[: min(n_given, n_fit)] for sequence in given])
    np.testing.assert_allclose(out[:, : np.shape(as_list)[1]], as_list)
    assert np.isnan(out[:, np.shape(as_list)[1] :]).all()
    np.testing.assert_allclose(fitted.transform(given.astype(object)), out)

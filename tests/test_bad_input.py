"""Bad input and bad parameters: a clear error naming the problem, and nothing fitted lost."""

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from sklearn_lstmae import CompositeLSTMRegressor, LSTMAutoencoderTransformer

from ._helpers import TINY

RNG = np.random.RandomState(0)
X = RNG.rand(12, 6, 2)
Y = RNG.rand(12, 3)


def with_nan_inside(values):
    values = values.copy()
    values[0, 2, 0] = np.nan
    return values


def with_inf(values):
    values = values.copy()
    values[1, 1, 1] = np.inf
    return values


# (case id, bad X, bad y or None for "the good y", parameters, error type(s), message pattern)
FIT_CASES = [
    ("X-none", None, None, {}, ValueError, "X is None"),
    ("X-string", "sequences", None, {}, ValueError, "X is a string"),
    ("X-text-array", np.full((12, 6), "a"), None, {}, ValueError, "holds text"),
    ("X-objects", np.full((12, 6), {}, dtype=object), None, {}, TypeError, "dict"),
    ("X-complex", X + 1j, None, {}, ValueError, "Complex data not supported"),
    ("X-boolean", X > 0.5, None, {}, ValueError, "boolean dtype"),
    # Not scikit-learn's reshape(-1, 1) advice, which would make T sequences of one step.
    ("X-1d", X[0, :, 0], None, {}, ValueError, r"one sequence, .* pass X\.reshape\(1, -1\)"),
    ("X-scalar", 3.0, None, {}, ValueError, "Expected 2D array"),
    ("X-4d", X[..., None], None, {}, ValueError, "2-D or 3-D"),
    ("X-sparse", sp.csr_matrix(X[:, :, 0]), None, {}, TypeError, "[Ss]parse"),
    ("X-no-samples", np.empty((0, 6, 2)), None, {}, ValueError, "0 sample"),
    ("X-no-timesteps", np.empty((12, 0)), None, {}, ValueError, "0 feature"),
    ("X-no-features", np.empty((12, 6, 0)), None, {}, ValueError, "at least one timestep"),
    ("X-nan-inside", with_nan_inside(X), None, {}, ValueError, "NaN"),
    ("X-inf", with_inf(X), None, {}, ValueError, "infinity"),
    ("X-nan-gap", np.array([[1.0, np.nan, 2.0]] * 12), None, {}, ValueError, "before the end"),
    (
        "X-all-nan-row",
        np.r_[X[:11, :, 0], np.full((1, 6), np.nan)],
        None,
        {},
        ValueError,
        "length 0",
    ),
    ("X-empty-list", [], None, {}, ValueError, "empty list"),
    ("X-list-empty-seq", [X[0]] * 11 + [np.empty((0, 2))], None, {}, ValueError, "length 0"),
    (
        "X-list-all-nan",
        [X[0]] * 11 + [np.full((3, 2), np.nan)],
        None,
        {},
        ValueError,
        r"sequence 11 has no timestep \(all values NaN",
    ),
    (
        "X-list-nan-inside",
        [X[0]] * 11 + [with_nan_inside(X)[0]],
        None,
        {},
        ValueError,
        "NaN inside a timestep: sequence 11, step 2",
    ),
    (
        "X-list-features",
        [X[0]] * 11 + [np.ones((4, 3))],
        None,
        {},
        ValueError,
        "different numbers of features",
    ),
    ("X-list-text", [np.array(["a", "b"])] * 12, None, {}, ValueError, "holds text"),
    (
        "X-frame-text",
        pd.DataFrame({"t0": ["a"] * 12, "t1": np.ones(12)}),
        None,
        {},
        ValueError,
        "non-numeric columns",
    ),
    # Accepted while a boolean array was refused.
    ("X-frame-boolean", pd.DataFrame(X[:, :, 0] > 0.5), None, {}, ValueError, "boolean columns"),
    ("X-overflow", np.full((12, 6), 1e300), None, {}, ValueError, "float32's range"),
    (
        "X-overflows-training",
        X * 1e37,
        None,
        {"standardize": False, "learning_rate": 1.0},
        ValueError,
        "diverged",
    ),
    ("units-zero", X, None, {"units": 0}, ValueError, "units"),
    ("units-negative", X, None, {"units": (8, -3)}, ValueError, "units"),
    ("units-string", X, None, {"units": "64"}, ValueError, "units"),
    ("latent-dim-zero", X, None, {"latent_dim": 0}, ValueError, "latent_dim"),
    ("epochs-zero", X, None, {"epochs": 0}, ValueError, "epochs"),
    ("epochs-negative", X, None, {"epochs": -5}, ValueError, "epochs"),
    ("epochs-float", X, None, {"epochs": 2.0}, ValueError, "epochs"),
    ("batch-size-zero", X, None, {"batch_size": 0}, ValueError, "batch_size"),
    ("learning-rate-text", X, None, {"learning_rate": "fast"}, ValueError, "learning_rate"),
    ("learning-rate-negative", X, None, {"learning_rate": -1e-3}, ValueError, "learning_rate"),
    ("activation-unknown", X, None, {"activation": "swishy"}, ValueError, "activation"),
    ("cell-unknown", X, None, {"cell": "transformer"}, ValueError, "cell"),
    ("loss-unknown", X, None, {"loss": "l3"}, ValueError, "loss"),
    ("optimizer-unknown", X, None, {"optimizer": "adagrad"}, ValueError, "optimizer"),
    ("optimizer-wrong-type", X, None, {"optimizer": 3}, ValueError, "optimizer"),
    ("dropout-too-big", X, None, {"dropout": 2}, ValueError, "dropout"),
    ("random-state-text", X, None, {"random_state": "x"}, ValueError, "random_state"),
    ("verbose-text", X, None, {"verbose": "loud"}, ValueError, "verbose"),
    ("standardize-text", X, None, {"standardize": "no"}, ValueError, "standardize"),
]

REGRESSOR_CASES = [
    ("y-none", X, "none", {}, ValueError, "requires y"),
    ("y-short", X, Y[:5], {}, ValueError, "inconsistent numbers of samples"),
    ("y-nan", X, np.full((12, 3), np.nan), {}, ValueError, "NaN"),
    ("y-4d", X, np.zeros((12, 2, 2, 2)), {}, ValueError, "y must have shape"),
    ("y-text", X, np.full(12, "a"), {}, ValueError, "holds text"),
    (
        "weight-out-of-range",
        X,
        None,
        {"reconstruction_weight": 2.0},
        ValueError,
        "reconstruction_weight",
    ),
]


def _fit(estimator, X_bad, y_bad):
    if isinstance(estimator, CompositeLSTMRegressor):
        y = Y if y_bad is None else (None if isinstance(y_bad, str) else y_bad)
        return estimator.fit(X_bad, y)
    return estimator.fit(X_bad)


@pytest.fixture(scope="module")
def fitted():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            LSTMAutoencoderTransformer: LSTMAutoencoderTransformer(**TINY).fit(X),
            CompositeLSTMRegressor: CompositeLSTMRegressor(**TINY).fit(X, Y),
        }


def _outputs(estimator):
    outputs = [estimator.transform(X)]
    if isinstance(estimator, CompositeLSTMRegressor):
        outputs.append(estimator.predict(X))
    return outputs


def _assert_refused_and_kept(estimator, X_bad, y_bad, params, error, message):
    """The bad fit raises ``error`` matching ``message``; the fitted model is untouched."""
    before = _outputs(estimator)
    n_features_before, loss_curve_before = estimator.n_features_in_, estimator.loss_curve_
    original_params = estimator.get_params()
    estimator.set_params(**params)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(error, match=message):
                _fit(estimator, X_bad, y_bad)
    finally:
        estimator.set_params(**original_params)
    for a, b in zip(before, _outputs(estimator)):
        np.testing.assert_array_equal(a, b)
    assert estimator.n_features_in_ == n_features_before
    assert estimator.loss_curve_ is loss_curve_before


@pytest.mark.parametrize("Estimator", [LSTMAutoencoderTransformer, CompositeLSTMRegressor])
@pytest.mark.parametrize(
    "X_bad, y_bad, params, error, message",
    [case[1:] for case in FIT_CASES],
    ids=[case[0] for case in FIT_CASES],
)
def test_bad_fit_input_is_refused_and_the_fitted_model_kept(
    fitted, Estimator, X_bad, y_bad, params, error, message
):
    _assert_refused_and_kept(fitted[Estimator], X_bad, y_bad, params, error, message)


@pytest.mark.parametrize(
    "X_bad, y_bad, params, error, message",
    [case[1:] for case in REGRESSOR_CASES],
    ids=[case[0] for case in REGRESSOR_CASES],
)
def test_bad_targets_are_refused_and_the_fitted_model_kept(
    fitted, X_bad, y_bad, params, error, message
):
    _assert_refused_and_kept(fitted[CompositeLSTMRegressor], X_bad, y_bad, params, error, message)


PREDICT_CASES = [
    ("timesteps-beyond-fit", RNG.rand(4, 8, 2), "has a value at step 6"),
    ("features-differ", RNG.rand(4, 6, 3), "3 features per timestep"),
    ("univariate-for-multivariate", RNG.rand(4, 6), r"X is 2-D.*2 features per timestep"),
    ("nan-inside", with_nan_inside(X), "NaN"),
    ("none", None, "X is None"),
    ("one-sequence", RNG.rand(6), r"1-D array of shape \(6,\): one sequence"),
    ("list-features-differ", [RNG.rand(4, 3)], "3 features per timestep"),
]


@pytest.mark.parametrize("Estimator", [LSTMAutoencoderTransformer, CompositeLSTMRegressor])
@pytest.mark.parametrize(
    "X_bad, message", [case[1:] for case in PREDICT_CASES], ids=[case[0] for case in PREDICT_CASES]
)
def test_bad_input_after_fit_is_refused(fitted, Estimator, X_bad, message):
    estimator = fitted[Estimator]
    methods = [
        estimator.transform,
        estimator.score if Estimator is LSTMAutoencoderTransformer else estimator.predict,
    ]
    for method in methods:
        with pytest.raises(ValueError, match=message):
            method(X_bad)


# -- errors that say where the problem is ------------------------------------------
@pytest.mark.parametrize("Estimator", [LSTMAutoencoderTransformer, CompositeLSTMRegressor])
def test_a_list_of_strings_is_text_not_dimensions(fitted, Estimator):
    message = r"X holds text: sequence 0 is the string 'abc', but sequences must be numbers"
    _assert_refused_and_kept(fitted[Estimator], ["abc", "def"] * 6, None, {}, ValueError, message)
    with pytest.raises(ValueError, match=message):
        fitted[Estimator].transform(["abc", "def"])


@pytest.mark.parametrize("Estimator", [LSTMAutoencoderTransformer, CompositeLSTMRegressor])
def test_nan_errors_name_the_sequence_and_the_step(fitted, Estimator):
    estimator = fitted[Estimator]
    inside = X.copy()
    inside[7, 4, 1] = np.nan
    inside[9, 0, 0] = np.nan
    message = (
        r"NaN inside a timestep: sequence 7, step 4 has NaN in 1 of its 2 features "
        r"\(as do 1 other sequence\)"
    )
    _assert_refused_and_kept(estimator, inside, None, {}, ValueError, message)
    with pytest.raises(ValueError, match=message):
        estimator.transform(inside)

    gap = X.copy()
    gap[3, 2, :] = np.nan
    message = r"sequence 3 has an all-NaN step 2 before its last value, at step 5"
    _assert_refused_and_kept(estimator, gap, None, {}, ValueError, message)
    with pytest.raises(ValueError, match=message):
        estimator.transform(gap)


# -- a list of DataFrames: their column names are the features', checked like a 2-D frame's --
def frames(columns, n_frames=6, seed=0):
    rng = np.random.RandomState(seed)
    return [pd.DataFrame(rng.rand(5 + i % 3, 2), columns=columns) for i in range(n_frames)]


def test_list_of_dataframes_records_and_checks_the_column_names():
    fitted = frames(["temp", "pressure"])
    model = LSTMAutoencoderTransformer(**TINY).fit(fitted)
    np.testing.assert_array_equal(model.channel_names_in_, ["temp", "pressure"])
    codes = model.transform(fitted)
    # Columns are read by position: swapped ones were scored as the fit's features, silently.
    swapped = [frame[["pressure", "temp"]] for frame in fitted]
    with pytest.raises(ValueError, match=r"columns \['pressure', 'temp'\], but the sequences"):
        model.transform(swapped)
    with pytest.raises(ValueError, match="columns"):
        model.transform(frames(["a", "b"]))
    # The fix the message gives works; arrays are read by position, as scikit-learn does.
    np.testing.assert_allclose(
        model.transform([frame[model.channel_names_in_] for frame in swapped]), codes
    )
    with pytest.warns(UserWarning, match="does not have valid feature names, but"):
        np.testing.assert_allclose(model.transform([f.to_numpy() for f in fitted]), codes)
    # Names on one side only warn as scikit-learn does; a continued fit on frames checks them.
    unnamed = LSTMAutoencoderTransformer(**TINY, warm_start=True).fit(
        [f.to_numpy() for f in fitted]
    )
    with pytest.warns(UserWarning, match="X has feature names .* fitted without feature names"):
        unnamed.fit(swapped)


def test_list_of_dataframes_with_other_columns_among_themselves_is_refused_before_training():
    fitted = frames(["temp", "pressure"])
    model = LSTMAutoencoderTransformer(**TINY).fit(fitted)
    weights = model.model_.get_weights()
    mixed = fitted[:3] + frames(["pressure", "temp"], 3)
    with pytest.raises(ValueError, match=r"Sequence 3 of X has the columns .*sequence 0 has"):
        model.fit(mixed)
    # Nothing fitted is lost, the names included.
    np.testing.assert_array_equal(model.channel_names_in_, ["temp", "pressure"])
    for before, after in zip(weights, model.model_.get_weights()):
        np.testing.assert_array_equal(before, after)
    with pytest.raises(ValueError, match="validation_data have the columns"):
        LSTMAutoencoderTransformer(**TINY).fit(fitted, validation_data=frames(["a", "b"], 2))
    # A refit on arrays forgets the names, as scikit-learn forgets feature_names_in_.
    model.fit([frame.to_numpy() for frame in fitted])
    assert not hasattr(model, "channel_names_in_")


def test_a_list_of_dataframes_keeps_its_names_through_save_and_load(tmp_path):
    from sklearn_lstmae import load

    model = LSTMAutoencoderTransformer(**TINY).fit(frames(["temp", "pressure"]))
    model.save(tmp_path / "model.zip")
    loaded = load(tmp_path / "model.zip")
    np.testing.assert_array_equal(loaded.channel_names_in_, ["temp", "pressure"])
    with pytest.raises(ValueError, match="columns are read by position"):
        loaded.transform(frames(["pressure", "temp"]))


def test_one_multivariate_sequence_passed_bare_gets_the_fix():
    model = LSTMAutoencoderTransformer(**TINY).fit(X)
    # (6, 2): read as 6 univariate sequences of 2 steps; the message said "2 timesteps".
    with pytest.raises(
        ValueError, match=r"X is 2-D.*fitted on sequences of 2 features.*X\[np\.newaxis\]"
    ):
        model.transform(X[0])
    assert model.transform(X[0][np.newaxis]).shape == (1, model.get_feature_names_out().size)
    # A 2-D array as wide as the fit's timesteps got "X has 8 features, but ... is expecting
    # 8 features" in front of the explanation.
    with pytest.raises(ValueError) as caught:
        model.transform(np.zeros((3, X.shape[1])))
    assert str(caught.value).startswith("X is 2-D, which holds univariate sequences")


def test_masked_arrays_read_masked_steps_as_missing():
    model = LSTMAutoencoderTransformer(**TINY).fit(X)
    padded = X.copy()
    padded[:, 4:] = np.nan
    # Real numbers under the mask (the values np.asarray reads) were read as data.
    masked = np.ma.masked_array(np.nan_to_num(padded, nan=5.0), mask=np.isnan(padded))
    np.testing.assert_allclose(model.transform(masked), model.transform(padded))
    np.testing.assert_array_equal(
        np.isnan(model.reconstruct(masked)), np.isnan(model.reconstruct(padded))
    )
    # The same in a list of arrays, the form for sequences of different lengths.
    rebuilt = model.reconstruct([masked[0], masked[1][:5]])
    assert [len(sequence) for sequence in rebuilt] == [4, 4]
    # Booleans are refused whether or not something is masked; objects holding numbers convert.
    flags = np.ma.masked_array(X > 0.5, mask=np.isnan(padded))
    with pytest.raises(ValueError, match="boolean"):
        model.transform(flags)
    objects = np.ma.masked_array(
        np.nan_to_num(padded, nan=5.0).astype(object), mask=np.isnan(padded)
    )
    np.testing.assert_allclose(model.transform(objects), model.transform(padded))
    inside = np.ma.masked_array(X, mask=np.zeros_like(X, dtype=bool))
    inside.mask[0, 2, 0] = True
    with pytest.raises(ValueError, match="NaN"):
        model.transform(inside)
    np.testing.assert_allclose(
        model.transform(np.ma.masked_array(X)), model.transform(X)
    )  # nothing masked: the data as it is


def test_list_of_dataframes_takes_names_as_scikit_learn_does():
    # Only string column names are names (integer columns matched "0", "1" as strings before).
    numbered = LSTMAutoencoderTransformer(**TINY).fit(frames([0, 1]))
    assert not hasattr(numbered, "channel_names_in_")
    with pytest.warns(UserWarning, match="X has feature names .* fitted without feature names"):
        numbered.transform(frames(["0", "1"]))
    with pytest.raises(TypeError, match="Feature names are only supported if all input features"):
        LSTMAutoencoderTransformer(**TINY).fit(frames(["temp", 1]))


def test_masked_targets_are_missing_not_data():
    rng = np.random.RandomState(1)
    y = np.ma.masked_array(Y.copy(), mask=np.zeros(Y.shape, dtype=bool))
    y.data[2] = 1e3  # a hidden reading, trained on and scored as a target before
    y.mask[2] = True
    with pytest.raises(ValueError, match="y contains NaN"):
        CompositeLSTMRegressor(**TINY).fit(X, y)
    model = CompositeLSTMRegressor(**TINY).fit(X, Y)
    with pytest.raises(ValueError, match="NaN"):
        model.score(X, y)
    assert np.isfinite(model.score(X, np.ma.masked_array(Y)))  # nothing masked: the data
    from sklearn_lstmae import make_windows

    series = np.ma.masked_array(rng.rand(50), mask=np.arange(50) == 20)
    with pytest.raises(ValueError, match="masked array with 1 masked values"):
        make_windows(series, n_timesteps=5, n_future=2)


def test_too_long_sequences_are_counted_in_timesteps_not_patches():
    # Folded into patches of 2, 40 steps were refused as "sequences of 20 timesteps" against
    # "at most 10", with advice to cut windows of 10 steps; and 20 steps after a fit on 19 were
    # trained on by partial_fit though reconstruct refused them.
    rng = np.random.RandomState(0)
    model = LSTMAutoencoderTransformer(**TINY).fit(rng.normal(size=(4, 20, 2)))
    assert model.patch_size_ == 2
    message = r"sequences of 40 timesteps: the model rebuilds at most 20 .* at most 20 steps"
    with pytest.raises(ValueError, match="Cannot continue training on " + message):
        model.partial_fit([rng.normal(size=(40, 2))])
    with pytest.raises(ValueError, match="Cannot validate on " + message):
        LSTMAutoencoderTransformer(**TINY).fit(
            rng.normal(size=(4, 20, 2)), validation_data=[rng.normal(size=(40, 2))]
        )
    odd = LSTMAutoencoderTransformer(**TINY).fit(rng.normal(size=(4, 19, 2)))
    with pytest.raises(
        ValueError, match="sequences of 20 timesteps: the model rebuilds at most 19"
    ):
        odd.partial_fit([rng.normal(size=(20, 2))])
    odd.partial_fit([rng.normal(size=(19, 2)), rng.normal(size=(7, 2))])  # up to 19: trains

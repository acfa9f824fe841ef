"""The transformer's defaults: LSTM cells, long sequences folded inside, stopping on its own."""

import pickle
import warnings

import keras
import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_lstmae import (
    LSTMAutoencoderOutlierDetector,
    LSTMAutoencoderSeriesDetector,
    LSTMAutoencoderTransformer,
    TimestepPatches,
    load,
)

from ._helpers import TINY, make_sequences

LONG = make_sequences(n_samples=24, n_timesteps=50, n_features=2, seed=3)


def _recurrent_layers(model):
    return [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.RNN)
    ]


def test_the_default_cell_is_an_lstm():
    assert LSTMAutoencoderTransformer().cell == "lstm"
    fitted = LSTMAutoencoderTransformer(units=4, epochs=1, random_state=0).fit(LONG[:6])
    layers = _recurrent_layers(fitted.model_)
    assert layers and all(isinstance(layer, keras.layers.LSTM) for layer in layers)
    gru = LSTMAutoencoderTransformer(units=4, epochs=1, cell="gru", random_state=0).fit(LONG[:6])
    assert all(isinstance(layer, keras.layers.GRU) for layer in _recurrent_layers(gru.model_))


@pytest.fixture(scope="module")
def folded():
    return LSTMAutoencoderTransformer(**TINY, max_timesteps=16).fit(LONG)


def test_long_sequences_are_folded_into_at_most_max_timesteps(folded):
    assert folded.patch_size_ == 4  # ceil(50 / 16)
    assert folded._spec.n_timesteps == 13  # ceil(50 / 4) steps of 4 x 2 values
    assert folded._spec.n_features == 8
    assert folded.n_timesteps_in_ == 50 and folded.n_channels_in_ == 2


def test_built_in_folding_gives_the_pipeline_s_codes(folded):
    # The transformer alone computes what TimestepPatches in front computed.
    patches = TimestepPatches(max_timesteps=16).fit(LONG)
    behind = LSTMAutoencoderTransformer(**TINY, max_timesteps=None).fit(patches.transform(LONG))
    np.testing.assert_array_equal(folded.transform(LONG), behind.transform(patches.transform(LONG)))
    assert folded.loss_curve_ == behind.loss_curve_


def test_outputs_come_back_at_the_sequences_own_length(folded):
    rebuilt = folded.reconstruct(LONG)
    assert rebuilt.shape == LONG.shape
    decoded = folded.inverse_transform(folded.transform(LONG))
    np.testing.assert_allclose(decoded, rebuilt, rtol=1e-5, atol=1e-6)
    ragged = [LONG[0, :50], LONG[1, :23], LONG[2, :5]]
    rebuilt_ragged = folded.reconstruct(ragged)
    assert [len(sequence) for sequence in rebuilt_ragged] == [50, 23, 5]
    # A sequence's code does not depend on its padding or the other sequences.
    np.testing.assert_allclose(
        folded.transform(ragged)[1], folded.transform([LONG[1, :23]])[0], rtol=1e-5, atol=1e-6
    )
    short = folded.inverse_transform(folded.transform(LONG[:2]), lengths=[7, 50])
    assert [part.shape for part in short] == [(7, 2), (50, 2)]


def test_score_is_the_standardized_error_over_real_steps(folded):
    errors = (folded.reconstruct(LONG) - LONG) / folded._step_scales(50)
    assert folded.score(LONG) == pytest.approx(-np.mean(errors**2), rel=1e-4)


def test_univariate_long_sequences_fold_and_unfold():
    X = LONG[:, :, 0]
    fitted = LSTMAutoencoderTransformer(**TINY).fit(X)
    assert fitted.patch_size_ == 4
    assert fitted.reconstruct(X).shape == X.shape
    assert fitted.inverse_transform(fitted.transform(X)).shape == X.shape


def test_short_sequences_and_none_never_fold():
    assert LSTMAutoencoderTransformer(**TINY).fit(LONG[:, :16]).patch_size_ == 1
    assert LSTMAutoencoderTransformer(**TINY, max_timesteps=None).fit(LONG).patch_size_ == 1


@pytest.mark.parametrize("bad", [0, -3, 2.5, "16"])
def test_bad_max_timesteps_is_refused(bad):
    with pytest.raises(ValueError, match="max_timesteps must be a positive integer"):
        LSTMAutoencoderTransformer(**TINY, max_timesteps=bad).fit(LONG)


def test_a_folded_transformer_saves_loads_and_pickles(folded, tmp_path):
    folded.save(tmp_path / "model.lstmae")
    for copy in (load(tmp_path / "model.lstmae"), pickle.loads(pickle.dumps(folded))):
        assert copy.patch_size_ == 4
        np.testing.assert_array_equal(copy.reconstruct(LONG), folded.reconstruct(LONG))


def test_an_estimator_from_before_folding_loads_unfolded():
    original = LSTMAutoencoderTransformer(**TINY, max_timesteps=None).fit(LONG)
    state = original.__getstate__()
    del state["max_timesteps"], state["patch_size_"]  # as pickled by 0.3.0
    old = LSTMAutoencoderTransformer.__new__(LSTMAutoencoderTransformer)
    old.__setstate__(state)
    assert old.max_timesteps is None and old._patch_size == 1
    np.testing.assert_array_equal(old.reconstruct(LONG), original.reconstruct(LONG))


@pytest.mark.parametrize(
    "n_samples, early_stopping, holds_out",
    [(100, "auto", True), (90, "auto", False), (40, False, False), (40, True, True)],
)
def test_auto_early_stopping_holds_out_only_enough_sequences(n_samples, early_stopping, holds_out):
    X = make_sequences(n_samples=n_samples, n_timesteps=6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fitted = LSTMAutoencoderTransformer(**TINY, early_stopping=early_stopping).fit(X)
    assert (fitted.validation_loss_curve_ is not None) == holds_out
    if holds_out:
        assert fitted.best_loss_ == min(fitted.validation_loss_curve_)


def test_early_stopping_accepts_only_booleans_and_auto():
    with pytest.raises(ValueError, match="early_stopping"):
        LSTMAutoencoderTransformer(**TINY, early_stopping="yes").fit(LONG)


def test_the_convergence_warning_is_true_and_points_at_the_caller():
    X = make_sequences(n_samples=12)
    with pytest.warns(ConvergenceWarning) as caught:
        LSTMAutoencoderTransformer(units=8, epochs=2, random_state=0).fit(X)
    (warning,) = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    message = str(warning.message)
    assert "epochs=2" in message and "within the last 2 epochs" in message
    assert "training loss" in message and "Raise epochs" in message
    assert warning.filename == __file__


@pytest.mark.parametrize(
    ("make_estimator", "data"),
    [
        # The series detector reaches the training loop through one more frame than fit.
        (
            lambda: LSTMAutoencoderSeriesDetector(10, units=4, epochs=2, random_state=0),
            np.sin(np.arange(200) / 3.0),
        ),
        (
            lambda: LSTMAutoencoderOutlierDetector(units=4, epochs=2, random_state=0),
            make_sequences(n_samples=12),
        ),
    ],
    ids=["series detector", "outlier detector"],
)
def test_every_estimators_convergence_warning_points_at_the_caller(make_estimator, data):
    with pytest.warns(ConvergenceWarning) as caught:
        make_estimator().fit(data)
    (warning,) = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert warning.filename == __file__


def test_a_fit_that_stops_on_its_own_does_not_warn():
    # A held-out loss that stops improving ends training: no warning.
    X = make_sequences(n_samples=100, n_timesteps=8)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fitted = LSTMAutoencoderTransformer(
            units=8, epochs=400, n_iter_no_change=3, learning_rate=0.05, random_state=0
        ).fit(X)
    assert fitted.n_iter_ < 400
    assert len(fitted.validation_loss_curve_) == fitted.n_iter_

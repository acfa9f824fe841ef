"""Training users can steer and watch: stopping, validation, callbacks, warm starts, options."""

import io
import pickle
import warnings

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

from sklearn_lstmae import (
    CompositeLSTMRegressor,
    LSTMAutoencoderSeriesDetector,
    LSTMAutoencoderTransformer,
)
from sklearn_lstmae._training import Progress

from ._helpers import TINY, make_sequences

X = make_sequences(n_samples=60, n_timesteps=10)
X_VALID = make_sequences(n_samples=20, n_timesteps=10, seed=1)


def _fit_until_the_training_loss_stops(input_noise):
    """A fit on the training-loss rule (tol 1e-2, patience 3) that must stop without warning."""
    model = LSTMAutoencoderTransformer(
        units=8,
        epochs=500,
        learning_rate=1e-2,
        tol=1e-2,
        n_iter_no_change=3,
        early_stopping=False,  # the rule on the training loss
        input_noise=input_noise,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model.fit(X)
    assert model.n_iter_ < 500
    return model


def _assert_stopped_by_the_rule(curve):
    # As in MLPRegressor: each of the last n_iter_no_change epochs failed to beat
    # the best loss before it by tol, and none before them did.
    for epoch in range(len(curve) - 3, len(curve)):
        assert curve[epoch] > curve[:epoch].min() - 1e-2


def test_training_stops_when_the_loss_stops_improving():
    # Without noise the epoch's own loss is monitored (no noise-free pass).
    model = _fit_until_the_training_loss_stops(input_noise=0.0)
    curve = np.array(model.loss_curve_)
    _assert_stopped_by_the_rule(curve)
    assert model.best_loss_ == pytest.approx(curve.min())
    assert "noise_free_loss" not in model.history_


def test_with_input_noise_the_noise_free_training_loss_is_monitored():
    model = _fit_until_the_training_loss_stops(input_noise=0.5)
    noise_free = np.array(model.history_["noise_free_loss"])
    noisy = np.array(model.loss_curve_)
    assert len(noise_free) == len(noisy) == model.n_iter_ < 500
    # Measured again after each epoch without the noise: the last one is the
    # fitted model's own loss on the training sequences, below the noisy one.
    assert noise_free[-1] == pytest.approx(-model.score(X), rel=1e-4)
    assert noise_free[-1] < noisy[-1]
    _assert_stopped_by_the_rule(noise_free)  # the stopping rule ran on that curve
    assert model.best_loss_ == pytest.approx(noise_free.min())
    # partial_fit never stops early, so it never pays for the extra pass.
    partial = LSTMAutoencoderTransformer(**TINY, input_noise=0.5).partial_fit(X)
    assert "noise_free_loss" not in partial.history_
    # Continued by partial_fit, which monitors the training loss: best_loss_
    # follows that curve, not the noise-free one left by fit.
    model.partial_fit(X)
    # Every curve has an entry per epoch: NaN where it was not measured.
    assert len(model.history_["noise_free_loss"]) == len(noise_free) + 1
    assert np.isnan(model.history_["noise_free_loss"][-1])
    assert len(model.loss_curve_) == len(noisy) + 1
    assert model.best_loss_ == pytest.approx(min(model.loss_curve_))


def test_running_out_of_epochs_warns():
    with pytest.warns(ConvergenceWarning, match="Raise epochs"):
        LSTMAutoencoderTransformer(units=8, epochs=2, random_state=0).fit(X)


def test_early_stopping_restores_the_best_weights():
    model = LSTMAutoencoderTransformer(
        units=8,
        epochs=200,
        learning_rate=3e-2,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=4,
        random_state=0,
    ).fit(X)
    validation = np.array(model.validation_loss_curve_)
    assert len(validation) == model.n_iter_ == len(model.loss_curve_) < 200
    assert model.best_loss_ == pytest.approx(validation.min())
    assert model.history_ == {"loss": model.loss_curve_, "val_loss": model.validation_loss_curve_}
    # The weights kept are those of the best epoch, not the last one.
    best_epoch = int(np.argmin(validation))
    assert best_epoch < model.n_iter_ - 1
    held_out = X[np.sort(np.random.RandomState(model._seed).permutation(60)[:15])]
    assert -model.score(held_out) == pytest.approx(validation[best_epoch], rel=1e-4)


def test_explicit_validation_data_is_reported_and_monitored():
    # early_stopping=False: reported each epoch, the (noise-free) training loss monitored.
    model = LSTMAutoencoderTransformer(**{**TINY, "epochs": 4}, early_stopping=False)
    model.fit(X, validation_data=X_VALID)
    assert len(model.validation_loss_curve_) == 4
    assert model.validation_loss_curve_[-1] == pytest.approx(-model.score(X_VALID), rel=1e-4)
    # 4 epochs cannot stop on a patience of 50: no noise-free pass was paid for.
    assert "noise_free_loss" not in model.history_
    assert model.best_loss_ == min(model.loss_curve_)
    # The transformer's default early_stopping="auto" monitors given validation data.
    auto = LSTMAutoencoderTransformer(**{**TINY, "epochs": 4}).fit(X, validation_data=X_VALID)
    assert auto.best_loss_ == min(auto.validation_loss_curve_)

    composite = CompositeLSTMRegressor(**TINY).fit(
        X, X[:, -1, 0], validation_data=(X_VALID, X_VALID[:, -1, 0])
    )
    assert len(composite.validation_loss_curve_) == 3
    with pytest.raises(ValueError, match="tuple"):
        CompositeLSTMRegressor(**TINY).fit(X, X[:, -1, 0], validation_data=X_VALID)


def test_too_small_validation_split_is_explained():
    with pytest.raises(ValueError, match="validation_fraction"):
        LSTMAutoencoderTransformer(**TINY, early_stopping=True, validation_fraction=0.005).fit(X)


def test_keras_style_validation_tuples_are_explained():
    # Read as a list of two sequences, they failed with "Sequence 0 of X has 3 dimensions".
    with pytest.raises(ValueError, match=r"tuple \(X_val, y_val\) as Keras takes it.*X_val"):
        LSTMAutoencoderTransformer(**TINY).fit(X, validation_data=(X_VALID, X_VALID))
    with pytest.raises(ValueError, match="pass validation_data=X_val"):
        LSTMAutoencoderTransformer(**TINY).fit(X, validation_data=(list(X_VALID), None))
    with pytest.raises(ValueError, match=r"tuple \(X_val,\) as Keras takes it.*X_val"):
        LSTMAutoencoderTransformer(**TINY).fit(X, validation_data=(X_VALID,))
    univariate = X[:, :, 0]
    with pytest.raises(ValueError, match=r"if it is Keras's \(X_val, y_val\), pass X_val"):
        LSTMAutoencoderTransformer(**TINY).fit(
            univariate, validation_data=(X_VALID[:, :, 0], X_VALID[:, :, 0])
        )
    # Two multivariate sequences as a tuple are still sequences.
    model = LSTMAutoencoderTransformer(**TINY).fit(X, validation_data=(X_VALID[0], X_VALID[1]))
    assert len(model.validation_loss_curve_) == TINY["epochs"]


def test_validation_frames_must_have_the_columns_of_fit():
    import pandas as pd

    columns = [f"t{i}" for i in range(X.shape[1])]
    frame = pd.DataFrame(X[:, :, 0], columns=columns)
    valid = pd.DataFrame(X_VALID[:, :, 0], columns=columns)
    model = LSTMAutoencoderTransformer(**TINY).fit(frame, validation_data=valid)
    # Reversed columns were read by position: the validation loss measured scrambled time.
    with pytest.raises(ValueError, match=r"validation_data's columns .* not the columns of X"):
        model.fit(frame, validation_data=valid[columns[::-1]])
    shorter = valid[columns[:6]]  # fewer steps, in order: padded, as an array would be
    model.fit(frame, validation_data=shorter)
    y = X[:, -1, 0]
    with pytest.raises(ValueError, match="validation_data's X_val's columns"):
        CompositeLSTMRegressor(**TINY).fit(
            frame, y, validation_data=(valid[columns[::-1]], X_VALID[:, -1, 0])
        )


class RecordingCallback(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.logs = []
        self.began = self.ended = 0

    def on_train_begin(self, logs=None):
        self.began += 1
        self.weights_at_start = self.model.get_weights()

    def on_epoch_end(self, epoch, logs=None):
        self.logs.append((epoch, dict(logs)))

    def on_train_end(self, logs=None):
        self.ended += 1


def test_keras_callbacks_see_every_epoch_and_can_stop_training():
    recorder = RecordingCallback()
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=0, min_delta=10.0)
    model = LSTMAutoencoderTransformer(**{**TINY, "epochs": 50}, callbacks=[recorder, stopper]).fit(
        X, validation_data=X_VALID
    )
    assert recorder.began == recorder.ended == 1
    assert [epoch for epoch, _ in recorder.logs] == list(range(model.n_iter_))
    assert set(recorder.logs[0][1]) == {"loss", "val_loss"}
    assert recorder.logs[-1][1]["loss"] == pytest.approx(model.loss_curve_[-1])
    assert model.n_iter_ == 2  # Keras's EarlyStopping ended it (patience 0)
    # Documented: the callbacks' model is model_ during fit and None after it (not Keras's way).
    assert recorder.model is None


class FailingCallback(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise RuntimeError("the user's callback failed")


def test_a_failing_callback_leaves_the_fit_and_the_callback_clean():
    model = LSTMAutoencoderTransformer(**TINY).fit(X)
    codes = model.transform(X)
    failing = FailingCallback()
    model.set_params(callbacks=[failing])
    with pytest.raises(RuntimeError, match="the user's callback failed"):
        model.fit(X)
    # It kept .model pointing at the discarded network, which also made it unpicklable.
    assert failing.model is None
    pickle.dumps(model)
    np.testing.assert_array_equal(model.transform(X), codes)  # the earlier fit is kept


def test_callbacks_survive_clone_and_pickle():
    model = LSTMAutoencoderTransformer(**TINY, callbacks=[RecordingCallback()]).fit(X)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.transform(X), model.transform(X))
    cloned = clone(model)
    assert isinstance(cloned.callbacks[0], RecordingCallback)
    assert cloned.callbacks[0] is not model.callbacks[0]
    cloned.fit(X)
    np.testing.assert_array_equal(cloned.transform(X), model.transform(X))


def test_verbose_one_is_a_single_bar_with_losses(capsys):
    LSTMAutoencoderTransformer(**{**TINY, "verbose": 1}).fit(X, validation_data=X_VALID)
    output = capsys.readouterr().out
    assert "3/3" in output and "loss" in output and "val_loss" in output
    # One bar: no per-batch lines, at most one line per redraw.
    assert output.count("\n") <= 4


def test_verbose_one_writes_at_most_a_line_per_tenth_to_a_log(capsys):
    LSTMAutoencoderTransformer(**{**TINY, "epochs": 40, "n_iter_no_change": 100, "verbose": 1}).fit(
        X
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[1] for line in lines] == [f"{e}/40" for e in range(4, 41, 4)]
    assert all("\x1b" not in line and "\r" not in line for line in lines)


def test_verbose_one_redraws_one_line_in_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    progress = Progress(3, 1, stream=terminal)
    for epoch in range(3):
        progress.update(epoch, {"loss": 1.0 / (epoch + 1)}, last=epoch == 2)
    output = terminal.getvalue()
    assert output.count("\r") == 3 and output.endswith("\n") and output.count("\n") == 1


def test_verbose_two_prints_one_line_per_epoch(capsys):
    LSTMAutoencoderTransformer(**{**TINY, "verbose": 2}).fit(X)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(lines) == 3
    assert lines[0].startswith("Epoch 1/3 - ") and " - loss: " in lines[0]


@pytest.mark.slow  # many fits or grid searches
def test_partial_fit_on_chunks_reaches_the_loss_of_fit():
    settings = {"units": 16, "learning_rate": 5e-3, "random_state": 0}
    whole = LSTMAutoencoderTransformer(epochs=30, n_iter_no_change=1000, **settings).fit(X)
    streamed = LSTMAutoencoderTransformer(**settings)
    for _epoch in range(30):
        for chunk in np.array_split(X, 3):
            streamed.partial_fit(chunk)
    assert streamed.n_iter_ == 90
    assert streamed.score(X) >= 0.9 * whole.score(X) - 0.02  # negative errors
    assert -streamed.score(X) < 0.5 * -LSTMAutoencoderTransformer(epochs=1, **settings).fit(
        X
    ).score(X)


def test_partial_fit_refuses_other_shapes_and_keeps_the_model():
    model = LSTMAutoencoderTransformer(**TINY).partial_fit(X)
    before = model.transform(X)
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(make_sequences(n_samples=5, n_timesteps=10, n_features=3))
    np.testing.assert_array_equal(model.transform(X), before)


def test_warm_start_continues_from_the_fitted_state():
    model = LSTMAutoencoderTransformer(**TINY, warm_start=True).fit(X)
    first_curve = list(model.loss_curve_)
    model.fit(X)
    assert model.n_iter_ == 6
    assert model.loss_curve_[:3] == first_curve
    assert model.loss_curve_[3] < first_curve[0]
    cold = LSTMAutoencoderTransformer(**TINY).fit(X).fit(X)
    assert cold.n_iter_ == 3


# The classic model (LSTM cells, last state, no noise): the options below are
# changes from it. The transformer's own defaults are the first case.
CLASSIC = {"cell": "lstm", "code": "last", "input_noise": 0.0}


@pytest.mark.parametrize(
    "params, code_size",
    [
        ({"code": "pooled", "input_noise": 0.25}, 24),  # the defaults' architecture (0.4.0)
        ({"cell": "gru"}, 8),
        ({"bidirectional": True}, 16),
        ({"units": (8, 4), "bidirectional": True, "cell": "gru"}, 8),
        ({"latent_dim": 3, "latent_activation": "tanh"}, 3),
        ({"dropout": 0.2, "recurrent_dropout": 0.2}, 8),
        ({"loss": "huber"}, 8),
        ({"loss": "mae"}, 8),
        ({"optimizer": "rmsprop"}, 8),
        ({"optimizer": "sgd", "learning_rate": 0.1}, 8),
        ({"optimizer": keras.optimizers.AdamW(learning_rate=3e-3)}, 8),
        ({"dtype": "float64"}, 8),
        ({"code": "pooled"}, 24),
        ({"code": "pooled", "bidirectional": True, "cell": "gru"}, 48),
        ({"input_noise": 0.5}, 8),
        ({"input_noise": 0.3, "code": "pooled", "cell": "gru"}, 24),  # 0.3.0's, nearly
    ],
)
@pytest.mark.slow  # many fits or grid searches
def test_architecture_and_training_options(params, code_size):
    model = LSTMAutoencoderTransformer(**{**TINY, **CLASSIC, **params})
    codes = model.fit(X).transform(X)
    assert codes.shape == (60, code_size)
    assert np.all(np.isfinite(model.loss_curve_))
    np.testing.assert_allclose(model.encoder_.predict(X, verbose=0), codes, rtol=1e-4, atol=1e-5)
    if params.get("latent_dim"):
        assert model.encoder_.get_layer("encoder_bottleneck").activation.__name__ == "tanh"
    # Reproducible, dropout included.
    np.testing.assert_array_equal(clone(model).fit(X).transform(X), codes)


def test_input_noise_changes_training_but_not_inference():
    frozen = {**TINY, "epochs": 4, "learning_rate": 1e-12, "n_iter_no_change": 100}
    plain = LSTMAutoencoderTransformer(**frozen, input_noise=0.0).fit(X)
    denoising = LSTMAutoencoderTransformer(**frozen, input_noise=0.5).fit(X)
    # Turning the noise on keeps every initial weight (lr ~ 0: still the initial ones).
    for a, b in zip(plain.model_.trainable_weights, denoising.model_.trainable_weights):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=0, atol=1e-9)
    # With frozen weights the clean loss repeats; the noisy one changes with every draw.
    assert np.ptp(plain.loss_curve_) < 1e-5
    assert np.ptp(denoising.loss_curve_) > 1e-4
    # Inference never adds noise; the encoder in training mode does.
    codes = denoising.transform(X)
    np.testing.assert_allclose(codes, denoising.encoder_(X, training=False), rtol=1e-5, atol=1e-6)
    assert not np.allclose(codes, denoising.encoder_(X, training=True), atol=1e-3)
    np.testing.assert_allclose(codes, plain.transform(X), atol=1e-6)  # same weights, codes
    assert "GaussianNoise" not in {type(layer).__name__ for layer in plain.encoder_.layers}


def test_partial_fit_draws_new_noise_for_every_chunk():
    frozen = {**TINY, "learning_rate": 1e-12, "input_noise": 0.5}
    model = LSTMAutoencoderTransformer(**frozen)
    losses = [model.partial_fit(X).loss_curve_[-1] for _ in range(4)]
    assert len(set(losses)) == 4  # a replayed noise pattern would repeat the loss
    again = LSTMAutoencoderTransformer(**frozen)
    assert [again.partial_fit(X).loss_curve_[-1] for _ in range(4)] == losses  # reproducible


@pytest.mark.parametrize(
    "change",
    [
        {"units": 16},
        {"input_noise": 0.0},
        {"cell": "gru"},
        {"code": "last"},
        # Not architecture, but settled by the first fit (the scales, the patches): these were
        # ignored silently by a continued fit.
        {"standardize": False},
        {"max_timesteps": 4},
    ],
)
def test_continuing_with_another_architecture_is_refused(change):
    model = LSTMAutoencoderTransformer(**TINY).fit(X)
    codes, curve = model.transform(X), list(model.loss_curve_)
    model.set_params(warm_start=True, **change)
    with pytest.raises(ValueError, match=f"{next(iter(change))} changed since the model was"):
        model.fit(X)
    with pytest.raises(ValueError, match="fit anew with warm_start=False"):
        model.partial_fit(X)
    np.testing.assert_array_equal(model.transform(X), codes)
    assert model.loss_curve_ == curve
    model.set_params(warm_start=False).fit(X)  # fitting anew takes the new setting
    assert model.get_params()[next(iter(change))] == change[next(iter(change))]


def test_dropout_changes_training_but_not_inference():
    plain = LSTMAutoencoderTransformer(**TINY).fit(X)
    dropped = LSTMAutoencoderTransformer(**TINY, dropout=0.5).fit(X)
    assert plain.loss_curve_ != dropped.loss_curve_
    np.testing.assert_array_equal(dropped.transform(X), dropped.transform(X))


def _excluding(optimizer, var_names):
    optimizer.exclude_from_weight_decay(var_names=var_names)
    return optimizer


@pytest.mark.parametrize(
    "params, message",
    [
        ({"cell": "rnn"}, "cell"),
        ({"bidirectional": 1}, "bidirectional"),
        ({"dropout": 1.0}, "dropout"),
        ({"recurrent_dropout": -0.1}, "recurrent_dropout"),
        ({"loss": "l1"}, "loss"),
        ({"optimizer": "adagrad"}, "optimizer"),
        ({"optimizer": keras.optimizers.Adagrad()}, "optimizer"),
        ({"optimizer": keras.optimizers.Adam(clipnorm=1.0)}, "clipnorm"),
        # Keras would spare the named weights; the compiled loop decayed them all.
        (
            {"optimizer": _excluding(keras.optimizers.AdamW(weight_decay=0.1), ["bias"])},
            "exclude_from_weight_decay is not supported",
        ),
        # Accepted before, then it crashed on resuming ('Functional' has no 'optimizer').
        (
            {"callbacks": [keras.callbacks.BackupAndRestore("backup")]},
            "BackupAndRestore .* warm_start=True",
        ),
        # Accepted before, then it never saved.
        (
            {"callbacks": [keras.callbacks.ModelCheckpoint("w.weights.h5", save_freq=1)]},
            r"save_freq=1\) saves every 1 batches.*save_freq='epoch'",
        ),
        ({"tol": -1}, "tol"),
        ({"n_iter_no_change": 0}, "n_iter_no_change"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"early_stopping": "yes"}, "early_stopping"),
        ({"warm_start": None}, "warm_start"),
        ({"callbacks": [print]}, "callbacks"),
        (
            {"callbacks": [keras.callbacks.ReduceLROnPlateau(monitor="loss")]},
            "ReduceLROnPlateau changes the learning rate",
        ),
        ({"callbacks": [keras.callbacks.LearningRateScheduler(lambda epoch: 1e-3)]}, "Schedul"),
        (
            {"callbacks": [keras.callbacks.TensorBoard(log_dir=None)]},
            "TensorBoard reads the Keras model's optimizer.*loss_curve_",
        ),
        ({"dtype": "float16"}, "dtype"),
        ({"random_state": -1}, r"random_state must be an integer in \[0, 2\*\*32 - 1\]"),
        ({"random_state": 2**40}, r"random_state must be an integer in \[0, 2\*\*32 - 1\]"),
        ({"code": "mean"}, "code"),
        ({"input_noise": -0.1}, "input_noise"),
        ({"input_noise": float("inf")}, "input_noise"),
        ({"input_noise": "0.1"}, "input_noise"),
    ],
)
def test_invalid_training_parameters_are_named(params, message):
    with pytest.raises(ValueError, match=message):
        LSTMAutoencoderTransformer(**{**TINY, **params}).fit(X)


def test_keras_progress_bar_callback_gets_the_steps_of_an_epoch(capsys):
    # ProgbarLogger read params["steps"], which model.fit sets: a KeyError at the first epoch.
    logger = keras.callbacks.ProgbarLogger()
    model = LSTMAutoencoderTransformer(**{**TINY, "callbacks": [logger]}).fit(X)
    assert model.n_iter_ == TINY["epochs"]
    assert logger.target == -(-len(X) // model.batch_size) and logger.epochs == TINY["epochs"]
    printed = capsys.readouterr().out
    assert "Epoch 3/3" in printed and "loss:" in printed


def test_early_stopping_holds_out_only_sequences_that_count():
    # Weight only on the first 10 of 100: the held-out tenth was all zeros, its loss 0 at every
    # epoch, and the fit stopped after n_iter_no_change + 1 epochs with the first epoch's weights.
    data = np.random.RandomState(0).rand(100, 8, 2)
    weights = np.zeros(100)
    weights[:10] = 1.0
    params = {**TINY, "epochs": 30, "n_iter_no_change": 5, "early_stopping": True}
    model = LSTMAutoencoderTransformer(**params).fit(data, sample_weight=weights)
    assert min(model.validation_loss_curve_) > 0
    # "auto" on 10 weighted sequences: too few to hold out 10%, so the training loss is watched.
    auto = LSTMAutoencoderTransformer(**{**params, "early_stopping": "auto"})
    assert auto.fit(data, sample_weight=weights).validation_loss_curve_ is None
    weights[4:] = 0.0
    with pytest.raises(ValueError, match="of 4 sequences of weight > 0 leaves 0 for validation"):
        LSTMAutoencoderTransformer(**params).fit(data, sample_weight=weights)


def test_sample_weight_steers_what_is_learned():
    half = len(X) // 2
    to_first = np.r_[np.ones(half), np.full(len(X) - half, 1e-3)]
    model = LSTMAutoencoderTransformer(units=8, epochs=30, learning_rate=1e-2, random_state=0)
    model.fit(X, sample_weight=to_first)
    assert model.score(X[:half]) > model.score(X[half:])
    with pytest.raises(ValueError, match="shape"):
        model.fit(X, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="non-negative"):
        model.fit(X, sample_weight=-np.ones(len(X)))


NEW_PARAMETERS = {
    "cell": "gru",
    "bidirectional": True,
    "dropout": 0.1,
    "recurrent_dropout": 0.1,
    "loss": "huber",
    "optimizer": "rmsprop",
    "tol": 1e-3,
    "n_iter_no_change": 3,
    "early_stopping": True,
    "validation_fraction": 0.2,
    "warm_start": True,
    "latent_activation": "tanh",
    "dtype": "float64",
    "code": "pooled",
    "input_noise": 0.2,
}


@pytest.mark.parametrize("Estimator", [LSTMAutoencoderTransformer, CompositeLSTMRegressor])
def test_every_parameter_survives_clone_get_and_set_params(Estimator):
    estimator = Estimator(**NEW_PARAMETERS)
    assert {k: estimator.get_params()[k] for k in NEW_PARAMETERS} == NEW_PARAMETERS
    cloned = clone(estimator)
    assert {k: cloned.get_params()[k] for k in NEW_PARAMETERS} == NEW_PARAMETERS
    reset = Estimator().set_params(**NEW_PARAMETERS)
    assert {k: reset.get_params()[k] for k in NEW_PARAMETERS} == NEW_PARAMETERS


@pytest.mark.slow  # many fits or grid searches
def test_new_parameters_in_a_grid_search():
    search = GridSearchCV(
        LSTMAutoencoderTransformer(**TINY),
        {"cell": ["lstm", "gru"], "loss": ["mse", "huber"], "bidirectional": [False, True]},
        cv=2,
    )
    search.fit(X)
    assert len(search.cv_results_["params"]) == 8
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_standardization_does_not_depend_on_the_data_units():
    # A spread below 1e-7 counted as a constant feature whenever |mean| < 1, so data in small
    # units was not standardized and trained on values near zero.
    reference = LSTMAutoencoderTransformer(**TINY).fit(X)
    tiny = LSTMAutoencoderTransformer(**TINY).fit(X * 1e-8)
    np.testing.assert_allclose(tiny._scales[0], reference._scales[0] * 1e-8, rtol=1e-9)
    np.testing.assert_allclose(tiny.transform(X * 1e-8), reference.transform(X), atol=1e-5)
    constant = X.copy()
    constant[:, :, 0] = 0.25  # a truly constant feature still divides by 1
    assert LSTMAutoencoderTransformer(**TINY).fit(constant)._scales[0][0] == 1.0


def test_float64_models_standardize_spreads_that_float32_cannot_see():
    # The constant-feature rule was float32's (a spread below 1e-7 of the mean) for every dtype:
    # a float64 model divided a level of 1e8 moving by 0.1 by 1, not by its spread.
    level = 1e8 + 0.1 * X[:, :, :1]
    model = LSTMAutoencoderTransformer(**{**TINY, "dtype": "float64"}).fit(level)
    np.testing.assert_allclose(model._scales[0], level.std(), rtol=1e-6)
    constant = np.full_like(level, 1e8 + 0.1)  # still a constant for float64
    assert LSTMAutoencoderTransformer(**{**TINY, "dtype": "float64"}).fit(constant)._scales[0] == 1


def test_a_level_that_float32_rounds_coarsely_warns_at_fit():
    # float32 networks cast before they standardize: around 1e6, values lie on a grid of 0.0625,
    # and a feature moving by units reached the model as a few levels, without a word.
    far = X.copy()
    far[:, :, 1] += 1e6
    with pytest.warns(UserWarning, match=r"Feature 1 of X lies around 1e\+06.*dtype='float64'"):
        LSTMAutoencoderTransformer(**TINY).fit(far)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # three epochs
        LSTMAutoencoderTransformer(**{**TINY, "dtype": "float64"}).fit(far)
        LSTMAutoencoderTransformer(**TINY).fit(X + 1e4)  # a grid of 1e-3 standard deviations
        LSTMAutoencoderTransformer(**{**TINY, "standardize": False}).fit(far)  # as asked
        setting = X.copy()
        setting[:, :, 1] = 5e6  # constant (a machine id): nothing to round away
        LSTMAutoencoderTransformer(**TINY).fit(setting)
    future = np.random.default_rng(0).normal(size=(len(X), 2, 1)) + 1e7
    with pytest.warns(UserWarning, match="Feature 0 of y lies around 1e\\+07"):
        CompositeLSTMRegressor(**TINY).fit(X, future)
    # Named as the user knows the feature: its column, through folded patches, in a series.
    import pandas as pd

    frames = [pd.DataFrame(np.tile(x, (4, 1)), columns=["speed", "odometer"]) for x in far]
    with pytest.warns(UserWarning) as caught:  # 40 steps: folded into patches of 3
        LSTMAutoencoderTransformer(**TINY).fit(frames)
    messages = [str(w.message) for w in caught if "lies around" in str(w.message)]
    assert len(messages) == 1 and messages[0].startswith("Feature 1 ('odometer') of X lies")
    series = pd.DataFrame(far[0], columns=["speed", "odometer"])
    with pytest.warns(UserWarning, match="Feature 1 \\('odometer'\\) of the series lies"):
        LSTMAutoencoderSeriesDetector(window_size=4, **TINY).fit(series)


def test_standardization_of_values_near_the_float64_limit():
    # Deviations past 1e154 overflowed when squared, values near 1e307 already in their sum:
    # the spread came out inf or NaN (with a RuntimeWarning) and training diverged.
    from sklearn_lstmae._training import standardization

    values = np.sin(np.arange(60.0)).reshape(3, 20, 1)
    weights = np.array([1.0, 2.0, 0.5])
    reference = standardization(values, True, weights)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for unit in (1e200, 1e307):
            mean, scale = standardization(values * unit + 5 * unit, True, weights)
            np.testing.assert_allclose(mean / unit, reference[0] + 5, rtol=1e-12)
            np.testing.assert_allclose(scale / unit, reference[1], rtol=1e-12)


def test_learning_rate_may_be_an_int_or_a_numpy_number():
    for learning_rate in (1, np.float32(0.01)):
        model = LSTMAutoencoderTransformer(**{**TINY, "learning_rate": learning_rate}).fit(X)
        assert model.n_iter_ == TINY["epochs"]


def test_loss_names_are_matched_as_keras_spells_them():
    # "MSE" was refused while optimizer="Adam" passed; Keras's long names name the same losses.
    for short, spellings in {
        "mse": ("MSE", "mean_squared_error"),
        "mae": ("MAE", "Mean_Absolute_Error"),
        "huber": ("Huber", "huber_loss"),
    }.items():
        expected = LSTMAutoencoderTransformer(**{**TINY, "loss": short}).fit(X).loss_curve_
        for spelling in spellings:
            model = LSTMAutoencoderTransformer(**{**TINY, "loss": spelling}).fit(X)
            assert model.loss_curve_ == expected
            assert model.get_params()["loss"] == spelling  # as given, for clone
    with pytest.raises(ValueError, match="loss must be one of .*'mean_squared_error'.*'msle'"):
        LSTMAutoencoderTransformer(loss="msle").fit(X)


def test_validation_data_beyond_float32_is_refused_by_name():
    huge = X_VALID.copy()
    huge[0, 0, 0] = 1e39  # trained on, it gave a validation loss of inf at every epoch
    with pytest.raises(ValueError, match="validation_data holds values beyond float32's range"):
        LSTMAutoencoderTransformer(**TINY).fit(X, validation_data=huge)
    y = np.full((len(X), 2), 1e39)
    with pytest.raises(ValueError, match="^y holds values beyond float32's range"):
        CompositeLSTMRegressor(**TINY).fit(X, y)


def test_a_number_as_sample_weight_and_a_bool_as_verbose(capsys):
    # Both as scikit-learn's estimators take them: one weight for every sequence; True is 1.
    by_number = LSTMAutoencoderTransformer(**TINY).fit(X, sample_weight=2.0)
    by_array = LSTMAutoencoderTransformer(**TINY).fit(X, sample_weight=np.full(len(X), 2.0))
    np.testing.assert_array_equal(by_number.transform(X), by_array.transform(X))
    by_0d_array = LSTMAutoencoderTransformer(**TINY).fit(X, sample_weight=np.array(2))
    np.testing.assert_array_equal(by_0d_array.transform(X), by_array.transform(X))
    with pytest.raises(ValueError, match="sample_weight is the boolean True: pass one number"):
        LSTMAutoencoderTransformer(**TINY).fit(X, sample_weight=True)
    LSTMAutoencoderTransformer(**{**TINY, "verbose": True}).fit(X)
    assert "Epoch 3/3" in capsys.readouterr().out  # the progress bar of verbose=1
    with pytest.raises(ValueError, match="verbose must be a non-negative integer"):
        LSTMAutoencoderTransformer(**{**TINY, "verbose": -1}).fit(X)


class SetsWeights(keras.callbacks.Callback):
    """Sets the encoder's recurrent kernel to 0.5 at the hook named."""

    def __init__(self, hook):
        super().__init__()
        setattr(self, hook, self._set)

    def _set(self, *args, **kwargs):
        layer = next(layer for layer in self.model.layers if "lstm" in layer.name.lower())
        layer.cell.kernel.assign(np.full(layer.cell.kernel.shape, 0.5))


@pytest.mark.parametrize("hook", ["on_train_begin", "on_epoch_begin"])
def test_weights_a_callback_sets_before_an_epoch_are_trained_on(hook):
    # They were thrown away: the loop read the network's weights back only after on_epoch_end.
    model = LSTMAutoencoderTransformer(
        **{**TINY, "epochs": 1}, optimizer="sgd", learning_rate=1e-12, callbacks=[SetsWeights(hook)]
    ).fit(X)
    layer = next(layer for layer in model.model_.layers if "lstm" in layer.name.lower())
    np.testing.assert_allclose(layer.cell.kernel.numpy(), 0.5, atol=1e-9)


class CountsBatches(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        self.batches = getattr(self, "batches", 0) + 1


@pytest.mark.parametrize(
    "callback, hooks",
    [
        (CountsBatches(), "CountsBatches defines on_train_batch_end"),
        (
            keras.callbacks.LambdaCallback(on_train_batch_begin=lambda batch, logs: None),
            "LambdaCallback defines on_train_batch_begin",
        ),
    ],
)
def test_batch_hooks_that_never_run_are_named(callback, hooks):
    with pytest.warns(UserWarning, match=hooks + ", which training here never calls") as record:
        LSTMAutoencoderTransformer(**TINY, callbacks=[callback]).fit(X)
    assert record[0].filename == __file__  # the user's call
    assert not hasattr(callback, "batches")


def test_keras_callbacks_that_also_act_per_epoch_are_not_warned_about(tmp_path):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        LSTMAutoencoderTransformer(
            **TINY,
            callbacks=[
                keras.callbacks.TerminateOnNaN(),
                keras.callbacks.ModelCheckpoint(
                    str(tmp_path / "w.weights.h5"), save_weights_only=True
                ),
            ],
        ).fit(X)
    assert not [w for w in record if str(w.message).startswith("callbacks:")]
    assert (tmp_path / "w.weights.h5").exists()


def test_weight_decay_exclusions_without_weight_decay_are_accepted():
    # Keras decays nothing without weight_decay, so its exclusions change nothing: they were
    # refused with the advice to set weight_decay=None, which they already had.
    optimizer = _excluding(keras.optimizers.Adam(0.01), ["bias"])
    plain = LSTMAutoencoderTransformer(**TINY, optimizer=keras.optimizers.Adam(0.01)).fit(X)
    excluding = LSTMAutoencoderTransformer(**TINY, optimizer=optimizer).fit(X)
    np.testing.assert_array_equal(excluding.transform(X), plain.transform(X))


def test_a_validation_fraction_that_leaves_nothing_to_train_on_is_to_be_lowered():
    # "Raise validation_fraction" was the advice for 0.98 of 20 sequences.
    model = LSTMAutoencoderTransformer(**TINY, early_stopping=True, validation_fraction=0.98)
    with pytest.raises(ValueError, match="leaves 20 for validation and 0 for training. Lower"):
        model.fit(np.random.RandomState(0).rand(20, 8, 2))
    model.set_params(validation_fraction=0.01)
    with pytest.raises(ValueError, match="leaves 0 for validation and 20 for training. Raise"):
        model.fit(np.random.RandomState(0).rand(20, 8, 2))


def test_a_learning_rate_that_an_optimizer_instance_overrides_is_named():
    # A search over learning_rate with an optimizer instance fitted the same model silently.
    model = LSTMAutoencoderTransformer(
        **TINY, optimizer=keras.optimizers.Adam(0.01), learning_rate=0.5
    )
    with pytest.warns(UserWarning, match=r"learning_rate=0.5 is not used.*Adam.*\(0.01\)") as rec:
        model.fit(X)
    assert rec[0].filename == __file__
    with warnings.catch_warnings(record=True) as record:  # the default rate: nothing to say
        warnings.simplefilter("always")
        LSTMAutoencoderTransformer(**TINY, optimizer=keras.optimizers.Adam(0.01)).fit(X)
    assert not [w for w in record if "is not used" in str(w.message)]

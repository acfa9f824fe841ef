"""The compiled engine computes what plain Keras computes."""

import keras
import numpy as np
import pytest

from sklearn_lstmae._engine import INFERENCE_BLOCK, OptimizerConfig, get_engine
from sklearn_lstmae._fused import fused_gru, fused_lstm, gru_forward, lstm_forward
from sklearn_lstmae._networks import NetworkSpec, build_networks

from ._helpers import needs_kernels

# (our update rule, the Keras optimizer it must reproduce): a fresh Keras one per test.
KERAS_OPTIMIZERS = {
    "adam": (OptimizerConfig("adam", 0.01), lambda: keras.optimizers.Adam(0.01)),
    "adamw": (
        OptimizerConfig("adam", 0.01, weight_decay=0.1),
        lambda: keras.optimizers.AdamW(0.01, 0.1),
    ),
    "sgd": (OptimizerConfig("sgd", 0.05), lambda: keras.optimizers.SGD(0.05)),
    "sgd-momentum": (
        OptimizerConfig("sgd", 0.05, momentum=0.9),
        lambda: keras.optimizers.SGD(0.05, momentum=0.9),
    ),
    "sgd-nesterov": (
        OptimizerConfig("sgd", 0.05, momentum=0.9, nesterov=True),
        lambda: keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    ),
    "rmsprop": (OptimizerConfig("rmsprop", 0.01), lambda: keras.optimizers.RMSprop(0.01)),
    "rmsprop-momentum": (
        OptimizerConfig("rmsprop", 0.01, momentum=0.5),
        lambda: keras.optimizers.RMSprop(0.01, momentum=0.5),
    ),
    # Keras decays the weights of every optimizer; only Adam's did here.
    "sgd-decay": (
        OptimizerConfig("sgd", 0.05, weight_decay=0.5),
        lambda: keras.optimizers.SGD(0.05, weight_decay=0.5),
    ),
    "rmsprop-decay": (
        OptimizerConfig("rmsprop", 0.01, weight_decay=0.5),
        lambda: keras.optimizers.RMSprop(0.01, weight_decay=0.5),
    ),
}


@pytest.mark.parametrize(
    "optimizer, loss",
    [(name, "mse") for name in KERAS_OPTIMIZERS] + [("adam", "mae"), ("sgd", "huber")],
)
@pytest.mark.slow  # many fits or grid searches
def test_training_matches_keras_fit_on_the_same_batches(optimizer, loss):
    ours, theirs = KERAS_OPTIMIZERS[optimizer]
    spec = NetworkSpec(n_timesteps=6, n_features=2, units=(5,), dtype="float64")
    x = np.random.RandomState(0).rand(16, 6, 2)

    model = build_networks(spec, seed=7)["model"]
    trainer = get_engine(spec).trainer(
        model, loss=loss, optimizer=ours, scales=[np.ones(2)], loss_weights=[1.0]
    )
    data = trainer.data(x, [x])
    for _ in range(3):
        trainer.run_epoch(data, np.arange(16), batch_size=8)
    trainer.write_to(model)

    reference = build_networks(spec, seed=7)["model"]
    reference.compile(optimizer=theirs(), loss=loss)
    reference.fit(x, x, batch_size=8, epochs=3, shuffle=False, verbose=0)

    # Adam and RMSprop divide by gradient magnitudes, which amplifies the last-bit
    # differences of two graphs' summation orders; a wrong rule misses by ~1e-2.
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


def test_padded_steps_and_zero_weights_do_not_move_the_weights():
    spec = NetworkSpec(n_timesteps=6, n_features=2, units=(5,), dtype="float64")
    rng = np.random.RandomState(0)
    x = rng.rand(8, 6, 2)
    padded = x.copy()
    padded[:, 4:] = np.nan
    x_extra = np.concatenate([padded, rng.rand(3, 6, 2)])

    def train(inputs, weights):
        model = build_networks(spec, seed=3)["model"]
        trainer = get_engine(spec).trainer(
            model,
            loss="mse",
            optimizer=OptimizerConfig("adam", 0.01),
            scales=[np.ones(2)],
            loss_weights=[1.0],
        )
        trainer.run_epoch(trainer.data(inputs, [inputs], weights), np.arange(len(inputs)), 64)
        return trainer.snapshot()[0]

    plain = train(padded, None)
    with_zero_weighted = train(x_extra, np.r_[np.ones(8), np.zeros(3)])
    for a, b in zip(plain, with_zero_weighted):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-10, atol=1e-12)


def test_inference_is_independent_of_the_other_sequences_passed():
    spec = NetworkSpec(n_timesteps=7, n_features=3, units=(8,))
    networks = build_networks(spec, seed=0)
    engine = get_engine(spec)
    x = np.random.RandomState(1).rand(2 * INFERENCE_BLOCK + 5, 7, 3).astype("float32")
    codes = engine.apply(networks["encoder"], "encoder", x)
    for start, stop in [(0, 1), (3, 4), (10, 77), (len(x) - 2, len(x))]:
        np.testing.assert_array_equal(
            engine.apply(networks["encoder"], "encoder", x[start:stop]), codes[start:stop]
        )
    np.testing.assert_allclose(
        codes, networks["encoder"].predict(x, verbose=0), rtol=1e-5, atol=1e-6
    )


def test_engines_are_shared_per_architecture():
    spec = NetworkSpec(n_timesteps=3, n_features=1, units=(2,))
    assert get_engine(spec) is get_engine(NetworkSpec(n_timesteps=3, n_features=1, units=(2,)))
    assert get_engine(spec) is not get_engine(NetworkSpec(n_timesteps=4, n_features=1, units=(2,)))


def test_data_without_padding_skips_the_mask_and_computes_the_same():
    spec = NetworkSpec(n_timesteps=6, n_features=2, units=(5,))
    engine = get_engine(spec)
    networks = build_networks(spec, seed=1)
    x = np.random.RandomState(2).rand(70, 6, 2).astype("float32")
    padded = np.concatenate([x, np.full((1, 6, 2), np.nan, "float32")])
    padded[-1, :3] = x[0, :3]
    unmasked = engine.apply(networks["encoder"], "encoder", x)
    masked = engine.apply(networks["encoder"], "encoder", padded)[:70]
    np.testing.assert_array_equal(unmasked, masked)
    assert ("encoder", False) in engine._inference and ("encoder", True) in engine._inference


# -- inference through the forward-only fused ops ------------------------------------
def _graph_ops(concrete_function):
    """Op types of a traced function, the bodies of its loops (map_fn) included."""
    graph_def = concrete_function.graph.as_graph_def()
    ops = {node.op for node in graph_def.node}
    for function in graph_def.library.function:
        ops.update(node.op for node in function.node_def)
    return ops


@needs_kernels
@pytest.mark.parametrize("cell", ["lstm", "gru", "lstm-relu"])
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("masked", [False, True])
def test_forward_only_ops_compute_the_training_ops(cell, return_sequences, masked):
    training, forward = {
        "lstm": (fused_lstm, lstm_forward),
        "gru": (fused_gru, gru_forward),
        "lstm-relu": (fused_lstm, lstm_forward),
    }[cell]
    options = {"activation": "relu"} if cell == "lstm-relu" else {}

    def training_op(*args, **kwargs):
        return training(*args, **kwargs, **options)

    def forward_op(*args, **kwargs):
        return forward(*args, **kwargs, **options)

    # The forward ops project each step's input inside the loop (the LSTM's
    # with its recurrent product as one), so they sum in another order: float32
    # rounding, at the outputs' scale (tanh states stay within 1; relu's grow,
    # to about 60 here).
    def agree(a, b):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6 * max(1.0, np.abs(b).max()))

    gates = 3 if cell == "gru" else 4
    rng = np.random.default_rng(0)
    x = rng.normal(size=(37, 11, 3)).astype("float32")
    kernel = rng.normal(size=(3, gates * 5)).astype("float32")
    recurrent = rng.normal(size=(5, gates * 5)).astype("float32")
    bias = rng.normal(size=(2, 15) if cell == "gru" else (gates * 5,)).astype("float32")
    mask = rng.random((37, 11)) > 0.3 if masked else None
    hidden = training_op(x, kernel, recurrent, bias, mask=mask).numpy()
    fast = forward_op(
        x, kernel, recurrent, bias, mask=mask, return_sequences=return_sequences
    ).numpy()
    agree(fast, hidden if return_sequences else hidden[:, -1])
    assert np.abs(fast).max() > 0.1  # not a trivial agreement of zeros
    # A sequence's result does not depend on the others passed with it.
    for rows in [slice(5, 6), slice(0, 20), slice(30, 37)]:
        alone = forward_op(
            x[rows],
            kernel,
            recurrent,
            bias,
            mask=None if mask is None else mask[rows],
            return_sequences=return_sequences,
        ).numpy()
        np.testing.assert_array_equal(alone, fast[rows])
    # A decoder's first layer: one input repeated over the steps.
    agree(
        forward_op(x[:, 0], kernel, recurrent, bias, repeats=7).numpy(),
        training_op(x[:, 0], kernel, recurrent, bias, repeats=7).numpy(),
    )


@needs_kernels
@pytest.mark.parametrize("cell, code", [("lstm", "last"), ("gru", "pooled")])
def test_inference_runs_the_forward_only_ops_and_computes_keras_networks(cell, code):
    # Stacked layers: the first returns sequences, the last one a code or sequences.
    spec = NetworkSpec(n_timesteps=9, n_features=2, units=(6, 4), cell=cell, code=code)
    networks = build_networks(spec, seed=3)
    engine = get_engine(spec)
    x = np.random.RandomState(4).randn(INFERENCE_BLOCK + 3, 9, 2).astype("float32")
    padded = x.copy()
    padded[::2, 6:] = np.nan  # every other sequence is 6 steps long
    codes = engine.apply(networks["encoder"], "encoder", x)
    padded_codes = engine.apply(networks["encoder"], "encoder", padded)
    decoded = engine.apply(networks["decoder"], "decoder", codes)
    np.testing.assert_allclose(codes, networks["encoder"].predict(x, verbose=0), atol=1e-5)
    np.testing.assert_allclose(
        padded_codes, networks["encoder"].predict(padded, verbose=0), atol=1e-5
    )
    np.testing.assert_allclose(decoded, networks["decoder"].predict(codes, verbose=0), atol=1e-5)
    forward, sequence = (
        f"SklearnLstmae{cell.title()}Forward",
        f"SklearnLstmae{cell.title()}Sequence",
    )
    for (name, padded_input), function in engine._inference.items():
        ops = _graph_ops(function.get_concrete_function())
        assert forward in ops and sequence not in ops, (name, padded_input)
    # Training still traces the ops with a gradient.
    assert forward not in _graph_ops(
        engine._train_function("mse", "adam", False).get_concrete_function()
    )

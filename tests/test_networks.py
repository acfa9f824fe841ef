import keras
import numpy as np
import pytest

from sklearn_lstmae._networks import NetworkSpec, build_networks


def test_classic_layout_and_shapes():
    spec = NetworkSpec(n_timesteps=9, n_features=3, units=(16,))
    networks = build_networks(spec, seed=1)
    assert networks["model"].output.shape == (None, 9, 3)
    assert networks["encoder"].output.shape == (None, 16)
    assert networks["decoder"].input.shape == (None, 16)
    assert "predictor" not in networks
    layer_types = [type(layer).__name__ for layer in networks["decoder"].layers]
    assert layer_types[1:] == ["RepeatVector", "LSTM", "TimeDistributed", "Standardization"]


def test_stacked_bottleneck_and_prediction_decoder():
    spec = NetworkSpec(
        n_timesteps=10, n_features=2, units=(16, 8), latent_dim=4, n_future=3, n_targets=5
    )
    networks = build_networks(spec)
    assert spec.code_size == 4
    assert networks["encoder"].output.shape == (None, 4)
    reconstruction, prediction = networks["model"].outputs
    assert reconstruction.shape == (None, 10, 2)
    assert prediction.shape == (None, 3, 5)
    decoder_units = [
        layer.units for layer in networks["decoder"].layers if isinstance(layer, keras.layers.LSTM)
    ]
    assert decoder_units == [8, 16]  # the decoder mirrors the encoder


def test_parts_share_weights_with_the_whole_model():
    spec = NetworkSpec(n_timesteps=5, n_features=1, units=(4,), n_future=2)
    networks = build_networks(spec)
    whole = {id(v) for v in networks["model"].weights}
    for name in ("encoder", "decoder", "predictor"):
        assert {id(v) for v in networks[name].weights} <= whole
    x = np.random.RandomState(0).rand(3, 5, 1).astype("float32")
    reconstruction, prediction = networks["model"].predict(x, verbose=0)
    codes = networks["encoder"].predict(x, verbose=0)
    np.testing.assert_allclose(
        networks["decoder"].predict(codes, verbose=0), reconstruction, rtol=1e-6
    )
    np.testing.assert_allclose(
        networks["predictor"].predict(codes, verbose=0), prediction, rtol=1e-6
    )


def test_seed_fixes_initial_weights():
    spec = NetworkSpec(n_timesteps=4, n_features=2, units=(6,))
    first = build_networks(spec, seed=3)["model"].get_weights()
    again = build_networks(spec, seed=3)["model"].get_weights()
    other = build_networks(spec, seed=4)["model"].get_weights()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other) if a.size > 1)


@pytest.mark.parametrize("spec", [NetworkSpec(3, 2, (5, 4), latent_dim=2, n_future=1)])
def test_spec_round_trips_through_plain_data(spec):
    assert NetworkSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize("mask_padding", [True, False], ids=["masked", "unmasked"])
@pytest.mark.parametrize(
    "spec",
    [
        NetworkSpec(n_timesteps=7, n_features=3, units=(6,)),
        NetworkSpec(n_timesteps=7, n_features=3, units=(6, 4), n_future=2, n_targets=2),
        NetworkSpec(n_timesteps=5, n_features=2, units=(4,), cell="gru", code="pooled"),
        NetworkSpec(n_timesteps=6, n_features=2, units=(5,), code="pooled", latent_dim=3),
    ],
    ids=["plain", "stacked-composite", "gru-pooled", "lstm-pooled-bottleneck"],
)
def test_training_template_computes_the_users_network(spec, mask_padding, monkeypatch):
    # The engine trains templates whose decoders apply the output Dense to the
    # whole sequence instead of through TimeDistributed, and whose recurrent
    # layers are FusedLSTM or FusedGRU (decoders without RepeatVector): the
    # same weights, the same outputs and the same gradients.
    import tensorflow as tf

    import sklearn_lstmae._fused as fused_module
    from sklearn_lstmae._fused import FusedGRU, FusedLSTM
    from sklearn_lstmae._kernel_build import load_fused_kernels

    users = build_networks(spec, seed=3)["model"]
    template = build_networks(
        spec, seed=0, mask_padding=mask_padding, time_distributed=False, fused=True
    )["model"]
    assert [v.shape for v in users.weights] == [v.shape for v in template.weights]
    template_layers = {type(layer).__name__ for layer in _all_layers(template)}
    assert "TimeDistributed" not in template_layers
    fused_class = {"lstm": FusedLSTM, "gru": FusedGRU}[spec.cell]
    assert fused_class.__name__ in template_layers and "RepeatVector" not in template_layers
    assert not any(isinstance(layer, (FusedLSTM, FusedGRU)) for layer in _all_layers(users))
    template.set_weights(users.get_weights())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, spec.n_timesteps, spec.n_features)).astype("float32")
    if mask_padding:
        x[1, 4:] = np.nan  # a shorter, NaN-padded sequence
    x = tf.constant(x)

    def outputs_and_gradients(model):
        with tf.GradientTape() as tape:
            outputs = tf.nest.flatten(model(x))
            loss = sum(tf.reduce_sum(tf.sin(3.0 * out)) for out in outputs)
        return outputs, tape.gradient(loss, model.trainable_variables)

    fused_runs = load_fused_kernels() is not None
    calls = []
    if fused_runs:
        function_name = f"fused_{spec.cell}"
        original = getattr(fused_module, function_name)

        def counted(*args, **kwargs):
            calls.append(kwargs.get("repeats"))
            return original(*args, **kwargs)

        monkeypatch.setattr(fused_module, function_name, counted)
    (users_out, users_grad), (template_out, template_grad) = map(
        outputs_and_gradients, (users, template)
    )
    for a, b in zip(users_out + users_grad, template_out + template_grad):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-5, atol=1e-5)
    assert max(float(tf.reduce_max(tf.abs(g))) for g in users_grad) > 1e-3  # not vacuous
    if fused_runs:
        # Every recurrent layer runs fused, masked or not.
        assert len(calls) == len(spec.units) * (3 if spec.n_future else 2)


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if isinstance(layer, keras.Model):
            yield from _all_layers(layer)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_pooled_code_starts_with_the_final_states_of_the_last_state_code(bidirectional):
    # The same seed gives the same encoder weights whatever the code; the
    # pooled code's first part must be the code="last" code: each direction's
    # final state (the backward one is at the first step), padding or not.
    def encoder(code):
        spec = NetworkSpec(
            n_timesteps=7, n_features=2, units=(5,), bidirectional=bidirectional, code=code
        )
        return build_networks(spec, seed=2)["encoder"]

    last, pooled = encoder("last"), encoder("pooled")
    x = np.random.RandomState(1).normal(size=(3, 7, 2)).astype("float32")
    x[1, 4:] = np.nan  # a shorter sequence, NaN-padded
    x[2, 1:] = np.nan
    final_states = last.predict(x, verbose=0)
    width = final_states.shape[1]
    assert width == (10 if bidirectional else 5)
    np.testing.assert_allclose(pooled.predict(x, verbose=0)[:, :width], final_states, atol=1e-6)


def test_pooling_both_directions_needs_two_equal_halves():
    from sklearn_lstmae._networks import TemporalPooling

    with pytest.raises(ValueError, match="directions must be 1 or 2"):
        TemporalPooling(directions=3)
    with pytest.raises(ValueError, match="needs an even last axis"):
        TemporalPooling(directions=2)(np.zeros((2, 3, 5), dtype="float32"))
    pooled = TemporalPooling(directions=2)(np.arange(12.0, dtype="float32").reshape(1, 3, 4))
    # Forward half at the last step, backward half at the first; then mean and max.
    np.testing.assert_array_equal(np.asarray(pooled)[0, :4], [8.0, 9.0, 2.0, 3.0])

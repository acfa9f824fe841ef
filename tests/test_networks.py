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

"""The compiled engine computes what plain Keras computes."""

import keras
import numpy as np

from sklearn_lstmae._engine import INFERENCE_BLOCK, get_engine
from sklearn_lstmae._networks import NetworkSpec, build_networks


def test_one_epoch_matches_keras_adam_on_the_same_batches():
    spec = NetworkSpec(n_timesteps=6, n_features=2, units=(5,))
    x = np.random.RandomState(0).rand(16, 6, 2).astype("float32")

    ours = build_networks(spec, seed=7)["model"]
    get_engine(spec).train(
        ours, x, [x], scales=[np.ones(2)], loss_weights=[1.0], batch_size=16,
        learning_rate=0.01, epochs=3, rng=np.random.RandomState(0),
    )

    reference = build_networks(spec, seed=7)["model"]
    reference.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    reference.fit(x, x, batch_size=16, epochs=3, shuffle=False, verbose=0)

    for a, b in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6)


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
    np.testing.assert_allclose(codes, networks["encoder"].predict(x, verbose=0), rtol=1e-5, atol=1e-6)


def test_engines_are_shared_per_architecture():
    spec = NetworkSpec(n_timesteps=3, n_features=1, units=(2,))
    assert get_engine(spec) is get_engine(NetworkSpec(n_timesteps=3, n_features=1, units=(2,)))
    assert get_engine(spec) is not get_engine(NetworkSpec(n_timesteps=4, n_features=1, units=(2,)))

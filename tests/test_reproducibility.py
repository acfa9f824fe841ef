"""Same seed, same codes; no global state touched; copies behave like the original."""

import copy
import pickle
import random

import joblib
import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.base import clone

from sklearn_lstmae import CompositeLSTMRegressor, LSTMAutoencoderTransformer

from ._helpers import TINY, make_sequences

X = make_sequences(n_samples=30)
Y = np.random.RandomState(1).rand(30, 4)


def _fit(estimator):
    return (
        estimator.fit(X, Y) if isinstance(estimator, CompositeLSTMRegressor) else estimator.fit(X)
    )


def _outputs(estimator):
    outputs = [estimator.transform(X)]
    if isinstance(estimator, CompositeLSTMRegressor):
        outputs += [estimator.predict(X), estimator.reconstruct(X)]
    else:
        outputs.append(estimator.inverse_transform(outputs[0]))
    return outputs


ESTIMATORS = [LSTMAutoencoderTransformer, CompositeLSTMRegressor]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_same_random_state_gives_identical_results(Estimator):
    first = _outputs(_fit(Estimator(**TINY)))
    second = _outputs(_fit(Estimator(**TINY)))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    other = _outputs(_fit(Estimator(**{**TINY, "random_state": 1})))
    assert not np.allclose(first[0], other[0])


@pytest.mark.parametrize("random_state", [0, None])
def test_fit_leaves_global_random_state_untouched(random_state):
    random.seed(11)
    np.random.seed(11)  # noqa: NPY002 - the global state under test
    tf.random.set_seed(11)
    keras.utils.set_random_seed(11)
    expected = (
        random.random(),
        np.random.rand(),  # noqa: NPY002 - the global state under test
        float(tf.random.uniform(())),
        float(keras.random.uniform(())),
    )

    random.seed(11)
    np.random.seed(11)  # noqa: NPY002 - the global state under test
    tf.random.set_seed(11)
    keras.utils.set_random_seed(11)
    LSTMAutoencoderTransformer(**{**TINY, "random_state": random_state}).fit(X)
    CompositeLSTMRegressor(**{**TINY, "random_state": random_state}).fit(X, Y)
    after = (
        random.random(),
        np.random.rand(),  # noqa: NPY002 - the global state under test
        float(tf.random.uniform(())),
        float(keras.random.uniform(())),
    )
    assert after == expected


def test_fit_leaves_keras_global_settings_untouched():
    before = (keras.config.dtype_policy().name, keras.config.floatx(), keras.backend.epsilon())
    LSTMAutoencoderTransformer(**TINY).fit(X)
    after = (keras.config.dtype_policy().name, keras.config.floatx(), keras.backend.epsilon())
    assert after == before


@pytest.mark.parametrize(
    "set_global",
    [
        lambda: keras.config.set_floatx("float16"),
        lambda: keras.mixed_precision.set_global_policy("mixed_float16"),
    ],
    ids=["floatx-float16", "policy-mixed_float16"],
)
@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_keras_global_dtype_settings_do_not_change_results(Estimator, set_global):
    # The estimators compute in their own dtype: a user's global floatx or mixed-precision
    # policy must not move a seeded fit (floatx once rounded the learning rate to float16).
    expected = _outputs(_fit(Estimator(**TINY)))
    before = (keras.config.floatx(), keras.config.dtype_policy().name)
    set_global()
    try:
        outputs = _outputs(_fit(Estimator(**TINY)))
    finally:
        keras.config.set_floatx(before[0])
        keras.mixed_precision.set_global_policy(before[1])
    assert (keras.config.floatx(), keras.config.dtype_policy().name) == before
    for a, b in zip(expected, outputs):
        np.testing.assert_array_equal(a, b)


def test_random_state_none_gives_different_models():
    first = LSTMAutoencoderTransformer(**{**TINY, "random_state": None}).fit(X).transform(X)
    second = LSTMAutoencoderTransformer(**{**TINY, "random_state": None}).fit(X).transform(X)
    assert not np.allclose(first, second)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "round_trip",
    [
        lambda est, tmp_path: pickle.loads(pickle.dumps(est)),
        lambda est, tmp_path: copy.deepcopy(est),
        lambda est, tmp_path: joblib.load(joblib.dump(est, tmp_path / "model.joblib")[0]),
    ],
    ids=["pickle", "deepcopy", "joblib"],
)
def test_persisted_copies_give_identical_outputs(Estimator, round_trip, tmp_path):
    fitted = _fit(Estimator(**TINY))
    restored = round_trip(fitted, tmp_path)
    for a, b in zip(_outputs(fitted), _outputs(restored)):
        np.testing.assert_array_equal(a, b)
    # The restored parts still share one set of weights.
    whole = {id(v) for v in restored.model_.weights}
    assert {id(v) for v in restored.encoder_.weights} <= whole
    assert restored.loss_curve_ == fitted.loss_curve_


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_clone_refits_to_the_same_model(Estimator):
    fitted = _fit(Estimator(**TINY))
    cloned = clone(fitted)
    assert not hasattr(cloned, "model_")
    assert cloned.get_params() == fitted.get_params()
    for a, b in zip(_outputs(fitted), _outputs(_fit(cloned))):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "bad_fit",
    [
        lambda est: est.fit(np.full((5, 12, 2), np.nan)),
        lambda est: est.fit(np.zeros((5, 3, 2, 1))),
        lambda est: est.set_params(epochs=0).fit(X),
    ],
    ids=["nan", "4-d", "bad-parameter"],
)
def test_a_failed_fit_keeps_the_previous_model(bad_fit):
    estimator = LSTMAutoencoderTransformer(**TINY).fit(X)
    before = estimator.transform(X)
    model_before = estimator.model_
    with pytest.raises(ValueError):
        bad_fit(estimator)
    assert estimator.model_ is model_before
    assert estimator.n_features_in_ == 12
    np.testing.assert_array_equal(estimator.set_params(epochs=3).transform(X), before)


def test_diverging_training_raises_and_keeps_the_previous_model():
    estimator = LSTMAutoencoderTransformer(units=8, epochs=3, random_state=0).fit(X)
    before = estimator.transform(X)
    huge = X * 1e30
    with pytest.raises(ValueError, match="diverged.*learning_rate"):
        estimator.set_params(standardize=False, learning_rate=10.0).fit(huge)
    np.testing.assert_array_equal(estimator.transform(X), before)

    fresh = LSTMAutoencoderTransformer(units=8, epochs=3, standardize=False, learning_rate=10.0)
    with pytest.raises(ValueError, match="diverged"):
        fresh.fit(huge)
    assert not hasattr(fresh, "model_")

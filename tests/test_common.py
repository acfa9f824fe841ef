"""scikit-learn's own estimator checks over every estimator, with small fast settings."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lstmae import (
    CompositeLSTMRegressor,
    LSTMAutoencoderOutlierDetector,
    LSTMAutoencoderTransformer,
    PiecewiseAggregate,
    TimestepPatches,
)

# Small networks that still learn check_regressors_train's data (R^2 > 0.5).
# float64: check_sample_weight_equivalence_on_dense_data compares a fit with
# integer weights to a fit on repeated rows at rtol=1e-7, which float32
# rounding (not the math: weights enter the loss and the standardization
# exactly as repetitions do) would miss.
FAST = {"units": 16, "epochs": 40, "learning_rate": 0.02, "random_state": 0, "dtype": "float64"}


# Every check fits networks: minutes in all, so the slow tier (CI runs it).
pytestmark = pytest.mark.slow


def expected_failed_checks(estimator):
    noisy = (LSTMAutoencoderTransformer, LSTMAutoencoderOutlierDetector)
    if isinstance(estimator, noisy) and estimator.input_noise > 0:
        return {
            "check_sample_weight_equivalence_on_dense_data": (
                "input_noise draws fresh noise for every row of every batch: a "
                "row repeated twice trains on two noise draws, a row of weight 2 "
                "on one, so weights equal repetitions in expectation, not at "
                "rtol=1e-7. The same transformer with input_noise=0 passes."
            )
        }
    return {}


@parametrize_with_checks(
    [
        # The transformer's defaults (a denoising autoencoder), and without noise.
        # (The checks' data sets are too small for early_stopping="auto" to hold out.)
        # The transformer checks compare outputs, never their accuracy: 20 epochs
        # (its default patience of 50 would let none of them stop earlier).
        LSTMAutoencoderTransformer(**{**FAST, "epochs": 20}),
        LSTMAutoencoderTransformer(**{**FAST, "epochs": 20}, input_noise=0.0),
        CompositeLSTMRegressor(**FAST),
        # The outlier checks need no accurate model: fewer epochs keep the suite short.
        LSTMAutoencoderOutlierDetector(**{**FAST, "epochs": 10}),
        PiecewiseAggregate(),
        PiecewiseAggregate(max_timesteps=3),
        TimestepPatches(),
        TimestepPatches(max_timesteps=3),
    ],
    expected_failed_checks=expected_failed_checks,
    xfail_strict=True,  # an expected failure that starts passing must be looked at
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)

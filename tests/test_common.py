"""scikit-learn's own estimator checks over every estimator, with small fast settings."""

import pytest
from sklearn.utils.estimator_checks import (
    check_sample_weight_equivalence_on_dense_data,
    parametrize_with_checks,
)

from sklearn_lstmae import (
    CompositeLSTMRegressor,
    LSTMAutoencoderOutlierDetector,
    LSTMAutoencoderSeriesDetector,
    LSTMAutoencoderTransformer,
    PiecewiseAggregate,
    TimestepPatches,
)

# Small networks that still learn check_regressors_train's data (R^2 > 0.5),
# in float32, the default dtype: on CPU its recurrent layers run the fused
# kernels users get (float64 falls back to Keras's layers, whose graphs cost
# about 60% more CPU to trace and run in this file).
FAST = {"units": 16, "epochs": 40, "learning_rate": 0.02, "random_state": 0}
# check_sample_weight_equivalence_on_dense_data compares a fit with integer
# weights to a fit on repeated rows at rtol=1e-7, which float32 rounding (not
# the math: weights enter the loss and the standardization exactly as
# repetitions do) misses; that check runs again in float64 below.
FLOAT64 = {**FAST, "dtype": "float64"}


# Every check fits networks: minutes in all, so the slow tier (CI runs it).
pytestmark = pytest.mark.slow


def expected_failed_checks(estimator):
    networks = (LSTMAutoencoderTransformer, CompositeLSTMRegressor, LSTMAutoencoderOutlierDetector)
    if not isinstance(estimator, networks):
        return {}
    reasons = ["float32 sums round differently at rtol=1e-7"]
    if getattr(estimator, "input_noise", 0) > 0:
        reasons.insert(
            0,
            "input_noise draws fresh noise for every row of every batch: a row "
            "repeated twice trains on two noise draws, a row of weight 2 on one, so "
            "weights equal repetitions in expectation only",
        )
    return {
        "check_sample_weight_equivalence_on_dense_data": (
            "; ".join(reasons) + ". In float64 and without input noise the estimator "
            "passes (test_sample_weights_equal_repetitions_in_float64_without_noise)."
        )
    }


@parametrize_with_checks(
    [
        # The transformer's defaults (a denoising autoencoder); without noise below.
        # (The checks' data sets are too small for early_stopping="auto" to hold out.)
        # The transformer checks compare outputs, never their accuracy: 20 epochs
        # (its default patience of 50 would let none of them stop earlier).
        LSTMAutoencoderTransformer(**{**FAST, "epochs": 20}),
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


# Input noise and float32 change one check's outcome only (see
# expected_failed_checks): every other check passes in float32 with noise on,
# so the float64, noise-free estimators run that one check rather than all
# fifty again.
@pytest.mark.parametrize(
    "estimator",
    [
        LSTMAutoencoderTransformer(**{**FLOAT64, "epochs": 20}, input_noise=0.0),
        LSTMAutoencoderOutlierDetector(**{**FLOAT64, "epochs": 10}, input_noise=0.0),
        CompositeLSTMRegressor(**FLOAT64),
    ],
    ids=lambda estimator: type(estimator).__name__,
)
def test_sample_weights_equal_repetitions_in_float64_without_noise(estimator):
    check_sample_weight_equivalence_on_dense_data(type(estimator).__name__, estimator)


class SeriesDetectorAsTheHarnessReadsIt(LSTMAutoencoderSeriesDetector):
    """The series detector, tagged for scikit-learn's check harness: X is 2-D.

    The detector takes a 1-D array as a univariate series as well as a 2-D one,
    and its tags say so (``one_d_array=True``), but the harness reads that tag
    as "1-D only" and would pass every check ``X[:, 0]``. Here each check's
    2-D array reaches it as one series of ``(n_points, n_features)``, its
    samples the series' time points. Only the tag differs.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array = False
        return tags


SERIES_EXPECTED_FAILURES = {
    "check_methods_sample_order_invariance": (
        "a point's score comes from the windows of its neighbours in time: reordering the "
        "points gives every point other windows"
    ),
    "check_methods_subset_invariance": (
        "scored alone or in a short batch, a point has no window of window_size points "
        "around it: its score depends on the points beside it"
    ),
    "check_fit1d": (
        "a 1-D array is a univariate series, which the detector fits by design (its own "
        "one_d_array=True tag; only this harness subclass says otherwise)"
    ),
    "check_fit2d_predict1d": (
        "a 1-D array is a univariate series: predict takes it when fit saw one feature, "
        "and refuses it, with the fitted feature count, when fit saw more"
    ),
}


@parametrize_with_checks(
    [
        SeriesDetectorAsTheHarnessReadsIt(
            window_size=2, stride=1, units=4, epochs=3, learning_rate=0.02, random_state=0
        )
    ],
    expected_failed_checks=lambda estimator: SERIES_EXPECTED_FAILURES,
    xfail_strict=True,
)
def test_series_detector_passes_scikit_learns_checks_on_2d_series(estimator, check):
    check(estimator)

"""scikit-learn's own estimator checks over every estimator, with small fast settings."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lstmae import CompositeLSTMRegressor, LSTMAutoencoderTransformer

# Small networks that still learn check_regressors_train's data (R^2 > 0.5).
FAST = {"units": 16, "epochs": 40, "learning_rate": 0.02, "random_state": 0}


@parametrize_with_checks(
    [LSTMAutoencoderTransformer(**FAST), CompositeLSTMRegressor(**FAST)],
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)

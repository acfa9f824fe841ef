"""The estimators used as scikit-learn users use them."""

import ast
import inspect
import re

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import FeatureUnion, Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_lstmae import (
    CompositeLSTMRegressor,
    LSTMAutoencoderTransformer,
    PiecewiseAggregate,
    TimestepPatches,
)


@pytest.fixture(scope="module")
def two_kinds_of_sequences():
    """Slow and fast sinusoids with random phase: a label only the shape tells."""
    rng = np.random.RandomState(0)
    n_samples, n_timesteps = 120, 20
    labels = rng.randint(0, 2, n_samples)
    frequency = np.where(labels == 1, 0.9, 0.3)[:, None]
    phase = rng.uniform(0, 2 * np.pi, (n_samples, 1))
    time = np.arange(n_timesteps)[None, :]
    X = np.sin(frequency * time + phase) + 0.1 * rng.standard_normal((n_samples, n_timesteps))
    return X, labels


def test_pipeline_to_a_classifier(two_kinds_of_sequences):
    X, labels = two_kinds_of_sequences
    pipeline = make_pipeline(
        LSTMAutoencoderTransformer(units=16, epochs=30, learning_rate=5e-3, random_state=0),
        StandardScaler(),
        LogisticRegression(),
    )
    pipeline.fit(X[:80], labels[:80])
    assert pipeline.score(X[80:], labels[80:]) >= 0.9


def test_grid_search_with_the_default_score(two_kinds_of_sequences):
    X, _ = two_kinds_of_sequences
    search = GridSearchCV(
        LSTMAutoencoderTransformer(epochs=15, learning_rate=5e-3, random_state=0),
        {"units": [2, 16]},
        cv=2,
    )
    search.fit(X)
    # More units rebuild better: the default score (negative error) must see it.
    assert search.best_params_ == {"units": 16}
    assert search.best_score_ < 0
    assert search.best_estimator_.transform(X).shape == (len(X), 48)  # pooled: 3 x 16


@pytest.mark.slow  # many fits or grid searches
def test_grid_search_over_transformer_parameters_inside_a_pipeline(two_kinds_of_sequences):
    X, labels = two_kinds_of_sequences
    pipeline = Pipeline(
        [
            ("encode", LSTMAutoencoderTransformer(epochs=10, random_state=0)),
            ("classify", LogisticRegression()),
        ]
    )
    search = GridSearchCV(
        pipeline, {"encode__units": [4, 8], "encode__latent_dim": [None, 3]}, cv=2
    )
    search.fit(X, labels)
    assert set(search.cv_results_["params"][0]) == {"encode__units", "encode__latent_dim"}
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


def test_cross_val_score(two_kinds_of_sequences):
    X, _ = two_kinds_of_sequences
    scores = cross_val_score(LSTMAutoencoderTransformer(units=4, epochs=3, random_state=0), X, cv=3)
    assert scores.shape == (3,)
    assert np.all(scores < 0)


def test_feature_union_with_pca(two_kinds_of_sequences):
    X, _ = two_kinds_of_sequences
    union = FeatureUnion(
        [
            ("lstm", LSTMAutoencoderTransformer(units=4, epochs=3, random_state=0)),
            ("pca", PCA(n_components=3)),
        ]
    )
    features = union.fit_transform(X)
    assert features.shape == (len(X), 12 + 3)  # pooled codes of 4 units, then PCA
    names = union.get_feature_names_out()
    assert names[0] == "lstm__lstmautoencodertransformer0" and names[-1] == "pca__pca2"


def test_composite_model_inside_a_pipeline():
    series = np.sin(np.arange(230) / 5.0)
    X = np.stack([series[i : i + 20] for i in range(200)])
    y = np.stack([series[i + 20 : i + 25] for i in range(200)])
    pipeline = make_pipeline(
        FunctionTransformer(lambda values: 10.0 * values),
        CompositeLSTMRegressor(units=16, epochs=25, learning_rate=5e-3, random_state=0),
    )
    pipeline.fit(X[:160], y[:160])
    assert pipeline.predict(X[160:]).shape == (40, 5)
    assert pipeline.score(X[160:], y[160:]) > 0.8


def test_composite_codes_feed_a_downstream_model(two_kinds_of_sequences):
    X, labels = two_kinds_of_sequences
    # Supervised codes: predict the sequence's own last 3 steps from its first 17.
    composite = CompositeLSTMRegressor(units=8, epochs=5, random_state=0)
    codes = composite.fit(X[:, :17], X[:, 17:]).transform(X[:, :17])
    assert codes.shape == (len(X), 8)
    assert LogisticRegression().fit(codes, labels).score(codes, labels) > 0.5


@pytest.mark.parametrize(
    "estimator_class",
    [LSTMAutoencoderTransformer, CompositeLSTMRegressor, PiecewiseAggregate, TimestepPatches],
)
def test_documented_defaults_are_the_signature_defaults(estimator_class):
    # Each "name : type, default=VALUE" line of the class docstring against
    # the default of ``name`` in the signature scikit-learn reads the
    # parameters from.
    signature = inspect.signature(estimator_class.__init__).parameters
    documented = re.findall(r"^    (\w+) : [^\n]*default=([^\n]+)$", estimator_class.__doc__, re.M)
    assert {name for name, _ in documented} == set(signature) - {"self"}
    for name, value in documented:
        value, default = ast.literal_eval(value), signature[name].default
        assert type(value) is type(default) and value == default, name


@pytest.mark.parametrize(
    "module_name", ["sklearn_lstmae", "sklearn_lstmae.distributed", "sklearn_lstmae.aeon"]
)
def test_every_public_name_has_a_runnable_example(module_name):
    # LongFormatSequences, the named tuple from_long_format returns, had none.
    import importlib

    module = importlib.import_module(module_name)
    missing = [
        name
        for name in module.__all__
        if name != "__version__"
        and (
            not callable(getattr(module, name))
            or "Examples\n" not in (getattr(module, name).__doc__ or "")
            or ">>> " not in getattr(module, name).__doc__
        )
    ]
    assert missing == []

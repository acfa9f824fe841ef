"""The README's self-contained examples run as printed, and do what their comments say."""

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

# Whole default fits: the slow tier.
pytestmark = pytest.mark.slow

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_block(heading):
    """The first Python block after ``heading`` (a line of the README)."""
    text = README.read_text()
    start = text.index(f"\n{heading}\n")
    return re.search(r"```python\n(.*?)```", text[start:], re.DOTALL).group(1)


def run_block(heading, tmp_path, monkeypatch):
    """Run the block in an empty directory; its names, and every warning it gave."""
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "readme"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(readme_block(heading), f"README: {heading}", "exec"), namespace)
    return namespace, [warning for warning in caught if warning.category is ConvergenceWarning]


def test_the_api_at_a_glance(tmp_path, monkeypatch):
    names, convergence = run_block("## The API at a glance", tmp_path, monkeypatch)
    X = names["X"]
    assert names["codes"].shape == (200, 192)
    assert names["rebuilt"].shape == X.shape and names["encoder"].patch_size_ == 2
    assert names["composite"].predict(X).shape == (200, 5)
    assert names["composite"].reconstruct(X).shape == X.shape
    assert names["clf"].predict(X).shape == (200,)
    assert convergence == []  # the comment says early stopping keeps the composite quiet


def test_the_anomaly_detection_block(tmp_path, monkeypatch):
    names, convergence = run_block("## Anomaly detection", tmp_path, monkeypatch)
    detector, X = names["detector"], names["X"]
    labels = detector.predict(X)
    assert labels[0] == -1 and set(labels) <= {-1, 1}  # the odd sequence is flagged
    np.testing.assert_allclose(
        detector.decision_function(X), detector.score_samples(X) - detector.offset_
    )
    assert detector.reconstruction_error(X).shape == X.shape
    series_detector, series = names["series_detector"], names["series"]
    assert series_detector.window_size_ == 25  # the period the block builds in
    scores = series_detector.score_timesteps(series)
    assert scores.shape == (3000,) and 2490 <= np.argmax(scores) < 2520  # the burst
    assert convergence == []


def test_the_flattening_scorer_for_targets_of_several_features():
    from sklearn.metrics import mean_squared_error
    from sklearn.model_selection import cross_val_score

    from sklearn_lstmae import CompositeLSTMRegressor, make_windows

    block = next(
        code
        for code in re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
        if "def flat(metric)" in code
    )
    namespace = {}
    exec(compile(block, "README: flat scorer", "exec"), namespace)
    time = np.arange(200)
    X, y = make_windows(np.c_[np.sin(time / 5), np.cos(time / 7)], n_timesteps=10, n_future=3)
    assert y.ndim == 3
    model = CompositeLSTMRegressor(units=8, epochs=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning at 3 epochs; the failed scoring
        plain = cross_val_score(model, X, y, cv=2, scoring="neg_mean_squared_error")
        flat = cross_val_score(model, X, y, cv=2, scoring=namespace["scoring"])
    assert np.isnan(plain).all()  # what the README says scikit-learn's own scorer gives
    assert np.isfinite(flat).all() and (flat < 0).all()
    fitted = CompositeLSTMRegressor(units=8, epochs=3, random_state=0).fit(X[:90], y[:90])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = -mean_squared_error(
            y[90:].reshape(len(y) - 90, -1), fitted.predict(X[90:]).reshape(len(y) - 90, -1)
        )
    assert namespace["scoring"](fitted, X[90:], y[90:]) == pytest.approx(expected)

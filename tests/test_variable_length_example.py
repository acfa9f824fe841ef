"""examples/variable_length.py, run fast on the real (ragged) JapaneseVowels data."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "variable_length.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("variable_length_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loads_ragged_sequences_frames_first(example):
    pytest.importorskip("aeon")
    X, y = example.load_japanese_vowels("train")
    assert isinstance(X, list) and len(X) == len(y) == 270
    assert {sequence.shape[1] for sequence in X} == {12}
    lengths = [len(sequence) for sequence in X]
    assert min(lengths) < max(lengths) <= 29
    assert len(np.unique(y)) == 9


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_runs_end_to_end_on_a_small_setting(example):
    pytest.importorskip("aeon")
    results = example.run(
        n_train=90, cv=3, baselines=False, units=16, latent_dim=8, epochs=5, learning_rate=1e-2
    )
    codes = results["LSTM autoencoder codes"]
    assert results["code_size"] == codes["n_features"] == 8
    assert results["epochs_run"] == 5
    assert results["fit_seconds"] > 0
    # Nine classes (chance 0.11): even a barely trained encoder separates speakers.
    assert codes["test_accuracy"] > 0.5
    assert 0 <= codes["cv_accuracy"] <= 1


def test_baseline_features_have_fixed_length(example):
    X = [np.ones((3, 2)), np.arange(10.0).reshape(5, 2)]
    summary = example.summary_features(X)
    np.testing.assert_allclose(summary[0], [1, 1, 0, 0])
    padded = example.zero_padded_features(X, n_timesteps=4)
    assert padded.shape == (2, 8)
    np.testing.assert_allclose(padded[0], [1, 1, 1, 1, 1, 1, 0, 0])
    np.testing.assert_allclose(padded[1], np.arange(8.0))  # cut to 4 frames


def test_main_without_aeon_says_how_to_install(example, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "aeon", None)  # `import aeon` now raises ImportError
    assert example.main() == 1
    assert 'pip install -e ".[datasets]"' in capsys.readouterr().err

"""Small data and settings shared by the tests."""

import numpy as np

# Small, quick settings: the tests check behaviour, not accuracy.
TINY = {"units": 8, "epochs": 3, "random_state": 0}


def make_sequences(n_samples=40, n_timesteps=12, n_features=2, seed=0):
    """Noisy sinusoids with random frequency and phase, shaped [samples, timesteps, features]."""
    rng = np.random.RandomState(seed)
    time = np.arange(n_timesteps)[None, :, None]
    frequency = rng.uniform(0.1, 0.5, size=(n_samples, 1, n_features))
    phase = rng.uniform(0, 2 * np.pi, size=(n_samples, 1, n_features))
    noise = 0.05 * rng.standard_normal((n_samples, n_timesteps, n_features))
    return np.sin(frequency * time + phase) + noise

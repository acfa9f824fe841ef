"""Shared session fixtures; fitted estimators are module-scoped in each test file."""

import os

# Quiet TensorFlow's C++ start-up log in test output (this test process only).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

from ._helpers import make_sequences  # noqa: E402


@pytest.fixture(scope="session")
def sequences_3d():
    return make_sequences()


@pytest.fixture(scope="session")
def sequences_2d():
    return make_sequences(n_features=1)[:, :, 0]

"""Shared session fixtures; fitted estimators are module-scoped in each test file."""

import pytest

from ._helpers import make_sequences


@pytest.fixture(scope="session")
def sequences_3d():
    return make_sequences()


@pytest.fixture(scope="session")
def sequences_2d():
    return make_sequences(n_features=1)[:, :, 0]

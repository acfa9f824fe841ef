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


# pytest-xdist's --dist loadfile (pyproject.toml) hands each test file whole to whichever worker
# is free, in collection order (--no-loadscope-reorder: by default xdist would order the files by
# their number of tests). A long file collected late keeps one worker busy while the other idles
# at the end, so the longest files (35-195 s each in one run of the suite on the 2-core VM,
# 2026-12-03) are handed out first; every other file keeps its order, and every test its order
# within its file.
_LONGEST_FIRST = (
    "test_scale_out.py",
    "test_common.py",
    "test_training.py",
    "test_engine.py",
    "test_layering.py",
    "test_examples.py",
    "test_detectors.py",
    "test_fused.py",
    "test_sequences.py",
    "test_persistence.py",
    "test_usage.py",
)


def pytest_collection_modifyitems(config, items):
    rank = {name: position for position, name in enumerate(_LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # a stable sort

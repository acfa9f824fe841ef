"""benchmarks/quality.py: its quick mode runs in-process and returns a sane table."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARK = Path(__file__).resolve().parents[1] / "benchmarks" / "quality.py"


@pytest.fixture(scope="module")
def quality():
    pytest.importorskip("aeon")
    spec = importlib.util.spec_from_file_location("quality_benchmark", BENCHMARK)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return module


def test_quick_run_gives_a_table_of_accuracies(quality, capsys):
    rows = quality.main(["--quick"])
    assert [row["dataset"] for row in rows] == list(quality.QUICK_DATASETS)
    for row in rows:
        for column in ("ours", "cv", "raw", "minirocket", "T-Loss", "TS2Vec"):
            assert np.isfinite(row[column]) and 0.0 <= row[column] <= 1.0, (column, row)
        assert row["fit s"] > 0
    printed = capsys.readouterr().out
    table = quality.format_table(rows)
    assert table in printed
    assert table.splitlines()[0].split()[:3] == ["dataset", "ours", "cv"]
    assert table.splitlines()[-1].startswith("mean")


def test_downsampling_rule_looks_only_at_the_length(quality):
    assert quality.downsampling_factor(np.zeros((3, 24, 1)), 64) == 1
    assert quality.downsampling_factor(np.zeros((3, 251, 1)), 64) == 4
    ragged = [np.arange(10.0)[:, None], np.arange(5.0)[:, None]]
    assert quality.downsampling_factor(ragged, 4) == 3
    out = quality.downsample(ragged, 3)
    assert isinstance(out, list) and [len(x) for x in out] == [4, 2]
    np.testing.assert_allclose(out[0][:, 0], [1.0, 4.0, 7.0, 9.0])
    np.testing.assert_allclose(out[1][:, 0], [1.0, 3.5])

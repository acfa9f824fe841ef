"""benchmarks/quality.py: its quick mode runs in-process and returns a sane table."""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

# Runs benchmark or example scripts (subprocesses, real data): the slow tier.
pytestmark = pytest.mark.slow

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
    rows = quality.main(["--quick", "--seeds", "0,1"])
    assert [row["dataset"] for row in rows] == list(quality.QUICK_DATASETS)
    columns = ("ours", "lowest", "highest", "cv", "+scaler", "raw", "minirocket", "T-Loss")
    for row in rows:
        for column in (*columns, "TS2Vec"):
            assert np.isfinite(row[column]) and 0.0 <= row[column] <= 1.0, (column, row)
        assert row["lowest"] <= row["ours"] <= row["highest"]  # the mean of the two seeds
        assert row["fit s"] > 0
    printed = capsys.readouterr().out
    assert "random_state 0, 1: ours, cv, +scaler, fit s are means" in printed
    table = quality.format_table(rows)
    assert table in printed
    assert table.splitlines()[0].split()[:4] == ["dataset", "ours", "lowest", "highest"]
    assert table.splitlines()[-2].startswith("mean")
    # The last line counts the fits' ConvergenceWarnings (5 epochs: each of the 2 seeds' warns).
    assert [row["warnings"] for row in rows] == [2] * len(rows)
    assert table.splitlines()[-1] == f"ConvergenceWarnings over all fits: {2 * len(rows)}"


def test_the_length_rule_is_the_librarys_timestep_patches(quality):
    from sklearn_lstmae import TimestepPatches

    assert quality.MAX_STEPS == 16
    # ArrowHead (251 steps): 16 steps of 16 values; ItalyPowerDemand (24): 12 of 2.
    assert TimestepPatches(quality.MAX_STEPS).fit_transform(np.zeros((3, 251, 1))).shape == (
        3,
        16,
        16,
    )
    assert TimestepPatches(quality.MAX_STEPS).fit(np.zeros((3, 24, 1))).window_ == 2


@pytest.mark.parametrize(
    "dataset, published", [("ItalyPowerDemand", 0.956), ("BasicMotions", 0.975)]
)
def test_the_svm_protocol_reproduces_the_raw_series_figures(quality, dataset, published):
    # The issue measured the raw series with the T-Loss/TS2Vec SVM evaluation
    # (SVC(gamma="scale") on the features as they are, C by unshuffled 5-fold
    # CV over 1e-4 ... 1e4 and inf). A scaler or another CV split would change
    # these figures (with a StandardScaler in front, BasicMotions gives 0.900).
    assert quality.raw_accuracy(*quality.load(dataset)) == pytest.approx(published, abs=5e-4)


def test_the_held_out_sets_are_other_shipped_sets_in_the_librarys_layouts(quality):
    assert set(quality.HELD_OUT_DATASETS).isdisjoint(quality.DATASETS)
    for name in quality.HELD_OUT_DATASETS:
        X_train, y_train, X_test, y_test = quality.load(name)
        assert len(X_train) == len(y_train) > 0 and len(X_test) == len(y_test) > 0
    # PickupGestureWiimoteZ is ragged (29 to 361 steps): a list, as the encoder takes it.
    ragged = quality.load("PickupGestureWiimoteZ")[0]
    assert isinstance(ragged, list) and len({len(x) for x in ragged}) > 1


def test_in_fold_cv_fits_inside_each_fold_and_never_reads_the_test_series(quality, monkeypatch):
    fitted_sizes = []
    make_encoder = quality.make_encoder

    def recording_encoder(params=None):
        encoder = make_encoder(params)
        fit = encoder.fit
        encoder.fit = lambda X, *args, **kwargs: fitted_sizes.append(len(X)) or fit(X)
        return encoder

    def no_test_series(name):
        X_train, y_train, _, _ = load(name)
        return X_train, y_train, None, None

    load = quality.load
    monkeypatch.setattr(quality, "make_encoder", recording_encoder)
    monkeypatch.setattr(quality, "load", no_test_series)
    means = quality.main(["--quick", "--in-fold"])
    (mean,) = means  # --quick: one seed
    assert 0.5 < mean <= 1.0  # ItalyPowerDemand's two classes: better than chance
    # 5 folds of ItalyPowerDemand's 67 training series: each fit sees 4/5 of them.
    assert fitted_sizes == [53, 53, 54, 54, 54]


def test_params_override_the_defaults_of_every_encoder(quality, monkeypatch, capsys):
    built = []
    make_encoder = quality.make_encoder

    def recording_encoder(params=None):
        encoder = make_encoder(params)
        built.append(encoder.get_params())
        return encoder

    monkeypatch.setattr(quality, "make_encoder", recording_encoder)
    rows = quality.main(["--quick", "--params", '{"cell": "gru", "units": 6}'])
    assert len(rows) == len(quality.QUICK_DATASETS)
    fitted = [params for params in built if params["random_state"] == 0]
    assert fitted and all(p["cell"] == "gru" and p["units"] == 6 for p in fitted)
    configuration = capsys.readouterr().out
    assert "units=6" in configuration and "cell='gru'" in configuration

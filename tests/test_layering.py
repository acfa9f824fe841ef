"""The architecture's one-way imports: the Keras-free modules stay Keras-free."""

import subprocess
import sys
from pathlib import Path

import pytest

# Fresh interpreters: the slow tier.
pytestmark = pytest.mark.slow

PACKAGE = Path(__file__).resolve().parents[1] / "sklearn_lstmae"

# Import the modules without the package's __init__ (which imports everything):
# whatever they pull in, directly or through another module, shows in sys.modules.
# One interpreter probes them in turn (a fresh one each cost ~7 s of the suite): the
# first module after which Keras shows is the one that imported it.
PROBE = """
import importlib, sys, types
package = types.ModuleType("sklearn_lstmae")
package.__path__ = [{path!r}]
sys.modules["sklearn_lstmae"] = package
for module in {modules!r}:
    importlib.import_module("sklearn_lstmae." + module)
    print(module, sorted(name for name in ("keras", "tensorflow") if name in sys.modules))
"""
KERAS_FREE = ["_windows", "_aggregate", "_sequences", "_validation"]


def test_keras_free_modules_import_nothing_from_the_keras_side():
    # _parameters, probed last, does need Keras: the same probe sees it, so the test can fail.
    modules = [*KERAS_FREE, "_parameters"]
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(path=str(PACKAGE), modules=modules)],
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.strip().splitlines()
    assert lines[: len(KERAS_FREE)] == [f"{module} []" for module in KERAS_FREE], lines
    assert lines[-1] == "_parameters ['keras', 'tensorflow']", lines


def test_persistence_imports_no_estimator():
    source = (PACKAGE / "_persistence.py").read_text()
    for module in ("_base", "_transformer", "_regressor", "_detectors"):
        assert f"from .{module} import" not in source and f"from . import {module}" not in source


def _fresh(code, *arguments):
    return subprocess.run(
        [sys.executable, *arguments, "-c", code] if code else [sys.executable, *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout


def test_importing_the_package_and_its_keras_free_helpers_starts_no_tensorflow():
    code = (
        "import sys, sklearn_lstmae\n"
        "from sklearn_lstmae import make_windows, TimestepPatches, from_long_format\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
        "sklearn_lstmae.LSTMAutoencoderTransformer\n"
        "print('tensorflow' in sys.modules)\n"
        "print(sorted(set(sklearn_lstmae.__all__) - set(dir(sklearn_lstmae))))\n"
    )
    lines = _fresh(code).splitlines()
    assert lines[0] == "False False"  # nothing Keras-side until an estimator is touched
    assert lines[1] == "True"  # the probe can fail: an estimator does start TensorFlow
    assert lines[2] == "[]"  # every public name is listed by dir()


def test_every_public_name_resolves():
    import sklearn_lstmae

    assert set(sklearn_lstmae.__all__) == {*sklearn_lstmae._PUBLIC, "__version__"}
    for name in sklearn_lstmae.__all__:
        assert getattr(sklearn_lstmae, name) is not None


def test_an_unknown_name_is_an_attribute_error():
    code = (
        "import sklearn_lstmae\n"
        "try:\n    sklearn_lstmae.Nope\nexcept AttributeError as error:\n    print(error)"
    )
    assert "has no attribute 'Nope'" in _fresh(code)


def test_load_in_a_fresh_process_knows_every_estimator(tmp_path):
    # Saved here, loaded where no estimator module was imported before load.
    from sklearn_lstmae import CompositeLSTMRegressor

    from ._helpers import TINY, make_sequences

    X = make_sequences(n_samples=20)
    path = tmp_path / "composite.lstmae"
    CompositeLSTMRegressor(**TINY).fit(X, X[:, -1, 0]).save(path)
    for import_load in (
        "from sklearn_lstmae import load",
        "from sklearn_lstmae._persistence import load",
    ):
        code = f"{import_load}\nprint(type(load({str(path)!r})).__name__)"
        assert _fresh(code).strip() == "CompositeLSTMRegressor", import_load


def test_the_loader_imports_every_module_that_registers_an_estimator():
    import sklearn_lstmae

    registering = sorted(
        path.stem for path in PACKAGE.glob("*.py") if "@register_estimator" in path.read_text()
    )
    assert sorted(sklearn_lstmae._ESTIMATOR_MODULES) == registering


def test_the_demos_help_starts_no_tensorflow():
    output = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sklearn_lstmae", "--help"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "usage: python -m sklearn_lstmae" in output.stdout
    imported = [line.rsplit("|", 1)[-1].strip() for line in output.stderr.splitlines()]
    assert "sklearn_lstmae._preflight" in imported  # the probe sees the package's modules
    assert "tensorflow" not in imported

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
PROBE = """
import sys, types
package = types.ModuleType("sklearn_lstmae")
package.__path__ = [{path!r}]
sys.modules["sklearn_lstmae"] = package
import sklearn_lstmae.{module}
print(sorted(name for name in ("keras", "tensorflow") if name in sys.modules))
"""


@pytest.mark.parametrize("module", ["_windows", "_aggregate", "_sequences", "_validation"])
def test_keras_free_modules_import_nothing_from_the_keras_side(module):
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(path=str(PACKAGE), module=module)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "[]", result.stdout


def test_the_probe_sees_keras_where_it_is_imported():
    # The same probe on a module that does need Keras: the test above can fail.
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(path=str(PACKAGE), module="_parameters")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "keras" in result.stdout


def test_persistence_imports_no_estimator():
    source = (PACKAGE / "_persistence.py").read_text()
    for module in ("_base", "_transformer", "_regressor", "_detectors"):
        assert f"from .{module} import" not in source and f"from . import {module}" not in source

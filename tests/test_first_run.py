"""A first run that explains itself: Keras's backend, the kernels' one-time build, a quiet demo."""

import json
import os
import subprocess
import sys
import tempfile

import pytest

from sklearn_lstmae import _kernel_build
from sklearn_lstmae._preflight import (
    _asks_for_help,
    _running_as_demo,
    check_keras_backend,
    configured_backend,
)

from ._helpers import new_process


# -- Keras's backend ------------------------------------------------------------
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_import_with_another_keras_backend_says_what_to_do(backend):
    # Before TensorFlow or Keras is imported: fast, and the same whether or
    # not the other backend's package is installed.
    environment = {**os.environ, "KERAS_BACKEND": backend}
    process = subprocess.run(
        [sys.executable, "-c", "import sklearn_lstmae"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 1
    last_line = process.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ImportError: sklearn_lstmae needs Keras's TensorFlow backend")
    assert f"set to use {backend!r} by the environment variable KERAS_BACKEND" in last_line
    assert "Unset KERAS_BACKEND, or set it to tensorflow" in last_line
    assert "No module named" not in process.stderr


def test_keras_json_backend_is_named_with_its_file(tmp_path):
    (tmp_path / "keras.json").write_text(json.dumps({"backend": "jax"}))
    environ = {"KERAS_HOME": str(tmp_path)}
    assert configured_backend(environ, modules={}) == (
        "jax",
        f'"backend" in {tmp_path / "keras.json"}',
    )
    with pytest.raises(ImportError, match=r"in that file, or set the environment variable"):
        check_keras_backend(environ, modules={})
    # The environment variable wins over the file, as in Keras.
    check_keras_backend({**environ, "KERAS_BACKEND": "tensorflow"}, modules={})


def test_backend_check_changes_nothing(tmp_path):
    environ = {"KERAS_HOME": str(tmp_path), "KERAS_BACKEND": "jax"}
    before = dict(environ)
    with pytest.raises(ImportError):
        check_keras_backend(environ, modules={})
    assert environ == before
    assert list(tmp_path.iterdir()) == []  # no keras.json written either


def test_backend_of_an_imported_keras_is_what_counts():
    class Config:
        @staticmethod
        def backend():
            return "jax"

    class FakeKeras:
        config = Config

    # Even with KERAS_BACKEND=tensorflow: the Keras already running uses jax.
    with pytest.raises(ImportError, match="already imported in this process"):
        check_keras_backend({"KERAS_BACKEND": "tensorflow"}, modules={"keras": FakeKeras})
    # This test process: Keras on TensorFlow, so the check passes.
    assert configured_backend()[0] == "tensorflow"
    check_keras_backend()


def test_defaults_to_tensorflow_without_variable_or_file(tmp_path):
    assert configured_backend({"KERAS_HOME": str(tmp_path)}, modules={}) == (
        "tensorflow",
        "Keras's default",
    )


# -- the demo's quiet start -------------------------------------------------------
@pytest.mark.parametrize(
    "argv, orig_argv, expected",
    [
        (["-m"], ["python", "-m", "sklearn_lstmae", "--help"], True),
        (["-m"], ["python", "-W", "ignore", "-msklearn_lstmae"], True),
        # Another module being located (its package imports this one): not the demo.
        (["-m"], ["python", "-m", "pytest", "tests"], False),
        # A script or an interactive session that imports the package: not the demo.
        (["script.py"], ["python", "script.py"], False),
        ([""], ["python"], False),
    ],
)
def test_running_as_demo(argv, orig_argv, expected):
    assert _running_as_demo(argv, orig_argv) is expected


@pytest.mark.parametrize(
    "orig_argv, expected",
    [
        (["python", "-m", "sklearn_lstmae", "--help"], True),
        (["python", "-m", "sklearn_lstmae", "-h"], True),
        (["python", "-m", "sklearn_lstmae", "--he"], True),
        (["python", "-m", "sklearn_lstmae", "--quick"], False),
        (["python", "-m", "sklearn_lstmae"], False),
    ],
)
def test_the_demos_help_is_told_apart(orig_argv, expected):
    assert _asks_for_help(orig_argv) is expected


@pytest.mark.slow  # a fresh process importing TensorFlow
def test_plain_import_leaves_the_environment_alone():
    code = "import os, sklearn_lstmae; print(os.environ.get('TF_CPP_MIN_LOG_LEVEL', 'unset'))"
    environment = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    process = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=300
    )
    assert process.returncode == 0, process.stderr[-2000:]
    assert process.stdout.strip() == "unset"


# -- the kernels' one-time build ----------------------------------------------------
@pytest.fixture
def fake_build(tmp_path, monkeypatch):
    """A fresh cache directory and a stand-in compiler; "loading" returns a marker."""
    monkeypatch.setenv(_kernel_build.CACHE_VARIABLE, str(tmp_path / "cache"))
    monkeypatch.delenv(_kernel_build.DISABLE_VARIABLE, raising=False)
    builds = []

    def build_command(compiler, output, target_flags=("-march=native",)):
        builds.append(output)
        touch = "import sys; open(sys.argv[1], 'wb').close()"
        return [sys.executable, "-c", touch, str(output)]

    monkeypatch.setattr(_kernel_build, "_build_command", build_command)
    monkeypatch.setattr(_kernel_build, "_target_flags", lambda compiler: ["-march=native"])
    monkeypatch.setattr(_kernel_build, "_load", lambda library: ("kernels", library))
    monkeypatch.setattr(_kernel_build, "_loaded", {})
    return tmp_path / "cache", builds


def test_kernel_build_is_announced_once_then_silent(fake_build, monkeypatch, capsys):
    cache, builds = fake_build
    kernels = _kernel_build.load_fused_kernels()
    assert kernels[0] == "kernels" and kernels[1].parent == cache
    err = capsys.readouterr().err
    first, second = err.strip().splitlines()
    assert first.startswith("sklearn_lstmae: building the fused CPU LSTM/GRU kernels")
    for what in ("once per machine", "20-60 s", str(cache), "SKLEARN_LSTMAE_FUSED_KERNELS=0"):
        assert what in first
    assert second.startswith("sklearn_lstmae: kernels built in ")

    # Again in this process, then in a "new process" finding the cached library: no word.
    assert _kernel_build.load_fused_kernels() == kernels
    new_process(monkeypatch)
    assert _kernel_build.load_fused_kernels() == kernels
    assert capsys.readouterr().err == ""
    # The path hashed for the cache key, then the one actual build.
    assert len([path for path in builds if path]) == 1


def test_disabled_kernels_build_nothing_and_say_nothing(fake_build, monkeypatch, capsys):
    cache, builds = fake_build
    monkeypatch.setenv(_kernel_build.DISABLE_VARIABLE, "0")
    assert _kernel_build.load_fused_kernels() is None
    assert capsys.readouterr().err == ""
    assert builds == [] and not cache.exists()


def _default_cache_at(monkeypatch, cache_home):
    """No SKLEARN_LSTMAE_CACHE_DIR: the default cache, under ``cache_home``."""
    monkeypatch.delenv(_kernel_build.CACHE_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))


def test_a_relative_xdg_cache_home_is_ignored(monkeypatch, tmp_path):
    monkeypatch.delenv(_kernel_build.CACHE_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # invalid, as the XDG spec says
    assert _kernel_build._cache_dir() == tmp_path / ".cache" / "sklearn_lstmae"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _kernel_build._cache_dir() == tmp_path / "xdg" / "sklearn_lstmae"


def test_an_unwritable_default_cache_falls_back_to_the_temporary_directory(
    fake_build, monkeypatch, tmp_path, capsys
):
    _, builds = fake_build
    blocker = tmp_path / "a_file"
    blocker.write_text("")  # nothing can be created under a file, not even by root
    _default_cache_at(monkeypatch, blocker / "cache")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    kernels = _kernel_build.load_fused_kernels()
    fallback = _kernel_build._fallback_cache_dir()
    assert fallback.parent == tmp_path / "tmp"
    assert kernels[0] == "kernels" and kernels[1].parent == fallback and kernels[1].exists()
    first = capsys.readouterr().err.splitlines()[0]
    assert first == (
        f"sklearn_lstmae: the kernel cache {blocker / 'cache' / 'sklearn_lstmae'} cannot be "
        f"written; using {fallback} instead (set SKLEARN_LSTMAE_CACHE_DIR to a directory of "
        "your own to keep the kernels between sessions)."
    )
    new_process(monkeypatch)  # the fallback's library is found again, silently
    assert _kernel_build.load_fused_kernels() == kernels
    assert capsys.readouterr().err == ""
    assert len([path for path in builds if path]) == 1


def test_a_library_already_in_an_unwritable_default_cache_is_used(
    fake_build, monkeypatch, tmp_path, capsys
):
    _, builds = fake_build
    _default_cache_at(monkeypatch, tmp_path / "home_cache")
    kernels = _kernel_build.load_fused_kernels()  # built while the cache was writable
    assert kernels[1].parent == tmp_path / "home_cache" / "sklearn_lstmae"
    capsys.readouterr()
    new_process(monkeypatch)
    monkeypatch.setattr(_kernel_build, "_can_write", lambda directory: False)  # now read-only
    assert _kernel_build.load_fused_kernels() == kernels
    assert capsys.readouterr().err == ""
    assert len([path for path in builds if path]) == 1


def test_demo_builds_the_kernels_before_timing_any_fit(monkeypatch):
    from sklearn_lstmae import _demo

    events = []
    # The demo imports it when it runs (the package starts TensorFlow lazily).
    monkeypatch.setattr(_kernel_build, "load_fused_kernels", lambda: events.append("kernels"))

    def fit_and_score(name, model, *data):
        events.append(f"fit {name}")
        return _demo.Result(name, 1, 1.0, 0.0, model)

    monkeypatch.setattr(_demo, "_fit_and_score", fit_and_score)
    _demo.run(units=4, epochs=1)
    assert events == [
        "kernels",
        "fit LSTM autoencoder codes",
        "fit raw pixels",
        "fit PCA (1)",
    ]


def test_a_process_waiting_for_anothers_build_says_so(fake_build, monkeypatch, capsys):
    import shlex
    import threading

    fcntl = pytest.importorskip("fcntl")  # POSIX: elsewhere concurrent builds take no lock
    cache, builds = fake_build
    library = _kernel_build._library_path(shlex.split(os.environ.get("CXX", "g++")))
    cache.mkdir(parents=True)
    result = []
    with open(library.with_suffix(".lock"), "w") as held:  # "another process" builds
        fcntl.flock(held, fcntl.LOCK_EX)
        waiter = threading.Thread(target=lambda: result.append(_kernel_build.load_fused_kernels()))
        waiter.start()
        waiter.join(timeout=2)
        assert waiter.is_alive()  # blocked on the lock
        # ... which "finishes": the library appears, then the lock is released.
        library.touch()
        fcntl.flock(held, fcntl.LOCK_UN)
        waiter.join(timeout=60)
    assert not waiter.is_alive()
    assert result == [("kernels", library)]
    err = capsys.readouterr().err
    assert err == (
        "sklearn_lstmae: waiting for another process to finish building the fused CPU "
        "LSTM/GRU kernels (once per machine).\n"
    )
    assert [path for path in builds if path] == []  # it built nothing itself


# -- TensorFlow's eager execution ------------------------------------------------------
def _graph_mode_calls(tmp_path):
    """Each estimator, fitted, with the calls that run its networks."""
    import numpy as np

    from sklearn_lstmae import (
        CompositeLSTMRegressor,
        LSTMAutoencoderOutlierDetector,
        LSTMAutoencoderSeriesDetector,
        LSTMAutoencoderTransformer,
        load,
    )

    from ._helpers import TINY, make_sequences

    X = make_sequences(16, 8, 2)
    series = np.sin(np.arange(120) / 4.0)
    transformer = LSTMAutoencoderTransformer(**TINY).fit(X)
    composite = CompositeLSTMRegressor(**TINY).fit(X, X[:, :3])
    detector = LSTMAutoencoderOutlierDetector(**TINY).fit(X)
    series_detector = LSTMAutoencoderSeriesDetector(window_size=10, **TINY).fit(series)
    path = tmp_path / "transformer.lstmae"
    transformer.save(path)
    return {
        "transformer.fit": (
            transformer,
            lambda: transformer.fit(X),
            lambda: transformer.transform(X),
        ),
        "transformer.transform": (transformer, lambda: transformer.transform(X), None),
        "composite.predict": (composite, lambda: composite.predict(X), None),
        "composite.partial_fit": (
            composite,
            lambda: composite.partial_fit(X, X[:, :3]),
            lambda: composite.predict(X),
        ),
        "detector.score_samples": (detector, lambda: detector.score_samples(X), None),
        "series.fit": (
            series_detector,
            lambda: series_detector.fit(series),
            lambda: series_detector.score_timesteps(series),
        ),
        "detector.fit_predict": (
            detector,
            lambda: detector.fit_predict(X),
            lambda: detector.score_samples(X),
        ),
        "series.score_timesteps": (
            series_detector,
            lambda: series_detector.score_timesteps(series),
            lambda: series_detector.score_timesteps(series),
        ),
        "load": (None, lambda: load(path), None),
    }


def test_graph_mode_gets_one_clear_error_and_leaves_fitted_estimators_alone(tmp_path):
    import numpy as np
    import tensorflow as tf

    for name, (estimator, call, output) in _graph_mode_calls(tmp_path).items():
        before = None if output is None else output()
        with tf.Graph().as_default():
            with pytest.raises(RuntimeError, match="needs TensorFlow's eager execution") as error:
                call()
        assert "disable_eager_execution" in str(error.value), name
        if output is not None:  # a failed call changed nothing of the fit
            np.testing.assert_array_equal(output(), before, err_msg=name)
        assert estimator is None or estimator.__sklearn_is_fitted__(), name


@pytest.mark.slow  # a fresh process: eager execution cannot be turned back on
def test_disabled_eager_execution_is_named_with_the_fix():
    code = (
        "import numpy as np, tensorflow as tf\n"
        "tf.compat.v1.disable_eager_execution()\n"
        "from sklearn_lstmae import LSTMAutoencoderTransformer\n"
        "LSTMAutoencoderTransformer(units=4, epochs=1).fit(np.ones((8, 5, 2)))\n"
    )
    process = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300
    )
    assert process.returncode == 1
    last_line = process.stderr.strip().splitlines()[-1]
    assert last_line.startswith("RuntimeError: sklearn_lstmae needs TensorFlow's eager execution")
    assert "tf.compat.v1.disable_eager_execution() was called" in last_line

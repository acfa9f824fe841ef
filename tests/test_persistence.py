"""Saving to one pickle-free file and loading back: exact, safe, atomic, portable."""

import glob
import hashlib
import io
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import sklearn_lstmae
from sklearn_lstmae import CompositeLSTMRegressor, LSTMAutoencoderTransformer
from sklearn_lstmae._persistence import _decode, _encode, load, save_estimator

from ._helpers import TINY

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KERAS_ATTRIBUTES = ("model_", "encoder_", "decoder_", "predictor_")

X = np.random.RandomState(0).standard_normal((30, 12, 2))
X_2D = pd.DataFrame(
    np.random.RandomState(1).standard_normal((30, 12)), columns=[f"t{i}" for i in range(12)]
)
Y = np.random.RandomState(2).rand(30, 3)

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


# -- fresh processes, started first so that they run while this one fits ------------
_WAIT_FOR = """
def wait_for(flag):
    deadline = time.monotonic() + 300
    while not os.path.exists(flag):
        if time.monotonic() > deadline:
            sys.exit(f"gave up waiting for {flag}")
        time.sleep(0.05)
"""

# Both fit the same estimator as this process (determinism across processes);
# then "loader" loads a file saved here, and "killed" dies in the middle of a save.
_CHILDREN = {
    "loader": """
        from sklearn_lstmae._persistence import load

        wait_for(folder + "/ready")
        np.save(folder + "/loaded.npy", load(folder + "/composite.lstmae").transform(X))
        """,
    "killed": """
        import signal
        import sklearn_lstmae._persistence as persistence

        wait_for(folder + "/go")
        # Die right before the rename: the new file is complete but never in place.
        persistence.os.replace = lambda *args: os.kill(os.getpid(), signal.SIGKILL)
        persistence.save_estimator(estimator, folder + "/model.lstmae")
        """,
}


@pytest.fixture(scope="module")
def children(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("children"))
    np.save(os.path.join(folder, "X.npy"), X)
    processes = {}
    for name, task in _CHILDREN.items():
        code = (
            "import os, sys, time\n"
            "import numpy as np\n"
            "from sklearn_lstmae import LSTMAutoencoderTransformer\n"
            + _WAIT_FOR
            + f"folder = {folder!r}\n"
            + "X = np.load(folder + '/X.npy')\n"
            + "estimator = LSTMAutoencoderTransformer(units=8, epochs=3, random_state=0)\n"
            + f"np.save(folder + '/codes_{name}.tmp.npy', estimator.fit_transform(X))\n"
            + f"os.replace(folder + '/codes_{name}.tmp.npy', folder + '/codes_{name}.npy')\n"
            + textwrap.dedent(task)
        )
        # The killed save cannot remove its temporary folder: keep it in the test's own.
        temporary = os.path.join(folder, f"tmp_{name}")
        processes[name] = _run_python(code, os.path.join(folder, f"{name}.log"), temporary)
    yield folder, processes
    for process in processes.values():
        if process.poll() is None:
            process.kill()
        process.wait()


# -- fitted estimators and their files ------------------------------------------
@pytest.fixture(scope="module")
def fitted(children):
    return {
        "transformer_3d": (LSTMAutoencoderTransformer(**TINY).fit(X), X, None),
        "transformer_2d": (LSTMAutoencoderTransformer(**TINY).fit(X_2D), X_2D, None),
        "composite": (CompositeLSTMRegressor(**TINY).fit(X, Y), X, Y),
        "transformer_denoising_pooled": (
            LSTMAutoencoderTransformer(**TINY, input_noise=0.3, code="pooled").fit(X),
            X,
            None,
        ),
    }


@pytest.fixture(scope="module")
def saved(fitted, tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    paths = {}
    for name, (estimator, _, _) in fitted.items():
        paths[name] = str(folder / f"{name}.lstmae")
        save_estimator(estimator, paths[name])
    return paths


def _outputs(estimator, X, y):
    """Every output of a fitted estimator, as a dict of arrays and floats."""
    codes = estimator.transform(X)
    outputs = {"transform": codes, "reconstruct": estimator.reconstruct(X)}
    if isinstance(estimator, CompositeLSTMRegressor):
        outputs["predict"] = estimator.predict(X)
        outputs["score"] = estimator.score(X, y)
    else:
        outputs["inverse_transform"] = estimator.inverse_transform(codes)
        outputs["score"] = estimator.score(X)
    return outputs


def _assert_identical(a, b, where="value"):
    """Same types, same structure, bit-identical arrays (NaN equal to NaN)."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        if a.dtype.kind in "fc":
            np.testing.assert_array_equal(a, b, err_msg=where)
            assert a.tobytes() == b.tobytes(), where
        else:
            assert a.tolist() == b.tolist(), where
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for key in a:
            _assert_identical(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            _assert_identical(x, y, f"{where}[{i}]")
    elif isinstance(a, (float, np.floating)) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where


def _state(estimator):
    return {k: v for k, v in estimator.__dict__.items() if k not in KERAS_ATTRIBUTES}


def _rewrite(source, target, *, edit=None, members=None):
    """Copy a saved file, editing its JSON document and/or replacing members."""
    with zipfile.ZipFile(source) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    if edit is not None:
        document = json.loads(contents["estimator.json"])
        edit(document)
        contents["estimator.json"] = json.dumps(document).encode()
    contents.update(members or {})
    with zipfile.ZipFile(target, "w") as archive:
        for name, data in contents.items():
            if data is not None:
                archive.writestr(name, data)
    return str(target)


def _run_python(code, log_path, temporary_folder=None):
    """Start ``python -c code``; its output goes to a file (a pipe could fill and block it).

    ``temporary_folder``: the child's TMPDIR, for a child that leaves temporary files.
    """
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    if temporary_folder is not None:
        os.makedirs(temporary_folder)
        env["TMPDIR"] = temporary_folder
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO_ROOT, env.get("PYTHONPATH")]))
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    process.log_path = log_path
    return process


def _finish(process, timeout=300):
    """Wait for a child; its exit status and output."""
    process.wait(timeout=timeout)
    with open(process.log_path) as log:
        return process.returncode, log.read()


def _digest(path):
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()


# -- round trip ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["transformer_3d", "transformer_2d", "composite", "transformer_denoising_pooled"]
)
def test_round_trip_is_exact(fitted, saved, name):
    original, X_fit, y_fit = fitted[name]
    loaded = load(saved[name])

    assert type(loaded) is type(original)
    _assert_identical(loaded.get_params(deep=False), original.get_params(deep=False), "params")
    _assert_identical(_state(loaded), _state(original), "fitted state")
    for attribute in KERAS_ATTRIBUTES:
        assert hasattr(loaded, attribute) == hasattr(original, attribute), attribute
    _assert_identical(loaded.model_.get_weights(), original.model_.get_weights(), "weights")
    _assert_identical(_outputs(loaded, X_fit, y_fit), _outputs(original, X_fit, y_fit))

    # The standalone networks are views of the one model: same variables.
    model_variables = {id(v) for v in loaded.model_.weights}
    for attribute in ("encoder_", "decoder_", "predictor_"):
        if hasattr(loaded, attribute):
            network = getattr(loaded, attribute)
            assert network.weights
            assert {id(v) for v in network.weights} <= model_variables, attribute


def test_round_trip_keeps_feature_names(fitted, saved):
    loaded = load(saved["transformer_2d"])
    assert loaded.feature_names_in_.dtype == object
    assert list(loaded.feature_names_in_) == list(X_2D.columns)
    assert list(loaded.get_feature_names_out()) == list(
        fitted["transformer_2d"][0].get_feature_names_out()
    )
    with pytest.raises(ValueError, match="feature names"):
        loaded.transform(X_2D.rename(columns={"t0": "other"}))


def test_loaded_estimator_refits_and_pickles(saved):
    loaded = load(saved["transformer_3d"])
    codes = loaded.transform(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(loaded)).transform(X), codes)
    refit = loaded.fit(X)
    np.testing.assert_array_equal(refit.transform(X), codes)  # same random_state


@pytest.mark.parametrize("through", ["pickle", "file"])
def test_an_estimator_from_before_a_new_parameter_comes_back_as_that_version_made_it(
    through, tmp_path
):
    # A version without `code` and `input_noise` read the last state and added
    # no noise: the classic values, not the transformer's defaults today.
    original = LSTMAutoencoderTransformer(
        units=4, epochs=1, code="last", input_noise=0.0, random_state=0
    ).fit(X)
    if through == "pickle":
        state = original.__getstate__()
        del state["code"], state["input_noise"]  # as pickled by that version
        old = LSTMAutoencoderTransformer.__new__(LSTMAutoencoderTransformer)
        old.__setstate__(state)
    else:
        save_estimator(original, tmp_path / "model.lstmae")

        def drop_new_parameters(document):
            del document["params"]["code"], document["params"]["input_noise"]

        old = load(
            _rewrite(tmp_path / "model.lstmae", tmp_path / "old.lstmae", edit=drop_new_parameters)
        )
    assert old.get_params()["code"] == "last" and old.get_params()["input_noise"] == 0.0
    np.testing.assert_array_equal(old.transform(X), original.transform(X))
    old.partial_fit(X)  # and it trains on


def test_loaded_estimator_continues_training_identically(fitted, saved):
    original = pickle.loads(pickle.dumps(fitted["composite"][0]))
    loaded = load(saved["composite"])
    if "warm_start" not in original.get_params():
        pytest.skip("no warm_start parameter")
    for estimator in (original, loaded):  # the optimizer state travels with the file
        estimator.set_params(warm_start=True, epochs=2).fit(X, Y)
    _assert_identical(_state(loaded), _state(original))
    _assert_identical(_outputs(loaded, X, Y), _outputs(original, X, Y))


def test_set_output_configuration_is_kept(fitted, tmp_path):
    estimator = pickle.loads(pickle.dumps(fitted["transformer_3d"][0]))
    estimator.set_output(transform="pandas")
    save_estimator(estimator, tmp_path / "model.lstmae")
    codes = load(tmp_path / "model.lstmae").transform(X)
    assert isinstance(codes, pd.DataFrame)
    pd.testing.assert_frame_equal(codes, estimator.transform(X))


def test_metadata_routing_requests_are_kept(tmp_path):
    import sklearn

    X = np.random.RandomState(0).rand(20, 6, 2)
    with sklearn.config_context(enable_metadata_routing=True):
        model = LSTMAutoencoderTransformer(**TINY).set_fit_request(sample_weight=True).fit(X)
    # save() refused: "Cannot save fitted attribute '_metadata_request'".
    model.save(tmp_path / "routed.lstmae")
    loaded = load(tmp_path / "routed.lstmae")
    assert loaded._get_metadata_request().fit.requests["sample_weight"] is True
    assert sklearn.get_config()["enable_metadata_routing"] is False  # left as it was
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))


def test_any_path_and_overwrite(fitted, tmp_path):
    path = tmp_path / "model.bin"  # any extension, a path-like
    save_estimator(fitted["transformer_3d"][0], path)
    save_estimator(fitted["composite"][0], path)  # replaces the file
    assert isinstance(load(path), CompositeLSTMRegressor)
    assert sorted(os.listdir(tmp_path)) == ["model.bin"]
    umask = os.umask(0o022)
    os.umask(umask)
    assert os.stat(path).st_mode & 0o777 == 0o666 & ~umask  # as a plainly created file


# -- the file itself ----------------------------------------------------------------
def test_file_holds_json_and_keras_model_only(saved):
    with zipfile.ZipFile(saved["composite"]) as archive:
        assert sorted(archive.namelist()) == ["estimator.json", "model.keras"]
        document = json.loads(archive.read("estimator.json"))
        model_bytes = archive.read("model.keras")
    assert document["format"] == "sklearn_lstmae"
    assert document["format_version"] == 1
    assert document["library_version"] == sklearn_lstmae.__version__
    assert document["keras_version"] == keras.__version__
    assert document["estimator_class"] == "CompositeLSTMRegressor"
    assert document["params"]["units"] == 8
    assert document["state"]["_spec"]["__type__"] == "NetworkSpec"

    with zipfile.ZipFile(io.BytesIO(model_bytes)) as inner:
        names = inner.namelist()
        assert sorted(names) == ["config.json", "metadata.json", "model.weights.h5"]
        config_text = inner.read("config.json").decode()
    config = json.loads(config_text)

    def class_names(node):
        if isinstance(node, dict):
            if "class_name" in node:
                yield node["class_name"], node.get("module")
            for value in node.values():
                yield from class_names(value)
        elif isinstance(node, list):
            for value in node:
                yield from class_names(value)

    found = set(class_names(config))
    assert ("Standardization", "sklearn_lstmae._networks") in found
    assert not {name for name, _ in found} & {"Lambda", "__lambda__", "function"}
    assert all(m is None or m.split(".")[0] in ("keras", "sklearn_lstmae") for _, m in found)
    for marker in ("__lambda__", "Lambda", "bytecode", "func_dump"):
        assert marker not in config_text
    # No pickle stream anywhere: pickle protocol 2+ starts with b"\x80".
    assert not model_bytes.startswith(b"\x80")


# -- refusing bad or dangerous files --------------------------------------------------
def test_refuses_model_with_executable_code(saved, tmp_path):
    marker = tmp_path / "code_ran"

    def touch_then_double(x, marker=str(marker)):
        open(marker, "w").close()
        return x * 2

    inputs = keras.Input((None, 2))
    evil = keras.Model(inputs, keras.layers.Lambda(lambda x: touch_then_double(x))(inputs))
    evil_path = tmp_path / "evil.keras"
    evil.save(evil_path)  # Keras saves lambdas as bytecode
    marker.unlink()
    path = _rewrite(
        saved["transformer_3d"],
        tmp_path / "evil.lstmae",
        members={"model.keras": evil_path.read_bytes()},
    )

    with pytest.raises(ValueError, match="(?i)carries code.*unsafe") as error:
        load(path)
    assert "safe mode" in str(error.value) and "lambda" in str(error.value).lower()
    assert not marker.exists()


def _set(path, value):
    def edit(document):
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return edit


@pytest.mark.parametrize(
    "edit, members, match",
    [
        (_set(["estimator_class"], "os.system"), None, "estimator class 'os.system'"),
        (_set(["estimator_class"], "Pipeline"), None, "estimator class 'Pipeline'"),
        (_set(["format_version"], 2), None, "format version 2"),
        (_set(["format"], "other"), None, "does not describe"),
        (
            _set(["state", "n_iter_"], {"__type__": "pickle", "data": "gAR9lC4="}),
            None,
            "unknown type marker 'pickle'",
        ),
        (_set(["params", "units"], {"units": 8}), None, "unknown type marker None"),
        (_set(["state", "_spec", "__type__"], "Spec"), None, "unknown type marker 'Spec'"),
        (_set(["state", "predict"], 1), None, "'predict' is not a fitted attribute"),
        (_set(["state", "_spec", "value", "items", 1, 1], 3), None, "does not match"),
        (_set(["params", "no_such_param"], 1), None, "parameters do not fit"),
        # Parameters that would build another network than the weights' (hand-edited).
        (_set(["params", "units"], 999), None, r"parameters \(units=999\) do not match"),
        (_set(["params", "cell"], "gru"), None, r"\(cell='gru'\) do not match the network"),
        (_set(["params", "units"], "many"), None, "parameters cannot describe a network"),
        (_set(["extra"], 1), None, "keys"),
        (None, {"model.keras": None}, "expected exactly"),
        (None, {"estimator.json": None}, "expected exactly"),
        (None, {"payload.pkl": pickle.dumps(1)}, "expected exactly"),
        (None, {"model.keras": b"not a keras file"}, "not a model saved by sklearn_lstmae"),
        (None, {"estimator.json": b"{not json"}, "not valid JSON"),
        (None, {"estimator.json": b'{"format": NaN}'}, "NaN is not allowed"),
    ],
)
def test_refuses_invalid_files(saved, tmp_path, edit, members, match):
    path = _rewrite(saved["transformer_3d"], tmp_path / "bad.lstmae", edit=edit, members=members)
    with pytest.raises(ValueError, match=match):
        load(path)


def test_refuses_non_zip_and_damaged_files(saved, tmp_path):
    path = tmp_path / "model.lstmae"
    path.write_bytes(pickle.dumps({"not": "a zip"}))
    with pytest.raises(ValueError, match="not a zip archive"):
        load(path)
    data = bytearray(open(saved["transformer_3d"], "rb").read())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged"):
        load(path)
    for fraction in (0.3, 0.99):  # "not a zip archive" though it is one, cut short
        path.write_bytes(bytes(data[: int(len(data) * fraction)]))
        with pytest.raises(ValueError, match="is truncated or damaged: it starts as a zip"):
            load(path)
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.lstmae")


def test_warns_on_version_change(saved, tmp_path):
    def edit(document):
        document["library_version"] = "0.0.1"
        document["keras_version"] = "3.0.0"

    path = _rewrite(saved["transformer_3d"], tmp_path / "old.lstmae", edit=edit)
    match = (
        rf"sklearn_lstmae 0\.0\.1 \(running {sklearn_lstmae.__version__}\).*"
        rf"Keras 3\.0\.0 \(running {keras.__version__}\)"
    )
    with pytest.warns(UserWarning, match=match) as caught:
        loaded = load(path)
    assert caught[0].filename == __file__  # the user's load(...) line, not the library's
    np.testing.assert_array_equal(loaded.transform(X), load(saved["transformer_3d"]).transform(X))


# -- what cannot be saved ---------------------------------------------------------------
def test_random_state_instance_cannot_be_saved(tmp_path):
    estimator = LSTMAutoencoderTransformer(
        **{**TINY, "random_state": np.random.RandomState(0)}
    ).fit(X)
    with pytest.raises(TypeError, match="parameter 'random_state'.*RandomState.*pickle or joblib"):
        save_estimator(estimator, tmp_path / "model.lstmae")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "name, value, match",
    [
        (
            "callbacks",
            [keras.callbacks.Callback()],
            r"'callbacks': callbacks\[0\] holds a keras.*callbacks=None",
        ),
        ("optimizer", keras.optimizers.Adam(), "'optimizer'.*Keras optimizer.*by name"),
        ("loss", len, "'loss'.*functions"),
    ],
)
def test_keras_objects_in_params_cannot_be_saved(fitted, tmp_path, name, value, match):
    estimator = pickle.loads(pickle.dumps(fitted["transformer_3d"][0]))
    setattr(estimator, name, value)
    with pytest.raises(TypeError, match=match + ".*pickle or joblib"):
        save_estimator(estimator, tmp_path / "model.lstmae")
    assert os.listdir(tmp_path) == []


def test_unsaveable_fitted_state_and_other_estimators(fitted, tmp_path):
    estimator = pickle.loads(pickle.dumps(fitted["transformer_3d"][0]))
    estimator.extra_ = {"ok": [1, 2.5], "bad": {1, 2}}
    with pytest.raises(TypeError, match=r"fitted attribute 'extra_': extra_\['bad'\] holds"):
        save_estimator(estimator, tmp_path / "model.lstmae")
    with pytest.raises(NotFittedError):
        save_estimator(LSTMAutoencoderTransformer(), tmp_path / "model.lstmae")

    class Custom(LSTMAutoencoderTransformer):
        pass

    with pytest.raises(TypeError, match="saves CompositeLSTMRegressor and "):
        save_estimator(Custom(), tmp_path / "model.lstmae")
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        -(2**70),
        0.1,
        float("nan"),
        float("-inf"),
        "é",
        [],
        (),
        {},
        [1, (2, [3.5, None]), {"a": (), 4: "b", (1, 2): [True]}],
        np.float32(0.1),
        np.int64(-3),
        np.bool_(True),
        np.str_("name"),
        np.float64("nan"),
        np.arange(6, dtype=np.int16).reshape(2, 3),
        np.asfortranarray(np.random.RandomState(0).rand(3, 4)),
        np.array([1.5, np.nan, -0.0, np.inf], dtype=">f8"),
        np.array([[1 + 2j]], dtype=np.complex64),
        np.array([True, False]),
        np.array(["a", "bcd", ""]),
        np.array(["x", "yz"], dtype=object),
        np.empty((0, 3), dtype=np.float32),
        np.array(7, dtype=np.uint8),
        np.array([b"ab", b"c"]),
        np.array(["2024-01-01"], dtype="datetime64[ns]"),
    ],
)
def test_value_encoding_round_trips_exactly(value):
    document = json.loads(json.dumps(_encode(value, "value"), allow_nan=False))
    decoded = _decode(document)
    _assert_identical(decoded, value)
    if isinstance(value, np.ndarray):
        assert decoded.flags.writeable and decoded.flags.c_contiguous


@pytest.mark.parametrize(
    "value",
    [
        {1, 2},
        object(),
        np.array([1, "a"], dtype=object),
        np.ma.array([1.0]),
        np.zeros(2, dtype=[("a", "f8")]),
        pd.Series([1.0]),
        b"bytes",
        len,
    ],
)
def test_value_encoding_refuses_other_objects(value):
    with pytest.raises(TypeError):
        _encode(value, "value")


@pytest.mark.parametrize(
    "document, match",
    [
        (
            {
                "__type__": "ndarray",
                "dtype": "<f8",
                "shape": [3],
                "encoding": "base64",
                "data": "AAAAAAAA8D8=",
            },
            "need 24",
        ),
        (
            {"__type__": "ndarray", "dtype": "|O", "shape": [1], "encoding": "base64", "data": ""},
            "not allowed",
        ),
        (
            {
                "__type__": "ndarray",
                "dtype": "<f8",
                "shape": [1],
                "encoding": "str",
                "data": ["1.0"],
            },
            "does not fit",
        ),
        (
            {
                "__type__": "ndarray",
                "dtype": "<U1",
                "shape": [1],
                "encoding": "str",
                "data": ["ab"],
            },
            "longer",
        ),
        (
            {
                "__type__": "ndarray",
                "dtype": "<f8",
                "shape": [-1],
                "encoding": "base64",
                "data": "",
            },
            "non-negative",
        ),
        ({"__type__": "tuple", "items": [], "extra": 1}, "keys"),
        ({"__type__": "float", "value": "1e400"}, "not nan"),
        ({"__type__": "dict", "items": [[[1], 2]]}, "not hashable"),
        (
            {"__type__": "NetworkSpec", "value": {"__type__": "dict", "items": [["x", 1]]}},
            "bad NetworkSpec",
        ),
        ({"no": "marker"}, "unknown type marker None"),
    ],
)
def test_value_decoding_is_strict(document, match):
    with pytest.raises(ValueError, match=match):
        _decode(document)


# -- atomic writes ---------------------------------------------------------------------
def test_killed_save_leaves_previous_file_intact(fitted, saved, children):
    """A process killed mid-save (just before the rename) leaves the old file as it was.

    The killed process cannot clean up: its complete but unused temporary file
    (hidden, ``.<name>.<random>.tmp``) stays next to the target, and the folder
    where Keras wrote the network stays in the temporary directory. They do not
    affect loading, nor later saves, which use fresh temporary names.
    """
    folder, processes = children
    path = os.path.join(folder, "model.lstmae")
    with open(saved["composite"], "rb") as source, open(path, "wb") as target:
        target.write(source.read())
    before = _digest(path)
    open(os.path.join(folder, "go"), "w").close()  # the child now saves over path
    returncode, output = _finish(processes["killed"])
    assert returncode == -signal.SIGKILL, output

    assert _digest(path) == before
    original = fitted["composite"][0]
    _assert_identical(_outputs(load(path), X, Y), _outputs(original, X, Y))
    leftovers = glob.glob(os.path.join(folder, ".model.lstmae.*.tmp"))
    assert len(leftovers) == 1  # the killed save's complete temporary file
    assert isinstance(load(leftovers[0]), LSTMAutoencoderTransformer)  # the other model
    # Keras's copy of the network, in the child's TMPDIR (not the machine's /tmp).
    assert glob.glob(os.path.join(folder, "tmp_killed", "sklearn_lstmae_*", "model.keras"))
    save_estimator(fitted["transformer_3d"][0], path)  # later saves still work
    assert isinstance(load(path), LSTMAutoencoderTransformer)


@pytest.mark.parametrize("failure", ["model_save", "fsync", "replace"])
def test_failed_save_leaves_previous_file_and_no_temporary(
    fitted, saved, tmp_path, monkeypatch, failure
):
    path = tmp_path / "model.lstmae"
    path.write_bytes(open(saved["transformer_3d"], "rb").read())
    before = _digest(path)
    estimator = pickle.loads(pickle.dumps(fitted["composite"][0]))

    def fail(*args, **kwargs):
        raise OSError("disk full")

    if failure == "model_save":
        monkeypatch.setattr(type(estimator.model_), "save", fail)
    else:
        import sklearn_lstmae._persistence as persistence

        monkeypatch.setattr(persistence.os, failure, fail)
    with pytest.raises(OSError, match="disk full"):
        save_estimator(estimator, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.lstmae"]
    assert _digest(path) == before
    assert isinstance(load(path), LSTMAutoencoderTransformer)


# -- across processes -----------------------------------------------------------------
def test_fresh_process_loads_identical_and_fits_identical(fitted, saved, children):
    folder, processes = children
    with open(saved["composite"], "rb") as source:
        with open(os.path.join(folder, "composite.lstmae"), "wb") as target:
            target.write(source.read())
    open(os.path.join(folder, "ready"), "w").close()
    returncode, output = _finish(processes["loader"])
    assert returncode == 0, output

    loaded_there = np.load(os.path.join(folder, "loaded.npy"))
    _assert_identical(loaded_there, fitted["composite"][0].transform(X))
    # Same random_state: the same codes in two fresh processes and in this one.
    here = fitted["transformer_3d"][0].transform(X)
    for name in _CHILDREN:
        codes = os.path.join(folder, f"codes_{name}.npy")
        deadline = time.monotonic() + 300
        while not os.path.exists(codes):  # "killed" may still be fitting if run alone
            assert processes[name].poll() is None, _finish(processes[name])[1]
            assert time.monotonic() < deadline, f"no codes from {name}"
            time.sleep(0.05)
        _assert_identical(np.load(codes), here)


# -- where the file goes ----------------------------------------------------------------
@pytest.fixture(scope="module")
def small_fit():
    return LSTMAutoencoderTransformer(**TINY).fit(X)


def test_save_into_a_missing_directory_names_the_users_path(small_fit, tmp_path):
    path = tmp_path / "no_such_folder" / "model.lstmae"
    for save in (small_fit.save, lambda path: save_estimator(small_fit, path)):
        with pytest.raises(FileNotFoundError) as error:
            save(path)
        message = str(error.value)
        assert message.startswith(f"Cannot save to {path}: the directory {path.parent} ")
        assert "does not exist" in message and ".tmp" not in message
    assert list(tmp_path.iterdir()) == []  # nothing created on the way


def test_save_onto_a_directory_says_so(small_fit, tmp_path):
    with pytest.raises(IsADirectoryError, match=f"Cannot save to {tmp_path}: it is a directory"):
        small_fit.save(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_odd_paths_get_errors_that_name_them(small_fit, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    # It tried to rename the temporary file onto the current directory.
    with pytest.raises(ValueError, match="empty path"):
        small_fit.save("")
    # It wrote a file named "new_folder".
    with pytest.raises(FileNotFoundError, match="ends with a separator, so it names a directory"):
        small_fit.save("new_folder" + os.sep)
    (tmp_path / "a_file").write_text("")
    # It said that the directory a_file does not exist.
    with pytest.raises(NotADirectoryError, match="a_file is a file, not a directory"):
        small_fit.save(tmp_path / "a_file" / "deeper" / "model.lstmae")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a_file"]


def test_a_bytes_path_is_a_path(small_fit, tmp_path):
    # "Can't mix bytes and non-bytes in path components", and nothing written.
    path = tmp_path / "model.lstmae"
    small_fit.save(os.fsencode(path))
    np.testing.assert_array_equal(load(os.fsencode(path)).transform(X), small_fit.transform(X))


def test_unwritable_directory_error_names_the_users_path(small_fit, tmp_path, monkeypatch):
    import sklearn_lstmae._persistence as persistence

    def refuse(prefix, suffix, dir):
        hidden = os.path.join(dir, prefix + "abc" + suffix)
        raise PermissionError(13, "Permission denied", hidden)

    # (As root, a read-only directory would still be writable: refuse the file instead.)
    monkeypatch.setattr(persistence.tempfile, "mkstemp", refuse)
    path = tmp_path / "model.lstmae"
    with pytest.raises(PermissionError) as error:
        small_fit.save(path)
    assert str(error.value).startswith(f"Cannot save to {path}: Permission denied (writing a ")
    assert isinstance(error.value.__cause__, PermissionError)  # the original, with its file


def test_curves_with_epochs_not_measured_round_trip(tmp_path):
    # A validation curve holds NaN for the epochs of a fit that did not validate.
    model = LSTMAutoencoderTransformer(**{**TINY, "early_stopping": False}).partial_fit(X)
    model.partial_fit(X, validation_data=X[:4])
    assert np.isnan(model.validation_loss_curve_[0])
    loaded = load(model.save(tmp_path / "curves.lstmae"))
    np.testing.assert_array_equal(loaded.validation_loss_curve_, model.validation_loss_curve_)
    assert loaded.history_.keys() == model.history_.keys()


@pytest.mark.parametrize(
    "dtype", [np.float64, np.dtype("float64"), float, np.float32], ids=["type", "dtype", "py", "32"]
)
def test_numpy_spellings_of_dtype_fit_save_load_and_continue(dtype, tmp_path):
    # np.dtype("float64") was accepted by fit (it equals "float64") and then refused by save,
    # after training; np.float64, scikit-learn's usual spelling, was refused by fit.
    model = LSTMAutoencoderTransformer(**{**TINY, "dtype": dtype}).fit(X)
    assert model.model_.get_weights()[0].dtype == np.dtype(dtype)
    model.save(tmp_path / "model.lstmae")
    loaded = load(tmp_path / "model.lstmae")
    assert loaded.get_params()["dtype"] == dtype
    assert type(loaded.get_params()["dtype"]) is type(dtype)
    np.testing.assert_array_equal(loaded.transform(X), model.transform(X))
    loaded.set_params(warm_start=True).fit(X)  # the same precision: it continues
    for value, tag in ((np.float64, "numpy_type"), (np.dtype("float32"), "numpy_dtype")):
        assert _encode(value, "dtype") == {"__type__": tag, "value": np.dtype(value).name}
    for hostile in ("object", "(99999999999999,)f8", ["f8"], {"a": 1}):
        with pytest.raises(ValueError, match="not the name of a numeric numpy dtype"):
            _decode({"__type__": "numpy_type", "value": hostile})
    for hostile in ([1], "type", "os"):
        with pytest.raises(ValueError, match="not a number type"):
            _decode({"__type__": "builtin_type", "value": hostile})


@pytest.mark.parametrize("dtype", [None, True, "float16", np.int32])
def test_other_dtypes_are_refused_before_training(dtype):
    with pytest.raises(ValueError, match="dtype must be 'float32' or 'float64'"):
        LSTMAutoencoderTransformer(**{**TINY, "dtype": dtype}).fit(X)


def test_an_optimizer_instance_is_refused_with_advice_that_holds(tmp_path):
    # "pass the optimizer by name instead" could not give an AdamW's weight_decay.
    X = np.random.RandomState(0).rand(20, 8, 2)
    optimizer = keras.optimizers.AdamW(1e-2, weight_decay=0.01)
    model = LSTMAutoencoderTransformer(**TINY, optimizer=optimizer).fit(X)
    with pytest.raises(TypeError, match=r"with other settings \(weight_decay.*cannot.*pickle"):
        model.save(tmp_path / "m.lstmae")
    assert not (tmp_path / "m.lstmae").exists()
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(model)).transform(X), model.transform(X)
    )

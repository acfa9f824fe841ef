"""The fused CPU LSTM and GRU compute Keras's layers: outputs, gradients, fallbacks."""

import contextlib
import logging
import os
import shutil
import subprocess

import keras
import numpy as np
import pytest
import tensorflow as tf

from sklearn_lstmae import (
    CompositeLSTMRegressor,
    LSTMAutoencoderTransformer,
    _engine,
    _fused,
    _kernel_build,
)
from sklearn_lstmae._fused import FusedGRU, FusedLSTM, forward_only
from sklearn_lstmae._kernel_build import load_fused_kernels

from ._helpers import kernels_expected, needs_kernels, new_process

LAYERS = {"lstm": (keras.layers.LSTM, FusedLSTM), "gru": (keras.layers.GRU, FusedGRU)}
cells = pytest.mark.parametrize("cell", list(LAYERS))
# What the kernels compute: both cells with Keras's defaults, and the LSTM with
# relu, the activation of the classic LSTM autoencoder examples.
variants = pytest.mark.parametrize(
    "cell, activation",
    [("lstm", "tanh"), ("gru", "tanh"), ("lstm", "relu")],
    ids=["lstm", "gru", "lstm-relu"],
)


def _paired_layers(units, n_features, repeats, return_sequences, cell="lstm", seed=0, **kwargs):
    """A Keras layer and its fused twin with the same random weights."""
    keras_class, fused_class = LAYERS[cell]
    keras_layer = keras_class(units, return_sequences=return_sequences, **kwargs)
    fused_layer = fused_class(units, repeats=repeats, return_sequences=return_sequences, **kwargs)
    keras_layer.build((None, repeats or 3, n_features))
    fused_layer.build((None, n_features) if repeats else (None, 3, n_features))
    rng = np.random.default_rng(seed)
    for a, b in zip(keras_layer.weights, fused_layer.weights):
        value = rng.normal(scale=0.5, size=a.shape).astype(a.dtype)
        a.assign(value)
        b.assign(value)
    return keras_layer, fused_layer


def _outputs_and_gradients(layer, x, weights_of_output, mask=None):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        output = layer(x, mask=mask)
        loss = tf.reduce_sum(tf.sin(3.0 * output) * weights_of_output)
    return [output, *tape.gradient(loss, [x, *layer.trainable_weights])]


@needs_kernels
@variants
@pytest.mark.parametrize("return_sequences", [True, False])
@pytest.mark.parametrize("repeats", [None, 6], ids=["sequences", "repeated-code"])
def test_fused_layer_matches_keras_layer(repeats, return_sequences, cell, activation):
    # 37 rows: uneven shards over the intra-op threads.
    n_rows, n_steps, n_features, units = 37, 6, 3, 5
    keras_layer, fused_layer = _paired_layers(
        units, n_features, repeats, return_sequences, cell, activation=activation
    )
    rng = np.random.default_rng(1)
    x = rng.normal(size=(n_rows, n_features) if repeats else (n_rows, n_steps, n_features))
    x = x.astype("float32")
    out_shape = (n_rows, n_steps, units) if return_sequences else (n_rows, units)
    output_weights = tf.constant(rng.normal(size=out_shape).astype("float32"))

    x_keras = np.repeat(x[:, None], repeats, axis=1) if repeats else x
    expected = _outputs_and_gradients(keras_layer, x_keras, output_weights)
    actual = _outputs_and_gradients(fused_layer, x, output_weights)
    if repeats:  # the gradient of a repeated input is the sum over its steps
        expected[1] = tf.reduce_sum(expected[1], axis=1)
    assert actual[0].shape == out_shape
    for want, got in zip(expected, actual):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-5)
    assert min(float(tf.reduce_max(tf.abs(g))) for g in expected[1:]) > 1e-3  # not vacuous


@needs_kernels
@variants
@pytest.mark.parametrize("return_sequences", [True, False])
def test_fused_layer_matches_keras_layer_on_masked_steps(return_sequences, cell, activation):
    # Keras's masking: a masked step keeps the state and repeats the last
    # output. Right padding as the library makes it, and any other pattern.
    n_rows, n_steps, n_features, units = 9, 7, 2, 4
    keras_layer, fused_layer = _paired_layers(
        units, n_features, None, return_sequences, cell, activation=activation
    )
    rng = np.random.default_rng(4)
    x = rng.normal(size=(n_rows, n_steps, n_features)).astype("float32")
    mask = np.ones((n_rows, n_steps), bool)
    mask[1, 4:] = False  # right padding
    mask[2, 1:] = False
    mask[3, :2] = False  # leading masked steps
    mask[4, 3] = False  # a gap
    mask[5, :] = False  # nothing real
    out_shape = (n_rows, n_steps, units) if return_sequences else (n_rows, units)
    output_weights = tf.constant(rng.normal(size=out_shape).astype("float32"))
    mask = tf.constant(mask)
    expected = _outputs_and_gradients(keras_layer, x, output_weights, mask)
    actual = _outputs_and_gradients(fused_layer, x, output_weights, mask)
    for want, got in zip(expected, actual):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(actual[1])[5], 0.0)  # fully masked: no gradient


@needs_kernels
@variants
@pytest.mark.parametrize("units", [17, 128])
def test_a_row_computes_the_same_alone_and_in_a_batch(cell, activation, units):
    # Inference (the forward-only ops that transform and predict run): a
    # sequence's output is the same bit for bit whatever else is in its
    # batch. Two causes broke this before: a shard of one row took Eigen's
    # matrix-vector product, and on AVX2 the rows left over from Eigen's row
    # panels, and TensorFlow's MatMul of a GRU's input projection, rounded
    # differently from the rest for most batch sizes.
    # (The training ops leave the input projection and the gradients to
    # TensorFlow's products, whose rounding may depend on the batch size, as
    # with Keras's layers.)
    _, fused_layer = _paired_layers(units, 3, None, True, cell, activation=activation)
    x = np.random.default_rng(7).normal(size=(37, 6, 3)).astype("float32")
    with forward_only():
        whole = np.asarray(fused_layer(x, training=False))
        for size in [1, 2, 3, 5, 7, 8, 9, 16, 20, 25]:
            np.testing.assert_array_equal(
                np.asarray(fused_layer(x[:size], training=False)), whole[:size]
            )


@needs_kernels
@cells
def test_an_empty_batch_gives_empty_outputs(cell):
    keras_layer, fused_layer = _paired_layers(4, 2, None, True, cell)
    assert tuple(fused_layer(np.zeros((0, 5, 2), "float32")).shape) == (0, 5, 4)


@needs_kernels
@variants
def test_fused_layer_runs_inside_a_compiled_function_with_unknown_shapes(cell, activation):
    keras_layer, fused_layer = _paired_layers(4, 2, None, True, cell, activation=activation)
    run = tf.function(fused_layer, input_signature=[tf.TensorSpec((None, None, 2), tf.float32)])
    x = np.random.default_rng(2).normal(size=(3, 9, 2)).astype("float32")
    np.testing.assert_allclose(run(x), keras_layer(x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "cell, case",
    [
        *(
            (cell, case)
            for cell in LAYERS
            for case in (
                "dropout-in-training",
                "float64",
                "go-backwards",
                "elu",
                "zero-output-for-mask",
                "gpu",
            )
        ),
        ("gru", "reset-before"),
        ("gru", "relu"),  # the GRU kernel computes tanh only; the LSTM's does relu too
    ],
)
def test_fused_layer_falls_back_to_keras_where_the_kernel_does_not_apply(cell, case, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the fused kernel must not run here")

    monkeypatch.setattr(_fused, f"fused_{cell}", refuse)
    if case == "gpu":
        # With a GPU visible the layer is Keras's own, which picks cuDNN there.
        monkeypatch.setattr(_fused, "_has_gpu", lambda: True)
    kwargs = {
        "dropout-in-training": {"dropout": 0.3, "seed": 1},
        "float64": {"dtype": "float64"},
        "go-backwards": {"go_backwards": True},
        "elu": {"activation": "elu"},  # an activation no kernel computes
        "relu": {"activation": "relu"},
        # As Bidirectional sets it: masked steps output zeros, not the last output.
        "zero-output-for-mask": {"zero_output_for_mask": True},
        # The GRU form that applies the reset gate before the recurrent product.
        "reset-before": {"reset_after": False},
    }.get(case, {})
    keras_layer, fused_layer = _paired_layers(4, 2, None, False, cell, **kwargs)
    x = np.random.default_rng(3).normal(size=(3, 5, 2)).astype(keras_layer.compute_dtype)
    if case == "dropout-in-training":
        # Random dropout masks differ from call to call: check that Keras's
        # LSTM ran (``refuse`` was not called) and that dropout acted.
        assert not np.allclose(fused_layer(x, training=True), keras_layer(x, training=False))
    elif case == "zero-output-for-mask":
        mask = tf.constant([[True] * 5, [True] * 2 + [False] * 3, [True] * 4 + [False]])
        fused_out, keras_out = fused_layer(x, mask=mask), keras_layer(x, mask=mask)
        np.testing.assert_allclose(fused_out, keras_out, rtol=1e-6)
    else:
        np.testing.assert_allclose(fused_layer(x), keras_layer(x), rtol=1e-6)


@needs_kernels
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_an_lstm_with_either_activation_runs_the_fused_kernel(monkeypatch, activation):
    ran = []
    fused_lstm = _fused.fused_lstm

    def recording(*args, **kwargs):
        ran.append(kwargs["activation"])
        return fused_lstm(*args, **kwargs)

    monkeypatch.setattr(_fused, "fused_lstm", recording)
    _, fused_layer = _paired_layers(4, 2, None, True, "lstm", activation=activation)
    fused_layer(np.ones((2, 3, 2), "float32"))
    assert ran == [activation]


def test_kernels_that_cannot_be_built_leave_keras_layers_and_one_warning(
    tmp_path, monkeypatch, caplog, capsys
):
    monkeypatch.setattr(_kernel_build, "_loaded", {})
    monkeypatch.setenv("SKLEARN_LSTMAE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CXX", str(tmp_path / "no-such-compiler"))
    with caplog.at_level(logging.WARNING, logger="sklearn_lstmae._kernel_build"):
        assert load_fused_kernels() is None
        assert load_fused_kernels() is None
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "uses Keras's layers" in message
    assert "no C++ compiler" in message and "no-such-compiler' was not found" in message
    # No build was announced: without a compiler there is none to wait for.
    assert "building" not in capsys.readouterr().err
    keras_layer, fused_layer = _paired_layers(4, 2, None, True)
    x = np.ones((2, 3, 2), "float32")
    np.testing.assert_allclose(fused_layer(x), keras_layer(x), rtol=1e-6)


@pytest.mark.skipif(
    not kernels_expected(), reason="no C++ compiler ($CXX or g++), or the kernels turned off"
)
def test_the_kernels_build_wherever_there_is_a_compiler():
    # A failed build only logs a warning and trains on Keras's layers, 2.2x
    # slower per epoch on the default fit: with a compiler present it is a bug.
    # (TensorFlow 2.21's Eigen headers did not compile under -march=native on
    # a Xeon with AVX512-FP16 until the build left those instructions out.)
    assert load_fused_kernels() is not None


def _recording_compiler(commands):
    """A stand-in for subprocess.run that records the build's command and writes a library."""

    def run(command, **kwargs):
        commands.append(command)
        with open(command[command.index("-o") + 1], "wb") as file:
            file.write(b"built")
        return subprocess.CompletedProcess(command, 0, "", "")

    return run


@pytest.mark.parametrize(
    "cpu_flags, compiler_macros, leaves_out_fp16",
    [
        ("flags\t: fpu avx512f avx512_fp16 amx_tile", "#define __AVX512FP16__ 1", True),
        # An older compiler that -march=native does not give AVX512-FP16 to.
        ("flags\t: fpu avx512f avx512_fp16 amx_tile", "#define __AVX512F__ 1", False),
        ("flags\t: fpu avx2 avx512f avx512bw", None, False),  # the compiler is not asked
    ],
)
def test_the_build_leaves_out_the_half_precision_instructions_eigen_cannot_compile(
    tmp_path, monkeypatch, cpu_flags, compiler_macros, leaves_out_fp16
):
    asked, commands = [], []

    def compiler_defines(compiler, flag):
        asked.append((tuple(compiler), flag))
        return compiler_macros

    monkeypatch.setenv("SKLEARN_LSTMAE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_kernel_build, "_cpu_signature", lambda: cpu_flags)
    monkeypatch.setattr(_kernel_build, "_compiler_defines", compiler_defines)
    monkeypatch.setattr(_kernel_build.subprocess, "run", _recording_compiler(commands))
    library = _kernel_build._library_path(["g++"])
    assert asked == []  # finding the library asks no compiler: its name holds CPU and command
    _kernel_build._build(["g++"], library)
    (command,) = commands
    assert "-march=native" in command
    assert ("-mno-avx512fp16" in command) == leaves_out_fp16
    assert asked == ([] if compiler_macros is None else [(("g++",), "-march=native")])
    assert library.read_bytes() == b"built"


def test_the_compiler_is_asked_what_native_means_and_a_missing_one_says_nothing(tmp_path):
    assert _kernel_build._compiler_defines([str(tmp_path / "no-such-compiler")], "-O2") == ""
    if shutil.which("g++"):
        macros = _kernel_build._compiler_defines(["g++"], "-march=native")
        assert "#define __x86_64__ 1" in macros or "#define __aarch64__ 1" in macros


EIGEN_ERROR = (
    "In file included from Eigen/Core:222,\n"
    "Eigen/src/Core/arch/AVX512/PacketMathFP16.h:740:49: error: expected initializer before '<'"
)


def _failing_compiler(calls, returncode=1, stderr=EIGEN_ERROR):
    def run(command, **kwargs):
        calls.append(command)
        if returncode is None:
            raise subprocess.TimeoutExpired(command, 600)
        raise subprocess.CalledProcessError(returncode, command, "", stderr)

    return run


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch):
    """An empty kernel cache, a process that has loaded nothing, and g++ as the compiler."""
    monkeypatch.setattr(_kernel_build, "_loaded", {})
    monkeypatch.setenv("SKLEARN_LSTMAE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CXX", "g++")
    monkeypatch.setattr(_kernel_build, "_target_flags", lambda compiler: ["-march=native"])
    return tmp_path


def test_a_compile_error_is_remembered_so_later_processes_skip_the_build(
    fresh_cache, monkeypatch, caplog
):
    calls = []
    monkeypatch.setattr(_kernel_build.subprocess, "run", _failing_compiler(calls))
    record = _kernel_build._failure_record(_kernel_build._library_path(["g++"]))
    with caplog.at_level(logging.WARNING, logger="sklearn_lstmae._kernel_build"):
        assert load_fused_kernels() is None
    (first,) = caplog.records  # says where the messages are kept, and shows them
    assert str(record) in first.getMessage() and "PacketMathFP16.h:740:49" in first.getMessage()
    assert len(calls) == 1 and "PacketMathFP16.h:740:49: error" in record.read_text()
    assert "exit status 1" in record.read_text()

    new_process(monkeypatch)
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sklearn_lstmae._kernel_build"):
        assert load_fused_kernels() is None
    assert len(calls) == 1  # no second build
    (warning,) = caplog.records
    assert str(record) in warning.getMessage() and "Delete that file" in warning.getMessage()

    record.unlink()  # as the message says: the next process builds again
    new_process(monkeypatch)
    assert load_fused_kernels() is None
    assert len(calls) == 2


@pytest.mark.parametrize(
    "returncode, stderr",
    [
        (-9, ""),  # the driver killed
        # The OOM killer picks cc1plus, the compiler proper; the driver exits 1.
        (1, "g++: fatal error: Killed signal terminated program cc1plus\ncompilation terminated."),
        (1, "/tmp/cc1.s: Fatal error: can't write 4096 bytes: No space left on device"),
        (1, "kernels.cc:10:5: internal compiler error: Segmentation fault"),
        (None, ""),  # timed out
    ],
    ids=["killed", "compiler killed for memory", "disk full", "compiler crash", "timeout"],
)
def test_a_build_that_may_succeed_next_time_is_tried_again(
    fresh_cache, monkeypatch, returncode, stderr
):
    calls = []
    monkeypatch.setattr(
        _kernel_build.subprocess, "run", _failing_compiler(calls, returncode, stderr)
    )
    assert load_fused_kernels() is None
    new_process(monkeypatch)
    assert load_fused_kernels() is None
    assert len(calls) == 2
    assert not list(fresh_cache.glob("*.failed")) and not list(fresh_cache.glob(".failed-*"))


def test_a_process_that_waited_for_a_failed_build_does_not_repeat_it(
    fresh_cache, monkeypatch, caplog
):
    library = _kernel_build._library_path(["g++"])
    record = _kernel_build._failure_record(library)
    opened = []

    @contextlib.contextmanager
    def lock_held_by_a_failing_build(path):
        opened.append(path)
        record.write_text("exit status 1\n" + EIGEN_ERROR)  # it failed while we waited
        yield

    built = []
    monkeypatch.setattr(_kernel_build, "_build_lock", lock_held_by_a_failing_build)
    monkeypatch.setattr(_kernel_build, "_build", lambda *args: built.append(args))
    with caplog.at_level(logging.WARNING, logger="sklearn_lstmae._kernel_build"):
        assert load_fused_kernels() is None
    assert opened == [library] and built == []
    assert str(record) in caplog.records[0].getMessage()


def test_a_record_that_cannot_be_written_loses_neither_the_messages_nor_a_file(
    fresh_cache, monkeypatch, caplog
):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    calls = []
    monkeypatch.setattr(_kernel_build.subprocess, "run", _failing_compiler(calls))
    monkeypatch.setattr(_kernel_build.tempfile, "NamedTemporaryFile", disk_full)
    with caplog.at_level(logging.WARNING, logger="sklearn_lstmae._kernel_build"):
        assert load_fused_kernels() is None
    assert "PacketMathFP16.h:740:49: error" in caplog.records[0].getMessage()
    assert not list(fresh_cache.glob("*.failed"))
    new_process(monkeypatch)
    assert load_fused_kernels() is None
    assert len(calls) == 2  # nothing remembered: tried again


def test_a_flood_of_messages_is_cut_to_its_first_error(fresh_cache, monkeypatch, caplog):
    flood = EIGEN_ERROR + "\n" + "x" * (3 * _kernel_build.RECORD_LIMIT)
    monkeypatch.setattr(_kernel_build.subprocess, "run", _failing_compiler([], stderr=flood))
    with caplog.at_level(logging.WARNING, logger="sklearn_lstmae._kernel_build"):
        assert load_fused_kernels() is None
    (warning,) = caplog.records  # the cause, not the flood's end
    assert "PacketMathFP16.h:740:49: error" in warning.getMessage()
    assert "xxxx" not in warning.getMessage() and len(warning.getMessage()) < 2000
    (record,) = fresh_cache.glob("*.failed")
    text = record.read_text()
    assert "PacketMathFP16.h:740:49: error" in text
    assert len(text) < _kernel_build.RECORD_LIMIT + 1000 and "more characters" in text


def test_an_empty_record_a_write_cut_short_is_no_failure(fresh_cache, monkeypatch):
    library = _kernel_build._library_path(["g++"])
    _kernel_build._failure_record(library).write_text("")
    calls = []
    monkeypatch.setattr(_kernel_build.subprocess, "run", _failing_compiler(calls))
    assert load_fused_kernels() is None
    assert len(calls) == 1


def test_a_damaged_cached_kernel_is_rebuilt(tmp_path, monkeypatch):
    # Loading and building are stood in for: a second real load of the
    # library in one process would register its kernels twice.
    monkeypatch.setattr(_kernel_build, "_loaded", {})
    monkeypatch.setenv("SKLEARN_LSTMAE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("CXX", "g++")  # the compiler is part of the library's name
    damaged = _kernel_build._library_path(["g++"])
    damaged.write_bytes(b"damaged")
    built = []

    def build(compiler, library):
        built.append(library)
        library.write_bytes(b"built")

    def load(path):
        if open(path, "rb").read() != b"built":
            raise tf.errors.NotFoundError(None, None, f"{path}: file too short")
        return "kernels"

    monkeypatch.setattr(_kernel_build, "_build", build)
    monkeypatch.setattr(_kernel_build.tf, "load_op_library", load)
    assert load_fused_kernels() == "kernels"
    assert built == [damaged]


@pytest.mark.parametrize(
    "tampered",
    ["library writable by others", "directory writable by others", "library of another user"],
)
def test_a_cached_kernel_that_others_could_have_written_is_never_loaded(
    tampered, tmp_path, monkeypatch, caplog
):
    # Loading a library runs its code: the cache must be the user's own.
    monkeypatch.setattr(_kernel_build, "_loaded", {})
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o755)
    cache.chmod(0o755)
    monkeypatch.setenv("SKLEARN_LSTMAE_CACHE_DIR", str(cache))
    monkeypatch.setenv("CXX", "g++")
    library = _kernel_build._library_path(["g++"])
    library.write_bytes(b"planted")
    library.chmod(0o644)
    if tampered == "library writable by others":
        library.chmod(0o666)
    elif tampered == "directory writable by others":
        cache.chmod(0o777)
    else:
        owner = library.stat().st_uid
        monkeypatch.setattr(_kernel_build.os, "getuid", lambda: owner + 1)
    loaded, built = [], []
    monkeypatch.setattr(_kernel_build.tf, "load_op_library", loaded.append)
    monkeypatch.setattr(_kernel_build, "_build", lambda *args: built.append(args))
    with caplog.at_level(logging.WARNING, logger="sklearn_lstmae._kernel_build"):
        assert load_fused_kernels() is None
    assert loaded == []  # never loaded, hence never run
    (record,) = caplog.records
    message = record.getMessage()
    assert "is not loaded" in message and "SKLEARN_LSTMAE_CACHE_DIR" in message
    assert ("another user" in tampered) == ("belongs to user id" in message)


def test_a_cached_kernel_of_the_user_alone_is_loaded(tmp_path, monkeypatch):
    monkeypatch.setattr(_kernel_build, "_loaded", {})
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o755)
    monkeypatch.setenv("SKLEARN_LSTMAE_CACHE_DIR", str(cache))
    monkeypatch.setenv("CXX", "g++")
    library = _kernel_build._library_path(["g++"])
    library.write_bytes(b"built")
    library.chmod(0o755)
    monkeypatch.setattr(_kernel_build.tf, "load_op_library", lambda path: ("kernels", path))
    assert load_fused_kernels() == ("kernels", str(library))


def test_a_built_kernel_is_writable_by_its_owner_alone(tmp_path, monkeypatch):
    # Whatever the umask, the library written into the cache cannot be
    # replaced by another user, so the next load accepts it.
    monkeypatch.setenv("SKLEARN_LSTMAE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_kernel_build, "_target_flags", lambda compiler: ["-march=native"])
    library = _kernel_build._library_path(["g++"])

    def fake_compiler(command, **kwargs):
        output = command[command.index("-o") + 1]
        with open(output, "wb") as file:
            file.write(b"built")
        os.chmod(output, 0o777)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(_kernel_build.subprocess, "run", fake_compiler)
    _kernel_build._build(["g++"], library)
    assert library.read_bytes() == b"built"
    assert library.stat().st_mode & 0o022 == 0
    assert library.parent.stat().st_mode & 0o022 == 0


def test_the_build_shows_warnings_about_our_source():
    # No -w: TensorFlow's headers are system headers, our source is not.
    command = _kernel_build._build_command(["g++"], "out.so")
    assert "-w" not in command and "-Wall" in command
    assert not any(flag.startswith("-I") for flag in command)


def test_environment_variable_turns_the_kernel_off(monkeypatch):
    monkeypatch.setenv("SKLEARN_LSTMAE_FUSED_KERNELS", "0")
    assert load_fused_kernels() is None


@needs_kernels
def test_kernel_refuses_inconsistent_shapes():
    kernels = load_fused_kernels()
    with pytest.raises(tf.errors.InvalidArgumentError, match="4 \\* units"):
        kernels.sklearn_lstmae_lstm_sequence(
            tf.zeros((2, 3, 7)), tf.zeros((2, 8)), tf.constant(3, tf.int32), tf.zeros((0, 0))
        )
    with pytest.raises(tf.errors.InvalidArgumentError, match="1 or `timesteps` steps"):
        kernels.sklearn_lstmae_lstm_sequence(
            tf.zeros((2, 3, 8)), tf.zeros((2, 8)), tf.constant(5, tf.int32), tf.zeros((0, 0))
        )
    with pytest.raises(tf.errors.InvalidArgumentError, match="mask must be"):
        kernels.sklearn_lstmae_lstm_sequence(
            tf.zeros((2, 3, 8)), tf.zeros((2, 8)), tf.constant(3, tf.int32), tf.zeros((2, 2))
        )


@needs_kernels
@cells
@pytest.mark.parametrize("code", ["last", "pooled"])
@pytest.mark.parametrize("padded", [False, True], ids=["unpadded", "padded"])
def test_a_sequences_code_does_not_depend_on_its_place_in_the_batch(padded, code, cell):
    # units=17 and 30 steps: rows of the kernel's [batch, time, 4 * units]
    # tensors start at addresses of every alignment; computing there made a
    # row's last bits depend on its index. The same held for the pooled
    # code's mean over time.
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 30, 2)).astype("float32")
    if padded:
        X[7, 21:] = np.nan
    model = LSTMAutoencoderTransformer(units=17, cell=cell, code=code, epochs=1, random_state=0)
    model.fit(X)
    codes = model.transform(X)
    for start in (1, 2, 3, 5):
        np.testing.assert_array_equal(model.transform(X[start:]), codes[start:])
    np.testing.assert_array_equal(
        model.inverse_transform(codes[1:]), model.inverse_transform(codes)[1:]
    )


@needs_kernels
@pytest.mark.parametrize(
    "params",
    [
        {"cell": "lstm", "code": "last", "input_noise": 0.0},
        {"cell": "gru", "code": "pooled"},  # with the transformer's default noise
        {"cell": "gru", "units": (6, 4), "composite": True},
    ],
    ids=["lstm", "gru-pooled", "gru-stacked-composite"],
)
@pytest.mark.slow  # whole fits, twice each
def test_estimator_fits_the_same_with_and_without_the_kernel(params, monkeypatch):
    rng = np.random.default_rng(0)
    steps = np.linspace(0, 3, 12)
    X = np.sin(steps[None, :, None] * rng.uniform(1, 3, (40, 1, 2)) + rng.uniform(0, 3, (40, 1, 2)))
    params = dict(params)
    composite = params.pop("composite", False)
    # The composite reads 9 steps and predicts the next 2.
    X, future = (X[:, :9].copy(), X[:, 9:11]) if composite else (X, None)
    X[3, 6:] = np.nan  # one shorter sequence: the masked kernels train too

    def fit():
        # A fresh engine cache: the compiled functions are traced anew.
        monkeypatch.setattr(_engine, "_cache", type(_engine._cache)())
        settings = {"units": 8, "epochs": 5, "batch_size": 16, "random_state": 0, **params}
        if composite:
            return CompositeLSTMRegressor(**settings).fit(X, future)
        return LSTMAutoencoderTransformer(**settings).fit(X)

    fused = fit()
    monkeypatch.setenv("SKLEARN_LSTMAE_FUSED_KERNELS", "0")
    plain = fit()
    np.testing.assert_allclose(fused.history_["loss"], plain.history_["loss"], rtol=1e-4)
    np.testing.assert_allclose(fused.transform(X), plain.transform(X), rtol=1e-4, atol=1e-5)
    if composite:
        np.testing.assert_allclose(fused.predict(X), plain.predict(X), rtol=1e-4, atol=1e-5)
    assert fused.history_["loss"][-1] < fused.history_["loss"][0]  # it trained

"""Save fitted estimators to one portable file, and load them back, without pickle.

A saved estimator is one zip archive (suggested extension ``.lstmae``) with
exactly two members:

``estimator.json``
    The format and the versions that wrote it, the estimator's class name,
    its constructor parameters and its fitted state (every plain-data
    attribute of the fitted estimator), in a strict JSON encoding described
    below.
``model.keras``
    The fitted ``model_`` in Keras's own ``.keras`` format (architecture and
    weights; no optimizer).

Loading never unpickles anything and never runs code from the file: the Keras
model is read in Keras's safe mode (which refuses ``Lambda`` layers and other
serialized Python code), then only its weights are kept, copied into networks
rebuilt by this library from the saved :class:`~sklearn_lstmae._networks.NetworkSpec`.

Values in ``params`` and ``state`` are JSON values: ``null``, booleans,
integers, finite floats, strings and lists of values as themselves, and
everything else as an object tagged with a ``"__type__"`` key:

- ``{"__type__": "tuple", "items": [...]}``
- ``{"__type__": "dict", "items": [[key, value], ...]}``
- ``{"__type__": "float", "value": "nan" | "inf" | "-inf"}``
- ``{"__type__": "ndarray" | "numpy_scalar", "dtype": ..., "shape": [...],
  "encoding": "base64" | "str", "data": ...}``: numeric, boolean, bytes
  and datetime arrays as their raw bytes in base64 (bit-exact), unicode
  arrays and object arrays of ``str`` as a flat list of strings;
- ``{"__type__": "NetworkSpec", "value": <dict>}``.

Decoding is strict: an unknown tag, a missing or extra key, or data that does
not match its dtype and shape is refused with a ValueError.
"""

import base64
import contextlib
import importlib
import json
import math
import os
import tempfile
import warnings
import zipfile
import zlib

import keras
import numpy as np
import tensorflow as tf
from sklearn.utils.validation import check_is_fitted

from ._networks import NetworkSpec, build_networks, require_eager_execution
from ._training import caller_stacklevel
from ._version import __version__

__all__ = [
    "KERAS_ATTRIBUTES",
    "keras_attributes",
    "load",
    "register_estimator",
    "save_estimator",
    "with_legacy_parameters",
]

FORMAT_NAME = "sklearn_lstmae"
FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = (1,)
JSON_MEMBER = "estimator.json"
MODEL_MEMBER = "model.keras"

_TYPE = "__type__"
_TOP_LEVEL_KEYS = frozenset(
    {
        "format",
        "format_version",
        "library_version",
        "keras_version",
        "tensorflow_version",
        "estimator_class",
        "params",
        "state",
    }
)
# Array kinds stored as raw bytes: bool, signed/unsigned int, float, complex,
# bytes, datetime, timedelta.
_RAW_KINDS = frozenset("biufcSmM")
# The kinds of the numpy dtypes that a parameter may name (a dtype or a scalar type).
_NUMBER_KINDS = frozenset("biufc")
# Python's own number types, which numpy reads as dtypes (dtype=float).
_BUILTIN_NUMBER_TYPES = {kind.__name__: kind for kind in (bool, int, float, complex)}
_PICKLE_HINT = (
    "Use pickle or joblib to save this estimator instead (they keep arbitrary "
    "Python objects, and so must only be loaded from trusted sources)."
)


# -- what the estimators tell this module (it imports none of them) ---------------
# Fitted attributes that hold Keras networks: stored as one Keras model, rebuilt on loading.
KERAS_ATTRIBUTES = ("model_", "encoder_", "decoder_", "predictor_")

# The value each parameter had before it existed, for files and pickles written
# by a version without it: that is what their fitted networks were built with.
# Never the estimator's current default, which may change between versions.
LEGACY_PARAMETER_VALUES = {
    "code": "last",  # added in 0.2.0; the final state was the code before
    "input_noise": 0.0,  # added in 0.2.0; no noise before
    "max_timesteps": None,  # added in 0.4.0; sequences were never folded before
}

_ESTIMATOR_CLASSES = {}


def register_estimator(cls):
    """Class decorator: let :func:`save_estimator` write and :func:`load` read ``cls``."""
    _ESTIMATOR_CLASSES[cls.__name__] = cls
    return cls


def _registered_estimators():
    """Every estimator class, its module imported first if nothing had imported it yet.

    The package loads its names lazily, so a process may call :func:`load`
    before it has touched the class a file names. The modules are named by
    the package (``_ESTIMATOR_MODULES``): this module imports none statically.
    """
    package = importlib.import_module(__package__)
    for module in package._ESTIMATOR_MODULES:
        importlib.import_module(f"{__package__}.{module}")
    return _ESTIMATOR_CLASSES


def keras_attributes(networks):
    """The fitted attributes (``model_``, ``encoder_``...) of built ``networks``."""
    return {name + "_": network for name, network in networks.items()}


def with_legacy_parameters(cls, params):
    """``params`` plus the legacy value of each parameter of ``cls`` it lacks.

    Raises
    ------
    ValueError
        If a parameter is missing that has no legacy value: the file or
        pickle is damaged, not merely old.
    """
    expected = cls._get_param_names()
    missing = [name for name in expected if name not in params]
    unknown = [name for name in missing if name not in LEGACY_PARAMETER_VALUES]
    if unknown:
        raise ValueError(
            f"The saved {cls.__name__} lacks the parameters {unknown}, which no version "
            "of sklearn_lstmae went without: the file or pickle is damaged."
        )
    # The given order first, as it was saved.
    return {**params, **{name: LEGACY_PARAMETER_VALUES[name] for name in missing}}


def _running_versions():
    return {
        "library_version": __version__,
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
    }


# -- encoding -------------------------------------------------------------------
class _Unsaveable(TypeError):
    """A value outside the format; ``where`` locates it inside its attribute."""

    def __init__(self, value, where):
        super().__init__()
        self.value = value
        self.where = where


def _hint(value):
    """Why ``value`` cannot be stored, and what to do instead."""
    kind = type(value)
    module = getattr(kind, "__module__", "") or ""
    if isinstance(value, (np.random.RandomState, np.random.Generator, np.random.BitGenerator)):
        return (
            "a numpy random generator's state cannot be stored in this format: pass an "
            "integer seed (for example random_state=0), which also makes fits reproducible."
        )
    if isinstance(value, keras.callbacks.Callback):
        return (
            "Keras callbacks cannot be stored in this format; they only act during fit, so "
            "set_params(callbacks=None) before saving if they are not needed afterwards."
        )
    if isinstance(value, keras.optimizers.Optimizer):
        return (
            "Keras optimizer objects cannot be stored in this format. An optimizer with "
            "Keras's default settings but its learning rate can be given by name instead "
            "(optimizer='adam', with learning_rate) in a new fit; one with other settings "
            "(weight_decay, beta_1, momentum...) cannot."
        )
    if module == "keras" or module.startswith(("keras.", "tensorflow", "tf_keras")):
        return (
            "Keras and TensorFlow objects (callbacks, optimizers, layers, models, "
            "tensors...) cannot be stored in this format: pass settings by name or as "
            "numbers where the estimator allows it."
        )
    if callable(value):
        return "functions and other callables cannot be stored: they would be code."
    return (
        "only None, booleans, numbers, strings, lists, tuples and dicts of those, numpy "
        "scalars and numpy arrays (numeric, or of strings) can be stored."
    )


def _encode_array(array, tag, where):
    dtype = array.dtype
    if dtype.fields is not None or dtype.subdtype is not None:
        raise _Unsaveable(array, where)
    if dtype.kind in _RAW_KINDS:
        data = base64.b64encode(np.ascontiguousarray(array).tobytes(order="C")).decode("ascii")
        encoding = "base64"
        dtype_name = dtype.str
    elif dtype.kind == "U":
        data = [str(item) for item in array.ravel(order="C").tolist()]
        encoding = "str"
        dtype_name = dtype.str
    elif dtype.kind == "O":
        items = array.ravel(order="C").tolist() if array.ndim else [array[()]]
        for item in items:
            if not isinstance(item, str):
                raise _Unsaveable(item, f"{where} (an object array element)")
        data = [str(item) for item in items]
        encoding = "str"
        dtype_name = "object"
    else:
        raise _Unsaveable(array, where)
    return {
        _TYPE: tag,
        "dtype": dtype_name,
        "shape": [int(n) for n in array.shape],
        "encoding": encoding,
        "data": data,
    }


def _encode(value, where):
    """``value`` as a JSON value of this format, or raise :class:`_Unsaveable`."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        if math.isfinite(value):
            return value
        return {_TYPE: "float", "value": repr(value)}  # 'nan', 'inf' or '-inf'
    if isinstance(value, np.generic):
        return _encode_array(np.asarray(value), "numpy_scalar", where)
    if kind is np.ndarray:
        return _encode_array(value, "ndarray", where)
    if kind is list:
        return [_encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if kind is tuple:
        return {_TYPE: "tuple", "items": [_encode(v, f"{where}[{i}]") for i, v in enumerate(value)]}
    if kind is dict:
        return {
            _TYPE: "dict",
            "items": [
                [_encode(key, f"{where} (a key)"), _encode(item, f"{where}[{key!r}]")]
                for key, item in value.items()
            ],
        }
    if kind is NetworkSpec:
        return {_TYPE: "NetworkSpec", "value": _encode(value.to_dict(), where)}
    # dtype parameters spelled the numpy way: np.dtype("float64"), np.float64 (by name only).
    if isinstance(value, np.dtype) and value.kind in _NUMBER_KINDS:
        return {_TYPE: "numpy_dtype", "value": value.name}
    if any(value is builtin for builtin in _BUILTIN_NUMBER_TYPES.values()):  # dtype=float
        return {_TYPE: "builtin_type", "value": value.__name__}
    if isinstance(value, type) and issubclass(value, np.generic):
        if np.dtype(value).kind in _NUMBER_KINDS:
            return {_TYPE: "numpy_type", "value": np.dtype(value).name}
    raise _Unsaveable(value, where)


def _encode_named(values, what):
    """Encode a mapping of attribute or parameter names to values."""
    encoded = {}
    for name, value in values.items():
        try:
            encoded[name] = _encode(value, name)
        except _Unsaveable as error:
            raise TypeError(
                f"Cannot save {what} {name!r}: {error.where} holds a "
                f"{type(error.value).__module__}.{type(error.value).__qualname__}, and "
                f"{_hint(error.value)} {_PICKLE_HINT}"
            ) from None
    return encoded


# -- decoding -------------------------------------------------------------------
def _invalid(message):
    return ValueError(f"Not a valid sklearn_lstmae file: {message}")


def _check_keys(obj, keys):
    if set(obj) != set(keys):
        raise _invalid(
            f"a {obj.get(_TYPE)!r} entry has keys {sorted(obj)}, expected {sorted(keys)}."
        )


def _decode_array(obj):
    _check_keys(obj, (_TYPE, "dtype", "shape", "encoding", "data"))
    shape, encoding, data, dtype_name = obj["shape"], obj["encoding"], obj["data"], obj["dtype"]
    if not isinstance(shape, list) or not all(type(n) is int and n >= 0 for n in shape):
        raise _invalid(f"array shape {shape!r} is not a list of non-negative integers.")
    size = math.prod(shape)
    if not isinstance(dtype_name, str):
        raise _invalid(f"array dtype {dtype_name!r} is not a string.")
    if dtype_name == "object":
        dtype = np.dtype(object)
    else:
        try:
            dtype = np.dtype(dtype_name)
        except TypeError:
            raise _invalid(f"unknown array dtype {dtype_name!r}.") from None
        if dtype.fields is not None or dtype.subdtype is not None or dtype.kind == "O":
            raise _invalid(f"array dtype {dtype_name!r} is not allowed.")
    if encoding == "base64" and dtype.kind in _RAW_KINDS:
        if not isinstance(data, str):
            raise _invalid("base64 array data is not a string.")
        try:
            raw = base64.b64decode(data.encode("ascii"), validate=True)
        except (ValueError, UnicodeEncodeError):
            raise _invalid("array data is not valid base64.") from None
        if len(raw) != size * dtype.itemsize:
            raise _invalid(
                f"array data holds {len(raw)} bytes; dtype {dtype_name} and shape "
                f"{tuple(shape)} need {size * dtype.itemsize}."
            )
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if encoding == "str" and dtype.kind in "UO":
        if not isinstance(data, list) or not all(type(item) is str for item in data):
            raise _invalid("string array data is not a list of strings.")
        if len(data) != size:
            raise _invalid(
                f"string array holds {len(data)} items; shape {tuple(shape)} needs {size}."
            )
        if dtype.kind == "U" and any(len(item) > dtype.itemsize // 4 for item in data):
            raise _invalid(f"a string is longer than its dtype {dtype_name} holds.")
        array = np.empty(size, dtype=dtype)
        array[:] = data
        return array.reshape(shape)
    raise _invalid(f"array encoding {encoding!r} does not fit dtype {dtype_name!r}.")


def _decode(value):
    """Inverse of :func:`_encode`; raise ValueError on anything not in the format."""
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value
    if type(value) is list:
        return [_decode(item) for item in value]
    if type(value) is not dict:
        raise _invalid(f"unexpected JSON value {value!r}.")
    tag = value.get(_TYPE)
    if tag == "tuple":
        _check_keys(value, (_TYPE, "items"))
        if type(value["items"]) is not list:
            raise _invalid("tuple items are not a list.")
        return tuple(_decode(item) for item in value["items"])
    if tag == "dict":
        _check_keys(value, (_TYPE, "items"))
        items = value["items"]
        if type(items) is not list or not all(
            type(pair) is list and len(pair) == 2 for pair in items
        ):
            raise _invalid("dict items are not a list of [key, value] pairs.")
        try:
            return {_decode(key): _decode(item) for key, item in items}
        except TypeError:
            raise _invalid("a dict key is not hashable.") from None
    if tag == "float":
        _check_keys(value, (_TYPE, "value"))
        if value["value"] not in ("nan", "inf", "-inf"):
            raise _invalid(f"float value {value['value']!r} is not nan, inf or -inf.")
        return float(value["value"])
    if tag == "ndarray":
        return _decode_array(value)
    if tag == "numpy_scalar":
        array = _decode_array(value)
        if array.ndim != 0:
            raise _invalid("a numpy scalar has a non-empty shape.")
        return array[()]
    if tag == "builtin_type":
        _check_keys(value, (_TYPE, "value"))
        if not isinstance(value["value"], str) or value["value"] not in _BUILTIN_NUMBER_TYPES:
            raise _invalid(f"builtin_type {value['value']!r} is not a number type.")
        return _BUILTIN_NUMBER_TYPES[value["value"]]
    if tag in ("numpy_dtype", "numpy_type"):
        _check_keys(value, (_TYPE, "value"))
        name = value["value"]
        try:
            dtype = np.dtype(name) if isinstance(name, str) else None
        except (TypeError, ValueError):  # not a dtype, or one numpy refuses to build
            dtype = None
        if dtype is None or dtype.kind not in _NUMBER_KINDS or dtype.name != name:
            raise _invalid(f"{tag} {name!r} is not the name of a numeric numpy dtype.")
        return dtype if tag == "numpy_dtype" else dtype.type
    if tag == "NetworkSpec":
        _check_keys(value, (_TYPE, "value"))
        data = _decode(value["value"])
        if type(data) is not dict:
            raise _invalid("a NetworkSpec is not stored as a dict.")
        try:
            return NetworkSpec.from_dict(data)
        except (TypeError, KeyError, ValueError) as error:
            raise _invalid(f"bad NetworkSpec {data!r}: {error}") from None
    raise _invalid(f"unknown type marker {tag!r}.")


def _reject_constant(name):
    raise _invalid(f"JSON constant {name} is not allowed (non-finite floats are tagged).")


# -- atomic writing -----------------------------------------------------------
def _new_file_mode():
    """Permissions a plainly created file would get: 0o666 less the umask."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX; a no-op where directories can't be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _check_target(path):
    """Refuse, naming the user's ``path`` (a str), a file that could not be written there."""
    if not path:
        raise ValueError("Cannot save to an empty path: give a file name, such as 'model.lstmae'.")
    directory = os.path.dirname(os.path.abspath(path))
    if path.endswith(tuple(sep for sep in (os.sep, os.altsep) if sep)) and not os.path.isdir(path):
        raise FileNotFoundError(
            f"Cannot save to {path}: it ends with a separator, so it names a directory, "
            f"which does not exist. Give a file name, such as {os.path.join(path, 'model.lstmae')}."
        )
    if os.path.isdir(path):
        raise IsADirectoryError(
            f"Cannot save to {path}: it is a directory. Give a file name, such as "
            f"{os.path.join(path, 'model.lstmae')}."
        )
    parent = directory
    while not os.path.exists(parent) and os.path.dirname(parent) != parent:
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise NotADirectoryError(
            f"Cannot save to {path}: {parent} is a file, not a directory. Save elsewhere."
        )
    if not os.path.isdir(directory):
        raise FileNotFoundError(
            f"Cannot save to {path}: the directory {directory} does not exist. "
            "Create it first (for example with os.makedirs), or save elsewhere."
        )


def _write_atomically(path, write):
    """Call ``write(file)`` on a temporary file, then move it onto ``path`` (a str) at once.

    The temporary file lives in the same directory (so the final
    ``os.replace`` is an atomic rename), is flushed and fsynced before the
    rename, and is removed on any error. A process killed before the rename
    leaves ``path`` as it was (and may leave a hidden ``.<name>.*.tmp`` file).
    """
    _check_target(path)
    target = os.path.realpath(path)
    directory, name = os.path.split(target)
    try:
        mode = os.stat(target).st_mode & 0o7777
    except OSError:
        mode = _new_file_mode()
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
    except OSError as error:  # named after the user's path, not the temporary file's
        raise type(error)(
            f"Cannot save to {path}: {error.strerror or error} (writing a temporary "
            f"file in {directory})."
        ) from error
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temporary)
        raise
    _fsync_directory(directory)


# -- public API -----------------------------------------------------------------
def save_estimator(estimator, path):
    """Save a fitted estimator to one file, without pickle.

    The file is a zip archive holding ``estimator.json`` (versions, class
    name, parameters and fitted state) and ``model.keras`` (the Keras model in
    Keras's own format). It is written atomically: into a temporary file in
    the same directory, flushed to disk, then renamed onto ``path``, so a
    crash or an error mid-save leaves any earlier file at ``path`` intact.

    Parameters
    ----------
    estimator : estimator of this library
        A fitted LSTMAutoencoderTransformer, CompositeLSTMRegressor,
        LSTMAutoencoderOutlierDetector or LSTMAutoencoderSeriesDetector.
    path : str or path-like
        Where to write; any name works, ``.lstmae`` is the suggested
        extension. An existing file is replaced.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.
    FileNotFoundError
        If the directory of ``path`` does not exist (nothing is created).
    NotADirectoryError
        If a parent of ``path`` is a file.
    IsADirectoryError
        If ``path`` is a directory.
    ValueError
        If ``path`` is empty.
    TypeError
        If ``estimator`` is not one of this library's estimators, or a
        parameter or fitted attribute holds something this format cannot
        store (a ``RandomState`` as ``random_state``, Keras callbacks or
        optimizers, functions...): use pickle or joblib for those.

    See Also
    --------
    load : Read the file back.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_lstmae import LSTMAutoencoderTransformer
    >>> from sklearn_lstmae._persistence import load, save_estimator
    >>> X = np.random.RandomState(0).rand(20, 8, 2)
    >>> encoder = LSTMAutoencoderTransformer(units=4, epochs=2, random_state=0).fit(X)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "encoder.lstmae")
    ...     save_estimator(encoder, path)
    ...     loaded = load(path)
    >>> bool(np.array_equal(loaded.transform(X), encoder.transform(X)))
    True
    """
    classes = _registered_estimators()
    name = type(estimator).__name__
    if classes.get(name) is not type(estimator):
        raise TypeError(
            f"save_estimator saves {' and '.join(sorted(classes))} only, got "
            f"{type(estimator).__module__}.{type(estimator).__qualname__}. {_PICKLE_HINT}"
        )
    check_is_fitted(estimator)
    path = os.fsdecode(os.fspath(path))  # str, bytes or path-like: the same file, as a str
    _check_target(path)  # before the network is serialised: fail fast
    params = estimator.get_params(deep=False)
    keras_names = frozenset(KERAS_ATTRIBUTES)
    state = {
        key: value
        for key, value in estimator.__dict__.items()
        if key not in params and key not in keras_names
    }
    if _METADATA_REQUEST in state:  # set_fit_request(...) and the like: kept as plain data
        state[_METADATA_REQUEST] = _metadata_requests(state[_METADATA_REQUEST])
    document = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        **_running_versions(),
        "estimator_class": name,
        "params": _encode_named(params, "parameter"),
        "state": _encode_named(state, "fitted attribute"),
    }
    payload = json.dumps(document, allow_nan=False, indent=1).encode("utf-8")

    with tempfile.TemporaryDirectory(prefix="sklearn_lstmae_") as folder:
        model_path = os.path.join(folder, MODEL_MEMBER)
        estimator.model_.save(model_path)

        def write(file):
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(JSON_MEMBER, payload)
                archive.write(model_path, MODEL_MEMBER)

        _write_atomically(path, write)


def _read_document(archive):
    try:
        text = archive.read(JSON_MEMBER).decode("utf-8")
        document = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise _invalid(f"{JSON_MEMBER} is not valid JSON ({error}).") from None
    if type(document) is not dict or document.get("format") != FORMAT_NAME:
        raise _invalid(f"{JSON_MEMBER} does not describe an sklearn_lstmae estimator.")
    version = document.get("format_version")
    if type(version) is not int or version not in SUPPORTED_FORMAT_VERSIONS:
        raise ValueError(
            f"Unknown sklearn_lstmae file format version {version!r}: this version of "
            f"sklearn_lstmae reads format version(s) {SUPPORTED_FORMAT_VERSIONS}. The file "
            "may come from a newer sklearn_lstmae; upgrade to load it."
        )
    if set(document) != _TOP_LEVEL_KEYS:
        raise _invalid(
            f"{JSON_MEMBER} has keys {sorted(document)}, expected {sorted(_TOP_LEVEL_KEYS)}."
        )
    for key in ("library_version", "keras_version", "tensorflow_version", "estimator_class"):
        if type(document[key]) is not str:
            raise _invalid(f"{key} is not a string.")
    for key in ("params", "state"):
        if type(document[key]) is not dict:
            raise _invalid(f"{key} is not a JSON object.")
    return document


def _warn_on_version_change(document):
    labels = {
        "library_version": "sklearn_lstmae",
        "keras_version": "Keras",
        "tensorflow_version": "TensorFlow",
    }
    running = _running_versions()
    changes = [
        f"{label} {document[key]} (running {running[key]})"
        for key, label in labels.items()
        if document[key] != running[key]
    ]
    if changes:
        warnings.warn(
            "This estimator was saved with " + ", ".join(changes) + ". It loads, but its "
            "outputs may differ slightly from those of the saved estimator; refit it with "
            "the running versions to be sure.",
            UserWarning,
            stacklevel=caller_stacklevel(),  # the user's load(...) line
        )


def _load_keras_model(archive, folder):
    model_path = os.path.join(folder, MODEL_MEMBER)
    with archive.open(MODEL_MEMBER) as source, open(model_path, "wb") as target:
        while chunk := source.read(1 << 20):
            target.write(chunk)
    try:
        return keras.saving.load_model(model_path, safe_mode=True, compile=False)
    except Exception as error:
        raise ValueError(
            f"Refusing to load {MODEL_MEMBER}: Keras could not read it in safe mode. "
            "Either the file carries code (such as a Lambda layer or a serialized Python "
            "function), which safe mode refuses as unsafe, or it is not a model saved by "
            f"sklearn_lstmae. Keras said: {type(error).__name__}: {error}"
        ) from error


def _read_archive(archive):
    """The class, parameters, fitted state and safely loaded Keras model of a file."""
    names = archive.namelist()
    if sorted(names) != sorted({JSON_MEMBER, MODEL_MEMBER}):
        raise _invalid(
            f"the archive holds {sorted(names)}, expected exactly {[JSON_MEMBER, MODEL_MEMBER]}."
        )
    document = _read_document(archive)
    classes = _registered_estimators()
    class_name = document["estimator_class"]
    if class_name not in classes:
        raise ValueError(
            f"Refusing to load: the file names estimator class {class_name!r}; "
            f"sklearn_lstmae files hold only {' or '.join(sorted(classes))}."
        )
    cls = classes[class_name]
    _warn_on_version_change(document)
    try:
        params = {name: _decode(value) for name, value in document["params"].items()}
        state = {name: _decode(value) for name, value in document["state"].items()}
    except RecursionError:
        raise _invalid("values are nested too deeply.") from None
    _check_state_names(cls, params, state)
    with tempfile.TemporaryDirectory(prefix="sklearn_lstmae_") as folder:
        loaded = _load_keras_model(archive, folder)
    return class_name, cls, params, state, loaded


def load(path):
    """Load an estimator saved with ``save``, without pickle or code execution.

    The Keras model inside the file is read in Keras's safe mode, which
    refuses ``Lambda`` layers and any other serialized Python code; then only
    its weights are used, copied into networks that this library rebuilds
    from the saved architecture.

    Parameters
    ----------
    path : str or path-like
        A file written by ``save`` (:func:`save_estimator`).

    Returns
    -------
    estimator : estimator of this library
        The fitted estimator, of the class that was saved, giving the same
        outputs as the saved one (bit for bit with the same versions of the
        libraries, on CPU).

    Raises
    ------
    ValueError
        If the file is not a zip archive in this format, names an unknown
        class or format version, carries code, or its model does not match
        its description.

    Warns
    -----
    UserWarning
        If the file was saved with another version of sklearn_lstmae, Keras
        or TensorFlow.

    See Also
    --------
    save_estimator : Write such a file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from sklearn_lstmae import CompositeLSTMRegressor
    >>> from sklearn_lstmae._persistence import load, save_estimator
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.rand(20, 8), rng.rand(20, 2)
    >>> model = CompositeLSTMRegressor(units=4, epochs=2, random_state=0).fit(X, y)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "model.lstmae")
    ...     save_estimator(model, path)
    ...     loaded = load(path)
    >>> type(loaded).__name__, loaded.get_params() == model.get_params()
    ('CompositeLSTMRegressor', True)
    >>> bool(np.array_equal(loaded.predict(X), model.predict(X)))
    True
    """
    require_eager_execution()  # before build_networks, whose failures mean a bad file
    with open(path, "rb") as file:
        if not zipfile.is_zipfile(file):
            file.seek(0)
            if file.read(4) == b"PK\x03\x04":  # a zip archive's start, without its end
                raise ValueError(
                    f"{os.fspath(path)!r} is truncated or damaged: it starts as a zip archive "
                    "but its end is missing (an interrupted copy or download?). Copy or save "
                    "it again."
                )
            raise ValueError(
                f"{os.fspath(path)!r} is not an sklearn_lstmae file: it is not a zip archive."
            )
        try:
            with zipfile.ZipFile(file) as archive:
                class_name, cls, params, state, loaded = _read_archive(archive)
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            raise _invalid(f"the zip archive is damaged ({error}).") from None
    spec = state["_spec"]

    try:
        networks = build_networks(spec)
    except Exception as error:
        raise _invalid(f"cannot build networks from the saved spec {spec!r}: {error}") from None
    weights = loaded.get_weights()
    expected = networks["model"].get_weights()
    shapes = [np.shape(w) for w in weights]
    expected_shapes = [w.shape for w in expected]
    if shapes != expected_shapes:
        raise ValueError(
            f"The file does not match its own description: {MODEL_MEMBER} holds weights of "
            f"shapes {shapes}, but the saved spec builds networks with weights of shapes "
            f"{expected_shapes}."
        )
    networks["model"].set_weights(weights)

    try:
        estimator = cls(**with_legacy_parameters(cls, params))
    except TypeError as error:
        raise _invalid(f"parameters do not fit {class_name}: {error}") from None
    try:
        changed = estimator._architecture_changes(spec)
    except Exception as error:  # a parameter no network could be built from
        raise _invalid(f"its parameters cannot describe a network ({error}).") from None
    if changed:
        # get_params, clone and a later fit would build another network than the weights'.
        values = ", ".join(f"{name}={getattr(estimator, name)!r}" for name in changed)
        raise _invalid(f"its parameters ({values}) do not match the network it holds.")
    requests = state.pop(_METADATA_REQUEST, None)
    estimator.__dict__.update(state)
    estimator.__dict__.update(keras_attributes(networks))
    if requests is not None:
        _set_metadata_requests(estimator, requests)
    return estimator


# scikit-learn keeps what set_fit_request(...) and the like asked for in this attribute.
_METADATA_REQUEST = "_metadata_request"


def _metadata_requests(metadata_request):
    """``{method: {parameter: request}}``: what was asked of metadata routing, as plain data.

    Only the requests that were set (``True``, ``False`` or an alias), not
    the default ``None``.
    """
    requests = {}
    for method, method_request in vars(metadata_request).items():
        asked = getattr(method_request, "requests", {})
        asked = {name: value for name, value in asked.items() if value is not None}
        if asked:
            requests[method] = asked
    return requests


def _set_metadata_requests(estimator, requests):
    """Ask again what :func:`_metadata_requests` recorded, by the public set_*_request."""
    import sklearn

    if type(requests) is not dict or not all(type(v) is dict for v in requests.values()):
        raise _invalid(f"{_METADATA_REQUEST} is not a mapping of methods to requests.")
    # The setters exist only while routing is on; the context restores the user's setting.
    with sklearn.config_context(enable_metadata_routing=True):
        for method, asked in requests.items():
            setter = getattr(estimator, f"set_{method}_request", None)
            if setter is None:
                raise _invalid(f"{type(estimator).__name__} routes no metadata to {method}.")
            try:
                setter(**asked)
            except (TypeError, ValueError) as error:
                raise _invalid(f"its metadata requests for {method} ({error}).") from None


def _check_state_names(cls, params, state):
    """Refuse fitted-state names that could shadow methods or Keras attributes."""
    keras_names = frozenset(KERAS_ATTRIBUTES)
    for name in state:
        class_attribute = getattr(cls, name, None)
        if (
            not name.isidentifier()
            or not (name.endswith("_") or name.startswith("_"))
            or (name.startswith("__") and name.endswith("__"))
            or name in params
            or name in keras_names
            or callable(class_attribute)
            or isinstance(class_attribute, property)
        ):
            raise _invalid(f"{name!r} is not a fitted attribute name.")
    if type(state.get("_spec")) is not NetworkSpec:
        raise _invalid("the fitted state has no NetworkSpec '_spec'.")

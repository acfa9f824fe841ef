"""What must happen before the package imports TensorFlow and Keras.

- Keras 3 runs on the backend named by ``KERAS_BACKEND`` (or by its
  ``keras.json``), and this library needs TensorFlow's. Another backend fails
  here, at ``import sklearn_lstmae``, with a message that says so and how to
  fix it, instead of deep inside Keras. Nothing is changed: neither the
  environment nor Keras's backend.
- The demo's own process (``python -m sklearn_lstmae``) imports TensorFlow with
  its start-up lines silenced. A plain ``import sklearn_lstmae`` changes
  nothing: only that process, the demo's, gets a quiet start.
"""

import contextlib
import json
import os
import sys
import tempfile

__all__ = ["check_keras_backend", "configured_backend"]

NEEDED_BACKEND = "tensorflow"
BACKEND_VARIABLE = "KERAS_BACKEND"
DEMO_MODULE = "sklearn_lstmae"


def _keras_config_path(environ):
    # Where Keras itself looks (keras/src/backend/config.py).
    if "KERAS_HOME" in environ:
        directory = environ["KERAS_HOME"]
    else:
        home = os.path.expanduser("~")
        directory = os.path.join(home if os.access(home, os.W_OK) else "/tmp", ".keras")
    return os.path.expanduser(os.path.join(directory, "keras.json"))


def configured_backend(environ=None, modules=None):
    """The Keras backend this process uses, and what chose it.

    Read without importing Keras: the Keras already imported, if any; else
    ``KERAS_BACKEND`` when set and not empty; else the ``"backend"`` of
    Keras's ``keras.json``; else TensorFlow, Keras's default.

    Parameters
    ----------
    environ : mapping, optional
        The environment; ``os.environ`` when None.
    modules : mapping, optional
        The imported modules; ``sys.modules`` when None.

    Returns
    -------
    backend : str
    source : str
        What set it, in words, for messages.

    Examples
    --------
    >>> from sklearn_lstmae._preflight import configured_backend
    >>> configured_backend(environ={"KERAS_BACKEND": "jax"}, modules={})
    ('jax', 'the environment variable KERAS_BACKEND')
    """
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    keras_config = getattr(modules.get("keras"), "config", None)
    if hasattr(keras_config, "backend"):
        return keras_config.backend(), "the Keras already imported in this process"
    if environ.get(BACKEND_VARIABLE):
        return environ[BACKEND_VARIABLE], f"the environment variable {BACKEND_VARIABLE}"
    path = _keras_config_path(environ)
    try:
        with open(path) as file:
            backend = json.load(file).get("backend")
    except (OSError, ValueError, AttributeError):
        backend = None
    if isinstance(backend, str) and backend:
        return backend, f'"backend" in {path}'
    return NEEDED_BACKEND, "Keras's default"


def check_keras_backend(environ=None, modules=None):
    """Raise ImportError unless Keras uses (or will use) its TensorFlow backend.

    Parameters
    ----------
    environ, modules : mapping, optional
        As in :func:`configured_backend`.

    Raises
    ------
    ImportError
        Naming the backend, what chose it, and how to choose TensorFlow.

    Examples
    --------
    >>> from sklearn_lstmae._preflight import check_keras_backend
    >>> check_keras_backend(environ={"KERAS_BACKEND": "tensorflow"}, modules={})
    >>> check_keras_backend(environ={"KERAS_BACKEND": "torch"}, modules={})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ImportError: sklearn_lstmae needs Keras's TensorFlow backend, ...
    """
    backend, source = configured_backend(environ, modules)
    if backend == NEEDED_BACKEND:
        return
    if source.startswith("the environment"):
        fix = (
            f"Unset {BACKEND_VARIABLE}, or set it to {NEEDED_BACKEND} (for example "
            f"`{BACKEND_VARIABLE}={NEEDED_BACKEND} python ...`), before Python starts"
        )
    elif source.startswith('"backend"'):
        fix = (
            f'Set "backend" to "{NEEDED_BACKEND}" in that file, or set the environment '
            f"variable {BACKEND_VARIABLE}={NEEDED_BACKEND} before Python starts"
        )
    else:
        fix = (
            f"Keras cannot switch backends once imported: import sklearn_lstmae in a process "
            f"whose Keras uses TensorFlow (start it with {BACKEND_VARIABLE}={NEEDED_BACKEND})"
        )
    raise ImportError(
        f"sklearn_lstmae needs Keras's TensorFlow backend, but Keras is set to use "
        f"{backend!r} by {source}. {fix}. (sklearn_lstmae does not switch Keras's backend "
        "for you: other code in this process may rely on it.)"
    )


def _running_as_demo(argv=None, orig_argv=None):
    """True while ``python -m sklearn_lstmae`` imports the package to find its ``__main__``."""
    argv = getattr(sys, "argv", []) if argv is None else argv  # none in an embedded Python
    orig_argv = getattr(sys, "orig_argv", []) if orig_argv is None else orig_argv
    # Python sets sys.argv[0] to "-m" while it locates the module given to -m.
    if argv[:1] != ["-m"]:
        return False
    pairs = zip(orig_argv, orig_argv[1:])
    return f"-m{DEMO_MODULE}" in orig_argv or ("-m", DEMO_MODULE) in pairs


@contextlib.contextmanager
def _quiet_stderr():
    """Send file descriptor 2 (C++ logging included) to a temporary file.

    On an error the captured text is written back to stderr before the error
    propagates, so nothing that explains a failure is lost.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no usable stderr: nothing to silence
        yield
        return
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        failed = False
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                captured.seek(0)
                os.write(2, captured.read())


def _quiet_demo_start():
    """In the demo's process: import TensorFlow and find its devices, silently."""
    # The demo's process only (see _running_as_demo): later C++ messages stay quiet too.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _quiet_stderr():
        import tensorflow as tf

        # Looking for GPUs logs (on a machine without one) a CUDA error line.
        tf.config.list_physical_devices()


def _asks_for_help(orig_argv=None):
    """True when the demo's command line asks only for its help (``-h``, ``--help``, ``--he``...).

    Examples
    --------
    >>> from sklearn_lstmae._preflight import _asks_for_help
    >>> _asks_for_help(["python", "-m", "sklearn_lstmae", "--help"])
    True
    >>> _asks_for_help(["python", "-m", "sklearn_lstmae", "--quick"])
    False
    """
    orig_argv = getattr(sys, "orig_argv", []) if orig_argv is None else orig_argv
    return any(
        arg == "-h" or (arg.startswith("--h") and "--help".startswith(arg)) for arg in orig_argv
    )


check_keras_backend()
if _running_as_demo() and not _asks_for_help():  # the help needs no TensorFlow
    _quiet_demo_start()

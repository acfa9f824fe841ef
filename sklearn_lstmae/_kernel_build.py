"""Building, caching and loading the fused kernels' compiled library.

The kernels (``_recurrent_kernels.cc``) are compiled with the system's C++
compiler on first use, against the installed TensorFlow, and cached in
``$SKLEARN_LSTMAE_CACHE_DIR`` (by default ``$XDG_CACHE_HOME/sklearn_lstmae``,
``~/.cache/sklearn_lstmae`` without it; a default that cannot be written, such
as a read-only home, falls back to a folder of the user's own in the temporary
directory, as Keras does for its configuration), one
file per source, TensorFlow version, compiler command and CPU. Loading a
library runs its code, so a cached library is loaded only when it and its
directory belong to the current user and nobody else can write to them.
A build that the compiler refuses is remembered beside it (``.failed``, with
the compiler's messages), so that later processes fall back to Keras's layers
at once instead of failing the same build again.
"""

import contextlib
import hashlib
import logging
import os
import platform
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import tensorflow as tf

__all__ = ["load_fused_kernels"]

logger = logging.getLogger(__name__)

SOURCE = Path(__file__).with_name("_recurrent_kernels.cc")
DISABLE_VARIABLE = "SKLEARN_LSTMAE_FUSED_KERNELS"
CACHE_VARIABLE = "SKLEARN_LSTMAE_CACHE_DIR"
RECORD_LIMIT = 65536  # characters of the compiler's messages kept in a failure record

_lock = threading.Lock()
_loaded = {}


def _cache_dir():
    configured = os.environ.get(CACHE_VARIABLE)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME", "")
    # The XDG specification: a relative path is invalid and ignored (it would
    # make every working directory a cache of its own).
    base = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return base / "sklearn_lstmae"


def _fallback_cache_dir():
    """The user's own folder in the temporary directory, for an unwritable default."""
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"sklearn_lstmae-{user}"


def _can_write(directory):
    try:
        _make_cache_dir(directory)
    except OSError:
        return False
    return os.access(directory, os.W_OK | os.X_OK)


def _cpu_signature():
    # The build uses -march=native: a cache shared between machines must not
    # hand one CPU's binary to another.
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith(("flags", "Features")):
                    return line
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _compiler_defines(compiler, flag):
    """The preprocessor macros that ``compiler`` defines under ``flag`` ("" if it cannot say)."""
    try:
        result = subprocess.run(
            [*compiler, flag, "-dM", "-E", "-x", "c++", os.devnull],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout


def _target_flags(compiler):
    """This CPU's instruction sets, less those TensorFlow's headers cannot compile.

    TensorFlow's bundled Eigen (``Eigen/src/Core/arch/AVX512/PacketMathFP16.h``,
    TensorFlow 2.21) fails to compile under GCC 12 once ``-march=native`` turns
    on AVX512-FP16 (Sapphire Rapids and later Xeons): "expected initializer
    before '<' token". The kernels compute in float32 only, so
    leaving the half-precision instructions out costs nothing. Decided when
    building (the compiler is asked only on CPUs that have them, ~40 ms), from
    what the library's name already holds: the compiler command and the CPU.
    """
    flags = ["-march=native"]
    if "avx512_fp16" in _cpu_signature().split() and "__AVX512FP16__" in _compiler_defines(
        compiler, "-march=native"
    ):
        flags.append("-mno-avx512fp16")
    return flags


def _build_command(compiler, output, target_flags=("-march=native",)):
    # TensorFlow's headers as system headers: their own deprecation warnings
    # are not ours, while every warning about our source stays visible.
    compile_flags = [
        "-isystem" + flag[2:] if flag.startswith("-I") else flag
        for flag in tf.sysconfig.get_compile_flags()
    ]
    return [
        *compiler,
        "-shared",
        "-fPIC",
        "-O3",
        *target_flags,
        "-DNDEBUG",
        "-Wall",
        # GCC's own AVX-512 intrinsics initialise a register from itself on
        # purpose (_mm512_undefined_ps), which -Wall reports hundreds of times
        # wherever Eigen's vectorised tanh and max are inlined.
        "-Wno-maybe-uninitialized",
        str(SOURCE),
        "-o",
        str(output),
        *compile_flags,
        *tf.sysconfig.get_link_flags(),
    ]


def _library_path(compiler):
    """Where the library for ``compiler`` is, or is to be built.

    In the cache directory; when the default one cannot be written and holds
    no such library yet (a read-only home: a container, a compute node), in
    :func:`_fallback_cache_dir`.
    """
    key = hashlib.sha256(
        b"\0".join(
            [
                SOURCE.read_bytes(),
                tf.__version__.encode(),
                # The command as asked for: the flags that _build derives from
                # the compiler and the CPU follow from this and the CPU below.
                " ".join(_build_command(compiler, "")).encode(),
                _cpu_signature().encode(),
                sys.platform.encode(),
            ]
        )
    ).hexdigest()[:16]
    library = _cache_dir() / f"recurrent_kernels_{key}.so"
    if library.exists() or os.environ.get(CACHE_VARIABLE) or _can_write(library.parent):
        return library
    return _fallback_cache_dir() / library.name


def _make_cache_dir(directory):
    # Created private to the user's group at most; an existing one is checked before loading.
    directory.mkdir(mode=0o755, parents=True, exist_ok=True)


def _build(compiler, library):
    _make_cache_dir(library.parent)
    # Build in a private directory next to the target and rename: concurrent
    # builds never see a half-written library. The compiler creates the file,
    # so it gets the user's usual permissions (a shared cache stays readable).
    build_dir = tempfile.mkdtemp(prefix=".build-", dir=library.parent)
    partial = os.path.join(build_dir, library.name)
    _tell_user(
        "sklearn_lstmae: building the fused CPU LSTM/GRU kernels for this machine. This "
        "happens once per machine (and after TensorFlow or the library is upgraded) and "
        f"takes 20-60 s (more on a busy machine); the result is cached in {library.parent}. "
        f"To skip it, and train with Keras's own (slower) layers, set {DISABLE_VARIABLE}=0."
    )
    start = time.perf_counter()
    try:
        try:
            result = subprocess.run(
                _build_command(compiler, partial, _target_flags(compiler)),
                check=True,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=600,
            )
        except subprocess.CalledProcessError as error:
            record = _remember_failure(library, error) if _refused_the_source(error) else None
            if record is None:
                raise
            raise KernelBuildError(
                f"the compiler refused the kernels' source (exit status {error.returncode}); "
                f"its messages are kept in {record}, and later processes skip the build "
                "until that file is deleted",
                stderr=error.stderr,
            ) from error
        if result.stderr.strip():
            logger.warning("sklearn_lstmae: the C++ compiler warned:\n%s", result.stderr[-4000:])
        # Readable by others (a shared cache), writable by no one else whatever the umask.
        mode = os.stat(partial).st_mode
        os.chmod(partial, stat.S_IMODE(mode) & ~(stat.S_IWGRP | stat.S_IWOTH))
        os.replace(partial, library)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)
    _tell_user(f"sklearn_lstmae: kernels built in {time.perf_counter() - start:.0f} s.")


def _failure_record(library):
    """Where a failed build of ``library`` is remembered, with the compiler's messages."""
    return library.with_suffix(".failed")


# An error the compiler reports in a file ("x.h:740:49: error: ..."), as it
# would again; not a compiler killed for memory ("fatal error: Killed signal
# terminated program cc1plus", exit status 1), a full disk or its own crash.
_SOURCE_ERROR = re.compile(r"^[^\s:][^:\n]*:\d+(?::\d+)?: (?:fatal )?error: ", re.MULTILINE)
_NOT_THE_SOURCE = re.compile(
    r"signal terminated program|internal compiler error|no space left on device"
    r"|memory exhausted|out of memory|cannot allocate memory",
    re.IGNORECASE,
)


def _compiler_summary(messages, limit=2000):
    """What of the compiler's messages a warning shows: its first error, with context.

    The first error is the cause; a flood of messages ends in template noise.
    Without an error located in a file (a kill, a full disk), the messages' end.
    """
    first = _SOURCE_ERROR.search(messages)
    if first is None:
        return messages[-limit:]
    start = messages.rfind("\n", 0, max(first.start() - 1, 0)) + 1  # its "In file included" line
    end = messages.find("\n", first.end())
    return messages[start : end if end != -1 else None][:limit]


def _refused_the_source(error):
    """Whether a failed build would fail the same way again."""
    stderr = error.stderr or ""
    return (
        error.returncode > 0
        and _SOURCE_ERROR.search(stderr) is not None
        and _NOT_THE_SOURCE.search(stderr) is None
    )


def _remember_failure(library, error):
    """Keep the compiler's messages beside ``library``; the record, or None if it cannot.

    Every later process would pay the same failed build (20-60 s) before
    falling back. The record sits under the library's name, which holds the
    source, TensorFlow's version, the compiler command and the CPU: a change
    of any of them builds afresh.
    """
    record = _failure_record(library)
    messages = error.stderr or ""
    if len(messages) > RECORD_LIMIT:  # one bad macro can make megabytes of errors
        cut = len(messages) - RECORD_LIMIT
        messages = f"{messages[:RECORD_LIMIT]}\n[... {cut} more characters of messages]\n"
    text = f"$ {shlex.join(map(str, error.cmd))}\nexit status {error.returncode}\n{messages}"
    temporary = None
    try:
        with tempfile.NamedTemporaryFile(
            "w", dir=record.parent, prefix=".failed-", delete=False
        ) as file:
            temporary = file.name
            file.write(text)
        os.replace(temporary, record)
    except OSError:  # a full disk, say: the next process tries again
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return None
    return record


class KernelBuildError(RuntimeError):
    """The compiler refused the kernels' source, here or in an earlier process."""

    def __init__(self, message, stderr=""):
        super().__init__(message)
        self.stderr = stderr


def _refuse_known_failure(library):
    record = _failure_record(library)
    try:
        remembered = record.stat().st_size > 0  # an empty one: a write cut short
    except OSError:
        return
    if remembered:
        raise KernelBuildError(
            f"their build failed on this machine before; the compiler's messages are in "
            f"{record}. Delete that file to try again (after upgrading the compiler, or with "
            f"another one in $CXX), or set {DISABLE_VARIABLE}=0 to skip the kernels quietly"
        )


def _tell_user(message):
    # On stderr, not through logging: a minute's silent stall must be explained
    # even where no logging is configured (logging shows no INFO by default).
    print(message, file=sys.stderr, flush=True)


class UntrustedCacheError(RuntimeError):
    """A cached library, or its directory, that another user could have written."""


def _check_trusted(path):
    """Refuse ``path`` unless the current user owns it and no one else can write to it.

    Loading a library runs its code: a file another user could replace is
    never loaded. (POSIX only: elsewhere file modes say nothing of the kind.)
    """
    if os.name != "posix":
        return
    info = os.stat(path)
    kind = "directory" if stat.S_ISDIR(info.st_mode) else "library"
    if info.st_uid != os.getuid():
        problem = f"belongs to user id {info.st_uid}, not to you ({os.getuid()})"
    elif info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        problem = f"can be written by other users (mode {stat.filemode(info.st_mode)})"
    else:
        return
    raise UntrustedCacheError(
        f"the cached kernel {kind} {path} {problem}, so it is not loaded. Remove it, or "
        f"`chmod go-w` it, or point {CACHE_VARIABLE} at a directory of your own"
    )


def _load(library):
    _check_trusted(library.parent)
    _check_trusted(library)
    return tf.load_op_library(str(library))


def _compile():
    compiler = shlex.split(os.environ.get("CXX", "")) or ["g++"]  # CXX set but empty: g++
    library = _library_path(compiler)
    if library.parent != _cache_dir() and not library.exists():  # the fallback, new
        _tell_user(
            f"sklearn_lstmae: the kernel cache {_cache_dir()} cannot be written; using "
            f"{library.parent} instead (set {CACHE_VARIABLE} to a directory of your own "
            "to keep the kernels between sessions)."
        )
    if library.exists():
        try:
            return _load(library)
        except tf.errors.OpError:
            # A damaged cached file: build it again once.
            logger.info("sklearn_lstmae: rebuilding the unloadable %s", library)
            library.unlink(missing_ok=True)
    _refuse_known_failure(library)
    if shutil.which(compiler[0]) is None:
        # Before the build is announced: a build that cannot start is not one to wait for.
        where = "was not found" if os.sep in compiler[0] else "is not on PATH"
        raise KernelBuildError(
            f"no C++ compiler: {compiler[0]!r} {where}. Install one (g++), or name yours in "
            f"$CXX, or set {DISABLE_VARIABLE}=0 to skip the kernels quietly"
        )
    with _build_lock(library):
        # Processes started together (a parallel grid search on a fresh
        # machine) build once: the others wait, then find the library (or
        # the record of its failed build).
        if not library.exists():
            _refuse_known_failure(library)
            _build(compiler, library)
    return _load(library)


@contextlib.contextmanager
def _build_lock(library):
    _make_cache_dir(library.parent)
    try:
        import fcntl
    except ImportError:  # not POSIX: concurrent builds are still safe, only repeated
        yield
        return
    with open(library.with_suffix(".lock"), "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # Another process is building them (a parallel search on a fresh machine).
            _tell_user(
                "sklearn_lstmae: waiting for another process to finish building the fused "
                "CPU LSTM/GRU kernels (once per machine)."
            )
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def kernels_disabled():
    """Whether ``SKLEARN_LSTMAE_FUSED_KERNELS`` turns the kernels off (0, false, no, off)."""
    return os.environ.get(DISABLE_VARIABLE, "1").strip().lower() in ("0", "false", "no", "off")


def kernels_in_use():
    """What this process trains recurrent layers with, in words, for reports (benchmarks).

    Returns
    -------
    str
        ``"fused kernels"``, or ``"Keras's layers"`` with the reason.

    Examples
    --------
    >>> from sklearn_lstmae._kernel_build import kernels_in_use
    >>> kernels_in_use() in ("fused kernels", "Keras's layers (no kernels: see the log)")
    True
    """
    if kernels_disabled():
        return f"Keras's layers ({DISABLE_VARIABLE}=0)"
    if load_fused_kernels() is None:
        return "Keras's layers (no kernels: see the log)"
    return "fused kernels"


def load_fused_kernels():
    """The compiled fused LSTM and GRU ops, or None where they cannot be used.

    Built on the first call on a machine (20-60 s, announced on stderr), then
    loaded from the cache, silently. Never raises: any failure is logged once
    per process and the callers fall back to Keras's layers.

    Returns
    -------
    module or None
        The op library of ``tf.load_op_library``.

    Examples
    --------
    >>> from sklearn_lstmae._kernel_build import load_fused_kernels
    >>> kernels = load_fused_kernels()  # None without a C++ compiler
    >>> kernels is None or hasattr(kernels, "sklearn_lstmae_lstm_sequence")
    True
    """
    if kernels_disabled():
        return None
    with _lock:
        if "kernels" not in _loaded:
            try:
                _loaded["kernels"] = _compile()
            except Exception as error:  # any failure at all means: use Keras's layers
                detail = _compiler_summary(getattr(error, "stderr", "") or "")
                logger.warning(
                    "sklearn_lstmae: the fused CPU LSTM/GRU kernels are unavailable (%s%s); "
                    "training uses Keras's layers, which are slower on CPU but compute "
                    "the same functions.",
                    error,
                    f": {detail}" if detail else "",
                )
                _loaded["kernels"] = None
        return _loaded["kernels"]

"""Scale-out helpers: Dask clusters, worker threads and out-of-core training.

Three recipes, each tested (``tests/test_scale_out.py``) and described in the
README's "Scaling out":

- **Search on a cluster.** ``GridSearchCV`` and ``RandomizedSearchCV`` run as
  they are under ``joblib.parallel_backend("dask")`` (or Ray's joblib
  backend). Register :func:`tensorflow_threads_plugin` on a Dask cluster (or
  start its workers with :func:`tensorflow_thread_environment`) so that each
  worker's TensorFlow uses its share of the cores instead of all of them.
- **Encoding on a cluster.** :func:`apply_to_dask_array` applies a fitted
  estimator's ``transform`` (or ``predict``, ``score_samples``...) lazily to
  a dask array of sequences chunked along the samples, and
  :func:`apply_to_long_dask_frame` to a dask DataFrame in long format (id,
  time, values), giving a dask DataFrame indexed by id. The estimator travels
  to each worker once, not once per chunk, and the results equal the
  in-memory ones bit for bit.
- **Training beyond memory.** :func:`iter_blocks` yields the blocks of a dask
  array (or of an array) one at a time for a ``partial_fit`` loop. Training
  data-parallel under ``tf.distribute`` needs no helper: fit inside the
  strategy's scope, ``with strategy.scope(): estimator.fit(X)``.

Dask is an optional dependency (``pip install "sklearn-lstmae[distributed]"``):
this module imports it only when a function needs it.
"""

import copy
import numbers
import os
import re
import warnings

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = [
    "apply_to_dask_array",
    "apply_to_long_dask_frame",
    "iter_blocks",
    "tensorflow_thread_environment",
    "tensorflow_threads_plugin",
]

THREAD_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS")


def _import_dask(module="dask"):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as error:
        raise ImportError(
            f"This needs {module}, which is not installed: pip install "
            '"sklearn-lstmae[distributed]" (dask, distributed and dask-ml).'
        ) from error


def _check_positive(value, name):
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1
    ):
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}.")


def tensorflow_thread_environment(n_threads=1):
    """Environment variables that give a worker's TensorFlow ``n_threads`` threads.

    TensorFlow sizes its thread pools for all of the machine's cores, so
    several worker processes on one machine (a ``LocalCluster``, Ray, joblib's
    ``loky``) each start that many threads and slow each other down. Pass
    these variables to the workers when they start: they take effect when
    TensorFlow starts in the worker, and change nothing in this process.

    Parameters
    ----------
    n_threads : int, default=1
        TensorFlow's intra-op and inter-op threads per worker: the cores
        divided by the workers on a machine.

    Returns
    -------
    env : dict of str to str
        ``TF_NUM_INTRAOP_THREADS``, ``TF_NUM_INTEROP_THREADS`` and
        ``OMP_NUM_THREADS``.

    See Also
    --------
    tensorflow_threads_plugin : The same for the workers of a running Dask cluster.

    Examples
    --------
    >>> from sklearn_lstmae.distributed import tensorflow_thread_environment
    >>> tensorflow_thread_environment(2)["TF_NUM_INTRAOP_THREADS"]
    '2'

    With Dask, ``LocalCluster(n_workers=2, threads_per_worker=1,
    env=tensorflow_thread_environment(1))``; with Ray,
    ``ray.init(runtime_env={"env_vars": tensorflow_thread_environment(1)})``.
    """
    _check_positive(n_threads, "n_threads")
    if n_threads is None:
        raise ValueError("n_threads must be a positive integer, got None.")
    return {name: str(int(n_threads)) for name in THREAD_VARIABLES}


def _limit_tensorflow_threads(n_threads):
    """Set this process's TensorFlow thread pools, before TensorFlow starts.

    Returns the thread counts in effect; raises RuntimeError if TensorFlow has
    already started with other counts.
    """
    import tensorflow as tf

    threading = tf.config.threading
    wanted = int(n_threads)
    current = (
        threading.get_intra_op_parallelism_threads(),
        threading.get_inter_op_parallelism_threads(),
    )
    if current != (wanted, wanted):
        try:
            threading.set_intra_op_parallelism_threads(wanted)
            threading.set_inter_op_parallelism_threads(wanted)
        except RuntimeError as error:
            raise RuntimeError(
                f"TensorFlow already started in this worker (process {os.getpid()}) with "
                f"{current[0] or 'its default'} intra-op threads, before its threads could be "
                f"set to {wanted}. Register the plugin before running any TensorFlow task, or "
                "restart the workers after registering it (client.restart())."
            ) from error
    # For the processes the worker starts in turn (and OpenMP inside TensorFlow).
    os.environ.update(tensorflow_thread_environment(wanted))
    return (
        threading.get_intra_op_parallelism_threads(),
        threading.get_inter_op_parallelism_threads(),
    )


def tensorflow_threads_plugin(n_threads=None):
    """A Dask worker plugin that gives each worker's TensorFlow its share of threads.

    Register it on a cluster before the first TensorFlow task runs on it (a
    grid search, an encoding): ``client.register_plugin(plugin)``. Each
    worker, present and future (plugins are replayed on new and restarted
    workers), then sets its TensorFlow intra-op and inter-op thread pools to
    ``n_threads``, by default to its own number of Dask threads
    (``threads_per_worker``). This changes the workers' TensorFlow only,
    never the client's: workers that run in the client's own process (a
    ``LocalCluster(processes=False)``) share its TensorFlow, and the plugin
    leaves them as they are, with a warning.

    Parameters
    ----------
    n_threads : int or None, default=None
        Threads per worker; None uses each worker's Dask thread count.

    Returns
    -------
    plugin : distributed.WorkerPlugin

    Raises
    ------
    RuntimeError
        From ``register_plugin``, when TensorFlow already runs on a worker
        with other thread counts: register the plugin on fresh workers, or
        call ``client.restart()`` after registering it.

    See Also
    --------
    tensorflow_thread_environment : The same as environment variables, for
        workers you start yourself (``LocalCluster(env=...)``, Ray).

    Examples
    --------
    >>> from sklearn_lstmae.distributed import tensorflow_threads_plugin
    >>> plugin = tensorflow_threads_plugin(1)
    >>> plugin.name
    'sklearn-lstmae-tensorflow-threads'

    On a cluster: ``client.register_plugin(plugin)``, then
    ``with joblib.parallel_backend("dask"): search.fit(X)``.
    """
    _check_positive(n_threads, "n_threads")
    _import_dask("distributed")
    from ._dask_plugin import TensorFlowThreads

    return TensorFlowThreads(n_threads)


# Methods that map each sample to its own output, which the helpers suggest when asked for
# one an estimator lacks.
_PER_SAMPLE_METHODS = (
    "transform",
    "predict",
    "score_samples",
    "decision_function",
    "reconstruct",
    "reconstruction_error",
)


def _probe_output(estimator, method, sample):
    """Shape (after the samples axis) and dtype of ``method``'s output.

    Training methods are refused before anything is called: the probe (and
    every block) would train the user's fitted estimator.
    """
    if isinstance(method, str) and re.match(r"(partial_)?fit", method):
        raise ValueError(
            f"method={method!r} trains the estimator: applied block by block it would refit "
            "it on each block (and on the probe of the output's shape). These helpers apply "
            "a fitted estimator; to train on a dask array block by block, loop over "
            "iter_blocks(X) with partial_fit."
        )
    function = getattr(estimator, method, None)
    if not callable(function):
        has = [name for name in _PER_SAMPLE_METHODS if callable(getattr(estimator, name, None))]
        raise ValueError(
            f"{type(estimator).__name__} has no method {method!r}; pass one it has"
            + (f": {', '.join(map(repr, has))}." if has else ".")
        )
    output = np.asarray(function(sample))
    if output.ndim == 0 or len(output) != len(sample):
        raise ValueError(
            f"{type(estimator).__name__}.{method} returned shape {output.shape} for "
            f"{len(sample)} samples: applied block by block, a method must give one output per "
            "sample (transform, predict, score_samples...), not one per block."
        )
    return output.shape[1:], output.dtype


def _reader(estimator):
    """What reads the input: the estimator, or a Pipeline's first step."""
    return estimator[0] if isinstance(estimator, Pipeline) else estimator


def _apply_block(block, estimator, method, shape, dtype):
    if len(block) == 0:  # a block that a filter emptied: estimators refuse 0 samples
        return np.empty((0, *shape), dtype)
    return np.asarray(getattr(estimator, method)(block))


def _hold(estimator):
    return estimator


def _ship(estimator):
    """The estimator as one piece of data that every block's task depends on.

    With a ``distributed`` client it is scattered to one worker
    (``client.scatter``) and the blocks' tasks only name it: each worker that
    runs a block fetches it from there once, and dask's active memory manager
    keeps that copy while blocks are waiting for it. It is not broadcast: a
    copy that no task waits for yet is dropped by the memory manager within
    seconds (its ``ReduceReplicas`` policy), and the worker would then receive
    it a second time when its first block runs. Without a client (the
    threaded or synchronous schedulers), it is the output of a single task of
    the graph.

    Either way it is a copy taken now: the result does not depend on the
    scheduler when the estimator is trained further before ``compute`` (a
    worker process would get a pickled copy, an in-process one the object).
    An estimator that cannot be copied (an open file in a callback) is
    shipped itself, with a warning.
    """
    dask = _import_dask()
    try:
        estimator = copy.deepcopy(estimator)
    except Exception as error:  # an open file in a callback (CSVLogger), say
        warnings.warn(
            f"The estimator cannot be copied ({type(error).__name__}: {error}), so the result "
            "uses it as it is when computed: do not train it further before compute().",
            UserWarning,
            stacklevel=3,
        )
    try:
        from distributed import default_client

        client = default_client()
    except (ImportError, ValueError):  # no distributed, or no client
        client = None
    if client is not None:
        return client.scatter(estimator, hash=False)
    return dask.delayed(_hold, pure=False)(estimator)


def apply_to_dask_array(estimator, X, method="transform"):
    """Apply a fitted estimator to a dask array of sequences, lazily, block by block.

    Parameters
    ----------
    estimator : fitted estimator
        A fitted :class:`~sklearn_lstmae.LSTMAutoencoderTransformer`,
        :class:`~sklearn_lstmae.CompositeLSTMRegressor`, a Pipeline ending
        with one, or any estimator whose ``method`` maps a block of
        samples to one output row (or array) per sample.
    X : dask array of shape (n_samples, n_timesteps, n_features) or (n_samples, n_timesteps)
        Sequences, chunked along the samples (other axes are brought into
        one chunk). Padding with trailing all-NaN steps is allowed.
    method : str, default="transform"
        The method to apply: ``"transform"``, ``"predict"``,
        ``"reconstruct"``, ``"score_samples"``...

    Returns
    -------
    result : dask array
        ``method``'s output, with ``X``'s chunks along the samples. Computing
        it gives exactly the in-memory ``getattr(estimator, method)(X)``
        of the estimator as it was when this function was called (a copy
        is taken): each sequence's output does not depend on the other
        sequences of its chunk. Empty chunks (left by a filter) give empty
        outputs.

    Notes
    -----
    With a ``distributed`` client, the estimator is scattered to each
    worker once, not sent with every chunk; the result then belongs to that
    client. dask-ml's ``ParallelPostFit`` cannot do this for 3-D input (its
    output probe feeds a ``(1, n_features)`` array, and it declares the
    input's chunks as the output's); this function probes with one sequence
    of zeros instead and declares the output's true shape.

    Examples
    --------
    >>> import dask.array as da
    >>> import numpy as np
    >>> from sklearn_lstmae import LSTMAutoencoderTransformer
    >>> from sklearn_lstmae.distributed import apply_to_dask_array
    >>> X = np.random.RandomState(0).rand(40, 6, 2)
    >>> encoder = LSTMAutoencoderTransformer(units=4, epochs=2, random_state=0).fit(X)
    >>> codes = apply_to_dask_array(encoder, da.from_array(X, chunks=(10, 6, 2)))
    >>> codes.shape, codes.chunks[0]
    ((40, 12), (10, 10, 10, 10))
    >>> bool(np.array_equal(codes.compute(), encoder.transform(X)))
    True
    """
    da = _import_dask("dask.array")
    check_is_fitted(estimator)
    X = da.asarray(X)
    if X.ndim not in (2, 3):
        raise ValueError(
            f"X must be a 3-D dask array [samples, timesteps, features] or a 2-D one "
            f"[samples, timesteps]; got {X.ndim} dimensions."
        )
    if any(len(chunks) > 1 for chunks in X.chunks[1:]):
        X = X.rechunk({axis: -1 for axis in range(1, X.ndim)})
    probe = np.zeros((1, *X.shape[1:]), X.dtype)
    n_timesteps = getattr(_reader(estimator), "n_timesteps_in_", None)
    if n_timesteps is not None and probe.dtype.kind == "f":
        # Steps beyond the fit's: X may only be NaN padding there, as in memory.
        probe[:, n_timesteps:] = np.nan
    shape, dtype = _probe_output(estimator, method, probe)
    out_ndim = 1 + len(shape)
    axes = {}
    if out_ndim < X.ndim:
        axes["drop_axis"] = list(range(out_ndim, X.ndim))
    elif out_ndim > X.ndim:
        axes["new_axis"] = list(range(X.ndim, out_ndim))
    return X.map_blocks(
        _apply_block,
        _ship(estimator),
        method,
        shape,
        dtype,
        dtype=dtype,
        chunks=(X.chunks[0], *((size,) for size in shape)),
        meta=np.empty((0,) * out_ndim, dtype),
        **axes,
    )


def _empty_long_result(id_column, id_dtype, columns, dtype):
    import pandas as pd

    index = pd.Index([], name=id_column, dtype=id_dtype)  # the ids' dtype, as computed
    return pd.DataFrame(np.empty((0, len(columns)), dtype), columns=columns, index=index)


def _apply_long_partition(
    partition,
    estimator,
    id_column,
    time_column,
    value_columns,
    method,
    columns,
    dtype,
    pad_to,
    shape,
):
    import pandas as pd

    from ._windows import from_long_format

    if len(partition) == 0:
        return _empty_long_result(id_column, partition[id_column].dtype, columns, dtype)
    sequences, ids, _ = from_long_format(partition, id_column, time_column, value_columns)
    # Pad every partition to the same length, as one in-memory call pads the
    # whole list: a pooled code's sums then add the same terms in the same
    # order, bit for bit. A sequence of zeros of that length does it.
    longest = max(len(sequence) for sequence in sequences)
    if int(pad_to) < longest:
        raise ValueError(f"pad_to={pad_to} is shorter than a sequence of {longest} steps.")
    padding = [np.zeros((int(pad_to), sequences[0].shape[1]))] if longest < int(pad_to) else []
    try:
        output = getattr(estimator, method)(sequences + padding)
    except ValueError as error:
        # "sequence 1" counts within this partition, which the user never sees: name its id.
        def by_id(match):
            position = int(match.group(1))
            if position >= len(ids):
                return match.group(0)
            value = ids[position]
            value = value.item() if isinstance(value, np.generic) else value  # 109, not np.int64
            return f"the sequence of {id_column}={value!r}"

        message = re.sub(r"\bsequence (\d+)\b", by_id, str(error), flags=re.IGNORECASE)
        if message == str(error):
            raise
        raise ValueError(message) from error
    if isinstance(output, list) or np.shape(output)[1:] != shape:
        # One value per step of each sequence (reconstruct, reconstruction_error), at each
        # sequence's own length: NaN beyond it, up to the fit's length, as in a padded array.
        padded = np.full((len(ids), *shape), np.nan, dtype=dtype)
        for row, values in enumerate(list(output)[: len(ids)]):
            values = np.asarray(values)
            padded[(row, *(slice(0, n) for n in values.shape))] = values
        output = padded
    output = np.asarray(output)[: len(ids)]
    return pd.DataFrame(
        output.reshape(len(ids), -1), columns=columns, index=pd.Index(ids, name=id_column)
    )


def apply_to_long_dask_frame(
    estimator, frame, id_column, time_column, value_columns=None, method="transform", pad_to=None
):
    """Apply a fitted estimator to a long-format dask DataFrame: one output row per id.

    The rows of each id are gathered into one partition (a shuffle on
    ``id_column``, skipped when the frame is already indexed by it with known
    divisions), split into sequences with
    :func:`~sklearn_lstmae.from_long_format`, and passed to ``method``.

    Parameters
    ----------
    estimator : fitted estimator
        As for :func:`apply_to_dask_array`; it receives a list of
        sequences (of possibly different lengths).
    frame : dask DataFrame
        One row per (id, time) pair, with the values in other columns; the
        id may be a column or the index.
    id_column, time_column : column label
        The columns identifying the sequences and ordering their rows.
    value_columns : column label or list of column labels, default=None
        The features, as in :func:`~sklearn_lstmae.from_long_format`: None
        takes every numeric column other than the id and the time.
    method : str, default="transform"
        The method to apply.
    pad_to : int, default=None
        The length every partition's sequences are padded to (at least the
        longest sequence). None finds the longest sequence in ``frame``: one
        more pass over the data (a count of rows per id), computed with the
        result. The codes then equal those of one in-memory call on all the
        sequences (which pads to the longest) bit for bit; pooled codes
        (``code="pooled"``) otherwise differ in their last bits with the
        length sequences are padded to.

    Returns
    -------
    result : dask DataFrame
        Indexed by id (in no particular order across partitions; call
        ``sort_index`` after ``compute``). For ``transform`` the columns are
        ``estimator.get_feature_names_out()``; other outputs are flattened
        into columns ``"{method}0"``, ``"{method}1"``... The values equal the
        in-memory ``method`` of the same sequences bit for bit. Outputs with
        one value per step (``reconstruct``, ``reconstruction_error``) are
        as wide as the fit's sequences, NaN beyond each sequence's own length.

    Examples
    --------
    >>> import dask.dataframe as dd
    >>> import numpy as np
    >>> import pandas as pd
    >>> from sklearn_lstmae import LSTMAutoencoderTransformer, from_long_format
    >>> from sklearn_lstmae.distributed import apply_to_long_dask_frame
    >>> rng = np.random.RandomState(0)
    >>> long = pd.DataFrame({"id": np.repeat(np.arange(20), 6), "time": np.tile(np.arange(6), 20),
    ...                      "a": rng.rand(120), "b": rng.rand(120)})
    >>> sequences, ids, _ = from_long_format(long, "id", "time")
    >>> encoder = LSTMAutoencoderTransformer(units=4, epochs=2, random_state=0).fit(sequences)
    >>> codes = apply_to_long_dask_frame(
    ...     encoder, dd.from_pandas(long, npartitions=3), "id", "time").compute().sort_index()
    >>> codes.shape
    (20, 12)
    >>> bool(np.array_equal(codes.to_numpy(), encoder.transform(sequences)))
    True
    """
    dd = _import_dask("dask.dataframe")

    check_is_fitted(estimator)
    if not isinstance(frame, dd.DataFrame):
        raise TypeError(
            f"frame must be a dask DataFrame, got {type(frame).__name__}; for a pandas "
            "DataFrame use from_long_format and the estimator directly, or "
            "dask.dataframe.from_pandas(frame, npartitions=...)."
        )
    if id_column not in frame.columns and frame.index.name == id_column:
        # Indexed by id with known divisions: each id already lies in one partition.
        grouped = frame.known_divisions
        frame = frame.reset_index()
    else:
        grouped = False
    missing = [c for c in (id_column, time_column) if c not in frame.columns]
    if missing:
        raise ValueError(
            f"frame has no column {missing[0]!r} (columns: {list(frame.columns)}); pass the "
            "names of its id and time columns."
        )
    _check_positive(pad_to, "pad_to")  # now, not when the result is computed
    if pad_to is None:
        pad_to = frame.groupby(id_column).size().max()
    if not grouped:
        frame = frame.shuffle(on=id_column)
    reader = _reader(estimator)
    n_features = getattr(reader, "n_channels_in_", None)
    if n_features is None:
        raise ValueError(
            f"{type(reader).__name__} does not say how many features per step it reads "
            "(n_channels_in_); pass an estimator of this library, or a Pipeline that starts "
            "with one (an aggregator such as TimestepPatches, or the estimator itself)."
        )
    n_timesteps = getattr(reader, "n_timesteps_in_", 1)
    shape, dtype = _probe_output(estimator, method, np.zeros((1, n_timesteps, n_features)))
    if isinstance(pad_to, numbers.Integral):
        # Each partition adds a sequence of pad_to steps: one the estimator must take (a
        # detector rebuilds at most the fit's length), said now rather than at compute.
        try:
            getattr(estimator, method)([np.zeros((int(pad_to), n_features))])
        except ValueError as error:
            raise ValueError(
                f"pad_to={pad_to}: every partition's sequences are padded to it, and {error}"
            ) from None
    width = int(np.prod(shape, dtype=int))
    columns = [f"{method}{i}" for i in range(width)]
    if method == "transform" and hasattr(estimator, "get_feature_names_out"):
        try:
            columns = [str(name) for name in estimator.get_feature_names_out()]
        except AttributeError:  # a Pipeline with a step that names no features
            pass
    meta = _empty_long_result(id_column, frame[id_column].dtype, columns, dtype)
    return frame.map_partitions(
        _apply_long_partition,
        _ship(estimator),
        id_column,
        time_column,
        value_columns,
        method,
        columns,
        dtype,
        pad_to,
        tuple(shape),
        meta=meta,
        align_dataframes=False,
    )


def iter_blocks(X, *, block_size=None, shuffle=False, random_state=None):
    """Yield the blocks of a dask array (or of an array) as numpy arrays, one at a time.

    For training on data larger than memory with ``partial_fit``, which
    trains one epoch on each block it is given::

        for epoch in range(n_epochs):
            for block in iter_blocks(X, shuffle=True, random_state=epoch):
                estimator.partial_fit(block)

    Only one block is in memory at a time. The first block fixes the
    standardization (as the first ``partial_fit`` does): make it
    representative, for example by shuffling the samples before chunking.

    Parameters
    ----------
    X : dask array, ndarray or list of ndarray
        Sequences: a dask array is cut along its chunks on the samples axis
        (empty chunks are skipped; chunk sizes may be unknown, as after a
        filter); anything else into ``block_size`` samples.
    block_size : int, default=None
        Samples per block when ``X`` is not a dask array (required then).
    shuffle : bool, default=False
        Visit the blocks in a random order.
    random_state : int, RandomState instance or None, default=None
        The order when ``shuffle``.

    Yields
    ------
    block : ndarray or list
        The samples of one block, in ``X``'s order.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae.distributed import iter_blocks
    >>> X = np.arange(10 * 3 * 1).reshape(10, 3, 1)
    >>> [len(block) for block in iter_blocks(X, block_size=4)]
    [4, 4, 2]
    """
    from sklearn.utils import check_random_state

    if hasattr(X, "chunks") and hasattr(X, "blocks"):
        # Block by block, not by bounds: a filtered array's chunk sizes are unknown (NaN).
        order = np.arange(X.numblocks[0])
        if shuffle:
            order = check_random_state(random_state).permutation(order)
        for i in order:
            block = X.blocks[int(i)].compute()
            if len(block):  # a filter may leave blocks empty; partial_fit refuses them
                yield block
        return
    if block_size is None:
        raise ValueError(
            "block_size is required when X is not a dask array: pass the number of "
            "samples per block."
        )
    _check_positive(block_size, "block_size")
    bounds = np.append(np.arange(0, len(X), block_size), len(X))
    starts = list(zip(bounds[:-1], bounds[1:]))
    if shuffle:
        order = check_random_state(random_state).permutation(len(starts))
        starts = [starts[i] for i in order]
    for start, stop in starts:
        yield X[int(start) : int(stop)]

"""Scale-out: searches and encoding on a real Dask cluster (and Ray), out-of-core
partial_fit, and data-parallel training under tf.distribute in real processes.

Everything here starts processes (cluster workers, TensorFlow workers), so the
whole file is in the slow tier; each worker traces the tiny networks once.
"""

import json
import os
import pickle
import socket
import subprocess
import sys
import textwrap
import time
import warnings

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import make_pipeline

from sklearn_lstmae import CompositeLSTMRegressor, LSTMAutoencoderTransformer, from_long_format
from sklearn_lstmae.distributed import (
    apply_to_dask_array,
    apply_to_long_dask_frame,
    iter_blocks,
    tensorflow_thread_environment,
    tensorflow_threads_plugin,
)

from ._helpers import make_sequences

da = pytest.importorskip("dask.array", reason="the distributed extra is part of the test extra")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Tiny, deterministic settings: no input noise, so that distributed and
# single-process fits draw the same (no) random numbers.
SMALL = {"units": 4, "epochs": 2, "random_state": 0, "input_noise": 0.0, "batch_size": 16}


class CountingTransformer(LSTMAutoencoderTransformer):
    """Records every unpickling (process id) in the file named by ``_unpickle_log``."""

    def __setstate__(self, state):
        super().__setstate__(state)
        with open(state["_unpickle_log"], "a") as log:
            log.write(f"{os.getpid()}\n")


@pytest.fixture(scope="module")
def client():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cluster's "port in use" notices
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        )
    with cluster, distributed.Client(cluster) as client:
        client.register_plugin(tensorflow_threads_plugin())
        yield client
    # Shut down: the workers are gone.
    assert cluster.status.name == "closed"


@pytest.fixture(scope="module")
def labelled():
    X = make_sequences(48, 8, 2)
    return X, (X[:, 0, 0] > 0).astype(int)


def _search_results(search):
    return search.best_params_, {
        key: value for key, value in search.cv_results_.items() if "test_score" in key
    }


def _pipeline_search():
    pipe = make_pipeline(LSTMAutoencoderTransformer(**SMALL), LogisticRegression())
    # One architecture: each worker traces its networks once.
    grid = {
        "lstmautoencodertransformer__batch_size": [8, 16],
        "lstmautoencodertransformer__learning_rate": [1e-3, 1e-2],
    }
    return GridSearchCV(pipe, grid, cv=2, n_jobs=-1)


@pytest.fixture(scope="module")
def local_search(labelled):
    return _search_results(_pipeline_search().set_params(n_jobs=1).fit(*labelled))


def _assert_same_search(search, local_search):
    best, scores = local_search
    remote_best, remote_scores = _search_results(search)
    assert remote_best == best
    for key, value in scores.items():  # identical, not merely close
        np.testing.assert_array_equal(remote_scores[key], value, err_msg=key)


def test_grid_search_on_dask_equals_n_jobs_1(client, labelled, local_search):
    with joblib.parallel_backend("dask"):
        search = _pipeline_search().fit(*labelled)
    _assert_same_search(search, local_search)
    # Both workers took part.
    assert len(client.scheduler_info()["workers"]) == 2


def test_grid_search_on_ray_equals_n_jobs_1(labelled, local_search):
    ray = pytest.importorskip("ray", reason="ray is part of the test extra")
    from ray.util.joblib import register_ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": tensorflow_thread_environment(1)},
    )
    try:
        register_ray()
        with joblib.parallel_backend("ray"):
            search = _pipeline_search().fit(*labelled)
    finally:
        ray.shutdown()
    _assert_same_search(search, local_search)
    assert not ray.is_initialized()


def test_randomized_search_on_dask_equals_n_jobs_1(client, labelled):
    X, _ = labelled
    search = RandomizedSearchCV(
        LSTMAutoencoderTransformer(**SMALL),
        {"learning_rate": [1e-3, 3e-3, 1e-2], "batch_size": [8, 16]},
        n_iter=3,
        cv=2,
        random_state=0,
    )
    local = search.fit(X)
    local_best, local_scores = _search_results(local)
    with joblib.parallel_backend("dask"):
        remote = RandomizedSearchCV(**search.get_params(deep=False)).fit(X)
    remote_best, remote_scores = _search_results(remote)
    assert remote_best == local_best
    for key, value in local_scores.items():
        np.testing.assert_array_equal(remote_scores[key], value, err_msg=key)


def test_each_worker_tensorflow_uses_its_share_of_the_cores(client):
    def thread_pools():
        import tensorflow as tf

        return (
            tf.config.threading.get_intra_op_parallelism_threads(),
            tf.config.threading.get_inter_op_parallelism_threads(),
            os.environ["TF_NUM_INTRAOP_THREADS"],
        )

    # One Dask thread per worker: one TensorFlow thread per pool, where the
    # default (0) sizes every worker's pools for all of the machine's cores.
    assert set(client.run(thread_pools).values()) == {(1, 1, "1")}
    assert tensorflow_thread_environment(2)["OMP_NUM_THREADS"] == "2"


def test_threads_plugin_refuses_a_started_tensorflow():
    # This test process runs TensorFlow already, with its default pools.
    import tensorflow as tf

    from sklearn_lstmae.distributed import _limit_tensorflow_threads

    tf.constant(1.0) + 1.0
    before = dict(os.environ)
    with pytest.raises(RuntimeError, match="already started"):
        _limit_tensorflow_threads(3)
    assert dict(os.environ) == before  # nothing changed in this process


@pytest.fixture(scope="module")
def padded_sequences():
    X = make_sequences(80, 8, 2, seed=1)
    X[::3, 6:] = np.nan  # some sequences shorter: trailing all-NaN steps
    return X


def test_encoding_a_dask_array_equals_transform_and_ships_the_estimator_once(
    client, padded_sequences, tmp_path
):
    X = padded_sequences
    encoder = CountingTransformer(**SMALL).fit(X)
    log = tmp_path / "unpickled"
    log.touch()
    encoder._unpickle_log = str(log)
    chunked = da.from_array(X, chunks=(10, 4, 2))  # 8 chunks; features rechunked whole
    codes = apply_to_dask_array(encoder, chunked)
    assert codes.shape == (80, encoder.transform(X[:1]).shape[1])
    assert codes.chunks[0] == (10,) * 8
    # Longer than the active memory manager's interval (2 s) between shipping
    # and computing: a broadcast copy that no task waited for was dropped in
    # that time and sent again (seen on a slow machine: one worker unpickled
    # the estimator twice).
    time.sleep(3)
    np.testing.assert_array_equal(codes.compute(), encoder.transform(X))  # bit for bit
    worker_pids = set(client.run(os.getpid).values())
    unpickled = [int(pid) for pid in log.read_text().split()]
    on_workers = [pid for pid in unpickled if pid in worker_pids]
    # Each worker received the estimator at most once, not once per chunk.
    assert 1 <= len(on_workers) <= 2
    assert len(set(on_workers)) == len(on_workers)


def test_composite_predict_on_a_dask_array(client, padded_sequences):
    X = padded_sequences
    y = np.nan_to_num(X[:, :3, :])
    composite = CompositeLSTMRegressor(**SMALL).fit(X, y)
    chunked = da.from_array(X, chunks=(20, 8, 2))
    predicted = apply_to_dask_array(composite, chunked, method="predict")
    assert predicted.shape == (80, 3, 2)
    np.testing.assert_array_equal(predicted.compute(), composite.predict(X))
    scores = apply_to_dask_array(composite, chunked, method="reconstruct")
    np.testing.assert_array_equal(scores.compute(), composite.reconstruct(X))


def test_a_dask_array_padded_wider_than_the_fit_is_read_as_in_memory(client, padded_sequences):
    # The output probe was all zeros: values at the steps beyond the fit's, which the
    # estimator refuses ("sequence 0 of X has a value at step 8"), though X is NaN there.
    X = padded_sequences
    encoder = LSTMAutoencoderTransformer(**SMALL).fit(X)
    wider = np.concatenate([X, np.full((80, 3, 2), np.nan)], axis=1)
    chunked = da.from_array(wider, chunks=(20, 11, 2))
    for method in ("transform", "reconstruct"):
        result = apply_to_dask_array(encoder, chunked, method=method).compute()
        np.testing.assert_array_equal(result, getattr(encoder, method)(wider), method)


def test_per_step_outputs_of_a_long_dask_frame_are_padded_rows(client):
    # One row per id: reconstruction_error of ragged sequences failed at compute ("Shape of
    # passed values is (4, 16), indices imply (4, 24)"), and a pad_to longer than the fit
    # failed there too, on the partitions' own padding sequence.
    import pandas as pd

    from sklearn_lstmae import LSTMAutoencoderOutlierDetector

    rng = np.random.RandomState(0)
    detector = LSTMAutoencoderOutlierDetector(**SMALL).fit(rng.rand(30, 8, 2))
    lengths = [5, 6, 7, 8, 8, 6]
    long = pd.DataFrame(
        [(i, t, *rng.rand(2)) for i, n in enumerate(lengths) for t in range(n)],
        columns=["id", "time", "a", "b"],
    )
    sequences, _, _ = from_long_format(long, "id", "time")
    frame = dd.from_pandas(long, npartitions=2)
    rows = apply_to_long_dask_frame(detector, frame, "id", "time", method="reconstruction_error")
    rows = rows.compute().sort_index().to_numpy().reshape(len(lengths), 8, 2)
    for row, errors in zip(rows, detector.reconstruction_error(sequences)):
        np.testing.assert_array_equal(row[: len(errors)], errors)
        assert np.isnan(row[len(errors) :]).all()
    with pytest.raises(ValueError, match="pad_to=20: .*cannot be rebuilt"):
        apply_to_long_dask_frame(detector, frame, "id", "time", method="score_samples", pad_to=20)


def test_outlier_scores_on_a_dask_array(client, padded_sequences):
    from sklearn_lstmae import LSTMAutoencoderOutlierDetector

    X = padded_sequences
    detector = LSTMAutoencoderOutlierDetector(**SMALL).fit(X)
    chunked = da.from_array(X, chunks=(20, 8, 2))
    for method in ("score_samples", "decision_function", "predict"):
        result = apply_to_dask_array(detector, chunked, method=method)
        assert result.shape == (80,), method
        # bit for bit: each sequence's score does not depend on its chunk
        np.testing.assert_array_equal(result.compute(), getattr(detector, method)(X), method)


def test_encoding_a_long_format_dask_frame(client):
    import pandas as pd

    rng = np.random.RandomState(0)
    lengths = rng.randint(4, 9, size=30)  # up to 8 steps
    long = pd.DataFrame(
        {
            "id": np.repeat(np.arange(30) * 7, lengths),
            "time": np.concatenate([np.arange(n) for n in lengths]),
            "a": rng.standard_normal(lengths.sum()),
            "b": rng.standard_normal(lengths.sum()),
        }
    ).sample(frac=1.0, random_state=0)  # rows in any order
    sequences, ids, _ = from_long_format(long, "id", "time")
    encoder = LSTMAutoencoderTransformer(**SMALL).fit(sequences)
    expected = encoder.transform(sequences)
    frame = dd.from_pandas(long, npartitions=4)
    codes = apply_to_long_dask_frame(encoder, frame, "id", "time")
    assert list(codes.columns) == list(encoder.get_feature_names_out())
    result = codes.compute().sort_index()
    np.testing.assert_array_equal(result.index.to_numpy(), ids)
    # The lazy frame declares the ids' dtype it computes (it declared object).
    assert codes.index.dtype == result.index.dtype == long["id"].dtype
    np.testing.assert_array_equal(result.to_numpy(), expected)
    # Already indexed by id with known divisions: no shuffle needed, same codes.
    indexed = dd.from_pandas(long.set_index("id").sort_index(), npartitions=3)
    again = apply_to_long_dask_frame(encoder, indexed, "id", "time").compute().sort_index()
    np.testing.assert_array_equal(again.to_numpy(), expected)


def test_dask_ml_wrappers_work_on_2d_arrays_only(client):
    from dask_ml.wrappers import Incremental, ParallelPostFit

    X = make_sequences(40, 8, 1)[:, :, 0]  # univariate sequences, one per row
    encoder = LSTMAutoencoderTransformer(**{**SMALL, "units": 2}).fit(X)
    codes = ParallelPostFit(encoder).transform(da.from_array(X, chunks=(10, 8)))
    # The values are right, but the declared width is the input's (8), not the code's (6).
    assert codes.shape == (40, 8)
    np.testing.assert_array_equal(codes.compute(), encoder.transform(X))
    assert apply_to_dask_array(encoder, da.from_array(X, chunks=(10, 8))).shape == (40, 6)
    # On 3-D input its output probe feeds (1, n_timesteps): the helper is the way there.
    X3 = make_sequences(40, 8, 2)
    encoder3 = LSTMAutoencoderTransformer(**SMALL).fit(X3)
    with pytest.raises(ValueError, match="features per timestep"):
        ParallelPostFit(encoder3).transform(da.from_array(X3, chunks=(10, 8, 2)))
    # Incremental does not hand partial_fit 3-D blocks as arrays: iter_blocks instead.
    with pytest.raises(ValueError, match="(?i)sequence 0"):
        Incremental(LSTMAutoencoderTransformer(**SMALL)).fit(da.from_array(X3, chunks=(10, 8, 2)))


def test_dask_helpers_explain_bad_input(padded_sequences):
    import pandas as pd

    encoder = LSTMAutoencoderTransformer(**SMALL).fit(padded_sequences)
    with pytest.raises(ValueError, match="3-D dask array"):
        apply_to_dask_array(encoder, da.zeros((4, 3, 2, 1)))
    with pytest.raises(ValueError, match="no method 'predict_proba'"):
        apply_to_dask_array(encoder, da.zeros((4, 8, 2)), method="predict_proba")
    with pytest.raises(TypeError, match="from_pandas"):
        apply_to_long_dask_frame(encoder, pd.DataFrame({"id": [1]}), "id", "time")
    frame = dd.from_pandas(pd.DataFrame({"id": [1, 1], "t": [0, 1], "a": [0.0, 1.0]}), 1)
    with pytest.raises(ValueError, match="no column 'time'"):
        apply_to_long_dask_frame(encoder, frame, "id", "time")
    with pytest.raises(ValueError, match="block_size is required"):
        next(iter_blocks(padded_sequences))
    # Refused when called, not later inside compute():
    with pytest.raises(ValueError, match="one output per sample.*not one per block"):
        apply_to_dask_array(encoder, da.zeros((4, 8, 2)), method="score")
    frame = dd.from_pandas(pd.DataFrame({"id": [1, 1], "time": [0, 1], "a": [0.0, 1.0]}), 1)
    with pytest.raises(ValueError, match="pad_to must be a positive integer"):
        apply_to_long_dask_frame(encoder, frame, "id", "time", pad_to=-1)


def test_dask_helpers_never_train_the_estimator(padded_sequences):
    # method="fit" probed the output by fitting the user's model on one sequence of zeros (and
    # raised after); "fit_transform" was accepted and refitted it on every block.
    import pandas as pd

    encoder = LSTMAutoencoderTransformer(**SMALL).fit(padded_sequences)
    codes = encoder.transform(padded_sequences)
    X = da.from_array(padded_sequences, chunks=(20, 8, 2))
    frame = dd.from_pandas(pd.DataFrame({"id": [1, 1], "time": [0, 1], "a": [0.0, 1.0]}), 1)
    for method in ("fit", "partial_fit", "fit_transform"):
        with pytest.raises(ValueError, match="trains the estimator.*iter_blocks"):
            apply_to_dask_array(encoder, X, method=method)
        with pytest.raises(ValueError, match="trains the estimator"):
            apply_to_long_dask_frame(encoder, frame, "id", "time", method=method)
    np.testing.assert_array_equal(encoder.transform(padded_sequences), codes)


def test_dask_helpers_take_filtered_arrays_with_empty_or_unknown_chunks(padded_sequences):
    # A filter that emptied a chunk failed at compute ("0 sample(s)"); iter_blocks failed on
    # unknown chunk sizes ("cannot convert float NaN to integer") and yielded empty blocks.
    encoder = LSTMAutoencoderTransformer(**SMALL).fit(padded_sequences)
    keep = np.ones(len(padded_sequences), dtype=bool)
    keep[20:40] = False  # the second chunk, whole
    X = da.from_array(padded_sequences, chunks=(20, 8, 2))
    filtered = X[da.from_array(keep, chunks=20)]
    assert np.isnan(filtered.chunks[0]).all()  # sizes unknown until computed
    np.testing.assert_array_equal(
        apply_to_dask_array(encoder, filtered).compute(), encoder.transform(padded_sequences[keep])
    )
    blocks = list(iter_blocks(filtered))
    assert [len(block) for block in blocks] == [20, 20, 20]
    np.testing.assert_array_equal(np.concatenate(blocks), padded_sequences[keep])
    shuffled = list(iter_blocks(X.rechunk(((20, 0, 30, 30), 8, 2)), shuffle=True, random_state=0))
    assert sorted(len(block) for block in shuffled) == [20, 30, 30]


def test_a_lazy_result_uses_the_estimator_as_it_was_when_asked(padded_sequences):
    # Trained further before compute(), the estimator gave the new codes on in-process schedulers
    # (threads, an in-process cluster) and the old ones on worker processes (a pickled copy).
    encoder = LSTMAutoencoderTransformer(**SMALL).fit(padded_sequences)
    codes = encoder.transform(padded_sequences)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cluster's "port in use" notices
        cluster = distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        )
    with cluster, distributed.Client(cluster):
        lazy = apply_to_dask_array(encoder, da.from_array(padded_sequences, chunks=(20, 8, 2)))
        encoder.partial_fit(padded_sequences)
        assert not np.array_equal(encoder.transform(padded_sequences), codes)
        np.testing.assert_array_equal(lazy.compute(), codes)


def test_an_estimator_that_cannot_be_copied_is_applied_as_it_is(padded_sequences, tmp_path):
    # The copy taken when called failed for an estimator holding an open file (a CSVLogger
    # callback), which the helpers had applied before: now they apply it, and say so.
    import keras

    logger = keras.callbacks.CSVLogger(str(tmp_path / "log.csv"))
    encoder = LSTMAutoencoderTransformer(**SMALL, callbacks=[logger]).fit(padded_sequences)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cluster's "port in use" notices
        cluster = distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        )
    with cluster, distributed.Client(cluster):  # in-process: nothing is pickled
        X = da.from_array(padded_sequences, chunks=(20, 8, 2))
        with pytest.warns(UserWarning, match="cannot be copied.*before compute"):
            lazy = apply_to_dask_array(encoder, X)
        np.testing.assert_array_equal(lazy.compute(), encoder.transform(padded_sequences))


def test_dask_messages_name_what_the_user_can_act_on(padded_sequences):
    import pandas as pd

    from sklearn_lstmae import LSTMAutoencoderOutlierDetector

    # A detector asked for its (absent) transform was advised to pass 'transform'.
    detector = LSTMAutoencoderOutlierDetector(**SMALL).fit(padded_sequences)
    with pytest.raises(ValueError, match="no method 'transform'; pass one it has: 'predict'"):
        apply_to_dask_array(detector, da.from_array(padded_sequences, chunks=20))
    # A NaN inside a sequence was placed by its position in a shuffled partition ("sequence 1").
    encoder = LSTMAutoencoderTransformer(**SMALL).fit(padded_sequences)
    rng = np.random.RandomState(0)
    long = pd.DataFrame(
        {
            "id": np.repeat(np.arange(100, 112), 8),
            "time": np.tile(np.arange(8), 12),
            "a": rng.rand(96),
            "b": rng.rand(96),
        }
    )
    long.loc[(long["id"] == 109) & (long["time"] == 2), "a"] = np.nan
    lazy = apply_to_long_dask_frame(encoder, dd.from_pandas(long, npartitions=3), "id", "time")
    with pytest.raises(ValueError, match="the sequence of id=109"):
        lazy.compute()


def test_threads_plugin_leaves_the_client_process_alone():
    # On an in-process cluster the plugin set the client's own TensorFlow to 1 thread and its
    # environment (OMP_NUM_THREADS...), though it promises to change the workers' only.
    import tensorflow as tf

    threads = (
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )
    environment = dict(os.environ)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the cluster's "port in use" notices
        cluster = distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        )
    with cluster, distributed.Client(cluster) as client:
        with pytest.warns(UserWarning, match="client's own process"):
            client.register_plugin(tensorflow_threads_plugin())
    assert dict(os.environ) == environment
    assert threads == (
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )


def test_partial_fit_over_blocks_reaches_the_in_memory_loss():
    X = make_sequences(192, 8, 2, seed=2)
    settings = {**SMALL, "learning_rate": 1e-2}
    n_passes = 8
    in_memory = LSTMAutoencoderTransformer(
        **{**settings, "epochs": n_passes, "n_iter_no_change": n_passes + 1}
    ).fit(X)
    blocked = LSTMAutoencoderTransformer(**settings)
    chunked = da.from_array(X, chunks=(48, 8, 2))
    for epoch in range(n_passes):
        for block in iter_blocks(chunked, shuffle=True, random_state=epoch):
            assert isinstance(block, np.ndarray) and len(block) == 48
            blocked.partial_fit(block)
    assert blocked.n_iter_ == n_passes * 4
    loss, blocked_loss = -in_memory.score(X), -blocked.score(X)
    assert loss < 0.9 * -LSTMAutoencoderTransformer(**{**settings, "epochs": 1}).fit(X).score(X)
    assert blocked_loss <= 1.05 * loss, (blocked_loss, loss)


# -- tf.distribute: real processes ---------------------------------------------

DISTRIBUTED_FIT = textwrap.dedent(
    """
    import json, os, pickle, sys, tempfile
    import numpy as np
    import tensorflow as tf

    mode, output, settings = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    gpus = tf.config.list_physical_devices("GPU")
    if mode == "mirrored":
        # Two logical devices out of one, before TensorFlow starts.
        device = gpus[0] if gpus else tf.config.list_physical_devices("CPU")[0]
        config = tf.config.LogicalDeviceConfiguration
        tf.config.set_logical_device_configuration(
            device, [config(memory_limit=1024) if gpus else config()] * 2
        )
        kind = "GPU" if gpus else "CPU"
        strategy = tf.distribute.MirroredStrategy(
            [d.name for d in tf.config.list_logical_devices(kind)]
        )
    else:
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
    sys.path.insert(0, os.getcwd())
    from sklearn_lstmae import CompositeLSTMRegressor, LSTMAutoencoderTransformer, load
    from tests._helpers import make_sequences

    X = make_sequences(50, 8, 2)
    result = {"replicas": strategy.num_replicas_in_sync, "gpus": len(gpus)}
    with strategy.scope():
        encoder = LSTMAutoencoderTransformer(**settings).fit(X)
        if mode == "mirrored":
            composite = CompositeLSTMRegressor(**settings).fit(X, X[:, -2:, 0])
            result["composite"] = [w.tolist() for w in composite.model_.get_weights()]
    result["weights"] = [w.tolist() for w in encoder.model_.get_weights()]
    result["loss_curve"] = encoder.loss_curve_
    # An ordinary estimator afterwards.
    codes = encoder.transform(X)
    restored = pickle.loads(pickle.dumps(encoder))
    path = os.path.join(tempfile.mkdtemp(), "model.lstmae")
    encoder.save(path)
    loaded = load(path)
    result["ordinary"] = bool(
        np.array_equal(restored.transform(X), codes) and np.array_equal(loaded.transform(X), codes)
    )
    if gpus:
        from sklearn_lstmae._engine import get_engine
        from sklearn_lstmae._fused import FusedLSTM, FusedGRU

        template = get_engine(encoder._spec)._templates[False]["model"]
        result["fused_on_gpu"] = any(
            isinstance(layer, (FusedLSTM, FusedGRU)) and layer._fusable(None, None, True)
            for layer in template._flatten_layers()
        )
    with open(output, "w") as handle:
        json.dump(result, handle)
    """
)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


def _start(mode, output, tf_config=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
    if tf_config is not None:
        env["TF_CONFIG"] = json.dumps(tf_config)
    return subprocess.Popen(
        [sys.executable, "-c", DISTRIBUTED_FIT, mode, str(output), json.dumps(SMALL)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _finish(processes, timeout=240):
    try:
        for process in processes:
            output, _ = process.communicate(timeout=timeout)
            assert process.returncode == 0, output[-3000:]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def _assert_same_weights(weights, reference, tolerance=1e-5):
    assert len(weights) == len(reference)
    for got, expected in zip(weights, reference):
        np.testing.assert_allclose(np.asarray(got), expected, rtol=0, atol=tolerance)


@pytest.fixture(scope="module")
def distributed_runs(tmp_path_factory):
    """Start every tf.distribute process at once; the tests then read their results."""
    folder = tmp_path_factory.mktemp("tf_distribute")
    ports = [_free_port(), _free_port()]
    cluster = {"worker": [f"localhost:{port}" for port in ports]}
    outputs = {"mirrored": folder / "mirrored.json"}
    processes = [_start("mirrored", outputs["mirrored"])]
    for index in range(2):
        outputs[index] = folder / f"worker{index}.json"
        config = {"cluster": cluster, "task": {"type": "worker", "index": index}}
        processes.append(_start("multi_worker", outputs[index], config))
    X = make_sequences(50, 8, 2)
    reference = {
        "encoder": LSTMAutoencoderTransformer(**SMALL).fit(X),
        "composite": CompositeLSTMRegressor(**SMALL).fit(X, X[:, -2:, 0]),
    }
    _finish(processes)
    results = {key: json.loads(path.read_text()) for key, path in outputs.items()}
    return results, reference


def test_mirrored_strategy_on_two_devices_equals_a_single_device_fit(distributed_runs):
    results, reference = distributed_runs
    mirrored = results["mirrored"]
    assert mirrored["replicas"] == 2
    _assert_same_weights(mirrored["weights"], reference["encoder"].model_.get_weights())
    _assert_same_weights(mirrored["composite"], reference["composite"].model_.get_weights())
    np.testing.assert_allclose(mirrored["loss_curve"], reference["encoder"].loss_curve_, rtol=1e-5)
    assert mirrored["ordinary"]
    if mirrored["gpus"]:  # on a GPU the templates are Keras's layers, which pick cuDNN
        assert not mirrored["fused_on_gpu"]


def test_multi_worker_mirrored_strategy_in_two_processes_equals_one_process(distributed_runs):
    results, reference = distributed_runs
    for index in range(2):
        worker = results[index]
        assert worker["replicas"] == 2
        _assert_same_weights(worker["weights"], reference["encoder"].model_.get_weights())
        assert worker["ordinary"]


def test_fit_inside_a_strategy_scope_in_this_process(labelled):
    import tensorflow as tf

    X, _ = labelled
    reference = LSTMAutoencoderTransformer(**SMALL).fit(X)
    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    with strategy.scope():
        encoder = LSTMAutoencoderTransformer(**SMALL).fit(X)
    _assert_same_weights(encoder.model_.get_weights(), reference.model_.get_weights())
    np.testing.assert_allclose(encoder.transform(X), reference.transform(X), atol=1e-5)
    assert pickle.loads(pickle.dumps(encoder)).transform(X).shape == reference.transform(X).shape


def test_a_fit_under_a_strategy_leaves_an_estimator_tied_to_none(labelled):
    import tensorflow as tf

    X, _ = labelled
    first = tf.distribute.MirroredStrategy(["/cpu:0"])
    with first.scope():
        encoder = LSTMAutoencoderTransformer(**SMALL).fit(X)
    # Ordinary variables: the strategy is not kept alive, and another one may train on.
    assert not any(
        isinstance(weight.value, tf.distribute.DistributedValues)
        for weight in encoder.model_.weights
    )
    codes = encoder.transform(X)
    with tf.distribute.MirroredStrategy(["/cpu:0"]).scope():
        encoder.partial_fit(X)  # raised "Mixing different tf.distribute.Strategy objects"
    assert encoder.n_iter_ == SMALL["epochs"] + 1
    assert not np.array_equal(encoder.transform(X), codes)


def test_threads_plugin_refuses_other_counts_on_running_workers(client):
    # Re-registering with other thread counts reached no worker before (an idempotent plugin
    # of the same name was skipped); now the workers, whose TensorFlow runs, refuse it.
    def start_tensorflow():
        import tensorflow as tf

        return float(tf.constant(1.0) + 1.0)

    client.run(start_tensorflow)
    with pytest.raises(RuntimeError, match="already started"):
        client.register_plugin(tensorflow_threads_plugin(2))
    client.register_plugin(tensorflow_threads_plugin())  # the fixture's counts: accepted again

    def intra_op_threads():
        import tensorflow as tf

        return tf.config.threading.get_intra_op_parallelism_threads()

    assert set(client.run(intra_op_threads).values()) == {1}


def test_long_frame_through_a_pipeline_that_starts_with_an_aggregator(client):
    import pandas as pd

    from sklearn_lstmae import TimestepPatches

    rng = np.random.RandomState(0)
    long = pd.DataFrame(
        {
            "id": np.repeat(np.arange(12), 6),
            "time": np.tile(np.arange(6), 12),
            "a": rng.rand(72),
            "b": rng.rand(72),
        }
    )
    sequences, ids, _ = from_long_format(long, "id", "time")
    pipe = make_pipeline(TimestepPatches(max_timesteps=3), LSTMAutoencoderTransformer(**SMALL))
    pipe.fit(sequences)
    codes = apply_to_long_dask_frame(pipe, dd.from_pandas(long, npartitions=3), "id", "time")
    np.testing.assert_array_equal(
        codes.compute().sort_index().to_numpy(), pipe.transform(sequences)
    )

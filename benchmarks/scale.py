"""Scale-out benchmark: 1 against 2 workers for encoding, search and data-parallel training.

Each measurement runs in a fresh Python process of its own (started by this
script, one at a time), which starts its own workers:

encode  Encoding 1,000,000 sequences of 20 steps x 2 features (generated on
        the workers, chunks of 20,000) with a fitted
        ``LSTMAutoencoderTransformer(units=32)`` through
        ``sklearn_lstmae.distributed.apply_to_dask_array`` on a
        ``LocalCluster(n_workers=N, threads_per_worker=1)`` with the
        library's TensorFlow-threads plugin. Sequences per second.
search  ``GridSearchCV`` over 8 candidates (4 learning rates x 2 batch
        sizes), cv=2 (16 fits of 20 epochs on 512 of 1,024 sequences), under
        ``joblib.parallel_backend("dask")`` on the same kind of cluster.
        Fits per second.
unpinned
        The same search on 2 workers without the TensorFlow-threads plugin:
        each worker's TensorFlow sizes its thread pools for the whole
        machine (what a cluster does when nobody sets them). Compared with
        the pinned 2-worker search: the cost of oversubscription.
mwms    One fit (5 epochs on 4,096 sequences, batch 256) under
        ``tf.distribute.MultiWorkerMirroredStrategy`` with N worker
        processes on localhost (``TF_CONFIG``), each with one TensorFlow
        thread, as ``with strategy.scope(): estimator.fit(X)``. Sequences
        (x epochs) per second, from the slowest worker.

Every process first warms up (each worker traces the networks once: a cold
start costs seconds per worker and is reported apart), then times the work
``--repeats`` times; the table gives medians and ranges, and the ratio of the
2-worker to the 1-worker throughput (for ``unpinned``: to the pinned
2-worker search, below 1 when oversubscription costs). The machine's load (``os.getloadavg``)
is printed with every figure: on a shared machine the ratios mean little
without it.

Run::

    python benchmarks/scale.py [--repeats 3] [--only encode,search,unpinned,mwms] [--quick]

``--quick`` is a smoke run on tiny sizes. Needs the ``distributed`` extra.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time

ENCODE = {"n_sequences": 1_000_000, "chunk": 20_000, "n_timesteps": 20, "n_features": 2}
SEARCH = {"n_sequences": 1024, "epochs": 20}
MWMS = {"n_sequences": 4096, "epochs": 5, "batch_size": 256}
QUICK = {
    "encode": {"n_sequences": 40_000, "chunk": 5_000},
    "search": {"n_sequences": 64, "epochs": 2},
    "unpinned": {"n_sequences": 64, "epochs": 2},
    "mwms": {"n_sequences": 512, "epochs": 2},
}
MODEL = {"units": 32, "random_state": 0, "input_noise": 0.0}


def _load():
    return round(os.getloadavg()[0], 2)


def _data(n_sequences, seed=0, n_timesteps=20, n_features=2):
    import numpy as np

    rng = np.random.RandomState(seed)
    time_axis = np.arange(n_timesteps)[None, :, None]
    frequency = rng.uniform(0.1, 0.5, size=(n_sequences, 1, n_features))
    phase = rng.uniform(0, 2 * np.pi, size=(n_sequences, 1, n_features))
    noise = 0.05 * rng.standard_normal((n_sequences, n_timesteps, n_features))
    return (np.sin(frequency * time_axis + phase) + noise).astype("float32")


def _cluster(n_workers, pin_threads=True):
    from distributed import Client, LocalCluster

    from sklearn_lstmae.distributed import tensorflow_threads_plugin

    cluster = LocalCluster(
        n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    if pin_threads:
        client.register_plugin(tensorflow_threads_plugin())
    return cluster, client


def run_encode(n_workers, repeats, sizes):
    import dask.array as da
    import numpy as np

    from sklearn_lstmae import LSTMAutoencoderTransformer
    from sklearn_lstmae.distributed import apply_to_dask_array

    shape = (sizes["n_sequences"], ENCODE["n_timesteps"], ENCODE["n_features"])
    encoder = LSTMAutoencoderTransformer(**MODEL, epochs=2).fit(_data(256))
    cluster, client = _cluster(n_workers)
    with cluster, client:
        start = time.perf_counter()
        warm = da.random.RandomState(1).random_sample((4 * n_workers * 64, *shape[1:]))
        apply_to_dask_array(encoder, warm.rechunk((64, -1, -1))).compute()
        cold = time.perf_counter() - start
        times, loads = [], []
        for repeat in range(repeats):
            X = da.random.RandomState(repeat).random_sample(shape, chunks=(sizes["chunk"], -1, -1))
            X = X.astype(np.float32)
            start = time.perf_counter()
            total = apply_to_dask_array(encoder, X).sum().compute()
            times.append(time.perf_counter() - start)
            loads.append(_load())
            assert np.isfinite(total)
    return {"cold_s": cold, "times": times, "loads": loads, "work": shape[0], "unit": "seq/s"}


def run_search(n_workers, repeats, sizes, pin_threads=True):
    import warnings

    import joblib
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV

    from sklearn_lstmae import LSTMAutoencoderTransformer

    warnings.simplefilter("ignore", ConvergenceWarning)
    X = _data(sizes["n_sequences"])
    grid = {"learning_rate": [3e-4, 1e-3, 3e-3, 1e-2], "batch_size": [32, 64]}
    estimator = LSTMAutoencoderTransformer(**MODEL, epochs=sizes["epochs"])
    cluster, client = _cluster(n_workers, pin_threads)
    with cluster, client:

        def warm_up():
            import warnings

            from sklearn.exceptions import ConvergenceWarning

            warnings.simplefilter("ignore", ConvergenceWarning)
            LSTMAutoencoderTransformer(**MODEL, epochs=1).fit(X[: len(X) // 2])

        start = time.perf_counter()
        client.run(warm_up)
        cold = time.perf_counter() - start
        times, loads = [], []
        for _ in range(repeats):
            search = GridSearchCV(estimator, grid, cv=2, refit=False, n_jobs=-1)
            start = time.perf_counter()
            with joblib.parallel_backend("dask"):
                search.fit(X)
            times.append(time.perf_counter() - start)
            loads.append(_load())
    return {"cold_s": cold, "times": times, "loads": loads, "work": 16, "unit": "fits/s"}


MWMS_WORKER = """
import json, sys, time, warnings
import tensorflow as tf
sys.path.insert(0, {root!r})
from benchmarks.scale import MODEL, _data, _load
from sklearn.exceptions import ConvergenceWarning
from sklearn_lstmae import LSTMAutoencoderTransformer
warnings.simplefilter("ignore", ConvergenceWarning)
sizes, repeats = json.loads(sys.argv[1]), int(sys.argv[2])
strategy = tf.distribute.MultiWorkerMirroredStrategy()
X = _data(sizes["n_sequences"])
settings = dict(MODEL, batch_size={batch_size})
start = time.perf_counter()
with strategy.scope():
    LSTMAutoencoderTransformer(**settings, epochs=1).fit(X[:{batch_size}])
cold = time.perf_counter() - start
times, loads = [], []
for _ in range(repeats):
    start = time.perf_counter()
    with strategy.scope():
        LSTMAutoencoderTransformer(**settings, epochs=sizes["epochs"]).fit(X)
    times.append(time.perf_counter() - start)
    loads.append(_load())
print("RESULT " + json.dumps({{"cold_s": cold, "times": times, "loads": loads}}))
"""


def _free_port():
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


def run_mwms(n_workers, repeats, sizes):
    from sklearn_lstmae.distributed import tensorflow_thread_environment

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = MWMS_WORKER.format(root=root, batch_size=MWMS["batch_size"])
    ports = [_free_port() for _ in range(n_workers)]
    processes = []
    for index in range(n_workers):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **tensorflow_thread_environment(1)}
        env["TF_CONFIG"] = json.dumps(
            {
                "cluster": {"worker": [f"localhost:{port}" for port in ports]},
                "task": {"type": "worker", "index": index},
            }
        )
        processes.append(
            subprocess.Popen(
                [sys.executable, "-c", code, json.dumps(sizes), str(repeats)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    results = []
    for process in processes:
        output, _ = process.communicate(timeout=3600)
        lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
        if process.returncode or not lines:
            raise RuntimeError(f"a MultiWorkerMirroredStrategy worker failed:\n{output[-3000:]}")
        results.append(json.loads(lines[-1][len("RESULT ") :]))
    slowest = [max(times) for times in zip(*(r["times"] for r in results))]
    return {
        "cold_s": max(r["cold_s"] for r in results),
        "times": slowest,
        "loads": results[0]["loads"],
        "work": sizes["n_sequences"] * sizes["epochs"],
        "unit": "seq/s",
    }


def run_unpinned_search(n_workers, repeats, sizes):
    return run_search(n_workers, repeats, sizes, pin_threads=False)


RUNNERS = {
    "encode": run_encode,
    "search": run_search,
    "unpinned": run_unpinned_search,
    "mwms": run_mwms,
}
DEFAULTS = {"encode": ENCODE, "search": SEARCH, "unpinned": SEARCH, "mwms": MWMS}
TITLES = {
    "encode": "encode 1,000,000 sequences (Dask)",
    "search": "GridSearchCV, 8 candidates x cv=2 (Dask)",
    "unpinned": "the same search, TF threads not pinned",
    "mwms": "fit under MultiWorkerMirroredStrategy",
}
# The unpinned search runs on 2 workers only and is compared with the pinned one.
WORKERS = {"unpinned": (2,)}
BASELINE = {"unpinned": "search"}


def _child(task, n_workers, repeats, quick):
    sizes = {**DEFAULTS[task], **(QUICK[task] if quick else {})}
    if task == "encode" and quick:
        sizes["n_sequences"] = QUICK["encode"]["n_sequences"]
    result = RUNNERS[task](n_workers, repeats, sizes)
    result["sizes"] = sizes
    print("RESULT " + json.dumps(result), flush=True)


def _measure(task, n_workers, repeats, quick):
    command = [sys.executable, __file__, "--child", task, "--workers", str(n_workers)]
    command += ["--repeats", str(repeats)] + (["--quick"] if quick else [])
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run(command, capture_output=True, text=True, env=env, timeout=7200)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    if completed.returncode or not lines:
        output = completed.stdout + completed.stderr
        raise RuntimeError(f"{task} with {n_workers} workers failed:\n{output[-4000:]}")
    return json.loads(lines[-1][len("RESULT ") :])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--repeats", type=int, default=3, help="timed runs per workload and worker count"
    )
    parser.add_argument(
        "--only",
        default="encode,search,unpinned,mwms",
        help="comma-separated workloads to run (default: all four)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run on tiny sizes, not the table"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)  # one measurement, in its own process
    parser.add_argument("--workers", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return _child(args.child, args.workers, args.repeats, args.quick)
    tasks = [task for task in args.only.split(",") if task]
    print(f"scale-out benchmark: {os.cpu_count()} cores, repeats={args.repeats}, load {_load()}")
    if args.quick:
        print(
            "smoke run (--quick): every workload runs on tiny sizes, not the ones its title "
            "names; the figures only show that each path works."
        )
    print(
        f"{'workload':44s} {'workers':>7s} {'throughput (median, range)':>34s} "
        f"{'cold s':>7s} {'load':>11s} {'ratio':>11s}"
    )
    medians = {}
    for task in tasks:
        base = None
        for n_workers in WORKERS.get(task, (1, 2)):
            result = _measure(task, n_workers, args.repeats, args.quick)
            rates = [result["work"] / t for t in result["times"]]
            median = statistics.median(rates)
            medians[task, n_workers] = median
            # Against 1 worker; the unpinned search against the pinned one on as many workers.
            base = medians.get((BASELINE.get(task), n_workers)) or base or median
            unit = result["unit"]
            spread = f"{median:,.1f} {unit} ({min(rates):,.1f}-{max(rates):,.1f})"
            loads = f"{min(result['loads']):.1f}-{max(result['loads']):.1f}"
            print(
                f"{TITLES[task]:44s} {n_workers:7d} {spread:>34s} {result['cold_s']:7.1f} "
                f"{loads:>11s} {median / base:10.2f}x",
                flush=True,
            )


if __name__ == "__main__":
    main()

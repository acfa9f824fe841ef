"""GPU check: W2 and W3 of ``benchmarks/run.py`` on a GPU, and which kernels ran.

Runs W2 (training, 20,000 x 50 x 4 sequences, LSTM(64), batch 128, 3 epochs)
and W3 (encoding 200,000 sequences) three ways, each in a fresh process of its
own as in ``benchmarks/run.py``: this library, plain Keras and PyTorch on the
GPU. It then checks what ran:

- Keras's LSTM layers take their cuDNN path (``CudnnRNNV3`` in the traced
  graphs), in the plain Keras model and in every compiled training and
  inference function of the library's engine;
- the library's fused CPU kernels (ops named ``SklearnLstmae*``) appear in
  none of the library's graphs: on a GPU the engine uses Keras's layers;
- PyTorch's tensors are on the GPU with cuDNN enabled.

Run on a machine with a CUDA GPU visible to TensorFlow (and to PyTorch for the
torch column)::

    python benchmarks/gpu_check.py

It takes about 2 to 4 minutes. Without a GPU it stops at once with exit
status 2 and says why; a failed check gives exit status 1.
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import run  # noqa: E402  (benchmarks/run.py: workloads, data, the CPU ways)

RESULT_PREFIX = "GPU-CHECK-RESULT "
CONFIG = {"w1_epochs": 0, "w2_samples": 20_000, "w2_epochs": 3, "w3_samples": 200_000}
TORCH_GPU_ENCODE_CHUNK = 8192
WORKER_TIMEOUT_S = 240
CUDNN_OP = "CudnnRNNV3"
FUSED_OP_PREFIX = "SklearnLstmae"


# -- inside the worker processes -------------------------------------------------------
def graph_ops(function, *args):
    """Op types of a tf.function's graph, its nested functions (loops, map_fn) included."""
    concrete = function.get_concrete_function(*args)
    graph_def = concrete.graph.as_graph_def()
    ops = {node.op for node in graph_def.node}
    for library_function in graph_def.library.function:
        ops.update(node.op for node in library_function.node_def)
    return ops


def summarize_ops(ops):
    return {
        "cudnn": CUDNN_OP in ops,
        "fused": sorted(op for op in ops if op.startswith(FUSED_OP_PREFIX)),
    }


def lib_graphs():
    """cuDNN and fused-op use in the compiled functions the library's engines ran."""
    from sklearn_lstmae import _engine

    graphs = {}
    for engine in list(_engine._cache.values()):
        functions = {f"train {key}": f for key, f in engine._train_functions.items()}
        functions.update({f"inference {key}": f for key, f in engine._inference.items()})
        for name, function in functions.items():
            if function.experimental_get_tracing_count():  # the functions that ran
                graphs[name] = summarize_ops(graph_ops(function))
    return graphs


def keras_graphs():
    import tensorflow as tf

    model, encoder = run.keras_autoencoder(run.W2_STEPS, run.W2_FEATURES, run.W2_UNITS, "tanh")
    spec = tf.TensorSpec((None, run.W2_STEPS, run.W2_FEATURES), tf.float32)

    @tf.function
    def train_step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x, training=True) - x))
        return tape.gradient(loss, model.trainable_variables)

    return {
        "train step": summarize_ops(graph_ops(train_step, spec)),
        "encoder": summarize_ops(graph_ops(tf.function(lambda x: encoder(x)), spec)),
    }


def tf_gpu_memory_mb():
    import tensorflow as tf

    try:
        return tf.config.experimental.get_memory_info("GPU:0")["peak"] / run.MB
    except (ValueError, RuntimeError):
        return None


def tf_devices():
    import tensorflow as tf

    return [device.name for device in tf.config.list_logical_devices("GPU")]


def gpu_lib(workload):
    result = run.lib_w2(CONFIG) if workload == "W2" else run.lib_w3(CONFIG)
    result["graphs"] = lib_graphs()
    result["gpus"] = tf_devices()
    result["gpu_peak_mb"] = tf_gpu_memory_mb()
    return result


def gpu_keras(workload):
    result = run.keras_w2(CONFIG) if workload == "W2" else run.keras_w3(CONFIG)
    result["graphs"] = keras_graphs()
    result["gpus"] = tf_devices()
    result["gpu_peak_mb"] = tf_gpu_memory_mb()
    return result


def gpu_torch(workload):
    import torch

    device = torch.device("cuda")
    _, W2Model = run._torch_models()
    torch.manual_seed(0)
    model = W2Model().to(device)
    if workload == "W2":
        X = torch.from_numpy(run.standardized(run.sinusoids(CONFIG["w2_samples"], seed=0)))
        start = time.perf_counter()
        wall, cpu, losses = run.torch_train(model, X.to(device), CONFIG["w2_epochs"], run.W2_BATCH)
        result = {
            "fit_s": time.perf_counter() - start,
            "epoch_wall": wall,
            "epoch_cpu": cpu,
            "loss": losses[-1],
        }
    else:
        model.eval()
        X = run.standardized(run.sinusoids(CONFIG["w3_samples"], seed=1))

        def encode(data):
            inputs = torch.from_numpy(data)
            codes = torch.empty((len(data), run.W2_UNITS))
            with torch.inference_mode():
                for start in range(0, len(data), TORCH_GPU_ENCODE_CHUNK):
                    chunk = slice(start, start + TORCH_GPU_ENCODE_CHUNK)
                    codes[chunk] = model.encode(inputs[chunk].to(device)).cpu()
            return codes.numpy()

        result = {"calls": run._encode_twice(encode, X)}
    result["on_gpu"] = all(p.is_cuda for p in model.parameters())
    result["cudnn"] = bool(torch.backends.cudnn.enabled and torch.backends.cudnn.is_available())
    result["gpus"] = [torch.cuda.get_device_name(0)]
    result["gpu_peak_mb"] = torch.cuda.max_memory_allocated() / run.MB
    return result


def worker(workload, way):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # logging only
    result = {"lib": gpu_lib, "keras": gpu_keras, "torch": gpu_torch}[way](workload)
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# -- the parent process ----------------------------------------------------------------
def probe(code):
    """Run ``code`` in a fresh interpreter; its last stdout line, or None on failure."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        return None
    lines = done.stdout.strip().splitlines()
    return lines[-1] if done.returncode == 0 and lines else None


def find_gpus():
    """(TensorFlow's GPUs, PyTorch's GPU or None, whether torch is installed)."""
    tf_gpus = probe(
        "import os; os.environ['TF_CPP_MIN_LOG_LEVEL'] = '3'\n"
        "import tensorflow as tf\n"
        "print(len(tf.config.list_physical_devices('GPU')))"
    )
    torch_gpu = probe(
        "import torch\nprint(torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
    )
    return int(tf_gpus or 0), torch_gpu or None, run.torch_installed()


def run_worker(workload, way):
    command = [sys.executable, os.path.abspath(__file__), "--worker", workload, "--way", way]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"error": f"no result within {WORKER_TIMEOUT_S} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    return {"error": f"exit {done.returncode}: {(done.stderr or done.stdout)[-2000:]}"}


def timing(workload, result):
    if "error" in result:
        return "FAILED " + result["error"]
    memory = result.get("gpu_peak_mb")
    memory = f", GPU peak {memory:.0f} MB" if memory is not None else ""
    if workload == "W2":
        steady = result["epoch_wall"][1:]
        per_epoch = sorted(steady)[len(steady) // 2]
        return (
            f"first epoch {result['epoch_wall'][0]:.2f} s, {per_epoch:.2f} s/epoch after, "
            f"loss {result['loss']:.4f}{memory}"
        )
    first, warm = result["calls"]
    return (
        f"first call {first['wall']:.2f} s, "
        f"{CONFIG['w3_samples'] / warm['wall']:,.0f} sequences/s after{memory}"
    )


def check_kernels(way, workload, result, failures):
    if "error" in result:
        failures.append(f"{workload} {way}: {result['error'].splitlines()[0]}")
        return
    if way == "torch":
        if not (result["on_gpu"] and result["cudnn"]):
            failures.append(f"{workload} torch: on GPU {result['on_gpu']}, cuDNN {result['cudnn']}")
        return
    for name, ops in result["graphs"].items():
        if not ops["cudnn"]:
            failures.append(f"{workload} {way} {name}: no {CUDNN_OP} (Keras's cuDNN LSTM unused)")
        if ops["fused"]:
            failures.append(f"{workload} {way} {name}: fused CPU ops {ops['fused']} on a GPU")
    if not result["graphs"]:
        failures.append(f"{workload} {way}: no compiled graph found to check")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", choices=("W2", "W3"), help=argparse.SUPPRESS)
    parser.add_argument("--way", choices=run.WAYS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.way)
        return 0

    tf_gpus, torch_gpu, has_torch = find_gpus()
    if not tf_gpus:
        print(
            "gpu_check: no GPU is visible to TensorFlow here "
            "(tf.config.list_physical_devices('GPU') is empty), so there is nothing to check. "
            "Run it on a machine with a CUDA GPU and a CUDA build of TensorFlow "
            "(pip install 'tensorflow[and-cuda]'); the CPU benchmark is benchmarks/run.py.",
            file=sys.stderr,
        )
        return 2
    ways = ["lib", "keras"]
    if torch_gpu:
        ways.append("torch")
    else:
        reason = "not installed" if not has_torch else "installed without CUDA"
        print(f"gpu_check: PyTorch {reason}: the torch column is skipped.")
    print("\n".join(run.machine_lines("at start")))
    print(f"gpus      TensorFlow sees {tf_gpus}; PyTorch: {torch_gpu or '-'}")
    start = time.perf_counter()
    failures, timings = [], {}
    for workload in ("W2", "W3"):
        for way in ways:
            result = run_worker(workload, way)
            timings[workload, way] = result
            print(f"{workload} {way:5s} {timing(workload, result)}", flush=True)
            check_kernels(way, workload, result, failures)
    print(f"total {time.perf_counter() - start:.0f} s; load at end {run.load_text()}")
    for workload in ("W2", "W3"):
        lib = timings[workload, "lib"]
        for other in ways[1:]:
            theirs = timings[workload, other]
            if "error" in lib or "error" in theirs:
                continue
            if workload == "W2":
                ratio = run.median(lib["epoch_wall"][1:]) / run.median(theirs["epoch_wall"][1:])
                print(f"{workload} lib/{other} s/epoch: {ratio:.2f}x")
            else:
                ratio = theirs["calls"][1]["wall"] / lib["calls"][1]["wall"]
                print(f"{workload} lib/{other} throughput: {ratio:.2f}x")
    if failures:
        print("FAILED checks:")
        for failure in failures:
            print("  " + failure)
        return 1
    print(
        f"OK: Keras's cuDNN LSTM ({CUDNN_OP}) in every checked graph, "
        "no fused CPU op in the library's graphs" + (", torch on cuDNN" if torch_gpu else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the library against plain Keras and PyTorch, each in a fresh process of its own.

Every way runs in a new Python process for every repeat, with its own default
threading and nothing set in the environment for it (no ``OMP_WAIT_POLICY``, no
thread counts): the process a user of that way would run. The parent process
imports neither TensorFlow nor PyTorch; it starts the processes one at a time,
in a rotating order (lib, keras, torch; keras, torch, lib; ...), reads each
one's result, and prints medians with the range over the repeats. Times come
from timestamps taken inside each process (per epoch, per call); the first fit
or call of a process, which traces graphs and loads the fused kernels, is
reported apart from the later ones.

W1  The classic tiny example: one sequence [0.1 ... 0.9] of shape (1, 9, 1),
    LSTM(100, relu) -> RepeatVector(9) -> LSTM(100, relu) -> Dense per step,
    Adam 1e-3, MSE, 300 epochs, batch 1. Each process fits twice: the first fit
    (cold: building, tracing) and a second fit of a fresh model (warm).
W2  20,000 noisy sinusoids x 50 steps x 4 features (fixed seed, standardized
    beforehand), LSTM(64) -> RepeatVector -> LSTM(64) -> Dense per step, tanh,
    batch 128, Adam 1e-3, MSE, 4 epochs in one fit. Seconds per epoch over
    epochs 2-4; epoch 1 (tracing, kernel loading) apart.
W3  Encoding 200,000 W2-shaped sequences (float32, already in memory) into
    codes of 64 floats with a W2-shaped encoder: throughput and the peak growth
    of resident memory during the call. Each process encodes twice: the first
    call (tracing) and a second one (warm); the lib process also checks that its
    codes equal those of its own plain Keras encoder (``encoder_``) within 1e-5.

The three ways, each as its users write it with its library's defaults:

lib    ``LSTMAutoencoderTransformer(cell="lstm", code="last", input_noise=0,
       standardize=False)``, ``fit`` / ``transform`` (W2/W3's tanh LSTMs run the
       library's fused CPU kernels where they could be built; the run says so).
keras  Functional Keras layers with Keras's default initializers,
       ``compile("adam", "mse")``, ``model.fit(X, X)``, ``encoder.predict(X,
       batch_size=1024)``.
torch  PyTorch CPU with its default threads: ``torch.nn.LSTM`` (W2, W3) with
       its default initialization, ``torch.optim.Adam(lr=1e-3)``, shuffled
       mini-batches; W1's relu LSTM is a small hand-written layer (``nn.LSTM``
       is tanh-only). Encoding runs ``nn.LSTM`` under ``torch.inference_mode``
       in chunks of 1024 sequences into a preallocated tensor.

Run::

    python benchmarks/run.py [--repeats 5] [--only W1,W2,W3] [--quick]

``--quick`` is a smoke run on tiny sizes. ``--one-thread`` runs every way on
one thread, set through each library's own API (``torch.set_num_threads(1)``,
``tf.config.threading``): not how users run them, but a cross-check that a busy
machine disturbs less (no thread waits for a descheduled sibling). The default run takes about 15
minutes on a 2-core machine. PyTorch is a benchmark dependency only, never
one of the library's (``pip install torch==2.13.0`` for the CPU build, or the
``bench`` extra); without it the torch column is skipped.
"""

import argparse
import datetime
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time

WAYS = ("lib", "keras", "torch")
WORKLOADS = ("W1", "W2", "W3")
RESULT_PREFIX = "BENCHMARK-RESULT "
MB = 1e6
W1_UNITS, W1_STEPS = 100, 9
W2_STEPS, W2_FEATURES, W2_UNITS, W2_BATCH = 50, 4, 64, 128
KERAS_PREDICT_BATCH = 1024
TORCH_ENCODE_CHUNK = 1024
CODE_TOLERANCE = 1e-5
W3_MEMORY_FACTOR = 2.0  # peak growth at most twice the codes' size
WORKER_TIMEOUT_S = 1800


def config(quick):
    if quick:
        return {"w1_epochs": 10, "w2_samples": 512, "w2_epochs": 3, "w3_samples": 4096}
    return {"w1_epochs": 300, "w2_samples": 20_000, "w2_epochs": 4, "w3_samples": 200_000}


# -- measuring (used inside the worker processes) ---------------------------------------
def _status_bytes(*keys):
    """Fields of /proc/self/status (Linux), in bytes; NaN when unreadable."""
    values = dict.fromkeys(keys, float("nan"))
    try:
        with open("/proc/self/status") as status:
            for line in status:
                key, _, rest = line.partition(":")
                if key in values:
                    values[key] = int(rest.split()[0]) * 1024
    except OSError:
        pass
    return values


def _reset_peak_rss():
    """Reset the kernel's peak-RSS counter VmHWM (Linux >= 4.0); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
        return True
    except OSError:
        return False


class PeakMemory:
    """Peak growth of resident memory (VmRSS) over a ``with`` block.

    The kernel's exact high-water mark VmHWM is reset before the block where
    Linux allows it; VmRSS is also sampled every 10 ms in a thread.
    """

    def __enter__(self):
        gc.collect()
        self.exact = _reset_peak_rss()
        self.baseline = self.peak = _status_bytes("VmRSS")["VmRSS"]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, _status_bytes("VmRSS")["VmRSS"])

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        status = _status_bytes("VmRSS", "VmHWM")
        peak = max(self.peak, status["VmRSS"])
        if self.exact:
            peak = max(peak, status["VmHWM"])
        self.growth_mb = (peak - self.baseline) / MB
        return False


class Clock:
    """Wall and CPU (all threads of the process) seconds since the last ``lap``."""

    def __init__(self):
        self.lap()

    def lap(self):
        now = (time.perf_counter(), time.process_time())
        previous = getattr(self, "_last", now)
        self._last = now
        return now[0] - previous[0], now[1] - previous[1]


def sinusoids(n_samples, seed):
    """Noisy sinusoids, random frequency, phase and amplitude per sequence and feature."""
    import numpy as np

    rng = np.random.default_rng(seed)
    t = np.arange(W2_STEPS, dtype=np.float32)[None, :, None]
    out = np.empty((n_samples, W2_STEPS, W2_FEATURES), np.float32)
    for start in range(0, n_samples, 10_000):  # bounded temporaries
        n = min(10_000, n_samples - start)
        freq = rng.uniform(0.02, 0.2, (n, 1, W2_FEATURES)).astype(np.float32)
        phase = rng.uniform(0, 2 * np.pi, (n, 1, W2_FEATURES)).astype(np.float32)
        amp = rng.uniform(0.5, 2.0, (n, 1, W2_FEATURES)).astype(np.float32)
        noise = rng.normal(0, 0.1, (n, W2_STEPS, W2_FEATURES)).astype(np.float32)
        out[start : start + n] = amp * np.sin(2 * np.pi * freq * t + phase) + noise
    return out


def standardized(X):
    mean, std = X.mean(axis=(0, 1)), X.std(axis=(0, 1))
    X -= mean
    X /= std
    return X


def w1_data():
    import numpy as np

    return np.linspace(0.1, 0.9, W1_STEPS, dtype=np.float32).reshape(1, W1_STEPS, 1)


# -- the library ----------------------------------------------------------------------
def _lib_estimator(**params):
    from sklearn_lstmae import LSTMAutoencoderTransformer

    # The plain model that Keras and PyTorch run here: LSTM cells, the last
    # state as the code, no input noise, every timestep read (the
    # transformer's defaults, chosen for codes of real data, differ).
    classic = {"cell": "lstm", "code": "last", "input_noise": 0.0}
    if "max_timesteps" in LSTMAutoencoderTransformer().get_params():
        classic["max_timesteps"] = None  # no folding of long sequences into patches
    return LSTMAutoencoderTransformer(
        standardize=False, n_iter_no_change=10**6, random_state=0, **classic, **params
    )


def _epoch_clock_callback():
    import keras

    class EpochClock(keras.callbacks.Callback):
        """Wall and CPU seconds of each epoch (model.fit and the library's callbacks)."""

        def __init__(self):
            super().__init__()
            self.wall, self.cpu = [], []

        def on_epoch_begin(self, epoch, logs=None):
            self._clock = Clock()

        def on_epoch_end(self, epoch, logs=None):
            wall, cpu = self._clock.lap()
            self.wall.append(wall)
            self.cpu.append(cpu)

    return EpochClock()


def _quiet_fit(estimator, X):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X)


def lib_fused_kernels():
    try:
        from sklearn_lstmae._kernel_build import load_fused_kernels
    except ImportError:  # older layout
        from sklearn_lstmae._fused import load_fused_kernels
    return load_fused_kernels() is not None


def lib_w1(cfg):
    import numpy as np

    X, fits = w1_data(), []
    for _ in range(2):
        clock = _epoch_clock_callback()
        est = _lib_estimator(units=W1_UNITS, activation="relu", epochs=cfg["w1_epochs"])
        est.set_params(callbacks=[clock])
        start = time.perf_counter()
        _quiet_fit(est, X)
        fits.append({"fit_s": time.perf_counter() - start, "epoch_wall": clock.wall})
    mse = float(np.mean((est.reconstruct(X) - X) ** 2))
    return {"fits": fits, "mse": mse, "loss": float(est.loss_curve_[-1])}


def lib_w2(cfg):
    X = standardized(sinusoids(cfg["w2_samples"], seed=0))
    clock = _epoch_clock_callback()
    est = _lib_estimator(
        units=W2_UNITS, epochs=cfg["w2_epochs"], batch_size=W2_BATCH, learning_rate=1e-3
    )
    est.set_params(callbacks=[clock])
    start = time.perf_counter()
    _quiet_fit(est, X)
    return {
        "fit_s": time.perf_counter() - start,
        "epoch_wall": clock.wall,
        "epoch_cpu": clock.cpu,
        "loss": float(est.loss_curve_[-1]),
        "fused": lib_fused_kernels(),
    }


def lib_w3(cfg):
    import numpy as np

    X = standardized(sinusoids(cfg["w3_samples"], seed=1))
    est = _lib_estimator(units=W2_UNITS, epochs=1, batch_size=W2_BATCH)
    _quiet_fit(est, X[:1024])  # setup, not timed: a fitted W2-shaped encoder
    calls = _encode_twice(est.transform, X)
    sample = X[:2048]
    keras_codes = est.encoder_.predict(sample, batch_size=KERAS_PREDICT_BATCH, verbose=0)
    difference = float(np.max(np.abs(est.transform(sample) - keras_codes)))
    return {"calls": calls, "code_difference": difference, "fused": lib_fused_kernels()}


def _encode_twice(encode, X):
    """Time two encodings of X in this process: the first (tracing) and a warm one."""
    calls = []
    for _ in range(2):
        with PeakMemory() as memory:
            clock = Clock()
            codes = encode(X)
            wall, cpu = clock.lap()
        assert codes.shape == (len(X), W2_UNITS), codes.shape
        del codes
        calls.append({"wall": wall, "cpu": cpu, "growth_mb": memory.growth_mb})
    return calls


# -- plain Keras ----------------------------------------------------------------------
def keras_autoencoder(n_steps, n_features, units, activation):
    """The plain model, functional so that the encoder is a model of its own."""
    import keras

    inputs = keras.Input((n_steps, n_features))
    code = keras.layers.LSTM(units, activation=activation)(inputs)
    x = keras.layers.RepeatVector(n_steps)(code)
    x = keras.layers.LSTM(units, activation=activation, return_sequences=True)(x)
    outputs = keras.layers.TimeDistributed(keras.layers.Dense(n_features))(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    return model, keras.Model(inputs, code)


def keras_w1(cfg):
    import numpy as np

    X, fits = w1_data(), []
    for _ in range(2):
        clock = _epoch_clock_callback()
        start = time.perf_counter()
        model, _ = keras_autoencoder(W1_STEPS, 1, W1_UNITS, "relu")
        history = model.fit(X, X, epochs=cfg["w1_epochs"], verbose=0, callbacks=[clock])
        fits.append({"fit_s": time.perf_counter() - start, "epoch_wall": clock.wall})
    mse = float(np.mean((np.asarray(model(X, training=False)) - X) ** 2))
    return {"fits": fits, "mse": mse, "loss": float(history.history["loss"][-1])}


def keras_w2(cfg):
    X = standardized(sinusoids(cfg["w2_samples"], seed=0))
    clock = _epoch_clock_callback()
    start = time.perf_counter()
    model, _ = keras_autoencoder(W2_STEPS, W2_FEATURES, W2_UNITS, "tanh")
    history = model.fit(
        X, X, batch_size=W2_BATCH, epochs=cfg["w2_epochs"], verbose=0, callbacks=[clock]
    )
    return {
        "fit_s": time.perf_counter() - start,
        "epoch_wall": clock.wall,
        "epoch_cpu": clock.cpu,
        "loss": float(history.history["loss"][-1]),
    }


def keras_w3(cfg):
    X = standardized(sinusoids(cfg["w3_samples"], seed=1))
    _, encoder = keras_autoencoder(W2_STEPS, W2_FEATURES, W2_UNITS, "tanh")
    calls = _encode_twice(
        lambda data: encoder.predict(data, batch_size=KERAS_PREDICT_BATCH, verbose=0), X
    )
    return {"calls": calls}


# -- PyTorch --------------------------------------------------------------------------
def _torch_models():
    import torch
    from torch import nn

    class ReluLSTM(nn.Module):
        """An LSTM layer with Keras's gate equations and relu (nn.LSTM is tanh-only).

        Initialized as ``nn.LSTM`` is: uniform in +-1/sqrt(units).
        """

        def __init__(self, n_inputs, units, return_sequences):
            super().__init__()
            bound = units**-0.5
            self.kernel = nn.Parameter(torch.empty(n_inputs, 4 * units).uniform_(-bound, bound))
            self.recurrent = nn.Parameter(torch.empty(units, 4 * units).uniform_(-bound, bound))
            self.bias = nn.Parameter(torch.empty(4 * units).uniform_(-bound, bound))
            self.units, self.return_sequences = units, return_sequences

        def forward(self, x):
            projected = x @ self.kernel + self.bias
            h = x.new_zeros(x.shape[0], self.units)
            c = x.new_zeros(x.shape[0], self.units)
            outputs = []
            for step in range(x.shape[1]):
                i, f, g, o = (projected[:, step] + h @ self.recurrent).chunk(4, dim=1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.relu(g)
                h = torch.sigmoid(o) * torch.relu(c)
                outputs.append(h)
            return torch.stack(outputs, dim=1) if self.return_sequences else h

    class W1Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = ReluLSTM(1, W1_UNITS, return_sequences=False)
            self.decoder = ReluLSTM(W1_UNITS, W1_UNITS, return_sequences=True)
            self.dense = nn.Linear(W1_UNITS, 1)

        def forward(self, x):
            code = self.encoder(x)
            return self.dense(self.decoder(code.unsqueeze(1).repeat(1, x.shape[1], 1)))

    class W2Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.LSTM(W2_FEATURES, W2_UNITS, batch_first=True)
            self.decoder = nn.LSTM(W2_UNITS, W2_UNITS, batch_first=True)
            self.dense = nn.Linear(W2_UNITS, W2_FEATURES)

        def encode(self, x):
            _, (h, _) = self.encoder(x)
            return h[-1]

        def forward(self, x):
            code = self.encode(x)
            out, _ = self.decoder(code.unsqueeze(1).repeat(1, x.shape[1], 1))
            return self.dense(out)

    return W1Model, W2Model


def torch_train(model, X, epochs, batch_size):
    """Adam 1e-3, MSE, shuffled mini-batches; wall and CPU seconds and loss per epoch."""
    import torch

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    n = len(X)
    wall, cpu, losses = [], [], []
    for _ in range(epochs):
        clock = Clock()
        order = torch.randperm(n)
        total = 0.0
        for first in range(0, n, batch_size):
            batch = X[order[first : first + batch_size]]
            loss = torch.nn.functional.mse_loss(model(batch), batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / n)
        epoch_wall, epoch_cpu = clock.lap()
        wall.append(epoch_wall)
        cpu.append(epoch_cpu)
    return wall, cpu, losses


def torch_w1(cfg):
    import torch

    W1Model, _ = _torch_models()
    X, fits = torch.from_numpy(w1_data()), []
    torch.manual_seed(0)
    for _ in range(2):
        start = time.perf_counter()
        model = W1Model()
        wall, _, losses = torch_train(model, X, cfg["w1_epochs"], 1)
        fits.append({"fit_s": time.perf_counter() - start, "epoch_wall": wall})
    with torch.inference_mode():
        mse = float(torch.mean((model(X) - X) ** 2))
    return {"fits": fits, "mse": mse, "loss": losses[-1]}


def torch_w2(cfg):
    import torch

    _, W2Model = _torch_models()
    X = torch.from_numpy(standardized(sinusoids(cfg["w2_samples"], seed=0)))
    torch.manual_seed(0)
    start = time.perf_counter()
    model = W2Model()
    wall, cpu, losses = torch_train(model, X, cfg["w2_epochs"], W2_BATCH)
    return {
        "fit_s": time.perf_counter() - start,
        "epoch_wall": wall,
        "epoch_cpu": cpu,
        "loss": losses[-1],
    }


def torch_w3(cfg):
    import torch

    _, W2Model = _torch_models()
    torch.manual_seed(0)
    model = W2Model().eval()
    X = standardized(sinusoids(cfg["w3_samples"], seed=1))

    def encode(data):
        inputs = torch.from_numpy(data)
        codes = torch.empty((len(data), W2_UNITS))
        with torch.inference_mode():
            for start in range(0, len(data), TORCH_ENCODE_CHUNK):
                chunk = slice(start, start + TORCH_ENCODE_CHUNK)
                codes[chunk] = model.encode(inputs[chunk])
        return codes.numpy()

    return {"calls": _encode_twice(encode, X)}


def one_thread(way):
    """``--one-thread``: every way computes on one thread, set through its own API."""
    if way == "torch":
        import torch

        torch.set_num_threads(1)
        torch.set_num_interop_threads(1)
    else:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def worker(workload, way, cfg, single_thread=False):
    """Run one workload one way in this process; print the result as one JSON line."""
    if way != "torch":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # logging only
    if single_thread:
        one_thread(way)
    start = time.perf_counter()
    result = globals()[f"{way}_{workload.lower()}"](cfg)
    result["process_s"] = time.perf_counter() - start
    if way == "torch":
        import torch

        result["threads"] = torch.get_num_threads()
        result["version"] = torch.__version__
    else:
        import keras
        import tensorflow as tf

        result["version"] = f"tf {tf.__version__}, keras {keras.__version__}"
    print(RESULT_PREFIX + json.dumps(result), flush=True)


# -- the parent process ---------------------------------------------------------------
def machine_lines(when):
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        usable = os.cpu_count()
    try:
        with open("/proc/meminfo") as info:
            mem = f"{int(info.readline().split()[1]) / 1e6:.1f} GB"
    except OSError:
        mem = "n/a"
    return [
        f"date      {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"cpu       {cpu}; {os.cpu_count()} logical cores, {usable} usable; RAM {mem}",
        f"load      {when}: {load_text()}",
        f"python    {platform.python_version()}",
    ]


def load_text():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def torch_installed():
    import importlib.util

    return importlib.util.find_spec("torch") is not None


def run_worker(workload, way, args):
    command = [sys.executable, os.path.abspath(__file__), "--worker", workload, "--way", way]
    if args.quick:
        command.append("--quick")
    if args.one_thread:
        command.append("--one-thread")
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"{workload} {way}: no result within {WORKER_TIMEOUT_S} s") from None
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise SystemExit(
        f"{workload} {way}: the worker process failed (exit {done.returncode}):\n"
        + (done.stderr or done.stdout)[-3000:]
    )


def median(values):
    return statistics.median(values) if values else None


def spread(values, fmt):
    """'median (min-max)' of values."""
    if not values:
        return "-"
    text = fmt.format(statistics.median(values))
    if len(values) > 1:
        text += f" ({fmt.format(min(values))}-{fmt.format(max(values))})"
    return text


class Table:
    def __init__(self, ways):
        self.ways, self.rows = ways, []

    def add(self, workload, metric, values, fmt, ratio=True):
        """values: way -> list of per-repeat values (or a single value)."""
        values = {w: v if isinstance(v, list) else [v] for w, v in values.items() if v is not None}
        self.rows.append((workload, metric, values, fmt, ratio))

    def medians(self, metric):
        for _, name, values, _, _ in self.rows:
            if name == metric:
                return {way: median(v) for way, v in values.items()}
        raise KeyError(metric)

    def format(self):
        others = [w for w in ("keras", "torch") if w in self.ways]
        header = ["workload", "metric", *self.ways, *(f"lib/{w}" for w in others)]
        lines = []
        for workload, metric, values, fmt, ratio in self.rows:
            cells = [workload, metric]
            cells += [spread(values.get(way, []), fmt) for way in self.ways]
            for other in others:
                a, b = median(values.get("lib", [])), median(values.get(other, []))
                cells.append(f"{a / b:.2f}x" if ratio and a is not None and b else "-")
            lines.append(cells)
        widths = [max(len(c) for c in column) for column in zip(header, *lines)]

        def line(cells):
            return "  ".join(
                c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
            )

        out, previous = [line(header), "  ".join("-" * w for w in widths)], None
        for cells in lines:
            if previous is not None and cells[0] != previous:
                out.append("")
            out.append(line(cells))
            previous = cells[0]
        return "\n".join(out)


def collect(workloads, ways, args):
    """Results per workload and way: a list over the repeats (fresh processes)."""
    results = {w: {way: [] for way in ways} for w in workloads}
    repeats = 1 if args.quick else max(1, args.repeats)
    for workload in workloads:
        print(f"{workload}:", flush=True)
        for repeat in range(repeats):
            order = ways[repeat % len(ways) :] + ways[: repeat % len(ways)]
            for way in order:
                load = load_text()
                result = run_worker(workload, way, args)
                result["load"] = load
                results[workload][way].append(result)
                print(f"  repeat {repeat + 1} {way:5s} load {load}: {describe(workload, result)}")
                sys.stdout.flush()
    return results, repeats


def describe(workload, r):
    if workload == "W1":
        cold, warm = r["fits"]
        return f"first fit {cold['fit_s']:.2f} s, second fit {warm['fit_s']:.2f} s"
    if workload == "W2":
        epochs = ", ".join(f"{s:.2f}" for s in r["epoch_wall"])
        cpu = ", ".join(f"{s:.2f}" for s in r["epoch_cpu"])
        return f"epochs {epochs} s (CPU {cpu} s); loss {r['loss']:.4f}"
    first, warm = r["calls"]
    text = (
        f"first call {first['wall']:.2f} s, second {warm['wall']:.2f} s "
        f"(CPU {warm['cpu']:.2f} s), peak growth {warm['growth_mb']:.0f} MB"
    )
    if "code_difference" in r:
        text += f"; |codes - Keras encoder_| <= {r['code_difference']:.1e}"
    return text


def summarize(results, cfg, ways, repeats, table, notes, checks):
    steady = slice(1, None)
    if "W1" in results:
        r = results["W1"]
        table.add(
            "W1",
            "first fit s (cold)",
            {w: [x["fits"][0]["fit_s"] for x in r[w]] for w in ways},
            "{:.2f}",
        )
        table.add(
            "W1",
            "second fit s (warm)",
            {w: [x["fits"][1]["fit_s"] for x in r[w]] for w in ways},
            "{:.2f}",
        )
        table.add(
            "W1",
            "ms/epoch (warm fit, median)",
            {w: [1e3 * median(x["fits"][1]["epoch_wall"][steady]) for x in r[w]] for w in ways},
            "{:.1f}",
        )
        table.add("W1", "reconstruction MSE", {w: [x["mse"] for x in r[w]] for w in ways}, "{:.1e}")
        warm = table.medians("second fit s (warm)")
        if "keras" in ways:
            checks.append(
                ("W1 lib warm fit <= 0.25x keras", warm["lib"] / warm["keras"], 0.25, "le")
            )
        checks.append(
            ("W1 lib reconstruction MSE <= 5e-5", median([x["mse"] for x in r["lib"]]), 5e-5, "le")
        )
        notes.append(
            f"W1: {cfg['w1_epochs']} epochs, batch 1; each process fits twice (a fresh model "
            "each time): the first fit builds and traces, the second is what later fits cost. "
            "torch's relu LSTM is hand-written (nn.LSTM is tanh-only), initialized as nn.LSTM."
        )
    if "W2" in results:
        r = results["W2"]
        epochs = cfg["w2_epochs"]
        table.add(
            "W2",
            "first epoch s (tracing)",
            {w: [x["epoch_wall"][0] for x in r[w]] for w in ways},
            "{:.2f}",
        )
        label = f"s/epoch, epochs 2-{epochs}"
        table.add(
            "W2",
            label,
            {w: [s for x in r[w] for s in x["epoch_wall"][steady]] for w in ways},
            "{:.2f}",
        )
        table.add(
            "W2",
            f"CPU s/epoch, epochs 2-{epochs}",
            {w: [s for x in r[w] for s in x["epoch_cpu"][steady]] for w in ways},
            "{:.2f}",
        )
        table.add(
            "W2", f"fit s, {epochs} epochs", {w: [x["fit_s"] for x in r[w]] for w in ways}, "{:.2f}"
        )
        table.add(
            "W2",
            "final epoch loss",
            {w: [x["loss"] for x in r[w]] for w in ways},
            "{:.4f}",
            ratio=False,
        )
        per_epoch = table.medians(label)
        if "keras" in ways:
            checks.append(
                ("W2 lib s/epoch <= 0.5x keras", per_epoch["lib"] / per_epoch["keras"], 0.5, "le")
            )
        if "torch" in ways:
            checks.append(
                ("W2 lib s/epoch <= 0.8x torch", per_epoch["lib"] / per_epoch["torch"], 0.8, "le")
            )
        fused = all(x["fused"] for x in r["lib"])
        notes.append(
            f"W2: {cfg['w2_samples']} sequences, one fit of {epochs} epochs per process; "
            f"per-epoch figures pool epochs 2-{epochs} of every process (median and range). "
            "Each way starts from its own library's default initialization, so the losses "
            "differ by initialization and shuffling only. lib's LSTMs ran "
            + ("the fused CPU kernels." if fused else "Keras's layers (fused kernels unavailable).")
        )
    if "W3" in results:
        r = results["W3"]
        n = cfg["w3_samples"]
        table.add(
            "W3",
            "first call s (tracing)",
            {w: [x["calls"][0]["wall"] for x in r[w]] for w in ways},
            "{:.2f}",
        )
        table.add(
            "W3",
            "sequences/s (second call)",
            {w: [n / x["calls"][1]["wall"] for x in r[w]] for w in ways},
            "{:,.0f}",
        )
        table.add(
            "W3",
            "CPU s (second call)",
            {w: [x["calls"][1]["cpu"] for x in r[w]] for w in ways},
            "{:.2f}",
        )
        table.add(
            "W3",
            "peak RSS growth MB (second call)",
            {w: [x["calls"][1]["growth_mb"] for x in r[w]] for w in ways},
            "{:.0f}",
        )
        output_mb = n * W2_UNITS * 4 / MB
        difference = max(x["code_difference"] for x in r["lib"])
        throughput = table.medians("sequences/s (second call)")
        growth = {w: max(x["calls"][1]["growth_mb"] for x in r[w]) for w in ways}
        if "torch" in ways:
            checks.append(
                (
                    "W3 lib throughput >= 1.0x torch",
                    throughput["lib"] / throughput["torch"],
                    1.0,
                    "ge",
                )
            )
            checks.append(
                ("W3 lib peak growth (max) <= torch's", growth["lib"] / growth["torch"], 1.0, "le")
            )
        checks.append(
            (
                f"W3 lib peak growth <= {W3_MEMORY_FACTOR:g}x the codes ({output_mb:.1f} MB)",
                growth["lib"] / output_mb,
                W3_MEMORY_FACTOR,
                "le",
            )
        )
        checks.append(
            (
                f"W3 lib codes = Keras encoder_'s within {CODE_TOLERANCE:g}",
                difference,
                CODE_TOLERANCE,
                "le",
            )
        )
        notes.append(
            f"W3: {n} sequences ({n * W2_STEPS * W2_FEATURES * 4 / MB:.0f} MB float32 in memory), "
            f"codes {output_mb:.1f} MB. lib = transform(X); keras = encoder.predict(X, "
            f"batch_size={KERAS_PREDICT_BATCH}); torch = nn.LSTM under inference_mode in chunks "
            f"of {TORCH_ENCODE_CHUNK}. Memory: peak resident memory during the call minus before "
            "it (the kernel's VmHWM, reset before the call, and 10-ms samples)."
        )


def parent(args):
    only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = set(only) - set(WORKLOADS)
    if unknown:
        raise SystemExit(f"unknown workloads {sorted(unknown)}; use W1, W2, W3")
    workloads = [w for w in WORKLOADS if w in only]
    ways = [w for w in WAYS if w != "torch" or torch_installed()]
    cfg = config(args.quick)
    print("\n".join(machine_lines("at start")), flush=True)
    start = time.perf_counter()
    results, repeats = collect(workloads, ways, args)
    total = time.perf_counter() - start

    table, notes, checks = Table(ways), [], []
    summarize(results, cfg, ways, repeats, table, notes, checks)
    versions = {way: next(iter(r[way]))["version"] for r in results.values() for way in ways}
    print()
    print("=" * 100)
    print("\n".join(machine_lines("at end")))
    print("versions  " + "; ".join(f"{way}: {v}" for way, v in versions.items()))
    if "torch" in ways:
        threads = {x["threads"] for r in results.values() for x in r["torch"]}
        print(f"torch     threads: {', '.join(map(str, sorted(threads)))}")
    else:
        print("torch     not installed: torch column skipped (pip install torch==2.13.0)")
    smoke = "--quick smoke run (tiny sizes, NOT the real workloads); " if args.quick else ""
    if args.one_thread:
        smoke += "--one-thread: every way on ONE thread (not the defaults); "
    print(
        f"run       {smoke}{repeats} repeats, every way in a fresh process per repeat, "
        f"rotating order; total {total:.0f} s"
    )
    print()
    print(table.format())
    print()
    print(
        "cells: median (min-max) over the repeats' processes; ratios: lib median / other "
        "median (times: < 1 means the library is faster; throughput: > 1 means faster)."
    )
    for note in notes:
        print("- " + note)
    print()
    print("targets" + (" (smoke run: not meaningful)" if args.quick else ""))
    for name, value, bound, sense in checks:
        ok = value <= bound if sense == "le" else value >= bound
        print(f"  {'PASS' if ok else 'MISS'}  {name}: {value:.3g}")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh processes per way")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--only", default="W1,W2,W3", help="comma-separated, e.g. W2,W3")
    parser.add_argument(
        "--one-thread",
        action="store_true",
        help="run every way on one thread (torch.set_num_threads, tf.config.threading): "
        "a cross-check less sensitive to a busy machine than the default threading",
    )
    parser.add_argument("--worker", choices=WORKLOADS, help=argparse.SUPPRESS)
    parser.add_argument("--way", choices=WAYS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.way, config(args.quick), args.one_thread)
        return 0
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())

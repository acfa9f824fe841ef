"""Reliability measurements: memory and time over 100 fits, and a 1,000,000-sequence encoding.

Run ``python benchmarks/reliability.py`` (``--n-sequences`` to change the
size of the memory-mapped encoding, ``--fits`` the number of fits). It prints

- the process's resident memory before and after N consecutive small fits (as
  a grid search makes them) and the median fit time of the first and last ten,
  with the number of times the compiled training function was traced;
- the peak anonymous memory (RssAnon, sampled every 5 ms; file-backed pages of
  the memory map are not the library's allocations) while ``transform``
  encodes a memory-mapped array of sequences, beside the size of the input
  and of the codes.
"""

import argparse
import os
import statistics
import tempfile
import threading
import time
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from sklearn_lstmae import LSTMAutoencoderTransformer  # noqa: E402
from sklearn_lstmae._engine import get_engine  # noqa: E402

# The figures in the README were measured on the classic model (LSTM cells, the
# last state as the code, no noise), not the transformer's defaults.
CLASSIC = {"cell": "lstm", "code": "last", "input_noise": 0.0}


def _status_mb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


class PeakSampler:
    """Samples a /proc/self/status field in a thread; ``peak`` is the largest value seen."""

    def __init__(self, field="RssAnon", interval=0.005):
        self.field, self.interval = field, interval
        self.peak = _status_mb(field)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _status_mb(self.field))
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def many_fits(n_fits):
    rng = np.random.RandomState(0)
    X = np.sin(rng.uniform(0.1, 1, (64, 1, 2)) * np.arange(20)[None, :, None])
    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMAutoencoderTransformer(units=16, epochs=5, random_state=0, **CLASSIC).fit(X)
        engine = get_engine(model._spec)
        before = _status_mb("VmRSS")
        for seed in range(n_fits):
            start = time.perf_counter()
            model = LSTMAutoencoderTransformer(units=16, epochs=5, random_state=seed, **CLASSIC)
            model.fit(X).transform(X)
            times.append(time.perf_counter() - start)
    after = _status_mb("VmRSS")
    traces = sum(f.experimental_get_tracing_count() for f in engine._train_functions.values())
    print(f"{n_fits} consecutive fits (64 x 20 x 2 sequences, LSTM(16), 5 epochs each):")
    print(
        f"  resident memory   {before:8.1f} MB -> {after:8.1f} MB"
        f"  (growth {after - before:+.1f} MB)"
    )
    print(
        f"  median fit time   first 10: {statistics.median(times[:10]) * 1000:.1f} ms, "
        f"last 10: {statistics.median(times[-10:]) * 1000:.1f} ms"
    )
    print(f"  train-function traces: {traces} (one per loss/optimizer in use)")


def big_encoding(n_sequences, n_timesteps=50, n_features=4):
    rng = np.random.RandomState(0)
    train = rng.standard_normal((256, n_timesteps, n_features)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMAutoencoderTransformer(units=64, epochs=1, random_state=0, **CLASSIC)
        model.fit(train)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "sequences.npy")
        mapped = np.lib.format.open_memmap(
            path, mode="w+", dtype=np.float32, shape=(n_sequences, n_timesteps, n_features)
        )
        for start in range(0, n_sequences, 100_000):
            stop = min(start + 100_000, n_sequences)
            mapped[start:stop] = rng.standard_normal((stop - start, n_timesteps, n_features))
        mapped.flush()
        del mapped
        mapped = np.load(path, mmap_mode="r")
        model.transform(mapped[:1000])  # warm up
        baseline = _status_mb("RssAnon")
        start = time.perf_counter()
        with PeakSampler() as sampler:
            codes = model.transform(mapped)
        elapsed = time.perf_counter() - start
    input_mb = n_sequences * n_timesteps * n_features * 4 / 2**20
    print(
        f"transform of a memory-mapped array of {n_sequences:,} x {n_timesteps} x {n_features} "
        f"float32 sequences ({input_mb:,.0f} MB on disk), LSTM(64):"
    )
    print(f"  codes             {codes.nbytes / 2**20:8.1f} MB ({codes.shape}, {codes.dtype})")
    print(f"  peak RssAnon      {sampler.peak - baseline:+8.1f} MB above the baseline")
    print(f"  time              {elapsed:8.1f} s ({n_sequences / elapsed:,.0f} sequences/s)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fits", type=int, default=100, help="consecutive fits whose retraces and memory are read"
    )
    parser.add_argument(
        "--n-sequences",
        type=int,
        default=1_000_000,
        help="sequences encoded in the big-encoding run",
    )
    args = parser.parse_args(argv)
    many_fits(args.fits)
    big_encoding(args.n_sequences)


if __name__ == "__main__":
    main()

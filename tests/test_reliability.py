"""Many fits without leaks or retracing; concurrent inference from threads."""

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from sklearn_lstmae import CompositeLSTMRegressor, LSTMAutoencoderTransformer
from sklearn_lstmae._engine import get_engine

from ._helpers import make_sequences

X = make_sequences(n_samples=24, n_timesteps=8)


def _resident_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    pytest.skip("needs /proc/self/status")


@pytest.mark.slow
def test_a_hundred_fits_neither_leak_nor_retrace():
    settings = {"units": 8, "epochs": 2, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(5):  # warm up: first traces and allocator pools
            model = LSTMAutoencoderTransformer(**settings).fit(X)
        engine = get_engine(model._spec)
        traces = {
            key: function.experimental_get_tracing_count()
            for key, function in engine._train_functions.items()
        }
        before = _resident_mb()
        for seed in range(100):
            model = LSTMAutoencoderTransformer(**{**settings, "random_state": seed}).fit(X)
            model.transform(X)
        growth = _resident_mb() - before
    assert growth < 200, f"100 fits grew the process by {growth:.0f} MB"
    assert {
        key: function.experimental_get_tracing_count()
        for key, function in engine._train_functions.items()
    } == traces


@pytest.mark.parametrize("Estimator", [LSTMAutoencoderTransformer, CompositeLSTMRegressor])
def test_inference_from_eight_threads_matches_sequential_calls(Estimator):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if Estimator is CompositeLSTMRegressor:
            estimator = Estimator(units=8, epochs=2, random_state=0).fit(X, X[:, -1, 0])
            method = estimator.predict
        else:
            estimator = Estimator(units=8, epochs=2, random_state=0).fit(X)
            method = estimator.transform
    inputs = [make_sequences(n_samples=50 + 7 * i, n_timesteps=8, seed=i) for i in range(16)]
    sequential = [method(x) for x in inputs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(method, inputs))
    for a, b in zip(sequential, concurrent):
        np.testing.assert_array_equal(a, b)
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(estimator.transform, inputs))
    for x, code in zip(inputs, codes):
        np.testing.assert_array_equal(code, estimator.transform(x))


def test_transform_of_a_memory_map_streams_in_blocks(tmp_path):
    path = tmp_path / "sequences.npy"
    on_disk = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(5000, 8, 2))
    on_disk[:] = make_sequences(n_samples=5000, n_timesteps=8).astype(np.float32)
    on_disk.flush()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LSTMAutoencoderTransformer(units=8, epochs=1, random_state=0).fit(on_disk[:100])
    mapped = np.load(path, mmap_mode="r")
    codes = model.transform(mapped)
    assert codes.shape == (5000, 24)  # code="pooled": 3 x 8 units
    np.testing.assert_array_equal(codes[:100], model.transform(np.asarray(mapped[:100])))

"""make_windows takes constant extra memory, however long the series.

Windows a 10-million-step series of 4 features into windows of 100 steps
with 10-step targets (stride 1) and prints, in a short table, the size of the
series, the logical size of the windows and targets (what copies would take),
and what the call really costs: the peak of new allocations traced by
``tracemalloc`` and the growth of the process's resident memory (current
``VmRSS`` from ``/proc/self/status`` and peak ``ru_maxrss`` from
``resource.getrusage``).

Run it with::

    python benchmarks/windows_memory.py [--n-steps 10000000]

It needs about 0.4 GB of memory for the series (Linux, for the RSS figures).
"""

import argparse
import gc
import os
import resource
import time
import tracemalloc

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from sklearn_lstmae._windows import make_windows  # noqa: E402

MB = 1e6


def current_rss_bytes():
    """The process's resident set size now, from /proc/self/status (Linux)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return float("nan")


def peak_rss_bytes():
    """The process's peak resident set size so far (kilobytes on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-steps", type=int, default=10_000_000)
    parser.add_argument("--n-features", type=int, default=4)
    parser.add_argument("--n-timesteps", type=int, default=100)
    parser.add_argument("--n-future", type=int, default=10)
    parser.add_argument("--stride", type=int, default=1)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    series = rng.standard_normal((args.n_steps, args.n_features))  # every page touched
    params = {"n_timesteps": args.n_timesteps, "n_future": args.n_future, "stride": args.stride}

    # First call without tracemalloc (it has overhead of its own): RSS around the call.
    gc.collect()
    rss_before, peak_before = current_rss_bytes(), peak_rss_bytes()
    start = time.perf_counter()
    X, y = make_windows(series, **params)
    seconds = time.perf_counter() - start
    rss_growth = current_rss_bytes() - rss_before
    peak_rss_growth = peak_rss_bytes() - peak_before
    del X, y

    # Second call under tracemalloc: every allocation NumPy and Python make.
    gc.collect()
    tracemalloc.start()
    traced_before, _ = tracemalloc.get_traced_memory()
    X, y = make_windows(series, **params)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    extra_peak = traced_peak - traced_before

    # The views are real: spot-check the last window and its target.
    last = (len(X) - 1) * args.stride
    assert np.array_equal(X[-1], series[last : last + args.n_timesteps])
    assert np.array_equal(y[-1], series[last + args.n_timesteps :][: args.n_future])
    assert np.shares_memory(X, series) and not X.flags.writeable

    rows = [
        (f"series {series.shape}", series.nbytes / MB),
        (f"X logical size {X.shape}", X.size * X.itemsize / MB),
        (f"y logical size {y.shape}", y.size * y.itemsize / MB),
        ("extra peak allocation (tracemalloc)", extra_peak / MB),
        ("RSS growth (VmRSS)", rss_growth / MB),
        ("peak RSS growth (ru_maxrss)", peak_rss_growth / MB),
    ]
    width = max(len(name) for name, _ in rows)
    print(
        f"make_windows: n_timesteps={args.n_timesteps}, n_future={args.n_future}, "
        f"stride={args.stride}; call took {seconds * 1e3:.2f} ms"
    )
    print(f"{'quantity':<{width}}  {'MB':>12}")
    print(f"{'-' * width}  {'-' * 12}")
    for name, value in rows:
        print(f"{name:<{width}}  {value:>12,.3f}")
    print(
        f"Windows and targets are views: {extra_peak:,} bytes allocated for "
        f"{(X.size + y.size) * X.itemsize / series.nbytes:,.0f}x the series' size in windows."
    )


if __name__ == "__main__":
    main()

"""How long does a default fit take, and does it warn? Each repeat in a fresh process.

The data of issue 16: 300 random sequences of 40 steps x 3 features. Every
repeat starts a new Python process (as a user's script would), fits
``LSTMAutoencoderTransformer`` once on a few sequences so that the kernels are
loaded and the first graphs traced (warm), then times
``LSTMAutoencoderTransformer(random_state=seed).fit(X)`` with the defaults
alone. It prints, per repeat and as medians with their range: the wall time,
the process's CPU time over the fit, the epochs run, the wall time per epoch
(the figure to compare between machines: the same seed runs the same epochs
everywhere, so only this one moves with the hardware), whether a validation
split was held out, the ConvergenceWarnings, whether the fused CPU kernels
were in use (without them training runs on Keras's slower layers: a failed
build falls back with one logged warning), and the load average (this machine
may be shared: a load above the core count slows every figure).

Run::

    python benchmarks/defaults.py              # 3 repeats, random_state 0, 1, 2
    python benchmarks/defaults.py --repeats 5
"""

import argparse
import json
import os
import subprocess
import sys

CHILD = r"""
import json, os, time, warnings
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn_lstmae import LSTMAutoencoderTransformer
from sklearn_lstmae._kernel_build import kernels_in_use

seed = int(os.environ["DEFAULTS_SEED"])
X = np.random.RandomState(seed).rand(300, 40, 3)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    LSTMAutoencoderTransformer(units=8, epochs=1, random_state=0).fit(X[:20])  # warm
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", ConvergenceWarning)
    wall, cpu = time.perf_counter(), time.process_time()
    fitted = LSTMAutoencoderTransformer(random_state=seed).fit(X)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
print(json.dumps({
    "seed": seed,
    "wall_s": wall,
    "cpu_s": cpu,
    "epochs": fitted.n_iter_,
    "held_out": fitted.validation_loss_curve_ is not None,
    "warnings": sum(issubclass(w.category, ConvergenceWarning) for w in caught),
    "load": os.getloadavg()[0],
    "kernels": kernels_in_use(),
}))
"""


def run_once(seed):
    env = {**os.environ, "DEFAULTS_SEED": str(seed)}
    result = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes (default 3)")
    args = parser.parse_args(argv)
    rows = [run_once(seed) for seed in range(args.repeats)]
    for row in rows:
        row["ms_per_epoch"] = 1000 * row["wall_s"] / row["epochs"]
        row["fused"] = row["kernels"] == "fused kernels"
    header = ("seed", "wall s", "cpu s", "epochs", "ms/epoch", "held out", "warnings")
    header += ("fused", "load")
    widths = (4, 8, 8, 7, 9, 9, 9, 6, 6)
    print(" ".join(f"{name:>{width}}" for name, width in zip(header, widths)))
    for row in rows:
        print(
            f"{row['seed']:>4} {row['wall_s']:>8.1f} {row['cpu_s']:>8.1f} {row['epochs']:>7} "
            f"{row['ms_per_epoch']:>9.0f} {row['held_out']!s:>9} {row['warnings']:>9} "
            f"{row['fused']!s:>6} {row['load']:>6.1f}"
        )

    def summary(key):
        values = sorted(row[key] for row in rows)
        return f"median {values[len(values) // 2]:.1f} (range {values[0]:.1f}-{values[-1]:.1f})"

    print(f"wall time {summary('wall_s')} s; cpu time {summary('cpu_s')} s")
    print(f"epochs {summary('epochs')}; ms per epoch {summary('ms_per_epoch')}")
    print(f"ConvergenceWarnings {sum(r['warnings'] for r in rows)}")
    fused = sum(row["fused"] for row in rows)
    others = sorted({row["kernels"] for row in rows if not row["fused"]})
    print(
        f"fused CPU kernels in {fused} of {len(rows)} runs"
        + (f"; the others trained on {', '.join(others)}" if others else "")
    )
    return rows


if __name__ == "__main__":
    main()

"""The demo (``python -m sklearn_lstmae``) and the classic example run as programs."""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# Runs benchmark or example scripts (subprocesses, real data): the slow tier.
pytestmark = pytest.mark.slow

REPOSITORY = Path(__file__).resolve().parents[1]
CLASSIC_EXAMPLE = REPOSITORY / "examples" / "classic_autoencoders.py"
# Generous: a run takes seconds, but a loaded CI machine can be slow.
TIMEOUT_SECONDS = 300

# Each program imports TensorFlow (seconds), so all of them start at once.
PROGRAMS = {
    "quick_demo": ("-m", "sklearn_lstmae", "--quick"),
    "help": ("-m", "sklearn_lstmae", "--help"),
    "classic_example": (str(CLASSIC_EXAMPLE),),
}


@pytest.fixture(scope="module")
def finished():
    """Run every program of PROGRAMS from the repository root, concurrently.

    Returns
    -------
    finished : dict of str to subprocess.CompletedProcess
    """
    running = {
        name: subprocess.Popen(
            [sys.executable, *arguments],
            cwd=REPOSITORY,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, arguments in PROGRAMS.items()
    }
    results = {}
    try:
        for name, process in running.items():
            stdout, stderr = process.communicate(timeout=TIMEOUT_SECONDS)
            results[name] = subprocess.CompletedProcess(
                process.args, process.returncode, stdout, stderr
            )
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.communicate()
    return results


def check_succeeded(process):
    assert process.returncode == 0, (
        f"exit status {process.returncode}\nstdout:\n{process.stdout}\n"
        f"stderr (end):\n{process.stderr[-3000:]}"
    )


def test_demo_quick_prints_table_and_codes(finished):
    quick_demo = finished["quick_demo"]
    check_succeeded(quick_demo)
    output = quick_demo.stdout
    assert re.search(r"^features\s+size\s+test accuracy\s+fit time \(s\)$", output, re.M)
    for name in ("raw pixels", r"PCA \(\d+\)", "LSTM autoencoder codes"):
        row = re.search(rf"^{name}\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)$", output, re.M)
        assert row, f"no table row for {name!r} in:\n{output}"
        assert 0.0 <= float(row.group(2)) <= 1.0
    codes = re.findall(r"^sample \d: \[(.*)\]$", output, re.M)
    assert len(codes) == 3
    assert all(len(code.split(",")) == 7 for code in codes)  # 6 values, then "..."


def test_demo_help_lists_options(finished):
    process = finished["help"]
    check_succeeded(process)
    for option in (
        "--epochs",
        "--units",
        "--latent-dim",
        "--batch-size",
        "--learning-rate",
        "--random-state",
        "--quick",
    ):
        assert option in process.stdout


def test_demo_options_parse():
    from sklearn_lstmae.__main__ import build_parser

    parser = build_parser()
    assert vars(parser.parse_args([])) == {"quick": False}  # the defaults come from the demo
    options = vars(parser.parse_args(["--latent-dim", "none", "--epochs", "3", "--quick"]))
    assert options == {"latent_dim": None, "epochs": 3, "quick": True}


@pytest.mark.parametrize(
    "arguments",
    [
        ["--epochs", "0"],
        ["--latent-dim", "-1"],
        ["--learning-rate", "0"],
        # These two parsed, then the run failed with a traceback after the data was loaded.
        ["--learning-rate", "inf"],
        ["--random-state", "-1"],
        ["--random-state", str(2**32)],
        # Not numbers at all: argparse named the parsing function ("invalid _positive_int
        # value: '1.5'").
        ["--units", "1.5"],
        ["--epochs", "abc"],
        ["--latent-dim", "x"],
        ["--learning-rate", "fast"],
        ["--random-state", "seed"],
    ],
)
def test_demo_rejects_bad_option(arguments, capsys):
    from sklearn_lstmae.__main__ import build_parser

    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(arguments)
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert f"argument {arguments[0]}: must be " in error
    assert f"got '{arguments[1]}'" in error
    assert "invalid" not in error and "_positive" not in error


def test_demo_heading_counts_the_values_it_shows():
    from sklearn_lstmae.__main__ import codes_heading
    from sklearn_lstmae._demo import format_codes

    # A code of 4 values was announced as "first 6 of 4 values".
    heading = codes_heading(4, [2, 0, 4])
    assert "all 4 values" in heading and "6" not in heading
    assert format_codes(np.zeros((1, 4))).count(",") == 3  # and all 4 are shown
    assert "first 6 of 32 values" in codes_heading(32, [2, 0, 4])


def test_classic_example_reconstructs(finished):
    classic_example = finished["classic_example"]
    check_succeeded(classic_example)
    output = classic_example.stdout
    mse = re.search(r"reconstruction MSE: ([0-9.eE+-]+)", output)
    assert mse, output
    assert float(mse.group(1)) < 5e-5
    assert "prediction:" in output
    assert "code shape: (1, 100)" in output
    assert "transform(X) gives the same codes: True" in output


# TensorFlow's start-up lines: absl's and TensorFlow's C++ logging (I0000 00:00:...
# port.cc] oneDNN ..., cuda drivers, CPU instructions).
TENSORFLOW_LINE = re.compile(
    r"^[IWEF]\d{4} |absl::InitializeLog|oneDNN|cuda|TensorFlow binary", re.M | re.I
)


def test_demo_help_prints_only_the_help(finished):
    process = finished["help"]
    check_succeeded(process)
    assert process.stderr == ""
    assert process.stdout.startswith("usage: python -m sklearn_lstmae")


def test_demo_prints_no_tensorflow_start_up_lines(finished):
    quick_demo = finished["quick_demo"]
    check_succeeded(quick_demo)
    assert not TENSORFLOW_LINE.search(quick_demo.stderr), quick_demo.stderr[-3000:]
    # What may be there: the kernels' one-time build, announced in full lines of its own.
    for line in quick_demo.stderr.splitlines():
        assert line.startswith("sklearn_lstmae: "), quick_demo.stderr[-3000:]


@pytest.mark.parametrize("example", sorted((REPOSITORY / "examples").glob("*.py")), ids=str)
def test_every_example_answers_help_without_starting(example, monkeypatch, capsys):
    # Four examples had no parser: --help printed their banner and started fitting.
    import runpy

    monkeypatch.setattr(sys, "argv", [str(example), "--help"])
    with pytest.raises(SystemExit) as exit_info:
        runpy.run_path(str(example), run_name="__main__")
    assert exit_info.value.code == 0
    output = capsys.readouterr().out
    assert output.startswith("usage: ") and "-h, --help" in output

"""Demo: ``python -m sklearn_lstmae``.

Trains an LSTM autoencoder on scikit-learn's bundled digits, read as
sequences of 8 image rows of 8 pixels, and compares a logistic regression on
its codes with the same classifier on the raw pixels and on PCA components
(as many as the code has values). Prints the accuracy table and a few codes.
Run ``python -m sklearn_lstmae --help`` for the options.
"""

# TensorFlow's start-up lines are silenced by sklearn_lstmae._preflight, which
# `python -m sklearn_lstmae` runs (via the package's __init__) before this
# module, and before TensorFlow is imported.

import argparse
import math
import sys
import time

from ._demo import DEFAULTS, QUICK, format_codes, format_table, run, split_digit_sequences

N_SAMPLES_SHOWN = 3
N_CODE_VALUES_SHOWN = 6


def _option(text, convert, kind, valid):
    """``convert(text)`` if ``valid``; else argparse's error naming what the option takes.

    One message for text that is no number and for a number out of range (argparse would
    name this function for a bare ValueError: "invalid _positive_int value").
    """
    try:
        value = convert(text)
    except ValueError:
        value = None
    if value is None or not valid(value):
        raise argparse.ArgumentTypeError(f"must be {kind}, got {text!r}")
    return value


def _latent_dim(text):
    """``--latent-dim`` values: a positive integer, or ``none`` for no bottleneck."""
    if text.lower() == "none":
        return None
    return _option(text, int, "a positive integer or 'none'", lambda value: value >= 1)


def _positive_int(text):
    return _option(text, int, "a positive integer", lambda value: value >= 1)


def _positive_float(text):
    return _option(
        text,
        float,
        "a positive finite number",
        lambda value: value > 0 and math.isfinite(value),
    )


def _seed(text):
    # What numpy's RandomState takes.
    return _option(text, int, "an integer from 0 to 2**32 - 1", lambda value: 0 <= value < 2**32)


def codes_heading(code_size, digits):
    """The line above the codes shown: how many images, how many of their values, which digits.

    Examples
    --------
    >>> from sklearn_lstmae.__main__ import codes_heading
    >>> codes_heading(32, [2, 0, 4])
    'Codes of the first 3 test images (first 6 of 32 values; digits 2, 0, 4):'
    >>> codes_heading(4, [2, 0, 4])
    'Codes of the first 3 test images (all 4 values; digits 2, 0, 4):'
    """
    shown = (
        f"first {N_CODE_VALUES_SHOWN} of {code_size}"
        if code_size > N_CODE_VALUES_SHOWN
        else f"all {code_size}"
    )
    return (
        f"Codes of the first {len(digits)} test images ({shown} values; digits "
        f"{', '.join(str(digit) for digit in digits)}):"
    )


def build_parser():
    """The command-line parser of the demo.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_lstmae",
        # Options not given stay out of the parsed namespace, so that
        # --latent-dim none can be told from no --latent-dim.
        argument_default=argparse.SUPPRESS,
        description=(
            "Encode the bundled digits (8 rows of 8 pixels per image, as sequences) with an "
            "LSTM autoencoder and classify the codes; compare with raw pixels and PCA."
        ),
    )
    parser.add_argument(
        "--epochs", type=_positive_int, help=f"training epochs (default {DEFAULTS['epochs']})"
    )
    parser.add_argument(
        "--units", type=_positive_int, help=f"recurrent units (default {DEFAULTS['units']})"
    )
    parser.add_argument(
        "--latent-dim",
        type=_latent_dim,
        help=(
            "size of a Dense bottleneck, or 'none' for the pooled encoder outputs as the code "
            f"(default {DEFAULTS['latent_dim']})"
        ),
    )
    parser.add_argument(
        "--batch-size", type=_positive_int, help=f"batch size (default {DEFAULTS['batch_size']})"
    )
    parser.add_argument(
        "--learning-rate",
        type=_positive_float,
        help=f"Adam's learning rate (default {DEFAULTS['learning_rate']})",
    )
    parser.add_argument(
        "--random-state",
        type=_seed,
        help=f"seed of the split and of the transformer (default {DEFAULTS['random_state']})",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        default=False,
        help=(
            f"a tiny run ({QUICK['units']} units, no latent bottleneck, {QUICK['epochs']} "
            "epochs) that checks the "
            "demo works, not its accuracy; the options above still apply"
        ),
    )
    return parser


def main(argv=None):
    """Run the demo.

    Parameters
    ----------
    argv : list of str, optional
        Command-line arguments; ``sys.argv[1:]`` when None.

    Returns
    -------
    status : int
        The exit status, 0 on success.
    """
    options = vars(build_parser().parse_args(argv))
    quick = options.pop("quick")
    params = {**(QUICK if quick else DEFAULTS), **options}

    start = time.perf_counter()
    print("LSTM autoencoder codes as features: scikit-learn's digits as sequences")
    print("(each 8x8 image is 8 timesteps of 8 pixels; 25% of the images held out)")
    print("transformer: " + ", ".join(f"{name}={value}" for name, value in params.items()))
    print()
    results = run(**params)
    print(format_table(results))

    lstm_pipeline = results[-1].model
    _, X_test, _, y_test = split_digit_sequences(random_state=params["random_state"])
    codes = lstm_pipeline.named_steps["lstm"].transform(X_test[:N_SAMPLES_SHOWN])
    print()
    print(codes_heading(codes.shape[1], y_test[:N_SAMPLES_SHOWN]))
    print(format_codes(codes, n_values=N_CODE_VALUES_SHOWN))
    print()
    print(f"Done in {time.perf_counter() - start:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

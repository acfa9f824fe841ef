"""LSTM autoencoder codes as features in a scikit-learn Pipeline, on the digits.

scikit-learn's bundled digits are 8x8 images; read each image as a sequence
of 8 timesteps (its rows) of 8 features (the pixels of a row), that is
``X.reshape(-1, 8, 8)``. A Pipeline passes the 3-D array to the transformer,
which encodes each sequence into a code learned without the labels; a
logistic regression classifies the codes::

    pipeline = Pipeline([
        ("lstm", LSTMAutoencoderTransformer(units=128, latent_dim=32, epochs=30,
                                            learning_rate=3e-3, random_state=0)),
        ("scale", StandardScaler()),
        ("classify", LogisticRegression(max_iter=5000)),
    ])
    pipeline.fit(X_train, y_train)      # X_train: [samples, 8 timesteps, 8 features]
    pipeline.score(X_test, y_test)

On a stratified 75/25 split it compares, with the same classifier, the codes
with the 64 raw pixels (``X.reshape(n, 64)``) and with PCA keeping as many
components as the code has values, and prints a table of test accuracy and
fit time. Run it with::

    python examples/digits_pipeline.py

It fits in well under a minute on a 2-core CPU. The same table is what
``python -m sklearn_lstmae`` prints; both use ``sklearn_lstmae._demo.run``,
which returns the rows (with the fitted pipelines) for further use.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse
import sys

from sklearn_lstmae._demo import DEFAULTS, format_table, make_lstm_pipeline, run


def main():
    """Fit the three pipelines and print their table; return the exit status."""
    print("LSTM-code pipeline:")
    print(make_lstm_pipeline(**DEFAULTS))
    print()
    results = run(**DEFAULTS)
    print(format_table(results))
    return 0


if __name__ == "__main__":
    # No options: --help describes the example instead of starting it.
    argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    ).parse_args()
    sys.exit(main())

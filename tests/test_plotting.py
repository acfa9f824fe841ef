"""The Displays: what they draw matches the estimators' outputs, without global side effects."""

import sys

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")  # this test process only: draw without a display

import matplotlib.pyplot as plt  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402

from sklearn_lstmae import (  # noqa: E402
    CompositeLSTMRegressor,
    LSTMAutoencoderTransformer,
    make_windows,
)
from sklearn_lstmae._plotting import (  # noqa: E402
    CodeScatterDisplay,
    LossCurveDisplay,
    ReconstructionDisplay,
)

from ._helpers import TINY as SHARED_TINY  # noqa: E402
from ._helpers import make_sequences  # noqa: E402

TINY = {**SHARED_TINY, "units": 4}  # smaller still: plots need no capacity
# The same sample reconstructed alone or in a batch may differ in the last float32 bits.
CLOSE = {"rtol": 1e-5, "atol": 1e-6}

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def X_3d():
    return make_sequences(n_samples=30, n_timesteps=12, n_features=2)


@pytest.fixture(scope="module")
def X_2d():
    return make_sequences(n_samples=30, n_timesteps=12, n_features=1, seed=1)[:, :, 0]


@pytest.fixture(scope="module")
def transformer_2d(X_2d):
    """Univariate, with a validation curve."""
    return LSTMAutoencoderTransformer(**TINY).fit(X_2d, validation_data=X_2d[:5])


@pytest.fixture(scope="module")
def transformer_3d(X_3d):
    """Two features, no validation curve."""
    return LSTMAutoencoderTransformer(**TINY).fit(X_3d)


@pytest.fixture(scope="module")
def windows():
    series = np.sin(np.arange(120) / 4) + 0.05 * np.random.RandomState(0).standard_normal(120)
    return make_windows(series, n_timesteps=12, n_future=4, stride=2)


@pytest.fixture(scope="module")
def composite(windows):
    X, y = windows
    return CompositeLSTMRegressor(**TINY).fit(X, y)


def legend_texts(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


# -- LossCurveDisplay -------------------------------------------------------------------
def test_loss_curve_draws_training_and_validation_loss(transformer_2d):
    display = LossCurveDisplay.from_estimator(transformer_2d)
    assert len(display.lines_) == 2 and len(display.ax_.lines) == 2
    assert display.line_ is display.lines_[0]
    assert display.validation_line_ is display.lines_[1]
    np.testing.assert_array_equal(display.line_.get_ydata(), transformer_2d.loss_curve_)
    np.testing.assert_array_equal(
        display.validation_line_.get_ydata(), transformer_2d.validation_loss_curve_
    )
    np.testing.assert_array_equal(display.line_.get_xdata(), [1, 2, 3])
    assert display.ax_.get_xlabel() == "epoch" and display.ax_.get_ylabel() == "loss"
    assert display.ax_.get_yscale() == "log"
    assert legend_texts(display.ax_) == [
        "LSTMAutoencoderTransformer: training loss",
        "LSTMAutoencoderTransformer: validation loss",
    ]
    assert display.figure_ is display.ax_.figure


def test_loss_curve_without_validation_draws_one_line(transformer_3d):
    display = LossCurveDisplay.from_estimator(transformer_3d, log_scale=False, name="AE")
    assert len(display.lines_) == 1 and display.validation_line_ is None
    np.testing.assert_array_equal(display.line_.get_ydata(), transformer_3d.loss_curve_)
    assert display.ax_.get_yscale() == "linear"
    assert legend_texts(display.ax_) == ["AE: training loss"]


def test_loss_curve_from_values_on_given_axes_and_replotted():
    fig, (left, right) = plt.subplots(1, 2)
    display = LossCurveDisplay([1.0, 0.5, 0.25], [1.2, 0.7, 0.6]).plot(ax=left)
    assert display.ax_ is left and display.figure_ is fig
    assert legend_texts(left) == ["training loss", "validation loss"]
    # Drawn again elsewhere from the stored data, without recomputing.
    display.plot(ax=right, name="model")
    assert display.ax_ is right and len(right.lines) == 2
    assert legend_texts(right) == ["model: training loss", "model: validation loss"]


def test_validation_losses_sit_at_their_own_epochs_in_continued_fits():
    # The validation loss of a third partial_fit was drawn at epoch 1, not 3.
    X = make_sequences(n_samples=12, n_timesteps=5)
    model = LSTMAutoencoderTransformer(**{**TINY, "epochs": 2, "early_stopping": False})
    model.partial_fit(X)
    model.partial_fit(X)
    model.partial_fit(X, validation_data=X[:4])
    assert len(model.validation_loss_curve_) == len(model.loss_curve_) == 3
    assert np.isnan(model.validation_loss_curve_[:2]).all()
    assert np.isfinite(model.validation_loss_curve_[2])
    display = LossCurveDisplay.from_estimator(model)
    x, y = display.validation_line_.get_data()
    assert list(x[np.isfinite(y)]) == [3]
    assert [tick.get_text() for tick in display.ax_.get_xticklabels()] != []
    model.partial_fit(X)  # a later epoch without validation is NaN too
    assert len(model.validation_loss_curve_) == 4 and np.isnan(model.validation_loss_curve_[3])
    # Curves of different lengths cannot be placed: refused, and no figure left open.
    with pytest.raises(ValueError, match="validation_loss_curve has 1 values but loss_curve has 2"):
        LossCurveDisplay([1.0, 0.5], [1.0]).plot()
    assert plt.get_fignums() == [1]  # the figure of from_estimator above only


def test_a_one_epoch_curve_has_whole_epochs_only():
    # One epoch (a single partial_fit) was labelled 0.95, 0.975, ... 1.05.
    display = LossCurveDisplay([0.5]).plot()
    ticks = [tick for tick in display.ax_.get_xticks() if 0.5 <= tick <= 1.5]
    assert ticks == [1.0]


def test_loss_curve_needs_a_fitted_estimator():
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(LSTMAutoencoderTransformer())


# -- ReconstructionDisplay --------------------------------------------------------------
def test_reconstruction_of_a_univariate_sequence(transformer_2d, X_2d):
    display = ReconstructionDisplay.from_estimator(transformer_2d, X_2d, index=3)
    assert len(display.lines_) == 2
    sequence, reconstruction = display.lines_
    np.testing.assert_array_equal(sequence.get_ydata(), X_2d[3])
    np.testing.assert_allclose(
        reconstruction.get_ydata(), transformer_2d.reconstruct(X_2d)[3], **CLOSE
    )
    np.testing.assert_array_equal(sequence.get_xdata(), np.arange(12))
    assert sequence.get_color() == reconstruction.get_color()
    assert sequence.get_linestyle() == "-" and reconstruction.get_linestyle() == "--"
    assert display.prediction_lines_ == [] and display.truth_lines_ == []
    assert display.forecast_span_ is None
    assert legend_texts(display.ax_) == ["input", "reconstruction"]
    assert display.ax_.get_xlabel() == "time step"


def test_negative_index_counts_from_the_end(transformer_2d, X_2d):
    display = ReconstructionDisplay.from_estimator(transformer_2d, X_2d, index=-1)
    np.testing.assert_array_equal(display.sequence_lines_[0].get_ydata(), X_2d[-1])
    with pytest.raises(IndexError, match="out of range"):
        ReconstructionDisplay.from_estimator(transformer_2d, X_2d, index=len(X_2d))


def test_reconstruction_of_a_multivariate_sequence(transformer_3d, X_3d):
    display = ReconstructionDisplay.from_estimator(
        transformer_3d, X_3d, index=2, feature_names=["a", "b"]
    )
    assert len(display.lines_) == 4
    reconstruction = transformer_3d.reconstruct(X_3d)[2]
    for j in range(2):
        np.testing.assert_array_equal(display.sequence_lines_[j].get_ydata(), X_3d[2, :, j])
        np.testing.assert_allclose(
            display.reconstruction_lines_[j].get_ydata(), reconstruction[:, j], **CLOSE
        )
        color = display.sequence_lines_[j].get_color()
        assert display.reconstruction_lines_[j].get_color() == color
    assert display.sequence_lines_[0].get_color() != display.sequence_lines_[1].get_color()
    assert legend_texts(display.ax_) == [
        "a: input",
        "b: input",
        "a: reconstruction",
        "b: reconstruction",
    ]
    with pytest.raises(ValueError, match="feature_names has 1 names"):
        ReconstructionDisplay.from_estimator(transformer_3d, X_3d, feature_names=["a"])


def test_legends_take_the_names_the_estimator_was_fitted_with(X_3d, anomaly_series):
    # A model fitted on DataFrames drew "feature 0", "feature 1" when plotted on arrays.
    import pandas as pd

    frames = [pd.DataFrame(sequence, columns=["speed", "load"]) for sequence in X_3d]
    model = LSTMAutoencoderTransformer(**TINY).fit(frames)
    display = ReconstructionDisplay.from_estimator(model, X_3d)
    assert legend_texts(display.ax_)[:2] == ["speed: input", "load: input"]
    series, labels = anomaly_series
    frame = pd.DataFrame(series, columns=["speed", "load"])
    detector = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(frame[:100])
    with pytest.warns(UserWarning, match="fitted with feature names"):  # scikit-learn's
        display = AnomalyScoreDisplay.from_estimator(detector, series, labels)
    assert [line.get_label() for line in display.series_lines_] == ["speed", "load"]
    with pytest.warns(UserWarning, match="fitted with feature names"):
        display = ReconstructionDisplay.from_estimator(detector, series[:50])
    assert legend_texts(display.ax_)[:2] == ["speed: input", "load: input"]
    display = ReconstructionDisplay.from_estimator(model, X_3d, feature_names=["a", "b"])
    assert legend_texts(display.ax_)[:2] == ["a: input", "b: input"]  # given names first


def test_reconstruction_of_ragged_list_input(transformer_3d, X_3d):
    ragged = [X_3d[0, :7], X_3d[1, :10], X_3d[2]]
    expected = transformer_3d.reconstruct(ragged)
    for index, length in enumerate([7, 10, 12]):
        display = ReconstructionDisplay.from_estimator(transformer_3d, ragged, index=index)
        for j in range(2):
            line = display.sequence_lines_[j]
            np.testing.assert_array_equal(line.get_xdata(), np.arange(length))
            np.testing.assert_array_equal(line.get_ydata(), ragged[index][:, j])
            np.testing.assert_allclose(
                display.reconstruction_lines_[j].get_ydata(), expected[index][:, j], **CLOSE
            )


def test_reconstruction_of_nan_padded_input_stops_at_the_length(transformer_3d, X_3d):
    padded = X_3d[:4].copy()
    padded[1, 8:] = np.nan
    display = ReconstructionDisplay.from_estimator(transformer_3d, padded, index=1)
    expected = transformer_3d.reconstruct(padded)[1]
    assert np.isnan(expected[8:]).all()
    for j in range(2):
        assert len(display.sequence_lines_[j].get_ydata()) == 8
        np.testing.assert_allclose(
            display.reconstruction_lines_[j].get_ydata(), expected[:8, j], **CLOSE
        )


def test_masked_steps_are_not_drawn_as_data(transformer_3d, X_3d):
    mask = np.zeros(X_3d[:4].shape, dtype=bool)
    mask[1, 8:] = True  # sequence 1 ends at step 8; 1e3 is stored under the mask
    masked = np.ma.masked_array(np.where(mask, 1e3, X_3d[:4]), mask=mask)
    for given in (masked, list(masked)):
        display = ReconstructionDisplay.from_estimator(transformer_3d, given, index=1)
        for j in range(2):
            np.testing.assert_array_equal(display.sequence_lines_[j].get_ydata(), X_3d[1, :8, j])
        plt.close(display.figure_)


def test_reconstruction_of_a_series_detectors_series():
    import pandas as pd

    from sklearn_lstmae import LSTMAutoencoderSeriesDetector

    time = np.arange(300)
    frame = pd.DataFrame({"pressure": np.sin(time / 3), "flow": np.cos(time / 3)})
    detector = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(frame)
    # The whole series beside detector.reconstruct(series), not sequence `index` of a
    # collection (it read one row as a series of 1 point), and no "prediction" from the
    # detector's predict, which labels points.
    display = ReconstructionDisplay.from_estimator(detector, frame)
    rebuilt = detector.reconstruct(frame)
    assert len(display.lines_) == 4 and display.prediction_lines_ == []
    for j, name in enumerate(["pressure", "flow"]):
        np.testing.assert_array_equal(display.sequence_lines_[j].get_ydata(), frame[name])
        np.testing.assert_array_equal(display.reconstruction_lines_[j].get_ydata(), rebuilt[name])
    assert legend_texts(display.ax_)[:2] == ["pressure: input", "flow: input"]
    univariate = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(frame["flow"].to_numpy())
    display = ReconstructionDisplay.from_estimator(univariate, frame["flow"].to_numpy()[:50])
    assert len(display.sequence_lines_) == 1 and len(display.sequence_lines_[0].get_ydata()) == 50
    with pytest.raises(ValueError, match="a series detector's predict labels points"):
        ReconstructionDisplay.from_estimator(detector, frame, np.ones(len(frame)))


def test_a_pandas_series_time_index_is_the_reconstruction_displays_time_axis():
    import pandas as pd

    from sklearn_lstmae import LSTMAutoencoderSeriesDetector

    times = pd.date_range("2026-01-01", periods=120, freq="h", name="timestamp")
    frame = pd.DataFrame({"a": np.sin(np.arange(120) / 3)}, index=times)
    detector = LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(frame)
    # As AnomalyScoreDisplay draws it: the hours, not steps 0 .. 119 (drawn before).
    display = ReconstructionDisplay.from_estimator(detector, frame.iloc[40:100])
    for line in display.lines_:
        np.testing.assert_array_equal(line.get_xdata(), times[40:100].to_numpy())
    assert display.ax_.get_xlabel() == "timestamp"
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        arrays = ReconstructionDisplay.from_estimator(detector, frame.to_numpy()[40:100])
    np.testing.assert_array_equal(arrays.lines_[0].get_xdata(), np.arange(60))
    assert arrays.ax_.get_xlabel() == "time step"
    # A forecast has no index label to be drawn at: refused before any figure is made.
    figures = plt.get_fignums()
    with pytest.raises(ValueError, match="pass the sequence as an array"):
        ReconstructionDisplay(frame, frame, prediction=[0.0, 1.0]).plot()
    assert plt.get_fignums() == figures


def test_targets_that_do_not_match_x_are_refused(composite, windows):
    X, y = windows
    figures = plt.get_fignums()
    # Fewer targets than sequences drew y[i] beside an unrelated sequence, or failed with a raw
    # IndexError for a late index.
    for index in (0, -1):
        with pytest.raises(ValueError, match=r"y has 5 target sequences, but X has"):
            ReconstructionDisplay.from_estimator(composite, X, y[:5], index=index)
    with pytest.raises(ValueError, match="pass targets shaped as in fit"):
        ReconstructionDisplay.from_estimator(composite, X, y[:, :2])
    assert plt.get_fignums() == figures


def test_composite_prediction_is_drawn_after_the_input(composite, windows):
    X, y = windows
    display = ReconstructionDisplay.from_estimator(composite, X, y, index=4)
    assert len(display.lines_) == 4
    (truth,), (prediction,) = display.truth_lines_, display.prediction_lines_
    np.testing.assert_array_equal(prediction.get_xdata(), np.arange(12, 16))
    np.testing.assert_array_equal(truth.get_xdata(), np.arange(12, 16))
    np.testing.assert_allclose(prediction.get_ydata(), composite.predict(X)[4], **CLOSE)
    np.testing.assert_array_equal(truth.get_ydata(), y[4])
    np.testing.assert_allclose(
        display.reconstruction_lines_[0].get_ydata(), composite.reconstruct(X)[4], **CLOSE
    )
    assert truth.get_color() == prediction.get_color() == display.sequence_lines_[0].get_color()
    assert max(display.sequence_lines_[0].get_xdata()) < min(prediction.get_xdata())
    assert display.forecast_span_ is not None
    assert legend_texts(display.ax_) == ["input", "reconstruction", "truth", "prediction"]


def test_composite_prediction_without_truth(composite, windows):
    X, _ = windows
    display = ReconstructionDisplay.from_estimator(composite, X, index=0)
    assert len(display.prediction_lines_) == 1 and display.truth_lines_ == []
    assert len(display.lines_) == 3


def test_y_needs_an_estimator_that_predicts(transformer_2d, X_2d):
    with pytest.raises(ValueError, match="LSTMAutoencoderTransformer does not"):
        ReconstructionDisplay.from_estimator(transformer_2d, X_2d, np.zeros(len(X_2d)))


def test_an_outlier_detectors_labels_are_not_drawn_as_a_forecast(X_2d):
    from sklearn_lstmae import LSTMAutoencoderOutlierDetector

    detector = LSTMAutoencoderOutlierDetector(**TINY).fit(X_2d)
    display = ReconstructionDisplay.from_estimator(detector, X_2d, index=2)
    # Its predict gives +1/-1 per sequence: drawn before as a one-step "prediction".
    assert display.prediction is None and display.prediction_lines_ == []
    assert len(display.lines_) == 2 and display.forecast_span_ is None
    np.testing.assert_allclose(
        display.reconstruction_lines_[0].get_ydata(), detector.reconstruct(X_2d)[2], **CLOSE
    )
    with pytest.raises(ValueError, match="LSTMAutoencoderOutlierDetector does not"):
        ReconstructionDisplay.from_estimator(detector, X_2d, np.ones(len(X_2d)))
    # It has no codes to scatter: said so, not "has no attribute 'transform'".
    with pytest.raises(TypeError, match="has no transform .a detector is not a transformer"):
        CodeScatterDisplay.from_estimator(detector, X_2d)


def test_multivariate_and_single_step_targets():
    sequence = np.arange(10.0).reshape(5, 2)
    # As many targets as features: they share the features' colors.
    display = ReconstructionDisplay(sequence, sequence + 1, sequence[:3], sequence[:3] + 1).plot()
    assert len(display.prediction_lines_) == len(display.truth_lines_) == 2
    for j in range(2):
        assert display.prediction_lines_[j].get_color() == display.sequence_lines_[j].get_color()
        np.testing.assert_array_equal(display.prediction_lines_[j].get_xdata(), [5, 6, 7])
    # One target of one step (y of shape (n_samples,)): its own color, one point.
    display = ReconstructionDisplay(sequence, sequence, prediction=2.5, truth=3.0).plot()
    (prediction,) = display.prediction_lines_
    np.testing.assert_array_equal(prediction.get_xdata(), [5])
    np.testing.assert_array_equal(prediction.get_ydata(), [2.5])
    assert prediction.get_color() not in {line.get_color() for line in display.sequence_lines_}
    assert legend_texts(display.ax_)[-2:] == ["target: truth", "target: prediction"]
    with pytest.raises(ValueError, match="truth has shape"):
        ReconstructionDisplay(sequence, sequence, np.zeros(3), np.zeros(4)).plot()


# -- CodeScatterDisplay -----------------------------------------------------------------
def test_code_scatter_with_classes(transformer_3d, X_3d):
    labels = np.repeat(["slow", "medium", "fast"], 10)
    display = CodeScatterDisplay.from_estimator(transformer_3d, X_3d, labels=labels)
    offsets = display.scatter_.get_offsets()
    assert offsets.shape == (30, 2)
    expected = PCA(n_components=2, random_state=0).fit_transform(transformer_3d.transform(X_3d))
    np.testing.assert_allclose(offsets, expected, rtol=1e-6, atol=1e-9)
    colors = display.scatter_.get_facecolors()
    assert len(colors) == 30 and len(np.unique(colors, axis=0)) == 3
    assert [text.get_text() for text in display.legend_.get_texts()] == ["fast", "medium", "slow"]
    assert list(display.classes_) == ["fast", "medium", "slow"]
    assert display.colorbar_ is None
    assert display.ax_.get_xlabel().startswith("PC 1")
    assert display.ax_.get_ylabel().startswith("PC 2")


def test_code_scatter_with_continuous_labels_has_a_colorbar(transformer_3d, X_3d):
    labels = np.linspace(0.0, 1.0, 30) ** 2
    display = CodeScatterDisplay.from_estimator(transformer_3d, X_3d, labels=labels)
    assert display.colorbar_ is not None and display.legend_ is None
    np.testing.assert_allclose(display.scatter_.get_array(), labels)
    assert len(display.figure_.axes) == 2  # the plot and its colorbar


@pytest.mark.slow  # t-SNE
def test_code_scatter_with_tsne_and_no_labels(transformer_3d, X_3d):
    display = CodeScatterDisplay.from_estimator(transformer_3d, X_3d, method="tsne")
    assert display.scatter_.get_offsets().shape == (30, 2)
    assert len(np.unique(display.scatter_.get_facecolors(), axis=0)) == 1
    assert display.legend_ is None and display.colorbar_ is None
    assert display.ax_.get_xlabel() == "t-SNE 1"
    assert display.ax_.get_ylabel() == "t-SNE 2"


def test_code_scatter_of_ragged_input_with_integer_labels(transformer_3d, X_3d):
    ragged = [X_3d[i, : 6 + i % 7] for i in range(12)]
    display = CodeScatterDisplay.from_estimator(transformer_3d, ragged, labels=np.arange(12) % 2)
    assert display.scatter_.get_offsets().shape == (12, 2)
    assert len(np.unique(display.scatter_.get_facecolors(), axis=0)) == 2


def test_many_integer_labels_get_a_colorbar_and_a_column_of_labels_is_read(transformer_3d, X_3d):
    # 30 ages gave a 24-entry legend that spilled off the figure.
    ages = np.arange(30) + 20
    display = CodeScatterDisplay.from_estimator(transformer_3d, X_3d, labels=ages)
    assert display.colorbar_ is not None and display.legend_ is None
    # A column of labels, as scikit-learn takes y, left an empty figure behind an error.
    column = CodeScatterDisplay.from_estimator(transformer_3d, X_3d, labels=ages[:, None] % 3)
    assert list(column.classes_) == [0, 1, 2]


@pytest.mark.parametrize(
    "make_plot",
    [
        lambda: CodeScatterDisplay(np.zeros((4, 3))).plot(),
        lambda: CodeScatterDisplay(np.zeros((3, 2)), labels=np.array(["a", None, 1])).plot(),
        lambda: ReconstructionDisplay(
            np.zeros((5, 2)), np.zeros((5, 2)), feature_names=["a"]
        ).plot(),
        lambda: ReconstructionDisplay(
            np.zeros(5), np.zeros(5), truth=np.zeros(3), prediction=np.zeros(2)
        ).plot(),
    ],
    ids=["embedding-columns", "unsortable-labels", "feature-names", "truth-vs-prediction"],
)
def test_a_refused_plot_leaves_no_figure(make_plot):
    with pytest.raises(ValueError):
        make_plot()
    assert plt.get_fignums() == []


def test_reconstruction_index_must_be_an_integer(transformer_3d, X_3d):
    with pytest.raises(TypeError, match="index must be an integer, got 2.7"):
        ReconstructionDisplay.from_estimator(transformer_3d, X_3d, index=2.7)
    display = ReconstructionDisplay.from_estimator(transformer_3d, X_3d, index=np.int64(-1))
    np.testing.assert_array_equal(display.sequence, X_3d[-1])


def test_code_scatter_rejects_bad_method_and_labels(transformer_3d, X_3d):
    with pytest.raises(ValueError, match="method must be"):
        CodeScatterDisplay.from_estimator(transformer_3d, X_3d, method="umap")
    with pytest.raises(ValueError, match="labels has 3 entries"):
        CodeScatterDisplay.from_estimator(transformer_3d, X_3d, labels=[0, 1, 2])


# -- optional matplotlib, no global side effects -------------------------------------------
@pytest.mark.parametrize(
    "make_plot",
    [
        lambda: LossCurveDisplay([1.0, 0.5]).plot(),
        lambda: ReconstructionDisplay(np.zeros(3), np.zeros(3)).plot(),
        lambda: CodeScatterDisplay(np.zeros((3, 2))).plot(),
        lambda: LossCurveDisplay.from_estimator(LSTMAutoencoderTransformer()),
    ],
    ids=["loss", "reconstruction", "codes", "from_estimator"],
)
def test_missing_matplotlib_raises_with_install_hint(monkeypatch, make_plot):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "sklearn-lstmae\[plot\]"'):
        make_plot()


def test_plots_leave_global_state_alone(monkeypatch, transformer_2d, X_2d):
    def no_show(*args, **kwargs):
        raise AssertionError("plt.show must not be called")

    monkeypatch.setattr(plt, "show", no_show)
    backend, params = matplotlib.get_backend(), dict(matplotlib.rcParams)
    LossCurveDisplay.from_estimator(transformer_2d)
    ReconstructionDisplay.from_estimator(transformer_2d, X_2d)
    CodeScatterDisplay.from_estimator(transformer_2d, X_2d, labels=np.arange(30) % 3)
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == params


# -- AnomalyScoreDisplay ---------------------------------------------------------------------
from sklearn_lstmae import AnomalyScoreDisplay, LSTMAutoencoderSeriesDetector  # noqa: E402


@pytest.fixture(scope="module")
def anomaly_series():
    time = np.arange(200)
    series = np.stack([np.sin(time / 4), np.cos(time / 4)], axis=1)
    series[120:124] += 3.0
    labels = np.zeros(200, dtype=int)
    labels[120:124] = 1
    return series, labels


@pytest.fixture(scope="module")
def series_detector(anomaly_series):
    series, _ = anomaly_series
    return LSTMAutoencoderSeriesDetector(10, stride=5, **TINY).fit(series[:100])


def test_anomaly_score_display_from_estimator(series_detector, anomaly_series):
    series, labels = anomaly_series
    display = AnomalyScoreDisplay.from_estimator(
        series_detector, series, labels, feature_names=["a", "b"]
    )
    np.testing.assert_allclose(
        display.score_line_.get_ydata(), series_detector.score_timesteps(series)
    )
    assert display.threshold_line_.get_ydata()[0] == series_detector.threshold_
    assert len(display.series_lines_) == 2 and len(display.anomaly_spans_) == 1
    flagged = series_detector.score_timesteps(series) > series_detector.threshold_
    assert len(display.flagged_.get_offsets()) == flagged.sum()
    legend = [text.get_text() for text in display.score_ax_.get_legend().get_texts()]
    assert legend == ["known anomaly", "a", "b", "anomaly score", "threshold", "flagged"]
    assert display.score_ax_.get_shared_x_axes().joined(display.ax_, display.score_ax_)


def test_anomaly_score_display_draws_no_threshold_set_for_other_scores(
    series_detector, anomaly_series
):
    # After set_params(reduction=...) predict refuses threshold_; the plot shows the scores
    # asked for, without a threshold that was set for other ones, and says why.
    series, _ = anomaly_series
    import pickle

    detector = pickle.loads(pickle.dumps(series_detector)).set_params(reduction="max")
    with pytest.warns(UserWarning, match="threshold is not drawn.*reduction='hmean'"):
        display = AnomalyScoreDisplay.from_estimator(detector, series)
    assert display.threshold_line_ is None and display.flagged_ is None
    np.testing.assert_allclose(display.score_line_.get_ydata(), detector.score_timesteps(series))


def test_anomaly_score_display_reads_predict_labels(series_detector, anomaly_series):
    # +1 / -1 labels (a detector's predict) shade the -1 points, not every nonzero one.
    series, labels = anomaly_series
    predicted = np.where(labels == 1, -1, 1)
    display = AnomalyScoreDisplay.from_scores(series, np.zeros(200), labels=predicted)
    assert [(span.get_x(), span.get_width()) for span in display.anomaly_spans_] == [(119.5, 4.0)]
    # All 1: a zoom into one known anomaly, or predict flagging nothing; shaded, and said.
    with pytest.warns(UserWarning, match="labels are all 1: every point is shaded"):
        everything = AnomalyScoreDisplay.from_scores(series, np.zeros(200), labels=np.ones(200))
    assert [(span.get_x(), span.get_width()) for span in everything.anomaly_spans_] == [
        (-0.5, 200.0)
    ]


def test_anomaly_score_display_from_scores_with_a_time_index():
    import pandas as pd

    index = pd.date_range("2026-01-01", periods=50, freq="h")
    series = pd.Series(np.arange(50.0), index=index, name="level")
    labels = np.zeros(50)
    labels[[5, 6, 30]] = 1
    fig, ax = plt.subplots()
    display = AnomalyScoreDisplay.from_scores(series, np.arange(50.0), labels=labels, ax=ax)
    assert display.ax_ is ax and display.threshold_line_ is None and display.flagged_ is None
    assert len(display.anomaly_spans_) == 2  # two runs of labelled points
    assert display.series_lines_[0].get_label() == "level"  # the Series' name ("series" before)
    unnamed = pd.Series(np.arange(50.0), index=index)
    display = AnomalyScoreDisplay.from_scores(unnamed, np.arange(50.0))
    assert display.series_lines_[0].get_label() == "series"


def test_anomaly_score_display_refuses_text_and_nan_labels():
    # Both are nonzero everywhere: every point was shaded as a known anomaly, without a word.
    known = np.zeros(50, dtype=bool)
    known[10:15] = True
    plt.close("all")
    with pytest.raises(TypeError, match="numbers or booleans.*labels == 'anomaly'"):
        AnomalyScoreDisplay.from_scores(
            np.zeros(50), np.zeros(50), labels=np.where(known, "anomaly", "normal")
        )
    with pytest.raises(ValueError, match="labels hold NaN.*with 0"):
        AnomalyScoreDisplay.from_scores(
            np.zeros(50), np.zeros(50), labels=np.where(known, 1, np.nan)
        )
    import pandas as pd

    flags = pd.array(np.where(known, True, None), dtype="boolean")  # False, True and <NA>
    with pytest.raises(ValueError, match="labels hold NaN"):
        AnomalyScoreDisplay.from_scores(np.zeros(50), np.zeros(50), labels=flags)
    assert plt.get_fignums() == []  # refused before a figure was made

    nullable = pd.array(known.astype(int), dtype="Int64")  # pandas' nullable integers still work
    display = AnomalyScoreDisplay.from_scores(np.zeros(50), np.zeros(50), labels=nullable)
    assert [(span.get_x(), span.get_width()) for span in display.anomaly_spans_] == [(9.5, 5.0)]


def test_anomaly_score_display_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one score per point of the series"):
        AnomalyScoreDisplay(np.zeros(10), np.zeros(9)).plot()
    with pytest.raises(ValueError, match="one label per point"):
        AnomalyScoreDisplay(np.zeros(10), np.zeros(10), labels=np.zeros(3)).plot()


def test_anomaly_spans_cover_their_points_half_a_step_each_way():
    import pandas as pd

    labels = np.zeros(50)
    labels[[10, 48, 49]] = 1  # a single point, and a run at the end of the series
    display = AnomalyScoreDisplay.from_scores(np.zeros(50), np.zeros(50), labels=labels)
    extents = [(span.get_x(), span.get_width()) for span in display.anomaly_spans_]
    assert extents == [(9.5, 1.0), (47.5, 2.0)]
    hours = pd.Series(np.zeros(50), index=pd.date_range("2026-01-01", periods=50, freq="h"))
    display = AnomalyScoreDisplay.from_scores(hours, np.zeros(50), labels=labels)
    assert display.anomaly_spans_[0].get_width() == pytest.approx(1 / 24)  # one hour, in days


def test_anomaly_display_keeps_red_for_anomalies_and_opens_no_figure_when_refused():
    display = AnomalyScoreDisplay.from_scores(np.zeros((30, 5)), np.arange(30.0), threshold=20)
    red = display.threshold_line_.get_color()
    assert red not in [line.get_color() for line in display.series_lines_]
    plt.close("all")
    with pytest.raises(ValueError, match="feature_names has 2 names"):
        AnomalyScoreDisplay(np.zeros(10), np.zeros(10), feature_names=["a", "b"]).plot()
    assert plt.get_fignums() == []


def test_anomaly_display_from_estimator_needs_a_series_detector():
    from sklearn_lstmae import LSTMAutoencoderOutlierDetector

    detector = LSTMAutoencoderOutlierDetector(**TINY).fit(make_sequences(n_samples=20))
    with pytest.raises(TypeError, match="score_timesteps.*from_scores"):
        AnomalyScoreDisplay.from_estimator(detector, np.zeros(50))


@pytest.mark.parametrize(
    "index, label",
    [
        (pd.period_range("2024-01-01", periods=48, freq="h"), "time"),
        (pd.timedelta_range(0, periods=48, freq="min"), "time (s)"),
        # Dates read as text (read_csv without parse_dates): drawn by position.
        (pd.Index([f"2024-01-{day:02d}" for day in range(1, 49)]), "position"),
    ],
)
def test_anomaly_display_draws_any_pandas_time_axis(index, label):
    # A PeriodIndex or TimedeltaIndex raised TypeError; text with labels failed on 'str - str';
    # each left a figure open.
    series = pd.Series(np.sin(np.arange(48) / 3), index=index, name="x")
    labels = np.zeros(48)
    labels[10:13] = 1
    open_before = len(plt.get_fignums())
    display = AnomalyScoreDisplay.from_scores(series, np.ones(48), threshold=0.5, labels=labels)
    assert len(display.anomaly_spans_) == 1
    assert display.ax_.get_xlabel().startswith(label)
    plt.close(display.figure_)
    assert len(plt.get_fignums()) == open_before


def test_anomaly_display_aligns_pandas_scores_and_labels_on_the_series_index():
    # They were taken by position: shuffled labels drew 4 spans for one run, reversed scores
    # were drawn reversed.
    index = pd.date_range("2024-01-01", periods=48, freq="h")
    series = pd.Series(np.sin(np.arange(48) / 3), index=index)
    scores = pd.Series(np.arange(48.0), index=index)
    labels = pd.Series((np.arange(48) >= 10) & (np.arange(48) < 13), index=index)
    display = AnomalyScoreDisplay.from_scores(
        series, scores[::-1], labels=labels.sample(frac=1, random_state=0)
    )
    assert len(display.anomaly_spans_) == 1
    np.testing.assert_array_equal(display.score_line_.get_ydata(), np.arange(48.0))
    plt.close(display.figure_)
    with pytest.raises(ValueError, match=r"scores has an index other than the series'"):
        AnomalyScoreDisplay.from_scores(series, pd.Series(np.arange(48.0)))


def test_anomaly_display_takes_lists_beside_a_pandas_series_and_dates_as_objects():
    # A list's .index (the method) was taken for a pandas index ('equals'), and an index of
    # datetime.date objects (groupby(index.date)) was drawn by position.
    index = pd.date_range("2024-01-01", periods=48, freq="h")
    series = pd.Series(np.sin(np.arange(48) / 3), index=index)
    display = AnomalyScoreDisplay.from_scores(
        series, [float(i) for i in range(48)], threshold=40.0, labels=[0] * 10 + [1] * 3 + [0] * 35
    )
    assert len(display.anomaly_spans_) == 1
    plt.close(display.figure_)
    daily = pd.Series(np.arange(10.0), index=pd.date_range("2024-01-01", periods=10).date)
    display = AnomalyScoreDisplay.from_scores(daily, np.arange(10.0))
    assert display.ax_.get_xlabel() == "time"
    assert display.score_line_.get_xdata()[1] == np.datetime64("2024-01-02")
    plt.close(display.figure_)
    labels = pd.Series(1, index=index[10:13])  # only the anomalies: the rest are normal
    with pytest.raises(ValueError, match=r"labels.reindex\(series.index, fill_value=0\)"):
        AnomalyScoreDisplay.from_scores(series, np.ones(48), labels=labels)

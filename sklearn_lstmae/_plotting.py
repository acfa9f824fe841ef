"""Plots of fitted LSTM autoencoders, following scikit-learn's Display pattern.

Each Display holds the data of one plot. ``from_estimator`` computes that data
from a fitted estimator and calls ``plot``; ``plot`` draws on a given
matplotlib Axes (or a new figure) and keeps what it drew as attributes
(``ax_``, ``figure_`` and the artists), so a plot can be restyled or drawn
again on other axes without recomputing anything.

matplotlib is optional (``pip install "sklearn-lstmae[plot]"``) and imported
only when a plot is made. Nothing here changes matplotlib's global state
(backend, rcParams) or calls ``plt.show()``.
"""

import datetime
import warnings

import numpy as np
import pandas as pd
from sklearn.base import is_regressor
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted

from ._sequences import masked_as_nan, ragged_as_list
from ._validation import is_int

__all__ = [
    "AnomalyScoreDisplay",
    "CodeScatterDisplay",
    "LossCurveDisplay",
    "ReconstructionDisplay",
]

_INSTALL_HINT = 'pip install "sklearn-lstmae[plot]"'


def _pyplot(caller):
    """Import ``matplotlib.pyplot``, or say how to install matplotlib."""
    try:
        import matplotlib  # noqa: F401
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            f"{caller} requires matplotlib, which is not installed. Install it with "
            f"`{_INSTALL_HINT}` (or `pip install matplotlib`)."
        ) from error
    return plt


def _axes(ax, caller):
    """The Axes to draw on: ``ax``, or the Axes of a new figure."""
    plt = _pyplot(caller)
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _real_length(sequence):
    """Timesteps up to the last one that is not all NaN (padding comes last)."""
    values = np.asarray(sequence, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, np.newaxis]
    real = np.flatnonzero(~np.isnan(values).all(axis=1))
    return int(real[-1]) + 1 if len(real) else 0


def _as_2d_steps(values, name):
    """A sequence as float ``(n_steps, n_features)``; a number as one step."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 0:
        values = values.reshape(1, 1)
    elif values.ndim == 1:
        values = values[:, np.newaxis]
    elif values.ndim != 2:
        raise ValueError(
            f"{name} must be one sequence of shape (n_steps,) or (n_steps, n_features), "
            f"got an array of shape {values.shape}."
        )
    return values


def _pandas_index(values):
    """A pandas object's index (not a list's ``index`` method), else None."""
    return values.index if isinstance(values, (pd.Series, pd.DataFrame)) else None


def _pandas_names(series):
    """A DataFrame's columns, or a named pandas Series' name, as legend labels; else None."""
    if hasattr(series, "columns"):
        return [str(column) for column in series.columns]
    name = series.name if isinstance(series, pd.Series) else None
    return None if name is None else [str(name)]


def _fitted_channel_names(estimator):
    """The feature names ``estimator`` was fitted with, as legend labels, or None.

    A series detector records a DataFrame's columns (``feature_names_in_``);
    the collection estimators record a list of DataFrames' columns
    (``channel_names_in_``: a 2-D DataFrame's columns are time steps).
    """
    from ._series_detector import LSTMAutoencoderSeriesDetector

    attribute = (
        "feature_names_in_"
        if isinstance(estimator, LSTMAutoencoderSeriesDetector)
        else "channel_names_in_"
    )
    names = getattr(estimator, attribute, None)
    return None if names is None else [str(name) for name in names]


def _with_name(name, what):
    return what if name is None else f"{name}: {what}"


class LossCurveDisplay:
    """Training (and validation) loss of each epoch.

    Build it with :meth:`from_estimator` from a fitted estimator, or directly
    from loss values. The plot has one line per curve, ``epoch`` (from 1) on
    the x axis and ``loss`` on a log-scaled y axis.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss of each epoch, as in an estimator's ``loss_curve_``.
    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Validation loss of each epoch (``validation_loss_curve_``), if any.
    estimator_name : str, default=None
        Name shown in the legend labels; None shows none.

    Attributes
    ----------
    line_ : matplotlib.lines.Line2D
        The training loss line.
    validation_line_ : matplotlib.lines.Line2D or None
        The validation loss line, when there is a validation curve.
    lines_ : list of matplotlib.lines.Line2D
        The lines drawn: training loss, then validation loss if any.
    ax_ : matplotlib.axes.Axes
        The Axes drawn on.
    figure_ : matplotlib.figure.Figure
        The figure holding ``ax_``.

    See Also
    --------
    ReconstructionDisplay : A sequence beside its reconstruction.
    CodeScatterDisplay : The codes of many sequences in two dimensions.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklearn_lstmae import LSTMAutoencoderTransformer
    >>> from sklearn_lstmae import LossCurveDisplay
    >>> X = np.sin(np.linspace(0, 3, 20))[None, :] * np.arange(1, 9)[:, None]
    >>> model = LSTMAutoencoderTransformer(units=4, epochs=2, random_state=0)
    >>> model = model.fit(X, validation_data=X[:2])
    >>> display = LossCurveDisplay.from_estimator(model)
    >>> len(display.lines_)
    2
    >>> display.ax_.get_xlabel(), display.ax_.get_ylabel()
    ('epoch', 'loss')
    >>> [text.get_text() for text in display.ax_.get_legend().get_texts()]
    ['LSTMAutoencoderTransformer: training loss', 'LSTMAutoencoderTransformer: validation loss']
    >>> plt.close(display.figure_)
    """

    def __init__(self, loss_curve, validation_loss_curve=None, estimator_name=None):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.estimator_name = estimator_name

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, log_scale=True, name=None):
        """Plot the loss curves of a fitted estimator.

        Parameters
        ----------
        estimator : LSTMAutoencoderTransformer or CompositeLSTMRegressor
            A fitted estimator (anything with ``loss_curve_`` and
            ``validation_loss_curve_``).
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None draws on a new figure.
        log_scale : bool, default=True
            Use a logarithmic y axis (only when every loss is positive).
        name : str, default=None
            Name in the legend labels; None uses the estimator's class name.

        Returns
        -------
        display : LossCurveDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        display = cls(
            loss_curve=list(estimator.loss_curve_),
            validation_loss_curve=(
                None
                if getattr(estimator, "validation_loss_curve_", None) is None
                else list(estimator.validation_loss_curve_)
            ),
            estimator_name=type(estimator).__name__ if name is None else name,
        )
        return display.plot(ax=ax, log_scale=log_scale)

    def plot(self, ax=None, *, log_scale=True, name=None):
        """Draw the loss curves.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None draws on a new figure.
        log_scale : bool, default=True
            Use a logarithmic y axis (only when every loss is positive).
        name : str, default=None
            Name in the legend labels; None uses ``estimator_name``.

        Returns
        -------
        display : LossCurveDisplay
            This display, with ``ax_``, ``figure_`` and the lines set.
        """
        loss = np.asarray(self.loss_curve, dtype=np.float64).ravel()
        curves = [(loss, "training loss", {})]
        validation = None
        if self.validation_loss_curve is not None:
            validation = np.asarray(self.validation_loss_curve, dtype=np.float64).ravel()
            if len(validation) != len(loss):
                # Entry i of each curve is epoch i + 1; a shorter curve would be misplaced.
                raise ValueError(
                    f"validation_loss_curve has {len(validation)} values but loss_curve has "
                    f"{len(loss)}: give one per epoch, NaN for epochs without validation."
                )
            curves.append((validation, "validation loss", {"linestyle": "--"}))
        ax = _axes(ax, f"{type(self).__name__}.plot")
        from matplotlib.ticker import FuncFormatter, MaxNLocator, NullLocator

        name = self.estimator_name if name is None else name

        self.lines_ = []
        for values, what, style in curves:
            epochs = np.arange(1, len(values) + 1)
            (line,) = ax.plot(
                epochs,
                values,
                marker="o" if len(values) <= 30 else None,
                markersize=3,
                label=_with_name(name, what),
                **style,
            )
            self.lines_.append(line)
        self.line_ = self.lines_[0]
        self.validation_line_ = self.lines_[1] if validation is not None else None

        values = np.concatenate([c[0] for c in curves])
        finite = values[np.isfinite(values)]
        if log_scale and finite.size and np.all(finite > 0):
            ax.set_yscale("log")
            if finite.max() < 10 * finite.min():
                # Within a decade, powers of ten leave the axis almost unlabeled:
                # evenly spaced round values, as plain numbers, read better.
                ax.yaxis.set_major_locator(MaxNLocator(nbins=8, steps=[1, 2, 5, 10]))
                ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
                ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        # Whole epochs only on the x axis (min_n_ticks=1: one epoch is not 0.95 ... 1.05).
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.legend()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


class ReconstructionDisplay:
    """One sequence beside its reconstruction (and, if any, its prediction).

    Each feature gets one color: the input is drawn solid and its
    reconstruction dashed over the same time steps ``0 .. T-1``. A
    prediction of what follows (from a :class:`~sklearn_lstmae.CompositeLSTMRegressor`)
    is drawn after the input's end, at ``T .. T+k-1``, dash-dotted, beside
    the true continuation (solid, with dots) when known, over a shaded band.

    Build it with :meth:`from_estimator`, or directly from arrays.

    Parameters
    ----------
    sequence : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
        The input sequence. Trailing all-NaN timesteps count as padding: the
        sequence ends at its last real timestep. A pandas Series or
        DataFrame's index is the time axis (as in :class:`AnomalyScoreDisplay`);
        otherwise the steps are numbered ``0 .. T-1``.
    reconstruction : array-like of shape (n_timesteps,) or (n_timesteps, n_features)
        Its reconstruction, shaped like ``sequence``.
    prediction : array-like of shape (n_future,) or (n_future, n_targets), default=None
        The predicted continuation, if any (a single number is one step).
    truth : array-like of shape (n_future,) or (n_future, n_targets), default=None
        The true continuation, shaped like ``prediction``.
    feature_names : list of str, default=None
        Names of the features in the legend. None names them ``feature 0``,
        ``feature 1``, ... for multivariate sequences and leaves a univariate
        one unnamed. Targets share the features' names and colors when there
        are as many targets as features, and are named ``target 0``, ...
        otherwise.

    Attributes
    ----------
    sequence_lines_ : list of matplotlib.lines.Line2D
        One line per feature of the input.
    reconstruction_lines_ : list of matplotlib.lines.Line2D
        One line per feature of the reconstruction.
    prediction_lines_ : list of matplotlib.lines.Line2D
        One line per target of the prediction (empty without prediction).
    truth_lines_ : list of matplotlib.lines.Line2D
        One line per target of the truth (empty without truth).
    lines_ : list of matplotlib.lines.Line2D
        All the lines above, in that order.
    forecast_span_ : matplotlib.patches.Polygon or None
        The band shading the predicted time steps, when there is a prediction.
    ax_ : matplotlib.axes.Axes
        The Axes drawn on.
    figure_ : matplotlib.figure.Figure
        The figure holding ``ax_``.

    See Also
    --------
    LossCurveDisplay : The loss of each training epoch.
    CodeScatterDisplay : The codes of many sequences in two dimensions.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklearn_lstmae import CompositeLSTMRegressor, make_windows
    >>> from sklearn_lstmae import ReconstructionDisplay
    >>> X, y = make_windows(np.sin(np.arange(60) / 3), n_timesteps=10, n_future=3)
    >>> model = CompositeLSTMRegressor(units=4, epochs=2, random_state=0).fit(X, y)
    >>> display = ReconstructionDisplay.from_estimator(model, X, y, index=5)
    >>> len(display.lines_)  # input, reconstruction, truth, prediction
    4
    >>> display.prediction_lines_[0].get_xdata()
    array([10, 11, 12])
    >>> [text.get_text() for text in display.ax_.get_legend().get_texts()]
    ['input', 'reconstruction', 'truth', 'prediction']
    >>> plt.close(display.figure_)
    """

    def __init__(self, sequence, reconstruction, prediction=None, truth=None, feature_names=None):
        self.sequence = sequence
        self.reconstruction = reconstruction
        self.prediction = prediction
        self.truth = truth
        self.feature_names = feature_names

    @classmethod
    def from_estimator(cls, estimator, X, y=None, *, index=0, ax=None, feature_names=None):
        """Plot one sequence of ``X`` beside the estimator's reconstruction of it.

        Parameters
        ----------
        estimator : LSTMAutoencoderTransformer, CompositeLSTMRegressor, \
                LSTMAutoencoderOutlierDetector or LSTMAutoencoderSeriesDetector
            A fitted estimator with ``reconstruct``. A
            :class:`~sklearn_lstmae.CompositeLSTMRegressor`'s prediction for
            the sequence is drawn after the sequence's end. For an
            :class:`~sklearn_lstmae.LSTMAutoencoderSeriesDetector`, ``X`` is
            its one series (pass a slice to see detail), drawn beside
            ``estimator.reconstruct(X)``; ``index`` is not used.
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences as the estimator takes them: a 2-D array or DataFrame,
            a 3-D array (possibly NaN-padded) or a list of arrays. For a
            series detector, one series ``(n_points,)`` or ``(n_points,
            n_features)``, a pandas Series or DataFrame.
        y : array-like of shape (n_samples,), (n_samples, n_future) or \
                (n_samples, n_future, n_targets), default=None
            The true targets of ``X``, for an estimator that predicts: the
            sample's true continuation is drawn beside its prediction.
        index : int, default=0
            Which sequence of ``X`` to plot (negative counts from the end).
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None draws on a new figure.
        feature_names : list of str, default=None
            Names of the features in the legend. None takes ``X``'s columns
            for a series detector's DataFrame, else the names the estimator
            was fitted with (a list of DataFrames' columns), else the class's
            default.

        Returns
        -------
        display : ReconstructionDisplay
        """
        from ._series_detector import LSTMAutoencoderSeriesDetector

        _pyplot(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        if isinstance(estimator, LSTMAutoencoderSeriesDetector):
            # One series, not a collection to pick a sequence from; its predict labels points.
            if y is not None:
                raise ValueError(
                    "y is only used with an estimator that predicts what follows a sequence "
                    "(CompositeLSTMRegressor); a series detector's predict labels points."
                )
            if feature_names is None:
                feature_names = _pandas_names(X)
            rebuilt = estimator.reconstruct(X)  # validates the series
            if feature_names is None:
                feature_names = _fitted_channel_names(estimator)
            display = cls(
                # A pandas series keeps its index: the display's time axis.
                sequence=X if _pandas_index(X) is not None else np.asarray(X, dtype=np.float64),
                reconstruction=np.asarray(rebuilt, dtype=np.float64),
                feature_names=feature_names,
            )
            return display.plot(ax=ax)
        n_samples = len(X)
        if not is_int(index):  # 2.7 plotted sequence 2
            raise TypeError(f"index must be an integer, got {index!r}.")
        if not -n_samples <= index < n_samples:
            raise IndexError(f"index {index} is out of range for X of {n_samples} samples.")
        index = int(index) % n_samples
        # Only a regressor's predict forecasts what follows; a detector's labels sequences.
        forecasts = is_regressor(estimator) and hasattr(estimator, "predict")
        if y is not None and not forecasts:
            raise ValueError(
                f"y is only used with an estimator that predicts what follows a sequence "
                f"(CompositeLSTMRegressor); {type(estimator).__name__} does not."
            )

        # Masked values are missing, as the estimator reads them: not drawn as data.
        X = masked_as_nan(ragged_as_list(X))
        if isinstance(X, (list, tuple)):
            sample = [masked_as_nan(X[index])]
            sequence = np.asarray(sample[0], dtype=np.float64)
        elif hasattr(X, "iloc"):  # a DataFrame: keep its column names for the estimator
            sample = X.iloc[index : index + 1]
            sequence = sample.to_numpy(dtype=np.float64)[0]
        else:
            sample = X[index : index + 1]
            sequence = np.asarray(sample, dtype=np.float64)[0]
        reconstruction = np.asarray(estimator.reconstruct(sample)[0], dtype=np.float64)
        if feature_names is None:
            feature_names = _fitted_channel_names(estimator)
        # Drop NaN padding: the sequence ends at its last real timestep.
        length = _real_length(sequence)
        sequence, reconstruction = sequence[:length], reconstruction[:length]

        prediction = truth = None
        if forecasts:
            prediction = np.asarray(estimator.predict(sample)[0], dtype=np.float64)
            if y is not None:
                y = np.asarray(masked_as_nan(y), dtype=np.float64)
                if len(y) != n_samples:
                    raise ValueError(
                        f"y has {len(y)} target sequences, but X has {n_samples} sequences: "
                        "pass the targets of X, one per sequence."
                    )
                truth = y[index]
                if truth.size != prediction.size:
                    raise ValueError(
                        f"y's targets have shape {truth.shape}, but the estimator predicts "
                        f"{prediction.shape}: pass targets shaped as in fit."
                    )
        display = cls(
            sequence=sequence,
            reconstruction=reconstruction,
            prediction=prediction,
            truth=truth,
            feature_names=feature_names,
        )
        return display.plot(ax=ax)

    def plot(self, ax=None):
        """Draw the sequence, its reconstruction and any prediction and truth.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None draws on a new figure.

        Returns
        -------
        display : ReconstructionDisplay
            This display, with ``ax_``, ``figure_`` and the lines set.
        """
        time_index = _pandas_index(self.sequence)
        sequence = _as_2d_steps(self.sequence, "sequence")
        reconstruction = _as_2d_steps(self.reconstruction, "reconstruction")
        if reconstruction.shape[1] != sequence.shape[1]:
            raise ValueError(
                f"reconstruction has {reconstruction.shape[1]} features, but sequence has "
                f"{sequence.shape[1]}."
            )
        n_features = sequence.shape[1]
        names = self._names(self.feature_names, n_features, "feature", "feature_names")
        length = _real_length(sequence)
        steps, time_label = _time_axis(time_index, len(sequence))
        steps = steps[:length]
        future = [
            (_as_2d_steps(values, what), what)
            for values, what in ((self.truth, "truth"), (self.prediction, "prediction"))
            if values is not None
        ]
        if future and time_index is not None:
            raise ValueError(
                "A prediction is drawn at the steps after the sequence's last, which a "
                "pandas index does not name: pass the sequence as an array (steps "
                "0 .. T-1), for example sequence.to_numpy()."
            )
        if len(future) == 2 and future[0][0].shape != future[1][0].shape:
            raise ValueError(
                f"truth has shape {np.shape(self.truth)}, but prediction has shape "
                f"{np.shape(self.prediction)}."
            )
        # Only now, with everything checked: a refused plot leaves no empty figure.
        ax = _axes(ax, f"{type(self).__name__}.plot")

        self.sequence_lines_, self.reconstruction_lines_ = [], []
        for j in range(n_features):
            (line,) = ax.plot(
                steps,
                sequence[:length, j],
                color=f"C{j}",
                linestyle="-",
                label=_with_name(names[j], "input"),
            )
            self.sequence_lines_.append(line)
        for j in range(n_features):
            values = reconstruction[:length, j]
            (line,) = ax.plot(
                steps[: len(values)],
                values,
                color=f"C{j}",
                linestyle="--",
                label=_with_name(names[j], "reconstruction"),
            )
            self.reconstruction_lines_.append(line)

        self.truth_lines_, self.prediction_lines_, self.forecast_span_ = [], [], None
        if future:
            n_future, n_targets = future[0][0].shape
            future_steps = np.arange(length, length + n_future)
            if n_targets == n_features:
                target_names, first_color = names, 0
            else:
                target_names = self._names(None, n_targets, "target", None)
                if n_targets == 1:
                    target_names = ["target"]
                first_color = n_features
            self.forecast_span_ = ax.axvspan(
                length - 0.5, length + n_future - 0.5, color="0.92", zorder=0
            )
            for values, what in future:
                style = (
                    {"linestyle": "-", "marker": "o", "markersize": 3}
                    if what == "truth"
                    else {"linestyle": "-.", "marker": "x", "markersize": 4}
                )
                for j in range(n_targets):
                    (line,) = ax.plot(
                        future_steps,
                        values[:, j],
                        color=f"C{first_color + j}",
                        label=_with_name(target_names[j], what),
                        **style,
                    )
                    (self.truth_lines_ if what == "truth" else self.prediction_lines_).append(line)

        self.lines_ = [
            *self.sequence_lines_,
            *self.reconstruction_lines_,
            *self.truth_lines_,
            *self.prediction_lines_,
        ]
        ax.set_xlabel("time step" if time_index is None else (time_label or "time"))
        ax.set_ylabel("value")
        ax.legend(fontsize="small", ncol=2 if len(self.lines_) > 6 else 1)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @staticmethod
    def _names(names, n, prefix, parameter):
        if names is None:
            return [None] if n == 1 else [f"{prefix} {j}" for j in range(n)]
        names = [str(name) for name in names]
        if len(names) != n:
            raise ValueError(f"{parameter} has {len(names)} names, but there are {n} features.")
        return names


class CodeScatterDisplay:
    """The codes of many sequences, reduced to two dimensions, as a scatter plot.

    :meth:`from_estimator` encodes sequences with the estimator's
    ``transform`` and projects the codes onto two dimensions (PCA by
    default, or t-SNE). Points are colored by their label: one color per
    class with a legend for class labels, a color scale with a colorbar for
    continuous ones.

    Parameters
    ----------
    embedding : array-like of shape (n_samples, 2)
        Two coordinates per sequence.
    labels : array-like of shape (n_samples,), default=None
        Label of each sequence: classes (strings, booleans, integers with
        at most 20 distinct values), drawn with a legend, or continuous
        values (floats, integers with more values), drawn with a colorbar.
        None draws every point in one color.
    xlabel : str, default=None
        Label of the x axis; None uses ``"component 1"``.
    ylabel : str, default=None
        Label of the y axis; None uses ``"component 2"``.

    Attributes
    ----------
    scatter_ : matplotlib.collections.PathCollection
        The points, one per sequence.
    legend_ : matplotlib.legend.Legend or None
        The legend of the classes, for class labels.
    colorbar_ : matplotlib.colorbar.Colorbar or None
        The color scale, for continuous labels.
    classes_ : ndarray or None
        The classes in the order of the legend, for class labels.
    ax_ : matplotlib.axes.Axes
        The Axes drawn on.
    figure_ : matplotlib.figure.Figure
        The figure holding ``ax_``.

    See Also
    --------
    LossCurveDisplay : The loss of each training epoch.
    ReconstructionDisplay : A sequence beside its reconstruction.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklearn_lstmae import LSTMAutoencoderTransformer
    >>> from sklearn_lstmae import CodeScatterDisplay
    >>> X = np.sin(np.linspace(0, 3, 20))[None, :] * np.arange(1, 9)[:, None]
    >>> labels = np.array(["small"] * 4 + ["large"] * 4)
    >>> model = LSTMAutoencoderTransformer(units=4, epochs=2, random_state=0).fit(X)
    >>> display = CodeScatterDisplay.from_estimator(model, X, labels=labels)
    >>> display.scatter_.get_offsets().shape
    (8, 2)
    >>> [text.get_text() for text in display.legend_.get_texts()]
    ['large', 'small']
    >>> plt.close(display.figure_)
    """

    def __init__(self, embedding, labels=None, *, xlabel=None, ylabel=None):
        self.embedding = embedding
        self.labels = labels
        self.xlabel = xlabel
        self.ylabel = ylabel

    @classmethod
    def from_estimator(
        cls, estimator, X, labels=None, *, method="pca", ax=None, random_state=0, cmap=None
    ):
        """Encode ``X``, project the codes onto two dimensions and plot them.

        Parameters
        ----------
        estimator : LSTMAutoencoderTransformer or CompositeLSTMRegressor
            A fitted estimator (anything with ``transform``, a Pipeline too).
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Sequences as the estimator takes them.
        labels : array-like of shape (n_samples,), default=None
            Label of each sequence, for the colors.
        method : {"pca", "tsne"} or transformer, default="pca"
            How the codes are brought to two dimensions: ``"pca"``
            (:class:`~sklearn.decomposition.PCA`), ``"tsne"``
            (:class:`~sklearn.manifold.TSNE`, its perplexity lowered for few
            sequences), or any unfitted transformer with ``fit_transform``
            that returns two columns. Codes with two columns are also
            projected, for axes of decreasing variance.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None draws on a new figure.
        random_state : int, default=0
            Seed of the PCA solver and of t-SNE, so that the plot is the same
            on every run.
        cmap : str or matplotlib.colors.Colormap, default=None
            Colormap for continuous labels; None uses ``"viridis"``.

        Returns
        -------
        display : CodeScatterDisplay
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        check_is_fitted(estimator)
        if not hasattr(estimator, "transform"):
            raise TypeError(
                f"{cls.__name__} draws the codes that transform gives, and "
                f"{type(estimator).__name__} has no transform (a detector is not a "
                "transformer). Fit an LSTMAutoencoderTransformer with the same settings for "
                "its codes."
            )
        codes = np.asarray(estimator.transform(X), dtype=np.float64)
        n_samples, code_size = codes.shape
        if labels is not None and len(labels) != n_samples:
            raise ValueError(f"labels has {len(labels)} entries, but X has {n_samples} sequences.")
        if n_samples < 2 or code_size < 2:
            raise ValueError(
                f"A 2-D view of the codes needs at least 2 sequences and codes of at least 2 "
                f"values; got {n_samples} codes of size {code_size}."
            )
        if isinstance(method, str) and method.lower() == "pca":
            reducer = PCA(n_components=2, random_state=random_state)
            embedding = reducer.fit_transform(codes)
            xlabel, ylabel = (
                f"PC {i + 1} ({ratio:.0%} of variance)"
                for i, ratio in enumerate(reducer.explained_variance_ratio_)
            )
        elif isinstance(method, str) and method.lower() == "tsne":
            # Perplexity must stay below the number of samples.
            perplexity = min(30.0, max(1.0, (n_samples - 1) / 3))
            reducer = TSNE(
                n_components=2, perplexity=perplexity, init="pca", random_state=random_state
            )
            embedding = reducer.fit_transform(codes)
            xlabel, ylabel = "t-SNE 1", "t-SNE 2"
        elif hasattr(method, "fit_transform") and not isinstance(method, str):
            embedding = np.asarray(method.fit_transform(codes), dtype=np.float64)
            if embedding.ndim != 2 or embedding.shape[1] != 2:
                raise ValueError(
                    f"method must reduce the codes to 2 columns; {type(method).__name__} "
                    f"returned shape {embedding.shape}."
                )
            xlabel, ylabel = "component 1", "component 2"
        else:
            raise ValueError(
                f'method must be "pca", "tsne" or a transformer with fit_transform, got {method!r}.'
            )
        display = cls(embedding, labels, xlabel=xlabel, ylabel=ylabel)
        return display.plot(ax=ax, cmap=cmap)

    def plot(self, ax=None, *, cmap=None):
        """Draw the scatter plot.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None draws on a new figure.
        cmap : str or matplotlib.colors.Colormap, default=None
            Colormap for continuous labels; None uses ``"viridis"``.

        Returns
        -------
        display : CodeScatterDisplay
            This display, with ``ax_``, ``figure_`` and the artists set.
        """
        embedding = np.asarray(self.embedding, dtype=np.float64)
        if embedding.ndim != 2 or embedding.shape[1] != 2:
            raise ValueError(f"embedding must have shape (n_samples, 2), got {embedding.shape}.")
        n_samples = len(embedding)
        labels = None
        if self.labels is not None:
            labels = np.asarray(self.labels)
            if labels.shape == (n_samples, 1):  # a column, as scikit-learn takes y
                labels = labels[:, 0]
            if labels.shape != (n_samples,):
                raise ValueError(
                    f"labels must have shape ({n_samples},), one per point; got {labels.shape}."
                )
            continuous = _is_continuous(labels)
            if not continuous:
                try:
                    classes, codes = np.unique(labels, return_inverse=True)
                except TypeError as error:  # objects that do not sort, such as None
                    raise ValueError(
                        f"labels must be sortable class names or numbers ({error})."
                    ) from None
        # Only now, with everything checked: a refused plot leaves no empty figure.
        ax = _axes(ax, f"{type(self).__name__}.plot")
        from matplotlib.lines import Line2D

        self.legend_ = self.colorbar_ = self.classes_ = None
        style = {"s": 18, "alpha": 0.85, "edgecolors": "none"}

        if labels is None:
            self.scatter_ = ax.scatter(embedding[:, 0], embedding[:, 1], color="C0", **style)
        else:
            if continuous:
                self.scatter_ = ax.scatter(
                    embedding[:, 0],
                    embedding[:, 1],
                    c=labels.astype(np.float64),
                    cmap="viridis" if cmap is None else cmap,
                    **style,
                )
                self.colorbar_ = ax.figure.colorbar(self.scatter_, ax=ax)
                self.colorbar_.set_label("label")
            else:
                self.classes_ = classes
                palette = _class_colors(len(self.classes_))
                self.scatter_ = ax.scatter(
                    embedding[:, 0], embedding[:, 1], color=[palette[c] for c in codes], **style
                )
                handles = [
                    Line2D([], [], linestyle="", marker="o", color=palette[i], label=str(label))
                    for i, label in enumerate(self.classes_)
                ]
                self.legend_ = ax.legend(handles=handles, title="label", fontsize="small")
        ax.set_xlabel("component 1" if self.xlabel is None else self.xlabel)
        ax.set_ylabel("component 2" if self.ylabel is None else self.ylabel)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self


def _known_anomalies(labels):
    """Where ``labels`` mark an anomaly: -1 in a detector's +1/-1 output, else nonzero."""
    if labels.dtype.kind == "O":  # pandas' nullable or object columns of numbers
        if pd.isna(labels).any():  # pd.NA in nullable booleans, None, NaN
            labels = np.where(pd.isna(labels), np.nan, 0.0)  # refused below, as NaN
        else:
            try:
                labels = labels.astype(np.float64)
            except (TypeError, ValueError):
                pass
    if labels.dtype.kind not in "biuf":
        # Text is nonzero everywhere: every point would be shaded.
        raise TypeError(
            f"labels must be numbers or booleans, nonzero (or True) where a point is a known "
            f"anomaly; got values such as {labels.flat[0]!r} (dtype {labels.dtype}). Pass a "
            "comparison, for example labels == 'anomaly'."
        )
    if labels.dtype.kind == "f" and np.isnan(labels).any():
        # NaN is nonzero too: points marked "unknown" would be shaded as anomalies.
        raise ValueError(
            "labels hold NaN, which would shade those points as known anomalies: mark the "
            "points that are not known anomalies with 0."
        )
    if labels.dtype.kind in "iuf" and np.isin(labels, (-1, 1)).all():
        if (labels == -1).any():
            return labels == -1
        warnings.warn(
            "labels are all 1: every point is shaded as a known anomaly. Labels from a "
            "detector's predict mark anomalies with -1 (+1 is normal): pass labels == -1, or "
            "no labels, when it flags none.",
            UserWarning,
            stacklevel=4,
        )
    return labels != 0


# Integer labels with more distinct values than this get a color scale, not a legend.
MAX_LEGEND_CLASSES = 20


def _is_continuous(labels):
    """Whether labels are continuous values (a color scale) rather than classes."""
    if labels.dtype.kind in "iu":  # ages, counts: classes only while a legend can hold them
        return len(np.unique(labels)) > MAX_LEGEND_CLASSES
    if labels.dtype.kind not in "fc":
        return False
    try:
        return type_of_target(labels) == "continuous"
    except ValueError:
        return True


def _class_colors(n_classes):
    """Distinct colors for classes, from matplotlib's qualitative colormaps."""
    import matplotlib

    if n_classes <= 10:
        return [f"C{i}" for i in range(n_classes)]
    name = "tab20" if n_classes <= 20 else "viridis"
    colormap = matplotlib.colormaps[name]
    if name == "tab20":
        return [colormap(i) for i in range(n_classes)]
    return [colormap(i / (n_classes - 1)) for i in range(n_classes)]


def _runs(mask):
    """``(start, stop)`` of each run of True in a boolean array."""
    edges = np.diff(np.concatenate([[0], np.asarray(mask, dtype=np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)))


# The threshold, flagged points and known anomalies are red; the features take the other colours.
_ANOMALY_COLOUR = "C3"
_FEATURE_COLOURS = [f"C{i}" for i in range(10) if i != 3]


def _time_axis(index, n_points):
    """Positions on the time axis for a pandas index (None: 0 .. n - 1), and the axis label.

    Dates and numbers are drawn as they are; periods at their start times; durations in
    seconds; an index of anything else (text, categories: dates read as strings, say) by
    position, since only numbers and times can be shaded between.
    """
    if index is None:
        return np.arange(n_points), None
    name = index.name
    if isinstance(index, pd.PeriodIndex):
        return np.asarray(index.to_timestamp()), name
    if isinstance(index, pd.TimedeltaIndex):
        return np.asarray(index.total_seconds()), f"{name or 'time'} (s)"
    if isinstance(index, pd.DatetimeIndex) or pd.api.types.is_numeric_dtype(index.dtype):
        return np.asarray(index), name
    if index.dtype == object and all(isinstance(v, (datetime.date, pd.Timestamp)) for v in index):
        return np.asarray(pd.to_datetime(index)), name  # dates as objects (groupby .date)
    return np.arange(n_points), f"position ({name or 'index'} is not numbers or times)"


def _aligned(values, index, what):
    """Pandas ``values`` on the series' ``index``: reordered when they hold the same labels.

    Arrays are taken by position. A pandas object indexed otherwise would be drawn against
    the wrong points, so it is refused.
    """
    if index is None or not isinstance(values, (pd.Series, pd.DataFrame)):
        return values  # arrays, lists: by position
    own_index = values.index
    if own_index.equals(index):
        return values
    if (
        index.is_unique
        and own_index.is_unique
        and len(own_index) == len(index)
        and own_index.isin(index).all()
    ):
        return values.reindex(index)
    fill = ", fill_value=0" if what == "labels" else ""  # unlabelled points are normal
    raise ValueError(
        f"{what} has an index other than the series': align them first "
        f"({what}.reindex(series.index{fill})), or pass {what} as an array, one per point."
    )


def _run_extent(times, start, stop):
    """Where points ``start``..``stop - 1`` lie on the time axis: half a step beyond each end.

    A run of one point is then as wide as the step, not a band of zero width.
    """
    if len(times) < 2:
        return times[start], times[stop - 1]
    before = times[start] - times[start - 1] if start > 0 else times[1] - times[0]
    after = times[stop] - times[stop - 1] if stop < len(times) else times[-1] - times[-2]
    return times[start] - before / 2, times[stop - 1] + after / 2


class AnomalyScoreDisplay:
    """A series with its anomaly score at every time point, the threshold and known anomalies.

    The series (one line per feature) is drawn on the Axes; the scores on a
    second y axis that shares its time axis (``score_ax_``), with the
    threshold as a horizontal line and the points above it marked. Known
    anomalies, when given, are shaded.

    Build it with :meth:`from_estimator` from a fitted
    :class:`~sklearn_lstmae.LSTMAutoencoderSeriesDetector`, with
    :meth:`from_scores` from any detector's per-point scores, or directly.

    Parameters
    ----------
    series : array-like of shape (n_points,) or (n_points, n_features)
        The series; a pandas index is used as the time axis.
    scores : array-like of shape (n_points,)
        Anomaly score of each point, higher is more anomalous.
    threshold : float, default=None
        Points scoring above it are flagged.
    labels : array-like of shape (n_points,), default=None
        Known anomalies: nonzero (or True) where a point is anomalous; labels
        of +1 and -1 (a detector's ``predict``) mark the -1 points. Labels
        that are all 1 shade every point, with a warning; text labels and
        NaN are refused (compare text first, mark unlabelled points 0).
    feature_names : list of str, default=None
        Names of the features in the legend (a DataFrame's columns, or a
        named pandas Series' name, by default).

    Attributes
    ----------
    series_lines_ : list of matplotlib.lines.Line2D
        One line per feature.
    score_line_ : matplotlib.lines.Line2D
        The scores.
    threshold_line_ : matplotlib.lines.Line2D or None
        The threshold, when given.
    flagged_ : matplotlib.collections.PathCollection or None
        Markers on the points scoring above the threshold.
    anomaly_spans_ : list of matplotlib.patches.Polygon
        One shaded band per run of known anomalous points.
    ax_ : matplotlib.axes.Axes
        The Axes of the series.
    score_ax_ : matplotlib.axes.Axes
        The twin Axes of the scores.
    figure_ : matplotlib.figure.Figure
        The figure holding both.

    See Also
    --------
    ReconstructionDisplay : One sequence beside its reconstruction.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> import numpy as np
    >>> from sklearn_lstmae import AnomalyScoreDisplay
    >>> series = np.sin(np.arange(100) / 5)
    >>> scores = np.abs(np.diff(series, prepend=0.0))
    >>> labels = (np.arange(100) >= 40) & (np.arange(100) < 45)
    >>> display = AnomalyScoreDisplay.from_scores(series, scores, threshold=0.15, labels=labels)
    >>> len(display.anomaly_spans_), display.threshold_line_.get_ydata()[0]
    (1, 0.15)
    >>> plt.close(display.figure_)
    """

    def __init__(self, series, scores, *, threshold=None, labels=None, feature_names=None):
        self.series = series
        self.scores = scores
        self.threshold = threshold
        self.labels = labels
        self.feature_names = feature_names

    @classmethod
    def from_estimator(cls, estimator, series, labels=None, *, ax=None, feature_names=None):
        """Score ``series`` with a fitted series detector and plot it.

        Parameters
        ----------
        estimator : LSTMAutoencoderSeriesDetector
            A fitted detector with ``score_timesteps`` and ``threshold_``.
        series : array-like of shape (n_points,) or (n_points, n_features)
            The series to score (NumPy or pandas).
        labels : array-like of shape (n_points,), default=None
            Known anomalies, shaded: nonzero (or True) where a point is
            anomalous; labels of +1 and -1 mark the -1 points.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None draws on a new figure.
        feature_names : list of str, default=None
            Names of the features in the legend. None takes the series'
            columns, else the columns of the DataFrame the detector was
            fitted on (``feature_names_in_``).

        Returns
        -------
        display : AnomalyScoreDisplay

        Warns
        -----
        UserWarning
            When the detector's scoring parameters changed after fit: the
            scores are drawn without ``threshold_``, which was set for others.
        """
        _pyplot(f"{cls.__name__}.from_estimator")
        if not hasattr(estimator, "score_timesteps"):
            raise TypeError(
                f"{cls.__name__}.from_estimator needs a detector that scores every point of a "
                f"series (score_timesteps), such as LSTMAutoencoderSeriesDetector; got "
                f"{type(estimator).__name__}. Pass any detector's per-point scores to "
                "from_scores."
            )
        check_is_fitted(estimator)
        scores = estimator.score_timesteps(series)
        if feature_names is None and _pandas_names(series) is None:
            feature_names = _fitted_channel_names(estimator)
        threshold = getattr(estimator, "threshold_", None)
        if threshold is not None:
            from ._detectors import check_threshold_current  # the estimator has Keras loaded

            try:
                check_threshold_current(estimator, "threshold_")
            except ValueError as error:
                # The scores are the ones asked for (comparing scorings of one network);
                # the threshold would flag them at a level set for other scores.
                warnings.warn(f"The threshold is not drawn: {error}", UserWarning, stacklevel=2)
                threshold = None
        return cls.from_scores(
            series,
            scores,
            threshold=threshold,
            labels=labels,
            ax=ax,
            feature_names=feature_names,
        )

    @classmethod
    def from_scores(
        cls, series, scores, *, threshold=None, labels=None, ax=None, feature_names=None
    ):
        """Plot ``series`` with per-point ``scores`` computed by any detector.

        Parameters
        ----------
        series : array-like of shape (n_points,) or (n_points, n_features)
            The series (NumPy or pandas).
        scores : array-like of shape (n_points,)
            Anomaly score of each point, higher is more anomalous.
        threshold : float, default=None
            Points scoring above it are flagged.
        labels : array-like of shape (n_points,), default=None
            Known anomalies, shaded: nonzero (or True) where a point is
            anomalous; labels of +1 and -1 mark the -1 points.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None draws on a new figure.
        feature_names : list of str, default=None
            Names of the features in the legend.

        Returns
        -------
        display : AnomalyScoreDisplay
        """
        display = cls(
            series, scores, threshold=threshold, labels=labels, feature_names=feature_names
        )
        return display.plot(ax=ax)

    def plot(self, ax=None):
        """Draw the series, the scores, the threshold and the known anomalies.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None draws on a new figure.

        Returns
        -------
        display : AnomalyScoreDisplay
            This display, with ``ax_``, ``score_ax_``, ``figure_`` and the
            artists set.
        """
        # Everything is checked before a figure is made: a bad call leaves none open.
        index = _pandas_index(self.series)
        names = self.feature_names
        if names is None:
            names = _pandas_names(self.series)
        values = _as_2d_steps(np.asarray(self.series, dtype=np.float64), "series")
        n_points, n_features = values.shape
        scores = np.asarray(_aligned(self.scores, index, "scores"), dtype=np.float64)
        if scores.shape != (n_points,):
            raise ValueError(
                f"scores must hold one score per point of the series ({n_points}), got "
                f"shape {scores.shape}."
            )
        times, time_label = _time_axis(index, n_points)
        if names is None:
            names = [None] if n_features == 1 else [f"feature {j}" for j in range(n_features)]
        if len(names) != n_features:
            raise ValueError(
                f"feature_names has {len(names)} names, but the series has {n_features} features."
            )
        runs = []
        if self.labels is not None:
            labels = np.asarray(_aligned(self.labels, index, "labels"))
            if labels.shape != (n_points,):
                raise ValueError(
                    f"labels must hold one label per point of the series ({n_points}), got "
                    f"shape {labels.shape}."
                )
            runs = _runs(_known_anomalies(labels))

        ax = _axes(ax, f"{type(self).__name__}.plot")
        self.anomaly_spans_ = []
        for start, stop in runs:
            span = ax.axvspan(
                *_run_extent(times, start, stop),
                color=_ANOMALY_COLOUR,
                alpha=0.15,
                lw=0,
                label="known anomaly" if not self.anomaly_spans_ else None,
            )
            self.anomaly_spans_.append(span)
        self.series_lines_ = []
        for j in range(n_features):
            (line,) = ax.plot(
                times,
                values[:, j],
                color=_FEATURE_COLOURS[j % len(_FEATURE_COLOURS)],
                lw=0.8,
                label=names[j] or "series",
            )
            self.series_lines_.append(line)
        ax.set_xlabel(time_label or "time")
        ax.set_ylabel("value")

        score_ax = ax.twinx()
        (self.score_line_,) = score_ax.plot(
            times, scores, color="black", lw=1.0, label="anomaly score"
        )
        self.threshold_line_ = self.flagged_ = None
        if self.threshold is not None:
            self.threshold_line_ = score_ax.axhline(
                self.threshold, color=_ANOMALY_COLOUR, linestyle="--", lw=1.0, label="threshold"
            )
            above = scores > self.threshold
            if above.any():
                self.flagged_ = score_ax.scatter(
                    times[above],
                    scores[above],
                    color=_ANOMALY_COLOUR,
                    s=8,
                    zorder=3,
                    label="flagged",
                )
        score_ax.set_ylabel("anomaly score")
        handles = [*ax.get_legend_handles_labels()[0], *score_ax.get_legend_handles_labels()[0]]
        score_ax.legend(handles=handles, fontsize="small", loc="upper left")
        self.ax_, self.score_ax_, self.figure_ = ax, score_ax, ax.figure
        return self

"""LSTMAutoencoderSeriesDetector: one anomaly score per time point of one long series.

The series is cut into windows by :func:`make_windows` (views of the series:
fit copies the training windows once, scoring a bounded block at a time); the
autoencoder rebuilds each window, and each time point's score reduces the
scores of the windows that cover it. Scoring runs over blocks of windows, so
memory beyond the series and its scores stays flat however long the series.
"""

import functools
import warnings

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import OutlierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils import metadata_routing
from sklearn.utils.validation import _check_feature_names, _get_feature_names, check_is_fitted

from ._base import _BaseLSTMAutoencoder
from ._detectors import (
    ANOMALY_SCORE_DOC,
    DEFAULT_ANOMALY_SCORE,
    ErrorModel,
    _StaleThresholdError,
    all_or_nothing,
    check_anomaly_score,
    check_contamination,
    check_mahalanobis_fitted,
    check_threshold_current,
    scoring_at_fit,
    step_scores,
    threshold_for,
)
from ._docs import COMMON_ATTRIBUTES_DOC, COMMON_PARAMETERS_DOC, document_defaults
from ._parameters import network_dtype
from ._persistence import register_estimator
from ._sequences import check_representable
from ._training import caller_stacklevel, n_held_out
from ._transformer import LSTMAutoencoderTransformer
from ._validation import InvalidParameterError, check_positive_int, is_int
from ._windows import make_windows

__all__ = ["LSTMAutoencoderSeriesDetector", "dominant_period", "windows_to_points"]

REDUCTIONS = ("hmean", "gmean", "mean", "max", "min")
# hmean, gmean: scores below this count as it (float32 squares underflow to 0 below it).
_SCORE_FLOOR = float(np.finfo(np.float32).tiny)
# The geometric and harmonic means: the arithmetic mean of the scores' logarithms or
# reciprocals (taken in float64, of the floored scores), mapped back by the inverse.
_TRANSFORMED_MEANS = {"gmean": (np.log, np.exp), "hmean": (np.reciprocal, np.reciprocal)}
SCORE_LEVELS = ("step", "window")
# Parameters that change the scores of a fitted network (and so the threshold's meaning).
_SCORING_PARAMETERS = ("score_stride", "reduction", "score_level", "anomaly_score")
# Values (windows x steps x features) rebuilt per block when scoring.
_BLOCK_VALUES = 2**19
# window_size="auto": at most this many points (LSTMs rebuild long windows poorly), and
# this many when the series shows no period.
_MAX_AUTO_WINDOW = 64
_FALLBACK_WINDOW = 50


def auto_window_size(values):
    """The dominant period, or the whole fraction of it that fits in 64 points."""
    period = dominant_period(values)
    if period is None:
        return _FALLBACK_WINDOW
    return int(round(period / np.ceil(period / _MAX_AUTO_WINDOW)))


def _check_stride(name, stride, window_size=None):
    """A positive int, at most the window: windows that leave gaps would skip points."""
    check_positive_int(name, stride)
    if window_size is not None and stride > window_size:
        skipped = "get no score" if name == "score_stride" else "never be trained on"
        raise InvalidParameterError(
            f"{name}={stride} is larger than the window ({window_size} points): the points "
            f"between two windows would {skipped}. Choose a {name} of at most window_size."
        )


def window_starts(n_points, window_size, stride):
    """Starts of the windows: every ``stride`` steps, plus one ending at the last point."""
    return np.concatenate(list(window_start_blocks(n_points, window_size, stride, n_points)))


def window_start_blocks(n_points, window_size, stride, per_block):
    """:func:`window_starts` in blocks of at most ``per_block``, each made when needed.

    Scoring every window of a long series would otherwise hold one 8-byte start
    per point: 80 MB for 10,000,000 points.
    """
    last = n_points - window_size
    n_windows = last // stride + 1 + (last % stride != 0)
    for first in range(0, n_windows, per_block):
        starts = np.arange(first, min(first + per_block, n_windows), dtype=np.int64) * stride
        np.minimum(starts, last, out=starts)  # the extra window ends at the last point
        yield starts


class _PointAccumulator:
    """Reduces window scores into point scores, one block of windows at a time.

    Beside the point scores (the output, reduced in place), it holds only the
    windows' start and end markers, in the smallest integer type that counts
    the windows over one point (1 byte a point when at most 126 windows cover
    a point), and while adding a block, that block's scores placed at their
    starts, so memory beyond the output stays flat.
    """

    def __init__(self, n_points, window_size, reduction, max_coverage=None, n_outputs=None):
        self.n_points, self.window_size = n_points, window_size
        self._transform, self._inverse = _TRANSFORMED_MEANS.get(reduction, (None, None))
        self.reduction = "mean" if reduction in _TRANSFORMED_MEANS else reduction
        initial = {"mean": 0.0, "max": -np.inf, "min": np.inf}[self.reduction]
        # n_outputs: several scores per step (one per feature), reduced side by side.
        shape = n_points if n_outputs is None else (n_points, n_outputs)
        self.values = np.full(shape, initial)
        counts = np.int32 if max_coverage is None else np.min_scalar_type(-max_coverage - 1)
        self.coverage = np.zeros(n_points + 1, dtype=counts)
        self._per_window = None  # one score per window, or one per step: not both

    def add(self, starts, scores):
        """``scores``: ``(n_windows,)`` (one per window) or ``(n_windows, window_size)``.

        With ``n_outputs``, ``(n_windows, window_size, n_outputs)``: per step.
        """
        per_window = scores.ndim == 1
        if self.values.ndim == 2 and scores.ndim != 3:
            raise ValueError("With n_outputs, scores are (n_windows, window_size, n_outputs).")
        if self._per_window not in (None, per_window):
            raise ValueError("Window scores must all be one per window, or all one per step.")
        self._per_window = per_window
        starts = np.asarray(starts, dtype=np.int64)
        np.add.at(self.coverage, starts, 1)
        np.subtract.at(self.coverage, starts + self.window_size, 1)
        if self._transform is not None:
            # In float64: float32 scores would lose bits in the logarithm or the reciprocal.
            scores = self._transform(np.maximum(scores, _SCORE_FLOOR, dtype=np.float64))
        # Each point adds only its own windows' scores. (A cumulative sum of start and end
        # markers would be O(T), but one huge window score, from an extreme spike, cannot be
        # subtracted back exactly: every later point would keep the residue.)
        if per_window and self.reduction == "mean":
            # The scores placed at their starts, summed over a sliding box of window_size: a
            # direct convolution (an FFT's rounding would reach every point), in one C loop.
            first = int(starts.min())
            placed = np.zeros(int(starts.max()) - first + 1)
            placed[starts - first] = scores
            summed = np.convolve(placed, np.ones(self.window_size))
            self.values[first : first + len(summed)] += summed
            return
        combine = {"mean": np.add, "max": np.maximum, "min": np.minimum}[self.reduction]
        for offset in range(self.window_size):
            # Window starts are distinct, so each offset touches each point at most once.
            column = scores if per_window else scores[:, offset]
            points = starts + offset
            self.values[points] = combine(self.values[points], column)

    def result(self):
        coverage = np.cumsum(self.coverage, out=self.coverage)[: self.n_points]
        if coverage.min() == 0:
            raise ValueError("Some points are covered by no window.")
        if self.reduction == "mean":
            coverage = coverage.reshape((-1,) + (1,) * (self.values.ndim - 1))
            np.divide(self.values, coverage, out=self.values)
        if self._inverse is not None:
            self._inverse(self.values, out=self.values)
        return self.values


def windows_to_points(window_scores, starts, window_size, n_points, reduction="mean"):
    """Per-point scores from the scores of the windows that cover each point.

    Parameters
    ----------
    window_scores : ndarray of shape (n_windows,) or (n_windows, window_size)
        One score per window (it counts for every point of the window), or
        one per step of each window (step ``j`` of the window starting at
        ``s`` counts for point ``s + j``).
    starts : array-like of int of shape (n_windows,)
        Distinct start of each window.
    window_size : int
        Length of the windows.
    n_points : int
        Length of the series; every point must be covered by a window.
    reduction : {"mean", "gmean", "hmean", "max", "min"}, default="mean"
        How the scores that fall on one point are combined: their
        arithmetic, geometric or harmonic mean (for the last two, scores
        below float32's smallest normal number count as it), maximum or
        minimum.

    Returns
    -------
    scores : ndarray of shape (n_points,)

    Notes
    -----
    The number of windows covering each point comes from a cumulative sum of
    start and end markers, O(T + n_windows). Each point sums only its own
    windows' scores: one score per window, for the three means, by a direct
    convolution of the scores placed at their starts with a box of
    ``window_size`` ones (O(T * window_size) in one C loop); per-step
    scores, and the max and min, one window offset at a time, in
    O(n_windows * window_size) vectorized work. A cumulative sum of the
    scores themselves would be O(T), but could not subtract one huge window
    score (an extreme spike's) back exactly, and every later point would
    keep the residue.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae._series_detector import windows_to_points
    >>> windows_to_points(np.array([1.0, 3.0]), starts=[0, 2], window_size=3, n_points=5)
    array([1., 1., 2., 3., 3.])
    >>> windows_to_points(np.array([1.0, 3.0]), [0, 2], 3, 5, reduction="max")
    array([1., 1., 3., 3., 3.])
    >>> windows_to_points(np.array([1.0, 4.0]), [0, 2], 3, 5, reduction="gmean")
    array([1., 1., 2., 4., 4.])
    >>> windows_to_points(np.array([1.0, 3.0]), [0, 2], 3, 5, reduction="hmean")
    array([1. , 1. , 1.5, 3. , 3. ])
    """
    window_scores = np.asarray(window_scores, dtype=np.float64)
    accumulator = _PointAccumulator(n_points, window_size, reduction)
    accumulator.add(starts, window_scores)
    return accumulator.result()


def dominant_period(series, max_lag=1000):
    """The lag of the highest autocorrelation peak, or None when there is none.

    As TSB-UAD's ``find_length`` does: the autocorrelation (averaged over
    channels, each standardized; at most the first 20,000 points) is searched
    for local maxima between lags 3 and ``max_lag`` (at most a third of the
    series); the highest wins if it is above 0.1 and above ``3 / sqrt(n)``,
    three standard errors of white noise's autocorrelation, so that a short
    series of noise shows no period (the second bound only matters below
    900 points).

    Parameters
    ----------
    series : array-like of shape (n_points,) or (n_points, n_features)
    max_lag : int, default=1000

    Returns
    -------
    period : int or None

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae._series_detector import dominant_period
    >>> dominant_period(np.sin(2 * np.pi * np.arange(2000) / 37))
    37
    """
    values = np.asarray(series, dtype=np.float64)
    values = values.reshape(len(values), -1)[:20_000]
    scale = values.std(axis=0)
    values = (values[:, scale > 0] - values[:, scale > 0].mean(axis=0)) / scale[scale > 0]
    n_points = len(values)
    max_lag = min(max_lag, n_points // 3)
    if values.shape[1] == 0 or max_lag < 4:
        return None
    spectrum = np.fft.rfft(values, n=2 * n_points, axis=0)
    autocorrelation = np.fft.irfft(spectrum * np.conj(spectrum), axis=0)[: max_lag + 1]
    autocorrelation = (autocorrelation / autocorrelation[0]).mean(axis=1)
    lags = np.arange(3, max_lag)
    peaks = lags[
        (autocorrelation[lags] > autocorrelation[lags - 1])
        & (autocorrelation[lags] >= autocorrelation[lags + 1])
    ]
    if len(peaks) == 0:
        return None
    best = peaks[np.argmax(autocorrelation[peaks])]
    return int(best) if autocorrelation[best] > max(0.1, 3 / np.sqrt(n_points)) else None


def _several_series(series):
    """The series of a list or tuple of arrays or pandas objects; None for one series.

    A list of numbers, or of lists, stays one series, as ``np.asarray`` reads it.
    """
    if (
        isinstance(series, (list, tuple))
        and len(series) > 0
        and all(isinstance(part, (np.ndarray, pd.Series, pd.DataFrame)) for part in series)
    ):
        return list(series)
    return None


def _each_series(method):
    """A scoring method that also takes a list of series (as fit does) and returns a list."""

    @functools.wraps(method)
    def per_series(self, series, *args, **kwargs):
        parts = _several_series(series)
        if parts is None:
            return method(self, series, *args, **kwargs)
        return _for_each_series(parts, lambda part: method(self, part, *args, **kwargs))

    return per_series


_ABOUT_THE_ESTIMATOR = (NotFittedError, InvalidParameterError, _StaleThresholdError)


def _for_each_series(parts, function):
    """``[function(part) for part in parts]``, errors and warnings naming their series."""
    results = []
    for index, part in enumerate(parts):
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                results.append(function(part))
        except _ABOUT_THE_ESTIMATOR:
            raise  # not fitted, a bad parameter, a stale threshold: no series is at fault
        except (TypeError, ValueError) as error:
            raise type(error)(f"series[{index}]: {error}") from None
        for warning in caught:  # named too, at the line the warning points to
            warnings.warn_explicit(
                f"series[{index}]: {warning.message}",
                warning.category,
                warning.filename,
                warning.lineno,
            )
    return results


def _listed(names):
    return "none" if names is None else str(list(names))


def _transposed_hint(shape):
    return (
        f"The series has shape {shape}: {shape[0]} points of {shape[1]} features. A series "
        "is (n_points, n_features), time along the first axis; if yours runs along the "
        "second (aeon's (n_channels, n_timepoints) layout), pass series.T."
    )


def _pandas_values(series):
    """A pandas series' values, with pandas' missing values (``pd.NA``) as NaN.

    Nullable columns (``Float64``, ``Int64``) come out as objects holding ``pd.NA``;
    as floats they meet the same check, and message, as NaN.
    """
    values = series.to_numpy()
    dtypes = series.dtypes if isinstance(series, pd.DataFrame) else [series.dtype]
    numbers = all(
        pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
        for dtype in dtypes
    )
    if values.dtype == object and numbers:  # not times, booleans or text: refused below
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return values


def _check_time_order(index):
    """Warn when a pandas time index does not run forward: the points are read in row order."""
    if not isinstance(index, (pd.DatetimeIndex, pd.PeriodIndex, pd.TimedeltaIndex)):
        return
    if index.is_monotonic_increasing and index.is_unique:
        return
    if index.hasnans:
        problem = f"has missing timestamps ({index.isna().sum()} NaT, first at row "
        problem += f"{np.flatnonzero(index.isna())[0]})"
        fix = "drop or fill them (series[series.index.notna()])"
    elif index.is_monotonic_decreasing and index.is_unique:
        problem, fix = "runs backwards (newest first)", "series.sort_index()"
    elif not index.is_monotonic_increasing:
        problem, fix = "is not in time order", "series.sort_index()"
    else:
        repeated = index[index.duplicated()][0]
        problem = f"repeats timestamps (first {repeated})"
        fix = "series.groupby(level=0).mean(), or drop the duplicates"
    warnings.warn(
        f"series' time index {problem}: the detector reads the points in row order, so "
        f"its windows do not follow time. Fix the order first: {fix}.",
        UserWarning,
        stacklevel=caller_stacklevel(),
    )


class _Series:
    """A validated series: float ``(n_points, n_features)`` values and its pandas labels."""

    def __init__(self, series, n_features=None, owner="LSTMAutoencoderSeriesDetector"):
        self.index = None
        self.columns = None
        self.name = getattr(series, "name", None) if isinstance(series, pd.Series) else None
        if isinstance(series, (pd.DataFrame, pd.Series)):
            self.index = series.index
            self.columns = series.columns if isinstance(series, pd.DataFrame) else None
            values = _pandas_values(series)
            _check_time_order(series.index)
        elif isinstance(series, np.ma.MaskedArray) and np.ma.getmaskarray(series).any():
            raise ValueError(
                f"series is a masked array with {np.ma.count_masked(series)} masked values: "
                "the detector scores every point and cannot skip missing ones. Fill or "
                "interpolate them first (series.filled(value), or pandas' interpolate)."
            )
        elif sparse.issparse(series):
            raise TypeError(
                "series is a sparse matrix; the detector needs dense values: pass series.toarray()."
            )
        else:
            values = np.asarray(series)
        if values.dtype == object:
            # Numbers held as objects (a DataFrame column of mixed ints and floats, say), as
            # scikit-learn's check_array takes them; anything else fails with numpy's reason
            # (the value it could not read), in the error type check_array raises.
            try:
                values = values.astype(np.float64)
            except (TypeError, ValueError) as error:
                raise type(error)(
                    f"series must hold real numbers, but some of its values are not: {error}. "
                    "Pass a 1-D array (n_points,), a 2-D array (n_points, n_features), a "
                    "pandas Series or DataFrame of numbers."
                ) from None
        if values.dtype.kind == "c":
            raise ValueError(
                f"Complex data not supported: series has dtype {values.dtype}. Pass the real "
                "quantity you measure, for example np.abs(series) or series.real."
            )
        if values.dtype.kind not in "biuf":
            raise ValueError(
                f"series must hold real numbers, got dtype {values.dtype}. Pass a 1-D array "
                "(n_points,), a 2-D array (n_points, n_features), a pandas Series or DataFrame."
            )
        if values.ndim not in (1, 2):
            raise ValueError(
                f"series must be one series: 1-D (n_points,) or 2-D (n_points, n_features), "
                f"got shape {values.shape}. For a collection of sequences, use "
                "LSTMAutoencoderOutlierDetector."
            )
        if values.size == 0:
            # With scikit-learn's wording for an empty array (what check_array says).
            what = "0 feature(s)" if values.ndim == 2 and len(values) else "0 sample(s)"
            raise ValueError(
                f"series has shape {values.shape}: it holds no values (found array with {what} "
                f"(shape={values.shape}) while a minimum of 1 is required)."
            )
        if values.dtype.kind == "b":
            raise ValueError(
                "series holds booleans: the detector rebuilds real-valued measurements. Pass "
                "them as numbers (series.astype(float)) if that is what they are."
            )
        if values.dtype != np.float32:
            values = values.astype(np.float64, copy=False)
        self.one_d = values.ndim == 1
        self.values = values.reshape(len(values), -1)
        if n_features is not None and self.values.shape[1] != n_features:
            transposed = (
                " (time along the second axis?): pass series.T"
                if values.ndim == 2 and values.shape[0] == n_features
                else ""
            )
            # scikit-learn's wording, which tools look for, then the series' own.
            raise ValueError(
                f"X has {self.values.shape[1]} features, but {owner} is expecting {n_features} "
                f"features as input: series has {self.values.shape[1]} features, but the "
                f"detector was fitted on {n_features}{transposed}."
            )
        low, high = self.values.min(), self.values.max()  # no temporary array
        if not (np.isfinite(low) and np.isfinite(high)):
            bad = np.flatnonzero(~np.isfinite(self.values).all(axis=1))[0]
            raise ValueError(
                f"series contains NaN or infinity (first at point {bad}): the detector "
                "needs every value. Fill gaps first, for example with pandas' interpolate()."
            )

    def like(self, scores, name):
        """``scores`` as a pandas Series on the input's index when the input was pandas."""
        if self.index is None:
            return scores
        return pd.Series(scores, index=self.index, name=name)

    def like_values(self, values):
        """``(n_points, n_features)`` values shaped as the input: 1-D, 2-D, Series, DataFrame."""
        if self.columns is not None:
            return pd.DataFrame(values, index=self.index, columns=self.columns)
        if self.one_d:
            values = values[:, 0]
            if self.index is not None:
                return pd.Series(values, index=self.index, name=self.name)
        return values


def _reworded(doc, replacements):
    """The shared docs' ``doc`` with each ``replacements`` key replaced by its value.

    Raises at import when the shared text no longer holds a key (every test
    run imports this module), so that the two cannot drift apart silently.
    """
    for old, new in replacements.items():
        if old not in doc:
            raise AssertionError(f"The shared docs no longer hold {old!r}.")
        doc = doc.replace(old, new)
    return doc


# The shared parameters' text, for a detector that holds out windows and takes no
# validation_data.
_WINDOWS_PARAMETERS_DOC = _reworded(
    COMMON_PARAMETERS_DOC,
    {
        "of the training sequences (or\n        use ``validation_data`` given to fit)": (
            "of the training windows (the last\n        ones, at the end of the (last) "
            "series; training windows that\n        share points with them are left out, so "
            "the validation loss\n        is on later points that training never fitted; "
            "the\n        standardization is learned from every window)"
        ),
        "at least 10 sequences (100 or more with the\n        default fraction; always with "
        "``validation_data``)": "at least 10 windows (100 or more with the\n        default "
        "fraction) and windows are left to train on",
        "Share of the training sequences held out": "Share of the training windows held out",
        "small sets keep every sequence for\n        training.\n        ``partial_fit`` never "
        "holds out.": "short series keep every window for\n        training.",
    },
)
# The shared attributes' text, for a detector without partial_fit.
_WINDOWS_ATTRIBUTES_DOC = _reworded(
    COMMON_ATTRIBUTES_DOC,
    {
        "(warm start, partial_fit) that did not validate": "(warm start) that did not validate",
        "last call of ``fit`` or\n        ``partial_fit`` monitored": "last call of ``fit``\n"
        "        monitored",
        "when warm-started or with partial_fit)": "when warm-started)",
    },
)


@register_estimator
@document_defaults
class LSTMAutoencoderSeriesDetector(OutlierMixin, _BaseLSTMAutoencoder):
    __doc__ = f"""Score every time point of one long series by how badly it is rebuilt.

    The series is cut into windows of ``window_size`` points, every
    ``stride`` points; an LSTM autoencoder learns to rebuild them. Each step
    of each scored window (every window by default, ``score_stride``) gets
    an anomaly score (as ``anomaly_score`` says), and each time point's
    score reduces the scores it got from the windows that cover it
    (``reduction``). Scores follow aeon's convention: one per time
    point, higher is more anomalous. :meth:`predict` flags points above
    ``threshold_``, which ``contamination`` sets from the training scores.
    :meth:`score_samples` and :meth:`decision_function` give the same scores
    in scikit-learn's outlier convention (higher is more normal; negative
    decisions are anomalies), for its scorers and model selection.
    :meth:`reconstruction_error` shows which feature an anomaly is in.

    Fit on normal data and score new data (semi-supervised), or fit and score
    the same series (unsupervised: :meth:`fit_predict`). Normal data in
    several recordings is fitted as a list of series, each cut into windows on
    its own; every scoring method then also takes a list and returns a list,
    one result per series. Scoring runs over
    blocks of windows, so memory beyond the series and its scores stays flat.

    ``score_stride``, ``reduction``, ``score_level`` and ``anomaly_score``
    only change how the fitted network's errors are scored: they may be set after
    fit to compare scorings of the same network. ``threshold_`` belongs to
    the scores of fit's parameters and to fit's ``contamination``, and
    :meth:`predict` refuses others.

    Parameters
    ----------
    window_size : int or "auto", default="auto"
        Points per window. ``"auto"``: the series' dominant period, the
        highest autocorrelation peak (as TSB-UAD and aeon estimate it),
        divided by the smallest whole number that brings it to at most
        {_MAX_AUTO_WINDOW} points (a period of 183 gives windows of 61), or
        {_FALLBACK_WINDOW} when the series shows no period; stored in
        ``window_size_``. Short windows did better in ``benchmarks/anomaly.py``.
    stride : int, default=2
        Points between the starts of consecutive training windows; a last
        window always ends at the last point. Only fit reads it. Windows one
        point apart are nearly the same window: 2 trains on half the windows
        of 1 and, in ``benchmarks/anomaly.py`` (median AUC-PR over three
        fits, every window scored), did as well or better in a quarter to
        two thirds of the fit time: 0.980 against 0.978 on KDD-TSAD 135,
        0.804 against 0.744 on an ECG, 0.973 against 0.975 on a
        multivariate set (with ``reduction="gmean"``, 0.972 against 0.964,
        0.781 against 0.786, 0.952 against 0.956). On a
        strictly periodic series whose period shares a factor with
        ``stride`` (an even period at stride 2), fit sees only some phases of
        the period, and windows starting at the others rebuild worse (2.2
        times the error on that ECG, period 20); ``stride=1``, or a stride
        with no factor in common with the period, trains on every phase.
    score_stride : int, default=1
        Points between the starts of consecutive scored windows (in fit,
        for ``threshold_``, and after). 1 scores every window, so every
        point has its own set of windows and its score does not depend on
        where the series starts. A larger stride scores faster, but a
        point's windows, and so its score, then move with the series' first
        point: scored every 2 points with ``reduction="gmean"``, that ECG's
        AUC-PR was 0.811, and 0.741 with the test series started one point
        later (every window: 0.781 either way).
    reduction : {{"hmean", "gmean", "mean", "max", "min"}}, default="hmean"
        How a point's scores from the windows that cover it are combined.
        ``"hmean"``: their harmonic mean, which the lowest scores dominate:
        a point scores high only when nearly every window over it rebuilds
        badly, so an anomaly raises the normal points beside it (whose
        windows on the far side rebuild well) less than its own points.
        ``"gmean"``: their geometric mean (the mean of their logarithms),
        between the harmonic and the arithmetic mean. ``"mean"``: their
        arithmetic mean (aeon's ``reverse_windowing``), which one badly
        rebuilt window can swamp. In ``benchmarks/anomaly.py`` (medians of
        three fits, AUC-PR) ``"hmean"`` did best of the three on all three
        sets: 0.980 against 0.972 (geometric) and 0.966 (arithmetic) on
        KDD-TSAD 135, 0.804 against 0.781 and 0.672 on an ECG, 0.973 against
        0.952 and 0.901 on a multivariate set; the range-based VUS-PR, which
        credits scores near an anomaly's edges, fell on the first two (0.892
        against 0.923, 0.821 against 0.851). On the ECG the gain holds at
        the default ``stride`` only: trained on every window (``stride=1``),
        the harmonic mean gave 0.744 there, the geometric 0.786: a harmonic
        mean damps an anomaly that only some of a point's windows see.
        ``"min"`` marks edges sharply but is noisy inside an anomaly and
        ties over runs of points, so that a ``contamination`` share cannot
        be flagged exactly.
    score_level : {{"step", "window"}}, default="window"
        ``"window"``: each window's mean step score counts for every point
        of the window (aeon's ``reverse_windowing``). ``"step"``: a point gets
        the score of its own step in each covering window. ``"window"`` did
        better in ``benchmarks/anomaly.py``; ``"step"`` with ``reduction="min"``
        marks the edges of an anomaly more sharply (a point is only as
        anomalous as the best window that covers it).
    units : int or tuple of int, default=64
        Units of the encoder's recurrent layer; a tuple stacks layers.
    {ANOMALY_SCORE_DOC}
    {_WINDOWS_PARAMETERS_DOC}

    Attributes
    ----------
    window_size_ : int
        Points per window.
    threshold_ : float
        Points scoring above it are anomalies.
    offset_ : float
        ``-threshold_``, scikit-learn's name for it: ``decision_function =
        score_samples - offset_``, negative for anomalies.
    n_features_in_ : int
        Features (channels) of the series.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame series with string column names.
    model_, encoder_, decoder_ : keras.Model
        The autoencoder of the windows, its encoder and its decoder.
    {_WINDOWS_ATTRIBUTES_DOC.split("n_features_in_")[0].rstrip()}
    n_timesteps_in_ : int
        Equal to ``window_size_``.
    n_channels_in_ : int
        Equal to ``n_features_in_``.

    See Also
    --------
    LSTMAutoencoderOutlierDetector : Unusual sequences in a collection.
    sklearn_lstmae.make_windows : The windows, as views of the series.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae import LSTMAutoencoderSeriesDetector
    >>> series = np.sin(2 * np.pi * np.arange(600) / 20)
    >>> detector = LSTMAutoencoderSeriesDetector(stride=5, units=8, epochs=20, random_state=0)
    >>> detector = detector.fit(series)
    >>> detector.window_size_
    20
    >>> test = series.copy()
    >>> test[300:305] += 2.0
    >>> scores = detector.score_timesteps(test)
    >>> scores.shape
    (600,)
    >>> bool(290 <= np.argmax(scores) < 315)
    True
    """

    _PARAMETERS_DOC = _WINDOWS_PARAMETERS_DOC  # the shared section, worded for windows
    # Early stopping holds out windows; fit takes no validation_data.
    _SPLIT_UNITS = "windows"
    _MORE_VALIDATION_DATA = "or fit a longer series (it gives more windows)"
    _DATA_NAME = "the series"
    _FEATURE_NAMES_ATTRIBUTE = "_training_feature_names"  # the fitted series' columns

    # The series is the data, as X is elsewhere: not metadata for routing to request.
    __metadata_request__fit = {"series": metadata_routing.UNUSED}
    __metadata_request__predict = {"series": metadata_routing.UNUSED}
    __metadata_request__score_samples = {"series": metadata_routing.UNUSED}
    __metadata_request__decision_function = {"series": metadata_routing.UNUSED}

    def __init__(
        self,
        window_size="auto",
        *,
        stride=2,
        score_stride=1,
        reduction="hmean",
        score_level="window",
        anomaly_score=DEFAULT_ANOMALY_SCORE,
        contamination="auto",
        units=64,
        latent_dim=None,
        cell="lstm",
        bidirectional=False,
        activation="tanh",
        latent_activation="linear",
        dropout=0.0,
        recurrent_dropout=0.0,
        loss="mse",
        optimizer="adam",
        learning_rate=1e-3,
        epochs=100,
        batch_size=32,
        tol=1e-4,
        n_iter_no_change=10,
        early_stopping=False,
        validation_fraction=0.1,
        warm_start=False,
        callbacks=None,
        standardize=True,
        dtype="float32",
        code="pooled",
        input_noise=0.25,
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            units,
            latent_dim=latent_dim,
            cell=cell,
            bidirectional=bidirectional,
            activation=activation,
            latent_activation=latent_activation,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            loss=loss,
            optimizer=optimizer,
            learning_rate=learning_rate,
            epochs=epochs,
            batch_size=batch_size,
            tol=tol,
            n_iter_no_change=n_iter_no_change,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            warm_start=warm_start,
            callbacks=callbacks,
            standardize=standardize,
            dtype=dtype,
            code=code,
            input_noise=input_noise,
            random_state=random_state,
            verbose=verbose,
        )
        self.window_size = window_size
        self.stride = stride
        self.score_stride = score_stride
        self.reduction = reduction
        self.score_level = score_level
        self.anomaly_score = anomaly_score
        self.contamination = contamination

    # The network learns what the transformer's does: to rebuild its input (the windows).
    _validate_training_data = LSTMAutoencoderTransformer._validate_training_data
    _targets = LSTMAutoencoderTransformer._targets
    _validation_set = LSTMAutoencoderTransformer._validation_set

    def _fitted_extras(self, sequences, y, spec):
        return {}

    def _check_params(self):
        super()._check_params()
        if not (isinstance(self.window_size, str) and self.window_size == "auto"):
            if not is_int(self.window_size) or self.window_size < 2:
                raise InvalidParameterError(
                    f"window_size must be 'auto' or an integer >= 2, got {self.window_size!r}."
                )
        _check_stride("stride", self.stride)
        self._check_scoring_params()
        check_contamination(self.contamination)

    def _check_scoring_params(self, window_size=None):
        """The parameters read again at every scoring (they may be set after fit)."""
        _check_stride("score_stride", self.score_stride, window_size)
        if self.reduction not in REDUCTIONS:
            raise InvalidParameterError(
                f"reduction must be one of {list(REDUCTIONS)}, got {self.reduction!r}."
            )
        if self.score_level not in SCORE_LEVELS:
            raise InvalidParameterError(
                f"score_level must be one of {list(SCORE_LEVELS)}, got {self.score_level!r}."
            )
        check_anomaly_score(self.anomaly_score)

    def _resolve_window_size(self, values):
        n_points = len(values)
        if self.__sklearn_is_fitted__() and self.warm_start:
            # Training continues on windows of the size the network was built for.
            if self.window_size != "auto" and self.window_size != self.window_size_:
                raise ValueError(
                    f"window_size={self.window_size} differs from window_size_="
                    f"{self.window_size_}, the size the network was fitted on: continuing "
                    "(warm_start=True) keeps it. Set warm_start=False to fit anew."
                )
            if values.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has {values.shape[1]} features, but {type(self).__name__} is expecting "
                    f"{self.n_features_in_} features as input: continuing (warm_start=True) "
                    "needs the features it was fitted on. Set warm_start=False to fit anew."
                )
            window_size = self.window_size_
            if window_size > n_points:
                raise ValueError(
                    f"series has {n_points} points, fewer than one window of window_size_="
                    f"{window_size}: continue training on a longer series."
                )
            return window_size
        if self.window_size == "auto":
            window_size = auto_window_size(values)
            if window_size > n_points:
                raise ValueError(
                    f"series has {n_points} points, fewer than window_size='auto' needs "
                    f"({window_size}, the fallback when the series shows no period); pass a "
                    "smaller integer window_size."
                )
            return window_size
        if self.window_size > n_points:
            raise ValueError(
                f"window_size={self.window_size} is larger than the series ({n_points} "
                "points): choose a window_size of at most the series' length."
            )
        return int(self.window_size)

    def fit(self, series, y=None):
        """Train on the windows of ``series`` and set ``threshold_`` from its scores.

        Parameters
        ----------
        series : array-like of shape (n_points,) or (n_points, n_features), \
                pandas Series or DataFrame, or a list of them
            One series ordered in time (a pandas index is kept for the
            outputs, not used), normal data or the series to be scored. A
            list (or tuple) of NumPy arrays or pandas objects is several
            series of the same features (separate recordings of different
            lengths): each is cut into windows on its own, so no window
            spans two, and ``threshold_`` comes from the scores of all of
            them. (A list of numbers, or of lists, is one series, as
            ``np.asarray`` reads it.) ``window_size="auto"`` is estimated
            from the longest.
        y : None
            Ignored.

        Returns
        -------
        self : LSTMAutoencoderSeriesDetector
            The fitted detector.
        """
        self._fit_series(series)
        return self

    def _fit_series(self, series):
        """Fit; return the validated series (a list) and the point scores of each."""
        self._check_params()
        parts = _several_series(series)
        if parts is None:
            parts, validated = [series], [_Series(series)]
        else:
            validated = _for_each_series(parts, _Series)
        values_of_parts = [part.values for part in validated]
        n_features = values_of_parts[0].shape[1]
        for index, values in enumerate(values_of_parts):
            if values.shape[1] != n_features:
                raise ValueError(
                    f"series[{index}] has {values.shape[1]} features, but series[0] has "
                    f"{n_features}: the series of a list are recordings of the same features."
                )
        # The longest series chooses the window ("auto") and is checked for transposition.
        values = max(values_of_parts, key=len)
        if len(values) == 1:
            hint = (
                _transposed_hint(values.shape)
                if values.shape[1] > 1
                else "A series is (n_points, n_features), time along the first axis."
            )
            raise ValueError(
                f"series has 1 sample (one time point): fit needs at least one window of "
                f"points. {hint}"
            )
        for part_values in values_of_parts:
            check_representable(part_values, network_dtype(self.dtype), name="series")
        continuing = self.__sklearn_is_fitted__() and self.warm_start
        first_names = None if continuing else _get_feature_names(parts[0])
        for index, part in enumerate(parts):
            if continuing:
                # The features must be the ones the network trained on, in their order (the
                # standardization is kept): checked before training, as when scoring.
                _check_feature_names(self, part, reset=False)
                continue
            names = _get_feature_names(part)  # mixed-type names fail before training
            unnamed = names is None, first_names is None
            if unnamed[0] != unnamed[1] or not (any(unnamed) or np.array_equal(names, first_names)):
                raise ValueError(
                    f"series[{index}] has the feature names {_listed(names)}, but series[0] "
                    f"has {_listed(first_names)}: the series of a list must name the same "
                    "features in the same order."
                )
        wide = values.shape[1] > len(values)  # more features than points: transposed?
        try:
            window_size = self._resolve_window_size(values)
        except ValueError as error:
            if wide:
                raise ValueError(f"{error} {_transposed_hint(values.shape)}") from None
            raise
        if wide and not continuing:
            # A short recording of many channels is a series too; the transpose is likelier.
            warnings.warn(_transposed_hint(values.shape), UserWarning, stacklevel=3)
        for index, part_values in enumerate(values_of_parts):
            if len(part_values) < window_size:
                raise ValueError(
                    f"series[{index}] has {len(part_values)} points, fewer than one window of "
                    f"window_size={window_size}: leave it out, or join it to the recording it "
                    "continues."
                )
        _check_stride("stride", self.stride, window_size)
        self._check_scoring_params(window_size)
        # Every stride points, and a last window that ends at the last point, as when scoring,
        # within each series (no window across two): in the network's dtype, so that
        # validation need not copy them again.
        starts = [
            window_starts(len(part_values), window_size, self.stride)
            for part_values in values_of_parts
        ]
        pieces = [
            make_windows(part_values.astype(network_dtype(self.dtype), copy=False), window_size)[
                part_starts
            ]
            for part_values, part_starts in zip(values_of_parts, starts)
        ]
        windows = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
        # Training validates the windows, an array, which drops the series' column names.
        names = getattr(self, "feature_names_in_", None)
        with all_or_nothing(self):
            # Messages during a first fit name the features by the series' columns; early
            # stopping holds out by where the windows start.
            self._training_feature_names = first_names
            self._training_windows = window_size, starts
            try:
                self._fit(windows, None, None, None, incremental=False)
            finally:
                del self._training_feature_names, self._training_windows
            self.window_size_ = window_size
            self.n_features_in_ = n_features
            if not continuing:
                _check_feature_names(self, parts[0], reset=True)
            elif names is not None:
                self.feature_names_in_ = names
            # The error model is fitted whatever the score, so that either can be compared on
            # the same network; the default score's pass over the windows also fits it.
            model = ErrorModel(n_features)
            if self.anomaly_score == "mahalanobis":
                for part_values in values_of_parts:
                    for _, block in self._blocks(part_values):
                        model.add(self._standardized_errors(block))
                self._error_mean, self._error_precision = model.finish()
                scores = [self._score_points(part_values) for part_values in values_of_parts]
            else:
                self._error_mean = self._error_precision = None
                scores = [
                    self._score_points(part_values, error_model=model)
                    for part_values in values_of_parts
                ]
                self._error_mean, self._error_precision = model.finish()
            self.threshold_ = threshold_for(np.concatenate(scores), self.contamination)
            self._scoring_at_fit = scoring_at_fit(self, _SCORING_PARAMETERS)
        return validated, scores

    def _early_stopping_split(self, weighted, n_samples, rng):
        """The last ``validation_fraction`` of the windows, a stretch at the series' end.

        Windows one stride apart share most of their points, so windows drawn
        at random would be validated on points they trained on. The held-out
        windows are the last ones (of the last series, and of those before it
        when it has too few), and the training windows that share a point with
        them are left out of both sets: the validation loss is on later points
        that training never fitted (the standardization, learned before the
        split, sees every window). ``rng`` is not used.
        """
        window_size, starts = self._training_windows
        n_validation = n_held_out(
            self.validation_fraction, n_samples, self._SPLIT_UNITS, self._MORE_VALIDATION_DATA
        )
        first_held_out = n_samples - n_validation
        series_of_window = np.repeat(np.arange(len(starts)), [len(s) for s in starts])
        all_starts = np.concatenate(starts)
        # Windows of the first held-out window's series that end at or after its start.
        sharing = (series_of_window == series_of_window[first_held_out]) & (
            all_starts > all_starts[first_held_out] - window_size
        )
        train_index = np.flatnonzero(~sharing[:first_held_out])
        if len(train_index) == 0:
            if self.early_stopping == "auto":
                return np.arange(n_samples), None
            # Holding out only the last window leaves another series, or a window of the
            # last one that ends before it starts.
            last = starts[-1]
            lowering_helps = len(starts) > 1 or last[0] <= last[-1] - window_size
            raise ValueError(
                f"early_stopping holds out the last {n_validation} of {n_samples} windows "
                f"(validation_fraction={self.validation_fraction}), and the "
                f"{first_held_out} before them share points with them: none is left to "
                "train on. "
                + (
                    "Lower validation_fraction, use a smaller window_size, or fit a longer series."
                    if lowering_helps
                    else "No fraction leaves one: the series needs at least "
                    f"{2 * window_size} points for windows of {window_size}. Use a smaller "
                    "window_size, fit a longer series, or set early_stopping=False."
                )
            )
        return train_index, np.arange(first_held_out, n_samples)

    def _validate_training_data(self, X, y, reset):
        # X holds the windows that fit cut from a validated series. They are checked afresh
        # even when training continues: n_features_in_ counts the series' features here, where
        # the transformer counts the windows' steps.
        return LSTMAutoencoderTransformer._validate_training_data(self, X, y, reset=True)

    def _blocks(self, values):
        """``(starts, windows)`` blocks of the scored windows (every ``score_stride`` points).

        Each block is a contiguous copy of a bounded number of windows, and its
        starts are made with it, so memory stays flat however long the series.
        """
        windows = make_windows(values, self.window_size_)  # a view: every start
        per_block = max(1, _BLOCK_VALUES // (self.window_size_ * values.shape[1]))
        for block_starts in window_start_blocks(
            len(values), self.window_size_, self.score_stride, per_block
        ):
            yield block_starts, np.ascontiguousarray(windows[block_starts])

    def _point_accumulator(self, n_points, reduction, n_outputs=None):
        """Reduces the scores of the windows scored every ``score_stride`` points."""
        return _PointAccumulator(
            n_points,
            self.window_size_,
            reduction,
            max_coverage=-(-self.window_size_ // self.score_stride) + 1,
            n_outputs=n_outputs,
        )

    def _score_points(self, values, error_model=None):
        check_mahalanobis_fitted(self)
        accumulator = self._point_accumulator(len(values), self.reduction)
        for block_starts, block in self._blocks(values):
            residuals = self._standardized_errors(block)
            if error_model is not None:
                error_model.add(residuals)
            scores = step_scores(
                residuals, self.anomaly_score, self._error_mean, self._error_precision
            )
            if self.score_level == "window":
                scores = scores.mean(axis=1)
            accumulator.add(block_starts, scores)
        return accumulator.result()

    def _validated(self, series):
        check_is_fitted(self)
        self._check_scoring_params(self.window_size_)  # they may have been set after fit
        validated = _Series(series, self.n_features_in_, type(self).__name__)
        check_representable(validated.values, self._spec.dtype, name="series")
        _check_feature_names(self, series, reset=False)
        n_points = len(validated.values)
        if n_points < self.window_size_:
            raise ValueError(
                f"series has {n_points} points, fewer than one window of window_size_="
                f"{self.window_size_}: score a longer series."
            )
        return validated

    @_each_series
    def score_timesteps(self, series):
        """One anomaly score per time point: the higher, the more anomalous.

        Parameters
        ----------
        series : array-like of shape (n_points,) or (n_points, n_features), \
                pandas Series or DataFrame
            At least ``window_size_`` points with the features seen in fit.

        Returns
        -------
        scores : ndarray of shape (n_points,) or pandas Series
            float64; a pandas Series on the input's index for pandas input.
        """
        validated = self._validated(series)
        return validated.like(self._score_points(validated.values), "anomaly_score")

    def _mean_signed_errors(self, values):
        """Rebuilt minus given value at every point and feature, in the series' units.

        The mean over the scored windows that cover each point of the error at
        the point's own step (so ``values`` plus it is the mean rebuilt value).
        """
        accumulator = self._point_accumulator(len(values), "mean", n_outputs=values.shape[1])
        scales = self._step_scales(self.window_size_)
        for block_starts, block in self._blocks(values):
            accumulator.add(block_starts, self._standardized_errors(block) * scales)
        return accumulator.result()

    @_each_series
    def reconstruct(self, series):
        """The series as the network rebuilds it: each point's mean over its windows.

        Each point's rebuilt value is the mean, over the scored windows that
        cover it (every window by default, ``score_stride``), of the value
        the autoencoder gives the point's step when it rebuilds the window.

        Parameters
        ----------
        series : array-like of shape (n_points,) or (n_points, n_features), \
                pandas Series or DataFrame
            At least ``window_size_`` points with the features seen in fit.

        Returns
        -------
        rebuilt : ndarray of shape (n_points,) or (n_points, n_features), \
                pandas Series or DataFrame
            float64, in the series' units, shaped like ``series`` (a
            DataFrame keeps its index and columns).
        """
        validated = self._validated(series)
        values = validated.values
        return validated.like_values(values + self._mean_signed_errors(values))

    @_each_series
    def reconstruction_error(self, series, *, standardized=False):
        """Absolute reconstruction error of every point and feature: which channel is odd.

        ``|series - reconstruct(series)|``. Where :meth:`score_timesteps`
        flags an interval, the feature with the largest standardized error
        there is the one the network could not rebuild.

        Parameters
        ----------
        series : array-like of shape (n_points,) or (n_points, n_features), \
                pandas Series or DataFrame
            At least ``window_size_`` points with the features seen in fit.
        standardized : bool, default=False
            False: in the series' own units. True: divided by each feature's
            standard deviation learned in fit (the units of
            ``anomaly_score="error"``, in which every feature counts
            equally); with ``standardize=False`` nothing is learned and the
            errors stay in the series' units.

        Returns
        -------
        errors : ndarray of shape (n_points,) or (n_points, n_features), \
                pandas Series or DataFrame
            float64, shaped like ``series`` (a DataFrame keeps its index and
            columns).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_lstmae import LSTMAutoencoderSeriesDetector
        >>> time = np.arange(600)
        >>> series = np.stack([np.sin(2 * np.pi * time / 20), np.cos(2 * np.pi * time / 20)], 1)
        >>> detector = LSTMAutoencoderSeriesDetector(stride=5, units=8, epochs=20, random_state=0)
        >>> detector = detector.fit(series)
        >>> test = series.copy()
        >>> test[300:305, 1] += 2.0  # the second channel only
        >>> errors = detector.reconstruction_error(test, standardized=True)
        >>> errors.shape
        (600, 2)
        >>> int(errors[300:305].mean(axis=0).argmax())  # the channel that went wrong
        1
        """
        validated = self._validated(series)
        errors = np.abs(self._mean_signed_errors(validated.values))
        if standardized:
            # One scale per feature: the series detector reads its windows step by step
            # (no patches), so every step of a window has the same scales.
            errors /= self._step_scales(1)[0]
        return validated.like_values(errors)

    @_each_series
    def score_samples(self, series):
        """Minus :meth:`score_timesteps`: one score per time point, the lower, the more anomalous.

        scikit-learn's outlier convention (as ``IsolationForest.score_samples``),
        for tools that expect it; :meth:`score_timesteps` is aeon's.

        Parameters
        ----------
        series : array-like of shape (n_points,) or (n_points, n_features), \
                pandas Series or DataFrame
            At least ``window_size_`` points with the features seen in fit.

        Returns
        -------
        scores : ndarray of shape (n_points,) or pandas Series
            float64; a pandas Series on the input's index for pandas input.
        """
        validated = self._validated(series)
        return validated.like(-self._score_points(validated.values), "score_samples")

    @_each_series
    def decision_function(self, series):
        """``score_samples(series) - offset_``: negative where :meth:`predict` says -1.

        One value per time point: ``threshold_`` minus the point's anomaly
        score, so negative for anomalous points, positive or zero for normal
        ones. scikit-learn's threshold-free scorers read it, for example
        ``GridSearchCV(..., scoring="roc_auc")`` on labelled points; note that
        ``"average_precision"`` then measures how well the *normal* points
        (label +1) rank, as for every scikit-learn outlier detector: for the
        anomalies' AUC-PR, score ``average_precision_score(y == -1,
        detector.score_timesteps(series))``.

        Parameters
        ----------
        series : array-like of shape (n_points,) or (n_points, n_features), \
                pandas Series or DataFrame
            At least ``window_size_`` points with the features seen in fit.

        Returns
        -------
        decision : ndarray of shape (n_points,) or pandas Series
            float64; a pandas Series on the input's index for pandas input.
        """
        validated = self._validated(series)
        check_threshold_current(self, "threshold_")
        scores = self._score_points(validated.values)
        return validated.like(self.threshold_ - scores, "decision_function")

    @property
    def offset_(self):
        """``-threshold_``: ``decision_function(series) = score_samples(series) - offset_``.

        scikit-learn's name for the threshold on :meth:`score_samples`; it follows
        ``threshold_``, and setting it moves ``threshold_`` (as setting
        ``IsolationForest.offset_`` moves its decisions).
        """
        check_is_fitted(self)
        return -self.threshold_

    @offset_.setter
    def offset_(self, value):
        check_is_fitted(self)
        self.threshold_ = -float(value)

    @_each_series
    def predict(self, series):
        """+1 for a normal time point, -1 for an anomalous one (score above ``threshold_``).

        Parameters
        ----------
        series : array-like of shape (n_points,) or (n_points, n_features), \
                pandas Series or DataFrame
            At least ``window_size_`` points with the features seen in fit.

        Returns
        -------
        labels : ndarray of int of shape (n_points,) or pandas Series
            A pandas Series on the input's index for pandas input.
        """
        validated = self._validated(series)
        check_threshold_current(self, "threshold_")
        scores = self._score_points(validated.values)
        return validated.like(np.where(scores > self.threshold_, -1, 1), "label")

    def fit_predict(self, series, y=None):
        """Fit on ``series`` and label its points (+1 normal, -1 anomalous).

        Parameters
        ----------
        series : array-like of shape (n_points,) or (n_points, n_features), \
                pandas Series or DataFrame, or a list of them
            The series to fit and label (a list: several series, as in
            :meth:`fit`).
        y : None
            Ignored.

        Returns
        -------
        labels : ndarray of int of shape (n_points,) or pandas Series, or a list of them
            One per series for a list.
        """
        validated, scores = self._fit_series(series)
        labels = [
            part.like(np.where(part_scores > self.threshold_, -1, 1), "label")
            for part, part_scores in zip(validated, scores)
        ]
        return labels if _several_series(series) is not None else labels[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # One series, (n_points,) or (n_points, n_features): not a 3-D collection.
        tags.input_tags.one_d_array = True
        tags.input_tags.three_d_array = False
        return tags

"""Shortening long sequences: piecewise aggregate approximation and patches."""

import math
import warnings

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._sequences import at_width, validate_sequences, validation_attributes_kept_on_failure
from ._validation import check_positive_int

__all__ = ["PiecewiseAggregate", "TimestepPatches"]


def _like_input(values, sequences, lengths, window):
    """The shortened ``values`` in the input's layout.

    A list of sequences of different lengths gives a list, each cut to its
    own length; univariate input with one feature out gives 2-D; anything
    else the 3-D array (NaN padding after each length), ``ceil(T / window)``
    steps for an input array ``T`` steps wide, whether or not that is the
    fit's width.
    """
    if sequences.input_width is not None:
        values = at_width(values, -(-sequences.input_width // window))
    if sequences.ndim == 2 and values.shape[2] == 1:
        values = values[:, :, 0]
    if sequences.is_list and len(set(lengths.tolist())) > 1:
        return [sequence[:length] for sequence, length in zip(values, lengths)]
    return values


def _padded_to_whole_windows(values, window):
    """``values`` NaN-padded along time to whole windows: ``(padded, n_windows)``."""
    n_samples, n_steps, n_features = values.shape
    n_windows = math.ceil(n_steps / window)
    padded = np.full((n_samples, n_windows * window, n_features), np.nan, dtype=values.dtype)
    padded[:, :n_steps] = values
    return padded, n_windows


def patch_size_for(longest, max_timesteps):
    """Steps per patch so that a sequence of ``longest`` steps folds into at most ``max_timesteps``.

    Examples
    --------
    >>> from sklearn_lstmae._aggregate import patch_size_for
    >>> patch_size_for(150, 16), patch_size_for(12, 16)
    (10, 1)
    """
    return max(1, math.ceil(int(longest) / max_timesteps))


def fold_into_patches(values, lengths, window):
    """Fold every ``window`` consecutive steps into one step holding all their values.

    Parameters
    ----------
    values : ndarray of shape (n_samples, n_timesteps, n_features)
        NaN after each sequence's length.
    lengths : ndarray of int of shape (n_samples,)
    window : int

    Returns
    -------
    folded : ndarray of shape (n_samples, ceil(n_timesteps / window), window * n_features)
        Each sequence's last real step fills the rest of its last patch;
        patches after that are NaN padding.
    folded_lengths : ndarray of int of shape (n_samples,)
        ``ceil(length / window)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae._aggregate import fold_into_patches, unfold_patches
    >>> values = np.arange(5.0).reshape(1, 5, 1)
    >>> folded, lengths = fold_into_patches(values, np.array([5]), 2)
    >>> folded[0], lengths
    (array([[0., 1.],
           [2., 3.],
           [4., 4.]]), array([3]))
    >>> unfold_patches(folded, 2)[0, :5, 0]
    array([0., 1., 2., 3., 4.])
    """
    folded_lengths = -(-lengths // window)
    if window == 1:
        return values, folded_lengths
    padded, n_windows = _padded_to_whole_windows(values, window)
    last_step = values[np.arange(len(values)), np.maximum(lengths - 1, 0)]
    steps = np.arange(n_windows * window)[None, :]
    fill = (steps >= lengths[:, None]) & (steps < (folded_lengths * window)[:, None])
    padded = np.where(fill[:, :, None], last_step[:, None, :], padded)
    return padded.reshape(len(values), n_windows, -1), folded_lengths


def unfold_patches(values, window):
    """Undo :func:`fold_into_patches`' layout: ``(n, S, window * F)`` to ``(n, S * window, F)``."""
    n_samples, n_patches, width = values.shape
    return values.reshape(n_samples, n_patches * window, width // window)


def fold_sequences(sequences, patch_size):
    """Validated ``Sequences`` with every ``patch_size`` steps folded into one (1: unchanged)."""
    if patch_size == 1:
        return sequences
    values, lengths = fold_into_patches(sequences.values, sequences.lengths, patch_size)
    return sequences._replace(values=values, lengths=lengths)


def fold_padded(values, patch_size):
    """NaN-padded validated ``values`` folded into patches, lengths read off the padding."""
    if patch_size == 1:
        return values
    lengths = (~np.isnan(values).all(axis=2)).sum(axis=1)
    return fold_into_patches(values, lengths, patch_size)[0]


def step_scales(patch_scale, patch_size, n_steps):
    """Per-step, per-feature scales ``(n_steps, F)`` from a folded ``(patch_size * F,)``."""
    patch_scale = np.asarray(patch_scale, dtype=np.float64)
    n_patches = -(-n_steps // patch_size)
    return np.tile(patch_scale.reshape(patch_size, -1), (n_patches, 1))[:n_steps]


def _output_is_a_table(estimator):
    """True before fit, or after a fit whose output is a 2-D table; else AttributeError."""
    if getattr(estimator, "_configuring_output", False):
        return True
    if hasattr(estimator, "window_") and not estimator._names_out:
        raise AttributeError(
            f"This {type(estimator).__name__} was fitted on input it turns into sequences "
            "(3-D or a list), which have no named columns: get_feature_names_out and "
            "pandas output exist only for 2-D univariate input that stays 2-D."
        )
    return True


class _WindowRule(TransformerMixin, BaseEstimator):
    """Learns ``window_ = ceil(longest training sequence / max_timesteps)`` in fit."""

    # Whether windows become features (patches, 3-D out) rather than one value.
    _folds_steps_into_features = False

    def __init__(self, max_timesteps=64):
        self.max_timesteps = max_timesteps

    def fit(self, X, y=None):
        """Learn the window from the longest training sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays
            Training sequences.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        check_positive_int("max_timesteps", self.max_timesteps)
        with validation_attributes_kept_on_failure(self):  # a refused refit changes nothing
            sequences = validate_sequences(self, X, reset=True)
            window = patch_size_for(sequences.lengths.max(), self.max_timesteps)
        self.n_timesteps_in_ = sequences.values.shape[1]
        self.n_channels_in_ = sequences.values.shape[2]
        self.window_ = window
        # The output is a table with named columns only for a fixed-width
        # univariate array that stays one value per step.
        self._names_out = (
            sequences.ndim == 2
            and not sequences.is_list
            and (self.window_ == 1 or not self._folds_steps_into_features)
        )
        return self

    def set_output(self, *, transform=None):
        """Set the output container of ``transform`` and ``fit_transform``.

        As scikit-learn's ``set_output``, and always available, also after a
        fit whose output is sequences (so that a Pipeline can configure the
        steps after this one at any time). Only a 2-D table output is ever
        wrapped; sequences (3-D arrays, lists) come back as they are.

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            As in scikit-learn; None leaves the configuration unchanged.

        Returns
        -------
        self : object
            The transformer.
        """
        # scikit-learn offers set_output only while get_feature_names_out
        # exists, and ours is absent after a fit whose output is sequences;
        # it is offered while configuring. Wrapping checks again at transform.
        self._configuring_output = True
        try:
            return super().set_output(transform=transform)
        finally:
            del self._configuring_output

    @available_if(_output_is_a_table)
    def get_feature_names_out(self, input_features=None):
        """Names of the output timesteps: ``step0``, ``step1``, ...

        Available before fitting and after a fit whose output is a table: a 2-D
        array of univariate sequences of one length, where scikit-learn
        counts timesteps as features and ``transform`` gives one column per
        output step. After a fit on 3-D or list input (or, for patches, one
        that folds steps together) the output is sequences with no columns
        to name: the method is then absent, and a ``set_output``
        configuration leaves that output as it is, so the steps after this
        one in a Pipeline still give DataFrames.

        Parameters
        ----------
        input_features : array-like of str, optional
            Only checked: its length must be the fitted timesteps.

        Returns
        -------
        names : ndarray of str
        """
        check_is_fitted(self)
        if input_features is not None and len(input_features) != self.n_timesteps_in_:
            raise ValueError(
                f"input_features has {len(input_features)} names, but "
                f"{type(self).__name__} was fitted on {self.n_timesteps_in_} timesteps."
            )
        n_out = math.ceil(self.n_timesteps_in_ / self.window_)
        return np.asarray([f"step{i}" for i in range(n_out)], dtype=object)

    def _fits_the_configured_table(self, result):
        """``result``, or a clear error where a configured table cannot hold it.

        After a fit on a 2-D table with ``set_output(transform="pandas")`` (or
        "polars"), sequences of other lengths give a list or other columns,
        which scikit-learn's wrapping would turn into a shape error or a
        NaN-filled frame.
        """
        # scikit-learn keeps set_output's choice here (it has no public getter); without
        # one, the global set_config(transform_output=...) or config_context applies.
        container = getattr(self, "_sklearn_output_config", {}).get("transform")
        if container is None:
            container = get_config()["transform_output"]
        if container == "default" or not self._names_out:
            return result
        n_columns = len(self.get_feature_names_out())
        if not (
            isinstance(result, np.ndarray) and result.ndim == 2 and result.shape[1] == n_columns
        ):
            raise ValueError(
                f"This {type(self).__name__} was fitted on a table of sequences of "
                f"{self.n_timesteps_in_} steps and set to {container} output, whose "
                f"{n_columns} columns these sequences do not fill (other lengths, or a "
                "list of different lengths). Pass sequences of the fitted length, or call "
                'set_output(transform="default") to get arrays or lists back.'
            )
        return result

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]  # float32 stays float32
        return tags


class PiecewiseAggregate(_WindowRule):
    """Average long sequences over equal windows so that at most ``max_timesteps`` remain.

    The piecewise aggregate approximation (PAA) of Keogh et al. (2001): every
    sequence is cut into consecutive windows of ``window_`` steps and each
    window is replaced by its mean. ``window_`` is learned in :meth:`fit` from
    the longest training sequence alone, ``ceil(longest / max_timesteps)``, so
    sequences short enough pass unchanged and every sequence is shortened by
    the same factor at transform time. A trailing partial window is averaged
    over the steps it has.

    Recurrent encoders read long sequences poorly: the gradient has to cross
    every step, and most of the steps of a long, smooth series say little
    the neighbouring ones do not. Put this step in front of
    :class:`LSTMAutoencoderTransformer` in a Pipeline. :class:`TimestepPatches`
    shortens by the same rule without averaging anything away.

    Takes every input layout the autoencoders take (2-D univariate, 3-D,
    NaN-padded, lists of variable-length sequences). A list of sequences of
    different lengths comes back as a list, each sequence shortened to its
    own length, so that test sequences longer than the training ones still
    pass through a fitted Pipeline; everything else comes back as an array
    (2-D for univariate input, else 3-D; NaN padding stays padding).

    Parameters
    ----------
    max_timesteps : int, default=64
        The most timesteps the longest training sequence keeps (its real
        steps: a NaN-padded array keeps its width, ``ceil(width / window_)``
        after the transform, with padding after each sequence).

    Attributes
    ----------
    window_ : int
        Timesteps averaged into one; 1 when the training sequences are short
        enough already.
    n_timesteps_in_ : int
        Timesteps of the (padded) training sequences.
    n_channels_in_ : int
        Features per timestep.
    channel_names_in_ : ndarray of str
        The features' names, when ``X`` was a list of DataFrames (one per
        sequence); a later list of DataFrames must name them in this order.
    n_features_in_ : int
        As scikit-learn counts it: the second axis, timesteps.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame seen in fit.

    See Also
    --------
    TimestepPatches : Shortens by folding each window into one step's features.
    LSTMAutoencoderTransformer : Reads the shortened sequences into codes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae import PiecewiseAggregate
    >>> X = np.arange(20.0).reshape(2, 10)          # two univariate sequences
    >>> paa = PiecewiseAggregate(max_timesteps=4).fit(X)
    >>> paa.window_
    3
    >>> paa.transform(X)
    array([[ 1.,  4.,  7.,  9.],
           [11., 14., 17., 19.]])
    >>> paa.transform([np.arange(10.0), np.arange(4.0)])  # ragged stays ragged
    [array([1., 4., 7., 9.]), array([1., 3.])]
    """

    def transform(self, X):
        """Average every sequence over consecutive windows of ``window_`` steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays

        Returns
        -------
        X_short : ndarray of shape (n_samples, n_windows[, n_features]) or list
            ``ceil(T / window_)`` timesteps for a sequence of ``T``. A list
            for a list of sequences of different lengths, else an array,
            2-D for univariate input.
        """
        check_is_fitted(self)
        sequences = validate_sequences(self, X, reset=False)
        window = self.window_
        values = sequences.values
        if window > 1:
            padded, n_windows = _padded_to_whole_windows(values, window)
            with warnings.catch_warnings():
                # Windows made only of padding average to NaN: padding again.
                warnings.simplefilter("ignore", RuntimeWarning)
                values = np.nanmean(padded.reshape(len(values), n_windows, window, -1), 2)
        return self._fits_the_configured_table(
            _like_input(values, sequences, -(-sequences.lengths // window), window)
        )


class TimestepPatches(_WindowRule):
    """Fold every ``window_`` consecutive timesteps into one, keeping all their values.

    The patching of PatchTST (Nie et al., 2023), as a preprocessing step: a
    sequence of ``T`` steps with ``F`` features becomes one of
    ``ceil(T / window_)`` steps with ``window_ * F`` features, each step
    holding one window's values in time order. ``window_`` is learned in
    :meth:`fit` from the longest training sequence alone,
    ``ceil(longest / max_timesteps)``, so sequences short enough pass
    unchanged. A trailing partial window is filled by repeating the
    sequence's last step.

    Like :class:`PiecewiseAggregate` it shortens what the recurrent encoder
    has to read, so fits get faster and gradients cross fewer steps; unlike
    averaging it loses nothing: the detail inside each window reaches the
    encoder as features.

    Takes every input layout the autoencoders take (2-D univariate, 3-D,
    NaN-padded, lists of variable-length sequences). A list of sequences of
    different lengths comes back as a list of ``(steps, window_ * F)``
    arrays, so test sequences longer than the training ones still pass
    through a fitted Pipeline; everything else comes back as a 3-D array
    (NaN padding stays padding). With ``window_ == 1`` the values pass
    unchanged, laid out as :class:`PiecewiseAggregate` lays them out (2-D
    for univariate input; a list of equal lengths becomes an array).

    Parameters
    ----------
    max_timesteps : int, default=16
        The most timesteps the longest training sequence keeps (its real
        steps: a NaN-padded array keeps its width, ``ceil(width / window_)``
        after the transform, with padding after each sequence).

    Attributes
    ----------
    window_ : int
        Timesteps folded into one; 1 when the training sequences are short
        enough already.
    n_timesteps_in_ : int
        Timesteps of the (padded) training sequences.
    n_channels_in_ : int
        Features per timestep, before folding (``window_ * n_channels_in_``
        after).
    channel_names_in_ : ndarray of str
        The features' names, when ``X`` was a list of DataFrames (one per
        sequence); a later list of DataFrames must name them in this order.
    n_features_in_ : int
        As scikit-learn counts it: the second axis, timesteps.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame seen in fit.

    See Also
    --------
    PiecewiseAggregate : Shortens by averaging each window instead.
    LSTMAutoencoderTransformer : Reads the shortened sequences into codes.

    References
    ----------
    Y. Nie, N. H. Nguyen, P. Sinthong and J. Kalagnanam, "A Time Series is
    Worth 64 Words: Long-term Forecasting with Transformers", ICLR 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae import TimestepPatches
    >>> X = np.arange(14.0).reshape(2, 7)           # two univariate sequences
    >>> patches = TimestepPatches(max_timesteps=3).fit(X)
    >>> patches.window_
    3
    >>> patches.transform(X)[0]                     # 3 steps of 3 values
    array([[0., 1., 2.],
           [3., 4., 5.],
           [6., 6., 6.]])
    >>> [x.shape for x in patches.transform([np.arange(7.0), np.arange(4.0)])]
    [(3, 3), (2, 3)]
    """

    _folds_steps_into_features = True

    def __init__(self, max_timesteps=16):
        super().__init__(max_timesteps=max_timesteps)

    def transform(self, X):
        """Fold every sequence's consecutive windows of ``window_`` steps into single steps.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps[, n_features]) or list of arrays

        Returns
        -------
        X_patches : ndarray of shape (n_samples, n_windows, window_ * n_features) or list
            ``ceil(T / window_)`` timesteps for a sequence of ``T``. A list
            for a list of sequences of different lengths, else a 3-D array;
            with ``window_ == 1`` the same values, as :class:`PiecewiseAggregate`
            returns them.
        """
        check_is_fitted(self)
        sequences = validate_sequences(self, X, reset=False)
        window = self.window_
        values = sequences.values
        if window == 1:
            return self._fits_the_configured_table(
                _like_input(values, sequences, sequences.lengths, 1)
            )
        folded, windows_each = fold_into_patches(values, sequences.lengths, window)
        return _like_input(folded, sequences, windows_each, window)

"""Numpydoc shared by the estimators' docstrings, with each estimator's own defaults.

``document_defaults`` fills the ``$name`` placeholders of the shared
Parameters section from the estimator's signature, so the documentation
cannot drift from the code.
"""

import inspect
import string

__all__ = [
    "COMMON_ATTRIBUTES_DOC",
    "COMMON_PARAMETERS_DOC",
    "document_defaults",
    "signature_defaults",
]


def signature_defaults(function):
    """``{name: default}`` of ``function``'s parameters that have one."""
    return {
        name: parameter.default
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is not parameter.empty
    }


# The Parameters shared by both estimators. Each estimator has its own defaults
# for some of them: ``$name`` stands for the default of ``name`` in that
# estimator's signature, filled in by ``document_defaults``.
COMMON_PARAMETERS_DOC = """\
latent_dim : int or None, default=None
        None: the code is read off the encoder as ``code`` says (with
        ``code="last"``, the last encoder layer's final hidden state, size
        ``units[-1]``, doubled when bidirectional, as in the classic model).
        An int adds a Dense bottleneck of that size.
    cell : {"lstm", "gru"}, default=$cell
        Recurrent layer of the encoder and the decoders.
    bidirectional : bool, default=False
        Read each sequence both ways in the encoder; the code joins the final
        states of both directions.
    activation : str, default="tanh"
        Activation of the recurrent cells (any Keras activation name).
    latent_activation : str, default="linear"
        Activation of the Dense bottleneck (only with ``latent_dim``).
    dropout : float, default=0.0
        Dropout on the inputs of every recurrent layer, in training only.
    recurrent_dropout : float, default=0.0
        Dropout on the recurrent state, in training only. Any value above 0
        leaves Keras's cuDNN kernel on a GPU, as does an activation other
        than ``"tanh"``; the defaults keep it.
    loss : {"mse", "mae", "huber"}, default="mse"
        Error measured on standardized values (Huber with delta 1). Case
        does not matter, and Keras's long names (``"mean_squared_error"``,
        ``"mean_absolute_error"``, ``"huber_loss"``) are accepted.
    optimizer : str or keras.optimizers.Optimizer, default="adam"
        ``"adam"``, ``"adamw"``, ``"sgd"``, ``"rmsprop"``, or an instance of
        those Keras optimizers (its own learning rate and settings are then
        used). Updates follow Keras's formulas exactly.
    learning_rate : float, default=1e-3
        Learning rate of an optimizer given by name.
    epochs : int, default=$epochs
        Most passes over the training data.
    batch_size : int, default=32
        Sequences per gradient step (clipped to the number of samples).
    tol : float, default=$tol
        Improvement of the monitored loss that counts as progress.
    n_iter_no_change : int, default=$n_iter_no_change
        Training stops once the monitored loss has not improved by ``tol``
        for this many epochs. Monitored: the validation loss with
        ``early_stopping``; else the training loss, measured after each epoch
        without ``input_noise`` and dropout when either is on and ``epochs``
        exceeds ``n_iter_no_change`` (one extra forward pass over the
        training sequences: the noisy epoch loss can stall by chance while
        the model still improves). Reaching ``epochs``
        while it still improves raises a ``ConvergenceWarning``: more epochs
        would help.
    early_stopping : bool or "auto", default=$early_stopping
        True: hold out ``validation_fraction`` of the training sequences (or
        use ``validation_data`` given to fit), stop when their loss stops
        improving, and restore the weights of the best epoch. The validation
        loss is measured without ``input_noise`` or dropout, so it says when
        training stops helping, whatever the noise. ``"auto"``: the same
        when the split holds at least 10 sequences (100 or more with the
        default fraction; always with ``validation_data``), else monitor the
        (noise-free) training loss: small sets keep every sequence for
        training.
        ``partial_fit`` never holds out.
    validation_fraction : float, default=0.1
        Share of the training sequences held out for early stopping.
    warm_start : bool, default=False
        When fitted already, ``fit`` continues from the current weights,
        standardization and optimizer state instead of starting anew.
    callbacks : list of keras.callbacks.Callback, default=None
        Keras callbacks called during training with ``model_`` as their
        model and the epoch's ``loss`` (and ``val_loss``) in the logs;
        ``model.stop_training = True`` stops training, and weights a callback
        sets are trained on. Training runs an epoch at a time in a compiled
        loop: batch hooks are never called (a callback that defines one gets
        a warning), and the model has no ``optimizer`` (the loop keeps its
        own), so callbacks that drive the optimizer or resume from it
        (ReduceLROnPlateau, LearningRateScheduler, TensorBoard,
        BackupAndRestore) are refused. As in Keras, the
        objects given are the ones called, so their state can be read after
        fit; unlike Keras, their ``model`` is reset to None when fit ends
        (the estimator then pickles and clones without a second reference to
        its network): read ``model_`` instead. One that keeps a file object
        after training (``CSVLogger``)
        then makes the estimator unpicklable and unclonable, as it makes
        the callback itself: give such a callback only for a fit you keep.
    standardize : bool, default=True
        Standardize each feature (mean and standard deviation over samples
        and real timesteps, learned in the first fit) inside the Keras graph:
        ``encoder_`` takes raw sequences and outputs come back in the data's
        units. The training loss and the reconstruction scores (``score``,
        the detectors' anomaly scores) are in standardized units.
    dtype : {"float32", "float64"}, default="float32"
        Precision of the networks (set on each layer, never globally); numpy
        spellings (``np.float64``, ``np.dtype("float64")``) name the same. The
        networks cast their input before they standardize it: a feature far
        from zero next to its spread (a level of 1e6 moving by units) is
        rounded coarsely in float32, and ``fit`` warns; use "float64" there,
        or subtract an offset first.
    code : {"last", "pooled"}, default=$code
        How the code is read off the encoder: its final hidden state (the
        classic model), or that joined with the mean and the maximum of its
        outputs over the real timesteps (three times as long; better
        features for classification in benchmarks/quality.py). With
        ``bidirectional=True`` both forms start with each direction's final
        state (the backward one after reading back to the first step). The three
        parts differ in scale: before a distance-based model such as an RBF
        SVM, a ``StandardScaler`` is worth trying (chosen by cross-validation).
    input_noise : float, default=$input_noise
        Standard deviation of Gaussian noise added to the standardized inputs
        (to the raw inputs with ``standardize=False``) during training only:
        a denoising autoencoder (Vincent et al., 2008), whose codes must
        capture the shape of a sequence rather than its noise. The noise is
        seeded by ``random_state``; ``transform`` and the networks at
        inference never add it. 0 turns it off. The epoch's training loss
        is then noisy; the losses that stopping monitors (the validation
        loss, or the training loss measured again after the epoch) are not.
    random_state : int, RandomState instance or None, default=None
        Seeds the initial weights, dropout and the shuffling. An int gives
        the same results on every run on CPU. No global random state
        (numpy's, Python's, TensorFlow's, Keras's) is read or changed.
    verbose : int, default=0
        0 silent, 1 one progress bar over the epochs with the loss, 2 one line
        per epoch."""


def document_defaults(estimator_class):
    """Fill the ``$name`` defaults of the shared Parameters section.

    Class decorator: the defaults are read from ``estimator_class.__init__``'s
    signature, so the documentation cannot drift from the code.
    """
    defaults = {
        name: f'"{default}"' if isinstance(default, str) else repr(default)
        for name, default in signature_defaults(estimator_class.__init__).items()
    }
    doc = estimator_class.__doc__
    # A class may carry its own wording of the shared section (``_PARAMETERS_DOC``).
    shared = getattr(estimator_class, "_PARAMETERS_DOC", COMMON_PARAMETERS_DOC)
    if doc is not None:  # None under python -OO
        if shared not in doc:
            raise ValueError(f"{estimator_class.__name__}'s docstring lacks the shared Parameters.")
        # Only the shared section holds placeholders: a "$" elsewhere stays as written.
        filled = string.Template(shared).substitute(defaults)
        estimator_class.__doc__ = doc.replace(shared, filled)
    return estimator_class


COMMON_ATTRIBUTES_DOC = """\
loss_curve_ : list of float
        Mean training loss of each epoch (over all fits when warm-started).
    validation_loss_curve_ : list of float or None
        Validation loss of each epoch, when validating; as long as
        ``loss_curve_``, with NaN for the epochs of an earlier or later fit
        (warm start, partial_fit) that did not validate.
    best_loss_ : float
        Lowest value of the loss that the last call of ``fit`` or
        ``partial_fit`` monitored (validation loss with early stopping; else
        the noise-free training loss when training adds noise or dropout and
        can stop early, else the training loss), over that loss's curve in
        ``history_``.
    history_ : dict of str to list of float
        Keras-style history: ``"loss"``; ``"val_loss"`` when validating;
        ``"noise_free_loss"``, the training sequences' loss after each epoch
        without noise or dropout, when that is the monitored loss. Every
        curve has one entry per epoch, NaN where it was not measured.
    n_iter_ : int
        Epochs run (over all fits when warm-started or with partial_fit).
    n_features_in_ : int
        Columns of ``X`` seen in fit as scikit-learn counts them: the
        (padded) number of timesteps.
    feature_names_in_ : ndarray of str
        Column names, when ``X`` was a DataFrame with string column names.
    n_timesteps_in_ : int
        Timesteps of the longest training sequence: what the decoder rebuilds.
    n_channels_in_ : int
        Features per timestep of the training sequences (1 for univariate).
    channel_names_in_ : ndarray of str
        The features' names, when ``X`` was a list of DataFrames (one per
        sequence); a later list of DataFrames must name them in this order."""

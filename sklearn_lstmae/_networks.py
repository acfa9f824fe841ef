"""Keras builders for the LSTM autoencoder networks.

Pure Keras: nothing here knows scikit-learn. Each builder returns plain
``keras.Model`` objects that share their layers, so the standalone encoder and
decoders always hold the weights of the whole model.

The layout is the classic one::

    x -> standardize -> LSTM ... LSTM -> [Dense bottleneck] = code
    code -> RepeatVector(n_timesteps) -> LSTM ... LSTM -> TimeDistributed(Dense)
         -> unstandardize = reconstruction
    code -> RepeatVector(n_future) -> LSTM ... LSTM -> TimeDistributed(Dense)
         -> unstandardize = prediction            (composite model only)

Standardization lives in the non-trainable weights of :class:`Standardization`
layers, so the encoder maps raw sequences to codes and the decoders give
sequences back in the user's units.
"""

from dataclasses import asdict, dataclass

import keras
import tensorflow as tf

from ._fused import FusedGRU, FusedLSTM

__all__ = ["NetworkSpec", "Standardization", "build_networks"]


@keras.saving.register_keras_serializable(package="sklearn_lstmae")
class Standardization(keras.layers.Layer):
    """Per-feature ``(x - mean) / scale``, or its inverse, with stored constants.

    ``keras.layers.Normalization`` snapshots its mean and variance into
    constants when built, so new values set later through ``set_weights`` or
    ``stateless_call`` are ignored; this layer reads its (non-trainable)
    weights on every call.

    The forward direction also reads padding: timesteps whose features are
    all NaN are masked (the mask flows to the LSTMs, which then skip them)
    and set to 0, so NaN-padded variable-length sequences go straight in.

    Parameters
    ----------
    invert : bool, default=False
        Compute ``x * scale + mean`` instead.
    **kwargs
        Passed to ``keras.layers.Layer``.
    """

    def __init__(self, invert=False, mask_padding=True, **kwargs):
        super().__init__(**kwargs)
        self.invert = invert
        self.mask_padding = mask_padding
        self.supports_masking = True

    def build(self, input_shape):
        n_features = input_shape[-1]
        self.mean = self.add_weight(
            name="mean", shape=(n_features,), initializer="zeros", trainable=False
        )
        self.scale = self.add_weight(
            name="scale", shape=(n_features,), initializer="ones", trainable=False
        )

    def compute_mask(self, inputs, mask=None):
        if self.invert or not self.mask_padding:
            return mask
        return keras.ops.logical_not(keras.ops.all(keras.ops.isnan(inputs), axis=-1))

    def call(self, inputs):
        if self.invert:
            return inputs * self.scale + self.mean
        standardized = (inputs - self.mean) / self.scale
        return keras.ops.where(keras.ops.isnan(standardized), 0.0, standardized)

    def get_config(self):
        return {**super().get_config(), "invert": self.invert, "mask_padding": self.mask_padding}


@dataclass(frozen=True)
class NetworkSpec:
    """Everything that fixes the shapes and the graph of the networks.

    Two specs that compare equal build networks with the same weights' shapes
    and the same computation, so compiled training and inference functions can
    be shared between them. Seeds and learned values are not part of a spec.

    Parameters
    ----------
    n_timesteps : int
        Steps the reconstruction decoder rebuilds: the longest training
        sequence. The encoder reads sequences of any length.
    n_features : int
        Features per time step of the input sequences.
    units : tuple of int
        Units of each encoder layer, outermost first. The decoders mirror it.
    latent_dim : int or None
        Size of a Dense bottleneck after the encoder; None reads the code off
        the last encoder layer's final hidden state.
    activation : str
        Activation of the recurrent cells.
    latent_activation : str
        Activation of the Dense bottleneck.
    n_future : int
        Steps predicted by the prediction decoder; 0 builds a plain
        autoencoder without one.
    n_targets : int
        Features per predicted step.
    cell : {"lstm", "gru"}
        Recurrent layer type.
    bidirectional : bool
        Read the input both ways in the encoder; the code then joins both
        directions' final states.
    dropout, recurrent_dropout : float
        Dropout on the recurrent layers' inputs and recurrent state.
    dtype : {"float32", "float64"}
        Precision of every layer (set per layer, never globally).
    code : {"last", "pooled"}
        How the code is read off the last encoder layer: its final hidden
        state, or that joined with the mean and the maximum of its outputs
        over the real timesteps (:class:`TemporalPooling`).
    input_noise : float
        Standard deviation of the Gaussian noise a ``GaussianNoise`` layer
        adds to the standardized inputs in training; 0 builds no such layer.
    """

    n_timesteps: int
    n_features: int
    units: tuple
    latent_dim: int | None = None
    activation: str = "tanh"
    latent_activation: str = "linear"
    n_future: int = 0
    n_targets: int = 1
    cell: str = "lstm"
    bidirectional: bool = False
    dropout: float = 0.0
    recurrent_dropout: float = 0.0
    dtype: str = "float32"
    code: str = "last"
    input_noise: float = 0.0

    @property
    def code_size(self):
        """Length of the code vector."""
        if self.latent_dim is not None:
            return self.latent_dim
        width = self.units[-1] * (2 if self.bidirectional else 1)
        return width * (3 if self.code == "pooled" else 1)

    def to_dict(self):
        """The spec as plain JSON-able data."""
        data = asdict(self)
        data["units"] = list(self.units)
        return data

    @classmethod
    def from_dict(cls, data):
        """Inverse of :meth:`to_dict`."""
        data = dict(data)
        data["units"] = tuple(data["units"])
        return cls(**data)


def _sum_over_time(sequences):
    """Sum ``[batch, time, units]`` over time, the same for a row wherever it is in the batch.

    TensorFlow's CPU sum over the middle axis rounds differently with the
    memory alignment of a row (units=17, for example), so a sequence's code
    would change in its last bits with its place in the batch. Summing along
    the last axis does not.
    """
    return keras.ops.sum(keras.ops.transpose(sequences, (0, 2, 1)), axis=-1)


@keras.saving.register_keras_serializable(package="sklearn_lstmae")
class TemporalPooling(keras.layers.Layer):
    """Final state, mean and maximum over the real (unmasked) timesteps, joined.

    The final state is the output at each sequence's last real step, found
    from the mask (a plain recurrent layer repeats its last real output on
    masked steps, but inside ``Bidirectional`` it outputs zeros there). With
    ``directions=2`` (a bidirectional layer's output, forward half first)
    the backward half's final state is its output at the first step, where
    it has read the whole sequence; at the last step it has read one.
    Masks must be right padding (real steps first), which is all this
    library produces.

    Parameters
    ----------
    directions : {1, 2}, default=1
        Directions joined in the input's last axis.
    """

    def __init__(self, directions=1, **kwargs):
        super().__init__(**kwargs)
        if directions not in (1, 2):
            raise ValueError(f"directions must be 1 or 2, got {directions!r}.")
        self.directions = directions
        self.supports_masking = True

    def get_config(self):
        return {**super().get_config(), "directions": self.directions}

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs, mask=None):
        if mask is None:
            last = inputs[:, -1]
            mean = _sum_over_time(inputs) / keras.ops.cast(keras.ops.shape(inputs)[1], inputs.dtype)
            maximum = keras.ops.max(inputs, axis=1)
        else:
            real = keras.ops.cast(mask, inputs.dtype)[:, :, None]
            count = keras.ops.maximum(keras.ops.sum(real, axis=1), 1.0)
            # Right padding: the last real step is at length - 1.
            at_last = keras.ops.one_hot(
                keras.ops.cast(count[:, 0], "int32") - 1, keras.ops.shape(inputs)[1]
            )
            # One nonzero term per sum: exact in any order.
            last = keras.ops.sum(inputs * keras.ops.cast(at_last, inputs.dtype)[:, :, None], 1)
            mean = _sum_over_time(inputs * real) / count
            lowest = keras.ops.min(inputs, axis=1, keepdims=True)
            maximum = keras.ops.max(keras.ops.where(real > 0, inputs, lowest), axis=1)
        if self.directions == 2:
            # The backward half has read the whole sequence at the first step.
            if inputs.shape[-1] % 2:
                raise ValueError(
                    f"directions=2 needs an even last axis (forward and backward "
                    f"halves), got {inputs.shape[-1]}."
                )
            half = inputs.shape[-1] // 2
            last = keras.ops.concatenate([last[:, :half], inputs[:, 0, half:]], axis=-1)
        return keras.ops.concatenate([last, mean, maximum], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 3 * input_shape[-1])


RECURRENT_LAYERS = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}
# The engine's templates: the same layers with the time loop in one CPU op.
FUSED_LAYERS = {"lstm": FusedLSTM, "gru": FusedGRU}


class _Seeds:
    """Hands out one distinct integer seed per initializer."""

    def __init__(self, seed):
        self._next = int(seed)

    def __call__(self):
        self._next += 1
        return self._next


def _recurrent_layer(
    spec, n_units, seeds, *, return_sequences, name, go_backwards=False, fused=False, repeats=None
):
    extra = {}
    layer_class = RECURRENT_LAYERS[spec.cell]
    if fused:
        layer_class, extra = FUSED_LAYERS[spec.cell], {"repeats": repeats}
    return layer_class(
        n_units,
        **extra,
        activation=spec.activation,
        return_sequences=return_sequences,
        go_backwards=go_backwards,
        dropout=spec.dropout,
        recurrent_dropout=spec.recurrent_dropout,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seeds()),
        recurrent_initializer=keras.initializers.Orthogonal(seed=seeds()),
        # The layer's dropout seed: left unset, Keras draws it from Python's
        # global ``random`` and so moves the user's random state.
        seed=seeds(),
        dtype=spec.dtype,
        name=name,
    )


def _recurrent_stack(
    x, spec, units, *, return_last_sequences, seeds, prefix, bidirectional, fused, repeats=None
):
    for depth, n_units in enumerate(units):
        return_sequences = return_last_sequences or depth < len(units) - 1
        name = f"{prefix}_{spec.cell}_{depth}"
        if bidirectional:
            # Explicit backward layer: its own seeds, not a copy of the forward one's.
            # Always Keras's layers, never fused: Bidirectional reads backwards and
            # zeroes masked outputs, which the fused kernels do not implement.
            layer = keras.layers.Bidirectional(
                _recurrent_layer(
                    spec, n_units, seeds, return_sequences=return_sequences, name=f"{name}_forward"
                ),
                backward_layer=_recurrent_layer(
                    spec,
                    n_units,
                    seeds,
                    return_sequences=return_sequences,
                    name=f"{name}_backward",
                    go_backwards=True,
                ),
                dtype=spec.dtype,
                name=name,
            )
        else:
            layer = _recurrent_layer(
                spec,
                n_units,
                seeds,
                return_sequences=return_sequences,
                name=name,
                fused=fused,
                repeats=repeats if depth == 0 else None,
            )
        x = layer(x)
    return x


def _decoder(code, n_steps, n_outputs, spec, seeds, prefix, time_distributed, fused):
    if fused:
        # The fused first layer reads the code itself as its input at every
        # step and projects it once per sequence instead of once per step.
        x, repeats = code, n_steps
    else:
        x = keras.layers.RepeatVector(n_steps, dtype=spec.dtype, name=f"{prefix}_repeat")(code)
        repeats = None
    x = _recurrent_stack(
        x,
        spec,
        spec.units[::-1],
        return_last_sequences=True,
        seeds=seeds,
        prefix=prefix,
        bidirectional=False,
        fused=fused,
        repeats=repeats,
    )
    dense = keras.layers.Dense(
        n_outputs,
        kernel_initializer=keras.initializers.GlorotUniform(seed=seeds()),
        dtype=spec.dtype,
        name=f"{prefix}_dense",
    )
    if time_distributed:
        x = keras.layers.TimeDistributed(dense, dtype=spec.dtype, name=f"{prefix}_per_step")(x)
    else:
        # Dense acts on the last axis of any rank (see time_distributed below).
        x = dense(x)
    return Standardization(invert=True, dtype=spec.dtype, name=f"{prefix}_unscale")(x)


def require_eager_execution():
    """Refuse to build or run networks where TensorFlow does not execute eagerly.

    Keras 3 works eagerly (it traces its own graphs with ``tf.function``).
    After ``tf.compat.v1.disable_eager_execution()``, or inside ``with
    tf.Graph().as_default():``, it fails deep inside Keras ("numpy() is only
    available when eager execution is enabled", "Attempting to capture an
    EagerTensor without building a function"). This says what is wrong, and
    how to fix it, before anything is built or changed.

    Raises
    ------
    RuntimeError
        If TensorFlow is not executing eagerly in this thread.

    Examples
    --------
    >>> import tensorflow as tf
    >>> from sklearn_lstmae._networks import require_eager_execution
    >>> require_eager_execution()  # eager: TensorFlow 2's default
    >>> with tf.Graph().as_default():
    ...     require_eager_execution()
    Traceback (most recent call last):
    ...
    RuntimeError: sklearn_lstmae needs TensorFlow's eager execution, ...
    """
    if not tf.executing_eagerly():
        raise RuntimeError(
            "sklearn_lstmae needs TensorFlow's eager execution, which Keras 3 is built on, and "
            "it is off here: tf.compat.v1.disable_eager_execution() was called in this process, "
            "or this call runs inside `with tf.Graph().as_default():` or a tf.function. Call "
            "fit, transform, predict and load outside graph code (a TF1-style program can run "
            "them in a process of their own)."
        )


def build_networks(spec, seed=0, mask_padding=True, time_distributed=True, fused=False):
    """Build the autoencoder and its standalone parts.

    Parameters
    ----------
    spec : NetworkSpec
        Shapes and architecture.
    seed : int, default=0
        Base seed; every initializer gets its own seed derived from it, so the
        same seed gives the same initial weights without touching any global
        random state.
    mask_padding : bool, default=True
        Mask all-NaN (padding) timesteps. The engine also builds templates
        without the mask for data known to hold no padding: Keras's masked
        recurrence costs about 10% more, and computes the same values when
        nothing is masked.
    time_distributed : bool, default=True
        Wrap the decoders' output Dense in ``TimeDistributed``, the classic
        layout users see. The engine's templates apply the Dense to the whole
        sequence instead: the same function and weights, without the cost of
        TimeDistributed's ``vectorized_map`` gradient in training.
    fused : bool, default=False
        Build recurrent layers as :class:`~sklearn_lstmae._fused.FusedLSTM`
        or :class:`~sklearn_lstmae._fused.FusedGRU`, and
        decoders without ``RepeatVector`` (their first layer repeats the code
        itself): the same function and the same weights in the same order,
        with the time loop in one compiled op on CPU. The engine's templates
        use it; users' networks are plain Keras layers.

    Returns
    -------
    networks : dict of str to keras.Model
        ``"model"``: the whole network used in training, from raw sequences to
        the reconstruction (and, with ``spec.n_future > 0``, to the
        prediction as a second output); ``"encoder"``: sequences to codes;
        ``"decoder"``: codes to reconstructions; ``"predictor"`` (composite
        only): codes to predictions. All share layers and weights.

    Examples
    --------
    >>> from sklearn_lstmae._networks import NetworkSpec, build_networks
    >>> nets = build_networks(NetworkSpec(n_timesteps=9, n_features=1, units=(8,)))
    >>> nets["encoder"].output.shape
    (None, 8)
    """
    require_eager_execution()
    seeds = _Seeds(seed)
    # Any length: the encoder reads padded and unpadded sequences of any length.
    sequences = keras.Input((None, spec.n_features), dtype=spec.dtype, name="sequences")
    x = Standardization(dtype=spec.dtype, mask_padding=mask_padding, name="input_scale")(sequences)
    if spec.input_noise:
        # Denoising: noise on the standardized inputs, in training only.
        # Its seed is the base seed itself, which _Seeds never hands out, so
        # turning the noise on leaves every initial weight as it was.
        x = keras.layers.GaussianNoise(
            spec.input_noise, seed=int(seed), dtype=spec.dtype, name="input_noise"
        )(x)
    x = _recurrent_stack(
        x,
        spec,
        spec.units,
        return_last_sequences=spec.code == "pooled",
        seeds=seeds,
        prefix="encoder",
        bidirectional=spec.bidirectional,
        fused=fused,
    )
    if spec.code == "pooled":
        x = TemporalPooling(
            directions=2 if spec.bidirectional else 1, dtype=spec.dtype, name="encoder_pooling"
        )(x)
    if spec.latent_dim is not None:
        x = keras.layers.Dense(
            spec.latent_dim,
            activation=spec.latent_activation,
            kernel_initializer=keras.initializers.GlorotUniform(seed=seeds()),
            dtype=spec.dtype,
            name="encoder_bottleneck",
        )(x)
    code = x
    encoder = keras.Model(sequences, code, name="encoder")

    code_input = keras.Input((spec.code_size,), dtype=spec.dtype, name="code")
    reconstruction = _decoder(
        code_input,
        spec.n_timesteps,
        spec.n_features,
        spec,
        seeds,
        "reconstruction",
        time_distributed,
        fused,
    )
    decoder = keras.Model(code_input, reconstruction, name="decoder")
    networks = {"encoder": encoder, "decoder": decoder}
    outputs = [decoder(code)]
    if spec.n_future:
        prediction = _decoder(
            code_input,
            spec.n_future,
            spec.n_targets,
            spec,
            seeds,
            "prediction",
            time_distributed,
            fused,
        )
        networks["predictor"] = keras.Model(code_input, prediction, name="predictor")
        outputs.append(networks["predictor"](code))
    networks["model"] = keras.Model(
        sequences, outputs if spec.n_future else outputs[0], name="lstm_autoencoder"
    )
    return networks

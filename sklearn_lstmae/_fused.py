"""Fused CPU LSTM and GRU layers for the engine's training and inference templates.

Keras's LSTM and GRU on CPU run their time loop as a TensorFlow while loop of
small ops; for W2 of ``benchmarks/run.py`` that dispatch overhead, not
arithmetic, is most of a training step. :class:`FusedLSTM` and
:class:`FusedGRU` compute the same functions with the loop in one compiled op
(``_recurrent_kernels.cc``) and its gradient in another:

- the input projection ``x @ kernel + bias`` is one large matrix product before
  the loop; a decoder whose input is its code repeated at every step
  (``repeats``) projects the code once instead of once per step;
- the weight gradients are single large products after the loop.

The kernels are compiled with the system's C++ compiler on first use, against
the installed TensorFlow, and cached (``SKLEARN_LSTMAE_CACHE_DIR``, by default
``~/.cache/sklearn_lstmae``; see ``_kernel_build``). They sum in another order
than Keras's loop, so whole fits with and without them agree to about 1e-4
(relative), not bit for bit. Wherever they cannot be used, the layer is
Keras's own: no compiler or a failed build, a GPU (where Keras picks cuDNN),
float64, dropout in training, other activations, reading backwards, a GRU
with ``reset_after=False``, or ``SKLEARN_LSTMAE_FUSED_KERNELS=0`` in the
environment.

Only the engine's template networks use them; the networks users see are
built from Keras's own layers and share the same weights.
"""

import contextlib
import contextvars

import keras
import tensorflow as tf
from keras import tree

from ._kernel_build import load_fused_kernels

__all__ = [
    "FusedGRU",
    "FusedLSTM",
    "forward_only",
    "fused_gru",
    "fused_lstm",
    "gru_forward",
    "load_fused_kernels",
    "lstm_forward",
]


def _project(inputs, kernel, bias, repeats):
    """``inputs @ kernel + bias`` as one product: (projection, timesteps)."""
    if repeats is None:
        batch, steps = tf.shape(inputs)[0], tf.shape(inputs)[1]
        flat = tf.reshape(inputs, (-1, inputs.shape[-1]))
        width = tf.shape(kernel)[1]  # not -1: an empty batch could not infer it
        return tf.reshape(tf.matmul(flat, kernel) + bias, (batch, steps, width)), steps
    return (tf.matmul(inputs, kernel) + bias)[:, None, :], tf.constant(repeats, tf.int32)


def _input_gradients(inputs, kernel, projection_grad, repeats):
    """Gradients of inputs, kernel and bias from that of the projection."""
    width = projection_grad.shape[-1]
    if repeats is None:
        flat = tf.reshape(inputs, (-1, inputs.shape[-1]))
        flat_grad = tf.reshape(projection_grad, (-1, width))
        kernel_grad = tf.matmul(flat, flat_grad, transpose_a=True)
        inputs_grad = tf.reshape(tf.matmul(flat_grad, kernel, transpose_b=True), tf.shape(inputs))
        return inputs_grad, kernel_grad, tf.reduce_sum(flat_grad, axis=0)
    # The input is the same at every step: its gradients add up.
    step_sum = tf.reduce_sum(projection_grad, axis=1)
    kernel_grad = tf.matmul(inputs, step_sum, transpose_a=True)
    inputs_grad = tf.matmul(step_sum, kernel, transpose_b=True)
    return inputs_grad, kernel_grad, tf.reduce_sum(step_sum, axis=0)


def _recurrent_kernel_gradient(hidden, recurrent_grad):
    """Sum over steps t >= 1 of ``h[t-1]^T g[t]``, as one product (h[-1] is 0)."""
    return tf.matmul(
        tf.reshape(hidden[:, :-1], (-1, hidden.shape[-1])),
        tf.reshape(recurrent_grad[:, 1:], (-1, recurrent_grad.shape[-1])),
        transpose_a=True,
    )


def _mask_values(mask):
    # Not an input of the differentiated function: a mask has no gradient.
    return tf.zeros((0, 0)) if mask is None else tf.cast(mask, tf.float32)


def fused_lstm(inputs, kernel, recurrent_kernel, bias, repeats=None, mask=None, activation="tanh"):
    """All hidden states of an LSTM with Keras's equations and zero initial state.

    Parameters
    ----------
    inputs : tf.Tensor
        ``(batch, timesteps, features)``, or ``(batch, features)`` with
        ``repeats`` set: the same input at each of ``repeats`` steps.
    kernel, recurrent_kernel, bias : tf.Tensor
        Keras's ``LSTMCell`` weights, gates ordered i, f, c, o.
    repeats : int, optional
        Number of steps of a constant input.
    mask : tf.Tensor, optional
        ``(batch, timesteps)`` booleans, False at steps to skip: as in Keras,
        a skipped step keeps the state and repeats the previous output.
    activation : {"tanh", "relu"}, default="tanh"
        The cell's activation (candidate and output; the gates are sigmoid):
        Keras's default, or the relu of the classic LSTM autoencoder examples.

    Returns
    -------
    hidden : tf.Tensor
        ``(batch, timesteps, units)``, float32.

    Notes
    -----
    First-order gradients only: the gradient op has no gradient of its own,
    which training never needs.
    """
    kernels = load_fused_kernels()
    mask = _mask_values(mask)

    @tf.custom_gradient
    def run(inputs, kernel, recurrent_kernel, bias):
        projection, steps = _project(inputs, kernel, bias, repeats)
        hidden, cell, gates = kernels.sklearn_lstmae_lstm_sequence(
            projection, recurrent_kernel, steps, mask, activation=activation
        )

        def gradient(hidden_grad):
            grad = kernels.sklearn_lstmae_lstm_sequence_grad(
                recurrent_kernel, gates, cell, hidden_grad, mask, activation=activation
            )
            inputs_grad, kernel_grad, bias_grad = _input_gradients(inputs, kernel, grad, repeats)
            recurrent_grad = _recurrent_kernel_gradient(hidden, grad)
            return inputs_grad, kernel_grad, recurrent_grad, bias_grad

        return hidden, gradient

    return run(inputs, kernel, recurrent_kernel, bias)


def fused_gru(inputs, kernel, recurrent_kernel, bias, repeats=None, mask=None):
    """All hidden states of a GRU with Keras's equations (``reset_after=True``).

    Parameters
    ----------
    inputs : tf.Tensor
        As in :func:`fused_lstm`.
    kernel, recurrent_kernel, bias : tf.Tensor
        Keras's ``GRUCell`` weights, gates ordered z, r, h; ``bias`` is
        ``(2, 3 * units)``: the input bias, then the recurrent one.
    repeats : int, optional
        Number of steps of a constant input.
    mask : tf.Tensor, optional
        As in :func:`fused_lstm`.

    Returns
    -------
    hidden : tf.Tensor
        ``(batch, timesteps, units)``, float32.
    """
    kernels = load_fused_kernels()
    mask = _mask_values(mask)

    @tf.custom_gradient
    def run(inputs, kernel, recurrent_kernel, bias):
        projection, steps = _project(inputs, kernel, bias[0], repeats)
        hidden, gates = kernels.sklearn_lstmae_gru_sequence(
            projection, recurrent_kernel, bias[1], steps, mask
        )

        def gradient(hidden_grad):
            projection_grad, recurrent_grad = kernels.sklearn_lstmae_gru_sequence_grad(
                recurrent_kernel, gates, hidden, hidden_grad, mask
            )
            inputs_grad, kernel_grad, input_bias_grad = _input_gradients(
                inputs, kernel, projection_grad, repeats
            )
            recurrent_bias_grad = tf.reduce_sum(recurrent_grad, axis=(0, 1))
            return (
                inputs_grad,
                kernel_grad,
                _recurrent_kernel_gradient(hidden, recurrent_grad),
                tf.stack([input_bias_grad, recurrent_bias_grad]),
            )

        return hidden, gradient

    return run(inputs, kernel, recurrent_kernel, bias)


# True while the engine traces its inference functions (see forward_only).
_FORWARD_ONLY = contextvars.ContextVar("sklearn_lstmae_forward_only", default=False)


@contextlib.contextmanager
def forward_only():
    """Fused layers called with ``training=False`` in this block run forward-only ops.

    :func:`lstm_forward` and :func:`gru_forward` compute what :func:`fused_lstm`
    and :func:`fused_gru` compute (within float32 rounding), independently of
    the batch, but write only the hidden states that are returned: none of the
    gates and cell states a gradient would need, and with
    ``return_sequences=False`` only the last step. They have no gradient. The
    engine traces its inference functions (``transform``, ``predict``) in this
    block.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae._fused import FusedLSTM, forward_only
    >>> layer = FusedLSTM(4)
    >>> x = np.random.default_rng(0).normal(size=(2, 5, 3)).astype("float32")
    >>> with forward_only():
    ...     codes = layer(x)
    >>> bool(np.allclose(codes, layer(x), rtol=0, atol=1e-6))
    True
    """
    token = _FORWARD_ONLY.set(True)
    try:
        yield
    finally:
        _FORWARD_ONLY.reset(token)


def lstm_forward(
    inputs,
    kernel,
    recurrent_kernel,
    bias,
    repeats=None,
    mask=None,
    return_sequences=True,
    activation="tanh",
):
    """:func:`fused_lstm` for inference: no gradient, only the returned states written.

    The op reads the inputs themselves: each step's input projection and
    recurrent product are one matrix product, ``[h, x_t] @ [recurrent_kernel;
    kernel]``, so no projection of every step is written and read back (a
    repeated input is projected once). It sums in another order than
    :func:`fused_lstm`: the results agree within float32 rounding (about
    1e-7), and a sequence's result still does not depend on the others in
    the batch.

    Parameters
    ----------
    inputs, kernel, recurrent_kernel, bias, repeats, mask, activation
        As in :func:`fused_lstm`.
    return_sequences : bool, default=True
        Return every step's hidden state, or only the last step's.

    Returns
    -------
    hidden : tf.Tensor
        ``(batch, timesteps, units)``, or ``(batch, units)``.
    """
    if repeats is None:
        steps = tf.shape(inputs)[1]
    else:
        inputs, steps = inputs[:, None, :], tf.constant(repeats, tf.int32)
    return load_fused_kernels().sklearn_lstmae_lstm_forward(
        inputs,
        kernel,
        recurrent_kernel,
        bias,
        steps,
        _mask_values(mask),
        return_sequences=return_sequences,
        activation=activation,
    )


def gru_forward(
    inputs, kernel, recurrent_kernel, bias, repeats=None, mask=None, return_sequences=True
):
    """:func:`fused_gru` for inference, as :func:`lstm_forward` is for the LSTM.

    Parameters
    ----------
    inputs, kernel, recurrent_kernel, bias, repeats, mask
        As in :func:`fused_gru`.
    return_sequences : bool, default=True
        Return every step's hidden state, or only the last step's.

    Returns
    -------
    hidden : tf.Tensor
        ``(batch, timesteps, units)``, or ``(batch, units)``. As the LSTM's,
        the op projects each step's input itself, so a sequence's result does
        not depend on the others in the batch; it agrees with
        :func:`fused_gru`'s within float32 rounding (about 1e-7).
    """
    if repeats is None:
        steps = tf.shape(inputs)[1]
    else:
        inputs, steps = inputs[:, None, :], tf.constant(repeats, tf.int32)
    return load_fused_kernels().sklearn_lstmae_gru_forward(
        inputs,
        kernel,
        bias[0],
        recurrent_kernel,
        bias[1],
        steps,
        _mask_values(mask),
        return_sequences=return_sequences,
    )


def _has_gpu():
    return bool(tf.config.list_logical_devices("GPU"))


class _FusedRecurrence:
    """What FusedLSTM and FusedGRU share: ``repeats``, eligibility and the call."""

    def __init__(self, units, repeats=None, **kwargs):
        super().__init__(units, **kwargs)
        self.repeats = repeats
        if repeats is not None:
            self.input_spec = keras.layers.InputSpec(ndim=2)

    def _sequence_shape(self, input_shape):
        if self.repeats is None:
            return input_shape
        return (input_shape[0], self.repeats, input_shape[-1])

    def build(self, sequences_shape, initial_state_shape=None):
        super().build(self._sequence_shape(sequences_shape), initial_state_shape)

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        return super().compute_output_shape(
            self._sequence_shape(sequences_shape), initial_state_shape
        )

    def compute_mask(self, inputs, mask=None):
        return None if self.repeats is not None else super().compute_mask(inputs, mask)

    def _cell_fusable(self):
        raise NotImplementedError

    def _activation_options(self):
        return {}

    def _fusable(self, initial_state, mask, training):
        cell = self.cell
        return (
            initial_state is None
            and not self.go_backwards
            and not self.stateful
            and not self.return_state
            and not (mask is not None and self.zero_output_for_mask)
            and cell.use_bias
            and cell.recurrent_activation is keras.activations.sigmoid
            and not (training and (cell.dropout or cell.recurrent_dropout))
            and self._cell_fusable()
            and self.compute_dtype == "float32"
            and not _has_gpu()
            and load_fused_kernels() is not None
        )

    def call(self, sequences, initial_state=None, mask=None, training=False):
        if not self._fusable(initial_state, mask, training):
            if self.repeats is not None:
                sequences = keras.ops.repeat(sequences[:, None, :], self.repeats, axis=1)
            return super().call(
                sequences, initial_state=initial_state, mask=mask, training=training
            )
        cell = self.cell
        if tree.is_nested(mask):
            mask = mask[0]
        if not training and _FORWARD_ONLY.get():
            return self._forward_function()(
                tf.convert_to_tensor(sequences),
                tf.convert_to_tensor(cell.kernel),
                tf.convert_to_tensor(cell.recurrent_kernel),
                tf.convert_to_tensor(cell.bias),
                repeats=self.repeats,
                mask=mask,
                return_sequences=self.return_sequences,
                **self._activation_options(),
            )
        hidden = self._fused_function()(
            tf.convert_to_tensor(sequences),
            tf.convert_to_tensor(cell.kernel),
            tf.convert_to_tensor(cell.recurrent_kernel),
            tf.convert_to_tensor(cell.bias),
            repeats=self.repeats,
            mask=mask,
            **self._activation_options(),
        )
        return hidden if self.return_sequences else hidden[:, -1]

    def get_config(self):
        return {**super().get_config(), "repeats": self.repeats}


@keras.saving.register_keras_serializable(package="sklearn_lstmae")
class FusedLSTM(_FusedRecurrence, keras.layers.LSTM):
    """Keras's ``LSTM`` that trains faster on CPU: same weights, same function.

    Parameters
    ----------
    units : int
    repeats : int, optional
        Read a ``(batch, features)`` input as that input repeated over
        ``repeats`` steps, the way a decoder reads its code after
        ``RepeatVector``; the input projection is then computed once per
        sequence. None reads ``(batch, timesteps, features)`` sequences.
    **kwargs
        Keras ``LSTM`` arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae._fused import FusedLSTM
    >>> tuple(FusedLSTM(4, return_sequences=True)(np.zeros((2, 5, 3), "float32")).shape)
    (2, 5, 4)

    A decoder's first layer reads its code as the input of every step:

    >>> decoder_layer = FusedLSTM(4, repeats=5, return_sequences=True)
    >>> tuple(decoder_layer(np.zeros((2, 3), "float32")).shape)
    (2, 5, 4)
    """

    def _cell_fusable(self):
        return self.cell.activation in (keras.activations.tanh, keras.activations.relu)

    def _activation_options(self):
        relu = self.cell.activation is keras.activations.relu
        return {"activation": "relu" if relu else "tanh"}

    def _fused_function(self):
        return fused_lstm

    def _forward_function(self):
        return lstm_forward


@keras.saving.register_keras_serializable(package="sklearn_lstmae")
class FusedGRU(_FusedRecurrence, keras.layers.GRU):
    """Keras's ``GRU`` that trains faster on CPU: same weights, same function.

    The kernel computes Keras's default ``reset_after=True`` form; other
    forms run Keras's own GRU.

    Parameters
    ----------
    units : int
    repeats : int, optional
        As in :class:`FusedLSTM`.
    **kwargs
        Keras ``GRU`` arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lstmae._fused import FusedGRU
    >>> tuple(FusedGRU(4)(np.zeros((2, 5, 3), "float32")).shape)
    (2, 4)
    """

    def _cell_fusable(self):
        return self.cell.reset_after and self.cell.activation is keras.activations.tanh

    def _fused_function(self):
        return fused_gru

    def _forward_function(self):
        return gru_forward

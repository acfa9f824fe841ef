"""Compiled training and inference, shared by every fit of the same architecture.

A fresh ``model.fit`` traces a new TensorFlow graph for every model object,
which costs seconds per fit and leaks memory over hundreds of fits (as in a
grid search). Here each architecture (a :class:`NetworkSpec`) is traced once:
one template network runs through ``keras.Model.stateless_call`` with the
weights passed in as tensors, so the same compiled functions train and apply
any model of that architecture. A whole epoch (shuffled mini-batches and Adam
updates) runs inside one compiled call.

Pure Keras/TensorFlow: nothing here knows scikit-learn.
"""

import threading
from collections import OrderedDict

import keras
import numpy as np
import tensorflow as tf

from ._networks import build_networks

__all__ = ["get_engine", "Engine"]

# Keras's Adam defaults, so that results match a user's ``keras.optimizers.Adam``.
ADAM_BETA_1 = 0.9
ADAM_BETA_2 = 0.999
ADAM_EPSILON = 1e-7

# Each cached engine holds a few traced graphs (tens of MB); bound the cache.
MAX_CACHED_ENGINES = 24
# Inference runs on blocks of exactly this many sequences (the last one padded):
# CPU matrix kernels round differently for different batch sizes, and a fixed
# block makes each sequence's output bit-identical whatever else is passed with
# it. Blocks go through ``tf.map_fn`` in chunks of INFERENCE_BLOCKS_PER_CALL,
# which also bounds the peak memory of transform and predict.
INFERENCE_BLOCK = 64
INFERENCE_BLOCKS_PER_CALL = 64

_cache = OrderedDict()
_cache_lock = threading.Lock()


def get_engine(spec):
    """The shared :class:`Engine` for ``spec``, built on first use."""
    with _cache_lock:
        engine = _cache.pop(spec, None)
        if engine is None:
            engine = Engine(spec)
        _cache[spec] = engine
        while len(_cache) > MAX_CACHED_ENGINES:
            _cache.popitem(last=False)
        return engine


def _specs(variables):
    return [tf.TensorSpec(v.shape, v.dtype) for v in variables]


class Engine:
    """Compiled train-epoch and inference functions for one architecture.

    Parameters
    ----------
    spec : NetworkSpec
        The architecture.
    """

    def __init__(self, spec):
        self.spec = spec
        # The template's own weights are never used: they are placeholders
        # whose values every call replaces through ``stateless_call``.
        self._networks = build_networks(spec, seed=0)
        model = self._networks["model"]
        self.output_names = ["reconstruction"] + (["prediction"] if spec.n_future else [])
        trainable, non_trainable = _specs(model.trainable_variables), _specs(
            model.non_trainable_variables
        )
        batch_input = tf.TensorSpec((None, None, spec.n_features), tf.float32)
        targets = [tf.TensorSpec((None, spec.n_timesteps, spec.n_features), tf.float32)]
        if spec.n_future:
            targets.append(tf.TensorSpec((None, spec.n_future, spec.n_targets), tf.float32))
        self._train_epoch = tf.function(
            self._train_epoch_python,
            input_signature=[
                trainable,  # weights
                non_trainable,  # standardization constants
                trainable,  # Adam first moments
                trainable,  # Adam second moments
                tf.TensorSpec((), tf.float32),  # Adam step count so far
                batch_input,  # sequences
                targets,
                [tf.TensorSpec((v.shape[-1],), tf.float32) for v in targets],  # 1/scale
                [tf.TensorSpec((), tf.float32) for _ in targets],  # loss weights
                tf.TensorSpec((None,), tf.int32),  # sample order of this epoch
                tf.TensorSpec((), tf.int32),  # batch size
                tf.TensorSpec((), tf.float32),  # learning rate
            ],
        )
        self._inference = {}
        for name, network in self._networks.items():
            if name == "model":
                continue
            self._inference[name] = tf.function(
                self._make_inference(network),
                input_signature=[
                    _specs(network.trainable_variables),
                    _specs(network.non_trainable_variables),
                    tf.TensorSpec((None, INFERENCE_BLOCK, *network.input_shape[1:]), tf.float32),
                ],
            )

    # -- training ----------------------------------------------------------
    def _loss(self, trainable, non_trainable, inputs, targets, inv_scales, loss_weights):
        outputs, _ = self._networks["model"].stateless_call(
            trainable, non_trainable, inputs, training=True
        )
        if not self.spec.n_future:
            outputs = [outputs]
        loss = 0.0
        for output, target, inv_scale, weight in zip(
            outputs, targets, inv_scales, loss_weights
        ):
            # NaN marks padding: those steps count neither in the sum nor the mean.
            is_real = tf.logical_not(tf.math.is_nan(target))
            error = tf.where(is_real, (output - tf.where(is_real, target, 0.0)) * inv_scale, 0.0)
            n_real = tf.maximum(tf.reduce_sum(tf.cast(is_real, tf.float32)), 1.0)
            loss += weight * tf.reduce_sum(tf.square(error)) / n_real
        return loss

    def _train_epoch_python(
        self,
        trainable,
        non_trainable,
        first_moments,
        second_moments,
        step,
        inputs,
        targets,
        inv_scales,
        loss_weights,
        order,
        batch_size,
        learning_rate,
    ):
        n_samples = tf.shape(order)[0]
        n_batches = (n_samples + batch_size - 1) // batch_size
        total_loss = tf.constant(0.0)
        for batch in tf.range(n_batches):
            index = order[batch * batch_size : (batch + 1) * batch_size]
            batch_inputs = tf.gather(inputs, index)
            batch_targets = [tf.gather(target, index) for target in targets]
            with tf.GradientTape() as tape:
                tape.watch(trainable)
                loss = self._loss(
                    trainable, non_trainable, batch_inputs, batch_targets, inv_scales,
                    loss_weights,
                )
            gradients = tape.gradient(loss, trainable)
            step += 1.0
            alpha = (
                learning_rate
                * tf.sqrt(1.0 - tf.pow(ADAM_BETA_2, step))
                / (1.0 - tf.pow(ADAM_BETA_1, step))
            )
            first_moments = [
                m + (g - m) * (1.0 - ADAM_BETA_1) for m, g in zip(first_moments, gradients)
            ]
            second_moments = [
                v + (tf.square(g) - v) * (1.0 - ADAM_BETA_2)
                for v, g in zip(second_moments, gradients)
            ]
            trainable = [
                w - alpha * m / (tf.sqrt(v) + ADAM_EPSILON)
                for w, m, v in zip(trainable, first_moments, second_moments)
            ]
            total_loss += loss * tf.cast(tf.shape(index)[0], tf.float32)
        mean_loss = total_loss / tf.cast(n_samples, tf.float32)
        return trainable, first_moments, second_moments, step, mean_loss

    def train(self, model, inputs, targets, *, scales, loss_weights, batch_size,
              learning_rate, epochs, rng, on_epoch_end=None):
        """Train ``model`` (built from the same spec) in place with Adam.

        Parameters
        ----------
        model : keras.Model
            The ``"model"`` network of :func:`build_networks` for this spec;
            its weights are the starting point and receive the result.
        inputs : ndarray of shape (n_samples, n_timesteps, n_features), float32
            NaN-padded after each sequence's end.
        targets : list of ndarray, float32
            One per model output; NaN marks padded steps, left out of the loss.
        scales : list of ndarray of shape (n_output_features,)
            Per-feature scale of each target: errors are divided by it, so the
            loss is the mean squared error in standardized units.
        loss_weights : list of float
            Weight of each output's mean squared error (in standardized units).
        batch_size : int
        learning_rate : float
        epochs : int
        rng : numpy.random.RandomState
            Shuffles the samples every epoch.
        on_epoch_end : callable, optional
            Called as ``on_epoch_end(epoch, loss)``; returning True stops.

        Returns
        -------
        losses : list of float
            The mean training loss of each epoch.
        """
        trainable = [tf.convert_to_tensor(v.value) for v in model.trainable_variables]
        non_trainable = [tf.convert_to_tensor(v.value) for v in model.non_trainable_variables]
        first_moments = [tf.zeros_like(w) for w in trainable]
        second_moments = [tf.zeros_like(w) for w in trainable]
        step = tf.constant(0.0)
        inputs = tf.convert_to_tensor(inputs, tf.float32)
        targets = [tf.convert_to_tensor(t, tf.float32) for t in targets]
        inv_scales = [tf.constant(1.0 / np.asarray(s), tf.float32) for s in scales]
        loss_weights = [tf.constant(w, tf.float32) for w in loss_weights]
        batch_size = tf.constant(batch_size, tf.int32)
        learning_rate = tf.constant(learning_rate, tf.float32)
        n_samples = inputs.shape[0]
        losses = []
        for epoch in range(epochs):
            order = tf.constant(rng.permutation(n_samples), tf.int32)
            trainable, first_moments, second_moments, step, loss = self._train_epoch(
                trainable, non_trainable, first_moments, second_moments, step, inputs,
                targets, inv_scales, loss_weights, order, batch_size, learning_rate,
            )
            losses.append(float(loss))
            if on_epoch_end is not None and on_epoch_end(epoch, losses[-1]):
                break
        for variable, value in zip(model.trainable_variables, trainable):
            variable.assign(value)
        return losses

    # -- inference ---------------------------------------------------------
    def _make_inference(self, network):
        def infer(trainable, non_trainable, blocks):
            def one_block(block):
                outputs, _ = network.stateless_call(
                    trainable, non_trainable, block, training=False
                )
                return outputs

            return tf.map_fn(
                one_block,
                blocks,
                fn_output_signature=tf.TensorSpec(
                    (INFERENCE_BLOCK, *network.output_shape[1:]), tf.float32
                ),
            )

        return infer

    def apply(self, network, name, inputs):
        """Run one of the networks of a fitted model on ``inputs``.

        Parameters
        ----------
        network : keras.Model
            The network named ``name`` of a model built from this spec.
        name : {"encoder", "decoder", "predictor"}
        inputs : ndarray, float32

        Returns
        -------
        outputs : ndarray, float32
        """
        function = self._inference[name]
        trainable = [tf.convert_to_tensor(v.value) for v in network.trainable_variables]
        non_trainable = [
            tf.convert_to_tensor(v.value) for v in network.non_trainable_variables
        ]
        n_samples = len(inputs)
        outputs = np.empty((n_samples, *network.output_shape[1:]), np.float32)
        chunk = INFERENCE_BLOCK * INFERENCE_BLOCKS_PER_CALL
        for start in range(0, n_samples, chunk):
            block_inputs = np.asarray(inputs[start : start + chunk], np.float32)
            n_rows = len(block_inputs)
            n_blocks = -(-n_rows // INFERENCE_BLOCK)
            padding = n_blocks * INFERENCE_BLOCK - n_rows
            if padding:
                block_inputs = np.concatenate(
                    [block_inputs, np.zeros((padding, *block_inputs.shape[1:]), np.float32)]
                )
            result = function(
                trainable,
                non_trainable,
                block_inputs.reshape(n_blocks, INFERENCE_BLOCK, *block_inputs.shape[1:]),
            )
            outputs[start : start + n_rows] = result.numpy().reshape(-1, *outputs.shape[1:])[
                :n_rows
            ]
        return outputs

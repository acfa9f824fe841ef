"""Compiled training and inference, shared by every fit of the same architecture.

A fresh ``model.fit`` traces a new TensorFlow graph for every model object,
which costs seconds per fit and leaks memory over hundreds of fits (as in a
grid search). Here each architecture (a :class:`NetworkSpec`) is traced once:
one template network runs through ``keras.Model.stateless_call`` with the
weights passed in as tensors, so the same compiled functions train and apply
any model of that architecture. A whole epoch (shuffled mini-batches and
optimizer updates) runs inside one compiled call.

The optimizers are Keras's own update rules written out on tensors (Keras's
``optimizer.stateless_apply`` is refused by the TensorFlow backend); a test
compares them with Keras's optimizers step for step.

Data-parallel training: a fit that runs inside a ``tf.distribute`` strategy's
scope (``with strategy.scope(): estimator.fit(X)``) trains under that strategy
(:meth:`Trainer.run_epoch`). Each global mini-batch is split among the
replicas; one compiled step per batch runs ``strategy.run``, each replica
computes the gradient of its share of the batch's loss, the replicas' gradients
are summed with the replica context's ``all_reduce``, and every replica applies
the same update. The result is the single-device fit on the same global
batches, up to the order of floating-point sums. (Keras's ``model.fit`` cannot
train under ``MultiWorkerMirroredStrategy`` on TensorFlow, and a whole epoch
inside one ``strategy.run`` cannot all-reduce inside its loop: hence one
``strategy.run`` per step.)

Pure Keras/TensorFlow: nothing here knows scikit-learn.
"""

import functools
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from ._fused import forward_only
from ._networks import build_networks, require_eager_execution

__all__ = ["get_engine", "active_strategy", "Engine", "OptimizerConfig", "Trainer", "LOSSES"]

# Each cached engine holds a few traced graphs (tens of MB); bound the cache.
MAX_CACHED_ENGINES = 24
# Inference runs on blocks of exactly this many sequences (the last one padded):
# CPU matrix kernels round differently for different batch sizes, and a fixed
# block makes each sequence's output bit-identical whatever else is passed with
# it. Blocks go through ``tf.map_fn`` in chunks of INFERENCE_BLOCKS_PER_CALL,
# which also bounds the peak memory of transform and predict.
INFERENCE_BLOCK = 256
INFERENCE_BLOCKS_PER_CALL = 16
# Sequences per compiled call when evaluating a validation loss.
EVALUATION_CHUNK = 1024

LOSSES = ("mse", "mae", "huber")
# Under a tf.distribute strategy each replica draws its noise and dropout from
# its own stream: its seed generators' seeds are moved by this much per replica.
REPLICA_SEED_STRIDE = 0x9E3779B9

_cache = OrderedDict()
_cache_lock = threading.Lock()


def get_engine(spec):
    """The shared :class:`Engine` for ``spec``, built on first use."""
    require_eager_execution()
    with _cache_lock:
        engine = _cache.pop(spec, None)
        if engine is None:
            engine = Engine(spec)
        _cache[spec] = engine
        while len(_cache) > MAX_CACHED_ENGINES:
            _cache.popitem(last=False)
        return engine


@dataclass(frozen=True)
class OptimizerConfig:
    """One of Keras's optimizers, by its update rule and hyperparameters.

    ``name`` is ``"adam"`` (with ``weight_decay`` > 0: AdamW), ``"sgd"`` or
    ``"rmsprop"``; ``weight_decay`` applies to each of them, as in Keras;
    defaults are Keras's.
    """

    name: str = "adam"
    learning_rate: float = 1e-3
    beta_1: float = 0.9
    beta_2: float = 0.999
    epsilon: float = 1e-7
    weight_decay: float = 0.0
    momentum: float = 0.0
    nesterov: bool = False
    rho: float = 0.9

    def hyperparameters(self, dtype):
        return {
            "learning_rate": tf.constant(self.learning_rate, dtype),
            "beta_1": tf.constant(self.beta_1, dtype),
            "beta_2": tf.constant(self.beta_2, dtype),
            "epsilon": tf.constant(self.epsilon, dtype),
            "weight_decay": tf.constant(self.weight_decay, dtype),
            "momentum": tf.constant(self.momentum, dtype),
            "nesterov": tf.constant(float(self.nesterov), dtype),
            "rho": tf.constant(self.rho, dtype),
        }


def _apply_optimizer(name, h, step, weights, gradients, slots_a, slots_b):
    """One update of Keras's ``name`` optimizer; returns new weights and slots.

    Every rule keeps two slots per weight (unused ones stay zero), so the
    state has one structure whatever the optimizer.
    """
    # Keras decays every weight before any rule's update (BaseOptimizer._apply_weight_decay),
    # for SGD and RMSprop as for Adam; 0 leaves them as they are.
    weights = [w - w * h["weight_decay"] * h["learning_rate"] for w in weights]
    if name == "adam":  # keras.optimizers.Adam / AdamW
        alpha = (
            h["learning_rate"]
            * tf.sqrt(1.0 - tf.pow(h["beta_2"], step))
            / (1.0 - tf.pow(h["beta_1"], step))
        )
        slots_a = [m + (g - m) * (1.0 - h["beta_1"]) for m, g in zip(slots_a, gradients)]
        slots_b = [v + (tf.square(g) - v) * (1.0 - h["beta_2"]) for v, g in zip(slots_b, gradients)]
        weights = [
            w - (m * alpha) / (tf.sqrt(v) + h["epsilon"])
            for w, m, v in zip(weights, slots_a, slots_b)
        ]
    elif name == "sgd":  # keras.optimizers.SGD (momentum 0 reduces to w -= lr * g)
        slots_a = [m * h["momentum"] - g * h["learning_rate"] for m, g in zip(slots_a, gradients)]
        weights = [
            w + m + h["nesterov"] * (m * h["momentum"] - g * h["learning_rate"] - m)
            for w, m, g in zip(weights, slots_a, gradients)
        ]
    elif name == "rmsprop":  # keras.optimizers.RMSprop, centered=False
        slots_b = [
            h["rho"] * v + (1.0 - h["rho"]) * tf.square(g) for v, g in zip(slots_b, gradients)
        ]
        increments = [
            h["learning_rate"] * g / tf.sqrt(v + h["epsilon"]) for g, v in zip(gradients, slots_b)
        ]
        slots_a = [h["momentum"] * m + inc for m, inc in zip(slots_a, increments)]
        weights = [w - m for w, m in zip(weights, slots_a)]
    else:  # pragma: no cover - OptimizerConfig is validated upstream
        raise ValueError(f"Unknown optimizer {name!r}.")
    return weights, slots_a, slots_b


def _elementwise_loss(kind, error):
    if kind == "mse":
        return tf.square(error)
    if kind == "mae":
        return tf.abs(error)
    # Huber with delta 1, as keras.losses.Huber().
    absolute = tf.abs(error)
    return tf.where(absolute <= 1.0, 0.5 * tf.square(error), absolute - 0.5)


def _compile(function, input_signature):
    """``tf.function`` with a fixed signature, counted apart from other engines'.

    TensorFlow counts traces per Python code object and warns about
    "retracing" when functions from the same source trace often; every engine
    traces its own functions once, by design. A ``functools.partial`` has no
    code object, so each engine's functions are counted on their own and a
    real retrace would still be reported.
    """
    return tf.function(functools.partial(function), input_signature=input_signature)


def _has_padding(values):
    """Whether NaN (padding) occurs: a reduction, no array-sized temporary."""
    return bool(np.isnan(np.min(values))) if np.size(values) else False


def _specs(variables):
    return [tf.TensorSpec(v.shape, v.dtype) for v in variables]


def active_strategy():
    """The ``tf.distribute`` strategy whose scope the caller runs in, or None.

    None outside any strategy's scope (TensorFlow's default strategy) and
    inside a replica function (where training cannot start another
    ``strategy.run``).

    Examples
    --------
    >>> import tensorflow as tf
    >>> from sklearn_lstmae._engine import active_strategy
    >>> active_strategy() is None
    True
    >>> strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    >>> with strategy.scope():
    ...     active_strategy() is strategy
    True
    """
    if not tf.distribute.has_strategy() or not tf.distribute.in_cross_replica_context():
        return None
    return tf.distribute.get_strategy()


class Engine:
    """Compiled train-epoch, evaluation and inference functions for one architecture.

    Parameters
    ----------
    spec : NetworkSpec
        The architecture.
    """

    def __init__(self, spec):
        self.spec = spec
        self.dtype = tf.as_dtype(spec.dtype)
        # The templates' own weights are never used: they are placeholders
        # whose values every call replaces through ``stateless_call``. One
        # masks padding; the other, for data without padding, skips Keras's
        # masked recurrence (about 10% slower) and computes the same values.
        # Both apply the decoders' output Dense without TimeDistributed
        # (see build_networks), and build LSTMs as FusedLSTM:
        # the same function and weights, with the time loop in one compiled
        # op on CPU wherever it applies (Keras's LSTM elsewhere).
        self._templates = {
            padded: build_networks(
                spec, seed=0, mask_padding=padded, time_distributed=False, fused=True
            )
            for padded in (True, False)
        }
        model = self._templates[True]["model"]
        self._trainable_specs = _specs(model.trainable_variables)
        self._non_trainable_specs = _specs(model.non_trainable_variables)
        # Training inputs are the reconstruction targets, padded to n_timesteps.
        inputs = tf.TensorSpec((None, spec.n_timesteps, spec.n_features), self.dtype)
        targets = [inputs]
        if spec.n_future:
            targets.append(tf.TensorSpec((None, spec.n_future, spec.n_targets), self.dtype))
        scalar = tf.TensorSpec((), self.dtype)
        self._data_specs = [
            inputs,
            targets,
            tf.TensorSpec((None,), self.dtype),  # sample weights
            [tf.TensorSpec((t.shape[-1],), self.dtype) for t in targets],  # 1 / scale
            [scalar for _ in targets],  # loss weights
        ]
        self._hyper_specs = {key: scalar for key in OptimizerConfig().hyperparameters(tf.float32)}
        self._train_functions = {}
        self._evaluate_functions = {}
        # Compiled distributed steps, per strategy (dropped with the strategy).
        self._distributed_steps = weakref.WeakKeyDictionary()
        self._seed_states = ["seed_generator" in v.path for v in model.non_trainable_variables]
        self._functions_lock = threading.Lock()
        self._inference = {}
        for padded, networks in self._templates.items():
            for name, network in networks.items():
                if name == "model" or (name != "encoder" and not padded):
                    continue  # only the encoder reads padding
                self._inference[name, padded] = _compile(
                    self._make_inference(network),
                    input_signature=[
                        _specs(network.trainable_variables),
                        _specs(network.non_trainable_variables),
                        tf.TensorSpec(
                            (None, INFERENCE_BLOCK, *network.input_shape[1:]), self.dtype
                        ),
                    ],
                )

    # -- training ----------------------------------------------------------
    def _loss_terms(
        self,
        loss_kind,
        trainable,
        non_trainable,
        inputs,
        targets,
        sample_weight,
        inv_scales,
        training,
        padded,
    ):
        """Per output: (sum of weighted element losses, sum of weights over real elements)."""
        outputs, non_trainable = self._templates[padded]["model"].stateless_call(
            trainable, non_trainable, inputs, training=training
        )
        if not self.spec.n_future:
            outputs = [outputs]
        terms = []
        for output, target, inv_scale in zip(outputs, targets, inv_scales):
            # NaN marks padding: those steps count neither in the sum nor the mean.
            is_real = tf.logical_not(tf.math.is_nan(target))
            error = tf.where(is_real, (output - tf.where(is_real, target, 0.0)) * inv_scale, 0.0)
            weight = tf.cast(is_real, self.dtype) * sample_weight[:, None, None]
            terms.append(
                (
                    tf.reduce_sum(_elementwise_loss(loss_kind, error) * weight),
                    tf.reduce_sum(weight),
                )
            )
        return terms, non_trainable

    @staticmethod
    def _combine(terms, loss_weights):
        loss = 0.0
        for (total, weight_sum), loss_weight in zip(terms, loss_weights):
            loss += loss_weight * total / tf.maximum(weight_sum, 1e-12)
        return loss

    def _train_function(self, loss_kind, optimizer_name, padded):
        key = (loss_kind, optimizer_name, padded)
        with self._functions_lock:
            if key not in self._train_functions:
                self._train_functions[key] = self._make_train_function(*key)
            return self._train_functions[key]

    def _make_train_function(self, loss_kind, optimizer_name, padded):
        def train_epoch(
            trainable,
            non_trainable,
            slots_a,
            slots_b,
            step,
            inputs,
            targets,
            sample_weight,
            inv_scales,
            loss_weights,
            order,
            batch_size,
            hyper,
        ):
            n_samples = tf.shape(order)[0]
            n_batches = (n_samples + batch_size - 1) // batch_size
            total_loss = tf.constant(0.0, self.dtype)
            for batch in tf.range(n_batches):
                index = order[batch * batch_size : (batch + 1) * batch_size]
                batch_inputs = tf.gather(inputs, index)
                batch_targets = [tf.gather(target, index) for target in targets]
                batch_weight = tf.gather(sample_weight, index)
                with tf.GradientTape() as tape:
                    tape.watch(trainable)
                    terms, non_trainable = self._loss_terms(
                        loss_kind,
                        trainable,
                        non_trainable,
                        batch_inputs,
                        batch_targets,
                        batch_weight,
                        inv_scales,
                        training=True,
                        padded=padded,
                    )
                    loss = self._combine(terms, loss_weights)
                gradients = tape.gradient(loss, trainable)
                step += 1.0
                trainable, slots_a, slots_b = _apply_optimizer(
                    optimizer_name, hyper, step, trainable, gradients, slots_a, slots_b
                )
                total_loss += loss * tf.cast(tf.shape(index)[0], self.dtype)
            mean_loss = total_loss / tf.cast(n_samples, self.dtype)
            return trainable, non_trainable, slots_a, slots_b, step, mean_loss

        trainable, non_trainable = self._trainable_specs, self._non_trainable_specs
        return _compile(
            train_epoch,
            input_signature=[
                trainable,
                non_trainable,
                trainable,
                trainable,
                tf.TensorSpec((), self.dtype),  # optimizer steps so far
                *self._data_specs,
                tf.TensorSpec((None,), tf.int32),  # sample order of this epoch
                tf.TensorSpec((), tf.int32),  # batch size
                self._hyper_specs,
            ],
        )

    def _distributed_step(self, strategy, loss_kind, optimizer_name, padded):
        with self._functions_lock:
            steps = self._distributed_steps.setdefault(strategy, {})
            key = (loss_kind, optimizer_name, padded)
            if key not in steps:
                steps[key] = self._make_distributed_step(strategy, *key)
            return steps[key]

    def _make_distributed_step(self, strategy, loss_kind, optimizer_name, padded):
        """One optimizer step on one global batch, split among the strategy's replicas.

        Every replica reads the whole data set and takes its contiguous share
        of the batch's indices (multi-worker strategies: every worker fits on
        the same data with the same ``random_state``, so all agree on the
        batches). The loss is the single-device batch loss written as a sum
        over replicas: each replica divides its weighted error sum by the
        weight sum of the whole batch, so the all-reduced sum of the
        replicas' gradients is the gradient of the whole batch's loss.
        """
        seed_states = self._seed_states

        def replica_step(
            trainable,
            non_trainable,
            slots_a,
            slots_b,
            step,
            inputs,
            targets,
            sample_weight,
            inv_scales,
            loss_weights,
            index,
            hyper,
        ):
            context = tf.distribute.get_replica_context()
            n_replicas = context.num_replicas_in_sync
            replica = tf.cast(context.replica_id_in_sync_group, tf.int32)
            share = (tf.shape(index)[0] + n_replicas - 1) // n_replicas
            local = index[replica * share : (replica + 1) * share]
            offset = tf.cast(replica, tf.int64) * REPLICA_SEED_STRIDE
            non_trainable = [
                state + tf.stack([tf.cast(offset, state.dtype), tf.zeros((), state.dtype)])
                if is_seed
                else state
                for state, is_seed in zip(non_trainable, seed_states)
            ]
            with tf.GradientTape() as tape:
                tape.watch(trainable)
                terms, non_trainable = self._loss_terms(
                    loss_kind,
                    trainable,
                    non_trainable,
                    tf.gather(inputs, local),
                    [tf.gather(target, local) for target in targets],
                    tf.gather(sample_weight, local),
                    inv_scales,
                    training=True,
                    padded=padded,
                )
                with tape.stop_recording():
                    weight_sums = context.all_reduce(
                        tf.distribute.ReduceOp.SUM, [weight_sum for _, weight_sum in terms]
                    )
                loss = self._combine(
                    [(total, tf.stop_gradient(w)) for (total, _), w in zip(terms, weight_sums)],
                    loss_weights,
                )
            gradients = context.all_reduce(
                tf.distribute.ReduceOp.SUM, tape.gradient(loss, trainable)
            )
            loss = context.all_reduce(tf.distribute.ReduceOp.SUM, loss)
            step += 1.0
            trainable, slots_a, slots_b = _apply_optimizer(
                optimizer_name, hyper, step, trainable, gradients, slots_a, slots_b
            )
            non_trainable = [
                state - tf.stack([tf.cast(offset, state.dtype), tf.zeros((), state.dtype)])
                if is_seed
                else state
                for state, is_seed in zip(non_trainable, seed_states)
            ]
            return trainable, non_trainable, slots_a, slots_b, step, loss

        def distributed_step(*args):
            results = strategy.run(replica_step, args=args)
            # Every replica holds the same values after the all-reduce: keep the first.
            return tf.nest.map_structure(
                lambda value: strategy.experimental_local_results(value)[0], results
            )

        trainable, non_trainable = self._trainable_specs, self._non_trainable_specs
        return _compile(
            distributed_step,
            input_signature=[
                trainable,
                non_trainable,
                trainable,
                trainable,
                tf.TensorSpec((), self.dtype),  # optimizer steps so far
                *self._data_specs,
                tf.TensorSpec((None,), tf.int32),  # the global batch's sample indices
                self._hyper_specs,
            ],
        )

    def _evaluate_function(self, loss_kind, padded):
        with self._functions_lock:
            if (loss_kind, padded) not in self._evaluate_functions:

                def evaluate(
                    trainable,
                    non_trainable,
                    inputs,
                    targets,
                    sample_weight,
                    inv_scales,
                    loss_weights,
                ):
                    terms, _ = self._loss_terms(
                        loss_kind,
                        trainable,
                        non_trainable,
                        inputs,
                        targets,
                        sample_weight,
                        inv_scales,
                        training=False,
                        padded=padded,
                    )
                    return [tf.stack(term) for term in terms]

                self._evaluate_functions[loss_kind, padded] = _compile(
                    evaluate,
                    input_signature=[
                        self._trainable_specs,
                        self._non_trainable_specs,
                        *self._data_specs,
                    ],
                )
            return self._evaluate_functions[loss_kind, padded]

    # -- inference ---------------------------------------------------------
    def _make_inference(self, network):
        def infer(trainable, non_trainable, blocks):
            def one_block(block):
                # Fused layers trace their forward-only ops here (no gradient state).
                with forward_only():
                    outputs, _ = network.stateless_call(
                        trainable, non_trainable, block, training=False
                    )
                return outputs

            return tf.map_fn(
                one_block,
                blocks,
                fn_output_signature=tf.TensorSpec(
                    (INFERENCE_BLOCK, *network.output_shape[1:]), self.dtype
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
        inputs : ndarray

        Returns
        -------
        outputs : ndarray in the spec's dtype
        """
        trainable = [tf.convert_to_tensor(v.value) for v in network.trainable_variables]
        non_trainable = [tf.convert_to_tensor(v.value) for v in network.non_trainable_variables]
        n_samples = len(inputs)
        dtype = self.dtype.as_numpy_dtype
        outputs = np.empty((n_samples, *network.output_shape[1:]), dtype)
        chunk = INFERENCE_BLOCK * INFERENCE_BLOCKS_PER_CALL
        for start in range(0, n_samples, chunk):
            block_inputs = np.asarray(inputs[start : start + chunk], dtype)
            n_rows = len(block_inputs)
            n_blocks = -(-n_rows // INFERENCE_BLOCK)
            padding = n_blocks * INFERENCE_BLOCK - n_rows
            if padding:
                block_inputs = np.concatenate(
                    [block_inputs, np.zeros((padding, *block_inputs.shape[1:]), dtype)]
                )
            # Encoding skips the padding mask for chunks without padding.
            padded = name != "encoder" or _has_padding(block_inputs)
            result = self._inference[name, padded](
                trainable,
                non_trainable,
                block_inputs.reshape(n_blocks, INFERENCE_BLOCK, *block_inputs.shape[1:]),
            )
            outputs[start : start + n_rows] = result.numpy().reshape(-1, *outputs.shape[1:])[
                :n_rows
            ]
        return outputs

    def trainer(self, model, *, loss, optimizer, scales, loss_weights, state=None):
        """A :class:`Trainer` that trains ``model`` (built from this spec)."""
        return Trainer(
            self,
            model,
            loss=loss,
            optimizer=optimizer,
            scales=scales,
            loss_weights=loss_weights,
            state=state,
        )


class Trainer:
    """Weights and optimizer state of one training run, advanced an epoch at a time.

    Parameters
    ----------
    engine : Engine
    model : keras.Model
        The ``"model"`` network of :func:`build_networks` for the engine's
        spec: its weights are the starting point.
    loss : {"mse", "mae", "huber"}
        Element loss on standardized errors.
    optimizer : OptimizerConfig
    scales : list of ndarray of shape (n_output_features,)
        Per-feature scale of each target: errors are divided by it.
    loss_weights : list of float
        Weight of each output's loss.
    state : dict, optional
        Optimizer state from :meth:`optimizer_state` of an earlier run, to
        continue it (warm start, partial_fit).
    """

    def __init__(self, engine, model, *, loss, optimizer, scales, loss_weights, state=None):
        self.engine = engine
        dtype = engine.dtype
        self._loss, self._optimizer_name = loss, optimizer.name
        self.read_from(model)
        if state is None:
            self.slots_a = [tf.zeros_like(w) for w in self.trainable]
            self.slots_b = [tf.zeros_like(w) for w in self.trainable]
            self.step = tf.constant(0.0, dtype)
        else:
            self.slots_a = [tf.constant(s, dtype) for s in state["slots_a"]]
            self.slots_b = [tf.constant(s, dtype) for s in state["slots_b"]]
            self.step = tf.constant(state["step"], dtype)
        self.hyper = optimizer.hyperparameters(dtype)
        self.inv_scales = [tf.constant(1.0 / np.asarray(s), dtype) for s in scales]
        self.loss_weights = [tf.constant(w, dtype) for w in loss_weights]

    def data(self, inputs, targets, sample_weight=None):
        """Convert a data set to tensors once, for :meth:`run_epoch` and :meth:`evaluate`.

        Whether the inputs hold padding is decided here, once: data without
        any runs through the templates without a mask.
        """
        dtype = self.engine.dtype
        if sample_weight is None:
            sample_weight = np.ones(len(inputs))
        return (
            tf.convert_to_tensor(inputs, dtype),
            [tf.convert_to_tensor(t, dtype) for t in targets],
            tf.convert_to_tensor(sample_weight, dtype),
            _has_padding(inputs),
        )

    def run_epoch(self, data, order, batch_size):
        """One pass over ``data`` in the given sample order; returns the mean loss.

        Inside a ``tf.distribute`` strategy's scope (see :func:`active_strategy`)
        each batch is split among the strategy's replicas.
        """
        strategy = active_strategy()
        if strategy is not None:
            return self._run_distributed_epoch(strategy, data, order, batch_size)
        inputs, targets, sample_weight, padded = data
        train_epoch = self.engine._train_function(self._loss, self._optimizer_name, padded)
        (self.trainable, self.non_trainable, self.slots_a, self.slots_b, self.step, loss) = (
            train_epoch(
                self.trainable,
                self.non_trainable,
                self.slots_a,
                self.slots_b,
                self.step,
                inputs,
                targets,
                sample_weight,
                self.inv_scales,
                self.loss_weights,
                tf.constant(order, tf.int32),
                tf.constant(batch_size, tf.int32),
                self.hyper,
            )
        )
        return float(loss)

    def _run_distributed_epoch(self, strategy, data, order, batch_size):
        inputs, targets, sample_weight, padded = data
        step_function = self.engine._distributed_step(
            strategy, self._loss, self._optimizer_name, padded
        )
        order = np.asarray(order, np.int32)
        total_loss = 0.0
        for start in range(0, len(order), batch_size):
            index = order[start : start + batch_size]
            (self.trainable, self.non_trainable, self.slots_a, self.slots_b, self.step, loss) = (
                step_function(
                    self.trainable,
                    self.non_trainable,
                    self.slots_a,
                    self.slots_b,
                    self.step,
                    inputs,
                    targets,
                    sample_weight,
                    self.inv_scales,
                    self.loss_weights,
                    tf.constant(index),
                    self.hyper,
                )
            )
            total_loss += float(loss) * len(index)
        return total_loss / len(order)

    def evaluate(self, data):
        """Loss on ``data`` with the current weights (no dropout), in bounded chunks."""
        inputs, targets, sample_weight, padded = data
        evaluate = self.engine._evaluate_function(self._loss, padded)
        sums = None
        for start in range(0, int(inputs.shape[0]), EVALUATION_CHUNK):
            chunk = slice(start, start + EVALUATION_CHUNK)
            terms = evaluate(
                self.trainable,
                self.non_trainable,
                inputs[chunk],
                [t[chunk] for t in targets],
                sample_weight[chunk],
                self.inv_scales,
                self.loss_weights,
            )
            terms = np.array([t.numpy() for t in terms], dtype=np.float64)
            sums = terms if sums is None else sums + terms
        weights = np.array([float(w) for w in self.loss_weights])
        return float(np.sum(weights * sums[:, 0] / np.maximum(sums[:, 1], 1e-12)))

    def read_from(self, model):
        self.trainable = [tf.convert_to_tensor(v.value) for v in model.trainable_variables]
        self.non_trainable = [tf.convert_to_tensor(v.value) for v in model.non_trainable_variables]

    def write_to(self, model):
        for variable, value in zip(model.trainable_variables, self.trainable):
            variable.assign(value)
        for variable, value in zip(model.non_trainable_variables, self.non_trainable):
            variable.assign(value)

    def snapshot(self):
        """The current weights, to restore later (tensors are immutable)."""
        return list(self.trainable), list(self.non_trainable)

    def restore(self, snapshot):
        self.trainable, self.non_trainable = list(snapshot[0]), list(snapshot[1])

    def weights_are_finite(self):
        return all(bool(tf.reduce_all(tf.math.is_finite(w))) for w in self.trainable)

    def optimizer_state(self):
        """Plain numpy state, to continue this run later."""
        return {
            "slots_a": [s.numpy() for s in self.slots_a],
            "slots_b": [s.numpy() for s in self.slots_b],
            "step": float(self.step),
        }

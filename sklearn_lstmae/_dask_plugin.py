"""The Dask worker plugin of :func:`sklearn_lstmae.distributed.tensorflow_threads_plugin`.

Kept apart because it imports ``distributed``, an optional dependency.
"""

import uuid
import warnings

from distributed.diagnostics.plugin import WorkerPlugin

from .distributed import _limit_tensorflow_threads

# The tokens of the plugins made in this interpreter.
_MADE_HERE = set()


class TensorFlowThreads(WorkerPlugin):
    """Set each worker's TensorFlow thread pools when the worker starts.

    Parameters
    ----------
    n_threads : int or None
        Threads per worker; None uses the worker's Dask thread count.
    """

    name = "sklearn-lstmae-tensorflow-threads"

    def __init__(self, n_threads=None):
        self.n_threads = n_threads
        # Workers in the client's own interpreter (processes=False) share its TensorFlow. A
        # token made here is known only to this interpreter: a worker process, even one with
        # the same host name and process id (a container), has never seen it.
        self.token = uuid.uuid4().hex
        _MADE_HERE.add(self.token)

    def setup(self, worker):
        if self.token in _MADE_HERE:
            warnings.warn(
                "These Dask workers run in the client's own process (a LocalCluster with "
                "processes=False): their TensorFlow is the client's, which the plugin leaves "
                "as it is. Set its threads with tf.config.threading before TensorFlow starts, "
                "or start the workers as processes to give each its share.",
                UserWarning,
                stacklevel=2,
            )
            return
        n_threads = self.n_threads or worker.state.nthreads
        _limit_tensorflow_threads(n_threads)

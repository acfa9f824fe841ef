"""The Dask worker plugin of :func:`sklearn_lstmae.distributed.tensorflow_threads_plugin`.

Kept apart because it imports ``distributed``, an optional dependency.
"""

from distributed.diagnostics.plugin import WorkerPlugin

from .distributed import _limit_tensorflow_threads


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

    def setup(self, worker):
        n_threads = self.n_threads or worker.state.nthreads
        _limit_tensorflow_threads(n_threads)

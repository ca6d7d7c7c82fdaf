"""The worker plugin that sends a saved coder to every Dask worker once (imported only by
``code --engine dask``: it needs ``distributed``)."""

from __future__ import annotations

from distributed import WorkerPlugin


class SendCoder(WorkerPlugin):
    """Keeps ``coder`` in each worker process under ``key`` (:func:`.chunks.keep_coder`),
    also in workers that join later: the workers need no shared file system for it."""

    def __init__(self, key: str, coder) -> None:
        self.key = key
        self.coder = coder

    def setup(self, worker) -> None:
        from .chunks import keep_coder

        keep_coder(self.key, self.coder)

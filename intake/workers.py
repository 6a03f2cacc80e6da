"""Parse and extract in worker processes, while this process stores what came before.

The stages that need no database are pure functions of a message's bytes, and cost
about as much as storing it; on a machine with a spare core they run beside the
store stage instead of before it. Workers start only when a batch is big enough to
repay their start-up (each loads the rules once), and live until the service stops.
"""

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from intake.config import Settings
from intake.stages import Prepared, Stages, prepare

log = logging.getLogger("intake.workers")

Pending = Callable[[], list[Prepared]]  # the prepared messages, in order, when asked

_stages: Stages | None = None  # in a worker: built once by _start_worker


def _start_worker(settings: Settings, parent: int) -> None:
    global _stages
    from intake.app import App  # the composition root builds the stages, as in the parent

    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    _stages = App.build(settings).stages


def _exit_with(parent: int) -> None:
    """A worker whose service was killed (``kill -9``, a crash) is left waiting for work
    that never comes: it leaves too, at most a second later."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


def _prepare_in_worker(raws: list[bytes]) -> list[Prepared]:
    assert _stages is not None
    return [prepare(_stages, data) for data in raws]


class PreparePool:
    """``submit`` returns at once; calling what it returns waits for the results."""

    def __init__(self, settings: Settings, stages: Stages) -> None:
        self.settings = settings
        self.stages = stages
        self.workers = settings.poll.workers
        self.threshold = settings.poll.workers_from
        self._pool: ProcessPoolExecutor | None = None
        self._warm: list[Future[list[Prepared]]] | None = None

    def submit(self, raws: Sequence[bytes]) -> Pending:
        if self.workers == 0 or len(raws) < self.threshold or not self._ready():
            return lambda: [prepare(self.stages, data) for data in raws]
        pool = self._started()
        step = max(1, -(-len(raws) // (self.workers * 4)))  # a few slices per worker
        futures: list[Future[list[Prepared]]] = [
            pool.submit(_prepare_in_worker, list(raws[i : i + step]))
            for i in range(0, len(raws), step)
        ]
        return lambda: [prepared for future in futures for prepared in future.result()]

    def _ready(self) -> bool:
        """Whether the workers have loaded the rules; if none were started, start them.

        Until they are ready (loading the rules takes a few seconds), batches are parsed
        here rather than waited for."""
        if self._warm is None:
            pool = self._started()
            self._warm = [pool.submit(_prepare_in_worker, []) for _ in range(self.workers)]
        return all(future.done() for future in self._warm)

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            log.info("starting %d parse/extract worker(s)", self.workers)
            # spawn, not fork: the service has threads (scheduler, web, IDLE) to not copy
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                             initializer=_start_worker,
                                             initargs=(self.settings, os.getpid()))  # fmt: skip
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool, self._warm = None, None

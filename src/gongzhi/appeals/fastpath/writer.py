"""Group commit: one thread per server process takes every submission waiting in its queue,
runs them through `batch.submit_batch` in one transaction, and only then answers each.

While a batch commits, the next requests queue up, so the batch size follows the load: one
appeal per transaction when it is quiet, dozens under load. The thread owns its own database
connection (Django's connections are per thread) and closes it when the connection is broken.

The notifications of the new appeals (which submit_appeal delivers after its commit) are
delivered after the answers, grouped over batches: when nothing is waiting, or at the latest
NOTIFY_EVERY seconds after the first one pending. A crash in that window loses them, as a
crash between submit_appeal's commit and its on-commit delivery does.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections, connection
from django.utils import timezone

from gongzhi.appeals.models import Appeal

from .batch import FALLBACK, Answer, AuthCache, notify_created, submit_batch, warm_up, write_lock
from .parse import Submission

logger = logging.getLogger(__name__)

MAX_BATCH = 256
NOTIFY_EVERY = 0.5
WARM_UP = Submission(secret="", text="")  # a job that runs batch.warm_up


@dataclass(frozen=True)
class Job:
    sub: Submission
    received_at: dt.datetime
    done: Callable[[Answer], None]


class Writer:
    """The intake thread of one process. `submit` may be called from any thread."""

    def __init__(self, max_batch: int = MAX_BATCH) -> None:
        self.max_batch = max_batch
        self.jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self.auth = AuthCache()
        self.thread = threading.Thread(target=self._run, name="appeals-intake", daemon=True)
        self.started = False
        self.lock = threading.Lock()
        self.pending: list[tuple[Appeal, str]] = []  # created, not yet notified
        self.pending_since = 0.0

    def start(self) -> None:
        if not self.started:
            with self.lock:
                if not self.started:
                    self.thread.start()
                    self.started = True

    def submit(self, sub: Submission, done: Callable[[Answer], None]) -> None:
        self.start()
        self.jobs.put(Job(sub, timezone.now(), done))

    def warm_up(self, timeout: float = 60.0) -> None:
        """Load what the first appeal would otherwise wait for (the configuration, the router
        and its word lists, the token tables) on the intake thread; return when done."""
        ready = threading.Event()
        self.start()
        self.jobs.put(Job(WARM_UP, timezone.now(), lambda _answer: ready.set()))
        ready.wait(timeout)

    def stop(self) -> None:
        if self.started:
            self.jobs.put(None)
            self.thread.join(timeout=10)

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self.jobs.get()
            if first is None:
                break
            if first.sub is WARM_UP:
                try:
                    warm_up()
                except Exception:
                    logger.exception("appeals fast path: warm-up failed")
                first.done(FALLBACK)
                continue
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    job = self.jobs.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stopping = True
                    break
                batch.append(job)
            self.run_batch(batch)
            if self.pending and (
                self.jobs.empty() or time.monotonic() - self.pending_since >= NOTIFY_EVERY
            ):
                self.flush_notifications()
        self.flush_notifications()
        connection.close()

    def flush_notifications(self) -> None:
        pending, self.pending = self.pending, []
        if pending:
            with write_lock():
                notify_created(pending)

    def run_batch(self, batch: list[Job]) -> None:
        try:
            answers, created = submit_batch(
                [j.sub for j in batch],
                auth=self.auth,
                received=[j.received_at for j in batch],
            )
        except Exception:
            # Nothing was committed (the transaction rolled back): let the normal endpoint try
            # each again, and answer as it does. A broken connection is replaced next time.
            logger.exception("appeals fast path: batch of %d failed", len(batch))
            close_old_connections()
            if connection.connection is not None and not connection.is_usable():
                connection.close()
            answers, created = [FALLBACK] * len(batch), []
        for job, answer in zip(batch, answers, strict=True):
            try:
                job.done(answer)
            except Exception:
                logger.exception("appeals fast path: could not answer a request")
        if created and not self.pending:
            self.pending_since = time.monotonic()
        self.pending.extend(created)

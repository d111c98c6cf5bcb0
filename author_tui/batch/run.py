"""The run step of a batch: an executor answers each planned entry on a pool of threads, and each file is
written (`batch.apply`) as soon as its last entry is answered.

Why threads and their own writers: the model client is synchronous and a request takes seconds, so
`concurrency` workers keep that many requests in flight; an fsync'd write takes milliseconds to tens of
milliseconds on a busy disk, and a worker waiting for one would leave its request slot idle meanwhile.
Workers are daemon threads: a Ctrl-C must not wait for requests in flight (batch requests are plain,
not streamed, so they are abandoned, never half-written; the cancel token stops retries and backoff
waits). `drain` waits for the writes already queued, so no file is left half-written.
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from author_tui.batch import apply as applying
from author_tui.batch.tasks import Outcome, Task
from author_tui.core.batch import FilePlan, Job

# An executor answers one entry: the live one calls the model (`batch.live`); it never raises for a
# failure of the model (it returns a failed outcome) and returns status "interrupted" when cancelled.
Executor = Callable[[Job], Outcome]
WRITERS = 4


@dataclass
class Event:
    """Sent from the workers to the main thread: an entry answered (or not), or a file handled."""

    kind: Literal["entry", "file"]
    outcome: Outcome | None = None
    path: str = ""
    error: str = ""  # file events: why the file was not written
    failed: int = 0  # file events: entries that failed only when the file was written
    written: bool = False  # file events: the file was written


@dataclass
class _File:
    plan: FilePlan
    outcomes: list[Outcome] = field(default_factory=list)
    pending: int = 0
    handled: bool = False  # written, or found not to need writing


class Run:
    """Answers the planned entries with `concurrency` workers, writes files with `WRITERS` writer threads
    as each file's last entry is done (`write=False`: answers only, nothing written); events arrive on
    `events`. `write_read_only` also writes read-only files (chmod 444)."""

    def __init__(self, plans: Sequence[FilePlan], execute: Executor, concurrency: int, task: Task, *,
                 write: bool = True, write_read_only: bool = False) -> None:
        self.files = [_File(plan, pending=len(plan.jobs)) for plan in plans]
        self.total = sum(len(plan.jobs) for plan in plans)
        self.execute, self.task, self.write, self.write_read_only = execute, task, write, write_read_only
        self.events: queue.Queue[Event] = queue.Queue()
        self.stopped = threading.Event()
        self._jobs: queue.Queue[tuple[_File, Job]] = queue.Queue()
        self._writes: queue.Queue[_File | None] = queue.Queue()
        self._lock = threading.Lock()
        self._started: dict[int, float] = {}  # per worker thread: when its current entry was handed out
        for file in self.files:
            for job in file.plan.jobs:
                self._jobs.put((file, job))
        self._workers = _threads(self._work, "answer", max(1, min(concurrency, self.total)))
        self._writers = _threads(self._write, "write", max(1, min(WRITERS, len(self.files))))
        self._answering = len(self._workers)

    def start(self) -> Run:
        for thread in self._workers + self._writers:
            thread.start()
        return self

    def stop(self) -> None:
        """Hand out no more entries; files already complete are still written, the others left alone."""
        self.stopped.set()

    def drain(self, timeout: float = 15.0) -> None:
        """After stop(): wait until the files already queued for writing are written. The writers are
        daemon threads, so returning earlier would let the process end in the middle of a write (leaving a
        temp file, and reporting as unwritten a file whose rename went through)."""
        deadline = time.monotonic() + timeout
        while self._writes.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)

    def working(self) -> bool:
        return any(thread.is_alive() for thread in self._workers + self._writers)

    def in_flight(self, now: float | None = None) -> tuple[int, float]:
        """Entries being answered right now, and the age in seconds of the oldest of them."""
        now = time.monotonic() if now is None else now
        with self._lock:
            started = list(self._started.values())
        return len(started), (now - min(started)) if started else 0.0

    def outcomes(self) -> list[Outcome]:
        """Every entry's outcome in file order. An entry whose file was never written (the run stopped
        first) counts as interrupted, answered or not: its reply, if any, waits in the model cache."""
        with self._lock:
            found = []
            for file in self.files:
                by_job = {id(o.job): o for o in file.outcomes}
                for job in file.plan.jobs:
                    outcome = by_job.get(id(job)) or Outcome(job, "interrupted")
                    if not file.handled and outcome.ok:
                        outcome = dataclasses.replace(outcome, status="interrupted", error="not written")
                    found.append(outcome)
            return found

    def _work(self) -> None:
        me = threading.get_ident()
        try:
            while not self.stopped.is_set():
                try:
                    file, job = self._jobs.get_nowait()
                except queue.Empty:
                    return
                with self._lock:
                    self._started[me] = time.monotonic()
                try:
                    outcome = self.execute(job)
                except Exception as error:  # a bug must cost one entry, not hang the run
                    outcome = Outcome(job, "failed", error=f"internal error: {error!r}")
                finally:
                    with self._lock:
                        self._started.pop(me, None)
                self.events.put(Event("entry", outcome))
                if self._record(file, outcome):
                    self._writes.put(file)
        finally:
            with self._lock:
                self._answering -= 1
                last = self._answering == 0
            if last:  # nothing more will be queued: let the writers finish and go
                for _ in self._writers:
                    self._writes.put(None)

    def _record(self, file: _File, outcome: Outcome) -> bool:
        """Keep the outcome; True when it was the file's last one (the file can be written)."""
        with self._lock:
            file.outcomes.append(outcome)
            file.pending -= 1
            return file.pending == 0

    def _write(self) -> None:
        while True:
            file = self._writes.get()
            try:
                if file is None:
                    return
                self._finish(file)
            finally:
                self._writes.task_done()

    def _finish(self, file: _File) -> None:
        ordered = sorted(file.outcomes, key=lambda o: o.job.index)
        if self.write:
            result = applying.apply_file(file.plan, ordered, self.task, write_read_only=self.write_read_only)
        else:
            result = applying.FileResult(file.plan.path)
        with self._lock:
            file.handled = True
        self.events.put(Event("file", path=file.plan.path, error=result.error, failed=result.failed,
                              written=result.written))


def _threads(target: Callable[[], None], name: str, count: int) -> list[threading.Thread]:
    return [threading.Thread(target=target, name=f"{name}-{n}", daemon=True) for n in range(count)]

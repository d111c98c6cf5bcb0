"""One batch translation run: read the files, translate their entries on a pool of threads, write each file
as soon as its last entry is done.

Why a run of its own: the guarantees the author relies on live here. Each file is written once, atomically,
under its lock, only when its bytes on disk are still the ones that were read, and only after
`core.batch.verify` proved that the English is all that changed. So an interrupted run (Ctrl-C, kill -9)
leaves every file either as it was or complete; the rerun finds the done entries already translated and
the others' replies in the model cache.

Workers are daemon threads: the model client is synchronous, and a Ctrl-C must not wait for requests in
flight (batch requests are plain, not streamed, so they are abandoned, never half-written; the cancel
token stops retries and backoff waits).
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from author_tui.core import batch
from author_tui.core.authoring import Authoring
from author_tui.core.batch import FilePlan, Job
from author_tui.core.port import CancelToken, Usage
from author_tui.core.prompting import PromptTemplate
from author_tui.core.text import has_hangul
from author_tui.errors import AuthorTuiError, Cancelled, FormatError
from author_tui.store.archive import archive_files, entry_key
from author_tui.store.files import read_or_none, replace_if_unchanged

Status = Literal["translated", "failed", "interrupted", "planned"]
STOP_AFTER_FAILURES = 10  # model failures in a row, nothing succeeding between: the endpoint is down
# Files are written by threads of their own: an fsync'd write takes milliseconds to tens of milliseconds
# on a busy disk, and a model worker waiting for one would leave its request slot idle meanwhile.
WRITERS = 4


@dataclass
class Outcome:
    """What became of one entry; `status` is final once its file was handled."""

    job: Job
    status: Status = "planned"
    english: str = ""
    warnings: list[str] = field(default_factory=list)
    usage: Usage = Usage()
    error: str = ""
    retried: bool = False


Translate = Callable[[Job], Outcome]


@dataclass
class Event:
    """Sent from the workers to the main thread: an entry translated (or not), or a file handled."""

    kind: Literal["entry", "file"]
    outcome: Outcome | None = None
    path: str = ""
    error: str = ""  # file events: why the file was not written
    failed: int = 0  # file events: entries that failed only when the file was written


@dataclass
class Loaded:
    plans: list[FilePlan] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)  # one line per file skipped: `path:line: why`


# ----------------------------------------------------------------------------------------------- read


def load(paths: Sequence[Path], force: bool = False, limit: int | None = None) -> Loaded:
    """Every digest (.txt) and note (.md) under `paths`, planned; at most `limit` entries in all."""
    loaded, budget = Loaded(), limit
    for path in archive_files(paths):
        data = read_or_none(path)
        if data is None:
            loaded.bad.append(f"{path}: cannot be read")
            continue
        try:
            plan = batch.plan_file(str(path), data, force)
        except FormatError as error:
            loaded.bad.append(error.message)
            continue
        if budget is not None:
            plan.jobs, budget = plan.jobs[:budget], budget - len(plan.jobs[:budget])
        if plan.jobs:
            loaded.plans.append(plan)
    return loaded


# ---------------------------------------------------------------------------------------------- write


def write_file(plan: FilePlan, outcomes: Iterable[Outcome], style: batch.Style) -> str:
    """Insert the translated entries' English into the file; '' when written, else why not.

    Entries whose English cannot be written are marked failed; the others stay translated.
    """
    done = [o for o in outcomes if o.status == "translated"]
    if not done:
        return ""
    try:
        applied = batch.apply(plan, {o.job.index: o.english for o in done}, style)
        for outcome in done:
            if outcome.job.index in applied.failed:
                _fail(outcome, f"not written: {applied.failed[outcome.job.index]}")
        written = [o for o in done if o.job.index in applied.written]
        if not written:
            return ""
        batch.verify(plan.data, applied.data, [applied.written[o.job.index] for o in written],
                     [o.job.entry.english for o in written if o.job.entry.has_english])
        replace_if_unchanged(Path(plan.path), plan.data, applied.data)
    except AuthorTuiError as error:
        for outcome in done:
            _fail(outcome, f"not written: {error.message}")
        return error.message
    return ""


def _fail(outcome: Outcome, error: str) -> None:
    outcome.status, outcome.error = "failed", error


# ------------------------------------------------------------------------------------------------ run


@dataclass
class _File:
    plan: FilePlan
    outcomes: list[Outcome] = field(default_factory=list)
    pending: int = 0
    handled: bool = False  # written, or found not to need writing


class Run:
    """Translates the planned entries with `concurrency` model workers, writes files with `WRITERS` writer
    threads as each file's last entry is done; events arrive on `events`."""

    def __init__(self, plans: Sequence[FilePlan], translate: Translate, concurrency: int,
                 style: batch.Style = "block") -> None:
        self.files = [_File(plan, pending=len(plan.jobs)) for plan in plans]
        self.total = sum(len(plan.jobs) for plan in plans)
        self.translate, self.style = translate, style
        self.events: queue.Queue[Event] = queue.Queue()
        self.stopped = threading.Event()
        self._jobs: queue.Queue[tuple[_File, Job]] = queue.Queue()
        self._writes: queue.Queue[_File | None] = queue.Queue()
        self._lock = threading.Lock()
        for file in self.files:
            for job in file.plan.jobs:
                self._jobs.put((file, job))
        self._workers = _threads(self._work, "translate", max(1, min(concurrency, self.total)))
        self._writers = _threads(self._write, "write", max(1, min(WRITERS, len(self.files))))
        self._translating = len(self._workers)

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

    def outcomes(self) -> list[Outcome]:
        """Every entry's outcome in file order. An entry whose file was never written (the run stopped
        first) counts as interrupted, translated or not: its reply, if any, waits in the model cache."""
        with self._lock:
            found = []
            for file in self.files:
                by_job = {id(o.job): o for o in file.outcomes}
                for job in file.plan.jobs:
                    outcome = by_job.get(id(job)) or Outcome(job, "interrupted")
                    if not file.handled and outcome.status == "translated":
                        outcome = dataclasses.replace(outcome, status="interrupted", error="not written")
                    found.append(outcome)
            return found

    def _work(self) -> None:
        try:
            while not self.stopped.is_set():
                try:
                    file, job = self._jobs.get_nowait()
                except queue.Empty:
                    return
                try:
                    outcome = self.translate(job)
                except Exception as error:  # a bug must cost one entry, not hang the run
                    outcome = Outcome(job, "failed", error=f"internal error: {error!r}")
                self.events.put(Event("entry", outcome))
                if self._record(file, outcome):
                    self._writes.put(file)
        finally:
            with self._lock:
                self._translating -= 1
                last = self._translating == 0
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
        before = sum(o.status == "failed" for o in ordered)
        try:
            error = write_file(file.plan, ordered, self.style)
        except Exception as bug:  # e.g. a disk full: the file is left as it was, the others go on
            error = f"not written: {bug!r}"
            for outcome in ordered:
                if outcome.status == "translated":
                    _fail(outcome, error)
        failed = sum(o.status == "failed" for o in ordered) - before
        with self._lock:
            file.handled = True
        self.events.put(Event("file", path=file.plan.path, error=error, failed=failed))


def _threads(target: Callable[[], None], name: str, count: int) -> list[threading.Thread]:
    return [threading.Thread(target=target, name=f"{name}-{n}", daemon=True) for n in range(count)]


# ------------------------------------------------------------------------------------- the model call


def translator(authoring: Authoring, cancel: CancelToken) -> Translate:
    """One entry through the model: translate; when the output checks object, once more, telling the
    model what was wrong (`batch.retry_prompt`), and keep the attempt with fewer warnings."""

    def translate(job: Job) -> Outcome:
        outcome = Outcome(job)
        try:
            result = authoring.translate(job.entry, exclude=archive_key(job), cancel=cancel)
            outcome.usage = result.usage
            if result.warnings:
                again = _with_prompt(authoring, batch.retry_prompt(authoring.prompts["translate"],
                                                                   [str(w) for w in result.warnings]))
                second = again.translate(job.entry, exclude=archive_key(job), cancel=cancel)
                outcome.usage, outcome.retried = outcome.usage + second.usage, True
                result = second if len(second.warnings) < len(result.warnings) else result
        except Cancelled:
            outcome.status = "interrupted"
            return outcome
        except AuthorTuiError as error:
            _fail(outcome, error.message)
            return outcome
        outcome.warnings = [str(w) for w in result.warnings]
        if has_hangul(result.value.english) or not result.value.english.strip():
            # Not a translation (a small model may echo the Korean): report it, never write it as English.
            _fail(outcome, "the model gave no English translation (Hangul left in it, or empty), even on retry")
            return outcome
        outcome.status, outcome.english = "translated", result.value.english
        return outcome

    return translate


def archive_key(job: Job) -> str:
    """The entry's key among the archive's notes (`store.archive`): with --force and the archive set to
    the files being translated, an entry's own old English must not be its own few-shot example.
    (Retrieval also leaves out the same paper by title and link; the key covers an entry without them.)"""
    return entry_key(job.path, job.index + 1) if batch.kind_of(job.path) == "digest" else job.path


def _with_prompt(authoring: Authoring, template: PromptTemplate) -> Authoring:
    """The same client, cache and examples, with another translate template."""
    return dataclasses.replace(authoring, prompts={**authoring.prompts, "translate": template}, totals=Usage())

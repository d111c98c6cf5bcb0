"""What a batch run shows while it works, on stderr: never a silent wait.

Why its own module: a run can wait minutes on a slow endpoint. On a terminal a rich progress bar shows the
counts, failures and ETA; without one (a log, CI, a pipe) a line every `EVERY` seconds says what is done,
failed and in flight, and how long it has been. Once an entry has waited past the client's timeout, one
line names the endpoint that is slow, so the author knows whom to blame before the retries run out.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TextIO

from author_tui.batch.run import Event

EVERY = 10.0  # seconds between two progress lines without a terminal (the bar: at least every 10 s)


@dataclass
class Counts:
    total: int
    done: int = 0
    failed: int = 0

    def add(self, event: Event) -> None:
        if event.outcome is not None:
            self.done += 1
            self.failed += event.outcome.status == "failed"
        else:
            self.failed += event.failed


@dataclass(frozen=True)
class Endpoint:
    """Who answers, and the per-request timeout after which silence means slowness."""

    name: str  # e.g. "http://127.0.0.1:8080/v1", "the embedded model"
    timeout: float
    retries: int = 0  # the client's --max-retries


class Progress:
    """Shows a run's progress on `stream`: a bar on a terminal, else a line every EVERY seconds.
    `quiet` silences both (the slow-endpoint line is a diagnostic and still shows)."""

    def __init__(self, label: str, total: int, *, quiet: bool = False, stream: TextIO | None = None,
                 endpoint: Endpoint | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.counts, self.endpoint, self.clock = label, Counts(total), endpoint, clock
        self.stream = stream if stream is not None else sys.stderr
        self.started = self.last_line = clock()
        self.named_slow = False
        terminal = _isatty(self.stream)
        self.lines = not quiet and not terminal
        self.bar: Any = _bar(label, total, self.stream) if terminal and not quiet else None
        self.task = self.bar.add_task(label, total=total, failed=0) if self.bar is not None else None

    def show(self, event: Event) -> None:
        self.counts.add(event)
        if self.bar is not None:
            self.bar.update(self.task, advance=1 if event.kind == "entry" else 0, failed=self.counts.failed)

    def tick(self, in_flight: int, oldest: float) -> None:
        """Called often (every 0.1 s) by the run's loop, with what is being answered right now."""
        now = self.clock()
        if self.endpoint is not None and not self.named_slow and in_flight and oldest > self.endpoint.timeout:
            self.named_slow = True
            said = self.endpoint
            retrying = f"; retrying, up to {said.retries} time{'s' * (said.retries != 1)}" if said.retries else ""
            self._say(f"author-tui: {said.name} has not answered within the {said.timeout:g} s timeout"
                      f"{retrying} (see --timeout and --max-retries)")
        if self.lines and now - self.last_line >= EVERY:
            self.last_line = now
            counts = self.counts
            self._say(f"{self.label}: {counts.done - counts.failed} of {counts.total} done, {counts.failed} "
                      f"failed, {in_flight} in flight, {now - self.started:.0f} s elapsed")

    def __enter__(self) -> Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()

    def _say(self, line: str) -> None:
        if self.bar is not None:
            self.bar.console.print(line, markup=False, highlight=False)
        else:
            print(line, file=self.stream, flush=True)


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _bar(label: str, total: int, stream: TextIO) -> Any:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                    TextColumn("[red]{task.fields[failed]} failed"), TextColumn("ETA"),
                    TimeRemainingColumn(), console=Console(file=stream))

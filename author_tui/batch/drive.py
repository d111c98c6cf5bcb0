"""The main thread's side of a batch run: follow its events, show progress, stop it when it must stop.

Why apart from `Run`: what ends a run early (Ctrl-C; an endpoint that fails every request) is policy, and
the commands must share it rather than each keep a copy of the loop.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from author_tui.batch.progress import Progress
from author_tui.batch.run import Event, Run
from author_tui.batch.tasks import Outcome
from author_tui.core.port import CancelToken

STOP_AFTER_FAILURES = 10  # failures in a row, nothing succeeding between: the endpoint is down


@dataclass
class Finished:
    """Every entry's outcome in file order, and why the run stopped early ('' when it did not)."""

    outcomes: list[Outcome]
    stopped: str = ""

    @property
    def interrupted(self) -> bool:
        return self.stopped == "interrupted"


def drive(run: Run, progress: Progress, cancel: CancelToken | None = None,
          on_event: Callable[[Event], None] | None = None) -> Finished:
    """Start `run` and follow it to its end. Ctrl-C stops it: no more entries are handed out, `cancel`
    stops the requests' retries, and the files whose entries are all done are still written, whole."""
    stopped, failed_in_a_row = "", 0
    run.start()
    with progress:
        try:
            for event in _events(run, progress):
                progress.show(event)
                if on_event is not None:
                    on_event(event)
                if event.outcome is None:
                    continue
                failed_in_a_row = failed_in_a_row + 1 if event.outcome.status == "failed" else 0
                if failed_in_a_row >= STOP_AFTER_FAILURES and not stopped:
                    stopped = f"stopped after {failed_in_a_row} failures in a row: {event.outcome.error}"
                    run.stop()
        except KeyboardInterrupt:
            stopped = "interrupted"
            run.stop()
            if cancel is not None:
                cancel.cancel()
            run.drain()
    return Finished(run.outcomes(), stopped)


def _events(run: Run, progress: Progress) -> Iterator[Event]:
    """Events until every entry and every file is accounted for (or the run was stopped and drained)."""
    entries, files = 0, sum(1 for f in run.files if f.plan.jobs)
    while entries < run.total or files:
        progress.tick(*run.in_flight())
        try:
            event = run.events.get(timeout=0.1)
        except queue.Empty:
            if not run.working() and run.events.empty():
                return  # stopped early (or a worker died): nothing more will come
            continue
        entries += event.kind == "entry"
        files -= event.kind == "file"
        yield event

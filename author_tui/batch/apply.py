"""The write step of a batch run: answers into a file, proved, and written only over what was read.

Why one place: the guarantees the author relies on live here, for every task and every executor. A file
is written once, atomically, under its lock, only when its bytes on disk are still the ones planned, only
after the task's `verify` proved that its answers are all that changed, and never over a read-only file
unless asked to (`write_read_only`). So an interrupted run leaves every file either as it was or complete.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from author_tui.batch.planning import read_file
from author_tui.batch.tasks import Outcome, Task
from author_tui.core.batch import FilePlan
from author_tui.errors import AuthorTuiError
from author_tui.store.files import replace_if_unchanged


@dataclass
class FileResult:
    """What became of one file: written or not, why not, and how many entries failed only here."""

    path: str
    written: bool = False
    error: str = ""
    failed: int = 0


def apply_file(plan: FilePlan, outcomes: Sequence[Outcome], task: Task, *, write_read_only: bool = False) -> FileResult:
    """Write the answered entries' answers into the file. Entries whose answer cannot be written are
    marked failed (the others keep their status); `write_read_only` also writes a read-only file."""
    result = FileResult(plan.path)
    done = [o for o in outcomes if o.ok]
    if not done:
        return result
    before = sum(o.status == "failed" for o in outcomes)
    try:
        applied = task.edit(plan, done)
        for outcome in done:
            if outcome.job.index in applied.failed:
                outcome.fail(f"not written: {applied.failed[outcome.job.index]}")
        written = [o for o in done if o.job.index in applied.written]
        if written and applied.data != plan.data:  # (--force may bring back the very same English)
            task.verify(plan, applied, written)
            replace_if_unchanged(Path(plan.path), plan.data, applied.data, read_only_ok=write_read_only)
            result.written = True
    except AuthorTuiError as error:
        result.error = error.message
        for outcome in done:
            outcome.fail(f"not written: {error.message}")
    except Exception as bug:  # e.g. a disk full: this file is left as it was, the others go on
        result.error = f"not written: {bug!r}"
        for outcome in done:
            outcome.fail(result.error)
    result.failed = sum(o.status == "failed" for o in outcomes) - before
    return result


def apply_answers(outcomes: Iterable[Outcome], task: Task, *, write_read_only: bool = False) -> list[FileResult]:
    """Answers that come back later (a Batch API job): each file read and planned again, and written only
    if it still holds the bytes its entries were planned from (`Job.source`); otherwise its entries fail
    with "changed since it was planned" and the file is left alone."""
    by_path: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_path.setdefault(outcome.job.path, []).append(outcome)
    results = []
    for path, answered in by_path.items():
        results.append(_apply_again(path, answered, task, write_read_only))
    return results


def _apply_again(path: str, answered: list[Outcome], task: Task, write_read_only: bool) -> FileResult:
    try:
        plan = task.plan_file(path, read_file(Path(path)))
    except (OSError, AuthorTuiError) as error:
        reason = getattr(error, "message", None) or f"cannot be read ({getattr(error, 'strerror', error)})"
        return _fail_all(path, answered, f"not written: {reason}")
    if any(o.job.source != plan.source for o in answered):
        return _fail_all(path, answered, f"not written: {path} changed since it was planned")
    jobs = {job.index: job for job in plan.jobs}
    for outcome in answered:
        outcome.job = jobs.get(outcome.job.index, outcome.job)
    return apply_file(plan, answered, task, write_read_only=write_read_only)


def _fail_all(path: str, answered: list[Outcome], error: str) -> FileResult:
    failed = 0
    for outcome in answered:
        if outcome.ok:
            outcome.fail(error)
            failed += 1
    return FileResult(path, error=error, failed=failed)

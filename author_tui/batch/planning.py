"""The plan step of a batch run: find the files, read them, and list the entries each task has to do.

Why apart from the run: planning is what a dry run, a live run and a Batch API submission share, and it is
where a bad path must cost only itself. An unreadable path (a symbolic link loop, a link to nothing), an
unreadable or malformed file becomes one line in `Planned.problems`; the rest is planned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from author_tui.batch.tasks import Task
from author_tui.core.batch import FilePlan, Job
from author_tui.errors import EntryError, FormatError
from author_tui.store.archive import find_files
from author_tui.store.files import remove_leftover_temps


@dataclass
class Planned:
    """The files with work in them, and one `path: why` line per path or file that cannot be worked on."""

    files: list[FilePlan] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    temps_removed: int = 0  # leftover temp files of a killed writer, removed while scanning

    @property
    def jobs(self) -> list[Job]:
        return [job for plan in self.files for job in plan.jobs]

    @property
    def total(self) -> int:
        return sum(len(plan.jobs) for plan in self.files)


def plan(paths: Sequence[Path], task: Task, limit: int | None = None, *, remove_temps: bool = False) -> Planned:
    """Every digest (.txt) and note (.md) under `paths`, planned by `task`; at most `limit` entries in all.

    With `remove_temps` (a run that will write, not a dry run) the temp files a killed writer left in the
    folders scanned are removed first. A path that does not exist at all is a ConfigError (the command
    line is wrong; nothing is done)."""
    found = find_files(paths)
    planned = Planned(problems=list(found.problems))
    if remove_temps:
        planned.temps_removed = sum(remove_leftover_temps(folder, names) for folder, names in found.temps.items())
    budget = limit
    for path in found.files:
        file_plan = plan_one(path, task, planned.problems)
        if file_plan is None:
            continue
        if budget is not None:
            file_plan.jobs, budget = file_plan.jobs[:budget], budget - len(file_plan.jobs[:budget])
        if file_plan.jobs:
            planned.files.append(file_plan)
    return planned


def plan_one(path: Path, task: Task, problems: list[str]) -> FilePlan | None:
    """One file read and planned, or None with the reason appended to `problems`."""
    try:
        data = read_file(path)
        return task.plan_file(str(path), data)
    except OSError as error:
        problems.append(f"{path}: cannot be read ({error.strerror or error})")
    except (FormatError, EntryError) as error:  # a FormatError names the line
        problems.append(error.message)
    return None


def read_file(path: Path) -> bytes:
    """The file's bytes (its own function so tests can stand in a change made right after the read)."""
    return Path(path).read_bytes()

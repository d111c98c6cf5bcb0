"""The batch engine: plan -> answer (an executor) -> verify -> replace_if_unchanged -> report, for every
batch command (`translate`, `tags`) and every way of getting answers (live calls, or the Batch API's results
through `batch/remote.py`).

Why an application layer of its own: core/ is pure (the rules of what to change and the proof that only
that changed: `core.batch`, `core.batch_tags`), store/ touches files, llm/ talks to models; a batch run
orchestrates the three, and the commands only parse arguments and print.

The live path (what `author-tui translate` does):

    from author_tui.batch import Progress, Run, Summary, Translate, drive, plan
    from author_tui.batch.live import translator

    task = Translate(force=False, style="block")          # or Tag() for tags
    planned = plan(paths, task, limit=None)               # Planned: .files [FilePlan], .jobs [Job], .problems
    run = Run(planned.files, translator(authoring, cancel), concurrency, task, write_read_only=False)
    finished = drive(run, Progress(task.name, planned.total), cancel)   # Finished: .outcomes, .stopped
    Summary.of(finished.outcomes)                         # counts and Usage

Another executor (the Batch API, answers hours later, in another process):

    planned = plan(paths, task)                           # each Job has .key (`file.txt#N` / note path),
                                                          # .entry (what the model sees), .source (the
                                                          # sha256 of the file's bytes it was planned from)
    ... submit one request per job; keep job.path, job.index, job.source with it ...
    outcomes = [Outcome(job, "translated", english=text, usage=usage) for each answered job]
    results = apply_answers(outcomes, task)               # [FileResult]: each file read and planned again,
                                                          # written only if it still has job.source, verified,
                                                          # replaced under its lock; failures set on outcomes
    Summary.of(outcomes)

`Outcome.fail(error)` marks an entry failed; `apply_file(plan, outcomes, task)` is the same write step for
a plan still in memory. A read-only file is refused (`path: read-only, not changed`) unless `write_read_only=True`.
"""

from __future__ import annotations

from author_tui.batch.apply import FileResult, apply_answers, apply_file
from author_tui.batch.drive import STOP_AFTER_FAILURES, Finished, drive
from author_tui.batch.planning import Planned, plan
from author_tui.batch.progress import Endpoint, Progress
from author_tui.batch.report import Summary, write_report
from author_tui.batch.run import Event, Executor, Run
from author_tui.batch.tasks import Outcome, Tag, Task, Translate

__all__ = [
    "STOP_AFTER_FAILURES", "Endpoint", "Event", "Executor", "FileResult", "Finished", "Outcome", "Planned",
    "Progress", "Run", "Summary", "Tag", "Task", "Translate", "apply_answers", "apply_file", "drive", "plan",
    "write_report",
]

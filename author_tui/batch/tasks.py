"""What one batch task is to the engine: how it plans a file, and how it edits and verifies it with answers.

Why a seam: `translate` and `tags` share every step but two (which entries of a file are work; what an
answer changes in the file), so the engine (`author_tui.batch`) runs either through this protocol, and the
pure rules stay in `core.batch` (English) and `core.batch_tags` (tag lines).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from author_tui.core import batch, batch_tags
from author_tui.core.batch import Applied, FilePlan, Job
from author_tui.core.port import Usage
from author_tui.errors import EntryError

Status = Literal["translated", "tagged", "failed", "interrupted", "planned"]
DONE: frozenset[str] = frozenset({"translated", "tagged"})


@dataclass
class Outcome:
    """What became of one entry; `status` is final once its file was handled.

    The answer is `english` (translate) or `tags` (tags: the tags the entry ends with); `chosen` and
    `suggestion` are what the tags command shows (the pick, and the engine's ranking)."""

    job: Job
    status: Status = "planned"
    english: str = ""
    tags: list[str] = field(default_factory=list)
    chosen: list[str] = field(default_factory=list)
    suggestion: Any = None
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # said while answering (e.g. "kept the engine's choice")
    usage: Usage = Usage()
    error: str = ""
    retried: bool = False

    @property
    def ok(self) -> bool:
        return self.status in DONE

    def fail(self, error: str) -> None:
        self.status, self.error = "failed", error


class Task(Protocol):
    """One kind of batch work. `plan_file` raises FormatError/EntryError for a file it cannot work on."""

    @property
    def name(self) -> str:
        """The progress label: "translating", "tagging"."""
        ...

    def plan_file(self, path: str, data: bytes) -> FilePlan: ...

    def edit(self, plan: FilePlan, done: Sequence[Outcome]) -> Applied: ...

    def verify(self, plan: FilePlan, applied: Applied, written: Sequence[Outcome]) -> None: ...


@dataclass(frozen=True)
class Translate:
    """Give Korean notes without English their translation (`force`: also those with English)."""

    force: bool = False
    style: batch.Style = "block"
    name: str = "translating"

    def plan_file(self, path: str, data: bytes) -> FilePlan:
        return batch.plan_file(path, data, self.force)

    def edit(self, plan: FilePlan, done: Sequence[Outcome]) -> Applied:
        return batch.apply(plan, {o.job.index: o.english for o in done}, self.style)

    def verify(self, plan: FilePlan, applied: Applied, written: Sequence[Outcome]) -> None:
        batch.verify(plan.data, applied.data, [applied.written[o.job.index] for o in written],
                     [o.job.entry.english for o in written if o.job.entry.has_english])


@dataclass(frozen=True)
class Tag:
    """Set the tags of every entry (a note that is not a paper is a problem: it has nothing to tag)."""

    name: str = "tagging"

    def plan_file(self, path: str, data: bytes) -> FilePlan:
        plan = batch_tags.plan_file(path, data)
        if plan.kind == "note" and not plan.jobs:
            raise EntryError(f"{path}: not a paper note")
        return plan

    def edit(self, plan: FilePlan, done: Sequence[Outcome]) -> Applied:
        return batch_tags.apply(plan, {o.job.index: o.tags for o in done})

    def verify(self, plan: FilePlan, applied: Applied, written: Sequence[Outcome]) -> None:
        batch_tags.verify(plan, applied.data, {o.job.index: o.tags for o in written})

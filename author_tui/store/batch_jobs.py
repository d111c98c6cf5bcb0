"""Saved Batch API jobs under the user data dir: what was submitted, for which entries, and what came of it.

Why saved: a batch returns hours later, to another process (the submitter may have been closed, or
killed). Each job is one JSON file, written atomically before the upload (status "submitting") and again
after every step, so any later `author-tui batch ...` can pick it up; the downloaded results are kept
beside it, so a second `apply` needs no network and changes nothing. The API key is never part of a job.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from author_tui.errors import ConfigError, StoreError
from author_tui.store.files import read_or_none, write_atomic

FOLDER = "batches"


class JobLine(BaseModel):
    """One request of the batch: which entry it answers, and the file state it was planned from."""

    custom_id: str
    key: str  # the entry's stable key: `file.txt#N` or a note's path
    path: str
    index: int
    line: int
    source: str  # sha256 of the file's bytes at submission
    entry: str = ""  # sha256 of the entry's fields at submission (the file may change elsewhere)
    title: str
    prompt_hash: str = ""  # the template's hash (the call log names the prompt by it)
    prompt_tokens: int = 0  # the estimate
    completion_tokens: int = 0


class BatchJob(BaseModel):
    id: str
    task: str  # "translate" or "tags"
    created: str  # ISO 8601
    endpoint: str
    model: str
    rung: str  # the structured-output rung the lines ask on ("text": plain text)
    options: dict[str, str | bool] = Field(default_factory=dict)  # the task's options (force, style, ...)
    batch_id: str | None = None
    status: str = "submitting"  # ours ("submitting", "applied") or the provider's
    lines: list[JobLine] = Field(default_factory=list)
    applied: list[str] = Field(default_factory=list)  # custom_ids whose answer is written
    skipped: dict[str, str] = Field(default_factory=dict)  # custom_id -> why it was not applied (last apply)
    spent: dict[str, int] = Field(default_factory=dict)  # Usage fields the provider reported, summed

    @property
    def pending(self) -> list[JobLine]:
        done = set(self.applied)
        return [line for line in self.lines if line.custom_id not in done]


def new_job_id(task: str, now: datetime) -> str:
    """`translate-20261201-085138-3f2a`: sortable by time, unique without coordination."""
    return f"{task}-{now.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(2)}"


def custom_id(key: str, body_json: str) -> str:
    """The line's id: the entry's key (hashed: keys are long paths) + a hash of its request."""
    return f"{_short(key, 12)}-{_short(body_json, 16)}"


def _short(text: str, size: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:size]


class JobStore:
    """The jobs in `<data_dir>/batches/`: `<id>.json`, the uploaded `<id>.requests.jsonl`, once downloaded
    `<id>.results.jsonl`, and `<id>.applied` (custom_ids noted as written, file by file, during an apply)."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = Path(data_dir) / FOLDER

    def save(self, job: BatchJob) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self._path(job.id), (job.model_dump_json(indent=1) + "\n").encode("utf-8"))

    def load(self, job_id: str) -> BatchJob:
        data = read_or_none(self._path(job_id))
        if data is None:
            raise ConfigError(f"no batch job {job_id!r} in {self.folder}", hint="see `author-tui batch list`")
        try:
            job = BatchJob.model_validate_json(data)
        except ValidationError as error:
            raise StoreError(f"{self._path(job_id)}: not a batch job ({error.error_count()} problems)",
                             hint="move the file away; the batch itself is still at the provider") from None
        journal = read_or_none(self.folder / f"{job_id}.applied")
        known = set(job.applied)  # once: rebuilt per journal line it made loading a big job quadratic
        noted = [cid for cid in (journal or b"").decode("utf-8").split() if cid not in known]
        job.applied += list(dict.fromkeys(noted))
        return job

    def mark_applied(self, job_id: str, custom_ids: list[str]) -> None:
        """Note answers as written, right after their file was: an apply killed midway knows on the next
        run which files it already wrote (their bytes changed since submission, by its own hand)."""
        if not custom_ids:
            return
        with open(self.folder / f"{job_id}.applied", "a", encoding="utf-8") as journal:
            journal.write("".join(f"{cid}\n" for cid in custom_ids))
            journal.flush()
            os.fsync(journal.fileno())

    def all(self, problems: list[str] | None = None) -> list[BatchJob]:
        """Every readable job, oldest first; one unreadable job file is a line in `problems`, not the end."""
        if not self.folder.is_dir():
            return []
        jobs = []
        for job_id in sorted(p.name.removesuffix(".json") for p in self.folder.glob("*.json")):
            try:
                jobs.append(self.load(job_id))
            except StoreError as error:
                if problems is not None:
                    problems.append(error.message)
        return jobs

    def find(self, wanted: str | None) -> BatchJob:
        """A job by its id, its batch id or a unique prefix of either; None: the newest job not yet applied
        (all applied: the newest job)."""
        jobs = self.all()
        if wanted is None:
            if not jobs:
                raise ConfigError(f"no batch jobs in {self.folder}",
                                  hint="submit one with `author-tui translate PATH --batch`")
            open_jobs = [job for job in jobs if job.status != "applied"]
            return (open_jobs or jobs)[-1]
        exact = [job for job in jobs if wanted in (job.id, job.batch_id)]
        matches = exact or [job for job in jobs if job.id.startswith(wanted) or (job.batch_id or "").startswith(wanted)]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ConfigError(f"no batch job {wanted!r}", hint="see `author-tui batch list`")
        raise ConfigError(f"{wanted!r} names {len(matches)} jobs", hint="give more of the id")

    def forget(self, job_id: str) -> None:
        """Remove the job and the files beside it (requests, results, journal); the batch at the provider,
        if there is one, is not touched."""
        path = self._path(job_id)
        for suffix in (".requests.jsonl", ".results.jsonl", ".applied"):
            (self.folder / f"{job_id}{suffix}").unlink(missing_ok=True)
        path.unlink(missing_ok=True)

    def save_requests(self, job_id: str, jsonl: bytes) -> None:
        """The JSONL as uploaded: what each line asked, for the call log (and to submit it again)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        write_atomic(self.folder / f"{job_id}.requests.jsonl", jsonl)

    def requests(self, job_id: str) -> dict[str, dict[str, Any]]:
        """custom_id -> the request body, from the saved JSONL (empty when there is none)."""
        data = read_or_none(self.folder / f"{job_id}.requests.jsonl")
        found: dict[str, dict[str, Any]] = {}
        for line in (data or b"").decode("utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if isinstance(row, dict) and row.get("custom_id"):
                found[str(row["custom_id"])] = row.get("body") or {}
        return found

    def save_results(self, job_id: str, text: str) -> None:
        write_atomic(self.folder / f"{job_id}.results.jsonl", text.encode("utf-8"))

    def results(self, job_id: str) -> str | None:
        data = read_or_none(self.folder / f"{job_id}.results.jsonl")
        return data.decode("utf-8") if data is not None else None

    def _path(self, job_id: str) -> Path:
        if "/" in job_id or "\\" in job_id or job_id.startswith("."):
            raise ConfigError(f"{job_id!r} is not a batch job id")
        return self.folder / f"{job_id}.json"

"""The Batch API executor: a batch's requests built exactly as the live path would send them, submitted as
one job, and its answers applied hours later through the live path's own executor, checks and writes.

Why this shape: the live executors (`batch.live.translator`) hold the policy around a model call (output
checks, what counts as no English); the engine (`batch.apply_answers`) holds the file guarantees (a file
changed since it was planned is left alone; only the answer changes). So submitting asks the use cases
(`Authoring.translate`) with a client that records each request instead of sending it, and applying runs
the live executor with a client that answers each entry from the batch's results.

    use_cases = lambda client: Authoring(client, prompts, similar=...)               # over any client
    prepared = prepare(planned, use_cases, "translate", model, temperature, rung)   # lines + estimate
    job = submit(prepared, api, store, ...)          # saved before the upload; the batch id after
    report = apply(job, results, use_cases, Translate(...), store)                   # written or why not

The use cases are built anew over each client (never a copy of one Authoring with its client swapped:
a copy would share the original's lock and running totals).
"""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from author_tui.batch.apply import FileResult, apply_answers
from author_tui.batch.live import resolved_key, translator
from author_tui.batch.planning import Planned, read_file
from author_tui.batch.run import Executor
from author_tui.batch.tasks import Outcome, Task
from author_tui.core.authoring import Authoring
from author_tui.core.batch import FilePlan, Job
from author_tui.core.port import (
    CallRecord,
    CancelToken,
    ModelClient,
    ModelReply,
    ModelRequest,
    OnCall,
    OnDelta,
    T,
    Usage,
)
from author_tui.core.pricing import Estimate, estimate_request
from author_tui.errors import AuthorTuiError, BatchUnsupported, ModelError
from author_tui.llm.batch_api import (
    BatchApi,
    BatchLine,
    BatchRefused,
    LineResult,
    line_body,
    parse_results,
    read_answer,
    require_settled,
)
from author_tui.llm.structured import Rung
from author_tui.store.batch_jobs import BatchJob, JobLine, JobStore, custom_id, new_job_id

JOB_KEY = "author_tui_job"  # the batch's metadata key naming its job (found again after a crash)
UseCases = Callable[[ModelClient], Authoring]  # the use cases over a given client


def entry_hash(job: Job) -> str:
    """The entry as the model saw it (every field): an answer is applied only to an entry still like this."""
    return hashlib.sha256(job.entry.model_dump_json().encode("utf-8")).hexdigest()


class _Asked(Exception):
    """Raised by the recorder once it has the request: nothing is sent."""


class _Recorder:
    """A ModelClient that keeps what generate() is asked and sends nothing."""

    def __init__(self) -> None:
        self.asked: list[tuple[ModelRequest, type[Any]]] = []

    def generate(self, request: ModelRequest, output: type[T], *, on_delta: OnDelta | None = None,
                 cancel: CancelToken | None = None) -> ModelReply[T]:
        self.asked.append((request, output))
        raise _Asked()


@dataclass
class Prepared:
    lines: list[tuple[JobLine, BatchLine]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # entries that could not be asked (and why)
    estimate: Estimate = Estimate()


Ask = Callable[[Authoring, Job], object]  # the use case the live executor calls for one entry


def asking_translate(authoring: Authoring, job: Job) -> object:
    return authoring.translate(job.entry, exclude=job.key)


def asking_tags(corpus_keys: Mapping[str, str]) -> Ask:
    """What `live.tagger` asks the model for an entry: its tags from the text alone (current tags hidden)."""

    def ask(authoring: Authoring, job: Job) -> object:
        bare = job.entry.model_copy(update={"tags": []})
        return authoring.suggest_tags(bare, exclude=corpus_keys.get(resolved_key(job.key)))

    return ask


def prepare(planned: Planned, use_cases: UseCases, task: str, model: str, temperature: float,
            rung: str, ask: Ask = asking_translate) -> Prepared:
    """One batch line per planned entry: the request the live path would send, and its token estimate.
    An entry the use case answers without a model (the tag engine alone) gets no line."""
    recorder = _Recorder()
    asking = use_cases(recorder)
    prepared = Prepared()
    for job in planned.jobs:
        try:
            ask(asking, job)
        except _Asked:
            pass
        except AuthorTuiError as error:
            prepared.problems.append(f"{job.where}: {error.message}")
            continue
        if not recorder.asked:
            prepared.problems.append(f"{job.where}: answered without a model; nothing to submit")
            continue
        request, output = recorder.asked.pop()
        temp = temperature if request.temperature is None else request.temperature
        body = line_body(model, temp, request, output, Rung(rung))
        cid = custom_id(job.key, json.dumps(body, sort_keys=True, ensure_ascii=False))
        estimate = estimate_request(task, body["messages"], note=job.entry.note, max_tokens=request.max_tokens)
        prepared.estimate = prepared.estimate + estimate
        line = JobLine(custom_id=cid, key=job.key, path=job.path, index=job.index, line=job.line,
                       source=job.source, entry=entry_hash(job), title=job.entry.title,
                       prompt_hash=request.prompt_hash,
                       prompt_tokens=estimate.prompt_tokens, completion_tokens=estimate.completion_tokens)
        prepared.lines.append((line, BatchLine(cid, body)))
    return prepared


def submit(prepared: Prepared, api: BatchApi, store: JobStore, *, task: str, endpoint: str, model: str,
           rung: str, options: dict[str, str | bool], now: datetime) -> BatchJob:
    """Save the job, upload its lines, create the batch, save its id. A kill before the last save leaves a
    job "submitting" that `recover` finds again by the batch's metadata. When the provider definitely
    refused (BatchRefused, BatchUnsupported) the job is removed again: no batch exists to follow; when
    the outcome is unknown (a timeout, a 5xx) it is kept, since the batch may exist."""
    job = BatchJob(id=new_job_id(task, now), task=task, created=now.isoformat(timespec="seconds"),
                   endpoint=endpoint, model=model, rung=rung, options=options,
                   lines=[line for line, _ in prepared.lines])
    store.save(job)
    lines = [batch_line for _, batch_line in prepared.lines]
    store.save_requests(job.id, "".join(line.jsonl() for line in lines).encode("utf-8"))
    try:
        info = api.create(api.upload(lines), metadata={JOB_KEY: job.id})
    except (BatchRefused, BatchUnsupported):
        store.forget(job.id)
        raise
    job.batch_id, job.status = info.id, info.status
    store.save(job)
    return job


def recover(job: BatchJob, api: BatchApi, store: JobStore) -> BatchJob:
    """A job whose submitter died before saving the batch id: look the batch up by its metadata."""
    if job.batch_id is None:
        found = api.find(JOB_KEY, job.id)
        if found is None:
            raise ModelError(f"batch job {job.id} never reached the provider (the submitter stopped first)",
                             hint=f"submit again (nothing was sent, nothing will be billed), and drop this one: "
                             f"author-tui batch forget {job.id}")
        job.batch_id, job.status = found.id, found.status
        store.save(job)
    return job


def downloaded(job: BatchJob, api: BatchApi | None, store: JobStore, on_call: OnCall, now: datetime,
               failed: Callable[[BatchJob, tuple[str, ...]], Exception]) -> dict[str, LineResult]:
    """The batch's results: downloaded once when it has settled (and logged then), afterwards read from
    beside the job, so a second apply needs no network. `failed` is raised for a batch that failed."""
    saved = store.results(job.id)
    if saved is not None:
        return {result.custom_id: result for result in parse_results(saved.splitlines())}
    assert api is not None, "results not downloaded yet: an api is needed"
    job = recover(job, api, store)
    assert job.batch_id is not None
    info = api.retrieve(job.batch_id)
    require_settled(info)
    if info.status == "failed":
        raise failed(job, info.errors)
    found = api.results(info)
    store.save_results(job.id, "".join(result.jsonl() for result in found.values()))
    log_results(job, found, store.requests(job.id), on_call, now)
    return found


def spent(results: Mapping[str, LineResult]) -> Usage:
    """What the provider counted for the batch's answers (billed whether applied or not)."""
    total = Usage()
    for result in results.values():
        total = total + result.usage
    return total


def log_results(job: BatchJob, results: Mapping[str, LineResult], requests: Mapping[str, dict[str, Any]],
                on_call: OnCall, now: datetime) -> None:
    """Each answered (or failed) line into the call log, once, when its results are first downloaded:
    a batch's calls are model calls too, and the TUI's "last call" of a field may be one of them."""
    for line in job.lines:
        result = results.get(line.custom_id)
        if result is None:
            continue
        outcome = "ok" if result.text is not None else f"error: {result.error}"
        messages = (requests.get(line.custom_id) or {}).get("messages") or []
        on_call(CallRecord(now, job.task, job.task, line.prompt_hash, job.model, job.endpoint,
                           f"batch {job.rung}", result.usage, 0.0, False, outcome, messages, result.text or ""))


# --------------------------------------------------------------------------------------------- apply


class _Answers:
    """A ModelClient answering the entry being applied from its batch result (`current`). A second ask
    for the same entry (the live executor's guided retry) gets the same answer at no cost: a batch has
    one answer per entry, and the live rule then keeps it with its warnings."""

    def __init__(self, rung: str) -> None:
        self.rung = Rung(rung)
        self.current: LineResult | None = None
        self._answered = False

    def start(self, result: LineResult) -> None:
        self.current, self._answered = result, False

    def generate(self, request: ModelRequest, output: type[T], *, on_delta: OnDelta | None = None,
                 cancel: CancelToken | None = None) -> ModelReply[T]:
        result = self.current
        if result is None or result.text is None:
            raise ModelError("no batch answer for this entry")
        value = read_answer(request, output, self.rung, result.text)
        usage, self._answered = (Usage() if self._answered else result.usage), True
        return ModelReply(value, usage)


@dataclass
class Applied:
    """What an apply did: entries written, skipped (changed, unusable, failed at the provider, not run)."""

    written: list[JobLine] = field(default_factory=list)
    already: int = 0  # applied by an earlier apply
    skipped: list[tuple[JobLine, str]] = field(default_factory=list)
    warnings: list[tuple[JobLine, str]] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    usage: Usage = Usage()  # what the provider counted for the answers applied now


def live_translator(authoring: Authoring) -> Executor:
    return translator(authoring, CancelToken())


def apply(job: BatchJob, results: Mapping[str, LineResult], use_cases: UseCases, task: Task,
          store: JobStore, executor: Callable[[Authoring], Executor] = live_translator) -> Applied:
    """Apply every answered line not applied yet, through the live executor (`executor(use_cases(client))`,
    the client answering from `results`) and the engine's writes. A line whose file changed since it was
    submitted is skipped: its entry is never overwritten. A read-only file is written only when the job
    was submitted with --write-read-only, saved in its options."""
    write_read_only = bool(job.options.get("write_read_only"))
    answers = _Answers(job.rung)
    execute = executor(use_cases(answers))
    report = Applied(already=len(job.applied))
    answered: list[tuple[JobLine, Outcome]] = []
    planned = _Replanned(task)
    for line in job.pending:
        result = results.get(line.custom_id)
        if result is None or result.text is None:
            report.skipped.append((line, result.error if result else "not run (the batch ended before it)"))
            continue
        current, why = planned.job(line)
        if current is None:
            report.skipped.append((line, why))
            continue
        answers.start(result)
        outcome = execute(current)
        if outcome.ok:
            answered.append((line, outcome))
        else:
            report.skipped.append((line, outcome.error))
    by_path: dict[str, list[tuple[JobLine, Outcome]]] = {}
    for line, outcome in answered:
        by_path.setdefault(line.path, []).append((line, outcome))
    for pairs in by_path.values():  # file by file, each noted as applied right after its write
        report.files += apply_answers([outcome for _, outcome in pairs], task, write_read_only=write_read_only)
        store.mark_applied(job.id, [line.custom_id for line, outcome in pairs if outcome.ok])
    for line, outcome in answered:
        if outcome.ok:
            report.written.append(line)
            report.usage = report.usage + outcome.usage
            report.warnings += [(line, warning) for warning in outcome.warnings]
        else:
            report.skipped.append((line, outcome.error))
    job.applied += [line.custom_id for line in report.written]
    job.skipped = {line.custom_id: why for line, why in report.skipped}
    job.status = "applied"
    store.save(job)
    return report


class _Replanned:
    """The entries as they are on disk now, each file read and planned once."""

    def __init__(self, task: Task) -> None:
        self.task = task
        self.plans: dict[str, FilePlan | str] = {}

    def job(self, line: JobLine) -> tuple[Job | None, str]:
        if line.path not in self.plans:
            try:
                self.plans[line.path] = self.task.plan_file(line.path, read_file(Path(line.path)))
            except (OSError, AuthorTuiError) as error:
                self.plans[line.path] = getattr(error, "message", None) or f"cannot be read ({error})"
        plan = self.plans[line.path]
        if isinstance(plan, str):
            return None, plan
        if plan.source == line.source:
            found = next((job for job in plan.jobs if job.index == line.index), None)
            return (found, "") if found else (None, "no longer needs it")
        # The file changed, maybe elsewhere: the entry still as submitted (found by its content, wherever
        # it moved) is answered; the engine's verify proves only its answer goes into the current bytes.
        same = [job for job in plan.jobs if line.entry and entry_hash(job) == line.entry]
        found = next((job for job in same if job.index == line.index), same[0] if len(same) == 1 else None)
        return (found, "") if found else (None, "the entry changed since it was submitted (left as it is)")


def rerun_command(job: BatchJob, lines: list[JobLine]) -> str:
    """The live command that answers these entries again (translate skips a file's done entries; tags
    with the job's corpus and --apply; each with the job's --replace / --force / --write-read-only)."""
    paths = " ".join(shlex.quote(path) for path in sorted({line.path for line in lines}))
    if job.task == "tags":
        corpus = "".join(f" --corpus {shlex.quote(c)}" for c in str(job.options.get("corpus", "")).split(os.pathsep)
                         if c)
        flags = [flag for flag, key in (("--replace", "replace"), ("--write-read-only", "write_read_only"))
                 if job.options.get(key)]
        return " ".join([f"author-tui tags {paths}{corpus} --apply", *flags])
    flags = [flag for flag, key in (("--force", "force"), ("--write-read-only", "write_read_only"))
             if job.options.get(key)]
    return " ".join([f"author-tui {job.task} {paths}", *flags])

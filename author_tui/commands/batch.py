"""`author-tui batch list|status|apply|cancel|forget [ID]`: the Batch API jobs of `translate`/`tags --batch`.

Why a command of its own: a batch comes back within 24 h, long after the command that submitted it ended;
any later run picks the job up from the data dir, asks the provider how it is doing, and applies its
answers through the live path's checks and writes. Also here: what `--batch` and `--dry-run` of the batch
commands print (the estimate before, the cost after), so translate and tags print it the same way.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from author_tui.config import load_settings
from author_tui.errors import ConfigError

if TYPE_CHECKING:
    from author_tui.batch import Planned
    from author_tui.batch.remote import Prepared
    from author_tui.config import Settings
    from author_tui.core.port import Usage
    from author_tui.llm.batch_api import BatchApi
    from author_tui.store.batch_jobs import BatchJob, JobStore

EXAMPLES = """\
examples:
  author-tui translate ~/vault/arXiv --batch --dry-run   # requests, estimated tokens and cost; nothing sent
  author-tui translate ~/vault/arXiv --batch             # submit; prints the job and batch ids
  author-tui batch list
  author-tui batch status --wait                         # the newest job, polled until it is finished
  author-tui batch apply                                 # write the answers (a second apply changes nothing)
  author-tui batch cancel translate-20261201-085138-3f2a  # stop the batch; what it answered can be applied
  author-tui batch forget translate-20261201-085138-3f2a  # drop the job here (the provider is not asked)

actions:
  list     every saved job: its batch, status, requests and how many are applied
  status   ask the provider how the job's batch is doing (--wait: until it is finished)
  apply    download the answers once and write them through the live path's checks
  cancel   cancel the job's batch at the provider (needs ID)
  forget   remove the saved job and its files from the data dir (needs ID)

ID is a job id, a batch id or a unique prefix of either; without it (status, apply), the newest job not
yet applied. Jobs are kept in <data_dir>/batches/ (see `author-tui config`)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch", help="follow and apply Batch API jobs (submitted with translate/tags --batch)",
        description="List, follow, apply, cancel or forget the Batch API jobs submitted by\n"
        "`translate --batch` and `tags --batch --apply`.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=("list", "status", "apply", "cancel", "forget"),
                        help="what to do (see the actions below)")
    parser.add_argument("id", nargs="?", metavar="ID",
                        help="job or batch id (status, apply: default the newest open job; cancel, forget: needed)")
    parser.add_argument("--wait", action="store_true", help="status: ask again until the batch is finished")
    parser.add_argument("--every", type=float, default=60.0, metavar="SECONDS",
                        help="--wait: seconds between asks (default: %(default)s)")
    parser.set_defaults(func=run)


def add_batch_flags(parser: argparse.ArgumentParser, dry_run: bool = False) -> None:
    parser.add_argument("--batch", action="store_true",
                        help="submit the requests to the provider's Batch API (about half the price, back "
                        "within 24 h) and apply them later with `author-tui batch apply`")
    if dry_run:
        parser.add_argument("--dry-run", action="store_true",
                            help="print the requests, estimated tokens and cost; no model call, nothing written")


def run(args: argparse.Namespace) -> int:
    from author_tui.store.batch_jobs import JobStore

    settings = load_settings()
    store = JobStore(settings.data_dir)
    if args.action == "list":
        return _list(store)
    if args.action in ("cancel", "forget") and not args.id:  # never the newest job by default: not undoable
        raise ConfigError(f"batch {args.action} needs the job's ID", hint="see `author-tui batch list`")
    job = store.find(args.id)
    if args.action == "forget":
        store.forget(job.id)
        left = f" (batch {job.batch_id} at the provider is left as it is)" if job.batch_id else ""
        print(f"forgot job {job.id}{left}")
        return 0
    if args.action == "apply" and store.results(job.id) is not None:
        return _apply(job, None, store, settings)  # downloaded before: no network, no key needed
    api = _api_for(job, settings)
    try:
        if args.action == "status":
            return _status(job, api, store, args.wait, args.every)
        if args.action == "cancel":
            return _cancel(job, api, store)
        return _apply(job, api, store, settings)
    finally:
        api.close()


# ----------------------------------------------------------------------------- before: estimate, submit


def model_name(settings: Settings) -> str:
    from author_tui.config import DEFAULT_REMOTE_MODEL
    from author_tui.core.pricing import EMBEDDED_MODEL

    return settings.model or (DEFAULT_REMOTE_MODEL if settings.base_url else EMBEDDED_MODEL)


def prepare_requests(planned: Planned, settings: Settings, task: str, engine: Any = None,
                     corpus_keys: dict[str, str] | None = None) -> tuple[Prepared, str]:
    """Every planned entry's request, as the live path would send it, without sending anything.
    Translating: few-shot examples from the archive; tagging: candidates from `engine`."""
    from author_tui.batch.remote import asking_tags, asking_translate, prepare
    from author_tui.core.authoring import Authoring
    from author_tui.core.retrieval import SimilarityIndex
    from author_tui.llm import load_docs
    from author_tui.llm.cache import EndpointMemory

    docs = load_docs(settings) if planned.jobs and task == "translate" else []
    prompts, similar = prompts_for(settings), SimilarityIndex.build(docs) if docs else None

    def use_cases(client: Any) -> Authoring:
        return Authoring(client, prompts, similar=similar, tags=engine, rerank_tags=True)

    model = model_name(settings)
    memory = EndpointMemory(settings.cache_dir)
    rung = (memory.rung(settings.base_url, model) if settings.base_url else None) or "json_schema"
    memory.close()
    ask = asking_tags(corpus_keys or {}) if task == "tags" else asking_translate
    return prepare(planned, use_cases, task, model, settings.temperature, rung, ask), rung


def prompts_for(settings: Settings, profile: str | None = None) -> Any:
    """The templates the live path would use (the active prompt profile, or the job's)."""
    from author_tui.core.prompting import select_profile
    from author_tui.llm import prompt_profile
    from author_tui.llm.prompts import load_prompts

    return select_profile(load_prompts(settings.prompts_dir), profile or prompt_profile(settings))


def print_estimate(prepared: Prepared, settings: Settings, batch: bool | None = None) -> None:
    from author_tui.core.pricing import HOW_ESTIMATED, cost_line, counted

    est = prepared.estimate
    cost = cost_line(settings.prices, model_name(settings), est.prompt_tokens, est.completion_tokens, batch)
    print(f"estimate: {counted(est.requests, 'request')}, ~{est.prompt_tokens} prompt + ~{est.completion_tokens} "
          f"completion tokens; {cost}")
    print(f"  ({HOW_ESTIMATED})")


def submit_batch(task: str, planned: Planned, settings: Settings, options: dict[str, str | bool],
                 dry_run: bool, engine: Any = None, corpus_keys: dict[str, str] | None = None) -> int:
    """`--batch`: the estimate, then (unless a dry run) the job submitted and its ids printed."""
    from author_tui.batch.remote import submit
    from author_tui.core.pricing import counted
    from author_tui.llm import prompt_profile
    from author_tui.llm.batch_api import build_batch_api
    from author_tui.store.batch_jobs import JobStore
    from author_tui.store.calllog import bare_endpoint

    api = None if dry_run else build_batch_api(settings)  # refuses the embedded model before any work
    options = {**options, "profile": prompt_profile(settings)}
    prepared, rung = prepare_requests(planned, settings, task, engine, corpus_keys)
    for problem in prepared.problems:
        print(f"author-tui: {problem} (entry left out)", file=sys.stderr)
    print_estimate(prepared, settings, batch=True)
    if dry_run or api is None:
        print(f"dry run: would submit {counted(len(prepared.lines), 'request')} as one batch; nothing sent")
        return 1 if planned.problems or prepared.problems else 0
    if not prepared.lines:
        print("nothing to submit")
        return 1 if planned.problems else 0
    try:
        job = submit(prepared, api, JobStore(settings.data_dir), task=task, endpoint=bare_endpoint(api.base_url),
                     model=api.model, rung=rung, options=options, now=datetime.now(UTC))
    finally:
        api.close()
    print(f"submitted job {job.id}: batch {job.batch_id}, {counted(len(job.lines), 'request')} ({job.status})")
    print(f"follow it with `author-tui batch status {job.id}`, then `author-tui batch apply {job.id}`")
    return 1 if planned.problems or prepared.problems else 0


def print_spent(settings: Settings, usage: Usage, batch: bool = False) -> None:
    print(spent_text(settings, usage, batch))


def spent_text(settings: Settings, usage: Usage, batch: bool = False) -> str:
    """Every run's closing line: what it spent, in tokens and (with a known price) dollars."""
    from author_tui.core.pricing import spent_line
    return spent_line(settings.prices, model_name(settings), usage, batch)


# ------------------------------------------------------------------------------------ after: the jobs


def _api_for(job: BatchJob, settings: Settings) -> BatchApi:
    """The job's own endpoint; the configured key goes only to the endpoint it is configured for. The job
    keeps the bare endpoint, so the configured URL (with any user info or query it needs) is used when it
    is the same one."""
    from author_tui.llm import is_loopback
    from author_tui.llm.batch_api import BatchApi
    from author_tui.llm.failures import no_key
    from author_tui.store.calllog import bare_endpoint

    same = bare_endpoint(settings.base_url or "").rstrip("/") == bare_endpoint(job.endpoint).rstrip("/")
    key = settings.api_key.get_secret_value() if settings.api_key and same else None
    if not key and not is_loopback(job.endpoint):
        raise no_key(job.endpoint)
    return BatchApi(settings.base_url if same and settings.base_url else job.endpoint, key, job.model,
                    settings.timeout)


def _list(store: JobStore) -> int:
    from author_tui.core.pricing import counted

    problems: list[str] = []
    jobs = store.all(problems)
    for problem in problems:
        print(f"author-tui: {problem}", file=sys.stderr)
    for job in jobs:
        print(f"{job.id}  {job.batch_id or '(not created)'}  {job.status:<11} {counted(len(job.lines), 'request')}, "
              f"{len(job.applied)} applied  {job.model} at {job.endpoint}")
    if not jobs:
        print(f"no batch jobs in {store.folder}")
    return 0


def _status(job: BatchJob, api: BatchApi, store: JobStore, wait: bool, every: float) -> int:
    from author_tui.batch.remote import recover

    job = recover(job, api, store)
    assert job.batch_id is not None
    while True:
        info = api.retrieve(job.batch_id)
        if job.status != "applied":
            job.status = info.status
            store.save(job)
        print(f"{job.id}: batch {info.id} {info.status}; {info.completed} of {info.total} done, "
              f"{info.failed} failed" + (f"; {'; '.join(info.errors)}" if info.errors else ""))
        if info.settled or not wait:
            break
        time.sleep(every)
    if info.settled and job.status != "applied":
        print(f"apply it with `author-tui batch apply {job.id}`")
    return 1 if info.status == "failed" else 0


def _cancel(job: BatchJob, api: BatchApi, store: JobStore) -> int:
    from author_tui.batch.remote import recover

    job = recover(job, api, store)
    assert job.batch_id is not None
    info = api.cancel(job.batch_id)
    job.status = info.status
    store.save(job)
    print(f"{job.id}: batch {info.id} {info.status}; answers already given can still be applied")
    return 0


def _apply(job: BatchJob, api: BatchApi | None, store: JobStore, settings: Settings) -> int:
    from author_tui.batch.remote import apply, rerun_command, spent

    results = _results(job, api, store, settings)
    use_cases, task, executor = _task_of(job, settings)
    report = apply(job, results, use_cases, task, store, executor)
    for line, why in report.skipped:
        print(f"author-tui: {line.path}:{line.line}: {line.title[:50]!r}: not applied: {why}", file=sys.stderr)
    for line, warning in report.warnings:
        print(f"author-tui: warning: {line.path}:{line.line}: {warning}", file=sys.stderr)
    print(f"applied {len(report.written)} of {len(job.lines)} answers of job {job.id} "
          f"({report.already} applied before); {len(report.skipped)} not applied")
    if report.skipped:
        print(f"rerun those live: {rerun_command(job, [line for line, _ in report.skipped])}")
    print_spent(settings.model_copy(update={"model": job.model}), spent(results), batch=True)
    return 1 if report.skipped else 0


def _task_of(job: BatchJob, settings: Settings) -> tuple[Any, Any, Any]:
    """The use cases (over a given client), the engine's task and the live executor the job's answers are
    applied through."""
    from author_tui.batch.live import corpus_keys, tagger
    from author_tui.batch.remote import live_translator
    from author_tui.batch.tasks import Tag, Translate
    from author_tui.core.authoring import Authoring

    # No examples: the answers come from the batch's results, whatever the request would hold.
    prompts = prompts_for(settings, str(job.options.get("profile") or "") or None)
    if job.task != "tags":
        translate = Translate(bool(job.options.get("force")), job.options.get("style", "block"))  # type: ignore[arg-type]
        return lambda client: Authoring(client, prompts), translate, live_translator
    engine, keys = tag_engine(str(job.options.get("corpus", "")).split(os.pathsep))
    replace = bool(job.options.get("replace"))
    return (lambda client: Authoring(client, prompts, tags=engine, rerank_tags=True), Tag(),
            lambda answering: tagger(engine, answering, corpus_keys(keys), replace))


def tag_engine(corpus: list[str]) -> tuple[Any, list[str]]:
    """The tag engine over the corpus a tags job was submitted with (its candidates are the same again)."""
    from pathlib import Path

    from author_tui.core.tags import TagEngine
    from author_tui.store.archive import load_archive

    docs = load_archive([Path(p) for p in corpus if p], [])
    return TagEngine.build(docs), [doc.key for doc in docs]


def tags_batch(planned: Planned, settings: Settings, engine: Any, keys: list[str], corpus: list[Any],
               args: argparse.Namespace, reranks: bool) -> int:
    """`tags --dry-run` / `tags --batch`: the model's picks among the engine's candidates, as one batch."""
    from author_tui.batch.live import corpus_keys

    if not reranks or args.no_llm:
        if args.batch:
            raise ConfigError("--batch needs a model to pick the tags, and here the engine picks alone",
                              hint="run without --batch (the engine takes no model call), or set tag_rerank")
        print(f"dry run: {planned.total} entries, tagged by the engine alone: 0 model requests, no cost")
        return 1 if planned.problems else 0
    options: dict[str, str | bool] = {"corpus": os.pathsep.join(str(p) for p in corpus),
                                      "replace": bool(args.replace), "write_read_only": bool(args.write_read_only)}
    if args.dry_run and not args.batch:
        prepared, _ = prepare_requests(planned, settings, "tags", engine, corpus_keys(keys))
        print_estimate(prepared, settings)
        return 1 if planned.problems else 0
    return submit_batch("tags", planned, settings, options, args.dry_run, engine, corpus_keys(keys))


def _results(job: BatchJob, api: BatchApi | None, store: JobStore, settings: Settings) -> dict[str, Any]:
    from author_tui.batch.remote import downloaded
    from author_tui.store.calllog import open_call_log

    log = open_call_log(settings)
    try:
        return dict(downloaded(job, api, store, log.record, datetime.now(UTC), _failed))
    finally:
        log.close()


def _failed(job: BatchJob, errors: tuple[str, ...]) -> Exception:
    from author_tui.errors import ModelError

    return ModelError(f"batch {job.batch_id} failed at the provider: {'; '.join(errors) or 'no reason given'}",
                      hint=f"nothing was applied; submit again, or run live: author-tui {job.task} PATH")

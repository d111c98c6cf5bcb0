"""`author-tui translate PATH...`: give every Korean note without English its translation, in place.

Why a batch command: the author has thousands of older notes with no English. This walks digests (.txt)
and vault folders / notes (.md), translates the entries that need it through the model layer (cache,
output checks, one retry when they object) on a pool of threads, and writes each file as soon as its
entries are done, inserting only the English (`author_tui.store.batch_run` holds the guarantees).
A rerun after Ctrl-C or a crash continues where it stopped: done files are skipped, replies are cached.
"""

from __future__ import annotations

import argparse
import json
import queue
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from author_tui.config import add_common_flags, settings_from_args

if TYPE_CHECKING:
    from author_tui.config import Settings
    from author_tui.store.batch_run import Event, Loaded, Outcome, Run

EXAMPLES = """\
examples:
  author-tui translate ~/vault/arXiv --dry-run         # what would be translated, nothing written
  author-tui translate ~/vault/arXiv --concurrency 8 --report run.json
  author-tui translate drafts/2025-06-18.txt --force    # retranslate entries that have English
  author-tui translate notes/ --limit 20 --english-style plain

Folders are searched recursively for .md notes (hidden folders skipped); name digest .txt files directly.
Exit status: 0 when every entry was translated, 1 when any entry or file failed, 130 when interrupted."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "translate",
        help="translate every Korean note that has no English yet, in place",
        description="Translate the Korean notes that have no English, in digest files and vault notes, and\n"
        "insert only the English (a digest: the lines after the note; a vault note: an <english> block\n"
        "after the last Korean paragraph). Every other byte of each file stays as it was.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="digest .txt, vault note .md or folder")
    parser.add_argument("--force", action="store_true", help="retranslate entries that already have English")
    parser.add_argument("--dry-run", action="store_true", help="list what would change; write nothing")
    parser.add_argument("--limit", type=int, metavar="N", help="translate at most N entries")
    parser.add_argument("--english-style", choices=("block", "plain"), default="block",
                        help="vault notes: an <english> block (default), or a plain paragraph when the text "
                        "reads as prose")
    parser.add_argument("--report", type=Path, metavar="FILE", help="write a JSON report of every entry")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_common_flags(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from author_tui.store import batch_run

    if args.limit is not None and args.limit < 0:
        raise _usage_error("--limit must be 0 or more")
    settings = settings_from_args(args)
    loaded = batch_run.load(args.paths, force=args.force, limit=args.limit)
    for line in loaded.bad:
        print(f"author-tui: {line} (file skipped)", file=sys.stderr)
    if args.dry_run:
        return _dry_run(loaded, args.force)
    started = time.monotonic()
    outcomes, stopped = _translate(loaded, settings, args)
    if args.report:
        _write_report(args.report, outcomes, loaded.bad, time.monotonic() - started)
    return _summary(outcomes, loaded, stopped)


def _usage_error(message: str) -> Exception:
    from author_tui.errors import ConfigError

    return ConfigError(message)


# ------------------------------------------------------------------------------------------- the run


def _translate(loaded: Loaded, settings: Settings, args: argparse.Namespace) -> tuple[list[Outcome], str]:
    """Run the workers, showing progress; returns every entry's outcome and why the run stopped early."""
    from author_tui.core.port import CancelToken
    from author_tui.llm import build_authoring
    from author_tui.store.batch_run import STOP_AFTER_FAILURES, Run, translator

    if not loaded.plans:
        return [], ""
    cancel = CancelToken()
    authoring = build_authoring(settings, tags=False)  # translating needs examples, never tags
    run = Run(loaded.plans, translator(authoring, cancel), settings.concurrency, args.english_style).start()
    stopped, failed_in_a_row = "", 0
    with _progress(run.total, args.quiet) as progress:
        try:
            for event in _events(run):
                progress.show(event)
                if event.kind == "entry" and event.outcome is not None:
                    failed_in_a_row = failed_in_a_row + 1 if event.outcome.status == "failed" else 0
                if failed_in_a_row >= STOP_AFTER_FAILURES and not stopped and event.outcome is not None:
                    stopped = f"stopped after {failed_in_a_row} failures in a row: {event.outcome.error}"
                    run.stop()
        except KeyboardInterrupt:
            stopped = "interrupted"
            run.stop()
            cancel.cancel()
            run.drain()  # files whose entries are all done are still written, whole
    return run.outcomes(), stopped


def _events(run: Run) -> Iterator[Event]:
    """Events until every entry and every file is accounted for (or the run was stopped and drained)."""
    entries, files = 0, sum(1 for f in run.files if f.plan.jobs)
    while entries < run.total or files:
        try:
            event = run.events.get(timeout=0.1)
        except queue.Empty:
            if not run.working() and run.events.empty():
                return  # stopped early (or a worker died): nothing more will come
            continue
        entries += event.kind == "entry"
        files -= event.kind == "file"
        yield event


class _Progress:
    """A rich progress bar on stderr (entries done, failures, ETA); nothing when not a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.failed = 0
        self.bar: Any = None
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.bar = Progress(TextColumn("translating"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("[red]{task.fields[failed]} failed"), TextColumn("ETA"),
                            TimeRemainingColumn(), console=Console(stderr=True))
        self.task = self.bar.add_task("translate", total=total, failed=0)

    def show(self, event: Event) -> None:
        if event.outcome is not None:
            self.failed += event.outcome.status == "failed"
        else:
            self.failed += event.failed
        if self.bar is not None:
            self.bar.update(self.task, advance=1 if event.kind == "entry" else 0, failed=self.failed)

    def __enter__(self) -> _Progress:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _progress(total: int, quiet: bool) -> _Progress:
    return _Progress(total, enabled=not quiet and sys.stderr.isatty())


# ------------------------------------------------------------------------------------------- output


def _dry_run(loaded: Loaded, force: bool) -> int:
    verb = "retranslate" if force else "translate"
    count = 0
    for plan in loaded.plans:
        for job in plan.jobs:
            count += 1
            print(f"{job.where}: would {verb} {job.entry.title[:70]!r}")
    files = len(loaded.plans)
    print(f"dry run: would {verb} {count} entries in {files} file{'s' * (files != 1)}; nothing written"
          + (f"; {len(loaded.bad)} file(s) skipped as malformed" if loaded.bad else ""))
    return 1 if loaded.bad else 0


def _summary(outcomes: list[Outcome], loaded: Loaded, stopped: str) -> int:
    counts = {status: sum(o.status == status for o in outcomes) for status in ("translated", "failed", "interrupted")}
    for outcome in outcomes:
        if outcome.status == "failed":
            print(f"author-tui: {outcome.job.where}: {outcome.job.entry.title[:50]!r}: {outcome.error}",
                  file=sys.stderr)
        for warning in outcome.warnings:
            print(f"author-tui: warning: {outcome.job.where}: {warning}", file=sys.stderr)
    usage = _total_usage(outcomes)
    print(f"translated {counts['translated']} of {len(outcomes)} entries in {len(loaded.plans)} files; "
          f"{counts['failed']} failed, {counts['interrupted']} not done, {len(loaded.bad)} file(s) skipped; "
          f"{usage['requests']} requests, {usage['cache_hits']} cached, "
          f"{usage['prompt_tokens']}+{usage['completion_tokens']} tokens")
    if stopped:
        print(f"author-tui: {stopped}; run the same command again to continue", file=sys.stderr)
    if stopped == "interrupted":
        return 130
    return 1 if counts["failed"] or counts["interrupted"] or loaded.bad else 0


def _usage_dict(usage: Any) -> dict[str, int]:
    return {name: getattr(usage, name) for name in
            ("prompt_tokens", "completion_tokens", "cached_tokens", "requests", "cache_hits")}


def _total_usage(outcomes: list[Outcome]) -> dict[str, int]:
    from author_tui.core.port import Usage

    total = Usage()
    for outcome in outcomes:
        total = total + outcome.usage
    return _usage_dict(total)


def _write_report(path: Path, outcomes: list[Outcome], bad: list[str], seconds: float) -> None:
    from author_tui.store.files import write_atomic

    entries = [{
        "path": o.job.path, "line": o.job.line, "title": o.job.entry.title, "status": o.status,
        "english": o.english if o.status == "translated" else "", "retried": o.retried,
        "warnings": o.warnings, "error": o.error, "tokens": _usage_dict(o.usage),
    } for o in outcomes]
    report = {"entries": entries, "skipped_files": bad, "seconds": round(seconds, 3),
              "totals": _total_usage(outcomes)}
    write_atomic(path, (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode())

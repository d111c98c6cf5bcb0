"""`author-tui translate PATH...`: give every Korean note without English its translation, in place.

Why a batch command: the author has thousands of older notes with no English. This walks digests (.txt)
and vault folders / notes (.md), translates the entries that need it through the model layer (cache,
output checks, one retry when they object) on a pool of threads, and writes each file as soon as its
entries are done, inserting only the English. The batch engine (`author_tui.batch`) does all of it and
holds the guarantees; this module parses the arguments and prints. A rerun after Ctrl-C or a crash
continues where it stopped: done files are skipped, replies are cached.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from author_tui.commands.batch import add_batch_flags
from author_tui.config import add_common_flags, settings_from_args

if TYPE_CHECKING:
    from author_tui.batch import Finished, Planned, Translate
    from author_tui.config import Settings

EXAMPLES = """\
examples:
  author-tui translate ~/vault/arXiv --dry-run         # what would be translated, nothing written
  author-tui translate ~/vault/arXiv --concurrency 8 --report run.json
  author-tui translate drafts/2025-06-18.txt --force    # retranslate entries that have English
  author-tui translate notes/ --limit 20 --english-style plain
  author-tui translate ~/vault/arXiv --batch --dry-run  # the Batch API's estimate (half price), nothing sent
  author-tui translate ~/vault/arXiv --batch            # submit; later: author-tui batch status / apply ID

Folders are searched recursively for .md notes (hidden folders skipped); name digest .txt files directly.
A read-only file (chmod 444) is left alone (reported) unless --write-read-only.
Without a terminal, a progress line every 10 s.
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
    parser.add_argument("--write-read-only", action="store_true",
                        help="also write read-only files (chmod 444), which are otherwise left alone")
    parser.add_argument("--dry-run", action="store_true", help="list what would change; write nothing")
    parser.add_argument("--limit", type=int, metavar="N", help="translate at most N entries")
    parser.add_argument("--english-style", choices=("block", "plain"), default="block",
                        help="vault notes: an <english> block (default), or a plain paragraph when the text "
                        "reads as prose")
    parser.add_argument("--report", type=Path, metavar="FILE", help="write a JSON report of every entry")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or progress lines")
    add_batch_flags(parser)
    add_common_flags(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from author_tui.batch import Translate, plan

    if args.limit is not None and args.limit < 0:
        raise _usage_error("--limit must be 0 or more")
    settings = settings_from_args(args)
    task = Translate(force=args.force, style=args.english_style)
    # Only a run that writes the notes cleans up after a killed writer (a dry run or a submission does not).
    planned = plan(args.paths, task, limit=args.limit, remove_temps=not (args.dry_run or args.batch))
    for line in planned.problems:
        print(f"author-tui: {line} (file skipped)", file=sys.stderr)
    if planned.temps_removed:
        print(f"author-tui: removed {planned.temps_removed} temp file(s) left by an interrupted write",
              file=sys.stderr)
    if args.batch:  # the estimate, then the submission (or only the estimate with --dry-run)
        from author_tui.commands.batch import submit_batch

        options = {"force": args.force, "style": args.english_style, "write_read_only": args.write_read_only}
        return submit_batch("translate", planned, settings, options, args.dry_run)
    if args.dry_run:
        return _dry_run(planned, args.force, settings)
    started = time.monotonic()
    finished = _translate(planned, task, settings, args)
    if args.report:
        from author_tui.batch import write_report

        write_report(args.report, finished.outcomes, planned.problems, time.monotonic() - started)
    return _summary(finished, planned, settings)


def _usage_error(message: str) -> Exception:
    from author_tui.errors import ConfigError

    return ConfigError(message)


def _translate(planned: Planned, task: Translate, settings: Settings, args: argparse.Namespace) -> Finished:
    """The engine's live run over the plan, with progress on stderr."""
    from author_tui.batch import Endpoint, Finished, Progress, Run, drive
    from author_tui.batch.live import translator
    from author_tui.core.port import CancelToken
    from author_tui.llm import build_authoring

    if not planned.files:
        return Finished([])
    cancel = CancelToken()
    authoring = build_authoring(settings, tags=False)  # translating needs examples, never tags
    run = Run(planned.files, translator(authoring, cancel), settings.concurrency, task,
              write_read_only=args.write_read_only)
    endpoint = Endpoint(settings.base_url or "the embedded model", settings.timeout, settings.max_retries)
    return drive(run, Progress(task.name, run.total, quiet=args.quiet, endpoint=endpoint), cancel)


# ------------------------------------------------------------------------------------------- output


def _dry_run(planned: Planned, force: bool, settings: Settings) -> int:
    from author_tui.commands.batch import prepare_requests, print_estimate

    verb = "retranslate" if force else "translate"
    for job in planned.jobs:
        print(f"{job.where}: would {verb} {job.entry.title[:70]!r}")
    files = len(planned.files)
    print(f"dry run: would {verb} {planned.total} entries in {files} file{'s' * (files != 1)}; nothing written"
          + (f"; {len(planned.problems)} file(s) skipped" if planned.problems else ""))
    print_estimate(prepare_requests(planned, settings, "translate")[0], settings)
    return 1 if planned.problems else 0


def _summary(finished: Finished, planned: Planned, settings: Settings) -> int:
    from author_tui.batch import Summary
    from author_tui.commands.batch import print_spent

    for outcome in finished.outcomes:
        if outcome.status == "failed":
            print(f"author-tui: {outcome.job.where}: {outcome.job.entry.title[:50]!r}: {outcome.error}",
                  file=sys.stderr)
        for warning in outcome.warnings:
            print(f"author-tui: warning: {outcome.job.where}: {warning}", file=sys.stderr)
    summary = Summary.of(finished.outcomes)
    print(f"translated {summary.done} of {summary.total} entries in {len(planned.files)} files; "
          f"{summary.failed} failed, {summary.interrupted} not done, {len(planned.problems)} file(s) skipped; "
          f"{summary.usage_line()}")
    print_spent(settings, summary.usage)
    if finished.stopped:
        print(f"author-tui: {finished.stopped}; run the same command again to continue", file=sys.stderr)
    if finished.interrupted:
        return 130
    return 1 if summary.failed or summary.interrupted or planned.problems else 0

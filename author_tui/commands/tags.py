"""`author-tui tags PATH... --corpus DIR`: suggest hashtags for entries from the author's own archive.

Why a command: six years of tags drifted, and older notes are tagged unevenly. This ranks tags for every
entry of the given digests (.txt) and vault notes (.md, folders searched recursively) from the text alone
(the entry's current tags are never looked at), with the tag engine built on the corpus; by default a
language model then picks among the engine's candidates (`--no-llm`: the engine's own calibrated choice).
`--apply` writes the chosen tags: added to the author's own by default, swapped in with `--replace`;
only the tags line of each changed entry differs afterwards. An entry that is itself in the corpus is
never its own neighbour (same key, same arXiv id, link or title).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from author_tui.commands.batch import add_batch_flags
from author_tui.config import add_common_flags, settings_from_args
from author_tui.errors import ConfigError

if TYPE_CHECKING:
    from author_tui.batch import Event, Outcome
    from author_tui.core.batch import Job

DESCRIPTION = """\
Suggest hashtags for every entry of digests (.txt) and vault notes (.md; folders are searched) from the
text alone, ranked with scores by a tag engine built on the corpus of past notes; the entry's current tags
are never looked at, and an entry that is in the corpus is never its own neighbour. A capable language
model (a configured endpoint, or the 1.5B embedded model: see tag_rerank in `author-tui config`) then
picks among the candidates, unless --no-llm; if it fails, the engine's choice stands. --apply writes the
chosen tags (added to the current ones, or instead of them with --replace); only tag lines change."""

EXAMPLES = """\
examples:
  author-tui tags drafts/2025-06-18.txt --corpus ~/vault/arXiv --no-llm
  author-tui tags ~/vault/arXiv/2025 --corpus ~/vault/arXiv --format jsonl > tags.jsonl
  author-tui tags drafts/2025-06-18.txt --corpus ~/vault/arXiv --apply            # add the chosen tags
  author-tui tags "~/vault/arXiv/2025/250630 SPIRAL.md" --corpus ~/vault/arXiv --apply --replace
  author-tui tags ~/vault/arXiv/2024 --corpus ~/vault/arXiv --batch --apply       # via the Batch API

The corpus defaults to the `archive` setting (see `author-tui config`). jsonl: one object per entry,
{"path", "title", "current", "suggested": [{"tag", "score"}], "chosen"}; a digest entry's path is
`file.txt#N` (N counts entries from 1). Exit status 0; 1 when a file could not be read or written."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tags",
        help="suggest hashtags for digest entries and vault notes from the archive (optionally write them)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="digest .txt, vault note .md or folder")
    parser.add_argument("--corpus", action="append", type=Path, metavar="DIR",
                        help="the archive of past notes to learn tags from (repeatable; default: archive setting)")
    parser.add_argument("--format", choices=("table", "jsonl"), default="table", help="output (default: table)")
    parser.add_argument("--top", type=int, default=5, metavar="N", help="ranked candidates shown (default: 5)")
    parser.add_argument("--no-llm", action="store_true",
                        help="the retrieval engine alone chooses (no model call); default: a capable model "
                        "picks among the engine's candidates")
    parser.add_argument("--apply", action="store_true", help="write the chosen tags into the files")
    parser.add_argument("--write-read-only", "--force", dest="write_read_only", action="store_true",
                        help="with --apply: also write read-only files (chmod 444)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or progress lines")
    parser.add_argument("--replace", action="store_true",
                        help="with --apply: the chosen tags replace the current ones (default: added to them)")
    add_batch_flags(parser, dry_run=True)
    add_common_flags(parser)
    _reword(parser, {
        "--batch": "with --apply: submit the model's picks to the provider's Batch API (about half the price, "
                   "back within 24 h; needs a model that picks tags, see tag_rerank) and write them later "
                   "with `author-tui batch apply`",
        "--concurrency": argparse.SUPPRESS,  # one entry at a time: the output streams in file order
        "--archive": argparse.SUPPRESS,  # the corpus is --corpus (the archive setting is its default)
    })
    parser.set_defaults(func=run)


def _reword(parser: argparse.ArgumentParser, helps: dict[str, str]) -> None:
    """Shared flags whose meaning differs for tags get their own help (or none, when tags ignores them)."""
    for action in parser._actions:
        for flag in set(action.option_strings) & helps.keys():
            action.help = helps[flag]


def run(args: argparse.Namespace) -> int:
    from author_tui.batch import Endpoint, Progress, Run, Tag, drive, plan
    from author_tui.batch.live import corpus_keys, tagger, tags_authoring
    from author_tui.core.tags import TagEngine
    from author_tui.llm import rerank_tags
    from author_tui.store.archive import load_archive

    if args.replace and not args.apply:
        raise ConfigError("--replace only makes sense with --apply", "add --apply, or drop --replace")
    if args.batch and not args.dry_run and not args.apply:  # `batch apply` writes what was submitted
        raise ConfigError("tags --batch submits tags to be written into the files, so it needs --apply",
                          "add --apply (`batch apply` writes them later), or --dry-run for the estimate only")
    settings = settings_from_args(args)
    corpus = args.corpus or settings.archive
    if not corpus:
        raise ConfigError("no corpus to learn tags from", "pass --corpus DIR, or set `archive` in the config")
    task = Tag()
    # Every path checked before any file is written; only a run that writes cleans up a killed writer's temps.
    planned = plan(args.paths, task, remove_temps=args.apply and not (args.dry_run or args.batch))
    skipped: list[str] = []
    docs = load_archive(corpus, skipped)
    if skipped:
        print(f"author-tui: {len(skipped)} file(s) of the corpus skipped, e.g. {skipped[0]}", file=sys.stderr)
    engine = TagEngine.build(docs)
    if not engine.tags:
        raise ConfigError(f"no tagged notes in {', '.join(map(str, corpus))}", "point --corpus at the vault")
    for line in planned.problems:
        print(f"author-tui: {line}; skipped", file=sys.stderr)
    if planned.temps_removed:
        print(f"author-tui: removed {planned.temps_removed} temp file(s) left by an interrupted write",
              file=sys.stderr)
    if args.batch or args.dry_run:  # the estimate, and with --batch the submission: no live model call
        from author_tui.commands.batch import tags_batch

        return tags_batch(planned, settings, engine, [doc.key for doc in docs], corpus, args, rerank_tags(settings))
    authoring = None if args.no_llm or not rerank_tags(settings) else tags_authoring(settings, engine)
    execute = tagger(engine, authoring, corpus_keys([doc.key for doc in docs]), args.replace)
    # One entry at a time, as before the engine: the output streams in file order as it is answered.
    run = Run(planned.files, execute, 1, task, write=args.apply, write_read_only=args.write_read_only)
    endpoint = None
    if authoring is not None:
        endpoint = Endpoint(settings.base_url or "the embedded model", settings.timeout, settings.max_retries)
    printer = InOrder(planned.jobs, args)
    finished = drive(run, Progress(task.name, run.total, quiet=args.quiet, endpoint=endpoint), on_event=printer)
    printer.flush()
    if finished.stopped:
        print(f"author-tui: {finished.stopped}", file=sys.stderr)
    if authoring is not None:  # the closing line of a run that called a model (stderr: stdout is the data)
        from author_tui.batch import Summary
        from author_tui.commands.batch import spent_text

        print(spent_text(settings, Summary.of(finished.outcomes).usage), file=sys.stderr)
    return 1 if planned.problems or printer.not_written or finished.stopped else 0


class InOrder:
    """Prints each entry as it is answered, but in file order (workers may answer out of order), and
    each file's "tags written" once its entries are shown."""

    def __init__(self, jobs: Sequence[Job], args: argparse.Namespace) -> None:
        self.jobs, self.args = list(jobs), args
        self.answered: dict[int, Outcome] = {}
        self.waiting: dict[str, str] = {}  # per file: what became of it, until its entries are shown
        self.shown: set[str] = set()  # files whose entries are all shown
        self.next = 0
        self.not_written = 0

    def __call__(self, event: Event) -> None:
        if event.outcome is not None:
            self.answered[id(event.outcome.job)] = event.outcome
        elif event.error:
            self.not_written += 1
            self._say(event.path, f"author-tui: {event.path}: not written ({event.error})")
        elif event.written:
            self._say(event.path, f"author-tui: {event.path}: tags written")
        self._print_ready()

    def flush(self) -> None:
        """After the run: what is still waiting (an interrupted run's unanswered entries are not shown)."""
        self._print_ready()
        for line in self.waiting.values():
            print(line, file=sys.stderr)
        self.waiting.clear()

    def _say(self, path: str, line: str) -> None:
        if path in self.shown:
            print(line, file=sys.stderr)
        else:
            self.waiting[path] = line

    def _print_ready(self) -> None:
        while self.next < len(self.jobs) and id(self.jobs[self.next]) in self.answered:
            job = self.jobs[self.next]
            outcome = self.answered.pop(id(job))
            for line in outcome.notes + outcome.warnings:
                print(f"author-tui: {job.key}: {line}", file=sys.stderr)
            print(_show(outcome, self.args), flush=True)
            self.next += 1
            if self.next == len(self.jobs) or self.jobs[self.next].path != job.path:
                self.shown.add(job.path)
                if job.path in self.waiting:
                    print(self.waiting.pop(job.path), file=sys.stderr)


# --- output ----------------------------------------------------------------------------------------------


def _show(outcome: Outcome, args: argparse.Namespace) -> str:
    ranked = outcome.suggestion.candidates[: args.top] if outcome.suggestion else []
    job = outcome.job
    if args.format == "jsonl":
        return json.dumps({
            "path": job.key,
            "title": job.entry.title,
            "current": list(job.entry.tags),
            "suggested": [{"tag": c.tag, "score": c.score} for c in ranked],
            "chosen": outcome.chosen,
        }, ensure_ascii=False)  # fmt: skip
    return "\n".join(_table_lines(outcome, ranked, args.replace))


def _table_lines(outcome: Outcome, ranked: Sequence[Any], replace: bool) -> Iterator[str]:
    current, chosen = list(outcome.job.entry.tags), outcome.chosen
    added = [t for t in chosen if t not in current]
    dropped = [t for t in current if t not in chosen]
    yield f"{outcome.job.key}  {outcome.job.entry.title[:80]}"
    yield f"  current   {_hashes(current) or '(none)'}"
    yield "  ranked    " + "  ".join(f"#{c.tag} {c.score:.2f}" for c in ranked)
    yield f"  chosen    {_hashes(chosen)}"
    yield f"  added     {_hashes(added) or '-'}" + (f"   removed {_hashes(dropped) or '-'}" if replace else "")
    if not replace and dropped:
        yield f"  not suggested (kept) {_hashes(dropped)}"


def _hashes(tags: Sequence[str]) -> str:
    return " ".join(f"#{t}" for t in tags)

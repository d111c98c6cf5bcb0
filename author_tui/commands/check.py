"""`author-tui check PATH...`: prove the tool reads the author's files exactly, before it ever writes one.

For each digest (.txt) and vault note (.md), it parses, renders back and compares byte for byte, and
lists what a reader should look at as `path:line: message` on stderr (errors stop the tool from editing the
file; warnings are oddities it keeps as they are). A summary goes to stdout. Exit 1 when there are errors.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from author_tui.core import digest, vault
from author_tui.core.hashtag import is_house_tag
from author_tui.core.model import Entry
from author_tui.core.text import control_characters
from author_tui.errors import EntryError, FormatError
from author_tui.store.archive import DIGEST_SUFFIX, NOTE_SUFFIX, archive_files, has_suffix

DESCRIPTION = """\
Check digests (.txt) and vault notes (.md): each file must parse, and render back to exactly the same
bytes. Folders are searched recursively for both kinds (hidden folders are skipped).

Prints a summary (files, entries, with/without English, tags used) to stdout and one
`path:line: message` per problem to stderr. Errors mean the tool would refuse to edit the file;
warnings are oddities it keeps untouched (a missing tags line, an unclosed <english> block...)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate digests and vault notes, and prove they round-trip byte for byte",
        description=DESCRIPTION,
        epilog="Exit status: 0 when no file has errors, 1 otherwise.\n"
               "Example: author-tui check drafts/ ~/vault/arXiv --no-warnings",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a digest .txt, a note .md, or a folder holding them")
    parser.add_argument("--no-warnings", action="store_true", help="list errors only")
    parser.add_argument("--top-tags", type=int, default=10, metavar="N",
                        help="how many of the most used tags the summary shows (default: 10)")
    parser.set_defaults(func=run)


@dataclass
class Report:
    digests: int = 0
    notes: int = 0
    entries: int = 0
    with_english: int = 0
    tags: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def count(self, entry: Entry) -> None:
        self.entries += 1
        self.with_english += entry.has_english
        self.tags.update(entry.tags)


def run(args: argparse.Namespace) -> int:
    report = Report()
    for path in archive_files(args.paths, in_folders=(NOTE_SUFFIX, DIGEST_SUFFIX)):
        try:
            data = path.read_bytes()
        except OSError as error:
            report.errors.append(f"{path}:1: cannot be read: {error.strerror}")
            continue
        if has_suffix(path, DIGEST_SUFFIX):  # .TXT too
            check_digest(str(path), data, report)
        else:
            check_note(str(path), data, report)
    for line in report.errors + ([] if args.no_warnings else report.warnings):
        print(line, file=sys.stderr)
    print(summary(report, args.top_tags))
    return 1 if report.errors else 0


def check_digest(path: str, data: bytes, report: Report) -> None:
    report.digests += 1
    try:
        parsed = digest.parse(data, path)
    except FormatError as error:
        report.errors.append(error.message)
        return
    # NUL bytes fail the parse above; other control characters are oddities to see, kept as they are.
    report.warnings += [f"{path}:{line}: warning: {what}" for line, what in control_characters(data.decode())]
    titles = Counter[str]()
    for line, entry in digest.entry_lines_at(parsed):
        report.count(entry)
        for problem in digest.problems(entry):
            report.errors.append(f"{path}:{line}: {problem}")
        report.warnings += [f"{path}:{line}: warning: {w}" for w in _entry_warnings(entry)]
        titles[entry.title] += 1
        if titles[entry.title] == 2:
            report.warnings.append(f"{path}:{line}: warning: {entry.title[:60]!r} appears twice")
    try:
        rendered = digest.render(parsed)
    except EntryError as error:
        report.errors.append(f"{path}:1: cannot be written back: {error.message}")
        return
    _compare(path, data, rendered, report)


def _entry_warnings(entry: Entry) -> list[str]:
    found = [f"tag #{tag} is not lower-case ASCII words joined by - or _"
             for tag in entry.tags if not is_house_tag(tag)]
    if not entry.has_note:
        found.append("no Korean note")
    return found


def check_note(path: str, data: bytes, report: Report) -> None:
    report.notes += 1
    try:
        note = vault.parse(data, path)
    except FormatError as error:
        report.errors.append(error.message)
        return
    _compare(path, data, note.render(), report)
    report.warnings += [f"{path}:{line}: warning: {message}" for line, message in vault.problems(note)]
    if note.is_paper:
        report.count(note.entry())


def _compare(path: str, data: bytes, rendered: bytes, report: Report) -> None:
    if rendered == data:
        return
    lines, back = data.split(b"\n"), rendered.split(b"\n")
    first = next((i for i, (a, b) in enumerate(zip(lines, back, strict=False)) if a != b), min(len(lines), len(back)))
    report.errors.append(f"{path}:{first + 1}: rendering back differs from the file here (round trip broken)")


def summary(report: Report, top: int) -> str:
    used = ", ".join(f"#{tag} {n}" for tag, n in report.tags.most_common(top))
    return "\n".join([
        f"files: {report.digests + report.notes} ({report.digests} digests, {report.notes} notes)",
        f"entries: {report.entries} ({report.with_english} with English, "
        f"{report.entries - report.with_english} without)",
        f"tags: {len(report.tags)} distinct" + (f"; most used: {used}" if used else ""),
        f"problems: {len(report.errors)} errors, {len(report.warnings)} warnings",
    ])

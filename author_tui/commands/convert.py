"""`author-tui convert`: move entries between the two formats the author keeps.

Vault notes -> one digest day (in the order given), to stdout or appended to a digest file; or a digest ->
one vault note per entry. Everything is checked before anything is written: an entry the target format
cannot hold, a malformed digest or an existing note stops the command with nothing written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from author_tui.core import digest, vault, vault_edit
from author_tui.core.model import Day, Digest, Entry
from author_tui.errors import AuthorTuiError, ConflictError, EntryError
from author_tui.store.files import read_or_none, replace_if_unchanged, write_atomic
from author_tui.store.locks import file_lock

DESCRIPTION = """\
Convert between vault notes and the daily digest.

  author-tui convert NOTE.md... [--date YYYY-MM-DD] [-o DIGEST.txt]
      The notes become one digest day, in the order given: title, (authors), abstract (LaTeX shown as
      plain text: $Pass@K$ -> Pass@K), Korean note, English, tags. Without -o the day is printed; with -o it
      is added to the digest file (created when missing; an existing day of that date gets the entries
      appended), written atomically. --date defaults to the date in the notes' file names (YYMMDD ...).

  author-tui convert DIGEST.txt --to-vault DIR [--force]
      One note per entry, named like the archive: 'YYMMDD Short Title.md' (the title up to its first ':').
      An existing note is never overwritten without --force."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="vault notes -> a digest day, or a digest -> vault notes",
        description=DESCRIPTION,
        epilog="Examples:\n"
               "  author-tui convert '250618 Gemini 2.5.md' '250617 Ring-lite.md' --date 2025-06-18\n"
               "  author-tui convert vault/2025/250618*.md -o digest.txt\n"
               "  author-tui convert digest.txt --to-vault vault/2025",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="+", type=Path, metavar="FILE",
                        help="vault notes (.md), or with --to-vault one digest (.txt)")
    parser.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="the digest day the notes go under (default: the date in their file names)")
    parser.add_argument("-o", "--output", type=Path, metavar="DIGEST.txt",
                        help="add the day to this digest file instead of printing it")
    parser.add_argument("--to-vault", type=Path, metavar="DIR", help="write one note per digest entry here")
    parser.add_argument("--force", action="store_true", help="with --to-vault: overwrite existing notes")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.to_vault is not None:
        if args.output is not None or args.date is not None:
            raise AuthorTuiError("--to-vault does not take -o or --date", "give only the digest and the folder")
        return digest_to_vault(args.inputs, args.to_vault, args.force)
    return notes_to_digest(args.inputs, args.date, args.output)


# ----------------------------------------------------------------------------------------- notes -> digest


def notes_to_digest(paths: list[Path], date: dt.date | None, output: Path | None) -> int:
    notes = [vault.parse(_read(path), str(path)) for path in paths]
    day = Day(date=date or _common_date(notes), entries=[_digest_entry(note) for note in notes])
    if output is None:
        data = digest.render(Digest(days=[day]))
        sys.stdout.buffer.write(data + (b"\n" if sys.stdout.isatty() else b""))
        sys.stdout.flush()
        return 0
    with file_lock(output):  # the TUI or a translate run may be saving the same digest
        existing = read_or_none(output)
        target = digest.parse(existing, str(output)) if existing is not None else Digest()
        target.ensure_day(day.date).entries.extend(day.entries)
        write_atomic(output, digest.render(target))
    print(f"{output}: {len(day.entries)} entries added to {digest.day_header(day.date)}", file=sys.stderr)
    return 0


def _digest_entry(note: vault.Note) -> Entry:
    if not note.is_paper:
        raise EntryError(f"{note.name}: not a paper note", "give notes about a paper")
    entry = vault.digest_entry(note)
    found = digest.problems(entry)
    if found:
        raise EntryError(f"{note.name}: cannot be written as a digest entry: " + "; ".join(found),
                         "fix the note (or its tags line), then convert again")
    return entry


def _common_date(notes: list[vault.Note]) -> dt.date:
    dates = {note.date for note in notes}
    if len(dates) == 1 and None not in dates:
        return dates.pop()  # type: ignore[return-value]
    raise AuthorTuiError("the notes do not share one date in their file names",
                         "give the digest day with --date YYYY-MM-DD")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise AuthorTuiError(f"{path}: cannot be read ({error.strerror})", "check the path") from None


# ----------------------------------------------------------------------------------------- digest -> vault


def digest_to_vault(paths: list[Path], folder: Path, force: bool) -> int:
    if len(paths) != 1 or paths[0].suffix != ".txt":
        raise AuthorTuiError("--to-vault takes exactly one digest (.txt)", "convert one digest at a time")
    parsed = digest.parse(_read(paths[0]), str(paths[0]))
    planned: dict[Path, bytes] = {}
    for day in parsed.days:
        for entry in day.entries:
            target = folder / vault.note_name(entry, day.date)
            if target in planned:
                raise ConflictError(f"{target}: two entries would get the same note name",
                                    "rename one of the titles in the digest")
            planned[target] = vault_edit.new_note(entry, target.name).render()
    current = {path: read_or_none(path) for path in planned}
    existing = [str(path) for path, data in current.items() if data is not None]
    if existing and not force:
        raise ConflictError(f"{len(existing)} note(s) already exist: " + ", ".join(existing[:3])
                            + (" ..." if len(existing) > 3 else ""),
                            "use --force to overwrite them, or convert into another folder")
    for target, data in planned.items():
        replace_if_unchanged(target, current[target], data)  # a note created meanwhile is never overwritten
        print(target)
    return 0

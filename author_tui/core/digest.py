"""The daily digest in the house format: parse bytes into a Digest and render it back, losslessly.

The format is positional (see docs/architecture.md): a day header, then entries of
title / (authors) / abstract / Korean note lines / English lines / tags line, with no separators.
Two promises, both tested:
- for every file `parse` accepts, `render(parse(data)) == data`, byte for byte;
- for every entry `problems` accepts, parsing its rendering gives back the same entry.
An entry that cannot be written so that it reads back the same is refused (EntryError), never written.
"""

from __future__ import annotations

import datetime as dt
import gc
import re
from collections.abc import Iterator

from author_tui.core.hashtag import DIGEST_TAGS_LINE
from author_tui.core.model import Day, Digest, Entry
from author_tui.core.text import BOM, decode_utf8, first_nul_line, has_hangul
from author_tui.errors import EntryError, FormatError, NulByte

DAY_HEADER = re.compile(r"(\d{4})년 ([1-9]\d?)월 ([1-9]\d?)일")
# Any header-like line, zero padding included: it may only appear as a proper day header.
DAY_HEADER_LIKE = re.compile(r"\s*\d{4}\s*년\s*\d{1,2}\s*월\s*\d{1,2}\s*일\s*")
FIELD_LABELS = {"title": "title", "authors": "authors", "abstract": "abstract", "note": "Korean note",
                "english": "English"}
FIX_HINT = "fix the line in an editor (or run `author-tui check FILE` to list every problem), then retry"


def day_header(date: dt.date) -> str:
    return f"{date.year}년 {date.month}월 {date.day}일"


def looks_like_day_header(line: str) -> bool:
    # The cheap membership test first: this runs on every body line of a 20,000-entry file.
    return "년" in line and DAY_HEADER_LIKE.fullmatch(line) is not None


def is_tags_line(line: str) -> bool:
    return DIGEST_TAGS_LINE.fullmatch(line) is not None


def _show(line: str) -> str:
    """A line as quoted in an error message: trimmed so a 3,000-character abstract stays readable."""
    return repr(line if len(line) <= 60 else line[:57] + "...")


# ---------------------------------------------------------------------------------------------- parse


def decode(data: bytes, path: str) -> tuple[str, bool]:
    """UTF-8 text without its BOM, and whether there was one."""
    text = decode_utf8(data, path)
    return (text[1:], True) if text.startswith(BOM) else (text, False)


def split_lines(text: str, path: str) -> tuple[list[str], str, bool]:
    """Lines, the newline in use, and whether the text ends with one. Mixed endings are refused."""
    newline = "\r\n" if text.split("\n", 1)[0].endswith("\r") and "\n" in text else "\n"
    final_newline = text.endswith(newline) if text else False
    body = text[: -len(newline)] if final_newline else text
    lines = body.split(newline) if text else []
    for number, line in enumerate(lines, 1):
        if "\r" in line or (newline == "\r\n" and "\n" in line):
            ending = "CRLF" if newline == "\r\n" else "LF"
            raise FormatError(path, number, f"{ending} line endings like the first line",
                              "a stray carriage return or mixed line endings",
                              "convert the file to one line-ending style")
    return lines, newline, final_newline


def parse(data: bytes, path: str = "<digest>") -> Digest:
    """Read a digest file. Raises FormatError naming the line and what was expected."""
    text, bom = decode(data, path)
    nul = first_nul_line(text)
    if nul is not None:  # never parsed into an entry: it could only be written back
        raise NulByte(path, nul)
    lines, newline, final_newline = split_lines(text, path)
    digest = Digest(newline=newline, bom=bom, final_newline=final_newline)  # type: ignore[arg-type]
    # Parsing allocates many objects and frees none: the cycle collector's passes are pure overhead here.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _Reader(lines, path).read_into(digest)
    finally:
        if collecting:
            gc.enable()
    return digest


class _Reader:
    """Walks the lines once; `at` is the 0-based index of the next unread line."""

    def __init__(self, lines: list[str], path: str) -> None:
        self.lines, self.path, self.at = lines, path, 0

    def fail(self, expected: str, index: int | None = None) -> FormatError:
        index = self.at if index is None else index
        found = _show(self.lines[index]) if index < len(self.lines) else "end of file"
        if index < len(self.lines) and not self.lines[index].strip():
            found = "a blank line"
        return FormatError(self.path, index + 1, expected, found, FIX_HINT)

    def read_into(self, digest: Digest) -> None:
        while self.at < len(self.lines):
            if not digest.days or looks_like_day_header(self.lines[self.at]):
                digest.days.append(Day(date=self.day_header()))
            else:
                digest.days[-1].entries.append(self.entry())

    def day_header(self) -> dt.date:
        line = self.lines[self.at]
        match = DAY_HEADER.fullmatch(line)
        if match is None:
            raise self.fail("a day header like '2025년 6월 18일' (no zero padding)")
        try:
            date = dt.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise self.fail("a day header with a real date") from None
        self.at += 1
        return date

    def entry(self) -> Entry:
        start = self.at
        title = self.take("a title line", lambda line: bool(line.strip()))
        authors = self.take("an authors line in parentheses, like '(Ada Lovelace, Alan Turing)'",
                            lambda line: line.startswith("(") and line.endswith(")") and len(line) > 1)
        abstract = self.take("an abstract line", lambda line: True)
        body_start = self.at
        while self.at < len(self.lines) and not is_tags_line(self.lines[self.at]):
            if looks_like_day_header(self.lines[self.at]):
                break
            self.at += 1
        if self.at >= len(self.lines) or not is_tags_line(self.lines[self.at]):
            raise self.fail(f"the tags line (like '#llm #rl') closing the entry that starts at line "
                            f"{start + 1}")
        note, english = split_body(self.lines[body_start : self.at])
        tags = self.lines[self.at][1:].split(" #")
        self.at += 1
        return Entry(title=title, authors=authors[1:-1], abstract=abstract, note=note, english=english,
                     tags=tags)

    def take(self, expected: str, accept: object) -> str:
        if self.at >= len(self.lines) or not accept(self.lines[self.at]):  # type: ignore[operator]
            raise self.fail(expected)
        self.at += 1
        return self.lines[self.at - 1]


def split_body(lines: list[str]) -> tuple[str, str]:
    """The Korean note runs up to its last Hangul line; what follows is the English."""
    last_korean = max((i for i, line in enumerate(lines) if has_hangul(line)), default=-1)
    return "\n".join(lines[: last_korean + 1]), "\n".join(lines[last_korean + 1 :])


# --------------------------------------------------------------------------------------------- render


def problems(entry: Entry) -> list[str]:
    """Why `entry` cannot be written in the house format so that it reads back the same (empty: it can)."""
    found = []
    if not entry.title.strip():
        found.append("the title is empty")
    elif looks_like_day_header(entry.title):
        found.append("the title reads as a day header")
    note_lines = entry.note.split("\n") if entry.note else []
    english_lines = entry.english.split("\n") if entry.english else []
    if note_lines and not has_hangul(note_lines[-1]):
        found.append("the Korean note must end with a line that contains Hangul "
                     "(otherwise its last lines would read as English)")
    if has_hangul(entry.english):
        found.append("the English translation contains Hangul")
    for name, lines in (("Korean note", note_lines), ("English", english_lines)):
        if any(is_tags_line(line) for line in lines):
            found.append(f"a line of the {name} reads as a tags line")
        if any(looks_like_day_header(line) for line in lines):
            found.append(f"a line of the {name} reads as a day header")
    if not entry.tags:
        found.append("an entry needs at least one tag (the tags line closes it)")
    found += [f"the {label} holds a NUL byte" for name, label in FIELD_LABELS.items() if "\x00" in getattr(entry, name)]
    if any("\x00" in tag for tag in entry.tags):
        found.append("the tags hold a NUL byte")
    return found


def entry_lines(entry: Entry) -> Iterator[str]:
    yield entry.title
    yield f"({entry.authors})"
    yield entry.abstract
    if entry.note:
        yield from entry.note.split("\n")
    if entry.english:
        yield from entry.english.split("\n")
    yield entry.tag_line


def entry_lines_at(digest: Digest) -> Iterator[tuple[int, Entry]]:
    """Each entry with the 1-based line its title stands on, for messages that point into the file."""
    line = 1
    for day in digest.days:
        line += 1  # the day header
        for entry in day.entries:
            yield line, entry
            line += sum(1 for _ in entry_lines(entry))


def render_entry(entry: Entry, newline: str = "\n") -> str:
    """One entry's lines, no trailing newline. Raises EntryError when the entry cannot be represented."""
    found = problems(entry)
    if found:
        raise EntryError(f"entry {entry.title[:60]!r} cannot be written: " + "; ".join(found),
                         "edit the entry so it can be written in the house format")
    return newline.join(entry_lines(entry))


def render_text(digest: Digest) -> str:
    parts = []
    for day in digest.days:
        parts.append(day_header(day.date))
        parts.extend(render_entry(entry, digest.newline) for entry in day.entries)
    text = digest.newline.join(parts)
    if text and digest.final_newline:
        text += digest.newline
    return (BOM if digest.bom else "") + text


def render(digest: Digest) -> bytes:
    """The digest as file bytes. Raises EntryError (naming the entry) before anything could be written."""
    return render_text(digest).encode("utf-8")

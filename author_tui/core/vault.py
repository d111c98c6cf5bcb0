"""The author's per-paper vault notes: read them into entry fields, edit one part, write back byte for byte.

A note is kept as its exact lines (text + line ending), so rendering is concatenation and gives back every
byte: BOM, CRLF, trailing spaces, whitespace-only lines, a missing final newline. Blocks are the runs of
non-blank lines; the blank lines between them are the separators and stay where they are. Each line has
a role (`vault_roles.py` holds the layout rules); entry fields are read from the roles. An edit splices
lines, re-reads the result and refuses (EntryError) unless exactly its own field changed; the edits live
in `vault_edit.py`, which imports this module (never the other way round).

What the archive leaves open, decided here:
- `Entry.note` is the Korean note's lines, paragraph breaks folded to one newline, trailing spaces
  dropped; a link glued to the first line (2017-2019 notes) goes to `Entry.link` instead.
- `Entry.english` is the inside of the `<english>` region (or the prose English paragraphs), same folding.
- Tags come from the tags line; notes without one may end their last note line with `#tags` inline.
- A note with none of link, title, abstract, Korean note, English or tags is not a paper note:
  `is_paper` is False and `problems` says so; nothing fails.
- The abstract keeps its LaTeX; `digest_entry` gives the digest's plain-text view (`latex.plain_text`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import NamedTuple

from author_tui.core import vault_roles
from author_tui.core.hashtag import TRAILING_TAGS
from author_tui.core.latex import plain_text
from author_tui.core.model import Entry
from author_tui.core.text import BOM, control_characters, decode_utf8, has_hangul
from author_tui.core.vault_roles import CLOSE_MARKER, Role, title_of

LEADING_URL = re.compile(r"\s*<?(https?://[^\s>]+)>?\s+(?=\S)")
NAME_DATE = re.compile(r"(\d{2})(\d{2})(\d{2})(?:\s+|$)")
# The archive names a note after the title up to its first `:`, `?`, `/` or `*` (characters a file name
# cannot hold), dropping the other characters that file systems or Obsidian links refuse.
NAME_CUT = re.compile(r"[:?/*]")
UNSAFE_NAME = re.compile(r"[\\\"<>|#\[\]\x00-\x1f]")
FIELDS = ("title", "authors", "abstract", "note", "english", "tags", "link")


class Line(NamedTuple):
    """One line of the file: its text and the ending that followed it ("\\n", "\\r\\n", or "" at the end).

    A tuple rather than a dataclass: a note is thousands of these and tuples build several times faster."""

    text: str
    end: str


class Block(NamedTuple):
    """Lines `[start, stop)` of the note; the blank lines up to `sep_stop` separate it from the next one."""

    start: int
    stop: int
    sep_stop: int
    kind: str  # the role all its lines share ("marker" counts as "english"), or "mixed"


@dataclass
class Note:
    """A parsed vault note. `render()` gives back the exact bytes it was parsed from."""

    name: str
    lines: list[Line]
    bom: bool = False
    roles: list[Role] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    _where: dict[str, list[int]] = field(default_factory=dict, repr=False)

    def render(self) -> bytes:
        return self.text().encode("utf-8")

    def text(self) -> str:
        return (BOM if self.bom else "") + "".join(line.text + line.end for line in self.lines)

    @property
    def newline(self) -> str:
        """The file's line ending (the first one found); LF for a file of one line."""
        return next((line.end for line in self.lines if line.end), "\n")

    @property
    def date(self) -> dt.date | None:
        return date_from_name(self.name)

    def lines_with(self, *roles: Role) -> list[int]:
        """Indexes of the lines that have one of these roles, in file order."""
        if len(roles) == 1:
            return list(self._where.get(roles[0], ()))
        return sorted(i for role in roles for i in self._where.get(role, []))

    @property
    def is_paper(self) -> bool:
        return any(role not in ("blank", "heading", "other") for role in self._where)

    def entry(self) -> Entry:
        return read_entry(self)


# ------------------------------------------------------------------------------------------------ parse


def parse(data: bytes, name: str = "<note>") -> Note:
    """Read a note's bytes. Only bytes that are not UTF-8 are an error: any text is a (maybe odd) note."""
    return parse_text(decode_utf8(data, name, "note"), name)


def parse_text(text: str, name: str = "<note>") -> Note:
    bom = text.startswith(BOM)
    lines = split_lines(text[1:] if bom else text)
    roles, spans = vault_roles.assign([line.text for line in lines])
    where: dict[str, list[int]] = {}
    for i, role in enumerate(roles):
        where.setdefault(role, []).append(i)
    blocks = [Block(a, b, c, _kind(roles[a:b])) for a, b, c in spans]
    return Note(name=name, lines=lines, bom=bom, roles=roles, blocks=blocks, _where=where)


def split_lines(text: str) -> list[Line]:
    """Lines with their endings; a lone CR stays inside its line, so it comes back untouched."""
    if not text:
        return []
    parts = text.split("\n")
    if "\r" not in text:
        lines = [Line(part, "\n") for part in parts[:-1]]
    else:
        lines = [Line(part[:-1], "\r\n") if part[-1:] == "\r" else Line(part, "\n") for part in parts[:-1]]
    if parts[-1]:
        lines.append(Line(parts[-1], ""))
    return lines


def _kind(roles: list[Role]) -> str:
    kinds = {"english" if role == "marker" else role for role in roles}
    return kinds.pop() if len(kinds) == 1 else "mixed"


# ----------------------------------------------------------------------------------------- entry fields


def date_from_name(name: str) -> dt.date | None:
    """The date in a `YYMMDD Short Title.md` name (the folder's year is not reliable; the name's is)."""
    match = NAME_DATE.match(_base(name).removesuffix(".md"))
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    try:
        return dt.date(2000 + year, month, day)
    except ValueError:
        return None


def name_title(name: str) -> str:
    """The short title in a note's file name, without its date and `.md`."""
    base = _base(name).removesuffix(".md")
    match = NAME_DATE.match(base)
    return base[match.end():].strip() if match and date_from_name(base) else base.strip()


def _base(name: str) -> str:
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def read_entry(note: Note, plain: bool = False, keep_link: bool = True) -> Entry:
    """The entry fields as the model layer sees them (the abstract keeps its LaTeX unless `plain`)."""
    title, authors = note_title(note)
    tags, inline = note_tags(note)
    abstract = " ".join(part for part in (_quote_text(note.lines[i].text) for i in note.lines_with("abstract"))
                        if part)
    show = plain_text if plain else str
    return Entry(
        title=show(title or name_title(note.name)),
        authors=show(authors),
        abstract=show(abstract),
        note=_note_text(note, inline),
        english=_english_text(note),
        tags=tags,
        link=note_link(note) if keep_link else None,
    )


def digest_entry(note: Note, keep_link: bool = False) -> Entry:
    """The entry as a digest shows it: plain text instead of LaTeX, and no link (digests have none)
    unless `keep_link` (the archive keeps it for retrieval)."""
    return read_entry(note, plain=True, keep_link=keep_link)


def note_title(note: Note) -> tuple[str, str]:
    found = title_of([note.lines[i].text for i in note.lines_with("title")])
    return found or ("", "")


def note_link(note: Note) -> str | None:
    for i in note.lines_with("link"):
        return note.lines[i].text.strip().strip("<>")
    first = next((line.text for line in note.lines if line.text.strip()), "")
    match = LEADING_URL.match(first)
    return match.group(1) if match else None


def note_tags(note: Note) -> tuple[list[str], int | None]:
    """The tags, and the line that holds them inline (`… 재미있음. #pose #gan`) when there is no tags line."""
    tags: list[str] = []
    for i in note.lines_with("tags"):
        tags += [tag[1:] for tag in note.lines[i].text.split() if tag[1:] not in tags]
    if tags:
        return tags, None
    notes = note.lines_with("note")
    if notes:
        match = TRAILING_TAGS.search(note.lines[notes[-1]].text)
        if match:
            return [tag[1:] for tag in match.group().split()], notes[-1]
    return [], None


def _quote_text(text: str) -> str:
    text = text.strip()[1:]
    return (text[1:] if text.startswith(" ") else text).strip()


def _note_text(note: Note, inline_tags: int | None) -> str:
    out = []
    glued_link = None if note.lines_with("link") else note_link(note)
    for i in note.lines_with("note"):
        text = note.lines[i].text.rstrip()
        if i == inline_tags:
            text = TRAILING_TAGS.sub("", text).rstrip()
        match = LEADING_URL.match(text) if glued_link else None
        if match and match.group(1) == glued_link:
            text = text[match.end():]
        if text.strip():
            out.append(text)
    return "\n".join(out)


def _english_text(note: Note) -> str:
    out: list[str] = []
    for i in note.lines_with("english", "marker"):
        text = note.lines[i].text.rstrip()
        if note.roles[i] == "english":
            if text.strip():
                out.append(text)
            continue
        rest = CLOSE_MARKER.sub("", text.strip(), count=1) if CLOSE_MARKER.match(text.strip()) else ""
        if rest.strip() and out:  # `</english>(https://…)`: the citation belongs to the last line
            out[-1] += rest.strip() if rest.startswith(("(", ".", ",")) else " " + rest.strip()
    return "\n".join(out)


def problems(note: Note) -> list[tuple[int, str]]:
    """(line number, message) for what a reader of the archive may want to fix; never fatal."""
    unseen = control_characters("\n".join(line.text for line in note.lines))  # NUL and the like
    if not note.is_paper:
        return [(1, "not a paper note: no link, title, abstract, note, English or tags"), *unseen]
    found: list[tuple[int, str]] = []
    markers = note.lines_with("marker")
    for n, i in enumerate(markers):
        text, expected = note.lines[i].text.strip(), ("<english>", "</english>")[n % 2]
        if text.lower() != expected:
            found.append((i + 1, f"English marker {text[:20]!r} should be {expected}"))
    if len(markers) % 2:
        found.append((markers[-1] + 1, "<english> is never closed with </english>"))
    if not note.lines_with("tags") and note_tags(note)[1] is None:
        found.append((len(note.lines), "no tags line"))
    if note.lines_with("note") and not has_hangul(note.lines[note.lines_with("note")[-1]].text):
        found.append((note.lines_with("note")[-1] + 1, "the Korean note does not end with a Korean line"))
    return found + unseen


# ---------------------------------------------------------------------------------------------- naming


def short_title(title: str) -> str:
    """How the archive names a paper: the title up to its first `:`, `?`, `/` or `*`, cleaned."""
    head = NAME_CUT.split(title, maxsplit=1)[0]
    head = UNSAFE_NAME.sub("", head)
    return re.sub(r"\s+", " ", head).strip(" .") or "Untitled paper"


def note_name(entry: Entry, date: dt.date) -> str:
    return f"{date:%y%m%d} {short_title(entry.title)}.md"

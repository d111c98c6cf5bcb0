"""Batch translation, the pure part: which entries of a file need English, and the file with only it added.

Why pure and apart from the command: the rules that protect the author's files (find exactly the entries
with a Korean note and no English; insert only the English; prove nothing else moved) must be testable
without a model, a disk or a clock. The batch engine (`author_tui.batch`) reads, calls the model, locks
and writes; `core.batch_tags` is the same for tag lines.

    plan = plan_file("notes/250618 X.md", data, force=False)   # FormatError on a malformed digest
    new = apply(plan, {0: "The English."}, style="block")      # Applied(data=..., failed={...})
    verify(plan.data, new.data, inserted=[...], removed=[...]) # EntryError unless only English changed

What the tool decides here:
- an entry needs translating when its note has Hangul and it has no English (with `force`, also when it
  has English: that English is replaced in place);
- the English as written is the model's text with trailing spaces and blank lines dropped (a digest has
  no blank lines inside an entry; a vault note would read a blank line as a new block);
- in a digest the English lines go right after the Korean note lines; in a vault note, an `<english>`
  block after the last Korean paragraph (`vault_edit.set_english`), or with style "plain" a plain paragraph
  when the text reads back as one (prose); text that would not (a lone word, a list) gets the block.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from author_tui.core import digest, vault, vault_edit
from author_tui.core.model import Digest, Entry
from author_tui.core.text import has_hangul
from author_tui.errors import EntryError

Kind = Literal["digest", "note"]
Style = Literal["block", "plain"]
# Lines a vault edit may add or drop around the English itself (one blank line sets a block apart).
FRAMING = frozenset({"", "<english>", "</english>"})
MAX_FRAMING = 3  # per changed region: a blank line and the two markers
NOT_WRITTEN = "nothing was written to the file; please report it as a bug"


@dataclass(frozen=True)
class Job:
    """One entry to work on (translate or tag): where it is (for messages and the report) and what the
    model sees."""

    path: str
    index: int  # the entry's position in its file (0 for a vault note)
    line: int  # 1-based line where the entry (digest) or its Korean note (vault) starts
    entry: Entry
    # sha256 of the file's bytes as planned: an answer that comes back later (a Batch API job, hours on)
    # is applied as planned only to a file that still holds them (`author_tui.batch.remote._Replanned`).
    source: str = ""

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"

    @property
    def key(self) -> str:
        """The entry's key among the archive's notes and in reports: `file.txt#N` (N from 1), a note's path."""
        return f"{self.path}#{self.index + 1}" if kind_of(self.path) == "digest" else self.path


@dataclass
class FilePlan:
    """A parsed file and the entries in it the task works on (those needing English, or all to tag)."""

    path: str
    kind: Kind
    data: bytes
    parsed: Digest | vault.Note
    jobs: list[Job] = field(default_factory=list)

    @property
    def source(self) -> str:
        return source_hash(self.data)


@dataclass
class Applied:
    """The file's new bytes, what each entry got, and per entry index why its edit (English or tags)
    could not be written."""

    data: bytes
    written: dict[int, str] = field(default_factory=dict)  # index -> the English (or tags line) as written
    failed: dict[int, str] = field(default_factory=dict)


def kind_of(path: str) -> Kind:
    return "digest" if path.lower().endswith(".txt") else "note"


def source_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def needs_english(entry: Entry, force: bool) -> bool:
    return has_hangul(entry.note) and (force or not entry.has_english)


def clean_english(text: str) -> str:
    """The English as it will be written: lines right-trimmed, blank lines dropped."""
    lines = (line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line.strip())


# ------------------------------------------------------------------------------------------------ plan


def plan_file(path: str, data: bytes, force: bool = False) -> FilePlan:
    """Parse a digest (.txt) or vault note (.md) and list its entries that need English."""
    if kind_of(path) == "digest":
        parsed_digest = digest.parse(data, path)
        jobs = _digest_jobs(path, parsed_digest, force, source_hash(data))
        return FilePlan(path, "digest", data, parsed_digest, jobs)
    note = vault.parse(data, path)
    plan = FilePlan(path, "note", data, note)
    if note.is_paper:
        entry = vault.digest_entry(note)
        if needs_english(entry, force):
            first = note.lines_with("note")
            plan.jobs.append(Job(path, 0, first[0] + 1 if first else 1, entry, plan.source))
    return plan


def _digest_jobs(path: str, parsed: Digest, force: bool, source: str) -> list[Job]:
    return [Job(path, index, line, entry, source) for index, (line, entry) in enumerate(digest.entry_lines_at(parsed))
            if needs_english(entry, force)]


# ----------------------------------------------------------------------------------------------- apply


def apply(plan: FilePlan, english: Mapping[int, str], style: Style = "block") -> Applied:
    """The file with each entry's English set; an entry whose English cannot be written is left out."""
    if plan.kind == "digest":
        assert isinstance(plan.parsed, Digest)
        return _apply_digest(plan.parsed, english)
    assert isinstance(plan.parsed, vault.Note)
    return _apply_note(plan.parsed, english, style)


def _apply_digest(parsed: Digest, english: Mapping[int, str]) -> Applied:
    edited = parsed.model_copy(deep=True)
    entries = edited.entries()
    applied = Applied(b"")
    for index, text in english.items():
        candidate = entries[index].model_copy(update={"english": clean_english(text)})
        found = digest.problems(candidate)
        if not candidate.english:
            found.append("the translation is empty")
        if found:
            applied.failed[index] = "; ".join(found)
            continue
        entries[index].english = candidate.english
        applied.written[index] = candidate.english
    applied.data = digest.render(edited)
    return applied


def _apply_note(note: vault.Note, english: Mapping[int, str], style: Style) -> Applied:
    applied = Applied(note.render())
    for index, text in english.items():
        cleaned = clean_english(text)
        try:
            if not cleaned:
                raise EntryError("the translation is empty")
            note = _set_english(note, cleaned, style)
        except EntryError as error:
            applied.failed[index] = error.message
            continue
        applied.written[index] = cleaned
        applied.data = note.render()
    return applied


def _set_english(note: vault.Note, english: str, style: Style) -> vault.Note:
    """A plain paragraph when asked and it reads back as English; else (a one-word line, a list) a block."""
    if style == "plain":
        try:
            return vault_edit.set_english(note, english, "plain")
        except EntryError:
            pass
    return vault_edit.set_english(note, english, "block")


# ---------------------------------------------------------------------------------------------- verify


def verify(old: bytes, new: bytes, inserted: Sequence[str], removed: Sequence[str] = ()) -> None:
    """Refuse (EntryError) unless `new` is `old` with exactly the `inserted` English added (and, under
    --force, the `removed` English taken out), plus only blank lines and `<english>` markers around it.

    Independent of how the edit was made: a line diff, then every changed region must hold English (at
    most a few framing lines besides), and the English lines must be exactly the ones given, in order.
    """
    old_lines, new_lines = lines_of(old), lines_of(new)
    gone: list[str] = []
    added: list[str] = []
    for region in changed_regions(old_lines, new_lines):
        chunk_gone = _english_only([old_lines[i] for i in region.old])
        chunk_added = _english_only([new_lines[i] for i in region.new])
        framing = (len(region.old) - len(chunk_gone), len(region.new) - len(chunk_added))
        # A blank line may separate English paragraphs, besides the markers and the block's own blank line.
        allowed = (MAX_FRAMING + len(chunk_gone), MAX_FRAMING + len(chunk_added))
        if not (chunk_gone or chunk_added) or framing[0] > allowed[0] or framing[1] > allowed[1]:
            where = (region.old or region.new)[0] + 1
            raise EntryError(f"the edit changes line {where} beyond the English", NOT_WRITTEN)
        gone += chunk_gone
        added += chunk_added
    _expect(added, _english_lines(inserted), "added")
    _expect(gone, _english_lines(removed), "removed")


@dataclass
class Region:
    old: list[int] = field(default_factory=list)  # indexes of old lines removed
    new: list[int] = field(default_factory=list)  # indexes of new lines added


def changed_regions(old_lines: list[str], new_lines: list[str]) -> list[Region]:
    """The diff's changes, grouped: changes separated by one unchanged blank line are one region, because
    the diff may align an inserted block's blank line with the old one next to it and split the block."""
    regions: list[Region] = []
    joinable = False
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            joinable = joinable and a1 - a0 == 1 and not _text(old_lines[a0])
            continue
        if not joinable:
            regions.append(Region())
        regions[-1].old += range(a0, a1)
        regions[-1].new += range(b0, b1)
        joinable = True
    return regions


def _english_only(lines: list[str]) -> list[str]:
    return [_text(line) for line in lines if _text(line) not in FRAMING]


def lines_of(data: bytes) -> list[str]:
    # Split on LF only: a CR stays in its line, so CRLF and a missing final newline compare exactly.
    return data.decode("utf-8").split("\n")


def _text(line: str) -> str:
    return line.removesuffix("\r").strip()


def _english_lines(texts: Sequence[str]) -> list[str]:
    return [line.strip() for text in texts for line in text.split("\n") if line.strip()]


def _expect(found: list[str], wanted: list[str], what: str) -> None:
    if found != wanted:
        extra = next((line for line in found if line not in wanted), None)
        detail = f"unexpected line {extra[:60]!r}" if extra is not None else "English lines missing"
        raise EntryError(f"the edit {what} more than the English ({detail})", NOT_WRITTEN)

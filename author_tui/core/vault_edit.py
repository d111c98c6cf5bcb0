"""Edits to a vault note that change only their own part: the English, the tags, or a whole new note.

Every edit works on the note's exact lines (so untouched lines keep every byte, endings included), then
re-reads the result and compares the entry fields with the old ones: exactly the edited field may differ,
and it must read back as asked. Anything else (text that would be read as another part, an English split
around other text) is refused with EntryError and nothing is produced, never written wrongly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from author_tui.core.hashtag import TRAILING_TAGS, is_tag, tag_line
from author_tui.core.model import Entry
from author_tui.core.text import BOM, first_nul_line, normalise_newlines
from author_tui.core.vault import FIELDS, Line, Note, note_tags, parse_text, read_entry
from author_tui.errors import EntryError

Style = Literal["block", "plain"]
NUL_HINT = "remove the NUL byte (an editor does not show it); nothing was written"


def set_tags(note: Note, tags: Sequence[str]) -> Note:
    """Replace the tags line (or the inline `#tags`), or add a tags line; an empty list removes it."""
    _refuse_nul(note)
    wanted = _clean_tags(tags)
    current, inline = note_tags(note)
    if current == wanted:
        return note
    lines = list(note.lines)
    line = tag_line(wanted)
    found = note.lines_with("tags")
    if found:
        for i in reversed(found[1:]):  # one tags line is the rule; extra ones merge into the first
            _remove(lines, i, i + 1)
        if wanted:
            lines[found[0]] = Line(_keep_indent(lines[found[0]].text, line), lines[found[0]].end)
        else:
            _remove(lines, found[0], found[0] + 1)
    elif inline is not None:
        text = lines[inline].text
        cut = text.rstrip()[: len(text.rstrip()) - len(_trailing_tags(text))].rstrip()
        lines[inline] = Line(f"{cut} {line}" if wanted else cut, lines[inline].end)
    else:
        _insert_block(lines, _tags_anchor(note), [line], note.newline)
    return _checked(note, lines, "tags", wanted)


def set_english(note: Note, text: str, style: Style | None = None) -> Note:
    """Set the English translation of the note.

    Replaces the existing English where it is (keeping its style unless `style` is given), or inserts it
    after the last Korean line: an `<english>` block by default, a plain paragraph with style="plain".
    Plain English must read as prose (sentences); when the style was not asked for and the text is not
    prose, the `<english>` block is used instead. Empty text removes the English.
    """
    _refuse_nul(note)
    if "\x00" in text:
        raise EntryError(f"{note.name}: the English holds a NUL byte", NUL_HINT)
    if style is None and note.lines_with("english") and not note.lines_with("marker"):
        try:
            return _set_english(note, text, "plain")
        except EntryError:
            return _set_english(note, text, "block")
    return _set_english(note, text, style)


def _set_english(note: Note, text: str, style: Style | None) -> Note:
    new = [line.rstrip() for line in normalise_newlines(text).strip("\n").split("\n")] if text.strip() else []
    english = note.lines_with("english", "marker")
    lines = list(note.lines)
    if english:
        first, last = english[0], english[-1]
        if any(note.roles[i] not in ("english", "marker", "blank") for i in range(first, last)):
            raise EntryError(f"{note.name}: the English is split around other text",
                             "edit the English of this note by hand")
        markers = bool(note.lines_with("marker"))
        style = style or ("block" if markers else "plain")
        if not new:
            _remove(lines, first, last + 1)
        elif style == "block" and markers and _closed_cleanly(note, first, last):
            _replace(lines, first + 1, last, new, note.newline)  # keep the author's own markers
        else:
            _replace(lines, first, last + 1, _styled(new, style), note.newline)
    elif new:
        _insert_english(note, lines, _styled(new, style or "block"))
    return _checked(note, lines, "english", "\n".join(line for line in new if line.strip()))


def new_note(entry: Entry, name: str) -> Note:
    """A new note in the archive's current layout (2025): link, `*Title* (Authors)`, `> abstract`, Korean
    paragraphs, `<english>` block, tags, blank lines between, and no final newline (the house habit)."""
    if not entry.title.strip():
        raise EntryError(f"{name}: an entry needs a title to become a note", "give the entry a title")
    for field_name in ("title", "authors", "abstract", "note", "english", "link"):
        if "\x00" in (getattr(entry, field_name) or ""):
            raise EntryError(f"{name}: the {field_name} holds a NUL byte", NUL_HINT)
    if any("\x00" in tag for tag in entry.tags):
        raise EntryError(f"{name}: the tags hold a NUL byte", NUL_HINT)
    blocks: list[list[str]] = [[entry.link]] if entry.link else []
    blocks.append([f"*{entry.title}* ({entry.authors})" if entry.authors else f"*{entry.title}*"])
    if entry.abstract:
        blocks.append([f"> {entry.abstract}"])
    blocks += [[line] for line in entry.note.split("\n") if line.strip()]
    if entry.english.strip():
        blocks.append(_styled([line for line in entry.english.split("\n") if line.strip()], "block"))
    if entry.tags:
        blocks.append([entry.tag_line])
    note = parse_text("\n\n".join("\n".join(block) for block in blocks), name)
    got = read_entry(note)
    expected = entry.model_copy(update={"note": _fold(entry.note), "english": _fold(entry.english)})
    wrong = [f for f in FIELDS if getattr(got, f) != getattr(expected, f)]
    if wrong:
        raise EntryError(f"{name}: the entry's {', '.join(wrong)} would not read back as written in a note",
                         "a note line that looks like a link, tags, a quote or a heading cannot be written")
    return note


# ----------------------------------------------------------------------------------------------- helpers


def _refuse_nul(note: Note) -> None:
    """A note that holds a NUL byte is never rewritten: the edit would write the NUL back."""
    line = first_nul_line(note.text())
    if line is not None:
        raise EntryError(f"{note.name}:{line}: NUL byte; the note is not changed", NUL_HINT)


def _clean_tags(tags: Sequence[str]) -> list[str]:
    cleaned = [tag.strip().removeprefix("#") for tag in tags]
    if any("\x00" in tag for tag in cleaned):
        raise EntryError("the tags hold a NUL byte", NUL_HINT)
    for tag in cleaned:
        if not is_tag(tag):
            raise EntryError(f"tag {tag!r} must be one word with no spaces or '#' inside")
    return list(dict.fromkeys(cleaned))


def _trailing_tags(text: str) -> str:
    match = TRAILING_TAGS.search(text.rstrip())
    return match.group() if match else ""


def _keep_indent(old: str, new: str) -> str:
    return old[: len(old) - len(old.lstrip())] + new


def _styled(lines: list[str], style: Style) -> list[str]:
    if style == "block":
        return ["<english>", *lines, "</english>"]
    # Plain English is read paragraph by paragraph, so blank lines become block separators.
    return lines


def _fold(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.split("\n") if line.strip())


def _closed_cleanly(note: Note, first: int, last: int) -> bool:
    return (note.roles[first] == "marker" and note.roles[last] == "marker" and last > first
            and note.lines[first].text.strip().lower() == "<english>"
            and note.lines[last].text.strip().lower() == "</english>")


def _tags_anchor(note: Note) -> int:
    """The line after which a new tags block goes: the last content before a trailing heading section."""
    headings = note.lines_with("heading")
    content = [i for i, role in enumerate(note.roles) if role not in ("blank", "heading")]
    if headings:
        before = [i for i in content if i < headings[0]]
        if before and not any(i > headings[0] and note.roles[i] != "other" for i in content):
            return before[-1]
    return content[-1] if content else -1


def _insert_english(note: Note, lines: list[Line], new: list[str]) -> None:
    """After the last Korean line; without one, after the abstract/title/link; else before the tags."""
    anchors = note.lines_with("note") or note.lines_with("abstract", "title", "link")
    if anchors:
        at = anchors[-1]
        if at + 1 < len(lines) and note.roles[at + 1] != "blank":
            _insert_lines(lines, at, new, note.newline)  # the block goes on (old notes): no blank line
        else:
            _insert_block(lines, at, new, note.newline)
        return
    tags = note.lines_with("tags")
    before = max((i for i in range(tags[0]) if note.roles[i] != "blank"), default=-1) if tags else None
    _insert_block(lines, len(lines) - 1 if before is None else before, new, note.newline)


def _insert_lines(lines: list[Line], after: int, new: list[str], nl: str) -> None:
    """New lines right after line `after`, in the same block."""
    ends = [nl] * len(new)
    if lines[after].end == "":  # the file's last line: it gets an ending, the new last line has none
        lines[after] = Line(lines[after].text, nl)
        ends[-1] = ""
    lines[after + 1: after + 1] = [Line(text, end) for text, end in zip(new, ends, strict=True)]


def _insert_block(lines: list[Line], after: int, new: list[str], nl: str) -> None:
    """New lines as their own paragraph after line `after` (-1: at the top), one blank line apart."""
    if after < 0:
        tail = [Line("", nl)] if lines else []
        lines[0:0] = [Line(text, nl if tail or i < len(new) - 1 else "") for i, text in enumerate(new)] + tail
        return
    _insert_lines(lines, after, ["", *new], nl)


def _replace(lines: list[Line], first: int, stop: int, new: list[str], nl: str) -> None:
    """Lines `[first, stop)` become `new`; the last new line keeps the old last line's ending."""
    last_end = lines[stop - 1].end if stop > first else nl
    lines[first:stop] = [Line(text, nl if i < len(new) - 1 else last_end) for i, text in enumerate(new)]


def _remove(lines: list[Line], first: int, stop: int) -> None:
    """Remove lines `[first, stop)`; a whole paragraph goes with the blank lines that set it apart."""
    blank = [not line.text.strip() for line in lines]
    if first > 0 and not blank[first - 1]:  # part of a block: the line before takes over the ending
        lines[first - 1] = Line(lines[first - 1].text, lines[stop - 1].end)
        del lines[first:stop]
        return
    previous = max((i for i in range(first) if not blank[i]), default=-1)
    if previous >= 0:
        lines[previous] = Line(lines[previous].text, lines[stop - 1].end)
        del lines[previous + 1: stop]
        return
    after = stop
    while after < len(lines) and blank[after]:
        after += 1
    del lines[first:after]


def _checked(note: Note, lines: list[Line], changed: str, wanted: object) -> Note:
    """The edited note, once it reads back with `changed` == `wanted` and every other field unchanged."""
    text = "".join(line.text + line.end for line in lines)
    edited = parse_text((BOM if note.bom else "") + text, note.name)
    before, after = read_entry(note), read_entry(edited)
    if getattr(after, changed) != wanted:
        raise EntryError(f"{note.name}: the new {changed} would not read back as given",
                         "text that looks like a tags line, a link or a marker cannot go there")
    moved = [f for f in FIELDS if f != changed and getattr(after, f) != getattr(before, f)]
    if moved:
        raise EntryError(f"{note.name}: setting the {changed} would also change the {', '.join(moved)}",
                         "edit this note by hand")
    return edited

"""What each line of a vault note is (link, title, abstract, Korean note, English, tags...): the layout rules.

Kept apart from `vault.py` (which reads fields and edits) because these rules are the part that encodes
the archive's history: 2017-2019 notes have no blank lines and put the link on the first line,
2020-2023 notes write `Title (Authors)` without asterisks (sometimes wrapped), early 2024 notes put an
English paragraph after the tags line, 2024-2025 notes wrap English in `<english>` … `</english>` (with
the odd typo or missing close), and `# Links` sections of `[[wiki links]]` close many notes.

A line's role comes from its own shape and its block's place:
- a block of bare URLs is `link`; of `#tag` lines, `tags`; of `>` lines, `abstract`; from a heading on,
  `heading`;
- the first block that is not a link block is the `title` when it reads `*Title* (Authors)` (or, without
  Hangul, `Title (Authors)`, up to three lines);
- a block with Hangul is the Korean `note` (its leading bare URLs stay `link`, trailing tag lines `tags`);
  link or other blocks between two Korean blocks belong to the note;
- `<english>` regions are `marker` + `english`; without one, prose paragraphs without Hangul after the
  last Korean block (not after a heading) are `english`;
- anything else is `other`, and is kept as it is.
"""

from __future__ import annotations

import re
from typing import Literal

from author_tui.core.hashtag import NOTE_TAGS_LINE
from author_tui.core.text import HANGUL

Role = Literal["blank", "link", "title", "abstract", "note", "english", "marker", "tags", "heading", "other"]
Span = tuple[int, int, int]  # (first line, line after the block, line after the blank run that follows)

URL_LINE = re.compile(r"<?https?://\S+?>?")
OPEN_MARKER = re.compile(r"<en[a-z]*>", re.IGNORECASE)
CLOSE_MARKER = re.compile(r"</en[a-z]*>", re.IGNORECASE)
HEADING = re.compile(r"#{1,6}(?:\s|$)")
STARRED_TITLE = re.compile(r"\*(?P<title>\S(?:.*\S)?)\*(?:\s*\((?P<authors>.*)\))?")
PLAIN_TITLE = re.compile(r"(?P<title>[^\s(].*?)\s+\((?P<authors>[^()]*(?:\([^()]*\)[^()]*)*)\)")
SENTENCE_END = re.compile(r"[.!?][)\"'’”]*$")


def shape(text: str) -> str:
    """What one line looks like on its own, before its place in the note is considered."""
    stripped = text.strip()
    if not stripped:
        return "blank"
    first = stripped[0]
    if first in "h<" and URL_LINE.fullmatch(stripped):
        return "link"
    if first == "#":
        if NOTE_TAGS_LINE.fullmatch(stripped):
            return "tags"
        if HEADING.match(stripped):
            return "heading"
    elif first == ">":
        return "quote"
    elif first == "<":
        if OPEN_MARKER.fullmatch(stripped):
            return "open"
        if CLOSE_MARKER.match(stripped):
            return "close"
    return "hangul" if HANGUL.search(stripped) else "text"


def assign(texts: list[str]) -> tuple[list[Role], list[Span]]:
    """The role of every line, and the blocks (runs of non-blank lines) with their separators."""
    shapes = [shape(text) for text in texts]
    roles: list[Role | None] = [None if s != "blank" else "blank" for s in shapes]
    spans = find_blocks(shapes)
    _mark_english_regions(shapes, roles, spans)
    text_blocks: list[int] = []
    header = True  # a title comes first, after link blocks only
    for index, (start, stop, _) in enumerate(spans):
        idx = [i for i in range(start, stop) if roles[i] is None]
        if not idx:
            header = False
            continue
        if _classify_block(texts, shapes, roles, idx, header):
            text_blocks.append(index)
        header = header and all(roles[i] == "link" for i in idx)
    _settle_text_blocks(texts, shapes, roles, spans, text_blocks)
    return [role or "other" for role in roles], spans


def find_blocks(shapes: list[str]) -> list[Span]:
    blocks: list[Span] = []
    i, n = 0, len(shapes)
    while i < n:
        if shapes[i] == "blank":
            i += 1
            continue
        start = i
        while i < n and shapes[i] != "blank":
            i += 1
        stop = i
        while i < n and shapes[i] == "blank":
            i += 1
        blocks.append((start, stop, i))
    return blocks


def _mark_english_regions(shapes: list[str], roles: list[Role | None], spans: list[Span]) -> None:
    """`<english>` … `</english>`, possibly over several paragraphs. An unclosed region ends before the
    next tags or heading block; a second open marker after some text closes it (a typo in the archive)."""
    block_starts = {start for start, _, _ in spans}
    i, n = 0, len(shapes)
    while i < n:
        if shapes[i] != "open":
            i += 1
            continue
        close = _closing_marker(shapes, i)
        roles[i] = "marker"
        j = i + 1
        while j < n:
            if close is None and j in block_starts and shapes[j] in ("tags", "heading"):
                break
            if j == close or (close is None and shapes[j] == "open" and j > i + 1):
                roles[j] = "marker"
                j += 1
                break
            if shapes[j] != "blank":
                roles[j] = "english"
            j += 1
        i = j


def _closing_marker(shapes: list[str], open_at: int) -> int | None:
    """The `</english>` that closes the region opened at `open_at`, unless another region opens first."""
    for j in range(open_at + 1, len(shapes)):
        if shapes[j] == "close":
            return j
        if shapes[j] == "open":
            return None
    return None


def _classify_block(texts: list[str], shapes: list[str], roles: list[Role | None], idx: list[int],
                    header: bool) -> bool:
    """Give roles to one block's lines (outside English regions); True when it is left as plain text."""
    kinds = {shapes[i] for i in idx}
    if kinds == {"link"}:
        _set(roles, idx, "link")
    elif kinds == {"tags"}:
        _set(roles, idx, "tags")
    elif kinds == {"quote"}:
        _set(roles, idx, "abstract")
    elif shapes[idx[0]] == "heading":
        _set(roles, idx, "heading")
    elif header and title_of([texts[i] for i in idx]) is not None:
        _set(roles, idx, "title")
    elif "hangul" in kinds:
        _note_block(shapes, roles, idx)
    else:
        while idx and shapes[idx[-1]] == "tags":  # `Title (Authors)` + `#tags` with no blank line
            roles[idx.pop()] = "tags"
        return bool(idx)
    return False


def _note_block(shapes: list[str], roles: list[Role | None], idx: list[int]) -> None:
    """A block with Hangul: leading bare links stay links, trailing tag lines stay tags, the rest is note."""
    head, tail = 0, len(idx)
    while head < tail and shapes[idx[head]] == "link":
        roles[idx[head]] = "link"
        head += 1
    while tail > head and shapes[idx[tail - 1]] == "tags":
        roles[idx[tail - 1]] = "tags"
        tail -= 1
    _set(roles, idx[head:tail], "note")


def _settle_text_blocks(texts: list[str], shapes: list[str], roles: list[Role | None], spans: list[Span],
                        text_blocks: list[int]) -> None:
    """Blocks without Hangul: inside the Korean note they are part of it; after it, prose is English."""
    note_blocks = [k for k, (a, b, _) in enumerate(spans) if "note" in roles[a:b]]
    first_note = note_blocks[0] if note_blocks else len(spans)
    last_note = note_blocks[-1] if note_blocks else -1
    # Prose English may follow the tags line (early 2024 notes did that) but not a heading such as
    # `# Links`, nor sit beside an <english> region (then the region is the English).
    closed = "marker" in roles
    pending: list[int] = []  # link blocks after English prose: English too if more prose follows
    seen_english = False
    for k, (a, b, _) in enumerate(spans):
        if k > last_note and "heading" in roles[a:b]:
            closed = True
        links = all(roles[i] == "link" for i in range(a, b))
        if first_note < k < last_note and (links or k in text_blocks):
            _set(roles, [i for i in range(a, b) if roles[i] in (None, "link")], "note")
        elif k <= last_note or closed:
            continue
        elif links and seen_english:
            pending.append(k)
        elif k in text_blocks and _is_prose([texts[i] for i in range(a, b) if roles[i] is None],
                                            [shapes[i] for i in range(a, b) if roles[i] is None]):
            for j in [*pending, k]:
                _set(roles, [i for i in range(spans[j][0], spans[j][1]) if roles[i] in (None, "link")],
                     "english")
            pending, seen_english = [], True
        else:
            pending = []


def _is_prose(texts: list[str], shapes: list[str]) -> bool:
    """A paragraph of sentences: some words, and at least one line that ends like a sentence."""
    if any(s in ("link", "quote", "heading", "open", "close") for s in shapes):
        return False
    words = sum(len(text.split()) for text in texts)
    return words >= 4 and any(SENTENCE_END.search(text.rstrip()) for text in texts)


def _set(roles: list[Role | None], idx: list[int], role: Role) -> None:
    for i in idx:
        roles[i] = role


def title_of(texts: list[str]) -> tuple[str, str] | None:
    """(title, authors) when these lines are a title: `*Title* (Authors)` (Hangul allowed) or, on older
    notes, `Title (Authors)` without Hangul; either may be wrapped over up to three lines."""
    if not texts or len(texts) > 3:
        return None
    joined = " ".join(text.strip() for text in texts)
    if joined.startswith("*"):
        starred = STARRED_TITLE.fullmatch(joined)
        return (starred.group("title"), (starred.group("authors") or "").strip()) if starred else None
    if not joined.endswith(")") or HANGUL.search(joined) or shape(texts[0]) != "text":
        return None
    plain = PLAIN_TITLE.fullmatch(joined)
    return (plain.group("title"), plain.group("authors").strip()) if plain else None

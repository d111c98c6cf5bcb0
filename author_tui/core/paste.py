"""Split a block the author pasted into title, authors and abstract (and the arXiv link when it shows).

Why: the author copies papers from wherever they read them. Three shapes are recognised:
1. labelled, as copied from an arXiv abstract or listing page: `Title:`, `Authors:`, `Abstract:` lines
   (with or without a space after the colon), surrounded by noise such as `[Submitted on ...]`,
   `Computer Science > Machine Learning`, `View PDF`, `Comments:`, `Subjects:`, `Cite as:`. On a listing
   page the abstract has no label: it is the unlabelled text after the labelled lines.
2. a house-format entry (optionally after its day header): title line, `(authors)` line, abstract line,
   then note / English / tags, which are ignored here; or a vault note: link, `*Title* (authors)`, `> ` lines.
3. plain lines: title, then authors (parentheses optional), then the abstract (every remaining line).
Line breaks inside a field fold into spaces, as `Entry` does.
"""

from __future__ import annotations

import re

from author_tui.core.model import ARXIV_ID, Entry
from author_tui.core.text import URL, normalise_newlines
from author_tui.errors import EntryError

LABEL = re.compile(
    r"^\s*(title|authors?|abstract|comments|subjects|journal[- ]ref|cite as|doi|report[- ]number|"
    r"msc classes|acm classes|categories)\s*:\s*(.*)$",
    re.IGNORECASE,
)
# Fields whose text may wrap onto the following unlabelled lines.
WRAPPING = {"title", "authors", "abstract", "comments"}
NOISE = [
    re.compile(r"^\[?\s*submitted on\b.*", re.IGNORECASE),
    re.compile(r"^\(?\s*or arxiv:.*", re.IGNORECASE),
    re.compile(r"^[\w ,.&-]+ > [\w ,.&>-]+$"),  # breadcrumb: "Computer Science > Machine Learning"
    re.compile(r"^(view|download) (pdf|html).*", re.IGNORECASE),
    re.compile(r"^(pdf|html|other formats|tex source)( \(experimental\))?$", re.IGNORECASE),
    re.compile(r"^(search|help \| advanced search|access paper:|bibliographic tools.*)$", re.IGNORECASE),
    re.compile(r"^(submission history|from: .*|\[v\d+\] .*)$", re.IGNORECASE),  # the page's footer
]
ARXIV_REF = re.compile(r"^arxiv:(\d{4}\.\d{4,5})(v\d+)?\b.*$", re.IGNORECASE)
DAY_HEADER = re.compile(r"^\d{4}년 \d{1,2}월 \d{1,2}일$")
VAULT_TITLE = re.compile(r"^\*(?P<title>.+?)\*\s*(?:\((?P<authors>.*)\))?\s*$")


def split_paste(text: str) -> Entry:
    """The paper in a pasted block, as an Entry with title, authors, abstract and (when found) link."""
    lines = [line.strip() for line in normalise_newlines(text.lstrip("\ufeff")).split("\n")]
    if not any(lines):
        raise EntryError("nothing was pasted", hint="paste a paper's title, authors and abstract")
    if any(_label(line) in ("title", "abstract") for line in lines):
        return _labelled(lines)
    return _positional([line for line in lines if line])


def _label(line: str) -> str | None:
    match = LABEL.match(line)
    if not match:
        return None
    name = match.group(1).lower().replace("-", " ")
    return "authors" if name == "author" else name


def _labelled(lines: list[str]) -> Entry:
    fields: dict[str, list[str]] = {}
    current: str | None = None
    link = None
    for line in lines:
        label = _label(line)
        if label:
            current = label
            value = LABEL.match(line).group(2)  # type: ignore[union-attr]
            fields.setdefault(label, []).append(value)
            cited = ARXIV_ID.search(value) if label == "cite as" else None
            link = link or (f"https://arxiv.org/abs/{cited.group(1)}" if cited else None)
            continue
        ref = ARXIV_REF.match(line) or (URL.fullmatch(line) and ARXIV_ID.search(line))
        if ref:
            link = link or f"https://arxiv.org/abs/{ref.group(1)}"
            continue
        if not line or _is_noise(line):
            current = current if current == "abstract" else None
            continue
        target = current if current in WRAPPING else ("abstract" if "title" in fields else None)
        if target:
            fields.setdefault(target, []).append(line)
            current = target
    return _entry(fields, link)


def _is_noise(line: str) -> bool:
    return any(pattern.match(line) for pattern in NOISE)


def _entry(fields: dict[str, list[str]], link: str | None) -> Entry:
    title = " ".join(fields.get("title", [])).strip()
    if not title:
        raise EntryError("the pasted block has no title", hint="include the paper's 'Title:' line")
    return _make(
        title=title,
        authors=_strip_parens(" ".join(fields.get("authors", []))),
        abstract=" ".join(part for part in fields.get("abstract", []) if part),
        link=link,
    )


def _positional(lines: list[str]) -> Entry:
    link = None
    if lines and DAY_HEADER.match(lines[0]):
        lines = lines[1:]
    while lines and URL.fullmatch(lines[0]):
        link = link or lines[0]
        lines = lines[1:]
    if not lines:
        raise EntryError("the pasted block has no title", hint="paste the title on the first line")
    vault = VAULT_TITLE.match(lines[0])
    if vault:
        return _vault(vault, lines[1:], link)
    title, rest = lines[0], lines[1:]
    if rest and rest[0].startswith("(") and rest[0].endswith(")"):
        # House format: exactly one abstract line; what follows is the note, the English and the tags.
        return _make(title=title, authors=_strip_parens(rest[0]), abstract=rest[1] if len(rest) > 1 else "", link=link)
    authors = rest[0] if rest else ""
    return _make(title=title, authors=_strip_parens(authors), abstract=" ".join(rest[1:]), link=link)


def _vault(match: re.Match[str], rest: list[str], link: str | None) -> Entry:
    quoted = [line[1:].strip() for line in rest if line.startswith(">")]
    return _make(title=match.group("title"), authors=match.group("authors") or "", abstract=" ".join(quoted), link=link)


def _strip_parens(text: str) -> str:
    text = text.strip()
    return text[1:-1].strip() if text.startswith("(") and text.endswith(")") else text


def _make(**fields: str | None) -> Entry:
    return Entry.model_validate(fields)

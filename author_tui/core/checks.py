"""Output checks: what a model wrote, checked against the house rules, returned as warnings (never raised).

Why warnings and not errors: the author edits every draft anyway. A note that lost a URL in translation or
a tag outside the vocabulary is worth pointing at, not worth throwing away. Each warning names the field
it is about, so the TUI can mark that field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from author_tui.core.text import CJK_LEAK, LATIN_TERM, NUMBER, URL, has_hangul

TAG_SHAPE = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


@dataclass(frozen=True)
class OutputWarning:
    """One problem found in a model's output: which field, and what is wrong with it."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class Bounds:
    """Length limits in characters. The author's notes are 1-3 sentences; translations run 1.5-3x longer."""

    note_min: int = 10
    note_max: int = 600
    english_min: int = 10
    english_max: int = 1500
    tags_max: int = 6


DEFAULT_BOUNDS = Bounds()


def check_note(note: str, bounds: Bounds = DEFAULT_BOUNDS) -> list[OutputWarning]:
    """The Korean note: present, Korean, no Chinese or Japanese leaked in, not too short or long."""
    text = note.strip()
    if not text:
        return [OutputWarning("note", "the note is empty")]
    warnings = []
    if not has_hangul(text):
        warnings.append(OutputWarning("note", "the note contains no Hangul: it is not Korean"))
    leaked = sorted(set(CJK_LEAK.findall(text)))
    if leaked:
        warnings.append(OutputWarning("note", f"Chinese/Japanese characters leaked in: {''.join(leaked)}"))
    warnings += _length("note", text, bounds.note_min, bounds.note_max)
    return warnings


def check_translation(note: str, english: str, bounds: Bounds = DEFAULT_BOUNDS) -> list[OutputWarning]:
    """The English: no Hangul, within bounds, and every URL, number and Latin term of the note kept."""
    text = english.strip()
    if not text:
        return [OutputWarning("english", "the translation is empty")]
    warnings = []
    if has_hangul(text):
        warnings.append(OutputWarning("english", "the translation still contains Hangul"))
    warnings += _length("english", text, bounds.english_min, bounds.english_max)
    for kind, missing in (
        ("URL", missing_urls(note, text)),
        ("number", missing_numbers(note, text)),
        ("term", missing_terms(note, text)),
    ):
        if missing:
            warnings.append(OutputWarning("english", f"{kind}(s) of the note missing: {', '.join(missing)}"))
    return warnings


def check_tags(
    tags: Iterable[str],
    new_tags: Collection[str],
    vocabulary: Collection[str],
    bounds: Bounds = DEFAULT_BOUNDS,
) -> list[OutputWarning]:
    """Tags: at least one, house-shaped, and from the author's vocabulary unless marked new."""
    tags = list(tags)
    if not tags:
        return [OutputWarning("tags", "no tags")]
    warnings = []
    if len(tags) > bounds.tags_max:
        warnings.append(OutputWarning("tags", f"{len(tags)} tags; the author rarely uses more than {bounds.tags_max}"))
    for tag in tags:
        if not TAG_SHAPE.fullmatch(tag):
            warnings.append(OutputWarning("tags", f"#{tag} is not lower-case words joined by '-' or '_'"))
        elif vocabulary and tag not in vocabulary and tag not in new_tags:
            warnings.append(OutputWarning("tags", f"#{tag} is not in the vocabulary and not marked new"))
    return warnings


def check_copied(field: str, text: str, sources: Iterable[str]) -> list[OutputWarning]:
    """A small model under few-shot prompting sometimes repeats an example or the instruction verbatim."""
    mine = _squash_space(text)
    for source in sources:
        theirs = _squash_space(source)
        if len(theirs) >= 15 and (theirs in mine or (len(mine) >= 15 and mine in theirs)):
            return [OutputWarning(field, f"repeats the prompt or a past note: {clip_text(source)}")]
    return []


def clip_text(text: str, chars: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars] + "…"


def _squash_space(text: str) -> str:
    return " ".join(text.split())


def missing_urls(source: str, target: str) -> list[str]:
    """URLs of the source absent from the target, compared exactly (a URL must survive byte for byte)."""
    return _unique(url.rstrip(".,;") for url in URL.findall(source) if url.rstrip(".,;") not in target)


def missing_numbers(source: str, target: str) -> list[str]:
    """Numbers of the source (outside URLs) absent from the target."""
    found = set(NUMBER.findall(URL.sub(" ", target)))
    return _unique(n for n in NUMBER.findall(URL.sub(" ", source)) if n not in found)


def missing_terms(source: str, target: str) -> list[str]:
    """Latin-script terms of the source (outside URLs) absent from the target.

    Compared loosely, on letters and digits only and ignoring case, because a translation rightly writes
    'U-Net' for 'UNet' or 'long context' for 'Long Context'. One-letter terms are too ambiguous to check.
    """
    haystack = _squash(URL.sub(" ", target))
    terms = (t for t in LATIN_TERM.findall(URL.sub(" ", source)) if len(_squash(t)) > 1)
    return _unique(t for t in terms if _squash(t) not in haystack)


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _length(field: str, text: str, low: int, high: int) -> list[OutputWarning]:
    if len(text) < low:
        return [OutputWarning(field, f"only {len(text)} characters (expected at least {low})")]
    if len(text) > high:
        return [OutputWarning(field, f"{len(text)} characters (expected at most {high})")]
    return []


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))

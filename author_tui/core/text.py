"""Small text predicates shared by the formats and the output checks (what counts as Korean, a URL...)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from author_tui.errors import FormatError

BOM = "\ufeff"  # a leading byte-order mark: kept as the file had it (Digest.bom, Note.bom)
HANGUL = re.compile(r"[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
# Han ideographs and kana: a Korean note that contains them has most likely leaked Chinese or Japanese.
CJK_LEAK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# C0 controls and DEL, except tab, line feed and carriage return (line endings are checked on their own).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
URL = re.compile(r"https?://[^\s)\]>\"']+")
NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:[%xX×BKMT])?")
LATIN_TERM = re.compile(r"[A-Za-z][A-Za-z0-9@+.\-_/]*[A-Za-z0-9+]|[A-Za-z]")


def outside_urls(text: str) -> Callable[[int], bool]:
    """Whether a position of `text` is outside its URLs, which no rule that rewrites a draft touches."""
    spans = [match.span() for match in URL.finditer(text)]
    return lambda at: not any(start <= at < end for start, end in spans)


def swap_terms(text: str, terms: Mapping[str, str]) -> str:
    """`text` with every occurrence of a key of `terms` replaced by its value, the longest key first, so
    that a term inside a longer one (트레이닝 in 포스트트레이닝) does not cut it."""
    if not terms:
        return text
    pattern = re.compile("|".join(re.escape(key) for key in sorted(terms, key=len, reverse=True)))
    return pattern.sub(lambda match: terms[match.group(0)], text)


def has_hangul(text: str) -> bool:
    return HANGUL.search(text) is not None


def control_characters(text: str) -> list[tuple[int, str]]:
    """(1-based line, what) for each line holding a NUL byte or another control character: text no editor
    shows, which the tool reports and never writes."""
    if CONTROL.search(text) is None:  # the common case: one scan, no split
        return []
    found = []
    for number, line in enumerate(text.split("\n"), 1):
        match = CONTROL.search(line)
        if match is not None:
            found.append((number, "NUL byte" if "\x00" in line else f"control character U+{ord(match.group()):04X}"))
    return found


def first_nul_line(text: str) -> int | None:
    """The 1-based line of the first NUL in `text`, or None."""
    at = text.find("\x00")
    return None if at < 0 else text.count("\n", 0, at) + 1


def fold_lines(text: str) -> str:
    """Fold line breaks into single spaces (and trim): how titles, authors and abstracts become one line.

    Text without a line break is returned as it is, so a line read from a file keeps every byte.
    """
    if "\n" not in text and "\r" not in text:
        return text
    return re.sub(r"[ \t]*(?:\r\n|\r|\n)[ \t]*", " ", text).strip()


def normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_utf8(data: bytes, path: str, what: str = "file") -> str:
    """The bytes as text, or a FormatError naming the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise FormatError(path, line, "UTF-8 text", f"byte 0x{data[error.start]:02x}",
                          f"save the {what} as UTF-8") from None

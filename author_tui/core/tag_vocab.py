"""The tag vocabulary as words: which tags are one tag written two ways, and which tags a text names.

Six years of tags mix separators and forms (`object_detection` / `object-detection`, `language_model` /
`lm`). The engine reports such pairs for the author to decide on and never merges them itself; it also
reads a tag as the words it stands for, so a title that says "scaling laws" points at `#scaling-law`.
"""

from __future__ import annotations

import re
from collections import Counter

SEPARATORS = re.compile(r"[-_\s]+")
WORDS = re.compile(r"[a-z0-9]+")
MAX_PHRASE = 3


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def tag_phrase(tag: str) -> str:
    """A tag as the words it stands for: `scaling-law` -> 'scaling law'."""
    return " ".join(_singular(w) for w in WORDS.findall(tag.lower()))


def phrases_in(text: str) -> set[str]:
    """Every run of up to three words in the text, singularised, to look tag phrases up in."""
    words = [_singular(w) for w in WORDS.findall(text.lower())]
    return {" ".join(words[i : i + n]) for n in range(1, MAX_PHRASE + 1) for i in range(len(words) - n + 1)}


def _canonical(tag: str) -> str:
    """A tag with separators and a plural 's' dropped: `object_detection` ~ `object-detection`."""
    return "".join(tag_phrase(tag).split())


def _acronym(tag: str) -> str | None:
    """`language_model` -> 'lm': the initials of a tag of two or more words."""
    words = tag_phrase(tag).split()
    return "".join(w[0] for w in words) if len(words) > 1 else None


def near_duplicates(vocabulary: Counter[str]) -> list[tuple[str, str]]:
    """Pairs (more used, less used) that spell one idea two ways: separators, plural, or an acronym."""
    by_canonical: dict[str, list[str]] = {}
    for tag in vocabulary:
        by_canonical.setdefault(_canonical(tag), []).append(tag)
    pairs: set[tuple[str, str]] = set()
    for tag in vocabulary:
        twins = by_canonical.get(_canonical(tag), []) + by_canonical.get(_acronym(tag) or "", [])
        for other in twins:
            if other != tag:
                first, second = sorted((tag, other), key=lambda t: (-vocabulary[t], t))
                pairs.add((first, second))
    return sorted(pairs, key=lambda pair: (-vocabulary[pair[0]], pair))

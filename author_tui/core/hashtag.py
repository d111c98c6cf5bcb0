"""What a tag is, defined once: the entry model, both file formats, the editor, the model's output schema and
`check` all import it from here, so a tag one of them accepts can never be one another refuses.

- A tag is one word with no whitespace and no '#' inside (`TAG_WORD`); it is stored without its '#'.
- The house style (house-format.md) is stricter: lower-case ASCII words joined by '-' or '_'. A tag outside
  it is kept as written (the archive has some) and `check` warns about it.
- A tags line is `#tag` words on one line: the digest separates them with single spaces (so that it renders
  back byte for byte); a vault note also accepts runs of spaces and tabs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TAG_WORD = r"[^\s#]+"
TAG = re.compile(TAG_WORD)
HOUSE_TAG = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
DIGEST_TAGS_LINE = re.compile(rf"#{TAG_WORD}(?: #{TAG_WORD})*")
NOTE_TAGS_LINE = re.compile(rf"#{TAG_WORD}(?:[ \t]+#{TAG_WORD})*")
# `… 재미있음. #pose #gan`: old notes without a tags line end their last note line with the tags.
TRAILING_TAGS = re.compile(rf"(?<=\s)#{TAG_WORD}(?:[ \t]+#{TAG_WORD})*\s*$")


def is_tag(word: str) -> bool:
    """Whether `word` (without its '#') can be a tag."""
    return TAG.fullmatch(word) is not None


def is_house_tag(tag: str) -> bool:
    return HOUSE_TAG.fullmatch(tag) is not None


def tag_line(tags: Iterable[str]) -> str:
    """The tags as a line: `#one #two`, single spaces (both formats read it)."""
    return " ".join(f"#{tag}" for tag in tags)


def house_shape(text: str) -> str:
    """A tag as a model (or a person) may write it, in the house shape: no '#', lower case, words joined by
    '-' ("Load Balancing" -> "load-balancing"). Empty when nothing is left."""
    return "-".join(text.strip().lstrip("#").lower().split())

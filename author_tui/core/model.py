"""The entry model shared by every format and task: an entry, a day of entries, a digest of days.

Text is normalised on the way in (documented in house-format terms) so that whatever an Entry holds can be
compared, cached and rendered without surprises:
- title, authors and abstract are one line each: line breaks fold into single spaces;
- the Korean note and the English keep their lines; CRLF and lone CR become LF;
- tags are stored without their '#', exactly as written otherwise, and may not contain spaces or '#'.
Whether an entry can be written in the house format at all is the digest module's call (`digest.problems`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from author_tui.core.hashtag import is_tag, tag_line
from author_tui.core.text import fold_lines, normalise_newlines

ARXIV_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?")


class Entry(BaseModel):
    """One paper with the author's comment on it."""

    model_config = ConfigDict(validate_assignment=True)

    title: str = Field(description="The paper's title, one line.")
    authors: str = Field(default="", description="The authors line as written, without the surrounding ( ).")
    abstract: str = Field(default="", description="The abstract, one line (line breaks folded to spaces).")
    note: str = Field(default="", description="The author's Korean comment; may span several lines.")
    english: str = Field(default="", description="The English translation of the note; empty when not yet written.")
    tags: list[str] = Field(default_factory=list, description="Hashtags without the '#'.")
    link: str | None = Field(default=None, description="Where the paper lives (vault notes have it; digests do not).")

    @field_validator("title", "authors", "abstract", mode="before")
    @classmethod
    def _one_line(cls, value: object) -> object:
        return fold_lines(value) if isinstance(value, str) else value

    @field_validator("note", "english", mode="before")
    @classmethod
    def _lines(cls, value: object) -> object:
        return normalise_newlines(value) if isinstance(value, str) else value

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split()
        if not isinstance(value, list):
            return value
        tags = [t.removeprefix("#") if isinstance(t, str) else t for t in value]
        for tag in tags:
            if isinstance(tag, str) and not is_tag(tag):
                raise ValueError(f"tag {tag!r} must be one word with no spaces or '#' inside")
        return tags

    @property
    def arxiv_id(self) -> str | None:
        """The arXiv id from the link, when the link is an arXiv one."""
        if self.link and "arxiv.org" in self.link:
            match = ARXIV_ID.search(self.link)
            return match.group(1) if match else None
        return None

    @property
    def has_note(self) -> bool:
        return bool(self.note.strip())

    @property
    def has_english(self) -> bool:
        return bool(self.english.strip())

    @property
    def tag_line(self) -> str:
        return tag_line(self.tags)


class Day(BaseModel):
    """The entries written on one date, in the order they appear."""

    date: dt.date
    entries: list[Entry] = Field(default_factory=list)


class Digest(BaseModel):
    """A digest file: one or more days, plus the byte-level facts needed to write it back unchanged."""

    days: list[Day] = Field(default_factory=list)
    newline: Literal["\n", "\r\n"] = "\n"
    bom: bool = False
    # The author's example digest ends without a newline; a new file follows that house habit.
    final_newline: bool = False

    def entries(self) -> list[Entry]:
        return [entry for day in self.days for entry in day.entries]

    def day(self, date: dt.date) -> Day | None:
        return next((day for day in self.days if day.date == date), None)

    def ensure_day(self, date: dt.date) -> Day:
        """The day for `date`, appended at the end of the file when it is not there yet."""
        found = self.day(date)
        if found is None:
            found = Day(date=date)
            self.days.append(found)
        return found


class ArchiveDoc(BaseModel):
    """One past note of the author's, as retrieval and the tag engine see it."""

    key: str = Field(description="Stable id: a vault note's path, or 'digest.txt#3' for a digest entry.")
    date: dt.date | None = Field(default=None, description="The day it was written (vault: from the file name).")
    entry: Entry

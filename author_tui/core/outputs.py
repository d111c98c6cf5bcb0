"""The output schemas: the shapes of what the model hands back for a note, a translation and tags.

Why its own module: the use cases validate against them, the client builds grammars and JSON schemas from
them, and the reply cache keys on them; they are data, with no behaviour beyond cleaning their fields.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from author_tui.core.hashtag import house_shape

NOTE_PATTERN = r'^[^\n"\\가-힣぀-ヿ一-鿿]{0,40}[가-힣][^\n"\\぀-ヿ一-鿿]*$'


class NoteDraft(BaseModel):
    # The schema reaches grammar-constrained servers (llama.cpp, OpenAI strict mode), so it can steer as
    # well as check: Hangul within the first 40 characters (true of 490 of the author's 492 notes of 2025)
    # stops a small model from copying the English abstract, which it otherwise does; no kana or Han (a
    # small model's Korean drifts into Chinese); one line and no '"' or '\\', because llama.cpp applies the
    # pattern to the raw JSON text, where those would end or break the string (13 of 3,089 notes use '"').
    note: str = Field(
        description="The note in Korean (Hangul from the first words; no Chinese or Japanese), on one line: "
        "1-3 terse sentences in the author's voice.",
        pattern=NOTE_PATTERN,
    )

    @field_validator("note")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class Translation(BaseModel):
    # No maxLength here or anywhere in these schemas: llama.cpp unrolls it into a grammar rule per character
    # and fails to parse it, which takes its server down. Lengths are checked as warnings (core.checks).
    english: str = Field(description="The English translation of the Korean note.")

    @field_validator("english")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()


class TagPick(BaseModel):
    """What the model is asked for when it picks tags (its output schema)."""

    tags: list[str] = Field(description="Hashtags without '#', most relevant first, usually 1-3.")
    new_tags: list[str] = Field(default_factory=list, description="Those of `tags` not in the vocabulary.")

    @field_validator("tags", "new_tags")
    @classmethod
    def _clean(cls, value: list[str]) -> list[str]:
        """House shape: no '#', lower case, words joined by '-' ("Load Balancing" -> "load-balancing")."""
        cleaned = (house_shape(t) for t in value)
        return list(dict.fromkeys(t for t in cleaned if t))


class TagSuggestions(TagPick):
    """The chosen tags, plus the archive's other likely ones (offered to toggle on, never chosen for you)."""

    alternatives: list[str] = Field(default_factory=list, description="Other likely tags, best first.")

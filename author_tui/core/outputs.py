"""The output schemas: the shapes of what the model hands back for a note, a translation and tags.

Why its own module: the use cases validate against them, the client builds grammars and JSON schemas from
them (for tags), and the reply cache keys on them; they are data, with no behaviour beyond cleaning their fields.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field, field_validator

from author_tui.core.hashtag import house_shape


class NoteDraft(BaseModel):
    # Asked for and streamed as plain text (no JSON, no grammar): a grammar that forced Hangul into the
    # first 40 characters made small models splice one syllable into the paper's title. What a note must
    # be (Korean, 1-3 sentences, nothing copied) is checked afterwards (core.checks.check_draft).
    note: str = Field(description="The note in Korean: 1-3 terse sentences in the author's voice.")

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


# What small models wrap a plain-text answer in: a label line, quotes, a code fence, a closing remark on
# the answer itself after a blank line ("This translation maintains all URLs ...", "Note: ...").
QUOTE_PAIRS = {('"', '"'), ("'", "'"), ("“", "”"), ("「", "」")}
ANSWER_FENCE = re.compile(r"^```\w*\s*|\s*```$")
ANSWER_LABEL = re.compile(
    r"^(?:korean note|note|english|translation|english translation|코멘트|노트|번역)\s*[:：]\s*", re.IGNORECASE
)
ANSWER_REMARK = re.compile(
    r"\n\s*\n\s*[(\[]?(?:note\b|this translation\b|the translation\b|translation note\b|\(?참고).*\Z",
    re.IGNORECASE | re.DOTALL,
)


def clean_answer(text: str) -> str:
    """A plain-text answer without what small models wrap it in: a label line ("Korean note:",
    "Translation:"), surrounding quotes, a code fence, or a closing remark about the answer."""
    text = ANSWER_FENCE.sub("", text.strip()).strip()
    text = ANSWER_REMARK.sub("", text).strip()
    text = ANSWER_LABEL.sub("", text, count=1).strip()
    if len(text) > 1 and (text[0], text[-1]) in QUOTE_PAIRS:
        text = text[1:-1].strip()
    return text

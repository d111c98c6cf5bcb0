"""A fake translator for the scripted server: a deterministic English for each Korean note it is sent.

The English keeps every URL, number and Latin term of the note (so the output checks pass) and holds no
Hangul, so tests can predict exactly what each file should contain. Shared by tests/batch and
bench/batch.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from author_tui.core.text import HANGUL
from tests.support.scripted_answers import structured_content
from tests.support.scripted_server import ScriptedReply

NOTE = re.compile(r"Korean note:\n(.*?)\n\nTranslate the Korean note", re.DOTALL)


def note_of(body: dict[str, Any]) -> str:
    """The Korean note a translate request carries (empty for other requests)."""
    for message in reversed(body.get("messages") or []):
        match = NOTE.search(str(message.get("content", "")))
        if match:
            return match.group(1)
    return ""


def english_for(note: str) -> str:
    """The fake translation: the note's non-Hangul words, one English line per note line."""
    lines = []
    for line in note.split("\n"):
        kept = " ".join(word for word in (HANGUL.sub("", w) for w in line.split()) if word.strip(".,:"))
        lines.append(f"In English: {kept}".rstrip() + ".")
    return "\n".join(lines)


def translating(transform: Callable[[str], str] = english_for) -> Callable[[dict[str, Any]], ScriptedReply | str]:
    """A responder answering each translate request with `transform(note)`, shaped as the request asks."""

    def respond(body: dict[str, Any]) -> ScriptedReply | str:
        return structured_content(body, {"english": transform(note_of(body))})

    return respond

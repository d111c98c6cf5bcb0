"""Script what the scripted server answers: the content a request asked for, in the shape it asked for it.

Why apart from the server: the server is the wire (status codes, streams, faults); these say what a
model would have written, as JSON, <field> blocks or plain text, for tests and benchmarks alike.
"""

from __future__ import annotations

import json
from typing import Any

from tests.support.scripted_server import Responder


def json_reply(**fields: Any) -> str:
    """The content of a JSON answer with these fields."""
    return json.dumps(fields, ensure_ascii=False)


def structured_content(body: dict[str, Any], values: dict[str, Any]) -> str:
    """`values` in the shape the request asked for: JSON (only the fields its schema names) when it set a
    response_format or asked for JSON in the prompt, <field> blocks for the fields the prompt names, and
    otherwise (a plain-text request: a note or its English) the one value asked for, as plain text."""
    messages = body.get("messages") or [{}]
    prompt = str(messages[-1].get("content", ""))
    fmt = body.get("response_format")
    if fmt or "JSON" in prompt:
        named = json.dumps(fmt or {}) + prompt
        keys = [k for k in values if f'"{k}"' in named] or list(values)
        return json_reply(**{k: values[k] for k in keys})
    blocks = []
    for name, value in values.items():
        if f"<{name}>" in prompt:
            text = " ".join(value) if isinstance(value, list) else str(value)
            blocks.append(f"<{name}>{text}</{name}>")
    return "\n".join(blocks) if blocks else plain_content(messages, values)


def plain_content(messages: list[dict[str, Any]], values: dict[str, Any]) -> str:
    """The value a plain-text request asks for: the English when its system message is about translating
    (the translate prompts say so; the draft prompts never do), else the note, else the first text value."""
    system = " ".join(str(m.get("content", "")) for m in messages if m.get("role") == "system").lower()
    wanted = ["english", "note"] if "translat" in system else ["note"]
    for name in wanted:
        if isinstance(values.get(name), str):
            return str(values[name])
    return next((str(v) for v in values.values() if isinstance(v, str)), "")


def answering(**values: Any) -> Responder:
    """A responder answering every request with `values`, shaped as each request asks."""
    return lambda body: structured_content(body, values)

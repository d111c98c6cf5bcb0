"""Structured output from any OpenAI-compatible endpoint: a ladder of ways to ask for it, and the parsing.

Why a ladder: endpoints differ. OpenAI honours `response_format: json_schema`; llama.cpp's server 0.3.36
answers that with HTTP 500 but honours `{"type": "json_object", "schema": {...}}`; some servers honour
neither. So a request climbs down from the strictest rung that works, and the client remembers (per
endpoint and model) which rung that was:

    json_schema  -> response_format {"type": "json_schema", "json_schema": {name, schema, strict}}
    json_object  -> response_format {"type": "json_object", "schema": schema} + the schema in the prompt
    tagged       -> no response_format; the prompt asks for <field>...</field> blocks

Whatever comes back has reasoning blocks (`<think>...</think>`, even unclosed) stripped before parsing.
"""

from __future__ import annotations

import functools
import json
import re
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

RUNGS = ("json_schema", "json_object", "tagged")
THINK = re.compile(r"<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


class OutputInvalid(ValueError):
    """The reply could not be read as the expected structure; the message quotes why (for the repair)."""


@dataclass(frozen=True)
class Rung:
    name: str

    def response_format(self, output: type[BaseModel]) -> dict[str, Any] | None:
        """The request's response_format (shared between calls: read it, never change it)."""
        return _response_format(self.name, output)

    def instruction(self, output: type[BaseModel]) -> str:
        """Appended to the last user message: how to shape the answer on this rung."""
        return _instruction(self.name, output)

    def render(self, answer: dict[str, Any]) -> str:
        """An answer written the way this rung asks the model to write one (for few-shot turns)."""
        if self.name == "tagged":
            return "\n".join(f"<{k}>{' '.join(v) if isinstance(v, list) else v}</{k}>" for k, v in answer.items())
        return json.dumps(answer, ensure_ascii=False)

    def parse(self, text: str, output: type[BaseModel]) -> BaseModel:
        """The reply as `output`; OutputInvalid says what is wrong, in words a model can act on."""
        text = strip_reasoning(text)
        data = _tagged(text, output) if self.name == "tagged" else _json(text)
        try:
            return output.model_validate(data)
        except ValidationError as error:
            problems = "; ".join(_problem(e, output) for e in error.errors())
            raise OutputInvalid(f"the answer does not match the schema ({problems})") from None

    def preview(self, text: str, field: str) -> str:
        """The text of `field` so far, from a partial reply (for streaming to the editor)."""
        text = strip_reasoning(text)
        if self.name == "tagged":
            return _partial_tag(text, field)
        return _partial_json_string(text, field)


def ladder(start: str | None) -> list[Rung]:
    """The rungs to try, from `start` (a remembered rung) or from the top."""
    index = RUNGS.index(start) if start in RUNGS else 0
    return [Rung(name) for name in RUNGS[index:]]


def schema_of(output: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of `output`, built once per type: pydantic rebuilds it on every call (0.3-0.8 ms),
    and every model call needs it three times (cache key, response_format, instruction). Shared: read only."""
    return _schema(output)


@functools.cache
def _schema(output: type[BaseModel]) -> dict[str, Any]:
    return output.model_json_schema()


@functools.cache
def _response_format(rung: str, output: type[BaseModel]) -> dict[str, Any] | None:
    if rung == "json_schema":
        return {
            "type": "json_schema",
            "json_schema": {"name": output.__name__, "schema": _strict(schema_of(output)), "strict": True},
        }
    if rung == "json_object":
        return {"type": "json_object", "schema": schema_of(output)}
    return None


@functools.cache
def _instruction(rung: str, output: type[BaseModel]) -> str:
    if rung == "tagged":
        blocks = "\n".join(
            f"<{name}>{_tag_hint(name, field.annotation)}</{name}>" for name, field in output.model_fields.items()
        )
        return f"Answer with exactly these blocks and nothing else:\n{blocks}"
    schema = json.dumps(schema_of(output), ensure_ascii=False)
    return f"Answer with one JSON object, nothing else, matching this JSON schema:\n{schema}"


def strip_reasoning(text: str) -> str:
    return THINK.sub("", text).strip()


def repair_message(error: str) -> str:
    return f"Your previous answer could not be used: {error}. Answer again, following the requested format exactly."


def _strict(schema: dict[str, Any]) -> dict[str, Any]:
    """OpenAI's strict mode wants every property required and no extra properties."""
    schema = json.loads(json.dumps(schema))
    schema["required"] = list(schema.get("properties", {}))
    schema["additionalProperties"] = False
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)
    return schema


def _problem(error: Any, output: type[BaseModel]) -> str:
    """One validation problem in words a model can act on (a regex means little to it; the field's
    description says what is wanted)."""
    where = ".".join(map(str, error["loc"])) or "answer"
    field = output.model_fields.get(str(error["loc"][0])) if error["loc"] else None
    if error["type"] == "string_pattern_mismatch" and field is not None and field.description:
        return f"{where}: not of the required form: {field.description}"
    return f"{where}: {error['msg']}"


def _json(text: str) -> Any:
    text = FENCE.sub("", text).strip()
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise OutputInvalid(f"no JSON object in the answer: {text[:120]!r}")
    try:
        return json.loads(text[start : end + 1])
    except json.JSONDecodeError as error:
        raise OutputInvalid(f"the answer is not valid JSON ({error.msg} at character {error.pos})") from None


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(annotation) is list


def _tag_hint(name: str, annotation: Any) -> str:
    return "words separated by spaces" if _is_list(annotation) else f"the {name}"


def _tagged(text: str, output: type[BaseModel]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, field in output.model_fields.items():
        match = re.search(rf"<{name}>(.*?)(?:</{name}>|\Z)", text, re.DOTALL)
        if match is None:
            continue
        value = match.group(1).strip()
        data[name] = [w for w in re.split(r"[\s,]+", value) if w] if _is_list(field.annotation) else value
    if not data:
        # A model that ignored the blocks but answered a one-field question still answered it.
        only = [n for n, f in output.model_fields.items() if f.is_required()]
        if len(only) == 1 and text and not _is_list(output.model_fields[only[0]].annotation):
            return {only[0]: text}
        raise OutputInvalid("no <field>...</field> blocks in the answer")
    return data


def _partial_tag(text: str, field: str) -> str:
    start = text.find(f"<{field}>")
    if start < 0:
        return ""
    body = text[start + len(field) + 2 :]
    body = body.split(f"</{field}>")[0]
    return re.sub(r"<[^>]*\Z", "", body).strip()  # hide a closing tag that has only half arrived


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", '"': '"', "\\": "\\", "/": "/"}


def _partial_json_string(text: str, field: str) -> str:
    """Decode the JSON string value of `field` as far as it has arrived."""
    match = re.search(rf'"{re.escape(field)}"\s*:\s*"', text)
    if match is None:
        return ""
    out, i = [], match.end()
    while i < len(text):
        char = text[i]
        if char == '"':
            break
        if char != "\\":
            out.append(char)
            i += 1
            continue
        if i + 1 >= len(text):
            break  # an escape cut in half: wait for the next chunk
        code = text[i + 1]
        if code == "u":
            if i + 6 > len(text):
                break
            out.append(chr(int(text[i + 2 : i + 6], 16)))
            i += 6
            continue
        out.append(ESCAPES.get(code, code))
        i += 2
    return "".join(out)

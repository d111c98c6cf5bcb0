"""The chat-completion wire: the conversation a request becomes, and what a reply's JSON or stream holds.

Why apart from the client: these are pure translations between our request types and the OpenAI chat
format (no connection, no retries), small enough to read and test on their own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import openai
from pydantic import BaseModel

from author_tui.core.port import CallRecord, ModelRequest, OnDelta, Usage
from author_tui.core.prompting import Message, estimate_tokens
from author_tui.llm.failures import RetryableReply, is_context_error
from author_tui.llm.structured import Rung


@dataclass
class Trace:
    """What one generate() did, for its CallRecord: the last messages sent and the text that came back."""

    started: datetime
    clock: float
    seed: int | None = None  # set for a fresh sample
    rung: str | None = None
    text: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)

    def sent(self, messages: list[Message], text: str, rung: str | None) -> None:
        self.messages, self.text, self.rung = [m.as_dict() for m in messages], text, rung

    def record(
        self, request: ModelRequest, model: str, endpoint: str, usage: Usage, cached: bool, outcome: str
    ) -> CallRecord:
        return CallRecord(
            started=self.started,
            task=request.task,
            prompt_name=request.prompt_name or request.task,
            prompt_hash=request.prompt_hash,
            model=model,
            endpoint=endpoint,
            rung=self.rung,
            usage=usage,
            seconds=time.monotonic() - self.clock,
            cached=cached,
            outcome=outcome,
            messages=self.messages,
            reply_text=self.text,
        )


@dataclass(frozen=True)
class Call:
    """One way of asking (a rung, or plain text) for one request, as the client's completion helpers see it."""

    rung: Rung | None  # None: plain text
    response_format: dict[str, Any] | None
    request: ModelRequest
    temperature: float
    on_delta: OnDelta | None
    probing: bool  # a lower rung exists to fall back to
    trace: Trace


def conversation(request: ModelRequest, rung: Rung, output: type[BaseModel]) -> list[Message]:
    """System message(s), the worked examples as user/assistant turns in this rung's answer shape, then
    the question with this rung's format instruction."""
    *head, question = request.messages
    turns: list[Message] = []
    for shot in request.shots:
        turns += [Message("user", shot.user), Message("assistant", rung.render(shot.answer))]
    asked = Message(question.role, f"{question.content}\n\n{rung.instruction(output)}")
    return [*head, *turns, asked, *request.followup]


def text_conversation(request: ModelRequest) -> list[Message]:
    """System message(s), the worked examples as user turns answered by the author's own text, the question
    as written (no format instruction), then any follow-up turns (a guided retry)."""
    *head, question = request.messages
    field_name = request.preview_field or ""
    turns: list[Message] = []
    for shot in request.shots:
        turns += [Message("user", shot.user), Message("assistant", str(shot.answer.get(field_name, "")))]
    return [*head, *turns, question, *request.followup]


def format_refusal(error: openai.APIStatusError) -> bool:
    """A refusal of response_format: llama.cpp answers 500, OpenAI and others 400/422 naming it."""
    if is_context_error(error) or error.status_code in (401, 403, 404, 429):
        return False
    if error.status_code == 500:
        return True
    text = str(error).lower()
    return error.status_code in (400, 422) and ("response_format" in text or "schema" in text)


def completion(data: Any) -> tuple[str, Usage]:
    """The answer's text and usage from a chat completion's JSON; RetryableReply when it holds none."""
    try:
        choice = data["choices"][0]
        text = choice["message"].get("content") or ""
        finished = choice.get("finish_reason") is not None
        reported = data.get("usage") or {}
        cached = (reported.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
        usage = Usage(reported.get("prompt_tokens") or 0, reported.get("completion_tokens") or 0, cached, 1)
    except (KeyError, IndexError, TypeError, AttributeError):
        raise RetryableReply("the reply is not a chat completion") from None
    if not finished:
        raise RetryableReply("the reply held no finished answer")
    return str(text), usage


def estimated(usage: Usage, messages: list[Message], text: str) -> Usage:
    """Some servers (llama-cpp-python) report no usage on streams: an estimate beats showing zero."""
    if usage.prompt_tokens or usage.completion_tokens:
        return usage
    prompt = sum(estimate_tokens(m.content) for m in messages)
    return Usage(prompt, estimate_tokens(text), 0, usage.requests)


def usage_of(chunk: Any, usage: Usage) -> Usage:
    reported = getattr(chunk, "usage", None)
    if not reported:
        return usage
    details = getattr(reported, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", 0) or 0
    return Usage(reported.prompt_tokens or 0, reported.completion_tokens or 0, cached, usage.requests)

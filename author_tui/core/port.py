"""The model port: what the use cases ask a language model for and what comes back, with no openai here.

Why its own module: the use cases (core.authoring), the client that implements the port (llm.client), the
reply cache and the batch engine all speak these types; none of them needs the others to do so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from author_tui.core.prompting import Message
from author_tui.errors import Cancelled

T = TypeVar("T", bound=BaseModel)
OnDelta = Callable[[str], None]


class CancelToken:
    """Set from any thread; the client checks it between streamed chunks and between retries."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        """Sleep up to `seconds`, waking early on cancel; True when cancelled."""
        return self._event.wait(seconds)

    def raise_if_cancelled(self) -> None:
        if self.cancelled:
            raise Cancelled()


@dataclass(frozen=True)
class Usage:
    """Tokens spent: per call, or summed. `cached_tokens` are prompt tokens the provider served from its
    own prompt cache; `cache_hits` are calls answered from our reply cache (they cost nothing);
    `attempts` are the HTTP requests sent, retries included (`requests` counts calls)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    requests: int = 0
    cache_hits: int = 0
    attempts: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(a + b for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[int, ...]:
        return (
            self.prompt_tokens,
            self.completion_tokens,
            self.cached_tokens,
            self.requests,
            self.cache_hits,
            self.attempts,
        )

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class Shot:
    """A worked example: a past paper as the user turn, the author's own answer as the assistant turn.
    The client writes `answer` in whatever shape it asks the model for (JSON or <field> blocks), so the
    examples always show the model exactly what its own answer should look like."""

    user: str
    answer: dict[str, Any]


@dataclass(frozen=True)
class ModelRequest:
    """What the client is asked: rendered messages (the last one is the question), few-shot turns to put
    before that last message, follow-up turns after it, and what the client needs for caching and
    streaming. `fresh` and `prompt_name` do not change the answer asked for, so not the cache key."""

    task: str
    messages: tuple[Message, ...]
    prompt_hash: str
    shots: tuple[Shot, ...] = ()
    max_tokens: int | None = None
    temperature: float | None = None  # None: the client's configured temperature
    preview_field: str | None = None  # the output field whose text is streamed to on_delta
    # Free text (a note, a translation): asked and answered as plain text, no JSON and no grammar; the
    # answer is the value of `preview_field`. Structured output (the ladder) is for real structure (tags).
    plain_text: bool = False
    followup: tuple[Message, ...] = ()  # turns after the question: the first answer and what was wrong
    fresh: bool = False  # regenerate: skip the reply cache, sample anew, replace the cached reply
    # Another sample of the same question (after a severe problem): n > 0 is sampled warm with seed n, so
    # it is reproducible and cached under its own key, beside the first answer rather than over it.
    sample: int = 0
    prompt_name: str = ""  # the template's name (a profile's file), for the call log


@dataclass(frozen=True)
class ModelReply(Generic[T]):
    value: T
    usage: Usage
    cached: bool = False


class ModelClient(Protocol):
    def generate(
        self,
        request: ModelRequest,
        output: type[T],
        *,
        on_delta: OnDelta | None = None,
        cancel: CancelToken | None = None,
    ) -> ModelReply[T]: ...


@dataclass(frozen=True)
class CallRecord:
    """One model call as it happened, for the call log (one per generate(), cache hits included).

    `messages` are the role/content dicts actually sent (for a cache hit: what would have been sent);
    `rung` is the structured-output rung used, "text" for plain text, None when nothing was sent;
    `outcome` is "ok", "error: <message>" or "cancelled". Never holds the API key."""

    started: datetime
    task: str
    prompt_name: str
    prompt_hash: str
    model: str
    endpoint: str
    rung: str | None
    usage: Usage
    seconds: float
    cached: bool
    outcome: str
    messages: list[dict[str, str]] = field(default_factory=list)
    reply_text: str = ""


OnCall = Callable[[CallRecord], None]

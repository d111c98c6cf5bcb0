"""The one seam between author-tui and a language model: an OpenAI-compatible chat endpoint.

Why it exists: `core.authoring` asks for "this structure, from these messages"; this module turns that into
HTTP with everything a real endpoint needs: the reply cache, the structured-output ladder (with one repair
retry that quotes the validation error), streaming with a cancel token checked between chunks when someone
watches the reply arrive (`on_delta`, the TUI) and one plain request otherwise (batch runs: less CPU, kept-alive
connections), retries with backoff on transient failures, a bound on requests in flight, and token usage.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
import openai
from pydantic import BaseModel

from author_tui.core.port import CancelToken, ModelReply, ModelRequest, OnDelta, T, Usage
from author_tui.core.prompting import Message, estimate_tokens
from author_tui.errors import ModelError
from author_tui.llm.cache import EndpointMemory, ReplyCache, cache_key
from author_tui.llm.failures import (
    Backoff,
    FormatRejected,
    RetryableReply,
    explain,
    is_context_error,
    is_transient,
    no_key,
    retry_after,
)
from author_tui.llm.structured import OutputInvalid, Rung, ladder, repair_message, schema_of


@dataclass
class ClientOptions:
    """How to call the endpoint (built from Settings by `author_tui.llm.build_client`)."""

    base_url: str
    model: str
    api_key: str | None
    temperature: float = 0.3
    timeout: float = 60.0
    max_retries: int = 3
    concurrency: int = 4
    use_cache: bool = True
    refresh: bool = False
    key_required: bool = True  # False for loopback servers (the embedded one, test servers)
    # Who answers, for the reply cache and the endpoint memory. The embedded server gets a new port on
    # every start, so it is named by its model instead ("embedded"), or nothing would ever be reused.
    identity: str | None = None

    @property
    def endpoint_id(self) -> str:
        return self.identity or self.base_url


class OpenAIModelClient:
    """Implements `core.port.ModelClient` over the `openai` package. Thread-safe."""

    def __init__(
        self,
        options: ClientOptions,
        cache: ReplyCache | None,
        memory: EndpointMemory | None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] | None = None,
        http_client: httpx2.Client | None = None,
    ) -> None:
        self.options = options
        self._cache = cache
        self._memory = memory
        self._backoff = backoff or Backoff()
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(options.concurrency)
        self._openai = openai.OpenAI(
            base_url=options.base_url,
            api_key=options.api_key or "not-needed",
            timeout=options.timeout,
            max_retries=0,
            http_client=http_client,
        )

    # --- the protocol ----------------------------------------------------------------------------------

    def generate(
        self,
        request: ModelRequest,
        output: type[T],
        *,
        on_delta: OnDelta | None = None,
        cancel: CancelToken | None = None,
    ) -> ModelReply[T]:
        cancel = cancel or CancelToken()
        if self.options.key_required and not self.options.api_key:
            raise no_key(self.options.base_url)
        temperature = self.options.temperature if request.temperature is None else request.temperature
        key = cache_key(self.options.endpoint_id, self.options.model, request, temperature, schema_of(output))
        cached = self._cached(key, output)
        if cached is not None:
            if on_delta and request.preview_field:
                on_delta(str(getattr(cached, request.preview_field)))
            return ModelReply(cached, Usage(cache_hits=1), cached=True)
        value, usage = self._climb(request, output, temperature, on_delta, cancel)
        if self._cache is not None and self.options.use_cache:
            self._cache.set(key, value.model_dump())
        return ModelReply(value, usage)

    def _cached(self, key: str, output: type[T]) -> T | None:
        if self._cache is None or not self.options.use_cache or self.options.refresh:
            return None
        data = self._cache.get(key)
        try:
            return output.model_validate(data) if data is not None else None
        except ValueError:
            return None  # written by an older schema: ask again

    # --- the ladder --------------------------------------------------------------------------------------

    def _climb(
        self,
        request: ModelRequest,
        output: type[T],
        temperature: float,
        on_delta: OnDelta | None,
        cancel: CancelToken,
    ) -> tuple[T, Usage]:
        endpoint, model = self.options.endpoint_id, self.options.model
        remembered = self._memory.rung(endpoint, model) if self._memory else None
        rungs = ladder(remembered)
        for index, rung in enumerate(rungs):
            try:
                value, usage = self._on_rung(
                    rung, request, output, temperature, on_delta, cancel, probing=index + 1 < len(rungs)
                )
            except FormatRejected:
                continue
            if self._memory is not None:
                self._memory.remember(endpoint, model, rung.name)
            return value, usage
        raise ModelError(f"{self.options.base_url} rejected every way of asking for structured output")

    def _on_rung(
        self,
        rung: Rung,
        request: ModelRequest,
        output: type[T],
        temperature: float,
        on_delta: OnDelta | None,
        cancel: CancelToken,
        probing: bool,
    ) -> tuple[T, Usage]:
        messages = _conversation(request, rung, output)
        call = _Call(rung, rung.response_format(output), request, temperature, on_delta, probing)
        text, usage = self._complete(call, messages, cancel)
        try:
            return rung.parse(text, output), usage  # type: ignore[return-value]
        except OutputInvalid as error:
            first = str(error)
        # One repair: show the model its answer and what was wrong with it.
        repair = messages + [Message("assistant", text), Message("user", repair_message(first))]
        text, more = self._complete(call, repair, cancel)
        usage = usage + more
        try:
            return rung.parse(text, output), usage  # type: ignore[return-value]
        except OutputInvalid as error:
            raise ModelError(
                f"the model's {request.task} answer was unusable twice: {error}",
                hint="retry, lower the temperature, or use a stronger model (--model)",
            ) from None

    # --- one completion, with retries -------------------------------------------------------------------

    def _complete(self, call: _Call, messages: list[Message], cancel: CancelToken) -> tuple[str, Usage]:
        attempt = 0
        while True:
            cancel.raise_if_cancelled()
            try:
                with self._slots:
                    if call.on_delta is None:
                        return self._plain(call, messages)
                    return self._stream(call, messages, cancel)
            except openai.APIStatusError as error:
                if call.probing and call.response_format and _format_refusal(error):
                    raise FormatRejected() from error
                if not is_transient(error) or attempt >= self.options.max_retries:
                    raise self._explain(error) from error
                self._wait(self._backoff.delay(attempt, retry_after(error)), cancel)
            except (openai.APIError, httpx2.TransportError, RetryableReply, ValueError) as error:
                if not is_transient(error) or attempt >= self.options.max_retries:
                    raise self._explain(error) from error
                self._wait(self._backoff.delay(attempt), cancel)
            attempt += 1

    def _arguments(self, call: _Call, messages: list[Message]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.options.model,
            "messages": [m.as_dict() for m in messages],
            "temperature": call.temperature,
        }
        if call.request.max_tokens:
            kwargs["max_tokens"] = call.request.max_tokens
        if call.response_format:
            kwargs["response_format"] = call.response_format
        return kwargs

    def _plain(self, call: _Call, messages: list[Message]) -> tuple[str, Usage]:
        """One non-streamed completion, for callers that show nothing while it arrives (batch runs).

        Why not stream anyway: a streamed reply costs the client 30-70 % more CPU (a pydantic object per
        chunk), and the openai client stops reading a stream at [DONE], before the chunked body's end, so
        the connection cannot be reused: every streamed call opens a new one. Why `post` and not
        `chat.completions.create`: `create` first walks the whole request (the output schema included)
        against its TypedDicts and builds a pydantic object from the reply, about half the CPU of a call;
        `post` (the openai client's documented way to send a body as is) keeps its retries-off, headers,
        timeouts and status errors. With many calls in flight in one process, that CPU caps throughput."""
        response = self._openai.post("/chat/completions", cast_to=httpx2.Response, body=self._arguments(call, messages))
        text, usage = _completion(response.json())
        return text, _estimated(usage, messages, text)

    def _stream(self, call: _Call, messages: list[Message], cancel: CancelToken) -> tuple[str, Usage]:
        kwargs = self._arguments(call, messages)
        kwargs.update(stream=True, stream_options={"include_usage": True})
        stream = self._openai.chat.completions.create(**kwargs)
        parts: list[str] = []
        usage = Usage(requests=1)
        shown = ""
        finished = False
        try:
            for chunk in stream:
                cancel.raise_if_cancelled()
                usage = _usage(chunk, usage)
                for choice in chunk.choices:
                    parts.append(choice.delta.content or "")
                    finished = finished or choice.finish_reason is not None
                shown = self._preview(call, "".join(parts), shown)
        finally:
            stream.close()
        if not finished:
            raise RetryableReply("the stream ended before the reply was finished")
        text = "".join(parts)
        return text, _estimated(usage, messages, text)

    def _preview(self, call: _Call, text: str, shown: str) -> str:
        if call.on_delta is None or call.request.preview_field is None:
            return shown
        current = call.rung.preview(text, call.request.preview_field)
        if current != shown:
            call.on_delta(current)
        return current

    def _wait(self, seconds: float, cancel: CancelToken) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
            cancel.raise_if_cancelled()
        elif cancel.wait(seconds):
            cancel.raise_if_cancelled()

    def _explain(self, error: BaseException) -> ModelError:
        return explain(error, self.options.base_url, self.options.model, self.options.timeout)

    def close(self) -> None:
        self._openai.close()


@dataclass(frozen=True)
class _Call:
    rung: Rung
    response_format: dict[str, Any] | None
    request: ModelRequest
    temperature: float
    on_delta: OnDelta | None
    probing: bool  # a lower rung exists to fall back to


def _conversation(request: ModelRequest, rung: Rung, output: type[BaseModel]) -> list[Message]:
    """System message(s), the worked examples as user/assistant turns in this rung's answer shape, then
    the question with this rung's format instruction."""
    *head, question = request.messages
    turns: list[Message] = []
    for shot in request.shots:
        turns += [Message("user", shot.user), Message("assistant", rung.render(shot.answer))]
    return [*head, *turns, Message(question.role, f"{question.content}\n\n{rung.instruction(output)}")]


def _format_refusal(error: openai.APIStatusError) -> bool:
    """A refusal of response_format: llama.cpp answers 500, OpenAI and others 400/422 naming it."""
    if is_context_error(error) or error.status_code in (401, 403, 404, 429):
        return False
    if error.status_code == 500:
        return True
    text = str(error).lower()
    return error.status_code in (400, 422) and ("response_format" in text or "schema" in text)


def _completion(data: Any) -> tuple[str, Usage]:
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


def _estimated(usage: Usage, messages: list[Message], text: str) -> Usage:
    """Some servers (llama-cpp-python) report no usage on streams: an estimate beats showing zero."""
    if usage.prompt_tokens or usage.completion_tokens:
        return usage
    prompt = sum(estimate_tokens(m.content) for m in messages)
    return Usage(prompt, estimate_tokens(text), 0, usage.requests)


def _usage(chunk: Any, usage: Usage) -> Usage:
    reported = getattr(chunk, "usage", None)
    if not reported:
        return usage
    details = getattr(reported, "prompt_tokens_details", None)
    cached = getattr(details, "cached_tokens", 0) or 0
    return Usage(reported.prompt_tokens or 0, reported.completion_tokens or 0, cached, usage.requests)

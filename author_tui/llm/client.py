"""The one seam between author-tui and a language model: an OpenAI-compatible chat endpoint.

Why it exists: `core.authoring` asks for "this text" (a note, its English: plain text, streamed as
written, no JSON or grammar) or "this structure" (tags: the structured-output ladder, one repair retry
quoting the validation error); this module turns that into HTTP with what a real endpoint needs: the
reply cache, streaming with a cancel token when someone watches (`on_delta`, the TUI) and one plain
request otherwise (batch runs: less CPU, kept-alive connections), retries with backoff, a bound on
requests in flight, token usage, and one CallRecord per call (`on_call`, the call log). A fresh request
(regenerate) skips the cache, is sampled anew (own seed, livelier temperature) and replaces the cached reply.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx2
import openai

from author_tui.core.port import CancelToken, ModelReply, ModelRequest, OnCall, OnDelta, T, Usage
from author_tui.core.prompting import Message
from author_tui.errors import Cancelled, ModelError
from author_tui.llm.cache import EndpointMemory, ReplyCache, cache_key
from author_tui.llm.failures import (
    Backoff,
    FormatRejected,
    RetryableReply,
    explain,
    is_transient,
    no_key,
    retry_after,
)
from author_tui.llm.structured import OutputInvalid, Rung, ladder, repair_message, schema_of, strip_reasoning
from author_tui.llm.wire import (
    Call,
    Trace,
    completion,
    conversation,
    estimated,
    format_refusal,
    text_conversation,
    usage_of,
)

# A regenerate must not be the same sample again: a small model at 0.3 often repeats itself even with
# another seed, so a fresh request is sampled at least this warm.
FRESH_TEMPERATURE = 0.8


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
        on_call: OnCall | None = None,
        clock: Callable[[], datetime] | None = None,
        seeds: random.Random | None = None,
    ) -> None:
        self.options = options
        self._on_call = on_call
        self._clock = clock or (lambda: datetime.now(UTC))
        self._seeds = seeds or random.Random()
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
        trace = Trace(self._clock(), time.monotonic())
        try:
            reply = self._generate(request, output, on_delta, cancel or CancelToken(), trace)
        except Cancelled:
            self._record(request, trace, Usage(), False, "cancelled")
            raise
        except Exception as error:
            self._record(request, trace, Usage(), False, f"error: {getattr(error, 'message', None) or error}")
            raise
        self._record(request, trace, reply.usage, reply.cached, "ok")
        return reply

    def _generate(
        self, request: ModelRequest, output: type[T], on_delta: OnDelta | None, cancel: CancelToken, trace: Trace
    ) -> ModelReply[T]:
        if self.options.key_required and not self.options.api_key:
            raise no_key(self.options.base_url)
        temperature = self.options.temperature if request.temperature is None else request.temperature
        key = cache_key(self.options.endpoint_id, self.options.model, request, temperature, schema_of(output))
        fresh = request.fresh or self.options.refresh
        cached = None if fresh else self._cached(key, output)
        if cached is not None:
            text = str(getattr(cached, request.preview_field)) if request.preview_field else cached.model_dump_json()
            trace.sent(self._would_send(request, output), text, "text" if request.plain_text else None)
            if on_delta and request.preview_field:
                on_delta(text)
            return ModelReply(cached, Usage(cache_hits=1), cached=True)
        if fresh:
            temperature, trace.seed = max(temperature, FRESH_TEMPERATURE), self._seeds.randrange(2**31)
        elif request.sample:
            temperature, trace.seed = max(temperature, FRESH_TEMPERATURE), request.sample
        if request.plain_text:
            value, usage = self._text(request, output, temperature, on_delta, cancel, trace)
        else:
            value, usage = self._climb(request, output, temperature, on_delta, cancel, trace)
        if self._cache is not None and self.options.use_cache:
            self._cache.set(key, value.model_dump())
        return ModelReply(value, usage)

    def _record(self, request: ModelRequest, trace: Trace, usage: Usage, cached: bool, outcome: str) -> None:
        if self._on_call is not None:
            self._on_call(trace.record(request, self.options.model, self.options.endpoint_id, usage, cached, outcome))

    def _would_send(self, request: ModelRequest, output: type[T]) -> list[Message]:
        if request.plain_text:
            return text_conversation(request)
        remembered = self._memory.rung(self.options.endpoint_id, self.options.model) if self._memory else None
        return conversation(request, ladder(remembered)[0], output)

    # --- plain text: free text as written, no format to follow --------------------------------------------

    def _text(
        self,
        request: ModelRequest,
        output: type[T],
        temperature: float,
        on_delta: OnDelta | None,
        cancel: CancelToken,
        trace: Trace,
    ) -> tuple[T, Usage]:
        field_name = request.preview_field
        if field_name is None:
            raise ModelError(f"a plain-text {request.task} request must name its field (preview_field)")
        call = Call(None, None, request, temperature, on_delta, False, trace)
        text, usage = self._complete(call, text_conversation(request), cancel)
        return output.model_validate({field_name: strip_reasoning(text)}), usage

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
        trace: Trace,
    ) -> tuple[T, Usage]:
        endpoint, model = self.options.endpoint_id, self.options.model
        remembered = self._memory.rung(endpoint, model) if self._memory else None
        rungs = ladder(remembered)
        for index, rung in enumerate(rungs):
            try:
                value, usage = self._on_rung(
                    rung, request, output, temperature, on_delta, cancel, trace, probing=index + 1 < len(rungs)
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
        trace: Trace,
        probing: bool,
    ) -> tuple[T, Usage]:
        messages = conversation(request, rung, output)
        call = Call(rung, rung.response_format(output), request, temperature, on_delta, probing, trace)
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

    def _complete(self, call: Call, messages: list[Message], cancel: CancelToken) -> tuple[str, Usage]:
        attempt = 0
        while True:
            cancel.raise_if_cancelled()
            try:
                with self._slots:
                    if call.on_delta is None:
                        text, usage = self._plain(call, messages)
                    else:
                        text, usage = self._stream(call, messages, cancel)
                call.trace.sent(messages, text, call.rung.name if call.rung else "text")
                return text, replace(usage, attempts=attempt + 1)
            except openai.APIStatusError as error:
                if call.probing and call.response_format and format_refusal(error):
                    raise FormatRejected() from error
                if not is_transient(error) or attempt >= self.options.max_retries:
                    raise self._explain(error, attempt + 1) from error
                self._wait(self._backoff.delay(attempt, retry_after(error)), cancel)
            except (openai.APIError, httpx2.TransportError, RetryableReply, ValueError) as error:
                if not is_transient(error) or attempt >= self.options.max_retries:
                    raise self._explain(error, attempt + 1) from error
                self._wait(self._backoff.delay(attempt), cancel)
            attempt += 1

    def _arguments(self, call: Call, messages: list[Message]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "model": self.options.model,
            "messages": [m.as_dict() for m in messages],
            "temperature": call.temperature,
        }
        if call.request.max_tokens:
            kwargs["max_tokens"] = call.request.max_tokens
        if call.response_format:
            kwargs["response_format"] = call.response_format
        if call.trace.seed is not None:
            kwargs["seed"] = call.trace.seed
        return kwargs

    def _plain(self, call: Call, messages: list[Message]) -> tuple[str, Usage]:
        """One non-streamed completion, for callers that show nothing while it arrives (batch runs).

        Why not stream anyway: a streamed reply costs the client 30-70 % more CPU (a pydantic object per
        chunk), and the openai client stops reading a stream at [DONE], before the chunked body's end, so
        the connection cannot be reused: every streamed call opens a new one. Why `post` and not
        `chat.completions.create`: `create` first walks the whole request (the output schema included)
        against its TypedDicts and builds a pydantic object from the reply, about half the CPU of a call;
        `post` (the openai client's documented way to send a body as is) keeps its retries-off, headers,
        timeouts and status errors. With many calls in flight in one process, that CPU caps throughput."""
        response = self._openai.post("/chat/completions", cast_to=httpx2.Response, body=self._arguments(call, messages))
        text, usage = completion(response.json())
        return text, estimated(usage, messages, text)

    def _stream(self, call: Call, messages: list[Message], cancel: CancelToken) -> tuple[str, Usage]:
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
                usage = usage_of(chunk, usage)
                for choice in chunk.choices:
                    parts.append(choice.delta.content or "")
                    finished = finished or choice.finish_reason is not None
                shown = self._preview(call, "".join(parts), shown)
        finally:
            stream.close()
        if not finished:
            raise RetryableReply("the stream ended before the reply was finished")
        text = "".join(parts)
        return text, estimated(usage, messages, text)

    def _preview(self, call: Call, text: str, shown: str) -> str:
        if call.on_delta is None or call.request.preview_field is None:
            return shown
        field_name = call.request.preview_field
        current = strip_reasoning(text) if call.rung is None else call.rung.preview(text, field_name)
        if current != shown:
            call.on_delta(current)
        return current

    def _wait(self, seconds: float, cancel: CancelToken) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
            cancel.raise_if_cancelled()
        elif cancel.wait(seconds):
            cancel.raise_if_cancelled()

    def _explain(self, error: BaseException, attempts: int = 1) -> ModelError:
        explained = explain(error, self.options.base_url, self.options.model, self.options.timeout)
        explained.attempts = attempts  # the run's summary counts the HTTP requests a failure cost too
        return explained

    def close(self) -> None:
        self._openai.close()

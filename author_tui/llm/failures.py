"""What can go wrong talking to a model, decided once: retry or give up, and what to tell the author.

Why one place: every cause (no key, bad key, unreachable, unknown model, context too long, rate limited,
timeout, server error) deserves one clear message with how to fix it, whichever command or screen hit it.
Transient causes (429, 5xx, timeouts, dropped connections, a garbled reply) are retried with exponential
backoff and full jitter; a 429's Retry-After header is honoured.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx2
import openai

from author_tui.errors import ModelError

CONTEXT_MARKERS = (
    "context_length_exceeded",
    "maximum context length",
    "context window",
    "too many tokens",
    "exceed context",
    "exceeds the context",
)


# Statuses an OpenAI-compatible server never gives for POST /chat/completions: "no such method" answers
# from a server that is something else (a web server, another API). Not worth a retry.
NOT_OPENAI = (405, 501)


class FormatRejected(Exception):
    """The endpoint refused the response_format we asked for (llama.cpp: 500; OpenAI: 400)."""


class RetryableReply(Exception):
    """The reply broke off or could not be decoded; worth asking again."""


@dataclass
class Backoff:
    """Delays between attempts: min(cap, base * 2**attempt) scaled by a random factor (full jitter)."""

    base: float = 0.5
    cap: float = 20.0
    rand: Callable[[], float] = field(default=random.random)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), 120.0)  # trust the server, within reason
        return min(self.cap, self.base * 2**attempt) * self.rand()


def is_transient(error: BaseException) -> bool:
    if isinstance(error, openai.RateLimitError | openai.APITimeoutError | openai.APIConnectionError):
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code >= 500 and error.status_code not in NOT_OPENAI
    return isinstance(error, httpx2.TransportError | RetryableReply | ValueError)


def retry_after(error: BaseException) -> float | None:
    """Seconds the server asked us to wait (Retry-After: seconds), if it did."""
    response = getattr(error, "response", None)
    value = response.headers.get("retry-after") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # an HTTP date: rare from model APIs; fall back to our own backoff


def is_context_error(error: BaseException) -> bool:
    text = f"{getattr(error, 'code', '')} {error}".lower()
    return any(marker in text for marker in CONTEXT_MARKERS)


def explain(error: BaseException, endpoint: str, model: str, timeout: float) -> ModelError:
    """The one message for this cause, with how to fix it."""
    if isinstance(error, ModelError):
        return error
    crash = _crash_behind(error, endpoint)
    if crash is not None:
        return crash
    if isinstance(error, openai.AuthenticationError | openai.PermissionDeniedError):
        return ModelError(
            f"{endpoint} refused the API key ({_status(error)})",
            hint="check AUTHOR_TUI_API_KEY / OPENAI_API_KEY (or api_key in the config file)",
        )
    if isinstance(error, openai.NotFoundError):
        return ModelError(
            f"model '{model}' is not available at {endpoint}",
            hint="pick one the endpoint serves with --model or AUTHOR_TUI_MODEL",
        )
    if is_context_error(error):
        return ModelError(
            f"the prompt is longer than {model}'s context window at {endpoint}",
            hint="lower example_tokens in the prompt file, or raise local_context_size",
        )
    if isinstance(error, openai.RateLimitError):
        return ModelError(
            f"{endpoint} kept answering 'rate limited' (429) after every retry",
            hint="lower --concurrency, raise --max-retries, or wait a minute",
        )
    if isinstance(error, openai.APITimeoutError):
        return ModelError(
            f"{endpoint} did not answer within {timeout:g}s, even after retries",
            hint="raise --timeout (AUTHOR_TUI_TIMEOUT), or use a smaller/faster model",
        )
    if isinstance(error, openai.APIConnectionError | httpx2.ConnectError):
        return ModelError(
            f"cannot reach {endpoint}",
            hint="check --base-url / AUTHOR_TUI_BASE_URL and that the server is running; "
            "`author-tui doctor` checks the endpoint step by step",
        )
    if isinstance(error, openai.APIStatusError) and (error.status_code in NOT_OPENAI or _is_html(error)):
        return ModelError(
            f"{endpoint} is not an OpenAI-compatible endpoint: it answered HTTP {error.status_code} "
            f"{'with a web page' if _is_html(error) else 'to POST /chat/completions'}",
            hint="base_url must be an OpenAI-compatible API root (usually ending in /v1); "
            "`author-tui doctor` checks it step by step",
        )
    if isinstance(error, openai.APIStatusError):
        return ModelError(
            f"{endpoint} failed with HTTP {error.status_code}: {_short(error)}",
            hint="retry later; if it persists, check the server's logs",
        )
    if isinstance(error, httpx2.TransportError | RetryableReply | ValueError):
        return ModelError(
            f"{endpoint} sent a broken reply, even after retries ({_short(error)})",
            hint="retry later; if it persists, check the server's logs",
        )
    return ModelError(f"model call to {endpoint} failed: {_short(error)}")


def _crash_behind(error: BaseException, endpoint: str) -> ModelError | None:
    """A dropped or refused connection to the embedded server that crashed is that crash, said as such."""
    if isinstance(error, openai.APIStatusError) or not isinstance(
        error, openai.APIConnectionError | httpx2.TransportError | RetryableReply
    ):
        return None
    from author_tui.llm.embedded import crash_report

    return crash_report(endpoint)


def no_key(endpoint: str) -> ModelError:
    return ModelError(
        f"no API key for {endpoint}",
        hint="set AUTHOR_TUI_API_KEY or OPENAI_API_KEY, or api_key in the config file",
    )


def _is_html(error: openai.APIStatusError) -> bool:
    return "html" in error.response.headers.get("content-type", "")


def _status(error: openai.APIStatusError) -> str:
    return f"HTTP {error.status_code}"


def _short(error: BaseException) -> str:
    text = " ".join(str(error).split())
    return text[:200] or type(error).__name__

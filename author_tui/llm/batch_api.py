"""The provider's Batch API through the `openai` client: upload a JSONL of requests, create, poll, fetch, cancel.

Why: re-translating or re-tagging the whole archive through live calls is slow and full price; a hosted
provider runs the same requests as one batch at about half the price within 24 h. This module only talks to
the files and batches endpoints; what goes into the lines and what is done with the answers is the batch
engine's business (`batch/remote.py`, with the jobs saved by `store/batch_jobs.py`).

    api = build_batch_api(settings)
    info = api.submit([BatchLine("k1-ab12", body)], metadata={"author_tui_job": job_id})
    api.retrieve(info.id).status                       # validating, in_progress, completed, failed, ...
    results = api.results(api.retrieve(info.id))       # custom_id -> LineResult (text + usage, or error)

An endpoint without `/v1/files` or `/v1/batches` (llama.cpp, vLLM, the embedded model) raises
BatchUnsupported, whose hint says to run the same command without --batch; a definite refusal of a
submission (the upload failed, HTTP 4xx) is BatchRefused, so the saved job can be dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

import httpx2
import openai
from pydantic import BaseModel

from author_tui.core.port import ModelRequest, T, Usage
from author_tui.errors import BatchUnsupported, ModelError
from author_tui.llm.failures import explain, no_key
from author_tui.llm.structured import OutputInvalid, Rung, strip_reasoning
from author_tui.llm.wire import conversation, text_conversation

if TYPE_CHECKING:
    from author_tui.config import Settings

ENDPOINT: Final = "/v1/chat/completions"
WINDOW: Final = "24h"
SETTLED = frozenset({"completed", "failed", "expired", "cancelled"})
MISSING = (404, 405, 501)  # what servers without the endpoints answer
MAX_LINES, MAX_BYTES = 50_000, 200 * 1024 * 1024  # OpenAI's limits for one batch input file
FIND_AMONG = 200  # a crashed submitter's batch is among the newest: look no further back
LIVE_HINT = "run the same command without --batch (the live path): this endpoint answers only live requests"


@dataclass(frozen=True)
class BatchLine:
    custom_id: str
    body: dict[str, Any]

    def jsonl(self) -> str:
        line = {"custom_id": self.custom_id, "method": "POST", "url": ENDPOINT, "body": self.body}
        return json.dumps(line, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class BatchInfo:
    """What the provider says about a batch."""

    id: str
    status: str
    total: int = 0
    completed: int = 0
    failed: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def settled(self) -> bool:
        return self.status in SETTLED


@dataclass(frozen=True)
class LineResult:
    """One line's answer (`text`, `usage`) or why it has none (`error`: e.g. "batch_expired: ...")."""

    custom_id: str
    text: str | None
    usage: Usage = Usage()
    error: str = ""

    def jsonl(self) -> str:
        """The result as an output-file line again (`parse_results` reads it back the same)."""
        if self.text is None:
            row: dict[str, Any] = {"custom_id": self.custom_id, "error": {"code": None, "message": self.error}}
        else:
            usage = {"prompt_tokens": self.usage.prompt_tokens, "completion_tokens": self.usage.completion_tokens,
                     "prompt_tokens_details": {"cached_tokens": self.usage.cached_tokens}}
            body = {"choices": [{"message": {"content": self.text}}], "usage": usage}
            row = {"custom_id": self.custom_id, "response": {"status_code": 200, "body": body}}
        return json.dumps(row, ensure_ascii=False) + "\n"


def line_body(
    model: str, temperature: float, request: ModelRequest, output: type[BaseModel], rung: Rung
) -> dict[str, Any]:
    """The chat request a live call on `rung` would send (the same conversation, format and instruction);
    a plain-text request is sent as written, with no format."""
    plain = request.plain_text
    sent = text_conversation(request) if plain else conversation(request, rung, output)
    body: dict[str, Any] = {"model": model, "messages": [m.as_dict() for m in sent], "temperature": temperature}
    if request.max_tokens:
        body["max_tokens"] = request.max_tokens
    response_format = None if plain else rung.response_format(output)
    if response_format:
        body["response_format"] = response_format
    return body


def read_answer(request: ModelRequest, output: type[T], rung: Rung, text: str) -> T:
    """A line's answer as `output`, read the way the live client reads it; ModelError when it cannot be."""
    try:
        if request.plain_text:
            return output.model_validate({request.preview_field or "": strip_reasoning(text)})
        return rung.parse(text, output)  # type: ignore[return-value]
    except (OutputInvalid, ValueError) as error:
        raise ModelError(f"the batch's {request.task} answer is unusable: {error}",
                         hint="rerun this entry live (the live path retries with the problem explained)") from None


class BatchApi:
    """The files and batches endpoints of one OpenAI-compatible base URL."""

    def __init__(self, base_url: str, api_key: str | None, model: str, timeout: float = 60.0,
                 http_client: httpx2.Client | None = None) -> None:
        self.base_url, self.model, self.timeout = base_url, model, timeout
        self._openai = openai.OpenAI(base_url=base_url, api_key=api_key or "not-needed", timeout=timeout,
                                     max_retries=2, http_client=http_client)

    def submit(self, lines: Sequence[BatchLine], metadata: dict[str, str]) -> BatchInfo:
        """Upload the lines as one JSONL file and create a batch over it (completion window 24 h)."""
        return self.create(self.upload(lines), metadata)

    def upload(self, lines: Sequence[BatchLine]) -> str:
        """The lines as one uploaded JSONL file, by its id. Any failure here is a BatchRefused: no batch
        exists yet, so nothing runs and nothing is billed."""
        data = "".join(line.jsonl() for line in lines).encode("utf-8")
        if len(lines) > MAX_LINES or len(data) > MAX_BYTES:
            raise BatchRefused(f"{len(lines)} requests ({len(data) // 2**20} MB) exceed one batch's limits "
                               f"({MAX_LINES} requests, {MAX_BYTES // 2**20} MB)",
                               hint="submit the archive in parts: --limit N, or one folder at a time")
        try:
            with self._errors("uploading the batch file"):
                return str(self._openai.files.create(file=("author-tui-batch.jsonl", data), purpose="batch").id)
        except (BatchRefused, BatchUnsupported):
            raise
        except ModelError as error:
            raise BatchRefused(error.message, error.hint) from None

    def create(self, file_id: str, metadata: dict[str, str]) -> BatchInfo:
        """A batch over an uploaded file. BatchRefused when the provider said no (HTTP 4xx); any other
        ModelError (a timeout, a 5xx) leaves it unknown whether the batch exists; BatchUnsupported is a no too."""
        with self._errors("creating the batch"):
            # Never retried: a create that timed out may have gone through, and a second one would be billed
            # twice. The job is saved before, and its metadata finds the batch again (`batch status`).
            once = self._openai.with_options(max_retries=0)
            batch = once.batches.create(input_file_id=file_id, endpoint=ENDPOINT, completion_window=WINDOW,
                                        metadata=metadata)
        return _info(batch)

    def retrieve(self, batch_id: str) -> BatchInfo:
        with self._errors(f"asking for batch {batch_id}"):
            return _info(self._openai.batches.retrieve(batch_id))

    def cancel(self, batch_id: str) -> BatchInfo:
        with self._errors(f"cancelling batch {batch_id}"):
            return _info(self._openai.batches.cancel(batch_id))

    def find(self, key: str, value: str) -> BatchInfo | None:
        """The newest batch whose metadata holds key=value (a job whose submitter died before saving the id)."""
        with self._errors("listing batches"):
            for seen, batch in enumerate(self._openai.batches.list(limit=100)):
                if (batch.metadata or {}).get(key) == value:
                    return _info(batch)
                if seen >= FIND_AMONG:
                    break
        return None

    def results(self, info: BatchInfo) -> dict[str, LineResult]:
        """Every line the provider answered or reported, by custom_id (lines never run are absent)."""
        found: dict[str, LineResult] = {}
        for file_id in (info.error_file_id, info.output_file_id):  # answers win over errors for one id
            if file_id:
                with self._errors(f"downloading the results of batch {info.id}"):
                    text = self._openai.files.content(file_id).text
                found.update((r.custom_id, r) for r in parse_results(text.splitlines()))
        return found

    def close(self) -> None:
        self._openai.close()

    def _errors(self, doing: str) -> _Translated:
        return _Translated(self, doing)


class _Translated:
    """Turns the openai client's exceptions into ModelError / BatchUnsupported saying what was being done."""

    def __init__(self, api: BatchApi, doing: str) -> None:
        self.api, self.doing = api, doing

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: object) -> None:
        if error is None:
            return
        if isinstance(error, openai.APIStatusError) and error.status_code in MISSING:
            raise BatchUnsupported(
                f"{self.api.base_url} has no Batch API ({self.doing}: HTTP {error.status_code})", LIVE_HINT
            ) from None
        if isinstance(error, openai.APIError | httpx2.TransportError):
            explained = explain(error, self.api.base_url, self.api.model, self.api.timeout)
            # A 4xx is the provider's definite no; a timeout or a 5xx leaves the outcome unknown.
            refused = isinstance(error, openai.APIStatusError) and 400 <= error.status_code < 500
            raise (BatchRefused if refused else ModelError)(f"{self.doing}: {explained.message}",
                                                            explained.hint) from None


class BatchRefused(ModelError):
    """The provider definitely did not create the batch (the upload failed, or it answered 4xx)."""


def parse_results(lines: Iterable[str]) -> list[LineResult]:
    """Output or error file lines as results; a line that is not a result is skipped."""
    found = []
    for raw in lines:
        try:
            row = json.loads(raw)
        except ValueError:
            continue
        if isinstance(row, dict) and row.get("custom_id"):
            found.append(_result(row))
    return found


def _result(row: dict[str, Any]) -> LineResult:
    custom_id = str(row["custom_id"])
    error = row.get("error") or {}
    response = row.get("response") or {}
    body = response.get("body") or {}
    if error:
        code, message = error.get("code"), error.get("message") or "no message"
        return LineResult(custom_id, None, error=f"{code}: {message}" if code else message)
    if response.get("status_code") != 200:
        message = (body.get("error") or {}).get("message") or "no message"
        return LineResult(custom_id, None, error=f"HTTP {response.get('status_code')}: {message}")
    try:
        choice = body["choices"][0]
        text = str(choice["message"].get("content") or "")
    except (KeyError, IndexError, TypeError, AttributeError):
        return LineResult(custom_id, None, error="the answer is not a chat completion")
    reported = body.get("usage") or {}
    cached = (reported.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
    usage = Usage(reported.get("prompt_tokens") or 0, reported.get("completion_tokens") or 0, cached, 1, attempts=1)
    return LineResult(custom_id, text, usage)


def _info(batch: Any) -> BatchInfo:
    counts = batch.request_counts
    errors = tuple(e.message or e.code or "error" for e in (batch.errors.data or [])) if batch.errors else ()
    return BatchInfo(
        id=batch.id, status=batch.status, total=counts.total if counts else 0,
        completed=counts.completed if counts else 0, failed=counts.failed if counts else 0,
        output_file_id=batch.output_file_id, error_file_id=batch.error_file_id, errors=errors,
        metadata=dict(batch.metadata or {}),
    )


def build_batch_api(settings: Settings) -> BatchApi:
    """The Batch API of the configured endpoint; the embedded model has none."""
    from author_tui.config import DEFAULT_REMOTE_MODEL
    from author_tui.llm import is_loopback

    if not settings.base_url:
        raise BatchUnsupported("the embedded model has no Batch API", LIVE_HINT)
    key = settings.api_key.get_secret_value() if settings.api_key else None
    if not key and not is_loopback(settings.base_url):
        raise no_key(settings.base_url)
    return BatchApi(settings.base_url, key, settings.model or DEFAULT_REMOTE_MODEL, settings.timeout)


def require_settled(info: BatchInfo) -> None:
    if not info.settled:
        raise ModelError(f"batch {info.id} is {info.status}, not finished yet",
                         hint=f"check again later: author-tui batch status {info.id}")

"""The OpenAI files and batches endpoints for the scripted server, with the faults a real Batch API shows.

Why: `--batch` and `author-tui batch ...` must be tested against the real `openai` client at the wire
(multipart upload, JSONL content, batch objects) without a network. Each JSONL line is answered by the
scripted server's own queue or responder, so a translating responder translates a batch just as it does a
live request. Status moves one step per retrieve, never by the wall clock: validating → in_progress →
completed (the lines are answered on the step into completed).

    with ScriptedServer(responder=answering(english="The English.")) as server:
        batches = ScriptedBatches(server, faults=BatchFaults(failing=lambda line: line % 5 == 0))
        ...  # point an openai client at server.url; batches.counted holds the tokens the server counted

Faults (per batch, taken from `faults` when the batch is created):
- `failing(line)`: that 0-based line gets a 500 error response (in the error file);
- `expire_from`: lines from this index on are not run; the batch ends "expired" and they are in the error
  file with code batch_expired, as OpenAI reports them;
- `fail_batch`: the batch fails validation (status "failed", `errors.data` holds the message);
- `cancel_after`: the batch is cancelled midway (from outside, e.g. the provider's dashboard) after that
  many lines; the lines not run are in no file at all.
A client's own cancel during validating runs nothing; during in_progress, the first half of the lines.
`supported=False` answers every files/batches path with 404 as llama.cpp and vLLM do.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from tests.support.scripted_server import ScriptedServer, _completion, _error, _usage

Answer = tuple[int, bytes, str]
STEPS = ("validating", "in_progress", "completed")


@dataclass(frozen=True)
class BatchFaults:
    failing: Callable[[int], bool] | None = None
    expire_from: int | None = None
    fail_batch: str | None = None
    cancel_after: int | None = None


@dataclass
class _Batch:
    id: str
    input_file_id: str
    endpoint: str
    metadata: dict[str, str]
    faults: BatchFaults
    status: str = "validating"
    created_at: int = 0
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)
    completed: int = 0
    failed: int = 0
    total: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # the create request's authorization

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "object": "batch", "endpoint": self.endpoint, "input_file_id": self.input_file_id,
            "completion_window": "24h", "status": self.status, "created_at": self.created_at,
            "output_file_id": self.output_file_id, "error_file_id": self.error_file_id,
            "errors": {"object": "list", "data": self.errors} if self.errors else None,
            "metadata": self.metadata,
            "request_counts": {"total": self.total, "completed": self.completed, "failed": self.failed},
        }


class ScriptedBatches:
    """Files and batches kept in memory; attach to a ScriptedServer (it routes /files and /batches here)."""

    def __init__(self, server: ScriptedServer, faults: BatchFaults | None = None, *, supported: bool = True) -> None:
        self.server = server
        self.faults = faults or BatchFaults()
        self.supported = supported
        self.files: dict[str, tuple[str, bytes]] = {}  # id -> (purpose, content)
        self.batches: dict[str, _Batch] = {}
        self.counted = {"prompt_tokens": 0, "completion_tokens": 0, "requests": 0}  # what the lines cost
        self.calls: list[tuple[str, str]] = []  # (method, path) of every files/batches request
        self.on_create: Callable[[], None] | None = None  # called before a create answers (to kill a client)
        self._lock = threading.Lock()
        self._ids = 0
        server.routes.append(self.route)

    # --- routing ---------------------------------------------------------------------------------------

    def route(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> Answer | None:
        parts = [p for p in urlparse(path).path.split("/") if p][1:]  # drop the "v1"
        if not parts or parts[0] not in ("files", "batches"):
            return None
        self.calls.append((method, urlparse(path).path))
        if not self.supported:
            return _json(404, {"detail": "Not Found"})
        if self.server.api_key is not None and headers.get("authorization") != f"Bearer {self.server.api_key}":
            return _json(401, _error("Incorrect API key provided", "invalid_api_key"))
        with self._lock:
            return self._dispatch(method, parts, body, headers)

    def _dispatch(self, method: str, parts: list[str], body: bytes, headers: dict[str, str]) -> Answer:
        match method, parts:
            case "POST", ["files"]:
                return self._upload(body, headers.get("content-type", ""))
            case "GET", ["files", file_id, "content"]:
                if file_id not in self.files:
                    return _json(404, _error(f"No such File object: {file_id}", None))
                return 200, self.files[file_id][1], "application/octet-stream"
            case "POST", ["batches"]:
                return self._create(json.loads(body or b"{}"), headers)
            case "GET", ["batches"]:
                listed = [b.as_json() for b in sorted(self.batches.values(), key=lambda b: b.id, reverse=True)]
                return _json(200, {"object": "list", "data": listed, "has_more": False})
            case "GET", ["batches", batch_id]:
                return self._known(batch_id, self._advance)
            case "POST", ["batches", batch_id, "cancel"]:
                return self._known(batch_id, self._cancel)
        return _json(404, _error("not found", None))

    # --- files -----------------------------------------------------------------------------------------

    def _upload(self, body: bytes, content_type: str) -> Answer:
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + body
        )
        fields: dict[str, tuple[str | None, bytes]] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            fields[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
        if "file" not in fields or fields.get("purpose", (None, b""))[1] != b"batch":
            return _json(400, _error("expected a file with purpose=batch", None))
        file_id = self._new_file("batch", fields["file"][1])
        return _json(200, self._file_json(file_id, fields["file"][0] or "upload.jsonl"))

    def _new_file(self, purpose: str, content: bytes) -> str:
        self._ids += 1
        file_id = f"file-{self._ids:04d}"
        self.files[file_id] = (purpose, content)
        return file_id

    def _file_json(self, file_id: str, name: str) -> dict[str, Any]:
        purpose, content = self.files[file_id]
        return {"id": file_id, "object": "file", "bytes": len(content), "created_at": 0, "filename": name,
                "purpose": purpose, "status": "processed"}

    # --- batches ---------------------------------------------------------------------------------------

    def _create(self, request: dict[str, Any], headers: dict[str, str]) -> Answer:
        input_id = request.get("input_file_id", "")
        if input_id not in self.files:
            return _json(400, _error(f"No such File object: {input_id}", None))
        if self.on_create is not None:
            self.on_create()
        self._ids += 1
        batch = _Batch(f"batch_{self._ids:04d}", input_id, request.get("endpoint", ""),
                       dict(request.get("metadata") or {}), self.faults, created_at=self._ids)
        batch.total = len(_lines(self.files[input_id][1]))
        batch.headers = {k: v for k, v in headers.items() if k == "authorization"}
        self.batches[batch.id] = batch
        return _json(200, batch.as_json())

    def _known(self, batch_id: str, then: Callable[[_Batch], None]) -> Answer:
        batch = self.batches.get(batch_id)
        if batch is None:
            return _json(404, _error(f"No such Batch object: {batch_id}", None))
        then(batch)
        return _json(200, batch.as_json())

    def _advance(self, batch: _Batch) -> None:
        """One step per retrieve: validating → in_progress → completed (or failed / expired / cancelled)."""
        if batch.status == "validating":
            if batch.faults.fail_batch:
                batch.status = "failed"
                batch.errors = [{"code": "invalid_request", "message": batch.faults.fail_batch, "line": None}]
            else:
                batch.status = "in_progress"
        elif batch.status == "in_progress":
            lines = _lines(self.files[batch.input_file_id][1])
            faults = batch.faults
            if faults.cancel_after is not None:
                self._run(batch, lines[: faults.cancel_after], expired=[])
                batch.status = "cancelled"
            elif faults.expire_from is not None:
                self._run(batch, lines[: faults.expire_from], expired=lines[faults.expire_from :])
                batch.status = "expired"
            else:
                self._run(batch, lines, expired=[])
                batch.status = "completed"
        elif batch.status == "cancelling":
            batch.status = "cancelled"

    def _cancel(self, batch: _Batch) -> None:
        if batch.status == "in_progress":
            lines = _lines(self.files[batch.input_file_id][1])
            self._run(batch, lines[: len(lines) // 2], expired=[])
        if batch.status in ("validating", "in_progress"):
            batch.status = "cancelling"

    def _run(self, batch: _Batch, lines: list[dict[str, Any]], expired: list[dict[str, Any]]) -> None:
        """Answer `lines` through the scripted server; write the output and error files."""
        out: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for index, line in enumerate(lines):
            answer = self._answer(batch, index, line)
            (out if answer["response"]["status_code"] == 200 else errors).append(answer)
        for line in expired:
            errors.append({"id": f"batch_req_{line['custom_id']}", "custom_id": line["custom_id"], "response": None,
                           "error": {"code": "batch_expired", "message": "This request could not be executed "
                                     "before the completion window expired."}})
        batch.completed, batch.failed = len(out), len(errors)
        if out:
            batch.output_file_id = self._new_file("batch_output", _jsonl(out))
        if errors:
            batch.error_file_id = self._new_file("batch_output", _jsonl(errors))

    def _answer(self, batch: _Batch, index: int, line: dict[str, Any]) -> dict[str, Any]:
        body = dict(line.get("body") or {})
        request_id = f"req_{line.get('custom_id')}"
        failing = batch.faults.failing
        if line.get("url") != "/v1/chat/completions":
            status, payload = 400, _error(f"unsupported url {line.get('url')}", None)
        elif failing is not None and failing(index):
            status, payload = 500, _error("scripted line failure", "server_error")
        else:
            reply = self.server._choose(body, batch.headers)  # a line runs with its batch's credentials
            if reply.status != 200:
                status, payload = reply.status, _error(reply.error, reply.error_code)
            else:
                status, payload = 200, _completion(body, reply)
                usage = _usage(body, reply)
                self.counted["prompt_tokens"] += usage["prompt_tokens"]
                self.counted["completion_tokens"] += usage["completion_tokens"]
                self.counted["requests"] += 1
        return {"id": f"batch_req_{line.get('custom_id')}", "custom_id": line.get("custom_id"), "error": None,
                "response": {"status_code": status, "request_id": request_id, "body": payload}}

    def complete_all(self) -> None:
        """Move every batch forward until it settles (a test that does not care about the steps)."""
        with self._lock:
            for batch in self.batches.values():
                while batch.status in ("validating", "in_progress", "cancelling"):
                    self._advance(batch)


def _lines(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode("utf-8").splitlines() if line.strip()]


def _jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode()


def _json(status: int, payload: dict[str, Any]) -> Answer:
    return status, json.dumps(payload, ensure_ascii=False).encode(), "application/json"

"""An OpenAI-compatible chat server of our own on 127.0.0.1, scripted by tests and benchmarks.

Why: the real `openai` client must be exercised at the wire (SSE streams, status codes, headers, broken
connections) without a network or a model. Replies are queued (`enqueue`) or computed by a `responder`;
each can be delayed, streamed slowly, or a fault: 429 with Retry-After, 500, a body that is not JSON, a
stream (or plain reply) cut midway, any status; `json_schema` can be refused with 500, as llama.cpp
0.3.36 does. It counts requests and connections and keeps every body; `answering`: scripted_answers.

    with ScriptedServer(responder=answering(note="짧은 노트군요.")) as server:  # server.url: 127.0.0.1:PORT/v1
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


@dataclass
class ScriptedReply:
    """One scripted answer. `status` != 200 sends `error` as an OpenAI-style error body."""

    content: str = ""
    status: int = 200
    error: str = ""
    error_code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    raw_body: str | None = None  # sent as-is (e.g. malformed JSON), streamed or not
    latency: float = 0.0  # seconds before the first byte
    chunk_delay: float = 0.0  # seconds between streamed chunks
    cut_after: int | None = None  # stream: drop the connection after this many content chunks; plain: halfway
    prompt_tokens: int | None = None  # None: estimated from the request
    completion_tokens: int | None = None
    cached_tokens: int = 0

    @classmethod
    def rate_limited(cls, retry_after: float = 1.0) -> ScriptedReply:
        return cls(
            status=429,
            error="Rate limit reached",
            error_code="rate_limit_exceeded",
            headers={"Retry-After": f"{retry_after:g}"},
        )

    @classmethod
    def server_error(cls, message: str = "internal error") -> ScriptedReply:
        return cls(status=500, error=message)

    @classmethod
    def malformed(cls) -> ScriptedReply:
        return cls(raw_body='{"id": "x", "choices": [{"message": {"content": "unterminated')

    @classmethod
    def slow(cls, seconds: float, content: str = "") -> ScriptedReply:
        return cls(content=content, latency=seconds)

    @classmethod
    def cut(cls, content: str, after: int = 2) -> ScriptedReply:
        return cls(content=content, cut_after=after)

    @classmethod
    def failure(cls, status: int, message: str, code: str | None = None) -> ScriptedReply:
        return cls(status=status, error=message, error_code=code)


Responder = Callable[[dict[str, Any]], "ScriptedReply | str"]
# An extra endpoint (tests/support/scripted_batches.py adds /files and /batches): (method, path, raw body,
# lower-cased headers) -> (status, body, content type), or None when the path is not its own.
Route = Callable[[str, str, bytes, dict[str, str]], "tuple[int, bytes, str] | None"]


class ScriptedServer:
    """A ThreadingHTTPServer answering POST /v1/chat/completions and GET /v1/models."""

    def __init__(
        self,
        replies: Iterable[ScriptedReply | str] = (),
        *,
        responder: Responder | None = None,
        reject_json_schema: bool = False,
        latency: float = 0.0,
        chunk_size: int = 8,
        api_key: str | None = None,
        models: Iterable[str] | None = None,
    ) -> None:
        self.queue: deque[ScriptedReply | str] = deque(replies)
        self.responder = responder
        self.reject_json_schema = reject_json_schema
        self.latency = latency  # added to every reply's own latency
        self.chunk_size = chunk_size
        self.api_key = api_key
        self.models = set(models) if models is not None else None
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.total = 0
        self.connections = 0  # TCP connections accepted: a client that reuses its connections opens few
        self.routes: list[Route] = []
        self._lock = threading.Lock()
        self._httpd = _QuietServer((HOST, 0), _handler_for(self))
        self._httpd.daemon_threads = True  # a reply sleeping past the client's timeout must not block stop()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._httpd.server_address[1]}/v1"

    def enqueue(self, *replies: ScriptedReply | str) -> None:
        with self._lock:
            self.queue.extend(replies)

    def start(self) -> ScriptedServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, name="scripted-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- called by the handler threads ------------------------------------------------------------------

    def _enter(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            self.total += 1
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _connected(self) -> None:
        with self._lock:
            self.connections += 1

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _choose(self, body: dict[str, Any], headers: dict[str, str]) -> ScriptedReply:
        refusal = self._refusal(body, headers)
        if refusal is not None:
            return refusal
        with self._lock:
            queued = self.queue.popleft() if self.queue else None
        if queued is None and self.responder is not None:
            queued = self.responder(body)
        if queued is None:
            return ScriptedReply.server_error("scripted server: no reply queued for this request")
        return ScriptedReply(content=queued) if isinstance(queued, str) else queued

    def _refusal(self, body: dict[str, Any], headers: dict[str, str]) -> ScriptedReply | None:
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            return ScriptedReply.failure(401, "Incorrect API key provided", "invalid_api_key")
        if self.models is not None and body.get("model") not in self.models:
            return ScriptedReply.failure(404, f"The model `{body.get('model')}` does not exist", "model_not_found")
        fmt = body.get("response_format") or {}
        if self.reject_json_schema and fmt.get("type") == "json_schema":
            # What llama-cpp-python 0.3.36's server does with a json_schema response_format.
            return ScriptedReply.server_error("Internal Server Error")
        return None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that time out or cancel reset their connections; that is the point of the tests


def _handler_for(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        scripted = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    scripted: ScriptedServer
    protocol_version = "HTTP/1.1"  # keep-alive: a client reuses its connections, as with a real endpoint
    # A reply is written as headers then body in separate sends; with Nagle's algorithm the body waits for
    # the client's delayed ACK of the headers (~40 ms on Linux), which would swamp a scripted latency.
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.scripted._connected()

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read the counters instead
        pass

    def _routed(self, method: str, raw: bytes) -> bool:
        """Hand the request to an extra endpoint that claims its path (see Route)."""
        headers = {k.lower(): v for k, v in self.headers.items()}
        for route in self.scripted.routes:
            answer = route(method, self.path, raw, headers)
            if answer is not None:
                self._send(answer[0], answer[1], answer[2], {})
                return True
        return False

    def do_GET(self) -> None:
        if self._routed("GET", b""):
            return
        if self.path.rstrip("/").endswith("/models"):
            names = sorted(self.scripted.models or {"scripted"})
            self._json(200, {"object": "list", "data": [{"id": n, "object": "model"} for n in names]})
        else:
            self._json(404, _error("not found", None))

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self._routed("POST", raw):
            return
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._json(400, _error("request body is not JSON", None))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.scripted._enter(body, headers)
        try:
            self._answer(body, headers)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout, cancel): nothing to answer
        finally:
            self.scripted._leave()

    def _answer(self, body: dict[str, Any], headers: dict[str, str]) -> None:
        reply = self.scripted._choose(body, headers)
        time.sleep(self.scripted.latency + reply.latency)
        if reply.status != 200:
            self._json(reply.status, _error(reply.error, reply.error_code), reply.headers)
        elif body.get("stream"):
            self._stream(body, reply)
        elif reply.cut_after is not None:
            self._cut(json.dumps(_completion(body, reply), ensure_ascii=False).encode())
        elif reply.raw_body is not None:
            self._send(200, reply.raw_body.encode(), "application/json", reply.headers)
        else:
            self._json(200, _completion(body, reply), reply.headers)

    def _cut(self, data: bytes) -> None:
        """A plain reply whose connection drops halfway through the promised body."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode(), "application/json", headers or {})

    def _send(self, status: int, data: bytes, kind: str, headers: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, body: dict[str, Any], reply: ScriptedReply) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        for index, event in enumerate(_events(body, reply, self.scripted.chunk_size)):
            if reply.cut_after is not None and index > reply.cut_after:
                # Half a chunk, then the connection drops: the client sees an incomplete body.
                self.wfile.write(b'40\r\ndata: {"trunc')
                self.wfile.flush()
                self.close_connection = True
                return
            self._chunk(event.encode())
            time.sleep(reply.chunk_delay)
        self._chunk(b"")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _events(body: dict[str, Any], reply: ScriptedReply, size: int) -> Iterable[str]:
    """The SSE events of a streamed completion: role, content pieces, finish, usage, [DONE]."""
    if reply.raw_body is not None:
        yield f"data: {reply.raw_body}\n\n"
        return
    base = {"id": "chatcmpl-scripted", "object": "chat.completion.chunk", "created": 0, "model": body.get("model")}

    def event(delta: dict[str, Any], finish: str | None = None) -> str:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        return "data: " + json.dumps({**base, "choices": [choice]}, ensure_ascii=False) + "\n\n"

    yield event({"role": "assistant", "content": ""})
    for start in range(0, len(reply.content), max(1, size)):
        yield event({"content": reply.content[start : start + size]})
    yield event({}, "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        usage: dict[str, Any] = {**base, "choices": [], "usage": _usage(body, reply)}
        yield "data: " + json.dumps(usage) + "\n\n"
    yield "data: [DONE]\n\n"


def _completion(body: dict[str, Any], reply: ScriptedReply) -> dict[str, Any]:
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model"),
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": reply.content}}],
        "usage": _usage(body, reply),
    }


def _usage(body: dict[str, Any], reply: ScriptedReply) -> dict[str, Any]:
    prompt = reply.prompt_tokens
    if prompt is None:
        prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4 + 1
    completion = reply.completion_tokens if reply.completion_tokens is not None else len(reply.content) // 4 + 1
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": reply.cached_tokens},
    }


def _error(message: str, code: str | None) -> dict[str, Any]:
    return {"error": {"message": message, "type": "invalid_request_error", "code": code, "param": None}}

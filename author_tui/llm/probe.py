"""Probe an endpoint the way `author-tui doctor` reports it: does it answer, is it OpenAI-compatible, does
the model complete one token and how fast, which structured-output rung does it take.

Why apart from the client: the client hides all of this behind retries and the ladder, which is right
for drafting and wrong for diagnosis. Here every probe is one request, no retry, and the answer names
what kind of server is on the other end (an HTML page or a 501 is not "retry later").
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx2

from author_tui.core.outputs import TagPick
from author_tui.core.port import ModelRequest
from author_tui.core.prompting import Message
from author_tui.errors import AuthorTuiError


@dataclass(frozen=True)
class Finding:
    ok: bool
    detail: str
    fix: str = ""


def _client(key: str | None, timeout: float) -> httpx2.Client:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx2.Client(timeout=timeout, headers=headers, trust_env=False)


def models(base_url: str, key: str | None, timeout: float = 10.0) -> Finding:
    """GET /models: reachable, and answering in OpenAI's shape."""
    try:
        with _client(key, timeout) as http:
            response = http.get(f"{base_url.rstrip('/')}/models")
    except httpx2.TransportError as error:
        return Finding(False, f"cannot reach {base_url} ({type(error).__name__}: {error})",
                       "check base_url / AUTHOR_TUI_BASE_URL and that the server is running")
    if response.status_code in (401, 403):
        return Finding(False, f"{base_url} refused the API key (HTTP {response.status_code})",
                       "check AUTHOR_TUI_API_KEY / OPENAI_API_KEY")
    if response.status_code == 404:
        return Finding(True, f"{base_url} answers (it lists no models: GET /models is 404)")
    shape = _json(response)
    if response.status_code != 200 or not isinstance(shape, dict) or "data" not in shape:
        return Finding(False, f"{base_url} is not an OpenAI-compatible endpoint: GET /models answered "
                       f"HTTP {response.status_code} {_kind(response)}", _compatible_fix(base_url))
    names = [str(m.get("id")) for m in shape["data"] if isinstance(m, dict)][:5]
    return Finding(True, f"{base_url} answers ({len(shape['data'])} models: {', '.join(names) or 'none listed'})")


def completion(base_url: str, key: str | None, model: str, timeout: float = 120.0) -> Finding:
    """POST /chat/completions for one token, timed."""
    body = {"model": model, "messages": [{"role": "user", "content": "Say OK."}], "max_tokens": 1}
    started = time.monotonic()
    try:
        with _client(key, timeout) as http:
            response = http.post(f"{base_url.rstrip('/')}/chat/completions", json=body)
    except httpx2.TimeoutException:
        return Finding(False, f"{model} gave no token within {timeout:g} s",
                       "the machine may be busy; raise timeout, or use a smaller model")
    except httpx2.TransportError as error:
        return Finding(False, f"the connection broke during a one-token completion ({error})",
                       "the server may have crashed: see its log, or run doctor again")
    seconds = time.monotonic() - started
    data = _json(response)
    if response.status_code in (404, 405, 501) or (response.status_code == 200 and not isinstance(data, dict)):
        return Finding(False, f"{base_url} is not an OpenAI-compatible endpoint: POST /chat/completions "
                       f"answered HTTP {response.status_code} {_kind(response)}", _compatible_fix(base_url))
    if response.status_code != 200:
        message = (data.get("error") or {}).get("message") if isinstance(data, dict) else None
        return Finding(False, f"{model} refused a one-token completion: HTTP {response.status_code} "
                       f"{message or _kind(response)}", "check the model name (--model / AUTHOR_TUI_MODEL)")
    if not isinstance(data.get("choices"), list) or not data["choices"]:
        return Finding(False, f"{base_url} answered a completion without choices: not OpenAI-compatible",
                       _compatible_fix(base_url))
    return Finding(True, f"{model} completes one token in {seconds:.2f} s")


def structured_rung(client: Any, remembered: Any) -> Finding:
    """Which rung of the structured-output ladder the endpoint takes (one small tags request).

    `client` is an OpenAIModelClient; `remembered(endpoint, model)` reads the rung it settled on."""
    request = ModelRequest(
        "tags",
        (Message("system", "You choose hashtags for a paper."),
         Message("user", "Paper: Attention is all you need. Choose one or two tags.")),
        "doctor-probe",
        max_tokens=60,
        fresh=True,
    )
    started = time.monotonic()
    try:
        reply = client.generate(request, TagPick)
    except AuthorTuiError as error:
        return Finding(False, f"no structured-output rung worked: {error.message}", error.hint)
    rung = remembered(client.options.endpoint_id, client.options.model) or "unknown"
    return Finding(True, f"structured output via '{rung}' ({time.monotonic() - started:.1f} s; "
                   f"answered tags {reply.value.tags})")


def _json(response: httpx2.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _kind(response: httpx2.Response) -> str:
    kind = response.headers.get("content-type", "no content type").split(";")[0]
    return f"({kind})"


def _compatible_fix(base_url: str) -> str:
    return (f"base_url must be an OpenAI-compatible API root (it usually ends in /v1), not {base_url}'s web page "
            "or another API")

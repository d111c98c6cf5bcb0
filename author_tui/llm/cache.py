"""The reply cache and the endpoint memory, both on disk (diskcache) in the cache dir.

Why cache: the author reopens the same paper, re-runs batch translation after fixing one entry, and
benchmarks re-run whole archives; a model call is seconds, a cache hit is a millisecond. Why the key holds
so much: a cached reply may only be served for exactly the same question. The key is a SHA-256 of the
endpoint, model, rendered messages, sampling parameters, output schema and the prompt file's content hash,
so editing a prompt or switching models never serves a stale answer. The API key is never part of it and
never stored: the cache holds only replies.

The endpoint memory records which structured-output rung an endpoint+model supports, for a week, so a
llama.cpp server is not asked for json_schema (and answered with HTTP 500) on every call.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import diskcache

from author_tui.core.port import ModelRequest

RUNG_TTL = 7 * 24 * 3600  # re-probe an endpoint weekly: servers get upgraded


def cache_key(endpoint: str, model: str, request: ModelRequest, temperature: float, schema: dict[str, Any]) -> str:
    """A stable SHA-256 over everything that determines the answer (and nothing secret)."""
    material = {
        "endpoint": endpoint.rstrip("/"),
        "model": model,
        "messages": [m.as_dict() for m in request.messages],
        "shots": [[shot.user, shot.answer] for shot in request.shots],
        "temperature": temperature,
        "max_tokens": request.max_tokens,
        "schema": schema,
        "prompt": request.prompt_hash,
    }
    # Only when used, so the keys of structured requests stay what they were.
    if request.plain_text:
        material["text"] = request.preview_field
    if request.followup:
        material["followup"] = [m.as_dict() for m in request.followup]
    if request.sample:
        material["sample"] = request.sample
    blob = json.dumps(material, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(blob).hexdigest()


class ReplyCache:
    """Validated replies by cache key, bounded in size (least recently used evicted first)."""

    def __init__(self, folder: Path, size_mb: int = 256) -> None:
        self._cache = diskcache.Cache(
            str(folder / "replies"), size_limit=size_mb * 1024 * 1024, eviction_policy="least-recently-used"
        )

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._cache.get(key)
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        self._cache.set(key, value)

    def __len__(self) -> int:
        return len(self._cache)

    def close(self) -> None:
        self._cache.close()


class EndpointMemory:
    """Which ladder rung worked last for an endpoint + model."""

    def __init__(self, folder: Path) -> None:
        self._cache = diskcache.Cache(str(folder / "endpoints"), size_limit=16 * 1024 * 1024)

    @staticmethod
    def _key(endpoint: str, model: str) -> str:
        return f"rung|{endpoint.rstrip('/')}|{model}"

    def rung(self, endpoint: str, model: str) -> str | None:
        value = self._cache.get(self._key(endpoint, model))
        return value if isinstance(value, str) else None

    def remember(self, endpoint: str, model: str, rung: str) -> None:
        if self.rung(endpoint, model) != rung:
            self._cache.set(self._key(endpoint, model), rung, expire=RUNG_TTL)

    def close(self) -> None:
        self._cache.close()

"""Fixtures for the model layer: a scripted OpenAI-compatible server on 127.0.0.1 and clients pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from author_tui.llm.cache import EndpointMemory, ReplyCache
from author_tui.llm.client import ClientOptions, OpenAIModelClient
from author_tui.llm.failures import Backoff
from tests.support.scripted_server import ScriptedServer


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer() as scripted:
        yield scripted


class Sleeps(list[float]):
    """Records the delays the client asked for instead of sleeping (tests stay fast and deterministic)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


MakeClient = Callable[..., OpenAIModelClient]


@pytest.fixture
def make_client(server: ScriptedServer, tmp_path: Path, sleeps: Sleeps) -> Iterator[MakeClient]:
    """A client for the scripted server; options override ClientOptions; `rung` pre-seeds the ladder."""
    made: list[OpenAIModelClient] = []

    def make(
        rung: str | None = "json_object", cache: bool = False, url: str | None = None, **options: Any
    ) -> OpenAIModelClient:
        settings = {
            "base_url": url or server.url,
            "model": "scripted",
            "api_key": None,
            "timeout": 5.0,
            "max_retries": 2,
            "key_required": False,
            **options,
        }
        memory = EndpointMemory(tmp_path / "cache")
        if rung:
            memory.remember(settings["base_url"], settings["model"], rung)
        replies = ReplyCache(tmp_path / "cache") if cache else None
        client = OpenAIModelClient(
            ClientOptions(**settings), replies, memory, backoff=Backoff(base=0.5, rand=lambda: 1.0), sleep=sleeps
        )
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()

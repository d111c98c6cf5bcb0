"""Fixtures for the Batch API path: a translating scripted server with files and batches, and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from author_tui.cli import main
from tests.batch.fakes import translating
from tests.support.scripted_batches import ScriptedBatches
from tests.support.scripted_server import ScriptedServer


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer(responder=translating()) as scripted:
        yield scripted


@pytest.fixture
def batches(server: ScriptedServer) -> ScriptedBatches:
    return ScriptedBatches(server)


@dataclass
class Ran:
    code: int
    out: str
    err: str


Cli = Callable[..., Ran]


@pytest.fixture
def cli(server: ScriptedServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`cli("translate", path, "--batch")` runs author-tui in-process against the scripted server."""
    monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
    monkeypatch.setenv("AUTHOR_TUI_MODEL", "gpt-4o-mini")

    def run(*args: object) -> Ran:
        code = main([*map(str, args)])
        captured = capsys.readouterr()
        return Ran(code, captured.out, captured.err)

    return run

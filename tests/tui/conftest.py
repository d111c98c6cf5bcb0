"""Fixtures for the TUI: a scripted model server on 127.0.0.1, settings pointing at it, a fixed clock,
and an app factory with every directory inside the test's own tmp folder."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widgets import TextArea

from author_tui.arxiv import ArxivClient
from author_tui.config import Settings, load_settings
from author_tui.store.autosave import Autosave
from author_tui.tui.app import AuthorApp, connect_model
from author_tui.tui.entry_screen import EntryScreen
from tests.support.scripted_answers import structured_content
from tests.support.scripted_server import ScriptedReply, ScriptedServer

TODAY = dt.date(2025, 6, 18)
NOW = dt.datetime(2025, 6, 18, 9, 30, 0)
NOTE = "긴 문맥에서 RoPE 스케일링을 비교한 논문이군요."
ENGLISH = "A paper comparing RoPE scaling in long contexts."
TAGS = ["long-context", "rope"]
NEW_TAGS = ["rope"]

PASTE = """\
Computer Science > Computation and Language
[Submitted on 16 Jun 2025]
Title:Scaling Rotary Embeddings for Long Context
Authors:Ada Park, Min Lee
Abstract:We compare ways to scale rotary position embeddings
when the context grows far past the training length.
Subjects:\tComputation and Language (cs.CL)
"""

# A small digest of our own (never corpus text): one day, three entries.
DIGEST = (
    "2025년 6월 18일\n"
    "First Paper\n(A. Author)\nAbstract one.\n첫 번째 노트군요.\nThe first note.\n#llm\n"
    "Second Paper\n(B. Author)\nAbstract two.\n두 번째 노트입니다.\nThe second note.\n#rl #reasoning\n"
    "Third Paper\n(C. Author)\nAbstract three.\n세 번째 노트.\nThe third note.\n#vision"
)


class Answers:
    """The scripted server's responder: every request answered in the shape it asks for, with the current
    values, each streamed with `chunk_delay`; `faults` are served first (one per request)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {"note": NOTE, "english": ENGLISH, "tags": TAGS, "new_tags": NEW_TAGS}
        self.chunk_delay = 0.0
        self.latency = 0.0  # before the first byte of each reply
        self.faults: list[ScriptedReply] = []

    def __call__(self, body: dict[str, Any]) -> ScriptedReply:
        if self.faults:
            return self.faults.pop(0)
        return ScriptedReply(content=structured_content(body, self.values), chunk_delay=self.chunk_delay,
                     latency=self.latency)


@pytest.fixture
def answers() -> Answers:
    return Answers()


@pytest.fixture
def server(answers: Answers) -> Iterator[ScriptedServer]:
    with ScriptedServer(responder=answers, chunk_size=6) as scripted:
        yield scripted


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test runs in its own folder, so paths shown on screen are short and the same every run."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def settings(workdir: Path, server: ScriptedServer) -> Settings:
    return load_settings(
        base_url=server.url,
        model="scripted",
        drafts_dir=workdir / "drafts",
        cache_dir=workdir / "cache",
        no_cache=True,
        max_retries=0,
        timeout=10.0,
    )


MakeApp = Callable[..., AuthorApp]
FAKE_ENDPOINT = ("http://127.0.0.1:8080/v1", "scripted")


def no_model(settings: Any, progress: Any = None) -> tuple[Any, str, str]:
    """For tests that never call the model: the status bar shows a fixed endpoint, drafting is off."""
    return None, *FAKE_ENDPOINT


@pytest.fixture
def make_app(settings: Settings, workdir: Path) -> MakeApp:
    """An AuthorApp on drafts/2025-06-18.txt (relative to the test's folder) with a fixed clock."""

    def make(path: Path | None = None, *, owner: str = "1", dead: Callable[[str], bool] | None = None,
             model: bool = False, **options: Any) -> AuthorApp:
        """`model=True` connects to the scripted server; otherwise no model is built (faster, no threads)."""
        path = path or Path("drafts") / "2025-06-18.txt"
        autosave = Autosave(settings.drafts_dir, path, owner=owner, now=lambda: NOW,
                            is_alive=(lambda o: not dead(o)) if dead else (lambda o: o == owner))
        options.setdefault("model_factory", connect_model if model else no_model)
        options.setdefault("arxiv", ArxivClient(settings.arxiv_api_url, sleep=lambda s: None))
        return AuthorApp(settings, path, today=TODAY, now=lambda: NOW, autosave=autosave, autosave_delay=0.05,
                         **options)

    return make


async def until(pilot: Pilot[Any], condition: Callable[[], Any], timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds (the workers are real threads talking to real sockets)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        await pilot.pause(0.02)
    await pilot.pause()


async def ready(pilot: Pilot[Any]) -> None:
    """Wait until the model is connected (or known to be unavailable)."""
    app = pilot.app
    await until(pilot, lambda: app.status.state != "starting")  # type: ignore[attr-defined]


class Recorder(list[Message]):
    """A message_hook that keeps every message; `of(kind)` filters them."""

    def __call__(self, message: Message) -> None:
        if not any(m is message for m in self):  # a bubbling message arrives at each node on its way
            self.append(message)

    def of(self, kind: type[Any]) -> list[Any]:
        return [m for m in self if isinstance(m, kind)]

    def of_name(self, name: str) -> list[Any]:
        return [m for m in self if type(m).__name__ == name]

    def notes(self) -> list[str]:
        return [f"{m.notification.title}: {m.notification.message}" for m in self.of(Notify)]


def editor(app: Any) -> EntryScreen:
    assert isinstance(app.screen, EntryScreen), app.screen
    return app.screen


async def paste_paper(pilot: Any, text: str = PASTE) -> None:
    await pilot.press("p")
    await pilot.pause()
    pilot.app.screen.query_one("#paste-area", TextArea).insert(text)  # what a bracketed paste does
    await pilot.pause()
    await pilot.press("ctrl+s")
    await pilot.pause()



@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # Textual runs on asyncio; anyio's pytest plugin (an openai dependency) runs the tests


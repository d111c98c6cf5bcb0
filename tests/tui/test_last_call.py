"""The TUI side of the call log and the price table: the status bar shows the session's cost beside its
tokens, and ctrl+l on a field shows the logged call that last filled it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import TextArea

from author_tui.config import Settings, load_settings
from author_tui.core.pricing import ModelPrice
from author_tui.tui.call_view import LastCallScreen
from author_tui.tui.messages import GenerationFinished
from tests.support.scripted_server import ScriptedServer
from tests.tui.conftest import ENGLISH, NOTE, MakeApp, Recorder, editor, paste_paper, ready, until

pytestmark = pytest.mark.anyio
SIZE = (140, 45)


@pytest.fixture
def settings(workdir: Path, server: ScriptedServer) -> Settings:
    """The TUI tests' settings, with a price for the scripted model (per million tokens)."""
    return load_settings(base_url=server.url, model="scripted", drafts_dir=workdir / "drafts",
                         cache_dir=workdir / "cache", no_cache=True, max_retries=0, timeout=10.0,
                         prices={"scripted": ModelPrice(input=1000.0, output=2000.0)})


async def test_the_status_bar_shows_the_sessions_cost_and_ctrl_l_the_call_behind_a_field(make_app: MakeApp) -> None:
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        assert app.status.cost == ""  # nothing spent yet
        await paste_paper(pilot)
        screen = editor(app)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: seen.of(GenerationFinished))
        totals = app.authoring.totals
        expected = (totals.prompt_tokens * 1000 + totals.completion_tokens * 2000) / 1_000_000
        assert app.status.cost == f"${expected:.2f}" and f"· ${expected:.2f} ·" in app.status.render()

        screen.boxes["english"].area.focus()
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, LastCallScreen))
        shown: Any = app.screen
        text = shown.query_one("#call-text", TextArea).text
        assert "translate" in text and ENGLISH in text and NOTE in text and "Scaling Rotary Embeddings" in text
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen)

        screen.boxes["note"].area.focus()
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, LastCallScreen))
        assert "draft" in app.screen.query_one("#call-text", TextArea).text


async def test_a_field_no_call_filled_says_so(make_app: MakeApp) -> None:
    app = make_app(model=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        editor(app).boxes["english"].area.focus()
        await pilot.press("ctrl+l")
        await until(pilot, lambda: isinstance(app.screen, LastCallScreen))
        shown: Any = app.screen
        assert shown.call is None and not shown.query("#call-text")

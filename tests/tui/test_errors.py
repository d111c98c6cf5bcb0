"""Every failure the author can meet is shown (a notification naming what failed and how to fix it), and
nothing is written or lost because of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from author_tui.errors import ModelError
from author_tui.store.locks import file_lock
from author_tui.tui.messages import DraftFailed, GenerationFinished, ModelUnavailable, SaveFailed
from tests.support.scripted_server import ScriptedReply
from tests.tui.conftest import DIGEST, MakeApp, Recorder, editor, paste_paper, ready, until

pytestmark = pytest.mark.anyio
SIZE = (140, 45)


async def open_first_entry(pilot: Any) -> None:
    await pilot.press("enter")
    await pilot.pause()


def write_digest(workdir: Path) -> Path:
    path = workdir / "drafts" / "2025-06-18.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(DIGEST.encode())
    return path


async def test_translation_failure_is_shown_and_the_english_is_kept(make_app: MakeApp, answers: Any,
                                                                    workdir: Path) -> None:
    write_digest(workdir)
    answers.faults = [ScriptedReply.failure(401, "Incorrect API key provided", "invalid_api_key")] * 3
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await open_first_entry(pilot)
        await pilot.press("ctrl+t")
        await until(pilot, lambda: seen.of(GenerationFinished))
        assert [m.field for m in seen.of(DraftFailed)] == ["english"]
        assert any("The translation could not be generated" in n for n in seen.notes())
        assert editor(app).boxes["english"].text == "The first note."


async def test_rate_limit_is_shown(make_app: MakeApp, answers: Any) -> None:
    answers.faults = [ScriptedReply.rate_limited(retry_after=0)] * 3
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: seen.of(GenerationFinished))
        assert "Korean note could not be generated" in seen.notes()[-1]
        assert editor(app).boxes["note"].text == ""


async def test_no_model_is_shown_in_the_status_bar_and_on_draft(make_app: MakeApp) -> None:
    def broken(settings: Any, progress: Any) -> Any:
        raise ModelError("the embedded model is not installed", "pip install 'author-tui[local]'")

    app, seen = make_app(model_factory=broken), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await until(pilot, lambda: seen.of(ModelUnavailable))
        assert app.status.state == "unavailable"
        await paste_paper(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "No model: the embedded model is not installed\n  hint: pip install" in seen.notes()[-1]


async def test_an_unexpected_failure_to_connect_is_shown_not_left_starting(make_app: MakeApp) -> None:
    def crashing(settings: Any, progress: Any) -> Any:
        raise RuntimeError("llama.cpp exited with status 139")

    app, seen = make_app(model_factory=crashing), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await until(pilot, lambda: seen.of(ModelUnavailable), timeout=5)
        assert app.status.state == "unavailable"
        assert "llama.cpp exited with status 139" in seen.notes()[-1]


async def test_arxiv_offline_is_explained(make_app: MakeApp) -> None:
    from author_tui.arxiv import ArxivClient

    app, seen = make_app(arxiv=ArxivClient("http://127.0.0.1:9/api/query", timeout=2)), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await pilot.press("x", *"2506.01234", "enter")
        await until(pilot, lambda: any(n.startswith("arXiv:") for n in seen.notes()))
        note = next(n for n in seen.notes() if n.startswith("arXiv:"))
        assert "cannot reach arXiv at http://127.0.0.1:9/api/query" in note and "offline" in note


async def test_a_paste_without_a_title_is_refused(make_app: MakeApp) -> None:
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await paste_paper(pilot, "Abstract: only an abstract here, no title line")
        assert "Could not read the paste: the pasted block has no title" in seen.notes()[-1]
        assert app.screen.__class__.__name__ == "DayScreen"


async def test_an_entry_that_cannot_be_written_is_not_saved(make_app: MakeApp, workdir: Path) -> None:
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await paste_paper(pilot)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "Cannot be written yet: an entry needs at least one tag" in seen.notes()[-1]
        assert "cannot be written" in str(editor(app).query_one("#problems").render())
    assert not (workdir / "drafts" / "2025-06-18.txt").exists()


async def test_a_held_lock_is_reported_and_nothing_written(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        app.document.lock_timeout = 0.2
        await open_first_entry(pilot)
        editor(app).boxes["english"].area.load_text("Changed while another process writes.")
        with file_lock(path):  # another author-tui is in the middle of writing this digest
            await pilot.press("ctrl+s")
            await until(pilot, lambda: seen.of(SaveFailed))
        assert "another author-tui process is writing this file" in seen.notes()[-1]
    assert path.read_bytes() == DIGEST.encode()

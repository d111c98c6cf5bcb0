"""The editor and the model's states: regenerate asks for a new sample, drafting on paste (opt-in), a
crashed embedded model named in the status bar while editing and saving go on, and Esc never stuck."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.command import CommandPalette

from author_tui.config import Settings
from author_tui.errors import EmbeddedModelCrashed, ModelError
from author_tui.tui.app import connect_model
from author_tui.tui.entry_generation import GeneratingScreen
from author_tui.tui.messages import (
    DigestSaved,
    DraftFailed,
    GenerationFinished,
    ModelUnavailable,
    StepStarted,
    TagsSuggested,
)
from author_tui.tui.modals import ConfirmScreen
from author_tui.tui.widgets import StatusBar
from tests.tui.conftest import FAKE_ENDPOINT, NOTE, MakeApp, Recorder, editor, paste_paper, ready, until

pytestmark = pytest.mark.anyio
SIZE = (140, 45)
CRASH = EmbeddedModelCrashed("embedded model crashed (signal 11) on its first request",
                             "this llama.cpp build does not run on this CPU: rebuild it", signal=11)


async def test_regenerate_asks_the_model_again_instead_of_the_cache(make_app: MakeApp, settings: Settings,
                                                                    server: Any, answers: Any) -> None:
    settings.no_cache = False  # the reply cache is on, as for the author
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: len(seen.of(GenerationFinished)) == 1)
        asked = server.total
        answers.values["note"] = "두 번째 샘플이군요."
        await pilot.press("ctrl+n")
        await until(pilot, lambda: len(seen.of(GenerationFinished)) == 2)
        assert server.total == asked + 1  # a new request, not the cached note
        assert editor(app).boxes["note"].text == "두 번째 샘플이군요."
        assert app.authoring is not None and app.authoring.totals.cache_hits == 0


@pytest.mark.parametrize("draft_on_paste", [True, False])
async def test_drafting_on_paste_is_opt_in(make_app: MakeApp, settings: Settings, draft_on_paste: bool) -> None:
    settings.draft_on_paste = draft_on_paste
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        if draft_on_paste:
            await until(pilot, lambda: seen.of(GenerationFinished))
            assert [m.field for m in seen.of(StepStarted)] == ["note", "english", "tags"]
            assert editor(app).boxes["note"].text == NOTE and seen.of(TagsSuggested)
        else:
            await pilot.pause(0.3)
            assert not seen.of(StepStarted) and editor(app).boxes["note"].text == ""


def starting_until(gate: threading.Event, fails: bool = False) -> Any:
    """A model factory that takes until `gate` is set to start, as the embedded model does for ~10 s."""

    def factory(settings: Any, progress: Any) -> Any:
        assert gate.wait(20)
        if fails:
            raise ModelError("the embedded model did not start", "run `author-tui doctor`")
        return connect_model(settings, progress)

    return factory


async def test_a_draft_asked_for_while_the_model_starts_runs_once_it_is_ready(make_app: MakeApp) -> None:
    gate = threading.Event()
    app, seen = make_app(model_factory=starting_until(gate)), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await paste_paper(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert app.status.state == "starting" and not seen.of(StepStarted)
        assert "the Korean note, translation and tags will be written as soon as it is ready" in seen.notes()[-1]
        gate.set()
        await until(pilot, lambda: seen.of(GenerationFinished), timeout=20)
        assert [m.field for m in seen.of(StepStarted)] == ["note", "english", "tags"]
        assert editor(app).boxes["note"].text == NOTE


@pytest.mark.parametrize("how", ["esc", "the model fails"])
async def test_a_waiting_draft_is_dropped_by_esc_or_by_a_model_that_fails(make_app: MakeApp, how: str) -> None:
    gate = threading.Event()
    app, seen = make_app(model_factory=starting_until(gate, fails=how != "esc")), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await paste_paper(pilot)
        await pilot.press("ctrl+r")
        await pilot.pause()
        if how == "esc":
            await pilot.press("escape")  # drops the waiting draft; the editor (unsaved paper) stays open
            await pilot.pause()
            assert "Dropped" in seen.notes()[-1] and not isinstance(app.screen, ConfirmScreen)
        gate.set()
        await ready(pilot)
        await pilot.pause(0.3)
        assert not seen.of(StepStarted) and editor(app).boxes["note"].text == ""
        if how != "esc":
            assert app.status.state == "unavailable" and "did not start" in seen.notes()[-1]


async def test_a_crashed_embedded_model_is_named_in_the_status_bar(make_app: MakeApp) -> None:
    def crashed(settings: Any, progress: Any) -> Any:
        raise CRASH

    app, seen = make_app(model_factory=crashed), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await until(pilot, lambda: seen.of(ModelUnavailable))
        shown = str(app.screen.query_one(StatusBar).render())
        assert "unavailable: embedded model crashed (signal 11)" in shown and "author-tui doctor" in shown
        assert "ready" not in shown and "rebuild it" in seen.notes()[-1]


class CrashingAuthoring:
    """Use cases whose model process dies on the first request, as a llama.cpp built for another CPU does."""

    def draft_note(self, entry: Any, **options: Any) -> Any:
        raise CRASH


async def test_a_crash_during_a_draft_turns_the_model_off_and_saving_goes_on(make_app: MakeApp,
                                                                            workdir: Path) -> None:
    app, seen = make_app(model_factory=lambda settings, progress: (CrashingAuthoring(), *FAKE_ENDPOINT)), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: seen.of(GenerationFinished))
        assert seen.of(DraftFailed)[0].error is CRASH
        assert app.status.state == "unavailable" and "signal 11" in app.status.detail
        await pilot.press("ctrl+r")  # no second crash: the model is off, and says why
        await pilot.pause()
        assert "No model: embedded model crashed" in seen.notes()[-1] and len(seen.of(DraftFailed)) == 1
        screen = editor(app)
        screen.boxes["note"].set_text("손으로 쓴 노트군요.")
        screen.boxes["tags"].set_text("#llm")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: seen.of(DigestSaved))
    assert "손으로 쓴 노트군요." in (workdir / "drafts" / "2025-06-18.txt").read_text(encoding="utf-8")


async def test_esc_after_a_draft_whose_english_kept_hangul_asks_to_discard(make_app: MakeApp, settings: Settings,
                                                                           answers: Any, workdir: Path) -> None:
    """The embedded path's sequence: the English comes back with Hangul twice (warning, guided retry), the
    tag engine picks the tags without a model call. The preview says why it cannot be saved, Esc offers to
    discard it, and once the author fixes the English it saves."""
    (settings.drafts_dir / "2025-06-17.txt").parent.mkdir(parents=True, exist_ok=True)
    (settings.drafts_dir / "2025-06-17.txt").write_text(
        "2025년 6월 17일\nRotary scaling\n(A)\nScaling rotary embeddings.\nRoPE 스케일링이군요.\n#long-context",
        encoding="utf-8")
    settings.tag_rerank = False
    answers.values["english"] = "RoPE 스케일링을 비교합니다."
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: seen.of(GenerationFinished), timeout=20)
        assert not seen.of(DraftFailed), seen.of(DraftFailed)[0].error
        english = [m for m in seen.of_name("DraftReceived") if m.field == "english"][0]
        assert "the translation still contains Hangul" in english.warnings
        assert seen.of(TagsSuggested)[0].tags == ["long-context"]
        assert "the English translation contains Hangul" in str(editor(app).query_one("#problems").render())
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # stay, and fix the English the small model left in Korean
        await pilot.pause()
        editor(app).boxes["english"].set_text("Compares ways to scale RoPE.")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: seen.of(DigestSaved))
    saved = (workdir / "drafts" / "2025-06-18.txt").read_text(encoding="utf-8")
    assert saved.endswith(f"{NOTE}\nCompares ways to scale RoPE.\n#long-context")


async def test_esc_is_never_stuck_when_the_end_of_a_generation_was_not_heard(
        make_app: MakeApp, monkeypatch: pytest.MonkeyPatch) -> None:
    """Esc asks the worker itself whether a generation still runs: if its GenerationFinished never got
    handled (the screen's queue stalled, a handler lost), Esc still offers to discard instead of
    cancelling a generation that is already over."""
    monkeypatch.setattr(GeneratingScreen, "on_generation_finished", lambda self, message: None)
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: seen.of(GenerationFinished) and not editor(app).generating_worker_running)
        assert editor(app).generating  # the end was not heard: the token is still set
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await pilot.pause()
        assert not editor(app).generating and not editor(app).has_class("-generating")


async def test_esc_works_while_the_editors_message_queue_is_stalled(make_app: MakeApp, answers: Any) -> None:
    """Issue 11 item 7's symptom: Esc did nothing while ctrl+p still worked. ctrl+p is a priority binding,
    checked before a key travels; Esc travelled through the editor's message queue, so a queue that is
    stalled (or far behind, with both cores busy with llama.cpp) held it, and the GenerationFinished behind
    it. Here the queue is held on purpose from the moment the draft starts until the end. (No Pilot.press
    meanwhile: it waits for the screen to go idle, which a held queue never does.)"""
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        screen = editor(app)
        release = asyncio.Event()
        answers.latency = 0.3  # the draft is still under way when the queue is held

        async def stall() -> None:
            await release.wait()

        async def press(key: str) -> None:
            await app._press_keys([key])

        async def soon(condition: Any, timeout: float = 10.0) -> None:
            for _ in range(int(timeout / 0.02)):
                if condition():
                    return
                await asyncio.sleep(0.02)
            raise AssertionError(f"timed out waiting for {condition}")

        await pilot.press("ctrl+r")
        screen.call_later(stall)  # the editor handles nothing more until released
        try:
            await soon(lambda: not screen.generating_worker_running)
            assert screen.generating  # its GenerationFinished waits in the held queue
            await press("ctrl+p")  # a priority binding: works, as reported
            await soon(lambda: isinstance(app.screen, CommandPalette))
            await press("escape")
            await soon(lambda: app.screen is screen)
            await press("escape")
            await soon(lambda: isinstance(app.screen, ConfirmScreen), timeout=3)
        finally:
            release.set()  # a held queue would also hold the app's shutdown
        await pilot.press("n")
        assert app.screen is screen and not screen.generating

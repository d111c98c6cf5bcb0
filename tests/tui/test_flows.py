"""The author's flows, driven with a Pilot against the scripted model server on 127.0.0.1: messages first,
then what the screen and the files hold."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button

from author_tui.tui.app import connect_model
from author_tui.tui.entry_screen import EntryScreen
from author_tui.tui.messages import (
    AutosaveWritten,
    DigestSaved,
    DraftReceived,
    FieldStreamed,
    GenerationCancelled,
    GenerationFinished,
    TagsSuggested,
)
from author_tui.tui.modals import ConfirmScreen
from author_tui.tui.widgets import StatusBar
from tests.tui.conftest import ENGLISH, NOTE, MakeApp, Recorder, editor, paste_paper, ready, until
from tests.tui.test_errors import write_digest

pytestmark = pytest.mark.anyio
SIZE = (140, 45)


async def test_paste_draft_edit_translate_again_toggle_tag_save(make_app: MakeApp, server: Any, answers: Any,
                                                                 workdir: Path) -> None:
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        screen = editor(app)
        assert screen.boxes["title"].text == "Scaling Rotary Embeddings for Long Context"
        assert screen.boxes["authors"].text == "Ada Park, Min Lee"

        await pilot.press("ctrl+r")
        await until(pilot, lambda: seen.of(GenerationFinished))
        streamed = [m.text for m in seen.of(FieldStreamed) if m.field == "note"]
        assert len(streamed) > 1 and all(NOTE.startswith(t) for t in streamed)  # it arrived in pieces
        assert [m.field for m in seen.of(DraftReceived)] == ["note", "english"]
        assert seen.of(TagsSuggested)[0].new_tags == ["rope"]
        assert (screen.boxes["note"].text, screen.boxes["english"].text) == (NOTE, ENGLISH)
        assert app.status.requests == 3 and app.status.tokens == app.authoring.totals.total_tokens > 0
        assert screen.boxes["tags"].text == "#long-context #rope"
        chip = next(b for b in screen.query(Button) if b.name == "rope")
        assert chip.has_class("-new") and chip.has_class("-on")

        # The author edits the Korean and asks for the English again, from the edited note.
        note = screen.boxes["note"].area
        note.focus()
        note.move_cursor(note.document.end)
        await pilot.press("space", "추", "천", ".")
        assert screen.boxes["note"].text == NOTE + " 추천."
        answers.values["english"] = ENGLISH + " Recommended."
        await pilot.press("ctrl+t")
        await until(pilot, lambda: len(seen.of(GenerationFinished)) == 2)
        assert NOTE + " 추천." in json.dumps(server.requests[-1], ensure_ascii=False)
        assert screen.boxes["english"].text == ENGLISH + " Recommended."

        await pilot.click(chip)  # toggle the new tag off
        await pilot.pause()
        assert screen.boxes["tags"].text == "#long-context" and not chip.has_class("-on")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: seen.of(DigestSaved))

    expected = (
        "2025년 6월 18일\nScaling Rotary Embeddings for Long Context\n(Ada Park, Min Lee)\n"
        "We compare ways to scale rotary position embeddings when the context grows far past the training "
        f"length.\n{NOTE} 추천.\n{ENGLISH} Recommended.\n#long-context"
    )
    assert (workdir / "drafts" / "2025-06-18.txt").read_bytes() == expected.encode("utf-8")
    assert not list((workdir / "drafts" / ".autosave").glob("*.json"))  # saved: nothing left to recover


async def test_cancel_a_stream_keeps_the_old_text_and_the_ui_usable(make_app: MakeApp, answers: Any) -> None:
    answers.chunk_delay = 0.5  # ~10 chunks: the stream runs ~5 s, so Esc lands mid-stream even on a loaded machine
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        screen = editor(app)
        await pilot.press("ctrl+n")
        await until(pilot, lambda: screen.boxes["note"].has_class("-streaming") and screen.boxes["note"].text)
        assert screen.boxes["note"].area.read_only

        screen.boxes["title"].area.focus()  # while it streams, the author keeps typing elsewhere
        await pilot.press("end", "!")
        assert screen.boxes["title"].text.endswith("Context!")

        await pilot.press("escape")
        await until(pilot, lambda: seen.of(GenerationFinished))
        assert [m.field for m in seen.of(GenerationCancelled)] == ["note"]
        assert not seen.of(DraftReceived)
        assert screen.boxes["note"].text == "" and not screen.boxes["note"].area.read_only
        assert isinstance(app.screen, EntryScreen)  # Esc cancelled; it did not leave the editor
        assert any("Cancelled" in n for n in seen.notes())


async def test_a_field_says_it_waits_for_the_model_until_text_arrives(make_app: MakeApp, answers: Any) -> None:
    answers.latency = 1.0
    app = make_app(model=True)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        screen = editor(app)
        await pilot.press("ctrl+n")
        note = screen.boxes["note"]
        await until(pilot, lambda: note.has_class("-waiting"))
        assert "waiting for the model" in str(note.area.border_subtitle)
        assert not screen.boxes["english"].has_class("-waiting")
        await until(pilot, lambda: note.text)
        assert not note.has_class("-waiting") and not note.area.border_subtitle


async def test_undo_in_a_field(make_app: MakeApp) -> None:
    async with make_app().run_test(size=SIZE) as pilot:
        await paste_paper(pilot)
        title = editor(pilot.app).boxes["title"]
        title.area.focus()
        await pilot.press("end", "x", "y")
        assert title.text.endswith("Contextxy")
        await pilot.press("ctrl+z")
        assert title.text == "Scaling Rotary Embeddings for Long Context"


async def test_field_round_trip_through_editor(make_app: MakeApp, workdir: Path, monkeypatch: Any) -> None:
    from author_tui.tui.external import edit_text

    script = workdir / "fake-editor.sh"
    script.write_text("#!/bin/sh\nprintf '\\n%s\\n' '덧붙인 줄이군요.' >> \"$1\"\n")
    script.chmod(0o755)
    monkeypatch.setenv("EDITOR", str(script))
    monkeypatch.delenv("VISUAL", raising=False)
    app = make_app(editor=edit_text)  # the real editor round trip, minus the terminal suspend
    async with app.run_test(size=SIZE) as pilot:
        await paste_paper(pilot)
        note = editor(app).boxes["note"]
        note.area.load_text("원래 노트군요.")
        note.area.focus()
        await pilot.press("ctrl+o")
        assert note.text == "원래 노트군요.\n덧붙인 줄이군요."
        await pilot.press("ctrl+z")  # the editor's change is one undoable edit
        assert note.text == "원래 노트군요."


async def test_autosave_follows_edits_and_is_dropped_on_discard(make_app: MakeApp, workdir: Path) -> None:
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await paste_paper(pilot)
        await until(pilot, lambda: seen.of(AutosaveWritten))
        record = Path(seen.of(AutosaveWritten)[-1].path)
        saved = json.loads(record.read_text(encoding="utf-8"))
        assert saved["entry"]["title"] == "Scaling Rotary Embeddings for Long Context"
        assert saved["index"] is None and saved["date"] == "2025-06-18" and saved["saved_at"] == "2025-06-18T09:30:00"
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert not record.exists()
    assert not (workdir / "drafts" / "2025-06-18.txt").exists()  # nothing was saved, nothing was written


async def test_the_command_palette_runs_the_screen_commands(make_app: MakeApp) -> None:
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        await pilot.press("ctrl+p", *"Draft all")
        await pilot.pause(0.3)  # the palette searches its providers asynchronously
        await pilot.press("enter")
        await until(pilot, lambda: seen.of(GenerationFinished))
        assert editor(app).boxes["english"].text == ENGLISH


async def test_quitting_with_unsaved_changes_asks_first(make_app: MakeApp, workdir: Path) -> None:
    from tests.tui.test_errors import write_digest

    write_digest(workdir)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("J", "q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert app.is_running


async def test_the_status_bar_says_what_the_start_is_waiting_for(make_app: MakeApp, settings: Any,
                                                                 workdir: Path) -> None:
    write_digest(workdir)  # the drafts folder is the archive when none is configured: three notes
    steps: list[str] = []
    go_on = threading.Event()

    def slow(settings: Any, progress: Any) -> Any:
        def step(text: str) -> None:
            steps.append(text)
            progress(text)
            if text.startswith("indexing"):
                go_on.wait(5)  # hold here, as building the tag engine over 3,468 notes does for seconds

        return connect_model(settings, step)

    app = make_app(model_factory=slow)
    try:
        async with app.run_test(size=SIZE) as pilot:
            bar = app.screen.query_one(StatusBar)
            await until(pilot, lambda: "(starting: indexing 3 archive notes)" in str(bar.render()))
            go_on.set()
            await ready(pilot)
            assert app.status.state == "ready" and "(ready)" in str(bar.render())
    finally:
        go_on.set()
    assert steps == ["connecting", "loading the archive", "indexing 3 archive notes"]


PAST_DAY = """\
2025년 6월 17일
Rotary position interpolation for long context windows
(A)
We extend the context window of rotary embeddings by interpolation.
RoPE 보간으로 긴 문맥을 늘리는 방법이군요.
#long-context #rope
Longer context through rotary scaling
(B)
Scaling rotary position embeddings extends the context length.
RoPE 스케일링으로 Long Context를 늘렸네요.
#long-context
Reward models for math reasoning
(C)
A reward model trained for reasoning with reinforcement learning.
추론 RL의 Reward Model이군요.
#rl #reasoning
Diffusion models for image generation
(D)
We sample images with a diffusion model.
이미지 Diffusion 모델이네요.
#diffusion"""


async def test_without_rerank_the_engine_picks_tags_and_offers_the_rest_switched_off(
    make_app: MakeApp, settings: Any, server: Any
) -> None:
    (settings.drafts_dir / "2025-06-17.txt").parent.mkdir(parents=True, exist_ok=True)
    (settings.drafts_dir / "2025-06-17.txt").write_text(PAST_DAY, encoding="utf-8")  # the default archive
    settings.tag_rerank = False
    app, seen = make_app(model=True), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await ready(pilot)
        await paste_paper(pilot)
        await until(pilot, lambda: app.authoring is not None)
        await pilot.press("ctrl+g")
        await until(pilot, lambda: seen.of(TagsSuggested))
        suggested = seen.of(TagsSuggested)[0]
        chips = {chip.name: chip.has_class("-on") for chip in editor(app).query(Button) if chip.has_class("chip")}
        assert "long-context" in suggested.tags and server.total == 0  # no model call for the tags
        assert suggested.alternatives and all(not chips[tag] for tag in suggested.alternatives)
        assert all(chips[tag] for tag in suggested.tags)

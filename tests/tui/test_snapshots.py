"""What the author sees, screen by screen (pytest-textual-snapshot). Review the report before accepting a
change with `--snapshot-update`. No model runs here: model output arrives as the same messages the
workers post, so the pictures are deterministic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea

from author_tui.tui.messages import DraftReceived, FieldStreamed, TagsSuggested
from author_tui.tui.modals import ConflictScreen
from tests.tui.conftest import NOTE, MakeApp, Recorder, editor, paste_paper, until
from tests.tui.test_errors import write_digest

SIZE = (120, 36)


@pytest.fixture
def digest(workdir: Path) -> Path:
    return write_digest(workdir)


async def settle(pilot: Any) -> None:
    await until(pilot, lambda: pilot.app.status.state != "starting")


async def steady(pilot: Any) -> None:
    """A blinking cursor would make the picture depend on the moment it is taken, so the blink is turned off
    and the cursor drawn. TextArea caches its rendered lines under a key in which "blinking, in the off
    phase" and "not blinking" are the same, so a line painted while the cursor was blinked off (a focused
    area waits 0.5 s for that: a loaded machine) would be shown again without its cursor; dropping the cache
    makes every line repaint with the cursor."""
    for area in pilot.app.screen.query(TextArea):
        area.cursor_blink = False
        area.notify_style_update()  # TextArea's own override clears the line cache
        area.refresh()
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    await pilot.pause(0.15)  # past the coalesced preview repaint


def test_day_empty(make_app: MakeApp, snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_day_with_entries(make_app: MakeApp, digest: Path, snap_compare: Any) -> None:
    assert snap_compare(make_app(), terminal_size=SIZE, run_before=settle)


def test_day_in_a_light_theme(make_app: MakeApp, digest: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        pilot.app.theme = "textual-light"
        await pilot.press("J")  # reordered, not saved: [modified] in the status bar
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_editor_on_an_entry_with_hangul(make_app: MakeApp, digest: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("down", "enter")
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_editor_with_an_entry_that_cannot_be_written(make_app: MakeApp, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await paste_paper(pilot)
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_editor_after_a_draft_with_warnings_and_tag_chips(make_app: MakeApp, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await paste_paper(pilot)
        screen = editor(pilot.app)
        screen.post_message(DraftReceived("note", NOTE, []))
        screen.post_message(DraftReceived("english", "A paper comparing RoPE scaling.",
                                          ["the number '24B' of the note is missing"]))
        screen.post_message(TagsSuggested(["long-context", "rope"], ["rope"], []))
        await pilot.pause()
        await pilot.pause()
        # The moment that made this picture flaky on a loaded machine, taken on purpose every run: the note's
        # cursor has blinked off and that line is painted (cached) before steady() stops the blink.
        note = screen.query_one("#note", TextArea)
        await until(pilot, lambda: screen.focused is note and not note._cursor_visible)
        await pilot.pause(0.1)
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_editor_while_the_note_streams(make_app: MakeApp, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await paste_paper(pilot)
        editor(pilot.app).post_message(FieldStreamed("note", NOTE[:12]))
        await pilot.pause()
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_paste_dialog(make_app: MakeApp, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        pilot.app.screen.query_one("#paste-area").insert("Title: A Paper\nAuthors: Ada Park\nAbstract: Short.")
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_delete_confirmation(make_app: MakeApp, digest: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("down", "d")
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_conflict_dialog(make_app: MakeApp, digest: Path, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        pilot.app.push_screen(ConflictScreen(str(pilot.app.document.path), can_merge=True))
        await pilot.pause()
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_restore_dialog(make_app: MakeApp, snap_compare: Any) -> None:
    import asyncio

    async def crash() -> None:
        crashed, seen = make_app(owner="111"), Recorder()
        async with crashed.run_test(size=SIZE, message_hook=seen) as pilot:
            await paste_paper(pilot)
            await until(pilot, lambda: seen.of_name("AutosaveWritten"))

    asyncio.run(crash())
    app = make_app(owner="222", dead=lambda owner: owner == "111")
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_arxiv_dialog(make_app: MakeApp, snap_compare: Any) -> None:
    async def run_before(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("x", *"2506.01234")
        await steady(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)

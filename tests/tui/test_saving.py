"""Saving while the author keeps working: a save runs on a worker, so what changes meanwhile must neither be
marked saved nor be lost, and a save must never trip over the app's own previous write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from author_tui.core.digest import parse
from author_tui.store.locks import file_lock
from author_tui.tui.messages import AutosaveFailed, AutosaveWritten, DigestSaved, SaveFailed
from author_tui.tui.modals import ConfirmScreen, ConflictScreen
from tests.tui.conftest import DIGEST, MakeApp, Recorder, editor, paste_paper, until
from tests.tui.test_errors import write_digest

pytestmark = pytest.mark.anyio
SIZE = (140, 45)
MOVED = DIGEST.split("\n")  # the digest with its first entry moved below the second, as J does
MOVED = "\n".join([MOVED[0], *MOVED[7:13], *MOVED[1:7], *MOVED[13:]])


async def test_a_move_made_while_a_save_runs_stays_modified(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        with file_lock(path):  # the save waits for the lock, as behind another author-tui's write
            await pilot.press("ctrl+s")
            await pilot.pause(0.1)
            await pilot.press("J")  # the author reorders while the save is still running
        await until(pilot, lambda: seen.of(DigestSaved) or seen.of(SaveFailed))
        assert not seen.of(SaveFailed)
        assert path.read_bytes() == DIGEST.encode()  # the save wrote the digest as it was at ctrl+s
        assert app.document.dirty and app.status.modified  # ... so the move is still unsaved


async def test_a_second_save_is_not_a_conflict_with_the_first(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        with file_lock(path):
            await pilot.press("ctrl+s")
            await pilot.pause(0.1)
            await pilot.press("J", "ctrl+s")  # both saves queue behind the lock
        await until(pilot, lambda: len(seen.of(DigestSaved)) + len(seen.of(SaveFailed)) >= 2)
        assert not seen.of(SaveFailed), seen.notes()
        assert not app.document.dirty and not app.status.modified
    assert path.read_bytes() == MOVED.encode()  # the newer save is the one on disk


async def test_text_typed_while_the_entry_is_saved_is_kept(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await pilot.press("enter")
        screen = editor(app)
        screen.boxes["english"].area.load_text("The first note, revised.")
        with file_lock(path):
            await pilot.press("ctrl+s")
            await pilot.pause(0.1)
            screen.boxes["english"].area.load_text("The first note, revised twice.")  # typed during the save
        await until(pilot, lambda: seen.of(DigestSaved))
        assert parse(path.read_bytes()).entries()[0].english == "The first note, revised."
        saved_at = next(i for i, m in enumerate(seen) if isinstance(m, DigestSaved))
        await until(pilot, lambda: any(isinstance(m, AutosaveWritten) for m in seen[saved_at:]))
        record = json.loads(app.autosave.path.read_text(encoding="utf-8"))
        assert record["entry"]["english"] == "The first note, revised twice."  # not in the file: autosaved
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)  # leaving would lose it, so the author is asked


async def test_a_save_that_fails_on_disk_is_reported(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await pilot.press("J")
        path.unlink()
        path.mkdir()  # the file became a folder: reading it to compare fails with IsADirectoryError
        await pilot.press("ctrl+s")
        await until(pilot, lambda: seen.of(SaveFailed), timeout=5)
        assert "2025-06-18.txt: could not be written (IsADirectoryError" in seen.notes()[-1]
        assert app.status.modified and not seen.of(DigestSaved)


async def test_an_autosave_that_fails_is_reported_once_and_quit_warns(make_app: MakeApp, workdir: Path) -> None:
    (workdir / "drafts").mkdir()
    (workdir / "drafts" / ".autosave").write_text("a file where the autosave folder should be")
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await paste_paper(pilot)
        await until(pilot, lambda: seen.of(AutosaveFailed), timeout=5)
        editor(app).boxes["note"].area.load_text("두 번째 시도입니다.")
        await until(pilot, lambda: len(seen.of(AutosaveFailed)) >= 2, timeout=5)
        failures = [n for n in seen.notes() if n.startswith("Autosave failed")]
        assert len(failures) == 1 and ".autosave" in failures[0] and "ctrl+s" in failures[0]
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "could NOT be autosaved" in app.screen.question


MALFORMED = b"Not a day header\nSome title\n"


async def test_merging_with_a_malformed_file_is_an_error_not_a_crash(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await pilot.press("enter")
        editor(app).boxes["english"].area.load_text("The first note, revised.")
        path.write_bytes(MALFORMED)  # another program wrote something that is not a digest
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await pilot.click("#btn-merge")
        await pilot.pause()
        assert seen.notes()[-1].startswith("Not merged: drafts/2025-06-18.txt:1: expected")
        assert editor(app).boxes["english"].text == "The first note, revised."
        assert [e.title for e in app.document.digest.entries()][0] == "First Paper"
    assert path.read_bytes() == MALFORMED


async def test_reloading_a_malformed_file_is_an_error_not_a_crash(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await pilot.press("J")
        path.write_bytes(MALFORMED)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await pilot.click("#btn-reload")
        await pilot.pause()
        assert seen.notes()[-1].startswith("Not reloaded: drafts/2025-06-18.txt:1: expected")
        assert app.status.modified and len(app.document.digest.entries()) == 3  # the reordering is kept
    assert path.read_bytes() == MALFORMED

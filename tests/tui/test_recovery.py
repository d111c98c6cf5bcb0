"""Never lose work: recovery after a crash, external changes detected (never silently overwritten), two
instances on one digest, and the day list's reorder / delete / save."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from author_tui.config import Settings
from author_tui.core.digest import parse
from author_tui.core.model import Entry
from author_tui.store.autosave import Autosave, Record, Slot
from author_tui.tui.day_screen import DayScreen
from author_tui.tui.messages import AutosaveWritten, DigestSaved, SaveFailed
from author_tui.tui.modals import ConfirmScreen, ConflictScreen, RestoreScreen
from tests.tui.conftest import DIGEST, TODAY, MakeApp, Recorder, editor, paste_paper, until
from tests.tui.test_errors import write_digest

pytestmark = pytest.mark.anyio
SIZE = (140, 45)


async def test_work_of_a_crashed_instance_is_offered_back_and_saved(make_app: MakeApp, workdir: Path) -> None:
    crashed, seen = make_app(owner="111"), Recorder()
    async with crashed.run_test(size=SIZE, message_hook=seen) as pilot:
        await paste_paper(pilot)
        note = editor(crashed).boxes["note"]
        note.area.load_text("복구되어야 할 노트군요.")
        await until(pilot, lambda: len(seen.of(AutosaveWritten)) >= 2)
        records = list((workdir / "drafts" / ".autosave").glob("*-111.json"))
        assert json.loads(records[0].read_text(encoding="utf-8"))["entry"]["note"] == "복구되어야 할 노트군요."
        # The run ends here without saving or discarding: as after a kill -9, only the autosave is left.

    second, seen = make_app(owner="222", dead=lambda owner: owner == "111"), Recorder()
    async with second.run_test(size=SIZE, message_hook=seen) as pilot:
        await pilot.pause()
        assert isinstance(second.screen, RestoreScreen)
        await pilot.click("#btn-restore")
        await pilot.pause()
        restored = editor(second)
        assert restored.boxes["title"].text == "Scaling Rotary Embeddings for Long Context"
        assert restored.boxes["note"].text == "복구되어야 할 노트군요."
        assert not records[0].exists()  # adopted: it is this instance's autosave now
        restored.boxes["english"].area.load_text("A note that had to be recovered.")
        restored.boxes["tags"].area.load_text("#recovery")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: seen.of(DigestSaved))
    written = parse((workdir / "drafts" / "2025-06-18.txt").read_bytes())
    assert [e.note for e in written.entries()] == ["복구되어야 할 노트군요."]
    assert not list((workdir / "drafts" / ".autosave").glob("*.json"))


async def test_declining_a_restore_removes_the_record(make_app: MakeApp, workdir: Path) -> None:
    crashed, seen = make_app(owner="111"), Recorder()
    async with crashed.run_test(size=SIZE, message_hook=seen) as pilot:
        await paste_paper(pilot)
        await until(pilot, lambda: seen.of(AutosaveWritten))
    second = make_app(owner="222", dead=lambda owner: owner == "111")
    async with second.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.click("#btn-discard")
        await pilot.pause()
        assert isinstance(second.screen, DayScreen)
    assert not list((workdir / "drafts" / ".autosave").glob("*.json"))


async def test_an_instance_that_is_still_running_is_not_robbed(make_app: MakeApp) -> None:
    first, seen = make_app(owner="111"), Recorder()
    async with first.run_test(size=SIZE, message_hook=seen) as pilot:
        await paste_paper(pilot)
        await until(pilot, lambda: seen.of(AutosaveWritten))
    alive = make_app(owner="222", dead=lambda owner: False)
    async with alive.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(alive.screen, DayScreen)


async def change_externally(path: Path) -> bytes:
    changed = DIGEST.replace("The third note.", "The third note, edited in another editor.").encode()
    path.write_bytes(changed)
    return changed


async def test_external_change_is_shown_then_merged(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await pilot.press("enter")
        editor(app).boxes["english"].area.load_text("The first note, revised.")
        changed = await change_externally(path)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        assert path.read_bytes() == changed  # nothing was written over the other change
        await pilot.click("#btn-merge")
        await until(pilot, lambda: seen.of(DigestSaved))
    entries = parse(path.read_bytes()).entries()
    assert entries[0].english == "The first note, revised."
    assert entries[2].english == "The third note, edited in another editor."


async def test_external_change_can_be_left_alone(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await pilot.press("enter")
        editor(app).boxes["english"].area.load_text("The first note, revised.")
        changed = await change_externally(path)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ConflictScreen))
        await pilot.click("#btn-cancel")
        await pilot.pause()
        assert "Not saved" in seen.notes()[-1]
        assert editor(app).boxes["english"].text == "The first note, revised."
    assert path.read_bytes() == changed


async def test_reorder_delete_and_save_from_the_day(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    app, seen = make_app(), Recorder()
    async with app.run_test(size=SIZE, message_hook=seen) as pilot:
        await pilot.press("J")  # first entry down
        assert app.status.modified
        await pilot.press("down", "d")  # select the third, ask to delete it
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # ... and think again
        assert len(app.document.digest.entries()) == 3
        await pilot.press("d", "y")
        await pilot.press("ctrl+s")
        await until(pilot, lambda: seen.of(DigestSaved) or seen.of(SaveFailed))
    expected = (
        "2025년 6월 18일\n"
        "Second Paper\n(B. Author)\nAbstract two.\n두 번째 노트입니다.\nThe second note.\n#rl #reasoning\n"
        "First Paper\n(A. Author)\nAbstract one.\n첫 번째 노트군요.\nThe first note.\n#llm"
    )
    assert path.read_bytes() == expected.encode()


async def test_an_untouched_digest_is_never_rewritten(make_app: MakeApp, workdir: Path) -> None:
    path = write_digest(workdir)
    before = path.stat().st_mtime_ns
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.press("escape")  # opened, looked at, left: no question, no write
        await pilot.pause()
        assert isinstance(app.screen, DayScreen)
    assert path.stat().st_mtime_ns == before and path.read_bytes() == DIGEST.encode()




class HeldAutosave(Autosave):
    """The editor's autosaves (the worker's, which pass an epoch) wait at a gate: as if the worker had not
    run yet when the process is killed."""

    gate = threading.Event()

    def save(self, slot: Slot, entry: Entry, epoch: int | None = None) -> Record | None:
        if epoch is not None:
            self.gate.wait(5)
        return super().save(slot, entry, epoch)


async def test_a_restored_entry_is_always_in_some_record(make_app: MakeApp, settings: Settings,
                                                          workdir: Path) -> None:
    path = Path("drafts") / "2025-06-18.txt"
    entry = Entry.model_validate({"title": "Recovered Paper", "note": "복구된 노트군요.", "tags": ["x"]})
    orphan = Autosave(settings.drafts_dir, path, owner="111").save(Slot(TODAY), entry)
    assert orphan is not None
    app = make_app(owner="222", dead=lambda owner: owner == "111")
    app.autosave = HeldAutosave(settings.drafts_dir, path, owner="222", is_alive=lambda owner: owner != "111")
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.click("#btn-restore")
            await pilot.pause()
            assert editor(app).boxes["title"].text == "Recovered Paper"
            records = list((workdir / "drafts" / ".autosave").glob("*.json"))  # a kill -9 here loses nothing
            assert [r.name for r in records] == [app.autosave.path.name]
            kept = json.loads(records[0].read_text(encoding="utf-8"))["entry"]
            assert kept["title"] == "Recovered Paper" and kept["note"] == "복구된 노트군요."
    finally:
        HeldAutosave.gate.set()

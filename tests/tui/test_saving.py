"""Saving while the author keeps working: a save runs on a worker, so what changes meanwhile must neither be
marked saved nor be lost, and a save must never trip over the app's own previous write."""

from __future__ import annotations

from pathlib import Path

import pytest

from author_tui.store.locks import file_lock
from author_tui.tui.messages import DigestSaved, SaveFailed
from tests.tui.conftest import DIGEST, MakeApp, Recorder, until
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

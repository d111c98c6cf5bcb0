"""The pieces under the TUI's "never lose work": autosave records and owners, and the open digest's
placement of entries (by index and title) when the file moved under it."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from author_tui.core.model import Entry
from author_tui.store.autosave import Autosave, Slot, pid_alive

DAY = dt.date(2025, 6, 18)


def entry(title: str) -> Entry:
    return Entry.model_validate({"title": title, "note": "노트군요.", "tags": ["x"]})


def test_records_round_trip_and_orphans_come_newest_first(tmp_path: Path) -> None:
    times = iter([dt.datetime(2025, 6, 18, 9, 0), dt.datetime(2025, 6, 18, 10, 0)])
    digest = tmp_path / "d.txt"
    for owner in ("11", "22"):
        Autosave(tmp_path, digest, owner=owner, now=lambda: next(times)).save(Slot(DAY, 2, "Old"), entry(owner))
    (tmp_path / ".autosave" / "garbage-33.json").write_text("{not json")
    mine = Autosave(tmp_path, digest, owner="44", is_alive=lambda owner: False)
    orphans = mine.orphans()
    assert [r.entry.title for r in orphans] == ["22", "11"]
    assert orphans[0].slot == Slot(DAY, 2, "Old") and orphans[0].digest == digest.resolve()
    other_digest = Autosave(tmp_path, tmp_path / "other.txt", owner="44", is_alive=lambda owner: False)
    assert other_digest.orphans() == []


def test_a_save_scheduled_before_a_discard_is_dropped(tmp_path: Path) -> None:
    autosave = Autosave(tmp_path, tmp_path / "d.txt", owner="1")
    epoch = autosave.epoch
    autosave.discard()
    assert autosave.save(Slot(DAY), entry("late"), epoch) is None
    assert not autosave.path.exists()
    assert autosave.save(Slot(DAY), entry("fresh"), autosave.epoch) is not None


def test_owners_alive_dead_and_zombie() -> None:
    assert pid_alive(str(os.getpid()))
    assert not pid_alive("not-a-pid")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert pid_alive(str(child.pid))
        os.kill(child.pid, signal.SIGKILL)
        deadline = dt.datetime.now() + dt.timedelta(seconds=5)
        while "Z" not in _state(child.pid):
            assert dt.datetime.now() < deadline
            time.sleep(0.01)
        assert not pid_alive(str(child.pid))  # killed, not yet reaped: a zombie counts as dead
    finally:
        child.wait()
    assert not pid_alive(str(child.pid))


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except OSError:
        return "Z"

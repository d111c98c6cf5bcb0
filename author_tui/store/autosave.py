"""Autosave and recovery of the entry being edited, so a crash, a kill or a closed terminal loses nothing.

Why a file per editing instance: two author-tui windows may edit the same digest; each keeps its own
record, `DRAFTS/.autosave/<digest-key>-<owner>.json`, written atomically (store.files.write_atomic). The
owner is the process id. On start, records for the same digest whose owner is no longer alive are
"orphans": the work of an instance that died before saving, which the TUI offers to restore. A record is
removed when its entry is saved to the digest or deliberately discarded.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from author_tui.core.model import Entry
from author_tui.store.files import write_atomic

FOLDER = ".autosave"
VERSION = 1


def pid_alive(owner: str) -> bool:
    """True when `owner` (a process id) is a running process (a zombie, killed but not reaped, is not)."""
    try:
        os.kill(int(owner), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return not _zombie(int(owner))


def _zombie(pid: int) -> bool:
    """Linux: state Z in /proc/PID/stat. A killed process stays a zombie until its parent reaps it, which a
    container's init may never do; elsewhere (no /proc) assume it is not one."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] == "Z"


@dataclass(frozen=True)
class Slot:
    """Where an entry goes in the digest: its day, its position when it was opened, its title then."""

    date: dt.date
    index: int | None = None  # None: a new entry, appended to the day
    original_title: str | None = None


@dataclass(frozen=True)
class Record:
    """One autosaved entry: what was being edited, where it belongs, when it was saved."""

    digest: Path
    slot: Slot
    entry: Entry
    saved_at: dt.datetime
    path: Path  # the record's own file

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "digest": str(self.digest),
            "date": self.slot.date.isoformat(),
            "index": self.slot.index,
            "original_title": self.slot.original_title,
            "saved_at": self.saved_at.isoformat(),
            "entry": self.entry.model_dump(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path) -> Record:
        slot = Slot(dt.date.fromisoformat(data["date"]), data.get("index"), data.get("original_title"))
        return cls(
            Path(data["digest"]),
            slot,
            Entry.model_validate(data["entry"]),
            dt.datetime.fromisoformat(data["saved_at"]),
            path,
        )


class Autosave:
    """The autosave records of one digest file, seen from one owner (this process)."""

    def __init__(
        self,
        drafts_dir: Path,
        digest: Path,
        *,
        owner: str | None = None,
        is_alive: Callable[[str], bool] = pid_alive,
        now: Callable[[], dt.datetime] = dt.datetime.now,
    ) -> None:
        self.folder = Path(drafts_dir) / FOLDER
        self.digest = Path(digest).resolve()
        self.owner = owner or str(os.getpid())
        self._is_alive = is_alive
        self._now = now
        self._key = hashlib.sha256(str(self.digest).encode()).hexdigest()[:16]
        # Saves run on worker threads: a save scheduled before a discard must not land after it.
        self._lock = threading.Lock()
        self.epoch = 0

    @property
    def path(self) -> Path:
        """This owner's record for this digest."""
        return self.folder / f"{self._key}-{self.owner}.json"

    def save(self, slot: Slot, entry: Entry, epoch: int | None = None) -> Record | None:
        """Write this owner's record; skipped (None) when `epoch` is given and a discard came since."""
        record = Record(self.digest, slot, entry, self._now(), self.path)
        data = json.dumps(record.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
        with self._lock:
            if epoch is not None and epoch != self.epoch:
                return None
            write_atomic(self.path, data)
        return record

    def discard(self, record: Record | None = None) -> None:
        """Remove this owner's record (or the given one, e.g. an orphan the author declined)."""
        with self._lock:
            if record is None:
                self.epoch += 1
            # A record that cannot be removed (its folder unusable) is at worst offered back once more.
            with contextlib.suppress(OSError):
                (record.path if record else self.path).unlink(missing_ok=True)

    def orphans(self) -> list[Record]:
        """Records for this digest left by owners that are no longer running, newest first."""
        found = []
        for path in sorted(self.folder.glob(f"{self._key}-*.json")):
            owner = path.stem.removeprefix(f"{self._key}-")
            if owner == self.owner or self._is_alive(owner):
                continue
            record = _read(path)
            if record is not None:
                found.append(record)
        return sorted(found, key=lambda r: r.saved_at, reverse=True)


def _read(path: Path) -> Record | None:
    """A record, or None when it is unreadable (a record is only ever replaced whole, so this is rare)."""
    try:
        return Record.from_json(json.loads(path.read_text(encoding="utf-8")), path)
    except (OSError, ValueError, KeyError, TypeError):
        return None

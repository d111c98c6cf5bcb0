"""The digest file the TUI has open: load it, change it in memory, save it without ever clobbering a change
made behind its back.

Why here and not in a widget: saving is a read-compare-write under the digest's lock
(store.locks.file_lock). The bytes on disk are compared with what was loaded (store.files.Snapshot); when
another program or another author-tui window changed the file, `save` raises `DiskChanged` and writes
nothing. The caller then decides: reload and re-apply its own change (`merge`), overwrite, or cancel.
Rendering happens before the lock is taken, so an entry the house format cannot hold is refused
(EntryError) with the file untouched.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from author_tui.core.digest import parse, render
from author_tui.core.model import Day, Digest, Entry
from author_tui.errors import ConflictError
from author_tui.store.autosave import Slot
from author_tui.store.files import Snapshot, read_or_none, write_atomic
from author_tui.store.locks import file_lock


class DiskChanged(ConflictError):
    """The digest on disk is not what was loaded: someone else wrote it since."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"{path} changed on disk since it was opened",
            "reload it and re-apply your entry, or overwrite the other change",
        )


@dataclass
class DigestDocument:
    """A digest file in memory, with what it looked like on disk when loaded."""

    path: Path
    digest: Digest
    snapshot: Snapshot
    dirty: bool = False  # changed in memory (reordered, deleted) and not yet saved
    lock_timeout: float = 5.0

    @classmethod
    def load(cls, path: Path) -> DigestDocument:
        """The digest at `path`; an absent file is an empty digest (the file appears on first save)."""
        data = read_or_none(path)
        digest = parse(data, str(path)) if data is not None else Digest()
        return cls(Path(path), digest, Snapshot.of(path, data))

    # --- changes in memory ----------------------------------------------------------------------------

    def target_day(self, today: dt.date) -> Day:
        """Where a new entry goes: the file's last day, or today's when the file has none."""
        return self.digest.days[-1] if self.digest.days else self.digest.ensure_day(today)

    def put(self, slot: Slot, entry: Entry) -> Slot:
        """Place `entry` where `slot` says (replacing the entry it was opened from); return its new slot."""
        day = self.digest.ensure_day(slot.date)
        index = _find(day, slot)
        if index is None:
            day.entries.append(entry)
            index = len(day.entries) - 1
        else:
            day.entries[index] = entry
        self.dirty = True
        return Slot(slot.date, index, entry.title)

    def move(self, day: int, index: int, step: int) -> int:
        """Move an entry up (-1) or down (+1) within its day; return its new index."""
        entries = self.digest.days[day].entries
        other = index + step
        if not (0 <= index < len(entries) and 0 <= other < len(entries)):
            return index
        entries[index], entries[other] = entries[other], entries[index]
        self.dirty = True
        return other

    def delete(self, day: int, index: int) -> Entry:
        removed = self.digest.days[day].entries.pop(index)
        self.dirty = True
        return removed

    # --- disk -----------------------------------------------------------------------------------------

    def save(self, *, overwrite: bool = False) -> None:
        """Write the digest atomically, under its lock, unless the file changed since it was loaded."""
        data = render(self.digest)  # EntryError here leaves the file untouched
        with file_lock(self.path, timeout=self.lock_timeout):
            if not overwrite and self.snapshot.changed():
                raise DiskChanged(self.path)
            write_atomic(self.path, data)
        self.snapshot = Snapshot.of(self.path, data)
        self.dirty = False

    def reload(self) -> None:
        """Replace what is in memory with the file on disk (in-memory changes are lost)."""
        fresh = DigestDocument.load(self.path)
        self.digest, self.snapshot, self.dirty = fresh.digest, fresh.snapshot, False

    def merge(self, slot: Slot, entry: Entry) -> Slot:
        """Reload from disk and re-apply one entry on top: the other writer's change and ours both survive."""
        self.reload()
        return self.put(slot, entry)


def _find(day: Day, slot: Slot) -> int | None:
    """The position of the entry `slot` was opened from: same index and title, else the first same title."""
    if slot.index is None:
        return None
    entries = day.entries
    if slot.index < len(entries) and entries[slot.index].title == slot.original_title:
        return slot.index
    return next((i for i, e in enumerate(entries) if e.title == slot.original_title), None)

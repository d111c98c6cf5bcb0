"""The digest file the TUI has open: load it, change it in memory, save it without ever clobbering a change
made behind its back. File-system work, so it lives in store/ (the TUI only holds one).

Why here and not in a widget: saving is a read-compare-write under the digest's lock
(store.locks.file_lock). The bytes on disk are compared with what was loaded (store.files.Snapshot); when
another program or another author-tui window changed the file, `write` raises `DiskChanged` and writes
nothing. The caller then decides: reload and re-apply its own change (`merge`), overwrite, or cancel.

A save is split by thread. `prepare` runs on the UI thread, the only one that changes the digest: it renders
the bytes (an entry the house format cannot hold is refused there, EntryError, file untouched) and notes
the `version` they show. `write` runs on a worker and touches only the file and the snapshot, under the
lock. `mark_saved(version)` back on the UI thread clears `dirty` only if nothing changed in between.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from pathlib import Path

from author_tui.core.digest import parse, render
from author_tui.core.model import Day, Digest, Entry
from author_tui.errors import DiskChanged, StoreError
from author_tui.store.autosave import Slot
from author_tui.store.files import Snapshot, read_or_none, write_atomic
from author_tui.store.locks import file_lock

__all__ = ["DigestDocument", "Pending"]


@dataclass(frozen=True)
class Pending:
    """The bytes of one save and the version of the digest they show."""

    data: bytes
    version: int


@dataclass
class DigestDocument:
    """A digest file in memory, with what it looked like on disk when loaded."""

    path: Path
    digest: Digest
    snapshot: Snapshot
    dirty: bool = False  # changed in memory (reordered, deleted) and not yet saved
    lock_timeout: float = 5.0
    version: int = 0  # counts changes in memory: a save clears `dirty` only if none came while it ran
    _written: int = field(default=-1, repr=False)  # the newest version written (guarded by _lock)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def load(cls, path: Path) -> DigestDocument:
        """The digest at `path`; an absent file is an empty digest (the file appears on first save)."""
        try:
            data = read_or_none(path)
        except OSError as error:  # a folder in its place, no permission...: said as an error, with the path
            raise StoreError(f"{path}: could not be read ({error.strerror or error})",
                             "check that it is a readable file") from error
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
        self._changed()
        return Slot(slot.date, index, entry.title)

    def move(self, day: int, index: int, step: int) -> int:
        """Move an entry up (-1) or down (+1) within its day; return its new index."""
        entries = self.digest.days[day].entries
        other = index + step
        if not (0 <= index < len(entries) and 0 <= other < len(entries)):
            return index
        entries[index], entries[other] = entries[other], entries[index]
        self._changed()
        return other

    def _changed(self) -> None:
        self.dirty = True
        self.version += 1

    def delete(self, day: int, index: int) -> Entry:
        removed = self.digest.days[day].entries.pop(index)
        self._changed()
        return removed

    # --- disk -----------------------------------------------------------------------------------------

    def prepare(self) -> Pending:
        """UI thread: the bytes to write now (EntryError here leaves the file untouched)."""
        return Pending(render(self.digest), self.version)

    def write(self, pending: Pending, *, overwrite: bool = False) -> None:
        """Worker thread: write `pending` atomically under the lock, unless the file changed since it was
        loaded or last written. A save older than one already written is skipped (two ctrl+s in a row must
        not end with the older bytes on disk)."""
        with self._lock, file_lock(self.path, timeout=self.lock_timeout):
            if pending.version < self._written:
                return
            if not overwrite and self.snapshot.changed():
                raise DiskChanged(
                    f"{self.path} changed on disk since it was opened",
                    "reload it and re-apply your entry, or overwrite the other change",
                )
            write_atomic(self.path, pending.data)
            # Inside the lock: a save right after this one compares against these bytes, not the old ones.
            self.snapshot = Snapshot.of(self.path, pending.data)
            self._written = pending.version

    def mark_saved(self, version: int) -> None:
        """UI thread: the save of `version` is on disk; the digest is clean unless it changed since."""
        if version == self.version:
            self.dirty = False

    def save(self, *, overwrite: bool = False) -> None:
        """All three steps on one thread (the batch tools and tests)."""
        pending = self.prepare()
        self.write(pending, overwrite=overwrite)
        self.mark_saved(pending.version)

    def reload(self) -> None:
        """Replace what is in memory with the file on disk (in-memory changes are lost)."""
        fresh = DigestDocument.load(self.path)
        with self._lock:  # not while a save compares the snapshot
            self.digest, self.snapshot, self.dirty = fresh.digest, fresh.snapshot, False
            self.version += 1

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

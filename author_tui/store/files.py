"""Atomic file writes and change detection: nothing the author wrote is ever half-written or lost.

A write goes to a temporary file in the same folder, is flushed and fsynced, then renamed over the target
(atomic on POSIX), and the folder is fsynced so the rename survives a power cut. A reader therefore sees the
old file or the new one, never a mix. The file's permission bits are kept.

The writer holds an `flock` on its temp file until the rename, so a temp file nobody holds is a leftover of
a writer that died (kill -9, power cut): `remove_leftover_temps` clears those when a run scans a folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from author_tui.errors import DiskChanged, StoreError


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step; create parent folders as needed.

    The file system's refusals (permissions, a full disk, a path that is a folder) become StoreError, which
    names the path; the old file is then untouched. A symbolic link is written through: the file it
    points to gets `data` and the link stays a link (renaming over the link would replace it with a
    regular file, and the real note would never change)."""
    try:
        _write_atomic(Path(os.path.realpath(path)), data)
    except OSError as error:
        raise StoreError(f"{path}: could not be written ({error.strerror or error})",
                         "check the folder exists and is writable, and that the disk has room") from error


def replace_if_unchanged(path: Path, old: bytes | None, new: bytes, *, read_only_ok: bool = True) -> None:
    """Write `new` over `path` under its lock, only if the file still holds `old` (None: did not exist).

    Every writer of the author's files goes through here, so a change made by another program (or another
    author-tui) between our read and our write is never overwritten: DiskChanged, and nothing is written.
    With `read_only_ok=False` a file whose write permission bits are all off (chmod 444: the author's way
    of saying "leave it") is refused with a StoreError instead of being renamed over."""
    from author_tui.store.locks import file_lock

    with file_lock(path):
        if read_or_none(path) != old:
            raise DiskChanged(f"{path}: changed on disk since it was read, so it was not written",
                              "run the command again: it reads the file anew")
        if not read_only_ok and is_read_only(path):
            raise StoreError(f"{path}: read-only, not changed",
                             "make it writable (chmod u+w), or pass --write-read-only")
        write_atomic(path, new)


def is_read_only(path: Path) -> bool:
    """No write permission bit set (root could still write it, so os.access would not tell)."""
    try:
        return Path(path).stat().st_mode & 0o222 == 0
    except OSError:
        return False


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # "A live writer holds this" until the rename; the kernel releases it if we die.
        fcntl.flock(fd, fcntl.LOCK_EX)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.chmod(tmp_name, mode)  # mkstemp makes 0600; a new file gets what open() would give it
            os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


STALE_AFTER = 60.0  # seconds between two listings of one folder for stale temp files while writing
GRACE = 1.0  # seconds: a temp file younger than this may belong to a writer that has not locked it yet
# What mkstemp above makes: "." + the target's name + "." + 8 characters of its alphabet + ".tmp". Strict,
# because a folder scan must never take the author's own dotfile for one of ours.
# An all-digit middle is refused: mkstemp almost never makes one, an author's `.paper.md.20250401.tmp` is one.
TEMP_NAME = re.compile(r"\.(?P<target>.+)\.(?![0-9]{8}\.)[a-z0-9_]{8}\.tmp")


def temp_target(name: str) -> str | None:
    """The name of the file a temp file of ours was for, or None when `name` is not one of ours."""
    matched = TEMP_NAME.fullmatch(name)
    return matched.group("target") if matched else None


def _remove_stale_temps(path: Path) -> None:
    """Temp files of this target left by a process killed mid-write (kill -9, power cut); only names
    exactly as mkstemp below makes them, so the author's `.note.md.my-backup.tmp` stays."""
    _remove_unheld(path.parent, [n for n in _temp_names(path.parent) if temp_target(n) == path.name])


def remove_leftover_temps(folder: Path, names: list[str] | None = None) -> int:
    """Remove the temp files of our naming in `folder` (or those of `names`) that no live writer holds
    and whose target file exists (a temp file beside no such file is more likely the author's than ours);
    how many were removed. A file another process is writing is locked by it, so it is kept."""
    listed = names if names is not None else _list_temps(folder)
    ours = [name for name in listed if (target := temp_target(name)) and os.path.lexists(Path(folder, target))]
    return _remove_unheld(folder, ours)


def _remove_unheld(folder: Path, names: list[str]) -> int:
    now, removed = time.time(), 0
    for name in names:
        if _leftover(Path(folder, name), now):
            try:
                Path(folder, name).unlink()
                removed += 1
            except OSError:  # gone already, or not ours to remove: it never blocks a run
                pass
    return removed


def _leftover(temp: Path, now: float) -> bool:
    try:
        fd = os.open(temp, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return False
    try:
        if now - os.fstat(fd).st_mtime < GRACE:
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True  # nobody holds it; our lock goes with the close below
    except OSError:
        return False
    finally:
        os.close(fd)


_scans: dict[str, tuple[float, list[str]]] = {}
_scans_lock = threading.Lock()


def _temp_names(folder: Path) -> list[str]:
    """The names in `folder` that look like temp files, listed at most once a STALE_AFTER per folder:
    listing the folder on every write made a batch run over a vault folder of N notes cost N² (3,468)."""
    now, key = time.monotonic(), str(folder)
    with _scans_lock:
        scanned = _scans.get(key)
    if scanned is not None and now - scanned[0] < STALE_AFTER:
        return scanned[1]
    names = _list_temps(folder)
    with _scans_lock:
        _scans[key] = (now, names)
    return names


def _list_temps(folder: Path) -> list[str]:
    try:
        with os.scandir(folder) as entries:
            return [e.name for e in entries if e.name.startswith(".") and e.name.endswith(".tmp")]
    except OSError:
        return []


def _read_umask() -> int:
    # os.umask can only be read by setting it; do that once, at import, before any writer thread exists.
    umask = os.umask(0o022)
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _default_mode() -> int:
    return 0o666 & ~_UMASK


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open folders; the rename is still atomic there
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Snapshot:
    """What a file looked like when it was loaded, to notice a change made behind the tool's back."""

    path: Path
    digest: str | None  # sha256 of the bytes; None when the file did not exist

    @classmethod
    def of(cls, path: Path, data: bytes | None) -> Snapshot:
        return cls(Path(path), None if data is None else hashlib.sha256(data).hexdigest())

    @classmethod
    def take(cls, path: Path) -> Snapshot:
        return cls.of(path, read_or_none(path))

    def changed(self) -> bool:
        """True when the file on disk is no longer what was loaded (edited, created or deleted)."""
        return Snapshot.take(self.path).digest != self.digest


def read_or_none(path: Path) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        return None

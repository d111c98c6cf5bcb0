"""Atomic file writes and change detection: nothing the author wrote is ever half-written or lost.

A write goes to a temporary file in the same folder, is flushed and fsynced, then renamed over the target
(atomic on POSIX), and the folder is fsynced so the rename survives a power cut. A reader therefore sees the
old file or the new one, never a mix. The file's permission bits are kept.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from author_tui.errors import DiskChanged, StoreError


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step; create parent folders as needed.

    The file system's refusals (permissions, a full disk, a path that is a folder) become StoreError, which
    names the path; the old file is then untouched."""
    try:
        _write_atomic(Path(path), data)
    except OSError as error:
        raise StoreError(f"{path}: could not be written ({error.strerror or error})",
                         "check the folder exists and is writable, and that the disk has room") from error


def replace_if_unchanged(path: Path, old: bytes | None, new: bytes) -> None:
    """Write `new` over `path` under its lock, only if the file still holds `old` (None: did not exist).

    Every writer of the author's files goes through here, so a change made by another program (or another
    author-tui) between our read and our write is never overwritten: DiskChanged, and nothing is written."""
    from author_tui.store.locks import file_lock

    with file_lock(path):
        if read_or_none(path) != old:
            raise DiskChanged(f"{path}: changed on disk since it was read, so it was not written",
                              "run the command again: it reads the file anew")
        write_atomic(path, new)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_temps(path)
    mode = path.stat().st_mode & 0o7777 if path.exists() else _default_mode()
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
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


STALE_AFTER = 60.0  # seconds: no write of a text file takes this long, so an older temp file is a leftover


def _remove_stale_temps(path: Path) -> None:
    """Temp files of this target left by a process killed mid-write (kill -9, power cut)."""
    now = time.time()
    prefix = f".{path.name}."
    for name in _temp_names(path.parent):
        if not name.startswith(prefix):
            continue
        try:
            leftover = path.parent / name
            if now - leftover.stat().st_mtime > STALE_AFTER:
                leftover.unlink()
        except OSError:  # gone already, or not ours to remove: it never blocks a write
            pass


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
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in entries if e.name.startswith(".") and e.name.endswith(".tmp")]
    except OSError:
        names = []
    with _scans_lock:
        _scans[key] = (now, names)
    return names


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

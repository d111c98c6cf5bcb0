"""Advisory locks so two author-tui processes never write the same file at once.

The lock is an `fcntl.flock` on a lock file named after the target's real path, kept in one folder
under the system temp dir (not beside the target: a batch run over a vault would otherwise leave a dotfile
beside every note it touched). It is held only around a read-compare-write: a second instance waits (or,
with `timeout=0`, fails at once with ConflictError). flock locks vanish with their process, so a crash or
`kill -9` never leaves a stale lock behind.

The holder removes the lock file when done, so they do not pile up under the temp dir (1,810 after a few
fault runs). Removing a lock file another process has open is safe because a taker checks, once it holds
the lock, that the name still leads to the file it locked, and starts over when it does not.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from author_tui.errors import ConflictError


def lock_dir() -> Path:
    return Path(tempfile.gettempdir()) / f"author-tui-locks-{os.getuid()}"


def lock_path(path: Path) -> Path:
    """The same lock file for every spelling of one file (relative, absolute, through a symlink)."""
    real = os.path.realpath(path)
    return lock_dir() / f"{hashlib.sha256(real.encode()).hexdigest()[:32]}.lock"


@contextmanager
def file_lock(path: Path, timeout: float = 10.0, poll: float = 0.05) -> Iterator[None]:
    """Hold the lock for `path` (created if needed) for the duration of the block."""
    target = lock_path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    fd = _take(target, path, deadline, poll)
    try:
        yield
    finally:
        target.unlink(missing_ok=True)  # while still held: nobody can have locked the name's new file
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _take(target: Path, path: Path, deadline: float, poll: float) -> int:
    """An open, locked descriptor of the lock file that `target` names at the moment it is locked."""
    while True:
        fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() >= deadline:
                raise ConflictError(
                    f"{path}: another author-tui process is writing this file",
                    "wait for it to finish (or close the other window), then retry",
                ) from None
            time.sleep(poll)
            continue
        if _same_file(fd, target):
            return fd
        os.close(fd)  # the holder removed it as we locked it: lock the name's current file instead


def _same_file(fd: int, target: Path) -> bool:
    try:
        held, named = os.fstat(fd), os.stat(target)
    except FileNotFoundError:
        return False
    return (held.st_dev, held.st_ino) == (named.st_dev, named.st_ino)

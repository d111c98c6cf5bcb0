"""Advisory locks so two author-tui processes never write the same file at once.

The lock is an `fcntl.flock` on a lock file named after the target's real path, kept in one folder
under the system temp dir (not beside the target: a batch run over a vault would otherwise leave a dotfile
beside every note it touched). It is held only around a read-compare-write: a second instance waits (or,
with `timeout=0`, fails at once with ConflictError). flock locks vanish with their process, so a crash or
`kill -9` never leaves a stale lock behind.
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
    fd = os.open(target, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise ConflictError(
                        f"{path}: another author-tui process is writing this file",
                        "wait for it to finish (or close the other window), then retry",
                    ) from None
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)

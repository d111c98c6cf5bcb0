"""A real `author-tui translate` process killed mid-run (kill -9, Ctrl-C), then run again.

The scripted server holds back the answers to two marked notes until the test lets them go, so the moment
of the kill is known exactly: every other file before them is written, the digest has two of its three
entries answered (cached) but is not written, and two requests hang. No sleeps decide the outcome.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.batch.conftest import inserted_english, snapshot, write_digest, write_notes
from tests.batch.fakes import note_of, translating
from tests.support.scripted_server import ScriptedServer

ROOT = Path(__file__).resolve().parents[2]
HELD = " 보류"  # notes holding this get no answer until the gate opens


class Gate:
    """A responder that answers at once, except notes marked HELD: those wait for `open`."""

    def __init__(self) -> None:
        self.opened, self.waiting, self.answer = threading.Event(), 0, translating()
        self._lock = threading.Lock()

    def __call__(self, body):
        if HELD in note_of(body) and not self.opened.is_set():
            with self._lock:
                self.waiting += 1
            self.opened.wait(30)
        return self.answer(body)


def files_for(tmp_path: Path) -> tuple[Path, Path]:
    """A digest whose last entry is held, and 16 notes of which the 11th is held."""
    digest_path = write_digest(tmp_path / "work" / "digest.txt", 3, special={2: HELD})
    write_notes(tmp_path / "work" / "vault", 16, special={10: HELD})
    return digest_path, tmp_path / "work" / "vault"


def start(paths: tuple[Path, Path], url: str) -> subprocess.Popen[str]:
    # Two workers: one takes the digest's entries, the other walks the notes, until each hits a held one.
    argv = [sys.executable, "-m", "author_tui", "translate", *map(str, paths), "--base-url", url,
            "--concurrency", "2"]
    return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_until_stuck(gate: Gate, before: dict[str, bytes], folder: Path, process: subprocess.Popen[str]) -> None:
    """Until both held requests wait and the 10 notes before the held one are written (20 s at most)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        changed = [name for name, data in snapshot(folder).items() if before.get(name) != data]
        if gate.waiting == 2 and len(changed) == 10:
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    pytest.fail(f"the run did not reach the held requests: {gate.waiting} waiting, {changed}")


@pytest.mark.parametrize("how", ["kill -9", "Ctrl-C"])
def test_an_interrupted_run_resumes_without_repeating_or_duplicating_anything(tmp_path, translate, how):
    paths = files_for(tmp_path)
    before = snapshot(tmp_path / "work")
    gate = Gate()
    with ScriptedServer(responder=gate) as server:
        process = start(paths, server.url)
        try:
            wait_until_stuck(gate, before, tmp_path / "work", process)
            process.send_signal(signal.SIGKILL if how == "kill -9" else signal.SIGINT)
            code = process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
        out, err = process.communicate()
        assert code == (-signal.SIGKILL if how == "kill -9" else 130), err
        if how == "Ctrl-C":
            assert "interrupted; run the same command again to continue" in err
            assert "translated 10 of 19 entries" in out

        middle = snapshot(tmp_path / "work")
        written = sorted(name for name in middle if middle[name] != before[name])
        assert written == [f"vault/2502{n + 1:02d} Paper {n:03d}.md" for n in range(10)]
        assert not [p for p in (tmp_path / "work").rglob("*") if p.name.endswith(".tmp")]  # no half-written file
        sent = server.total  # digest 0-1 answered (cached), 2 held; notes 0-9 answered, 10 held

        gate.opened.set()
        ran = translate(*paths, url=server.url)
        assert ran.code == 0, ran.err
        # Resent: the two held requests and the six notes never asked; the digest's two cached answers are not.
        assert server.total - sent == 2 + 5
        assert "7 requests, 2 cached" in ran.out

    after = snapshot(tmp_path / "work")
    for name, old in before.items():
        added = inserted_english(old, after[name])
        assert len(added) == (3 if name == "digest.txt" else 1), name  # every English exactly once
    assert all(after[name] == middle[name] for name in written)  # the done files were not touched again


def test_a_kill_during_a_write_leaves_the_old_file_or_the_new_one(tmp_path):
    """`write_atomic` writes a temp file and renames it: a reader never sees a mix (the store's promise,
    relied on here, checked at its boundary: a killed writer leaves the target intact)."""
    target = tmp_path / "note.md"
    target.write_bytes(b"old")
    script = ("import sys, os; from pathlib import Path; from author_tui.store import files; "
              "os.fsync = lambda fd: os.kill(os.getpid(), 9); files.write_atomic(Path(sys.argv[1]), b'new')")
    process = subprocess.run([sys.executable, "-c", script, str(target)], cwd=ROOT, capture_output=True)
    assert process.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"old"
    assert {name for name in os.listdir(tmp_path) if name != "note.md" and not name.endswith(".tmp")} == set()


def test_the_temp_file_a_kill_during_a_write_leaves_is_removed_by_the_next_run(tmp_path, translate):
    """Issue 11: such temp files stayed for good, even after a complete rerun, unless that same note was
    written again. Now any run that scans the folder removes those no live writer holds."""
    notes = write_notes(tmp_path / "vault", 2)
    script = ("import sys, os; from pathlib import Path; from author_tui.store import files; "
              "os.fsync = lambda fd: os.kill(os.getpid(), 9); files.write_atomic(Path(sys.argv[1]), b'new')")
    process = subprocess.run([sys.executable, "-c", script, str(notes[0])], cwd=ROOT, capture_output=True)
    assert process.returncode == -signal.SIGKILL
    (temp,) = [p for p in notes[0].parent.iterdir() if p.name.endswith(".tmp")]
    os.utime(temp, (time.time() - 2, time.time() - 2))  # the rerun comes a moment later
    ran = translate(tmp_path / "vault")
    assert not temp.exists() and "removed 1 temp file(s)" in ran.err
    assert "translated 2 of 2 entries" in ran.out  # the killed write changed nothing

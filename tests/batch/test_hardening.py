"""Issue 11's findings from an independent fault run, each on the batch commands' own path.

Leftover temp files of a killed writer, an unreadable path (a symbolic link loop) among good ones, silent
waits without a terminal, read-only files, upper-case `.TXT` digests, and lock files left under the
temp dir.
"""

from __future__ import annotations

import fcntl
import os
import re
import time
from pathlib import Path

from author_tui.cli import main
from author_tui.store.locks import lock_path
from tests.batch.conftest import snapshot, write_digest, write_notes
from tests.batch.fakes import note_of, translating
from tests.support.scripted_server import ScriptedReply, ScriptedServer


def leftover(folder: Path, name: str, age: float = 5.0) -> Path:
    """A temp file as `write_atomic` names them, as a writer killed `age` seconds ago leaves it."""
    temp = folder / f".{name}.k3x9q2ab.tmp"
    temp.write_bytes(b"half a note")
    os.utime(temp, (time.time() - age, time.time() - age))
    return temp


def test_a_run_removes_the_temp_files_no_live_writer_holds_and_says_how_many(tmp_path, translate):
    notes = write_notes(tmp_path / "vault", 3)
    killed = [leftover(notes[0].parent, notes[0].name), leftover(notes[2].parent, notes[2].name)]
    orphan = leftover(notes[2].parent, "250228 Gone.md")  # beside no such note: not taken for ours
    held = leftover(notes[1].parent, notes[1].name)
    with open(held, "rb") as writer:  # another process is in the middle of writing this one
        fcntl.flock(writer, fcntl.LOCK_EX)
        ran = translate(tmp_path / "vault", "--limit", "0")
        assert held.exists()
    assert not any(path.exists() for path in killed) and orphan.exists()
    assert "removed 2 temp file(s) left by an interrupted write" in ran.err
    assert ran.code == 0


def test_commands_that_only_read_leave_leftover_temp_files_alone(tmp_path, translate, capsys):
    notes = write_notes(tmp_path / "vault", 2)
    killed = leftover(notes[0].parent, notes[0].name)
    dry = translate(tmp_path / "vault", "--dry-run")
    assert main(["check", str(tmp_path / "vault")]) == 0
    capsys.readouterr()
    assert killed.exists() and "temp file" not in dry.err


def test_a_symbolic_link_loop_in_a_folder_is_reported_and_the_rest_translated(tmp_path, translate, server):
    write_notes(tmp_path / "vault", 3)
    (tmp_path / "vault" / "250301 Loop.md").symlink_to(tmp_path / "vault" / "250301 Loop.md")
    dry = translate(tmp_path / "vault", "--dry-run")
    assert "would translate 3 entries in 3 files" in dry.out
    ran = translate(tmp_path / "vault")
    assert "250301 Loop.md: a symbolic link loop" in ran.err
    assert "translated 3 of 3 entries" in ran.out and ran.code == 1


def test_a_loop_named_directly_is_reported_as_a_loop_not_as_missing(tmp_path, translate, server):
    digest = write_digest(tmp_path / "d.txt", 2)
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    ran = translate(loop, digest)
    assert f"{loop}: a symbolic link loop" in ran.err and "no such file" not in ran.err
    assert "translated 2 of 2 entries" in ran.out and ran.code == 1


def test_without_a_terminal_a_progress_line_comes_while_waiting_and_the_slow_endpoint_is_named(
        tmp_path, capsys, monkeypatch):
    from author_tui.batch import progress

    monkeypatch.setattr(progress, "EVERY", 0.2)
    digest = write_digest(tmp_path / "d.txt", 2)
    with ScriptedServer(responder=translating(), latency=0.9) as slow:
        code = main(["translate", str(digest), "--base-url", slow.url, "--concurrency", "1", "--timeout", "0.5",
                     "--max-retries", "1"])
    err = capsys.readouterr().err  # capsys: stderr is not a terminal
    assert re.search(r"translating: 0 of 2 done, \d+ failed, 1 in flight, \d+ s elapsed", err), err
    assert f"{slow.url} has not answered within the 0.5 s timeout" in err
    assert err.count("has not answered") == 1  # said once, not per request
    assert code == 1


def test_quiet_means_no_progress_lines(tmp_path, translate, monkeypatch):
    from author_tui.batch import progress

    monkeypatch.setattr(progress, "EVERY", 0.0)
    with ScriptedServer(responder=translating(), latency=0.2) as slow:
        ran = translate(write_digest(tmp_path / "d.txt", 2), url=slow.url)
    assert "in flight" not in ran.err and ran.code == 0


def test_a_read_only_file_is_not_changed_unless_asked_for(tmp_path, translate, server):
    notes = write_notes(tmp_path / "vault", 2)
    digest = write_digest(tmp_path / "d.txt", 2)
    for path in (notes[0], digest):
        path.chmod(0o444)
    before = snapshot(tmp_path)
    ran = translate(tmp_path / "vault", digest)
    after = snapshot(tmp_path)
    assert after["vault/250201 Paper 000.md"] == before["vault/250201 Paper 000.md"]
    assert after["d.txt"] == before["d.txt"]
    assert after["vault/250202 Paper 001.md"] != before["vault/250202 Paper 001.md"]
    assert f"{notes[0]}: read-only, not changed" in ran.err and f"{digest}: read-only, not changed" in ran.err
    assert ran.code == 1
    retranslated = translate(digest, "--force")  # retranslating is not a licence to write read-only files
    assert retranslated.code == 1 and snapshot(tmp_path)["d.txt"] == before["d.txt"]
    assert "read-only, not changed" in retranslated.err
    forced = translate(tmp_path / "vault", digest, "--write-read-only")
    assert forced.code == 0 and snapshot(tmp_path)["d.txt"] != before["d.txt"]
    assert digest.stat().st_mode & 0o777 == 0o444  # written, and still read-only as the author set it


def test_an_upper_case_txt_digest_is_translated(tmp_path, translate, server):
    digest = write_digest(tmp_path / "DAY.TXT", 2)
    ran = translate(digest)
    assert ran.code == 0 and "translated 2 of 2 entries" in ran.out
    assert "In English" in digest.read_text()


def test_a_run_leaves_no_lock_files_behind(tmp_path, translate, server):
    notes = write_notes(tmp_path / "vault", 3)
    assert translate(tmp_path / "vault").code == 0
    assert not [path for path in notes if lock_path(path).exists()]



def test_the_summary_counts_http_attempts_apart_from_requests(tmp_path, translate):
    """Issue 11: the summary said 376 requests where the server saw 426 HTTP attempts (retries)."""
    seen: set[str] = set()
    answer = translating()

    def once_rate_limited(body):
        note = note_of(body)
        if note in seen or "항목" not in note:
            return answer(body)
        seen.add(note)
        return ScriptedReply.rate_limited(retry_after=0)

    failing = ScriptedReply.server_error("always failing")
    with ScriptedServer(responder=once_rate_limited) as server:
        ran = translate(write_digest(tmp_path / "d.txt", 3), "--max-retries", 2, url=server.url)
        assert server.total == 6
    assert "3 requests" in ran.out and "6 HTTP attempts with retries" in ran.out and ran.code == 0
    with ScriptedServer(responder=lambda body: failing) as server:
        ran = translate(write_digest(tmp_path / "e.txt", 1), "--max-retries", 2, url=server.url)
        assert server.total == 3
    assert "0 requests" in ran.out and "3 HTTP attempts with retries" in ran.out and ran.code == 1


def test_a_symlinked_note_gets_its_english_in_the_real_file(tmp_path, translate):
    (real,) = write_notes(tmp_path / "real", 1)
    (tmp_path / "vault").mkdir()
    link = tmp_path / "vault" / real.name
    link.symlink_to(real)
    before = real.read_bytes()
    ran = translate(tmp_path / "vault")
    assert "translated 1 of 1 entries" in ran.out and ran.code == 0
    assert link.is_symlink() and real.read_bytes() != before and b"<english>" in real.read_bytes()

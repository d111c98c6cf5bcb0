"""Atomic writes, change detection and the cross-process lock, on real files and real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from author_tui.errors import ConflictError, DiskChanged, StoreError
from author_tui.store.files import Snapshot, replace_if_unchanged, write_atomic
from author_tui.store.locks import file_lock


def test_write_atomic_replaces_content_keeps_mode_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "day.txt"
    target.write_bytes(b"old")
    target.chmod(0o600)
    write_atomic(target, "새 내용".encode())
    assert target.read_bytes() == "새 내용".encode()
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["day.txt"]


def test_write_atomic_gives_a_new_file_the_umask_mode(tmp_path: Path) -> None:
    write_atomic(tmp_path / "new.txt", b"x")
    (tmp_path / "plain.txt").write_bytes(b"x")
    assert (tmp_path / "new.txt").stat().st_mode == (tmp_path / "plain.txt").stat().st_mode


def test_write_atomic_failure_leaves_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "day.txt"
    target.write_bytes(b"precious")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(StoreError, match=r"day.txt: could not be written \(disk full\)"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["day.txt"]


def test_temp_files_left_by_a_killed_writer_are_cleaned_up(tmp_path: Path) -> None:
    target = tmp_path / "day.txt"
    old, fresh = tmp_path / ".day.txt.k3x9q2ab.tmp", tmp_path / ".day.txt.m7pq_1zz.tmp"
    old.write_bytes(b"half")
    fresh.write_bytes(b"in progress elsewhere")
    os.utime(old, (0, 0))
    write_atomic(target, b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".day.txt.m7pq_1zz.tmp", "day.txt"]


def test_writing_a_note_keeps_the_authors_own_dotfiles_beside_it(tmp_path: Path) -> None:
    # Only names exactly as write_atomic makes them, for this very target, are its leftovers.
    target = tmp_path / "note.md"
    mine = [".note.md.my-backup.tmp", ".note.md.20250401.tmp", ".note.md.old.k3x9q2ab.tmp.bak",
            ".note.md.x.tmp", ".other.md.k3x9q2ab.tmp"]
    for name in mine:
        (tmp_path / name).write_bytes(b"the author's")
        os.utime(tmp_path / name, (0, 0))
    write_atomic(target, b"x")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*mine, "note.md"])


def test_writes_into_one_folder_list_it_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Listing the folder per write made a batch run over a vault folder of N notes cost N².
    listed: list[str] = []
    real = os.scandir
    monkeypatch.setattr(os, "scandir", lambda path: listed.append(str(path)) or real(path))
    for n in range(5):
        write_atomic(tmp_path / f"{n}.md", b"x")
    assert listed == [str(tmp_path)]


def test_snapshot_notices_edit_creation_and_deletion(tmp_path: Path) -> None:
    target = tmp_path / "day.txt"
    missing = Snapshot.take(target)
    target.write_bytes(b"a")
    assert missing.changed()
    loaded = Snapshot.take(target)
    assert not loaded.changed()
    target.write_bytes(b"b")
    assert loaded.changed()
    target.unlink()
    assert loaded.changed()


def test_lock_leaves_nothing_beside_the_file_and_follows_the_real_path(tmp_path: Path) -> None:
    target = tmp_path / "day.txt"
    (tmp_path / "link.txt").symlink_to(target)
    with file_lock(target), pytest.raises(ConflictError), file_lock(tmp_path / "link.txt", timeout=0):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt"]


def test_lock_is_exclusive_across_processes_and_released_on_exit(tmp_path: Path) -> None:
    target = tmp_path / "day.txt"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from author_tui.store.locks import file_lock
            with file_lock({str(target)!r}):
                print("locked", flush=True)
                sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        env=dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1])),
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with pytest.raises(ConflictError, match="another author-tui process"), file_lock(target, timeout=0.2):
        pass
    holder.kill()  # a killed holder must not leave the lock behind
    holder.wait()
    with file_lock(target, timeout=2):
        pass


def test_replace_if_unchanged_writes_only_over_what_was_read(tmp_path: Path) -> None:
    target = tmp_path / "day.txt"
    replace_if_unchanged(target, None, b"first")  # None: the file must not exist yet
    replace_if_unchanged(target, b"first", b"second")
    assert target.read_bytes() == b"second"
    with pytest.raises(DiskChanged, match="changed on disk since it was read"):
        replace_if_unchanged(target, b"first", b"third")
    with pytest.raises(DiskChanged):
        replace_if_unchanged(tmp_path / "new.txt", b"something", b"x")
    assert target.read_bytes() == b"second" and not (tmp_path / "new.txt").exists()


def test_a_folder_in_the_way_is_a_store_error_naming_the_path(tmp_path: Path) -> None:
    (tmp_path / "day.txt").mkdir()
    with pytest.raises(StoreError, match="day.txt: could not be written") as caught:
        write_atomic(tmp_path / "day.txt", b"x")
    assert "writable" in caught.value.hint


def test_a_released_lock_leaves_no_lock_file_and_still_excludes_under_contention(tmp_path: Path) -> None:
    """Removing the lock file on release must not let two holders in at once (a taker that locked a file
    the holder had just removed starts over)."""
    import threading

    from author_tui.store.locks import lock_path

    target, inside, overlaps = tmp_path / "day.txt", [0], []

    def hammer() -> None:
        for _ in range(40):
            with file_lock(target, timeout=10, poll=0.001):
                inside[0] += 1
                overlaps.append(inside[0])
                inside[0] -= 1

    threads = [threading.Thread(target=hammer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(overlaps) == 160 and max(overlaps) == 1
    assert not lock_path(target).exists()


def test_leftover_temps_are_removed_unless_a_live_writer_holds_them(tmp_path: Path) -> None:
    import fcntl

    from author_tui.store.files import remove_leftover_temps

    dead, live, young, own, other, orphan = (tmp_path / name for name in (
        ".a.md.x1y2z3w4.tmp", ".b.md.q8w7e6r5.tmp", ".c.md.r5t4y3u2.tmp", ".mine.tmp", "notes.tmp",
        ".gone.md.x1y2z3w4.tmp"))
    for path in (dead, live, young, own, other, orphan, tmp_path / "a.md", tmp_path / "b.md", tmp_path / "c.md"):
        path.write_bytes(b"x")
    for path in (dead, live, own, other, orphan):
        os.utime(path, (1, 1))
    with open(live, "rb") as writer:
        fcntl.flock(writer, fcntl.LOCK_EX)
        assert remove_leftover_temps(tmp_path) == 1
    # Kept: the one a writer holds, one too young to judge, files not named as ours (the author's), and
    # one beside no file of its name (more likely the author's than a write of ours).
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".b.md.q8w7e6r5.tmp", ".c.md.r5t4y3u2.tmp", ".gone.md.x1y2z3w4.tmp", ".mine.tmp", "a.md", "b.md", "c.md",
        "notes.tmp"]


def test_writing_through_a_symbolic_link_changes_the_real_file_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "vault").mkdir()
    real, link = tmp_path / "real" / "n.md", tmp_path / "vault" / "n.md"
    real.write_bytes(b"old")
    link.symlink_to(Path("..", "real", "n.md"))
    replace_if_unchanged(link, b"old", b"new")
    assert link.is_symlink() and os.readlink(link) == os.path.join("..", "real", "n.md")
    assert real.read_bytes() == b"new"
    assert sorted(p.name for p in (tmp_path / "vault").iterdir()) == ["n.md"]


def test_loading_a_job_reads_its_journal_in_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The applied set was rebuilt for every journal line: loading a 50,000-line job was quadratic.
    from author_tui.store import batch_jobs

    store = batch_jobs.JobStore(tmp_path)
    job = batch_jobs.BatchJob(id="translate-1", task="translate", created="2026-12-01T10:00:00", endpoint="e",
                              model="m", rung="text", applied=[f"a{n}" for n in range(500)])
    store.save(job)
    store.mark_applied(job.id, [f"a{n}" for n in range(250, 1000)] + ["a999"])
    built: list[int] = []

    def counting_set(*args: object) -> set[object]:
        built.append(1)
        return set(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(batch_jobs, "set", counting_set, raising=False)
    loaded = store.load(job.id)
    assert loaded.applied == [f"a{n}" for n in range(1000)]
    assert len(built) <= 2

"""The submitter killed with SIGKILL while the provider creates its batch: a later `batch` run finds the
batch by its metadata and applies it. And the data dir never holds the API key, whatever ran."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from author_tui.cli import main
from tests.batch.conftest import snapshot, write_notes
from tests.batch.fakes import translating
from tests.support.scripted_batches import ScriptedBatches
from tests.support.scripted_server import ScriptedServer

KEY = "sk-proj-TESTKEY-5f3c9a0e1d2b4c6a8e"
CLI = "import sys; from author_tui.cli import main; sys.exit(main(sys.argv[1:]))"


def test_kill_9_while_the_batch_is_created_then_apply(tmp_path: Path, capsys, monkeypatch):
    notes = write_notes(tmp_path / "vault", 3)
    with ScriptedServer(responder=translating()) as server:
        batches = ScriptedBatches(server)
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
        proc: subprocess.Popen[bytes] | None = None

        def kill_submitter() -> None:
            assert proc is not None
            os.kill(proc.pid, signal.SIGKILL)  # it waits for this very answer: its batch id is never saved

        batches.on_create = kill_submitter
        proc = subprocess.Popen([sys.executable, "-c", CLI, "translate", str(tmp_path / "vault"), "--batch"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, err.decode()
        assert b"submitted job" not in out
        batches.on_create = None
        assert len(batches.batches) == 1  # the provider has the batch; the job on disk has no id for it
        before = snapshot(tmp_path / "vault")
        assert main(["batch", "status"]) == 0
        assert "batch_" in capsys.readouterr().out  # found again by the job id in its metadata
        batches.complete_all()
        assert main(["batch", "apply"]) == 0
        assert "applied 3 of 3" in capsys.readouterr().out
    assert all("In English" in p.read_text() for p in notes) and snapshot(tmp_path / "vault") != before


def test_a_job_whose_batch_never_reached_the_provider_says_to_submit_again(tmp_path: Path, capsys, monkeypatch):
    write_notes(tmp_path / "vault", 1)
    with ScriptedServer(responder=translating()) as server:
        batches = ScriptedBatches(server)
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)

        def refuse() -> None:
            raise RuntimeError("the provider went away")  # the create answers nothing usable

        batches.on_create = refuse
        assert main(["translate", str(tmp_path / "vault"), "--batch"]) != 0
        capsys.readouterr()
        assert main(["batch", "apply"]) != 0
        assert "never reached the provider" in capsys.readouterr().err


def test_the_data_dir_never_holds_the_key(tmp_path: Path, capsys, monkeypatch):
    write_notes(tmp_path / "vault", 2)
    write_notes(tmp_path / "live", 2)
    with ScriptedServer(responder=translating(), api_key=KEY) as server:
        batches = ScriptedBatches(server)
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
        monkeypatch.setenv("AUTHOR_TUI_API_KEY", KEY)
        assert main(["translate", str(tmp_path / "vault"), "--batch"]) == 0
        batches.complete_all()
        assert main(["batch", "apply"]) == 0
        assert main(["translate", str(tmp_path / "live"), "--quiet"]) == 0
        assert main(["log", "--json"]) == 0
        assert main(["batch", "list"]) == 0
        shown = capsys.readouterr()
        assert server.headers and all(h.get("authorization") == f"Bearer {KEY}" for h in server.headers)
    data = Path(os.environ["AUTHOR_TUI_DATA_DIR"])
    files = [p for p in data.rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" for p in files)  # the job was saved there
    for path in files + [p for p in Path(os.environ["AUTHOR_TUI_CACHE_DIR"]).rglob("*") if p.is_file()]:
        assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in shown.out + shown.err


def test_a_create_that_times_out_is_not_retried_and_its_batch_is_found_again(tmp_path: Path, capsys, monkeypatch):
    import time

    write_notes(tmp_path / "vault", 2)
    with ScriptedServer(responder=translating()) as server:
        batches = ScriptedBatches(server)
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
        monkeypatch.setenv("AUTHOR_TUI_TIMEOUT", "0.5")
        batches.on_create = lambda: time.sleep(1.0)  # the provider creates it, but answers too late
        assert main(["translate", str(tmp_path / "vault"), "--batch"]) != 0
        time.sleep(0.7)  # the late create has finished server-side
        batches.on_create = None
        assert len(batches.batches) == 1 and [c for c in batches.calls if c == ("POST", "/v1/batches")] == [
            ("POST", "/v1/batches")]  # one create: a retry would have been billed twice
        capsys.readouterr()
        assert main(["batch", "status"]) == 0 and "batch_" in capsys.readouterr().out


class _Killed(BaseException):
    """Stands in for SIGKILL inside the process: nothing after it runs, no except clause catches it."""


def test_an_apply_killed_midway_is_finished_by_the_next_apply_without_false_conflicts(
    tmp_path: Path, capsys, monkeypatch
):
    from author_tui.batch import apply as applying

    notes = write_notes(tmp_path / "vault", 5)
    with ScriptedServer(responder=translating()) as server:
        batches = ScriptedBatches(server)
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
        assert main(["translate", str(tmp_path / "vault"), "--batch"]) == 0
        batches.complete_all()
        real, writes = applying.replace_if_unchanged, []

        def write_twice_then_die(*args, **kwargs):
            if len(writes) == 2:
                raise _Killed()
            writes.append(args[0])
            return real(*args, **kwargs)

        monkeypatch.setattr(applying, "replace_if_unchanged", write_twice_then_die)
        with pytest.raises(_Killed):
            main(["batch", "apply"])
        monkeypatch.setattr(applying, "replace_if_unchanged", real)
        assert sum("In English" in p.read_text() for p in notes) == 2
        capsys.readouterr()
        assert main(["batch", "apply"]) == 0  # the two written files are not "changed since submission"
        out = capsys.readouterr()
        assert "applied 3 of 5" in out.out and "(2 applied before)" in out.out and "changed since" not in out.err
    assert all(p.read_text().count("In English") == 1 for p in notes)


def test_a_job_keeps_the_bare_endpoint_and_still_follows_the_configured_one(tmp_path: Path, capsys, monkeypatch):
    # User info in the URL can carry a key: the job file and `batch list` get the endpoint without it.
    write_notes(tmp_path / "vault", 1)
    with ScriptedServer(responder=translating()) as server:
        batches = ScriptedBatches(server)
        with_userinfo = server.url.replace("http://", f"http://user:{KEY}@")
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", with_userinfo)
        assert main(["translate", str(tmp_path / "vault"), "--batch"]) == 0
        batches.complete_all()
        assert main(["batch", "list"]) == 0 and main(["batch", "apply"]) == 0
        shown = capsys.readouterr()
    assert KEY not in shown.out + shown.err and f"at {server.url}" in shown.out and "applied 1 of 1" in shown.out
    for path in Path(os.environ["AUTHOR_TUI_DATA_DIR"]).rglob("*.json"):
        assert KEY.encode() not in path.read_bytes(), path

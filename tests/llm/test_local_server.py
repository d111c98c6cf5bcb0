"""The embedded server's lifecycle with real processes: ready check, errors, and nothing left behind.

llama.cpp is replaced by Python's own `http.server` serving a static `/v1/models` (the launcher command is
injectable), so these tests take a fraction of a second each; test_local_integration.py runs the real one.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from author_tui.errors import ModelError
from author_tui.llm import embedded, local_server, supervisor
from author_tui.llm.local_server import LocalServer

ROOT = Path(__file__).resolve().parents[2]


def static_server(docroot: Path):
    """A launcher for a real HTTP server whose /v1/models answers like an OpenAI endpoint's."""
    (docroot / "v1").mkdir(parents=True, exist_ok=True)
    (docroot / "v1" / "models").write_text('{"object": "list", "data": [{"id": "fake"}]}')
    return lambda port: [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                         "--directory", str(docroot)]


def get_models(url: str) -> dict:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{url}/models", timeout=5) as response:
        return json.loads(response.read())


def state(pid: int) -> str | None:
    """The process's state letter, or None when it no longer exists."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return None


def gone(pid: int, within: float = 10.0) -> bool:
    """True once `pid` has exited (a zombie nobody reaped counts as exited)."""
    deadline = time.monotonic() + within
    while state(pid) not in (None, "Z"):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process checks read /proc")


def test_serves_on_loopback_until_stopped(tmp_path: Path) -> None:
    with LocalServer(static_server(tmp_path)) as server:
        assert server.url == f"http://127.0.0.1:{server.port}/v1"
        assert get_models(server.url)["data"] == [{"id": "fake"}]
        assert server.pid is not None
        supervisor, [child] = server.pid, children(server.pid)
        assert '"GET /v1/models HTTP/1.1" 200' in server.log_tail()  # its output, kept for error messages
        assert not list(Path(tempfile.gettempdir()).glob("author-tui-local-server-*"))  # unlinked from the start
    assert not server.alive
    assert gone(supervisor, within=0) and gone(child, within=0)  # stop() waits: gone on return
    server.stop()  # a second stop is harmless


def test_a_log_file_can_be_kept(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with LocalServer(static_server(tmp_path / "www"), log_path=log) as server:
        assert "GET /v1/models" in server.log_tail()
    assert "GET /v1/models" in log.read_text()


def test_a_server_that_exits_early_is_reported_with_its_output(tmp_path: Path) -> None:
    script = "import sys; print('cannot load model: bad magic', file=sys.stderr); sys.exit(3)"
    crash = [sys.executable, "-c", script]
    server = LocalServer(lambda port: crash)
    with pytest.raises(ModelError) as caught:
        server.start()
    assert "exited with code 3" in str(caught.value)
    assert "cannot load model: bad magic" in str(caught.value)
    assert not server.alive


def test_a_server_that_never_answers_times_out_and_is_stopped(tmp_path: Path) -> None:
    silent = [sys.executable, "-c", "import time; print('loading...', flush=True); time.sleep(60)"]
    ticks = itertools.count(step=1.0)  # each poll is one second on this clock
    server = LocalServer(lambda _: silent, startup_timeout=5, clock=lambda: next(ticks), sleep=lambda _: None)
    started = time.monotonic()
    with pytest.raises(ModelError, match=r"did not answer http://127\.0\.0\.1:\d+/v1/models within 5 s"):
        server.start()
    assert time.monotonic() - started < 10
    assert not server.alive and server.pid is not None and gone(server.pid, within=0)


def test_a_port_can_be_chosen(tmp_path: Path) -> None:
    port = local_server.free_port()
    with LocalServer(static_server(tmp_path), port=port) as server:
        assert server.url == f"http://127.0.0.1:{port}/v1"
        assert get_models(server.url)["object"] == "list"


def test_killing_the_supervisor_takes_the_server_with_it(tmp_path: Path) -> None:
    with LocalServer(static_server(tmp_path)) as server:
        assert server.pid is not None
        [child] = children(server.pid)
        os.kill(server.pid, signal.SIGKILL)
        assert gone(child), "PR_SET_PDEATHSIG did not stop the server"


def wait_for_new_child(supervisor: int, old: int, url: str) -> int:
    """The supervisor's next server, once it answers at `url`."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        fresh = [pid for pid in children(supervisor) if pid != old]
        if fresh:
            try:
                get_models(url)
                return fresh[0]
            except OSError:
                pass
        time.sleep(0.05)
    raise AssertionError("no new server answered")


def test_a_crashed_server_is_started_again_on_the_same_url(tmp_path: Path) -> None:
    with LocalServer(static_server(tmp_path)) as server:
        assert server.pid is not None
        [child] = children(server.pid)
        os.kill(child, signal.SIGSEGV)  # what llama.cpp does on a grammar it cannot parse
        wait_for_new_child(server.pid, child, server.url)
        assert server.alive
        assert "the server crashed (signal 11); starting it again" in server.log_tail()


def test_a_crash_loop_is_not_restarted_forever(tmp_path: Path) -> None:
    with LocalServer(static_server(tmp_path)) as server:
        assert server.pid is not None
        [child] = children(server.pid)
        for _ in range(supervisor.CRASH_RESTARTS):
            os.kill(child, signal.SIGSEGV)
            child = wait_for_new_child(server.pid, child, server.url)
        os.kill(child, signal.SIGSEGV)
        assert gone(server.pid), "the supervisor kept restarting a crash loop"
        assert not server.alive


PARENT = textwrap.dedent("""
    import atexit, os, signal, sys, time
    from pathlib import Path

    server = None

    def report():  # registered first, so it runs after the module's own atexit hook
        print("at exit, server alive:", server.alive, flush=True)

    atexit.register(report)
    from author_tui.llm.local_server import LocalServer

    docroot, mode = Path(sys.argv[1]), sys.argv[2]
    server = LocalServer(lambda port: [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                                       "--directory", str(docroot)]).start()
    print("READY", server.pid, flush=True)
    sys.stdin.readline()  # the test looks at the processes first
    if mode == "crash":
        raise RuntimeError("the parent crashed")
    if mode == "exit":
        sys.exit(0)
    time.sleep(60)
""")


def run_parent(tmp_path: Path, mode: str) -> tuple[subprocess.Popen[str], int, int]:
    """Start a parent process that starts a server; return (parent, supervisor pid, server pid)."""
    static_server(tmp_path / "docroot")
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    pipe = subprocess.PIPE
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path / "docroot"), mode], env=env,
                              stdin=pipe, stdout=pipe, stderr=pipe, text=True)
    assert parent.stdout is not None
    line = parent.stdout.readline()
    assert line.startswith("READY"), line + parent.stderr.read() if parent.stderr else ""
    supervisor = int(line.split()[1])
    [server] = children(supervisor)
    return parent, supervisor, server


@pytest.mark.parametrize("mode", ["exit", "crash"])
def test_a_parent_that_ends_stops_the_server_at_exit(tmp_path: Path, mode: str) -> None:
    parent, supervisor, server = run_parent(tmp_path, mode)
    out, _ = parent.communicate("go\n", timeout=30)
    assert "at exit, server alive: False" in out  # stopped synchronously by atexit, not later by the pipe
    assert gone(supervisor, within=0) and gone(server, within=0)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_a_parent_killed_by_a_signal_leaves_no_server(tmp_path: Path, signum: int) -> None:
    parent, supervisor, server = run_parent(tmp_path, "wait")
    os.kill(parent.pid, signum)
    parent.communicate(timeout=30)
    assert gone(server), f"the server outlived a parent killed by {signal.Signals(signum).name}"
    assert gone(supervisor)


# --- ensure_local_server: one server per process, started on demand ---------------------------------------


@pytest.fixture
def fake_launch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[LocalServer]]:
    """ensure_local_server with http.server instead of llama.cpp; the list holds every server it made."""
    made: list[LocalServer] = []

    def server_for(settings: object, model: Path, port: int | None) -> LocalServer:
        made.append(LocalServer(static_server(tmp_path / "docroot"), port=port))
        return made[-1]

    monkeypatch.setattr(embedded, "model_for", lambda s: Path(getattr(s, "local_model_path", "a.gguf")))
    monkeypatch.setattr(embedded, "server_for", server_for)
    yield made
    embedded.stop_local_server()


def test_the_server_is_started_once_and_reused(fake_launch: list[LocalServer]) -> None:
    results: list[str] = []
    workers = [threading.Thread(target=lambda: results.append(embedded.ensure_local_server(None)))
               for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(set(results)) == 1
    assert sum(server.alive for server in fake_launch) == 1
    assert get_models(results[0])["data"]


def test_a_dead_server_is_started_again(fake_launch: list[LocalServer], caplog: pytest.LogCaptureFixture) -> None:
    first = embedded.ensure_local_server(None)
    assert fake_launch[0].pid is not None
    [child] = children(fake_launch[0].pid)
    os.kill(fake_launch[0].pid, signal.SIGKILL)
    fake_launch[0].wait()
    assert gone(child)  # its port is free again
    second = embedded.ensure_local_server(None)
    assert get_models(second)["data"]
    assert fake_launch[-1].alive and not fake_launch[0].alive
    assert second == first  # same port: clients built on the URL work again
    assert "ended unexpectedly" in caplog.text and "GET /v1/models" in caplog.text  # why it died, in the log


def test_a_dead_server_whose_port_was_taken_gets_another(fake_launch: list[LocalServer]) -> None:
    first = embedded.ensure_local_server(None)
    assert fake_launch[0].pid is not None
    [child] = children(fake_launch[0].pid)
    os.kill(fake_launch[0].pid, signal.SIGKILL)
    fake_launch[0].wait()
    assert gone(child)
    with socket.create_server(("127.0.0.1", fake_launch[0].port)):  # someone else took the port
        second = embedded.ensure_local_server(None)
    assert second != first and get_models(second)["data"]


def test_another_model_replaces_the_running_server(fake_launch: list[LocalServer], tmp_path: Path) -> None:
    small = type("S", (), {"local_model_path": tmp_path / "a.gguf"})()
    large = type("S", (), {"local_model_path": tmp_path / "b.gguf"})()
    embedded.ensure_local_server(small)
    running = [server for server in fake_launch if server.alive]
    embedded.ensure_local_server(large)
    assert not running[0].alive
    assert [server.alive for server in fake_launch].count(True) == 1


def test_a_missing_runtime_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embedded.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match="needs llama-cpp-python") as caught:
        embedded.ensure_local_server(None)
    assert "author-tui[local]" in caught.value.hint


def test_llama_gets_passive_openmp_threads_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    show = [sys.executable, "-c", "import os, sys; print('omp=' + os.environ['OMP_WAIT_POLICY']); sys.exit(1)"]
    server = LocalServer(lambda _: show, env=embedded.llama_env())
    with pytest.raises(ModelError, match="omp=PASSIVE"):
        server.start()
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")
    assert embedded.llama_env() == {"OMP_WAIT_POLICY": "ACTIVE"}

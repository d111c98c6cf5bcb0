"""The embedded model server: llama.cpp's OpenAI-compatible server as a child that never outlives us.

Why this exists: with no endpoint configured the tool still has to work, offline and without a key, so it
starts `python -m llama_cpp.server` on a free loopback port on first use and talks to it like any other
OpenAI endpoint. The server is heavy (hundreds of MB), so it must go away with the tool however the tool
ends. The parent does not start it directly but through a small supervisor (`author_tui.llm.supervisor`,
run with `--watch-fd`) that

- holds the read end of a pipe whose write end only the parent has: when the parent exits, is killed
  (even with SIGKILL) or crashes, the kernel closes that end, the supervisor reads EOF and stops the server;
- starts the server with PR_SET_PDEATHSIG (Linux), so killing the supervisor itself kills the server;
- starts a crashed server again on the same port (llama.cpp segfaults on some requests), once: a second
  crash in a row is final, and reported as a crash (`author_tui.llm.runtime.crashed`), never as "cannot
  reach";
- sends one 1-token completion before calling the server ready (`warm_up`), so a build that cannot run
  on this CPU is named at start, not on the author's first draft.

Why not PDEATHSIG straight from the parent: it fires when the *thread* that forked the child ends, and the
TUI starts the server from a short-lived worker thread; `preexec_fn` is also unsafe in a threaded parent.
The supervisor is single-threaded, so both concerns vanish there. The parent still stops every server it
started at normal exit (atexit), synchronously, so nothing is left behind even briefly.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from author_tui.errors import EmbeddedModelCrashed, ModelError
from author_tui.llm import runtime

HOST = "127.0.0.1"  # never another interface: the server has no authentication
Command = Callable[[int], Sequence[str]]
"""Port -> the command line of an OpenAI-compatible server listening on HOST:port."""

_PROJECT_ROOT = Path(__file__).resolve().parents[2]  # so the supervisor imports this very checkout
logger = logging.getLogger(__name__)
_live: set[LocalServer] = set()  # started and not yet stopped: what atexit stops


def free_port(host: str = HOST) -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class LocalServer:
    """One OpenAI-compatible server child on a loopback port: `start()` waits until it answers."""

    def __init__(
        self,
        command: Command,
        *,
        env: dict[str, str] | None = None,
        port: int | None = None,
        startup_timeout: float = 120.0,
        log_path: Path | None = None,
        warm_up: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._command = command
        self._extra_env = env or {}
        self._fixed_port = port
        self.port = port or 0  # a free one is picked at start
        self.startup_timeout = startup_timeout
        self.log_path = log_path  # None: an anonymous temporary file (see _open_log)
        self._log: BinaryIO | None = None
        self._status: BinaryIO | None = None  # the supervisor's crash reports, one JSON line each
        self._seen_crashes: list[int] = []
        self.warm_up_model = warm_up  # model name for the 1-token warm-up completion; None: no warm-up
        self._clock, self._sleep = clock, sleep
        self._proc: subprocess.Popen[bytes] | None = None
        self._watch_w: int | None = None

    @property
    def url(self) -> str:
        """Base URL for an OpenAI client."""
        return f"http://{HOST}:{self.port}/v1"

    @property
    def pid(self) -> int | None:
        """The supervisor's process id (the server is its only child)."""
        return self._proc.pid if self._proc else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self) -> LocalServer:
        """Start the supervisor and server; return once `GET /v1/models` answers, else raise ModelError."""
        if self.alive:
            return self
        self._spawn()
        _live.add(self)
        self._wait_ready()
        if self.warm_up_model is not None:
            self._warm_up(self.warm_up_model)
        return self

    def _spawn(self) -> None:
        self.port = self._fixed_port or free_port()
        read_fd, self._watch_w = os.pipe()  # both ends non-inheritable unless passed on purpose
        path = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, **self._extra_env, "PYTHONPATH": path}
        command = self._command(self.port)
        self._status = tempfile.TemporaryFile(prefix="author-tui-local-status-")  # noqa: SIM115 - closed in stop()
        status_fd = self._status.fileno()
        supervisor = [sys.executable, "-m", "author_tui.llm.supervisor", "--watch-fd", str(read_fd),
                      "--status-fd", str(status_fd), "--", *command]
        try:
            self._log = self._open_log()
            self._proc = subprocess.Popen(
                supervisor, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                pass_fds=(read_fd, status_fd), env=env,
                start_new_session=True,  # a Ctrl-C at the terminal reaches only us; we stop it in order
            )
        finally:
            os.close(read_fd)

    def _open_log(self) -> BinaryIO:
        """Where the server's output goes. By default a temporary file that is unlinked from the start and
        read back through our own descriptor: nothing is left on disk however the process ends."""
        if self.log_path is not None:
            return open(self.log_path, "ab")
        return tempfile.TemporaryFile(prefix="author-tui-local-server-")

    def _wait_ready(self) -> None:
        deadline = self._clock() + self.startup_timeout
        while True:
            assert self._proc is not None
            code = self._proc.poll()
            if code is not None:
                tail, crashes = self.log_tail(), self.crashes()
                self.stop()
                if crashes:
                    raise runtime.crashed(crashes[-1], first_request=True)
                raise ModelError(f"the embedded model server exited with code {code} before it was ready:\n"
                                 f"{tail}", hint="see its output above; check the model file and free memory")
            if self._answers():
                return
            if self._clock() >= deadline:
                tail = self.log_tail()
                self.stop()
                raise ModelError(
                    f"the embedded model server did not answer {self.url}/models within "
                    f"{self.startup_timeout:g} s:\n{tail}",
                    hint="the machine may be busy or short of memory; try again or use a smaller model",
                )
            self._sleep(0.1)

    def _warm_up(self, model: str) -> None:
        """One 1-token completion. A server that crashes on it twice (the supervisor restarts it once) is
        a build that cannot run here: stop it and say so. Any other failure is left to the real requests."""
        for _ in range(2):
            if self._completes(model):
                return
            if not self.crashes():
                return
            if not self.alive or len(self.crashes()) > supervisor_restarts():
                signum = self.crashes()[-1]
                self.stop()
                raise runtime.crashed(signum, first_request=True)
            self._wait_ready()  # restarted after the first crash: try once more

    def _completes(self, model: str) -> bool:
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1})
        request = urllib.request.Request(f"{self.url}/chat/completions", data=body.encode(),
                                         headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(request, timeout=max(self.startup_timeout, 10.0)) as response:
                response.read()
                return True
        except urllib.error.HTTPError as error:
            logger.warning("the embedded server's warm-up completion failed with HTTP %s", error.code)
            return True  # it answers: whatever is wrong, the real request will say it better
        except OSError:
            self._proc_wait(2.0)  # let the supervisor record the crash before we look
            return False

    def _proc_wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.crashes() and self.alive:
            time.sleep(0.05)

    def crashes(self) -> list[int]:
        """The signals that killed the server so far, oldest first (the supervisor's reports)."""
        if self._status is None or self._status.closed:
            return list(self._seen_crashes)
        fd = self._status.fileno()
        text = os.pread(fd, 1 << 16, 0).decode("utf-8", "replace")
        return [int(json.loads(line)["signal"]) for line in text.splitlines() if line.strip()]

    def crash_error(self, wait: float = 0.5) -> EmbeddedModelCrashed | None:
        """A crash that explains a failed request, if the server crashed. Waits up to `wait` seconds for
        the report: the supervisor notices a dead child within 0.2 s, a refused retry can be faster."""
        self._proc_wait(wait)
        crashes = self.crashes()
        return runtime.crashed(crashes[-1], first_request=False) if crashes else None

    def _answers(self) -> bool:
        # No proxy: a proxy from the environment must never see (or break) loopback traffic.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"{self.url}/models", timeout=2.0) as response:
                return bool(response.status == 200 and b'"data"' in response.read())
        except OSError:  # refused while starting, reset, timeout: not ready yet
            return False

    def log_tail(self, lines: int = 8) -> str:
        """The last lines the server printed, for error messages."""
        if self.log_path is not None:
            text = _file_tail(self.log_path)
        elif self._log is not None and not self._log.closed:
            fd = self._log.fileno()
            # pread: the server writes through this same file offset, which must not move under it
            text = os.pread(fd, 4000, max(0, os.fstat(fd).st_size - 4000)).decode("utf-8", "replace")
        else:
            text = ""
        return "\n".join(text.splitlines()[-lines:]) or "(no server output)"

    def wait(self) -> int:
        """Block until the server ends by itself (serve-local in the foreground); its exit code."""
        assert self._proc is not None
        return self._proc.wait()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the server and its supervisor and wait until both are gone. Safe to call twice."""
        if self._watch_w is not None:
            os.close(self._watch_w)  # EOF at the supervisor: it stops the server and exits
            self._watch_w = None
        if self._proc is not None:
            try:
                self._proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._proc.kill()  # the server goes with it through PDEATHSIG
                self._proc.wait()
        _live.discard(self)
        if self._log is not None:
            self._log.close()
        if self._status is not None and not self._status.closed:
            self._seen_crashes = self.crashes()  # kept for callers that ask after the stop
            self._status.close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def supervisor_restarts() -> int:
    from author_tui.llm.supervisor import CRASH_RESTARTS

    return CRASH_RESTARTS


def _file_tail(path: Path) -> str:
    if not path.is_file():  # e.g. /dev/stderr: the output is already on screen
        return f"(server output went to {path})"
    try:
        with open(path, "rb") as handle:
            handle.seek(max(0, path.stat().st_size - 4000))
            return handle.read().decode("utf-8", "replace")
    except OSError:
        return ""


@atexit.register
def _stop_all() -> None:
    for server in list(_live):
        server.stop()

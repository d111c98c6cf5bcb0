"""The embedded model server: llama.cpp's OpenAI-compatible server as a child that never outlives us.

Why this exists: with no endpoint configured the tool still has to work, offline and without a key, so it
starts `python -m llama_cpp.server` on a free loopback port on first use and talks to it like any other
OpenAI endpoint. The server is heavy (hundreds of MB), so it must go away with the tool however the tool
ends. The parent does not start it directly but through a small supervisor (`author_tui.llm.supervisor`,
run with `--watch-fd`) that

- holds the read end of a pipe whose write end only the parent has: when the parent exits, is killed
  (even with SIGKILL) or crashes, the kernel closes that end, the supervisor reads EOF and stops the server;
- starts the server with PR_SET_PDEATHSIG (Linux), so killing the supervisor itself kills the server;
- starts a crashed server again on the same port (llama.cpp segfaults on some requests).

Why not PDEATHSIG straight from the parent: it fires when the *thread* that forked the child ends, and the
TUI starts the server from a short-lived worker thread; `preexec_fn` is also unsafe in a threaded parent.
The supervisor is single-threaded, so both concerns vanish there. The parent still stops every server it
started at normal exit (atexit), synchronously, so nothing is left behind even briefly.
"""

from __future__ import annotations

import atexit
import importlib.util
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from author_tui.errors import ModelError

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


def default_threads() -> int:
    """All cores, capped: llama.cpp gains little past 8 threads on CPU and the TUI needs some room."""
    return max(1, min(os.cpu_count() or 1, 8))


def llama_command(model_path: Path, *, alias: str, n_ctx: int = 4096, threads: int | None = None) -> Command:
    """The llama.cpp server command for `model_path`, as a function of the port."""
    threads = threads or default_threads()

    def command(port: int) -> list[str]:
        return [
            sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", alias,
            "--host", HOST, "--port", str(port), "--n_ctx", str(n_ctx),
            "--n_threads", str(threads), "--n_threads_batch", str(threads),
            # The server's default keeps logits for every prompt position (n_ctx x 152k vocab floats):
            # 2.5 GB at 4096 tokens, for log-probs nobody asks for. Off: 0.75 GB instead of 1.95 GB
            # after a 1,000-token prompt (measured).
            "--logits_all", "false",
        ]

    return command


def llama_env() -> dict[str, str]:
    """Environment for llama.cpp. Its OpenMP threads spin while waiting by default, which collapses
    generation when the cores are shared (measured on 2 busy cores: 1 token/s spinning, 13 passive)."""
    return {"OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}


def llama_server(model_path: Path, *, alias: str, n_ctx: int = 4096, threads: int | None = None,
                 port: int | None = None, startup_timeout: float = 120.0,
                 log_path: Path | None = None) -> LocalServer:
    """An unstarted LocalServer running llama.cpp on `model_path`."""
    return LocalServer(llama_command(model_path, alias=alias, n_ctx=n_ctx, threads=threads), env=llama_env(),
                       port=port, startup_timeout=startup_timeout, log_path=log_path)


def require_llama_cpp() -> None:
    """Fail early, with the fix, when the [local] extra is not installed."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelError(
            "the embedded model needs llama-cpp-python, which is not installed",
            hint="pip install 'author-tui[local]', or set base_url / OPENAI_BASE_URL to use an endpoint",
        )


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
        return self

    def _spawn(self) -> None:
        self.port = self._fixed_port or free_port()
        read_fd, self._watch_w = os.pipe()  # both ends non-inheritable unless passed on purpose
        path = os.pathsep.join(filter(None, [str(_PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
        env = {**os.environ, **self._extra_env, "PYTHONPATH": path}
        command = self._command(self.port)
        supervisor = [sys.executable, "-m", "author_tui.llm.supervisor", "--watch-fd", str(read_fd), "--", *command]
        try:
            self._log = self._open_log()
            self._proc = subprocess.Popen(
                supervisor, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
                pass_fds=(read_fd,), env=env,
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
                tail = self.log_tail()
                self.stop()
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

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


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


# --- the process's embedded server, started on demand -------------------------------------------------

_lock = threading.Lock()  # TUI workers may ask for the server at the same time
_current: tuple[Path, LocalServer] | None = None


def model_for(settings: object | None) -> Path:
    """The GGUF file the settings ask for (assembled on first use); tests replace this and server_for."""
    from author_tui.llm.local_model import resolve_model_path

    require_llama_cpp()  # before assembling hundreds of MB for a runtime that is not there
    return resolve_model_path(settings)


def server_for(settings: object | None, model: Path, port: int | None) -> LocalServer:
    """The unstarted llama.cpp server for `model`."""
    from author_tui.llm.local_model import model_alias

    n_ctx = int(getattr(settings, "local_context_size", 4096) or 4096)
    return llama_server(model, alias=model_alias(settings), n_ctx=n_ctx, port=port)


def ensure_local_server(settings: object | None = None) -> str:
    """Base URL (`http://127.0.0.1:PORT/v1`) of this process's embedded server, started on first use.

    The server is started once and reused. If it died, it is started again on the same port when possible,
    so clients already built on its URL work again; if the settings name another model file, it is
    replaced.
    """
    global _current
    with _lock:
        model = model_for(settings)
        port = None
        if _current and _current[0] == model:
            if _current[1].alive:
                return _current[1].url
            logger.warning("the embedded model server ended unexpectedly; restarting it. Its last output:\n%s",
                           _current[1].log_tail())
            port = _current[1].port
        if _current:
            _current[1].stop()
        _current = (model, _start(settings, model, port))
        return _current[1].url


def _start(settings: object | None, model: Path, port: int | None) -> LocalServer:
    if port is not None:
        try:
            return server_for(settings, model, port).start()
        except ModelError:  # the port was taken in the meantime
            pass
    return server_for(settings, model, None).start()


def stop_local_server() -> None:
    """Stop this process's embedded server, if one runs (it would be stopped at exit anyway)."""
    global _current
    with _lock:
        if _current:
            _current[1].stop()
        _current = None

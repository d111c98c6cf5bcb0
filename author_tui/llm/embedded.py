"""This process's embedded model: llama.cpp's server on the assembled weights, started on first use and
reused, and remembered as crashed once it crashed for good (so nothing restarts it in a loop).

Why apart from local_server: that module runs *a* server child safely (supervisor, readiness, crash
reports); this one decides *which* server the tool runs (the llama.cpp command, its environment, the model
file) and keeps the one per process that every command and the TUI share.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
from pathlib import Path

from author_tui.errors import EmbeddedModelCrashed, ModelError
from author_tui.llm import runtime
from author_tui.llm.local_server import HOST, Command, LocalServer

logger = logging.getLogger(__name__)


def default_threads() -> int:
    """All cores, capped: llama.cpp gains little past 8 threads on CPU and the TUI needs some room."""
    return max(1, min(os.cpu_count() or 1, 8))


def llama_command(model_path: Path, *, alias: str, n_ctx: int = 4096, threads: int | None = None,
                  python: str = sys.executable) -> Command:
    """The llama.cpp server command for `model_path`, as a function of the port. `python` picks the venv
    whose llama-cpp-python build runs it (bench/model.py --speed compares builds)."""
    threads = threads or default_threads()

    def command(port: int) -> list[str]:
        return [
            python, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", alias,
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
                       port=port, startup_timeout=startup_timeout, log_path=log_path, warm_up=alias)


def require_llama_cpp() -> None:
    """Fail early, with the fix, when the [local] extra is not installed."""
    if importlib.util.find_spec("llama_cpp") is None:
        raise ModelError(
            "the embedded model needs llama-cpp-python, which is not installed",
            hint="pip install 'author-tui[local]', or set base_url / OPENAI_BASE_URL to use an endpoint",
        )


# --- the process's embedded server, started on demand -------------------------------------------------

_lock = threading.Lock()  # TUI workers may ask for the server at the same time
_current: tuple[Path, LocalServer] | None = None
_crashed: dict[Path, EmbeddedModelCrashed] = {}  # builds that crashed for good: not started again


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
        if model in _crashed:
            raise _crashed[model]
        port = None
        if _current and _current[0] == model:
            if _current[1].alive:
                return _current[1].url
            if _current[1].crashes():  # the supervisor gave up: the second crash in a row
                _crashed[model] = runtime.crashed(_current[1].crashes()[-1], first_request=False)
                raise _crashed[model]
            logger.warning("the embedded model server ended unexpectedly; restarting it. Its last output:\n%s",
                           _current[1].log_tail())
            port = _current[1].port
        if _current:
            _current[1].stop()
        try:
            _current = (model, _start(settings, model, port))
        except EmbeddedModelCrashed as error:
            _crashed[model] = error
            raise
        return _current[1].url


def crash_report(url: str) -> EmbeddedModelCrashed | None:
    """Why a request to `url` failed, if `url` is this process's embedded server and it crashed."""
    with _lock:
        server = _current[1] if _current else None
    if server is None or not url.startswith(server.url):
        return None
    return server.crash_error()


def _start(settings: object | None, model: Path, port: int | None) -> LocalServer:
    if port is not None:
        try:
            return server_for(settings, model, port).start()
        except EmbeddedModelCrashed:
            raise
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

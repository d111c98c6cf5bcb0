"""The embedded server's supervisor: a tiny process between author-tui and llama.cpp.

Why a process of its own: the server must die with the app however the app ends (exit, Ctrl-C, kill -9).
PR_SET_PDEATHSIG armed from the app would fire when the app's starting *thread* ends, not its process; so
`LocalServer` starts this supervisor, which watches a pipe from the app (EOF: the app is gone), arms
PDEATHSIG for llama.cpp from its own single thread, and restarts a server that crashed, once: a second
crash in a row is final (a llama.cpp built for another CPU crashes on every request, and restarting it
forever only hides that). Each crash is also written as a JSON line to `--status-fd`, so the app can name
it ("crashed (signal 11)") instead of reporting a server it cannot reach.

    python -m author_tui.llm.supervisor --watch-fd FD [--status-fd FD] -- COMMAND...
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence

PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A preexec_fn that makes the child get SIGKILL when `parent` dies (Linux only; else None)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before fork: nothing to load in the child

    def arm() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the parent died before the signal was armed
            os._exit(1)

    return arm


CRASH_RESTARTS = 1  # the second crash is final: a build that crashes on every request, asked now and then,
CRASH_WINDOW = float("inf")  # would otherwise be restarted forever however far apart the requests come
CRASH_EXIT_BASE = 128  # a final crash ends the supervisor with 128 + signal, as a shell reports it


def supervise(watch_fd: int, command: Sequence[str], grace: float = 5.0, status_fd: int | None = None) -> int:
    """Run `command` until `watch_fd` reaches EOF (parent gone) or we get a stop signal.

    A server killed by a signal we did not send (llama.cpp segfaults on some inputs, e.g. a grammar it
    cannot parse) is started again with the same command, hence on the same port: the request that
    crashed it fails, the ones after it work. A second crash ends the supervisor with 128 + the signal.
    An ordinary exit ends it with the same code.
    """
    stopping = False

    def request_stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, request_stop)
    crashes: list[float] = []
    arm = _die_with_parent(os.getpid())

    def spawn() -> subprocess.Popen[bytes]:
        return subprocess.Popen(list(command), preexec_fn=arm)

    child, started = spawn(), time.monotonic()
    while not stopping:
        if child.poll() is not None:
            code = child.returncode
            restart = _may_restart(code, crashes)
            if code < 0:
                _report(status_fd, signal=-code, uptime=round(time.monotonic() - started, 3), restart=restart)
            if not restart:
                if code < 0:
                    print(f"author-tui: the server crashed (signal {-code}) again; not starting it again",
                          file=sys.stderr, flush=True)
                    return CRASH_EXIT_BASE - code
                return code
            print(f"author-tui: the server crashed (signal {-code}); starting it again",
                  file=sys.stderr, flush=True)
            child, started = spawn(), time.monotonic()
        readable, _, _ = select.select([watch_fd], [], [], 0.2)
        if readable and not os.read(watch_fd, 64):
            break  # EOF: the parent closed its end or died
    return _stop_child(child, grace)


def _may_restart(returncode: int, crashes: list[float]) -> bool:
    """True for a crash (killed by a signal) that is not part of a crash loop; records it."""
    now = time.monotonic()
    crashes[:] = [t for t in crashes if now - t < CRASH_WINDOW] + [now]
    return returncode < 0 and len(crashes) <= CRASH_RESTARTS


def _report(status_fd: int | None, **fields: object) -> None:
    """One JSON line on the status channel, which the app reads back (LocalServer.crashes)."""
    if status_fd is not None:
        os.write(status_fd, (json.dumps(fields) + "\n").encode())


def _stop_child(child: subprocess.Popen[bytes], grace: float) -> int:
    if child.poll() is not None:
        return child.returncode
    child.terminate()
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        child.kill()  # e.g. a generation still running after SIGTERM
        child.wait()
    return 0


def _main(argv: Sequence[str]) -> int:
    status_fd = None
    if len(argv) >= 4 and argv[2] == "--status-fd":
        status_fd, argv = int(argv[3]), [*argv[:2], *argv[4:]]
    if len(argv) < 4 or argv[0] != "--watch-fd" or argv[2] != "--":
        print("usage: python -m author_tui.llm.supervisor --watch-fd FD [--status-fd FD] -- COMMAND...",
              file=sys.stderr)
        return 2
    return supervise(int(argv[1]), argv[3:], status_fd=status_fd)


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))

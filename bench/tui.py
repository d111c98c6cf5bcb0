"""How fast the authoring TUI feels: cold start to first paint, and keystroke-to-screen latency while the
model streams into another field.

Both run the real `python -m author_tui edit` in a pseudo-terminal (no tmux needed) against the scripted
OpenAI-compatible server on 127.0.0.1, and time what reaches the terminal:
- cold start: from spawning the process to the day screen's text arriving (the first screen painted);
- keystroke latency: the editor is open, "regenerate note" streams slowly into the note field, and each
  keystroke typed into the title (a character that appears nowhere else) is timed until the terminal
  receives it.
Targets: cold start <= 1.0 s; keystroke latency <= 50 ms.

    .venv/bin/python -m bench.tui [--runs 5] [--keys 30]
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from tests.support.scripted_answers import structured_content
from tests.support.scripted_server import ScriptedReply, ScriptedServer

ROOT = Path(__file__).resolve().parents[1]
DIGEST = "2025년 6월 18일\nA Paper\n(A. Author)\nAn abstract.\n짧은 노트군요.\nA short note.\n#llm"
LONG_NOTE = "긴 문맥 처리와 RoPE 스케일링을 폭넓게 비교한 논문이군요. " * 12
# Typed into the title: none of these appear in the streamed text, the status bar or the footer.
KEYS = "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ"


class Terminal:
    """A child process on a pty of a fixed size; everything it writes is collected."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path, size: tuple[int, int] = (140, 45)):
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                     start_new_session=True)
        os.close(slave)
        self.master = master
        self.output = bytearray()

    def read_until(self, needle: bytes, timeout: float = 20.0, start: int = 0) -> float:
        """perf_counter time at which `needle` first appeared in the output after offset `start`."""
        deadline = time.perf_counter() + timeout
        while needle not in self.output[start:]:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(f"{needle!r} never appeared")
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    raise TimeoutError(f"the process ended before {needle!r} appeared") from None
        return time.perf_counter()

    def drain(self, seconds: float) -> None:
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            if select.select([self.master], [], [], left)[0]:
                try:
                    self.output += os.read(self.master, 65536)
                except OSError:
                    return

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        self.send(b"\x11")  # ctrl+q
        try:
            self.drain(0.5)
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def app_env(folder: Path, url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update({
        "PYTHONPATH": str(ROOT),
        "TERM": "xterm-256color",
        "AUTHOR_TUI_CONFIG": str(folder / "config.toml"),
        "AUTHOR_TUI_CACHE_DIR": str(folder / "cache"),
        "AUTHOR_TUI_DRAFTS_DIR": str(folder / "drafts"),
        "AUTHOR_TUI_BASE_URL": url,
        "AUTHOR_TUI_MODEL": "scripted",
        "AUTHOR_TUI_NO_CACHE": "true",
    })
    return env


COMMAND = [sys.executable, "-m", "author_tui", "edit", "--date", "2025-06-18"]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (Linux /proc), load-independent unlike wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cold_start(runs: int, url: str) -> tuple[list[float], list[float]]:
    """Wall seconds and CPU seconds from spawn to the day screen's text reaching the terminal."""
    times, cpu = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            term = Terminal(COMMAND, app_env(Path(tmp), url), Path(tmp))
            painted = term.read_until(b"No entries yet")
            cpu.append(cpu_seconds(term.proc.pid))
            times.append(painted - term.started)
            term.close()
    return times, cpu


def keystroke_latency(keys: int, server: ScriptedServer, url: str, stream: bool = True) -> tuple[list[float], bool]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "drafts").mkdir()
        (folder / "drafts" / "2025-06-18.txt").write_text(DIGEST, encoding="utf-8")
        term = Terminal(COMMAND, app_env(folder, url), folder)
        term.read_until(b"(ready)")
        term.send(b"\r")  # open the entry
        term.read_until(b"Preview")
        term.drain(0.3)
        if stream:
            term.send(b"\x0e")  # ctrl+n: regenerate the note, streamed slowly
            term.read_until("긴 문맥".encode(), start=len(term.output))
        term.send(b"\x1b[Z" * 3)  # shift+tab from the note back to the title
        term.send(b"\x1b[F")  # end
        term.drain(0.2)
        latencies = []
        for char in KEYS[:keys]:
            mark = len(term.output)
            sent = time.perf_counter()
            term.send(char.encode())
            latencies.append(term.read_until(char.encode(), timeout=5, start=mark) - sent)
            term.drain(0.03)
        still_streaming = server.in_flight > 0  # the stream outlasted the typing
        term.close()
    return latencies, still_streaming


def streaming_responder(body: dict) -> ScriptedReply:
    values = {"note": LONG_NOTE, "english": "A long note.", "tags": ["llm"], "new_tags": []}
    return ScriptedReply(content=structured_content(body, values), chunk_delay=0.08)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="cold starts to time")
    parser.add_argument("--keys", type=int, default=30, help=f"keystrokes to time (at most {len(KEYS)})")
    args = parser.parse_args(argv)
    with ScriptedServer(responder=streaming_responder, chunk_size=4) as server:
        starts, cpu = cold_start(args.runs, server.url)
        keys = min(args.keys, len(KEYS))
        idle, _ = keystroke_latency(keys, server, server.url, stream=False)
        latencies, streaming = keystroke_latency(keys, server, server.url)
    ms, idle_ms = sorted(t * 1000 for t in latencies), sorted(t * 1000 for t in idle)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    print(f"cold start to first paint: median {statistics.median(starts):.2f} s, "
          f"min {min(starts):.2f} s, max {max(starts):.2f} s over {len(starts)} runs (target <= 1.0 s); "
          f"CPU time to first paint: median {statistics.median(cpu):.2f} s")
    print(f"keystroke to screen while streaming: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, "
          f"max {ms[-1]:.1f} ms over {len(ms)} keys (target <= 50 ms); stream still running at the end: "
          f"{'yes' if streaming else 'no'}")
    print(f"keystroke to screen, nothing streaming (baseline): median {statistics.median(idle_ms):.1f} ms; "
          f"while streaming / baseline: {statistics.median(ms) / statistics.median(idle_ms):.2f}x")
    print(f"machine load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Throughput of `author-tui translate` against the scripted loopback server with a fixed latency per request.

With latency L per request, N notes and C requests in flight, the ideal wall time is N·L/C: whatever the
run takes beyond that is the tool's own overhead (threads, the openai client, parsing, fsync'd writes).
Reported per (L, C): wall time, efficiency = ideal / wall (target >= 90 %), the CPU the tool and the server
spent, then a rerun over the translated files and a run over fresh copies with the same cache (both must
send 0 requests), and at the end the peak RSS and a table saying which (L, C) meet the target.

    .venv/bin/python bench/batch.py [--n 500] [--latency 0.05 0.2 1] [--concurrency 8 32] [--in-process]

The server runs in a child process, so its threads do not compete with the tool for this interpreter's GIL
(a real endpoint is another machine), but it does share the machine's cores: its CPU per request is printed.
`--in-process` keeps it here. A warm-up run of a few notes comes first, so the timed runs measure
throughput, not the one-off import of the command's modules (which a cold start pays once: printed too).
The machine's load average is printed with each run: on a shared machine the figures move with it.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from author_tui.cli import main  # noqa: E402
from tests.batch.fakes import translating  # noqa: E402
from tests.support.scripted_server import ScriptedServer  # noqa: E402

TARGET = 0.90


def write_notes(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        (folder / f"25{n // 28 % 12 + 1:02d}{n % 28 + 1:02d} Paper {n:04d}.md").write_text(
            f"https://arxiv.org/abs/2501.{n:05d}\n\n*Paper {n}* (Author {n})\n\n> Abstract {n}.\n\n"
            f"{n}번 논문의 노트입니다. LoRA-{n} 변형으로 {n % 7 + 1}B 모델에서 2배 빠르다고 하네요.\n\n#misc")


class Counter:
    """The server's request counter and CPU time, whether it runs here or in a child process."""

    def __init__(self, server: ScriptedServer | None, remote: object | None) -> None:
        self.server, self.remote = server, remote

    def ask(self, what: str) -> float:
        if self.server is not None:
            return {"total": self.server.total, "cpu": 0.0}[what]  # in process: its CPU is the tool's
        self.remote.send(what)  # type: ignore[attr-defined]
        return float(self.remote.recv())  # type: ignore[attr-defined]

    @property
    def total(self) -> int:
        return int(self.ask("total"))


def _serve(latency: float, pipe: object) -> None:
    with ScriptedServer(responder=translating(), latency=latency) as server:
        pipe.send(server.url)  # type: ignore[attr-defined]
        while (command := pipe.recv()) != "stop":  # type: ignore[attr-defined]
            answers = {"total": server.total, "max": server.max_in_flight, "cpu": time.process_time()}
            pipe.send(json.dumps(answers[command]))  # type: ignore[attr-defined]


@contextlib.contextmanager
def server(latency: float, in_process: bool) -> Iterator[tuple[str, Counter]]:
    if in_process:
        with ScriptedServer(responder=translating(), latency=latency) as local:
            yield local.url, Counter(local, None)
        return
    here, there = multiprocessing.Pipe()
    child = multiprocessing.Process(target=_serve, args=(latency, there), daemon=True)
    child.start()
    try:
        yield str(here.recv()), Counter(None, here)
    finally:
        here.send("stop")
        child.join(5)


def translate(folder: Path, url: str, concurrency: int) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of this process, and the command's summary line."""
    argv = ["translate", str(folder), "--base-url", url, "--concurrency", str(concurrency), "--quiet"]
    out = io.StringIO()
    started, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if code != 0:
        raise SystemExit(f"translate failed ({code}): {out.getvalue()}")
    return seconds, cpu, out.getvalue().strip()


@dataclass
class Figures:
    latency: float
    concurrency: int
    efficiency: float
    cpu_ms: float  # the tool's CPU per entry
    load: float  # the machine's 1-minute load average when the run started


def warm_up(work: Path, url: str) -> float:
    """A few notes through the command first: the timed runs then measure throughput, not imports."""
    write_notes(work / "warm-up", 3)
    seconds, _, _ = translate(work / "warm-up", url, 2)
    return seconds


def bench(n: int, latency: float, concurrency: int, url: str, counter: Counter, work: Path) -> Figures:
    here = work / f"L{latency:g}-C{concurrency}"
    notes, fresh = here / "notes", here / "fresh"
    write_notes(notes, n)
    shutil.copytree(notes, fresh)
    os.environ["AUTHOR_TUI_CACHE_DIR"] = str(here / "cache")
    load = os.getloadavg()[0]
    before, server_cpu = counter.total, counter.ask("cpu")
    wall, cpu, summary = translate(notes, url, concurrency)
    sent, server_cpu = counter.total - before, counter.ask("cpu") - server_cpu
    rerun, _, _ = translate(notes, url, concurrency)
    again = counter.total - before - sent
    cached, cached_cpu, _ = translate(fresh, url, concurrency)
    from_cache = counter.total - before - sent - again
    ideal = n * latency / concurrency
    print(f"L={latency * 1000:<5.0f}ms C={concurrency:<3} N={n}  ideal {ideal:6.2f}s  wall {wall:6.2f}s  "
          f"efficiency {ideal / wall:6.1%}  requests {sent}  (load average {load:.1f})")
    # The tool's own CPU per entry bounds its throughput whatever the concurrency: with the GIL, at most
    # 1/cpu entries per second; the run cannot beat N·cpu seconds, which is what caps the efficiency.
    print(f"       CPU in the tool: {cpu / n * 1000:.1f} ms per entry ({cached_cpu / n * 1000:.1f} ms when cached) "
          f"-> at most {n / cpu:.0f} entries/s; the ideal needs {concurrency / latency:.0f}/s; "
          f"server: {server_cpu / max(sent, 1) * 1000:.1f} ms CPU per request")
    print(f"       rerun over the translated files: {rerun:5.2f}s, {again} requests; "
          f"fresh copies, same cache: {cached:5.2f}s, {from_cache} requests")
    print(f"       {summary}")
    if again or from_cache:
        raise SystemExit("a rerun sent requests: resuming would pay twice")
    return Figures(latency, concurrency, ideal / wall, cpu / n * 1000, load)


def verdict(figures: list[Figures]) -> None:
    print(f"\nwhich meet the target (efficiency >= {TARGET:.0%}):")
    for f in figures:
        mark = "meets" if f.efficiency >= TARGET else "MISSES"
        print(f"  L={f.latency * 1000:<5.0f}ms C={f.concurrency:<3} {f.efficiency:6.1%}  {mark}"
              f"  (tool CPU {f.cpu_ms:.1f} ms/entry, load average {f.load:.1f})")


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--latency", type=float, nargs="+", default=[0.05, 0.2, 1.0],
                        help="seconds per request (default 0.05 0.2 1; a hosted model takes >= 1 s)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--in-process", action="store_true", help="run the server in this process (GIL shared)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    os.environ["AUTHOR_TUI_CONFIG"] = str(work / "absent.toml")
    os.environ["AUTHOR_TUI_CACHE_DIR"] = str(work / "warm-up-cache")
    import openai  # noqa: F401  (the baseline RSS includes the client library the runs load anyway)

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = []
    try:
        for latency in args.latency:
            with server(latency, args.in_process) as (url, counter):
                if not figures:
                    print(f"warm-up (3 notes; imports the command's modules): {warm_up(work, url):.2f}s")
                for concurrency in args.concurrency:
                    figures.append(bench(args.n, latency, concurrency, url, counter, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    where = "tool + server" if args.in_process else "tool"
    print(f"peak RSS ({where}, whole benchmark process): {peak:.0f} MiB, {peak - baseline:.0f} MiB above the "
          f"{baseline:.0f} MiB after imports")
    verdict(figures)


if __name__ == "__main__":
    main_bench()

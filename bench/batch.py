"""Throughput of `author-tui translate` against the scripted loopback server with a fixed latency per request.

With latency L per request, N notes and C requests in flight, the ideal wall time is N·L/C: whatever the
run takes beyond that is the tool's own overhead (threads, the openai client, parsing, fsync'd writes).
Reported per C: wall time, efficiency = ideal / wall (target >= 90 %), then a rerun over the translated
files and a run over fresh copies with the same cache (both must send 0 requests), and the peak RSS.

    .venv/bin/python bench/batch.py [--n 500] [--latency 0.05] [--concurrency 8 32] [--in-process]

The server runs in a child process, so its threads do not compete with the tool for this interpreter's GIL
(a real endpoint is another machine); `--in-process` keeps it here.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from author_tui.cli import main  # noqa: E402
from author_tui.llm.scripted_server import ScriptedServer  # noqa: E402
from tests.batch.fakes import translating  # noqa: E402


def write_notes(folder: Path, count: int) -> None:
    folder.mkdir(parents=True)
    for n in range(count):
        (folder / f"25{n // 28 % 12 + 1:02d}{n % 28 + 1:02d} Paper {n:04d}.md").write_text(
            f"https://arxiv.org/abs/2501.{n:05d}\n\n*Paper {n}* (Author {n})\n\n> Abstract {n}.\n\n"
            f"{n}번 논문의 노트입니다. LoRA-{n} 변형으로 {n % 7 + 1}B 모델에서 2배 빠르다고 하네요.\n\n#misc")


class Counter:
    """The server's request counter, whether it runs here or in a child process."""

    def __init__(self, server: ScriptedServer | None, remote: object | None) -> None:
        self.server, self.remote = server, remote

    @property
    def total(self) -> int:
        if self.server is not None:
            return self.server.total
        self.remote.send("total")  # type: ignore[attr-defined]
        return int(self.remote.recv())  # type: ignore[attr-defined]


def _serve(latency: float, pipe: object) -> None:
    with ScriptedServer(responder=translating(), latency=latency) as server:
        pipe.send(server.url)  # type: ignore[attr-defined]
        while (command := pipe.recv()) != "stop":  # type: ignore[attr-defined]
            pipe.send(json.dumps({"total": server.total, "max": server.max_in_flight}[command]))  # type: ignore[attr-defined]


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


def bench(n: int, latency: float, concurrency: int, in_process: bool, work: Path) -> None:
    notes, fresh = work / f"c{concurrency}" / "notes", work / f"c{concurrency}" / "fresh"
    write_notes(notes, n)
    shutil.copytree(notes, fresh)
    os.environ["AUTHOR_TUI_CACHE_DIR"] = str(work / f"c{concurrency}" / "cache")
    with server(latency, in_process) as (url, counter):
        wall, cpu, summary = translate(notes, url, concurrency)
        sent = counter.total
        rerun, _, _ = translate(notes, url, concurrency)
        again = counter.total - sent
        cached, cached_cpu, _ = translate(fresh, url, concurrency)
        from_cache = counter.total - sent - again
    ideal = n * latency / concurrency
    print(f"C={concurrency:<3} N={n} L={latency * 1000:.0f}ms  ideal {ideal:6.2f}s  wall {wall:6.2f}s  "
          f"efficiency {ideal / wall:6.1%}  requests {sent}")
    # The tool's own CPU per entry bounds its throughput whatever the concurrency: with the GIL, at most
    # 1/cpu entries per second; the run cannot beat N·cpu seconds, which is what caps the efficiency.
    print(f"       CPU in the tool: {cpu / n * 1000:.1f} ms per entry ({cached_cpu / n * 1000:.1f} ms when cached) "
          f"-> at most {n / cpu:.0f} entries/s; the ideal needs {concurrency / latency:.0f}/s")
    print(f"       rerun over the translated files: {rerun:5.2f}s, {again} requests; "
          f"fresh copies, same cache: {cached:5.2f}s, {from_cache} requests")
    print(f"       {summary}")
    if again or from_cache:
        raise SystemExit("a rerun sent requests: resuming would pay twice")


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request (default 0.05)")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--in-process", action="store_true", help="run the server in this process (GIL shared)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    os.environ["AUTHOR_TUI_CONFIG"] = str(work / "absent.toml")
    import openai  # noqa: F401  (the baseline RSS includes the client library the runs load anyway)

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        for concurrency in args.concurrency:
            bench(args.n, args.latency, concurrency, args.in_process, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    where = "tool + server" if args.in_process else "tool"
    print(f"peak RSS ({where}, whole benchmark process): {peak:.0f} MiB, {peak - baseline:.0f} MiB above the "
          f"{baseline:.0f} MiB after imports")


if __name__ == "__main__":
    main_bench()

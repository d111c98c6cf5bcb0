"""How fast the embedded model does the three authoring tasks: time to first token, tokens/s, prompt size.

    .venv/bin/python bench/model.py [--model-size 0.5b|1.5b] [--model-path FILE] [--archive PATH] [--no-archive]
    .venv/bin/python bench/model.py --speed [--compare OTHER_VENV/bin/python]   # the build's raw tokens/s

Starts the embedded server the way the app does (ensure_local_server: assembled weights, llama.cpp on a
loopback port), then runs draft -> translate -> tags through `build_authoring` on two invented papers,
with the author's archive (../shared, when present) supplying few-shot examples and the tag vocabulary,
as in real use. Per task: prompt tokens, time to first token (TTFT, which is mostly prompt processing on a
CPU), generation tokens/s, wall time. The baseline, measured in the same process, is a bare one-line
request: the task TTFT over the baseline TTFT is what the prompt's size costs. Wall-clock figures on a
shared 2-core machine move with the neighbours' load, which is printed alongside.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from author_tui.config import load_settings  # noqa: E402
from author_tui.core.model import Entry  # noqa: E402
from author_tui.core.text import has_hangul  # noqa: E402

ARCHIVE = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-today" / "arXiv"

# Invented papers (not from the author's archive), of ordinary arXiv length.
PAPERS = [
    Entry(title="Sparse Mixture-of-Experts Routing with Load-Aware Token Dropping",
          authors="A. Researcher, B. Scientist",
          abstract="Mixture-of-Experts (MoE) language models route each token to a few experts, but "
          "imbalanced routing wastes capacity and slows training. We propose a load-aware router that "
          "drops the lowest-scoring tokens of overloaded experts and re-routes them to idle experts in a "
          "second pass. On a 7B MoE model trained on 1T tokens, the method reduces the auxiliary loss "
          "needed for balance, improves throughput by 18%, and matches the dense baseline's perplexity "
          "with 40% fewer active parameters. We release code and checkpoints."),
    Entry(title="Long-Context Retrieval Heads Are Few and Fragile",
          authors="C. Author, D. Writer",
          abstract="We study which attention heads let a transformer retrieve facts from a long context. "
          "Probing 12 open models from 1B to 70B parameters, we find that fewer than 5% of heads do the "
          "retrieval, that they emerge early in pre-training, and that pruning them collapses "
          "needle-in-a-haystack accuracy while leaving short-context benchmarks unchanged. Extending RoPE "
          "to longer contexts without preserving these heads explains several reported failures."),
]


@dataclass
class Timing:
    """What the openai stream showed for one completion request."""

    started: float
    first_token: float | None = None
    ended: float | None = None


@dataclass
class Recorder:
    """Wraps the client's `chat.completions.create` to time each stream (the bench only)."""

    clock: Callable[[], float] = time.perf_counter
    timings: list[Timing] = field(default_factory=list)

    def wrap(self, create: Callable[..., Any]) -> Callable[..., Any]:
        def timed(**kwargs: Any) -> Any:
            timing = Timing(self.clock())
            stream = create(**kwargs)  # a refused response_format raises here: not recorded
            self.timings.append(timing)
            return _TimedStream(stream, timing, self.clock)

        return timed


class _TimedStream:
    def __init__(self, stream: Any, timing: Timing, clock: Callable[[], float]) -> None:
        self._stream, self._timing, self._clock = stream, timing, clock

    def __iter__(self) -> Iterator[Any]:
        for chunk in self._stream:
            if self._timing.first_token is None and any(c.delta.content for c in chunk.choices):
                self._timing.first_token = self._clock()
            yield chunk
        self._timing.ended = self._clock()

    def close(self) -> None:
        self._stream.close()


def measure(name: str, recorder: Recorder, call: Callable[[], Any]) -> dict[str, Any] | None:
    """Run one task; its figures from the recorded streams and the reply's usage (None: it failed)."""
    from author_tui.errors import ModelError

    recorder.timings.clear()
    started = time.perf_counter()
    try:
        result = call()
    except ModelError as error:
        print(f"  {name} FAILED after {time.perf_counter() - started:.1f} s: {error}")
        return None
    wall = time.perf_counter() - started
    streams = [t for t in recorder.timings if t.first_token is not None and t.ended is not None]
    if not streams:
        print(f"  {name}: no streamed reply was seen (has the client stopped streaming?)")
        return None
    first = streams[0]
    generating = sum(t.ended - t.first_token for t in streams if t.ended and t.first_token)
    usage = result.usage
    return {
        "task": name, "prompt": usage.prompt_tokens, "completion": usage.completion_tokens,
        "requests": len(recorder.timings), "ttft": (first.first_token or 0) - first.started,
        "tok_s": (usage.completion_tokens - len(streams)) / generating if generating else float("nan"),
        "wall": wall, "value": result.value, "warnings": [str(w) for w in result.warnings],
    }


def server_rss_mb(url: str) -> float:
    """Resident memory of the llama.cpp process listening behind `url` (Linux /proc)."""
    port = url.rsplit(":", 1)[1].split("/")[0].encode()
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0") if entry.name.isdigit() else []
            # the server itself, not its supervisor (whose command line holds the server's after --watch-fd)
            if argv[1:3] == [b"-m", b"llama_cpp.server"] and port in argv:
                status = (entry / "status").read_text()
                return int(status.split("VmRSS:")[1].split()[0]) / 1024
        except (OSError, IndexError):
            continue
    return float("nan")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-size", choices=["0.5b", "1.5b"], default="0.5b")
    parser.add_argument("--model-path", type=Path, help="any GGUF file instead of the packaged model")
    parser.add_argument("--archive", type=Path, default=ARCHIVE, help="past notes for examples and tags")
    parser.add_argument("--no-archive", action="store_true", help="no few-shot examples, no vocabulary")
    parser.add_argument("--papers", type=int, default=len(PAPERS), help="how many of the papers to run")
    parser.add_argument("--speed", action="store_true",
                        help="only the runtime's raw speed: prompt and generation tokens/s of this llama.cpp build")
    parser.add_argument("--compare", metavar="PYTHON", action="append", default=[],
                        help="with --speed: also the build in the venv of this python (e.g. a native build)")
    return parser.parse_args()


def model_file(args: argparse.Namespace) -> Path:
    """The GGUF file to serve, assembling the packaged weights into the user's cache on first use."""
    from types import SimpleNamespace

    from author_tui.llm.local_model import cache_dir, resolve_model_path

    view = SimpleNamespace(local_model=args.model_size, local_model_path=args.model_path,
                           cache_dir=cache_dir(load_settings()))
    return resolve_model_path(view)


def main() -> int:
    args = parse_args()
    if args.speed:
        return compare_builds(model_file(args), [sys.executable, *args.compare])
    from author_tui.llm import build_authoring
    from author_tui.llm.embedded import ensure_local_server, stop_local_server
    from author_tui.store.archive import load_archive

    model = model_file(args)
    scratch = Path(tempfile.mkdtemp(prefix="bench-model-"))  # reply cache and endpoint memory: cold
    settings = load_settings(local_model_path=model, cache_dir=scratch, no_cache=True)
    docs = [] if args.no_archive or not args.archive.exists() else load_archive(args.archive)
    print(f"model {model.name} ({model.stat().st_size / 1e6:.0f} MB), {os.cpu_count()} cores, "
          f"archive: {len(docs)} notes", flush=True)

    started = time.perf_counter()
    url = ensure_local_server(settings)
    print(f"server start: {time.perf_counter() - started:.2f} s, RSS {server_rss_mb(url):.0f} MB")
    try:
        run_tasks(build_authoring(settings, docs), url, args.papers)
    finally:
        stop_local_server()
    return 0


def run_tasks(authoring: Any, url: str, papers: int) -> None:
    recorder = Recorder()
    client = authoring.client
    client._openai.chat.completions.create = recorder.wrap(client._openai.chat.completions.create)
    baseline = _baseline(client, recorder)
    rows = []
    for paper in PAPERS[:papers]:
        # on_delta: stream, as the TUI does (without it the client makes one plain call: no TTFT to see)
        draft = measure("draft", recorder, partial(authoring.draft_note, paper, on_delta=_ignore))
        if draft is None:
            continue
        entry = paper.model_copy(update={"note": draft["value"].note})
        translated = measure("translate", recorder, partial(authoring.translate, entry, on_delta=_ignore))
        tags = measure("tags", recorder, partial(authoring.suggest_tags, entry, on_delta=_ignore))
        done = [row for row in (draft, translated, tags) if row is not None]
        rows += done
        _show_outputs(done, authoring)
    _print_table(rows, baseline)
    print(f"server RSS after the tasks: {server_rss_mb(url):.0f} MB; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


def _ignore(text: str) -> None:
    pass


def _baseline(client: Any, recorder: Recorder) -> float:
    """TTFT of a one-line request: the fixed cost every task pays before its prompt's size."""
    recorder.timings.clear()
    stream = client._openai.chat.completions.create(
        model=client.options.model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=4,
        stream=True, temperature=0)
    for _ in stream:
        pass
    timing = recorder.timings[0]
    return (timing.first_token or timing.started) - timing.started


def _show_outputs(rows: list[dict[str, Any]], authoring: Any) -> None:
    vocabulary = authoring.tags.vocabulary if authoring.tags else {}
    for row in rows:
        value = row["value"]
        if row["task"] == "draft":
            print(f"  note ({'Hangul' if has_hangul(value.note) else 'NO HANGUL'}): {value.note[:120]}")
        elif row["task"] == "translate":
            print(f"  english: {value.english[:120]}")
        else:
            known = sum(tag in vocabulary for tag in value.tags)
            print(f"  tags: {' '.join('#' + t for t in value.tags)} ({known}/{len(value.tags)} in the vocabulary)")
        for warning in row["warnings"]:
            print(f"  warning: {warning}")


def _print_table(rows: list[dict[str, Any]], baseline: float) -> None:
    print(f"\nbaseline TTFT (one-line prompt): {baseline:.2f} s")
    print(f"{'task':<10}{'prompt tok':>11}{'out tok':>9}{'requests':>9}{'TTFT s':>8}{'x base':>8}"
          f"{'gen tok/s':>10}{'wall s':>8}")
    for name in ("draft", "translate", "tags"):
        mine = [row for row in rows if row["task"] == name]
        if not mine:
            print(f"{name:<10}(failed)")
            continue
        med = {key: statistics.median(row[key] for row in mine)
               for key in ("prompt", "completion", "requests", "ttft", "tok_s", "wall")}
        print(f"{name:<10}{med['prompt']:>11.0f}{med['completion']:>9.0f}{med['requests']:>9.0f}"
              f"{med['ttft']:>8.2f}{med['ttft'] / baseline:>8.1f}{med['tok_s']:>10.1f}{med['wall']:>8.1f}")
    print("(medians over the papers; prompt/out tokens summed over a task's requests, incl. a repair)")


# --- --speed: the llama.cpp build itself, no prompts of ours -------------------------------------------------

FILLER = ("Mixture-of-Experts language models route each token to a few experts; imbalanced routing wastes "
          "capacity, and a load-aware router re-routes the dropped tokens in a second pass. ") * 14


def compare_builds(model: Path, pythons: list[str]) -> int:
    """Prompt (prefill) and generation tokens/s of each venv's llama.cpp build, the first as the baseline.
    All servers run at once and are measured in turns, run by run, so a change in the neighbours' load
    hits every build alike."""
    import httpx2

    from author_tui.llm.embedded import llama_command, llama_env
    from author_tui.llm.local_server import LocalServer
    from author_tui.llm.runtime import system_info

    infos = [system_info(python) for python in pythons]
    servers = [LocalServer(llama_command(model, alias="bench", python=python), env=llama_env(), warm_up="bench")
               for python in pythons]
    speeds: list[list[tuple[float, float]]] = [[] for _ in pythons]
    try:
        with httpx2.Client(timeout=300) as http:
            for server in servers:
                server.start()
            for run in range(3):
                for index, server in enumerate(servers):
                    prefill = _prefill_speed(http, server.url, run)
                    speeds[index].append((prefill, _generation_speed(http, server.url, run)))
    finally:
        for server in servers:
            server.stop()
    medians = [(statistics.median(p for p, _ in runs), statistics.median(g for _, g in runs)) for runs in speeds]
    base = medians[0]
    print(f"\n{'build (python)':<44}{'prompt tok/s':>13}{'gen tok/s':>10}{'x prompt':>9}{'x gen':>7}")
    for python, (prompt, gen), info in zip(pythons, medians, infos, strict=True):
        print(f"{python[-44:]:<44}{prompt:>13.1f}{gen:>10.1f}{prompt / base[0]:>9.2f}{gen / base[1]:>7.2f}")
        print(f"    {info.strip()}")
    print(f"(medians of 3 interleaved runs; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    return 0


def _prefill_speed(http: Any, url: str, run: int) -> float:
    # A new first line each run: llama.cpp reuses a cached prefix, which would hide the prefill.
    body = {"model": "bench", "max_tokens": 1, "temperature": 0,
            "messages": [{"role": "user", "content": f"Run {run}: {time.time()}\n{FILLER}"}]}
    started = time.perf_counter()
    reply = http.post(f"{url}/chat/completions", json=body).json()
    return float(reply["usage"]["prompt_tokens"]) / (time.perf_counter() - started)


def _generation_speed(http: Any, url: str, run: int) -> float:
    body = {"model": "bench", "max_tokens": 96, "temperature": 0, "stream": True,
            "messages": [{"role": "user", "content": f"({run}) Count from 1 to 300, separated by commas."}]}
    stamps = []
    with http.stream("POST", f"{url}/chat/completions", json=body) as response:
        for line in response.iter_lines():
            if line.startswith("data: {") and '"content"' in line:
                stamps.append(time.perf_counter())
    return (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0


if __name__ == "__main__":
    sys.exit(main())

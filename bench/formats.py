"""How fast the two formats read and write, against a bare `str.splitlines()` of the same text, same run.

    .venv/bin/python bench/formats.py [--entries 20000] [--repeat 3] [--corpus PATH]

1. A synthetic digest of 20,000 entries (10 a day, abstracts of arXiv length, Korean notes, English,
   tags), built deterministically: digest.parse and digest.render, each against splitlines (target <= 10x).
2. The author's vault (../shared/corpus, when present): vault.parse + render of every note, reading the
   entry fields, and store.archive.load_archive with its file I/O, against splitlines of the same texts.
Each figure is CPU time (time.process_time), the best of --repeat runs: on a shared 2-core machine wall
time mostly measures the neighbours.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

from author_tui.core import digest, vault
from author_tui.core.model import Day, Digest, Entry
from author_tui.store.archive import load_archive

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-today" / "arXiv"
WORDS = ["model", "training", "reasoning", "scaling", "tokens", "attention", "diffusion", "reward", "data",
         "language", "vision"]
KOREAN = ["모델", "학습", "추론", "데이터", "결과", "방법", "연구", "흥미롭네요", "나왔군요", "성능"]


def best(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return min(times)


def synthetic_digest(entries: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)

    def words(pool: list[str], n: int) -> str:
        return " ".join(rng.choice(pool) for _ in range(n))

    days = []
    start = dt.date(2020, 1, 1)
    for d in range(0, entries, 10):
        day = Day(date=start + dt.timedelta(days=d // 10))
        for _ in range(min(10, entries - d)):
            day.entries.append(Entry(
                title=words(WORDS, 8).title(), authors=", ".join(words(WORDS, 2).title() for _ in range(6)),
                abstract=words(WORDS, 170) + ".", note=words(KOREAN, 20) + ".\n" + words(KOREAN, 12) + ".",
                english=words(WORDS, 30) + ".", tags=rng.sample(WORDS, 2)))
        days.append(day)
    return digest.render(Digest(days=days))


def report(label: str, seconds: float, baseline: float) -> None:
    print(f"  {label:<34} {seconds * 1000:9.1f} ms   {seconds / baseline:7.1f}x splitlines")


def bench_digest(entries: int, repeat: int) -> float:
    data = synthetic_digest(entries)
    text = data.decode("utf-8")
    parsed = digest.parse(data)
    assert digest.render(parsed) == data
    base = best(text.splitlines, repeat)
    parse = best(lambda: digest.parse(data), repeat)
    render = best(lambda: digest.render(parsed), repeat)
    print(f"digest: {entries} entries, {len(text.splitlines())} lines, {len(data) / 1e6:.1f} MB")
    print(f"  {'str.splitlines (baseline)':<34} {base * 1000:9.1f} ms")
    report("digest.parse", parse, base)
    report("digest.render", render, base)
    return parse / base


def bench_corpus(root: Path, repeat: int) -> None:
    files = sorted(root.rglob("*.md"))
    blobs = [(path.name, path.read_bytes()) for path in files]
    texts = [data.decode("utf-8") for _, data in blobs]
    notes = [vault.parse(data, name) for name, data in blobs]
    assert all(note.render() == data for note, (_, data) in zip(notes, blobs, strict=True))
    base = best(lambda: [text.splitlines() for text in texts], repeat)
    print(f"vault corpus: {len(files)} notes, {sum(len(t.splitlines()) for t in texts)} lines, "
          f"{sum(len(d) for _, d in blobs) / 1e6:.1f} MB")
    print(f"  {'str.splitlines (baseline)':<34} {base * 1000:9.1f} ms")
    report("vault.parse", best(lambda: [vault.parse(data, name) for name, data in blobs], repeat), base)
    report("vault render", best(lambda: [note.render() for note in notes], repeat), base)
    report("entry fields", best(lambda: [note.entry() for note in notes if note.is_paper], repeat), base)
    report("load_archive (with file I/O)", best(lambda: load_archive([root]), repeat), base)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args(argv)
    ratio = bench_digest(args.entries, args.repeat)
    if args.corpus.is_dir():
        bench_corpus(args.corpus, args.repeat)
    else:
        print(f"vault corpus: skipped ({args.corpus} absent)")
    print(f"digest.parse / splitlines = {ratio:.1f}x (target <= 10x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

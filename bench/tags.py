"""Time-split benchmark of the tag engine against a plain TF-IDF kNN vote, run in the same process.

The archive's vocabulary drifts over the years, so a random split flatters any engine: here the engine is
built on the notes written before a date and asked to tag the notes written after it, without seeing
their tags. Two splits: validation (train < VAL_FROM <= eval < TEST_FROM) chooses the knobs; test
(train < TEST_FROM <= eval) is what gets reported.

    .venv/bin/python bench/tags.py [--corpus DIR] [--split val|test] [--tune GRID] [--ranker-coef]
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import math
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from author_tui.core.model import ArchiveDoc, Entry  # noqa: E402
from author_tui.core.retrieval import Postings, SparseVector, top_k  # noqa: E402
from author_tui.core.tag_ranker import FEATURES  # noqa: E402
from author_tui.core.tags import TagEngine, TagParams  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "arxiv-today" / "arXiv"
VAL_FROM, TEST_FROM = dt.date(2024, 10, 1), dt.date(2025, 3, 1)
KS = (1, 3, 5)

# (ranked candidate tags, chosen tags) for one entry
Predictor = Callable[[ArchiveDoc], tuple[list[str], list[str]]]


@dataclass
class Scores:
    precision: float
    recall: float
    f1: float
    at_k: dict[int, tuple[float, float]]  # k -> (P@k, R@k)
    entry_f1: float  # the same, averaged per entry rather than pooled over all tags
    entry_r5: float
    ms_per_entry: float
    build_s: float


def split(docs: Sequence[ArchiveDoc], which: str) -> tuple[list[ArchiveDoc], list[ArchiveDoc]]:
    """(train, eval): train is every note before the cut; eval the tagged notes inside the window."""
    start, end = (VAL_FROM, TEST_FROM) if which == "val" else (TEST_FROM, dt.date.max)
    train = [d for d in docs if d.date is not None and d.date < start]
    held = [d for d in docs if d.date is not None and start <= d.date < end and d.entry.tags]
    return train, held


def evaluate(held: Sequence[ArchiveDoc], predict: Predictor, build_s: float) -> Scores:
    """Micro-averaged P/R/F1 of the chosen tags, and P@k/R@k of the ranking."""
    hits = chosen_total = gold_total = 0
    hits_at = Counter[int]()
    entry_f1s, entry_r5s = [], []
    started = time.perf_counter()
    for doc in held:
        ranked, chosen = predict(doc)
        gold = set(doc.entry.tags)
        hit = len(gold & set(chosen))
        hits += hit
        chosen_total += len(chosen)
        gold_total += len(gold)
        for k in KS:
            hits_at[k] += len(gold & set(ranked[:k]))
        entry_f1s.append(_f1(hit / max(1, len(chosen)), hit / len(gold)))
        entry_r5s.append(len(gold & set(ranked[:5])) / len(gold))
    elapsed = (time.perf_counter() - started) * 1000 / max(1, len(held))
    p, r = hits / max(1, chosen_total), hits / max(1, gold_total)
    at_k = {k: (hits_at[k] / (k * max(1, len(held))), hits_at[k] / max(1, gold_total)) for k in KS}
    n = max(1, len(held))
    return Scores(p, r, _f1(p, r), at_k, sum(entry_f1s) / n, sum(entry_r5s) / n, elapsed, build_s)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def without_tags(doc: ArchiveDoc) -> Entry:
    return doc.entry.model_copy(update={"tags": []})


def engine_predictor(train: Sequence[ArchiveDoc], params: TagParams) -> tuple[Predictor, float]:
    started = time.perf_counter()
    engine = TagEngine.build(train, params)
    build_s = time.perf_counter() - started

    def predict(doc: ArchiveDoc) -> tuple[list[str], list[str]]:
        suggestion = engine.suggest(without_tags(doc), exclude=doc.key)
        return [c.tag for c in suggestion.candidates], suggestion.chosen

    return predict, build_s


WORD = re.compile(r"\w+")


def baseline_predictor(train: Sequence[ArchiveDoc], k: int = 20, n_chosen: int = 2) -> tuple[Predictor, float]:
    """The plain baseline: word TF-IDF (raw tf), cosine, the k nearest notes vote with their similarity.

    It shares only the postings arithmetic with the engine (so both run at numpy speed)."""
    started = time.perf_counter()
    tagged = [d for d in train if d.entry.tags]
    bags = [Counter(WORD.findall(_text(d.entry))) for d in tagged]
    df = Counter(w for bag in bags for w in bag)
    vocabulary = {w: i for i, w in enumerate(df)}
    idf = np.array([math.log(len(bags) / df[w]) for w in df])
    postings = Postings([_tfidf(bag, vocabulary, idf) for bag in bags], len(vocabulary))
    build_s = time.perf_counter() - started

    def predict(doc: ArchiveDoc) -> tuple[list[str], list[str]]:
        sims = postings.scores(_tfidf(Counter(WORD.findall(_text(doc.entry))), vocabulary, idf))
        votes: dict[str, float] = {}
        for i in top_k(sims, k):
            for tag in tagged[i].entry.tags:
                votes[tag] = votes.get(tag, 0.0) + float(sims[i])
        ranked = sorted(votes, key=lambda t: (-votes[t], t))
        return ranked, ranked[:n_chosen]

    return predict, build_s


def _text(entry: Entry) -> str:
    return " ".join((entry.title, entry.abstract, entry.note, entry.english)).lower()


def _tfidf(bag: Counter[str], vocabulary: dict[str, int], idf: np.ndarray) -> SparseVector:
    known = [(vocabulary[w], c) for w, c in bag.items() if w in vocabulary]
    ids = np.array([i for i, _ in known], dtype=np.int64)
    weights = np.array([c for _, c in known], dtype=np.float64) * idf[ids] if known else np.zeros(0)
    norm = float(np.linalg.norm(weights)) or 1.0
    return SparseVector(ids, (weights / norm).astype(np.float32))


def table(rows: dict[str, Scores]) -> str:
    head = f"{'engine':<10} {'P':>6} {'R':>6} {'F1':>6}" + "".join(
        f" {'P@' + str(k):>6} {'R@' + str(k):>6}" for k in KS
    ) + f" {'F1/e':>6} {'R@5/e':>6} {'ms/entry':>9} {'build s':>8}"
    lines = ["(P/R/F1, P@k/R@k pooled over all tags; F1/e and R@5/e averaged per entry)", head]
    for name, s in rows.items():
        cells = "".join(f" {p:6.3f} {r:6.3f}" for p, r in (s.at_k[k] for k in KS))
        lines.append(
            f"{name:<10} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}{cells}"
            f" {s.entry_f1:6.3f} {s.entry_r5:6.3f} {s.ms_per_entry:9.2f} {s.build_s:8.2f}"
        )
    return "\n".join(lines)


def tune(train: Sequence[ArchiveDoc], held: Sequence[ArchiveDoc], grid: dict[str, list[Any]]) -> None:
    """Sweep a grid of TagParams on a split; print each point's F1 and R@5, best last."""
    results = []
    for values in itertools.product(*grid.values()):
        params = replace(TagParams(), **dict(zip(grid, values, strict=True)))
        s = evaluate(held, *engine_predictor(train, params))
        results.append((s.f1, s.at_k[5][1], values))
        print(f"F1 {s.f1:.3f} R@5 {s.at_k[5][1]:.3f} P {s.precision:.3f} R {s.recall:.3f} "
              f"{dict(zip(grid, values, strict=True))}", flush=True)
    print("best:", max(results))


def load(corpus: Path) -> list[ArchiveDoc]:
    try:
        from author_tui.store.archive import load_archive  # type: ignore[import-not-found]
    except ImportError:  # until the archive loader lands: the throwaway one beside this file
        from bench._tmp_loader import load as tmp_load

        return tmp_load(corpus)
    return list(load_archive([corpus]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--split", choices=("val", "test"), default="test")
    parser.add_argument("--tune", metavar="GRID", help='sweep TagParams instead, e.g. \'{"k": [20, 30]}\'')
    parser.add_argument("--ranker-coef", action="store_true",
                        help="print the ranker's coefficients learned on the split's training notes")
    args = parser.parse_args(argv)
    train, held = split(load(args.corpus), args.split)
    if args.ranker_coef:
        ranker = TagEngine.build(train).ranker
        print(dict(zip(FEATURES, np.round(ranker.coef, 2).tolist(), strict=True)), f"learned={ranker.learned}")
        return 0
    print(f"split={args.split}: {len(train)} train notes, {len(held)} held-out tagged notes")
    if args.tune:
        tune(train, held, json.loads(args.tune))
        return 0
    rows = {
        "baseline": evaluate(held, *baseline_predictor(train)),
        "engine": evaluate(held, *engine_predictor(train, TagParams())),
    }
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())

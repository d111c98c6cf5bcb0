"""On the author's archive, the engine beats the plain TF-IDF kNN vote on the time split (bench/tags.py)."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from author_tui.core.tags import TagEngine
from author_tui.store.archive import load_archive

pytestmark = pytest.mark.corpus
BENCH = Path(__file__).resolve().parents[2] / "bench" / "tags.py"


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_tags", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_engine_beats_the_tfidf_knn_baseline_on_the_time_split(corpus_dir: Path) -> None:
    bench = _bench()
    train, held = bench.split(load_archive([corpus_dir]), "test")
    assert len(held) > 200 and all(d.date < held[0].date for d in train)
    baseline = bench.evaluate(held, *bench.baseline_predictor(train))
    engine = bench.evaluate(held, *bench.engine_predictor(train, bench.TagParams()))
    assert engine.f1 > baseline.f1
    assert engine.at_k[5][1] > baseline.at_k[5][1]
    assert engine.entry_f1 > baseline.entry_f1 and engine.entry_r5 > baseline.entry_r5
    assert engine.f1 >= 0.65 and engine.at_k[5][1] >= 0.86  # measured 0.683 / 0.869: a regression guard


def test_whole_archive_builds_in_seconds_and_suggests_in_milliseconds(corpus_dir: Path) -> None:
    docs = load_archive([corpus_dir])
    started = time.process_time()
    engine = TagEngine.build(docs)
    assert time.process_time() - started < 30  # generous: CI machines are shared; typically a few seconds
    entry = docs[-1].entry
    started = time.process_time()
    for _ in range(20):
        engine.suggest(entry, exclude=docs[-1].key)
    assert (time.process_time() - started) / 20 < 0.1
    pairs = engine.near_duplicates()
    assert pairs and all(engine.vocabulary[a] >= engine.vocabulary[b] for a, b in pairs)

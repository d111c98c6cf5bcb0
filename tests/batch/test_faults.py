"""A run against a server where one request in five goes wrong, in every way a server can go wrong."""

from __future__ import annotations

import json
import random
import threading

from tests.batch.conftest import inserted_english, snapshot, write_digest, write_notes
from tests.batch.fakes import english_for, note_of, translating
from tests.support.scripted_server import ScriptedReply, ScriptedServer

DOOMED = " 실패"  # notes holding this always get HTTP 500: their entries must end up reported failed


def faulty(seed: int = 7, rate: float = 0.2, injected: list[int] | None = None):
    """A responder: `rate` of requests get a fault (429, 500, too slow, not JSON, cut stream, Hangul left
    in the English); notes marked DOOMED always get 500; the rest a good translation."""
    rng, lock, good = random.Random(seed), threading.Lock(), translating()
    faults = [
        lambda body: ScriptedReply.rate_limited(retry_after=0),
        lambda body: ScriptedReply.server_error(),
        lambda body: ScriptedReply.slow(3.0, good(body)),  # past the 1 s timeout
        lambda body: ScriptedReply.malformed(),
        lambda body: ScriptedReply.cut(str(good(body)), after=1),
        lambda body: translating(lambda note: "한국어가 남은 번역.")(body),  # fails the output checks
    ]

    def respond(body):
        if DOOMED in note_of(body):
            return ScriptedReply.server_error("always failing")
        with lock:
            kind = rng.randrange(len(faults)) if rng.random() < rate else None
            if kind is not None and injected is not None:
                injected.append(kind)
        return faults[kind](body) if kind is not None else good(body)

    return respond


def test_with_20_percent_faults_every_entry_ends_translated_or_reported_and_only_english_is_inserted(
        tmp_path, translate):
    notes = write_notes(tmp_path / "vault", 30, special={4: DOOMED, 17: DOOMED})
    digest_path = write_digest(tmp_path / "digest.txt", 10, special={6: DOOMED})
    before = snapshot(tmp_path)
    report_path = tmp_path.parent / "report.json"
    injected: list[int] = []
    with ScriptedServer(responder=faulty(injected=injected)) as server:
        ran = translate(tmp_path / "vault", digest_path, "--concurrency", 4, "--timeout", 1, "--max-retries", 3,
                        "--report", report_path, url=server.url)
    report = json.loads(report_path.read_text())
    # Seed 7 has drawn all six kinds by its 37th draw; the 37 entries not doomed draw at least once each.
    assert sorted(set(injected)) == [0, 1, 2, 3, 4, 5], "every kind of fault was injected"
    assert 0.1 < len(injected) / server.total < 0.35
    statuses = {(e["path"], e["line"]): e["status"] for e in report["entries"]}
    assert len(statuses) == 40 and set(statuses.values()) <= {"translated", "failed"}
    failed = {e["title"] for e in report["entries"] if e["status"] == "failed"}
    assert {"Paper 4", "Paper 17", "Digest Paper 6"} <= failed
    assert ran.code == 1 and f"{len(failed)} failed" in ran.out
    after = snapshot(tmp_path)
    for entry in report["entries"]:
        name = str(entry["path"]).removeprefix(f"{tmp_path}/")
        if name.endswith(".md"):
            translated = entry["status"] == "translated"
            assert inserted_english(before[name], after[name]) == (entry["english"].split("\n") if translated else [])
            assert not translated or entry["english"] == english_for(f"{entry['title'][6:]}번 논문의 노트. "
                                                                     f"LoRA-{entry['title'][6:]} 변형.")
    digest_english = [e["english"] for e in report["entries"] if e["path"] == str(digest_path) and e["english"]]
    assert inserted_english(before["digest.txt"], after["digest.txt"]) == digest_english
    assert len(notes) == 30


def test_after_the_faults_a_clean_rerun_ends_exactly_where_one_clean_run_does(tmp_path, translate):
    for folder in ("faulty", "clean"):
        write_notes(tmp_path / folder / "vault", 12, special={3: DOOMED})
        write_digest(tmp_path / folder / "digest.txt", 4)
    faulty_paths = (tmp_path / "faulty" / "vault", tmp_path / "faulty" / "digest.txt")
    with ScriptedServer(responder=faulty(seed=11)) as server:
        first = translate(*faulty_paths, "--timeout", 1, "--max-retries", 2, url=server.url)
    assert first.code == 1  # the doomed note at least
    with ScriptedServer(responder=translating()) as server:
        assert translate(*faulty_paths, url=server.url).code == 0
        assert translate(tmp_path / "clean" / "vault", tmp_path / "clean" / "digest.txt", url=server.url).code == 0
    # Same bytes as one uninterrupted clean run: each English inserted once, nothing duplicated or lost.
    assert snapshot(tmp_path / "faulty") == snapshot(tmp_path / "clean")

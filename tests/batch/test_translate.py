"""`author-tui translate` end to end: the real openai client against the scripted server on 127.0.0.1."""

from __future__ import annotations

import io
import json
import sys
import threading
from pathlib import Path

from author_tui.cli import main
from author_tui.core import digest, vault
from tests.batch.conftest import inserted_english, snapshot, write_notes
from tests.batch.fakes import english_for, note_of, translating
from tests.support.scripted_answers import structured_content
from tests.support.scripted_server import ScriptedServer

TO_TRANSLATE = ["vault/200130 Old Note.md", "vault/2025/250101 Modern Note.md", "vault/2025/250103 Heading.md",
                "vault/2025/250104 CRLF.md", "digest.txt", "digest-crlf.txt"]


def expected_english(path: Path, data: bytes) -> list[str]:
    """What the fake translator must have inserted into this file, in order."""
    if path.suffix == ".txt":
        notes = [e.note for e in digest.parse(data).entries() if e.has_note and not e.has_english]
    else:
        notes = [vault.digest_entry(vault.parse(data, path.name)).note]
    return [line for note in notes for line in english_for(note).split("\n")]


def test_every_korean_note_without_english_gets_exactly_its_english_and_nothing_else(files, translate, server):
    before = snapshot(files)
    ran = translate(files / "vault", *(files / name for name in ("digest.txt", "digest-crlf.txt", "bad-digest.txt")))
    after = snapshot(files)
    changed = sorted(name for name in before if before[name] != after[name])
    assert changed == sorted(TO_TRANSLATE)
    for name in changed:
        assert inserted_english(before[name], after[name]) == expected_english(files / name, before[name]), name
    assert server.total == 9
    assert ran.code == 1  # the malformed digest is a failure worth an exit status
    assert "bad-digest.txt:3: expected an authors line in parentheses" in ran.err
    assert "translated 9 of 9 entries in 6 files; 0 failed" in ran.out


def test_a_second_run_finds_nothing_to_do(files, translate, server):
    assert translate(files / "vault", files / "digest.txt").code == 0
    first, before = server.total, snapshot(files)
    ran = translate(files / "vault", files / "digest.txt")
    assert (ran.code, server.total, snapshot(files)) == (0, first, before)
    assert "translated 0 of 0 entries" in ran.out


def test_a_dry_run_counts_what_would_change_and_writes_nothing(files, translate, server):
    before = snapshot(files)
    ran = translate(files / "vault", files / "digest.txt", "--dry-run")
    assert snapshot(files) == before and server.total == 0
    assert not list(files.rglob("*.lock"))
    assert f"{files / 'digest.txt'}:14: would translate 'Reward Models Drift'" in ran.out
    assert "would translate 7 entries in 5 files; nothing written" in ran.out
    assert ran.code == 0


def test_limit_stops_after_n_entries_in_file_order(files, translate, server):
    ran = translate(files / "digest.txt", "--limit", 2)
    entries = digest.parse((files / "digest.txt").read_bytes()).entries()
    assert [e.has_english for e in entries] == [True, True, True, False]
    assert server.total == 2 and ran.code == 0


def test_force_retranslates_existing_english_in_place(files, translate):
    path = files / "vault" / "2025" / "250102 With English.md"
    old = path.read_bytes()
    assert translate(path, "--force").code == 0
    new = path.read_text()
    assert "already has English" not in new
    assert new == old.decode().replace("A note that already has English.", english_for("이미 영어가 있는 노트."))


def test_plain_style_writes_a_paragraph(files, translate, server):
    server.responder = translating(lambda note: "The authors claim a 25x speedup; the baselines look weak.")
    assert translate(files / "vault" / "2025" / "250101 Modern Note.md", "--english-style", "plain").code == 0
    text = (files / "vault" / "2025" / "250101 Modern Note.md").read_text()
    assert text.endswith("보이네요.\n\nThe authors claim a 25x speedup; the baselines look weak.\n\n#efficiency")


def test_the_report_has_every_entry_with_status_tokens_and_warnings(files, translate, server, tmp_path):
    server.responder = translating(lambda note: "A translation that drops every term of the note.")
    ran = translate(files / "digest.txt", "--report", tmp_path / "run.json")
    report = json.loads((tmp_path / "run.json").read_text())
    first = report["entries"][0]
    assert [e["line"] for e in report["entries"]] == [2, 14, 20]
    assert first["status"] == "translated" and first["retried"] is True
    assert any("MoE" in w for w in first["warnings"])  # kept, with the warning, after one retry
    assert first["tokens"]["requests"] == 2 and first["tokens"]["prompt_tokens"] > 0
    assert report["totals"]["requests"] == server.total == 6
    assert "warning:" in ran.err and ran.code == 0


def test_one_retry_when_a_check_fails_and_the_retry_is_cached_too(files, translate, server, tmp_path):
    asked: set[str] = set()

    def respond(body):  # a bad first answer to each note; the retry (which names the problem) is good
        note = note_of(body)
        bad = note not in asked
        asked.add(note)
        return structured_content(body, {"english": "Hangul 한국어 left in." if bad else english_for(note)})

    server.responder = respond
    pristine = (files / "digest.txt").read_bytes()
    assert translate(files / "digest.txt").code == 0
    assert server.total == 6
    assert inserted_english(pristine, (files / "digest.txt").read_bytes()) == expected_english(
        files / "digest.txt", pristine)
    (files / "digest.txt").write_bytes(pristine)  # the same work again: every answer from the cache
    assert translate(files / "digest.txt").code == 0 and server.total == 6


def test_english_that_cannot_be_written_fails_its_entry_and_leaves_the_file(files, translate, server):
    server.responder = translating(lambda note: "First line.\n#looks-like-tags")
    before = snapshot(files)
    ran = translate(files / "digest.txt")
    assert snapshot(files) == before
    assert ran.code == 1 and "reads as a tags line" in ran.err
    assert "0 of 3 entries" in ran.out and "3 failed" in ran.out


def test_concurrency_bounds_the_requests_in_flight(files, translate, tmp_path):
    folder = tmp_path / "many"
    for n in range(12):
        (folder / f"2501{n + 10:02d} Note {n}.md").parent.mkdir(exist_ok=True)
        (folder / f"2501{n + 10:02d} Note {n}.md").write_text(f"*Note {n}*\n\n노트 번호 {n}입니다.\n\n#misc")
    with ScriptedServer(responder=translating(), latency=0.15) as slow:
        assert translate(folder, "--concurrency", 3, url=slow.url).code == 0
        assert (slow.total, slow.max_in_flight) == (12, 3)


def test_a_file_changed_during_the_run_is_not_written(files, translate, server):
    path = files / "vault" / "2025" / "250101 Modern Note.md"
    edited = path.read_bytes() + b"\n\nThe author's own edit."
    written = threading.Event()

    def respond(body):
        if "25배" in note_of(body) and not written.is_set():
            path.write_bytes(edited)  # the author saves the note while its translation is in flight
            written.set()
        return translating()(body)

    server.responder = respond
    ran = translate(files / "vault")
    assert path.read_bytes() == edited
    assert ran.code == 1 and "changed on disk since it was read" in ran.err
    assert "translated 3 of 4 entries" in ran.out


def test_with_force_an_entry_is_never_its_own_few_shot_example(files, translate, server):
    """Through the archive key the translator passes and retrieval's same-paper rule, either suffices."""
    old = "A recipe for extending to 128K with RoPE scaling."
    assert translate(files / "digest.txt", "--force", "--archive", files / "digest.txt").code == 0
    prompts = {note_of(body): json.dumps(body, ensure_ascii=False) for body in server.requests}
    assert old not in prompts["RoPE scaling으로 128K까지 늘리는 레시피."]
    assert any(old in prompt for prompt in prompts.values())  # it is an example for the other entries


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_progress_bar_shows_counts_failures_and_eta(files, server, monkeypatch, capsys):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["translate", str(files / "digest.txt"), "--base-url", server.url]) == 0
    shown = terminal.getvalue()
    assert "translating" in shown and "3/3" in shown and "0 failed" in shown and "ETA" in shown
    assert "translating" not in capsys.readouterr().out  # data on stdout, the bar on stderr only


def test_quiet_turns_the_progress_bar_off(files, server, monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["translate", str(files / "digest.txt"), "--base-url", server.url, "--quiet"]) == 0
    assert "translating" not in terminal.getvalue()


def test_a_run_stops_when_the_model_keeps_failing(tmp_path, translate):
    write_notes(tmp_path / "vault", 30)
    with ScriptedServer(responder=translating(), api_key="a-key-we-do-not-have") as refusing:
        ran = translate(tmp_path / "vault", "--concurrency", 1, url=refusing.url)
        assert 10 <= refusing.total <= 12  # not 30 x retries: the endpoint refuses the key every time
    assert ran.code == 1 and "stopped after 10 failures in a row" in ran.err and "refused the API key" in ran.err
    assert "translated 0 of 30 entries" in ran.out


def test_korean_echoed_back_twice_is_a_failure_and_never_written_as_english(files, translate, server):
    server.responder = translating(lambda note: note)  # a small model that copies the Korean, even on retry
    before = snapshot(files)
    ran = translate(files / "vault")
    assert snapshot(files) == before
    assert ran.code == 1 and "gave no English translation" in ran.err

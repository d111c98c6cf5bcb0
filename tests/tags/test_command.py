"""`author-tui tags`: jsonl shape, exclusion of an entry from its own neighbours, and --apply byte diffs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from author_tui.cli import main
from tests.tags.archive import note_text, write_corpus

DIGEST = """\
2025년 4월 1일
Fast object detection transformer with anchor free heads
(Ada Lovelace)
We detect objects in real time.
물체 검출 헤드를 개선했습니다.
Improves detection heads.
#vision
Policy optimization improves math reasoning
(Alan Turing)

강화학습으로 수학 추론을 개선.
#math"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "vault")


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    code = main(["tags", *map(str, args), "--no-llm"])
    out, err = capsys.readouterr()
    return code, out, err


def _jsonl(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_jsonl_has_one_object_per_entry(tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST, encoding="utf-8")
    code, out, _ = _run(capsys, digest, "--corpus", corpus, "--format", "jsonl")
    rows = _jsonl(out)
    assert code == 0
    assert [r["path"] for r in rows] == [f"{digest}#1", f"{digest}#2"]
    assert [set(r) for r in rows] == [{"path", "title", "current", "suggested", "chosen"}] * 2
    first = rows[0]
    assert first["current"] == ["vision"]
    assert first["title"] == "Fast object detection transformer with anchor free heads"
    suggested = first["suggested"]
    assert isinstance(suggested, list) and suggested[0]["tag"] == "object-detection"
    assert [s["score"] for s in suggested] == sorted((s["score"] for s in suggested), reverse=True)
    assert first["chosen"][0] == "object-detection"  # type: ignore[index]
    assert "vision" not in [s["tag"] for s in suggested]  # current tags are not looked at


def test_an_entry_in_the_corpus_is_not_its_own_neighbour(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A note whose only tag nobody else uses: were it its own neighbour, that tag would lead.
    own = corpus / "250401 Grokking in small language model training.md"
    own.write_text(note_text(99, "Grokking in small language model training", "언어 모델 그로킹.", "grokking"),
                   encoding="utf-8")
    copy = tmp_path / "copy.md"  # the same paper elsewhere: excluded by link and title
    copy.write_bytes(own.read_bytes())
    code, out, _ = _run(capsys, own, copy, "--corpus", corpus, "--format", "jsonl")
    assert code == 0
    for row in _jsonl(out):
        assert row["current"] == ["grokking"]
        assert row["suggested"][0]["tag"] != "grokking"  # type: ignore[index]
        assert "grokking" not in row["chosen"]  # type: ignore[operator]


def _changed_lines(before: bytes, after: bytes) -> list[tuple[bytes, bytes]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


@pytest.mark.parametrize("replace", [False, True], ids=["keep", "replace"])
def test_apply_on_a_digest_changes_only_tag_lines(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str], replace: bool
) -> None:
    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST, encoding="utf-8")
    before = digest.read_bytes()
    code, out, err = _run(capsys, digest, "--corpus", corpus, "--apply", *(["--replace"] if replace else []))
    after = digest.read_bytes()
    changed = _changed_lines(before, after)
    assert code == 0 and "tags written" in err
    assert changed and all(a.startswith(b"#") and b.startswith(b"#") for a, b in changed)
    first = changed[0][1].decode()
    assert "#object-detection" in first
    assert ("#vision" in first) is not replace
    assert not after.endswith(b"\n")  # the file's own ending is kept


def test_apply_on_a_vault_note_changes_only_its_tags_line(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    note = tmp_path / "250402 Diffusion Sampler.md"
    text = ("https://arxiv.org/abs/2504.00002\r\n\r\n*Fewer diffusion sampler steps for image generation* (A. B)"
            "\r\n\r\n> Diffusion models sample slowly.\r\n\r\n확산 모델 샘플링 개선.\r\n\r\n#sampling \r\n\r\n"
            "Later remark kept as written.\r\n")
    note.write_bytes(text.encode())
    code, _, _ = _run(capsys, note, "--corpus", corpus, "--apply")
    changed = _changed_lines(text.encode(), note.read_bytes())
    assert code == 0
    assert len(changed) == 1
    old, new = changed[0]
    assert old == b"#sampling \r\n" and new.startswith(b"#sampling #diffusion") and new.endswith(b"\r\n")


def test_apply_leaves_a_file_alone_when_nothing_changes(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST, encoding="utf-8")
    _run(capsys, digest, "--corpus", corpus, "--apply")
    settled = digest.read_bytes()
    mtime = digest.stat().st_mtime_ns
    code, _, err = _run(capsys, digest, "--corpus", corpus, "--apply")
    assert code == 0 and digest.read_bytes() == settled
    assert digest.stat().st_mtime_ns == mtime and "tags written" not in err


def test_table_shows_current_chosen_and_added(tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST, encoding="utf-8")
    code, out, _ = _run(capsys, digest, "--corpus", corpus)
    assert code == 0
    assert "current   #vision" in out and "added     #object-detection" in out
    assert digest.read_text(encoding="utf-8") == DIGEST  # no --apply: nothing written


def test_a_broken_file_is_reported_and_the_rest_still_tagged(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad, good = tmp_path / "bad.txt", tmp_path / "good.txt"
    bad.write_text("not a digest", encoding="utf-8")
    good.write_text(DIGEST, encoding="utf-8")
    code, out, err = _run(capsys, bad, good, "--corpus", corpus, "--format", "jsonl")
    assert code == 1
    assert "bad.txt:1" in err
    assert len(_jsonl(out)) == 2


def test_no_corpus_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST, encoding="utf-8")
    code, _, err = _run(capsys, digest)
    assert code == 1 and "no corpus" in err


def test_without_no_llm_a_model_picks_among_the_engine_candidates(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.scripted_answers import answering
    from tests.support.scripted_server import ScriptedServer

    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST, encoding="utf-8")
    with ScriptedServer(responder=answering(tags=["detr", "object-detection"], new_tags=["detr"])) as server:
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
        monkeypatch.setenv("AUTHOR_TUI_MODEL", "scripted")
        code = main(["tags", str(digest), "--corpus", str(corpus), "--format", "jsonl"])
        prompts = [json.dumps(body, ensure_ascii=False) for body in server.requests]
    rows = _jsonl(capsys.readouterr().out)
    assert code == 0 and len(prompts) == 2
    assert rows[0]["chosen"] == ["detr", "object-detection"]  # the model's pick...
    assert rows[0]["suggested"][0]["tag"] == "object-detection"  # type: ignore[index]  # ...the engine's ranking
    assert "#object-detection" in prompts[0]  # the engine's candidates reached the prompt
    assert "vision" not in prompts[0]  # the entry's current tag (#vision) never reaches the model


def test_apply_never_overwrites_a_file_changed_while_suggesting(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from author_tui.batch import planning

    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST, encoding="utf-8")
    edited = DIGEST.replace("Improves detection heads.", "Improves detection heads, edited meanwhile.")
    read = planning.read_file

    def read_then_the_author_saves_elsewhere(path: Path) -> bytes:
        data = read(path)
        digest.write_text(edited, encoding="utf-8")  # e.g. the TUI saved while the model was thinking
        return data

    monkeypatch.setattr(planning, "read_file", read_then_the_author_saves_elsewhere)
    code, _, err = _run(capsys, digest, "--corpus", corpus, "--apply")
    assert digest.read_text(encoding="utf-8") == edited
    assert code != 0 and "changed on disk since it was read" in err


def test_a_failing_model_leaves_the_engines_choice_and_the_run_goes_on(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTHOR_TUI_MAX_RETRIES", "0")
    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST, encoding="utf-8")
    # A capable-model endpoint that is not there: every model call fails after its retries.
    code = main(["tags", str(digest), "--corpus", str(corpus), "--base-url", "http://127.0.0.1:9/v1",
                 "--format", "jsonl"])
    out, err = capsys.readouterr()
    rows = _jsonl(out)
    assert len(rows) == 2 and all(row["chosen"] for row in rows)
    assert err.count("kept the engine's choice") == 2
    assert code == 0


def test_a_bad_path_stops_the_run_before_anything_is_written(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST, encoding="utf-8")
    code, _, err = _run(capsys, digest, tmp_path / "absent.txt", "--corpus", corpus, "--apply")
    assert code != 0 and "absent.txt" in err
    assert digest.read_text(encoding="utf-8") == DIGEST


def test_a_symbolic_link_loop_is_reported_and_the_rest_still_tagged(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    good = folder / "d.txt"
    good.write_text(DIGEST, encoding="utf-8")
    (folder / "250101 Loop.md").symlink_to(folder / "250101 Loop.md")
    named = tmp_path / "loop.md"
    named.symlink_to(named)
    code, out, err = _run(capsys, folder, good, named, "--corpus", corpus, "--format", "jsonl")
    assert "250101 Loop.md: a symbolic link loop" in err
    assert f"{named}: a symbolic link loop" in err and "no such file" not in err
    assert len(_jsonl(out)) == 2 and code == 1  # good.txt is named directly; the folder's .txt is not read


def test_a_read_only_file_is_not_tagged_unless_forced(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = tmp_path / "d.txt"
    digest.write_text(DIGEST, encoding="utf-8")
    digest.chmod(0o444)
    code, _, err = _run(capsys, digest, "--corpus", corpus, "--apply")
    assert digest.read_text(encoding="utf-8") == DIGEST
    assert f"{digest}: read-only, not changed" in err and code == 1
    code, _, err = _run(capsys, digest, "--corpus", corpus, "--apply", "--force")
    assert code == 0 and "tags written" in err and "#object-detection" in digest.read_text(encoding="utf-8")


def test_an_upper_case_txt_digest_is_tagged(tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digest = tmp_path / "DAY.TXT"
    digest.write_text(DIGEST, encoding="utf-8")
    code, out, _ = _run(capsys, digest, "--corpus", corpus, "--format", "jsonl")
    assert code == 0 and [row["path"] for row in _jsonl(out)] == [f"{digest}#1", f"{digest}#2"]


def test_an_unreadable_note_is_named_by_its_path(
    tmp_path: Path, corpus: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "2025"
    folder.mkdir()
    (folder / "250101 Broken.md").write_bytes(b"\xff\xfe not utf-8")
    code, _, err = _run(capsys, folder, "--corpus", corpus)
    assert f"{folder / '250101 Broken.md'}:1" in err and code == 1


def test_entries_are_shown_in_file_order_and_a_file_is_said_written_once_its_entries_are_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from author_tui.batch import Event, Outcome, Tag, plan
    from author_tui.commands.tags import InOrder

    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    for path in (first, second):
        path.write_text(DIGEST, encoding="utf-8")
    jobs = plan([first, second], Tag()).jobs
    shown = InOrder(jobs, argparse.Namespace(format="jsonl", top=3, replace=False))
    shown(Event("entry", Outcome(jobs[1], "tagged", chosen=["x"])))  # answered before the first: held back
    assert capsys.readouterr().out == ""
    shown(Event("entry", Outcome(jobs[0], "tagged", chosen=["y"])))
    shown(Event("file", path=str(first), written=True))
    out, err = capsys.readouterr()
    assert [row["path"] for row in _jsonl(out)] == [f"{first}#1", f"{first}#2"]
    assert err == f"author-tui: {first}: tags written\n"  # at once: its entries are all shown
    shown(Event("file", path=str(second), error="read-only"))
    assert capsys.readouterr().err == ""  # b.txt's entries are not shown yet
    shown.flush()
    assert capsys.readouterr().err == f"author-tui: {second}: not written (read-only)\n"
    assert shown.not_written == 1


def test_tags_help_shows_what_tags_uses(capsys) -> None:
    from author_tui.cli import main

    with pytest.raises(SystemExit):
        main(["tags", "--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "--concurrency" not in shown and "--archive" not in shown
    assert "needs a model that picks tags" in shown and "--write-read-only" in shown

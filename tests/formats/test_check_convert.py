"""`author-tui check` and `author-tui convert`, through cli.main and once as a real subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from author_tui import cli
from author_tui.core import digest, vault

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPO = Path(__file__).resolve().parents[2]
DIGEST = FIXTURES / "digest" / "two-days.txt"
MODERN = FIXTURES / "vault" / "250301 Modern Note.md"
OLD = FIXTURES / "vault" / "200301 Old Plain Title.md"


# ------------------------------------------------------------------------------------------------ check


def test_check_summarises_a_clean_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", str(FIXTURES / "vault"), str(FIXTURES / "digest")]) == 0
    out, err = capsys.readouterr()
    notes = len(list((FIXTURES / "vault").glob("*.md")))
    assert out.splitlines()[0] == f"files: {notes + 1} (1 digests, {notes} notes)"
    assert "entries: 11 (6 with English, 5 without)" in out  # 3 digest entries + 8 paper notes
    assert "tags: " in out and "#rl 2" in out
    assert f"{FIXTURES / 'vault' / 'Untitled.md'}:1: warning: not a paper note" in err


def test_check_reports_errors_with_path_and_line_and_exits_1(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("2025년 6월 18일\nTitle\nno parentheses\n", encoding="utf-8")
    assert cli.main(["check", str(bad), str(MODERN)]) == 1
    out, err = capsys.readouterr()
    assert err.startswith(f"{bad}:3: expected an authors line in parentheses")
    assert "problems: 1 errors, 0 warnings" in out


def test_check_warns_about_odd_tags_and_hides_warnings_on_request(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    odd = tmp_path / "odd.txt"
    odd.write_text("2025년 6월 18일\nT\n(A)\nabs\n노트.\n#LLM", encoding="utf-8")
    assert cli.main(["check", str(odd)]) == 0
    assert f"{odd}:2: warning: tag #LLM is not lower-case ASCII" in capsys.readouterr().err
    assert cli.main(["check", "--no-warnings", str(odd)]) == 0
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------------------------- convert


def test_convert_notes_to_stdout_in_the_order_given(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert cli.main(["convert", str(OLD), str(MODERN), "--date", "2025-03-01"]) == 0
    data = capsysbinary.readouterr().out
    parsed = digest.parse(data)
    assert data.startswith("2025년 3월 1일\nOld Plain Title: A Wrapped".encode())
    assert [e.title for e in parsed.entries()] == ["Old Plain Title: A Wrapped Title Over Two Lines",
                                                  "Modern Note: Testing the Current Layout"]
    assert parsed.entries()[1].abstract == "We study the Pass@K metric and obtain 3× gains with stable training."
    assert not data.endswith(b"\n")  # the house habit: no final newline


def test_convert_takes_the_date_from_the_names_when_they_agree(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert cli.main(["convert", str(MODERN)]) == 0
    assert capsysbinary.readouterr().out.startswith("2025년 3월 1일\n".encode())
    assert cli.main(["convert", str(MODERN), str(OLD)]) == 1
    assert "do not share one date" in capsysbinary.readouterr().err.decode()


def test_convert_appends_a_day_to_an_existing_digest_and_keeps_its_bytes(tmp_path: Path) -> None:
    out = tmp_path / "digest.txt"
    shutil.copy(DIGEST, out)
    before = out.read_bytes()
    assert cli.main(["convert", str(MODERN), "--date", "2025-03-03", "-o", str(out)]) == 0
    after = out.read_bytes()
    assert after.startswith(before + "\n2025년 3월 3일\nModern Note".encode())
    assert [day.date.day for day in digest.parse(after).days] == [1, 2, 3]


def test_convert_creates_the_digest_file(tmp_path: Path) -> None:
    out = tmp_path / "new" / "digest.txt"
    assert cli.main(["convert", str(OLD), "--date", "2025-03-01", "-o", str(out)]) == 0
    assert digest.parse(out.read_bytes()).entries()[0].tags == ["old_style", "nlp"]


def test_convert_refuses_a_note_the_digest_cannot_hold_and_writes_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "digest.txt"
    shutil.copy(DIGEST, out)
    before = out.read_bytes()
    no_tags = FIXTURES / "vault" / "Plain English Only.md"
    assert cli.main(["convert", str(MODERN), str(no_tags), "--date", "2025-03-03", "-o", str(out)]) == 1
    assert "needs at least one tag" in capsys.readouterr().err
    assert out.read_bytes() == before


def test_convert_digest_to_vault_names_notes_like_the_archive(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["convert", str(DIGEST), "--to-vault", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["250301 Modern Note.md", "250301 Second Paper.md", "250302 Third Paper.md"]
    note = vault.parse((tmp_path / "250301 Modern Note.md").read_bytes(), "250301 Modern Note.md")
    entry = digest.parse(DIGEST.read_bytes()).entries()[0]
    assert note.entry() == entry
    assert capsys.readouterr().out.splitlines()[0] == str(tmp_path / "250301 Modern Note.md")


def test_convert_to_vault_never_overwrites_without_force(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    existing = tmp_path / "250302 Third Paper.md"
    existing.write_text("mine", encoding="utf-8")
    assert cli.main(["convert", str(DIGEST), "--to-vault", str(tmp_path)]) == 1
    assert "already exist" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["250302 Third Paper.md"]  # nothing written
    assert existing.read_text(encoding="utf-8") == "mine"
    assert cli.main(["convert", str(DIGEST), "--to-vault", str(tmp_path), "--force"]) == 0
    assert existing.read_text(encoding="utf-8").startswith("*Third Paper* (Alan Turing)")


def test_help_explains_both_directions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["convert", "--help"])
    assert "--to-vault" in capsys.readouterr().out


def test_check_runs_as_a_real_command(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-m", "author_tui", "check", str(DIGEST)], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["files: 1 (1 digests, 0 notes)", "entries: 3 (2 with English, 1 without)"]

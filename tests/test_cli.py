"""The command line's own wiring: the bare command, help, and how errors reach the author."""

from __future__ import annotations

from pathlib import Path

import pytest

from author_tui import cli


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main(["--help"])
    out = capsys.readouterr().out
    assert caught.value.code == 0
    for name in cli.command_names():
        assert name in out


def test_every_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    for name in cli.command_names():
        with pytest.raises(SystemExit) as caught:
            cli.main([name, "--help"])
        assert caught.value.code == 0 and "usage: author-tui" in capsys.readouterr().out


def test_bare_options_go_to_edit(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[object] = []
    monkeypatch.setattr("author_tui.commands.edit.run", lambda args: seen.append(args.date) or 0)
    assert cli.main(["--date", "2025-06-17"]) == 0
    assert [str(date) for date in seen] == ["2025-06-17"]


def test_a_file_system_refusal_is_one_line_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    note = tmp_path / "250101 A.md"
    note.write_text("https://arxiv.org/abs/2501.00001\n\n*A* (B)\n\n한국어 노트.\n\n#x", encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = cli.main(["convert", str(note), "--date", "2025-01-01", "-o", str(blocker / "out.txt")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("author-tui: error: ") and "Traceback" not in err and "out.txt" in err


def test_a_bad_setting_is_one_line_naming_its_source(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUTHOR_TUI_TEMPERATURE", "warm")
    assert cli.main(["config"]) == 1
    err = capsys.readouterr().err
    assert "temperature = 'warm' (env AUTHOR_TUI_TEMPERATURE)" in err and "pydantic.dev" not in err


def test_a_misspelt_key_in_the_config_file_is_named_with_a_suggestion(
    isolated_user_dirs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (isolated_user_dirs / "config.toml").write_text("temprature = 0.9\n", encoding="utf-8")
    assert cli.main(["config"]) == 1
    err = capsys.readouterr().err
    assert "unknown setting `temprature`" in err and "did you mean `temperature`?" in err

"""NUL bytes and control characters: `check` names the line (in a digest an error, in a vault note a
warning), and nothing the tool writes ever holds a NUL (rendering and edits refuse, naming the field)."""

from __future__ import annotations

from pathlib import Path

import pytest

from author_tui import cli
from author_tui.core import digest, vault, vault_edit
from author_tui.core.model import Day, Digest, Entry
from author_tui.errors import EntryError, FormatError

DAY = "2025년 6월 18일\n"
ENTRY = "A Paper\n(Ada)\nAn abstract.\n한국어 노트군요.\nAn English note.\n#llm"
NOTE = "https://arxiv.org/abs/2506.00001\n\n*A Paper* (Ada)\n\n한국어 노트군요.\n\n#llm"


def test_a_digest_with_a_nul_byte_is_an_error_naming_its_line(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "d.txt"
    path.write_bytes((DAY + ENTRY.replace("노트군요", "노트\x00군요")).encode())
    assert cli.main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:5: NUL byte" in err.splitlines()
    with pytest.raises(FormatError) as raised:  # the same error wherever a digest is parsed (batch runs too)
        digest.parse(path.read_bytes(), str(path))
    assert raised.value.message == f"{path}:5: NUL byte"


def test_a_vault_note_with_a_nul_byte_is_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "250618 A Paper.md"
    path.write_bytes(NOTE.replace("*A Paper*", "*A\x00Paper*").encode())
    assert cli.main(["check", str(path)]) == 0
    assert f"{path}:3: warning: NUL byte" in capsys.readouterr().err.splitlines()


def test_other_control_characters_are_warnings_in_both_formats(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    digest_path, note_path = tmp_path / "d.txt", tmp_path / "250618 A Paper.md"
    digest_path.write_bytes((DAY + ENTRY.replace("An abstract.", "An\x0b abstract.")).encode())
    note_path.write_bytes(NOTE.replace("한국어", "한국어\x1b").encode())
    assert cli.main(["check", str(digest_path), str(note_path)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert f"{digest_path}:4: warning: control character U+000B" in err
    assert f"{note_path}:5: warning: control character U+001B" in err


@pytest.mark.parametrize("field", ["title", "authors", "abstract", "note", "english"])
def test_rendering_refuses_an_entry_holding_a_nul(field: str) -> None:
    values = {"title": "A Paper", "authors": "Ada", "abstract": "An abstract.", "note": "한국어 노트군요.",
              "english": "An English note.", "tags": ["llm"]}
    values[field] = str(values[field])[:1] + "\x00" + str(values[field])[1:]
    entry = Entry.model_validate(values)
    assert any("NUL" in p for p in digest.problems(entry))
    with pytest.raises(EntryError, match=f"the {digest.FIELD_LABELS[field]} holds a NUL byte"):
        digest.render(Digest(days=[Day(date=digest.parse(DAY.encode()).days[0].date, entries=[entry])]))


def test_vault_edits_refuse_a_nul() -> None:
    note = vault.parse_text(NOTE, "n.md")
    with pytest.raises(EntryError, match="English holds a NUL byte"):
        vault_edit.set_english(note, "An English\x00 note.")
    with pytest.raises(EntryError, match="tags hold a NUL byte"):
        vault_edit.set_tags(note, ["ll\x00m"])
    with pytest.raises(EntryError, match="title holds a NUL byte"):
        vault_edit.new_note(Entry(title="A\x00Paper", note="한국어.", tags=["x"]), "n.md")
    with pytest.raises(EntryError, match="n.md:3: NUL byte"):  # a note that holds one is never rewritten
        vault_edit.set_tags(vault.parse_text(NOTE.replace("*A Paper*", "*A\x00Paper*"), "n.md"), ["rl"])

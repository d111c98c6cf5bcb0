"""Archive loading: vault folders, single notes and digests become ArchiveDocs; non-notes are skipped."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from author_tui.errors import ConfigError
from author_tui.store.archive import load_archive, scan_archive

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture
def vault_dir(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    shutil.copytree(FIXTURES / "vault", root / "2025")
    (root / ".trash").mkdir()
    (root / ".trash" / "250101 Deleted.md").write_text("https://x.org\n\n한국어.\n\n#t", encoding="utf-8")
    (root / "2025" / "image.png").write_bytes(b"\x89PNG")
    return root


def test_folder_loads_every_paper_note_and_warns_about_the_rest(vault_dir: Path) -> None:
    warnings: list[str] = []
    docs = load_archive([vault_dir], warnings)
    names = sorted(Path(doc.key).name for doc in docs)
    expected = sorted(p.name for p in (FIXTURES / "vault").glob("*.md") if p.name != "Untitled.md")
    assert names == expected
    assert warnings == [f"{vault_dir / '2025' / 'Untitled.md'}: skipped, not a paper note"]


def test_note_docs_have_date_plain_text_and_link(vault_dir: Path) -> None:
    doc = next(d for d in load_archive([vault_dir / "2025" / "250301 Modern Note.md"]))
    assert doc.date == dt.date(2025, 3, 1)
    assert doc.entry.abstract.startswith("We study the Pass@K metric")
    assert doc.entry.link == "https://arxiv.org/abs/2503.00001"


def test_digest_entries_are_keyed_by_file_and_number() -> None:
    path = FIXTURES / "digest" / "two-days.txt"
    docs = load_archive([path])
    assert [(doc.key, doc.date) for doc in docs] == [
        (f"{path}#1", dt.date(2025, 3, 1)), (f"{path}#2", dt.date(2025, 3, 1)), (f"{path}#3", dt.date(2025, 3, 2))]
    assert docs[2].entry.title == "Third Paper"


def test_a_malformed_digest_or_undecodable_note_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_text("not a day header\n", encoding="utf-8")
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe")
    loaded = scan_archive([tmp_path / "bad.txt", tmp_path / "bad.md"])
    assert loaded.docs == []
    assert len(loaded.warnings) == 2
    assert loaded.warnings[0].startswith(f"{tmp_path / 'bad.txt'}: skipped, line 1: expected a day header")
    assert loaded.warnings[1] == f"{tmp_path / 'bad.md'}: skipped, UTF-8 text expected (line 1)"


@pytest.mark.parametrize("name", ["missing", "notes.docx"])
def test_a_wrong_path_is_a_config_error(tmp_path: Path, name: str) -> None:
    (tmp_path / "notes.docx").write_bytes(b"")
    with pytest.raises(ConfigError):
        load_archive([tmp_path / name])


@pytest.mark.corpus
def test_the_whole_corpus_loads(corpus_dir: Path, example_digest: Path) -> None:
    loaded = scan_archive([corpus_dir, example_digest])
    assert len(loaded.docs) == 3467 + 7
    assert [w.rsplit("/", 1)[-1] for w in loaded.warnings] == ["Untitled.md: skipped, not a paper note"]
    assert sum(doc.entry.has_english for doc in loaded.docs) > 800


def test_finding_files_reports_unreadable_paths_apart_and_reads_suffixes_in_any_case(tmp_path: Path) -> None:
    from author_tui.store.archive import DIGEST_SUFFIX, NOTE_SUFFIX, find_files

    (tmp_path / "sub").mkdir()
    for name in ("250101 A.md", "250102 B.MD", "DAY.TXT", "sub/250103 C.md"):
        (tmp_path / name).write_text("x", encoding="utf-8")
    (tmp_path / "loop.md").symlink_to(tmp_path / "loop.md")
    (tmp_path / "gone.md").symlink_to(tmp_path / "nowhere.md")
    (tmp_path / "linked").symlink_to(tmp_path / "sub")  # a linked folder is not followed, as os.walk does
    found = find_files([tmp_path], in_folders=(NOTE_SUFFIX, DIGEST_SUFFIX))
    assert [p.relative_to(tmp_path).as_posix() for p in found.files] == [
        "250101 A.md", "250102 B.MD", "DAY.TXT", "sub/250103 C.md"]
    assert found.problems == [
        f"{tmp_path / 'gone.md'}: a symbolic link to nothing, skipped",
        f"{tmp_path / 'loop.md'}: a symbolic link loop (Too many levels of symbolic links), skipped",
    ]
    with pytest.raises(ConfigError, match="no such file or folder"):
        find_files([tmp_path / "absent.md"])


def test_a_file_reached_twice_is_found_once(tmp_path: Path) -> None:
    from author_tui.store.archive import find_files

    vault = tmp_path / "v"
    vault.mkdir()
    (vault / "250101 P.md").write_text("x", encoding="utf-8")
    (vault / "250102 Q.md").write_text("x", encoding="utf-8")
    (tmp_path / "alias.md").symlink_to(vault / "250102 Q.md")
    found = find_files([vault, vault / "250101 P.md", vault / ".." / "v", tmp_path / "alias.md"])
    assert found.files == [vault / "250101 P.md", vault / "250102 Q.md"] and found.problems == []


def test_check_reads_an_upper_case_txt_in_a_folder_as_a_digest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from author_tui.cli import main

    (tmp_path / "DAY.TXT").write_text("2025년 2월 1일\nT\n(A)\nabs\n노트.\n#x", encoding="utf-8")
    assert main(["check", str(tmp_path)]) == 0
    assert "files: 1 (1 digests, 0 notes)" in capsys.readouterr().out

"""With no archive configured, the author's own past digests in the drafts dir are the archive."""

from __future__ import annotations

from pathlib import Path

from author_tui.config import load_settings
from author_tui.llm import load_docs

DAY = "2025년 6월 18일\nWidgets\n(A)\nabs\n위젯 논문.\nWidgets paper.\n#widgets"


def test_past_digests_in_the_drafts_dir_are_the_default_archive(tmp_path: Path) -> None:
    drafts = tmp_path / "drafts"
    drafts.mkdir()
    (drafts / "2025-06-18.txt").write_text(DAY, encoding="utf-8")
    docs = load_docs(load_settings(drafts_dir=drafts))
    assert [doc.entry.tags for doc in docs] == [["widgets"]]


def test_a_configured_archive_wins_over_the_drafts_dir(tmp_path: Path) -> None:
    drafts, vault = tmp_path / "drafts", tmp_path / "vault"
    drafts.mkdir()
    vault.mkdir()
    (drafts / "2025-06-18.txt").write_text(DAY, encoding="utf-8")
    (vault / "250101 Other.md").write_text("https://arxiv.org/abs/2501.00001\n\n다른 논문.\n\n#other", encoding="utf-8")
    docs = load_docs(load_settings(drafts_dir=drafts, archive=[vault]))
    assert [doc.entry.tags for doc in docs] == [["other"]]


def test_no_drafts_dir_means_no_archive(tmp_path: Path) -> None:
    assert load_docs(load_settings(drafts_dir=tmp_path / "absent")) == []

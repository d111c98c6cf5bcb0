"""build_authoring: the tag engine is built only for callers that suggest tags (translate does not)."""

from __future__ import annotations

from pathlib import Path

from author_tui.config import load_settings
from author_tui.llm import build_authoring, load_docs

NOTE = "https://arxiv.org/abs/2501.00001\n\n*Widgets* (A)\n\n위젯 논문이네요.\n\nA widgets paper.\n\n#widgets"


def test_examples_always_and_the_tag_engine_only_when_asked(tmp_path: Path) -> None:
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "250101 Widgets.md").write_text(NOTE, encoding="utf-8")
    settings = load_settings(archive=[vault], base_url="http://127.0.0.1:9/v1", cache_dir=tmp_path / "cache")
    docs = load_docs(settings)
    for_translation = build_authoring(settings, docs, tags=False)
    assert for_translation.similar is not None and for_translation.tags is None
    for_tags = build_authoring(settings, docs)
    assert for_tags.similar is not None and for_tags.tags is not None
    for built in (for_translation, for_tags):
        built.client.close()  # type: ignore[attr-defined]

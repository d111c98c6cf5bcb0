"""build_authoring: the tag engine is built only for callers that suggest tags (translate does not); a new
author with no notes gets the starter examples."""

from __future__ import annotations

import shutil
from pathlib import Path

from author_tui.config import load_settings
from author_tui.core.model import Entry
from author_tui.llm import build_authoring, load_docs
from tests.support.scripted_server import ScriptedServer

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


def test_a_new_author_with_no_notes_gets_the_starter_examples(tmp_path: Path, server: ScriptedServer) -> None:
    """No archive and no digests yet: the prompt folder's starter.txt gives the worked examples (without any
    the embedded 0.5B drafts in English, which cannot be saved), and no tag engine is built from them."""
    from author_tui.llm.prompts import DEFAULT_DIR

    starter = load_docs(load_settings(archive=[DEFAULT_DIR / "starter.txt"]))[0]
    server.enqueue("위젯을 다룬 논문이네요.")
    settings = load_settings(drafts_dir=tmp_path / "none", base_url=server.url, cache_dir=tmp_path / "cache",
                             prompt_profile="small", data_dir=tmp_path / "data")
    authoring = build_authoring(settings)
    try:
        assert authoring.tags is None
        result = authoring.draft_note(Entry(title="Widgets", abstract="We study widgets at scale."))
    finally:
        authoring.client.close()  # type: ignore[attr-defined]
    assert result.value.note == "위젯을 다룬 논문이네요."
    sent = " ".join(str(message["content"]) for message in server.requests[0]["messages"])
    assert starter.entry.note in sent and "We study widgets at scale." in sent


def test_a_prompt_folder_without_a_starter_file_means_no_examples(tmp_path: Path) -> None:
    from author_tui.llm.prompts import DEFAULT_DIR

    prompts = tmp_path / "prompts"
    shutil.copytree(DEFAULT_DIR, prompts, ignore=shutil.ignore_patterns("starter.txt"))
    settings = load_settings(drafts_dir=tmp_path / "none", base_url="http://127.0.0.1:9/v1",
                             cache_dir=tmp_path / "cache", prompts_dir=prompts)
    authoring = build_authoring(settings)
    authoring.client.close()  # type: ignore[attr-defined]
    assert authoring.similar is None

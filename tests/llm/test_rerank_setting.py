"""Who picks the tags: the model among the engine's candidates, or the engine alone (small local model)."""

from __future__ import annotations

import pytest

from author_tui.config import load_settings
from author_tui.llm import rerank_tags


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({}, False),  # the embedded 0.5B picks worse than the engine, and slowly
        ({"local_model": "1.5b"}, True),
        ({"base_url": "http://127.0.0.1:9/v1"}, True),
        ({"local_model_path": "/models/other.gguf"}, True),
        ({"tag_rerank": True}, True),
        ({"base_url": "http://127.0.0.1:9/v1", "tag_rerank": False}, False),
    ],
)
def test_who_picks_the_tags(flags: dict, expected: bool) -> None:
    assert rerank_tags(load_settings(**flags)) is expected


def test_the_environment_can_turn_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHOR_TUI_TAG_RERANK", "true")
    assert rerank_tags(load_settings()) is True

"""The reply cache: same question, same answer without a request; any change in the question misses."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from author_tui.core.outputs import NoteDraft
from author_tui.core.port import ModelRequest
from author_tui.core.prompting import Message
from author_tui.llm.cache import EndpointMemory, ReplyCache, cache_key
from tests.support.scripted_answers import json_reply

REQUEST = ModelRequest("draft", (Message("user", "paper"),), "prompt-v1", preview_field="note")
SCHEMA = NoteDraft.model_json_schema()


def test_a_second_identical_call_is_served_from_the_cache(server, make_client):
    server.enqueue(json_reply(note="처음 답이네요."))
    client = make_client(cache=True)
    first = client.generate(REQUEST, NoteDraft)
    seen: list[str] = []
    second = client.generate(REQUEST, NoteDraft, on_delta=seen.append)
    assert second.value == first.value and second.cached and not first.cached
    assert second.usage.cache_hits == 1 and second.usage.requests == 0
    assert seen == ["처음 답이네요."]  # the editor still gets the text
    assert server.total == 1


def test_refresh_asks_again_and_stores_the_new_answer(server, make_client):
    server.enqueue(json_reply(note="옛 답."), json_reply(note="새 답."))
    make_client(cache=True).generate(REQUEST, NoteDraft)
    assert make_client(cache=True, refresh=True).generate(REQUEST, NoteDraft).value.note == "새 답."
    assert make_client(cache=True).generate(REQUEST, NoteDraft).value.note == "새 답."
    assert server.total == 2


def test_no_cache_neither_reads_nor_writes(server, make_client):
    server.enqueue(json_reply(note="하나."), json_reply(note="둘."))
    make_client(cache=True, use_cache=False).generate(REQUEST, NoteDraft)
    assert make_client(cache=True, use_cache=False).generate(REQUEST, NoteDraft).value.note == "둘."
    assert server.total == 2


def test_the_key_changes_with_everything_that_changes_the_answer():
    base = cache_key("http://h/v1", "m", REQUEST, 0.3, SCHEMA)
    variants = [
        cache_key("http://other/v1", "m", REQUEST, 0.3, SCHEMA),
        cache_key("http://h/v1", "m2", REQUEST, 0.3, SCHEMA),
        cache_key("http://h/v1", "m", dataclasses.replace(REQUEST, prompt_hash="prompt-v2"), 0.3, SCHEMA),
        cache_key("http://h/v1", "m", dataclasses.replace(REQUEST, messages=(Message("user", "other"),)), 0.3, SCHEMA),
        cache_key("http://h/v1", "m", dataclasses.replace(REQUEST, max_tokens=10), 0.3, SCHEMA),
        cache_key("http://h/v1", "m", REQUEST, 0.9, SCHEMA),
        cache_key("http://h/v1", "m", REQUEST, 0.3, {"other": "schema"}),
    ]
    assert len({base, *variants}) == 1 + len(variants)
    assert cache_key("http://h/v1/", "m", REQUEST, 0.3, SCHEMA) == base  # a trailing slash is the same endpoint


def test_the_api_key_never_reaches_the_cache_dir(server, make_client, tmp_path: Path):
    secret = "sk-test-SECRET-4242"
    server.enqueue(json_reply(note="비밀은 없네요."))
    make_client(cache=True, api_key=secret).generate(REQUEST, NoteDraft)
    files = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]
    assert files  # the cache did write something
    assert not [p for p in files if secret.encode() in p.read_bytes()]
    assert server.headers[0]["authorization"] == f"Bearer {secret}"  # but the key was sent


def test_the_cache_is_bounded(tmp_path: Path):
    cache = ReplyCache(tmp_path, size_mb=1)
    for i in range(40):
        cache.set(f"k{i}", {"note": "가" * 50_000})  # ~150 KB each, 6 MB in all
    assert len(cache) < 40
    assert cache.get("k39") is not None


def test_endpoint_memory_is_per_endpoint_and_model(tmp_path: Path):
    memory = EndpointMemory(tmp_path)
    memory.remember("http://a/v1", "m", "json_object")
    assert memory.rung("http://a/v1/", "m") == "json_object"
    assert memory.rung("http://a/v1", "other") is None and memory.rung("http://b/v1", "m") is None


def test_the_embedded_server_is_one_endpoint_whatever_its_port(make_client):
    from tests.support.scripted_server import ScriptedServer

    with ScriptedServer([json_reply(note="첫 서버.")]) as first, ScriptedServer() as second:
        make_client(cache=True, url=first.url, identity="embedded").generate(REQUEST, NoteDraft)
        again = make_client(cache=True, url=second.url, identity="embedded").generate(REQUEST, NoteDraft)
        assert again.cached and again.value.note == "첫 서버." and second.total == 0

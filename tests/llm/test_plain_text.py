"""Free text as plain text through the real client, the call log's CallRecord, and regenerate (fresh)."""

from __future__ import annotations

import datetime as dt
import random
import threading

import pytest

from author_tui.core.outputs import NoteDraft, TagPick, Translation
from author_tui.core.port import CallRecord, CancelToken, ModelRequest, Shot
from author_tui.core.prompting import Message
from author_tui.errors import Cancelled, ModelError
from author_tui.llm.cache import EndpointMemory, ReplyCache
from author_tui.llm.client import ClientOptions, OpenAIModelClient
from author_tui.llm.failures import Backoff
from tests.support.scripted_answers import answering
from tests.support.scripted_server import ScriptedReply

SYSTEM = Message("system", "You write short Korean notes.")
NOTE = ModelRequest(
    "draft",
    (SYSTEM, Message("user", "Title: Long context\nAbstract: rotary scaling")),
    "hash-1",
    shots=(Shot("Title: Old paper", {"note": "옛 노트군요."}),),
    preview_field="note",
    plain_text=True,
    prompt_name="draft-small",
)
STARTED = dt.datetime(2031, 2, 3, 4, 5, 6, tzinfo=dt.UTC)


@pytest.fixture
def records() -> list[CallRecord]:
    return []


@pytest.fixture
def client(server, tmp_path, sleeps, records):
    made = OpenAIModelClient(
        ClientOptions(base_url=server.url, model="scripted", api_key="sk-secret-key", timeout=5.0, max_retries=1),
        ReplyCache(tmp_path / "cache"),
        EndpointMemory(tmp_path / "cache"),
        backoff=Backoff(base=0.5, rand=lambda: 1.0),
        sleep=sleeps,
        on_call=records.append,
        clock=lambda: STARTED,
        seeds=random.Random(7),
    )
    yield made
    made.close()


def test_a_note_is_asked_and_streamed_as_plain_text(server, client):
    server.enqueue(ScriptedReply(content="RoPE 스케일링이군요.\n두 번째 줄이네요.", chunk_delay=0.0))
    seen: list[str] = []
    reply = client.generate(NOTE, NoteDraft, on_delta=seen.append)
    assert reply.value.note == "RoPE 스케일링이군요.\n두 번째 줄이네요."  # newlines as written, nothing escaped
    body = server.requests[0]
    assert "response_format" not in body and body["stream"] is True
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert body["messages"][2]["content"] == "옛 노트군요."  # the example answers in plain text too
    assert body["messages"][-1]["content"] == NOTE.messages[-1].content  # no format instruction appended
    assert len(seen) > 1 and seen[-1] == reply.value.note and all(reply.value.note.startswith(s) for s in seen)


def test_reasoning_is_stripped_from_a_plain_answer_and_never_previewed(server, client):
    server.enqueue(ScriptedReply(content="<think>hmm, the user wants</think>노트네요."))
    seen: list[str] = []
    assert client.generate(NOTE, NoteDraft, on_delta=seen.append).value.note == "노트네요."
    assert not any("think" in s or "hmm" in s for s in seen)


def test_a_guided_retry_is_sent_after_the_question(server, client):
    retry = (Message("assistant", "English note."), Message("user", "not Korean: write it again"))
    server.enqueue("다시 쓴 노트네요.")
    client.generate(ModelRequest(**{**NOTE.__dict__, "followup": retry}), NoteDraft)
    sent = server.requests[0]["messages"]
    assert sent[-2:] == [m.as_dict() for m in retry] and sent[-3]["content"] == NOTE.messages[-1].content


def test_tags_still_climb_the_ladder_while_free_text_never_does(server, client):
    server.responder = answering(note="노트네요.", english="A note.", tags=["rl"], new_tags=[])
    client.generate(ModelRequest("tags", (SYSTEM, Message("user", "tags?")), "h"), TagPick)
    translate = ModelRequest(
        "translate", (Message("system", "Translate."), Message("user", "노트")), "h2", preview_field="english",
        plain_text=True,
    )
    assert client.generate(translate, Translation).value.english == "A note."
    assert server.requests[0]["response_format"]["type"] == "json_schema"
    assert "response_format" not in server.requests[1]


def test_every_call_is_recorded_once_and_never_with_the_key(server, client, records):
    server.enqueue(ScriptedReply(content="노트네요.", prompt_tokens=50, completion_tokens=5))
    client.generate(NOTE, NoteDraft)
    client.generate(NOTE, NoteDraft)  # from the reply cache
    first, hit = records
    assert (first.task, first.prompt_name, first.prompt_hash) == ("draft", "draft-small", "hash-1")
    assert first.model == "scripted"
    assert first.endpoint == server.url and first.started == STARTED and first.seconds >= 0
    assert (first.rung, first.outcome, first.cached, first.reply_text) == ("text", "ok", False, "노트네요.")
    assert (first.usage.prompt_tokens, first.usage.completion_tokens) == (50, 5)
    assert first.messages == server.requests[0]["messages"]
    assert (hit.cached, hit.outcome, hit.reply_text, hit.usage.cache_hits) == (True, "ok", "노트네요.", 1)
    assert hit.messages == first.messages
    assert "sk-secret-key" not in repr(records)


def test_a_failed_and_a_cancelled_call_are_recorded_with_their_outcome(server, client, records):
    server.enqueue(ScriptedReply.failure(404, "no such model", "model_not_found"))
    with pytest.raises(ModelError):
        client.generate(NOTE, NoteDraft)
    assert records[0].outcome.startswith("error: ") and "not available" in records[0].outcome
    cancel = CancelToken()
    server.enqueue(ScriptedReply(content="아주 긴 노트가 천천히 오네요." * 5, chunk_delay=0.05))
    threading.Timer(0.1, cancel.cancel).start()
    with pytest.raises(Cancelled):
        client.generate(ModelRequest(**{**NOTE.__dict__, "prompt_hash": "h3"}), NoteDraft, on_delta=lambda _: None,
                        cancel=cancel)
    assert records[1].outcome == "cancelled" and len(records) == 2


def test_a_fresh_request_is_a_new_sample_that_replaces_the_cached_reply(server, client, records):
    server.enqueue("첫 노트네요.", "새 노트네요.")
    assert client.generate(NOTE, NoteDraft).value.note == "첫 노트네요."
    fresh = ModelRequest(**{**NOTE.__dict__, "fresh": True})
    again = client.generate(fresh, NoteDraft)
    assert again.value.note == "새 노트네요." and not again.cached
    plain, sampled = server.requests
    assert "seed" not in plain and isinstance(sampled["seed"], int) and sampled["temperature"] >= 0.8
    assert plain["temperature"] == 0.3 and plain["messages"] == sampled["messages"]
    assert client.generate(NOTE, NoteDraft).value.note == "새 노트네요."  # the fresh reply is the cached one
    assert len(server.requests) == 2 and records[-1].cached
    server.enqueue("세 번째 노트네요.")
    client.generate(fresh, NoteDraft)
    assert server.requests[2]["seed"] != sampled["seed"]  # each regenerate its own sample


def test_a_resample_has_its_own_seed_and_cache_entry_beside_the_first_answer(server, client):
    server.enqueue("First answer in English.", "두 번째 표본이네요.")
    assert client.generate(NOTE, NoteDraft).value.note == "First answer in English."
    resample = ModelRequest(**{**NOTE.__dict__, "sample": 1})
    assert client.generate(resample, NoteDraft).value.note == "두 번째 표본이네요."
    plain, sampled = server.requests
    assert "seed" not in plain and sampled["seed"] == 1 and sampled["temperature"] >= 0.8
    assert sampled["messages"] == plain["messages"]
    # Both are cached, each under its own key: asking either again reaches no server.
    assert client.generate(NOTE, NoteDraft).value.note == "First answer in English."
    assert client.generate(resample, NoteDraft).cached
    assert len(server.requests) == 2

"""The real `openai` client against the scripted server: every fault ends in a retry or one clear error."""

from __future__ import annotations

import threading

import pytest

from author_tui.core.outputs import NoteDraft
from author_tui.core.port import CancelToken, ModelRequest
from author_tui.core.prompting import Message
from author_tui.errors import Cancelled, ModelError
from tests.support.scripted_answers import json_reply
from tests.support.scripted_server import ScriptedReply, ScriptedServer

REQUEST = ModelRequest("draft", (Message("system", "s"), Message("user", "paper")), "hash", preview_field="note")
GOOD = json_reply(note="좋은 노트네요.")


def test_a_plain_reply_comes_back_validated_with_usage(server, make_client):
    server.enqueue(ScriptedReply(content=GOOD, prompt_tokens=120, completion_tokens=9, cached_tokens=100))
    reply = make_client().generate(REQUEST, NoteDraft)
    assert reply.value.note == "좋은 노트네요."
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens, reply.usage.cached_tokens) == (120, 9, 100)
    assert reply.usage.requests == 1 and not reply.cached
    assert not server.requests[0].get("stream")  # nobody watches it arrive: one plain reply is cheaper
    assert server.requests[0]["response_format"]["type"] == "json_object"


def test_a_watched_reply_streams_and_unwatched_ones_share_one_connection(server, make_client):
    server.enqueue(*[GOOD] * 4)
    client = make_client()
    for _ in range(3):
        assert client.generate(REQUEST, NoteDraft).value.note == "좋은 노트네요."
    assert server.connections == 1  # kept alive between plain calls
    seen: list[str] = []
    assert client.generate(REQUEST, NoteDraft, on_delta=seen.append).value.note == "좋은 노트네요."
    assert server.requests[3]["stream"] is True and seen[-1] == "좋은 노트네요."


def test_429_is_retried_after_the_servers_retry_after(server, make_client, sleeps):
    server.enqueue(ScriptedReply.rate_limited(retry_after=7), GOOD)
    assert make_client().generate(REQUEST, NoteDraft).value.note == "좋은 노트네요."
    assert sleeps == [7.0]
    assert server.total == 2


def test_500_is_retried_with_exponential_backoff(server, make_client, sleeps):
    server.enqueue(ScriptedReply.server_error(), ScriptedReply.server_error(), "<note>좋은 노트네요.</note>")
    reply = make_client(rung="tagged").generate(REQUEST, NoteDraft)  # the last rung: a 500 is no refusal
    assert reply.value.note == "좋은 노트네요."
    assert sleeps == [0.5, 1.0]


def test_rate_limited_every_time_gives_one_clear_error(server, make_client):
    server.enqueue(*[ScriptedReply.rate_limited(retry_after=0)] * 3)
    with pytest.raises(ModelError, match="rate limited") as caught:
        make_client(max_retries=2).generate(REQUEST, NoteDraft)
    assert "--concurrency" in caught.value.hint
    assert server.total == 3


def test_a_reply_slower_than_the_timeout_is_retried_then_reported(server, make_client):
    server.enqueue(ScriptedReply.slow(2.0, GOOD), ScriptedReply.slow(2.0, GOOD))
    with pytest.raises(ModelError, match=r"did not answer within 0.3s") as caught:
        make_client(timeout=0.3, max_retries=1).generate(REQUEST, NoteDraft)
    assert "--timeout" in caught.value.hint


def test_a_slow_reply_then_a_fast_one_succeeds(server, make_client):
    server.enqueue(ScriptedReply.slow(2.0, GOOD), GOOD)
    assert make_client(timeout=0.3).generate(REQUEST, NoteDraft).value.note == "좋은 노트네요."


def test_malformed_json_is_retried(server, make_client):
    server.enqueue(ScriptedReply.malformed(), GOOD)
    assert make_client().generate(REQUEST, NoteDraft).value.note == "좋은 노트네요."
    assert server.total == 2


def test_a_stream_cut_midway_is_retried_and_the_preview_restarts(server, make_client):
    server.enqueue(ScriptedReply.cut(json_reply(note="잘린 스트림입니다. " * 5), after=3), GOOD)
    seen: list[str] = []
    reply = make_client().generate(REQUEST, NoteDraft, on_delta=seen.append)
    assert reply.value.note == "좋은 노트네요."
    assert seen[-1] == "좋은 노트네요."
    assert any(text.startswith("잘린") for text in seen)  # the first attempt was shown, then replaced


def test_a_stream_cut_every_time_is_a_broken_reply_error(server, make_client):
    server.enqueue(*[ScriptedReply.cut(GOOD, after=1)] * 3)
    with pytest.raises(ModelError, match="cannot reach|broken reply"):
        make_client().generate(REQUEST, NoteDraft, on_delta=lambda text: None)
    assert server.total == 3


def test_a_plain_reply_cut_midway_is_retried(server, make_client):
    server.enqueue(ScriptedReply.cut(json_reply(note="잘린 답입니다.")), GOOD)
    assert make_client().generate(REQUEST, NoteDraft).value.note == "좋은 노트네요."
    assert server.total == 2


def test_a_plain_reply_cut_every_time_is_a_broken_reply_error(server, make_client):
    server.enqueue(*[ScriptedReply.cut(GOOD)] * 3)
    with pytest.raises(ModelError, match="cannot reach|broken reply"):
        make_client().generate(REQUEST, NoteDraft)
    assert server.total == 3


def test_a_schema_violation_gets_one_repair_that_quotes_the_error(server, make_client):
    server.enqueue(json_reply(summary="wrong field"), GOOD)
    reply = make_client().generate(REQUEST, NoteDraft)
    assert reply.value.note == "좋은 노트네요."
    repair = server.requests[1]["messages"]
    assert repair[-2] == {"role": "assistant", "content": json_reply(summary="wrong field")}
    assert "note: Field required" in repair[-1]["content"]
    assert reply.usage.requests == 2


def test_two_schema_violations_fail_clearly(server, make_client):
    server.enqueue(json_reply(summary="x"), "not json at all")
    with pytest.raises(ModelError, match="unusable twice"):
        make_client().generate(REQUEST, NoteDraft)


def test_json_schema_rejected_like_llama_cpp_falls_back_and_is_remembered(tmp_path, make_client):
    with ScriptedServer([GOOD, GOOD], reject_json_schema=True) as llama:
        client = make_client(rung=None, url=llama.url)
        assert client.generate(REQUEST, NoteDraft).value.note == "좋은 노트네요."
        kinds = [r.get("response_format", {}).get("type") for r in llama.requests]
        assert kinds == ["json_schema", "json_object"]
        assert "schema" in llama.requests[1]["response_format"]
        client.generate(ModelRequest("draft", REQUEST.messages, "other"), NoteDraft)
        assert llama.requests[2]["response_format"]["type"] == "json_object"  # no second probe


def test_reasoning_blocks_are_stripped_even_unclosed(server, make_client):
    server.enqueue('<think>hmm {"note": "bad"}</think>' + GOOD)
    assert make_client().generate(REQUEST, NoteDraft).value.note == "좋은 노트네요."


@pytest.mark.parametrize(
    ("reply", "message", "hint"),
    [
        (ScriptedReply.failure(401, "Incorrect API key provided", "invalid_api_key"), "refused the API key", "API_KEY"),
        (
            ScriptedReply.failure(404, "The model does not exist", "model_not_found"),
            "model 'scripted' is not available",
            "--model",
        ),
        (
            ScriptedReply.failure(400, "This model's maximum context length is 4096 tokens", "context_length_exceeded"),
            "longer than scripted's context window",
            "example_tokens",
        ),
    ],
)
def test_each_cause_has_its_own_message_and_hint(server, make_client, reply, message, hint):
    server.enqueue(reply)
    with pytest.raises(ModelError, match=message) as caught:
        make_client().generate(REQUEST, NoteDraft)
    assert hint in caught.value.hint
    assert server.total == 1  # not retried


def test_a_real_bad_key_is_refused_by_the_server(make_client):
    with ScriptedServer([GOOD], api_key="right") as guarded:
        with pytest.raises(ModelError, match="refused the API key"):
            make_client(url=guarded.url, api_key="wrong").generate(REQUEST, NoteDraft)
        assert guarded.headers[0]["authorization"] == "Bearer wrong"


def test_an_unknown_model_name_is_reported(make_client):
    with ScriptedServer([GOOD], models=["qwen"]) as picky, pytest.raises(ModelError, match="not available"):
        make_client(url=picky.url).generate(REQUEST, NoteDraft)


def test_no_key_for_a_remote_endpoint_fails_before_any_request(make_client, server):
    with pytest.raises(ModelError, match="no API key") as caught:
        make_client(key_required=True).generate(REQUEST, NoteDraft)
    assert "OPENAI_API_KEY" in caught.value.hint
    assert server.total == 0


def test_an_unreachable_endpoint_is_reported_after_retries(make_client, sleeps):
    with pytest.raises(ModelError, match="cannot reach http://127.0.0.1:9/v1") as caught:
        make_client(url="http://127.0.0.1:9/v1").generate(REQUEST, NoteDraft)
    assert "--base-url" in caught.value.hint
    assert len(sleeps) == 2


def test_cancel_between_chunks_stops_the_stream(server, make_client):
    server.enqueue(ScriptedReply(content=json_reply(note="가" * 400), chunk_delay=0.01))
    token = CancelToken()
    seen: list[str] = []

    def on_delta(text: str) -> None:
        seen.append(text)
        if len(text) > 20:
            token.cancel()

    with pytest.raises(Cancelled):
        make_client().generate(REQUEST, NoteDraft, on_delta=on_delta, cancel=token)
    assert 20 < len(seen[-1]) < 400
    assert server.total == 1


def test_cancel_from_another_thread_interrupts_a_backoff_wait(server, make_client):
    server.enqueue(ScriptedReply.rate_limited(retry_after=30))
    client = make_client()
    client._sleep = None  # use the real, cancellable wait
    token = CancelToken()
    threading.Timer(0.2, token.cancel).start()
    with pytest.raises(Cancelled):
        client.generate(REQUEST, NoteDraft, cancel=token)


def test_concurrency_is_bounded_by_the_client(server, make_client):
    server.latency = 0.1
    server.enqueue(*[GOOD] * 6)
    client = make_client(concurrency=2)
    threads = [threading.Thread(target=client.generate, args=(REQUEST, NoteDraft)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert server.total == 6
    assert server.max_in_flight == 2


def test_worked_examples_become_turns_in_the_rungs_answer_shape(server, make_client):
    from author_tui.core.port import Shot

    request = ModelRequest("draft", REQUEST.messages, "h", shots=(Shot("Title: old", {"note": "옛 노트."}),))
    server.enqueue(GOOD, "<note>태그 답.</note>")
    make_client().generate(request, NoteDraft)
    make_client(rung="tagged").generate(ModelRequest("draft", REQUEST.messages, "h2", shots=request.shots), NoteDraft)
    as_json, as_tags = (r["messages"] for r in server.requests)
    assert [m["role"] for m in as_json] == ["system", "user", "assistant", "user"]
    assert as_json[1:3] == [
        {"role": "user", "content": "Title: old"},
        {"role": "assistant", "content": json_reply(note="옛 노트.")},
    ]
    assert as_tags[2] == {"role": "assistant", "content": "<note>옛 노트.</note>"}
    assert as_json[3]["content"].startswith("paper\n\nAnswer with one JSON object")


def test_usage_is_estimated_when_the_server_reports_none(server, make_client):
    from tests.support.scripted_server import ScriptedReply as R

    server.enqueue(R(content=GOOD, prompt_tokens=0, completion_tokens=0))
    usage = make_client().generate(REQUEST, NoteDraft).usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0

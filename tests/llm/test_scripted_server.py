"""The scripted server itself, seen through the real openai client: SSE with usage, counters, faults."""

from __future__ import annotations

import threading
import time

import openai
import pytest

from tests.support.scripted_answers import answering, json_reply, structured_content
from tests.support.scripted_server import ScriptedReply, ScriptedServer

MESSAGES = [{"role": "user", "content": "hello"}]


def client(server: ScriptedServer, **kwargs) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key="k", max_retries=0, **kwargs)


def test_streams_chunks_then_usage_then_done(server):
    server.enqueue(ScriptedReply(content="abcdefghij", prompt_tokens=11, completion_tokens=3, cached_tokens=5))
    stream = client(server).chat.completions.create(
        model="m", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "abcdefghij"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    usage = chunks[-1].usage
    assert (usage.prompt_tokens, usage.completion_tokens, usage.prompt_tokens_details.cached_tokens) == (11, 3, 5)


def test_non_streamed_replies_and_the_models_list():
    with ScriptedServer(["plain answer"], models=["a", "b"]) as server:
        reply = client(server).chat.completions.create(model="a", messages=MESSAGES)
        assert reply.choices[0].message.content == "plain answer"
        assert [m.id for m in client(server).models.list()] == ["a", "b"]


def test_429_carries_retry_after(server):
    server.enqueue(ScriptedReply.rate_limited(retry_after=3))
    with pytest.raises(openai.RateLimitError) as caught:
        client(server).chat.completions.create(model="m", messages=MESSAGES)
    assert caught.value.response.headers["retry-after"] == "3"


def test_json_schema_is_refused_like_llama_cpp_but_json_object_is_answered():
    with ScriptedServer(["{}"], reject_json_schema=True) as server:
        with pytest.raises(openai.InternalServerError):
            client(server).chat.completions.create(
                model="m",
                messages=MESSAGES,
                response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": {}}},
            )
        reply = client(server).chat.completions.create(
            model="m", messages=MESSAGES, response_format={"type": "json_object", "schema": {}}
        )
        assert reply.choices[0].message.content == "{}"
        assert server.total == 2 and len(server.queue) == 0


def test_an_empty_queue_is_a_500_that_says_so(server):
    with pytest.raises(openai.InternalServerError, match="no reply queued"):
        client(server).chat.completions.create(model="m", messages=MESSAGES)


def test_counts_requests_in_flight():
    with ScriptedServer(responder=lambda body: "ok", latency=0.5) as server:

        def call() -> None:
            client(server).chat.completions.create(model="m", messages=MESSAGES)

        threads = [threading.Thread(target=call) for _ in range(3)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 5
        while server.total < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.in_flight == 3  # all arrived within the 0.5 s latency of the first
        for thread in threads:
            thread.join()
        while server.in_flight and time.monotonic() < deadline:  # a handler leaves just after its last write
            time.sleep(0.01)
        assert (server.in_flight, server.max_in_flight, server.total) == (0, 3, 3)


def test_a_slow_reply_times_the_client_out(server):
    server.enqueue(ScriptedReply.slow(1.0, "late"))
    with pytest.raises(openai.APITimeoutError):
        client(server, timeout=0.2).chat.completions.create(model="m", messages=MESSAGES)


def test_a_cut_stream_breaks_the_connection(server):
    server.enqueue(ScriptedReply.cut("x" * 100, after=2))
    stream = client(server).chat.completions.create(model="m", messages=MESSAGES, stream=True)
    with pytest.raises(openai.APIConnectionError):
        list(stream)


def test_a_cut_plain_reply_breaks_the_connection_and_kept_alive_ones_do_not(server):
    server.enqueue("one", "two", ScriptedReply.cut("x" * 100))
    openai_client = client(server)
    for _ in range(2):
        openai_client.chat.completions.create(model="m", messages=MESSAGES)
    with pytest.raises(openai.APIConnectionError):
        openai_client.chat.completions.create(model="m", messages=MESSAGES)
    assert server.connections == 1


def test_malformed_json_cannot_be_decoded(server):
    server.enqueue(ScriptedReply.malformed())
    with pytest.raises(ValueError):
        client(server).chat.completions.create(model="m", messages=MESSAGES)


def test_structured_content_answers_in_the_shape_asked():
    values = {"note": "노트", "tags": ["a", "b"]}
    as_json = {"messages": [{"role": "user", "content": 'JSON schema: {"properties": {"note": {}}}'}]}
    assert structured_content(as_json, values) == json_reply(note="노트")
    tagged = {"messages": [{"role": "user", "content": "blocks:\n<note>the note</note>\n<tags>words</tags>"}]}
    assert structured_content(tagged, values) == "<note>노트</note>\n<tags>a b</tags>"
    assert answering(**values)(tagged) == structured_content(tagged, values)

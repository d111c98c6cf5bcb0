"""The scripted files and batches endpoints, seen through the real openai client: upload, the status steps,
the output and error files, and every injected fault."""

from __future__ import annotations

import json

import openai
import pytest

from tests.support.scripted_batches import BatchFaults, ScriptedBatches
from tests.support.scripted_server import ScriptedServer


def _line(n: int) -> dict:
    body = {"model": "m", "messages": [{"role": "user", "content": f"say {n}"}]}
    return {"custom_id": f"c{n}", "method": "POST", "url": "/v1/chat/completions", "body": body}


def _jsonl(count: int) -> bytes:
    return "".join(json.dumps(_line(n)) + "\n" for n in range(count)).encode()


@pytest.fixture
def echo_server():
    """Answers each request with the text after 'say', so a result can be matched to its line."""
    with ScriptedServer(responder=lambda body: "echo " + body["messages"][-1]["content"][4:]) as server:
        yield server


def _submit(server: ScriptedServer, count: int) -> tuple[openai.OpenAI, str]:
    client = openai.OpenAI(base_url=server.url, api_key="k", max_retries=0)
    uploaded = client.files.create(file=("in.jsonl", _jsonl(count)), purpose="batch")
    batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                                  completion_window="24h", metadata={"job": "j1"})
    return client, batch.id


def _rows(client: openai.OpenAI, file_id: str | None) -> list[dict]:
    if file_id is None:
        return []
    return [json.loads(line) for line in client.files.content(file_id).text.splitlines()]


def test_status_steps_and_every_line_answered_by_the_servers_responder(echo_server):
    batches = ScriptedBatches(echo_server)
    client, batch_id = _submit(echo_server, 3)
    assert client.batches.retrieve(batch_id).status == "in_progress"
    done = client.batches.retrieve(batch_id)
    assert done.status == "completed" and done.request_counts.completed == 3 and done.error_file_id is None
    rows = _rows(client, done.output_file_id)
    answers = {r["custom_id"]: r["response"]["body"]["choices"][0]["message"]["content"] for r in rows}
    assert answers == {"c0": "echo 0", "c1": "echo 1", "c2": "echo 2"}
    assert batches.counted["requests"] == 3
    assert batches.counted["prompt_tokens"] == sum(r["response"]["body"]["usage"]["prompt_tokens"] for r in rows)
    listed = client.batches.list()
    assert [b.id for b in listed.data] == [batch_id] and listed.data[0].metadata == {"job": "j1"}


def test_created_batches_start_validating(echo_server):
    ScriptedBatches(echo_server)
    client = openai.OpenAI(base_url=echo_server.url, api_key="k", max_retries=0)
    uploaded = client.files.create(file=("in.jsonl", _jsonl(1)), purpose="batch")
    assert uploaded.bytes == len(_jsonl(1))
    batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                                  completion_window="24h")
    assert batch.status == "validating"


def test_per_line_errors_go_to_the_error_file(echo_server):
    ScriptedBatches(echo_server, BatchFaults(failing=lambda line: line % 5 == 0))
    client, batch_id = _submit(echo_server, 10)
    client.batches.retrieve(batch_id)
    done = client.batches.retrieve(batch_id)
    failed = _rows(client, done.error_file_id)
    assert sorted(r["custom_id"] for r in failed) == ["c0", "c5"]
    assert {r["response"]["status_code"] for r in failed} == {500}
    assert len(_rows(client, done.output_file_id)) == 8
    assert (done.request_counts.completed, done.request_counts.failed) == (8, 2)


def test_expired_lines_are_reported_with_batch_expired(echo_server):
    ScriptedBatches(echo_server, BatchFaults(expire_from=2))
    client, batch_id = _submit(echo_server, 4)
    client.batches.retrieve(batch_id)
    done = client.batches.retrieve(batch_id)
    assert done.status == "expired"
    expired = _rows(client, done.error_file_id)
    assert [(r["custom_id"], r["error"]["code"]) for r in expired] == [("c2", "batch_expired"), ("c3", "batch_expired")]


def test_a_failed_batch_runs_nothing_and_says_why(echo_server):
    batches = ScriptedBatches(echo_server, BatchFaults(fail_batch="line 1: model is required"))
    client, batch_id = _submit(echo_server, 2)
    failed = client.batches.retrieve(batch_id)
    assert failed.status == "failed" and failed.errors.data[0].message == "line 1: model is required"
    assert failed.output_file_id is None and batches.counted["requests"] == 0


def test_cancelled_midway_keeps_the_lines_already_run(echo_server):
    ScriptedBatches(echo_server, BatchFaults(cancel_after=1))
    client, batch_id = _submit(echo_server, 3)
    client.batches.retrieve(batch_id)
    done = client.batches.retrieve(batch_id)
    assert done.status == "cancelled" and [r["custom_id"] for r in _rows(client, done.output_file_id)] == ["c0"]
    assert done.error_file_id is None  # the lines never run are in no file


def test_a_client_cancel_during_progress_goes_through_cancelling(echo_server):
    ScriptedBatches(echo_server)
    client, batch_id = _submit(echo_server, 4)
    client.batches.retrieve(batch_id)
    assert client.batches.cancel(batch_id).status == "cancelling"
    done = client.batches.retrieve(batch_id)
    assert done.status == "cancelled" and len(_rows(client, done.output_file_id)) == 2


def test_an_endpoint_without_batches_answers_404_like_llama_cpp(echo_server):
    ScriptedBatches(echo_server, supported=False)
    client = openai.OpenAI(base_url=echo_server.url, api_key="k", max_retries=0)
    with pytest.raises(openai.NotFoundError):
        client.files.create(file=("in.jsonl", _jsonl(1)), purpose="batch")
    assert client.chat.completions.create(model="m", messages=[{"role": "user", "content": "say x"}])


def test_the_servers_key_is_required_on_batches_too():
    with ScriptedServer(responder=lambda body: "ok", api_key="right") as server:
        ScriptedBatches(server)
        client = openai.OpenAI(base_url=server.url, api_key="wrong", max_retries=0)
        with pytest.raises(openai.AuthenticationError):
            client.batches.list()

"""The real embedded model end to end: packaged weights, llama.cpp's server, the openai client. Few and short.

Each test skips with a reason when the [local] extra (llama-cpp-python, the 0.5b weight packages) is not
installed. One server is started for the module; replies are kept to a few dozen tokens (CI has 2 cores).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from author_tui.errors import ModelError
from author_tui.llm.local_model import SPECS, ensure_weights, locate_parts
from author_tui.llm.local_server import LocalServer, llama_server

pytestmark = pytest.mark.local_model

SPEC = SPECS["0.5b"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The 0.5b model assembled from its real part packages, once per module."""
    try:
        locate_parts(SPEC)
    except ModelError as error:
        pytest.skip(f"the packaged 0.5b weights are not installed ({error.message})")
    return ensure_weights(SPEC, tmp_path_factory.mktemp("models"))


@pytest.fixture(scope="module")
def llama(weights: Path) -> Iterator[LocalServer]:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python (the [local] extra) is not installed")
    with llama_server(weights, alias=SPEC.alias, n_ctx=2048) as server:
        yield server


def test_the_real_parts_assemble_to_the_published_gguf(weights: Path) -> None:
    # ensure_weights verified the sha256 while writing; here: the result is what llama.cpp expects
    assert weights.stat().st_size == SPEC.size
    assert weights.read_bytes()[:4] == b"GGUF"
    assert ensure_weights(SPEC, weights.parent, finder=_no_parts) == weights  # cached from now on


def _no_parts(package: str) -> Path:
    raise AssertionError("the assembled model was not reused")


class Verdict(BaseModel):
    language: str
    hangul: bool


def test_json_object_with_a_schema_comes_back_parseable(llama: LocalServer) -> None:
    import openai

    client = openai.OpenAI(base_url=llama.url, api_key="not-needed", timeout=120, max_retries=0)
    schema = {"type": "object", "additionalProperties": False, "required": ["language", "hangul"],
              "properties": {"language": {"type": "string", "enum": ["korean", "english"]},
                             "hangul": {"type": "boolean"}}}
    # llama-cpp-python 0.3.36 answers json_schema with HTTP 500 but honours a schema inside json_object
    request: dict[str, Any] = {
        "model": SPEC.alias, "temperature": 0, "max_tokens": 32,
        "messages": [{"role": "system", "content": "Answer in JSON."},
                     {"role": "user", "content": "Which language is this, and is it in Hangul? 안녕하세요"}],
        "response_format": {"type": "json_object", "schema": schema},
    }
    reply = client.chat.completions.create(**request)
    verdict = Verdict.model_validate(json.loads(reply.choices[0].message.content or ""))
    assert verdict.language in ("korean", "english")
    assert reply.usage is not None and reply.usage.prompt_tokens > 10


def test_streaming_delivers_the_reply_in_pieces(llama: LocalServer) -> None:
    import openai

    client = openai.OpenAI(base_url=llama.url, api_key="not-needed", timeout=120, max_retries=0)
    stream = client.chat.completions.create(
        model="any-name-is-served",  # the server has one model; clients configured for another still work
        temperature=0, max_tokens=12, stream=True,
        messages=[{"role": "user", "content": "Count from one to five in English words."}],
    )
    pieces = [chunk.choices[0].delta.content for chunk in stream
              if chunk.choices and chunk.choices[0].delta.content]
    assert len(pieces) > 2
    assert "".join(pieces).strip()


def test_serve_local_runs_llama_until_ctrl_c(weights: Path, tmp_path: Path) -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python (the [local] extra) is not installed")
    model = tmp_path / "served-by-command.gguf"  # its own path, to find its own llama.cpp process
    model.symlink_to(weights)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "author_tui", "serve-local", "--model-path", str(model), "--ctx", "512"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1"), process.stderr
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        models = json.loads(opener.open(f"{url}/models", timeout=10).read())
        assert [model["id"] for model in models["data"]] == [model.stem]
        llama_pids = _pids_running(str(model))
        assert llama_pids, "no llama.cpp process found"
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "stopped" in err
    assert not _pids_running(str(model))


def _pids_running(argument: str) -> list[int]:
    """Live processes whose command line contains `argument` (this test's model path is unique)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and argument.encode() in (entry / "cmdline").read_bytes():
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                found += [int(entry.name)] if state != "Z" else []
        except OSError:
            continue
    return found

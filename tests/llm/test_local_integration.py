"""The real embedded model end to end: packaged weights, llama.cpp's server, the openai client. Few and short.

Each test skips with a reason when the [local] extra (llama-cpp-python, the 0.5b weight packages) is not
installed. One server is started for the module; replies are kept to a few dozen tokens (CI has 2 cores).
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import BaseModel

from author_tui.config import load_settings
from author_tui.core.authoring import Authoring
from author_tui.core.model import ArchiveDoc, Entry
from author_tui.core.outputs import NoteDraft, Translation
from author_tui.core.text import has_hangul
from author_tui.errors import ModelError
from author_tui.llm import build_authoring
from author_tui.llm.embedded import ensure_local_server, stop_local_server
from author_tui.llm.local_model import SPECS, ensure_weights, locate_parts

pytestmark = pytest.mark.local_model

SPEC = SPECS["0.5b"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The 0.5b model assembled from its real part packages, once per module (about a second)."""
    try:
        locate_parts(SPEC)
    except ModelError as error:
        pytest.skip(f"the packaged 0.5b weights are not installed ({error.message})")
    path = ensure_weights(SPEC, tmp_path_factory.mktemp("models"))
    yield path
    path.unlink(missing_ok=True)  # 491 MB, and pytest keeps its last three sessions' temp folders


@pytest.fixture(scope="module")
def embedded(weights: Path) -> Iterator[str]:
    """The process's embedded server (ensure_local_server) on the real weights: one per module."""
    if importlib.util.find_spec("llama_cpp") is None:
        pytest.skip("llama-cpp-python (the [local] extra) is not installed")
    yield ensure_local_server(SimpleNamespace(local_model_path=weights, local_context_size=4096))
    stop_local_server()


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


def test_json_object_with_a_schema_comes_back_parseable(embedded: str) -> None:
    import openai

    client = openai.OpenAI(base_url=embedded, api_key="not-needed", timeout=120, max_retries=0)
    schema = {"type": "object", "additionalProperties": False, "required": ["language", "hangul"],
              "properties": {"language": {"type": "string", "enum": ["korean", "english"]},
                             "hangul": {"type": "boolean"}}}
    # Any model name is served (the server has one). llama-cpp-python 0.3.36 answers json_schema with
    # HTTP 500 but honours a schema inside json_object.
    request: dict[str, Any] = {
        "model": "any-name-is-served", "temperature": 0, "max_tokens": 32,
        "messages": [{"role": "system", "content": "Answer in JSON."},
                     {"role": "user", "content": "Which language is this, and is it in Hangul? 안녕하세요"}],
        "response_format": {"type": "json_object", "schema": schema},
    }
    reply = client.chat.completions.create(**request)
    verdict = Verdict.model_validate(json.loads(reply.choices[0].message.content or ""))
    assert verdict.language in ("korean", "english")
    assert reply.usage is not None and reply.usage.prompt_tokens > 10


def test_streaming_delivers_the_reply_in_pieces(embedded: str) -> None:
    import openai

    client = openai.OpenAI(base_url=embedded, api_key="not-needed", timeout=120, max_retries=0)
    stream = client.chat.completions.create(
        model=SPEC.alias,
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


# --- the use cases on the embedded model: structure, not wording -------------------------------------------

# Small past notes of our own: the few-shot examples and the tag vocabulary the model is given.
PAST = [
    ("Scaling Laws for Sparse Experts", "We fit scaling laws for mixture-of-experts models across sizes.",
     "MoE 모델의 Scaling Law 분석. Expert 수를 늘릴 때의 이득이 생각보다 빨리 줄어드는군요.",
     "An analysis of scaling laws for MoE models. Adding experts pays off less than I expected.",
     ["moe", "scaling-law"]),
    ("Extending RoPE to a Million Tokens", "We extend rotary position embeddings to one million tokens.",
     "RoPE를 1M 토큰까지 늘리는 방법. Long Context 평가가 Needle 위주라 실제 활용은 의문이네요.",
     "A way to stretch RoPE to 1M tokens. The evaluation is mostly needle tests, so real use is doubtful.",
     ["long-context", "positional-encoding"]),
    ("Reward Models Overfit to Length", "Reward models prefer longer answers; we propose a correction.",
     "Reward Model이 길이에 편향된다는 결과. 이미 알려진 문제지만 보정 방법이 간단해서 좋네요.",
     "Reward models are biased toward length. A known problem, but the fix is simple, which is nice.",
     ["reward-model", "rlhf"]),
]
DOCS = [ArchiveDoc(key=f"past-{i}", date=dt.date(2025, 1, i + 1),
                   entry=Entry(title=t, authors="A. Author", abstract=a, note=n, english=e, tags=g))
        for i, (t, a, n, e, g) in enumerate(PAST)]
VOCABULARY = {tag for *_, tags in PAST for tag in tags}
PAPER = Entry(title="Load-Aware Routing for Mixture-of-Experts", authors="B. Writer",
              abstract="Mixture-of-Experts (MoE) models route each token to a few experts, but imbalanced "
              "routing wastes capacity. A load-aware router re-routes tokens of overloaded experts. On a 7B "
              "MoE model, throughput improves by 18%.")


@pytest.fixture
def authoring(embedded: str, weights: Path, tmp_path: Path) -> Authoring:
    """The use cases as the app builds them with no endpoint configured: on the embedded server."""
    settings = load_settings(local_model_path=weights, cache_dir=tmp_path / "cache", no_cache=True,
                             temperature=0.0)
    built = build_authoring(settings, DOCS)
    assert built.client.options.base_url == embedded  # type: ignore[attr-defined]  # reused, not restarted
    return built


def test_a_draft_is_a_korean_note_or_says_it_is_not(authoring: Authoring) -> None:
    # How often the 0.5B writes Korean is a score (bench/quality.py: 97-100 % on 30 unseen notes), not a
    # test: on this one short paper at temperature 0 it copies the abstract, and a prompt that fixed this
    # paper wrote Korean for 8 of 10 bench notes instead of 10. What must hold every time: a draft comes
    # back through the real server, and one that is not Korean is never passed off as a note.
    result = authoring.draft_note(PAPER)
    assert isinstance(result.value, NoteDraft) and result.value.note
    flagged = [w for w in result.warnings if w.severe and "not Korean" in w.message]
    assert has_hangul(result.value.note) or flagged, f"English draft without a warning: {result.value.note!r}"


def test_a_translation_is_english(authoring: Authoring) -> None:
    entry = PAPER.model_copy(update={"note": "MoE 라우팅의 부하 문제를 다룬 논문. 처리량이 18% 늘었다는군요."})
    result = authoring.translate(entry)
    assert isinstance(result.value, Translation)
    assert len(result.value.english) >= 10 and not has_hangul(result.value.english)


def test_tags_come_from_the_given_vocabulary(authoring: Authoring) -> None:
    result = authoring.suggest_tags(PAPER.model_copy(update={"note": PAST[0][2]}))
    chosen = result.value.tags
    assert 1 <= len(chosen) <= 6
    assert set(chosen) - set(result.value.new_tags) <= VOCABULARY, chosen

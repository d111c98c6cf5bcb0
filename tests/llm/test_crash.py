"""A server that crashes (what a llama.cpp built for another CPU does on its first request) is named as a
crash by every caller, and restarted at most once.

The "server" is a few lines of http.server that answer /v1/models and kill themselves with SIGSEGV on a
completion (after `answers` good ones), so the real supervisor, LocalServer, client and CLI paths run.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from author_tui.cli import main
from author_tui.core.outputs import Translation
from author_tui.core.port import ModelRequest
from author_tui.core.prompting import Message
from author_tui.errors import EmbeddedModelCrashed
from author_tui.llm import embedded
from author_tui.llm.client import ClientOptions, OpenAIModelClient
from author_tui.llm.failures import Backoff
from author_tui.llm.local_server import LocalServer

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="signals and /proc")

SERVER = r'''
import json, os, signal, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
port, answers, counter = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]  # counter: completions so far,
count = [0]                                                                 # across restarts
class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass
    def reply(self, data):
        body = json.dumps(data).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.reply({"object": "list", "data": [{"id": "fake"}]})
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        with open(counter, "a") as seen:
            seen.write(".")
        with open(counter) as seen:
            count[0] = len(seen.read())
        if count[0] > answers:
            os.kill(os.getpid(), signal.SIGSEGV)
        self.reply({"choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": "좋은 노트네요."}}],
                    "usage": {"prompt_tokens": 5, "completion_tokens": 3}})
HTTPServer(("127.0.0.1", port), Handler).serve_forever()
'''


def crashing(tmp_path: Path, answers: int = 0):
    script = tmp_path / "crashing_server.py"
    script.write_text(SERVER)
    counter = tmp_path / "completions"
    return lambda port: [sys.executable, str(script), str(port), str(answers), str(counter)]


def test_a_server_that_crashes_on_its_first_request_is_named_and_restarted_once(tmp_path: Path) -> None:
    server = LocalServer(crashing(tmp_path), warm_up="fake", log_path=tmp_path / "server.log")
    with pytest.raises(EmbeddedModelCrashed) as caught:
        server.start()
    message = str(caught.value)
    assert "crashed (signal 11, SIGSEGV) on its first request" in message
    assert "this llama.cpp build does not run on this CPU" in message
    assert "scripts/install.py" in caught.value.hint and "doctor" in caught.value.hint
    assert caught.value.signal == signal.SIGSEGV
    assert not server.alive
    assert server.crashes() == [signal.SIGSEGV, signal.SIGSEGV]  # restarted once, then given up
    assert "crashed (signal 11) again; not starting it again" in server.log_tail()


class Launch:
    """ensure_local_server on the crashing server: every server it made, and how many requests succeed."""

    def __init__(self) -> None:
        self.made: list[LocalServer] = []
        self.answers = 0


@pytest.fixture
def launch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Launch]:
    launch = Launch()

    def server_for(settings: object, model: Path, port: int | None) -> LocalServer:
        launch.made.append(LocalServer(crashing(tmp_path, launch.answers), port=port, warm_up="fake"))
        return launch.made[-1]

    monkeypatch.setattr(embedded, "model_for", lambda s: tmp_path / "model.gguf")
    monkeypatch.setattr(embedded, "server_for", server_for)
    monkeypatch.setattr(embedded, "_crashed", {})
    yield launch
    embedded.stop_local_server()


def test_a_crashed_build_is_never_started_again(launch: Launch) -> None:
    with pytest.raises(EmbeddedModelCrashed, match="first request"):
        embedded.ensure_local_server(None)
    with pytest.raises(EmbeddedModelCrashed, match="first request"):
        embedded.ensure_local_server(None)  # remembered: no second server, no restart loop
    assert len(launch.made) == 1


def test_draft_says_the_model_crashed_and_how_to_fix_it(
    launch: Launch, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    for name in ("AUTHOR_TUI_BASE_URL", "OPENAI_BASE_URL", "AUTHOR_TUI_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTHOR_TUI_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("AUTHOR_TUI_DRAFTS_DIR", str(tmp_path / "drafts"))
    code = main(["draft", "--title", "A paper", "--abstract", "We study things."])
    err = capsys.readouterr().err
    assert code == 3
    assert "embedded model crashed (signal 11, SIGSEGV) on its first request" in err
    assert "cannot reach" not in err


def test_a_crash_while_answering_is_a_crash_not_an_unreachable_server(launch: Launch) -> None:
    launch.answers = 1  # the warm-up succeeds; every request after it crashes the server
    url = embedded.ensure_local_server(None)
    options = ClientOptions(base_url=url, model="fake", api_key=None, key_required=False, max_retries=8,
                            use_cache=False)
    retries_span_a_restart = Backoff(base=0.2, cap=0.5, rand=lambda: 1.0)
    client = OpenAIModelClient(options, None, None, backoff=retries_span_a_restart)
    request = ModelRequest("translate", (Message("user", "노트"),), "hash")
    with pytest.raises(EmbeddedModelCrashed, match="while answering a request"):
        client.generate(request, Translation)
    with pytest.raises(EmbeddedModelCrashed):
        embedded.ensure_local_server(None)  # the supervisor gave up after the second crash in a row
    assert len(launch.made) == 1

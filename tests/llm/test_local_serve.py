"""`author-tui serve-local`: its help, and a foreground run that prints the URL and stops on Ctrl-C.

llama.cpp is replaced by Python's `http.server` here; test_local_integration.py runs the real command.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path

import pytest

from author_tui import cli
from author_tui.llm import embedded, local_server
from author_tui.llm.local_server import LocalServer


def test_help_names_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["serve-local", "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    for option in ("--port", "--model-size", "--model-path", "--ctx", "--threads", "--log", "--cache-dir"):
        assert option in text
    assert "127.0.0.1" in text and "Ctrl-C" in text and "author-tui[local]" in text


def test_an_unknown_model_size_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["serve-local", "--model-size", "7b"])
    assert "invalid choice: '7b'" in capsys.readouterr().err


@pytest.fixture
def fake_llama(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """llama_command replaced by a static HTTP server; returns the arguments it was called with."""
    (tmp_path / "www" / "v1").mkdir(parents=True)
    (tmp_path / "www" / "v1" / "models").write_text('{"object": "list", "data": [{"id": "mine"}]}')
    calls: list[list[str]] = []

    def llama_command(model: Path, *, alias: str, n_ctx: int, threads: int | None) -> local_server.Command:
        calls.append([str(model), alias, str(n_ctx), str(threads)])
        return lambda port: [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(tmp_path / "www")]

    monkeypatch.setattr(embedded, "llama_command", llama_command)
    monkeypatch.setattr(embedded, "require_llama_cpp", lambda: None)
    return calls


def test_serves_in_the_foreground_until_ctrl_c(
    fake_llama: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = tmp_path / "mine.gguf"
    model.write_bytes(b"GGUF")
    seen: dict[str, object] = {}

    def press_ctrl_c(server: LocalServer) -> int:  # instead of blocking: look, then interrupt
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        seen["models"] = json.loads(opener.open(f"{server.url}/models", timeout=5).read())
        seen["server"] = server
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalServer, "wait", press_ctrl_c)
    port = local_server.free_port()
    code = cli.main(["serve-local", "--model-path", str(model), "--port", str(port), "--ctx", "2048",
                     "--threads", "1"])
    out, err = capsys.readouterr()
    assert code == 0
    assert out == f"http://127.0.0.1:{port}/v1\n"  # only the URL on stdout, for scripts
    assert "serving mine" in err and "stopped" in err
    assert seen["models"] == {"object": "list", "data": [{"id": "mine"}]}
    assert fake_llama == [[str(model), "mine", "2048", "1"]]
    assert not seen["server"].alive  # type: ignore[attr-defined]


def test_a_missing_model_file_is_one_line_and_exit_code_3(
    fake_llama: list[list[str]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["serve-local", "--model-path", str(tmp_path / "absent.gguf")])
    assert code == 3
    assert "absent.gguf does not exist" in capsys.readouterr().err
    assert fake_llama == []

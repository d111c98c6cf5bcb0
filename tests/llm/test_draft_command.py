"""`author-tui draft` end to end: CLI -> settings -> use cases -> real openai client -> scripted server."""

from __future__ import annotations

import io
import json

import pytest

from author_tui.cli import main
from tests.support.scripted_answers import answering, structured_content
from tests.support.scripted_server import ScriptedReply, ScriptedServer

VALUES = {
    "note": "RoPE 보간으로 Context를 늘리는군요.",
    "english": "It extends the context with RoPE interpolation.",
    "tags": ["long-context"],
    "new_tags": [],
}
PASTED = "Title: Quiet Tokens\nAuthors: Dana Cho, Eun Lee\nAbstract: We prune 80% of tokens.\n"


@pytest.fixture
def endpoint(monkeypatch):
    with ScriptedServer(responder=answering(**VALUES)) as server:
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
        monkeypatch.setenv("AUTHOR_TUI_MODEL", "scripted")
        yield server


def test_flags_in_house_format_out(endpoint, capsys):
    code = main(
        ["draft", "--title", "Quiet Tokens", "--authors", "Dana Cho", "--abstract", "We prune.", "--date", "2031-02-03"]
    )
    out = capsys.readouterr()
    assert code == 0
    assert out.out == (
        "2031년 2월 3일\nQuiet Tokens\n(Dana Cho)\nWe prune.\n"
        + VALUES["note"]
        + "\n"
        + VALUES["english"]
        + "\n#long-context\n"
    )
    assert endpoint.total == 3  # draft, translate, tags
    assert out.err == ""  # no warnings: no archive, so no vocabulary to be outside of


def test_pasted_block_on_stdin_and_json_out(endpoint, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASTED))
    assert main(["draft", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["title"], data["authors"], data["abstract"]) == (
        "Quiet Tokens",
        "Dana Cho, Eun Lee",
        "We prune 80% of tokens.",
    )
    assert data["note"] == VALUES["note"] and data["tags"] == ["long-context"]
    assert data["usage"]["requests"] == 3 and data["usage"]["prompt_tokens"] > 0


def test_a_second_run_is_served_from_the_cache_and_no_cache_asks_again(endpoint, capsys, tmp_path):
    paper = tmp_path / "paper.txt"
    paper.write_text(PASTED)
    main(["draft", "--file", str(paper), "--json"])
    main(["draft", "--file", str(paper), "--json"])
    assert endpoint.total == 3
    assert json.loads(capsys.readouterr().out.split("\n}\n")[1] + "\n}")["usage"]["cache_hits"] == 3
    main(["draft", "--file", str(paper), "--no-cache"])
    assert endpoint.total == 6


def test_warnings_go_to_stderr(monkeypatch, capsys):
    english_with_hangul = {**VALUES, "english": "Still 한국어 here."}
    with ScriptedServer(responder=answering(**english_with_hangul)) as server:
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
        assert main(["draft", "--title", "T", "--date", "2031-02-03", "--json"]) == 0
    err = capsys.readouterr().err
    assert "author-tui: warning: english: the translation still contains Hangul" in err


def test_the_whole_ladder_down_to_tagged_text(monkeypatch, capsys):
    def no_formats(body):
        if body.get("response_format"):
            return ScriptedReply.failure(400, "response_format is not supported by this server")
        return structured_content(body, VALUES)

    with ScriptedServer(responder=no_formats) as server:
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
        assert main(["draft", "--title", "T", "--date", "2031-02-03"]) == 0
        assert server.total == 2 + 2 + 1  # note and English as plain text; tags: two refused probes, then tagged
        assert [bool(r.get("response_format")) for r in server.requests] == [False, False, True, True, False]
    assert "#long-context" in capsys.readouterr().out


def test_few_shot_examples_come_from_the_archive(endpoint, tmp_path, capsys):
    vault = tmp_path / "vault"
    vault.mkdir()
    (vault / "310101 Rotary.md").write_text(
        "https://arxiv.org/abs/3101.00001\n\n*Rotary context scaling* (A. B)\n\n> rotary context scaling\n\n"
        "로터리 임베딩 스케일링이네요.\n\n#long-context"
    )
    assert main(["draft", "--title", "Rotary context", "--archive", str(vault), "--date", "2031-02-03"]) == 0
    turns = endpoint.requests[0]["messages"]
    assert turns[1]["content"].startswith("Title: Rotary context scaling")
    assert turns[2] == {"role": "assistant", "content": "로터리 임베딩 스케일링이네요."}  # plain text, no JSON
    assert "response_format" not in endpoint.requests[0] and "JSON" not in turns[-1]["content"]
    assert "#long-context(1)" in endpoint.requests[2]["messages"][0]["content"]


def test_refresh_asks_again_with_a_new_sample_and_replaces_the_cached_reply(endpoint, capsys, tmp_path):
    paper = tmp_path / "paper.txt"
    paper.write_text(PASTED)
    main(["draft", "--file", str(paper), "--json"])
    main(["draft", "--file", str(paper), "--json", "--refresh"])
    assert endpoint.total == 6
    first, again = endpoint.requests[0], endpoint.requests[3]
    assert first["messages"] == again["messages"]
    assert "seed" not in first and isinstance(again["seed"], int) and again["temperature"] >= 0.8
    main(["draft", "--file", str(paper), "--json"])
    assert endpoint.total == 6  # the refreshed replies are the cached ones now


def test_a_model_failure_is_one_line_and_exit_code_3(monkeypatch, capsys):
    missing = ScriptedReply.failure(404, "no such model", "model_not_found")
    with ScriptedServer(responder=lambda body: missing) as server:
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
        assert main(["draft", "--title", "T", "--model", "nope"]) == 3
    err = capsys.readouterr().err
    assert "model 'nope' is not available" in err and "hint:" in err


def test_a_file_that_is_not_utf8_is_named_with_its_line(tmp_path, capsys):
    paper = tmp_path / "paper.txt"
    paper.write_bytes(b"A title\nAuthors\n\xff abstract\n")
    assert main(["draft", "--file", str(paper)]) == 1
    err = capsys.readouterr().err
    assert f"{paper}:3: expected UTF-8 text" in err and "Traceback" not in err

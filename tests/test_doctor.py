"""`author-tui doctor`: every check against real servers on 127.0.0.1, and the CPU-feature comparison."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from author_tui.cli import main
from author_tui.llm.runtime import check_build
from tests.support.scripted_answers import answering
from tests.support.scripted_server import ScriptedServer

PORTABLE_INFO = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | OPENMP = 1 |"
NATIVE_AMX_INFO = PORTABLE_INFO + " AVX512 = 1 | AMX_INT8 = 1 |"
ZEN3 = "flags\t\t: fpu sse sse2 pni ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2\n"
SAPPHIRE_RAPIDS = ZEN3.rstrip("\n") + " avx512f amx_tile amx_int8\n"


def test_a_portable_build_runs_here() -> None:
    build = check_build(PORTABLE_INFO, ZEN3)
    assert build.ok and "AVX2" in build.compiled and "OPENMP" not in build.compiled


def test_a_native_avx512_build_on_a_cpu_without_it_is_named() -> None:
    build = check_build(NATIVE_AMX_INFO, ZEN3)
    assert not build.ok and build.missing == ("AVX512", "AMX_INT8")


def test_amx_kernels_are_flagged_even_where_the_cpu_advertises_amx() -> None:
    build = check_build(NATIVE_AMX_INFO, SAPPHIRE_RAPIDS)
    assert build.missing == () and build.fragile == ("AMX_INT8",) and not build.ok


def run_doctor(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str]]:
    code = main(["doctor", *argv])
    return code, capsys.readouterr().out.splitlines()


def line(lines: list[str], name: str) -> str:
    return next(text for text in lines if text[2:].startswith(f"{name}:"))


def test_every_check_passes_against_an_openai_compatible_server(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with ScriptedServer(responder=answering(tags=["attention"], new_tags=[])) as server:
        monkeypatch.setenv("AUTHOR_TUI_BASE_URL", server.url)
        code, lines = run_doctor(capsys)
    assert code == 0, lines
    assert all(text.startswith("✓") for text in lines if text[:1] in ("✓", "✗"))
    assert "env: base_url" in line(lines, "settings")  # where each setting came from
    assert "completes one token in" in line(lines, "completion")
    assert "structured output via '" in line(lines, "structured output")
    assert lines[-1] == "all checks passed"


class NotOpenAI(BaseHTTPRequestHandler):
    """A web server: an HTML page on GET, 501 on POST (http.server's own answer)."""

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        body = b"<html><body>Welcome</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def web_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), NotOpenAI)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()
    httpd.server_close()


def test_a_server_that_is_not_openai_compatible_is_named_as_such(
    web_server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTHOR_TUI_BASE_URL", web_server)
    code, lines = run_doctor(capsys)
    assert code == 1
    endpoint = line(lines, "endpoint")
    assert endpoint.startswith("✗") and "not an OpenAI-compatible endpoint" in endpoint and "text/html" in endpoint
    assert "- completion, structured output: skipped" in lines
    assert "retry later" not in "\n".join(lines)


def test_an_unreachable_endpoint_fails_with_the_fix(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    with ScriptedServer() as server:
        url = server.url  # a port nobody listens on once the server is gone
    monkeypatch.setenv("AUTHOR_TUI_BASE_URL", url)
    code, lines = run_doctor(capsys)
    assert code == 1 and line(lines, "endpoint").startswith("✗ endpoint: cannot reach")
    assert any("fix: check base_url" in text for text in lines)


def test_a_drafts_dir_that_cannot_be_written_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("AUTHOR_TUI_DRAFTS_DIR", str(blocker / "drafts"))
    monkeypatch.setenv("AUTHOR_TUI_BASE_URL", "http://127.0.0.1:9/v1")
    code, lines = run_doctor(capsys, "--offline")
    assert code == 1 and line(lines, "drafts dir").startswith("✗")
    assert line(lines, "cache dir").startswith("✓") and line(lines, "data dir").startswith("✓")


def test_prompts_and_archive_are_counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AUTHOR_TUI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("AUTHOR_TUI_ARCHIVE", str(tmp_path / "empty-archive"))
    (tmp_path / "empty-archive").mkdir()
    code, lines = run_doctor(capsys, "--offline")
    assert code == 1
    assert line(lines, "prompts").startswith("✓") and "templates in" in line(lines, "prompts")
    assert line(lines, "archive").startswith("✗ archive: no notes found")


def test_drafting_against_a_web_server_says_it_is_not_openai_compatible(
    web_server: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AUTHOR_TUI_BASE_URL", web_server)
    code = main(["draft", "--title", "A paper", "--abstract", "We study things."])
    err = capsys.readouterr().err
    assert code == 3
    assert "is not an OpenAI-compatible endpoint: it answered HTTP 501" in err
    assert "retry later" not in err

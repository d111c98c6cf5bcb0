"""The call log: every record kept with its fields, queried by time and task, pruned by retention, and
never holding the key (blanked even when a message carries it); `author-tui log` prints it."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from author_tui.cli import main
from author_tui.commands.log import parse_since
from author_tui.core.port import CallRecord, Usage
from author_tui.errors import ConfigError
from author_tui.store.calllog import CallLog

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
KEY = "sk-test-SECRET-0123456789"


def record(minutes_ago: float, task: str = "translate", **fields) -> CallRecord:
    values = dict(started=NOW - timedelta(minutes=minutes_ago), task=task, prompt_name=task, prompt_hash="ab" * 32,
                  model="gpt-4o-mini", endpoint="http://127.0.0.1:9/v1", rung="json_schema",
                  usage=Usage(120, 30, 0, 1, 0), seconds=1.25, cached=False, outcome="ok",
                  messages=[{"role": "user", "content": "노트를 번역하세요"}], reply_text='{"english": "Hi."}')
    values.update(fields)
    return CallRecord(**values)


def test_a_record_comes_back_with_every_field(tmp_path: Path):
    log = CallLog(tmp_path, 30, clock=lambda: NOW)
    log.record(record(5))
    [call] = log.calls()
    assert (call.task, call.prompt_name, call.model, call.rung, call.prompt_tokens, call.completion_tokens) == (
        "translate", "translate", "gpt-4o-mini", "json_schema", 120, 30)
    assert call.started == "2026-12-01T08:55:00.000+00:00" and call.seconds == 1.25 and call.outcome == "ok"
    assert call.messages == [{"role": "user", "content": "노트를 번역하세요"}] and call.reply == '{"english": "Hi."}'


def test_the_http_attempts_reach_the_log_and_every_column_is_a_field(tmp_path: Path):
    import dataclasses

    from author_tui.store.calllog import COLUMNS, LoggedCall

    assert tuple(f.name for f in dataclasses.fields(LoggedCall)) == COLUMNS  # one list, not four copies
    log = CallLog(tmp_path, 30, clock=lambda: NOW)
    log.record(record(5, usage=Usage(120, 30, 0, 1, 0, attempts=3)))
    [call] = log.calls()
    assert call.attempts == 3 and call.as_json()["attempts"] == 3


def test_a_log_from_before_the_attempts_column_gains_it(tmp_path: Path):
    old = sqlite3.connect(tmp_path / "calls.sqlite")
    old.execute("CREATE TABLE calls (id INTEGER PRIMARY KEY, started TEXT NOT NULL, task TEXT NOT NULL, "
                "prompt_name TEXT NOT NULL, prompt_hash TEXT NOT NULL, model TEXT NOT NULL, endpoint TEXT NOT NULL, "
                "rung TEXT, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, "
                "cached_tokens INTEGER NOT NULL, requests INTEGER NOT NULL, seconds REAL NOT NULL, "
                "cached INTEGER NOT NULL, outcome TEXT NOT NULL, messages TEXT NOT NULL, reply TEXT NOT NULL)")
    old.execute("INSERT INTO calls (started, task, prompt_name, prompt_hash, model, endpoint, rung, prompt_tokens, "
                "completion_tokens, cached_tokens, requests, seconds, cached, outcome, messages, reply) VALUES "
                "('2026-12-01T08:50:00.000+00:00', 'draft', 'draft', 'h', 'm', 'e', NULL, 1, 2, 0, 1, 0.5, 0, "
                "'ok', '[]', 'old')")
    old.commit()
    old.close()
    log = CallLog(tmp_path, 30, clock=lambda: NOW)
    log.record(record(5, usage=Usage(120, 30, 0, 1, 0, attempts=2)))
    assert [(c.reply, c.attempts) for c in log.calls()] == [("old", 0), ('{"english": "Hi."}', 2)]


def test_queries_by_time_and_task_and_the_last_call_of_a_task(tmp_path: Path):
    log = CallLog(tmp_path, 30, clock=lambda: NOW)
    for minutes, task in ((50, "draft"), (40, "translate"), (30, "tags"), (20, "translate")):
        log.record(record(minutes, task, reply_text=f"at {minutes}"))
    assert [c.reply for c in log.calls(since=NOW - timedelta(minutes=35))] == ["at 30", "at 20"]
    assert [c.reply for c in log.calls(task="translate")] == ["at 40", "at 20"]
    assert log.last("translate").reply == "at 20" and log.last("nothing") is None


def test_retention_drops_old_calls_and_zero_days_keeps_no_log(tmp_path: Path):
    old = CallLog(tmp_path, 30, clock=lambda: NOW - timedelta(days=40))
    old.record(record(60 * 24 * 40, reply_text="old"))  # 40 days before NOW: kept by a log 40 days ago
    old.record(record(60 * 24 * 5, reply_text="recent"))
    old.close()
    later = CallLog(tmp_path, 30, clock=lambda: NOW)
    assert [c.reply for c in later.calls()] == ["recent"]
    none = CallLog(tmp_path / "none", 0)
    none.record(record(1))
    assert not (tmp_path / "none").exists()


def test_the_key_is_never_written_and_endpoints_lose_user_info_and_query(tmp_path: Path):
    log = CallLog(tmp_path, 30, secrets=[KEY], clock=lambda: NOW)
    log.record(record(1, endpoint=f"https://user:{KEY}@example.test/v1?api-key={KEY}",
                      messages=[{"role": "user", "content": f"my key is {KEY}"}], reply_text=f"echo {KEY}"))
    log.close()
    for path in tmp_path.rglob("*"):
        assert KEY.encode() not in path.read_bytes(), path
    [call] = CallLog(tmp_path, 30, clock=lambda: NOW).calls()
    assert call.endpoint == "https://example.test/v1" and "[redacted]" in call.reply


def test_an_unwritable_log_never_fails_the_call(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    log = CallLog(blocker, 30)
    log.record(record(1))
    assert "call log" in log.unwritable


def test_many_threads_append_at_once(tmp_path: Path):
    import threading

    log = CallLog(tmp_path, 30, clock=lambda: NOW)
    threads = [threading.Thread(target=lambda: [log.record(record(1)) for _ in range(25)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sqlite3.connect(tmp_path / "calls.sqlite").execute("SELECT count(*) FROM calls").fetchone()[0] == 100


def test_since_accepts_dates_times_and_ages():
    assert parse_since("2026-11-30", NOW) == datetime(2026, 11, 30, tzinfo=UTC)
    assert parse_since("2026-11-30T09:30", NOW) == datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    assert parse_since("2h", NOW) == NOW - timedelta(hours=2) and parse_since("3d", NOW) == NOW - timedelta(days=3)
    with pytest.raises(ConfigError):
        parse_since("yesterday", NOW)


def test_the_log_command_prints_lines_and_json(tmp_path: Path, capsys, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("AUTHOR_TUI_DATA_DIR", str(data))
    log = CallLog(data, 3650)
    log.record(record(1, task="tags", reply_text="tag reply"))
    log.record(record(0.5, task="translate", reply_text="translate reply"))
    log.close()
    assert main(["log", "--task", "translate"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and "translate" in out[0] and "120+30 tok" in out[0]
    assert main(["log", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["reply"] for r in rows] == ["tag reply", "translate reply"]
    assert main(["log", "--full", "--task", "tags"]) == 0
    assert "tag reply" in capsys.readouterr().out


def test_log_limit_counts_calls_and_zero_means_none(tmp_path: Path, capsys, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("AUTHOR_TUI_DATA_DIR", str(data))
    log = CallLog(data, 3650)
    for n in range(3):
        log.record(record(n, task="translate", reply_text=f"reply {n}"))
    log.close()
    assert main(["log", "--json", "--limit", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert main(["log", "--json", "--limit", "0"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["log", "--limit", "-1"]) != 0
    assert "0 or more" in capsys.readouterr().err


def test_every_live_call_of_a_run_is_logged_with_its_messages_and_reply(tmp_path: Path, cli):
    from tests.batch.conftest import write_notes

    write_notes(tmp_path / "vault", 3)
    assert cli("translate", tmp_path / "vault", "--quiet").code == 0
    rows = [json.loads(line) for line in cli("log", "--json", "--task", "translate").out.splitlines()]
    assert len(rows) == 3 and {r["model"] for r in rows} == {"gpt-4o-mini"} and {r["outcome"] for r in rows} == {"ok"}
    assert all("번 논문의 노트" in r["messages"][-1]["content"] and r["reply"].startswith("In English") for r in rows)
    assert all(r["prompt_tokens"] > 0 and r["prompt_hash"] and r["endpoint"].startswith("http://127.0.0.1")
               for r in rows)
    assert cli("translate", tmp_path / "vault", "--force", "--quiet").code == 0  # all cached now
    again = [json.loads(line) for line in cli("log", "--json").out.splitlines()]
    assert len(again) == 6 and [r["cached"] for r in again[3:]] == [True, True, True]


def test_the_last_answered_call_about_a_paper(tmp_path: Path):
    log = CallLog(tmp_path, 30, clock=lambda: NOW)
    about = lambda title: [{"role": "user", "content": f"Title: {title}\nKorean note: ..."}]  # noqa: E731
    log.record(record(30, messages=about('100% "Quoted" a_b'), reply_text="first"))
    log.record(record(20, messages=about("Other paper"), reply_text="other"))
    log.record(record(10, messages=about('100% "Quoted" a_b'), reply_text="", outcome="cancelled"))
    assert log.last("translate", mentioning='100% "Quoted" a_b').reply == "first"  # the cancelled one filled nothing
    assert log.last("translate", mentioning="100% Quoted") is None  # % is not a wildcard
    assert log.last("translate", mentioning="a%b") is None and log.last("translate").reply == "other"

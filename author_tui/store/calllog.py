"""The log of every model call: one SQLite row per generate() (cache hits included), kept for a while.

Why: when a model says something odd, the author needs what it was asked and what it answered, with the
prompt file and hash, the endpoint, the rung and the tokens; `author-tui log` reads it back and the TUI
shows the last call that filled a field. SQLite because many threads (and processes: the TUI and a batch
run) append at once, and a query by time and task should not read every row.

What is never stored: the API key. A CallRecord never holds it; endpoints are stored without user info or
query string (where some providers put a key), and any secret handed to the log is blanked out of every
text field as a last line of defence.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from author_tui.core.port import CallRecord
from author_tui.errors import StoreError

FILE = "calls.sqlite"
REDACTED = "[redacted]"
# The one list of the table's columns (SQL type each); SCHEMA, COLUMNS and LoggedCall follow it.
# `started` is ISO 8601 in UTC; `messages` a JSON list of {role, content}; `attempts` the HTTP requests
# sent, retries included. A column added later comes with a DEFAULT, so an older log gains it (ALTER).
TABLE: tuple[tuple[str, str], ...] = (
    ("id", "INTEGER PRIMARY KEY"), ("started", "TEXT NOT NULL"), ("task", "TEXT NOT NULL"),
    ("prompt_name", "TEXT NOT NULL"), ("prompt_hash", "TEXT NOT NULL"), ("model", "TEXT NOT NULL"),
    ("endpoint", "TEXT NOT NULL"), ("rung", "TEXT"), ("prompt_tokens", "INTEGER NOT NULL"),
    ("completion_tokens", "INTEGER NOT NULL"), ("cached_tokens", "INTEGER NOT NULL"),
    ("requests", "INTEGER NOT NULL"), ("attempts", "INTEGER NOT NULL DEFAULT 0"), ("seconds", "REAL NOT NULL"),
    ("cached", "INTEGER NOT NULL"), ("outcome", "TEXT NOT NULL"), ("messages", "TEXT NOT NULL"),
    ("reply", "TEXT NOT NULL"),
)
ADDED_LATER = ("attempts",)
COLUMNS = tuple(name for name, _ in TABLE)
SCHEMA = (f"CREATE TABLE IF NOT EXISTS calls ({', '.join(f'{name} {kind}' for name, kind in TABLE)});\n"
          "CREATE INDEX IF NOT EXISTS calls_started ON calls (started);\n"
          "CREATE INDEX IF NOT EXISTS calls_task ON calls (task, started);\n")


@dataclass(frozen=True)
class LoggedCall:
    """A row of the log, as `author-tui log` shows it."""

    id: int
    started: str
    task: str
    prompt_name: str
    prompt_hash: str
    model: str
    endpoint: str
    rung: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_tokens: int
    requests: int
    attempts: int
    seconds: float
    cached: bool
    outcome: str
    messages: list[dict[str, str]]
    reply: str

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class CallLog:
    """Appends CallRecords (thread-safe) and reads them back. `days` = 0: keeps nothing, creates nothing."""

    def __init__(self, folder: Path, days: int, *, secrets: Iterable[str] = (),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.path = folder / FILE
        self.days = days
        self._secrets = tuple(s for s in secrets if s)
        self._clock = clock
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self._pruned = False
        self.unwritable = ""  # why the last record could not be written ("" when it could)

    # --- writing ---------------------------------------------------------------------------------------

    def record(self, call: CallRecord) -> None:
        """Append one call; an unwritable log costs a line on stderr at most, never the call itself."""
        if self.days <= 0:
            return
        usage = call.usage
        row = {"started": _utc(call.started), "task": call.task, "prompt_name": call.prompt_name,
               "prompt_hash": call.prompt_hash, "model": call.model, "endpoint": bare_endpoint(call.endpoint),
               "rung": call.rung, "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
               "cached_tokens": usage.cached_tokens, "requests": usage.requests, "attempts": usage.attempts,
               "seconds": round(call.seconds, 3), "cached": int(call.cached), "outcome": self._blank(call.outcome),
               "messages": self._blank(json.dumps(call.messages, ensure_ascii=False)),
               "reply": self._blank(call.reply_text)}
        try:
            with self._lock:
                db = self._open()
                db.execute(f"INSERT INTO calls ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                           tuple(row.values()))
                db.commit()
        except (StoreError, sqlite3.Error) as error:
            if not self.unwritable:  # said once: a full disk must not fail every model call, nor go unnoticed
                logging.getLogger(__name__).warning("call log not written: %s", error)
            self.unwritable = str(error)

    def prune(self) -> int:
        """Drop the calls older than the retention; returns how many went."""
        with self._lock:
            return self._prune(self._open())

    # --- reading ---------------------------------------------------------------------------------------

    def calls(self, *, since: datetime | None = None, task: str | None = None, limit: int | None = None,
              newest_first: bool = False, answered: bool = False, mentioning: str | None = None) -> list[LoggedCall]:
        """Calls by time and task; `answered`: only those that returned an answer; `mentioning`: only those
        whose messages contain the text (e.g. a paper's title)."""
        if not self.path.exists():
            return []
        where, params = [], []
        if answered:
            where.append("outcome = 'ok'")
        if mentioning:
            # The messages are stored as JSON: look for the text as JSON writes it, LIKE wildcards escaped.
            quoted = json.dumps(mentioning, ensure_ascii=False)[1:-1]
            where.append("messages LIKE ? ESCAPE '\\'")
            params.append("%" + re.sub(r"([\\%_])", r"\\\1", quoted) + "%")
        if since is not None:
            where.append("started >= ?")
            params.append(_utc(since))
        if task is not None:
            where.append("task = ?")
            params.append(task)
        sql = f"SELECT {', '.join(COLUMNS)} FROM calls"
        sql += f" WHERE {' AND '.join(where)}" if where else ""
        sql += f" ORDER BY started {'DESC' if newest_first else 'ASC'}, id {'DESC' if newest_first else 'ASC'}"
        sql += f" LIMIT {int(limit)}" if limit else ""
        with self._lock:
            rows = self._open().execute(sql, params).fetchall()
        return [_logged(row) for row in rows]

    def last(self, task: str, mentioning: str | None = None) -> LoggedCall | None:
        """The newest answered call for `task` (about `mentioning`): the TUI's "the call that filled a field"."""
        found = self.calls(task=task, limit=1, newest_first=True, answered=True, mentioning=mentioning)
        return found[0] if found else None

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    # --- internals -------------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                # One connection shared under our lock; WAL lets a TUI and a batch run write at once.
                self._db = sqlite3.connect(self.path, timeout=10, check_same_thread=False)
                self._db.execute("PRAGMA journal_mode=WAL")
                # A log, not the author's files: a commit need not wait for the disk (WAL stays consistent;
                # a power cut may lose the last calls). Full sync cost ~5 ms a call, under the lock.
                self._db.execute("PRAGMA synchronous=NORMAL")
                self._db.executescript(SCHEMA)
                _add_missing_columns(self._db)
            except (OSError, sqlite3.Error) as error:
                self._db = None
                raise StoreError(f"{self.path}: the call log cannot be opened ({error})",
                                 hint="check the data_dir setting and its permissions") from None
        if not self._pruned:
            self._pruned = True
            self._prune(self._db)
        return self._db

    def _prune(self, db: sqlite3.Connection) -> int:
        cutoff = _utc(self._clock() - timedelta(days=self.days))
        gone = db.execute("DELETE FROM calls WHERE started < ?", (cutoff,)).rowcount
        db.commit()
        return gone

    def _blank(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """A log written by an older version lacks the columns added since: add them (with their DEFAULT)."""
    present = {row[1] for row in db.execute("PRAGMA table_info(calls)")}
    for name, kind in TABLE:
        if name in ADDED_LATER and name not in present:
            db.execute(f"ALTER TABLE calls ADD COLUMN {name} {kind}")
    db.commit()


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.astimezone()  # a naive time is the machine's local time
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def bare_endpoint(url: str) -> str:
    """The endpoint without user:password@ and without a query string (either may carry a key): what is
    saved anywhere (the call log, a batch job) and printed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host  # an IPv6 address keeps its brackets
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", "")) if parts.scheme else url


def _logged(row: Sequence[Any]) -> LoggedCall:
    values = dict(zip(COLUMNS, row, strict=True))
    values["cached"] = bool(values["cached"])
    values["messages"] = json.loads(values["messages"])
    return LoggedCall(**values)


def open_call_log(settings: Any) -> CallLog:
    """The log under settings.data_dir with its retention, told the key so it can never be written."""
    key = settings.api_key.get_secret_value() if settings.api_key else ""
    return CallLog(Path(settings.data_dir), settings.call_log_days, secrets=[key])

"""The report step of a batch run: counts, token totals and the JSON report of every entry.

Why apart from the commands: the live run, a dry run and a Batch API run that is applied hours later all
report the same way, from the same outcomes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from author_tui.batch.tasks import Outcome
from author_tui.core.port import Usage
from author_tui.core.pricing import counted
from author_tui.store.files import write_atomic

USAGE_FIELDS = ("prompt_tokens", "completion_tokens", "cached_tokens", "requests", "cache_hits", "attempts")


@dataclass(frozen=True)
class Summary:
    """How many entries ended which way, and what they cost."""

    total: int
    done: int
    failed: int
    interrupted: int
    usage: Usage

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> Summary:
        usage = Usage()
        for outcome in outcomes:
            usage = usage + outcome.usage
        return cls(len(outcomes), sum(o.ok for o in outcomes), sum(o.status == "failed" for o in outcomes),
                   sum(o.status == "interrupted" for o in outcomes), usage)

    def usage_line(self) -> str:
        u = self.usage
        # HTTP attempts apart: a retried request is one request to us and two or more to the server.
        return (f"{counted(u.requests, 'request')}, {u.cache_hits} cached, "
                f"{u.prompt_tokens}+{u.completion_tokens} tokens, {u.attempts} HTTP attempts with retries")


def usage_dict(usage: Usage) -> dict[str, int]:
    return {name: getattr(usage, name) for name in USAGE_FIELDS}


def write_report(path: Path, outcomes: Sequence[Outcome], problems: Sequence[str], seconds: float) -> None:
    """Every entry with its status, English, retry, warnings, error and tokens, as JSON."""
    entries = [{
        "path": o.job.path, "line": o.job.line, "title": o.job.entry.title, "status": o.status,
        "english": o.english if o.status == "translated" else "", "retried": o.retried,
        "warnings": o.warnings, "error": o.error, "tokens": usage_dict(o.usage),
    } for o in outcomes]
    report = {"entries": entries, "skipped_files": list(problems), "seconds": round(seconds, 3),
              "totals": usage_dict(Summary.of(outcomes).usage)}
    write_atomic(path, (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode())

"""`author-tui log`: the model calls the tool made, newest last, from the call log under the data dir.

Why: when a model says something odd, what it was asked (the prompt file and hash, the messages) and what
it said back are the first things to look at; `--json` hands them to jq or a notebook.
"""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from author_tui.config import load_settings
from author_tui.errors import ConfigError

if TYPE_CHECKING:
    from author_tui.store.calllog import LoggedCall

EXAMPLES = """\
examples:
  author-tui log                           # the last 20 calls, one line each
  author-tui log --since 2026-11-30 --task translate --full
  author-tui log --since 2h --json | jq .reply

One line: time (UTC), task, prompt (name@hash), model, rung, prompt+completion tokens, seconds, outcome.
Kept for `call_log_days` days (a setting; 0 keeps no log). The API key is never written to it."""
RELATIVE = re.compile(r"^(\d+)([dhm])$")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "log", help="show the log of model calls",
        description="Show the model calls the tool made (drafts, translations, tags), from the call log.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--since", metavar="WHEN", help="only calls since a date (2026-11-30), a time "
                        "(2026-11-30T09:00, UTC unless it says otherwise) or an age (3d, 2h, 30m)")
    parser.add_argument("--task", metavar="TASK",
                        help="only this task: draft (Korean notes), translate (English) or tags")
    parser.add_argument("--limit", type=int, default=None, metavar="N",
                        help="at most the last N calls, 0 or more (default: 20, or all with --since or --json)")
    parser.add_argument("--full", action="store_true", help="also print each call's messages and reply")
    parser.add_argument("--json", action="store_true", help="one JSON object per call and line, everything in it")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from author_tui.store.calllog import open_call_log

    if args.limit is not None and args.limit < 0:
        raise ConfigError(f"--limit {args.limit}: must be 0 or more", hint="drop --limit to see the last 20 calls")
    since = parse_since(args.since, datetime.now(UTC)) if args.since else None
    limit = args.limit if args.limit is not None else (None if since or args.json else 20)
    log = open_call_log(load_settings())
    # --limit 0 asks for no calls (the store's own limit of 0 would mean "no limit").
    calls = [] if limit == 0 else log.calls(since=since, task=args.task, limit=limit, newest_first=True)[::-1]
    for call in calls:
        if args.json:
            print(json.dumps(call.as_json(), ensure_ascii=False))
        else:
            print(summary(call))
            if args.full:
                print(details(call))
    if not calls and not args.json:
        print(f"no calls logged{' since ' + args.since if args.since else ''}"
              f"{' for task ' + args.task if args.task else ''} (log: {log.path})")
    return 0


def parse_since(text: str, now: datetime) -> datetime:
    """A date, an ISO time (UTC when it names no zone) or an age like 3d / 2h / 30m before `now`."""
    text = text.strip()
    relative = RELATIVE.match(text)
    if relative:
        amount, unit = int(relative.group(1)), relative.group(2)
        return now - timedelta(**{{"d": "days", "h": "hours", "m": "minutes"}[unit]: amount})
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"--since {text!r} is not a date, a time or an age",
                          hint="write 2026-11-30, 2026-11-30T09:00 or 3d / 2h / 30m") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def summary(call: LoggedCall) -> str:
    tokens = f"{call.prompt_tokens}+{call.completion_tokens} tok"
    cached = " (cache hit)" if call.cached else ""
    return (f"{call.started[:19]}Z  {call.task:<9} {call.prompt_name}@{call.prompt_hash[:8]}  {call.model}  "
            f"{call.rung or '-'}  {tokens}  {call.seconds:.1f}s  {call.outcome}{cached}")


def details(call: LoggedCall) -> str:
    lines = [f"  endpoint: {call.endpoint}"]
    for message in call.messages:
        lines.append(f"  --- {message.get('role', '?')}")
        lines += [f"  {line}" for line in str(message.get("content", "")).splitlines()]
    lines.append("  --- reply")
    lines += [f"  {line}" for line in call.reply.splitlines()]
    return "\n".join(lines) + "\n"

"""`author-tui draft`: one paper in, one finished digest entry out (note, English, tags), no TUI.

Why: the same use cases the TUI runs, from a shell, for scripting and for checking a model or a prompt.
The paper comes from flags, a file, or a block pasted on stdin (an arXiv page, a house-format entry, or
plain title / authors / abstract lines). The entry is printed in the house format under its day header
(or as JSON with --json); warnings from the output checks go to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from author_tui.config import add_common_flags, settings_from_args
from author_tui.core.model import Entry
from author_tui.errors import EntryError

EXAMPLES = """\
examples:
  author-tui draft --title "Attention Is All You Need" --authors "Vaswani et al." --abstract "..."
  pbpaste | author-tui draft            # a block copied from an arXiv abstract page
  author-tui draft --file paper.txt --json --base-url http://127.0.0.1:8080/v1"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "draft",
        help="draft the Korean note, English and tags for one paper",
        description="Draft a digest entry for one paper: the Korean note in the author's voice, its English\n"
        "translation and hashtags. Prints the entry in the house format (or JSON); warnings go to stderr.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_argument_group("the paper (default: a block pasted on stdin)")
    source.add_argument("--title", help="the paper's title")
    source.add_argument("--authors", default="", help="the authors line")
    source.add_argument("--abstract", default="", help="the abstract")
    source.add_argument("--file", type=Path, help="a file holding a pasted block")
    parser.add_argument("--note", help="use this Korean note instead of drafting one (translate and tag it)")
    parser.add_argument("--date", type=dt.date.fromisoformat, help="day header date (default: today)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the house format")
    add_common_flags(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from author_tui.llm import build_authoring

    paper = read_paper(args)
    settings = settings_from_args(args)
    authoring = build_authoring(settings)
    warnings: list[Any] = []
    if args.note:
        paper.note = args.note
    else:
        drafted = authoring.draft_note(paper)
        paper.note, warnings = drafted.value.note, warnings + drafted.warnings
    translated = authoring.translate(paper)
    tagged = authoring.suggest_tags(paper)
    paper.english, paper.tags = translated.value.english, tagged.value.tags
    warnings += translated.warnings + tagged.warnings
    for warning in warnings:
        print(f"author-tui: warning: {warning}", file=sys.stderr)
    date = args.date or dt.date.today()
    if args.json:
        print(
            json.dumps(_as_json(paper, tagged.value.new_tags, warnings, authoring.totals), ensure_ascii=False, indent=2)
        )
    else:
        sys.stdout.write(_house_format(paper, date))
    return 0


def read_paper(args: argparse.Namespace) -> Entry:
    """The paper from --title/--authors/--abstract, else --file, else stdin."""
    from author_tui.core.paste import split_paste

    if args.title:
        return Entry.model_validate({"title": args.title, "authors": args.authors, "abstract": args.abstract})
    if args.file:
        from author_tui.core.text import decode_utf8

        try:
            data = args.file.read_bytes()
        except OSError as error:
            raise EntryError(f"cannot read {args.file}: {error.strerror}", "check the path") from None
        return split_paste(decode_utf8(data, str(args.file)))
    if sys.stdin.isatty():
        print("paste the paper (title, authors, abstract), then Ctrl-D:", file=sys.stderr)
    return split_paste(sys.stdin.read())


def _house_format(entry: Entry, date: dt.date) -> str:
    from author_tui.core.digest import render
    from author_tui.core.model import Day, Digest

    digest = Digest(days=[Day(date=date, entries=[entry])], final_newline=True)
    return render(digest).decode("utf-8")


def _as_json(entry: Entry, new_tags: list[str], warnings: list[Any], usage: Any) -> dict[str, Any]:
    data = entry.model_dump(exclude_none=True)
    data["new_tags"] = new_tags
    data["warnings"] = [{"field": w.field, "message": w.message} for w in warnings]
    data["usage"] = {
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cached_tokens": usage.cached_tokens,
        "requests": usage.requests,
        "cache_hits": usage.cache_hits,
    }
    return data

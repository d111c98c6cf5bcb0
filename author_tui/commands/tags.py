"""`author-tui tags PATH... --corpus DIR`: suggest hashtags for entries from the author's own archive.

Why a command: six years of tags drifted, and older notes are tagged unevenly. This ranks tags for every
entry of the given digests (.txt) and vault notes (.md, folders searched recursively) from the text alone
(the entry's current tags are never looked at), with the tag engine built on the corpus; by default a
language model then picks among the engine's candidates (`--no-llm`: the engine's own calibrated choice).
`--apply` writes the chosen tags: added to the author's own by default, swapped in with `--replace`;
only the tags line of each changed entry differs afterwards. An entry that is itself in the corpus is
never its own neighbour (same key, same arXiv id, link or title).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from author_tui.config import add_common_flags, settings_from_args
from author_tui.errors import AuthorTuiError, ConfigError, EntryError, ModelError

if TYPE_CHECKING:
    from author_tui.core.authoring import Authoring
    from author_tui.core.model import ArchiveDoc, Digest, Entry
    from author_tui.core.tags import TagEngine, TagSuggestion
    from author_tui.core.vault import Note

DESCRIPTION = """\
Suggest hashtags for every entry of digests (.txt) and vault notes (.md; folders are searched) from the
text alone, ranked with scores by a tag engine built on the corpus of past notes; the entry's current tags
are never looked at, and an entry that is in the corpus is never its own neighbour. A capable language
model (a configured endpoint, or the 1.5B embedded model: see tag_rerank in `author-tui config`) then
picks among the candidates, unless --no-llm; if it fails, the engine's choice stands. --apply writes the
chosen tags (added to the current ones, or instead of them with --replace); only tag lines change."""

EXAMPLES = """\
examples:
  author-tui tags drafts/2025-06-18.txt --corpus ~/vault/arXiv --no-llm
  author-tui tags ~/vault/arXiv/2025 --corpus ~/vault/arXiv --format jsonl > tags.jsonl
  author-tui tags drafts/2025-06-18.txt --corpus ~/vault/arXiv --apply            # add the chosen tags
  author-tui tags "~/vault/arXiv/2025/250630 SPIRAL.md" --corpus ~/vault/arXiv --apply --replace

The corpus defaults to the `archive` setting (see `author-tui config`). jsonl: one object per entry,
{"path", "title", "current", "suggested": [{"tag", "score"}], "chosen"}; a digest entry's path is
`file.txt#N` (N counts entries from 1). Exit status 0; 1 when a file could not be read or written."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "tags",
        help="suggest hashtags for digest entries and vault notes from the archive (optionally write them)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="digest .txt, vault note .md or folder")
    parser.add_argument("--corpus", action="append", type=Path, metavar="DIR",
                        help="the archive of past notes to learn tags from (repeatable; default: archive setting)")
    parser.add_argument("--format", choices=("table", "jsonl"), default="table", help="output (default: table)")
    parser.add_argument("--top", type=int, default=5, metavar="N", help="ranked candidates shown (default: 5)")
    parser.add_argument("--no-llm", action="store_true",
                        help="the retrieval engine alone chooses (no model call); default: a capable model "
                        "picks among the engine's candidates")
    parser.add_argument("--apply", action="store_true", help="write the chosen tags into the files")
    parser.add_argument("--replace", action="store_true",
                        help="with --apply: the chosen tags replace the current ones (default: added to them)")
    add_common_flags(parser)
    parser.set_defaults(func=run)


@dataclass
class Item:
    """One entry to tag: where it is, what it says, and (after suggesting) what to do with it."""

    path: str  # a note's path, or `digest.txt#N`
    entry: Entry
    suggestion: TagSuggestion | None = None
    chosen: list[str] = field(default_factory=list)

    def new_tags(self, replace: bool) -> list[str]:
        current = list(self.entry.tags)
        return list(self.chosen) if replace else current + [t for t in self.chosen if t not in current]


@dataclass
class Target:
    """A file to tag: its items, and how to write it back with new tags (only the tag lines differ)."""

    path: Path
    items: list[Item]
    render: Callable[[list[list[str]]], bytes]
    data: bytes  # as read: the file is written only if it still holds exactly this


def run(args: argparse.Namespace) -> int:
    from author_tui.core.tags import TagEngine
    from author_tui.llm import rerank_tags
    from author_tui.store.archive import archive_files, load_archive

    if args.replace and not args.apply:
        raise ConfigError("--replace only makes sense with --apply", "add --apply, or drop --replace")
    settings = settings_from_args(args)
    corpus = args.corpus or settings.archive
    if not corpus:
        raise ConfigError("no corpus to learn tags from", "pass --corpus DIR, or set `archive` in the config")
    paths = list(archive_files(args.paths))  # every path checked before any file is written
    skipped: list[str] = []
    docs = load_archive(corpus, skipped)
    if skipped:
        print(f"author-tui: {len(skipped)} file(s) of the corpus skipped, e.g. {skipped[0]}", file=sys.stderr)
    engine = TagEngine.build(docs)
    if not engine.tags:
        raise ConfigError(f"no tagged notes in {', '.join(map(str, corpus))}", "point --corpus at the vault")
    authoring = None if args.no_llm or not rerank_tags(settings) else _authoring(settings, engine)
    keys = _corpus_keys(docs)
    failures = 0
    for path in paths:
        target = _load(path)
        if target is None:
            failures += 1
            continue
        for item in target.items:
            _suggest(item, engine, keys.get(_resolved(item.path)), authoring)
            print(_show(item, args), flush=True)
        if args.apply:
            failures += not _apply(target, args.replace)
    return 1 if failures else 0


def _authoring(settings: Any, engine: TagEngine) -> Authoring:
    """The model layer, with this engine as its candidate source (built once, not twice)."""
    import dataclasses

    from author_tui.llm import build_authoring

    return dataclasses.replace(build_authoring(settings, docs=[]), tags=engine)


def _suggest(item: Item, engine: TagEngine, exclude: str | None, authoring: Authoring | None) -> None:
    bare = item.entry.model_copy(update={"tags": []})  # the current tags never reach a suggester
    item.suggestion = engine.suggest(bare, exclude=exclude)
    item.chosen = list(item.suggestion.chosen)
    if authoring is not None:
        try:
            result = authoring.suggest_tags(bare, exclude=exclude)
        except ModelError as error:  # the engine's choice stands; the run goes on for the other entries
            print(f"author-tui: {item.path}: the model failed ({error.message}); kept the engine's choice",
                  file=sys.stderr)
            return
        item.chosen = list(result.value.tags) or item.chosen
        for warning in result.warnings:
            print(f"author-tui: {item.path}: {getattr(warning, 'message', warning)}", file=sys.stderr)


def _corpus_keys(docs: Sequence[ArchiveDoc]) -> dict[str, str]:
    """Each corpus key by its resolved spelling, so a target given as a relative path still finds itself."""
    return {_resolved(doc.key): doc.key for doc in docs}


def _resolved(key: str) -> str:
    file, hash_mark, number = key.partition("#")
    return f"{Path(file).resolve()}{hash_mark}{number}"


# --- reading and writing -------------------------------------------------------------------------------


def _load(path: Path) -> Target | None:
    try:
        data = path.read_bytes()
        return _load_digest(path, data) if path.suffix == ".txt" else _load_note(path, data)
    except OSError as error:
        print(f"author-tui: {path}: cannot be read ({error.strerror}); skipped", file=sys.stderr)
    except AuthorTuiError as error:  # a FormatError names the line; the other files still get tagged
        print(f"author-tui: {error.message}; skipped", file=sys.stderr)
    return None


def _load_note(path: Path, data: bytes) -> Target | None:
    from author_tui.core import vault

    note = vault.parse(data, path.name)
    if not note.is_paper:
        print(f"author-tui: {path}: not a paper note; skipped", file=sys.stderr)
        return None
    item = Item(str(path), vault.digest_entry(note, keep_link=True))
    return Target(path, [item], lambda tags: _render_note(note, tags[0]), data)


def _render_note(note: Note, tags: list[str]) -> bytes:
    from author_tui.core import vault_edit

    return vault_edit.set_tags(note, tags).render()


def _load_digest(path: Path, data: bytes) -> Target:
    from author_tui.core import digest
    from author_tui.store.archive import entry_key

    parsed = digest.parse(data, str(path))
    if digest.render(parsed) != data:  # then a rewrite could touch more than the tag lines: refuse
        raise EntryError(f"{path} does not read back byte for byte", "run `author-tui check` on it")
    entries = parsed.entries()
    items = [Item(entry_key(path, n), entry) for n, entry in enumerate(entries, 1)]
    return Target(path, items, lambda tags: _render_digest(parsed, entries, tags), data)


def _render_digest(parsed: Digest, entries: list[Entry], tags: list[list[str]]) -> bytes:
    from author_tui.core import digest

    for entry, new in zip(entries, tags, strict=True):
        entry.tags = new
    return digest.render(parsed)


def _apply(target: Target, replace: bool) -> bool:
    """Write the file when any entry's tags change, unless it changed on disk since it was read (the model
    may have taken minutes meanwhile); True unless writing failed."""
    from author_tui.store.files import replace_if_unchanged

    new = [item.new_tags(replace) for item in target.items]
    if all(tags == item.entry.tags for tags, item in zip(new, target.items, strict=True)):
        return True
    try:
        replace_if_unchanged(target.path, target.data, target.render(new))
    except AuthorTuiError as error:
        print(f"author-tui: {target.path}: not written ({error.message})", file=sys.stderr)
        return False
    print(f"author-tui: {target.path}: tags written", file=sys.stderr)
    return True


# --- output ----------------------------------------------------------------------------------------------


def _show(item: Item, args: argparse.Namespace) -> str:
    ranked = item.suggestion.candidates[: args.top] if item.suggestion else []
    if args.format == "jsonl":
        return json.dumps({
            "path": item.path,
            "title": item.entry.title,
            "current": list(item.entry.tags),
            "suggested": [{"tag": c.tag, "score": c.score} for c in ranked],
            "chosen": item.chosen,
        }, ensure_ascii=False)  # fmt: skip
    return "\n".join(_table_lines(item, ranked, args.replace))


def _table_lines(item: Item, ranked: Sequence[Any], replace: bool) -> Iterator[str]:
    current, chosen = list(item.entry.tags), item.chosen
    added = [t for t in chosen if t not in current]
    dropped = [t for t in current if t not in chosen]
    yield f"{item.path}  {item.entry.title[:80]}"
    yield f"  current   {_hashes(current) or '(none)'}"
    yield "  ranked    " + "  ".join(f"#{c.tag} {c.score:.2f}" for c in ranked)
    yield f"  chosen    {_hashes(chosen)}"
    yield f"  added     {_hashes(added) or '-'}" + (f"   removed {_hashes(dropped) or '-'}" if replace else "")
    if not replace and dropped:
        yield f"  not suggested (kept) {_hashes(dropped)}"


def _hashes(tags: Sequence[str]) -> str:
    return " ".join(f"#{t}" for t in tags)

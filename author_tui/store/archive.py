"""Load the author's past notes (vault folders, single notes, digest files) for retrieval and the tag engine.

The archive is read on every start of the TUI and of the batch commands, so this is one pass over the
files with the pure parsers in `core`, no caching: the whole 3,468-note corpus loads in well under a second.
What is not a paper note (an `Untitled.md` scratch file, an undecodable file, a malformed digest) is
skipped with a warning, never fatal; a path that does not exist is an error, because the setting is wrong.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from author_tui.core import digest, vault
from author_tui.core.model import ArchiveDoc
from author_tui.errors import ConfigError, FormatError

NOTE_SUFFIX = ".md"
DIGEST_SUFFIX = ".txt"


@dataclass
class ArchiveLoad:
    """What loading found: the documents, and one line per file skipped (`path: why`)."""

    docs: list[ArchiveDoc] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def entry_key(path: Path | str, number: int) -> str:
    """The key of a digest's `number`-th entry (from 1): what retrieval excludes, what reports name."""
    return f"{path}#{number}"


def load_archive(paths: Sequence[Path] | Path, warnings: list[str] | None = None) -> list[ArchiveDoc]:
    """Every paper note under `paths`, in a stable order. Skipped files are appended to `warnings`."""
    loaded = scan_archive(paths)
    if warnings is not None:
        warnings.extend(loaded.warnings)
    return loaded.docs


def scan_archive(paths: Sequence[Path] | Path) -> ArchiveLoad:
    loaded = ArchiveLoad()
    with _collector_paused():
        for path in archive_files([paths] if isinstance(paths, Path) else paths):
            _load_file(path, loaded)
    return loaded


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Loading builds ~100,000 small objects and no reference cycles; pausing the cycle collector
    meanwhile saves about a third of the time (it would otherwise rescan them over and over)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_file(path: Path, loaded: ArchiveLoad) -> None:
    try:
        data = path.read_bytes()
    except OSError as error:
        loaded.warnings.append(f"{path}: skipped, cannot be read ({error.strerror})")
        return
    if path.suffix == DIGEST_SUFFIX:
        _load_digest(path, data, loaded)
    else:
        _load_note(path, data, loaded)


def archive_files(paths: Sequence[Path], in_folders: tuple[str, ...] = (NOTE_SUFFIX,)) -> Iterator[Path]:
    """The files to read: each file named (a note or a digest), and in each folder, recursively, the files
    ending in `in_folders`, skipping hidden folders such as `.obsidian` and `.trash`."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(_walk(path, in_folders))
        elif path.is_file():
            if path.suffix not in (NOTE_SUFFIX, DIGEST_SUFFIX):
                raise ConfigError(f"{path}: not a note (.md) or a digest (.txt)",
                                  "give vault folders, .md notes or .txt digests")
            yield path
        else:
            raise ConfigError(f"{path}: no such file or folder", "check the path")


def _walk(root: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    # os.walk with pruning: several times faster than Path.rglob + is_file on a 3,500-file vault.
    for folder, subfolders, names in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        yield from (Path(folder, name) for name in names if name.endswith(suffixes) and not name.startswith("."))


def _load_note(path: Path, data: bytes, loaded: ArchiveLoad) -> None:
    try:
        note = vault.parse(data, path.name)
    except FormatError as error:
        loaded.warnings.append(f"{path}: skipped, {error.expected} expected (line {error.line})")
        return
    if not note.is_paper:
        loaded.warnings.append(f"{path}: skipped, not a paper note")
        return
    entry = vault.digest_entry(note, keep_link=True)
    loaded.docs.append(ArchiveDoc(key=str(path), date=note.date, entry=entry))


def _load_digest(path: Path, data: bytes, loaded: ArchiveLoad) -> None:
    try:
        parsed = digest.parse(data, str(path))
    except FormatError as error:
        loaded.warnings.append(f"{path}: skipped, line {error.line}: expected {error.expected}, "
                               f"found {error.found}")
        return
    number = 0
    for day in parsed.days:
        for entry in day.entries:
            number += 1
            loaded.docs.append(ArchiveDoc(key=entry_key(path, number), date=day.date, entry=entry))

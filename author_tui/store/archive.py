"""Load the author's past notes (vault folders, single notes, digest files) for retrieval and the tag engine.

The archive is read on every start of the TUI and of the batch commands, so this is one pass over the
files with the pure parsers in `core`, no caching: the whole 3,468-note corpus loads in well under a second.
What is not a paper note (an `Untitled.md` scratch file, an undecodable file, a malformed digest) is
skipped with a warning, never fatal; a path that does not exist is an error, because the setting is wrong.
"""

from __future__ import annotations

import errno
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
    if has_suffix(path, DIGEST_SUFFIX):
        _load_digest(path, data, loaded)
    else:
        _load_note(path, data, loaded)


@dataclass
class FoundFiles:
    """What a scan of the paths found: the files to read, the paths that cannot be (one `path: why`
    each: a symbolic link loop, a link to nothing, a folder we may not list), and the names that look like
    temp files (`.*.tmp`) per folder seen. Scanning never removes them: only a run that writes does
    (`batch.planning.plan`), so check, doctor and a dry run leave the folders as they are."""

    files: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    temps: dict[Path, list[str]] = field(default_factory=dict)


def find_files(paths: Sequence[Path], in_folders: tuple[str, ...] = (NOTE_SUFFIX,)) -> FoundFiles:
    """Like `archive_files`, with the unreadable paths reported apart instead of among the files, and each
    file once: a file reached twice (`v`, `v/P.md`, `v/../v`, a link to it) would be planned twice, cost
    twice and fail on its second write."""
    found, seen = FoundFiles(), set()
    for path, problem in _scan(paths, in_folders, found):
        if problem:
            found.problems.append(f"{path}: {problem}")
        elif (real := os.path.realpath(path)) not in seen:
            seen.add(real)
            found.files.append(path)
    return found


def archive_files(paths: Sequence[Path], in_folders: tuple[str, ...] = (NOTE_SUFFIX,)) -> Iterator[Path]:
    """The files to read: each file named (a note or a digest), and in each folder, recursively, the files
    ending in `in_folders` (any case), skipping hidden folders such as `.obsidian` and `.trash`. A path
    that cannot be read (a symbolic link loop) is yielded too, so its reader reports why."""
    for path, _ in _scan(paths, in_folders, FoundFiles()):
        yield path


def has_suffix(path: Path | str, suffix: str) -> bool:
    """`.TXT` is a digest as much as `.txt` is."""
    return str(path).lower().endswith(suffix)


def _scan(paths: Sequence[Path], in_folders: tuple[str, ...], found: FoundFiles) -> Iterator[tuple[Path, str]]:
    for path in map(Path, paths):
        problem = _unreadable(path)
        if problem == "no such file or folder":
            raise ConfigError(f"{path}: no such file or folder", "check the path")
        if problem:
            yield path, problem
        elif path.is_dir():
            yield from sorted(_walk(path, in_folders, found))
        elif not any(has_suffix(path, suffix) for suffix in (NOTE_SUFFIX, DIGEST_SUFFIX)):
            raise ConfigError(f"{path}: not a note (.md) or a digest (.txt)",
                              "give vault folders, .md notes or .txt digests")
        else:
            yield path, ""


def _unreadable(path: Path) -> str:
    """Why `path` cannot be read, in words; '' when it can."""
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a symbolic link loop (Too many levels of symbolic links), skipped"
        if error.errno == errno.ENOENT:
            return "a symbolic link to nothing, skipped" if os.path.islink(path) else "no such file or folder"
        return f"cannot be read ({error.strerror}), skipped"
    return ""


def _walk(root: Path, suffixes: tuple[str, ...], found: FoundFiles) -> Iterator[tuple[Path, str]]:
    # One os.scandir per folder: several times faster than Path.rglob + is_file on a 3,500-file vault.
    # Like os.walk, a symbolic link to a folder is not followed (a loop would never end).
    try:
        with os.scandir(root) as listing:
            entries = list(listing)
    except OSError as error:
        yield root, f"cannot be listed ({error.strerror}), skipped"
        return
    temps = [e.name for e in entries if e.name.startswith(".") and e.name.endswith(".tmp")]
    if temps:
        found.temps[root] = temps
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path), suffixes, found)
        elif entry.name.lower().endswith(suffixes) and not _is_symlinked_dir(entry):
            yield Path(entry.path), _unreadable(Path(entry.path)) if entry.is_symlink() else ""


def _is_symlinked_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_symlink() and entry.is_dir()
    except OSError:
        return False


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

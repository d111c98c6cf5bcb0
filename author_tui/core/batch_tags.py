"""Batch tagging, the pure part: every entry of a file to tag, and the file with only its tag lines changed.

Why beside `core.batch` and not in the command: `author-tui tags --apply` writes the author's files, so
the same rules as translation hold (find the entries; change only their tags; prove nothing else moved),
testable without a model, a disk or a clock. The batch engine (`author_tui.batch`) reads, locks and writes.

    plan = plan_file("d.txt", data)                     # every entry; EntryError unless it reads back exactly
    new = apply(plan, {0: ["rl", "reasoning"]})         # Applied(data=..., written={0: "#rl #reasoning"})
    verify(plan, new.data, {0: ["rl", "reasoning"]})    # EntryError unless only those tags changed
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from author_tui.core import digest, vault, vault_edit
from author_tui.core.batch import NOT_WRITTEN, Applied, FilePlan, Job, changed_regions, kind_of, lines_of, source_hash
from author_tui.core.model import Digest, Entry
from author_tui.errors import EntryError


def plan_file(path: str, data: bytes) -> FilePlan:
    """Every entry of a digest, or the one of a paper note (none for a note that is not a paper).

    A digest that does not render back to exactly its bytes is refused (EntryError): rewriting it could
    touch more than its tag lines."""
    source = source_hash(data)
    if kind_of(path) == "digest":
        parsed = digest.parse(data, path)
        if digest.render(parsed) != data:
            raise EntryError(f"{path} does not read back byte for byte", "run `author-tui check` on it")
        jobs = [Job(path, n, line, entry, source) for n, (line, entry) in enumerate(digest.entry_lines_at(parsed))]
        return FilePlan(path, "digest", data, parsed, jobs)
    note = vault.parse(data, path)
    plan = FilePlan(path, "note", data, note)
    if note.is_paper:
        tags_at = note.lines_with("tags")
        plan.jobs.append(Job(path, 0, tags_at[0] + 1 if tags_at else 1, vault.digest_entry(note, keep_link=True),
                             source))
    return plan


def merged(current: Sequence[str], chosen: Sequence[str], replace: bool) -> list[str]:
    """The tags an entry ends with: the chosen ones instead of its own, or its own plus the new chosen."""
    return list(chosen) if replace else list(current) + [t for t in chosen if t not in current]


def apply(plan: FilePlan, tags: Mapping[int, Sequence[str]]) -> Applied:
    """The file with each listed entry's tags set; entries whose tags do not change are left out of
    `written`, so a file where nothing changes has nothing written."""
    changed = {i: list(t) for i, t in tags.items() if list(t) != _entry(plan, i).tags}
    applied = Applied(plan.data, written={i: _line(t) for i, t in changed.items()})
    if not changed:
        return applied
    if plan.kind == "digest":
        assert isinstance(plan.parsed, Digest)
        edited = plan.parsed.model_copy(deep=True)
        entries = edited.entries()
        for index, new in changed.items():
            entries[index].tags = new
        applied.data = digest.render(edited)
    else:
        assert isinstance(plan.parsed, vault.Note)
        try:
            applied.data = vault_edit.set_tags(plan.parsed, changed[0]).render()
        except EntryError as error:
            applied.written, applied.failed = {}, {0: error.message}
    return applied


def verify(plan: FilePlan, new: bytes, tags: Mapping[int, Sequence[str]]) -> None:
    """Refuse (EntryError) unless `new` reads back as the planned file with only the given tags changed.

    Independent of how the edit was made: both files are parsed again and every entry compared field by
    field; the tags must be exactly the ones given. A vault note holds more than its entry's fields (link
    blocks, other blocks, blank lines), so there a line diff must also show only tag lines changed."""
    if kind_of(plan.path) == "digest":
        before = digest.parse(plan.data, plan.path).entries()
        after = digest.parse(new, plan.path).entries()
    else:
        old_note, new_note = vault.parse(plan.data, plan.path), vault.parse(new, plan.path)
        _only_tag_lines_changed(plan.path, old_note, new_note)
        before = [vault.digest_entry(old_note, keep_link=True)]
        after = [vault.digest_entry(new_note, keep_link=True)]
    if len(before) != len(after):
        raise EntryError(f"{plan.path}: the edit changed the number of entries", NOT_WRITTEN)
    for index, (old, now) in enumerate(zip(before, after, strict=True)):
        wanted = list(tags.get(index, old.tags))
        if now.tags != wanted:
            raise EntryError(f"{plan.path}: entry {index + 1} has tags {now.tags}, not {wanted}", NOT_WRITTEN)
        if _without_tags(old) != _without_tags(now):
            raise EntryError(f"{plan.path}: the edit changes entry {index + 1} beyond its tags", NOT_WRITTEN)


MAX_BLANK = 1  # per changed region: the blank line that separates a tags block added or removed


def _only_tag_lines_changed(path: str, old: vault.Note, new: vault.Note) -> None:
    """Every line the diff shows removed or added holds tags (the tags line, or the last note line that
    ends in inline `#tags`) or is blank, at most MAX_BLANK blank lines per change, each with a tag line."""
    old_lines, new_lines = lines_of(old.render()), lines_of(new.render())
    old_tags, new_tags = _tag_lines(old), _tag_lines(new)
    for region in changed_regions(old_lines, new_lines):
        changed = [(i, old_lines, old_tags) for i in region.old] + [(i, new_lines, new_tags) for i in region.new]
        blank = [i for i, lines, _ in changed if not lines[i].strip()]
        beyond = [i for i, lines, tag_lines in changed if lines[i].strip() and i not in tag_lines]
        if beyond or len(blank) > MAX_BLANK or len(blank) == len(changed):
            where = (region.old or region.new)[0] + 1
            raise EntryError(f"{path}: the edit changes line {where} beyond the tags", NOT_WRITTEN)


def _tag_lines(note: vault.Note) -> set[int]:
    inline = vault.note_tags(note)[1]
    return set(note.lines_with("tags")) | ({inline} if inline is not None else set())


def _entry(plan: FilePlan, index: int) -> Entry:
    return next(job.entry for job in plan.jobs if job.index == index)


def _line(tags: Sequence[str]) -> str:
    return " ".join(f"#{t}" for t in tags)


def _without_tags(entry: Entry) -> dict[str, object]:
    return entry.model_dump(exclude={"tags"})

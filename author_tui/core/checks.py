"""Output checks: what a model wrote, checked against the house rules, returned as warnings (never raised).

Why warnings and not errors: the author edits every draft anyway. A note that lost a URL in translation or
a tag outside the vocabulary is worth pointing at, not worth throwing away. Each warning names the field
it is about, so the TUI can mark that field.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from author_tui.core.text import CJK_LEAK, HANGUL, LATIN_TERM, NUMBER, URL, has_hangul

TAG_SHAPE = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
LATIN_LETTER = re.compile(r"[A-Za-z]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9@+.\-_/]*")
# A sentence ends at . ! ? (or their full-width forms) before a space or the end; "2.5" and "e.g.," do not.
SENTENCE_END = re.compile(r"[.!?。！？]+(?=\s|$)")
# A copy: 20 characters in a row (spaces squashed) spanning 4 words or more. A shorter run or fewer words
# is a quoted name ("Classifier-free Guidance", "Process Reward Model": 9 % of the author's own notes).
COPY_RUN = 20
COPY_WORDS = 4
# A translation is English like its example, so shorter shared runs are common phrasing ("is also
# interesting"); 30 characters is a sentence of the example handed back ("it is possible if you did it well"
# for a note that says nothing of the kind: 2 of 30 0.5B translations on the test split).
EXAMPLE_RUN = 30
# A draft that takes more than a fifth of its 8-character runs from the abstract is the abstract reworded,
# not a comment on it: 0.9 % of the author's 1,320 notes that have an abstract go past that (their mean is
# 2.8 %), 3-4 of 30 drafts of each small model on the test split did.
PARAPHRASE_SHARE = 0.2
# The same, case ignored: a small model retypes the abstract's words in its own capitals ("Long Reasoning
# Trajectories" for "long reasoning trajectories"), and the author's capitals are put on a draft after the
# checks. More than 3 in 10 flags as few of the author's notes (0.9 %) as the case-sensitive fifth does.
PARAPHRASE_SHARE_ANY_CASE = 0.3
# How a sentence may end without its period: a Korean sentence ending, or a bracket (a URL, an aside).
FINISHED_TAIL = re.compile(r"[요다죠까음함임)\]]$")
# A model caught in a loop says the same 30 characters three times over (a 1.5B dev draft repeated one
# clause until max_tokens cut it); 2 of the author's 3,090 notes do, each a term named three times.
LOOP_RUN, LOOP_TIMES = 30, 3
PLACEHOLDER = re.compile(r"~[\uac00-\ud7a3]")  # "~에", "~군요": a pattern the instructions quote
# A word half Hangul, half English ("인ference", "시퀀encer"): a small model switching script mid-word. A
# Hangul syllable runs straight into a lower-case Latin letter in 2 of the author's 3,468 notes ("교사teacher").
SPLICED_WORD = re.compile(r"\S*[\uac00-\ud7a3][a-z]\S*")


@dataclass(frozen=True)
class OutputWarning:
    """One problem found in a model's output: which field, and what is wrong with it."""

    field: str
    message: str
    # The text is not in its language at all (or empty), or copies the prompt, the paper or an example:
    # worse than any number of smaller problems, so a guided retry that fixes it wins even with more
    # warnings of its own (and `retry_on: severe` retries only these).
    severe: bool = False
    # Nothing of it can be kept (empty, not in its language at all, or another paper's note): worse than
    # any number of severe problems, so an English copy of the abstract never wins over a Korean draft
    # with a spliced word.
    unusable: bool = False
    # It copies a worked example of the prompt: asked again without the examples (core.authoring).
    from_example: bool = False
    # How far past its limit (the abstract's share of a reworded draft): between two answers equally bad
    # by `badness`, the one that rewords less wins (core.authoring).
    degree: float = 0.0

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class Bounds:
    """Length limits in characters. The author's notes are 1-3 sentences; translations run 1.5-3x longer."""

    note_min: int = 10
    note_max: int = 600
    english_min: int = 10
    english_max: int = 1500
    tags_max: int = 6
    sentences_max: int = 3


DEFAULT_BOUNDS = Bounds()


def check_note(note: str, bounds: Bounds = DEFAULT_BOUNDS) -> list[OutputWarning]:
    """The Korean note: present, Korean, no Chinese or Japanese leaked in, no word spliced of Hangul and
    English, not too short or long."""
    text = note.strip()
    if not text:
        return [OutputWarning("note", "the note is empty", severe=True, unusable=True)]
    warnings = []
    if not has_hangul(text):
        message = "the note contains no Hangul: it is not Korean"
        warnings.append(OutputWarning("note", message, severe=True, unusable=True))
    leaked = sorted(set(CJK_LEAK.findall(text)))
    if leaked:
        # Severe: the small Qwen models slip into Chinese mid-word ("시스템적인创新을", 4 of 30 test drafts of
        # the 0.5B); the author cannot keep such a note, and another sample is usually clean.
        warnings.append(OutputWarning("note", f"Chinese/Japanese characters leaked in: {''.join(leaked)}", severe=True))
    spliced = _unique(SPLICED_WORD.findall(text))
    if spliced:
        # Severe for the same reason: 2-3 of 30 drafts on the test split, and another sample is usually whole.
        warnings.append(OutputWarning("note", f"a word half Hangul, half English: {', '.join(spliced)}", severe=True))
    warnings += _length("note", text, bounds.note_min, bounds.note_max)
    return warnings


def check_draft(
    note: str,
    paper: str,
    examples: Iterable[str] = (),
    bounds: Bounds = DEFAULT_BOUNDS,
    instructions: str = "",
    *,
    abstract: str = "",
) -> list[OutputWarning]:
    """A drafted note: the basic note checks, then the author's kind of note: Korean (Hangul the majority
    of letters), 1-3 sentences, nothing copied from the paper or an example (a run of COPY_RUN characters)
    or from the prompt's instructions, not the abstract reworded (PARAPHRASE_SHARE, or
    PARAPHRASE_SHARE_ANY_CASE with case ignored), and no number or URL
    that the paper (title and abstract) does not have."""
    text = note.strip()
    warnings = check_note(text, bounds)
    if not text:
        return warnings
    hangul, latin = korean_share(text)
    if has_hangul(text) and hangul <= latin:
        message = f"mostly not Korean: {hangul} Hangul letters, {latin} in Latin words"
        warnings.append(OutputWarning("note", message, severe=True, unusable=True))
    sentences = count_sentences(text)
    if sentences > bounds.sentences_max:
        warnings.append(OutputWarning("note", f"{sentences} sentences (the author writes 1-{bounds.sentences_max})"))
    echoed = [piece for piece in split_sentences(text) if repeats_instructions(piece, instructions)]
    if echoed:
        message = f"repeats the prompt's instructions: {clip_text(echoed[0])}"
        warnings.append(OutputWarning("note", message, severe=True))
    # Both are looked for: a draft that copies the abstract may copy an example too, and only the example
    # makes it unusable. The paper's own words inside a run are not the example's (a similar past note
    # names the same method): what is left of the run must still be COPY_RUN characters.
    copied = copied_run(text, paper)
    if copied:
        warnings.append(OutputWarning("note", f"copies the abstract word for word: {clip_text(copied)}", severe=True))
    for example in examples:
        run = copied_run(text, example)
        if run and len(run) - len(copied_run(run, paper)) >= COPY_RUN:
            message = f"copies an example note word for word: {clip_text(run)}"
            warnings.append(OutputWarning("note", message, severe=True, unusable=True, from_example=True))
            break
    looped = looped_run(text)
    if looped:
        warnings.append(OutputWarning("note", f"repeats itself: {clip_text(looped)}", severe=True))
    share, any_case = shared_grams(text, abstract), shared_grams(text, abstract, fold_case=True)
    if share > PARAPHRASE_SHARE or any_case > PARAPHRASE_SHARE_ANY_CASE:
        shown = f"{share:.0%}" if share > PARAPHRASE_SHARE else f"{any_case:.0%} (case ignored)"
        message = f"rewords the abstract: {shown} of its 8-character runs are the abstract's"
        warnings.append(OutputWarning("note", message, severe=True, degree=any_case))
    invented = [n for n in NUMBER.findall(URL.sub(" ", text)) if n not in set(NUMBER.findall(URL.sub(" ", paper)))]
    invented += missing_urls(text, paper)
    if invented:
        warnings.append(OutputWarning("note", f"not in the abstract: {', '.join(_unique(invented))}"))
    return warnings


def looped_run(text: str) -> str:
    """A run of LOOP_RUN characters (spaces squashed, URLs left out) said LOOP_TIMES times or more; "" if none."""
    squashed = " ".join(URL.sub(" ", text).split())
    for start in range(len(squashed) - LOOP_RUN + 1):
        run = squashed[start : start + LOOP_RUN]
        if squashed.count(run) >= LOOP_TIMES:
            return run
    return ""


def shared_grams(text: str, source: str, n: int = 8, fold_case: bool = False) -> float:
    """Share of `text`'s character n-grams (spaces squashed) found verbatim in `source`; 0 when it has none.
    Case counts unless `fold_case`: a term capitalised as the author does ("Load Balancing") is not a copy."""

    def grams(of: str) -> list[str]:
        squashed = " ".join((of.lower() if fold_case else of).split())
        return [squashed[i : i + n] for i in range(len(squashed) - n + 1)]

    mine, theirs = grams(text), set(grams(source))
    return sum(gram in theirs for gram in mine) / len(mine) if mine and theirs else 0.0


def korean_share(text: str) -> tuple[int, int]:
    """(Hangul letters, Latin letters outside technical terms): a Latin term (MoE, Diffusion LM) counts as
    one letter, as the house style keeps terms in Latin script. Counting every Latin letter would call a
    fifth of the author's own notes not Korean; a copied English sentence still has far more Latin."""
    text = URL.sub(" ", text)
    latin = sum(1 if _is_term(word) else len(LATIN_LETTER.findall(word)) for word in LATIN_WORD.findall(text))
    return len(HANGUL.findall(text)), latin


def _is_term(word: str) -> bool:
    """A technical term rather than an English word: capitalised, or holding a digit or a symbol."""
    return word[:1].isupper() or bool(re.search(r"[0-9@+\-_/.]", word))


def count_sentences(text: str) -> int:
    """Sentences in a note: pieces ended by . ! ? (or the end), counting only those with a letter in them."""
    pieces = SENTENCE_END.split(URL.sub("URL", text))
    return sum(1 for piece in pieces if re.search(r"\w", piece))


def first_sentences(text: str, count: int) -> str:
    """The text up to the end of its `count`-th sentence (all of it when it has no more), less a last piece
    left unfinished after a finished sentence: an answer cut by max_tokens ("… 학습된 Large", "… 더 많은 계":
    4 of 48 1.5B dev drafts). A piece ending as a sentence does without its period ("~네요", "~다"), or in a
    bracket, stays; 97 % of the author's notes end in . ? ! or ")"."""
    ends = [m.end() for m in SENTENCE_END.finditer(text)]
    # Text after the count-th end is a further sentence, finished or not.
    if len(ends) >= count and text[ends[count - 1] :].strip():
        return text[: ends[count - 1]].strip()
    tail = text[ends[-1] :].strip() if ends else ""
    return text[: ends[-1]].strip() if tail and not FINISHED_TAIL.search(tail) else text


def split_sentences(text: str) -> list[str]:
    """The sentences of a text, each with its end mark, stripped; a trailing piece without one counts."""
    pieces, start = [], 0
    for match in SENTENCE_END.finditer(text):
        pieces.append(text[start : match.end()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [piece for piece in pieces if re.search(r"\w", piece)]


def keep_own_sentences(text: str, sources: Iterable[str], instructions: str = "") -> str:
    """The text without its sentences that copy a source word for word (copied_run), repeat the prompt's
    instructions (repeats_instructions) or are English (no Hangul, COPY_WORDS words or more), as long as a
    sentence of its own is left (else all of them, for the checks to flag), and a sentence said twice only
    once. A small model often opens with the paper's title, a line of the abstract, an example or the
    instructions' own "~에 대한 분석.", then writes one line of its own: that line is the draft, and the
    author would delete the rest anyway."""
    sources = [source for source in sources if source]
    pieces = split_sentences(text)
    # A model caught in a loop writes one sentence two or three times (1 of 30 1.5B drafts): once is enough.
    first: dict[str, str] = {}
    for piece in pieces:
        first.setdefault(_letters(piece), piece)
    unique = list(first.values())

    def foreign(sentence: str) -> bool:
        english = not has_hangul(sentence) and len(sentence.split()) >= COPY_WORDS
        copied = any(copied_run(sentence, source) for source in sources)
        return english or copied or repeats_instructions(sentence, instructions)

    own = [piece for piece in unique if not foreign(piece)] or unique
    return " ".join(own) if len(own) < len(pieces) else text


def repeats_instructions(text: str, instructions: str, least: int = 12) -> bool:
    """Whether the text is a piece of the instructions: it holds one of their "~" placeholders ("~에",
    "~군요": in the author's 3,468 notes "~" before Hangul occurs once), or its letters and digits (no
    spaces or punctuation) are found in theirs. A 0.5B model answers with the patterns the instructions
    quote, "~에 대한 분석. ~를 사용한 ~.", quotes dropped, which a verbatim comparison misses. Or it holds a
    run of them as a copy does ("… 영어로 쓰네요 (MoE, RoPE, RL, Long Context).": a 0.5B dev draft)."""
    placeholders, letters = _instruction_marks(instructions)
    if any(placeholder in text for placeholder in placeholders) or (instructions and copied_run(text, instructions)):
        return True
    mine = _letters(text)
    return len(mine) >= least and mine in letters


@functools.lru_cache(maxsize=8)
def _instruction_marks(instructions: str) -> tuple[frozenset[str], str]:
    """The instructions' placeholders and letters, worked out once per prompt, not once per sentence."""
    return frozenset(PLACEHOLDER.findall(instructions)), _letters(instructions)


def _letters(text: str) -> str:
    return re.sub(r"[\W_]", "", text).lower()


def copied_run(text: str, source: str, length: int = COPY_RUN) -> str:
    """The first run of at least `length` characters and COPY_WORDS words of `text` (spaces squashed, case
    ignored) found verbatim in `source`, extended as far as it goes; "" when there is none."""
    mine, theirs = _squash_space(text), _squash_space(source).lower()
    lowered = mine.lower()
    if len(mine) < length or len(theirs) < length:
        return ""
    grams = {theirs[i : i + length] for i in range(len(theirs) - length + 1)}
    start = 0
    while start <= len(lowered) - length:
        if lowered[start : start + length] not in grams:
            start += 1
            continue
        end = start + length
        while end < len(lowered) and lowered[start : end + 1] in theirs:
            end += 1
        if mine.count(" ", start, end) >= COPY_WORDS - 1:
            return mine[start:end]
        start = end
    return ""


def check_translation(
    note: str, english: str, bounds: Bounds = DEFAULT_BOUNDS, examples: Iterable[str] = ()
) -> list[OutputWarning]:
    """The English: no Hangul, within bounds, every URL, number and Latin term of the note kept, and no
    stretch of an example's English (EXAMPLE_RUN characters) that the note does not hold itself."""
    text = english.strip()
    if not text:
        return [OutputWarning("english", "the translation is empty", severe=True, unusable=True)]
    warnings = []
    if has_hangul(text):
        warnings.append(OutputWarning("english", "the translation still contains Hangul", severe=True))
    warnings += _length("english", text, bounds.english_min, bounds.english_max)
    for kind, missing in (
        ("URL", missing_urls(note, text)),
        ("number", missing_numbers(note, text)),
        ("term", missing_terms(note, text)),
    ):
        if missing:
            warnings.append(OutputWarning("english", f"{kind}(s) of the note missing: {', '.join(missing)}"))
    for example in examples:
        run = copied_run(text, example, EXAMPLE_RUN)
        if run and run.lower() not in note.lower():
            message = f"copies the example's English, not the note: {clip_text(run)}"
            warnings.append(OutputWarning("english", message, severe=True, from_example=True))
            break
    return warnings


def check_tags(
    tags: Iterable[str],
    new_tags: Collection[str],
    vocabulary: Collection[str],
    bounds: Bounds = DEFAULT_BOUNDS,
) -> list[OutputWarning]:
    """Tags: at least one, house-shaped, and from the author's vocabulary unless marked new."""
    tags = list(tags)
    if not tags:
        return [OutputWarning("tags", "no tags")]
    warnings = []
    if len(tags) > bounds.tags_max:
        warnings.append(OutputWarning("tags", f"{len(tags)} tags; the author rarely uses more than {bounds.tags_max}"))
    for tag in tags:
        if not TAG_SHAPE.fullmatch(tag):
            warnings.append(OutputWarning("tags", f"#{tag} is not lower-case words joined by '-' or '_'"))
        elif vocabulary and tag not in vocabulary and tag not in new_tags:
            warnings.append(OutputWarning("tags", f"#{tag} is not in the vocabulary and not marked new"))
    return warnings


def check_copied(field: str, text: str, sources: Iterable[str]) -> list[OutputWarning]:
    """A small model under few-shot prompting sometimes repeats an example or the instruction verbatim."""
    mine = _squash_space(text)
    for source in sources:
        theirs = _squash_space(source)
        if len(theirs) >= 15 and (theirs in mine or (len(mine) >= 15 and mine in theirs)):
            message = f"repeats the prompt or a past note: {clip_text(source)}"
            return [OutputWarning(field, message, severe=True, unusable=True)]
    return []


def badness(warnings: Iterable[OutputWarning]) -> int:
    """How bad an answer is, to pick between a first answer and its guided retry: a severe warning
    outweighs any number of others, and an unusable one any number of severe ones."""
    return sum(10_000 if w.unusable else 100 if w.severe else 1 for w in warnings)


def ranking(warnings: Iterable[OutputWarning]) -> tuple[int, float]:
    """Badness, then by how much: the order in which answers to the same question are preferred."""
    warnings = list(warnings)
    return badness(warnings), sum(w.degree for w in warnings)


def clip_text(text: str, chars: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= chars else text[:chars] + "…"


def _squash_space(text: str) -> str:
    return " ".join(text.split())


def missing_urls(source: str, target: str) -> list[str]:
    """URLs of the source absent from the target, compared exactly (a URL must survive byte for byte)."""
    return _unique(url.rstrip(".,;") for url in URL.findall(source) if url.rstrip(".,;") not in target)


def missing_numbers(source: str, target: str) -> list[str]:
    """Numbers of the source (outside URLs) absent from the target."""
    found = set(NUMBER.findall(URL.sub(" ", target)))
    return _unique(n for n in NUMBER.findall(URL.sub(" ", source)) if n not in found)


def missing_terms(source: str, target: str) -> list[str]:
    """Latin-script terms of the source (outside URLs) absent from the target.

    Compared loosely, on letters and digits only and ignoring case, because a translation rightly writes
    'U-Net' for 'UNet' or 'long context' for 'Long Context'. One-letter terms are too ambiguous to check.
    """
    haystack = _squash(URL.sub(" ", target))
    terms = (t for t in LATIN_TERM.findall(URL.sub(" ", source)) if len(_squash(t)) > 1)
    return _unique(t for t in terms if _squash(t) not in haystack)


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _length(field: str, text: str, low: int, high: int) -> list[OutputWarning]:
    if len(text) < low:
        return [OutputWarning(field, f"only {len(text)} characters (expected at least {low})")]
    if len(text) > high:
        return [OutputWarning(field, f"{len(text)} characters (expected at most {high})")]
    return []


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))

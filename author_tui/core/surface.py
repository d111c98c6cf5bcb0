"""The author's surface style, put on a small model's answer: the register of a draft's sentence endings,
and the case of Latin-script words in a draft and in a translation.

Why: asked for "~군요." and "~네요.", the embedded 0.5B and 1.5B still end 90 % of their sentences in the
formal "~합니다." / "~있습니다." (dev window drafts), a register of 27 % of the sentences in the author's
latest 1,000 notes; none of theirs end in ~군요/~네요/~죠, against 42 % of the author's. And they copy the abstract's
lower-case words ("masked diffusion"), where since 2024 the author capitalizes 95 % of the Latin words in a
note ("Masked Diffusion", "Reward Model"). Both are rules, not judgement, so they are applied by rule after
the model has answered, and only where a prompt profile asks for them (`endings: casual`,
`capitalize: author`).

In English the author does the opposite: asked to keep every Latin-script term as written, the 0.5B carries
the note's "Layer Norm" and "Reward Model" into the translation, where the author's own English writes
"layer norm" and "reward model" in the middle of a sentence (and keeps "Qwen", "DeepSeek-R1", "RL").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from author_tui.core.checks import SENTENCE_END
from author_tui.core.text import HANGUL, URL, outside_urls

HANGUL_BASE = 0xAC00
FINAL_B, FINAL_SS = 17, 20  # the final consonants ㅂ and ㅆ, of a Hangul syllable's 28 finals
# A formal ending at the end of a sentence: "...합니다." "...있습니다" (a question, "...니까?", is left alone).
FORMAL_SEUP = re.compile(r"([가-힣])습니다(?=[.!]?(?:\s|$))")
FORMAL_B = re.compile(r"([가-힣])니다(?=[.!]?(?:\s|$))")
COPULA = re.compile(r"([가-힣])입니다(?=[.!]?(?:\s|$))")
# A lower-case Latin word standing on its own: not inside a URL, a file name, a LaTeX command (\alpha) or a
# mixed-case name (mHC), and not right after Hangul, where it is a spliced word ("인ference") the author
# must still be shown; nor a possessive's "s" ("Chinchilla's").
LOWER_WORD = re.compile(
    r"(?<![A-Za-z0-9./@_\\\-가-힣])(?<![A-Za-z]['’])[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?![A-Za-z0-9@_/]|\.[A-Za-z])"
)
CAPITALIZED_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Z][a-z0-9]*(?:-[A-Za-z0-9]+)*")
# An English word standing on its own (not in a URL, a file name or a mixed-case name such as "LLaDA"), and
# where a sentence starts, so a word there is capitalized for the sentence and not for itself.
ENGLISH_WORD = re.compile(
    r"(?<![A-Za-z0-9./@_\\\-])[A-Za-z][a-z0-9]*(?:-[A-Za-z][a-z0-9]*)*(?![A-Za-z0-9@_/]|\.[A-Za-z])"
)
SENTENCE_START = re.compile(r"(?:^|[.!?:;][\"')\]]*\s+|[(\"'\n]\s*)$")
# How far back a sentence start is looked for: a stop, closing quotes and spaces (". \"  Foo") fit in it. A
# window keeps the look local; searching the whole text before every word took 1 s over 1,000 translations.
START_WINDOW = 16


def _starts_sentence(text: str, at: int) -> bool:
    return SENTENCE_START.search(text, max(0, at - START_WINDOW), at) is not None


def _in_spans(spans: list[tuple[int, int]]) -> Callable[[int], bool]:
    return lambda at: any(start <= at < end for start, end in spans)


def _in_korean_sentence(text: str) -> Callable[[int], bool]:
    """Whether a position of `text` is in a sentence with Hangul. The author's capitals are for terms in a
    Korean sentence; an English sentence is prose ("Verifiers -- As Well Known As Process Reward Models":
    a 0.5B dev draft left in English, capitalized word by word)."""
    ends = [match.end() for match in SENTENCE_END.finditer(text)]
    sentences = zip([0, *ends], [*ends, len(text)], strict=True)
    return _in_spans([(start, end) for start, end in sentences if HANGUL.search(text, start, end)])


def _final(syllable: str) -> int:
    return (ord(syllable) - HANGUL_BASE) % 28


def casual_endings(text: str) -> str:
    """Formal sentence endings in the author's register: "있습니다" -> "있네요", "좋겠습니다" -> "좋겠네요",
    "줄였습니다" -> "줄였군요", "합니다" -> "하네요", "모델입니다" -> "모델이네요", "아이디어입니다" ->
    "아이디어네요" (after a vowel the copula's 이 goes). A past tense takes ~군요 as often as ~네요 in the
    archive (했군요 181 to 했네요 209, 었군요 48 to 46, 였군요 9 to 7); after 있 and 겠 the author writes
    ~네요 (있네요 229 to 50, 겠네요 181 to 28)."""

    def seup(match: re.Match[str]) -> str:
        stem = match.group(1)
        past = _final(stem) == FINAL_SS and stem not in "있겠"
        return stem + ("군요" if past else "네요")

    def copula(match: re.Match[str]) -> str:
        noun = match.group(1)
        return noun + ("이네요" if _final(noun) else "네요")

    def b_final(match: re.Match[str]) -> str:
        syllable = match.group(1)
        if _final(syllable) != FINAL_B:
            return match.group(0)
        return chr(ord(syllable) - FINAL_B) + "네요"  # 합 -> 하, 됩 -> 되, 입 -> 이

    return FORMAL_B.sub(b_final, COPULA.sub(copula, FORMAL_SEUP.sub(seup, text)))


@dataclass(frozen=True)
class Spelling:
    """How the author writes Latin words: a lower-case word is capitalized ("diffusion" -> "Diffusion",
    "cold-start" -> "Cold-Start") unless the author writes it lower-case more often than capitalized
    ("of", "vs", "o1", "n-gram")."""

    lower: Counter[str]
    capitalized: Counter[str]

    @classmethod
    def of_notes(cls, notes: Iterable[str]) -> Spelling:
        lower: Counter[str] = Counter()
        capitalized: Counter[str] = Counter()
        for note in notes:
            text = URL.sub(" ", note)
            lower.update(LOWER_WORD.findall(text))
            capitalized.update(CAPITALIZED_WORD.findall(text))
        return cls(lower, capitalized)

    def apply(self, text: str) -> str:
        outside, korean = outside_urls(text), _in_korean_sentence(text)

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            if not outside(match.start()) or not korean(match.start()):
                return word
            capital = "-".join(part[:1].upper() + part[1:] for part in word.split("-"))
            return word if self.lower[word] > self.capitalized[capital] else capital

        return LOWER_WORD.sub(fix, text)


@dataclass(frozen=True)
class EnglishSpelling:
    """How the author writes a capitalized word inside an English sentence: "Layer Norm" -> "layer norm",
    "Semantic Deduplication" -> "semantic deduplication", where the author's own translations write it in
    lower case more often than capitalized there. A name the author capitalizes ("Qwen", "Tanh") stays, so
    does a word where a sentence starts, an acronym ("RL", "QKV"), a mixed-case name ("LLaDA"), and a word the
    author has never written."""

    lower: Counter[str]
    capitalized: Counter[str]

    @classmethod
    def of_translations(cls, translations: Iterable[str]) -> EnglishSpelling:
        lower: Counter[str] = Counter()
        capitalized: Counter[str] = Counter()
        for english in translations:
            text = URL.sub(" ", english)
            for match in ENGLISH_WORD.finditer(text):
                if not _starts_sentence(text, match.start()):
                    word = match.group(0)
                    (capitalized if word[0].isupper() else lower)[word.lower()] += 1
        return cls(lower, capitalized)

    def apply(self, text: str) -> str:
        outside = outside_urls(text)

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            # A capital letter on its own ("top K", "Plan A") or before a digit ("Q1") is a name, not a word.
            if not (word[0].isupper() and word[1:2].islower()) or not outside(match.start()):
                return word
            if _starts_sentence(text, match.start()):
                return word
            key = word.lower()
            return key if self.lower[key] > self.capitalized[key] else word

        return ENGLISH_WORD.sub(fix, text)

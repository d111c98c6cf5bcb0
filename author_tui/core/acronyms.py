"""The acronyms in a draft, written as the author writes them: "Mixture of Experts" as MoE where the
abstract defines it so and the author's notes say MoE, "LLMs" as LLM.

Why: the small models copy an abstract's long forms ("Masked Diffusion Models", "Mixture of Experts") and
its plural acronyms ("LLMs", "CoTs"); those long forms are most of what the 1.5B's drafts share with the
abstract. The author writes a plural acronym in 12 of 3,468 notes (FLOPs, GANs, GPTs) and, of the terms an
abstract defines that a note names, the acronym for 317 and the long form for 68. Which form is a habit of
each term ("MoE" 120 times to "Mixture of Experts" 7; "Reward Model" 97 times to "RM" 10), so a long form is
shortened only where the author's own notes write that acronym more often than its long form. Applied by
rule to the chosen draft, where a prompt profile asks for it (`acronyms: author`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from author_tui.core.text import URL, outside_urls

# "Masked Diffusion Models (MDMs)", "Chain-of-Thought (CoT)": an abstract defining an acronym, the long
# form's words right before the parenthesis (which of them belong to it, `definitions` decides).
DEFINITION = re.compile(r"((?:[A-Za-z][\w-]*\s+){0,7}[A-Za-z][\w-]*)\s*\(([A-Z][A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*)\)")
# A plural acronym: two capitals or more, the last a capital, then "s" (LLMs, CoTs), not in a name (Eso-LMs).
PLURAL = re.compile(r"(?<![A-Za-z0-9-])([A-Z][A-Za-z0-9]*[A-Z])s(?![A-Za-z0-9])")
# Korean particles that change with the sound before them: {after a final consonant: after a vowel}.
PARTICLES = {"은": "는", "이": "가", "을": "를", "과": "와", "으로": "로"}
AFTER_VOWEL = {vowel: consonant for consonant, vowel in PARTICLES.items()}
PARTICLE = r"(?P<particle>(?:은|는|이|가|을|를|과|와|으로|로)(?![가-힣]))?"
# Letter names that end in a consonant: L 엘, M 엠, N 엔, R 알; after ㄹ (L, R) it is 로, not 으로.
FINAL_CONSONANT, FINAL_RIEUL = set("LMNR"), set("LR")


def _initials_spell(words: list[str], capitals: str) -> bool:
    """Whether the words' initials spell the acronym's capitals, in order, from the first word to the last;
    a word in between may be skipped ("Multi-head Latent Attention" is MLA, "Chain-of-Thought" is CoT)."""
    initials = [part[0].upper() for word in words for part in word.split("-") if part]
    if not initials or initials[0] != capitals[0] or initials[-1] != capitals[-1]:
        return False
    rest = iter(initials)
    return all(capital in rest for capital in capitals)


def singular(acronym: str) -> str:
    return acronym[:-1] if len(acronym) > 2 and acronym[-1] == "s" and acronym[-2].isupper() else acronym


def definitions(abstract: str) -> dict[str, str]:
    """The acronyms an abstract defines: {long form: acronym}, e.g. {"Masked Diffusion Models": "MDM"}.
    The long form is the fewest words before the parenthesis whose initials spell the acronym ("language
    models" is not LLM, "large language models" is); the acronym is singular, as the author writes it."""
    found: dict[str, str] = {}
    for match in DEFINITION.finditer(abstract):
        words, acronym = match.group(1).split(), match.group(2)
        capitals = "".join(letter for letter in acronym if letter.isupper())
        for count in range(1, len(words) + 1):
            if _initials_spell(words[-count:], capitals):
                found[" ".join(words[-count:])] = singular(acronym)
                break
    return found


def _particle(acronym: str, particle: str) -> str:
    """The particle as it sounds after the acronym's last letter: "MDM은", "LLM으로", "RL로", "MoE는". After a
    lower-case letter or a digit ("GFlowNets", "GPT-3") the sound is a word's or a number's: the model's stays."""
    if not acronym[-1].isupper():
        return particle
    consonant = acronym[-1] in FINAL_CONSONANT
    plain = AFTER_VOWEL.get(particle, particle)
    if plain == "으로":
        return "으로" if consonant and acronym[-1] not in FINAL_RIEUL else "로"
    return plain if consonant else PARTICLES[plain]


def _long_form(words: str) -> str:
    """A pattern for a long form as a draft may write it: any case, spaces or hyphens, a plural or not."""
    return r"[\s-]+".join(re.escape(word) for word in re.split(r"[\s-]+", words.rstrip("s"))) + "s?"


def _write_as(text: str, named: str, acronym: str) -> str:
    """Every `named` (a pattern) outside a URL as the acronym, with the particle after it in tune."""
    term = re.compile(rf"(?<![A-Za-z0-9-])(?:{named})(?![A-Za-z0-9]){PARTICLE}", re.IGNORECASE)
    outside = outside_urls(text)

    def short(match: re.Match[str]) -> str:
        if not outside(match.start()):
            return match.group(0)
        particle = match.group("particle")
        return acronym + (_particle(acronym, particle) if particle else "")

    return term.sub(short, text)


@dataclass(frozen=True)
class Acronyms:
    """The author's acronym habits, from the author's notes (URLs left out)."""

    notes: str

    @classmethod
    def of_notes(cls, notes: Iterable[str]) -> Acronyms:
        return cls("\n".join(URL.sub(" ", note) for note in notes))

    def _count(self, pattern: str, flags: int = 0) -> int:
        return len(re.findall(rf"(?<![A-Za-z0-9])(?:{pattern})(?![A-Za-z0-9])", self.notes, flags))

    def apply(self, text: str, abstract: str) -> str:
        """`text` with the abstract's long forms as acronyms where the author writes the acronym more often
        ("Masked Diffusion Models (MDMs)는" -> "MDM은"), and each plural acronym singular unless the author
        writes it in the plural more often (FLOPs stays)."""
        for words, acronym in sorted(definitions(abstract).items(), key=lambda item: -len(item[0])):
            written = self._count(re.escape(acronym) + "s?")
            if written > self._count(_long_form(words), re.IGNORECASE):
                spelled = rf"{_long_form(words)}(?:\s*\(\s*{re.escape(acronym)}s?\s*\))?"
                text = _write_as(text, spelled, acronym)
        for plural in sorted({match.group(1) for match in PLURAL.finditer(text)}, key=len, reverse=True):
            if self._count(re.escape(plural) + "s") <= self._count(re.escape(plural)):
                text = _write_as(text, re.escape(plural) + "s", plural)
        return text

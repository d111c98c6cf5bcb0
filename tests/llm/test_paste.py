"""Splitting a pasted block into title / authors / abstract: one shape per row."""

from __future__ import annotations

import pytest

from author_tui.core.paste import split_paste
from author_tui.errors import EntryError

ABS_PAGE = """\
Computer Science > Machine Learning
[Submitted on 3 Feb 2031 (v1), last revised 5 Feb 2031 (this version, v2)]
Title:Sparse Gardens: Growing Mixture-of-Experts from a Single Seed
Authors:Ada Park, Bo Kim, Chen Li
View PDF HTML (experimental)
Abstract:We grow a Mixture-of-Experts model from one dense seed.
Experts split when their load exceeds 2x the mean, reaching 64 experts.
Comments: 12 pages, 3 figures
Subjects:\tMachine Learning (cs.LG); Computation and Language (cs.CL)
Cite as:\tarXiv:3102.01234 [cs.LG]
 \t(or arXiv:3102.01234v2 [cs.LG] for this version)
Submission history
From: Ada Park [view email]
[v1] Mon, 3 Feb 2031 10:00:00 UTC (120 KB)
"""

LISTING = """\
arXiv:3102.05678 [pdf, html, other]
Title: Quiet Tokens: Pruning the Context Without Losing the Plot
Authors: Dana Cho, Eun Lee
Comments: Preprint
Subjects: Computation and Language (cs.CL)

Long contexts are mostly noise. We prune 80% of tokens
and keep accuracy.
"""

HOUSE = """\
2031년 2월 3일
Sparse Gardens: Growing Mixture-of-Experts from a Single Seed
(Ada Park, Bo Kim)
We grow a Mixture-of-Experts model from one dense seed.
MoE를 씨앗에서 키우는군요.
Growing an MoE from a seed.
#moe
"""

VAULT = """\
https://arxiv.org/abs/3102.01234

*Sparse Gardens* (Ada Park, Bo Kim)

> We grow a Mixture-of-Experts model
> from one dense seed.

MoE를 씨앗에서 키우는군요.

#moe"""


@pytest.mark.parametrize(
    ("pasted", "title", "authors", "abstract", "link"),
    [
        (
            ABS_PAGE,
            "Sparse Gardens: Growing Mixture-of-Experts from a Single Seed",
            "Ada Park, Bo Kim, Chen Li",
            "We grow a Mixture-of-Experts model from one dense seed. Experts split when their load exceeds 2x the "
            "mean, reaching 64 experts.",
            "https://arxiv.org/abs/3102.01234",
        ),
        (
            LISTING,
            "Quiet Tokens: Pruning the Context Without Losing the Plot",
            "Dana Cho, Eun Lee",
            "Long contexts are mostly noise. We prune 80% of tokens and keep accuracy.",
            "https://arxiv.org/abs/3102.05678",
        ),
        (
            HOUSE,
            "Sparse Gardens: Growing Mixture-of-Experts from a Single Seed",
            "Ada Park, Bo Kim",
            "We grow a Mixture-of-Experts model from one dense seed.",
            None,
        ),
        (
            VAULT,
            "Sparse Gardens",
            "Ada Park, Bo Kim",
            "We grow a Mixture-of-Experts model from one dense seed.",
            "https://arxiv.org/abs/3102.01234",
        ),
        (
            "Quiet Tokens\nDana Cho, Eun Lee\nLong contexts are noise.\nWe prune them.",
            "Quiet Tokens",
            "Dana Cho, Eun Lee",
            "Long contexts are noise. We prune them.",
            None,
        ),
        ("Quiet Tokens\n(Dana Cho)\nOne line abstract.", "Quiet Tokens", "Dana Cho", "One line abstract.", None),
        ("\ufeffOnly a title\n", "Only a title", "", "", None),
        ("Title: Crlf Paper\r\nAuthors: A B\r\nAbstract: Text here.\r\n", "Crlf Paper", "A B", "Text here.", None),
        (
            "TITLE : Loud Labels\nAUTHOR: Solo Writer\nABSTRACT:\nOn the next line.",
            "Loud Labels",
            "Solo Writer",
            "On the next line.",
            None,
        ),
        (
            "Title: Wrapped title that goes\non and on\nAuthors: A\nAbstract: x",
            "Wrapped title that goes on and on",
            "A",
            "x",
            None,
        ),
    ],
    ids=[
        "abs-page",
        "listing",
        "house-entry",
        "vault-note",
        "plain",
        "plain-parens",
        "bom-title-only",
        "crlf",
        "label-case",
        "wrapped-title",
    ],
)
def test_split(pasted, title, authors, abstract, link):
    entry = split_paste(pasted)
    assert (entry.title, entry.authors, entry.abstract, entry.link) == (title, authors, abstract, link)


@pytest.mark.parametrize("pasted", ["", "   \n\n", "Abstract: an abstract with no title"])
def test_nothing_usable_is_an_entry_error(pasted):
    with pytest.raises(EntryError, match="nothing was pasted|no title"):
        split_paste(pasted)

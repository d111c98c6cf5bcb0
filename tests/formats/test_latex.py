"""LaTeX in abstracts -> the plain text a digest shows: what changes, and what must not."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from author_tui.core.latex import plain_text

CASES = [
    # The two rewrites house-format.md names.
    ("on the $Pass@K$ metric, $CoT$-$Pass@K$ for all $K$.", "on the Pass@K metric, CoT-Pass@K for all K."),
    (r"notably \textbf{\textit{stable perplexity}} during", "notably stable perplexity during"),
    # Symbols, escapes, scripts, wrappers.
    (r"$25\times$ faster", "25× faster"),
    (r"$\mu P$ transfers", "μP transfers"),
    (r"$T \to \infty$", "T → ∞"),
    (r"$O(N^2)$ and $2^{18}$ and $B_\mathrm{crit}$", "O(N^2) and 2^18 and B_crit"),
    (r"$10-40\%$ and 5\% gains", "10-40% and 5% gains"),
    (r"$\mathcal{O} ( 1 / \sqrt{T} )$", "O ( 1 / √T )"),
    (r"$\frac{1}{\sqrt{v}}$", "1/√v"),
    (r"$\unicode{x2014}$", "—"),
    (r"Barlas O\u{g}uz and Andr\'e", "Barlas Oğuz and André"),
    (r"code at \url{https://example.org/x}", "code at https://example.org/x"),
    (r"see \href{https://example.org}{our page}", "see our page (https://example.org)"),
    (r"a {\bf bold} claim", "a bold claim"),
    ("how much a model ``knows'' about it", "how much a model “knows” about it"),
    (r"costs \$20 to run", "costs $20 to run"),
    (r"$20 USD, under \$2,000", "$20 USD, under $2,000"),
    ("a\x00b $x$", "a\x00b x"),
]

UNCHANGED = [
    "plain prose with no markup at all",
    "between $5 and $10 per run",            # not math: the closing $ is followed by a digit
    "a lone $ sign",
    r"our \method beats the baseline",       # unknown macro: left for the reader
    "Pass@K, 24B, 24T, MoE, RoPE (https://arxiv.org/abs/2504.13837)",
    "한국어 문장과 Pass@K",
]


@pytest.mark.parametrize(("latex", "plain"), CASES)
def test_plain_text(latex: str, plain: str) -> None:
    assert plain_text(latex) == plain


@pytest.mark.parametrize("text", UNCHANGED)
def test_text_without_latex_is_unchanged(text: str) -> None:
    assert plain_text(text) == text


@pytest.mark.parametrize("latex", [case[0] for case in CASES])
def test_plain_text_is_idempotent(latex: str) -> None:
    once = plain_text(latex)
    assert plain_text(once) == once


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_any_text_converts_and_text_without_markup_stays(text: str) -> None:
    plain = plain_text(text)
    if "$" not in text and "\\" not in text and "``" not in text:
        assert plain == text
    assert plain.count("\x00") == text.count("\x00")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["$", "\\", "{", "}", "textbf", "times", "x", " ", "``", "''", "^", "_", "%"]),
                max_size=30).map("".join))
def test_markup_soup_never_raises(text: str) -> None:
    assert isinstance(plain_text(text), str)

"""Plain text from arXiv's LaTeX: vault abstracts keep it (`$Pass@K$`), the digest shows what a reader sees.

The digest is plain text (house-format.md): `$Pass@K$` -> `Pass@K`,
`\\textbf{\\textit{stable perplexity}}` -> `stable perplexity`, `$25\\times$` -> `25×`.
The conversion is deliberately conservative, because abstracts are mostly prose and a wrong guess would
corrupt it:
- `$…$` counts as math only under pandoc's rule (no space just inside either `$`, the closing `$` not
  followed by a digit), so "between $5 and $10" stays as written;
- only known commands are rewritten: text-style wrappers lose their wrapper, symbols become their Unicode
  character, escapes lose their backslash; an unknown macro (`\\method`) is left as it is;
- braces are removed only inside math or as the argument of a known wrapper.
Text without `$`, `\\` or TeX quotes comes back unchanged.
"""

from __future__ import annotations

import re
import unicodedata

# Wrappers whose argument is the visible text.
WRAPPERS = [
    "textbf", "textit", "emph", "texttt", "textsc", "textsf", "textrm", "textup", "textnormal", "text",
    "underline", "mbox", "mathbf", "mathrm", "mathtt", "mathsf", "mathit", "mathcal", "mathbb", "mathbfit",
    "boldsymbol", "operatorname", "url",
]
SYMBOLS = {
    "times": "×", "cdot": "·", "cdots": "⋯", "ldots": "…", "dots": "…", "pm": "±", "mp": "∓",
    "infty": "∞", "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "leftrightarrow": "↔",
    "sim": "~", "approx": "≈", "simeq": "≃", "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠",
    "propto": "∝", "star": "⋆", "top": "⊤", "perp": "⊥", "ell": "ℓ", "nabla": "∇", "partial": "∂",
    "sum": "∑", "prod": "∏", "in": "∈", "log": "log", "exp": "exp", "tanh": "tanh", "|": "‖",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Pi": "Π", "Sigma": "Σ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    "textbackslash": "\\", "textasciitilde": "~", "textasciicircum": "^", "textendash": "–",
    "textemdash": "—", "textquoteright": "’", "textquoteleft": "‘",
}
# Symbols that only make sense in math; outside `$…$` these words are left alone.
TEXT_SYMBOLS = {"textbackslash", "textasciitilde", "textasciicircum", "textendash", "textemdash",
                "textquoteright", "textquoteleft", "times", "%"}
ESCAPES = {"%": "%", "$": "$", "&": "&", "_": "_", "#": "#", "{": "{", "}": "}", " ": " "}
ACCENTS = {"'": "\u0301", "`": "\u0300", '"': "\u0308", "^": "\u0302", "~": "\u0303", "v": "\u030c",
           "c": "\u0327", "=": "\u0304", ".": "\u0307", "u": "\u0306", "H": "\u030b"}

WRAPPER = re.compile(r"\\(" + "|".join(WRAPPERS) + r")\s*\{([^{}]*)\}")
HREF = re.compile(r"\\href\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
UNICODE = re.compile(r"\\unicode\s*\{\s*x([0-9A-Fa-f]{2,6})\s*\}")
ACCENT = re.compile(r"\\([`'\"^~=.]|[vcuH](?=[\s{]))\s*(?:\{(\w)\}|(\w))")
SYMBOL = re.compile(r"\\([A-Za-z]+|\|)(?![A-Za-z])\s?")
ESCAPE = re.compile(r"\\([%$&_#{} ])")
# Old-style switches inside a group: {\bf x}, {\it x}, {\em x}.
SWITCH = re.compile(r"\{\\(?:bf|it|em|rm|sf|tt|sc)\s+([^{}]*)\}")
# Pandoc's inline-math rule; an escaped `\$` inside is text, never a delimiter.
MATH = re.compile(r"(?<![\\$])\$(?=\S)((?:[^$\\\n]|\\.)*?(?:[^$\\\s]|\\.))\$(?!\d)")
SCRIPT = re.compile(r"([_^])\{([^{}]*)\}")
SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
FRAC = re.compile(r"\\frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")


def plain_text(text: str) -> str:
    """What a reader of the rendered abstract sees, as plain text."""
    if "$" not in text and "\\" not in text and "``" not in text:
        return text
    text = MATH.sub(lambda m: _math(m.group(1)), text)
    text = _text_mode(text)
    return text.replace("``", "\u201c").replace("''", "\u201d")


def _math(body: str) -> str:
    body = SQRT.sub(lambda m: "√" + (m.group(1) if len(m.group(1)) == 1 else f"({m.group(1)})"), body)
    body = FRAC.sub(r"\1/\2", body)
    body = _text_mode(body, math=True)
    body = SCRIPT.sub(r"\1\2", body)
    return body.replace("{", "").replace("}", "")


def _text_mode(text: str, math: bool = False) -> str:
    previous = None
    while previous != text:  # innermost wrapper first, until nothing changes: \textbf{\textit{x}}
        previous = text
        text = WRAPPER.sub(r"\2", text)
        text = SWITCH.sub(r"\1", text)
        text = HREF.sub(lambda m: m.group(2) if m.group(2) == m.group(1) else f"{m.group(2)} ({m.group(1)})",
                        text)
    text = UNICODE.sub(lambda m: _char(m.group(1)), text)
    text = ACCENT.sub(_accent, text)
    text = SYMBOL.sub(lambda m: _symbol(m, math), text)
    return ESCAPE.sub(r"\1", text)


def _symbol(match: re.Match[str], math: bool) -> str:
    name = match.group(1)
    if name in SYMBOLS and (math or name in TEXT_SYMBOLS):
        symbol = SYMBOLS[name]
        # TeX swallows the space after a command word: "\mu P" reads "μP". Operators ("T \to x") and
        # words ("\log x") keep it so the plain text does not run together.
        spaced = match.group(0)[-1].isspace() and not name.startswith("text")
        return symbol + (" " if spaced and (not symbol.isalpha() or len(symbol) > 1) else "")
    return match.group(0)


def _accent(match: re.Match[str]) -> str:
    return unicodedata.normalize("NFC", (match.group(2) or match.group(3)) + ACCENTS[match.group(1)])


def _char(hex_code: str) -> str:
    try:
        return chr(int(hex_code, 16))
    except (ValueError, OverflowError):
        return hex_code

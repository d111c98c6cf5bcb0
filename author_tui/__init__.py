"""author-tui: write a bilingual daily digest of ML papers, with an LLM drafting, translating and tagging."""

__version__ = "0.1.0"

"""Load the prompt templates from their folder: the files in prompts/ (or `prompts_dir` in the settings).

Why separate from core.prompting: reading files is I/O, which the core does not do.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from author_tui.core.prompting import PromptTemplate
from author_tui.errors import PromptError

# The templates shipped with the package: `author_tui/prompts` links to the checkout's prompts/ folder, and
# a wheel carries the files themselves. Found through importlib.resources, so any kind of install has them.
DEFAULT_DIR = Path(str(files("author_tui") / "prompts"))
REQUIRED = ("draft", "translate", "tags")
# Worked examples while the author's archive has no notes yet: a digest in the house format, to edit or delete.
STARTER = "starter.txt"


def load_prompts(folder: Path | None = None) -> dict[str, PromptTemplate]:
    """Every `*.md` template in the folder by name; the three the use cases need must be there."""
    folder = _folder(folder)
    if not folder.is_dir():
        raise PromptError(f"prompt folder {folder} does not exist", hint="set prompts_dir to the prompts/ folder")
    templates = {}
    for path in sorted(folder.glob("*.md")):
        template = PromptTemplate.parse(path.read_text(encoding="utf-8"), source=str(path))
        templates[template.name] = template
    missing = [name for name in REQUIRED if name not in templates]
    if missing:
        raise PromptError(
            f"prompt folder {folder} lacks {', '.join(missing)}",
            hint="each needs a file with 'name: <task>' in its front matter",
        )
    return templates


def starter_path(folder: Path | None = None) -> Path | None:
    """The folder's starter examples (STARTER), or None when it has none."""
    path = _folder(folder) / STARTER
    return path if path.is_file() else None


def _folder(folder: Path | None) -> Path:
    """The configured prompt folder, else the one shipped with author-tui."""
    return Path(folder) if folder else DEFAULT_DIR

"""Round-trip a field through the author's own editor ($VISUAL, else $EDITOR, else vi).

Why: long Korean notes are easier to write in the editor the author's fingers know. The text goes to a
temporary UTF-8 file, the editor runs in the foreground (the App suspends itself around this call), and
the file's text comes back; one trailing newline, which most editors add, is dropped.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from author_tui.errors import AuthorTuiError


def editor_command() -> list[str]:
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(command)


def edit_text(text: str, field: str) -> str:
    """`text` as the author left it in the editor. Raises AuthorTuiError when the editor fails."""
    with tempfile.TemporaryDirectory(prefix="author-tui-") as folder:
        path = Path(folder) / f"{field}.txt"
        path.write_text(text, encoding="utf-8")
        command = [*editor_command(), str(path)]
        try:
            code = subprocess.call(command)
        except OSError as error:
            raise AuthorTuiError(f"cannot run the editor {command[0]!r}: {error.strerror}",
                                 "set $EDITOR (or $VISUAL) to an editor on your PATH") from None
        if code != 0:
            raise AuthorTuiError(f"the editor {command[0]!r} exited with status {code}; the field is unchanged")
        edited = path.read_text(encoding="utf-8")
    return edited[:-1] if edited.endswith("\n") and not text.endswith("\n") else edited

"""One error hierarchy for the whole tool: the TUI shows it as a notification, the CLI as one line + exit code."""

from __future__ import annotations


class AuthorTuiError(Exception):
    """Base of every error the tool reports to the author. `hint` says how to fix it."""

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n  hint: {self.hint}" if self.hint else self.message


class FormatError(AuthorTuiError):
    """A file does not follow its format. Always names where: `path:line: expected …, found …`."""

    def __init__(self, path: str, line: int, expected: str, found: str, hint: str = "") -> None:
        self.path, self.line, self.expected, self.found = path, line, expected, found
        super().__init__(f"{path}:{line}: expected {expected}, found {found}", hint)


class NulByte(FormatError):
    """A NUL byte in a text file: no editor shows it, and the tool never writes one (`path:line: NUL byte`)."""

    def __init__(self, path: str, line: int) -> None:
        super().__init__(path, line, "text", "a NUL byte", "remove the NUL byte in an editor, then retry")
        self.message = f"{path}:{line}: NUL byte"


class EntryError(AuthorTuiError):
    """An entry holds text the house format cannot represent (refused rather than written wrongly)."""


class ConfigError(AuthorTuiError):
    """Settings are missing or contradictory."""


class ModelError(AuthorTuiError):
    """The language model could not give a usable answer (network, auth, rate limit, bad output...)."""

    exit_code = 3
    attempts = 0  # HTTP requests sent before giving up, retries included (set by the client)


class ConflictError(AuthorTuiError):
    """A file changed on disk since it was loaded, or another instance holds its lock."""


class DiskChanged(ConflictError):
    """The file on disk is no longer what was read: someone else wrote it in between. Nothing was written."""


class StoreError(AuthorTuiError):
    """The file system refused a read or write (permissions, full disk, a missing folder...)."""


class Cancelled(ModelError):
    """The author cancelled the request; not a failure to report loudly."""

    def __init__(self) -> None:
        super().__init__("cancelled")


class PromptError(AuthorTuiError):
    """A prompt template is malformed or was rendered with the wrong variables."""


class BatchUnsupported(ModelError):
    """The endpoint has no Batch API (/v1/files, /v1/batches): llama.cpp, vLLM, the embedded model."""


class EmbeddedModelCrashed(ModelError):
    """The embedded llama.cpp server was killed by a signal (typically a build for another CPU): final until
    it is rebuilt, so callers stop retrying and say so. `signal` is the signal number."""

    def __init__(self, message: str, hint: str = "", signal: int = 0) -> None:
        super().__init__(message, hint)
        self.signal = signal

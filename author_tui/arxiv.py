"""Look a paper up on arXiv by id or URL: title, authors and abstract from arXiv's export API.

Why its own module: the model never writes a paper's title, authors or abstract; they come from the
author's paste or from arXiv itself. This is the adapter for the second source. It speaks to the Atom
API (`settings.arxiv_api_url`, default https://export.arxiv.org/api/query) with the standard library only,
imported when a lookup happens so that opening the TUI stays light, and it waits at least `min_interval`
seconds (3 s, as arXiv asks of API clients) between two calls. Failures raise `FetchError` with a message
that says whether arXiv was unreachable (offline), answered with an error, or does not know the id.
"""

from __future__ import annotations

import re
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable

from author_tui.core.latex import plain_text
from author_tui.core.model import Entry
from author_tui.errors import AuthorTuiError

ATOM = "{http://www.w3.org/2005/Atom}"
# New-style ids (2506.13585, optional version) and old-style ones (hep-th/9901001).
NEW_ID = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?(?![\d])")
OLD_ID = re.compile(r"\b([a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(v\d+)?\b")
USER_AGENT = "author-tui (+https://github.com/; digest authoring tool)"


class FetchError(AuthorTuiError):
    """arXiv could not give us the paper (offline, HTTP error, unknown id, unreadable answer)."""


def parse_ref(ref: str) -> str:
    """The arXiv id (version kept when given) in an id, `arXiv:` reference or abs/pdf/html URL."""
    text = ref.strip()
    for pattern in (NEW_ID, OLD_ID):
        match = pattern.search(text)
        if match:
            return match.group(1) + (match.group(2) or "")
    raise FetchError(
        f"{text!r} is not an arXiv id or URL",
        "enter an id such as 2506.13585 or a link such as https://arxiv.org/abs/2506.13585",
    )


class ArxivClient:
    """Fetches one paper at a time, politely spaced. Thread-safe; one instance per app."""

    def __init__(
        self,
        api_url: str,
        *,
        min_interval: float = 3.0,
        timeout: float = 15.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url
        self.min_interval = min_interval
        self.timeout = timeout
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._last: float | None = None

    def fetch(self, ref: str) -> Entry:
        """The paper behind `ref` as an Entry (title, authors, abstract, link)."""
        arxiv_id = parse_ref(ref)
        with self._lock:
            self._wait_turn()
            try:
                data = self._get(arxiv_id)
            finally:
                self._last = self._clock()
        return parse_feed(data, arxiv_id)

    def _wait_turn(self) -> None:
        if self._last is None:
            return
        remaining = self.min_interval - (self._clock() - self._last)
        if remaining > 0:
            self._sleep(remaining)

    def _get(self, arxiv_id: str) -> bytes:
        import urllib.error  # here, not at the top: urllib.request (ssl, email) is slow to import at startup
        import urllib.parse
        import urllib.request

        query = urllib.parse.urlencode({"id_list": arxiv_id, "max_results": 1})
        url = f"{self.api_url}?{query}"
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as error:
            raise FetchError(
                f"arXiv answered HTTP {error.code} for {arxiv_id} ({self.api_url})",
                "try again in a minute, or paste the abstract page instead",
            ) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise FetchError(
                f"cannot reach arXiv at {self.api_url}: {reason} (offline?)",
                "check the network, or paste the paper's abstract page instead",
            ) from None


def parse_feed(data: bytes, arxiv_id: str) -> Entry:
    """The first entry of an arXiv Atom feed; FetchError when there is none or it is arXiv's error entry."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise FetchError(f"arXiv's answer for {arxiv_id} is not readable XML ({error})") from None
    entry = root.find(f"{ATOM}entry")
    title = _text(entry, "title") if entry is not None else ""
    entry_id = _text(entry, "id") if entry is not None else ""
    if entry is None or not title or "/api/errors" in entry_id:
        summary = _text(entry, "summary") if entry is not None else ""
        raise FetchError(
            f"arXiv has no paper {arxiv_id}" + (f": {summary}" if summary else ""),
            "check the id (e.g. 2506.13585)",
        )
    authors = ", ".join(_text(author, "name") for author in entry.findall(f"{ATOM}author"))
    return Entry.model_validate(
        {
            "title": plain_text(_fold(title)),
            "authors": authors,
            "abstract": plain_text(_fold(_text(entry, "summary"))),
            "link": f"https://arxiv.org/abs/{arxiv_id}",
        }
    )


def _text(node: ET.Element | None, name: str) -> str:
    found = node.find(f"{ATOM}{name}") if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def _fold(text: str) -> str:
    return " ".join(text.split())

"""The arXiv adapter against an Atom server of our own on 127.0.0.1: ids and URLs, the feed, the polite
interval between calls, each failure named; and the TUI flow from an id to a prefilled editor."""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from author_tui.arxiv import ArxivClient, FetchError, parse_feed, parse_ref
from tests.tui.conftest import MakeApp, Recorder, editor, until

pytestmark = pytest.mark.anyio

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>arXiv Query</title>
  <entry>
    <id>http://arxiv.org/abs/2506.01234v2</id>
    <title>Pass@K Training for
      $25\\times$ Faster Reasoning</title>
    <summary>  We train with $Pass@K$ rewards and get
  \\textbf{stable perplexity}.
    </summary>
    <author><name>Ada Park</name></author>
    <author><name>Min Lee</name></author>
  </entry>
</feed>"""
ERROR_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_9999.9</id><title>Error</title>
  <summary>incorrect id format for 9999.9</summary></entry>
</feed>"""
EMPTY_FEED = '<feed xmlns="http://www.w3.org/2005/Atom"><title>arXiv Query</title></feed>'


class AtomServer:
    """Answers /api/query?id_list=ID with FEED for 2506.01234, an empty feed otherwise; `status` forces errors."""

    def __init__(self) -> None:
        self.queries: list[dict[str, list[str]]] = []
        self.status = 200
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
                outer.queries.append(query)
                ids = query.get("id_list", [""])[0]
                body = (FEED if ids.startswith("2506.01234") else EMPTY_FEED).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/atom+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/query"

    def __enter__(self) -> AtomServer:
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def atom() -> Iterator[AtomServer]:
    with AtomServer() as server:
        yield server


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("2506.01234", "2506.01234"),
        ("2506.01234v2", "2506.01234v2"),
        ("arXiv:2506.01234", "2506.01234"),
        ("https://arxiv.org/abs/2506.01234v3", "2506.01234v3"),
        ("https://arxiv.org/pdf/2506.01234", "2506.01234"),
        ("  http://export.arxiv.org/abs/1706.03762 ", "1706.03762"),
        ("hep-th/9901001", "hep-th/9901001"),
    ],
)
def test_ids_and_urls(ref: str, expected: str) -> None:
    assert parse_ref(ref) == expected


def test_not_an_id() -> None:
    with pytest.raises(FetchError, match="not an arXiv id"):
        parse_ref("attention is all you need")


def test_the_feed_becomes_plain_one_line_fields() -> None:
    entry = parse_feed(FEED.encode(), "2506.01234")
    assert entry.title == "Pass@K Training for 25× Faster Reasoning"
    assert entry.authors == "Ada Park, Min Lee"
    assert entry.abstract == "We train with Pass@K rewards and get stable perplexity."
    assert entry.link == "https://arxiv.org/abs/2506.01234"


@pytest.mark.parametrize(("feed", "message"), [(ERROR_FEED, "incorrect id format"), (EMPTY_FEED, "no paper"),
                                               ("<feed", "not readable XML")])
def test_feeds_without_a_paper(feed: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        parse_feed(feed.encode(), "9999.9")


def test_fetch_over_http_waits_between_calls(atom: AtomServer) -> None:
    now = [100.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:  # a fake clock: sleeping moves it forward
        sleeps.append(seconds)
        now[0] += seconds

    client = ArxivClient(atom.url, clock=lambda: now[0], sleep=sleep)
    assert client.fetch("https://arxiv.org/abs/2506.01234").title.startswith("Pass@K")
    assert atom.queries[0] == {"id_list": ["2506.01234"], "max_results": ["1"]}
    now[0] += 1.0
    with pytest.raises(FetchError, match="no paper 2506.99999"):
        client.fetch("2506.99999")
    assert sleeps == [2.0]  # at least 3 s between two calls, as arXiv asks
    now[0] += 10.0
    client.fetch("2506.01234")
    assert sleeps == [2.0]  # long enough since the last call: no wait


def test_http_errors_are_named(atom: AtomServer) -> None:
    atom.status = 503
    with pytest.raises(FetchError, match="arXiv answered HTTP 503"):
        ArxivClient(atom.url).fetch("2506.01234")


async def test_the_tui_fills_the_editor_from_arxiv(make_app: MakeApp, atom: AtomServer) -> None:
    app, seen = make_app(arxiv=ArxivClient(atom.url)), Recorder()
    async with app.run_test(size=(140, 45), message_hook=seen) as pilot:
        await pilot.press("x", *"2506.01234", "enter")
        await until(pilot, lambda: app.screen.__class__.__name__ == "EntryScreen")
        screen = editor(app)
        assert screen.boxes["title"].text == "Pass@K Training for 25× Faster Reasoning"
        assert screen.boxes["authors"].text == "Ada Park, Min Lee"
        assert screen.current_entry().link == "https://arxiv.org/abs/2506.01234"
        assert any("Asking arXiv for 2506.01234" in n for n in seen.notes())

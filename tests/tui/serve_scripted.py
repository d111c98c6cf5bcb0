"""Run the scripted OpenAI-compatible server in the foreground (for the tmux end-to-end test, the bench and
trying the TUI by hand): answers every request with a fixed note/English/tags, streamed slowly.

    python -m tests.tui.serve_scripted URL_FILE [CHUNK_DELAY]

Writes its base URL to URL_FILE, then serves until killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from tests.support.scripted_answers import structured_content
from tests.support.scripted_server import ScriptedReply, ScriptedServer

NOTE = "검색 증강 생성의 긴 문맥 처리를 다룬 논문이군요. RoPE 스케일링을 비교합니다."
ENGLISH = "A paper on long-context handling in retrieval-augmented generation. It compares RoPE scaling."
TAGS = {"tags": ["rag", "long-context"], "new_tags": ["long-context"]}


def responder(delay: float):  # noqa: ANN201 - a scripted_server Responder
    def answer(body: dict) -> ScriptedReply:
        values = {"note": NOTE, "english": ENGLISH, **TAGS}
        return ScriptedReply(content=structured_content(body, values), chunk_delay=delay)

    return answer


def main(argv: list[str]) -> int:
    url_file = Path(argv[0])
    delay = float(argv[1]) if len(argv) > 1 else 0.02
    with ScriptedServer(responder=responder(delay), chunk_size=4) as server:
        url_file.write_text(server.url)
        while True:
            time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

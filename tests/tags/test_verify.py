"""core.batch_tags.verify on vault notes: only tag lines may change, not links, other blocks or blank lines."""

from __future__ import annotations

import pytest

from author_tui.core import batch_tags
from author_tui.errors import EntryError

NOTE = ("https://arxiv.org/abs/2501.00001\n\n*A small paper* (Some Author)\n\n"
        "작은 논문에 대한 노트.\n\n#vision #detection\n\n# Links\n\n- [[Other note]]\n")
INLINE = "https://arxiv.org/abs/2501.00002\n\n*Another paper* (Some Author)\n\n다른 논문에 대한 노트. #vision\n"
UNTAGGED = "https://arxiv.org/abs/2501.00003\n\n*A third paper* (Some Author)\n\n세 번째 노트.\n"


@pytest.mark.parametrize("text", [NOTE, INLINE, UNTAGGED, NOTE.replace("\n", "\r\n")])
def test_an_edit_of_the_tags_alone_passes(text: str) -> None:
    plan = batch_tags.plan_file("n.md", text.encode())
    applied = batch_tags.apply(plan, {0: ["diffusion", "video"]})
    assert applied.written and b"#diffusion #video" in applied.data
    batch_tags.verify(plan, applied.data, {0: ["diffusion", "video"]})


@pytest.mark.parametrize("tamper", [
    lambda t: t.replace("- [[Other note]]", "- [[Renamed note]]"),  # an other block
    lambda t: t.replace("# Links\n\n", "# Links\n\n\n"),  # a blank line elsewhere
    lambda t: t.replace("\n\n# Links", "\n# Links"),  # a blank line removed
    lambda t: t + "\n- [[Added note]]\n",  # a line added at the end
])
def test_changes_beside_the_tags_are_refused(tamper) -> None:
    plan = batch_tags.plan_file("n.md", NOTE.encode())
    applied = batch_tags.apply(plan, {0: ["diffusion"]})
    tampered = tamper(applied.data.decode()).encode()
    assert tampered != applied.data
    with pytest.raises(EntryError, match="beyond the tags"):
        batch_tags.verify(plan, tampered, {0: ["diffusion"]})

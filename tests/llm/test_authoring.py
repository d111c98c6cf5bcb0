"""The use cases over the client protocol: prompts, few-shot examples, checks, usage totals."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from pathlib import Path
from typing import Any

import pytest

from author_tui.core.authoring import Authoring
from author_tui.core.model import ArchiveDoc, Entry
from author_tui.core.outputs import NoteDraft, TagSuggestions, Translation
from author_tui.core.port import ModelReply, ModelRequest, Usage
from author_tui.core.prompting import PromptTemplate, estimate_tokens
from author_tui.core.retrieval import SimilarityIndex
from author_tui.core.tags import TagEngine
from author_tui.errors import EntryError, PromptError
from author_tui.llm.prompts import load_prompts


class QueueClient:
    """The seam's other side for tests: queued values, every request kept."""

    def __init__(self, *values: Any) -> None:
        self.values = deque(values)
        self.requests: list[ModelRequest] = []

    def generate(self, request, output, *, on_delta=None, cancel=None):
        self.requests.append(request)
        value = self.values.popleft()
        assert isinstance(value, output)
        if on_delta and request.preview_field:
            on_delta(getattr(value, request.preview_field))
        return ModelReply(value, Usage(prompt_tokens=100, completion_tokens=10, requests=1))

    def system(self, index: int = -1) -> str:
        return self.requests[index].messages[0].content


def doc(key: str, title: str, note: str, english: str, tags: str, abstract: str = "") -> ArchiveDoc:
    entry = Entry.model_validate({"title": title, "abstract": abstract, "note": note, "english": english, "tags": tags})
    return ArchiveDoc(key=key, date=dt.date(2031, 1, 1), entry=entry)


DOCS = [
    doc(
        "a",
        "Rotary embeddings for long context",
        "RoPE 스케일링으로 Long Context를 늘리는 방법이군요.",
        "A method to extend long context with RoPE scaling.",
        "long-context",
        "rotary position embedding context",
    ),
    doc(
        "b",
        "Extending context windows with position interpolation",
        "Position Interpolation 계열이네요.",
        "It is a position interpolation method.",
        "long-context transformer",
        "context window interpolation",
    ),
    doc(
        "c",
        "Reward models for reasoning",
        "추론 RL에서 Reward Model을 쓰는 방식이네요.",
        "A way to use reward models in reasoning RL.",
        "rl reasoning",
        "reward model reinforcement learning",
    ),
    doc("d", "Diffusion for images", "이미지 Diffusion이군요.", "", "diffusion", "image diffusion model"),
]
PAPER = Entry.model_validate(
    {
        "title": "Long context via rotary interpolation",
        "authors": "A. Author",
        "abstract": "We extend the context window with rotary position interpolation.",
    }
)


@pytest.fixture
def prompts():
    return load_prompts()


def authoring(client, prompts, docs=DOCS, **kwargs) -> Authoring:
    return Authoring(client, prompts, similar=SimilarityIndex.build(docs), tags=TagEngine.build(docs), **kwargs)


def ranked_notes(entry: Entry, exclude: str | None = None) -> list[str]:
    return [d.entry.note for d, _ in SimilarityIndex.build(DOCS).similar(entry, k=10, exclude=exclude)]


def shot_notes(request: ModelRequest, field: str = "note") -> list[str]:
    return [shot.answer[field] for shot in request.shots]


def test_draft_renders_the_paper_and_the_most_similar_notes_as_worked_examples(prompts):
    client = QueueClient(NoteDraft(note="RoPE 보간으로 Context를 늘리는군요."))
    result = authoring(client, prompts).draft_note(PAPER)
    assert result.value.note == "RoPE 보간으로 Context를 늘리는군요." and result.warnings == []
    request = client.requests[0]
    assert request.task == "draft" and request.preview_field == "note"
    assert request.prompt_hash == prompts["draft"].content_hash
    question = request.messages[-1].content
    assert "Title: Long context via rotary interpolation" in question and "A. Author" in question
    # Every past note is usable here; the most similar comes last, right before the question.
    assert shot_notes(request) == list(reversed(ranked_notes(PAPER)))
    first = request.shots[-1]
    assert first.user.startswith("Title: ") and first.user.endswith("Answer with the note only.")


def test_exclude_keeps_a_note_out_of_its_own_examples(prompts):
    client = QueueClient(NoteDraft(note="가나다라마바사아자차."))
    authoring(client, prompts).draft_note(PAPER, exclude="a")
    assert "RoPE 스케일링으로 Long Context를 늘리는 방법이군요." not in shot_notes(client.requests[0])
    assert "Position Interpolation 계열이네요." in shot_notes(client.requests[0])


def test_the_example_budget_is_respected(prompts):
    path = prompts["draft"].source
    raw = Path(path).read_text(encoding="utf-8").replace("example_tokens: 1200", "example_tokens: 120")
    client = QueueClient(NoteDraft(note="가나다라마바사아자차."))
    authoring(client, {**prompts, "draft": PromptTemplate.parse(raw, path)}).draft_note(PAPER)
    shots = client.requests[0].shots
    assert 0 < len(shots) < len(DOCS)
    assert sum(estimate_tokens(s.user + s.answer["note"]) for s in shots) <= 120


def test_warnings_come_back_with_the_value_after_one_guided_retry_that_quotes_them(prompts):
    client = QueueClient(NoteDraft(note="짧네요."), NoteDraft(note="또 짧네요."))
    result = authoring(client, prompts).draft_note(PAPER)
    assert [str(w) for w in result.warnings] == ["note: only 6 characters (expected at least 10)"]
    first, retry = client.requests
    assert first.plain_text and first.followup == ()
    assert [m.role for m in retry.followup] == ["assistant", "user"]
    assert retry.followup[0].content == "짧네요."
    assert "only 4 characters (expected at least 10)" in retry.followup[1].content
    assert retry.messages == first.messages and retry.shots == first.shots
    assert result.usage.requests == 2


def test_the_retry_is_kept_only_when_it_is_no_worse(prompts):
    english = "It is an English note copied from the abstract, not Korean at all."
    client = QueueClient(NoteDraft(note="RoPE 보간으로 Context를 늘리는군요! 짧네요."), NoteDraft(note=english))
    result = authoring(client, prompts).draft_note(PAPER)
    assert result.value.note == "RoPE 보간으로 Context를 늘리는군요! 짧네요."
    assert result.warnings == []  # the first answer had none: no retry at all
    assert len(client.requests) == 1
    client = QueueClient(NoteDraft(note="이건 2025년 https://x.io 에서 나온 결과네요."), NoteDraft(note=english))
    result = authoring(client, prompts).draft_note(PAPER)
    assert len(client.requests) == 2
    assert result.value.note == "이건 2025년 https://x.io 에서 나온 결과네요."  # one warning beats two
    assert [w.message for w in result.warnings] == ["not in the abstract: 2025, https://x.io"]


def test_a_clean_first_answer_is_not_retried_and_labels_and_quotes_are_cleaned(prompts):
    client = QueueClient(NoteDraft(note='노트: "RoPE 보간으로 Context를 늘리는군요."'))
    result = authoring(client, prompts).draft_note(PAPER)
    assert result.value.note == "RoPE 보간으로 Context를 늘리는군요."
    assert len(client.requests) == 1 and result.warnings == []


def test_translate_uses_korean_english_pairs_and_checks_terms(prompts):
    entry = PAPER.model_copy(update={"note": "RoPE 보간으로 24K까지 늘리는군요."})
    client = QueueClient(*[Translation(english="It extends the context to 24K with interpolation.")] * 2)
    result = authoring(client, prompts).translate(entry)
    request = client.requests[0]
    assert request.plain_text and request.preview_field == "english"
    assert "term(s) of the note missing: RoPE" in client.requests[1].followup[1].content
    pairs = {shot.user.split("Korean note:\n")[1].split("\n")[0]: shot.answer["english"] for shot in request.shots}
    assert (
        pairs["RoPE 스케일링으로 Long Context를 늘리는 방법이군요."]
        == "A method to extend long context with RoPE scaling."
    )
    assert "이미지 Diffusion이군요." not in pairs  # a note without English is no translation example
    assert "RoPE 보간으로 24K까지" in request.messages[-1].content
    assert [str(w) for w in result.warnings] == ["english: term(s) of the note missing: RoPE"]


def test_translate_refuses_an_entry_without_a_note(prompts):
    with pytest.raises(EntryError, match="no Korean note"):
        authoring(QueueClient(), prompts).translate(PAPER)


def test_tags_prompt_has_the_vocabulary_with_counts_and_the_engines_candidates(prompts):
    entry = PAPER.model_copy(update={"note": "RoPE 보간이군요."})
    client = QueueClient(TagSuggestions(tags=["long-context", "rope"], new_tags=[]))
    result = authoring(client, prompts).suggest_tags(entry)
    assert "#long-context(2)" in client.system() and "#diffusion(1)" in client.system()
    assert re.search(r"^#long-context \d+\.\d\d$", client.requests[0].messages[-1].content, re.MULTILINE)
    assert [str(w) for w in result.warnings] == ["tags: #rope is not in the vocabulary and not marked new"]
    assert client.requests[0].preview_field is None


def test_streamed_text_reaches_on_delta(prompts):
    seen: list[str] = []
    authoring(QueueClient(NoteDraft(note="스트리밍이네요, 좋군요.")), prompts).draft_note(PAPER, on_delta=seen.append)
    assert seen == ["스트리밍이네요, 좋군요."]


def test_usage_totals_add_up_over_calls(prompts):
    client = QueueClient(NoteDraft(note="가나다라마바사아자차."), NoteDraft(note="가나다라마바사아자차."))
    use_cases = authoring(client, prompts)
    use_cases.draft_note(PAPER)
    use_cases.draft_note(PAPER)
    assert use_cases.totals == Usage(prompt_tokens=200, completion_tokens=20, requests=2)


def test_without_an_archive_there_are_no_examples_and_no_vocabulary(prompts):
    client = QueueClient(NoteDraft(note="가나다라마바사아자차."), TagSuggestions(tags=["anything"]))
    bare = Authoring(client, prompts)
    bare.draft_note(PAPER)
    assert client.requests[0].shots == ()
    assert bare.suggest_tags(PAPER).warnings == []
    assert "(no vocabulary" in client.system(1)


def test_a_paper_without_a_title_is_refused(prompts):
    with pytest.raises(EntryError):
        Authoring(QueueClient(), prompts).draft_note(Entry.model_validate({"title": " "}))


def test_a_draft_that_repeats_an_example_is_flagged(prompts):
    copied = "RoPE 스케일링으로 Long Context를 늘리는 방법이군요."
    client = QueueClient(*[NoteDraft(note=copied)] * 3)
    result = authoring(client, prompts).draft_note(PAPER)
    assert [w.message for w in result.warnings] == [f"copies an example note word for word: {copied}"]
    first, unexampled, guided = client.requests  # asked again without the examples, then the guided retry
    assert first.shots and not unexampled.shots and not unexampled.followup and guided.followup


def test_a_draft_that_copies_the_abstract_is_flagged(prompts):
    copied = "긴 문맥을 다루는 논문인데 요약하자면 the context window with rotary 방식으로 늘린다는 이야기군요."
    result = authoring(QueueClient(NoteDraft(note=copied), NoteDraft(note=copied)), prompts).draft_note(PAPER)
    assert [w.message for w in result.warnings] == [
        "copies the abstract word for word: the context window with rotary",
        "rewords the abstract: 41% of its 8-character runs are the abstract's",
    ]


def test_of_two_drafts_that_reword_the_abstract_the_one_that_rewords_less_is_kept(prompts):
    draft = small_template("draft", "resample: 2\nretry_on: severe\nretry: false\n", "{{ abstract }}")
    reworded = "긴 문맥을 다루기 위해 position interpolation 방식으로 문맥 창을 늘리는 방법"
    more = NoteDraft(note=reworded + "이라고 하네요.")  # 30 % of its 8-grams are the abstract's
    less = NoteDraft(note=reworded + "을 제안한 연구라고 하는군요.")  # 26 %
    client = QueueClient(more, less, more)
    result = authoring(client, {**prompts, "draft": draft}).draft_note(PAPER)
    assert len(client.requests) == 3  # each as bad as the first by count: both resamples are asked
    assert result.value.note == less.note
    assert [w.message for w in result.warnings] == [
        "rewords the abstract: 26% of its 8-character runs are the abstract's"
    ]


def test_without_rerank_the_engine_chooses_and_no_model_is_asked(prompts):
    client = QueueClient()
    engine = TagEngine.build(DOCS)
    result = authoring(client, prompts, rerank_tags=False).suggest_tags(PAPER)
    expected = engine.suggest(PAPER)
    assert client.requests == [] and result.usage == Usage()
    assert result.value.tags == expected.chosen and result.value.tags
    assert result.value.alternatives == [c.tag for c in expected.candidates if c.tag not in expected.chosen][:8]


def test_with_rerank_the_other_candidates_are_offered_as_alternatives(prompts):
    client = QueueClient(TagSuggestions(tags=["long-context"]))
    result = authoring(client, prompts).suggest_tags(PAPER)
    assert result.value.tags == ["long-context"]
    assert "long-context" not in result.value.alternatives
    assert set(result.value.alternatives) <= {c.tag for c in TagEngine.build(DOCS).suggest(PAPER).candidates}
    assert result.value.alternatives


def test_fresh_reaches_the_client_for_every_use_case(prompts):
    entry = PAPER.model_copy(update={"note": "RoPE 보간으로 Context를 늘리는군요.", "english": "It extends it."})
    english = Translation(english="It extends the context with RoPE interpolation.")
    client = QueueClient(NoteDraft(note="RoPE 보간으로 Context를 늘리는군요."), english, TagSuggestions(tags=["rl"]))
    use_cases = authoring(client, prompts)
    use_cases.draft_note(PAPER, fresh=True)
    use_cases.translate(entry, fresh=True)
    use_cases.suggest_tags(entry, fresh=True)
    assert [r.fresh for r in client.requests] == [True, True, True]
    use_cases.client = QueueClient(NoteDraft(note="RoPE 보간으로 Context를 늘리는군요."))
    use_cases.draft_note(PAPER)
    assert use_cases.client.requests[0].fresh is False


def test_a_profile_template_may_leave_the_title_out(prompts):
    from author_tui.core.prompting import select_profile

    small = select_profile(prompts, "small")
    assert small["translate"].name == "translate-small" and small["tags"].name == "tags"
    entry = PAPER.model_copy(update={"note": "RoPE 보간으로 Context를 늘리는군요."})
    client = QueueClient(Translation(english="It extends the context with RoPE interpolation."))
    authoring(client, small).translate(entry)
    request = client.requests[0]
    assert request.prompt_name == "translate-small" and PAPER.title not in str(request.messages)
    assert all(PAPER.title not in shot.user for shot in request.shots) and len(request.shots) <= 1


def small_template(task: str, extra: str, question: str) -> PromptTemplate:
    return PromptTemplate.parse(f"---\nname: {task}-small\n{extra}---\n@system\nFixed.\n@user\n{question}\n", task)


def test_recent_examples_keep_the_prompt_before_the_question_the_same_for_every_paper(prompts):
    draft = small_template("draft", "examples: 2\nexample_choice: recent\nabstract_chars: 20\nexample_max_chars: 30\n",
                           "{{ title }}\n{{ abstract }}")
    dated = [d.model_copy(update={"date": dt.date(2031, 1, i + 1)}) for i, d in enumerate(DOCS)]
    client = QueueClient(*[NoteDraft(note="RoPE 보간으로 Context를 늘리는군요.")] * 2)
    use_cases = authoring(client, {**prompts, "draft": draft}, docs=dated)
    other = PAPER.model_copy(update={"title": "Reward models for reasoning", "abstract": "reward " * 20})
    use_cases.draft_note(PAPER)
    use_cases.draft_note(other)
    first, second = client.requests
    assert first.shots == second.shots and first.messages[:-1] == second.messages[:-1]
    notes = [s.answer["note"] for s in first.shots]  # the latest two of at most 30 characters
    assert notes == ["Position Interpolation 계열이네요.", "이미지 Diffusion이군요."]
    assert first.messages[-1].content.endswith("We extend the …")  # the profile's abstract_chars clip


def test_retry_on_severe_leaves_small_problems_alone_and_a_repeated_retry_loses(prompts):
    draft = small_template("draft", "retry_on: severe\nretry: Fix: {{ problems }}. Answer again.\n", "{{ abstract }}")
    client = QueueClient(NoteDraft(note="하나네요. 둘이네요 2025년. 셋이네요."))
    result = authoring(client, {**prompts, "draft": draft}).draft_note(PAPER)
    assert len(client.requests) == 1 and [w.message for w in result.warnings] == ["not in the abstract: 2025"]
    english = "This note is not Korean at all, it is English."
    client = QueueClient(NoteDraft(note=english), NoteDraft(note="Fix: the note contains no Hangul: it is not Korean."))
    result = authoring(client, {**prompts, "draft": draft}).draft_note(PAPER)
    assert len(client.requests) == 2 and result.value.note == english  # the echo of the retry is worse
    partial = "The note contains no Hangul: it is not Korean; write it again"  # as a 0.5B echoed it
    client = QueueClient(NoteDraft(note=english), NoteDraft(note=partial))
    assert authoring(client, {**prompts, "draft": draft}).draft_note(PAPER).value.note == english


def test_a_severe_answer_is_resampled_with_seeds_of_its_own_before_any_guided_retry(prompts):
    draft = small_template("draft", "resample: 2\nretry_on: severe\nretry: Fix: {{ problems }}.\n", "{{ abstract }}")
    english = "This note is not Korean at all, it is English."
    korean = "보간으로 컨텍스트를 넓히는 Rotary 계열이군요."
    client = QueueClient(NoteDraft(note=english), NoteDraft(note=english), NoteDraft(note=korean))
    result = authoring(client, {**prompts, "draft": draft}).draft_note(PAPER)
    assert result.value.note == korean and result.warnings == []
    assert [r.sample for r in client.requests] == [0, 1, 2] and not any(r.followup for r in client.requests)
    assert {r.messages for r in client.requests} == {client.requests[0].messages}  # the same question
    assert result.usage.requests == 3
    # A good first answer is not resampled; a resample no better than what it replaces is not taken.
    client = QueueClient(NoteDraft(note=korean))
    assert authoring(client, {**prompts, "draft": draft}).draft_note(PAPER).value.note == korean
    assert len(client.requests) == 1
    other = "Also English, and just as bad as the first."
    client = QueueClient(NoteDraft(note=english), NoteDraft(note=other), NoteDraft(note=other),
                         NoteDraft(note="Fix: the note contains no Hangul: it is not Korean."))
    assert authoring(client, {**prompts, "draft": draft}).draft_note(PAPER).value.note == english
    assert len(client.requests) == 4 and client.requests[-1].followup  # then the guided retry, which echoed


def test_an_echo_of_the_retry_loses_even_to_an_answer_as_bad(prompts):
    retry = "위 답을 한국어로 번역하세요. 기술 용어는 영어 그대로 쓰세요."
    draft = small_template("draft", f"retry_on: severe\nretry: {retry}\n", "{{ abstract }}")
    english = "This note is not Korean at all, it is English."
    client = QueueClient(NoteDraft(note=english), NoteDraft(note=retry))  # Korean, so it passes the checks
    result = authoring(client, {**prompts, "draft": draft}).draft_note(PAPER)
    assert result.value.note == english and any(w.severe for w in result.warnings)


def test_a_retry_answered_with_its_problem_in_translation_loses(prompts):
    draft = small_template("draft", "retry_on: severe\nretry: (문제: {{ problems }}) 다시 쓰세요.\n", "{{ abstract }}")
    reworded = NoteDraft(note="긴 문맥을 다루기 위해 position interpolation 방식으로 문맥 창을 늘리는 방법"
                              "이라고 하네요.")
    echo = NoteDraft(note="8자리 러닝의 30%는 초록이네요.")  # "30% of its 8-character runs are the abstract's"
    result = authoring(QueueClient(reworded, echo), {**prompts, "draft": draft}).draft_note(PAPER)
    assert result.value.note == reworded.note
    # A percentage the paper itself gives is the paper's, not the problem's.
    paper = PAPER.model_copy(update={"abstract": PAPER.abstract + " It keeps 30% of the cost."})
    own = NoteDraft(note="비용의 30%만 쓰면서 문맥을 늘린다는 점이 흥미롭네요.")
    result = authoring(QueueClient(reworded, own), {**prompts, "draft": draft}).draft_note(paper)
    assert result.value.note == own.note


def test_a_copied_or_english_sentence_is_dropped_while_one_of_the_models_own_is_left(prompts):
    own = "보간 방식이 흥미롭네요."
    copied = "We extend the context window with rotary position interpolation."  # the abstract's sentence
    client = QueueClient(NoteDraft(note=f"Long context via rotary interpolation. {own} {copied}"))
    result = authoring(client, prompts).draft_note(PAPER)
    assert result.value.note == own and len(client.requests) == 1
    client = QueueClient(NoteDraft(note=copied), NoteDraft(note=copied))  # nothing of its own: kept, flagged
    result = authoring(client, prompts).draft_note(PAPER)
    assert result.value.note == copied and any(w.severe for w in result.warnings)


def test_a_draft_keeps_at_most_three_sentences(prompts):
    client = QueueClient(NoteDraft(note="하나네요. 둘이네요! 셋이네요? 넷은 요약이 계속되는 것이네요."))
    result = authoring(client, prompts).draft_note(PAPER)
    assert result.value.note == "하나네요. 둘이네요! 셋이네요?" and len(client.requests) == 1


def test_a_profiles_terms_put_the_authors_english_in_place_before_the_model_reads_the_note(prompts):
    terms = 'terms: {"추론": "reasoning", "트레이닝": "training", "포스트트레이닝": "post-training"}\n'
    translate = small_template("translate", terms, "{{ note }}")
    entry = Entry.model_validate({"title": "Reasoning RL", "note": "추론 RL의 포스트트레이닝이군요."})
    client = QueueClient(Translation(english="Post-training of reasoning RL."))
    result = authoring(client, {**prompts, "translate": translate}).translate(entry)
    # The longest term first: 트레이닝 inside 포스트트레이닝 does not cut it into "포스트training".
    assert client.requests[0].messages[-1].content == "reasoning RL의 post-training이군요."
    assert result.value.english == "Post-training of reasoning RL." and result.warnings == []
    plain = small_template("translate", "", "{{ note }}")  # no terms: the note as the author wrote it
    client = QueueClient(Translation(english="Post-training of reasoning RL."))
    authoring(client, {**prompts, "translate": plain}).translate(entry)
    assert client.requests[0].messages[-1].content == entry.note


def test_terms_that_are_not_a_json_object_of_strings_name_the_file(prompts):
    for bad in ("terms: 추론=reasoning\n", 'terms: {"추론": 1}\n', 'terms: ["추론"]\n'):
        translate = small_template("translate", bad, "{{ note }}")
        entry = Entry.model_validate({"title": "t", "note": "추론이네요."})
        with pytest.raises(PromptError, match="translate: terms must be a JSON object"):
            authoring(QueueClient(), {**prompts, "translate": translate}).translate(entry)


def test_the_small_translate_profile_ships_the_authors_term_for_reasoning(prompts):
    assert prompts["translate-small"].terms == {"추론": "reasoning"}
    assert prompts["translate"].terms == {}  # the hosted profile translates the note as written


@pytest.mark.parametrize(
    ("flawed", "whole"),
    [
        # Chinese leaked in; a word half Hangul, half English
        ("보간으로 컨텍스트를 넓히는 시스템적인创新이군요.", "보간으로 컨텍스트를 넓히는 Rotary 계열이군요."),
        ("보간으로 컨텍스트의 인ference를 넓히는 방법이군요.", "보간으로 컨텍스트의 inference를 넓히는 방법이군요."),
    ],
)
def test_a_draft_the_author_cannot_keep_is_resampled(prompts, flawed, whole):
    draft = small_template("draft", "resample: 2\nretry_on: severe\nretry: Fix: {{ problems }}.\n", "{{ abstract }}")
    client = QueueClient(NoteDraft(note=flawed), NoteDraft(note=whole))
    result = authoring(client, {**prompts, "draft": draft}).draft_note(PAPER)
    assert result.value.note == whole and result.warnings == [] and [r.sample for r in client.requests] == [0, 1]


def test_a_translation_that_hands_back_its_examples_english_is_retried(prompts):
    entry = PAPER.model_copy(update={"note": "Position Interpolation 계열의 새 방법이네요."})
    example = "A method to extend long context with RoPE scaling."  # the English of DOCS' note "a"
    leaked = Translation(english="A new Position Interpolation method to extend long context with RoPE scaling.")
    fixed = Translation(english="A new method of the Position Interpolation family.")
    client = QueueClient(leaked, fixed)
    result = authoring(client, prompts).translate(entry)
    assert any(shot.answer["english"] == example for shot in client.requests[0].shots)
    assert client.requests[1].shots == () and client.requests[1].messages == client.requests[0].messages
    assert result.value.english == fixed.english and result.warnings == [] and len(client.requests) == 2
    # Still copying without the example (the 0.5B's own phrase, say): the guided retry names the problem.
    client = QueueClient(leaked, leaked, fixed)
    assert authoring(client, prompts).translate(entry).value.english == fixed.english
    assert "copies the example's English" in client.requests[2].followup[1].content


def test_a_guided_retry_in_english_never_replaces_a_korean_draft(prompts):
    draft = small_template("draft", "resample: 1\nretry_on: severe\nretry: Fix: {{ problems }}.\n", "{{ abstract }}")
    flawed = "시퀀encer의 学習으로 컨텍스트를 넓히는 방법이군요."  # two severe problems, but Korean
    english = "It seems to widen the window with a new kind of interpolation, which is nice."
    client = QueueClient(NoteDraft(note=flawed), NoteDraft(note=flawed), NoteDraft(note=english))
    result = authoring(client, {**prompts, "draft": draft}).draft_note(PAPER)
    assert len(client.requests) == 3 and client.requests[2].followup  # resampled, then the guided retry
    assert result.value.note == flawed


def test_a_profiles_surface_rules_put_the_authors_register_and_spelling_on_the_chosen_draft(prompts):
    rules = "endings: casual\ncapitalize: author\nresample: 1\nretry_on: severe\nretry: false\n"
    draft = small_template("draft", rules, "{{ abstract }}")
    spliced = NoteDraft(note="rotary 보간의 인ference를 넓힙니다.")  # severe: resampled, then the rules
    plain = NoteDraft(note="rotary 보간으로 컨텍스트 길이를 늘렸습니다. 간단하고 좋은 방법입니다.")
    client = QueueClient(spliced, plain)
    result = authoring(client, {**prompts, "draft": draft}).draft_note(PAPER)
    assert result.value.note == "Rotary 보간으로 컨텍스트 길이를 늘렸군요. 간단하고 좋은 방법이네요."
    assert len(client.requests) == 2 and result.warnings == []
    client = QueueClient(plain)  # a profile without them: the draft as the model wrote it
    assert authoring(client, prompts).draft_note(PAPER).value.note == plain.note


def test_a_profiles_acronym_rule_writes_the_abstracts_long_forms_as_the_author_does(prompts):
    draft = small_template("draft", "acronyms: author\nretry: false\n", "{{ abstract }}")
    abstract = "We extend the context window with rotary position embeddings (RoPE)."
    paper = PAPER.model_copy(update={"abstract": abstract})
    answer = NoteDraft(note="Rotary Position Embeddings를 보간해서 길이를 늘렸군요.")
    client = QueueClient(answer)
    result = authoring(client, {**prompts, "draft": draft}).draft_note(paper)
    assert result.value.note == "RoPE를 보간해서 길이를 늘렸군요."
    client = QueueClient(answer, answer)  # a profile without it (whose retry asks once more): as written
    assert authoring(client, prompts).draft_note(paper).value.note == answer.note


def test_a_profiles_spelling_puts_a_translations_terms_in_the_case_of_the_authors_english(prompts):
    translate = small_template("translate", "capitalize: author\nretry: false\n", "{{ note }}")
    english = [d.model_copy(update={"english": "A long context method with rotary interpolation."}) for d in DOCS]
    answer = Translation(english="Rotary Interpolation widens the Long Context of LLaMA.")
    entry = PAPER.model_copy(update={"note": "Rotary Interpolation으로 LLaMA의 Long Context를 넓히네요."})
    client = QueueClient(answer)
    result = authoring(client, {**prompts, "translate": translate}, docs=english).translate(entry)
    assert result.value.english == "Rotary interpolation widens the long context of LLaMA."
    client = QueueClient(answer)  # a profile without it: the English as the model wrote it
    assert authoring(client, prompts, docs=english).translate(entry).value.english == answer.english

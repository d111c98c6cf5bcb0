"""Prompt profiles: which files answer for each task, chosen by the setting, shown by `author-tui config`."""

from __future__ import annotations

from pathlib import Path

from author_tui.cli import main
from author_tui.config import Settings
from author_tui.core.prompting import PromptTemplate, select_profile
from author_tui.llm import prompt_profile
from author_tui.llm.prompts import load_prompts


def template(name: str) -> PromptTemplate:
    return PromptTemplate.parse(f"---\nname: {name}\n---\n@user\n{{{{ note }}}}\n", name)


def test_a_profiles_files_replace_the_base_templates_task_by_task():
    prompts = {name: template(name) for name in ("draft", "translate", "tags", "draft-small", "draft-mine")}
    assert {task: t.name for task, t in select_profile(prompts, "small").items() if "-" not in task} == {
        "draft": "draft-small",
        "translate": "translate",
        "tags": "tags",
    }
    assert select_profile(prompts, "hosted")["draft"].name == "draft"
    assert select_profile(prompts, "mine")["draft"].name == "draft-mine"
    # A profile falls back on the next one named, task by task, most specific first.
    prompts["translate-small"] = template("translate-small")
    chained = select_profile(prompts, "mine,small")
    assert (chained["draft"].name, chained["translate"].name, chained["tags"].name) == (
        "draft-mine", "translate-small", "tags")
    assert select_profile(prompts, "small,mine")["draft"].name == "draft-small"


def test_auto_is_hosted_for_an_endpoint_and_the_embedded_models_own(tmp_path: Path):
    assert prompt_profile(Settings(base_url=None)) == "small"
    assert prompt_profile(Settings(base_url="http://127.0.0.1:9/v1")) == "hosted"
    assert prompt_profile(Settings(base_url=None, prompt_profile="hosted")) == "hosted"
    assert prompt_profile(Settings(base_url=None, local_model="1.5b")) == "medium,small"
    assert prompt_profile(Settings(base_url=None, local_model="1.5b", local_model_path=tmp_path / "m.gguf")) == "small"


def test_the_shipped_prompts_have_a_small_profile_for_free_text_and_a_medium_one_for_drafts():
    small = select_profile(load_prompts(), "small")
    assert (small["draft"].name, small["translate"].name) == ("draft-small", "translate-small")
    medium = select_profile(load_prompts(), prompt_profile(Settings(base_url=None, local_model="1.5b")))
    assert (medium["draft"].name, medium["translate"].name, medium["tags"].name) == (
        "draft-medium", "translate-small", "tags")
    # The 1.5B's drafts take the author's most similar notes as examples, the 0.5B's the latest (KV cache).
    assert (medium["draft"].param("example_choice"), small["draft"].param("example_choice")) == ("similar", "recent")
    for profile in (small, medium):
        for task in ("draft", "translate"):  # the fixed part first: nothing varies before the question
            assert "{{" not in profile[task].messages[0].content


def test_config_shows_the_active_profile_and_its_files(capsys, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("AUTHOR_TUI_BASE_URL", "http://127.0.0.1:9/v1")
    assert main(["config"]) == 0
    assert "# prompt profile: hosted (draft: draft, translate: translate, tags: tags)" in capsys.readouterr().out
    monkeypatch.setenv("AUTHOR_TUI_PROMPT_PROFILE", "small")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "prompt_profile" in out and "[env" in out.split("prompt_profile")[1].split("\n")[0]
    assert "# prompt profile: small (draft: draft-small, translate: translate-small, tags: tags)" in out
    monkeypatch.delenv("AUTHOR_TUI_BASE_URL")
    monkeypatch.delenv("AUTHOR_TUI_PROMPT_PROFILE")
    monkeypatch.setenv("AUTHOR_TUI_LOCAL_MODEL", "1.5b")
    assert main(["config"]) == 0
    assert "# prompt profile: medium,small (draft: draft-medium, translate: translate-small, tags: tags)" in (
        capsys.readouterr().out)

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


def test_auto_is_small_for_the_embedded_model_and_hosted_for_an_endpoint():
    assert prompt_profile(Settings(base_url=None)) == "small"
    assert prompt_profile(Settings(base_url="http://127.0.0.1:9/v1")) == "hosted"
    assert prompt_profile(Settings(base_url=None, prompt_profile="hosted")) == "hosted"


def test_the_shipped_prompts_have_a_small_profile_for_free_text():
    small = select_profile(load_prompts(), "small")
    assert (small["draft"].name, small["translate"].name) == ("draft-small", "translate-small")
    for task in ("draft", "translate"):  # the fixed part first: nothing varies before the question
        assert "{{" not in small[task].messages[0].content


def test_config_shows_the_active_profile_and_its_files(capsys, monkeypatch, tmp_path: Path):
    monkeypatch.setenv("AUTHOR_TUI_BASE_URL", "http://127.0.0.1:9/v1")
    assert main(["config"]) == 0
    assert "# prompt profile: hosted (draft: draft, translate: translate, tags: tags)" in capsys.readouterr().out
    monkeypatch.setenv("AUTHOR_TUI_PROMPT_PROFILE", "small")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "prompt_profile" in out and "[env" in out.split("prompt_profile")[1].split("\n")[0]
    assert "# prompt profile: small (draft: draft-small, translate: translate-small, tags: tags)" in out

"""Settings precedence (flags > AUTHOR_TUI_* > OPENAI_* > TOML file > defaults), origins and the secret key."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from author_tui.cli import main
from author_tui.config import add_common_flags, config_path, load_settings, settings_from_args
from author_tui.errors import ConfigError


@pytest.fixture
def config_file(isolated_user_dirs: Path) -> Path:
    return Path(os.environ["AUTHOR_TUI_CONFIG"])


def origins(settings) -> dict[str, str]:
    return {name: origin for name, _, origin in settings.describe()}


def test_defaults_mean_the_embedded_model(config_file):
    settings = load_settings()
    assert settings.base_url is None and settings.uses_local_model
    assert origins(settings)["base_url"] == "default"


def test_flags_beat_environment_beat_file(config_file, monkeypatch):
    config_file.write_text('model = "file"\ntemperature = 0.9\ntimeout = 5\nmax_retries = 1\n')
    monkeypatch.setenv("AUTHOR_TUI_MODEL", "env")
    monkeypatch.setenv("AUTHOR_TUI_TEMPERATURE", "0.1")
    settings = load_settings(model="flag", timeout=None)  # None: the flag was not given
    assert (settings.model, settings.temperature, settings.timeout, settings.max_retries) == ("flag", 0.1, 5, 1)
    where = origins(settings)
    assert where["model"] == "flag"
    assert where["temperature"] == "env AUTHOR_TUI_TEMPERATURE"
    assert where["timeout"] == f"file {config_file}"
    assert where["concurrency"] == "default"


def test_openai_variables_are_honoured_after_ours(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "https://openai.example/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    settings = load_settings()
    assert settings.base_url == "https://openai.example/v1"
    assert settings.api_key is not None and settings.api_key.get_secret_value() == "sk-openai"
    assert origins(settings)["api_key"] == "env OPENAI_API_KEY"
    monkeypatch.setenv("AUTHOR_TUI_BASE_URL", "https://ours.example/v1")
    assert load_settings().base_url == "https://ours.example/v1"


def test_the_key_is_masked_wherever_it_is_shown(monkeypatch, capsys):
    monkeypatch.setenv("AUTHOR_TUI_API_KEY", "sk-very-secret")
    settings = load_settings()
    shown = dict((name, value) for name, value, _ in settings.describe())
    assert shown["api_key"] == "********"
    assert "sk-very-secret" not in repr(settings) and "sk-very-secret" not in str(settings)
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "sk-very-secret" not in out and "api_key" in out and "env AUTHOR_TUI_API_KEY" in out


def test_archive_from_the_environment_is_a_path_list(monkeypatch, tmp_path):
    monkeypatch.setenv("AUTHOR_TUI_ARCHIVE", f"{tmp_path / 'vault'}{os.pathsep}{tmp_path / 'old.txt'}")
    assert load_settings().archive == [tmp_path / "vault", tmp_path / "old.txt"]


def test_drafts_and_cache_dirs_come_from_their_variables(isolated_user_dirs):
    settings = load_settings()
    assert settings.drafts_dir == isolated_user_dirs / "drafts"
    assert settings.cache_dir == isolated_user_dirs / "cache"


def test_the_config_file_path_is_overridable(config_file):
    assert config_path() == config_file


@pytest.mark.parametrize(
    ("content", "message"), [("temperature = 7\n", "temperature"), ("model = [\n", "invalid settings")]
)
def test_bad_settings_are_one_config_error(config_file, content, message):
    config_file.write_text(content)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_common_flags_build_settings(config_file):
    parser = argparse.ArgumentParser()
    add_common_flags(parser)
    args = parser.parse_args(
        ["--base-url", "http://127.0.0.1:1/v1", "--archive", "a", "--archive", "b", "--no-cache", "--timeout", "2.5"]
    )
    settings = settings_from_args(args)
    assert settings.base_url == "http://127.0.0.1:1/v1" and settings.archive == [Path("a"), Path("b")]
    assert settings.no_cache is True and settings.refresh is False and settings.timeout == 2.5
    assert origins(settings)["no_cache"] == "flag" and origins(settings)["refresh"] == "default"


def test_config_command_names_each_source(config_file, monkeypatch, capsys):
    config_file.write_text("concurrency = 2\n")
    monkeypatch.setenv("AUTHOR_TUI_MODEL", "m")
    assert main(["config", "--base-url", "http://x/v1", "--explain"]) == 0
    out = capsys.readouterr().out
    assert "base_url" in out and "[flag]" in out and "[env AUTHOR_TUI_MODEL]" in out
    assert f"[file {config_file}]" in out
    assert "Sampling temperature" in out  # --explain shows each field's documentation


def test_every_setting_is_documented():
    from author_tui.config import Settings

    assert all(field.description for field in Settings.model_fields.values())

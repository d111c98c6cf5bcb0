"""Settings for every command and the TUI: flags > environment > a TOML file > defaults.

Why one class: the model layer, the CLI and the TUI must agree on where the endpoint, the key, the archive
and the folders are, and `author-tui config` must be able to say where each value came from.

Sources, highest first:
1. flags (keyword arguments to `load_settings`, built from argparse by `settings_from_args`);
2. environment: `AUTHOR_TUI_<FIELD>` (e.g. AUTHOR_TUI_MODEL), then the OpenAI client's own
   `OPENAI_BASE_URL` / `OPENAI_API_KEY`, so an existing OpenAI setup just works;
3. the TOML file at `AUTHOR_TUI_CONFIG`, else `<platform config dir>/author-tui/config.toml`;
4. the defaults below.
The API key is a `SecretStr`: it prints masked, is never written by the tool and never enters a cache key.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from author_tui.core.pricing import DEFAULT_PRICES, ModelPrice
from author_tui.errors import ConfigError

APP = "author-tui"
CONFIG_ENV = "AUTHOR_TUI_CONFIG"
DEFAULT_REMOTE_MODEL = "gpt-4o-mini"
# The OpenAI client's own variables, honoured after ours so an existing OpenAI setup works unchanged.
OPENAI_ENV = {"base_url": "OPENAI_BASE_URL", "api_key": "OPENAI_API_KEY"}


def config_path() -> Path:
    """Where the TOML settings file is: AUTHOR_TUI_CONFIG, else the platform's config dir."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


class Settings(BaseSettings):
    """Everything the tool can be told. Each field's docstring is what `author-tui config` explains."""

    model_config = SettingsConfigDict(
        env_prefix="AUTHOR_TUI_", extra="ignore", validate_default=True, use_attribute_docstrings=True
    )

    base_url: str | None = None
    """OpenAI-compatible endpoint, e.g. https://api.openai.com/v1. None: start the embedded local model."""

    api_key: SecretStr | None = None
    """Key for the endpoint. Shown masked; never written by the tool and never part of a cache key."""

    model: str | None = None
    """Model name. None: gpt-4o-mini on a remote endpoint, whatever model the embedded server loaded."""

    temperature: float = Field(0.3, ge=0.0, le=2.0)
    """Sampling temperature. Low: the notes should be stable between runs, not creative."""

    timeout: float = Field(60.0, gt=0)
    """Seconds one request may take (connect + read) before it counts as failed and is retried."""

    max_retries: int = Field(3, ge=0, le=10)
    """Retries after a rate limit (429), a server error (5xx), a timeout or a dropped connection."""

    concurrency: int = Field(4, ge=1, le=64)
    """Requests sent at the same time by batch commands (the local model serves one at a time anyway)."""

    archive: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    """Vault folders and digest files with the author's past notes: style examples and tag vocabulary.
    In the environment: paths separated by the platform's path separator (':' on Linux).
    Left empty, the digests already written in drafts_dir serve as the archive."""

    drafts_dir: Path = Path("drafts")
    """Where the daily digests are written (drafts/YYYY-MM-DD.txt)."""

    cache_dir: Path = Path(platformdirs.user_cache_dir(APP))
    """Model replies and what each endpoint supports are cached here."""

    cache_size_mb: int = Field(256, ge=1)
    """Upper bound of the reply cache on disk; the least recently used replies go first."""

    data_dir: Path = Path(platformdirs.user_data_dir(APP))
    """The log of every model call (calls.sqlite) and the saved Batch API jobs (batches/) are kept here."""

    call_log_days: int = Field(90, ge=0)
    """Days the call log keeps a call (its messages and reply included); 0 keeps no log at all."""

    prices: dict[str, ModelPrice] = Field(default_factory=lambda: dict(DEFAULT_PRICES))
    """USD per million tokens per model, for the cost shown before (--dry-run) and after every run. In the
    file: `[prices."gpt-4o-mini"]` with input, output and optionally batch_input, batch_output (default:
    half the live price). Extends the built-in table of OpenAI's list prices; an unknown model: tokens only."""

    no_cache: bool = False
    """Neither read nor write the reply cache (per run; usually given as --no-cache)."""

    refresh: bool = False
    """Ask the model again even when a reply is cached, and store the new reply (usually --refresh)."""

    prompts_dir: Path | None = None
    """Folder with the prompt templates. None: the prompts/ folder shipped with author-tui."""

    prompt_profile: str = "auto"
    """Which prompt files to use: "small" (prompts/*-small.md: short instructions, few examples, for the
    embedded model), "hosted" (prompts/draft.md etc., for capable models), or any <name> with files
    <task>-<name>.md; names joined by commas fall back in turn ("medium,small": a task's -medium file, else
    its -small one). "auto": hosted for a configured endpoint; for the embedded model, small for the 0.5B
    and medium,small for the 1.5B (its own draft prompt)."""

    tag_rerank: bool | None = None
    """Let the model pick tags among the tag engine's candidates. Unset: yes for a configured endpoint and
    the 1.5B embedded model, no for the 0.5B one (it picks worse than the engine alone, and slowly)."""

    local_model: str | None = None
    """Packaged embedded model size: "0.5b" (default) or "1.5b"; unused when local_model_path is set."""

    local_model_path: Path | None = None
    """GGUF weights for the embedded model. None: the packaged Qwen2.5-Coder-0.5B-Instruct (Q4_K_M)."""

    local_context_size: int = Field(4096, ge=512)
    """Context window (tokens) the embedded model is started with."""

    arxiv_api_url: str = "https://export.arxiv.org/api/query"
    """arXiv's export API, used to look a paper up by id."""

    draft_on_paste: bool = False
    """TUI: start drafting (note, English, tags) as soon as a paper is pasted, instead of waiting for
    ctrl+r. Off by default: a paste the author only wanted to read should not start the model."""

    @field_validator("archive", mode="before")
    @classmethod
    def _split_paths(cls, value: object) -> object:
        if isinstance(value, str):
            return [part for part in value.split(os.pathsep) if part.strip()]
        return value

    @field_validator("base_url", "model", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("prices")
    @classmethod
    def _with_default_prices(cls, value: dict[str, ModelPrice]) -> dict[str, ModelPrice]:
        return {**DEFAULT_PRICES, **value}

    @field_validator("archive", "drafts_dir", "cache_dir", "data_dir", "prompts_dir", "local_model_path")
    @classmethod
    def _expand(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [Path(p).expanduser() for p in value]
        return value.expanduser() if isinstance(value, Path) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return tuple(source for _, source in _sources(settings_cls, init_settings))

    @property
    def uses_local_model(self) -> bool:
        return self.base_url is None

    def describe(self) -> list[tuple[str, str, str]]:
        """(field, shown value, where it came from) for every field; the key masked."""
        origins = getattr(self, "_origins", {})
        return [(name, _show(getattr(self, name)), origins.get(name, "default")) for name in type(self).model_fields]


class OpenAIEnvSource(PydanticBaseSettingsSource):
    """OPENAI_BASE_URL and OPENAI_API_KEY, read after the AUTHOR_TUI_* variables."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        env = OPENAI_ENV.get(field_name)
        return (os.environ.get(env) if env else None), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {name: os.environ[env] for name, env in OPENAI_ENV.items() if os.environ.get(env)}


def _sources(
    settings_cls: type[BaseSettings], init: PydanticBaseSettingsSource
) -> list[tuple[str, PydanticBaseSettingsSource]]:
    """The sources in priority order, each with the label `config` shows."""
    path = config_path()
    return [
        ("flag", init),
        ("env AUTHOR_TUI_*", EnvSettingsSource(settings_cls, env_prefix="AUTHOR_TUI_")),
        ("env OPENAI_*", OpenAIEnvSource(settings_cls)),
        (f"file {path}", TomlConfigSettingsSource(settings_cls, toml_file=path)),
    ]


def load_settings(**flags: Any) -> Settings:
    """Settings from flags (None values mean 'not given') > environment > TOML file > defaults."""
    given = {name: value for name, value in flags.items() if value is not None}
    unknown = set(given) - set(Settings.model_fields)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    _check_file_keys(config_path())
    try:
        settings = Settings(**given)
    except ValidationError as error:
        hint = f"fix the flag, AUTHOR_TUI_* variable or {config_path()}"
        raise ConfigError(_invalid(error, given), hint=hint) from None
    except ValueError as error:  # TOML decode errors
        raise ConfigError(f"invalid settings: {error}", hint=f"fix the TOML syntax of {config_path()}") from None
    object.__setattr__(settings, "_origins", _origins(given))
    return settings


def _check_file_keys(path: Path) -> None:
    """A misspelt key in the TOML file would otherwise be ignored without a word (`temprature = 0.9`)."""
    import difflib
    import tomllib

    try:
        keys = set(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):  # absent: nothing to check; broken TOML: reported when it is read
        return
    for key in sorted(keys - set(Settings.model_fields)):
        close = difflib.get_close_matches(key, list(Settings.model_fields), n=1)
        hint = f"did you mean `{close[0]}`?" if close else "see `author-tui config --explain` for the settings"
        raise ConfigError(f"{path}: unknown setting `{key}`", hint)


def _invalid(error: ValidationError, given: dict[str, Any]) -> str:
    """One line per bad field, saying where it came from: pydantic's own dump is hard to read."""
    origins = _origins(given)
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else "?"
        problems.append(f"{name} = {item.get('input')!r} ({origins.get(name, 'default')}): {item['msg']}")
    return "invalid settings: " + "; ".join(problems)


def _origins(given: dict[str, Any]) -> dict[str, str]:
    """Which source supplied each field: the first one, in priority order, that has it."""
    from pydantic_settings import InitSettingsSource

    origins: dict[str, str] = {}
    for label, source in _sources(Settings, InitSettingsSource(Settings, given)):
        try:
            values = source()
        except ValueError:
            values = {}
        for name in values:
            if name in Settings.model_fields:
                origins.setdefault(name, _label(label, name))
    return origins


def _label(label: str, name: str) -> str:
    if label == "env AUTHOR_TUI_*":
        return f"env AUTHOR_TUI_{name.upper()}"
    if label == "env OPENAI_*":
        return f"env {OPENAI_ENV[name]}"
    return label


def _show(value: object) -> str:
    if isinstance(value, SecretStr):
        return "********" if value.get_secret_value() else "(empty)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "(none)"
    if isinstance(value, dict) and all(isinstance(v, ModelPrice) for v in value.values()):
        return ", ".join(f"{name} {price.input:g}/{price.output:g}" for name, price in value.items()) + \
            " (USD per 1M tokens in/out; batch: half unless set)"
    return "(none)" if value is None else str(value)


# --- the flags other commands share -------------------------------------------------------------------

# (flag, setting, argparse keyword arguments). No flag for the key: a flag would show it in `ps`.
COMMON_FLAGS: list[tuple[str, str, dict[str, Any]]] = [
    (
        "--base-url",
        "base_url",
        {"metavar": "URL", "help": "OpenAI-compatible endpoint (default: embedded model)"},
    ),
    ("--model", "model", {"metavar": "NAME", "help": "model name at the endpoint"}),
    ("--temperature", "temperature", {"type": float, "metavar": "T", "help": "sampling temperature"}),
    ("--timeout", "timeout", {"type": float, "metavar": "SECONDS", "help": "per-request timeout"}),
    ("--max-retries", "max_retries", {"type": int, "metavar": "N", "help": "retries on 429/5xx/timeouts"}),
    ("--concurrency", "concurrency", {"type": int, "metavar": "N", "help": "requests in flight at once"}),
    (
        "--archive",
        "archive",
        {
            "action": "append",
            "type": Path,
            "metavar": "PATH",
            "help": "vault folder or digest file of past notes (repeatable)",
        },
    ),
    ("--cache-dir", "cache_dir", {"type": Path, "metavar": "DIR", "help": "reply cache folder"}),
    (
        "--no-cache",
        "no_cache",
        {"action": "store_const", "const": True, "help": "do not use the reply cache"},
    ),
    (
        "--refresh",
        "refresh",
        {"action": "store_const", "const": True, "help": "ask the model again and overwrite cached replies"},
    ),
]


def add_common_flags(parser: argparse.ArgumentParser) -> None:
    """Add the model/cache/archive flags every model-using command shares (all default to 'not given')."""
    group = parser.add_argument_group("model and cache (override environment and config file)")
    for flag, dest, kwargs in COMMON_FLAGS:
        group.add_argument(flag, dest=dest, default=None, **kwargs)


def settings_from_args(args: argparse.Namespace, **extra: Any) -> Settings:
    """Settings with the common flags found in `args` (and `extra`) taking precedence."""
    flags = {dest: getattr(args, dest, None) for _, dest, _ in COMMON_FLAGS}
    return load_settings(**flags, **extra)

"""The only package that talks to language models (and imports openai). Start here: `build_authoring`.

    from author_tui.llm import build_authoring
    authoring = build_authoring(settings)          # core.authoring.Authoring over the configured endpoint
    authoring.draft_note(paper) / .translate(entry) / .suggest_tags(entry)

With no `base_url`, the embedded llama.cpp server is started (author_tui.llm.local_server). Heavy imports
happen inside the functions, so importing this package is cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:
    from author_tui.config import Settings
    from author_tui.core.authoring import Authoring, SimilarNotes, TagEngineLike
    from author_tui.core.model import ArchiveDoc
    from author_tui.core.port import CallRecord, OnCall
    from author_tui.llm.client import OpenAIModelClient

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def endpoint_and_model(settings: Settings) -> tuple[str, str]:
    """The base URL to call (starting the embedded server when none is set) and the model name."""
    from author_tui.config import DEFAULT_REMOTE_MODEL

    if settings.base_url:
        return settings.base_url, settings.model or DEFAULT_REMOTE_MODEL
    from author_tui.llm.embedded import ensure_local_server
    from author_tui.llm.local_model import model_alias

    return ensure_local_server(settings), settings.model or model_alias(settings)


def build_client(settings: Settings, on_call: OnCall | None = None) -> OpenAIModelClient:
    """The OpenAI-compatible client with the reply cache and endpoint memory in settings.cache_dir; every
    call's CallRecord goes to the call log in settings.data_dir (`store.calllog`), then to `on_call`."""
    from author_tui.llm.cache import EndpointMemory, ReplyCache
    from author_tui.llm.client import ClientOptions, OpenAIModelClient
    from author_tui.store.calllog import open_call_log

    base_url, model = endpoint_and_model(settings)
    key = settings.api_key.get_secret_value() if settings.api_key else None
    options = ClientOptions(
        base_url=base_url,
        model=model,
        api_key=key,
        temperature=settings.temperature,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        concurrency=settings.concurrency,
        use_cache=not settings.no_cache,
        refresh=settings.refresh,
        key_required=not is_loopback(base_url),
    )
    cache = ReplyCache(settings.cache_dir, settings.cache_size_mb)
    observers = [open_call_log(settings).record] + ([on_call] if on_call else [])
    return OpenAIModelClient(options, cache, EndpointMemory(settings.cache_dir), on_call=_each(observers))


def _each(observers: list[OnCall]) -> OnCall:
    def notify(record: CallRecord) -> None:
        for observer in observers:
            observer(record)

    return notify


def build_authoring(
    settings: Settings,
    docs: Sequence[ArchiveDoc] | None = None,
    *,
    tags: bool = True,
    on_call: OnCall | None = None,
    tag_engine: TagEngineLike | None = None,
) -> Authoring:
    """The use cases over the configured model, with few-shot examples and tags from the archive.

    `docs` defaults to the notes found in `settings.archive`; with none configured, the digests already
    written in the drafts dir (the author's own past days) are the archive. `tags=False` skips building
    the tag engine for callers that never suggest tags (it takes ~8 s over the author's 3,468 notes).
    With no notes at all (a new author), the examples come from the prompt folder's starter.txt.
    The prompts are those of the active profile (`prompt_profile`). `tag_engine`: one the caller built
    already (`author-tui tags` ranks with it too), used instead of building another.
    """
    from author_tui.core.authoring import Authoring
    from author_tui.core.prompting import select_profile
    from author_tui.llm.prompts import load_prompts

    prompts = select_profile(load_prompts(settings.prompts_dir), prompt_profile(settings))
    if docs is None:
        docs = load_docs(settings)
    similar, engine = _archive_helpers(docs, tags and tag_engine is None)
    if similar is None:
        similar = _starter_examples(settings)
    client = build_client(settings, on_call)
    return Authoring(client, prompts, similar=similar, tags=tag_engine or engine, rerank_tags=rerank_tags(settings))


def prompt_profile(settings: Settings) -> str:
    """The prompt profile in use: `prompt_profile`, where "auto" means "hosted" for a configured endpoint
    and the packaged model's own for the embedded one: "small" for the 0.5B, "medium,small" for the 1.5B
    (prompts/draft-medium.md, else the small files); "small" for a model file of the author's own."""
    if settings.prompt_profile != "auto":
        return settings.prompt_profile
    if not settings.uses_local_model:
        return "hosted"
    from author_tui.llm.local_model import spec_for

    return "small" if settings.local_model_path else spec_for(settings.local_model).profile


def rerank_tags(settings: Settings) -> bool:
    """Whether the model picks among the engine's tag candidates (see Settings.tag_rerank)."""
    if settings.tag_rerank is not None:
        return settings.tag_rerank
    return bool(settings.base_url or settings.local_model_path) or (settings.local_model or "0.5b") != "0.5b"


def load_docs(settings: Settings) -> list[ArchiveDoc]:
    from author_tui.store.archive import load_archive

    if settings.archive:
        return list(load_archive(settings.archive))
    if settings.drafts_dir.is_dir():
        return list(load_archive(sorted(settings.drafts_dir.glob("*.txt"))))
    return []


def _archive_helpers(docs: Sequence[ArchiveDoc], tags: bool) -> tuple[SimilarNotes | None, TagEngineLike | None]:
    if not docs:
        return None, None
    from author_tui.core.retrieval import SimilarityIndex
    from author_tui.core.tags import TagEngine

    return SimilarityIndex.build(docs), TagEngine.build(docs) if tags else None


def _starter_examples(settings: Settings) -> SimilarNotes | None:
    """Worked examples for an author with no notes yet: the prompt folder's starter.txt, two entries in the
    house format written for author-tui. Without any example the embedded 0.5B drafts in English (10 % of
    the dev window's drafts were Korean), and an entry whose note has no Hangul cannot be saved. Examples
    only: the tag engine is not built from them, so they suggest no tags of their own."""
    from author_tui.core.retrieval import SimilarityIndex
    from author_tui.llm.prompts import starter_path
    from author_tui.store.archive import load_archive

    path = starter_path(settings.prompts_dir)
    docs = load_archive([path]) if path is not None else []
    return SimilarityIndex.build(docs) if docs else None


def is_loopback(url: str) -> bool:
    return (urlparse(url).hostname or "") in LOOPBACK

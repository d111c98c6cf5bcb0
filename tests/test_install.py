"""scripts/install.py: a wheel built with other flags, sitting in pip's cache, is never reused.

The real package (llama-cpp-python) takes minutes to build, so a tiny sdist of our own stands in for it:
its build backend (no dependencies, so no network) bakes $CMAKE_ARGS into the wheel, which is exactly
what decides whether llama.cpp is native or portable. First the test shows the trap (plain pip reuses
the cached "native" wheel whatever CMAKE_ARGS say), then that the script's way does not fall into it.
"""

from __future__ import annotations

import importlib.util
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]

BACKEND = '''
import base64, hashlib, os, zipfile
NAME, VERSION = "flagprobe", "1.0"
DIST = f"{NAME}-{VERSION}.dist-info"
def get_requires_for_build_wheel(config_settings=None):
    return []
def _files():
    flags = os.environ.get("CMAKE_ARGS", "")
    return {f"{NAME}/__init__.py": f"FLAGS = {flags!r}\\n",
            f"{DIST}/METADATA": f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n",
            f"{DIST}/WHEEL": "Wheel-Version: 1.0\\nGenerator: probe\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
def prepare_metadata_for_build_wheel(directory, config_settings=None):
    os.makedirs(os.path.join(directory, DIST), exist_ok=True)
    with open(os.path.join(directory, DIST, "METADATA"), "w") as out:
        out.write(_files()[f"{DIST}/METADATA"])
    return DIST
def build_wheel(directory, config_settings=None, metadata_directory=None):
    name = f"{NAME}-{VERSION}-py3-none-any.whl"
    files, record = _files(), []
    with zipfile.ZipFile(os.path.join(directory, name), "w") as wheel:
        for path, text in files.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(data)}")
            wheel.writestr(path, data)
        wheel.writestr(f"{DIST}/RECORD", "\\n".join(record + [f"{DIST}/RECORD,,"]) + "\\n")
    return name
'''
PYPROJECT = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'


def install_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("install_script", ROOT / "scripts" / "install.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_sdist(folder: Path) -> None:
    folder.mkdir()
    with tarfile.open(folder / "flagprobe-1.0.tar.gz", "w:gz") as sdist:
        for name, text in {"pyproject.toml": PYPROJECT, "backend.py": BACKEND,
                           "PKG-INFO": "Metadata-Version: 2.1\nName: flagprobe\nVersion: 1.0\n"}.items():
            data = text.encode()
            info = tarfile.TarInfo(f"flagprobe-1.0/{name}")
            info.size = len(data)
            sdist.addfile(info, io.BytesIO(data))


@pytest.fixture
def offline_pip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """pip sees only our sdist and a pip cache of its own; returns that cache."""
    make_sdist(tmp_path / "index")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path / "index"))
    monkeypatch.setenv("PIP_CACHE_DIR", str(tmp_path / "pip-cache"))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    monkeypatch.delenv("PIP_NO_CACHE_DIR", raising=False)  # the trap needs pip's cache on, whatever the caller set
    monkeypatch.setenv("AUTHOR_TUI_WHEELHOUSE", str(tmp_path / "wheelhouse"))
    return tmp_path / "pip-cache"


PIP = [sys.executable, "-m", "pip"]


def pip_install(target: Path, *options: str, flags: str = "") -> str:
    """Install flagprobe into `target` with CMAKE_ARGS=flags; the FLAGS baked into what got installed."""
    env = {**os.environ, "CMAKE_ARGS": flags}
    subprocess.run([*PIP, "install", "--quiet", "--target", str(target), *options, "flagprobe==1.0"],
                   check=True, env=env, capture_output=True)
    namespace: dict[str, str] = {}
    exec((target / "flagprobe" / "__init__.py").read_text(), namespace)
    return namespace["FLAGS"]


def cached_wheels(cache: Path) -> list[Path]:
    return list((cache / "wheels").rglob("*.whl")) if (cache / "wheels").is_dir() else []


@pytest.mark.timeout(240)
def test_a_cached_native_wheel_is_never_reused(tmp_path: Path, offline_pip: Path) -> None:
    install = install_script()
    native, portable = " ".join(install.NATIVE_FLAGS), " ".join(install.PORTABLE_FLAGS)
    # The trap: pip builds once, caches the wheel, and reuses it whatever CMAKE_ARGS say later.
    assert pip_install(tmp_path / "first", flags=native) == native
    assert cached_wheels(offline_pip), "pip did not cache the wheel it built"
    assert pip_install(tmp_path / "second", flags=portable) == native

    # The script's way: its own build (pip's cache neither read nor written), then only that wheel.
    before = cached_wheels(offline_pip)
    house = install.ensure_wheel(PIP, "flagprobe==1.0", install.PORTABLE_FLAGS, package="flagprobe")
    assert cached_wheels(offline_pip) == before
    assert pip_install(tmp_path / "third", *install.only_from(house, "flagprobe")) == portable
    assert (house / "BUILD-INFO.json").is_file()


@pytest.mark.timeout(240)
def test_each_flag_set_gets_its_own_wheelhouse_and_a_build_is_reused(offline_pip: Path, tmp_path: Path) -> None:
    install = install_script()
    portable = install.ensure_wheel(PIP, "flagprobe==1.0", install.PORTABLE_FLAGS, package="flagprobe")
    native = install.ensure_wheel(PIP, "flagprobe==1.0", install.NATIVE_FLAGS, package="flagprobe")
    assert portable != native and portable.parent == native.parent
    built = sorted(portable.glob("*.whl"))[0].stat().st_mtime_ns
    again = install.ensure_wheel(PIP, "flagprobe==1.0", install.PORTABLE_FLAGS, package="flagprobe")
    assert again == portable and sorted(again.glob("*.whl"))[0].stat().st_mtime_ns == built
    assert pip_install(tmp_path / "native", *install.only_from(native, "flagprobe")) == " ".join(install.NATIVE_FLAGS)


@pytest.mark.timeout(240)
def test_a_native_build_already_in_the_venv_is_replaced_once(offline_pip: Path, tmp_path: Path) -> None:
    install = install_script()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    pip = [*PIP, "--python", str(venv / "bin" / "python")]
    env = {**os.environ, "CMAKE_ARGS": " ".join(install.NATIVE_FLAGS)}
    subprocess.run([*pip, "install", "--quiet", "flagprobe==1.0"], check=True, env=env, capture_output=True)

    def installed() -> Path:
        [module] = venv.glob("lib/python*/site-packages/flagprobe/__init__.py")
        return module

    assert " ".join(install.NATIVE_FLAGS) in installed().read_text()  # what a plain pip install left
    house = install.ensure_wheel(PIP, "flagprobe==1.0", install.PORTABLE_FLAGS, package="flagprobe")
    marker = venv / "author-tui-llama-build.txt"
    install.replace_installed(pip, house, marker)
    assert " ".join(install.PORTABLE_FLAGS) in installed().read_text()
    stamp = installed().stat().st_mtime_ns
    install.replace_installed(pip, house, marker)  # the same build again: nothing to do
    assert installed().stat().st_mtime_ns == stamp


def test_the_pinned_llama_version_is_the_one_the_extra_asks_for() -> None:
    install = install_script()
    pinned = install.pinned("llama-cpp-python")
    assert f'"llama-cpp-python[server]=={pinned}"' in (ROOT / "pyproject.toml").read_text()

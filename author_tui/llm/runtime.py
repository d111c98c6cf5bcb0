"""Whether the embedded llama.cpp build can run on this CPU, and what to say when it cannot.

Why this exists: llama-cpp-python builds llama.cpp with `-march=native` unless told otherwise, and such a
build uses every instruction its build machine had. On another CPU (or in a VM that advertises AMX but
does not enable it) it dies with SIGILL or a general protection fault on its first request. The fix is a
rebuild, so the author must hear exactly that, not "cannot reach 127.0.0.1". The build reports the
instruction sets it was compiled with (`llama_print_system_info`); the kernel reports the CPU's
(/proc/cpuinfo); `doctor` compares the two before anything crashes.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from author_tui.errors import EmbeddedModelCrashed

REBUILD = "python3 scripts/install.py (in a checkout; see docs/install.md for a plain pip command)"
# Compiled feature (as llama.cpp names it) -> the /proc/cpuinfo flag the CPU needs for it.
CPU_FLAG = {
    "SSE3": "pni", "SSSE3": "ssse3", "AVX": "avx", "AVX2": "avx2", "F16C": "f16c", "FMA": "fma",
    "BMI2": "bmi2", "AVX_VNNI": "avx_vnni", "AVX512": "avx512f", "AVX512_VBMI": "avx512vbmi",
    "AVX512_VNNI": "avx512_vnni", "AVX512_BF16": "avx512_bf16", "AMX_INT8": "amx_int8",
    "AMX_TILE": "amx_tile", "AMX_BF16": "amx_bf16",
}
FRAGILE = ("AMX_INT8", "AMX_TILE", "AMX_BF16")  # fault in VMs that advertise AMX without enabling it


@dataclass(frozen=True)
class BuildCheck:
    compiled: tuple[str, ...]  # instruction sets the build uses
    missing: tuple[str, ...]  # ... that this CPU does not report
    fragile: tuple[str, ...]  # ... that are known to fault in some VMs

    @property
    def ok(self) -> bool:
        return not self.missing and not self.fragile


def compiled_features(info: str) -> tuple[str, ...]:
    """`AVX2 = 1 | AMX_INT8 = 1 | ...` (llama_print_system_info) -> the instruction sets switched on."""
    return tuple(name for name, on in re.findall(r"([A-Z0-9_]+) = (\d)", info) if on == "1" and name in CPU_FLAG)


def cpu_flags(cpuinfo: str) -> set[str]:
    match = re.search(r"^flags\s*:(.*)$", cpuinfo, re.MULTILINE)
    return set(match.group(1).split()) if match else set()


def check_build(info: str, cpuinfo: str) -> BuildCheck:
    compiled = compiled_features(info)
    flags = cpu_flags(cpuinfo)
    missing = tuple(f for f in compiled if flags and CPU_FLAG[f] not in flags)
    return BuildCheck(compiled, missing, tuple(f for f in compiled if f in FRAGILE))


def system_info(python: str = sys.executable, timeout: float = 60.0) -> str:
    """What the installed llama.cpp build was compiled with. In a child process: a build that cannot run
    here may crash on load, and that must not take the caller down."""
    code = "import llama_cpp; print(llama_cpp.llama_print_system_info().decode())"
    result = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(_describe_exit(result.returncode) + (result.stderr.strip().splitlines() or [""])[-1])
    return result.stdout


def read_cpuinfo() -> str:
    try:
        return Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def crashed(signum: int, *, first_request: bool) -> EmbeddedModelCrashed:
    """The one message for a crashed embedded server, for every caller (TUI, draft, translate, doctor).

    Only a crash on the very first request (the warm-up) is blamed on the build: a later one may be an
    input llama.cpp cannot handle, so it says what happened and where to look."""
    if first_request:
        return EmbeddedModelCrashed(
            f"the embedded model crashed ({_signal_name(signum)}) on its first request; this llama.cpp build "
            "does not run on this CPU",
            hint=f"rebuild llama-cpp-python without -march=native: {REBUILD}; `author-tui doctor` checks the "
            "build against this CPU; or set AUTHOR_TUI_BASE_URL to use another endpoint",
            signal=signum,
        )
    return EmbeddedModelCrashed(
        f"the embedded model crashed ({_signal_name(signum)}) while answering a request",
        hint="it is started again once; a second crash stops it until author-tui restarts. "
        f"`author-tui doctor` checks the llama.cpp build against this CPU (rebuild: {REBUILD})",
        signal=signum,
    )


def _signal_name(signum: int) -> str:
    try:
        return f"signal {signum}, {signal.Signals(signum).name}"
    except ValueError:
        return f"signal {signum}"


def _describe_exit(code: int) -> str:
    return f"killed by {_signal_name(-code)}: " if code < 0 else f"exit code {code}: "

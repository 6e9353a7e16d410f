"""Small C kernels compiled with the machine's gcc on first use, cached on disk by hash.

The risk package compiles two kinds of C: a model's trees (`forest`) and the Kaggle-CSV
reader (`csv_kernel`). Both are optional speed-ups: where no compiler is found the callers
get an `OSError` and keep their pure-Python/numpy path. Libraries are cached by the hash
of their source and flags (`BACKORDER_RISK_KERNEL_DIR`, default a per-user temporary
directory), so a kernel is compiled once per machine, not once per process.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

_lock = threading.Lock()
_loaded: dict[str, ctypes.CDLL] = {}


def kernel_directory() -> Path:
    """Where compiled kernels are kept (BACKORDER_RISK_KERNEL_DIR, else a per-user temp)."""
    chosen = os.environ.get("BACKORDER_RISK_KERNEL_DIR")
    if chosen:
        return Path(chosen)
    user = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"backorder-forests-{user}"


def _build(source: str, flags: tuple[str, ...], target: Path) -> None:
    compiler = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    if compiler is None:
        raise OSError("no C compiler (gcc) found")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        code = Path(work) / "kernel.c"
        code.write_text(source, encoding="utf-8")
        built = Path(work) / target.name
        subprocess.run(
            [compiler, *flags, "-o", str(built), str(code), "-lm"],
            check=True,
            capture_output=True,
            timeout=600,
        )
        os.replace(built, target)  # atomic: a concurrent builder never sees half a file


def compiled_library(source: str, name: str, flags: tuple[str, ...]) -> ctypes.CDLL:
    """The shared library built from `source`, compiled on first use and cached on disk."""
    digest = hashlib.sha256(
        "\n".join((source, *flags, platform.machine(), platform.system())).encode()
    ).hexdigest()[:24]
    with _lock:
        if digest in _loaded:
            return _loaded[digest]
        target = kernel_directory() / f"{name}-{digest}.so"
        if not target.exists():
            _build(source, flags, target)
        library = ctypes.CDLL(str(target))
        _loaded[digest] = library
        return library

"""Fast scoring: the booster's trees walked by a small C kernel, compiled once with gcc.

LightGBM's own prediction costs about 55 ns per tree and row here, which caps a model that
must score a million rows in seconds at about a hundred trees. The trees of a LightGBM
text model are plain arrays (split feature, threshold, missing-value rule, children, leaf
values); the kernel below walks them for a block of rows at a time, tree by tree, so a
tree's nodes stay in the cache while it serves the block, and rows are split across
threads (ctypes releases the GIL). It follows LightGBM's numerical decision exactly — NaN
and zero as missing, default directions, `value <= threshold` going left — and the raw
scores it returns equal LightGBM's `predict(raw_score=True)` to the last few bits.

The kernel source is fixed (the model is data, not code), so it is compiled once per
machine into a cache directory and reused by every model and process. Where gcc is not
available, or the model uses something the kernel does not know (categorical splits,
linear trees, random-forest averaging), `compile_forest` returns None and the caller keeps
LightGBM's prediction: slower, never wrong.
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
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from backorder.risk.kaggle import FloatArray

KERNEL_SOURCE = r"""
#include <stdint.h>

#define LANES 8
#define ZERO 1e-35

/* One step down a tree for one row, without branches: leaves loop on themselves. */
static inline int32_t step(const double *x, int32_t n, const int32_t *feature,
                           const double *threshold, const int32_t *left, const int32_t *right,
                           const uint8_t *flags) {
    double v = x[feature[n]];
    uint8_t f = flags[n];
    uint8_t missing = f >> 1;
    int nan = v != v;
    v = (nan & (missing != 2)) ? 0.0 : v;
    int zero = (v >= -ZERO) & (v <= ZERO);
    int use_default = ((missing == 1) & zero) | ((missing == 2) & nan);
    int go_left = use_default ? (f & 1) : (v <= threshold[n]);
    return go_left ? left[n] : right[n];
}

void forest_raw_score(const double *x, int64_t rows, int32_t columns, int32_t trees,
                      const int32_t *node_offset, const int32_t *depth,
                      const int32_t *feature, const double *threshold, const int32_t *left,
                      const int32_t *right, const uint8_t *flags, const double *value,
                      double *out) {
    for (int64_t start = 0; start < rows; start += 64) {
        int64_t stop = start + 64 < rows ? start + 64 : rows;
        for (int64_t r = start; r < stop; r++) out[r] = 0.0;
        for (int32_t t = 0; t < trees; t++) {
            const int32_t o = node_offset[t];
            const int32_t d = depth[t];
            const int32_t *fe = feature + o, *le = left + o, *ri = right + o;
            const double *th = threshold + o, *va = value + o;
            const uint8_t *fl = flags + o;
            int64_t r = start;
            for (; r + LANES <= stop; r += LANES) {
                int32_t n[LANES] = {0};
                for (int32_t k = 0; k < d; k++) {
                    for (int l = 0; l < LANES; l++) {
                        n[l] = step(x + (r + l) * columns, n[l], fe, th, le, ri, fl);
                    }
                }
                for (int l = 0; l < LANES; l++) out[r + l] += va[n[l]];
            }
            for (; r < stop; r++) {
                int32_t n = 0;
                for (int32_t k = 0; k < d; k++) n = step(x + r * columns, n, fe, th, le, ri, fl);
                out[r] += va[n];
            }
        }
    }
}
"""
_DIGEST = hashlib.sha256(
    (KERNEL_SOURCE + platform.machine() + platform.python_implementation()).encode()
).hexdigest()[:16]
_lock = threading.Lock()
_library: ctypes.CDLL | None = None
_library_error: str | None = None
MIN_ROWS_PER_THREAD = 20_000

IntArray = NDArray[np.int32]


class UnsupportedModelError(ValueError):
    """The model uses a feature of LightGBM the kernel does not implement."""


def kernel_directory() -> Path:
    """Where the compiled kernel is kept (BACKORDER_RISK_KERNEL_DIR, else a per-user temp)."""
    chosen = os.environ.get("BACKORDER_RISK_KERNEL_DIR")
    if chosen:
        return Path(chosen)
    user = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"backorder-kernels-{user}"


def _build(target: Path) -> None:
    compiler = shutil.which(os.environ.get("CC", "gcc")) or shutil.which("cc")
    if compiler is None:
        raise OSError("no C compiler (gcc) found")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        source = Path(work) / "forest.c"
        source.write_text(KERNEL_SOURCE, encoding="utf-8")
        built = Path(work) / target.name
        subprocess.run(
            [compiler, "-O3", "-fPIC", "-shared", "-fno-math-errno", "-o", str(built), str(source)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        os.replace(built, target)  # atomic: a concurrent builder never sees half a file


def load_kernel() -> ctypes.CDLL | None:
    """The compiled kernel, built on first use; None when it cannot be built."""
    global _library, _library_error
    with _lock:
        if _library is not None or _library_error is not None:
            return _library
        target = kernel_directory() / f"forest-{_DIGEST}.so"
        try:
            if not target.exists():
                _build(target)
            library = ctypes.CDLL(str(target))
        except (OSError, subprocess.SubprocessError) as error:
            _library_error = str(error)
            return None
        function = library.forest_raw_score
        pointer = ctypes.c_void_p
        function.argtypes = [
            pointer,
            ctypes.c_int64,
            ctypes.c_int32,
            ctypes.c_int32,
            *([pointer] * 9),
        ]
        function.restype = None
        _library = library
        return library


def _numbers(text: str, kind: type) -> list[float] | list[int]:
    return [kind(v) for v in text.split()] if text.strip() else []


@dataclass(frozen=True)
class ForestArrays:
    """The trees of a model as flat arrays (node and leaf offsets per tree)."""

    columns: int
    node_offset: IntArray  # first node of each tree, and the end
    depth: IntArray  # steps from the root to the deepest leaf, per tree
    feature: IntArray
    threshold: FloatArray
    left: IntArray  # children, as indices within the tree (leaves point to themselves)
    right: IntArray
    flags: NDArray[np.uint8]
    value: FloatArray  # leaf value at leaf nodes, 0 at split nodes

    @property
    def trees(self) -> int:
        """Number of trees."""
        return int(self.node_offset.size - 1)


def forest_arrays(model_text: str) -> ForestArrays:
    """Parse a LightGBM text model into flat arrays; refuses what the kernel cannot walk."""
    header, _, body = model_text.partition("\nTree=")
    settings = dict(
        line.split("=", 1) for line in header.splitlines() if "=" in line and line[0] != "["
    )
    if "average_output" in header.splitlines():
        raise UnsupportedModelError("random-forest averaging")
    columns = int(settings["max_feature_idx"]) + 1
    body = "Tree=" + body
    body = body.split("\nend of trees", 1)[0]
    node_offset = [0]
    depths: list[int] = []
    parts: dict[str, list[NDArray[np.generic]]] = {
        name: [] for name in ("feature", "threshold", "left", "right", "flags", "value")
    }
    for block in body.split("\nTree="):
        fields = dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        if not fields:
            continue
        if int(fields.get("num_cat", "0")) > 0:
            raise UnsupportedModelError("categorical splits")
        if int(fields.get("is_linear", "0")):
            raise UnsupportedModelError("linear trees")
        tree = _tree_nodes(fields)
        for name, array in tree.items():
            if name != "depth":
                parts[name].append(array)
        depths.append(int(tree["depth"][0]))
        node_offset.append(node_offset[-1] + int(tree["value"].size))

    def joined(name: str, dtype: type) -> NDArray[np.generic]:
        return np.concatenate(parts[name]).astype(dtype) if parts[name] else np.zeros(0, dtype)

    return ForestArrays(
        columns=columns,
        node_offset=np.asarray(node_offset, dtype=np.int32),
        depth=np.asarray(depths, dtype=np.int32),
        feature=joined("feature", np.int32),
        threshold=joined("threshold", np.float64),
        left=joined("left", np.int32),
        right=joined("right", np.int32),
        flags=joined("flags", np.uint8),
        value=joined("value", np.float64),
    )


def _tree_nodes(fields: dict[str, str]) -> dict[str, NDArray[np.generic]]:
    """One tree's split nodes followed by its leaves as nodes that loop on themselves."""
    leaves = np.array(fields["leaf_value"].split(), dtype=np.float64)
    if int(fields["num_leaves"]) == 1:
        inner = 0
        feature = threshold = left = right = decision = np.zeros(0)
    else:
        decision = np.array(fields["decision_type"].split(), dtype=np.int64)
        if bool((decision & 1).any()):
            raise UnsupportedModelError("categorical splits")
        feature = np.array(fields["split_feature"].split(), dtype=np.int64)
        threshold = np.array(fields["threshold"].split(), dtype=np.float64)
        left = np.array(fields["left_child"].split(), dtype=np.int64)
        right = np.array(fields["right_child"].split(), dtype=np.int64)
        inner = feature.size
    # A leaf ~k becomes node inner + k.
    left = np.where(left < 0, inner + ~left, left)
    right = np.where(right < 0, inner + ~right, right)
    own = np.arange(inner, inner + leaves.size)
    # bit 0: default left; bits 1-2: missing type (0 none, 1 zero, 2 NaN)
    flags = ((decision >> 1) & 1) | (((decision >> 2) & 3) << 1)
    return {
        "feature": np.concatenate([feature, np.zeros(leaves.size)]),
        # +inf: a leaf sends every value "left", to itself (NaN counts as 0 with no rule).
        "threshold": np.concatenate([threshold, np.full(leaves.size, np.inf)]),
        "left": np.concatenate([left, own]),
        "right": np.concatenate([right, own]),
        "flags": np.concatenate([flags, np.zeros(leaves.size)]),
        "value": np.concatenate([np.zeros(inner), leaves]),
        "depth": np.array([_depth(left, right, inner)]),
    }


def _depth(left: NDArray[np.int64], right: NDArray[np.int64], inner: int) -> int:
    deepest, level, frontier = 0, 0, [0] if inner else []
    while frontier:
        level += 1
        frontier = [c for n in frontier for c in (left[n], right[n]) if c < inner]
        deepest = level
    return deepest


class CompiledForest:
    """Raw scores of a LightGBM model computed by the compiled kernel."""

    def __init__(self, arrays: ForestArrays, library: ctypes.CDLL, threads: int) -> None:
        self.arrays = arrays
        self._function = library.forest_raw_score
        self.threads = max(threads, 1)

    def _run(self, matrix: FloatArray, out: FloatArray) -> None:
        a = self.arrays

        def address(array: NDArray[np.generic]) -> int:
            return int(array.ctypes.data)

        self._function(
            address(matrix),
            matrix.shape[0],
            a.columns,
            a.trees,
            address(a.node_offset),
            address(a.depth),
            address(a.feature),
            address(a.threshold),
            address(a.left),
            address(a.right),
            address(a.flags),
            address(a.value),
            address(out),
        )

    def raw_score(self, matrix: FloatArray) -> FloatArray:
        """The sum of leaf values per row: LightGBM's raw score (log-odds for binary)."""
        if matrix.ndim != 2 or matrix.shape[1] != self.arrays.columns:
            raise ValueError(
                f"expected a matrix of {self.arrays.columns} columns, got {matrix.shape}"
            )
        matrix = np.ascontiguousarray(matrix, dtype=np.float64)
        out = np.empty(matrix.shape[0], dtype=np.float64)
        parts = min(self.threads, max(matrix.shape[0] // MIN_ROWS_PER_THREAD, 1))
        if parts == 1:
            self._run(matrix, out)
            return out
        bounds = np.linspace(0, matrix.shape[0], parts + 1).astype(int)
        with ThreadPoolExecutor(parts) as pool:
            list(
                pool.map(
                    lambda i: self._run(
                        matrix[bounds[i] : bounds[i + 1]], out[bounds[i] : bounds[i + 1]]
                    ),
                    range(parts),
                )
            )
        return out


def compile_forest(model_text: str, threads: int | None = None) -> CompiledForest | None:
    """A compiled forest for the model, or None when the kernel cannot serve it."""
    try:
        arrays = forest_arrays(model_text)
    except (UnsupportedModelError, KeyError, ValueError):
        return None
    library = load_kernel()
    if library is None:
        return None
    return CompiledForest(arrays, library, threads or os.cpu_count() or 1)

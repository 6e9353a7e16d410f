"""A compiled reader for plain CSV: unquoted ASCII cells, numbers, Yes/No flags, short text.

Reading a million Kaggle-schema rows with numpy's `loadtxt` took 6 s on the development
machine, more than scoring them; this reader does the common case (no quotes, no spaces,
plain decimal numbers) in C on every core, and says "not mine" (None) for anything else,
so that the callers' exact parser reads the file and names any wrong cell. It is strict on
purpose: a cell it accepts is one Python's `float()` reads to the same double (glibc's
`strtod` and Python both round correctly), and a cell it cannot vouch for is never guessed.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import IntEnum
from itertools import pairwise

import numpy as np
from numpy.typing import NDArray

from backorder.risk.native import compiled_library

FLAGS = ("-O2", "-fPIC", "-shared")
MIN_BYTES_PER_THREAD = 4 << 20

_SOURCE = r"""
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { TEXT = 0, NUMBER = 1, NUMBER_OR_EMPTY = 2, FLAG = 3 };

/* 1 when s[0:n] is [+-]digits[.digits][(e|E)[+-]digits] with a digit in the mantissa. */
static int plain_number(const char *s, int64_t n, int *integer) {
    int64_t i = 0, digits = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
    *integer = (i == n && digits > 0 && digits <= 15);
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') { i++; digits++; }
    }
    if (digits == 0) return 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int64_t exponent = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        while (i < n && s[i] >= '0' && s[i] <= '9') { i++; exponent++; }
        if (exponent == 0) return 0;
    }
    return i == n;
}

/* Rows of `columns` cells from text[0:length], '\n' ending a row. Numbers and flags go to
   values[column * stride + row], text cells to texts[(row * slot_count + slot) * width]
   (zero padded). Returns the number of rows, or -1 when a cell needs the exact parser. */
int64_t csv_parse(const char *text, int64_t length, int32_t columns, const int8_t *kinds,
                  const int32_t *slots, int32_t slot_count, int32_t width, int64_t capacity,
                  int64_t stride, double *values, char *texts) {
    const char *p = text, *end = text + length;
    int64_t row = 0;
    while (p < end) {
        if (row >= capacity) return -1;
        for (int32_t c = 0; c < columns; c++) {
            const char *cell = p;
            while (p < end && *p != ',' && *p != '\n') p++;
            int64_t n = p - cell;
            double *out = values + (int64_t)c * stride + row;
            int integer = 0;
            switch (kinds[c]) {
            case TEXT:
                if (n == 0 || n > width) return -1;
                for (int64_t i = 0; i < n; i++) {
                    unsigned char b = (unsigned char)cell[i];
                    if (b <= ' ' || b >= 127) return -1;
                }
                memcpy(texts + (row * slot_count + slots[c]) * (int64_t)width, cell, n);
                *out = 0.0;
                break;
            case NUMBER:
            case NUMBER_OR_EMPTY:
                if (n == 0) {
                    if (kinds[c] == NUMBER) return -1;
                    *out = NAN;
                    break;
                }
                if (!plain_number(cell, n, &integer)) return -1;
                if (integer) {
                    /* at most 15 digits: exact in a double, no strtod needed */
                    int64_t i = 0, v = 0, negative = 0;
                    if (cell[0] == '+' || cell[0] == '-') { negative = cell[0] == '-'; i = 1; }
                    for (; i < n; i++) v = v * 10 + (cell[i] - '0');
                    *out = negative ? -(double)v : (double)v;
                } else {
                    char *stop;
                    double v = strtod(cell, &stop);
                    if (stop != p || isinf(v)) return -1;
                    *out = v;
                }
                break;
            case FLAG:
                if (n == 3 && memcmp(cell, "Yes", 3) == 0) *out = 1.0;
                else if (n == 2 && memcmp(cell, "No", 2) == 0) *out = 0.0;
                else return -1;
                break;
            default:
                return -1;
            }
            if (c + 1 < columns) {
                if (p >= end || *p != ',') return -1;
                p++;
            }
        }
        if (p < end) {
            if (*p != '\n') return -1;
            p++;
        }
        row++;
    }
    return row;
}
"""


class CellKind(IntEnum):
    """How the reader takes a column's cells."""

    TEXT = 0  # printable ASCII without spaces, 1 to `width` characters
    NUMBER = 1  # a plain decimal number
    NUMBER_OR_EMPTY = 2  # a plain decimal number, or empty for NaN
    FLAG = 3  # Yes (1.0) or No (0.0)


@dataclass(frozen=True)
class PlainTable:
    """What the reader made of the rows: one float column or one text column per cell kind."""

    numbers: dict[int, NDArray[np.float64]]
    texts: dict[int, NDArray[np.str_]]
    rows: int


def _function() -> Callable[..., int] | None:
    try:
        library = compiled_library(_SOURCE, "csv", FLAGS)
    except (OSError, subprocess.SubprocessError):
        return None
    function = library.csv_parse
    function.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int64,
        ctypes.c_int32,
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_int32,
        ctypes.c_int32,
        ctypes.c_int64,
        ctypes.c_int64,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    function.restype = ctypes.c_int64
    parse: Callable[..., int] = function
    return parse


def _chunks(body: bytes, parts: int) -> list[tuple[int, int]]:
    """[start, stop) byte ranges that split `body` at line ends into about `parts` pieces."""
    bounds = [0]
    for part in range(1, parts):
        cut = body.find(b"\n", len(body) * part // parts)
        if cut < 0 or cut + 1 <= bounds[-1]:
            break
        bounds.append(cut + 1)
    bounds.append(len(body))
    return [(a, b) for a, b in pairwise(bounds) if b > a]


def parse_plain_csv(
    body: bytes, kinds: Sequence[CellKind], width: int = 64, threads: int | None = None
) -> PlainTable | None:
    """Rows of `body` (no header) read by the compiled kernel, or None when it cannot vouch."""
    function = _function()
    if function is None or not body or b'"' in body:
        return None
    columns = len(kinds)
    text_columns = [c for c, kind in enumerate(kinds) if kind is CellKind.TEXT]
    slots = np.full(columns, -1, dtype=np.int32)
    slots[text_columns] = np.arange(len(text_columns), dtype=np.int32)
    kind_codes = np.asarray([int(kind) for kind in kinds], dtype=np.int8)
    wanted = min(threads or os.cpu_count() or 1, len(body) // MIN_BYTES_PER_THREAD)
    pieces = _chunks(body, max(1, wanted))
    # A row per line end, and one more where the last line has none.
    capacities = [body.count(b"\n", a, b) + (body[b - 1 : b] != b"\n") for a, b in pieces]
    rows = sum(capacities)
    values = np.empty((columns, rows), dtype=np.float64)
    texts = np.zeros(rows * max(1, len(text_columns)) * width, dtype=np.uint8)
    address = ctypes.cast(ctypes.c_char_p(body), ctypes.c_void_p).value or 0
    starts = np.concatenate([[0], np.cumsum(capacities)[:-1]]).astype(np.int64)

    def run(index: int) -> int:
        a, b = pieces[index]
        first = int(starts[index])
        return int(
            function(
                address + a,
                b - a,
                columns,
                kind_codes.ctypes.data,
                slots.ctypes.data,
                max(1, len(text_columns)),
                width,
                capacities[index],
                rows,
                values.ctypes.data + first * 8,
                texts.ctypes.data + first * max(1, len(text_columns)) * width,
            )
        )

    with ThreadPoolExecutor(len(pieces)) as pool:
        counts = list(pool.map(run, range(len(pieces))))
    if counts != capacities:
        return None
    table = texts.view(f"S{width}").reshape(rows, max(1, len(text_columns)))
    strings: dict[int, NDArray[np.str_]] = {}
    for column in text_columns:
        raw = table[:, slots[column]]
        longest = int(np.char.str_len(raw).max()) if rows else 1
        strings[column] = raw.astype(f"U{max(1, longest)}")
    numbers = {c: values[c] for c in range(columns) if kinds[c] is not CellKind.TEXT}
    return PlainTable(numbers=numbers, texts=strings, rows=rows)

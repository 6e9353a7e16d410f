"""Loader for the public Kaggle "product backorders" CSV schema (plain or gzip).

One row is an inventory snapshot of one SKU. Quantities become float64 columns, the
Yes/No flags become 0.0/1.0, `-99` in the supplier-performance columns and an empty
lead time become NaN ("unknown"), and the footer line of the official files such as
`(242075 rows)` is skipped. The label `went_on_backorder` is optional (scoring files).

Speed matters (a million rows is a normal batch), so a plain file (ASCII, no quotes, no
spaces) is read by a compiled kernel on every core (`csv_kernel`), or by numpy's reader
where no C compiler is found; anything those reject is parsed again cell by cell, which
either succeeds or names the exact line, column and value that is wrong.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AnyStr

import numpy as np
from numpy.typing import NDArray

from backorder.risk.csv_kernel import CellKind, parse_plain_csv

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
StrArray = NDArray[np.str_]

SKU = "sku"
LABEL = "went_on_backorder"
QUANTITY_COLUMNS: tuple[str, ...] = (
    "national_inv",
    "lead_time",
    "in_transit_qty",
    "forecast_3_month",
    "forecast_6_month",
    "forecast_9_month",
    "sales_1_month",
    "sales_3_month",
    "sales_6_month",
    "sales_9_month",
    "min_bank",
    "pieces_past_due",
    "perf_6_month_avg",
    "perf_12_month_avg",
    "local_bo_qty",
)
FLAG_COLUMNS: tuple[str, ...] = (
    "potential_issue",
    "deck_risk",
    "oe_constraint",
    "ppap_risk",
    "stop_auto_buy",
    "rev_stop",
)
# Column order of the published files; reading goes by name, so order is free.
SCHEMA_COLUMNS: tuple[str, ...] = (
    SKU,
    *QUANTITY_COLUMNS[:11],
    "potential_issue",
    *QUANTITY_COLUMNS[11:],
    *FLAG_COLUMNS[1:],
    LABEL,
)
FEATURE_COLUMNS: tuple[str, ...] = QUANTITY_COLUMNS + FLAG_COLUMNS
MAY_BE_EMPTY = frozenset({"lead_time", "perf_6_month_avg", "perf_12_month_avg"})
PERFORMANCE_COLUMNS = ("perf_6_month_avg", "perf_12_month_avg")
UNKNOWN_PERFORMANCE = -99.0

_FOOTER = re.compile(r'\s*"?\(\s*[\d,]+\s+rows\s*\)"?\s*(,\s*)*$')
_FOOTER_BYTES = re.compile(_FOOTER.pattern.encode("ascii"))
_FLAG_VALUES = {"Yes": 1.0, "No": 0.0}
_FLAG_WIDTH = 4  # wider than "Yes" so that "Yesterday" is not silently cut to "Yes"
_SKU_WIDTHS = (24, 256)


class KaggleSchemaError(ValueError):
    """The header is not the Kaggle product-backorders schema."""

    def __init__(self, source: str, missing: list[str], unknown: list[str]) -> None:
        self.missing = missing
        self.unknown = unknown
        parts = []
        if missing:
            parts.append("missing columns: " + ", ".join(missing))
        if unknown:
            parts.append("unknown columns: " + ", ".join(unknown))
        super().__init__(f"{source} is not a Kaggle product-backorders file: " + "; ".join(parts))


class KaggleValueError(ValueError):
    """A cell holds a value the schema does not allow; names the line and the column."""

    def __init__(self, source: str, line: int, column: str, value: str, problem: str) -> None:
        self.line = line
        self.column = column
        self.value = value
        super().__init__(
            f"{source}, line {line} (data row {line - 1}), column {column!r}: {value!r} {problem}"
        )


@dataclass(frozen=True)
class Snapshots:
    """Inventory snapshots, column-wise: one entry per SKU row of the input."""

    sku: StrArray
    values: Mapping[str, FloatArray]
    went_on_backorder: BoolArray | None

    def __len__(self) -> int:
        return int(self.sku.shape[0])

    def column(self, name: str) -> FloatArray:
        """One numeric or flag column (flags as 0.0/1.0, unknown as NaN)."""
        return self.values[name]

    def between(self, start: int, stop: int) -> Snapshots:
        """Rows start..stop-1 as views, without copying."""
        label = None if self.went_on_backorder is None else self.went_on_backorder[start:stop]
        return Snapshots(
            sku=self.sku[start:stop],
            values={name: column[start:stop] for name, column in self.values.items()},
            went_on_backorder=label,
        )

    def take(self, rows: NDArray[np.intp]) -> Snapshots:
        """The snapshots at the given row positions, in that order."""
        label = None if self.went_on_backorder is None else self.went_on_backorder[rows]
        return Snapshots(
            sku=self.sku[rows],
            values={name: column[rows] for name, column in self.values.items()},
            went_on_backorder=label,
        )


def read_kaggle_csv(path: Path) -> Snapshots:
    """Read a Kaggle-schema CSV file, gzip-compressed or plain."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return parse_kaggle_bytes(raw, source=str(path))


def file_fingerprint(path: Path) -> str:
    """The sha256 of a file's bytes, identifying the exact training data."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def parse_kaggle_text(text: str, source: str = "<text>") -> Snapshots:
    """Parse the text of a Kaggle-schema CSV file."""
    return parse_kaggle_bytes(text.encode("utf-8"), source)


def parse_kaggle_bytes(raw: bytes, source: str = "<bytes>") -> Snapshots:
    """Parse the bytes of a Kaggle-schema CSV file (UTF-8, with or without a BOM)."""
    compiled = _parse_compiled(raw.removeprefix(codecs.BOM_UTF8), source)
    if compiled is not None:
        return compiled
    text = raw.decode("utf-8-sig")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    header_line, _, body = text.partition("\n")
    header = _check_header(header_line, source)
    body = body[: _end_of_data(body, _FOOTER, " \t\n")]
    if not body:
        return _empty(header)
    if '"' not in body:
        loaded = _parse_fast(body, header)
        if loaded is not None:
            return loaded
    return _parse_exact(body, header, source)


def _cell_kind(name: str) -> CellKind:
    if name == SKU:
        return CellKind.TEXT
    if name in FLAG_COLUMNS or name == LABEL:
        return CellKind.FLAG
    return CellKind.NUMBER_OR_EMPTY if name in MAY_BE_EMPTY else CellKind.NUMBER


def _parse_compiled(raw: bytes, source: str) -> Snapshots | None:
    """The common case (plain ASCII, no quotes) read by the compiled kernel, else None."""
    if b"\r" in raw:
        return None
    header_line, _, body = raw.partition(b"\n")
    try:
        header = _check_header(header_line.decode("utf-8"), source)
    except UnicodeDecodeError:
        return None
    body = body[: _end_of_data(body, _FOOTER_BYTES, b" \t\n")]
    table = parse_plain_csv(body, [_cell_kind(name) for name in header])
    if table is None:
        return None
    index = {name: position for position, name in enumerate(header)}
    values = {name: table.numbers[index[name]] for name in FEATURE_COLUMNS}
    label = table.numbers[index[LABEL]].astype(np.bool_) if LABEL in index else None
    return _finish(table.texts[index[SKU]], values, label)


def _check_header(line: str, source: str) -> list[str]:
    names = [name.strip().strip('"').strip() for name in next(csv.reader([line]), [])]
    known = set(SCHEMA_COLUMNS)
    required = [name for name in SCHEMA_COLUMNS if name != LABEL]
    missing = [name for name in required if name not in names]
    unknown = [name for name in names if name not in known]
    duplicated = sorted({name for name in names if names.count(name) > 1})
    unknown += [f"{name} (repeated)" for name in duplicated]
    if missing or unknown:
        raise KaggleSchemaError(source, missing, unknown)
    return names


def _end_of_data(body: AnyStr, footer: re.Pattern[AnyStr], blank: AnyStr) -> int:
    """Where the data ends: before trailing blank lines and footer lines like "(N rows)"."""
    end = len(body)
    newline = blank[-1:]
    while True:
        while end and body[end - 1 : end] in blank:
            end -= 1
        start = body.rfind(newline, 0, end) + 1
        if end == 0 or not footer.match(body, start, end):
            return end
        end = start


def _empty(header: list[str]) -> Snapshots:
    return Snapshots(
        sku=np.zeros(0, dtype="U1"),
        values={name: np.zeros(0, dtype=np.float64) for name in FEATURE_COLUMNS},
        went_on_backorder=np.zeros(0, dtype=np.bool_) if LABEL in header else None,
    )


def _field_type(name: str, sku_width: int) -> str:
    if name == SKU:
        return f"U{sku_width}"
    if name in FLAG_COLUMNS or name == LABEL:
        return f"U{_FLAG_WIDTH}"
    return "f8"


def _parse_fast(body: str, header: list[str]) -> Snapshots | None:
    """Parse with numpy's C reader; None when any value needs the exact parser's verdict."""
    # Empty cells read as "nan". Matches of ",," cannot overlap, so a run of empty cells
    # needs a second pass. An empty last cell is left to the exact parser.
    filled = body.replace(",,", ",nan,")
    if ",," in filled:
        filled = filled.replace(",,", ",nan,")
    table: Any = None
    for width in _SKU_WIDTHS:
        dtype = [(name, _field_type(name, width)) for name in header]
        try:
            table = np.loadtxt(io.StringIO(filled), delimiter=",", dtype=dtype, ndmin=1)
        except ValueError:
            return None
        lengths = np.char.str_len(table[SKU])
        if lengths.size == 0 or int(lengths.max()) < width:
            break
    else:
        return None
    if bool((lengths == 0).any()):
        return None
    values: dict[str, FloatArray] = {}
    for name in QUANTITY_COLUMNS:
        column = np.ascontiguousarray(table[name], dtype=np.float64)
        wrong = np.isinf(column) if name in MAY_BE_EMPTY else ~np.isfinite(column)
        if bool(wrong.any()):
            return None
        values[name] = column
    for name in FLAG_COLUMNS:
        flag = _flag_column(table[name])
        if flag is None:
            return None
        values[name] = flag
    label = None
    if LABEL in header:
        flag = _flag_column(table[LABEL])
        if flag is None:
            return None
        label = flag.astype(np.bool_)
    sku = table[SKU].astype(f"U{max(1, int(lengths.max()))}")
    return _finish(sku, values, label)


def _flag_column(cells: StrArray) -> FloatArray | None:
    yes = cells == "Yes"
    if not bool((yes | (cells == "No")).all()):
        return None
    flag: FloatArray = yes.astype(np.float64)
    return flag


def _finish(sku: StrArray, values: dict[str, FloatArray], label: BoolArray | None) -> Snapshots:
    for name in PERFORMANCE_COLUMNS:
        column = values[name]
        column[column == UNKNOWN_PERFORMANCE] = np.nan
    return Snapshots(sku=sku, values=values, went_on_backorder=label)


def _parse_exact(body: str, header: list[str], source: str) -> Snapshots:
    """Cell-by-cell parse that names the first wrong value; slow, used when needed."""
    width = len(header)
    index = {name: position for position, name in enumerate(header)}
    skus: list[str] = []
    numbers: dict[str, list[float]] = {name: [] for name in FEATURE_COLUMNS}
    labels: list[bool] = []
    for offset, line in enumerate(body.split("\n")):
        line_number = offset + 2
        if not line.strip():
            continue
        cells = next(csv.reader([line]))
        if len(cells) != width:
            raise KaggleValueError(
                source, line_number, "*", line[:80], f"has {len(cells)} fields, expected {width}"
            )
        sku = cells[index[SKU]].strip()
        if not sku:
            raise KaggleValueError(source, line_number, SKU, sku, "is empty; every row needs a sku")
        skus.append(sku)
        for name in QUANTITY_COLUMNS:
            numbers[name].append(_number(cells[index[name]], name, line_number, source))
        for name in FLAG_COLUMNS:
            numbers[name].append(_flag(cells[index[name]], name, line_number, source))
        if LABEL in index:
            labels.append(_flag(cells[index[LABEL]], LABEL, line_number, source) == 1.0)
    values = {name: np.asarray(column, dtype=np.float64) for name, column in numbers.items()}
    label = np.asarray(labels, dtype=np.bool_) if LABEL in index else None
    return _finish(np.asarray(skus, dtype=np.str_), values, label)


def _number(cell: str, name: str, line: int, source: str) -> float:
    text = cell.strip()
    if not text:
        if name in MAY_BE_EMPTY:
            return float("nan")
        raise KaggleValueError(source, line, name, cell, "is empty; a number is required")
    try:
        value = float(text)
    except ValueError:
        raise KaggleValueError(source, line, name, cell, "is not a number") from None
    if np.isinf(value) or (np.isnan(value) and name not in MAY_BE_EMPTY):
        raise KaggleValueError(source, line, name, cell, "is not a finite number")
    return value


def _flag(cell: str, name: str, line: int, source: str) -> float:
    value = _FLAG_VALUES.get(cell.strip())
    if value is None:
        raise KaggleValueError(source, line, name, cell, "is not Yes or No")
    return value

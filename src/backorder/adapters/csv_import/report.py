"""The outcome of one import: row counts, counters per kind, and every rejected row."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from backorder.adapters.csv_import.reader import RowError

GROUPED_KINDS = ("orders", "purchase-orders")
_INDEX = re.compile(r"\[\d+\]$")


@dataclass
class ImportReport:
    """What an import did: rows read, loaded, skipped as stored already, and rejected."""

    kind: str
    path: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_skipped: int = 0  # orders and purchase orders stored already
    errors: list[RowError] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    allocation: dict[str, Any] | None = None
    allocation_error: str | None = None
    seconds: float = 0.0

    @property
    def rows_rejected(self) -> int:
        """Rows with at least one error."""
        return len({e.row for e in self.errors})

    @property
    def grouped(self) -> bool:
        """True for files whose rows form documents that load or fail as a whole."""
        return self.kind in GROUPED_KINDS

    @property
    def exit_code(self) -> int:
        """0 when every row loaded or was stored already, 1 otherwise."""
        return 1 if self.errors or self.allocation_error else 0

    @property
    def rows_per_second(self) -> float:
        """Rows read per second of the whole import."""
        return self.rows_read / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "kind": self.kind,
            "path": self.path,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_skipped": self.rows_skipped,
            "rows_rejected": self.rows_rejected,
            "counters": self.counters,
            "allocation": self.allocation,
            "allocation_error": self.allocation_error,
            "seconds": round(self.seconds, 3),
            "rows_per_second": round(self.rows_per_second, 1),
            "exit_code": self.exit_code,
            "errors": [
                {k: v for k, v in error_record(e).items() if v is not None} for e in self.errors
            ],
        }


def error_record(error: RowError) -> dict[str, Any]:
    """One error as a flat record: row, field, value, reason, source_line_id."""
    return {
        "row": error.row,
        "field": error.field,
        "value": error.value,
        "reason": error.reason,
        "source_line_id": error.source_line_id,
    }


def refusal(row: int, values: dict[str, str], path: str, reason: str) -> RowError:
    """A handler's refusal of a row, pinned to the first column its field path names.

    `items[0].substitutes[1].sku` names `substitutes`; `purchase_order.lines[2].sku`
    names `sku`; a path naming no column of the file leaves the column empty.
    """
    parts = (_INDEX.sub("", part) for part in path.split("."))
    column = next((part for part in parts if part in values), "")
    return RowError(row, column, values.get(column, ""), reason)

"""Suppliers: who makes what, how far away they are and how well they behave."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from backorder.domain.model import Supplier
from backorder.scenario.reference.arrays import BoolArray, IntArray
from backorder.scenario.reference.vocab import (
    PRODUCT_LINES,
    SUPPLIER_DOMESTIC_SUFFIX,
    SUPPLIER_FIRST,
    SUPPLIER_IMPORT_SUFFIX,
)

IMPORT_SHARE = 0.3
_LINE_WORD = {
    "fasteners": "Fastener",
    "bearings": "Bearing",
    "hydraulics": "Hydraulics",
    "pneumatics": "Pneumatics",
    "electrical": "Electric",
    "safety": "Safety",
    "power transmission": "Drive",
    "cutting tools": "Tool",
    "abrasives": "Abrasives",
    "lubricants and chemicals": "Lubricants",
    "material handling": "Handling",
}


@dataclass(frozen=True)
class SupplierTable:
    """Suppliers as columns (index = supplier number)."""

    codes: tuple[str, ...]
    names: tuple[str, ...]
    edi_ids: tuple[str, ...]
    emails: tuple[str, ...]
    lead_time: IntArray  # quoted lead time in days
    is_import: BoolArray
    review_weekday: IntArray  # weekday (0 = Monday) the world's buyer reviews this supplier
    unreliable: BoolArray  # set by `with_unreliable`
    lines_served: tuple[tuple[int, ...], ...]  # product-line indexes per supplier

    def suppliers_of_line(self, line: int) -> tuple[int, ...]:
        """Suppliers that make product line `line`, in supplier order."""
        return tuple(k for k, served in enumerate(self.lines_served) if line in served)

    def with_unreliable(self, chosen: IntArray) -> SupplierTable:
        """This table with the suppliers in `chosen` marked unreliable."""
        flags = np.zeros(len(self.codes), dtype=bool)
        flags[chosen] = True
        return SupplierTable(
            codes=self.codes,
            names=self.names,
            edi_ids=self.edi_ids,
            emails=self.emails,
            lead_time=self.lead_time,
            is_import=self.is_import,
            review_weekday=self.review_weekday,
            unreliable=flags,
            lines_served=self.lines_served,
        )

    def build(self) -> tuple[Supplier, ...]:
        """The domain objects."""
        return tuple(
            Supplier(
                code=self.codes[k],
                name=self.names[k],
                lead_time_days=int(self.lead_time[k]),
                edi_id=self.edi_ids[k],
                email=self.emails[k],
            )
            for k in range(len(self.codes))
        )


def make_suppliers(count: int, rng: np.random.Generator) -> SupplierTable:
    """`count` suppliers spread over the product lines; about 30% import from overseas."""
    n_lines = len(PRODUCT_LINES)
    served: tuple[tuple[int, ...], ...]
    if count >= n_lines:
        served = tuple((k % n_lines,) for k in range(count))
    else:
        served = tuple(tuple(range(k, n_lines, count)) for k in range(count))
    is_import = np.zeros(count, dtype=bool)
    is_import[rng.choice(count, size=max(round(count * IMPORT_SHARE), 1), replace=False)] = True
    # Quoted lead times: domestic 5-15 days, import (ocean freight) 30-60 days.
    lead = np.where(is_import, rng.integers(30, 61, count), rng.integers(5, 16, count))
    first = rng.permutation(len(SUPPLIER_FIRST))
    names: list[str] = []
    emails: list[str] = []
    for k in range(count):
        stem = SUPPLIER_FIRST[first[k % len(first)]]
        if k >= len(first):
            stem = f"{stem} {k // len(first) + 1}"
        word = _LINE_WORD[PRODUCT_LINES[served[k][0]].name]
        suffixes = SUPPLIER_IMPORT_SUFFIX if is_import[k] else SUPPLIER_DOMESTIC_SUFFIX
        names.append(f"{stem} {word} {suffixes[int(rng.integers(len(suffixes)))]}")
        slug = re.sub(r"[^a-z0-9]+", "", f"{stem}{word}".lower())
        emails.append(f"orders@{slug}.example.com")
    # DUNS-like nine-digit interchange ids, unique.
    edi = rng.choice(900_000_000, size=count, replace=False) + 100_000_000
    return SupplierTable(
        codes=tuple(f"V{k + 1:04d}" for k in range(count)),
        names=tuple(names),
        edi_ids=tuple(str(int(e)) for e in edi),
        emails=tuple(emails),
        lead_time=lead.astype(np.int64),
        is_import=is_import,
        review_weekday=rng.integers(0, 5, count).astype(np.int64),
        unreliable=np.zeros(count, dtype=bool),
        lines_served=served,
    )


def choose_unreliable(
    table: SupplierTable, count: int, exclude: set[int], rng: np.random.Generator
) -> IntArray:
    """Pick `count` unreliable suppliers, alternating domestic and import, not in `exclude`."""
    candidates = [k for k in rng.permutation(len(table.codes)).tolist() if k not in exclude]
    pools = [
        [k for k in candidates if not table.is_import[k]],
        [k for k in candidates if table.is_import[k]],
    ]
    chosen: list[int] = []
    turn = 0
    while len(chosen) < count:
        pool = pools[turn % 2] or pools[(turn + 1) % 2]
        if not pool:
            break
        chosen.append(pool.pop(0))
        turn += 1
    return np.array(sorted(chosen), dtype=np.int64)

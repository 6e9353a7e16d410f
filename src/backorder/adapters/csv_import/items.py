"""items.csv: the catalog, with substitutes written as `SKU:factor:yes|no;...`.

A substitute may name an item stored already or any item of the same file, so a file can
link items both ways; `forward_references` tells the loader which rows must wait until
the items they name exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, replace

from backorder.adapters import orm
from backorder.adapters.csv_import.fields import RowFields, length_of, to_bool, to_decimal
from backorder.adapters.csv_import.parsed import (
    Known,
    Lookup,
    Parsed,
    ParseResult,
    Reference,
    RefKind,
    drop_duplicates,
    parse_table,
    referenced,
)
from backorder.adapters.csv_import.reader import Column, CsvTable, FileSpec, RowError
from backorder.domain.model import Item, Substitute

SPEC = FileSpec(
    "items",
    (
        Column("sku", True, "item code"),
        Column("description", False, "free text"),
        Column("uom", False, "unit of measure (default EA)"),
        Column("unit_cost", False, "cost per unit, >= 0 (default 0)"),
        Column("list_price", False, "list price per unit, >= 0 (default 0)"),
        Column("product_line", False, "product line (policy scope)"),
        Column("item_group", False, "item group"),
        Column("supplier", False, "primary supplier (a known supplier)"),
        Column("order_multiple", False, "purchase quantities round up to it, >= 1 (default 1)"),
        Column("safety_stock", False, "units per DC to keep, >= 0 (default 0)"),
        Column(
            "substitutes",
            False,
            "`SKU:factor:yes|no` separated by `;` (factor default 1, yes = needs the "
            "customer's acceptance, the default)",
        ),
    ),
    key="sku",
)


def parse_substitutes(text: str, sku: str | None) -> tuple[list[Substitute], list[str]]:
    """Substitutes from `SKU:factor:yes|no;...`, and the problems, each naming its part."""
    found: list[Substitute] = []
    problems: list[str] = []
    limit = length_of(orm.items.c.sku)
    for number, part in enumerate(text.split(";"), start=1):
        part = part.strip()
        if not part:
            continue  # a trailing or doubled separator
        label = f"part {number} {part!r}: "
        pieces = [piece.strip() for piece in part.split(":")]
        if len(pieces) > 3:
            problems.append(label + "expected SKU:factor:yes|no")
            continue
        substitute_sku = pieces[0]
        factor, acceptance = 1.0, True
        problem = None
        if not substitute_sku:
            problem = "the SKU is missing"
        elif len(substitute_sku) > limit:
            problem = f"SKU longer than {limit} characters"
        elif substitute_sku == sku:
            problem = "an item cannot substitute itself"
        elif any(s.sku == substitute_sku for s in found):
            problem = "SKU listed twice"
        try:
            if len(pieces) > 1 and pieces[1]:
                factor = to_decimal(pieces[1], positive=True)
        except ValueError as error:
            problem = problem or f"factor {pieces[1]!r}: {error}"
        try:
            if len(pieces) > 2 and pieces[2]:
                acceptance = to_bool(pieces[2])
        except ValueError as error:
            problem = problem or f"acceptance {pieces[2]!r}: {error}"
        if problem:
            problems.append(label + problem)
        else:
            found.append(Substitute(substitute_sku, factor, acceptance))
    return found, problems


def parse_row(fields: RowFields) -> Parsed[Item] | None:
    """An item from one row."""
    table = orm.items.c
    sku = fields.text("sku", required=True, max_length=length_of(table.sku))
    description = fields.text("description", max_length=length_of(table.description))
    uom = fields.text("uom", max_length=length_of(table.uom))
    unit_cost = fields.decimal("unit_cost")
    list_price = fields.decimal("list_price")
    product_line = fields.text("product_line", max_length=length_of(table.product_line))
    item_group = fields.text("item_group", max_length=length_of(table.item_group))
    supplier = fields.text("supplier", max_length=length_of(orm.suppliers.c.code))
    order_multiple = fields.integer("order_multiple", minimum=1)
    safety_stock = fields.integer("safety_stock")
    cell = fields.raw("substitutes")
    substitutes, problems = parse_substitutes(cell, sku)
    for problem in problems:
        fields.error("substitutes", problem)
    if sku is None or not fields.ok:
        return None
    references = [
        Reference("substitutes", RefKind.ITEM, s.sku, cell, f"substitute {s.sku!r}: ")
        for s in substitutes
    ]
    if supplier:
        references.append(Reference("supplier", RefKind.SUPPLIER, supplier, supplier))
    item = Item(
        sku=sku,
        description=description or "",
        uom=uom or "EA",
        unit_cost=unit_cost or 0.0,
        list_price=list_price or 0.0,
        product_line=product_line or "",
        item_group=item_group or "",
        substitutes=tuple(substitutes),
        supplier=supplier,
        order_multiple=order_multiple or 1,
        safety_stock=safety_stock or 0,
    )
    return Parsed(fields.row.number, item, sku, tuple(references))


def check_items(
    parsed: Sequence[Parsed[Item]], known: Known, in_file: Mapping[str, int]
) -> ParseResult[Item]:
    """Rows whose supplier and substitutes exist, in the database or as a good row of the file.

    `in_file` gives the line of every SKU the file defines, good or bad, to explain a
    reference to a rejected row. A rejected row can invalidate rows naming it as a
    substitute, so the check runs until nothing more is rejected.
    """
    candidates = list(parsed)
    errors: list[RowError] = []
    stored = set(known.get(RefKind.ITEM, ()))
    while True:
        scope = {**known, RefKind.ITEM: stored | {p.key for p in candidates}}
        kept = []
        for p in candidates:
            found = [
                RowError(p.row, r.field, r.value, _missing(r, in_file))
                for r in p.references
                if r.key not in scope.get(r.kind, ())
            ]
            errors.extend(found)
            if not found:
                kept.append(p)
        if len(kept) == len(candidates):
            return ParseResult(kept, errors)
        candidates = kept


def _missing(reference: Reference, in_file: Mapping[str, int]) -> str:
    if reference.kind is RefKind.ITEM and reference.key in in_file:
        line = in_file[reference.key]
        return f"{reference.context}item {reference.key!r} (line {line}) is rejected"
    return f"{reference.context}unknown {reference.kind.value} {reference.key!r}"


def forward_references(parsed: Sequence[Parsed[Item]], existing: Set[str]) -> set[int]:
    """Rows with a substitute that is neither stored yet nor defined on an earlier row."""
    seen = set(existing)
    waiting = set()
    for p in parsed:
        seen.add(p.key)
        if any(s.sku not in seen for s in p.value.substitutes):
            waiting.add(p.row)
    return waiting


@dataclass(frozen=True)
class ItemPlan:
    """Good item rows in the order to save them, and the errors of the others.

    `first` is saved in file order; it holds each row naming an item further down the file
    without its substitutes when the item is new (so rows naming it can load), and leaves
    such a row out when the item is stored already. `second` then saves those rows whole.
    """

    first: list[Parsed[Item]]
    second: list[Parsed[Item]]
    errors: list[RowError]

    @property
    def final_in_first(self) -> set[int]:
        """Rows of `first` saved as they are in the file (not waiting for `second`)."""
        waiting = {p.row for p in self.second}
        return {p.row for p in self.first if p.row not in waiting}


def validate_items(table: CsvTable, lookup: Lookup) -> ItemPlan:
    """Parse, de-duplicate and check the rows of an items file, and plan their saving."""
    parsed = parse_table(table, parse_row)
    unique = drop_duplicates(parsed.parsed, SPEC)
    wanted = referenced(unique.parsed)
    wanted[RefKind.ITEM] |= {p.key for p in unique.parsed}  # also: which of them are stored
    known = lookup(wanted)
    in_file: dict[str, int] = {}
    for row in table.rows:
        in_file.setdefault(row.values.get("sku", ""), row.number)
    checked = check_items(unique.parsed, known, in_file)
    stored = known.get(RefKind.ITEM, set())
    waiting = forward_references(checked.parsed, stored)
    first = [
        replace(p, value=replace(p.value, substitutes=())) if p.row in waiting else p
        for p in checked.parsed
        if p.row not in waiting or p.key not in stored
    ]
    second = [p for p in checked.parsed if p.row in waiting]
    return ItemPlan(first, second, [*parsed.errors, *unique.errors, *checked.errors])

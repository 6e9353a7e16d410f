"""items.csv: substitutes mini-syntax, references to items of the file, the saving plan."""

from __future__ import annotations

import pytest

from backorder.adapters.csv_import import items
from backorder.adapters.csv_import.parsed import parse_table
from backorder.domain.model import Item, Substitute
from tests.unit.csv_import.conftest import ReadCsv, lookup_of

HEADER = "sku,unit_cost,list_price,supplier,order_multiple,safety_stock,substitutes\n"


def test_an_item_row_with_defaults_and_substitutes(read_csv: ReadCsv) -> None:
    table = read_csv(items.SPEC, HEADER + "DRILL,60,99.5,ACME,,,DRILL2:1.5:no; DRILL3 ;DRILL4:2\n")
    (parsed,) = parse_table(table, items.parse_row).parsed
    assert parsed.value == Item(
        sku="DRILL",
        unit_cost=60.0,
        list_price=99.5,
        supplier="ACME",
        substitutes=(
            Substitute("DRILL2", 1.5, False),
            Substitute("DRILL3", 1.0, True),
            Substitute("DRILL4", 2.0, True),
        ),
    )
    assert [(r.kind.value, r.key) for r in parsed.references] == [
        ("item", "DRILL2"),
        ("item", "DRILL3"),
        ("item", "DRILL4"),
        ("supplier", "ACME"),
    ]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("B:x:yes", "part 1 'B:x:yes': factor 'x': not a number"),
        ("B:1:yes;C:0", "part 2 'C:0': factor '0': must be greater than 0"),
        ("B:1:maybe", "part 1 'B:1:maybe': acceptance 'maybe': must be yes or no"),
        ("B:1:yes:no", "part 1 'B:1:yes:no': expected SKU:factor:yes|no"),
        ("B;A", "part 2 'A': an item cannot substitute itself"),
        ("B;B:2", "part 2 'B:2': SKU listed twice"),
        (":1:yes", "part 1 ':1:yes': the SKU is missing"),
    ],
)
def test_substitute_errors_name_the_part(read_csv: ReadCsv, cell: str, reason: str) -> None:
    table = read_csv(items.SPEC, HEADER + f"A,1,2,,,,{cell}\n")
    result = parse_table(table, items.parse_row)
    assert result.parsed == []
    assert [(e.row, e.field, e.value, e.reason) for e in result.errors] == [
        (2, "substitutes", cell, reason)
    ]


def test_number_columns_of_items_are_checked(read_csv: ReadCsv) -> None:
    table = read_csv(items.SPEC, HEADER + 'A,"5,5",-1,,0,1.5,\n')
    result = parse_table(table, items.parse_row)
    assert [(e.field, e.reason) for e in result.errors] == [
        ("unit_cost", "use a dot as the decimal separator"),
        ("list_price", "must be at least 0"),
        ("order_multiple", "must be at least 1"),
        ("safety_stock", "must be a whole number"),
    ]


def test_substitutes_may_name_items_anywhere_in_the_file_or_stored(read_csv: ReadCsv) -> None:
    table = read_csv(
        items.SPEC,
        HEADER + "A,1,2,,,,B\n"  # B comes later in the file
        "B,1,2,,,,A;OLD\n"  # OLD is stored already
        "C,1,2,,,,D\n"  # D is rejected below, so C is too
        "D,1,2,NOPE,,,\n"  # unknown supplier
        "E,1,2,,,,C\n",  # C is rejected, so E is too
    )
    plan = items.validate_items(table, lookup_of(item={"OLD"}))
    assert [(e.row, e.field, e.reason) for e in sorted(plan.errors, key=lambda e: e.row)] == [
        (4, "substitutes", "substitute 'D': item 'D' (line 5) is rejected"),
        (5, "supplier", "unknown supplier 'NOPE'"),
        (6, "substitutes", "substitute 'C': item 'C' (line 4) is rejected"),
    ]
    # A names B further down: A is created first without substitutes, then saved whole.
    assert [(p.key, p.value.substitutes) for p in plan.first] == [
        ("A", ()),
        ("B", (Substitute("A"), Substitute("OLD"))),
    ]
    assert [(p.key, p.value.substitutes) for p in plan.second] == [("A", (Substitute("B"),))]
    assert plan.final_in_first == {3}


def test_a_stored_item_naming_a_later_row_waits_for_the_second_pass(read_csv: ReadCsv) -> None:
    table = read_csv(items.SPEC, HEADER + "A,1,2,,,,B\nB,1,2,,,,\n")
    plan = items.validate_items(table, lookup_of(item={"A"}))
    assert [p.key for p in plan.first] == ["B"]  # A keeps its stored substitutes until then
    assert [p.key for p in plan.second] == ["A"]

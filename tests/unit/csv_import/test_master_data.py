"""Master-data files: each row becomes a domain value or errors naming line, column, reason."""

from __future__ import annotations

from backorder.adapters.csv_import import customers, lanes, locations, suppliers
from backorder.adapters.csv_import.parsed import parse_table, validate_rows
from backorder.domain.model import (
    ContractCommitment,
    Location,
    Period,
    SubstitutionAcceptance,
    Supplier,
    Tier,
    TransferLane,
)
from tests.unit.csv_import.conftest import ReadCsv, lookup_of


def _errors(result: object) -> list[tuple[int, str, str]]:
    return [(e.row, e.field, e.reason) for e in result.errors]  # type: ignore[attr-defined]


def test_locations_need_a_code_and_a_region_and_a_code_only_once(read_csv: ReadCsv) -> None:
    table = read_csv(
        locations.SPEC, "code,name,region\nEAST,East DC,east\nWEST,,\n,x,west\nEAST,Again,east\n"
    )
    result = validate_rows(table, locations.parse_row, locations.SPEC, lookup_of())
    assert [p.value for p in result.parsed] == [Location("EAST", "east", "East DC")]
    assert _errors(result) == [
        (3, "region", "is required"),
        (4, "code", "is required"),
        (5, "code", "duplicate of line 2"),
    ]


def test_lanes_join_two_different_known_locations(read_csv: ReadCsv) -> None:
    table = read_csv(
        lanes.SPEC,
        "origin,destination,lead_time_days,cost_per_unit\n"
        "EAST,WEST,3,0.5\nEAST,NORTH,2,\nWEST,WEST,1,\nWEST,EAST,-1,1\n",
    )
    result = validate_rows(table, lanes.parse_row, lanes.SPEC, lookup_of(location={"EAST", "WEST"}))
    assert [p.value for p in result.parsed] == [TransferLane("EAST", "WEST", 3, 0.5)]
    assert sorted(_errors(result)) == [
        (3, "destination", "unknown location 'NORTH'"),
        (4, "destination", "a lane needs two different locations"),
        (5, "lead_time_days", "must be at least 0"),
    ]


def test_suppliers_take_defaults_for_cells_not_given(read_csv: ReadCsv) -> None:
    table = read_csv(
        suppliers.SPEC,
        "code,name,lead_time_days,edi_id,email\nACME,Acme,,,\nBOLT,Bolt,7,B01,bolt@example\n",
    )
    result = parse_table(table, suppliers.parse_row)
    assert [p.value for p in result.parsed] == [Supplier("ACME", "Acme", 14, None, None)]
    assert _errors(result) == [(3, "email", "not an e-mail address")]


def test_customers_read_enumerations_booleans_and_contracts(read_csv: ReadCsv) -> None:
    table = read_csv(
        customers.SPEC,
        "code,tier,ship_complete,substitution,notification_channel,contracts\n"
        "BIGCO,Strategic,yes,pre_accepted,edi,SAW:10:month;HAMMER:5:week;\n"
        "SMALL,,,,,SAW:3\n",
    )
    result = parse_table(table, customers.parse_row)
    bigco, small = (p.value for p in result.parsed)
    assert (bigco.tier, bigco.ship_complete, bigco.substitution) == (
        Tier.STRATEGIC,
        True,
        SubstitutionAcceptance.PRE_ACCEPTED,
    )
    assert bigco.notification_channel == "edi"
    assert bigco.contracts == (
        ContractCommitment("SAW", 10, Period.MONTH),
        ContractCommitment("HAMMER", 5, Period.WEEK),
    )
    assert (small.tier, small.ship_complete, small.substitution) == (
        Tier.STANDARD,
        False,
        SubstitutionAcceptance.ASK,
    )
    assert small.notification_channel == "email"
    assert small.contracts == (ContractCommitment("SAW", 3, Period.MONTH),)


def test_customer_errors_name_the_column_and_the_contract_part(read_csv: ReadCsv) -> None:
    table = read_csv(
        customers.SPEC,
        "code,tier,ship_complete,notification_channel,contracts\n"
        "ODD,gold,maybe,fax,SAW:x:month;:5;HAMMER:5:year;SAW:1;A:1:week:extra\n",
    )
    result = parse_table(table, customers.parse_row)
    assert result.parsed == []
    assert _errors(result) == [
        (2, "tier", "must be one of strategic, contract, standard"),
        (2, "ship_complete", "must be yes or no"),
        (2, "notification_channel", "must be one of email, edi, portal, none"),
        (2, "contracts", "part 1 'SAW:x:month': quantity 'x': not a number"),
        (2, "contracts", "part 2 ':5': the SKU is missing"),
        (
            2,
            "contracts",
            "part 3 'HAMMER:5:year': period 'year': must be one of week, month, quarter",
        ),
        (2, "contracts", "part 5 'A:1:week:extra': expected SKU:quantity:period"),
    ]


def test_customer_references_must_exist(read_csv: ReadCsv) -> None:
    table = read_csv(
        customers.SPEC,
        "code,home_location,contracts\nA,EAST,SAW:1:week\nB,MARS,\nC,,NOPE:2:month\n",
    )
    lookup = lookup_of(location={"EAST"}, item={"SAW"})
    result = validate_rows(table, customers.parse_row, customers.SPEC, lookup)
    assert [p.key for p in result.parsed] == ["A"]
    assert _errors(result) == [
        (3, "home_location", "unknown location 'MARS'"),
        (4, "contracts", "contract for 'NOPE': unknown item 'NOPE'"),
    ]

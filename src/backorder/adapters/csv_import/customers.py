"""customers.csv: buyers, with contract commitments written as `SKU:quantity:period;...`."""

from __future__ import annotations

import enum

from backorder.adapters import orm
from backorder.adapters.csv_import.fields import RowFields, length_of, to_choice, to_int
from backorder.adapters.csv_import.parsed import Parsed, Reference, RefKind
from backorder.adapters.csv_import.reader import Column, FileSpec
from backorder.domain.model import (
    ContractCommitment,
    Customer,
    Period,
    SubstitutionAcceptance,
    Tier,
)


class NotificationChannel(enum.StrEnum):
    """How a customer hears about its backorders."""

    EMAIL = "email"
    EDI = "edi"
    PORTAL = "portal"
    NONE = "none"


SPEC = FileSpec(
    "customers",
    (
        Column("code", True, "customer code"),
        Column("name", False, "display name"),
        Column("tier", False, "strategic, contract or standard (default standard)"),
        Column("region", False, "region the customer is in"),
        Column("home_location", False, "DC that serves it first (a known location)"),
        Column("ship_complete", False, "yes = ship only complete orders (default no)"),
        Column("substitution", False, "never, ask or pre_accepted (default ask)"),
        Column("notification_channel", False, "email, edi, portal or none (default email)"),
        Column("email", False, "e-mail address for notifications"),
        Column(
            "contracts",
            False,
            "`SKU:quantity:period` separated by `;` (period week, month or quarter; "
            "default month); the item must be known",
        ),
    ),
    key="code",
)


def parse_contracts(text: str) -> tuple[list[ContractCommitment], list[str]]:
    """Commitments from `SKU:quantity:period;...`, and the problems, each naming its part."""
    found: list[ContractCommitment] = []
    problems: list[str] = []
    limit = length_of(orm.items.c.sku)
    for number, part in enumerate(text.split(";"), start=1):
        part = part.strip()
        if not part:
            continue  # a trailing or doubled separator
        label = f"part {number} {part!r}: "
        pieces = [piece.strip() for piece in part.split(":")]
        if not 2 <= len(pieces) <= 3:
            problems.append(label + "expected SKU:quantity:period")
            continue
        sku, quantity_text = pieces[0], pieces[1]
        period_text = pieces[2] if len(pieces) == 3 else ""
        problem = None
        if not sku:
            problem = "the SKU is missing"
        elif len(sku) > limit:
            problem = f"SKU longer than {limit} characters"
        elif any(c.sku == sku for c in found):
            problem = "SKU listed twice"
        quantity, period = 0, Period.MONTH
        try:
            quantity = to_int(quantity_text, minimum=1)
        except ValueError as error:
            problem = problem or f"quantity {quantity_text!r}: {error}"
        try:
            if period_text:
                period = to_choice(period_text, Period)
        except ValueError as error:
            problem = problem or f"period {period_text!r}: {error}"
        if problem:
            problems.append(label + problem)
        else:
            found.append(ContractCommitment(sku, quantity, period))
    return found, problems


def parse_row(fields: RowFields) -> Parsed[Customer] | None:
    """A customer from one row."""
    table = orm.customers.c
    code = fields.text("code", required=True, max_length=length_of(table.code))
    name = fields.text("name", max_length=length_of(table.name))
    tier = fields.choice("tier", Tier)
    region = fields.text("region", max_length=length_of(table.region))
    home = fields.text("home_location", max_length=length_of(orm.locations.c.code))
    ship_complete = fields.boolean("ship_complete")
    substitution = fields.choice("substitution", SubstitutionAcceptance)
    channel = fields.choice("notification_channel", NotificationChannel)
    email = fields.email("email", max_length=length_of(table.email))
    cell = fields.raw("contracts")
    contracts, problems = parse_contracts(cell)
    for problem in problems:
        fields.error("contracts", problem)
    if code is None or not fields.ok:
        return None
    references = [
        Reference("contracts", RefKind.ITEM, c.sku, cell, f"contract for {c.sku!r}: ")
        for c in contracts
    ]
    if home:
        references.append(Reference("home_location", RefKind.LOCATION, home, home))
    customer = Customer(
        code=code,
        name=name or "",
        tier=tier or Tier.STANDARD,
        region=region or "",
        home_location=home,
        contracts=tuple(contracts),
        ship_complete=bool(ship_complete),
        substitution=substitution or SubstitutionAcceptance.ASK,
        notification_channel=(channel or NotificationChannel.EMAIL).value,
        email=email,
    )
    return Parsed(fields.row.number, customer, code, tuple(references))

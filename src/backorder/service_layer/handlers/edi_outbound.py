"""Outbound X12: control numbers from the database, and the 850 of a stored purchase order.

Control numbers (ISA13, GS06, ST02) are counters in `edi_control_numbers`, taken in the
transaction that stores the document: a number is either used by a stored document or
rolled back with it, never handed out twice. The 850 of a purchase order is made once and
stored; asking again returns the stored interchange (its control numbers do not change).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from backorder.adapters.edi import (
    InterchangeSettings,
    Party,
    PurchaseOrderLine,
    PurchaseOrderRequest,
    write_850,
)
from backorder.adapters.repositories.edi import EdiRepository, OutboundDocument
from backorder.domain.model import ConfirmationState
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, NotFoundError
from backorder.service_layer.shared_transaction import SharedTransaction


class DatabaseControlNumbers:
    """`ControlNumbers` backed by the database counters (inside the caller's transaction)."""

    def __init__(self, edi: EdiRepository) -> None:
        self.edi = edi

    def next_interchange(self) -> int:
        """The next ISA13."""
        return self.edi.next_control_number("interchange")

    def next_group(self) -> int:
        """The next GS06."""
        return self.edi.next_control_number("group")

    def next_transaction_set(self) -> int:
        """The next ST02."""
        return self.edi.next_control_number("transaction_set")


@dataclass(frozen=True)
class OurIdentity:
    """Who we are on outbound X12 (ISA05/ISA06, ISA15)."""

    qualifier: str = "ZZ"
    id: str = "BACKORDERCO"
    usage_indicator: str = "P"


def partner(edi_id: str) -> Party:
    """A supplier's `edi_id` (`ID`, or `QQ:ID` with its ISA qualifier) as a party."""
    qualifier, _, ident = edi_id.rpartition(":")
    return Party(qualifier or "ZZ", ident)


def purchase_order_850(
    ctx: ServiceContext, po_number: str, us: OurIdentity, actor: str
) -> OutboundDocument:
    """The 850 of a stored purchase order (made and stored on first request)."""
    with SharedTransaction(ctx) as tx:
        stored = tx.edi.outbound_document("850", po_number)
        if stored is not None:
            return stored
        lines = tx.outer.supply.po_lines(po_number)
        if not lines:
            raise NotFoundError(f"purchase order {po_number!r} does not exist")
        # Lines the supplier refused are no longer ordered.
        lines = [x for x in lines if x.confirmation is not ConfirmationState.REJECTED]
        if not lines:
            raise ConflictError(f"every line of purchase order {po_number} was rejected")
        supplier = next(
            (s for s in tx.outer.master.suppliers() if s.code == lines[0].supplier), None
        )
        if supplier is None or not supplier.edi_id:
            raise ConflictError(
                f"supplier {lines[0].supplier} has no EDI id: set suppliers.edi_id first"
            )
        places = sorted({line.location for line in lines})
        if len(places) > 1:
            raise ConflictError(
                f"the lines ship to several DCs ({', '.join(places)}); an 850 has one ship-to"
            )
        units = {item.sku: item.uom for item in tx.outer.master.items([x.sku for x in lines])}
        ordered_at = tx.edi.purchase_order_created_at(po_number) or ctx.clock.now()
        request = PurchaseOrderRequest(
            po_number=po_number,
            order_date=ordered_at.date(),
            buyer_id=us.id,
            supplier_id=supplier.code,
            ship_to=places[0],
            lines=tuple(
                PurchaseOrderLine(
                    line_number=str(line.line_number),
                    item=line.sku,
                    quantity=Decimal(line.quantity),
                    unit=units.get(line.sku, "EA"),
                    unit_price=Decimal(str(line.unit_cost)) if line.unit_cost > 0 else None,
                    requested_date=line.expected_date,
                )
                for line in lines
            ),
        )
        receiver = partner(supplier.edi_id)
        settings = InterchangeSettings(
            sender=Party(us.qualifier, us.id),
            receiver=receiver,
            usage_indicator=us.usage_indicator,
        )
        now = ctx.clock.now()
        try:
            written = write_850(request, settings, DatabaseControlNumbers(tx.edi), now)
        except ValueError as error:  # a value X12 cannot carry (a separator in an id, ...)
            message = f"purchase order {po_number} cannot be sent as X12: {error}"
            raise ConflictError(message) from error
        document_id = tx.edi.add_outbound_document(
            document_type="850",
            partner_qualifier=receiver.qualifier,
            partner_id=receiver.id,
            interchange_control_number=written.interchange_control_number,
            reference=po_number,
            content=written.text,
            now=now,
        )
        tx.outer.platform.audit(
            actor=actor,
            action="edi.850_written",
            subject=f"purchase-order/{po_number}",
            before=None,
            after={"document_id": document_id, "interchange": written.interchange_control_number},
            now=now,
        )
        tx.commit()
        found = tx.edi.outbound_document("850", po_number)
        assert found is not None
        return found

"""855 purchase order acknowledgement -> `PurchaseOrderAcknowledgement`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from backorder.adapters.edi.documents import (
    AcknowledgementType,
    EnvelopeInfo,
    LineAcknowledgement,
    LineStatus,
    PurchaseOrderAcknowledgement,
    PurchaseOrderAcknowledgementLine,
    QualifiedDate,
)
from backorder.adapters.edi.fields import (
    Findings,
    ccyymmdd,
    check_line_count,
    coded,
    dates,
    first_date,
    item_ids,
    number,
    required_date,
    required_text,
    text,
)
from backorder.adapters.edi.grammar import GrammarNode

# BAK02 (X12 element 587).
ACKNOWLEDGEMENT_TYPES: dict[str, AcknowledgementType] = {
    **dict.fromkeys(("AD", "AK", "AP", "AT"), AcknowledgementType.ACCEPTED),
    **dict.fromkeys(("AC", "AE"), AcknowledgementType.ACCEPTED_WITH_CHANGES),
    **dict.fromkeys(("RD", "RF", "RJ", "RN", "RO", "RV"), AcknowledgementType.REJECTED),
}

# ACK01 (X12 element 668).
LINE_STATUSES: dict[str, LineStatus] = {
    **dict.fromkeys(("IA", "AC", "AR", "IE", "SP"), LineStatus.ACCEPTED),
    **dict.fromkeys(("IB", "BP"), LineStatus.BACKORDERED),
    **dict.fromkeys(("IC", "IP", "IQ", "IS", "DR"), LineStatus.CHANGED),
    **dict.fromkeys(("IH", "IF", "IW"), LineStatus.ON_HOLD),
    **dict.fromkeys(("IR", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "R8"), LineStatus.REJECTED),
    "ID": LineStatus.DELETED,
}

# Date qualifiers that say when goods ship or arrive, most specific first:
# 068 current schedule ship, 067 current schedule delivery, 069 promised for delivery,
# 017 estimated delivery, 011 shipped, 010 requested ship, 002 delivery requested.
SCHEDULE_QUALIFIERS: tuple[str, ...] = ("068", "067", "069", "017", "011", "010", "002")
_SCHEDULE_CODES = {code: code for code in SCHEDULE_QUALIFIERS}
_NOT_LIVE = (LineStatus.REJECTED, LineStatus.DELETED)


def read_855(
    root: GrammarNode, envelope: EnvelopeInfo, findings: Findings
) -> PurchaseOrderAcknowledgement | None:
    """Read an 855; None when `findings` holds problems."""
    bak = root.first("BAK")
    if bak is None:
        findings.segment(root, "BAK segment is missing", code="missing_segment", segment_id="BAK")
        return None
    ack_type = coded(bak, 2, findings, ACKNOWLEDGEMENT_TYPES, "acknowledgement type (BAK02)")
    po_number = required_text(bak, 3, findings, "purchase order number")
    po_date = required_date(bak, 4, findings, "purchase order date")
    acknowledgement_date = ccyymmdd(bak, 9, findings)
    header_dates = dates(root.all("DTM"), findings)
    lines = tuple(_line(po1, ack_type, header_dates, findings) for po1 in root.all("PO1"))
    check_line_count(root, "PO1", len(lines), findings)
    if findings.problems or ack_type is None:
        return None
    return PurchaseOrderAcknowledgement(
        envelope=envelope,
        purpose_code=bak.get(1) or "",
        type_code=bak.get(2) or "",
        acknowledgement_type=ack_type,
        po_number=po_number,
        po_date=po_date,
        acknowledgement_date=acknowledgement_date,
        seller_order_number=text(bak, 8),
        lines=lines,
    )


def _line(
    po1: GrammarNode,
    header: AcknowledgementType | None,
    header_dates: tuple[QualifiedDate, ...],
    findings: Findings,
) -> PurchaseOrderAcknowledgementLine:
    ordered = number(po1, 2, findings, "ordered quantity")
    # A date on the line overrides one on the whole acknowledgement.
    fallback = (dates(po1.all("DTM"), findings), header_dates)
    acks = po1.all("ACK")
    details = tuple(_detail(ack, len(acks), fallback, findings) for ack in acks)
    live = [d for d in details if d.status not in _NOT_LIVE]
    if not details:
        rejected = header is AcknowledgementType.REJECTED
        status = LineStatus.REJECTED if rejected else LineStatus.ACCEPTED
        acknowledged = Decimal(0) if rejected else ordered
        scheduled = None if rejected else _first_schedule(fallback)[1]
    else:
        status = _summarise({d.status for d in details})
        quantities = [d.quantity for d in live]
        if any(q is None for q in quantities):
            # Only a single ACK may omit ACK02 (checked in _detail): it covers the ordered qty.
            acknowledged = ordered
        else:
            acknowledged = sum((q for q in quantities if q is not None), Decimal(0))
        scheduled = max((d.scheduled_date for d in live if d.scheduled_date), default=None)
    return PurchaseOrderAcknowledgementLine(
        line_number=text(po1, 1),
        item=item_ids(po1, 6, findings),
        ordered_quantity=ordered,
        unit=text(po1, 3),
        unit_price=number(po1, 4, findings, "unit price"),
        status=status,
        status_code=details[0].status_code if details else None,
        acknowledged_quantity=acknowledged,
        scheduled_date=scheduled,
        details=details,
    )


def _detail(
    ack: GrammarNode,
    siblings: int,
    fallback: tuple[tuple[QualifiedDate, ...], ...],
    findings: Findings,
) -> LineAcknowledgement:
    status = coded(ack, 1, findings, LINE_STATUSES, "line item status code (ACK01)")
    quantity = number(ack, 2, findings, "acknowledged quantity")
    if quantity is None and siblings > 1 and ack.get(2) is None:
        # With several ACKs on one line, an ACK without quantity cannot be attributed.
        required_text(ack, 2, findings, "quantity of an ACK on a line with several ACKs")
    # Rejected parts get no date from the line or header: nothing of them is scheduled.
    live = status not in _NOT_LIVE
    qualifier, when = _schedule(ack, fallback if live else (), findings)
    return LineAcknowledgement(
        status_code=ack.get(1) or "",
        status=status or LineStatus.REJECTED,
        quantity=quantity,
        unit=text(ack, 3),
        date_qualifier=qualifier,
        scheduled_date=when,
    )


def _schedule(
    ack: GrammarNode, fallback: tuple[tuple[QualifiedDate, ...], ...], findings: Findings
) -> tuple[str | None, date | None]:
    qualifier_raw, date_raw = ack.get(4), ack.get(5)
    if date_raw is not None or qualifier_raw is not None:
        # ACK04 gives ACK05 its meaning: both or neither (X12 pair rule P0405).
        if date_raw is None:
            required_text(ack, 5, findings, "date for the date qualifier in ACK04")
            return None, None
        qualifier = coded(ack, 4, findings, _SCHEDULE_CODES, "date qualifier (ACK04)")
        return qualifier, required_date(ack, 5, findings, "scheduled date")
    return _first_schedule((dates(ack.all("DTM"), findings), *fallback))


def _first_schedule(
    sources: tuple[tuple[QualifiedDate, ...], ...],
) -> tuple[str | None, date | None]:
    """The most specific schedule date of the nearest source that has one."""
    for source in sources:
        for wanted in SCHEDULE_QUALIFIERS:
            found = first_date(source, wanted)
            if found is not None:
                return wanted, found
    return None, None


def _summarise(statuses: set[LineStatus]) -> LineStatus:
    if statuses <= set(_NOT_LIVE):
        return LineStatus.DELETED if statuses == {LineStatus.DELETED} else LineStatus.REJECTED
    for status in (LineStatus.BACKORDERED, LineStatus.ON_HOLD):
        if status in statuses:
            return status
    if statuses & {LineStatus.CHANGED, *_NOT_LIVE}:
        return LineStatus.CHANGED
    return LineStatus.ACCEPTED

"""EDI with suppliers through the service: an inbound X12 file, applied and acknowledged.

`import_edi` parses the file (`adapters.edi.parse_inbound`), then in one transaction applies
every transaction set the parser accepted — 855 and 856 through the purchasing handlers, 846
and 810 into their tables — each in a savepoint of its own (a set a handler refuses is
reported and undone; the others stay), reallocates the items whose supply changed, and
stores one 997 per inbound interchange. Each set is applied at most once: its id (sender,
ISA13, GS06, ST02) is recorded with its effect; a file sent again changes nothing and gets
the 997 that was sent the first time. Sets of test interchanges (ISA15 = T) are
acknowledged but not applied.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import partial
from typing import Any

from backorder.adapters.edi import (
    EdiIssue,
    GroupAcknowledgement,
    InboundDocument,
    InventoryAdvice,
    PurchaseOrderAcknowledgement,
    ShipNotice,
    parse_inbound,
    write_997,
)
from backorder.adapters.edi.envelope import Segment, scan
from backorder.adapters.repositories.integration import APPLIED, REJECTED, MessageClaim
from backorder.domain.errors import DomainError
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.allocation import reallocate_items, substitution_closure
from backorder.service_layer.handlers.edi_common import DocumentResult, LineProblem, Locator
from backorder.service_layer.handlers.edi_outbound import DatabaseControlNumbers
from backorder.service_layer.handlers.edi_records import apply_810, apply_846
from backorder.service_layer.handlers.edi_supply import apply_855, apply_856, skus_of
from backorder.service_layer.shared_transaction import SharedTransaction

PARTIALLY_APPLIED = "partially_applied"


@dataclass(frozen=True)
class SetReport:
    """What became of one transaction set of the file."""

    interchange_control_number: str
    sender: str  # <ISA05>:<ISA06>
    group_control_number: str
    transaction_set_id: str
    control_number: str
    acknowledged: str  # the 997's verdict: A, E or R
    # applied | partially_applied | rejected | duplicate | test_not_applied | refused_by_parser
    outcome: str
    reference: str | None = None
    lines: int = 0
    applied_lines: int = 0
    problems: tuple[LineProblem, ...] = ()
    details: dict[str, Any] | None = None


@dataclass(frozen=True)
class StoredAcknowledgement:
    """A 997 produced (or produced earlier) for one inbound interchange."""

    document_id: int
    interchange_control_number: str
    answers: str  # the inbound interchange: <ISA05>:<ISA06>:<ISA13>
    content: str
    sent_before: bool


@dataclass(frozen=True)
class EdiImportReport:
    """Everything learned and done with one inbound file."""

    sets: tuple[SetReport, ...]
    errors: tuple[EdiIssue, ...]  # from parsing: the sets they spoil are refused
    warnings: tuple[EdiIssue, ...]
    acknowledgements: tuple[StoredAcknowledgement, ...]

    @property
    def readable(self) -> bool:
        """False when not one interchange could be read."""
        return bool(self.sets or self.acknowledgements)

    @property
    def exit_code(self) -> int:
        """0: everything applied; 1: something was not; 2: nothing readable."""
        if not self.readable:
            return 2
        clean = all(s.outcome in (APPLIED, "duplicate") for s in self.sets)
        return 0 if clean and not self.errors else 1


_Key = tuple[str, str, str, str]  # interchange, sender, group, set control numbers


def _sender(document: InboundDocument | GroupAcknowledgement) -> str:
    interchange = (
        document.interchange
        if isinstance(document, GroupAcknowledgement)
        else (document.envelope.interchange)
    )
    return f"{interchange.sender_qualifier}:{interchange.sender_id}"


def _key(document: InboundDocument) -> _Key:
    envelope = document.envelope
    return (
        envelope.interchange.control_number,
        _sender(document),
        envelope.group.control_number,
        envelope.control_number,
    )


def _message_id(key: _Key) -> str:
    interchange, sender, group, control = key
    return f"x12:{sender}:{interchange}:{group}:{control}"


def _apply(
    tx: SharedTransaction, document: InboundDocument, where: Locator, actor: str
) -> DocumentResult:
    if isinstance(document, PurchaseOrderAcknowledgement):
        return apply_855(tx, document, where, actor)
    if isinstance(document, ShipNotice):
        return apply_856(tx, document, where, actor)
    if isinstance(document, InventoryAdvice):
        return apply_846(tx, document, where)
    return apply_810(tx, document, where)


def _apply_in(
    tx: SharedTransaction,
    document: InboundDocument,
    where: Locator,
    actor: str,
    _: ServiceContext,
) -> DocumentResult:
    return _apply(tx, document, where, actor)


def _outcome(result: DocumentResult) -> str:
    if not result.errors:
        return APPLIED
    return PARTIALLY_APPLIED if result.applied else REJECTED


def _segments(data: str | bytes) -> dict[int, list[Segment]]:
    """The segments of every transaction set, by the file position of its ST."""
    text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
    return {
        found.segments[0].position: found.segments
        for interchange in scan(text).interchanges
        for group in interchange.groups
        for found in group.sets
        if found.segments
    }


def _reallocate(ctx: ServiceContext, skus: list[str]) -> None:
    with ctx.unit_of_work() as uow:
        reallocate_items(uow, ctx.policy, skus, reason="supplier EDI")
        uow.commit()


def _acknowledge(
    tx: SharedTransaction, acknowledgements: tuple[GroupAcknowledgement, ...]
) -> list[StoredAcknowledgement]:
    """One 997 per inbound interchange: the stored one when it was answered before."""
    by_interchange: dict[str, list[GroupAcknowledgement]] = defaultdict(list)
    for group in acknowledgements:
        by_interchange[f"{_sender(group)}:{group.interchange.control_number}"].append(group)
    stored = []
    now = tx.context.clock.now()
    for answers, groups in by_interchange.items():
        earlier = tx.edi.outbound_document("997", answers)
        if earlier is not None:
            stored.append(
                StoredAcknowledgement(
                    earlier.document_id,
                    earlier.interchange_control_number,
                    answers,
                    earlier.content,
                    True,
                )
            )
            continue
        (written,) = write_997(groups, DatabaseControlNumbers(tx.edi), now)
        inbound = groups[0].interchange
        document_id = tx.edi.add_outbound_document(
            document_type="997",
            partner_qualifier=inbound.sender_qualifier,
            partner_id=inbound.sender_id,
            interchange_control_number=written.interchange_control_number,
            reference=answers,
            content=written.text,
            now=now,
        )
        stored.append(
            StoredAcknowledgement(
                document_id, written.interchange_control_number, answers, written.text, False
            )
        )
    return stored


def import_edi(ctx: ServiceContext, data: str | bytes, actor: str) -> EdiImportReport:
    """Parse, apply and acknowledge one inbound X12 file from suppliers."""
    batch = parse_inbound(data)
    segments = _segments(data) if batch.documents else {}
    results: dict[_Key, SetReport] = {}
    with SharedTransaction(ctx) as tx:
        now = ctx.clock.now()
        live = [d for d in batch.documents if not d.envelope.interchange.is_test]
        fresh = tx.integration.claim_messages(
            [
                MessageClaim(
                    _message_id(_key(d)),
                    f"edi:{_sender(d)}",
                    f"x12.{d.envelope.transaction_set_id}",
                )
                for d in live
            ],
            now,
        )
        pos = [d.po_number for d in live if isinstance(d, PurchaseOrderAcknowledgement)]
        pos += [i.po_number for d in live if isinstance(d, ShipNotice) for i in d.items]
        links = tx.outer.master.substitute_links()
        tx.lock_items(substitution_closure(links, sorted(skus_of(tx, pos))))
        changed: set[str] = set()
        finished: list[tuple[str, str, str | None]] = []
        for document in batch.documents:
            key = _key(document)
            if document.envelope.interchange.is_test:
                results[key] = _report(document, "test_not_applied")
                continue
            if _message_id(key) not in fresh:
                results[key] = _report(document, "duplicate")
                continue
            where = Locator(segments.get(document.envelope.segment_position, []))
            try:
                result = tx.attempt(partial(_apply_in, tx, document, where, actor))
            except DomainError as error:
                result = DocumentResult(reference=document.envelope.transaction_set_id)
                result.problems.append(LineProblem(str(error), "application.refused"))
            outcome = _outcome(result)
            if outcome != REJECTED:
                changed |= result.reallocate
            results[key] = _report(document, outcome, result)
            reasons = "; ".join(p.reason for p in result.errors) or None
            finished.append(
                (_message_id(key), REJECTED if outcome == REJECTED else APPLIED, reasons)
            )
        if changed:
            tx.attempt(lambda c: _reallocate(c, sorted(changed)))
        tx.integration.finish_messages(finished, now)
        acknowledgements = _acknowledge(tx, batch.acknowledgements)
        tx.commit()
    return EdiImportReport(
        sets=tuple(_in_file_order(batch.acknowledgements, results)),
        errors=batch.errors,
        warnings=batch.warnings,
        acknowledgements=tuple(acknowledgements),
    )


def _report(
    document: InboundDocument, outcome: str, result: DocumentResult | None = None
) -> SetReport:
    interchange, sender, group, control = _key(document)
    return SetReport(
        interchange_control_number=interchange,
        sender=sender,
        group_control_number=group,
        transaction_set_id=document.envelope.transaction_set_id,
        control_number=control,
        acknowledged="A",
        outcome=outcome,
        reference=result.reference if result else None,
        lines=result.lines if result else 0,
        applied_lines=result.applied if result and outcome != REJECTED else 0,
        problems=tuple(result.problems) if result else (),
        details=result.details if result else None,
    )


def _in_file_order(
    acknowledgements: tuple[GroupAcknowledgement, ...], results: dict[_Key, SetReport]
) -> list[SetReport]:
    """Every set the file held, as its 997 lists them; sets the parser refused included."""
    found = []
    for group in acknowledgements:
        sender = _sender(group)
        for response in group.responses:
            key = (
                group.interchange.control_number,
                sender,
                group.group.control_number,
                response.control_number,
            )
            known = results.get(key)
            if known is not None:
                found.append(_with_verdict(known, response.status.value))
                continue
            found.append(
                SetReport(
                    interchange_control_number=key[0],
                    sender=sender,
                    group_control_number=key[2],
                    transaction_set_id=response.transaction_set_id,
                    control_number=response.control_number,
                    acknowledged=response.status.value,
                    outcome="refused_by_parser",
                )
            )
    return found


def _with_verdict(report: SetReport, verdict: str) -> SetReport:
    return SetReport(**{**report.__dict__, "acknowledged": verdict})

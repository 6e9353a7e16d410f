"""What people do to a case by hand: hold, release, cancel, answer a substitute offer.

Every override carries a reason, is audited, and wakes the case (a `CaseChanged` event the
dispatcher turns into news for the case's workflow), which then lands on the state the
override implies: `on_hold` waits without acting until released; a cancelled line closes
the case; an accepted substitute is allocated at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backorder.adapters.repositories.cases import CaseRecord
from backorder.domain import events
from backorder.domain.model import LineStatus
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError, NotFoundError
from backorder.service_layer.handlers import orders
from backorder.service_layer.handlers.allocation import lock_substitution_groups, reallocate_items
from backorder.service_layer.shared_transaction import SharedTransaction
from backorder.service_layer.unit_of_work import UnitOfWork


def open_case(uow: UnitOfWork, case_id: str) -> CaseRecord:
    """A case that is not over yet, or the error saying why it cannot be changed."""
    case = uow.cases.get(case_id)
    if case is None:
        raise NotFoundError(f"case {case_id} does not exist")
    if case.state.terminal:
        raise ConflictError(f"case {case_id} is {case.state.value}: it cannot be changed")
    return case


def _reason(reason: str) -> str:
    if not reason.strip():
        raise InvalidInputError("reason", "must not be empty")
    return reason.strip()


def wake(uow: UnitOfWork, case: CaseRecord, why: str) -> None:
    """Tell the case's workflow that something about it changed."""
    uow.record(events.CaseChanged(case.case_id, case.line_id, why))


def hold_case(ctx: ServiceContext, case_id: str, reason: str, actor: str) -> CaseRecord:
    """Put a case on hold: it keeps its supply but does nothing until released."""
    reason = _reason(reason)
    with ctx.unit_of_work() as uow:
        case = open_case(uow, case_id)
        now = uow.clock.now()
        if not uow.cases.hold(case_id, True, reason, now):
            raise ConflictError(f"case {case_id} is already on hold ({case.hold_reason})")
        uow.platform.audit(
            actor=actor,
            action="case.held",
            subject=f"case/{case_id}",
            before={"on_hold": False, "state": case.state.value},
            after={"on_hold": True, "reason": reason},
            now=now,
        )
        wake(uow, case, f"put on hold: {reason}")
        uow.commit()
        held = uow.cases.get(case_id)
    assert held is not None
    return held


def release_case(ctx: ServiceContext, case_id: str, reason: str, actor: str) -> CaseRecord:
    """Release a held case: its workflow looks at it again at once."""
    reason = _reason(reason)
    with ctx.unit_of_work() as uow:
        case = open_case(uow, case_id)
        now = uow.clock.now()
        if not uow.cases.hold(case_id, False, None, now):
            raise ConflictError(f"case {case_id} is not on hold")
        uow.platform.audit(
            actor=actor,
            action="case.released",
            subject=f"case/{case_id}",
            before={"on_hold": True, "reason": case.hold_reason},
            after={"on_hold": False, "reason": reason},
            now=now,
        )
        wake(uow, case, f"released: {reason}")
        uow.commit()
        released = uow.cases.get(case_id)
    assert released is not None
    return released


def cancel_case(ctx: ServiceContext, case_id: str, reason: str, actor: str) -> CaseRecord:
    """Cancel the case's order line (its supply goes to the next lines); the case closes.

    The line is cancelled by the order handler inside the same transaction as the case's
    audit record and wake-up, so neither happens without the other.
    """
    reason = _reason(reason)
    with SharedTransaction(ctx) as shared:
        uow = shared.outer
        case = open_case(uow, case_id)
        orders.cancel_line(shared.context, case.line_id, reason, actor)
        uow.platform.audit(
            actor=actor,
            action="case.cancelled",
            subject=f"case/{case_id}",
            before={"state": case.state.value},
            after={"line_id": case.line_id, "reason": reason},
            now=uow.clock.now(),
        )
        wake(uow, case, f"line cancelled: {reason}")
        shared.commit()
        after = uow.cases.get(case_id)
    assert after is not None
    return after


@dataclass(frozen=True)
class SubstitutionAnswer:
    """The customer's recorded answer to the substitute offered for a case's line."""

    case_id: str
    line_id: int
    substitute_sku: str
    decision: str  # accepted | declined
    decided_at: datetime
    actor: str
    note: str


def answer_substitute(
    ctx: ServiceContext,
    case_id: str,
    *,
    accept: bool,
    substitute_sku: str | None,
    note: str,
    actor: str,
) -> SubstitutionAnswer:
    """Record that the customer accepts (or declines) the substitute offered for the line.

    The item group is reallocated at once: an accepted line is served from the substitute
    as if the customer had pre-accepted substitution, a declined one is never substituted
    nor offered again. Answering the same way twice changes nothing; changing one's mind
    is a conflict (the first answer may already have moved stock).
    """
    decision = "accepted" if accept else "declined"
    with ctx.unit_of_work() as uow:
        case = open_case(uow, case_id)
        record = uow.orders.get_line(case.line_id)
        if record is None or record.line.status in (LineStatus.CANCELLED, LineStatus.SHIPPED):
            raise ConflictError(f"the line of case {case_id} is no longer open")
        sku = record.line.sku
        lock_substitution_groups(uow, [sku])
        earlier = uow.cases.substitution_answer(case.line_id)
        if earlier is not None:
            if earlier["decision"] != decision:
                raise ConflictError(
                    f"the customer already {earlier['decision']} {earlier['substitute_sku']} "
                    f"for case {case_id}"
                )
            return _answer(case_id, earlier)
        offered = uow.cases.offered_substitute(case.line_id)
        if offered is None:
            raise ConflictError(f"no substitute is offered for case {case_id}")
        if substitute_sku is not None and substitute_sku != offered:
            raise InvalidInputError(
                "substitute_sku", f"the offer for case {case_id} is {offered}, not {substitute_sku}"
            )
        now = uow.clock.now()
        row = {
            "line_id": case.line_id,
            "case_id": case_id,
            "substitute_sku": offered,
            "decision": decision,
            "decided_at": now,
            "actor": actor,
            "note": note.strip(),
        }
        uow.cases.record_substitution_answer(row)
        uow.platform.audit(
            actor=actor,
            action=f"case.substitute_{decision}",
            subject=f"case/{case_id}",
            before={"offered": offered},
            after={"decision": decision, "substitute_sku": offered, "note": note.strip()},
            now=now,
        )
        reallocate_items(uow, ctx.policy, [sku], reason=f"substitute {offered} {decision}")
        wake(uow, case, f"substitute {offered} {decision}")
        uow.commit()
    return _answer(case_id, row)


def _answer(case_id: str, row: Mapping[str, Any]) -> SubstitutionAnswer:
    return SubstitutionAnswer(
        case_id=case_id,
        line_id=int(row["line_id"]),
        substitute_sku=str(row["substitute_sku"]),
        decision=str(row["decision"]),
        decided_at=row["decided_at"],
        actor=str(row["actor"]),
        note=str(row["note"]),
    )

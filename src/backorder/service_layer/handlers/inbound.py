"""Applying inbound messages: at most once per message id, many per transaction.

`apply_messages` takes a batch (a NATS fetch, a REST request) and, in **one** transaction:
claims the message ids (ids applied before are duplicates and change nothing), locks every
item the batch touches (one sorted pass, so concurrent writers cannot deadlock), applies
the messages grouped by kind — one handler call per group — and records each id with its
outcome. The effect of a message and the record of its id commit together: a crash before
the commit leaves neither, so redelivery applies it exactly once.

Messages that share an order, a purchase order or the stock level of an item at a DC are
applied in the order received; others may be reordered to form larger groups (see
`inbound_kinds`). Every item whose stock or demand changed is reallocated once, at the end
of the batch. A group whose handler refuses the call is split in halves until the refused
message is alone; its neighbours still apply.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import structlog

from backorder.adapters.repositories.integration import APPLIED, REJECTED, MessageClaim
from backorder.domain.errors import DomainError
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError
from backorder.service_layer.handlers.allocation import reallocate_items, substitution_closure
from backorder.service_layer.handlers.inbound_kinds import (
    KINDS,
    Applied,
    Kind,
    Outcome,
    Refs,
    new_order_lines,
    referenced_orders,
    referenced_po_lines,
)
from backorder.service_layer.handlers.inbound_messages import AnyMessage
from backorder.service_layer.shared_transaction import SharedTransaction

DUPLICATE = "duplicate"
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class MessageResult:
    """What became of one message."""

    message_id: str
    type: str
    outcome: str  # applied | duplicate | rejected
    error: str | None = None
    field: str | None = None  # the field at fault, when the handler named one
    error_kind: str | None = None  # not_found | conflict | invalid
    attempts: int = 0  # processing attempts of this id so far (this one included)

    @property
    def done(self) -> bool:
        """True when the message needs no further delivery (applied now or before)."""
        return self.outcome in (APPLIED, DUPLICATE)


@dataclass
class _Group:
    kind: Kind
    items: list[tuple[int, AnyMessage]]


def _error_kind(error: DomainError) -> str:
    name = type(error).__name__
    return {"NotFoundError": "not_found", "ConflictError": "conflict"}.get(name, "invalid")


def _result(message: AnyMessage, outcome: Outcome, attempts: int) -> MessageResult:
    if outcome is None:
        return MessageResult(message.message_id, message.type, APPLIED, attempts=attempts)
    field = outcome.field if isinstance(outcome, InvalidInputError) else None
    kind = _error_kind(outcome)
    return MessageResult(
        message.message_id, message.type, REJECTED, str(outcome), field, kind, attempts
    )


def references(tx: SharedTransaction, messages: Sequence[AnyMessage]) -> Refs:
    """Look up the order lines and PO lines the messages refer to (before any is applied)."""
    lines = tx.integration.line_refs(referenced_orders(messages))
    for ref, sku in new_order_lines(messages).items():
        lines.setdefault(ref, (0, sku))  # created by this batch: the SKU is all we need
    found = tx.outer.supply.po_lines_by_id(referenced_po_lines(messages))
    return Refs(lines, {i: (line.sku, line.location) for i, line in found.items()})


def plan(items: Sequence[tuple[int, AnyMessage]], refs: Refs) -> list[_Group]:
    """Groups of one kind each, in an order that keeps messages sharing a key in sequence.

    A message joins the earliest group of its kind that comes no earlier than the last
    group touching any of its keys; otherwise it starts a new group at the end.
    """
    groups: list[_Group] = []
    of_kind: dict[str, list[int]] = {}
    last_touch: dict[str, int] = {}
    for index, message in items:
        kind = KINDS[message.type]
        keys = kind.keys(message, refs)
        floor = max((last_touch[k] for k in keys if k in last_touch), default=0)
        candidates = of_kind.setdefault(kind.name, [])
        at = bisect.bisect_left(candidates, floor)
        if at < len(candidates):
            target = candidates[at]
        else:
            target = len(groups)
            groups.append(_Group(kind, []))
            candidates.append(target)
        groups[target].items.append((index, message))
        for key in keys:
            last_touch[key] = max(last_touch.get(key, 0), target)
    return groups


def lock_scope(groups: Sequence[_Group], refs: Refs, links: Sequence[tuple[str, str]]) -> list[str]:
    """Every item the batch may lock: the items it names and those linked by substitution."""
    skus = {
        sku
        for group in groups
        for _, message in group.items
        for sku in group.kind.items(message, refs)
    }
    return substitution_closure(links, sorted(skus))


def _apply(
    tx: SharedTransaction, kind: Kind, messages: Sequence[AnyMessage], actor: str
) -> Applied:
    """Apply messages of one kind; when the handler refuses them all, split to find why."""
    try:
        return tx.attempt(lambda _: kind.apply(tx, messages, actor))
    except DomainError as error:
        if len(messages) == 1:
            return Applied([error])
    middle = len(messages) // 2
    first = _apply(tx, kind, messages[:middle], actor)
    second = _apply(tx, kind, messages[middle:], actor)
    return Applied(first.outcomes + second.outcomes, first.reallocate | second.reallocate)


def _reallocate(ctx: ServiceContext, skus: Sequence[str]) -> None:
    with ctx.unit_of_work() as uow:
        reallocate_items(uow, ctx.policy, skus, reason="inbound messages")
        uow.commit()


def apply_messages(
    ctx: ServiceContext, messages: Sequence[AnyMessage], actor: str
) -> list[MessageResult]:
    """Apply a batch of messages in one transaction; returns each message's result, in order.

    Raises only for failures of the infrastructure (database unavailable, a bug): then
    nothing of the batch is stored and it can be retried as a whole.
    """
    results: dict[int, MessageResult] = {}
    with SharedTransaction(ctx) as tx:
        now = ctx.clock.now()
        fresh = tx.integration.claim_messages(
            [MessageClaim(m.message_id, m.source, m.type) for m in messages], now
        )
        todo: list[tuple[int, AnyMessage]] = []
        attempts: dict[int, int] = {}
        for index, message in enumerate(messages):
            if message.message_id in fresh:
                # A repeat inside the batch is a duplicate.
                attempts[index] = fresh.pop(message.message_id)
                todo.append((index, message))
            else:
                results[index] = MessageResult(message.message_id, message.type, DUPLICATE)
        refs = references(tx, [m for _, m in todo])
        groups = plan(todo, refs)
        tx.lock_items(lock_scope(groups, refs, tx.outer.master.substitute_links()))
        changed: set[str] = set()
        for group in groups:
            applied = _apply(tx, group.kind, [m for _, m in group.items], actor)
            changed |= applied.reallocate
            for (index, message), outcome in zip(group.items, applied.outcomes, strict=True):
                results[index] = _result(message, outcome, attempts[index])
        if changed:
            tx.attempt(lambda c: _reallocate(c, sorted(changed)))
        tx.integration.finish_messages(
            [(results[i].message_id, results[i].outcome, results[i].error) for i, _ in todo],
            ctx.clock.now(),
        )
        tx.commit()
    log.debug(
        "inbound_batch_applied",
        messages=len(messages),
        groups=len(groups),
        rejected=sum(1 for r in results.values() if r.outcome == REJECTED),
    )
    return [results[i] for i in range(len(messages))]


def record_dead_letter(ctx: ServiceContext, message: AnyMessage, error: str) -> None:
    """Note that a message was parked on the dead-letter subject (a later replay may apply)."""
    with SharedTransaction(ctx) as tx:
        claim = MessageClaim(message.message_id, message.source, message.type)
        tx.integration.record_dead_letter(claim, error, ctx.clock.now())
        tx.commit()

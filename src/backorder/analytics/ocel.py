"""OCEL 2.0 export: the object-centric event log of backorders, for process-mining tools.

The log follows the OCEL 2.0 JSON format (objectTypes, eventTypes, objects, events; typed
attributes; event-to-object and object-to-object relationships with qualifiers), which
pm4py (`pm4py.read_ocel2_json`), Celonis and other tools read.

Object types: order, order line, item, purchase order, supplier, case, task. Events come
from the tables that already record what happened, so nothing new has to be logged:

- *Place order* (orders): the order, its lines and their items;
- *Set promise date* / *Change promise date* (promise history): the line;
- *Ship* (shipments): the line and the item;
- *Cancel line* / *Change quantity* (audit log): the line;
- *Create purchase order*, *Supplier acknowledges*, *Supplier ships*, *Receive goods*,
  *Supplier rejects* (audit log): the purchase order, its supplier and the line's item;
- *Case: <state>* (case history): the case, its line and item;
- *Task <action>* (task trail): the task and its case.

Rows are read in chunks (`yield_per`, a server-side cursor on PostgreSQL) and written as
they come, so a large database is exported in constant memory apart from two small maps
(purchase-order line -> item, purchase order -> supplier).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import IO, Any

from sqlalchemy import Connection, select

from backorder.adapters import orm
from backorder.analytics.exceptions import period_bounds
from backorder.analytics.filters import KpiFilter

CHUNK = 5_000
EPOCH = "1970-01-01T00:00:00Z"  # the time of attribute values that never change

OBJECT_TYPES: dict[str, list[tuple[str, str]]] = {
    "order": [("customer", "string"), ("tier", "string"), ("region", "string")],
    "order line": [
        ("sku", "string"),
        ("quantity", "integer"),
        ("requested_date", "time"),
        ("unit_price", "float"),
        ("status", "string"),
    ],
    "item": [
        ("description", "string"),
        ("product_line", "string"),
        ("item_group", "string"),
        ("list_price", "float"),
    ],
    "purchase order": [("status", "string")],
    "supplier": [("name", "string"), ("lead_time_days", "integer")],
    "case": [("state", "string"), ("sku", "string")],
    "task": [
        ("team", "string"),
        ("task_type", "string"),
        ("severity", "string"),
        ("status", "string"),
        ("breached", "boolean"),
    ],
}
_PROMISE = [("promise_date", "string"), ("old_promise_date", "string"), ("reason", "string")]
_AUDIT = [("actor", "string")]
_PO_ACTIONS = {
    "purchase_order.created": "Create purchase order",
    "purchase_order.confirmed": "Supplier acknowledges",
    "purchase_order.shipped": "Supplier ships",
    "purchase_order.received": "Receive goods",
    "purchase_order.rejected": "Supplier rejects",
}
_LINE_ACTIONS = {
    "order_line.cancelled": "Cancel line",
    "order_line.quantity_changed": "Change quantity",
}


@dataclass
class OcelCounts:
    """How many objects and events of each type were written."""

    objects: dict[str, int] = field(default_factory=dict)
    events: dict[str, int] = field(default_factory=dict)

    @property
    def total_objects(self) -> int:
        """All objects."""
        return sum(self.objects.values())

    @property
    def total_events(self) -> int:
        """All events."""
        return sum(self.events.values())


def _iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time.min, tzinfo=UTC)
    if moment.tzinfo is None:  # SQLite hands back UTC without its zone
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _attributes(names: Iterable[tuple[str, Any]], timed: bool) -> list[dict[str, Any]]:
    found = []
    for name, value in names:
        if value is None:
            continue  # OCEL has no null: an unknown value is left out
        if isinstance(value, date):
            value = _iso(value)
        entry: dict[str, Any] = {"name": name, "value": value}
        if timed:
            entry["time"] = EPOCH
        found.append(entry)
    return found


def _relations(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"objectId": oid, "qualifier": qualifier} for oid, qualifier in pairs]


def _rows(connection: Connection, query: Any) -> Iterator[Any]:
    yield from connection.execution_options(yield_per=CHUNK).execute(query)


class _Writer:
    """Serialises objects and events as JSON array members, counting them."""

    def __init__(self) -> None:
        self.counts = OcelCounts()
        self.event_types: dict[str, list[tuple[str, str]]] = {}

    def obj(self, oid: str, kind: str, attrs: Iterable[tuple[str, Any]], rel: Any = ()) -> str:
        self.counts.objects[kind] = self.counts.objects.get(kind, 0) + 1
        body: dict[str, Any] = {"id": oid, "type": kind, "attributes": _attributes(attrs, True)}
        if rel:
            body["relationships"] = _relations(rel)
        return json.dumps(body, separators=(",", ":"))

    def event(
        self,
        eid: str,
        kind: str,
        at: datetime | date,
        schema: list[tuple[str, str]],
        attrs: Iterable[tuple[str, Any]],
        rel: Iterable[tuple[str, str]],
    ) -> str:
        self.event_types.setdefault(kind, schema)
        self.counts.events[kind] = self.counts.events.get(kind, 0) + 1
        body = {
            "id": eid,
            "type": kind,
            "time": _iso(at),
            "attributes": _attributes(attrs, False),
            "relationships": _relations(rel),
        }
        return json.dumps(body, separators=(",", ":"))


def _objects(connection: Connection, out: _Writer) -> Iterator[str]:
    suppliers = orm.suppliers
    known_suppliers: set[str] = set()
    for r in _rows(connection, select(suppliers).order_by(suppliers.c.code)):
        known_suppliers.add(r.code)
        yield out.obj(
            f"supplier:{r.code}",
            "supplier",
            [("name", r.name), ("lead_time_days", r.lead_time_days)],
        )
    items = orm.items
    for r in _rows(connection, select(items).order_by(items.c.sku)):
        supplier = (
            [(f"supplier:{r.supplier}", "supplied by")] if r.supplier in known_suppliers else []
        )
        yield out.obj(
            f"item:{r.sku}",
            "item",
            [
                ("description", r.description),
                ("product_line", r.product_line),
                ("item_group", r.item_group),
                ("list_price", float(r.list_price)),
            ],
            supplier,
        )
    orders, customers = orm.orders, orm.customers
    query = (
        select(orders.c.order_id, orders.c.customer, customers.c.tier, customers.c.region)
        .outerjoin(customers, customers.c.code == orders.c.customer)
        .order_by(orders.c.order_id)
    )
    for r in _rows(connection, query):
        yield out.obj(
            f"order:{r.order_id}",
            "order",
            [("customer", r.customer), ("tier", r.tier), ("region", r.region)],
        )
    lines = orm.order_lines
    for r in _rows(connection, select(lines).order_by(lines.c.line_id)):
        yield out.obj(
            f"line:{r.line_id}",
            "order line",
            [
                ("sku", r.sku),
                ("quantity", int(r.quantity)),
                ("requested_date", r.requested_date),
                ("unit_price", float(r.unit_price)),
                ("status", r.status),
            ],
            [(f"order:{r.order_id}", "part of"), (f"item:{r.sku}", "requests")],
        )
    yield from _purchase_orders(connection, out, known_suppliers)
    cases = orm.backorder_cases
    for r in _rows(connection, select(cases).order_by(cases.c.case_id)):
        yield out.obj(
            f"case:{r.case_id}",
            "case",
            [("state", r.state), ("sku", r.sku)],
            [(f"line:{r.line_id}", "about")],
        )
    tasks = orm.tasks
    for r in _rows(connection, select(tasks).order_by(tasks.c.task_id)):
        yield out.obj(
            f"task:{r.task_id}",
            "task",
            [
                ("team", r.team),
                ("task_type", r.task_type),
                ("severity", r.severity),
                ("status", r.status),
                ("breached", bool(r.breached)),
            ],
            [(f"case:{r.case_id}", "for")] if r.case_id else [],
        )


def _purchase_orders(connection: Connection, out: _Writer, suppliers: set[str]) -> Iterator[str]:
    po, pol = orm.purchase_orders, orm.purchase_order_lines
    query = (
        select(po.c.po_number, po.c.supplier, po.c.status, pol.c.sku)
        .outerjoin(pol, pol.c.po_number == po.c.po_number)
        .order_by(po.c.po_number, pol.c.line_number)
    )
    current: Any = None
    skus: list[str] = []

    def flush() -> str:
        rel = (
            [(f"supplier:{current.supplier}", "ordered from")]
            if current.supplier in suppliers
            else []
        )
        rel += [(f"item:{sku}", "orders") for sku in dict.fromkeys(skus)]
        return out.obj(
            f"po:{current.po_number}", "purchase order", [("status", current.status)], rel
        )

    for r in _rows(connection, query):
        if current is not None and r.po_number != current.po_number:
            yield flush()
            skus = []
        current = r
        if r.sku is not None:
            skus.append(r.sku)
    if current is not None:
        yield flush()


def _events(connection: Connection, out: _Writer, where: KpiFilter | None) -> Iterator[str]:
    begin, finish = period_bounds(where) if where else (None, None)

    def within(column: Any) -> list[Any]:
        return [] if begin is None else [column >= begin, column < finish]

    orders, lines = orm.orders, orm.order_lines
    query = (
        select(
            orders.c.order_id, orders.c.customer, orders.c.ordered_at, lines.c.line_id, lines.c.sku
        )
        .join(lines, lines.c.order_id == orders.c.order_id)
        .where(*within(orders.c.ordered_at))
        .order_by(orders.c.order_id, lines.c.line_id)
    )
    head: Any = None
    members: list[tuple[int, str]] = []

    def placed() -> str:
        rel = [(f"order:{head.order_id}", "order")]
        rel += [(f"line:{line_id}", "line") for line_id, _ in members]
        rel += [(f"item:{sku}", "item") for sku in dict.fromkeys(sku for _, sku in members)]
        return out.event(
            f"place:{head.order_id}",
            "Place order",
            head.ordered_at,
            [("customer", "string"), ("lines", "integer")],
            [("customer", head.customer), ("lines", len(members))],
            rel,
        )

    for r in _rows(connection, query):
        if head is not None and r.order_id != head.order_id:
            yield placed()
            members = []
        head = r
        members.append((r.line_id, r.sku))
    if head is not None:
        yield placed()

    history = orm.promise_history
    query = select(history).where(*within(history.c.at)).order_by(history.c.id)
    for r in _rows(connection, query):
        kind = "Set promise date" if r.old_promise_date is None else "Change promise date"
        yield out.event(
            f"promise:{r.id}",
            kind,
            r.at,
            _PROMISE,
            [
                ("promise_date", _day(r.promise_date)),
                ("old_promise_date", _day(r.old_promise_date)),
                ("reason", r.reason),
            ],
            [(f"line:{r.line_id}", "line")],
        )
    shipments = orm.shipments
    query = select(shipments).order_by(shipments.c.id)
    if where is not None:
        query = query.where(
            shipments.c.shipped_on >= where.start, shipments.c.shipped_on <= where.end
        )
    for r in _rows(connection, query):
        yield out.event(
            f"ship:{r.id}",
            "Ship",
            r.shipped_on,
            [("quantity", "integer"), ("location", "string")],
            [("quantity", int(r.quantity)), ("location", r.location)],
            [(f"line:{r.line_id}", "line"), (f"item:{r.sku}", "item")],
        )
    yield from _audit_events(connection, out, within)
    yield from _case_and_task_events(connection, out, within)


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _audit_events(connection: Connection, out: _Writer, within: Any) -> Iterator[str]:
    po, pol, audit = orm.purchase_orders, orm.purchase_order_lines, orm.audit_log
    supplier_of = dict(connection.execute(select(po.c.po_number, po.c.supplier)).all())
    sku_of = dict(connection.execute(select(pol.c.source_id, pol.c.sku)).all())
    known_suppliers = set(connection.execute(select(orm.suppliers.c.code)).scalars())
    actions = list(_PO_ACTIONS) + list(_LINE_ACTIONS)
    query = (
        select(audit.c.id, audit.c.at, audit.c.actor, audit.c.action, audit.c.subject)
        .where(audit.c.action.in_(actions), *within(audit.c.at))
        .order_by(audit.c.id)
    )
    for r in _rows(connection, query):
        kind, _, rest = r.subject.partition("/")
        rel: list[tuple[str, str]] = []
        if kind == "purchase-order":
            po_number = rest.rsplit("/", 1)[0] if r.action != "purchase_order.created" else rest
            if po_number not in supplier_of:
                continue
            rel.append((f"po:{po_number}", "purchase order"))
            if supplier_of[po_number] in known_suppliers:
                rel.append((f"supplier:{supplier_of[po_number]}", "supplier"))
            if rest in sku_of:
                rel.append((f"item:{sku_of[rest]}", "item"))
            name = _PO_ACTIONS[r.action]
        elif kind == "order-line" and r.action in _LINE_ACTIONS:
            rel.append((f"line:{rest}", "line"))
            name = _LINE_ACTIONS[r.action]
        else:
            continue
        yield out.event(f"audit:{r.id}", name, r.at, _AUDIT, [("actor", r.actor)], rel)


def _case_and_task_events(connection: Connection, out: _Writer, within: Any) -> Iterator[str]:
    history, cases = orm.case_history, orm.backorder_cases
    query = (
        select(history, cases.c.line_id, cases.c.sku)
        .join(cases, cases.c.case_id == history.c.case_id)
        .where(*within(history.c.at))
        .order_by(history.c.id)
    )
    for r in _rows(connection, query):
        yield out.event(
            f"case:{r.id}",
            "Case: " + r.to_state.replace("_", " "),
            r.at,
            [("from_state", "string"), ("reason", "string")],
            [("from_state", r.from_state), ("reason", r.reason)],
            [
                (f"case:{r.case_id}", "case"),
                (f"line:{r.line_id}", "line"),
                (f"item:{r.sku}", "item"),
            ],
        )
    trail, tasks = orm.task_events, orm.tasks
    query = (
        select(trail, tasks.c.case_id, tasks.c.team)
        .join(tasks, tasks.c.task_id == trail.c.task_id)
        .where(*within(trail.c.at))
        .order_by(trail.c.id)
    )
    for r in _rows(connection, query):
        rel = [(f"task:{r.task_id}", "task")]
        if r.case_id:
            rel.append((f"case:{r.case_id}", "case"))
        yield out.event(
            f"task-event:{r.id}",
            "Task " + r.action.replace("_", " "),
            r.at,
            [("actor", "string"), ("team", "string"), ("detail", "string")],
            [("actor", r.actor), ("team", r.team), ("detail", r.detail)],
            rel,
        )


def _types(types: dict[str, list[tuple[str, str]]]) -> str:
    listed = [
        {"name": name, "attributes": [{"name": a, "type": t} for a, t in attributes]}
        for name, attributes in types.items()
    ]
    return json.dumps(listed, separators=(",", ":"))


def iter_ocel(
    connection: Connection, where: KpiFilter | None = None, counts: OcelCounts | None = None
) -> Iterator[str]:
    """The OCEL 2.0 JSON document as text fragments (objects first, then events).

    `where` limits the events to its period (every object is written); the counts of what
    was written are filled into `counts` as the fragments are consumed.
    """
    out = _Writer()
    if counts is not None:
        out.counts = counts
    yield '{"objectTypes":' + _types(OBJECT_TYPES) + ',"objects":['
    yield from _joined(_objects(connection, out))
    yield '],"events":['
    yield from _joined(_events(connection, out, where))
    # Event types are known once the events are written: pm4py and the schema accept
    # the keys in any order.
    yield '],"eventTypes":' + _types(out.event_types) + "}\n"


def _joined(fragments: Iterator[str]) -> Iterator[str]:
    # Members are batched into one string per chunk: fewer, larger writes.
    batch: list[str] = []
    first = True
    for fragment in fragments:
        batch.append(fragment)
        if len(batch) >= CHUNK:
            yield ("" if first else ",") + ",".join(batch)
            first, batch = False, []
    if batch:
        yield ("" if first else ",") + ",".join(batch)


def write_ocel(connection: Connection, out: IO[str], where: KpiFilter | None = None) -> OcelCounts:
    """Write the OCEL 2.0 JSON document to `out`; returns what was written."""
    counts = OcelCounts()
    for fragment in iter_ocel(connection, where, counts):
        out.write(fragment)
    return counts

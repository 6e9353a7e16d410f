"""Database schema (SQLAlchemy Core tables); Alembic migrations are generated from it.

Natural keys (SKU, customer code, DC code, PO line) are unique; integer surrogate ids
keep the big tables narrow and let batch runs read the backlog as integer arrays.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, stored in UTC, read back zone-aware on every backend.

    SQLite keeps no zone: without this it hands back naive datetimes where PostgreSQL
    gives aware ones, and the same API would answer differently per backend.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware moments are stored in UTC (naive ones are taken to be UTC already)."""
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Naive values (SQLite) come back as UTC."""
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """Only SQLite needs the zone added; other drivers' values pass straight through."""
        if dialect.name != "sqlite":
            return self.impl_instance.result_processor(dialect, coltype)
        return super().result_processor(dialect, coltype)


Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite aliases INTEGER PRIMARY KEY to rowid

locations = Table(
    "locations",
    metadata,
    Column("location_id", Integer, primary_key=True),
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("region", String(64), nullable=False),
)

lanes = Table(
    "lanes",
    metadata,
    Column("origin", String(32), ForeignKey("locations.code"), primary_key=True),
    Column("destination", String(32), ForeignKey("locations.code"), primary_key=True),
    Column("lead_time_days", Integer, nullable=False),
    Column("cost_per_unit", Float, nullable=False, default=0.0),
)

suppliers = Table(
    "suppliers",
    metadata,
    Column("supplier_id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("lead_time_days", Integer, nullable=False, default=14),
    Column("edi_id", String(64)),
    Column("email", String(320)),
)

items = Table(
    "items",
    metadata,
    Column("item_id", Integer, primary_key=True),
    Column("sku", String(64), nullable=False, unique=True),
    Column("description", String(400), nullable=False, default=""),
    Column("uom", String(16), nullable=False, default="EA"),
    Column("unit_cost", Float, nullable=False, default=0.0),
    Column("list_price", Float, nullable=False, default=0.0),
    Column("product_line", String(64), nullable=False, default=""),
    Column("item_group", String(64), nullable=False, default=""),
    Column("supplier", String(64)),
    Column("order_multiple", Integer, nullable=False, default=1),
    Column("safety_stock", Integer, nullable=False, default=0),
    # Bumped on every allocation change of the item: the row lock that serialises them.
    Column("allocation_version", BigInteger, nullable=False, default=0),
)

item_substitutes = Table(
    "item_substitutes",
    metadata,
    Column("sku", String(64), ForeignKey("items.sku"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("substitute_sku", String(64), ForeignKey("items.sku"), nullable=False),
    Column("factor", Float, nullable=False, default=1.0),
    Column("requires_acceptance", Boolean, nullable=False, default=True),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False, default=""),
    Column("tier", String(32), nullable=False),
    Column("region", String(64), nullable=False, default=""),
    Column("home_location", String(32)),
    Column("ship_complete", Boolean, nullable=False, default=False),
    Column("substitution", String(16), nullable=False, default="ask"),
    Column("notification_channel", String(16), nullable=False, default="email"),
    Column("email", String(320)),
)

contract_commitments = Table(
    "contract_commitments",
    metadata,
    Column("customer", String(64), ForeignKey("customers.code"), primary_key=True),
    Column("sku", String(64), ForeignKey("items.sku"), primary_key=True),
    Column("quantity_per_period", Integer, nullable=False),
    Column("period", String(16), nullable=False, default="month"),
)

orders = Table(
    "orders",
    metadata,
    Column("order_id", String(64), primary_key=True),
    Column("customer", String(64), ForeignKey("customers.code"), nullable=False),
    Column("ordered_at", UtcDateTime(), nullable=False),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("line_id", Id, primary_key=True, autoincrement=True),
    Column("order_id", String(64), ForeignKey("orders.order_id"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("customer", String(64), nullable=False),
    Column("sku", String(64), ForeignKey("items.sku"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("shipped_quantity", Integer, nullable=False, default=0),
    Column("requested_date", Date, nullable=False),
    Column("promise_date", Date),
    # The promise the line got when it was placed (NULL: none then). Set once by order
    # intake and never changed: the first-pass fill rates read it for every line due, and
    # a column costs them nothing where a look-up in the promise history cost a third.
    Column("intake_promise_date", Date),
    Column("unit_price", Float, nullable=False, default=0.0),
    Column("unit_cost", Float, nullable=False, default=0.0),
    Column("ship_from", String(32)),
    Column("order_type", String(32), nullable=False, default="standard"),
    Column("ordered_at", UtcDateTime(), nullable=False),
    Column("status", String(32), nullable=False, default="open"),
    Column("allocated_quantity", Integer, nullable=False, default=0),
    Column("backordered_quantity", Integer, nullable=False, default=0),
    Column("backordered_since", Date),
    Column("updated_at", UtcDateTime(), nullable=False),
    UniqueConstraint("order_id", "line_number", name="uq_order_lines_order_line"),
    postgresql_with={"fillfactor": 80},
)
# Status and quantities change on every run: keeping them out of indexes lets PostgreSQL
# update rows in place (HOT), with the free space `fillfactor` leaves on each page.
Index("ix_order_lines_sku", order_lines.c.sku)
Index("ix_order_lines_customer", order_lines.c.customer)

promise_history = Table(
    "promise_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("line_id", BigInteger, nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("old_promise_date", Date),
    Column("promise_date", Date),
    Column("reason", String(200), nullable=False),
)

inventory = Table(
    "inventory",
    metadata,
    Column("sku", String(64), ForeignKey("items.sku"), primary_key=True),
    Column("location", String(32), ForeignKey("locations.code"), primary_key=True),
    Column("on_hand", Integer, nullable=False, default=0),
    Column("updated_at", UtcDateTime(), nullable=False),
)

purchase_orders = Table(
    "purchase_orders",
    metadata,
    Column("po_number", String(64), primary_key=True),
    Column("supplier", String(64), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("status", String(32), nullable=False, default="open"),
)

purchase_order_lines = Table(
    "purchase_order_lines",
    metadata,
    Column("source_id", String(96), primary_key=True),  # "<po_number>/<line_number>"
    Column("po_number", String(64), ForeignKey("purchase_orders.po_number"), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("sku", String(64), ForeignKey("items.sku"), nullable=False),
    Column("location", String(32), ForeignKey("locations.code"), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("received_quantity", Integer, nullable=False, default=0),
    Column("expected_date", Date, nullable=False),
    Column("confirmed_date", Date),
    Column("confirmation", String(16), nullable=False, default="unconfirmed"),
    # When the supplier first acknowledged the line (its first 855 or confirmation), kept
    # on the line for the supplier KPIs; the audit log holds every acknowledgement.
    Column("acknowledged_at", UtcDateTime()),
    Column("unit_cost", Float, nullable=False, default=0.0),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_purchase_order_lines_sku", purchase_order_lines.c.sku)
Index("ix_purchase_order_lines_po_number", purchase_order_lines.c.po_number)
Index("ix_purchase_order_lines_expected_date", purchase_order_lines.c.expected_date)
# On SQLite only, migration 0002 adds partial indexes of the open order lines and open
# purchase-order lines by item, which this metadata leaves out (PostgreSQL keeps status
# and quantities out of indexes), and migration 0003 partial indexes of late shipments and
# of PO acknowledgements for the KPIs (PostgreSQL hash-joins instead); autogenerate is
# told to ignore them. The partial index of backordered lines (migration 0001) is SQLite's
# only since migration 0007: on PostgreSQL its condition kept allocation runs from
# updating lines in place.
SQLITE_ONLY_INDEXES = frozenset(
    {
        "ix_order_lines_backordered",
        "ix_order_lines_open_sku",
        "ix_purchase_order_lines_open_sku",
        "ix_shipments_late",
        "ix_audit_log_confirmed",
    }
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("line_id", BigInteger, nullable=False),
    Column("source_id", String(96), nullable=False),  # "OH/<sku>/<dc>" or a PO line
    Column("sku", String(64), nullable=False),  # the supplying item (may be a substitute)
    Column("location", String(32), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("available_date", Date, nullable=False),
    Column("phase", String(16), nullable=False),
    Column("run_id", String(40)),
)
Index("ix_allocations_line", allocations.c.line_id)
Index("ix_allocations_sku_source", allocations.c.sku, allocations.c.source_id)
Index("ix_allocations_source", allocations.c.source_id)

shipments = Table(
    "shipments",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("line_id", BigInteger, nullable=False, index=True),
    Column("sku", String(64), nullable=False),
    Column("location", String(32), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("shipped_on", Date, nullable=False, index=True),
    Column("requested_date", Date, nullable=False),
    Column("promise_date", Date),
)

allocation_runs = Table(
    "allocation_runs",
    metadata,
    Column("run_id", String(40), primary_key=True),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("solver", String(16), nullable=False),
    Column("policy", String(120), nullable=False),
    Column("scope", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False),
    Column("summary", JSON),
    Column("requested_by", String(120)),
)

decision_records = Table(
    "decision_records",
    metadata,
    Column("line_id", BigInteger, primary_key=True),  # the latest decision per line
    Column("run_id", String(40), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("home_location", String(32), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("competing_lines", Integer, nullable=False),
    Column("segment", String(120), nullable=False),
    Column("strategy", String(16), nullable=False),
    Column("rule", Text, nullable=False),
    Column("allocated", Integer, nullable=False),
    Column("substituted", Integer, nullable=False),
    Column("ring_fenced", Integer, nullable=False),
    Column("short", Integer, nullable=False),
    Column("late", Integer, nullable=False),
    Column("promise_date", Date),
    Column("cover_date", Date),
    Column("offered_sku", String(64)),
    Column("flags", Integer, nullable=False),
    Column("decided_at", UtcDateTime(), nullable=False),
)
Index("ix_decision_records_sku_rank", decision_records.c.sku, decision_records.c.rank)

policies = Table(
    "policies",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("effective_from", Date, nullable=False),
    Column("document", Text, nullable=False),  # the YAML as written
    Column("created_at", UtcDateTime(), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(24), primary_key=True),  # public prefix of the key
    Column("name", String(120), nullable=False),
    Column("role", String(32), nullable=False),
    Column("secret_hash", String(128), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(160), nullable=False),
    Column("action", String(80), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("before", JSON),
    Column("after", JSON),
)
Index("ix_audit_log_subject", audit_log.c.subject)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("actor", String(160), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("position", Id, primary_key=True, autoincrement=True),
    Column("event_id", String(40), nullable=False, unique=True),
    Column("type", String(120), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("data", JSON, nullable=False),
    Column("occurred_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime()),
)

# -- integration: inbound messages, EDI with suppliers ----------------------------------

inbound_messages = Table(
    "inbound_messages",
    metadata,
    # The sender's message id: a message whose id is stored as applied is never applied again.
    Column("message_id", String(200), primary_key=True),
    Column("source", String(200), nullable=False),
    Column("type", String(80), nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("processed_at", UtcDateTime()),
    # applied | rejected | dead_lettered | pending (claimed, not yet decided)
    Column("outcome", String(24), nullable=False),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, default=1),
)

edi_outbound_documents = Table(
    "edi_outbound_documents",
    metadata,
    Column("document_id", Id, primary_key=True, autoincrement=True),
    Column("document_type", String(8), nullable=False),  # 997, 850
    Column("partner_qualifier", String(2), nullable=False),  # ISA07 of the document
    Column("partner_id", String(15), nullable=False),  # ISA08
    Column("interchange_control_number", String(9), nullable=False, unique=True),
    # What it answers or carries: "<qualifier>:<sender>:<ISA13>" of an inbound interchange
    # (997) or a purchase order number (850).
    Column("reference", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("content", Text, nullable=False),
)
Index(
    "ix_edi_outbound_documents_reference",
    edi_outbound_documents.c.document_type,
    edi_outbound_documents.c.reference,
)

edi_control_numbers = Table(
    "edi_control_numbers",
    metadata,
    # interchange (ISA13), group (GS06), transaction_set (ST02): counters that only go up.
    Column("name", String(32), primary_key=True),
    Column("last_value", BigInteger, nullable=False),
)

supplier_inventory_advice = Table(
    "supplier_inventory_advice",
    metadata,
    # The latest 846 quantity per supplier x item x kind (an older report never overwrites).
    Column("sender_id", String(32), primary_key=True),  # "<ISA05>:<ISA06>"
    Column("item_key", String(96), primary_key=True),  # our SKU (BP), else "VP:<vendor part>"
    Column("kind", String(32), primary_key=True),  # available, on_hand, on_order, ...
    Column("supplier", String(64)),  # our supplier code, when the sender is known
    Column("sku", String(64)),
    Column("vendor_part_number", String(64)),
    Column("quantity", Float, nullable=False),
    Column("unit", String(8)),
    Column("available_date", Date),  # DTM 018 of the quantity
    Column("report_date", Date, nullable=False),
    Column("reference", String(64), nullable=False),  # BIA03
    Column("received_at", UtcDateTime(), nullable=False),
)

supplier_invoices = Table(
    "supplier_invoices",
    metadata,
    Column("sender_id", String(32), primary_key=True),
    Column("invoice_number", String(64), primary_key=True),
    Column("supplier", String(64)),
    Column("po_number", String(64)),
    Column("invoice_date", Date, nullable=False),
    Column("currency", String(3)),
    Column("total_amount", Float, nullable=False),
    Column("match_status", String(24), nullable=False),  # matched | mismatch
    Column("received_at", UtcDateTime(), nullable=False),
)

supplier_invoice_lines = Table(
    "supplier_invoice_lines",
    metadata,
    Column("sender_id", String(32), primary_key=True),
    Column("invoice_number", String(64), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("line_number", String(20)),  # IT101 as sent
    Column("sku", String(64)),
    Column("quantity", Float, nullable=False),
    Column("unit_price", Float, nullable=False),
    Column("source_id", String(96)),  # the PO line it was matched to
    Column("invoiced_to_date", Float),  # on that PO line, this invoice included
    Column("received_quantity", Integer),  # on that PO line when the invoice arrived
    # matched | partially_invoiced | over_invoiced | price_mismatch | no_po_line
    Column("match", String(24), nullable=False),
)
Index("ix_supplier_invoice_lines_source", supplier_invoice_lines.c.source_id)

backorder_cases = Table(
    "backorder_cases",
    metadata,
    Column("case_id", String(40), primary_key=True),  # "case-<line id>"
    Column("line_id", BigInteger, nullable=False, unique=True),
    Column("sku", String(64), nullable=False),
    Column("customer", String(64), nullable=False),
    Column("state", String(32), nullable=False),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("next_check_at", UtcDateTime()),
    Column("evaluated_at", UtcDateTime()),  # the case's last look at itself
    Column("notified_promise", Date),
    Column("on_hold", Boolean, nullable=False, default=False),
    Column("hold_reason", String(200)),
    Column("released_to_warehouse", Boolean, nullable=False, default=False),
)
Index("ix_backorder_cases_state", backorder_cases.c.state)
Index("ix_backorder_cases_sku", backorder_cases.c.sku)

case_history = Table(
    "case_history",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("case_id", String(40), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("from_state", String(32)),
    Column("to_state", String(32), nullable=False),
    Column("reason", String(200), nullable=False),
)

case_actions = Table(
    "case_actions",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("key", String(160), primary_key=True),  # an action with this key was carried out
    Column("kind", String(32), nullable=False),
    Column("done_at", UtcDateTime(), nullable=False),
)

tasks = Table(
    "tasks",
    metadata,
    Column("task_id", Id, primary_key=True, autoincrement=True),
    Column("case_id", String(40)),  # the case the task belongs to, if any
    Column("cause", String(160), nullable=False),  # what it is about: a case, an invoice, ...
    Column("task_type", String(64), nullable=False),
    Column("team", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # open, claimed, resolved
    Column("owner", String(120)),
    Column("subject", String(200), nullable=False),
    Column("detail", Text, nullable=False, default=""),
    Column("opened_at", UtcDateTime(), nullable=False),
    Column("due_at", UtcDateTime(), nullable=False),
    Column("claimed_at", UtcDateTime()),
    Column("resolved_at", UtcDateTime()),
    Column("resolution", String(64)),
    Column("escalation_level", Integer, nullable=False, default=0),
    Column("breached", Boolean, nullable=False, default=False),
    Column("touches", Integer, nullable=False, default=0),  # manual actions taken on it
    # Never twice for the same cause: opening is idempotent on (cause, type).
    UniqueConstraint("cause", "task_type", name="uq_tasks_cause_type"),
)
Index("ix_tasks_team_status", tasks.c.team, tasks.c.status)

task_events = Table(
    "task_events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("task_id", BigInteger, nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("actor", String(160), nullable=False),
    Column("action", String(32), nullable=False),
    Column("detail", Text, nullable=False, default=""),
)

dispatch_cursors = Table(
    "dispatch_cursors",
    metadata,
    Column("name", String(64), primary_key=True),  # a reader of the outbox
    Column("position", BigInteger, nullable=False),  # last outbox position it handled
)

# Relay state per outbox consumer ("nats", "webhooks"): the cursor below which every event
# is done, counters for health, and the leader (a lease on SQLite; informational beside
# the PostgreSQL advisory lock that really elects it).
outbox_consumers = Table(
    "outbox_consumers",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("position", BigInteger, nullable=False, default=0),
    Column("delivered_total", BigInteger, nullable=False, default=0),
    Column("failures", BigInteger, nullable=False, default=0),
    Column("last_success_at", UtcDateTime()),
    Column("last_failure_at", UtcDateTime()),
    Column("last_error", Text),
    Column("leader", String(200)),
    Column("lease_expires_at", UtcDateTime()),
    Column("updated_at", UtcDateTime()),
)

webhook_subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("url", Text, nullable=False),
    Column("event_types", JSON, nullable=False),  # filters: exact types or "prefix.*"
    Column("description", String(200), nullable=False, default=""),
    Column("secret", String(100), nullable=False),  # HMAC key: needed in clear to sign
    Column("start_after", BigInteger, nullable=False),  # outbox position at subscription
    Column("created_at", UtcDateTime(), nullable=False),
    Column("created_by", String(160), nullable=False),
    Column("deleted_at", UtcDateTime()),
    Column("delivered_total", BigInteger, nullable=False, default=0),
    Column("failures", BigInteger, nullable=False, default=0),
    Column("last_success_at", UtcDateTime()),
    Column("last_failure_at", UtcDateTime()),
    Column("last_error", Text),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("subscription_id", String(40), ForeignKey("webhook_subscriptions.id"), nullable=False),
    Column("event_id", String(40), nullable=False),
    Column("position", BigInteger, nullable=False),
    Column("type", String(120), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("status", String(16), nullable=False),  # pending, delivered, dead, cancelled
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("last_attempt_at", UtcDateTime()),
    Column("delivered_at", UtcDateTime()),
    Column("dead_at", UtcDateTime()),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    UniqueConstraint("subscription_id", "event_id", name="uq_webhook_deliveries_event"),
)
Index("ix_webhook_deliveries_status", webhook_deliveries.c.status, webhook_deliveries.c.id)
Index(
    "ix_webhook_deliveries_subscription",
    webhook_deliveries.c.subscription_id,
    webhook_deliveries.c.status,
)

substitution_acceptances = Table(
    "substitution_acceptances",
    metadata,
    # The customer's answer to the substitute offered for a line (one answer per line):
    # accepted lines are served from the substitute, declined ones are not offered again.
    Column("line_id", BigInteger, primary_key=True),
    Column("case_id", String(40), nullable=False),
    Column("substitute_sku", String(64), nullable=False),
    Column("decision", String(16), nullable=False),  # accepted | declined
    Column("decided_at", UtcDateTime(), nullable=False),
    Column("actor", String(160), nullable=False),
    Column("note", String(400), nullable=False, default=""),
)
# The SLA scanner looks for unresolved tasks past their deadline; a case lists its tasks.
Index("ix_tasks_due_at", tasks.c.due_at)
Index("ix_tasks_case_id", tasks.c.case_id)

# -- customer notifications and finance impact -------------------------------------------

notifications = Table(
    "notifications",
    metadata,
    Column("notification_id", Id, primary_key=True, autoincrement=True),
    Column("customer", String(64), nullable=False),
    Column("order_id", String(64), nullable=False),
    Column("line_id", BigInteger, nullable=False),  # every notice is about an order line
    Column("case_id", String(40)),
    Column("kind", String(32), nullable=False),  # backordered, partial_shipment, ...
    Column("channel", String(16), nullable=False),  # email, edi, portal, none
    Column("recipient", String(320)),
    Column("subject", String(300), nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("old_promise", Date),  # what the customer had been told (or asked for)
    Column("new_promise", Date),
    Column("status", String(16), nullable=False),  # queued, sent, suppressed, failed
    Column("reason", String(400)),  # why it was suppressed or failed
    Column("created_at", UtcDateTime(), nullable=False),
    Column("sent_at", UtcDateTime()),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime()),  # also the sender's claim lease
    Column("last_error", Text),
    # One notification per cause (case action, shipment event): a retry never adds another.
    Column("dedupe_key", String(200), nullable=False, unique=True),
)
Index("ix_notifications_order_created", notifications.c.order_id, notifications.c.created_at)
Index("ix_notifications_line", notifications.c.line_id)
Index("ix_notifications_status_due", notifications.c.status, notifications.c.next_attempt_at)

revenue_shifts = Table(
    "revenue_shifts",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("line_id", BigInteger, nullable=False, index=True),
    Column("order_id", String(64), nullable=False),
    Column("customer", String(64), nullable=False),
    # Periods of the fiscal calendar in force when written; NULL: no promise date.
    Column("from_period", String(16)),
    Column("to_period", String(16)),
    Column("from_promise", Date),
    Column("to_promise", Date),
    Column("open_quantity", Integer, nullable=False),
    Column("unit_price", Float, nullable=False),
    Column("value", Float, nullable=False),  # open quantity x unit price
    Column("at", UtcDateTime(), nullable=False),
    Column("reason", String(200), nullable=False),
)
Index("ix_revenue_shifts_from_period", revenue_shifts.c.from_period)
Index("ix_revenue_shifts_to_period", revenue_shifts.c.to_period)

expedite_costs = Table(
    "expedite_costs",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("line_id", BigInteger, nullable=False, index=True),
    Column("case_id", String(40)),
    Column("cost", Float, nullable=False),
    Column("reason", String(400), nullable=False),
    Column("approved_by", String(160), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column("period", String(16), nullable=False, index=True),  # fiscal period of `at`
)

# -- replenishment, supplier follow-up, warehouse picks, expedites -------------------------

purchase_suggestions = Table(
    "purchase_suggestions",
    metadata,
    Column("suggestion_id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # purchase | transfer
    Column("sku", String(64), nullable=False),
    Column("location", String(32), nullable=False),  # the DC the supply is for
    Column("origin", String(32)),  # transfer: the DC the stock leaves
    Column("supplier", String(64)),  # purchase: the item's supplier
    Column("quantity", Integer, nullable=False),
    Column("unit_cost", Float, nullable=False),
    Column("value", Float, nullable=False),  # quantity x unit cost
    Column("expected_date", Date, nullable=False),  # when the supply would arrive
    Column("reason", Text, nullable=False),  # the numbers the quantity came from
    Column("status", String(16), nullable=False),  # suggested, approved, ordered, rejected
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("decided_by", String(160)),
    Column("decided_at", UtcDateTime()),
    Column("decision_note", String(400)),
    Column("po_number", String(64)),  # the purchase order (or transfer) it became
)
Index("ix_purchase_suggestions_status", purchase_suggestions.c.status)
# One undecided suggestion per item x DC x kind: concurrent cases share it.
Index(
    "uq_purchase_suggestions_open",
    purchase_suggestions.c.sku,
    purchase_suggestions.c.location,
    purchase_suggestions.c.kind,
    unique=True,
    postgresql_where=purchase_suggestions.c.status == "suggested",
    sqlite_where=purchase_suggestions.c.status == "suggested",
)

purchase_suggestion_cases = Table(
    "purchase_suggestion_cases",
    metadata,
    Column("suggestion_id", BigInteger, primary_key=True),
    Column("case_id", String(40), primary_key=True),
    Column("line_id", BigInteger, nullable=False),
    Column("short_quantity", Integer, nullable=False),  # units the line lacked when it asked
    Column("added_at", UtcDateTime(), nullable=False),
)
Index("ix_purchase_suggestion_cases_case", purchase_suggestion_cases.c.case_id)

supplier_reminders = Table(
    "supplier_reminders",
    metadata,
    Column("reminder_id", Id, primary_key=True, autoincrement=True),
    Column("source_id", String(96), nullable=False),  # the PO line
    Column("po_number", String(64), nullable=False),
    Column("line_number", Integer, nullable=False),
    Column("supplier", String(64), nullable=False),
    Column("email", String(320)),
    Column("case_id", String(40)),  # the case that asked first
    Column("days_overdue", Integer, nullable=False),
    Column("reminded_on", Date, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # At most one reminder per PO line and day, however many cases wait for it.
    UniqueConstraint("source_id", "reminded_on", name="uq_supplier_reminders_line_day"),
)

pick_requests = Table(
    "pick_requests",
    metadata,
    Column("pick_id", Id, primary_key=True, autoincrement=True),
    Column("line_id", BigInteger, nullable=False, index=True),
    Column("case_id", String(40)),
    Column("sku", String(64), nullable=False),  # the item on the shelf (may be a substitute)
    Column("location", String(32), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("picked_quantity", Integer),
    Column("priority", Integer, nullable=False),  # lower first (domain.warehouse)
    Column("rank", Integer),
    Column("promise_date", Date),
    Column("status", String(16), nullable=False),  # open, picked, short
    Column("created_at", UtcDateTime(), nullable=False),
    Column("confirmed_at", UtcDateTime()),
    Column("confirmed_by", String(160)),
)
Index("ix_pick_requests_queue", pick_requests.c.location, pick_requests.c.status)
Index(
    "uq_pick_requests_open",
    pick_requests.c.line_id,
    pick_requests.c.location,
    pick_requests.c.sku,
    unique=True,
    postgresql_where=pick_requests.c.status == "open",
    sqlite_where=pick_requests.c.status == "open",
)

expedite_proposals = Table(
    "expedite_proposals",
    metadata,
    Column("proposal_id", Id, primary_key=True, autoincrement=True),
    Column("line_id", BigInteger, nullable=False, index=True),
    Column("case_id", String(40)),
    Column("sku", String(64), nullable=False),
    Column("kind", String(24), nullable=False),  # premium_freight | transfer
    Column("source_id", String(96)),  # premium freight: the PO line
    Column("origin", String(32)),  # transfer: the DC the stock leaves
    Column("destination", String(32), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("cost", Float, nullable=False),
    Column("current_promise", Date, nullable=False),
    Column("new_date", Date, nullable=False),  # arrival of the expedited units
    Column("new_promise", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),  # proposed, approved, rejected
    Column("created_at", UtcDateTime(), nullable=False),
    Column("decided_by", String(160)),
    Column("decided_at", UtcDateTime()),
    Column("decision_note", String(400)),
    Column("transfer_number", String(64)),  # transfer: the inbound it created
)
Index(
    "uq_expedite_proposals_open",
    expedite_proposals.c.line_id,
    unique=True,
    postgresql_where=expedite_proposals.c.status == "proposed",
    sqlite_where=expedite_proposals.c.status == "proposed",
)

# -- risk intelligence -------------------------------------------------------------------

risk_scores = Table(
    "risk_scores",
    metadata,
    # The latest backorder-risk score of each item x DC (a scoring run replaces it).
    Column("sku", String(64), primary_key=True),
    Column("location", String(32), primary_key=True),
    Column("probability", Float, nullable=False),  # calibrated chance of a backorder
    Column("reasons", JSON, nullable=False),  # the top reasons in plain words
    Column("features", JSON, nullable=False),  # the model inputs, by name (null: unknown)
    Column("model_version", String(32), nullable=False),
    Column("scored_at", UtcDateTime(), nullable=False),
)
Index("ix_risk_scores_probability", risk_scores.c.probability)

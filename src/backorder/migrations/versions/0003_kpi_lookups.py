"""SQLite: partial indexes of late shipments and of purchase-order acknowledgements

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 09:00:00.000000

The fill-rate KPIs group the shipments made after their requested date per line
(`analytics.linefacts.late_shipments`): a few percent of the shipments, but without an
index SQLite reads the whole table for them. The supplier KPIs look up each PO line's
first acknowledgement in the audit log (`analytics.suppliers`): through the plain subject
index that reads every entry of the line (created, shipped, received...) from the table.
Each index below holds only the rows those queries want, with the columns they read, so
each is small, cheap to keep up, and answers its query by itself. SQLite uses a partial
index when the query repeats its condition (the KPI queries do).

PostgreSQL is left as it is: it hash-joins the grouped rows in one pass over each table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LATE = "shipped_on > requested_date"
CONFIRMED = "action = 'purchase_order.confirmed'"


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def upgrade() -> None:
    """Apply this migration."""
    if not _sqlite():
        return
    op.create_index(
        "ix_shipments_late",
        "shipments",
        ["line_id", "shipped_on", "quantity"],
        sqlite_where=sa.text(LATE),
    )
    op.create_index(
        "ix_audit_log_confirmed", "audit_log", ["subject", "at"], sqlite_where=sa.text(CONFIRMED)
    )


def downgrade() -> None:
    """Revert this migration."""
    if not _sqlite():
        return
    op.drop_index("ix_audit_log_confirmed", table_name="audit_log")
    op.drop_index("ix_shipments_late", table_name="shipments")

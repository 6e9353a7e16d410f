"""Purchase-order lines keep the time of their first acknowledgement

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 13:00:00.000000

Acknowledgement latency (supplier KPIs) is the time from a PO's creation to its line's
first acknowledgement. It was looked up per line in the audit log, through a partial
index of the acknowledgements on SQLite (migration 0003) and a grouping of all of them on
PostgreSQL. The purchasing handler now stores it on the line when the first one comes;
existing lines get it from the audit log here, and the partial index, which served only
that look-up, is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONFIRMED = "action = 'purchase_order.confirmed'"


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
    # The audit subject of a PO line is "purchase-order/<po>/<line>" (purchasing handler);
    # the partial index of migration 0003 answers each look-up on SQLite.
    number = "line_number" if _sqlite() else "line_number::text"
    subject = f"'purchase-order/' || purchase_order_lines.po_number || '/' || {number}"
    op.execute(
        sa.text(
            "UPDATE purchase_order_lines SET acknowledged_at = ("
            " SELECT min(a.at) FROM audit_log a"
            f" WHERE a.action = 'purchase_order.confirmed' AND a.subject = {subject})"
        )
    )
    if _sqlite():
        op.drop_index("ix_audit_log_confirmed", table_name="audit_log")


def downgrade() -> None:
    """Revert this migration."""
    if _sqlite():
        op.create_index(
            "ix_audit_log_confirmed",
            "audit_log",
            ["subject", "at"],
            sqlite_where=sa.text(CONFIRMED),
        )
    with op.batch_alter_table("purchase_order_lines", schema=None) as batch_op:
        batch_op.drop_column("acknowledged_at")

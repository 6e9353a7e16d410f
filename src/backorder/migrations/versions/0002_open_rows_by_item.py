"""SQLite: indexes of open order lines and open purchase-order lines, by item

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 04:10:00.000000

Every allocation and promise reads the open lines and the open purchase-order lines of
some items. Through the plain item indexes that also reads every line the items ever
had, so each read grows with history (tenfold over the reference distributor's 90 days).
These partial indexes hold the open rows only; SQLite uses them when a query repeats the
index's condition word for word (`adapters.backlog` does).

PostgreSQL is left as it is: there, status and quantities stay out of indexes so that
the updates of every allocation run are HOT (see `adapters.orm`).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_LINE = "status NOT IN ('cancelled', 'shipped')"
OPEN_PO_LINE = "received_quantity < quantity"


def _sqlite() -> bool:
    return bool(op.get_bind().dialect.name == "sqlite")


def upgrade() -> None:
    """Apply this migration."""
    if not _sqlite():
        return
    op.create_index(
        "ix_order_lines_open_sku", "order_lines", ["sku"], sqlite_where=sa.text(OPEN_LINE)
    )
    op.create_index(
        "ix_purchase_order_lines_open_sku",
        "purchase_order_lines",
        ["sku"],
        sqlite_where=sa.text(OPEN_PO_LINE),
    )


def downgrade() -> None:
    """Revert this migration."""
    if not _sqlite():
        return
    op.drop_index("ix_purchase_order_lines_open_sku", table_name="purchase_order_lines")
    op.drop_index("ix_order_lines_open_sku", table_name="order_lines")

"""PostgreSQL: no index of backordered lines, so allocation runs update lines in place

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 14:00:00.000000

PostgreSQL updates a row in place (HOT) only when no indexed column changes, and a
partial index's condition counts as indexed. `ix_order_lines_backordered` (line ids where
`backordered_quantity > 0`) therefore turned every line whose backorder quantity moved
into a new row version with an entry in each of the five indexes of `order_lines`. An
allocation run moves most of them: storing the first run over 1,000,000 lines took 16 s
per 200,000 lines with the index and 4.6 s without it. The backorder list walks the
primary key in line-id order instead, which stops at the page size.

SQLite rewrites a row on every update whatever its indexes, so it keeps the index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKORDERED = "backordered_quantity > 0"


def _postgres() -> bool:
    return bool(op.get_bind().dialect.name == "postgresql")


def upgrade() -> None:
    """Apply this migration."""
    if _postgres():
        op.drop_index("ix_order_lines_backordered", table_name="order_lines")


def downgrade() -> None:
    """Revert this migration."""
    if _postgres():
        op.create_index(
            "ix_order_lines_backordered",
            "order_lines",
            ["line_id"],
            postgresql_where=sa.text(BACKORDERED),
        )

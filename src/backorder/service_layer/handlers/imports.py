"""CSV import: validate a file, load its good rows through the handlers in batches, report.

Rows are checked before any handler sees them, so a batch normally loads in one
transaction. When a handler still refuses a batch, the batch is retried row by row (order
by order) so the good rows load and the bad one is reported with the handler's message.
Stock and purchase orders load without reallocating; one allocation run for the touched
items follows. Orders are allocated at intake by `place_orders`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence, Set
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

import structlog
from sqlalchemy.exc import DataError, IntegrityError

from backorder.adapters.csv_import import SPECS, customers, inventory, items, lanes, locations
from backorder.adapters.csv_import import orders as order_rows
from backorder.adapters.csv_import import purchase_orders as po_rows
from backorder.adapters.csv_import import suppliers as supplier_rows
from backorder.adapters.csv_import.fields import RowFields
from backorder.adapters.csv_import.grouped import (
    DocumentKind,
    Group,
    in_batches,
    refused_document,
    validate_documents,
)
from backorder.adapters.csv_import.parsed import Known, Parsed, RefKind, validate_rows
from backorder.adapters.csv_import.reader import CsvTable, FileSpec, RowError, read_table
from backorder.adapters.csv_import.report import ImportReport, refusal
from backorder.domain.errors import DomainError
from backorder.domain.model import ConfirmationState
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import ConflictError, InvalidInputError
from backorder.service_layer.handlers import master
from backorder.service_layer.handlers.allocation import run_allocation
from backorder.service_layer.handlers.orders import place_orders
from backorder.service_layer.handlers.purchasing import (
    PurchaseOrderInput,
    PurchaseOrderLineInput,
    create_purchase_orders,
)
from backorder.service_layer.handlers.supply import StockLevel, set_stock
from backorder.service_layer.unit_of_work import UnitOfWork

__all__ = ["BATCH_ROWS", "KINDS", "ImportReport", "Progress", "import_file"]

log = structlog.get_logger(__name__)

KINDS = tuple(SPECS)
BATCH_ROWS = 500
Progress = Callable[[int, int], None]  # (rows settled, rows in the file)
# What handlers raise for input they refuse; anything else (database down, a bug) stops.
HANDLER_ERRORS = (DomainError, IntegrityError, DataError)

T = TypeVar("T")


def import_file(
    ctx: ServiceContext,
    kind: str,
    path: Path | str,
    actor: str,
    *,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Import one CSV file of `kind`; raises `FileError` when the file is unusable."""
    if kind not in KINDS:
        raise InvalidInputError("kind", f"must be one of {', '.join(KINDS)}")
    started = time.perf_counter()
    table = read_table(Path(path), SPECS[kind])
    report = ImportReport(kind, str(path), rows_read=table.rows_read)
    log.info("csv_import.started", kind=kind, path=str(path), rows=table.rows_read)
    job = _Job(ctx, report, table, actor, progress or (lambda done, total: None), batch_rows)
    job.reject(table.errors)
    _IMPORTERS[kind](job)
    if kind == "orders":
        ids = {row.number: row.values.get("line_id") or None for row in table.rows}
        report.errors = [replace(e, source_line_id=ids.get(e.row)) for e in report.errors]
    report.errors.sort(key=lambda e: (e.row, e.field))
    report.seconds = time.perf_counter() - started
    summary = {k: v for k, v in report.to_dict().items() if k != "errors"}
    log.info("csv_import.finished", **summary)
    return report


@dataclass
class _Job:
    """One import in progress: what it reads, where it reports, how far it got."""

    ctx: ServiceContext
    report: ImportReport
    table: CsvTable
    actor: str
    progress: Progress
    batch_rows: int
    done: int = 0
    values: dict[int, dict[str, str]] = field(default_factory=dict)
    rejected: set[int] = field(default_factory=set)  # rows with an error so far

    def __post_init__(self) -> None:
        self.values = {row.number: dict(row.values) for row in self.table.rows}

    def advance(self, rows: int) -> None:
        """Count rows as settled and tell the caller."""
        self.done += rows
        if rows:
            self.progress(self.done, self.report.rows_read)

    def count(self, name: str, amount: int = 1) -> None:
        """Add to a counter of the report."""
        self.report.counters[name] = self.report.counters.get(name, 0) + amount

    def reject(self, errors: Sequence[RowError], *, settled: bool = False) -> None:
        """Report errors; rows not reported before count as settled (unless `settled`)."""
        new = {e.row for e in errors} - self.rejected
        self.rejected |= new
        self.report.errors.extend(errors)
        if not settled:
            self.advance(len(new))

    def handler_error(self, row: int, error: Exception) -> RowError:
        """A handler's refusal of one row, pinned to the column it names when it names one."""
        if isinstance(error, InvalidInputError):
            reason = str(error).removeprefix(f"{error.field}: ")
            return refusal(row, self.values.get(row, {}), error.field, reason)
        original = getattr(error, "orig", None)  # a database error: its driver's first line
        text = str(original if original is not None else error).strip() or type(error).__name__
        return RowError(row, "", "", text.splitlines()[0])

    def lookup(self, wanted: dict[RefKind, set[str]]) -> Known:
        """Which of the keys the file refers to exist in the database."""
        return known_references(self.ctx, wanted)

    def valid(
        self, parse_row: Callable[[RowFields], Parsed[T] | None], spec: FileSpec
    ) -> list[Parsed[T]]:
        """Rows that parse, are not duplicates and refer to things that exist."""
        result = validate_rows(self.table, parse_row, spec, self.lookup)
        self.reject(result.errors)
        return result.parsed

    def load(
        self,
        rows: Sequence[Parsed[T]],
        save: Callable[[list[T]], None],
        *,
        counted: Set[int] | None = None,
    ) -> list[Parsed[T]]:
        """Save rows in batches, one at a time for a refused batch; `counted` rows are final."""
        loaded: list[Parsed[T]] = []
        for start in range(0, len(rows), self.batch_rows):
            batch = rows[start : start + self.batch_rows]
            try:
                save([p.value for p in batch])
                done = list(batch)
            except HANDLER_ERRORS as error:
                self._retrying(batch[0].row, len(batch), error)
                done = []
                for p in batch:
                    try:
                        save([p.value])
                        done.append(p)
                    except HANDLER_ERRORS as row_error:
                        self.reject([self.handler_error(p.row, row_error)])
            final = [p for p in done if counted is None or p.row in counted]
            self.report.rows_loaded += len(final)
            self.advance(len(final))
            loaded.extend(done)
        return loaded

    def _retrying(self, first_row: int, rows: int, error: Exception) -> None:
        log.warning(
            "csv_import.batch_refused",
            kind=self.report.kind,
            first_row=first_row,
            rows=rows,
            error=str(error).splitlines()[0],
        )
        self.count("batches_retried_one_by_one")

    def documents(
        self, kind: DocumentKind[T], exists: Callable[[UnitOfWork, str], bool]
    ) -> list[Group[T]]:
        """Documents to load; stored ones are skipped, those with a bad row rejected whole."""

        def stored(keys: list[str]) -> set[str]:
            with self.ctx.reader() as uow:
                return {key for key in keys if exists(uow, key)}

        settled = validate_documents(self.table, kind, self.lookup, stored)
        outcomes = (settled.accepted, settled.skipped, settled.rejected)
        self.count(f"{kind.plural}_read", sum(len(groups) for groups in outcomes))
        self.count(f"{kind.plural}_loaded", 0)
        self.count(f"{kind.plural}_skipped", len(settled.skipped))
        self.count(f"{kind.plural}_rejected", len(settled.rejected))
        skipped_rows = sum(len(g.rows) for g in settled.skipped)
        self.report.rows_skipped += skipped_rows
        self.advance(skipped_rows)
        self.reject(settled.errors)
        return settled.accepted

    def load_documents(
        self,
        groups: Sequence[Group[T]],
        save: Callable[[list[Group[T]]], None],
        kind: DocumentKind[T],
        batch_rows: int,
    ) -> None:
        """Save documents in batches, one at a time for a refused batch."""
        for batch in in_batches(groups, batch_rows):
            if len(batch) > 1:
                try:
                    save(batch)
                    self._documents_loaded(batch, kind)
                    continue
                except HANDLER_ERRORS as error:
                    self._retrying(batch[0].rows[0], sum(len(g.rows) for g in batch), error)
            for group in batch:
                try:
                    save([group])
                    self._documents_loaded([group], kind)
                except ConflictError:  # stored by someone else since the check: as good as done
                    self.count(f"{kind.plural}_skipped")
                    self.report.rows_skipped += len(group.rows)
                    self.advance(len(group.rows))
                except HANDLER_ERRORS as error:
                    path = error.field if isinstance(error, InvalidInputError) else None
                    refuse = functools.partial(self.handler_error, error=error)
                    self.reject(refused_document(group, kind, path, refuse))
                    self.count(f"{kind.plural}_rejected")

    def _documents_loaded(self, groups: Sequence[Group[T]], kind: DocumentKind[T]) -> None:
        rows = sum(len(g.rows) for g in groups)
        self.count(f"{kind.plural}_loaded", len(groups))
        self.report.rows_loaded += rows
        self.advance(rows)

    def allocate(self, skus: Set[str]) -> None:
        """One allocation run for the items whose supply changed."""
        if not skus:
            return
        try:
            run = run_allocation(self.ctx, skus=sorted(skus), solver="priority", actor=self.actor)
        except DomainError as error:
            self.report.allocation_error = str(error)
            log.error("csv_import.allocation_failed", kind=self.report.kind, error=str(error))
            return
        measures = ("lines", "allocated_units", "backordered_units")
        self.report.allocation = {"run_id": run.run_id, "items": len(skus)} | {
            name: run.summary.get(name) for name in measures
        }


def known_references(ctx: ServiceContext, wanted: dict[RefKind, set[str]]) -> Known:
    """Which of the wanted keys exist in the database, by kind."""
    known: dict[RefKind, set[str]] = {kind: set() for kind in RefKind}
    with ctx.reader() as uow:
        if wanted[RefKind.ITEM]:
            known[RefKind.ITEM] = uow.master.known_skus(wanted[RefKind.ITEM])
        if wanted[RefKind.LOCATION]:
            known[RefKind.LOCATION] = {loc.code for loc in uow.master.locations()}
        if wanted[RefKind.SUPPLIER]:
            known[RefKind.SUPPLIER] = {s.code for s in uow.master.suppliers()}
        if wanted[RefKind.CUSTOMER]:
            found = uow.master.customers(sorted(wanted[RefKind.CUSTOMER]))
            known[RefKind.CUSTOMER] = {c.code for c in found}
    return known


# -- master data and stock ---------------------------------------------------------------


def _saver(
    save: Callable[[ServiceContext, Sequence[T], str], list[master.Saved]],
    job: _Job,
    created: set[str],
) -> Callable[[list[T]], None]:
    """A create-or-update handler as a batch saver that notes the keys it created."""

    def saving(batch: list[T]) -> None:
        created.update(s.key for s in save(job.ctx, batch, job.actor) if s.created)

    return saving


def _count_created(job: _Job, created: set[str], loaded: Set[str]) -> None:
    job.count("created", len(created & loaded))
    job.count("updated", len(loaded) - len(created & loaded))


def _master(
    parse_row: Callable[[RowFields], Parsed[T] | None],
    spec: FileSpec,
    save: Callable[[ServiceContext, Sequence[T], str], list[master.Saved]],
) -> Callable[[_Job], None]:
    """The importer of a master-data kind whose references are all in the database."""

    def run(job: _Job) -> None:
        created: set[str] = set()
        loaded = job.load(job.valid(parse_row, spec), _saver(save, job, created))
        _count_created(job, created, {p.key for p in loaded})

    return run


def _import_items(job: _Job) -> None:
    plan = items.validate_items(job.table, job.lookup)
    job.reject(plan.errors)
    created: set[str] = set()
    save = _saver(master.save_items, job, created)
    final = plan.final_in_first
    loaded = {p.key for p in job.load(plan.first, save, counted=final) if p.row in final}
    # A new item refused in this second pass stays stored without substitutes; its row is
    # reported as rejected all the same.
    second = [p for p in plan.second if p.row not in job.rejected]
    loaded |= {p.key for p in job.load(second, save)}
    _count_created(job, created, loaded)


def _import_inventory(job: _Job) -> None:
    rows = job.valid(inventory.parse_row, inventory.SPEC)
    touched: set[str] = set()
    job.count("levels_changed", 0)

    def save(batch: list[inventory.StockRow]) -> None:
        levels = [StockLevel(r.sku, r.location, r.on_hand) for r in batch]
        changed = set_stock(job.ctx, levels, job.actor, reallocate=False)
        job.count("levels_changed", changed)
        if changed:
            touched.update(r.sku for r in batch)

    job.load(rows, save)
    job.allocate(touched)


# -- documents ---------------------------------------------------------------------------


def _import_orders(job: _Job) -> None:
    accepted = job.documents(order_rows.KIND, lambda uow, key: uow.orders.order_exists(key))
    now = job.ctx.clock.now()
    job.count("lines_backordered", 0)

    def save(batch: list[Group[order_rows.OrderRow]]) -> None:
        placed = place_orders(job.ctx, [order_rows.to_order(g, now) for g in batch], job.actor)
        job.count("lines_backordered", sum(1 for p in placed for o in p.lines if o.backordered))

    job.load_documents(accepted, save, order_rows.KIND, job.batch_rows)


def _import_purchase_orders(job: _Job) -> None:
    accepted = job.documents(po_rows.KIND, lambda uow, key: uow.supply.po_exists(key))
    touched: set[str] = set()

    def save(batch: list[Group[po_rows.PurchaseOrderRow]]) -> None:
        orders = [_purchase_order(group) for group in batch]
        create_purchase_orders(job.ctx, orders, job.actor, reallocate=False)
        touched.update(line.sku for po in orders for line in po.lines)
        confirmed = [
            line
            for po in orders
            for line in po.lines
            if line.confirmation is not ConfirmationState.UNCONFIRMED
        ]
        job.count("lines_confirmed_or_shipped", len(confirmed))

    job.count("lines_confirmed_or_shipped", 0)
    job.load_documents(accepted, save, po_rows.KIND, job.batch_rows)
    job.allocate(touched)


def _purchase_order(group: Group[po_rows.PurchaseOrderRow]) -> PurchaseOrderInput:
    rows = [p.value for p in po_rows.KIND.lines(group)]
    lines = tuple(
        PurchaseOrderLineInput(
            r.sku, r.location, r.quantity, r.expected_date, r.unit_cost, r.confirmation
        )
        for r in rows
    )
    return PurchaseOrderInput(group.key, rows[0].supplier, lines)


_IMPORTERS: dict[str, Callable[[_Job], None]] = {
    "items": _import_items,
    "locations": _master(locations.parse_row, locations.SPEC, master.save_locations),
    "lanes": _master(lanes.parse_row, lanes.SPEC, master.save_lanes),
    "suppliers": _master(supplier_rows.parse_row, supplier_rows.SPEC, master.save_suppliers),
    "customers": _master(customers.parse_row, customers.SPEC, master.save_customers),
    "inventory": _import_inventory,
    "orders": _import_orders,
    "purchase-orders": _import_purchase_orders,
}

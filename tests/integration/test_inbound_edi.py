"""Supplier EDI through the service on both databases: apply, report, acknowledge, once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from backorder.adapters import orm
from backorder.adapters.edi import parse_inbound
from backorder.adapters.repositories.edi import EdiRepository
from backorder.bootstrap import Application
from backorder.domain.model import ConfirmationState, Item, Location, Supplier
from backorder.service_layer.errors import ConflictError
from backorder.service_layer.handlers import master, purchasing
from backorder.service_layer.handlers.edi_inbound import import_edi
from backorder.service_layer.handlers.edi_outbound import OurIdentity, purchase_order_850
from tests.integration.helpers import count, in_days

DATA = Path(__file__).resolve().parents[1] / "data" / "edi"
ACTOR = "edi test"


def sample(name: str) -> str:
    """A sample interchange file."""
    return (DATA / name).read_bytes().decode("utf-8")


@pytest.fixture
def app(application: Application) -> Application:
    """A DC, four suppliers with EDI ids, the items of the sample files and three POs."""
    ctx = application.context
    master.save_locations(ctx, [Location("DC-CENTRAL", "central")], "test")
    master.save_suppliers(
        ctx,
        [
            Supplier("ACME", edi_id="ACMESUPPLY"),
            Supplier("GLOBEX", edi_id="01:048123456"),
            Supplier("INITECH", edi_id="INITECH"),
            Supplier("UMBRELLA", edi_id="ZZ:UMBRELLA"),
        ],
        "test",
    )
    skus = ["WID-100", "WID-200", "WID-300", "WID-400", "WID-700", "WID-701"]
    master.save_items(ctx, [Item(sku) for sku in skus], "test")

    def line(sku: str, quantity: int, cost: float = 0.0) -> purchasing.PurchaseOrderLineInput:
        return purchasing.PurchaseOrderLineInput(sku, "DC-CENTRAL", quantity, in_days(30), cost)

    purchasing.create_purchase_orders(
        ctx,
        [
            purchasing.PurchaseOrderInput(
                "PO-2024-0042",
                "ACME",
                (
                    line("WID-100", 100, 12.5),
                    line("WID-200", 50, 7.25),
                    line("WID-300", 10),
                    line("WID-400", 24),
                ),
            ),
            purchasing.PurchaseOrderInput("PO-2024-0060", "UMBRELLA", (line("WID-700", 12),)),
            purchasing.PurchaseOrderInput("PO-2024-0061", "UMBRELLA", (line("WID-701", 5),)),
        ],
        "test",
    )
    return application


def po_lines(app: Application, po_number: str) -> dict[int, purchasing.PurchaseOrderLine]:
    """The stored lines of a purchase order by number."""
    with app.context.reader() as uow:
        return {line.line_number: line for line in uow.supply.po_lines(po_number)}


def test_an_855_confirms_re_dates_re_quantifies_and_rejects(app: Application) -> None:
    report = import_edi(app.context, sample("acme_855_4010.edi"), ACTOR)
    (applied,) = report.sets
    assert (applied.outcome, applied.acknowledged, applied.applied_lines) == ("applied", "A", 4)
    lines = po_lines(app, "PO-2024-0042")
    assert (lines[1].confirmation, lines[1].confirmed_date) == (
        ConfirmationState.CONFIRMED,
        date(2024, 3, 18),
    )
    # Backordered in part: confirmed for the later date of its parts.
    assert (lines[2].quantity, lines[2].confirmed_date) == (50, date(2024, 4, 15))
    assert (lines[3].confirmation, lines[3].open_quantity) == (ConfirmationState.REJECTED, 0)
    assert (lines[4].quantity, lines[4].confirmed_date) == (20, date(2024, 3, 22))
    (ack,) = report.acknowledgements
    assert "AK1*PR*4711" in ack.content
    assert "AK5*A" in ack.content
    assert report.exit_code == 0


def test_a_file_sent_twice_changes_nothing_and_gets_the_same_997(app: Application) -> None:
    first = import_edi(app.context, sample("acme_855_4010.edi"), ACTOR)
    with app.context.reader() as uow:
        audit_rows = len(uow.platform.audit_trail("purchase-order/PO-2024-0042/4"))
    second = import_edi(app.context, sample("acme_855_4010.edi"), ACTOR)
    assert [s.outcome for s in second.sets] == ["duplicate"]
    assert second.acknowledgements[0].sent_before
    assert second.acknowledgements[0].document_id == first.acknowledgements[0].document_id
    assert count(app, orm.edi_outbound_documents) == 1
    with app.context.reader() as uow:
        assert len(uow.platform.audit_trail("purchase-order/PO-2024-0042/4")) == audit_rows


def test_an_856_ships_what_it_can_match_and_locates_what_it_cannot(app: Application) -> None:
    report = import_edi(app.context, sample("acme_856_4010.edi"), ACTOR)
    (shipped,) = report.sets
    assert (shipped.outcome, shipped.lines, shipped.applied_lines) == ("partially_applied", 3, 2)
    (problem,) = shipped.problems
    assert problem.code == "application.unknown_po"
    assert "PO-2024-0038" in problem.reason
    assert (problem.segment_id, problem.segment_position_in_set) == ("HL", 24)
    assert problem.segment_position_in_file == 26
    lines = po_lines(app, "PO-2024-0042")
    assert lines[1].confirmation is ConfirmationState.SHIPPED
    assert lines[2].confirmed_date == date(2024, 3, 21)  # DTM 017 expected delivery
    assert lines[3].confirmation is ConfirmationState.UNCONFIRMED
    assert report.exit_code == 1


def test_a_broken_set_does_not_stop_the_good_ones(app: Application) -> None:
    report = import_edi(app.context, sample("three_interchanges.edi"), ACTOR)
    outcomes = [(s.transaction_set_id, s.control_number, s.outcome) for s in report.sets]
    assert outcomes == [
        ("855", "0001", "applied"),
        ("846", "7701", "applied"),
        ("856", "0001", "applied"),
        ("856", "0002", "refused_by_parser"),
    ]
    assert any(e.transaction_set_control_number == "0002" for e in report.errors)
    assert po_lines(app, "PO-2024-0060")[1].confirmation is ConfirmationState.SHIPPED
    assert po_lines(app, "PO-2024-0061")[1].confirmation is ConfirmationState.UNCONFIRMED
    answers = {a.answers: a.content for a in report.acknowledgements}
    assert set(answers) == {
        "ZZ:ACMESUPPLY:000004711",
        "01:048123456:000000077",
        "ZZ:UMBRELLA:000000090",
    }
    assert "AK5*R" in answers["ZZ:UMBRELLA:000000090"]
    assert "AK9*P*2*2*1" in answers["ZZ:UMBRELLA:000000090"]
    with app.engine.connect() as connection:
        advice = EdiRepository(connection).inventory_advice("WID-100")
    assert {(a["kind"], a["quantity"]) for a in advice} == {
        ("available", 250),
        ("on_hand", 300),
        ("on_order", 500),
    }
    assert {a["supplier"] for a in advice} == {"GLOBEX"}


def test_an_invoice_is_matched_to_receipts(app: Application) -> None:
    purchasing.receive_goods(
        app.context,
        [
            purchasing.GoodsReceipt("PO-2024-0042", 1, 100),
            purchasing.GoodsReceipt("PO-2024-0042", 2, 10),
        ],
        "test",
    )
    report = import_edi(app.context, sample("initech_810_5010.edi"), ACTOR)
    (invoice,) = report.sets
    assert invoice.outcome == "applied"  # stored; the mismatch is reported, not refused
    assert invoice.details is not None
    assert invoice.details["match_status"] == "mismatch"
    assert [line["match"] for line in invoice.details["lines"]] == ["matched", "over_invoiced"]
    (mismatch,) = invoice.problems
    assert (mismatch.severity, mismatch.code) == ("mismatch", "invoice.over_invoiced")
    assert "20 invoiced so far but 10 received" in mismatch.reason
    # Finance gets a task to settle it with the supplier before paying.
    with app.engine.connect() as connection:
        tasks = connection.execute(
            select(orm.tasks).where(orm.tasks.c.task_type == "invoice_mismatch")
        ).all()
    [task] = tasks
    assert (task.team, task.case_id, task.status) == ("finance", None, "open")
    number = invoice.details["invoice_number"]
    assert task.cause.startswith("invoice:")
    assert task.cause.endswith(f":{number}")
    assert f"Invoice {number} from" in task.subject
    assert "20 invoiced so far but 10 received" in task.detail
    # The same invoice number in a new interchange is refused.
    again = sample("initech_810_5010.edi").replace("000000315", "000000316")
    (refused,) = import_edi(app.context, again, ACTOR).sets
    assert refused.outcome == "rejected"
    assert "recorded already" in refused.problems[0].reason


def test_an_850_is_written_once_with_control_numbers_never_reused(app: Application) -> None:
    us = OurIdentity()
    written = purchase_order_850(app.context, "PO-2024-0042", us, ACTOR)
    import_edi(app.context, sample("acme_855_4010.edi"), ACTOR)  # takes numbers for its 997
    again = purchase_order_850(app.context, "PO-2024-0042", us, ACTOR)
    purchase_order_850(app.context, "PO-2024-0060", us, ACTOR)
    assert (again.document_id, again.content) == (written.document_id, written.content)
    with app.engine.connect() as connection:
        documents = EdiRepository(connection).outbound_documents(0, 10)
    assert [(d.document_type, d.interchange_control_number) for d in documents] == [
        ("850", "000000001"),
        ("997", "000000002"),
        ("850", "000000003"),
    ]
    assert "BEG*00*SA*PO-2024-0042**" in written.content
    assert "PO1*3*10*EA***BP*WID-300~" in written.content
    assert "ISA*00*          *00*          *ZZ*BACKORDERCO    *ZZ*ACMESUPPLY     *" in (
        written.content
    )
    # What we send is well-formed X12: our own reader gets through its envelope (and then
    # says it does not take 850s in).
    assert [e.code for e in parse_inbound(written.content).errors] == ["envelope.set_not_supported"]


def test_an_850_needs_the_suppliers_edi_id(app: Application) -> None:
    purchasing.create_purchase_order(
        app.context,
        "PO-NOEDI",
        "ACME",
        [purchasing.PurchaseOrderLineInput("WID-100", "DC-CENTRAL", 1, in_days(9))],
        "test",
    )
    master.save_suppliers(app.context, [Supplier("ACME")], "test")
    with pytest.raises(ConflictError, match="has no EDI id"):
        purchase_order_850(app.context, "PO-NOEDI", OurIdentity(), ACTOR)

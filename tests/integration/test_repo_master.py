"""Master data round-trips through its repository on both backends."""

from __future__ import annotations

from backorder.bootstrap import Application
from backorder.domain.model import (
    ContractCommitment,
    Customer,
    Item,
    Location,
    Period,
    Substitute,
    SubstitutionAcceptance,
    Supplier,
    Tier,
    TransferLane,
)
from tests.integration.helpers import seed_master


def test_master_data_round_trips(application: Application) -> None:
    seed_master(application)

    with application.context.reader() as uow:
        assert uow.master.locations() == [
            Location("EAST", "east", "East DC"),
            Location("WEST", "west", ""),
        ]
        assert sorted(uow.master.lanes(), key=lambda lane: lane.origin) == [
            TransferLane("EAST", "WEST", 3, 0.5),
            TransferLane("WEST", "EAST", 4, 0.75),
        ]
        assert uow.master.suppliers() == [
            Supplier("ACME", "Acme Corp", 21, "ACME01", "po@acme.example")
        ]
        items = uow.master.items()
        assert [i.sku for i in items] == ["A", "B", "C"]
        assert items[0] == Item("A", "bolt", "EA", 4.0, 10.0, "fasteners", "g1", (), "ACME", 10, 2)
        assert items[1].substitutes == (Substitute("A", 2.0, False), Substitute("C", 1.0, True))
        assert uow.master.items(["C", "nope"]) == [Item("C", "screw")]
        assert sorted(uow.master.substitute_links()) == [("B", "A"), ("B", "C")]
        # A reaches C through B (links count either way); an unknown item is its own group.
        assert uow.master.substitution_group(["A"]) == ["A", "B", "C"]
        assert uow.master.substitution_group(["Z"]) == ["Z"]
        # Past one query's worth of items the link table is read whole: the same groups.
        many = ["A"] + [f"N{i:04d}" for i in range(600)]
        assert uow.master.substitution_group(many) == sorted(["B", "C", *many])
        assert uow.master.known_skus(["A", "B", "Z"]) == {"A", "B"}
        strategic = uow.master.customer("C-STR")
        assert strategic == Customer(
            "C-STR",
            "Strategic plc",
            Tier.STRATEGIC,
            "east",
            "EAST",
            (ContractCommitment("A", 50, Period.WEEK), ContractCommitment("B", 9, Period.MONTH)),
            ship_complete=True,
            substitution=SubstitutionAcceptance.PRE_ACCEPTED,
            notification_channel="edi",
            email="buyer@str.example",
        )
        assert uow.master.customer("nobody") is None
        assert [c.code for c in uow.master.customers(["C-WEST", "C-STD", "x"])] == [
            "C-STD",
            "C-WEST",
        ]


def test_saving_again_updates_and_replaces_substitutes_and_contracts(
    application: Application,
) -> None:
    seed_master(application)

    with application.context.unit_of_work() as uow:
        nut = Item("B", "hex nut", substitutes=(Substitute("C", 1.5),))
        assert uow.master.save_item(nut) is False
        assert (
            uow.master.save_customer(Customer("C-STR", tier=Tier.CONTRACT, contracts=())) is False
        )
        assert uow.master.save_location(Location("NORTH", "north")) is True
        assert uow.master.save_lane(TransferLane("EAST", "WEST", 2, 0.25)) is False
        assert uow.master.save_supplier(Supplier("ACME", "Acme Inc")) is False
        uow.commit()

    with application.context.reader() as uow:
        [nut] = uow.master.items(["B"])
        assert (nut.description, nut.substitutes) == ("hex nut", (Substitute("C", 1.5),))
        customer = uow.master.customer("C-STR")
        assert customer is not None
        assert (customer.tier, customer.contracts, customer.home_location) == (
            Tier.CONTRACT,
            (),
            None,
        )
        assert [loc.code for loc in uow.master.locations()] == ["EAST", "NORTH", "WEST"]
        lane = next(x for x in uow.master.lanes() if x.origin == "EAST")
        assert (lane.lead_time_days, lane.cost_per_unit) == (2, 0.25)
        assert uow.master.suppliers()[0].name == "Acme Inc"


def test_pages_of_items_and_customers_follow_the_key(application: Application) -> None:
    seed_master(application)

    with application.context.reader() as uow:
        assert [i.sku for i in uow.master.items_page(None, 2)] == ["A", "B"]
        assert [i.sku for i in uow.master.items_page("B", 2)] == ["C"]
        assert [c.code for c in uow.master.customers_page("C-STD", 10)] == ["C-STR", "C-WEST"]

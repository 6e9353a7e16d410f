"""The reference-distributor generator: determinism, integrity, ordering, behaviour."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import pytest

from backorder.domain.model import ConfirmationState, SupplyKind, Tier
from backorder.scenario.reference import (
    GoodsReceived,
    OrderLineCancelled,
    OrderLineQuantityChanged,
    OrderPlaced,
    PurchaseOrderPlaced,
    ReferenceScenario,
    ReferenceSpec,
    ShipmentNotified,
    SupplierAcknowledged,
    fingerprint,
    generate,
)
from backorder.scenario.reference.events import EVENT_ORDER
from backorder.scenario.reference.stats import net_stock, receipt_delays, surge_ratios


def test_same_seed_gives_identical_scenario(small: ReferenceScenario) -> None:
    again = generate(ReferenceSpec.small(seed=11))
    assert fingerprint(again) == fingerprint(small)
    assert again.events == small.events


def test_other_seed_gives_other_scenario(small: ReferenceScenario) -> None:
    assert fingerprint(generate(ReferenceSpec.small(seed=12))) != fingerprint(small)


def test_fingerprint_does_not_depend_on_hash_seed(small: ReferenceScenario) -> None:
    code = (
        "from backorder.scenario.reference import ReferenceSpec, fingerprint, generate;"
        "print(fingerprint(generate(ReferenceSpec.small(seed=11))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONHASHSEED": "12345"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == fingerprint(small)


def test_sizes_follow_the_spec(small: ReferenceScenario) -> None:
    assert len(small.items) == 300
    assert len(small.customers) == 60
    assert len(small.suppliers) == 20
    assert len(small.locations) == 6
    assert len(small.lanes) == 30
    assert Counter(loc.region for loc in small.locations) == {"east": 2, "central": 2, "west": 2}
    summary = small.summary()
    assert summary["order_lines"] == sum(1 for _ in small.order_lines()) > 2_000
    assert summary["unreliable_suppliers"] == list(small.unreliable_suppliers)
    assert len(small.unreliable_suppliers) == 2


def test_scale_knob_shrinks_items_customers_and_volume() -> None:
    spec = ReferenceSpec(seed=3, days=10, scale=0.06)
    assert (spec.n_items, spec.n_customers, spec.target_lines_per_day) == (300, 48, 75.0)
    scenario = generate(spec)
    assert len(scenario.items) == 300
    assert len(scenario.customers) == 48


@pytest.mark.parametrize(
    "bad",
    [
        {"days": 0},
        {"items": 10},
        {"suppliers": 3},
        {"unreliable_suppliers": 11},
        {"surge_factor": 0.5},
    ],
)
def test_spec_rejects_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        ReferenceSpec(**bad)  # type: ignore[arg-type]


def test_lanes_are_fast_and_cheap_within_a_region(small: ReferenceScenario) -> None:
    region = {loc.code: loc.region for loc in small.locations}
    same = [lane for lane in small.lanes if region[lane.origin] == region[lane.destination]]
    cross = [lane for lane in small.lanes if region[lane.origin] != region[lane.destination]]
    assert len(same) == 6
    assert all(1 <= lane.lead_time_days <= 2 for lane in same)
    assert all(3 <= lane.lead_time_days <= 6 for lane in cross)
    assert max(lane.cost_per_unit for lane in same) < min(lane.cost_per_unit for lane in cross)


def test_master_data_is_plausible(small: ReferenceScenario) -> None:
    for item in small.items:
        assert 0 < item.unit_cost < item.list_price
        assert item.order_multiple >= 1
        assert item.safety_stock >= 0
        assert item.product_line
        assert item.item_group
        assert item.description
    lead = {s.code: s.lead_time_days for s in small.suppliers}
    assert all(5 <= d <= 15 or 30 <= d <= 60 for d in lead.values())
    assert any(d >= 30 for d in lead.values())
    assert any(d <= 15 for d in lead.values())
    assert len({s.edi_id for s in small.suppliers}) == 20
    assert all(s.email and "@" in s.email for s in small.suppliers)
    tiers = Counter(c.tier for c in small.customers)
    assert tiers == {Tier.STRATEGIC: 3, Tier.CONTRACT: 15, Tier.STANDARD: 42}
    home_region = {loc.code: loc.region for loc in small.locations}
    for customer in small.customers:
        assert home_region[customer.home_location or ""] == customer.region
        assert bool(customer.contracts) == (customer.tier is not Tier.STANDARD)


def test_references_resolve(small: ReferenceScenario) -> None:
    skus = {item.sku for item in small.items}
    customers = {c.code for c in small.customers}
    suppliers = {s.code for s in small.suppliers}
    locations = {loc.code for loc in small.locations}
    item = {i.sku: i for i in small.items}
    for i in small.items:
        assert i.supplier in suppliers
        for sub in i.substitutes:
            assert sub.sku in skus
            assert sub.sku != i.sku
            assert item[sub.sku].item_group == i.item_group
            assert sub.factor in (0.5, 1.0, 2.0)
        assert len(i.substitutes) <= 2
    for customer in small.customers:
        assert all(k.sku in skus for k in customer.contracts)
    for source in small.initial_supply:
        assert source.sku in skus
        assert source.location in locations
        if source.kind is SupplyKind.PURCHASE_ORDER:
            assert source.supplier == item[source.sku].supplier
    line_ids: set[int] = set()
    for event in small.events:
        if isinstance(event, OrderPlaced):
            assert event.order.customer in customers
            for line in event.order.lines:
                assert line.sku in skus
                assert line.customer == event.order.customer
                assert line.ship_from in locations
                assert line.line_id not in line_ids
                line_ids.add(line.line_id)
        elif isinstance(event, PurchaseOrderPlaced):
            assert event.supplier in suppliers
            for source in event.lines:
                assert source.sku in skus
                assert source.location in locations
                assert item[source.sku].supplier == event.supplier
                assert source.quantity % item[source.sku].order_multiple == 0
        elif isinstance(event, OrderLineCancelled | OrderLineQuantityChanged):
            assert event.line_id in line_ids  # placed earlier in the stream
    assert sorted(line_ids) == list(range(1, len(line_ids) + 1))


def test_supplier_messages_refer_to_known_po_lines(small: ReferenceScenario) -> None:
    known = {s.source_id for s in small.initial_supply if s.kind is SupplyKind.PURCHASE_ORDER}
    for event in small.events:
        if isinstance(event, PurchaseOrderPlaced):
            known.update(line.source_id for line in event.lines)
        elif isinstance(event, SupplierAcknowledged | ShipmentNotified):
            assert event.source_id in known
        elif isinstance(event, GoodsReceived):
            assert event.source_id in known
            assert event.source_id.startswith(event.po_number + "/")


def test_identifiers_have_their_formats(small: ReferenceScenario) -> None:
    for event in small.events:
        if isinstance(event, OrderPlaced):
            assert re.fullmatch(r"SO-\d{7}", event.order.order_id)
        elif isinstance(event, PurchaseOrderPlaced):
            assert re.fullmatch(r"PO-26-\d{6}", event.po_number)
            for number, line in enumerate(event.lines, start=1):
                assert line.source_id == f"{event.po_number}/{number}"
    for source in small.initial_supply:
        if source.kind is SupplyKind.ON_HAND:
            assert source.source_id == f"OH/{source.sku}/{source.location}"
        else:
            assert re.fullmatch(r"PO-26-\d{6}/\d+", source.source_id)


def test_events_are_time_ordered_and_causal(small: ReferenceScenario) -> None:
    start = small.spec.start
    begin = small.events[0].at.replace(hour=0, minute=0)
    end = begin + timedelta(days=small.spec.days)
    assert begin.date() == start
    keys = [(e.at, EVENT_ORDER.index(type(e))) for e in small.events]
    assert keys == sorted(keys)
    assert all(begin <= e.at < end for e in small.events)
    placed: dict[int, datetime] = {}
    po_placed: dict[str, datetime] = {}
    for event in small.events:
        if isinstance(event, OrderPlaced):
            assert event.order.ordered_at == event.at
            for line in event.order.lines:
                assert line.ordered_at == event.at
                assert 0 <= (line.requested_date - event.at.date()).days <= 21
                assert line.requested_date.weekday() < 5
                placed[line.line_id] = event.at
        elif isinstance(event, OrderLineCancelled | OrderLineQuantityChanged):
            assert placed[event.line_id] < event.at
        elif isinstance(event, PurchaseOrderPlaced):
            po_placed[event.po_number] = event.at
        elif isinstance(event, GoodsReceived) and event.po_number in po_placed:
            assert po_placed[event.po_number] < event.at


def test_opening_stock_covers_every_item_and_dc(small: ReferenceScenario) -> None:
    on_hand = [s for s in small.initial_supply if s.kind is SupplyKind.ON_HAND]
    assert len(on_hand) == 300 * 6
    assert all(s.available_date == small.spec.start for s in on_hand)
    assert sum(s.quantity for s in on_hand) > 0
    open_po = [s for s in small.initial_supply if s.kind is SupplyKind.PURCHASE_ORDER]
    states = Counter(s.confirmation for s in open_po)
    assert ConfirmationState.RECEIVED not in states
    assert states[ConfirmationState.CONFIRMED] > 0
    assert states[ConfirmationState.SHIPPED] > 0


def test_contract_customers_order_their_contract_items(small: ReferenceScenario) -> None:
    ordered = Counter((line.customer, line.sku) for line in small.order_lines())
    commitments = [(c.code, k.sku) for c in small.customers for k in c.contracts]
    regular = sum(1 for key in commitments if ordered[key] >= 2)
    assert regular / len(commitments) > 0.7
    types = Counter(line.order_type for line in small.order_lines())
    assert set(types) == {"standard", "contract", "rush"}


def test_weekdays_carry_most_orders(small: ReferenceScenario) -> None:
    days = Counter(line.ordered_at.weekday() for line in small.order_lines() if line.ordered_at)
    weekend = days[5] + days[6]
    assert weekend < 0.05 * sum(days.values())


def test_unreliable_suppliers_deliver_later_and_acknowledge_less(
    medium: ReferenceScenario,
) -> None:
    delays = receipt_delays(medium)
    bad = set(medium.unreliable_suppliers)
    bad_delays = [d for s, ds in delays.items() if s in bad for d in ds]
    good_delays = [d for s, ds in delays.items() if s not in bad for d in ds]
    assert len(bad_delays) >= 30
    assert np.mean(bad_delays) > np.mean(good_delays) + 2.0
    assert np.percentile(bad_delays, 95) > np.percentile(good_delays, 95) + 5
    supplier_of: dict[str, str] = {}
    acked: set[str] = set()
    for event in medium.events:
        if isinstance(event, PurchaseOrderPlaced):
            supplier_of[event.po_number] = event.supplier
        elif isinstance(event, SupplierAcknowledged):
            acked.add(event.po_number)
    rate = {
        flag: np.mean([po in acked for po, s in supplier_of.items() if (s in bad) == flag])
        for flag in (True, False)
    }
    assert rate[True] < rate[False] - 0.2


def test_surge_raises_family_demand_in_every_region(small: ReferenceScenario) -> None:
    ratios = surge_ratios(small)
    assert set(ratios) == {"east", "central", "west"}
    assert all(ratio > 2.5 for ratio in ratios.values())


def test_surge_creates_shortages_the_replay_confirms(small: ReferenceScenario) -> None:
    family = {i.sku for i in small.items if i.item_group == small.surge_group}
    net = net_stock(small, family)
    backlog = np.maximum(-net, 0).sum(axis=(1, 2))
    assert np.allclose(backlog, small.surge_backlog)  # the world's own books agree
    first = small.spec.surge_first_day
    assert backlog[first:].max() > 4 * max(backlog[:first].mean(), 1.0)

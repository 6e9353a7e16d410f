"""Read the backlog straight into the engine's arrays (no domain objects per line).

A batch run over a million open lines must not build a million Python objects: this
module selects integer-coded columns (dates as day numbers, times as epoch seconds) and
turns them into the numpy arrays of `AllocationProblem` with a few dictionary lookups per
distinct item, customer and DC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection

from backorder.adapters.backlog_sql import (
    LineFilter,
    Scope,
    day_sql,
    epoch_sql,
    fetch_rows,
    select_in,
)
from backorder.adapters.bulk import is_postgres
from backorder.adapters.repositories.supply import on_hand_source_id
from backorder.domain.allocation.builder import BuiltProblem
from backorder.domain.allocation.pinned import FORCED_PHASE, Pins
from backorder.domain.allocation.problem import (
    KIND_ON_HAND,
    KIND_PURCHASE_ORDER,
    SUBSTITUTION_NEVER,
    SUBSTITUTION_PRE_ACCEPTED,
    AllocationProblem,
    Catalog,
    Commitments,
    Demand,
    IntArray,
    Network,
    PreviousAllocations,
    Supply,
    day_number,
    period_index,
)

_PERIODS = {"week": 0, "month": 1, "quarter": 2}
_ACCEPTANCE = {"never": 0, "ask": 1, "pre_accepted": 2}
# The open-line and open-PO-line conditions below are written word for word as the partial
# indexes of migration 0002 (SQLite): so the backlog reads open rows, not all history.
_CLOSED = "('cancelled', 'shipped')"


def _columns(rows: list[tuple[Any, ...]], width: int) -> list[tuple[Any, ...]]:
    if not rows:
        return [() for _ in range(width)]
    columns: list[tuple[Any, ...]] = list(zip(*rows, strict=True))
    return columns


def _risk(
    connection: Connection,
    in_scope: Scope,
    item_code: dict[str, int],
    location_code: dict[str, int],
    item: IntArray,
    home: IntArray,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Latest backorder-risk score of each line's item at its home DC (0 when unscored),
    for the `risk` sort key: one grid lookup per line."""
    risk = np.zeros(item.size, dtype=np.float64)
    if not item.size:
        return risk
    scored = fetch_rows(
        connection,
        "SELECT sku, location, probability FROM risk_scores" + in_scope.where(),
        in_scope.values,
    )
    if not scored:
        return risk
    # Keys item x (DC + 1); a line without a home DC (-1) gets key item x 0, never scored.
    width = len(location_code) + 1
    known = [
        (item_code[sku] * width + location_code[location] + 1, probability)
        for sku, location, probability in scored
        if sku in item_code and location in location_code
    ]
    if not known:
        return risk
    keys = np.array([k for k, _ in known], dtype=np.int64)
    values = np.array([v for _, v in known], dtype=np.float64)
    order = np.argsort(keys)
    keys, values = keys[order], values[order]
    wanted = item * width + np.where(home >= 0, home + 1, 0)
    position = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
    found = keys[position] == wanted
    risk[found] = values[position[found]]
    return risk


def _network(connection: Connection) -> Network:
    locations = fetch_rows(connection, "SELECT code, region FROM locations ORDER BY code")
    codes = {code: i for i, (code, _) in enumerate(locations)}
    regions = tuple(dict.fromkeys(region for _, region in locations))
    n = len(locations)
    lane_days = np.full((n, n), -1, dtype=np.int64)
    lane_cost = np.zeros((n, n), dtype=np.float64)
    np.fill_diagonal(lane_days, 0)
    for origin, destination, days, cost in fetch_rows(
        connection, "SELECT origin, destination, lead_time_days, cost_per_unit FROM lanes"
    ):
        lane_days[codes[origin], codes[destination]] = days
        lane_cost[codes[origin], codes[destination]] = cost
    return Network(
        locations=tuple(codes),
        regions=regions,
        location_region=np.array([regions.index(r) for _, r in locations], dtype=np.int32),
        lane_days=lane_days,
        lane_cost=lane_cost,
    )


def load_backlog(
    connection: Connection,
    scope: Sequence[str] | None,
    today: date,
    tiers: Sequence[str],
    *,
    with_lines: bool = True,
) -> BuiltProblem:
    """The allocation problem of the open lines of `scope` (None: every item).

    With `with_lines=False` only the supply side is read (network, items, sources).
    """
    postgres = is_postgres(connection)
    network = _network(connection)
    in_scope = Scope(connection, scope)

    items = fetch_rows(
        connection,
        f"SELECT sku, item_group, product_line FROM items{in_scope.where()} ORDER BY sku",
        in_scope.values,
    )
    skus = tuple(r[0] for r in items)
    item_code = {sku: i for i, sku in enumerate(skus)}
    groups = tuple(dict.fromkeys(r[1] for r in items)) or ("",)
    lines_of_product = tuple(dict.fromkeys(r[2] for r in items)) or ("",)
    substitutes = fetch_rows(
        connection,
        "SELECT sku, position, substitute_sku, factor, requires_acceptance FROM item_substitutes"
        + in_scope.where()
        + " ORDER BY sku, position",
        in_scope.values,
    )
    substitutes = [r for r in substitutes if r[2] in item_code]
    owners = np.array([item_code[r[0]] for r in substitutes], dtype=np.int64)
    sub_start = np.searchsorted(owners, np.arange(len(skus) + 1)).astype(np.int64)

    line_rows = (
        []
        if not with_lines
        else fetch_rows(
            connection,
            "SELECT line_id, sku, customer, quantity - shipped_quantity, "
            f"{day_sql('requested_date', postgres)}, {day_sql('promise_date', postgres)}, "
            f"{epoch_sql('ordered_at', postgres)}, unit_price, unit_cost, ship_from, order_type "
            f"FROM order_lines WHERE status NOT IN {_CLOSED} AND quantity > shipped_quantity"
            + in_scope.and_(),
            in_scope.values,
        )
    )
    (
        line_id,
        line_sku,
        line_customer,
        quantity,
        requested,
        promised,
        ordered,
        price,
        cost,
        ship_from,
        order_type,
    ) = _columns(line_rows, 11)
    customer_names = tuple(dict.fromkeys(line_customer))
    customer_code = {c: i for i, c in enumerate(customer_names)}
    customers = _customer_facts(connection, customer_names, network, tiers)
    location_code = {code: i for i, code in enumerate(network.locations)}
    order_types = tuple(dict.fromkeys(order_type)) or ("standard",)
    order_type_code = {t: i for i, t in enumerate(order_types)}

    customer = np.fromiter((customer_code[c] for c in line_customer), np.int64, len(line_customer))
    own_home = np.fromiter(
        (location_code.get(s, -1) if s else -1 for s in ship_from), np.int64, len(ship_from)
    )
    n = len(line_rows)
    line_ids = np.array(line_id, dtype=np.int64)
    substitution = customers["substitution"][customer]
    of_lines = LineFilter(connection, line_ids, scoped=scope is not None)
    _substitution_answers(connection, of_lines, line_ids, substitution)
    item = np.fromiter((item_code[s] for s in line_sku), np.int64, n)
    home = np.where(own_home >= 0, own_home, customers["home"][customer])
    demand = Demand(
        line_id=line_ids,
        item=item,
        home=home,
        quantity=np.array(quantity, dtype=np.int64),
        requested_day=np.array(requested, dtype=np.int64),
        promise_day=np.array(promised, dtype=np.int64),
        order_time=np.array(ordered, dtype=np.int64),
        customer=customer,
        tier=customers["tier"][customer],
        region=customers["region"][customer],
        order_type=np.fromiter((order_type_code[t] for t in order_type), np.int64, n),
        unit_price=np.array(price, dtype=np.float64),
        unit_cost=np.array(cost, dtype=np.float64),
        ship_complete=customers["ship_complete"][customer],
        substitution=substitution,
        risk=_risk(connection, in_scope, item_code, location_code, item, home),
    )
    supply, source_ids = _supply(connection, in_scope, item_code, location_code, today, postgres)
    catalog = Catalog(
        skus=skus,
        item_group=np.array([groups.index(r[1]) for r in items], dtype=np.int32),
        product_line=np.array([lines_of_product.index(r[2]) for r in items], dtype=np.int32),
        item_groups=groups,
        product_lines=lines_of_product,
        tiers=tuple(tiers),
        order_types=order_types,
        sub_start=sub_start,
        sub_item=np.array([item_code[r[2]] for r in substitutes], dtype=np.int64),
        sub_factor=np.array([r[3] for r in substitutes], dtype=np.float64),
        sub_requires_acceptance=np.array([bool(r[4]) for r in substitutes], dtype=np.bool_),
    )
    previous, pins = (
        _previous(connection, demand, source_ids, of_lines)
        if with_lines
        else (PreviousAllocations.empty(), Pins.empty())
    )
    problem = AllocationProblem(
        network=network,
        catalog=catalog,
        demand=demand,
        supply=supply,
        as_of_day=day_number(today),
        commitments=_commitments(connection, demand, customer_names, item_code),
        previous=previous,
    )
    return BuiltProblem(problem=problem, source_ids=source_ids, pins=pins)


def _customer_facts(
    connection: Connection, names: Sequence[str], network: Network, tiers: Sequence[str]
) -> dict[str, Any]:
    rows = {
        r[0]: r
        for r in select_in(
            connection,
            "SELECT code, tier, region, home_location, ship_complete, substitution FROM customers",
            "code",
            names,
        )
    }
    location_code = {code: i for i, code in enumerate(network.locations)}
    region_code = {r: i for i, r in enumerate(network.regions)}
    first_in_region = {
        network.regions[int(network.location_region[i])]: i for i in range(network.size - 1, -1, -1)
    }
    tier_code = {t: i for i, t in enumerate(tiers)}
    facts: dict[str, list[Any]] = {
        k: [] for k in ("home", "tier", "region", "ship_complete", "substitution")
    }
    for name in names:
        _, tier, region, home, ship_complete, substitution = rows[name]
        home_code = location_code.get(home or "", first_in_region.get(region, 0))
        facts["home"].append(home_code)
        facts["tier"].append(tier_code.get(tier, len(tiers) - 1))
        facts["region"].append(region_code.get(region, int(network.location_region[home_code])))
        facts["ship_complete"].append(bool(ship_complete))
        facts["substitution"].append(_ACCEPTANCE.get(substitution, 1))
    return {
        key: np.array(values, dtype=np.bool_ if key == "ship_complete" else np.int64)
        for key, values in facts.items()
    }


def _supply(
    connection: Connection,
    scope: Scope,
    item_code: dict[str, int],
    location_code: dict[str, int],
    today: date,
    postgres: bool,
) -> tuple[Supply, tuple[str, ...]]:
    stock = fetch_rows(
        connection,
        f"SELECT sku, location, on_hand FROM inventory WHERE on_hand > 0{scope.and_()}",
        scope.values,
    )
    receipts = fetch_rows(
        connection,
        "SELECT source_id, sku, location, quantity - received_quantity, "
        f"{day_sql('COALESCE(confirmed_date, expected_date)', postgres)}, confirmation "
        f"FROM purchase_order_lines WHERE received_quantity < quantity{scope.and_()}",
        scope.values,
    )
    stock = [r for r in stock if r[0] in item_code]
    receipts = [r for r in receipts if r[1] in item_code]
    source_ids = tuple(
        [on_hand_source_id(sku, loc) for sku, loc, _ in stock] + [r[0] for r in receipts]
    )
    today_day = day_number(today)
    supply = Supply(
        source_id=np.arange(len(source_ids), dtype=np.int64),
        item=np.array(
            [item_code[r[0]] for r in stock] + [item_code[r[1]] for r in receipts], dtype=np.int64
        ),
        location=np.array(
            [location_code[r[1]] for r in stock] + [location_code[r[2]] for r in receipts],
            dtype=np.int64,
        ),
        day=np.array([today_day] * len(stock) + [r[4] for r in receipts], dtype=np.int64),
        quantity=np.array([r[2] for r in stock] + [r[3] for r in receipts], dtype=np.int64),
        kind=np.array(
            [KIND_ON_HAND] * len(stock) + [KIND_PURCHASE_ORDER] * len(receipts), dtype=np.int64
        ),
        confirmed=np.array(
            [True] * len(stock) + [r[5] in ("confirmed", "shipped") for r in receipts],
            dtype=np.bool_,
        ),
    )
    return supply, source_ids


def _commitments(
    connection: Connection,
    demand: Demand,
    customer_names: Sequence[str],
    item_code: dict[str, int],
) -> Commitments:
    customer_code = {c: i for i, c in enumerate(customer_names)}
    rows = [
        (customer_code[c], item_code[s], q, _PERIODS.get(p, 1))
        for c, s, q, p in select_in(
            connection,
            "SELECT customer, sku, quantity_per_period, period FROM contract_commitments",
            "customer",
            customer_names,
        )
        if c in customer_code and s in item_code
    ]
    if not rows or not len(demand):
        return Commitments.empty()
    found = _commitment_periods(demand, rows, max(item_code.values()) + 1)
    if not found:
        return Commitments.empty()
    array = np.array(found, dtype=np.int64)
    return Commitments(
        customer=array[:, 0],
        item=array[:, 1],
        period_kind=array[:, 2],
        period=array[:, 3],
        remaining=array[:, 4],
    )


def _commitment_periods(
    demand: Demand, rows: list[tuple[int, int, int, int]], items: int
) -> list[tuple[int, int, int, int, int]]:
    """Every (commitment, period) a line of that customer and item falls in, vectorised."""
    found: list[tuple[int, int, int, int, int]] = []
    pair = demand.customer * items + demand.item
    for kind in sorted({r[3] for r in rows}):
        of_kind = [r for r in rows if r[3] == kind]
        wanted = np.array([c * items + i for c, i, _, _ in of_kind], dtype=np.int64)
        quantity = {c * items + i: q for c, i, q, _ in of_kind}
        hit = np.isin(pair, wanted)
        periods = period_index(kind, demand.requested_day[hit])
        if not hit.any():
            continue
        combos = np.unique(np.stack([pair[hit], periods], axis=1), axis=0).tolist()
        for p, period in combos:
            found.append((int(p) // items, int(p) % items, kind, int(period), quantity[int(p)]))
    return found


def _previous(
    connection: Connection, demand: Demand, source_ids: tuple[str, ...], of_lines: LineFilter
) -> tuple[PreviousAllocations, Pins]:
    """What the lines hold: engine allocations (previous) and forced ones (pins)."""
    if of_lines.empty:
        return PreviousAllocations.empty(), Pins.empty()
    query = "SELECT line_id, source_id, quantity, phase FROM allocations" + of_lines.where()
    rows = fetch_rows(connection, query, of_lines.values)
    if not rows:
        return PreviousAllocations.empty(), Pins.empty()
    row_of_source = {s: i for i, s in enumerate(source_ids)}
    order = np.argsort(demand.line_id)
    sorted_ids = demand.line_id[order]
    line_ids = np.array([r[0] for r in rows], dtype=np.int64)
    slot = np.minimum(np.searchsorted(sorted_ids, line_ids), max(len(sorted_ids) - 1, 0))
    known_line = sorted_ids[slot] == line_ids if len(sorted_ids) else np.zeros(len(rows), bool)
    source_row = np.array([row_of_source.get(r[1], -1) for r in rows], dtype=np.int64)
    quantity = np.array([r[2] for r in rows], dtype=np.int64)
    forced = np.array([r[3] == FORCED_PHASE for r in rows], dtype=np.bool_)
    keep = known_line & (source_row >= 0) & ~forced
    pinned = known_line & (source_row >= 0) & forced
    previous = PreviousAllocations(
        line_id=line_ids[keep],
        source_id=source_row[keep],
        item=demand.item[order[slot[keep]]],
        quantity=quantity[keep],
    )
    pins = Pins(line=order[slot[pinned]], source=source_row[pinned], quantity=quantity[pinned])
    return previous, pins


def _substitution_answers(
    connection: Connection, of_lines: LineFilter, demand_ids: IntArray, substitution: IntArray
) -> None:
    """Lines whose customer answered an offer: accepted ones are served from the substitute
    as if pre-accepted, declined ones are never substituted (nor offered again)."""
    if not len(demand_ids):
        return
    # By the backlog's own line ids: joining order_lines by item would read every line
    # the items ever had, to find the few answers there are.
    answers = fetch_rows(
        connection,
        "SELECT line_id, decision FROM substitution_acceptances" + of_lines.where(),
        of_lines.values,
    )
    if not answers:
        return
    order = np.argsort(demand_ids)
    ids = np.array([a[0] for a in answers], dtype=np.int64)
    slot = np.minimum(np.searchsorted(demand_ids[order], ids), len(demand_ids) - 1)
    found = demand_ids[order[slot]] == ids
    codes = np.array(
        [SUBSTITUTION_PRE_ACCEPTED if a[1] == "accepted" else SUBSTITUTION_NEVER for a in answers],
        dtype=np.int64,
    )
    substitution[order[slot[found]]] = codes[found]

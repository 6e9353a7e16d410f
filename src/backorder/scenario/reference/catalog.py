"""The item master: product lines, item groups, prices, suppliers and substitutes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backorder.domain.model import Item, Substitute
from backorder.scenario.reference.arrays import BoolArray, FloatArray, IntArray
from backorder.scenario.reference.suppliers import SupplierTable
from backorder.scenario.reference.vocab import PRODUCT_LINES, Group

_GROUPS: tuple[tuple[int, Group], ...] = tuple(
    (line_index, group) for line_index, line in enumerate(PRODUCT_LINES) for group in line.groups
)
GROUP_NAMES: tuple[str, ...] = tuple(group.name for _, group in _GROUPS)
POPULARITY_EXPONENT = 0.75  # Zipf-like skew: a few items carry much of the demand


@dataclass(frozen=True)
class CatalogTable:
    """Items as columns (index = item number); items of a group are contiguous."""

    skus: tuple[str, ...]
    descriptions: tuple[str, ...]
    uoms: tuple[str, ...]
    group: IntArray  # index into GROUP_NAMES
    line: IntArray  # index into PRODUCT_LINES
    unit_cost: FloatArray
    list_price: FloatArray
    supplier: IntArray
    order_multiple: IntArray
    typical_qty: FloatArray  # units on a typical order line
    popularity: FloatArray  # probability of being picked for a random line (sums to 1)
    sub_owner: IntArray  # substitute table, sorted by owner then preference
    sub_item: IntArray
    sub_factor: FloatArray
    sub_accept: BoolArray  # the customer must accept first
    surge_group: int

    @property
    def size(self) -> int:
        """Number of items."""
        return len(self.skus)

    def build(self, safety_stock: IntArray, suppliers: SupplierTable) -> tuple[Item, ...]:
        """The domain objects, with the world's safety stock per DC."""
        subs: list[list[Substitute]] = [[] for _ in range(self.size)]
        for owner, item, factor, accept in zip(
            self.sub_owner.tolist(),
            self.sub_item.tolist(),
            self.sub_factor.tolist(),
            self.sub_accept.tolist(),
            strict=True,
        ):
            subs[owner].append(Substitute(self.skus[item], factor, bool(accept)))
        lines = [PRODUCT_LINES[i].name for i in self.line.tolist()]
        groups = [GROUP_NAMES[g] for g in self.group.tolist()]
        return tuple(
            Item(
                sku=self.skus[i],
                description=self.descriptions[i],
                uom=self.uoms[i],
                unit_cost=cost,
                list_price=price,
                product_line=lines[i],
                item_group=groups[i],
                substitutes=tuple(subs[i]),
                supplier=suppliers.codes[sup],
                order_multiple=multiple,
                safety_stock=safety,
            )
            for i, (cost, price, sup, multiple, safety) in enumerate(
                zip(
                    self.unit_cost.tolist(),
                    self.list_price.tolist(),
                    self.supplier.tolist(),
                    self.order_multiple.tolist(),
                    safety_stock.tolist(),
                    strict=True,
                )
            )
        )


def _group_sizes(n_items: int) -> IntArray:
    """Items per group in proportion to the group weights, at least two each."""
    weights = np.array([group.weight for _, group in _GROUPS])
    spare = n_items - 2 * len(weights)
    if spare < 0:
        raise ValueError(f"need at least {2 * len(weights)} items")
    share = weights / weights.sum() * spare
    sizes = np.floor(share).astype(np.int64)
    # Largest remainders get the leftover items so the total is exact.
    leftover = spare - int(sizes.sum())
    sizes[np.argsort(-(share - sizes), kind="stable")[:leftover]] += 1
    return np.asarray(sizes + 2, dtype=np.int64)


def _substitutes(
    group: IntArray, sizes: IntArray, share: float, rng: np.random.Generator
) -> tuple[IntArray, IntArray, FloatArray, BoolArray]:
    """Substitutes within the same group for about `share` of items (a third get two)."""
    n = len(group)
    start = np.r_[0, np.cumsum(sizes)][group]
    size = sizes[group]
    pos = np.arange(n) - start
    owners = np.flatnonzero(rng.random(n) < share)
    two = (rng.random(len(owners)) < 0.3) & (size[owners] >= 3)
    # Two distinct offsets in 1..size-1 pick other members of the owner's group.
    first = rng.integers(1, size[owners])
    second = 1 + (first - 1 + rng.integers(1, np.maximum(size[owners] - 1, 2))) % np.maximum(
        size[owners] - 1, 1
    )
    owner = np.concatenate([owners, owners[two]])
    offset = np.concatenate([first, second[two]])
    rank = np.concatenate([np.zeros(len(owners), np.int64), np.ones(int(two.sum()), np.int64)])
    item = start[owner] + (pos[owner] + offset) % size[owner]
    order = np.lexsort((rank, owner))
    owner, item = owner[order], item[order]
    # Mostly like-for-like; some are a different pack size (two halves, or a double pack).
    factor = rng.choice(np.array([1.0, 2.0, 0.5]), size=len(owner), p=[0.8, 0.1, 0.1])
    accept = rng.random(len(owner)) < 0.6
    return owner.astype(np.int64), item.astype(np.int64), factor.astype(np.float64), accept


def make_catalog(
    n_items: int,
    suppliers: SupplierTable,
    surge_group: str,
    surge_share: float,
    substitute_share: float,
    rng: np.random.Generator,
) -> CatalogTable:
    """`n_items` items in the product lines of `vocab`, the surge group a high-volume family."""
    sizes = _group_sizes(n_items)
    group = np.repeat(np.arange(len(sizes)), sizes)
    line = np.array([line for line, _ in _GROUPS])[group]
    meta = [_GROUPS[g][1] for g in group.tolist()]
    median = np.array([m.median_cost for m in meta])
    cost = np.maximum(np.round(median * rng.lognormal(0.0, 0.5, n_items), 2), 0.05)
    lo = np.array([PRODUCT_LINES[i].margin[0] for i in line.tolist()])
    hi = np.array([PRODUCT_LINES[i].margin[1] for i in line.tolist()])
    margin = np.clip(rng.uniform(lo, hi) + rng.normal(0.0, 0.02, n_items), 0.15, 0.65)
    price = np.round(cost / (1.0 - margin), 2)
    # Cheap items are bought by the carton, expensive ones one at a time.
    multiple = np.select(
        [cost < 2, cost < 10, cost < 60],
        [
            rng.choice([25, 50, 100], n_items),
            rng.choice([5, 10, 12, 25], n_items),
            rng.choice([1, 2, 5, 10], n_items, p=[0.4, 0.2, 0.2, 0.2]),
        ],
        1,
    ).astype(np.int64)
    typical = np.maximum(
        np.array([m.typical_qty for m in meta]) * rng.lognormal(0, 0.3, n_items), 1
    )
    # Each group's items come mostly from one supplier of its line, some from another.
    primary = np.empty(len(sizes), dtype=np.int64)
    alternative = np.empty(len(sizes), dtype=np.int64)
    local = np.zeros(len(PRODUCT_LINES), dtype=np.int64)
    for g, (li, _) in enumerate(_GROUPS):
        makers = suppliers.suppliers_of_line(li)
        primary[g] = makers[local[li] % len(makers)]
        alternative[g] = makers[(local[li] + 1) % len(makers)]
        local[li] += 1
    supplier = np.where(rng.random(n_items) < 0.85, primary[group], alternative[group])
    ranks = rng.permutation(n_items) + 1.0
    weight = ranks**-POPULARITY_EXPONENT * rng.lognormal(0.0, 0.3, n_items)
    surge = GROUP_NAMES.index(surge_group)
    in_surge = group == surge
    # Scale the surge family so it carries `surge_share` of the picks: a high-volume family.
    others = weight[~in_surge].sum()
    weight[in_surge] *= surge_share / (1 - surge_share) * others / weight[in_surge].sum()
    owner, item, factor, accept = _substitutes(group, sizes, substitute_share, rng)
    variants = [PRODUCT_LINES[i].variants for i in line.tolist()]
    size_words = [PRODUCT_LINES[i].sizes for i in line.tolist()]
    v_pick = rng.integers(0, 1_000, n_items).tolist()
    s_pick = rng.integers(0, 1_000, n_items).tolist()
    descriptions = tuple(
        f"{m.name.capitalize()}, {variants[i][v_pick[i] % len(variants[i])]}, "
        f"{size_words[i][s_pick[i] % len(size_words[i])]}"
        for i, m in enumerate(meta)
    )
    return CatalogTable(
        skus=tuple(f"{PRODUCT_LINES[li].code}-{100_001 + i}" for i, li in enumerate(line.tolist())),
        descriptions=descriptions,
        uoms=tuple(m.uom for m in meta),
        group=group,
        line=line,
        unit_cost=cost,
        list_price=price,
        supplier=supplier.astype(np.int64),
        order_multiple=multiple,
        typical_qty=typical,
        popularity=weight / weight.sum(),
        sub_owner=owner,
        sub_item=item,
        sub_factor=factor,
        sub_accept=accept,
        surge_group=surge,
    )

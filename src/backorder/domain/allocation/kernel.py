"""The vectorised heart of the priority engine: lines in priority order meet supply in date order.

Within a group (one item at one location) the lines, sorted by priority, occupy
consecutive intervals of cumulative need, and the supply sources, sorted by date, occupy
consecutive intervals of cumulative quantity. A line receives exactly the overlap of its
interval with the supply intervals: the greedy "best line takes the earliest unit" rule,
computed for every group at once with one sort, two cumulative sums and two binary
searches, never a Python loop per line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backorder.domain.allocation.problem import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class Pieces:
    """Allocated pieces: `quantity` units of supply row `source` to demand row `line`."""

    line: IntArray
    source: IntArray
    quantity: IntArray

    @classmethod
    def empty(cls) -> Pieces:
        """No pieces."""
        z = np.zeros(0, dtype=np.int64)
        return cls(line=z, source=z, quantity=z)

    def __len__(self) -> int:
        return len(self.line)


def _group_starts(sorted_keys: IntArray) -> BoolArray:
    """Boolean flags (as a mask) where a new run of equal keys begins."""
    starts = np.empty(len(sorted_keys), dtype=np.bool_)
    if len(sorted_keys):
        starts[0] = True
        np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=starts[1:])
    return starts


def cumulative_within_groups(sorted_keys: IntArray, quantity: IntArray) -> IntArray:
    """Running total of `quantity` restarting at every new key (keys sorted), inclusive."""
    cumulative = np.cumsum(quantity)
    first = np.flatnonzero(_group_starts(sorted_keys))
    base = (cumulative - quantity)[first]
    return cumulative - np.repeat(base, np.diff(np.r_[first, len(sorted_keys)]))


def fill_in_order(
    line: IntArray,
    line_group: IntArray,
    need: IntArray,
    source: IntArray,
    source_group: IntArray,
    supply_left: IntArray,
) -> Pieces:
    """Serve lines from supply, group by group, and consume `supply_left` in place.

    `line`, `line_group` and `need` must already be sorted by group and then priority;
    `source` and `source_group` by group and then date. `supply_left` is indexed by the
    values in `source`. Lines whose group has no supply get nothing.
    """
    if not len(line) or not len(source):
        return Pieces.empty()
    available = supply_left[source]
    keep = available > 0
    if not keep.all():
        source, source_group, available = source[keep], source_group[keep], available[keep]
        if not len(source):
            return Pieces.empty()

    supply_end = np.cumsum(available)  # global cumulative over all groups
    starts = _group_starts(source_group)
    first = np.flatnonzero(starts)
    last = np.r_[first[1:], len(source)] - 1
    groups = source_group[first]
    group_base = supply_end[first] - available[first]
    group_total = supply_end[last] - group_base

    need_end = cumulative_within_groups(line_group, need)
    need_start = need_end - need

    slot = np.searchsorted(groups, line_group)
    slot_clipped = np.minimum(slot, len(groups) - 1)
    has_supply = groups[slot_clipped] == line_group
    total = np.where(has_supply, group_total[slot_clipped], 0)
    base = group_base[slot_clipped]
    lo = np.minimum(need_start, total)
    hi = np.minimum(need_end, total)
    served = hi > lo
    if not served.any():
        return Pieces.empty()
    served_rows = np.flatnonzero(served)
    g_lo = base[served] + lo[served]
    g_hi = base[served] + hi[served]

    # Supply rows overlapped by [g_lo, g_hi): the first ends after g_lo, the last reaches g_hi.
    first_src = np.searchsorted(supply_end, g_lo, side="right")
    last_src = np.searchsorted(supply_end, g_hi, side="left")
    count = last_src - first_src + 1
    total_pieces = int(count.sum())
    owner = np.repeat(np.arange(len(served_rows)), count)
    offset = np.arange(total_pieces) - np.repeat(np.cumsum(count) - count, count)
    src = first_src[owner] + offset
    piece_lo = np.maximum(g_lo[owner], supply_end[src] - available[src])
    piece_hi = np.minimum(g_hi[owner], supply_end[src])
    qty = piece_hi - piece_lo

    consumed = np.bincount(src, weights=qty, minlength=len(source)).astype(np.int64)
    supply_left[source] -= consumed
    return Pieces(line=line[served_rows][owner], source=source[src], quantity=qty)


def _dense(values: FloatArray | IntArray) -> tuple[IntArray, int]:
    """Order-preserving non-negative integer codes of `values`, and their count."""
    if values.dtype.kind in "iub":
        low = int(values.min())
        return values.astype(np.int64) - low, int(values.max()) - low + 1
    uniques, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64), len(uniques)


def lexicographic_order(keys: list[FloatArray | IntArray]) -> IntArray:
    """Positions sorted by `keys` (first key decides first), packing keys into few int64s.

    Sorting one packed integer is several times faster than `np.lexsort` over many columns.
    """
    if not len(keys[0]):
        return np.zeros(0, dtype=np.int64)
    packed: list[IntArray] = []
    current = np.zeros(len(keys[0]), dtype=np.int64)
    capacity = 1
    for key in keys:
        codes, size = _dense(key)
        if capacity * size >= 1 << 62:
            packed.append(current)
            current, capacity = np.zeros(len(codes), dtype=np.int64), 1
        current = current * size + codes
        capacity *= size
    packed.append(current)
    if len(packed) == 1:
        return np.argsort(packed[0], kind="stable")
    return np.lexsort(tuple(reversed(packed)))

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


def group_starts(sorted_keys: IntArray) -> BoolArray:
    """Where a new run of equal keys begins (keys sorted, or at least grouped)."""
    starts = np.empty(len(sorted_keys), dtype=np.bool_)
    if len(sorted_keys):
        starts[0] = True
        np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=starts[1:])
    return starts


def cumulative_within_groups(sorted_keys: IntArray, quantity: IntArray) -> IntArray:
    """Running total of `quantity` restarting at every new key (keys sorted), inclusive."""
    cumulative = np.cumsum(quantity)
    first = np.flatnonzero(group_starts(sorted_keys))
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
    starts = group_starts(source_group)
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

    # Lines and sources advance together, so `src` never decreases: sum per run of equal
    # values instead of a bincount over every source.
    first_piece = np.flatnonzero(group_starts(src))
    supply_left[source[src[first_piece]]] -= np.add.reduceat(qty, first_piece)
    return Pieces(line=line[served_rows][owner], source=source[src], quantity=qty)


def per_line(pieces: Pieces) -> tuple[IntArray, IntArray, IntArray]:
    """Each line of `pieces`, its total quantity and its first piece (a line's pieces adjoin)."""
    first = np.flatnonzero(group_starts(pieces.line))
    return pieces.line[first], np.add.reduceat(pieces.quantity, first), first


def concatenated_ranges(lo: IntArray, count: IntArray) -> IntArray:
    """The positions `lo[k]:lo[k] + count[k]` of every k, concatenated."""
    positions: IntArray = np.arange(int(count.sum()), dtype=np.int64)
    positions += np.repeat(lo - (np.cumsum(count) - count), count)
    return positions


def stable_argsort(key: IntArray, bound: int) -> IntArray:
    """Positions sorted by `key` (values in 0..bound-1), ties in position order.

    Key and position are packed into one int64 when they fit, and the values sorted:
    numpy's vectorised sort is several times faster than its argsort (and shifts and
    masks than the division and modulo by the line count).
    """
    n = len(key)
    shift = max(n - 1, 1).bit_length()
    if bound << shift >= 1 << 63:
        return np.argsort(key, kind="stable")
    packed = np.left_shift(key, shift) | np.arange(n, dtype=np.int64)
    packed.sort()
    packed &= (1 << shift) - 1
    return packed


def rows_by_unique_key(
    major: IntArray, priority: IntArray, row_of_priority: IntArray
) -> tuple[IntArray, IntArray]:
    """Rows sorted by `major`, then by their distinct `priority` values; and sorted `major`.

    `row_of_priority` maps each priority value back to its row, so sorting the packed
    values replaces a much slower argsort.
    """
    shift = max(len(row_of_priority) - 1, 1).bit_length()  # 1 << shift > any priority
    packed = np.left_shift(major, shift) | priority
    packed.sort()
    return row_of_priority[packed & ((1 << shift) - 1)], packed >> shift


def _dense(values: FloatArray | IntArray) -> tuple[IntArray, int]:
    """Order-preserving non-negative integer codes of `values`, and their count."""
    if values.dtype.kind in "iub":
        low = int(values.min())
        return np.subtract(values, low, dtype=np.int64), int(values.max()) - low + 1
    # One argsort instead of np.unique(return_inverse=True), which sorts more than once.
    order = np.argsort(values)
    ordered = values[order]
    new = np.empty(len(values), dtype=np.bool_)
    new[:1] = False
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    if len(ordered) and np.isnan(ordered[-1]):
        new[1:] &= ~(np.isnan(ordered[1:]) & np.isnan(ordered[:-1]))  # one code for all NaNs
    codes = np.empty(len(values), dtype=np.int64)
    codes[order] = np.cumsum(new)
    return codes, int(codes[order[-1]]) + 1 if len(values) else 0


def _pack(codes: list[tuple[IntArray, int]]) -> list[IntArray]:
    """Dense codes packed into as few int64 columns as they fit in."""
    packed: list[IntArray] = []
    current = np.zeros(len(codes[0][0]), dtype=np.int64)
    capacity = 1
    for values, size in codes:
        if capacity * size >= 1 << 62:
            packed.append(current)
            current, capacity = np.zeros(len(values), dtype=np.int64), 1
        current = current * size + values
        capacity *= size
    packed.append(current)
    return packed


def lexicographic_order(keys: list[FloatArray | IntArray]) -> IntArray:
    """Positions sorted by `keys` (first key decides first), ties kept in row order.

    Keys are packed into few int64s: sorting one packed integer is several times faster
    than `np.lexsort` over many columns. When all keys but the last (typically an id) fit
    in one, that one is sorted and only the rows tied on it are ordered further.
    """
    if not len(keys[0]):
        return np.zeros(0, dtype=np.int64)
    codes = [_dense(key) for key in keys]
    capacity = 1
    for _, size in codes:
        capacity *= size
    if capacity < 1 << 62:
        return stable_argsort(_pack(codes)[0], capacity)
    if len(codes) > 1 and capacity // codes[-1][1] < 1 << 62:
        return _sort_breaking_ties(_pack(codes[:-1])[0], codes[-1][0])
    return np.lexsort(tuple(reversed(_pack(codes))))


def _sort_breaking_ties(key: IntArray, tiebreak: FloatArray | IntArray) -> IntArray:
    """Positions sorted by `key`, then `tiebreak`, then position (a stable lexsort)."""
    order = np.argsort(key)
    ordered = key[order]
    equal = ordered[1:] == ordered[:-1]
    tied = np.zeros(len(key), dtype=np.bool_)
    tied[1:] = equal
    tied[:-1] |= equal
    at = np.flatnonzero(tied)
    if len(at):
        # Tied rows are already grouped by key; order each group and put it back in place.
        rows = order[at]
        order[at] = rows[np.lexsort((rows, tiebreak[rows], ordered[at]))]
    return order

"""Supply of one sourcing window, organised for rounds that touch only a few cells.

A window is the supply available by some day (near or horizon), in consumption order:
per item and DC (a cell), earliest first.
"""

from __future__ import annotations

import numpy as np

from backorder.domain.allocation.kernel import concatenated_ranges, group_starts
from backorder.domain.allocation.problem import IntArray


class WindowCells:
    """The supply rows of one sourcing window, by cell (item x DC) and item.

    Window rows are in consumption order, hence sorted by cell: the rows of a few cells
    are found by binary search instead of a scan over the whole window.
    """

    def __init__(self, rows: IntArray, supply_cell: IntArray, locations: int) -> None:
        self.rows = rows
        self.cells = supply_cell[rows]
        self.cell_first = np.flatnonzero(group_starts(self.cells))
        self.distinct_cells = self.cells[self.cell_first]
        items = self.distinct_cells // locations
        self.item_first = np.flatnonzero(group_starts(items))
        self.distinct_items = items[self.item_first]

    def rows_of(self, sorted_cells: IntArray) -> tuple[IntArray, IntArray]:
        """Rows (and their cells) of the given cells, which must be sorted."""
        if not len(sorted_cells):
            return self.rows[:0], self.cells[:0]
        cells = sorted_cells[group_starts(sorted_cells)]
        lo = np.searchsorted(self.cells, cells, side="left")
        rows = concatenated_ranges(lo, np.searchsorted(self.cells, cells, side="right") - lo)
        return self.rows[rows], self.cells[rows]


class WindowStock:
    """What is left per cell and per item of one window's supply during one `serve`."""

    def __init__(
        self, window: WindowCells, supply_left: IntArray, items: int, locations: int
    ) -> None:
        self.window, self.locations = window, locations
        self.cell_left = np.zeros(items * locations, dtype=np.int64)
        self.item_left = np.zeros(items, dtype=np.int64)
        self.total = 0
        if len(window.rows):
            per_cell = np.add.reduceat(supply_left[window.rows], window.cell_first)
            self.cell_left[window.distinct_cells] = per_cell
            self.item_left[window.distinct_items] = np.add.reduceat(per_cell, window.item_first)
            self.total = int(per_cell.sum())

    def consume(self, cells: IntArray, quantity: IntArray) -> None:
        """Account for `quantity` units just served from each of `cells`."""
        if not len(cells):
            return
        np.subtract.at(self.item_left, cells // self.locations, quantity)
        np.subtract.at(self.cell_left, cells, quantity)
        self.total -= int(quantity.sum())

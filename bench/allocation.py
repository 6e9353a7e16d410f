"""Allocation engines on generated problems: one JSON object per measured case.

Usage: python bench/allocation.py [--quick]
Cases: priority engine on 1M lines x 100k items x 6 DCs, optimal engine on 100k lines x
10k items, incremental reallocation of one item with 10k open lines.
"""

from __future__ import annotations

import subprocess
import sys

CASES = [
    ["allocation", "--lines", "1000000", "--items", "100000", "--locations", "6"],
    ["allocation", "--lines", "100000", "--items", "10000", "--solver", "optimal"],
    ["reallocation", "--lines", "10000", "--background-lines", "990000"],
]
QUICK = [
    ["allocation", "--lines", "100000", "--items", "10000"],
    ["allocation", "--lines", "10000", "--items", "1000", "--solver", "optimal"],
    ["reallocation", "--lines", "10000", "--background-lines", "50000", "--repeat", "5"],
]


def main() -> None:
    """Run each case in a fresh process (clean peak-memory figures) and relay its JSON."""
    cases = QUICK if "--quick" in sys.argv else CASES
    executable = [sys.executable, "-m", "backorder.entrypoints.cli"]
    for case in cases:
        output = subprocess.run(
            [*executable, "bench", *case, "--json"], check=True, capture_output=True, text=True
        )
        print(output.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()

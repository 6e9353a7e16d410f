"""The DC network: six distribution centres in three regions and the lanes between them."""

from __future__ import annotations

from backorder.domain.model import Location, TransferLane
from backorder.scenario.reference.vocab import LOCATIONS

# Road transit in days between DCs (symmetric). Same-region neighbours are a day or two
# apart by truck; crossing regions takes three to six days.
_LANE_DAYS: dict[frozenset[str], int] = {
    frozenset(("EDS", "ATL")): 2,
    frozenset(("CHI", "DAL")): 2,
    frozenset(("ONT", "SEA")): 1,
    frozenset(("EDS", "CHI")): 3,
    frozenset(("EDS", "DAL")): 4,
    frozenset(("ATL", "CHI")): 3,
    frozenset(("ATL", "DAL")): 3,
    frozenset(("CHI", "ONT")): 5,
    frozenset(("CHI", "SEA")): 5,
    frozenset(("DAL", "ONT")): 4,
    frozenset(("DAL", "SEA")): 5,
    frozenset(("EDS", "ONT")): 6,
    frozenset(("EDS", "SEA")): 6,
    frozenset(("ATL", "ONT")): 5,
    frozenset(("ATL", "SEA")): 6,
}


def build_locations() -> tuple[Location, ...]:
    """The six DCs, east to west."""
    return tuple(Location(code=code, region=region, name=name) for code, name, region in LOCATIONS)


def build_lanes(locations: tuple[Location, ...]) -> tuple[TransferLane, ...]:
    """A lane in each direction between every pair of DCs."""
    region = {loc.code: loc.region for loc in locations}
    lanes: list[TransferLane] = []
    for origin in locations:
        for destination in locations:
            if origin.code == destination.code:
                continue
            days = _LANE_DAYS[frozenset((origin.code, destination.code))]
            # Cross-region moves pay line-haul on top of handling, so they cost more per day.
            same = region[origin.code] == region[destination.code]
            cost = 0.25 + 0.05 * days if same else 0.45 + 0.15 * days
            lanes.append(
                TransferLane(
                    origin=origin.code,
                    destination=destination.code,
                    lead_time_days=days,
                    cost_per_unit=round(cost, 2),
                )
            )
    return tuple(lanes)

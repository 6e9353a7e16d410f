"""Event-type filters of webhook subscriptions: `*`, an exact type, or a prefix `a.b.*`."""

from __future__ import annotations

import re
from collections.abc import Iterable

from backorder.events.registry import EventRegistry

ALL = "*"
_PREFIX = re.compile(r"^backorder(\.[a-z][a-z0-9_]*)*\.\*$")


def problem(pattern: str, registry: EventRegistry) -> str | None:
    """Why a filter is not acceptable, or None when it is."""
    if pattern == ALL or _PREFIX.match(pattern):
        return None
    if pattern in registry:
        return None
    return (
        f"{pattern!r} is neither a registered event type, nor a prefix like "
        "'backorder.order_line.*', nor '*'"
    )


def matches(patterns: Iterable[str], event_type: str) -> bool:
    """True when any pattern admits the event type."""
    for pattern in patterns:
        if pattern in (ALL, event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False

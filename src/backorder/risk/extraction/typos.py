"""Fix one-letter typos in the few words the grammar depends on ("tomorow", "dispach").

Only words of five letters or more that are one edit (insert, delete, substitute, swap)
away from exactly one vocabulary word are changed; known English forms are left alone.
The returned offset map lets callers quote the original text ("date as written").
"""

from __future__ import annotations

import re
from functools import lru_cache

_VOCABULARY = frozenset(
    [
        "dispatch",
        "dispatched",
        "delivery",
        "deliver",
        "delivered",
        "shipment",
        "shipped",
        "shipping",
        "arrive",
        "arrival",
        "available",
        "tomorrow",
        "remaining",
        "remainder",
        "balance",
        "partial",
        "confirmed",
        "confirm",
        "production",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "september",
        "october",
        "november",
        "december",
        "pieces",
        "pallets",
        "cartons",
        "ready",
        "collection",
    ]
)
# Real words one edit away from a vocabulary word: never "corrected".
_KNOWN = frozenset(
    [
        "shipper",
        "shippers",
        "ships",
        "delivers",
        "deliverer",
        "arrived",
        "arrives",
        "arrivals",
        "dispatches",
        "balanced",
        "balances",
        "partials",
        "partially",
        "confirms",
        "confirming",
        "despatch",
        "despatched",
        "piece",
        "pallet",
        "carton",
        "already",
        "remained",
        "remains",
        "deliveries",
        "shipments",
        "tuesdays",
        "fridays",
        "mondays",
        "production",
        "producing",
        "reader",
        "collections",
        "reads",
        "reedy",
        "conform",
        "conformed",
        "pellets",
        "cartoons",
        "skipped",
        "skipping",
        "shopping",
        "reminder",
        "reminders",
        "sundae",
        "steady",
    ]
)
_WORD = re.compile(r"[A-Za-z]{5,}")


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]


@lru_cache(maxsize=8192)
def _fix(word: str) -> str | None:
    lower = word.lower()
    if lower in _VOCABULARY or lower in _KNOWN:
        return None
    matches = sorted((v for v in _VOCABULARY if _one_edit(lower, v)), key=len, reverse=True)
    if not matches or (len(matches) > 1 and len(matches[0]) == len(matches[1])):
        return None
    fixed = matches[0]  # "deliverd": a dropped letter of "delivered", not an extra one
    return fixed.capitalize() if word[0].isupper() else fixed


def correct(text: str) -> tuple[str, list[int]]:
    """Corrected text and, for each of its offsets (and its end), the original offset."""
    pieces: list[str] = []
    origin: list[int] = []
    cursor = 0
    for match in _WORD.finditer(text):
        fixed = _fix(match.group(0))
        if fixed is None:
            continue
        pieces.append(text[cursor : match.start()])
        origin.extend(range(cursor, match.start()))
        pieces.append(fixed)
        # Map the corrected word onto the written one, letter by letter as far as it goes.
        origin.extend(min(match.start() + k, match.end() - 1) for k in range(len(fixed)))
        cursor = match.end()
    if not pieces:
        return text, list(range(len(text) + 1))
    pieces.append(text[cursor:])
    origin.extend(range(cursor, len(text) + 1))
    return "".join(pieces), origin

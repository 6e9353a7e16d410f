"""The vocabulary of supplier messages: POs, lines, SKUs, quantities and cue words.

Each finder returns spans so the extractor can tell which number plays which role: a
number inside a PO, a line reference or a date is never a quantity.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backorder.risk.extraction.date_grammar import NUMBER_WORDS
from backorder.risk.extraction.model import CommitmentKind

Span = tuple[int, int]


@dataclass(frozen=True)
class PoMention:
    """A purchase-order number, normalised, with an optional line glued to it (4500012345/20)."""

    start: int
    end: int
    po: str
    line: int | None = None
    labelled: bool = True  # "PO 4500..." rather than a bare number known from elsewhere
    weak_label: bool = False  # "order 4500..." / "your ref 4500...": probably, not surely, a PO


@dataclass(frozen=True)
class LineMention:
    """A PO line reference ("line 20", "pos. 10")."""

    start: int
    end: int
    line: int


@dataclass(frozen=True)
class SkuMention:
    """An item / part number."""

    start: int
    end: int
    sku: str


@dataclass(frozen=True)
class QuantityMention:
    """A quantity with its unit as written (normalised)."""

    start: int
    end: int
    quantity: int
    unit: str | None
    each: bool = False  # "300 pcs each": applies to every PO/line named alongside
    partial_of: int | None = None  # "300 of 500 pcs": 500 was ordered


@dataclass(frozen=True)
class KindMention:
    """A word that says what happens on the date (ship, deliver, ready, confirm)."""

    start: int
    end: int
    kind: CommitmentKind
    past: bool  # "shipped yesterday", "has been dispatched"
    noun: bool  # "delivery", "shipment": names the event, does not promise it


UNITS = {
    "pcs": "pcs", "pc": "pcs", "pce": "pcs", "pces": "pcs", "piece": "pcs", "pieces": "pcs",
    "ea": "ea", "each": "ea", "unit": "units", "units": "units", "case": "cases",
    "cases": "cases", "cs": "cases", "carton": "cartons", "cartons": "cartons",
    "ctn": "cartons", "ctns": "cartons", "box": "boxes", "boxes": "boxes", "pallet": "pallets",
    "pallets": "pallets", "plt": "pallets", "plts": "pallets", "roll": "rolls", "rolls": "rolls",
    "set": "sets", "sets": "sets", "pair": "pairs", "pairs": "pairs", "kg": "kg", "kgs": "kg",
    "lb": "lb", "lbs": "lb", "drum": "drums", "drums": "drums", "bag": "bags", "bags": "bags",
    "pack": "packs", "packs": "packs", "pkg": "packages", "pkgs": "packages",
    "packages": "packages", "reel": "reels", "reels": "reels", "coil": "coils", "coils": "coils",
    "bottle": "bottles", "bottles": "bottles", "kit": "kits", "kits": "kits",
    "bundle": "bundles", "bundles": "bundles", "pails": "pails", "pail": "pails",
    "meters": "m", "metres": "m", "m": "m", "ft": "ft", "skid": "skids", "skids": "skids",
    "crate": "crates", "crates": "crates", "tote": "totes", "totes": "totes", "bale": "bales",
    "bales": "bales", "spool": "spools", "spools": "spools", "sheet": "sheets",
    "sheets": "sheets", "tube": "tubes", "tubes": "tubes", "can": "cans", "cans": "cans",
    "bucket": "buckets", "buckets": "buckets", "tray": "trays", "trays": "trays",
    "cylinder": "cylinders", "cylinders": "cylinders", "jar": "jars", "jars": "jars",
    "bin": "bins", "bins": "bins", "sack": "sacks", "sacks": "sacks", "doz": "dozen",
    "dozen": "dozen", "gal": "gal", "gallons": "gal", "l": "l", "litres": "l", "liters": "l",
    "tons": "t", "t": "t", "lots": "lots", "lot": "lots",
}  # fmt: skip
_UNIT = "(?:" + "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True)) + ")"
_WORD_NUM = "|".join(w for w in NUMBER_WORDS if " " not in w and w not in ("a", "an"))
_NUM = rf"(?:\d{{1,3}}(?:[,.'\u202f]\d{{3}})+(?!\d)|\d+(?![\d%])|{_WORD_NUM})"

_PO_LABEL = re.compile(
    r"(?P<label>\bP\.?\s?O\.?(?:'?s)?(?![a-z])(?!\s*box)|\bP/O\b|\bpurchase\s+orders?\b|"
    r"\b(?P<weak>(?:your|customer|cust\.?)\s+(?:order|ref(?:erence)?\.?)s?|orders?)\b)"
    r"(?:\s*(?:no\.?|nr\.?|number|num\.?|#)s?)?\s*[:#.\-(]?\s*"
    r"(?P<id>[A-Z0-9](?:[A-Z0-9]|-(?=[A-Z0-9])){3,24})(?![\w-])",
    re.I,
)
_PO_MORE = re.compile(
    r"\s*(?:,|&|\band\b|\+|/|\bor\b)\s*(?:(?:PO|P\.O\.)\s*#?\s*)?(?P<id>[A-Z0-9][A-Z0-9-]{3,24})(?![\w-])",
    re.I,
)
_LINE_SUFFIX = re.compile(r"/(?P<line>\d{1,5})(?![\w/])")
_NOT_CUSTOMER_ORDER = re.compile(r"\b(?:our|sales|internal|so|work|production|blanket)\s+$", re.I)
_LINE = re.compile(
    r"\b(?:line|ln|pos(?:ition)?|item|itm)(?:s|'s)?\.?\s*(?:no\.?|nr\.?|#)?\s*[:#]?\s*"
    r"(?P<n>\d{1,5})(?![\d\w]|[.,]\d|\s*(?:" + _UNIT + r")\b)",
    re.I,
)
_LINE_MORE = re.compile(
    r"\s*(?:,|&|\band\b|/|\+)\s*(?:line\s*)?(?P<n>\d{1,5})(?![\d\w]|[.,]\d)", re.I
)
_SKU = re.compile(
    r"\b(?P<label>item|part|p/n|pn|sku|article|art\.|material|mat\.|product|model|cat\.)"
    r"(?:\s*(?:no\.?|nr\.?|number|#|code|id))?\s*[:#]?\s*"
    r"(?P<sku>[A-Z0-9](?:[A-Z0-9]|[-./](?=[A-Z0-9])){2,30})",
    re.I,
)
_CODE_AFTER_UNIT = re.compile(r"\s+(?:of\s+|x\s+)?(?P<sku>[A-Z]{1,5}[-.]?\d[A-Z0-9-]{1,20})\b")
_DATE_LIKE_CODE = re.compile(r"^(?:KW|CW|WK|W)\d{1,2}$", re.I)
_QTY_UNIT = re.compile(
    rf"(?<![\w.,/#-])(?P<num>{_NUM})(?:\.0{{1,2}})?\s*(?P<unit>{_UNIT})\b(?!-\d)", re.I
)
_QTY_LABEL = re.compile(
    rf"\b(?:qty|quantity|quant\.)\.?\s*(?:of\s*)?[:=]?\s*(?P<num>{_NUM})(?:\.0{{1,2}})?"
    rf"(?:\s*(?P<unit>{_UNIT})\b)?",
    re.I,
)
_QTY_MARKER = re.compile(
    r"\b(?:balance|remaining|remainder|rest|another|additional|further|first|final|last|"
    r"partial(?:\s+(?:shipment|delivery))?|ship(?:ping)?|deliver(?:ing)?|send(?:ing)?|"
    r"dispatch(?:ing)?)(?:\s+(?:of|qty|quantity))?(?:\s+(?:the|you))?\s+"
    rf"(?P<num>{_NUM})(?:\.0{{1,2}})?(?:\s*(?P<unit>{_UNIT})\b)?"
    r"(?!\s*(?:days?|weeks?|months?|%|hours?|[./:]\d|working|business))",
    re.I,
)
_QTY_OF_TOTAL = re.compile(
    rf"(?<![\w.,/#-])(?P<num>{_NUM})\s+(?:of|out\s+of)\s+(?:the\s+|your\s+)?"
    rf"(?:total\s+|ordered\s+|open\s+)?(?P<total>{_NUM})\s*(?P<unit>{_UNIT})\b",
    re.I,
)
_OF_TOTAL = re.compile(
    rf"\s+(?:of|out\s+of)\s+(?:the\s+|your\s+)?(?:total\s+|ordered\s+|open\s+)?(?P<num>{_NUM})"
    rf"(?:\s*(?P<unit>{_UNIT})\b)?",
    re.I,
)


def normalise_po(raw: str) -> str:
    """Canonical PO number: upper case; separators dropped from all-digit numbers."""
    value = raw.strip().upper()
    value = re.sub(r"^(?:P\.?O\.?|P/O)[\s#:-]*", "", value)
    if re.fullmatch(r"[\d\s.-]+", value):
        return re.sub(r"\D", "", value)
    return re.sub(r"\s+", "", value)


def _digits(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


def _split_line(po: str) -> tuple[str, int | None]:
    match = re.fullmatch(r"(\d{6,})-(\d{1,3})", po)
    if match:
        return match.group(1), int(match.group(2))
    return po, None


def find_pos(text: str, known: frozenset[str] = frozenset()) -> list[PoMention]:
    """Labelled PO numbers (with lists "POs 111, 222 and 333") and bare known PO numbers."""
    found: list[PoMention] = []
    for match in _PO_LABEL.finditer(text):
        weak = match.group("weak") is not None
        raw = match.group("id")
        if _digits(raw) < (5 if weak else 4) or re.match(
            rf"\s*{_UNIT}\b", text[match.end() :], re.I
        ):
            continue
        if weak and _NOT_CUSTOMER_ORDER.search(text[max(0, match.start() - 20) : match.start()]):
            continue  # "our order 998877" is the supplier's own sales order
        po, line = _split_line(normalise_po(raw))
        end = match.end()
        suffix = _LINE_SUFFIX.match(text, end)
        if suffix and line is None:
            line, end = int(suffix.group("line")), suffix.end()
        found.append(PoMention(match.start("id"), end, po, line, True, weak))
        while more := _PO_MORE.match(text, end):
            other = normalise_po(more.group("id"))
            same_shape = other.isdigit() == po.isdigit() and abs(len(other) - len(po)) <= 2
            if not (same_shape and _digits(other) >= 5):
                break
            end = more.end()
            found.append(PoMention(more.start("id"), end, other, None, True, weak))
    taken = [(m.start, m.end) for m in found]
    shapes = {(len(po), po[:3]) for po in known if po.isdigit() and len(po) >= 7}
    for match in re.finditer(r"(?<![\w./-])\d{7,12}(?![\w/-]|[.,]\d)", text):
        # A bare number shaped like the message's labelled POs (same length and prefix) is one.
        number = match.group(0)
        free = not any(match.start() < e and s < match.end() for s, e in taken)
        if (len(number), number[:3]) in shapes and number not in known and free:
            found.append(PoMention(match.start(), match.end(), number, None, False))
    for po in known:
        for match in re.finditer(rf"(?<![\w-]){re.escape(po)}(?![\w-])", text, re.I):
            if any(match.start() < e and s < match.end() for s, e in taken):
                continue
            end, line = match.end(), None
            suffix = _LINE_SUFFIX.match(text, end)
            if suffix:
                line, end = int(suffix.group("line")), suffix.end()
            found.append(PoMention(match.start(), end, po, line, False))
    return sorted(found, key=lambda m: m.start)


def find_lines(text: str, blocked: list[Span]) -> list[LineMention]:
    """PO line references, including lists ("lines 10 and 20")."""
    found: list[LineMention] = []
    for match in _LINE.finditer(text):
        if _overlaps(match.span("n"), blocked):
            continue
        number = match.group("n")
        if match.group(0).lower().startswith("item") and len(number) > 4 and number[0] != "0":
            continue  # "item 100234" is a part number; "item 00010" is SAP's line 10
        found.append(LineMention(match.start(), match.end(), int(match.group("n"))))
        end = match.end()
        while more := _LINE_MORE.match(text, end):
            end = more.end()
            found.append(LineMention(more.start("n"), end, int(more.group("n"))))
    return found


def find_skus(text: str, blocked: list[Span]) -> list[SkuMention]:
    """Item / part numbers named with a label ("item AB-1234", "P/N 778-22")."""
    found: list[SkuMention] = []
    for match in _SKU.finditer(text):
        sku = match.group("sku").rstrip(".").upper()
        if not any(ch.isdigit() for ch in sku) or _overlaps(match.span("sku"), blocked):
            continue
        short = sku.isdigit() and (len(sku) <= 4 or sku.startswith("0"))
        if match.group("label").lower() == "item" and short:
            continue  # "item 10" / "item 00010" is a line
        found.append(SkuMention(match.start("sku"), match.start("sku") + len(sku), sku))
    return found


def _to_int(num: str) -> int | None:
    word = num.lower()
    if word in NUMBER_WORDS:
        return NUMBER_WORDS[word]
    digits = re.sub(r"[,.'\u202f]", "", num)
    return int(digits) if digits.isdigit() else None


def find_quantities(
    text: str, blocked: list[Span]
) -> tuple[list[QuantityMention], list[SkuMention]]:
    """Quantities ("1,200 pcs", "qty 300", "the balance of 200") and codes right after them."""
    candidates: list[tuple[int, int, int, str | None, int | None]] = []
    for pattern in (_QTY_OF_TOTAL, _QTY_UNIT, _QTY_LABEL, _QTY_MARKER):
        for match in pattern.finditer(text):
            value = _to_int(match.group("num"))
            if value is None or value == 0 or _overlaps(match.span("num"), blocked):
                continue
            unit = match.group("unit")
            # "300 of the 500 pcs": 300 now, out of 500 ordered.
            ordered = _to_int(match.group("total")) if pattern is _QTY_OF_TOTAL else None
            normal = UNITS[unit.lower()] if unit else None
            candidates.append((match.start("num"), match.end(), value, normal, ordered))
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    found: list[QuantityMention] = []
    codes: list[SkuMention] = []
    skip_until = -1
    for start, end, value, unit, of_total in candidates:
        if start < skip_until or any(start < q.end and q.start < end for q in found):
            continue
        tail = _OF_TOTAL.match(text, end) if of_total is None else None
        partial_of = of_total
        if tail and (unit or tail.group("unit")):
            partial_of = _to_int(tail.group("num"))
            unit = unit or UNITS[tail.group("unit").lower()]
            skip_until = tail.end()
        each = re.match(r"\s*(?:each|per\s+(?:po|line|item))\b", text[end:], re.I) is not None
        found.append(QuantityMention(start, end, value, unit, each, partial_of))
        code = _CODE_AFTER_UNIT.match(text, max(end, skip_until))
        is_code = code is not None and not _DATE_LIKE_CODE.match(code.group("sku"))
        if unit and code is not None and is_code and not _overlaps(code.span("sku"), blocked):
            codes.append(SkuMention(code.start("sku"), code.end("sku"), code.group("sku").upper()))
    return found, codes


def _overlaps(span: Span, blocked: list[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in blocked)


_KIND_RULES: list[tuple[CommitmentKind, str]] = [
    (
        CommitmentKind.READY,
        r"ready\s+(?:to\s+(?:ship|dispatch|go|be\s+(?:shipped|collected|picked\s+up))|for\s+"
        r"(?:shipment|shipping|dispatch|despatch|collection|pick-?up|loading|delivery))|"
        r"available\s+for\s+(?:collection|pick-?up|shipment|dispatch)",
    ),
    (
        CommitmentKind.SHIP,
        r"etd|ex[\s-]?factory|ship(?:s|ped|ping|ment|ments)?|dispatch(?:es|ed|ing)?|"
        r"despatch(?:es|ed|ing)?|send(?:s|ing)?\s+out|sent\s+out|send(?:s|ing)?(?=\s+(?:you\s+)?\d)|"
        r"leave(?:s)?|leaving|left\s+our|go(?:es)?\s+out|went\s+out|loaded|loading|on\s+board|"
        r"sail(?:s|ing)?|picked\s+up\s+by|handed\s+over|in\s+transit|on\s+(?:its|their)\s+way",
    ),
    (
        CommitmentKind.DELIVER,
        r"eta|deliver(?:s|ed|ing|y|ies)?|arriv(?:e|es|ed|ing|al)|reach(?:es|ing)?\s+(?:you|your)|"
        r"be\s+with\s+you|(?:on|at)\s+your\s+(?:dock|site|warehouse|dc|premises|door)|"
        r"you\s+(?:will|should|'ll)\s+(?:receive|get|have)(?:\s+(?:it|them|the\s+goods))?|"
        r"in\s+your\s+(?:warehouse|hands)",
    ),
    (
        CommitmentKind.READY,
        r"ready|available|availability|in\s+stock|ex[\s-]?works|exw|produced|manufactured|"
        r"production\s+(?:will\s+be\s+)?(?:complete[d]?|finished|done)",
    ),
    (
        CommitmentKind.UNSPECIFIED,
        r"confirm(?:s|ed)?|promised?|commit(?:ted)?|new\s+date|revised\s+date|scheduled|"
        r"(?:postponed|delayed|rescheduled|moved|pushed(?:\s+(?:out|back))?|shifted|pulled\s+in|"
        r"brought\s+forward)(?=\s+(?:\w+\s+){0,3}?(?:to|until|till|from|into)\b)|"
        r"(?:offer|supply|provide|release)(?=\s+(?:you\s+)?(?:the\s+)?\d)|"
        r"(?:needs?|takes?|requires?)(?=\s+(?:another|a\s+further|an\s+additional|additional|further))",
    ),
]
_KIND_RE = re.compile(
    "|".join(f"(?P<k{i}>\\b(?:{pattern})\\b)" for i, (_, pattern) in enumerate(_KIND_RULES)),
    re.I,
)
_PAST_FORM = re.compile(
    r"^(?:shipped|dispatched|despatched|sent\s+out|left\s+our|went\s+out|loaded|picked\s+up\s+by|"
    r"handed\s+over|in\s+transit|on\s+(?:its|their)\s+way|delivered|arrived)$",
    re.I,
)
_FUTURE_AUX = re.compile(
    r"\b(?:will|shall|'ll|can|could|would|should|to|must|be|being|get|gets|getting|not)\s+"
    r"(?:\w+\s+){0,2}$",
    re.I,
)
_NOUN_FORM = re.compile(
    r"^(?:delivery|deliveries|shipment|shipments|shipping|availability|arrival|eta|etd|"
    r"confirm|confirmed|new\s+date|revised\s+date)$",
    re.I,
)


def find_kinds(text: str) -> list[KindMention]:
    """Words that say what will happen on a date, with tense."""
    found: list[KindMention] = []
    for match in _KIND_RE.finditer(text):
        index = next(i for i, value in enumerate(match.groups()) if value is not None)
        kind = _KIND_RULES[index][0]
        word = match.group(0)
        before = text[max(0, match.start() - 30) : match.start()]
        past = bool(_PAST_FORM.match(word)) and not _FUTURE_AUX.search(before)
        if kind is CommitmentKind.SHIP and past:
            kind = CommitmentKind.SHIPPED
        found.append(
            KindMention(match.start(), match.end(), kind, past, bool(_NOUN_FORM.match(word)))
        )
    return found

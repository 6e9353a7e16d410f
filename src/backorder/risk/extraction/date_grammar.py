"""Where the date phrases are: a small grammar of how suppliers write dates.

This module only finds phrases (spans with their parts); `dates.py` turns them into
dates. Finding is ours rather than `dateparser.search` because we need exact spans,
vague phrases ("soon", "TBC") and the forms dateparser does not know ("KW 48", "EOM").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4,
    "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "twenty": 20, "thirty": 30,
    "a couple of": 2, "couple of": 2, "a couple": 2,
}  # fmt: skip

MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
WEEKDAY = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?|"
    r"sat(?:urday)?|sun(?:day)?)"
)
_NUM = r"(?:\d{1,3}|a\s+couple(?:\s+of)?|couple\s+of|a\s+few|few|an?|one|two|three|four|five|" \
    r"six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|twenty|thirty)"  # fmt: skip
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s*(?P<y>20\d\d))?"
_WEEK_PART = (
    r"(?P<part>early|beginning\s+of|start\s+of|mid|middle\s+of|end\s+of|the\s+end\s+of|late|"
    r"latter\s+part\s+of|later)"
)
_MONTH_PART = (
    r"(?P<part>early|beginning\s+of|start\s+of|first\s+half\s+of|1st\s+half\s+of|mid|"
    r"middle\s+of|second\s+half\s+of|2nd\s+half\s+of|late|end\s+of|the\s+end\s+of|"
    r"(?:first|1st|second|2nd|third|3rd|fourth|4th|last)\s+week\s+of|later)"
)

# Each rule is (name, pattern). Overlaps are settled longest-first, then by this order.
_RULES: list[tuple[str, str]] = [
    (
        "vague",
        r"\b(?:soon|shortly|asap|a\.s\.a\.p\.?|as\s+soon\s+as\s+(?:possible|we\s+can)|"
        r"in\s+(?:the\s+)?(?:coming|next)\s+(?:few\s+)?(?:days|weeks)|"
        r"(?:the\s+)?next\s+few\s+(?:days|weeks)|in\s+due\s+course|at\s+a\s+later\s+(?:date|stage)|"
        r"tbc|tba|tbd|"
        r"to\s+be\s+(?:confirmed|advised|determined)|not\s+yet\s+known|"
        r"(?:before|after|over)\s+(?:christmas|xmas|the\s+holidays|new\s+year|chinese\s+new\s+year|cny))\b",
    ),
    ("iso", r"\b(?P<y>20\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    (
        "numeric",
        r"(?<![\w./,#-])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})"
        r"(?:(?P=sep)(?P<y>\d{4}|\d{2})(?!\d))?(?P<dot>\.(?!\d))?(?![\w/-]|[.,]\d)",
    ),
    (
        "month_day_range",
        rf"\b(?P<mon>{MONTH})\.?\s+(?P<d>\d{{1,2}}){_ORD}\s*(?:-|–|to|until)\s*"
        rf"(?P<d2>\d{{1,2}}){_ORD}\b{_YEAR}",
    ),
    (
        "day_month_range",
        rf"\b(?P<d>\d{{1,2}}){_ORD}\s*(?:-|–|to|until)\s*(?P<d2>\d{{1,2}}){_ORD}\s+(?:of\s+)?"
        rf"(?P<mon>{MONTH})\b\.?{_YEAR}",
    ),
    (
        "month_day",
        rf"(?:\b(?P<wd>{WEEKDAY})\.?,?\s+(?:the\s+)?)?\b(?P<mon>{MONTH})\.?\s+(?P<d>\d{{1,2}}){_ORD}"
        rf"(?![\d,.]\d)\b{_YEAR}",
    ),
    (
        "day_month",
        rf"(?:\b(?P<wd>{WEEKDAY})\.?,?\s+)?(?:\bthe\s+)?\b(?P<d>\d{{1,2}}){_ORD}(?:\s+of)?[\s.-]+"
        rf"(?P<mon>{MONTH})\b\.?(?:[\s,.-]+(?P<y>20\d\d))?",
    ),
    ("ordinal_day", r"\bthe\s+(?P<d>\d{1,2})(?:st|nd|rd|th)\b"),
    (
        "weekday_ordinal",
        rf"\b(?P<wd>{WEEKDAY})\.?,?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?{MONTH})",
    ),
    (
        "weekday",
        rf"\b(?:(?P<rel>this|next|coming|the\s+following)\s+)?(?P<wd>{WEEKDAY})\b\.?"
        r"(?:\s+(?:of\s+)?(?P<wk>this|next|the\s+following)\s+week)?",
    ),
    ("week_weekday", rf"\b(?P<wk>this|next)\s+week(?:'s)?,?\s+(?P<wd>{WEEKDAY})\b"),
    (
        "relative_day",
        r"\b(?P<word>today|tomorrow|tmrw|tmr|(?:the\s+)?day\s+after\s+tomorrow|tonight|"
        r"yesterday|immediately|right\s+away|(?<=ready\s)now|(?<=available\s)now|"
        r"(?:the\s+)?end\s+of\s+(?:the\s+)?(?:business\s+)?day|eod|cob|eob|close\s+of\s+business)\b",
    ),
    (
        "duration",
        rf"\b(?P<prep>in|within|after|inside(?:\s+of)?|another|a\s+further|an\s+additional|"
        rf"additional|further)\s+(?:the\s+next\s+)?(?P<n>{_NUM})"
        rf"(?:\s*(?:-|–|to|or)\s*(?P<n2>{_NUM}))?\s+(?P<biz>business\s+|working\s+|work\s+|"
        r"calendar\s+)?(?P<unit>days?|weeks?|wks?|months?)\b(?:'?\s*time)?",
    ),
    (
        "duration_from_now",
        rf"\b(?P<n>{_NUM})(?:\s*(?:-|–|to)\s*(?P<n2>{_NUM}))?\s+(?P<biz>business\s+|working\s+)?"
        r"(?P<unit>days?|weeks?)\s+from\s+(?:now|today)\b",
    ),
    ("week_after_next", r"\b(?:the\s+)?week\s+after\s+next\b"),
    (
        "week_rel",
        rf"\b(?:{_WEEK_PART}[\s-]+(?:of\s+)?)?(?P<which>this|next|the\s+following|the|coming)?"
        r"\s*[\s-]?week\b(?!\s+(?:of|after|\d))",
    ),
    (
        "week_number",
        rf"\b(?:{_WEEK_PART}[\s-]+)?(?:(?:calendar|cal\.?|production)\s+)?(?:week|wk|kw|cw)\.?\s*"
        r"(?:no\.?\s*|#\s*)?(?P<w>\d{1,2})(?:\s*(?P<sep>[/-])\s*(?P<w2>\d{2,4}))?\b",
    ),
    (
        "month_part",
        rf"\b(?:{_MONTH_PART}[\s-]+(?:of\s+)?)?(?:(?P<rel>this|next|the\s+following|the|coming)"
        rf"\s+month\b|(?P<mon>{MONTH})\b\.?(?:\s+(?P<y>20\d\d))?)",
    ),
    (
        "month_end",
        r"\b(?:eom|month[\s-]?end|end[\s-]of[\s-](?:the[\s-])?month|mid[\s-]?month|"
        r"(?:the\s+)?middle\s+of\s+the\s+month|(?:beginning|start)\s+of\s+(?:the\s+)?month)\b",
    ),
    ("year_end", r"\b(?:eoy|year[\s-]?end|end\s+of\s+(?:the\s+|this\s+)?year)\b"),
]
_COMPILED = [(name, re.compile(pattern, re.I)) for name, pattern in _RULES]
# "W48"/"WK48" are only week numbers when written in capitals glued to the number.
_COMPILED.append(("week_number", re.compile(r"\bWK?(?P<w>\d{2})\b")))

_DATE_CUE = re.compile(
    r"(?:\b(?:on|by|until|till|before|from|to|date|eta|etd|due|latest|dd)|[:=])\s*$", re.I
)
_UNIT_AFTER = re.compile(r"\s*(?:%|(?:kg|g|t|mm|cm|m|l|lbs?|pcs|pc|ea|units?|x|usd|eur)\b)", re.I)
_MONTH_ONLY_CUE = re.compile(
    r"\b(?:in|during|for|by|until|till|before|around|within|throughout|from|to|of)\s+"
    r"(?:the\s+month\s+of\s+)?(?:(?:early|mid|late)\s+)?$",
    re.I,
)
_WEEK_OF = re.compile(r"\b(?:the\s+)?week\s+of\s+(?:the\s+)?$", re.I)


@dataclass(frozen=True)
class DateSpan:
    """A date phrase found in a text: where it is and which grammar rule matched it."""

    start: int
    end: int
    text: str
    rule: str
    groups: dict[str, str | None]
    week_of: bool = False  # "the week of Dec 9": the whole working week around the date

    @property
    def vague(self) -> bool:
        """True for phrases that name no date at all ("soon", "TBC")."""
        return self.rule == "vague"


def _plausible(name: str, match: re.Match[str], text: str, standalone: bool) -> bool:
    """Reject matches that are numbers or words in another role."""
    groups = match.groupdict()
    prefix = text[max(0, match.start() - 30) : match.start()]
    if name == "numeric":
        a, b = int(groups["a"] or 0), int(groups["b"] or 0)
        if not (1 <= a <= 31 and 1 <= b <= 31) or (a > 12 and b > 12):
            return False
        if groups["y"] is None:
            if groups["sep"] == "-":
                return False  # "3-4" is a range of numbers, not March 4
            cued = standalone or groups["dot"] or _DATE_CUE.search(prefix)
            if groups["sep"] == "." and not cued:
                return False  # "2.5 kg"
            if _UNIT_AFTER.match(text, match.end()):
                return False
        return True
    if name == "month_part":
        word = match.group(0)
        if groups["mon"] and groups["part"] is None and groups["y"] is None:
            # "in January" is a date; the modal verb "may", the name "Jan" are not.
            if groups["mon"].lower() == "may" and not groups["mon"][0].isupper():
                return False
            return _MONTH_ONLY_CUE.search(prefix) is not None
        if groups["part"] and groups["part"].lower() == "later" and not groups["rel"]:
            return False
        return bool(word.strip())
    if name == "week_rel":
        return bool(groups["part"] or groups["which"]) and (
            groups["which"] is None or groups["which"].lower() != "the" or bool(groups["part"])
        )
    if name == "week_number":
        return 1 <= int(groups["w"] or 0) <= 53
    if name in ("month_day", "day_month", "ordinal_day", "weekday_ordinal"):
        return 1 <= int(groups["d"] or 0) <= 31
    return True


def find_date_spans(
    text: str, protected: list[tuple[int, int]] | None = None, standalone: bool = False
) -> list[DateSpan]:
    """All date phrases in `text`, non-overlapping, outside `protected` spans (POs, lines)."""
    # `standalone`: the text is a table's date cell, so "05.12" needs no cue word before it.
    blocked = protected or []
    candidates: list[tuple[int, int, int, str, re.Match[str]]] = []
    for order, (name, pattern) in enumerate(_COMPILED):
        for match in pattern.finditer(text):
            start, end = match.span()
            if end <= start or not match.group(0).strip():
                continue
            if any(start < b_end and b_start < end for b_start, b_end in blocked):
                continue
            if _plausible(name, match, text, standalone):
                candidates.append((start, end, order, name, match))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[2], c[0]))
    chosen: list[DateSpan] = []
    taken: list[tuple[int, int]] = []
    for start, end, _, name, match in candidates:
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        week_of = False
        if name in ("iso", "numeric", "month_day", "day_month"):
            lead = _WEEK_OF.search(text[max(0, start - 20) : start])
            if lead:
                start, week_of = start - (len(lead.group(0))), True
        full_stop = name != "numeric" or match.group("sep") != "."
        if full_stop and text[end - 1] == ".":
            end -= 1  # the sentence's full stop, not part of "January"
        taken.append((start, end))
        groups = dict(match.groupdict().items())
        chosen.append(DateSpan(start, end, text[start:end], name, groups, week_of))
    chosen.sort(key=lambda s: s.start)
    return _join_weekdays(text, chosen)


_ABSOLUTE = ("iso", "numeric", "month_day", "day_month")


def _join_weekdays(text: str, spans: list[DateSpan]) -> list[DateSpan]:
    """Join a weekday to the date written right after it ("Thursday, 28/11/2024")."""
    joined: list[DateSpan] = []
    for span in spans:
        prev = joined[-1] if joined else None
        plain_weekday = (
            prev is not None
            and prev.rule == "weekday"
            and not prev.groups.get("rel")
            and not prev.groups.get("wk")
        )
        gap = text[prev.end : span.start] if prev is not None else ""
        if (
            prev is not None
            and plain_weekday
            and span.rule in _ABSOLUTE
            and re.fullmatch(r"\s*,?\s*(?:the\s+)?", gap)
        ):
            groups = {**span.groups, "wd": prev.groups.get("wd")}
            joined[-1] = DateSpan(
                prev.start, span.end, text[prev.start : span.end], span.rule, groups, span.week_of
            )
            continue
        joined.append(span)
    return joined

"""Cue words that change what a dated clause means: negation, hedging, conditions, ...

Each cue is a plain regular expression over one clause; the extractor decides what a
cue does (drop the date, lower the confidence, or raise an unsure fragment).
"""

from __future__ import annotations

import re

# Phrases that contain a negation word but are positive: "no later than Dec 5" is a deadline.
_NEGATION_EXEMPT = re.compile(
    r"\b(?:no|not)\s+later\s+than\b|\bif\s+not\s+(?:earlier|sooner|before)\b|\bnot\s+only\b|"
    r"\bnot\s+before\b|\bno\s+earlier\s+than\b|\bnot\s+earlier\s+than\b|\bno\s+problem\b|"
    r"\bnot\s+a\s+problem\b|\bno\s+issue\b",
    re.I,
)
_NEGATION = re.compile(
    r"\b(?:not|cannot|can't|cant|won't|wont|unable|impossible|no\s+longer|don't|doesn't|"
    r"didn't|isn't|aren't|wasn't|weren't|never|no\s+way|no\s+chance|nor|neither)\b|"
    r"\bcan\s+no\b",
    re.I,
)
EARLIEST = re.compile(
    r"\b(?:not\s+before|no\s+earlier\s+than|not\s+earlier\s+than|at\s+the\s+earliest|"
    r"earliest\s+possible)\b",
    re.I,
)
STRONG_HEDGE = re.compile(
    r"\b(?:hopefully|we\s+hope|hope\s+to|try(?:ing)?\s+to|aim(?:ing)?\s+(?:to|for)|might|"
    r"possibly|tentative(?:ly)?|provisional(?:ly)?|preliminary|best\s+case|at\s+best|"
    r"if\s+all\s+goes\s+well|fingers\s+crossed|subject\s+to|pending|"
    r"may(?!\s+\d)|not\s+guaranteed)\b",
    re.I,
)
MILD_HEDGE = re.compile(r"\b(?:should|probably|likely|expect(?:ed)?\s+to)\b", re.I)
APPROX_BEFORE = re.compile(
    r"\b(?:around|about|approx(?:imately|\.)?|roughly|circa|ca\.)\s*(?:the\s+)?$", re.I
)
_CONDITIONAL_EXEMPT = re.compile(
    r"\bif\s+(?:not|possible|needed|required|any|necessary|so)\b|\bas\s+long\s+as\s+possible\b",
    re.I,
)
CONDITIONAL = re.compile(
    r"\b(?:if|provided(?:\s+that)?|assuming|in\s+case|unless|as\s+long\s+as|on\s+condition|"
    r"depending\s+on|once\s+we\s+(?:receive|get|have)|otherwise|"
    r"(?:would|could)(?!\s+(?:like|love|be\s+(?:glad|happy|pleased)|not)))\b",
    re.I,
)
_QUESTION_START = re.compile(
    r"^\s*(?:(?:can|could|would|will|is|are|do|does|shall)\s+(?:you|it|we|that|this)\b|"
    r"would\s+it\b|is\s+it\s+possible\b|please\s+(?:confirm|advise|let\s+(?:us|me)\s+know)\s+"
    r"(?:if|whether)\b)",
    re.I,
)
FOLLOW_UP = re.compile(
    r"\b(?:(?:will|shall|'ll|going\s+to|to|try\s+to)\s+(?:\w+\s+){0,2}?(?:confirm|revert|"
    r"get\s+back|come\s+back|update|advise|inform|let\s+you\s+know|reply|respond|check|"
    r"follow\s+up|send\s+(?:you\s+)?(?:an?\s+|the\s+|our\s+)?(?:update|confirmation|"
    r"new\s+date|feedback|answer|reply))|revert(?:ing)?|get\s+back\s+to\s+you|"
    r"come\s+back\s+to\s+you|keep\s+you\s+(?:posted|updated|informed)|feedback|update\s+you)\b",
    re.I,
)
_FOLLOW_UP_EXEMPT = re.compile(
    r"\b(?:pleased|happy|glad|like|writing|write|able|want)\s+to\s+confirm\b", re.I
)
BALANCE = re.compile(
    r"\b(?:balance|remaining|remainder|(?<!rest\s)rest(?!\s+assured)|outstanding|the\s+others|the\s+other\s+(?:half|part|pieces|units)|"
    r"(?:final|last)\s+(?:shipment|delivery|part|batch|lot|half))\b",
    re.I,
)
PARTIAL = re.compile(
    r"\b(?:partial(?:ly)?|part[\s-](?:shipment|delivery)|first\s+(?:shipment|delivery|part|"
    r"batch|lot|half)|split\s+(?:shipment|delivery)|only|two\s+batches)\b|\d\s*%",
    re.I,
)
SUPERSEDED_BEFORE = re.compile(
    r"\b(?:from|instead\s+of|originally|previously|initially|was|were|old\s+date:?|replacing|"
    r"vs\.?|rather\s+than|(?:original|old|previous|requested)\s+(?:date|eta|etd)?:?)\s+"
    r"(?:the\s+)?(?:planned\s+|confirmed\s+|original\s+|requested\s+)?$",
    re.I,
)
# "your PO dated 12 November", "our quote of Oct 3", "received on Monday": a document's date.
DOCUMENT_DATE_BEFORE = re.compile(
    r"\b(?:dated|of|sent\s+on|received\s+on|placed\s+on|issued\s+on)\s+(?:the\s+)?$",
    re.I,
)
RESCHEDULE = re.compile(
    r"\b(?:postpone|delay|moved|move|moving|push|reschedul|chang|shift|slip|revis|"
    r"replac|instead|pull(?:ed)?\s+in|brought\s+forward|advanc)\w*",
    re.I,
)
RANGE_JOINER = re.compile(r"^\s*(?:-|–|to|until|till|and|or)\s*$", re.I)
BETWEEN = re.compile(r"\bbetween\s+(?:the\s+)?$", re.I)
STRONG_BREAK = re.compile(r"[,;(]|\.\s|\s[-–]\s|\n|\b(?:but|however|whereas|while)\b", re.I)
WEAK_BREAK = re.compile(
    r"\b(?:and|then|plus|with|the\s+rest|the\s+balance|remaining|followed\s+by)\b", re.I
)


_HEDGE_EXEMPT = re.compile(
    r"\b(?:would|could)\s+(?:like|love|be\s+(?:glad|happy|pleased))\b|"
    r"\b(?:would|could|might|may)\s+not\b",
    re.I,
)


def hedge_factor(text: str) -> tuple[float, str | None]:
    """Confidence multiplier for hedged wording, and the hedge word found."""
    cleaned = _HEDGE_EXEMPT.sub(" ", text)
    strong = STRONG_HEDGE.search(cleaned)
    if strong:
        return 0.55, strong.group(0)
    mild = MILD_HEDGE.search(cleaned)
    if mild:
        return 0.85, mild.group(0)
    return 1.0, None


def negated(clause: str) -> bool:
    """True when the clause denies what it says ("we cannot ship by Friday")."""
    return _NEGATION.search(_NEGATION_EXEMPT.sub(" ", clause)) is not None


def conditional(clause: str) -> bool:
    """True when the clause only holds under a condition ("if you accept a partial ...")."""
    return CONDITIONAL.search(_CONDITIONAL_EXEMPT.sub(" ", clause)) is not None


def question(sentence: str) -> bool:
    """True for questions and requests, which propose rather than promise."""
    return sentence.rstrip().endswith("?") or _QUESTION_START.search(sentence) is not None


def follow_up_end(clause: str) -> int | None:
    """End offset of a promise to write back ("we will revert"), if the clause has one."""
    cleaned = _FOLLOW_UP_EXEMPT.sub(lambda m: " " * len(m.group(0)), clause)
    match = FOLLOW_UP.search(cleaned)
    return match.end() if match else None

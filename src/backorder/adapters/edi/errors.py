"""Issues found in inbound X12: where (interchange, set, segment, element) and why.

Two shapes are used. `Problem` is local to one transaction set (positions counted from ST)
and carries the X12 997 codes (AK3/AK4) for it; the parser turns every problem into an
`EdiIssue`, which adds the envelope identifiers and the position within the file.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class IssueLevel(enum.StrEnum):
    """How much of the file an issue spoils."""

    FILE = "file"  # data outside any readable interchange
    INTERCHANGE = "interchange"  # ISA/IEA problem: every set in the interchange fails
    GROUP = "group"  # GS/GE problem: every set in the group fails
    TRANSACTION_SET = "transaction_set"  # ST/SE problem or the set as a whole
    SEGMENT = "segment"  # a segment is missing, unexpected or unknown
    ELEMENT = "element"  # one element (or component) of a segment is wrong


# X12 997 code lists (4010 and 5010 share these values).
class SegmentError:
    """AK304: segment syntax error codes."""

    UNRECOGNIZED = "1"
    UNEXPECTED = "2"
    MANDATORY_MISSING = "3"
    LOOP_OVER_MAX = "4"
    EXCEEDS_MAX_USE = "5"
    NOT_IN_SET = "6"
    OUT_OF_SEQUENCE = "7"
    HAS_ELEMENT_ERRORS = "8"


class ElementError:
    """AK403: data element syntax error codes."""

    MANDATORY_MISSING = "1"
    CONDITIONAL_MISSING = "2"
    TOO_MANY_ELEMENTS = "3"
    TOO_SHORT = "4"
    TOO_LONG = "5"
    INVALID_CHARACTER = "6"
    INVALID_CODE = "7"
    INVALID_DATE = "8"
    INVALID_TIME = "9"
    EXCLUSION_VIOLATED = "10"


class SetError:
    """AK502: transaction set syntax error codes."""

    NOT_SUPPORTED = "1"
    TRAILER_MISSING = "2"
    CONTROL_NUMBER_MISMATCH = "3"
    SEGMENT_COUNT_MISMATCH = "4"
    SEGMENTS_IN_ERROR = "5"
    BAD_IDENTIFIER = "6"
    BAD_CONTROL_NUMBER = "7"


class GroupError:
    """AK905: functional group syntax error codes."""

    NOT_SUPPORTED = "1"
    VERSION_NOT_SUPPORTED = "2"
    TRAILER_MISSING = "3"
    CONTROL_NUMBER_MISMATCH = "4"
    SET_COUNT_MISMATCH = "5"
    BAD_CONTROL_NUMBER = "6"


@dataclass(frozen=True, slots=True)
class Problem:
    """Something wrong inside one transaction set; positions count from its ST (= 1)."""

    code: str  # machine-readable cause, e.g. "grammar.F16" or "content.unknown_qualifier"
    reason: str
    segment_id: str | None = None
    position: int | None = None
    element: int | None = None
    component: int | None = None
    segment_error: str | None = None  # AK304
    element_error: str | None = None  # AK403
    bad_value: str | None = None

    @property
    def level(self) -> IssueLevel:
        """The narrowest scope the problem can be pinned to."""
        if self.element is not None:
            return IssueLevel.ELEMENT
        if self.segment_id is not None:
            return IssueLevel.SEGMENT
        return IssueLevel.TRANSACTION_SET


@dataclass(frozen=True, slots=True)
class EdiIssue:
    """An error or warning about inbound X12, located as precisely as the cause allows.

    Positions are 1-based. `segment_position_in_set` counts from the ST segment (= 1);
    `segment_position_in_file` counts every segment of the file from its first ISA (= 1);
    `line` is the text line the segment starts on.
    """

    level: IssueLevel
    code: str
    reason: str
    interchange_control_number: str | None = None
    group_control_number: str | None = None
    transaction_set_id: str | None = None
    transaction_set_control_number: str | None = None
    segment_id: str | None = None
    segment_position_in_set: int | None = None
    segment_position_in_file: int | None = None
    line: int | None = None
    element_position: int | None = None
    component_position: int | None = None

    def __str__(self) -> str:
        where = []
        if self.interchange_control_number is not None:
            where.append(f"interchange {self.interchange_control_number}")
        if self.transaction_set_id is not None:
            where.append(f"set {self.transaction_set_id} #{self.transaction_set_control_number}")
        if self.segment_id is not None:
            seg = f"segment {self.segment_id}"
            if self.segment_position_in_set is not None:
                seg += f" (position {self.segment_position_in_set} in set)"
            where.append(seg)
        if self.segment_position_in_file is not None:
            where.append(f"file segment {self.segment_position_in_file}")
        if self.element_position is not None:
            elem = f"element {self.element_position:02d}"
            if self.component_position is not None:
                elem += f"-{self.component_position}"
            where.append(elem)
        return f"{', '.join(where)}: {self.reason} [{self.code}]"

"""The content of a 997 functional acknowledgement, decided while parsing an inbound group.

`parse_inbound` returns one `GroupAcknowledgement` per functional group it could read; the
writer (`x997.write_997`) renders them. Keeping the decision (what was accepted, with which
error codes) apart from the rendering lets the service store or inspect it before sending.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from backorder.adapters.edi.documents import GroupInfo, InterchangeInfo
from backorder.adapters.edi.errors import Problem, SegmentError, SetError

_MAX_CODES = 5  # AK502..AK506 and AK905..AK909
_MAX_ELEMENT_NOTES = 99  # AK4 repeats per AK3


class AckCode(enum.StrEnum):
    """AK501 / AK901 acknowledgement codes."""

    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    PARTIALLY_ACCEPTED = "P"  # groups only
    REJECTED = "R"


@dataclass(frozen=True, slots=True)
class ElementNote:
    """AK4: one element in error."""

    position: int
    component: int | None
    error_code: str
    bad_value: str | None


@dataclass(frozen=True, slots=True)
class SegmentNote:
    """AK3: one segment in error, with its element errors."""

    segment_id: str
    position: int  # within the transaction set, ST = 1
    error_code: str | None
    elements: tuple[ElementNote, ...]


@dataclass(frozen=True, slots=True)
class TransactionSetResponse:
    """AK2 + AK5: the verdict on one transaction set."""

    transaction_set_id: str
    control_number: str
    status: AckCode
    error_codes: tuple[str, ...]
    segments: tuple[SegmentNote, ...]

    @property
    def accepted(self) -> bool:
        """True when the set was accepted (with or without noted errors)."""
        return self.status in (AckCode.ACCEPTED, AckCode.ACCEPTED_WITH_ERRORS)


@dataclass(frozen=True, slots=True)
class GroupAcknowledgement:
    """AK1 .. AK9: the verdict on one inbound functional group, ready to be written."""

    interchange: InterchangeInfo
    group: GroupInfo
    status: AckCode
    error_codes: tuple[str, ...]
    included: int  # AK902: sets the GE said it holds
    received: int  # AK903: sets found
    accepted: int  # AK904
    responses: tuple[TransactionSetResponse, ...]


def set_accepted(set_id: str, control_number: str) -> TransactionSetResponse:
    """An AK5 A for a set without problems."""
    return TransactionSetResponse(set_id, control_number, AckCode.ACCEPTED, (), ())


def set_rejected(
    set_id: str,
    control_number: str,
    codes: Sequence[str] = (),
    problems: Sequence[Problem] = (),
) -> TransactionSetResponse:
    """An AK5 R with set-level codes and AK3/AK4 notes for the problems that have a place."""
    all_codes = list(codes)
    notes = _segment_notes(problems)
    if problems and SetError.SEGMENTS_IN_ERROR not in all_codes:
        all_codes.append(SetError.SEGMENTS_IN_ERROR)
    return TransactionSetResponse(
        set_id,
        control_number,
        AckCode.REJECTED,
        tuple(dict.fromkeys(all_codes))[:_MAX_CODES],
        notes,
    )


def for_group(
    interchange: InterchangeInfo,
    group: GroupInfo,
    responses: Sequence[TransactionSetResponse],
    group_codes: Sequence[str],
    included: int,
    *,
    rejected: bool = False,
) -> GroupAcknowledgement:
    """AK9 for a group: rejected on a group error, else A / P / R by the accepted count."""
    rejected = rejected or bool(group_codes)
    taken = 0 if rejected else sum(1 for response in responses if response.accepted)
    if rejected or (responses and taken == 0):
        status = AckCode.REJECTED
    elif taken < len(responses):
        status = AckCode.PARTIALLY_ACCEPTED
    else:
        status = AckCode.ACCEPTED
    return GroupAcknowledgement(
        interchange=interchange,
        group=group,
        status=status,
        error_codes=tuple(dict.fromkeys(group_codes))[:_MAX_CODES],
        included=included,
        received=len(responses),
        accepted=taken,
        responses=tuple(responses),
    )


def _segment_notes(problems: Sequence[Problem]) -> tuple[SegmentNote, ...]:
    grouped: dict[tuple[str, int], list[Problem]] = {}
    for problem in problems:
        if problem.segment_id is None or problem.position is None:
            continue  # nothing to point at: the AK5 code says it
        grouped.setdefault((problem.segment_id, problem.position), []).append(problem)
    notes = []
    for (segment_id, position), found in grouped.items():
        segment_codes = [p.segment_error for p in found if p.segment_error]
        # A missing/unexpected segment says more than "has element errors".
        specific = [c for c in segment_codes if c != SegmentError.HAS_ELEMENT_ERRORS]
        elements = tuple(
            ElementNote(p.element, p.component, p.element_error, p.bad_value)
            for p in found
            if p.element is not None and p.element_error is not None
        )[:_MAX_ELEMENT_NOTES]
        chosen = specific or segment_codes
        notes.append(
            SegmentNote(
                segment_id=segment_id,
                position=position,
                error_code=chosen[0] if chosen else None,
                elements=elements,
            )
        )
    return tuple(notes)

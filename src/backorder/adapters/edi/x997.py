"""Outbound 997 functional acknowledgements for the groups of inbound interchanges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from backorder.adapters.edi.acknowledgement import GroupAcknowledgement
from backorder.adapters.edi.envelope import Separators
from backorder.adapters.edi.writer import (
    DEFAULT_SEPARATORS,
    ControlNumbers,
    InterchangeSettings,
    OutboundGroup,
    Party,
    SegmentValues,
    TransactionSetBody,
    WrittenInterchange,
    write_interchange,
)

_MAX_BAD_VALUE = 99  # AK404


def build_997(
    group_ack: GroupAcknowledgement,
    version: str = "004010",
    separators: Separators = DEFAULT_SEPARATORS,
) -> TransactionSetBody:
    """The segments of a 997 (between ST and SE) acknowledging one inbound group."""
    group = group_ack.group
    ak1: SegmentValues = ("AK1", group.functional_id, group.control_number)
    if version >= "005010":
        ak1 += (group.version,)  # AK103 exists from 5010 on
    segments: list[SegmentValues] = [ak1]
    for response in group_ack.responses:
        segments.append(("AK2", response.transaction_set_id, response.control_number))
        for note in response.segments:
            segments.append(("AK3", note.segment_id, str(note.position), "", note.error_code or ""))
            for element in note.elements:
                position: str | tuple[str, ...] = str(element.position)
                if element.component is not None:
                    position = (str(element.position), str(element.component))
                segments.append(
                    ("AK4", position, "", element.error_code, _copy(element.bad_value, separators))
                )
        segments.append(("AK5", response.status.value, *response.error_codes))
    segments.append(
        (
            "AK9",
            group_ack.status.value,
            str(group_ack.included),
            str(group_ack.received),
            str(group_ack.accepted),
            *group_ack.error_codes,
        )
    )
    return TransactionSetBody("997", tuple(segments))


def write_997(
    acknowledgements: Sequence[GroupAcknowledgement],
    control_numbers: ControlNumbers,
    created_at: datetime,
    separators: Separators = DEFAULT_SEPARATORS,
) -> tuple[WrittenInterchange, ...]:
    """One interchange back to each inbound interchange, one FA group per inbound group."""
    by_interchange: dict[tuple[str, str, str], list[GroupAcknowledgement]] = {}
    for group_ack in acknowledgements:
        ic = group_ack.interchange
        key = (ic.control_number, ic.sender_id, ic.receiver_id)
        by_interchange.setdefault(key, []).append(group_ack)
    written = []
    for group_acks in by_interchange.values():
        ic = group_acks[0].interchange
        # Answer in 5010 only to 5010 partners; a 4010 997 is understood by everyone else.
        version = "005010" if ic.standards_version >= "00501" else "004010"
        settings = InterchangeSettings(
            sender=Party(ic.receiver_qualifier, ic.receiver_id),
            receiver=Party(ic.sender_qualifier, ic.sender_id),
            version=version,
            usage_indicator=ic.usage_indicator,
            separators=separators,
        )
        groups = [
            OutboundGroup(
                functional_id="FA",
                transaction_sets=(build_997(group_ack, version, separators),),
                application_sender=group_ack.group.application_receiver,
                application_receiver=group_ack.group.application_sender,
            )
            for group_ack in group_acks
        ]
        written.append(write_interchange(settings, groups, control_numbers, created_at))
    return tuple(written)


def _copy(value: str | None, separators: Separators) -> str:
    """AK404 copies the bad value, unless it cannot be written safely."""
    if value is None or len(value) > _MAX_BAD_VALUE:
        return ""
    used = {separators.element, separators.component, separators.segment, separators.repetition}
    return "" if used.intersection(value) else value

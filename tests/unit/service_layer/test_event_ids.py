"""Outbox event ids are UUIDv7: unique, time-ordered, ascending within a commit."""

from __future__ import annotations

import uuid

from backorder.service_layer.event_ids import new_event_ids


def test_ids_are_version_7_uuids_carrying_their_millisecond() -> None:
    ids = new_event_ids(1000, now_ms=1_795_000_000_123)
    parsed = [uuid.UUID(i) for i in ids]
    assert {u.version for u in parsed} == {7}
    assert {u.variant for u in parsed} == {uuid.RFC_4122}
    assert {u.int >> 80 for u in parsed} == {1_795_000_000_123}
    assert [str(u) for u in parsed] == ids  # canonical lower-case form


def test_ids_of_one_commit_ascend_and_never_repeat() -> None:
    ids = new_event_ids(50_000)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_a_later_commit_sorts_after_an_earlier_one() -> None:
    earlier = new_event_ids(10, now_ms=1_795_000_000_000)
    later = new_event_ids(10, now_ms=1_795_000_000_001)
    assert max(earlier) < min(later)


def test_no_events_no_ids() -> None:
    assert new_event_ids(0) == []

"""Pure parts of the relay: holes in positions, waves per subject, signatures, retry pauses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from backorder.adapters.outbox.publishing import message, waves
from backorder.adapters.outbox.tail import HoleWatch, settled
from backorder.adapters.outbox.webhooks import retry_delay, sign, verify

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def _rows(*positions: int, age: float = 0.0) -> list[dict[str, Any]]:
    return [{"position": p, "occurred_at": NOW - timedelta(seconds=age)} for p in positions]


def test_contiguous_rows_are_all_settled() -> None:
    assert settled(_rows(4, 5, 6), after=3, now=NOW, settle_seconds=30) == 3
    assert settled([], after=3, now=NOW, settle_seconds=30) == 0


def test_a_young_hole_holds_back_the_rows_after_it() -> None:
    assert settled(_rows(4, 6, 7), after=3, now=NOW, settle_seconds=30) == 1
    assert settled(_rows(5, 6), after=3, now=NOW, settle_seconds=30) == 0


def test_a_hole_before_old_rows_is_a_rolled_back_transaction() -> None:
    assert settled(_rows(4, 6, 7, age=31), after=3, now=NOW, settle_seconds=30) == 3


def test_a_hole_watched_long_enough_is_stepped_over_whatever_the_clocks_say() -> None:
    ticks = iter([100.0, 131.0])
    watch = HoleWatch(monotonic=lambda: next(ticks))
    assert settled(_rows(4, 6), after=3, now=NOW, settle_seconds=30, watch=watch) == 1
    assert settled(_rows(4, 6), after=3, now=NOW, settle_seconds=30, watch=watch) == 2
    watch.forget_below(6)
    assert watch._first_seen == {}


def test_a_hole_is_dead_once_every_transaction_older_than_its_fence_has_finished() -> None:
    clock = iter([0.0, 0.0, 0.2, 0.2, 0.3, 0.3, 0.4])
    snapshots = iter([(100, 105), (103, 107), (107, 110)])
    watch = HoleWatch(monotonic=lambda: next(clock), snapshot=lambda: next(snapshots))
    rows = _rows(4, 6)

    watch.refresh()  # no hole known yet: no snapshot taken
    assert settled(rows, after=3, now=NOW, settle_seconds=30, watch=watch) == 1
    watch.refresh()  # 0.2 s after first sight: fence at xmax 105
    assert settled(rows, after=3, now=NOW, settle_seconds=30, watch=watch) == 1
    watch.refresh()  # xmin 103 < 105: a transaction that may own position 5 still runs
    assert not watch.dead(5)
    watch.refresh()  # xmin 107 >= 105: it finished, and row 5 is not there: rolled back
    assert watch.dead(5)
    assert settled(rows, after=3, now=NOW, settle_seconds=30, watch=watch) == 2


def test_waves_hold_at_most_one_event_per_subject_and_keep_their_order() -> None:
    rows = [
        {"position": 1, "subject": "line/1"},
        {"position": 2, "subject": "line/2"},
        {"position": 3, "subject": "line/1"},
        {"position": 4, "subject": "line/3"},
        {"position": 5, "subject": "line/1"},
        {"position": 6, "subject": "line/2"},
    ]
    assert [[r["position"] for r in w] for w in waves(rows)] == [[1, 2, 4], [3, 6], [5]]


def test_a_message_carries_the_event_id_for_broker_deduplication() -> None:
    row = {
        "position": 9,
        "event_id": "e-9",
        "type": "backorder.order_line.shipped.v1",
        "subject": "line/1",
        "occurred_at": NOW,
        "data": {},
    }
    sent = message(row, "urn:backorder:test")
    assert sent.subject == "backorder.events.backorder.order_line.shipped.v1"
    assert sent.headers["Nats-Msg-Id"] == "e-9"
    assert b'"position":9' in sent.body


def test_a_signature_verifies_only_the_body_secret_and_time_it_was_made_for() -> None:
    body = b'{"id":"e-1"}'
    header = sign("whsec_abc", body, 1_800_000_000)
    assert header.startswith("t=1800000000,v1=")
    assert len(header.split("v1=")[1]) == 64
    assert verify("whsec_abc", header, body, now=1_800_000_010)
    assert not verify("whsec_abc", header, body + b" ", now=1_800_000_010)
    assert not verify("whsec_other", header, body, now=1_800_000_010)
    assert not verify("whsec_abc", header, body, now=1_800_000_400)  # too old: a replay
    assert not verify("whsec_abc", "v1=deadbeef", body, now=1_800_000_010)


@pytest.mark.parametrize("attempt", [1, 2, 3, 8, 20])
def test_retry_pauses_double_up_to_the_cap_with_jitter(attempt: int) -> None:
    ceiling = min(60.0, 2.0 * 2 ** (attempt - 1))
    low = retry_delay(attempt, 2.0, 60.0, rand=lambda: 0.0)
    high = retry_delay(attempt, 2.0, 60.0, rand=lambda: 1.0)
    assert (low, high) == (ceiling / 2, ceiling)
    assert low <= retry_delay(attempt, 2.0, 60.0) <= high

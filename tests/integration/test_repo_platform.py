"""API keys, audit log, idempotency keys and the outbox round-trip on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from backorder.adapters.repositories.platform import ApiKeyRecord, IdempotentResponse
from backorder.bootstrap import Application
from tests.integration.helpers import NOW, utc


def test_api_keys_round_trip_and_revocation_shows(application: Application) -> None:
    with application.context.unit_of_work() as uow:
        uow.platform.add_api_key("k1", "Pat", "planner", "ab" * 32, NOW)
        uow.commit()
    with application.context.reader() as uow:
        assert uow.platform.api_key("k1") == ApiKeyRecord("k1", "Pat", "planner", "ab" * 32, False)
        assert uow.platform.api_key("k2") is None

    with application.context.unit_of_work() as uow:
        uow.platform.revoke_api_key("k1", NOW)
        uow.commit()

    with application.context.reader() as uow:
        record = uow.platform.api_key("k1")
        assert record is not None
        assert record.revoked


def test_audit_records_keep_json_before_and_after(application: Application) -> None:
    with application.context.unit_of_work() as uow:
        uow.platform.audit(
            actor="pat", action="thing.changed", subject="thing/1",
            before={"n": 1, "tags": ["a"]}, after={"n": 2, "nested": {"ok": True}}, now=NOW,
        )  # fmt: skip
        uow.platform.audit(
            actor="sam", action="thing.created", subject="thing/2",
            before=None, after={"n": 0}, now=NOW,
        )  # fmt: skip
        uow.commit()

    with application.context.reader() as uow:
        [record] = uow.platform.audit_trail("thing/1")
    assert (record["actor"], record["action"]) == ("pat", "thing.changed")
    assert (record["before"], record["after"]) == (
        {"n": 1, "tags": ["a"]},
        {"n": 2, "nested": {"ok": True}},
    )
    assert utc(record["at"]) == NOW


def test_idempotency_keys_are_claimed_once_per_caller(application: Application) -> None:
    with application.context.unit_of_work() as uow:
        uow.platform.claim_idempotency_key("key-1", "caller-a", "hash-1", NOW)
        uow.platform.claim_idempotency_key("key-1", "caller-b", "hash-2", NOW)
        uow.commit()

    with application.context.unit_of_work() as uow:
        assert uow.platform.idempotent_response("key-1", "caller-a") == IdempotentResponse(
            "hash-1", 0, {}
        )
        with pytest.raises(IntegrityError):
            uow.platform.claim_idempotency_key("key-1", "caller-a", "hash-3", NOW)
    with application.context.unit_of_work() as uow:
        uow.platform.complete_idempotency_key("key-1", "caller-a", 201, {"order_id": "SO-1"})
        uow.platform.release_idempotency_key("key-1", "caller-b")
        uow.commit()

    with application.context.reader() as uow:
        assert uow.platform.idempotent_response("key-1", "caller-a") == IdempotentResponse(
            "hash-1", 201, {"order_id": "SO-1"}
        )
        assert uow.platform.idempotent_response("key-1", "caller-b") is None


def test_outbox_rows_come_back_in_order(application: Application) -> None:
    rows = [
        {"event_id": f"e-{n}", "type": "t.v1", "subject": f"s/{n}", "data": {"n": n},
         "occurred_at": NOW}
        for n in range(3)
    ]  # fmt: skip
    with application.context.unit_of_work() as uow:
        uow.platform.append_events(rows)
        uow.commit()

    with application.context.reader() as uow:
        events = uow.platform.events_after(0, 10)
        later = uow.platform.events_after(events[0]["position"], 1)
    assert [e["event_id"] for e in events] == ["e-0", "e-1", "e-2"]
    assert [e["data"] for e in events] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [e["published_at"] for e in events] == [None, None, None]
    assert [e["event_id"] for e in later] == ["e-1"]

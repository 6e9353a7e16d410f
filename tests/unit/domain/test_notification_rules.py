"""Churn control and channels of customer notices; the policy's notification knobs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from backorder.domain.errors import PolicyError
from backorder.domain.notifications import (
    NoticeKind,
    NotificationStatus,
    decide,
    is_worse,
    plain_reason,
)
from backorder.domain.operations import NotificationRules, QuietHours, parse_operations_policy
from backorder.policies import default_operations_policy

TOLD = date(2026, 12, 1)


def decision(**changes: Any) -> tuple[NotificationStatus, str | None]:
    values: dict[str, Any] = {
        "kind": NoticeKind.PROMISE_CHANGED,
        "channel": "email",
        "email": "buyer@example.com",
        "order_id": "SO-1",
        "told": TOLD,
        "new": date(2026, 11, 28),
        "told_today": 0,
        "max_per_order_per_day": 1,
    }
    values.update(changes)
    found = decide(**values)
    return found.status, found.reason


def test_worse_means_later_or_no_date_any_more() -> None:
    assert is_worse(TOLD, date(2026, 12, 2))
    assert is_worse(TOLD, None)
    assert not is_worse(TOLD, TOLD)
    assert not is_worse(TOLD, date(2026, 11, 30))
    assert not is_worse(None, TOLD)  # a date where there was none is better news
    assert not is_worse(None, None)


def test_the_first_notice_of_the_day_is_queued_for_email() -> None:
    assert decision() == (NotificationStatus.QUEUED, None)


def test_a_second_notice_on_an_order_the_same_day_is_held_back_unless_the_date_got_worse() -> None:
    status, reason = decision(told_today=1)
    assert status is NotificationStatus.SUPPRESSED
    assert reason == (
        "order SO-1 already had 1 notice today and the promise changed does not make its date worse"
    )
    assert decision(told_today=1, kind=NoticeKind.SUBSTITUTION_OFFER, new=TOLD)[0] is (
        NotificationStatus.SUPPRESSED
    )
    assert decision(told_today=5, new=date(2026, 12, 9)) == (NotificationStatus.QUEUED, None)
    assert decision(told_today=5, new=None) == (NotificationStatus.QUEUED, None)
    assert decision(told_today=1, max_per_order_per_day=2) == (NotificationStatus.QUEUED, None)
    assert "2 notices today" in str(decision(told_today=2, max_per_order_per_day=2)[1])


def test_customers_who_want_no_notice_or_have_no_address_get_none() -> None:
    assert decision(channel="none") == (
        NotificationStatus.SUPPRESSED,
        "the customer asked for no notices",
    )
    for email in (None, "", "  "):
        assert decision(email=email) == (
            NotificationStatus.SUPPRESSED,
            "the customer has no e-mail address",
        )
    assert decision(channel="fax")[1] == "unknown notification channel 'fax'"
    # Even worse news goes nowhere for them.
    assert decision(channel="none", new=None)[0] is NotificationStatus.SUPPRESSED


def test_edi_and_portal_notices_are_delivered_by_their_event() -> None:
    assert decision(channel="edi", email=None) == (NotificationStatus.SENT, None)
    assert decision(channel="portal")[0] is NotificationStatus.SENT
    assert decision(channel="portal", told_today=1)[0] is NotificationStatus.SUPPRESSED


def test_reasons_are_said_in_plain_words() -> None:
    assert plain_reason("allocation run 1a2b3c4d (priority)") == (
        "we re-planned our stock across all open orders"
    )
    assert plain_reason("supplier acknowledgement") == "our supplier confirmed its delivery date"
    assert plain_reason("stock adjustment (damaged)") == "our stock count changed"
    assert plain_reason(None) == "our supply plan changed"
    assert plain_reason("something new") == "our supply plan changed"


def test_the_day_and_quiet_hours_follow_the_policy_time_zone() -> None:
    rules = NotificationRules(
        timezone="America/New_York", quiet_hours=QuietHours(starts=time(21), ends=time(7))
    )
    # 03:00 UTC on 28 November is still 27 November (22:00) in New York.
    start, end = rules.day_bounds(datetime(2026, 11, 28, 3, tzinfo=UTC))
    assert (start, end) == (
        datetime(2026, 11, 27, 5, tzinfo=UTC),
        datetime(2026, 11, 28, 5, tzinfo=UTC),
    )
    assert rules.is_quiet(datetime(2026, 11, 28, 3, tzinfo=UTC))  # 22:00 local
    assert rules.is_quiet(datetime(2026, 11, 28, 11, 59, tzinfo=UTC))  # 06:59 local
    assert not rules.is_quiet(datetime(2026, 11, 28, 12, tzinfo=UTC))  # 07:00 local
    assert not NotificationRules().is_quiet(datetime(2026, 11, 28, 3, tzinfo=UTC))
    daytime = QuietHours(starts=time(12), ends=time(13))
    assert daytime.contains(time(12, 30))
    assert not daytime.contains(time(13))


def test_the_shipped_policy_has_the_notification_and_finance_sections() -> None:
    policy = default_operations_policy()
    assert policy.notifications.max_per_order_per_day == 1
    assert policy.notifications.quiet_hours is None
    assert policy.finance.fiscal_calendar.value == "month"


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("notifications: {max_per_order_per_day: 0}", "notifications.max_per_order_per_day"),
        ("notifications: {timezone: Mars/Olympus}", "unknown time zone 'Mars/Olympus'"),
        ("notifications: {quiet_hours: {starts: '07:00', ends: '07:00'}}", "must differ"),
        ("finance: {fiscal_calendar: weekly}", "finance.fiscal_calendar"),
        ("finance: {fiscal_year_start_month: 13}", "finance.fiscal_year_start_month"),
    ],
)
def test_a_bad_section_is_refused_by_field(section: str, problem: str) -> None:
    text = (
        "name: ops\nversion: 1\neffective_from: 2026-01-01\n"
        "teams: {}\ntask_types: {}\n" + section + "\n"
    )
    with pytest.raises(PolicyError) as raised:
        parse_operations_policy(text)
    assert problem in str(raised.value)

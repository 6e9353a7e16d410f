"""Token buckets, caller keys and deprecation headers, without a server."""

from __future__ import annotations

from datetime import date

from backorder.entrypoints.api.governance import Deprecation, TokenBuckets, caller_key


class Clock:
    """A settable monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_a_burst_then_the_rate() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k") == 0.5  # half a second until the next token
    clock.now += 0.5
    assert buckets.take("k") == 0.0
    assert buckets.take("other") == 0.0


def test_full_buckets_are_forgotten_when_there_are_many() -> None:
    clock = Clock()
    buckets = TokenBuckets(rate=1.0, burst=1, clock=clock)
    for n in range(10_001):
        buckets.take(f"k{n}")
    clock.now += 5
    buckets.take("new")
    assert len(buckets._buckets) == 1


def test_callers_are_told_apart_by_key_id_else_address() -> None:
    keyed = {"headers": [(b"authorization", b"Bearer bo_abc123_secret")], "client": ("1.2.3.4", 1)}
    assert caller_key(keyed) == "key:abc123"
    assert caller_key({"headers": [], "client": ("1.2.3.4", 9)}) == "address:1.2.3.4"
    odd = {"headers": [(b"authorization", b"Basic xyz")], "client": None}
    assert caller_key(odd) == "address:unknown"


def test_deprecation_headers() -> None:
    notice = Deprecation(date(2027, 1, 1), date(2027, 7, 1), "/v2/x", "https://docs/x")
    assert notice.headers() == {
        "Deprecation": "@1798761600",
        "Sunset": "Thu, 01 Jul 2027 00:00:00 GMT",
        "Link": '</v2/x>; rel="successor-version", <https://docs/x>; rel="deprecation"; '
        'type="text/html"',
    }

"""Signed session cookies and CSRF tokens of the dashboard."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from backorder.service_layer.access import Caller, Role
from backorder.web.session import LIFETIME_SECONDS, SECRET_ENV, SessionSigner, load_secret

ANA = Caller(key_id="k1", name="ana", role=Role.PLANNER)


def test_a_cookie_round_trips_and_carries_the_caller() -> None:
    signer = SessionSigner(b"secret")
    cookie, issued = signer.issue(ANA, now=1000.0)
    read = signer.read(cookie, now=1001.0)
    assert read == issued
    assert read is not None
    assert read.caller == ANA
    assert read.expires == 1000 + LIFETIME_SECONDS


@pytest.mark.parametrize(
    "mangle",
    [
        lambda c: c[:-2] + ("AA" if not c.endswith("AA") else "BB"),  # signature changed
        lambda c: "x" + c,  # body changed
        lambda c: c.replace(".", ""),  # no signature
        lambda c: "",
    ],
)
def test_a_tampered_cookie_is_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    signer = SessionSigner(b"secret")
    cookie, _ = signer.issue(ANA, now=1000.0)
    assert signer.read(mangle(cookie), now=1001.0) is None


def test_expired_or_foreign_cookies_are_refused() -> None:
    signer = SessionSigner(b"secret")
    cookie, _ = signer.issue(ANA, now=1000.0)
    assert signer.read(cookie, now=1000.0 + LIFETIME_SECONDS) is None
    assert SessionSigner(b"other").read(cookie, now=1001.0) is None


def test_csrf_tokens_belong_to_one_session() -> None:
    signer = SessionSigner(b"secret")
    _, first = signer.issue(ANA)
    _, second = signer.issue(ANA)
    token = signer.csrf(first)
    assert signer.check_csrf(first, token)
    assert not signer.check_csrf(second, token)
    assert not signer.check_csrf(first, None)


def test_the_secret_is_made_once_private_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    first = load_secret(tmp_path / "home")
    assert load_secret(tmp_path / "home") == first
    mode = stat.S_IMODE((tmp_path / "home" / "session.key").stat().st_mode)
    assert mode == 0o600
    monkeypatch.setenv(SECRET_ENV, "from-the-environment")
    assert load_secret(tmp_path / "home") == b"from-the-environment"

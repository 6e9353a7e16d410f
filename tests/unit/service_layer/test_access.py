"""API keys: shown once, stored as a hash, checked in constant time, refused once revoked."""

from __future__ import annotations

import hashlib

import pytest

from backorder.service_layer.access import Role, authenticate, create_api_key, revoke_api_key
from backorder.service_layer.errors import InvalidInputError, NotFoundError
from tests.unit.service_layer.conftest import Harness


def test_a_key_is_stored_only_as_a_hash_and_authenticates(harness: Harness) -> None:
    key = create_api_key(harness.ctx, "planner", "  Pat Planner ", actor="admin")

    prefix, key_id, secret = key.split("_", 2)
    assert prefix == "bo"
    stored = harness.store.api_keys[key_id]
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in repr(harness.store)
    assert (stored.name, stored.role, stored.revoked) == ("Pat Planner", "planner", False)
    caller = authenticate(harness.ctx, key)
    assert caller is not None
    assert (caller.key_id, caller.name, caller.role) == (key_id, "Pat Planner", Role.PLANNER)
    assert caller.actor == f"Pat Planner (planner, key {key_id})"
    [record] = harness.store.audit_log
    assert (record["actor"], record["action"], record["subject"]) == (
        "admin",
        "api_key.created",
        f"api-key/{key_id}",
    )
    assert record["after"] == {"name": "Pat Planner", "role": "planner"}


def test_two_keys_differ(harness: Harness) -> None:
    first = create_api_key(harness.ctx, "viewer", "a", actor="admin")
    second = create_api_key(harness.ctx, "viewer", "a", actor="admin")
    assert first != second
    assert len(harness.store.api_keys) == 2


def test_a_wrong_secret_an_unknown_id_or_garbage_is_refused(harness: Harness) -> None:
    key = create_api_key(harness.ctx, "csr", "Cass", actor="admin")
    prefix, key_id, secret = key.split("_", 2)

    for presented in (
        f"{key}x",
        f"{prefix}_000000000000_{secret}",
        f"xx_{key_id}_{secret}",
        f"{prefix}_{key_id}_",
        "",
        "bo",
    ):
        assert authenticate(harness.ctx, presented) is None, presented


def test_a_revoked_key_is_refused_and_the_revocation_is_audited(harness: Harness) -> None:
    key = create_api_key(harness.ctx, "buyer", "Bo", actor="admin")
    key_id = key.split("_", 2)[1]
    assert authenticate(harness.ctx, key) is not None

    revoke_api_key(harness.ctx, key_id, actor="security")
    revoke_api_key(harness.ctx, key_id, actor="security")  # again: nothing more happens

    assert authenticate(harness.ctx, key) is None
    revoked = [r for r in harness.store.audit_log if r["action"] == "api_key.revoked"]
    assert [(r["actor"], r["subject"], r["after"]["revoked"]) for r in revoked] == [
        ("security", f"api-key/{key_id}", True)
    ]


def test_revoking_an_unknown_key_says_so(harness: Harness) -> None:
    with pytest.raises(NotFoundError, match="no API key with id 'nope'"):
        revoke_api_key(harness.ctx, "nope", actor="security")


@pytest.mark.parametrize(
    ("role", "name", "field"), [("superuser", "x", "role"), ("viewer", "   ", "name")]
)
def test_a_bad_role_or_name_is_refused(harness: Harness, role: str, name: str, field: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        create_api_key(harness.ctx, role, name, actor="admin")
    assert raised.value.field == field
    assert harness.store.api_keys == {}

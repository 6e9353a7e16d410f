"""Who may do what: API keys with roles, stored as hashes, shown once."""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from backorder.service_layer.context import ServiceContext
from backorder.service_layer.errors import InvalidInputError, NotFoundError

KEY_PREFIX = "bo"


class Role(enum.StrEnum):
    """Roles of API callers."""

    ADMIN = "admin"
    PLANNER = "planner"
    BUYER = "buyer"
    CSR = "csr"
    WAREHOUSE = "warehouse"
    FINANCE = "finance"
    VIEWER = "viewer"
    INTEGRATION = "integration"


EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class Caller:
    """An authenticated API caller."""

    key_id: str
    name: str
    role: Role

    @property
    def actor(self) -> str:
        """How the caller appears in the audit log."""
        return f"{self.name} ({self.role.value}, key {self.key_id})"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(ctx: ServiceContext, role: str, name: str, actor: str) -> str:
    """Create a key and return it in full: it is stored only as a hash."""
    try:
        parsed = Role(role)
    except ValueError:
        raise InvalidInputError(
            "role", f"{role!r} is not one of {', '.join(r.value for r in Role)}"
        ) from None
    if not name.strip():
        raise InvalidInputError("name", "must not be empty")
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    with ctx.unit_of_work() as uow:
        uow.platform.add_api_key(key_id, name.strip(), parsed.value, _hash(secret), uow.clock.now())
        uow.platform.audit(
            actor=actor,
            action="api_key.created",
            subject=f"api-key/{key_id}",
            before=None,
            after={"name": name.strip(), "role": parsed.value},
            now=uow.clock.now(),
        )
        uow.commit()
    return f"{KEY_PREFIX}_{key_id}_{secret}"


def revoke_api_key(ctx: ServiceContext, key_id: str, actor: str) -> None:
    """Revoke a key by its public id (the part after `bo_`): every later call is refused.

    Revoking a revoked key again changes nothing and is not an error.
    """
    with ctx.unit_of_work() as uow:
        record = uow.platform.api_key(key_id)
        if record is None:
            raise NotFoundError(f"no API key with id {key_id!r}")
        if record.revoked:
            return
        uow.platform.revoke_api_key(key_id, uow.clock.now())
        uow.platform.audit(
            actor=actor,
            action="api_key.revoked",
            subject=f"api-key/{key_id}",
            before={"name": record.name, "role": record.role, "revoked": False},
            after={"name": record.name, "role": record.role, "revoked": True},
            now=uow.clock.now(),
        )
        uow.commit()


def authenticate(ctx: ServiceContext, presented: str) -> Caller | None:
    """The caller a presented key belongs to, or None when it is unknown or revoked."""
    prefix, _, rest = presented.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != KEY_PREFIX or not key_id or not secret:
        return None
    with ctx.reader() as uow:
        record = uow.platform.api_key(key_id)
    if record is None or record.revoked:
        return None
    if not hmac.compare_digest(record.secret_hash, _hash(secret)):
        return None
    return Caller(key_id=record.key_id, name=record.name, role=Role(record.role))

"""Request dependencies: the service context, the authenticated caller and role checks."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backorder.service_layer.access import EVERYONE, Caller, Role, authenticate
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.group_commit import IntakeQueue

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer bo_...`")


def context(request: Request) -> ServiceContext:
    """The application's service context."""
    ctx: ServiceContext = request.app.state.context
    return ctx


Context = Annotated[ServiceContext, Depends(context)]


def intake(request: Request) -> IntakeQueue:
    """The application's order intake (group commit of concurrent orders)."""
    queue: IntakeQueue = request.app.state.intake
    return queue


Intake = Annotated[IntakeQueue, Depends(intake)]


def caller(
    ctx: Context,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The authenticated caller; 401 without a valid key."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            401,
            "an API key is required: Authorization: Bearer <key>",
            headers={"WWW-Authenticate": "Bearer"},
        )
    found = authenticate(ctx, credentials.credentials)
    if found is None:
        raise HTTPException(
            401, "the API key is not valid or was revoked", headers={"WWW-Authenticate": "Bearer"}
        )
    return found


def allow(*roles: Role | Iterable[Role]) -> Callable[..., Caller]:
    """A dependency admitting only callers with one of `roles` (403 otherwise)."""
    allowed: set[Role] = set()
    for role in roles:
        allowed |= {role} if isinstance(role, Role) else set(role)
    allowed.add(Role.ADMIN)

    def check(who: Annotated[Caller, Depends(caller)]) -> Caller:
        if who.role not in allowed:
            raise HTTPException(
                403,
                f"role {who.role.value} may not do this; allowed: "
                + ", ".join(sorted(r.value for r in allowed)),
            )
        return who

    check.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
    return check


def allowed(*roles: Role | Iterable[Role]) -> Any:
    """`allow(*roles)` as a security dependency: the roles become the scopes of the bearer
    requirement in the OpenAPI document (OpenAPI 3.1: role names for non-OAuth schemes)."""
    check = allow(*roles)
    return Security(check, scopes=sorted(role.value for role in check.allowed_roles))  # type: ignore[attr-defined]


Anyone = Annotated[Caller, allowed(EVERYONE)]

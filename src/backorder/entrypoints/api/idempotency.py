"""`Idempotency-Key` on POST: a repeat returns the first response and creates nothing.

The key is claimed (inserted, unique per caller) before the work runs and completed with
the response after; a concurrent repeat finds the claim and gets 409 until the first
finishes, then the stored response. A failed first attempt releases its claim.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from backorder.entrypoints.api.problems import problem
from backorder.service_layer.access import Caller
from backorder.service_layer.context import ServiceContext

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200


def _request_hash(request: Request, body: Any) -> str:
    payload = json.dumps(
        {"method": request.method, "path": request.url.path, "body": jsonable_encoder(body)},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def run_idempotently(
    request: Request,
    ctx: ServiceContext,
    who: Caller,
    body: Any,
    work: Callable[[], tuple[int, Any]],
) -> JSONResponse:
    """Run `work` (returning status and JSON body) at most once per Idempotency-Key."""
    key = request.headers.get(HEADER)
    if not key:
        status, content = work()
        return JSONResponse(jsonable_encoder(content), status_code=status)
    if len(key) > MAX_KEY_LENGTH:
        return problem(422, "Invalid request", f"{HEADER}: longer than {MAX_KEY_LENGTH} characters")
    fingerprint = _request_hash(request, body)
    stored = None
    with ctx.unit_of_work() as uow:
        stored = uow.platform.idempotent_response(key, who.key_id)
        if stored is None:
            try:
                uow.platform.claim_idempotency_key(key, who.key_id, fingerprint, uow.clock.now())
                uow.commit()
            except IntegrityError:
                uow.rollback()
                stored = uow.platform.idempotent_response(key, who.key_id)
    if stored is not None:
        if stored.request_hash != fingerprint:
            return problem(
                422,
                "Invalid request",
                f"{HEADER}: already used for a different request; use a new key",
            )
        if stored.status_code == 0:
            return problem(
                409,
                "Conflict",
                f"{HEADER}: the first request with this key is still running",
                headers={"Retry-After": "1"},
            )
        return JSONResponse(
            stored.response, status_code=stored.status_code, headers={"Idempotent-Replayed": "true"}
        )
    try:
        status, content = work()
    except BaseException:
        with ctx.unit_of_work() as uow:
            uow.platform.release_idempotency_key(key, who.key_id)
            uow.commit()
        raise
    encoded = jsonable_encoder(content)
    with ctx.unit_of_work() as uow:
        uow.platform.complete_idempotency_key(key, who.key_id, status, encoded)
        uow.commit()
    return JSONResponse(encoded, status_code=status)

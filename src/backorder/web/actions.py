"""Log in and out, and work task queues (claim, resolve) from the dashboard.

Forms are plain `application/x-www-form-urlencoded` posts (parsed here: no multipart
dependency); every post but the login carries the session's CSRF token. Claiming and
resolving go through the task handlers, which check that the person's role works the
task's team and write the task trail, the audit log and the event.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backorder.analytics.reading import reading
from backorder.analytics.worklists import task_queues
from backorder.domain.errors import DomainError
from backorder.service_layer.access import authenticate
from backorder.service_layer.handlers import tasks
from backorder.web.rendering import context, render, session_of, signed_in, signer
from backorder.web.session import COOKIE, LIFETIME_SECONDS, Session

router = APIRouter(include_in_schema=False)
MAX_FORM_BYTES = 16_384


async def _form(request: Request) -> dict[str, str]:
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise HTTPException(413, "the form is too large")
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in parsed.items()}


def _safe_next(target: str | None) -> str:
    # Only paths of this site: never an open redirect to another host.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: Annotated[str | None, Query()] = None) -> HTMLResponse:
    """The login form: paste an API key."""
    return render(
        request, "login.html", session_of(request), title="Sign in", next=_safe_next(next)
    )


@router.post("/login")
async def login(request: Request) -> Response:
    """Check the key; on success set the session cookie and go where the person wanted."""
    form = await _form(request)
    target = _safe_next(form.get("next"))
    caller = authenticate(context(request), form.get("api_key", "").strip())
    if caller is None:
        return render(
            request,
            "login.html",
            None,
            status=401,
            title="Sign in",
            next=target,
            error="That key is not valid or was revoked.",
        )
    cookie, _ = signer(request).issue(caller)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=LIFETIME_SECONDS,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


async def _checked(request: Request) -> tuple[Session, dict[str, str]]:
    session = signed_in(request)
    form = await _form(request)
    token = form.get("csrf") or request.headers.get("X-CSRF-Token")
    if not signer(request).check_csrf(session, token):
        raise HTTPException(403, "the form is stale: reload the page and try again")
    return session, form


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session."""
    await _checked(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/tasks", response_class=HTMLResponse)
def task_page(
    request: Request, team: Annotated[str | None, Query(max_length=32)] = None
) -> HTMLResponse:
    """Task queues by team with SLA countdown; claim and resolve where the role may."""
    session = signed_in(request)
    ctx = context(request)
    chosen = team if team in tasks.TEAM_ROLES else None
    with reading(ctx) as read:
        queues = task_queues(read.connection, read.now, chosen)
        now = read.now
    return render(
        request,
        "tasks.html",
        session,
        title="Tasks",
        queues=queues,
        team=chosen,
        teams=list(tasks.TEAM_ROLES),
        now=now,
        may_work=lambda name: tasks.may_work(session.role, name),
        resolutions=ctx.operations.resolutions,
        message=request.query_params.get("message"),
    )


async def _act(request: Request, task_id: int, action: str) -> Response:
    session, form = await _checked(request)
    ctx = context(request)
    try:
        if action == "claim":
            done = tasks.claim(ctx, task_id, session.caller)
            message = f"Task {task_id} is yours."
        else:
            done = tasks.resolve(
                ctx, task_id, form.get("resolution", ""), form.get("note", ""), session.caller
            )
            message = f"Task {task_id} resolved ({done.resolution})."
        ok = True
    except DomainError as error:
        message, ok = str(error), False
    team = form.get("team") or ""
    if request.headers.get("HX-Request") == "true":
        with reading(ctx) as read:
            queues = task_queues(read.connection, read.now, team or None)
            now = read.now
        return render(
            request,
            "_task_queues.html",
            session,
            status=200,
            queues=queues,
            team=team or None,
            now=now,
            may_work=lambda name: tasks.may_work(session.role, name),
            resolutions=ctx.operations.resolutions,
            message=message,
            ok=ok,
        )
    query = f"?team={team}&message={message}" if team else f"?message={message}"
    return RedirectResponse(f"/tasks{query}", status_code=303)


@router.post("/tasks/{task_id}/claim")
async def claim(request: Request, task_id: int) -> Response:
    """Take the task on."""
    return await _act(request, task_id, "claim")


@router.post("/tasks/{task_id}/resolve")
async def resolve(request: Request, task_id: int) -> Response:
    """Close the task with one of its resolution codes."""
    return await _act(request, task_id, "resolve")

"""Templates, number formats, static files and the signed-in person of a request."""

from __future__ import annotations

import json
import mimetypes
from datetime import date, datetime
from importlib import resources
from typing import Any

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from backorder.config import Settings
from backorder.service_layer.context import ServiceContext
from backorder.web.session import COOKIE, Session, SessionSigner, load_secret

STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
# Scripts only from here (no inline script): the page works the same under a strict CSP.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def pct(value: float | None, digits: int = 1) -> str:
    """0.953 -> '95.3%'; None -> '—'."""
    return "—" if value is None else f"{100 * value:.{digits}f}%"


def num(value: float | int | None, digits: int = 0) -> str:
    """Thousands separators; None -> '—'."""
    return "—" if value is None else f"{value:,.{digits}f}"


def duration(seconds: float) -> str:
    """A span as '2 d 3 h', '3 h 20 min' or '12 min' (sign ignored)."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def day(value: date | datetime | None) -> str:
    """ISO date (and time to the minute, UTC)."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def words(value: str | None) -> str:
    """'awaiting_supply' -> 'awaiting supply'."""
    return "" if value is None else value.replace("_", " ")


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("backorder.web", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pct=pct, num=num, duration=duration, day=day, words=words)
    env.globals["to_json"] = lambda value: json.dumps(value, separators=(",", ":"), default=str)
    return env


ENVIRONMENT = _environment()


def context(request: Request) -> ServiceContext:
    """The application's service context."""
    ctx: ServiceContext = request.app.state.context
    return ctx


def signer(request: Request) -> SessionSigner:
    """The app's session signer (made on first use from the settings' home directory)."""
    found: SessionSigner | None = getattr(request.app.state, "web_signer", None)
    if found is None:
        application = getattr(request.app.state, "application", None)
        settings: Settings = application.settings if application is not None else Settings()
        found = SessionSigner(load_secret(settings.home))
        request.app.state.web_signer = found
    return found


def session_of(request: Request) -> Session | None:
    """The signed-in person, if the cookie is valid and the key still is."""
    session = signer(request).read(request.cookies.get(COOKIE))
    if session is None:
        return None
    with context(request).reader() as uow:
        record = uow.platform.api_key(session.key_id)
    if record is None or record.revoked:
        return None
    return session


def signed_in(request: Request) -> Session:
    """The signed-in person; otherwise a redirect to the login page (htmx: HX-Redirect)."""
    session = session_of(request)
    if session is not None:
        return session
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={target}" if target != "/" else "/login"
    raise HTTPException(
        303, "sign in first", headers={"Location": location, "HX-Redirect": location}
    )


def render(
    request: Request, template: str, session: Session | None, status: int = 200, **values: Any
) -> HTMLResponse:
    """A page (or an htmx fragment) from a template."""
    page = ENVIRONMENT.get_template(template).render(
        request=request,
        session=session,
        csrf=signer(request).csrf(session) if session else "",
        path=request.url.path,
        **values,
    )
    return HTMLResponse(page, status_code=status, headers=SECURITY_HEADERS)


def static_file(path: str) -> Response:
    """A file of the package's `web/static` directory (never outside it)."""
    root = resources.files("backorder.web").joinpath("static")
    parts = [p for p in path.split("/") if p]
    if not parts or any(p in (".", "..") or p.startswith(".") for p in parts):
        raise HTTPException(404, "no such file")
    target = root.joinpath(*parts)
    if not target.is_file():
        raise HTTPException(404, "no such file")
    suffix = "." + parts[-1].rsplit(".", 1)[-1] if "." in parts[-1] else ""
    media = STATIC_TYPES.get(suffix) or mimetypes.guess_type(parts[-1])[0] or "text/plain"
    return Response(
        target.read_bytes(),
        media_type=media,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


RISK_MODEL_DIR = "models"  # under the home directory: where `backorder risk train --out` may put it


def active_risk_model(request: Request) -> str | None:
    """The active risk model version in `<home>/models`, if there is one."""
    from backorder.adapters.model_store import FileModelStore

    application = getattr(request.app.state, "application", None)
    if application is None:
        return None
    root = application.settings.home / RISK_MODEL_DIR
    if not root.is_dir():
        return None
    return FileModelStore(root).active_version()

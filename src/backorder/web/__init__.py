"""The operations dashboard: server-rendered pages (Jinja2 + htmx, vendored Chart.js).

`router` holds every page, form and static file; the API app includes it at `/`.
"""

from fastapi import APIRouter

from backorder.web import actions, pages

router = APIRouter(include_in_schema=False)
router.include_router(actions.router)
router.include_router(pages.router)

__all__ = ["router"]

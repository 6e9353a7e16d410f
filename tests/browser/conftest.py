"""Browser tests: Playwright for Python driving Debian's Chromium against a real server.

A session fixture replays a small scenario into SQLite (see `world.py`), serves the API
and the dashboard with uvicorn on a free port in a background thread, and signs a browser
page in. Without Playwright or /usr/bin/chromium the tests skip with the reason, except
under CI=true, where that is a failure. Screenshots go to `$BROWSER_ARTIFACTS` if set, else
to `artifacts/` under pytest's base temporary directory.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.entrypoints.api.app import create_app
from backorder.service_layer.access import Role
from backorder.service_layer.clock import FixedClock
from tests.browser.world import SeededWorld, seed

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config: pytest.Config) -> None:
    """Register the `browser` marker (the suite runs with --strict-markers)."""
    config.addinivalue_line("markers", "browser: drives Chromium through Playwright")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this directory is a browser test."""
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).parent == here:
            item.add_marker(pytest.mark.browser)


def _requirements() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; no browser download)"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="session")
def browser_ready() -> None:
    """Skip (or under CI=true fail) when Playwright or Chromium is missing."""
    missing = _requirements()
    if missing is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{missing} (CI=true: browser tests must run)")
    pytest.skip(missing)


@pytest.fixture(scope="session")
def artifacts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go."""
    configured = os.environ.get("BROWSER_ARTIFACTS")
    folder = Path(configured) if configured else tmp_path_factory.getbasetemp() / "artifacts"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """The running dashboard."""

    url: str
    world: SeededWorld
    errors: list[str] = field(default_factory=list)


@pytest.fixture(scope="session")
def server(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """uvicorn serving the API and the dashboard over the seeded world."""
    import uvicorn

    world = seed(tmp_path_factory.mktemp("browser-world"))
    application = bootstrap(
        Settings(database_url=world.database_url, home=world.home, workflows=False),
        clock=FixedClock(world.now),
    )
    app = create_app(application)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, name="dashboard", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not runner.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.05)
    try:
        yield Server(f"http://127.0.0.1:{port}", world)
    finally:
        runner.should_exit = True
        thread.join(timeout=10)
        application.close()


# Per module, not per session: Playwright's sync API keeps an event loop running in this
# thread while it lives, and later tests in the same worker call DBOS's sync API, which
# refuses to run inside a loop.
@pytest.fixture(scope="module")
def chromium(browser_ready: None) -> Iterator[Any]:
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Tab:
    """A signed-in page and the console errors it logged."""

    page: Any
    base: str
    errors: list[str]

    def open(self, path: str) -> Any:
        """Go to a path of the dashboard and wait until the network is idle."""
        self.page.goto(self.base + path, wait_until="networkidle")
        return self.page


def _sign_in(chromium: Any, server: Server, role: Role) -> Tab:
    context = chromium.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} at {m.location.get('url')}") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/login", wait_until="networkidle")
    page.get_by_label("API key").fill(server.world.keys[role])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/")
    return Tab(page, server.url, errors)


@pytest.fixture
def admin(chromium: Any, server: Server) -> Iterator[Tab]:
    """A page signed in as an administrator (may work every team's tasks)."""
    tab = _sign_in(chromium, server, Role.ADMIN)
    yield tab
    tab.page.context.close()


@pytest.fixture
def viewer(chromium: Any, server: Server) -> Iterator[Tab]:
    """A page signed in as a viewer (reads everything, works no tasks)."""
    tab = _sign_in(chromium, server, Role.VIEWER)
    yield tab
    tab.page.context.close()

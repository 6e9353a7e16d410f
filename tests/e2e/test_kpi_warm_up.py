"""The server computes the default KPI view when it starts: the first person to open the
dashboard gets the warm answer, not the cold one."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from backorder.analytics import snapshot
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.entrypoints.api import main
from backorder.service_layer.access import create_api_key


def test_the_first_kpi_request_after_a_start_finds_the_view_computed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{(tmp_path / 'backorder.db').as_posix()}"
    seeded = bootstrap(Settings(database_url=url, home=tmp_path))
    key = create_api_key(seeded.context, "viewer", "warm-up test", actor="test")
    seeded.close()
    monkeypatch.setenv("BACKORDER_DATABASE_URL", url)
    monkeypatch.setenv("BACKORDER_HOME", str(tmp_path))
    monkeypatch.setenv("BACKORDER_WORKFLOWS", "false")
    computed: list[Any] = []
    real_compute = snapshot.compute

    def counting(*args: Any, **kwargs: Any) -> Any:
        computed.append(args[1])
        return real_compute(*args, **kwargs)

    monkeypatch.setattr(snapshot, "compute", counting)
    started: list[threading.Thread] = []
    real_start = main.start_warm_up

    def recording_start(application: Any) -> threading.Thread:
        started.append(real_start(application))
        return started[-1]

    monkeypatch.setattr(main, "start_warm_up", recording_start)

    with TestClient(main.create_default_app()) as client:
        started[0].join(timeout=30)
        assert len(computed) == 2  # the warm-up: the overview's view and the API's
        response = client.get("/v1/kpis", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200
    assert len(computed) == 2  # the request found the warm-up's snapshot

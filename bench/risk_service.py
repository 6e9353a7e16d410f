"""Benchmark of risk intelligence in the service; prints one JSON object.

On a SQLite database the demo replay wrote (`backorder demo --home DIR` writes
DIR/demo.db), with a model store holding an active model (`backorder risk train --out
STORE`); without `--database`/`--models` the benchmark makes both first (a small demo
replay, a model trained on ../shared/data's Kaggle sample). The API routes are called
in-process (FastAPI's test client, so no network, but every dependency, query and
serialisation is real), each several times, and the median wall time is reported:

- `POST /v1/risk/scoring-runs`: facts of every item x DC from the database, scoring,
  explanations, replacing the stored scores, tasks above the threshold;
- `GET /v1/risk/items` (a page of 100), `GET /v1/risk/drift`, `GET /v1/risk/triage`,
  `GET /v1/risk/supplier-delays`;
- `GET /v1/atp` with and without `promise=p90` (the delay estimate reused, as configured);
- `POST /v1/supplier-messages` with a confirmation e-mail.

Runs on a copy of the database, so the demo's stays as it was.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from backorder.adapters import orm
from backorder.adapters.model_store import FileModelStore
from backorder.bootstrap import bootstrap
from backorder.config import Settings
from backorder.entrypoints.api.app import create_app
from backorder.risk.policy import default_risk_policy
from backorder.risk.settings import RiskSettings
from backorder.service_layer.access import Role, create_api_key
from backorder.service_layer.handlers.risk import RiskService

SHARED = Path(__file__).resolve().parents[1] / "../shared/data"
SAMPLE = SHARED / "kaggle-backorders-train-sample.csv.gz"
MESSAGE = """Message-ID: <bench-{n}@supplier.example>
Date: {date}
From: Orders <orders@supplier.example>
Subject: Order confirmation {po}

We confirm your purchase order {po} line {line}: delivery date {when}.
Other items will follow soon, date to be confirmed.
"""


def _timed(call: Any, repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 4), result


def _cli(*arguments: str) -> None:
    command = [sys.executable, "-m", "backorder.entrypoints.cli", *arguments]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def _demo_database(home: Path) -> Path:
    """A small demo replay (a fifth of the world, 30 days) to score."""
    _cli("demo", "--no-workflows", "--scale", "0.2", "--days", "30", "--home", str(home))
    return home / "demo.db"


def _trained_models(store: Path) -> Path:
    """A model store with a model trained on the Kaggle sample, active."""
    if not SAMPLE.exists():
        sys.exit(f"{SAMPLE} is missing: pass --models with a trained model store")
    _cli("risk", "train", "--data", str(SAMPLE), "--out", str(store))
    return store


def main() -> None:
    """Run the benchmark and print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", type=Path, help="SQLite file (demo.db); default: made.")
    parser.add_argument("--models", type=Path, help="Model store directory; default: trained.")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="risk-service-bench-") as folder:
        home = Path(folder)
        database = args.database or _demo_database(home / "demo")
        models = args.models or _trained_models(home / "models")
        if not database.exists():
            sys.exit(f"{database}: no such database (run `backorder demo --home DIR` first)")
        if FileModelStore(models).active_version() is None:
            sys.exit(f"{models}: no active model (run `backorder risk train --out {models}`)")
        shutil.copy(database, home / "backorder.db")
        application = bootstrap(Settings(home=home))
        app = create_app(application)
        app.state.risk = RiskService(
            application.context,
            FileModelStore(models),
            default_risk_policy(),
            RiskSettings(model_dir=models),
        )
        keys = {
            role: create_api_key(application.context, role.value, f"bench {role.value}", "bench")
            for role in (Role.PLANNER, Role.BUYER, Role.CSR)
        }

        def call(method: str, path: str, role: Role, **kwargs: Any) -> Any:
            headers = {"Authorization": f"Bearer {keys[role]}", **kwargs.pop("headers", {})}
            response = client.request(method, path, headers=headers, **kwargs)
            assert response.is_success, (path, response.status_code, response.text[:300])
            return response.json()

        with application.engine.connect() as connection:
            line = connection.execute(
                select(orm.purchase_order_lines).where(
                    orm.purchase_order_lines.c.received_quantity
                    < orm.purchase_order_lines.c.quantity
                )
            ).first()
            stock = connection.execute(select(orm.inventory).limit(1)).first()
        result: dict[str, Any] = {"cpus": os.cpu_count(), "load_average_1m": [os.getloadavg()[0]]}
        with TestClient(app) as client:
            first, run = _timed(lambda: call("POST", "/v1/risk/scoring-runs", Role.PLANNER), 1)
            result["scoring_run_first_seconds"] = first  # loads the model
            result["scoring_run_seconds"], run = _timed(
                lambda: call("POST", "/v1/risk/scoring-runs", Role.PLANNER), args.repeat
            )
            result["item_locations"] = run["scored"]
            result["above_threshold"] = run["above_threshold"]
            for name, path, role in (
                ("risk_items_page_seconds", "/v1/risk/items?limit=100", Role.PLANNER),
                ("drift_seconds", "/v1/risk/drift", Role.PLANNER),
                ("triage_seconds", "/v1/risk/triage", Role.CSR),
                ("supplier_delays_seconds", "/v1/risk/supplier-delays", Role.BUYER),
            ):
                result[name], _ = _timed(lambda p=path, r=role: call("GET", p, r), args.repeat)
            if stock is not None:
                atp = f"/v1/atp?item={stock.sku}&qty=1&location={stock.location}"
                result["atp_seconds"], _ = _timed(lambda: call("GET", atp, Role.CSR), args.repeat)
                result["atp_p90_seconds"], _ = _timed(
                    lambda: call("GET", atp + "&promise=p90", Role.CSR), args.repeat
                )
            if line is not None:
                counter = iter(range(10_000))

                def message() -> Any:
                    text = MESSAGE.format(
                        n=next(counter),
                        date="Fri, 27 Nov 2026 08:00:00 +0000",
                        po=line.po_number,
                        line=line.line_number,
                        when="18 December 2026",
                    )
                    return call(
                        "POST",
                        "/v1/supplier-messages",
                        Role.BUYER,
                        content=text.encode(),
                        headers={"Content-Type": "message/rfc822"},
                    )

                result["supplier_message_seconds"], answer = _timed(message, args.repeat)
                result["supplier_message_applied"] = len(answer["applied"])
        result["load_average_1m"].append(os.getloadavg()[0])
        application.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

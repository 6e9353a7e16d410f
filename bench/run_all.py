"""Run every benchmark in bench/ and relay the JSON each prints (`make bench`).

Usage: python bench/run_all.py [--quick] [NAME ...]

Each script runs in its own process with the arguments below (their own defaults are the
sizes the issues set targets for). `--quick` runs the smaller cases where a script has
them, for a smoke test; NAME limits the run to the scripts whose name contains it. The
PostgreSQL and NATS cases need those services (see README, Tests).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Script -> (full arguments, quick arguments).
PLAN: dict[str, tuple[list[str], list[str]]] = {
    "allocation.py": ([], ["--quick"]),
    "allocation_run_db.py": (
        ["--lines", "1000000", "--items", "100000", "--runs", "2"],
        ["--lines", "100000", "--items", "10000", "--runs", "1"],
    ),
    "api_intake.py": ([], ["--seconds", "5", "--backend", "sqlite"]),
    "case_evaluation.py": ([], ["--cases", "200", "--backend", "sqlite"]),
    "case_workflows.py": ([], ["--cases", "200", "--events", "10", "--backend", "sqlite"]),
    "edi_856.py": ([], []),
    "edi_856_apply.py": ([], ["--backend", "sqlite"]),
    "extraction_messages.py": ([], []),
    "inbound_nats.py": ([], ["--messages", "2000"]),
    "kpis.py": ([], ["--lines", "100000", "--backend", "sqlite"]),
    "outbox_relay.py": ([], ["--seconds", "5", "--backend", "sqlite"]),
    "risk_model.py": ([], ["--rows", "100000"]),
    "risk_service.py": ([], ["--repeat", "2"]),
}


def main() -> None:
    """Run the chosen scripts one after another; a failing script fails the run."""
    here = Path(__file__).resolve().parent
    quick = "--quick" in sys.argv[1:]
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    scripts = sorted(p.name for p in here.glob("*.py") if p.name != Path(__file__).name)
    unplanned = set(scripts) - set(PLAN)
    if unplanned:
        sys.exit(f"no arguments planned for {', '.join(sorted(unplanned))}: add them to PLAN")
    failed = []
    for name in scripts:
        if names and not any(wanted in name for wanted in names):
            continue
        full, small = PLAN[name]
        print(f"# {name}", flush=True)
        done = subprocess.run(
            [sys.executable, str(here / name), *(small if quick else full)], check=False
        )
        if done.returncode:
            failed.append(name)
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()

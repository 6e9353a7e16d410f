"""Run every benchmark script in bench/ and relay the JSON each prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> None:
    """Each script runs in its own process; a failing script fails the run."""
    here = Path(__file__).resolve().parent
    failed = []
    for script in sorted(here.glob("*.py")):
        if script.name == Path(__file__).name:
            continue
        print(f"# {script.name}", flush=True)
        done = subprocess.run([sys.executable, str(script), *sys.argv[1:]], check=False)
        if done.returncode:
            failed.append(script.name)
    if failed:
        sys.exit(f"benchmarks failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()

"""`backorder worker` that dies by SIGKILL the moment its first case evaluation commits.

The evaluation's transaction is durable, but DBOS never records the step's result: on
restart the workflow runs the step again, and nothing it did may happen twice.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Sequence

from backorder.entrypoints.cli.app import app
from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers import cases
from backorder.service_layer.handlers.cases import CaseLook, CaseStep

_evaluate_cases = cases.evaluate_cases


def _evaluate_then_die(ctx: ServiceContext, looks: Sequence[CaseLook]) -> list[CaseStep]:
    steps = _evaluate_cases(ctx, looks)
    os.kill(os.getpid(), signal.SIGKILL)
    return steps


if __name__ == "__main__":
    cases.evaluate_cases = _evaluate_then_die
    app(["worker", "--interval", "0.1"])

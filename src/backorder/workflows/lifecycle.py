"""The backorder case as a durable DBOS workflow.

The workflow is a loop: evaluate the case (one step; its transaction is shared with the
other cases evaluated at that moment, see `group_commit`), then wait for news
(`recv` on topic "case") at most until the case's next check is due. News is anything
that may change the case: an allocation, a receipt, a supplier document, a shipment, a
person's action, or a tick from the scheduler. The body holds no clock reads, no I/O and
no randomness, so DBOS can replay it after a crash; all effects live in the step, which is
idempotent (see `service_layer.handlers.cases.evaluate_case`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from dbos import DBOS, SetWorkflowID

from backorder.service_layer.context import ServiceContext
from backorder.service_layer.handlers.cases import CaseLook
from backorder.workflows import runtime

log = structlog.get_logger(__name__)

TOPIC = "case"
# Longest single wait: the case looks at itself at least this often even without news,
# so a lost message can delay it, never strand it.
MAX_WAIT_SECONDS = 3600.0
MIN_WAIT_SECONDS = 1.0
_STATUS_CHUNK = 500  # workflow ids per status look-up when checking open cases at start


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=0.5)
async def evaluate_step(case_id: str, reason: str) -> dict[str, Any]:
    """Evaluate the case now, in a transaction shared with the cases evaluated beside it."""
    step = await runtime.evaluations().submit_async(CaseLook(case_id, reason))
    return {
        "state": step.state.value,
        "terminal": step.terminal,
        "next_check": step.next_check.isoformat() if step.next_check else None,
        "now": runtime.context().clock.now().isoformat(),
    }


def _wait_seconds(outcome: dict[str, Any]) -> float:
    # Derived from the step's recorded output only, so a replay computes the same wait.
    if not outcome["next_check"]:
        return MAX_WAIT_SECONDS
    due = datetime.fromisoformat(outcome["next_check"])
    now = datetime.fromisoformat(outcome["now"])
    seconds = (due - now).total_seconds()
    return min(max(seconds, MIN_WAIT_SECONDS), MAX_WAIT_SECONDS)


@DBOS.workflow()
async def run_case(case_id: str) -> str:
    """Drive one backorder case from detection to closure."""
    reason = runtime.OPENING_REASON
    while True:
        outcome = await evaluate_step(case_id, reason)
        if outcome["terminal"]:
            return str(outcome["state"])
        message = await DBOS.recv_async(TOPIC, timeout_seconds=_wait_seconds(outcome))
        reason = str(message.get("reason", "news")) if isinstance(message, dict) else "check due"


def start_cases(case_ids: list[str]) -> None:
    """Start (or attach to) the workflow of each case; the case id is the workflow id."""
    for case_id in case_ids:
        with SetWorkflowID(case_id):
            DBOS.enqueue_workflow(runtime.CASE_QUEUE, run_case, case_id)


def start_missing_cases(ctx: ServiceContext) -> list[str]:
    """Start every open case that has no workflow; returns their ids.

    A case and its workflow live in two databases (the application's and DBOS's system
    database). Restoring one without the other, or losing the system database, leaves
    open cases that nothing drives; the dispatcher runs this when it starts, so they are
    found and started, and said so, instead of waiting forever in silence.
    """
    with ctx.reader() as uow:
        open_ids = uow.cases.open_case_ids()
    missing: list[str] = []
    for start in range(0, len(open_ids), _STATUS_CHUNK):
        chunk = open_ids[start : start + _STATUS_CHUNK]
        known = DBOS.list_workflows(workflow_ids=chunk, load_input=False, load_output=False)
        found = {status.workflow_id for status in known}
        missing.extend(case_id for case_id in chunk if case_id not in found)
    if missing:
        log.warning(
            "open_cases_without_workflow", count=len(missing), first=missing[:5], action="started"
        )
        start_cases(missing)
    return missing


def wake_cases(case_ids: list[str], reason: str, idempotency_key: str | None = None) -> None:
    """Tell cases that something about them changed (they re-evaluate at once)."""
    from dbos._sys_db import SendMessage

    if not case_ids:
        return
    DBOS.send_bulk(
        [
            SendMessage(
                destination_id=case_id,
                message={"reason": reason},
                topic=TOPIC,
                idempotency_key=f"{idempotency_key}:{case_id}" if idempotency_key else None,
            )
            for case_id in case_ids
        ]
    )

"""What handlers need besides their command: a unit of work, the policy, a clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from backorder.domain.allocation.policy import Policy
from backorder.domain.operations import OperationsPolicy
from backorder.policies import default_operations_policy
from backorder.service_layer.clock import Clock
from backorder.service_layer.unit_of_work import UnitOfWork


@dataclass
class ServiceContext:
    """Dependencies of the handlers, wired once in `bootstrap`."""

    unit_of_work: Callable[[], UnitOfWork]
    reader: Callable[[], UnitOfWork]  # a unit of work for queries: no write lock, no commit
    policy: Policy
    clock: Clock
    operations: OperationsPolicy = field(default_factory=default_operations_policy)

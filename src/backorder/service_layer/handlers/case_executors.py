"""Every module that carries out case actions, imported once so their executors register.

Each feature registers its executors with `@executor(ActionKind...)` in its own module;
importing this module (the workflow runtime does) makes the registry complete.
"""

from backorder.service_layer.handlers import (
    cases,
    expedite,  # PROPOSE_EXPEDITE: premium freight or transfer proposals
    notifications,  # NOTIFY_CUSTOMER: notices
    replenishment,  # REQUEST_REPLENISHMENT: purchase and transfer suggestions
    supplier_follow_up,  # REMIND_SUPPLIER: supplier reminders
    warehouse,  # RELEASE_TO_WAREHOUSE: pick requests
)

__all__ = [
    "cases",
    "expedite",
    "notifications",
    "replenishment",
    "supplier_follow_up",
    "warehouse",
]

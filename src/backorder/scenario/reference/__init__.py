"""The reference distributor: a seeded, reproducible world for the demo, tests and benchmarks.

A national industrial distributor with six DCs in three regions, thousands of items,
hundreds of customers and twenty-odd suppliers (two of them unreliable), and 90 days of
orders, purchase orders, supplier acknowledgements, ship notices and receipts, with a
four-fold demand surge for one high-volume family in weeks 3-5.

    scenario = generate(ReferenceSpec(seed=7))
    write_csv(scenario, "out/")
"""

from backorder.scenario.reference.csv_export import write_csv
from backorder.scenario.reference.events import (
    GoodsReceived,
    OrderLineCancelled,
    OrderLineQuantityChanged,
    OrderPlaced,
    PurchaseOrderPlaced,
    ShipmentNotified,
    SupplierAcknowledged,
    WorldEvent,
)
from backorder.scenario.reference.scenario import ReferenceScenario, generate
from backorder.scenario.reference.spec import ReferenceSpec
from backorder.scenario.reference.stats import fingerprint

__all__ = [
    "GoodsReceived",
    "OrderLineCancelled",
    "OrderLineQuantityChanged",
    "OrderPlaced",
    "PurchaseOrderPlaced",
    "ReferenceScenario",
    "ReferenceSpec",
    "ShipmentNotified",
    "SupplierAcknowledged",
    "WorldEvent",
    "fingerprint",
    "generate",
    "write_csv",
]

"""Words and numbers that make the reference distributor look like one.

Product lines with their margin bands and item groups (unit of measure, median cost,
typical line quantity, relative number of items), DC names, and name parts for
suppliers and customers. Plain data; the generators draw from it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Group:
    """An item group: a family of interchangeable-looking items."""

    name: str
    uom: str
    median_cost: float
    typical_qty: float  # units on a typical order line
    weight: float = 1.0  # relative number of items in the group


@dataclass(frozen=True, slots=True)
class ProductLine:
    """A product line: SKU prefix, gross-margin band, groups and description words."""

    code: str
    name: str
    margin: tuple[float, float]
    groups: tuple[Group, ...]
    variants: tuple[str, ...]
    sizes: tuple[str, ...]


PRODUCT_LINES: tuple[ProductLine, ...] = (
    ProductLine(
        "FAS",
        "fasteners",
        (0.42, 0.55),
        (
            Group("hex bolts", "BX", 14.0, 4, 2.0),
            Group("machine screws", "BX", 9.0, 5, 1.8),
            Group("nuts", "BX", 7.5, 5, 1.4),
            Group("washers", "BX", 5.0, 6, 1.0),
            Group("anchors", "BX", 22.0, 3, 0.8),
            Group("threaded rod", "EA", 6.5, 10, 0.5),
        ),
        ("zinc-plated steel", "stainless 18-8", "stainless 316", "grade 8", "brass"),
        ('#8-32 x 1/2"', '1/4-20 x 1"', '5/16-18 x 1-1/4"', '3/8-16 x 2"', "M6 x 20", "M8 x 30"),
    ),
    ProductLine(
        "BRG",
        "bearings",
        (0.32, 0.40),
        (
            Group("ball bearings", "EA", 18.0, 6, 1.4),
            Group("tapered roller bearings", "EA", 42.0, 4, 1.0),
            Group("mounted bearings", "EA", 65.0, 3, 0.9),
            Group("bushings", "EA", 7.0, 10, 0.7),
        ),
        ("sealed", "shielded", "open", "high-temperature", "food-grade"),
        ("6203", "6205", "6308", "30206", "UCP205", '1" bore', "25 mm bore"),
    ),
    ProductLine(
        "HYD",
        "hydraulics",
        (0.34, 0.42),
        (
            Group("hydraulic fittings", "EA", 6.8, 24, 1.6),
            Group("hydraulic hose", "FT", 3.2, 50, 0.8),
            Group("hydraulic cylinders", "EA", 380.0, 1, 0.5),
            Group("hydraulic pumps", "EA", 720.0, 1, 0.4),
            Group("hydraulic valves", "EA", 160.0, 2, 0.6),
        ),
        ("JIC 37°", "NPTF", "ORFS", "SAE O-ring boss", "BSPP", "quick-disconnect"),
        ('1/4"', '3/8"', '1/2"', '3/4"', '1"', "-4", "-6", "-8", "-12"),
    ),
    ProductLine(
        "PNE",
        "pneumatics",
        (0.33, 0.40),
        (
            Group("pneumatic fittings", "EA", 4.5, 20, 1.0),
            Group("pneumatic tubing", "FT", 0.9, 100, 0.5),
            Group("air cylinders", "EA", 95.0, 2, 0.6),
            Group("filter-regulator-lubricators", "EA", 120.0, 1, 0.4),
        ),
        ("push-to-connect", "compression", "brass", "nickel-plated", "polyurethane"),
        ("4 mm", "6 mm", "8 mm", '1/4"', '3/8"', '1/2"'),
    ),
    ProductLine(
        "ELE",
        "electrical",
        (0.25, 0.33),
        (
            Group("wire and cable", "FT", 0.8, 250, 1.0),
            Group("connectors and terminals", "BX", 11.0, 5, 1.0),
            Group("motors", "EA", 410.0, 1, 0.6),
            Group("switches and relays", "EA", 28.0, 4, 0.9),
            Group("circuit protection", "EA", 35.0, 3, 0.8),
        ),
        ("UL listed", "NEMA 4X", "IP67", "600 V", "low-voltage"),
        ("14 AWG", "12 AWG", "10 AWG", "1/2 HP", "2 HP", "20 A", "30 A"),
    ),
    ProductLine(
        "SAF",
        "safety",
        (0.38, 0.50),
        (
            Group("gloves", "PR", 3.5, 48, 1.2),
            Group("eye protection", "EA", 4.2, 24, 0.7),
            Group("respiratory protection", "EA", 18.0, 10, 0.6),
            Group("hearing protection", "BX", 24.0, 3, 0.4),
            Group("fall protection", "EA", 145.0, 1, 0.4),
        ),
        ("cut-resistant A4", "nitrile", "anti-fog", "N95", "high-visibility"),
        ("S", "M", "L", "XL", "universal"),
    ),
    ProductLine(
        "PTR",
        "power transmission",
        (0.30, 0.38),
        (
            Group("v-belts", "EA", 16.0, 6, 1.0),
            Group("roller chain", "FT", 5.5, 20, 0.6),
            Group("sprockets", "EA", 34.0, 3, 0.8),
            Group("couplings", "EA", 48.0, 2, 0.7),
            Group("gear reducers", "EA", 520.0, 1, 0.3),
        ),
        ("ANSI 40", "ANSI 60", "A-section", "B-section", "jaw-type", "right-angle"),
        ("10T", "15T", "20T", "A42", "B56", '1" bore', "10:1"),
    ),
    ProductLine(
        "CUT",
        "cutting tools",
        (0.40, 0.48),
        (
            Group("drill bits", "EA", 8.5, 12, 1.0),
            Group("end mills", "EA", 38.0, 4, 0.7),
            Group("saw blades", "EA", 22.0, 5, 0.6),
            Group("taps and dies", "EA", 14.0, 6, 0.6),
        ),
        ("HSS", "cobalt", "carbide", "TiN-coated", "bi-metal"),
        ('1/8"', '1/4"', '3/8"', '1/2"', "6 mm", "10 mm", '14" x 18T'),
    ),
    ProductLine(
        "ABR",
        "abrasives",
        (0.40, 0.50),
        (
            Group("grinding wheels", "EA", 9.0, 10, 0.7),
            Group("sanding discs", "BX", 21.0, 4, 0.6),
            Group("flap discs", "EA", 5.0, 20, 0.5),
        ),
        ("aluminum oxide", "zirconia", "ceramic", "silicon carbide"),
        ('4-1/2"', '5"', '7"', "60 grit", "80 grit", "120 grit"),
    ),
    ProductLine(
        "LUB",
        "lubricants and chemicals",
        (0.35, 0.45),
        (
            Group("grease", "EA", 8.0, 12, 0.6),
            Group("industrial oils", "GAL", 14.0, 10, 0.5),
            Group("adhesives and sealants", "EA", 9.5, 12, 0.6),
            Group("cleaners and degreasers", "EA", 6.0, 12, 0.5),
        ),
        ("lithium complex", "synthetic", "food-grade H1", "ISO VG 68", "threadlocker"),
        ("14 oz", "1 qt", "1 gal", "5 gal", "50 ml", "250 ml"),
    ),
    ProductLine(
        "MHD",
        "material handling",
        (0.28, 0.36),
        (
            Group("casters", "EA", 19.0, 8, 0.6),
            Group("hand trucks", "EA", 180.0, 1, 0.3),
            Group("storage bins", "EA", 6.0, 20, 0.5),
        ),
        ("polyurethane", "swivel", "rigid", "steel", "stackable"),
        ('3"', '4"', '5"', '8"', "600 lb", "small", "large"),
    ),
)

# Two DCs per region: (code, name, region).
LOCATIONS: tuple[tuple[str, str, str], ...] = (
    ("EDS", "Edison NJ distribution centre", "east"),
    ("ATL", "Atlanta GA distribution centre", "east"),
    ("CHI", "Chicago IL distribution centre", "central"),
    ("DAL", "Dallas TX distribution centre", "central"),
    ("ONT", "Ontario CA distribution centre", "west"),
    ("SEA", "Kent WA distribution centre", "west"),
)

SUPPLIER_FIRST = (
    "Allied", "Apex", "Beacon", "Continental", "Delta", "Eagle", "Frontier", "Global",
    "Harbor", "Keystone", "Liberty", "Meridian", "Northern", "Pacific", "Pioneer",
    "Summit", "Titan", "United", "Vanguard", "Zenith", "Atlas", "Crown", "Sterling",
)  # fmt: skip
SUPPLIER_DOMESTIC_SUFFIX = ("Supply Co.", "Industries Inc.", "Manufacturing LLC", "Corp.")
SUPPLIER_IMPORT_SUFFIX = ("Co., Ltd.", "GmbH", "S.A. de C.V.", "Pvt. Ltd.", "Industrial Ltd.")

CUSTOMER_FIRST = (
    "Great Lakes", "Blue Ridge", "Gulf Coast", "Cascade", "Prairie", "Red River",
    "Iron Range", "Tri-County", "Lone Star", "Bay Area", "Mid-Atlantic", "Ozark",
    "Sierra", "Piedmont", "Heartland", "Rocky Mountain", "Coastal", "Northstar",
    "Keystone", "Evergreen", "Golden Gate", "Twin Cities", "Carolina", "Hudson Valley",
    "Desert", "Bluegrass", "Magnolia", "Cumberland", "Willamette", "Chesapeake",
    "Badger", "Buckeye", "Palmetto", "Sunbelt", "High Plains", "Granite", "Harbor",
    "Lakeshore", "Summit", "Valley",
)  # fmt: skip
CUSTOMER_NOUN = (
    "Machining", "Fabrication", "Mining", "Agri Equipment", "Packaging", "Foods",
    "Energy", "Construction", "Marine", "Rail Services", "Plastics", "Paper",
    "Automation", "Logistics", "Water Works", "Steel", "Aggregates", "Bottling",
    "Mechanical", "Tool & Die", "Hydraulic Service", "Fleet Services", "Millwork",
    "Refining", "Utilities",
)  # fmt: skip
CUSTOMER_SUFFIX = ("Inc.", "LLC", "Co.", "Corp.", "Group", "Ltd.")

CANCEL_REASONS = (
    "customer request",
    "duplicate order",
    "sourced elsewhere",
    "project cancelled",
    "backorder too long",
)

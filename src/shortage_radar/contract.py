"""The six input feeds of CONTRACT.md, declared once: columns, types, rules and keys."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["str", "num", "int", "date", "bool"]


@dataclass(frozen=True)
class Column:
    """One contract column: its type, whether it is required, and the rules its values obey."""

    name: str
    kind: Kind
    required: bool = False
    ge: float | None = None  # smallest allowed value
    gt: float | None = None  # values must be strictly greater
    le: float | None = None  # largest allowed value
    allowed: tuple[str, ...] | None = None  # for text: the allowed values (matched lower-case)
    default: str | float | bool | None = None  # filled in where the value is missing
    negative_note: str = ""  # said after "is negative" (why a negative value is refused here)


@dataclass(frozen=True)
class Feed:
    """One input feed: its columns, its key, and how a newer delivery supersedes older rows.

    `key`: a delivery may hold each key once (later rows with the same key are quarantined).
    `replace_by`: staged rows of earlier deliveries that share these values with the new delivery
    are replaced by it (an upsert for keyed feeds; a whole day's snapshot for inventory and sales).
    `not_after_as_of`: date columns that cannot lie after the run's as-of date.
    `ordered_dates`: (earlier, later) pairs of date columns where later may not precede earlier.
    """

    name: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    replace_by: tuple[str, ...] = ()
    not_after_as_of: tuple[str, ...] = ()
    ordered_dates: tuple[tuple[str, str], ...] = ()
    checks_sku: bool = True
    names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(c.name for c in self.columns))

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


LOCATION = Column("location", "str", default="main")

ITEMS = Feed(
    "items",
    required=True,
    columns=(
        Column("sku", "str", required=True),
        Column("description", "str"),
        Column("category", "str"),
        Column("unit_cost", "num", ge=0),
        Column("unit_price", "num", ge=0),
        Column("service_level", "num", ge=0.5, le=0.9999),
        Column("buyer", "str"),
        Column("status", "str", allowed=("active", "discontinued"), default="active"),
    ),
    key=("sku",),
    replace_by=("sku",),
    checks_sku=False,
)

SALES = Feed(
    "sales",
    required=True,
    columns=(
        Column("date", "date", required=True),
        Column("sku", "str", required=True),
        Column(
            "quantity",
            "num",
            required=True,
            ge=0,
            negative_note=": a return, not a sale (returns are not demand and are not loaded)",
        ),
        LOCATION,
        Column("stockout", "bool", default=False),
    ),
    # Many lines a day are allowed (they are summed), so no key; a newer delivery that covers a
    # day and location replaces what earlier deliveries said about it (re-exports, corrections).
    replace_by=("date", "location"),
    not_after_as_of=("date",),
)

INVENTORY = Feed(
    "inventory",
    required=False,
    columns=(
        Column("date", "date", required=True),
        Column("sku", "str", required=True),
        Column("on_hand", "num", required=True, ge=0),
        LOCATION,
    ),
    key=("date", "sku", "location"),
    # A snapshot is the whole picture of a day at a location: a newer one replaces it whole.
    replace_by=("date", "location"),
    not_after_as_of=("date",),
)

PURCHASE_ORDERS = Feed(
    "purchase_orders",
    required=False,
    columns=(
        Column("po_id", "str", required=True),
        Column("sku", "str", required=True),
        Column("supplier_id", "str", required=True),
        Column("quantity", "num", required=True, gt=0),
        Column("order_date", "date", required=True),
        Column("promised_date", "date", required=True),
        Column("received_date", "date"),
        Column("received_quantity", "num", ge=0),
        Column("status", "str", allowed=("open", "received", "cancelled"), default="open"),
        LOCATION,
    ),
    key=("po_id", "sku", "location"),
    replace_by=("po_id", "sku", "location"),
    not_after_as_of=("order_date", "received_date"),
    ordered_dates=(("order_date", "promised_date"), ("order_date", "received_date")),
)

SUPPLIER_ITEMS = Feed(
    "supplier_items",
    required=False,
    columns=(
        Column("supplier_id", "str", required=True),
        Column("sku", "str", required=True),
        Column("lead_time_days", "num", required=True, gt=0),
        Column("moq", "num", ge=0, default=0.0),
        Column("pack_size", "num", ge=1, default=1.0),
        Column("unit_cost", "num", ge=0),
        Column("priority", "int", ge=1, default=1.0),
    ),
    key=("supplier_id", "sku"),
    replace_by=("supplier_id", "sku"),
)

CUSTOMER_ORDERS = Feed(
    "customer_orders",
    required=False,
    columns=(
        Column("order_id", "str", required=True),
        Column("sku", "str", required=True),
        Column("quantity", "num", required=True, gt=0),
        Column("order_date", "date", required=True),
        Column("requested_date", "date", required=True),
        Column("customer_id", "str"),
        Column("status", "str", allowed=("open", "shipped", "cancelled"), default="open"),
        Column("shipped_quantity", "num", ge=0),
        LOCATION,
    ),
    key=("order_id", "sku", "location"),
    replace_by=("order_id", "sku", "location"),
    not_after_as_of=("order_date",),
    ordered_dates=(("order_date", "requested_date"),),
)

# Load order matters: items first, since every other feed checks its skus against them.
FEEDS: dict[str, Feed] = {
    f.name: f for f in (ITEMS, SALES, INVENTORY, PURCHASE_ORDERS, SUPPLIER_ITEMS, CUSTOMER_ORDERS)
}

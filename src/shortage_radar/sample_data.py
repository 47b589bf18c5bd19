"""Seeded generator of realistic sample feeds (CONTRACT.md section 1) for the demo and for tests."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

Arr = npt.NDArray[Any]

FEED_NAMES = (
    "items",
    "sales",
    "inventory",
    "purchase_orders",
    "supplier_items",
    "customer_orders",
)
# Column order of each generated feed: exactly the contract's names, nothing extra.
COLUMNS: dict[str, tuple[str, ...]] = {
    "items": (
        "sku",
        "description",
        "category",
        "unit_cost",
        "unit_price",
        "service_level",
        "buyer",
        "status",
    ),
    "sales": ("date", "sku", "quantity", "location", "stockout"),
    "inventory": ("date", "sku", "on_hand", "location"),
    "purchase_orders": (
        "po_id",
        "sku",
        "supplier_id",
        "quantity",
        "order_date",
        "promised_date",
        "received_date",
        "received_quantity",
        "status",
        "location",
    ),
    "supplier_items": (
        "supplier_id",
        "sku",
        "lead_time_days",
        "moq",
        "pack_size",
        "unit_cost",
        "priority",
    ),
    "customer_orders": (
        "order_id",
        "sku",
        "quantity",
        "order_date",
        "requested_date",
        "customer_id",
        "status",
        "shipped_quantity",
        "location",
    ),
}

# Demand classes by Syntetos-Boylan: ADI (mean days between sales) against 1.32, CV² of the
# non-zero sizes against 0.49. The generator aims at a class per SKU; the class a series shows
# can differ (a smooth seller at main can be intermittent at a smaller location), as in real data.
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
CLASS_NAMES = ("smooth", "erratic", "intermittent", "lumpy")
_SMOOTH, _ERRATIC, _INTERMITTENT, _LUMPY = range(4)
_CLASS_SHARE = (0.22, 0.20, 0.34, 0.24)  # about half intermittent/lumpy, as in spare parts


@dataclass(frozen=True)
class SupplierProfile:
    """How one sample supplier behaves: its quoted lead times and how it keeps its promises."""

    supplier_id: str
    behaviour: Literal["reliable", "late", "disruption", "backup"]
    quoted_days: tuple[int, int]  # quoted lead time per sku is drawn from this range (inclusive)
    order_weekday: int | None  # buyers order from it on this weekday (0 = Monday); None: any day


SUPPLIERS = (
    # On time within a day or two.
    SupplierProfile("SUP-01", "reliable", (7, 14), 0),
    # Receipts come after the promised date on about 85% of lines, a week late on average.
    SupplierProfile("SUP-02", "late", (14, 28), 1),
    # Overseas, on time normally, but lines ordered in the disruption window (see
    # `disruption_window`) arrive 20-45 days after their promised date.
    SupplierProfile("SUP-03", "disruption", (21, 42), 2),
    # Local distributor: the priority-2 backup of about a quarter of the range, shorter but dearer.
    SupplierProfile("SUP-04", "backup", (2, 6), None),
)
_BACKUP = 3  # index of the backup supplier in SUPPLIERS
_PRIMARY_SHARE = (0.4, 0.3, 0.3)

_CATEGORIES = (
    # name, buyer, median unit cost, (nouns), code prefix
    (
        "Bearings",
        "Anna Berg",
        15.0,
        ("Ball bearing", "Roller bearing", "Needle bearing", "Thrust bearing"),
        "BR",
    ),
    (
        "Filters",
        "Marco Rossi",
        12.0,
        ("Oil filter", "Air filter", "Hydraulic filter", "Fuel filter"),
        "FL",
    ),
    ("Seals", "Anna Berg", 2.0, ("O-ring", "Shaft seal", "Gasket", "Lip seal"), "SL"),
    ("Fasteners", "Anna Berg", 0.4, ("Hex bolt", "Lock nut", "Washer", "Socket screw"), "FS"),
    ("Electrical", "Priya Nair", 25.0, ("Proximity sensor", "Relay", "Fuse", "Contactor"), "EL"),
    (
        "Hydraulics",
        "Marco Rossi",
        40.0,
        ("Hydraulic hose", "Check valve", "Quick coupling", "Cylinder seal kit"),
        "HY",
    ),
    (
        "Transmission",
        "Priya Nair",
        20.0,
        ("V-belt", "Roller chain", "Sprocket", "Coupling insert"),
        "TR",
    ),
)
_CATEGORY_SHARE = (0.16, 0.14, 0.16, 0.18, 0.14, 0.1, 0.12)
_SERVICE_LEVELS = np.array([0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.999])
# Weekday profile (Monday first) of the items with weekly seasonality: a trade counter that is
# busy early in the week and nearly closed at the weekend. Normalised to mean 1.
_WEEK = np.array([1.2, 1.15, 1.1, 1.1, 1.05, 0.3, 0.1])
_WEEK = _WEEK / _WEEK.mean()
_MAX_PROMOS = 4
_MAX_PROMO_DAYS = 10
_CHUNK_SKUS = 2_000  # SKUs simulated at a time: bounds memory at any --skus, fixed for determinism
_HISTORY_ORDERS_DAYS = 90  # customer orders: shipped history covers this many last days

# The malformed sales rows, one problem each: (what is wrong, date, sku, quantity, stockout).
# `{end-1}` and `{end+30}` stand for days around spec.end, `{first}` for the first generated sku.
_BAD_SALES = (
    ("negative quantity: a customer return", "{end-1}", "{first}", "-2", "false"),
    ("sku not in items", "{end-1}", "SKU-UNKNOWN", "3", "false"),
    ("date that does not exist", "2026-13-45", "{first}", "1", "false"),
    ("quantity that is not a number", "{end-1}", "{first}", "abc", "false"),
    ("sku missing", "{end-1}", "", "2", "false"),
    ("date after the as-of date (spec.end + 30 days)", "{end+30}", "{first}", "1", "false"),
    ("stockout that is not true or false", "{end-1}", "{first}", "1", "maybe"),
)
MALFORMED_SALES_ROWS: int = len(_BAD_SALES)
MALFORMED_FILES = (
    "sales_bad_rows.csv",
    "inventory_missing_column.csv",
    "purchase_orders_not_csv.csv",
)


@dataclass(frozen=True)
class SampleSpec:
    """What to generate. The same spec always gives the same frames and byte-identical files."""

    skus: int = 300  # number of SKUs
    locations: int = 2  # locations named "main", "north", then "loc3", ...
    days: int = 730  # days of daily sales history
    end: date = date(2026, 11, 23)  # last sales date (inclusive); default as-of is the day after
    seed: int = 7
    fmt: Literal["csv", "parquet"] = "csv"
    malformed: bool = False  # also write a few malformed files for the quarantine demo

    def __post_init__(self) -> None:
        for name in ("skus", "locations", "days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.seed < 0:
            raise ValueError(f"seed must be 0 or more, got {self.seed}")
        if self.fmt not in ("csv", "parquet"):
            raise ValueError(f"fmt must be csv or parquet, got {self.fmt!r}")

    @property
    def start(self) -> date:
        """The first sales date."""
        return self.end - timedelta(days=self.days - 1)


def location_names(n: int) -> list[str]:
    """The names of the first n locations: main, north, loc3, loc4, ..."""
    return ["main", "north", *(f"loc{i}" for i in range(3, n + 1))][:n]


def disruption_window(spec: SampleSpec) -> tuple[date, date]:
    """Order dates (first, last inclusive) in which the disruption supplier's lead times jump."""
    d0, d1 = _disruption_days(spec.days)
    return spec.start + timedelta(days=d0), spec.start + timedelta(days=d1 - 1)


def _disruption_days(days: int) -> tuple[int, int]:
    # About three months, ending some eight months before the end at the default two years, so
    # the late receipts are all in the history a lead-time model learns from.
    d0 = days - round(0.45 * days)
    return d0, d0 + int(np.clip(round(0.12 * days), 10, 90))


@dataclass
class _Plan:
    """Everything drawn per SKU before the daily simulation; arrays are indexed by SKU number."""

    spec: SampleSpec
    epoch0: int  # days from 1970-01-01 to the first sales day
    dow: Arr  # weekday of each history day (0 = Monday)
    doy: Arr  # day of year of each history day
    skus: pl.Series
    locations: pl.Series
    customers: pl.Series
    cls: Arr
    level: Arr  # smooth/erratic: mean daily demand at main
    disp: Arr  # negative binomial dispersion: erratic daily demand, lumpy sizes
    p_occ: Arr  # intermittent/lumpy: probability of a sale on a day at main
    size_mean: Arr  # intermittent: Poisson mean of size-1; lumpy: mean of size-1
    rate: Arr  # expected daily demand at main, what buyers size orders with
    weekly: Arr  # strength of the weekday profile (0: none)
    year_amp: Arr  # amplitude of the yearly wave (0: none)
    year_phase: Arr
    promo_count: Arr  # promotions of the SKU (0.._MAX_PROMOS)
    promo_start: Arr  # (sku, _MAX_PROMOS): first day of each promotion
    promo_days: Arr  # (sku, _MAX_PROMOS): its length in days
    promo_uplift: Arr  # (sku, _MAX_PROMOS): demand multiplier while it runs
    life0: Arr  # first day the item sells (0 unless new)
    life1: Arr  # day after the last one it sells (days unless discontinued)
    surge_start: Arr  # day a sustained demand surge begins (days: none)
    surge_mult: Arr
    locfac: Arr  # (sku, location) demand factor against main
    supplier: Arr  # index into SUPPLIERS of the primary supplier
    lead: Arr  # primary's quoted lead time
    pack: Arr
    moq: Arr
    backup: Arr  # bool: has a priority-2 backup at the backup supplier
    backup_lead: Arr


def generate(spec: SampleSpec) -> dict[str, pl.DataFrame]:
    """The six feeds as polars frames keyed by feed name, in contract column order.

    Pure: the same spec gives equal frames. Text columns are strings, dates `pl.Date`,
    quantities `Int64`, money and service levels `Float64`, stockout `Boolean`; a missing value
    is null. Grains and the story behind them:

    - items (one row per sku): SKU-00001.., description, category (7), unit_cost, unit_price
      (above cost), service_level (about 5% of items, else null), buyer (3), status
      (`discontinued` for about 5%, whose sales stop well before the end).
    - sales (one row per sku x location x day with a sale or a stock-out), sorted by sku,
      location, date; days spec.start..spec.end, and spec.end always has a sale. `stockout` is
      true on recorded stock-out days, where quantity is 0 or the few units sold before running out.
    - inventory (one row per active sku x location): the on-hand snapshot dated spec.end.
    - purchase_orders (one row per PO line; a PO is a supplier, order date and location): the
      replenishment history, received, cancelled or open (some overdue, some partly received).
    - supplier_items (one row per supplier x sku): every sku has a priority-1 supplier among
      SUP-01..03, about a quarter also a priority-2 backup at SUP-04 (shorter lead time, dearer).
    - customer_orders (one row per order line): shipped lines of the last 90 days (a share of the
      sales), a few cancelled, and open lines, some already past their requested date.
    """
    parts: list[pl.DataFrame] = []
    feeds = _build(spec, parts.append)
    feeds["sales"] = pl.concat(parts) if parts else _empty_sales()
    return {name: feeds[name] for name in FEED_NAMES}


def story(spec: SampleSpec) -> pl.DataFrame:
    """The ground truth behind generate(spec), for tests of later stages: one row per sku.

    Columns: sku; pattern (the demand class the sku was drawn as: smooth, erratic, intermittent,
    lumpy; the class a series shows can differ); weekly, yearly (bool: has that seasonality);
    promotions (list of {start: date, days, uplift}); surge_start (date the sustained surge
    begins, null for most), surge_factor; launch_date (first possible sale of a new item, else
    null); stop_date (day after the last possible sale of a discontinued item, else null);
    primary_supplier; backup_supplier (null when none).
    """
    plan, _, supplier_items = _catalog(spec)
    n = spec.skus

    def day(d: Arr, none: Arr) -> pl.Series:
        return pl.Series(plan.epoch0 + d, dtype=pl.Int32).cast(pl.Date).set(pl.Series(none), None)

    ev, slot = np.nonzero(np.arange(_MAX_PROMOS)[None, :] < plan.promo_count[:, None])
    promos = (
        pl.DataFrame(
            {
                "i": ev,
                "start": day(plan.promo_start[ev, slot], np.zeros(ev.size, bool)),
                "days": plan.promo_days[ev, slot],
                "uplift": plan.promo_uplift[ev, slot],
            }
        )
        .group_by("i", maintain_order=True)
        .agg(promotions=pl.struct("start", "days", "uplift"))
    )
    surging = plan.surge_start < spec.days
    backups = supplier_items.filter(pl.col("priority") == 2).select(
        "sku", backup_supplier="supplier_id"
    )
    return (
        pl.DataFrame(
            {
                "i": np.arange(n),
                "sku": plan.skus,
                "pattern": np.array(CLASS_NAMES)[plan.cls],
                "weekly": plan.weekly > 0,
                "yearly": plan.year_amp > 0,
                "surge_start": day(plan.surge_start, ~surging),
                "surge_factor": pl.Series(
                    np.where(surging, plan.surge_mult, np.nan), nan_to_null=True
                ),
                "launch_date": day(plan.life0, plan.life0 == 0),
                "stop_date": day(plan.life1, plan.life1 == spec.days),
                "primary_supplier": np.array([s.supplier_id for s in SUPPLIERS])[plan.supplier],
            }
        )
        .join(promos, on="i", how="left")
        .join(backups, on="sku", how="left")
        .with_columns(pl.col("promotions").fill_null([]))
        .sort("i")
        .select(
            "sku",
            "pattern",
            "weekly",
            "yearly",
            "promotions",
            "surge_start",
            "surge_factor",
            "launch_date",
            "stop_date",
            "primary_supplier",
            "backup_supplier",
        )
    )


def write_feeds(out_dir: Path, spec: SampleSpec) -> list[Path]:
    """Write the feeds as `<feed>.csv` or `<feed>.parquet` in out_dir; return the paths written.

    Sales are written SKU chunk by SKU chunk, so `--skus 100000` never holds the whole sales feed
    in memory. With spec.malformed, three more files (always .csv) are written for the
    quarantine demo, after the six feeds in the returned list:

    - `sales_bad_rows.csv`: MALFORMED_SALES_ROWS (7) rows, every one bad, in this order:
      1. quantity -2 (a customer return), 2. sku `SKU-UNKNOWN` (not in items), 3. date
      `2026-13-45`, 4. quantity `abc`, 5. empty sku, 6. date spec.end + 30 days (after the as-of
      date), 7. stockout `maybe`. Apart from the one fault, each row is a valid sale of the first
      sku at `main` (dated spec.end - 1 unless the date is the fault).
    - `inventory_missing_column.csv`: three inventory rows without the `on_hand` column (a file
      to reject whole).
    - `purchase_orders_not_csv.csv`: the first bytes of a PNG image, not CSV at all.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    ext = spec.fmt
    sales_path = out_dir / f"sales.{ext}"
    sink = _CsvSink(sales_path) if spec.fmt == "csv" else _ParquetSink(sales_path)
    try:
        feeds = _build(spec, sink.write)
    finally:
        sink.close()
    paths: list[Path] = []
    for name in FEED_NAMES:
        path = out_dir / f"{name}.{ext}"
        if name != "sales":
            _write(feeds[name], path)
        paths.append(path)
    if spec.malformed:
        paths += _write_malformed(out_dir, spec)
    return paths


def _write(df: pl.DataFrame, path: Path) -> None:
    if path.suffix == ".csv":
        df.write_csv(path, date_format="%Y-%m-%d")
    else:
        df.write_parquet(path)


class _CsvSink:
    """Appends sales chunks to one CSV file, the header once."""

    def __init__(self, path: Path) -> None:
        self.fh = path.open("wb")
        self.header = True

    def write(self, df: pl.DataFrame) -> None:
        df.write_csv(self.fh, include_header=self.header, date_format="%Y-%m-%d")
        self.header = False

    def close(self) -> None:
        if self.header:  # no sales at all: still a valid file with its header
            _empty_sales().write_csv(self.fh)
        self.fh.close()


class _ParquetSink:
    """Appends sales chunks to one Parquet file as row groups."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.writer: Any = None

    def write(self, df: pl.DataFrame) -> None:
        import pyarrow.parquet as pq

        table = df.to_arrow()
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.path, table.schema)
        self.writer.write_table(table)

    def close(self) -> None:
        if self.writer is None:
            _empty_sales().write_parquet(self.path)
        else:
            self.writer.close()


def _empty_sales() -> pl.DataFrame:
    kinds = {
        "date": pl.Date,
        "sku": pl.String,
        "quantity": pl.Int64,
        "location": pl.String,
        "stockout": pl.Boolean,
    }
    return pl.DataFrame(schema={c: kinds[c] for c in COLUMNS["sales"]})


def _build(spec: SampleSpec, on_sales: Callable[[pl.DataFrame], None]) -> dict[str, pl.DataFrame]:
    """Every feed but sales, which is handed to on_sales chunk by chunk (in sku order)."""
    plan, items, supplier_items = _catalog(spec)
    pos: list[pl.DataFrame] = []
    cos: list[pl.DataFrame] = []
    inv: list[pl.DataFrame] = []
    for i, c0 in enumerate(range(0, spec.skus, _CHUNK_SKUS)):
        # One generator per chunk, seeded from the spec and the chunk number: deterministic, and
        # independent of how many chunks came before.
        rng = np.random.default_rng([spec.seed, 1, i])
        sales, po, co, on_hand = _simulate(plan, c0, min(c0 + _CHUNK_SKUS, spec.skus), rng)
        on_sales(sales)
        pos.append(po)
        cos.append(co)
        inv.append(on_hand)
    return {
        "items": items,
        "inventory": pl.concat(inv),
        "purchase_orders": _numbered(pos, "PO-", "po_id", COLUMNS["purchase_orders"]),
        "supplier_items": supplier_items,
        "customer_orders": _numbered(cos, "SO-", "order_id", COLUMNS["customer_orders"]),
    }


def _share(n: int, frac: float, minimum: int = 1) -> int:
    return max(minimum, round(frac * n))


def _catalog(spec: SampleSpec) -> tuple[_Plan, pl.DataFrame, pl.DataFrame]:
    """Draw the per-SKU story and build items and supplier_items from it."""
    rng = np.random.default_rng(spec.seed)
    n, days, locs = spec.skus, spec.days, spec.locations
    d64 = np.datetime64(spec.start.isoformat(), "D") + np.arange(days)
    doy = (d64 - d64.astype("datetime64[Y]")).astype(np.int64)
    dow = (spec.start.weekday() + np.arange(days)) % 7

    cls = rng.choice(4, size=n, p=_CLASS_SHARE)
    cls[0] = _SMOOTH  # SKU 0 is a plain steady seller, so the last day always has a sale
    regular = cls <= _ERRATIC
    level = np.where(
        cls == _SMOOTH,
        np.clip(rng.lognormal(np.log(6.0), 0.6, n), 2.5, 150.0),
        np.clip(rng.lognormal(np.log(9.0), 0.6, n), 4.0, 150.0),
    )
    disp = np.where(cls == _ERRATIC, rng.uniform(0.7, 1.5, n), rng.uniform(0.3, 0.8, n))
    p_occ = np.where(cls == _INTERMITTENT, rng.uniform(0.05, 0.45, n), rng.uniform(0.03, 0.3, n))
    size_mean = np.where(cls == _INTERMITTENT, rng.uniform(0.1, 2.0, n), rng.uniform(3.0, 25.0, n))
    rate = np.where(regular, level, p_occ * (1 + size_mean))
    weekly = np.where(regular & (rng.random(n) < 0.6), rng.uniform(0.4, 1.0, n), 0.0)
    seasonal = rng.random(n) < np.where(regular, 0.4, 0.15)
    year_amp = np.where(seasonal, rng.uniform(0.2, 0.6, n), 0.0)
    year_phase = rng.uniform(0.0, 365.25, n)
    # Promotions: 15% of the SKUs get 1-4, of 3-10 days each, lifting demand 1.5-3x.
    promo_count = np.where(rng.random(n) < 0.15, rng.integers(1, _MAX_PROMOS + 1, n), 0)
    promo_start = rng.integers(0, max(days - 3, 1), (n, _MAX_PROMOS))
    promo_days = rng.integers(3, _MAX_PROMO_DAYS + 1, (n, _MAX_PROMOS))
    promo_uplift = rng.uniform(1.5, 3.0, (n, _MAX_PROMOS))

    # Roles, disjoint; SKU 0 keeps none of them.
    pool = rng.permutation(np.arange(1, n))
    cuts = np.cumsum([_share(n, 0.05), _share(n, 0.04), _share(n, 0.01)])
    disc, new, recent, rest = np.split(pool, np.minimum(cuts, pool.size))
    # Surges go to steady sellers without a yearly wave, which could otherwise hide them.
    plain = regular[rest] & (year_amp[rest] == 0)
    surge = np.concatenate([rest[plain], rest[~plain]])[: _share(n, 0.01, 2)]
    life0 = np.zeros(n, np.int64)
    life0[new] = rng.integers(days // 2, max(days // 2 + 1, days - 14), new.size)
    life0[recent] = np.clip(days - rng.integers(2, 11, recent.size), 0, days - 1)
    life1 = np.full(n, days, np.int64)
    lo = int(0.3 * days)
    life1[disc] = np.maximum(rng.integers(lo, max(lo + 1, int(0.8 * days)), disc.size), 1)
    surge_start = np.full(n, days, np.int64)
    surge_start[surge] = np.clip(days - rng.integers(30, 61, surge.size), 0, days - 1)
    surge_mult = np.ones(n)
    surge_mult[surge] = rng.uniform(2.0, 3.5, surge.size)
    locfac = rng.uniform(0.3, 0.9, (n, locs))
    locfac[:, 0] = 1.0

    cat = rng.choice(len(_CATEGORIES), size=n, p=_CATEGORY_SHARE)
    median_cost = np.array([c[2] for c in _CATEGORIES])
    cost = np.maximum(np.round(median_cost[cat] * rng.lognormal(0.0, 0.6, n), 2), 0.05)
    price = np.maximum(np.round(cost * rng.uniform(1.25, 2.2, n), 2), cost + 0.01)
    nouns = np.array([noun for c in _CATEGORIES for noun in c[3]])
    noun = nouns[cat * 4 + rng.integers(0, 4, n)]
    prefix = np.array([c[4] for c in _CATEGORIES])[cat]
    code = rng.integers(100, 10_000, n)
    service = np.where(rng.random(n) < 0.05, rng.choice(_SERVICE_LEVELS, n), np.nan)

    supplier = rng.choice(3, size=n, p=_PRIMARY_SHARE)
    lo_lt = np.array([s.quoted_days[0] for s in SUPPLIERS])
    hi_lt = np.array([s.quoted_days[1] for s in SUPPLIERS])
    lead = rng.integers(lo_lt[supplier], hi_lt[supplier] + 1)
    # Cheap parts come in packs; dear ones one by one. Half the items have a minimum order.
    pack = np.select(
        [cost < 1.0, cost < 10.0],
        [rng.choice([25, 50, 100], n), rng.choice([1, 5, 10], n)],
        default=1,
    ).astype(np.int64)
    moq = np.where(rng.random(n) < 0.5, 0, pack * rng.integers(1, 6, n)).astype(np.int64)
    backup = np.zeros(n, bool)
    backup[rng.permutation(n)[: round(0.25 * n)]] = True
    b = _BACKUP
    backup_lead = rng.integers(SUPPLIERS[b].quoted_days[0], SUPPLIERS[b].quoted_days[1] + 1, n)
    backup_cost = np.round(cost * rng.uniform(1.1, 1.4, n), 2)

    width = max(5, len(str(n)))
    skus = pl.Series("sku", np.arange(1, n + 1)).cast(pl.String).str.zfill(width)
    skus = ("SKU-" + skus).alias("sku")
    n_cust = max(10, n // 3)
    customers = pl.Series("customer_id", np.arange(1, n_cust + 1)).cast(pl.String)
    customers = ("CUST-" + customers.str.zfill(max(4, len(str(n_cust))))).alias("customer_id")

    items = pl.DataFrame(
        {
            "sku": skus,
            "description": pl.Series(noun)
            + " "
            + pl.Series(prefix)
            + "-"
            + pl.Series(code).cast(pl.String),
            "category": np.array([c[0] for c in _CATEGORIES])[cat],
            "unit_cost": cost,
            "unit_price": price,
            "service_level": pl.Series(service, nan_to_null=True),
            "buyer": np.array([c[1] for c in _CATEGORIES])[cat],
            "status": np.where(life1 < days, "discontinued", "active"),
        }
    )
    sup_ids = np.array([s.supplier_id for s in SUPPLIERS])
    primary = pl.DataFrame(
        {
            "supplier_id": sup_ids[supplier],
            "sku": skus,
            "lead_time_days": lead.astype(np.int64),
            "moq": moq,
            "pack_size": pack,
            "unit_cost": cost,
            "priority": np.ones(n, np.int64),
        }
    )
    k = np.nonzero(backup)[0]
    secondary = pl.DataFrame(
        {
            "supplier_id": sup_ids[np.full(k.size, b)],
            "sku": skus.gather(k),
            "lead_time_days": backup_lead[k].astype(np.int64),
            "moq": np.zeros(k.size, np.int64),
            "pack_size": np.ones(k.size, np.int64),
            "unit_cost": backup_cost[k],
            "priority": np.full(k.size, 2, np.int64),
        }
    )
    supplier_items = pl.concat([primary, secondary]).sort("sku", "priority")

    plan = _Plan(
        spec=spec,
        epoch0=(spec.start - date(1970, 1, 1)).days,
        dow=dow,
        doy=doy,
        skus=skus,
        locations=pl.Series("location", location_names(locs)),
        customers=customers,
        cls=cls,
        level=level,
        disp=disp,
        p_occ=p_occ,
        size_mean=size_mean,
        rate=rate,
        weekly=weekly,
        year_amp=year_amp,
        year_phase=year_phase,
        promo_count=promo_count,
        promo_start=promo_start,
        promo_days=promo_days,
        promo_uplift=promo_uplift,
        life0=life0,
        life1=life1,
        surge_start=surge_start,
        surge_mult=surge_mult,
        locfac=locfac,
        supplier=supplier,
        lead=lead,
        pack=pack,
        moq=moq,
        backup=backup,
        backup_lead=backup_lead,
    )
    return plan, items, supplier_items


def _simulate(
    plan: _Plan, c0: int, c1: int, rng: np.random.Generator
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Sales, PO lines, customer order lines and on-hand of SKUs c0..c1-1, on day x series grids.

    A series is a sku x location; series j is SKU c0 + j // L at location j % L.
    """
    days, n_loc = plan.spec.days, plan.spec.locations
    g = np.repeat(np.arange(c0, c1), n_loc)
    loc = np.tile(np.arange(n_loc), c1 - c0)
    n = g.size
    day = np.arange(days)
    life0, life1 = plan.life0[g], plan.life1[g]
    alive = (day >= life0[:, None]) & (day < life1[:, None])
    mult = _shape(plan, g, c0, c1)
    fac = plan.locfac[g, loc]
    demand = _demand(plan, g, fac, mult, rng) * alive
    del mult
    so = _stockouts(plan, g, loc, life0, life1, rng) & alive
    # New items open with a launch sale at main, so each one is visible in sales from its first day.
    launched = np.nonzero((life0 > 0) & (loc == 0))[0]
    demand[launched, life0[launched]] = np.maximum(demand[launched, life0[launched]], 1)
    so[launched, life0[launched]] = False
    if c0 == 0:  # SKU 0 at main sells on the last day: the default as-of is spec.end + 1
        demand[0, days - 1] = max(int(demand[0, days - 1]), 1)
        so[0, days - 1] = False
    # Stock-out days record what was sold before running out (first day), then nothing.
    first = so.copy()
    first[:, 1:] &= ~so[:, :-1]
    sold = np.where(so, 0, demand)
    fr, fd = np.nonzero(first)
    sold[fr, fd] = np.floor(demand[fr, fd] * rng.uniform(0.0, 0.5, fr.size)).astype(np.int64)
    del demand, first

    rows, ds = np.nonzero(alive & ((sold > 0) | so))
    qty = sold[rows, ds].astype(np.int64)
    sales = pl.DataFrame(
        {
            "date": pl.Series(plan.epoch0 + ds, dtype=pl.Int32).cast(pl.Date),
            "sku": plan.skus.gather(g[rows]),
            "quantity": qty,
            "location": plan.locations.gather(loc[rows]),
            "stockout": so[rows, ds],
        }
    )
    rate = plan.rate[g] * fac
    po, last_day, since_qty = _purchase_orders(plan, g, loc, rate, rng)
    cum = sold.cumsum(axis=1)
    del sold
    co = _customer_orders(plan, g, loc, rate, rows, ds, qty, so, rng)

    # On hand at the end: a buffer plus what came in since the last regular receipt, less what
    # sold since; zero where the series ends in a stock-out; a guess from demand where nothing
    # was ever received.
    before = np.where(last_day > 0, cum[np.arange(n), np.maximum(last_day - 1, 0)], 0)
    sold_since = cum[:, days - 1] - before
    buffer = rate * rng.uniform(7.0, 30.0, n)
    on_hand = np.where(
        last_day >= 0,
        np.maximum(np.rint(buffer + since_qty - sold_since), 0),
        np.rint(rate * rng.uniform(5.0, 40.0, n)),
    ).astype(np.int64)
    # A surging series still has a few days of stock at its new pace, fewer than any lead time:
    # the shortage is ahead, for the warnings to find.
    surging = np.nonzero(plan.surge_start[g] < days)[0]
    pace = rate[surging] * plan.surge_mult[g[surging]]
    on_hand[surging] = np.rint(pace * rng.uniform(3.0, 6.0, surging.size)).astype(np.int64)
    on_hand[so[:, days - 1]] = 0
    active = np.nonzero(life1 == days)[0]
    inventory = pl.DataFrame(
        {
            "date": pl.Series(np.full(active.size, plan.epoch0 + days - 1), dtype=pl.Int32).cast(
                pl.Date
            ),
            "sku": plan.skus.gather(g[active]),
            "on_hand": on_hand[active],
            "location": plan.locations.gather(loc[active]),
        }
    )
    return sales, po, co, inventory


def _shape(plan: _Plan, g: Arr, c0: int, c1: int) -> Arr:
    """Demand multiplier per series and day: weekday, yearly wave, promotions and surges."""
    days, n_loc = plan.spec.days, plan.spec.locations
    n = g.size
    day = np.arange(days)
    mult = np.ones((n, days))
    r = np.nonzero(plan.weekly[g] > 0)[0]
    mult[r] *= 1 + plan.weekly[g[r], None] * (_WEEK[plan.dow][None, :] - 1)
    r = np.nonzero(plan.year_amp[g] > 0)[0]
    wave = np.sin(2 * np.pi * (plan.doy[None, :] - plan.year_phase[g[r], None]) / 365.25)
    mult[r] *= 1 + plan.year_amp[g[r], None] * wave
    # Promotions run at every location of the SKU.
    ev, slot = np.nonzero(np.arange(_MAX_PROMOS)[None, :] < plan.promo_count[c0:c1, None])
    begin = plan.promo_start[c0 + ev, slot]
    length = plan.promo_days[c0 + ev, slot]
    uplift = plan.promo_uplift[c0 + ev, slot]
    off = np.arange(_MAX_PROMO_DAYS)
    cells = begin[:, None] + off[None, :]
    inside = (off[None, :] < length[:, None]) & (cells < days)
    promo = np.ones((c1 - c0, days))
    promo[np.broadcast_to(ev[:, None], inside.shape)[inside], cells[inside]] = np.broadcast_to(
        uplift[:, None], inside.shape
    )[inside]
    mult *= np.repeat(promo, n_loc, axis=0)
    # Surges: a sustained level shift that ramps up over a week and stays to the end.
    s0 = plan.surge_start[g]
    r = np.nonzero(s0 < days)[0]
    ramp = np.clip((day[None, :] - s0[r, None] + 1) / 7.0, 0.0, 1.0)
    mult[r] *= 1 + (plan.surge_mult[g[r], None] - 1) * ramp
    return mult


def _demand(plan: _Plan, g: Arr, fac: Arr, mult: Arr, rng: np.random.Generator) -> Arr:
    """True daily demand per series and day, by demand class.

    Smooth: Poisson. Erratic: negative binomial (gamma-mixed Poisson, CV² about 1/k). Intermittent
    and lumpy: a sale occurs with a small daily probability (Croston-style), of size 1 + Poisson
    (low variance) or 1 + negative binomial (high variance).
    """
    out = np.zeros(mult.shape, np.int64)
    cls = plan.cls[g]
    r = np.nonzero(cls == _SMOOTH)[0]
    out[r] = rng.poisson(plan.level[g[r], None] * fac[r, None] * mult[r])
    r = np.nonzero(cls == _ERRATIC)[0]
    mu = plan.level[g[r], None] * fac[r, None] * mult[r]
    k = plan.disp[g[r], None]
    out[r] = rng.negative_binomial(k, k / (k + mu))
    for c in (_INTERMITTENT, _LUMPY):
        r = np.nonzero(cls == c)[0]
        prob = np.minimum(plan.p_occ[g[r], None] * fac[r, None] * mult[r], 0.9)
        occurs = rng.random(prob.shape) < prob
        m = plan.size_mean[g[r], None]
        if c == _INTERMITTENT:
            size = 1 + rng.poisson(m, prob.shape)
        else:
            k = plan.disp[g[r], None]
            size = 1 + rng.negative_binomial(k, k / (k + m), prob.shape)
        out[r] = occurs * size
    return out


def _stockouts(
    plan: _Plan, g: Arr, loc: Arr, life0: Arr, life1: Arr, rng: np.random.Generator
) -> Arr:
    """Stock-out days: past episodes of 2-14 days on some series, a few still running at the end.

    Surge series do not start out of stock, so that the shortage ahead of them is still to warn of.
    """
    days = plan.spec.days
    n = g.size
    count = np.where(rng.random(n) < 0.12, rng.integers(1, 4, n), 0)
    ev = np.repeat(np.arange(n), count)
    length = rng.integers(2, 15, ev.size)
    room = np.maximum(life1[ev] - life0[ev] - length, 1)
    begin = life0[ev] + (rng.random(ev.size) * room).astype(np.int64)
    can_end = (
        (life1 == days)
        & (life0 < days - 20)
        & (plan.surge_start[g] == days)
        & ~((g == 0) & (loc == 0))
    )
    ending = np.nonzero(can_end & (rng.random(n) < 0.03))[0]
    end_len = rng.integers(2, 11, ending.size)
    ev = np.concatenate([ev, ending])
    length = np.concatenate([length, end_len])
    begin = np.concatenate([begin, days - end_len])
    off = np.arange(14)
    cells = begin[:, None] + off[None, :]
    inside = (off[None, :] < length[:, None]) & (cells < days) & (cells >= 0)
    so = np.zeros((n, days), bool)
    so[np.broadcast_to(ev[:, None], inside.shape)[inside], cells[inside]] = True
    return so


def _purchase_orders(
    plan: _Plan, g: Arr, loc: Arr, rate: Arr, rng: np.random.Generator
) -> tuple[pl.DataFrame, Arr, Arr]:
    """PO lines (po_id added later); per series, the last regular receipt day and units since.

    Buyers order about 3-8 weeks of demand (at least the MOQ, in whole packs) every cycle, from
    the primary supplier on its ordering weekday, now and then from the backup instead. Receipt
    = order date + quoted lead time + the supplier's slip (see SUPPLIERS).
    """
    days = plan.spec.days
    n = g.size
    life0, life1 = plan.life0[g], plan.life1[g]
    lead, pack = plan.lead[g], plan.pack[g]
    qty = np.maximum(np.ceil(np.maximum(rate * rng.uniform(21, 60, n), plan.moq[g]) / pack), 1)
    qty = (qty * pack).astype(np.int64)
    cycle = np.clip(qty / np.maximum(rate, 1e-9), 10.0, 240.0)
    # The first order arrives around the start of the item's life; ordering stops a lead time
    # plus a week before a discontinued item's last sale.
    t0 = life0 - lead - rng.random(n) * cycle
    last = np.where(life1 < days, life1 - lead - 7, days - 1)
    count = np.where(last >= t0, np.floor((last - t0) / cycle) + 1, 0).astype(np.int64)
    ser = np.repeat(np.arange(n), count)
    k = np.arange(ser.size) - np.repeat(np.cumsum(count) - count, count)
    t = np.rint(t0[ser] + cycle[ser] * (k + rng.normal(0.0, 0.08, ser.size))).astype(np.int64)

    sup = plan.supplier[g][ser]
    quoted = lead[ser]
    line_qty = qty[ser]
    to_backup = plan.backup[g][ser] & (rng.random(ser.size) < 0.15)
    sup = np.where(to_backup, _BACKUP, sup)
    quoted = np.where(to_backup, plan.backup_lead[g][ser], quoted)
    # An expedite from the backup covers two weeks, in single units.
    line_qty = np.where(to_backup, np.maximum(np.ceil(rate[ser] * 14), 1), line_qty).astype(
        np.int64
    )
    weekday = np.array([-1 if s.order_weekday is None else s.order_weekday for s in SUPPLIERS])
    wd = weekday[sup]
    t = np.where(wd >= 0, t - ((plan.dow[0] + t) % 7 - wd) % 7, t)
    keep = (t >= 0) & (t <= last[ser])
    # One line per series, order date and supplier (PO ids group lines on exactly that).
    key = (ser * days + t) * len(SUPPLIERS) + sup
    _, firsts = np.unique(np.where(keep, key, -1), return_index=True)
    pick = firsts[keep[firsts]]
    ser, t, sup, quoted, line_qty = ser[pick], t[pick], sup[pick], quoted[pick], line_qty[pick]
    m = ser.size

    slip = _slip(plan, sup, t, rng)
    promised = t + quoted
    arrival = t + np.maximum(quoted + slip, 1)
    is_open = arrival > days - 1
    cancelled = ~is_open & (promised < days - 31) & (rng.random(m) < 0.03)
    partial = is_open & (t <= days - 8) & (line_qty >= 2) & (rng.random(m) < 0.25)
    recv_qty = np.where(is_open | cancelled, 0, line_qty)
    recv_day = np.where(is_open | cancelled, -1, arrival)
    part_qty = np.clip(np.floor(line_qty * rng.uniform(0.3, 0.8, m)), 1, line_qty - 1)
    span = np.minimum(arrival - 1, days - 1) - t
    part_day = t + 1 + (rng.random(m) * np.maximum(span, 1)).astype(np.int64)
    recv_qty = np.where(partial, part_qty, recv_qty).astype(np.int64)
    recv_day = np.where(partial, np.minimum(part_day, days - 1), recv_day)
    status = np.where(cancelled, "cancelled", np.where(is_open, "open", "received"))

    def as_date(d: Arr) -> pl.Series:
        return pl.Series(plan.epoch0 + d, dtype=pl.Int32).cast(pl.Date)

    sup_ids = np.array([s.supplier_id for s in SUPPLIERS])
    po = pl.DataFrame(
        {
            "sku": plan.skus.gather(g[ser]),
            "supplier_id": sup_ids[sup],
            "quantity": line_qty,
            "order_date": as_date(t),
            "promised_date": as_date(promised),
            "received_date": as_date(recv_day).set(pl.Series(recv_day < 0), None),
            "received_quantity": recv_qty,
            "status": status,
            "location": plan.locations.gather(loc[ser]),
            # One PO per order date, supplier and location.
            "_group": (t * len(SUPPLIERS) + sup) * plan.spec.locations + loc[ser],
        }
    )
    # Each series' last receipt from its primary supplier, and all it received from then on
    # (that receipt, later partial ones, backup expedites).
    last_day = np.full(n, -1, np.int64)
    regular = (recv_day >= 0) & (sup != _BACKUP)
    np.maximum.at(last_day, ser[regular], recv_day[regular])
    since_qty = np.zeros(n, np.int64)
    got = (recv_day >= 0) & (last_day[ser] >= 0) & (recv_day >= last_day[ser])
    np.add.at(since_qty, ser[got], recv_qty[got])
    return po, last_day, since_qty


def _slip(plan: _Plan, sup: Arr, t: Arr, rng: np.random.Generator) -> Arr:
    """Days each line arrives after its promised date (negative: early), by supplier behaviour."""
    m = sup.size
    d0, d1 = _disruption_days(plan.spec.days)
    reliable = np.clip(np.rint(rng.normal(-0.3, 0.8, m)), -2, 2)
    late = np.where(
        rng.random(m) < 0.85, 1 + np.rint(rng.gamma(2.0, 3.5, m)), -rng.integers(0, 3, m)
    )
    disrupted = np.clip(np.rint(rng.normal(0.0, 1.5, m)), -3, 3) + np.where(
        (t >= d0) & (t < d1), np.rint(rng.uniform(20.0, 45.0, m)), 0
    )
    backup = rng.integers(0, 2, m)
    behaviour = np.array([s.behaviour for s in SUPPLIERS])[sup]
    return np.select(
        [behaviour == "late", behaviour == "disruption", behaviour == "backup"],
        [late, disrupted, backup],
        default=reliable,
    ).astype(np.int64)


def _customer_orders(
    plan: _Plan,
    g: Arr,
    loc: Arr,
    rate: Arr,
    rows: Arr,
    ds: Arr,
    sold: Arr,
    so: Arr,
    rng: np.random.Generator,
) -> pl.DataFrame:
    """Order lines (order_id added later): shipped ones behind recent sales, and open ones.

    A share (10-50% per series) of the sales of the last 90 days came from customer orders,
    placed 0-6 days before shipping; 2% of those were cancelled. About 12% of the active series,
    and every surging one, have 1-3 open lines ordered in the last three weeks; some are partly
    shipped and many are already past their requested date.
    """
    days = plan.spec.days
    n = g.size
    share = rng.uniform(0.1, 0.5, n)
    hist = np.nonzero(
        (ds >= days - _HISTORY_ORDERS_DAYS)
        & (sold > 0)
        & ~so[rows, ds]
        & (rng.random(rows.size) < share[rows])
    )[0]
    h_ser, h_ship, h_qty = rows[hist], ds[hist], sold[hist]
    h_order = np.maximum(h_ship - rng.integers(0, 7, hist.size), 0)
    h_req = h_order + rng.integers(0, h_ship - h_order + 4)
    h_cancel = rng.random(hist.size) < 0.02
    h_status = np.where(h_cancel, "cancelled", "shipped")
    h_shipped = np.where(h_cancel, 0, h_qty)

    life0, life1 = plan.life0[g], plan.life1[g]
    surging = plan.surge_start[g] < days
    active = life1 == days
    count = np.where(active & (rng.random(n) < 0.12), rng.integers(1, 4, n), 0)
    count = np.where(active & surging, np.maximum(count, 2), count)
    o_ser = np.repeat(np.arange(n), count)
    o_order = np.maximum(days - 1 - rng.integers(0, 22, o_ser.size), life0[o_ser])
    o_req = o_order + rng.integers(0, 29, o_ser.size)
    o_qty = np.maximum(np.rint(rate[o_ser] * rng.uniform(1.0, 8.0, o_ser.size)), 1).astype(np.int64)
    part = (o_qty >= 2) & (rng.random(o_ser.size) < 0.15)
    o_shipped = np.where(
        part, np.clip(np.floor(o_qty * rng.uniform(0.2, 0.7, o_ser.size)), 1, o_qty - 1), 0
    ).astype(np.int64)

    ser = np.concatenate([h_ser, o_ser])
    order_day = np.concatenate([h_order, o_order])
    n_cust = plan.customers.len()
    # A few big customers place most lines.
    cust = (n_cust * rng.random(ser.size) ** 2).astype(np.int64)
    # One order per order date, customer and location; a second line of the same series in
    # one order would break the key, so only the first is kept.
    group = (order_day * n_cust + cust) * plan.spec.locations + loc[ser]
    keep = np.sort(np.unique(group * n + ser, return_index=True)[1])

    def as_date(d: Arr) -> pl.Series:
        return pl.Series(plan.epoch0 + d, dtype=pl.Int32).cast(pl.Date)

    qty = np.concatenate([h_qty, o_qty]).astype(np.int64)
    requested = np.concatenate([h_req, o_req])
    status = np.concatenate([h_status, np.full(o_ser.size, "open")])
    shipped = np.concatenate([h_shipped, o_shipped]).astype(np.int64)
    ser = ser[keep]
    return pl.DataFrame(
        {
            "sku": plan.skus.gather(g[ser]),
            "quantity": qty[keep],
            "order_date": as_date(order_day[keep]),
            "requested_date": as_date(requested[keep]),
            "customer_id": plan.customers.gather(cust[keep]),
            "status": status[keep],
            "shipped_quantity": shipped[keep],
            "location": plan.locations.gather(loc[ser]),
            "_group": group[keep],
        }
    )


def _numbered(
    parts: list[pl.DataFrame], prefix: str, column: str, names: tuple[str, ...]
) -> pl.DataFrame:
    """Number the groups of lines (one PO or order each) across all chunks, by their `_group`.

    `_group` codes order date first, so numbers rise with the date. Only the small set of codes
    is gathered globally: no sort of the whole feed, whatever --skus.
    """
    codes = np.unique(np.concatenate([p["_group"].unique().to_numpy() for p in parts]))
    width = max(6, len(str(codes.size)))
    for i, part in enumerate(parts):
        number = pl.Series(np.searchsorted(codes, part["_group"].to_numpy()) + 1)
        ids = (prefix + number.cast(pl.String).str.zfill(width)).alias(column)
        parts[i] = part.with_columns(ids).sort("_group", "sku").select(names)
    return pl.concat(parts)


def _write_malformed(out_dir: Path, spec: SampleSpec) -> list[Path]:
    """The three files of the quarantine demo (see write_feeds)."""
    first = f"SKU-{'1'.zfill(max(5, len(str(spec.skus))))}"
    subs = {
        "{end-1}": (spec.end - timedelta(days=1)).isoformat(),
        "{end+30}": (spec.end + timedelta(days=30)).isoformat(),
        "{first}": first,
    }
    lines = ["date,sku,quantity,location,stockout"]
    for _, day, sku, qty, stockout in _BAD_SALES:
        lines.append(f"{subs.get(day, day)},{subs.get(sku, sku)},{qty},main,{stockout}")
    sales = out_dir / "sales_bad_rows.csv"
    sales.write_text("\n".join(lines) + "\n", encoding="utf-8")

    end = spec.end.isoformat()
    inventory = out_dir / "inventory_missing_column.csv"
    inventory.write_text(
        "date,sku,location,bin\n"
        f"{end},{first},main,A-01-01\n{end},{first},main,A-01-02\n{end},{first},main,B-07-03\n",
        encoding="utf-8",
    )
    # A PNG signature and IHDR chunk of a 1x1 image: what a mislabelled export looks like.
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
        b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81"
        b"\x84\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    garbage = out_dir / "purchase_orders_not_csv.csv"
    garbage.write_bytes(png)
    return [sales, inventory, garbage]


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m shortage_radar.sample_data OUT_DIR [options]`: write a sample bundle."""
    d = SampleSpec()
    p = argparse.ArgumentParser(
        prog="python -m shortage_radar.sample_data",
        description="Write seeded, realistic sample feeds (CONTRACT.md section 1) to a folder.",
    )
    p.add_argument("out_dir", type=Path, help="folder to write the feeds into (created)")
    p.add_argument("--skus", type=int, default=d.skus, help=f"number of SKUs ({d.skus})")
    p.add_argument(
        "--locations", type=int, default=d.locations, help=f"number of locations ({d.locations})"
    )
    p.add_argument("--days", type=int, default=d.days, help=f"days of sales history ({d.days})")
    p.add_argument(
        "--end",
        type=date.fromisoformat,
        default=d.end,
        help=f"last sales date YYYY-MM-DD ({d.end.isoformat()})",
    )
    p.add_argument("--seed", type=int, default=d.seed, help=f"random seed ({d.seed})")
    p.add_argument("--format", dest="fmt", choices=("csv", "parquet"), default=d.fmt)
    p.add_argument(
        "--malformed", action="store_true", help="also write malformed files (quarantine demo)"
    )
    args = p.parse_args(argv)
    try:
        spec = SampleSpec(
            skus=args.skus,
            locations=args.locations,
            days=args.days,
            end=args.end,
            seed=args.seed,
            fmt=args.fmt,
            malformed=args.malformed,
        )
    except ValueError as e:
        p.error(str(e))
    for path in write_feeds(args.out_dir, spec):
        print(f"{path}\t{path.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())

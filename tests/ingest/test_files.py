"""Which landing files belong to which feed, in what order, and their fingerprints."""

from __future__ import annotations

from pathlib import Path

from conftest import write
from shortage_radar.ingest.files import content_hash, discover


def test_file_names_assign_feeds_and_formats(landing: Path) -> None:
    for name in [
        "sales.csv",
        "sales_2026-11-23.parquet",
        "sales-week47.csv.gz",
        "supplier_items.csv",
        "Items.CSV",
        "salesman.csv",
        "items.xlsx",
        ".hidden.csv",
    ]:
        write(landing, name, "x")
    found = {f.name: (f.feed, f.fmt) for f in discover(landing)}
    assert found == {
        "sales.csv": ("sales", "csv"),
        "sales_2026-11-23.parquet": ("sales", "parquet"),
        "sales-week47.csv.gz": ("sales", "csv.gz"),
        "supplier_items.csv": ("supplier_items", "csv"),
        "Items.CSV": ("items", "csv"),
        "salesman.csv": (None, "csv"),
        "items.xlsx": ("items", None),
    }


def test_items_load_first_then_oldest_file_first(landing: Path) -> None:
    import os

    for i, name in enumerate(["sales_b.csv", "sales_a.csv", "items.csv"]):
        os.utime(write(landing, name, "x"), (1000 + i, 1000 + i))
    assert [f.name for f in discover(landing)] == ["items.csv", "sales_b.csv", "sales_a.csv"]


def test_same_bytes_same_hash_under_any_name(landing: Path) -> None:
    a = write(landing, "sales.csv", "date,sku,quantity\n")
    b = write(landing, "sales_copy.csv", "date,sku,quantity\n")
    c = write(landing, "sales_other.csv", "date,sku,quantity\n2026-01-01,A,1\n")
    assert content_hash(a) == content_hash(b) != content_hash(c)


def test_default_as_of_is_the_day_after_the_last_sale_not_after_today(
    con: object, landing: Path
) -> None:
    from datetime import date

    import polars as pl

    from shortage_radar.ingest.stage import default_as_of

    write(
        landing, "sales.csv", "Date,sku,quantity\n2026-05-01,A,1\n2026-05-03,A,1\n2999-01-01,A,1\n"
    )
    pl.DataFrame({"date": [date(2026, 5, 7)], "sku": ["A"], "quantity": [1]}).write_parquet(
        landing / "sales_2.parquet"
    )
    write(landing, "sales_broken.csv", b"\x89PNG\x00")
    files = discover(landing)
    assert default_as_of(files[:1], con, date(2026, 6, 1)) == date(2026, 5, 4)  # type: ignore[arg-type]
    assert default_as_of(files, con, date(2026, 6, 1)) == date(2026, 5, 8)  # type: ignore[arg-type]


def test_a_header_of_many_columns_is_checked_in_linear_time(landing: Path) -> None:
    # The real SCMS export, read with its old-Mac line ends, once made a 330,401-name header:
    # a quadratic duplicate check took half an hour on it. This one would take minutes.
    from shortage_radar.contract import FEEDS
    from shortage_radar.ingest.files import scan

    header = ",".join(["date", "sku", "quantity"] + [f"c{i}" for i in range(60_000)])
    write(landing, "sales.csv", header + "\n")
    (f,) = discover(landing)
    assert len(scan(f, FEEDS["sales"]).collect_schema()) == 60_004  # with row_number

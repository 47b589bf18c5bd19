"""The bad-file corpus through the real load: exact quarantine reasons, accounting identity."""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AS_OF, ITEMS, count, load, quarantined, write
from shortage_radar.ingest.load import LedgerEntry

SALES_HEAD = "date,sku,quantity,location,stockout\n"


def identity_holds(con: duckdb.DuckDBPyConnection, e: LedgerEntry) -> None:
    """rows read = loaded + quarantined, and each count matches what the tables hold."""
    assert e.rows_read == e.rows_loaded + e.rows_quarantined
    got = con.execute(
        "SELECT (SELECT count(*) FROM meta.quarantine WHERE load_id = $1 "
        f"AND row_number IS NOT NULL), (SELECT count(*) FROM raw.{e.feed} WHERE load_id = $1)",
        [e.load_id],
    ).fetchall()[0]
    assert got == (e.rows_quarantined, e.rows_read)


def test_corpus_of_bad_rows_quarantined_with_exact_reasons(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing, "items.csv", ITEMS + "A,Bolt again,1,2\n")
    write(
        landing,
        "sales.csv",
        SALES_HEAD
        + (
            "2026-05-01,A,3,main,false\n"  # 1 good
            "2026-05-01,A,3,main,false\n"  # 2 good: identical sale lines are summed, not duplicates
            "2026-05-02,A,abc,main,\n"  # 3 wrong type
            "2026-05-02,,1,main,\n"  # 4 missing sku
            "2026-05-03,A,-2,main,\n"  # 5 a return
            "2026-05-03,NOPE,4,,\n"  # 6 unknown sku
            "2026-06-02,B,1,north,\n"  # 7 after the as-of date
            "2026-02-30,B,1,north,true\n"  # 8 no such day
            "2026-05-04,B,0,north,true\n"  # 9 good: a stock-out day with no sale
            "2026-05-04,B,1,5,north,true\n"  # 10 a stray comma
        ),
    )
    e = load(con, landing)
    assert quarantined(con, "items.csv") == [(3, "sku", "duplicate key (sku=A): already at row 1")]
    assert quarantined(con, "sales.csv") == [
        (3, "quantity", "quantity is not a number: 'abc'"),
        (4, "sku", "sku is missing (required)"),
        (
            5,
            "quantity",
            "quantity is negative (-2.0): a return, not a sale (returns are not "
            "demand and are not loaded)",
        ),
        (6, "sku", "sku 'NOPE' is not in items"),
        (7, "date", "date 2026-06-02 is after the as-of date 2026-06-01"),
        (8, "date", "date is not a date in YYYY-MM-DD form: '2026-02-30'"),
        (
            10,
            "stockout",
            "the row has more fields than the header (an unquoted comma?), "
            "first: 'true'; stockout is not true or false: 'north'",
        ),
    ]
    assert (e["sales.csv"].rows_read, e["sales.csv"].rows_loaded) == (10, 3)
    for entry in e.values():
        identity_holds(con, entry)
    assert con.execute(
        "SELECT sum(quantity), count(*) FILTER (stockout) FROM staging.sales"
    ).fetchall()[0] == (6.0, 1)


def test_quarantine_keeps_the_row_as_read(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", "date,sku,quantity,note\n2026-05-01,A,x,<script>\n")
    load(con, landing)
    row = con.execute("SELECT record FROM meta.quarantine").fetchall()[0]
    assert row == ('{"date":"2026-05-01","sku":"A","quantity":"x","note":"<script>"}',)
    assert con.execute("SELECT extra_columns FROM raw.sales").fetchall()[0] == (
        '{"note":"<script>"}',
    )


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        pytest.param("sales.csv", b"", "the file is empty (not even a header row)", id="empty"),
        pytest.param(
            "sales.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "is not a CSV text file (binary content)",
            id="not-csv-at-all",
        ),
        pytest.param(
            "sales.csv",
            b"date;sku;quantity\n2026-05-01;A;1\n",
            "missing required column(s) date, sku, quantity (the file has: 'date;sku;quantity')",
            id="semicolon-separated",
        ),
        pytest.param(
            "sales.csv",
            b"date,sku\n2026-05-01,A\n",
            "missing required column(s) quantity (the file has: 'date', 'sku')",
            id="missing-column",
        ),
        pytest.param(
            "sales.csv",
            b"date,sku,quantity,SKU\n",
            "column names appear twice (names ignore case): sku",
            id="column-twice",
        ),
        pytest.param(
            "sales.csv",
            "date,sku,quantity\n2026-05-01,Café,1\n".encode("latin-1"),
            "is not UTF-8 text (line 2); export it as UTF-8 CSV",
            id="latin-1",
        ),
        pytest.param(
            "sales.csv.gz",
            b"date,sku,quantity\n",
            "cannot be read as gzip: Not a gzipped file (b'da')",
            id="gz-not-gzip",
        ),
        pytest.param(
            "sales.parquet", b"PAR1 not really", "cannot be read as Parquet", id="corrupt-parquet"
        ),
        pytest.param(
            "sales.xlsx",
            b"PK\x03\x04",
            "unsupported format: use .csv, .csv.gz or .parquet",
            id="excel",
        ),
    ],
)
def test_unreadable_file_rejected_whole_and_others_still_load(
    con: duckdb.DuckDBPyConnection, landing: Path, name: str, content: bytes, why: str
) -> None:
    write(landing, "items.csv", ITEMS)
    write(landing, name, content)
    e = load(con, landing)
    assert e[name].status == "rejected"
    assert e[name].message.startswith(f"{name}: {why}")
    rows = con.execute("SELECT row_number, reason FROM meta.quarantine WHERE file = ?", [name])
    ((row_number, reason),) = rows.fetchall()
    assert row_number is None and reason.startswith(why)
    assert e["items.csv"].rows_loaded == 2


def test_bom_gzip_crlf_and_parquet_all_load(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing, "items.csv", b"\xef\xbb\xbf" + ITEMS.replace("\n", "\r\n").encode())
    write(
        landing, "sales-1.csv.gz", gzip.compress(b"\xef\xbb\xbfDATE,Sku,Quantity\n2026-05-01,A,2\n")
    )
    pl.DataFrame(
        {"date": [date(2026, 5, 2)], "sku": ["B"], "quantity": [5], "Location": ["north"]}
    ).write_parquet(landing / "sales_2.parquet")
    write(landing, "sales_3.csv", "date,sku,quantity\n")  # header only: nothing to load
    e = load(con, landing)
    assert [x.status for x in e.values()] == ["loaded"] * 4
    assert e["sales_3.csv"].rows_read == 0
    assert con.execute(
        "SELECT sku, date, quantity, location FROM staging.sales ORDER BY sku"
    ).fetchall() == [
        ("A", date(2026, 5, 1), 2.0, "main"),
        ("B", date(2026, 5, 2), 5.0, "north"),
    ]


def test_same_content_again_loads_nothing_twice(
    con: duckdb.DuckDBPyConnection, landing: Path, tmp_path: Path
) -> None:
    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", "date,sku,quantity\n2026-05-01,A,2\n2026-05-01,A,-1\n")
    load(con, landing)
    again = tmp_path / "again"
    again.mkdir()
    write(again, "sales_renamed.csv", (landing / "sales.csv").read_bytes())
    e = load(con, again, run_id=2)["sales_renamed.csv"]
    assert (e.status, e.rows_read, e.message) == (
        "skipped",
        0,
        "same content as sales.csv, loaded in run 1",
    )
    assert count(con, "staging.sales") == 1
    assert count(con, "meta.quarantine") == 1


def test_rows_refused_for_the_run_date_are_read_again_later(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing, "items.csv", ITEMS)
    write(
        landing, "sales.csv", "date,sku,quantity\n2026-05-31,A,2\n2026-06-01,A,3\n2026-06-02,A,4\n"
    )
    first = load(con, landing)["sales.csv"]
    assert (first.rows_loaded, first.rows_context_dependent) == (2, 1)
    second = load(con, landing, as_of=date(2026, 6, 3), run_id=2)["sales.csv"]
    assert (second.status, second.rows_loaded, second.rows_replaced) == ("loaded", 3, 2)
    assert con.execute("SELECT sum(quantity) FROM staging.sales").fetchall()[0] == (9.0,)


def test_newer_inventory_snapshot_replaces_same_day_and_ledger_says_so(
    con: duckdb.DuckDBPyConnection, landing: Path, tmp_path: Path
) -> None:
    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", "date,sku,quantity\n2026-05-01,A,2\n")
    write(landing, "inventory_0800.csv", "date,sku,on_hand\n2026-05-31,A,10\n2026-05-31,B,4\n")
    load(con, landing)
    later = tmp_path / "later"
    later.mkdir()
    write(later, "inventory_1400.csv", "date,sku,on_hand\n2026-05-31,A,7\n")
    e = load(con, later, run_id=2)["inventory_1400.csv"]
    assert e.rows_replaced == 2
    assert e.message == (
        "replaced 2 rows of inventory_0800.csv: "
        "a newer delivery of the days and locations it covers"
    )
    assert con.execute("SELECT sku, on_hand FROM staging.inventory").fetchall() == [("A", 7.0)]


def test_sales_re_export_replaces_the_days_it_covers(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    write(landing, "items.csv", ITEMS)
    write(landing, "sales_1.csv", "date,sku,quantity\n2026-05-01,A,2\n2026-05-02,A,3\n")
    write(
        landing,
        "sales_2.csv",
        "date,sku,quantity\n2026-05-02,A,5\n2026-05-02,B,1\n2026-05-03,A,1\n",
    )
    load(con, landing)
    by_day = con.execute(
        "SELECT date, sum(quantity) FROM staging.sales GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert by_day == [(date(2026, 5, 1), 2.0), (date(2026, 5, 2), 6.0), (date(2026, 5, 3), 1.0)]


def test_po_update_replaces_the_line(
    con: duckdb.DuckDBPyConnection, landing: Path, tmp_path: Path
) -> None:
    head = "po_id,sku,supplier_id,quantity,order_date,promised_date,received_date,status\n"
    write(landing, "items.csv", ITEMS)
    write(landing, "purchase_orders.csv", head + "P1,A,S1,10,2026-05-01,2026-05-10,,open\n")
    load(con, landing)
    later = tmp_path / "later"
    later.mkdir()
    write(
        later,
        "purchase_orders.csv",
        head + "P1,A,S1,10,2026-05-01,2026-05-10,2026-05-12,received\n",
    )
    load(con, later, run_id=2)
    assert con.execute("SELECT status, received_date FROM staging.purchase_orders").fetchall() == [
        ("received", date(2026, 5, 12))
    ]


def test_a_crash_mid_ingest_leaves_the_warehouse_as_it_was(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> None:
    from shortage_radar.ingest.files import discover
    from shortage_radar.ingest.load import load_file
    from shortage_radar.ingest.stage import load_all

    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", "date,sku,quantity\n2026-05-01,A,2\n")

    def crash_on_sales(con: duckdb.DuckDBPyConnection, f: object, **kw: object) -> LedgerEntry:
        if getattr(f, "feed", None) == "sales":
            raise RuntimeError("disk full")
        return load_file(con, f, **kw)  # type: ignore[arg-type]

    with pytest.raises(RuntimeError):
        load_all(
            con,
            discover(landing),
            run_id=1,
            as_of=AS_OF,
            tmp=landing.parent / "t",
            load_one=crash_on_sales,
        )
    assert count(con, "staging.items") == count(con, "meta.load_ledger") == 0


GOOD = {
    "date": st.sampled_from(["2026-05-01", "2026-05-31", " 2026-01-15 "]),
    "sku": st.sampled_from(["A", "B"]),
    "quantity": st.sampled_from(["0", "1", "2.5", "1e2"]),
}
BAD = {
    "date": st.sampled_from(["2026-06-02", "2026-13-01", "yesterday", ""]),
    "sku": st.sampled_from(["NOPE", "", "C"]),
    "quantity": st.sampled_from(["-1", "x", "", "inf", "1,5"]),
}


@st.composite
def sales_rows(draw: st.DrawFn) -> tuple[list[str], int]:
    """CSV lines where each field is drawn good or bad; and how many rows are wholly good."""
    lines, good = [], 0
    for _ in range(draw(st.integers(0, 25))):
        flags = [draw(st.booleans()) for _ in GOOD]
        values = [draw((BAD if bad else GOOD)[c]) for c, bad in zip(GOOD, flags, strict=True)]
        good += not any(flags)
        lines.append(",".join(values))
    return lines, good


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=sales_rows())
def test_identity_holds_for_any_mix_of_good_and_bad_rows(
    tmp_path_factory: pytest.TempPathFactory, rows: tuple[list[str], int]
) -> None:
    from shortage_radar.settings import DuckDBSettings
    from shortage_radar.warehouse import db

    lines, good = rows
    root = tmp_path_factory.mktemp("h")
    landing = root / "landing"
    landing.mkdir()
    write(landing, "items.csv", ITEMS)
    write(landing, "sales.csv", "date,sku,quantity\n" + "".join(f"{x}\n" for x in lines))
    with db.connect(root / "w.duckdb", DuckDBSettings()) as con:
        db.create_schema(con)
        e = load(con, landing)["sales.csv"]
        assert (e.rows_read, e.rows_loaded, e.rows_quarantined) == (
            len(lines),
            good,
            len(lines) - good,
        )
        identity_holds(con, e)
        assert count(con, "staging.sales") == good


def test_old_mac_line_ends_load_every_row(con: duckdb.DuckDBPyConnection, landing: Path) -> None:
    write(landing, "items.csv", b"\xef\xbb\xbfsku,description\rA,Bolt\rB,Nut\r")
    write(
        landing, "sales.csv.gz", gzip.compress(b"date,sku,quantity\r2026-05-01,A,2\r2026-05-02,C,1")
    )
    e = load(con, landing)
    assert (e["items.csv"].rows_read, e["items.csv"].rows_loaded) == (2, 2)
    assert (e["sales.csv.gz"].rows_read, e["sales.csv.gz"].rows_loaded) == (2, 1)
    assert quarantined(con, "sales.csv.gz") == [(2, "sku", "sku 'C' is not in items")]

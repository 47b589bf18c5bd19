"""The SCMS adapter on a byte-faithful excerpt of the real export, loaded by our real ingest."""

from __future__ import annotations

import csv
import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from shortage_radar.ingest.files import discover
from shortage_radar.ingest.load import LedgerEntry, load_file
from shortage_radar.settings import DuckDBSettings
from shortage_radar.warehouse import db

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "scms_to_purchase_orders.py"
# 34 lines of the USAID SCMS shipment history (US-government open data), copied byte for byte
# in file order: BOM, \r line ends, no final line end (it holds the export's last line).
EXCERPT = Path(__file__).parent / "data" / "scms_excerpt.csv"
AS_OF = date(2015, 12, 1)

# Worked out by hand from the excerpt. Data row N of the excerpt is row N of purchase_orders.csv.
NOT_CAPTURED = "order_date is not a date in YYYY-MM-DD form: 'Date Not Captured'"
FROM_RDC = "order_date is not a date in YYYY-MM-DD form: 'N/A - From RDC'"
BOTH_BEFORE = (
    "promised_date {p} is before order_date {o}; received_date {p} is before order_date {o}"
)
EXPECTED_QUARANTINE = [
    (1, "order_date", NOT_CAPTURED),  # ID 1, SCMS-4, 2006
    (2, "order_date", NOT_CAPTURED),  # ID 3
    (3, "order_date", NOT_CAPTURED),  # ID 4
    (4, "order_date", NOT_CAPTURED),  # ID 44
    (5, "order_date", NOT_CAPTURED),  # ID 46
    (7, "order_date", NOT_CAPTURED),  # ID 62
    (14, "received_date", "received_date 2007-01-24 is before order_date 2007-11-12"),  # ID 4190
    (
        15,
        "promised_date, received_date",  # ID 4432: promised and delivered before the PO was sent
        "promised_date 2008-04-18 is before order_date 2008-04-28; "
        "received_date 2008-01-03 is before order_date 2008-04-28",
    ),
    (16, "order_date", NOT_CAPTURED),  # ID 6023, DSCM-10090
    (17, "order_date", FROM_RDC),  # ID 10769, SO-30700
    (18, "order_date", FROM_RDC),  # ID 10910
    (19, "order_date", FROM_RDC),  # ID 12922
    (21, "promised_date, received_date", BOTH_BEFORE.format(p="2014-01-14", o="2014-06-23")),
    (23, "order_date", NOT_CAPTURED),  # ID 15241: PQ date known, PO date not
    (25, "promised_date, received_date", BOTH_BEFORE.format(p="2015-05-26", o="2015-05-29")),
    (29, "promised_date, received_date", BOTH_BEFORE.format(p="2014-06-25", o="2014-06-26")),
    (31, "order_date", FROM_RDC),  # ID 82743
    (32, "order_date", FROM_RDC),  # ID 82744
    (33, "order_date", FROM_RDC),  # ID 82819 (a promise after as-of is allowed)
    (34, "order_date", FROM_RDC),  # ID 86823, the export's last line
]
LOADED_ROWS = [6, 8, 9, 10, 11, 12, 13, 20, 22, 24, 26, 27, 28, 30]
ITEMS = 26  # distinct Item Description values in the excerpt


@dataclass
class Landed:
    folder: Path
    stdout: str
    con: duckdb.DuckDBPyConnection
    entries: dict[str, LedgerEntry]


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Landed]:
    """The adapter's CLI run on the excerpt, then items and purchase orders loaded as a run does."""
    tmp = tmp_path_factory.mktemp("scms")
    out = tmp / "landing"
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(EXCERPT), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    con = db.connect(tmp / "wh" / "warehouse.duckdb", DuckDBSettings())
    db.create_schema(con)
    con.begin()
    entries = {
        f.name: load_file(con, f, run_id=1, as_of=AS_OF, tmp=tmp / "work")
        for f in discover(out)
        if f.feed in ("items", "purchase_orders")  # sales.csv is empty: SCMS has no sales
    }
    con.commit()
    yield Landed(out, done.stdout, con, entries)
    con.close()


def _adapter() -> ModuleType:
    spec = importlib.util.spec_from_file_location("scms_to_purchase_orders", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_excerpt_keeps_the_traps_of_the_real_export() -> None:
    raw = EXCERPT.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM
    assert b"\n" not in raw and raw.count(b"\r") == 34  # old-Mac line ends, none after the last
    text = raw.decode("utf-8-sig")
    for trap in (
        "2-Jun-06",
        "8/27/14",
        "Date Not Captured",
        "Pre-PQ Process",
        "N/A - From RDC",
        "See ASN-93 (ID#:1281)",
        "Freight Included in Commodity Cost",
        "Côte d'Ivoire",
    ):
        assert trap in text


def test_cli_writes_one_po_line_per_input_line_and_says_so(landed: Landed) -> None:
    assert landed.stdout.strip() == (
        f"wrote 34 purchase order lines, {ITEMS} items and an empty sales.csv to {landed.folder}"
    )
    with (landed.folder / "purchase_orders.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 34
    assert [r["scms_id"] for r in rows[:3]] == ["1", "3", "4"]  # file order kept
    assert sorted(p.name for p in landed.folder.iterdir()) == [
        "items.csv",
        "purchase_orders.csv",
        "sales.csv",
    ]


def test_both_date_forms_become_iso_and_other_text_passes_through() -> None:
    iso_date = _adapter().iso_date
    assert iso_date("2-Jun-06") == "2006-06-02"
    assert iso_date("27-Aug-14") == "2014-08-27"
    assert iso_date("8/27/14") == "2014-08-27"
    assert iso_date("11/13/06") == "2006-11-13"
    assert iso_date("2-Jun-2006") == "2006-06-02"
    for kept in (
        "Date Not Captured",
        "N/A - From RDC",
        "Pre-PQ Process",
        "31-Feb-10",
        "13/1/14",
        "2-Jux-06",
        "",
    ):
        assert iso_date(kept) == kept


def test_rows_read_equal_rows_loaded_plus_quarantined(landed: Landed) -> None:
    items, pos = landed.entries["items.csv"], landed.entries["purchase_orders.csv"]
    assert (items.status, items.rows_read, items.rows_loaded, items.rows_quarantined) == (
        "loaded",
        ITEMS,
        ITEMS,
        0,
    )
    assert (pos.status, pos.rows_read, pos.rows_loaded, pos.rows_quarantined) == (
        "loaded",
        34,
        14,
        20,
    )


def test_unreadable_and_out_of_order_dates_are_quarantined_with_their_reasons(
    landed: Landed,
) -> None:
    got = landed.con.execute(
        "SELECT row_number, column_name, reason FROM meta.quarantine "
        "WHERE file = 'purchase_orders.csv' ORDER BY row_number"
    ).fetchall()
    assert got == EXPECTED_QUARANTINE


def test_received_before_ordered_rows_are_quarantined(landed: Landed) -> None:
    got = landed.con.execute(
        "SELECT json_extract_string(record, '$.scms_id') FROM meta.quarantine "
        "WHERE reason LIKE '%received_date % is before order_date %' ORDER BY row_number"
    ).fetchall()
    assert [r[0] for r in got] == ["4190", "4432", "13148", "25539", "52710"]


def test_good_rows_are_staged_with_iso_dates_and_split_shipments_stay_apart(
    landed: Landed,
) -> None:
    staged = landed.con.execute(
        "SELECT row_number FROM staging.purchase_orders ORDER BY row_number"
    ).fetchall()
    assert [r[0] for r in staged] == LOADED_ROWS
    # SCMS-592 reached Nigeria in two shipments of the same item: two lines, two po_ids.
    split = landed.con.execute(
        "SELECT po_id, supplier_id, quantity, order_date, promised_date, received_date, "
        "received_quantity, status, location FROM staging.purchase_orders "
        "WHERE po_id LIKE 'SCMS-592#%' ORDER BY row_number"
    ).fetchall()
    assert split == [
        (
            "SCMS-592#92",
            "Abbott GmbH & Co. KG",
            1000.0,
            date(2007, 5, 13),
            date(2007, 6, 19),
            date(2007, 6, 19),
            1000.0,
            "received",
            "Nigeria",
        ),
        (
            "SCMS-592#3992",
            "Abbott GmbH & Co. KG",
            1500.0,
            date(2007, 5, 13),
            date(2007, 6, 19),
            date(2007, 8, 6),
            1500.0,
            "received",
            "Nigeria",
        ),
    ]


def test_items_cost_a_pack_at_the_latest_delivery(landed: Landed) -> None:
    # Determine kits were 80 a pack in 2006-07, 85 in 2008 and 89 on the latest line (2010-11-12).
    row = landed.con.execute(
        "SELECT category, unit_cost FROM staging.items "
        "WHERE sku = 'HIV 1/2, Determine Complete HIV Kit, 100 Tests'"
    ).fetchone()
    assert row == ("HRDT", 89.0)


def test_a_file_that_is_not_the_scms_export_fails_with_exit_1(tmp_path: Path) -> None:
    src = tmp_path / "other.csv"
    src.write_text("sku,quantity\nA,1\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), str(src), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "not an SCMS shipment export, column(s) missing: ID, PO / SO #" in done.stderr
    assert not (tmp_path / "out").exists()

"""Turn the USAID SCMS shipment history export into a shortage-radar landing folder."""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

USAGE_EXAMPLE = (
    "python scripts/scms_to_purchase_orders.py scms_delivery_history.csv landing/\n"
    "shortage-radar run --data landing/ --as-of 2015-12-01"
)

# The SCMS columns this adapter reads (names as in the export's header row).
ID, PO, COUNTRY, MODE = "ID", "PO / SO #", "Country", "Shipment Mode"
PO_SENT, SCHEDULED, DELIVERED = (
    "PO Sent to Vendor Date", "Scheduled Delivery Date", "Delivered to Client Date",
)
GROUP, VENDOR, ITEM = "Product Group", "Vendor", "Item Description"
QUANTITY, PACK_PRICE, PACK_SIZE = "Line Item Quantity", "Pack Price", "Unit of Measure (Per Pack)"
NEEDED = (ID, PO, COUNTRY, MODE, PO_SENT, SCHEDULED, DELIVERED, GROUP, VENDOR, ITEM, QUANTITY,
          PACK_PRICE, PACK_SIZE)

PO_COLUMNS = (
    "po_id", "sku", "supplier_id", "quantity", "order_date", "promised_date", "received_date",
    "received_quantity", "status", "location", "scms_id", "shipment_mode",
)
ITEM_COLUMNS = ("sku", "description", "category", "unit_cost", "units_per_pack")
SALES_COLUMNS = ("date", "sku", "quantity", "location")

# A fixed table, not strptime's %b, so the result does not depend on the machine's locale.
MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
)}
DAY_MON_YEAR = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{2}|\d{4})")  # 2-Jun-06
MONTH_DAY_YEAR = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")  # 8/27/14 (US order)
NUMBER = re.compile(r"-?\d+(\.\d+)?")
ISO = re.compile(r"\d{4}-\d\d-\d\d")


class SourceError(Exception):
    """The source file is not an SCMS export this adapter can read."""


def iso_date(text: str) -> str:
    """`2-Jun-06` or `8/27/14` as `2006-06-02` / `2014-08-27`; anything else unchanged.

    Text that is not one of the two forms ("Date Not Captured", "N/A - From RDC", an
    impossible 31-Feb-10) is passed on as it is, so that the ingest quarantines the row and
    says why, instead of this adapter guessing or dropping it.
    """
    value = text.strip()
    if m := DAY_MON_YEAR.fullmatch(value):
        day, month, year = int(m[1]), MONTHS.get(m[2].lower()), m[3]
    elif m := MONTH_DAY_YEAR.fullmatch(value):
        month, day, year = int(m[1]), int(m[2]), m[3]
    else:
        return text
    if month is None:
        return text
    # SCMS runs 2006-2015: a two-digit year is always 20yy (strptime would make 69-99 19yy).
    full_year = 2000 + int(year) if len(year) == 2 else int(year)
    try:
        return date(full_year, month, day).isoformat()
    except ValueError:
        return text


def read_scms(src: Path) -> Iterator[dict[str, str]]:
    """The export's data rows as header -> text, in file order.

    utf-8-sig drops the BOM; newline="" lets the csv module split on the old-Mac `\\r` line
    ends of the export as well as on `\\n` and `\\r\\n`.
    """
    with src.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in NEEDED if c not in header]
        if missing:
            raise SourceError(
                f"{src}: not an SCMS shipment export, column(s) missing: {', '.join(missing)}"
            )
        for fields in reader:
            if not any(f.strip() for f in fields):
                continue  # a blank line is not a shipment line
            if len(fields) != len(header):
                # Kept (short rows get blanks, which the ingest reports), but said aloud.
                print(
                    f"warning: {src.name} record {reader.line_num}: {len(fields)} fields, "
                    f"header has {len(header)}",
                    file=sys.stderr,
                )
            yield dict(zip(header, [*fields, *[""] * (len(header) - len(fields))], strict=False))


def po_line(rec: dict[str, str]) -> dict[str, str]:
    """One purchase_orders row for one SCMS line; values are moved, not judged."""
    # A PO is shipped in several lines (same PO, item and country), so the line's ID joins
    # the PO number to keep (po_id, sku, location) unique, and leads back to the source.
    po_id = f"{rec[PO]}#{rec[ID]}" if rec[ID] else rec[PO]
    delivered = rec[DELIVERED].strip() != ""
    return {
        "po_id": po_id,
        "sku": rec[ITEM],
        "supplier_id": rec[VENDOR],
        "quantity": rec[QUANTITY],  # packs (Line Item Value = quantity x Pack Price)
        "order_date": iso_date(rec[PO_SENT]),
        "promised_date": iso_date(rec[SCHEDULED]),
        "received_date": iso_date(rec[DELIVERED]),
        "received_quantity": rec[QUANTITY] if delivered else "",
        "status": "received" if delivered else "open",
        "location": rec[COUNTRY],
        "scms_id": rec[ID],
        "shipment_mode": rec[MODE],
    }


def item_rows(records: list[dict[str, str]]) -> list[dict[str, str]]:
    """One items row per sku, in order of first appearance, costed at its latest delivery.

    unit_cost is the Pack Price, not SCMS's Unit Price: quantities are in packs, and
    Line Item Quantity x Pack Price = Line Item Value on every line of the export.
    """
    latest: dict[str, tuple[tuple[str, int], dict[str, str]]] = {}
    for n, rec in enumerate(records):
        sku = rec[ITEM]
        if not sku.strip():
            continue  # the PO row says "sku is missing"; an items row would only repeat it
        price = rec[PACK_PRICE].strip()
        # unit_cost is optional: better none than the whole item (and its POs) quarantined.
        price = price if NUMBER.fullmatch(price) else ""
        # The latest delivery wins; on the same day, or between undated lines, the later line.
        when = iso_date(rec[DELIVERED])
        order = (when if ISO.fullmatch(when) else "", n)
        if sku not in latest or order >= latest[sku][0]:
            latest[sku] = (order, {
                "sku": sku,
                "description": sku,
                "category": rec[GROUP],
                "unit_cost": price,
                "units_per_pack": rec[PACK_SIZE],
            })
    return [row for _, row in latest.values()]


def write_csv(path: Path, columns: Sequence[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def convert(src: Path, out: Path) -> tuple[int, int]:
    """Write purchase_orders.csv, items.csv and sales.csv into `out`; (PO lines, items)."""
    records = list(read_scms(src))
    out.mkdir(parents=True, exist_ok=True)
    write_csv(out / "purchase_orders.csv", PO_COLUMNS, [po_line(r) for r in records])
    items = item_rows(records)
    write_csv(out / "items.csv", ITEM_COLUMNS, items)
    # SCMS has no sales. The feed is required, so it is there, but empty: invented zero sales
    # would later be read as real zero demand. The run then needs --as-of.
    write_csv(out / "sales.csv", SALES_COLUMNS, [])
    return len(records), len(items)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog=f"example:\n{USAGE_EXAMPLE}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("src", type=Path, help="the SCMS export (scms_delivery_history.csv)")
    parser.add_argument("out", type=Path, help="landing folder to write the feeds into")
    args = parser.parse_args(argv)
    try:
        lines, items = convert(args.src, args.out)
    except (SourceError, OSError, UnicodeDecodeError, csv.Error) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(
        f"wrote {lines} purchase order lines, {items} items and an empty sales.csv to {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

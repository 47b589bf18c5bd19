"""The sample feeds: deterministic, shaped as the contract says, telling every story of the demo."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl
import pytest

from conftest import load, quarantined
from shortage_radar.contract import FEEDS
from shortage_radar.ingest.validate import validate
from shortage_radar.sample_data import (
    ADI_CUTOFF,
    CV2_CUTOFF,
    FEED_NAMES,
    MALFORMED_FILES,
    MALFORMED_SALES_ROWS,
    SUPPLIERS,
    SampleSpec,
    disruption_window,
    generate,
    location_names,
    main,
    story,
    write_feeds,
)

Feeds = dict[str, pl.DataFrame]
SMALL = SampleSpec(skus=40, days=120)
DEFAULT = SampleSpec()
BY_BEHAVIOUR = {s.behaviour: s.supplier_id for s in SUPPLIERS}


@pytest.fixture(scope="module")
def small() -> Feeds:
    return generate(SMALL)


@pytest.fixture(scope="module")
def full() -> Feeds:
    return generate(DEFAULT)


@pytest.fixture(scope="module")
def truth() -> pl.DataFrame:
    return story(DEFAULT)


def demand_classes(sales: pl.DataFrame) -> pl.DataFrame:
    """Syntetos-Boylan class of each sku x location from its daily series.

    The daily series runs from the first to the last sale, days without a row being zero; ADI is
    its length over the number of days with demand, CV² that of the non-zero quantities.
    """
    sold = sales.filter(pl.col("quantity") > 0)
    per = sold.group_by("sku", "location").agg(
        n=pl.len(),
        days=(pl.col("date").max() - pl.col("date").min()).dt.total_days() + 1,
        mean=pl.col("quantity").mean(),
        var=pl.col("quantity").var(ddof=0),
    )
    per = per.filter(pl.col("n") >= 2).with_columns(
        adi=pl.col("days") / pl.col("n"), cv2=pl.col("var") / pl.col("mean") ** 2
    )
    frequent, steady = pl.col("adi") < ADI_CUTOFF, pl.col("cv2") < CV2_CUTOFF
    return per.with_columns(
        cls=pl.when(frequent & steady)
        .then(pl.lit("smooth"))
        .when(frequent)
        .then(pl.lit("erratic"))
        .when(steady)
        .then(pl.lit("intermittent"))
        .otherwise(pl.lit("lumpy"))
    )


def check_invariants(f: Feeds, spec: SampleSpec) -> None:
    """Every rule of the contract, and the generator's own promises, on one bundle."""
    end, start = spec.end, spec.start
    items, sales, inv = f["items"], f["sales"], f["inventory"]
    po, si, co = f["purchase_orders"], f["supplier_items"], f["customer_orders"]
    skus = items["sku"]
    assert skus.is_unique().all()
    assert skus.str.contains(r"^SKU-\d{5,}$").all()
    for name in FEED_NAMES:
        assert f[name].columns == list(FEEDS[name].names), name
        for col in FEEDS[name].required_columns:
            assert f[name][col].null_count() == 0, (name, col)
        if name != "items":
            assert f[name]["sku"].is_in(skus.implode()).all(), name
    for name, key in [
        ("supplier_items", ["supplier_id", "sku"]),
        ("purchase_orders", ["po_id", "sku", "location"]),
        ("customer_orders", ["order_id", "sku", "location"]),
        ("inventory", ["date", "sku", "location"]),
        ("sales", ["date", "sku", "location"]),
    ]:
        assert not f[name].select(key).is_duplicated().any(), name
    places = pl.Series(location_names(spec.locations)).implode()
    for name in ("sales", "inventory", "purchase_orders", "customer_orders"):
        assert f[name]["location"].is_in(places).all(), name

    assert (items["unit_cost"] >= 0).all()
    assert (items["unit_price"] > items["unit_cost"]).all()
    assert items["service_level"].drop_nulls().is_between(0.5, 0.9999).all()
    assert items["status"].is_in(["active", "discontinued"]).all()

    assert (sales["quantity"] >= 0).all()
    assert sales["date"].max() == end
    assert (sales["date"] >= start).all()

    assert (inv["on_hand"] >= 0).all()
    assert (inv["date"] == end).all()
    active = items.filter(pl.col("status") == "active")["sku"]
    assert inv.height == active.len() * spec.locations
    assert set(inv["sku"]) == set(active)

    assert (si["lead_time_days"] > 0).all()
    assert (si["moq"] >= 0).all() and (si["pack_size"] >= 1).all()
    primaries = si.filter(pl.col("priority") == 1)
    assert primaries.height == items.height and primaries["sku"].is_unique().all()

    assert (po["quantity"] > 0).all()
    assert (po["promised_date"] >= po["order_date"]).all()
    assert (po["order_date"] <= end).all()
    received = po.filter(pl.col("received_date").is_not_null())
    assert (received["received_date"] <= end).all()
    assert (received["received_date"] >= received["order_date"]).all()
    assert po["received_quantity"].is_between(0, po["quantity"]).all()
    assert po["status"].is_in(["open", "received", "cancelled"]).all()
    done = po.filter(pl.col("status") == "received")
    assert done["received_date"].null_count() == 0
    assert (done["received_quantity"] == done["quantity"]).all()
    cancelled = po.filter(pl.col("status") == "cancelled")
    assert cancelled["received_date"].null_count() == cancelled.height
    assert (cancelled["received_quantity"] == 0).all()
    still_open = po.filter(pl.col("status") == "open")
    assert (still_open["received_quantity"] < still_open["quantity"]).all()
    partly = still_open.filter(pl.col("received_quantity") > 0)
    assert partly["received_date"].null_count() == 0

    assert (co["quantity"] > 0).all()
    assert (co["requested_date"] >= co["order_date"]).all()
    assert (co["order_date"] <= end).all()
    assert co["status"].is_in(["open", "shipped", "cancelled"]).all()
    assert co["shipped_quantity"].is_between(0, co["quantity"]).all()
    shipped = co.filter(pl.col("status") == "shipped")
    assert (shipped["shipped_quantity"] == shipped["quantity"]).all()
    open_lines = co.filter(pl.col("status") == "open")
    assert (open_lines["shipped_quantity"] < open_lines["quantity"]).all()


# Determinism -------------------------------------------------------------------------------------


def test_same_seed_gives_identical_frames(small: Feeds) -> None:
    again = generate(SMALL)
    for name in FEED_NAMES:
        assert again[name].equals(small[name]), name


def test_different_seed_gives_different_frames(small: Feeds) -> None:
    other = generate(SampleSpec(skus=40, days=120, seed=8))
    for name in FEED_NAMES:
        assert not other[name].equals(small[name]), name


def test_same_spec_writes_byte_identical_files(tmp_path: Path) -> None:
    spec = SampleSpec(skus=30, days=60, malformed=True)
    first = write_feeds(tmp_path / "a", spec)
    second = write_feeds(tmp_path / "b", spec)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


# Shape and format --------------------------------------------------------------------------------


def test_feeds_have_exactly_the_contract_columns(small: Feeds) -> None:
    assert list(small) == list(FEEDS)
    for name, df in small.items():
        assert df.columns == list(FEEDS[name].names), name


@pytest.mark.parametrize(
    "spec",
    [
        SMALL,
        SampleSpec(skus=25, days=90, locations=3, seed=3),
        SampleSpec(skus=2_050, days=15, seed=5),  # more than one chunk of SKUs
        SampleSpec(skus=3, days=10, seed=1),
        SampleSpec(skus=1, days=1, locations=1),
    ],
    ids=["small", "three-locations", "two-chunks", "tiny", "one-sku-one-day"],
)
def test_every_invariant_holds(spec: SampleSpec) -> None:
    check_invariants(generate(spec), spec)


def test_default_invariants_hold(full: Feeds) -> None:
    check_invariants(full, DEFAULT)


def test_csv_files_read_back_to_the_generated_frames(tmp_path: Path) -> None:
    spec = SampleSpec(skus=2_100, days=12, seed=2)  # two chunks: sales are written in pieces
    frames = generate(spec)
    paths = write_feeds(tmp_path, spec)
    assert [p.name for p in paths] == [f"{n}.csv" for n in FEED_NAMES]
    for name, path in zip(FEED_NAMES, paths, strict=True):
        back = pl.read_csv(path, schema=frames[name].schema)
        assert back.equals(frames[name]), name


def test_csv_uses_iso_dates_true_false_and_blank_nulls(tmp_path: Path) -> None:
    write_feeds(tmp_path, SMALL)
    sales = (tmp_path / "sales.csv").read_text().splitlines()
    assert sales[0] == "date,sku,quantity,location,stockout"
    for line in sales[1:]:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2},SKU-\d{5},\d+,(main|north),(true|false)", line)
    items = (tmp_path / "items.csv").read_text().splitlines()
    assert any(",," in line for line in items[1:])  # a blank service level


def test_parquet_files_hold_the_generated_frames(tmp_path: Path) -> None:
    spec = SampleSpec(skus=2_100, days=12, seed=2, fmt="parquet")
    frames = generate(spec)
    paths = write_feeds(tmp_path, spec)
    assert [p.name for p in paths] == [f"{n}.parquet" for n in FEED_NAMES]
    for name, path in zip(FEED_NAMES, paths, strict=True):
        assert pl.read_parquet(path).equals(frames[name]), name


def test_default_is_hundreds_of_skus_at_two_locations_over_two_years(full: Feeds) -> None:
    assert full["items"].height == 300
    assert set(full["sales"]["location"]) == {"main", "north"}
    assert full["sales"]["date"].min() == date(2024, 11, 24)
    assert full["sales"]["date"].max() == date(2026, 11, 23)


# Demand ------------------------------------------------------------------------------------------


def test_all_four_demand_classes_appear_about_half_intermittent_or_lumpy(full: Feeds) -> None:
    shares = demand_classes(full["sales"])["cls"].value_counts(normalize=True)
    share = dict(zip(shares["cls"], shares["proportion"], strict=True))
    assert set(share) == {"smooth", "erratic", "intermittent", "lumpy"}
    assert min(share.values()) >= 0.08
    assert 0.4 <= share["intermittent"] + share["lumpy"] <= 0.7


def test_a_small_spec_shows_all_four_demand_classes(small: Feeds) -> None:
    found = set(demand_classes(small["sales"])["cls"])
    assert found == {"smooth", "erratic", "intermittent", "lumpy"}


def daily_totals(sales: pl.DataFrame, skus: pl.Series) -> pl.DataFrame:
    """Units sold per sku and day at main, outside stock-outs."""
    return sales.filter(
        pl.col("sku").is_in(skus.implode()), pl.col("location") == "main", ~pl.col("stockout")
    ).select("sku", "date", "quantity")


def steady(truth: pl.DataFrame) -> pl.Expr:
    """Smooth or erratic skus that sell over the whole history, without surge or promotions."""
    return (
        pl.col("pattern").is_in(["smooth", "erratic"])
        & pl.col("launch_date").is_null()
        & pl.col("stop_date").is_null()
        & pl.col("surge_start").is_null()
        & (pl.col("promotions").list.len() == 0)
    )


def test_weekly_seasonality_shows_in_weekday_totals(full: Feeds, truth: pl.DataFrame) -> None:
    plain = truth.filter(steady(truth))
    sold = daily_totals(full["sales"], plain["sku"]).with_columns(wd=pl.col("date").dt.weekday())
    # 730 days hold every weekday 104 or 105 times: totals compare like means.
    ratio = (
        sold.group_by("sku")
        .agg(
            sunday=pl.col("quantity").filter(pl.col("wd") == 7).sum(),
            monday=pl.col("quantity").filter(pl.col("wd") == 1).sum(),
        )
        .with_columns(ratio=pl.col("sunday") / pl.col("monday"))
        .join(plain.select("sku", "weekly"), on="sku")
    )
    weekly = ratio.filter(pl.col("weekly"))["ratio"]
    flat = ratio.filter(~pl.col("weekly"))["ratio"]
    assert weekly.len() >= 10 and flat.len() >= 10
    assert (weekly < 0.7).mean() >= 0.9  # type: ignore[operator]
    assert (flat > 0.7).mean() >= 0.9  # type: ignore[operator]


def test_yearly_seasonality_shows_in_month_averages(full: Feeds, truth: pl.DataFrame) -> None:
    plain = truth.filter(steady(truth) & (pl.col("pattern") == "smooth"))
    sold = daily_totals(full["sales"], plain["sku"]).with_columns(m=pl.col("date").dt.month())
    calendar = pl.DataFrame({"d": pl.date_range(DEFAULT.start, DEFAULT.end, eager=True)})
    days_in_month = calendar.group_by(m=pl.col("d").dt.month()).agg(days=pl.len())
    spread = (
        sold.group_by("sku", "m")
        .agg(pl.col("quantity").sum())
        .join(days_in_month, on="m")
        .with_columns(mean=pl.col("quantity") / pl.col("days"))
        .group_by("sku")
        .agg(spread=pl.col("mean").max() / pl.col("mean").min())
        .join(plain.select("sku", "yearly"), on="sku")
    )
    seasonal = spread.filter(pl.col("yearly"))["spread"]
    flat = spread.filter(~pl.col("yearly"))["spread"]
    assert seasonal.len() >= 5 and flat.len() >= 5
    assert seasonal.median() > 1.4  # type: ignore[operator]
    assert flat.median() < 1.25  # type: ignore[operator]


def test_promotions_lift_demand_while_they_run(full: Feeds, truth: pl.DataFrame) -> None:
    promos = (
        truth.filter(
            pl.col("pattern").is_in(["smooth", "erratic"]),
            pl.col("launch_date").is_null(),
            pl.col("stop_date").is_null(),
        )
        .explode("promotions")
        .drop_nulls("promotions")
        .unnest("promotions")
        .with_row_index("event")
        .with_columns(stop=pl.col("start") + pl.duration(days=pl.col("days")))
    )
    assert promos.height >= 10
    assert promos["days"].is_between(3, 10).all()
    sold = daily_totals(full["sales"], promos["sku"])
    lifts = []
    for e in promos.iter_rows(named=True):
        if e["stop"] > DEFAULT.end or e["start"] - timedelta(days=28) < DEFAULT.start:
            continue  # no full baseline around it
        s = sold.filter(pl.col("sku") == e["sku"])
        during = s.filter(pl.col("date").is_between(e["start"], e["stop"], closed="left"))
        around = s.filter(
            pl.col("date").is_between(e["start"] - timedelta(days=28), e["stop"] + timedelta(28)),
            ~pl.col("date").is_between(e["start"], e["stop"], closed="left"),
        )
        base = around["quantity"].sum() / 57  # 28 days before, 29 from the day it ends
        lifts.append(during["quantity"].sum() / e["days"] / max(base, 1e-9))
    assert len(lifts) >= 8
    lifts.sort()
    assert lifts[len(lifts) // 2] > 1.4  # the median event
    assert sum(x > 1.15 for x in lifts) >= 0.75 * len(lifts)


def test_a_few_surges_lift_the_last_two_months_and_leave_little_stock(
    full: Feeds, truth: pl.DataFrame
) -> None:
    surges = truth.filter(pl.col("surge_start").is_not_null())
    assert 2 <= surges.height <= 10
    end = DEFAULT.end
    window = (end - timedelta(days=61), end - timedelta(days=29))
    assert surges["surge_start"].is_between(*window).all()
    sold = full["sales"].filter(pl.col("location") == "main")
    leads = full["supplier_items"].filter(pl.col("priority") == 1)
    for row in surges.iter_rows(named=True):
        s = sold.filter(pl.col("sku") == row["sku"])

        def pace(first: date, last: date, s: pl.DataFrame = s) -> float:
            w = s.filter(pl.col("date").is_between(first, last))
            days = (last - first).days + 1 - int(w["stockout"].sum())
            return float(w.filter(~pl.col("stockout"))["quantity"].sum()) / max(days, 1)

        before = pace(row["surge_start"] - timedelta(days=60), row["surge_start"] - timedelta(1))
        after = pace(end - timedelta(days=20), end)
        assert after > 1.6 * before, row["sku"]
        inv = full["inventory"]
        on_hand = inv.filter(pl.col("sku") == row["sku"], pl.col("location") == "main")
        lead = leads.filter(pl.col("sku") == row["sku"])["lead_time_days"].item()
        assert on_hand["on_hand"].item() < after * lead, row["sku"]


def test_new_items_start_late_and_a_few_only_days_before_the_end(
    full: Feeds, truth: pl.DataFrame
) -> None:
    new = truth.filter(pl.col("launch_date").is_not_null())
    end = DEFAULT.end
    assert new.height >= 5
    assert (new["launch_date"] > DEFAULT.start + timedelta(days=300)).all()
    assert (new["launch_date"] >= end - timedelta(days=10)).sum() >= 1
    first = (
        full["sales"]
        .filter(pl.col("quantity") > 0)
        .group_by("sku")
        .agg(first=pl.col("date").min())
        .join(new.select("sku", "launch_date"), on="sku")
    )
    assert first.height == new.height
    assert (first["first"] == first["launch_date"]).all()
    assert new["sku"].is_in(full["inventory"]["sku"].implode()).all()
    status = full["items"].filter(pl.col("sku").is_in(new["sku"].implode()))["status"]
    assert (status == "active").all()


def test_discontinued_items_stop_selling_well_before_the_end(full: Feeds) -> None:
    items, sales = full["items"], full["sales"]
    gone = items.filter(pl.col("status") == "discontinued")["sku"]
    assert gone.len() >= 5
    last = sales.filter(pl.col("sku").is_in(gone.implode()))["date"].max()
    assert isinstance(last, date)
    assert last <= DEFAULT.end - timedelta(days=int(0.2 * DEFAULT.days))
    assert not full["inventory"]["sku"].is_in(gone.implode()).any()
    for name in ("purchase_orders", "customer_orders"):
        df = full[name]
        assert df.filter(pl.col("sku").is_in(gone.implode()), pl.col("status") == "open").is_empty()


def test_stock_outs_are_recorded_with_censored_quantities(small: Feeds, full: Feeds) -> None:
    assert small["sales"]["stockout"].sum() > 0
    out = full["sales"].filter(pl.col("stockout"))
    assert out.height > 100
    assert (out["quantity"] == 0).mean() > 0.5  # type: ignore[operator]
    assert (out["quantity"] > 0).any()  # what sold before running out
    # Some series are out of stock right now, and show nothing on hand.
    now = out.filter(pl.col("date") == DEFAULT.end).select("sku", "location")
    assert now.height >= 1
    assert (full["inventory"].join(now, on=["sku", "location"])["on_hand"] == 0).all()


# Items and suppliers -----------------------------------------------------------------------------


def test_items_carry_descriptions_categories_buyers_and_a_few_service_levels(full: Feeds) -> None:
    items = full["items"]
    assert items["description"].str.contains(r"^[A-Za-z][A-Za-z -]+ [A-Z]{2}-\d+$").all()
    assert 3 <= items["category"].n_unique() <= 10
    assert 2 <= items["buyer"].n_unique() <= 4
    set_levels = items["service_level"].drop_nulls()
    assert 1 <= set_levels.len() <= 0.15 * items.height


def test_suppliers_differ_measurably_in_lateness(full: Feeds) -> None:
    po = full["purchase_orders"].filter(pl.col("status") == "received")
    po = po.with_columns(
        late=(pl.col("received_date") - pl.col("promised_date")).dt.total_days(),
        lead=(pl.col("received_date") - pl.col("order_date")).dt.total_days(),
    )
    per = po.group_by("supplier_id").agg(
        mean_late=pl.col("late").mean(), late_share=(pl.col("late") > 0).mean()
    )
    late = dict(zip(per["supplier_id"], per["mean_late"], strict=True))
    share = dict(zip(per["supplier_id"], per["late_share"], strict=True))
    reliable, chronic, disrupted = (BY_BEHAVIOUR[b] for b in ("reliable", "late", "disruption"))
    assert len(late) >= 3
    assert abs(late[reliable]) <= 1 and share[reliable] <= 0.25
    assert late[chronic] >= 4 and share[chronic] >= 0.7
    three = sorted([late[reliable], late[chronic], late[disrupted]])
    assert three[1] - three[0] >= 1 and three[2] - three[1] >= 1
    # The disruption: lead times jump for orders placed in its window, a few months long.
    first, last = disruption_window(DEFAULT)
    assert 60 <= (last - first).days + 1 <= 120
    d = po.filter(pl.col("supplier_id") == disrupted)
    inside = d.filter(pl.col("order_date").is_between(first, last))["lead"].mean()
    outside = d.filter(~pl.col("order_date").is_between(first, last))["lead"].mean()
    assert inside - outside >= 15  # type: ignore[operator]


def test_backup_suppliers_cover_about_a_quarter_with_shorter_dearer_terms(full: Feeds) -> None:
    si = full["supplier_items"]
    primary = si.filter(pl.col("priority") == 1)
    backup = si.filter(pl.col("priority") == 2)
    assert 0.2 <= backup.height / primary.height <= 0.3
    both = backup.join(primary, on="sku", suffix="_primary")
    assert (both["supplier_id"] != both["supplier_id_primary"]).all()
    assert (both["lead_time_days"] < both["lead_time_days_primary"]).all()
    assert (both["unit_cost"] > both["unit_cost_primary"]).all()
    assert primary["supplier_id"].n_unique() >= 3


# Orders and stock --------------------------------------------------------------------------------


def test_purchase_orders_have_history_cancellations_and_open_lines(small: Feeds) -> None:
    po, end = small["purchase_orders"], SMALL.end
    received = po.filter(pl.col("status") == "received")
    assert received["order_date"].min() <= SMALL.start + timedelta(days=30)  # type: ignore[operator]
    assert (po["status"] == "cancelled").sum() >= 1
    still_open = po.filter(pl.col("status") == "open")
    overdue = still_open.filter(pl.col("promised_date") < end, pl.col("received_quantity") == 0)
    assert overdue.height >= 1
    assert still_open.filter(pl.col("received_quantity") > 0).height >= 1  # partly received
    assert po["po_id"].n_unique() < po.height  # POs hold several lines


def test_customer_orders_are_recent_history_plus_open_lines_some_past_due(small: Feeds) -> None:
    co, end = small["customer_orders"], SMALL.end
    shipped = co.filter(pl.col("status") == "shipped")
    assert shipped.height > co.height / 2
    assert (shipped["order_date"] >= end - timedelta(days=100)).all()
    still_open = co.filter(pl.col("status") == "open")
    assert still_open.height >= 1
    assert still_open.filter(pl.col("requested_date") < end).height >= 1


def test_inventory_is_mostly_healthy_some_low_some_empty(full: Feeds) -> None:
    end = DEFAULT.end
    recent = (
        full["sales"]
        .filter(pl.col("date") > end - timedelta(days=90))
        .group_by("sku", "location")
        .agg(pace=pl.col("quantity").sum() / 90)
    )
    inv = full["inventory"].join(recent, on=["sku", "location"], how="left")
    cover = inv.with_columns(cover=pl.col("on_hand") / pl.col("pace"))["cover"]
    empty = (inv["on_hand"] == 0).mean()
    assert 0.01 <= empty <= 0.15  # type: ignore[operator]
    assert (cover.is_between(0, 7, closed="none")).sum() >= 5  # low
    assert (cover >= 14).mean() >= 0.6  # type: ignore[operator]


# Malformed files ---------------------------------------------------------------------------------


def test_malformed_files_are_written_only_when_asked(tmp_path: Path) -> None:
    plain = write_feeds(tmp_path / "plain", SampleSpec(skus=10, days=20))
    assert not any(p.name in MALFORMED_FILES for p in plain)
    assert not any((tmp_path / "plain" / n).exists() for n in MALFORMED_FILES)
    bad = write_feeds(tmp_path / "bad", SampleSpec(skus=10, days=20, malformed=True))
    assert [p.name for p in bad[-3:]] == list(MALFORMED_FILES)
    assert all(p.exists() for p in bad)


def test_every_malformed_sales_row_is_bad(tmp_path: Path) -> None:
    spec = SampleSpec(skus=10, days=20, malformed=True)
    write_feeds(tmp_path, spec)
    rows = pl.read_csv(tmp_path / "sales_bad_rows.csv", infer_schema=False)
    assert rows.columns == ["date", "sku", "quantity", "location", "stockout"]
    assert rows.height == MALFORMED_SALES_ROWS == 7
    known = generate(spec)["items"]["sku"]
    as_of = spec.end + timedelta(days=1)
    for r in rows.iter_rows(named=True):
        qty = r["quantity"]
        day = r["date"]
        number = re.fullmatch(r"-?\d+(\.\d+)?", qty or "")
        faults = [
            r["sku"] is None,
            r["sku"] is not None and r["sku"] not in known,
            not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", day),
            number is None,
            number is not None and float(qty) < 0,
            r["stockout"] not in ("true", "false"),
        ]
        if not faults[2]:
            faults.append(date.fromisoformat(day) > as_of)
        assert sum(faults) == 1, r  # one clear fault per row
    # The loader's own rules agree: every row is quarantined.
    lf = pl.LazyFrame(rows).with_row_index("row_number", offset=1)
    checked = validate(lf, FEEDS["sales"], as_of=as_of, known_skus=known).collect()
    assert checked["_reason"].null_count() == 0


def test_broken_inventory_and_purchase_order_files(tmp_path: Path) -> None:
    write_feeds(tmp_path, SampleSpec(skus=10, days=20, malformed=True))
    header = (tmp_path / "inventory_missing_column.csv").read_text().splitlines()[0]
    assert "on_hand" not in header.split(",")
    assert {"date", "sku"} <= set(header.split(","))
    garbage = (tmp_path / "purchase_orders_not_csv.csv").read_bytes()
    assert garbage.startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(UnicodeDecodeError):
        garbage.decode("utf-8")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_bundle_loads_clean_and_only_the_malformed_rows_are_quarantined(
    con: duckdb.DuckDBPyConnection, landing: Path, fmt: Literal["csv", "parquet"]
) -> None:
    spec = SampleSpec(skus=40, days=120, fmt=fmt, malformed=True)
    write_feeds(landing, spec)
    entries = load(con, landing, as_of=spec.end + timedelta(days=1))
    for name in FEED_NAMES:
        e = entries[f"{name}.{fmt}"]
        assert e.rows_read > 0 and e.rows_quarantined == 0 and e.rows_loaded == e.rows_read, name
    bad = entries["sales_bad_rows.csv"]
    assert (bad.rows_read, bad.rows_quarantined) == (MALFORMED_SALES_ROWS, MALFORMED_SALES_ROWS)
    assert len(quarantined(con, "sales_bad_rows.csv")) == MALFORMED_SALES_ROWS
    for name in ("inventory_missing_column.csv", "purchase_orders_not_csv.csv"):
        assert entries[name].status == "rejected", name


# Command line ------------------------------------------------------------------------------------


def test_command_line_writes_a_parquet_bundle(tmp_path: Path) -> None:
    args = [str(tmp_path), "--skus", "12", "--days", "60", "--seed", "4", "--format", "parquet"]
    assert main([*args, "--locations", "3", "--malformed"]) == 0
    frames = generate(SampleSpec(skus=12, days=60, seed=4, locations=3))
    for name in FEED_NAMES:
        assert pl.read_parquet(tmp_path / f"{name}.parquet").equals(frames[name]), name
    assert all((tmp_path / n).exists() for n in MALFORMED_FILES)


def test_command_line_refuses_nonsense_numbers(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as e:
        main([str(tmp_path), "--skus", "0"])
    assert e.value.code == 2

"""Demand classes per series: Syntetos-Boylan (plus new and inactive), ABC by value, XYZ."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from shortage_radar.settings import ClassifySettings


def classify(
    series: pl.DataFrame, items: pl.DataFrame, cfg: ClassifySettings, *, as_of: date
) -> pl.DataFrame:
    """One row per series: how its demand behaves, which model family suits it, what it is worth.

    In: `series` from demand_series (unique_id, sku, location, ds, y, censored) and `items`
    (sku, unit_cost, unit_price). Censored periods are left out of every statistic.
    Out: unique_id, sku, location, periods, adi, cv2, demand_class, yearly_value, abc, cv, xyz.
    - adi: average demand interval, periods observed / periods with demand; cv2: squared
      coefficient of variation of the non-zero demand sizes. demand_class is `smooth` (adi <
      adi_cutoff, cv2 < cv2_cutoff), `erratic` (adi <, cv2 >=), `intermittent` (adi >=, cv2 <)
      or `lumpy` (both >=): Syntetos, Boylan & Croston (2005), "On the categorization of
      demand patterns", JORS 56(5). It is `new` when the series began less than new_days ago
      and `inactive` when it has sold nothing in inactive_days (or never).
    - abc: series ranked by demand value of the last year (units × unit_cost, else unit_price);
      A while the value before it is under abc[0] of the total, B under abc[1], else C.
    - xyz: coefficient of variation of period demand in the last year: X under xyz[0], Y under
      xyz[1], else Z (no demand: Z).
    """
    year_ago = as_of - timedelta(days=365)
    seen = series.filter(~pl.col("censored"))
    nonzero = pl.col("y").filter(pl.col("y") > 0)
    last_year = pl.col("ds") >= year_ago
    keys = ["unique_id", "sku", "location"]
    stats = seen.group_by(keys).agg(
        periods=pl.len(),
        demand_periods=(pl.col("y") > 0).sum(),
        cv2=(nonzero.std() / nonzero.mean()).pow(2).fill_null(0.0),
        last_sale=pl.col("ds").filter(pl.col("y") > 0).max(),
        units_year=pl.col("y").filter(last_year).sum(),
        cv=(pl.col("y").filter(last_year).std() / pl.col("y").filter(last_year).mean()),
    )
    began = series.group_by(keys).agg(first=pl.col("ds").min())
    price = items.select("sku", unit_value=pl.coalesce("unit_cost", "unit_price").fill_null(0.0))
    out = (
        began.join(stats, on=keys, how="left")
        .join(price, on="sku", how="left")
        .with_columns(
            adi=pl.col("periods") / pl.col("demand_periods").replace(0, None),
            yearly_value=pl.col("units_year").fill_null(0.0) * pl.col("unit_value").fill_null(0.0),
        )
    )
    adi_low = pl.col("adi") < cfg.adi_cutoff
    cv2_low = pl.col("cv2") < cfg.cv2_cutoff
    new = pl.col("first") > as_of - timedelta(days=cfg.new_days)
    inactive = pl.col("last_sale").is_null() | (
        pl.col("last_sale") < as_of - timedelta(days=cfg.inactive_days)
    )
    out = out.with_columns(
        demand_class=pl.when(new)
        .then(pl.lit("new"))
        .when(inactive)
        .then(pl.lit("inactive"))
        .when(adi_low & cv2_low)
        .then(pl.lit("smooth"))
        .when(adi_low)
        .then(pl.lit("erratic"))
        .when(cv2_low)
        .then(pl.lit("intermittent"))
        .otherwise(pl.lit("lumpy")),
        xyz=pl.when(pl.col("cv") < cfg.xyz[0])
        .then(pl.lit("X"))
        .when(pl.col("cv") < cfg.xyz[1])
        .then(pl.lit("Y"))
        .otherwise(pl.lit("Z")),
    ).sort("yearly_value", "unique_id", descending=[True, False])
    total = out["yearly_value"].sum()
    before = (pl.col("yearly_value").cum_sum() - pl.col("yearly_value")) / (total or 1.0)
    out = out.with_columns(
        abc=pl.when(pl.col("yearly_value") <= 0)
        .then(pl.lit("C"))
        .when(before < cfg.abc[0])
        .then(pl.lit("A"))
        .when(before < cfg.abc[1])
        .then(pl.lit("B"))
        .otherwise(pl.lit("C"))
    )
    return out.select(
        "unique_id",
        "sku",
        "location",
        "periods",
        "adi",
        "cv2",
        "demand_class",
        "yearly_value",
        "abc",
        "cv",
        "xyz",
    ).sort("unique_id")

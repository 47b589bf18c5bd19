"""Whole-frame validation of one delivery against its feed's contract, as polars expressions."""

from __future__ import annotations

from datetime import date

import polars as pl

from shortage_radar.contract import Column, Feed
from shortage_radar.ingest.files import MORE_FIELDS

TRUE = ("true", "1", "yes", "y", "t")
FALSE = ("false", "0", "no", "n", "f")
_SHOWN = 40  # characters of a bad value quoted in a reason
MORE_FIELDS_REASON = "the row has more fields than the header (an unquoted comma?), first: '{}'"


def validate(
    lf: pl.LazyFrame, feed: Feed, *, as_of: date, known_skus: pl.Series | None = None
) -> pl.LazyFrame:
    """Type one delivery and say, per row, what breaks the contract.

    Grain: one row per input row. In: `row_number` and the file's columns with lower-case names,
    as text (CSV) or native types (Parquet); missing optional columns are allowed.
    Out: `row_number`, the feed's columns typed (defaults filled), `_raw` (the row as read, a
    struct), `_columns` (the columns at fault, comma-separated) and `_reason` (plain words, one
    clause per problem). Both are null on a good row. Lazy and streaming-friendly; duplicate keys
    are found among the otherwise good rows only, so a broken first copy does not reject a good one.
    """
    schema = lf.collect_schema()
    read = [n for n in schema.names() if n != "row_number"]
    kept = [n for n in read if n != MORE_FIELDS]  # the row as read; the overflow is in the reason
    typed: list[pl.Expr] = []
    problems: list[tuple[str, pl.Expr]] = []
    for col in feed.columns:
        value, col_problems = _column(col, schema.get(col.name))
        typed.append(value.alias(col.name))
        problems += col_problems
    # One context for all that reads the raw columns, since the typed ones take their names.
    out = lf.with_columns(
        *typed,
        *[r.alias(f"_p{i}") for i, (_, r) in enumerate(problems)],
        _raw=pl.struct(kept) if kept else pl.lit(None),
    )
    found = [(c, pl.col(f"_p{i}")) for i, (c, _) in enumerate(problems)]
    found += _row_rules(feed, as_of, known_skus)
    if MORE_FIELDS in read:
        more = pl.col(MORE_FIELDS)
        reason = pl.format(MORE_FIELDS_REASON, more.str.slice(0, _SHOWN))
        found.insert(0, ("", pl.when(more.is_not_null()).then(reason)))
    out = out.with_columns(
        _columns=_join([pl.when(r.is_not_null()).then(pl.lit(c)) for c, r in found if c], ", "),
        _reason=_join([r for _, r in found], "; "),
    )
    if feed.key:
        out = _flag_duplicates(out, feed.key)
    return out.select("row_number", *feed.names, "_raw", "_columns", "_reason")


def _join(parts: list[pl.Expr], sep: str) -> pl.Expr:
    joined = pl.concat_str(parts, separator=sep, ignore_nulls=True)
    return pl.when(joined != "").then(joined)


def _column(col: Column, dtype: pl.DataType | None) -> tuple[pl.Expr, list[tuple[str, pl.Expr]]]:
    """The typed value of one column and the problems found in it (each null where fine)."""
    if dtype is None:  # optional column absent from this file
        return _fill(pl.lit(None, dtype=_POLARS[col.kind]), col), []
    raw = pl.col(col.name)
    text = raw.cast(pl.String).str.strip_chars()
    text = pl.when(text != "").then(text)
    shown = text.str.slice(0, _SHOWN)
    value, bad = _parse(col, raw, text, dtype)
    problem: pl.Expr = pl.when(bad).then(pl.format(_BAD[col.kind], pl.lit(col.name), shown))
    if col.required:
        problem = (
            pl.when(text.is_null())
            .then(pl.lit(f"{col.name} is missing (required)"))
            .otherwise(problem)
        )
    for cond, reason in _rules(col, value):
        problem = pl.coalesce(problem, pl.when(cond & ~bad).then(reason))
    return _fill(value, col), [(col.name, problem)]


_POLARS: dict[str, pl.DataType] = {
    "str": pl.String(),
    "num": pl.Float64(),
    "int": pl.Int64(),
    "date": pl.Date(),
    "bool": pl.Boolean(),
}

_BAD = {
    "str": "{} is not text: '{}'",
    "num": "{} is not a number: '{}'",
    "int": "{} is not a whole number: '{}'",
    "date": "{} is not a date in YYYY-MM-DD form: '{}'",
    "bool": "{} is not true or false: '{}'",
}


def _parse(col: Column, raw: pl.Expr, text: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """(typed value, unparseable flag) for a column read as text or as a native type."""
    if col.kind == "str":
        value = text.str.to_lowercase() if col.allowed else text
        return value, pl.lit(False)
    if col.kind in ("num", "int"):
        number = raw.cast(pl.Float64) if dtype.is_numeric() else text.cast(pl.Float64, strict=False)
        bad = text.is_not_null() & (number.is_null() | ~number.is_finite())
        if col.kind == "int":
            bad = bad | (number.round() != number).fill_null(False)
            return number.cast(pl.Int64, strict=False), bad
        return number, bad
    if col.kind == "date":
        if dtype == pl.Date:
            day = raw
        elif isinstance(dtype, pl.Datetime):
            day = raw.dt.date()
        else:
            day = text.str.to_date("%Y-%m-%d", strict=False)
        return day, text.is_not_null() & day.is_null()
    if dtype == pl.Boolean:
        return raw, pl.lit(False)
    lower = text.str.to_lowercase()
    flag = pl.when(lower.is_in(TRUE)).then(True).when(lower.is_in(FALSE)).then(False)
    return flag, text.is_not_null() & flag.is_null()


def _rules(col: Column, v: pl.Expr) -> list[tuple[pl.Expr, pl.Expr]]:
    """(broken, reason) pairs for the value rules of one column."""
    name = col.name
    rules: list[tuple[pl.Expr, pl.Expr]] = []
    if col.ge == 0:
        rules.append((v < 0, pl.format(f"{name} is negative ({{}}){col.negative_note}", v)))
    elif col.ge is not None:
        rules.append((v < col.ge, pl.format(f"{name} must be at least {col.ge:g}, got {{}}", v)))
    if col.gt is not None:
        rules.append(
            (v <= col.gt, pl.format(f"{name} must be greater than {col.gt:g}, got {{}}", v))
        )
    if col.le is not None:
        rules.append((v > col.le, pl.format(f"{name} must be at most {col.le:g}, got {{}}", v)))
    if col.allowed:
        allowed = ", ".join(col.allowed)
        rules.append(
            (~v.is_in(col.allowed), pl.format(f"{name} must be one of {allowed}; got '{{}}'", v))
        )
    return rules


def _fill(value: pl.Expr, col: Column) -> pl.Expr:
    return value if col.default is None else value.fill_null(pl.lit(col.default))


def _row_rules(feed: Feed, as_of: date, known_skus: pl.Series | None) -> list[tuple[str, pl.Expr]]:
    """Rules across columns: sku known, dates not after as-of, date pairs in order."""
    rules: list[tuple[str, pl.Expr]] = []
    if feed.checks_sku and known_skus is not None:
        sku = pl.col("sku")
        unknown = sku.is_not_null() & ~sku.is_in(known_skus.implode())
        rules.append(("sku", pl.when(unknown).then(pl.format("sku '{}' is not in items", sku))))
    for name in feed.not_after_as_of:
        d = pl.col(name)
        rules.append(
            (
                name,
                pl.when(d > as_of).then(
                    pl.format(f"{name} {{}} is after the as-of date {as_of}", d)
                ),
            )
        )
    for early, late in feed.ordered_dates:
        e, lt = pl.col(early), pl.col(late)
        rules.append(
            (late, pl.when(lt < e).then(pl.format(f"{late} {{}} is before {early} {{}}", lt, e)))
        )
    return rules


def _flag_duplicates(lf: pl.LazyFrame, key: tuple[str, ...]) -> pl.LazyFrame:
    """Quarantine later good rows whose key a good row earlier in the file already holds."""
    ok = pl.col("_reason").is_null()
    first = pl.col("row_number").min().over([*key, ok.alias("_ok")])
    dup = ok & (pl.col("row_number") != first)
    named = ", ".join(f"{k}={{}}" for k in key)
    reason = pl.format(
        f"duplicate key ({named}): already at row {{}}", *[pl.col(k) for k in key], first
    )
    return lf.with_columns(
        _columns=pl.when(dup).then(pl.lit(", ".join(key))).otherwise("_columns"),
        _reason=pl.when(dup).then(reason).otherwise("_reason"),
    )

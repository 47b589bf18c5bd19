"""Whole-frame validation of one delivery against its feed's contract, as polars expressions.

Two passes, because words are dear and problems rare: `Checks.flag` types every row and marks
each broken rule with a boolean (cheap, streaming, all rows); `Checks.explain` writes the
plain-language reasons for the flagged rows only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from shortage_radar.contract import Column, Feed
from shortage_radar.ingest.files import MORE_FIELDS

TRUE = ("true", "1", "yes", "y", "t")
FALSE = ("false", "0", "no", "n", "f")
_SHOWN = 40  # characters of a bad value quoted in a reason
_POLARS: dict[str, pl.DataType] = {
    "str": pl.String(),
    "num": pl.Float64(),
    "int": pl.Float64(),  # Int64 once a fraction has been told apart
    "date": pl.Date(),
    "bool": pl.Boolean(),
}
_UNPARSEABLE = {
    "str": "{} is not text: '{}'",
    "num": "{} is not a number: '{}'",
    "int": "{} is not a whole number: '{}'",
    "date": "{} is not a date in YYYY-MM-DD form: '{}'",
    "bool": "{} is not true or false: '{}'",
}


@dataclass(frozen=True)
class Rule:
    """One way a row can break the contract.

    Both expressions read the typed values by column name (before defaults are filled) and the
    trimmed text as read by `_t_<name>`; `reason` is evaluated on the flagged rows only. Rules of
    the same column are listed in precedence order: only the first broken one is told.
    """

    column: str  # the column at fault; "" when the row as a whole is
    broken: pl.Expr
    reason: pl.Expr
    depends_on_run: bool = False  # broken because of the run (its as-of date, items known)


def _text(name: str) -> pl.Expr:
    """The trimmed text of a value as read, null when blank."""
    return pl.col(f"_t_{name}")


def _as_read(name: str) -> pl.Expr:
    """A value as read, cut short, for quoting it in a reason."""
    return _text(name).str.slice(0, _SHOWN)


class Checks:
    """The typed columns and rules of one feed, for one file's columns and one run."""

    def __init__(
        self, feed: Feed, schema: pl.Schema, *, as_of: date, known_skus: pl.Series | None
    ) -> None:
        self.feed = feed
        self.read = [n for n in schema.names() if n != "row_number"]
        present = [c for c in feed.columns if c.name in schema]
        self.texts = [
            _trimmed(pl.col(c.name)).alias(f"_t_{c.name}")
            for c in present
            if not _native(c, schema[c.name])
        ]
        self.parsed = [  # an optional column missing from the file is all null
            (
                _parse(c, schema[c.name]) if c.name in schema else pl.lit(None, _POLARS[c.kind])
            ).alias(c.name)
            for c in feed.columns
        ]
        self.finished = [_finish(c).alias(c.name) for c in feed.columns]
        self.rules: list[Rule] = []
        if MORE_FIELDS in self.read:
            more = pl.col(MORE_FIELDS)
            reason = "the row has more fields than the header (an unquoted comma?), first: '{}'"
            self.rules.append(
                Rule("", more.is_not_null(), pl.format(reason, more.str.slice(0, _SHOWN)))
            )
        for c in present:
            self.rules += _column_rules(c, schema[c.name])
        self.rules += _row_rules(feed, as_of, known_skus)

    def flag(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        """All rows: `row_number`, typed columns (defaults filled), `_raw` (the row as read, a
        struct), `_t_<name>` (trimmed text as read), `_b<i>` (rule i broken) and `_bad`.

        Duplicate keys are looked for among the otherwise good rows only, so a broken first
        copy does not reject a good one: `_dup_of` is the row number of the first good copy.
        """
        kept = [n for n in self.read if n != MORE_FIELDS]  # the overflow is told in the reason
        # Text first, then values from it, then rules on both, then defaults: each step reads
        # the one before, so no expression is computed twice.
        out = (
            lf.with_columns(*self.texts, _raw=pl.struct(kept) if kept else pl.lit(None))
            .with_columns(*self.parsed)
            .with_columns(
                *[r.broken.fill_null(False).alias(f"_b{i}") for i, r in enumerate(self.rules)]
            )
            .with_columns(*self.finished)
        )
        flags = [pl.col(f"_b{i}") for i in range(len(self.rules))]
        out = out.with_columns(_bad=pl.any_horizontal(flags) if flags else pl.lit(False))
        if not self.feed.key:
            return out.with_columns(_dup_of=pl.lit(None, pl.UInt32))
        first = pl.col("row_number").min().over([*self.feed.key, "_bad"])
        dup = ~pl.col("_bad") & (pl.col("row_number") != first)
        return out.with_columns(_dup_of=pl.when(dup).then(first)).with_columns(
            _bad=pl.col("_bad") | pl.col("_dup_of").is_not_null()
        )

    def explain(self, lf: pl.LazyFrame) -> pl.LazyFrame:
        """Flagged rows: add `_columns` (the columns at fault, comma-separated), `_reason`
        (plain words, one clause per problem) and `_depends_on_run` (a reason would not hold
        on a later run: a date after its as-of date, a sku not yet in items)."""
        told: list[tuple[str, pl.Expr]] = []
        for column in dict.fromkeys(r.column for r in self.rules):
            mine = [
                (pl.col(f"_b{i}"), r.reason) for i, r in enumerate(self.rules) if r.column == column
            ]
            if column:
                told.append((column, _first_broken(mine)))
            else:  # each problem of the row as a whole is told
                told += [("", pl.when(flag).then(reason)) for flag, reason in mine]
        if self.feed.key:
            key = self.feed.key
            named = ", ".join(f"{k}={{}}" for k in key)
            dup = pl.format(
                f"duplicate key ({named}): already at row {{}}", *map(pl.col, key), "_dup_of"
            )
            told.append((", ".join(key), pl.when(pl.col("_dup_of").is_not_null()).then(dup)))
        on_run = [pl.col(f"_b{i}") for i, r in enumerate(self.rules) if r.depends_on_run]
        return lf.with_columns(
            _depends_on_run=pl.any_horizontal(on_run) if on_run else pl.lit(False),
            _columns=_join([pl.when(r.is_not_null()).then(pl.lit(c)) for c, r in told if c], ", "),
            _reason=_join([r for _, r in told], "; "),
        )


def validate(
    lf: pl.LazyFrame, feed: Feed, *, as_of: date, known_skus: pl.Series | None = None
) -> pl.LazyFrame:
    """Flag and explain every row (for small frames and tests; the load explains bad rows only).

    Grain: one row per input row. In: `row_number` and the file's columns with lower-case names,
    as text (CSV) or native types (Parquet). Out: `row_number`, the feed's columns typed,
    `_raw`, `_columns` and `_reason` (both null on a good row).
    """
    checks = Checks(feed, lf.collect_schema(), as_of=as_of, known_skus=known_skus)
    return checks.explain(checks.flag(lf)).select(
        "row_number", *feed.names, "_raw", "_columns", "_reason"
    )


def _first_broken(rules: list[tuple[pl.Expr, pl.Expr]]) -> pl.Expr:
    """The reason of the first broken rule (rules of one column, in precedence order)."""
    (flag, reason), *rest = rules
    chain: pl.Expr = pl.when(flag).then(reason)
    for flag, reason in rest:
        chain = chain.when(flag).then(reason)  # type: ignore[attr-defined]
    return chain


def _join(parts: list[pl.Expr], sep: str) -> pl.Expr:
    joined = pl.concat_str(parts, separator=sep, ignore_nulls=True)
    return pl.when(joined != "").then(joined)


def _trimmed(raw: pl.Expr) -> pl.Expr:
    text = raw.cast(pl.String).str.strip_chars()
    return pl.when(text != "").then(text)


def _parse(col: Column, dtype: pl.DataType) -> pl.Expr:
    """A column's value from its text, or from its native type (Parquet). Whole numbers stay
    Float64 here so that a fraction can be told; `_finish` makes them Int64."""
    raw, text = pl.col(col.name), _text(col.name)
    if col.kind == "date":
        return as_date(raw if _native(col, dtype) else text, dtype)
    if _native(col, dtype):
        return raw.cast(pl.Float64) if col.kind in ("num", "int") else raw
    if col.kind == "str":
        return text.str.to_lowercase() if col.allowed else text
    if col.kind in ("num", "int"):
        return text.cast(pl.Float64, strict=False)
    lower = text.str.to_lowercase()
    return pl.when(lower.is_in(TRUE)).then(True).when(lower.is_in(FALSE)).then(False)


def as_date(value: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A contract date from a Date or Datetime column, or from trimmed ISO text (else null)."""
    if dtype == pl.Date:
        return value
    if isinstance(dtype, pl.Datetime):
        return value.dt.date()
    return value.cast(pl.String).str.to_date("%Y-%m-%d", strict=False)


def _finish(col: Column) -> pl.Expr:
    """The value as staged: the contract's type, with the default where it is missing."""
    value = pl.col(col.name)
    if col.kind == "int":
        value = value.cast(pl.Int64)
    return value if col.default is None else value.fill_null(pl.lit(col.default))


def _native(col: Column, dtype: pl.DataType) -> bool:
    """A Parquet column already of the contract's type: taken as it is, with no text made."""
    if col.kind in ("num", "int"):
        return dtype.is_numeric()
    if col.kind == "date":
        return dtype == pl.Date or isinstance(dtype, pl.Datetime)
    return col.kind == "bool" and dtype == pl.Boolean


def _column_rules(col: Column, dtype: pl.DataType) -> list[Rule]:
    """One column's rules in precedence order: missing, unreadable, then its value rules."""
    name, v, text = col.name, pl.col(col.name), _text(col.name)
    native = _native(col, dtype)
    rules = []
    if col.required:
        missing = v.is_null() if native else text.is_null()
        rules.append(Rule(name, missing, pl.lit(f"{name} is missing (required)")))
    if col.kind != "str" and not (col.kind == "bool" and native):
        unreadable = pl.lit(False) if native else text.is_not_null() & v.is_null()
        if col.kind in ("num", "int"):
            unreadable = unreadable | ~v.is_finite()
        if col.kind == "int":
            unreadable = unreadable | (v.round() != v)
        shown = v.cast(pl.String) if native else _as_read(name)
        reason = pl.format(_UNPARSEABLE[col.kind], pl.lit(name), shown)
        rules.append(Rule(name, unreadable, reason))
    if col.ge == 0:
        rules.append(
            Rule(name, v < 0, pl.format(f"{name} is negative ({{}}){col.negative_note}", v))
        )
    elif col.ge is not None:
        rules.append(
            Rule(name, v < col.ge, pl.format(f"{name} must be at least {col.ge:g}, got {{}}", v))
        )
    if col.gt is not None:
        rules.append(
            Rule(
                name, v <= col.gt, pl.format(f"{name} must be greater than {col.gt:g}, got {{}}", v)
            )
        )
    if col.le is not None:
        rules.append(
            Rule(name, v > col.le, pl.format(f"{name} must be at most {col.le:g}, got {{}}", v))
        )
    if col.allowed:
        options = ", ".join(col.allowed)
        rules.append(
            Rule(
                name,
                ~v.is_in(col.allowed),
                pl.format(f"{name} must be one of {options}; got '{{}}'", _as_read(name)),
            )
        )
    return rules


def _row_rules(feed: Feed, as_of: date, known_skus: pl.Series | None) -> list[Rule]:
    """Rules across columns: sku known, dates not after as-of, date pairs in order."""
    rules: list[Rule] = []
    if feed.checks_sku and known_skus is not None:
        sku = pl.col("sku")
        rules.append(
            Rule(
                "sku",
                sku.is_not_null() & ~sku.is_in(known_skus.implode()),
                pl.format("sku '{}' is not in items", sku),
                depends_on_run=True,
            )
        )
    for name in feed.not_after_as_of:
        d = pl.col(name)
        rules.append(
            Rule(
                name,
                d > as_of,
                pl.format(f"{name} {{}} is after the as-of date {as_of}", d),
                depends_on_run=True,
            )
        )
    for early, late in feed.ordered_dates:
        e, lt = pl.col(early), pl.col(late)
        rules.append(
            Rule(
                late,
                lt < e,
                pl.format(f"{late} {{}} is before {early} {{}}", lt, e),
            )
        )
    return rules

"""Finding the feeds' files in a landing folder, fingerprinting them, and opening them lazily."""

from __future__ import annotations

import gzip
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import polars as pl

from shortage_radar.contract import FEEDS, Feed

Format = Literal["csv", "csv.gz", "parquet"]
_FORMATS: dict[str, Format] = {".csv": "csv", ".csv.gz": "csv.gz", ".parquet": "parquet"}
MORE_FIELDS = "_more_fields"  # what a CSV row holds beyond the header's columns
AS_UTF8 = "export it as UTF-8 CSV"
# A file belongs to a feed when its name is the feed name, alone or followed by - _ or .
_FEED_NAME = re.compile(r"^(" + "|".join(sorted(FEEDS, key=len, reverse=True)) + r")(?=[-_.]|$)")


class RaggedRows(Exception):
    """A CSV row has more fields than the header: read the file again with scan(ragged=True)."""


class FileRejected(Exception):
    """The whole file cannot be loaded; the message says which file and why."""

    def __init__(self, path: Path, why: str, columns: str | None = None) -> None:
        super().__init__(f"{path.name}: {why}")
        self.why = why
        self.columns = columns


@dataclass(frozen=True)
class LandingFile:
    """One file of the landing folder, and the feed its name assigns it to (None: no feed)."""

    path: Path
    feed: str | None
    fmt: Format | None  # None: a format we do not read
    size: int
    mtime: float

    @property
    def name(self) -> str:
        return self.path.name


def discover(folder: Path) -> list[LandingFile]:
    """The visible files of a folder in load order: by feed (items first), then oldest first."""
    found = []
    for p in folder.iterdir():
        if not p.is_file() or p.name.startswith("."):
            continue
        m = _FEED_NAME.match(p.name.lower())
        fmt = next((f for ext, f in _FORMATS.items() if p.name.lower().endswith(ext)), None)
        st = p.stat()
        found.append(LandingFile(p, m.group(1) if m else None, fmt, st.st_size, st.st_mtime))
    order = {name: i for i, name in enumerate(FEEDS)}
    return sorted(found, key=lambda f: (order.get(f.feed or "", 99), f.mtime, f.name))


def content_hash(path: Path) -> str:
    """SHA-256 of the file's bytes: the same content under any name is the same delivery."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def scan(f: LandingFile, feed: Feed, *, ragged: bool = False) -> pl.LazyFrame:
    """Open a file lazily: lower-case column names, every CSV value as text, and `row_number`.

    `row_number` counts data rows from 1 (in a CSV, row N is line N + 1 when no value spans
    lines). Raises FileRejected for what makes the whole file unusable. polars fails a CSV
    with a row longer than its header (RaggedRows); `ragged=True` then reads it again with
    one column more, MORE_FIELDS, so that such a row is quarantined alone. That read is
    slower, hence not the first.
    """
    if f.fmt is None:
        raise FileRejected(f.path, "unsupported format: use .csv, .csv.gz or .parquet")
    if f.size == 0:
        raise FileRejected(f.path, "the file is empty (not even a header row)")
    try:
        if f.fmt == "parquet":
            lf = pl.scan_parquet(f.path)
        else:
            source = _csv_source(f)
            lf = pl.scan_csv(source, infer_schema=False, encoding="utf8", raise_if_empty=True)
        names = lf.collect_schema().names()
        if ragged and f.fmt != "parquet":
            lf = pl.scan_csv(
                source,
                has_header=False,
                skip_rows=1,
                encoding="utf8",
                schema=dict.fromkeys([*names, MORE_FIELDS], pl.String),
                truncate_ragged_lines=True,
                missing_columns="insert",
            )
    except FileRejected:
        raise
    except Exception as e:  # polars' own words are the most precise reason we can give
        kind = "Parquet" if f.fmt == "parquet" else "CSV"
        raise FileRejected(f.path, f"cannot be read as {kind}: {_first_line(e)}") from None
    lower = [n.strip().lower() for n in names]
    twice = sorted(n for n, k in Counter(lower).items() if k > 1)
    if twice:
        raise FileRejected(
            f.path, f"column names appear twice (names ignore case): {', '.join(twice)}"
        )
    missing = [c for c in feed.required_columns if c not in lower]
    if missing:
        shown = ", ".join(repr(n[:30]) for n in names[:12])
        raise FileRejected(
            f.path,
            f"missing required column(s) {', '.join(missing)} (the file has: {shown})",
            columns=", ".join(missing),
        )
    renames = dict(zip(names, lower, strict=True))
    return lf.rename(renames).with_row_index("row_number", offset=1)


def _csv_source(f: LandingFile) -> Path | bytes:
    """What polars reads: the file, or its text with line ends mended when they are old-Mac
    (CR only), which polars would take for one endless header line. Binary and non-UTF-8
    files are rejected here, before polars reads them as one strange column."""
    opener = gzip.open if f.fmt == "csv.gz" else open
    sample = 64 * 1024
    try:
        with opener(f.path, "rb") as fh:
            head = fh.read(sample)
    except (OSError, EOFError) as e:
        raise FileRejected(f.path, f"cannot be read as gzip: {e}") from None
    if b"\x00" in head:
        raise FileRejected(f.path, "is not a CSV text file (binary content)")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if len(head) < sample or e.start < len(head) - 4:  # not a character cut by the sample
            line = head.count(b"\n", 0, e.start) + 1
            raise FileRejected(f.path, f"is not UTF-8 text (line {line}); {AS_UTF8}") from None
    if b"\r" in head and b"\n" not in head:
        with opener(f.path, "rb") as fh:
            return fh.read().replace(b"\r", b"\n")
    return f.path


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0][:300]

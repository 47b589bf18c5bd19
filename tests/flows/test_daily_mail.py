"""The daily flow mails the buyers after publishing; a refused digest does not fail the run."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import duckdb
import pytest
from aiosmtpd.controller import Controller
from flows.daily import daily

from shortage_radar.sample_data import SampleSpec, write_feeds
from shortage_radar.settings import MailSettings, load_settings

REFUSED = "marco@example.com"


class Inbox:
    def __init__(self) -> None:
        self.mails: list[tuple[list[str], Any]] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address == REFUSED:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content, policy=policy.default)
        self.mails.append((list(envelope.rcpt_tos), msg))
        return "250 OK"


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    box = Inbox()
    server = Controller(box, hostname="127.0.0.1", port=port)
    server.start()
    try:
        yield box, port
    finally:
        server.stop()


@pytest.mark.slow
def test_buyers_get_their_digest_and_a_refused_one_is_told_not_fatal(
    tmp_path: Path, inbox: tuple[Inbox, int]
) -> None:
    box, port = inbox
    write_feeds(tmp_path / "landing", SampleSpec(skus=30, locations=1, days=200))
    mail = MailSettings(
        enabled=True,
        host="127.0.0.1",
        port=port,
        starttls=False,
        sender="radar@example.com",
        recipients={"Priya Nair": "priya@example.com", "Marco Rossi": REFUSED},
        retries=2,  # a 550 is not retried, so no wait
    )
    settings = load_settings(warehouse_dir=tmp_path / "wh", mail=mail)
    summary = daily(settings, tmp_path / "landing")
    text = "\n".join(summary.stages)
    with duckdb.connect(str(tmp_path / "wh" / "analytics.duckdb"), read_only=True) as adb:
        (status,) = adb.execute("SELECT status FROM runs").fetchall()[0]
        buyers = dict(
            adb.execute(
                "SELECT buyer, count(*) FROM shortage_warnings JOIN items USING (sku) "
                "WHERE shortage_warnings.status = 'new' GROUP BY buyer"
            ).fetchall()
        )
    assert status == "succeeded"
    assert {"Priya Nair", "Marco Rossi", "Anna Berg"} <= set(buyers)  # every buyer has news
    assert [rcpt for rcpt, _ in box.mails] == [["priya@example.com"]]
    assert "mail: 1 digests sent, 1 FAILED" in text and f"{REFUSED}: SMTPRecipientsRefused" in text
    assert f"{buyers['Anna Berg']} new or worsening warnings not mailed" in text
    (_, msg) = box.mails[0]
    news = buyers["Priya Nair"]
    assert msg["Subject"].startswith(f"[shortage-radar] {summary.as_of}: {news} new")

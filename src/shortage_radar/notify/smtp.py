"""Sending digests over SMTP (STARTTLS and login as configured), and which failures may pass.

The password is read from the environment variable named by `[mail] password_env` at the
moment of sending: it never travels in settings, task parameters, logs or error messages.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage

from shortage_radar.errors import ConfigError
from shortage_radar.notify.digest import Digests
from shortage_radar.settings import MailSettings


@dataclass
class Delivery:
    """What became of the messages: addresses sent to, and (address, why) of the failures."""

    sent: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def password(cfg: MailSettings) -> str | None:
    """The SMTP password from the environment; None when no username is set (no login)."""
    if not cfg.username:
        return None
    value = os.environ.get(cfg.password_env)
    if not value:
        raise ConfigError(
            f"mail: username is set but the environment variable {cfg.password_env} "
            "(setting mail.password_env) that should hold the password is not set"
        )
    return value


def send(msg: EmailMessage, cfg: MailSettings) -> None:
    """Send one message: connect, STARTTLS when set (certificate checked), log in when a
    username is set, send, quit."""
    secret = password(cfg)
    with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_seconds) as smtp:
        if cfg.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if cfg.username and secret is not None:
            smtp.login(cfg.username, secret)
        smtp.send_message(msg)


def deliver(
    messages: Sequence[EmailMessage],
    cfg: MailSettings,
    send_one: Callable[[EmailMessage, MailSettings], None] = send,
) -> Delivery:
    """Send each message with `send_one` (the flow passes a retrying Prefect task); a failed
    message is recorded and the others still go."""
    out = Delivery()
    for msg in messages:
        try:
            send_one(msg, cfg)
        except Exception as e:
            out.failed.append((str(msg["To"]), describe(e)))
        else:
            out.sent.append(str(msg["To"]))
    return out


def describe(e: BaseException) -> str:
    """The failure in a line: the exception's type and the server's reply (never a password:
    smtplib's errors quote only what the server said)."""
    return f"{type(e).__name__}: {e}"[:300]


def transient(e: BaseException) -> bool:
    """Whether sending again later may work: no connection, a timeout, a dropped connection or
    a 4xx reply. A 5xx reply (bad login, refused address) or a settings problem will not pass."""
    if isinstance(e, ConfigError | smtplib.SMTPNotSupportedError):
        return False
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in e.recipients.values())
    if isinstance(e, smtplib.SMTPResponseException):
        return 400 <= e.smtp_code < 500
    if isinstance(e, ssl.SSLCertVerificationError):
        return False
    return isinstance(e, OSError)


def summary_lines(plan: Digests, done: Delivery) -> list[str]:
    """What the run summary says about mail: sent, failed (with why), not addressed."""
    line = f"mail: {len(done.sent)} digests sent"
    if done.failed:
        line += f", {len(done.failed)} FAILED (the results are published all the same): "
        line += "; ".join(f"{to}: {why}" for to, why in done.failed)
    out = [line]
    if plan.unaddressed_warnings:
        out.append(
            f"mail: {plan.unaddressed_warnings} new or worsening warnings not mailed, their "
            f"buyers have no address ({', '.join(plan.unaddressed_buyers)}): set "
            "[mail] recipients or fallback_to"
        )
    return out

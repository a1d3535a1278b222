"""Sending e-mail: through SMTP when SMTP_HOST is set, else only logged (development).

`queue()` holds a message until the surrounding transaction commits, so a step that rolls back (a
lost race, a failure) never mails anything about changes that did not happen."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from typing import Any

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)
# Messages "sent" while MAIL_BACKEND=memory (tests read them here).
OUTBOX: list[EmailMessage] = []


def _message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = f"[一站式学生社区] {subject}"
    message.set_content(body)
    return message


def send_now(messages: list[EmailMessage]) -> None:
    """Deliver messages; raises OSError/SMTPException when the server refuses (callers retry)."""
    config = current_app.config
    if config.get("MAIL_BACKEND") == "memory":
        OUTBOX.extend(messages)
        return
    if not config["SMTP_HOST"]:
        for message in messages:
            log.info("mail (no SMTP_HOST, not sent) to %s: %s", message["To"], message["Subject"])
        return
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
        if config["SMTP_USER"]:
            smtp.starttls()
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        for message in messages:
            smtp.send_message(message)


def send(to: str, subject: str, body: str) -> None:
    send_now([_message(to, subject, body)])


def queue(session: Session, to: str, subject: str, body: str) -> None:
    if not session.in_transaction():
        session.begin()  # the message belongs to a transaction: its commit sends, its rollback drops
    session.info.setdefault("outbox", []).append(_message(to, subject, body))


@event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    messages = session.info.pop("outbox", [])
    if messages:
        try:
            send_now(messages)
        except (OSError, smtplib.SMTPException):
            log.exception("could not send %d queued e-mail(s)", len(messages))


@event.listens_for(Session, "after_soft_rollback")
def _discard(session: Session, previous_transaction: Any) -> None:
    if not previous_transaction.nested:  # a savepoint's rollback leaves the outer work (and mail) alive
        session.info.pop("outbox", None)

"""The only module that speaks SMTP."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from flask import current_app


def send(message: EmailMessage) -> None:
    """Hand one message to the configured SMTP server.

    With no MAIL_SERVER set (a laptop trying the portal), the message is printed to the worker's
    output and appended to instance/mail.log instead, so sign-up links can still be followed.
    """
    config = current_app.config
    if not config["MAIL_SERVER"]:
        text = message.as_string()
        print(text, file=sys.stderr, flush=True)
        log = f"{current_app.instance_path}/mail.log"
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(text + "\n" + "=" * 72 + "\n")
        return
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)

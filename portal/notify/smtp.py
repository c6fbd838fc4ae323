"""The only module that speaks SMTP."""

from __future__ import annotations

import smtplib
import sys
from email.message import EmailMessage

from flask import current_app


class Mailer:
    """One SMTP connection kept open across a batch of messages (opening one per message costs
    more than sending it). With no MAIL_SERVER set (a laptop trying the portal), messages are
    printed as readable text and appended to instance/mail.log instead, so links can be followed.
    """

    def __init__(self) -> None:
        self.config = current_app.config
        self.connection: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def send(self, message: EmailMessage) -> None:
        if not self.config["MAIL_SERVER"]:
            _print_and_log(message)
            return
        try:
            self._connected().send_message(message)
        except (smtplib.SMTPException, OSError):
            self.close()  # the next message starts on a fresh connection
            raise

    def _connected(self) -> smtplib.SMTP:
        if self.connection is None:
            config = self.config
            connection = smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
            )
            if config["MAIL_USE_TLS"]:
                connection.starttls()
            if config["MAIL_USERNAME"]:
                connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            self.connection = connection
        return self.connection

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def readable(message: EmailMessage) -> str:
    """Headers and the plain-text part, decoded: what a person reads, not the wire format."""
    headers = "\n".join(f"{name}: {value}" for name, value in message.items())
    body = message.get_body(preferencelist=("plain",))
    return f"{headers}\n\n{body.get_content() if body else ''}"


def _print_and_log(message: EmailMessage) -> None:
    text = readable(message)
    print(text, file=sys.stderr, flush=True)
    log = f"{current_app.instance_path}/mail.log"
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(text + "\n" + "=" * 72 + "\n")

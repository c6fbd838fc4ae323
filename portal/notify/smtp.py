"""The only module that speaks SMTP."""

from __future__ import annotations

import re
import smtplib
import sys
from email.message import EmailMessage

from flask import current_app

# One message refused (an address, the sender, the content): the session itself is still good.
REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


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
        except REFUSALS as refusal:
            if getattr(refusal, "smtp_code", 550) < 500:
                self.close()  # 4xx: the server may be going away; start afresh next time
            raise  # 5xx: this message is refused, the session (reset) goes on
        except (smtplib.SMTPException, OSError):
            self.close()  # the next message starts on a fresh connection
            raise

    def _connected(self) -> smtplib.SMTP:
        if self.connection is None:
            config = self.config
            connection = PipeliningSMTP(
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


class PipeliningSMTP(smtplib.SMTP):
    """smtplib's client, sending MAIL, RCPT and DATA in one write when the server offers
    PIPELINING (RFC 2920; every common server does): two round trips per message instead of
    four, which is most of a message's time on a fast local server. Without the extension,
    smtplib's own exchange."""

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        self.ehlo_or_helo_if_needed()
        if not self.has_extn("pipelining"):
            return super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)
        if isinstance(to_addrs, str):
            to_addrs = [to_addrs]
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        options = list(mail_options)
        if self.has_extn("size"):
            options.append(f"size={len(msg)}")
        if "smtputf8" in (option.lower() for option in options) and not self.has_extn("smtputf8"):
            raise smtplib.SMTPNotSupportedError("SMTPUTF8 not supported by server")
        lines = [f"MAIL FROM:{smtplib.quoteaddr(from_addr)}{_options(options)}"]
        lines += [f"RCPT TO:{smtplib.quoteaddr(to)}{_options(rcpt_options)}" for to in to_addrs]
        lines.append("DATA")
        self.send("".join(line + "\r\n" for line in lines).encode("utf-8"))
        mail_reply = self.getreply()
        refused = {}
        for to in to_addrs:
            code, reply = self.getreply()
            if code not in (250, 251):
                refused[to] = (code, reply)
        data_code, data_reply = self.getreply()
        failure = None
        if mail_reply[0] != 250:
            failure = smtplib.SMTPSenderRefused(mail_reply[0], mail_reply[1], from_addr)
        elif len(refused) == len(to_addrs):
            failure = smtplib.SMTPRecipientsRefused(refused)
        elif data_code != 354:
            failure = smtplib.SMTPDataError(data_code, data_reply)
        if failure is not None:
            if data_code == 354:
                self.send(b".\r\n")  # the server waits for a message we no longer send
                self.getreply()
            self._rset()
            raise failure
        body = re.sub(rb"(?m)^\.", b"..", msg)
        if not body.endswith(b"\r\n"):
            body += b"\r\n"
        self.send(body + b".\r\n")
        code, reply = self.getreply()
        if code != 250:
            self._rset()
            raise smtplib.SMTPDataError(code, reply)
        return refused


def _options(options) -> str:
    return " " + " ".join(options) if options else ""


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

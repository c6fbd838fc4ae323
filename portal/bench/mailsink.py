"""`python -m portal.bench.mailsink`: a local SMTP server (aiosmtpd) that only counts.

Run as its own process, so it does not share the worker's interpreter. It prints `PORT <n>` once
it listens; when its standard input closes it prints one JSON line: how many SMTP sessions were
opened, how many messages arrived, and how many recipients received more than one message.
"""

from __future__ import annotations

import json
import socket
import sys
from collections import Counter

from aiosmtpd.controller import Controller


class CountingHandler:
    """Counts sessions (one EHLO or HELO each) and messages per recipient; keeps no bodies."""

    def __init__(self) -> None:
        self.sessions = 0
        self.messages = 0
        self.recipients: Counter[str] = Counter()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        session.host_name = hostname
        self.sessions += 1
        # aiosmtpd reads commands in order, so it may say it accepts them pipelined, as
        # common servers do (RFC 2920).
        return [*responses[:-1], "250-PIPELINING", responses[-1]]

    async def handle_HELO(self, server, session, envelope, hostname):  # noqa: N802
        session.host_name = hostname
        self.sessions += 1
        return f"250 {server.hostname}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages += 1
        self.recipients.update(address.lower() for address in envelope.rcpt_tos)
        return "250 Message accepted for delivery"

    def summary(self) -> dict:
        return {
            "sessions": self.sessions,
            "messages": self.messages,
            "recipients": len(self.recipients),
            "duplicates": sum(1 for count in self.recipients.values() if count > 1),
        }


def main() -> int:
    handler = CountingHandler()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    print(f"PORT {port}", flush=True)
    sys.stdin.read()  # the benchmark closes our standard input when it is done
    controller.stop()
    print(json.dumps(handler.summary()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A local SMTP server for tests (aiosmtpd on 127.0.0.1, a free port), keeping what it receives."""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager


class Sink:
    """Keeps every message received; answers 451 (try later) while ``refuse`` is set."""

    def __init__(self):
        self.messages: list[tuple[str, list[str], email.message.EmailMessage]] = []
        self.refuse = False
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Requested action aborted: try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def local_smtp() -> Iterator[Sink]:
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    try:
        yield sink
    finally:
        controller.stop()


def smtp_environment(monkeypatch, sink: Sink, to: str = "dr.a@clinic.example, dr.b@clinic.example") -> None:
    """Point SECUREBASE_SMTP_* at the local server (plain SMTP on loopback, no login)."""
    for name, value in (("HOST", "127.0.0.1"), ("PORT", str(sink.port)), ("FROM", "securebase@clinic.example"),
                        ("TO", to), ("SECURITY", "none")):
        monkeypatch.setenv(f"SECUREBASE_SMTP_{name}", value)

"""A client's consent, treatment and research: giving and withdrawing it, and whether it is current.

A decision is recorded against the text of today (``content/consent``) with when the person decided. The
latest decision of a kind is in force. It is **current** when it was a yes to the same major version of the
text as today's: a new major version of a text asks everyone again (``status`` then says so). The research
export takes only clients whose research consent is current (:func:`research_consented`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from securebase.content.consent import KINDS, consent_text, same_major
from securebase.core.errors import SecureBaseError
from securebase.store import Consent, Store

DECISIONS = {"give": "given", "withdraw": "withdrawn"}
_HOUR = timedelta(hours=1)


class ConsentError(SecureBaseError):
    """A consent that cannot be recorded as asked."""


@dataclass(frozen=True)
class ConsentStatus:
    kind: str
    latest: Consent | None      # the decision in force, or None (never asked)
    text_version: str           # today's text

    @property
    def current(self) -> bool:
        return self.latest is not None and self.latest.given and same_major(self.latest.text_version, self.text_version)

    def describe(self) -> str:
        if self.latest is None:
            return "not asked yet"
        when = self.latest.decided_at[:10]
        if self.latest.given and not self.current:
            return f"given on {when} to version {self.latest.text_version}; today's text is {self.text_version}: ask again"
        return f"{self.latest.decision} on {when} (version {self.latest.text_version}, from the {self.latest.via})"


def _moment(value: Any) -> str:
    if value is None or value == "":
        return datetime.now().replace(microsecond=0).isoformat()
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).strip().replace(" ", "T", 1))
    except ValueError:
        raise ConsentError(f"{value!r} is not a date and time; write it as YYYY-MM-DD HH:MM, or leave it out for now.") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone().replace(tzinfo=None)
    if moment > datetime.now().replace(microsecond=0) + _HOUR:
        raise ConsentError(f"{moment:%Y-%m-%d %H:%M} is in the future; a decision is recorded when it was made.")
    return moment.replace(microsecond=0).isoformat()


def record(store: Store, client_id: str, kind: str, action: str, *, via: str, at: Any = None) -> ConsentStatus:
    """Give (``action="give"``) or withdraw consent of ``kind`` for the client, against today's text."""
    if kind not in KINDS:
        raise ConsentError(f"Unknown consent {kind!r}; use {' or '.join(KINDS)}.")
    if action not in DECISIONS:
        raise ConsentError(f"Unknown decision {action!r}; use give or withdraw.")
    store.require_client(client_id)
    text = consent_text(kind)
    store.record_consent(client_id, kind=kind, decision=DECISIONS[action], text_version=text.version,
                         decided_at=_moment(at), via=via)
    return status(store, client_id)[kind]


def status(store: Store, client_id: str) -> dict[str, ConsentStatus]:
    """Each kind's decision in force for the client, and whether it is current."""
    latest: dict[str, Consent] = {}
    for c in store.consents(client_id):
        latest[c.kind] = c
    return {kind: ConsentStatus(kind, latest.get(kind), consent_text(kind).version) for kind in KINDS}


def research_consented(store: Store) -> set[str]:
    """The clients whose research consent is current."""
    version = consent_text("research").version
    return {client for (client, kind), c in store.latest_consents().items()
            if kind == "research" and c.given and same_major(c.text_version, version)}


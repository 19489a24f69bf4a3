"""Consent on a page: each kind's decision in force, its text, and buttons to record a new decision.

The clinician's home page shows it for the client picked there (``via="home"``: "The client agrees"); the
client's page of today shows their own (``via="workbook"``: "I agree"). Each decision is a new record
(:mod:`securebase.intake.consent`); nothing earlier is changed. A decision that cannot be recorded says why.
"""

from __future__ import annotations

import ipywidgets as w

from securebase.content.consent import KINDS, consent_text
from securebase.core.errors import SecureBaseError
from securebase.core.text import esc
from securebase.intake import consent
from securebase.store import Store

_WORDS = {
    "home": {"give": "The client agrees", "withdraw": "The client withdraws", "done": "Recorded"},
    "workbook": {"give": "I agree", "withdraw": "I withdraw", "done": "Saved"},
}
_NAME = {"treatment": "Working with Secure Base", "research": "Research use"}


def text_html(kind: str) -> str:
    """The text to read before deciding, folded under its title (a plain ``<details>``: keyboard and screen
    readers open it as any disclosure, in the page's own colours)."""
    text = consent_text(kind)
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in text.text)
    return (f"<details class='sb-consent-text'><summary>Read: {esc(text.title)}</summary>"
            f"<p><strong>{esc(text.summary)}</strong></p>{paragraphs}<p><small>Version {esc(text.version)}</small></p>"
            "</details>")


class ConsentPanel:
    """The consents of one client (:meth:`show`), with their texts and the buttons that record a decision."""

    def __init__(self, store: Store, *, via: str, client_id: str | None = None):
        self.store, self.via, self.client_id = store, via, client_id
        words = _WORDS[via]
        self.status = {kind: w.HTML() for kind in KINDS}
        self.buttons: dict[tuple[str, str], w.Button] = {}
        self.message = w.HTML()
        rows = []
        for kind in KINDS:
            give = w.Button(description=words["give"], icon="check", layout=w.Layout(width="auto"))
            withdraw = w.Button(description=words["withdraw"], icon="times", layout=w.Layout(width="auto"))
            give.on_click(lambda _b, k=kind: self.decide(k, "give"))
            withdraw.on_click(lambda _b, k=kind: self.decide(k, "withdraw"))
            self.buttons[(kind, "give")], self.buttons[(kind, "withdraw")] = give, withdraw
            details = w.HTML(text_html(kind))
            rows.append(w.VBox([self.status[kind], details, w.HBox([give, withdraw],
                                                                     layout=w.Layout(flex_flow="row wrap"))]))
        self.widget = w.VBox([*rows, self.message])
        self.widget.add_class("sb-consent")
        self.show(client_id)

    def show(self, client_id: str | None) -> None:
        self.client_id = client_id or None
        self.message.value = ""
        states = consent.status(self.store, self.client_id) if self.client_id else {}
        for kind in KINDS:
            found = states.get(kind)
            said = found.describe() if found else "pick a client first"
            mark = "" if found is None else (" (in force)" if found.current else " (not in force)")
            self.status[kind].value = f"<p><strong>{_NAME[kind]}:</strong> {esc(said)}{mark}</p>"
            for action in ("give", "withdraw"):
                self.buttons[(kind, action)].disabled = found is None

    def decide(self, kind: str, action: str) -> None:
        if not self.client_id:
            self.message.value = "<p role='alert'>Pick a client first.</p>"
            return
        try:
            done = consent.record(self.store, self.client_id, kind, action, via=self.via)
        except SecureBaseError as exc:
            self.message.value = f"<p role='alert'>{esc(str(exc))} Nothing was recorded.</p>"
            return
        self.show(self.client_id)
        self.message.value = (f"<p role='status'>{_WORDS[self.via]['done']}: {_NAME[kind].lower()} consent "
                              f"{esc(done.latest.decision if done.latest else '')}.</p>")

"""New safety flags for the clinician: what stays at the top of the home page until acknowledged.

Every flag (a flagged save, or a client's "yes" when the workbook asked them directly) is a
*notice* for each clinician until that clinician acknowledges it. Acknowledging records who and
when (audited "safety_ack") and takes the notice off the top of their home page; the flag itself
stays open until it is cleared with a reason (:func:`securebase.safety.flags.clear_flag`). A flag
that is already cleared is no longer a notice for anyone: it has been followed up.

A notice carries the client code, the categories in plain words, the date and the exercise
title: never the client's text. E-mail notifications are in :mod:`securebase.safety.mailer`.
"""

from __future__ import annotations

from dataclasses import dataclass

from securebase import content
from securebase.core.errors import SecureBaseError
from securebase.safety.flags import Flag, exercise_title, flags, get_flag
from securebase.store import Store


@dataclass(frozen=True)
class Notice:
    flag_id: str
    client_id: str
    categories: str        # in plain words, e.g. "self-harm or suicide"
    flagged_at: str
    exercise: str          # the exercise title, or "the couple's protocol"
    check_in: bool         # raised by a "yes" to a direct question

    def line(self, language: str = "en") -> str:
        """In plain words, from the locale: client code, categories, date and exercise (no text, no ids)."""
        loc = content.locale(language)
        how = " " + loc.text("notice_check_in") if self.check_in else ""
        return loc.text("notice_line", client=self.client_id, categories=self.categories, how=how,
                        date=self.flagged_at[:10], exercise=self.exercise)


def _notice(store: Store, flag: Flag, answered_yes: set[tuple[str, int]]) -> Notice:
    return Notice(flag.flag_id, flag.client_id, flag.describe(), flag.flagged_at, exercise_title(store, flag),
                  (flag.entry_id, flag.revision) in answered_yes)


def unacknowledged(store: Store, actor: str | None = None) -> list[Notice]:
    """Open flags that ``actor`` (default: the store's actor) has not acknowledged, newest first."""
    who = actor or store.actor
    seen = {flag_id for flag_id, by, _at in store.flag_acks() if by == who}
    pending = [f for f in flags(store, open_only=True) if f.flag_id not in seen]
    answered_yes = store.yes_check_in_revisions() if pending else set()
    return [_notice(store, f, answered_yes) for f in reversed(pending)]


def acknowledge(store: Store, flag_id: str, *, clinician: str | None = None) -> Flag:
    """Record that the clinician has seen the flag; it stays open until it is cleared with a reason."""
    flag = get_flag(store, flag_id)
    who = clinician or store.actor
    if not flag.open:
        raise SecureBaseError(f"That flag was already cleared on {flag.cleared_at[:10]} by {flag.cleared_by}; "
                              "there is nothing left to acknowledge.")
    if not store.ack_flag_row(flag.flag_id, flag.client_id, acknowledged_by=who):
        raise SecureBaseError(f"{who} has already acknowledged that flag. It stays open until it is cleared "
                              "with a reason in the client's progress view.")
    return flag

"""The check-in: when an entry is close to risk but not a clear disclosure, the workbook asks the
person directly, in plain words, and records the answer with the entry.

* :func:`securebase.safety.screen.screen_text` sets ``check_in`` (means, goodbyes, hopelessness,
  fear of a partner, a denial, the backstop unsure); the store records the question with the entry,
  in the same transaction, so a clinician sees that it was due even if it was never answered.
* :func:`questions` gives the question for each category, from the interface strings.
* :func:`answer` records "yes", "no" or "rather_not_say". A "yes" flags the entry (the flag is
  written with the answer, and reaches the clinician like any other); "I'd rather not say" shows
  the crisis resources; "no" thanks the person and says where help is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from securebase.core.errors import NotFoundError
from securebase.store import Store
from securebase.store.check_ins import CHECK_IN_ANSWERS

ANSWERS = CHECK_IN_ANSWERS   # "yes", "no", "rather_not_say"


@dataclass(frozen=True)
class CheckIn:
    check_in_id: str
    client_id: str
    entry_id: str
    revision: int
    categories: tuple[str, ...]
    asked_at: str
    answer: str | None = None
    answered_at: str | None = None

    @property
    def answered(self) -> bool:
        return self.answer is not None


@dataclass(frozen=True)
class Outcome:
    """What an answer did: the answer, the categories it flagged (only for "yes"), and whether the
    person should see the crisis resources now ("yes" and "rather_not_say")."""

    answer: str
    flagged: tuple[str, ...]
    show_resources: bool


def questions(categories: tuple[str, ...], loc: Any) -> list[str]:
    """The question for each category, in plain words (interface strings ``check_in_q_<category>``)."""
    return [loc.text(f"check_in_q_{c}") for c in categories]


def check_ins(store: Store, client_id: str | None = None, *, entry_id: str | None = None) -> list[CheckIn]:
    return [CheckIn(*row) for row in store.check_in_rows(client_id, entry_id=entry_id)]


def check_in_for(store: Store, entry_id: str, revision: int) -> CheckIn | None:
    """The check-in asked about this revision of an entry, if there was one."""
    return next((c for c in check_ins(store, entry_id=entry_id) if c.revision == revision), None)


def answer(store: Store, entry_id: str, revision: int, reply: str) -> Outcome:
    """Record the person's answer to the check-in on this revision of an entry."""
    if reply not in ANSWERS:
        raise ValueError(f"a check-in answer is one of {', '.join(ANSWERS)}, not {reply!r}")
    found = check_in_for(store, entry_id, revision)
    if found is None:
        raise NotFoundError("There is no check-in for this entry.")
    store.answer_check_in_row(found.check_in_id, reply)
    if reply == "yes":
        from securebase.safety.mailer import notify_soon

        notify_soon(store)
    return Outcome(reply, found.categories if reply == "yes" else (), reply != "no")

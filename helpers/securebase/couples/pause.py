"""A couple's joint features pause when either partner's entry is flagged for abuse or danger.

* **Raised with the flag.** The store writes the pause in the same transaction as the flag
  (:class:`~securebase.store.couples.CouplesTables`); nothing here has to remember to do it.
* **What pauses.** Sharing a new entry, proposing a protocol version or agreeing to one, and
  reading what the partner shared. Nothing is deleted or unshared: it is only not shown, or not
  allowed, until the pause is lifted. Taking something back (stop sharing, withdraw agreement)
  stays possible.
* **Who is told what.** The refusal (:class:`CouplePaused`) is the same neutral sentence for both
  partners, with no reason and no category. The workbook shows the flagged partner, privately,
  the crisis resources where the couple features would be (:mod:`securebase.ui.couples`).
* **Lifting.** Only a clinician lifts a pause, with a reason (:func:`lift_pause`); it is kept and
  audited, and a later abuse-or-danger flag pauses the couple again.
"""

from __future__ import annotations

from dataclasses import dataclass

from securebase import content
from securebase.core.errors import ContentError, CoupleError, NotFoundError
from securebase.store import CouplePause, Dyad, Store

MIN_REASON = 3


class CouplePaused(CoupleError):
    """A joint feature was refused because the couple is paused (a neutral message: no reason)."""


@dataclass(frozen=True)
class PauseState:
    """An open pause of one couple: since when, and which partners' flags raised it."""

    dyad: Dyad
    since: str
    flagged: frozenset[str]            # the client ids whose entries were flagged (clinician and UI use only)

    def is_flagged(self, client_id: str) -> bool:
        return client_id in self.flagged


def pause_of(store: Store, dyad: Dyad | None) -> PauseState | None:
    """The couple's open pause, or ``None`` when its joint features are available (or there is no couple)."""
    if dyad is None or not dyad.active:
        return None
    since = store.couple_paused_since(dyad.dyad_id)
    if since is None:
        return None
    # On a clinic's store a client's own role sees only their own pause rows, so only their own flag.
    return PauseState(dyad, since, frozenset(p.client_id for p in store.couple_pauses(dyad.dyad_id, open_only=True)))


def paused_couples(store: Store) -> dict[str, PauseState]:
    """``{client id: the open pause of their couple}`` for every client in a paused active couple."""
    by_dyad: dict[str, list[CouplePause]] = {}
    for pause in store.couple_pauses(open_only=True):
        by_dyad.setdefault(pause.dyad_id, []).append(pause)
    found: dict[str, PauseState] = {}
    for dyad_id, pauses in by_dyad.items():
        dyad = store.dyad(dyad_id)
        if dyad is None or not dyad.active:
            continue
        state = PauseState(dyad, pauses[0].paused_at, frozenset(p.client_id for p in pauses))
        for member in dyad.members:
            found[member] = state
    return found


def paused_message(store: Store, client_id: str) -> str:
    """The neutral sentence a partner sees where a paused feature would be, in their language."""
    client = store.get_client(client_id)
    try:
        return content.locale(client.language if client else "en").text("couple_paused")
    except (ContentError, KeyError):  # a language without this string falls back to English
        return content.locale("en").text("couple_paused")


def require_not_paused(store: Store, dyad: Dyad, client_id: str) -> None:
    """Refuse a joint feature with :class:`CouplePaused` while the couple is paused."""
    if pause_of(store, dyad) is not None:
        raise CouplePaused(paused_message(store, client_id))


def lift_pause(store: Store, dyad_id: str, *, reason: str, clinician: str | None = None) -> list[str]:
    """Lift the couple's pause with the clinician's reason (kept and audited); returns the pause ids lifted."""
    dyad = store.dyad(dyad_id)
    if dyad is None:
        raise NotFoundError(f"There is no couple {dyad_id!r} in the store.")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise CoupleError("Say in a few words why the shared features can start again (for example: 'seen both "
                          "partners separately on 3 March; safe to resume'). The reason is kept with the pause.")
    if pause_of(store, dyad) is None:
        raise CoupleError(f"Couple {dyad_id} is not paused, so there is nothing to lift.")
    return store.lift_couple_pauses(dyad_id, lifted_by=clinician or store.actor, reason=reason)

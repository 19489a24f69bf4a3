"""Couples mode: two clients linked as a dyad, each keeping their entries private unless they share.

* **Linking.** :func:`link_couple` links two existing clients as partner A and partner B under a
  new dyad id such as ``D-7KQ2M9``. A client is in at most one active couple. A link is never
  removed, only ended (:func:`end_couple`), and both are audited.
* **Private by default.** Nothing a partner writes is visible to the other until they share
  that entry (:func:`share_entry`). A share pins the revision that was shared: a later edit is
  not shown to the partner until it is shared again, and a deleted entry is no longer shown.
  :func:`unshare_entry` takes a share back. Every decision is kept in an append-only log.
* :func:`shared_with` is the only way to read a partner's entries, and returns only what the
  partner chose to share.
* **Paused.** While the couple is paused after an abuse-or-danger flag (:mod:`securebase.couples.pause`),
  sharing is refused with a neutral message and :func:`shared_with` returns nothing; shares are kept
  and show again once a clinician lifts the pause. Stopping a share stays possible.
"""

from __future__ import annotations

from securebase.core.errors import CoupleError, NotFoundError
from securebase.content import Phase
from securebase.couples.pause import CouplePaused, pause_of, paused_message, require_not_paused
from securebase.store import AlreadyLinked, CouplePausedError, Dyad, Entry, Role, Store

__all__ = ["CoupleError", "Dyad", "Role", "dyad_of", "end_couple", "get_dyad", "link_couple", "list_dyads",
           "partner_entries", "share_entry", "shared_by", "shared_with", "unshare_entry"]


def get_dyad(store: Store, dyad_id: str) -> Dyad:
    dyad = store.dyad(dyad_id)
    if dyad is None:
        raise NotFoundError(f"There is no couple {dyad_id!r} in the store.")
    return dyad


def dyad_of(store: Store, client_id: str) -> Dyad | None:
    """The client's active couple, or ``None`` when they are not (or no longer) linked."""
    return store.active_dyad(client_id)


def list_dyads(store: Store, *, include_ended: bool = False) -> list[Dyad]:
    return store.dyads(include_ended=include_ended)


def link_couple(store: Store, partner_a: str, partner_b: str, *, program_id: str | None = None) -> Dyad:
    """Link two existing clients as a couple; returns the new dyad (audited for both)."""
    if partner_a == partner_b:
        raise CoupleError("A couple needs two different clients; both ids given are the same.")
    for client_id in (partner_a, partner_b):
        store.require_client(client_id)
    try:
        return store.link_dyad(partner_a, partner_b, program_id=program_id)
    except AlreadyLinked as exc:
        raise CoupleError(
            f"{exc.client_id} is already linked in couple {exc.dyad_id}. End that link first "
            f"(securebase couple end {exc.dyad_id}) if the couple has changed."
        ) from None


def end_couple(store: Store, dyad_id: str) -> Dyad:
    """End a couple link. Shares stop being visible; the history of the link is kept."""
    dyad = get_dyad(store, dyad_id)
    if not dyad.active:
        raise CoupleError(f"Couple {dyad_id} was already ended on {dyad.ended_at[:10]}.")
    return store.end_dyad(dyad)


def _require_active(store: Store, client_id: str) -> Dyad:
    dyad = dyad_of(store, client_id)
    if dyad is None:
        raise CoupleError(
            f"{client_id} is not linked with a partner, so there is no one to share with. "
            "Ask your clinician to link you as a couple first."
        )
    return dyad


def share_entry(store: Store, client_id: str, entry_id: str) -> int:
    """Let the partner see the current revision of one of ``client_id``'s own entries; returns that revision."""
    return _decide(store, client_id, entry_id, shared=True)


def unshare_entry(store: Store, client_id: str, entry_id: str) -> int:
    """Stop sharing an entry with the partner; returns the revision the decision refers to."""
    return _decide(store, client_id, entry_id, shared=False)


def _decide(store: Store, client_id: str, entry_id: str, *, shared: bool) -> int:
    dyad = _require_active(store, client_id)
    entry = store.get_entry(entry_id)
    if entry.client_id != client_id:
        raise CoupleError("You can only share your own entries.")
    if entry.deleted and shared:
        raise CoupleError("This entry was deleted, so it cannot be shared.")
    if shared:
        require_not_paused(store, dyad, client_id)
    try:
        store.record_share(entry, dyad.dyad_id, shared=shared)
    except CouplePausedError:  # paused by a save that landed a moment ago
        raise CouplePaused(paused_message(store, client_id)) from None
    return entry.revision


def shared_by(store: Store, client_id: str) -> dict[str, int]:
    """The client's own entries that their partner can see now, as ``{entry_id: shared revision}``."""
    dyad = dyad_of(store, client_id)
    if dyad is None:
        return {}
    shares = store.shared_revisions(dyad.dyad_id, client_id)
    deleted = store.deleted_entry_ids(client_id)
    return {entry_id: rev for entry_id, rev in shares.items() if entry_id not in deleted}


def shared_with(store: Store, client_id: str, *, exercise_id: str | None = None) -> list[Entry]:
    """The entries ``client_id``'s partner shared with them: the shared revision of each, oldest first.

    Returns nothing when the client is not in an active couple or the couple is paused. Entries the
    partner deleted or stopped sharing are not returned.
    """
    dyad = dyad_of(store, client_id)
    if dyad is None or pause_of(store, dyad) is not None:
        return []
    partner = dyad.partner_of(client_id)
    entries = []
    for entry_id, revision in shared_by(store, partner).items():
        entry = store.entry_at(entry_id, revision)
        if entry is None:
            continue
        if exercise_id is None or entry.exercise_id == exercise_id:
            entries.append(entry)
    return sorted(entries, key=lambda e: (e.occurred_at, e.recorded_at))


def partner_entries(store: Store, client_id: str, phase: Phase) -> dict[str, list[Entry]]:
    """``{exercise id: [the partner's entries shared with client_id]}`` for the exercises of ``phase``."""
    return {ex.id: shared_with(store, client_id, exercise_id=ex.id) for ex in phase.exercises}

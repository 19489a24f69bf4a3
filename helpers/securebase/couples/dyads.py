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
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from securebase.core.errors import NotFoundError, SecureBaseError
from securebase.core.ids import new_client_id
from securebase.content import Phase
from securebase.store import ENTRY_COLUMNS, Entry, Store, utc_now

Role = Literal["A", "B"]


class CoupleError(SecureBaseError):
    """A couples operation that cannot be done (a clear message says why and what to do)."""


@dataclass(frozen=True)
class Dyad:
    dyad_id: str
    partner_a: str
    partner_b: str
    program_id: str | None
    created_at: str
    ended_at: str | None

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def members(self) -> tuple[str, str]:
        return (self.partner_a, self.partner_b)

    def role_of(self, client_id: str) -> Role:
        if client_id == self.partner_a:
            return "A"
        if client_id == self.partner_b:
            return "B"
        raise CoupleError(f"{client_id!r} is not a partner in couple {self.dyad_id}.")

    def partner_of(self, client_id: str) -> str:
        return self.partner_b if self.role_of(client_id) == "A" else self.partner_a

    def person_number(self, client_id: str) -> int:
        """1 for partner A, 2 for partner B: the ``person`` column of dyadic data sets."""
        return 1 if self.role_of(client_id) == "A" else 2


_DYAD_COLUMNS = "dyad_id, partner_a, partner_b, program_id, created_at, ended_at"


def _dyad(row: tuple | None) -> Dyad | None:
    return Dyad(*row) if row else None


def get_dyad(store: Store, dyad_id: str) -> Dyad:
    dyad = _dyad(store._db.execute(f"SELECT {_DYAD_COLUMNS} FROM dyads WHERE dyad_id = ?", (dyad_id,)).fetchone())
    if dyad is None:
        raise NotFoundError(f"There is no couple {dyad_id!r} in the store.")
    return dyad


def dyad_of(store: Store, client_id: str) -> Dyad | None:
    """The client's active couple, or ``None`` when they are not (or no longer) linked."""
    return _dyad(store._db.execute(
        f"SELECT {_DYAD_COLUMNS} FROM dyads WHERE ended_at IS NULL AND ? IN (partner_a, partner_b)", (client_id,)
    ).fetchone())


def list_dyads(store: Store, *, include_ended: bool = False) -> list[Dyad]:
    sql = f"SELECT {_DYAD_COLUMNS} FROM dyads"
    if not include_ended:
        sql += " WHERE ended_at IS NULL"
    return [Dyad(*row) for row in store._db.execute(sql + " ORDER BY created_at, dyad_id").fetchall()]


def link_couple(store: Store, partner_a: str, partner_b: str, *, program_id: str | None = None) -> Dyad:
    """Link two existing clients as a couple; returns the new dyad (audited for both)."""
    if partner_a == partner_b:
        raise CoupleError("A couple needs two different clients; both ids given are the same.")
    for client_id in (partner_a, partner_b):
        store.require_client(client_id)
    with store._write() as db:
        for client_id in (partner_a, partner_b):
            row = db.execute(
                "SELECT dyad_id FROM dyads WHERE ended_at IS NULL AND ? IN (partner_a, partner_b)", (client_id,)
            ).fetchone()
            if row:
                raise CoupleError(
                    f"{client_id} is already linked in couple {row[0]}. End that link first "
                    f"(securebase couple end {row[0]}) if the couple has changed."
                )
        while True:
            dyad_id = new_client_id("D")
            if db.execute("SELECT 1 FROM dyads WHERE dyad_id = ?", (dyad_id,)).fetchone() is None:
                break
        db.execute(
            f"INSERT INTO dyads ({_DYAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL)",
            (dyad_id, partner_a, partner_b, program_id, utc_now()),
        )
        for client_id, role in ((partner_a, "A"), (partner_b, "B")):
            store._audit(db, "couple_link", "dyad", dyad_id, client_id, {"role": role})
    return get_dyad(store, dyad_id)


def end_couple(store: Store, dyad_id: str) -> Dyad:
    """End a couple link. Shares stop being visible; the history of the link is kept."""
    dyad = get_dyad(store, dyad_id)
    if not dyad.active:
        raise CoupleError(f"Couple {dyad_id} was already ended on {dyad.ended_at[:10]}.")
    with store._write() as db:
        db.execute("UPDATE dyads SET ended_at = ? WHERE dyad_id = ?", (utc_now(), dyad_id))
        for client_id in dyad.members:
            store._audit(db, "couple_unlink", "dyad", dyad_id, client_id, {})
    return get_dyad(store, dyad_id)


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
    with store._write() as db:
        db.execute(
            "INSERT INTO entry_shares (entry_id, revision, client_id, dyad_id, shared, at) VALUES (?, ?, ?, ?, ?, ?)",
            (entry_id, entry.revision, client_id, dyad.dyad_id, int(shared), utc_now()),
        )
        store._audit(db, "share" if shared else "unshare", "entry", entry_id, client_id,
                     {"dyad_id": dyad.dyad_id, "revision": entry.revision})
    return entry.revision


def _latest_shares(store: Store, dyad_id: str, owner: str) -> dict[str, int]:
    """``{entry_id: revision}`` of the owner's entries whose latest decision in this couple is "shared"."""
    rows = store._db.execute(
        "SELECT s.entry_id, s.revision, s.shared FROM entry_shares AS s "
        "WHERE s.dyad_id = ? AND s.client_id = ? AND s.seq = "
        "(SELECT MAX(seq) FROM entry_shares WHERE dyad_id = s.dyad_id AND entry_id = s.entry_id)",
        (dyad_id, owner),
    ).fetchall()
    return {entry_id: revision for entry_id, revision, shared in rows if shared}


def shared_by(store: Store, client_id: str) -> dict[str, int]:
    """The client's own entries that their partner can see now, as ``{entry_id: shared revision}``."""
    dyad = dyad_of(store, client_id)
    if dyad is None:
        return {}
    shares = _latest_shares(store, dyad.dyad_id, client_id)
    deleted = {
        entry_id for (entry_id,) in store._db.execute(
            "SELECT entry_id FROM entry_heads WHERE client_id = ? AND deleted = 1", (client_id,)
        ).fetchall()
    }
    return {entry_id: rev for entry_id, rev in shares.items() if entry_id not in deleted}


def shared_with(store: Store, client_id: str, *, exercise_id: str | None = None) -> list[Entry]:
    """The entries ``client_id``'s partner shared with them: the shared revision of each, oldest first.

    Returns nothing when the client is not in an active couple. Entries the partner deleted or
    stopped sharing are not returned.
    """
    dyad = dyad_of(store, client_id)
    if dyad is None:
        return []
    partner = dyad.partner_of(client_id)
    entries = []
    for entry_id, revision in shared_by(store, partner).items():
        row = store._db.execute(
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE entry_id = ? AND revision = ?", (entry_id, revision)
        ).fetchone()
        if row is None:
            continue
        entry = Entry.from_row(row)
        if exercise_id is None or entry.exercise_id == exercise_id:
            entries.append(entry)
    return sorted(entries, key=lambda e: (e.occurred_at, e.recorded_at))


def partner_entries(store: Store, client_id: str, phase: Phase) -> dict[str, list[Entry]]:
    """``{exercise id: [the partner's entries shared with client_id]}`` for the exercises of ``phase``."""
    return {ex.id: shared_with(store, client_id, exercise_id=ex.id) for ex in phase.exercises}

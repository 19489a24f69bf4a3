"""People and their roles in a clinic's PostgreSQL store (``securebase users``): each person gets their own
database login role, ``sb_<name>``, in one group role (:mod:`securebase.store.access_pg`), and the store
records who they are, which clinicians a client is assigned to and which clinicians a supervisor
supervises. The row-level security policies read exactly these records. A mixin of the store.

Run by the store's owner (the role that ran ``securebase init``, which may create roles). No password is
set: people log in by peer authentication on the server's Unix socket (the clinic server maps each
hub user to their role), or the administrator sets one with ``\\password`` in ``psql``, never on a
command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from securebase.core.errors import NotFoundError, StoreError
from securebase.core.ids import validate_client_id
from securebase.store.access_pg import GROUP, KINDS, role_name
from securebase.store.records import utc_now

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.database import Store


@dataclass(frozen=True)
class Person:
    name: str
    db_role: str
    kind: str
    client_id: str | None
    disabled: bool
    clinicians: tuple[str, ...]   # a client's clinicians, or the clinicians a supervisor supervises


class PeopleTables:
    def _people_store(self: "Store") -> None:
        if self.url is None:
            raise StoreError("People, roles and caseloads belong to a clinic's shared PostgreSQL store "
                             "(SECUREBASE_DATABASE_URL, see the README); the embedded SQLite store is one person's.")

    def _person(self: "Store", db, name: str) -> tuple[str, str, int] | None:
        row = db.execute("SELECT db_role, kind, disabled FROM people WHERE name = ?", (name,)).fetchone()
        return tuple(row) if row else None

    def _existing_person(self: "Store", db, name: str) -> tuple[str, str, int, str | None]:
        row = db.execute("SELECT db_role, kind, disabled, client_id FROM people WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"There is no person {name!r}; `securebase users list` shows who there is.")
        return tuple(row)

    def _clinician_role(self: "Store", db, name: str) -> str:
        found = self._person(db, name)
        if found is None or found[1] != "clinician":
            raise NotFoundError(f"There is no clinician {name!r}: add them first with "
                                f"`securebase users add {name} --role clinician`.")
        return found[0]

    def add_person(self: "Store", name: str, kind: str, *, client_id: str | None = None,
                   clinicians: Sequence[str] = ()) -> Person:
        """Add a person with their own login role; a client is assigned to ``clinicians`` (one at least),
        a supervisor supervises them. Audited ("user_add")."""
        self._people_store()
        if kind not in KINDS:
            raise StoreError(f"{kind!r} is not a role; choose one of {', '.join(KINDS)}.")
        role = role_name(name)
        if kind == "client":
            if not client_id:
                raise StoreError("A client's login needs their client code: add --client C-XXXX.")
            validate_client_id(client_id)
            if not clinicians:
                raise StoreError("A client is assigned to one or more clinicians: add --clinician NAME.")
        elif client_id:
            raise StoreError("--client is only for a person with the client role.")
        if clinicians and kind not in ("client", "supervisor"):
            raise StoreError("--clinician assigns a client to a clinician, or a clinician to a supervisor.")
        with self._write() as db:
            if self._person(db, name) is not None:
                raise StoreError(f"There is already a person called {name!r}; choose another name.")
            if db.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", (role,)).fetchone():
                raise StoreError(f"The database already has a role {role}; choose another name, or ask the "
                                 "database administrator whose role it is.")
            chosen = [self._clinician_role(db, clinician) for clinician in dict.fromkeys(clinicians)]
            if client_id is not None:
                if db.execute("SELECT 1 FROM people WHERE client_id = ?", (client_id,)).fetchone():
                    raise StoreError(f"The client {client_id} already has a login.")
                others = sorted({r[0] for r in db.execute("SELECT p.name FROM caseload c JOIN people p ON "
                                                          "p.db_role = c.clinician WHERE c.client_id = ?", (client_id,))}
                                - set(clinicians))
                if others:   # a clinician added this code first: the owner must mean it
                    raise StoreError(f"The client {client_id} is already in the caseload of {', '.join(others)}. "
                                     "Name every clinician they should have with --clinician (or check the code).")
                now = utc_now()
                db.execute("INSERT INTO clients (client_id, language, created_at, updated_at) VALUES (?, 'en', ?, ?) "
                           "ON CONFLICT DO NOTHING", (client_id, now, now))
            db.script(f'CREATE ROLE "{role}" LOGIN IN ROLE {GROUP[kind]}')   # role_name allows [a-z0-9_] only
            # a transaction left open holds up everyone's writes: the server ends it
            db.script(f"ALTER ROLE \"{role}\" SET idle_in_transaction_session_timeout = '60s'")
            db.execute("INSERT INTO people (name, db_role, kind, client_id, disabled, created_at) "
                       "VALUES (?, ?, ?, ?, 0, ?)", (name, role, kind, client_id, utc_now()))
            for clinician in chosen:
                self._assign(db, role, kind, client_id, clinician)
            self._audit(db, "user_add", "person", role, client_id, {"kind": kind})
        return self.person(name)

    def _assign(self: "Store", db, role: str, kind: str, client_id: str | None, clinician: str) -> None:
        if kind == "client":
            db.execute("INSERT INTO caseload (clinician, client_id, assigned_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                       (clinician, client_id, utc_now()))
        else:
            db.execute("INSERT INTO supervision (supervisor, clinician, assigned_at) VALUES (?, ?, ?) "
                       "ON CONFLICT DO NOTHING", (role, clinician, utc_now()))

    def assign_person(self: "Store", name: str, clinician: str, *, remove: bool = False) -> None:
        """Assign a client to one more clinician, or a clinician to a supervisor (audited "user_assign"); with
        ``remove``, take the assignment back ("user_unassign"): a client keeps one clinician at least."""
        self._people_store()
        with self._write() as db:
            role, kind, _disabled, client_id = self._existing_person(db, name)
            if kind not in ("client", "supervisor"):
                raise StoreError(f"{name} is a {kind}: only clients and supervisors are assigned to clinicians.")
            target = self._clinician_role(db, clinician)
            if not remove:
                self._assign(db, role, kind, client_id, target)
            elif kind == "client":
                if db.execute("SELECT COUNT(*) FROM caseload WHERE client_id = ? AND clinician <> ?",
                              (client_id, target)).scalar_one() == 0:
                    raise StoreError(f"{clinician} is {name}'s only clinician: assign another one first.")
                db.execute("DELETE FROM caseload WHERE client_id = ? AND clinician = ?", (client_id, target))
            else:
                db.execute("DELETE FROM supervision WHERE supervisor = ? AND clinician = ?", (role, target))
            self._audit(db, "user_unassign" if remove else "user_assign", "person", role, client_id,
                        {"clinician": target})

    def disable_person(self: "Store", name: str) -> bool:
        """Stop a person from logging in (their role keeps no access; their records stay). False when they
        already were disabled. Audited ("user_disable")."""
        self._people_store()
        with self._write() as db:
            role, kind, disabled, _client = self._existing_person(db, name)
            if disabled:
                return False
            db.script(f'ALTER ROLE "{role}" NOLOGIN')
            db.script(f'REVOKE {GROUP[kind]} FROM "{role}"')   # and a session still open loses its access
            db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ? AND "
                       "pid <> pg_backend_pid()", (role,))
            db.execute("UPDATE people SET disabled = 1 WHERE name = ?", (name,))
            self._audit(db, "user_disable", "person", role, None, {"kind": kind})
        return True

    def me(self: "Store") -> Person | None:
        """The person logged in to a clinic's store; None on the embedded store, or for the store's owner."""
        if self.url is None:
            return None
        row = self._db.execute("SELECT name FROM people WHERE db_role = session_user").fetchone()
        return self.person(row[0]) if row else None

    def person(self: "Store", name: str) -> Person:
        found = [p for p in self.people() if p.name == name]
        if not found:
            raise NotFoundError(f"There is no person {name!r}.")
        return found[0]

    def people(self: "Store") -> list[Person]:
        self._people_store()
        links: dict[str, list[str]] = {}
        for role, client_id in self._db.execute("SELECT clinician, client_id FROM caseload ORDER BY clinician"):
            links.setdefault(client_id, []).append(role)
        for supervisor, clinician in self._db.execute("SELECT supervisor, clinician FROM supervision ORDER BY clinician"):
            links.setdefault(supervisor, []).append(clinician)
        names = dict(self._db.execute("SELECT db_role, name FROM people").fetchall())
        rows = self._db.execute("SELECT name, db_role, kind, client_id, disabled FROM people ORDER BY kind, name")
        return [Person(name, role, kind, client_id, bool(disabled),
                       tuple(names.get(r, r) for r in links.get(client_id if kind == "client" else role, ())))
                for name, role, kind, client_id, disabled in rows]

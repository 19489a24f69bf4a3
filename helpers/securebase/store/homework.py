"""Homework in the store (schema 10): what a clinician assigned, the client's private calendar feeds, their
reminder settings, and the reminders already sent. A mixin of :class:`~securebase.store.database.Store`.

* ``homework``: one exercise, how often (daily, twice daily, weekly), at what local times, from and until
  which date. Append-only: a change is the old assignment ended (``homework_ends``) and a new one.
* ``calendar_feeds``: a feed's secret is never stored, only its SHA-256 (``feed_hash``), so a person who can
  read the table cannot subscribe to anyone's calendar. Revoking adds a row to ``calendar_feed_revocations``.
* ``reminder_settings``: the client's e-mail address for reminders (or none) and time zone.
* ``reminders_sent``: one row per client and local day, so a reminder goes out once.

On PostgreSQL (:func:`pg_statements`) only a clinician of the client's caseload assigns or ends homework; the
client and their clinicians make, revoke and read the client's feeds and settings; supervisors read. The
reminder sender and the feed server run as the store's owner, like the safety notifications.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from securebase.core.errors import NotFoundError, StoreError
from securebase.store.records import utc_now

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.database import Store

FREQUENCIES = {"daily": 1, "twice_daily": 2, "weekly": 1}   # how often, and how many times a day it is set

_TABLES = """
CREATE TABLE IF NOT EXISTS homework (
    assignment_id TEXT PRIMARY KEY,
    client_id     TEXT NOT NULL REFERENCES clients (client_id),
    program_id    TEXT NOT NULL,
    exercise_id   TEXT NOT NULL,
    frequency     TEXT NOT NULL CHECK (frequency IN ('daily', 'twice_daily', 'weekly')),
    times         TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    until         TEXT NOT NULL,
    assigned_by   TEXT NOT NULL,
    assigned_at   TEXT NOT NULL,
    CHECK (until >= starts_on)
);
CREATE INDEX IF NOT EXISTS homework_client ON homework (client_id);
CREATE TABLE IF NOT EXISTS homework_ends (
    assignment_id TEXT PRIMARY KEY REFERENCES homework (assignment_id),
    ended_on      TEXT NOT NULL,
    ended_by      TEXT NOT NULL,
    ended_at      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS calendar_feeds (
    feed_hash  TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES clients (client_id),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS calendar_feed_revocations (
    feed_hash  TEXT PRIMARY KEY REFERENCES calendar_feeds (feed_hash),
    revoked_by TEXT NOT NULL,
    revoked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reminder_settings (
    client_id TEXT PRIMARY KEY REFERENCES clients (client_id),
    email     TEXT,
    time_zone TEXT NOT NULL,
    set_by    TEXT NOT NULL,
    set_at    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reminders_sent (
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    local_day TEXT NOT NULL,
    sent_at   TEXT NOT NULL,
    PRIMARY KEY (client_id, local_day)
);
"""
APPEND_ONLY = ("homework", "homework_ends", "calendar_feeds", "calendar_feed_revocations", "reminders_sent")
TABLES = (*APPEND_ONLY, "reminder_settings")
_NO_CHANGE = """CREATE TRIGGER IF NOT EXISTS {table}_no_{verb} BEFORE {command} ON {table}
BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"""
SQLITE_TRIGGERS = frozenset(f"{t}_no_{v}" for t in APPEND_ONLY for v in ("update", "delete"))


def sqlite_statements() -> list[str]:
    tables = [s.strip().replace("\n);", "\n) STRICT") for s in _TABLES.split(";") if s.strip()]
    triggers = [_NO_CHANGE.format(table=t, verb=v, command=v.upper()) for t in APPEND_ONLY for v in ("update", "delete")]
    return tables + triggers


def pg_statements() -> list[str]:
    """The tables on PostgreSQL, their grants and their row-level security (after schema 9's groups)."""
    from securebase.store.access_pg import GROUP, READABLE as readable, WRITABLE as writable, policy
    clinician = "securebase_my_kind() = 'clinician'"
    out = [s.strip().replace("TEXT", "text") for s in _TABLES.split(";") if s.strip()]
    groups = ", ".join(GROUP.values())
    out.append(f"REVOKE ALL ON {', '.join(TABLES)} FROM PUBLIC")
    people = f"{GROUP['client']}, {GROUP['clinician']}, {GROUP['supervisor']}"
    out.append(f"GRANT SELECT ON {', '.join(TABLES)} TO {people}")
    out.append(f"GRANT INSERT ON homework, homework_ends TO {GROUP['clinician']}")
    out.append(f"GRANT INSERT ON calendar_feeds, calendar_feed_revocations, reminder_settings TO "
               f"{GROUP['client']}, {GROUP['clinician']}")
    out.append(f"GRANT UPDATE ON reminder_settings TO {GROUP['client']}, {GROUP['clinician']}")
    out.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY)} FROM PUBLIC, {groups}")
    policies = {
        "homework": [("read", "SELECT", readable, None),
                     ("add", "INSERT", None, f"{writable} AND {clinician} AND assigned_by = session_user")],
        "homework_ends": [("read", "SELECT", "assignment_id IN (SELECT assignment_id FROM homework)", None),
                          ("add", "INSERT", None, f"assignment_id IN (SELECT assignment_id FROM homework WHERE "
                                                  f"{writable}) AND {clinician} AND ended_by = session_user")],
        "calendar_feeds": [("read", "SELECT", readable, None),
                           ("add", "INSERT", None, f"{writable} AND created_by = session_user")],
        "calendar_feed_revocations": [
            ("read", "SELECT", "feed_hash IN (SELECT feed_hash FROM calendar_feeds)", None),
            ("add", "INSERT", None, f"feed_hash IN (SELECT feed_hash FROM calendar_feeds WHERE {writable}) "
                                    "AND revoked_by = session_user")],
        "reminder_settings": [("read", "SELECT", readable, None),
                              ("add", "INSERT", None, f"{writable} AND set_by = session_user"),
                              ("change", "UPDATE", writable, f"{writable} AND set_by = session_user")],
        "reminders_sent": [("read", "SELECT", readable, None)],
    }
    for table, rules in policies.items():
        out.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        out += [policy(table, name, command, using, check) for name, command, using, check in rules]
    return out


def feed_hash(secret: str) -> str:
    """What the store keeps of a feed's secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Assignment:
    assignment_id: str
    client_id: str
    program_id: str
    exercise_id: str
    frequency: str
    times: tuple[str, ...]   # local times of day, "HH:MM", one per time a day it is set
    starts_on: date
    until: date
    assigned_by: str
    assigned_at: str
    ended_on: date | None = None   # the last day it was set, when it was ended before ``until``
    ended_at: str | None = None

    @property
    def last_day(self) -> date:
        return min(self.until, self.ended_on) if self.ended_on else self.until

    def active_on(self, day: date) -> bool:
        return self.starts_on <= day <= self.last_day


@dataclass(frozen=True)
class ReminderSettings:
    client_id: str
    email: str | None
    time_zone: str
    set_by: str
    set_at: str


_ASSIGNMENT_SQL = ("SELECT h.assignment_id, h.client_id, h.program_id, h.exercise_id, h.frequency, h.times, "
                   "h.starts_on, h.until, h.assigned_by, h.assigned_at, e.ended_on, e.ended_at FROM homework h "
                   "LEFT JOIN homework_ends e ON e.assignment_id = h.assignment_id")


def _assignment(row) -> Assignment:
    return Assignment(row[0], row[1], row[2], row[3], row[4], tuple(row[5].split(",")), date.fromisoformat(row[6]),
                      date.fromisoformat(row[7]), row[8], row[9],
                      date.fromisoformat(row[10]) if row[10] else None, row[11])


class HomeworkTables:
    def assign_homework(self: "Store", client_id: str, *, program_id: str, exercise_id: str, frequency: str,
                        times: tuple[str, ...], starts_on: date, until: date) -> Assignment:
        """Record an assignment (checked against the content by :mod:`securebase.homework`). Audited."""
        if frequency not in FREQUENCIES or len(times) != FREQUENCIES[frequency]:
            raise StoreError(f"An assignment's frequency is one of {', '.join(FREQUENCIES)}, with one time a day "
                             "for each time it is set.")
        if until < starts_on:
            raise StoreError("An assignment cannot end before it starts.")
        assignment_id = "H-" + uuid.uuid4().hex[:12]
        with self._write() as db:
            if db.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone() is None:
                raise NotFoundError(f"There is no client {client_id!r} in the store.")
            db.execute("INSERT INTO homework (assignment_id, client_id, program_id, exercise_id, frequency, times, "
                       "starts_on, until, assigned_by, assigned_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (assignment_id, client_id, program_id, exercise_id, frequency, ",".join(times),
                        starts_on.isoformat(), until.isoformat(), self.actor, utc_now()))
            self._audit(db, "homework_assign", "homework", assignment_id, client_id,
                        {"exercise_id": exercise_id, "frequency": frequency, "until": until.isoformat()})
        return self.assignment(assignment_id)

    def end_homework(self: "Store", assignment_id: str, last_day: date) -> Assignment:
        """End an assignment after ``last_day`` (the last day it is set). Audited."""
        found = self.assignment(assignment_id)
        if found.ended_on is not None:
            raise StoreError(f"The assignment {assignment_id} was already ended on {found.ended_on}.")
        last_day = max(min(last_day, found.until), found.starts_on - date.resolution)
        with self._write() as db:
            db.execute("INSERT INTO homework_ends (assignment_id, ended_on, ended_by, ended_at) VALUES (?, ?, ?, ?)",
                       (assignment_id, last_day.isoformat(), self.actor, utc_now()))
            self._audit(db, "homework_end", "homework", assignment_id, found.client_id, {"ended_on": last_day.isoformat()})
        return self.assignment(assignment_id)

    def assignment(self: "Store", assignment_id: str) -> Assignment:
        row = self._db.execute(_ASSIGNMENT_SQL + " WHERE h.assignment_id = ?", (assignment_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"There is no assignment {assignment_id!r}; `securebase homework list CLIENT` "
                                "shows a client's assignments.")
        return _assignment(row)

    def assignments(self: "Store", client_id: str | None = None) -> list[Assignment]:
        """Assignments (ended ones too), oldest first; every client's when ``client_id`` is None."""
        sql, params = _ASSIGNMENT_SQL, ()
        if client_id is not None:
            sql, params = sql + " WHERE h.client_id = ?", (client_id,)
        return [_assignment(r) for r in self._db.execute(sql + " ORDER BY h.assigned_at, h.assignment_id", params)]

    # ------------------------------------------------------------ calendar feeds

    def add_calendar_feed(self: "Store", client_id: str, secret: str) -> None:
        """Record a new feed for the client (its secret's hash). Audited, without the secret."""
        digest = feed_hash(secret)
        with self._write() as db:
            if db.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone() is None:
                raise NotFoundError(f"There is no client {client_id!r} in the store.")
            db.execute("INSERT INTO calendar_feeds (feed_hash, client_id, created_by, created_at) VALUES (?, ?, ?, ?)",
                       (digest, client_id, self.actor, utc_now()))
            self._audit(db, "calendar_feed_add", "calendar_feed", digest[:12], client_id)

    def revoke_calendar_feeds(self: "Store", client_id: str) -> int:
        """Revoke every open feed of the client; how many there were. Audited."""
        with self._write() as db:
            open_feeds = [r[0] for r in db.execute(
                "SELECT f.feed_hash FROM calendar_feeds f LEFT JOIN calendar_feed_revocations r ON r.feed_hash = "
                "f.feed_hash WHERE f.client_id = ? AND r.feed_hash IS NULL", (client_id,))]
            for digest in open_feeds:
                db.execute("INSERT INTO calendar_feed_revocations (feed_hash, revoked_by, revoked_at) VALUES (?, ?, ?)",
                           (digest, self.actor, utc_now()))
                self._audit(db, "calendar_feed_revoke", "calendar_feed", digest[:12], client_id)
        return len(open_feeds)

    def calendar_feed_client(self: "Store", secret: str) -> str | None:
        """The client whose open feed has this secret, or None (unknown or revoked)."""
        row = self._db.execute(
            "SELECT f.client_id FROM calendar_feeds f LEFT JOIN calendar_feed_revocations r ON r.feed_hash = "
            "f.feed_hash WHERE f.feed_hash = ? AND r.feed_hash IS NULL", (feed_hash(secret),)).fetchone()
        return row[0] if row else None

    def open_calendar_feeds(self: "Store", client_id: str) -> int:
        return self._db.execute(
            "SELECT COUNT(*) FROM calendar_feeds f LEFT JOIN calendar_feed_revocations r ON r.feed_hash = f.feed_hash "
            "WHERE f.client_id = ? AND r.feed_hash IS NULL", (client_id,)).scalar_one()

    # ------------------------------------------------------------ reminders

    def set_reminders(self: "Store", client_id: str, *, email: str | None, time_zone: str) -> ReminderSettings:
        """The client's reminder address (None: no e-mails) and time zone. Audited, without the address."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone() is None:
                raise NotFoundError(f"There is no client {client_id!r} in the store.")
            db.execute("INSERT INTO reminder_settings (client_id, email, time_zone, set_by, set_at) VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT (client_id) DO UPDATE SET email = excluded.email, time_zone = excluded.time_zone, "
                       "set_by = excluded.set_by, set_at = excluded.set_at",
                       (client_id, email, time_zone, self.actor, utc_now()))
            self._audit(db, "reminder_set", "client", client_id, client_id,
                        {"email": bool(email), "time_zone": time_zone})
        found = self.reminder_settings(client_id)
        assert found is not None
        return found

    def reminder_settings(self: "Store", client_id: str) -> ReminderSettings | None:
        row = self._db.execute("SELECT client_id, email, time_zone, set_by, set_at FROM reminder_settings "
                               "WHERE client_id = ?", (client_id,)).fetchone()
        return ReminderSettings(*row) if row else None

    def all_reminder_settings(self: "Store") -> list[ReminderSettings]:
        return [ReminderSettings(*r) for r in self._db.execute(
            "SELECT client_id, email, time_zone, set_by, set_at FROM reminder_settings ORDER BY client_id")]

    def reminder_sent(self: "Store", client_id: str, local_day: date) -> bool:
        """Record that the day's reminder went to the client; False when it already had (nothing changes)."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM reminders_sent WHERE client_id = ? AND local_day = ?",
                          (client_id, local_day.isoformat())).fetchone():
                return False
            db.execute("INSERT INTO reminders_sent (client_id, local_day, sent_at) VALUES (?, ?, ?)",
                       (client_id, local_day.isoformat(), utc_now()))
            self._audit(db, "reminder_send", "client", client_id, client_id, {"day": local_day.isoformat()})
        return True

    def reminders_sent_on(self: "Store", local_day: date) -> set[str]:
        return {r[0] for r in self._db.execute("SELECT client_id FROM reminders_sent WHERE local_day = ?",
                                               (local_day.isoformat(),))}

"""The store's interface: everything the rest of the package may ask of a store.

:class:`~securebase.store.database.Store` implements it on the embedded SQLite file; a clinic's
shared PostgreSQL store implements the same methods. Nothing outside ``store/`` sees a connection
or SQL: domain modules (couples, protocol, assessments, safety flags, workshops) call these
methods, and each write runs in one transaction with its audit row (and its safety flag).
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from securebase.store.check_ins import CheckInRow
    from securebase.store.records import Assessment, Client, CouplePause, Dyad, Entry, EntryRef, ProtocolRecord
    from securebase.store.flags import FlagRow
    from securebase.store.consents import Consent
    from securebase.store.erasure import ErasureReport
    from securebase.store.homework import Assignment, ReminderSettings
    from securebase.store.people import Person


class EntryStore(ABC):
    """A store of clients, append-only entry revisions, couples, assessments, flags and audit rows."""

    actor: str

    # ------------------------------------------------------------ clients, entries, groups, polls, audit and upkeep
    @abstractmethod
    def close(self) -> None:
        ...

    @abstractmethod
    def ensure_client(
        self, client_id: str, *, program_id: str | None=None, start_date: date | None=None, language: str='en',
    ) -> Client:
        """Return the client, creating it (audited) if it does not exist yet."""

    @abstractmethod
    def get_client(self, client_id: str) -> Client | None:
        ...

    @abstractmethod
    def list_clients(self) -> list[Client]:
        ...

    @abstractmethod
    def set_archived(self, client_id: str, archived: bool) -> bool:
        ...

    @abstractmethod
    def archived_client_ids(self) -> set[str]:
        ...

    @abstractmethod
    def update_client(
        self, client_id: str, *, program_id: Any=..., start_date: Any=..., phase_override: Any=...,
        language: Any=...,
    ) -> Client:
        """Change a client's settings (program, start date, phase override, language); audited."""

    @abstractmethod
    def require_client(self, client_id: str) -> Client:
        ...

    @abstractmethod
    def add_entry(
        self, client_id: str, *, program_id: str, phase_id: str, exercise_id: str, content_version: str,
        data: dict[str, Any], occurred_at: str, source_key: str | None=None, safety_categories: Sequence[str]=(),
        check_in_categories: Sequence[str]=(),
    ) -> EntryRef:
        """Save a new entry (revision 1). Returns only after the commit is on disk."""

    @abstractmethod
    def revise_entry(
        self, entry_id: str, *, data: dict[str, Any] | None=None, occurred_at: str | None=None,
        content_version: str | None=None, expected_revision: int | None=None, deleted: bool=False,
        safety_categories: Sequence[str]=(), check_in_categories: Sequence[str]=(),
    ) -> EntryRef:
        """Add a revision to an entry. Unspecified parts are carried over from the latest revision."""

    @abstractmethod
    def delete_entry(self, entry_id: str, *, expected_revision: int | None=None) -> EntryRef:
        """Mark an entry deleted by adding a tombstone revision; earlier revisions stay."""

    @abstractmethod
    def entry_revisions(self, entry_id: str) -> list[Entry]:
        ...

    @abstractmethod
    def client_revisions(self, client_id: str) -> list[Entry]:
        """Every revision of every entry of a client (tombstones included), oldest first."""

    @abstractmethod
    def get_entry(self, entry_id: str) -> Entry:
        ...

    @abstractmethod
    def current_entries(
        self, client_id: str, *, exercise_id: str | None=None, program_id: str | None=None,
        include_deleted: bool=False,
    ) -> list[Entry]:
        """The latest revision of each of a client's entries, oldest event first."""

    @abstractmethod
    def history_frame(
        self, client_id: str, *, exercise_id: str | None=None, program_id: str | None=None,
    ) -> 'pd.DataFrame':
        """A client's current entries as a DataFrame: metadata columns, then one column per answer."""

    @abstractmethod
    def latest_entry_times(self) -> dict[str, str]:
        """``{client id: occurred_at of their latest current entry}`` for clients with entries (one query)."""

    @abstractmethod
    def count_entries(self, client_id: str | None=None) -> int:
        """How many entries (not revisions) exist, optionally for one client."""

    @abstractmethod
    def import_revisions(
        self, revisions: Sequence[Entry], *, source: str, safety: dict[tuple[str, int], Sequence[str]] | None=None,
        check_ins: dict[tuple[str, int], tuple[Sequence[str], str | None]] | None=None,
    ) -> dict[str, int]:
        """Copy entry revisions from another store (a participant's returned workbook) as they are: same entry id,
        revision, times and answers. Idempotent: a revision already here with the same content is skipped; one that
        differs is a conflict and is left out (counted). ``safety`` maps (entry id, revision) to the categories the
        screen found; a flag is raised in the same transaction. ``check_ins`` maps (entry id, revision) to the
        categories of the check-in it asks and the answer already given in the person's own workbook (or ``None``);
        both are recorded in the same transaction. All revisions go in one transaction; ``source`` (no
        client text) is recorded in the audit. Returns ``{"added", "present", "conflicts"}``."""

    @abstractmethod
    def add_group_member(self, group_id: str, client_id: str) -> bool:
        """Put a client in a group (audited); False when they were already in it."""

    @abstractmethod
    def group_members(self, group_id: str) -> list[str]:
        ...

    @abstractmethod
    def groups(self) -> list[str]:
        ...

    @abstractmethod
    def add_poll_vote(self, session_id: str, poll_id: str, option_id: str) -> None:
        """Record one anonymous poll answer (no client id is stored)."""

    @abstractmethod
    def poll_counts(self, session_id: str, poll_id: str) -> dict[str, int]:
        """``{option id: answers}`` for one poll of one session (options nobody chose are absent)."""

    @abstractmethod
    def record_export(self, *, what: str, client_ids: list[str] | None=None, detail: dict | None=None) -> None:
        """Audit an export. ``detail`` must hold no client text (ids, counts, options only)."""

    @abstractmethod
    def record_read(self, client_id: str, page: str) -> None:
        """Audit that a page showing the client's records was opened."""

    @abstractmethod
    def audit_log(self, *, client_id: str | None=None, limit: int | None=None) -> list[dict[str, Any]]:
        ...

    @abstractmethod
    def integrity_check(self) -> str:
        ...

    @abstractmethod
    def verify_audit(self) -> Any:
        """Recompute the audit log's hash chain: a report of how many rows were checked, and the first
        audit id where the chain breaks (None when it is intact)."""

    @abstractmethod
    def backup(self, destination: str | os.PathLike[str]) -> Path:
        """Write a consistent copy of the live store (never copy the file itself)."""


    # ------------------------------------------------------------ couples: dyads, shares, the protocol
    @abstractmethod
    def dyad(self, dyad_id: str) -> Dyad | None:
        ...

    @abstractmethod
    def active_dyad(self, client_id: str) -> Dyad | None:
        """The client's active couple, or ``None``."""

    @abstractmethod
    def dyads(self, *, include_ended: bool=False) -> list[Dyad]:
        ...

    @abstractmethod
    def link_dyad(self, partner_a: str, partner_b: str, *, program_id: str | None) -> Dyad:
        """Add a dyad for two clients (audited for both); :class:`AlreadyLinked` if either is in one."""

    @abstractmethod
    def end_dyad(self, dyad: Dyad) -> Dyad:
        ...

    @abstractmethod
    def record_share(self, entry: Entry, dyad_id: str, *, shared: bool) -> None:
        """Append a share (or unshare) decision on the entry's current revision; a share is refused with
        :class:`CouplePausedError` while the couple is paused."""

    @abstractmethod
    def shared_revisions(self, dyad_id: str, owner: str) -> dict[str, int]:
        """``{entry_id: revision}`` of the owner's entries whose latest decision in this couple is "shared"."""

    @abstractmethod
    def deleted_entry_ids(self, client_id: str) -> set[str]:
        ...

    @abstractmethod
    def entry_at(self, entry_id: str, revision: int) -> Entry | None:
        """One revision of an entry (``None`` when there is no such revision)."""

    @abstractmethod
    def protocol_versions(self, dyad_id: str) -> list[ProtocolRecord]:
        """Every version of the couple's protocol, oldest first, with each partner's latest decision."""

    @abstractmethod
    def add_protocol_version(
        self, dyad_id: str, data: dict, *, content_version: str, proposed_by: str, proposed_at: str,
        source_key: str | None, safety_categories: Sequence[str], consent: bool,
        check_in_categories: Sequence[str]=(),
    ) -> int:
        """Append version N+1 with its safety flag or check-in question and (unless ``consent`` is False) the proposer's consent, in one
        transaction. :class:`AlreadySaved` when ``source_key`` was saved before, :class:`UnchangedProtocol` when
        ``data`` equals the latest version, :class:`CouplePausedError` while the couple is paused."""

    @abstractmethod
    def add_protocol_consent(self, dyad_id: str, version: int, client_id: str, consent: bool, at: str) -> None:
        """Append a consent (or withdrawal); a consent is refused with :class:`CouplePausedError` while paused."""

    @abstractmethod
    def couple_pauses(self, dyad_id: str | None=None, *, open_only: bool=False) -> list[CouplePause]:
        """Pauses of a couple's joint features (of one couple, or of all), oldest first, each with its lift.
        A pause is raised in the same transaction as an abuse-or-danger flag on either partner's entry."""

    @abstractmethod
    def couple_paused_since(self, dyad_id: str) -> str | None:
        """When the couple's open pause began (None when it is not paused). Names no one: on PostgreSQL a
        partner may know that the couple is paused, never whose entry was flagged."""

    @abstractmethod
    def lift_couple_pauses(self, dyad_id: str, *, lifted_by: str, reason: str) -> list[str]:
        """Lift every open pause of the couple with the clinician's reason (audited "couple_resume", one
        transaction); returns the ids of the pauses lifted."""


    # ------------------------------------------------------------ questionnaires
    @abstractmethod
    def add_assessment(
        self, client_id: str, *, instrument_id: str, instrument_version: str, scoring_version: str, occasion: str,
        administered_at: str, responses: dict[str, Any], result: dict[str, Any], source_key: str | None=None,
    ) -> Assessment:
        """Store one administration (audited); :class:`AlreadySaved` when ``source_key`` was saved before."""

    @abstractmethod
    def assessments(self, client_id: str, instrument_id: str | None=None) -> list[Assessment]:
        """A client's results, oldest first."""


    # ------------------------------------------------------------ safety check-ins
    @abstractmethod
    def check_in_rows(self, client_id: str | None=None, *, entry_id: str | None=None) -> list[CheckInRow]:
        """Check-ins, oldest first, each with its answer (``None`` twice while unanswered)."""

    @abstractmethod
    def answer_check_in_row(self, check_in_id: str, answer: str) -> None:
        """Record the answer ("yes", "no" or "rather_not_say"); a "yes" flags the entry in the same transaction."""

    # ------------------------------------------------------------ safety flags
    @abstractmethod
    def flag_rows(self, client_id: str | None=None, *, open_only: bool=False) -> list[FlagRow]:
        """Flags, oldest first, each with how it was cleared (``None`` three times while open)."""

    @abstractmethod
    def clear_flag_row(self, flag_id: str, client_id: str, *, cleared_by: str, reason: str) -> None:
        ...

    @abstractmethod
    def ack_flag_row(self, flag_id: str, client_id: str, *, acknowledged_by: str) -> bool:
        """Record that ``acknowledged_by`` has seen the flag (audited "safety_ack"); False when they had already."""

    @abstractmethod
    def flag_acks(self, flag_id: str | None=None) -> list[tuple[str, str, str]]:
        """``(flag_id, acknowledged_by, acknowledged_at)`` rows, oldest first (of one flag, or all)."""

    @abstractmethod
    def yes_check_in_revisions(self) -> set[tuple[str, int]]:
        """``(entry_id, revision)`` of every check-in the client answered "yes" to."""

    @abstractmethod
    def notifications_sent(self, channel: str) -> set[tuple[str, str]]:
        """``(flag_id, recipient)`` of every notification already sent on ``channel``."""

    @abstractmethod
    def record_notification(self, flag_id: str, client_id: str, *, channel: str, recipient: str) -> bool:
        """Log one sent notification (audited "notify", ids only); False when it was logged before."""

    # ------------------------------------------------------------ people (a clinic's PostgreSQL store)

    @abstractmethod
    def add_person(self, name: str, kind: str, *, client_id: str | None=None, clinicians: Sequence[str]=()) -> "Person":
        """Add a person with their own login role ``sb_<name>`` (audited "user_add"); a client is assigned to
        ``clinicians``, a supervisor supervises them. The embedded SQLite store has no people: it refuses."""

    @abstractmethod
    def assign_person(self, name: str, clinician: str, *, remove: bool=False) -> None:
        """Assign a client to one more clinician, or a clinician to a supervisor (audited "user_assign"), or
        take that back with ``remove`` ("user_unassign"; a client keeps one clinician at least)."""

    @abstractmethod
    def disable_person(self, name: str) -> bool:
        """Stop a person from logging in, keeping their records (audited "user_disable"); False if already so."""

    @abstractmethod
    def me(self) -> "Person | None":
        """The person logged in to a clinic's store (None on the embedded store, or for its owner)."""

    @abstractmethod
    def person(self, name: str) -> "Person":
        """One person (:class:`NotFoundError` when there is none)."""

    @abstractmethod
    def people(self) -> list["Person"]:
        """Everyone, by role and name, with a client's clinicians or a supervisor's."""

    # ------------------------------------------------------------ homework, calendar feeds, reminders (schema 10)

    @abstractmethod
    def assign_homework(self, client_id: str, *, program_id: str, exercise_id: str, frequency: str,
                        times: tuple[str, ...], starts_on: date, until: date) -> "Assignment":
        """Record an assignment (audited "homework_assign"); on PostgreSQL only the client's clinicians may."""

    @abstractmethod
    def end_homework(self, assignment_id: str, last_day: date) -> "Assignment":
        """End an assignment after ``last_day`` (audited "homework_end"); once only."""

    @abstractmethod
    def assignment(self, assignment_id: str) -> "Assignment":
        """One assignment (:class:`NotFoundError` when there is none)."""

    @abstractmethod
    def assignments(self, client_id: str | None=None) -> list["Assignment"]:
        """A client's assignments (every visible client's when None), ended ones too, oldest first."""

    @abstractmethod
    def add_calendar_feed(self, client_id: str, secret: str) -> None:
        """Record a calendar feed address of the client by its secret's hash (audited, without the secret)."""

    @abstractmethod
    def revoke_calendar_feeds(self, client_id: str) -> int:
        """Revoke every open feed address of the client; how many there were."""

    @abstractmethod
    def calendar_feed_client(self, secret: str) -> str | None:
        """The client whose open feed has this secret, else None."""

    @abstractmethod
    def open_calendar_feeds(self, client_id: str) -> int:
        """How many feed addresses of the client are open."""

    @abstractmethod
    def set_reminders(self, client_id: str, *, email: str | None, time_zone: str) -> "ReminderSettings":
        """Where the client's reminders go (None: no e-mails) and their time zone (audited, no address)."""

    @abstractmethod
    def reminder_settings(self, client_id: str) -> "ReminderSettings | None":
        """The client's reminder settings, or None when never set."""

    @abstractmethod
    def all_reminder_settings(self) -> list["ReminderSettings"]:
        """Every visible client's reminder settings."""

    @abstractmethod
    def reminder_sent(self, client_id: str, local_day: date) -> bool:
        """Log the day's reminder to the client; False when it was logged before."""

    @abstractmethod
    def reminders_sent_on(self, local_day: date) -> set[str]:
        """The clients reminded on their ``local_day``."""

    @abstractmethod
    def record_consent(self, client_id: str, *, kind: str, decision: str, text_version: str, decided_at: str,
                       via: str) -> "Consent":
        """Record a consent decision (audited "consent_give"/"consent_withdraw"); on PostgreSQL by the client
        or a clinician of their caseload, in their own name."""

    @abstractmethod
    def consents(self, client_id: str | None = None) -> list["Consent"]:
        """Every consent decision, oldest first (every client's when ``client_id`` is None)."""

    @abstractmethod
    def latest_consents(self) -> dict[tuple[str, str], "Consent"]:
        """The decision in force per (client, kind)."""

    @abstractmethod
    def closed_clients(self, before: str) -> list[tuple[str, str]]:
        """(client, when archived) of the clients archived, and still archived, before ``before``."""

    @abstractmethod
    def erase_client(self, client_id: str, *, reason: str) -> "ErasureReport":
        """Erase every row of the client in one transaction and wipe the freed pages (owner only; audited
        "erase", without the client's id)."""

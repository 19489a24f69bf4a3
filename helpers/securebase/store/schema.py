"""The store's schema: tables, indexes and the triggers that keep entries, audit rows and
poll answers append-only. :class:`~securebase.store.database.Store` applies it on open."""

from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 11 # 2: entry_heads; 3: couples (dyads, entry_shares, protocol_versions, protocol_consents);
#                     4: assessments, safety_flags, safety_flag_clears; 5: group_members, poll_votes;
#                     6: safety_check_ins (+ answers), safety_flag_acks, notifications_sent, couple_pauses (+ lifts)
#                     7: client_archive (a client archived or brought back, from the home page)
#                     8: audit_chain (each audit row's hash, chained; see auditchain.py)
#                     9: people, caseload, supervision; on PostgreSQL roles and row-level security (access_pg.py)
#                     10: homework, calendar_feeds (+ revocations), reminder_settings, reminders_sent (homework.py)
#                     11: consents (consents.py)
#                     From 8 on, the schema is migrated with Alembic (migrate.py): SCHEMA below is schema 8.
AUDIT_ACTIONS = frozenset({
    "create", "update", "delete", "export", "client_create", "client_update",
    "couple_link", "couple_unlink", "share", "unshare", "protocol_propose", "protocol_consent", "protocol_withdraw",
    "assessment", "safety_flag", "safety_clear", "collect", "group_join",
    "safety_check_in", "safety_check_in_answer", "safety_ack", "notify", "couple_pause", "couple_resume",
    "client_archive", "client_unarchive", "read", "user_add", "user_assign", "user_unassign", "user_disable",
    "homework_assign", "homework_end", "calendar_feed_add", "calendar_feed_revoke", "reminder_set", "reminder_send",
    "consent_give", "consent_withdraw", "erase",
})

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS clients (
    client_id      TEXT PRIMARY KEY,
    program_id     TEXT,
    start_date     TEXT,
    phase_override TEXT,
    language       TEXT NOT NULL DEFAULT 'en',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS entries (
    entry_id        TEXT NOT NULL,
    revision        INTEGER NOT NULL CHECK (revision >= 1),
    client_id       TEXT NOT NULL REFERENCES clients (client_id),
    program_id      TEXT NOT NULL,
    phase_id        TEXT NOT NULL,
    exercise_id     TEXT NOT NULL,
    content_version TEXT NOT NULL,
    occurred_at     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    data            TEXT NOT NULL CHECK (json_valid(data)),
    source_key      TEXT,
    PRIMARY KEY (entry_id, revision)
) STRICT;

CREATE INDEX IF NOT EXISTS entries_by_client ON entries (client_id, entry_id, revision);
CREATE UNIQUE INDEX IF NOT EXISTS entries_by_source
    ON entries (client_id, source_key) WHERE source_key IS NOT NULL;

CREATE TRIGGER IF NOT EXISTS entries_no_update BEFORE UPDATE ON entries
BEGIN SELECT RAISE(ABORT, 'entries are append-only: save a new revision instead'); END;
CREATE TRIGGER IF NOT EXISTS entries_no_delete BEFORE DELETE ON entries
BEGIN SELECT RAISE(ABORT, 'entries are append-only: save a deletion revision instead'); END;

-- The latest revision of each entry, kept in the same transaction as every write. It is an
-- index, not a record: entries holds the history and entry_heads can be rebuilt from it.
-- It lets a client's current entries be read without touching superseded revisions.
CREATE TABLE IF NOT EXISTS entry_heads (
    entry_id    TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    occurred_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    deleted     INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX IF NOT EXISTS entry_heads_by_client ON entry_heads (client_id, deleted, occurred_at, recorded_at);

INSERT OR IGNORE INTO entry_heads (entry_id, client_id, revision, occurred_at, recorded_at, deleted)
SELECT entry_id, client_id, revision, occurred_at, recorded_at, deleted FROM entries AS e
WHERE revision = (SELECT MAX(revision) FROM entries WHERE entry_id = e.entry_id);

CREATE TABLE IF NOT EXISTS audit (
    audit_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    client_id   TEXT,
    detail      TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;

CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

-- Each audit row's hash, chained to the one before (auditchain.py): a changed or removed audit row
-- breaks the chain. Written in the same transaction as its audit row; append-only as well.
CREATE TABLE IF NOT EXISTS audit_chain (
    audit_id INTEGER PRIMARY KEY REFERENCES audit(audit_id),
    hash     TEXT NOT NULL CHECK (length(hash) = 64)
) STRICT;
CREATE TRIGGER IF NOT EXISTS audit_chain_no_update BEFORE UPDATE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_chain_no_delete BEFORE DELETE ON audit_chain
BEGIN SELECT RAISE(ABORT, 'the audit chain is append-only'); END;

-- Couples (see couples.py and protocol.py). A dyad links two clients as partner A and B; a
-- link can end (ended_at) but is never removed, so that what was shared stays explainable.
CREATE TABLE IF NOT EXISTS dyads (
    dyad_id    TEXT PRIMARY KEY,
    partner_a  TEXT NOT NULL REFERENCES clients (client_id),
    partner_b  TEXT NOT NULL REFERENCES clients (client_id),
    program_id TEXT,
    created_at TEXT NOT NULL,
    ended_at   TEXT,
    CHECK (partner_a <> partner_b)
) STRICT;

CREATE INDEX IF NOT EXISTS dyads_by_a ON dyads (partner_a);
CREATE INDEX IF NOT EXISTS dyads_by_b ON dyads (partner_b);
CREATE TRIGGER IF NOT EXISTS dyads_no_delete BEFORE DELETE ON dyads
BEGIN SELECT RAISE(ABORT, 'couples are never deleted: end the link instead'); END;
CREATE TRIGGER IF NOT EXISTS dyads_only_end BEFORE UPDATE ON dyads
WHEN OLD.ended_at IS NOT NULL OR NEW.dyad_id IS NOT OLD.dyad_id OR NEW.partner_a IS NOT OLD.partner_a
     OR NEW.partner_b IS NOT OLD.partner_b OR NEW.created_at IS NOT OLD.created_at
BEGIN SELECT RAISE(ABORT, 'a couple link can only be ended, once'); END;

-- Sharing is a log of decisions: the latest row for an entry says whether the partner may see
-- it, and which revision (a later edit is not shared until it is shared again).
CREATE TABLE IF NOT EXISTS entry_shares (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id  TEXT NOT NULL,
    revision  INTEGER NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    dyad_id   TEXT NOT NULL REFERENCES dyads (dyad_id),
    shared    INTEGER NOT NULL CHECK (shared IN (0, 1)),
    at        TEXT NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS entry_shares_by_dyad ON entry_shares (dyad_id, entry_id, seq);
CREATE TRIGGER IF NOT EXISTS entry_shares_no_update BEFORE UPDATE ON entry_shares
BEGIN SELECT RAISE(ABORT, 'sharing decisions are append-only'); END;
CREATE TRIGGER IF NOT EXISTS entry_shares_no_delete BEFORE DELETE ON entry_shares
BEGIN SELECT RAISE(ABORT, 'sharing decisions are append-only'); END;

-- The couple's protocol: every change is a new version; consent is given (or withdrawn) per
-- partner and per version. The 20-minute timeout floor is checked here as well as in code.
CREATE TABLE IF NOT EXISTS protocol_versions (
    dyad_id         TEXT NOT NULL REFERENCES dyads (dyad_id),
    version         INTEGER NOT NULL CHECK (version >= 1),
    data            TEXT NOT NULL CHECK (json_valid(data)
                        AND json_type(data, '$.timeout_minutes') = 'integer'
                        AND json_extract(data, '$.timeout_minutes') >= 20),
    content_version TEXT NOT NULL,
    proposed_by     TEXT NOT NULL REFERENCES clients (client_id),
    proposed_at     TEXT NOT NULL,
    source_key      TEXT,
    PRIMARY KEY (dyad_id, version)
) STRICT;

CREATE UNIQUE INDEX IF NOT EXISTS protocol_versions_by_source
    ON protocol_versions (dyad_id, proposed_by, source_key) WHERE source_key IS NOT NULL;

CREATE TABLE IF NOT EXISTS protocol_consents (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    dyad_id   TEXT NOT NULL,
    version   INTEGER NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    consent   INTEGER NOT NULL CHECK (consent IN (0, 1)),
    at        TEXT NOT NULL,
    FOREIGN KEY (dyad_id, version) REFERENCES protocol_versions (dyad_id, version)
) STRICT;

CREATE TRIGGER IF NOT EXISTS protocol_versions_no_update BEFORE UPDATE ON protocol_versions
BEGIN SELECT RAISE(ABORT, 'protocol versions are kept as they were agreed: propose a new version'); END;
CREATE TRIGGER IF NOT EXISTS protocol_versions_no_delete BEFORE DELETE ON protocol_versions
BEGIN SELECT RAISE(ABORT, 'protocol versions are kept as they were agreed: propose a new version'); END;
CREATE TRIGGER IF NOT EXISTS protocol_consents_no_update BEFORE UPDATE ON protocol_consents
BEGIN SELECT RAISE(ABORT, 'consent records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS protocol_consents_no_delete BEFORE DELETE ON protocol_consents
BEGIN SELECT RAISE(ABORT, 'consent records are append-only'); END;

-- Questionnaire results (see assessments.py): the answers, the scores, and the instrument and
-- scoring versions that produced them.
CREATE TABLE IF NOT EXISTS assessments (
    assessment_id      TEXT PRIMARY KEY,
    client_id          TEXT NOT NULL REFERENCES clients (client_id),
    instrument_id      TEXT NOT NULL,
    instrument_version TEXT NOT NULL,
    scoring_version    TEXT NOT NULL,
    occasion           TEXT NOT NULL,
    administered_at    TEXT NOT NULL,
    recorded_at        TEXT NOT NULL,
    responses          TEXT NOT NULL CHECK (json_valid(responses)),
    result             TEXT NOT NULL CHECK (json_valid(result)),
    source_key         TEXT
) STRICT;

CREATE INDEX IF NOT EXISTS assessments_by_client ON assessments (client_id, instrument_id, administered_at);
CREATE UNIQUE INDEX IF NOT EXISTS assessments_by_source
    ON assessments (client_id, source_key) WHERE source_key IS NOT NULL;
CREATE TRIGGER IF NOT EXISTS assessments_no_update BEFORE UPDATE ON assessments
BEGIN SELECT RAISE(ABORT, 'assessments are kept as they were scored'); END;
CREATE TRIGGER IF NOT EXISTS assessments_no_delete BEFORE DELETE ON assessments
BEGIN SELECT RAISE(ABORT, 'assessments are kept as they were scored'); END;

-- Safety flags (see safety_flags.py): a free-text save that the screen flagged. The flag names
-- categories only, never the text. Clearing is a separate record with the clinician's reason.
CREATE TABLE IF NOT EXISTS safety_flags (
    flag_id    TEXT PRIMARY KEY,
    client_id  TEXT NOT NULL REFERENCES clients (client_id),
    entry_id   TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    categories TEXT NOT NULL CHECK (json_valid(categories)),
    flagged_at TEXT NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS safety_flags_by_client ON safety_flags (client_id, flagged_at);

CREATE TABLE IF NOT EXISTS safety_flag_clears (
    flag_id    TEXT PRIMARY KEY REFERENCES safety_flags (flag_id),
    cleared_at TEXT NOT NULL,
    cleared_by TEXT NOT NULL,
    reason     TEXT NOT NULL CHECK (length(trim(reason)) >= 3)
) STRICT;

CREATE TRIGGER IF NOT EXISTS safety_flags_no_update BEFORE UPDATE ON safety_flags
BEGIN SELECT RAISE(ABORT, 'safety flags are append-only: clear a flag instead'); END;
CREATE TRIGGER IF NOT EXISTS safety_flags_no_delete BEFORE DELETE ON safety_flags
BEGIN SELECT RAISE(ABORT, 'safety flags are append-only: clear a flag instead'); END;
CREATE TRIGGER IF NOT EXISTS safety_flag_clears_no_update BEFORE UPDATE ON safety_flag_clears
BEGIN SELECT RAISE(ABORT, 'a cleared flag stays cleared, with its reason'); END;
CREATE TRIGGER IF NOT EXISTS safety_flag_clears_no_delete BEFORE DELETE ON safety_flag_clears
BEGIN SELECT RAISE(ABORT, 'a cleared flag stays cleared, with its reason'); END;

-- Check-ins (schema 6): a save the screen found close to risk but not a clear disclosure. The
-- workbook asks the person directly; the question is recorded with the entry it belongs to (in the
-- same transaction), and the answer is a separate append-only row. A "yes" also raises a flag.
CREATE TABLE IF NOT EXISTS safety_check_ins (
    check_in_id TEXT PRIMARY KEY,
    client_id   TEXT NOT NULL REFERENCES clients (client_id),
    entry_id    TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    categories  TEXT NOT NULL CHECK (json_valid(categories)),
    asked_at    TEXT NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS safety_check_ins_by_entry ON safety_check_ins (entry_id, revision);

CREATE TABLE IF NOT EXISTS safety_check_in_answers (
    check_in_id TEXT PRIMARY KEY REFERENCES safety_check_ins (check_in_id),
    answer      TEXT NOT NULL CHECK (answer IN ('yes', 'no', 'rather_not_say')),
    answered_at TEXT NOT NULL
) STRICT;

-- A clinician's acknowledgement of a flag: the flag leaves the top of their home page, but stays
-- open until it is cleared with a reason. Notifications sent (e-mail) name ids and categories only.
CREATE TABLE IF NOT EXISTS safety_flag_acks (
    flag_id         TEXT NOT NULL REFERENCES safety_flags (flag_id),
    acknowledged_by TEXT NOT NULL,
    acknowledged_at TEXT NOT NULL,
    PRIMARY KEY (flag_id, acknowledged_by)
) STRICT;

CREATE TABLE IF NOT EXISTS notifications_sent (
    flag_id   TEXT NOT NULL REFERENCES safety_flags (flag_id),
    channel   TEXT NOT NULL,
    recipient TEXT NOT NULL,
    sent_at   TEXT NOT NULL,
    PRIMARY KEY (flag_id, channel, recipient)
) STRICT;

-- A couple's joint features (sharing, protocol proposals, the partner's view) pause when either
-- partner's entry is flagged for abuse or danger. Only a clinician lifts a pause, with a reason.
CREATE TABLE IF NOT EXISTS couple_pauses (
    pause_id  TEXT PRIMARY KEY,
    dyad_id   TEXT NOT NULL REFERENCES dyads (dyad_id),
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    flag_id   TEXT NOT NULL REFERENCES safety_flags (flag_id),
    paused_at TEXT NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS couple_pauses_by_dyad ON couple_pauses (dyad_id, paused_at);

CREATE TABLE IF NOT EXISTS couple_pause_lifts (
    pause_id  TEXT PRIMARY KEY REFERENCES couple_pauses (pause_id),
    lifted_at TEXT NOT NULL,
    lifted_by TEXT NOT NULL,
    reason    TEXT NOT NULL CHECK (length(trim(reason)) >= 3)
) STRICT;

-- Workshops (see roster.py, collect.py, workshop.py). A participant belongs to a group; group
-- outputs are counts over members, suppressed below k (suppression.py).
CREATE TABLE IF NOT EXISTS group_members (
    group_id  TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    joined_at TEXT NOT NULL,
    PRIMARY KEY (group_id, client_id)
) STRICT;
-- Anonymous poll answers from a live session: no client id, by design.
CREATE TABLE IF NOT EXISTS poll_votes (
    vote_id    INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id TEXT NOT NULL,
    poll_id    TEXT NOT NULL,
    option_id  TEXT NOT NULL,
    at         TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS poll_votes_by_poll ON poll_votes (session_id, poll_id);
CREATE TRIGGER IF NOT EXISTS poll_votes_no_update BEFORE UPDATE ON poll_votes
BEGIN SELECT RAISE(ABORT, 'poll answers are append-only'); END;

-- Archiving (schema 7): a log of decisions, never a deletion. The latest row of a client says
-- whether they are archived (hidden from the home page by default); their data stays as it was.
CREATE TABLE IF NOT EXISTS client_archive (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL REFERENCES clients (client_id),
    archived  INTEGER NOT NULL CHECK (archived IN (0, 1)),
    at        TEXT NOT NULL,
    by_actor  TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS client_archive_by_client ON client_archive (client_id, seq);
"""
# Schema 6's and 7's tables are append-only too: one pair of triggers each, with its own message.
_APPEND_ONLY = {
    "safety_check_ins": "check-in questions are kept as they were asked",
    "safety_check_in_answers": "a check-in answer is kept as it was given",
    "safety_flag_acks": "acknowledgements are append-only",
    "notifications_sent": "the notification log is append-only",
    "couple_pauses": "a pause is kept: lift it with a reason instead",
    "couple_pause_lifts": "a lifted pause stays lifted, with its reason",
    "client_archive": "archiving is a log: archive or bring the client back instead",
}
SCHEMA += "".join(
    f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table}\n"
    f"BEGIN SELECT RAISE(ABORT, '{message}'); END;\n"
    for table, message in _APPEND_ONLY.items() for verb in ("UPDATE", "DELETE")
)

def split_sql(script: str) -> list[str]:
    """Split the schema into statements, keeping trigger bodies (which contain ';') whole."""
    statements, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements

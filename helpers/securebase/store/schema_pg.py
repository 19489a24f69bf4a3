"""The store's schema on PostgreSQL (15 or newer): schema 8 of :mod:`securebase.store.schema`, table for
table, so that the same portable SQL (``INSERT ... ON CONFLICT``, ``RETURNING``, named parameters) runs
on both backends.

The same table, column, index and trigger names, the same column order, primary keys, foreign keys and
partial unique indexes. Differences, all of them forced by the backend:

* JSON columns are ``jsonb`` (its input is the validity check); the protocol's ``timeout_minutes``
  must still be a JSON integer of at least 20.
* ``INTEGER PRIMARY KEY AUTOINCREMENT`` is ``bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY``.
* 0/1 flags stay ``integer`` with the same ``CHECK (x IN (0, 1))`` (not boolean): ``deleted = 0`` works on both.
* The triggers that keep tables append-only call one function, :data:`REFUSE` (the message is the
  trigger's argument), raising SQLSTATE 23001 ``restrict_violation``: an integrity error, as SQLite's
  ``RAISE(ABORT)`` is. Append-only tables refuse ``TRUNCATE`` as well (SQLite has no TRUNCATE).
* ``dyads_only_end`` also refuses a change of ``program_id`` (SQLite's trigger does not look at it).
* No ``WITHOUT ROWID``, no ``STRICT``, and no one-off backfill of ``entry_heads``: a PostgreSQL store
  starts empty. The statements are re-runnable (``IF NOT EXISTS``, ``OR REPLACE``).

Run it with :func:`pg_statements` (one statement per ``execute``); the database should be created with
UTF8 encoding and the C collation, so that text sorts by code point as SQLite's BINARY collation does.
"""

from __future__ import annotations

REFUSE = "securebase_refuse"  # the trigger function: raises its first argument as the error message

_FUNCTION = f"""
CREATE OR REPLACE FUNCTION {REFUSE}() RETURNS trigger LANGUAGE plpgsql AS $refuse$
BEGIN
    RAISE EXCEPTION USING MESSAGE = TG_ARGV[0], ERRCODE = 'restrict_violation';
END;
$refuse$;
"""

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (
    key   text PRIMARY KEY,
    value text NOT NULL
);

CREATE TABLE IF NOT EXISTS clients (
    client_id      text PRIMARY KEY,
    program_id     text,
    start_date     text,
    phase_override text,
    language       text NOT NULL DEFAULT 'en',
    created_at     text NOT NULL,
    updated_at     text NOT NULL
);

CREATE TABLE IF NOT EXISTS entries (
    entry_id        text NOT NULL,
    revision        integer NOT NULL CHECK (revision >= 1),
    client_id       text NOT NULL REFERENCES clients (client_id),
    program_id      text NOT NULL,
    phase_id        text NOT NULL,
    exercise_id     text NOT NULL,
    content_version text NOT NULL,
    occurred_at     text NOT NULL,
    recorded_at     text NOT NULL,
    recorded_by     text NOT NULL,
    deleted         integer NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    data            jsonb NOT NULL,
    source_key      text,
    PRIMARY KEY (entry_id, revision)
);

CREATE INDEX IF NOT EXISTS entries_by_client ON entries (client_id, entry_id, revision);
CREATE UNIQUE INDEX IF NOT EXISTS entries_by_source
    ON entries (client_id, source_key) WHERE source_key IS NOT NULL;

-- The latest revision of each entry, kept in the same transaction as every write (see schema.py).
CREATE TABLE IF NOT EXISTS entry_heads (
    entry_id    text PRIMARY KEY,
    client_id   text NOT NULL,
    revision    integer NOT NULL,
    occurred_at text NOT NULL,
    recorded_at text NOT NULL,
    deleted     integer NOT NULL
);

CREATE INDEX IF NOT EXISTS entry_heads_by_client ON entry_heads (client_id, deleted, occurred_at, recorded_at);

CREATE TABLE IF NOT EXISTS audit (
    audit_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          text NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL,
    object_id   text NOT NULL,
    client_id   text,
    detail      jsonb NOT NULL DEFAULT '{}'
);

CREATE TABLE IF NOT EXISTS audit_chain (
    audit_id bigint PRIMARY KEY REFERENCES audit (audit_id),
    hash     text NOT NULL CHECK (length(hash) = 64)
);

CREATE TABLE IF NOT EXISTS dyads (
    dyad_id    text PRIMARY KEY,
    partner_a  text NOT NULL REFERENCES clients (client_id),
    partner_b  text NOT NULL REFERENCES clients (client_id),
    program_id text,
    created_at text NOT NULL,
    ended_at   text,
    CHECK (partner_a <> partner_b)
);

CREATE INDEX IF NOT EXISTS dyads_by_a ON dyads (partner_a);
CREATE INDEX IF NOT EXISTS dyads_by_b ON dyads (partner_b);

CREATE TABLE IF NOT EXISTS entry_shares (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id  text NOT NULL,
    revision  integer NOT NULL,
    client_id text NOT NULL REFERENCES clients (client_id),
    dyad_id   text NOT NULL REFERENCES dyads (dyad_id),
    shared    integer NOT NULL CHECK (shared IN (0, 1)),
    at        text NOT NULL
);

CREATE INDEX IF NOT EXISTS entry_shares_by_dyad ON entry_shares (dyad_id, entry_id, seq);

-- timeout_minutes: a JSON integer (no fraction, no exponent: as SQLite's json_type 'integer'), >= 20.
-- CASE, because PostgreSQL does not promise to evaluate AND's operands in order.
CREATE TABLE IF NOT EXISTS protocol_versions (
    dyad_id         text NOT NULL REFERENCES dyads (dyad_id),
    version         integer NOT NULL CHECK (version >= 1),
    data            jsonb NOT NULL CHECK (CASE
                        WHEN jsonb_typeof(data -> 'timeout_minutes') = 'number'
                             AND (data ->> 'timeout_minutes') ~ '^-?[0-9]+$'
                        THEN (data ->> 'timeout_minutes')::numeric >= 20
                        ELSE false END),
    content_version text NOT NULL,
    proposed_by     text NOT NULL REFERENCES clients (client_id),
    proposed_at     text NOT NULL,
    source_key      text,
    PRIMARY KEY (dyad_id, version)
);

CREATE UNIQUE INDEX IF NOT EXISTS protocol_versions_by_source
    ON protocol_versions (dyad_id, proposed_by, source_key) WHERE source_key IS NOT NULL;

CREATE TABLE IF NOT EXISTS protocol_consents (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dyad_id   text NOT NULL,
    version   integer NOT NULL,
    client_id text NOT NULL REFERENCES clients (client_id),
    consent   integer NOT NULL CHECK (consent IN (0, 1)),
    at        text NOT NULL,
    FOREIGN KEY (dyad_id, version) REFERENCES protocol_versions (dyad_id, version)
);

CREATE TABLE IF NOT EXISTS assessments (
    assessment_id      text PRIMARY KEY,
    client_id          text NOT NULL REFERENCES clients (client_id),
    instrument_id      text NOT NULL,
    instrument_version text NOT NULL,
    scoring_version    text NOT NULL,
    occasion           text NOT NULL,
    administered_at    text NOT NULL,
    recorded_at        text NOT NULL,
    responses          jsonb NOT NULL,
    result             jsonb NOT NULL,
    source_key         text
);

CREATE INDEX IF NOT EXISTS assessments_by_client ON assessments (client_id, instrument_id, administered_at);
CREATE UNIQUE INDEX IF NOT EXISTS assessments_by_source
    ON assessments (client_id, source_key) WHERE source_key IS NOT NULL;

CREATE TABLE IF NOT EXISTS safety_flags (
    flag_id    text PRIMARY KEY,
    client_id  text NOT NULL REFERENCES clients (client_id),
    entry_id   text NOT NULL,
    revision   integer NOT NULL,
    categories jsonb NOT NULL,
    flagged_at text NOT NULL
);

CREATE INDEX IF NOT EXISTS safety_flags_by_client ON safety_flags (client_id, flagged_at);

CREATE TABLE IF NOT EXISTS safety_flag_clears (
    flag_id    text PRIMARY KEY REFERENCES safety_flags (flag_id),
    cleared_at text NOT NULL,
    cleared_by text NOT NULL,
    reason     text NOT NULL CHECK (length(trim(reason)) >= 3)
);

CREATE TABLE IF NOT EXISTS safety_check_ins (
    check_in_id text PRIMARY KEY,
    client_id   text NOT NULL REFERENCES clients (client_id),
    entry_id    text NOT NULL,
    revision    integer NOT NULL,
    categories  jsonb NOT NULL,
    asked_at    text NOT NULL
);

CREATE INDEX IF NOT EXISTS safety_check_ins_by_entry ON safety_check_ins (entry_id, revision);

CREATE TABLE IF NOT EXISTS safety_check_in_answers (
    check_in_id text PRIMARY KEY REFERENCES safety_check_ins (check_in_id),
    answer      text NOT NULL CHECK (answer IN ('yes', 'no', 'rather_not_say')),
    answered_at text NOT NULL
);

CREATE TABLE IF NOT EXISTS safety_flag_acks (
    flag_id         text NOT NULL REFERENCES safety_flags (flag_id),
    acknowledged_by text NOT NULL,
    acknowledged_at text NOT NULL,
    PRIMARY KEY (flag_id, acknowledged_by)
);

CREATE TABLE IF NOT EXISTS notifications_sent (
    flag_id   text NOT NULL REFERENCES safety_flags (flag_id),
    channel   text NOT NULL,
    recipient text NOT NULL,
    sent_at   text NOT NULL,
    PRIMARY KEY (flag_id, channel, recipient)
);

CREATE TABLE IF NOT EXISTS couple_pauses (
    pause_id  text PRIMARY KEY,
    dyad_id   text NOT NULL REFERENCES dyads (dyad_id),
    client_id text NOT NULL REFERENCES clients (client_id),
    flag_id   text NOT NULL REFERENCES safety_flags (flag_id),
    paused_at text NOT NULL
);

CREATE INDEX IF NOT EXISTS couple_pauses_by_dyad ON couple_pauses (dyad_id, paused_at);

CREATE TABLE IF NOT EXISTS couple_pause_lifts (
    pause_id  text PRIMARY KEY REFERENCES couple_pauses (pause_id),
    lifted_at text NOT NULL,
    lifted_by text NOT NULL,
    reason    text NOT NULL CHECK (length(trim(reason)) >= 3)
);

CREATE TABLE IF NOT EXISTS group_members (
    group_id  text NOT NULL,
    client_id text NOT NULL REFERENCES clients (client_id),
    joined_at text NOT NULL,
    PRIMARY KEY (group_id, client_id)
);

-- Anonymous poll answers from a live session: no client id, by design.
CREATE TABLE IF NOT EXISTS poll_votes (
    vote_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    session_id text NOT NULL,
    poll_id    text NOT NULL,
    option_id  text NOT NULL,
    at         text NOT NULL
);
CREATE INDEX IF NOT EXISTS poll_votes_by_poll ON poll_votes (session_id, poll_id);

CREATE TABLE IF NOT EXISTS client_archive (
    seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id text NOT NULL REFERENCES clients (client_id),
    archived  integer NOT NULL CHECK (archived IN (0, 1)),
    at        text NOT NULL,
    by_actor  text NOT NULL
);
CREATE INDEX IF NOT EXISTS client_archive_by_client ON client_archive (client_id, seq);
"""

# table: (message on UPDATE, message on DELETE), as schema.py's triggers <table>_no_update/_no_delete.
# None: SQLite has no such trigger (the verb is allowed). TRUNCATE is refused with the DELETE message
# (the UPDATE message where DELETE is allowed).
APPEND_ONLY: dict[str, tuple[str | None, str | None]] = {
    "entries": ("entries are append-only: save a new revision instead",
                "entries are append-only: save a deletion revision instead"),
    "audit": ("the audit log is append-only",) * 2,
    "audit_chain": ("the audit chain is append-only",) * 2,
    "dyads": (None, "couples are never deleted: end the link instead"),  # updates: dyads_only_end
    "entry_shares": ("sharing decisions are append-only",) * 2,
    "protocol_versions": ("protocol versions are kept as they were agreed: propose a new version",) * 2,
    "protocol_consents": ("consent records are append-only",) * 2,
    "assessments": ("assessments are kept as they were scored",) * 2,
    "safety_flags": ("safety flags are append-only: clear a flag instead",) * 2,
    "safety_flag_clears": ("a cleared flag stays cleared, with its reason",) * 2,
    "poll_votes": ("poll answers are append-only", None),
    "safety_check_ins": ("check-in questions are kept as they were asked",) * 2,
    "safety_check_in_answers": ("a check-in answer is kept as it was given",) * 2,
    "safety_flag_acks": ("acknowledgements are append-only",) * 2,
    "notifications_sent": ("the notification log is append-only",) * 2,
    "couple_pauses": ("a pause is kept: lift it with a reason instead",) * 2,
    "couple_pause_lifts": ("a lifted pause stays lifted, with its reason",) * 2,
    "client_archive": ("archiving is a log: archive or bring the client back instead",) * 2,
}
DYAD_END_MESSAGE = "a couple link can only be ended, once"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _triggers() -> str:
    out = []
    for table, (on_update, on_delete) in APPEND_ONLY.items():
        for verb, message in (("UPDATE", on_update), ("DELETE", on_delete)):
            if message is not None:
                out.append(f"CREATE OR REPLACE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table}\n"
                           f"FOR EACH ROW EXECUTE FUNCTION {REFUSE}({_literal(message)});\n")
        out.append(f"CREATE OR REPLACE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}\n"
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {REFUSE}({_literal(on_delete or on_update)});\n")
    changed = " OR ".join(f"NEW.{col} IS DISTINCT FROM OLD.{col}"
                          for col in ("dyad_id", "partner_a", "partner_b", "program_id", "created_at"))
    out.append(f"-- A couple link can be ended (ended_at set), once; nothing else about it changes.\n"
               f"CREATE OR REPLACE TRIGGER dyads_only_end BEFORE UPDATE ON dyads FOR EACH ROW\n"
               f"WHEN (OLD.ended_at IS NOT NULL OR {changed})\n"
               f"EXECUTE FUNCTION {REFUSE}({_literal(DYAD_END_MESSAGE)});\n")
    return "".join(out)


PG_SCHEMA = _FUNCTION + _TABLES + "\n" + _triggers()


def split_pg(script: str) -> list[str]:
    """Split a PostgreSQL script at the ``;`` that end statements: not inside '...' strings, "..."
    identifiers, ``--`` or ``/* */`` comments, or dollar-quoted bodies ($$ ... $$, $tag$ ... $tag$).
    Chunks with nothing but comments and white space are left out."""
    statements, start, i, n = [], 0, 0, len(script)
    has_code = False
    while i < n:
        c = script[i]
        if c == "-" and script.startswith("--", i):
            end = script.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c == "/" and script.startswith("/*", i):
            i, depth = i + 2, 1  # PostgreSQL's block comments nest
            while i < n and depth:
                if script.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif script.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            continue
        if c in "'\"":
            end = i + 1
            while True:  # a doubled quote is an escaped quote: it just restarts the search
                end = script.find(c, end)
                if end < 0 or not script.startswith(c * 2, end):
                    break
                end += 2
            i, has_code = (n if end < 0 else end + 1), True
            continue
        if c == "$":
            tag = _dollar_tag(script, i)
            if tag:
                end = script.find(tag, i + len(tag))
                i, has_code = (n if end < 0 else end + len(tag)), True
                continue
        if c == ";":
            if has_code:
                statements.append(script[start:i].strip())
            start, has_code = i + 1, False
        elif not c.isspace():
            has_code = True
        i += 1
    if has_code:
        statements.append(script[start:].strip())
    return statements


def _dollar_tag(script: str, i: int) -> str | None:
    """The dollar-quote opening at ``script[i]`` ("$$" or "$tag$"), or None ($1 is a parameter)."""
    if i > 0 and (script[i - 1].isalnum() or script[i - 1] in "_$"):
        return None  # part of an identifier such as a$b
    j = i + 1
    while j < len(script) and (script[j].isalnum() or script[j] == "_"):
        j += 1
    if j < len(script) and script[j] == "$" and not script[i + 1:j][:1].isdigit():
        return script[i:j + 1]
    return None


def pg_statements() -> list[str]:
    """The statements of :data:`PG_SCHEMA`, in order, one per ``execute``."""
    return split_pg(PG_SCHEMA)

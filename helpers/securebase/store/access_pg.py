"""Who sees what, enforced by PostgreSQL itself: group roles, grants and row-level security (schema 9).

Size: the policies of every table are declared here together, so that they read as one list; the RLS
matrix test (tests/store/test_rls_matrix.py) checks each of them through each person's own role.

Each person logs in as their own role, ``sb_<name>`` (:func:`role_name`), a member of one group role,
which holds the table privileges:

============================  =======================================================================
``securebase_client``         reads and writes their own rows; reads what their partner shared with
                              them, and their couple's protocol and consents
``securebase_clinician``      reads and writes the rows of their caseload (clients assigned to them)
``securebase_supervisor``     reads the caseloads of the clinicians they supervise; writes nothing
``securebase_researcher``     reads no client rows (exports are made by the owner, de-identified)
============================  =======================================================================

Everyone may add audit rows, which a trigger stamps with their login role (``session_user``) and links
into the hash chain (:mod:`securebase.store.auditchain`, the same hash as on SQLite); each person reads
only the audit of their own actions. No person's role owns a table, so none can drop or disable a
trigger, and none is granted ``UPDATE``, ``DELETE`` or ``TRUNCATE`` on history. The owner (the role
that ran ``securebase init``) bypasses the policies, as table owners do: exports and notifications run
as the owner.

Who may see which client is decided by ``SECURITY DEFINER`` functions that read the ``people``,
``caseload`` and ``supervision`` tables for the role logged in (``session_user``: ``SET ROLE`` to a group
role does not change it).
"""

from __future__ import annotations

import re

from securebase.core.errors import StoreError
from securebase.store.schema_pg import split_pg

KINDS = ("clinician", "supervisor", "researcher", "client")
GROUP = {kind: f"securebase_{kind}" for kind in KINDS}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]{0,39}\Z")


def role_name(name: str) -> str:
    """The database role of the person ``name``: ``sb_`` + the name in lower case, ``-`` as ``_``."""
    if not _NAME.match(name or ""):
        raise StoreError(f"{name!r} cannot be a user name: use 1-40 letters, digits and '-', beginning with a "
                         "letter (for example ann or dr-lee).")
    return "sb_" + name.lower().replace("-", "_")


# Tables whose rows belong to one client (their client_id column), and what each group may do to them
# beyond SELECT (which every group but the researcher has, limited by the policies).
CLIENT_TABLES = ("clients", "entries", "entry_heads", "assessments", "safety_flags", "safety_check_ins",
                 "group_members", "client_archive", "couple_pauses", "entry_shares")
COUPLE_TABLES = ("dyads", "protocol_versions", "protocol_consents")
CHILD_TABLES = {   # rows that belong to a parent row: visible when the parent is
    "safety_flag_clears": ("flag_id", "safety_flags"),
    "safety_flag_acks": ("flag_id", "safety_flags"),
    "notifications_sent": ("flag_id", "safety_flags"),
    "safety_check_in_answers": ("check_in_id", "safety_check_ins"),
    "couple_pause_lifts": ("pause_id", "couple_pauses"),
}
DATA_TABLES = CLIENT_TABLES + COUPLE_TABLES + tuple(CHILD_TABLES)
WRITES = {
    "client": {
        "INSERT": ("entries", "entry_heads", "entry_shares", "protocol_versions", "protocol_consents",
                   "assessments", "safety_flags", "safety_check_ins", "safety_check_in_answers", "couple_pauses"),
        "UPDATE": ("entry_heads",),
    },
    "clinician": {
        "INSERT": ("clients", "entries", "entry_heads", "entry_shares", "dyads", "protocol_versions",
                   "protocol_consents", "assessments", "safety_flags", "safety_flag_clears", "safety_check_ins",
                   "safety_check_in_answers", "safety_flag_acks", "notifications_sent", "couple_pauses",
                   "couple_pause_lifts", "group_members", "poll_votes", "client_archive"),
        "UPDATE": ("clients", "entry_heads", "dyads"),
    },
    "supervisor": {},
    "researcher": {},
}
APPEND_ONLY = ("entries", "audit", "audit_chain", "assessments", "safety_flags", "safety_flag_clears",
               "protocol_versions", "protocol_consents", "entry_shares", "safety_check_ins",
               "safety_check_in_answers", "safety_flag_acks", "notifications_sent", "couple_pauses",
               "couple_pause_lifts", "client_archive", "poll_votes")
# Who wrote a row, where a table records it: it must be the person's own login role.
AUTHOR = {"entries": "recorded_by", "safety_flag_clears": "cleared_by", "safety_flag_acks": "acknowledged_by",
          "client_archive": "by_actor", "couple_pause_lifts": "lifted_by"}

_TABLES = """
CREATE TABLE IF NOT EXISTS people (
    name       text PRIMARY KEY,
    db_role    text NOT NULL UNIQUE,
    kind       text NOT NULL CHECK (kind IN ('clinician', 'supervisor', 'researcher', 'client')),
    client_id  text REFERENCES clients (client_id),
    disabled   integer NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at text NOT NULL,
    CHECK ((kind = 'client') = (client_id IS NOT NULL))
);
CREATE TABLE IF NOT EXISTS caseload (
    clinician   text NOT NULL REFERENCES people (db_role),
    client_id   text NOT NULL REFERENCES clients (client_id),
    assigned_at text NOT NULL,
    PRIMARY KEY (clinician, client_id)
);
CREATE TABLE IF NOT EXISTS supervision (
    supervisor  text NOT NULL REFERENCES people (db_role),
    clinician   text NOT NULL REFERENCES people (db_role),
    assigned_at text NOT NULL,
    PRIMARY KEY (supervisor, clinician)
);
"""


def people_tables(dialect: str) -> list[str]:
    """The people, caseload and supervision tables (on SQLite too, which has no roles: they stay empty)."""
    statements = [s.strip() + ";" for s in _TABLES.split(";") if s.strip()]
    if dialect == "sqlite":
        statements = [s.replace("\n);", "\n) STRICT;") for s in statements]
    return statements


_FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION securebase_my_kind() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $f$
    SELECT kind FROM people WHERE db_role = session_user AND disabled = 0
$f$;

CREATE OR REPLACE FUNCTION securebase_writable_clients() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $f$
    SELECT client_id FROM people WHERE db_role = session_user AND kind = 'client' AND disabled = 0
    UNION
    SELECT c.client_id FROM caseload c JOIN people p ON p.db_role = c.clinician
    WHERE c.clinician = session_user AND p.kind = 'clinician' AND p.disabled = 0
$f$;

CREATE OR REPLACE FUNCTION securebase_readable_clients() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $f$
    SELECT securebase_writable_clients()
    UNION
    SELECT c.client_id FROM supervision s
    JOIN people sp ON sp.db_role = s.supervisor AND sp.disabled = 0 AND sp.kind = 'supervisor'
    JOIN people cp ON cp.db_role = s.clinician AND cp.disabled = 0
    JOIN caseload c ON c.clinician = s.clinician
    WHERE s.supervisor = session_user
$f$;

CREATE OR REPLACE FUNCTION securebase_my_dyads() RETURNS SETOF text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $f$
    SELECT dyad_id FROM dyads
    WHERE partner_a IN (SELECT securebase_readable_clients()) OR partner_b IN (SELECT securebase_readable_clients())
$f$;

-- When the couple's open pause began (NULL when it is not paused), for a couple the person belongs to:
-- the pause rows themselves name the flagged partner, which the other partner's role may not read.
CREATE OR REPLACE FUNCTION securebase_couple_paused_since(wanted_dyad text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $f$
    SELECT MIN(p.paused_at) FROM couple_pauses p LEFT JOIN couple_pause_lifts l ON l.pause_id = p.pause_id
    WHERE p.dyad_id = wanted_dyad AND l.pause_id IS NULL
      AND (wanted_dyad IN (SELECT securebase_my_dyads())
           OR NOT EXISTS (SELECT 1 FROM people WHERE db_role = session_user))   -- the owner (only it and the groups may call)
$f$;

-- An entry revision that a partner shared in a couple the person belongs to (or whose partner is in the
-- clinician's caseload): the latest decision for that entry in that couple says "shared", for this revision.
CREATE OR REPLACE FUNCTION securebase_shared_with_me(wanted_entry text, wanted_revision integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $f$
    SELECT EXISTS (
        SELECT 1 FROM entry_shares s
        WHERE s.entry_id = wanted_entry AND s.revision = wanted_revision AND s.shared = 1
          AND s.dyad_id IN (SELECT securebase_my_dyads()) AND securebase_couple_paused_since(s.dyad_id) IS NULL
          AND EXISTS (SELECT 1 FROM entries e WHERE e.entry_id = s.entry_id AND e.revision = s.revision
                      AND e.client_id = s.client_id)   -- a decision of the entry's own author
          AND s.seq = (SELECT MAX(seq) FROM entry_shares WHERE dyad_id = s.dyad_id AND entry_id = s.entry_id))
$f$;

-- A clinician who adds a new client has them in their caseload at once.
CREATE OR REPLACE FUNCTION securebase_assign_new_client() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $f$
BEGIN
    IF securebase_my_kind() = 'clinician' THEN
        INSERT INTO caseload (clinician, client_id, assigned_at) VALUES (session_user, NEW.client_id, NEW.created_at)
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$f$;
CREATE OR REPLACE TRIGGER clients_assign_new AFTER INSERT ON clients
FOR EACH ROW EXECUTE FUNCTION securebase_assign_new_client();

-- Audit rows: stamped with the login role, and linked into the hash chain, one writer at a time. The body
-- is the row as canonical JSON, exactly as auditchain.row_hash makes it (sorted keys, no spaces).
CREATE OR REPLACE FUNCTION securebase_audit_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $f$
BEGIN
    NEW.actor := session_user;   -- who, when and which row are the database's, never the writer's word
    NEW.audit_id := nextval(pg_get_serial_sequence('{schema}.audit', 'audit_id'));
    NEW.at := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"');
    RETURN NEW;
END;
$f$;

-- One writer at a time (the audit chain links each row to the one before): a transaction-level lock,
-- released at commit or rollback. Only through this function: the advisory-lock functions themselves are
-- revoked from PUBLIC where the migration may (as a superuser), so no one can hold the lock for a session.
CREATE OR REPLACE FUNCTION securebase_write_lock() RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {path} AS $f$
    SELECT pg_advisory_xact_lock({lock})
$f$;

-- An entry's revision N+1 follows N, for the same client; its head is the latest revision, as it is.
CREATE OR REPLACE FUNCTION securebase_check_entry() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $f$
DECLARE
    first_client text;
    latest integer;
BEGIN
    SELECT client_id INTO first_client FROM entries WHERE entry_id = NEW.entry_id AND revision = 1;
    SELECT MAX(revision) INTO latest FROM entries WHERE entry_id = NEW.entry_id;
    IF NEW.revision <> COALESCE(latest, 0) + 1 OR (first_client IS NOT NULL AND first_client <> NEW.client_id) THEN
        RAISE EXCEPTION USING MESSAGE = 'an entry revision must follow the latest one, for the same client',
                              ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$f$;
CREATE OR REPLACE TRIGGER entries_follow BEFORE INSERT ON entries
FOR EACH ROW EXECUTE FUNCTION securebase_check_entry();

CREATE OR REPLACE FUNCTION securebase_check_head() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $f$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM entries e WHERE e.entry_id = NEW.entry_id AND e.revision = NEW.revision
                   AND e.client_id = NEW.client_id AND e.occurred_at = NEW.occurred_at
                   AND e.recorded_at = NEW.recorded_at AND e.deleted = NEW.deleted)
       OR NEW.revision <> (SELECT MAX(revision) FROM entries WHERE entry_id = NEW.entry_id) THEN
        RAISE EXCEPTION USING MESSAGE = 'an entry head must be the entry''s latest revision, as saved',
                              ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$f$;
CREATE OR REPLACE TRIGGER entry_heads_follow BEFORE INSERT OR UPDATE ON entry_heads
FOR EACH ROW EXECUTE FUNCTION securebase_check_head();
CREATE OR REPLACE TRIGGER audit_stamp BEFORE INSERT ON audit
FOR EACH ROW EXECUTE FUNCTION securebase_audit_stamp();

CREATE OR REPLACE FUNCTION securebase_audit_link() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $f$
DECLARE
    previous text;
    body text;
BEGIN
    PERFORM securebase_write_lock();
    SELECT hash INTO previous FROM audit_chain ORDER BY audit_id DESC LIMIT 1;
    body := '{"action":' || to_json(NEW.action)::text || ',"actor":' || to_json(NEW.actor)::text
         || ',"at":' || to_json(NEW.at)::text || ',"audit_id":' || NEW.audit_id::text
         || ',"client_id":' || COALESCE(to_json(NEW.client_id)::text, 'null')
         || ',"detail":' || to_json(NEW.detail::text)::text || ',"object_id":' || to_json(NEW.object_id)::text
         || ',"object_type":' || to_json(NEW.object_type)::text || '}';
    INSERT INTO audit_chain (audit_id, hash)
    VALUES (NEW.audit_id, encode(sha256(convert_to(COALESCE(previous, repeat('0', 64)) || E'\n' || body, 'UTF8')), 'hex'));
    RETURN NULL;
END;
$f$;
CREATE OR REPLACE TRIGGER audit_link AFTER INSERT ON audit
FOR EACH ROW EXECUTE FUNCTION securebase_audit_link();
"""


FUNCTIONS = ("securebase_write_lock()", "securebase_my_kind()", "securebase_writable_clients()", "securebase_readable_clients()",
             "securebase_my_dyads()", "securebase_couple_paused_since(text)", "securebase_shared_with_me(text, integer)")


# What only a superuser may do (the advisory-lock functions are the catalog's): done when the migration runs as
# one, as in the tests; otherwise the clinic's database administrator runs the same REVOKE (see the README).
_SUPERUSER_ONLY = """DO $d$ BEGIN
IF (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
    REVOKE EXECUTE ON FUNCTION pg_advisory_lock(bigint), pg_advisory_lock_shared(bigint),
        pg_try_advisory_lock(bigint), pg_try_advisory_lock_shared(bigint), pg_advisory_xact_lock(bigint),
        pg_advisory_xact_lock_shared(bigint), pg_try_advisory_xact_lock(bigint),
        pg_try_advisory_xact_lock_shared(bigint) FROM PUBLIC;
END IF;
END $d$"""


def policy(table: str, name: str, command: str, using: str | None = None, check: str | None = None) -> str:
    sql = f"CREATE POLICY {table}_{name} ON {table} FOR {command}"
    if using:
        sql += f" USING ({using})"
    if check:
        sql += f" WITH CHECK ({check})"
    return sql


READABLE = "client_id IN (SELECT securebase_readable_clients())"
WRITABLE = "client_id IN (SELECT securebase_writable_clients())"
_MY_DYAD = "dyad_id IN (SELECT securebase_my_dyads())"


def _author(table: str) -> str:
    return f" AND {AUTHOR[table]} = session_user" if table in AUTHOR else ""


def _policies() -> list[str]:
    out = []
    for table in ("clients", "entry_heads", "assessments", "safety_flags", "safety_check_ins", "group_members",
                  "client_archive", "couple_pauses"):
        out.append(policy(table, "read", "SELECT", READABLE))
        extra = {"couple_pauses": f" AND {_MY_DYAD} AND flag_id IN (SELECT f.flag_id FROM safety_flags f "
                                  "WHERE f.client_id = couple_pauses.client_id)"}.get(table, "")
        out.append(policy(table, "add", "INSERT", check=WRITABLE + _author(table) + extra))
    out.append(policy("clients", "add_new", "INSERT", check="securebase_my_kind() = 'clinician'"))
    for table in ("clients", "entry_heads"):
        out.append(policy(table, "change", "UPDATE", WRITABLE, WRITABLE))
    out.append(policy("entries", "read", "SELECT",
                       f"{READABLE} OR securebase_shared_with_me(entry_id, revision)"))
    out.append(policy("entries", "add", "INSERT", check=WRITABLE + _author("entries")))
    out.append(policy("entry_shares", "read", "SELECT", f"{READABLE} OR {_MY_DYAD}"))
    unpaused = "securebase_couple_paused_since(dyad_id) IS NULL"   # joint features pause after a flag
    own_entry = ("EXISTS (SELECT 1 FROM entries e WHERE e.entry_id = entry_shares.entry_id AND "
                 "e.revision = entry_shares.revision AND e.client_id = entry_shares.client_id)")
    out.append(policy("entry_shares", "add", "INSERT",
                       check=f"{WRITABLE} AND {_MY_DYAD} AND {own_entry} AND (shared = 0 OR {unpaused})"))
    both = ("partner_a IN (SELECT securebase_writable_clients()) AND "
            "partner_b IN (SELECT securebase_writable_clients())")
    out.append(policy("dyads", "read", "SELECT", _MY_DYAD))
    out.append(policy("dyads", "add", "INSERT", check=both))
    out.append(policy("dyads", "change", "UPDATE", both, both))
    out.append(policy("protocol_versions", "read", "SELECT", _MY_DYAD))
    out.append(policy("protocol_versions", "add", "INSERT",
                       check=f"{_MY_DYAD} AND proposed_by IN (SELECT securebase_writable_clients()) AND {unpaused}"))
    out.append(policy("protocol_consents", "read", "SELECT", _MY_DYAD))
    out.append(policy("protocol_consents", "add", "INSERT",
                       check=f"{_MY_DYAD} AND {WRITABLE} AND (consent = 0 OR {unpaused})"))
    for table, (column, parent) in CHILD_TABLES.items():
        visible = f"{column} IN (SELECT {column} FROM {parent})"   # the parent's own policy applies
        out.append(policy(table, "read", "SELECT", visible))
        out.append(policy(table, "add", "INSERT", check=visible + _author(table)))
    out.append(policy("audit", "read", "SELECT", "actor = session_user"))
    out.append(policy("audit", "add", "INSERT", check="actor = session_user"))
    out.append(policy("audit_chain", "read", "SELECT", "audit_id IN (SELECT audit_id FROM audit)"))
    out.append(policy("people", "read", "SELECT", "db_role = session_user"))
    out.append(policy("caseload", "read", "SELECT", f"clinician = session_user OR {READABLE}"))
    out.append(policy("supervision", "read", "SELECT", "supervisor = session_user OR clinician = session_user"))
    out.append(policy("poll_votes", "read", "SELECT", "securebase_my_kind() = 'clinician'"))
    out.append(policy("poll_votes", "add", "INSERT", check="securebase_my_kind() = 'clinician'"))
    return out


def _create_group(role: str) -> str:
    return (f"DO $g$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE {role} NOLOGIN; END IF; END $g$")


def statements(write_lock: int, schema: str) -> list[str]:
    """Schema 9 on PostgreSQL, after :func:`people_tables`: roles, grants, functions, triggers, policies."""
    everything = (*DATA_TABLES, "audit", "audit_chain", "people", "caseload", "supervision", "poll_votes",
                  "meta", "alembic_version")
    out = [_create_group(role) for role in GROUP.values()]
    out.append(f"REVOKE ALL ON {', '.join(everything)} FROM PUBLIC")
    path = f'pg_catalog, "{schema}", pg_temp'   # the temporary schema last: no one's TEMP table stands in
    out += split_pg(_FUNCTIONS.replace("{lock}", str(int(write_lock))).replace("{path}", path)
                    .replace("{schema}", schema))
    out.append(f'REVOKE CREATE ON SCHEMA "{schema}" FROM PUBLIC')
    out.append("DO $d$ BEGIN EXECUTE 'REVOKE TEMPORARY ON DATABASE ' || quote_ident(current_database()) || "
               "' FROM PUBLIC'; END $d$")
    out.append(_SUPERUSER_ONLY)
    groups = ", ".join(GROUP.values())
    for function in FUNCTIONS:
        out.append(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
        out.append(f"GRANT EXECUTE ON FUNCTION {function} TO {groups}")
    out.append(f"GRANT SELECT ON meta, alembic_version TO {groups}")
    out.append(f"GRANT SELECT, INSERT ON audit TO {groups}")
    out.append(f"GRANT SELECT ON audit_chain, people, caseload, supervision TO {groups}")
    out.append(f'GRANT USAGE ON ALL SEQUENCES IN SCHEMA "{schema}" TO {groups}')
    for kind in ("client", "clinician", "supervisor"):
        out.append(f"GRANT SELECT ON {', '.join(DATA_TABLES)} TO {GROUP[kind]}")
        for command, tables in WRITES[kind].items():
            out.append(f"GRANT {command} ON {', '.join(tables)} TO {GROUP[kind]}")
    out.append(f"GRANT SELECT ON poll_votes TO {GROUP['clinician']}")
    out.append(f"REVOKE UPDATE, DELETE, TRUNCATE ON {', '.join(APPEND_ONLY)} FROM PUBLIC, {groups}")
    for table in (*DATA_TABLES, "audit", "audit_chain", "people", "caseload", "supervision", "poll_votes"):
        out.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    out += _policies()
    return out

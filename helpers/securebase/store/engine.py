"""The store's one connection, on SQLAlchemy Core, to SQLite (embedded) or PostgreSQL (a clinic).

Every query of the store is written once, in SQL that both backends run (``INSERT ... ON CONFLICT``,
``RETURNING``), with ``?`` for each parameter; :meth:`Connection.execute` turns it into a SQLAlchemy
:func:`~sqlalchemy.text` clause with named binds, compiled once per statement and cached. The schema
itself is the one place where the two differ (``store/migrations``).

Transactions are the store's own: the connection runs in autocommit mode and the store issues ``BEGIN``
(on SQLite ``BEGIN IMMEDIATE``, so that writers queue instead of failing halfway) and ``COMMIT`` itself.
A driver's error comes out as the driver's own exception (``sqlite3.*`` or ``psycopg.errors.*``), and
:func:`is_busy` tells whether trying again may help.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import sqlalchemy
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import NullPool

from securebase.core.errors import StoreError

__all__ = ["Connection", "NotAllowedError", "database_url", "display_url", "is_busy", "is_integrity_error", "is_operational", "sqlite_url"]

_PLACEHOLDER = re.compile(r"\?")
WRITE_LOCK = 0x5EC0BA5E   # the advisory lock every PostgreSQL write transaction holds (see Connection.begin)


@functools.lru_cache(maxsize=1024)
def _clause(sql: str) -> tuple[sqlalchemy.TextClause, int]:
    """``sql`` with its ``?`` placeholders as the named binds ``:p0``, ``:p1``, ... (the store's SQL has no
    ``?`` or ``:name`` inside string literals)."""
    count = 0

    def bind(_match: re.Match) -> str:
        nonlocal count
        count += 1
        return f":p{count - 1}"

    return sqlalchemy.text(_PLACEHOLDER.sub(bind, sql)), count


def sqlite_url(path: Any) -> str:
    return f"sqlite:///{path}"


def database_url(location: Any) -> str | None:
    """The PostgreSQL URL ``location`` names (``postgresql+psycopg://...``), or None for a SQLite file."""
    text = str(location)
    if "://" not in text:
        return None
    try:
        url = sqlalchemy.engine.make_url(text)
    except sa_exc.ArgumentError:
        raise StoreError(f"{display_url(text)} is not a database URL; give one like "
                         "postgresql+psycopg://ROLE@/DATABASE?host=/var/run/postgresql") from None
    if url.get_backend_name() != "postgresql":
        raise StoreError(f"The store is SQLite (a file path) or PostgreSQL (a postgresql+psycopg:// URL), not "
                         f"{url.get_backend_name()}.")
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def has_password(url: str) -> bool:
    try:
        return bool(sqlalchemy.engine.make_url(url).password)
    except sa_exc.ArgumentError:
        return False


def display_url(url: str) -> str:
    """``url`` with its password, if any, left out (for messages)."""
    try:
        return sqlalchemy.engine.make_url(url).render_as_string(hide_password=True)
    except sa_exc.ArgumentError:
        return "the database URL"


class Connection:
    """One open connection of the store; ``execute`` returns a SQLAlchemy result (rows are tuples)."""

    def __init__(self, url: str, *, connect_args: dict[str, Any] | None = None):
        self.engine = sqlalchemy.create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT",
                                               connect_args=connect_args or {})
        self.dialect = self.engine.dialect.name
        self._lock: str | None = None
        if self.dialect == "postgresql":
            sqlalchemy.event.listen(self.engine, "connect", _postgres_session)
        try:
            self._conn = self.engine.connect()
        except sa_exc.DBAPIError as exc:
            self.engine.dispose()
            raise exc.orig from None

    @property
    def driver_connection(self) -> Any:
        """The driver's own connection (``sqlite3.Connection`` or ``psycopg.Connection``)."""
        return self._conn.connection.driver_connection

    @property
    def in_transaction(self) -> bool:
        raw = self.driver_connection
        if self.dialect == "sqlite":
            return raw.in_transaction
        from psycopg.pq import TransactionStatus

        return raw.info.transaction_status != TransactionStatus.IDLE

    def execute(self, sql: str, params: Any = ()) -> Any:
        clause, count = _clause(sql)
        values = tuple(params)
        if len(values) != count:
            raise ValueError(f"the statement takes {count} parameter(s), {len(values)} given: {sql[:80]}")
        try:
            return _Result(self._conn.execute(clause, {f"p{i}": v for i, v in enumerate(values)}))
        except sa_exc.DBAPIError as exc:
            raise _refused(exc.orig) from None

    def script(self, sql: str) -> Any:
        """Run a statement as it is (schema statements, ``PRAGMA``), with no parameters."""
        try:
            return _Result(self._conn.exec_driver_sql(sql))
        except sa_exc.DBAPIError as exc:
            raise _refused(exc.orig) from None

    def begin(self) -> None:
        """Begin a write transaction. SQLite: ``BEGIN IMMEDIATE`` takes the write lock at once, so a writer
        waits (busy timeout) instead of failing halfway. PostgreSQL: every write also takes one
        transaction-level advisory lock, so writes queue in one order, as on SQLite: the audit chain links
        each audit row to the one before, and that needs one writer at a time."""
        if self.dialect == "sqlite":
            self.script("BEGIN IMMEDIATE")
            return
        self.script("BEGIN")
        if self._lock is None:   # schema 9 on: the store's own function (store/access_pg.py); before, the owner's
            if self.execute("SELECT to_regprocedure('securebase_write_lock()') IS NOT NULL").scalar_one():
                self._lock = "SELECT securebase_write_lock()"
        self.script(self._lock or f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")

    def commit(self) -> None:
        self.script("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:   # SQLite may already have rolled back (a full disk, say)
            self.script("ROLLBACK")

    @property
    def sqlalchemy(self) -> sqlalchemy.Connection:
        """The SQLAlchemy connection itself (for Alembic)."""
        return self._conn

    def close(self) -> None:
        try:
            self._conn.close()
        finally:
            self.engine.dispose()


def _postgres_session(driver_connection: Any, _record: Any) -> None:
    """JSON comes back as its text, as from SQLite, so that both backends hand the store the same rows."""
    from psycopg.types.string import TextLoader

    for name in ("json", "jsonb"):
        driver_connection.adapters.register_loader(name, TextLoader)


class NotAllowedError(StoreError):
    """PostgreSQL refused the statement for the person's own role (a grant or a row-level security policy)."""


def _refused(exc: BaseException) -> BaseException:
    """A refusal for the person's role becomes :class:`NotAllowedError` in plain words; others stay as they are."""
    if getattr(exc, "sqlstate", None) != "42501":   # insufficient_privilege, and row-level security violations
        return exc
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else "permission denied"
    return NotAllowedError(f"Your login may not do this here ({first}). Each person sees and changes only what "
                           "their role allows; ask the clinic's administrator if you need more.")


class _Result:
    """A statement's result; an error the driver raises while rows are fetched comes out as its own, too."""

    __slots__ = ("_result",)

    def __init__(self, result: Any):
        self._result = result

    @property
    def rowcount(self) -> int:
        return self._result.rowcount

    def _fetch(self, how: str) -> Any:
        try:
            return getattr(self._result, how)()
        except sa_exc.DBAPIError as exc:
            raise _refused(exc.orig) from None

    def fetchone(self) -> Any:
        return self._fetch("fetchone")

    def fetchall(self) -> list:
        return self._fetch("fetchall")

    def scalar_one(self) -> Any:
        return self._fetch("scalar_one")

    def __iter__(self):
        return iter(self.fetchall())


def is_busy(exc: BaseException) -> bool:
    """The store was locked by another writer, or the transaction lost a race: trying again may help."""
    import sqlite3

    if isinstance(exc, sqlite3.OperationalError):
        message = str(exc).lower()
        return "locked" in message or "busy" in message
    sqlstate = getattr(getattr(exc, "diag", None), "sqlstate", None) or getattr(exc, "sqlstate", None)
    return sqlstate in ("40001", "40P01", "55P03")   # serialization failure, deadlock, lock not available


def is_operational(exc: BaseException) -> bool:
    """The database could not carry out the statement (disk full, read-only, connection lost)."""
    import sqlite3

    if isinstance(exc, sqlite3.OperationalError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, psycopg.OperationalError)


def is_integrity_error(exc: BaseException) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.IntegrityError):
        return True
    sqlstate = getattr(exc, "sqlstate", None) or ""
    return sqlstate.startswith("23")

"""The store: the only package that talks to a database.

``from securebase.store import Store`` opens the store: the embedded SQLite file, or a clinic's shared
PostgreSQL database when given a ``postgresql+psycopg://`` URL (one implementation on SQLAlchemy Core).
:class:`EntryStore` is the interface it implements. The records it hands out (:class:`Entry`, :class:`Client`, :class:`Dyad`, ...)
hold no connection.
"""

from securebase.store.interface import EntryStore
from securebase.store.records import (
    ENTRY_COLUMNS,
    AlreadyLinked,
    AlreadySaved,
    Assessment,
    Client,
    CouplePause,
    CouplePausedError,
    DuplicateEntryError,
    Dyad,
    Entry,
    EntryRef,
    ProtocolRecord,
    Role,
    UnchangedProtocol,
    default_actor,
    protocol_screen_id,
    utc_now,
)
from securebase.store.schema import AUDIT_ACTIONS, SCHEMA_VERSION
from securebase.store.database import Store
from securebase.store.consents import Consent
from securebase.store.homework import Assignment, ReminderSettings

__all__ = [
    "AUDIT_ACTIONS", "ENTRY_COLUMNS", "SCHEMA_VERSION", "AlreadyLinked", "AlreadySaved", "Assessment", "Assignment", "Client", "Consent", "CouplePause", "CouplePausedError",
    "DuplicateEntryError", "Dyad", "Entry", "EntryRef", "EntryStore", "ProtocolRecord", "ReminderSettings", "Role", "Store",
    "UnchangedProtocol", "default_actor", "protocol_screen_id", "utc_now",
]

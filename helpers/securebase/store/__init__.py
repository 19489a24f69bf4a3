"""The store: the only package that talks to a database.

``from securebase.store import Store`` opens the embedded SQLite store; the records it hands out
(:class:`Entry`, :class:`EntryRef`, :class:`Client`) hold no connection.
"""

from securebase.store.records import ENTRY_COLUMNS, Client, DuplicateEntryError, Entry, EntryRef, default_actor, utc_now
from securebase.store.schema import AUDIT_ACTIONS, SCHEMA_VERSION
from securebase.store.sqlite import Store

__all__ = ["AUDIT_ACTIONS", "ENTRY_COLUMNS", "SCHEMA_VERSION", "Client", "DuplicateEntryError", "Entry", "EntryRef",
           "Store", "default_actor", "utc_now"]

"""The store's interface: the SQLite store implements all of it, and nothing outside store/ reaches
past it to a connection or a private method."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from securebase.store import EntryStore, Store

PACKAGE = Path(__file__).resolve().parents[2] / "helpers" / "securebase"


def _public(cls: type) -> set[str]:
    return {name for name in dir(cls) if not name.startswith("_") and callable(getattr(cls, name))}


def test_the_sqlite_store_implements_the_whole_interface_and_nothing_more():
    assert not getattr(Store, "__abstractmethods__", set())
    assert _public(Store) == set(EntryStore.__abstractmethods__)


def test_a_store_missing_a_method_cannot_be_made():
    class Partial(EntryStore):
        def close(self) -> None: ...

    with pytest.raises(TypeError, match="abstract"):
        Partial()


def test_no_module_outside_store_uses_private_store_members():
    private = re.compile(r"\bstore\._[a-z]\w*")
    found = [f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
             for path in PACKAGE.rglob("*.py") if "store" not in path.relative_to(PACKAGE).parts[:1]
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if private.search(line)]
    assert found == []


def test_domain_records_come_back_from_the_interface(store):
    store.ensure_client("C-9101", program_id="asb")
    store.ensure_client("C-9102", program_id="asb")
    dyad = store.link_dyad("C-9101", "C-9102", program_id="asb")
    assert store.active_dyad("C-9101") == dyad == store.dyad(dyad.dyad_id)
    assert store.dyads() == [dyad] and store.end_dyad(dyad).ended_at is not None and store.dyads() == []
    assert [r["action"] for r in store.audit_log(client_id="C-9101")].count("couple_link") == 1

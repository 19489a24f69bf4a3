"""Shared fixtures. Every test runs with SECUREBASE_HOME in a temporary folder."""

from __future__ import annotations

import pytest

from securebase import content
from securebase.store import Store


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """No test may read or write the real Secure Base data directory."""
    home = tmp_path_factory.mktemp("securebase-home")
    monkeypatch.setenv("SECUREBASE_HOME", str(home))
    monkeypatch.setenv("SECUREBASE_ACTOR", "test-clinician")
    return home


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "store.sqlite3", actor="test-clinician") as s:
        yield s


@pytest.fixture
def sie():
    return content.program("sie")


@pytest.fixture
def client(store):
    return store.ensure_client("C-1001", program_id="sie")

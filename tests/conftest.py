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


@pytest.fixture
def asb():
    return content.program("asb")


@pytest.fixture
def couple(store):
    """Two linked partners of the asb program: (dyad, partner A id, partner B id)."""
    from securebase.couples.dyads import link_couple

    for client_id in ("C-2001", "C-2002"):
        store.ensure_client(client_id, program_id="asb")
    return link_couple(store, "C-2001", "C-2002", program_id="asb"), "C-2001", "C-2002"


@pytest.fixture
def content_copy(tmp_path, monkeypatch):
    """A private copy of content/ (SECUREBASE_CONTENT points at it) that a test may edit, e.g. with
    :func:`toy_content.edit_yaml`; the real content is used again afterwards."""
    import shutil
    from pathlib import Path

    root = tmp_path / "content"
    shutil.copytree(Path(content.__file__).resolve().parents[3] / "content", root)
    monkeypatch.setenv("SECUREBASE_CONTENT", str(root))
    content.clear_cache()
    yield root
    content.clear_cache()

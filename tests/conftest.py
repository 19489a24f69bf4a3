"""Shared fixtures. Every test runs with SECUREBASE_HOME in a temporary folder."""

from __future__ import annotations

import re

import pytest

from securebase import content
from securebase.store import Store


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """No test may read or write the real Secure Base data directory."""
    home = tmp_path_factory.mktemp("securebase-home")
    monkeypatch.setenv("SECUREBASE_HOME", str(home))
    monkeypatch.setenv("SECUREBASE_ACTOR", "test-clinician")
    monkeypatch.setenv("SECUREBASE_HUB_DIR", str(home / "no-clinic-server"))   # never this machine's clinic server
    return home


# The store's tests, and those of what builds on it most (entries, couples, protocols, assessments, safety
# flags and check-ins, collect, export), run against both backends: each test that uses the `store` fixture
# (or `store_location`) there runs twice, test[sqlite] and test[postgres]. A test that looks inside the
# SQLite file itself (it asks for `db_path`, or is marked sqlite_only) runs on SQLite alone.
BOTH_BACKENDS = ("store/", "couples/", "homework/", "journal/test_entries.py", "intake/test_assessments.py", "intake/test_consent.py",
                 "safety/test_safety_flags.py", "safety/test_check_in.py", "workshop/test_collect.py",
                 "research/test_research_export.py")


def pytest_generate_tests(metafunc):
    fixtures = set(metafunc.fixturenames)
    if not {"store", "store_location"} & fixtures or "db_path" in fixtures:
        return
    where = metafunc.definition.path.relative_to(metafunc.config.rootpath / "tests").as_posix()
    if where.startswith(BOTH_BACKENDS) and not metafunc.definition.get_closest_marker("sqlite_only"):
        metafunc.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])


@pytest.fixture
def backend() -> str:
    return "sqlite"


@pytest.fixture
def store_location(backend, tmp_path, request):
    """Where the test's store is: a SQLite file, or (backend "postgres") a fresh PostgreSQL database."""
    if backend == "postgres":
        return request.getfixturevalue("pg_url")
    return tmp_path / "store.sqlite3"


@pytest.fixture
def store(store_location):
    with Store(store_location, actor="test-clinician") as s:
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


# PostgreSQL (make test-postgres): one throw-away cluster per session (tests/pgcluster.py), a fresh
# database per test. Tests that use either fixture get the `postgres` marker automatically.
_PG_FIXTURES = frozenset({"pg_cluster", "pg_url"})


@pytest.hookimpl(tryfirst=True)  # before -m selects on markers
def pytest_collection_modifyitems(config, items):
    for item in items:
        if _PG_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def pg_cluster():
    """A running PostgreSQL cluster (:class:`pgcluster.PgCluster`), stopped and removed after the
    session. Fails (does not skip) when Debian's PostgreSQL is missing: run `make system-deps`."""
    from pgcluster import temporary_cluster

    with temporary_cluster() as cluster:
        yield cluster


_pg_db_count = 0


@pytest.fixture
def pg_url(pg_cluster, request):
    """The SQLAlchemy URL of a fresh, empty database for this test, dropped afterwards."""
    global _pg_db_count
    _pg_db_count += 1
    stem = re.sub(r"[^a-z0-9_]+", "_", request.node.name.lower())[:40].strip("_")
    name = f"t{_pg_db_count}_{stem}"
    url = pg_cluster.create_database(name)
    yield url
    pg_cluster.drop_database(name)


@pytest.fixture(scope="session")
def clinic():
    """A running clinic server (:mod:`clinic_hub`): JupyterHub, its PostgreSQL and the people of a small
    clinic, as system users. Needs root, as in CI (`make test` runs as root there)."""
    import os

    if os.geteuid() != 0:
        pytest.skip("the clinic server makes system users and runs each person's server as theirs: run as root")
    from clinic_hub import running_clinic

    with running_clinic() as hub:
        yield hub

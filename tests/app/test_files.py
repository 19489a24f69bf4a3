"""Which report files the servers hand out (securebase.app.files): only a client's report files, by their
real path, of the kinds reports are written as."""

from __future__ import annotations

import os

import pytest

from securebase.app import files
from securebase.core.layout import file_url


@pytest.fixture
def root(tmp_path):
    clients = tmp_path / "clients"
    report = clients / "C-1" / "reports" / "intake" / "relationship_check" / "2026-03-02-intake-ab12cd34"
    report.mkdir(parents=True)
    (report / "action_report.html").write_text("<p>report</p>")
    (report / "result_card.png").write_bytes(b"\x89PNG")
    (clients / "C-1" / "notes.txt").write_text("not a report")
    (clients / "C-1" / "reports" / "run.ipynb").write_text("{}")
    (clients / "C-1" / "reports" / ".hidden.html").write_text("x")
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "secret.html").write_text("token")
    return clients


REPORT = "C-1/reports/intake/relationship_check/2026-03-02-intake-ab12cd34/action_report.html"


def test_a_clients_report_files_are_served(root):
    assert files.servable(root, REPORT) == (root / REPORT).resolve()
    assert files.servable(root, REPORT.replace("action_report.html", "result_card.png")) is not None


@pytest.mark.parametrize("relative", [
    "C-1/notes.txt",                                   # not in the reports folder
    "C-1/reports/run.ipynb",                           # a kind reports are not written as
    "C-1/reports/.hidden.html",                        # hidden
    "C-1/reports/../../../run/secret.html",            # climbing out
    "C-1/reports/./intake/relationship_check/2026-03-02-intake-ab12cd34/action_report.html",
    "../run/secret.html",
    "C-1/reports",                                     # a folder
    "C-1/reports/intake/missing.html",                 # not there
    "",
])
def test_anything_else_is_not(root, relative):
    assert files.servable(root, relative) is None


def test_a_link_out_of_the_reports_folder_is_not_followed(root):
    (root / "C-1" / "reports" / "leak.html").symlink_to(root.parent / "run" / "secret.html")
    assert files.servable(root, "C-1/reports/leak.html") is None
    (root / "C-2" / "reports").mkdir(parents=True)         # nor into another client's reports
    os.symlink(root / REPORT, root / "C-2" / "reports" / "other.html")
    assert files.servable(root, "C-2/reports/other.html") is None


def test_the_report_policy_allows_only_the_print_script():
    from securebase.reports.render import PRINT_SCRIPT_HASH

    directives = dict(d.strip().split(" ", 1) for d in files.REPORT_POLICY.split(";"))
    assert directives["default-src"] == "'none'" and directives["script-src"] == f"'{PRINT_SCRIPT_HASH}'"
    assert "unsafe-eval" not in files.REPORT_POLICY and directives["form-action"] == "'none'"


def test_pages_link_only_to_files_the_servers_serve(root, monkeypatch):
    monkeypatch.delenv("JUPYTERHUB_SERVICE_PREFIX", raising=False)
    assert file_url(root / REPORT, root) == f"/securebase/files/{REPORT}"
    assert file_url(root / "C-1" / "notes.txt", root) is None
    assert file_url(root.parent / "elsewhere" / "a.html", root) is None
    monkeypatch.setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/clin-a/")      # under JupyterHub: the user's prefix
    assert file_url(root / REPORT, root) == f"/user/clin-a/securebase/files/{REPORT}"
    odd = root / "C-1" / "reports" / "a b#c.html"
    assert file_url(odd, root) == "/user/clin-a/securebase/files/C-1/reports/a%20b%23c.html"

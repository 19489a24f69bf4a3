"""A client's page finds its client, or says plainly why not (issue 15, point 3)."""

from __future__ import annotations

import pytest

from securebase.core.errors import ParameterError
from securebase.notebook import page
from securebase.notebook.intake import IntakeWorkbook
from securebase.notebook.progress import ProgressWorkbook
from securebase.notebook.workbook import Workbook
from securebase.store import Store


@pytest.fixture
def app_page(monkeypatch):
    """This kernel serves an app page (as Voila's kernels do), for the address ``query``."""
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    monkeypatch.setenv("VOILA_BASE_URL", "/")

    def address(query: str) -> None:
        monkeypatch.setenv("QUERY_STRING", query)
    return address


@pytest.fixture
def shown(monkeypatch):
    out: list[str] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: out.append(obj.value))
    return out


def test_an_unknown_client_in_the_address_is_refused_not_created(tmp_path, app_page, shown):
    store_path = str(tmp_path / "s.sqlite3")
    app_page("client_id=C-TYPO99")
    for make in (lambda: Workbook.open("sie", "awareness", client_id="demo-001", store_path=store_path),
                 lambda: ProgressWorkbook.open("sie", client_id="demo-001", store_path=store_path),
                 lambda: IntakeWorkbook.open(client_id="demo-001", store_path=store_path)):
        refused = make()
        assert isinstance(refused, page.RefusedPage)
        assert "no client with the code C-TYPO99" in refused.message
        assert refused.exercise("insecurity_pattern_journal") is None and refused.intro() is None
    assert Store(store_path).get_client("C-TYPO99") is None
    assert len(shown) == 3 and 'href="/voila/render/app/home.ipynb"' in shown[0] and "Back to the clients" in shown[0]
    assert "Traceback" not in shown[0]


def test_a_known_client_opens_and_hostile_codes_are_escaped(tmp_path, app_page, shown):
    store_path = str(tmp_path / "s.sqlite3")
    Store(store_path).ensure_client("C-7KQ2M9", program_id="sie")
    app_page("client_id=C-7KQ2M9")
    wb = Workbook.open("sie", "awareness", client_id="demo-001", store_path=store_path)
    assert isinstance(wb, Workbook) and wb.client_id == "C-7KQ2M9" and shown == []
    app_page("client_id=%3Cscript%3Ealert(1)%3C/script%3E")
    refused = Workbook.open("sie", "awareness", client_id="demo-001", store_path=store_path)
    assert isinstance(refused, page.RefusedPage) and "<script>" not in shown[-1] and "&lt;script&gt;" in shown[-1]


def test_outside_the_app_the_notebook_parameter_registers_the_client(tmp_path, monkeypatch):
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    store_path = str(tmp_path / "s.sqlite3")
    wb = Workbook.open("sie", "awareness", client_id="C-4NEW22", store_path=store_path)
    assert isinstance(wb, Workbook) and Store(store_path).get_client("C-4NEW22") is not None


def test_outside_the_app_and_in_batch_runs_the_error_is_raised(tmp_path, monkeypatch):
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    for mode in ("batch", "interactive"):
        with pytest.raises(ParameterError, match="not a valid client id"):
            Workbook.open("sie", "awareness", client_id="C-NL2345\n", store_path=str(tmp_path / "s.sqlite3"), mode=mode)
